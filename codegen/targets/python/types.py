"""IR -> Python (msgspec) view model: names, type expressions, defaults.

Everything a template prints is computed here as a finished string; templates only lay it out.
"""

from __future__ import annotations

import builtins
import keyword
from pathlib import PurePosixPath

from ...analysis.defaults import DefaultCheck
from ...analysis.namespaces import author_decls
from ...analysis.objects import closed_by_additional
from ...analysis.unions import single_value_variants, tag_claims, unions_of
from ...diagnostics import Diagnostics, Severity
from ...ir import model as ir
from ...ir.passes import json_kinds, references, resolve_alias
from ...records import dataclass, field, replace
from ..naming import NameTable, naming_order, pascal, report_renames, snake
from ..naming import enum_member_names as shared_enum_member_names
from .escape import py_comment, py_literal, py_str
from .layout import LINE_LENGTH, exploded

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Literal

MODULE_NAMES = frozenset(
    {
        "Annotated",
        "Any",
        "Literal",
        "TypeAlias",
        "Union",
        "TYPE_CHECKING",
        "UNSET",
        "UnsetType",
        "Meta",
        "msgspec",
        "enum",
        "annotations",
        "_runtime",
        "types",
        "methods",
        "_validators",
    }
)
RESERVED_TYPE_NAMES = frozenset(set(dir(builtins)) | set(keyword.kwlist) | MODULE_NAMES)
AUTHOR_MODULE = "component_types"
"""The module of the component authors' types (``types.py`` holds the protocol's)."""
PROTOCOL_ALIAS = "_protocol"
"""How ``component_types.py`` names ``types.py`` for a protocol type whose name an author's type has."""
AUTHORS_ALIAS = "_component_types"
"""How ``components.py`` names ``component_types.py`` for an author's type whose name it has already."""
RESERVED_FIELD_NAMES = frozenset(
    set(keyword.kwlist)
    | {"additional_properties", "self", "str", "int", "float", "bool", "list", "dict", "tuple", "None"}
    | MODULE_NAMES
)

if TYPE_CHECKING:
    Defaults = Literal["preserve", "apply"]
else:  # typing is not imported at run time
    Defaults = str


def _annotated_alias(name: str, target: str, marker: str) -> str:
    """What follows ``{name}: TypeAlias = `` in ``decl_alias.jinja``: ``Annotated[target, marker]``,
    laid out as black lays the statement out.

    When the statement is too long but its head (up to ``Annotated[``) fits, black splits at the
    subscript (the optional parentheses around the right-hand side are omitted: nothing in them but
    one subscript): the two items on one line of their own when they fit there, else one item per
    line with a trailing comma.  Written so here directly (``tests/test_layout.py`` compares it
    with black); any other case (a head too long, an item too long, non-ASCII text) is one line
    for the layout module, as before.
    """
    one = f"Annotated[{target}, {marker}]"
    head = f"{name}: TypeAlias = Annotated["
    fits = len(head) - len("Annotated[") + len(one) <= LINE_LENGTH
    if fits or len(head) > LINE_LENGTH or not (one + head).isascii():
        return one
    body = f"    {target}, {marker}"
    if len(body) <= LINE_LENGTH:
        return f"Annotated[\n{body}\n]"
    if len(target) + 5 <= LINE_LENGTH and len(marker) + 5 <= LINE_LENGTH:
        return f"Annotated[\n    {target},\n    {marker},\n]"
    return one


#: the indentation of the union hook's tables in ``decl_hook.jinja`` (class body of the ``else:``)
HOOK_TABLE_INDENT = 8


def _tuple_display(head: str, items: list[Any], indent: int = HOOK_TABLE_INDENT) -> str:
    """What follows ``head`` in the statement ``{indent}{head}(items)``: the tuple ``items`` (each
    an expression with no comma or bracket outside its own brackets and strings, or a list: a nested
    tuple of such), laid out as black lays the statement out.

    On one line when it fits.  Else black explodes the display one item per line, each with a
    trailing comma (a tuple's parentheses are a collection's: black never keeps its items together
    once they are split), and so on into a nested tuple whose line is too long.  Written so here
    directly (``tests/test_layout.py`` compares it with black on every union hook of the protocol,
    the fixtures and Kubernetes, and on seeded random tables): splitting these nested displays was the
    layout module's costliest work on the protocol.  Any other case (an item too long for its own
    line, a tuple of fewer than two items, non-ASCII text) is one line for the layout module.
    """

    def one(entries: list[Any]) -> str:
        return "(" + ", ".join(one(e) if isinstance(e, list) else e for e in entries) + ("," if len(entries) == 1 else "") + ")"

    def split(entries: list[Any], depth: int) -> list[str] | None:
        if len(entries) < 2:
            return None
        texts = []
        for e in entries:
            text = one(e) if isinstance(e, list) else e
            if depth + 4 + len(text) + 1 > LINE_LENGTH:  # too long for its own line
                inner = split(e, depth + 4) if isinstance(e, list) else None
                if inner is None:
                    return None
                text = "\n".join(inner)
            texts.append(text)
        return exploded("(", texts, depth, ")")

    text = one(items)
    if indent + len(head) + len(text) <= LINE_LENGTH or not (head + text).isascii() or indent + len(head) + 1 > LINE_LENGTH:
        return text
    lines = split(items, indent)
    return text if lines is None else "\n".join(lines)


@dataclass
class PyField:
    ident: str
    wire: str
    annotation: str
    default: str | None
    """Python source of the default (None: required)."""
    decode_default: str
    """Default used when decoding an open object ('_runtime.REQUIRED' if required)."""
    omit_if_default: bool
    doc: str | None
    field_call: str | None = None
    """``msgspec.field(...)`` source when the wire name differs or a factory is needed."""
    factory: bool = False
    """The default is a non-empty list or dict: every instance needs its own copy."""


@dataclass
class PyDecl:
    kind: Literal["struct", "open", "enum", "alias", "hook"]
    name: str
    doc: str | None
    ir_id: str
    fields: list[PyField] = field(default_factory=list)
    struct_options: str = ""
    members: list[tuple[str, str, str | None]] = field(default_factory=list)
    enum_base: str = ""
    alias: str = ""
    extra_annotation: str = ""
    variants: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    variants_table: str = ""
    """``variants`` as the tuple ``decl_hook.jinja`` writes, laid out as black does (see :func:`_tuple_display`)."""
    kinds_table: str = ""
    """``kinds`` likewise."""
    tag: str | None = None
    presence: str | None = None
    source_comment: str = ""
    closed: bool = False
    """An object rendered as an OpenObject (for its defaults) that still rejects unknown keys."""
    post_init: bool = False
    """A struct whose ``__post_init__`` makes values equal to their default the default (for omit_defaults)."""


def _class_base_name(d: ir.Decl) -> str:
    name = pascal(*d.name) or "Type"
    if name[0].isdigit():
        name = "T" + name
    return name


class PythonTypeMapper:
    def __init__(
        self,
        program: ir.Program,
        diags: Diagnostics,
        defaults: Defaults = "preserve",
        write_defaults: frozenset[str] = frozenset(),
        untracked: bool = False,
    ):
        self.program = program
        self.diags = diags
        self.defaults = defaults
        self.gc_option = "gc=False" if untracked else None
        """Every generated Struct's class option for ``--struct-gc untracked`` (None: msgspec's default)."""
        self.write_defaults = write_defaults
        """Objects that keep values equal to their default when encoded (with ``defaults="apply"``):
        component inputs and outputs, which flows read without applying schema defaults."""
        self.widened: set[str] = set()
        """Declarations whose Python type accepts more than their shape (their typed decode is not exact)."""
        self._current: str | None = None
        self.default_check = DefaultCheck({d.id: d for d in program.decls}, program.validation)
        """Whether a schema default can be applied: the decision every target shares."""
        self.decls = {d.id: self._python_view(d) for d in program.decls}
        self.author = author_decls(program)
        """The component authors' declarations: they live in ``component_types.py``."""
        self.names = NameTable("python type", RESERVED_TYPE_NAMES)
        self.author_names = NameTable("python component type", RESERVED_TYPE_NAMES)
        self.name_of: dict[str, str] = {}
        """Declaration id -> its name in its own module."""
        self.local: dict[str, str] = {}
        """How the module being rendered names declarations of the other module (else by ``name_of``)."""
        self.used: set[str] = set()
        """The declarations the rendered text names (to import them)."""
        self._assign_type_names()
        self.runtime_closed = {d.id for d in self.decls.values() if isinstance(d, ir.ObjectDecl) and self._needs_runtime(d)}
        """Closed objects rendered as OpenObject: msgspec cannot omit non-empty list/dict defaults."""
        self.tags: dict[str, tuple[str, str | int]] = {}
        self.native_unions: set[str] = set()
        self._plan_tagged_unions()
        self.hooked: set[str] = set()
        self._plan_hooks()

    def _python_view(self, d: ir.Decl) -> ir.Decl:
        """The declaration as the Python target can express it.

        msgspec refuses field names holding a quote, a backslash or a control character: such
        properties are left to ``additional_properties`` (untyped), so the object becomes open.
        """
        if not isinstance(d, ir.ObjectDecl):
            return d
        if d.closed and not closed_by_additional(self.program, d.id):
            # closed by unevaluatedProperties only: a valid value may hold keys the fields do not name
            # (the shared decision, analysis/objects.py); kept in additional_properties, the checks decide
            self.widened.add(d.id)
            d = replace(d, additional=ir.AnyType())
        bad = [f for f in d.fields if not _msgspec_name_ok(f.wire_name)]
        if not bad:
            return d
        self.widened.add(d.id)
        self.diags.warning(
            "unsupported-property-name",
            d.source.file if d.source else "",
            d.source.pointer if d.source else "",
            f"msgspec cannot name a field {', '.join(repr(f.wire_name) for f in bad)} (quote, backslash or control "
            "character): such properties are kept untyped in additional_properties, and the Python class accepts "
            "unknown keys",
        )
        return replace(d, fields=tuple(f for f in d.fields if f not in bad), additional=ir.AnyType())

    def _needs_runtime(self, d: ir.ObjectDecl) -> bool:
        if not d.closed or self.defaults != "apply" or d.id in self.write_defaults:
            return False
        for f in d.fields:
            if not f.required and isinstance(f.default, (list, dict)) and f.default and self.default_check.usable(d, f):
                if self.default_source(f.type, f.default) is not None:
                    return True
        return False

    # -- names ------------------------------------------------------------------------------
    def _assign_type_names(self) -> None:
        for d in naming_order(self.program.decls):
            wanted = _class_base_name(d)
            file = d.id.split("#", 1)[0]
            stem = PurePosixPath(file).name.split(".")[0]
            where = f"{d.source.file}#{d.source.pointer}" if d.source else d.id
            table = self.author_names if d.id in self.author else self.names
            chosen = table.claim(wanted, " ".join(d.name), where, alternatives=[pascal(stem) + wanted])
            self.name_of[d.id] = chosen
        report_renames(self.diags, self.names.renames, "Python type")
        report_renames(self.diags, self.author_names.renames, f"Python type (of {AUTHOR_MODULE}.py)")

    def protocol_names(self) -> dict[str, str]:
        """Declaration id -> name, for the protocol's declarations (``types.py``)."""
        return {k: v for k, v in self.name_of.items() if k not in self.author}

    def in_module(self, module: str) -> None:
        """Render names as ``module`` (``types`` or ``component_types``) sees them."""
        self.used = set()
        self.local = {}
        if module == AUTHOR_MODULE:
            mine = {self.name_of[k] for k in self.author}
            self.local = {
                k: f"{PROTOCOL_ALIAS}.{v}" for k, v in self.name_of.items() if k not in self.author and v in mine
            }

    # -- planning ---------------------------------------------------------------------------
    def _plan_tagged_unions(self) -> None:
        """msgspec tagged unions: sound single-value tags (shared analysis) that are strings or
        integers, on closed structs; an object is tagged only when every such union agrees on its tag."""

        def expressible(u: ir.UnionType) -> bool:
            for target, value in single_value_variants(self.decls, u) or []:
                d = self.decls[target]
                if not isinstance(value, (str, int)) or isinstance(value, bool):
                    return False
                if not isinstance(d, ir.ObjectDecl) or not d.closed or d.id in self.runtime_closed:
                    return False
            return True

        unions, claims = tag_claims(self.decls, self._all_unions(), expressible)
        for u in unions:
            ids = [v.target for v in u.variants if isinstance(v, ir.RefType)]
            if all(len(claims[i]) == 1 for i in ids):
                for i in ids:
                    prop, _, value = next(iter(claims[i]))
                    self.tags[i] = (prop, value)  # type: ignore[assignment]
                self.native_unions.add(repr(u))

    def _all_unions(self) -> list[ir.UnionType]:
        return unions_of(self.decls.values())

    def _plan_hooks(self) -> None:
        for d in self.decls.values():
            if isinstance(d, ir.AliasDecl) and isinstance(d.target, ir.UnionType) and not self._union_is_native(d.target):
                self.hooked.add(d.id)
        # aliases that reach themselves through aliases only cannot be evaluated at import time
        aliases = {d.id for d in self.decls.values() if isinstance(d, ir.AliasDecl)}
        for a in sorted(aliases):
            seen: set[str] = set()
            todo = [x for x in references(self.decls[a]) if x in aliases]
            while todo:
                x = todo.pop()
                if x == a:
                    self.hooked.add(a)
                    break
                if x in seen or x in self.hooked:
                    continue
                seen.add(x)
                todo.extend(y for y in references(self.decls[x]) if y in aliases)

    def category(self, e: ir.TypeExpr) -> str:
        if isinstance(e, ir.RefType):
            d = self.decls[e.target]
            if isinstance(d, ir.ObjectDecl):
                if not d.closed or e.target in self.runtime_closed:
                    return "custom"
                return "tagged" if e.target in self.tags else "struct"
            if isinstance(d, ir.EnumDecl):
                return "str" if d.value_kind == "string" else "int"
            if e.target in self.hooked:
                return "custom"
            return self.category(d.target)
        if isinstance(e, ir.UnionType):
            return "union"
        return {
            "any": "any",
            "null": "none",
            "bool": "bool",
            "int": "int",
            "number": "number",
            "string": "str",
            "array": "array",
            "tuple": "array",
            "map": "dict",
            "literal": "literal",
        }[e.kind]

    def _flat(self, u: ir.UnionType, seen: frozenset[str] = frozenset()) -> list[ir.TypeExpr]:
        """The variants of ``u`` with unions behind (non-hooked) aliases spliced in; cycles stop the splicing."""
        out: list[ir.TypeExpr] = []
        for v in u.variants:
            r: ir.TypeExpr = v
            through = set(seen)
            while (
                isinstance(r, ir.RefType)
                and r.target not in through
                and isinstance(self.decls[r.target], ir.AliasDecl)
                and r.target not in self.hooked
            ):
                target = self.decls[r.target].target  # type: ignore[union-attr]
                if not isinstance(target, ir.UnionType):
                    break
                through.add(r.target)
                r = target
            if isinstance(r, ir.UnionType) and r is not u:
                out.extend(self._flat(r, frozenset(through)))
            else:
                out.append(v)
        return out

    def _union_is_native(self, u: ir.UnionType) -> bool:
        cats = [self.category(v) for v in self._flat(u)]
        if "any" in cats:
            return True
        if "custom" in cats:
            return len([c for c in cats if c != "none"]) == 1
        flat = self._flat(u)
        objectish = [c for c in cats if c in ("struct", "dict", "tagged")]
        if "tagged" in objectish:
            if any(c != "tagged" for c in objectish):
                return False
            tags = [self.tags[v.target] for v in flat if isinstance(v, ir.RefType) and v.target in self.tags]
            if len({t[0] for t in tags}) != 1 or len({t[1] for t in tags}) != len(tags):
                return False
        elif len(objectish) > 1:
            return False
        if cats.count("array") > 1:
            return False
        return True

    # -- type expressions -------------------------------------------------------------------
    def ref(self, type_id: str) -> str:
        self.used.add(type_id)
        return self.local.get(type_id, self.name_of[type_id])

    def expr(self, e: ir.TypeExpr, where: ir.Source | None = None) -> str:
        if isinstance(e, ir.AnyType):
            return "Any"
        if isinstance(e, ir.NullType):
            return "None"
        if isinstance(e, ir.BoolType):
            return "bool"
        if isinstance(e, ir.IntType):
            return self._constrained("int", e.constraints, "number")
        if isinstance(e, ir.NumberType):
            return self._constrained("int", e.constraints, "number") + " | " + self._constrained("float", e.constraints, "number")
        if isinstance(e, ir.StringType):
            return self._constrained("str", e.constraints, "string")
        if isinstance(e, ir.LiteralType):
            return f"Literal[{py_literal(e.value)}]"
        if isinstance(e, ir.RefType):
            return self.ref(e.target)
        if isinstance(e, ir.ArrayType):
            if e.constraints.unique_items:
                self._widen()  # msgspec does not check it: the validator does (decode takes the validated path)
            return self._constrained(f"list[{self.expr(e.items, where)}]", e.constraints, "array")
        if isinstance(e, ir.TupleType):
            if e.rest is None:
                if not e.items:
                    return "tuple[()]"
                if (e.constraints.min_items or 0) < len(e.items):
                    self._warn(
                        where,
                        "tuple-fallback",
                        "a tuple whose last items may be missing (minItems below the number of items) is typed as "
                        "list[Any] in Python (the validator checks its items)",
                    )
                    most = min(len(e.items), e.constraints.max_items if e.constraints.max_items is not None else len(e.items))
                    return self._constrained("list[Any]", replace(e.constraints, max_items=most), "array")
                return f"tuple[{', '.join(self.expr(i, where) for i in e.items)}]"
            if not e.items:
                return self._constrained(f"list[{self.expr(e.rest, where)}]", e.constraints, "array")
            self._warn(
                where,
                "tuple-fallback",
                "a tuple that allows more items is typed as list[Any] in Python (the validator checks its items)",
            )
            return self._constrained("list[Any]", e.constraints, "array")
        if isinstance(e, ir.MapType):
            key = "str"
            if e.key_pattern is not None:
                key = f"Annotated[str, Meta(pattern={py_str(e.key_pattern)})]"
            return self._constrained(f"dict[{key}, {self.expr(e.values, where)}]", e.constraints, "object")
        if isinstance(e, ir.UnionType):
            return self._union(e, where)
        raise TypeError(e)

    def _union(self, u: ir.UnionType, where: ir.Source | None) -> str:
        flat = self._flat(u)
        if not self._union_is_native(u):
            # only simple (scalar) unions reach here inline: merge what msgspec cannot tell apart
            self._warn(where, "union-merged", "an inline union msgspec cannot decode is typed Any in Python (the validator checks it)")
            return "Any"
        literals = [v for v in flat if isinstance(v, ir.LiteralType)]
        others = [v for v in flat if not isinstance(v, ir.LiteralType)]
        parts: list[str] = []
        kinds_present = {self.category(v) for v in others}
        by_cat: dict[str, list[ir.TypeExpr]] = {}
        for v in others:
            by_cat.setdefault(self.category(v), []).append(v)
        for cat, vs in by_cat.items():
            if cat in ("str", "int", "bool", "number") and len(vs) > 1:
                self._warn(
                    where,
                    "union-merged",
                    f"several {cat} variants in one union are merged into plain {cat} in Python (the validator checks each)",
                )
                parts.append({"str": "str", "int": "int", "bool": "bool", "number": "int | float"}[cat])
            else:
                parts.extend(self.expr(v, where) for v in vs if not isinstance(v, ir.NullType))
        keep = []
        for lit in literals:
            v = lit.value
            cat = "none" if v is None else "bool" if isinstance(v, bool) else "int" if isinstance(v, int) else "str"
            if cat in kinds_present or (cat == "int" and "number" in kinds_present):
                continue
            keep.append(v)
        if keep:
            parts.insert(0, "Literal[" + ", ".join(py_literal(v) for v in keep) + "]")
        if any(isinstance(v, ir.NullType) for v in flat) and None not in keep:
            parts.append("None")
        out: list[str] = []
        for p in parts:
            if p not in out:
                out.append(p)
        return " | ".join(out) if out else "Any"

    def _constrained(self, base: str, c: ir.Constraints, kind: str) -> str:
        args: list[str] = []
        if kind == "number":
            for attr, kw in (
                ("minimum", "ge"),
                ("maximum", "le"),
                ("exclusive_minimum", "gt"),
                ("exclusive_maximum", "lt"),
                ("multiple_of", "multiple_of"),
            ):
                v = getattr(c, attr)
                if v is not None:
                    if base == "int" and isinstance(v, float) and kw != "multiple_of":
                        v = int(v) if v == int(v) else v
                    if base == "int" and isinstance(v, float):
                        continue
                    args.append(f"{kw}={py_literal(v)}")
        elif kind == "string":
            if c.min_length is not None:
                args.append(f"min_length={c.min_length}")
            if c.max_length is not None:
                args.append(f"max_length={c.max_length}")
            if c.pattern is not None:
                args.append(f"pattern={py_str(c.pattern)}")
        elif kind == "array":
            if c.min_items is not None:
                args.append(f"min_length={c.min_items}")
            if c.max_items is not None:
                args.append(f"max_length={c.max_items}")
        elif kind == "object":
            if c.min_properties is not None:
                args.append(f"min_length={c.min_properties}")
            if c.max_properties is not None:
                args.append(f"max_length={c.max_properties}")
        if not args:
            return base
        return f"Annotated[{base}, Meta({', '.join(args)})]"

    def _widen(self) -> None:
        """The declaration being rendered gets a Python type wider than its shape (not exact)."""
        if self._current is not None:
            self.widened.add(self._current)

    def _warn(self, where: ir.Source | None, code: str, message: str) -> None:
        self._widen()
        self.diags.warning(code, where.file if where else "", where.pointer if where else "", message)

    # -- JSON kinds (for hooked unions) -----------------------------------------------------
    def kinds(self, e: ir.TypeExpr) -> frozenset[str]:
        return json_kinds(self.decls, e)

    # -- defaults ---------------------------------------------------------------------------
    def default_source(self, e: ir.TypeExpr, value: object, depth: int = 0) -> str | None:
        """Python source of the JSON ``value`` as a value of type ``e`` (enum members, tuples, and for an
        object ``_runtime.default_of(json, Class)``, built afresh each time), or None if it cannot be one."""
        if depth > 30:
            return None
        r = resolve_alias(self.decls, e)
        if isinstance(r, ir.EnumDecl):
            for ident, m in zip(self.enum_member_names(r), r.members):
                if m.value == value and type(m.value) is type(value):
                    return f"{self.ref(r.id)}.{ident}"
            return py_literal(value)
        if isinstance(r, ir.ObjectDecl):
            # built when needed from the default's JSON, as a document is decoded (a fresh object each time)
            return f"_runtime.default_of({py_literal(value)}, {self.ref(r.id)})" if isinstance(value, dict) else None
        if isinstance(r, ir.UnionType):
            if value is None:
                return "None"
            kind = "object" if isinstance(value, dict) else "array" if isinstance(value, list) else None
            for v in r.variants:
                rv = resolve_alias(self.decls, v)
                if isinstance(rv, ir.EnumDecl) and any(m.value == value and type(m.value) is type(value) for m in rv.members):
                    return self.default_source(v, value, depth + 1)
                if kind is not None and kind in self.kinds(v):
                    return self.default_source(v, value, depth + 1)
            return py_literal(value) if kind is None else None
        if isinstance(r, ir.ArrayType) and isinstance(value, list):
            items = [self.default_source(r.items, x, depth + 1) for x in value]
            return None if None in items else "[" + ", ".join(items) + "]"  # type: ignore[arg-type]
        if isinstance(r, ir.TupleType) and isinstance(value, list):
            if (r.rest is not None and r.items) or (r.rest is None and (r.constraints.min_items or 0) < len(r.items)):
                return py_literal(value)  # typed list[Any]
            types = list(r.items) if r.rest is None else [r.rest] * len(value)
            if len(types) != len(value):
                return None
            parts = [self.default_source(t, x, depth + 1) for t, x in zip(types, value)]
            if None in parts:
                return None
            if r.rest is not None:
                return "[" + ", ".join(parts) + "]"  # type: ignore[arg-type]
            return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"  # type: ignore[arg-type]
        if isinstance(r, ir.MapType) and isinstance(value, dict):
            values = {k: self.default_source(r.values, v, depth + 1) for k, v in value.items()}
            if None in values.values():
                return None
            return "{" + ", ".join(f"{py_str(k)}: {v}" for k, v in values.items()) + "}"
        if isinstance(value, (list, dict)) and isinstance(r, ir.RefType):
            return None
        return py_literal(value)

    # -- declarations -----------------------------------------------------------------------
    def field_names(self, d: ir.ObjectDecl) -> list[str]:
        table = NameTable("python field", RESERVED_FIELD_NAMES)
        out = []
        # names already in snake case claim first (a set of indexes: linear in the property count)
        exact = {i for i, f in enumerate(d.fields) if snake(f.wire_name) == f.wire_name}
        order = [f for i, f in enumerate(d.fields) if i in exact] + [f for i, f in enumerate(d.fields) if i not in exact]
        chosen: dict[str, str] = {}
        for f in order:
            want = snake(f.wire_name) or "field"
            if want[0].isdigit():
                want = "field_" + want
            chosen[f.wire_name] = table.claim(want, f.wire_name, f"{d.source.file}#{d.source.pointer}" if d.source else d.id)
        for r in table.renames:
            where = d.source
            self.diags.add(
                _severity(r.reason),
                "field-renamed",
                where.file if where else "",
                where.pointer if where else "",
                f"property {r.original!r} of {self.name_of[d.id]} is the Python attribute {r.chosen!r} ({r.reason})",
            )
        for f in d.fields:
            out.append(chosen[f.wire_name])
        return out

    def decl(self, d: ir.Decl) -> PyDecl:
        self._current = d.id
        try:
            return self._decl(d)
        finally:
            self._current = None

    def _decl(self, d: ir.Decl) -> PyDecl:
        name = self.name_of[d.id]
        src = f"{d.source.file}#{d.source.pointer}" if d.source else d.id
        comment = "# " + py_comment(f"from {src}")
        if isinstance(d, ir.EnumDecl):
            return self._enum(d, name, comment)
        if isinstance(d, ir.ObjectDecl):
            return self._object(d, name, comment)
        if d.id in self.hooked:
            return self._hook(d, name, comment)
        # each alias is its own object (``Annotated`` with a marker), so that decode/validate find
        # its schema's validator: two aliases of ``str`` would otherwise be the same object
        return PyDecl(
            "alias",
            name,
            _doc(d.doc),
            d.id,
            alias=_annotated_alias(name, self.expr(d.target, d.source), f"_runtime.Named({py_str(name)})"),
            source_comment=comment,
        )

    def enum_member_names(self, d: ir.EnumDecl) -> list[str]:
        return shared_enum_member_names(d.members, "python enum member", frozenset({"mro", "name", "value", "_missing_"}))

    def _enum(self, d: ir.EnumDecl, name: str, comment: str) -> PyDecl:
        members = []
        for ident, m in zip(self.enum_member_names(d), d.members):
            members.append((ident, py_literal(m.value), py_comment(m.doc) if m.doc else None))
        base = "enum.StrEnum" if d.value_kind == "string" else "enum.IntEnum"
        return PyDecl("enum", name, _doc(d.doc), d.id, members=members, enum_base=base, source_comment=comment)

    def _object(self, d: ir.ObjectDecl, name: str, comment: str) -> PyDecl:
        idents = self.field_names(d)
        tag = self.tags.get(d.id)
        fields: list[PyField] = []
        any_default = False
        for ident, f in zip(idents, d.fields):
            if tag is not None and f.wire_name == tag[0]:
                continue
            ann = self.expr(f.type, f.source or d.source)
            default: str | None = None
            omit = False
            factory = False
            nullable = "None" in ann.split(" | ")
            if not f.required:
                source = None
                problem = self.default_check.problem(d, f) if self.defaults == "apply" else None
                if problem is not None:
                    where = f.source or d.source
                    self.diags.warning(
                        "default-not-applied",
                        where.file if where else "",
                        where.pointer if where else "",
                        f"{problem}: it is not applied, the field stays UNSET when absent",
                    )
                elif self.defaults == "apply" and f.default is not ir.MISSING:
                    source = self.default_source(f.type, f.default)
                    if source is None:
                        self._warn(
                            f.source or d.source,
                            "default-not-applied",
                            "the Python target cannot write this default as a value of the field's type; the field stays "
                            "UNSET when absent",
                        )
                if source is not None:
                    default = source
                    built = "_runtime.default_of(" in source
                    factory = built or (isinstance(f.default, (list, dict)) and bool(f.default) and not source.startswith("("))
                    omit = d.id not in self.write_defaults
                    any_default = any_default or omit
                    if f.default is None and not nullable:
                        ann += " | None"
                else:
                    ann += " | UnsetType"
                    default = "UNSET"
            fields.append(
                PyField(
                    ident=ident,
                    wire=f.wire_name,
                    annotation=ann,
                    default=default,
                    # the runtime's table of defaults holds JSON (built into objects when a value needs one)
                    decode_default=(
                        "_runtime.REQUIRED" if f.required or default is None
                        else py_literal(f.default) if "_runtime.default_of(" in default else default
                    ),
                    omit_if_default=omit,
                    doc=_doc(f.doc),
                    field_call=None,
                )
            )
            pf = fields[-1]
            args = []
            if ident != f.wire_name:
                args.append(f"name={py_str(f.wire_name)}")
            pf.factory = factory
            if pf.default is not None:
                if factory:
                    args.append(f"default_factory=lambda: {pf.default}")
                elif args:
                    args.append(f"default={pf.default}")
            if args:
                pf.field_call = f"msgspec.field({', '.join(args)})"
        if d.closed and d.id not in self.runtime_closed:
            opts = ["kw_only=True", "forbid_unknown_fields=True"]
            if any_default:
                opts.append("omit_defaults=True")
                # a required const must still be written: no default for it when defaults are omitted
                for pf in fields:
                    if not pf.omit_if_default and pf.default is not None and pf.default != "UNSET":
                        pf.default = None
                        pf.field_call = f"msgspec.field(name={py_str(pf.wire)})" if pf.ident != pf.wire else None
            if tag is not None:
                opts.append(f"tag_field={py_str(tag[0])}")
                opts.append(f"tag={py_literal(tag[1])}")
            if self.gc_option:
                opts.append(self.gc_option)
            return PyDecl(
                "struct",
                name,
                _doc(d.doc),
                d.id,
                fields=fields,
                struct_options=", ".join(opts),
                source_comment=comment,
                post_init=any_default,
            )
        extra = self.expr(d.additional, d.source) if d.additional is not None else "Any"
        return PyDecl(
            "open",
            name,
            _doc(d.doc),
            d.id,
            fields=fields,
            extra_annotation=f"dict[str, {extra}]",
            source_comment=comment,
            closed=d.closed,
        )

    def _hook(self, d: ir.AliasDecl, name: str, comment: str) -> PyDecl:
        target = d.target
        variants = list(target.variants) if isinstance(target, ir.UnionType) else [target]
        if isinstance(target, ir.UnionType):
            flat = self._flat(target)
            if len(flat) != len(variants):
                variants = flat
        exprs = [self.expr(v, d.source) for v in variants]
        kinds = ["frozenset({" + ", ".join(py_str(k) for k in sorted(self.kinds(v))) + "})" for v in variants]
        tag = None
        presence = None
        if isinstance(target, ir.UnionType) and len(variants) == len(target.variants):
            disc = target.discriminator
            if isinstance(disc, ir.TagDiscriminator) and disc.values:
                entries = ", ".join(f"{py_literal(v)}: {i}" for i, vs in enumerate(disc.values) for v in vs)
                tag = f"({py_str(disc.property)}, {{{entries}}})"
            elif isinstance(disc, ir.PresenceDiscriminator):
                rows = []
                for v, req, allowed in zip(variants, disc.required, disc.allowed):
                    obj = resolve_alias(self.decls, v)
                    if isinstance(obj, ir.ObjectDecl) and not obj.closed:
                        allowed = None  # closed by unevaluatedProperties only: other keys may be valid
                    r = "frozenset({" + ", ".join(py_str(k) for k in req) + "})" if req else "frozenset()"
                    a = "None" if allowed is None else ("frozenset({" + ", ".join(py_str(k) for k in allowed) + "})" if allowed else "frozenset()")
                    rows.append([r, a])
                presence = _tuple_display("__stepflow_presence__ = ", rows)
        union_ann = " | ".join(dict.fromkeys(exprs)) if len(exprs) > 1 else exprs[0]
        return PyDecl(
            "hook",
            name,
            _doc(d.doc),
            d.id,
            alias=union_ann,
            variants=[py_str(x) for x in exprs],
            kinds=kinds,
            variants_table=_tuple_display("__stepflow_variants__ = ", [py_str(x) for x in exprs]),
            kinds_table=_tuple_display("__stepflow_kinds__ = ", kinds),
            tag=tag,
            presence=presence,
            source_comment=comment,
        )

    # -- ordering ---------------------------------------------------------------------------
    def ordered(self, module: str = "types") -> list[PyDecl]:
        """The declarations of ``module`` (``types`` or ``component_types``): enums, then classes,
        then aliases and union hooks in dependency order.

        One order for both kinds of alias: a type checker reads a hook as its union alias, which must
        come after the aliases it names; at run time a plain alias must come after the hooks it names.
        """
        out: list[PyDecl] = []
        self.in_module(module)
        authors = module == AUTHOR_MODULE
        decls = sorted(
            (d for d in self.decls.values() if (d.id in self.author) == authors), key=lambda d: (self.name_of[d.id], d.id)
        )
        out += [self.decl(d) for d in decls if isinstance(d, ir.EnumDecl)]
        out += [self.decl(d) for d in decls if isinstance(d, ir.ObjectDecl)]
        aliases = [d for d in decls if isinstance(d, ir.AliasDecl)]
        done: set[str] = set()
        alias_ids = {a.id for a in aliases}

        def visit(a: ir.Decl, stack: set[str]) -> None:
            if a.id in done or a.id in stack:
                return
            stack.add(a.id)
            for dep in sorted(references(a)):
                if dep in alias_ids:
                    visit(self.decls[dep], stack)
            stack.discard(a.id)
            done.add(a.id)
            out.append(self.decl(a))

        for a in aliases:
            visit(a, set())
        return out


def _msgspec_name_ok(name: str) -> bool:
    # a lone surrogate cannot be encoded as UTF-8: msgspec fails when the class is created
    return not any(c in '"\\' or ord(c) < 0x20 or 0xD800 <= ord(c) <= 0xDFFF for c in name)


def _severity(reason: str) -> Severity:
    return Severity.WARNING if "already used" in reason else Severity.INFO


def _doc(text: str | None) -> str | None:
    return text or None
