"""The Jinja environment shared by every target: strict, declarative, with a small set of filters.

Filters are the audited escaping functions of the target language; templates never build a
literal, a name or a type expression themselves.

Compiled templates are kept in a per-user bytecode cache (``$XDG_CACHE_HOME/stepflow-codegen``,
else ``~/.cache/stepflow-codegen``; ``STEPFLOW_CODEGEN_CACHE=off`` disables it), so a run does not
recompile the templates every time.  Entries are keyed by template path and source checksum, in a
directory named after the Jinja version and the environment's settings; a cache that cannot be
created, read or written is ignored.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

_SETTINGS: dict[str, Any] = {
    "undefined": jinja2.StrictUndefined,
    "trim_blocks": True,
    "lstrip_blocks": True,
    "keep_trailing_newline": True,
    "autoescape": False,
}


def templates_dir() -> Path:
    """``stepflow_codegen/templates`` in a wheel, ``templates/`` beside ``codegen/`` in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise RuntimeError("stepflow-codegen templates are missing from this installation")


class _BytecodeCache(jinja2.FileSystemBytecodeCache):
    """A bytecode cache that never fails a run: an unreadable or unwritable entry is skipped."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # a truncated or foreign file: compile instead
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def _cache_dir(settings: str) -> str | None:
    """The bytecode cache directory for ``settings`` (created private to the user), or None."""
    if os.environ.get("STEPFLOW_CODEGEN_CACHE", "").lower() in ("0", "off", "no", "false"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):
        return None
    digest = hashlib.sha1(settings.encode("utf-8")).hexdigest()[:16]
    path = os.path.join(base, "stepflow-codegen", f"jinja2-{jinja2.__version__}-{digest}")
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        st = os.lstat(path)
    except OSError:
        return None
    # bytecode is executed: only use a directory that is ours and not writable by others
    if not stat.S_ISDIR(st.st_mode) or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return None
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return None
    return path


def _settings_key(filters: tuple[tuple[str, Callable[..., Any]], ...]) -> str:
    """What compiled template code depends on besides its source: the settings and how filters are called."""
    parts = [f"{k}={getattr(v, '__name__', v)}" for k, v in sorted(_SETTINGS.items())]
    parts += [f"filter:{name}:{getattr(fn, 'jinja_pass_arg', None)}" for name, fn in sorted(filters)]
    return ";".join(parts)


@lru_cache(maxsize=None)
def environment(
    target: str, filters: tuple[tuple[str, Callable[..., Any]], ...], overrides: Path | None = None
) -> jinja2.Environment:
    """The environment of ``target``'s templates.

    ``overrides`` is a user's templates directory: a template found at ``overrides/<target>/NAME``
    is used instead of the built-in ``NAME`` (see docs/templates.md for each template's context).
    """
    cache_dir = _cache_dir(_settings_key(filters))
    builtin = jinja2.FileSystemLoader(str(templates_dir() / target))
    loader: jinja2.BaseLoader = builtin
    if overrides is not None:
        loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(overrides / target)), builtin])
    env = jinja2.Environment(
        loader=loader,
        bytecode_cache=_BytecodeCache(cache_dir) if cache_dir else None,
        **_SETTINGS,
    )
    env.filters.update(dict(filters))
    return env
