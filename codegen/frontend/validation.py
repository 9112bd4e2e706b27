"""JSON Schema (draft-04 to 2020-12) -> the validation IR (:mod:`stepflow_codegen.ir.validation`).

Each schema location that takes part in validation becomes one :class:`~..ir.validation.Node`;
nothing is dropped: every assertion keyword of the schema's draft is kept, and a keyword that is
malformed is an error with the file and JSON pointer.  Keywords of other drafts are ignored as the
specifications say (``prefixItems`` means nothing in draft-07, ``dependencies`` nothing in 2020-12).
"""

from __future__ import annotations

import math

from ..diagnostics import Diagnostics
from ..ir import model as ir
from ..ir import validation as v
from .loader import LoadError, Workspace, pointer_join

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# keyword -> the first draft that has it (and, for removed keywords, the last one)
_ORDER = {d: i for i, d in enumerate(("draft-04", "draft-06", "draft-07", "2019-09", "2020-12"))}
_SINCE = {
    "const": "draft-06",
    "contains": "draft-06",
    "propertyNames": "draft-06",
    "if": "draft-07",
    "then": "draft-07",
    "else": "draft-07",
    "minContains": "2019-09",
    "maxContains": "2019-09",
    "dependentRequired": "2019-09",
    "dependentSchemas": "2019-09",
    "unevaluatedItems": "2019-09",
    "unevaluatedProperties": "2019-09",
    "$recursiveRef": "2019-09",
    "prefixItems": "2020-12",
    "$dynamicRef": "2020-12",
}
_UNTIL = {"dependencies": "draft-07", "additionalItems": "2019-09", "$recursiveRef": "2019-09"}


def _has(draft: str, keyword: str, s: dict[str, Any]) -> bool:
    if keyword not in s:
        return False
    since = _SINCE.get(keyword)
    if since is not None and _ORDER[draft] < _ORDER[since]:
        return False
    until = _UNTIL.get(keyword)
    return until is None or _ORDER[draft] <= _ORDER[until]


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


class ValidationBuilder:
    def __init__(self, ws: Workspace, diags: Diagnostics, assert_formats: bool = False):
        self.ws = ws
        self.diags = diags
        self.assert_formats = assert_formats
        """``--formats assert``: the graph asserts the formats of :data:`~..ir.formats.ASSERTED`."""
        self.ids: dict[tuple[str, str], int] = {}
        self.nodes: list[v.Node | None] = []
        self.dynamic: list[tuple[int, str, int]] = []
        """(node, anchor, initial target) of every dynamic reference, resolved at the end."""
        self.resources: dict[str, int] = {}

    # -- diagnostics ----------------------------------------------------------------------------
    def error(self, key: str, pointer: str, message: str, hint: str = "") -> None:
        self.diags.error("bad-keyword", self.ws.display(key), pointer, message, hint)

    # -- entry ---------------------------------------------------------------------------------
    def node(self, key: str, pointer: str) -> int:
        """The node of the schema at ``key#pointer`` (compiled on first use)."""
        at = (key, pointer)
        if at in self.ids:
            return self.ids[at]
        nid = len(self.nodes)
        self.ids[at] = nid
        self.nodes.append(None)
        self.nodes[nid] = self._compile(nid, key, pointer)
        return nid

    def document(self, key: str) -> None:
        """Compile a schema file's root and every ``$defs``/``definitions`` entry (reporting malformed keywords)."""
        data = self.ws.docs[key].data
        self.node(key, "")
        if isinstance(data, dict):
            for defs_kw in ("$defs", "definitions"):
                defs = data.get(defs_kw)
                if isinstance(defs, dict):
                    for name in defs:
                        self.node(key, pointer_join("/" + defs_kw, name))

    def finish(self, types: dict[str, int]) -> v.Validation:
        """Resolve dynamic references, mark annotating nodes and return the frozen graph."""
        resolved: dict[int, v.DynamicRef] = {}
        while True:
            pending = [d for d in self.dynamic if d[0] not in resolved]
            if not pending:
                break
            for nid, anchor, initial in pending:
                resolved[nid] = v.DynamicRef(initial, anchor, self._candidates(anchor))
        used: set[int] = {r for d in resolved.values() for r, _ in d.candidates}
        nodes: list[v.Node] = []
        for n in self.nodes:
            assert n is not None
            if n.id in resolved:
                n = _replace(n, dynamic_ref=resolved[n.id])
            nodes.append(n)
        # resources: the root node of each resource that is a candidate enters it
        for uri, rid in self.resources.items():
            if rid not in used:
                continue
            key = self.ws.resource_file.get(uri)
            root = self.ws.by_uri.get(uri)
            if key is None or root is None:
                continue
            entered = self.ids.get(root)
            if entered is not None:
                nodes[entered] = _replace(nodes[entered], resource=rid)
        self._check_cycles(nodes)
        # annotations: what an unevaluated_* keyword looks through
        annotates: set[int] = set()
        for n in nodes:
            if n.unevaluated_items is not None or n.unevaluated_properties is not None:
                stack = list(n.in_place())
                while stack:
                    c = stack.pop()
                    if c in annotates:
                        continue
                    annotates.add(c)
                    stack.extend(nodes[c].in_place())
        for nid in annotates:
            nodes[nid] = _replace(nodes[nid], annotates=True)
        return v.Validation(
            tuple(nodes), tuple(sorted(types.items())), dynamic=bool(resolved), assert_formats=self.assert_formats
        )

    def _check_cycles(self, nodes: list[v.Node]) -> None:
        """A cycle of in-place applicators ($ref to itself, allOf back to itself...) never ends on any instance.

        Cycles through ``anyOf``/``oneOf`` branches are allowed: they are the alias cycles type
        generators meet (``B = C | null``, ``C = B | integer``) and mean their least fixed point;
        validators reach it through their depth limit (the branch that recursed too deep fails,
        the next branch is tried).
        """
        state: dict[int, int] = {}
        for start in range(len(nodes)):
            if start in state:
                continue
            stack: list[tuple[int, int]] = [(start, 0)]
            path: list[int] = []
            while stack:
                nid, i = stack.pop()
                if i == 0:
                    if state.get(nid) == 2:
                        continue
                    state[nid] = 1
                    path.append(nid)
                kids = _unconditional(nodes[nid])
                if i < len(kids):
                    stack.append((nid, i + 1))
                    k = kids[i]
                    if state.get(k) == 1:
                        cycle = path[path.index(k) :] + [k]
                        src = nodes[k].source
                        chain = " -> ".join((nodes[c].source.pointer or "/") for c in cycle)
                        self.diags.error(
                            "ref-cycle",
                            src.file,
                            src.pointer,
                            f"reference cycle that never reaches a value: {chain}",
                            "a schema cannot apply itself to the same value; put the reference under a property or item",
                        )
                        return
                    if state.get(k) is None:
                        stack.append((k, 0))
                else:
                    state[nid] = 2
                    path.pop()

    def _candidates(self, anchor: str) -> tuple[tuple[int, int], ...]:
        out: dict[int, int] = {}
        if anchor == "":
            uris = sorted(self.ws.recursive_anchors)
            for uri in uris:
                if uri in self.ws.by_uri:
                    out[self._resource_id(uri)] = self.node(*self.ws.by_uri[uri])
        else:
            for (uri, name), pointer in sorted(self.ws.dynamic_anchors.items()):
                if name == anchor:
                    key = self.ws.resource_file.get(uri)
                    if key is not None:
                        out[self._resource_id(uri)] = self.node(key, pointer)
        return tuple(sorted(out.items()))

    def _resource_id(self, uri: str) -> int:
        if uri not in self.resources:
            self.resources[uri] = len(self.resources)
        return self.resources[uri]

    # -- one schema ----------------------------------------------------------------------------
    def _compile(self, nid: int, key: str, pointer: str) -> v.Node:
        doc = self.ws.docs[key]
        source = ir.Source(doc.display, pointer)
        try:
            s = self.ws.get(key, pointer)
        except (KeyError, ValueError):
            self.error(key, pointer, "no schema at this location")
            return v.Node(nid, source)
        if s is True:
            return v.Node(nid, source)
        if s is False:
            return v.Node(nid, source, never=True)
        if not isinstance(s, dict):
            self.error(key, pointer, f"a schema must be an object or a boolean, found {_kind(s)}")
            return v.Node(nid, source)
        draft = doc.draft
        legacy = _ORDER[draft] <= _ORDER["draft-07"]
        kw: dict[str, Any] = {}

        def sub(*tokens: str | int) -> int:
            return self.node(key, pointer_join(pointer, *tokens))

        if "$ref" in s:
            kw["ref"] = self._ref(s["$ref"], key, pointer, "$ref")
            if legacy:
                return v.Node(nid, source, **kw)
        if _has(draft, "$dynamicRef", s):
            self._dynamic_ref(nid, s["$dynamicRef"], key, pointer, kw)
        if _has(draft, "$recursiveRef", s):
            self._recursive_ref(nid, s["$recursiveRef"], key, pointer, kw)
        # -- any kind
        if "type" in s:
            kw["types"] = self._types(s["type"], key, pointer)
            kw["integer_strict"] = draft == "draft-04"
        if "enum" in s:
            if not isinstance(s["enum"], list):
                self.error(key, pointer_join(pointer, "enum"), "'enum' must be an array")
            else:
                kw["enum"] = tuple(s["enum"])
        if _has(draft, "const", s):
            kw["const"] = s["const"]
        # -- numbers
        for name, attr in (("minimum", "minimum"), ("maximum", "maximum"), ("multipleOf", "multiple_of")):
            if name in s:
                kw[attr] = self._number(s[name], key, pointer, name)
        for name, attr, plain in (
            ("exclusiveMinimum", "exclusive_minimum", "minimum"),
            ("exclusiveMaximum", "exclusive_maximum", "maximum"),
        ):
            if name not in s:
                continue
            value = s[name]
            if draft == "draft-04":
                if not isinstance(value, bool):
                    self.error(key, pointer_join(pointer, name), f"'{name}' must be a boolean in draft-04")
                elif value and plain in kw:
                    kw[attr] = kw.pop(plain)
            else:
                kw[attr] = self._number(value, key, pointer, name)
        if kw.get("multiple_of") is not None and kw["multiple_of"] <= 0:
            self.error(key, pointer_join(pointer, "multipleOf"), "'multipleOf' must be greater than 0")
            kw.pop("multiple_of")
        # -- strings
        for name, attr in (("minLength", "min_length"), ("maxLength", "max_length")):
            if name in s:
                kw[attr] = self._count(s[name], key, pointer, name)
        if "pattern" in s:
            kw["pattern"] = self._pattern(s["pattern"], key, pointer_join(pointer, "pattern"))
        if isinstance(s.get("format"), str):
            kw["format"] = s["format"]
        # -- arrays
        items = s.get("items")
        if isinstance(items, list) and (legacy or draft == "2019-09"):
            kw["prefix_items"] = tuple(sub("items", i) for i in range(len(items)))
            if _has(draft, "additionalItems", s):
                kw["items"] = sub("additionalItems")
        elif "items" in s:
            if isinstance(items, list):
                self.error(key, pointer_join(pointer, "items"), "'items' must be a schema in 2020-12 (use 'prefixItems')")
            else:
                kw["items"] = sub("items")
        if _has(draft, "prefixItems", s):
            if not isinstance(s["prefixItems"], list):
                self.error(key, pointer_join(pointer, "prefixItems"), "'prefixItems' must be an array of schemas")
            else:
                kw["prefix_items"] = tuple(sub("prefixItems", i) for i in range(len(s["prefixItems"])))
        if _has(draft, "contains", s):
            kw["contains"] = sub("contains")
            if _has(draft, "minContains", s):
                kw["min_contains"] = self._count(s["minContains"], key, pointer, "minContains")
            if _has(draft, "maxContains", s):
                kw["max_contains"] = self._count(s["maxContains"], key, pointer, "maxContains")
        for name, attr in (("minItems", "min_items"), ("maxItems", "max_items")):
            if name in s:
                kw[attr] = self._count(s[name], key, pointer, name)
        if "uniqueItems" in s:
            if not isinstance(s["uniqueItems"], bool):
                self.error(key, pointer_join(pointer, "uniqueItems"), "'uniqueItems' must be a boolean")
            else:
                kw["unique_items"] = s["uniqueItems"]
        if _has(draft, "unevaluatedItems", s):
            kw["unevaluated_items"] = sub("unevaluatedItems")
        # -- objects
        if "properties" in s:
            kw["properties"] = tuple((name, sub("properties", name)) for name in self._map(s, "properties", key, pointer))
        if "patternProperties" in s:
            pats = []
            for pat in self._map(s, "patternProperties", key, pointer):
                self._pattern(pat, key, pointer_join(pointer, "patternProperties", pat))
                pats.append((pat, sub("patternProperties", pat)))
            kw["pattern_properties"] = tuple(pats)
        if "additionalProperties" in s:
            kw["additional_properties"] = sub("additionalProperties")
        if _has(draft, "propertyNames", s):
            kw["property_names"] = sub("propertyNames")
        if "required" in s:
            kw["required"] = self._names(s["required"], key, pointer_join(pointer, "required"), draft)
        dep_req: list[tuple[str, tuple[str, ...]]] = []
        dep_sch: list[tuple[str, int]] = []
        if _has(draft, "dependencies", s):
            for name in self._map(s, "dependencies", key, pointer):
                value = s["dependencies"][name]
                if isinstance(value, list):
                    dep_req.append((name, self._names(value, key, pointer_join(pointer, "dependencies", name), draft)))
                else:
                    dep_sch.append((name, sub("dependencies", name)))
        if _has(draft, "dependentRequired", s):
            for name in self._map(s, "dependentRequired", key, pointer):
                at = pointer_join(pointer, "dependentRequired", name)
                dep_req.append((name, self._names(s["dependentRequired"][name], key, at, draft)))
        if _has(draft, "dependentSchemas", s):
            for name in self._map(s, "dependentSchemas", key, pointer):
                dep_sch.append((name, sub("dependentSchemas", name)))
        kw["dependent_required"] = tuple(dep_req)
        kw["dependent_schemas"] = tuple(dep_sch)
        for name, attr in (("minProperties", "min_properties"), ("maxProperties", "max_properties")):
            if name in s:
                kw[attr] = self._count(s[name], key, pointer, name)
        if _has(draft, "unevaluatedProperties", s):
            kw["unevaluated_properties"] = sub("unevaluatedProperties")
        # -- applicators
        for name, attr in (("allOf", "all_of"), ("anyOf", "any_of"), ("oneOf", "one_of")):
            if name in s:
                value = s[name]
                if isinstance(value, list) and not value and name == "allOf":
                    self.diags.warning(
                        "empty-allof", self.ws.display(key), pointer_join(pointer, name), "'allOf' is empty; it has no effect"
                    )
                elif not isinstance(value, list) or not value:
                    self.error(key, pointer_join(pointer, name), f"'{name}' must be a non-empty array of schemas")
                else:
                    kw[attr] = tuple(sub(name, i) for i in range(len(value)))
        if "not" in s:
            kw["not_"] = sub("not")
        if _has(draft, "if", s):
            kw["if_"] = sub("if")
            if "then" in s:
                kw["then"] = sub("then")
            if "else" in s:
                kw["else_"] = sub("else")
        return v.Node(nid, source, **kw)

    # -- keyword helpers -----------------------------------------------------------------------
    def _ref(self, ref: Any, key: str, pointer: str, keyword: str) -> int:
        at = pointer_join(pointer, keyword)
        if not isinstance(ref, str):
            raise LoadError(self.ws.display(key), at, f"'{keyword}' must be a string")
        target = self.ws.resolve_ref(ref, key, at)
        return self.node(*target)

    def _dynamic_ref(self, nid: int, ref: Any, key: str, pointer: str, kw: dict[str, Any]) -> None:
        initial = self._ref(ref, key, pointer, "$dynamicRef")
        assert isinstance(ref, str)
        frag = ref.split("#", 1)[1] if "#" in ref else ""
        tkey, tptr = self.ws.resolve_ref(ref, key, pointer_join(pointer, "$dynamicRef"))
        target = self.ws.get(tkey, tptr)
        bookend = isinstance(target, dict) and target.get("$dynamicAnchor") == frag and not frag.startswith("/")
        if frag and bookend:
            self.dynamic.append((nid, frag, initial))
            kw["dynamic_ref"] = v.DynamicRef(initial, frag, ())
        else:
            kw["ref"] = initial if "ref" not in kw else kw["ref"]
            if "ref" in kw and kw["ref"] != initial:
                kw["all_of"] = kw.get("all_of", ()) + (initial,)

    def _recursive_ref(self, nid: int, ref: Any, key: str, pointer: str, kw: dict[str, Any]) -> None:
        initial = self._ref(ref, key, pointer, "$recursiveRef")
        tkey, tptr = self.ws.resolve_ref(str(ref), key, pointer_join(pointer, "$recursiveRef"))
        target = self.ws.get(tkey, tptr)
        if isinstance(target, dict) and target.get("$recursiveAnchor") is True:
            self.dynamic.append((nid, "", initial))
            kw["dynamic_ref"] = v.DynamicRef(initial, "", ())
        elif "ref" not in kw:
            kw["ref"] = initial
        else:
            kw["all_of"] = kw.get("all_of", ()) + (initial,)

    def _types(self, t: Any, key: str, pointer: str) -> tuple[str, ...] | None:
        at = pointer_join(pointer, "type")
        names = t if isinstance(t, list) else [t]
        if isinstance(t, list) and not t:
            self.error(key, at, "'type' must not be an empty array", "list at least one JSON type, or drop 'type'")
            return None
        out: list[str] = []
        for i, name in enumerate(names):
            if not isinstance(name, str) or name not in v.KINDS:
                where = pointer_join(at, i) if isinstance(t, list) else at
                self.error(key, where, f"unknown type {name!r}", f"use one of {', '.join(v.KINDS)}")
                return None
            if name not in out:
                out.append(name)
        return tuple(out)

    def _number(self, value: Any, key: str, pointer: str, name: str) -> int | float | None:
        if not _is_number(value) or (isinstance(value, float) and not math.isfinite(value)):
            self.error(key, pointer_join(pointer, name), f"'{name}' must be a finite number", "write the number in range of a double")
            return None
        return value  # type: ignore[no-any-return]

    def _count(self, value: Any, key: str, pointer: str, name: str) -> int | None:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            self.error(key, pointer_join(pointer, name), f"'{name}' must be a non-negative integer")
            return None
        return value

    def _pattern(self, value: Any, key: str, pointer: str) -> str | None:
        if not isinstance(value, str):
            self.error(key, pointer, "'pattern' must be a string")
            return None
        from ..analysis import ecma_regex  # only schemas with patterns need it

        try:
            t = ecma_regex.translate(value)
        except ecma_regex.PatternError as e:
            self.error(key, pointer, f"not an ECMA-262 regular expression: {e}", "JSON Schema patterns follow ECMA-262 (JavaScript)")
            return None
        display = self.ws.display(key)
        if t.js_flags != "u":
            self.diags.warning(
                "pattern-legacy",
                display,
                pointer,
                "pattern is valid ECMA-262 only in the legacy (Annex B) grammar, where an unknown escape is the "
                "letter itself (a Python-style \\A or \\Z matches the letters A and Z); every language matches it that way",
                "write the pattern in ECMA-262 syntax (^ and $ for the start and end of the string)",
            )
        lost = [lang for lang, ok in (("Python", t.python is not None), ("Rust", t.rust is not None or t.rust_fancy is not None)) if not ok]
        if lost:
            self.diags.warning(
                "pattern-portability",
                display,
                pointer,
                f"{' and '.join(lost)} cannot match this pattern exactly ({'; '.join(t.notes)})",
                "avoid the construct (e.g. list the characters instead of a Unicode script property)",
            )
        return value

    def _map(self, s: dict[str, Any], name: str, key: str, pointer: str) -> list[str]:
        value = s[name]
        if not isinstance(value, dict):
            self.error(key, pointer_join(pointer, name), f"'{name}' must be an object")
            return []
        return list(value)

    def _names(self, value: Any, key: str, pointer: str, draft: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            self.error(key, pointer, "must be an array of property names (strings)")
            return ()
        return tuple(dict.fromkeys(value))


def _unconditional(n: v.Node) -> tuple[int, ...]:
    """The subschemas applied to the same instance whatever it is (no branch choice in between)."""
    out: list[int] = []
    if n.ref is not None:
        out.append(n.ref)
    if n.dynamic_ref is not None:
        out.append(n.dynamic_ref.initial)
    out.extend(n.all_of)
    for c in (n.not_, n.if_):
        if c is not None:
            out.append(c)
    return tuple(out)


def _kind(x: Any) -> str:
    if x is None:
        return "null"
    if isinstance(x, bool):
        return "a boolean"
    if isinstance(x, (int, float)):
        return "a number"
    if isinstance(x, str):
        return "a string"
    if isinstance(x, list):
        return "an array"
    return "an object"


def _replace(n: v.Node, **changes: Any) -> v.Node:
    from ..records import replace

    return replace(n, **changes)
