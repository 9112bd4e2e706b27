"""Component server written with StepFlow's own SDK, ``stepflow-py[http]==0.9.1`` (not our code).

Used by tests/test_interop_clients.py: our generated client drives it over HTTP. Runs in the
``py-0.9.1`` interop venv:

    .interop-venvs/py-0.9.1/bin/python tests/interop/components_sf09.py [--port 0]

prints ``{"port": N}`` once bound (127.0.0.1 only).

Components:
  /title_case      pure: title-cases every string value of ``values``
  /blob_roundtrip  ``context.put_blob(value)`` then ``context.get_blob(id)``: at 0.9 these are JSON-RPC
                   requests ``blobs/put`` / ``blobs/get`` sent as SSE events on the execute response;
                   the client answers each with a separate POST
  /get_blob        ``context.get_blob(blob_id)`` only (to see how a failed ``blobs/get`` comes back)
  /fail            raises ``ValueError(message)``
"""

# No `from __future__ import annotations`: the SDK reads real annotation objects via inspect.

import argparse
import asyncio
from typing import Any

import msgspec
from stepflow_py.worker import StepflowContext, StepflowServer

server = StepflowServer(include_builtins=False)


class TitleCaseInput(msgspec.Struct):
    values: dict[str, Any]


class TitleCaseOutput(msgspec.Struct):
    values: dict[str, Any]
    changed: int


@server.component(name="title_case")
def title_case(input: TitleCaseInput) -> TitleCaseOutput:
    """Title-case every string value (other values pass through)."""
    out: dict[str, Any] = {}
    changed = 0
    for key, value in input.values.items():
        if isinstance(value, str):
            out[key] = value.title()
            changed += out[key] != value
        else:
            out[key] = value
    return TitleCaseOutput(values=out, changed=changed)


class RoundtripInput(msgspec.Struct):
    value: Any


class RoundtripOutput(msgspec.Struct):
    blob_id: str
    value: Any


@server.component(name="blob_roundtrip")
async def blob_roundtrip(input: RoundtripInput, context: StepflowContext) -> RoundtripOutput:
    """Store ``value`` (blobs/put), read it back (blobs/get), return the id the SDK saw and the value."""
    blob_id = await context.put_blob(input.value)
    return RoundtripOutput(blob_id=blob_id, value=await context.get_blob(blob_id))


class GetBlobInput(msgspec.Struct):
    blob_id: str


class GetBlobOutput(msgspec.Struct):
    value: Any


@server.component(name="get_blob")
async def get_blob(input: GetBlobInput, context: StepflowContext) -> GetBlobOutput:
    """Fetch a blob by id (blobs/get)."""
    return GetBlobOutput(value=await context.get_blob(input.blob_id))


class FailInput(msgspec.Struct):
    message: str


class FailOutput(msgspec.Struct):
    never: str


@server.component(name="fail")
def fail(input: FailInput) -> FailOutput:
    """Always raises ValueError(message)."""
    raise ValueError(input.message)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    asyncio.run(server.run(host=args.host, port=args.port))
