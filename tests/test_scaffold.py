"""`stepflow-codegen new` and `add-component`: a component project that works as created.

(a) `new demo`, then exactly the two commands of its README (set up + run; set up + test) in a
    fresh venv (pip installs the project, and stepflow-codegen from this checkout's file:// URL);
(b) the project's flow runs under the real StepFlow 0.9.0 runtime, which launches the server as
    the project's stepflow-config.yml says, with the output its test case expects;
(c) add-component + a schema change + regenerate keep the author's code, and a signature that no
    longer matches is reported at start-up and by mypy.
"""

from __future__ import annotations

import importlib.util
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from interop import peers
from stepflow_codegen import scaffold
from stepflow_codegen.diagnostics import Diagnostics
from stepflow_codegen.frontend import build_program

ROOT = Path(__file__).resolve().parents[1]
FLOW_SCHEMA = ROOT.parent / "shared" / "protocol" / "flow-0.9.0.json"
SETUP_TIMEOUT = 600  # seconds for each README command (pip); ≈15-40 s with a warm pip cache


def codegen(*args: str, cwd: Path, python: str = sys.executable) -> subprocess.CompletedProcess[str]:
    return subprocess.run([python, "-m", "stepflow_codegen", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def clean_env() -> dict[str, str]:
    """Our environment without what would leak our venv into the project's."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}


def readme_commands(root: Path) -> list[str]:
    """The commands of the README's first bash block (comments and blank lines left out)."""
    text = (root / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", text, re.DOTALL)
    assert block, "README.md has no bash block"
    return [line for line in block.group(1).splitlines() if line.strip() and not line.lstrip().startswith("#")]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("scaffold") / "demo"
    r = codegen("new", "demo", "--dir", str(root), cwd=root.parent)
    assert r.returncode == 0, r.stderr
    assert f"stepflow-codegen @ {ROOT.as_uri()}" in r.stderr
    return root


@pytest.fixture(scope="module")
def readme_run(demo: Path) -> dict[str, Any]:
    """Runs the README's two commands in order; what they did."""
    run_cmd, test_cmd = readme_commands(demo)
    out: dict[str, Any] = {"commands": [run_cmd, test_cmd]}
    t0 = time.monotonic()
    proc = subprocess.Popen(["bash", "-c", run_cmd], cwd=demo, env=clean_env(), stdout=subprocess.PIPE,
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
    r = subprocess.run(["bash", "-c", test_cmd], cwd=demo, env=clean_env(), capture_output=True, text=True,
                       timeout=SETUP_TIMEOUT)
    out["test"] = r
    out["test_seconds"] = time.monotonic() - t1
    sys.stderr.write(f"[scaffold: set up + run {out['run_seconds']:.1f}s, set up + test {out['test_seconds']:.1f}s]\n")
    return out


def canonical(root: Path) -> dict[str, Any]:
    """The canonical schemas of the project's components, computed here by the front end."""
    diags = Diagnostics()
    p = build_program([root / "schemas"], diags, cwd=root)
    return {"/" + c.name: (c.input_schema, c.output_schema) for c in p.components}


# -- (a) -------------------------------------------------------------------------------------------


def test_new_writes_a_complete_project(demo: Path) -> None:
    for rel in ("pyproject.toml", "README.md", "schemas/components.json", "schemas/greet.json",
                "schemas/stepflow/protocol.json", "schemas/stepflow/methods.json", "demo/impl.py", "demo/server.py",
                "demo/generated/components.py", "stepflow-config.yml", "stepflow-config.stdio.yml",
                "flows/example.yaml", "tests/test_flow.py", "tests/test_components.py", "tests/test_generated.py"):
        assert (demo / rel).is_file(), rel
    # the protocol is the one this checkout generates from
    for f in ("protocol.json", "methods.json"):
        assert (demo / "schemas" / "stepflow" / f).read_bytes() == (ROOT / "schemas" / f).read_bytes()
    pyproject = (demo / "pyproject.toml").read_text()
    assert f'"stepflow-codegen @ {ROOT.as_uri()}",' in pyproject  # the explicit, documented dependency
    assert f"stepflow-codegen @ {ROOT.as_uri()}" in (demo / "README.md").read_text()
    assert 'implementation = "demo/impl.py"' in pyproject
    config = yaml.safe_load((demo / "stepflow-config.yml").read_text())
    assert config["plugins"]["demo"] == {
        "type": "stepflow", "command": ".venv/bin/python", "args": ["-m", "demo.server", "--http", "--port", "0"],
        "env": {"LOG_LEVEL": "WARNING"},
    }
    stdio = yaml.safe_load((demo / "stepflow-config.stdio.yml").read_text())
    assert stdio["plugins"]["demo"]["transport"] == "stdio" and stdio["plugins"]["demo"]["args"][-1] == "--stdio"
    # the flow is a StepFlow 0.9 flow: valid against StepFlow's flow schema, read with anyOf for
    # oneOf (its ValueExpr branches overlap, so as written it rejects every expression object)
    flow = yaml.safe_load((demo / "flows" / "example.yaml").read_text())
    schema = json.loads(FLOW_SCHEMA.read_text().replace('"oneOf"', '"anyOf"'))
    errors = [e.message for e in Draft202012Validator(schema).iter_errors(flow)]
    assert not errors, errors
    assert len(readme_commands(demo)) == 2


def test_the_readme_commands_pass_in_a_fresh_venv(demo: Path, readme_run: dict[str, Any]) -> None:
    assert readme_run["commands"][0].startswith("python3 -m venv .venv && .venv/bin/pip install -e .")
    assert readme_run["health"] == {"status": "healthy"}
    listed = readme_run["list"]["result"]["components"]
    assert {c["component"]: (c["input_schema"], c["output_schema"]) for c in listed} == canonical(demo)
    r = readme_run["test"]
    assert r.returncode == 0, f"{readme_run['commands'][1]}\n{r.stdout}\n{r.stderr}"
    assert "ok: demo/generated is up to date" in r.stderr
    assert re.search(r"\b8 passed\b", r.stdout), r.stdout
    # the venv holds stepflow-codegen built from this checkout (not from an index)
    direct = subprocess.run([str(demo / ".venv/bin/python"), "-c",
                             "import importlib.metadata as m; print(m.distribution('stepflow-codegen').read_text('direct_url.json'))"],
                            capture_output=True, text=True, cwd=demo)
    assert json.loads(direct.stdout)["url"] == ROOT.as_uri()


# -- (b) -------------------------------------------------------------------------------------------


def test_the_flow_runs_under_the_real_runtime(demo: Path, readme_run: dict[str, Any], tmp_path: Path) -> None:
    assert readme_run["test"].returncode == 0
    flow = yaml.safe_load((demo / "flows" / "example.yaml").read_text())
    case, failing = flow["test"]["cases"]
    report = peers.run_runtime("0.9.0", demo / "stepflow-config.yml",
                               [{"name": "example", "flow": flow, "input": case["input"]},
                                {"name": "failing", "flow": flow, "input": failing["input"]}], tmp_path,
                               list_components=True)
    body = report.run("example")
    assert body["status"] == "completed", report.explain()
    assert body["result"] == case["output"], report.explain()
    assert body["result"] == {"outcome": "success", "result": {"message": "Hello, Ada!", "length": 11}}
    # the expected-failure case passes under the real runtime with the project's own comparison, and the
    # project's stand-in runner reports the failure in the runtime's shape (code, message, data.stack texts)
    failed = report.run("failing")
    assert failed["status"] == "failed", report.explain()
    spec = importlib.util.spec_from_file_location("demo_flowrun", demo / "tests" / "flowrun.py")
    assert spec is not None and spec.loader is not None
    sys.path.insert(0, str(demo))
    flowrun = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = flowrun
    try:
        spec.loader.exec_module(flowrun)
    finally:
        sys.path.remove(str(demo))
        sys.modules.pop(spec.name, None)
    assert flowrun.matches(failing["output"], failed["result"]), failed["result"]
    ours = flowrun.step_failed("greet", -32602, "x")
    assert {k: failed["result"]["error"][k] for k in ("code", "message")} == {k: ours["error"][k] for k in ("code", "message")}
    runtime_texts = [frame["error"] for frame in failed["result"]["error"]["data"]["stack"]]
    assert [frame["error"] for frame in ours["error"]["data"]["stack"]][:2] == runtime_texts[:2], runtime_texts
    assert runtime_texts[2].startswith("component server error(")
    listed = {c["component"]: c for c in report.data["components"]["body"]["components"]}
    expected_in, expected_out = canonical(demo)["/greet"]
    assert listed["/greet"]["input_schema"] == expected_in and listed["/greet"]["output_schema"] == expected_out
    assert listed["/greet"]["description"] == "Say hello to someone."


# -- (c) -------------------------------------------------------------------------------------------


def test_add_component_and_schema_changes_keep_the_authors_code(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    assert codegen("new", "shop", "--dir", str(root), "--component", "price", cwd=tmp_path).returncode == 0
    impl = root / "shop" / "impl.py"
    authored = impl.read_text().replace(
        '    message = f"Hello, {input.name}{input.punctuation}"',
        '    message = shout(f"Price for {input.name}{input.punctuation}")',
    ) + '\n\ndef shout(text: str) -> str:\n    """A helper of the author\'s."""\n    return text.upper()\n'
    impl.write_text(authored)

    r = codegen("add-component", "summarize", "--description", "Summarize a text.", cwd=root)
    assert r.returncode == 0, r.stderr
    assert "stub summarize() appended to shop/impl.py" in r.stderr
    text = impl.read_text()
    assert text.startswith(authored), "add-component changed existing code"
    stub = text[len(authored):]
    # StepflowContext is imported by the file already: only the new types are, from their own module
    assert "from .generated.component_types import SummarizeInput, SummarizeOutput  # noqa: E402" in stub
    assert "StepflowContext," not in stub and "import StepflowContext" not in stub
    # async with the context, so put_blob/get_blob can be awaited in it
    assert "async def summarize(input: SummarizeInput, context: StepflowContext) -> SummarizeOutput:" in stub
    assert '"""Summarize a text."""' in stub
    # a synchronous one on request; the file imports nothing twice
    r = codegen("add-component", "count", "--sync", cwd=root)
    assert r.returncode == 0, r.stderr
    sync_stub = impl.read_text()[len(text):]
    assert "from .generated.component_types import CountInput, CountOutput  # noqa: E402" in sync_stub
    assert "\ndef count(input: CountInput) -> CountOutput:" in sync_stub
    text = impl.read_text()
    imported = [line for line in text.splitlines() if "import" in line]
    names = [n.strip(" ,()") for line in imported for n in line.split("import", 1)[1].split("#")[0].split(",")]
    assert len(names) == len(set(names)), imported
    manifest = json.loads((root / "schemas" / "components.json").read_text())
    assert [c["name"] for c in manifest["components"]] == ["price", "summarize", "count"]
    assert (root / "schemas" / "summarize.json").is_file()
    assert "def summarize(self) -> ComponentFunction[SummarizeInput, SummarizeOutput]:" in (
        root / "shop" / "generated" / "components.py").read_text()
    assert codegen("check", cwd=root).returncode == 0
    mypy = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental"], cwd=root, capture_output=True, text=True)
    assert mypy.returncode == 0, mypy.stdout
    # twice: refused, nothing changed
    again = codegen("add-component", "summarize", cwd=root)
    assert again.returncode == 2 and "already lists a component 'summarize'" in again.stderr
    assert impl.read_text() == text

    # a schema change that changes price's signature: its output is now PriceReply
    schema = json.loads((root / "schemas" / "price.json").read_text())
    schema["$defs"]["PriceReply"] = {"type": "object", "properties": {"amount": {"type": "number"}},
                                     "required": ["amount"], "additionalProperties": False}
    (root / "schemas" / "price.json").write_text(json.dumps(schema, indent=2))
    manifest["components"][0]["output"] = {"$ref": "price.json#/$defs/PriceReply"}
    (root / "schemas" / "components.json").write_text(json.dumps(manifest, indent=2))
    stale = codegen("check", cwd=root)
    assert stale.returncode == 1 and "stale: shop/generated is out of date" in stale.stderr
    assert codegen("generate", cwd=root).returncode == 0
    assert codegen("check", cwd=root).returncode == 0
    assert impl.read_text() == text, "regenerating touched the implementation"

    start = subprocess.run([sys.executable, "-m", "shop.server", "--http"], cwd=root, capture_output=True, text=True,
                           timeout=60)
    assert start.returncode == 1
    assert ("error: shop.impl does not implement the components of schemas/components.json as generated:\n"
            "  price: expected def price(input: PriceInput[, context: StepflowContext]) -> PriceReply (sync or async), "
            "found def price(input: PriceInput, context: StepflowContext) -> PriceOutput") in start.stderr, start.stderr
    mypy = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental"], cwd=root, capture_output=True, text=True)
    assert mypy.returncode == 1
    assert 'Argument 2 to "register_components" has incompatible type Module; expected "Implementation"' in mypy.stdout
    assert ('price: expected "Callable[[PriceInput], PriceReply | Awaitable[PriceReply]] | '
            'Callable[[PriceInput, StepflowContext], PriceReply | Awaitable[PriceReply]]", got '
            '"Callable[[PriceInput, StepflowContext], PriceOutput]"') in mypy.stdout, mypy.stdout


def test_a_stdio_project_with_several_components_passes_its_tests(
    tmp_path: Path, demo: Path, readme_run: dict[str, Any]
) -> None:
    """--transport stdio --component ...; run with the venv of (a) (it has every dev dependency)."""
    assert readme_run["test"].returncode == 0
    root = tmp_path / "multi"
    r = codegen("new", "multi-tool", "--dir", str(root), "--transport", "stdio", "--component", "alpha",
                "--component", "beta_gamma", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "transport: stdio" in (root / "stepflow-config.yml").read_text()
    assert "--http" in (root / "stepflow-config.http.yml").read_text()
    assert "StepflowStdioServer()" in (root / "multi_tool" / "server.py").read_text()
    (root / ".venv").symlink_to(demo / ".venv")
    t = subprocess.run([str(root / ".venv/bin/python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=root,
                       env=clean_env(), capture_output=True, text=True, timeout=300)
    assert t.returncode == 0, t.stdout + t.stderr
    assert re.search(r"\b9 passed\b", t.stdout), t.stdout
    # `new` from the project's own venv: stepflow-codegen there was installed from this checkout
    again = subprocess.run([str(demo / ".venv/bin/stepflow-codegen"), "new", "again", "--dir", str(tmp_path / "again")],
                           capture_output=True, text=True, timeout=120, env=clean_env())
    assert again.returncode == 0, again.stderr
    assert "installed from a local directory (direct_url.json)" in again.stderr
    assert f'"stepflow-codegen @ {ROOT.as_uri()}"' in (tmp_path / "again" / "pyproject.toml").read_text()


# -- where stepflow-codegen comes from, and refusals ----------------------------------------------


def test_the_codegen_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = scaffold.find_codegen_source()
    assert src.requirement == f"stepflow-codegen @ {ROOT.as_uri()}" and src.schemas == ROOT / "schemas"
    assert scaffold.find_codegen_source(str(ROOT)).how == "--codegen-source"
    with pytest.raises(scaffold.ScaffoldError, match="not a stepflow-codegen checkout"):
        scaffold.find_codegen_source(str(tmp_path))
    # an installation that is neither a checkout nor installed from one (a wheel from an index)
    import importlib.metadata

    monkeypatch.setattr(importlib.metadata, "distribution", lambda name: (_ for _ in ()).throw(
        importlib.metadata.PackageNotFoundError(name)))
    monkeypatch.setattr(scaffold, "__file__", str(tmp_path / "site-packages" / "stepflow_codegen" / "scaffold.py"))
    with pytest.raises(scaffold.ScaffoldError, match="pass --codegen-source /path/to/stepflow-codegen"):
        scaffold.find_codegen_source()
    assert scaffold.find_codegen_source(str(ROOT)).requirement == f"stepflow-codegen @ {ROOT.as_uri()}"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["new", "1abc"], "project name '1abc'"),
        (["new", "json"], "shadows a module"),
        (["new", "ok", "--component", "a-b"], "component name 'a-b'"),
        (["new", "ok", "--component", "x", "--component", "x"], "must be different"),
        (["new", "ok", "--codegen-source", "/"], "not a stepflow-codegen checkout"),
    ],
)
def test_new_refuses(tmp_path: Path, args: list[str], message: str) -> None:
    r = codegen(*args, cwd=tmp_path)
    assert r.returncode == 2 and message in r.stderr, r.stderr
    assert not any(tmp_path.iterdir())


def test_new_refuses_a_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "keep.txt").write_text("mine")
    r = codegen("new", "taken", cwd=tmp_path)
    assert r.returncode == 2 and "exists and is not empty" in r.stderr
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["keep.txt"]


def test_add_component_outside_a_project(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[[tool.stepflow-codegen.targets]]\nlanguage = "python"\nschemas = ["schemas/"]\nout = "generated/python"\n'
    )
    r = codegen("add-component", "x", cwd=tmp_path)
    assert r.returncode == 2 and "needs exactly one python, typescript or rust target with `implementation" in r.stderr


# -- CI recipes ------------------------------------------------------------------------------------


def test_pre_commit_hook_and_ci_snippet() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "stepflow-codegen-check"
    assert (hook["entry"], hook["language"], hook["pass_filenames"]) == ("stepflow-codegen check", "python", False)
    assert re.search(hook["files"], "schemas/protocol.json") and re.search(hook["files"], "pyproject.toml")
    doc = (ROOT / "docs" / "ci.md").read_text()
    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", doc, re.DOTALL)]
    workflow = next(b for b in blocks if isinstance(b, dict) and "jobs" in b)
    steps = workflow["jobs"]["stepflow-codegen-check"]["steps"]
    assert {"run": "stepflow-codegen check"} in steps
    hooks = [h for b in blocks if isinstance(b, dict) and "repos" in b for r in b["repos"] for h in r["hooks"]]
    assert {h["id"] for h in hooks} == {"stepflow-codegen-check"}
    # the hook's entry, run as pre-commit runs it (no file names), passes on this repository
    r = subprocess.run(["bash", "-c", hook["entry"]], cwd=ROOT, capture_output=True, text=True, timeout=300,
                       env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"})
    assert r.returncode == 0, r.stdout + r.stderr
