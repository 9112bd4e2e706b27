"""Diagnostics are values: every problem carries the file, the JSON pointer, what is wrong and what to do.

Front end, IR passes and targets append to a :class:`Diagnostics` collector instead of raising, so one
run reports every problem.  Only the CLI decides what an error means for the exit code.
"""

from __future__ import annotations

import enum

from .records import dataclass, field


class Severity(enum.IntEnum):
    INFO = 0
    WARNING = 1
    ERROR = 2


@dataclass(frozen=True, order=True)
class Diagnostic:
    file: str
    pointer: str
    severity: Severity
    code: str
    message: str
    hint: str = ""

    def render(self) -> str:
        where = self.file + ("#" + self.pointer if self.pointer else "")
        text = f"{printable(where)}: {self.severity.name.lower()}[{self.code}]: {printable(self.message)}"
        if self.hint:
            text += f"\n    hint: {printable(self.hint)}"
        return text


def printable(text: str) -> str:
    """``text`` safe for a terminal, on one line: control characters (escape sequences, line breaks),
    invisible formatting characters (bidi overrides) and lone surrogates are spelled as escapes."""
    if text.isascii() and text.isprintable():
        return text
    import unicodedata

    out = []
    for c in text:
        if c.isprintable() or (c == " "):
            out.append(c)
        elif unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            o = ord(c)
            out.append(f"\\x{o:02x}" if o <= 0xFF else f"\\u{o:04x}" if o <= 0xFFFF else f"\\U{o:08x}")
        else:
            out.append(c)
    return "".join(out)


@dataclass
class Diagnostics:
    items: list[Diagnostic] = field(default_factory=list)

    def add(
        self,
        severity: Severity,
        code: str,
        file: str,
        pointer: str,
        message: str,
        hint: str = "",
    ) -> None:
        d = Diagnostic(file, pointer, severity, code, message, hint)
        if d not in self.items:
            self.items.append(d)

    def error(self, code: str, file: str, pointer: str, message: str, hint: str = "") -> None:
        self.add(Severity.ERROR, code, file, pointer, message, hint)

    def warning(self, code: str, file: str, pointer: str, message: str, hint: str = "") -> None:
        self.add(Severity.WARNING, code, file, pointer, message, hint)

    def info(self, code: str, file: str, pointer: str, message: str, hint: str = "") -> None:
        self.add(Severity.INFO, code, file, pointer, message, hint)

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items, key=lambda d: (d.file, d.pointer, d.code, d.message))


class SchemaError(Exception):
    """Raised when input cannot be turned into an IR at all; carries the collected diagnostics."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = diagnostics
        super().__init__("\n".join(d.render() for d in diagnostics))
