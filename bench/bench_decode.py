"""Typed decode of the real StepFlow 0.9 exchange, against untyped ``msgspec.json.decode``.

Reads every JSON-RPC message of ``../shared/interop/0.9/capture.jsonl`` (requests, responses and
SSE events, as the protocol tests do) and times, over many iterations of the whole exchange:

* ``decode_message`` of the generated package (``generated/python``): envelope, typed params and
  results (responses are typed through the ids of the requests they answer), with validation
  wherever the typed decode alone is not exact;
* ``msgspec.json.decode`` of the same bytes, untyped (the floor: parsing alone);
* for reference, ``validate`` of each message's params/result against its type (the slow path's
  extra work) and the share of typed decodes that took the fast path.

Prints the ratio typed / untyped (the goal is <= 1.5).  Not a test: no thresholds.

    .venv/bin/python bench/bench_decode.py [--iterations N] [--repeat R]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
CAPTURE = ROOT.parent / "shared" / "interop" / "0.9" / "capture.jsonl"
# BENCH_GENERATED: another generated tree (e.g. an older commit's) to compare with
sys.path.insert(0, os.environ.get("BENCH_GENERATED", str(ROOT / "generated")))

import msgspec  # noqa: E402

import python as sf  # noqa: E402


def captured_messages() -> list[bytes]:
    out = []
    for line in CAPTURE.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if rec.get("channel") != "rpc" or rec["kind"] not in ("request", "response", "sse_event"):
            continue
        raw = rec.get("raw") or ""
        if rec["kind"] == "sse_event":
            raw = raw.removeprefix("data: ").strip()
        if raw and raw != '""':
            out.append(raw.encode("utf-8"))
    return out


def best_of(fns: list[Callable[[], None]], iterations: int, repeat: int) -> list[float]:
    """For each function, the fastest seconds per iteration over ``repeat`` timed batches.

    The batches of the functions alternate (so a disturbance hits them alike) and are short; the
    machine is shared, so the minimum is the least disturbed measurement.  gc stays enabled, as
    in a server.
    """
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            for _ in range(iterations):
                fn()
            best[i] = min(best[i], (time.perf_counter() - t0) / iterations)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--iterations", type=int, default=50, help="passes over the exchange per batch")
    ap.add_argument("--repeat", type=int, default=200, help="timed batches (the fastest is reported)")
    args = ap.parse_args()

    msgs = captured_messages()
    methods: dict[Any, str] = {}
    typed: list[tuple[bytes, Any]] = []
    for raw in msgs:  # learn which request each response answers, once
        msg = sf.decode_message(raw, methods)
        if hasattr(msg, "method") and hasattr(msg, "id"):
            methods[msg.id] = msg.method
    for raw in msgs:
        obj = json.loads(raw)
        spec = sf.METHODS.get(obj.get("method") or methods.get(obj.get("id"), ""))
        if spec is None:
            continue
        if "params" in obj and "method" in obj:
            typed.append((json.dumps(obj["params"]).encode(), spec.params))
        elif "result" in obj and spec.result is not None:
            typed.append((json.dumps(obj["result"]).encode(), spec.result))

    untyped_decode = msgspec.json.decode
    decode_message = sf.decode_message

    def untyped() -> None:
        for raw in msgs:
            untyped_decode(raw)

    def typed_messages() -> None:
        for raw in msgs:
            decode_message(raw, methods)

    from python import _runtime

    plan = getattr(_runtime, "_plan", None)
    fast = sum(1 for _, tp in typed if plan(tp)[3]) if plan else len(typed)
    checked = [(data, plan(tp)[2]) for data, tp in typed if plan(tp)[2] is not None] if plan else []

    def validate_only() -> None:
        for data, check in checked:
            check(untyped_decode(data))

    typed_messages()  # warm up the decoder caches
    t_untyped, t_typed, t_validate = best_of([untyped, typed_messages, validate_only], args.iterations, args.repeat)
    n = len(msgs)
    print(f"messages: {n} ({sum(map(len, msgs))} bytes) from {CAPTURE.relative_to(ROOT.parent)}")
    print(f"typed params/results: {len(typed)}, on the fast path (exact types): {fast}")
    print(f"{'what':<46} {'us/exchange':>12} {'us/message':>11}")
    for label, t in (
        ("msgspec.json.decode (untyped)", t_untyped),
        ("decode_message (typed, validated)", t_typed),
        (f"parse + validate {len(checked)} params/results", t_validate),
    ):
        print(f"{label:<46} {t * 1e6:>12.1f} {t * 1e6 / n:>11.2f}")
    print(f"ratio decode_message / untyped decode: {t_typed / t_untyped:.2f}x (goal <= 1.5x)")


if __name__ == "__main__":
    main()
