"""The generated TypeScript component server (docs/typescript.md, "Component server").

``tests/ts_server/`` is a component project: a manifest + schemas (``schemas/``), the author's
``impl.ts`` and ``main.ts``. The test generates ``generated/`` from ``schemas/`` (the StepFlow
protocol) + that manifest into a scratch copy, compiles it with ``tsc --strict`` (Node's types from
``tests/ts-server``, pinned) and runs it under Node:

* the generated Python client (``StepflowClient``) drives it over STDIO and over HTTP: handshake,
  list/info with the canonical schemas, execute, a ``blobs/put``/``blobs/get`` round trip answered by
  the client's ``InMemoryRuntime`` (SSE over HTTP), a failing component, a custom error code, an
  unknown component, invalid input;
* the hostile messages of ``tests/test_rpc_fuzz.py`` (its generator, 10,500 messages + valid ones
  interleaved) get the same codes and ids as from the Python server, over STDIO and over HTTP,
  and the server keeps serving;
* an implementation that misses a component is refused at start-up, naming it;
* the real StepFlow 0.9.0 runtime launches the compiled server itself (HTTP subprocess mode,
  ``command: node``) and runs a multi-step flow with blobs and a failing step.
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from interop import peers
from rpc_support import execute, run, sf, stop
from test_rpc_fuzz import LIMIT, SEED, Case, Generator, check, key

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "tests" / "ts_server"
TOOLS = ROOT / "tests" / "ts-server"
VALUE = {"greeting": "Hello World", "name": "Ada Lovelace", "count": 3, "ok": True}
VALUE_ID = "4d6da75bd9d52dee3dc0486fe2ff9103db155e63f95b89fad06d0d44a2f70d8e"  # the real 0.9 runtime's id


def node() -> str:
    path = shutil.which("node")
    if path is None or shutil.which("npm") is None:
        pytest.fail("Node.js (node and npm) is needed for the TypeScript server tests")
    return path


def ensure_tools() -> Path:
    """tests/ts-server/node_modules from its package-lock.json (npm ci, once)."""
    tsc = TOOLS / "node_modules" / ".bin" / "tsc"
    if not tsc.exists():
        done = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=TOOLS, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
    return tsc


def generate(out: Path, *manifests: Path) -> None:
    cmd = [sys.executable, "-m", "stepflow_codegen", "typescript", "schemas/", *map(str, manifests), "-o", str(out), "-q"]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def build(project: Path, dest: Path) -> Path:
    """Copy a component project, generate its generated/, compile it: the directory of the JS."""
    tsc = ensure_tools()
    shutil.copytree(project, dest, ignore=shutil.ignore_patterns("generated", "node_modules", "out"))
    (dest / "package.json").write_text('{"type": "module"}\n')
    generate(dest / "generated", project / "schemas")
    (dest / "node_modules").symlink_to(TOOLS / "node_modules")
    done = subprocess.run([str(tsc), "-p", str(dest)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return dest / "out"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The compiled main.js of tests/ts_server."""
    out = build(PROJECT, tmp_path_factory.mktemp("ts-server") / "project")
    return out / "main.js"


# ---------------------------------------------------------------------------------------------
# generation
# ---------------------------------------------------------------------------------------------


def test_generation_is_deterministic_and_carries_the_runtime(tmp_path: Path) -> None:
    generate(tmp_path / "a", PROJECT / "schemas")
    generate(tmp_path / "b", PROJECT / "schemas")
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "b").iterdir())
    for name in files:
        if name.endswith(".json"):  # package.json/tsconfig.json: the header key and the package name name the directory
            ja, jb = (json.loads((tmp_path / d / name).read_text()) for d in "ab")
            assert {k: v for k, v in ja.items() if k not in ("//", "name")} == {
                k: v for k, v in jb.items() if k not in ("//", "name")
            }, name
            continue
        a, b = ((tmp_path / d / name).read_text().split("\n", 2) for d in "ab")
        assert a[2] == b[2], name  # the header's second line names the output directory
    assert {"components.ts", "server.ts", "http.ts", "stdio.ts", "rpc.ts", "client.ts", "runtime.ts"} <= set(files)
    for name in ("server.ts", "http.ts", "stdio.ts", "rpc.ts", "client.ts", "runtime.ts"):  # the runtime is copied, header first
        text = (tmp_path / "a" / name).read_text()
        assert text.startswith("// generated by stepflow-codegen, do not edit.\n")
        assert text.endswith((ROOT / "templates" / "typescript" / "runtime" / name).read_text())
    components = (tmp_path / "a" / "components.ts").read_text()
    assert "stepflow_codegen" not in components
    assert '"Title-case every value."' in components  # the manifest's text, escaped
    # a protocol-only module stays free of Node imports (no manifest among the inputs)
    assert not (ROOT / "generated" / "typescript" / "server.ts").exists()


def test_validator_runtime_source_type_checks_where_it_sits(tmp_path: Path) -> None:
    """templates/typescript/runtime/runtime.ts (the validators' checks, in every generated module, a
    browser one too) is compiled as it is in the repository: tsc --strict with the flags of
    tests/ts/tsconfig.json, no Node types, nothing emitted; every generated copy is the file after
    the header and a blank line."""
    source = ROOT / "templates" / "typescript" / "runtime" / "runtime.ts"
    text = source.read_text()
    assert "{{" not in text and "{%" not in text  # no Jinja left
    for out in (ROOT / "generated" / "typescript", ROOT / "examples" / "ts-components" / "generated"):
        copy = (out / "runtime.ts").read_text()
        assert copy.startswith("// generated by stepflow-codegen, do not edit.\n"), out
        assert copy.split("\n", 2)[2] == "\n" + text, out
    options = json.loads((ROOT / "tests" / "ts" / "tsconfig.json").read_text())["compilerOptions"]
    for key in ("rootDir", "outDir"):
        options.pop(key)
    # a lone file outside any package.json: ES modules without Node's module-format rules
    options.update(noEmit=True, types=[], module="es2022", moduleResolution="bundler")
    config = tmp_path / "tsconfig.json"
    config.write_text(json.dumps({"compilerOptions": options, "files": [str(source)]}))
    done = subprocess.run([str(ensure_tools()), "-p", str(config)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_missing_component_is_refused_at_start_up(server: Path) -> None:
    script = server.parent / "partial.mjs"
    script.write_text(
        'import { createServer, checkImplementation } from "./generated/components.js";\n'
        "try { createServer({ echo: (i) => i, title_case: 3 }); console.log('no error'); }\n"
        "catch (e) { console.log(e.name); console.log(e.message); }\n"
        "console.log(JSON.stringify(checkImplementation({ echo: (a, b, c) => a })));\n"
    )
    done = subprocess.run([node(), str(script)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "ImplementationError", done.stdout
    assert "  fail: expected a function (input: Anything, context: StepflowContext) => Anything | Promise<Anything>, found nothing" in lines
    assert any(line.startswith("  title_case: expected a function") and line.endswith("found a number") for line in lines), lines
    assert not any(line.startswith("  echo:") for line in lines[:-1])
    problems = json.loads(lines[-1])
    assert "echo: expected a function (input: Anything, context: StepflowContext) => Anything | Promise<Anything>, found one with 3 parameters" in problems


def test_runtime_unit_tests(server: Path) -> None:
    """tests/ts_server/runtime.test.ts: the runtime's own unit tests, in TypeScript, under node --test."""
    done = subprocess.run([node(), "--test", str(server.parent / "runtime.test.js")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-3000:]
    assert "# pass 6" in done.stdout and "# fail 0" in done.stdout, done.stdout[-2000:]


def test_typescript_client(server: Path) -> None:
    """tests/ts_server/client.test.ts: the generated TypeScript client (generated/client.ts) drives
    the generated Python server (tests/rpc_components) and the TypeScript one, over STDIO and HTTP:
    list, info, execute, blob callbacks answered by its InMemoryRuntime, error codes."""
    env = {**os.environ, "STEPFLOW_PYTHON": sys.executable, "STEPFLOW_PY_SERVER": str(ROOT / "tests" / "rpc_components" / "components.py"),
           "PYTHONPATH": str(ROOT / "generated")}
    done = subprocess.run([node(), "--test", str(server.parent / "client.test.js")], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-3000:]
    assert "# pass 4" in done.stdout and "# fail 0" in done.stdout, done.stdout[-2000:]


# ---------------------------------------------------------------------------------------------
# driven by the generated Python client
# ---------------------------------------------------------------------------------------------


async def exercise(client: sf.StepflowClient) -> None:
    init = await client.initialize(sf.InitializeParams(runtime_protocol_version=1))
    assert init == sf.InitializeResult(server_protocol_version=1)
    await client.initialized()
    listed = await client.components_list()
    names = [c.component for c in listed.components]
    assert names == ["/echo", "/fail", "/fail_custom", "/get_blob", "/put_blob", "/sleep", "/title_case"]
    info = (await client.components_info(sf.ComponentInfoParams(component="title_case"))).info
    assert info.component == "/title_case" and info.description == "Title-case every value."
    assert info.input_schema == {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {"values": {"type": "object", "additionalProperties": {"type": "string"}}},
        "required": ["values"],
        "additionalProperties": False,
    }
    assert info.output_schema["properties"]["changed"] == {"type": "integer", "minimum": 0}
    with pytest.raises(sf.RpcError) as e:
        await client.components_info(sf.ComponentInfoParams(component="/nope"))
    assert (e.value.code, e.value.data) == (-32001, {"component": "/nope"})
    with pytest.raises(sf.RpcError) as e:
        await client.components_infer_schema(sf.ComponentInferSchemaParams(component="/echo", input_schema={}))
    assert e.value.code == -32601

    out = await client.components_execute(execute("/title_case", {"values": {"a": "hello world", "b": "X"}}))
    assert out.output == {"values": {"a": "Hello World", "b": "X"}, "changed": 1}
    odd = {"é": [1.5, 1e20, -0.0, None, True], "\u2028": "\ud7ff"}
    assert (await client.components_execute(execute("echo", odd))).output == odd

    blob = (await client.components_execute(execute("/put_blob", {"value": VALUE}))).output
    assert blob == {"blob_id": VALUE_ID}
    assert isinstance(client.handlers, sf.InMemoryRuntime)
    assert client.handlers.blobs[VALUE_ID] == (VALUE, sf.BlobType.DATA)
    back = (await client.components_execute(execute("/get_blob", {"blob_id": VALUE_ID}))).output
    assert back == {"value": VALUE}

    with pytest.raises(sf.RpcError) as e:
        await client.components_execute(execute("/get_blob", {"blob_id": "0" * 64}))
    assert (e.value.code, e.value.message) == (-32003, "Component execution failed: JSON-RPC error -32000: Failed to get blob")
    with pytest.raises(sf.RpcError) as e:
        await client.components_execute(execute("/fail", {}))
    assert (e.value.code, e.value.message, e.value.data) == (
        -32003,
        "Component execution failed: deliberate failure",
        {"component": "/fail", "exception": "Error"},
    )
    with pytest.raises(sf.RpcError) as e:
        await client.components_execute(execute("/fail_custom", {}))
    assert (e.value.code, e.value.message, e.value.data) == (-32050, "custom failure", {"hint": "send values"})
    with pytest.raises(sf.RpcError) as e:
        await client.components_execute(execute("/nope", {}))
    assert (e.value.code, e.value.message, e.value.data) == (-32001, "Component '/nope' not found", {"component": "/nope"})
    with pytest.raises(sf.RpcError) as e:
        await client.components_execute(execute("/title_case", {"values": {"a": 3}, "extra": 1}))
    assert e.value.code == -32602
    assert e.value.message == (
        "Invalid input for component /title_case: #/values/a: expected a string (type); #/extra: unexpected property (additionalProperties)"
    )
    assert e.value.data == {"component": "/title_case", "problems": ["#/values/a: expected a string (type)", "#/extra: unexpected property (additionalProperties)"]}

    # concurrency: slow and quick requests overlap, blobs from several executes at once
    started = time.perf_counter()
    slow = asyncio.ensure_future(client.components_execute(execute("/sleep", {"ms": 400})))
    blobs = await asyncio.gather(*(client.components_execute(execute("/put_blob", {"value": i})) for i in range(8)))
    assert [b.output["blob_id"] for b in blobs] == [sf.blob_id(i) for i in range(8)]
    assert (await slow).output == {"slept": 400}
    assert time.perf_counter() - started < 5


def test_stdio_driven_by_the_generated_client(server: Path) -> None:
    async def main() -> None:
        client = await sf.StepflowClient.connect_stdio(node(), [str(server), "--stdio"])
        async with client:
            await exercise(client)
        assert client.process is not None and client.process.returncode == 0

    run(main())


async def start_http(server: Path, *extra: str) -> tuple[asyncio.subprocess.Process, int]:
    proc = await asyncio.create_subprocess_exec(node(), str(server), "--http", "--port", "0", *extra, stdout=asyncio.subprocess.PIPE)
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 30)
    port = json.loads(line)["port"]
    assert line == f'{{"port": {port}}}\n'.encode(), line
    return proc, port


def test_http_driven_by_the_generated_client(server: Path) -> None:
    async def main() -> None:
        proc, port = await start_http(server)
        try:
            async with await sf.StepflowClient.connect_http(f"http://127.0.0.1:{port}") as client:
                await exercise(client)
            # the wire: JSON without callbacks, SSE with the instance id once a component calls back
            status, headers, body = await post(port, json.dumps({"jsonrpc": "2.0", "id": "h1", "method": "components/execute", "params": execute_params("/put_blob", {"value": 1})}).encode(), first_event=True)
            assert status == 200 and headers["content-type"] == "text/event-stream", headers
            assert len(headers["stepflow-instance-id"]) == 16 and int(headers["stepflow-instance-id"], 16) >= 0
            assert body.startswith(b'data: {"jsonrpc":"2.0","id":"') and b'"method":"blobs/put"' in body
            status, headers, body = await post(port, b"{}", path="/health", method="GET")
            assert (status, body) == (200, b'{"status":"healthy"}')
            status, headers, body = await post(port, b"{}", content_type="text/plain")
            assert status == 415 and json.loads(body)["error"]["code"] == -32600
            status, headers, body = await post(port, b"{}", path="/x")
            assert status == 404
            status, headers, body = await post(port, b'{"jsonrpc":"2.0","method":"initialized","params":{}}')
            assert (status, body) == (202, b'""')
        finally:
            proc.terminate()
            assert await asyncio.wait_for(proc.wait(), 10) == 0

    run(main())


def execute_params(component: str, input: Any) -> dict[str, Any]:
    return {"component": component, "input": input, "attempt": 1, "observability": {}}


async def post(
    port: int, body: bytes, *, path: str = "/", method: str = "POST", content_type: str = "application/json",
    first_event: bool = False,
) -> tuple[int, dict[str, str], bytes]:
    """One request on its own connection; reads to the end (or the first SSE event), then closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    writer.write(head.encode() + body)
    await writer.drain()
    status, headers, data = await read_response(reader, until_close=not first_event)
    writer.close()
    return status, headers, data


async def read_response(reader: asyncio.StreamReader, until_close: bool = False) -> tuple[int, dict[str, str], bytes]:
    status_line = await asyncio.wait_for(reader.readline(), 30)
    status = int(status_line.split()[1])
    headers: dict[str, str] = {}
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        k, v = line.decode("latin-1").split(":", 1)
        headers[k.strip().lower()] = v.strip()
    if "content-length" in headers:
        return status, headers, await reader.readexactly(int(headers["content-length"]))
    if headers.get("transfer-encoding") == "chunked":
        data = b""
        while True:
            size = int((await reader.readline()).strip(), 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                return status, headers, data
            data += chunk[:-2]
            if not until_close and b"\n\n" in data:
                return status, headers, data
    return status, headers, await reader.read()


# ---------------------------------------------------------------------------------------------
# hostile input: the Python server's fuzz, same expectations
# ---------------------------------------------------------------------------------------------


def test_fuzz_stdio(server: Path) -> None:
    cases = Generator(SEED).cases()
    assert sum(c.kind != "ok" for c in cases) >= 10_000

    async def main() -> tuple[dict[str, list[Any]], list[Any], int, float]:
        proc = await asyncio.create_subprocess_exec(
            node(), str(server), "--stdio", "--max-message", str(LIMIT), "--log-level", "critical",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=1 << 24,
        )
        assert proc.stdin is not None and proc.stdout is not None
        by_id: dict[str, list[Any]] = collections.defaultdict(list)
        nulls: list[Any] = []
        expected = sum(c.kind in ("answer", "ok", "null") for c in cases)

        async def reader() -> None:
            got = 0
            while got < expected:
                line = await proc.stdout.readline()  # type: ignore[union-attr]
                assert line, "the server stopped answering"
                msg = json.loads(line)
                got += 1
                (nulls if msg["id"] is None else by_id[key(msg["id"])]).append(msg)

        started = time.perf_counter()
        reading = asyncio.ensure_future(reader())
        for i, c in enumerate(cases):
            proc.stdin.write(c.data + (b"\r\n" if i % 7 == 0 else b"\n"))
            if i % 5 == 0:
                proc.stdin.write(b"   \n")
            if i % 200 == 0:
                await proc.stdin.drain()
        await proc.stdin.drain()
        await asyncio.wait_for(reading, 120)
        elapsed = time.perf_counter() - started
        await asyncio.sleep(0.3)
        proc.stdin.close()
        rest = await asyncio.wait_for(proc.stdout.read(), 30)
        code = await asyncio.wait_for(proc.wait(), 30)
        assert rest == b"", rest[:300]
        return by_id, nulls, code, elapsed

    by_id, nulls, code, elapsed = run(main(), timeout=300)
    check(cases, by_id, nulls)
    assert code == 0
    print(f"\nTypeScript STDIO fuzz: {len(cases)} messages in {elapsed:.1f} s")


def test_fuzz_http(server: Path) -> None:
    cases = Generator(SEED + 1).cases()

    async def main() -> tuple[dict[str, list[Any]], list[Any], float]:
        proc, port = await start_http(server, "--max-message", str(LIMIT), "--log-level", "critical")
        by_id: dict[str, list[Any]] = collections.defaultdict(list)
        nulls: list[Any] = []
        queue: asyncio.Queue[Case] = asyncio.Queue()
        for c in cases:
            queue.put_nowait(c)

        async def worker() -> None:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 22)
            while not queue.empty():
                c = queue.get_nowait()
                head = f"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {len(c.data)}\r\n\r\n"
                writer.write(head.encode() + c.data)
                await writer.drain()
                status, _, body = await read_response(reader)
                if status == 202:
                    assert body == b'""' and c.kind == "none", (c.label, status)
                    continue
                msg = json.loads(body)
                assert status in (200, 400, 413), (c.label, status)
                if c.kind == "ok":
                    assert status == 200
                if c.kind == "none":
                    assert "error" in msg
                    continue
                (nulls if msg["id"] is None else by_id[key(msg["id"])]).append(msg)
            writer.close()

        started = time.perf_counter()
        try:
            await asyncio.gather(*(worker() for _ in range(16)))
            elapsed = time.perf_counter() - started
            # still serving
            async with await sf.StepflowClient.connect_http(f"http://127.0.0.1:{port}") as client:
                assert (await client.components_execute(execute("/echo", 1))).output == 1
        finally:
            proc.terminate()
            await stop(proc)
        return by_id, nulls, elapsed

    by_id, nulls, elapsed = run(main(), timeout=300)
    check(cases, by_id, nulls)
    print(f"\nTypeScript HTTP fuzz: {len(cases)} messages in {elapsed:.1f} s")


# ---------------------------------------------------------------------------------------------
# the real StepFlow 0.9.0 runtime launches the TypeScript server (HTTP subprocess mode)
# ---------------------------------------------------------------------------------------------

RECORD = {"greeting": "hello world", "name": "ada lovelace", "dish": "crème brûlée"}
TITLED = {"greeting": "Hello World", "name": "Ada Lovelace", "dish": "Crème Brûlée"}
EXTRA = {"city": "new york", "list": [1, 2, {"deep": "value"}]}

MAIN_FLOW: dict[str, Any] = {
    "name": "ts-server-0.9",
    "steps": [
        {"id": "titled", "component": "/ts/title_case", "input": {"values": {"$input": "record"}}},
        {"id": "stored", "component": "/ts/put_blob", "input": {"value": {"$step": "titled", "path": "values"}}},
        {"id": "loaded", "component": "/ts/get_blob", "input": {"blob_id": {"$step": "stored", "path": "blob_id"}}},
        {"id": "builtin_view", "component": "/builtin/get_blob", "input": {"blob_id": {"$step": "stored", "path": "blob_id"}}},
        {"id": "builtin_put", "component": "/builtin/put_blob", "input": {"data": {"$input": "extra"}, "blob_type": "data"}},
        {"id": "ts_view", "component": "/ts/get_blob", "input": {"blob_id": {"$step": "builtin_put", "path": "blob_id"}}},
    ],
    "output": {
        "titled": {"$step": "titled"},
        "blob_id": {"$step": "stored", "path": "blob_id"},
        "roundtrip": {"$step": "loaded", "path": "value"},
        "builtin_view": {"$step": "builtin_view"},
        "ts_view": {"$step": "ts_view", "path": "value"},
    },
}
FAIL_FLOW: dict[str, Any] = {
    "name": "ts-server-0.9-failure",
    "steps": [{"id": "boom", "component": "/ts/fail", "input": {"$input": "x"}}],
    "output": {"never": {"$step": "boom"}},
}


@pytest.fixture(scope="module")
def runtime(server: Path, tmp_path_factory: pytest.TempPathFactory) -> peers.RuntimeReport:
    workdir = tmp_path_factory.mktemp("ts-runtime09")
    config = {
        "plugins": {
            "builtin": {"type": "builtin"},
            "ts": {"type": "stepflow", "command": node(), "args": [str(server), "--http", "--port", "0"], "env": {}},
        },
        "routes": {"/ts/{*component}": [{"plugin": "ts"}], "/builtin/{*component}": [{"plugin": "builtin"}]},
        "stateStore": {"type": "inMemory"},
    }
    return peers.run_runtime(
        "0.9.0",
        config,
        [
            {"name": "main", "flow": MAIN_FLOW, "input": {"record": RECORD, "extra": EXTRA}},
            {"name": "fail", "flow": FAIL_FLOW, "input": {"x": 1}, "items": True},
        ],
        workdir,
        list_components=True,
    )


def test_real_runtime_runs_the_flow(runtime: peers.RuntimeReport) -> None:
    assert runtime.data["health"]["version"] == "0.9.0", runtime.data["health"]
    body = runtime.run("main")
    assert body["status"] == "completed", runtime.explain()
    expected = {
        "titled": {"values": TITLED, "changed": 3},
        "blob_id": peers.blob_id(TITLED),
        "roundtrip": TITLED,
        "builtin_view": {"data": TITLED},
        "ts_view": EXTRA,
    }
    assert body["result"] == {"outcome": "success", "result": expected}, runtime.explain()
    assert peers.blob_id(TITLED) == hashlib.sha256(peers.compact(TITLED).encode()).hexdigest()


def test_real_runtime_lists_the_canonical_schemas(runtime: peers.RuntimeReport) -> None:
    listed = runtime.data["components"]
    assert listed["status"] == 200, listed
    ours = {c["component"]: c for c in listed["body"]["components"] if c["component"] in ("/title_case", "/sleep")}
    assert ours["/title_case"]["input_schema"]["required"] == ["values"], listed
    assert ours["/sleep"]["input_schema"]["properties"]["ms"]["maximum"] == 10000


def test_real_runtime_reports_the_failing_step(runtime: peers.RuntimeReport) -> None:
    body = runtime.run("fail")
    assert body["status"] == "failed", runtime.explain()
    error = body["result"]["error"]
    assert (error["code"], error["message"]) == (500, 'step "boom" failed'), error
    assert error["data"]["stack"][-1]["error"] == "component server error(-32003): Component execution failed: deliberate failure"


def test_node_environment_is_what_the_runtime_passes() -> None:
    # the runtime clears the environment (env -i): the compiled server needs nothing from it
    assert os.path.isabs(node())


def test_names_that_could_collide_compile_and_serve(tmp_path: Path) -> None:
    """Schema types named like the module's own names, components named `constructor` and
    `math/add`, a description with `*/` and a quote: generated code compiles and serves."""
    project = tmp_path / "odd"
    (project / "schemas").mkdir(parents=True)
    (project / "schemas" / "components.json").write_text(json.dumps({
        "$schema": "urn:stepflow-codegen:components:v1",
        "components": [
            {"name": "constructor", "description": 'ends a comment */ and "quotes"',
             "input": {"$ref": "odd.json#/$defs/Implementation"}, "output": {"$ref": "odd.json#/$defs/StepflowServer"}},
            {"name": "math/add", "input": {"$ref": "odd.json#/$defs/ComponentEntry"}, "output": {"$ref": "odd.json#/$defs/StepflowServer"}},
        ],
    }))
    (project / "schemas" / "odd.json").write_text(json.dumps({"$defs": {
        "Implementation": {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]},
        "ComponentEntry": {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}, "required": ["a", "b"]},
        "StepflowServer": {"type": "integer"},
    }}))
    (project / "impl.ts").write_text(
        'import type { ComponentEntry, Implementation, StepflowServer } from "./generated/component_types.js";\n'
        'import { createServer } from "./generated/components.js";\n'
        "const impl = {\n"
        "  constructor: (input: Implementation): StepflowServer => input.a,\n"
        '  "math/add": (input: ComponentEntry): StepflowServer => input.a + input.b,\n'
        "};\n"
        "await createServer(impl).main(process.argv.slice(2));\n"
    )
    shutil.copy(PROJECT / "tsconfig.json", project / "tsconfig.json")
    out = build(project, tmp_path / "build")
    components = (tmp_path / "build" / "generated" / "components.ts").read_text()
    assert 'ends a comment *\\/ and "quotes"' in components

    async def main() -> None:
        async with await sf.StepflowClient.connect_stdio(node(), [str(out / "impl.js"), "--stdio"]) as client:
            assert (await client.components_execute(execute("/math/add", {"a": 2, "b": 3}))).output == 5
            assert (await client.components_execute(execute("/constructor", {"a": 7}))).output == 7
            info = (await client.components_info(sf.ComponentInfoParams(component="/constructor"))).info
            assert info.description == 'ends a comment */ and "quotes"'
            with pytest.raises(sf.RpcError) as e:
                await client.components_execute(execute("/math/add", {"a": 2}))
            assert e.value.code == -32602

    run(main())
