"""Conformance vectors (tests/vectors/) against the generated TypeScript module.

``tests/ts/vectors.test.mjs`` reads the same vector files as the Python (test_vectors_python.py)
and Rust (test_vectors_rust.py) suites and runs under ``node --test`` on ``generated/typescript``
compiled with ``tsc`` (the strict flags of ``tests/ts/tsconfig.json``): every valid vector of a type
(found by schema id in the generated ``TYPES_BY_SCHEMA_ID``) is accepted and re-encodes to the same
JSON (integers and fractions kept apart), every invalid vector is rejected, every message of
``messages.json`` decodes (typed by method) and re-encodes the same or is rejected with its code.

Vectors TypeScript cannot honour are listed in ``TS_VECTOR_GAPS`` with the reason; each must still
fail (strict xfail), and a listed gap no vector matches fails the run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
TS = ROOT / "tests" / "ts"
VECTORS = ROOT / "tests" / "vectors"
GENERATED = ROOT / "generated" / "typescript"

# {file, id, group ("valid" | "invalid"), value (JSON text), reason}.  For messages.json the id is
# "message" and the value is the raw message.  None today: the validators implement JSON Schema
# (integers are Number.isInteger, so 1.0 is one, as in JSON Schema) and JSON.parse/stringify keep
# every value the vectors hold (JavaScript numbers are doubles: an integer beyond 2^53 or a
# fraction with more digits than a double would be a gap; the vectors have none).
TS_VECTOR_GAPS: list[dict[str, Any]] = []


def _node_bin() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("Node.js (node and npm) is needed for the TypeScript tests; install Node 18 or later")
    bin_dir = TS / "node_modules" / ".bin"
    if not (bin_dir / "tsc").exists():
        proc = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=TS, capture_output=True, text=True
        )
        assert proc.returncode == 0, f"npm ci in tests/ts failed:\n{proc.stdout}\n{proc.stderr}"
    return bin_dir


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """generated/typescript type-checked with the strict flags and compiled to JavaScript."""
    node_bin = _node_bin()
    root = tmp_path_factory.mktemp("ts-vectors")
    (root / "package.json").write_text('{"type": "module"}\n', encoding="utf-8")
    shutil.copytree(GENERATED, root / "generated" / "typescript")
    config = json.loads((TS / "tsconfig.json").read_text(encoding="utf-8"))
    config.pop("//", None)
    config["include"] = ["generated/typescript/*.ts"]
    (root / "tsconfig.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    proc = subprocess.run([str(node_bin / "tsc"), "-p", "tsconfig.json"], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 0, "tsc failed:\n" + proc.stdout + proc.stderr
    return root / "out"


def test_gaps_name_real_vectors() -> None:
    types = {t["id"]: t for t in json.loads((VECTORS / "protocol.vectors.json").read_text())["types"]}
    messages = json.loads((VECTORS / "messages.json").read_text())
    for gap in TS_VECTOR_GAPS:
        assert gap["reason"] and gap["group"] in ("valid", "invalid")
        value = json.loads(gap["value"])
        if gap["file"] == "messages.json":
            pool = [json.loads(m["raw"]) for m in messages[gap["group"]]]
        else:
            t = types[gap["id"]]
            pool = t["valid"] if gap["group"] == "valid" else [c["value"] for c in t["invalid"]]
        assert value in pool, gap


def test_vectors_in_node(compiled: Path, tmp_path: Path) -> None:
    gaps = tmp_path / "gaps.json"
    gaps.write_text(json.dumps(TS_VECTOR_GAPS), encoding="utf-8")
    proc = subprocess.run(
        ["node", "--test", str(TS / "vectors.test.mjs")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "STEPFLOW_TS_OUT": str(compiled.resolve()),
            "STEPFLOW_VECTORS": str(VECTORS),
            "STEPFLOW_TS_GAPS": str(gaps),
        },
    )
    assert proc.returncode == 0, proc.stdout[-20000:] + proc.stderr[-5000:]
    assert "# fail 0" in proc.stdout, proc.stdout
    passed = int(proc.stdout.split("# pass ", 1)[1].split()[0])
    types = json.loads((VECTORS / "protocol.vectors.json").read_text())["types"]
    assert passed >= len(types) + 4, proc.stdout  # one test per type, coverage, messages x2, gaps
