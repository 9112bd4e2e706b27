"""A component server built on OUR generated package (``generated/python``), for the real runtime.

The real ``stepflow-server`` 0.9.0 launches this file itself (plugin ``type: stepflow``,
subprocess mode: ``command`` + ``args``, environment cleared, ``{"port": N}`` read from stdout,
``GET /health`` polled, then ``initialize``/``initialized`` over HTTP). Nothing here imports
StepFlow's SDK: only the generated package (found through ``PYTHONPATH``, which the plugin config
must pass in ``env`` because the runtime clears the environment) plus msgspec and uvicorn.

    PYTHONPATH=generated INTEROP_TRACE=/tmp/trace.jsonl python tests/interop/components_ours.py --http --port 0

``INTEROP_PACKAGE`` names the generated package to import (default ``python``, i.e.
``generated/python``; any package generated with the ``stepflow-components`` profile works).
The blob components are registered only if its context has ``put_blob`` (a method table
without ``blobs/*``, like StepFlow 0.11.1's, has none).

Components:
  /title_case  pure: title-cases every string value of ``values``; ``changed`` counts them
  /put_blob    ``context.put_blob(value)`` -> JSON-RPC ``blobs/put`` to the runtime (0.9 only)
  /get_blob    ``context.get_blob(blob_id)`` -> JSON-RPC ``blobs/get`` (0.9 only)
  /env         what the runtime passed: environment variable names, $INTEROP_TAG, argv, cwd
  /fail        raises ``StepflowError(-32099, message + " (attempt N)", {"attempt": N})``

Every ``initialize`` and every execute is appended to ``$INTEROP_TRACE`` (JSON lines with this
process id), so a test can see what the runtime sent and how often it restarted this server.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from typing import Any

import msgspec

sf: Any = importlib.import_module(os.environ.get("INTEROP_PACKAGE", "python"))
HAS_BLOBS = hasattr(sf.StepflowContext, "put_blob")
FAIL_CODE = -32099  # an application code of our choosing: proves our code travels unchanged


def trace(event: str, **fields: Any) -> None:
    path = os.environ.get("INTEROP_TRACE")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"event": event, "pid": os.getpid(), **fields}) + "\n")


class Server(sf.StepflowServer):  # type: ignore[misc, name-defined]
    """The generated server; ``initialize`` and ``components/execute`` are recorded, then served."""

    async def initialize(self, params: Any, context: Any) -> Any:
        trace("initialize", params=msgspec.json.decode(sf.encode(params)))
        result = await super().initialize(params, context)
        trace("initialize-result", result=msgspec.json.decode(sf.encode(result)))
        return result

    async def components_execute(self, params: Any, context: Any) -> Any:
        trace("execute", component=params.component, attempt=params.attempt)
        return await super().components_execute(params, context)


server = Server()


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


if HAS_BLOBS:

    class PutBlobInput(msgspec.Struct):
        value: Any

    class PutBlobOutput(msgspec.Struct):
        blob_id: str

    @server.component(name="put_blob")
    async def put_blob(input: PutBlobInput, context: sf.StepflowContext) -> PutBlobOutput:
        """Store ``value`` in the runtime's blob store (blobs/put); return the id it answered."""
        return PutBlobOutput(blob_id=await context.put_blob(input.value))

    class GetBlobInput(msgspec.Struct):
        blob_id: str

    class GetBlobOutput(msgspec.Struct):
        value: Any

    @server.component(name="get_blob")
    async def get_blob(input: GetBlobInput, context: sf.StepflowContext) -> GetBlobOutput:
        """Fetch a blob from the runtime (blobs/get)."""
        return GetBlobOutput(value=await context.get_blob(input.blob_id))


class EnvOutput(msgspec.Struct):
    env: list[str]
    tag: str | None
    argv: list[str]
    cwd: str


@server.component(name="env")
def env(input: dict[str, Any]) -> EnvOutput:
    """The environment variable names this process got (LC_CTYPE left out: CPython adds it
    itself when the locale is C, PEP 538), $INTEROP_TAG, its arguments and working directory."""
    names = sorted(k for k in os.environ if k != "LC_CTYPE")
    return EnvOutput(env=names, tag=os.environ.get("INTEROP_TAG"), argv=sys.argv[1:], cwd=os.getcwd())


class FailInput(msgspec.Struct):
    message: str


@server.component(name="fail")
async def fail(input: FailInput, context: sf.StepflowContext) -> dict[str, Any]:
    """Always fails with our own error code, the message and the attempt number."""
    raise sf.StepflowError(FAIL_CODE, f"{input.message} (attempt {context.attempt})", {"attempt": context.attempt})


if __name__ == "__main__":
    trace("start", argv=sys.argv[1:])
    server.main(sys.argv[1:])
