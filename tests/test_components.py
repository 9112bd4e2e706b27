"""Component manifests: the format and its errors, canonical schemas, the IR, and the Python stubs.

The seed's components (examples/seed-components) are tested in test_components_seed.py; projects
made by `stepflow-codegen new` in test_scaffold.py.  (No ``from __future__ import annotations``
here: the start-up check reads the annotations of functions defined inside the tests.)
"""

import asyncio
import json
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from stepflow_codegen.diagnostics import Diagnostics, SchemaError
from stepflow_codegen.frontend import build_program
from stepflow_codegen.ir import model as ir

ROOT = Path(__file__).resolve().parents[1]
PROTOCOL = [ROOT / "schemas" / "protocol.json", ROOT / "schemas" / "methods.json"]
METASCHEMA = ROOT / "codegen" / "metaschemas" / "components.schema.json"
URN = "urn:stepflow-codegen:components:v1"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stepflow_codegen", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def write(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=1), encoding="utf-8")
    return path


IO = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$defs": {
        "In": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "tags": {"$ref": "common.json#/$defs/Tags"}},
            "required": ["name"],
            "additionalProperties": False,
        },
        "Out": {"type": "object", "properties": {"n": {"type": "integer", "default": 0}}, "additionalProperties": False},
    },
}
COMMON = {"$defs": {"Tags": {"type": "array", "items": {"$ref": "#/$defs/Tag"}}, "Tag": {"type": "string", "minLength": 1}}}


def manifest(*components: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"$schema": URN, **top, "components": list(components)}


def entry(name: str = "thing", **extra: Any) -> dict[str, Any]:
    return {"name": name, "input": {"$ref": "io.json#/$defs/In"}, "output": {"$ref": "io.json#/$defs/Out"}, **extra}


def project(tmp_path: Path, m: Any) -> Path:
    write(tmp_path / "io.json", IO)
    write(tmp_path / "common.json", COMMON)
    return write(tmp_path / "components.json", m)


# -- the manifest format ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("m", "expected"),
    [
        (manifest(entry(), extra=1), ["components.json#/extra", "unknown key 'extra' in a component manifest"]),
        ({"$schema": URN}, ["components.json:", "lacks the required key 'components'"]),
        (manifest(entry(name="no-dash")), ["components.json#/components/0/name", "invalid component name 'no-dash'"]),
        (manifest(entry(), entry()), ["components.json#/components/1/name", "listed twice (first at /components/0)"]),
        (manifest(entry(input="io.json#/$defs/In")), ["components.json#/components/0/input", 'expected a type reference {"$ref"']),
        (manifest(entry(output={"$ref": "io.json#/$defs/Nope"})), ["components.json#/components/0/output/$ref", "does not resolve"]),
        (manifest({"name": "x", "input": {"$ref": "io.json#/$defs/In"}}), ["components.json#/components/0", "lacks the required key 'output'"]),
        (manifest(entry(description=3)), ["components.json#/components/0/description", "must be a string"]),
        (manifest(entry(color="red")), ["components.json#/components/0/color", "unknown key 'color' in a component"]),
        (manifest(entry(input={"$ref": "components.json"})), ["components.json#/components/0/input", "not a method table or component manifest"]),
        ({"$schema": URN, "components": {}}, ["components.json#/components", "'components' must be an array"]),
    ],
    ids=["unknown-key", "no-components", "bad-name", "duplicate", "not-a-ref", "bad-ref", "no-output", "bad-description",
         "unknown-entry-key", "ref-to-manifest", "not-an-array"],
)
def test_bad_manifests_exit_2_with_json_pointer(tmp_path: Path, m: Any, expected: list[str]) -> None:
    project(tmp_path, m)
    r = run("python", *map(str, PROTOCOL), "components.json", "io.json", "-o", "out", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    for text in expected:
        assert text in r.stderr, r.stderr
    assert "hint:" in r.stderr
    assert not (tmp_path / "out").exists()


def test_the_hand_checks_agree_with_the_meta_schema(tmp_path: Path) -> None:
    """Every manifest we ship validates against the meta-schema; the bad ones above do not."""
    meta = json.loads(METASCHEMA.read_text())
    Draft202012Validator.check_schema(meta)
    v = Draft202012Validator(meta)
    shipped = sorted((ROOT / "examples" / "seed-components" / "schemas").glob("*components.json"))
    assert len(shipped) == 3
    for f in shipped:
        assert not list(v.iter_errors(json.loads(f.read_text()))), f
    for bad in (manifest(entry(), extra=1), {"$schema": URN}, manifest(entry(name="no-dash")),
                manifest(entry(color="red")), manifest({"name": "x", "input": {"$ref": "a"}})):
        assert list(v.iter_errors(bad)), bad


def test_the_same_component_in_two_manifests(tmp_path: Path) -> None:
    project(tmp_path, manifest(entry()))
    write(tmp_path / "more.json", manifest(entry()))
    r = run("python", *map(str, PROTOCOL), "components.json", "more.json", "-o", "out", cwd=tmp_path)
    assert r.returncode == 2
    assert "more.json#/components/0/name" in r.stderr and "also listed in components.json" in r.stderr


def test_components_need_the_stepflow_protocol(tmp_path: Path) -> None:
    project(tmp_path, manifest(entry()))
    r = run("python", "components.json", "-o", "out", cwd=tmp_path)
    assert r.returncode == 2
    assert "component manifests need the StepFlow component protocol" in r.stderr, r.stderr
    # without the Python target's stubs, the types alone are fine for the other targets
    r = run("typescript", "components.json", "-o", "ts", cwd=tmp_path)
    assert r.returncode == 0, r.stderr


def test_a_schema_type_named_like_a_components_helper(tmp_path: Path) -> None:
    """An author's type lives in component_types.py: named like a name of components.py
    (``Implementation``), it keeps its name and components.py names it through its module."""
    io = json.loads(json.dumps(IO))
    io["$defs"]["Implementation"] = io["$defs"].pop("Out")
    project(tmp_path, manifest(entry(output={"$ref": "io.json#/$defs/Implementation"})))
    write(tmp_path / "io.json", io)
    r = run("python", *map(str, PROTOCOL), "components.json", "-o", "out", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "class Implementation(" in (tmp_path / "out" / "component_types.py").read_text()
    components = (tmp_path / "out" / "components.py").read_text()
    assert "ComponentFunction[In, _component_types.Implementation]" in components
    code = "import out\nfrom out import component_types as c\nassert out.COMPONENTS[0].output_type is c.Implementation\n"
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


# -- IR and canonical schemas ---------------------------------------------------------------------


def program(tmp_path: Path, m: Any) -> ir.Program:
    project(tmp_path, m)
    diags = Diagnostics()
    try:
        return build_program([tmp_path / "components.json"], diags, cwd=tmp_path)
    except SchemaError:
        raise AssertionError("\n".join(d.render() for d in diags.sorted())) from None


def test_components_are_ir_nodes(tmp_path: Path) -> None:
    p = program(tmp_path, manifest(entry("b", description="B."), entry("a")))
    assert [c.name for c in p.components] == ["a", "b"]
    b = p.components[1]
    assert b.description == "B." and p.components[0].description is None
    assert b.input == ir.RefType("io.json#/$defs/In") and b.output == ir.RefType("io.json#/$defs/Out")
    assert b.source == ir.Source("components.json", "/components/0")
    # referenced types are converted (only the referenced ones, and what they use)
    assert {d.id for d in p.decls} >= {"io.json#/$defs/In", "io.json#/$defs/Out", "common.json#/$defs/Tags"}
    assert b.input_schema == {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {"name": {"type": "string"}, "tags": {"$ref": "#/$defs/Tags"}},
        "required": ["name"],
        "additionalProperties": False,
        "$defs": {"Tag": {"type": "string", "minLength": 1}, "Tags": {"type": "array", "items": {"$ref": "#/$defs/Tag"}}},
    }


def _bundle(tmp_path: Path, files: dict[str, Any], ref: str) -> Any:
    for name, data in files.items():
        write(tmp_path / name, data)
    m = {"$schema": URN, "components": [{"name": "c", "input": {"$ref": ref}, "output": {"$ref": ref}}]}
    write(tmp_path / "_manifest.json", m)
    diags = Diagnostics()
    p = build_program([tmp_path / "_manifest.json", *(tmp_path / n for n in files)], diags, cwd=tmp_path)
    return p.components[0].input_schema


BUNDLE_CASES: dict[str, tuple[dict[str, Any], str]] = {
    "recursive": (
        {"t.json": {"$defs": {"Node": {"type": "object", "properties": {"v": {"type": "integer"},
                                                                       "next": {"$ref": "#/$defs/Node"}},
                                       "required": ["v"], "additionalProperties": False}}}},
        "t.json#/$defs/Node",
    ),
    "same-name-in-two-files": (
        {
            "a.json": {"$defs": {"Root": {"type": "object", "properties": {"a": {"$ref": "#/$defs/X"},
                                                                          "b": {"$ref": "b.json#/$defs/X"},
                                                                          "c": {"$ref": "#/$defs/Y"}},
                                          "additionalProperties": False},
                                 "X": {"type": "string", "maxLength": 2},
                                 "Y": {"enum": ["y"]}}},
            "b.json": {"$defs": {"X": {"type": "integer", "maximum": 3}}},
        },
        "a.json#/$defs/Root",
    ),
    "file-root-with-id-and-anchor": (
        {
            "r.json": {"$id": "https://example.com/r.json", "type": "object",
                       "properties": {"u": {"$ref": "u.json"}, "k": {"$ref": "#kind"}},
                       "$defs": {"Kind": {"$anchor": "kind", "enum": [1, 2]}}},
            "u.json": {"$id": "https://example.com/u.json", "title": "Unit", "type": "string", "pattern": "^[a-z]+$"},
        },
        "r.json",
    ),
    "draft-07-definitions": (
        {"d.json": {"$schema": "http://json-schema.org/draft-07/schema#",
                    "definitions": {"P": {"type": "object", "properties": {"xs": {"type": "array",
                                                                                "items": [{"$ref": "#/definitions/Q"}]}}},
                                    "Q": {"type": ["string", "null"]}}}},
        "d.json#/definitions/P",
    ),
    "combinators-and-maps": (
        {"m.json": {"$defs": {
            "M": {"oneOf": [{"$ref": "#/$defs/A"}, {"type": "object", "additionalProperties": {"$ref": "#/$defs/A"}},
                            {"type": "object", "patternProperties": {"^x": {"$ref": "#/$defs/A"}}}],
                  "default": {"$ref": "not a reference, a value"}},
            "A": {"type": "integer", "const": 1}}}},
        "m.json#/$defs/M",
    ),
}
SAMPLES = [None, 0, 1, 2, 4, "x", "abc", "ABC", [], ["x"], ["x", 1], {}, {"v": 1}, {"v": 1, "next": {"v": 2}},
           {"v": 1, "next": {"w": 2}}, {"a": "ab"}, {"a": "abc"}, {"b": 3}, {"b": 4}, {"c": "y"}, {"c": "z"}, {"u": "ab"}, {"u": "AB"},
           {"k": 2}, {"k": 3}, {"xs": ["s"]}, {"xs": [1]}, {"xs": [None, 5]}, {"a": 1}, {"a": 2}, {"xa": 2}, {"xa": 1}]


@pytest.mark.parametrize("case", sorted(BUNDLE_CASES))
def test_canonical_schema_is_self_contained_and_equivalent(tmp_path: Path, case: str) -> None:
    """The bundle accepts exactly what the original accepts (jsonschema as the oracle), and has
    no reference, $id or anchor leading out of it."""
    files, ref = BUNDLE_CASES[case]
    bundled = _bundle(tmp_path, files, ref)
    text = json.dumps(bundled)
    assert '"$id"' not in text and '"$anchor"' not in text and '"definitions"' not in text
    refs = [r for r in _refs(bundled)]
    assert refs and all(r == "#" or r.startswith("#/$defs/") for r in refs), refs
    draft07 = "draft-07" in json.dumps(files)
    cls = Draft7Validator if draft07 else Draft202012Validator
    cls.check_schema(bundled)
    resources = [(f"file://{tmp_path}/{n}", Resource.from_contents(d, default_specification=DRAFT202012))
                 for n, d in files.items()]
    resources += [(d["$id"], Resource.from_contents(d, default_specification=DRAFT202012))
                  for d in files.values() if "$id" in d]
    registry = Registry().with_resources(resources)
    original = cls({"$ref": f"file://{tmp_path}/{ref}"}, registry=registry)
    canonical = cls(bundled)
    for sample in SAMPLES:
        assert canonical.is_valid(sample) == original.is_valid(sample), (case, sample)
    if case == "same-name-in-two-files":
        assert sorted(bundled["$defs"]) == ["X", "X_2", "Y"]
        assert bundled["properties"]["a"] == {"$ref": "#/$defs/X"}
        assert bundled["properties"]["b"] == {"$ref": "#/$defs/X_2"}
    if case == "recursive":
        assert bundled["properties"]["next"] == {"$ref": "#"} and "$defs" not in bundled
    if case == "file-root-with-id-and-anchor":
        assert sorted(bundled["$defs"]) == ["Kind", "Unit"]
    if case == "combinators-and-maps":
        assert bundled["default"] == {"$ref": "not a reference, a value"}  # data is copied, not rewritten


def _refs(node: Any) -> list[str]:
    out: list[str] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str) and k != "default":
                out.append(v)
            elif k not in ("default", "const", "enum", "examples"):
                out += _refs(v)
    elif isinstance(node, list):
        for v in node:
            out += _refs(v)
    return out


# -- the Python stubs ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated package with two components, and their implementation module."""
    tmp = tmp_path_factory.mktemp("stubs")
    project(tmp, manifest(entry("thing", description="Does the thing."), entry("other_thing")))
    r = run("python", *map(str, PROTOCOL), "components.json", "-o", "pkg/gen", "--defaults", "apply", cwd=tmp)
    assert r.returncode == 0, r.stderr
    (tmp / "pkg" / "__init__.py").write_text("")
    return tmp


def _import(package: Path) -> Any:
    if str(package) not in sys.path:
        sys.path.insert(0, str(package))
    import pkg.gen as gen  # noqa: PLC0415

    return gen


def test_stubs_type_check_and_are_black(package: Path) -> None:
    gen = package / "pkg" / "gen"
    r = subprocess.run([sys.executable, "-m", "black", "--check", "-q", str(gen / "components.py"), str(gen / "__init__.py"),
                        str(gen / "component_types.py")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(gen)], capture_output=True, text=True,
                       cwd=package)
    assert r.returncode == 0, r.stdout
    text = (gen / "components.py").read_text()
    assert "    def thing(self) -> ComponentFunction[In, Out]:" in text
    assert '        """Does the thing."""' in text
    # component types keep their defaults on the wire (flows read them as they are); they live
    # apart from the protocol's types
    assert "class Out(" not in (gen / "types.py").read_text()
    types_text = (gen / "component_types.py").read_text()
    assert "class Out(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):" in types_text
    assert "omit_defaults" not in types_text.split("class Out(")[1].split("class ")[0]


def _module(name: str, **functions: Any) -> types.ModuleType:
    m = types.ModuleType(name)
    for k, v in functions.items():
        setattr(m, k, v)
    return m


def test_start_up_check_names_component_expected_and_found(package: Path) -> None:
    gen = _import(package)
    In, Out, Ctx = gen.component_types.In, gen.component_types.Out, gen.StepflowContext

    def thing(input: In, context: Ctx) -> Out:
        return Out(n=len(input.name))

    async def other_thing(input: In) -> Out:  # async, without context: fine
        return Out()

    good = _module("good", thing=thing, other_thing=other_thing)
    assert gen.check_implementation(good) == []
    server = gen.create_server(good)
    assert sorted(server.components) == ["/other_thing", "/thing"]
    entry_ = server.components["/thing"]
    assert entry_.description == "Does the thing."
    assert entry_.input_schema == gen.COMPONENTS[1].input_schema and entry_.input_type is In

    def wrong_output(input: In, context: Ctx) -> In:
        return input

    def three(input: In, context: Ctx, extra: int) -> Out:
        return Out()

    def unannotated(input, context):  # type: ignore[no-untyped-def]
        return Out()

    def ctx_by_annotation(data: In, ctx: Ctx) -> Out:
        return Out()

    def bad_context(input: In, other: int) -> Out:
        return Out()

    cases = {
        "wrong_output": (wrong_output, "thing: expected def thing(input: In[, context: StepflowContext]) -> Out (sync or async), "
                                       "found def wrong_output(input: In, context: StepflowContext) -> In"),
        "three": (three, "found def three(input: In, context: StepflowContext, extra: int) -> Out"),
        "unannotated": (unannotated, "found def unannotated(input, context)"),
        "bad_context": (bad_context, "found def bad_context(input: In, other: int) -> Out"),
        "not_a_function": (42, "found int 42, not a function"),
    }
    for name, (function, message) in cases.items():
        problems = gen.check_implementation(_module(name, thing=function, other_thing=other_thing))
        assert len(problems) == 1 and message in problems[0], (name, problems)
    assert gen.check_implementation(_module("by_annotation", thing=ctx_by_annotation, other_thing=other_thing)) == []
    with pytest.raises(gen.ImplementationError) as raised:
        gen.create_server(_module("halfdone", thing=thing))
    text = str(raised.value)
    assert text.startswith("halfdone does not implement the components of components.json as generated:")
    assert "other_thing: missing; expected def other_thing(input: In[, context: StepflowContext]) -> Out" in text


def test_unresolvable_annotations_are_reported(package: Path, tmp_path: Path) -> None:
    gen = _import(package)
    src = tmp_path / "lazy_impl.py"
    src.write_text(
        "from __future__ import annotations\nfrom typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from pkg.gen.component_types import In, Out\n"
        "def thing(input: In) -> Out: ...\ndef other_thing(input: In) -> Out: ...\n"
    )
    sys.path.insert(0, str(tmp_path))
    try:
        import lazy_impl  # noqa: PLC0415
    finally:
        sys.path.remove(str(tmp_path))
    problems = gen.check_implementation(lazy_impl)
    assert len(problems) == 2 and "whose annotations do not resolve (name 'In' is not defined;" in problems[0]


def test_components_are_served_with_canonical_schemas(package: Path) -> None:
    gen = _import(package)

    def thing(input: Any) -> Any:
        return gen.component_types.Out(n=len(input.name))

    def other_thing(input: Any) -> Any:
        return gen.component_types.Out()

    thing.__annotations__ = {"input": gen.component_types.In, "return": gen.component_types.Out}
    other_thing.__annotations__ = {"input": gen.component_types.In, "return": gen.component_types.Out}
    server = gen.create_server(_module("impl", thing=thing, other_thing=other_thing))

    async def go() -> None:
        ctx = gen.StepflowContext()
        infos = {i.component: i for i in (await server.components_list(None, ctx)).components}
        assert sorted(infos) == ["/other_thing", "/thing"]
        for spec in gen.COMPONENTS:
            assert infos["/" + spec.name].input_schema == spec.input_schema
            assert infos["/" + spec.name].output_schema == spec.output_schema
            info = await server.components_info(gen.ComponentInfoParams(component="/" + spec.name), ctx)
            assert info.info.input_schema == spec.input_schema
        params = gen.ComponentExecuteParams(
            component="/thing", input={"name": "abc"}, attempt=1, observability=gen.ObservabilityContext()
        )
        assert (await server.components_execute(params, ctx)).output == {"n": 3}
        bad = gen.ComponentExecuteParams(
            component="/thing", input={"name": "abc", "x": 1}, attempt=1, observability=gen.ObservabilityContext()
        )
        with pytest.raises(gen.RpcError) as e:
            await server.components_execute(bad, ctx)
        assert e.value.code == -32602

    asyncio.run(go())


def test_component_server_decisions_are_shared() -> None:
    """One decision for every target: the code a component failure answers with, and whether a server can be made."""
    from stepflow_codegen.analysis.components import execution_failed_code, server_gap
    from stepflow_codegen.diagnostics import Diagnostics
    from stepflow_codegen.frontend import build_program
    from stepflow_codegen.ir import model as ir

    def protocol(errors: tuple[int, ...]) -> ir.Protocol:
        execute = ir.Method("components/execute", "clientToServer", False, ir.AnyType(), ir.AnyType(), errors)
        return ir.Protocol("P", None, "client", "server", (execute,))

    assert execution_failed_code(protocol((-32600, -32001))) == -32003  # generic codes only: the 0.9 SDK's
    assert execution_failed_code(protocol((-32601, -32100))) == -32100  # the one specific code (0.11.1's range)
    assert execution_failed_code(protocol((-32100, -32101))) == -32003  # ambiguous: the 0.9 SDK's
    protocol_only = build_program([ROOT / "schemas"], Diagnostics(), cwd=ROOT)
    assert server_gap(protocol_only) is None  # no components: nothing to serve
    assert execution_failed_code(protocol_only.protocol) == -32003  # type: ignore[arg-type]
    seed = build_program([ROOT / "schemas", ROOT / "examples/seed-components/schemas/components.json"], Diagnostics(), cwd=ROOT)
    assert seed.components and server_gap(seed) is None
    no_table = build_program([ROOT / "schemas/protocol.json", ROOT / "examples/seed-components/schemas/components.json"],
                             Diagnostics(), cwd=ROOT)
    gap = server_gap(no_table)
    assert gap is not None and "components/execute" in gap and "stepflow-components" in gap
