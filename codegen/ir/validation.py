"""The validation half of the IR: every assertion of a schema, language-neutral.

The declarations of :mod:`.model` describe the *shape* a language's types take; this module keeps
the whole *meaning* of the schema, so that what a type cannot express is still validated.  A
:class:`Validation` is a graph of :class:`Node` objects, one per schema location that takes part
in validation, addressed by a dense integer :data:`NodeId`; references (cycles included) are ids.

Semantics (every target implements exactly these; :mod:`.evaluate` is the reference
implementation the tests compare the targets and the front end with):

* A node holds keywords; an instance is valid when every keyword present holds.  A keyword that
  applies to one JSON kind (``min_length`` to strings, ``properties`` to objects...) holds for
  instances of any other kind.
* JSON kinds: ``null``, ``boolean``, ``object``, ``array``, ``number``, ``string``, and
  ``integer``: a number whose value is integral (``1.0`` is an integer) unless
  :attr:`Node.integer_strict` (draft-04 spelling, where only ``1`` is).  Booleans are never numbers.
* Equality (``const``, ``enum``, ``unique_items``) is JSON equality: numbers by value (``1`` equals
  ``1.0``), booleans are not numbers, objects regardless of key order.
* Numbers compare exactly; ``multiple_of`` is exact for decimal values (``0.0075`` is a multiple of
  ``0.0001``): compare as decimals built from the shortest round-trip text of each double.
* String lengths count Unicode code points.  ``pattern`` and the keys of ``pattern_properties`` are
  ECMA-262 regular expressions, matched unanchored (see
  :mod:`stepflow_codegen.analysis.ecma_regex` for each language's rendering).
* ``items`` applies to the items after the ``prefix_items``; ``additional_properties`` to the keys
  matched neither by ``properties`` nor by any ``pattern_properties`` key.
* ``contains``: at least ``min_contains`` (default 1) and at most ``max_contains`` items match;
  ``min_contains == 0`` makes ``contains`` always hold (it still annotates).
* ``one_of``: exactly one subschema holds; ``any_of``: at least one; ``all_of``: all; ``not_``:
  the subschema fails; ``if_``: when it holds ``then`` must hold, otherwise ``else_``.
* ``dependent_required``: when the key is present, the listed keys must be; ``dependent_schemas``:
  when the key is present, the instance must validate against the subschema.
* ``ref``: validate against the target.  ``dynamic_ref``: see :class:`DynamicRef`.
* ``unevaluated_properties`` applies to every key no keyword of this node or of a subschema that
  *held* evaluated: ``properties``/``pattern_properties``/``additional_properties``,
  ``unevaluated_properties`` of subschemas, and, through the in-place applicators (``all_of``,
  ``any_of``/``one_of`` branches that held, ``if_`` when it held, the ``then``/``else_`` taken,
  ``dependent_schemas`` applied, ``ref``, ``dynamic_ref``), theirs.  ``not_`` never contributes.
  ``unevaluated_items`` likewise with indices: ``prefix_items`` (the indices it covered), ``items``
  (all), ``contains`` (the indices that matched), ``unevaluated_items`` (all).
  :attr:`Node.annotates` says which nodes must report what they evaluated (computed once).
* The dynamic scope is the list of schema resources entered on the way to a node, outermost first;
  a node with :attr:`Node.resource` set enters that resource.
* ``format`` is an annotation: it is kept, and asserted only when :attr:`Validation.assert_formats`,
  and then only the formats of :data:`.formats.ASSERTED` (:meth:`Validation.asserted_format`), on
  strings, as :func:`.formats.check` does.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import attrgetter

from ..records import dataclass, field, field_names
from .model import MISSING, Source

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

NodeId = int

KINDS = ("null", "boolean", "object", "array", "number", "integer", "string")


@dataclass(frozen=True)
class DynamicRef:
    """``$dynamicRef`` (2020-12) or ``$recursiveRef`` (2019-09), whose target depends on the dynamic scope.

    Validate against the node of the *outermost* resource in the dynamic scope that appears in
    ``candidates``; when none does, against ``initial`` (the statically resolved target).
    """

    initial: NodeId
    anchor: str
    """The ``$dynamicAnchor`` name (``""`` for ``$recursiveRef``)."""
    candidates: tuple[tuple[int, NodeId], ...]
    """(resource id, node) for every resource that defines the anchor, sorted by resource id."""


@dataclass(frozen=True)
class Node:
    id: NodeId
    source: Source
    """The schema location (file as shown to the user, JSON pointer)."""
    never: bool = False
    """The schema ``false`` (or an equivalent): nothing is valid."""
    types: tuple[str, ...] | None = None
    """Allowed JSON kinds (:data:`KINDS`), None when unconstrained."""
    integer_strict: bool = False
    const: object = MISSING
    enum: tuple[object, ...] | None = None
    # numbers
    minimum: int | float | None = None
    maximum: int | float | None = None
    exclusive_minimum: int | float | None = None
    exclusive_maximum: int | float | None = None
    multiple_of: int | float | None = None
    # strings
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    format: str | None = None
    # arrays
    prefix_items: tuple[NodeId, ...] = ()
    items: NodeId | None = None
    contains: NodeId | None = None
    min_contains: int | None = None
    max_contains: int | None = None
    min_items: int | None = None
    max_items: int | None = None
    unique_items: bool = False
    # objects
    properties: tuple[tuple[str, NodeId], ...] = ()
    pattern_properties: tuple[tuple[str, NodeId], ...] = ()
    additional_properties: NodeId | None = None
    property_names: NodeId | None = None
    required: tuple[str, ...] = ()
    dependent_required: tuple[tuple[str, tuple[str, ...]], ...] = ()
    dependent_schemas: tuple[tuple[str, NodeId], ...] = ()
    min_properties: int | None = None
    max_properties: int | None = None
    # applicators
    ref: NodeId | None = None
    dynamic_ref: DynamicRef | None = None
    all_of: tuple[NodeId, ...] = ()
    any_of: tuple[NodeId, ...] = ()
    one_of: tuple[NodeId, ...] = ()
    not_: NodeId | None = None
    if_: NodeId | None = None
    then: NodeId | None = None
    else_: NodeId | None = None
    unevaluated_items: NodeId | None = None
    unevaluated_properties: NodeId | None = None
    # analysis
    resource: int | None = None
    """Set when entering this node enters a schema resource some ``dynamic_ref`` may resolve into."""
    annotates: bool = False
    """This node must report the keys and indices it evaluated (an ``unevaluated_*`` keyword above
    it looks through it)."""

    def in_place(self) -> tuple[NodeId, ...]:
        """Subschemas applied to the same instance whose annotations count for this node
        (``not_`` excluded: it never contributes)."""
        out: list[NodeId] = []
        if self.ref is not None:
            out.append(self.ref)
        if self.dynamic_ref is not None:
            out.append(self.dynamic_ref.initial)
            out.extend(n for _, n in self.dynamic_ref.candidates)
        out.extend(self.all_of)
        out.extend(self.any_of)
        out.extend(self.one_of)
        for n in (self.if_, self.then, self.else_):
            if n is not None:
                out.append(n)
        out.extend(n for _, n in self.dependent_schemas)
        return tuple(out)

    def children(self) -> tuple[NodeId, ...]:
        """Every node this one refers to."""
        out = list(self.in_place())
        out.extend(self.prefix_items)
        for n in (
            self.items,
            self.contains,
            self.additional_properties,
            self.property_names,
            self.not_,
            self.unevaluated_items,
            self.unevaluated_properties,
        ):
            if n is not None:
                out.append(n)
        out.extend(n for _, n in self.properties)
        out.extend(n for _, n in self.pattern_properties)
        return tuple(out)

    @property
    def tracks_evaluation(self) -> bool:
        """This node needs the keys/indices evaluated (its own ``unevaluated_*``, or it annotates)."""
        return self.annotates or self.unevaluated_items is not None or self.unevaluated_properties is not None



_NOT_KEYWORDS = ("id", "source", "annotates", "resource", "const", "enum")
_keyword_fields: tuple[str, ...] = ()
_keyword_values: Any = None


def node_keywords(n: Node) -> set[str]:
    """The keywords ``n`` holds: its fields other than ``id``, ``source``, ``annotates`` and
    ``resource`` whose value is set (``const``: not MISSING; ``enum``: not None, an empty enum is
    set; the others: not None, False or an empty tuple)."""
    global _keyword_fields, _keyword_values
    if _keyword_values is None:
        _keyword_fields = tuple(f for f in field_names(Node) if f not in _NOT_KEYWORDS)
        _keyword_values = attrgetter(*_keyword_fields)
    out = {
        name
        for name, value in zip(_keyword_fields, _keyword_values(n))
        if not (value is None or value is False or (isinstance(value, tuple) and not value))
    }
    if n.const is not MISSING:
        out.add("const")
    if n.enum is not None:
        out.add("enum")
    return out

@dataclass(frozen=True)
class Validation:
    nodes: tuple[Node, ...]
    """Indexed by :data:`NodeId`."""
    types: tuple[tuple[str, NodeId], ...] = ()
    """Declaration id (``file#pointer``) -> the node validating it, sorted by id."""
    dynamic: bool = False
    """Some node uses ``dynamic_ref``: validators carry the dynamic scope."""
    assert_formats: bool = False
    """``--formats assert``: the formats of :data:`.formats.ASSERTED` are assertions."""
    _index: dict[str, NodeId] = field(default_factory=dict, compare=False, repr=False, hash=False)

    def __post_init__(self) -> None:
        self._index.update(self.types)

    def node_for(self, type_id: str) -> NodeId | None:
        return self._index.get(type_id)

    def asserted_format(self, n: Node) -> str | None:
        """The format node ``n`` asserts (None: none, or only an annotation)."""
        from .formats import ASSERTED

        if self.assert_formats and n.format is not None and n.format in ASSERTED:
            return n.format
        return None

    def conjuncts(self, start: NodeId) -> list[NodeId]:
        """``start`` and every node it applies in place through ``$ref`` and ``allOf`` (all must hold
        for ``start`` to hold), breadth first, each once: where a keyword of a declaration may sit."""
        seen = {start}
        order = [start]
        i = 0
        while i < len(order):
            n = self.nodes[order[i]]
            for c in ((n.ref,) if n.ref is not None else ()) + tuple(n.all_of):
                if c not in seen:
                    seen.add(c)
                    order.append(c)
            i += 1
        return order

    def reachable(self, start: NodeId) -> list[NodeId]:
        """Every node reachable from ``start`` (itself included), in a stable order."""
        return self.reachable_from((start,))

    def reachable_from(self, starts: Iterable[NodeId]) -> list[NodeId]:
        """Every node reachable from any of ``starts`` (themselves included), each once, in a stable
        order: one walk, where a walk per start would go over what the starts share again."""
        seen: set[NodeId] = set()
        order: list[NodeId] = []
        for start in starts:
            if start not in seen:
                seen.add(start)
                order.append(start)
        i = 0
        while i < len(order):
            for c in self.nodes[order[i]].children():
                if c not in seen:
                    seen.add(c)
                    order.append(c)
            i += 1
        return order
