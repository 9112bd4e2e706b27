"""The TypeScript and Rust ``decodeMessage`` / ``decode_message_with`` against ``jsonschema``, and
the three SDKs against each other.

The cases and the oracle are those of tests/test_decode_message_oracle.py (tests/message_oracle.py):
every message of the real 0.9 capture and one-change mutations of each, judged by ``jsonschema`` on
``schemas/protocol.json`` and ``schemas/methods.json``.  They are written, with the pending
id -> method map, to one JSON file and decoded in ONE node process (``tests/ts/message_oracle.mjs``
on ``generated/typescript`` compiled with the strict flags) and ONE Rust binary
(``tests/rust/vectors_check/src/bin/message_oracle.rs`` on ``generated/rust``).  Each SDK must:

* accept exactly what the oracle accepts, re-encoding (``JSON.stringify`` of the decoded message,
  ``encode_message``) to the same JSON value (``1.0`` equals ``1``), as the same kind of message
  as Python (request, notification, response typed by its request's method, untyped response,
  error response);
* reject what it rejects with the JSON-RPC error code, and the id, that the generated Python
  ``decode_message`` gives (the error response it answers with).

Known differences are listed in ``GAPS``: the cases each covers must all still differ (strict), and
nothing else may.  Both are integer ids and error codes beyond what the language holds exactly
(``RequestId`` and the error's ``code`` are ``format: int64``, which ``jsonschema`` does not
assert; Python reads any integer):

* TypeScript: ``JSON.parse`` reads an integer beyond 2^53 as the nearest double, which
  ``decodeMessage`` returns (and ``JSON.stringify`` writes: 2^63 comes back as
  9223372036854776000).  The component server's runtime (``rpc.ts``) keeps such an id's digits
  and answers with them.
* Rust: ``Id::Int`` and the error's code are ``i64`` (``format: int64``, which keeps its type
  under every ``--integers`` mode); an id or code beyond it is rejected (-32600).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "generated"))

import python as sf
from message_oracle import cases, oracle, same_json
from test_vectors_rust import cargo
from test_vectors_ts import TS, compiled  # noqa: F401 (the fixture)

CASES = cases()
VERDICTS = [oracle(obj, pending) for _, pending, obj in CASES]


def _python(data: bytes | str, pending: dict[Any, str]) -> tuple[str, tuple[int, Any] | None]:
    """The kind of message Python decodes (as ``kind`` in the TypeScript and Rust answers), or the
    code and id of its ProtocolError."""
    try:
        name = type(sf.decode_message(data, pending)).__name__
    except sf.ProtocolError as e:
        return "rejected", (e.code, e.id)
    for suffix, kind in (("UntypedResponse", "untypedResponse"), ("ErrorResponse", "error"), ("Response", "response")):
        if name.endswith(suffix):
            return kind, None
    return ("notification" if name.endswith("Notification") else "request"), None


PYTHON = [_python(data, pending) for data, pending, _ in CASES]
PYTHON_ERRORS = [error for _, error in PYTHON]


def _integer_beyond(obj: Any, low: int, high: int, float_codes: bool) -> bool:
    """An integer id outside [low, high], or a valid error response whose integer error code is
    (with ``float_codes``, an integral float code too; an invalid message is rejected everywhere)."""
    if not isinstance(obj, dict):
        return False
    if type(obj.get("id")) is int and not low <= obj["id"] <= high:
        return True
    error = obj.get("error")
    code = error.get("code") if isinstance(error, dict) else None
    if type(code) is float and not (float_codes and code.is_integer()):
        return False
    return type(code) in (int, float) and not low <= code <= high and oracle(obj, CASES[0][1])


GAPS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "typescript": (
        lambda obj: _integer_beyond(obj, -(2**53 - 1), 2**53 - 1, float_codes=False),
        "an integer id or error code beyond 2^53 - 1: JSON.parse reads it as the nearest double (and "
        "re-encodes that; a code written as a float, 1e19, comes back as the same number)",
    ),
    "rust": (
        lambda obj: _integer_beyond(obj, -(2**63), 2**63 - 1, float_codes=True),
        "an integer id or error code beyond i64 (both are format int64): Id::Int and the error's code "
        "cannot hold it, so it is rejected",
    ),
}
"""Language -> (the cases it covers, why it differs).  Strict: every case covered must still differ."""


@pytest.fixture(scope="module")
def cases_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pending = CASES[0][1]  # one map for every case
    path = tmp_path_factory.mktemp("messages") / "cases.json"
    texts = [data if isinstance(data, str) else data.decode() for data, _, _ in CASES]
    path.write_text(json.dumps({"pending": sorted(pending.items(), key=str), "cases": texts}), encoding="utf-8")
    return path


def _disagreements(results: list[dict[str, Any]]) -> dict[int, str]:
    """Case index -> what is wrong, for every answer that is not the oracle's verdict (accepted and
    re-encoded the same, or rejected) or not Python's error (code and id)."""
    assert len(results) == len(CASES)
    wrong = {}
    for i, (got, valid, (kind, python)) in enumerate(zip(results, VERDICTS, PYTHON)):
        obj = CASES[i][2]
        if valid != ("json" in got):
            wrong[i] = f"jsonschema says {'valid' if valid else 'invalid'}, got {str(got)[:300]}"
        elif valid and not same_json(json.loads(got["json"]), obj):
            wrong[i] = f"re-encoded as {got['json'][:300]}"
        elif valid and got["kind"] != kind:
            wrong[i] = f"decoded as {got['kind']}, Python as {kind}"
        elif not valid and (python is None or python[0] != got["code"] or not same_json(python[1], got["id"])):
            wrong[i] = f"code {got['code']} id {got['id']!r} ({got['message'][:200]}), Python: {python}"
    return wrong


def _check(lang: str, results: list[dict[str, Any]]) -> None:
    wrong = _disagreements(results)
    covers, reason = GAPS[lang]
    covered = [i for i, (_, _, obj) in enumerate(CASES) if covers(obj)]
    still = [i for i in covered if i in wrong]
    assert covered and len(still) == len(covered), (
        f"{lang}: the gap {reason!r} covers {len(covered)} cases, {len(still)} still differ "
        f"(the others agree now: narrow or remove the gap), e.g. "
        f"{[json.dumps(CASES[i][2])[:200] for i in covered if i not in wrong][:3]}"
    )
    unlisted = {i: what for i, what in wrong.items() if not covers(CASES[i][2])}
    lines = [f"{lang}: {len(unlisted)} of {len(CASES)} cases disagree ({len(still)} more are the listed gap)"]
    for i, what in list(unlisted.items())[:30]:
        lines.append(f"  {json.dumps(CASES[i][2])[:300]}\n    -> {what}")
    assert not unlisted, "\n".join(lines)


def test_the_cases_cover_both_verdicts() -> None:
    assert len(CASES) > 1500 and sum(VERDICTS) > 200 and VERDICTS.count(False) > 1000
    codes = {error[0] for error in PYTHON_ERRORS if error is not None}
    assert codes == {-32600, -32601, -32602}, codes  # invalid request, method not found, invalid params
    assert [v for v, e in zip(VERDICTS, PYTHON_ERRORS) if v == (e is not None)] == []  # Python agrees


def test_typescript(compiled: Path, cases_file: Path, tmp_path: Path) -> None:  # noqa: F811
    results = tmp_path / "ts.json"
    proc = subprocess.run(
        ["node", str(TS / "message_oracle.mjs"), str(compiled.resolve()), str(cases_file), str(results)],
        check=False,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
    _check("typescript", json.loads(results.read_text()))


def test_rust(cases_file: Path, tmp_path: Path) -> None:
    results = tmp_path / "rust.json"
    r = cargo("run", "--locked", "-q", "-p", "vectors_check", "--bin", "message_oracle", "--", str(cases_file), str(results))
    assert r.returncode == 0, f"cargo run failed:\n{r.stdout[-6000:]}\n{r.stderr[-6000:]}"
    _check("rust", json.loads(results.read_text()))
