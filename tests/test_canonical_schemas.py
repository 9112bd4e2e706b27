"""Proves the canonical StepFlow 0.9.0 protocol schemas (schemas/protocol.json, schemas/methods.json).

(a) protocol.json and every method table validate against their meta-schemas, and every $ref resolves;
(b) every JSON-RPC message of the real 0.9.0 capture (shared/interop/0.9/capture.jsonl) matches exactly
    one envelope branch, and its params/result validate against the method table's types;
(c) hand-written messages that the real 0.9.0 runtime (or SDK) rejects are rejected;
(d) StepFlow's own protocol-0.9.0.json has the overlapping-oneOf bug (F2): a request matches both
    MethodRequest and Notification, because its Notification does not forbid `id`.
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path
from urllib.parse import urljoin

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

HERE = Path(__file__).resolve()
REPO = HERE.parents[1]
SHARED = HERE.parents[2] / "shared"
SCHEMAS = REPO / "schemas"
UPSTREAM = REPO / "tests" / "fixtures" / "upstream"
METHOD_TABLE_METASCHEMA = REPO / "codegen" / "metaschemas" / "method-table.schema.json"
CAPTURE = SHARED / "interop" / "0.9" / "capture.jsonl"

PROTOCOL = SCHEMAS / "protocol.json"
METHODS = SCHEMAS / "methods.json"
UPSTREAM_09 = UPSTREAM / "protocol-0.9.0.json"
UPSTREAM_11 = UPSTREAM / "protocol-0.11.1.json"
METHOD_TABLES = [
    METHODS,
    UPSTREAM / "stepflow-0.9.0.methods.json",
    UPSTREAM / "stepflow-0.11.1.methods.json",
]
# method table -> the protocol schema its $refs point into
TABLE_PROTOCOL = {
    METHODS: PROTOCOL,
    UPSTREAM / "stepflow-0.9.0.methods.json": UPSTREAM_09,
    UPSTREAM / "stepflow-0.11.1.methods.json": UPSTREAM_11,
}
ENVELOPES = ("MethodRequest", "Notification", "MethodSuccess", "MethodError")


# --------------------------------------------------------------------------- helpers


def load(path: Path):
    with path.open(encoding="utf-8") as f:
        return json.load(f)


def uri(path: Path) -> str:
    return path.resolve().as_uri()


@lru_cache(maxsize=None)
def registry() -> Registry:
    """Every schema file under its file: URI (so relative cross-file $refs resolve)."""
    resources = []
    for path in [PROTOCOL, METHODS, UPSTREAM_09, UPSTREAM_11, *METHOD_TABLES, METHOD_TABLE_METASCHEMA]:
        resources.append((uri(path), Resource.from_contents(load(path), default_specification=DRAFT202012)))
    meta = load(METHOD_TABLE_METASCHEMA)
    resources.append((meta["$id"], Resource.from_contents(meta, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


@lru_cache(maxsize=None)
def validator(ref: str) -> Draft202012Validator:
    """A validator for the schema at an absolute URI reference."""
    return Draft202012Validator({"$ref": ref}, registry=registry())


def errors_of(ref: str, instance) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in validator(ref).iter_errors(instance)]


def branches(protocol: Path, message) -> list[str]:
    """Names of the root oneOf branches of `protocol` that `message` matches."""
    doc = load(protocol)
    names = []
    for branch in doc["oneOf"]:
        if validator(urljoin(uri(protocol), branch["$ref"])).is_valid(message):
            names.append(branch["$ref"].rsplit("/", 1)[-1])
    return names


def envelope_kind(message) -> str:
    """Classify like the runtime's RawMessage visitor does (by key presence)."""
    if "method" in message:
        return "MethodRequest" if "id" in message else "Notification"
    return "MethodError" if "error" in message else "MethodSuccess"


@lru_cache(maxsize=None)
def method_table(path: Path) -> dict:
    table = load(path)
    entries = {}
    for kind in ("requests", "notifications"):
        for entry in table[kind]:
            entries[entry["method"]] = dict(entry, kind=kind)
    return entries


def typeref(table: Path, ref: dict) -> str:
    return urljoin(uri(table), ref["$ref"])


def check_message(message, response_method: str | None = None, table: Path = METHODS) -> list[str]:
    """All reasons why `message` is not a valid 0.9.0 message (empty list: valid).

    Envelope: the root Message schema must match, with exactly one oneOf branch.
    Payload: params (requests, notifications) or result/error (responses, whose method is
    `response_method`) must validate against the method table's types.
    """
    protocol = TABLE_PROTOCOL[table]
    problems = errors_of(uri(protocol), message)
    if not isinstance(message, dict):
        return problems or ["not an object"]
    matched = branches(protocol, message)
    if len(matched) != 1:
        problems.append(f"matches {len(matched)} envelope branches: {matched}")
    if problems:
        return problems
    entries = method_table(table)
    kind = matched[0]
    if kind in ("MethodRequest", "Notification"):
        entry = entries.get(message["method"])
        if entry is None:
            return [f"method {message['method']!r} not in the method table"]
        want = "requests" if kind == "MethodRequest" else "notifications"
        if entry["kind"] != want:
            return [f"{message['method']} is one of the {entry['kind']}, sent as a {kind}"]
        return [f"params/{p}" for p in errors_of(typeref(table, entry["params"]), message["params"])]
    entry = entries.get(response_method)
    if entry is None or entry["kind"] != "requests":
        return [f"response to unknown request method {response_method!r}"]
    if kind == "MethodSuccess":
        return [f"result/{p}" for p in errors_of(typeref(table, entry["result"]), message["result"])]
    code = message["error"]["code"]
    if code not in entry.get("errors", []):
        return [f"error code {code} not listed for {response_method}"]
    return []


# --------------------------------------------------------------------------- capture


@lru_cache(maxsize=None)
def captured_messages() -> tuple:
    """(seq, direction, message) for every JSON-RPC message of the 0.9.0 capture, in order.

    direction: "post" = HTTP request body the runtime POSTed to the component server (a request,
    a notification, or the runtime's answer to a callback); "reply" = HTTP response body;
    "sse" = an SSE event on a components/execute response (server -> runtime).
    """
    if not CAPTURE.is_file():
        pytest.fail(
            f"interop capture not found: {CAPTURE}. The tests expect the shared/ directory beside the "
            f"repository ({SHARED}); it holds the real StepFlow 0.9.0 traffic these schemas are proven on."
        )
    out = []
    non_jsonrpc = 0
    with CAPTURE.open(encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if rec.get("channel") != "rpc" or rec.get("kind") not in ("request", "response", "sse_event"):
                continue
            if rec["kind"] == "sse_event":
                data = [ln[len("data: "):] for ln in rec["raw"].splitlines() if ln.startswith("data: ")]
                assert len(data) == 1, f"seq {rec['seq']}: expected one data line: {rec['raw']!r}"
                out.append((rec["seq"], "sse", json.loads(data[0])))
                continue
            body = rec.get("body")
            if body == "":
                # 202 Accepted to a notification or to a POSTed response: not JSON-RPC.
                assert rec["kind"] == "response" and rec.get("status") == 202, rec
                non_jsonrpc += 1
                continue
            if not isinstance(body, dict):
                body = json.loads(rec["raw"])
            out.append((rec["seq"], "post" if rec["kind"] == "request" else "reply", body))
    assert non_jsonrpc > 0 and out, "capture holds no JSON-RPC traffic"
    return tuple(out)


# --------------------------------------------------------------------------- (a) meta-schemas


def test_protocol_schema_is_valid_draft_2020_12():
    doc = load(PROTOCOL)
    Draft202012Validator.check_schema(doc)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert doc["title"] == "Message"
    assert [b["$ref"] for b in doc["oneOf"]] == [f"#/$defs/{n}" for n in ENVELOPES]


def test_protocol_schema_conventions():
    doc = load(PROTOCOL)
    defs = doc["$defs"]
    for name, d in defs.items():
        assert d.get("description"), f"$defs/{name} has no description"
        if d.get("type") == "object" and name not in ("Schema", "WorkflowOverrides"):
            assert d.get("additionalProperties") is False, f"$defs/{name} is not closed"
    for name in ENVELOPES:
        assert defs[name]["additionalProperties"] is False
    assert "id" not in defs["Notification"]["properties"]
    assert "method" not in defs["MethodSuccess"]["properties"]
    assert "method" not in defs["MethodError"]["properties"]
    assert "error" not in defs["MethodSuccess"]["properties"]
    assert "result" not in defs["MethodError"]["properties"]
    assert "params" in defs["MethodRequest"]["required"] and "params" in defs["Notification"]["required"]
    assert set(defs["Value"]) == {"description"}
    assert defs["Schema"]["type"] == "object" and defs["Schema"]["additionalProperties"] is True
    codes = defs["ErrorCode"]
    assert len(codes["enum"]) == len(set(codes["enum"])) == len(codes["x-enum-varnames"])
    assert len(set(codes["x-enum-varnames"])) == len(codes["x-enum-varnames"])
    for name in ("FlowResultSuccess", "FlowResultFailed"):
        assert "outcome" in defs[name]["required"] and "const" in defs[name]["properties"]["outcome"]


def _refs(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                yield v
            else:
                yield from _refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from _refs(v)


@pytest.mark.parametrize("path", [PROTOCOL, UPSTREAM_09, UPSTREAM_11], ids=lambda p: p.name)
def test_every_ref_in_protocol_schema_resolves(path):
    resolver = registry().resolver(base_uri=uri(path))
    refs = set(_refs(load(path)))
    assert refs
    for ref in refs:
        resolver.lookup(ref)


@pytest.mark.parametrize("table", METHOD_TABLES, ids=lambda p: p.name)
def test_method_table_valid_and_refs_resolve(table):
    meta = load(METHOD_TABLE_METASCHEMA)
    Draft202012Validator.check_schema(meta)
    doc = load(table)
    problems = [e.message for e in Draft202012Validator(meta, registry=registry()).iter_errors(doc)]
    assert not problems, problems

    resolver = registry().resolver(base_uri=uri(table))
    protocol_uri = uri(TABLE_PROTOCOL[table])
    for ref in _refs({k: v for k, v in doc.items() if k != "$schema"}):
        resolved = resolver.lookup(ref)
        assert ref.split("#")[0] == TABLE_PROTOCOL[table].name, ref
        assert resolved.contents, ref

    # the table covers exactly the Method enum of its protocol schema
    method_enum = resolver.lookup(f"{protocol_uri}#/$defs/Method").contents["enum"]
    listed = [e["method"] for e in doc["requests"] + doc["notifications"]]
    assert sorted(listed) == sorted(method_enum)
    assert len(listed) == len(set(listed))

    if "errorCodes" in doc:
        codes = set(resolver.lookup(doc["errorCodes"]["$ref"]).contents["enum"])
        for entry in doc["requests"]:
            assert entry.get("errors"), f"{entry['method']} lists no errors"
            assert set(entry["errors"]) <= codes, (entry["method"], set(entry["errors"]) - codes)
    else:
        assert all("errors" not in e for e in doc["requests"])


def test_canonical_method_table_shape():
    doc = load(METHODS)
    assert doc["$schema"] == "urn:stepflow-codegen:method-table:v1"
    assert doc["version"] == "0.9.0"
    assert doc["roles"] == {"client": "runtime", "server": "component server"}
    assert doc["errorCodes"] == {"$ref": "protocol.json#/$defs/ErrorCode"}
    directions = {e["method"]: e["messageDirection"] for e in doc["requests"]}
    assert directions == {
        "initialize": "clientToServer",
        "components/list": "clientToServer",
        "components/info": "clientToServer",
        "components/execute": "clientToServer",
        "components/infer_schema": "clientToServer",
        "blobs/put": "serverToClient",
        "blobs/get": "serverToClient",
        "runs/submit": "serverToClient",
        "runs/get": "serverToClient",
    }
    assert [(n["method"], n["messageDirection"]) for n in doc["notifications"]] == [("initialized", "clientToServer")]
    upstream11 = {e["method"] for e in load(UPSTREAM / "stepflow-0.11.1.methods.json")["requests"]}
    assert not any(m.startswith("blobs/") for m in upstream11)


def test_upstream_fixtures_are_unchanged_copies():
    src = SHARED / "protocol"
    if not src.is_dir():
        pytest.fail(f"shared protocol directory not found: {src}")
    for name in ("protocol-0.9.0.json", "protocol-0.11.1.json"):
        assert (UPSTREAM / name).read_bytes() == (src / name).read_bytes(), name


# --------------------------------------------------------------------------- (b) the real capture


def test_every_captured_message_validates():
    direction_of = {"post": "clientToServer", "sse": "serverToClient"}
    pending: dict[str, str] = {}
    seen_methods: set[str] = set()
    kinds: dict[str, int] = {}
    failures = []
    entries = method_table(METHODS)
    for seq, direction, msg in captured_messages():
        matched = branches(PROTOCOL, msg)
        if matched != [envelope_kind(msg)]:
            failures.append(f"seq {seq}: envelope branches {matched}, expected [{envelope_kind(msg)}]")
            continue
        kind = matched[0]
        kinds[kind] = kinds.get(kind, 0) + 1
        method = None
        if kind in ("MethodRequest", "Notification"):
            method = msg["method"]
            seen_methods.add(method)
            want = direction_of.get(direction)
            if entries[method]["messageDirection"] != want:
                failures.append(f"seq {seq}: {method} travelled {want}, table says {entries[method]['messageDirection']}")
            if kind == "MethodRequest":
                key = json.dumps(msg["id"])
                assert key not in pending, f"seq {seq}: duplicate request id {key}"
                pending[key] = method
        else:
            key = json.dumps(msg["id"])
            if key not in pending:
                failures.append(f"seq {seq}: response to unknown id {key}")
                continue
            method = pending.pop(key)
        problems = check_message(msg, response_method=method)
        if problems:
            failures.append(f"seq {seq} ({kind} {method}): {problems}")
    assert not failures, "\n".join(failures)
    assert not pending, f"requests never answered: {pending}"
    assert seen_methods == {
        "initialize", "initialized", "components/list", "components/info", "components/execute",
        "blobs/put", "blobs/get", "runs/submit", "runs/get",
    }
    assert set(kinds) == set(ENVELOPES), kinds


def test_capture_shapes_specific_to_0_9():
    """Spot checks of 0.9.0 wire facts the schema encodes."""
    msgs = [m for _, _, m in captured_messages()]
    init = next(m for m in msgs if m.get("method") == "initialize")
    assert init["params"] == {"runtime_protocol_version": 1}
    submit = next(m for m in msgs if m.get("method") == "runs/submit")
    assert "subflowKey" not in submit["params"] and submit["params"]["overrides"] is None
    runtime_errors = [m for m in msgs if "error" in m and m["error"].get("data", "absent") is None]
    assert runtime_errors, "expected the runtime's error answers with data: null"
    puts = {m["params"]["blob_type"] for m in msgs if m.get("method") == "blobs/put"}
    assert puts == {"data", "flow"}
    # the malformed blob id reached the runtime and was answered -32000, not rejected as params
    bad = next(m for m in msgs if m.get("method") == "blobs/get" and m["params"]["blob_id"] == "not-a-blob-id")
    answer = next(m for m in msgs if m.get("id") == bad["id"] and "method" not in m)
    assert answer["error"]["code"] == -32000
    assert check_message(bad) == []


# --------------------------------------------------------------------------- (c) invalid messages

HEX64 = "4d6da75bd9d52dee3dc0486fe2ff9103db155e63f95b89fad06d0d44a2f70d8e"
RUN_ID = "01a20097-37c7-7960-9b64-c6b9e20c634d"

BASES = {
    "initialize": ({"jsonrpc": "2.0", "id": "01a20097-35f9-7da3-99e6-a66d83aa97c5", "method": "initialize",
                    "params": {"runtime_protocol_version": 1}}, None),
    "initialize_result": ({"jsonrpc": "2.0", "id": "i1", "result": {"server_protocol_version": 1}}, "initialize"),
    "initialized": ({"jsonrpc": "2.0", "method": "initialized", "params": {}}, None),
    "list_result": ({"jsonrpc": "2.0", "id": 7, "result": {"components": [
        {"component": "/title_case", "description": "d", "input_schema": {"type": "object"}, "output_schema": None}]}},
        "components/list"),
    "execute": ({"jsonrpc": "2.0", "id": "e1", "method": "components/execute", "params": {
        "component": "/title_case", "input": {"values": {"a": "b"}}, "attempt": 1,
        "observability": {"trace_id": "01a2009737917b22873461fb366d2a30", "span_id": "8361884200000002",
                          "run_id": RUN_ID, "flow_id": HEX64, "step_id": "titled"}}}, None),
    "execute_error": ({"jsonrpc": "2.0", "id": "e1", "error": {
        "code": -32003, "message": "Component execution failed: boom", "data": {}}}, "components/execute"),
    "put_blob": ({"jsonrpc": "2.0", "id": "p1", "method": "blobs/put",
                  "params": {"data": {"a": 1}, "blob_type": "data"}}, None),
    "get_blob_error": ({"jsonrpc": "2.0", "id": "g1", "error": {
        "code": -32000, "message": "Failed to get blob", "data": None}}, "blobs/get"),
    "submit": ({"jsonrpc": "2.0", "id": "s1", "method": "runs/submit", "params": {
        "flowId": HEX64, "inputs": [{"x": 1}], "wait": False, "maxConcurrency": None,
        "overrides": {"tc": {"$type": "merge_patch", "value": {"input": {"values": {}}}}}, "observability": None}}, None),
    "runs_get": ({"jsonrpc": "2.0", "id": "r1", "method": "runs/get", "params": {
        "runId": RUN_ID, "wait": True, "includeResults": True, "resultOrder": "by_index"}}, None),
    "run_status": ({"jsonrpc": "2.0", "id": "r1", "result": {
        "runId": RUN_ID, "flowId": HEX64, "flowName": "n", "status": "completed",
        "items": {"total": 1, "completed": 1, "running": 0, "failed": 0, "cancelled": 0},
        "createdAt": "2026-11-22T00:10:39.943127834+00:00", "completedAt": "2026-11-22T00:10:39.948111396+00:00",
        "results": [{"itemIndex": 0, "status": "completed", "result": {"outcome": "success", "result": {}},
                     "completedAt": "2026-11-22T00:10:39.948101721Z"}]}}, "runs/get"),
}

# (name, base, operations); an operation is ("set", path, value) or ("del", path)
#
# Most cases are messages the 0.9.0 runtime (serde) or the Python SDK 0.9.0 (msgspec) fails to decode.
# The cases marked "[closed]" are rejected only because protocol objects are closed by convention:
# neither implementation forbids unknown keys (they are silently ignored), but such a key is always a
# sign of a different protocol version (0.11 capabilities/subflowKey, camelCase variants) or a typo.
# "[object]": the runtime stores a component schema as any JSON value; Schema is an object by convention.
INVALID = [
    ("jsonrpc 1.0", "initialize", [("set", ["jsonrpc"], "1.0")]),
    ("jsonrpc missing (the runtime requires the key)", "initialize", [("del", ["jsonrpc"])]),
    ("jsonrpc as a number", "initialize", [("set", ["jsonrpc"], 2.0)]),
    ("response without id", "initialize_result", [("del", ["id"])]),
    ("response with result AND error", "initialize_result",
     [("set", ["error"], {"code": -32000, "message": "x"})]),
    ("response with neither result nor error", "initialize_result", [("del", ["result"])]),
    ("request carrying a result (runtime: unexpected 'result' with 'method')", "initialize", [("set", ["result"], {})]),
    ("notification carrying an error", "initialized", [("set", ["error"], {"code": -32000, "message": "x"})]),
    ("unknown method", "execute", [("set", ["method"], "components/unknown")]),
    ("0.8 method flows/evaluate", "execute", [("set", ["method"], "flows/evaluate")]),
    ("unknown notification method", "initialized", [("set", ["method"], "$/cancelRequest")]),
    ("request id null (runtime: read as a notification and dropped)", "execute", [("set", ["id"], None)]),
    ("request id a float", "execute", [("set", ["id"], 1.5)]),
    ("request id a boolean", "execute", [("set", ["id"], True)]),
    ("request without params", "execute", [("del", ["params"])]),
    ("notification without params", "initialized", [("del", ["params"])]),
    ("params an array", "initialize", [("set", ["params"], [1])]),
    ("params null", "initialize", [("set", ["params"], None)]),
    ("[closed] initialized with a field", "initialized", [("set", ["params", "x"], 1)]),
    ("components/execute without attempt", "execute", [("del", ["params", "attempt"])]),
    ("components/execute attempt as a string", "execute", [("set", ["params", "attempt"], "1")]),
    ("components/execute attempt negative", "execute", [("set", ["params", "attempt"], -1)]),
    ("components/execute attempt fractional", "execute", [("set", ["params", "attempt"], 1.5)]),
    ("components/execute attempt above u32", "execute", [("set", ["params", "attempt"], 2**32)]),
    ("components/execute without observability", "execute", [("del", ["params", "observability"])]),
    ("components/execute without input", "execute", [("del", ["params", "input"])]),
    ("components/execute component as an object (docs form)", "execute",
     [("set", ["params", "component"], {"name": "title_case", "path": "/title_case"})]),
    ("[closed] unknown field in params", "execute", [("set", ["params", "extra"], 1)]),
    ("[closed] unknown field in observability", "execute", [("set", ["params", "observability", "parent_id"], "x")]),
    ("initialize in 0.11 camelCase", "initialize",
     [("del", ["params", "runtime_protocol_version"]), ("set", ["params", "runtimeProtocolVersion"], 1)]),
    ("[closed] initialize with 0.11 capabilities", "initialize",
     [("set", ["params", "capabilities"], {"blobApiUrl": "http://x", "blobThreshold": 1})]),
    ("initialize result in 0.11 camelCase", "initialize_result",
     [("set", ["result"], {"serverProtocolVersion": 1, "supportsBlobRefs": True})]),
    ("components/list result entry without component", "list_result", [("del", ["result", "components", 0, "component"])]),
    ("[object] components/list input_schema a string", "list_result",
     [("set", ["result", "components", 0, "input_schema"], "object")]),
    ("blobs/put blob_type binary (not at 0.9)", "put_blob", [("set", ["params", "blob_type"], "binary")]),
    ("blobs/put without blob_type", "put_blob", [("del", ["params", "blob_type"])]),
    ("blobs/put camelCase blobType", "put_blob",
     [("del", ["params", "blob_type"]), ("set", ["params", "blobType"], "data")]),
    ("blobs/put without data", "put_blob", [("del", ["params", "data"])]),
    ("[closed] runs/submit with 0.11 subflowKey", "submit",
     [("set", ["params", "subflowKey"], "01a20097-37c7-7960-9b64-c6b9e20c634d")]),
    ("runs/submit overrides with a steps wrapper (not the 0.9 wire form)", "submit",
     [("set", ["params", "overrides"], {"steps": {"tc": {"value": {}}}})]),
    ("runs/submit override of unknown $type", "submit",
     [("set", ["params", "overrides"], {"tc": {"$type": "replace", "value": {}}})]),
    ("runs/submit inputs not an array", "submit", [("set", ["params", "inputs"], {"x": 1})]),
    ("runs/submit snake_case flow_id", "submit",
     [("del", ["params", "flowId"]), ("set", ["params", "flow_id"], HEX64)]),
    ("runs/get resultOrder byIndex (docs form)", "runs_get", [("set", ["params", "resultOrder"], "byIndex")]),
    ("runs/get without runId", "runs_get", [("del", ["params", "runId"])]),
    ("run status item result outcome skipped (R8 only)", "run_status",
     [("set", ["result", "results", 0, "result"], {"outcome": "skipped"})]),
    ("run status item status recoveryFailed (P11 only)", "run_status",
     [("set", ["result", "results", 0, "status"], "recoveryFailed")]),
    ("run status success result without result", "run_status", [("del", ["result", "results", 0, "result", "result"])]),
    ("run status item statistics incomplete", "run_status", [("del", ["result", "items", "cancelled"])]),
    ("run status without createdAt", "run_status", [("del", ["result", "createdAt"])]),
    ("error code as a string", "get_blob_error", [("set", ["error", "code"], "-32000")]),
    ("error without message", "get_blob_error", [("del", ["error", "message"])]),
    ("[closed] error with an unknown field", "get_blob_error", [("set", ["error", "retry"], True)]),
    ("error code not one components/execute answers with (P11 -32100)", "execute_error",
     [("set", ["error", "code"], -32100)]),
]


def apply(base: str, ops):
    msg = copy.deepcopy(BASES[base][0])
    for op in ops:
        *parents, last = op[1]
        target = msg
        for key in parents:
            target = target[key]
        if op[0] == "set":
            target[last] = op[2]
        else:
            del target[last]
    return msg


@pytest.mark.parametrize("name", list(BASES))
def test_positive_controls_are_valid(name):
    msg, method = BASES[name]
    assert check_message(msg, response_method=method) == []


def test_enough_invalid_cases():
    assert len(INVALID) >= 15


@pytest.mark.parametrize("name,base,ops", INVALID, ids=[c[0] for c in INVALID])
def test_invalid_message_is_rejected(name, base, ops):
    msg = apply(base, ops)
    assert check_message(msg, response_method=BASES[base][1]), f"{name}: accepted {msg}"


def test_batches_are_rejected():
    msg = [BASES["initialize"][0]]
    assert not validator(uri(PROTOCOL)).is_valid(msg)


# --------------------------------------------------------------------------- (d) upstream bug F2


def test_upstream_0_9_0_schema_has_overlapping_oneof_F2():
    """F2: StepFlow's own protocol-0.9.0.json lets every request match two root oneOf branches.

    Its Notification requires only `method` and does not forbid `id`, so a request matches both
    MethodRequest and Notification and fails `oneOf` as a whole. Our canonical schema matches
    exactly one branch for the same messages.
    """
    requests = [m for _, _, m in captured_messages() if "method" in m and "id" in m]
    assert requests
    for msg in requests:
        assert sorted(branches(UPSTREAM_09, msg)) == ["MethodRequest", "Notification"], msg
        assert not validator(uri(UPSTREAM_09)).is_valid(msg)
        assert branches(PROTOCOL, msg) == ["MethodRequest"]


def test_upstream_0_9_0_schema_rejects_runtime_error_data_null():
    """Companion of F2: upstream Error.data is oneOf [null, Value] and Value accepts null, so the
    runtime's own error answers ("data": null) match zero branches of upstream's Message."""
    errors = [m for _, _, m in captured_messages() if "error" in m and m["error"].get("data", 0) is None]
    assert errors
    for msg in errors:
        assert branches(UPSTREAM_09, msg) == []
        assert branches(PROTOCOL, msg) == ["MethodError"]
