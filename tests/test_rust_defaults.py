"""The Rust target's ``--defaults apply`` (cargo on generated crates).

tests/rust/defaults/defaults.json has a default of every kind the Rust target applies (string with
hostile characters, integer, number ``1`` and ``0.0``, boolean, null, array, map, enum, tuple) and
three it does not (one the schema rejects, one of another type, one holding a struct): those stay
``Option`` with a warning naming file and pointer.  The crate gets tests/rust/defaults/defaults.rs
(absent -> default, equal -> not written, other values kept with their type) and must pass clippy
(``-D warnings``) and ``cargo test``.  The protocol crate (server runtime included) and the
``features`` fixture generated with ``--defaults apply`` must compile clippy-clean too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "rust" / "defaults"
TARGET_DIR = Path(os.environ.get("STEPFLOW_CARGO_TARGET_DIR", ROOT / "tests" / "rust" / "target"))


def generate(schemas: Path, crate: Path, *extra: str) -> str:
    r = subprocess.run(
        [sys.executable, "-m", "stepflow_codegen", "rust", str(schemas), "-o", str(crate), *extra],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    assert r.returncode == 0, r.stderr
    shutil.copy(ROOT / "tests" / "rust" / "Cargo.lock", crate / "Cargo.lock")
    return r.stderr


def cargo(crate: Path, *args: str) -> str:
    env = dict(os.environ, CARGO_TARGET_DIR=str(TARGET_DIR))
    r = subprocess.run(["cargo", args[0], "--offline", "--quiet", *args[1:]], cwd=crate, env=env,
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    return r.stdout


def test_defaults_not_applied_are_reported_with_file_and_pointer(tmp_path: Path) -> None:
    stderr = generate(CASES / "defaults.json", tmp_path / "defaultscheck", "--defaults", "apply")
    at = "tests/rust/defaults/defaults.json#/$defs/Settings/properties/"
    assert f"{at}badMin: warning[default-not-applied]: the default 0 is not applied: the schema rejects the default 0 (minimum)" in stderr
    assert f"{at}badType: warning[default-not-applied]: the default 5 is not applied: its Rust type cannot hold it" in stderr
    assert f"{at}inner: warning" not in stderr  # an object default is applied (decoded as a document is)
    assert stderr.count("default-not-applied") == 2, stderr
    # without --defaults apply: nothing is applied and nothing reported
    assert "default-not-applied" not in generate(CASES / "defaults.json", tmp_path / "preserved")
    assert "pub retries: Option<u64>," in (tmp_path / "preserved" / "src" / "types.rs").read_text(encoding="utf-8")


def test_applied_defaults_compile_lint_and_behave(tmp_path: Path) -> None:
    crate = tmp_path / "defaultscheck"
    generate(CASES / "defaults.json", crate, "--defaults", "apply", "-q")
    (crate / "tests").mkdir()
    shutil.copy(CASES / "defaults.rs", crate / "tests" / "defaults.rs")
    cargo(crate, "clippy", "--all-targets", "--", "-D", "warnings")
    assert "test result: ok. 3 passed" in cargo(crate, "test")


def test_protocol_and_features_with_applied_defaults_compile_clippy_clean(tmp_path: Path) -> None:
    for schemas, name in ((ROOT / "schemas", "protocolapply"), (ROOT / "tests" / "fixtures" / "schemas" / "features", "featuresapply")):
        crate = tmp_path / name
        generate(schemas, crate, "--defaults", "apply", "-q")
        assert "fn default_" in (crate / "src" / "types.rs").read_text(encoding="utf-8")
        cargo(crate, "clippy", "--all-targets", "--", "-D", "warnings")
