"""IR -> TypeScript types: the naming policy and the type mapping.

A TypeScript type is first built as a small tree (:class:`TsType`), then laid out the way prettier
would print it (:func:`type_doc`).  Names come only from :class:`TsNames`; schema text reaches the
output only through ``escape.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath

from ...diagnostics import Diagnostics
from ...ir import model as ir
from ..naming import enum_member_names as shared_enum_member_names
from ..naming import NameTable, naming_order, pascal, report_renames
from . import layout as L
from .escape import ts_key, ts_literal

# ---------------------------------------------------------------------------------------------
# naming policy
# ---------------------------------------------------------------------------------------------

# Type names are PascalCase, so lowercase keywords (class, string, unknown...) can never be chosen;
# what must be avoided are the global names generated code (or its users) refer to: shadowing
# `Array` or `Error` in a module breaks `Array.isArray` and `extends Error`.
ES_GLOBALS = frozenset(
    """
    AggregateError Array ArrayBuffer ArrayBufferLike ArrayBufferView ArrayLike AsyncGenerator
    AsyncGeneratorFunction AsyncIterable AsyncIterableIterator AsyncIterator Atomics Awaited BigInt
    BigInt64Array BigUint64Array Boolean Capitalize ConcatArray ConstructorParameters DataView Date
    Error ErrorConstructor EvalError Exclude Extract FinalizationRegistry Float32Array Float64Array
    Function Generator GeneratorFunction Infinity InstanceType Int16Array Int32Array Int8Array Intl
    Iterable IterableIterator Iterator IteratorResult JSON Lowercase Map Math NaN NoInfer NonNullable
    Number Object Omit OmitThisParameter Parameters Partial Pick Promise PromiseLike PropertyDescriptor
    PropertyKey Proxy RangeError Readonly ReadonlyArray ReadonlyMap ReadonlySet Record ReferenceError
    Reflect RegExp Required ReturnType Set SharedArrayBuffer String Symbol SyntaxError
    TemplateStringsArray ThisParameterType ThisType TypeError TypedPropertyDescriptor URIError
    Uint16Array Uint32Array Uint8Array Uint8ClampedArray Uncapitalize Uppercase WeakMap WeakRef WeakSet
    """.split()
)
# names the generated modules define themselves (types.ts, methods.ts) or import under
GENERATED_NAMES = frozenset(
    """
    JsonValue Methods MethodName RequestMethod NotificationMethod ClientMethod ServerMethod ParamsOf
    ResultOf ErrorCodeOf Direction MethodSpec METHODS JsonRpcId JsonRpcErrorObject JsonRpcRequest
    JsonRpcNotification JsonRpcSuccess JsonRpcErrorResponse JsonRpcResponse JsonRpcMessage
    UntypedSuccess DecodedMessage MessageError Handlers JSONRPC_ERROR RequestOf NotificationOf SuccessOf
    """.split()
)
RESERVED_TYPE_NAMES = ES_GLOBALS | GENERATED_NAMES
APPLY_NAMES = frozenset({"ValidationError"})
"""Names index.ts also exports with ``--defaults apply`` (reserved only then: the default output's
names never change)."""
AUTHOR_MODULE = "component_types"
"""The module of the component authors' types and validators (``types.ts`` holds the protocol's)."""
PROTOCOL_NAMESPACE = "protocol"
"""How ``component_types.ts`` names ``types.ts`` (``protocol.Error``): no author's name can shadow it."""
PROTOCOL_VALIDATORS = "protocolValidators"
"""How ``component_types.ts`` names ``validators.ts`` when it checks a value against a protocol type
(``protocolValidators.isError``, a union's variant in a defaults plan): lower-case, as no type name is."""
AUTHOR_MODULE_NAMES = frozenset({"TYPES_BY_SCHEMA_ID"})
"""Names ``component_types.ts`` declares besides its types."""


def _base_name(d: ir.Decl) -> str:
    name = pascal(*d.name) or "Type"
    if name[0].isdigit():
        name = "T" + name
    return name


def _where(d: ir.Decl) -> str:
    return f"{d.source.file}#{d.source.pointer}" if d.source else d.id


class TsNames:
    """Type names for every declaration: PascalCase, reserved names and clashes resolved with the
    schema file's name as a prefix, then ``_2``, ``_3``...; every rename is reported.

    The component authors' declarations (``authors``: they live in ``component_types.ts``) have a
    name table of their own, so their names may be the protocol's too."""

    def __init__(
        self,
        decls: list[ir.Decl],
        diags: Diagnostics,
        authors: frozenset[str] = frozenset(),
        inputs: frozenset[str] = frozenset(),
        apply: bool = False,
    ):
        """``inputs``: declarations that also get an input type (``XInput``); ``apply``: ``--defaults apply``."""
        reserved = RESERVED_TYPE_NAMES | (APPLY_NAMES if apply else frozenset())
        self.table = NameTable("typescript type", reserved)
        self.author_table = NameTable("typescript component type", reserved | AUTHOR_MODULE_NAMES)
        self.of: dict[str, str] = {}
        self.input_of: dict[str, str] = {}

        for d in naming_order(decls):
            wanted = _base_name(d)
            stem = PurePosixPath(d.id.split("#", 1)[0]).name.split(".")[0]
            prefixed = pascal(stem) + wanted
            table = self.author_table if d.id in authors else self.table
            self.of[d.id] = table.claim(
                wanted,
                " ".join(d.name),
                _where(d),
                alternatives=[prefixed],
                fix_reserved=lambda n, p=prefixed: p,
            )
        # after every schema name: an input type never takes a name from a schema type
        for d in naming_order([d for d in decls if d.id in inputs]):
            table = self.author_table if d.id in authors else self.table
            self.input_of[d.id] = table.claim(self.of[d.id] + "Input", " ".join(d.name) + " (input)", _where(d))
        report_renames(diags, self.table.renames, "TypeScript type")
        report_renames(diags, self.author_table.renames, f"TypeScript type (of {AUTHOR_MODULE}.ts)")


def enum_member_names(d: ir.EnumDecl) -> list[str]:
    """Identifiers for the members of an integer enum's ``const`` object."""
    return shared_enum_member_names(d.members, "typescript enum member")


# ---------------------------------------------------------------------------------------------
# type trees
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TsType:
    kind: str
    """ref, keyword, literal, null, array, tuple, object, union"""
    text: str = ""
    """ref: the name; keyword: the keyword; literal: the literal"""
    items: tuple[TsType, ...] = ()
    """array: (item,); tuple: elements; union: members"""
    optional_from: int | None = None
    """tuple: elements from this index on are optional"""
    rest: TsType | None = None
    members: tuple[Member, ...] = ()
    """object type literal members"""


@dataclass(frozen=True)
class Member:
    key: str
    """Already a valid property name (identifier or string literal); ``""`` for the index signature."""
    type: TsType
    optional: bool = False
    doc: str | None = None
    deprecated: bool = False
    tags: tuple[str, ...] = ()
    index: bool = False


def ref(name: str) -> TsType:
    return TsType("ref", name)


def keyword(name: str) -> TsType:
    return TsType("keyword", name)


NULL = TsType("null", "null")
NEVER = keyword("never")
UNKNOWN = keyword("unknown")
JSON_VALUE = ref("JsonValue")


def literal(value: str | int | bool | None) -> TsType:
    if value is None:
        return NULL
    return TsType("literal", ts_literal(value))


def union(types: list[TsType]) -> TsType:
    flat: list[TsType] = []
    seen: set[str] = set()
    for t in types:
        for m in t.items if t.kind == "union" else (t,):
            key = flat_text(m)
            if key not in seen:
                seen.add(key)
                flat.append(m)
    if any(m.kind == "keyword" and m.text == "unknown" for m in flat):
        return UNKNOWN
    flat = [m for m in flat if not (m.kind == "keyword" and m.text == "never")] or [NEVER]
    # null last, as people write it
    flat = [m for m in flat if m.kind != "null"] + [m for m in flat if m.kind == "null"]
    if len(flat) == 1:
        return flat[0]
    return TsType("union", items=tuple(flat))


def flat_text(t: TsType) -> str:
    """A canonical one-line spelling (used to drop duplicate union members)."""
    if t.kind == "union":
        return " | ".join(flat_text(m) for m in t.items)
    if t.kind == "array":
        inner = flat_text(t.items[0])
        return f"({inner})[]" if t.items[0].kind == "union" else inner + "[]"
    if t.kind == "tuple":
        parts = [flat_text(x) + ("?" if t.optional_from is not None and i >= t.optional_from else "") for i, x in enumerate(t.items)]
        if t.rest is not None:
            parts.append("..." + flat_text(TsType("array", items=(t.rest,))))
        return "[" + ", ".join(parts) + "]"
    if t.kind == "object":
        return "{ " + "; ".join(("[key: string]" if m.index else m.key + ("?" if m.optional else "")) + ": " + flat_text(m.type) for m in t.members) + " }"
    return t.text


# ---------------------------------------------------------------------------------------------
# layout of types (prettier's printing of TS types)
# ---------------------------------------------------------------------------------------------


def _hugs(t: TsType) -> bool:
    """prettier prints ``X | null`` (one reference/object type plus nulls) on one line, never broken."""
    objectish = [m for m in t.items if m.kind in ("ref", "object")]
    return len(objectish) >= 1 and all(m is objectish[0] or m.kind == "null" for m in t.items)


def type_doc(t: TsType, parent: str = "other") -> L.Doc:
    """``parent``: 'array' / 'optional' (needs parentheses), 'tuple' (an element of a tuple with
    more than one element), anything else."""
    if t.kind in ("ref", "keyword", "literal", "null"):
        return t.text
    if t.kind == "array":
        item = t.items[0]
        if item.kind == "union":
            return ["(", _union_doc(item, "array"), ")[]"]
        return [type_doc(item, "array"), "[]"]
    if t.kind == "tuple":
        if not t.items and t.rest is None:
            return "[]"
        parent_ctx = "tuple" if len(t.items) + (t.rest is not None) > 1 else "tuple1"
        elems: list[L.Doc] = []
        for i, item in enumerate(t.items):
            if t.optional_from is not None and i >= t.optional_from:
                if item.kind == "union":
                    elems.append(["(", _union_doc(item, "optional"), ")?"])
                else:
                    elems.append([type_doc(item, "optional"), "?"])
            else:
                elems.append(type_doc(item, parent_ctx))
        if t.rest is not None:
            elems.append(["...", type_doc(TsType("array", items=(t.rest,)), "other")])
        return L.Group(["[", L.Indent([L.SOFTLINE, L.join([",", L.LINE], elems)]), L.IfBreak(","), L.SOFTLINE, "]"])
    if t.kind == "object":
        if not t.members:
            return "{}"
        members = [member_doc(m) for m in t.members]
        body = L.join([L.IfBreak(";", "; "), L.LINE], members)
        return L.Group(["{", L.Indent([L.LINE, body, L.IfBreak(";")]), L.LINE, "}"])
    if t.kind == "union":
        return _union_doc(t, parent)
    raise ValueError(t.kind)


def _union_doc(t: TsType, parent: str) -> L.Doc:
    printed = [type_doc(m, "other") for m in t.items]
    if _hugs(t):
        return L.join(" | ", printed)
    should_indent = parent not in ("tuple", "tuple1")
    aligned = [L.Indent(p) if not isinstance(p, str) else p for p in printed]
    code: list[L.Doc] = [L.IfBreak([L.LINE if should_indent else "", "| "]), L.join([L.LINE, "| "], aligned)]
    if parent in ("array", "optional"):
        return L.Group([L.Indent(code), L.SOFTLINE])
    if parent == "tuple":
        return L.Group([L.Indent([L.IfBreak(["(", L.SOFTLINE]), code]), L.SOFTLINE, L.IfBreak(")")])
    if parent == "tuple1":
        return L.Group(code)
    return L.Group(L.Indent(code))


def member_doc(m: Member) -> L.Doc:
    if m.index:
        return [L.Group(["[", L.Indent([L.SOFTLINE, "key: string"]), L.SOFTLINE, "]"]), ": ", type_doc(m.type, "member")]
    return [m.key, "?" if m.optional else "", ": ", type_doc(m.type, "member")]


# ---------------------------------------------------------------------------------------------
# the mapping
# ---------------------------------------------------------------------------------------------


@dataclass
class TsMapper:
    program_decls: dict[str, ir.Decl]
    names: dict[str, str]
    exclusive_keys: dict[str, list[str]] = field(default_factory=dict)
    """Closed object id -> keys of sibling variants in presence-discriminated unions (``?: never``)."""
    applied: frozenset[tuple[str, str]] = frozenset()
    """(object id, wire name) of the optional properties a decoded value always holds (their schema
    default is applied, ``--defaults apply``): not optional in this mapping's types."""

    def expr(self, e: ir.TypeExpr, bare: frozenset[str] = frozenset()) -> TsType:
        """``bare``: aliases that may not be referred to here (see :func:`bare_cycles`)."""
        if isinstance(e, ir.AnyType):
            return JSON_VALUE
        if isinstance(e, ir.NullType):
            return NULL
        if isinstance(e, ir.BoolType):
            return keyword("boolean")
        if isinstance(e, (ir.IntType, ir.NumberType)):
            return keyword("number")
        if isinstance(e, ir.StringType):
            return keyword("string")
        if isinstance(e, ir.LiteralType):
            return literal(e.value)
        if isinstance(e, ir.RefType):
            return JSON_VALUE if e.target in bare else ref(self.names[e.target])
        if isinstance(e, ir.ArrayType):
            return TsType("array", items=(self.expr(e.items),))
        if isinstance(e, ir.TupleType):
            return self._tuple(e)
        if isinstance(e, ir.MapType):
            if e.constraints.max_properties == 0:
                values = NEVER
            else:
                values = self.expr(e.values)
            return TsType("object", members=(Member("", values, index=True),))
        if isinstance(e, ir.UnionType):
            return union([self.expr(v, bare) for v in e.variants])
        raise TypeError(e)

    def _tuple(self, e: ir.TupleType) -> TsType:
        items = tuple(self.expr(i) for i in e.items)
        c = e.constraints
        if c.max_items is not None and c.max_items < len(items):
            items = items[: c.max_items]
            rest = None
        else:
            rest = self.expr(e.rest) if e.rest is not None and c.max_items != len(items) else None
        min_items = c.min_items or 0
        optional_from = min_items if min_items < len(items) else None
        if not items and rest is not None:
            return TsType("array", items=(rest,))
        # TypeScript resolves the type of an optional or rest element eagerly, so an array or tuple
        # there that leads back to the tuple is "circularly references itself" (TS2456): spell
        # optional elements as a union of lengths (exact), widen such a rest to JsonValue
        if rest is not None and _eager_risk(rest):
            rest = JSON_VALUE
        if optional_from is not None and any(_eager_risk(i) for i in items[optional_from:]):
            return union(
                [
                    TsType("tuple", items=items[:n], rest=rest if n == len(items) else None)
                    for n in range(optional_from, len(items) + 1)
                ]
            )
        return TsType("tuple", items=items, optional_from=optional_from, rest=rest)

    def object_members(self, d: ir.ObjectDecl, tag: str | None = None) -> list[Member]:
        members: list[Member] = []
        for f in d.fields:
            t = self.expr(f.type)
            tags = []
            fmt = getattr(f.type, "format", None)
            if isinstance(fmt, str):
                tags.append("@format " + fmt)
            if f.default is not ir.MISSING:
                tags.append("@default " + _json_text(f.default))
            if f.deprecated:
                tags.append("@deprecated")
            optional = not f.required and (d.id, f.wire_name) not in self.applied
            members.append(Member(ts_key(f.wire_name), t, optional=optional, doc=f.doc, tags=tuple(tags)))
        declared = {f.wire_name for f in d.fields}
        for k in self.exclusive_keys.get(d.id, []):
            if k not in declared:
                members.append(Member(ts_key(k), NEVER, optional=True))
        if d.additional is not None:
            if isinstance(d.additional, ir.AnyType):
                value = UNKNOWN
            else:
                parts = [self.expr(d.additional)] + [self.expr(f.type) for f in d.fields]
                if any(not f.required and (d.id, f.wire_name) not in self.applied for f in d.fields):
                    parts.append(keyword("undefined"))
                value = union(parts)
            members.append(Member("", value, index=True))
        return members


def bare_cycles(decls: dict[str, ir.Decl]) -> set[str]:
    """Aliases that reach themselves through aliases and unions alone (``A = A | string``).

    TypeScript rejects such a type ("circularly references itself") and a validator following the
    reference would never stop; JSON Schema gives them no meaning either.  Recursion through an
    object, array, tuple or map is fine and is not reported here."""

    def bare_refs(e: ir.TypeExpr) -> list[str]:
        if isinstance(e, ir.RefType):
            return [e.target]
        if isinstance(e, ir.UnionType):
            return [r for v in e.variants for r in bare_refs(v)]
        return []

    edges = {
        k: [t for t in bare_refs(d.target) if isinstance(decls.get(t), ir.AliasDecl)]
        for k, d in decls.items()
        if isinstance(d, ir.AliasDecl)
    }
    cyclic: set[str] = set()
    for start in sorted(edges):
        seen: set[str] = set()
        todo = list(edges[start])
        while todo:
            x = todo.pop()
            if x == start:
                cyclic.add(start)
                break
            if x not in seen:
                seen.add(x)
                todo.extend(edges.get(x, []))
    return cyclic


def _eager_risk(t: TsType) -> bool:
    return t.kind in ("array", "tuple") or (t.kind == "union" and any(_eager_risk(m) for m in t.items))


def _json_text(value: object) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
