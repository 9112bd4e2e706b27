"""A component server built on code generated from StepFlow's UNCHANGED 0.11.1 protocol schema.

test_interop_runtime011 generates a package from ``tests/fixtures/upstream/protocol-0.11.1.json``
+ ``stepflow-0.11.1.methods.json`` into a temporary directory; the real ``stepflow-server`` 0.11.1
launches this file in subprocess mode with ``PYTHONPATH`` pointing there and ``INTEROP_PACKAGE``
naming the package. The method table has ``"profile": "stepflow-components"`` and
``"namespace": "Stepflow"``, so this is the same component layer as for 0.9
(``StepflowServer`` + ``@server.component``), generated from StepFlow's own schema: its
``InitializeResult`` is an open object whose wire names are camelCase (``serverProtocolVersion``),
there are no ``blobs/*`` methods (so the context has no ``put_blob``/``get_blob``), and a
component's uncaught exception is answered with -32100, the code the 0.11.1 table lists for
``components/execute``.

Components:
  /title_case  pure: title-cases every string value (schemas given to the decorator)
  /describe    what the runtime sent with the execute (as the context sees it)
  /fail        raises ``StepflowError(input.code (default -32099), message + " (attempt N)")``
  /crash       raises ``ValueError(input.message)`` (answered -32100 by the component layer)

``$INTEROP_TRACE`` receives one JSON line per initialize (params and result, as on the wire) and
per execute (with this process id and the execute's unknown params keys).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from typing import Any

import msgspec

sf: Any = importlib.import_module(os.environ.get("INTEROP_PACKAGE", "sf011"))
FAIL_CODE = -32099
TITLE_CASE_INPUT = {"type": "object", "properties": {"values": {"type": "object"}}, "required": ["values"]}
TITLE_CASE_OUTPUT = {
    "type": "object",
    "properties": {"values": {"type": "object"}, "changed": {"type": "integer"}},
    "required": ["values", "changed"],
}


def trace(event: str, **fields: Any) -> None:
    path = os.environ.get("INTEROP_TRACE")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"event": event, "pid": os.getpid(), **fields}) + "\n")


def wire(value: Any) -> Any:
    return json.loads(sf.encode(value))


class Server(sf.StepflowServer):  # type: ignore[misc, name-defined]
    """The generated server, unchanged but for recording what it gets and answers."""

    async def initialize(self, params: Any, context: Any) -> Any:
        result = await super().initialize(params, context)
        trace("initialize", params=wire(params), version=params.runtime_protocol_version, result=wire(result))
        return result

    async def components_execute(self, params: Any, context: Any) -> Any:
        message = params.input.get("message") if isinstance(params.input, dict) else None
        trace(
            "execute",
            component=params.component,
            attempt=params.attempt,
            message=message,
            extra_params=sorted(params.additional_properties),
        )
        return await super().components_execute(params, context)


server = Server()


class TitleCaseInput(msgspec.Struct):
    values: dict[str, Any]


class TitleCaseOutput(msgspec.Struct):
    values: dict[str, Any]
    changed: int


@server.component(name="title_case", input_schema=TITLE_CASE_INPUT, output_schema=TITLE_CASE_OUTPUT)
def title_case(input: TitleCaseInput) -> TitleCaseOutput:
    """Title-case every string value (other values pass through)."""
    out = {k: v.title() if isinstance(v, str) else v for k, v in input.values.items()}
    return TitleCaseOutput(values=out, changed=sum(out[k] != input.values[k] for k in out))


@server.component
async def describe(input: Any, context: sf.StepflowContext) -> dict[str, Any]:
    """What the runtime sent with this execute."""
    return {
        "input": input,
        "attempt": context.attempt,
        "component": context.component,
        "observability": sorted(wire(context.observability)),
        "step_id": context.observability.step_id,
        "blob_methods": [m for m in ("put_blob", "get_blob") if hasattr(context, m)],
    }


@server.component
def fail(input: dict[str, Any], context: sf.StepflowContext) -> None:
    """Always fails with error input.code (default -32099)."""
    message = f"{input['message']} (attempt {context.attempt})"
    raise sf.StepflowError(input.get("code", FAIL_CODE), message, {"attempt": context.attempt})


@server.component
def crash(input: dict[str, Any]) -> None:
    """Always raises ValueError(input.message)."""
    raise ValueError(input["message"])


if __name__ == "__main__":
    trace("start", argv=sys.argv[1:])
    server.main(sys.argv[1:])
