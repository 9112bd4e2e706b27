"""``decode_message`` against ``jsonschema``, and its fast path against its full path.

Every message of the real 0.9 capture, and one-change mutations of each (a key dropped, added,
replaced by a value of another kind, keys reordered, pretty-printed, as ``str``), is judged by
``jsonschema`` on ``schemas/protocol.json`` (the envelope) and ``schemas/methods.json`` (the
method exists, is a request or a notification, and its params or result match the method's
schema; the cases and the oracle are in tests/message_oracle.py, shared with the TypeScript and
Rust decoders' test, tests/test_decode_message_parity.py).  The generated ``decode_message`` must:

* accept exactly what the oracle accepts, re-encoding to the same JSON value;
* give, on its fast path, exactly what its full path gives (the same typed message, or the same
  error: code, id and message).

One documented difference: an error response may carry a null id (JSON-RPC 2.0 section 5: the
answer to a message whose id could not be read, which ``ProtocolError.to_response`` writes);
``MethodError`` in the schema requires a request id.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "generated"))

import python as sf
from message_oracle import cases, oracle, same_json
from python import methods as sf_methods


def _outcome(fn: Any, data: bytes | str, pending: dict[Any, str]) -> tuple[str, Any]:
    try:
        msg = fn(data, pending)
    except sf.ProtocolError as e:
        return "error", (e.code, e.id, e.message)
    return type(msg).__name__, msg


CASES = cases()


def test_the_cases_cover_both_verdicts_and_every_kind() -> None:
    verdicts = [oracle(obj, pending) for _, pending, obj in CASES]
    assert len(CASES) > 1500 and sum(verdicts) > 200 and verdicts.count(False) > 1000
    kinds = {_outcome(sf.decode_message, data, pending)[0] for data, pending, _ in CASES}
    assert {"error", "ErrorResponse", "InitializedNotification", "ComponentsExecuteRequest"} <= kinds
    assert {"ComponentsExecuteResponse", "ComponentsListResponse", "UntypedResponse"} <= kinds


@pytest.mark.parametrize("chunk", range(4))
def test_decode_message_accepts_exactly_what_the_schema_accepts(chunk: int) -> None:
    wrong = []
    for data, pending, obj in CASES[chunk::4]:
        kind, got = _outcome(sf.decode_message, data, pending)
        valid = oracle(obj, pending)
        if valid != (kind != "error"):
            wrong.append((data[:200], valid, got))
        elif valid and not same_json(json.loads(sf.encode_message(got)), obj):
            wrong.append((data[:200], "re-encoded", sf.encode_message(got)[:200]))
    assert not wrong, f"{len(wrong)} disagreements with jsonschema, e.g. {wrong[:5]}"


@pytest.mark.parametrize("chunk", range(4))
def test_the_fast_path_gives_what_the_full_path_gives(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    full_path = sf_methods._full
    calls = []

    def counted(data: bytes | str, method_of: Any) -> Any:
        calls.append(data)
        return full_path(data, method_of)

    monkeypatch.setattr(sf_methods, "_full", counted)
    fast_hits = 0
    for data, pending, _ in CASES[chunk::4]:
        calls.clear()
        fast = _outcome(sf.decode_message, data, pending)
        took_fast_path = not calls
        full = _outcome(full_path, data, pending)
        assert fast == full and type(fast[1]) is type(full[1]), data
        fast_hits += took_fast_path
    assert fast_hits > 50  # the fast path is really exercised
