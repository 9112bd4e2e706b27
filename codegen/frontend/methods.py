"""Load a method table (``urn:stepflow-codegen:method-table:v1``) into IR :class:`Method` nodes.

The table is checked by hand against its meta-schema (``codegen/metaschemas/method-table.schema.json``)
so that every mistake is reported with its JSON pointer and the tool needs no validator library.
"""

from __future__ import annotations

import re

from ..ir import model as ir
from .loader import Document, LoadError, Workspace, pointer_join

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

DIRECTIONS = ("clientToServer", "serverToClient", "both")
METHOD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(/[A-Za-z_][A-Za-z0-9_]*)*")
ROLE_RE = re.compile(r"[A-Za-z][A-Za-z0-9 _-]*")
TOP_KEYS = {
    "$schema", "name", "version", "description", "roles", "errorCodes", "profile", "namespace", "requests", "notifications"
}
NAMESPACE_RE = re.compile(r"[A-Z][A-Za-z0-9]{0,63}")
REQUEST_KEYS = {"method", "messageDirection", "params", "result", "errors", "documentation", "since", "deprecated"}
NOTIFICATION_KEYS = REQUEST_KEYS - {"result", "errors"}


class ToolDocumentLoader:
    """What the tool's own JSON documents (method tables, component manifests) share: errors that
    point at the format's doc, and ``{"$ref": ...}`` type references into JSON Schemas."""

    format_doc = "docs/method-table.md"

    def __init__(self, ws: Workspace, named: Any):
        """``named(file_key, pointer) -> TypeId`` creates/looks up the declaration for a schema location."""
        self.ws = ws
        self.named = named

    def _fail(self, doc: Document, pointer: str, message: str, hint: str = "") -> LoadError:
        return LoadError(doc.display, pointer, message, hint or f"see {self.format_doc} for the format")

    def _ref_target(self, doc: Document, node: Any, pointer: str) -> tuple[str, str]:
        if not isinstance(node, dict) or set(node) != {"$ref"} or not isinstance(node["$ref"], str):
            raise self._fail(doc, pointer, 'expected a type reference {"$ref": "<file>#/$defs/<Name>"}')
        target = self.ws.resolve_ref(node["$ref"], doc.key, pointer_join(pointer, "$ref"))
        if not self.ws.docs[target[0]].is_schema:
            raise self._fail(doc, pointer, "a type reference must point into a JSON Schema, not a method table or component manifest")
        return target

    def _type_ref(self, doc: Document, node: Any, pointer: str) -> ir.TypeExpr:
        return ir.RefType(self.named(*self._ref_target(doc, node, pointer)))


class MethodTableLoader(ToolDocumentLoader):
    def load(self, doc: Document) -> ir.Protocol:
        data = doc.data
        if not isinstance(data, dict):
            raise self._fail(doc, "", "a method table must be a JSON object")
        unknown = sorted(set(data) - TOP_KEYS)
        if unknown:
            raise self._fail(doc, "/" + unknown[0], f"unknown key {unknown[0]!r} in method table")
        for key in ("name", "requests", "notifications"):
            if key not in data:
                raise self._fail(doc, "", f"method table lacks the required key {key!r}")
        if not isinstance(data["name"], str) or not data["name"]:
            raise self._fail(doc, "/name", "'name' must be a non-empty string")
        roles = data.get("roles", {"client": "client", "server": "server"})
        if not isinstance(roles, dict) or set(roles) != {"client", "server"} or not all(
            isinstance(v, str) and ROLE_RE.fullmatch(v) for v in roles.values()
        ):
            raise self._fail(doc, "/roles", "'roles' must be {\"client\": <name>, \"server\": <name>} with plain names")
        error_codes: str | None = None
        if "errorCodes" in data:
            ref = self._type_ref(doc, data["errorCodes"], "/errorCodes")
            assert isinstance(ref, ir.RefType)
            error_codes = ref.target
        methods: list[ir.Method] = []
        seen: set[str] = set()
        for kind in ("requests", "notifications"):
            entries = data[kind]
            if not isinstance(entries, list):
                raise self._fail(doc, "/" + kind, f"'{kind}' must be an array")
            allowed = REQUEST_KEYS if kind == "requests" else NOTIFICATION_KEYS
            for i, e in enumerate(entries):
                at = pointer_join("/" + kind, i)
                if not isinstance(e, dict):
                    raise self._fail(doc, at, "each entry must be an object")
                bad = sorted(set(e) - allowed)
                if bad:
                    raise self._fail(doc, pointer_join(at, bad[0]), f"unknown key {bad[0]!r} in a {kind[:-1]}")
                needed = ["method", "messageDirection", "params"] + (["result"] if kind == "requests" else [])
                for k in needed:
                    if k not in e:
                        raise self._fail(doc, at, f"{kind[:-1]} lacks the required key {k!r}")
                name = e["method"]
                if not isinstance(name, str) or not METHOD_RE.fullmatch(name):
                    raise self._fail(doc, pointer_join(at, "method"), f"invalid method name {name!r}")
                if name in seen:
                    raise self._fail(doc, pointer_join(at, "method"), f"method {name!r} is listed twice")
                seen.add(name)
                direction = e["messageDirection"]
                if direction not in DIRECTIONS:
                    raise self._fail(
                        doc, pointer_join(at, "messageDirection"), f"messageDirection must be one of {', '.join(DIRECTIONS)}"
                    )
                errors = e.get("errors", [])
                if not isinstance(errors, list) or not all(isinstance(c, int) and not isinstance(c, bool) for c in errors):
                    raise self._fail(doc, pointer_join(at, "errors"), "'errors' must be an array of integer error codes")
                for k in ("documentation", "since", "deprecated"):
                    if k in e and not isinstance(e[k], str):
                        raise self._fail(doc, pointer_join(at, k), f"'{k}' must be a string")
                methods.append(
                    ir.Method(
                        name=name,
                        direction=direction,
                        notification=kind == "notifications",
                        params=self._type_ref(doc, e["params"], pointer_join(at, "params")),
                        result=self._type_ref(doc, e["result"], pointer_join(at, "result")) if kind == "requests" else None,
                        errors=tuple(errors),
                        doc=e.get("documentation"),
                        deprecated=e.get("deprecated"),
                        source=ir.Source(doc.display, at),
                    )
                )
        for k in ("version", "description"):
            if k in data and not isinstance(data[k], str):
                raise self._fail(doc, "/" + k, f"'{k}' must be a string")
        profile = data.get("profile")
        if profile is not None and profile not in ir.PROFILES:
            raise self._fail(
                doc, "/profile", f"unknown profile {profile!r}", f"known profiles: {', '.join(ir.PROFILES)} (or leave 'profile' out)"
            )
        namespace = data.get("namespace")
        if namespace is not None and (not isinstance(namespace, str) or not NAMESPACE_RE.fullmatch(namespace)):
            raise self._fail(
                doc,
                "/namespace",
                f"'namespace' must be a PascalCase identifier such as \"Stepflow\", not {namespace!r}",
                "it prefixes generated class names (StepflowServer, StepflowClient...)",
            )
        return ir.Protocol(
            name=data["name"],
            version=data.get("version"),
            client_role=roles["client"],
            server_role=roles["server"],
            methods=tuple(sorted(methods, key=lambda m: m.name)),
            error_codes=error_codes,
            doc=data.get("description"),
            source=ir.Source(doc.display, ""),
            profile=profile,
            namespace=namespace,
        )
