"""The generated Rust component server (docs/rust.md, "Component server").

``tests/rust_server/`` is a component project: ``Cargo.toml`` + ``Cargo.lock`` (committed) and the
author's ``src/main.rs`` implementing the ``Components`` trait; its manifest and schemas are
``tests/ts_server/schemas`` (the same test components as the TypeScript server and
``tests/rpc_components``). The test generates ``generated/`` from ``schemas/`` (the StepFlow
protocol) + that manifest into a scratch copy, builds it with ``cargo build --locked`` (target
directory shared with the other Rust tests: ``$STEPFLOW_CARGO_TARGET_DIR``, default
``tests/rust/target``), and checks clippy ``-D warnings`` and rustfmt on the project *and* the
generated crate (a workspace member), so the copied runtime files are checked as compiled:

* the generated Python client (``StepflowClient``) drives it over STDIO and over HTTP: handshake,
  list/info with the canonical schemas, execute, a ``blobs/put``/``blobs/get`` round trip answered by
  the client's ``InMemoryRuntime`` (SSE over HTTP), a failing component, a custom error code, an
  unknown component, invalid input (-32602 from the generated validators);
* the hostile messages of ``tests/test_rpc_fuzz.py`` (its generator, 10,500 messages + valid ones
  interleaved) get the same codes and ids as from the Python server, over STDIO and over HTTP,
  and the server keeps serving;
* an implementation that misses a component does not compile (rustc names the method);
* the real StepFlow 0.9.0 runtime launches the built server itself (HTTP subprocess mode) and runs
  a multi-step flow with blobs and a failing step.
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
PROJECT = ROOT / "tests" / "rust_server"
MANIFEST = ROOT / "tests" / "ts_server" / "schemas"
TARGET_DIR = Path(os.environ.get("STEPFLOW_CARGO_TARGET_DIR", ROOT / "tests" / "rust" / "target"))
RUNTIME = ROOT / "templates" / "rust" / "runtime"
VALUE = {"greeting": "Hello World", "name": "Ada Lovelace", "count": 3, "ok": True}
VALUE_ID = "4d6da75bd9d52dee3dc0486fe2ff9103db155e63f95b89fad06d0d44a2f70d8e"  # the real 0.9 runtime's id


def cargo(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    if shutil.which("cargo") is None:
        pytest.fail("cargo is needed for the Rust server tests (install a Rust toolchain)")
    env = dict(os.environ, CARGO_TARGET_DIR=str(TARGET_DIR), CARGO_TERM_COLOR="never")
    env.pop("RUSTFLAGS", None)
    r = subprocess.run(["cargo", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=1200)
    if check:
        assert r.returncode == 0, f"cargo {' '.join(args)} failed:\n{r.stdout[-6000:]}\n{r.stderr[-6000:]}"
    return r


def generate(out: Path, *manifests: Path, package: str = "stepflow-test-components") -> None:
    cmd = [sys.executable, "-m", "stepflow_codegen", "rust", "schemas/", *map(str, manifests), "-o", str(out), "--package", package, "-q"]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch copy of tests/rust_server with its generated/ crate."""
    dest = tmp_path_factory.mktemp("rust-server") / "project"
    shutil.copytree(PROJECT, dest, ignore=shutil.ignore_patterns("generated", "target"))
    generate(dest / "generated", MANIFEST)
    return dest


@pytest.fixture(scope="module")
def server(project: Path) -> Path:
    """The built binary of tests/rust_server."""
    cargo(project, "build", "--locked")
    exe = TARGET_DIR / "debug" / "rust-server-test"
    assert exe.is_file()
    return exe


# ---------------------------------------------------------------------------------------------
# generation
# ---------------------------------------------------------------------------------------------


def test_generation_is_deterministic_and_carries_the_runtime(tmp_path: Path) -> None:
    generate(tmp_path / "a", MANIFEST)
    generate(tmp_path / "b", MANIFEST)
    files = sorted(str(p.relative_to(tmp_path / "a")) for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert files == sorted(str(p.relative_to(tmp_path / "b")) for p in (tmp_path / "b").rglob("*") if p.is_file())
    for name in files:
        a, b = ((tmp_path / d / name).read_text().split("\n", 2) for d in "ab")
        assert a[2] == b[2], name  # the header's second line names the output directory
    assert {"src/components.rs", "src/server.rs", "src/http.rs", "src/stdio.rs", "src/rpc.rs"} <= set(files)
    for name in ("server.rs", "http.rs", "stdio.rs", "rpc.rs"):  # the runtime is copied, header first, no Jinja
        text = (tmp_path / "a" / "src" / name).read_text()
        assert text.startswith("// generated by stepflow-codegen, do not edit.\n")
        source = (RUNTIME / name).read_text()
        assert text.endswith("\n\n" + source) and "{%" not in source  # Rust format strings hold {{, never a Jinja tag
    components = (tmp_path / "a" / "src" / "components.rs").read_text()
    assert "stepflow_codegen" not in components
    assert 'Some("Title-case every value.")' in components  # the manifest's text, escaped
    assert '\\"additionalProperties\\":false' in components  # the canonical schema, an escaped literal
    manifest = (tmp_path / "a" / "Cargo.toml").read_text()
    assert "tokio = " in manifest and "hyper = " in manifest and "hyper-util = " in manifest
    # no manifest among the inputs: a plain serde crate (no server, no async dependencies)
    plain = (ROOT / "generated" / "rust" / "Cargo.toml").read_text()
    assert "tokio" not in plain and not (ROOT / "generated" / "rust" / "src" / "server.rs").exists()


def test_runtime_sources_are_rustfmt_clean() -> None:
    """templates/rust/runtime/*.rs as they are in the repository (their rustfmt.toml is the crates'):
    the server's four files, the types' runtime.rs, its two pattern engines and the format checks."""
    files = sorted(str(p) for p in RUNTIME.glob("*.rs"))
    assert len(files) == 9
    r = subprocess.run(["rustfmt", "--edition", "2021", "--check", *files], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


def test_project_and_generated_crate_are_clippy_and_rustfmt_clean(project: Path, server: Path) -> None:
    cargo(project, "clippy", "--locked", "--workspace", "--all-targets", "--", "-D", "warnings")
    cargo(project, "fmt", "--all", "--check")


def test_runtime_unit_tests(project: Path, server: Path) -> None:
    """The runtime's own unit tests (`#[cfg(test)]` in templates/rust/runtime/rpc.rs), run in the crate."""
    r = cargo(project, "test", "--locked", "-p", "stepflow-test-components", "--lib")
    assert "test result: ok. 5 passed; 0 failed" in r.stdout, r.stdout[-3000:]


def test_missing_component_does_not_compile(project: Path, server: Path, tmp_path: Path) -> None:
    partial = tmp_path / "partial"
    shutil.copytree(project, partial, symlinks=True)
    main = partial / "src" / "main.rs"
    text = main.read_text()
    start = text.index("    async fn fail_custom(")
    end = text.index("    async fn get_blob(")
    main.write_text(text[:start] + text[end:])
    r = cargo(partial, "build", "--locked", check=False)
    assert r.returncode != 0
    assert "E0046" in r.stderr and "fail_custom" in r.stderr, r.stderr[-3000:]


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
        {"component": "/fail", "exception": "ComponentError"},
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
    assert e.value.message.startswith("Invalid input for component /title_case: "), e.value.message
    assert e.value.data["component"] == "/title_case"
    problems = e.value.data["problems"]
    assert any(p.startswith("/values/a: ") for p in problems) and any("extra" in p for p in problems), problems
    with pytest.raises(sf.RpcError) as e:
        await client.components_execute(execute("/sleep", {"ms": 10001}))
    assert e.value.code == -32602 and e.value.data["problems"] == ["/ms: must be <= 10000"], e.value.data

    # concurrency: slow and quick requests overlap, blobs from several executes at once
    started = time.perf_counter()
    slow = asyncio.ensure_future(client.components_execute(execute("/sleep", {"ms": 400})))
    blobs = await asyncio.gather(*(client.components_execute(execute("/put_blob", {"value": i})) for i in range(8)))
    assert [b.output["blob_id"] for b in blobs] == [sf.blob_id(i) for i in range(8)]
    assert (await slow).output == {"slept": 400}
    assert time.perf_counter() - started < 5


def test_stdio_driven_by_the_generated_client(server: Path) -> None:
    async def main() -> None:
        client = await sf.StepflowClient.connect_stdio(str(server), ["--stdio"])
        async with client:
            await exercise(client)
        assert client.process is not None and client.process.returncode == 0

    run(main())


async def start_http(server: Path, *extra: str) -> tuple[asyncio.subprocess.Process, int]:
    proc = await asyncio.create_subprocess_exec(str(server), "--http", "--port", "0", *extra, stdout=asyncio.subprocess.PIPE)
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
            status, headers, body = await post(port, json.dumps({"jsonrpc": "2.0", "id": "h0", "method": "initialize", "params": {"runtime_protocol_version": 1}}).encode())
            assert (status, headers["content-type"]) == (200, "application/json")
            assert body == b'{"jsonrpc":"2.0","id":"h0","result":{"server_protocol_version":1}}'
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
            status, headers, body = await post(port, b"{}", method="GET")
            assert status == 405
            status, headers, body = await post(port, b'{"jsonrpc":"2.0","method":"initialized","params":{}}')
            assert (status, body) == (202, b'""')
            status, headers, body = await post(port, b'{"jsonrpc":"2.0","id":"late","result":{"blob_id":"x"}}')
            assert status == 400 and json.loads(body)["error"]["code"] == -32600
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
            str(server), "--stdio", "--max-message", str(LIMIT), "--log-level", "critical",
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
    print(f"\nRust STDIO fuzz: {len(cases)} messages in {elapsed:.1f} s")


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
    print(f"\nRust HTTP fuzz: {len(cases)} messages in {elapsed:.1f} s")


# ---------------------------------------------------------------------------------------------
# the real StepFlow 0.9.0 runtime launches the Rust server (HTTP subprocess mode)
# ---------------------------------------------------------------------------------------------

RECORD = {"greeting": "hello world", "name": "ada lovelace", "dish": "crème brûlée"}
TITLED = {"greeting": "Hello World", "name": "Ada Lovelace", "dish": "Crème Brûlée"}
EXTRA = {"city": "new york", "list": [1, 2, {"deep": "value"}]}

MAIN_FLOW: dict[str, Any] = {
    "name": "rs-server-0.9",
    "steps": [
        {"id": "titled", "component": "/rs/title_case", "input": {"values": {"$input": "record"}}},
        {"id": "stored", "component": "/rs/put_blob", "input": {"value": {"$step": "titled", "path": "values"}}},
        {"id": "loaded", "component": "/rs/get_blob", "input": {"blob_id": {"$step": "stored", "path": "blob_id"}}},
        {"id": "builtin_view", "component": "/builtin/get_blob", "input": {"blob_id": {"$step": "stored", "path": "blob_id"}}},
        {"id": "builtin_put", "component": "/builtin/put_blob", "input": {"data": {"$input": "extra"}, "blob_type": "data"}},
        {"id": "rs_view", "component": "/rs/get_blob", "input": {"blob_id": {"$step": "builtin_put", "path": "blob_id"}}},
    ],
    "output": {
        "titled": {"$step": "titled"},
        "blob_id": {"$step": "stored", "path": "blob_id"},
        "roundtrip": {"$step": "loaded", "path": "value"},
        "builtin_view": {"$step": "builtin_view"},
        "rs_view": {"$step": "rs_view", "path": "value"},
    },
}
FAIL_FLOW: dict[str, Any] = {
    "name": "rs-server-0.9-failure",
    "steps": [{"id": "boom", "component": "/rs/fail", "input": {"$input": "x"}}],
    "output": {"never": {"$step": "boom"}},
}


@pytest.fixture(scope="module")
def runtime(server: Path, tmp_path_factory: pytest.TempPathFactory) -> peers.RuntimeReport:
    workdir = tmp_path_factory.mktemp("rs-runtime09")
    config = {
        "plugins": {
            "builtin": {"type": "builtin"},
            "rs": {"type": "stepflow", "command": str(server), "args": ["--http", "--port", "0"], "env": {}},
        },
        "routes": {"/rs/{*component}": [{"plugin": "rs"}], "/builtin/{*component}": [{"plugin": "builtin"}]},
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
    # the generated Rust type of a string map is a BTreeMap: title_case answers its keys sorted, and
    # a blob's id is the hash of its JSON as written (blobs written by the runtime keep their order)
    assert list(body["result"]["result"]["titled"]["values"]) == sorted(TITLED)
    expected = {
        "titled": {"values": TITLED, "changed": 3},
        "blob_id": peers.blob_id(dict(sorted(TITLED.items()))),
        "roundtrip": TITLED,
        "builtin_view": {"data": TITLED},
        "rs_view": EXTRA,
    }
    assert body["result"] == {"outcome": "success", "result": expected}, runtime.explain()
    assert peers.blob_id(TITLED) == hashlib.sha256(peers.compact(TITLED).encode()).hexdigest()
    assert peers.blob_id(TITLED) != expected["blob_id"]


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


def test_names_that_could_collide_compile_and_serve(tmp_path: Path) -> None:
    """Components named like keywords (`type`, `Self`), like the module's own functions (`main`), two
    names with one snake case (`math/add`, `math_add`), descriptions with `*/`, quotes, a line break
    and a bidi control: the naming policy picks the methods, the escaping the literals; the crate
    compiles, passes clippy and serves."""
    project = tmp_path / "odd"
    (project / "schemas").mkdir(parents=True)
    (project / "src").mkdir()
    odd_text = 'ends a comment */ and "quotes"\nsecond line \u202e reversed'
    (project / "schemas" / "components.json").write_text(json.dumps({
        "$schema": "urn:stepflow-codegen:components:v1",
        "components": [
            {"name": "type", "description": odd_text, "input": {"$ref": "odd.json#/$defs/Pair"}, "output": {"$ref": "odd.json#/$defs/Sum"}},
            {"name": "Self", "input": {"$ref": "odd.json#/$defs/Pair"}, "output": {"$ref": "odd.json#/$defs/Sum"}},
            {"name": "main", "input": {"$ref": "odd.json#/$defs/Pair"}, "output": {"$ref": "odd.json#/$defs/Sum"}},
            {"name": "math/add", "input": {"$ref": "odd.json#/$defs/Pair"}, "output": {"$ref": "odd.json#/$defs/Sum"}},
            {"name": "math_add", "input": {"$ref": "odd.json#/$defs/Pair"}, "output": {"$ref": "odd.json#/$defs/Sum"}},
        ],
    }))
    (project / "schemas" / "odd.json").write_text(json.dumps({"$defs": {
        "Pair": {"type": "object", "description": odd_text, "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
                 "required": ["a", "b"], "additionalProperties": False},
        "Sum": {"type": "integer"},
    }}))
    (project / "Cargo.toml").write_text(
        '[package]\nname = "odd-server"\nversion = "0.1.0"\nedition = "2021"\npublish = false\n\n'
        '[dependencies]\nstepflow = { package = "odd-components", path = "generated" }\n\n'
        '[workspace]\nmembers = [".", "generated"]\n'
    )
    body = "        Ok(input.a {op} input.b)\n"
    methods = {"type_": "+", "self_": "-", "main_": "*", "math_add": "+ 1 +", "math_add_2": "+"}
    impls = "".join(
        f"    async fn {m}(&self, input: Pair, _: &Context) -> Outcome<Sum> {{\n" + body.format(op=op) + "    }\n" for m, op in methods.items()
    )
    (project / "src" / "main.rs").write_text(
        "use stepflow::component_types::{Pair, Sum};\nuse stepflow::components::{self, Components, Context, Outcome};\n\n"
        "struct Odd;\n\nimpl Components for Odd {\n" + impls + "}\n\nfn main() -> std::process::ExitCode {\n    components::main(Odd)\n}\n"
    )
    generate(project / "generated", project / "schemas", package="odd-components")
    components = (project / "generated" / "src" / "components.rs").read_text()
    assert '\\"quotes\\"\\nsecond line \\u{202e} reversed' in components  # the literal, escaped
    assert "\u202e" not in components
    # the project's lock: a scratch one (the test's dependencies are the committed crates')
    shutil.copy(PROJECT / "Cargo.lock", project / "Cargo.lock")
    cargo(project, "build")
    cargo(project, "clippy", "--workspace", "--all-targets", "--", "-D", "warnings")
    cargo(project, "fmt", "--all", "--check")

    async def main() -> None:
        async with await sf.StepflowClient.connect_stdio(str(TARGET_DIR / "debug" / "odd-server"), ["--stdio"]) as client:
            got = {}
            for name in ("type", "Self", "main", "math/add", "math_add"):
                got[name] = (await client.components_execute(execute(name, {"a": 7, "b": 2}))).output
            assert got == {"type": 9, "Self": 5, "main": 14, "math/add": 9, "math_add": 10}
            info = (await client.components_info(sf.ComponentInfoParams(component="/type"))).info
            assert info.description == odd_text
            assert info.input_schema["description"] == odd_text
            with pytest.raises(sf.RpcError) as e:
                await client.components_execute(execute("/math/add", {"a": 2}))
            assert e.value.code == -32602

    run(main())
