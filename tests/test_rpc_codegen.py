"""Generating the JSON-RPC peers: the method table's ``profile``/``namespace`` keys, the generic
output without a profile, and the generated code standing alone."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from rpc_support import ROOT

UPSTREAM = ROOT / "tests" / "fixtures" / "upstream"


def generate(out: Path, *inputs: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stepflow_codegen", "python", *map(str, inputs), "-o", str(out), "-q"],
        capture_output=True, text=True, cwd=ROOT,
    )


def table_with(tmp_path: Path, **keys: object) -> Path:
    table = json.loads((ROOT / "schemas" / "methods.json").read_text())
    table.update(keys)
    for k, v in keys.items():
        if v is None:
            del table[k]
    (tmp_path / "protocol.json").write_text((ROOT / "schemas" / "protocol.json").read_text())
    path = tmp_path / "methods.json"
    path.write_text(json.dumps(table))
    return path


@pytest.mark.parametrize(
    ("keys", "pointer", "words"),
    [
        ({"profile": "stepflow"}, "/profile", "unknown profile 'stepflow'"),
        ({"namespace": "stepflow"}, "/namespace", "PascalCase"),
        ({"namespace": 5}, "/namespace", "PascalCase"),
    ],
)
def test_bad_profile_or_namespace_is_reported(tmp_path: Path, keys: dict[str, object], pointer: str, words: str) -> None:
    table = table_with(tmp_path, **keys)
    r = generate(tmp_path / "out", tmp_path / "protocol.json", table)
    assert r.returncode == 2
    assert f"methods.json#{pointer}: error[load]" in r.stderr and words in r.stderr


def test_profile_needs_the_stepflow_methods(tmp_path: Path) -> None:
    table = json.loads(table_with(tmp_path).read_text())
    table["requests"] = [m for m in table["requests"] if m["method"] != "components/info"]
    (tmp_path / "methods.json").write_text(json.dumps(table))
    r = generate(tmp_path / "out", tmp_path / "protocol.json", tmp_path / "methods.json")
    assert r.returncode == 2
    assert "error[profile]" in r.stderr and "no 'components/info' request" in r.stderr


def test_without_namespace_classes_are_unprefixed(tmp_path: Path) -> None:
    table = table_with(tmp_path, namespace=None)
    r = generate(tmp_path / "plain", tmp_path / "protocol.json", table)
    assert r.returncode == 0, r.stderr
    init = (tmp_path / "plain" / "__init__.py").read_text()
    for name in ("Server", "StdioServer", "Context", "Client", "ComponentError", "InMemoryRuntime", "RuntimeHandlers"):
        assert f"    {name},\n" in init, name
    assert "Stepflow" not in init


def test_generic_peers_without_a_profile(tmp_path: Path) -> None:
    """StepFlow's own 0.9.0 schema with a table that has no profile: typed handlers, context,
    client and transports, but no component layer; mypy --strict and black clean; it serves."""
    out = tmp_path / "up09"
    r = generate(out, UPSTREAM / "protocol-0.9.0.json", UPSTREAM / "stepflow-0.9.0.methods.json")
    assert r.returncode == 0, r.stderr
    server = (out / "server.py").read_text()
    assert "class Server(ComponentServerHandlers):" in server and "def component(" not in server
    assert "StepflowError" not in (out / "__init__.py").read_text()
    r = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "up09"], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    r = subprocess.run([sys.executable, "-m", "black", "--check", "-q", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    script = tmp_path / "serve.py"
    script.write_text(textwrap.dedent(
        """
        import sys
        sys.path.insert(0, sys.argv[1])
        import up09

        class Mine(up09.StdioServer):
            async def initialize(self, params, context):
                return up09.InitializeResult(server_protocol_version=params.runtime_protocol_version + 41)

        Mine().main(["--stdio"])
        """
    ))
    lines = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"runtime_protocol_version": 1}},
        {"jsonrpc": "2.0", "id": 2, "method": "components/list", "params": {}},
    ]
    r = subprocess.run(
        [sys.executable, str(script), str(tmp_path)],
        input="".join(json.dumps(m) + "\n" for m in lines), capture_output=True, text=True, timeout=60,
    )
    assert r.returncode == 0, r.stderr
    answers = sorted((json.loads(x) for x in r.stdout.splitlines()), key=lambda a: a["id"])
    assert answers[0]["result"] == {"server_protocol_version": 42}
    assert answers[1]["error"]["code"] == -32601


def test_generated_peers_need_only_msgspec_and_uvicorn() -> None:
    imports: set[str] = set()
    for name in ("_rpc.py", "server.py", "client.py"):
        for line in (ROOT / "generated" / "python" / name).read_text().splitlines():
            if line.startswith(("import ", "from ")) and not line.startswith("from ."):
                imports.add(line.split()[1].split(".")[0])
    stdlib = set(sys.stdlib_module_names)
    assert imports - stdlib == {"msgspec"}, imports - stdlib
    assert 'importlib.import_module("uvicorn")' in (ROOT / "generated" / "python" / "server.py").read_text()


def test_a_table_whose_params_all_need_validation_imports_and_decodes(tmp_path: Path) -> None:
    """No method's params decode exactly (``uniqueItems`` needs the validators): the fast path has no
    request to decode, the package still imports, and every request takes the validating path."""
    (tmp_path / "s.json").write_text(json.dumps({"$defs": {"P": {
        "type": "object", "properties": {"tags": {"type": "array", "uniqueItems": True}}, "required": ["tags"]}}}))
    (tmp_path / "m.json").write_text(json.dumps({
        "$schema": "urn:stepflow-codegen:method-table:v1", "name": "Demo",
        "roles": {"client": "client", "server": "server"},
        "requests": [{"method": "greet", "messageDirection": "clientToServer",
                      "params": {"$ref": "s.json#/$defs/P"}, "result": {"$ref": "s.json#/$defs/P"}}],
        "notifications": [],
    }))
    r = generate(tmp_path / "onlyslow", tmp_path / "s.json", tmp_path / "m.json")
    assert r.returncode == 0, r.stderr
    code = textwrap.dedent("""
        import onlyslow as p
        assert p.methods._requests == {} and p.methods._notifications == {}
        m = p.decode_message(b'{"jsonrpc":"2.0","id":1,"method":"greet","params":{"tags":[1,2]}}')
        assert type(m).__name__ == "GreetRequest" and m.params.tags == [1, 2]
        try:
            p.decode_message(b'{"jsonrpc":"2.0","id":1,"method":"greet","params":{"tags":[1,1]}}')
        except p.ProtocolError as e:
            assert e.code == -32602, e.code
        else:
            raise AssertionError("duplicate items accepted")
        print("ok")
    """)
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout == "ok\n", run.stdout + run.stderr
