"""The generated client drives the generated server over STDIO (a real subprocess, one JSON
message per line each way)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from typing import Any

import pytest

from rpc_support import COMPONENTS, OBS, execute, percentiles, run, sf


async def connect(*extra: str, handlers: Any = None) -> sf.StepflowClient:
    return await sf.StepflowClient.connect_stdio(
        sys.executable, [str(COMPONENTS), "--stdio", *extra], handlers=handlers
    )


def test_handshake_list_and_info() -> None:
    async def main() -> None:
        async with await connect() as client:
            init = await client.initialize(sf.InitializeParams(runtime_protocol_version=1))
            assert init == sf.InitializeResult(server_protocol_version=1)
            await client.initialized()
            listed = await client.components_list()
            names = [c.component for c in listed.components]
            assert names[:3] == ["/title_case", "/echo", "/roundtrip"] and "/health_check" in names
            info = (await client.components_info(sf.ComponentInfoParams(component="/title_case"))).info
            assert info.description == "Title-case every string value of an object (non-strings pass through)."
            assert info.input_schema["$defs"]["TitleCaseInput"]["required"] == ["values"]
            assert info.output_schema["$defs"]["TitleCaseOutput"]["properties"]["changed"] == {"type": "integer"}
            with pytest.raises(sf.RpcError) as e:
                await client.components_info(sf.ComponentInfoParams(component="/nope"))
            assert (e.value.code, e.value.data) == (-32001, {"component": "/nope"})
            with pytest.raises(sf.RpcError) as e:  # not implemented by the server: -32601
                await client.components_infer_schema(
                    sf.ComponentInferSchemaParams(component="/echo", input_schema={})
                )
            assert e.value.code == -32601
        assert client.process is not None and client.process.returncode == 0

    run(main())


def test_execute_results_and_errors() -> None:
    async def main() -> None:
        async with await connect() as client:
            out = await client.components_execute(execute("/title_case", {"values": {"a": "hello world", "n": 3}}))
            assert out.output == {"values": {"a": "Hello World", "n": 3}, "changed": 1}
            assert (await client.components_execute(execute("/health_check", {}))).output["status"] == "healthy"
            with pytest.raises(sf.RpcError) as e:
                await client.components_execute(execute("/fail", {"message": "deliberate failure"}))
            assert e.value.code == -32003
            assert e.value.message == "Component execution failed: deliberate failure"
            assert e.value.data == {"component": "/fail", "exception": "ValueError"}
            with pytest.raises(sf.RpcError) as e:
                await client.components_execute(
                    execute("/custom_error", {"code": -32042, "message": "quota exceeded", "data": {"retry_after": 3}})
                )
            assert (e.value.code, e.value.message, e.value.data) == (-32042, "quota exceeded", {"retry_after": 3})
            with pytest.raises(sf.RpcError) as e:
                await client.components_execute(execute("/nope", {}))
            assert (e.value.code, e.value.message, e.value.data) == (
                -32001,
                "Component '/nope' not found",
                {"component": "/nope"},
            )
            with pytest.raises(sf.RpcError) as e:
                await client.components_execute(execute("/title_case", {"values": 3}))
            assert e.value.code == -32602 and "Expected `object`, got `int`" in e.value.message
            # a print in a component goes to stderr: the protocol stream stays intact
            assert (await client.components_execute(execute("/noisy", 1))).output == "ok"
            assert (await client.components_execute(execute("/echo", {"still": "alive"}))).output == {"still": "alive"}

    run(main())


VALUE = {"greeting": "Hello World", "name": "Ada Lovelace", "count": 3, "ok": True}


def test_blob_round_trip_through_the_in_memory_runtime() -> None:
    async def main() -> None:
        async with await connect() as client:
            out = (await client.components_execute(execute("/roundtrip", {"value": VALUE}))).output
            # the id the real 0.9 runtime gave this value (shared/interop/0.9/README.md)
            assert out == {"blob_id": "4d6da75bd9d52dee3dc0486fe2ff9103db155e63f95b89fad06d0d44a2f70d8e", "value": VALUE}
            assert isinstance(client.handlers, sf.InMemoryRuntime)
            assert client.handlers.blobs[out["blob_id"]] == (VALUE, sf.BlobType.DATA)
            odd = {"é": [1.5, 1e20, -0.0, 2**64], "\u2028": None}
            out = (await client.components_execute(execute("/roundtrip", {"value": odd}))).output
            assert out["blob_id"] == sf.blob_id(odd) and out["value"] == odd
            with pytest.raises(sf.RpcError) as e:
                await client.components_execute(execute("/get_blob", {"blob_id": "0" * 64}))
            assert e.value.code == -32003
            assert e.value.message == "Component execution failed: JSON-RPC error -32000: Failed to get blob"

    run(main())


class Recording(sf.InMemoryRuntime):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[Any] = []

    async def blobs_put(self, params: sf.PutBlobParams) -> sf.PutBlobResult:
        self.seen.append(params)
        return await super().blobs_put(params)


def test_callbacks_carry_the_execute_observability() -> None:
    async def main() -> None:
        handlers = Recording()
        async with await connect(handlers=handlers) as client:
            await client.components_execute(execute("/roundtrip", {"value": 1}))
        (params,) = handlers.seen
        assert params.observability == OBS and params.blob_type is sf.BlobType.DATA and params.data == 1

    run(main())


def test_unhandled_callback_is_method_not_found() -> None:
    async def main() -> None:
        async with await connect(handlers=sf.RuntimeHandlers()) as client:
            with pytest.raises(sf.RpcError) as e:
                await client.components_execute(execute("/roundtrip", {"value": 1}))
            assert e.value.code == -32003
            assert e.value.message == "Component execution failed: JSON-RPC error -32601: Method not found: blobs/put"

    run(main())


def test_fifty_in_flight_mixed_with_callbacks() -> None:
    async def main() -> None:
        async with await connect() as client:
            await client.initialize(sf.InitializeParams(runtime_protocol_version=1))
            calls = []
            for i in range(50):
                calls.append(client.components_execute(execute("/many_blobs", {"count": 3, "delay": 0.01})))
                calls.append(client.components_execute(execute("/title_case", {"values": {"k": f"v {i}"}})))
                calls.append(client.components_execute(execute("/sleep", {"seconds": 0.05, "value": i})))
            started = time.perf_counter()
            results = await asyncio.gather(*calls)
            elapsed = time.perf_counter() - started
            for i in range(50):
                blobs, titled, slept = results[3 * i : 3 * i + 3]
                assert len(blobs.output) == 3 and all(len(b) == 64 for b in blobs.output)
                assert titled.output == {"values": {"k": f"V {i}"}, "changed": 1}
                assert slept.output == i
            assert len(client.handlers.blobs) >= 3  # type: ignore[attr-defined]
            assert elapsed < 10, elapsed  # in flight together, not one after the other (150 x 50 ms)
            print(f"\n150 executes (150 blobs/put callbacks) in flight: {elapsed * 1000:.0f} ms")

    run(main())


def test_timeout_and_cancellation_leave_the_connection_usable() -> None:
    async def main() -> None:
        async with await connect() as client:
            with pytest.raises(TimeoutError):
                await client.components_execute(execute("/sleep", {"seconds": 1.0, "value": 1}), timeout=0.1)
            task = asyncio.ensure_future(client.components_execute(execute("/sleep", {"seconds": 1.0, "value": 2})))
            await asyncio.sleep(0.05)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            # the late answers (after 1 s) are dropped quietly; the session goes on
            await asyncio.sleep(1.1)
            assert (await client.components_execute(execute("/echo", 3))).output == 3

    run(main())


def test_server_killed_mid_call_raises_connection_lost() -> None:
    async def main() -> None:
        client = await connect()
        call = asyncio.ensure_future(client.components_execute(execute("/sleep", {"seconds": 30})))
        await asyncio.sleep(0.3)
        assert client.process is not None
        client.process.send_signal(signal.SIGKILL)
        started = time.perf_counter()
        with pytest.raises(sf.ConnectionLost) as e:
            await call
        assert time.perf_counter() - started < 5
        assert "exited with code -9" in str(e.value) and "components/execute" in str(e.value)
        with pytest.raises(sf.TransportError):  # later calls fail at once
            await client.components_list()
        await client.close()

    run(main())


def test_eof_finishes_work_in_flight_then_exits_0() -> None:
    async def main() -> None:
        client = await connect()
        calls = [
            asyncio.ensure_future(client.components_execute(execute("/sleep", {"seconds": 0.3, "value": i})))
            for i in range(10)
        ]
        calls.append(asyncio.ensure_future(client.components_execute(execute("/sleep_sync", {"seconds": 0.3, "value": "s"}))))
        await asyncio.sleep(0.1)  # all sent and started
        await client.close()  # stdin EOF: the server answers what it started, then exits
        assert [c.result().output for c in calls] == list(range(10)) + ["s"]
        assert client.process is not None and client.process.returncode == 0

    run(main())


def test_eof_with_a_callback_in_flight_fails_that_execute_cleanly() -> None:
    async def main() -> None:
        client = await connect()
        call = asyncio.ensure_future(client.components_execute(execute("/many_blobs", {"count": 1, "delay": 0.3})))
        await asyncio.sleep(0.1)
        await client.close()  # the callback can no longer be answered (stdin is closed)
        with pytest.raises((sf.RpcError, sf.ConnectionLost)):
            await call
        assert client.process is not None and client.process.returncode == 0

    run(main())


def test_large_messages_and_the_line_limit() -> None:
    async def main() -> None:
        async with await connect("--max-message", "1000000") as client:
            big = (await client.components_execute(execute("/big", {"size": 3_000_000}))).output
            assert big == "x" * 3_000_000  # no limit on what the server writes
            with pytest.raises(sf.RpcError) as e:  # a request line over the limit gets an error
                await client.components_execute(execute("/echo", "y" * 1_200_000))
            assert e.value.code == -32600 and "more than the limit of 1000000 bytes" in e.value.message
            assert (await client.components_execute(execute("/echo", "y" * 900_000))).output == "y" * 900_000

    run(main())


def test_sequential_latency() -> None:
    async def main() -> dict[str, Any]:
        async with await connect() as client:
            params = execute("/title_case", {"values": {"greeting": "hello world", "n": 3}})
            for _ in range(50):
                await client.components_execute(params)
            plain = []
            for _ in range(500):
                t = time.perf_counter()
                await client.components_execute(params)
                plain.append(time.perf_counter() - t)
            blobs = []
            for i in range(200):
                t = time.perf_counter()
                await client.components_execute(execute("/roundtrip", {"value": {"i": i}}))
                blobs.append(time.perf_counter() - t)
            return {"title_case": percentiles(plain), "roundtrip (execute + blobs/put + blobs/get)": percentiles(blobs)}

    numbers = run(main())
    print("\nSTDIO sequential latency:", json.dumps(numbers))
    assert numbers["title_case"]["median_ms"] < 50


def test_stdio_server_reads_from_a_file_and_writes_to_a_file(tmp_path: Any) -> None:
    """stdin/stdout that are regular files (not pipes) work too (blocking fallbacks)."""
    lines = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"runtime_protocol_version": 1}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "id": "x", "method": "components/execute",
         "params": {"component": "/echo", "input": [1, "é"], "attempt": 1, "observability": {}}},
    ]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(m) + "\n" for m in lines), encoding="utf-8")
    with open(tmp_path / "in.jsonl", "rb") as stdin, open(tmp_path / "out.jsonl", "wb") as stdout:
        import subprocess

        r = subprocess.run([sys.executable, str(COMPONENTS), "--stdio"], stdin=stdin, stdout=stdout, timeout=60)
    assert r.returncode == 0
    answers = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(answers, key=lambda a: str(a["id"])) == [
        {"jsonrpc": "2.0", "id": 1, "result": {"server_protocol_version": 1}},
        {"jsonrpc": "2.0", "id": "x", "result": {"output": [1, "é"]}},
    ]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX only")
def test_a_component_file_runs_stdio_with_run() -> None:
    """``server.run()`` serves STDIO (the seed's StepflowStdioServer pattern)."""
    import subprocess

    code = "import runpy; ns = runpy.run_path(%r, run_name='components'); ns['server'].run()" % str(COMPONENTS)
    msg = {"jsonrpc": "2.0", "id": 5, "method": "components/list", "params": {}}
    r = subprocess.run([sys.executable, "-c", code], input=json.dumps(msg) + "\n", capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    (answer,) = [json.loads(x) for x in r.stdout.splitlines()]
    assert answer["id"] == 5 and answer["result"]["components"][0]["component"] == "/title_case"
