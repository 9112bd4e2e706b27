"""The one audited path from schema text to Python source.

Schema text is untrusted.  Every string that comes from a schema and lands in generated Python goes
through one of these functions:

* :func:`py_literal` for values (defaults, enum values, consts, wire names, patterns): the output
  is a Python literal expression that evaluates to exactly the input value and nothing else;
* :func:`py_docstring` for descriptions in docstrings;
* :func:`py_comment` for text in ``#`` comments;
* :func:`py_doctext` for text inside a docstring or a double-quoted string written by a template
  (protocol names, roles, file names): one line, backslashes and double quotes escaped.

Identifiers never come from here: they come from the naming policy, which only emits
``[A-Za-z_][A-Za-z0-9_]*``.

Strings are written the way black writes them (double quotes unless that needs more escapes), so
generated code is black-stable without a formatting pass.
"""

from __future__ import annotations

import math
import re
import unicodedata

_WHITESPACE_ONLY = re.compile("^[ \t]+$", re.MULTILINE)
_LEADING_WHITESPACE = re.compile("(^[ \t]*)(?:[^ \t\n])", re.MULTILINE)


def dedent(text: str) -> str:
    """``textwrap.dedent(text)``, the same code: a run does not import textwrap (its import compiles
    the patterns of ``TextWrapper``, about 0.5 ms)."""
    margin = None
    text = _WHITESPACE_ONLY.sub("", text)
    for indent in _LEADING_WHITESPACE.findall(text):
        if margin is None:
            margin = indent
        elif indent.startswith(margin):
            pass
        elif margin.startswith(indent):
            margin = indent
        else:
            for i, (x, y) in enumerate(zip(margin, indent)):
                if x != y:
                    margin = margin[:i]
                    break
    if margin:
        text = re.sub(r"(?m)^" + margin, "", text)
    return text


def fill_words(text: str, width: int) -> str:
    """``textwrap.fill(text, width, break_long_words=False, break_on_hyphens=False)`` for ``text``
    made of words joined by single spaces (``" ".join(s.split())``): as many words on a line as
    fit, a longer word on a line of its own."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        if not line:
            line = word
        elif len(line) + 1 + len(word) <= width:
            line += " " + word
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return "\n".join(lines)


_SIMPLE_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(c: str, quote: str) -> str:
    if c in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[c]
    if c == quote:
        return "\\" + c
    o = ord(c)
    cat = unicodedata.category(c)
    if cat in ("Cc", "Cs", "Co", "Cn", "Zl", "Zp") or c in "\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff":
        # control characters, surrogates, line separators and bidi controls are spelled out
        if o <= 0xFF:
            return f"\\x{o:02x}"
        if o <= 0xFFFF:
            return f"\\u{o:04x}"
        return f"\\U{o:08x}"
    return c


_ASCII_ESCAPES = {c: _SIMPLE_ESCAPES.get(c, f"\\x{ord(c):02x}") for c in map(chr, range(0x20))}
_ASCII_ESCAPES.update({"\\": "\\\\", "\x7f": "\\x7f"})
_DQ_TABLE = str.maketrans({**_ASCII_ESCAPES, '"': '\\"'})
_SQ_TABLE = str.maketrans({**_ASCII_ESCAPES, "'": "\\'"})


def py_str(value: str) -> str:
    """A Python string literal for ``value``, quoted as black prefers.

    Like black's string normalization: double quotes unless single quotes need fewer escapes.
    """
    quote = "'" if value.count("'") < value.count('"') else '"'
    if value.isascii():
        if value.isprintable() and "\\" not in value and quote not in value:
            return quote + value + quote  # nothing to escape (most names and keys): no translate
        # the same escapes as _escape_char: controls spelled out, backslash and the quote escaped
        return quote + value.translate(_DQ_TABLE if quote == '"' else _SQ_TABLE) + quote
    return quote + "".join(_escape_char(c, quote) for c in value) + quote


def py_literal(value: object) -> str:
    """A Python expression that evaluates to the JSON value ``value`` (str, int, float, bool, None, list, dict)."""
    if value is None:
        return "None"
    if value is True:
        return "True"
    if value is False:
        return "False"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("JSON has no NaN or infinity")
        return repr(float(value)).replace("e+", "e")  # black writes 1e20, not 1e+20
    if isinstance(value, str):
        return py_str(value)
    if isinstance(value, list):
        return "[" + ", ".join(py_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py_str(str(k))}: {py_literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


_CLEAN_ASCII = str.maketrans({**{chr(i): " " for i in range(0x20)}, "\n": "\n", "\t": "    ", "\x7f": " "})


def _clean_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text
    if text.isascii():
        return text.translate(_CLEAN_ASCII)
    out = []
    for c in text.replace("\r\n", "\n").replace("\r", "\n"):
        cat = unicodedata.category(c)
        if c == "\n":
            out.append(c)
        elif c == "\t":
            out.append("    ")
        elif cat in ("Cc", "Cs", "Co", "Cn", "Zl", "Zp", "Cf"):
            out.append(" ")
        else:
            out.append(c)
    return "".join(out)


def py_docstring(text: str, indent: str = "") -> str:
    """A triple-quoted docstring (including the quotes) for ``text``, indented for its block."""
    body = _clean_text(text).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    first, _, rest_text = body.strip().partition("\n")
    # black re-indents docstrings: continuation lines lose their common leading whitespace
    lines = [first.rstrip()] + [line.rstrip() for line in dedent(rest_text).split("\n")] if rest_text else [first.rstrip()]
    while lines and not lines[-1]:
        lines.pop()
    if not lines:
        lines = [""]
    last = lines[-1]
    if last.endswith('"') and (len(last) - 1 - len(last[:-1].rstrip("\\"))) % 2 == 0:
        # an unescaped quote right before the closing quotes would end the string early
        lines[-1] = last[:-1] + '\\"'
    if len(lines) == 1:
        return f'"""{lines[0]}"""'
    rest = "\n".join((indent + line) if line else "" for line in lines[1:])
    return f'"""{lines[0]}\n{rest}\n{indent}"""'


def py_comment(text: str) -> str:
    """Text made safe for a single ``#`` comment line (no line breaks can escape it)."""
    return " ".join(_clean_text(text).split())


_DOCTEXT_TABLE = str.maketrans({"\\": "\\\\", '"': '\\"'})


def py_doctext(text: str) -> str:
    """Text made safe for one line inside a docstring or a ``"..."`` string of a template.

    Line breaks and control characters become spaces (as in :func:`py_comment`); backslashes and
    double quotes are escaped, so the text can neither end the string nor start an escape.
    """
    return py_comment(text).translate(_DOCTEXT_TABLE)
