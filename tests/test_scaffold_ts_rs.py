"""`stepflow-codegen new --language typescript|rust` and `add-component` in such projects.

For each language: `new`, then exactly the two commands of the project's README (set up + run the
server; set up + test: npm ci / cargo build, then the flow's test cases against the server launched as
stepflow-config.yml says) in a fresh directory; the project's flow under the real StepFlow 0.9.0
runtime; `add-component` (schema, manifest entry, regenerated code, a stub, the author's lines kept)
after which the project still builds and its tests pass, and a flow case that does not hold fails
them. Bad input exits 2 and writes nothing.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml
from interop import peers
from jsonschema import Draft202012Validator
from test_scaffold import FLOW_SCHEMA, canonical, clean_env, codegen, readme_commands

SETUP_TIMEOUT = 900
LANGS = ["typescript", "rust"]
NAMES = {"typescript": "demo-ts", "rust": "demo-rs"}


def json_yaml(path: Path) -> Any:
    """A file in YAML's JSON subset, read as the project's test runners read it; also valid YAML."""
    text = path.read_text(encoding="utf-8")
    as_json = json.loads("\n".join(l for l in text.splitlines() if not l.lstrip().startswith("#")))
    assert yaml.safe_load(text) == as_json
    return as_json


def run_env() -> dict[str, str]:
    return {**clean_env(), "CARGO_BUILD_JOBS": "1", "CARGO_TERM_COLOR": "never", "NO_COLOR": "1"}


@pytest.fixture(scope="module", params=LANGS)
def project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    language = request.param
    name = NAMES[language]
    root = tmp_path_factory.mktemp(f"scaffold-{language}") / name
    r = codegen("new", name, "--language", language, "--dir", str(root), cwd=root.parent)
    assert r.returncode == 0, r.stderr
    out: dict[str, Any] = {"language": language, "name": name, "root": root}
    out.update(readme_run(root))
    return out


def readme_run(root: Path) -> dict[str, Any]:
    """Runs the README's two commands in order (the first until the server announces its port)."""
    run_cmd, test_cmd = readme_commands(root)
    out: dict[str, Any] = {"commands": [run_cmd, test_cmd]}
    t0 = time.monotonic()
    proc = subprocess.Popen(["bash", "-c", run_cmd], cwd=root, env=run_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    log: list[str] = []
    try:
        deadline = time.monotonic() + SETUP_TIMEOUT
        port = None
        while port is None:
            line = lines.get(timeout=max(1.0, deadline - time.monotonic()))
            if line is None:
                raise AssertionError(f"`{run_cmd}` ended without announcing a port:\n{''.join(log)}")
            log.append(line)
            try:
                announced = json.loads(line)
            except ValueError:
                continue
            port = announced.get("port") if isinstance(announced, dict) else None
        out["run_seconds"] = time.monotonic() - t0
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as resp:
            out["health"] = json.loads(resp.read())
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/",
            data=json.dumps({"jsonrpc": "2.0", "id": 1, "method": "components/list", "params": {}}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as resp:
            out["list"] = json.loads(resp.read())
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
    t1 = time.monotonic()
    out["test"] = subprocess.run(["bash", "-c", test_cmd], check=False, cwd=root, env=run_env(), capture_output=True, text=True,
                                 timeout=SETUP_TIMEOUT)
    out["test_seconds"] = time.monotonic() - t1
    return out


def passed(language: str, r: subprocess.CompletedProcess[str]) -> bool:
    text = r.stdout + r.stderr
    if language == "typescript":
        return r.returncode == 0 and "# pass 2" in text and "# fail 0" in text
    return r.returncode == 0 and "test result: ok. 1 passed" in text


def test_new_writes_a_complete_project(project: dict[str, Any]) -> None:
    root, language, name = project["root"], project["language"], project["name"]
    common = ["README.md", "stepflow-codegen.toml", "stepflow-config.yml", "flows/example.yaml", "schemas/components.json",
              "schemas/greet.json", "schemas/stepflow/protocol.json", "schemas/stepflow/methods.json", ".gitignore"]
    own = {
        "typescript": ["package.json", "package-lock.json", "tsconfig.json", "src/impl.ts", "src/server.ts",
                       "src/generated/components.ts", "tests/flow.test.mjs"],
        "rust": ["Cargo.toml", "Cargo.lock", "src/main.rs", "src/components/mod.rs", "src/components/greet.rs",
                 "generated/src/components.rs", "generated/Cargo.toml", "tests/flow.rs"],
    }[language]
    for rel in common + own:
        assert (root / rel).is_file(), rel
    plugin = name.replace("-", "_")
    config = json_yaml(root / "stepflow-config.yml")
    expected_command = ("node", ["out/server.js", "--http", "--port", "0"]) if language == "typescript" else \
        (f"target/debug/{name}", ["--http", "--port", "0"])
    assert (config["plugins"][plugin]["command"], config["plugins"][plugin]["args"]) == expected_command
    assert config["routes"][f"/{plugin}/{{*component}}"] == [{"plugin": plugin}]
    flow = json_yaml(root / "flows" / "example.yaml")
    schema = json.loads(FLOW_SCHEMA.read_text().replace('"oneOf"', '"anyOf"'))
    assert not [e.message for e in Draft202012Validator(schema).iter_errors(flow)]
    assert len(flow["test"]["cases"]) == 2
    # `check` reads stepflow-codegen.toml (found from the project directory) and the code is current
    r = codegen("check", cwd=root)
    assert r.returncode == 0, r.stderr
    generated = root / ("src/generated" if language == "typescript" else "generated")
    for f in generated.rglob("*"):
        if f.is_file():
            assert "stepflow_codegen" not in f.read_text(encoding="utf-8"), f
    if language == "typescript":
        package = json.loads((root / "package.json").read_text())
        lock = json.loads((root / "package-lock.json").read_text())
        assert package["devDependencies"] == lock["packages"][""]["devDependencies"]
        assert all(v[0].isdigit() for v in package["devDependencies"].values())  # exact versions


def test_the_readme_commands_build_serve_and_pass_the_flow_cases(project: dict[str, Any]) -> None:
    root = project["root"]
    assert project["health"] == {"status": "healthy"}
    listed = project["list"]["result"]["components"]
    assert {c["component"]: (c["input_schema"], c["output_schema"]) for c in listed} == canonical(root)
    r = project["test"]
    assert passed(project["language"], r), f"{project['commands'][1]}\n{r.stdout}\n{r.stderr}"


def test_the_flow_runs_under_the_real_runtime(project: dict[str, Any], tmp_path: Path) -> None:
    assert project["test"].returncode == 0
    root = project["root"]
    flow = json_yaml(root / "flows" / "example.yaml")
    case, failing = flow["test"]["cases"]
    report = peers.run_runtime("0.9.0", root / "stepflow-config.yml",
                               [{"name": "example", "flow": flow, "input": case["input"]},
                                {"name": "failing", "flow": flow, "input": failing["input"]}], tmp_path)
    body = report.run("example")
    assert body["status"] == "completed", report.explain()
    assert body["result"] == case["output"] == {"outcome": "success", "result": {"message": "Hello, Ada!", "length": 11}}
    failed = report.run("failing")
    assert failed["status"] == "failed", report.explain()
    expected = failing["output"]["error"]
    assert {k: failed["result"]["error"][k] for k in ("code", "message")} == expected, failed["result"]


def test_add_component_keeps_the_authors_code_and_the_project_builds(project: dict[str, Any]) -> None:
    root, language = project["root"], project["language"]
    authors = ["src/impl.ts", "src/server.ts"] if language == "typescript" else ["src/main.rs", "src/components/greet.rs"]
    before = {rel: (root / rel).read_text() for rel in authors}
    r = codegen("add-component", "shout", "--description", "Shout */ at \"someone\"", cwd=root)
    assert r.returncode == 0, r.stderr
    manifest = json.loads((root / "schemas" / "components.json").read_text())
    assert [c["name"] for c in manifest["components"]] == ["greet", "shout"]
    assert (root / "schemas" / "shout.json").is_file()
    if language == "typescript":
        impl = (root / "src" / "impl.ts").read_text()
        assert impl.startswith(before["src/impl.ts"])  # appended, nothing rewritten
        assert "export async function shout(" in impl[len(before["src/impl.ts"]):]
        assert "readonly shout:" in (root / "src" / "generated" / "components.ts").read_text()
        assert (root / "src" / "server.ts").read_text() == before["src/server.ts"]
    else:
        for rel, text in before.items():
            assert (root / rel).read_text() == text, rel
        assert "pub async fn shout(" in (root / "src" / "components" / "shout.rs").read_text()
        mod = (root / "src" / "components" / "mod.rs").read_text()
        assert "mod shout;" in mod and "async fn shout(" in mod
    assert codegen("check", cwd=root).returncode == 0
    # adding it again refuses and changes nothing
    again = codegen("add-component", "shout", cwd=root)
    assert again.returncode == 2 and "already lists" in again.stderr
    # the project still builds, and its tests pass (the stub is not in the flow)
    _, test_cmd = readme_commands(root)
    r = subprocess.run(["bash", "-c", test_cmd], check=False, cwd=root, env=run_env(), capture_output=True, text=True,
                       timeout=SETUP_TIMEOUT)
    assert passed(language, r), f"{r.stdout}\n{r.stderr}"
    # the new component is served (the stub answers a failure), and a flow case that does not hold fails the tests
    wrong = json_yaml(root / "flows" / "example.yaml")
    wrong["steps"][0]["component"] = wrong["steps"][0]["component"].replace("/greet", "/shout")
    (root / "flows" / "wrong.yaml").write_text(json.dumps(wrong, indent=2))
    try:
        r = subprocess.run(["bash", "-c", test_cmd], check=False, cwd=root, env=run_env(), capture_output=True, text=True,
                           timeout=SETUP_TIMEOUT)
    finally:
        (root / "flows" / "wrong.yaml").unlink()
    assert r.returncode != 0, r.stdout
    assert "says_hello" in r.stdout + r.stderr and "shout: write this component" in r.stdout + r.stderr


@pytest.mark.parametrize("language", LANGS)
@pytest.mark.parametrize(
    "args, message",
    [
        (["bad name"], "project name 'bad name'"),
        (["ok", "--component", "a/b"], "component name 'a/b'"),
        (["ok", "--transport", "stdio"], "--transport stdio"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(language: str, args: list[str], message: str, tmp_path: Path) -> None:
    r = codegen("new", *args, "--language", language, cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert message in r.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("language, component", [("typescript", "__proto__"), ("rust", "tests"), ("rust", "components")])
def test_component_names_the_project_cannot_take_are_refused(language: str, component: str, tmp_path: Path) -> None:
    r = codegen("new", "ok", "--language", language, "--component", component, cwd=tmp_path)
    assert r.returncode == 2 and f"component name {component!r}" in r.stderr, r.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_typescript_stub_is_appended_with_its_own_import_when_the_file_has_none(tmp_path: Path) -> None:
    from stepflow_codegen.scaffold_langs import append_ts_stub
    from stepflow_codegen.targets import ComponentSignature, TypeName

    impl = tmp_path / "impl.ts"
    original = 'import { x } from "./other.js";\nexport const y = x;'  # no namespace import, no final newline
    impl.write_text(original)
    sig = ComponentSignature("shout", "shout", TypeName("component_types", "ShoutInput"),
                             TypeName("component_types", "ShoutOutput"), "StepflowContext")
    assert append_ts_stub(impl, sig, "Shout.\nLoudly */ // here", "schemas/shout.json")
    text = impl.read_text()
    assert text.startswith(original + "\n")
    added = text[len(original):]
    assert 'import type * as T_shout from "./generated/component_types.js";' in added
    assert "_input: T_shout.ShoutInput" in added and "Promise<T_shout.ShoutOutput>" in added
    assert "*/ //" not in added  # the description cannot close the doc comment
    # a file exporting it already gets nothing
    assert not append_ts_stub(impl, sig, "again", "schemas/shout.json")
    assert impl.read_text() == text
    impl.write_text("export const shout = async () => ({});\n")
    assert not append_ts_stub(impl, sig, "again", "schemas/shout.json")


def test_add_component_sync_is_refused_outside_python(tmp_path: Path) -> None:
    (tmp_path / "stepflow-codegen.toml").write_text(
        '[[tool.stepflow-codegen.targets]]\nlanguage = "typescript"\nschemas = ["schemas/"]\nout = "src/generated"\n'
        'implementation = "src/impl.ts"\n'
    )
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "components.json").write_text(
        json.dumps({"$schema": "urn:stepflow-codegen:components:v1", "components": []}))
    r = codegen("add-component", "x", "--sync", cwd=tmp_path)
    assert r.returncode == 2 and "--sync is for Python projects" in r.stderr, r.stderr
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["components.json", "schemas", "stepflow-codegen.toml"]


# -- the stubs name what the generated code names ---------------------------------------------
# A project whose author has edited the schemas so that the generated code's names are not the
# scaffold's guesses: greet's output is a `$ref` to another definition (Shared, not GreetOutput),
# and greet.json defines ShoutInput (another shape), so the input of a component `shout` added next
# is renamed by the target (ShoutShoutInput); then a component whose name is a keyword of the
# language is added (its function is renamed and, in TypeScript, exported under the component's name).
KEYWORD = {"typescript": "delete", "rust": "type"}


@pytest.fixture(scope="module", params=LANGS)
def renamed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    language = request.param
    root = tmp_path_factory.mktemp(f"renamed-{language}") / "renamed"
    r = codegen("new", "renamed", "--language", language, "--dir", str(root), cwd=root.parent)
    assert r.returncode == 0, r.stderr
    schema_file = root / "schemas" / "greet.json"
    schema = json.loads(schema_file.read_text())
    defs = schema["$defs"]
    defs["Shared"] = {**defs["GreetOutput"], "description": "A greeting (the output of greet)."}
    defs["ShoutInput"] = {"type": "object", "properties": {"volume": {"type": "integer"}}, "required": ["volume"],
                          "additionalProperties": False}
    defs["GreetInput"]["properties"]["loudness"] = {"$ref": "#/$defs/ShoutInput"}
    schema_file.write_text(json.dumps(schema, indent=2))
    manifest_file = root / "schemas" / "components.json"
    manifest = json.loads(manifest_file.read_text())
    manifest["components"][0]["output"] = {"$ref": "greet.json#/$defs/Shared"}
    manifest_file.write_text(json.dumps(manifest, indent=2))
    own = root / ("src/impl.ts" if language == "typescript" else "src/components/greet.rs")  # greet now returns Shared
    own.write_text(own.read_text().replace("GreetOutput", "Shared"))
    assert codegen("generate", cwd=root).returncode == 0
    added = {c: codegen("add-component", c, cwd=root) for c in ("shout", KEYWORD[language])}
    _, test_cmd = readme_commands(root)
    test = subprocess.run(["bash", "-c", test_cmd], check=False, cwd=root, env=run_env(), capture_output=True, text=True,
                          timeout=SETUP_TIMEOUT)
    return {"language": language, "root": root, "added": added, "test": test, "test_cmd": test_cmd}


def generated_signature(root: Path, language: str, component: str) -> tuple[str, str, str]:
    """(function, input type, output type) of ``component`` as the generated server declares it."""
    import re

    if language == "typescript":
        text = (root / "src" / "generated" / "components.ts").read_text()
        m = re.search(rf"readonly {component}: \(\s*input: C\.(\w+),\s*context: StepflowContext,?\s*\) => C\.(\w+)", text)
        assert m, text
        return component, m.group(1), m.group(2)
    text = (root / "generated" / "src" / "components.rs").read_text()
    m = re.search(rf"/// `{component}`[^\n]*\n\s*fn (\w+)\(\s*&self,\s*input: component_types::(\w+),\s*context: &Context,?\s*\)"
                  r" -> impl Future<Output = Outcome<component_types::(\w+)>>", text)
    assert m, text
    return m.group(1), m.group(2), m.group(3)


def builds_and_passes(renamed: dict[str, Any]) -> None:
    r = renamed["test"]
    assert passed(renamed["language"], r), f"{r.stdout}\n{r.stderr}"
    assert codegen("check", cwd=renamed["root"]).returncode == 0


def test_a_component_whose_output_is_a_ref_to_another_definition(renamed: dict[str, Any]) -> None:
    root, language = renamed["root"], renamed["language"]
    assert renamed["added"]["shout"].returncode == 0, renamed["added"]["shout"].stderr
    assert generated_signature(root, language, "greet") == ("greet", "GreetInput", "Shared")
    if language == "rust":
        # mod.rs, rewritten by add-component, implements greet as the trait declares it
        mod = (root / "src" / "components" / "mod.rs").read_text()
        assert "Outcome<::stepflow::component_types::Shared>" in mod and "GreetOutput" not in mod
    else:
        from stepflow_codegen.cli import _project_signatures
        from stepflow_codegen.targets import TypeName

        assert _project_signatures(root)["greet"].output == TypeName("component_types", "Shared")
    # compiles (tsc --strict / cargo) and greet's flow cases pass, its output typed as Shared
    builds_and_passes(renamed)


def test_a_component_whose_input_name_is_taken_by_another_definition(renamed: dict[str, Any]) -> None:
    root, language = renamed["root"], renamed["language"]
    assert renamed["added"]["shout"].returncode == 0, renamed["added"]["shout"].stderr
    function, input_type, output_type = generated_signature(root, language, "shout")
    assert (function, input_type, output_type) == ("shout", "ShoutShoutInput", "ShoutOutput")
    if language == "typescript":
        stub = (root / "src" / "impl.ts").read_text().split("add-component shout`", 1)[1]
        assert "_input: T.ShoutShoutInput," in stub and "Promise<T.ShoutOutput>" in stub
    else:
        stub = (root / "src" / "components" / "shout.rs").read_text()
        assert "use stepflow::component_types::{ShoutShoutInput, ShoutOutput};" in stub
        assert "pub async fn shout(_input: ShoutShoutInput, _context: &Context) -> Outcome<ShoutOutput>" in stub
        assert "input: ::stepflow::component_types::ShoutShoutInput," in (root / "src" / "components" / "mod.rs").read_text()
    builds_and_passes(renamed)


def test_a_component_named_by_a_keyword(renamed: dict[str, Any]) -> None:
    root, language = renamed["root"], renamed["language"]
    name = KEYWORD[language]
    r = renamed["added"][name]
    assert r.returncode == 0, r.stderr
    if language == "typescript":
        assert generated_signature(root, language, name) == (name, "DeleteInput", "DeleteOutput")
        impl = (root / "src" / "impl.ts").read_text()
        assert "async function delete_(\n  _input: T.DeleteInput,\n): Promise<T.DeleteOutput> {" in impl
        assert "export { delete_ as delete };" in impl
    else:
        assert generated_signature(root, language, name) == ("type_", "TypeInput", "TypeOutput")
        stub = (root / "src" / "components" / "type_.rs").read_text()
        assert "pub async fn type_(_input: TypeInput, _context: &Context) -> Outcome<TypeOutput>" in stub
        mod = (root / "src" / "components" / "mod.rs").read_text()
        assert "mod type_;" in mod and "async fn type_(" in mod and "type_::type_(input, context)" in mod
    builds_and_passes(renamed)
    # the server serves the stub as that component: a flow calling it gets the stub's failure
    flow = json_yaml(root / "flows" / "example.yaml")
    flow["steps"][0]["component"] = flow["steps"][0]["component"].replace("/greet", f"/{name}")
    (root / "flows" / "keyword.yaml").write_text(json.dumps(flow, indent=2))
    try:
        r = subprocess.run(["bash", "-c", renamed["test_cmd"]], check=False, cwd=root, env=run_env(), capture_output=True,
                           text=True, timeout=SETUP_TIMEOUT)
    finally:
        (root / "flows" / "keyword.yaml").unlink()
    assert r.returncode != 0, r.stdout
    assert f"{name}: write this component" in r.stdout + r.stderr


@pytest.mark.parametrize("language", LANGS)
def test_new_with_a_component_named_by_a_keyword_passes_its_flow(language: str, tmp_path: Path) -> None:
    name = KEYWORD[language]
    root = tmp_path / "kw"
    r = codegen("new", "kw", "--language", language, "--component", name, "--dir", str(root), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    if language == "typescript":
        assert "export { delete_ as delete };" in (root / "src" / "impl.ts").read_text()
    else:
        assert "pub async fn type_(input: TypeInput" in (root / "src" / "components" / "type_.rs").read_text()
    # the flow calls that component: its example body answers through the renamed function
    assert json_yaml(root / "flows" / "example.yaml")["steps"][0]["component"] == f"/kw/{name}"
    _, test_cmd = readme_commands(root)
    r = subprocess.run(["bash", "-c", test_cmd], check=False, cwd=root, env=run_env(), capture_output=True, text=True,
                       timeout=SETUP_TIMEOUT)
    assert passed(language, r), f"{r.stdout}\n{r.stderr}"
