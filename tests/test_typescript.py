"""The TypeScript target: committed output, tsc, prettier, and Node tests of the generated validators.

* ``generated/typescript`` is what ``stepflow-codegen typescript schemas/ -o generated/typescript``
  renders, byte for byte;
* it, ``tests/ts/usage.ts`` (a client and a server written without casts) and every golden
  fixture (rendered into a scratch project) pass ``tsc`` with ``--strict`` and the stricter flags of
  ``tests/ts/tsconfig.json``, and ``prettier --check``;
* compiled to JavaScript, they run under ``node --test`` (``tests/ts/*.test.mjs``): every JSON-RPC
  message of the real 0.9 capture decodes and validates (params/result by method, responses
  correlated by id), bad messages are rejected with the right code, and the validators agree with
  the Python ``jsonschema`` library on the instance tables of ``tests/test_python_features.py``
  and ``tests/test_canonical_schemas.py``.

Node packages (TypeScript 5.9, prettier) come from ``tests/ts/package-lock.json``: ``npm ci`` runs
by itself when ``tests/ts/node_modules`` is missing.  Generation itself never needs Node.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES, REPO, golden_names, read_tree

TS = REPO / "tests" / "ts"
GENERATED = REPO / "generated" / "typescript"
SHARED = REPO.parent / "shared"
CAPTURE = SHARED / "interop" / "0.9" / "capture.jsonl"
COMMAND = "stepflow-codegen typescript schemas/ -o generated/typescript"

# Known differences from jsonschema, by (fixture, case label, instance as JSON): each must still
# differ (a fixed gap fails the Node test, like a strict xfail).
TS_GAPS: dict[tuple[str, str, str], str] = {}


# --------------------------------------------------------------------------- rendering


def render_schemas(inputs: list[Path], command: str) -> tuple[dict[str, str], str]:
    from stepflow_codegen.diagnostics import Diagnostics
    from stepflow_codegen.frontend import build_program
    from stepflow_codegen.targets.typescript.render import TsOptions, render_typescript

    diags = Diagnostics()
    program = build_program(inputs, diags, cwd=REPO)
    files = render_typescript(program, TsOptions("typescript", command), diags)
    return files, "".join(d.render() + "\n" for d in diags.sorted())


def render_fixture(name: str) -> tuple[dict[str, str], str]:
    return render_schemas(
        [FIXTURES / name], f"stepflow-codegen typescript tests/fixtures/schemas/{name}/ -o {name}"
    )


# A protocol with awkward method names (inherited object properties) and no notifications or error
# codes; rendered as it is, and with inline (unnamed) params and results built in the IR directly.
EDGE_SCHEMAS = {
    "edge.json": {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": {
            "Thing": {
                "type": "object",
                "properties": {"n": {"type": "integer"}},
                "required": ["n"],
                "additionalProperties": False,
            },
            "Things": {"type": "array", "items": {"$ref": "#/$defs/Thing"}},
            "Count": {"type": "integer", "minimum": 0},
            "Flags": {"type": "object", "additionalProperties": {"type": "boolean"}},
        },
    },
    "methods.json": {
        "$schema": "urn:stepflow-codegen:method-table:v1",
        "name": "Edge */ protocol",
        "roles": {"client": "a", "server": "b"},
        "requests": [
            {"method": "__proto__", "messageDirection": "both", "params": {"$ref": "edge.json#/$defs/Flags"},
             "result": {"$ref": "edge.json#/$defs/Things"}},
            {"method": "constructor", "messageDirection": "clientToServer", "params": {"$ref": "edge.json#/$defs/Thing"},
             "result": {"$ref": "edge.json#/$defs/Count"}},
            {"method": "ns/toString", "messageDirection": "serverToClient", "params": {"$ref": "edge.json#/$defs/Flags"},
             "result": {"$ref": "edge.json#/$defs/Thing"}},
        ],
        "notifications": [],
    },
}


def render_edge(root: Path, inline: bool) -> dict[str, str]:
    from dataclasses import replace

    from stepflow_codegen.diagnostics import Diagnostics
    from stepflow_codegen.frontend import build_program
    from stepflow_codegen.ir import model as ir
    from stepflow_codegen.targets.typescript.render import TsOptions, render_typescript

    src = root / "edge-schemas"
    src.mkdir(parents=True, exist_ok=True)
    for name, doc in EDGE_SCHEMAS.items():
        (src / name).write_text(json.dumps(doc), encoding="utf-8")
    diags = Diagnostics()
    program = build_program([src], diags, cwd=root)
    if inline:
        assert program.protocol is not None
        thing = ir.RefType("edge.json#/$defs/Thing")
        methods = list(program.protocol.methods)
        methods[0] = replace(methods[0], params=ir.MapType(ir.BoolType()), result=ir.ArrayType(thing))
        methods[1] = replace(methods[1], result=ir.IntType(ir.Constraints(minimum=0)))
        program = replace(program, protocol=replace(program.protocol, methods=tuple(methods)))
    return render_typescript(program, TsOptions("edge", "stepflow-codegen typescript edge-schemas/ -o edge"), diags)


def write(root: Path, files: dict[str, str]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        (root / rel).write_text(text, encoding="utf-8", newline="\n")


# --------------------------------------------------------------------------- node tooling


def _node_tools() -> Path:
    """``tests/ts/node_modules/.bin``, installing the locked packages first if needed."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("Node.js (node and npm) is needed for the TypeScript tests; install Node 18 or later")
    bin_dir = TS / "node_modules" / ".bin"
    if not (bin_dir / "tsc").exists() or not (bin_dir / "prettier").exists():
        proc = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=TS,
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, f"npm ci in tests/ts failed:\n{proc.stdout}\n{proc.stderr}"
    return bin_dir


@pytest.fixture(scope="session")
def node_bin() -> Path:
    return _node_tools()


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env={**os.environ, **(env or {})})


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch ES-module project: generated/typescript, tests/ts/usage.ts (same relative paths
    as in the repository) and fixtures/<name> (each golden fixture rendered)."""
    root = tmp_path_factory.mktemp("ts")
    (root / "package.json").write_text('{"type": "module"}\n', encoding="utf-8")
    write(root / "generated" / "typescript", read_tree(GENERATED))
    write(root / "tests" / "ts", {"usage.ts": (TS / "usage.ts").read_text(encoding="utf-8")})
    for name in golden_names():
        files, _ = render_fixture(name)
        write(root / "fixtures" / name, files)
    write(root / "fixtures" / "edge", render_edge(root, inline=False))
    write(root / "fixtures" / "inline", render_edge(root, inline=True))
    config = json.loads((TS / "tsconfig.json").read_text(encoding="utf-8"))
    config.pop("//", None)
    config["include"] = ["generated/typescript/*.ts", "tests/ts/usage.ts", "fixtures/*/*.ts"]
    (root / "tsconfig.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def compiled(project: Path, node_bin: Path) -> Path:
    """The scratch project type-checked and compiled to JavaScript (in ``out/``)."""
    proc = run([str(node_bin / "tsc"), "-p", "tsconfig.json"], project)
    assert proc.returncode == 0, "tsc failed:\n" + proc.stdout + proc.stderr
    return project / "out"


# --------------------------------------------------------------------------- the tests


def test_committed_output_is_current() -> None:
    files, _ = render_schemas([REPO / "schemas"], COMMAND)
    current = read_tree(GENERATED)
    assert current == files, f"generated/typescript is stale; regenerate with:\n    .venv/bin/{COMMAND}"
    assert set(files) == {"index.ts", "methods.ts", "runtime.ts", "types.ts", "validators.ts", "package.json", "tsconfig.json"}
    for name, text in files.items():
        if name.endswith(".json"):  # JSON has no comments: the header is the "//" key
            assert json.loads(text)["//"] == f"generated by stepflow-codegen, do not edit. regenerate with: {COMMAND}"
        else:
            assert text.startswith(f"// generated by stepflow-codegen, do not edit.\n// regenerate with: {COMMAND}\n")


def test_generation_is_deterministic_and_fast() -> None:
    start = time.perf_counter()
    first = render_schemas([REPO / "schemas"], COMMAND)
    elapsed = time.perf_counter() - start
    assert render_schemas([REPO / "schemas"], COMMAND) == first
    assert elapsed < 5, f"rendering schemas/ took {elapsed:.1f}s"
    for name in golden_names():
        assert render_fixture(name) == render_fixture(name)


def test_render_is_independent_of_hash_seed(tmp_path: Path) -> None:
    script = (
        "import sys, json; sys.path.insert(0, 'tests'); import test_typescript as t\n"
        "out = {n: t.render_fixture(n)[0] for n in t.golden_names()}\n"
        "out['schemas'] = t.render_schemas([t.REPO / 'schemas'], t.COMMAND)[0]\n"
        "print(json.dumps(out, sort_keys=True))\n"
    )
    outputs = [
        run([sys.executable, "-c", script], REPO, {"PYTHONHASHSEED": seed}).stdout for seed in ("0", "1")
    ]
    assert outputs[0] and outputs[0] == outputs[1]


def test_tsc_strict_passes(compiled: Path) -> None:
    """Every generated file, every fixture and usage.ts compile (the fixture did the work)."""
    assert (compiled / "generated" / "typescript" / "methods.js").is_file()
    for name in golden_names():
        assert (compiled / "fixtures" / name / "validators.js").is_file()


def test_ts_expect_error_lines_really_fail(project: Path, node_bin: Path) -> None:
    """Without its @ts-expect-error comments, usage.ts does not compile: one error per marker (the
    types reject those lines), and the file has no cast."""
    usage = (TS / "usage.ts").read_text(encoding="utf-8")
    lines = usage.splitlines()
    markers = [line for line in lines if line.strip().startswith("// @ts-expect-error")]
    assert len(markers) >= 4
    code = [line for line in lines if not line.strip().startswith(("//", "*", "/**"))]
    casts = [line for line in code if re.search(r"\bas\s+(?!const\b)[A-Za-z{(\[]", line) or re.search(r"\bany\b|!\.", line)]
    assert not casts, f"usage.ts must not cast: {casts}"
    stripped = "\n".join(line for line in lines if line not in markers)
    (project / "tests" / "ts" / "usage_stripped.ts").write_text(stripped, encoding="utf-8")
    (project / "tsconfig.stripped.json").write_text(
        json.dumps({"extends": "./tsconfig.json", "include": ["tests/ts/usage_stripped.ts"], "compilerOptions": {"noEmit": True}}),
        encoding="utf-8",
    )
    try:
        proc = run([str(node_bin / "tsc"), "-p", "tsconfig.stripped.json"], project)
    finally:
        (project / "tests" / "ts" / "usage_stripped.ts").unlink()
    errors = [line for line in proc.stdout.splitlines() if line.startswith("tests/ts/usage_stripped.ts(")]
    assert len(errors) == len(markers), proc.stdout


def test_prettier_check(project: Path, node_bin: Path) -> None:
    targets = [str(GENERATED), str(TS / "usage.ts"), str(project / "fixtures")]
    proc = run([str(node_bin / "prettier"), "--check", "--no-config", "--no-editorconfig", *targets], REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _feature_cases() -> list[dict[str, Any]]:
    import test_python_features as features

    names = {}
    for name in golden_names():
        from stepflow_codegen.diagnostics import Diagnostics
        from stepflow_codegen.frontend import build_program
        from stepflow_codegen.targets.typescript.types import TsNames

        program = build_program([FIXTURES / name], Diagnostics(), cwd=REPO)
        names[name] = TsNames(list(program.decls), Diagnostics()).of
    out = []
    for case in features.CASES:
        ts_type = names[case.fixture][f"{case.file}#{case.pointer}"]
        oracle = features.validator(case.fixture, case.file, case.pointer)
        for group, instances in (("valid", case.valid), ("invalid", case.invalid), ("lenient", case.lenient), ("strict", case.strict)):
            for i, instance in enumerate(instances):
                key = (case.fixture, case.label or case.type, json.dumps(instance))
                out.append(
                    {
                        "fixture": case.fixture,
                        "type": ts_type,
                        "label": f"{case.id}-{group}{i}",
                        "instance": instance,
                        "valid": oracle.is_valid(instance),
                        "gap": TS_GAPS.get(key),
                    }
                )
    return out


def _canonical_messages() -> list[dict[str, Any]]:
    import test_canonical_schemas as canonical

    out = []
    for name, (msg, method) in canonical.BASES.items():
        out.append({"name": name, "message": msg, "method": method, "valid": not canonical.check_message(msg, method)})
    for name, base, ops in canonical.INVALID:
        msg = canonical.apply(base, ops)
        method = canonical.BASES[base][1]
        out.append({"name": name, "message": msg, "method": method, "valid": not canonical.check_message(msg, method)})
    return out


def test_node(compiled: Path, node_bin: Path, tmp_path: Path) -> None:
    if not CAPTURE.is_file():
        pytest.fail(f"the real 0.9 capture is missing: {CAPTURE} (the tests expect shared/ beside the repository)")
    cases = tmp_path / "cases.json"
    cases.write_text(json.dumps(_feature_cases()), encoding="utf-8")
    assert all(c["gap"] is None or not c["valid"] for c in json.loads(cases.read_text()))
    assert sum(1 for c in json.loads(cases.read_text()) if c["gap"]) == len(TS_GAPS)
    messages = tmp_path / "messages.json"
    messages.write_text(json.dumps(_canonical_messages()), encoding="utf-8")
    proc = run(
        ["node", "--test", *[str(TS / f) for f in ("capture.test.mjs", "cases.test.mjs", "edge.test.mjs")]],
        REPO,
        {
            "STEPFLOW_TS_OUT": str(compiled.resolve()),
            "STEPFLOW_CAPTURE": str(CAPTURE),
            "STEPFLOW_TS_CASES": str(cases),
            "STEPFLOW_TS_MESSAGES": str(messages),
        },
    )
    assert proc.returncode == 0, proc.stdout[-20000:] + proc.stderr[-5000:]
    assert "# fail 0" in proc.stdout and "# pass " in proc.stdout, proc.stdout


# --------------------------------------------------------------------------- naming and escaping


def test_naming_policy_and_renames_are_reported() -> None:
    files, diags = render_fixture("collisions")
    types = files["types.ts"]
    for name in ("FooBar", "FooBar_2", "CollisionsFooBar", "Class", "Any", "List", "None", "Decode"):
        assert f"export interface {name} " in types or f"export type {name} " in types, name
    assert "'FooBar' is already used by FooBar" in diags
    schema_files, schema_diags = render_schemas([REPO / "schemas"], COMMAND)
    assert "export interface ProtocolError {" in schema_files["types.ts"]
    assert "TypeScript type 'Error' is named 'ProtocolError' ('Error' is reserved)" in schema_diags
    features, feature_diags = render_fixture("features")
    assert "export type FeaturesJsonValue = JsonValue;" in features["types.ts"]
    assert "'JsonValue' is reserved" in feature_diags


def test_hostile_text_stays_in_strings_and_comments() -> None:
    from stepflow_codegen.targets.typescript.escape import ts_doc, ts_key, ts_string

    files, _ = render_fixture("collisions")
    types = files["types.ts"]
    # a property name with a quote and a line break is a quoted key; titles never become code
    assert "'x\"\\ny'?: number;" in types
    assert "os.system" not in "".join(line for line in types.splitlines() if not line.lstrip().startswith(("*", "/**", "//")))
    for text in ("*/ evil()", "a */ b", "**/", "*/"):
        doc = ts_doc(text)
        assert doc.startswith("/**") and doc.endswith("*/") and "*/" not in doc[3:-2], doc
    assert ts_string("\u2028\u2029\x00\ud800") == '"\\u2028\\u2029\\x00\\ud800"'
    assert ts_string('a"b') == "'a\"b'" and ts_string("a'b") == '"a\'b"'
    assert ts_key("naïve") == "naïve" and ts_key("2fa") == '"2fa"' and ts_key("$type") == "$type"
    assert ts_key("__proto__") == "__proto__"


@pytest.mark.parametrize("value", ["", "plain", "quo\"te", "it's", "back\\slash", "\n\r\t\b\f\v", "\x00\x1f\x7f", "\u2028", "é😀", "\ud83d", "${x}", "`"])
def test_ts_string_round_trips_through_json(value: str) -> None:
    """A TypeScript string literal of ours, read as JavaScript, is the same string (checked with json)."""
    from stepflow_codegen.targets.typescript.escape import ts_string

    literal = ts_string(value)
    quote = literal[0]
    body = literal[1:-1]
    if quote == "'":
        body = body.replace("\\'", "'").replace('"', '\\"')
    body = body.replace("\\v", "\\u000b").replace("\\x", "\\u00")
    body = body.replace("\\u{", "\\U{")
    assert "\\U{" not in body
    assert json.loads('"' + body + '"') == value
