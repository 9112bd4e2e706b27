"""The built-in templates compiled ahead of time into plain Python, and the helpers their code calls.

``python.py``, ``typescript.py`` and ``rust.py`` are written by ``codegen/templating_compile.py``
(``python -m stepflow_codegen.templating_compile``) from ``templates/<target>/*.jinja``; this
module is hand-written.  The helpers reproduce what Jinja's generated code does with the project's
settings (``StrictUndefined``, no autoescape) for the constructs the built-in templates use: a
missing name, attribute or item raises :class:`UndefinedError` naming the template and what was
missing (at the access, where Jinja's strict undefined raises at the first use).

Nothing here imports jinja2.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: the value of a name the context does not hold
MISSING: Any = object()


class UndefinedError(LookupError):
    """A built-in template used a name, attribute or item its context does not have."""


def undefined(name: str, template: str) -> Any:
    raise UndefinedError(f"template {template}: {name!r} is undefined")


def getattr_(obj: Any, attribute: str, template: str) -> Any:
    """``obj.attribute`` as Jinja's ``Environment.getattr``: the attribute, else the item."""
    value = getattr(obj, attribute, MISSING)
    if value is not MISSING:
        return value
    try:
        return obj[attribute]
    except (TypeError, LookupError, AttributeError):
        pass
    raise UndefinedError(f"template {template}: {type(obj).__name__!r} object has no attribute {attribute!r}")


def getitem(obj: Any, key: Any, template: str) -> Any:
    """``obj[key]`` as Jinja's ``Environment.getitem``: the item, else (a string key) the attribute."""
    try:
        return obj[key]
    except (AttributeError, TypeError, LookupError):
        pass
    if isinstance(key, str):
        value = getattr(obj, key, MISSING)
        if value is not MISSING:
            return value
    raise UndefinedError(f"template {template}: {type(obj).__name__!r} object has no item {key!r}")


def join(value: Iterable[Any], d: Any = "") -> str:
    """Jinja's ``join`` filter without autoescape."""
    return str(d).join(map(str, value))


def map_attribute(value: Iterable[Any], attribute: str, template: str) -> Iterator[Any]:
    """Jinja's ``map(attribute=NAME)`` (a plain name: no dotted path, no default): item, else attribute."""
    for item in value:
        yield getitem(item, attribute, template)


def map_filter(value: Iterable[Any], fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Iterator[Any]:
    """Jinja's ``map("filter", ...)``."""
    for item in value:
        yield fn(item, *args, **kwargs)


def with_locals(ctx: dict[str, Any], names: dict[str, Any]) -> dict[str, Any]:
    """The context an included template sees: the includer's context and its bound local names."""
    out = dict(ctx)
    for key, value in names.items():
        if value is not MISSING:
            out[key] = value
    return out


__all__ = [
    "MISSING",
    "UndefinedError",
    "getattr_",
    "getitem",
    "join",
    "map_attribute",
    "map_filter",
    "undefined",
    "with_locals",
]
