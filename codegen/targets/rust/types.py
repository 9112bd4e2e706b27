"""IR -> Rust (serde) view model: naming policy, type mapping, recursion, validation code.

Everything a template prints is computed here as finished Rust source; templates only lay it out.
Decisions (argued in docs/rust.md):

* closed object -> struct with ``deny_unknown_fields`` (deserialized through
  ``runtime::ObjectOnly`` so that an array is never read as a struct); open object -> struct with a
  ``#[serde(flatten)]`` map of the undeclared properties;
* optional field -> ``Option<T>`` (absent = ``None``), with ``runtime::some`` so that a present
  null is kept apart (``Option<Option<T>>`` when ``T`` accepts null) or rejected; required
  nullable field -> ``Option<T>`` that must be present (``runtime::required``);
* union tagged by a string ``const`` whose variants are used nowhere else -> serde internally
  tagged enum (``#[serde(tag = ...)]``); every other union -> an enum with a generated
  ``Deserialize`` that dispatches on the tag value or the JSON kind and otherwise tries the
  variants in schema order (first match), reporting every variant's error;
* ``T | null`` -> ``Option<T>``; a union holding "any value" -> ``serde_json::Value``;
* ``const`` -> a unit struct that (de)serializes exactly that value;
* string / integer enums -> Rust enums (hand-written ``Deserialize``: serde's derive would also
  accept ``{"red": null}``); integers keep their numbers (``#[repr(i64)]``);
* integer -> the Rust integer the format and bounds call for; number -> ``serde_json::Number``
  (lossless: ``1`` stays ``1``); maps -> ``BTreeMap`` (deterministic order);
* recursion -> ``Box`` on the by-value edges of a cycle; an alias that contains itself -> a
  ``#[serde(transparent)]`` newtype (Rust has no recursive type aliases);
* validation keywords -> ``Validate`` impls (see ``runtime``).
"""

from __future__ import annotations

import collections
import math
import itertools

import json
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from ...analysis.objects import closed_by_additional
from ...analysis.unions import single_value_variants, tag_claims, unions_of
from ...diagnostics import Diagnostics, Severity
from ...ir import model as ir
from ...analysis.defaults import DefaultCheck, write_default_ids
from ...ir.passes import decl_exprs, walk_expr
from ...analysis.namespaces import author_decls
from ..naming import NameTable, Rename, naming_order, report_renames, snake, words
from . import layout
from .escape import NotRepresentable, rust_comment, rust_doc, rust_int, rust_str

# Rust keywords (strict, reserved and 2018+), and the ones that cannot be raw identifiers.
KEYWORDS = frozenset(
    """as break const continue crate else enum extern false fn for if impl in let loop match mod move mut
    pub ref return self Self static struct super trait true type unsafe use where while async await dyn
    abstract become box do final macro override priv typeof unsized virtual yield try gen union""".split()
)
NOT_RAW = frozenset({"self", "Self", "super", "crate", "_"})

# Type names the generated modules use unqualified, or that would shadow the prelude / std / serde.
RESERVED_TYPE_NAMES = frozenset(
    """Self Option Some None Result Ok Err Box String Vec ToString ToOwned Clone Copy Send Sized Sync Unpin
    Drop Fn FnMut FnOnce AsRef AsMut Into From Default Iterator Extend IntoIterator DoubleEndedIterator
    ExactSizeIterator PartialEq PartialOrd Eq Ord Debug Hash TryFrom TryInto FromIterator
    Value Map Number BTreeMap HashMap Serialize Deserialize Serializer Deserializer Validate
    ValidationError ValidationErrors DecodeError Path Num Pattern ObjectOnly UnionErrors Formatter
    Cow Rc Arc Cell RefCell PhantomData OnceLock Regex""".split()
)
AUTHOR_MODULE = "component_types"
"""The module of the component authors' types (``types`` holds the protocol's)."""
RESERVED_FIELD_NAMES = frozenset({"additional_properties"})
RESERVED_VARIANT_NAMES = frozenset({"Self"})

INT_TYPES = {
    "int8": "i8",
    "int16": "i16",
    "int32": "i32",
    "int64": "i64",
    "uint8": "u8",
    "uint16": "u16",
    "uint32": "u32",
    "uint64": "u64",
    "uint": "u64",
    "int": "i64",
}
INT_RANGES = {
    "i8": (-(2**7), 2**7 - 1),
    "i16": (-(2**15), 2**15 - 1),
    "i32": (-(2**31), 2**31 - 1),
    "i64": (-(2**63), 2**63 - 1),
    "u8": (0, 2**8 - 1),
    "u16": (0, 2**16 - 1),
    "u32": (0, 2**32 - 1),
    "u64": (0, 2**64 - 1),
}


def rust_pascal(*parts: str) -> str:
    """UpperCamelCase the Rust way: acronyms are words (``HTTPServer`` -> ``HttpServer``, ``UNSET`` -> ``Unset``)."""
    return "".join(w[:1].upper() + w[1:].lower() for w in words(*parts))


def claim_pascal(table: NameTable, wanted: str, original: str, where: str = "", fix: str = "Value") -> str:
    """Claim an UpperCamelCase name: a clash is numbered ``Name2``, ``Name3``... (``Name_2`` is not camel case)."""
    return table.claim(
        wanted, original, where, alternatives=[f"{wanted}{i}" for i in range(2, 1000)], fix_reserved=lambda n: n + fix
    )


def unraw(ident: str) -> str:
    return ident[2:] if ident.startswith("r#") else ident


@dataclass(frozen=True)
class RType:
    text: str
    option: bool = False
    """The Rust type is an ``Option`` at the top (so a required field needs ``runtime::required``)."""
    nullable: bool = False
    """The type accepts JSON null."""


@dataclass
class UVariant:
    name: str
    payload: RType | None
    """None for a unit variant (a literal or null)."""
    literal: object = None
    kind: str | None = None
    """JSON kind guard for a payload variant ('string', 'integer', ...), None: no guard."""
    tags: tuple[object, ...] = ()
    doc: str = ""
    expr: ir.TypeExpr | None = None


@dataclass
class RDecl:
    kind: str
    """struct, tagged, union, enum_str, enum_int, literal, alias, newtype."""
    name: str
    key: str
    """IR TypeId, or ``~n`` for a declaration synthesized from an inline type."""
    doc: str = ""
    comment: str = ""
    # struct
    fields: list[str] = field(default_factory=list)
    closed: bool = True
    derive_default: bool = False
    defaults: list[str] = field(default_factory=list)
    """``--defaults apply``: the functions of the struct's applied defaults (``impl`` body lines)."""
    # enums
    members: list[tuple[str, str, str]] = field(default_factory=list)
    """(variant, Rust literal of the wire value, doc) for enums."""
    # unions
    variants: list[UVariant] = field(default_factory=list)
    tag: str | None = None
    tag_kind: str | None = None
    tag_value: str | None = None
    """Struct: the variant of a serde-tagged union: its tag value (the tag property is ``tag``)."""
    # literal / alias / newtype
    literal_kind: str = ""
    literal_value: str = ""
    target: str = ""
    # validation (generated from the validation graph: ``validators.py``)
    node: int | None = None
    """The validation node of the declaration (None: nothing to check on its own)."""


@dataclass
class Synth:
    key: str
    expr: ir.TypeExpr
    hint: tuple[str, ...]
    owner: str
    source: ir.Source | None


def _src(source: ir.Source | None) -> tuple[str, str]:
    return (source.file, source.pointer) if source else ("", "")


class RustTypeMapper:
    def __init__(self, program: ir.Program, diags: Diagnostics, integers: str = "native", defaults: str = "preserve"):
        self.program = program
        self.exact_integers = integers == "exact"
        self.apply_defaults = defaults == "apply"
        self._default_check: DefaultCheck | None = None
        self.write_defaults = write_default_ids(program) if self.apply_defaults else frozenset()
        """Objects that write values equal to their default (component inputs and outputs: flows
        read them without applying schema defaults), as in the Python target."""
        self.diags = diags
        self.decls: dict[str, ir.Decl] = {d.id: d for d in program.decls}
        self.kind: dict[str, str] = {}
        self.synth: dict[str, Synth] = {}
        """repr(expr) -> synthesized declaration (repr, not ==: ``LiteralType(1) == LiteralType(True)``)."""
        self.synth_by_key: dict[str, Synth] = {}
        self.tagged_variants: dict[str, str] = {}
        """Object id -> the tag property its serde-tagged union writes (the struct omits it)."""
        self.tagged_values: dict[str, str] = {}
        """Object id -> the tag value of its serde-tagged union's variant (written when it stands alone)."""
        self.names = NameTable("rust type", RESERVED_TYPE_NAMES)
        self.author_names = NameTable("rust component type", RESERVED_TYPE_NAMES)
        self.author = author_decls(program)
        """The component authors' declarations: module ``component_types``, a name table of its own."""
        self.author_keys: set[str] = set()
        """Their keys, with the synthesized types they own."""
        self.module = "types"
        """The module being rendered: ``types`` or ``component_types``."""
        self.name_of: dict[str, str] = {}
        self.uses: set[str] = set()
        self._plan_kinds()
        self._plan_tagged()
        self._collect_synth()
        self.author_keys = set(self.author) | {s.key for s in self.synth.values() if s.owner in self.author}
        self._assign_names()
        self._plan_boxes()

    # -- helpers ------------------------------------------------------------------------------
    def _warn(self, source: ir.Source | None, code: str, message: str, severity: Severity = Severity.WARNING) -> None:
        f, p = _src(source)
        self.diags.add(severity, code, f, p, message)

    def flat(self, u: ir.UnionType) -> list[ir.TypeExpr]:
        """Variants of a union with inline unions flattened (references are kept)."""
        out: list[ir.TypeExpr] = []
        for v in u.variants:
            if isinstance(v, ir.UnionType):
                out.extend(self.flat(v))
            else:
                out.append(v)
        return out

    def union_shape(self, u: ir.UnionType) -> tuple[str, list[ir.TypeExpr], bool]:
        """('any' | 'single' | 'enum', non-null variants, has null)."""
        flat = self.flat(u)
        has_null = any(isinstance(v, ir.NullType) or (isinstance(v, ir.LiteralType) and v.value is None) for v in flat)
        rest = [v for v in flat if not (isinstance(v, ir.NullType) or (isinstance(v, ir.LiteralType) and v.value is None))]
        uniq: list[ir.TypeExpr] = []
        seen: set[str] = set()
        for v in rest:
            key = repr(v)
            if key not in seen:
                seen.add(key)
                uniq.append(v)
        if any(isinstance(v, ir.AnyType) for v in uniq):
            return "any", uniq, has_null
        if len(uniq) <= 1:
            return "single", uniq, has_null
        return "enum", uniq, has_null

    def _tuple_is_fixed(self, t: ir.TupleType) -> bool:
        return t.rest is None and (t.constraints.min_items or 0) >= len(t.items) and len(t.items) > 0

    # -- planning -----------------------------------------------------------------------------
    def _plan_kinds(self) -> None:
        for d in self.program.decls:
            if isinstance(d, ir.ObjectDecl):
                self.kind[d.id] = "struct"
            elif isinstance(d, ir.EnumDecl):
                self.kind[d.id] = "enum_str" if d.value_kind == "string" else "enum_int"
            else:
                t = d.target
                if isinstance(t, ir.LiteralType):
                    self.kind[d.id] = "literal"
                elif isinstance(t, ir.MapType) and _empty_object(t) and self._closes(d.id, empty=True):
                    self.kind[d.id] = "empty"
                elif isinstance(t, ir.UnionType) and self.union_shape(t)[0] == "enum":
                    self.kind[d.id] = "union"
                else:
                    self.kind[d.id] = "alias"
        # aliases that contain themselves through aliases only, or that carry their own
        # constraints, become newtypes (a recursive type alias does not compile; a constrained
        # alias needs its own Validate impl)
        for d in self.program.decls:
            if self.kind[d.id] == "alias":
                assert isinstance(d, ir.AliasDecl)
                if self._alias_reaches(d.id, d.target, set()) or self._inline_checks(d.target):
                    self.kind[d.id] = "newtype"

    def _alias_reaches(self, start: str, e: ir.TypeExpr, seen: set[str]) -> bool:
        for x in walk_expr(e):
            if isinstance(x, ir.RefType):
                if x.target == start:
                    return True
                if self.kind.get(x.target) == "alias" and x.target not in seen:
                    seen.add(x.target)
                    target = self.decls[x.target]
                    assert isinstance(target, ir.AliasDecl)
                    if self._alias_reaches(start, target.target, seen):
                        return True
        return False

    def _inline_checks(self, e: ir.TypeExpr) -> bool:
        """Constraints inside ``e`` that no nominal type's own Validate impl covers."""
        if isinstance(e, ir.RefType):
            return False
        if isinstance(e, ir.IntType):
            return bool(self._int_checks(e, _int_type(e, self.exact_integers)))
        if isinstance(e, (ir.NumberType, ir.StringType)):
            c = e.constraints
            if isinstance(e, ir.StringType):
                return c.min_length is not None or c.max_length is not None or c.pattern is not None
            return any(v is not None for v in (c.minimum, c.maximum, c.exclusive_minimum, c.exclusive_maximum, c.multiple_of))
        if isinstance(e, ir.ArrayType):
            c = e.constraints
            return c.min_items is not None or c.max_items is not None or c.unique_items or self._inline_checks(e.items)
        if isinstance(e, ir.TupleType):
            if self._tuple_is_fixed(e):
                return any(self._inline_checks(i) for i in e.items)
            c = e.constraints
            rest = e.rest if not e.items else None
            return (
                c.min_items is not None
                or c.max_items is not None
                or e.rest is None
                or (rest is not None and self._inline_checks(rest))
            )
        if isinstance(e, ir.MapType):
            c = e.constraints
            return (
                c.min_properties is not None
                or c.max_properties is not None
                or e.key_pattern is not None
                or self._inline_checks(e.values)
            )
        if isinstance(e, ir.UnionType):
            shape, others, _ = self.union_shape(e)
            return shape == "single" and bool(others) and self._inline_checks(others[0])
        return False

    def _plan_tagged(self) -> None:
        """Unions that become serde internally tagged enums (the tag lives in the enum, not the structs)."""
        candidates, claims = tag_claims(self.decls, unions_of(self.program.decls), self._tag_candidate)
        # every other reference to a variant object makes it ineligible (it must carry its tag)
        elsewhere: set[str] = {r.type for r in self.program.roots}
        if self.program.protocol:
            for m in self.program.protocol.methods:
                for used in (m.params, m.result):
                    if isinstance(used, ir.RefType):
                        elsewhere.add(used.target)
        for d in self.program.decls:
            for e in decl_exprs(d):
                self._refs_outside(e, candidates, elsewhere)
        for u in candidates:
            assert isinstance(u.discriminator, ir.TagDiscriminator)
            ids = [v.target for v in u.variants if isinstance(v, ir.RefType)]
            if all(len(claims[i]) == 1 and i not in elsewhere for i in ids) and len(set(ids)) == len(ids):
                for i in ids:
                    self.tagged_variants[i] = u.discriminator.property
                    self.tagged_values[i] = str(next(iter(claims[i]))[2])
        self.tagged_unions = {
            repr(u) for u in candidates if all(isinstance(v, ir.RefType) and v.target in self.tagged_variants for v in u.variants)
        }

    def _refs_outside(self, e: ir.TypeExpr, candidates: list[ir.UnionType], out: set[str]) -> None:
        if isinstance(e, ir.RefType):
            out.add(e.target)
            return
        if isinstance(e, ir.UnionType) and repr(e) in {repr(c) for c in candidates}:
            return  # its direct variants are the tagged positions
        children: list[ir.TypeExpr] = []
        if isinstance(e, ir.ArrayType):
            children = [e.items]
        elif isinstance(e, ir.TupleType):
            children = list(e.items) + ([e.rest] if e.rest else [])
        elif isinstance(e, ir.MapType):
            children = [e.values]
        elif isinstance(e, ir.UnionType):
            children = list(e.variants)
        for c in children:
            self._refs_outside(c, candidates, out)

    def _tag_candidate(self, u: ir.UnionType) -> bool:
        """serde can make a sound single-value tag (shared analysis) an internally tagged enum when
        the tags are strings and the union is an enum of exactly its direct variants."""
        if self.union_shape(u)[0] != "enum" or len(self.flat(u)) != len(u.variants):
            return False
        variants = single_value_variants(self.decls, u) or []
        return all(isinstance(value, str) for _, value in variants)

    def _collect_synth(self) -> None:
        """Inline types that need a name in Rust: consts and unions that are not ``T | null``."""
        n = 0

        def visit(e: ir.TypeExpr, hint: tuple[str, ...], owner: str, source: ir.Source | None, in_union: bool) -> None:
            nonlocal n
            if isinstance(e, ir.LiteralType):
                if not in_union and repr(e) not in self.synth:
                    n += 1
                    s = Synth(f"~{n}", e, hint, owner, source)
                    self.synth[repr(e)] = s
                    self.synth_by_key[s.key] = s
                return
            if isinstance(e, ir.UnionType):
                shape, rest, _ = self.union_shape(e)
                if shape == "enum":
                    if repr(e) not in self.synth:
                        n += 1
                        s = Synth(f"~{n}", e, hint, owner, source)
                        self.synth[repr(e)] = s
                        self.synth_by_key[s.key] = s
                    for i, v in enumerate(rest):
                        visit(v, hint + (f"variant{i + 1}",), owner, source, True)
                elif shape == "single" and rest:
                    visit(rest[0], hint, owner, source, False)
                return
            if isinstance(e, ir.ArrayType):
                visit(e.items, hint + ("item",), owner, source, False)
            elif isinstance(e, ir.TupleType):
                if self._tuple_is_fixed(e):
                    for i, item in enumerate(e.items):
                        visit(item, hint + (f"item{i}",), owner, source, False)
                elif not e.items and e.rest is not None:
                    visit(e.rest, hint + ("item",), owner, source, False)
                else:
                    self._warn(
                        source,
                        "tuple-fallback",
                        "a tuple whose last items may be missing, or that allows more items, is typed as Vec<Value> "
                        "in Rust (the schema checks still check every item; Validate and decode run them)",
                    )
            elif isinstance(e, ir.MapType):
                visit(e.values, hint + ("value",), owner, source, False)

        # the protocol's first: an inline type both use is the protocol's (its module never names an author's)
        for d in sorted(self.program.decls, key=lambda d: d.id in self.author):
            if isinstance(d, ir.ObjectDecl):
                for f in d.fields:
                    if d.id in self.tagged_variants and f.wire_name == self.tagged_variants[d.id]:
                        continue
                    visit(f.type, tuple(d.name) + (f.wire_name,), d.id, f.source or d.source, False)
                if d.additional is not None:
                    visit(d.additional, tuple(d.name) + ("additional",), d.id, d.source, False)
            elif isinstance(d, ir.AliasDecl):
                kind = self.kind[d.id]
                if kind == "union":
                    assert isinstance(d.target, ir.UnionType)
                    for i, v in enumerate(self.union_shape(d.target)[1]):
                        visit(v, tuple(d.name) + (f"variant{i + 1}",), d.id, d.source, True)
                elif kind in ("alias", "newtype"):
                    visit(d.target, tuple(d.name), d.id, d.source, False)

    def _assign_names(self) -> None:
        for d in naming_order(self.program.decls):
            stem = PurePosixPath(d.id.split("#", 1)[0]).name.split(".")[0]
            where = f"{d.source.file}#{d.source.pointer}" if d.source else d.id
            self.name_of[d.id] = self._claim(rust_pascal(*d.name), " ".join(d.name), where, stem, table=self._table(d.id))
        for s in self.synth.values():
            owner = self.name_of.get(s.owner, "")
            hint = owner + rust_pascal(*s.hint[1:]) if owner else rust_pascal(*s.hint)
            where = f"{s.source.file}#{s.source.pointer}" if s.source else s.owner
            stem = PurePosixPath(s.owner.split("#", 1)[0]).name.split(".")[0]
            self.name_of[s.key] = self._claim(hint, " ".join(s.hint), where, stem, table=self._table(s.key))
        for r in self.names.renames:
            self._report_type_rename(r)
        for r in self.author_names.renames:
            report_renames(self.diags, [r], f"Rust type (of {AUTHOR_MODULE})")

    def _table(self, key: str) -> NameTable:
        return self.author_names if key in self.author_keys else self.names

    def _claim(
        self, wanted: str, original: str, where: str, stem: str, report: bool = True, table: NameTable | None = None
    ) -> str:
        table = self.names if table is None else table
        if not wanted or not wanted[0].isalpha():
            wanted = "Type" + wanted
        prefixed = rust_pascal(stem) + wanted
        alternatives = itertools.chain([prefixed], (f"{wanted}{i}" for i in range(2, 1000)))
        before = len(table.renames)
        chosen = table.claim(wanted, original, where, alternatives=alternatives, fix_reserved=lambda n: prefixed)
        if not report:
            del table.renames[before:]
        return chosen

    def _report_type_rename(self, r: Rename) -> None:
        report_renames(self.diags, [r], "Rust type")

    # -- recursion ----------------------------------------------------------------------------
    def nominal(self, key: str) -> bool:
        return key in self.synth_by_key or self.kind.get(key) not in (None, "alias")

    def byval(self, e: ir.TypeExpr, seen: frozenset[str] = frozenset()) -> set[str]:
        """Nominal types ``e`` holds by value (not behind a Vec or a map)."""
        if isinstance(e, ir.RefType):
            if self.nominal(e.target):
                return {e.target}
            if e.target in seen:
                return set()
            d = self.decls[e.target]
            assert isinstance(d, ir.AliasDecl)
            return self.byval(d.target, seen | {e.target})
        if isinstance(e, ir.UnionType):
            shape, rest, _ = self.union_shape(e)
            if shape == "enum":
                return {self.synth[repr(e)].key} if repr(e) in self.synth else set()
            return self.byval(rest[0], seen) if shape == "single" and rest else set()
        if isinstance(e, ir.TupleType) and self._tuple_is_fixed(e):
            out: set[str] = set()
            for i in e.items:
                out |= self.byval(i, seen)
            return out
        return set()

    def _edges(self, key: str) -> set[str]:
        out: set[str] = set()
        for e in self._nominal_exprs(key):
            out |= self.byval(e)
        return out

    def _nominal_exprs(self, key: str) -> list[ir.TypeExpr]:
        if key in self.synth_by_key:
            e = self.synth_by_key[key].expr
            return self.union_shape(e)[1] if isinstance(e, ir.UnionType) else []
        d = self.decls[key]
        if isinstance(d, ir.ObjectDecl):
            return [f.type for f in d.fields]
        if isinstance(d, ir.AliasDecl):
            if self.kind[key] == "union":
                assert isinstance(d.target, ir.UnionType)
                return self.union_shape(d.target)[1]
            if self.kind[key] == "newtype":
                return [d.target]
        return []

    def _plan_boxes(self) -> None:
        nodes = sorted([k for k in self.kind if self.nominal(k)] + list(self.synth_by_key))
        edges = {k: self._edges(k) for k in nodes}
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        stack: list[str] = []
        on: set[str] = set()
        self.scc: dict[str, int] = {}
        counter = [0]

        def strong(v: str) -> None:  # Tarjan
            index[v] = low[v] = counter[0]
            counter[0] += 1
            stack.append(v)
            on.add(v)
            for w in sorted(edges.get(v, ())):
                if w not in index:
                    strong(w)
                    low[v] = min(low[v], low[w])
                elif w in on:
                    low[v] = min(low[v], index[w])
            if low[v] == index[v]:
                while True:
                    w = stack.pop()
                    on.discard(w)
                    self.scc[w] = index[v]
                    if w == v:
                        break

        for v in nodes:
            if v not in index:
                strong(v)
        sizes = collections.Counter(self.scc[x] for x in nodes)
        self.cyclic = {k for k in nodes if k in edges.get(k, set()) or sizes[self.scc[k]] > 1}

    def needs_box(self, owner: str | None, e: ir.TypeExpr) -> bool:
        if owner is None or owner not in self.cyclic:
            return False
        return any(self.scc.get(k) == self.scc[owner] for k in self.byval(e))

    # -- type expressions ---------------------------------------------------------------------
    def ref_name(self, key: str, qual: str = "") -> str:
        """The name of ``key`` where it is used: ``qual`` (``types::``) from another module of the
        crate (``component_types::`` for an author's type); in ``component_types``, a protocol
        type is ``types::Name``."""
        if qual:
            return (f"{AUTHOR_MODULE}::" if key in self.author_keys else qual) + self.name_of[key]
        if self.module == AUTHOR_MODULE and key not in self.author_keys:
            return "types::" + self.name_of[key]
        return self.name_of[key]

    def rtype(self, e: ir.TypeExpr, owner: str | None, byvalue: bool = True, qual: str = "") -> RType:
        """The Rust type of ``e`` used inside nominal type ``owner`` (``byvalue``: not behind a Vec or map)."""
        if isinstance(e, ir.AnyType):
            self.uses.add("Value")
            return RType("Value", nullable=True)
        if isinstance(e, ir.NullType):
            return RType("()", nullable=True)
        if isinstance(e, ir.BoolType):
            return RType("bool")
        if isinstance(e, ir.IntType):
            rust = _int_type(e, self.exact_integers)
            if rust == "Number":
                self.uses.add("Number")
            return RType(rust)
        if isinstance(e, ir.NumberType):
            self.uses.add("Number")
            return RType("Number")
        if isinstance(e, ir.StringType):
            return RType("String")
        if isinstance(e, ir.LiteralType):
            return RType(self.ref_name(self.synth[repr(e)].key, qual), nullable=e.value is None)
        if isinstance(e, ir.RefType):
            text = self.ref_name(e.target, qual)
            kind = self.kind[e.target]
            nullable = option = False
            if kind in ("alias", "newtype", "union"):
                target = self.decls[e.target]
                assert isinstance(target, ir.AliasDecl)
                inner = self._shallow(target.target)
                nullable, option = inner.nullable, inner.option and kind == "alias"
            elif kind == "literal":
                target = self.decls[e.target]
                assert isinstance(target, ir.AliasDecl) and isinstance(target.target, ir.LiteralType)
                nullable = target.target.value is None
            if byvalue and self.needs_box(owner, e):
                text = f"Box<{text}>"
            return RType(text, option=option, nullable=nullable)
        if isinstance(e, ir.ArrayType):
            return RType(f"Vec<{self.rtype(e.items, owner, False, qual).text}>")
        if isinstance(e, ir.TupleType):
            if self._tuple_is_fixed(e):
                parts = [self.rtype(i, owner, byvalue, qual).text for i in e.items]
                return RType("(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")")
            if not e.items and e.rest is not None:
                return RType(f"Vec<{self.rtype(e.rest, owner, False, qual).text}>")
            self.uses.add("Value")
            return RType("Vec<Value>")
        if isinstance(e, ir.MapType):
            self.uses.add("BTreeMap")
            return RType(f"BTreeMap<String, {self.rtype(e.values, owner, False, qual).text}>")
        if isinstance(e, ir.UnionType):
            shape, rest, has_null = self.union_shape(e)
            if shape == "any":
                self.uses.add("Value")
                return RType("Value", nullable=True)
            if shape == "single":
                if not rest:
                    return RType("()", nullable=True)
                inner = self.rtype(rest[0], owner, byvalue, qual)
                if has_null and not inner.nullable:
                    return RType(f"Option<{inner.text}>", option=True, nullable=True)
                return inner
            text = self.ref_name(self.synth[repr(e)].key, qual)
            if byvalue and self.needs_box(owner, e):
                text = f"Box<{text}>"
            return RType(text, nullable=has_null)
        raise TypeError(e)

    def _shallow(self, e: ir.TypeExpr) -> RType:
        """Nullability of an alias target without naming anything."""
        if isinstance(e, (ir.AnyType, ir.NullType)):
            return RType("", nullable=True)
        if isinstance(e, ir.LiteralType):
            return RType("", nullable=e.value is None)
        if isinstance(e, ir.UnionType):
            shape, rest, has_null = self.union_shape(e)
            if shape == "any":
                return RType("", nullable=True)
            if shape == "single" and rest:
                inner = self._shallow(rest[0])
                if has_null and not inner.nullable:
                    return RType("", option=True, nullable=True)
                return inner
            return RType("", nullable=has_null)
        if isinstance(e, ir.RefType) and self.kind.get(e.target) in ("alias",):
            d = self.decls[e.target]
            assert isinstance(d, ir.AliasDecl)
            return self._shallow(d.target)
        return RType("")

    # -- JSON kinds (for union dispatch) ------------------------------------------------------
    def json_kind(self, e: ir.TypeExpr, depth: int = 0) -> str | None:
        """The one JSON kind every value of ``e`` has, or None."""
        if depth > 20:
            return None
        if isinstance(e, ir.BoolType):
            return "boolean"
        if isinstance(e, ir.IntType):
            return "integer"
        if isinstance(e, ir.NumberType):
            return "number"
        if isinstance(e, ir.StringType):
            return "string"
        if isinstance(e, (ir.ArrayType, ir.TupleType)):
            return "array"
        if isinstance(e, ir.MapType):
            return "object"
        if isinstance(e, ir.NullType):
            return "null"
        if isinstance(e, ir.RefType):
            d = self.decls[e.target]
            if isinstance(d, ir.ObjectDecl):
                return "object"
            if isinstance(d, ir.EnumDecl):
                return "string" if d.value_kind == "string" else "integer"
            kinds = {self.json_kind(v, depth + 1) for v in self._alias_variants(d)}
            return kinds.pop() if len(kinds) == 1 else None
        if isinstance(e, ir.UnionType):
            shape, rest, has_null = self.union_shape(e)
            kinds = {self.json_kind(v, depth + 1) for v in rest}
            return kinds.pop() if len(kinds) == 1 and not has_null else None
        return None

    def _alias_variants(self, d: ir.AliasDecl) -> list[ir.TypeExpr]:
        t = d.target
        if isinstance(t, ir.UnionType):
            shape, rest, has_null = self.union_shape(t)
            return rest + ([ir.NullType()] if has_null else []) if shape != "any" else [ir.AnyType()]
        return [t]

    # -- validation ---------------------------------------------------------------------------
    def _int_checks(self, e: ir.IntType, rust: str) -> list[tuple[str, object]]:
        lo, hi = INT_RANGES.get(rust, (None, None))
        c = e.constraints
        out: list[tuple[str, object]] = []
        if c.minimum is not None and (lo is None or c.minimum > lo):
            out.append(("minimum", c.minimum))
        if c.exclusive_minimum is not None and (lo is None or c.exclusive_minimum >= lo):
            out.append(("exclusive_minimum", c.exclusive_minimum))
        if c.maximum is not None and (hi is None or c.maximum < hi):
            out.append(("maximum", c.maximum))
        if c.exclusive_maximum is not None and (hi is None or c.exclusive_maximum <= hi):
            out.append(("exclusive_maximum", c.exclusive_maximum))
        if c.multiple_of is not None and c.multiple_of != 1:
            out.append(("multiple_of", c.multiple_of))
        return out

    def field_names(self, d: ir.ObjectDecl, fields: list[ir.Field]) -> list[str]:
        table = NameTable("rust field", RESERVED_FIELD_NAMES | NOT_RAW)
        # names already in snake case claim first (a set of indexes: linear in the property count)
        exact = {i for i, f in enumerate(fields) if snake(f.wire_name) == f.wire_name}
        order = [f for i, f in enumerate(fields) if i in exact] + [f for i, f in enumerate(fields) if i not in exact]
        chosen: dict[str, str] = {}
        where = f"{d.source.file}#{d.source.pointer}" if d.source else d.id
        for f in order:
            want = snake(f.wire_name) or "field"
            if want[0].isdigit():
                want = "field_" + want
            name = table.claim(want, f.wire_name, where)
            if name in KEYWORDS:
                chosen[f.wire_name] = "r#" + name
                self.diags.info(
                    "raw-identifier",
                    *_src(d.source),
                    f"property {f.wire_name!r} of {self.name_of[d.id]} is the Rust field r#{name} ({name!r} is a keyword)",
                )
            else:
                chosen[f.wire_name] = name
        for r in table.renames:
            self.diags.add(
                Severity.WARNING if "already used" in r.reason else Severity.INFO,
                "field-renamed",
                *_src(d.source),
                f"property {r.original!r} of {self.name_of[d.id]} is the Rust field {r.chosen!r} ({r.reason})",
            )
        return [chosen[f.wire_name] for f in fields]

    def render_decls(self, module: str = "types") -> list[RDecl]:
        """Every declaration of ``module`` (``types`` or ``component_types``), sorted by Rust name."""
        self.module = module
        mine = module == AUTHOR_MODULE
        out = [self.decl(d) for d in self.program.decls if (d.id in self.author_keys) == mine]
        out += [self.synth_decl(s) for s in self.synth.values() if (s.key in self.author_keys) == mine]
        return sorted(out, key=lambda r: (r.name, r.key))

    def _comment(self, source: ir.Source | None, key: str) -> str:
        where = f"{source.file}#{source.pointer}" if source else key
        return "// " + rust_comment(f"from {where}")

    def decl(self, d: ir.Decl) -> RDecl:
        name = self.name_of[d.id]
        kind = self.kind[d.id]
        r = RDecl(kind, name, d.id, doc=rust_doc(d.doc), comment=self._comment(d.source, d.id))
        if isinstance(d, ir.ObjectDecl):
            self._struct(d, r)
        elif isinstance(d, ir.EnumDecl):
            self._enum(d, r)
        else:
            if kind == "literal":
                assert isinstance(d.target, ir.LiteralType)
                self._literal(d.target, r, d.source)
            elif kind == "empty":
                r.kind = "struct"
                r.closed = True
                r.derive_default = True
                self.uses.add("serde")
            elif kind == "union":
                assert isinstance(d.target, ir.UnionType)
                self._union(d.target, r, d.source)
            elif kind == "newtype":
                self.uses.add("serde")
                r.target = self.rtype(d.target, d.id).text
            else:
                r.target = self.rtype(d.target, None).text
        return r

    def synth_decl(self, s: Synth) -> RDecl:
        name = self.name_of[s.key]
        r = RDecl("literal", name, s.key, comment=self._comment(s.source, s.key))
        if isinstance(s.expr, ir.LiteralType):
            self._literal(s.expr, r, s.source)
        else:
            assert isinstance(s.expr, ir.UnionType)
            r.kind = "union"
            self._union(s.expr, r, s.source, s.key)
        return r

    def _literal(self, lit: ir.LiteralType, r: RDecl, source: ir.Source | None) -> None:
        self.uses.add("serde")
        self.uses.add("rt")
        r.kind = "literal"
        v = lit.value
        if v is None:
            r.literal_kind, r.literal_value = "null", "()"
        elif isinstance(v, bool):
            r.literal_kind, r.literal_value = "bool", "true" if v else "false"
        elif isinstance(v, int):
            if not -(2**63) <= v < 2**63:
                self._warn(source, "unsupported", f"the const {v} does not fit an i64", Severity.ERROR)
            r.literal_kind, r.literal_value = "int", rust_int(v)
        else:
            r.literal_kind, r.literal_value = "str", self._str(v, source)
        if not r.doc:
            r.doc = rust_doc(f"Always `{json.dumps(v, ensure_ascii=False)}` (a `const`).")

    def _str(self, value: str, source: ir.Source | None) -> str:
        try:
            return rust_str(value)
        except NotRepresentable as e:
            self._warn(source, "unsupported", str(e), Severity.ERROR)
            return '""'

    def _struct(self, d: ir.ObjectDecl, r: RDecl) -> None:
        self.uses.add("serde")
        fields = [f for f in d.fields if not (d.id in self.tagged_variants and f.wire_name == self.tagged_variants[d.id])]
        idents = self.field_names(d, fields)
        closed = d.closed and self._closed_by_additional(d)
        additional = d.additional if closed or not d.closed else ir.AnyType()
        r.closed = closed
        if d.id in self.tagged_variants:
            r.tag = self._str(self.tagged_variants[d.id], d.source)
            r.tag_value = self._str(self.tagged_values[d.id], d.source)
        lines: list[str] = []
        all_optional = True
        for ident, f in zip(idents, fields):
            t = self.rtype(f.type, d.id)
            chunk: list[str] = []
            doc = f.doc or ""
            applied = not f.required and self._applies_default(f, d)
            if f.default is not ir.MISSING:
                shown = json.dumps(f.default, ensure_ascii=False)
                doc += ("\n\n" if doc else "") + (
                    (f"Default: `{shown}` (decoded when absent; not written when equal)." if d.id not in self.write_defaults
                     else f"Default: `{shown}` (decoded when absent; written, as component data is).") if applied
                    else f"Default: `{shown}` (applied by the reader, not by serde)."
                )
            if f.deprecated:
                doc += ("\n\n" if doc else "") + "Deprecated."
            if doc:
                chunk.append(rust_doc(doc, 4))
            if unraw(ident) != f.wire_name:
                chunk.append(layout.attr(4, "serde", [f"rename = {self._str(f.wire_name, f.source or d.source)}"]))
            if f.required:
                all_optional = False
                ty = t.text
                if t.option:
                    self.uses.add("rt")
                    chunk.append(layout.attr(4, "serde", ['deserialize_with = "rt::required"']))
            elif applied:
                all_optional = False  # a derived Default would not be the schema's
                self.uses.add("rt")
                ty = t.text
                bare = unraw(ident)
                default_fn, is_default_fn = f"default_{bare}", f"is_default_{bare}"
                omit = d.id not in self.write_defaults
                attrs = [f'default = "{r.name}::{default_fn}"']
                if omit:
                    attrs.append(f'skip_serializing_if = "{r.name}::{is_default_fn}"')
                chunk.append(layout.attr(4, "serde", attrs))
                text = self._str(json.dumps(f.default, ensure_ascii=False, separators=(",", ":")), f.source or d.source)
                static = f"        static DEFAULT: rt::Json = rt::Json::new({text});"
                r.defaults.append(
                    f"    fn {default_fn}() -> {ty} {{\n{static}\n        rt::default_of(&DEFAULT)\n    }}"
                )
                if omit:
                    r.defaults.append(
                        f"    fn {is_default_fn}<T: Serialize>(value: &T) -> bool {{\n{static}\n        rt::is_default(value, &DEFAULT)\n    }}"
                    )
            else:
                self.uses.add("rt")
                ty = f"Option<{t.text}>"
                chunk.append(
                    layout.attr(4, "serde", ["default", 'skip_serializing_if = "Option::is_none"', 'deserialize_with = "rt::some"'])
                )
            chunk.append(layout.field(4, f"pub {ident}", ty))
            lines.append("\n".join(chunk))
        if additional is not None:
            if isinstance(additional, ir.AnyType):
                self.uses.update({"Map", "Value"})
                extra = "Map<String, Value>"
            else:
                self.uses.add("BTreeMap")
                extra = f"BTreeMap<String, {self.rtype(additional, d.id, False).text}>"
            lines.append(
                rust_doc("The properties the schema does not declare, kept as they came (written back on encode).", 4)
                + "\n    #[serde(flatten)]\n"
                + layout.field(4, "pub additional_properties", extra)
            )
        r.fields = lines
        r.derive_default = all_optional

    # -- defaults (--defaults apply) ------------------------------------------------------------
    def _applies_default(self, f: ir.Field, d: ir.ObjectDecl) -> bool:
        """Whether the optional field ``f`` takes its schema default when absent: ``--defaults
        apply``, a default the field's Rust type holds and the schema accepts (else a warning)."""
        if not self.apply_defaults or f.default is ir.MISSING:
            return False
        why = None
        if not self._default_fits(f.type, f.default):
            why = "its Rust type cannot hold it"
        else:
            if self._default_check is None:
                self._default_check = DefaultCheck(self.decls, self.program.validation)
            why = self._default_check.problem(d, f)
        if why is None:
            return True
        self._warn(
            f.source or d.source,
            "default-not-applied",
            f"the default {json.dumps(f.default, ensure_ascii=False)[:80]} is not applied: {why}; the field stays an Option (None when absent)",
        )
        return False

    def _default_fits(self, e: ir.TypeExpr, value: object, depth: int = 0) -> bool:
        """Whether the JSON ``value`` decodes as the Rust type of ``e`` (objects never: a default
        holding a struct is not applied, as in the Python target)."""
        if depth > 30:
            return False
        if isinstance(e, ir.AnyType):
            return True  # a serde_json::Value
        if isinstance(e, ir.NullType):
            return value is None
        if isinstance(e, ir.BoolType):
            return isinstance(value, bool)
        if isinstance(e, ir.IntType):
            if not isinstance(value, int) or isinstance(value, bool):
                return False
            lo, hi = INT_RANGES.get(_int_type(e, self.exact_integers), (None, None))
            return lo is None or hi is None or lo <= value <= hi
        if isinstance(e, ir.NumberType):
            return isinstance(value, (int, float)) and not isinstance(value, bool)
        if isinstance(e, ir.StringType):
            return isinstance(value, str)
        if isinstance(e, ir.LiteralType):
            return type(value) is type(e.value) and value == e.value
        if isinstance(e, ir.RefType):
            target = self.decls[e.target]
            if isinstance(target, ir.EnumDecl):
                return any(type(m.value) is type(value) and m.value == value for m in target.members)
            if isinstance(target, ir.AliasDecl):
                return self._default_fits(target.target, value, depth + 1)
            if isinstance(target, ir.ObjectDecl):
                # decoded by serde from the default's JSON, as a document is (rt::default_of): each
                # value must fit its field's Rust type; required keys and closedness are the shared check's
                if not isinstance(value, dict):
                    return False
                by_wire = {f.wire_name: f for f in target.fields}
                for k, x in value.items():
                    f = by_wire.get(k)
                    t = f.type if f is not None else target.additional
                    if t is not None and not self._default_fits(t, x, depth + 1):
                        return False
                return True
            return False
        if isinstance(e, ir.ArrayType):
            return isinstance(value, list) and all(self._default_fits(e.items, x, depth + 1) for x in value)
        if isinstance(e, ir.TupleType):
            if not isinstance(value, list):
                return False
            if self._tuple_is_fixed(e):
                return len(value) == len(e.items) and all(self._default_fits(t, x, depth + 1) for t, x in zip(e.items, value))
            if not e.items and e.rest is not None:
                return all(self._default_fits(e.rest, x, depth + 1) for x in value)
            return not _holds_object(value)
        if isinstance(e, ir.MapType):
            return isinstance(value, dict) and all(self._default_fits(e.values, x, depth + 1) for x in value.values())
        if isinstance(e, ir.UnionType):
            shape, rest, has_null = self.union_shape(e)
            if value is None:
                return has_null or shape == "any"
            if shape == "any":
                return True
            # a dispatched union decodes the default as it decodes a document: the variant that accepts it
            return any(self._default_fits(v, value, depth + 1) for v in rest)
        return False

    def _closed_by_additional(self, d: ir.ObjectDecl) -> bool:
        """A closed object stays a ``deny_unknown_fields`` struct only when ``additionalProperties:
        false`` closes it; else serde keeps unknown keys in a flattened map and the schema checks
        decide (the shared decision, :mod:`...analysis.objects`)."""
        return self._closes(d.id)

    def _closes(self, decl: str, empty: bool = False) -> bool:
        return closed_by_additional(self.program, decl, empty)

    def _enum(self, d: ir.EnumDecl, r: RDecl) -> None:
        self.uses.add("serde")
        self.uses.add("rt")
        table = NameTable("rust enum variant", RESERVED_VARIANT_NAMES)
        for m in d.members:
            if m.name_hint:
                want = rust_pascal(m.name_hint)
            elif isinstance(m.value, int):
                want = ("Minus" if m.value < 0 else "Value") + str(abs(m.value))
            else:
                want = rust_pascal(m.value) or "Empty"
            if not want[0].isalpha():
                want = "Value" + want
            ident = claim_pascal(table, want, str(m.value))
            if isinstance(m.value, int):
                if not -(2**63) <= m.value < 2**63:
                    self._warn(d.source, "unsupported", f"the enum value {m.value} does not fit an i64", Severity.ERROR)
                literal = rust_int(m.value)
            else:
                literal = self._str(m.value, d.source)
            r.members.append((ident, literal, rust_doc(m.doc, 4)))

    def _union(self, u: ir.UnionType, r: RDecl, source: ir.Source | None, key: str | None = None) -> None:
        self.uses.add("serde")
        self.uses.add("rt")
        key = key or r.key
        shape, rest, has_null = self.union_shape(u)
        table = NameTable("rust union variant", RESERVED_VARIANT_NAMES)
        disc = u.discriminator
        tags: dict[str, tuple[object, ...]] = {}
        if isinstance(disc, ir.TagDiscriminator) and disc.values and len(disc.values) == len(u.variants):
            tags = {repr(v): tuple(vals) for v, vals in zip(u.variants, disc.values)}
        if repr(u) in self.tagged_unions:
            r.kind = "tagged"
            assert isinstance(disc, ir.TagDiscriminator)
            r.tag = self._str(disc.property, source)
        for v in rest:
            want = self._variant_name(v, r.name)
            name = claim_pascal(table, want, want, fix="Variant")
            if isinstance(v, ir.LiteralType):
                r.variants.append(UVariant(name, None, literal=v.value))
                continue
            payload = self.rtype(v, key)
            r.variants.append(UVariant(name, payload, kind=self.json_kind(v), tags=tags.get(repr(v), ()), expr=v))
        if has_null:
            r.variants.append(UVariant(claim_pascal(table, "Null", "null"), None, literal=None))
        if r.kind == "union" and tags and all(isinstance(v, ir.RefType) for v in rest) and len(rest) == len(u.variants):
            kinds = {type(t) for vals in tags.values() for t in vals}
            if len(kinds) == 1 and kinds.pop() in (str, int, bool) and all(tags.values()):
                assert isinstance(disc, ir.TagDiscriminator)
                r.tag = self._str(disc.property, source)
                first = next(iter(tags.values()))[0]
                r.tag_kind = "bool" if isinstance(first, bool) else "int" if isinstance(first, int) else "str"


    def _variant_name(self, v: ir.TypeExpr, union: str) -> str:
        if isinstance(v, ir.RefType):
            name = self.name_of[v.target]
            if name.startswith(union) and len(name) > len(union) and name[len(union)].isupper():
                return name[len(union) :]
            return name
        if isinstance(v, ir.LiteralType):
            x = v.value
            if isinstance(x, bool):
                return "True" if x else "False"
            if isinstance(x, int):
                return ("Minus" if x < 0 else "Value") + str(abs(x))
            if x is None:
                return "Null"
            name = rust_pascal(x) or "Empty"
            return name if name[0].isalpha() else "Value" + name
        return {
            "bool": "Boolean",
            "int": "Integer",
            "number": "Number",
            "string": "String",
            "array": "Array",
            "tuple": "Tuple",
            "map": "Object",
            "null": "Null",
            "union": "Union",
        }.get(v.kind, "Variant")


def _holds_object(value: object) -> bool:
    if isinstance(value, dict):
        return True
    return isinstance(value, list) and any(_holds_object(x) for x in value)


def _empty_object(t: ir.MapType) -> bool:
    c = t.constraints
    return c.max_properties == 0 and t.key_pattern is None and c.min_properties in (None, 0)


def int_bounds(c: ir.Constraints) -> tuple[int | float | None, int | float | None]:
    """The least and greatest integer the bounds allow (None: unbounded on that side)."""
    lo = c.minimum if c.minimum is not None else (c.exclusive_minimum + 1 if isinstance(c.exclusive_minimum, int) else None)
    if lo is None and isinstance(c.exclusive_minimum, float):
        lo = math.floor(c.exclusive_minimum) + 1
    hi = c.maximum if c.maximum is not None else (c.exclusive_maximum - 1 if isinstance(c.exclusive_maximum, int) else None)
    if hi is None and isinstance(c.exclusive_maximum, float):
        hi = math.ceil(c.exclusive_maximum) - 1
    return lo, hi


def _int_type(e: ir.IntType, exact: bool = False) -> str:
    """The Rust type of an integer: from ``format``; else ``u64`` when ``minimum >= 0``, else
    ``i64`` (``--integers native``); with ``--integers exact`` those only when the bounds prove the
    value fits, else ``Number`` (any JSON integer, exactly)."""
    if e.format in INT_TYPES:
        return INT_TYPES[e.format]
    if not exact:
        c = e.constraints
        lo = c.minimum if c.minimum is not None else (c.exclusive_minimum + 1 if isinstance(c.exclusive_minimum, int) else None)
        return "u64" if lo is not None and lo >= 0 else "i64"
    lo, hi = int_bounds(e.constraints)
    if lo is not None and hi is not None and math.isfinite(lo) and math.isfinite(hi):
        if lo >= 0 and hi <= INT_RANGES["u64"][1]:
            return "u64"
        if INT_RANGES["i64"][0] <= lo and hi <= INT_RANGES["i64"][1]:
            return "i64"
    return "Number"
