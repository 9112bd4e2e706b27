"""The generated client drives the generated server over HTTP (subprocess mode: the server prints
``{"port": N}``), and the HTTP transport is checked on the wire as the StepFlow 0.9 runtime
speaks it (shared/interop/0.9/README.md section 5)."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import time
from typing import Any

import pytest

from rpc_support import OBS, execute, percentiles, run, sf, start_http, stop

HEX16 = re.compile(r"^[0-9a-f]{16}$")


async def raw_post(port: int, body: bytes, headers: dict[str, str] | None = None, ctype: str = "application/json") -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 POST / with Connection: close; returns status, headers and the de-chunked body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: {ctype}\r\n"
        "Accept: application/json, text/event-stream\r\nConnection: close\r\n"
        f"Content-Length: {len(body)}\r\n"
        + "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        + "\r\n"
    )
    writer.write(head.encode() + body)
    await writer.drain()
    status, hdrs, data = await read_answer(reader)
    writer.close()
    return status, hdrs, data


async def read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    status = int((await reader.readline()).split()[1])
    hdrs: dict[str, str] = {}
    while (line := (await reader.readline()).decode().strip()):
        k, _, v = line.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return status, hdrs


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    status, hdrs = await read_head(reader)
    if hdrs.get("transfer-encoding") == "chunked":
        data = b""
        while (size := int((await reader.readline()).strip(), 16)):
            data += await reader.readexactly(size)
            await reader.readexactly(2)
        await reader.readline()
    else:
        data = await reader.readexactly(int(hdrs["content-length"]))
    return status, hdrs, data


def request(id: Any, method: str, params: Any) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).encode()


def test_client_over_http() -> None:
    async def main() -> None:
        proc, port = await start_http()
        try:
            async with await sf.StepflowClient.connect_http(f"http://127.0.0.1:{port}") as client:
                assert (await client.initialize(sf.InitializeParams(runtime_protocol_version=1))).server_protocol_version == 1
                await client.initialized()
                names = [c.component for c in (await client.components_list()).components]
                assert "/roundtrip" in names
                info = (await client.components_info(sf.ComponentInfoParams(component="/echo"))).info
                assert info.description == "Return the input unchanged." and info.input_schema == {}
                out = (await client.components_execute(execute("/title_case", {"values": {"a": "ab cd"}}))).output
                assert out == {"values": {"a": "Ab Cd"}, "changed": 1}
                value = {"greeting": "Hello World", "name": "Ada Lovelace", "count": 3, "ok": True}
                out = (await client.components_execute(execute("/roundtrip", {"value": value}))).output
                assert out == {"blob_id": "4d6da75bd9d52dee3dc0486fe2ff9103db155e63f95b89fad06d0d44a2f70d8e", "value": value}
                with pytest.raises(sf.RpcError) as e:
                    await client.components_execute(execute("/custom_error", {"code": -32099, "message": "no", "data": [1]}))
                assert (e.value.code, e.value.message, e.value.data) == (-32099, "no", [1])
                with pytest.raises(sf.RpcError) as e:
                    await client.components_execute(execute("/fail", {"message": "boom"}))
                assert (e.value.code, e.value.message) == (-32003, "Component execution failed: boom")
                with pytest.raises(sf.RpcError) as e:
                    await client.components_execute(execute("/missing", {}))
                assert (e.value.code, e.value.data) == (-32001, {"component": "/missing"})
                with pytest.raises(sf.RpcError) as e:
                    await client.components_execute(execute("/get_blob", {"blob_id": "nope"}))
                assert e.value.message == "Component execution failed: JSON-RPC error -32000: Failed to get blob"
        finally:
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.wait(), 10)

    run(main())


def test_wire_format_as_the_runtime_speaks_it() -> None:
    async def main() -> None:
        proc, port = await start_http()
        try:
            # health, notifications, plain JSON answers
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(f"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            status, _, body = await read_answer(reader)
            assert (status, json.loads(body)) == (200, {"status": "healthy"})
            status, hdrs, body = await raw_post(port, b'{"jsonrpc":"2.0","method":"initialized","params":{}}')
            assert (status, body, hdrs["content-type"]) == (202, b'""', "application/json")
            status, hdrs, body = await raw_post(port, request("i1", "initialize", {"runtime_protocol_version": 1}))
            assert status == 200 and hdrs["content-type"] == "application/json"
            assert json.loads(body) == {"jsonrpc": "2.0", "id": "i1", "result": {"server_protocol_version": 1}}
            # a component that makes no callback is answered with plain JSON (SSE on demand)
            params = {"component": "/echo", "input": 7, "attempt": 1, "observability": {}}
            status, hdrs, body = await raw_post(port, request("e1", "components/execute", params))
            assert status == 200 and hdrs["content-type"] == "application/json" and "stepflow-instance-id" not in hdrs
            assert json.loads(body)["result"] == {"output": 7}
            # a component that calls back: an event stream, the callback as an event, answered by a POST
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            body = request("e2", "components/execute", {"component": "/roundtrip", "input": {"value": [1]}, "attempt": 1, "observability": {"step_id": "s"}})
            writer.write(
                f"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
                f"Content-Length: {len(body)}\r\n\r\n".encode() + body
            )
            status, hdrs = await read_head(reader)
            assert status == 200 and hdrs["content-type"] == "text/event-stream"
            assert hdrs["transfer-encoding"] == "chunked"
            instance = hdrs["stepflow-instance-id"]
            assert HEX16.match(instance)
            stream = b""
            answers = []
            while True:
                size = int((await reader.readline()).strip(), 16)
                if size == 0:
                    await reader.readline()
                    break
                stream += await reader.readexactly(size)
                await reader.readexactly(2)
                while b"\n\n" in stream:
                    event, stream = stream.split(b"\n\n", 1)
                    assert event.startswith(b"data: ") and b"\n" not in event
                    msg = json.loads(event[6:])
                    answers.append(msg)
                    if "method" in msg:  # a callback: answer it with a separate POST carrying the instance id
                        assert msg["params"]["observability"] == {"step_id": "s"}
                        result = {"blob_id": "b" * 64} if msg["method"] == "blobs/put" else {"data": [1], "blob_type": "data"}
                        reply = json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": result}).encode()
                        st, h, b = await raw_post(port, reply, {"stepflow-instance-id": instance})
                        assert (st, b) == (202, b'""')
            writer.close()
            assert [m.get("method") for m in answers] == ["blobs/put", "blobs/get", None]
            assert answers[-1] == {"jsonrpc": "2.0", "id": "e2", "result": {"output": {"blob_id": "b" * 64, "value": [1]}}}
            # an answer to no pending callback: 400 + -32600 with its id
            status, _, body = await raw_post(port, b'{"jsonrpc":"2.0","id":"zz","result":{}}', {"stepflow-instance-id": instance})
            assert status == 400 and json.loads(body)["error"]["code"] == -32600 and json.loads(body)["id"] == "zz"
            # not JSON: 415; other paths and methods
            status, _, body = await raw_post(port, b"x=1", ctype="application/x-www-form-urlencoded")
            assert status == 415 and json.loads(body)["error"]["code"] == -32600
            status, _, body = await raw_post(port, b"{not json")
            assert status == 400 and json.loads(body) == {"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": json.loads(body)["error"]["message"]}}
            status, _, body = await raw_post(port, request(9, "nope/nope", {}))
            assert status == 200 and json.loads(body)["error"]["code"] == -32601 and json.loads(body)["id"] == 9
        finally:
            await stop(proc)

    run(main())


def test_fifty_in_flight_mixed_with_callbacks_over_http() -> None:
    async def main() -> None:
        proc, port = await start_http()
        try:
            async with await sf.StepflowClient.connect_http(f"http://127.0.0.1:{port}") as client:
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
                    assert len(blobs.output) == 3 and titled.output["values"] == {"k": f"V {i}"} and slept.output == i
                assert elapsed < 15, elapsed
                print(f"\nHTTP: 150 executes (150 blobs/put callbacks) in flight: {elapsed * 1000:.0f} ms")
        finally:
            await stop(proc)

    run(main())


class SubRunRuntime(sf.InMemoryRuntime):
    """Answers blobs/put only after running another execute on the same server (as a sub-run
    does: a new components/execute arrives while the first one's event stream is open)."""

    client: sf.StepflowClient

    async def blobs_put(self, params: sf.PutBlobParams) -> sf.PutBlobResult:
        nested = await self.client.components_execute(execute("/title_case", {"values": {"x": "nested call"}}))
        assert nested.output["values"] == {"x": "Nested Call"}
        return await super().blobs_put(params)


def test_nested_execute_while_a_stream_is_open() -> None:
    async def main() -> None:
        proc, port = await start_http()
        try:
            runtime = SubRunRuntime()
            async with await sf.StepflowClient.connect_http(f"http://127.0.0.1:{port}", handlers=runtime) as client:
                runtime.client = client
                outs = await asyncio.gather(*(client.components_execute(execute("/roundtrip", {"value": i})) for i in range(10)))
                assert [o.output["value"] for o in outs] == list(range(10))
        finally:
            await stop(proc)

    run(main())


def test_server_killed_mid_call_over_http() -> None:
    async def main() -> None:
        proc, port = await start_http()
        client = await sf.StepflowClient.connect_http(f"http://127.0.0.1:{port}")
        await client.components_execute(execute("/echo", 1))  # a kept-alive connection in the pool
        call = asyncio.ensure_future(client.components_execute(execute("/sleep", {"seconds": 30})))
        stream = asyncio.ensure_future(client.components_execute(execute("/many_blobs", {"count": 1, "delay": 30})))
        await asyncio.sleep(0.5)
        proc.kill()
        await proc.wait()
        for pending in (call, stream):
            with pytest.raises(sf.ConnectionLost):
                await asyncio.wait_for(pending, 5)
        with pytest.raises(sf.ConnectionLost):
            await client.components_list()
        await client.close()

    run(main())


def test_timeout_cancels_the_request_on_the_server() -> None:
    async def main() -> None:
        proc, port = await start_http()
        try:
            async with await sf.StepflowClient.connect_http(f"http://127.0.0.1:{port}") as client:
                with pytest.raises(TimeoutError):
                    await client.components_execute(execute("/sleep", {"seconds": 5}), timeout=0.2)
                assert (await client.components_execute(execute("/echo", "after"))).output == "after"
        finally:
            await stop(proc)

    run(main())


def test_in_process_app_without_a_server() -> None:
    """``create_http_app()`` is a plain ASGI app: driven here without uvicorn."""
    from rpc_support import asgi_post, load_components

    server = load_components().server

    async def main() -> None:
        app = server.create_http_app()
        r = await asgi_post(app, b"", method="GET", path="/health")
        assert (r.status, json.loads(r.body)) == (200, {"status": "healthy"})
        r = await asgi_post(app, request(1, "components/list", {}))
        assert r.status == 200 and "/echo" in [c["component"] for c in json.loads(r.body)["result"]["components"]]
        r = await asgi_post(app, b"{}", path="/other")
        assert r.status == 404
        r = await asgi_post(app, b"", method="GET")
        assert r.status == 405
        big = request(2, "components/execute", {"component": "/echo", "input": "z" * (20 * 1024 * 1024), "attempt": 1, "observability": {}})
        r = await asgi_post(app, big)
        assert r.status == 413 and json.loads(r.body)["error"]["code"] == -32600

        async def answer_callbacks(chunk: bytes) -> None:
            for line in chunk.split(b"\n\n"):
                if line.startswith(b"data: ") and b'"method"' in line:
                    msg = json.loads(line[6:])
                    reply = {"jsonrpc": "2.0", "id": msg["id"], "result": {"blob_id": "c" * 64}}
                    if msg["method"] == "blobs/get":
                        reply["result"] = {"data": 5, "blob_type": "data"}
                    asyncio.ensure_future(asgi_post(app, json.dumps(reply).encode()))

        params = {"component": "/roundtrip", "input": {"value": 5}, "attempt": 1, "observability": {}}
        r = await asgi_post(app, request(3, "components/execute", params), on_chunk=answer_callbacks)
        assert r.status == 200 and r.headers["content-type"] == "text/event-stream"
        assert HEX16.match(r.headers["stepflow-instance-id"])
        events = [json.loads(e) for e in r.events()]
        assert [e.get("method") for e in events] == ["blobs/put", "blobs/get", None]
        assert events[-1]["result"] == {"output": {"blob_id": "c" * 64, "value": 5}}

    run(main())


def test_http_sequential_latency() -> None:
    async def main() -> dict[str, Any]:
        proc, port = await start_http()
        try:
            async with await sf.StepflowClient.connect_http(f"http://127.0.0.1:{port}") as client:
                params = execute("/title_case", {"values": {"greeting": "hello world"}})
                for _ in range(50):
                    await client.components_execute(params)
                plain, blobs = [], []
                for _ in range(300):
                    t = time.perf_counter()
                    await client.components_execute(params)
                    plain.append(time.perf_counter() - t)
                for i in range(150):
                    t = time.perf_counter()
                    await client.components_execute(execute("/roundtrip", {"value": i}))
                    blobs.append(time.perf_counter() - t)
                return {"title_case (JSON)": percentiles(plain), "roundtrip (SSE + 2 callback POSTs)": percentiles(blobs)}
        finally:
            await stop(proc)

    numbers = run(main())
    print("\nHTTP sequential latency:", json.dumps(numbers))
    assert numbers["title_case (JSON)"]["median_ms"] < 100
