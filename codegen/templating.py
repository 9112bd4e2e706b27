"""The Jinja environment shared by every target: strict, declarative, with a small set of filters.

Filters are the audited escaping functions of the target language; templates never build a
literal, a name or a type expression themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2


def templates_dir() -> Path:
    """``stepflow_codegen/templates`` in a wheel, ``templates/`` beside ``codegen/`` in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise RuntimeError("stepflow-codegen templates are missing from this installation")


@lru_cache(maxsize=None)
def environment(target: str, filters: tuple[tuple[str, Callable[..., Any]], ...]) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir() / target)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters.update(dict(filters))
    return env
