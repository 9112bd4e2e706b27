"""Black's line splitting for the statements the Python templates generate, without black.

Templates already lay code out as black does; what they cannot know in advance is where a
statement longer than 88 columns has to be split.  This module splits such statements exactly as
``black.format_str`` (black 24 to 26, stable style, line length 88, magic trailing commas on) does,
and answers ``None`` for anything it cannot prove it handles, so the caller falls back to black.

How it stays exact:

* **A port, not an imitation.**  The split functions below (``transform_line``, right-hand split
  with its trailer omission and optional parentheses, delimiter split, left-hand split for ``def``,
  the bracket tracker and its delimiter priorities, magic trailing commas, the forced second pass)
  follow black's ``linegen.py`` / ``lines.py`` / ``brackets.py`` step by step, including black's
  in-place mutation of leaves (made-visible parentheses, detached leaves after a "second opinion")
  on which its choices depend.  Names match black's so the two can be read side by side.
* **A closed grammar.**  A small parser rebuilds the parts of black's syntax tree the split
  decisions look at (which brackets are calls, subscripts, displays or parameter lists; where black
  inserts invisible parentheses: assignment right-hand sides, annotations, ``->`` return types,
  parameter annotations that are unions, conditional expressions).  It accepts class and function
  headers, assignments, annotated assignments and expression statements built from names, numbers,
  strings, calls, subscripts, attribute access, tuple/list/dict/set displays, ``|`` unions, unary
  minus, ``is``/``is not``/comparisons, conditional expressions and argument-less lambdas.  Anything
  else (comments inside a statement, slices, comprehensions, arithmetic, ``**``, keywords such as
  ``and``/``not``/``in``, implicit string concatenation, backslash continuations, non-normalized
  string quotes or numbers, whitespace black would change, non-ASCII text that might be wide)
  raises :class:`Unsupported`.
* **Only long statements are touched.**  Lines inside docstrings and comment lines are never
  rewrapped by black, so they are skipped; a statement whose physical lines all fit is kept as
  rendered (the templates emit black's layout for those, checked by ``black --check`` in CI).
* **Black is the oracle in the tests**: ``tests/test_layout.py`` compares this module with
  ``black.format_str`` on every chunk rendered from the canonical schemas, the golden fixtures and
  a synthetic schema with very long names, and asserts black was never needed for them.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator

LINE_LENGTH = 88


class Unsupported(Exception):
    """The chunk holds a long statement outside the grammar this module lays out."""


class CannotTransform(Exception):
    pass


class CannotSplit(CannotTransform):
    pass


# -- tokens and tree --------------------------------------------------------------------------------
# Leaf types are the token text for operators and brackets, else NAME / NUMBER / STRING.
NAME, NUMBER, STRING = "NAME", "NUMBER", "STRING"
LPAR, RPAR, LSQB, RSQB, LBRACE, RBRACE = "(", ")", "[", "]", "{", "}"
COMMA, COLON, EQUAL, DOT, VBAR, MINUS, STAR, RARROW = ",", ":", "=", ".", "|", "-", "*", "->"
OPENING_BRACKETS = frozenset((LPAR, LSQB, LBRACE))
CLOSING_BRACKETS = frozenset((RPAR, RSQB, RBRACE))
BRACKETS = OPENING_BRACKETS | CLOSING_BRACKETS
BRACKET = {LPAR: RPAR, LSQB: RSQB, LBRACE: RBRACE}
COMPARATORS = frozenset(("==", "!=", "<", ">", "<=", ">="))
MATH_PRIORITIES = {VBAR: 9, MINUS: 5, STAR: 4}
VARARGS_PARENTS = frozenset(("arglist", "argument", "trailer", "typedargslist", "varargslist"))
UNPACKING_PARENTS = frozenset(("atom", "dictsetmaker", "listmaker", "testlist_gexp", "testlist_star_expr"))

COMPREHENSION_PRIORITY = 20
COMMA_PRIORITY = 18
TERNARY_PRIORITY = 16
LOGIC_PRIORITY = 14
STRING_PRIORITY = 12
COMPARATOR_PRIORITY = 10
DOT_PRIORITY = 1


class Node:
    __slots__ = ("type", "children", "parent")

    def __init__(self, type: str, children: list[Node | Leaf]) -> None:
        self.type = type
        self.children = children
        self.parent: Node | None = None
        for c in children:
            c.parent = self

    @property
    def prev_sibling(self) -> Node | Leaf | None:
        return _prev_sibling(self)

    def leaves(self) -> Iterator[Leaf]:
        for c in self.children:
            if isinstance(c, Leaf):
                yield c
            else:
                yield from c.leaves()


class Leaf:
    __slots__ = ("type", "value", "prefix", "ws", "parent", "bracket_depth", "opening_bracket", "test_paren")

    def __init__(self, type: str, value: str, ws: str = "") -> None:
        self.type = type
        self.value = value
        self.ws = ws
        """The whitespace black's ``whitespace()`` gives this leaf (kept for copies)."""
        self.prefix = ws
        self.parent: Node | None = None
        self.bracket_depth = 0
        self.opening_bracket: Leaf | None = None
        self.test_paren = False
        """An invisible parenthesis black's visit_test put around a conditional expression."""

    @property
    def prev_sibling(self) -> Node | Leaf | None:
        return _prev_sibling(self)

    def __str__(self) -> str:
        return self.prefix + self.value

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Leaf({self.type!r}, {self.value!r})"



def exploded(opener: str, items: list[str], indent: int, closer: str) -> list[str]:
    """The lines of a display black has exploded (its magic trailing comma): ``opener`` (the end of
    the line that opens it), each item on a line of its own ``indent + 4`` spaces in with a trailing
    comma (an item may span lines that carry their own indentation), then ``closer`` at ``indent``.
    The statement writers that lay out their displays themselves (the Python target's validator
    tables and union hooks) share it; whether a display is exploded is theirs to decide."""
    pad = " " * (indent + 4)
    return [opener, *(f"{pad}{item}," for item in items), " " * indent + closer]


def _prev_sibling(n: Node | Leaf) -> Node | Leaf | None:
    p = n.parent
    if p is None:
        return None
    for i, c in enumerate(p.children):
        if c is n:
            return p.children[i - 1] if i else None
    return None


def _ptype(leaf: Leaf) -> str | None:
    return leaf.parent.type if leaf.parent is not None else None


def is_vararg(leaf: Leaf, within: frozenset[str]) -> bool:
    if leaf.type not in (STAR, "**") or leaf.parent is None:
        return False
    p: Node | None = leaf.parent
    if p is not None and p.type == "star_expr":
        p = p.parent
        if p is None:
            return False
    return p is not None and p.type in within


# -- delimiters (black/brackets.py) ---------------------------------------------------------------
def is_split_after_delimiter(leaf: Leaf) -> int:
    if leaf.type == COMMA:
        return COMMA_PRIORITY
    return 0


def is_split_before_delimiter(leaf: Leaf, previous: Leaf | None = None) -> int:
    if is_vararg(leaf, within=VARARGS_PARENTS | UNPACKING_PARENTS):
        return 0
    t = leaf.type
    p = leaf.parent
    if t == DOT and p is not None and p.type not in ("import_from", "dotted_name") and (
        previous is None or previous.type in CLOSING_BRACKETS
    ):
        return DOT_PRIORITY
    if t in MATH_PRIORITIES and p is not None and p.type not in ("factor", "star_expr"):
        return MATH_PRIORITIES[t]
    if t in COMPARATORS:
        return COMPARATOR_PRIORITY
    if t == STRING and previous is not None and previous.type == STRING:
        return STRING_PRIORITY
    if t != NAME:
        return 0
    v = leaf.value
    if v in ("if", "else") and p is not None and p.type == "test":
        return TERNARY_PRIORITY
    if v == "is":
        return COMPARATOR_PRIORITY
    if v == "in" and p is not None and p.type in ("comp_op", "comparison") and not (
        previous is not None and previous.type == NAME and previous.value == "not"
    ):
        return COMPARATOR_PRIORITY
    if v == "not" and p is not None and p.type == "comp_op" and not (
        previous is not None and previous.type == NAME and previous.value == "is"
    ):
        return COMPARATOR_PRIORITY
    if v in ("and", "or") and p is not None:
        return LOGIC_PRIORITY
    return 0


_MAYBE_BEFORE = frozenset((DOT, VBAR, MINUS, STAR, "**", STRING)) | COMPARATORS
_NAME_DELIMITERS = frozenset(("if", "else", "is", "in", "not", "and", "or"))


class BracketTracker:
    __slots__ = ("depth", "bracket_match", "delimiters", "previous", "_lambda_argument_depths", "invisible")

    def __init__(self) -> None:
        self.depth = 0
        self.bracket_match: dict[tuple[int, str], Leaf] = {}
        self.delimiters: dict[int, int] = {}
        self.previous: Leaf | None = None
        self._lambda_argument_depths: list[int] = []
        self.invisible: list[Leaf] = []

    def mark(self, leaf: Leaf) -> None:
        t = leaf.type
        depth = self.depth
        if t in CLOSING_BRACKETS:
            if depth == 0 and (0, t) not in self.bracket_match:
                return
        elif t == COLON and self._lambda_argument_depths and self._lambda_argument_depths[-1] == depth:
            depth -= 1
            self._lambda_argument_depths.pop()
        if t in CLOSING_BRACKETS:
            depth -= 1
            opening = self.bracket_match.pop((depth, t), None)
            if opening is None:
                raise Unsupported("unmatched closing bracket")
            leaf.opening_bracket = opening
            if not leaf.value:
                self.invisible.append(leaf)
        leaf.bracket_depth = depth
        if depth == 0:
            previous = self.previous
            delim = (
                is_split_before_delimiter(leaf, previous)
                if t in _MAYBE_BEFORE or (t == NAME and leaf.value in _NAME_DELIMITERS)
                else 0
            )
            if delim and previous is not None:
                self.delimiters[id(previous)] = delim
            elif t == COMMA:  # is_split_after_delimiter
                self.delimiters[id(leaf)] = COMMA_PRIORITY
        if t in OPENING_BRACKETS:
            self.bracket_match[depth, BRACKET[t]] = leaf
            depth += 1
            if not leaf.value:
                self.invisible.append(leaf)
        self.previous = leaf
        if t == NAME and leaf.value == "lambda":
            depth += 1
            self._lambda_argument_depths.append(depth)
        self.depth = depth

    def any_open_brackets(self) -> bool:
        return bool(self.bracket_match)

    def max_delimiter_priority(self, exclude: set[int] | frozenset[int] = frozenset()) -> int:
        return max(v for k, v in self.delimiters.items() if k not in exclude)

    def delimiter_count_with_priority(self, priority: int = 0) -> int:
        if not self.delimiters:
            return 0
        priority = priority or self.max_delimiter_priority()
        return sum(1 for p in self.delimiters.values() if p == priority)


def get_leaves_inside_matching_brackets(leaves: list[Leaf]) -> set[int]:
    try:
        start_index = next(i for i, lf in enumerate(leaves) if lf.type in OPENING_BRACKETS)
    except StopIteration:
        return set()
    ids: set[int] = set()
    stack: list[tuple[str, list[int]]] = []
    for i in range(start_index, len(leaves)):
        leaf = leaves[i]
        if leaf.type in OPENING_BRACKETS:
            stack.append((BRACKET[leaf.type], [id(leaf)]))
        elif leaf.type in CLOSING_BRACKETS:
            if stack and leaf.type == stack[-1][0]:
                _, level = stack.pop()
                level.append(id(leaf))
                ids.update(level)
            else:
                break
        elif stack:
            stack[-1][1].append(id(leaf))
    return ids


def is_one_sequence_between(opening: Leaf, closing: Leaf, leaves: list[Leaf], brackets: tuple[str, str] = (LPAR, RPAR)) -> bool:
    if (opening.type, closing.type) != brackets:
        return False
    depth = closing.bracket_depth + 1
    index = -1
    for i, lf in enumerate(leaves):
        if lf is opening:
            index = i
            break
    if index == -1:
        return False
    commas = 0
    for leaf in leaves[index + 1 :]:
        if leaf is closing:
            break
        if leaf.bracket_depth == depth and leaf.type == COMMA:
            commas += 1
            if leaf.parent is not None and leaf.parent.type in ("arglist", "typedargslist"):
                commas += 1
                break
    return commas < 2


# -- lines (black/lines.py) ------------------------------------------------------------------------
class Line:
    __slots__ = ("depth", "leaves", "bracket_tracker", "inside_brackets", "should_split_rhs", "magic_trailing_comma")

    def __init__(self, depth: int = 0, inside_brackets: bool = False) -> None:
        self.depth = depth
        self.leaves: list[Leaf] = []
        self.bracket_tracker = BracketTracker()
        self.inside_brackets = inside_brackets
        self.should_split_rhs = False
        self.magic_trailing_comma: Leaf | None = None

    def append(self, leaf: Leaf, preformatted: bool = False, track_bracket: bool = False) -> None:
        if self.inside_brackets or not preformatted or track_bracket:
            self.bracket_tracker.mark(leaf)
            if leaf.type in CLOSING_BRACKETS and self.leaves and self.leaves[-1].type == COMMA:
                if self.has_magic_trailing_comma(leaf):
                    self.magic_trailing_comma = leaf
        self.leaves.append(leaf)

    @property
    def is_def(self) -> bool:
        return bool(self.leaves) and self.leaves[0].type == NAME and self.leaves[0].value == "def"

    @property
    def is_chained_assignment(self) -> bool:
        return [leaf.type for leaf in self.leaves].count(EQUAL) > 1

    def has_magic_trailing_comma(self, closing: Leaf) -> bool:
        if not (closing.type in CLOSING_BRACKETS and self.leaves and self.leaves[-1].type == COMMA):
            return False
        if closing.type == RBRACE:
            return True
        if closing.type == RSQB:
            if (
                closing.parent is not None
                and closing.parent.type == "trailer"
                and closing.opening_bracket is not None
                and is_one_sequence_between(closing.opening_bracket, closing, self.leaves, brackets=(LSQB, RSQB))
            ):
                return False
            return True
        if closing.opening_bracket is not None and not is_one_sequence_between(
            closing.opening_bracket, closing, self.leaves
        ):
            return True
        return False

    def enumerate_with_length(self, is_reversed: bool = False) -> Iterator[tuple[int, Leaf, int]]:
        if is_reversed:
            for index in range(len(self.leaves) - 1, -1, -1):
                leaf = self.leaves[index]
                yield index, leaf, len(leaf.prefix) + len(leaf.value)
        else:
            for index, leaf in enumerate(self.leaves):
                yield index, leaf, len(leaf.prefix) + len(leaf.value)

    def __str__(self) -> str:
        if not self.leaves:
            return "\n"
        first = self.leaves[0]
        res = f"{first.prefix}{'    ' * self.depth}{first.value}"
        res += "".join(str(leaf) for leaf in self.leaves[1:])
        return res + "\n"

    def __bool__(self) -> bool:
        return bool(self.leaves)


class RHSResult:
    __slots__ = ("head", "body", "tail", "opening_bracket", "closing_bracket")

    def __init__(self, head: Line, body: Line, tail: Line, opening_bracket: Leaf, closing_bracket: Leaf) -> None:
        self.head, self.body, self.tail = head, body, tail
        self.opening_bracket, self.closing_bracket = opening_bracket, closing_bracket


def line_to_string(line: Line) -> str:
    return str(line).strip("\n")


def line_width(line: Line) -> int:
    """``len(line_to_string(line))`` without building the string (no leaf holds a newline)."""
    n = 4 * line.depth
    for leaf in line.leaves:
        n += len(leaf.prefix) + len(leaf.value)
    return n


def is_line_short_enough(line: Line, line_length: int = LINE_LENGTH) -> bool:
    return line_width(line) <= line_length


def can_be_split(line: Line) -> bool:
    leaves = line.leaves
    if len(leaves) < 2:
        return False
    if leaves[0].type == STRING and leaves[1].type == DOT:
        call_count = 0
        dot_count = 0
        nxt = leaves[-1]
        for leaf in leaves[-2::-1]:
            if leaf.type in OPENING_BRACKETS:
                if nxt.type not in CLOSING_BRACKETS:
                    return False
                call_count += 1
            elif leaf.type == DOT:
                dot_count += 1
            elif leaf.type == NAME:
                if not (nxt.type == DOT or nxt.type in OPENING_BRACKETS):
                    return False
            elif leaf.type not in CLOSING_BRACKETS:
                return False
            if dot_count > 1 and call_count > 1:
                return False
            # black does not advance `next` here either
    return True


def can_omit_invisible_parens(rhs: RHSResult, line_length: int) -> bool:
    line = rhs.body
    closing_bracket: Leaf | None = None
    for leaf in reversed(line.leaves):
        if closing_bracket and leaf is closing_bracket.opening_bracket:
            closing_bracket = None
        if not closing_bracket and leaf.type in CLOSING_BRACKETS and leaf.opening_bracket in line.leaves and leaf.value:
            closing_bracket = leaf
    bt = line.bracket_tracker
    if not bt.delimiters:
        return True
    max_priority = bt.max_delimiter_priority()
    delimiter_count = bt.delimiter_count_with_priority(max_priority)
    if delimiter_count > 1:
        return False
    if max_priority == DOT_PRIORITY:
        return True
    first = line.leaves[0]
    second = line.leaves[1]
    if first.type in OPENING_BRACKETS and second.type not in CLOSING_BRACKETS:
        if _can_omit_opening_paren(line, first=first, line_length=line_length):
            return True
    penultimate = line.leaves[-2]
    last = line.leaves[-1]
    if (
        last.type == RPAR
        or last.type == RBRACE
        or (last.type == RSQB and last.parent is not None and last.parent.type != "trailer")
    ):
        if penultimate.type in OPENING_BRACKETS:
            return False
        if _can_omit_closing_paren(line, last=last, line_length=line_length):
            return True
    return False


def _can_omit_opening_paren(line: Line, *, first: Leaf, line_length: int) -> bool:
    remainder = False
    length = 4 * line.depth
    _index = -1
    for _index, leaf, leaf_length in line.enumerate_with_length():
        if leaf.type in CLOSING_BRACKETS and leaf.opening_bracket is first:
            remainder = True
        if remainder:
            length += leaf_length
            if length > line_length:
                break
            if leaf.type in OPENING_BRACKETS:
                remainder = False
    else:
        if len(line.leaves) == _index + 1:
            return True
    return False


def _can_omit_closing_paren(line: Line, *, last: Leaf, line_length: int) -> bool:
    length = 4 * line.depth
    seen_other_brackets = False
    for _index, leaf, leaf_length in line.enumerate_with_length():
        length += leaf_length
        if leaf is last.opening_bracket:
            if seen_other_brackets or length <= line_length:
                return True
        elif leaf.type in OPENING_BRACKETS:
            seen_other_brackets = True
    return False


# -- splitting (black/linegen.py) ------------------------------------------------------------------
def transform_line(line: Line, force: bool = False) -> list[Line]:
    """black's transform_line; ``force`` is its FORCE_OPTIONAL_PARENTHESES feature (a "second opinion")."""
    if not line.should_split_rhs and not line.magic_trailing_comma and line_width(line) <= LINE_LENGTH:
        return [line]
    line_str = line_to_string(line)
    transformers: list[Callable[[Line, bool], Iterator[Line]]]
    if line.is_def and not _should_split_funcdef_with_rhs(line):
        transformers = [left_hand_split]
    elif line.inside_brackets:
        transformers = [delimiter_split, right_hand_split_with_omits]
    else:
        transformers = [right_hand_split_with_omits]
    for transform in transformers:
        try:
            return run_transformer(line, transform, line_str=line_str, force=force)
        except CannotTransform:
            continue
    return [line]


def _should_split_funcdef_with_rhs(line: Line) -> bool:
    in_return_type = False
    for leaf in line.leaves:
        if leaf.type == COLON:
            in_return_type = False
        if in_return_type and leaf.type in (COMMA, STRING):
            raise Unsupported("return annotation with a comma or a string")
        if leaf.type == RARROW:
            in_return_type = True
    return False


def run_transformer(line: Line, transform, *, line_str: str, force: bool) -> list[Line]:  # type: ignore[no-untyped-def]
    optional_parens = [b for b in line.bracket_tracker.invisible if b.bracket_depth == 0]
    result: list[Line] = []
    for transformed_line in transform(line, force):
        if line_width(transformed_line) == len(line_str) and line_to_string(transformed_line) == line_str:
            raise CannotTransform("Line transformer returned an unchanged result")
        result.extend(transform_line(transformed_line, force))
    if (
        force
        or transform is not right_hand_split_with_omits
        or not line.bracket_tracker.invisible
        or any(bracket.value for bracket in optional_parens)
        or is_line_short_enough(result[0])
        or any(leaf.parent is None for leaf in line.leaves)
    ):
        return result
    line_copy = Line(depth=line.depth, inside_brackets=line.inside_brackets)
    line_copy.should_split_rhs = line.should_split_rhs
    line_copy.magic_trailing_comma = line.magic_trailing_comma
    _append_leaves(line_copy, line.leaves)
    second_opinion = run_transformer(line_copy, transform, line_str=line_str, force=True)
    if all(is_line_short_enough(ln) for ln in second_opinion):
        result = second_opinion
    return result


def _append_leaves(new_line: Line, leaves: list[Leaf]) -> None:
    """black's ``append_leaves``: fresh copies replace the originals in the tree (which detaches them)."""
    for old in leaves:
        new = Leaf(old.type, old.value, old.ws)
        new.test_paren = old.test_paren
        if not new_line.leaves:
            new.prefix = ""
        parent = old.parent
        if parent is not None:
            for i, c in enumerate(parent.children):
                if c is old:
                    parent.children[i] = new
                    new.parent = parent
                    old.parent = None
                    break
        new_line.append(new)


def left_hand_split(line: Line, _force: bool = False) -> Iterator[Line]:
    for leaf_type in (LPAR, LSQB):
        tail_leaves: list[Leaf] = []
        body_leaves: list[Leaf] = []
        head_leaves: list[Leaf] = []
        current_leaves = head_leaves
        matching_bracket: Leaf | None = None
        depth = 0
        for index, leaf in enumerate(line.leaves):
            if index == 2 and leaf.type == LSQB:
                depth += 1
            elif depth > 0:
                if leaf.type == LSQB:
                    depth += 1
                elif leaf.type == RSQB:
                    depth -= 1
            if (
                current_leaves is body_leaves
                and leaf.type in CLOSING_BRACKETS
                and leaf.opening_bracket is matching_bracket
                and isinstance(matching_bracket, Leaf)
                and not (leaf_type == LPAR and depth > 0)
            ):
                ensure_visible(leaf)
                ensure_visible(matching_bracket)
                current_leaves = tail_leaves if body_leaves else head_leaves
            current_leaves.append(leaf)
            if current_leaves is head_leaves:
                if leaf.type == leaf_type and not (leaf_type == LPAR and depth > 0):
                    matching_bracket = leaf
                    current_leaves = body_leaves
        if matching_bracket and tail_leaves:
            break
    if not matching_bracket or not tail_leaves:
        raise CannotSplit("No brackets found")
    head = bracket_split_build_line(head_leaves, line, matching_bracket, "head")
    body = bracket_split_build_line(body_leaves, line, matching_bracket, "body")
    tail = bracket_split_build_line(tail_leaves, line, matching_bracket, "tail")
    bracket_split_succeeded_or_raise(head, body, tail)
    for result in (head, body, tail):
        if result:
            yield result


def right_hand_split(line: Line, force: bool, omit: set[int] | frozenset[int] = frozenset()) -> Iterator[Line]:
    rhs = _first_right_hand_split(line, omit=omit)
    yield from _maybe_split_omitting_optional_parens(rhs, line, force, omit=omit)


def right_hand_split_with_omits(line: Line, force: bool = False) -> Iterator[Line]:
    first_lines: list[Line] | None = None
    prefix_lengths: dict[int, int] = {}
    curr_len = 4 * line.depth
    for leaf in line.leaves:
        prefix_lengths[id(leaf)] = curr_len
        curr_len += len(leaf.prefix) + len(leaf.value)
    for omit in generate_trailers_to_omit(line, LINE_LENGTH):
        if omit:
            target_opening: Leaf | None = None
            for leaf in reversed(line.leaves):
                if leaf.type in CLOSING_BRACKETS and id(leaf) not in omit:
                    target_opening = leaf.opening_bracket
                    break
            if (
                target_opening is not None
                and target_opening.value
                and prefix_lengths.get(id(target_opening), 0) > LINE_LENGTH
            ):
                continue
        lines = list(right_hand_split(line, force, omit=omit))
        if first_lines is None and not omit:
            first_lines = lines
        if is_line_short_enough(lines[0]):
            yield from lines
            return
    if first_lines is not None:
        yield from first_lines
    else:
        yield from right_hand_split(line, force)


def _first_right_hand_split(line: Line, omit: set[int] | frozenset[int] = frozenset()) -> RHSResult:
    tail_leaves: list[Leaf] = []
    body_leaves: list[Leaf] = []
    head_leaves: list[Leaf] = []
    current_leaves = tail_leaves
    opening_bracket: Leaf | None = None
    closing_bracket: Leaf | None = None
    for leaf in reversed(line.leaves):
        if current_leaves is body_leaves:
            if leaf is opening_bracket:
                current_leaves = head_leaves if body_leaves else tail_leaves
        current_leaves.append(leaf)
        if current_leaves is tail_leaves:
            if leaf.type in CLOSING_BRACKETS and id(leaf) not in omit:
                opening_bracket = leaf.opening_bracket
                closing_bracket = leaf
                current_leaves = body_leaves
    if not (opening_bracket and closing_bracket and head_leaves):
        raise CannotSplit("No brackets found")
    tail_leaves.reverse()
    body_leaves.reverse()
    head_leaves.reverse()
    head = bracket_split_build_line(head_leaves, line, opening_bracket, "head")
    body = bracket_split_build_line(body_leaves, line, opening_bracket, "body")
    tail = bracket_split_build_line(tail_leaves, line, opening_bracket, "tail")
    bracket_split_succeeded_or_raise(head, body, tail)
    return RHSResult(head, body, tail, opening_bracket, closing_bracket)


def _maybe_split_omitting_optional_parens(
    rhs: RHSResult, line: Line, force: bool, omit: set[int] | frozenset[int] = frozenset()
) -> Iterator[Line]:
    if (
        not force
        and rhs.opening_bracket.type == LPAR
        and not rhs.opening_bracket.value
        and rhs.closing_bracket.type == RPAR
        and not rhs.closing_bracket.value
        and can_omit_invisible_parens(rhs, LINE_LENGTH)
    ):
        omit = {id(rhs.closing_bracket), *omit}
        try:
            rhs_oop = _first_right_hand_split(line, omit=omit)
            if _prefer_split_rhs_oop_over_rhs(rhs_oop, rhs):
                yield from _maybe_split_omitting_optional_parens(rhs_oop, line, force, omit=omit)
                return
        except CannotSplit as e:
            if line.is_chained_assignment:
                pass
            elif not can_be_split(rhs.body) and not is_line_short_enough(rhs.body):
                raise CannotSplit("Splitting failed, body is still too long and can't be split.") from e
    ensure_visible(rhs.opening_bracket)
    ensure_visible(rhs.closing_bracket)
    for result in (rhs.head, rhs.body, rhs.tail):
        if result:
            yield result


def _prefer_split_rhs_oop_over_rhs(rhs_oop: RHSResult, rhs: RHSResult) -> bool:
    if not (len(rhs.head.leaves) >= 2 and rhs.head.leaves[-2].type == EQUAL):
        return True
    if not any(leaf.type in BRACKETS for leaf in rhs.head.leaves[:-1]):
        return True
    if not is_line_short_enough(rhs.head, LINE_LENGTH - 1):
        return True
    if rhs.head.magic_trailing_comma is not None:
        return True
    rhs_head_equal_count = [leaf.type for leaf in rhs.head.leaves].count(EQUAL)
    rhs_oop_head_equal_count = [leaf.type for leaf in rhs_oop.head.leaves].count(EQUAL)
    if rhs_head_equal_count > 1 and rhs_head_equal_count > rhs_oop_head_equal_count:
        return False
    has_closing_bracket_after_assign = False
    for leaf in reversed(rhs_oop.head.leaves):
        if leaf.type == EQUAL:
            break
        if leaf.type in CLOSING_BRACKETS:
            has_closing_bracket_after_assign = True
            break
    return has_closing_bracket_after_assign or (
        any(leaf.type == EQUAL for leaf in rhs_oop.head.leaves) and is_line_short_enough(rhs_oop.head)
    )


def bracket_split_succeeded_or_raise(head: Line, body: Line, tail: Line) -> None:
    tail_len = len(str(tail).strip())
    if not body:
        if tail_len == 0:
            raise CannotSplit("Splitting brackets produced the same line")
        elif tail_len < 3:
            raise CannotSplit("Splitting brackets on an empty body is not worth it")


def _ensure_trailing_comma(leaves: list[Leaf], original: Line, opening_bracket: Leaf) -> bool:
    if not leaves:
        return False
    if not original.is_def:
        return False
    if opening_bracket.value != "(":
        return False
    # black: "don't add commas if we already have any commas" (outside annotations); the parser only
    # lets a def through whose parameter list holds a comma outside any annotation
    depth = 0
    for leaf in leaves:
        if leaf.type in OPENING_BRACKETS:
            depth += 1
        elif leaf.type in CLOSING_BRACKETS:
            depth -= 1
        elif leaf.type == COMMA and depth == 0:
            return False
    raise Unsupported("a def whose parameters would get an added trailing comma")


def bracket_split_build_line(leaves: list[Leaf], original: Line, opening_bracket: Leaf, component: str) -> Line:
    result = Line(depth=original.depth)
    if component == "body":
        result.inside_brackets = True
        result.depth += 1
        if _ensure_trailing_comma(leaves, original, opening_bracket):  # pragma: no cover - raises instead
            pass
    leaves_to_track: set[int] = set()
    if component == "head":
        leaves_to_track = get_leaves_inside_matching_brackets(leaves)
    for leaf in leaves:
        result.append(leaf, preformatted=True, track_bracket=id(leaf) in leaves_to_track)
    if component == "body" and should_split_line(result, opening_bracket):
        result.should_split_rhs = True
    return result


def should_split_line(line: Line, opening_bracket: Leaf) -> bool:
    if not (opening_bracket.parent is not None and opening_bracket.value in "[{("):
        return False
    exclude: set[int] = set()
    trailing_comma = False
    try:
        last_leaf = line.leaves[-1]
        if last_leaf.type == COMMA:
            trailing_comma = True
            exclude.add(id(last_leaf))
        max_priority = line.bracket_tracker.max_delimiter_priority(exclude=exclude)
    except (IndexError, ValueError):
        return False
    return max_priority == COMMA_PRIORITY and (
        trailing_comma or opening_bracket.parent.type in ("atom", "import_from")
    )


def generate_trailers_to_omit(line: Line, line_length: int) -> Iterator[set[int]]:
    omit: set[int] = set()
    if not line.magic_trailing_comma:
        yield omit
    length = 4 * line.depth
    opening_bracket: Leaf | None = None
    closing_bracket: Leaf | None = None
    inner_brackets: set[int] = set()
    for index, leaf, leaf_length in line.enumerate_with_length(is_reversed=True):
        length += leaf_length
        if length > line_length:
            break
        if opening_bracket:
            if leaf is opening_bracket:
                opening_bracket = None
            elif leaf.type in CLOSING_BRACKETS:
                prev = line.leaves[index - 1] if index > 0 else None
                if (
                    prev
                    and prev.type == COMMA
                    and leaf.opening_bracket is not None
                    and not is_one_sequence_between(leaf.opening_bracket, leaf, line.leaves)
                ):
                    break
                inner_brackets.add(id(leaf))
        elif leaf.type in CLOSING_BRACKETS:
            prev = line.leaves[index - 1] if index > 0 else None
            if prev and prev.type in OPENING_BRACKETS:
                inner_brackets.add(id(leaf))
                continue
            if closing_bracket:
                omit.add(id(closing_bracket))
                omit.update(inner_brackets)
                inner_brackets.clear()
                yield omit
            if (
                prev
                and prev.type == COMMA
                and leaf.opening_bracket is not None
                and not is_one_sequence_between(leaf.opening_bracket, leaf, line.leaves)
            ):
                break
            if leaf.value:
                opening_bracket = leaf.opening_bracket
                closing_bracket = leaf


def delimiter_split(line: Line, _force: bool = False) -> Iterator[Line]:
    for split_line in _delimiter_split(line):
        split_line.leaves[0].prefix = ""  # black's @dont_increase_indentation
        yield split_line


def _delimiter_split(line: Line) -> Iterator[Line]:
    if len(line.leaves) == 0:
        raise CannotSplit("Line empty")
    last_leaf = line.leaves[-1]
    bt = line.bracket_tracker
    try:
        delimiter_priority = bt.max_delimiter_priority(exclude={id(last_leaf)})
    except ValueError:
        raise CannotSplit("No delimiters found") from None
    if delimiter_priority == DOT_PRIORITY and bt.delimiter_count_with_priority(delimiter_priority) == 1:
        raise CannotSplit("Splitting a single attribute from its owner looks wrong")
    current_line = Line(depth=line.depth, inside_brackets=line.inside_brackets)
    for leaf in line.leaves:
        current_line.append(leaf, preformatted=True)
        if bt.delimiters.get(id(leaf)) == delimiter_priority:
            yield current_line
            current_line = Line(depth=line.depth, inside_brackets=line.inside_brackets)
    if current_line:
        if delimiter_priority == COMMA_PRIORITY and current_line.leaves[-1].type != COMMA:
            current_line.append(Leaf(COMMA, ","))
            _ADDED_COMMAS[0] += 1
        yield current_line


_ADDED_COMMAS = [0]
"""Trailing commas the splits added (black's second pass treats them as magic)."""


def ensure_visible(leaf: Leaf) -> None:
    if leaf.type == LPAR:
        leaf.value = "("
    elif leaf.type == RPAR:
        leaf.value = ")"


# -- the parser ------------------------------------------------------------------------------------
_TOKEN = re.compile(
    r"""
     (?P<ws>[ ]+)
    |(?P<name>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<number>(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:e-?[0-9]+)?(?![A-Za-z0-9_.]))
    |(?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
    |(?P<op>->|==|!=|<=|>=|[()\[\]{},:=.|\-*<>])
    """,
    re.VERBOSE,
)
KEYWORDS = frozenset(
    """False None True and as assert async await break class continue def del elif else except finally for
    from global if import in is lambda nonlocal not or pass raise return try while with yield""".split()
)
_QUOTE_PATTERNS: dict[str, re.Pattern[str]] = {}
"""black's quote-normalization patterns, compiled when a string with a backslash is first checked."""


def _quote_pattern(name: str) -> re.Pattern[str]:
    if not _QUOTE_PATTERNS:
        _QUOTE_PATTERNS.update(
            escaped_new=re.compile(r"([^\\]|^)\\((?:\\\\)*)'"),
            escaped_orig=re.compile(r'([^\\]|^)\\((?:\\\\)*)"'),
            unescaped_new=re.compile(r"(([^\\]|^)(\\\\)*)'"),
            escaped_new_s=re.compile(r'([^\\]|^)\\((?:\\\\)*)"'),
            escaped_orig_s=re.compile(r"([^\\]|^)\\((?:\\\\)*)'"),
            unescaped_new_s=re.compile(r'(([^\\]|^)(\\\\)*)"'),
            hex_escape=re.compile(r"\\(?:[xuU][0-9a-f]*[A-F]|N\{)"),
        )
    return _QUOTE_PATTERNS[name]


def _sub_twice(regex: re.Pattern[str], repl: str, s: str) -> str:
    return regex.sub(repl, regex.sub(repl, s))


def _string_is_normalized(s: str) -> bool:
    """black's ``normalize_string_quotes`` (and escape lower-casing) would leave ``s`` as it is."""
    if "\\" not in s:
        # no escapes: a double-quoted string stays; a single-quoted one only if it holds a double quote
        return s[0] == '"' or '"' in s
    if _quote_pattern("hex_escape").search(s):
        return False
    body = s[1:-1]
    if s[0] == '"':
        orig, new_quote, suffix = '"', "'", ""
    else:
        orig, new_quote, suffix = "'", '"', "_s"
    esc_new, esc_orig, unesc_new = (_quote_pattern(n + suffix) for n in ("escaped_new", "escaped_orig", "unescaped_new"))
    new_body = _sub_twice(esc_new, rf"\1\2{new_quote}", body)
    if new_body != body:
        return False  # black removes an unnecessary escape
    new_body = _sub_twice(esc_orig, rf"\1\2{orig}", new_body)
    new_body = _sub_twice(unesc_new, rf"\1\\{new_quote}", new_body)
    orig_count = body.count("\\")
    new_count = new_body.count("\\")
    if new_count > orig_count:
        return True
    if new_count == orig_count and orig == '"':
        return True
    return False


class _Tok:
    __slots__ = ("type", "value", "src_ws")

    def __init__(self, type: str, value: str, src_ws: str | None) -> None:
        self.type, self.value, self.src_ws = type, value, src_ws


_END = _Tok("END", "", None)
_TRAILER_OPENERS = frozenset(("(", "[", "."))
"""The token after the last one (its value matches nothing a parser asks for)."""


def tokenize_statement(physical: list[str]) -> list[_Tok]:
    """The tokens of one statement (its physical lines, indentation included)."""
    toks: list[_Tok] = []
    append = toks.append
    for text in physical:
        if not text.isascii():
            raise Unsupported("non-ASCII text (black measures its display width)")
        pos = len(text) - len(text.lstrip(" "))
        ws: str | None = None  # the first token of a physical line: its whitespace is black's to decide
        for m in _TOKEN.finditer(text, pos):
            if m.start() != pos:
                raise Unsupported(f"cannot tokenize {text[pos:pos + 20]!r}")
            pos = m.end()
            kind = m.lastgroup
            value = m.group()
            if kind == "ws":
                if pos == len(text):
                    raise Unsupported("trailing whitespace")
                if ws is not None:
                    ws = value
                continue
            if kind == "op":
                append(_Tok(value, value, ws))
            elif kind == "name":
                append(_Tok(NAME, value, ws))
            elif kind == "string":
                if value in ('""', "''") and text.startswith(value[0], pos):
                    raise Unsupported("triple-quoted string")
                if not _string_is_normalized(value):
                    raise Unsupported("a string black would requote")
                append(_Tok(STRING, value, ws))
            else:
                append(_Tok(NUMBER, value, ws))
            ws = ""
        if pos != len(text):
            raise Unsupported(f"cannot tokenize {text[pos:pos + 20]!r}")
    return toks


class _Parser:
    """Recursive descent over the statement subset, building black's tree shapes (single-child
    nodes collapsed as blib2to3 does) and each leaf's whitespace as black's ``whitespace()`` gives it."""

    def __init__(self, toks: list[_Tok]) -> None:
        self.toks = toks
        toks.append(_END)
        self.cur = toks[0]
        self.i = 0
        self.prev: Leaf | None = None
        self.prev_ctx = ""
        self.tnames: list[Node] = []
        self.tests: list[Node] = []

    # tokens
    def peek(self, k: int = 0) -> _Tok | None:
        j = self.i + k
        t = self.toks[j] if j < len(self.toks) else _END
        return None if t is _END else t

    def at(self, *values: str) -> bool:
        # a string token's value has its quotes, so it never equals an operator or a keyword
        return self.cur.value in values

    def leaf(self, ctx: str = "") -> Leaf:
        t = self.cur
        if t is _END:
            raise Unsupported("unexpected end of statement")
        self.i += 1
        self.cur = self.toks[self.i]
        if t.type == NAME and t.value in KEYWORDS and ctx != "keyword":
            raise Unsupported(f"keyword {t.value!r}")
        ws = self._ws(t, ctx)
        if t.src_ws is not None and t.src_ws != ws:
            raise Unsupported(f"whitespace before {t.value!r} is not black's")
        leaf = Leaf(t.type, t.value, ws)
        self.prev = leaf
        self.prev_ctx = ctx
        return leaf

    def expect(self, value: str, ctx: str = "") -> Leaf:
        if not self.at(value):
            raise Unsupported(f"expected {value!r}")
        return self.leaf(ctx)

    def _ws(self, t: _Tok, ctx: str) -> str:
        prev = self.prev
        if prev is None:
            return ""
        if t.type in CLOSING_BRACKETS or t.type in (COMMA, COLON, DOT):
            return ""
        if prev.type in OPENING_BRACKETS or prev.type == DOT:
            return ""
        if ctx in ("trailer", "classdef", "kwarg"):
            return ""
        if self.prev_ctx in ("kwarg", "unary", "vararg"):
            return ""
        return " "

    # statements
    def statement(self) -> Node | Leaf:
        t = self.peek()
        node: Node | Leaf
        if t is not None and t.type == NAME and t.value == "class":
            node = self.classdef()
        elif t is not None and t.type == NAME and t.value == "def":
            node = self.funcdef()
        elif t is not None and t.type == NAME and t.value in ("return", "raise"):
            kw = self.leaf("keyword")
            if self.peek() is None:
                node = kw
            elif t.value == "return":
                # black: visit_stmt(parens={"return"}), the value as an assignment's right-hand side
                node = Node("return_stmt", [kw, self.test()])
                _normalize_invisible_parens(node, after=("return",))
            else:
                node = Node("raise_stmt", [kw, self.test()])  # black adds no parentheses here
        else:
            node = self.expr_stmt()
        if self.peek() is not None:
            raise Unsupported("trailing tokens")
        return node

    def classdef(self) -> Node:
        children: list[Node | Leaf] = [self.leaf("keyword"), self.name()]
        if not self.at("("):
            raise Unsupported("class without bases")
        children.append(self.leaf("classdef"))
        if self.at(")"):
            raise Unsupported("class with empty parentheses")
        children.append(self.arglist())
        children.append(self.expect(")"))
        children.append(self.expect(":"))
        return Node("classdef", children)

    def funcdef(self) -> Node:
        children: list[Node | Leaf] = [self.leaf("keyword"), self.name()]
        lpar = self.expect("(", "trailer")
        inner: list[Node | Leaf] = []
        while not self.at(")"):
            if self.at("*"):
                inner.append(self.leaf())
                if not self.at(",", ")"):
                    inner.append(self.name_after_star())
            else:
                name = self.name()
                if self.at(":"):
                    colon = self.leaf()
                    ann = self.test()
                    tname = Node("tname", [name, colon, ann])
                    self.tnames.append(tname)
                    inner.append(tname)
                    if self.at("="):
                        inner.append(self.leaf())
                        inner.append(self.test())
                else:
                    inner.append(name)
                    if self.at("="):
                        inner.append(self.leaf("kwarg"))
                        inner.append(self.test())
            if self.at(","):
                inner.append(self.leaf())
            elif not self.at(")"):
                raise Unsupported("bad parameter list")
        params: list[Node | Leaf] = [lpar]
        if len(inner) > 1:
            params.append(Node("typedargslist", inner))
        elif inner:
            params.append(inner[0])
        params.append(self.expect(")"))
        children.append(Node("parameters", params))
        if self.at("->"):
            children.append(self.leaf())
            children.append(self.test())
        children.append(self.expect(":"))
        node = Node("funcdef", children)
        # black's visit_funcdef: the return annotation sits in invisible parentheses
        for i, c in enumerate(node.children):
            if c.type == RARROW:
                ann = node.children[i + 1]
                if ann.type == "atom" and isinstance(ann, Node) and ann.children[0].type == LPAR:
                    if _maybe_make_parens_invisible_in_atom(ann, node):
                        _wrap_in_parentheses(node, ann)
                else:
                    _wrap_in_parentheses(node, ann)
                break
        # black's visit_tname: a union annotation (or parenthesized one) gets invisible parentheses
        for tname in self.tnames:
            if len(tname.children) == 3 and _maybe_make_parens_invisible_in_atom(tname.children[2], tname):
                _wrap_in_parentheses(tname, tname.children[2])
        return node

    def name_after_star(self) -> Leaf:
        raise Unsupported("*args")

    def name(self) -> Leaf:
        t = self.peek()
        if t is None or t.type != NAME or t.value in KEYWORDS:
            raise Unsupported("expected a name")
        return self.leaf()

    def expr_stmt(self) -> Node | Leaf:
        target = self.test()
        if self.at("="):
            if target.type not in (NAME, "power"):
                raise Unsupported("assignment target")
            eq = self.leaf()
            value = self.test()
            if self.at("="):
                raise Unsupported("chained assignment")
            node = Node("expr_stmt", [target, eq, value])
            _normalize_invisible_parens(node)
            return node
        if self.at(":"):
            if target.type not in (NAME, "power"):
                raise Unsupported("annotation target")
            parts: list[Node | Leaf] = [self.leaf(), self.test()]
            if self.at("="):
                parts.append(self.leaf())
                parts.append(self.test())
            ann = Node("annassign", parts)
            node = Node("expr_stmt", [target, ann])
            _normalize_invisible_parens(ann)
            return node
        if target.type != "power" or target.children[-1].type != "trailer":  # type: ignore[union-attr]
            raise Unsupported("expression statement")
        return target

    # expressions
    def test(self) -> Node | Leaf:
        if self.at("lambda"):
            return self.lambdef()
        body = self.comparison()
        if self.at("if"):
            kw_if = self.leaf("keyword")
            cond = self.comparison()
            kw_else = self.expect("else", "keyword")
            orelse = self.test()
            node = Node("test", [body, kw_if, cond, kw_else, orelse])
            self.tests.append(node)
            return node
        return body

    def lambdef(self) -> Node:
        kw = self.leaf("keyword")
        if not self.at(":"):
            raise Unsupported("lambda with parameters")
        colon = self.leaf()
        return Node("lambdef", [kw, colon, self.test()])

    def comparison(self) -> Node | Leaf:
        left = self.expr()
        t = self.peek()
        if t is None:
            return left
        if t.type == NAME and t.value == "is":
            kw = self.leaf("keyword")
            op: Node | Leaf = kw
            if self.at("not"):
                op = Node("comp_op", [kw, self.leaf("keyword")])
        elif t.type in COMPARATORS:
            op = self.leaf()
        else:
            return left
        right = self.expr()
        if self.at("is", "==", "!=", "<", ">", "<=", ">="):
            raise Unsupported("chained comparison")
        return Node("comparison", [left, op, right])

    def expr(self) -> Node | Leaf:
        parts = [self.factor()]
        while self.cur.value == "|":
            parts.append(self.leaf())
            parts.append(self.factor())
        return parts[0] if len(parts) == 1 else Node("expr", parts)

    def factor(self) -> Node | Leaf:
        if self.cur.value == "-":
            op = self.leaf("unary")
            t = self.peek()
            if t is None or t.type != NUMBER:
                raise Unsupported("unary minus on a non-number")
            return Node("factor", [op, self.leaf()])
        return self.power()

    def power(self) -> Node | Leaf:
        children: list[Node | Leaf] = []
        if self.cur.value == "await":
            children.append(self.leaf("keyword"))  # blib2to3: power: [AWAIT] atom trailer*
            if self.at("(", "await"):
                raise Unsupported("await of a parenthesized expression")  # black's remove_await_parens
        atom = self.atom()
        children.append(atom)
        while self.cur.value in _TRAILER_OPENERS:
            t = self.cur
            if t.value == ".":
                if atom.type == NUMBER:
                    raise Unsupported("attribute of a number")  # black's visit_power parenthesizes it
                dot = self.leaf()
                children.append(Node("trailer", [dot, self.name()]))
            elif t.value == "(":
                lpar = self.leaf("trailer")
                inner: list[Node | Leaf] = [lpar]
                if not self.at(")"):
                    inner.append(self.arglist())
                inner.append(self.expect(")"))
                children.append(Node("trailer", inner))
            else:
                lsqb = self.leaf("trailer")
                if self.at("]"):
                    raise Unsupported("empty subscript")
                children.append(Node("trailer", [lsqb, self.sequence("subscriptlist"), self.expect("]")]))
        return Node("power", children) if len(children) > 1 else atom

    def atom(self) -> Node | Leaf:
        t = self.peek()
        if t is None:
            raise Unsupported("unexpected end of statement")
        if t.type == NAME:
            if t.value in ("None", "True", "False"):
                return self.leaf("keyword")
            return self.name()
        if t.type == NUMBER:
            return self.leaf()
        if t.type == STRING:
            leaf = self.leaf()
            nxt = self.peek()
            if nxt is not None and nxt.type == STRING:
                raise Unsupported("implicit string concatenation")
            return leaf
        if t.type in (LPAR, LSQB, LBRACE):
            opening = self.leaf()
            close = BRACKET[t.type]
            if self.at(close):
                return Node("atom", [opening, self.leaf()])
            if t.type == LBRACE:
                inner = self.dictsetmaker()
            else:
                inner = self.sequence("testlist_gexp" if t.type == LPAR else "listmaker")
            node = Node("atom", [opening, inner, self.expect(close)])
            if t.type != LPAR and inner.type == "atom" and isinstance(inner, Node) and inner.children[0].type == LPAR:
                # black's visit_atom: redundant parentheses around the one item of a list or set go
                _maybe_make_parens_invisible_in_atom(inner, node)
            return node
        raise Unsupported(f"unexpected {t.value!r}")

    def sequence(self, kind: str) -> Node | Leaf:
        items: list[Node | Leaf] = [self.test()]
        while self.at(","):
            items.append(self.leaf())
            if self.at(")", "]", "}"):
                break
            items.append(self.test())
        return items[0] if len(items) == 1 else Node(kind, items)

    def dictsetmaker(self) -> Node | Leaf:
        items: list[Node | Leaf] = []
        is_dict: bool | None = None
        while True:
            key = self.test()
            items.append(key)
            if self.at(":"):
                if is_dict is False:
                    raise Unsupported("mixed dict and set")
                is_dict = True
                items.append(self.leaf())
                items.append(self.test())
            else:
                if is_dict:
                    raise Unsupported("mixed dict and set")
                is_dict = False
            if not self.at(","):
                break
            items.append(self.leaf())
            if self.at("}"):
                break
        return items[0] if len(items) == 1 else Node("dictsetmaker", items)

    def arglist(self) -> Node | Leaf:
        args: list[Node | Leaf] = [self.argument()]
        while self.at(","):
            args.append(self.leaf())
            if self.at(")"):
                break
            args.append(self.argument())
        return args[0] if len(args) == 1 else Node("arglist", args)

    def argument(self) -> Node | Leaf:
        t = self.peek()
        if t is not None and t.type == STAR:
            raise Unsupported("*args in a call")
        nxt = self.peek(1)
        if t is not None and t.type == NAME and t.value not in KEYWORDS and nxt is not None and nxt.type == EQUAL:
            name = self.name()
            eq = self.leaf("kwarg")
            return Node("argument", [name, eq, self.test()])
        return self.test()


def _wrap_in_parentheses(parent: Node, child: Node | Leaf, visible: bool = False) -> None:
    lpar = Leaf(LPAR, "(" if visible else "")
    rpar = Leaf(RPAR, ")" if visible else "")
    index = parent.children.index(child)
    first = next(child.leaves()) if isinstance(child, Node) else child
    lpar.ws = lpar.prefix = first.ws
    first.ws = first.prefix = ""
    atom = Node("atom", [lpar, child, rpar])
    parent.children[index] = atom
    atom.parent = parent


def _is_one_tuple(node: Node | Leaf) -> bool:
    if node.type != "atom" or not isinstance(node, Node) or len(node.children) != 3:
        return False
    lpar, inner, rpar = node.children
    if not (lpar.type == LPAR and rpar.type == RPAR):
        return False
    return inner.type == "testlist_gexp" and isinstance(inner, Node) and len(inner.children) == 2 and inner.children[1].type == COMMA


def _max_delimiter_priority_in_atom(node: Node) -> int:
    first, last = node.children[0], node.children[-1]
    if not (first.type == LPAR and last.type == RPAR):
        return 0
    bt = BracketTracker()

    def top(children: list[Node | Leaf]) -> Iterator[Leaf]:
        for child in children:
            if isinstance(child, Leaf):
                yield child
                continue
            if not child.children:
                continue
            f, la = child.children[0], child.children[-1]
            if isinstance(f, Leaf) and isinstance(la, Leaf) and f.type in OPENING_BRACKETS and la.type in CLOSING_BRACKETS:
                yield f
                yield la
            else:
                yield from top(child.children)

    for leaf in top(node.children[1:-1]):
        bt.mark(leaf)
    try:
        return bt.max_delimiter_priority()
    except ValueError:
        return 0


def _maybe_make_parens_invisible_in_atom(node: Node | Leaf, parent: Node) -> bool:
    """black's function of that name, for the node kinds the parser builds."""
    if node.type not in ("atom", "expr") or not isinstance(node, Node):
        return False
    if node.type == "atom" and len(node.children) == 2 and node.children[0].type == LPAR and node.children[1].type == RPAR:
        return False  # empty tuple
    if _is_one_tuple(node):
        return False
    if node.type == "atom" and _max_delimiter_priority_in_atom(node) >= COMMA_PRIORITY:
        return False
    first, last = node.children[0], node.children[-1]
    if first.type == LPAR and last.type == RPAR:
        assert isinstance(first, Leaf) and isinstance(last, Leaf)
        middle = node.children[1]
        first.value = ""
        last.value = ""
        _maybe_make_parens_invisible_in_atom(middle, parent)
        if (
            isinstance(middle, Node)
            and middle.type == "atom"
            and middle.children[0].type == LPAR
            and middle.children[0].value == ""  # type: ignore[union-attr]
            and middle.children[-1].value == ""  # type: ignore[union-attr]
        ):
            raise Unsupported("nested redundant parentheses")
        return False
    return True


def _normalize_invisible_parens(node: Node, after: tuple[str, ...] = ("=", ":")) -> None:
    """black's normalize_invisible_parens, for the children after ``after`` (ASSIGNMENTS by default)."""
    check_lpar = False
    for child in list(node.children):
        if check_lpar:
            if child.type == "atom":
                if _maybe_make_parens_invisible_in_atom(child, node):
                    _wrap_in_parentheses(node, child)
            else:
                _wrap_in_parentheses(node, child)
        check_lpar = isinstance(child, Leaf) and child.value in after


def _visit_tests(tests: list[Node]) -> None:
    """black's visit_test: a conditional expression not already in parentheses gets invisible ones.

    The order does not matter: parentheses go inside a test node, where no other test's previous
    sibling can be."""
    for node in tests:
        prev = node.prev_sibling
        if not (prev is not None and prev.type == LPAR):
            lpar = Leaf(LPAR, "")
            rpar = Leaf(RPAR, "")
            lpar.test_paren = rpar.test_paren = True
            first = next(node.leaves())
            lpar.ws = lpar.prefix = first.ws
            first.ws = first.prefix = ""
            node.children.insert(0, lpar)
            node.children.append(rpar)
            lpar.parent = rpar.parent = node


def _leaves(root: Node | Leaf) -> list[Leaf]:
    out: list[Leaf] = []
    stack: list[Node | Leaf] = [root]
    while stack:
        n = stack.pop()
        if isinstance(n, Leaf):
            out.append(n)
        else:
            stack.extend(reversed(n.children))
    return out


def _statement_line(physical: list[str], depth: int) -> Line:
    toks = tokenize_statement(physical)
    if not toks:
        raise Unsupported("empty statement")
    parser = _Parser(toks)
    root = parser.statement()
    _visit_tests(parser.tests)
    line = Line(depth=depth)
    leaves = _leaves(root)
    leaves[0].prefix = ""
    for leaf in leaves:
        line.append(leaf)
    return line


def _render(lines: list[Line]) -> list[str]:
    out = []
    for ln in lines:
        s = str(ln).rstrip("\n")
        out.append(s)
    return out


def layout_statement(physical: list[str]) -> list[str]:
    """The physical lines black makes of one statement (given as its physical lines)."""
    indent = len(physical[0]) - len(physical[0].lstrip(" "))
    if indent % 4:
        raise Unsupported("indentation is not a multiple of 4")
    depth = indent // 4
    _ADDED_COMMAS[0] = 0
    lines = transform_line(_statement_line(physical, depth))
    first = _render(lines)
    if first == physical:
        return first
    # black's forced second pass re-reads the first pass's output.  Black makes the optional
    # parentheses it put back invisible again and joins lines, so the second pass sees the same
    # leaves unless the first pass added trailing commas (magic the second time) or made visible the
    # parentheses of a conditional expression (which no pass removes); only then can it differ.
    if _ADDED_COMMAS[0] or any(
        leaf.test_paren and leaf.value
        for ln in lines
        for leaf in ln.leaves
    ):
        return _render(transform_line(_statement_line(first, depth)))
    return first


# -- chunks ----------------------------------------------------------------------------------------


def _too_wide(line: str) -> bool:
    """Whether black would find ``line`` longer than the limit (it counts East Asian wide characters twice)."""
    if len(line) <= LINE_LENGTH and (line.isascii() or 2 * len(line) <= LINE_LENGTH):
        return False
    if line.isascii():
        return True
    if len(line) + sum(1 for c in line if ord(c) > 0x7F) <= LINE_LENGTH:
        return False
    raise Unsupported("a long line with non-ASCII text (its display width is black's to measure)")


def _docstring_end(text: str, start: int) -> int:
    """Index just past the closing triple quote in ``text`` at or after ``start``, or -1."""
    i = start
    while True:
        j = text.find('"""', i)
        if j < 0:
            return -1
        k = j
        while k > 0 and text[k - 1] == "\\":
            k -= 1
        if (j - k) % 2 == 0:
            return j + 3
        i = j + 1


_OPENING_CHARS = frozenset("([{")
_CLOSING_CHARS = frozenset(")]}")


# -- docstrings (black/linegen.py visit_STRING, black/strings.py) ----------------------------------
# A string statement opening a block (class, def, if ...) is a docstring to black, which re-indents it
# and pads quotes at its ends; other triple-quoted strings (attribute docstrings) are left alone.
_BLOCK_DOCSTRING = re.compile(r':\n(?:[ ]*(?:#[^\n]*)?\n)*([ ]*)"""')
_BACKSLASH_NEWLINE = re.compile(r"\\\s*\n")
_LINE_BREAK = re.compile(r"\r\n|[\r\n]")


def _lines_with_leading_tabs_expanded(s: str) -> list[str]:
    lines = []
    for line in _LINE_BREAK.split(s):
        stripped = line.lstrip()
        if not stripped or stripped == line:
            lines.append(line)
        else:
            lines.append(line[: len(line) - len(stripped)].expandtabs(4) + stripped)
    return lines


def _fix_multiline_docstring(docstring: str, prefix: str) -> str:
    lines = _lines_with_leading_tabs_expanded(docstring)
    indent = sys.maxsize
    for line in lines[1:]:
        stripped = line.lstrip()
        if stripped:
            indent = min(indent, len(line) - len(stripped))
    trimmed = [lines[0].strip()]
    if indent < sys.maxsize:
        last_line_idx = len(lines) - 2
        for i, line in enumerate(lines[1:]):
            stripped_line = line[indent:].rstrip()
            if stripped_line or i == last_line_idx:
                trimmed.append(prefix + stripped_line)
            else:
                trimmed.append("")
    return "\n".join(trimmed)


def black_docstring(value: str, indent: str) -> str:
    """The block docstring ``value`` (a ``\"\"\"``-quoted string without prefix) as black writes it at ``indent``."""
    if _BACKSLASH_NEWLINE.search(value):
        return value
    docstring = value[3:-3]
    started_empty = not docstring
    if "\n" in value:
        docstring = _fix_multiline_docstring(docstring, indent)
    else:
        docstring = docstring.strip()
    has_trailing_backslash = False
    if docstring:
        if docstring[0] == '"':
            docstring = " " + docstring
        if docstring[-1] == '"':
            docstring += " "
        if docstring[-1] == "\\":
            backslash_count = len(docstring) - len(docstring.rstrip("\\"))
            if backslash_count % 2:
                docstring += " "
                has_trailing_backslash = True
    elif not started_empty:
        docstring = " "
    lines = docstring.splitlines()
    last_line_length = len(lines[-1]) if docstring and not docstring.endswith("\n") else 0
    if (
        len(lines) > 1
        and last_line_length + 3 > LINE_LENGTH
        and len(indent) + 3 <= LINE_LENGTH
        and not has_trailing_backslash
    ):
        if value[-4] == "\n":
            return '"""' + docstring + '"""'
        return '"""' + docstring + "\n" + indent + '"""'
    return '"""' + docstring + '"""'


def _normalize_block_docstrings(chunk: str) -> str:
    out: list[str] = []
    pos = 0
    for m in _BLOCK_DOCSTRING.finditer(chunk):
        start = m.end() - 3
        if start < pos:
            continue
        end = _docstring_end(chunk, start + 3)
        if end < 0:
            raise Unsupported("unterminated docstring")
        value = chunk[start:end]
        new = black_docstring(value, m.group(1))
        if new != value:
            out.append(chunk[pos:start])
            out.append(new)
            pos = end
    if not out:
        return chunk
    out.append(chunk[pos:])
    return "".join(out)


def layout_chunk(chunk: str) -> str | None:
    """``chunk`` as black would format it, or None if black has to do it.

    A chunk is one rendered declaration: statements at any indentation, comment lines, docstrings
    and blank lines.  Block docstrings get black's docstring normalization; statements with a line
    over the limit are split as black splits them; everything else is kept as rendered.
    """
    try:
        if '"""' in chunk:
            chunk = _normalize_block_docstrings(chunk)
        lines = chunk.split("\n")
        if chunk.isascii() and max(map(len, lines)) <= LINE_LENGTH:
            return chunk
        return _layout(lines)
    except Unsupported:
        return None
    except RecursionError:  # pragma: no cover - absurdly nested input
        return None


def _layout(lines: list[str]) -> str:
    out: list[str] = []
    changed = False
    n = len(lines)
    i = 0
    while i < n:
        line = lines[i]
        s = line.lstrip(" ")
        if not s or s[0] == "#":
            out.append(line)
            i += 1
            continue
        if s.startswith('"""'):
            j = i
            end = _docstring_end(s, 3)
            while end < 0:
                j += 1
                if j >= n:
                    raise Unsupported("unterminated docstring")
                end = _docstring_end(lines[j], 0)
            last = s if j == i else lines[j]
            if last[end:].strip():
                raise Unsupported("code after a docstring")
            out.extend(lines[i : j + 1])
            i = j + 1
            continue
        if s.startswith(("'''", 'r"""', "r'''", 'R"""', "u'", 'u"', "b'", 'b"')):
            raise Unsupported("a string statement black may rewrite")
        # A statement as black lays it out: a line ending with an opening bracket continues up to the
        # line at the same indentation that starts with the closing bracket (and on, if that one
        # opens another).  Input not laid out so is grouped wrongly at worst, which is harmless: a
        # group whose lines all fit is kept as rendered whatever it is, and a group holding a long
        # line must parse as one complete statement, else black formats the chunk.
        j = i
        last = s
        if last[-1] in _OPENING_CHARS:
            indent = len(line) - len(s)
            while last[-1] in _OPENING_CHARS:
                j += 1
                while j < n:
                    other = lines[j]
                    if other[indent : indent + 1] in _CLOSING_CHARS and other[:indent].isspace() | (indent == 0):
                        break
                    j += 1
                else:
                    raise Unsupported("unbalanced brackets")
                last = lines[j]
        physical = lines[i : j + 1]
        if any(_too_wide(p) for p in physical):
            new = layout_statement(physical)
            changed = changed or new != physical
            out.extend(new)
        else:
            out.extend(physical)
        i = j + 1
    return "\n".join(out) if changed else "\n".join(lines)


if sys.getrecursionlimit() < 2000:  # pragma: no cover - deep trees recurse in the parser
    sys.setrecursionlimit(2000)
