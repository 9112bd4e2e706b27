"""The validation half of the IR against ``jsonschema``, an oracle that shares none of its code.

For every fixture schema set and the canonical protocol, every declaration's conformance vectors
(candidates from the shape, labelled by the reference evaluator) and a set of hostile values are
checked: the reference evaluator of the validation graph and ``jsonschema`` must agree on each.
This is what makes the vectors trustworthy: a vector's label is the schema's verdict, not the
shape's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7, DRAFT202012

from stepflow_codegen.diagnostics import Diagnostics
from stepflow_codegen.frontend import build_program
from stepflow_codegen.ir import model as ir
from stepflow_codegen.ir.evaluate import Evaluator
from stepflow_codegen.targets.vectors import VectorMaker

ROOT = Path(__file__).resolve().parents[1]
SETS = {
    "protocol": [ROOT / "schemas" / "protocol.json"],
    "features": [ROOT / "tests/fixtures/schemas/features"],
    "draft07": [ROOT / "tests/fixtures/schemas/draft07"],
    "multifile": [ROOT / "tests/fixtures/schemas/multifile"],
    "collisions": [ROOT / "tests/fixtures/schemas/collisions"],
    "differential": [ROOT / "tests/fixtures/differential/schemas"],
    "seed-components": [ROOT / "examples/seed-components/schemas"],
}

HOSTILE: list[Any] = [
    None,
    True,
    0,
    1.0,
    -1,
    2**64,
    0.5,
    "",
    "x",
    "\n",
    [],
    [None],
    {},
    {"__proto__": 1},
    {"constructor": {}},
]


def _validator(name: str, type_id: str) -> jsonschema.protocols.Validator:
    files: dict[str, Path] = {}
    for p in SETS[name]:
        for f in [p] if p.is_file() else sorted(p.rglob("*.json")):
            files[f.resolve().as_uri()] = f
    file_key, pointer = type_id.split("#", 1)
    registry: Registry[Any] = Registry()
    target_uri = None
    for uri, f in files.items():
        data = json.loads(f.read_text(encoding="utf-8"))
        spec = DRAFT7 if "draft-07" in str(data.get("$schema", "")) else DRAFT202012
        registry = registry.with_resource(uri, Resource.from_contents(data, spec))
        if isinstance(data, dict) and isinstance(data.get("$id"), str):
            registry = registry.with_resource(data["$id"], Resource.from_contents(data, spec))
        if f.as_posix().endswith("/" + file_key) or f.name == file_key:
            target_uri = uri
    assert target_uri is not None, type_id
    data = json.loads(files[target_uri].read_text(encoding="utf-8"))
    cls = jsonschema.Draft7Validator if "draft-07" in str(data.get("$schema", "")) else jsonschema.Draft202012Validator
    return cls({"$ref": f"{target_uri}#{pointer}"}, registry=registry)


@pytest.mark.parametrize("name", sorted(SETS))
def test_reference_evaluator_agrees_with_jsonschema(name: str) -> None:
    program = build_program(SETS[name], Diagnostics(), cwd=ROOT)
    assert program.validation is not None
    ev = Evaluator(program.validation)
    maker = VectorMaker(program)
    checked = 0
    disagreements = []
    for vec in maker.all():
        node = program.validation.node_for(vec.type_id)
        assert node is not None, vec.type_id
        oracle = _validator(name, vec.type_id)
        values = list(vec.valid) + [v for v, _ in vec.invalid] + HOSTILE
        for value in values:
            ours = ev.is_valid(node, value)
            theirs = oracle.is_valid(value)
            checked += 1
            if ours != theirs:
                disagreements.append((vec.type_id, value, ours, theirs))
    assert checked > 50
    assert not disagreements, disagreements[:10]


def test_vectors_labels_are_the_schemas_verdict(tmp_path: Path) -> None:
    """A value the shape accepts but a keyword the shape cannot express rejects is an invalid vector."""
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": {
            "Thing": {
                "type": "object",
                "properties": {"kind": {"type": "string"}, "size": {"type": "integer"}},
                "required": ["kind"],
                "not": {"required": ["size"]},
            }
        },
    }
    (tmp_path / "t.json").write_text(json.dumps(schema), encoding="utf-8")
    program = build_program([tmp_path / "t.json"], Diagnostics(), cwd=tmp_path)
    (vec,) = [v for v in VectorMaker(program).all() if v.type_id.endswith("/Thing")]
    assert all("size" not in v for v in vec.valid), vec.valid
    assert any("size" in v for v, _ in vec.invalid)
    oracle = jsonschema.Draft202012Validator(schema["$defs"]["Thing"])
    assert all(oracle.is_valid(v) for v in vec.valid)
    assert not any(oracle.is_valid(v) for v, _ in vec.invalid)
