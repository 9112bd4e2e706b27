"""Helpers shared by the tests/test_rpc_*.py files: the generated package, the test component
server, launching it over HTTP, and a tiny in-process ASGI driver."""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
COMPONENTS = ROOT / "tests" / "rpc_components" / "components.py"
if str(ROOT / "generated") not in sys.path:
    sys.path.insert(0, str(ROOT / "generated"))

import python as sf  # noqa: E402  (the generated package is named after its folder)

OBS = sf.ObservabilityContext(trace_id="0" * 32, span_id="1" * 16, run_id="r-1", flow_id="f" * 64, step_id="s1")


def execute(component: str, input: Any, attempt: int = 1) -> sf.ComponentExecuteParams:
    return sf.ComponentExecuteParams(component=component, input=input, attempt=attempt, observability=OBS)


def run(coro: Awaitable[Any], timeout: float = 120) -> Any:
    """Run a coroutine to completion on a fresh event loop (bounded)."""

    async def bounded() -> Any:
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(bounded())


async def start_http(script: Path = COMPONENTS, *args: str) -> tuple[asyncio.subprocess.Process, int]:
    """Start a server file in HTTP subprocess mode and read its ``{"port": N}`` line."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(script), "--http", *args, stdout=asyncio.subprocess.PIPE
    )
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 30)
    announced = json.loads(line)
    assert set(announced) == {"port"} and isinstance(announced["port"], int), line
    assert line == f'{{"port": {announced["port"]}}}\n'.encode(), line
    return proc, announced["port"]


async def stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.kill()
    await proc.wait()


def percentiles(samples: list[float]) -> dict[str, float]:
    s = sorted(samples)
    return {
        "median_ms": round(statistics.median(s) * 1000, 3),
        "p99_ms": round(s[min(len(s) - 1, int(len(s) * 0.99))] * 1000, 3),
        "n": len(s),
    }


class AsgiResult:
    def __init__(self) -> None:
        self.status = 0
        self.headers: dict[str, str] = {}
        self.chunks: list[bytes] = []

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    def events(self) -> list[bytes]:
        out = []
        for block in self.body.split(b"\n\n"):
            if block.startswith(b"data: "):
                out.append(block[len(b"data: ") :])
        return out


async def asgi_post(
    app: Callable[..., Awaitable[None]],
    body: bytes,
    headers: dict[str, str] | None = None,
    *,
    method: str = "POST",
    path: str = "/",
    on_chunk: Callable[[bytes], Awaitable[None]] | None = None,
) -> AsgiResult:
    """Drive an ASGI app with one HTTP request, in process (no server, no socket)."""
    hdrs = {"content-type": "application/json", "accept": "application/json, text/event-stream"}
    hdrs.update(headers or {})
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in hdrs.items()],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    sent = False
    done = asyncio.Event()
    result = AsgiResult()

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            result.status = message["status"]
            result.headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in message.get("headers", [])}
        elif message["type"] == "http.response.body":
            chunk = message.get("body", b"")
            result.chunks.append(chunk)
            if on_chunk is not None and chunk:
                await on_chunk(chunk)
            if not message.get("more_body", False):
                done.set()

    try:
        await app(scope, receive, send)
    finally:
        done.set()
    return result


def load_components(name: str = "rpc_test_components") -> Any:
    """Import the test component module in this process (registered in sys.modules, so its
    string annotations resolve)."""
    import importlib.util

    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, COMPONENTS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
