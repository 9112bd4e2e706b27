"""The one audited path from schema text to TypeScript source.

Schema text is untrusted.  Every string that comes from a schema and lands in generated TypeScript
goes through one of these functions:

* :func:`ts_string` for string values (enum values, consts, wire names, patterns, method names):
  a string literal that evaluates to exactly the input and nothing else;
* :func:`ts_key` for property names (an identifier when that is safe, else :func:`ts_string`);
* :func:`ts_literal` / :func:`ts_number` for other JSON values;
* :func:`ts_doc` for descriptions in ``/** ... */`` comments and :func:`ts_comment` for ``//`` lines.

Identifiers never come from here: they come from the naming policy (``types.py``), which only emits
``[A-Za-z_$][A-Za-z0-9_$]*``.

Literals are written the way prettier writes them (double quotes unless the text holds more double
than single quotes, normalised numbers, unquoted keys where allowed), so generated code is
prettier-stable without a formatting pass.
"""

from __future__ import annotations

import math
import re
import unicodedata

_SIMPLE_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f", "\v": "\\v"}
# characters that are invisible or reorder text (Trojan Source), or that JavaScript treats as line ends
_SPELLED_OUT = frozenset("\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff")
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cs", "Co", "Cn", "Zl", "Zp", "Cf"})


# ASCII text with nothing to escape in either quote style (the common case, written as it is)
_ASCII_NEEDS_ESCAPE = re.compile(r"[\x00-\x1f\x7f\\'\"]")
_ASCII_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _escape_char(c: str, quote: str) -> str:
    if c in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[c]
    if c == quote:
        return "\\" + c
    o = ord(c)
    if c in _SPELLED_OUT or unicodedata.category(c) in _UNSAFE_CATEGORIES:
        if o <= 0xFF:
            return f"\\x{o:02x}"
        if o <= 0xFFFF:
            return f"\\u{o:04x}"
        return f"\\u{{{o:x}}}"
    return c


def ts_string(value: str) -> str:
    """A TypeScript string literal for ``value``, quoted as prettier prefers.

    Lone surrogates (JSON allows ``"\\ud800"``) are spelled ``\\uXXXX``, so the literal denotes the
    same UTF-16 string JSON.parse would produce.
    """
    quote = "'" if value.count('"') > value.count("'") else '"'
    if value.isascii() and not _ASCII_NEEDS_ESCAPE.search(value):
        return quote + value + quote
    return quote + "".join(_escape_char(c, quote) for c in value) + quote


_ASCII_IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*\Z")
# a subset of the ES5 IdentifierName letters (prettier unquotes exactly ES5 identifier names): ASCII,
# Latin-1 and Latin Extended letters, combining diacritics after the first character
_ES5_START = "A-Za-z_$\u00aa\u00b5\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02c1"
_ES5_IDENT = re.compile(f"[{_ES5_START}][{_ES5_START}0-9\u0300-\u036f]*\\Z")


def is_identifier_name(name: str) -> bool:
    """Whether ``name`` may be written unquoted as a property name (and prettier would unquote it)."""
    return bool(_ES5_IDENT.match(name))


def ts_key(name: str) -> str:
    """A property name for an interface member or object literal key."""
    if is_identifier_name(name):
        return name
    return ts_string(name)


def ts_literal_key(name: str) -> str:
    """A key of an object *literal* (a value, not a type): as :func:`ts_key`, except ``__proto__``,
    which written as a plain key would set the object's prototype; a computed key does not."""
    return f"[{ts_string(name)}]" if name == "__proto__" else ts_key(name)


def ts_number(value: int | float) -> str:
    """A number literal as prettier prints it (``1e300``, ``1.5``, ``-3``)."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        raise ValueError("JSON has no NaN or infinity")
    text = repr(float(value)).lower()
    sign = ""
    if text.startswith("-"):
        sign, text = "-", text[1:]
    # the rules of prettier's number normaliser
    text = re.sub(r"^([\d.]+e)(?:\+|(-))?0*(?=\d)", r"\1\2", text)
    text = re.sub(r"^([\d.]+)e[+-]?0+$", r"\1", text)
    text = re.sub(r"^\.", "0.", text)
    text = re.sub(r"(\.\d+?)0+(?=e|$)", r"\1", text)
    text = re.sub(r"\.(?=e|$)", "", text)
    return sign + text


def ts_literal(value: object) -> str:
    """A TypeScript expression (or literal type) for a scalar JSON value."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return ts_number(value)
    if isinstance(value, str):
        return ts_string(value)
    raise TypeError(f"not a scalar JSON value: {type(value).__name__}")


def _clean_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.isascii():  # only control characters to blank
        return _ASCII_UNSAFE.sub(" ", text.replace("\t", "  "))
    out = []
    for c in text:
        if c == "\n":
            out.append(c)
        elif c == "\t":
            out.append("  ")
        elif c in _SPELLED_OUT or unicodedata.category(c) in _UNSAFE_CATEGORIES:
            out.append(" ")
        else:
            out.append(c)
    return "".join(out)


def doc_lines(text: str) -> list[str]:
    """The lines of a doc comment's body: cleaned, ``*/`` defused, trailing blanks dropped."""
    body = _clean_text(text).replace("*/", "*\\/")
    lines = [line.rstrip() for line in body.strip().split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    # a line starting with "/" right after " * " cannot close the comment, but "*" + "/" across
    # the prefix could: " * /" never forms "*/" because of the space
    return lines or [""]


def ts_doc(text: str, indent: str = "", tags: list[str] | None = None) -> str:
    """A ``/** ... */`` block (no trailing newline) for ``text``, indented for its position."""
    lines = doc_lines(text) if text else []
    for tag in tags or []:
        lines.extend(doc_lines(tag))
    if len(lines) == 1:
        return f"{indent}/** {lines[0]} */"
    out = [f"{indent}/**"]
    out += [f"{indent} * {line}" if line else f"{indent} *" for line in lines]
    out.append(f"{indent} */")
    return "\n".join(out)


def ts_doc_text(text: str) -> str:
    """Text made safe for one line inside a ``/** ... */`` block (line breaks collapsed, ``*/`` defused)."""
    return " ".join(" ".join(doc_lines(text)).split())


def ts_comment(text: str) -> str:
    """Text made safe for a single ``//`` comment line (no line terminator can end it)."""
    return " ".join(_clean_text(text).split())
