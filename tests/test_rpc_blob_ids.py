"""Blob ids computed by the generated InMemoryRuntime are the StepFlow 0.9.0 runtime's ids."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec

from rpc_support import ROOT, sf

VECTORS = ROOT / "tests" / "fixtures" / "rpc" / "serde_json_1.0.149.jsonl"
CAPTURE = ROOT.parent / "shared" / "interop" / "0.9" / "capture.jsonl"


def test_canonical_json_is_serde_json() -> None:
    lines = VECTORS.read_text(encoding="utf-8").rstrip("\n").split("\n")  # not splitlines: U+2028 is data
    assert len(lines) > 1500
    for line in lines:
        vector = json.loads(line)
        value = msgspec.json.decode(vector["json"].encode("utf-8"))
        assert sf.canonical_json(value) == vector["serde_json"], vector


def test_blob_ids_of_the_real_runtime() -> None:
    """Every blobs/put of the real 0.9 exchange: the runtime's answer is our blob_id of the data."""
    puts: dict[str, object] = {}
    checked = 0
    for line in CAPTURE.read_text().splitlines():
        rec = json.loads(line)
        if rec.get("channel") != "rpc":
            continue
        raw = (rec.get("raw") or "").removeprefix("data: ").strip()
        if not raw.startswith("{"):
            continue
        msg = json.loads(raw)
        if msg.get("method") == "blobs/put":
            puts[msg["id"]] = msg["params"]["data"]
        elif msg.get("id") in puts and "result" in msg:
            assert sf.blob_id(puts.pop(msg["id"])) == msg["result"]["blob_id"]
            checked += 1
    assert checked >= 2


def test_blob_id_shape() -> None:
    assert sf.blob_id({"a": 1}) == sf.blob_id({"a": 1})
    assert sf.blob_id({"a": 1, "b": 2}) != sf.blob_id({"b": 2, "a": 1})  # key order matters, as in serde_json
    assert len(sf.blob_id([])) == 64 and sf.canonical_json({"x": [1.0, "é\u0001"]}) == '{"x":[1.0,"é\\u0001"]}'
