"""The committed generated/python package against the real StepFlow 0.9 wire capture."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import msgspec
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CAPTURE = SHARED / "interop" / "0.9" / "capture.jsonl"
sys.path.insert(0, str(ROOT / "generated"))

import python as sf  # noqa: E402  (the generated package is named after its folder)


def captured_messages() -> list[str]:
    assert CAPTURE.is_file(), f"the real 0.9 capture is missing: {CAPTURE} (CI needs shared/ beside the repo)"
    out = []
    for line in CAPTURE.read_text().splitlines():
        rec = json.loads(line)
        if rec.get("channel") != "rpc" or rec["kind"] not in ("request", "response", "sse_event"):
            continue
        raw = rec.get("raw") or ""
        if rec["kind"] == "sse_event":
            raw = raw.removeprefix("data: ").strip()
        if raw and raw != '""':
            out.append(raw)
    return out


def test_every_captured_message_round_trips() -> None:
    msgs = captured_messages()
    assert len(msgs) >= 37
    pending: dict[Any, str] = {}
    kinds: set[str] = set()
    for raw in msgs:
        msg = sf.decode_message(raw, pending)
        kinds.add(type(msg).__name__)
        if isinstance(msg, sf.TypedRequest.__args__):  # type: ignore[attr-defined]
            pending[msg.id] = msg.method
        assert not isinstance(msg, sf.UntypedResponse), f"response to an unknown request: {raw}"
        again = sf.encode_message(msg)
        assert json.loads(again) == json.loads(raw), raw
        # the typed params/result are real Structs, not dicts
        body = getattr(msg, "params", None) or getattr(msg, "result", None)
        if body is not None and not isinstance(msg, sf.ErrorResponse):
            assert not isinstance(body, dict), type(msg)
    for expected in (
        "InitializeRequest",
        "InitializedNotification",
        "ComponentsExecuteRequest",
        "ComponentsExecuteResponse",
        "BlobsPutRequest",
        "BlobsPutResponse",
        "BlobsGetRequest",
        "BlobsGetResponse",
        "RunsSubmitRequest",
        "RunsGetResponse",
        "ComponentsListResponse",
        "ErrorResponse",
    ):
        assert expected in kinds


def test_root_message_union_decodes_every_captured_message() -> None:
    for raw in captured_messages():
        value = sf.decode(raw, sf.Message)
        assert json.loads(sf.encode(value)) == json.loads(raw)


def test_typed_fields() -> None:
    raw = b'{"jsonrpc":"2.0","id":"a","method":"runs/get","params":{"runId":"r","wait":true,"resultOrder":"by_index"}}'
    msg = sf.decode_message(raw)
    assert isinstance(msg, sf.RunsGetRequest)
    assert msg.params.run_id == "r" and msg.params.wait is True
    assert msg.params.result_order is sf.ResultOrder.BY_INDEX
    assert msg.params.include_results is sf.UNSET  # absent stays absent
    assert sf.encode_message(msg) == raw


@pytest.mark.parametrize(
    ("raw", "code", "id"),
    [
        (b"{not json", -32700, None),
        (b"[]", -32600, None),
        (b'{"jsonrpc":"1.0","id":1,"method":"initialize","params":{"runtime_protocol_version":1}}', -32600, 1),
        (b'{"jsonrpc":"2.0","id":true,"method":"initialize","params":{}}', -32600, None),
        (b'{"jsonrpc":"2.0","id":7,"method":"nope","params":{}}', -32601, 7),
        (b'{"jsonrpc":"2.0","id":"x","method":"components/execute","params":{"component":"/a","input":1}}', -32602, "x"),
        (b'{"jsonrpc":"2.0","id":"x","method":"initialize","params":{"runtimeProtocolVersion":1}}', -32602, "x"),
        (b'{"jsonrpc":"2.0","id":"x","method":"initialize"}', -32602, "x"),
        (b'{"jsonrpc":"2.0","id":"x","result":1,"error":{"code":1,"message":"m"}}', -32600, "x"),
        (b'{"jsonrpc":"2.0","id":"x","method":"initialized","params":{}}', -32600, "x"),
        (b'{"jsonrpc":"2.0","id":"x","extra":1,"result":1}', -32600, "x"),
        (b'{"jsonrpc":"2.0","result":1}', -32600, None),
    ],
)
def test_bad_messages_raise_protocol_errors(raw: bytes, code: int, id: Any) -> None:
    with pytest.raises(sf.ProtocolError) as e:
        sf.decode_message(raw)
    assert e.value.code == code, e.value.message
    assert e.value.id == id
    answer = json.loads(sf.encode_message(e.value.to_response()))
    assert answer["error"]["code"] == code and answer["id"] == id and answer["jsonrpc"] == "2.0"


def test_error_response_keeps_null_data_and_missing_data_apart() -> None:
    for raw in (
        b'{"jsonrpc":"2.0","id":"x","error":{"code":-32000,"message":"m","data":null}}',
        b'{"jsonrpc":"2.0","id":"x","error":{"code":-32000,"message":"m"}}',
    ):
        assert sf.encode_message(sf.decode_message(raw)) == raw


def test_method_table_is_complete() -> None:
    table = json.loads((ROOT / "schemas" / "methods.json").read_text())
    names = {m["method"] for m in table["requests"] + table["notifications"]}
    assert set(sf.METHODS) == names
    assert sf.METHODS["blobs/put"].direction is sf.Direction.SERVER_TO_CLIENT
    assert sf.METHODS["initialized"].notification and sf.METHODS["initialized"].response is None
    assert sf.METHODS["components/execute"].params is sf.ComponentExecuteParams


def test_generated_package_type_checks_and_is_black_clean() -> None:
    pkg = ROOT / "generated" / "python"
    r = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(pkg)], capture_output=True, text=True, cwd=ROOT / "generated")
    assert r.returncode == 0, r.stdout + r.stderr
    r = subprocess.run([sys.executable, "-m", "black", "--check", "-q", str(pkg)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_generated_package_stands_alone() -> None:
    """The output needs msgspec only, never stepflow_codegen."""
    for f in (ROOT / "generated" / "python").glob("*.py"):
        text = f.read_text()
        assert "stepflow_codegen" not in text, f
    code = "import sys; sys.modules['stepflow_codegen'] = None; sys.path.insert(0, 'generated'); import python; print(python.METHODS['initialize'].name)"
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "initialize", r.stderr


def test_upstream_schema_with_our_method_table(tmp_path: Path) -> None:
    """StepFlow's own protocol-0.9.0.json, unchanged, plus a method table we wrote beside it."""
    up = ROOT / "tests" / "fixtures" / "upstream"
    r = subprocess.run(
        [sys.executable, "-m", "stepflow_codegen", "python", str(up / "protocol-0.9.0.json"), str(up / "stepflow-0.9.0.methods.json"), "-o", str(tmp_path / "up09"), "-q"],
        capture_output=True, text=True,
    )
    assert r.returncode == 0, r.stderr
    assert "overlapping-oneof" in r.stderr  # the F2 bug is reported...
    code = (
        "import sys, json; sys.path.insert(0, sys.argv[1]); import up09\n"
        "for raw in sys.stdin.read().splitlines():\n"
        "    m = up09.decode_message(raw)\n"
        "    assert json.loads(up09.encode_message(m)) == json.loads(raw), raw\n"
        "print('ok')\n"
    )
    requests = [m for m in captured_messages() if '"method"' in m]
    p = subprocess.run([sys.executable, "-c", code, str(tmp_path)], input="\n".join(requests), capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout.strip() == "ok", p.stderr  # ...and typed decoding still works


@pytest.mark.parametrize("version", ["0.9.0", "0.11.1"])
def test_code_from_upstream_schemas_type_checks(tmp_path: Path, version: str) -> None:
    """StepFlow's own schemas (unchanged) + our method tables: the generated package passes mypy --strict."""
    up = ROOT / "tests" / "fixtures" / "upstream"
    out = tmp_path / "upstream_pkg"
    r = subprocess.run(
        [sys.executable, "-m", "stepflow_codegen", "python", str(up / f"protocol-{version}.json"),
         str(up / f"stepflow-{version}.methods.json"), "-o", str(out), "-q"],
        capture_output=True, text=True,
    )
    assert r.returncode == 0, r.stderr
    r = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "upstream_pkg"], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_valid_messages_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """A valid request, notification, typed response and error response never reach the full path
    (the fast path's identity tests against the envelope's empty body must hold), and a message
    that is not a response is rejected without asking ``method_of``."""
    from python import methods

    def full(*args: Any) -> Any:
        raise AssertionError(f"full path taken for {args[0]!r}")

    monkeypatch.setattr(methods, "_full", full)
    cases = [
        b'{"jsonrpc":"2.0","id":"1","method":"initialize","params":{"runtime_protocol_version":1}}',
        b'{"jsonrpc":"2.0","method":"initialized","params":{}}',
        b'{"id":"1","result":{"server_protocol_version":1},"jsonrpc":"2.0"}',
        b'{"jsonrpc":"2.0","id":"1","error":{"code":-32601,"message":"no"}}',
    ]
    kinds = ["InitializeRequest", "InitializedNotification", "InitializeResponse", "ErrorResponse"]
    for method_of in ({"1": "initialize"}, {"1": "initialize"}.get):
        for raw, kind in zip(cases, kinds):
            assert type(sf.decode_message(raw, method_of)).__name__ == kind
            assert type(sf.decode_message(raw.decode(), method_of)).__name__ == kind
    monkeypatch.undo()
    asked: list[Any] = []
    for raw in (b'{"jsonrpc":"2.0","id":1}', b'{"jsonrpc":"2.0","id":1,"params":{}}'):
        with pytest.raises(sf.ProtocolError) as e:
            sf.decode_message(raw, lambda i: asked.append(i) or [])
        assert e.value.code == -32600
    assert asked == []


def test_a_method_of_function_is_asked_once() -> None:
    """A response whose typed result fails the fast path takes the full path, which must not ask
    ``method_of`` again (a function with a side effect, such as ``pending.pop``, answers once)."""
    raw = b'{"jsonrpc":"2.0","id":"x","result":{"server_protocol_version":"bad"}}'
    pending = {"x": "initialize"}
    with pytest.raises(sf.ProtocolError) as e:
        sf.decode_message(raw, pending.pop)
    assert e.value.code == -32600 and "Invalid result for initialize" in e.value.message
    assert pending == {}
    pending = {"x": "initialize"}
    ok = sf.decode_message(b'{"jsonrpc":"2.0","id":"x","result":{"server_protocol_version":1}}', pending.pop)
    assert type(ok).__name__ == "InitializeResponse" and pending == {}
