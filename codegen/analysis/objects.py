"""Whether a closed object may reject unknown keys while decoding: one decision for every target.

The IR marks an object ``closed`` when its schema admits no key besides its fields.  That closure
comes either from ``additionalProperties: false`` (on the object's schema, or on a ``$ref``/``allOf``
part of it), which rejects every key the object's own ``properties`` do not name, or from
``unevaluatedProperties: false``, which rejects only the keys *no* applicator evaluated.  In the
second case a valid value may hold keys the fields do not name: evaluated by an ``anyOf`` branch
other than the one the type was built from, by ``if``/``then``, ``dependentSchemas``...  A target
that rejected unknown keys in its decoder (msgspec's ``forbid_unknown_fields``, serde's
``deny_unknown_fields``) would refuse such values, and one that dropped them would lose data on a
round trip.

:func:`closed_by_additional` answers it once: true when ``additionalProperties: false`` closes the
object, so a decoder may reject unknown keys; false when only ``unevaluatedProperties`` does, so a
target keeps unknown keys (an open object) and its generated checks decide, as the schema does.
"""

from __future__ import annotations

from ..ir import model as ir


def closed_by_additional(program: ir.Program, decl: str, empty: bool = False) -> bool:
    """The schema of ``decl`` (or a ``$ref``/``allOf`` part of it) has ``additionalProperties:
    false`` (with ``empty``: or ``maxProperties: 0``).  True without a validation graph."""
    val = program.validation
    if val is None:
        return True
    start = val.node_for(decl)
    if start is None:
        return True
    for nid in val.conjuncts(start):
        n = val.nodes[nid]
        if n.additional_properties is not None and val.nodes[n.additional_properties].never:
            return True
        if empty and n.max_properties == 0:
            return True
    return False
