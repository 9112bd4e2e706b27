"""Shell-quoting of the command lines printed in generated headers and in ``check``'s messages.

A command line is meant to be pasted into a shell, so every argument is quoted (``shlex.quote``):
a schema file named ``x; touch P; y.json`` stays one argument.  An argument holding a line break,
another control character or an invisible formatting character is written in bash's ``$'...'``
form with escapes instead, so the command stays on one line (and inside a one-line comment in
every language).
"""

from __future__ import annotations

import re
from collections.abc import Callable

_INVISIBLE = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


_find_unsafe = re.compile(r"[^\w@%+=:,./-]", re.ASCII).search


def _shell_quote(s: str) -> str:
    """``shlex.quote`` (the same code; shlex itself is not imported by a run)."""
    if not s:
        return "''"
    if _find_unsafe(s) is None:
        return s
    return "'" + s.replace("'", "'\"'\"'") + "'"


def _needs_ansi_c(arg: str) -> bool:
    if arg.isascii() and arg.isprintable():  # printable ASCII: no character of the _INVISIBLE categories
        return False
    import unicodedata

    return any(unicodedata.category(c) in _INVISIBLE for c in arg)


def _ansi_c(arg: str) -> str:
    import unicodedata

    out = []
    for c in arg:
        o = ord(c)
        if c == "\\":
            out.append("\\\\")
        elif c == "'":
            out.append("\\'")
        elif unicodedata.category(c) in _INVISIBLE:
            out.append(f"\\x{o:02x}" if o <= 0x7F else f"\\u{o:04x}" if o <= 0xFFFF else f"\\U{o:08x}")
        else:
            out.append(c)
    return "$'" + "".join(out) + "'"


def quote(arg: str) -> str:
    """``arg`` as one shell word, on one line."""
    return _ansi_c(arg) if _needs_ansi_c(arg) else _shell_quote(arg)


def join(args: list[str]) -> str:
    """A command line: each argument quoted with :func:`quote`."""
    return " ".join(quote(a) for a in args)


def comment_line(command: str, escape: Callable[[str], str]) -> str:
    """``command`` for a one-line comment of a language whose comment escaper is ``escape``.

    A command made by :func:`join` holds no line break or other invisible character, so it is
    written as it is (the escapers collapse runs of spaces, which would change a quoted argument
    such as ``'a  b.json'``); anything else goes through ``escape``.
    """
    return escape(command) if _needs_ansi_c(command) else command
