"""Conformance vectors (tests/vectors/) against the generated Rust crate.

``tests/rust/vectors_check`` (a member of the ``tests/rust`` workspace, so ``tests/test_rust.py``
also runs clippy ``-D warnings`` and rustfmt on it) reads the same vector files as the Python
(test_vectors_python.py) and TypeScript (test_vectors_ts.py) suites: every valid vector of a type
(found by schema id in the generated ``types::TYPES_BY_SCHEMA_ID``) decodes with serde, passes
``Validate`` and re-encodes to the same ``serde_json::Value`` (so ``1`` stays ``1``); every invalid
vector fails to deserialize or to validate; every message of ``messages.json`` decodes with
``decode_message_with`` (responses typed by their request's method) and re-encodes the same, or is
rejected with its JSON-RPC code.

Vectors Rust cannot honour are ``vectors_check::GAPS`` (tests/rust/vectors_check/src/lib.rs), each
with its reason; each must still fail, and one that matches no vector fails the run.  None today.

Cargo runs ``--locked`` with the shared target directory (``$STEPFLOW_CARGO_TARGET_DIR``, default
``tests/rust/target``) as tests/test_rust.py does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUST = ROOT / "tests" / "rust"
VECTORS = ROOT / "tests" / "vectors"
TARGET_DIR = Path(os.environ.get("STEPFLOW_CARGO_TARGET_DIR", RUST / "target"))


def cargo(*args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("cargo") is None:
        pytest.fail("cargo is needed for the Rust conformance vectors (install a Rust toolchain)")
    env = dict(os.environ, CARGO_TARGET_DIR=str(TARGET_DIR), CARGO_TERM_COLOR="never", STEPFLOW_VECTORS=str(VECTORS))
    env.pop("RUSTFLAGS", None)
    return subprocess.run(["cargo", *args], cwd=RUST, env=env, capture_output=True, text=True, timeout=900)


def test_vectors_in_rust() -> None:
    r = cargo("test", "--locked", "-p", "vectors_check", "--", "--test-threads=1")
    assert r.returncode == 0, f"cargo test failed:\n{r.stdout[-12000:]}\n{r.stderr[-6000:]}"
    for name in (
        "type_vectors_round_trip_or_are_rejected",
        "message_vectors_round_trip_typed_or_are_rejected",
        "the_schema_id_table_is_sorted_and_complete",
        "every_gap_is_real_and_still_fails",
    ):
        assert f"test {name} ... ok" in r.stdout, r.stdout

