"""IR -> IR passes (pure functions over frozen data).

* :func:`recognise_any_json` turns a recursive "any JSON value" union into :class:`AnyType`.
* :func:`classify_unions` attaches a discriminator to every union of objects: a tag property when
  one required ``const`` property tells the variants apart, otherwise the keys that must or may be
  present.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..records import replace
from . import model as ir


def map_expr(e: ir.TypeExpr, f: Callable[[ir.TypeExpr], ir.TypeExpr]) -> ir.TypeExpr:
    """Rebuild ``e`` bottom-up, applying ``f`` to every node (a node whose children ``f`` left as
    they were is kept, not copied: the IR is frozen, so only its value counts)."""
    if isinstance(e, ir.ArrayType):
        items = map_expr(e.items, f)
        if items is not e.items:
            e = replace(e, items=items)
    elif isinstance(e, ir.TupleType):
        parts = tuple(map_expr(i, f) for i in e.items)
        rest = None if e.rest is None else map_expr(e.rest, f)
        if rest is not e.rest or _changed(parts, e.items):
            e = replace(e, items=parts, rest=rest)
    elif isinstance(e, ir.MapType):
        values = map_expr(e.values, f)
        if values is not e.values:
            e = replace(e, values=values)
    elif isinstance(e, ir.UnionType):
        variants = tuple(map_expr(v, f) for v in e.variants)
        if _changed(variants, e.variants):
            e = replace(e, variants=variants)
    return f(e)


def _changed(new: tuple[ir.TypeExpr, ...], old: tuple[ir.TypeExpr, ...]) -> bool:
    return any(a is not b for a, b in zip(new, old))


def map_decl(d: ir.Decl, f: Callable[[ir.TypeExpr], ir.TypeExpr]) -> ir.Decl:
    if isinstance(d, ir.ObjectDecl):
        types = [map_expr(fl.type, f) for fl in d.fields]
        additional = None if d.additional is None else map_expr(d.additional, f)
        if additional is d.additional and not any(t is not fl.type for t, fl in zip(types, d.fields)):
            return d
        return replace(
            d,
            fields=tuple(fl if t is fl.type else replace(fl, type=t) for t, fl in zip(types, d.fields)),
            additional=additional,
        )
    if isinstance(d, ir.AliasDecl):
        target = map_expr(d.target, f)
        return d if target is d.target else replace(d, target=target)
    return d


def walk_expr(e: ir.TypeExpr) -> list[ir.TypeExpr]:
    """Every node of ``e``, children before their parent, in the order :func:`map_expr` visits them
    (a plain walk: nothing is rebuilt)."""
    out: list[ir.TypeExpr] = []
    _walk(e, out)
    return out


def _walk(e: ir.TypeExpr, out: list[ir.TypeExpr]) -> None:
    if isinstance(e, ir.ArrayType):
        _walk(e.items, out)
    elif isinstance(e, ir.TupleType):
        for i in e.items:
            _walk(i, out)
        if e.rest is not None:
            _walk(e.rest, out)
    elif isinstance(e, ir.MapType):
        _walk(e.values, out)
    elif isinstance(e, ir.UnionType):
        for v in e.variants:
            _walk(v, out)
    out.append(e)


def decl_exprs(d: ir.Decl) -> list[ir.TypeExpr]:
    if isinstance(d, ir.ObjectDecl):
        exprs = [f.type for f in d.fields]
        if d.additional is not None:
            exprs.append(d.additional)
        return exprs
    if isinstance(d, ir.AliasDecl):
        return [d.target]
    return []


def references(d: ir.Decl) -> set[ir.TypeId]:
    return {x.target for e in decl_exprs(d) for x in walk_expr(e) if isinstance(x, ir.RefType)}


def reachable(program: ir.Program, exprs: Iterable[ir.TypeExpr]) -> frozenset[ir.TypeId]:
    """The declarations the type expressions reach, transitively.  A nullable object or enum
    (``object | null``) keeps its object or enum apart (``<id>/object``, ``<id>/enum``): reaching the
    union reaches it too."""
    todo = [x.target for e in exprs for x in walk_expr(e) if isinstance(x, ir.RefType)]
    seen: set[ir.TypeId] = set()
    while todo:
        t = todo.pop()
        if t in seen:
            continue
        d = program.get(t)
        if d is None:
            continue
        seen.add(t)
        todo.extend(references(d))
        for suffix in ("/object", "/enum"):
            if program.get(t + suffix) is not None:
                todo.append(t + suffix)
    return frozenset(seen)


# ---------------------------------------------------------------------------------------------


def _is_any_json(alias: ir.AliasDecl) -> bool:
    u = alias.target
    if not isinstance(u, ir.UnionType):
        return False
    self_or_any = (ir.AnyType(), ir.RefType(alias.id))
    seen = set()
    for v in u.variants:
        if isinstance(v, ir.NullType):
            seen.add("null")
        elif isinstance(v, ir.BoolType):
            seen.add("bool")
        elif isinstance(v, ir.NumberType) and v.constraints.is_empty():
            seen.add("number")
        elif isinstance(v, ir.IntType) and v.constraints.is_empty():
            seen.add("integer")
        elif isinstance(v, ir.StringType) and v.constraints.is_empty() and v.format is None:
            seen.add("string")
        elif isinstance(v, ir.ArrayType) and v.items in self_or_any and v.constraints.is_empty():
            seen.add("array")
        elif isinstance(v, ir.MapType) and v.values in self_or_any and v.key_pattern is None and v.constraints.is_empty():
            seen.add("object")
        else:
            return False
    return {"null", "bool", "number", "string", "array", "object"} <= seen


def recognise_any_json(decls: dict[ir.TypeId, ir.Decl]) -> dict[ir.TypeId, ir.Decl]:
    out = dict(decls)
    for k, d in decls.items():
        if isinstance(d, ir.AliasDecl) and _is_any_json(d):
            out[k] = replace(d, target=ir.AnyType())
    return out


# ---------------------------------------------------------------------------------------------


def resolve_alias(decls: dict[ir.TypeId, ir.Decl], e: ir.TypeExpr) -> ir.TypeExpr | ir.Decl:
    """Follow references through aliases; return the object/enum decl or the final expression."""
    seen: set[str] = set()
    while isinstance(e, ir.RefType) and e.target not in seen:
        seen.add(e.target)
        d = decls[e.target]
        if isinstance(d, ir.AliasDecl):
            e = d.target
        else:
            return d
    return e


def _tag_values(f: ir.Field, decls: dict[ir.TypeId, ir.Decl]) -> tuple[str | int | bool | None, ...] | None:
    t = resolve_alias(decls, f.type)
    if isinstance(t, ir.LiteralType):
        return (t.value,)
    if isinstance(t, ir.EnumDecl):
        return tuple(m.value for m in t.members)
    return None


def tag_discriminator(
    objs: list[ir.ObjectDecl], decls: dict[ir.TypeId, ir.Decl], preferred: str | None
) -> ir.TagDiscriminator | None:
    by_obj = [{f.wire_name: f for f in o.fields if f.required} for o in objs]
    common = set(by_obj[0])
    for m in by_obj[1:]:
        common &= set(m)
    order = sorted(common)
    if preferred is not None:
        order = [preferred] if preferred in common else []
    for prop in order:
        values = [_tag_values(m[prop], decls) for m in by_obj]
        if any(v is None for v in values):
            continue
        flat = [x for v in values for x in v]  # type: ignore[union-attr]
        if len(flat) != len(set(flat)):
            continue
        kinds = {type(x) for x in flat}
        if len(kinds) != 1:
            continue
        return ir.TagDiscriminator(prop, tuple(values))  # type: ignore[arg-type]
    return None


def presence_discriminator(objs: list[ir.ObjectDecl]) -> ir.PresenceDiscriminator:
    return ir.PresenceDiscriminator(
        required=tuple(tuple(f.wire_name for f in o.fields if f.required) for o in objs),
        allowed=tuple(None if not o.closed else tuple(f.wire_name for f in o.fields) for o in objs),
    )


def classify_unions(decls: dict[ir.TypeId, ir.Decl]) -> dict[ir.TypeId, ir.Decl]:
    def classify(e: ir.TypeExpr) -> ir.TypeExpr:
        if not isinstance(e, ir.UnionType):
            return e
        preferred = e.discriminator.property if isinstance(e.discriminator, ir.TagDiscriminator) else None
        resolved = [resolve_alias(decls, v) for v in e.variants]
        if not all(isinstance(r, ir.ObjectDecl) for r in resolved):
            return replace(e, discriminator=None)
        objs: list[ir.ObjectDecl] = resolved  # type: ignore[assignment]
        # an OpenAPI discriminator whose variants do not pin the property (no const) is an annotation
        # in JSON Schema: the value "fish" or "x" may still match a variant, so no decoder may reject a
        # value by its tag; the variants are told apart by the keys they allow, and validators decide
        tag = tag_discriminator(objs, decls, preferred)
        return replace(e, discriminator=tag or presence_discriminator(objs))

    return {k: map_decl(d, classify) for k, d in decls.items()}


JSON_KINDS = frozenset({"null", "boolean", "integer", "number", "string", "array", "object"})
_SIMPLE_KINDS = {
    "any": JSON_KINDS,
    "null": frozenset({"null"}),
    "bool": frozenset({"boolean"}),
    "int": frozenset({"integer"}),
    "number": frozenset({"integer", "number"}),
    "string": frozenset({"string"}),
    "array": frozenset({"array"}),
    "tuple": frozenset({"array"}),
    "map": frozenset({"object"}),
}


def json_kind(value: object) -> str:
    """The JSON kind of a parsed JSON value (``integer`` for ints, ``number`` for fractions)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def json_kinds(decls: dict[ir.TypeId, ir.Decl], e: ir.TypeExpr | ir.Decl, depth: int = 0) -> frozenset[str]:
    """The JSON kinds of value a type may accept (every kind when unknown, e.g. a cyclic alias)."""
    if depth > 30:
        return JSON_KINDS
    r = resolve_alias(decls, e) if isinstance(e, ir.RefType) else e
    if isinstance(r, ir.AliasDecl):
        r = r.target
    if isinstance(r, ir.ObjectDecl):
        return frozenset({"object"})
    if isinstance(r, ir.EnumDecl):
        return frozenset({"string"} if r.value_kind == "string" else {"integer"})
    if isinstance(r, ir.UnionType):
        out: set[str] = set()
        for v in r.variants:
            out |= json_kinds(decls, v, depth + 1)
        return frozenset(out)
    if isinstance(r, ir.LiteralType):
        return frozenset({json_kind(r.value)})
    if isinstance(r, ir.RefType):
        return JSON_KINDS
    return _SIMPLE_KINDS.get(r.kind, JSON_KINDS)
