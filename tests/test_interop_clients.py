"""OUR generated client drives StepFlow's own component servers, installed from PyPI.

* ``stepflow-py[http]==0.9.1`` over HTTP (``tests/interop/components_sf09.py``): every message a
  ``POST /``; ``blobs/put`` / ``blobs/get`` arrive as SSE events on the ``components/execute``
  answer and our client answers each with its own ``POST`` (carrying ``stepflow-instance-id``).
* ``stepflow-py==0.7.0`` over STDIO (``tests/interop/components_sf07.py``), launched by our client
  with an empty environment as the Rust runtime launches it: one JSON message per line, both
  directions multiplexed by id.

Each goes through ``initialize``, ``initialized``, ``components/list``, ``components/info``,
``components/execute`` (pure, with blob callbacks answered by our ``InMemoryRuntime``, concurrent,
failing) and the error answers. Blob ids the SDK sees must be the sha256 of the value's compact
JSON, computed here independently (``peers.blob_id``). One server process per peer serves every
test of this module.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from interop import peers

sf = peers.generated_package()
T = 15.0  # seconds: bound for every single call

VALUE = {"greeting": "hello world", "dish": "crème brûlée", "count": 3, "ok": True, "ratio": 2.5, "nothing": None}
OBSERVABILITY = {
    "trace_id": "0123456789abcdef0123456789abcdef",
    "span_id": "0123456789abcdef",
    "run_id": "01a20096-a16e-7291-9d65-09bc26d31a33",
    "flow_id": "e9632303e14732c7d0b81899a9e5e69a244d92bdc5587bc6de75408dfaf7f324",
    "step_id": "interop",
}
UNKNOWN_BLOB = "0" * 64
TITLE_CASE_INPUT_SCHEMA = {
    "$ref": "#/$defs/TitleCaseInput",
    "$defs": {
        "TitleCaseInput": {
            "title": "TitleCaseInput",
            "type": "object",
            "properties": {"values": {"type": "object"}},
            "required": ["values"],
        }
    },
}
TITLE_CASE_OUTPUT_SCHEMA = {
    "$ref": "#/$defs/TitleCaseOutput",
    "$defs": {
        "TitleCaseOutput": {
            "title": "TitleCaseOutput",
            "type": "object",
            "properties": {"values": {"type": "object"}, "changed": {"type": "integer"}},
            "required": ["values", "changed"],
        }
    },
}


def wire(value: Any) -> Any:
    """A generated Struct as the JSON it is on the wire."""
    return json.loads(sf.encode(value))


class RecordingRuntime(sf.InMemoryRuntime):  # type: ignore[misc, name-defined]
    """Our InMemoryRuntime, recording the callbacks' params exactly as they were decoded."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, Any]] = []

    async def blobs_put(self, params: Any) -> Any:
        self.calls.append(("blobs/put", wire(params)))
        return await super().blobs_put(params)

    async def blobs_get(self, params: Any) -> Any:
        self.calls.append(("blobs/get", wire(params)))
        return await super().blobs_get(params)


def execute(component: str, input: Any) -> Any:
    return sf.ComponentExecuteParams(
        component=component,
        input=input,
        attempt=1,
        observability=sf.convert(OBSERVABILITY, sf.ObservabilityContext),
    )


@dataclass
class Session:
    """What one scenario against one StepFlow server produced."""

    name: str
    results: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, tuple[int, str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, Any]] = field(default_factory=list)
    blobs: dict[str, Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    log: Path | None = None

    def explain(self) -> str:
        text = self.log.read_text(errors="replace")[-6000:] if self.log and self.log.exists() else ""
        return f"results={json.dumps(self.results)[:4000]}\nerrors={self.errors}\ncalls={self.calls}\n--- server log ---\n{text}"


async def scenario(client: Any, runtime: RecordingRuntime, session: Session) -> None:
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    session.results["initialize"] = wire(await client.initialize(sf.InitializeParams(runtime_protocol_version=1), timeout=T))
    await client.initialized(timeout=T)
    session.seconds["initialize"] = loop.time() - t0
    session.results["list"] = wire(await client.components_list(timeout=T))
    session.results["info"] = wire(await client.components_info(sf.ComponentInfoParams(component="/title_case"), timeout=T))
    t0 = loop.time()
    session.results["title_case"] = wire(await client.components_execute(execute("/title_case", {"values": VALUE}), timeout=T))
    session.seconds["execute"] = loop.time() - t0
    t0 = loop.time()
    session.results["roundtrip"] = wire(await client.components_execute(execute("/blob_roundtrip", {"value": VALUE}), timeout=T))
    session.seconds["execute_with_callbacks"] = loop.time() - t0
    session.results["calls_after_roundtrip"] = list(runtime.calls)
    # eight executes in flight, each with two callbacks: ids must be matched, not ordered
    values = [{"n": i, "text": f"value number {i}"} for i in range(8)]
    outs = await asyncio.gather(
        *(client.components_execute(execute("/blob_roundtrip", {"value": v}), timeout=T) for v in values)
    )
    session.results["concurrent"] = [wire(o) for o in outs]
    session.results["concurrent_values"] = values
    session.results["calls_after_concurrent"] = len(runtime.calls)
    for name, component, input in [
        ("fail", "/fail", {"message": "deliberate failure"}),
        ("missing_blob", "/get_blob", {"blob_id": UNKNOWN_BLOB}),
        ("unknown_component", "/nope", {}),
    ]:
        try:
            out = await client.components_execute(execute(component, input), timeout=T)
            session.results[name] = wire(out)  # not expected: the test will say so
        except sf.RpcError as e:
            session.errors[name] = (e.code, e.message, None if e.data is sf.UNSET else e.data)
    try:
        await client.components_info(sf.ComponentInfoParams(component="/nope"), timeout=T)
    except sf.RpcError as e:
        session.errors["info_unknown"] = (e.code, e.message, None if e.data is sf.UNSET else e.data)
    session.calls = list(runtime.calls)
    session.blobs = {k: v[0] for k, v in runtime.blobs.items()}


# --------------------------------------------------------------------------------------------
# the two peers
# --------------------------------------------------------------------------------------------
async def http_session(tmp: Path) -> Session:
    python = peers.venv_python("py-0.9.1")
    log = tmp / "stepflow-py-0.9.1.log"
    session = Session("http09", log=log)
    with open(log, "wb") as err:
        # environment cleared as the runtime does; 127.0.0.1 + an ephemeral port: no sandbox needed
        proc = await asyncio.create_subprocess_exec(
            str(python), str(peers.HERE / "components_sf09.py"), "--port", "0",
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err, env={}, start_new_session=True,
        )
        drain: asyncio.Task[Any] | None = None
        try:
            loop = asyncio.get_running_loop()
            t0 = loop.time()
            port = None
            while port is None:  # the first stdout line that is {"port": N}, as the runtime reads it
                line = await asyncio.wait_for(proc.stdout.readline(), 30)  # type: ignore[union-attr]
                if not line:
                    raise AssertionError(f"stepflow-py exited before announcing its port\n{log.read_text()}")
                try:
                    port = int(json.loads(line)["port"])
                except (ValueError, KeyError, TypeError):
                    continue
            session.seconds["start"] = loop.time() - t0
            drain = asyncio.create_task(proc.stdout.read())  # type: ignore[union-attr]
            runtime = RecordingRuntime()
            client = await sf.StepflowClient.connect_http(f"http://127.0.0.1:{port}", handlers=runtime)
            try:
                await scenario(client, runtime, session)
            finally:
                await client.close()
        finally:
            if proc.returncode is None:
                proc.terminate()
                try:
                    await asyncio.wait_for(proc.wait(), 10)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()
            if drain is not None:
                drain.cancel()
    return session


async def stdio_session(tmp: Path) -> Session:
    python = peers.venv_python("py-0.7.0")
    log = tmp / "stepflow-py-0.7.0.log"
    session = Session("stdio07", log=log)
    runtime = RecordingRuntime()
    with open(log, "wb") as err:
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        client = await sf.StepflowClient.connect_stdio(
            str(python), [str(peers.HERE / "components_sf07.py")], env={}, cwd=str(tmp), handlers=runtime, stderr=err.fileno()
        )
        try:
            await scenario(client, runtime, session)
            session.seconds["start+initialize"] = loop.time() - t0
        finally:
            t1 = loop.time()
            await client.close(timeout=10)
            session.seconds["close"] = loop.time() - t1
            session.results["exit_code"] = client.process.returncode if client.process else None
    return session


@pytest.fixture(scope="module")
def http09(tmp_path_factory: pytest.TempPathFactory) -> Session:
    return asyncio.run(asyncio.wait_for(http_session(tmp_path_factory.mktemp("sf091")), 90))


@pytest.fixture(scope="module")
def stdio07(tmp_path_factory: pytest.TempPathFactory) -> Session:
    return asyncio.run(asyncio.wait_for(stdio_session(tmp_path_factory.mktemp("sf070")), 90))


PEERS = ["http09", "stdio07"]


@pytest.fixture(params=PEERS)
def peer(request: pytest.FixtureRequest) -> Session:
    session: Session = request.getfixturevalue(request.param)
    return session


# --------------------------------------------------------------------------------------------
# tests (each against both peers)
# --------------------------------------------------------------------------------------------
def test_initialize(peer: Session) -> None:
    assert peer.results["initialize"] == {"server_protocol_version": 1}, peer.explain()


def test_components_list(peer: Session) -> None:
    components = peer.results["list"]["components"]
    assert sorted(c["component"] for c in components) == ["/blob_roundtrip", "/fail", "/get_blob", "/title_case"]
    title = next(c for c in components if c["component"] == "/title_case")
    assert title == {
        "component": "/title_case",
        "description": "Title-case every string value (other values pass through).",
        "input_schema": TITLE_CASE_INPUT_SCHEMA,
        "output_schema": TITLE_CASE_OUTPUT_SCHEMA,
    }


def test_components_info(peer: Session) -> None:
    assert peer.results["info"] == {
        "info": {
            "component": "/title_case",
            "description": "Title-case every string value (other values pass through).",
            "input_schema": TITLE_CASE_INPUT_SCHEMA,
            "output_schema": TITLE_CASE_OUTPUT_SCHEMA,
        }
    }


def test_execute_pure(peer: Session) -> None:
    titled = {**VALUE, "greeting": "Hello World", "dish": "Crème Brûlée"}
    assert peer.results["title_case"] == {"output": {"values": titled, "changed": 2}}, peer.explain()


def test_execute_with_blob_callbacks(peer: Session) -> None:
    expected_id = peers.blob_id(VALUE)
    # what the SDK got back from blobs/put and returned as its output
    assert peer.results["roundtrip"] == {"output": {"blob_id": expected_id, "value": VALUE}}, peer.explain()
    # the callbacks our InMemoryRuntime answered, exactly as the SDK sent them
    calls = peer.results["calls_after_roundtrip"]
    assert [m for m, _ in calls] == ["blobs/put", "blobs/get"], calls
    put, get = calls[0][1], calls[1][1]
    assert put["data"] == VALUE and put["blob_type"] == "data", put
    assert get["blob_id"] == expected_id, get
    # the SDK forwards the execute's observability context into its callbacks
    assert put["observability"] == OBSERVABILITY, put
    assert get["observability"] == OBSERVABILITY, get
    assert peer.blobs[expected_id] == VALUE


def test_concurrent_executes_with_callbacks(peer: Session) -> None:
    values = peer.results["concurrent_values"]
    assert peer.results["concurrent"] == [{"output": {"blob_id": peers.blob_id(v), "value": v}} for v in values]
    assert set(peer.blobs) == {peers.blob_id(VALUE), *(peers.blob_id(v) for v in values)}
    assert peer.results["calls_after_concurrent"] == 2 + 2 * len(values), peer.calls


def test_component_failure(peer: Session) -> None:
    assert "fail" not in peer.results, peer.results.get("fail")
    # both SDK versions answer every exception with -32003 and data {}
    assert peer.errors["fail"] == (-32003, "Component execution failed: deliberate failure", {}), peer.explain()


def test_failed_blob_callback(peer: Session) -> None:
    """Our runtime answers blobs/get for an unknown id with -32000 "Failed to get blob" (as the
    Rust runtime does); the SDK turns it into a failed execute carrying that text."""
    assert ("blobs/get", {"blob_id": UNKNOWN_BLOB, "observability": OBSERVABILITY}) in peer.calls
    code, message, data = peer.errors["missing_blob"]
    assert code == -32003, peer.errors
    expected = {
        "http09": "Component execution failed: JSON-RPC error -32000: Failed to get blob",
        "stdio07": "Component execution failed: Request failed: Error(code=-32000, message='Failed to get blob', data=None)",
    }
    assert message == expected[peer.name], message
    assert data == {}, data


def test_unknown_component(peer: Session) -> None:
    # the SDKs double-wrap the message (their quirk, kept verbatim)
    wrapped = "Component 'Component '/nope' not found' not found"
    assert peer.errors["unknown_component"] == (-32001, wrapped, {"component": "Component '/nope' not found"}), peer.errors
    assert peer.errors["info_unknown"][0] == -32001, peer.errors


def test_stdio_server_exits_cleanly_on_eof(stdio07: Session) -> None:
    assert stdio07.results["exit_code"] == 0, stdio07.explain()
