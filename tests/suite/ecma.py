"""``jsonschema`` with ECMA-262 regular expressions, as the oracle of the differential tests.

JSON Schema's ``pattern`` and ``patternProperties`` are ECMA-262 regular expressions (2020-12 core
section 6.4; the test suite's ``optional/ecmascript-regex.json``).  ``jsonschema`` evaluates them
with Python's ``re``, which departs from ECMA-262 where it matters to real schemas: ``$`` matches
before a final newline (``^[a-z]+$`` accepts ``"abc\\n"``), ``\\d`` and ``\\w`` match non-ASCII
digits and letters, ``\\p{L}`` is not understood.  So the oracle runs ``jsonschema`` with its
``re.search`` calls answered by ``regress``, an independent ECMA-262 engine (Rust, the one Boa
uses), with the ``u`` flag JSON Schema implementations apply.  Everything else about the
evaluation is ``jsonschema``'s own.

A string that ``regress`` cannot take (one holding a lone surrogate, which UTF-8 cannot carry)
falls back to Python's ``re``: such strings cannot arrive in a JSON text decoded as UTF-8, and
the fallback is counted (:data:`FALLBACKS`) so a report can say how often it happened.

A pattern that is ECMA-262 only in the legacy (Annex B) grammar (``"\\:"``: an identity escape the
``u`` grammar forbids) is what a JavaScript validator runs without flags, matching UTF-16 code
units.  ``regress`` compiles it without the ``u`` flag (it implements the Annex B grammar) but
matches code points, which is the same thing exactly when the string has no astral character and
no surrogate (every code unit is then a code point).  So such a pattern is evaluated by
``regress`` on those strings only, and any other string raises :class:`LegacyPatternError`
rather than get an answer that is not independent of the generators (tests/test_ecma_regex.py
checks this mode against Node).
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterator
from typing import Any

import regress

FALLBACKS = 0
"""How many searches fell back to Python's ``re`` (lone surrogates)."""

# the modules of jsonschema that call re.search on schema patterns (4.26: patternProperties,
# additionalProperties/unevaluatedProperties through patternProperties, pattern, draft-3/4 legacy)
_MODULES = ("jsonschema._keywords", "jsonschema._legacy_keywords", "jsonschema._utils")


class LegacyPatternError(ValueError):
    """A legacy-grammar pattern applied to a string with an astral character or a surrogate."""


@functools.lru_cache(maxsize=4096)
def _compiled(pattern: str) -> tuple[Any, bool]:
    """The compiled pattern and whether it is a legacy (Annex B, no ``u`` flag) one."""
    try:
        return regress.Regex(pattern, "u"), False
    except regress.RegressError:
        return regress.Regex(pattern, ""), True


def legacy_search(pattern: str, string: str) -> bool | None:
    """``new RegExp(pattern).test(string)`` for a legacy pattern, or None if it is not one."""
    rx, legacy = _compiled(pattern)
    if not legacy:
        return None
    if any(ord(c) > 0xFFFF or 0xD800 <= ord(c) <= 0xDFFF for c in string):
        raise LegacyPatternError(
            f"the legacy pattern {pattern!r} matches UTF-16 code units, and {string!r} has an astral character "
            "or a surrogate: regress (code points) cannot judge it"
        )
    return rx.find(string) is not None


class _EcmaRe:
    """Stands in for the ``re`` module inside jsonschema's keyword modules."""

    def __getattr__(self, name: str) -> Any:
        return getattr(re, name)

    @staticmethod
    def search(pattern: str, string: str, flags: int = 0) -> Any:
        global FALLBACKS
        if flags:  # not a call jsonschema makes today; keep Python's meaning rather than guess
            return re.search(pattern, string, flags)
        rx, legacy = _compiled(pattern)
        if legacy:
            legacy_search(pattern, string)  # raises on a string code points cannot judge
        try:
            return rx.find(string)
        except UnicodeEncodeError:
            FALLBACKS += 1
            return re.search(pattern, string)


_ECMA = _EcmaRe()


@contextlib.contextmanager
def ecma_patterns() -> Iterator[None]:
    """Within the block, jsonschema evaluates patterns as ECMA-262 (see the module docstring)."""
    import importlib

    modules = [importlib.import_module(m) for m in _MODULES]
    saved = [m.re for m in modules]  # type: ignore[attr-defined]
    for m in modules:
        m.re = _ECMA  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for m, old in zip(modules, saved):
            m.re = old  # type: ignore[attr-defined]
