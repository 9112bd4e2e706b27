"""JSON Schema (draft-07 and 2020-12) -> IR.

Every ``$defs``/``definitions`` entry and every file root becomes a named declaration; inline
objects, enums and non-trivial unions become declarations named after their path.  Keywords the
IR cannot express are reported as warnings with the file and JSON pointer, together with the
fallback that was used (the fallback always accepts at least what the schema accepts, so no data
is lost).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from ..diagnostics import Diagnostics
from ..ir import model as ir
from ..records import replace
from .loader import (
    SCHEMA_ARRAY_KEYWORDS,
    SCHEMA_KEYWORDS,
    SCHEMA_MAP_KEYWORDS,
    LoadError,
    Workspace,
    pointer_join,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

ANNOTATIONS = {
    "$schema",
    "$id",
    "$anchor",
    "$comment",
    "$defs",
    "definitions",
    "title",
    "description",
    "default",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
    "$dynamicAnchor",
}

OBJECT_KEYWORDS = {
    "properties",
    "required",
    "additionalProperties",
    "patternProperties",
    "minProperties",
    "maxProperties",
    "unevaluatedProperties",
    "propertyNames",
    "dependentRequired",
    "dependentSchemas",
    "dependencies",
}
ARRAY_KEYWORDS = {"items", "prefixItems", "additionalItems", "minItems", "maxItems", "uniqueItems", "contains"}
STRING_KEYWORDS = {"minLength", "maxLength", "pattern", "format", "contentEncoding", "contentMediaType"}
NUMBER_KEYWORDS = {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}
UNSUPPORTED = {
    "not": "'not' is not part of the type; the generated validators check it",
    "if": "'if'/'then'/'else' is not part of the type; the generated validators check it",
    "contains": "'contains' is not part of the type; the generated validators check it",
    "propertyNames": "'propertyNames' is not part of the type; the generated validators check it",
    "dependentRequired": "'dependentRequired' is not part of the type; the generated validators check it",
    "dependentSchemas": "'dependentSchemas' is not part of the type; the generated validators check it",
    "dependencies": "'dependencies' is not part of the type; the generated validators check it",
    "$dynamicRef": "'$dynamicRef' is typed as any JSON value; the generated validators resolve and check it",
    "unevaluatedItems": "'unevaluatedItems' is not part of the type; the generated validators check it",
}
"""Keywords the shape does not express; every one is in the validation graph (notes, not warnings)."""


def tid(file: str, pointer: str) -> ir.TypeId:
    return f"{file}#{pointer}"


class Converter:
    def __init__(
        self, ws: Workspace, diags: Diagnostics, root_names: dict[str, str] | None = None, infer_kinds: bool = True
    ):
        self.infer_kinds = infer_kinds
        """A schema without ``type`` is typed by the kind its keywords apply to (the type generators' convention)."""
        self.ws = ws
        self.diags = diags
        self.root_names = root_names or {}
        self.decls: dict[ir.TypeId, ir.Decl] = {}
        self.pending: set[ir.TypeId] = set()
        self.allof_stack: list[tuple[str, str]] = []
        self.roots: list[ir.Root] = []
        self.merged: list[tuple[str, str, ir.TypeId]] = []
        """(file, pointer, target): schemas inlined by ``allOf``/``$ref`` merging (they leave no RefType)."""

    # -- diagnostics ------------------------------------------------------------------------
    def warn(self, file: str, pointer: str, code: str, message: str, hint: str = "") -> None:
        self.diags.warning(code, self.ws.display(file), pointer, message, hint)

    def note(self, file: str, pointer: str, code: str, message: str, hint: str = "") -> None:
        """What the shape leaves to the validators: shown with -v, never a lint finding."""
        self.diags.info(code, self.ws.display(file), pointer, message, hint)

    def error(self, file: str, pointer: str, code: str, message: str, hint: str = "") -> None:
        self.diags.error(code, self.ws.display(file), pointer, message, hint)

    # -- entry points -----------------------------------------------------------------------
    def convert_document(self, key: str) -> None:
        doc = self.ws.docs[key]
        data = doc.data
        if not isinstance(data, (dict, bool)):
            self.error(key, "", "not-a-schema", "a schema must be a JSON object or boolean", "check the file")
            return
        if isinstance(data, dict):
            for defs_kw in ("$defs", "definitions"):
                defs = data.get(defs_kw)
                if defs is None:
                    continue
                if not isinstance(defs, dict):
                    self.error(key, "/" + defs_kw, "bad-keyword", f"'{defs_kw}' must be an object")
                    continue
                for name in defs:
                    self.named(key, pointer_join("/" + defs_kw, name))
        if self._has_root(data):
            root = self.named(key, "")
            self.roots.append(ir.Root(doc.display, root))

    @staticmethod
    def _has_root(data: Any) -> bool:
        if isinstance(data, bool):
            return True
        keys = set(data) - ANNOTATIONS
        return bool(keys)

    # -- naming -----------------------------------------------------------------------------
    def name_for(self, file: str, pointer: str, schema: Any) -> tuple[str, ...]:
        if pointer == "":
            doc = self.ws.docs[file]
            if doc.display in self.root_names:
                return (self.root_names[doc.display],)
            if file in self.root_names:
                return (self.root_names[file],)
            if isinstance(schema, dict) and isinstance(schema.get("title"), str) and schema["title"].strip():
                return (schema["title"].strip(),)
            stem = Path(file).name
            for suffix in (".schema.json", ".json"):
                if stem.endswith(suffix):
                    stem = stem[: -len(suffix)]
                    break
            return (stem,)
        parts = pointer.split("/")
        last = parts[-1].replace("~1", "/").replace("~0", "~")
        if len(parts) == 3 and parts[1] in ("$defs", "definitions"):
            return (last,)
        if isinstance(schema, dict) and isinstance(schema.get("title"), str) and schema["title"].strip():
            return (schema["title"].strip(),)
        return tuple(p.replace("~1", "/").replace("~0", "~") for p in parts[1:] if p not in ("properties",))

    # -- declarations -----------------------------------------------------------------------
    def named(self, file: str, pointer: str, name: tuple[str, ...] | None = None) -> ir.TypeId:
        type_id = tid(file, pointer)
        if type_id in self.decls or type_id in self.pending:
            return type_id
        self.pending.add(type_id)
        schema = self.ws.get(file, pointer)
        if name is None:
            name = self.name_for(file, pointer, schema)
        decl = self._build_decl(schema, file, pointer, name, type_id)
        self.decls[type_id] = decl
        self.pending.discard(type_id)
        return type_id

    def _build_decl(self, schema: Any, file: str, pointer: str, name: tuple[str, ...], type_id: str) -> ir.Decl:
        source = ir.Source(self.ws.display(file), pointer)
        s = self.normalize(schema, file, pointer)
        doc = _doc(s)
        if self._is_object_decl(s):
            return self._object_decl(s, file, pointer, name, type_id)
        if self._is_nullable_object_decl(s):
            # type: [object, null] with properties: the object keeps the name, uses are "object | null"
            obj_id = type_id + "/object"
            self.decls[obj_id] = self._object_decl(s, file, pointer, name, obj_id)
            return ir.AliasDecl(type_id, name + ("or null",), ir.UnionType((ir.RefType(obj_id), ir.NullType()), one_of=False), doc, source)
        enum_decl = self._enum_decl(s, file, pointer, name, type_id)
        if enum_decl is not None:
            if isinstance(enum_decl, ir.EnumDecl):
                return enum_decl
            # enum with null: the schema's name is "enum | null"; the enum gets its own id and a derived name
            self.decls[enum_decl[0].id] = replace(enum_decl[0], name=name + ("enum",))
            return ir.AliasDecl(type_id, name, enum_decl[1], doc, source)
        expr = self.expr(s, file, pointer, name, top=True)
        return ir.AliasDecl(type_id, name, expr, doc, source)

    # -- normalisation ----------------------------------------------------------------------
    def normalize(self, schema: Any, file: str, pointer: str) -> dict[str, Any]:
        """Booleans to objects, OpenAPI ``nullable``, ``allOf`` merged, ``$ref`` with validation siblings merged."""
        if schema is True:
            return {}
        if schema is False:
            self.note(file, pointer, "false-schema", "schema 'false' accepts nothing: typed as any JSON value, the validators reject every value")
            return {}
        if not isinstance(schema, dict):
            self.error(file, pointer, "not-a-schema", f"expected a schema object, found {type(schema).__name__}")
            return {}
        s = dict(schema)
        if "$ref" in s and self.ws.docs[file].dialect == "draft-07":
            ignored = sorted(k for k in s if k != "$ref" and k not in ANNOTATIONS and not k.startswith("x-"))
            if ignored:
                self.warn(
                    file,
                    pointer,
                    "ref-siblings-ignored",
                    f"in draft-07 the keywords beside '$ref' are ignored ({', '.join(ignored)})",
                    "move them into an allOf with the $ref, or use draft 2020-12",
                )
                s = {k: v for k, v in s.items() if k not in ignored}
        for kw, why in UNSUPPORTED.items():
            if kw in s and not (kw == "propertyNames" and s[kw] in ({}, True, {"type": "string"})):
                self.note(file, pointer_join(pointer, kw), "validated-not-typed", why)
        if "allOf" in s:
            s = self._merge_allof(s, file, pointer)
        if "$ref" in s and {k for k in s if not _is_annotation(k)} - {"$ref"}:
            ref = s.pop("$ref")
            annotations = {k: v for k, v in s.items() if _is_annotation(k)}
            rest = {k: v for k, v in s.items() if not _is_annotation(k)}
            target = self._ref(ref, file, pointer)
            merged = self._merge_two(self._deref_schema(target, file, pointer), rest, file, pointer)
            merged.update(annotations)
            s = merged
        if s.get("nullable") is True:
            s.pop("nullable")
            s = {"anyOf": [s, {"type": "null"}], **{k: s[k] for k in ("description", "title", "default") if k in s}}
        return s

    def _ref(self, ref: Any, file: str, pointer: str) -> tuple[str, str]:
        if not isinstance(ref, str):
            raise LoadError(self.ws.display(file), pointer, "'$ref' must be a string")
        return self.ws.resolve_ref(ref, file, pointer_join(pointer, "$ref"))

    def _deref_schema(self, target: tuple[str, str], file: str, pointer: str) -> dict[str, Any]:
        key = target
        if key in self.allof_stack:
            chain = " -> ".join(self.ws.display(f) + "#" + (p or "/") for f, p in self.allof_stack + [key])
            raise LoadError(
                self.ws.display(file),
                pointer,
                f"cycle in allOf: {chain}",
                "a type cannot include itself through allOf; break the cycle with a property",
            )
        self.allof_stack.append(key)
        self.merged.append((file, pointer, tid(*target)))
        try:
            sub = self._absolute_refs(self.ws.get(*target), target[0], target[1])
            return self.normalize(sub, target[0], target[1])
        finally:
            self.allof_stack.pop()

    def _absolute_refs(self, node: Any, file: str, pointer: str) -> Any:
        """A copy of the schema at ``file#pointer`` whose ``$ref``s name their targets absolutely.

        An inlined schema (``$ref`` with siblings, ``allOf``) is merged into another location; its
        references must keep meaning what they meant where they were written (their schema
        resource's base URI), so each becomes ``<file URI>#<pointer of the target>``.
        """
        if not isinstance(node, dict):
            return node
        out = dict(node)
        ref = node.get("$ref")
        if isinstance(ref, str):
            try:
                key, target = self.ws.resolve_ref(ref, file, pointer_join(pointer, "$ref"))
            except LoadError:
                pass  # reported where the reference is used
            else:
                out["$ref"] = self.ws.docs[key].path.as_uri() + "#" + quote(target, safe="/~!$&'()*+,;=:@")
        for kw, value in node.items():
            if kw in SCHEMA_KEYWORDS or (kw == "items" and isinstance(value, dict)):
                out[kw] = self._absolute_refs(value, file, pointer_join(pointer, kw))
            elif (kw in SCHEMA_ARRAY_KEYWORDS or kw == "items") and isinstance(value, list):
                out[kw] = [self._absolute_refs(v, file, pointer_join(pointer, kw, i)) for i, v in enumerate(value)]
            elif kw in SCHEMA_MAP_KEYWORDS and isinstance(value, dict):
                out[kw] = {k: self._absolute_refs(v, file, pointer_join(pointer, kw, k)) for k, v in value.items()}
        return out

    def _merge_allof(self, s: dict[str, Any], file: str, pointer: str) -> dict[str, Any]:
        parts = s.pop("allOf")
        if not isinstance(parts, list):
            self.error(file, pointer_join(pointer, "allOf"), "bad-keyword", "'allOf' must be an array")
            return s
        # _deref_schema has already pushed this schema when it was reached through a $ref
        entered = bool(self.allof_stack) and self.allof_stack[-1] == (file, pointer)
        if not entered and (file, pointer) in self.allof_stack:
            chain = " -> ".join(self.ws.display(f) + "#" + (p or "/") for f, p in self.allof_stack + [(file, pointer)])
            raise LoadError(
                self.ws.display(file),
                pointer,
                f"cycle in allOf: {chain}",
                "a type cannot include itself through allOf; break the cycle with a property",
            )
        if not entered:
            self.allof_stack.append((file, pointer))
        try:
            merged: dict[str, Any] = {}
            for i, part in enumerate(parts):
                at = pointer_join(pointer, "allOf", i)
                if isinstance(part, dict) and set(part) - ANNOTATIONS == {"$ref"}:
                    sub = self._deref_schema(self._ref(part["$ref"], file, at), file, at)
                else:
                    sub = self.normalize(part, file, at)
                merged = self._merge_two(merged, sub, file, at)
        finally:
            if not entered:
                self.allof_stack.pop()
        annotations = {k: v for k, v in s.items() if k in ANNOTATIONS}
        rest = {k: v for k, v in s.items() if k not in ANNOTATIONS}
        merged = self._merge_two(merged, rest, file, pointer)
        for k in ("title", "description", "deprecated"):
            merged.pop(k, None)
        merged.update(annotations)
        return merged

    def _merge_two(self, a: dict[str, Any], b: dict[str, Any], file: str, pointer: str) -> dict[str, Any]:
        out = dict(a)
        for k, v in b.items():
            if k not in out:
                out[k] = v
            elif k == "properties":
                props = dict(out[k])
                for pk, pv in v.items():
                    props[pk] = pv if pk not in props or props[pk] == pv else {"allOf": [props[pk], pv]}
                out[k] = props
            elif k == "required":
                out[k] = list(dict.fromkeys(list(out[k]) + list(v)))
            elif k == "unevaluatedProperties":
                # an inner unevaluatedProperties evaluates keys the outer one then does not see:
                # the merged shape is closed only when both are
                out[k] = False if out[k] is False and v is False else True
            elif k == "additionalProperties":
                if out[k] is False or v is False:
                    out[k] = False
                elif out[k] is True or out[k] == {}:
                    out[k] = v
            elif k == "type":
                ta = set(out[k]) if isinstance(out[k], list) else {out[k]}
                tb = set(v) if isinstance(v, list) else {v}
                both = ta & tb
                if not both and {"integer"} <= (ta | tb) and "number" in (ta | tb):
                    both = {"integer"}
                if not both:
                    self.warn(
                        file,
                        pointer,
                        "allof-conflict",
                        f"allOf parts disagree on type ({sorted(ta)} vs {sorted(tb)}): no value is valid; the validators reject every one",
                    )
                    both = tb
                out[k] = sorted(both)[0] if len(both) == 1 else sorted(both)
            elif k in ("minimum", "minLength", "minItems", "minProperties", "exclusiveMinimum"):
                out[k] = max(out[k], v)
            elif k in ("maximum", "maxLength", "maxItems", "maxProperties", "exclusiveMaximum"):
                out[k] = min(out[k], v)
            elif k in ANNOTATIONS:
                out[k] = v
            elif out[k] != v:
                self.warn(
                    file,
                    pointer,
                    "allof-conflict",
                    f"allOf parts give different values for '{k}': the type uses the later one, the validators check both",
                )
                out[k] = v
        return out

    # -- classification ---------------------------------------------------------------------
    @staticmethod
    def _types(s: dict[str, Any]) -> list[str] | None:
        t = s.get("type")
        if t is None:
            return None
        return list(t) if isinstance(t, list) else [t]

    def _is_object_decl(self, s: dict[str, Any]) -> bool:
        types = self._types(s)
        if types is not None and types != ["object"]:
            return False
        if types is None and not self.infer_kinds:
            return False
        if any(k in s for k in ("oneOf", "anyOf", "enum", "const", "$ref")):
            return False
        return isinstance(s.get("properties"), dict) and bool(s["properties"])

    def _is_nullable_object_decl(self, s: dict[str, Any]) -> bool:
        types = self._types(s)
        return (
            types is not None
            and sorted(types) == ["null", "object"]
            and self._is_object_decl({k: v for k, v in s.items() if k != "type"})
        )

    def _enum_decl(
        self, s: dict[str, Any], file: str, pointer: str, name: tuple[str, ...], type_id: str
    ) -> ir.EnumDecl | tuple[ir.EnumDecl, ir.TypeExpr] | None:
        values = s.get("enum")
        if not isinstance(values, list) or not values or "oneOf" in s or "anyOf" in s:
            return None
        non_null = [v for v in values if v is not None]
        has_null = len(non_null) != len(values)
        if len(non_null) < 1:
            return None
        if len(non_null) == 1 and not has_null and len(values) == 1:
            return None  # a single value is a literal
        if all(isinstance(v, str) for v in non_null):
            kind = "string"
        elif all(isinstance(v, int) and not isinstance(v, bool) for v in non_null):
            kind = "integer"
        else:
            return None
        names = s.get("x-enum-varnames") or s.get("x-enumNames") or s.get("x-enum-names")
        descs = s.get("x-enum-descriptions")
        if names is not None and (not isinstance(names, list) or len(names) != len(values)):
            self.warn(file, pointer, "enum-varnames", "x-enum-varnames does not match 'enum' in length; ignored")
            names = None
        members = []
        seen: set[Any] = set()
        for i, v in enumerate(values):
            if v is None or (kind, v) in seen:
                continue
            seen.add((kind, v))
            hint = names[i] if names and isinstance(names[i], str) else None
            d = descs[i] if isinstance(descs, list) and i < len(descs) and isinstance(descs[i], str) else None
            members.append(ir.EnumMember(v, hint, d))
        source = ir.Source(self.ws.display(file), pointer)
        if has_null:
            enum_id = type_id + "/enum"
            decl = ir.EnumDecl(enum_id, name, tuple(members), kind, _doc(s), source)  # type: ignore[arg-type]
            return decl, ir.UnionType((ir.RefType(enum_id), ir.NullType()), one_of=False)
        return ir.EnumDecl(type_id, name, tuple(members), kind, _doc(s), source)  # type: ignore[arg-type]

    # -- expressions ------------------------------------------------------------------------
    def expr(
        self, schema: Any, file: str, pointer: str, name: tuple[str, ...], top: bool = False
    ) -> ir.TypeExpr:
        """The type expression for a schema at ``file#pointer``.

        ``top`` is true when the caller is building the named declaration for this very location,
        so objects/enums/unions must not create a second declaration for it.
        """
        s = schema if top else self.normalize(schema, file, pointer)
        if "$ref" in s:
            target = self._ref(s["$ref"], file, pointer)
            return ir.RefType(self.named(*target))
        if "const" in s:
            return self._const(s["const"], file, pointer)
        if "enum" in s and "oneOf" not in s and "anyOf" not in s:
            return self._enum_expr(s, file, pointer, name, top)
        if "oneOf" in s or "anyOf" in s:
            return self._union_expr(s, file, pointer, name, top)
        types = self._types(s)
        if types is None:
            keys = set(s)
            if not self.infer_kinds:
                return ir.AnyType()
            if keys & OBJECT_KEYWORDS:
                types = ["object"]
            elif keys & ARRAY_KEYWORDS:
                types = ["array"]
            else:
                inferred = []
                if keys & STRING_KEYWORDS:
                    inferred.append("string")
                if keys & NUMBER_KEYWORDS:
                    inferred.append("number")
                if inferred:
                    self.note(
                        file,
                        pointer,
                        "untyped-constraints",
                        "validation keywords without 'type' constrain only some kinds of values: "
                        "the type is any JSON value, the generated validators check the keywords",
                        "add 'type' to the schema",
                    )
                return ir.AnyType()
        if len(types) > 1:
            variants = []
            for t in types:
                if t == "object" and isinstance(s.get("properties"), dict) and s["properties"]:
                    # the location's own id names the union; its object part is a declaration of its own
                    # (``type: [object, boolean]`` with properties, as the JSON Schema meta-schemas write)
                    obj = self._inline_object(s, file, pointer, name + ("object",), suffix="/object")
                    variants.append(ir.RefType(obj))
                    continue
                variants.append(self._typed(t, s, file, pointer, name, top=False))
            return _simplify_union(tuple(variants), one_of=False)
        return self._typed(types[0], s, file, pointer, name, top)

    def _const(self, value: Any, file: str, pointer: str) -> ir.TypeExpr:
        if value is None or isinstance(value, (str, bool)) or (isinstance(value, int)):
            return ir.LiteralType(value)
        self.note(
            file,
            pointer_join(pointer, "const"),
            "const-fallback",
            f"a const {type(value).__name__} is typed by its JSON kind; the generated validators check the value",
        )
        if isinstance(value, float):
            return ir.NumberType()
        if isinstance(value, list):
            return ir.ArrayType(ir.AnyType())
        return ir.MapType(ir.AnyType())

    def _enum_expr(self, s: dict[str, Any], file: str, pointer: str, name: tuple[str, ...], top: bool) -> ir.TypeExpr:
        values = s["enum"]
        if not isinstance(values, list) or not values:
            self.error(file, pointer_join(pointer, "enum"), "bad-keyword", "'enum' must be a non-empty array")
            return ir.AnyType()
        if len(values) == 1:
            return self._const(values[0], file, pointer)
        if not top:
            made = self._enum_decl(s, file, pointer, name, tid(file, pointer))
            if made is not None:
                if isinstance(made, ir.EnumDecl):
                    self.decls[made.id] = made
                    return ir.RefType(made.id)
                self.decls[made[0].id] = made[0]
                return made[1]
        lits = [self._const(v, file, pointer) for v in values]
        return _simplify_union(tuple(lits), one_of=False)

    def _union_expr(self, s: dict[str, Any], file: str, pointer: str, name: tuple[str, ...], top: bool) -> ir.TypeExpr:
        kw = "oneOf" if "oneOf" in s else "anyOf"
        if "oneOf" in s and "anyOf" in s:
            self.note(file, pointer, "validated-not-typed", "both oneOf and anyOf given: the type follows oneOf, the validators check both")
        options = s[kw]
        if not isinstance(options, list) or not options:
            self.error(file, pointer_join(pointer, kw), "bad-keyword", f"'{kw}' must be a non-empty array")
            return ir.AnyType()
        parent = {k: v for k, v in s.items() if k not in ANNOTATIONS and k not in ("oneOf", "anyOf", "discriminator")}
        variants: list[ir.TypeExpr] = []
        for i, opt in enumerate(options):
            at = pointer_join(pointer, kw, i)
            if parent and isinstance(opt, dict):
                sub = self._merge_two(parent, self.normalize(opt, file, at), file, at)
                opt_name = name + (_variant_name(opt, i),)
                if self._is_object_decl(sub):
                    variants.append(ir.RefType(self._inline_object(sub, file, at, opt_name)))
                else:
                    variants.append(self.expr(sub, file, at, opt_name, top=False))
            else:
                variants.append(self.expr(opt, file, at, name + (_variant_name(opt, i),)))
        union = _simplify_union(tuple(variants), one_of=(kw == "oneOf"))
        disc = s.get("discriminator")
        if isinstance(union, ir.UnionType) and isinstance(disc, dict) and isinstance(disc.get("propertyName"), str):
            values = self._discriminator_values(disc, union, file, pointer_join(pointer, "discriminator"))
            union = ir.UnionType(union.variants, union.one_of, ir.TagDiscriminator(disc["propertyName"], values))
        if top or not isinstance(union, ir.UnionType) or _is_simple_union(union):
            return union
        # a non-trivial inline union gets a name so every target can refer to it
        type_id = tid(file, pointer)
        if type_id not in self.decls:
            self.decls[type_id] = ir.AliasDecl(type_id, name, union, _doc(s), ir.Source(self.ws.display(file), pointer))
        return ir.RefType(type_id)

    def _discriminator_values(
        self, disc: dict[str, Any], union: ir.UnionType, file: str, pointer: str
    ) -> tuple[tuple[str | int | bool | None, ...], ...]:
        """OpenAPI tag values per variant: from ``mapping``, else the name of the referenced schema.

        Used only when the variants do not pin the property with a ``const`` themselves; () if
        some variant is not a ``$ref`` to a named schema.
        """
        mapping = disc.get("mapping")
        by_target: dict[str, list[str]] = {}
        if isinstance(mapping, dict):
            for value, ref in mapping.items():
                if not isinstance(ref, str):
                    continue
                if "#" not in ref and "/" not in ref and not ref.endswith(".json"):
                    # a bare schema name
                    for v in union.variants:
                        if isinstance(v, ir.RefType) and v.target.rsplit("/", 1)[-1] == ref:
                            by_target.setdefault(v.target, []).append(value)
                    continue
                try:
                    target = tid(*self.ws.resolve_ref(ref, file, pointer_join(pointer, "mapping", value)))
                except LoadError as e:
                    self.warn(file, pointer_join(pointer, "mapping", value), "bad-discriminator", e.message)
                    continue
                by_target.setdefault(target, []).append(value)
        values: list[tuple[str | int | bool | None, ...]] = []
        for v in union.variants:
            if not isinstance(v, ir.RefType):
                return ()
            if v.target in by_target:
                values.append(tuple(by_target[v.target]))
                continue
            target_pointer = v.target.split("#", 1)[1]
            if not target_pointer:
                return ()
            values.append((target_pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~"),))
        return tuple(values)

    def _typed(self, t: str, s: dict[str, Any], file: str, pointer: str, name: tuple[str, ...], top: bool) -> ir.TypeExpr:
        if t == "null":
            return ir.NullType()
        if t == "boolean":
            return ir.BoolType()
        if t == "integer":
            return ir.IntType(self._constraints(s, file, pointer, "number"), _fmt(s))
        if t == "number":
            return ir.NumberType(self._constraints(s, file, pointer, "number"), _fmt(s))
        if t == "string":
            return ir.StringType(self._constraints(s, file, pointer, "string"), _fmt(s))
        if t == "array":
            return self._array(s, file, pointer, name)
        if t == "object":
            if isinstance(s.get("properties"), dict) and s["properties"]:
                return ir.RefType(self._inline_object(s, file, pointer, name))
            return self._map(s, file, pointer, name)
        self.error(file, pointer_join(pointer, "type"), "bad-keyword", f"unknown type {t!r}")
        return ir.AnyType()

    def _constraints(self, s: dict[str, Any], file: str, pointer: str, kind: str) -> ir.Constraints:
        def num(k: str) -> int | float | None:
            v = s.get(k)
            if v is None or isinstance(v, bool):
                return None
            if isinstance(v, (int, float)):
                return v
            self.error(file, pointer_join(pointer, k), "bad-keyword", f"'{k}' must be a number")
            return None

        def count(k: str) -> int | None:
            v = s.get(k)
            if v is None:
                return None
            if isinstance(v, float) and v.is_integer():  # 2.0 is an integer in JSON Schema
                v = int(v)
            if isinstance(v, int) and not isinstance(v, bool) and v >= 0:
                return v
            self.error(file, pointer_join(pointer, k), "bad-keyword", f"'{k}' must be a non-negative integer")
            return None

        emin, emax = s.get("exclusiveMinimum"), s.get("exclusiveMaximum")
        minimum, maximum = num("minimum"), num("maximum")
        if emin is True:  # draft-04 boolean form
            emin, minimum = minimum, None
        if emax is True:
            emax, maximum = maximum, None
        pattern = s.get("pattern")
        if pattern is not None:
            if not isinstance(pattern, str):
                self.error(file, pointer_join(pointer, "pattern"), "bad-keyword", "'pattern' must be a string")
                pattern = None
            else:
                from ..analysis import ecma_regex  # only schemas with patterns need it

                try:
                    ecma_regex.translate(pattern)
                except ecma_regex.PatternError:
                    pattern = None  # reported by the validation builder
        return ir.Constraints(
            minimum=minimum,
            maximum=maximum,
            exclusive_minimum=emin if isinstance(emin, (int, float)) and not isinstance(emin, bool) else None,
            exclusive_maximum=emax if isinstance(emax, (int, float)) and not isinstance(emax, bool) else None,
            multiple_of=num("multipleOf"),
            min_length=count("minLength"),
            max_length=count("maxLength"),
            pattern=pattern,
            min_items=count("minItems"),
            max_items=count("maxItems"),
            unique_items=s.get("uniqueItems") is True,
            min_properties=count("minProperties"),
            max_properties=count("maxProperties"),
        )

    def _array(self, s: dict[str, Any], file: str, pointer: str, name: tuple[str, ...]) -> ir.TypeExpr:
        c = self._constraints(s, file, pointer, "array")
        prefix = s.get("prefixItems")
        items = s.get("items")
        if prefix is None and isinstance(items, list):
            prefix, items = items, s.get("additionalItems")
            prefix_kw = "items"
            rest_kw = "additionalItems"
        else:
            prefix_kw, rest_kw = "prefixItems", "items"
        if isinstance(prefix, list):
            elems = tuple(
                self.expr(p, file, pointer_join(pointer, prefix_kw, i), name + (f"item {i}",)) for i, p in enumerate(prefix)
            )
            if items is False:
                rest = None
            elif items is None or items is True:
                rest = ir.AnyType()
            else:
                rest = self.expr(items, file, pointer_join(pointer, rest_kw), name + ("item",))
            return ir.TupleType(elems, rest, c)
        if items is None or items is True or items == {}:
            return ir.ArrayType(ir.AnyType(), c)
        if items is False:
            return ir.TupleType((), None, c)
        return ir.ArrayType(self.expr(items, file, pointer_join(pointer, "items"), name + ("item",)), c)

    @staticmethod
    def _extra_schema(s: dict[str, Any]) -> Any:
        """The schema of the keys ``properties`` does not name, for the *shape*.

        ``additionalProperties`` if given.  ``unevaluatedProperties`` stands in for it only when
        nothing else can evaluate keys (no ``anyOf``/``oneOf``/``if``/``dependentSchemas``/dynamic
        reference left after merging ``allOf``): otherwise which keys it applies to depends on the
        value, so the shape stays open and the validators decide.
        """
        if "additionalProperties" in s:
            return s["additionalProperties"]
        if "unevaluatedProperties" not in s:
            return None
        if any(k in s for k in _KEY_EVALUATORS):
            return None
        return s["unevaluatedProperties"]

    def _additional(self, s: dict[str, Any], file: str, pointer: str, name: tuple[str, ...]) -> ir.TypeExpr | None:
        """The type of values under keys not in ``properties`` (None: no such keys allowed)."""
        ap = self._extra_schema(s)
        pattern_props = s.get("patternProperties")
        value_types: list[ir.TypeExpr] = []
        if isinstance(pattern_props, dict) and pattern_props:
            for pat, sub in pattern_props.items():
                value_types.append(self.expr(sub, file, pointer_join(pointer, "patternProperties", pat), name + ("value",)))
        if ap is False:
            if value_types:
                return _simplify_union(tuple(value_types), one_of=False)
            return None
        if ap is None or ap is True or ap == {}:
            if value_types:
                # keys matching no pattern may hold anything
                return ir.AnyType()
            return ir.AnyType()
        kw = "additionalProperties" if "additionalProperties" in s else "unevaluatedProperties"
        value_types.append(self.expr(ap, file, pointer_join(pointer, kw), name + ("value",)))
        return _simplify_union(tuple(value_types), one_of=False)

    def _map(self, s: dict[str, Any], file: str, pointer: str, name: tuple[str, ...]) -> ir.TypeExpr:
        c = self._constraints(s, file, pointer, "object")
        pattern_props = s.get("patternProperties")
        ap = self._extra_schema(s)
        key_pattern = None
        if isinstance(pattern_props, dict) and len(pattern_props) == 1 and ap is False:
            key_pattern = next(iter(pattern_props))
            from ..analysis import ecma_regex  # only schemas with patterns need it

            try:
                ecma_regex.translate(key_pattern)
            except ecma_regex.PatternError:
                key_pattern = None  # reported by the validation builder
        elif isinstance(pattern_props, dict) and len(pattern_props) > 1:
            self.note(
                file,
                pointer_join(pointer, "patternProperties"),
                "pattern-properties",
                "several patternProperties: typed as a map of the union of their values; the generated validators check each pattern",
            )
        values = self._additional(s, file, pointer, name)
        if values is None:
            # closed, no properties: only {} is valid
            return ir.MapType(ir.AnyType(), None, ir.Constraints(max_properties=0))
        return ir.MapType(values, key_pattern, c)

    def _inline_object(
        self, s: dict[str, Any], file: str, pointer: str, name: tuple[str, ...], suffix: str = ""
    ) -> ir.TypeId:
        type_id = tid(file, pointer) + suffix
        if type_id in self.decls or type_id in self.pending:
            return type_id
        self.pending.add(type_id)
        self.decls[type_id] = self._object_decl(s, file, pointer, name, type_id)
        self.pending.discard(type_id)
        return type_id

    def _object_decl(self, s: dict[str, Any], file: str, pointer: str, name: tuple[str, ...], type_id: str) -> ir.ObjectDecl:
        props = s.get("properties") or {}
        required = s.get("required") or []
        if not isinstance(required, list):
            self.error(file, pointer_join(pointer, "required"), "bad-keyword", "'required' must be an array")
            required = []
        fields: list[ir.Field] = []
        for wire, sub in props.items():
            at = pointer_join(pointer, "properties", wire)
            t = self.expr(sub, file, at, name + (wire,))
            meta = sub if isinstance(sub, dict) else {}
            default = meta.get("default", ir.MISSING)
            fields.append(
                ir.Field(
                    wire_name=wire,
                    type=t,
                    required=wire in required,
                    default=default,
                    doc=_doc(meta),
                    deprecated=meta.get("deprecated") is True,
                    source=ir.Source(self.ws.display(file), at),
                )
            )
        for r in required:
            if r not in props:
                self.warn(
                    file,
                    pointer_join(pointer, "required"),
                    "required-without-property",
                    f"'{r}' is required but has no entry in 'properties'; it is added as a field of any JSON value",
                )
                fields.append(ir.Field(r, ir.AnyType(), True, source=ir.Source(self.ws.display(file), pointer)))
        additional = self._additional(s, file, pointer, name)
        c = self._constraints(s, file, pointer, "object")
        if c.min_properties is not None or c.max_properties is not None:
            self.note(file, pointer, "validated-not-typed", "minProperties/maxProperties are not part of the type; the generated validators check them")
        ext = tuple(sorted((k, v) for k, v in s.items() if k.startswith("x-")))
        return ir.ObjectDecl(
            id=type_id,
            name=name,
            fields=tuple(fields),
            additional=additional,
            doc=_doc(s),
            source=ir.Source(self.ws.display(file), pointer),
            extensions=ext,
        )


_KEY_EVALUATORS = ("anyOf", "oneOf", "if", "then", "else", "dependentSchemas", "dependencies", "$dynamicRef", "$recursiveRef")
"""Keywords through which subschemas may evaluate object keys that ``properties`` does not name."""


def _is_annotation(keyword: str) -> bool:
    """Keywords that describe but do not validate (``x-*`` extensions included)."""
    return keyword in ANNOTATIONS or keyword.startswith("x-")


def _doc(s: dict[str, Any]) -> str | None:
    d = s.get("description")
    if isinstance(d, str) and d.strip():
        return d.strip()
    t = s.get("title")
    if isinstance(t, str) and t.strip():
        return t.strip()
    return None


def _fmt(s: dict[str, Any]) -> str | None:
    f = s.get("format")
    return f if isinstance(f, str) else None


def _variant_name(opt: Any, i: int) -> str:
    if isinstance(opt, dict) and isinstance(opt.get("title"), str) and opt["title"].strip():
        return opt["title"].strip()
    return f"variant {i + 1}"


def _simplify_union(variants: tuple[ir.TypeExpr, ...], one_of: bool) -> ir.TypeExpr:
    flat: list[ir.TypeExpr] = []
    for v in variants:
        if isinstance(v, ir.UnionType) and v.discriminator is None:
            flat.extend(v.variants)
        else:
            flat.append(v)
    if any(isinstance(v, ir.AnyType) for v in flat):
        return ir.AnyType()
    dedup: list[ir.TypeExpr] = []
    seen: set[str] = set()
    for v in flat:
        key = repr(v)  # not ==: LiteralType(1) == LiteralType(True) in Python
        if key not in seen:
            seen.add(key)
            dedup.append(v)
    if len(dedup) == 1:
        return dedup[0]
    return ir.UnionType(tuple(dedup), one_of=one_of)


def _is_simple_union(u: ir.UnionType) -> bool:
    """Unions that every target writes inline (``X | null``, or scalars only)."""
    non_null = [v for v in u.variants if not isinstance(v, ir.NullType)]
    if len(non_null) <= 1:
        return True
    scalar = (ir.BoolType, ir.IntType, ir.NumberType, ir.StringType, ir.LiteralType)
    return all(isinstance(v, scalar) for v in non_null)
