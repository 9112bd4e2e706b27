"""Conformance vectors (tests/vectors/) against jsonschema (the oracle) and the generated Python package.

The TypeScript and Rust suites read the same files.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import msgspec
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

ROOT = Path(__file__).resolve().parents[1]
VECTORS = ROOT / "tests" / "vectors"
sys.path.insert(0, str(ROOT / "generated"))

import python as sf  # noqa: E402

PROTOCOL = json.loads((ROOT / "schemas" / "protocol.json").read_text())
REGISTRY = Registry().with_resource("urn:protocol", Resource.from_contents(PROTOCOL))
TYPES = json.loads((VECTORS / "protocol.vectors.json").read_text())["types"]
MESSAGES = json.loads((VECTORS / "messages.json").read_text())


def strict(v: Any) -> Any:
    """JSON with int and float kept apart (1 != 1.0)."""
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, (int, float)):
        return (type(v).__name__, v)
    if isinstance(v, list):
        return [strict(x) for x in v]
    return {k: strict(x) for k, x in v.items()}


def validator(type_id: str) -> Draft202012Validator:
    pointer = type_id.split("#", 1)[1]
    return Draft202012Validator({"$ref": "urn:protocol#" + pointer}, registry=REGISTRY)


def test_vectors_are_current() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "stepflow_codegen", "vectors", "schemas/", "-o", "tests/vectors", "--check", "-q"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_vectors_cover_every_protocol_type() -> None:
    names = {t["name"] for t in TYPES}
    defs = set(PROTOCOL["$defs"])
    assert defs <= names, defs - names
    assert sum(len(t["valid"]) for t in TYPES) > 100 and sum(len(t["invalid"]) for t in TYPES) > 200


@pytest.mark.parametrize("t", TYPES, ids=[t["name"] for t in TYPES])
def test_vectors_agree_with_jsonschema_and_python(t: dict[str, Any]) -> None:
    v = validator(t["id"])
    py_type = getattr(sf, t["name"])
    for value in t["valid"]:
        assert v.is_valid(value), f"generator made an invalid 'valid' vector: {value!r}"
        decoded = sf.decode(json.dumps(value), py_type)
        assert strict(json.loads(sf.encode(decoded))) == strict(value), value
    for case in t["invalid"]:
        assert not v.is_valid(case["value"]), f"generator made a valid 'invalid' vector ({case['why']}): {case['value']!r}"
        with pytest.raises(msgspec.ValidationError):
            sf.decode(json.dumps(case["value"]), py_type)


def test_message_vectors() -> None:
    pending: dict[Any, str] = {}
    for m in MESSAGES["valid"]:
        msg = sf.decode_message(m["raw"], lambda i: pending.get(i))
        if hasattr(msg, "method") and hasattr(msg, "id"):
            pending[msg.id] = msg.method
        assert strict(json.loads(sf.encode_message(msg))) == strict(json.loads(m["raw"]))
    for m in MESSAGES["invalid"]:
        with pytest.raises(sf.ProtocolError) as e:
            sf.decode_message(m["raw"])
        assert e.value.code == m["code"], (m["why"], e.value.message)
