"""Compatibility of two versions of a protocol, compared at the IR level (``stepflow-codegen diff``).

Both versions are built into :class:`~stepflow_codegen.ir.model.Program`\\ s by the front end; this
module matches what the two have in common (declarations by schema location, then by name; fields
by wire name; methods and components by name) and classifies every difference by **who it breaks**:

* a change that *narrows* what a message may hold breaks its **writers**: values an old writer sends
  may be rejected by a new reader;
* a change that *widens* it breaks its **readers**: values a new writer sends may be rejected by an
  old reader.

Who writes and who reads a type comes from the method table (``clientToServer``: the client writes
the params and reads the result; ``serverToClient`` the reverse; ``both``) and from component
manifests (the runtime writes a component's input and reads its output), propagated through every
reference.  The rules are documented in ``docs/diff.md``; nothing here knows about any target language.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from fractions import Fraction

from .ir import model as ir
from .ir.evaluate import ecma_search, json_equal
from .ir.passes import decl_exprs, walk_expr
from .records import dataclass, field

FORMAT = "stepflow-codegen-diff/v1"

BREAKING, COMPATIBLE = "breaking", "compatible"
READERS, WRITERS = "readers", "writers"


@dataclass(frozen=True)
class Flow:
    """One way a type travels: ``writer`` sends it, ``reader`` receives it, as part of ``via``."""

    writer: str
    reader: str
    via: str


@dataclass(frozen=True)
class Change:
    severity: str
    """``breaking`` or ``compatible``."""
    kind: str
    """What changed (``field-added``, ``enum-value-removed``, ``method-removed``...; see docs/diff.md)."""
    breaks: tuple[str, ...]
    """``writers`` and/or ``readers`` of the message: whose existing code may fail."""
    writers: tuple[str, ...]
    """The roles whose writing breaks (``runtime``, ``component server``, ``component greet``)."""
    readers: tuple[str, ...]
    """The roles whose reading breaks."""
    file: str
    pointer: str
    message: str
    via: tuple[str, ...] = ()
    """The methods and components through which the changed type is on the wire."""
    components: tuple[str, ...] = ()
    """The components whose input or output the change affects (their implementations are affected)."""

    @property
    def who(self) -> tuple[str, ...]:
        """Every role the change breaks."""
        return tuple(sorted(set(self.writers) | set(self.readers)))

    def to_json(self) -> dict[str, object]:
        return {
            "severity": self.severity,
            "kind": self.kind,
            "breaks": list(self.breaks),
            "who": {b: list(self.writers if b == WRITERS else self.readers) for b in self.breaks},
            "file": self.file,
            "pointer": self.pointer,
            "message": self.message,
            "via": list(self.via),
            "components": list(self.components),
        }

    def render(self) -> str:
        if self.severity == BREAKING:
            parts = []
            for b in self.breaks:
                roles = self.writers if b == WRITERS else self.readers
                parts.append(f"{b} ({', '.join(roles)})" if roles else b)
            head = "BREAKING for " + " and ".join(parts)
        else:
            head = "compatible"
        where = self.file + ("#" + self.pointer if self.pointer else "")
        text = f"{head}: {where}: {self.message}"
        if self.via:
            text += f" [via {', '.join(self.via)}]"
        return text


@dataclass
class Report:
    old: tuple[str, ...]
    new: tuple[str, ...]
    changes: list[Change] = field(default_factory=list)

    @property
    def breaking(self) -> list[Change]:
        return [c for c in self.changes if c.severity == BREAKING]

    def to_json(self) -> dict[str, object]:
        return {
            "format": FORMAT,
            "old": list(self.old),
            "new": list(self.new),
            "summary": {"breaking": len(self.breaking), "compatible": len(self.changes) - len(self.breaking)},
            "changes": [c.to_json() for c in self.changes],
        }

    def render_json(self) -> str:
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"

    def render_text(self) -> str:
        lines = [c.render() for c in self.changes]
        n = len(self.breaking)
        lines.append(f"{n} breaking, {len(self.changes) - n} compatible change(s)")
        return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Who writes and who reads each declaration
# ---------------------------------------------------------------------------------------------


def _sides(direction: str, client: str, server: str) -> tuple[list[str], list[str]]:
    """(senders, receivers) of a method's params."""
    if direction == "clientToServer":
        return [client], [server]
    if direction == "serverToClient":
        return [server], [client]
    return [client, server], [client, server]


def _expr_refs(e: ir.TypeExpr) -> set[ir.TypeId]:
    return {x.target for x in walk_expr(e) if isinstance(x, ir.RefType)}


def _decl_refs(d: ir.Decl) -> set[ir.TypeId]:
    out: set[ir.TypeId] = set()
    for e in decl_exprs(d):
        out |= _expr_refs(e)
    return out


def component_roles(name: str) -> tuple[str, str]:
    """(writer of the input / reader of the output, the component) for a component."""
    return "runtime", f"component {name}"


def usage(program: ir.Program) -> dict[ir.TypeId, set[Flow]]:
    """Every declaration reachable from a method or a component, with who writes and reads it."""
    roots: list[tuple[ir.TypeExpr, Flow]] = []
    if program.protocol is not None:
        p = program.protocol
        for m in p.methods:
            senders, receivers = _sides(m.direction, p.client_role, p.server_role)
            for s in senders:
                for r in receivers:
                    if s == r and m.direction == "both":
                        continue
                    roots.append((m.params, Flow(s, r, f"{m.name} params")))
                    if m.result is not None:
                        roots.append((m.result, Flow(r, s, f"{m.name} result")))
    for c in program.components:
        runtime, comp = component_roles(c.name)
        roots.append((c.input, Flow(runtime, comp, f"component {c.name} input")))
        roots.append((c.output, Flow(comp, runtime, f"component {c.name} output")))
    out: dict[ir.TypeId, set[Flow]] = {}
    for expr, flow in roots:
        todo = list(_expr_refs(expr))
        seen: set[ir.TypeId] = set()
        while todo:
            t = todo.pop()
            if t in seen:
                continue
            seen.add(t)
            out.setdefault(t, set()).add(flow)
            d = program.get(t)
            if d is not None:
                todo.extend(_decl_refs(d))
    return out


# ---------------------------------------------------------------------------------------------
# Matching the two versions
# ---------------------------------------------------------------------------------------------

_VERSION = re.compile(r"[-_.]?v?\d+(?:\.\d+)*")


def _file_of(t: ir.TypeId) -> str:
    return t.split("#", 1)[0]


def _pair_files(old: set[str], new: set[str]) -> dict[str, str]:
    """Old schema file key -> new one: the same path; else the same path without version numbers; else
    the only unpaired file on each side (a renamed file)."""
    pairs = {k: k for k in old & new}
    rest_old, rest_new = sorted(old - new), sorted(new - old)
    stem_new: dict[str, list[str]] = {}
    for n in rest_new:
        stem_new.setdefault(_VERSION.sub("", n), []).append(n)
    for o in list(rest_old):
        cands = stem_new.get(_VERSION.sub("", o), [])
        if len(cands) == 1 and cands[0] in rest_new:
            pairs[o] = cands[0]
            rest_old.remove(o)
            rest_new.remove(cands[0])
    if len(rest_old) == 1 and len(rest_new) == 1:
        pairs[rest_old[0]] = rest_new[0]
    return pairs


def match_decls(old: ir.Program, new: ir.Program) -> dict[ir.TypeId, ir.TypeId]:
    """Old declaration id -> new one: the same schema location (files paired by :func:`_pair_files`),
    else the same name hint when it is unique on both sides."""
    files = _pair_files({_file_of(d.id) for d in old.decls}, {_file_of(d.id) for d in new.decls})
    out: dict[ir.TypeId, ir.TypeId] = {}
    for d in old.decls:
        f, ptr = d.id.split("#", 1)
        if f in files:
            cand = f"{files[f]}#{ptr}"
            if new.get(cand) is not None:
                out[d.id] = cand
    taken = set(out.values())
    by_name_old: dict[tuple[str, ...], list[ir.TypeId]] = {}
    by_name_new: dict[tuple[str, ...], list[ir.TypeId]] = {}
    for d in old.decls:
        if d.id not in out:
            by_name_old.setdefault(d.name, []).append(d.id)
    for d in new.decls:
        if d.id not in taken:
            by_name_new.setdefault(d.name, []).append(d.id)
    for name, ids in by_name_old.items():
        if len(ids) == 1 and len(by_name_new.get(name, [])) == 1:
            out[ids[0]] = by_name_new[name][0]
    return out


# ---------------------------------------------------------------------------------------------
# "Does A accept every value B accepts?"  (conservative: when unsure, no)
# ---------------------------------------------------------------------------------------------


def _frac(x: int | float) -> Fraction:
    return Fraction(str(x)) if isinstance(x, float) else Fraction(x)


def _lower(c: ir.Constraints, integer: bool = False) -> tuple[Fraction, bool] | None:
    """The lower bound (value, exclusive); for integers, the smallest integer allowed (inclusive)."""
    lows = []
    if c.minimum is not None:
        lows.append((_frac(c.minimum), False))
    if c.exclusive_minimum is not None:
        lows.append((_frac(c.exclusive_minimum), True))
    if not lows:
        return None
    if integer:
        return max((Fraction(math.floor(v) + 1) if excl else Fraction(math.ceil(v)), False) for v, excl in lows)
    return max(lows)


def _upper(c: ir.Constraints, integer: bool = False) -> tuple[Fraction, bool] | None:
    ups = []
    if c.maximum is not None:
        ups.append((_frac(c.maximum), False))
    if c.exclusive_maximum is not None:
        ups.append((_frac(c.exclusive_maximum), True))
    if not ups:
        return None
    if integer:
        return min((Fraction(math.ceil(v) - 1) if excl else Fraction(math.floor(v)), False) for v, excl in ups)
    return min(ups, key=lambda u: (u[0], not u[1]))


def _looser_bound(a: tuple[Fraction, bool] | None, b: tuple[Fraction, bool] | None, lower: bool) -> bool:
    if a is None:
        return True
    if b is None:
        return False
    if a[0] != b[0]:
        return a[0] < b[0] if lower else a[0] > b[0]
    return b[1] or not a[1]


def _looser_int(a: int | None, b: int | None, lower: bool) -> bool:
    if a is None:
        return True
    if b is None:
        return False
    return a <= b if lower else a >= b


def looser(a: ir.Constraints, b: ir.Constraints, integer: bool = False) -> bool:
    """Every value within ``b``'s constraints is within ``a``'s (``integer``: both hold integers only)."""
    if not _looser_bound(_lower(a, integer), _lower(b, integer), True) or not _looser_bound(_upper(a, integer), _upper(b, integer), False):
        return False
    if a.multiple_of is not None:
        if b.multiple_of is None or (_frac(b.multiple_of) / _frac(a.multiple_of)).denominator != 1:
            return False
    pairs = [
        (a.min_length, b.min_length, True), (a.max_length, b.max_length, False),
        (a.min_items, b.min_items, True), (a.max_items, b.max_items, False),
        (a.min_properties, b.min_properties, True), (a.max_properties, b.max_properties, False),
    ]
    if not all(_looser_int(x, y, lo) for x, y, lo in pairs):
        return False
    if a.pattern is not None and a.pattern != b.pattern:
        return False
    return not a.unique_items or b.unique_items


def _accepts_value(c: ir.Constraints, v: object) -> bool:
    if isinstance(v, str):
        if c.min_length is not None and len(v) < c.min_length:
            return False
        if c.max_length is not None and len(v) > c.max_length:
            return False
        if c.pattern is not None:
            try:
                return ecma_search(c.pattern)(v)  # ECMA-262, as the generated code and the evaluator read it
            except (ValueError, re.error):
                return False
        return True
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        x = _frac(v)
        lo, up = _lower(c), _upper(c)
        if lo is not None and (x < lo[0] or (x == lo[0] and lo[1])):
            return False
        if up is not None and (x > up[0] or (x == up[0] and up[1])):
            return False
        if c.multiple_of is not None and (x / _frac(c.multiple_of)).denominator != 1:
            return False
    return True


class Compare:
    """Structural comparisons between a node of one program and a node of the other."""

    def __init__(self, old: ir.Program, new: ir.Program, id_map: dict[ir.TypeId, ir.TypeId]):
        self.progs = {"old": old, "new": new}
        self.id_map = id_map
        self._assume: set[tuple[str, str, str, str]] = set()

    def canon(self, side: str, t: ir.TypeId) -> str:
        if side == "new":
            return "new:" + t
        return "new:" + self.id_map[t] if t in self.id_map else "old:" + t

    def resolve(self, side: str, n: object) -> object:
        """Follow references and aliases to an object/enum declaration or a non-reference expression."""
        for _ in range(64):
            if isinstance(n, ir.RefType):
                d = self.progs[side].get(n.target)
                if d is None:
                    return ir.AnyType()
                n = d
            elif isinstance(n, ir.AliasDecl):
                n = n.target
            else:
                return n
        return ir.AnyType()

    def values(self, side: str, n: object, depth: int = 0) -> set[tuple[str, object]] | None:
        """The finite set of scalar values ``n`` accepts (enums, consts, null, booleans), else None."""
        if depth > 32:
            return None
        n = self.resolve(side, n)
        if isinstance(n, ir.EnumDecl):
            return {(type(m.value).__name__, m.value) for m in n.members}
        if isinstance(n, ir.LiteralType):
            return {(type(n.value).__name__, n.value)}
        if isinstance(n, ir.NullType):
            return {("NoneType", None)}
        if isinstance(n, ir.BoolType):
            return {("bool", True), ("bool", False)}
        if isinstance(n, ir.UnionType):
            out: set[tuple[str, object]] = set()
            for v in n.variants:
                vs = self.values(side, v, depth + 1)
                if vs is None:
                    return None
                out |= vs
            return out
        return None

    def accepts(self, side: str, n: object, value: object, depth: int = 0) -> bool:
        """Does ``n`` accept the scalar ``value``?"""
        if depth > 32:
            return False
        n = self.resolve(side, n)
        if isinstance(n, ir.AnyType):
            return True
        if isinstance(n, ir.UnionType):
            return any(self.accepts(side, v, value, depth + 1) for v in n.variants)
        if isinstance(n, ir.EnumDecl):
            return any(json_equal(m.value, value) for m in n.members)
        if isinstance(n, ir.LiteralType):
            return json_equal(n.value, value)
        if value is None:
            return isinstance(n, ir.NullType)
        if isinstance(value, bool):
            return isinstance(n, ir.BoolType)
        if isinstance(value, str):
            return isinstance(n, ir.StringType) and _accepts_value(n.constraints, value)
        if isinstance(value, int):
            return isinstance(n, (ir.IntType, ir.NumberType)) and _accepts_value(n.constraints, value)
        if isinstance(value, float):
            return isinstance(n, ir.NumberType) and _accepts_value(n.constraints, value)
        return False

    def subsumes(self, a_side: str, a: object, b_side: str, b: object, depth: int = 0) -> bool:
        """Does every value ``b`` accepts satisfy ``a`` too?  References to the same (matched)
        declaration count as equal: that declaration's own changes are reported where it is declared."""
        if depth > 48:
            return False
        if isinstance(a, ir.RefType) and isinstance(b, ir.RefType):
            ca, cb = self.canon(a_side, a.target), self.canon(b_side, b.target)
            if ca == cb:
                return True
            key = (a_side, ca, b_side, cb)
            if key in self._assume:
                return True  # coinduction: a cycle that has not failed so far
            self._assume.add(key)
            try:
                return self.subsumes(a_side, self.resolve(a_side, a), b_side, self.resolve(b_side, b), depth + 1)
            finally:
                self._assume.discard(key)
        ra, rb = self.resolve(a_side, a), self.resolve(b_side, b)
        if isinstance(ra, ir.AnyType):
            return True
        vb = self.values(b_side, rb)
        if vb is not None:
            return all(self.accepts(a_side, ra, v) for _, v in vb)
        if isinstance(rb, ir.UnionType):
            return all(self.subsumes(a_side, ra, b_side, v, depth + 1) for v in rb.variants)
        if isinstance(ra, ir.UnionType):
            return any(self.subsumes(a_side, v, b_side, rb, depth + 1) for v in ra.variants)
        if isinstance(rb, ir.AnyType):
            return False
        if isinstance(ra, ir.StringType):
            return isinstance(rb, ir.StringType) and looser(ra.constraints, rb.constraints)
        if isinstance(ra, ir.NumberType):
            return isinstance(rb, (ir.IntType, ir.NumberType)) and looser(ra.constraints, rb.constraints)
        if isinstance(ra, ir.IntType):
            return isinstance(rb, ir.IntType) and looser(ra.constraints, rb.constraints, integer=True)
        if isinstance(ra, (ir.NullType, ir.BoolType, ir.LiteralType, ir.EnumDecl)):
            return False  # b is not a finite set of values
        if isinstance(ra, ir.ArrayType):
            if isinstance(rb, ir.ArrayType):
                return looser(ra.constraints, rb.constraints) and self.subsumes(a_side, ra.items, b_side, rb.items, depth + 1)
            if isinstance(rb, ir.TupleType):
                items = list(rb.items) + ([rb.rest] if rb.rest is not None else [])
                return looser(ra.constraints, rb.constraints) and all(
                    self.subsumes(a_side, ra.items, b_side, i, depth + 1) for i in items
                )
            return False
        if isinstance(ra, ir.TupleType):
            if not isinstance(rb, ir.TupleType) or not looser(ra.constraints, rb.constraints):
                return False
            n = max(len(ra.items), len(rb.items))
            for i in range(n):
                ai = ra.items[i] if i < len(ra.items) else ra.rest
                bi = rb.items[i] if i < len(rb.items) else rb.rest
                if bi is None:
                    continue
                if ai is None or not self.subsumes(a_side, ai, b_side, bi, depth + 1):
                    return False
            if rb.rest is not None:
                return ra.rest is not None and self.subsumes(a_side, ra.rest, b_side, rb.rest, depth + 1)
            return True
        if isinstance(ra, ir.MapType):
            if isinstance(rb, ir.MapType):
                return (
                    (ra.key_pattern is None or ra.key_pattern == rb.key_pattern)
                    and looser(ra.constraints, rb.constraints)
                    and self.subsumes(a_side, ra.values, b_side, rb.values, depth + 1)
                )
            if isinstance(rb, ir.ObjectDecl):
                if ra.key_pattern is not None or not ra.constraints.is_empty():
                    return False
                parts = [f.type for f in rb.fields] + ([rb.additional] if rb.additional is not None else [])
                return all(self.subsumes(a_side, ra.values, b_side, p, depth + 1) for p in parts)
            return False
        if isinstance(ra, ir.ObjectDecl):
            if isinstance(rb, ir.MapType):
                if ra.additional is None or any(f.required for f in ra.fields) or rb.key_pattern is not None:
                    return False
                parts = [f.type for f in ra.fields] + [ra.additional]
                return all(self.subsumes(a_side, p, b_side, rb.values, depth + 1) for p in parts)
            if not isinstance(rb, ir.ObjectDecl):
                return False
            return self.object_subsumes(a_side, ra, b_side, rb, depth)
        return False

    def object_subsumes(self, a_side: str, a: ir.ObjectDecl, b_side: str, b: ir.ObjectDecl, depth: int) -> bool:
        af = {f.wire_name: f for f in a.fields}
        bf = {f.wire_name: f for f in b.fields}
        for name, f in af.items():
            g = bf.get(name)
            if g is None:
                if f.required:
                    return False
                if b.additional is not None and not self.subsumes(a_side, f.type, b_side, b.additional, depth + 1):
                    return False
                continue
            if f.required and not g.required:
                return False
            if not self.subsumes(a_side, f.type, b_side, g.type, depth + 1):
                return False
        for name, g in bf.items():
            if name in af:
                continue
            if a.additional is None or not self.subsumes(a_side, a.additional, b_side, g.type, depth + 1):
                return False
        if b.additional is not None:
            return a.additional is not None and self.subsumes(a_side, a.additional, b_side, b.additional, depth + 1)
        return True

    def describe(self, side: str, n: object, depth: int = 0) -> str:
        """A short, language-neutral description of a type (for messages)."""
        if depth > 3:
            return "..."
        if isinstance(n, ir.RefType):
            d = self.progs[side].get(n.target)
            return "/".join(d.name) if d is not None else n.target
        if isinstance(n, (ir.ObjectDecl, ir.EnumDecl, ir.AliasDecl)):
            return f"{n.kind} {'/'.join(n.name)}"
        if isinstance(n, ir.UnionType):
            return " | ".join(self.describe(side, v, depth + 1) for v in n.variants)
        if isinstance(n, ir.ArrayType):
            return f"array of {self.describe(side, n.items, depth + 1)}" + _constraints(n.constraints)
        if isinstance(n, ir.TupleType):
            return "tuple [" + ", ".join(self.describe(side, v, depth + 1) for v in n.items) + "]"
        if isinstance(n, ir.MapType):
            return f"map of {self.describe(side, n.values, depth + 1)}" + _constraints(n.constraints)
        if isinstance(n, ir.LiteralType):
            return f"const {json.dumps(n.value)}"
        if isinstance(n, (ir.IntType, ir.NumberType, ir.StringType)):
            name = {"int": "integer", "number": "number", "string": "string"}[n.kind]
            return name + _constraints(n.constraints)
        return {"any": "any value", "null": "null", "bool": "boolean"}.get(getattr(n, "kind", ""), str(n))


def _constraints(c: ir.Constraints) -> str:
    parts = []
    for name in (
        "minimum", "maximum", "exclusive_minimum", "exclusive_maximum", "multiple_of", "min_length",
        "max_length", "pattern", "min_items", "max_items", "min_properties", "max_properties",
    ):
        v = getattr(c, name)
        if v is not None:
            parts.append(f"{name}={json.dumps(v)}")
    if c.unique_items:
        parts.append("unique_items")
    return f" ({', '.join(parts)})" if parts else ""


def _esc(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


# ---------------------------------------------------------------------------------------------
# The comparison
# ---------------------------------------------------------------------------------------------


@dataclass
class _Raw:
    kind: str
    file: str
    pointer: str
    message: str
    narrows: bool = False
    widens: bool = False
    flows: frozenset[Flow] | None = None
    """Overrides the declaration's flows (method- and component-level changes)."""


class Differ:
    def __init__(self, old: ir.Program, new: ir.Program, old_display: Callable[[str], str] | None = None):
        self.old, self.new = old, new
        self.old_display = old_display or (lambda f: f)
        self.id_map = match_decls(old, new)
        self.cmp = Compare(old, new, self.id_map)
        self.flows: dict[str, set[Flow]] = {}
        for t, fl in usage(new).items():
            self.flows.setdefault("new:" + t, set()).update(fl)
        for t, fl in usage(old).items():
            self.flows.setdefault(self.cmp.canon("old", t), set()).update(fl)
        self.wired = old.protocol is not None or new.protocol is not None or bool(old.components or new.components)
        self.changes: list[Change] = []

    # -- locations --------------------------------------------------------------------------

    def _where(self, side: str, d: ir.Decl | ir.Field | ir.Method | ir.Component | ir.Protocol, extra: str = "") -> tuple[str, str]:
        src = d.source
        if src is None:
            return ("", extra)
        file = src.file if side == "new" else self.old_display(src.file)
        return file, src.pointer + extra

    # -- emitting ---------------------------------------------------------------------------

    def _emit(self, raw: _Raw, flows: Iterable[Flow]) -> None:
        flows = sorted(set(flows), key=lambda f: (f.via, f.writer, f.reader))
        breaks: list[str] = []
        writers: list[str] = []
        readers: list[str] = []
        message = raw.message
        if raw.narrows or raw.widens:
            if flows or not self.wired:
                if raw.narrows:
                    breaks.append(WRITERS)
                    writers += [f.writer for f in flows]
                if raw.widens:
                    breaks.append(READERS)
                    readers += [f.reader for f in flows]
            else:
                message += " (no method or component sends this type)"
        comps = sorted({f.via.split(" ")[1] for f in flows if f.via.startswith("component ")})
        self.changes.append(
            Change(
                BREAKING if breaks else COMPATIBLE,
                raw.kind,
                tuple(breaks),
                tuple(sorted(set(writers))),
                tuple(sorted(set(readers))),
                raw.file,
                raw.pointer,
                message,
                tuple(sorted({f.via for f in flows})),
                tuple(comps) if breaks else (),
            )
        )

    def _decl_flows(self, canon: str) -> set[Flow]:
        return self.flows.get(canon, set())

    # -- declarations ---------------------------------------------------------------------------

    def run(self) -> Report:
        matched_new = set(self.id_map.values())
        for od in self.old.decls:
            if od.id not in self.id_map:
                f, p = self._where("old", od)
                self._emit(_Raw("type-removed", f, p, f"{od.kind} {'/'.join(od.name)} removed"), ())
        for nd in self.new.decls:
            if nd.id not in matched_new:
                f, p = self._where("new", nd)
                self._emit(_Raw("type-added", f, p, f"{nd.kind} {'/'.join(nd.name)} added"), ())
        for oid, nid in sorted(self.id_map.items(), key=lambda kv: kv[1]):
            self._decl(self.old.decl(oid), self.new.decl(nid))
        self._methods()
        self._components()
        self.changes.sort(key=lambda c: (c.file, c.pointer, c.kind, c.message))
        return Report(tuple(self.old_display(f) for f in self.old.inputs), self.new.inputs, self.changes)

    def _decl(self, od: ir.Decl, nd: ir.Decl) -> None:
        flows = self._decl_flows("new:" + nd.id)
        file, ptr = self._where("new", nd)
        raws: list[_Raw] = []
        name = "/".join(nd.name)
        if isinstance(od, ir.ObjectDecl) and isinstance(nd, ir.ObjectDecl):
            raws = self._object(od, nd)
        elif isinstance(od, ir.EnumDecl) and isinstance(nd, ir.EnumDecl):
            ov = [m.value for m in od.members]
            nv = [m.value for m in nd.members]
            for v in nv:
                if v not in ov or any(type(v) is not type(x) for x in ov if x == v):
                    raws.append(_Raw("enum-value-added", file, ptr + "/enum", f"enum {name}: value {json.dumps(v)} added", widens=True))
            for v in ov:
                if v not in nv:
                    raws.append(_Raw("enum-value-removed", file, ptr + "/enum", f"enum {name}: value {json.dumps(v)} removed", narrows=True))
        elif isinstance(od, ir.AliasDecl) and isinstance(nd, ir.AliasDecl) and isinstance(od.target, ir.UnionType) and isinstance(nd.target, ir.UnionType):
            raws = self._union(name, file, ptr, od.target, nd.target)
        else:
            narrows = not self.cmp.subsumes("new", nd, "old", od)
            widens = not self.cmp.subsumes("old", od, "new", nd)
            if narrows or widens or od.kind != nd.kind:
                raws.append(
                    _Raw(
                        "type-changed", file, ptr,
                        f"{name}: {self.cmp.describe('old', _body(od))} -> {self.cmp.describe('new', _body(nd))}",
                        narrows, widens,
                    )
                )
        raws += self._assertions(od, nd, file, ptr, name)
        for r in raws:
            self._emit(r, flows)

    def _assertions(self, od: ir.Decl, nd: ir.Decl, file: str, ptr: str, name: str) -> list[_Raw]:
        """Changes to what the shape does not express (``not``, ``if``/``then``/``else``, ``contains``,
        ``propertyNames``, ``dependent*``, ``unevaluated*``, ``oneOf`` exclusivity...), read from the
        validation graph: an assertion added narrows, one removed widens, one changed does both."""
        ov, nv = self.old.validation, self.new.validation
        if ov is None or nv is None:
            return []
        on, nn = ov.node_for(od.id), nv.node_for(nd.id)
        if on is None or nn is None:
            return []
        old_sig, new_sig = assertion_signature(ov, on), assertion_signature(nv, nn)
        out: list[_Raw] = []
        for kw in sorted(set(old_sig) | set(new_sig)):
            if kw not in old_sig:
                out.append(_Raw("assertion-added", file, f"{ptr}/{kw}", f"{name}: '{kw}' added", narrows=True))
            elif kw not in new_sig:
                out.append(_Raw("assertion-removed", file, f"{ptr}/{kw}", f"{name}: '{kw}' removed", widens=True))
            elif old_sig[kw] != new_sig[kw]:
                out.append(
                    _Raw("assertion-changed", file, f"{ptr}/{kw}", f"{name}: '{kw}' changed", narrows=True, widens=True)
                )
        return out

    def _union(self, name: str, file: str, ptr: str, o: ir.UnionType, n: ir.UnionType) -> list[_Raw]:
        out: list[_Raw] = []
        used_new: set[int] = set()
        unmatched_old = []
        for ov in o.variants:
            hit = None
            for i, nv in enumerate(n.variants):
                if i in used_new:
                    continue
                if self.cmp.subsumes("new", nv, "old", ov) and self.cmp.subsumes("old", ov, "new", nv):
                    hit = i
                    break
            if hit is None:
                unmatched_old.append(ov)
            else:
                used_new.add(hit)
        for ov in unmatched_old:
            if not self.cmp.subsumes("new", n, "old", ov):
                out.append(_Raw("variant-removed", file, ptr, f"{name}: variant {self.cmp.describe('old', ov)} removed", narrows=True))
            else:
                out.append(_Raw("variant-removed", file, ptr, f"{name}: variant {self.cmp.describe('old', ov)} removed (its values are still accepted)"))
        for i, nv in enumerate(n.variants):
            if i in used_new:
                continue
            widens = not self.cmp.subsumes("old", o, "new", nv)
            out.append(
                _Raw("variant-added", file, ptr, f"{name}: variant {self.cmp.describe('new', nv)} added"
                     + ("" if widens else " (its values were already accepted)"), widens=widens)
            )
        if o.one_of != n.one_of:
            # unions are compared by their variants; whether oneOf branches overlap (and so reject values
            # that match twice) is what `stepflow-codegen lint` reports (overlapping-oneof)
            out.append(_Raw("union-kind-changed", file, ptr,
                            f"{name}: {'oneOf' if o.one_of else 'anyOf'} -> {'oneOf' if n.one_of else 'anyOf'} (same values unless oneOf branches overlap: see lint)"))
        return out

    def _object(self, od: ir.ObjectDecl, nd: ir.ObjectDecl) -> list[_Raw]:
        out: list[_Raw] = []
        name = "/".join(nd.name)
        file, ptr = self._where("new", nd)
        of = {f.wire_name: f for f in od.fields}
        nf = {f.wire_name: f for f in nd.fields}
        for w, f in of.items():
            if w in nf:
                continue
            readers = f.required
            writers = nd.additional is None or not self.cmp.subsumes("new", nd.additional, "old", f.type)
            why = []
            if readers:
                why.append("old readers require it and new writers do not send it")
            if writers:
                why.append("new readers reject it from old writers (" + ("closed object" if nd.additional is None else "extra values must be " + self.cmp.describe("new", nd.additional)) + ")")
            out.append(_Raw("field-removed", file, ptr + f"/properties/{_esc(w)}",
                            f"{name}: {'required' if f.required else 'optional'} field {w!r} removed" + (": " + "; ".join(why) if why else ""),
                            narrows=writers, widens=readers))
        for w, f in nf.items():
            if w in of:
                continue
            writers = f.required
            readers = od.additional is None or not self.cmp.subsumes("old", od.additional, "new", f.type)
            why = []
            if writers:
                why.append("old writers do not send it")
            if readers:
                why.append("old readers reject it (" + ("closed object" if od.additional is None else "extra values had to be " + self.cmp.describe("old", od.additional)) + ")")
            fpath = self._where("new", f)[1] if f.source is not None else ptr + f"/properties/{_esc(w)}"
            out.append(_Raw("field-added", file, fpath,
                            f"{name}: {'required' if f.required else 'optional'} field {w!r} ({self.cmp.describe('new', f.type)}) added" + (": " + "; ".join(why) if why else ""),
                            narrows=writers, widens=readers))
        for w, f in nf.items():
            g = of.get(w)
            if g is None:
                continue
            fptr = self._where("new", f)[1] if f.source is not None else ptr + f"/properties/{_esc(w)}"
            if g.required and not f.required:
                out.append(_Raw("field-now-optional", file, fptr, f"{name}: field {w!r} is now optional: new writers may omit it, old readers require it", widens=True))
            elif f.required and not g.required:
                out.append(_Raw("field-now-required", file, fptr, f"{name}: field {w!r} is now required: old writers may omit it", narrows=True))
            narrows = not self.cmp.subsumes("new", f.type, "old", g.type)
            widens = not self.cmp.subsumes("old", g.type, "new", f.type)
            if narrows or widens:
                how = "narrowed" if narrows and not widens else "widened" if widens and not narrows else "changed"
                out.append(_Raw("field-type-changed", file, fptr,
                                f"{name}: field {w!r} type {how}: {self.cmp.describe('old', g.type)} -> {self.cmp.describe('new', f.type)}",
                                narrows, widens))
            fo, fn = _format(self.cmp.resolve("old", g.type)), _format(self.cmp.resolve("new", f.type))
            if fo != fn and not (narrows or widens):
                out.append(_Raw("field-format-changed", file, fptr,
                                f"{name}: field {w!r} format {fo or '(none)'} -> {fn or '(none)'} (an annotation: the values accepted are the same)"))
            if g.default is not ir.MISSING and f.default is not ir.MISSING and not json_equal(g.default, f.default):
                out.append(_Raw("field-default-changed", file, fptr,
                                f"{name}: field {w!r} default {_show_default(g.default)} -> {_show_default(f.default)}: an absent value means something else to each side",
                                narrows=True, widens=True))
            elif (g.default is ir.MISSING) != (f.default is ir.MISSING):
                out.append(_Raw("field-default-changed", file, fptr,
                                f"{name}: field {w!r} default {_show_default(g.default)} -> {_show_default(f.default)}"
                                + (" (documents what an absent value means)" if g.default is ir.MISSING else " (an absent value no longer has a declared meaning)")))
            if f.deprecated and not g.deprecated:
                out.append(_Raw("field-deprecated", file, fptr, f"{name}: field {w!r} deprecated"))
        if od.additional is None and nd.additional is not None:
            out.append(_Raw("object-opened", file, ptr, f"{name}: now accepts unknown keys ({self.cmp.describe('new', nd.additional)}); old readers reject them", widens=True))
        elif od.additional is not None and nd.additional is None:
            out.append(_Raw("object-closed", file, ptr, f"{name}: now rejects unknown keys (additionalProperties false); old writers may send them", narrows=True))
        elif od.additional is not None and nd.additional is not None:
            narrows = not self.cmp.subsumes("new", nd.additional, "old", od.additional)
            widens = not self.cmp.subsumes("old", od.additional, "new", nd.additional)
            if narrows or widens:
                out.append(_Raw("additional-changed", file, ptr + "/additionalProperties",
                                f"{name}: unknown keys' values {self.cmp.describe('old', od.additional)} -> {self.cmp.describe('new', nd.additional)}",
                                narrows, widens))
        return out

    # -- methods --------------------------------------------------------------------------------

    def _methods(self) -> None:
        op, np_ = self.old.protocol, self.new.protocol
        om = {m.name: m for m in op.methods} if op else {}
        nm = {m.name: m for m in np_.methods} if np_ else {}
        roles_o = (op.client_role, op.server_role) if op else ("client", "server")
        roles_n = (np_.client_role, np_.server_role) if np_ else roles_o
        for name, m in sorted(nm.items()):
            if name not in om:
                senders, receivers = _sides(m.direction, *roles_n)
                f, p = self._where("new", m)
                self._emit(_Raw("method-added", f, p, f"{_kind(m)} {name!r} added ({m.direction}); an old {'/'.join(receivers)} answers -32601 (Method not found)"), ())
        for name, m in sorted(om.items()):
            if name not in nm:
                senders, receivers = _sides(m.direction, *roles_o)
                f, p = self._where("old", m)
                fl = [Flow(s, r, name) for s in senders for r in receivers if s != r or m.direction != "both"]
                self._emit(_Raw("method-removed", f, p, f"{_kind(m)} {name!r} removed: a new {'/'.join(receivers)} answers -32601 (Method not found) to an old {'/'.join(senders)}", narrows=True), fl)
        for name in sorted(set(om) & set(nm)):
            self._method(om[name], nm[name], roles_o, roles_n)

    def _method(self, o: ir.Method, n: ir.Method, roles_o: tuple[str, str], roles_n: tuple[str, str]) -> None:
        f, p = self._where("new", n)
        os_, or_ = _sides(o.direction, *roles_o)
        ns, nr = _sides(n.direction, *roles_n)
        name = n.name
        if o.direction != n.direction:
            lost = [s for s in os_ if s not in ns]  # used to send it: the new receiver no longer handles it
            gained = [s for s in ns if s not in os_]  # now sends it: the old receiver does not handle it
            fl_w = [Flow(s, r, name) for s in lost for r in or_ if r != s]
            fl_r = [Flow(s, r, name) for s in gained for r in nr if r != s]
            self._emit(_Raw("method-direction-changed", f, p + "/messageDirection", f"{name!r}: direction {o.direction} -> {n.direction}", narrows=bool(fl_w)), fl_w)
            if fl_r:
                self._emit(_Raw("method-direction-changed", f, p + "/messageDirection", f"{name!r}: direction {o.direction} -> {n.direction}: old receivers do not handle it", widens=True), fl_r)
        flows = [Flow(s, r, name) for s in ns for r in nr if s != r or n.direction != "both"]
        if o.notification != n.notification:
            self._emit(_Raw("method-kind-changed", f, p, f"{name!r}: {_kind(o)} -> {_kind(n)}: " +
                            ("senders wait for a response that never comes" if not n.notification else "receivers answer a message the sender does not expect"),
                            narrows=True, widens=True), flows)
        self._typed(name, "params", o.params, n.params, f, p + "/params", flows)
        if o.result is not None and n.result is not None:
            self._typed(name, "result", o.result, n.result, f, p + "/result", [Flow(x.reader, x.writer, name) for x in flows])
        added = [c for c in n.errors if c not in o.errors]
        removed = [c for c in o.errors if c not in n.errors]
        readers_of_errors = [Flow(x.reader, x.writer, name) for x in flows]
        if o.errors and added:
            self._emit(_Raw("method-errors-added", f, p + "/errors", f"{name!r}: may now answer error code(s) {', '.join(map(str, added))}", widens=True), readers_of_errors)
        elif added:
            self._emit(_Raw("method-errors-declared", f, p + "/errors", f"{name!r}: error codes declared ({', '.join(map(str, added))}; none were declared before)"), ())
        if removed:
            self._emit(_Raw("method-errors-removed", f, p + "/errors", f"{name!r}: no longer declares error code(s) {', '.join(map(str, removed))}"), ())
        if n.deprecated and not o.deprecated:
            self._emit(_Raw("method-deprecated", f, p + "/deprecated", f"{name!r} deprecated: {n.deprecated}"), ())

    def _typed(self, name: str, part: str, o: ir.TypeExpr, n: ir.TypeExpr, file: str, ptr: str, flows: list[Flow]) -> None:
        narrows = not self.cmp.subsumes("new", n, "old", o)
        widens = not self.cmp.subsumes("old", o, "new", n)
        if narrows or widens:
            self._emit(_Raw(f"{part}-type-changed", file, ptr,
                            f"{name}: {part} type {self.cmp.describe('old', o)} -> {self.cmp.describe('new', n)}", narrows, widens),
                       flows)

    # -- components -----------------------------------------------------------------------------

    def _components(self) -> None:
        oc = {c.name: c for c in self.old.components}
        nc = {c.name: c for c in self.new.components}
        for name, c in sorted(nc.items()):
            if name not in oc:
                f, p = self._where("new", c)
                self._emit(_Raw("component-added", f, p, f"component {name!r} added"), ())
        for name, c in sorted(oc.items()):
            runtime, comp = component_roles(name)
            if name not in nc:
                f, p = self._where("old", c)
                self._emit(_Raw("component-removed", f, p, f"component {name!r} removed: flows that call it fail (-32001 unknown component)", narrows=True),
                           [Flow(runtime, comp, f"component {name} input")])
                continue
            n = nc[name]
            f, p = self._where("new", n)
            self._typed(f"component {name!r}", "input", c.input, n.input, f, p + "/input", [Flow(runtime, comp, f"component {name} input")])
            self._typed(f"component {name!r}", "output", c.output, n.output, f, p + "/output", [Flow(comp, runtime, f"component {name} output")])


def _format(n: object) -> str | None:
    """The ``format`` annotation of a scalar, or of the non-null member of a nullable scalar."""
    if isinstance(n, ir.UnionType):
        rest = [v for v in n.variants if not isinstance(v, ir.NullType)]
        if len(rest) == 1:
            n = rest[0]
    return getattr(n, "format", None) if isinstance(n, (ir.IntType, ir.NumberType, ir.StringType)) else None


def _kind(m: ir.Method) -> str:
    return "notification" if m.notification else "request"


def _body(d: ir.Decl) -> object:
    return d.target if isinstance(d, ir.AliasDecl) else d


def _show_default(v: object) -> str:
    return "(none)" if v is ir.MISSING else json.dumps(v)


# validation keywords the shape IR does not express, by the name the schema spells them
_ASSERTION_KEYWORDS = {
    "not_": "not",
    "if_": "if",
    "then": "then",
    "else_": "else",
    "contains": "contains",
    "min_contains": "minContains",
    "max_contains": "maxContains",
    "property_names": "propertyNames",
    "dependent_required": "dependentRequired",
    "dependent_schemas": "dependentSchemas",
    "unevaluated_items": "unevaluatedItems",
    "unevaluated_properties": "unevaluatedProperties",
    "dynamic_ref": "$dynamicRef",
}


def assertion_signature(validation: object, nid: int) -> dict[str, str]:
    """The keywords of node ``nid`` the shape does not express, each as a canonical text of its
    subschema (nested references written as their schema locations, so cycles end)."""
    from .ir import validation as v

    assert isinstance(validation, v.Validation)
    node = validation.nodes[nid]
    out: dict[str, str] = {}
    for attr, keyword in _ASSERTION_KEYWORDS.items():
        value = getattr(node, attr)
        if value is None or value == ():
            continue
        if attr in ("min_contains", "max_contains"):
            canon: object = value
        elif attr == "dynamic_ref":
            canon = {"anchor": value.anchor, "initial": _canonical(validation, value.initial, 1)}
        else:
            canon = _canonical(validation, value, 0)
        out[keyword] = json.dumps(canon, sort_keys=True, default=str)
    return out


def _canonical(validation: object, value: object, depth: int) -> object:
    """A comparable form of a keyword's value: node ids become the nodes' keywords (then locations)."""
    from dataclasses import fields as dc_fields

    from .ir import validation as v

    assert isinstance(validation, v.Validation)
    if isinstance(value, bool) or value is None or isinstance(value, (str, float)):
        return value
    if isinstance(value, int):
        if depth > 3 or not 0 <= value < len(validation.nodes):
            return value
        node = validation.nodes[value]
        out: dict[str, object] = {}
        for f in dc_fields(node):
            if f.name in ("id", "source", "resource", "annotates"):
                continue
            attr = getattr(node, f.name)
            if attr is None or attr == () or attr is False or attr is ir.MISSING:
                continue
            if f.name in ("ref",) or depth >= 3:
                target = validation.nodes[attr].source if isinstance(attr, int) and f.name == "ref" else None
                out[f.name] = f"ref:{target.pointer}" if target is not None else str(attr)
                continue
            out[f.name] = _canonical_field(validation, f.name, attr, depth + 1)
        return out
    if isinstance(value, tuple):
        return [_canonical(validation, x, depth) for x in value]
    return str(value)


_NODE_FIELDS = {
    "items", "contains", "additional_properties", "property_names", "not_", "if_", "then", "else_",
    "unevaluated_items", "unevaluated_properties",
}
_NODE_TUPLES = {"prefix_items", "all_of", "any_of", "one_of"}
_NODE_PAIRS = {"properties", "pattern_properties", "dependent_schemas"}


def _canonical_field(validation: object, name: str, value: object, depth: int) -> object:
    if name in _NODE_FIELDS:
        return _canonical(validation, value, depth)
    if name in _NODE_TUPLES and isinstance(value, tuple):
        return [_canonical(validation, x, depth) for x in value]
    if name in _NODE_PAIRS and isinstance(value, tuple):
        return [[k, _canonical(validation, x, depth)] for k, x in value]
    if isinstance(value, tuple):
        return [list(x) if isinstance(x, tuple) else x for x in value]
    return value if isinstance(value, (bool, int, float, str)) or value is None else str(value)


def diff_programs(old: ir.Program, new: ir.Program, old_display: Callable[[str], str] | None = None) -> Report:
    """Compare two programs; ``old_display`` maps the old side's file names for the report."""
    return Differ(old, new, old_display).run()
