"""Namespaces: a project's own component types live apart from the protocol's.

A component schema defines ``Error``, ``Component`` and ``ProtocolError`` (a JSON-RPC helper's name
in Python), a type referring to protocol types (``Component``, ``BlobId``, ``Error``) and a union of
an author's ``Error`` and the protocol's. For Python, TypeScript and Rust:

* the protocol's module (``types.py``; ``types.ts`` and ``validators.ts``; ``src/types.rs``) is
  byte for byte what the protocol alone generates: same names, same fields;
* the author's types keep their names in their own module (``component_types``), import the
  protocol types they name, and decode/validate across the module boundary: the generated code is
  imported and run (Python, under ``mypy --strict``), compiled with ``tsc --strict`` and run in
  Node, built and tested with ``cargo test`` and ``cargo clippy -D warnings``;
* a collision that remains (two author files defining ``Component``) is reported at the author's file
  and JSON pointer;
* a scaffolded project (``new`` + ``add-component``) in each language whose schema uses such names
  passes its own tests.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
LANGS = ("python", "typescript", "rust")
TS_TOOLS = ROOT / "tests" / "ts-server"
CARGO_TARGET = Path(os.environ.get("STEPFLOW_CARGO_TARGET_DIR", ROOT / "tests" / "rust" / "target"))

MINE = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$defs": {
        "Error": {
            "type": "object",
            "properties": {"reason": {"type": "string"}},
            "required": ["reason"],
            "additionalProperties": False,
        },
        "Component": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "error": {"$ref": "#/$defs/Error"},
                "path": {"$ref": "protocol.json#/$defs/Component"},
                "blob": {"$ref": "protocol.json#/$defs/BlobId"},
            },
            "required": ["name"],
            "additionalProperties": False,
        },
        "ProtocolError": {
            "type": "object",
            "properties": {"code": {"type": "integer"}, "kind": {"$ref": "#/$defs/Kind"}},
            "required": ["code"],
        },
        "Kind": {"enum": ["soft", "hard"]},
        "Either": {"oneOf": [{"$ref": "#/$defs/Error"}, {"$ref": "protocol.json#/$defs/Error"}]},
        "Out": {
            "type": "object",
            "properties": {
                "ok": {"type": "boolean"},
                "problem": {"$ref": "#/$defs/ProtocolError"},
                "either": {"$ref": "#/$defs/Either"},
            },
            "required": ["ok"],
            "additionalProperties": False,
        },
    },
}
OTHER = {  # a second author file defining Component: the one collision that remains
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$defs": {
        "Component": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]},
        "Echo": {"type": "object", "properties": {"component": {"$ref": "#/$defs/Component"}}},
    },
}
MANIFEST = {
    "$schema": "urn:stepflow-codegen:components:v1",
    "components": [
        {"name": "check", "description": "Check a component.", "input": {"$ref": "mine.json#/$defs/Component"},
         "output": {"$ref": "mine.json#/$defs/Out"}},
        {"name": "echo", "input": {"$ref": "other.json#/$defs/Echo"}, "output": {"$ref": "other.json#/$defs/Echo"}},
    ],
}
PROTOCOL_MODULES = {
    "python": ["types.py", "methods.py"],
    "typescript": ["types.ts", "validators.ts", "methods.ts"],
    "rust": ["src/types.rs", "src/protocol.rs"],
}


def codegen(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "stepflow_codegen", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def write_schemas(directory: Path, authors: bool) -> None:
    directory.mkdir(parents=True)
    for f in ("protocol.json", "methods.json"):
        shutil.copy(ROOT / "schemas" / f, directory / f)
    if authors:
        (directory / "mine.json").write_text(json.dumps(MINE, indent=2))
        (directory / "other.json").write_text(json.dumps(OTHER, indent=2))
        (directory / "components.json").write_text(json.dumps(MANIFEST, indent=2))


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every language generated twice: from the protocol with the component schemas (``with/``) and
    from the protocol alone (``alone/``), each from a directory named ``schemas/``."""
    base = tmp_path_factory.mktemp("namespaces")
    out: dict[str, Any] = {"base": base, "stderr": {}}
    for variant, authors in (("with", True), ("alone", False)):
        write_schemas(base / variant / "schemas", authors)
        for language in LANGS:
            package = ["--package", "stepflow-test"] if language == "rust" else []
            r = codegen(language, "schemas/", "-o", f"out/{language}", *package, cwd=base / variant)
            assert r.returncode == 0, r.stderr
            out["stderr"][(variant, language)] = r.stderr
    return out


def test_the_namespace_decision_is_made_once(tmp_path: Path) -> None:
    from stepflow_codegen.analysis.namespaces import author_decls
    from stepflow_codegen.diagnostics import Diagnostics
    from stepflow_codegen.frontend import build_program

    write_schemas(tmp_path / "schemas", True)
    program = build_program([tmp_path / "schemas"], Diagnostics(), cwd=tmp_path)
    authors = author_decls(program)
    files = {a.split("#", 1)[0] for a in authors}
    assert files == {"mine.json", "other.json"}, files
    for name in ("Error", "Component", "ProtocolError", "Kind", "Either", "Out"):
        assert f"mine.json#/$defs/{name}" in authors
    # what the method table reaches is the protocol's, also when an author's type refers to it
    assert any(d.id.startswith("protocol.json#") for d in program.decls)
    assert not any(d.id.startswith("protocol.json#") and d.id in authors for d in program.decls)
    # no components (or no method table): one namespace, as before
    write_schemas(tmp_path / "alone" / "schemas", False)
    alone = build_program([tmp_path / "alone" / "schemas"], Diagnostics(), cwd=tmp_path / "alone")
    assert author_decls(alone) == frozenset()


def _rust_module(text: str) -> tuple[str, list[str]]:
    """A Rust module as (its text outside ``mod check``, the sorted check functions), node numbers
    left out: the module's private check functions are named after the run's validation graph
    (``check::n48``), whose numbering and order the authors' schemas shift; nothing else may differ."""
    text = re.sub(r"(?<![A-Za-z0-9])n\d+\b", "n_", text)
    head, _, checks = text.partition("\nmod check {")
    return head, sorted(checks.split("\n\n"))


@pytest.mark.parametrize("language", LANGS)
def test_the_protocols_modules_are_untouched(generated: dict[str, Any], language: str) -> None:
    base = generated["base"]
    for rel in PROTOCOL_MODULES[language]:
        with_authors = (base / "with" / "out" / language / rel).read_text()
        alone = (base / "alone" / "out" / language / rel).read_text()
        if language == "rust":
            with_authors, alone = _rust_module(with_authors), _rust_module(alone)
        assert with_authors == alone, f"{language} {rel} differs when component schemas are added"
    stderr = generated["stderr"][("with", language)]
    assert "schemas/protocol.json" not in stderr, stderr  # nothing of the protocol renamed
    assert "schemas/mine.json" not in stderr, stderr  # nothing of mine.json renamed either


@pytest.mark.parametrize("language", LANGS)
def test_a_remaining_collision_names_the_authors_file_and_pointer(generated: dict[str, Any], language: str) -> None:
    stderr = generated["stderr"][("with", language)]
    assert "schemas/other.json#/$defs/Component: warning[name-collision]" in stderr, stderr
    assert "'OtherComponent'" in stderr, stderr


def test_python(generated: dict[str, Any]) -> None:
    out = generated["base"] / "with" / "out"
    package = out / "python"
    types = (package / "types.py").read_text()
    authors = (package / "component_types.py").read_text()
    assert '\nComponent: TypeAlias = Annotated[str, _runtime.Named("Component")]' in types
    assert "\nclass Error(msgspec.Struct" in types and "MineError" not in types and "class Out" not in types
    for name in ("Component", "Error", "ProtocolError", "OtherComponent"):
        assert f"\nclass {name}(" in authors, name
    assert "from . import types as _protocol" in authors  # Component and Error are names of both modules
    assert "    path: _protocol.Component | UnsetType = UNSET" in authors
    assert "BlobId," in authors  # a protocol name no author's type has: imported by name
    components = (package / "components.py").read_text()
    assert "from . import component_types as _component_types" in components
    assert "def check(self) -> ComponentFunction[_component_types.Component, Out]:" in components
    usage = out / "usage.py"
    usage.write_text(
        "from python import ProtocolError, ValidationError, decode, encode\n"
        "from python import types as p\n"
        "from python import component_types as mine\n"
        "from python.components import COMPONENTS\n\n"
        "assert set(p.Error.__struct_fields__) == {'code', 'message', 'data'}\n"
        "assert decode(b'\"/x\"', p.Component) == '/x'\n"
        "c = decode(b'{\"name\": \"x\", \"error\": {\"reason\": \"r\"}, \"path\": \"/a\"}', mine.Component)\n"
        "assert isinstance(c.error, mine.Error) and c.error.reason == 'r' and c.path == '/a'\n"
        "o = decode(b'{\"ok\": true, \"problem\": {\"code\": 1, \"x\": 2}, \"either\": {\"code\": 3, \"message\": \"m\"}}', mine.Out)\n"
        "assert isinstance(o.either, p.Error) and o.either.code == 3\n"
        "assert isinstance(o.problem, mine.ProtocolError) and o.problem.additional_properties == {'x': 2}\n"
        "assert encode(o) == b'{\"ok\":true,\"problem\":{\"code\":1,\"x\":2},\"either\":{\"code\":3,\"message\":\"m\"}}'\n"
        "assert isinstance(decode(b'{\"either\": {\"reason\": \"r\"}, \"ok\": false}', mine.Out).either, mine.Error)\n"
        "for bad, pointer in ((b'{\"name\": \"\"}', '/name'), (b'{\"name\": \"x\", \"path\": 3}', '/path'),\n"
        "                     (b'{\"name\": \"x\", \"blob\": 3}', '/blob')):\n"
        "    try:\n"
        "        decode(bad, mine.Component)\n"
        "    except ValidationError as e:\n"
        "        assert e.pointer == pointer, (e.pointer, pointer)\n"
        "    else:\n"
        "        raise AssertionError(bad)\n"
        "assert COMPONENTS[0].input_type is mine.Component and COMPONENTS[0].output_type is mine.Out\n"
        "assert issubclass(ProtocolError, Exception)  # the JSON-RPC helper keeps its name\n"
        "print('ok')\n"
    )
    run = subprocess.run([sys.executable, str(usage)], cwd=out, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout == "ok\n", run.stdout + run.stderr
    mypy = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "python", "usage.py"], cwd=out,
                          capture_output=True, text=True, timeout=600)
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr


def _tsc() -> Path:
    tsc = TS_TOOLS / "node_modules" / ".bin" / "tsc"
    if not tsc.exists():
        done = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=TS_TOOLS, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
    return tsc


def test_typescript(generated: dict[str, Any]) -> None:
    package = generated["base"] / "with" / "out" / "typescript"
    authors = (package / "component_types.ts").read_text()
    assert 'import type * as protocol from "./types.js";' in authors
    assert "export interface Component {" in authors and "  path?: protocol.Component;" in authors
    assert "export interface ProtocolError {" in authors
    assert "export type Either = MineError | protocol.ProtocolError;" in authors  # Error: a JavaScript global
    assert 'export * as component_types from "./component_types.js";' in (package / "index.ts").read_text()
    exports = json.loads((package / "package.json").read_text())["exports"]
    assert exports["./component_types"] == {"types": "./dist/component_types.d.ts", "default": "./dist/component_types.js"}
    (package / "usage.ts").write_text(
        'import { isComponent, type Component, type ProtocolError } from "./index.js";\n'
        'import { component_types as mine } from "./index.js";\n'
        "function check(ok: boolean, what: string): void {\n"
        "  if (!ok) throw new Error(what);\n"
        "}\n"
        'const path: Component = "/x";\n'
        'const error: ProtocolError = { code: 1, message: "m" };\n'
        'const c: mine.Component = { name: "n", error: { reason: "r" }, path };\n'
        "const out: mine.Out = { ok: true, either: error, problem: { code: 2, kind: \"soft\" } };\n"
        'check(isComponent("/x") && !isComponent(3), "protocol Component");\n'
        'check(mine.isComponent(c) && !mine.isComponent({ name: "" }), "author Component");\n'
        'check(mine.isOut(out) && !mine.isOut({ ok: true, either: { code: "x" } }), "Out");\n'
        'check(mine.validateComponent({ name: "x", path: 3 }).length === 1, "across modules");\n'
        'console.log("ok");\n'
    )
    node_modules = package / "node_modules"
    if not node_modules.exists():
        node_modules.symlink_to(TS_TOOLS / "node_modules")
    done = subprocess.run([str(_tsc()), "-p", "tsconfig.json"], cwd=package, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    run = subprocess.run(["node", "dist/usage.js"], cwd=package, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout == "ok\n", run.stdout + run.stderr


def _cargo(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("cargo") is None:
        pytest.fail("cargo is needed for the Rust tests (install a Rust toolchain)")
    env = dict(os.environ, CARGO_TARGET_DIR=str(CARGO_TARGET), CARGO_TERM_COLOR="never")
    env.pop("RUSTFLAGS", None)
    return subprocess.run(["cargo", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=1800)


def test_rust(generated: dict[str, Any]) -> None:
    crate = generated["base"] / "with" / "out" / "rust"
    authors = (crate / "src" / "component_types.rs").read_text()
    assert "use crate::types;" in authors
    assert "pub struct Component {" in authors and "pub path: Option<types::Component>," in authors
    assert "pub struct Error {" in authors and "pub struct ProtocolError {" in authors
    assert "pub mod component_types;" in (crate / "src" / "lib.rs").read_text()
    shutil.copy(ROOT / "examples" / "rust-math" / "Cargo.lock", crate / "Cargo.lock")  # the same dependencies
    (crate / "tests").mkdir()
    (crate / "tests" / "namespaces.rs").write_text(
        "use stepflow_test::component_types as mine;\n"
        "use stepflow_test::{decode, types};\n\n"
        "#[test]\n"
        "fn both_namespaces() {\n"
        '    let path: types::Component = decode("\\"/x\\"").unwrap();\n'
        '    assert_eq!(path, "/x");\n'
        '    let e: types::Error = decode(r#"{"code": 1, "message": "m"}"#).unwrap();\n'
        "    assert_eq!(e.message, \"m\");\n"
        "    let c: mine::Component =\n"
        '        decode(r#"{"name": "x", "error": {"reason": "r"}, "path": "/a"}"#).unwrap();\n'
        '    assert_eq!(c.error.unwrap().reason, "r");\n'
        '    assert_eq!(c.path.as_deref(), Some("/a"));\n'
        '    let o: mine::Out = decode(r#"{"ok": true, "either": {"code": 3, "message": "m"}}"#).unwrap();\n'
        "    assert!(matches!(o.either, Some(mine::Either::Error2(ref e)) if e.code == 3));\n"
        '    let o: mine::Out = decode(r#"{"ok": true, "either": {"reason": "r"}}"#).unwrap();\n'
        "    assert!(matches!(o.either, Some(mine::Either::Error(_))));\n"
        '    assert!(decode::<mine::Component>(r#"{"name": ""}"#).is_err());\n'
        '    assert!(decode::<mine::Component>(r#"{"name": "x", "path": 3}"#).is_err());\n'
        '    assert!(decode::<mine::Component>(r#"{"name": "x", "blob": 3}"#).is_err());\n'
        "}\n"
    )
    test = _cargo(crate, "test", "--quiet")
    assert test.returncode == 0, test.stdout[-4000:] + test.stderr[-6000:]
    clippy = _cargo(crate, "clippy", "--all-targets", "--quiet", "--", "-D", "warnings")
    assert clippy.returncode == 0, clippy.stdout[-4000:] + clippy.stderr[-6000:]
    fmt = _cargo(crate, "fmt", "--check")
    assert fmt.returncode == 0, fmt.stdout[-4000:] + fmt.stderr[-2000:]


SCAFFOLD_NAMES = {"python": "nsdemo", "typescript": "nsdemo-ts", "rust": "nsdemo-rs"}


@pytest.mark.parametrize("language", LANGS)
def test_a_scaffolded_project_using_such_names_passes_its_tests(language: str, tmp_path: Path) -> None:
    """``new`` in each language, its component schema given ``Error``, ``Component`` and
    ``ProtocolError`` (and a property of the protocol's ``Component`` type), ``add-component``,
    then the project's own tests (Python: pytest with mypy --strict and ``check``; TypeScript:
    ``npm ci && npm test``; Rust: ``cargo build && cargo test``, its README's test command)."""
    from test_scaffold import clean_env, readme_commands
    from test_scaffold_ts_rs import passed, run_env

    name = SCAFFOLD_NAMES[language]
    root = tmp_path / name
    r = codegen("new", name, "--language", language, "--dir", str(root), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    schema_file = root / "schemas" / "greet.json"
    schema = json.loads(schema_file.read_text())
    for key in ("Error", "Component", "ProtocolError"):
        schema["$defs"][key] = {"type": "object", "properties": {"detail": {"type": "string"}}, "additionalProperties": False}
    schema["$defs"]["GreetInput"]["properties"].update(
        error={"$ref": "#/$defs/Error"},
        component={"$ref": "#/$defs/Component"},
        problem={"$ref": "#/$defs/ProtocolError"},
        path={"$ref": "stepflow/protocol.json#/$defs/Component"},
    )
    schema_file.write_text(json.dumps(schema, indent=2))
    r = codegen("generate", cwd=root)
    assert r.returncode == 0, r.stderr
    assert "name-collision" not in r.stderr and "protocol.json" not in r.stderr, r.stderr
    r = codegen("add-component", "shout", cwd=root)
    assert r.returncode == 0, r.stderr
    if language == "python":
        generated = root / name / "generated"
        assert "\nclass Error(" in (generated / "component_types.py").read_text()
        assert "\nclass Error(" in (generated / "types.py").read_text()  # the protocol's, untouched
        assert "from .generated.component_types import ShoutInput, ShoutOutput" in (root / name / "impl.py").read_text()
        (root / ".venv").symlink_to(ROOT / ".venv")  # every dev dependency, and this checkout's stepflow-codegen
        t = subprocess.run([str(root / ".venv" / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                           cwd=root, env=clean_env(), capture_output=True, text=True, timeout=900)
        assert t.returncode == 0 and re.search(r"\b[1-9][0-9]* passed", t.stdout) and "failed" not in t.stdout, t.stdout + t.stderr
        return
    if language == "typescript":
        authors = (root / "src" / "generated" / "component_types.ts").read_text()
        assert "export interface Component {" in authors and "export interface ProtocolError {" in authors
        assert "export type Component = string;" in (root / "src" / "generated" / "types.ts").read_text()
        assert 'import type * as T_shout from "./generated/component_types.js";' not in (root / "src" / "impl.ts").read_text()
    else:
        authors = (root / "generated" / "src" / "component_types.rs").read_text()
        assert "pub struct Error {" in authors and "pub struct Component {" in authors
        assert "pub type Component = String;" in (root / "generated" / "src" / "types.rs").read_text()
        assert "use stepflow::component_types::{ShoutInput, ShoutOutput};" in (root / "src" / "components" / "shout.rs").read_text()
        # the dependencies built once for the Rust tests (the same Cargo.lock): only the project compiles
        CARGO_TARGET.mkdir(parents=True, exist_ok=True)
        (root / "target").symlink_to(CARGO_TARGET)
    _, test_cmd = readme_commands(root)
    t = subprocess.run(["bash", "-c", test_cmd], cwd=root, env=run_env(), capture_output=True, text=True, timeout=1800)
    assert passed(language, t), t.stdout[-4000:] + t.stderr[-4000:]


SETTINGS = {  # an author's type with a schema default and an asserted format
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$defs": {
        "Settings": {
            "type": "object",
            "properties": {
                "retries": {"type": "integer", "minimum": 0, "default": 3},
                "when": {"type": "string", "format": "date"},
                "error": {"$ref": "#/$defs/Error"},
            },
            "additionalProperties": False,
        },
        "Error": {"type": "object", "properties": {"reason": {"type": "string", "default": "none"}}},
    },
}


def test_authors_module_with_defaults_applied_and_formats_asserted(tmp_path: Path) -> None:
    """``--defaults apply --formats assert``: the authors' module fills in their defaults and checks
    their formats (Python imported and type-checked, TypeScript compiled and run, Rust built)."""
    schemas = tmp_path / "schemas"
    write_schemas(schemas, authors=False)
    (schemas / "settings.json").write_text(json.dumps(SETTINGS))
    (schemas / "components.json").write_text(json.dumps({
        "$schema": "urn:stepflow-codegen:components:v1",
        "components": [{"name": "configure", "input": {"$ref": "settings.json#/$defs/Settings"},
                        "output": {"$ref": "settings.json#/$defs/Settings"}}],
    }))
    for language in LANGS:
        package = ["--package", "stepflow-test"] if language == "rust" else []
        r = codegen(language, "schemas/", "-o", f"out/{language}", "--defaults", "apply", "--formats", "assert", *package,
                    cwd=tmp_path)
        assert r.returncode == 0, r.stderr
    out = tmp_path / "out"
    # Python
    (out / "usage.py").write_text(
        "from python import ValidationError, decode\n"
        "from python import component_types as mine\n\n"
        "s = decode(b'{\"error\": {}}', mine.Settings)\n"
        "assert s.retries == 3 and isinstance(s.error, mine.Error) and s.error.reason == 'none', s\n"
        "try:\n"
        "    decode(b'{\"when\": \"2024-02-30\"}', mine.Settings)\n"
        "except ValidationError as e:\n"
        "    assert e.pointer == '/when' and e.keyword == 'format', (e.pointer, e.keyword)\n"
        "else:\n"
        "    raise AssertionError('format not asserted')\n"
        "print('ok')\n"
    )
    run = subprocess.run([sys.executable, "usage.py"], cwd=out, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout == "ok\n", run.stdout + run.stderr
    mypy = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "python", "usage.py"], cwd=out,
                          capture_output=True, text=True, timeout=600)
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr
    # TypeScript
    ts = out / "typescript"
    authors = (ts / "component_types.ts").read_text()
    assert 'import * as dft from "./defaults.js";' in authors and 'import { checkFormat } from "./formats.js";' in authors
    (ts / "usage.ts").write_text(
        'import { component_types as mine } from "./index.js";\n'
        "function check(ok: boolean, what: string): void {\n"
        "  if (!ok) throw new Error(what);\n"
        "}\n"
        "const s: mine.Settings = mine.parseSettings(JSON.parse('{\"error\": {}}'));\n"
        'check(s.retries === 3 && s.error?.reason === "none", "defaults filled in");\n'
        'check(!mine.isSettings({ when: "2024-02-30" }) && mine.isSettings({ when: "2024-02-29" }), "format");\n'
        'check(JSON.stringify(mine.withoutDefaultsSettings(s)) === \'{"error":{}}\', "defaults not written back");\n'
        'console.log("ok");\n'
    )
    (ts / "node_modules").symlink_to(TS_TOOLS / "node_modules")
    done = subprocess.run([str(_tsc()), "-p", "tsconfig.json"], cwd=ts, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    run = subprocess.run(["node", "dist/usage.js"], cwd=ts, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout == "ok\n", run.stdout + run.stderr
    # Rust: the authors' module (defaults, the format check) builds with the protocol's
    crate = out / "rust"
    assert "fn default_" in (crate / "src" / "component_types.rs").read_text()
    assert "pub fn format_date(" in (crate / "src" / "runtime.rs").read_text()
    build = _cargo(crate, "build", "--quiet")
    assert build.returncode == 0, build.stdout + build.stderr
