"""The language-neutral intermediate representation.

Everything here is frozen data.  Nothing in this package knows about Python, TypeScript or Rust
spelling: names are *hints* (the words a schema used), wire names are the JSON keys, defaults and
constants are JSON values.  Declarations are addressed by :data:`TypeId`, a stable string built
from the schema file and JSON pointer, so references (including cycles) are plain ids.

Type expressions (``TypeExpr``) describe the shape at a use site; declarations (``Decl``) are the
named things a target emits (classes, enums, aliases).  JSON-RPC methods are IR nodes too
(:class:`Method`), bound to their params and result types.
"""

from __future__ import annotations

from ..records import dataclass, field

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Literal, Union

    from .validation import Validation

TypeId = str
"""``"<file key>#<json pointer>"``, e.g. ``"protocol.json#/$defs/MethodRequest"``."""

if TYPE_CHECKING:
    JSON = Union[None, bool, int, float, str, list["JSON"], dict[str, "JSON"]]
else:  # typing is not imported at run time
    JSON = object


class _Missing:
    """Marks 'no default' (``None`` is a valid JSON default)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING = _Missing()


@dataclass(frozen=True)
class Source:
    """Where a node came from: the schema file (as given on the command line) and a JSON pointer."""

    file: str
    pointer: str


@dataclass(frozen=True)
class Constraints:
    """Validation keywords, kept as written in the schema (None = absent)."""

    minimum: int | float | None = None
    maximum: int | float | None = None
    exclusive_minimum: int | float | None = None
    exclusive_maximum: int | float | None = None
    multiple_of: int | float | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    min_items: int | None = None
    max_items: int | None = None
    unique_items: bool = False
    min_properties: int | None = None
    max_properties: int | None = None

    def is_empty(self) -> bool:
        return self == NO_CONSTRAINTS


NO_CONSTRAINTS = Constraints()


# ---------------------------------------------------------------------------------------------
# Type expressions
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnyType:
    """Any JSON value."""

    kind: Literal["any"] = "any"


@dataclass(frozen=True)
class NullType:
    kind: Literal["null"] = "null"


@dataclass(frozen=True)
class BoolType:
    kind: Literal["bool"] = "bool"


@dataclass(frozen=True)
class IntType:
    constraints: Constraints = NO_CONSTRAINTS
    format: str | None = None
    kind: Literal["int"] = "int"


@dataclass(frozen=True)
class NumberType:
    """A JSON number that may be written as an integer or a fraction (``1`` stays ``1``)."""

    constraints: Constraints = NO_CONSTRAINTS
    format: str | None = None
    kind: Literal["number"] = "number"


@dataclass(frozen=True)
class StringType:
    constraints: Constraints = NO_CONSTRAINTS
    format: str | None = None
    kind: Literal["string"] = "string"


@dataclass(frozen=True)
class LiteralType:
    """A ``const``: exactly one scalar JSON value (string, integer, boolean or null)."""

    value: str | int | bool | None
    kind: Literal["literal"] = "literal"


@dataclass(frozen=True)
class RefType:
    """A use of a named declaration."""

    target: TypeId
    kind: Literal["ref"] = "ref"


@dataclass(frozen=True)
class ArrayType:
    items: TypeExpr
    constraints: Constraints = NO_CONSTRAINTS
    kind: Literal["array"] = "array"


@dataclass(frozen=True)
class TupleType:
    """``prefixItems`` (2020-12) or an ``items`` array (draft-07); ``rest`` None means no more items."""

    items: tuple[TypeExpr, ...]
    rest: TypeExpr | None = None
    constraints: Constraints = NO_CONSTRAINTS
    kind: Literal["tuple"] = "tuple"


@dataclass(frozen=True)
class MapType:
    """An object used as a map: every key maps to ``values`` (keys may be constrained by a pattern)."""

    values: TypeExpr
    key_pattern: str | None = None
    constraints: Constraints = NO_CONSTRAINTS
    kind: Literal["map"] = "map"


@dataclass(frozen=True)
class TagDiscriminator:
    """Variants told apart by the value of one required property (a ``const`` or OpenAPI ``discriminator``)."""

    property: str
    values: tuple[tuple[str | int | bool | None, ...], ...]
    """For each variant, the tag values that select it (same order as the variants)."""


@dataclass(frozen=True)
class PresenceDiscriminator:
    """Variants told apart by which fields are present (JSON-RPC envelopes are the classic case)."""

    required: tuple[tuple[str, ...], ...]
    """For each variant, the keys that must be present."""
    allowed: tuple[tuple[str, ...] | None, ...]
    """For each variant, the only keys allowed (None: open object, any key)."""


Discriminator = TagDiscriminator | PresenceDiscriminator


@dataclass(frozen=True)
class UnionType:
    variants: tuple[TypeExpr, ...]
    one_of: bool = True
    """``oneOf`` (exactly one variant) or ``anyOf`` (first match)."""
    discriminator: Discriminator | None = None
    kind: Literal["union"] = "union"


TypeExpr = (
    AnyType
    | NullType
    | BoolType
    | IntType
    | NumberType
    | StringType
    | LiteralType
    | RefType
    | ArrayType
    | TupleType
    | MapType
    | UnionType
)


# ---------------------------------------------------------------------------------------------
# Declarations
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    wire_name: str
    type: TypeExpr
    required: bool
    default: object = MISSING
    """A JSON value, or MISSING."""
    doc: str | None = None
    deprecated: bool = False
    source: Source | None = None


@dataclass(frozen=True)
class ObjectDecl:
    id: TypeId
    name: tuple[str, ...]
    """Name hint: the words the schema used, outermost first (e.g. ``("StepOverride", "value")``)."""
    fields: tuple[Field, ...]
    additional: TypeExpr | None
    """None: closed (unknown keys rejected).  Otherwise the type of every extra value (AnyType: anything)."""
    doc: str | None = None
    source: Source | None = None
    extensions: tuple[tuple[str, object], ...] = ()
    kind: Literal["object"] = "object"

    @property
    def closed(self) -> bool:
        return self.additional is None


@dataclass(frozen=True)
class EnumMember:
    value: str | int
    name_hint: str | None = None
    """From ``x-enum-varnames``/``x-enumNames``, if the schema gave one."""
    doc: str | None = None


@dataclass(frozen=True)
class EnumDecl:
    id: TypeId
    name: tuple[str, ...]
    members: tuple[EnumMember, ...]
    value_kind: Literal["string", "integer"]
    doc: str | None = None
    source: Source | None = None
    kind: Literal["enum"] = "enum"


@dataclass(frozen=True)
class AliasDecl:
    """A named type that is not an object or enum: a union, an array, a constrained string, any value..."""

    id: TypeId
    name: tuple[str, ...]
    target: TypeExpr
    doc: str | None = None
    source: Source | None = None
    kind: Literal["alias"] = "alias"


Decl = ObjectDecl | EnumDecl | AliasDecl


# ---------------------------------------------------------------------------------------------
# Protocol (JSON-RPC method table)
# ---------------------------------------------------------------------------------------------

if TYPE_CHECKING:
    Direction = Literal["clientToServer", "serverToClient", "both"]
else:  # typing is not imported at run time
    Direction = str


@dataclass(frozen=True)
class Method:
    name: str
    """The wire name, e.g. ``components/execute``."""
    direction: Direction
    notification: bool
    params: TypeExpr
    result: TypeExpr | None
    """None for notifications."""
    errors: tuple[int, ...] = ()
    doc: str | None = None
    deprecated: str | None = None
    source: Source | None = None


@dataclass(frozen=True)
class Protocol:
    name: str
    version: str | None
    client_role: str
    server_role: str
    methods: tuple[Method, ...]
    error_codes: TypeId | None = None
    doc: str | None = None
    source: Source | None = None
    profile: str | None = None
    """An opt-in layer on top of the plain JSON-RPC peers (e.g. ``"stepflow-components"``: the
    component registry, ``components/*`` handling and the ``initialize`` answer), or None."""
    namespace: str | None = None
    """The prefix of the classes a target names after the protocol (``"Stepflow"`` gives
    ``StepflowServer``, ``StepflowClient``...); None gives unprefixed names."""


PROFILES = ("stepflow-components",)
"""The profiles a method table may opt into (see docs/method-table.md)."""


# ---------------------------------------------------------------------------------------------
# Components (component manifests)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Component:
    """A component a server offers, from a component manifest (``urn:stepflow-codegen:components:v1``).

    ``input``/``output`` are the types of its input and output (references to the declarations the
    manifest points at); ``input_schema``/``output_schema`` are the canonical JSON Schemas the server
    reports for them: the referenced schema with every definition it uses bundled into ``$defs``
    (self-contained, ``$ref``s are ``#/$defs/...``).  They are JSON data: never mutate them.
    """

    name: str
    """The component's name as the server registers it (``process_data`` -> ``/process_data``)."""
    description: str | None
    input: TypeExpr
    output: TypeExpr
    input_schema: JSON
    output_schema: JSON
    source: Source | None = None
    """The manifest file and the pointer of the component's entry."""


# ---------------------------------------------------------------------------------------------
# The whole program
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Root:
    """A schema file's root type (its own top-level schema), and the file it came from."""

    file: str
    type: TypeId


@dataclass(frozen=True)
class Program:
    decls: tuple[Decl, ...]
    """Sorted by id."""
    roots: tuple[Root, ...] = ()
    protocol: Protocol | None = None
    inputs: tuple[str, ...] = ()
    components: tuple[Component, ...] = ()
    """Sorted by name; empty unless a component manifest was among the inputs."""
    validation: Validation | None = None
    """Every assertion of the schemas (see :mod:`.validation`), with the node of each declaration."""
    _index: dict[TypeId, Decl] = field(default_factory=dict, compare=False, repr=False, hash=False)

    def __post_init__(self) -> None:
        self._index.update({d.id: d for d in self.decls})

    def decl(self, type_id: TypeId) -> Decl:
        return self._index[type_id]

    def get(self, type_id: TypeId) -> Decl | None:
        return self._index.get(type_id)
