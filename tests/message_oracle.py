"""The messages every SDK's ``decode_message`` is judged on, and their ``jsonschema`` verdict.

Shared by tests/test_decode_message_oracle.py (Python) and tests/test_decode_message_parity.py
(TypeScript and Rust): every message of the real 0.9 capture and one-change mutations of each (a
key dropped, added, replaced by a value of another kind, keys reordered, pretty-printed, as
``str``), judged by ``jsonschema`` on ``schemas/protocol.json`` (the envelope) and
``schemas/methods.json`` (the method exists, is a request or a notification, and its params or
result match the method's schema).

One documented difference: an error response may carry a null id (JSON-RPC 2.0 section 5: the
answer to a message whose id could not be read); ``MethodError`` in the schema requires a request id.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema._utils import equal as jsonschema_equal
from referencing import Registry, Resource
from test_protocol import captured_messages

ROOT = Path(__file__).resolve().parents[1]
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
    "error": [
        {"code": 1, "message": "m"},
        {},
        None,
        {"code": 1.0, "message": "m", "data": None},
        {"code": 2**63, "message": "m"},
        {"code": 1e19, "message": "m"},
    ],
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


Case = tuple[bytes | str, dict[Any, str], Any]
"""The message (compact bytes, pretty bytes, or the captured ``str``), the pending id -> method map
(one map for every case: the ids of every captured request), and the message as a JSON value."""


def cases() -> list[Case]:
    rng = random.Random(20261205)
    pending: dict[Any, str] = {}
    out: list[Case] = []
    for raw in captured_messages():
        obj = json.loads(raw)
        if "method" in obj and "id" in obj:
            pending[obj["id"]] = obj["method"]
        for changed in mutations(obj, rng):
            compact = json.dumps(changed, separators=(",", ":")).encode()
            out.append((compact, pending, changed))
        out.append((raw, pending, obj))  # as str
        out.append((json.dumps(obj, indent=2).encode(), pending, obj))
    return out


def same_json(a: Any, b: Any) -> bool:
    """JSON equality as the oracle judges it (``enum``/``const``): numbers by value (``1.0`` is
    ``1``), booleans are not numbers, keys unordered (jsonschema's own comparison)."""
    return bool(jsonschema_equal(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(v, b[k]) for k, v in a.items())
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b
