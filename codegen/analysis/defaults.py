"""Whether a schema ``default`` can be applied (``--defaults apply``): one decision for every target.

JSON Schema's ``default`` is an annotation: it never changes what is valid, and nothing checks it.
A target that fills absent fields in with it must therefore first make sure the value is one the
field could hold, or a decoded document would carry a value its own schema rejects (and a typed
field a value of another type).  :func:`default_problem` says why a default cannot be used, or
None when it can; every target asks it and, for a problem, keeps the field optional and warns
(``default-not-applied``, naming the field's file and pointer).

A default is usable when

* it **fits the field's type** as the IR types it (an ``integer`` field takes ``3`` or ``3.0``,
  never ``true``; an object takes a JSON object whose declared properties fit, with every required
  one present and no undeclared key when the object is closed; an enum one of its members, same
  JSON type), and
* the **schema accepts it**: the field's subschema in the validation graph (found under the
  object's ``properties``, looking through ``$ref``/``allOf``) validates it with the reference
  evaluator (:mod:`stepflow_codegen.ir.evaluate`), so ``minimum``, ``pattern``... count too.

What a target can *express* is its own business (the Rust target needs the value to fit its integer
types); that is a further restriction, never a widening. A default holding objects is applied by
every target, built afresh from its JSON for each value.

:func:`write_default_ids` is the other shared decision: which declarations keep their defaults when
*encoded* (those a component's input or output reaches).
"""

from __future__ import annotations

import json
import math

from ..ir import model as ir
from ..ir import validation as v
from ..ir.evaluate import Evaluator, json_equal
from ..ir.passes import reachable, resolve_alias

_MAX_DEPTH = 64


def fits(decls: dict[str, ir.Decl], e: ir.TypeExpr | ir.Decl, value: object, depth: int = 0) -> bool:
    """Whether the JSON ``value`` is a value of the IR type ``e`` (its shape: kinds, declared
    properties, enum members, literals; not its constraints, which the schema check covers)."""
    if depth > _MAX_DEPTH:
        return False
    r = resolve_alias(decls, e) if isinstance(e, ir.RefType) else e
    if isinstance(r, ir.AliasDecl):
        return fits(decls, r.target, value, depth + 1)
    if isinstance(r, ir.RefType):  # an unresolvable reference (a cycle of aliases): no shape to hold to
        return True
    if isinstance(r, ir.AnyType):
        return True
    if isinstance(r, ir.NullType):
        return value is None
    if isinstance(r, ir.BoolType):
        return isinstance(value, bool)
    if isinstance(r, ir.IntType):
        if isinstance(value, bool):
            return False
        return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value) and value.is_integer())
    if isinstance(r, ir.NumberType):
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if isinstance(r, ir.StringType):
        return isinstance(value, str)
    if isinstance(r, ir.LiteralType):
        return json_equal(r.value, value)
    if isinstance(r, ir.EnumDecl):
        return any(json_equal(m.value, value) for m in r.members)
    if isinstance(r, ir.ArrayType):
        return isinstance(value, list) and all(fits(decls, r.items, x, depth + 1) for x in value)
    if isinstance(r, ir.TupleType):
        if not isinstance(value, list):
            return False
        if r.rest is None and len(value) > len(r.items):
            return False
        for i, x in enumerate(value):
            t = r.items[i] if i < len(r.items) else r.rest
            if t is not None and not fits(decls, t, x, depth + 1):
                return False
        return True
    if isinstance(r, ir.MapType):
        return isinstance(value, dict) and all(fits(decls, r.values, x, depth + 1) for x in value.values())
    if isinstance(r, ir.UnionType):
        return any(fits(decls, x, value, depth + 1) for x in r.variants)
    if isinstance(r, ir.ObjectDecl):
        if not isinstance(value, dict):
            return False
        declared = {f.wire_name: f for f in r.fields}
        for f in r.fields:
            if f.wire_name in value:
                if not fits(decls, f.type, value[f.wire_name], depth + 1):
                    return False
            elif f.required:
                return False
        for k, x in value.items():
            if k in declared:
                continue
            if r.closed and r.additional is None:
                return False
            if r.additional is not None and not fits(decls, r.additional, x, depth + 1):
                return False
        return True
    return True


def field_node(validation: v.Validation, decl_id: str, wire_name: str) -> v.NodeId | None:
    """The validation node of property ``wire_name`` of the object ``decl_id``: its ``properties``
    entry, looking through ``$ref`` and ``allOf`` (None when the property is not found there)."""
    start = validation.node_for(decl_id)
    if start is None:
        return None
    for nid in validation.conjuncts(start):
        for key, child in validation.nodes[nid].properties:
            if key == wire_name:
                return child
    return None


class DefaultCheck:
    """Answers :func:`default_problem` for the fields of one program (one evaluator, reused)."""

    def __init__(self, decls: dict[str, ir.Decl], validation: v.Validation | None):
        self.decls = decls
        self.validation = validation
        self._evaluator = Evaluator(validation) if validation is not None else None

    def problem(self, decl: ir.ObjectDecl, f: ir.Field) -> str | None:
        """Why the default of ``f`` (a field of ``decl``) cannot be applied; None when it can (or
        when the field has none)."""
        if f.default is ir.MISSING:
            return None
        text = _short(f.default)
        if not fits(self.decls, f.type, f.default):
            return f"the default {text} does not fit the property's type"
        if self.validation is not None and self._evaluator is not None:
            node = field_node(self.validation, decl.id, f.wire_name)
            if node is not None:
                failure = self._evaluator.validate(node, f.default)
                if failure is not None:
                    where = f" at {failure.pointer}" if failure.pointer else ""
                    return f"the schema rejects the default {text}{where} ({failure.keyword})"
        return None

    def usable(self, decl: ir.ObjectDecl, f: ir.Field) -> bool:
        """The field has a default and it can be applied."""
        return f.default is not ir.MISSING and self.problem(decl, f) is None


def default_problem(program: ir.Program, decl: ir.ObjectDecl, f: ir.Field) -> str | None:
    """Why the default of ``f`` cannot be applied (None: it can, or there is none). For many fields,
    build one :class:`DefaultCheck` instead."""
    return DefaultCheck({d.id: d for d in program.decls}, program.validation).problem(decl, f)


def _short(value: object) -> str:
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= 60 else text[:57] + "..."


def write_default_ids(program: ir.Program) -> frozenset[str]:
    """Declarations reachable from a component's input or output: they keep their defaults when
    encoded (as hand-written msgspec Structs do), because flows and other SDKs read component
    data without applying schema defaults."""
    return reachable(program, [e for c in program.components for e in (c.input, c.output)])


__all__ = ["DefaultCheck", "default_problem", "field_node", "fits", "write_default_ids"]
