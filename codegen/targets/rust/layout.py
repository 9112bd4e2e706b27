"""Lay out the few Rust constructs whose length depends on schema text the way rustfmt does.

The generated crate ships a ``rustfmt.toml`` with ``use_small_heuristics = "Max"`` (every width
limit is ``max_width`` = 100), so rustfmt's rule for each construct is "one line if it fits, else
the vertical form", and when even the vertical form cannot fit rustfmt leaves the text as written.
Templates emit every other construct in its final form; the tests run ``cargo fmt --check`` on
``generated/rust`` and on every golden fixture crate, so a template that drifts from rustfmt fails CI.
"""

from __future__ import annotations

MAX_WIDTH = 100
INDENT = 4


def fits(indent: int, text: str) -> bool:
    return indent + len(text) <= MAX_WIDTH


def attr(indent: int, name: str, items: list[str]) -> str:
    """``#[name(a, b)]``, or one item per line (no trailing comma) when it does not fit."""
    one = f"#[{name}({', '.join(items)})]"
    pad = " " * indent
    if fits(indent, one):
        return pad + one
    inner = " " * (indent + INDENT)
    return f"{pad}#[{name}(\n" + ",\n".join(inner + i for i in items) + f"\n{pad})]"


def field(indent: int, head: str, ty: str, tail: str = ",") -> str:
    """``pub name: Type,``, or the type on the next line (indented) when it does not fit."""
    one = f"{head}: {ty}{tail}"
    pad = " " * indent
    if fits(indent, one):
        return pad + one
    return f"{pad}{head}:\n{' ' * (indent + INDENT)}{ty}{tail}"


def call(indent: int, callee: str, args: list[str], tail: str = ";", head: str = "") -> str:
    """``head callee(a, b)tail``; vertical arguments (with a trailing comma) when it does not fit and they do."""
    pad = " " * indent
    one = f"{head}{callee}({', '.join(args)}){tail}"
    if fits(indent, one) or not args:
        return pad + one
    inner = indent + INDENT
    if all(fits(inner, a + ",") for a in args) and fits(indent, f"{head}{callee}(") and fits(indent, ")" + tail):
        return f"{pad}{head}{callee}(\n" + "".join(f"{' ' * inner}{a},\n" for a in args) + f"{pad}){tail}"
    return pad + one


def assign_call(indent: int, lhs: str, callee: str, args: list[str]) -> str:
    """``lhs = callee(args);``: one line, else the right side on the next line, else vertical arguments."""
    pad = " " * indent
    rhs = f"{callee}({', '.join(args)});"
    one = f"{lhs} = {rhs}"
    if fits(indent, one):
        return pad + one
    if fits(indent + INDENT, rhs):
        return f"{pad}{lhs} =\n{' ' * (indent + INDENT)}{rhs}"
    return call(indent, callee, args, ";", head=f"{lhs} = ")


def match_arm(indent: int, pattern: str, expr: str) -> str:
    """``pattern => expr,``, or the expression in a block when it does not fit."""
    pad = " " * indent
    one = f"{pattern} => {expr},"
    if fits(indent, one):
        return pad + one
    if fits(indent, f"{pattern} => {{") and fits(indent + INDENT, expr):
        return f"{pad}{pattern} => {{\n{' ' * (indent + INDENT)}{expr}\n{pad}}}"
    return pad + one


def reindent(block: str, indent: int) -> str:
    """Indent every non-empty line of ``block`` by ``indent`` spaces."""
    pad = " " * indent
    return "\n".join(pad + line if line else line for line in block.split("\n"))


def assign(indent: int, lhs: str, rhs: str) -> str:
    """``lhs = rhs;``: one line, else the right side alone on the next line, else as written."""
    pad = " " * indent
    one = f"{lhs} = {rhs};"
    if fits(indent, one) or not fits(indent + INDENT, rhs + ";"):
        return pad + one
    return f"{pad}{lhs} =\n{' ' * (indent + INDENT)}{rhs};"
