"""The one audited path from schema text to Rust source.

Schema text is untrusted.  Every string that comes from a schema and lands in generated Rust goes
through one of these functions:

* :func:`rust_str` for values (wire names, enum values, consts, tags, patterns): a Rust string
  literal that evaluates to exactly the input and nothing else (quotes, backslashes, control,
  format and bidi characters are escaped, so nothing can end the literal early and rustc's
  ``text_direction_codepoint_in_literal`` lint never fires);
* :func:`rust_doc` for descriptions in ``///`` doc comments: a ``///`` comment ends only at a line
  feed, so every line of the text gets its own ``///`` prefix (a ``*/`` or a ``"`` in a line
  comment is inert); carriage returns (rustc rejects a bare CR in a doc comment), other line
  separators, control, format and bidi characters are replaced by spaces; and because rustdoc
  reads doc comments as Markdown, and ``cargo test`` compiles Markdown code blocks as doctests,
  the text is defused: lines are unindented (no indented code block), fence markers are escaped
  (no fenced code block), ``<``, ``[``, ``]`` and ``\\`` outside code spans are escaped (no HTML
  tag, no intra-doc link), and the continuation lines of a list item are indented under it (so
  clippy's ``doc_lazy_continuation`` lint is satisfied);
* :func:`rust_comment` for text in a single ``//`` comment line.

Identifiers never come from here: they come from the naming policy, which only emits
``[A-Za-z_][A-Za-z0-9_]*`` (plus the ``r#`` prefix of raw identifiers).
"""

from __future__ import annotations

import math
import re
import unicodedata

_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0"}


class NotRepresentable(ValueError):
    """A string Rust cannot hold (a lone surrogate: neither valid UTF-8 nor valid JSON text)."""


def _invisible(c: str) -> bool:
    return c in _BIDI or unicodedata.category(c) in ("Cc", "Cf", "Co", "Cn", "Zl", "Zp", "Zs") and c != " "


# ASCII text with nothing to escape (the common case, written as it is)
_ASCII_NEEDS_ESCAPE = re.compile(r'[\x00-\x1f\x7f"\\]')
_ASCII_UNSAFE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


def rust_str(value: str) -> str:
    """A Rust string literal (with its quotes) whose value is exactly ``value``."""
    if value.isascii() and not _ASCII_NEEDS_ESCAPE.search(value):
        return f'"{value}"'
    out = ['"']
    for c in value:
        if c in _ESCAPES:
            out.append(_ESCAPES[c])
        elif 0xD800 <= ord(c) <= 0xDFFF:
            raise NotRepresentable(f"the string {value!r} holds a lone surrogate, which Rust strings cannot hold")
        elif _invisible(c):
            out.append(f"\\u{{{ord(c):x}}}")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def rust_int(value: int) -> str:
    """An integer literal (the caller picks a type wide enough)."""
    return str(int(value))


def rust_float(value: float) -> str:
    """An ``f64`` literal that round-trips ``value`` (always with a ``.`` or an exponent)."""
    if not math.isfinite(value):
        raise NotRepresentable("JSON has no NaN or infinity")
    text = repr(float(value))
    if "e" in text or "E" in text:
        mantissa, exponent = text.lower().split("e")
        if "." not in mantissa:
            mantissa += ".0"
        return f"{mantissa}e{int(exponent)}"
    return text


def _clean(text: str) -> str:
    """Line feeds kept; every other line break, control, format or bidi character becomes a space."""
    if text.isascii():  # only control characters to blank (tab and a lone CR included)
        return _ASCII_UNSAFE.sub(" ", text.replace("\r\n", "\n"))
    out = []
    for c in text.replace("\r\n", "\n"):
        if c == "\n":
            out.append(c)
        elif 0xD800 <= ord(c) <= 0xDFFF or _invisible(c) or c == "\t":
            out.append(" ")
        else:
            out.append(c)
    return "".join(out)


def rust_comment(text: str) -> str:
    """Text made safe for one ``//`` comment line: all whitespace (line feeds included) becomes one space."""
    return " ".join(_clean(text).split())


_LIST_MARKER = re.compile(r"^(?:[-+*]|[0-9]{1,9}[.)])(?: |$)")
_FENCE = re.compile(r"^(`{3,}|~{3,})")
_MARKDOWN_SPECIAL = {"<": "\\<", "[": "\\[", "]": "\\]", "\\": "\\\\"}


def _escape_markdown(line: str) -> str:
    """Escape ``<``, ``[``, ``]`` and ``\\`` outside code spans (text between backticks is left as is)."""
    parts = line.split("`")
    if len(parts) % 2 == 0:  # an unbalanced backtick starts no code span: escape everything after it too
        parts = parts[:-2] + [parts[-2] + "`" + parts[-1]] if len(parts) >= 2 else parts
    for i in range(0, len(parts), 2):
        if any(c in parts[i] for c in _MARKDOWN_SPECIAL):
            parts[i] = "".join(_MARKDOWN_SPECIAL.get(c, c) for c in parts[i])
    return "`".join(parts)


def doc_lines(text: str) -> list[str]:
    """The lines of a doc comment for ``text`` (without the ``///`` prefix)."""
    lines: list[str] = []
    in_item = 0  # content indent of the list item the current paragraph continues, 0 if none
    for raw in _clean(text).split("\n"):
        line = raw.strip()
        if not line:
            if lines and lines[-1]:
                lines.append("")
            in_item = 0
            continue
        marker = _LIST_MARKER.match(line)
        block = bool(_FENCE.match(line)) or line.startswith((">", "#", "=", "|"))
        block = block or (line.startswith("-") and set(line) <= {"-", " "})
        line = _escape_markdown(line)
        if block:  # no code fence, block quote (lazy continuation lint), heading, setext underline or table
            line = "\\" + line
            marker = None
        if marker:
            in_item = len(marker.group(0)) if marker.group(0).endswith(" ") else len(marker.group(0)) + 1
            lines.append(line)
        elif in_item:
            lines.append(" " * in_item + line)
        else:
            lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def rust_doc(text: str | None, indent: int = 0, inner: bool = False) -> str:
    """A ``///`` (or ``//!`` when ``inner``) doc comment for ``text``, one line per line, indented; '' if empty."""
    if not text:
        return ""
    prefix = " " * indent + ("//!" if inner else "///")
    out = []
    for line in doc_lines(text):
        out.append(f"{prefix} {line}" if line else prefix)
    return "\n".join(out)


def rust_doc_inline(text: str) -> str:
    """Untrusted text inside one line of a doc comment: one line, Markdown defused like :func:`rust_doc`."""
    return " ".join(line.strip() for line in doc_lines(text) if line.strip())
