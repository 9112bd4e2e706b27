"""The ``format`` values asserted with ``--formats assert``, and the reference check of each.

Which formats are asserted is decided here once, for every language: :data:`ASSERTED`.  Any other
format (``idn-email``, ``iri``, ``uri-template``, an unknown name...) stays an annotation even in
assert mode.  A format applies to strings only; other JSON kinds pass.

:func:`check` is the reference implementation (:mod:`.evaluate` uses it; the tests compare every
target's generated checks with it, and the suite's optional format tests and ``jsonschema``'s
format checker are the independent oracles).  The checkers themselves are written once, as small
hand parsers over ASCII: ``templates/python/runtime/_formats.py``, the module the Python target
ships in a generated package (an ordinary Python file, linted and type-checked there), which the
TypeScript and Rust runtimes follow step by step.  Only ``regex`` differs: the generated Python
asks Python's ``re``, the reference asks :mod:`~..analysis.ecma_regex` (ECMA-262).  The rules:

* ``date``, ``time``, ``date-time``: RFC 3339 (``T``/``Z`` in either case; a time needs an offset;
  days per month with leap years; second 60 only when the time in UTC is 23:59:60);
* ``duration``: RFC 3339 appendix A (ISO 8601): ``P`` then years/months/days in order, then ``T``
  and hours/minutes/seconds in order, each at least one element; or weeks alone;
* ``email``: a dot-atom or quoted local part, ``@``, then a hostname or an address literal
  (``[IPv4]``, ``[IPv6:...]``);
* ``hostname``: RFC 1123 labels of letters, digits and inner hyphens, each 1-63 characters, at
  most 253 in all;
* ``ipv4``: four decimal octets 0-255 without leading zeros; ``ipv6``: RFC 4291 text form (one
  ``::`` at most, an embedded IPv4 last), no zone or prefix;
* ``uri``, ``uri-reference``: RFC 3986 syntax (ASCII only; ``%`` followed by two hex digits);
* ``uuid``: 8-4-4-4-12 hex digits, any version;
* ``regex``: an ECMA-262 regular expression (here: one :mod:`~..analysis.ecma_regex` parses; the
  generated code asks its language's engine, see docs/conformance.md for the differences);
* ``json-pointer`` (RFC 6901), ``relative-json-pointer`` (draft-handrews-relative-json-pointer).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from types import ModuleType

ASSERTED = (
    "date",
    "date-time",
    "duration",
    "email",
    "hostname",
    "ipv4",
    "ipv6",
    "json-pointer",
    "regex",
    "relative-json-pointer",
    "time",
    "uri",
    "uri-reference",
    "uuid",
)
"""The formats ``--formats assert`` checks (sorted)."""


@lru_cache(maxsize=1)
def _runtime() -> ModuleType:
    """``templates/python/runtime/_formats.py``, loaded as a module of its own (once, on first use)."""
    import importlib.util

    from ..templating import templates_dir

    path = templates_dir() / "python" / "runtime" / "_formats.py"
    spec = importlib.util.spec_from_file_location("stepflow_codegen._format_checks", path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _is_regex(s: str) -> bool:
    """An ECMA-262 regular expression: one :mod:`~..analysis.ecma_regex` parses."""
    from ..analysis import ecma_regex

    try:
        ecma_regex.translate(s)
    except ecma_regex.PatternError:
        return False
    return True


@lru_cache(maxsize=1)
def checks() -> dict[str, Callable[[str], bool]]:
    """Format -> its reference check (the runtime's ``is_<format>``; ``regex`` by ECMA-262)."""
    runtime = _runtime()
    out: dict[str, Callable[[str], bool]] = {
        fmt: getattr(runtime, "is_" + fmt.replace("-", "_")) for fmt in ASSERTED if fmt != "regex"
    }
    out["regex"] = _is_regex
    return out


def check(fmt: str, value: str) -> bool:
    """Whether the string ``value`` is valid for the asserted format ``fmt`` (unknown: True)."""
    f = checks().get(fmt)
    return True if f is None else f(value)
