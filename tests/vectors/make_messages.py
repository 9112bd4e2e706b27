"""Builds tests/vectors/messages.json from the real StepFlow 0.9 capture (../shared/interop/0.9/capture.jsonl).

Valid messages are every JSON-RPC message that crossed the wire, with the method each response
answers; invalid messages are ones the real runtime rejects.  Run: python tests/vectors/make_messages.py
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
CAPTURE = HERE.parents[2] / "shared" / "interop" / "0.9" / "capture.jsonl"

INVALID = [
    ({"jsonrpc": "1.0", "id": "a", "method": "initialize", "params": {"runtime_protocol_version": 1}}, -32600, "jsonrpc must be 2.0"),
    ({"jsonrpc": "2.0", "id": "a", "method": "no/such", "params": {}}, -32601, "unknown method"),
    ({"jsonrpc": "2.0", "id": "a", "method": "components/execute", "params": {"component": "/x", "input": 1, "observability": {}}}, -32602, "attempt missing"),
    ({"jsonrpc": "2.0", "id": "a", "method": "components/execute", "params": {"component": "/x", "input": 1, "attempt": "1", "observability": {}}}, -32602, "attempt is a string"),
    ({"jsonrpc": "2.0", "id": "a", "method": "initialize", "params": {"runtimeProtocolVersion": 1}}, -32602, "0.11 casing is not 0.9"),
    ({"jsonrpc": "2.0", "id": "a", "method": "blobs/put", "params": {"data": 1, "blob_type": "binary"}}, -32602, "binary blobs do not exist at 0.9"),
    ({"jsonrpc": "2.0", "id": "a", "result": {}, "error": {"code": 1, "message": "m"}}, -32600, "result and error together"),
    ({"jsonrpc": "2.0", "result": {}}, -32600, "response without id"),
    ({"jsonrpc": "2.0", "id": True, "method": "components/list", "params": {}}, -32600, "boolean id"),
    ({"jsonrpc": "2.0", "id": "a", "method": "initialized", "params": {}}, -32600, "a notification sent with an id"),
    ({"jsonrpc": "2.0", "id": "a", "method": "components/list"}, -32602, "params missing"),
    ({"jsonrpc": "2.0", "id": "a", "error": {"code": "x", "message": "m"}}, -32600, "error code is a string"),
]


def main() -> None:
    valid = []
    pending: dict[object, str] = {}
    for line in CAPTURE.read_text().splitlines():
        rec = json.loads(line)
        if rec.get("channel") != "rpc" or rec["kind"] not in ("request", "response", "sse_event"):
            continue
        raw = (rec.get("raw") or "").removeprefix("data: ").strip()
        if not raw or raw == '""':
            continue
        msg = json.loads(raw)
        method = msg.get("method") or pending.get(msg.get("id"))
        if "method" in msg and "id" in msg:
            pending[msg["id"]] = msg["method"]
        valid.append({"raw": raw, "method": method})
    doc = {
        "source": "shared/interop/0.9/capture.jsonl (real stepflow-orchestrator 0.9.0 <-> stepflow-py 0.9.0)",
        "valid": valid,
        "invalid": [{"raw": json.dumps(m, separators=(",", ":")), "code": c, "why": w} for m, c, w in INVALID],
    }
    (HERE / "messages.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
