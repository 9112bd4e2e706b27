"""Decisions about component servers that every target makes the same way."""

from __future__ import annotations

from ..ir import model as ir

SERVER_METHODS = (
    "initialize",
    "initialized",
    "components/list",
    "components/info",
    "components/execute",
    "blobs/put",
    "blobs/get",
)
"""The methods a generated component server serves or calls (the StepFlow 0.9 method table)."""

GENERIC_CODES = frozenset({-32700, -32600, -32601, -32602, -32603, -32001})
"""JSON-RPC's own error codes and "unknown component": never the code of a component's failure."""

FALLBACK_FAILURE_CODE = -32003
"""The 0.9 SDK's code for an exception raised by a component."""


def execution_failed_code(protocol: ir.Protocol) -> int:
    """The error code a component's failure is answered with: the one code ``components/execute``
    declares besides the generic ones, else -32003 (the 0.9 SDK's)."""
    execute = next((m for m in protocol.methods if m.name == "components/execute"), None)
    specific = sorted({c for c in (execute.errors if execute else ()) if c not in GENERIC_CODES}, reverse=True)
    return specific[0] if len(specific) == 1 else FALLBACK_FAILURE_CODE


def server_gap(program: ir.Program) -> str | None:
    """Why no component server can be generated although there are components (None: it can, or
    there are no components)."""
    if not program.components:
        return None
    protocol = program.protocol
    names = {m.name for m in protocol.methods} if protocol is not None else set()
    missing = [m for m in SERVER_METHODS if m not in names]
    if protocol is None or protocol.profile != "stepflow-components" or missing:
        return (
            "needs the StepFlow 0.9 method table (profile stepflow-components, methods "
            f"{', '.join(SERVER_METHODS)}) among the inputs; only the types are generated"
        )
    return None
