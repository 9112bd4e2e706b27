"""Validation graph (IR) -> the validators' node table: one ``g.add(n, {...})`` per validation node
reachable from the module's declarations, with the keywords of the node as an object literal that
``rt.Graph`` (``runtime.ts``) compiles once and checks exactly as :mod:`stepflow_codegen.ir.evaluate`
does.

Nodes are renumbered densely in the order they are reached from the declarations (sorted by id),
so the output depends only on the schemas.  Schema text reaches the output only through
:mod:`.escape`: strings and regular expressions as string literals, numbers as number literals,
``const``/``enum`` objects and arrays as the JSON text of ``JSON.parse`` calls (so a key such as
``__proto__`` stays an ordinary key).
"""

from __future__ import annotations

import json
from typing import Any

from ...analysis import ecma_regex
from ...ir import validation as v
from ...ir.model import MISSING
from . import layout as L
from .escape import ts_comment, ts_literal, ts_number, ts_string


def _num(x: int | float) -> L.Node:
    return L.text(ts_number(x), "number")


def _str(s: str) -> L.Node:
    return L.text(ts_string(s), "string")


def _json(value: Any) -> L.Node:
    """A JSON value as an expression: scalars as literals, arrays and objects parsed from their text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        kind = "number" if isinstance(value, (int, float)) and not isinstance(value, bool) else "string" if isinstance(value, str) else "other"
        return L.text(ts_literal(value), kind)
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return L.call("JSON.parse", [_str(text)])


def _pattern(source: str) -> L.Node:
    """``[source, flags]``: the pattern as JavaScript reads it, with the flags ecma_regex chose
    (``u``, or none for a pattern only the legacy grammar accepts; an invalid pattern keeps ``u``
    and fails every string at run time with a message)."""
    try:
        t = ecma_regex.translate(source)
        js, flags = t.js, t.js_flags
    except ecma_regex.PatternError:
        js, flags = source, "u"
    return L.array_literal([_str(js), _str(flags)])


def _ids(ids: tuple[int, ...] | list[int], local: dict[int, int]) -> L.Node:
    return L.array_literal([_num(local[i]) for i in ids])


def _pairs(pairs: tuple[tuple[str, int], ...], local: dict[int, int]) -> L.Node:
    return L.array_literal([L.array_literal([_str(k), _num(local[n])]) for k, n in pairs])


class GraphBuilder:
    """The nodes of one module, renumbered densely, and their rendering."""

    def __init__(self, validation: v.Validation):
        self.validation = validation
        self.local: dict[int, int] = {}
        self.order: list[int] = []
        self.formats = False
        """Some node asserts a format: the graph needs formats.ts's ``checkFormat``."""

    def add(self, start: int) -> int:
        """Includes every node reachable from ``start``; returns its local number."""
        if start not in self.local:
            for nid in self.validation.reachable(start):
                if nid not in self.local:
                    self.local[nid] = len(self.order)
                    self.order.append(nid)
        return self.local[start]

    def spec(self, n: v.Node) -> L.Node:
        loc = self.local
        e: list[tuple[str, L.Node]] = []
        if n.never:
            e.append(("never", L.text("true")))
        if n.types is not None:
            e.append(("types", L.array_literal([_str(t) for t in n.types])))
        if n.const is not MISSING:
            e.append(("const", _json(n.const)))
        if n.enum is not None:
            e.append(("enum", L.array_literal([_json(x) for x in n.enum])))
        for attr, key in (
            ("minimum", "minimum"),
            ("maximum", "maximum"),
            ("exclusive_minimum", "exclusiveMinimum"),
            ("exclusive_maximum", "exclusiveMaximum"),
            ("multiple_of", "multipleOf"),
            ("min_length", "minLength"),
            ("max_length", "maxLength"),
        ):
            value = getattr(n, attr)
            if value is not None:
                e.append((key, _num(value)))
        if n.pattern is not None:
            e.append(("pattern", _pattern(n.pattern)))
        fmt = self.validation.asserted_format(n)
        if fmt is not None:
            self.formats = True
            e.append(("format", _str(fmt)))
        if n.prefix_items:
            e.append(("prefixItems", _ids(n.prefix_items, loc)))
        for attr, key in (("items", "items"), ("contains", "contains")):
            value = getattr(n, attr)
            if value is not None:
                e.append((key, _num(loc[value])))
        for attr, key in (
            ("min_contains", "minContains"),
            ("max_contains", "maxContains"),
            ("min_items", "minItems"),
            ("max_items", "maxItems"),
        ):
            value = getattr(n, attr)
            if value is not None:
                e.append((key, _num(value)))
        if n.unique_items:
            e.append(("uniqueItems", L.text("true")))
        if n.properties:
            e.append(("properties", _pairs(n.properties, loc)))
        if n.pattern_properties:
            e.append(
                (
                    "patternProperties",
                    L.array_literal([L.array_literal([_pattern(p), _num(loc[c])]) for p, c in n.pattern_properties]),
                )
            )
        for attr, key in (("additional_properties", "additionalProperties"), ("property_names", "propertyNames")):
            value = getattr(n, attr)
            if value is not None:
                e.append((key, _num(loc[value])))
        if n.required:
            e.append(("required", L.array_literal([_str(r) for r in n.required])))
        if n.dependent_required:
            e.append(
                (
                    "dependentRequired",
                    L.array_literal(
                        [L.array_literal([_str(k), L.array_literal([_str(r) for r in rs])]) for k, rs in n.dependent_required]
                    ),
                )
            )
        if n.dependent_schemas:
            e.append(("dependentSchemas", _pairs(n.dependent_schemas, loc)))
        for attr, key in (("min_properties", "minProperties"), ("max_properties", "maxProperties")):
            value = getattr(n, attr)
            if value is not None:
                e.append((key, _num(value)))
        if n.ref is not None:
            e.append(("ref", _num(loc[n.ref])))
        if n.dynamic_ref is not None:
            dr = n.dynamic_ref
            candidates = L.array_literal([L.array_literal([_num(r), _num(loc[c])]) for r, c in dr.candidates])
            e.append(("dynamicRef", L.array_literal([_num(loc[dr.initial]), candidates])))
        for attr, key in (("all_of", "allOf"), ("any_of", "anyOf"), ("one_of", "oneOf")):
            value = getattr(n, attr)
            if value:
                e.append((key, _ids(value, loc)))
        for attr, key in (
            ("not_", "not"),
            ("if_", "if"),
            ("then", "then"),
            ("else_", "else"),
            ("unevaluated_items", "unevaluatedItems"),
            ("unevaluated_properties", "unevaluatedProperties"),
        ):
            value = getattr(n, attr)
            if value is not None:
                e.append((key, _num(loc[value])))
        if self.validation.dynamic and n.resource is not None:
            e.append(("resource", _num(n.resource)))
        if n.tracks_evaluation:
            e.append(("tracks", L.text("true")))
        return L.object_literal(e)

    def render(self, graph: str = "graph") -> str:
        """``const graph = new rt.Graph();`` and one ``graph.add`` statement per node, each after a
        comment naming its schema location."""
        out: list[str] = []
        for nid in self.order:
            n = self.validation.nodes[nid]
            where = f"{n.source.file}#{n.source.pointer}"
            out.append("")
            out.append("// " + ts_comment(where))
            call = L.call(f"{graph}.add", [_num(self.local[nid]), self.spec(n)])
            out.append(L.render([call.doc, ";"]))
        if self.formats:
            # formats.ts is imported by validators.ts (the template) when the graph asserts a format
            return f"const {graph} = new rt.Graph(checkFormat);\n" + "\n".join(out)
        return f"const {graph} = new rt.Graph();\n" + "\n".join(out)
