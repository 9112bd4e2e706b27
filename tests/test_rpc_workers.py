"""The worker threads plain (sync) components run in (``_rpc.Workers``), and the STDIO writer that
sends the lines written in one pass of the event loop together (``_rpc.StreamLineWriter``)."""

from __future__ import annotations

import asyncio
import contextvars
import os
import threading
import time
from typing import Any

import pytest

from rpc_support import run, sf  # noqa: F401  (puts generated/ on sys.path)

from python import _rpc

VAR: contextvars.ContextVar[str] = contextvars.ContextVar("VAR", default="unset")


def test_results_errors_and_context() -> None:
    async def main() -> None:
        workers = _rpc.Workers(asyncio.get_running_loop(), 4)
        VAR.set("from the caller")
        assert await workers.run(lambda a, b: a + b, 2, 3) == 5
        assert await workers.run(VAR.get) == "from the caller"
        with pytest.raises(ValueError, match="boom"):
            await workers.run(_raise, ValueError("boom"))
        with pytest.raises(RuntimeError, match="StopIteration"):  # a Future cannot hold one
            await workers.run(_raise, StopIteration("x"))
        assert threading.current_thread().name not in await asyncio.gather(
            *(workers.run(lambda: threading.current_thread().name) for _ in range(3))
        )
        workers.close()
        with pytest.raises(RuntimeError):
            workers.run(lambda: None)

    run(main())


def _raise(e: BaseException) -> None:
    raise e


def test_blocking_jobs_run_side_by_side_up_to_max_threads() -> None:
    async def main() -> None:
        workers = _rpc.Workers(asyncio.get_running_loop(), 3)
        names: set[str] = set()

        def block() -> None:
            names.add(str(threading.get_ident()))
            time.sleep(0.2)

        t0 = time.monotonic()
        await asyncio.gather(*(workers.run(block) for _ in range(6)))
        elapsed = time.monotonic() - t0
        assert len(names) == 3, names  # never more threads than max_threads
        assert 0.35 < elapsed < 1.5, elapsed  # 6 jobs, 3 at a time: two rounds of 0.2 s
        # idle threads are reused: a later burst starts no new thread
        before = threading.active_count()
        await asyncio.gather(*(workers.run(block) for _ in range(3)))
        assert threading.active_count() == before
        workers.close()

    run(main())


def test_a_cancelled_call_is_dropped_quietly() -> None:
    async def main() -> None:
        workers = _rpc.Workers(asyncio.get_running_loop(), 2)
        started = threading.Event()

        def slow() -> str:
            started.set()
            time.sleep(0.2)
            return "late"

        future = workers.run(slow)
        await asyncio.to_thread(started.wait, 5)
        future.cancel()
        await asyncio.sleep(0.4)  # the result arrives for a cancelled future: ignored
        assert await workers.run(lambda: "next") == "next"
        workers.close()

    run(main())


def test_lines_written_in_one_pass_go_out_in_one_write() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        r, w = os.pipe()
        try:
            transport, protocol = await loop.connect_write_pipe(
                asyncio.streams.FlowControlMixin, os.fdopen(w, "wb", buffering=0)
            )
            writes: list[bytes] = []
            real_write = transport.write

            def spy(data: Any) -> None:
                writes.append(bytes(data))
                real_write(data)

            transport.write = spy  # type: ignore[method-assign]
            writer = _rpc.StreamLineWriter(asyncio.StreamWriter(transport, protocol, None, loop))
            await asyncio.gather(*(writer.write(b'{"n":%d}' % i) for i in range(5)))
            await asyncio.sleep(0)
            await writer.write(b'{"n":5}')
            await writer.close()
            await asyncio.sleep(0.01)  # the transport closes the pipe in a callback
            assert writes == [b'{"n":0}\n{"n":1}\n{"n":2}\n{"n":3}\n{"n":4}\n', b'{"n":5}\n']
            data = b""
            while chunk := os.read(r, 1 << 16):
                data += chunk
            assert data == b"".join(writes)
            with pytest.raises(_rpc.ConnectionLost):
                await writer.write(b"{}")
        finally:
            os.close(r)

    run(main())


def test_a_client_going_away_cancels_a_running_request() -> None:
    """The HTTP app watches a request for its client disconnecting once it has run for
    ``_WATCH_AFTER`` seconds; a quick request never starts a watcher."""
    server = sf.StepflowServer()
    seen: list[str] = []

    @server.component
    async def wait(input: float) -> str:
        try:
            await asyncio.sleep(input)
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise
        seen.append("finished")
        return "done"

    app = server.create_http_app()

    async def post(seconds: float, disconnect_after: float | None) -> list[dict[str, Any]]:
        body = (
            b'{"jsonrpc":"2.0","id":1,"method":"components/execute","params":{"component":"/wait",'
            b'"input":%s,"attempt":1,"observability":{}}}' % str(seconds).encode()
        )
        scope = {"type": "http", "method": "POST", "path": "/", "headers": [(b"content-type", b"application/json")]}
        messages = [{"type": "http.request", "body": body, "more_body": False}]
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            if messages:
                return messages.pop()
            if disconnect_after is None:
                await asyncio.Event().wait()
            await asyncio.sleep(disconnect_after or 0)
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await asyncio.wait_for(app(scope, receive, send), 10)
        return sent

    async def main() -> None:
        t0 = time.monotonic()
        assert await post(5, disconnect_after=0.1) == []  # nothing is answered to nobody
        assert time.monotonic() - t0 < 2 and seen == ["cancelled"]
        sent = await post(0.001, disconnect_after=0)  # done before the watcher would start
        assert seen == ["cancelled", "finished"] and sent[0]["status"] == 200
        assert not app._running  # nothing left tracked

    run(main())


def test_a_blocking_component_does_not_stall_the_others() -> None:
    """A plain function runs in a worker thread: while one blocks, the event loop answers others."""
    server = sf.StepflowServer()

    @server.component
    def block(input: float) -> str:
        time.sleep(input)
        return "blocked"

    @server.component
    def quick(input: Any) -> Any:
        return input

    async def main() -> None:
        finished: list[str] = []

        async def execute(component: str, input: Any) -> None:
            params = sf.ComponentExecuteParams(
                component=component, input=input, attempt=1, observability=sf.ObservabilityContext()
            )
            result = await server.components_execute(params, sf.StepflowContext())
            finished.append(result.output)

        t0 = time.monotonic()
        await asyncio.gather(execute("/block", 0.5), *(execute("/quick", i) for i in range(3)))
        assert finished[-1] == "blocked" and sorted(finished[:3]) == [0, 1, 2], finished
        assert time.monotonic() - t0 < 2

    run(main())
