"""Load schema files and resolve ``$ref``.

A :class:`Workspace` holds every JSON document read (the inputs, and any file a ``$ref`` points
at), keyed by a *file key*: the path relative to the inputs' common directory, in POSIX form.
References are resolved to ``(file key, JSON pointer)`` pairs as the JSON Schema specifications
define them:

* every *schema resource* (a document root, and each subschema with ``$id``, or ``id`` in
  draft-04) has a base URI; a ``$ref`` is resolved against the base URI of the resource it sits in;
* URIs are compared normalised (scheme and host in lower case, an empty http path is ``/``, no
  empty fragment);
* plain-name fragments are ``$anchor`` (2019-09+), ``$dynamicAnchor`` (2020-12) or ``$id: "#name"``
  (draft-06/07, ``id`` in draft-04);
* only the places where a keyword holds a schema are searched for identifiers: an ``$id`` inside
  ``enum``, ``const`` or an unknown keyword is not one;
* a relative reference that names no known URI but names a file beside the referring file that was
  given on the command line (or lies under a given folder) finds that file, with a note.

Files are read only from the folders of the inputs (and ``allowed_roots``): regular files of at
most :data:`MAX_FILE_BYTES`.  Nothing is fetched from the network.
"""

from __future__ import annotations

import json
import math
import os
import stat
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlsplit, urlunsplit

from ..diagnostics import Diagnostics
from ..records import dataclass, field

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any


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

MAX_FILE_BYTES = 32 * 1024 * 1024
"""The largest schema file read (inputs and referenced files alike)."""

DRAFTS = ("draft-04", "draft-06", "draft-07", "2019-09", "2020-12")

# Keywords whose value is a schema, an array of schemas, or an object of schemas: the only places
# an identifier ($id, $anchor...) counts.
SCHEMA_KEYWORDS = frozenset(
    {
        "additionalProperties",
        "additionalItems",
        "unevaluatedItems",
        "unevaluatedProperties",
        "propertyNames",
        "contains",
        "not",
        "if",
        "then",
        "else",
        "contentSchema",
    }
)
SCHEMA_ARRAY_KEYWORDS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
SCHEMA_MAP_KEYWORDS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})


VALIDATION_VOCABULARIES = frozenset(
    {
        "https://json-schema.org/draft/2019-09/vocab/validation",
        "https://json-schema.org/draft/2020-12/vocab/validation",
    }
)
"""The URIs of the validation vocabulary, as a metaschema's ``$vocabulary`` names it."""
VALIDATION_KEYWORDS = frozenset(
    {
        "type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
        "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "maxContains", "minContains",
        "maxProperties", "minProperties", "required", "dependentRequired",
    }
)
"""The keywords of the validation vocabulary (2019-09 and 2020-12)."""


def subschemas(node: dict[str, Any]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """The subschemas of the schema ``node``: (the pointer tokens from ``node`` to each, the subschema),
    at every keyword whose value is a schema, an array or an object of schemas (``items`` either;
    ``dependencies`` only where it holds a schema, not a list of names)."""
    for kw, value in node.items():
        if kw in SCHEMA_KEYWORDS or (kw == "items" and not isinstance(value, list)):
            yield (kw,), value
        elif kw in SCHEMA_ARRAY_KEYWORDS or kw == "items":
            if isinstance(value, list):
                for i, sub in enumerate(value):
                    yield (kw, i), sub
        elif (kw in SCHEMA_MAP_KEYWORDS or kw == "dependencies") and isinstance(value, dict):
            for name, sub in value.items():
                if not (kw == "dependencies" and isinstance(sub, list)):
                    yield (kw, name), sub


def draft_of(uri: Any) -> str | None:
    """The draft a ``$schema`` URI names, or None when it names none this tool knows."""
    if not isinstance(uri, str):
        return None
    for marker, draft in (
        ("draft-04", "draft-04"),
        ("draft-06", "draft-06"),
        ("draft-07", "draft-07"),
        ("draft/2019-09", "2019-09"),
        ("draft/2020-12", "2020-12"),
    ):
        if marker in uri:
            return draft
    return None


@lru_cache(maxsize=4096)
def normalize_uri(uri: str) -> str:
    """The form URIs are compared in: no fragment, lower-case scheme and host, ``/`` for an empty http path."""
    uri = urldefrag(uri)[0]
    try:
        parts = urlsplit(uri)
    except ValueError:
        return uri
    scheme = parts.scheme.lower()
    netloc = parts.netloc.lower() if scheme in ("http", "https", "file") else parts.netloc
    path = parts.path
    if scheme in ("http", "https") and path == "":
        path = "/"
    return urlunsplit((scheme, netloc, path, parts.query, ""))


@lru_cache(maxsize=4096)
def join_uri(base: str, ref: str) -> str:
    """``urljoin`` that also works for bases whose scheme urljoin does not know (``urn:``, ``tag:``)."""
    if ref.startswith("#"):
        return urldefrag(base)[0] + ref
    if ":" in ref.split("/", 1)[0] and not ref.startswith(("./", "../")):
        return ref  # already absolute
    return urljoin(base, ref)


@lru_cache(maxsize=4096)
def _ref_uri(base: str, ref: str) -> tuple[str, str]:
    """The normalized URI of the resource ``ref`` names from ``base``, and its fragment (unquoted).
    Memoised: a document names the same definitions again and again."""
    url, frag = urldefrag(join_uri(base, ref))
    return normalize_uri(url), unquote(frag)


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
    """``$anchor`` name -> JSON pointer (of the document's root resource)."""
    resources: dict[str, str] = field(default_factory=dict)
    """JSON pointer of each schema resource root in this document -> its base URI."""
    inherited_draft: str | None = None
    """The draft of the document that referenced this one, for a file that names none itself (or,
    for a file whose ``$schema`` names a metaschema of its own, the draft of that metaschema)."""
    validation: bool = True
    """False when the document's ``$schema`` names a metaschema whose ``$vocabulary`` leaves out the
    validation vocabulary: its validation keywords are not assertions (and are removed from ``data``)."""

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
    def draft(self) -> str:
        """The draft the document is written in (its ``$schema``; 2020-12 when it names none)."""
        s = self.data.get("$schema") if isinstance(self.data, dict) else None
        return draft_of(s) or self.inherited_draft or "2020-12"

    @property
    def dialect(self) -> str:
        """``"draft-07"`` for draft-04/06/07 (``$ref`` siblings ignored), else ``"2020-12"``."""
        return "draft-07" if self.draft in ("draft-04", "draft-06", "draft-07") else "2020-12"


def escape_pointer_token(token: str) -> str:
    if "~" not in token and "/" not in token:
        return token
    return token.replace("~", "~0").replace("/", "~1")


def pointer_join(pointer: str, *tokens: str | int) -> str:
    if len(tokens) == 1:
        return pointer + "/" + escape_pointer_token(str(tokens[0]))
    return pointer + "".join("/" + escape_pointer_token(str(t)) for t in tokens)


def pointer_tokens(pointer: str) -> list[str]:
    if pointer in ("", "/"):
        return [] if pointer == "" else [""]
    if not pointer.startswith("/"):
        raise ValueError(pointer)
    if "~" not in pointer:
        return pointer[1:].split("/")
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def _reject_constant(token: str) -> Any:
    raise ValueError(f"{token} is not a JSON number")


def parse_json_file(path: Path, display: str) -> Any:
    try:
        st = path.stat()
    except FileNotFoundError:
        raise LoadError(display, "", "file not found", "check the path") from None
    except OSError as e:
        raise LoadError(display, "", f"cannot read file: {e.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        raise LoadError(display, "", "not a regular file", "schemas must be regular files (not devices, FIFOs or sockets)")
    if st.st_size > MAX_FILE_BYTES:
        raise LoadError(display, "", f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB", "split the schema")
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        raise LoadError(display, "", f"cannot read file: {e.strerror}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise LoadError(display, "", f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB", "split the schema")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise LoadError(display, "", f"not UTF-8 text ({e.reason} at byte {e.start})", "save the file as UTF-8") from None
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as e:
        raise LoadError(
            display,
            "",
            f"invalid JSON at line {e.lineno}, column {e.colno}: {e.msg}",
            "fix the JSON syntax (schemas must be JSON documents)",
        ) from None
    except (ValueError, RecursionError) as e:
        raise LoadError(display, "", f"invalid JSON: {e}", "fix the JSON syntax (schemas must be JSON documents)") from None
    try:
        if not _values_ok(data):
            _check_values(data, display)  # finds the first bad value again, with its pointer, and raises
    except RecursionError:
        raise LoadError(display, "", "the document is nested too deeply", "flatten it with $defs") from None
    return data


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _values_ok(node: Any) -> bool:
    """Whether :func:`_check_values` would accept ``node`` (the same walk, without building pointers)."""
    if isinstance(node, str):
        return not _has_lone_surrogate(node)
    if isinstance(node, float):
        return math.isfinite(node)
    if isinstance(node, list):  # loops, not all(...): one frame per level, as _check_values recurses
        for item in node:
            if not _values_ok(item):
                return False
    elif isinstance(node, dict):
        for k, item in node.items():
            if _has_lone_surrogate(k) or not _values_ok(item):
                return False
    return True


def _check_values(node: Any, display: str, pointer: str = "") -> None:
    """Refuse values no generated file can hold: lone UTF-16 surrogates and numbers beyond a double."""
    if isinstance(node, str):
        if _has_lone_surrogate(node):
            raise LoadError(display, pointer, "string holds a lone UTF-16 surrogate (not Unicode text)", "remove the \\uD800-\\uDFFF escape")
    elif isinstance(node, float):
        if not math.isfinite(node):
            raise LoadError(display, pointer, "number is out of the range of a double", "write a smaller number")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            _check_values(item, display, pointer_join(pointer, i))
    elif isinstance(node, dict):
        for k, item in node.items():
            at = pointer_join(pointer, k) if not _has_lone_surrogate(k) else pointer
            if at == pointer and k:
                raise LoadError(display, pointer, "a key holds a lone UTF-16 surrogate (not Unicode text)", "rename the key")
            _check_values(item, display, at)


class Workspace:
    def __init__(
        self,
        inputs: list[Path],
        diags: Diagnostics,
        cwd: Path | None = None,
        allowed_roots: list[Path] | None = None,
        uri_map: dict[str, Path] | None = None,
    ):
        self.diags = diags
        self.uri_map = {normalize_uri(k): p.resolve() for k, p in (uri_map or {}).items()}
        """URI prefix -> local folder: references below the prefix read files from the folder (offline mirrors)."""
        self.cwd = (cwd or Path.cwd()).resolve()
        files: list[Path] = []
        roots: list[Path] = [r.resolve() for r in (allowed_roots or [])]
        for p in inputs:
            if p.is_dir():
                found = sorted(q for q in p.rglob("*.json") if q.is_file())
                if not found:
                    raise LoadError(self._display(p), "", "directory holds no .json schema files")
                files.extend(found)
                roots.append(p.resolve())
            elif p.exists():
                files.append(p)
                roots.append(p.resolve().parent)
            else:
                raise LoadError(self._display(p), "", "file not found", "check the path")
        self.roots = roots + list(self.uri_map.values())
        resolved = sorted({f.resolve() for f in files})
        self.base = Path(os.path.commonpath([f.parent for f in resolved])) if resolved else self.cwd
        self.docs: dict[str, Document] = {}
        self.by_uri: dict[str, tuple[str, str]] = {}
        """Normalised URI of each schema resource -> (file key, pointer of its root)."""
        self.anchors: dict[tuple[str, str], str] = {}
        """(resource URI, anchor name) -> pointer in that resource's file (``$anchor``, ``$dynamicAnchor``, ``$id: "#x"``)."""
        self.dynamic_anchors: dict[tuple[str, str], str] = {}
        """(resource URI, ``$dynamicAnchor`` name) -> pointer."""
        self.recursive_anchors: set[str] = set()
        """Resource URIs whose root says ``$recursiveAnchor: true`` (2019-09)."""
        self.resource_file: dict[str, str] = {}
        """Resource URI -> its file key."""
        self._parsed: dict[Path, Any] = {}
        """The inputs, parsed before any is loaded (so a document finds a meta-schema given after it)."""
        self._input_ids: dict[str, Path] = {}
        """The root ``$id`` (or draft-04 ``id``) of each input -> its file."""
        for f in resolved:
            data = self._parsed[f] = parse_json_file(f, self._display(f))
            ident = data.get("$id", data.get("id")) if isinstance(data, dict) else None
            if isinstance(ident, str) and ident:
                try:
                    self._input_ids.setdefault(normalize_uri(join_uri(f.as_uri(), ident)), f)
                except ValueError:
                    pass
        self.inputs: list[str] = []
        for f in resolved:
            self.inputs.append(self._load(f).key)

    def _display(self, p: Path) -> str:
        try:
            return p.resolve().relative_to(self.cwd).as_posix()
        except ValueError:
            return p.resolve().as_posix()

    def _key(self, p: Path) -> str:
        """The file key: the POSIX path relative to the base, with ``%`` and ``#`` percent-encoded so
        that ``key#pointer`` type ids split at their first ``#``."""
        try:
            rel = p.relative_to(self.base).as_posix()
        except ValueError:
            rel = Path(os.path.relpath(p, self.base)).as_posix()
        return rel.replace("%", "%25").replace("#", "%23")

    def _allowed(self, path: Path) -> bool:
        for root in self.roots:
            try:
                path.relative_to(root)
                return True
            except ValueError:
                continue
        return False

    def _load(self, path: Path, draft: str | None = None) -> Document:
        key = self._key(path)
        if key in self.docs:
            return self.docs[key]
        display = self._display(path)
        data = self._parsed.pop(path) if path in self._parsed else parse_json_file(path, display)
        doc = Document(key, display, path, data, path.as_uri(), inherited_draft=draft)
        self.docs[key] = doc
        file_uri = normalize_uri(path.as_uri())
        self.by_uri.setdefault(file_uri, (key, ""))
        self.resource_file.setdefault(file_uri, key)
        if doc.is_schema:
            self._dialect(doc)
            self._index(doc, data, "", file_uri, doc.draft, True)
            doc.base_uri = doc.resources.get("", file_uri)
        return doc

    # -- dialects -----------------------------------------------------------------------------
    def _dialect(self, doc: Document) -> None:
        """A document whose ``$schema`` names a meta-schema of its own (not one of the drafts) is in
        that meta-schema's draft, and :meth:`_vocabulary` applies."""
        uri = doc.data.get("$schema") if isinstance(doc.data, dict) else None
        meta = self._metaschema(uri)
        if meta is not None and meta is not doc and isinstance(uri, str):
            doc.inherited_draft = meta.draft
            if self._vocabulary(doc, doc.data, "", uri, meta):
                doc.validation = False

    def _vocabulary(self, doc: Document, node: dict[str, Any], pointer: str, uri: str, meta: Document) -> bool:
        """When the meta-schema ``meta`` (``uri``, which ``node`` names in ``$schema``) has a
        ``$vocabulary`` without the validation vocabulary, remove the validation keywords of ``node``
        (a document or an embedded resource) and its subschemas, and say so: they are annotations."""
        vocabulary = meta.data.get("$vocabulary") if isinstance(meta.data, dict) else None
        if meta.draft not in ("2019-09", "2020-12") or not isinstance(vocabulary, dict):
            return False  # $vocabulary is a 2019-09 keyword
        if VALIDATION_VOCABULARIES & vocabulary.keys():
            return False
        _strip_validation(node, normalize_uri(uri))
        self.diags.info(
            "no-validation-vocabulary",
            doc.display,
            pointer_join(pointer, "$schema"),
            f"the meta-schema {uri} leaves out the validation vocabulary: the validation keywords here "
            "(type, minimum, required...) are annotations, not checked",
        )
        return True

    def _metaschema(self, uri: Any) -> Document | None:
        """The document of the meta-schema ``uri`` names when it is not one of the drafts and can be
        read without a fetch: an input (by its ``$id``), a loaded document, a file under ``--map-uri``
        or a ``file:`` URI in the schema folders."""
        if not isinstance(uri, str) or draft_of(uri) is not None:
            return None
        try:
            norm = normalize_uri(uri)
            found = self.by_uri.get(norm)
            if found is not None:
                return self.docs[found[0]] if found[1] == "" else None
            path = self._input_ids.get(norm) or self._local_path(norm)
            if path is None:
                return None
            real = path.resolve(strict=True)
            if not self._allowed(real) or not real.is_file():
                return None
            return self._load(real)
        except (ValueError, RuntimeError, OSError, LoadError):  # a malformed URI or path, an unreadable file
            return None

    # -- identifiers --------------------------------------------------------------------------
    def _index(self, doc: Document, node: Any, pointer: str, base: str, draft: str, is_root: bool) -> None:
        """Record the resources and anchors of the schema ``node`` (at ``pointer``) whose base URI is ``base``."""
        if not isinstance(node, dict):
            return
        own = draft_of(node.get("$schema")) if not is_root else None
        if own is not None:
            draft = own
        elif not is_root and "$schema" in node:  # an embedded resource in a meta-schema of its own
            meta = self._metaschema(node["$schema"])
            if meta is not None and meta is not doc:
                draft = meta.draft
                self._vocabulary(doc, node, pointer, node["$schema"], meta)
        legacy = draft in ("draft-04", "draft-06", "draft-07")
        id_kw = "id" if draft == "draft-04" else "$id"
        ident = node.get(id_kw)
        if legacy and "$ref" in node:
            ident = None  # draft-07 and before: every keyword beside $ref is ignored, $id included
        if isinstance(ident, str) and ident:
            if legacy and ident.startswith("#"):
                self.anchors[(base, ident[1:])] = pointer
            else:
                uri = join_uri(base, ident)
                frag = urldefrag(uri)[1]
                base = normalize_uri(uri)
                self._resource(doc, pointer, base)
                if frag and legacy:
                    self.anchors[(base, frag)] = pointer
        elif is_root:
            self._resource(doc, pointer, base)
        if is_root and pointer == "" and base not in doc.resources.values():
            self._resource(doc, pointer, base)
        if not legacy:
            anchor = node.get("$anchor")
            if isinstance(anchor, str):
                self.anchors[(base, anchor)] = pointer
            dyn = node.get("$dynamicAnchor")
            if isinstance(dyn, str) and draft == "2020-12":
                self.anchors.setdefault((base, dyn), pointer)
                self.dynamic_anchors[(base, dyn)] = pointer
            if node.get("$recursiveAnchor") is True and draft == "2019-09":
                self.recursive_anchors.add(base)
        for tokens, sub in subschemas(node):
            self._index(doc, sub, pointer_join(pointer, *tokens), base, draft, False)

    def _resource(self, doc: Document, pointer: str, uri: str) -> None:
        doc.resources[pointer] = uri
        self.by_uri.setdefault(uri, (doc.key, pointer))
        self.resource_file.setdefault(uri, doc.key)

    def resource_at(self, key: str, pointer: str) -> tuple[str, str]:
        """The innermost schema resource holding ``key#pointer``: (its root pointer, its base URI)."""
        doc = self.docs[key]
        best = ""
        for p in doc.resources:
            if (pointer == p or pointer.startswith(p + "/")) and len(p) >= len(best):
                best = p
        return best, doc.resources.get(best, doc.base_uri)

    def base_uri_at(self, key: str, pointer: str) -> str:
        return self.resource_at(key, pointer)[1]

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
        """Resolve ``ref`` found in file ``key`` at pointer ``at`` (the ``$ref`` keyword's own
        pointer, or the schema's) to ``(file key, pointer)``."""
        doc = self.docs[key]
        schema_at = at[: -len("/$ref")] if at.endswith("/$ref") else at
        base = self.base_uri_at(key, schema_at)
        uri, frag = _ref_uri(base, ref)
        if uri not in self.by_uri:
            self._find_file(ref, uri, doc, at)
        target, root = self.by_uri[uri]
        if frag and not frag.startswith("/"):
            pointer = self.anchors.get((uri, frag))
            if pointer is None:
                raise LoadError(doc.display, at, f"$ref {ref!r}: no $anchor named {frag!r} in {uri}", "fix the reference")
            return self.resource_file.get(uri, target), pointer
        pointer = root + frag
        try:
            self.get(target, pointer)
        except (KeyError, ValueError):
            raise LoadError(
                doc.display,
                at,
                f"$ref {ref!r} does not resolve: {self.docs[target].display} has nothing at {pointer or '/'}",
                "fix the JSON pointer (remember ~1 for '/' and ~0 for '~' in names)",
            ) from None
        return target, pointer

    def _local_path(self, uri: str) -> Path | None:
        """The file a (normalised) URI names here: a ``file:`` URI's path, or the file under the
        longest ``--map-uri`` prefix it starts with; None for any other URI (nothing is fetched)."""
        if uri.startswith("file:"):
            return Path(url2pathname(urlsplit(uri).path))
        mapped = [(prefix, folder) for prefix, folder in self.uri_map.items() if uri.startswith(prefix)]
        if not mapped:
            return None
        prefix, folder = max(mapped, key=lambda m: len(m[0]))
        return folder / url2pathname(uri[len(prefix) :].lstrip("/"))

    def _find_file(self, ref: str, uri: str, doc: Document, at: str) -> None:
        """Load the file a reference names (a ``file:`` URI, or a file beside the referring one)."""
        note = False
        path = self._local_path(uri)
        if path is None:
            rel = urldefrag(ref)[0]
            if rel and ":" not in rel.split("/", 1)[0]:
                path = doc.path.parent / url2pathname(rel)
                note = True
        if path is None:
            raise LoadError(
                doc.display,
                at,
                f"$ref {ref!r} points at a remote document ({uri}); remote references are not fetched",
                "download the schema and pass it on the command line, or give it a matching $id",
            )
        display = self._display(path)
        try:
            real = path.resolve(strict=True)
        except (FileNotFoundError, RuntimeError, OSError):
            raise LoadError(
                doc.display,
                at,
                f"$ref {ref!r} points at {display}, which does not exist",
                "fix the reference or pass the referenced file",
            ) from None
        if not self._allowed(real):
            raise LoadError(
                doc.display,
                at,
                f"$ref {ref!r} points at {display}, outside the schema folders given",
                "pass that file (or its folder) on the command line if it is meant to be read",
            )
        try:
            loaded = self._load(real, doc.draft)
        except LoadError as e:
            if e.pointer:
                raise
            raise LoadError(doc.display, at, f"$ref {ref!r} points at {display}: {e.message}", e.hint) from None
        if note:
            self.diags.info(
                "ref-by-file",
                doc.display,
                at,
                f"$ref {ref!r}: no schema has the URI {uri}; using the file {loaded.display} beside this one",
            )
        self.by_uri[uri] = (loaded.key, "")
        self.resource_file.setdefault(uri, loaded.key)
        file_uri = normalize_uri(real.as_uri())
        if uri != file_uri:
            # anchors of the loaded file are known under its own base URI; make them reachable here too
            for (res, name), ptr in list(self.anchors.items()):
                if res == loaded.base_uri:
                    self.anchors.setdefault((uri, name), ptr)


def _strip_validation(node: Any, dialect: str) -> None:
    """Remove the validation keywords from the schema ``node`` and its subschemas, but not from an
    embedded resource whose ``$schema`` names another meta-schema than ``dialect`` (normalised)."""
    if not isinstance(node, dict):
        return
    for kw in VALIDATION_KEYWORDS & node.keys():
        del node[kw]
    for _, sub in subschemas(node):
        other = sub.get("$schema", dialect) if isinstance(sub, dict) else dialect
        try:
            same = isinstance(other, str) and normalize_uri(other) == dialect
        except ValueError:
            same = False
        if same:
            _strip_validation(sub, dialect)
