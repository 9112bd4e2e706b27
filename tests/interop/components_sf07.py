"""STDIO component server written with StepFlow's own SDK, ``stepflow-py==0.7.0`` (not our code).

0.7.0 is the newest ``stepflow-py`` on PyPI that still ships the STDIO transport
(``stepflow_py.stdio_server``; 0.8.0 was never published, 0.9.0+ are HTTP only). Used by
tests/test_interop_clients.py: our generated client launches it as a child process and speaks
newline-delimited JSON-RPC on its stdin/stdout (stderr: the SDK's JSON log lines).

    .interop-venvs/py-0.7.0/bin/python tests/interop/components_sf07.py

Components: /title_case (pure), /blob_roundtrip (``blobs/put`` then ``blobs/get`` as JSON-RPC
requests written to stdout, answered by the client on stdin), /get_blob, /fail (raises).
"""

# No `from __future__ import annotations`: the SDK reads real annotation objects via inspect.

from typing import Any

import msgspec
from stepflow_py import StepflowContext, StepflowStdioServer
from stepflow_py.server import StepflowServer

server = StepflowStdioServer(StepflowServer(include_builtins=False))


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
    server.run()
