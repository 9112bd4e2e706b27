"""Load schema files and resolve ``$ref``.

A :class:`Workspace` holds every JSON document read (the inputs, and any file a ``$ref`` points
at), keyed by a *file key*: the path relative to the inputs' common directory, in POSIX form.
References are resolved to ``(file key, JSON pointer)`` pairs.  Supported: ``#/json/pointer``,
``other.json#/pointer``, ``other.json``, absolute ``$id`` URIs of loaded files, and ``$anchor``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlparse

from ..diagnostics import Diagnostics


def url2pathname(path: str) -> str:
    """``urllib.request.url2pathname``, without importing urllib.request (http.client, email ...)."""
    if os.name == "nt":  # pragma: no cover
        import nturl2path

        return nturl2path.url2pathname(path)
    return unquote(path)

METHOD_TABLE_SCHEMA = "urn:stepflow-codegen:method-table:v1"
COMPONENTS_SCHEMA = "urn:stepflow-codegen:components:v1"
TOOL_FORMATS = (METHOD_TABLE_SCHEMA, COMPONENTS_SCHEMA)
"""``$schema`` values of the tool's own formats: such files are not JSON Schemas."""


class LoadError(Exception):
    def __init__(self, file: str, pointer: str, message: str, hint: str = ""):
        self.file, self.pointer, self.message, self.hint = file, pointer, message, hint
        super().__init__(message)


@dataclass
class Document:
    key: str
    """File key (POSIX path relative to the workspace base)."""
    display: str
    """Path as shown to the user."""
    path: Path
    data: Any
    base_uri: str
    anchors: dict[str, str] = field(default_factory=dict)
    """``$anchor`` name -> JSON pointer."""

    @property
    def is_method_table(self) -> bool:
        return isinstance(self.data, dict) and self.data.get("$schema") == METHOD_TABLE_SCHEMA

    @property
    def is_component_manifest(self) -> bool:
        return isinstance(self.data, dict) and self.data.get("$schema") == COMPONENTS_SCHEMA

    @property
    def is_schema(self) -> bool:
        """A JSON Schema (not a method table or component manifest)."""
        return not (isinstance(self.data, dict) and self.data.get("$schema") in TOOL_FORMATS)

    @property
    def dialect(self) -> str:
        s = self.data.get("$schema", "") if isinstance(self.data, dict) else ""
        if "draft-04" in s or "draft-06" in s or "draft-07" in s:
            return "draft-07"
        return "2020-12"


def escape_pointer_token(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def pointer_join(pointer: str, *tokens: str | int) -> str:
    return pointer + "".join("/" + escape_pointer_token(str(t)) for t in tokens)


def pointer_tokens(pointer: str) -> list[str]:
    if pointer in ("", "/"):
        return [] if pointer == "" else [""]
    if not pointer.startswith("/"):
        raise ValueError(pointer)
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def parse_json_file(path: Path, display: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LoadError(display, "", "file not found", "check the path") from None
    except UnicodeDecodeError as e:
        raise LoadError(display, "", f"not UTF-8 text ({e.reason} at byte {e.start})", "save the file as UTF-8") from None
    except OSError as e:
        raise LoadError(display, "", f"cannot read file: {e.strerror}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise LoadError(
            display,
            "",
            f"invalid JSON at line {e.lineno}, column {e.colno}: {e.msg}",
            "fix the JSON syntax (schemas must be JSON documents)",
        ) from None


class Workspace:
    def __init__(self, inputs: list[Path], diags: Diagnostics, cwd: Path | None = None):
        self.diags = diags
        self.cwd = (cwd or Path.cwd()).resolve()
        files: list[Path] = []
        for p in inputs:
            if p.is_dir():
                found = sorted(q for q in p.rglob("*.json") if q.is_file())
                if not found:
                    raise LoadError(self._display(p), "", "directory holds no .json schema files")
                files.extend(found)
            elif p.exists():
                files.append(p)
            else:
                raise LoadError(self._display(p), "", "file not found", "check the path")
        resolved = sorted({f.resolve() for f in files})
        self.base = Path(os.path.commonpath([f.parent for f in resolved])) if resolved else self.cwd
        self.docs: dict[str, Document] = {}
        self.by_uri: dict[str, str] = {}
        self.inputs: list[str] = []
        for f in resolved:
            self.inputs.append(self._load(f).key)

    def _display(self, p: Path) -> str:
        try:
            return p.resolve().relative_to(self.cwd).as_posix()
        except ValueError:
            return p.resolve().as_posix()

    def _key(self, p: Path) -> str:
        try:
            return p.relative_to(self.base).as_posix()
        except ValueError:
            return Path(os.path.relpath(p, self.base)).as_posix()

    def _load(self, path: Path) -> Document:
        key = self._key(path)
        if key in self.docs:
            return self.docs[key]
        display = self._display(path)
        data = parse_json_file(path, display)
        base_uri = path.as_uri()
        if isinstance(data, dict) and isinstance(data.get("$id"), str) and data.get("$schema") not in TOOL_FORMATS:
            self.by_uri[urldefrag(data["$id"])[0]] = key
            base_uri = urljoin(base_uri, data["$id"]) if ":" not in data["$id"] else data["$id"]
        doc = Document(key, display, path, data, base_uri)
        self.by_uri[urldefrag(path.as_uri())[0]] = key
        self.by_uri[urldefrag(base_uri)[0]] = key
        self.docs[key] = doc
        if doc.is_schema:
            self._scan_anchors(doc, data, "")
        return doc

    def _scan_anchors(self, doc: Document, node: Any, pointer: str) -> None:
        if isinstance(node, dict):
            anchor = node.get("$anchor")
            if isinstance(anchor, str):
                doc.anchors[anchor] = pointer
            for k, v in node.items():
                if k in ("enum", "const", "default", "examples"):
                    continue
                self._scan_anchors(doc, v, pointer_join(pointer, k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                self._scan_anchors(doc, v, pointer_join(pointer, i))

    def display(self, key: str) -> str:
        return self.docs[key].display

    def get(self, key: str, pointer: str) -> Any:
        node = self.docs[key].data
        for tok in pointer_tokens(pointer):
            if isinstance(node, dict) and tok in node:
                node = node[tok]
            elif isinstance(node, list) and tok.isdigit() and int(tok) < len(node):
                node = node[int(tok)]
            else:
                raise KeyError(pointer)
        return node

    def resolve_ref(self, ref: str, key: str, at: str) -> tuple[str, str]:
        """Resolve ``ref`` found in file ``key`` at pointer ``at`` to ``(file key, pointer)``."""
        doc = self.docs[key]
        url, frag = urldefrag(ref)
        if url == "":
            target = key
        else:
            absolute = urljoin(doc.base_uri, url)
            if absolute in self.by_uri:
                target = self.by_uri[absolute]
            elif absolute.startswith("file:"):
                path = Path(url2pathname(urlparse(absolute).path))
                if not path.exists():
                    raise LoadError(
                        doc.display,
                        at,
                        f"$ref {ref!r} points at {self._display(path)}, which does not exist",
                        "fix the reference or pass the referenced file",
                    )
                target = self._load(path.resolve()).key
            else:
                raise LoadError(
                    doc.display,
                    at,
                    f"$ref {ref!r} points at a remote document ({absolute}); remote references are not fetched",
                    "download the schema and pass it on the command line, or give it a matching $id",
                )
        frag = unquote(frag)
        if frag and not frag.startswith("/"):
            anchors = self.docs[target].anchors
            if frag not in anchors:
                raise LoadError(doc.display, at, f"$ref {ref!r}: no $anchor named {frag!r}", "fix the reference")
            frag = anchors[frag]
        try:
            self.get(target, frag)
        except (KeyError, ValueError):
            raise LoadError(
                doc.display,
                at,
                f"$ref {ref!r} does not resolve: {self.docs[target].display} has nothing at {frag or '/'}",
                "fix the JSON pointer (remember ~1 for '/' and ~0 for '~' in names)",
            ) from None
        return target, frag
