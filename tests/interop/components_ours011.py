"""A component server built on code generated from StepFlow's UNCHANGED 0.11.1 protocol schema.

test_interop_runtime011 generates a package from ``tests/fixtures/upstream/protocol-0.11.1.json``
+ ``stepflow-0.11.1.methods.json`` into a temporary directory; the real ``stepflow-server`` 0.11.1
launches this file in subprocess mode with ``PYTHONPATH`` pointing there and ``INTEROP_PACKAGE``
naming the package. The method table has no ``profile``, so the generated server is the plain
typed JSON-RPC layer: ``Server`` (STDIO + HTTP transports) dispatching to one typed ``async``
handler per method; the handlers below are written by hand against the generated types
(``InitializeParams`` reads ``runtimeProtocolVersion``, ``InitializeResult`` writes
``serverProtocolVersion``: camelCase at 0.11.1).

Components: /title_case (pure), /describe (what the runtime sent with the execute),
/fail (error ``input.code``, default -32099, with the attempt number).

``$INTEROP_TRACE`` receives one JSON line per initialize / execute (with this process id).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from typing import Any

sf: Any = importlib.import_module(os.environ.get("INTEROP_PACKAGE", "sf011"))
FAIL_CODE = -32099

TITLE_CASE_INFO = {
    "component": "/title_case",
    "description": "Title-case every string value (other values pass through).",
    "input_schema": {"type": "object", "properties": {"values": {"type": "object"}}, "required": ["values"]},
    "output_schema": {
        "type": "object",
        "properties": {"values": {"type": "object"}, "changed": {"type": "integer"}},
        "required": ["values", "changed"],
    },
}
INFOS = [
    TITLE_CASE_INFO,
    {"component": "/describe", "description": "What the runtime sent with this execute."},
    {"component": "/fail", "description": "Always fails with error input.code (default -32099)."},
]


def trace(event: str, **fields: Any) -> None:
    path = os.environ.get("INTEROP_TRACE")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"event": event, "pid": os.getpid(), **fields}) + "\n")


def wire(value: Any) -> Any:
    return json.loads(sf.encode(value))


class Components(sf.Server):  # type: ignore[misc, name-defined]
    async def initialize(self, params: Any, context: Any) -> Any:
        trace("initialize", params=wire(params), version=params.runtime_protocol_version)
        return sf.InitializeResult(server_protocol_version=1, supports_blob_refs=False)

    async def components_list(self, params: Any, context: Any) -> Any:
        return sf.ListComponentsResult(components=[sf.convert(i, sf.ComponentInfo) for i in INFOS])

    async def components_info(self, params: Any, context: Any) -> Any:
        for info in INFOS:
            if info["component"] == params.component:
                return sf.ComponentInfoResult(info=sf.convert(info, sf.ComponentInfo))
        raise sf.RpcError(-32001, f"Component '{params.component}' not found", {"component": params.component})

    async def components_execute(self, params: Any, context: Any) -> Any:
        message = params.input.get("message") if isinstance(params.input, dict) else None
        trace("execute", component=params.component, attempt=params.attempt, message=message)
        if params.component == "/title_case":
            values = params.input["values"]
            out = {k: v.title() if isinstance(v, str) else v for k, v in values.items()}
            changed = sum(out[k] != values[k] for k in values)
            return sf.ComponentExecuteResult(output={"values": out, "changed": changed})
        if params.component == "/describe":
            return sf.ComponentExecuteResult(
                output={
                    "input": params.input,
                    "attempt": params.attempt,
                    "observability": sorted(wire(params.observability)),
                    "step_id": params.observability.step_id,
                    "extra_params": sorted(params.additional_properties),
                }
            )
        if params.component == "/fail":
            message = f"{params.input['message']} (attempt {params.attempt})"
            raise sf.RpcError(params.input.get("code", FAIL_CODE), message, {"attempt": params.attempt})
        raise sf.RpcError(-32001, f"Component '{params.component}' not found", {"component": params.component})


if __name__ == "__main__":
    trace("start", argv=sys.argv[1:])
    Components().main(sys.argv[1:])
