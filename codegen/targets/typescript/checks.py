"""IR shape -> runtime checks: a type expression as a composition of the combinators of
``runtime.ts`` (``rt.object``, ``rt.oneOf``, ...), built as a layout node.

Only for declarations that have no node in the validation graph (a method's params or result
built in the IR without a schema location); every other declaration is checked by the graph
(:mod:`.nodes`), which carries every keyword of the schema.  These checks accept what JSON Schema
accepts for the keywords the shape IR carries: required properties, additionalProperties, const
and enum (by JSON equality), oneOf (exactly one branch) and anyOf (at least one), integer vs
number, numeric bounds and multipleOf, string lengths in code points, patterns (ECMA-262 with the
``u`` flag), item counts, uniqueItems and tuples.
"""

from __future__ import annotations

from ...analysis.unions import sound_tag
from ...ir import model as ir
from . import layout as L
from .escape import ts_literal, ts_number, ts_string


def _num(v: int | float) -> L.Node:
    return L.text(ts_number(v), "number")


def _scalar(v: str | int | bool | None) -> L.Node:
    kind = "number" if isinstance(v, (int, float)) and not isinstance(v, bool) else "string" if isinstance(v, str) else "other"
    return L.text(ts_literal(v), kind)


def _constraints(pairs: list[tuple[str, L.Node]]) -> list[L.Node]:
    return [L.object_literal(pairs)] if pairs else []


class CheckBuilder:
    def __init__(self, decls: dict[str, ir.Decl], check_names: dict[str, str]):
        self.decls = decls
        self.check_names = check_names
        """Declaration id -> name of its ``rt.Check`` constant."""

    def ref(self, type_id: str) -> L.Node:
        return L.call("rt.ref", [L.arrow(L.text(self.check_names[type_id]))])

    def expr(self, e: ir.TypeExpr, bare: frozenset[str] = frozenset()) -> L.Node:
        """``bare``: aliases that may not be referred to here (they would recurse forever)."""
        if isinstance(e, ir.AnyType):
            return L.text("rt.json")
        if isinstance(e, ir.NullType):
            return L.text("rt.nul")
        if isinstance(e, ir.BoolType):
            return L.text("rt.bool")
        if isinstance(e, ir.IntType):
            return L.call("rt.integer", self._number_constraints(e.constraints))
        if isinstance(e, ir.NumberType):
            return L.call("rt.number", self._number_constraints(e.constraints))
        if isinstance(e, ir.StringType):
            c = e.constraints
            pairs: list[tuple[str, L.Node]] = []
            if c.min_length is not None:
                pairs.append(("minLength", _num(c.min_length)))
            if c.max_length is not None:
                pairs.append(("maxLength", _num(c.max_length)))
            if c.pattern is not None:
                pairs.append(("pattern", L.text(ts_string(c.pattern), "string")))
            return L.call("rt.string", _constraints(pairs))
        if isinstance(e, ir.LiteralType):
            return L.call("rt.literal", [_scalar(e.value)])
        if isinstance(e, ir.RefType):
            return L.text("rt.json") if e.target in bare else self.ref(e.target)
        if isinstance(e, ir.ArrayType):
            return L.call("rt.array", [self.expr(e.items), *self._array_constraints(e.constraints)])
        if isinstance(e, ir.TupleType):
            items = L.array_literal([self.expr(i) for i in e.items])
            rest = self.expr(e.rest) if e.rest is not None else L.text("null")
            return L.call("rt.tuple", [items, rest, *self._array_constraints(e.constraints)])
        if isinstance(e, ir.MapType):
            c = e.constraints
            pairs = []
            if c.min_properties is not None:
                pairs.append(("minProperties", _num(c.min_properties)))
            if c.max_properties is not None:
                pairs.append(("maxProperties", _num(c.max_properties)))
            key = L.text(ts_string(e.key_pattern)) if e.key_pattern is not None else L.text("null")
            return L.call("rt.map", [self.expr(e.values), key, *_constraints(pairs)])
        if isinstance(e, ir.UnionType):
            return self.union(e, bare)
        raise TypeError(e)

    def union(self, u: ir.UnionType, bare: frozenset[str] = frozenset()) -> L.Node:
        if sound_tag(self.decls, u):
            assert isinstance(u.discriminator, ir.TagDiscriminator)
            cases = [
                L.array_literal([_scalar(value), self.expr(v)])
                for v, values in zip(u.variants, u.discriminator.values)
                for value in values
            ]
            return L.call("rt.tagged", [L.text(ts_string(u.discriminator.property)), L.array_literal(cases)])
        fn = "rt.oneOf" if u.one_of else "rt.anyOf"
        return L.call(fn, [L.array_literal([self.expr(v, bare) for v in u.variants])])

    def decl(self, d: ir.Decl, bare: frozenset[str] = frozenset()) -> L.Node:
        if isinstance(d, ir.AliasDecl):
            return self.expr(d.target, bare)
        if isinstance(d, ir.EnumDecl):
            return L.call("rt.enumeration", [L.array_literal([_scalar(m.value) for m in d.members])])
        fields = [
            L.array_literal([L.text(ts_string(f.wire_name)), L.text("true" if f.required else "false"), self.expr(f.type)])
            for f in d.fields
        ]
        additional = self.expr(d.additional) if d.additional is not None else L.text("null")
        return L.call("rt.object", [L.array_literal(fields), additional])

    @staticmethod
    def _number_constraints(c: ir.Constraints) -> list[L.Node]:
        pairs = [
            (key, _num(getattr(c, attr)))
            for attr, key in (
                ("minimum", "minimum"),
                ("maximum", "maximum"),
                ("exclusive_minimum", "exclusiveMinimum"),
                ("exclusive_maximum", "exclusiveMaximum"),
                ("multiple_of", "multipleOf"),
            )
            if getattr(c, attr) is not None
        ]
        return _constraints(pairs)

    @staticmethod
    def _array_constraints(c: ir.Constraints) -> list[L.Node]:
        pairs: list[tuple[str, L.Node]] = []
        if c.min_items is not None:
            pairs.append(("minItems", _num(c.min_items)))
        if c.max_items is not None:
            pairs.append(("maxItems", _num(c.max_items)))
        if c.unique_items:
            pairs.append(("uniqueItems", L.text("true")))
        return _constraints(pairs)
