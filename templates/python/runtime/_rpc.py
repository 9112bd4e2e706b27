"""JSON-RPC 2.0 peers and transports, shared by ``server.py`` and ``client.py``.

Nothing here depends on a particular method: messages are decoded with
:func:`~.methods.decode_message` (typed per method by the method table) and handed to a
*handle* function ``(message, caller) -> result``; ``caller`` sends requests back to the peer
that sent the message (callbacks).

Transports:

* **STDIO** (:class:`LinePeer`): one JSON message per line each way, both directions multiplexed
  by id, every incoming request handled in its own task, lines longer than the limit answered
  with an error instead of ending the session, writes never interleave.
* **HTTP, server side** (:class:`HttpApp`, a plain ASGI application): every message is a
  ``POST /``; a request is answered with plain JSON, or, as soon as its handler calls back, with
  a ``text/event-stream`` whose events are the callbacks and whose last event is the answer;
  the peer POSTs its answers to the callbacks (``202``).
* **HTTP, client side** (:class:`HttpPeer`): HTTP/1.1 over asyncio streams with a small
  keep-alive pool; reads JSON or SSE answers and POSTs the answers to callbacks.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
import dataclasses
import importlib
import logging
import os
import queue
import secrets
import ssl
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, ClassVar, NamedTuple, Protocol
from urllib import parse as urllib_parse

from msgspec import UNSET

from .methods import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    METHODS,
    ErrorResponse,
    JsonRpcError,
    JsonRpcId,
    ProtocolError,
    decode_message,
    encode_message,
    prefix_id,
)

__all__ = [
    "DEFAULT_MAX_MESSAGE",
    "INSTANCE_ID",
    "INSTANCE_ID_HEADER",
    "Caller",
    "ConnectionLost",
    "Handle",
    "HttpApp",
    "HttpPeer",
    "Limits",
    "LinePeer",
    "RpcError",
    "TransportError",
    "Workers",
]

log = logging.getLogger(__package__ or __name__)

DEFAULT_MAX_MESSAGE = 16 * 1024 * 1024
"""Largest message (a STDIO line, an HTTP body, an SSE event) accepted, in bytes."""
INSTANCE_ID_HEADER = "stepflow-instance-id"
INSTANCE_ID = secrets.token_hex(8)
"""This process's instance id (16 hex digits), sent with every event stream."""
_ABANDONED_MEMORY = 4096


def _connection_cap() -> int:
    """Default HTTP connection cap: 1024, lowered to leave 64 of the process's file
    descriptors (``RLIMIT_NOFILE``) for everything else."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (ImportError, OSError, ValueError):
        return 1024
    if soft == resource.RLIM_INFINITY or soft <= 0:
        return 1024
    return max(8, min(1024, soft - 64))


@dataclasses.dataclass(frozen=True)
class Limits:
    """What a server accepts before it refuses, closes or stops reading (docs/rpc.md, "Limits").

    Every field can be set by an environment variable (:meth:`from_env`, what the servers use
    when given no ``limits``); the largest message is ``max_message``
    (``--max-message``)."""

    header_timeout: float = 10.0
    """HTTP: seconds from a connection's first byte of a request (or its opening) to the end
    of the request's headers; then the connection is closed
    (``STEPFLOW_HTTP_HEADER_TIMEOUT``)."""
    body_timeout: float = 60.0
    """HTTP: seconds to receive a whole request body once its headers arrived; then ``408``
    and the connection is closed (``STEPFLOW_HTTP_BODY_TIMEOUT``)."""
    max_connections: int = 0
    """HTTP: open connections at most; at the cap a new connection replaces the oldest one
    that is idle or still sending its headers, else it is answered ``503`` and closed.  0: 1024,
    less when the file descriptor limit is lower (``STEPFLOW_HTTP_MAX_CONNECTIONS``)."""
    max_in_flight: int = 64
    """STDIO: requests being handled at once; at the cap no new request is read
    (``STEPFLOW_STDIO_MAX_IN_FLIGHT``)."""
    max_buffered: int = 16 * 1024 * 1024
    """STDIO: bytes of requests being handled plus answers not yet written; above it no new
    request is read (``STEPFLOW_STDIO_MAX_BUFFERED``)."""

    ENV: ClassVar[dict[str, str]] = {
        "header_timeout": "STEPFLOW_HTTP_HEADER_TIMEOUT",
        "body_timeout": "STEPFLOW_HTTP_BODY_TIMEOUT",
        "max_connections": "STEPFLOW_HTTP_MAX_CONNECTIONS",
        "max_in_flight": "STEPFLOW_STDIO_MAX_IN_FLIGHT",
        "max_buffered": "STEPFLOW_STDIO_MAX_BUFFERED",
    }

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """The defaults, overridden by the ``STEPFLOW_*`` variables that are set; a value that
        is not a positive number is reported and ignored."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            name = cls.ENV[field.name]
            text = env.get(name)
            if text is None or not text.strip():
                continue
            kind = float if field.type in ("float", float) else int
            try:
                value = kind(text)
                if not value > 0:
                    raise ValueError(text)
            except ValueError:
                log.warning("%s=%r is not a positive number: ignored", name, text)
                continue
            values[field.name] = value
        return cls(**values)

    def connection_cap(self) -> int:
        return self.max_connections if self.max_connections > 0 else _connection_cap()


class _Throttled:
    """Logs an event that may come in floods (a slow client, a refused connection...) as one
    line: the first at once, then at most one per ``interval`` seconds per kind, which counts
    the ones left out since."""

    def __init__(self, interval: float = 10.0) -> None:
        self.interval = interval
        self._next: dict[str, float] = {}
        self._left_out: dict[str, int] = {}

    def __call__(
        self, kind: str, level: int, message: str, *args: Any, exc_info: Any = None
    ) -> None:
        now = time.monotonic()
        if now < self._next.get(kind, 0.0):
            self._left_out[kind] = self._left_out.get(kind, 0) + 1
            return
        self._next[kind] = now + self.interval
        left_out = self._left_out.pop(kind, 0)
        if left_out:
            message += f" (and {left_out} more like it in the last {self.interval:g} s)"
        log.log(level, message, *args, exc_info=exc_info)


throttled = _Throttled()
"""The log of this module's events that may come in floods."""


class RpcError(Exception):
    """A JSON-RPC error: raised by a call the peer answered with an error, and raised by a
    handler to answer with one (its code, message and data are sent as they are)."""

    def __init__(self, code: int, message: str, data: Any = UNSET) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message
        self.data = data

    def __str__(self) -> str:
        return f"JSON-RPC error {self.code}: {self.message}"

    def to_error(self) -> JsonRpcError:
        return JsonRpcError(code=self.code, message=self.message, data=self.data)

    @classmethod
    def from_error(cls, error: JsonRpcError) -> RpcError:
        return cls(error.code, error.message, error.data)


class TransportError(Exception):
    """The message could not be delivered or its answer could not be read."""


class ConnectionLost(TransportError):
    """The peer went away (process exited, connection closed) before answering."""


class Caller(Protocol):
    """Sends a request to the peer and waits for its result (raises :class:`RpcError`)."""

    async def call(
        self, method: str, params: Any, timeout: float | None = None
    ) -> Any: ...

    async def notify(self, method: str, params: Any) -> None: ...


Handle = Callable[[Any, Caller], Awaitable[Any]]
"""``(typed request or notification, caller) -> result`` (None for notifications)."""


class _NoCaller:
    async def call(self, method: str, params: Any, timeout: float | None = None) -> Any:
        raise TransportError(
            f"cannot send {method}: a notification has no channel for callbacks"
        )

    async def notify(self, method: str, params: Any) -> None:
        await self.call(method, params)


NO_CALLER: Caller = _NoCaller()


def _error_bytes(
    id: JsonRpcId | None, code: int, message: str, data: Any = UNSET
) -> bytes:
    error = JsonRpcError(code=code, message=message, data=data)
    return encode_message(ErrorResponse(id=id, error=error))


def method_of(message: Any) -> str | None:
    """The method of a typed request or notification, None for a response."""
    method = getattr(message, "method", None)
    return method if isinstance(method, str) else None


def is_notification(message: Any) -> bool:
    method = method_of(message)
    return method is not None and METHODS[method].notification


async def answer(message: Any, handle: Handle, caller: Caller) -> bytes:
    """Run ``handle`` on a typed request and return the encoded response; never raises
    (but for cancellation): a handler's :class:`RpcError` is answered as it is, any other
    exception with -32603."""
    try:
        result = await handle(message, caller)
        response = METHODS[message.method].response(id=message.id, result=result)
        return encode_message(response)
    except RpcError as e:
        return _error_bytes(message.id, e.code, e.message, e.data)
    except Exception as e:  # noqa: BLE001 (logged and answered -32603)
        throttled(
            "handler",
            logging.ERROR,
            "unexpected error while answering %s",
            message.method,
            exc_info=True,
        )
        return _error_bytes(message.id, INTERNAL_ERROR, f"Internal error: {e}")


async def notice(message: Any, handle: Handle) -> None:
    """Run ``handle`` on a typed notification (errors are logged: notifications get no answer)."""
    try:
        await handle(message, NO_CALLER)
    except Exception:  # noqa: BLE001 (logged: a notification has no answer)
        throttled(
            "notification",
            logging.ERROR,
            "error while handling the notification %s",
            message.method,
            exc_info=True,
        )


class Outgoing:
    """Our requests waiting for their answers: id -> (method, future)."""

    def __init__(self) -> None:
        self._pending: dict[JsonRpcId, tuple[str, asyncio.Future[Any]]] = {}
        self._abandoned: collections.OrderedDict[JsonRpcId, None] = (
            collections.OrderedDict()
        )
        self.closed: str | None = None

    def __len__(self) -> int:
        return len(self._pending)

    def method_of(self, id: JsonRpcId) -> str | None:
        entry = self._pending.get(id)
        return entry[0] if entry is not None else None

    def open(self, method: str) -> tuple[str, asyncio.Future[Any]]:
        if self.closed is not None:
            raise ConnectionLost(self.closed)
        id = str(uuid.uuid4())
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[id] = (method, future)
        return id, future

    def forget(self, id: JsonRpcId) -> None:
        """Stop waiting (timeout, cancellation): a late answer is then dropped quietly."""
        if self._pending.pop(id, None) is not None:
            self._abandoned[id] = None
            if len(self._abandoned) > _ABANDONED_MEMORY:
                self._abandoned.popitem(last=False)

    def settle(self, response: Any) -> str:
        """Resolve the call a response answers: ``"settled"``, ``"late"`` (the caller gave
        up waiting) or ``"unknown"``."""
        id = response.id
        entry = self._pending.pop(id, None) if id is not None else None
        if entry is None:
            return "late" if id is not None and id in self._abandoned else "unknown"
        future = entry[1]
        if not future.done():
            if isinstance(response, ErrorResponse):
                future.set_exception(RpcError.from_error(response.error))
            else:
                future.set_result(response.result)
        return "settled"

    def abandoned(self, id: JsonRpcId) -> bool:
        return id in self._abandoned

    def fail(self, id: JsonRpcId, error: BaseException) -> bool:
        entry = self._pending.pop(id, None)
        if entry is None:
            return False
        if not entry[1].done():
            entry[1].set_exception(error)
        return True

    def close(self, reason: str) -> None:
        """Fail every waiting call with :class:`ConnectionLost`, and all later ones."""
        self.closed = reason
        pending, self._pending = self._pending, {}
        for method, future in pending.values():
            if not future.done():
                future.set_exception(
                    ConnectionLost(f"{reason} (while calling {method})")
                )


async def request(
    outgoing: Outgoing,
    send: Callable[[bytes], Awaitable[None]],
    method: str,
    params: Any,
    timeout: float | None,
) -> Any:
    """Send a request with a fresh id and wait for its result."""
    id, future = outgoing.open(method)
    try:
        await send(encode_message(METHODS[method].message(id=id, params=params)))
        if timeout is None:
            return await future
        return await asyncio.wait_for(future, timeout)
    finally:
        outgoing.forget(id)


class Workers:
    """Worker threads for plain (not async) functions, bound to one event loop.

    What ``loop.run_in_executor`` does, for a fraction of its cost per call: a job is one
    queue put (no ``concurrent.futures.Future`` chained to an asyncio one), and the results
    of the jobs that finish while the loop is busy are handed back with one wake-up of the
    loop instead of one each.  A thread is started when no started thread is idle, up to
    ``max_threads``; the threads are daemons that wait for work until :meth:`close`.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, max_threads: int) -> None:
        self.loop = loop
        self.max_threads = max(1, max_threads)
        self._jobs: queue.SimpleQueue[
            tuple[
                asyncio.Future[Any],
                contextvars.Context,
                Callable[..., Any],
                tuple[Any, ...],
            ]
            | None
        ] = queue.SimpleQueue()
        self._done: collections.deque[
            tuple[asyncio.Future[Any], Any, BaseException | None]
        ] = collections.deque()
        self._lock = threading.Lock()
        self._idle = 0
        self._threads = 0
        self._waking = False
        self._closed = False

    def run(self, function: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        """Call ``function(*args)`` in a worker thread (in a copy of the current context)."""
        future: asyncio.Future[Any] = self.loop.create_future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the worker threads are closed")
            if self._idle:
                self._idle -= 1
                start = False
            else:
                start = self._threads < self.max_threads
                self._threads += start
        if start:
            threading.Thread(target=self._work, name="component", daemon=True).start()
        self._jobs.put((future, contextvars.copy_context(), function, args))
        return future

    def _work(self) -> None:
        jobs, done, lock = self._jobs, self._done, self._lock
        while True:
            job = jobs.get()
            if job is None:
                return
            future, context, function, args = job
            try:
                done.append((future, context.run(function, *args), None))
            except BaseException as e:  # noqa: BLE001 (handed to the awaiting task)
                done.append((future, None, e))
            del job, future, context, function, args
            with lock:
                self._idle += 1
                wake = not self._waking
                self._waking = True
            if wake:
                try:
                    self.loop.call_soon_threadsafe(self._deliver)
                except RuntimeError:  # the loop is closed: nobody waits any more
                    pass

    def _deliver(self) -> None:
        with self._lock:
            self._waking = False
        done = self._done
        while done:
            future, result, error = done.popleft()
            if future.cancelled():
                continue
            if error is None:
                future.set_result(result)
            elif isinstance(error, StopIteration):  # a Future refuses StopIteration
                failure = RuntimeError(f"StopIteration: {error}")
                failure.__cause__ = error
                future.set_exception(failure)
            else:
                future.set_exception(error)

    def close(self) -> None:
        """Let the threads end once the jobs queued so far are done."""
        with self._lock:
            self._closed = True
            threads, self._threads = self._threads, 0
        for _ in range(threads):
            self._jobs.put(None)


# ---------------------------------------------------------------------------------------
# STDIO: one message per line
# ---------------------------------------------------------------------------------------


class Oversized(NamedTuple):
    """A line longer than the limit: its size and its first bytes (to read the id from)."""

    size: int
    head: bytes


_HEAD = 1024


async def read_lines(
    reader: asyncio.StreamReader, limit: int
) -> AsyncIterator[bytes | Oversized]:
    """The lines of a byte stream (without their newline); a line longer than ``limit`` is
    skipped and reported as :class:`Oversized` instead of being kept in memory."""
    buf = bytearray()
    scan = 0
    discarding = -1
    head = b""
    while True:
        chunk = await reader.read(1 << 16)
        if not chunk:
            if discarding >= 0:
                yield Oversized(discarding, head)
            elif buf:
                yield bytes(buf)
            return
        if discarding >= 0:
            nl = chunk.find(b"\n")
            if nl < 0:
                discarding += len(chunk)
                continue
            yield Oversized(discarding + nl, head)
            discarding = -1
            chunk = chunk[nl + 1 :]
        buf += chunk
        pos = 0
        while True:
            nl = buf.find(b"\n", scan)
            if nl < 0:
                break
            if nl - pos > limit:
                yield Oversized(nl - pos, bytes(buf[pos : pos + _HEAD]))
            else:
                yield bytes(buf[pos:nl])
            pos = scan = nl + 1
        if pos:
            del buf[:pos]
        scan = len(buf)
        if len(buf) > limit:
            discarding = len(buf)
            head = bytes(buf[:_HEAD])
            buf.clear()
            scan = 0


class LineWriter(Protocol):
    async def write(self, data: bytes) -> None: ...

    def buffered(self) -> int:
        """Bytes written but not yet handed to the operating system."""
        ...

    async def close(self) -> None: ...


class StreamLineWriter:
    """Writes one message per line to an asyncio stream; a line is written in one piece, so
    concurrent writers never interleave.

    The lines written during one pass of the event loop go out together, in one write at
    the start of the next pass (one system call for all the answers that were ready at
    once instead of one each)."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._transport = writer.transport

    def buffered(self) -> int:
        return self._pending_size + self._transport.get_write_buffer_size()

    async def write(self, data: bytes) -> None:
        if self._writer.is_closing():
            raise ConnectionLost("the output stream is closed")
        if not self._pending:
            asyncio.get_running_loop().call_soon(self._flush)
        self._pending += (data, b"\n")
        self._pending_size += len(data) + 1
        try:
            await self._writer.drain()
        except (ConnectionError, OSError) as e:
            raise ConnectionLost(f"cannot write: {e}") from None

    def _flush(self) -> None:
        if not self._pending:
            return
        data = b"".join(self._pending)
        self._pending.clear()
        self._pending_size = 0
        if not self._writer.is_closing():
            self._writer.write(data)

    async def close(self, timeout: float = 10.0) -> None:
        """Flush what is buffered (at most ``timeout`` seconds), then close."""
        self._flush()
        transport = self._writer.transport
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (
            transport.get_write_buffer_size()
            and not transport.is_closing()
            and loop.time() < deadline
        ):
            await asyncio.sleep(0.002)
        try:
            transport.close()
        except (ConnectionError, OSError):
            pass


class BlockingLineWriter:
    """The fallback for an output that is not a pipe (a regular file): blocking writes in a
    worker thread, one line at a time."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._lock = asyncio.Lock()
        self._queued = 0

    def buffered(self) -> int:
        return self._queued

    def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]

    async def write(self, data: bytes) -> None:
        self._queued += len(data) + 1
        try:
            async with self._lock:
                await asyncio.to_thread(self._write_all, data + b"\n")
        except OSError as e:
            raise ConnectionLost(f"cannot write: {e}") from None
        finally:
            self._queued -= len(data) + 1

    async def close(self) -> None:
        pass


async def open_fd_reader(fd: int) -> asyncio.StreamReader:
    """An asyncio reader on a file descriptor (a thread feeds it if it is not a pipe)."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 20)
    pipe = os.fdopen(fd, "rb", buffering=0, closefd=False)
    try:
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), pipe)
        return reader
    except (ValueError, OSError):
        pass

    def pump() -> None:
        try:
            while True:
                data = os.read(fd, 1 << 16)
                if not data:
                    break
                loop.call_soon_threadsafe(reader.feed_data, data)
        except OSError:
            pass
        finally:
            loop.call_soon_threadsafe(reader.feed_eof)

    threading.Thread(target=pump, name="stdin-reader", daemon=True).start()
    return reader


async def open_fd_writer(fd: int) -> LineWriter:
    """A line writer on a file descriptor (pipe transport, or blocking writes)."""
    loop = asyncio.get_running_loop()
    pipe = os.fdopen(fd, "wb", buffering=0, closefd=False)
    try:
        transport, protocol = await loop.connect_write_pipe(
            asyncio.streams.FlowControlMixin, pipe
        )
    except (ValueError, OSError):
        return BlockingLineWriter(fd)
    return StreamLineWriter(asyncio.StreamWriter(transport, protocol, None, loop))


class LinePeer:
    """A JSON-RPC peer over a line stream pair (STDIO): both directions multiplexed by id.

    Every incoming request runs in its own task; its handler gets this peer as its
    :class:`Caller`, so callbacks go out on the same stream.  :meth:`run` serves until the
    input ends, then waits for the requests in flight (their callbacks fail with
    :class:`ConnectionLost`, their answers are still written).

    Backpressure: no new line is read while the answers not yet written hold more than
    ``max_buffered`` bytes (the peer does not read them), nor while ``max_in_flight``
    requests are being handled or the requests being handled and the answers not yet
    written hold more than ``max_buffered`` bytes, except to read the answers to our own
    calls (requests read then are put aside until there is room)."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: LineWriter,
        handle: Handle,
        *,
        max_message: int = DEFAULT_MAX_MESSAGE,
        name: str = "peer",
        on_eof: Callable[[], Awaitable[str]] | None = None,
        max_in_flight: int = Limits.max_in_flight,
        max_buffered: int = Limits.max_buffered,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._handle = handle
        self.max_message = max_message
        self.max_in_flight = max(1, max_in_flight)
        self.max_buffered = max(1, max_buffered)
        self.name = name
        self.outgoing = Outgoing()
        self._tasks: set[asyncio.Task[None]] = set()
        self.eof_reason = f"{name}: the input stream ended"
        self._on_eof = on_eof
        self._requests = 0
        """Requests being handled (started, answer not yet written)."""
        self._request_bytes = 0
        self._deferred: collections.deque[tuple[Any, int]] = collections.deque()
        """Requests read while there was no room (to read the answers to our calls)."""
        self._deferred_bytes = 0
        self._paused = False
        self._wake: asyncio.Event | None = None

    async def call(self, method: str, params: Any, timeout: float | None = None) -> Any:
        if self._paused and self._wake is not None:
            self._wake.set()  # its answer must be read
        return await request(self.outgoing, self._writer.write, method, params, timeout)

    async def notify(self, method: str, params: Any) -> None:
        await self._writer.write(encode_message(METHODS[method].message(params=params)))

    async def close(self) -> None:
        await self._writer.close()

    async def run(self) -> None:
        try:
            async for line in read_lines(self._reader, self.max_message):
                if isinstance(line, Oversized):
                    self._oversized(line)
                elif line.strip():
                    self.receive(line)
                if self._deferred or self._full():
                    await self._make_room()
        except (ConnectionError, OSError) as e:
            log.warning("%s: reading failed: %s", self.name, e)
        finally:
            reason = self.eof_reason
            if self._on_eof is not None:
                reason = await self._on_eof()
            self.outgoing.close(reason)
            while self._tasks or self._deferred:
                if self._deferred and not self._tasks:
                    message, size = self._deferred.popleft()
                    self._deferred_bytes -= size
                    self._start(message, size)
                await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _full(self) -> bool:
        return (
            self._requests >= self.max_in_flight
            or self._request_bytes + self._writer.buffered() > self.max_buffered
        )

    async def _make_room(self) -> None:
        """Wait until a line may be read: the answers written are under ``max_buffered``
        (else the peer is not reading: wait for it), and there is room for a request or
        our calls wait for answers (then requests read are put aside until there is room:
        the answers must be read, whatever the peer sends before them)."""
        if self._wake is None:
            self._wake = asyncio.Event()
        wake = self._wake
        paused_since = 0.0
        unread = False
        self._paused = True
        try:
            while True:
                self._start_deferred()
                if self._writer.buffered() <= self.max_buffered:
                    if not self._deferred and not self._full():
                        return
                    if len(self.outgoing):
                        return
                unread = unread or self._writer.buffered() > self.max_buffered
                if not paused_since:
                    paused_since = time.monotonic()
                    log.debug(
                        "%s: not reading: %d requests in flight, %d bytes buffered",
                        self.name,
                        self._requests,
                        self._request_bytes + self._writer.buffered(),
                    )
                wake.clear()
                # woken by a request finishing or a call of ours; the output draining has
                # no event: looked at every 10 ms
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), 0.01)
        finally:
            self._paused = False
            if unread:
                waited = time.monotonic() - paused_since
                if waited > 1.0:
                    throttled(
                        "stdio-paused",
                        logging.WARNING,
                        "%s: stopped reading for %.1f s: the peer does not read "
                        "the answers fast enough",
                        self.name,
                        waited,
                    )

    def _start_deferred(self) -> None:
        while self._deferred and not self._full():
            message, size = self._deferred.popleft()
            self._deferred_bytes -= size
            self._start(message, size)

    def _request(self, message: Any, size: int) -> None:
        if self._deferred or self._full():
            self._deferred.append((message, size))
            self._deferred_bytes += size
        else:
            self._start(message, size)

    def _start(self, message: Any, size: int) -> None:
        self._requests += 1
        self._request_bytes += size
        self._spawn(self._answer(message, size))

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send_quietly(self, data: bytes) -> None:
        try:
            await self._writer.write(data)
        except TransportError as e:
            log.debug("%s: answer not written: %s", self.name, e)

    async def _answer(self, message: Any, size: int) -> None:
        try:
            await self._send_quietly(await answer(message, self._handle, self))
        finally:
            self._requests -= 1
            self._request_bytes -= size
            if self._deferred:
                self._start_deferred()
            if self._paused and self._wake is not None:
                self._wake.set()

    def receive(self, data: bytes) -> None:
        """Handle one incoming message (a line without its newline)."""
        try:
            message: Any = decode_message(data, self.outgoing.method_of)
        except ProtocolError as e:
            self._protocol_error(e)
            return
        except Exception as e:  # a decoder bug must not end the session
            log.exception("%s: cannot decode a message", self.name)
            text = f"Internal error: {e}"
            self._spawn(self._send_quietly(_error_bytes(None, INTERNAL_ERROR, text)))
            return
        method = method_of(message)
        if method is None:
            self._response(message)
        elif METHODS[method].notification:
            self._spawn(notice(message, self._handle))
        else:
            self._request(message, len(data))

    def _protocol_error(self, e: ProtocolError) -> None:
        if e.kind == "response" and e.id is not None:
            error = RpcError(e.code, e.message, e.data)
            if self.outgoing.fail(e.id, error) or self.outgoing.abandoned(e.id):
                return
        if e.kind == "notification":
            log.warning("%s: bad notification ignored: %s", self.name, e.message)
            return
        log.info("%s: bad message (%s): %s", self.name, e.code, e.message)
        self._spawn(self._send_quietly(encode_message(e.to_response())))

    def _response(self, message: Any) -> None:
        if self.outgoing.settle(message) != "unknown":
            return
        if isinstance(message, ErrorResponse):
            # never answer an error answer: two peers could otherwise answer each other forever
            log.warning(
                "%s: error answer to no request (id %r): %s",
                self.name,
                message.id,
                message.error.message,
            )
            return
        text = f"Invalid message: no request with id {message.id!r} is waiting for an answer"
        self._spawn(self._send_quietly(_error_bytes(message.id, INVALID_REQUEST, text)))

    def _oversized(self, line: Oversized) -> None:
        id = prefix_id(line.head)
        text = (
            f"Invalid message: {line.size} bytes is more than "
            f"the limit of {self.max_message} bytes"
        )
        if id is not None and self.outgoing.fail(id, RpcError(INVALID_REQUEST, text)):
            return
        log.warning("%s: %s", self.name, text)
        self._spawn(self._send_quietly(_error_bytes(id, INVALID_REQUEST, text)))


async def serve_stdio(
    handle: Handle,
    *,
    max_message: int = DEFAULT_MAX_MESSAGE,
    protect_stdout: bool = True,
    limits: Limits | None = None,
) -> None:
    """Serve JSON-RPC on this process's stdin/stdout until stdin ends.

    With ``protect_stdout`` (the default) the protocol keeps the real stdout to itself and
    ``sys.stdout`` (and file descriptor 1) go to stderr, so a stray ``print`` in a handler
    cannot corrupt the message stream."""
    saved = sys.stdout
    out_fd = 1
    blocking = {fd: _get_blocking(fd) for fd in (0, 1)}
    if protect_stdout:
        sys.stdout.flush()
        out_fd = os.dup(1)
        os.dup2(2, 1)
        sys.stdout = sys.stderr
    try:
        reader = await open_fd_reader(0)
        writer = await open_fd_writer(out_fd)
        limits = limits if limits is not None else Limits.from_env()
        peer = LinePeer(
            reader,
            writer,
            handle,
            max_message=max_message,
            name="stdio",
            max_in_flight=limits.max_in_flight,
            max_buffered=limits.max_buffered,
        )
        peer.eof_reason = "stdin was closed"
        try:
            await peer.run()
        finally:
            await peer.close()
    finally:
        if protect_stdout:
            sys.stdout = saved
            os.dup2(out_fd, 1)
            os.close(out_fd)
        # asyncio made them non-blocking, which the shell that started us would inherit
        for fd, was in blocking.items():
            if was is not None:
                try:
                    os.set_blocking(fd, was)
                except OSError:
                    pass


def _get_blocking(fd: int) -> bool | None:
    try:
        return os.get_blocking(fd)
    except OSError:
        return None


def _grow_pipe(transport: Any) -> None:
    """Raise a pipe's buffer to 1 MiB (Linux), as the StepFlow runtime does for stdout."""
    # not Linux, not a pipe, not allowed: the default size works too
    with contextlib.suppress(Exception):
        import fcntl

        pipe = transport.get_extra_info("pipe")
        fcntl.fcntl(pipe.fileno(), 1031, 1 << 20)  # F_SETPIPE_SZ


async def spawn_stdio(
    command: str,
    args: list[str],
    handle: Handle,
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    stderr: int | None = None,
    max_message: int = DEFAULT_MAX_MESSAGE,
) -> tuple[LinePeer, asyncio.subprocess.Process, asyncio.Task[None]]:
    """Launch a server process with piped stdin/stdout and serve the connection."""
    try:
        process = await asyncio.create_subprocess_exec(
            command,
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
            env=dict(env) if env is not None else None,
            cwd=cwd,
        )
    except OSError as e:
        raise TransportError(f"cannot start {command}: {e}") from None
    assert process.stdin is not None and process.stdout is not None
    _grow_pipe(process.stdout._transport)  # type: ignore[attr-defined]

    async def on_eof() -> str:
        try:
            code = await asyncio.wait_for(process.wait(), 1.0)
        except TimeoutError:
            return f"the server process {command} closed its stdout"
        return f"the server process {command} exited with code {code}"

    peer = LinePeer(
        process.stdout,
        StreamLineWriter(process.stdin),
        handle,
        max_message=max_message,
        name=command,
        on_eof=on_eof,
    )
    return peer, process, asyncio.ensure_future(peer.run())


# ---------------------------------------------------------------------------------------
# HTTP, server side: a plain ASGI application
# ---------------------------------------------------------------------------------------

Scope = Mapping[str, Any]
Receive = Callable[[], Awaitable[Mapping[str, Any]]]
Send = Callable[[Mapping[str, Any]], Awaitable[None]]

_JSON = [(b"content-type", b"application/json")]
_CLOSE = [(b"connection", b"close")]
_ACCEPTED = b'""'


async def _send_json(send: Send, status: int, body: bytes, headers: Any = ()) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": _JSON
            + [(b"content-length", str(len(body)).encode())]
            + list(headers),
        }
    )
    await send({"type": "http.response.body", "body": body})


class _Exchange:
    """One POSTed request: answered with JSON, or with an event stream once it calls back."""

    def __init__(self, app: HttpApp, message: Any, send: Send) -> None:
        self._app = app
        self._message = message
        self._send = send
        self._lock: asyncio.Lock | None = None
        """Taken while an event is written; made by the first callback (most answers have none)."""
        self._streaming = False
        self._finished = False
        self._task: asyncio.Task[Any] | None = None
        self._receive: Receive | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._gone = False

    def watch(self) -> None:
        """Cancel the handler when the client disconnects (from now on)."""
        if self._watcher is None and self._receive is not None:
            self._watcher = asyncio.ensure_future(self._watch(self._receive))

    async def _watch(self, receive: Receive) -> None:
        await _disconnected(receive)
        self._gone = True
        if self._task is not None:
            self._task.cancel()

    async def call(self, method: str, params: Any, timeout: float | None = None) -> Any:
        return await request(self._app.outgoing, self._event, method, params, timeout)

    async def notify(self, method: str, params: Any) -> None:
        await self._event(encode_message(METHODS[method].message(params=params)))

    async def _event(self, data: bytes) -> None:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._finished:
                raise TransportError(
                    f"the answer to {self._message.method} was already sent"
                )
            if not self._streaming:
                await self._send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [
                            (b"content-type", b"text/event-stream"),
                            (b"cache-control", b"no-cache"),
                            (INSTANCE_ID_HEADER.encode(), INSTANCE_ID.encode()),
                        ],
                    }
                )
                self._streaming = True
            body = b"data: " + data + b"\n\n"
            await self._send(
                {"type": "http.response.body", "body": body, "more_body": True}
            )

    async def run(self, receive: Receive) -> None:
        # The handler runs in this task.  The app's sweeper gives a request still running
        # after _WATCH_AFTER seconds a watcher task that cancels it when the client
        # disconnects (most requests finish before: no second task, no timer per request).
        self._task = asyncio.current_task()
        self._receive = receive
        app = self._app
        app.track(self)
        try:
            data = await answer(self._message, app.handle, self)
        except asyncio.CancelledError:
            if not self._gone:
                raise
            if self._task is not None:
                self._task.uncancel()
            log.info("client went away: %s cancelled", self._message.method)
            return
        finally:
            app.untrack(self)
            if self._watcher is not None:
                self._watcher.cancel()
        if self._lock is None:  # no callback: the whole answer is this JSON
            self._finished = True
            await _send_json(self._send, 200, data)
            return
        async with self._lock:
            self._finished = True
            if self._streaming:
                body = b"data: " + data + b"\n\n"
                await self._send({"type": "http.response.body", "body": body})
            else:
                await _send_json(self._send, 200, data)


_WATCH_AFTER = 0.01
"""Seconds after which a request still running starts watching for its client going away."""


async def _disconnected(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


class HttpApp:
    """The ASGI application of the HTTP transport (no framework).

    ``POST /``: a JSON-RPC message (``Content-Type: application/json``, else 415); a request is
    answered 200 with the JSON response, or with an event stream once its handler calls
    back; a notification, and an answer to one of our callbacks, with ``202 ""``; an answer
    to no pending callback with 400 and -32600.  ``GET /health``: ``{"status": "healthy"}``.
    """

    def __init__(
        self,
        handle: Handle,
        *,
        max_message: int = DEFAULT_MAX_MESSAGE,
        limits: Limits | None = None,
    ) -> None:
        self.handle = handle
        self.max_message = max_message
        self.limits = limits if limits is not None else Limits.from_env()
        self.outgoing = Outgoing()
        self._running: dict[_Exchange, float] = {}
        self._sweeper: asyncio.AbstractEventLoop | None = None
        self._reading: dict[asyncio.Task[Any], float] = {}
        """Tasks reading a body -> their deadline (a timer each would cost 8 µs a request:
        one sweeper looks at them every quarter of the body timeout, at most every 1 s)."""
        self._late: set[asyncio.Task[Any]] = set()
        self._body_sweeper: asyncio.AbstractEventLoop | None = None

    def track(self, exchange: _Exchange) -> None:
        loop = asyncio.get_running_loop()
        self._running[exchange] = loop.time()
        if self._sweeper is not loop:
            self._sweeper = loop
            loop.call_later(_WATCH_AFTER, self._sweep)

    def untrack(self, exchange: _Exchange) -> None:
        self._running.pop(exchange, None)

    def _sweep(self) -> None:
        """Start watching the requests running for _WATCH_AFTER seconds or more."""
        loop = asyncio.get_running_loop()
        since = loop.time() - _WATCH_AFTER
        old = [e for e, started in self._running.items() if started <= since]
        for exchange in old:
            del self._running[exchange]
            exchange.watch()
        if self._running:
            loop.call_later(_WATCH_AFTER, self._sweep)
        else:
            self._sweeper = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1003})
            return
        path = scope.get("path", "/")
        method = scope.get("method", "GET")
        if path == "/health":
            if method not in ("GET", "HEAD"):
                await _send_json(send, 405, b'{"error":"method not allowed"}')
                return
            await _send_json(send, 200, b'{"status":"healthy"}')
            return
        if path not in ("/", ""):
            await _send_json(send, 404, b'{"error":"not found"}')
            return
        if method != "POST":
            allow = [(b"allow", b"POST")]
            await _send_json(send, 405, b'{"error":"method not allowed"}', allow)
            return
        headers = _headers(scope)
        ctype = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if ctype != "application/json":
            text = (
                f"Unsupported content type {ctype or '(none)'!r}: use application/json"
            )
            await _send_json(send, 415, _error_bytes(None, INVALID_REQUEST, text))
            return
        body, head = await self._body(receive, headers)
        if body is not None:
            await self.message(body, receive, send)
        elif head == "gone":  # never run a request whose body was cut short
            throttled(
                "http-cut",
                logging.INFO,
                "a client went away before the end of its request body: not handled",
            )
        elif head == "slow":
            throttled(
                "http-slow-body",
                logging.WARNING,
                "a request body did not arrive within %g s: answered 408",
                self.limits.body_timeout,
            )
            text = (
                "Invalid message: the body did not arrive within "
                f"{self.limits.body_timeout:g} s"
            )
            error = _error_bytes(None, INVALID_REQUEST, text)
            await _send_json(send, 408, error, _CLOSE)
        elif head == "short":
            text = "Invalid message: the body is shorter than its Content-Length"
            error = _error_bytes(None, INVALID_REQUEST, text)
            await _send_json(send, 400, error, _CLOSE)
        elif isinstance(head, bytes):
            throttled(
                "http-too-large",
                logging.INFO,
                "a request body over %d bytes: answered 413",
                self.max_message,
            )
            text = f"Invalid message: more than the limit of {self.max_message} bytes"
            error = _error_bytes(prefix_id(head), INVALID_REQUEST, text)
            await _send_json(send, 413, error, _CLOSE)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.outgoing.close("the server is shutting down")
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _body(
        self, receive: Receive, headers: Mapping[str, str]
    ) -> tuple[bytes | None, bytes | str]:
        """The request body; or None and: its first bytes when it is over the limit,
        ``"gone"`` when the client went away before its end, ``"slow"`` when it did not
        arrive within the body timeout, ``"short"`` when it is shorter than its
        Content-Length."""
        length = headers.get("content-length", "")
        expected = int(length) if length.isdigit() else -1
        too_long = expected > self.max_message
        parts: list[bytes] = []
        size = 0
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        self._reading[task] = loop.time() + self.limits.body_timeout
        if self._body_sweeper is not loop:
            self._body_sweeper = loop
            loop.call_later(self._body_sweep_interval(), self._sweep_bodies)
        try:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return None, "gone"
                chunk = message.get("body", b"")
                if size == 0 and too_long:
                    return None, chunk[:_HEAD]
                size += len(chunk)
                parts.append(chunk)
                if size > self.max_message:
                    return None, b"".join(parts)[:_HEAD]
                if not message.get("more_body", False):
                    break
        except asyncio.CancelledError:
            if task not in self._late:
                raise
            self._late.discard(task)
            task.uncancel()
            return None, "slow"
        finally:
            self._reading.pop(task, None)
        if expected >= 0 and size != expected:
            return None, "short"
        return b"".join(parts) if len(parts) != 1 else parts[0], b""

    def _body_sweep_interval(self) -> float:
        return min(1.0, self.limits.body_timeout / 4)

    def _sweep_bodies(self) -> None:
        """Cancel the body reads past their deadline (answered 408)."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        for task, deadline in list(self._reading.items()):
            if deadline <= now:
                del self._reading[task]
                self._late.add(task)
                task.cancel()
        if self._reading:
            loop.call_later(self._body_sweep_interval(), self._sweep_bodies)
        else:
            self._body_sweeper = None

    async def message(self, body: bytes, receive: Receive, send: Send) -> None:
        """Handle one POSTed JSON-RPC message."""
        try:
            message: Any = decode_message(body, self.outgoing.method_of)
        except Exception as e:
            if not isinstance(e, ProtocolError):
                log.exception("cannot decode a message")
                text = f"Internal error: {e}"
                await _send_json(send, 500, _error_bytes(None, INTERNAL_ERROR, text))
                return
            if e.kind == "response" and e.id is not None:
                self.outgoing.fail(e.id, RpcError(e.code, e.message, e.data))
            status = 200 if e.code in (METHOD_NOT_FOUND, INVALID_PARAMS) else 400
            await _send_json(send, status, encode_message(e.to_response()))
            return
        method = method_of(message)
        if method is None:
            if self.outgoing.settle(message) == "unknown":
                text = (
                    f"Invalid message: no request with id {message.id!r} "
                    "is waiting for an answer"
                )
                body = _error_bytes(message.id, INVALID_REQUEST, text)
                await _send_json(send, 400, body)
            else:
                await _send_json(send, 202, _ACCEPTED)
            return
        if METHODS[method].notification:
            await notice(message, self.handle)
            await _send_json(send, 202, _ACCEPTED)
            return
        await _Exchange(self, message, send).run(receive)


_REFUSED = (
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n"
    b"content-length: 33\r\nconnection: close\r\n\r\n"
    b'{"error":"too many connections"}\n'
)


class _ConnectionGuard:
    """The connection limits of :func:`guarded_protocol`: which connections are open, which
    of them may be closed to make room (idle, or still sending their headers; oldest first),
    and their header timers."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.cap = limits.connection_cap()
        self.open: set[Any] = set()
        self.closing: set[Any] = set()
        self.evictable: dict[Any, None] = {}
        self.timers: dict[Any, asyncio.TimerHandle] = {}

    def made(self, conn: Any, transport: Any) -> None:
        self.open.add(conn)
        if len(self.open) - len(self.closing) > self.cap:
            if self.evictable:
                oldest = next(iter(self.evictable))
                self.close(oldest)
                throttled(
                    "http-evicted",
                    logging.WARNING,
                    "%d connections open (the cap): closed the oldest idle or "
                    "still sending its headers",
                    self.cap,
                )
            else:
                self.closing.add(conn)
                throttled(
                    "http-refused",
                    logging.WARNING,
                    "%d connections open (the cap), all busy: refused one (503)",
                    self.cap,
                )
                with contextlib.suppress(Exception):
                    transport.write(_REFUSED)
                    transport.close()
                return
        self.wait_for_headers(conn)

    def wait_for_headers(self, conn: Any) -> None:
        loop = asyncio.get_running_loop()
        self.timers[conn] = loop.call_later(
            self.limits.header_timeout, self.expired, conn
        )
        self.evictable.pop(conn, None)
        self.evictable[conn] = None

    def headers_done(self, conn: Any) -> None:
        timer = self.timers.pop(conn, None)
        if timer is not None:
            timer.cancel()
        self.evictable.pop(conn, None)

    def idle(self, conn: Any) -> None:
        if conn not in self.closing:
            self.evictable[conn] = None

    def expired(self, conn: Any) -> None:
        self.timers.pop(conn, None)
        throttled(
            "http-slow-headers",
            logging.WARNING,
            "closed a connection that sent no complete request headers within %g s",
            self.limits.header_timeout,
        )
        self.close(conn)

    def close(self, conn: Any) -> None:
        self.headers_done(conn)
        self.closing.add(conn)
        with contextlib.suppress(Exception):
            conn.transport.close()

    def lost(self, conn: Any) -> None:
        self.headers_done(conn)
        self.open.discard(conn)
        self.closing.discard(conn)


def guarded_protocol(limits: Limits, base: type[Any] | None = None) -> type[Any]:
    """A uvicorn HTTP protocol class (``uvicorn.Config(http=...)``) with the connection limits
    uvicorn lacks: a connection cap (:attr:`Limits.max_connections`) and a timeout on the
    request headers (:attr:`Limits.header_timeout`).  ``base``: uvicorn's httptools protocol
    when httptools is installed, else its h11 protocol (what ``http="auto"`` picks)."""
    if base is None:  # imported by name: uvicorn is needed only to serve HTTP
        try:
            module = importlib.import_module("uvicorn.protocols.http.httptools_impl")
            base = module.HttpToolsProtocol
        except ImportError:
            module = importlib.import_module("uvicorn.protocols.http.h11_impl")
            base = module.H11Protocol
    assert base is not None
    guard = _ConnectionGuard(limits)
    timers = guard.timers

    class GuardedProtocol(base):  # type: ignore[valid-type, misc]
        _guard = guard
        _seen: Any = None

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            guard.made(self, transport)

        def connection_lost(self, exc: Exception | None) -> None:
            guard.lost(self)
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            if self not in timers:
                cycle = self.cycle
                if cycle is None or cycle.response_complete:
                    if self in guard.closing:
                        return
                    guard.wait_for_headers(self)  # a new request begins
            super().data_received(data)
            if self.cycle is not self._seen:  # uvicorn read a request's headers
                self._seen = self.cycle
                guard.headers_done(self)

        def on_response_complete(self) -> None:
            super().on_response_complete()
            cycle = self.cycle
            if cycle is None or cycle.response_complete:
                guard.idle(self)

    GuardedProtocol.__name__ = GuardedProtocol.__qualname__ = f"Guarded{base.__name__}"
    return GuardedProtocol


def quiet_loop_errors(loop: asyncio.AbstractEventLoop) -> Callable[[], None]:
    """Log the event loop's errors about sockets (``accept()`` out of file descriptors, a
    send on a broken connection...) as throttled one-line messages instead of a traceback
    each; others go to the handler that was there.  Returns a function that restores
    it."""
    previous = loop.get_exception_handler()

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception")
        if isinstance(error, OSError):
            throttled(
                f"loop-{type(error).__name__}",
                logging.ERROR,
                "%s: %s",
                context.get("message", "event loop error"),
                error,
            )
        elif previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
    return lambda: loop.set_exception_handler(previous)


_WANTED_HEADERS = frozenset((b"content-type", b"content-length"))


def _headers(scope: Scope) -> dict[str, str]:
    """The request headers the transport reads (``content-type``, ``content-length``)."""
    out: dict[str, str] = {}
    headers = scope.get("headers", ())
    for name, value in headers:  # ASGI servers lowercase the names...
        if name in _WANTED_HEADERS:
            out[name.decode("latin-1")] = value.decode("latin-1")
    if "content-type" not in out:  # ...but need not
        for name, value in headers:
            if name.lower() in _WANTED_HEADERS:
                out[name.decode("latin-1").lower()] = value.decode("latin-1")
    return out


# ---------------------------------------------------------------------------------------
# HTTP, client side: HTTP/1.1 over asyncio streams
# ---------------------------------------------------------------------------------------


class _Connection:
    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.reused = False

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing a broken transport
            self.writer.close()


class _EmptyAnswer(Exception):
    """The connection closed before the first byte of an answer."""


class _Response:
    def __init__(
        self, pool: HttpPeer, conn: _Connection, status: int, headers: dict[str, str]
    ) -> None:
        self._pool = pool
        self._conn = conn
        self.status = status
        self.headers = headers
        self._chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        length = headers.get("content-length")
        self._left = int(length) if length is not None and length.isdigit() else -1
        self._keep = headers.get("connection", "").lower() != "close"
        if status in (204, 304) or status < 200:
            self._left = 0
        if not self._chunked and self._left < 0:
            self._keep = False
        self.complete = False

    async def chunk(self) -> bytes:
        """The next piece of the body; b"" at its end."""
        if self.complete:
            return b""
        reader = self._conn.reader
        try:
            if self._chunked:
                line = await reader.readline()
                if not line.endswith(b"\n"):
                    raise asyncio.IncompleteReadError(line, None)
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while (await reader.readline()).strip():
                        pass
                    self.complete = True
                    return b""
                data = await reader.readexactly(size)
                await reader.readexactly(2)
                return data
            if self._left == 0:
                self.complete = True
                return b""
            if self._left > 0:
                data = await reader.read(min(self._left, 1 << 16))
                if not data:
                    raise asyncio.IncompleteReadError(b"", self._left)
                self._left -= len(data)
                return data
            data = await reader.read(1 << 16)
            if not data:
                self.complete = True
            return data
        except (asyncio.IncompleteReadError, ConnectionError, OSError, ValueError) as e:
            self._conn.close()
            raise ConnectionLost(f"the answer was cut off: {e!r}") from None

    async def read(self, limit: int) -> bytes:
        parts: list[bytes] = []
        size = 0
        while True:
            data = await self.chunk()
            if not data:
                return b"".join(parts)
            size += len(data)
            if size > limit:
                self.abort()
                raise TransportError(f"the answer is larger than {limit} bytes")
            parts.append(data)

    async def events(self, limit: int) -> AsyncIterator[bytes]:
        """The data of each server-sent event."""
        buf = bytearray()
        data: list[bytes] = []
        while True:
            piece = await self.chunk()
            if not piece:
                break
            buf += piece
            pos = 0
            while True:
                nl = buf.find(b"\n", pos)
                if nl < 0:
                    break
                line = bytes(buf[pos:nl]).rstrip(b"\r")
                pos = nl + 1
                if not line:
                    if data:
                        yield b"\n".join(data)
                        data = []
                    continue
                field, _, value = line.partition(b":")
                if field == b"data":
                    data.append(value[1:] if value.startswith(b" ") else value)
            del buf[:pos]
            if len(buf) + sum(map(len, data)) > limit:
                self.abort()
                raise TransportError(f"an event is larger than {limit} bytes")
        if data:
            yield b"\n".join(data)

    async def finish(self, timeout: float = 5.0) -> None:
        """Read to the end of the body (quickly) and give the connection back to the pool."""
        try:
            async with asyncio.timeout(timeout):
                while not self.complete:
                    if not await self.chunk():
                        break
        except (TimeoutError, TransportError):
            self.abort()
            return
        self.release()

    def release(self) -> None:
        if self.complete and self._keep:
            self._pool._release(self._conn)
        else:
            self._conn.close()

    def abort(self) -> None:
        self.complete = True
        self._keep = False
        self._conn.close()


async def _read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    line = await reader.readline()
    if not line:
        raise _EmptyAnswer()
    parts = line.decode("latin-1").split(None, 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise TransportError(f"not an HTTP answer: {line[:100]!r}")
    headers: dict[str, str] = {}
    while True:
        line = await reader.readline()
        if not line.endswith(b"\n"):
            raise asyncio.IncompleteReadError(line, None)
        text = line.decode("latin-1").strip()
        if not text:
            break
        name, _, value = text.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(parts[1]), headers


class HttpPeer:
    """The client side of the HTTP transport: one ``POST`` per message (pooled keep-alive
    connections); an answer is JSON or an event stream whose callback requests are
    handled by ``handle`` and answered with their own ``POST`` (carrying the stream's
    ``stepflow-instance-id``)."""

    def __init__(
        self,
        url: str,
        handle: Handle,
        *,
        max_message: int = DEFAULT_MAX_MESSAGE,
        pool_size: int = 32,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        parts = urllib_parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        self.url = url
        self._host = parts.hostname
        self._port = parts.port or (443 if parts.scheme == "https" else 80)
        self._ssl = (
            (ssl_context or ssl.create_default_context())
            if (parts.scheme == "https")
            else None
        )
        self._target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host = f"[{self._host}]" if ":" in self._host else self._host
        default = 443 if parts.scheme == "https" else 80
        self._authority = host if self._port == default else f"{host}:{self._port}"
        self._handle = handle
        self.max_message = max_message
        self._pool_size = pool_size
        self._idle: list[_Connection] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    async def _connect(self) -> _Connection:
        if self._closed:
            raise ConnectionLost("the client is closed")
        try:
            reader, writer = await asyncio.open_connection(
                self._host, self._port, ssl=self._ssl, limit=1 << 20
            )
        except OSError as e:
            raise ConnectionLost(f"cannot connect to {self.url}: {e}") from None
        return _Connection(reader, writer)

    def _release(self, conn: _Connection) -> None:
        if self._closed or len(self._idle) >= self._pool_size:
            conn.close()
        else:
            conn.reused = True
            self._idle.append(conn)

    async def _post(self, body: bytes, headers: Mapping[str, str]) -> _Response:
        head = (
            f"POST {self._target} HTTP/1.1\r\nHost: {self._authority}\r\n"
            "Content-Type: application/json\r\n"
            "Accept: application/json, text/event-stream\r\n"
            f"Content-Length: {len(body)}\r\n"
            + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            + "\r\n"
        ).encode("latin-1")
        while True:
            conn = None
            while self._idle:
                candidate = self._idle.pop()
                if candidate.reader.at_eof() or candidate.writer.is_closing():
                    candidate.close()
                else:
                    conn = candidate
                    break
            if conn is None:
                conn = await self._connect()
            try:
                conn.writer.write(head + body)
                await conn.writer.drain()
                status, answer_headers = await _read_head(conn.reader)
                return _Response(self, conn, status, answer_headers)
            except (_EmptyAnswer, ConnectionError, OSError) as e:
                conn.close()
                if conn.reused:  # a kept-alive connection the server had closed
                    continue
                raise ConnectionLost(f"no answer from {self.url}: {e!r}") from None
            except BaseException:
                conn.close()
                raise

    async def call(self, method: str, params: Any, timeout: float | None = None) -> Any:
        id = str(uuid.uuid4())
        body = encode_message(METHODS[method].message(id=id, params=params))
        if timeout is None:
            reply = await self._exchange(id, method, body)
        else:
            async with asyncio.timeout(timeout):
                reply = await self._exchange(id, method, body)
        if isinstance(reply, ErrorResponse):
            raise RpcError.from_error(reply.error)
        return reply.result

    async def notify(self, method: str, params: Any) -> None:
        body = encode_message(METHODS[method].message(params=params))
        response = await self._post(body, {})
        try:
            data = await response.read(self.max_message)
        except BaseException:
            response.abort()
            raise
        response.release()
        if response.status not in (200, 202, 204):
            raise TransportError(
                f"HTTP {response.status} for the notification {method}: {data[:200]!r}"
            )

    async def _exchange(self, id: str, method: str, body: bytes) -> Any:
        reply: Any
        response = await self._post(body, {})
        try:
            ctype = response.headers.get("content-type", "")
            if ctype.startswith("text/event-stream"):
                reply = await self._stream(response, id, method)
                await response.finish()
                return reply
            data = await response.read(self.max_message)
            response.release()
        except BaseException:
            response.abort()
            raise
        if not data.strip():
            raise TransportError(f"HTTP {response.status}: empty answer to {method}")
        try:
            reply = decode_message(data, {id: method})
        except ProtocolError as e:
            raise TransportError(
                f"HTTP {response.status}: bad answer to {method}: {e.message}"
            ) from None
        if method_of(reply) is not None or (
            reply.id != id and not isinstance(reply, ErrorResponse)
        ):
            raise TransportError(f"HTTP {response.status}: not an answer to {method}")
        return reply

    async def _stream(self, response: _Response, id: str, method: str) -> Any:
        instance = response.headers.get(INSTANCE_ID_HEADER)
        tasks: list[asyncio.Task[None]] = []
        final: Any = None
        try:
            async for data in response.events(self.max_message):
                try:
                    message: Any = decode_message(data, {id: method})
                except ProtocolError as e:
                    if e.kind == "request":
                        tasks.append(self._spawn(self._reply(e, instance)))
                    else:
                        log.warning("bad event in the answer to %s: %s", method, e)
                    continue
                event_method = method_of(message)
                if event_method is None:
                    if message.id == id:
                        final = message
                        break
                    log.warning("event answers an unknown request %r", message.id)
                elif not METHODS[event_method].notification:
                    tasks.append(self._spawn(self._callback(message, instance)))
            if tasks:
                await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            raise
        if final is None:
            raise ConnectionLost(
                f"the event stream of {method} ended without its answer"
            )
        return final

    def _spawn(self, coro: Awaitable[None]) -> asyncio.Task[None]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _callback(self, message: Any, instance: str | None) -> None:
        await self._post_answer(await answer(message, self._handle, self), instance)

    async def _reply(self, error: ProtocolError, instance: str | None) -> None:
        await self._post_answer(encode_message(error.to_response()), instance)

    async def _post_answer(self, data: bytes, instance: str | None) -> None:
        headers = {INSTANCE_ID_HEADER: instance} if instance else {}
        try:
            response = await self._post(data, headers)
            body = await response.read(self.max_message)
            response.release()
        except TransportError as e:
            log.warning("could not deliver an answer to a callback: %s", e)
            return
        if response.status != 202:
            log.warning(
                "answer to a callback refused: HTTP %s %r", response.status, body
            )

    async def close(self) -> None:
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
