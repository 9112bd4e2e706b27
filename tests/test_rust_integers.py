"""The Rust target's ``--integers native|exact``: integers beyond 64 bits (cargo on generated crates).

One schema (tests/rust/integers/ints.json: unbounded, half-bounded, bounded and ``format: int32``
integers, exact ``minimum``/``multipleOf``/``enum`` on values past 2^64, a serde-tagged union) is
generated in both modes; each crate gets its behaviour test (tests/rust/integers/<mode>.rs), and
clippy (``-D warnings``) and ``cargo test`` must pass:

* ``exact``: 2^70 and 2^130 decode and re-encode digit for digit, the checks compare them exactly;
* ``native`` (the default): such a value is rejected with an error naming its JSON pointer, its value
  and the fix.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "rust" / "integers"
TARGET_DIR = Path(os.environ.get("STEPFLOW_CARGO_TARGET_DIR", ROOT / "tests" / "rust" / "target"))


def generate(tmp_path: Path, mode: str, *extra: str, schema: str = "ints.json") -> Path:
    crate = tmp_path / f"ints_{mode}"
    r = subprocess.run(
        [sys.executable, "-m", "stepflow_codegen", "rust", str(CASES / schema), "-o", str(crate), "-q", *extra],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    assert r.returncode == 0, r.stderr
    return crate


def test_the_types_follow_the_mode(tmp_path: Path) -> None:
    native = (generate(tmp_path, "native") / "src" / "types.rs").read_text(encoding="utf-8")  # the default
    explicit = (generate(tmp_path, "explicit", "--integers", "native") / "src" / "types.rs").read_text(encoding="utf-8")
    exact_crate = generate(tmp_path, "exact", "--integers", "exact")
    exact = (exact_crate / "src" / "types.rs").read_text(encoding="utf-8")
    assert native.split("\n", 2)[2] == explicit.split("\n", 2)[2]
    for field, n, e in [
        ("big", "i64", "Number"),
        ("positive", "u64", "Number"),
        ("bounded", "i64", "i64"),
        ("unsigned", "u64", "u64"),
        ("small", "i32", "i32"),
        ("at_least", "u64", "Number"),
    ]:
        assert f"pub {field}: Option<{n}>," in native, field
        assert f"pub {field}: Option<{e}>," in exact, field
    cargo = (exact_crate / "Cargo.toml").read_text(encoding="utf-8")
    assert 'features = ["arbitrary_precision"]' in cargo and "--integers exact" in cargo
    assert "arbitrary_precision" not in (tmp_path / "ints_native" / "Cargo.toml").read_text(encoding="utf-8")


def test_native_refuses_enum_and_const_values_past_64_bits() -> None:
    """tests/rust/integers/values.json (an integer enum, consts and a tag past 64 bits) stops the
    default mode with an error naming each value and the way out; ``exact`` takes it (below)."""
    r = subprocess.run(
        [sys.executable, "-m", "stepflow_codegen", "rust", str(CASES / "values.json"), "-o", "/nonexistent/never-written"],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    assert r.returncode == 2, r.stderr
    assert "values.json#/$defs/Code: error[unsupported]: the value 1180591620717411303424 does not fit a Rust i64" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("mode, schema, test, passed", [
    ("native", "ints.json", "native", 2),
    ("exact", "ints.json", "exact", 4),
    ("exact", "values.json", "values", 2),
])
def test_generated_crate_compiles_lints_and_behaves(tmp_path: Path, mode: str, schema: str, test: str, passed: int) -> None:
    crate = generate(tmp_path, mode, "--integers", mode, schema=schema)
    (crate / "tests").mkdir()
    text = (CASES / f"{test}.rs").read_text(encoding="utf-8").replace("CRATE", f"ints_{mode}")
    (crate / "tests" / f"{test}.rs").write_text(text, encoding="utf-8")
    shutil.copy(ROOT / "tests" / "rust" / "Cargo.lock", crate / "Cargo.lock")
    env = dict(os.environ, CARGO_TARGET_DIR=str(TARGET_DIR))
    for args in (["clippy", "--all-targets", "--", "-D", "warnings"], ["test"]):
        r = subprocess.run(["cargo", args[0], "--offline", "--quiet", *args[1:]], cwd=crate, env=env,
                           capture_output=True, text=True, timeout=900)
        assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    assert f"test result: ok. {passed} passed" in r.stdout, r.stdout
