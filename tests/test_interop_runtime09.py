"""The real StepFlow 0.9.0 runtime drives a component server built on OUR generated package.

``stepflow-server`` from the PyPI wheel ``stepflow-orchestrator==0.9.0`` (nobody here wrote it)
launches ``tests/interop/components_ours.py`` itself in **subprocess mode** (plugin
``type: stepflow`` with ``command``/``args``/``env``): it clears the environment, reads
``{"port": N}`` from the child's stdout, polls ``/health``, sends ``initialize`` +
``initialized`` and then one ``components/execute`` per step, over HTTP; our components call back
with ``blobs/put`` / ``blobs/get`` (SSE events on the execute response, answered by the runtime
with separate POSTs). Everything runs in a private network + PID namespace (see
tests/interop/peers.py); one runtime session serves every test of this module.

The expected results are computed here, independently of the generated code: a blob id is the
sha256 of the value's compact JSON (``peers.blob_id``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from interop import peers

VERSION = "0.9.0"
RECORD = {
    "greeting": "hello world",
    "name": "ada lovelace",
    "dish": "crème brûlée",  # non-ASCII: the runtime hashes raw UTF-8, like ensure_ascii=False
    "count": 3,
    "ok": True,
    "ratio": 2.5,
    "tags": ["x", "y"],
    "nothing": None,
}
TITLED = {
    "greeting": "Hello World",
    "name": "Ada Lovelace",
    "dish": "Crème Brûlée",
    "count": 3,
    "ok": True,
    "ratio": 2.5,
    "tags": ["x", "y"],
    "nothing": None,
}
EXTRA = {"city": "new york", "list": [1, 2, {"deep": "value"}]}
TAG = "tag-from-the-runtime-environment"

MAIN_FLOW: dict[str, Any] = {
    "name": "interop-ours-0.9",
    "description": "input -> title_case -> put_blob -> get_blob, blobs crossing between our components and the builtins",
    "steps": [
        {"id": "titled", "component": "/ours/title_case", "input": {"values": {"$input": "record"}}},
        {"id": "stored", "component": "/ours/put_blob", "input": {"value": {"$step": "titled", "path": "values"}}},
        {"id": "loaded", "component": "/ours/get_blob", "input": {"blob_id": {"$step": "stored", "path": "blob_id"}}},
        # the runtime's own builtin reads the blob our component stored through blobs/put ...
        {"id": "builtin_view", "component": "/builtin/get_blob", "input": {"blob_id": {"$step": "stored", "path": "blob_id"}}},
        # ... and our component reads (blobs/get) a blob the builtin stored
        {"id": "builtin_put", "component": "/builtin/put_blob", "input": {"data": {"$input": "extra"}, "blob_type": "data"}},
        {"id": "ours_view", "component": "/ours/get_blob", "input": {"blob_id": {"$step": "builtin_put", "path": "blob_id"}}},
        {"id": "env", "component": "/ours/env", "input": {}},
    ],
    "output": {
        "titled": {"$step": "titled"},
        "blob_id": {"$step": "stored", "path": "blob_id"},
        "roundtrip": {"$step": "loaded", "path": "value"},
        "builtin_view": {"$step": "builtin_view"},
        "builtin_blob_id": {"$step": "builtin_put", "path": "blob_id"},
        "ours_view": {"$step": "ours_view", "path": "value"},
        "env": {"$step": "env"},
    },
}
FAIL_FLOW: dict[str, Any] = {
    "name": "interop-ours-0.9-failure",
    "steps": [{"id": "boom", "component": "/ours/fail", "input": {"message": {"$input": "message"}}}],
    "output": {"never": {"$step": "boom"}},
}


def config(workdir: Path) -> dict[str, Any]:
    """stepflow-config for 0.9.0: our server in subprocess mode, plus the builtins."""
    return {
        "plugins": {
            "builtin": {"type": "builtin"},
            "ours": {
                "type": "stepflow",
                "command": str(peers.venv_python("ours-http")),
                "args": [str(peers.HERE / "components_ours.py"), "--http", "--port", "0"],
                # the runtime clears the environment: pass what the child needs; ${VAR} is
                # substituted from the runtime's own environment
                "env": {
                    "PYTHONPATH": str(peers.GENERATED),
                    "INTEROP_TRACE": str(workdir / "trace.jsonl"),
                    "INTEROP_TAG": "${INTEROP_TAG_SOURCE}",
                },
            },
        },
        "routes": {
            "/ours/{*component}": [{"plugin": "ours"}],
            "/builtin/{*component}": [{"plugin": "builtin"}],
        },
        "stateStore": {"type": "inMemory"},
    }


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> peers.RuntimeReport:
    workdir = tmp_path_factory.mktemp("runtime09")
    return peers.run_runtime(
        VERSION,
        config(workdir),
        [
            {"name": "main", "flow": MAIN_FLOW, "input": {"record": RECORD, "extra": EXTRA}},
            {"name": "fail", "flow": FAIL_FLOW, "input": {"message": "deliberate failure"}, "items": True},
        ],
        workdir,
        server_env={"INTEROP_TAG_SOURCE": TAG},
        list_components=True,
    )


def trace(session: peers.RuntimeReport) -> list[dict[str, Any]]:
    import json

    path = session.workdir / "trace.jsonl"
    assert path.is_file(), f"our component server never ran (no {path})\n{session.logs()}"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_real_runtime_answered(session: peers.RuntimeReport) -> None:
    assert session.data["health"]["status"] == "healthy"
    assert session.data["health"]["version"] == VERSION, session.data["health"]


def test_main_flow_output_is_exact(session: peers.RuntimeReport) -> None:
    body = session.run("main")
    assert body["status"] == "completed", session.explain()
    assert body["itemCount"] == 1
    expected = {
        "titled": {"values": TITLED, "changed": 3},
        "blob_id": peers.blob_id(TITLED),
        "roundtrip": TITLED,
        "builtin_view": {"data": TITLED},
        "builtin_blob_id": peers.blob_id(EXTRA),
        "ours_view": EXTRA,
        "env": {
            "env": ["INTEROP_TAG", "INTEROP_TRACE", "PYTHONPATH"],
            "tag": TAG,
            "argv": ["--http", "--port", "0"],
            "cwd": str(session.workdir),
        },
    }
    assert body["result"] == {"outcome": "success", "result": expected}, session.explain()


def test_blob_ids_are_sha256_of_compact_json(session: peers.RuntimeReport) -> None:
    result = session.run("main")["result"]["result"]
    # pinned literal too: the oracle itself must not drift
    assert peers.compact(TITLED).startswith('{"greeting":"Hello World","name":"Ada Lovelace","dish":"Crème Brûlée"')
    assert result["blob_id"] == peers.blob_id(TITLED)
    assert len(result["blob_id"]) == 64 and result["blob_id"] == result["blob_id"].lower()
    sf = peers.generated_package()  # the generated package agrees with the runtime too
    assert sf.blob_id(TITLED) == result["blob_id"]
    assert sf.blob_id(EXTRA) == result["builtin_blob_id"]


def test_initialize_is_snake_case_and_eager(session: peers.RuntimeReport) -> None:
    events = trace(session)
    first = [e for e in events if e["event"] in ("initialize", "initialize-result")][:2]
    assert first == [
        {"event": "initialize", "pid": events[0]["pid"], "params": {"runtime_protocol_version": 1}},
        {"event": "initialize-result", "pid": events[0]["pid"], "result": {"server_protocol_version": 1}},
    ], events
    # initialize happened before the first execute (sent eagerly at startup)
    kinds = [e["event"] for e in events if e["pid"] == events[0]["pid"]]
    assert kinds[:3] == ["start", "initialize", "initialize-result"], kinds


def test_every_step_reached_our_server(session: peers.RuntimeReport) -> None:
    # independent steps may run concurrently: compare as a multiset
    executes = [(e["component"], e["attempt"]) for e in trace(session) if e["event"] == "execute"]
    main = sorted(x for x in executes if x[0] != "/fail")
    assert main == sorted([("/title_case", 1), ("/put_blob", 1), ("/get_blob", 1), ("/get_blob", 1), ("/env", 1)]), executes


def test_components_listed_through_the_runtime(session: peers.RuntimeReport) -> None:
    listed = session.data["components"]
    assert listed["status"] == 200, listed
    names = [c["component"] for c in listed["body"]["components"]]
    for ours in ("/title_case", "/put_blob", "/get_blob", "/env", "/fail"):
        assert ours in names, names
    title = next(c for c in listed["body"]["components"] if c["component"] == "/title_case")
    assert title["description"] == "Title-case every string value (other values pass through)."
    assert title["input_schema"] == {
        "$ref": "#/$defs/TitleCaseInput",
        "$defs": {
            "TitleCaseInput": {
                "title": "TitleCaseInput",
                "type": "object",
                "properties": {"values": {"type": "object"}},
                "required": ["values"],
            }
        },
    }


def test_failure_carries_our_error(session: peers.RuntimeReport) -> None:
    body = session.run("fail")
    assert body["status"] == "failed", session.explain()
    result = body["result"]
    assert result["outcome"] == "failed"
    error = result["error"]
    # 0.9.0 turns any worker error into a FlowError with code 500; the worker's JSON-RPC
    # code and message survive only as text at the bottom of data.stack
    assert (error["code"], error["message"]) == (500, 'step "boom" failed'), error
    stack = error["data"]["stack"]
    assert [frame["error"] for frame in stack] == [
        'step "boom" failed',
        "error executing component",
        "component server error(-32099): deliberate failure (attempt 3)",
    ], stack
    assert stack[0]["attachments"] == ["Component: /fail", "Component execution failed for step 'boom'"]
    items = session.data["runs"]["fail"]["items"]["body"]
    assert items["itemCount"] == 1 and items["items"][0]["status"] == "failed"
    assert items["items"][0]["result"] == result


def test_failure_restarts_the_subprocess_twice(session: peers.RuntimeReport) -> None:
    """0.9.0 subprocess mode treats *any* execute error (even a JSON-RPC error answer) as a
    crash: it SIGTERMs the process group, launches a new server, re-initializes it and retries,
    up to 3 attempts (plugin.rs MAX_ATTEMPTS), ignoring the flow's onError."""
    events = trace(session)
    fails = [e for e in events if e["event"] == "execute" and e["component"] == "/fail"]
    assert [e["attempt"] for e in fails] == [1, 2, 3], events
    assert len({e["pid"] for e in fails}) == 3, fails
    starts = [e for e in events if e["event"] == "start"]
    assert len(starts) == 3, starts
    for restart in starts[1:]:
        init = next(e for e in events if e["event"] == "initialize" and e["pid"] == restart["pid"])
        # a restart happens inside the run's span: initialize now carries observability
        assert init["params"]["runtime_protocol_version"] == 1
        assert set(init["params"]) == {"runtime_protocol_version", "observability"}, init
        assert set(init["params"]["observability"]) == {"trace_id", "span_id"}, init
