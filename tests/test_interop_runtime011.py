"""Code generated from StepFlow's UNCHANGED 0.11.1 schema is driven by the real 0.11.1 runtime.

1. ``python -m stepflow_codegen python tests/fixtures/upstream/protocol-0.11.1.json
   tests/fixtures/upstream/stepflow-0.11.1.methods.json -o <tmp>/sf011`` (StepFlow's own
   ``schemas/protocol.json`` at tag stepflow-py-0.11.1, byte for byte, plus our method table, which
   asks for the ``stepflow-components`` profile).
2. ``stepflow-server`` from ``stepflow-orchestrator==0.11.1`` launches
   ``tests/interop/components_ours011.py`` (``StepflowServer`` + ``@server.component`` from that
   package) in subprocess mode and drives it: ``initialize`` (camelCase at 0.11.1, with
   ``capabilities``; answered camelCase because the generated ``InitializeResult`` says so),
   ``initialized``, ``components/list`` (through ``GET /api/v1/components``) and
   ``components/execute``. There are no ``blobs/*`` methods at 0.11.1 (blobs moved to an HTTP
   API), so the flow has none and the generated context has no ``put_blob``/``get_blob``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from interop import peers

VERSION = "0.11.1"
PORT = 17940
UPSTREAM = peers.REPO / "tests" / "fixtures" / "upstream"
RECORD = {"greeting": "hello world", "dish": "crème brûlée", "count": 3, "ok": True}
TITLED = {"greeting": "Hello World", "dish": "Crème Brûlée", "count": 3, "ok": True}

MAIN_FLOW: dict[str, Any] = {
    "name": "interop-ours-0.11.1",
    "steps": [
        {"id": "titled", "component": "/ours/title_case", "input": {"values": {"$input": "record"}}},
        {"id": "described", "component": "/ours/describe", "input": {"changed": {"$step": "titled", "path": "changed"}}},
    ],
    "output": {"titled": {"$step": "titled"}, "described": {"$step": "described"}},
}
FAIL_FLOW: dict[str, Any] = {
    "name": "interop-ours-0.11.1-failure",
    "steps": [
        {
            "id": "boom",
            "component": "/ours/fail",
            "onError": {"action": "retry", "maxRetries": 1},
            "input": {"message": {"$input": "message"}, "code": {"$input": "code"}},
        }
    ],
    "output": {"never": {"$step": "boom"}},
}
CRASH_FLOW: dict[str, Any] = {
    "name": "interop-ours-0.11.1-crash",
    "steps": [{"id": "crash", "component": "/ours/crash", "input": {"message": {"$input": "message"}}}],
    "output": {"never": {"$step": "crash"}},
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen011") / "sf011"
    proc = subprocess.run(
        [
            sys.executable, "-m", "stepflow_codegen", "python",
            str(UPSTREAM / "protocol-0.11.1.json"), str(UPSTREAM / "stepflow-0.11.1.methods.json"),
            "-o", str(out), "-q",
        ],
        capture_output=True, text=True, timeout=120, cwd=peers.REPO,
    )
    assert proc.returncode == 0, f"generation failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    for name in ("__init__.py", "types.py", "methods.py", "server.py", "client.py"):
        assert (out / name).is_file(), f"{name} not generated: {sorted(p.name for p in out.iterdir())}"
    return out


@pytest.fixture(scope="module")
def session(generated: Path, tmp_path_factory: pytest.TempPathFactory) -> peers.RuntimeReport:
    workdir = tmp_path_factory.mktemp("runtime011")
    config = {
        "plugins": {
            "builtin": {"type": "builtin"},
            "ours": {
                "type": "stepflow",
                "command": str(peers.venv_python("ours-http")),
                "args": [str(peers.HERE / "components_ours011.py"), "--http", "--port", "0"],
                "env": {
                    "PYTHONPATH": str(generated.parent),
                    "INTEROP_PACKAGE": generated.name,
                    "INTEROP_TRACE": str(workdir / "trace.jsonl"),
                },
            },
        },
        "routes": {"/ours/{*component}": [{"plugin": "ours"}], "/builtin/{*component}": [{"plugin": "builtin"}]},
        "storageConfig": {"type": "inMemory"},
        "retry": {"transportMaxRetries": 1, "backoff": {"type": "constant", "delayMs": 50}},
    }
    return peers.run_runtime(
        VERSION,
        config,
        [
            {"name": "main", "flow": MAIN_FLOW, "input": {"record": RECORD}},
            # 0.11.1 error code ranges: -32000..-32099 worker errors, never retried;
            # -32100..-32199 component execution errors (-32110.. user-defined), retried with onError
            {"name": "fail_worker", "flow": FAIL_FLOW, "input": {"message": "worker failure", "code": -32099}},
            {"name": "fail_component", "flow": FAIL_FLOW, "input": {"message": "component failure", "code": -32110}},
            # an uncaught exception: the component layer answers -32100 (COMPONENT_EXECUTION_FAILED)
            {"name": "crash", "flow": CRASH_FLOW, "input": {"message": "crash boom"}},
        ],
        workdir,
        port=PORT,
        list_components=True,
    )


def trace(session: peers.RuntimeReport) -> list[dict[str, Any]]:
    path = session.workdir / "trace.jsonl"
    assert path.is_file(), f"our component server never ran (no {path})\n{session.logs()}"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_real_runtime_answered(session: peers.RuntimeReport) -> None:
    assert session.data["health"]["status"] == "healthy"
    assert session.data["health"]["version"] == VERSION, session.data["health"]


def test_initialize_is_camel_case_with_capabilities(session: peers.RuntimeReport) -> None:
    inits = [e for e in trace(session) if e["event"] == "initialize"]
    assert len(inits) == 1, inits  # one process for the whole session: no restart at 0.11.1
    assert inits[0]["params"] == {
        "runtimeProtocolVersion": 1,
        "capabilities": {"blobApiUrl": f"http://127.0.0.1:{PORT}/api/v1/blobs", "blobThreshold": 1048576},
    }, inits
    assert inits[0]["version"] == 1  # decoded into the generated type's snake_case attribute
    # the component layer's answer, built through the generated (open) InitializeResult: camelCase
    # on the wire as StepFlow's schema names it, optional supportsBlobRefs left out
    assert inits[0]["result"] == {"serverProtocolVersion": 1}, inits


def test_main_flow_output_is_exact(session: peers.RuntimeReport) -> None:
    body = session.run("main")
    assert body["status"] == "completed", session.explain()
    assert body["results"] == [
        {
            "itemIndex": 0,
            "status": "completed",
            "result": {
                "outcome": "success",
                "result": {
                    "titled": {"values": TITLED, "changed": 2},
                    "described": {
                        "input": {"changed": 2},
                        "attempt": 1,
                        "component": "/describe",
                        "observability": ["flow_id", "run_id", "span_id", "step_id", "trace_id"],
                        "step_id": "described",
                        "blob_methods": [],
                    },
                },
            },
            "completedAt": body["results"][0]["completedAt"],
        }
    ], session.explain()
    executes = [e for e in trace(session) if e["event"] == "execute"]
    assert executes and all(e["extra_params"] == [] for e in executes), executes


def test_components_listed_through_the_runtime(session: peers.RuntimeReport) -> None:
    listed = session.data["components"]
    assert listed["status"] == 200, listed
    ours = [c for c in listed["body"]["components"] if c["component"] in ("/title_case", "/describe", "/fail", "/crash")]
    # the runtime passes our ComponentInfo through (snake_case schema keys, as StepFlow's schema names
    # them); the schemas are msgspec's for the type hints, or what the decorator was given
    assert sorted(ours, key=lambda c: c["component"]) == [
        {
            "component": "/crash",
            "description": "Always raises ValueError(input.message).",
            "input_schema": {"type": "object"},
            "output_schema": {"type": "null"},
        },
        {
            "component": "/describe",
            "description": "What the runtime sent with this execute.",
            "input_schema": {},
            "output_schema": {"type": "object"},
        },
        {
            "component": "/fail",
            "description": "Always fails with error input.code (default -32099).",
            "input_schema": {"type": "object"},
            "output_schema": {"type": "null"},
        },
        {
            "component": "/title_case",
            "description": "Title-case every string value (other values pass through).",
            "input_schema": {"type": "object", "properties": {"values": {"type": "object"}}, "required": ["values"]},
            "output_schema": {
                "type": "object",
                "properties": {"values": {"type": "object"}, "changed": {"type": "integer"}},
                "required": ["values", "changed"],
            },
        },
    ], listed


def fail_attempts(session: peers.RuntimeReport, message: str) -> list[tuple[int, int]]:
    events = trace(session)
    return [(e["pid"], e["attempt"]) for e in events if e["event"] == "execute" and e["component"] == "/fail" and e.get("message") == message]


def test_worker_error_kept_verbatim_and_not_retried(session: peers.RuntimeReport) -> None:
    """0.11.1 keeps the worker's JSON-RPC error (code, message, data) as the step's error; a code
    in -32000..-32099 ("worker error") is never retried, even with ``onError: retry``."""
    body = session.run("fail_worker")
    assert body["status"] == "failed", session.explain()
    expected = {"outcome": "failed", "error": {"code": -32099, "message": "worker failure (attempt 1)", "data": {"attempt": 1}}}
    assert [r["result"] for r in body["results"]] == [expected], body
    assert [a for _, a in fail_attempts(session, "worker failure")] == [1]


def test_component_error_retried_in_the_same_process(session: peers.RuntimeReport) -> None:
    """A code in -32100..-32199 ("component execution error") is retried per ``onError: retry``:
    attempt 2 goes to the same process (no restart, unlike 0.9.0's subprocess mode)."""
    body = session.run("fail_component")
    assert body["status"] == "failed", session.explain()
    expected = {"outcome": "failed", "error": {"code": -32110, "message": "component failure (attempt 2)", "data": {"attempt": 2}}}
    assert [r["result"] for r in body["results"]] == [expected], body
    attempts = fail_attempts(session, "component failure")
    assert [a for _, a in attempts] == [1, 2], attempts
    assert len({pid for pid, _ in attempts}) == 1, attempts


def test_uncaught_exception_is_a_component_execution_error(session: peers.RuntimeReport) -> None:
    """The component layer answers an exception that is not a ``StepflowError`` with the code the
    0.11.1 method table lists for ``components/execute`` (-32100, COMPONENT_EXECUTION_FAILED, as
    StepFlow's 0.11 SDK does), and the runtime keeps it verbatim."""
    body = session.run("crash")
    assert body["status"] == "failed", session.explain()
    expected = {
        "outcome": "failed",
        "error": {
            "code": -32100,
            "message": "Component execution failed: crash boom",
            "data": {"component": "/crash", "exception": "ValueError"},
        },
    }
    assert [r["result"] for r in body["results"]] == [expected], body
