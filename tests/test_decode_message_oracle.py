"""``decode_message`` against ``jsonschema``, and its fast path against its full path.

Every message of the real 0.9 capture, and one-change mutations of each (a key dropped, added,
replaced by a value of another kind, keys reordered, pretty-printed, as ``str``), is judged by
``jsonschema`` on ``schemas/protocol.json`` (the envelope) and ``schemas/methods.json`` (the
method exists, is a request or a notification, and its params or result match the method's
schema).  The generated ``decode_message`` must:

* accept exactly what the oracle accepts, re-encoding to the same JSON value;
* give, on its fast path, exactly what its full path gives (the same typed message, or the same
  error: code, id and message).

One documented difference: an error response may carry a null id (JSON-RPC 2.0 section 5: the
answer to a message whose id could not be read, which ``ProtocolError.to_response`` writes);
``MethodError`` in the schema requires a request id.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from referencing import Registry, Resource

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "generated"))

import python as sf
from python import methods as sf_methods
from test_protocol import captured_messages

PROTOCOL = json.loads((ROOT / "schemas" / "protocol.json").read_text())
TABLE = json.loads((ROOT / "schemas" / "methods.json").read_text())
REGISTRY = Registry().with_resource("protocol.json", Resource.from_contents(PROTOCOL))
REQUESTS = {m["method"]: m for m in TABLE["requests"]}
NOTIFICATIONS = {m["method"]: m for m in TABLE["notifications"]}


def _valid(instance: Any, schema: dict[str, Any]) -> bool:
    validator = jsonschema.Draft202012Validator(schema, registry=REGISTRY)
    return validator.is_valid(instance)


def _ref(part: dict[str, Any]) -> dict[str, Any]:
    return {"$ref": part["$ref"]}


def oracle(obj: Any, pending: dict[Any, str]) -> bool:
    """Whether the message is valid: the envelope by the schema, the body by the method table."""
    envelope_ok = _valid(obj, {"$ref": "protocol.json"})
    if not envelope_ok:
        # the one documented extension: an error response with a null id
        nulled = dict(obj) if isinstance(obj, dict) else None
        if not (nulled and "error" in nulled and nulled.get("id", 0) is None):
            return False
        nulled["id"] = 0
        return _valid(nulled, {"$ref": "protocol.json#/$defs/MethodError"})
    if "method" in obj:
        table = REQUESTS if "id" in obj else NOTIFICATIONS
        entry = table.get(obj["method"])
        return entry is not None and _valid(obj["params"], _ref(entry["params"]))
    if "result" in obj:
        entry = REQUESTS.get(pending.get(obj["id"], ""))
        return entry is None or _valid(obj["result"], _ref(entry["result"]))
    return True


OTHER_VALUES: dict[str, list[Any]] = {
    "jsonrpc": ["1.0", 2, None, "2.0 "],
    "id": [None, True, 1.0, 1.5, -7, 2**63, "", "x\"y", {}, []],
    "method": [1, "nope", "initialized", "initialize", "components/list", None],
    "params": [{}, [], None, 1, {"runtime_protocol_version": 1}],
    "result": [None, {}, [], 1, {"server_protocol_version": 1}],
    "error": [{"code": 1, "message": "m"}, {}, None, {"code": 1.0, "message": "m", "data": None}],
    "extra": [1],
}


def mutations(obj: dict[str, Any], rng: random.Random) -> list[Any]:
    out: list[Any] = [obj]
    for key in obj:
        out.append({k: v for k, v in obj.items() if k != key})
    for key, values in OTHER_VALUES.items():
        for value in values:
            changed = dict(obj)
            changed[key] = value
            out.append(changed)
    out.append(dict(reversed(list(obj.items()))))
    body = obj.get("params", obj.get("result"))
    if isinstance(body, dict) and body:  # one change inside the body: a key dropped, a value replaced
        key = rng.choice(sorted(body))
        part = "params" if "params" in obj else "result"
        out.append({**obj, part: {k: v for k, v in body.items() if k != key}})
        for value in (None, 1.0, "x", [], {}):
            out.append({**obj, part: {**body, key: value}})
    return out


def _outcome(fn: Any, data: bytes | str, pending: dict[Any, str]) -> tuple[str, Any]:
    try:
        msg = fn(data, pending)
    except sf.ProtocolError as e:
        return "error", (e.code, e.id, e.message)
    return type(msg).__name__, msg


def _cases() -> list[tuple[bytes | str, dict[Any, str], Any]]:
    rng = random.Random(20261205)
    pending: dict[Any, str] = {}
    cases: list[tuple[bytes | str, dict[Any, str], Any]] = []
    for raw in captured_messages():
        obj = json.loads(raw)
        if "method" in obj and "id" in obj:
            pending[obj["id"]] = obj["method"]
        for changed in mutations(obj, rng):
            compact = json.dumps(changed, separators=(",", ":")).encode()
            cases.append((compact, pending, changed))
        cases.append((raw, pending, obj))  # as str
        cases.append((json.dumps(obj, indent=2).encode(), pending, obj))
    return cases


CASES = _cases()


def test_the_cases_cover_both_verdicts_and_every_kind() -> None:
    verdicts = [oracle(obj, pending) for _, pending, obj in CASES]
    assert len(CASES) > 1500 and sum(verdicts) > 200 and verdicts.count(False) > 1000
    kinds = {_outcome(sf.decode_message, data, pending)[0] for data, pending, _ in CASES}
    assert {"error", "ErrorResponse", "InitializedNotification", "ComponentsExecuteRequest"} <= kinds
    assert {"ComponentsExecuteResponse", "ComponentsListResponse", "UntypedResponse"} <= kinds


@pytest.mark.parametrize("chunk", range(4))
def test_decode_message_accepts_exactly_what_the_schema_accepts(chunk: int) -> None:
    wrong = []
    for data, pending, obj in CASES[chunk::4]:
        kind, got = _outcome(sf.decode_message, data, pending)
        valid = oracle(obj, pending)
        if valid != (kind != "error"):
            wrong.append((data[:200], valid, got))
        elif valid and json.loads(sf.encode_message(got)) != obj:
            wrong.append((data[:200], "re-encoded", sf.encode_message(got)[:200]))
    assert not wrong, f"{len(wrong)} disagreements with jsonschema, e.g. {wrong[:5]}"


@pytest.mark.parametrize("chunk", range(4))
def test_the_fast_path_gives_what_the_full_path_gives(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    full_path = sf_methods._full
    calls = []

    def counted(data: bytes | str, method_of: Any) -> Any:
        calls.append(data)
        return full_path(data, method_of)

    monkeypatch.setattr(sf_methods, "_full", counted)
    fast_hits = 0
    for data, pending, _ in CASES[chunk::4]:
        calls.clear()
        fast = _outcome(sf.decode_message, data, pending)
        took_fast_path = not calls
        full = _outcome(full_path, data, pending)
        assert fast == full and type(fast[1]) is type(full[1]), data
        fast_hits += took_fast_path
    assert fast_hits > 50  # the fast path is really exercised
