"""A small pretty printer with prettier's layout algorithm, so generated TypeScript is prettier-stable.

Documents are built from strings, :class:`Group`, :class:`Indent`, line breaks (:data:`LINE`,
:data:`SOFTLINE`, :data:`HARDLINE`), :class:`IfBreak` and :class:`Fill`, and printed at a width of
80 columns with 2-space indentation: a group is printed flat when it (and what follows it up to
the next possible line break) fits, else its lines break.  That is the algorithm of prettier's
``printDocToString``; the helpers at the bottom build the shapes prettier gives the TypeScript
constructs this target emits (unions, arrays, tuples, object types, calls), and
``tests/test_typescript.py`` runs prettier ``--check`` over the output to keep the two in step.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Union

WIDTH = 80


@dataclass
class Group:
    contents: Doc
    should_break: bool = False
    expanded_states: list[Doc] | None = None
    """Conditional group: alternatives tried in order (prettier's ``conditionalGroup``)."""
    id: int | None = None
    """Lets :class:`IfBreak` / :class:`IndentIfBreak` elsewhere follow this group's mode."""


@dataclass
class Indent:
    contents: Doc


@dataclass(frozen=True)
class Line:
    soft: bool = False
    hard: bool = False


@dataclass
class IfBreak:
    break_contents: Doc
    flat_contents: Doc = ""
    group_id: int | None = None


@dataclass
class IndentIfBreak:
    contents: Doc
    group_id: int


@dataclass
class Fill:
    parts: list[Doc] = field(default_factory=list)
    """content, separator, content, separator, ... content"""


Doc = Union[str, list["Doc"], Group, Indent, Line, IfBreak, IndentIfBreak, Fill]

LINE = Line()
SOFTLINE = Line(soft=True)
HARDLINE = Line(hard=True)

_FLAT, _BREAK = 0, 1


def width(text: str) -> int:
    """Columns ``text`` takes, counted as prettier does (wide and emoji characters take two,
    combining marks and control characters none)."""
    if text.isascii():
        return len(text)
    n = 0
    for c in text:
        o = ord(c)
        if o <= 0x1F or 0x7F <= o <= 0x9F or 0x300 <= o <= 0x36F:
            continue
        n += 2 if unicodedata.east_asian_width(c) in ("F", "W") else 1
    return n


def _propagate(doc: Doc) -> bool:
    """Mark groups that contain a hard break (or a broken group) as broken; return whether ``doc`` does."""
    if isinstance(doc, str):
        return False
    if isinstance(doc, list):
        found = False
        for d in doc:
            found = _propagate(d) or found
        return found
    if isinstance(doc, Line):
        return doc.hard
    if isinstance(doc, Group):
        inner = _propagate(doc.contents)
        if doc.expanded_states is not None:
            for s in doc.expanded_states:
                _propagate(s)
            # a conditional group is not broken by its contents, but (as prettier's call printer
            # adds a breakParent beside it) its parents are
            return doc.should_break or inner
        if inner:
            doc.should_break = True
        return doc.should_break
    if isinstance(doc, (Indent, IndentIfBreak)):
        return _propagate(doc.contents)
    if isinstance(doc, IfBreak):
        a = _propagate(doc.break_contents)
        b = _propagate(doc.flat_contents)
        return a or b
    if isinstance(doc, Fill):
        found = False
        for d in doc.parts:
            found = _propagate(d) or found
        return found
    raise TypeError(doc)


def _fits(
    next_cmd: tuple[int, int, Doc],
    rest: list[tuple[int, int, Doc]],
    room: int,
    modes: dict[int, int],
    must_be_flat: bool = False,
) -> bool:
    rest_idx = len(rest)
    cmds: list[tuple[int, Doc]] = [(next_cmd[1], next_cmd[2])]
    while room >= 0:
        if not cmds:
            if rest_idx == 0:
                return True
            rest_idx -= 1
            cmds.append((rest[rest_idx][1], rest[rest_idx][2]))
            continue
        mode, doc = cmds.pop()
        if isinstance(doc, str):
            room -= width(doc)
        elif isinstance(doc, list):
            for d in reversed(doc):
                cmds.append((mode, d))
        elif isinstance(doc, Indent):
            cmds.append((mode, doc.contents))
        elif isinstance(doc, Group):
            if must_be_flat and doc.should_break:
                return False
            group_mode = _BREAK if doc.should_break else mode
            contents = doc.expanded_states[-1] if doc.expanded_states is not None and group_mode == _BREAK else doc.contents
            cmds.append((group_mode, contents))
        elif isinstance(doc, IfBreak):
            group_mode = modes.get(doc.group_id, _FLAT) if doc.group_id is not None else mode
            cmds.append((mode, doc.break_contents if group_mode == _BREAK else doc.flat_contents))
        elif isinstance(doc, IndentIfBreak):
            cmds.append((mode, doc.contents))
        elif isinstance(doc, Line):
            if mode == _BREAK or doc.hard:
                return True
            if not doc.soft:
                room -= 1
        elif isinstance(doc, Fill):
            for d in reversed(doc.parts):
                cmds.append((mode, d))
        else:
            raise TypeError(doc)
    return False


def render(doc: Doc, indent: int = 0) -> str:
    """Print ``doc`` starting at column ``indent`` (which is also the base indentation)."""
    _propagate(doc)
    out: list[str] = []
    pos = indent
    modes: dict[int, int] = {}
    cmds: list[tuple[int, int, Doc]] = [(indent, _BREAK, doc)]
    while cmds:
        ind, mode, d = cmds.pop()
        if isinstance(d, str):
            out.append(d)
            pos += width(d)
        elif isinstance(d, list):
            for x in reversed(d):
                cmds.append((ind, mode, x))
        elif isinstance(d, Indent):
            cmds.append((ind + 2, mode, d.contents))
        elif isinstance(d, Group):
            chosen = _BREAK
            if mode == _FLAT:
                chosen = _BREAK if d.should_break else _FLAT
                cmds.append((ind, chosen, d.contents))
            else:
                nxt = (ind, _FLAT, d.contents)
                if not d.should_break and _fits(nxt, cmds, WIDTH - pos, modes):
                    cmds.append(nxt)
                    chosen = _FLAT
                elif d.expanded_states is not None:
                    most = d.expanded_states[-1]
                    if d.should_break:
                        cmds.append((ind, _BREAK, most))
                    else:
                        for i in range(1, len(d.expanded_states) + 1):
                            if i >= len(d.expanded_states):
                                cmds.append((ind, _BREAK, most))
                                break
                            cmd = (ind, _FLAT, d.expanded_states[i])
                            if _fits(cmd, cmds, WIDTH - pos, modes):
                                cmds.append(cmd)
                                chosen = _FLAT
                                break
                else:
                    cmds.append((ind, _BREAK, d.contents))
            if d.id is not None:
                modes[d.id] = chosen
        elif isinstance(d, IfBreak):
            group_mode = modes.get(d.group_id, _FLAT) if d.group_id is not None else mode
            cmds.append((ind, mode, d.break_contents if group_mode == _BREAK else d.flat_contents))
        elif isinstance(d, IndentIfBreak):
            if modes.get(d.group_id, _FLAT) == _BREAK:
                cmds.append((ind + 2, mode, d.contents))
            else:
                cmds.append((ind, mode, d.contents))
        elif isinstance(d, Line):
            if mode == _FLAT and not d.hard:
                if not d.soft:
                    out.append(" ")
                    pos += 1
                continue
            # trim trailing spaces, then break
            while out and out[-1].strip(" ") == "":
                out.pop()
            if out:
                out[-1] = out[-1].rstrip(" ")
            out.append("\n" + " " * ind)
            pos = ind
        elif isinstance(d, Fill):
            _fill(d, ind, mode, cmds, pos, modes)
        else:
            raise TypeError(d)
    return "".join(out)


def _fill(d: Fill, ind: int, mode: int, cmds: list[tuple[int, int, Doc]], pos: int, modes: dict[int, int]) -> None:
    """Prettier's fill: as many contents per line as fit.  Expands into commands for the main loop."""
    parts = d.parts
    if not parts:
        return
    content = parts[0]
    content_flat = (ind, _FLAT, content)
    content_break = (ind, _BREAK, content)
    content_fits = _fits(content_flat, [], WIDTH - pos, modes, must_be_flat=True)
    if len(parts) == 1:
        cmds.append(content_flat if content_fits else content_break)
        return
    sep = parts[1]
    sep_flat = (ind, _FLAT, sep)
    sep_break = (ind, _BREAK, sep)
    if len(parts) == 2:
        if content_fits:
            cmds.append(sep_flat)
            cmds.append(content_flat)
        else:
            cmds.append(sep_break)
            cmds.append(content_break)
        return
    rest = Fill(parts[2:])
    remaining = (ind, mode, rest)
    first_and_second = (ind, _FLAT, [content, sep, parts[2]])
    pair_fits = _fits(first_and_second, [], WIDTH - pos, modes, must_be_flat=True)
    cmds.append(remaining)
    if pair_fits:
        cmds.append(sep_flat)
        cmds.append(content_flat)
    elif content_fits:
        cmds.append(sep_break)
        cmds.append(content_flat)
    else:
        cmds.append(sep_break)
        cmds.append(content_break)


# ---------------------------------------------------------------------------------------------
# shapes of JavaScript expressions, as prettier lays them out (types are in types.py)
# ---------------------------------------------------------------------------------------------


def join(sep: Doc, docs: Sequence[Doc]) -> list[Doc]:
    out: list[Doc] = []
    for i, d in enumerate(docs):
        if i:
            out.append(sep)
        out.append(d)
    return out


def will_break(doc: Doc) -> bool:
    """Whether ``doc`` contains a forced break (a hard line or a group that must break)."""
    if isinstance(doc, str):
        return False
    if isinstance(doc, list):
        return any(will_break(d) for d in doc)
    if isinstance(doc, Line):
        return doc.hard
    if isinstance(doc, Group):
        return doc.should_break or will_break(doc.contents)
    if isinstance(doc, (Indent, IndentIfBreak)):
        return will_break(doc.contents)
    if isinstance(doc, IfBreak):
        return will_break(doc.break_contents) or will_break(doc.flat_contents)
    if isinstance(doc, Fill):
        return any(will_break(d) for d in doc.parts)
    raise TypeError(doc)


@dataclass
class Node:
    """A built expression plus what prettier's layout heuristics need to know about it."""

    doc: Doc
    kind: str = "other"
    """'array', 'object', 'number', 'string', 'arrow', 'call', 'other'"""
    size: int = 0
    """Elements of an array literal / properties of an object literal."""
    arrow_args: bool = False
    """A call with an arrow function among its arguments."""
    poorly_breakable: bool = False
    """A call with no argument or one short one (prettier then breaks after ``=`` rather than inside)."""


_IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*\Z")


def _is_short_argument(node: Node) -> bool:
    """prettier's ``isLoneShortArgument`` (a fourth of the print width)."""
    if not isinstance(node.doc, str):
        return False
    text = node.doc
    if node.kind == "number" or text in ("true", "false", "null"):
        return True
    if node.kind == "string":
        return len(text.encode("utf-16-le")) // 2 <= WIDTH // 4  # JavaScript's length
    return bool(_IDENT.match(text)) and len(text) <= WIDTH // 4


_ids = iter(range(1, 1 << 62))


def text(s: str, kind: str = "other") -> Node:
    return Node(s, kind)


def array_literal(items: list[Node]) -> Node:
    if not items:
        return Node("[]", "array")
    if len(items) > 1 and all(i.kind == "number" for i in items):
        gid = next(_ids)
        parts: list[Doc] = []
        for n, i in enumerate(items):
            last = n == len(items) - 1
            parts.append([i.doc, IfBreak(",", "", group_id=gid) if last else ","])
            if not last:
                parts.append(LINE)
        return Node(Group(["[", Indent([SOFTLINE, Fill(parts)]), SOFTLINE, "]"], id=gid), "array", len(items))
    should_break = len(items) > 1 and all(
        i.kind in ("array", "object") and i.size > 1 and i.kind == items[0].kind for i in items
    )
    return Node(
        Group(
            ["[", Indent([SOFTLINE, join([",", LINE], [i.doc for i in items])]), IfBreak(","), SOFTLINE, "]"],
            should_break=should_break,
        ),
        "array",
        len(items),
    )


def object_literal(entries: list[tuple[str, Node]], expanded: bool = False) -> Node:
    """``{ key: value, ... }`` (keys already escaped); ``expanded`` keeps it broken, as prettier
    keeps an object broken that was written with a line break after ``{``."""
    if not entries:
        return Node("{}", "object")
    body = join([",", LINE], [_property(k, v) for k, v in entries])
    return Node(
        Group(["{", Indent([LINE, body]), IfBreak(","), LINE, "}"], should_break=expanded),
        "object",
        len(entries),
    )


def _property(key: str, value: Node) -> Doc:
    """``key: value`` in an object literal, with prettier's layout of assignment-like nodes: a key of
    fewer than 5 characters never breaks after the colon, a string value breaks after it, other
    values break after it only when their first line does not fit."""
    if len(key) < 5:
        return [key, ": ", value.doc]
    if value.kind == "string":
        return Group([key, ":", Group(Indent([LINE, value.doc]))])
    gid = next(_ids)
    return Group([key, ":", Group(Indent(LINE), id=gid), IndentIfBreak(value.doc, gid)])


def call(callee: str, args: list[Node]) -> Node:
    """``callee(args)``: flat, else the last argument hugged (an array or object), else one per line."""
    if not args:
        return Node(callee + "()", "call", poorly_breakable=True)
    arrows = any(a.kind == "arrow" for a in args)
    poor = len(args) == 1 and _is_short_argument(args[0])
    printed = [a.doc for a in args]
    all_broken: Doc = [callee, "(", Indent([SOFTLINE, join([",", LINE], printed)]), IfBreak(","), SOFTLINE, ")"]
    last = args[-1]
    penultimate = args[-2] if len(args) > 1 else None
    concise_last = len(args) > 1 and last.kind == "array" and isinstance(last.doc, Group) and last.doc.id is not None
    group_last = (
        last.kind in ("array", "object")
        and last.size > 0
        and (penultimate is None or penultimate.kind != last.kind)
        and not concise_last
    )
    # prettier breaks "function composition" calls: f(g(() => x), y)
    composition = len(args) > 1 and (
        sum(a.kind == "arrow" for a in args) > 1 or any(a.kind == "call" and a.arrow_args for a in args)
    )
    if composition:
        return Node(Group(all_broken, should_break=True), "call", arrow_args=arrows)
    if not group_last or any(will_break(p) for p in printed[:-1]):
        return Node(Group(all_broken), "call", arrow_args=arrows, poorly_breakable=poor)
    head: list[Doc] = [callee, "("]
    for p in printed[:-1]:
        head += [p, ", "]
    flat: Doc = [*head, last.doc, ")"]
    last_doc = last.doc
    hugged_last = Group(last_doc.contents, should_break=True, id=last_doc.id) if isinstance(last_doc, Group) else last_doc
    hugged: Doc = [*head, hugged_last, ")"]
    return Node(Group(flat, expanded_states=[flat, hugged, all_broken]), "call", arrow_args=arrows)


def arrow(body: Node) -> Node:
    """``() => body`` (the body moves to the next line when it does not fit)."""
    return Node(["() =>", Group(Indent([LINE, body.doc]))], "arrow")


def assignment(lhs: str, rhs: Node) -> Doc:
    """``lhs = rhs`` in prettier's "fluid" layout (break after ``=`` only when the right side's
    first line does not fit), which is what it uses for declarations and type aliases; a call that
    cannot break well (no argument, or one short one) moves to the next line instead."""
    if rhs.poorly_breakable:
        return Group([lhs, " =", Group(Indent([LINE, rhs.doc]))])
    gid = next(_ids)
    return Group([lhs, " =", Group(Indent(LINE), id=gid), IndentIfBreak(rhs.doc, gid)])
