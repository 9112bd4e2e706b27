"""Load component manifests (``urn:stepflow-codegen:components:v1``) into IR :class:`Component` nodes.

A manifest lists a server's components: name, description, and the input and output types as
JSON Schema ``$ref``s (the same shape as a method table's params and results).  It is checked by
hand against its meta-schema (``codegen/metaschemas/components.schema.json``), so every mistake
is reported with its JSON pointer.

Each component also gets its *canonical* input and output schema: the referenced schema with
every definition it uses, from any file, copied into ``$defs`` and every ``$ref`` rewritten to
``#/$defs/<name>`` (:class:`Bundler`).  That is what a server reports in ``components/list`` and
``components/info``: self-contained, so a client needs no other file to validate against it.
"""

from __future__ import annotations

import re
from collections import deque
from pathlib import Path

from ..ir import model as ir
from .loader import Document, LoadError, Workspace, pointer_join, pointer_tokens
from .methods import ToolDocumentLoader

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(/[A-Za-z_][A-Za-z0-9_]*)*")
TOP_KEYS = {"$schema", "description", "components"}
ENTRY_KEYS = {"name", "description", "input", "output"}


class ComponentManifestLoader(ToolDocumentLoader):
    format_doc = "docs/components.md"

    def _typed_schema(self, doc: Document, node: Any, pointer: str) -> tuple[ir.TypeExpr, ir.JSON]:
        """The type of a component's input/output and its canonical, self-contained JSON Schema."""
        target = self._ref_target(doc, node, pointer)
        return ir.RefType(self.named(*target)), Bundler(self.ws).bundle(*target)

    def load(self, doc: Document) -> list[ir.Component]:
        data = doc.data
        if not isinstance(data, dict):
            raise self._fail(doc, "", "a component manifest must be a JSON object")
        unknown = sorted(set(data) - TOP_KEYS)
        if unknown:
            raise self._fail(doc, "/" + unknown[0], f"unknown key {unknown[0]!r} in a component manifest")
        if "components" not in data:
            raise self._fail(doc, "", "component manifest lacks the required key 'components'")
        if "description" in data and not isinstance(data["description"], str):
            raise self._fail(doc, "/description", "'description' must be a string")
        entries = data["components"]
        if not isinstance(entries, list):
            raise self._fail(doc, "/components", "'components' must be an array")
        out: list[ir.Component] = []
        seen: dict[str, str] = {}
        for i, e in enumerate(entries):
            at = pointer_join("/components", i)
            if not isinstance(e, dict):
                raise self._fail(doc, at, "each component must be an object")
            bad = sorted(set(e) - ENTRY_KEYS)
            if bad:
                raise self._fail(doc, pointer_join(at, bad[0]), f"unknown key {bad[0]!r} in a component")
            for k in ("name", "input", "output"):
                if k not in e:
                    raise self._fail(doc, at, f"component lacks the required key {k!r}")
            name = e["name"]
            if not isinstance(name, str) or not NAME_RE.fullmatch(name):
                raise self._fail(
                    doc,
                    pointer_join(at, "name"),
                    f"invalid component name {name!r}",
                    "names are identifiers (letters, digits, '_'), optionally joined by '/'; the server registers '/<name>'",
                )
            if name in seen:
                raise self._fail(doc, pointer_join(at, "name"), f"component {name!r} is listed twice (first at {seen[name]})")
            seen[name] = at
            if "description" in e and not isinstance(e["description"], str):
                raise self._fail(doc, pointer_join(at, "description"), "'description' must be a string")
            in_type, in_schema = self._typed_schema(doc, e["input"], pointer_join(at, "input"))
            out_type, out_schema = self._typed_schema(doc, e["output"], pointer_join(at, "output"))
            out.append(
                ir.Component(
                    name=name,
                    description=e.get("description"),
                    input=in_type,
                    output=out_type,
                    input_schema=in_schema,
                    output_schema=out_schema,
                    source=ir.Source(doc.display, at),
                )
            )
        return out


# -- canonical schemas ----------------------------------------------------------------------

_SCHEMA_VALUED = {
    "additionalProperties",
    "additionalItems",
    "contains",
    "not",
    "if",
    "then",
    "else",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contentSchema",
}
_SCHEMA_LISTS = {"allOf", "anyOf", "oneOf", "prefixItems"}
_SCHEMA_MAPS = {"properties", "patternProperties", "dependentSchemas"}
_DROPPED = {"$schema", "$id", "$anchor", "$dynamicAnchor", "$defs", "definitions"}
"""Keywords not copied: the bundle has one ``$schema`` and one ``$defs`` (at its root), and no
``$id``/anchors, which would change what the rewritten ``#/$defs/...`` references resolve against."""
_DEF_NAME_RE = re.compile(r"[^A-Za-z0-9_.-]+")


class Bundler:
    """One schema location -> a self-contained schema (referenced definitions in ``$defs``)."""

    def __init__(self, ws: Workspace):
        self.ws = ws
        self.root: tuple[str, str] = ("", "")
        self.names: dict[tuple[str, str], str] = {}
        self.taken: set[str] = set()
        self.queue: deque[tuple[str, str]] = deque()

    def bundle(self, file: str, pointer: str) -> ir.JSON:
        self.root = (file, pointer)
        node = self.ws.get(file, pointer)
        body = self._copy(node, file, pointer)
        defs: dict[str, ir.JSON] = {}
        while self.queue:
            target = self.queue.popleft()
            defs[self.names[target]] = self._copy(self.ws.get(*target), *target)
        if not isinstance(body, dict):
            if not defs:
                return body
            body = {} if body is True else {"not": {}}
        out: dict[str, ir.JSON] = {}
        dialect = node.get("$schema") if isinstance(node, dict) else None
        doc_data = self.ws.docs[file].data
        if not isinstance(dialect, str) and isinstance(doc_data, dict):
            dialect = doc_data.get("$schema")
        if isinstance(dialect, str):
            out["$schema"] = dialect
        out.update(body)
        if defs:
            out["$defs"] = {k: defs[k] for k in sorted(defs)}
        return out

    def _def_name(self, target: tuple[str, str]) -> str:
        file, pointer = target
        node = self.ws.get(file, pointer)
        tokens = pointer_tokens(pointer)
        if len(tokens) == 2 and tokens[0] in ("$defs", "definitions"):
            base = tokens[1]
        elif isinstance(node, dict) and isinstance(node.get("title"), str) and node["title"].strip():
            base = node["title"].strip()
        elif not tokens:
            base = Path(file).name
            for suffix in (".schema.json", ".json"):
                if base.endswith(suffix):
                    base = base[: -len(suffix)]
                    break
        else:
            base = "_".join(t for t in tokens if t not in ("properties", "$defs", "definitions"))
        base = _DEF_NAME_RE.sub("_", base).strip("_") or "Schema"
        name, n = base, 2
        while name in self.taken:
            name, n = f"{base}_{n}", n + 1
        self.taken.add(name)
        return name

    def _ref(self, ref: str, file: str, at: str) -> str:
        target = self.ws.resolve_ref(ref, file, at)
        if target == self.root:
            return "#"
        if target not in self.names:
            self.names[target] = self._def_name(target)
            self.queue.append(target)
        return "#/$defs/" + self.names[target]

    def _copy(self, node: Any, file: str, pointer: str) -> ir.JSON:
        if not isinstance(node, dict):
            return _deepcopy(node)
        out: dict[str, ir.JSON] = {}
        for k, v in node.items():
            at = pointer_join(pointer, k)
            if k in _DROPPED:
                continue
            if k == "$ref" and isinstance(v, str):
                out[k] = self._ref(v, file, at)
            elif k in _SCHEMA_VALUED or (k == "items" and not isinstance(v, list)):
                out[k] = self._copy(v, file, at)
            elif (k in _SCHEMA_LISTS or k == "items") and isinstance(v, list):
                out[k] = [self._copy(s, file, pointer_join(at, i)) for i, s in enumerate(v)]
            elif k in _SCHEMA_MAPS and isinstance(v, dict):
                out[k] = {name: self._copy(s, file, pointer_join(at, name)) for name, s in v.items()}
            elif k == "dependencies" and isinstance(v, dict):
                out[k] = {
                    name: self._copy(s, file, pointer_join(at, name)) if isinstance(s, (dict, bool)) else _deepcopy(s)
                    for name, s in v.items()
                }
            elif k == "discriminator" and isinstance(v, dict) and isinstance(v.get("mapping"), dict):
                mapping = {
                    tag: self._ref(r, file, pointer_join(at, "mapping", tag)) if isinstance(r, str) and "#" in r else r
                    for tag, r in v["mapping"].items()
                }
                out[k] = {**_deepcopy(v), "mapping": mapping}
            else:
                out[k] = _deepcopy(v)
        return out


def _deepcopy(value: Any) -> Any:
    import copy  # only component manifests are copied: a run without them does not import copy

    return copy.deepcopy(value)
