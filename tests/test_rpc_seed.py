"""The Python components of the seed document "Custom Components" (examples/seed-python/, the
seed's code with only its imports changed) run on the generated server, over STDIO and HTTP,
driven by the generated client; and the seed's MockContext unit tests pass."""

from __future__ import annotations

import asyncio
import http.server
import json
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rpc_support import ROOT, execute, run, sf, stop

SEED = ROOT / "examples" / "seed-python"


def test_seed_unit_tests_pass() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_my_components.py"],
        cwd=SEED, capture_output=True, text=True, timeout=120,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "3 passed" in r.stdout


@pytest.fixture
def json_server() -> Iterator[str]:
    """A loopback HTTP server for the seed's http_request component (never the internet)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            status = 404 if self.path.startswith("/missing") else 200
            body = json.dumps({"path": self.path, "agent": self.headers.get("User-Agent")}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:  # noqa: N802
            data = self.rfile.read(int(self.headers["Content-Length"]))
            body = json.dumps({"echo": json.loads(data)}).encode()
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


async def exercise_my_components(client: sf.StepflowClient, base_url: str) -> None:
    await client.initialize(sf.InitializeParams(runtime_protocol_version=1))
    await client.initialized()
    names = {c.component for c in (await client.components_list()).components}
    assert {"/process_data", "/http_request", "/cache_data", "/retrieve_cache", "/robust_processing", "/batch_processing"} <= names

    async def call(component: str, input: Any) -> Any:
        return (await client.components_execute(execute(component, input))).output

    out = await call("/process_data", {"data": {"name": "john doe", "email": "john@example.com"}, "processing_rules": {"title_case": True}})
    assert out["processed_data"] == {"name": "John Doe", "email": "John@Example.Com"}
    assert out["metadata"]["component_version"] == "1.0.0" and out["metadata"]["original_keys"] == ["name", "email"]

    out = await call("/http_request", {"url": f"{base_url}/posts/1", "retries": 0, "timeout": 5})
    assert out["success"] is True and out["status_code"] == 200 and out["attempts_made"] == 1
    assert out["data"] == {"path": "/posts/1", "agent": "StepFlow-Component/1.0"}
    out = await call("/http_request", {"url": f"{base_url}/missing", "retries": 0})
    assert (out["success"], out["status_code"], out["error_message"]) == (False, 404, "HTTP 404")
    out = await call("/http_request", {"url": base_url, "method": "POST", "json_data": {"a": 1}, "retries": 0})
    assert out["status_code"] == 201 and out["data"] == {"echo": {"a": 1}}

    cached = await call("/cache_data", {"key": "k1", "data": {"x": [1, 2]}, "ttl_minutes": 5})
    assert cached["cache_key"] == "k1" and len(cached["blob_id"]) == 64
    stored, blob_type = client.handlers.blobs[cached["blob_id"]]  # type: ignore[attr-defined]
    assert stored["data"] == {"x": [1, 2]} and blob_type is sf.BlobType.DATA
    assert cached["blob_id"] == sf.blob_id(stored)
    got = await call("/retrieve_cache", {"blob_id": cached["blob_id"]})
    assert got["found"] is True and got["data"] == {"x": [1, 2]} and got["is_expired"] is False
    assert (await call("/retrieve_cache", {"blob_id": "0" * 64}))["found"] is False

    out = await call("/robust_processing", {"data": {"name": "  ada lovelace ", "n": 3, "tags": ["x"]}})
    assert out["success"] is True and out["processed_data"] == {"name": "Ada Lovelace", "n": 3}
    out = await call("/robust_processing", {"data": {"tags": ["x"]}, "strict_mode": True})
    assert (out["success"], out["error_code"]) == (False, "INVALID_TYPE")
    out = await call("/robust_processing", {"data": {}})
    assert (out["success"], out["error_code"], out["retries_attempted"]) == (False, "EMPTY_INPUT", 3)

    out = await call("/batch_processing", {"items": [{"i": i} for i in range(10)], "batch_size": 3, "max_workers": 2})
    assert sorted(item["i"] for item in out["processed_items"]) == list(range(10))
    assert all(item["processed"] is True for item in out["processed_items"])
    assert out["processing_stats"] == {"total_items": 10, "batches_processed": 4, "batch_size": 3, "workers_used": 2}

    # the seed's "Integration Testing" flow: process -> cache -> retrieve
    processed = await call("/process_data", {"data": {"name": "alice", "role": "engineer", "department": "platform"}, "processing_rules": {"uppercase": True}, "include_metadata": True})
    assert processed["processed_data"] == {"name": "ALICE", "role": "ENGINEER", "department": "PLATFORM"}
    cached = await call("/cache_data", {"key": "integration_test", "data": processed, "ttl_minutes": 5})
    retrieved = await call("/retrieve_cache", {"blob_id": cached["blob_id"]})
    assert retrieved["found"] is True and retrieved["is_expired"] is False and retrieved["data"] == processed


def test_my_components_over_stdio(json_server: str) -> None:
    async def main() -> None:
        async with await sf.StepflowClient.connect_stdio(sys.executable, [str(SEED / "my_components.py")], cwd=SEED) as client:
            await exercise_my_components(client, json_server)
        assert client.process is not None and client.process.returncode == 0

    run(main())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def start_seed_http(script: str, *args: str) -> tuple[asyncio.subprocess.Process, str]:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(SEED / script), *args, "--port", str(port), cwd=SEED,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            if (await reader.read()).startswith(b"HTTP/1.1 200"):
                writer.close()
                return proc, f"http://127.0.0.1:{port}"
        except OSError:
            await asyncio.sleep(0.1)
    await stop(proc)
    raise AssertionError(f"{script} did not start")


def test_my_components_over_http(json_server: str) -> None:
    """The seed's own ``--http`` branch: ``uvicorn.run(server.create_http_app(), ...)``."""

    async def main() -> None:
        proc, url = await start_seed_http("my_components.py", "--http")
        try:
            async with await sf.StepflowClient.connect_http(url) as client:
                await exercise_my_components(client, json_server)
        finally:
            await stop(proc)

    run(main())


def test_http_components_over_http() -> None:
    async def main() -> None:
        proc, url = await start_seed_http("http_components.py", "--host", "127.0.0.1")
        try:
            async with await sf.StepflowClient.connect_http(url) as client:
                health = (await client.components_execute(execute("/health_check", {}))).output
                assert health["status"] == "healthy" and health["server_id"].startswith("server-")
                assert health["uptime_seconds"] >= 0
                outs = await asyncio.gather(*(
                    client.components_execute(execute("/distributed_processing", {"task_id": f"t{i}", "data": {"i": i}, "priority": 10}))
                    for i in range(5)
                ))
                for i, out in enumerate(outs):
                    assert out.output["task_id"] == f"t{i}" and out.output["result"]["original_data"] == {"i": i}
                    assert out.output["processing_time_ms"] >= 100
        finally:
            await stop(proc)

    run(main())


def test_database_components_over_stdio(tmp_path: Path) -> None:
    db = tmp_path / "seed.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, role TEXT)")

    async def main() -> None:
        async with await sf.StepflowClient.connect_stdio(sys.executable, [str(SEED / "database_components.py")], cwd=SEED) as client:
            async def call(component: str, input: Any) -> Any:
                return (await client.components_execute(execute(component, {"connection_string": str(db), **input}))).output

            out = await call("/bulk_insert", {"table_name": "users", "records": [{"id": i, "name": f"user{i}", "role": "dev"} for i in range(25)], "batch_size": 10})
            assert (out["success"], out["records_processed"], out["batches_processed"]) == (True, 25, 3)
            out = await call("/bulk_insert", {"table_name": "users", "records": [{"id": 1, "name": "renamed", "role": "lead"}], "upsert_key": ["id"]})
            assert out["success"] is True, out
            out = await call("/database_query", {"query": "SELECT name, role FROM users WHERE id = $1", "parameters": [1], "fetch_mode": "one"})
            assert out["rows"] == [{"name": "renamed", "role": "lead"}] and out["row_count"] == 1
            out = await call("/database_query", {"query": "SELECT count(*) AS n FROM users"})
            assert out["rows"] == [{"n": 25}]
            out = await call("/database_query", {"query": "DELETE FROM users WHERE id >= $1", "parameters": [20], "fetch_mode": "none"})
            assert (out["success"], out["row_count"], out["rows"]) == (True, 5, None)
            out = await call("/database_query", {"query": "SELECT * FROM nope"})
            assert out["success"] is False and "no such table" in out["error_message"]

    run(main())
