"""The shared closed-object decision (codegen/analysis/objects.py) and the targets that act on it.

An object closed by ``additionalProperties: false`` may reject unknown keys in its decoder; one closed
only by ``unevaluatedProperties: false`` may not: a key evaluated by another ``anyOf`` branch is valid.
The oracle for the decoded values is ``jsonschema``; the generated Python is imported and run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from stepflow_codegen.analysis.objects import closed_by_additional
from stepflow_codegen.diagnostics import Diagnostics
from stepflow_codegen.frontend import build_program

ROOT = Path(__file__).resolve().parents[1]

ANYOF = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Schema",
    "type": "object",
    "properties": {"foo": {"type": "string"}},
    "anyOf": [
        {"properties": {"bar": {"const": "bar"}}, "required": ["bar"]},
        {"properties": {"baz": {"const": "baz"}}, "required": ["baz"]},
    ],
    "unevaluatedProperties": False,
}


def _write(tmp_path: Path, schema: dict[str, Any]) -> Path:
    path = tmp_path / "s.json"
    path.write_text(json.dumps(schema))
    return path


@pytest.mark.parametrize(
    "schema, by_additional",
    [
        ({"type": "object", "properties": {"a": {}}, "additionalProperties": False}, True),
        ({"type": "object", "properties": {"a": {}}, "unevaluatedProperties": False}, False),
        (
            {
                "$defs": {"Base": {"type": "object", "properties": {"a": {}}, "additionalProperties": False}},
                "allOf": [{"$ref": "#/$defs/Base"}],
                "unevaluatedProperties": False,
            },
            True,
        ),
    ],
    ids=["additionalProperties", "unevaluatedProperties", "additionalProperties-through-allOf"],
)
def test_decision(tmp_path: Path, schema: dict[str, Any], by_additional: bool) -> None:
    program = build_program([_write(tmp_path, {"$schema": ANYOF["$schema"], "title": "T", **schema})], Diagnostics(), cwd=tmp_path)
    root = next(d for d in program.decls if d.id.endswith("#"))
    assert root.closed  # type: ignore[union-attr]
    assert closed_by_additional(program, root.id) is by_additional


def test_python_keeps_keys_of_other_anyof_branches(tmp_path: Path) -> None:
    """Both branches match: valid, decoded, and re-encoded with every key (no key dropped); a key no
    branch evaluates is still rejected, as jsonschema says."""
    path = _write(tmp_path, ANYOF)
    subprocess.run([sys.executable, "-m", "stepflow_codegen", "python", str(path), "-o", str(tmp_path / "pkg"), "-q"],
                   check=True, cwd=ROOT, capture_output=True)
    docs = [
        {"foo": "f", "bar": "bar", "baz": "baz"},
        {"bar": "bar"},
        {"bar": "bar", "zzz": 1},
        {"baz": "x", "bar": "bar"},
    ]
    code = (
        "import json, sys\nimport pkg\n"
        "for line in sys.stdin:\n"
        "    try:\n"
        "        v = pkg.decode(line.encode(), pkg.Schema)\n"
        "    except Exception as e:\n"
        "        print(json.dumps(None))\n"
        "    else:\n"
        "        print(json.dumps(json.loads(pkg.encode(v))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], input="\n".join(json.dumps(d) for d in docs), cwd=tmp_path,
                         capture_output=True, text=True, check=True).stdout.splitlines()
    validator = jsonschema.Draft202012Validator(ANYOF)
    for doc, got in zip(docs, out, strict=True):
        assert json.loads(got) == (doc if validator.is_valid(doc) else None), doc


def test_typescript_does_not_declare_other_branches_keys_never(tmp_path: Path) -> None:
    path = _write(tmp_path, ANYOF)
    subprocess.run([sys.executable, "-m", "stepflow_codegen", "typescript", str(path), "-o", str(tmp_path / "ts"), "-q"],
                   check=True, cwd=ROOT, capture_output=True)
    assert "?: never" not in (tmp_path / "ts" / "types.ts").read_text()
