"""A stand-in for the part of asyncpg's API the seed's database components use, on sqlite3.

The seed's ``database_components.py`` uses asyncpg (PostgreSQL).  To run it without a database
server, it imports this module as ``asyncpg``; everything else in the component code is unchanged.
``connection_string`` is a SQLite file path (``sqlite:///`` prefix optional).  Statements keep
asyncpg's ``$1, $2...`` placeholders (SQLite binds them by position) and ``execute`` answers with
PostgreSQL-style status strings (``INSERT 0 3``, ``UPDATE 2``, ``DELETE 1``, ``SELECT 4``).
Every operation runs in a worker thread, so the event loop never blocks.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any


class Connection:
    def __init__(self, path: str, timeout: float) -> None:
        self._db = sqlite3.connect(path, timeout=timeout, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._lock = asyncio.Lock()

    async def _run(self, fn: Any, *args: Any) -> Any:
        async with self._lock:
            return await asyncio.to_thread(fn, *args)

    async def execute(self, query: str, *args: Any) -> str:
        def run() -> str:
            cursor = self._db.execute(query, args)
            verb = query.split(None, 1)[0].upper() if query.split() else ""
            if verb == "INSERT":
                return f"INSERT 0 {cursor.rowcount}"
            if verb in ("UPDATE", "DELETE"):
                return f"{verb} {cursor.rowcount}"
            if verb == "SELECT":
                return f"SELECT {len(cursor.fetchall())}"
            return " ".join(query.split()[:2]).upper()

        return await self._run(run)  # type: ignore[no-any-return]

    async def executemany(self, query: str, args: Iterable[Sequence[Any]]) -> None:
        await self._run(lambda: self._db.executemany(query, list(args)))

    async def fetch(self, query: str, *args: Any) -> list[sqlite3.Row]:
        return await self._run(lambda: self._db.execute(query, args).fetchall())  # type: ignore[no-any-return]

    async def fetchrow(self, query: str, *args: Any) -> sqlite3.Row | None:
        return await self._run(lambda: self._db.execute(query, args).fetchone())  # type: ignore[no-any-return]

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        await self._run(self._db.execute, "BEGIN")
        try:
            yield
        except BaseException:
            await self._run(self._db.execute, "ROLLBACK")
            raise
        await self._run(self._db.execute, "COMMIT")


class Pool:
    def __init__(self, path: str, min_size: int, max_size: int, timeout: float) -> None:
        self._path = path
        self._timeout = timeout
        self._free: asyncio.Queue[Connection] = asyncio.Queue()
        self._created = 0
        self._max = max_size
        for _ in range(min_size):
            self._new()

    def _new(self) -> None:
        self._created += 1
        self._free.put_nowait(Connection(self._path, self._timeout))

    @contextlib.asynccontextmanager
    async def acquire(self) -> AsyncIterator[Connection]:
        if self._free.empty() and self._created < self._max:
            self._new()
        connection = await self._free.get()
        try:
            yield connection
        finally:
            self._free.put_nowait(connection)


async def create_pool(
    dsn: str, *, min_size: int = 1, max_size: int = 10, command_timeout: float = 30
) -> Pool:
    return Pool(dsn.removeprefix("sqlite:///"), min_size, max_size, command_timeout)
