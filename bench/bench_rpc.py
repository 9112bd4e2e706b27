"""JSON-RPC round trips: our generated component servers (Python, TypeScript, Rust) against
StepFlow's own Python SDK.

All serve the same trivial component (``/title_case`` of a four-key object, a plain sync
function), are driven by the same minimal client written here, in the same run, and the script
prints ratios against stepflow-py.  It is a benchmark, not a test: no thresholds; it exits non-zero
only when one of our servers cannot be built or started, or a server answers wrongly.  When
stepflow-py's venvs are not set up it says so and prints our three servers alone.

* **TypeScript**: the generated component server (``bench/servers/ts/main.ts`` on the
  ``components.ts`` generated from ``schemas/`` + ``bench/servers/schemas/``), compiled with
  ``tsc`` (``tests/ts-server``'s pinned TypeScript) into ``bench/.work/ts`` and run by ``node``.
* **Rust**: the generated component server (``bench/servers/rust``, the same schemas), built with
  ``cargo build --release`` in ``bench/.work/rust`` (the versions of ``tests/rust_server/Cargo.lock``).

* **STDIO**: OURS = the generated ``StepflowStdioServer`` (``bench/rpc_ours.py``) against
  stepflow-py **0.7.0**'s STDIO server (``tests/interop/components_sf07.py``, its default log
  level), each launched as the runtime launches a STDIO plugin (environment cleared, stdin/stdout
  pipes, stderr discarded).  The driver writes one JSON line per request with ``os.write`` and
  splits what ``os.read`` returns into lines: no asyncio, no framing library, the same bytes for
  both servers.
* **HTTP**: OURS = the generated ``StepflowServer`` under uvicorn (``rpc_ours.py --http --port 0``,
  subprocess mode: it prints ``{"port": N}``) against stepflow-py **0.9.1**'s FastAPI server
  (``tests/interop/components_sf09.py``).  The driver speaks HTTP/1.1 on raw keep-alive sockets:
  one connection for the sequential phase, one connection per request in flight for the
  throughput phase (a ``selectors`` loop, one thread).

Phases per server: ``--warmup`` untimed executes, ``--n`` sequential executes (median and p99
round trip), then ``--total`` executes with ``--inflight`` always outstanding (throughput, and the
latency each request saw).  Every answer is decoded and compared with the expected output.  The
servers alternate, ``--repeat`` times (a fresh process each time); the median of the repeats is
reported.  Server CPU per execute is the server process's user+system time (``/proc``) over the
throughput phase divided by the executes.

The interpreters are the cached interop venvs of ``tests/interop/peers.py`` (built on first use
with ``tests/interop/setup.sh``): ``py-0.7.0``, ``py-0.9.1``, and ``ours-http`` (msgspec 0.22.0 +
uvicorn 0.54.0 with h11, the same versions the 0.9.1 SDK's venv resolves; neither has uvloop or
httptools).

    .venv/bin/python bench/bench_rpc.py [--n 2000] [--total 4000] [--inflight 32] [--repeat 3]
                                        [--only stdio,http] [--servers python,typescript,rust,stepflow-py]
                                        [--profile DIR]

``--profile DIR`` runs OUR servers under cProfile (``DIR/ours-stdio.prof``, ``DIR/ours-http.prof``)
and prints their top functions; the profiler slows them down, so the ratios of such a run mean
nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))

from interop import peers  # noqa: E402  (stdlib only: venvs built by tests/interop/setup.sh)

try:
    import msgspec

    class _Answer(msgspec.Struct):
        id: Any = None
        result: Any = None
        error: Any = None

    _decoder = msgspec.json.Decoder(_Answer)

    def decode_answer(data: bytes) -> tuple[Any, Any, Any]:
        a = _decoder.decode(data)
        return a.id, a.result, a.error

except ImportError:  # any Python works; msgspec only makes the client cheaper

    def decode_answer(data: bytes) -> tuple[Any, Any, Any]:
        a = json.loads(data)
        return a.get("id"), a.get("result"), a.get("error")


INPUT = {"values": {"greeting": "hello world", "name": "ada lovelace", "count": 3, "ok": True}}
OUTPUT = {"values": {"greeting": "Hello World", "name": "Ada Lovelace", "count": 3, "ok": True}, "changed": 2}
# what the runtime sends with a step's execute (the shape of the 0.9 capture)
OBSERVABILITY = {
    "trace_id": "771315fa7a4793e7aa106e0808fb12d7",
    "span_id": "191242ea1d3db398",
    "run_id": "0b84cd3b-1b0e-4a8b-9a53-1f2ad9d3a0e1",
    "flow_id": "15590ba0d0c9e7d1a3c5b6f4e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3",
    "step_id": "titled",
}
PARAMS = json.dumps(
    {"component": "/title_case", "input": INPUT, "attempt": 1, "observability": OBSERVABILITY},
    separators=(",", ":"),
).encode()
CLK_TCK = os.sysconf("SC_CLK_TCK")
START_TIMEOUT = 60.0
IO_TIMEOUT = 30.0


class BenchError(Exception):
    pass


def request_line(id: str) -> bytes:
    return b'{"jsonrpc":"2.0","id":"' + id.encode() + b'","method":"components/execute","params":' + PARAMS + b"}"


def ids(n: int) -> list[str]:
    return [str(uuid.uuid4()) for _ in range(n)]  # the runtime's request ids are UUIDv4 strings


def check(data: bytes, want_id: str | None = None) -> str:
    id, result, error = decode_answer(data)
    if error is not None or result != {"output": OUTPUT} or (want_id is not None and id != want_id):
        raise BenchError(f"unexpected answer: {data[:300]!r}")
    return id  # type: ignore[no-any-return]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def pct(values: Sequence[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s)) - 1))]


@dataclass
class Result:
    seq_median_ms: float
    seq_p99_ms: float
    rps: float
    load_median_ms: float
    load_p99_ms: float
    cpu_us: float


# ------------------------------------------------------------------------------------------------
# STDIO
# ------------------------------------------------------------------------------------------------


class StdioServer:
    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=REPO
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.w = self.proc.stdin.fileno()
        self.r = self.proc.stdout.fileno()
        self.buf = b""

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.w, view) :]

    def lines(self) -> list[bytes]:
        """The complete lines available after one read (at least one)."""
        while True:
            chunk = os.read(self.r, 1 << 16)
            if not chunk:
                raise BenchError(f"the server closed its stdout (exit {self.proc.poll()})")
            self.buf += chunk
            if b"\n" in chunk:
                parts = self.buf.split(b"\n")
                self.buf = parts.pop()
                return [p for p in parts if p.strip()]

    def call(self, line: bytes) -> bytes:
        self.write(line + b"\n")
        while True:
            got = self.lines()
            if got:
                if len(got) != 1:
                    raise BenchError(f"{len(got)} answers to one request")
                return got[0]

    def handshake(self) -> None:
        init = b'{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"runtime_protocol_version":1}}'
        answer = json.loads(self.call(init))
        if answer.get("result", {}).get("server_protocol_version") != 1:
            raise BenchError(f"bad initialize answer: {answer}")
        self.write(b'{"jsonrpc":"2.0","method":"initialized","params":{}}\n')

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def run_stdio(server: StdioServer, n: int, total: int, inflight: int, warmup: int) -> Result:
    server.handshake()
    for id in ids(warmup):
        check(server.call(request_line(id)), id)
    # sequential
    lat: list[float] = []
    for id in ids(n):
        line = request_line(id)
        t0 = time.perf_counter()
        answer = server.call(line)
        lat.append(time.perf_counter() - t0)
        check(answer, id)
    seq = lat
    # throughput
    names = ids(total)
    lines = [request_line(id) + b"\n" for id in names]
    sent: dict[str, float] = {}
    lat = []
    cpu0 = cpu_seconds(server.proc.pid)
    t_start = now = time.perf_counter()
    for id in names[:inflight]:
        sent[id] = t_start
    server.write(b"".join(lines[:inflight]))
    nxt = inflight
    done = 0
    while done < total:
        got = server.lines()
        now = time.perf_counter()
        out: list[bytes] = []
        for answer in got:
            lat.append(now - sent.pop(check(answer)))
            done += 1
            if nxt < total:
                sent[names[nxt]] = now
                out.append(lines[nxt])
                nxt += 1
        if out:
            server.write(b"".join(out))
    elapsed = now - t_start
    cpu = cpu_seconds(server.proc.pid) - cpu0
    return Result(
        seq_median_ms=statistics.median(seq) * 1e3,
        seq_p99_ms=pct(seq, 99) * 1e3,
        rps=total / elapsed,
        load_median_ms=statistics.median(lat) * 1e3,
        load_p99_ms=pct(lat, 99) * 1e3,
        cpu_us=cpu / total * 1e6,
    )


# ------------------------------------------------------------------------------------------------
# HTTP
# ------------------------------------------------------------------------------------------------


def parse_http(buf: bytearray) -> tuple[int, int, bytes] | None:
    """``(consumed, status, body)`` of the first complete response in ``buf``, or None."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = bytes(buf[:end]).decode("latin-1").split("\r\n")
    status = int(head[0].split()[1])
    headers = {}
    for h in head[1:]:
        k, _, v = h.partition(":")
        headers[k.strip().lower()] = v.strip()
    pos = end + 4
    if "content-length" in headers:
        size = int(headers["content-length"])
        if len(buf) < pos + size:
            return None
        return pos + size, status, bytes(buf[pos : pos + size])
    if "chunked" in headers.get("transfer-encoding", ""):
        body = bytearray()
        while True:
            nl = buf.find(b"\r\n", pos)
            if nl < 0:
                return None
            size = int(bytes(buf[pos:nl]).split(b";")[0], 16)
            if len(buf) < nl + 2 + size + 2:
                return None
            body += buf[nl + 2 : nl + 2 + size]
            pos = nl + 2 + size + 2
            if size == 0:
                return pos, status, bytes(body)
    raise BenchError(f"an answer without length: {head}")


def json_of(status: int, body: bytes) -> bytes:
    """The JSON-RPC answer in an HTTP body (plain JSON, or the last ``data:`` of an event stream)."""
    if status != 200:
        raise BenchError(f"HTTP {status}: {body[:300]!r}")
    if body.startswith(b"data:"):
        events = [line[5:].strip() for line in body.split(b"\n") if line.startswith(b"data:")]
        return events[-1]
    return body


class HttpServer:
    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=REPO
        )
        assert self.proc.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT
        self.port = 0
        while not self.port:
            line = self.proc.stdout.readline()
            if not line or time.monotonic() > deadline:
                raise BenchError(f"{argv[1]} did not announce its port (exit {self.proc.poll()})")
            try:
                self.port = int(json.loads(line)["port"])
            except (ValueError, KeyError, TypeError):
                continue
        self.head = (
            f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nContent-Type: application/json\r\n"
            "Accept: application/json, text/event-stream\r\nContent-Length: "
        ).encode()
        while True:  # GET /health until it answers
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    if s.recv(100).startswith(b"HTTP/1.1 200"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise BenchError(f"{argv[1]}: /health never answered")
            time.sleep(0.05)

    def post(self, body: bytes) -> bytes:
        return self.head + str(len(body)).encode() + b"\r\n\r\n" + body

    def connect(self) -> socket.socket:
        s = socket.create_connection(("127.0.0.1", self.port), timeout=IO_TIMEOUT)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s

    def call(self, s: socket.socket, body: bytes) -> bytes:
        s.sendall(self.post(body))
        buf = bytearray()
        while True:
            chunk = s.recv(1 << 16)
            if not chunk:
                raise BenchError("the server closed the connection")
            buf += chunk
            parsed = parse_http(buf)
            if parsed is not None:
                return json_of(parsed[1], parsed[2])

    def handshake(self, s: socket.socket) -> None:
        init = b'{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"runtime_protocol_version":1}}'
        answer = json.loads(self.call(s, init))
        if answer.get("result", {}).get("server_protocol_version") != 1:
            raise BenchError(f"bad initialize answer: {answer}")
        s.sendall(self.post(b'{"jsonrpc":"2.0","method":"initialized","params":{}}'))
        buf = bytearray()
        while (parsed := parse_http(buf)) is None:
            buf += s.recv(1 << 16)
        if parsed[1] not in (200, 202, 204):
            raise BenchError(f"initialized: HTTP {parsed[1]}")

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@dataclass
class _Conn:
    sock: socket.socket
    buf: bytearray = field(default_factory=bytearray)
    id: str = ""
    sent: float = 0.0


def run_http(server: HttpServer, n: int, total: int, inflight: int, warmup: int) -> Result:
    s = server.connect()
    server.handshake(s)
    for id in ids(warmup):
        check(server.call(s, request_line(id)), id)
    lat: list[float] = []
    for id in ids(n):
        body = request_line(id)
        t0 = time.perf_counter()
        answer = server.call(s, body)
        lat.append(time.perf_counter() - t0)
        check(answer, id)
    s.close()
    seq = lat
    # throughput: `inflight` keep-alive connections, one request outstanding on each
    names = ids(total)
    posts = [server.post(request_line(id)) for id in names]
    conns = [_Conn(server.connect()) for _ in range(inflight)]
    for c in conns:  # warm each connection (keep-alive established, server task ready)
        check(server.call(c.sock, request_line("warm")), "warm")
        c.sock.setblocking(False)
    sel = selectors.DefaultSelector()
    for c in conns:
        sel.register(c.sock, selectors.EVENT_READ, c)
    lat = []
    cpu0 = cpu_seconds(server.proc.pid)
    t_start = now = time.perf_counter()
    nxt = 0
    for c in conns:
        c.id, c.sent = names[nxt], t_start
        c.sock.send(posts[nxt])
        nxt += 1
    done = 0
    while done < total:
        events = sel.select(IO_TIMEOUT)
        if not events:
            raise BenchError("no answer within the timeout")
        now = time.perf_counter()
        for key, _ in events:
            c = key.data
            chunk = c.sock.recv(1 << 16)
            if not chunk:
                raise BenchError("the server closed a connection")
            c.buf += chunk
            parsed = parse_http(c.buf)
            if parsed is None:
                continue
            del c.buf[: parsed[0]]
            check(json_of(parsed[1], parsed[2]), c.id)
            lat.append(now - c.sent)
            done += 1
            if nxt < total:
                c.id, c.sent = names[nxt], now
                c.sock.send(posts[nxt])  # small: fits the empty socket buffer
                nxt += 1
    elapsed = now - t_start
    cpu = cpu_seconds(server.proc.pid) - cpu0
    sel.close()
    for c in conns:
        c.sock.close()
    return Result(
        seq_median_ms=statistics.median(seq) * 1e3,
        seq_p99_ms=pct(seq, 99) * 1e3,
        rps=total / elapsed,
        load_median_ms=statistics.median(lat) * 1e3,
        load_p99_ms=pct(lat, 99) * 1e3,
        cpu_us=cpu / total * 1e6,
    )


# ------------------------------------------------------------------------------------------------
# main
# ------------------------------------------------------------------------------------------------


@dataclass
class Contender:
    transport: str
    who: str  # python, typescript, rust (ours) or stepflow-py
    label: str
    argv: Callable[[], list[str]]
    env: Callable[[], dict[str, str]]


SERVERS = ("python", "typescript", "rust", "stepflow-py")
PEER_VENVS = {"stdio": "py-0.7.0", "http": "py-0.9.1"}
SERVER_SOURCES = HERE / "servers"


def httptools_dir() -> Path:
    """A directory holding only the running interpreter's ``httptools`` (for ``--httptools``)."""
    import importlib.util

    spec = importlib.util.find_spec("httptools")
    if spec is None or not spec.submodule_search_locations:
        raise BenchError("--httptools: httptools is not installed in this interpreter (use .venv/bin/python)")
    target = HERE / ".work" / "httptools-only"
    target.mkdir(parents=True, exist_ok=True)
    link = target / "httptools"
    if not link.exists():
        link.symlink_to(Path(list(spec.submodule_search_locations)[0]))
    return target


def _run(cmd: list[str], cwd: Path, what: str, timeout: float = 1800) -> None:
    done = subprocess.run(cmd, check=False, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise BenchError(f"{what} failed ({' '.join(cmd[:3])} ... exited {done.returncode}):\n{done.stdout[-3000:]}{done.stderr[-3000:]}")


def _generate(language: str, out: Path, *extra: str) -> None:
    cmd = [sys.executable, "-m", "stepflow_codegen", language, "schemas/", "bench/servers/schemas/", "-o", str(out), "-q"]
    _run([*cmd, *extra], REPO, f"stepflow-codegen {language}", timeout=300)


def _fresh(work: Path, keep: tuple[str, ...]) -> None:
    """Empty ``work`` but for ``keep`` (build caches)."""
    work.mkdir(parents=True, exist_ok=True)
    for p in work.iterdir():
        if p.name in keep:
            continue
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        else:
            p.unlink()


def build_typescript() -> list[str]:
    """Generate and compile bench/servers/ts into bench/.work/ts: the argv of its server."""
    node = shutil.which("node")
    if node is None or shutil.which("npm") is None:
        raise BenchError("the TypeScript server needs Node.js (node and npm) on PATH")
    tools = REPO / "tests" / "ts-server"
    tsc = tools / "node_modules" / ".bin" / "tsc"
    if not tsc.exists():
        _run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], tools, "npm ci in tests/ts-server", timeout=600)
    work = HERE / ".work" / "ts"
    _fresh(work, ())
    for f in (SERVER_SOURCES / "ts").iterdir():
        shutil.copy(f, work / f.name)
    (work / "package.json").write_text('{"type": "module"}\n')
    _generate("typescript", work / "generated")
    (work / "node_modules").symlink_to(tools / "node_modules")
    _run([str(tsc), "-p", str(work)], work, "tsc")
    return [node, str(work / "out" / "main.js")]


def build_rust() -> list[str]:
    """Generate and build bench/servers/rust (release) in bench/.work/rust: the argv of its server."""
    cargo = shutil.which("cargo")
    if cargo is None:
        raise BenchError("the Rust server needs cargo on PATH")
    work = HERE / ".work" / "rust"
    _fresh(work, ("target", "Cargo.lock"))
    shutil.copy(SERVER_SOURCES / "rust" / "Cargo.toml", work / "Cargo.toml")
    shutil.copytree(SERVER_SOURCES / "rust" / "src", work / "src")
    if not (work / "Cargo.lock").exists():  # the versions the tests build with
        shutil.copy(REPO / "tests" / "rust_server" / "Cargo.lock", work / "Cargo.lock")
    _generate("rust", work / "generated", "--package", "bench-components")
    _run([cargo, "build", "--release", "--quiet", "--bin", "bench-server"], work, "cargo build --release")
    return [str(work / "target" / "release" / "bench-server")]


def peer_missing(transport: str) -> str | None:
    """Why stepflow-py cannot run on ``transport`` (its interop venv is not set up), or None."""
    name = PEER_VENVS[transport]
    if (peers.VENVS / name / ".interop-ready").exists():
        return None
    return (
        f"stepflow-py's venv {peers.VENVS / name} is not set up "
        f"(bash tests/interop/setup.sh {name}, or INTEROP_VENVS=<dir holding it>)"
    )


def contenders(
    profile_dir: Path | None, async_component: bool = False, httptools: Path | None = None
) -> list[Contender]:
    def ours_env(name: str) -> Callable[[], dict[str, str]]:
        def env() -> dict[str, str]:
            path = [str(peers.GENERATED)] + ([str(httptools)] if httptools and name.endswith("http") else [])
            e = {"PYTHONPATH": os.pathsep.join(path)}
            if async_component:
                e["BENCH_ASYNC"] = "1"
            if profile_dir is not None:
                e["BENCH_PROFILE"] = str(profile_dir / f"{name}.prof")
            return e

        return env

    def their_http_env() -> dict[str, str]:
        return {"PYTHONPATH": str(httptools)} if httptools else {}

    built: dict[str, list[str]] = {}

    def compiled(language: str, *args: str) -> Callable[[], list[str]]:
        def argv() -> list[str]:
            if language not in built:
                built[language] = build_typescript() if language == "typescript" else build_rust()
            return [*built[language], *args]

        return argv

    ours = HERE / "rpc_ours.py"
    how = " (/title_case as async def)" if async_component else ""
    stack = " + httptools" if httptools else ""
    return [
        Contender("stdio", "python", "generated StepflowStdioServer" + how,
                  lambda: [str(peers.venv_python("ours-http")), str(ours), "--stdio"], ours_env("ours-stdio")),
        Contender("stdio", "typescript", "generated TypeScript server (node)", compiled("typescript", "--stdio"), dict),
        Contender("stdio", "rust", "generated Rust server (release)", compiled("rust", "--stdio"), dict),
        Contender("stdio", "stepflow-py", "stepflow-py 0.7.0 stdio_server",
                  lambda: [str(peers.venv_python("py-0.7.0")), str(peers.HERE / "components_sf07.py")], dict),
        Contender("http", "python", "generated StepflowServer + uvicorn" + stack + how,
                  lambda: [str(peers.venv_python("ours-http")), str(ours), "--http", "--port", "0"], ours_env("ours-http")),
        Contender("http", "typescript", "generated TypeScript server (node:http)",
                  compiled("typescript", "--http", "--port", "0"), dict),
        Contender("http", "rust", "generated Rust server (hyper, release)", compiled("rust", "--http", "--port", "0"), dict),
        Contender("http", "stepflow-py", "stepflow-py 0.9.1 (FastAPI + uvicorn" + stack + ")",
                  lambda: [str(peers.venv_python("py-0.9.1")), str(peers.HERE / "components_sf09.py"), "--port", "0"],
                  their_http_env),
    ]


def measure(c: Contender, args: argparse.Namespace) -> Result:
    argv, env = c.argv(), c.env()
    if c.transport == "stdio":
        server: Any = StdioServer(argv, env)
        try:
            return run_stdio(server, args.n, args.total, args.inflight, args.warmup)
        finally:
            server.close()
    server = HttpServer(argv, env)
    try:
        return run_http(server, args.n, args.total, args.inflight, args.warmup)
    finally:
        server.close()


def median_result(results: list[Result]) -> Result:
    return Result(*(statistics.median(getattr(r, name) for r in results) for name in Result.__dataclass_fields__))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="sequential executes (default 2000)")
    parser.add_argument("--total", type=int, default=4000, help="executes in the throughput phase (default 4000)")
    parser.add_argument("--inflight", type=int, default=32, help="requests outstanding (default 32)")
    parser.add_argument("--warmup", type=int, default=200, help="untimed executes first (default 200)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per server, alternating (median reported)")
    parser.add_argument("--only", default="stdio,http", help="stdio,http")
    parser.add_argument("--servers", default=",".join(SERVERS), help="a subset of " + ",".join(SERVERS))
    parser.add_argument("--profile", type=Path, help="cProfile OUR Python servers into this directory")
    parser.add_argument("--top", type=int, default=25, help="functions shown per profile")
    parser.add_argument(
        "--httptools",
        action="store_true",
        help="both Python HTTP servers get this interpreter's httptools (uvicorn then parses with it, not h11)",
    )
    parser.add_argument(
        "--async-component",
        action="store_true",
        help="OUR Python /title_case as an async def (no worker thread): not the same component any more",
    )
    args = parser.parse_args(argv)
    only = {t.strip() for t in args.only.split(",") if t.strip()}
    servers = [w for w in SERVERS if w in {t.strip() for t in args.servers.split(",")}]
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
        args.repeat = 1
    try:
        extra = httptools_dir() if args.httptools else None
    except BenchError as e:
        print(f"bench-rpc: {e}", file=sys.stderr)
        return 2
    notes: list[str] = []
    todo: list[Contender] = []
    for c in contenders(args.profile, args.async_component, extra):
        if c.transport not in only or c.who not in servers:
            continue
        if c.who == "stepflow-py" and (why := peer_missing(c.transport)) is not None:
            notes.append(f"{c.transport}: no stepflow-py: {why}")
            continue
        todo.append(c)
    for note in notes:
        print(f"bench-rpc: {note}", flush=True)
    try:
        for c in todo:  # build/find every venv and binary first (pip, tsc, cargo, before the numbers)
            c.argv()
    except (BenchError, subprocess.TimeoutExpired, peers.PeerError) as e:
        print(f"bench-rpc: FAIL preparing {c.transport} {c.who} ({c.label}): {e}", file=sys.stderr)
        return 1
    print(
        f"bench-rpc: Python {platform.python_version()}, {os.cpu_count()} CPUs, n={args.n}, "
        f"total={args.total}, in flight={args.inflight}, warmup={args.warmup}, repeat={args.repeat}",
        flush=True,
    )
    runs: dict[tuple[str, str], list[Result]] = {}
    for i in range(args.repeat):
        for c in todo:
            try:
                r = measure(c, args)
            except (BenchError, OSError) as e:
                print(f"bench-rpc: FAIL {c.transport} {c.who} ({c.label}): {e}", file=sys.stderr)
                return 1
            runs.setdefault((c.transport, c.who), []).append(r)
            print(
                f"  run {i + 1} {c.transport:5} {c.who:11} seq {r.seq_median_ms:.3f}/{r.seq_p99_ms:.3f} ms"
                f"  {r.rps:8.0f} req/s  load {r.load_median_ms:.2f}/{r.load_p99_ms:.2f} ms  cpu {r.cpu_us:.0f} us",
                flush=True,
            )
    ours_present = [w for w in SERVERS[:3] if w in servers]
    summary: list[str] = []
    print()
    print(
        "| transport | measure | " + " | ".join(servers)
        + "".join(f" | {w} vs stepflow-py" for w in ours_present if "stepflow-py" in servers) + " |"
    )
    print("| --- | --- |" + " --- |" * (len(servers) + (len(ours_present) if "stepflow-py" in servers else 0)))
    for transport in ("stdio", "http"):
        if transport not in only:
            continue
        med = {w: median_result(runs[(transport, w)]) for w in servers if (transport, w) in runs}
        peer = med.get("stepflow-py")
        for name, unit, better_low, fmt in (
            ("seq_median_ms", "sequential median (ms)", True, "{:.3f}"),
            ("seq_p99_ms", "sequential p99 (ms)", True, "{:.3f}"),
            ("rps", f"{args.inflight} in flight (req/s)", False, "{:.0f}"),
            ("load_median_ms", f"{args.inflight} in flight, latency median (ms)", True, "{:.2f}"),
            ("load_p99_ms", f"{args.inflight} in flight, latency p99 (ms)", True, "{:.2f}"),
            ("cpu_us", "server CPU per execute (us)", True, "{:.0f}"),
        ):
            cells = [fmt.format(getattr(med[w], name)) if w in med else "n/a" for w in servers]
            if "stepflow-py" in servers:
                for w in ours_present:
                    a = getattr(med[w], name) if w in med else 0.0
                    b = getattr(peer, name) if peer is not None else 0.0
                    cells.append(f"x{(b / a if better_low else a / b):.2f}" if a and b else "n/a")
            print(f"| {transport} | {unit} | " + " | ".join(cells) + " |")
        if peer is not None:
            summary.append(
                f"{transport} throughput vs stepflow-py: "
                + ", ".join(f"{w} x{med[w].rps / peer.rps:.1f}" for w in ours_present if w in med)
            )
        else:
            summary.append(f"{transport} req/s: " + ", ".join(f"{w} {med[w].rps:.0f}" for w in ours_present if w in med)
                           + " (no stepflow-py to compare with)")
    print()
    for c in todo:
        if c.transport in only:
            print(f"{c.transport}: {c.who} = {c.label}")
    for note in notes:
        print(f"bench-rpc: {note}")
    if args.profile is not None:
        import pstats

        for name in ("ours-stdio", "ours-http"):
            path = args.profile / f"{name}.prof"
            if path.is_file():
                print(f"\n--- {path} (tottime) ---")
                pstats.Stats(str(path)).sort_stats("tottime").print_stats(args.top)
        print("bench-rpc: profiled run, ratios are not meaningful")
    print("bench-rpc: " + "; ".join(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
