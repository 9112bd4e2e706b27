"""Shared naming machinery: splitting schema words, case conversion, and collision-free name tables.

Each target builds its own *policy* (keywords, reserved names, cases) on top of these helpers;
only the mechanics are shared.  Every rename that is more than a case change is reported.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache

from ..records import dataclass, field

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..diagnostics import Diagnostics
    from ..ir.model import Decl, EnumMember

_WORD_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z0-9])|[A-Z]?[a-z]+[0-9]*|[A-Z]+[0-9]*|[0-9]+[a-z]*")
_SEPARATORS = re.compile(r"[^A-Za-z0-9]+")


def ascii_fold(text: str) -> str:
    """Unicode -> ASCII letters where a decomposition exists; other characters become separators."""
    if text.isascii():
        return text  # NFKD leaves ASCII as it is, and no ASCII character is combining
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c if c.isascii() else " " for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=8192)
def _part_words(part: str) -> tuple[str, ...]:
    """The words of one name part (the case converters ask for the same names many times a run)."""
    out: list[str] = []
    for chunk in _SEPARATORS.split(ascii_fold(part)):
        out.extend(_WORD_RE.findall(chunk))
    return tuple(out)


def words(*parts: str) -> list[str]:
    """Split name parts into words: camelCase, snake_case, kebab-case, dotted and spaced names."""
    if len(parts) == 1:
        return list(_part_words(parts[0]))
    out: list[str] = []
    for part in parts:
        out.extend(_part_words(part))
    return out


def pascal(*parts: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in words(*parts))


def camel(*parts: str) -> str:
    p = pascal(*parts)
    ws = words(*parts)
    if not ws:
        return p
    first = ws[0]
    first_out = first.lower() if first.isupper() else first[:1].lower() + first[1:]
    return first_out + p[len(first[:1].upper() + first[1:]) :]


def snake(*parts: str) -> str:
    return "_".join(w.lower() for w in words(*parts))


def upper_snake(*parts: str) -> str:
    return "_".join(w.upper() for w in words(*parts))


@dataclass
class Rename:
    namespace: str
    original: str
    chosen: str
    reason: str
    where: str = ""


@dataclass
class NameTable:
    """Hands out unique names in one namespace, first come first served, in a deterministic order."""

    namespace: str
    reserved: frozenset[str] = frozenset()
    casefold: bool = False
    """Treat names differing only in case as colliding (file systems, some languages)."""
    taken: dict[str, str] = field(default_factory=dict)
    renames: list[Rename] = field(default_factory=list)

    def _key(self, name: str) -> str:
        return name.lower() if self.casefold else name

    def is_free(self, name: str) -> bool:
        return self._key(name) not in self.taken and name not in self.reserved

    def claim(
        self,
        wanted: str,
        original: str,
        where: str = "",
        alternatives: Iterable[str] = (),
        fix_reserved: Callable[[str], str] = lambda n: n + "_",
    ) -> str:
        """Claim ``wanted``; on a clash try ``alternatives`` (e.g. with a parent prefix), then ``_2``, ``_3``..."""
        name = wanted
        reason = ""
        if name in self.reserved:
            name = fix_reserved(name)
            reason = f"'{wanted}' is reserved"
        if not self.is_free(name):
            clash = name
            for alt in alternatives:
                # an alternative made from a file name may start with a digit: never an identifier
                if alt.isidentifier() and self.is_free(alt):
                    name = alt
                    break
            else:
                # "self_" (a reserved word fixed) numbers as "self_2", not "self__2" (not snake case in Rust)
                sep = "" if clash.endswith("_") else "_"
                n = 2
                while not self.is_free(f"{clash}{sep}{n}"):
                    n += 1
                name = f"{clash}{sep}{n}"
            reason = f"'{clash}' is already used by {self.taken[self._key(clash)]}" if self._key(clash) in self.taken else f"'{clash}' is reserved"
        self.taken[self._key(name)] = original
        if reason:
            self.renames.append(Rename(self.namespace, original, name, reason, where))
        return name


def report_renames(diags: "Diagnostics", renames: list[Rename], what: str) -> None:
    """Report type renames: a clash between two schema names is a warning, a reserved word a note."""
    from ..diagnostics import Severity

    for r in renames:
        file, _, pointer = r.where.partition("#")
        clash = "already used" in r.reason
        diags.add(
            Severity.WARNING if clash else Severity.INFO,
            "name-collision" if clash else "renamed",
            file,
            pointer,
            f"{what} {r.original!r} is named {r.chosen!r} ({r.reason})",
        )


def naming_order(decls: "Iterable[Decl]") -> "list[Decl]":
    """The order in which declarations claim names, the same in every target.

    ``$defs``/``definitions`` entries first (they carry the names schema authors chose), then file
    roots, then inline types named after their path; ties broken by id, so output is deterministic.
    The protocol's declarations and the component authors' claim names in tables of their own (one
    module each: ``codegen/analysis/namespaces.py`` decides which is which), so neither renames the
    other's.
    """

    def priority(d: "Decl") -> tuple[int, str]:
        pointer = d.id.split("#", 1)[1]
        parts = pointer.split("/")
        if len(parts) == 3 and parts[1] in ("$defs", "definitions"):
            return (0, d.id)
        if pointer == "":
            return (1, d.id)
        return (2, d.id)

    return sorted(decls, key=priority)


def enum_member_names(members: "Iterable[EnumMember]", namespace: str, reserved: frozenset[str] = frozenset()) -> list[str]:
    """UPPER_SNAKE member names: ``x-enum-varnames`` hints first, else the value (``MINUS_1`` for -1)."""
    table = NameTable(namespace, reserved)
    names = []
    for m in members:
        if m.name_hint:
            hint = m.name_hint
        elif isinstance(m.value, int):
            hint = "MINUS_" + str(-m.value) if m.value < 0 else str(m.value)
        else:
            hint = str(m.value)
        want = upper_snake(hint) or "EMPTY"
        if want[0].isdigit():
            want = "VALUE_" + want
        names.append(table.claim(want, str(m.value)))
    return names
