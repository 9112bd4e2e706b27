"""``--defaults apply``: Python, TypeScript and Rust apply the same defaults to the same values.

The decision whether a default is usable is made once (codegen/analysis/defaults.py); each target
may only refuse more for what its language cannot hold (Rust: an integer type too narrow). Here
the three targets generate the same schema and

* report exactly the same properties as ``default-not-applied`` (file and pointer);
* decode ``{}`` to the same values once the defaults are filled in, object defaults included
  (Python and TypeScript here; the Rust crate on the same schema: tests/rust/defaults/defaults.rs).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "tests" / "rust" / "defaults" / "defaults.json"


def _not_applied(language: str, out: Path) -> set[str]:
    package = ["--package", "defaultsagree"]
    r = subprocess.run(
        [sys.executable, "-m", "stepflow_codegen", language, str(SCHEMA.relative_to(ROOT)), "-o", str(out),
         "--defaults", "apply", *package],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert r.returncode == 0, r.stderr
    return {line.split(": ", 1)[0] for line in r.stderr.splitlines() if "warning[default-not-applied]" in line}


def test_the_three_targets_refuse_the_same_defaults(tmp_path: Path) -> None:
    found = {lang: _not_applied(lang, tmp_path / lang) for lang in ("python", "typescript", "rust")}
    at = "tests/rust/defaults/defaults.json#/$defs/Settings/properties/"
    assert found["python"] == {at + "badMin", at + "badType"}, found
    assert found["typescript"] == found["python"] and found["rust"] == found["python"], found


def test_python_and_typescript_fill_in_the_same_values(tmp_path: Path) -> None:
    """``{}`` decoded with every default filled in, as JSON, is the same in Python and TypeScript
    (the Rust crate's behaviour on the same schema: tests/rust/defaults/defaults.rs)."""
    _not_applied("python", tmp_path / "defaultsagree")
    code = (
        "import json, msgspec, defaultsagree as p\n"
        "v = p.decode(b'{}', p.Settings)\n"
        "# every declared property as decoded (encode would leave out those equal to their default)\n"
        "d = {wire: getattr(v, attr) for attr, wire, _, _ in p.Settings.__stepflow_fields__}\n"
        "d = {k: x for k, x in d.items() if x is not p.UNSET}\n"
        "print(json.dumps(msgspec.to_builtins(d, enc_hook=p._runtime.enc_hook), sort_keys=True))\n"
    )
    py = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert py.returncode == 0, py.stderr
    python_value = json.loads(py.stdout)
    _not_applied("typescript", tmp_path / "ts")
    from test_ts_server import TOOLS, ensure_tools

    tsc = ensure_tools()
    ts = tmp_path / "ts"
    (ts / "node_modules").symlink_to(TOOLS / "node_modules")
    done = subprocess.run([str(tsc), "-p", "tsconfig.json"], cwd=ts, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    run = subprocess.run(
        ["node", "--input-type=module", "-e",
         'import * as g from "./dist/index.js"; const v = g.parseSettings({});'
         "const keys = Object.keys(v).sort(); const o = {}; for (const k of keys) o[k] = v[k];"
         "console.log(JSON.stringify(o));"],
        cwd=ts, capture_output=True, text=True, timeout=60,
    )
    assert run.returncode == 0, run.stderr
    ts_value = json.loads(run.stdout)
    assert python_value == ts_value
    assert python_value["inner"] == {"x": 1} and python_value["tags"] == ["a", "b"] and python_value["retries"] == 3
