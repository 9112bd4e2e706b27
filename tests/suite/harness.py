"""Generate code for many small schema sets and run JSON documents through it, in every language.

A :class:`Unit` is one schema set (its files, the root file whose root type is checked, extra
schema files given as inputs) plus the JSON documents (as text, so ``1`` and ``1.0`` stay apart) to
run through the generated type.  :func:`run_units` generates every unit in-process with the tool's
Python API (``build_program`` then each target's ``render``), then per language runs all units in
one batch:

* Python: one package per unit, all imported by ONE subprocess (``py_runner.py``);
* TypeScript: all units in one folder tree, ONE ``tsc`` (tests/ts's pinned TypeScript, the strict
  flags of tests/ts/tsconfig.json) and ONE ``node`` process (``ts_runner.mjs``);
* Rust: all units as modules of ONE crate (identical ``runtime.rs`` files shared), built once and
  run once; a unit that does not compile is left out and the crate rebuilt.

Every document gets an :class:`Outcome`: accepted (and the re-encoded JSON text) or rejected (with
the error).  A unit whose generation or compilation fails gets ``unit_error`` on every document.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
TS_TOOLS = ROOT / "tests" / "ts"
LANGS = ("python", "typescript", "rust")


@dataclass
class Unit:
    key: str
    """Unique, for reports (e.g. ``draft7/items.json::case``)."""
    files: dict[str, Any]
    """Relative path -> JSON schema, written under the unit's own folder."""
    root_file: str
    """The file (a key of ``files``) whose root type is checked."""
    documents: list[str]
    """JSON texts to run through the root type."""
    extra_inputs: list[str] = field(default_factory=list)
    """Further files (keys of ``files``) given to the tool as inputs (e.g. the suite's remotes)."""
    root_pointer: str = ""
    """Check the type declared at this pointer of the root file instead of the root type."""
    targets: list[tuple[str, str]] | None = None
    """Per document, the (file, pointer) of the declaration to check it with (default: all use the
    root file's root type, or ``root_pointer``)."""

    def target(self, n: int) -> tuple[str, str] | None:
        return self.targets[n] if self.targets is not None else None


def read_list(path: Path) -> dict[str, str]:
    """An expected-failure list (tests/suite/expected_failures/*.txt): id -> reason.  One id per
    line, a TAB, then ``# reason``; lines starting with ``#`` are comments."""
    out: dict[str, str] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").split("\n"):
            if line.strip() and not line.startswith("#"):
                tid, _, reason = line.partition("\t")
                out[tid] = reason.removeprefix("# ")
    return out


def strict_equal(a: Any, b: Any) -> bool:
    """JSON equality that also tells ``1`` from ``1.0`` and ``true`` from ``1``."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(strict_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(strict_equal(x, y) for x, y in zip(a, b))
    return bool(a == b)


@dataclass
class Outcome:
    accepted: bool
    output: str | None = None
    """The re-encoded JSON text when accepted."""
    error: str | None = None
    """Why it was rejected, or why the unit could not run (then ``unit_error`` is set)."""
    unit_error: str | None = None
    crash: bool = False
    """The generated code failed instead of rejecting the value (an exception other than its
    validation error, a panic, ``is`` and ``validate`` disagreeing): never an agreement, even on a
    value that should be rejected."""


@dataclass
class Generated:
    root_id: str | None = None
    error: str | None = None
    files: dict[str, dict[str, str]] = field(default_factory=dict)
    python_name: str | None = None
    ids: dict[tuple[str, str], str | None] = field(default_factory=dict)
    """(file, pointer) -> type id, for units with ``targets``."""
    python_names: dict[str, str | None] = field(default_factory=dict)
    gen_seconds: float = 0.0


# --------------------------------------------------------------------------------------------- generation


def _first_line(text: str, limit: int = 300) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    line = lines[0] if lines else text.strip()
    return line[:limit]


def generate(unit: Unit, folder: Path, langs: Iterable[str]) -> Generated:
    """Write the unit's schemas into ``folder`` and render every language in-process."""
    from stepflow_codegen.diagnostics import Diagnostics, SchemaError
    from stepflow_codegen.frontend import build_program
    from stepflow_codegen.targets import TargetOptions, load

    t0 = time.perf_counter()
    out = Generated()
    folder.mkdir(parents=True, exist_ok=True)
    for rel, schema in unit.files.items():
        p = folder / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(schema, indent=1, ensure_ascii=False), encoding="utf-8")
    diags = Diagnostics()
    try:
        from .metaschemas import uri_map

        program = build_program(
            [folder / f for f in [unit.root_file, *unit.extra_inputs]],
            diags,
            cwd=folder,
            # the suite's remotes are also served by their URL (a remote whose $id differs from it)
            uri_map={**uri_map(), "http://localhost:1234/": folder / "remotes"},
            kinds=os.environ.get("STEPFLOW_SUITE_KINDS", "convention"),
            formats=os.environ.get("STEPFLOW_SUITE_FORMATS", "annotate"),
        )
    except SchemaError:
        errs = [d.render() for d in diags.sorted() if d.severity.name == "ERROR"] or ["schema error"]
        out.error = "tool error: " + _first_line(errs[0])
        return out
    except Exception as e:  # a crash of the tool is a disagreement, recorded with its error
        out.error = f"tool crash: {type(e).__name__}: {_first_line(str(e))}"
        return out
    root_display = Path(unit.root_file).as_posix()
    if unit.root_pointer:
        found = [d for d in program.decls
                 if d.source is not None and d.source.file == root_display and d.source.pointer == unit.root_pointer]
        out.root_id = found[0].id if found else None
    else:
        roots = [r for r in program.roots if r.file == root_display]
        out.root_id = roots[0].type if roots else None
    for file, pointer in sorted(set(unit.targets or [])):
        found = [d for d in program.decls
                 if d.source is not None and d.source.file == Path(file).as_posix() and d.source.pointer == pointer]
        if not found and pointer == "":
            found = [program.get(r.type) for r in program.roots if r.file == Path(file).as_posix()]
        out.ids[(file, pointer)] = found[0].id if found and found[0] is not None else None
    if out.root_id is None and unit.targets is None:
        out.error = "no root type: the tool generated no type for the schema"
        return out
    for lang in langs:
        try:
            d2 = Diagnostics()
            d2.items.extend(diags.items)
            # STEPFLOW_SUITE_INTEGERS: the targets' --integers (native by default; exact for Rust's
            # integers beyond 64 bits)
            integers = os.environ.get("STEPFLOW_SUITE_INTEGERS", "native")
            options = TargetOptions(name="unit", command="stepflow-codegen", integers=integers)  # type: ignore[arg-type]
            files = load(lang).render(program, options, d2)
            if d2.has_errors:
                errs = [d.render() for d in d2.sorted() if d.severity.name == "ERROR"]
                raise RuntimeError(errs[0] if errs else "render error")
        except Exception as e:
            out.files[lang] = {"!error": f"{lang} render failed: {type(e).__name__}: {_first_line(str(e))}"}
            continue
        out.files[lang] = files
    if "python" in out.files and "types.py" in out.files["python"]:
        names = _python_names(program)
        for tid in {out.root_id, *out.ids.values()} - {None}:
            decl = program.get(tid)
            shown = f"{decl.source.file}#{decl.source.pointer}" if decl is not None and decl.source else tid
            # the Python target's own name for the declaration (a location split into an object and
            # an "object or null" alias names both after it: the alias is the location's type)
            out.python_names[tid] = names.get(tid) or python_name(out.files["python"]["types.py"], shown)
        out.python_name = out.python_names.get(out.root_id) if out.root_id else None
    out.gen_seconds = time.perf_counter() - t0
    return out


def _python_names(program: Any) -> dict[str, str]:
    """Declaration id -> its Python name, as the Python target's type mapper chooses it."""
    try:
        from stepflow_codegen.diagnostics import Diagnostics
        from stepflow_codegen.analysis.defaults import write_default_ids
        from stepflow_codegen.targets.python.types import PythonTypeMapper

        mapper = PythonTypeMapper(program, Diagnostics(), "preserve", write_default_ids(program))
        return dict(mapper.name_of)
    except Exception:  # the comment lookup below still works
        return {}


def python_name(types_py: str, type_id: str) -> str | None:
    """The Python name of the declaration at ``type_id``: every declaration is preceded by
    ``# from <schema id>`` in types.py."""
    lines = types_py.splitlines()
    marker = f"# from {type_id}"
    for i, line in enumerate(lines):
        if line.strip() == marker:
            for nxt in lines[i + 1 : i + 8]:
                s = nxt.strip()
                if not s or s.startswith(("#", "@", "if TYPE_CHECKING", "else:")):
                    continue
                m = re.match(r"(?:class\s+)?([A-Za-z_]\w*)\s*(?:[:=(]|$)", s)
                if m:
                    return m.group(1)
            return None
    return None


# --------------------------------------------------------------------------------------------- running


def _doc_ids(unit: Unit, g: Generated) -> list[str | None]:
    """The type id each document of the unit runs through (None: the tool made no such type)."""
    if unit.targets is None:
        return [g.root_id] * len(unit.documents)
    return [g.ids.get(t) for t in unit.targets]


def _unit_dirs(n: int) -> list[str]:
    return [f"u{i:05d}" for i in range(n)]


def run_units(
    units: list[Unit],
    langs: Iterable[str],
    work: Path,
    log: Any = None,
) -> tuple[dict[str, list[list[Outcome]]], dict[str, Any]]:
    """Outcomes per language, per unit, per document; plus timings and notes."""
    langs = list(langs)
    say = log or (lambda *_: None)
    if work.exists():
        for child in work.iterdir():
            if child.name != "rust":
                shutil.rmtree(child) if child.is_dir() else child.unlink()
    work.mkdir(parents=True, exist_ok=True)
    names = _unit_dirs(len(units))
    stats: dict[str, Any] = {"units": len(units), "documents": sum(len(u.documents) for u in units)}
    t0 = time.perf_counter()
    gens = [generate(u, work / "schemas" / n, langs) for u, n in zip(units, names)]
    stats["generate_seconds"] = round(time.perf_counter() - t0, 2)
    say(f"generated {len(units)} units in {stats['generate_seconds']} s")
    results: dict[str, list[list[Outcome]]] = {}
    for lang in langs:
        t1 = time.perf_counter()
        pending: list[int] = []
        unit_errors: dict[int, str] = {}
        for i, g in enumerate(gens):
            if g.error:
                unit_errors[i] = g.error
            elif "!error" in g.files.get(lang, {"!error": f"{lang}: not rendered"}):
                unit_errors[i] = g.files.get(lang, {}).get("!error", f"{lang}: not rendered")
            else:
                pending.append(i)
        runner = {"python": _run_python, "typescript": _run_typescript, "rust": _run_rust}[lang]
        got = runner(units, gens, names, pending, unit_errors, work / lang, work)
        out: list[list[Outcome]] = []
        for i, u in enumerate(units):
            if i in unit_errors:
                out.append([Outcome(False, error=unit_errors[i], unit_error=unit_errors[i]) for _ in u.documents])
            else:
                out.append(got[i])
        results[lang] = out
        stats[f"{lang}_seconds"] = round(time.perf_counter() - t1, 2)
        say(f"{lang}: ran in {stats[f'{lang}_seconds']} s ({len(unit_errors)} units failed to generate/compile)")
    return results, stats


def _write(path: Path, text: str) -> None:
    """Write ``text`` unless the file holds it already (so cargo sees unchanged sources as unchanged)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except (OSError, UnicodeDecodeError):
        pass
    path.write_text(text, encoding="utf-8")


MEMORY_LIMIT = 3 << 30
"""Address space of the Python and Rust runners: a type that recurses without end fails that unit
instead of taking the (shared) machine's memory."""
RUNNER_TIMEOUT = 300


def _run_batch(cmd: list[str], cwd: Path | None, env: dict[str, str] | None, manifest: list[dict[str, Any]],
               folder: Path, units: list[Unit], unit_errors: dict[int, str], what: str,
               limit_memory: bool = True) -> dict[int, list[Outcome]]:
    """Run ``cmd manifest results`` (results: one JSON line ``{"i", "results"|"unit_error"}`` per
    unit); if the process dies on a unit (a stack overflow, say), that unit gets the error and the
    rest run again."""
    got: dict[int, list[Outcome]] = {}
    todo = list(manifest)
    for attempt in range(50):
        if not todo:
            break
        mpath, rpath = folder / f"manifest{attempt}.json", folder / f"results{attempt}.jsonl"
        _write(mpath, json.dumps(todo))
        if rpath.exists():
            rpath.unlink()
        try:
            full = [*cmd, str(mpath), str(rpath)]
            if limit_memory:  # through the shell: a preexec_fn is not safe in a threaded parent (pytest)
                full = ["bash", "-c", f'ulimit -v {MEMORY_LIMIT >> 10} && exec "$@"', "runner", *full]
            proc = subprocess.run(full, cwd=cwd, env=env, capture_output=True, text=True, timeout=RUNNER_TIMEOUT)
            died = proc.returncode != 0
            tail = f"exit status {proc.returncode} " + " ".join((proc.stdout[-1500:] + proc.stderr[-1500:]).split())
        except subprocess.TimeoutExpired:
            died, tail = True, "timed out"
        done: set[int] = set()
        if rpath.is_file():
            for line in rpath.read_text(encoding="utf-8").split("\n"):
                try:
                    r = json.loads(line)
                except ValueError:
                    continue
                i = int(r["i"])
                done.add(i)
                if "unit_error" in r:
                    unit_errors[i] = r["unit_error"]
                    continue
                got[i] = [
                    Outcome(bool(x["ok"]), x.get("out"), x.get("err"), x.get("missing"), bool(x.get("crash")))
                    for x in r["results"]
                ]
                if len(got[i]) != len(units[i].documents):
                    unit_errors[i] = f"{what}: wrong number of results"
        todo = [m for m in todo if m["i"] not in done]
        if todo and not died:
            for m in todo:
                unit_errors[m["i"]] = f"{what}: no result"
            todo = []
        elif todo:
            unit_errors[todo[0]["i"]] = f"{what}: the runner died on this unit: {tail[:300]}"
            todo = todo[1:]
    for m in todo:
        unit_errors[m["i"]] = f"{what}: not run (the runner died too often)"
    return {i: o for i, o in got.items() if i not in unit_errors}


# -- Python


def _run_python(units: list[Unit], gens: list[Generated], names: list[str], pending: list[int],
                unit_errors: dict[int, str], folder: Path, work: Path) -> dict[int, list[Outcome]]:
    manifest = []
    for i in list(pending):
        g = gens[i]
        pkg = f"p_{names[i]}"
        for rel, text in g.files["python"].items():
            _write(folder / pkg / rel, text)
        docs = [[g.python_names.get(tid) if tid else None, text] for tid, text in zip(_doc_ids(units[i], g), units[i].documents)]
        if units[i].targets is None and g.python_name is None:
            unit_errors[i] = (f"python: no declaration for {g.root_id} in types.py (the harness finds it by the "
                              "'# from <schema id>' comment before it)")
            pending.remove(i)
            continue
        manifest.append({"i": i, "package": pkg, "documents": docs})
    return _run_batch([sys.executable, str(HERE / "py_runner.py"), str(folder)], None, None, manifest, folder,
                      units, unit_errors, "python")


# -- TypeScript


def _node_bin() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise RuntimeError("Node.js (node and npm) is needed for the TypeScript runs")
    bin_dir = TS_TOOLS / "node_modules" / ".bin"
    if not (bin_dir / "tsc").exists():
        proc = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=TS_TOOLS,
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"npm ci in tests/ts failed:\n{proc.stdout}\n{proc.stderr}")
    return bin_dir


def _shared(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def _run_typescript(units: list[Unit], gens: list[Generated], names: list[str], pending: list[int],
                    unit_errors: dict[int, str], folder: Path, work: Path) -> dict[int, list[Outcome]]:
    node_bin = _node_bin()
    _write(folder / "package.json", '{"type": "module"}\n')
    runtimes: dict[str, str] = {}
    for i in pending:
        files = dict(gens[i].files["typescript"])
        rt = files.pop("runtime.ts", None)
        if rt is not None:
            h = _shared(rt)
            runtimes[h] = rt
            files = {k: v.replace('"./runtime.js"', f'"../runtime_{h}.js"') for k, v in files.items()}
        for rel, text in files.items():
            _write(folder / "src" / names[i] / rel, text)
    for h, rt in runtimes.items():
        _write(folder / "src" / f"runtime_{h}.ts", rt)
    config = json.loads((TS_TOOLS / "tsconfig.json").read_text(encoding="utf-8"))
    config.pop("//", None)
    config["include"] = ["src/**/*.ts"]
    _write(folder / "tsconfig.json", json.dumps(config, indent=2))
    proc = subprocess.run([str(node_bin / "tsc"), "-p", "tsconfig.json"], cwd=folder, capture_output=True,
                          text=True, timeout=1200)
    if proc.returncode != 0:
        by_name = {names[i]: i for i in pending}
        unattributed = []
        for line in (proc.stdout + proc.stderr).splitlines():
            m = re.match(r"src/(u\d{5})/", line)
            if m and m.group(1) in by_name:
                i = by_name[m.group(1)]
                unit_errors.setdefault(i, "typescript: tsc: " + line.split(": ", 1)[-1][:300])
            elif "error TS" in line:
                unattributed.append(line)
        if unattributed:
            # an error in a shared runtime: every unit using it fails
            for i in pending:
                unit_errors.setdefault(i, "typescript: tsc (runtime): " + unattributed[0][:300])
    pending[:] = [i for i in pending if i not in unit_errors]
    manifest = [{"i": i, "dir": f"out/src/{names[i]}",
                 "documents": [list(x) for x in zip(_doc_ids(units[i], gens[i]), units[i].documents)]}
                for i in pending]
    # V8 reserves more address space than the limit: node runs with its own heap limit instead
    return _run_batch(["node", "--max-old-space-size=2048", str(HERE / "ts_runner.mjs"), str(folder)], None, None,
                      manifest, folder, units, unit_errors, "typescript", limit_memory=False)


# -- Rust

RUST_MAIN = r"""
// Generated by tests/suite/harness.py: every unit's types as one module; reads a manifest of
// [{"i", "unit", "id", "documents"}] and writes {"<i>": [{"ok", "out"|"err"}]} as JSON.
#![allow(warnings)]
#![recursion_limit = "512"]
use std::io::Write;

{shared}
{mods}

type Runner = fn(&str, &str) -> Option<Result<String, String>>;

{fns}

static UNITS: &[(&str, Runner)] = &[
{table}
];

fn main() {
    // a big stack: deeply recursive schemas should not overflow before the type rejects them
    let child = std::thread::Builder::new().stack_size(256 << 20).spawn(run_all).unwrap();
    child.join().unwrap();
}

fn run_all() {
    let args: Vec<String> = std::env::args().collect();
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&args[1]).expect("manifest")).expect("json");
    std::panic::set_hook(Box::new(|_| {}));
    let mut f = std::fs::File::create(&args[2]).expect("results");
    for entry in manifest.as_array().expect("array") {
        let i = entry["i"].as_u64().unwrap();
        let unit = entry["unit"].as_str().unwrap();
        let line = match UNITS.iter().find(|(u, _)| *u == unit) {
            None => serde_json::json!({"i": i, "unit_error": "rust: unit not compiled"}),
            Some((_, run)) => {
                let mut results = Vec::new();
                for doc in entry["documents"].as_array().unwrap() {
                    let text = doc[1].as_str().unwrap().to_string();
                    let Some(id) = doc[0].as_str() else {
                        results.push(serde_json::json!({"ok": false, "missing": "the tool made no type for it"}));
                        continue;
                    };
                    let got = std::panic::catch_unwind(|| run(id, &text));
                    results.push(match got {
                        Ok(None) => serde_json::json!({"ok": false, "missing": format!("rust: {id} is not in TYPES_BY_SCHEMA_ID")}),
                        Ok(Some(Ok(again))) => serde_json::json!({"ok": true, "out": again}),
                        Ok(Some(Err(e))) => serde_json::json!({"ok": false, "err": e}),
                        Err(_) => serde_json::json!({"ok": false, "err": "panic", "crash": true}),
                    });
                }
                serde_json::json!({"i": i, "results": results})
            }
        };
        f.write_all(format!("{line}\n").as_bytes()).unwrap();
        f.flush().unwrap();
    }
}
"""


def _crate_name(work: Path) -> str:
    return "units_" + re.sub(r"[^a-z0-9]+", "_", work.name.lower())


def _cargo_env(work: Path) -> dict[str, str]:
    """One target directory for every run (so serde is compiled once); each run's crate has its own
    name (so runs do not overwrite each other's binaries and incremental state)."""
    target = os.environ.get("STEPFLOW_SUITE_CARGO_TARGET", str(ROOT / ".cache" / "suite-work" / "cargo-target"))
    env = dict(os.environ, CARGO_TERM_COLOR="never", CARGO_TARGET_DIR=target)
    env.pop("RUSTFLAGS", None)
    return env


def _run_rust(units: list[Unit], gens: list[Generated], names: list[str], pending: list[int],
              unit_errors: dict[int, str], folder: Path, work: Path) -> dict[int, list[Outcome]]:
    if shutil.which("cargo") is None:
        raise RuntimeError("cargo is needed for the Rust runs (install a Rust toolchain)")
    runtimes: dict[str, str] = {}
    deps: dict[str, Any] = {}
    unit_rt: dict[int, str] = {}
    for i in pending:
        files = gens[i].files["rust"]
        rt = files.get("src/runtime.rs", "")
        h = _shared(rt)
        runtimes[h] = rt
        unit_rt[i] = h
        try:
            cargo = tomllib.loads(files.get("Cargo.toml", ""))
            for k, v in cargo.get("dependencies", {}).items():
                old = deps.setdefault(k, v)
                if isinstance(old, dict) and isinstance(v, dict):  # the union of the units' features
                    old["features"] = sorted(set(old.get("features", [])) | set(v.get("features", [])))
                elif isinstance(v, dict) and v.get("features"):
                    deps[k] = {**v, "version": old} if isinstance(old, str) else v
        except tomllib.TOMLDecodeError as e:
            unit_errors[i] = f"rust: Cargo.toml does not parse: {e}"
            continue
        for rel, text in files.items():
            if rel.startswith("src/") and rel not in ("src/lib.rs", "src/runtime.rs"):
                text = text.replace("crate::runtime", "super::runtime").replace("crate::", "super::")
                _write(folder / "src" / names[i] / rel[4:], text)
        mods = [f"pub use crate::runtime_{h} as runtime;"]
        for rel in files:
            if rel.startswith("src/") and rel.count("/") == 1 and rel not in ("src/lib.rs", "src/runtime.rs"):
                mods.append(f"pub mod {Path(rel).stem};")
        _write(folder / "src" / names[i] / "mod.rs", "\n".join(mods) + "\n")
    pending[:] = [i for i in pending if i not in unit_errors]
    live = {names[i] for i in pending} | {f"runtime_{h}.rs" for h in runtimes} | {"main.rs"}
    if (folder / "src").is_dir():
        for child in (folder / "src").iterdir():  # left over from an earlier run
            if child.name not in live:
                shutil.rmtree(child) if child.is_dir() else child.unlink()
    deps.setdefault("serde_json", "1")
    dep_lines = []
    for k, v in sorted(deps.items()):
        dep_lines.append(f"{k} = {json.dumps(v) if isinstance(v, str) else _toml_inline(v)}")
    _write(folder / "Cargo.toml", (
        f'[package]\nname = "{_crate_name(work)}"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n'
        "[dependencies]\n" + "\n".join(dep_lines) + "\n\n"
        "[profile.dev]\ndebug = 0\nincremental = true\n\n[workspace]\n"
    ))
    lock = ROOT / "tests" / "rust" / "Cargo.lock"
    if lock.is_file() and not (folder / "Cargo.lock").exists():
        shutil.copy(lock, folder / "Cargo.lock")
    env = _cargo_env(work)
    for attempt in range(6):
        shared = "\n".join(f"#[path = \"runtime_{h}.rs\"] pub mod runtime_{h};" for h in sorted({unit_rt[i] for i in pending}))
        for h in {unit_rt[i] for i in pending}:
            _write(folder / "src" / f"runtime_{h}.rs", runtimes[h].replace("crate::", "super::"))
        mods = "\n".join(f"pub mod {names[i]};" for i in pending)
        fns = "\n".join(
            f"fn run_{names[i]}(id: &str, text: &str) -> Option<Result<String, String>> {{\n"
            f"    {names[i]}::types::type_by_schema_id(id).map(|t| (t.roundtrip)(text).map_err(|e| format!(\"{{e:?}}\")))\n}}"
            for i in pending
        )
        table = "\n".join(f'    ("{names[i]}", run_{names[i]} as Runner),' for i in pending)
        main = (RUST_MAIN.replace("{shared}", shared).replace("{mods}", mods).replace("{fns}", fns)
                .replace("{table}", table))
        _write(folder / "src" / "main.rs", main)
        proc = subprocess.run(["cargo", "build", "--offline", "--quiet", "--message-format=json"], cwd=folder,
                              env=env, capture_output=True, text=True, timeout=1800)
        if proc.returncode == 0:
            break
        by_name = {names[i]: i for i in pending}
        bad: dict[int, str] = {}
        unattributed: list[str] = []
        for line in proc.stdout.splitlines():
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if msg.get("reason") != "compiler-message" or msg["message"].get("level") != "error":
                continue
            text = msg["message"].get("message", "")
            spans = msg["message"].get("spans") or []
            hit = None
            for s in spans:
                m = re.match(r"src/(u\d{5})/", s.get("file_name", ""))
                if m and m.group(1) in by_name:
                    hit = by_name[m.group(1)]
                    break
            if hit is not None:
                bad.setdefault(hit, f"rust: does not compile: {text[:300]}")
            elif not text.startswith("aborting due to"):
                unattributed.append(text + " " + " ".join(s.get("file_name", "") for s in spans))
        if not bad:
            raise RuntimeError("cargo build failed outside any unit:\n" + "\n".join(unattributed[:20])
                               + proc.stderr[-3000:])
        unit_errors.update(bad)
        pending[:] = [i for i in pending if i not in bad]
        for i in bad:
            shutil.rmtree(folder / "src" / names[i], ignore_errors=True)
    else:
        raise RuntimeError("cargo build still fails after excluding units")
    manifest = [{"i": i, "unit": names[i],
                 "documents": [list(x) for x in zip(_doc_ids(units[i], gens[i]), units[i].documents)]}
                for i in pending]
    exe = Path(env["CARGO_TARGET_DIR"]) / "debug" / _crate_name(work)
    return _run_batch([str(exe)], None, None, manifest, folder, units, unit_errors, "rust")


def _toml_inline(v: Any) -> str:
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml_inline(x)}" for k, x in v.items()) + " }"
    if isinstance(v, list):
        return "[" + ", ".join(_toml_inline(x) for x in v) + "]"
    if isinstance(v, bool):
        return "true" if v else "false"
    return json.dumps(v)


def format_exc() -> str:
    return traceback.format_exc()
