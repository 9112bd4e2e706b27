"""The limits of the generated servers (docs/rpc.md, "Limits"): HTTP header and body timeouts, a
connection cap, a body size limit, a truncated body never run, no traceback floods, and STDIO
backpressure (a runtime that does not read its answers stops the server reading, its memory stays
bounded).  Everything runs on loopback, with bounded counts and deadlines."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rpc_support import COMPONENTS, ROOT, execute, run, sf

SIDE_EFFECT_SERVER = """
import sys
sys.path.insert(0, {generated!r})
from python import StepflowServer

server = StepflowServer()

@server.component
def mark(input: str) -> str:
    with open({marker!r}, "a") as f:
        f.write(input + "\\n")
    return input

if __name__ == "__main__":
    server.main()
"""


class Server:
    def __init__(self, proc: subprocess.Popen[bytes], port: int, stderr: Path) -> None:
        self.proc, self.port, self.stderr = proc, port, stderr

    def fds(self) -> int:
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))

    def connect(self) -> socket.socket:
        s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        s.settimeout(5)
        return s


def _start(tmp_path: Path, env: dict[str, str], script: Path = COMPONENTS) -> Server:
    stderr = tmp_path / "stderr.txt"
    with open(stderr, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, str(script), "--http", "--log-level", "INFO"],
            stdout=subprocess.PIPE, stderr=err, env=os.environ | env,
        )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    port = json.loads(line)["port"]
    return Server(proc, port, stderr)


@pytest.fixture
def http_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    started: list[Server] = []

    def start(env: dict[str, str], script: Path = COMPONENTS) -> Server:
        server = _start(tmp_path, env, script)
        started.append(server)
        return server

    yield start
    for server in started:
        server.proc.kill()
        server.proc.wait(10)


def post(body: bytes, content_length: int | None = None, extra: bytes = b"") -> bytes:
    length = len(body) if content_length is None else content_length
    return (
        b"POST / HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
        + f"content-length: {length}\r\n".encode() + extra + b"\r\n" + body
    )


def read_response(s: socket.socket) -> tuple[int, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed after {data!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = s.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, headers, rest[:length]


def closed_by_peer(s: socket.socket, within: float) -> bool:
    """True when the server closes the connection within ``within`` seconds."""
    s.settimeout(within)
    try:
        while s.recv(65536):
            pass
        return True
    except (TimeoutError, socket.timeout):
        return False
    except ConnectionError:
        return True


EXECUTE = json.dumps({
    "jsonrpc": "2.0", "id": "e1", "method": "components/execute",
    "params": {"component": "/echo", "input": {"x": 1}, "attempt": 1, "observability": {}},
}).encode()


# -- HTTP ---------------------------------------------------------------------------------------


def test_slow_loris_connections_are_capped_and_a_normal_request_still_succeeds(http_server: Any) -> None:
    """100 connections that never finish their headers against a cap of 64: the server keeps at
    most ~64 of them open (the oldest make room for new ones), a normal request is answered at once,
    and stderr gets a few lines, not a traceback per connection."""
    server = http_server({"STEPFLOW_HTTP_MAX_CONNECTIONS": "64", "STEPFLOW_HTTP_HEADER_TIMEOUT": "60"})
    base = server.fds()
    slow: list[socket.socket] = []
    try:
        for _ in range(100):
            s = server.connect()
            s.sendall(b"POST / HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-")
            slow.append(s)
        started = time.monotonic()
        with server.connect() as s:
            s.sendall(post(EXECUTE))
            status, _, body = read_response(s)
            elapsed = time.monotonic() - started
            held = server.fds() - base  # every connection before this one was accepted
        assert status == 200 and json.loads(body)["result"]["output"] == {"x": 1}
        assert elapsed < 2.0, elapsed
        assert held <= 64 + 4, f"{held} connections held open"
        # the oldest slow connections were closed to make room
        assert sum(closed_by_peer(s, 0.01) for s in slow[:30]) >= 30
    finally:
        for s in slow:
            s.close()
    text = server.stderr.read_text()
    assert "Traceback" not in text
    assert len(text.splitlines()) <= 10, text[:3000]
    assert "connections open (the cap)" in text


def test_descriptor_limit_sets_the_default_cap_no_exhaustion_no_traceback_flood(tmp_path: Path) -> None:
    """The issue's 1,030 slow connections against 1,024 descriptors, scaled down: the server may
    open 100 files, 100 slow connections arrive.  The default cap (descriptor limit - 64 = 36)
    keeps descriptors free: a normal request is answered at once, and stderr stays a few lines
    (the old server ran out of descriptors, the normal request timed out, and asyncio logged a
    traceback per failed accept(): 8 MB of stderr in 3 s)."""
    import resource

    def limit_files() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (100, 100))

    stderr = tmp_path / "stderr.txt"
    with open(stderr, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, str(COMPONENTS), "--http"], stdout=subprocess.PIPE, stderr=err,
            env=os.environ | {"STEPFLOW_HTTP_HEADER_TIMEOUT": "60"}, preexec_fn=limit_files,
        )
    slow: list[socket.socket] = []
    try:
        assert proc.stdout is not None
        server = Server(proc, json.loads(proc.stdout.readline())["port"], stderr)
        for _ in range(100):
            s = server.connect()
            s.sendall(b"POST / HTTP/1.1\r\nhost: 127.0.0.1\r\n")
            slow.append(s)
        time.sleep(0.3)
        started = time.monotonic()
        with server.connect() as s:
            s.settimeout(3)
            s.sendall(post(EXECUTE))
            status, _, body = read_response(s)
        assert status == 200 and json.loads(body)["result"]["output"] == {"x": 1}
        assert time.monotonic() - started < 2.0
        assert server.fds() < 100
        time.sleep(1.2)  # the loop would retry accept() every second
    finally:
        for s in slow:
            s.close()
        proc.kill()
        proc.wait(10)
    text = stderr.read_text()
    assert "Traceback" not in text and len(text) < 2000, text[:3000]


def test_out_of_descriptors_is_logged_as_a_few_lines(tmp_path: Path) -> None:
    """A cap set above the descriptor limit: accept() fails, and that is logged as throttled
    one-line messages instead of a traceback each."""
    import resource

    def limit_files() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

    stderr = tmp_path / "stderr.txt"
    with open(stderr, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, str(COMPONENTS), "--http"], stdout=subprocess.PIPE, stderr=err,
            env=os.environ | {"STEPFLOW_HTTP_MAX_CONNECTIONS": "1000"}, preexec_fn=limit_files,
        )
    slow: list[socket.socket] = []
    try:
        assert proc.stdout is not None
        port = json.loads(proc.stdout.readline())["port"]
        for _ in range(80):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(b"POST / HTTP/1.1\r\n")
            slow.append(s)
        time.sleep(2.5)
    finally:
        for s in slow:
            s.close()
        proc.kill()
        proc.wait(10)
    text = stderr.read_text()
    assert "out of system resource" in text and "Too many open files" in text
    assert "Traceback" not in text and len(text.splitlines()) <= 5, text[:3000]


def test_header_timeout_closes_a_connection_that_never_finishes_its_headers(http_server: Any) -> None:
    server = http_server({"STEPFLOW_HTTP_HEADER_TIMEOUT": "0.5"})
    with server.connect() as idle, server.connect() as partial:
        partial.sendall(b"POST / HTTP/1.1\r\nhost: 127.0.0.1\r\n")
        started = time.monotonic()
        assert closed_by_peer(partial, 5.0) and closed_by_peer(idle, 5.0)
        assert time.monotonic() - started < 3.0
    with server.connect() as s:  # a kept-alive connection: the next request's headers are timed too
        s.sendall(post(EXECUTE))
        assert read_response(s)[0] == 200
        s.sendall(b"POST / HTTP/1.1\r\n")
        assert closed_by_peer(s, 5.0)
    assert "sent no complete request headers within 0.5 s" in server.stderr.read_text()


def test_body_timeout_answers_408_and_closes(http_server: Any) -> None:
    server = http_server({"STEPFLOW_HTTP_BODY_TIMEOUT": "0.5"})
    with server.connect() as s:
        s.sendall(post(EXECUTE[:20], content_length=len(EXECUTE)))
        s.settimeout(5)
        status, headers, body = read_response(s)
        assert status == 408 and headers.get("connection") == "close"
        assert json.loads(body)["error"]["code"] == -32600
        assert closed_by_peer(s, 5.0)


def test_a_truncated_body_is_never_executed(http_server: Any, tmp_path: Path) -> None:
    """The body is a complete execute of a component with a side effect, but shorter than its
    Content-Length; the client then goes away: nothing runs (the old server ran it)."""
    marker = tmp_path / "marker.txt"
    script = tmp_path / "side_effect_server.py"
    script.write_text(SIDE_EFFECT_SERVER.format(generated=str(ROOT / "generated"), marker=str(marker)))
    server = http_server({}, script)

    def body(text: str) -> bytes:
        params = {"component": "/mark", "input": text, "attempt": 1, "observability": {}}
        return json.dumps({"jsonrpc": "2.0", "id": 1, "method": "components/execute", "params": params}).encode()

    with server.connect() as s:
        s.sendall(post(body("cut"), content_length=len(body("cut")) + 50))
        time.sleep(0.1)
    with server.connect() as s:  # the server still works, and runs whole bodies
        s.sendall(post(body("whole")))
        status, _, answer = read_response(s)
        assert status == 200 and json.loads(answer)["result"]["output"] == "whole"
    time.sleep(0.2)
    assert marker.read_text() == "whole\n"
    assert "went away before the end of its request body" in server.stderr.read_text()


def test_a_body_over_the_limit_is_answered_413_and_the_connection_closed(http_server: Any) -> None:
    server = http_server({})
    big = 16 * 1024 * 1024 + 1
    with server.connect() as s:  # refused from the headers: the 16 MiB are never sent
        s.sendall(post(b'{"jsonrpc":"2.0","id":"big-1","method":"components/execute"', content_length=big))
        status, headers, body = read_response(s)
        assert status == 413 and headers.get("connection") == "close"
        assert json.loads(body)["id"] == "big-1"
        assert closed_by_peer(s, 5.0)


def test_short_body_in_process_is_answered_400_and_disconnect_is_not_run() -> None:
    """The ASGI app on its own (any ASGI server): a body shorter than its Content-Length is a 400;
    a disconnect in the middle of a body runs nothing."""
    ran: list[Any] = []

    async def handle(message: Any, caller: Any) -> Any:
        ran.append(message)
        return sf.ComponentExecuteResult(output=1)

    app = sf._rpc.HttpApp(handle, limits=sf.Limits(body_timeout=5))
    scope = {
        "type": "http", "method": "POST", "path": "/",
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"999")],
    }

    async def drive(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return messages.pop(0)

        async def send(message: dict[str, Any]) -> None:
            sent.append(dict(message))

        await app(scope, receive, send)
        return sent

    async def main() -> None:
        sent = await drive([{"type": "http.request", "body": EXECUTE, "more_body": False}])
        assert sent[0]["status"] == 400 and (b"connection", b"close") in sent[0]["headers"]
        sent = await drive([{"type": "http.request", "body": EXECUTE, "more_body": True}, {"type": "http.disconnect"}])
        assert sent == []

    run(main())
    assert ran == []


def test_limits_from_environment() -> None:
    env = {
        "STEPFLOW_HTTP_HEADER_TIMEOUT": "2.5", "STEPFLOW_HTTP_BODY_TIMEOUT": "7",
        "STEPFLOW_HTTP_MAX_CONNECTIONS": "99", "STEPFLOW_STDIO_MAX_IN_FLIGHT": "3",
        "STEPFLOW_STDIO_MAX_BUFFERED": "1000",
    }
    assert sf.Limits.from_env(env) == sf.Limits(2.5, 7.0, 99, 3, 1000)
    assert sf.Limits.from_env({"STEPFLOW_HTTP_MAX_CONNECTIONS": "-1", "STEPFLOW_HTTP_BODY_TIMEOUT": "x"}) == sf.Limits()
    assert 8 <= sf.Limits().connection_cap() <= 1024
    server = sf.StepflowServer(limits=sf.Limits(max_in_flight=5))
    assert server.limits.max_in_flight == 5 and server.create_http_app().limits is server.limits


# -- STDIO --------------------------------------------------------------------------------------


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_stdio_runtime_that_does_not_read_answers_keeps_memory_bounded() -> None:
    """300 requests whose answers are 1 MB each, and nobody reads stdout: the server stops reading
    stdin instead of buffering everything (the old server grew 76 -> 735 MB).  Then the answers
    are read and every one of the 300 is answered."""
    n, size = 300, 1 << 20
    proc = subprocess.Popen(
        [sys.executable, str(COMPONENTS), "--stdio"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        env=os.environ | {"LOG_LEVEL": "ERROR"},
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        def request(id: Any, input: Any, component: str = "/big") -> bytes:
            params = {"component": component, "input": input, "attempt": 1, "observability": {}}
            return json.dumps({"jsonrpc": "2.0", "id": id, "method": "components/execute", "params": params}).encode() + b"\n"

        stdin = proc.stdin.fileno()
        os.write(stdin, request("ready", "x", "/echo"))  # imports done, loop running
        assert b'"ready"' in proc.stdout.readline()
        baseline = peak = _rss_mb(proc.pid)
        data = b"".join(request(i, {"size": size}) for i in range(n))
        assert len(data) < 60_000  # fits in the pipe: the server may read it all, it must not run it all
        os.write(stdin, data)
        # watch the memory until it stops growing (at most 8 s)
        steady_since, last, deadline = time.monotonic(), peak, time.monotonic() + 8
        while time.monotonic() < deadline and time.monotonic() - steady_since < 1.5:
            time.sleep(0.05)
            rss = _rss_mb(proc.pid)
            peak = max(peak, rss)
            if rss > last + 2:
                steady_since, last = time.monotonic(), rss
        assert peak - baseline < 150, (baseline, peak)

        # now read: everything gets answered
        answered: set[int] = set()
        reader_error: list[BaseException] = []

        def read_all() -> None:
            try:
                buf = b""
                while len(answered) < n:
                    chunk = os.read(proc.stdout.fileno(), 1 << 20)  # type: ignore[union-attr]
                    if not chunk:
                        return
                    buf += chunk
                    *done, buf = buf.split(b"\n")
                    for line in done:
                        message = json.loads(line)
                        assert len(message["result"]["output"]) == size
                        answered.add(message["id"])
            except BaseException as e:  # noqa: BLE001
                reader_error.append(e)

        reader = threading.Thread(target=read_all, daemon=True)
        reader.start()
        proc.stdin.close()
        reader.join(60)
        assert not reader_error, reader_error
        assert answered == set(range(n))
        assert proc.wait(30) == 0
        print(f"\nstdio, {n} unread answers of 1 MiB: RSS {baseline:.0f} -> {peak:.0f} MB")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_stdio_backpressure_with_callbacks_does_not_deadlock() -> None:
    """One request in flight at most, each waiting for blobs/put callbacks: the server must still
    read the answers to its callbacks (and put the other requests aside)."""

    async def main() -> None:
        client = await sf.StepflowClient.connect_stdio(
            sys.executable, [str(COMPONENTS), "--stdio"],
            env=os.environ | {"STEPFLOW_STDIO_MAX_IN_FLIGHT": "1", "STEPFLOW_STDIO_MAX_BUFFERED": "100"},
        )
        async with client:
            import asyncio

            calls = [client.components_execute(execute("/many_blobs", {"count": 3}), timeout=30)
                     for i in range(20)]
            calls += [client.components_execute(execute("/echo", i), timeout=30) for i in range(20)]
            results = await asyncio.gather(*calls)
            assert [r.output for r in results[20:]] == list(range(20))
            assert all(len(r.output) == 3 for r in results[:20])

    run(main(), timeout=60)


def test_line_peer_stops_reading_at_max_in_flight() -> None:
    """In process: with max_in_flight=2 and handlers that wait, only 2 requests are read."""
    import asyncio

    async def main() -> None:
        gate = asyncio.Event()
        started: list[Any] = []

        async def handle(message: Any, caller: Any) -> Any:
            started.append(message.id)
            await gate.wait()
            return sf.ComponentExecuteResult(output=message.id)

        class Writer:
            def __init__(self) -> None:
                self.lines: list[bytes] = []

            async def write(self, data: bytes) -> None:
                self.lines.append(data)

            def buffered(self) -> int:
                return 0

            async def close(self) -> None:
                pass

        reader = asyncio.StreamReader()
        for i in range(10):
            reader.feed_data(json.dumps({"jsonrpc": "2.0", "id": i, "method": "components/execute", "params": {
                "component": "/x", "input": None, "attempt": 1, "observability": {}}}).encode() + b"\n")
        reader.feed_eof()
        writer = Writer()
        peer = sf._rpc.LinePeer(reader, writer, handle, max_in_flight=2)
        task = asyncio.ensure_future(peer.run())
        await asyncio.sleep(0.1)
        assert started == [0, 1]
        gate.set()
        await asyncio.wait_for(task, 10)
        assert sorted(started) == list(range(10)) and len(writer.lines) == 10

    run(main())
