"""``--defaults apply`` in the TypeScript target: generated, compiled with ``tsc --strict`` (and the
stricter flags of ``tests/ts/tsconfig.json``), checked by ``prettier --check``, and run with Node.

The fixture has defaults of every JSON kind (string, integer, number ``-0.0``, boolean, null, array,
object with a ``__proto__`` key), a hostile string, nested objects, array items, a union told apart
after validation, and two defaults that cannot be applied (one of the wrong type, one the schema
rejects). Node checks: absent -> default, present kept, invalid still rejected (a default never
changes validity), two decodes share no object, the caller's value is not modified; ``tsc`` checks
that the decoded type has the defaulted properties non-optional and the input type optional.
The shared decision (which defaults are usable) is also checked against the Python target.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from test_typescript import REPO, TS, _node_tools, run, write

HOSTILE = "*/ \"; throw new Error('x'); // \u2028 ${x} `</script>\\ \u0000"

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Settings",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "default": "anon"},
        "hostile": {"type": "string", "default": HOSTILE},
        "retries": {"type": "integer", "minimum": 0, "default": 3},
        "scale": {"type": "number", "default": -0.0},
        "verbose": {"type": "boolean", "default": True},
        "parent": {"type": ["string", "null"], "default": None},
        "tags": {"type": "array", "items": {"type": "string"}, "default": ["a", "b"]},
        "env": {"type": "object", "additionalProperties": {"type": "string"}, "default": {"__proto__": "p", "k": "v"}},
        "origin": {"$ref": "#/$defs/Point", "default": {"x": 1}},
        "inner": {"$ref": "#/$defs/Inner"},
        "items": {"type": "array", "items": {"$ref": "#/$defs/Inner"}},
        "shape": {"oneOf": [{"$ref": "#/$defs/Circle"}, {"$ref": "#/$defs/Square"}]},
        "bad_type": {"type": "integer", "default": "three"},
        "bad_schema": {"type": "integer", "minimum": 10, "default": 1},
        "level": {"enum": ["debug", "info"], "default": "info"},
        "count": {"type": "integer"},
    },
    "$defs": {
        "Point": {
            "type": "object",
            "properties": {"x": {"type": "number"}, "y": {"type": "number", "default": 0}},
            "required": ["x"],
        },
        "Inner": {
            "type": "object",
            "properties": {"depth": {"type": "integer", "default": 1}, "point": {"$ref": "#/$defs/Point"}},
        },
        "Circle": {
            "type": "object",
            "properties": {"kind": {"const": "circle"}, "radius": {"type": "number", "default": 1}},
            "required": ["kind"],
            "additionalProperties": False,
        },
        "Square": {
            "type": "object",
            "properties": {"kind": {"const": "square"}, "side": {"type": "number", "default": 2}},
            "required": ["kind"],
            "additionalProperties": False,
        },
    },
}

# typed use: compiles only if the decoded type has the defaulted properties and the input type not
USAGE = """\
import {
  parseSettings,
  withDefaultsSettings,
  withoutDefaultsSettings,
  isSettings,
  ValidationError,
  type Settings,
  type SettingsInput,
  type Point,
} from "./gen/index.js";

const written: SettingsInput = { count: 1 };
if (isSettings(written)) {
  const settings: Settings = withDefaultsSettings(written);
  const n: number = settings.retries + settings.tags.length + settings.origin.y;
  const s: string = settings.name + settings.hostile + settings.level;
  const b: boolean = settings.verbose;
  const p: string | null = settings.parent;
  // a decoded value is also a value to write
  const back: SettingsInput = withoutDefaultsSettings(settings);
  void [n, s, b, p, back];
}
// @ts-expect-error a decoded Settings always holds its defaulted properties
const notDecoded: Settings = { count: 1 };
// @ts-expect-error a Point needs its y once decoded
const point: Point = { x: 1 };
// bad_type's default does not fit: it stays optional
const maybe: number | undefined = parseSettings({}).bad_type;
void [notDecoded, point, maybe, ValidationError];
"""

RUNNER = r"""
import * as g from "./gen/index.js";
const out = {};
const d = g.parseSettings({});
out.absent = d;
out.negativeZero = Object.is(d.scale, -0);
out.envProto = Object.getPrototypeOf(d.env) === Object.prototype && Object.keys(d.env);
out.hostile = d.hostile;
const present = { name: "bob", retries: 0, scale: 0, verbose: false, parent: "p", tags: [], env: {}, origin: { x: 5, y: 6 },
  level: "debug", count: 2 };
out.present = g.parseSettings(present);
const nested = { inner: { point: { x: 2 } }, items: [{}, { depth: 7 }], shape: { kind: "square" } };
const before = JSON.stringify(nested);
out.nested = g.parseSettings(nested);
out.callerUntouched = JSON.stringify(nested) === before;
out.circle = g.parseSettings({ shape: { kind: "circle" } }).shape;
const a = g.parseSettings({}), b = g.parseSettings({});
out.fresh = a.tags !== b.tags && a.env !== b.env && a.origin !== b.origin;
a.tags.push("z"); a.origin.x = 99;
out.afterMutation = [b.tags, b.origin, g.parseSettings({}).tags];
const rejected = [];
for (const bad of [{ retries: -1 }, { tags: [1] }, { shape: { kind: "circle", side: 1 } }, { bad_schema: 1 }, { zz: 1 }, []]) {
  try { g.parseSettings(bad); rejected.push(null); }
  catch (e) { rejected.push([e instanceof g.ValidationError, e.problems.length > 0, g.isSettings(bad)]); }
}
out.rejected = rejected;
out.validUnchanged = [g.isSettings({}), g.validateSettings({}).length];
out.withDefaults = g.withDefaultsPoint({ x: 1 });
out.noDefaultsType = g.parseSettingsLevel("info");
out.stripAbsent = g.withoutDefaultsSettings(g.parseSettings({}));
out.stripPresent = g.withoutDefaultsSettings(g.parseSettings(present));
const written = JSON.parse('{"scale":-0.0,"retries":3,"tags":["a","b"],"origin":{"x":1},"hostile":' + JSON.stringify(d.hostile) +
  ',"inner":{"depth":1,"point":{"x":2,"y":0}},"shape":{"kind":"square","side":2},"items":[{"depth":1},{"depth":2}]}');
const writtenBefore = JSON.stringify(written);
out.stripEqual = g.withoutDefaultsSettings(written);
out.stripUntouched = JSON.stringify(written) === writtenBefore;
out.stripZero = g.withoutDefaultsSettings({ scale: 0 });
// decode(encode(x)) == x, as the Python target's round trip (JSON equality: -0 is not 0, key order aside)
const eq = (a, b) => typeof a === "number" ? Object.is(a, b)
  : Array.isArray(a) ? Array.isArray(b) && a.length === b.length && a.every((x, i) => eq(x, b[i]))
  : a !== null && typeof a === "object" ? b !== null && typeof b === "object" && !Array.isArray(b)
    && Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((k) => Object.hasOwn(b, k) && eq(a[k], b[k]))
  : a === b;
const roundTrips = [];
for (const v of [{}, present, nested, written, { shape: { kind: "circle", radius: 1 } }, { env: { __proto__: "p", k: "v" } }]) {
  const value = g.parseSettings(v);
  const again = g.parseSettings(JSON.parse(JSON.stringify(g.withoutDefaultsSettings(value))));
  roundTrips.push(eq(again, value));
}
out.roundTrips = roundTrips;
console.log(JSON.stringify(out));
"""


def _render(root: Path, schemas: dict[str, Any] | None = None) -> str:
    """``schemas`` (file name -> JSON; the Settings fixture by default) written to ``root/schemas``
    and rendered with ``--defaults apply`` to ``root/gen``; the diagnostics as text."""
    from stepflow_codegen.diagnostics import Diagnostics
    from stepflow_codegen.frontend import build_program
    from stepflow_codegen.targets.typescript.render import TsOptions, render_typescript

    directory = root / "schemas"
    directory.mkdir(parents=True, exist_ok=True)
    for name, doc in (schemas or {"settings.json": SCHEMA}).items():
        (directory / name).write_text(json.dumps(doc), encoding="utf-8")
    diags = Diagnostics()
    program = build_program([directory], diags, cwd=root)
    files = render_typescript(program, TsOptions("gen", "stepflow-codegen typescript schemas/ -o gen --defaults apply", defaults="apply"), diags)
    write(root / "gen", files)
    return "".join(d.render() + "\n" for d in diags.sorted())


def _project(root: Path, include: list[str]) -> None:
    """``root`` as an ES-module project compiled with the strict flags of ``tests/ts/tsconfig.json``."""
    (root / "package.json").write_text('{"type": "module"}\n', encoding="utf-8")
    config = json.loads((TS / "tsconfig.json").read_text(encoding="utf-8"))
    config.pop("//", None)
    config["include"] = include
    (root / "tsconfig.json").write_text(json.dumps(config, indent=2), encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("tsdefaults")
    diagnostics = _render(root)
    (root / "usage.ts").write_text(USAGE, encoding="utf-8")
    _project(root, ["gen/*.ts", "usage.ts"])
    return root, diagnostics


def test_unusable_defaults_are_reported_with_file_and_pointer(built: tuple[Path, str]) -> None:
    _, diagnostics = built
    lines = [line for line in diagnostics.splitlines() if "default-not-applied" in line]
    assert len(lines) == 2, diagnostics
    assert lines[0].startswith("schemas/settings.json#/properties/bad_schema: warning") and "(minimum)" in lines[0]
    assert lines[1].startswith("schemas/settings.json#/properties/bad_type: warning") and "does not fit" in lines[1]
    assert "defaults-ignored" not in diagnostics


def _compile_and_run(root: Path, formatted: str, runner: str, *args: str) -> str:
    """``tsc -p`` in ``root`` (strict), ``prettier --check formatted``, then ``runner`` run by Node
    in ``root/out`` with ``args``: its standard output."""
    tools = _node_tools()
    proc = run([str(tools / "tsc"), "-p", "tsconfig.json"], root)
    assert proc.returncode == 0, "tsc failed:\n" + proc.stdout + proc.stderr
    proc = run([str(tools / "prettier"), "--check", formatted], root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (root / "out" / "runner.mjs").write_text(runner, encoding="utf-8")
    p = subprocess.run(["node", "runner.mjs", *args], cwd=root / "out", capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_tsc_strict_prettier_and_node(built: tuple[Path, str]) -> None:
    root, _ = built
    out = json.loads(_compile_and_run(root, "gen/", RUNNER))
    absent = out["absent"]
    assert absent == {
        "name": "anon",
        "hostile": HOSTILE,
        "retries": 3,
        "scale": 0,
        "verbose": True,
        "parent": None,
        "tags": ["a", "b"],
        "env": {"__proto__": "p", "k": "v"},
        "origin": {"x": 1, "y": 0},
        "level": "info",
    }
    assert out["negativeZero"] is True
    assert out["envProto"] == ["__proto__", "k"]
    assert out["hostile"] == HOSTILE
    present = out["present"]
    assert present["name"] == "bob" and present["retries"] == 0 and present["verbose"] is False
    assert present["parent"] == "p" and present["tags"] == [] and present["env"] == {} and present["level"] == "debug"
    assert present["origin"] == {"x": 5, "y": 6} and present["count"] == 2 and present["hostile"] == HOSTILE
    nested = out["nested"]
    assert nested["inner"] == {"depth": 1, "point": {"x": 2, "y": 0}}
    assert nested["items"] == [{"depth": 1}, {"depth": 7}]
    assert nested["shape"] == {"kind": "square", "side": 2}
    assert out["circle"] == {"kind": "circle", "radius": 1}
    assert out["callerUntouched"] is True
    assert out["fresh"] is True
    assert out["afterMutation"] == [["a", "b"], {"x": 1, "y": 0}, ["a", "b"]]
    assert out["rejected"] == [[True, True, False]] * 6
    assert out["validUnchanged"] == [True, 0]
    assert out["withDefaults"] == {"x": 1, "y": 0}
    assert out["noDefaultsType"] == "info"
    # the way back: properties equal to their default (type included) are not written
    assert out["stripAbsent"] == {}
    assert out["stripPresent"] == {k: v for k, v in out["present"].items() if k != "hostile"}  # as it was given
    assert out["stripEqual"] == {"inner": {"point": {"x": 2}}, "shape": {"kind": "square"}, "items": [{}, {"depth": 2}]}
    assert out["stripUntouched"] is True
    assert out["stripZero"] == {"scale": 0}  # 0 is not the default -0.0
    assert out["roundTrips"] == [True] * 6


def test_python_makes_the_same_decision(tmp_path: Path) -> None:
    """The shared decision: the Python target skips exactly the defaults TypeScript skips."""
    from stepflow_codegen.diagnostics import Diagnostics
    from stepflow_codegen.frontend import build_program
    from stepflow_codegen.targets.python.render import PythonOptions, render_python

    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "settings.json").write_text(json.dumps(SCHEMA), encoding="utf-8")
    diags = Diagnostics()
    program = build_program([schemas], diags, cwd=tmp_path)
    render_python(program, PythonOptions("gen", "x", "apply"), diags)
    skipped = sorted(d.pointer for d in diags.sorted() if d.code == "default-not-applied" and ("fit" in d.message or "rejects" in d.message))
    assert skipped == ["/properties/bad_schema", "/properties/bad_type"]


SERVER_RUNNER = r"""
import { createServer } from "./gen/components.js";
const seen = [];
// every component answers with the input it was given
const impl = new Proxy({}, { get: (_, name) => (typeof name === "string" ? (input) => { seen.push(input); return {}; } : undefined) });
const server = createServer(impl);
const entry = server.components.get("process_data") ?? server.components.get("/process_data");
const raw = { data: { a: "x" } };
const out = {};
out.valid = entry.spec.isInput(raw);
await entry.spec.execute(raw, null);
out.received = seen[0];
out.rawUntouched = JSON.stringify(raw) === '{"data":{"a":"x"}}';
await entry.spec.execute({ data: {}, include_metadata: false }, null);
out.present = seen[1];
console.log(JSON.stringify(out));
"""


def test_component_server_hands_the_implementation_its_defaults(tmp_path: Path) -> None:
    """With ``--defaults apply`` a component's implementation is typed by the decoded input and
    receives it with the defaults filled in (compiled against @types/node, then run)."""
    from test_ts_server import ROOT, TOOLS, ensure_tools

    manifest = ROOT / "examples" / "seed-components" / "schemas" / "components.json"
    cmd = ["-m", "stepflow_codegen", "typescript", "schemas/", str(manifest), "-o", str(tmp_path / "gen"), "-q", "--defaults", "apply"]
    done = subprocess.run([sys.executable, *cmd], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    tsc = ensure_tools()
    (tmp_path / "package.json").write_text('{"type": "module"}\n')
    (tmp_path / "node_modules").symlink_to(TOOLS / "node_modules")
    options = json.loads((TS / "tsconfig.json").read_text())["compilerOptions"]
    options.update(types=["node"])
    (tmp_path / "tsconfig.json").write_text(json.dumps({"compilerOptions": options, "include": ["gen/*.ts"]}))
    done = subprocess.run([str(tsc), "-p", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    # the components' types are their authors': component_types.ts, the C namespace of components.ts
    types = (tmp_path / "gen" / "component_types.ts").read_text()
    components = (tmp_path / "gen" / "components.ts").read_text()
    assert "  include_metadata: boolean;" in types and "  include_metadata?: boolean;" in types
    assert "C.withDefaultsProcessDataInput(input)" in components
    # an output is the decoded type: its defaults are always written (a flow applies none)
    assert "export interface RetrieveCacheOutput {" in types and "  is_expired: boolean;" in types
    assert "=> C.RetrieveCacheOutput | Promise<C.RetrieveCacheOutput>;" in components
    (tmp_path / "out" / "runner.mjs").write_text(SERVER_RUNNER)
    p = subprocess.run(["node", "runner.mjs"], cwd=tmp_path / "out", capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out == {
        "valid": True,
        "received": {"data": {"a": "x"}, "processing_rules": None, "include_metadata": True},
        "rawUntouched": True,
        "present": {"data": {}, "include_metadata": False, "processing_rules": None},
    }


def test_every_fixture_compiles_and_is_prettier_stable_in_apply_mode(tmp_path: Path) -> None:
    """The golden fixtures and schemas/ rendered with ``--defaults apply``: one tsc run, prettier."""
    from conftest import FIXTURES, REPO, golden_names
    from stepflow_codegen.diagnostics import Diagnostics
    from stepflow_codegen.frontend import build_program
    from stepflow_codegen.targets.typescript.render import TsOptions, render_typescript

    inputs = {name: [FIXTURES / name] for name in golden_names()} | {"protocol": [REPO / "schemas"]}
    applied = 0
    for name, paths in inputs.items():
        diags = Diagnostics()
        program = build_program(paths, diags, cwd=REPO)
        files = render_typescript(program, TsOptions(name, f"stepflow-codegen typescript {name} --defaults apply", defaults="apply"), diags)
        write(tmp_path / "fixtures" / name, files)
        applied += files["validators.ts"].count("export function withDefaults")
    assert applied >= 10  # the fixtures do have defaults that apply
    (tmp_path / "package.json").write_text('{"type": "module"}\n', encoding="utf-8")
    config = json.loads((TS / "tsconfig.json").read_text(encoding="utf-8"))
    config.pop("//", None)
    config["include"] = ["fixtures/*/*.ts"]
    config["compilerOptions"]["noEmit"] = True
    (tmp_path / "tsconfig.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    tools = _node_tools()
    proc = run([str(tools / "tsc"), "-p", "tsconfig.json"], tmp_path)
    assert proc.returncode == 0, "tsc failed:\n" + proc.stdout + proc.stderr
    proc = run([str(tools / "prettier"), "--check", "fixtures/"], tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_input_names_never_take_a_schema_name(tmp_path: Path) -> None:
    from stepflow_codegen.diagnostics import Diagnostics
    from stepflow_codegen.frontend import build_program
    from stepflow_codegen.targets.typescript.render import TsOptions, render_typescript

    schema = {
        "$defs": {
            "Foo": {"type": "object", "properties": {"a": {"type": "integer", "default": 1}}},
            "FooInput": {"type": "object", "properties": {"b": {"type": "string"}}},
            "ValidationError": {"type": "string"},
        }
    }
    (tmp_path / "s.json").write_text(json.dumps(schema), encoding="utf-8")
    diags = Diagnostics()
    program = build_program([tmp_path / "s.json"], diags, cwd=tmp_path)
    files = render_typescript(program, TsOptions("x", "x", defaults="apply"), diags)
    assert "export interface FooInput {\n  b?: string;" in files["types.ts"]
    assert "export interface FooInput_2 {\n  /** @default 1 */\n  a?: number;" in files["types.ts"]
    assert "export function withDefaultsFoo(v: FooInput_2): Foo {" in files["validators.ts"]
    assert "export type SValidationError = string;" in files["types.ts"]  # reserved in this mode only
    text = "".join(d.render() + "\n" for d in diags.sorted())
    assert "'FooInput' is already used" in text
    preserve = render_typescript(build_program([tmp_path / "s.json"], Diagnostics(), cwd=tmp_path), TsOptions("x", "x"), Diagnostics())
    assert "export type ValidationError = string;" in preserve["types.ts"] and "Input_2" not in preserve["types.ts"]


@pytest.mark.parametrize(
    ("schema", "default", "problem"),
    [
        ({"type": "integer"}, 1.0, None),  # 1.0 is an integer in JSON Schema
        ({"type": "integer"}, True, "does not fit"),
        ({"type": "number", "multipleOf": 2}, 3, "rejects"),
        ({"enum": [1, "a"]}, "a", None),
        ({"enum": [1, "a"]}, True, "does not fit"),
        ({"type": "string", "pattern": "^x"}, "y", "rejects"),
        ({"type": "object", "properties": {"k": {"type": "string"}}, "additionalProperties": False}, {"z": 1}, "does not fit"),
        ({"type": "object", "properties": {"k": {"type": "string"}}, "required": ["k"]}, {}, "does not fit"),
        ({"type": "array", "items": {"type": "boolean"}}, [True, 0], "does not fit"),
        ({"type": ["string", "null"]}, None, None),
        ({"allOf": [{"type": "integer"}, {"maximum": 3}]}, 4, "rejects"),
    ],
)
def test_the_shared_decision(tmp_path: Path, schema: dict[str, Any], default: Any, problem: str | None) -> None:
    from stepflow_codegen.analysis.defaults import default_problem
    from stepflow_codegen.diagnostics import Diagnostics
    from stepflow_codegen.frontend import build_program
    from stepflow_codegen.ir import model as ir

    doc = {"title": "T", "type": "object", "properties": {"p": {**schema, "default": default}}}
    (tmp_path / "t.json").write_text(json.dumps(doc), encoding="utf-8")
    program = build_program([tmp_path / "t.json"], Diagnostics(), cwd=tmp_path)
    decl = next(d for d in program.decls if isinstance(d, ir.ObjectDecl) and any(f.wire_name == "p" for f in d.fields))
    field = next(f for f in decl.fields if f.wire_name == "p")
    found = default_problem(program, decl, field)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found, found


# --------------------------------------------------------------------------- a protocol type in an author's

# an author's type refers to the protocol's StepOverride (its "$type" defaults to "merge_patch"):
# directly, as array items, as a union's variant (beside a string; beside an author's type with a
# default of its own), and through the protocol's WorkflowOverrides map
AUTHOR_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$defs": {
        "Patch": {
            "type": "object",
            "properties": {
                "one": {"$ref": "protocol.json#/$defs/StepOverride"},
                "many": {"type": "array", "items": {"$ref": "protocol.json#/$defs/StepOverride"}},
                "either": {"oneOf": [{"$ref": "protocol.json#/$defs/StepOverride"}, {"type": "string"}]},
                "all": {"$ref": "protocol.json#/$defs/WorkflowOverrides"},
                "limit": {"type": "integer", "default": 5},
                "mixed": {"type": "array", "items": {"oneOf": [{"$ref": "#/$defs/Local"}, {"$ref": "protocol.json#/$defs/StepOverride"}]}},
            },
            "additionalProperties": False,
        },
        "Local": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "n": {"type": "integer", "default": 1}},
            "required": ["name"],
            "additionalProperties": False,
        },
    },
}
AUTHOR_MANIFEST = {
    "$schema": "urn:stepflow-codegen:components:v1",
    "components": [{"name": "patch", "input": {"$ref": "mine.json#/$defs/Patch"}, "output": {"$ref": "mine.json#/$defs/Patch"}}],
}
AUTHOR_DOCS: list[Any] = [
    {},
    {
        "one": {"value": 1},
        "many": [{"value": {}}, {"$type": "json_patch", "value": []}],
        "either": {"value": None},
        "all": {"s1": {"value": 2}, "s2": {"$type": "json_patch", "value": [1]}},
    },
    {"either": "merge_patch", "limit": 7, "mixed": [{"name": "a"}, {"value": 3}, {"name": "b", "n": 1}]},
    # written defaults; a "$type" inside a patch's value is data, not a StepOverride's
    {"one": {"$type": "merge_patch", "value": {"$type": "merge_patch"}}, "limit": 5},
]

AUTHOR_USAGE = """\
import { component_types as C, type StepOverride, type StepOverrideInput } from "./gen/index.js";

const written: C.PatchInput = { one: { value: 1 }, many: [{ value: {} }], either: { value: null } };
const decoded: C.Patch = C.parsePatch(written);
// a decoded Patch's StepOverride holds its $type, a written one may leave it out
const kind: "merge_patch" | "json_patch" = decoded.one !== undefined ? decoded.one.$type : "json_patch";
const step: StepOverride | undefined = decoded.many?.[0];
const back: C.PatchInput = C.withoutDefaultsPatch(decoded);
const input: StepOverrideInput | undefined = back.one;
// @ts-expect-error the decoded type is protocol.StepOverride, whose $type is required
const notDecoded: C.Patch = { one: { value: 1 }, limit: 5 };
void [kind, step, input, notDecoded];
"""

AUTHOR_RUNNER = r"""
import * as g from "./gen/index.js";
const C = g.component_types;
const docs = JSON.parse(process.argv[2]);
const before = JSON.stringify(docs);
const parsed = docs.map((d) => C.parsePatch(d));
const eq = (a, b) => Array.isArray(a) ? Array.isArray(b) && a.length === b.length && a.every((x, i) => eq(x, b[i]))
  : a !== null && typeof a === "object" ? b !== null && typeof b === "object" && !Array.isArray(b)
    && Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((k) => Object.hasOwn(b, k) && eq(a[k], b[k]))
  : a === b;
console.log(JSON.stringify({
  parsed,
  withDefaults: docs.map((d) => C.withDefaultsPatch(d)),
  stripped: parsed.map((v) => C.withoutDefaultsPatch(v)),
  roundTrips: parsed.map((v) => eq(C.parsePatch(JSON.parse(JSON.stringify(C.withoutDefaultsPatch(v)))), v)),
  untouched: JSON.stringify(docs) === before,
}));
"""

# every declared property of a decoded value, deep (the encoder may leave out those equal to their default)
PYTHON_DECODED = """
import json, sys, msgspec, gen
from gen import component_types as c

def full(v):
    if isinstance(v, msgspec.Struct):
        return {f.encode_name: full(getattr(v, f.name)) for f in msgspec.structs.fields(v) if getattr(v, f.name) is not gen.UNSET}
    if isinstance(v, list):
        return [full(x) for x in v]
    if isinstance(v, dict):
        return {k: full(x) for k, x in v.items()}
    return msgspec.to_builtins(v, enc_hook=gen._runtime.enc_hook)

print(json.dumps([full(gen.decode(json.dumps(d), c.Patch)) for d in json.loads(sys.argv[1])]))
"""


def test_defaults_inside_protocol_types_an_authors_type_refers_to(tmp_path: Path) -> None:
    """``component_types.ts`` fills (and strips) the defaults inside the protocol types its types
    refer to, the same values the Python target's decoder fills in: compiled with ``tsc --strict``
    (typed uses), prettier-stable, run with Node and compared with the generated Python package."""
    from stepflow_codegen.diagnostics import Diagnostics
    from stepflow_codegen.frontend import build_program
    from stepflow_codegen.targets.python.render import PythonOptions, render_python

    schemas = {f: json.loads((REPO / "schemas" / f).read_text(encoding="utf-8")) for f in ("protocol.json", "methods.json")}
    schemas |= {"mine.json": AUTHOR_SCHEMA, "components.json": AUTHOR_MANIFEST}
    _render(tmp_path, schemas)
    (tmp_path / "usage.ts").write_text(AUTHOR_USAGE, encoding="utf-8")
    _project(tmp_path, ["gen/index.ts", "gen/component_types.ts", "usage.ts"])
    ts = json.loads(_compile_and_run(tmp_path, "gen/component_types.ts", AUTHOR_RUNNER, json.dumps(AUTHOR_DOCS)))

    program = build_program([tmp_path / "schemas"], Diagnostics(), cwd=tmp_path)
    write(tmp_path / "py" / "gen", render_python(program, PythonOptions("gen", "x", "apply"), Diagnostics()))
    py = subprocess.run([sys.executable, "-c", PYTHON_DECODED, json.dumps(AUTHOR_DOCS)], cwd=tmp_path / "py",
                        capture_output=True, text=True, timeout=120)
    assert py.returncode == 0, py.stderr

    # absent -> filled in (directly, array items, the union's variant, a protocol map's values), present kept
    merge = "merge_patch"
    assert ts["parsed"][1] == {
        "one": {"$type": merge, "value": 1},
        "many": [{"$type": merge, "value": {}}, {"$type": "json_patch", "value": []}],
        "either": {"$type": merge, "value": None},
        "all": {"s1": {"$type": merge, "value": 2}, "s2": {"$type": "json_patch", "value": [1]}},
        "limit": 5,
    }
    assert ts["parsed"][2]["mixed"] == [{"name": "a", "n": 1}, {"$type": merge, "value": 3}, {"name": "b", "n": 1}]
    assert ts["parsed"] == json.loads(py.stdout)  # what Python's decoder fills in
    assert ts["withDefaults"] == ts["parsed"] and ts["untouched"] is True
    # the way back: what equals its default is not written (a patch's own "$type" is its data)
    assert ts["stripped"] == [
        {},
        AUTHOR_DOCS[1],
        {"either": "merge_patch", "limit": 7, "mixed": [{"name": "a"}, {"value": 3}, {"name": "b"}]},
        {"one": {"value": {"$type": "merge_patch"}}},
    ]
    assert ts["roundTrips"] == [True] * len(AUTHOR_DOCS)
    # the plans are component_types.ts's own: validators.ts (the protocol's) reads as without components
    authors = (tmp_path / "gen" / "component_types.ts").read_text(encoding="utf-8")
    assert "const _protocolDefaultsStepOverride: dft.Plan" in authors and "_protocolDefaults" not in (tmp_path / "gen" / "validators.ts").read_text()
