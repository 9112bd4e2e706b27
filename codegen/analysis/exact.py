"""Which declarations have an *exact shape*: their typed decode accepts nothing the schema rejects.

A target may decode such a declaration with its native typed decoder alone (msgspec, serde...)
and skip the generated validator; every other declaration must be validated.  Exact does not mean
equal: the shape may reject values the schema accepts (``1.0`` for an integer); a target then
falls back to validating.  The analysis is conservative: when in doubt, not exact.

``exact_decls(program)`` compares each declaration's shape (:mod:`..ir.model`) with the node graph
that validates it (:mod:`..ir.validation`), assuming a target enforces every part of the shape a
type system holds: JSON kinds, required fields, closed objects, enum members and literal values,
and the numeric bounds, lengths and item/property counts of :class:`~..ir.model.Constraints`.
Rules (shape ``S`` is captured by node ``N`` when every value ``S`` accepts is valid for ``N``):

* ``N`` without assertions (``true``) captures every shape; ``N`` that is ``false`` none.
  ``format`` is ignored unless formats are asserted (then nothing with a format is exact).
* A node that only holds ``$ref`` is its target (an in-place cycle is not exact).  References
  between declarations are followed once: a recursive declaration is exact when its body is
  (structural recursion, proved co-inductively).
* Literals and enums accept finitely many values: exact when the reference evaluator accepts each.
* Scalars (null, boolean, integer, number, string): ``N``'s ``types`` must admit the kind (a
  ``number`` shape needs ``number``); ``const``/``enum`` are not exact on an open scalar; every
  numeric bound and length of ``N`` must be in the shape with the same value (an integer shape
  with a fractional bound is not exact: targets round such bounds); ``multipleOf`` only for an
  integer shape with an integer divisor; any ``pattern`` is not exact (targets' regex flavours).
* Objects (closed or open): ``N`` may hold ``types``, ``properties``, ``required`` and
  ``additionalProperties`` only; every key ``N`` requires is a required field; each field's type is
  captured by ``N``'s node for that key (or by ``additionalProperties`` when ``N`` does not name it);
  an open object's extra values must be captured by ``additionalProperties`` and by the node of
  every key ``N`` names that the shape does not.
* Maps: ``types``, ``additionalProperties`` and ``min/maxProperties`` equal to the shape's; no key
  pattern (a map of at most 0 properties needs no ``additionalProperties`` check).  Arrays: ``types``, ``items`` and ``min/maxItems`` equal to the shape's; no
  ``uniqueItems``.  Tuples: only fixed-length tuples (no rest, every item required) against
  ``prefixItems`` with no further items allowed.
* Unions: captured when ``N`` captures every variant; or when ``N`` holds only ``anyOf``/``oneOf``
  with one branch per variant, variant *i* captured by branch *i*, and, for ``oneOf``, the
  branches exclusive: each variant's JSON kinds disjoint from the kinds every other branch
  admits (from ``type``, ``const``/``enum`` and the branches of its applicators), or a tag
  discriminator whose every branch requires the tag property with its own constant.
* Any other keyword (``allOf``, ``not``, ``if``, ``contains``, ``patternProperties``,
  ``propertyNames``, ``dependent*``, ``unevaluated*``, ``$dynamicRef``...) is not exact.
"""

from __future__ import annotations

from ..ir import model as ir
from ..ir import validation as v
from ..ir.evaluate import Evaluator
from ..ir.formats import ASSERTED
from ..ir.passes import json_kind, json_kinds

__all__ = ["exact_decls"]

_OBJECT_OK = {"types", "properties", "required", "additional_properties"}


def _assertions(n: v.Node, formats: bool) -> frozenset[str]:
    out = v.node_keywords(n)
    out.discard("integer_strict")
    out.discard("format")
    if n.format is not None and formats and n.format in ASSERTED:
        out.add("format")
    return frozenset(out)


class _Exact:
    def __init__(self, program: ir.Program):
        assert program.validation is not None
        self.p = program
        self.v = program.validation
        self.decls = {d.id: d for d in program.decls}
        self.ev = Evaluator(self.v)
        self.assuming: set[tuple[str, int]] = set()
        self._asserted: dict[int, frozenset[str]] = {}

    def node(self, nid: int, inplace: frozenset[int] = frozenset()) -> tuple[v.Node, frozenset[str]] | None:
        """The node after following pure ``$ref``s, with its assertions (None: an in-place cycle)."""
        while True:
            n = self.v.nodes[nid]
            a = self._asserted.get(nid)
            if a is None:
                a = self._asserted[nid] = _assertions(n, self.v.assert_formats)
            if a == {"ref"} and n.ref is not None:
                if nid in inplace:
                    return None
                inplace = inplace | {nid}
                nid = n.ref
                continue
            return n, a

    # -- captures(S, N) -------------------------------------------------------------------------
    def captures(self, e: ir.TypeExpr, nid: int) -> bool:
        got = self.node(nid)
        if got is None:
            return False
        n, a = got
        if n.never:
            return False
        if not a:
            return True
        if "format" in a:
            return False
        if isinstance(e, ir.RefType):
            key = (e.target, n.id)
            if key in self.assuming:
                return True
            self.assuming.add(key)
            ok = self.decl(self.decls[e.target], n.id)
            if not ok:
                self.assuming.discard(key)
            return ok
        if isinstance(e, ir.UnionType):
            return self.union(e, n, a)
        if isinstance(e, ir.LiteralType):
            return self.ev.is_valid(n.id, e.value)
        if isinstance(e, ir.AnyType):
            return False
        if isinstance(e, (ir.NullType, ir.BoolType, ir.IntType, ir.NumberType, ir.StringType)):
            return self.scalar(e, n, a)
        if isinstance(e, ir.ArrayType):
            return self.array(e, n, a)
        if isinstance(e, ir.TupleType):
            return self.fixed_tuple(e, n, a)
        if isinstance(e, ir.MapType):
            return self.map(e, n, a)
        return False

    def decl(self, d: ir.Decl, nid: int) -> bool:
        if isinstance(d, ir.AliasDecl):
            return self.captures(d.target, nid)
        if isinstance(d, ir.EnumDecl):
            return all(self.ev.is_valid(nid, m.value) for m in d.members)
        got = self.node(nid)
        if got is None:
            return False
        n, a = got
        if not a:
            return True
        return self.obj(d, n, a)

    # -- kinds ----------------------------------------------------------------------------------
    @staticmethod
    def _kind_ok(types: tuple[str, ...] | None, kind: str) -> bool:
        if types is None:
            return True
        if kind == "integer":
            return "integer" in types or "number" in types
        return kind in types

    def scalar(self, e: ir.TypeExpr, n: v.Node, a: frozenset[str]) -> bool:
        kind = {"null": "null", "bool": "boolean", "int": "integer", "number": "number", "string": "string"}[e.kind]
        if not self._kind_ok(n.types, kind):
            return False
        if a & {"const", "enum", "never"}:
            return False
        applicators = {
            "ref", "dynamic_ref", "all_of", "any_of", "one_of", "not_", "if_", "then", "else_",
        }
        if a & applicators:
            return False
        c: ir.Constraints = getattr(e, "constraints", ir.NO_CONSTRAINTS)
        if kind in ("integer", "number"):
            for attr in ("minimum", "maximum", "exclusive_minimum", "exclusive_maximum"):
                want = getattr(n, attr)
                if want is None:
                    continue
                have = getattr(c, attr)
                if have is None or have != want:
                    return False
                if kind == "integer" and isinstance(want, float) and not want.is_integer():
                    return False
            if n.multiple_of is not None:
                if kind != "integer" or not isinstance(n.multiple_of, int) or c.multiple_of != n.multiple_of:
                    return False
                if not isinstance(c.multiple_of, int):
                    return False
        if kind == "string":
            if n.pattern is not None:
                return False
            for attr in ("min_length", "max_length"):
                want = getattr(n, attr)
                if want is not None and getattr(c, attr) != want:
                    return False
        return True

    # -- containers -----------------------------------------------------------------------------
    def array(self, e: ir.ArrayType, n: v.Node, a: frozenset[str]) -> bool:
        if not self._kind_ok(n.types, "array") or e.constraints.unique_items:
            return False
        if a - {"types", "items", "min_items", "max_items"}:
            return False
        for attr in ("min_items", "max_items"):
            want = getattr(n, attr)
            if want is not None and getattr(e.constraints, attr) != want:
                return False
        return n.items is None or self.captures(e.items, n.items)

    def fixed_tuple(self, e: ir.TupleType, n: v.Node, a: frozenset[str]) -> bool:
        if e.rest is not None or (e.constraints.min_items or 0) < len(e.items) or e.constraints.unique_items:
            return False
        if not self._kind_ok(n.types, "array") or a - {"types", "prefix_items", "items", "min_items", "max_items"}:
            return False
        if n.min_items is not None and n.min_items > len(e.items):
            return False
        if n.max_items is not None and n.max_items < len(e.items):
            return False
        if len(n.prefix_items) < len(e.items):
            if n.items is None:
                return False
            extra = e.items[len(n.prefix_items):]
            if not all(self.captures(t, n.items) for t in extra):
                return False
        return all(self.captures(t, c) for t, c in zip(e.items, n.prefix_items))

    def map(self, e: ir.MapType, n: v.Node, a: frozenset[str]) -> bool:
        if e.key_pattern is not None or not self._kind_ok(n.types, "object"):
            return False
        if a - {"types", "additional_properties", "min_properties", "max_properties"}:
            return False
        for attr in ("min_properties", "max_properties"):
            want = getattr(n, attr)
            if want is not None and getattr(e.constraints, attr) != want:
                return False
        if e.constraints.max_properties == 0:
            return True  # no value is ever checked
        return n.additional_properties is None or self.captures(e.values, n.additional_properties)

    def obj(self, d: ir.ObjectDecl, n: v.Node, a: frozenset[str]) -> bool:
        if not self._kind_ok(n.types, "object") or a - _OBJECT_OK:
            return False
        required = {f.wire_name for f in d.fields if f.required}
        if not set(n.required) <= required:
            return False
        props = dict(n.properties)
        for f in d.fields:
            target = props.get(f.wire_name, n.additional_properties)
            if target is not None and not self.captures(f.type, target):
                return False
        if d.additional is not None:
            named = {f.wire_name for f in d.fields}
            for key, target in n.properties:
                if key not in named and not self.captures(d.additional, target):
                    return False
            if n.additional_properties is not None and not self.captures(d.additional, n.additional_properties):
                return False
        return True

    # -- unions ---------------------------------------------------------------------------------
    def union(self, e: ir.UnionType, n: v.Node, a: frozenset[str]) -> bool:
        saved = set(self.assuming)
        if all(self.captures(x, n.id) for x in e.variants):
            return True
        self.assuming = saved
        branches = n.one_of if a == {"one_of"} else n.any_of if a == {"any_of"} else ()
        if len(branches) != len(e.variants):
            return False
        if not all(self.captures(x, b) for x, b in zip(e.variants, branches)):
            return False
        if a == {"any_of"}:
            return True
        return self._exclusive(e, branches)

    def _exclusive(self, e: ir.UnionType, branches: tuple[int, ...]) -> bool:
        disc = e.discriminator
        if isinstance(disc, ir.TagDiscriminator) and all(len(vs) == 1 for vs in disc.values):
            tags = [vs[0] for vs in disc.values]
            if len({(type(t), t) for t in tags}) == len(tags) and all(
                self._requires_tag(b, disc.property, t) for b, t in zip(branches, tags)
            ):
                return True
        kinds = [self._kinds(x) for x in e.variants]
        for i, ki in enumerate(kinds):
            if ki is None:
                return False
            for j, b in enumerate(branches):
                if i != j and ki & self.node_kinds(b):
                    return False
        return True

    def node_kinds(self, nid: int, depth: int = 0) -> set[str]:
        """The JSON kinds (``integer`` apart from other numbers) some value valid for the node may have."""
        everything = {"null", "boolean", "object", "array", "number", "integer", "string"}
        if depth > 40:
            return everything
        n = self.v.nodes[nid]
        if n.never:
            return set()
        out = set(everything)
        if n.types is not None:
            allowed = set()
            for t in n.types:
                allowed |= {"number", "integer"} if t == "number" else {t}
            out &= allowed
        if n.const is not ir.MISSING:
            out &= self._value_kinds([n.const])
        if n.enum is not None:
            out &= self._value_kinds(list(n.enum))
        if n.ref is not None:
            out &= self.node_kinds(n.ref, depth + 1)
        for c in n.all_of:
            out &= self.node_kinds(c, depth + 1)
        for group in (n.any_of, n.one_of):
            if group:
                union: set[str] = set()
                for c in group:
                    union |= self.node_kinds(c, depth + 1)
                out &= union
        return out

    @staticmethod
    def _value_kinds(values: list[object]) -> set[str]:
        out = set()
        for x in values:
            k = json_kind(x)
            out |= {"number", "integer"} if k in ("number", "integer") else {k}
        return out

    def _kinds(self, x: ir.TypeExpr) -> set[str] | None:
        ks = set(json_kinds(self.decls, x))
        if not ks or "any" in ks:
            return None
        out = set()
        for k in ks:
            if k == "number":
                out |= {"number", "integer"}
            elif k in ("null", "boolean", "object", "array", "integer", "string"):
                out.add(k)
            else:
                return None
        return out

    def _requires_tag(self, b: int, prop: str, tag: object) -> bool:
        got = self.node(b)
        if got is None:
            return False
        n, _ = got
        if prop not in n.required or n.types is None or set(n.types) != {"object"}:
            return False
        target = dict(n.properties).get(prop)
        if target is None:
            return False
        got = self.node(target)
        if got is None:
            return False
        t, _ = got
        if t.const is not ir.MISSING:
            return type(t.const) is type(tag) and t.const == tag
        return t.enum is not None and len(t.enum) == 1 and type(t.enum[0]) is type(tag) and t.enum[0] == tag


def exact_decls(program: ir.Program) -> frozenset[ir.TypeId]:
    """The declarations whose shape captures every assertion of their node graph."""
    if program.validation is None:
        return frozenset()
    x = _Exact(program)
    out = set()
    for d in program.decls:
        nid = program.validation.node_for(d.id)
        if nid is None:
            continue
        x.assuming = set()
        try:
            if x.decl(d, nid):
                out.add(d.id)
        except RecursionError:  # pragma: no cover - absurdly nested schema
            continue
    return frozenset(out)
