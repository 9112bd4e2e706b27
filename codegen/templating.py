"""The template environment shared by every target: strict, declarative, with a small set of filters.

Filters are the audited escaping functions of the target language; templates never build a
literal, a name or a type expression themselves.

The built-in templates of the python, typescript and rust targets are compiled ahead of time into
plain Python (``codegen/_compiled/<target>.py``, written by ``templating_compile``): without a
``--templates`` override directory they are rendered by that code and jinja2 is not imported.
The compiled module is used only while its digest matches the templates' sources (a template
edited in a checkout and not recompiled yet is rendered by Jinja instead).  Overrides and the
scaffold's templates go through Jinja (imported then).

Jinja's compiled templates are kept in a per-user bytecode cache (``$XDG_CACHE_HOME/stepflow-codegen``,
else ``~/.cache/stepflow-codegen``; ``STEPFLOW_CODEGEN_CACHE=off`` disables it), so a run does not
recompile the templates every time.  Entries are keyed by template path and source checksum, in a
directory named after the Jinja version and the environment's settings; a cache that cannot be
created, read or written is ignored.
"""

from __future__ import annotations

import os
import stat
import zlib
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    import jinja2

#: the targets whose built-in templates are compiled ahead of time (codegen/_compiled/<target>.py)
COMPILED_TARGETS = ("python", "typescript", "rust")


def settings() -> dict[str, Any]:
    """The Jinja settings of every environment (the ahead-of-time compiler parses with them too)."""
    import jinja2

    return {
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


def _bytecode_cache(directory: str) -> jinja2.BytecodeCache:
    """A bytecode cache that never fails a run: an unreadable or unwritable entry is skipped."""
    import jinja2

    class _BytecodeCache(jinja2.FileSystemBytecodeCache):
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

    return _BytecodeCache(directory)


def _cache_dir(settings: str) -> str | None:
    """The bytecode cache directory for ``settings`` (created private to the user), or None."""
    if os.environ.get("STEPFLOW_CODEGEN_CACHE", "").lower() in ("0", "off", "no", "false"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):
        return None
    import hashlib

    digest = hashlib.sha1(settings.encode("utf-8")).hexdigest()[:16]
    import jinja2

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
    parts = [f"{k}={getattr(v, '__name__', v)}" for k, v in sorted(settings().items())]
    parts += [f"filter:{name}:{getattr(fn, 'jinja_pass_arg', None)}" for name, fn in sorted(filters)]
    return ";".join(parts)


class CompiledTemplate:
    """A built-in template compiled ahead of time, with Jinja's ``render(**context)``."""

    def __init__(self, target: str, name: str, fn: Callable[[dict[str, Any], dict[str, Any]], str],
                 filter_items: tuple[tuple[str, Callable[..., Any]], ...], filters: dict[str, Callable[..., Any]]) -> None:
        self.target, self.name, self.fn = target, name, fn
        self.filter_items, self.filters = filter_items, filters

    def render(self, *args: Any, **kwargs: Any) -> str:
        return self.fn(dict(*args, **kwargs), self.filters)


class CompiledEnvironment:
    """``target``'s built-in templates as compiled ahead of time: ``get_template(name).render(**ctx)``."""

    def __init__(self, target: str, functions: dict[str, Callable[[dict[str, Any], dict[str, Any]], str]],
                 filters: tuple[tuple[str, Callable[..., Any]], ...]) -> None:
        self.target = target
        self.filters = dict(filters)
        self._templates = {name: CompiledTemplate(target, name, fn, filters, self.filters)
                           for name, fn in functions.items()}

    def get_template(self, name: str) -> CompiledTemplate:
        try:
            return self._templates[name]
        except KeyError:
            raise LookupError(f"no built-in {self.target} template {name!r}") from None


def _sources_digest(target: str, names: Iterable[str]) -> str:
    """A digest of the template sources ``names`` of ``target`` (names, sizes, CRC-32 of names and bytes).

    It only has to notice a template edited after compiling, not resist forgery; zlib is already
    loaded by a run, hashlib (OpenSSL) would cost about 2 ms.  It covers the templates a compiled
    module was made from, so a stray file in the folder (left by an older install) does not matter;
    a missing one gives a digest that matches nothing.
    """
    folder = templates_dir() / target
    crc, total = 0, 0
    for name in sorted(names):
        try:
            with open(os.path.join(folder, name), "rb") as f:
                data = f.read()
        except OSError:
            return "missing:" + name
        crc = zlib.crc32(data, zlib.crc32(f"{name}\0{len(data)}\0".encode(), crc))
        total += len(data)
    return f"crc32:{crc:08x}:{total}"


def compiled_environment(
    target: str, filters: tuple[tuple[str, Callable[..., Any]], ...]
) -> CompiledEnvironment | None:
    """The compiled built-in templates of ``target``, or None when they do not match the sources."""
    if target not in COMPILED_TARGETS:
        return None
    import importlib

    module = importlib.import_module(f"{__package__}._compiled.{target}")
    if module.DIGEST != _sources_digest(target, module.TEMPLATES):
        return None
    return CompiledEnvironment(target, module.TEMPLATES, filters)


@lru_cache(maxsize=None)
def environment(
    target: str, filters: tuple[tuple[str, Callable[..., Any]], ...], overrides: Path | None = None
) -> CompiledEnvironment | jinja2.Environment:
    """The environment of ``target``'s templates: ``get_template(NAME).render(**context)``.

    Without ``overrides`` the built-in templates compiled ahead of time render (jinja2 is not
    imported); with ``overrides``, a user's templates directory, Jinja renders: a template found at
    ``overrides/<target>/NAME`` is used instead of the built-in ``NAME`` (see docs/templates.md for
    each template's context).
    """
    if overrides is None:
        compiled = compiled_environment(target, filters)
        if compiled is not None:
            return compiled
    return jinja_environment(target, filters, overrides)


@lru_cache(maxsize=None)
def jinja_environment(
    target: str, filters: tuple[tuple[str, Callable[..., Any]], ...], overrides: Path | None = None
) -> jinja2.Environment:
    """The Jinja environment of ``target``'s templates, ``overrides/<target>/`` first when given."""
    import jinja2

    cache_dir = _cache_dir(_settings_key(filters))
    builtin = jinja2.FileSystemLoader(str(templates_dir() / target))
    loader: jinja2.BaseLoader = builtin
    if overrides is not None:
        loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(overrides / target)), builtin])
    env = jinja2.Environment(
        loader=loader,
        bytecode_cache=_bytecode_cache(cache_dir) if cache_dir else None,
        **settings(),
    )
    env.filters.update(dict(filters))
    return env
