"""Component server used by the RPC tests (tests/test_rpc_*.py), built on the generated package.

Run it as ``python components.py [--stdio | --http] [--port N]``.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "generated"))

from python import StepflowContext, StepflowError, StepflowServer  # noqa: E402

server = StepflowServer()


class TitleCaseInput(msgspec.Struct):
    values: dict[str, Any]


class TitleCaseOutput(msgspec.Struct):
    values: dict[str, Any]
    changed: int


@server.component(name="title_case")
def title_case(input: TitleCaseInput) -> TitleCaseOutput:
    """Title-case every string value of an object (non-strings pass through)."""
    out: dict[str, Any] = {}
    changed = 0
    for key, value in input.values.items():
        if isinstance(value, str):
            out[key] = value.title()
            changed += int(out[key] != value)
        else:
            out[key] = value
    return TitleCaseOutput(values=out, changed=changed)


@server.component
async def echo(input: Any) -> Any:
    """Return the input unchanged."""
    return input


class BlobInput(msgspec.Struct):
    value: Any


class BlobOutput(msgspec.Struct):
    blob_id: str
    value: Any


@server.component
async def roundtrip(input: BlobInput, context: StepflowContext) -> BlobOutput:
    """blobs/put the value, then blobs/get it back."""
    blob_id = await context.put_blob(input.value)
    return BlobOutput(blob_id=blob_id, value=await context.get_blob(blob_id))


class GetInput(msgspec.Struct):
    blob_id: str


@server.component
async def get_blob(input: GetInput, context: StepflowContext) -> Any:
    """blobs/get a blob by id."""
    return await context.get_blob(input.blob_id)


class ManyInput(msgspec.Struct):
    count: int
    delay: float = 0.0


@server.component
async def many_blobs(input: ManyInput, context: StepflowContext) -> list[str]:
    """Put ``count`` blobs concurrently (several callbacks in flight for one execute)."""

    async def one(i: int) -> str:
        await asyncio.sleep(input.delay)
        return await context.put_blob({"item": i, "pid": os.getpid()})

    return list(await asyncio.gather(*(one(i) for i in range(input.count))))


class SleepInput(msgspec.Struct):
    seconds: float
    value: Any = None


@server.component
async def sleep(input: SleepInput) -> Any:
    """Sleep, then return ``value``."""
    await asyncio.sleep(input.seconds)
    return input.value


@server.component
def sleep_sync(input: SleepInput) -> Any:
    """A blocking sleep (runs in a worker thread), then return ``value``."""
    time.sleep(input.seconds)
    return input.value


class FailInput(msgspec.Struct):
    message: str


@server.component
def fail(input: FailInput) -> None:
    """Always raises ValueError(message)."""
    raise ValueError(input.message)


class CustomErrorInput(msgspec.Struct):
    code: int
    message: str
    data: Any = None


@server.component
async def custom_error(input: CustomErrorInput) -> None:
    """Raise StepflowError with the given code, message and data."""
    raise StepflowError(input.code, input.message, input.data)


@server.component
def noisy(input: Any) -> str:
    """Print to stdout (must not corrupt the STDIO protocol)."""
    print("this line goes to stderr, not to the protocol", input)
    return "ok"


class BigInput(msgspec.Struct):
    size: int


@server.component
def big(input: BigInput) -> str:
    """Return a string of ``size`` characters."""
    return "x" * input.size


@server.component
def health_check() -> dict[str, Any]:
    """No input at all."""
    return {"status": "healthy", "pid": os.getpid()}


if __name__ == "__main__":
    server.main()
