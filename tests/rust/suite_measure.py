"""Measure the generated Rust on the official JSON Schema Test Suite (a script, not a test).

    .venv/bin/python tests/rust/suite_measure.py SUITE_DIR WORK_DIR draft2020-12 [draft7 ...]

``SUITE_DIR`` holds ``tests/<draft>/*.json`` and ``remotes/``.  Every case of every draft given is
rendered with the Rust target (``build_program`` + ``render_rust``); each case's ``src/types.rs``
becomes a module of ONE crate in ``WORK_DIR`` sharing one runtime (``render_runtime``, with the
``regex`` and ``fancy-regex`` engines), built once; its binary decodes every test's data with the
root type (``TYPES_BY_SCHEMA_ID``, i.e. validation + serde) and the script compares the verdicts
with the suite's and with the reference evaluator's (``stepflow_codegen.ir.evaluate``).
Tests whose description starts with "ignores " are the "ignores non-X" convention (the shape IR
types a kind-specific schema as that kind) and are counted apart.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from stepflow_codegen.diagnostics import Diagnostics, SchemaError  # noqa: E402
from stepflow_codegen.frontend import build_program  # noqa: E402
from stepflow_codegen.ir.evaluate import Evaluator  # noqa: E402
from stepflow_codegen.targets.rust.render import RustOptions, render_runtime, render_rust  # noqa: E402

DRAFTS = {
    "draft4": "http://json-schema.org/draft-04/schema#",
    "draft6": "http://json-schema.org/draft-06/schema#",
    "draft7": "http://json-schema.org/draft-07/schema#",
    "draft2019-09": "https://json-schema.org/draft/2019-09/schema",
    "draft2020-12": "https://json-schema.org/draft/2020-12/schema",
}

CARGO = """[package]
name = "schema_cases"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
serde = { version = "1.0.200", features = ["derive"] }
serde_json = "1.0.120"
regex = { version = "1.13.1", default-features = false, features = ["std", "unicode"] }
fancy-regex = "0.14.0"
"""

MAIN = """#![allow(warnings, clippy::all)]
pub mod runtime;
%s
use std::io::BufRead;

fn lookup(case: usize, id: &str) -> Option<&'static runtime::SchemaType> {
    match case {
%s
        _ => None,
    }
}

fn main() {
    let stdin = std::io::stdin();
    for line in stdin.lock().lines() {
        let line = line.unwrap();
        let mut parts = line.splitn(3, '\\t');
        let case: usize = parts.next().unwrap().parse().unwrap();
        let id = parts.next().unwrap();
        let data = parts.next().unwrap();
        let verdict = match lookup(case, id) {
            None => "missing".to_owned(),
            Some(t) => {
                let data = data.to_owned();
                let roundtrip = t.roundtrip;
                match std::panic::catch_unwind(move || roundtrip(&data)) {
                    Ok(Ok(_)) => "valid".to_owned(),
                    Ok(Err(runtime::DecodeError::Invalid(_))) => "invalid".to_owned(),
                    Ok(Err(runtime::DecodeError::Json(e))) => format!("serde {e}"),
                    Err(_) => "panic".to_owned(),
                }
            }
        };
        println!("{verdict}");
    }
}
"""


def main() -> int:
    suite, work, drafts = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]
    (work / "src").mkdir(parents=True, exist_ok=True)
    (work / "cases").mkdir(exist_ok=True)
    uri_map = {"http://localhost:1234/": suite / "remotes"}
    mods, arms, lines, meta = [], [], [], []
    n = 0
    for draft in drafts:
        for f in sorted((suite / "tests" / draft).glob("*.json")):
            for ci, case in enumerate(json.loads(f.read_text())):
                schema = case["schema"]
                if isinstance(schema, dict) and "$schema" not in schema:
                    schema = {"$schema": DRAFTS[draft], **schema}
                d = work / "cases" / f"c{n}"
                d.mkdir(exist_ok=True)
                (d / "case.json").write_text(json.dumps(schema))
                diags = Diagnostics()
                error = root_id = None
                evaluator = root_node = None
                try:
                    program = build_program([d / "case.json"], diags, cwd=d, uri_map=uri_map)
                    files = render_rust(program, RustOptions("case", "suite"), diags)
                    if diags.has_errors:
                        raise SchemaError(diags.sorted())
                    root_id = next(r.type for r in program.roots if r.file.endswith("case.json"))
                    (work / "src" / f"c{n}.rs").write_text(files["src/types.rs"])
                    mods.append(f"#[path = \"c{n}.rs\"]\npub mod c{n};")
                    arms.append(f"        {n} => c{n}::type_by_schema_id(id),")
                    assert program.validation is not None
                    root_node = program.validation.node_for(root_id)
                    evaluator = Evaluator(program.validation)
                except SchemaError as e:
                    error = "schema error: " + "; ".join(x.message for x in e.diagnostics if x.severity == 2)[:200]
                except Exception as e:  # noqa: BLE001
                    error = f"generator error: {type(e).__name__}: {e}"[:200]
                for t in case["tests"]:
                    ev = None
                    if evaluator is not None and root_node is not None:
                        try:
                            ev = evaluator.is_valid(root_node, t["data"])
                        except Exception:  # noqa: BLE001
                            ev = None
                    meta.append((draft, f.name, case["description"], t["description"], t["valid"], error, ev))
                    lines.append(f"{n}\t{root_id or ''}\t{json.dumps(t['data'])}")
                n += 1
    (work / "Cargo.toml").write_text(CARGO)
    (work / "src" / "runtime.rs").write_text(render_runtime("suite"))
    (work / "src" / "main.rs").write_text(MAIN % ("\n".join(mods), "\n".join(arms)))
    env = dict(os.environ, CARGO_BUILD_JOBS=os.environ.get("CARGO_BUILD_JOBS", "1"))
    subprocess.run(["cargo", "build", "-q"], cwd=work, check=True, env=env)
    out = subprocess.run(
        [str(work / "target" / "debug" / "schema_cases")], input="\n".join(lines) + "\n", capture_output=True, text=True, cwd=work
    )
    verdicts = out.stdout.splitlines()
    assert len(verdicts) == len(lines), out.stderr[-2000:]
    stats: dict[str, list[int]] = {}
    for (draft, fname, cdesc, tdesc, valid, error, ev), got in zip(meta, verdicts):
        s = stats.setdefault(draft, [0, 0, 0, 0, 0])  # total, ok, ignores-total, ignores-ok, disagree-with-evaluator
        ignores = tdesc.startswith("ignores ")
        ok = error is None and ((got == "valid") == valid) and got in ("valid", "invalid") or (
            error is None and not valid and got.startswith("serde")
        )
        s[0] += 1
        s[1] += ok
        if ignores:
            s[2] += 1
            s[3] += ok
        if ev is not None and (got == "valid") != ev and not (ignores and got.startswith("serde")):
            s[4] += 1
        if not ok:
            print(f"FAIL {draft} {fname} | {cdesc} | {tdesc} | expected {valid} got {got if error is None else error}")
    for draft, (total, ok, it, iok, dis) in stats.items():
        rest = total - it
        print(
            f"{draft}: {ok}/{total} = {100 * ok / total:.1f}%; without 'ignores' tests "
            f"{ok - iok}/{rest} = {100 * (ok - iok) / rest:.1f}%; disagreements with the evaluator: {dis}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
