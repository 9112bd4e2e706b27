"""Hostile input: more than 10,000 malformed or hostile messages, interleaved with valid requests,
sent to the STDIO server (a subprocess) and to the HTTP app (in process, through a tiny ASGI
driver).  Every message whose id can be read gets the right error code with that id, unreadable
ones get an error with a null id, notifications and error answers get no answer, the server keeps
serving and every interleaved valid request succeeds.  Seeded: the same messages every run."""

from __future__ import annotations

import asyncio
import collections
import json
import random
import sys
import time
from dataclasses import dataclass
from typing import Any

from rpc_support import COMPONENTS, asgi_post, load_components, run

LIMIT = 64 * 1024
SEED = 20261122
HOSTILE = 10_500


@dataclass
class Case:
    data: bytes
    kind: str
    """answer (error with id), null (error with null id), none (no answer), ok (a result)."""
    id: Any = None
    code: int | None = None
    result: Any = None
    label: str = ""


def env(id: Any, method: str, params: Any = None, **extra: Any) -> dict[str, Any]:
    msg: dict[str, Any] = {"jsonrpc": "2.0", "id": id, "method": method}
    if params is not None:
        msg["params"] = params
    msg.update(extra)
    return msg


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def execute_params(component: str, input: Any) -> dict[str, Any]:
    return {"component": component, "input": input, "attempt": 1, "observability": {}}


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.n = 0

    def new_id(self) -> Any:
        self.n += 1
        r = self.rng.random()
        if r < 0.45:
            return f"f-{self.n}"
        if r < 0.75:
            return 1_000_000 + self.n
        if r < 0.85:
            return -(1_000_000 + self.n)
        if r < 0.95:
            return f"ü{self.n}\u2028\"q\\"
        return 2**62 + self.n

    def valid(self) -> Case:
        id = self.new_id()
        r = self.rng.random()
        if r < 0.8:
            value = {"n": self.n, "s": "é" * self.rng.randint(0, 5), "f": self.rng.random()}
            return Case(dumps(env(id, "components/execute", execute_params("/echo", value))), "ok", id, result={"output": value}, label="valid execute")
        if r < 0.9:
            return Case(dumps(env(id, "initialize", {"runtime_protocol_version": 1})), "ok", id, result={"server_protocol_version": 1}, label="valid initialize")
        return Case(dumps(env(id, "components/execute", execute_params("/title_case", {"values": {"a": "x y"}}))), "ok", id, result={"output": {"values": {"a": "X Y"}, "changed": 1}}, label="valid title_case")

    def hostile(self) -> Case:
        rng = self.rng
        id = self.new_id()
        good = dumps(env(id, "components/execute", execute_params("/echo", {"k": "v" * rng.randint(1, 30)})))
        pick = rng.randrange(26)
        if pick == 0:  # truncated JSON: unreadable -> parse error, null id
            return Case(good[: rng.randint(1, len(good) - 1)], "null", code=-32700, label="truncated")
        if pick == 1:  # garbage bytes
            junk = bytes(rng.choice(b"abc{[:,0123456789 \t\x00\x7f\xff\xc3") for _ in range(rng.randint(1, 60)))
            return Case(b"{@" + junk.replace(b"\n", b" "), "null", code=-32700, label="garbage")
        if pick == 2:  # valid JSON that is not an object
            return Case(rng.choice([b"[]", b"[1,2]", b'"s"', b"3", b"null", b"true", b"-0.5e3", b"[{}]"]), "null", code=-32600, label="not an object")
        if pick == 3:  # wrong or missing jsonrpc
            msg = env(id, "components/list", {})
            if rng.random() < 0.5:
                msg["jsonrpc"] = rng.choice(["1.0", 2.0, None, "2.00", ""])
            else:
                del msg["jsonrpc"]
            return Case(dumps(msg), "answer", id, -32600, label="jsonrpc")
        if pick == 4:  # unknown method
            return Case(dumps(env(id, rng.choice(["nope", "components/frobnicate", "blobs/delete", "", "components/list/x"]), {})), "answer", id, -32601, label="unknown method")
        if pick == 5:  # ids of the other JSON types
            bad = rng.choice([True, False, 1.5, {}, [], [1], {"id": 1}, None])
            return Case(dumps(env(bad, "components/list", {})), "null", code=-32600, label="id type")
        if pick == 6:  # bad params of a known method
            params = rng.choice([
                {"component": "/echo"},
                {"component": 5, "input": 1, "attempt": 1, "observability": {}},
                {"component": "/echo", "input": 1, "attempt": -1, "observability": {}},
                {"component": "/echo", "input": 1, "attempt": 1, "observability": {}, "extra": 1},
                [1, 2],
                "params",
            ])
            return Case(dumps(env(id, "components/execute", params)), "answer", id, -32602, label="bad params")
        if pick == 7:
            return Case(dumps(env(id, "initialize", {"runtimeProtocolVersion": 1})), "answer", id, -32602, label="camelCase params")
        if pick == 8:  # missing params
            return Case(dumps(env(id, "components/list")), "answer", id, -32602, label="missing params")
        if pick == 9:  # unknown envelope key
            return Case(dumps(env(id, "components/list", {}, extra=1)), "answer", id, -32600, label="extra key")
        if pick == 10:  # a request that also carries a result
            return Case(dumps(env(id, "components/list", {}, result=1)), "answer", id, -32600, label="request with result")
        if pick == 11:  # an answer to no request of ours
            return Case(dumps({"jsonrpc": "2.0", "id": id, "result": {"blob_id": "x"}}), "answer", id, -32600, label="unknown response")
        if pick == 12:  # an error answer to no request: never answered (no ping-pong)
            return Case(dumps({"jsonrpc": "2.0", "id": id, "error": {"code": -32000, "message": "m", "data": None}}), "none", label="unknown error response")
        if pick == 13:  # a response carrying both result and error
            return Case(dumps({"jsonrpc": "2.0", "id": id, "result": 1, "error": {"code": 1, "message": "m"}}), "answer", id, -32600, label="result and error")
        if pick == 14:  # notifications: unknown, bad params, or a request method without id
            msg = rng.choice([
                {"jsonrpc": "2.0", "method": "nope", "params": {}},
                {"jsonrpc": "2.0", "method": "initialized", "params": {"x": 1}},
                {"jsonrpc": "2.0", "method": "initialized"},
                {"jsonrpc": "2.0", "method": "initialize", "params": {"runtime_protocol_version": 1}},
                {"jsonrpc": "2.0", "method": "initialized", "params": {}},
            ])
            return Case(dumps(msg), "none", label="notification")
        if pick == 15:  # a notification method sent as a request
            return Case(dumps(env(id, "initialized", {})), "answer", id, -32600, label="notification as request")
        if pick == 16:  # truncated UTF-8 inside the message, id readable at the start
            raw = good.replace(b'"v', b'"\xc3', 1) if b'"v' in good else good[:-20] + b'"\xe2\x82"}}}'
            return Case(raw, "answer", id, -32700, label="truncated utf-8")
        if pick == 17:  # invalid UTF-8 before anything readable
            return Case(b'{"\xff\xfe":1}', "null", code=-32700, label="bad utf-8")
        if pick == 18:  # nested too deeply, id first
            depth = rng.randint(1100, 6000)
            nested = b"[" * depth + b"]" * depth
            raw = dumps(env(id, "components/execute", execute_params("/echo", 0))).replace(b'"input":0', b'"input":' + nested)
            return Case(raw, "answer", id, -32600, label="deep")
        if pick == 19:  # nested too deeply, id last (unreadable)
            depth = rng.randint(1100, 3000)
            return Case(b'{"params":' + b"[" * depth + b"]" * depth + b',"jsonrpc":"2.0","id":' + json.dumps(id).encode() + b',"method":"x"}', "null", code=-32600, label="deep, id last")
        if pick == 20 and rng.random() < 0.25:  # over the size limit, id first
            pad = "p" * rng.randint(LIMIT, 3 * LIMIT)
            return Case(dumps(env(id, "components/execute", execute_params("/echo", pad))), "answer", id, -32600, label="huge")
        if pick == 21 and rng.random() < 0.25:  # over the size limit, id unreadable
            pad = "p" * rng.randint(LIMIT, 2 * LIMIT)
            return Case(dumps({"params": pad, "jsonrpc": "2.0", "id": id}), "null", code=-32600, label="huge, id last")
        if pick == 22:  # method of the wrong type
            return Case(dumps(env(id, rng.choice([5, None, ["components/list"], {}]), {})), "answer", id, -32600, label="method type")
        if pick == 23:  # id null on a request
            return Case(dumps(env(None, "components/list", {})), "null", code=-32600, label="null id")
        if pick == 24:  # unknown component (a handler-level error)
            return Case(dumps(env(id, "components/execute", execute_params("/missing", 1))), "answer", id, -32001, label="unknown component")
        # a component whose input does not decode
        return Case(dumps(env(id, "components/execute", execute_params("/title_case", {"values": [1]}))), "answer", id, -32602, label="bad input")

    def cases(self) -> list[Case]:
        out: list[Case] = []
        while sum(c.kind != "ok" for c in out) < HOSTILE:
            out.append(self.hostile())
            if self.rng.random() < 0.1:
                out.append(self.valid())
        return out


def key(id: Any) -> str:
    return json.dumps(id)


def test_generator_covers_every_category() -> None:
    cases = Generator(SEED).cases()
    labels = collections.Counter(c.label for c in cases)
    assert sum(c.kind != "ok" for c in cases) >= 10_000
    assert len(labels) >= 28 and min(labels.values()) >= 20, labels
    ids = [key(c.id) for c in cases if c.kind in ("answer", "ok")]
    assert len(ids) == len(set(ids))


def test_fuzz_stdio_server() -> None:
    cases = Generator(SEED).cases()

    async def main() -> tuple[dict[str, list[Any]], list[Any], int, float]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, str(COMPONENTS), "--stdio", "--max-message", str(LIMIT), "--log-level", "CRITICAL",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=1 << 24,
        )
        assert proc.stdin is not None and proc.stdout is not None
        by_id: dict[str, list[Any]] = collections.defaultdict(list)
        nulls: list[Any] = []
        expected = sum(c.kind in ("answer", "ok", "null") for c in cases)

        async def reader() -> None:
            got = 0
            while got < expected:
                line = await proc.stdout.readline()  # type: ignore[union-attr]
                assert line, "the server stopped answering"
                msg = json.loads(line)
                got += 1
                if msg["id"] is None:
                    nulls.append(msg)
                else:
                    by_id[key(msg["id"])].append(msg)

        started = time.perf_counter()
        reading = asyncio.ensure_future(reader())
        for i, c in enumerate(cases):
            proc.stdin.write(c.data + (b"\r\n" if i % 7 == 0 else b"\n"))
            if i % 5 == 0:
                proc.stdin.write(b"   \n")  # blank lines are skipped
            if i % 200 == 0:
                await proc.stdin.drain()
        await proc.stdin.drain()
        await asyncio.wait_for(reading, 60)
        elapsed = time.perf_counter() - started
        await asyncio.sleep(0.3)  # nothing more may come
        proc.stdin.close()
        rest = await asyncio.wait_for(proc.stdout.read(), 30)
        code = await asyncio.wait_for(proc.wait(), 30)
        assert rest == b"", rest[:300]
        return by_id, nulls, code, elapsed

    by_id, nulls, code, elapsed = run(main())
    check(cases, by_id, nulls)
    assert code == 0
    print(f"\nSTDIO fuzz: {len(cases)} messages in {elapsed:.1f} s")


def check(cases: list[Case], by_id: dict[str, list[Any]], nulls: list[Any]) -> None:
    expected_nulls: collections.Counter[int] = collections.Counter()
    for c in cases:
        if c.kind == "null":
            expected_nulls[c.code] += 1  # type: ignore[index]
            continue
        if c.kind == "none":
            continue
        answers = by_id.pop(key(c.id), [])
        assert len(answers) == 1, (c.label, c.data[:200], answers)
        (answer,) = answers
        assert answer["jsonrpc"] == "2.0"
        if c.kind == "ok":
            assert answer.get("result") == c.result, (c.label, answer)
        else:
            assert answer.get("error", {}).get("code") == c.code, (c.label, c.data[:200], answer)
    assert not by_id, f"answers nobody asked for: {list(by_id.items())[:5]}"
    assert collections.Counter(m["error"]["code"] for m in nulls) == expected_nulls


def test_fuzz_http_app() -> None:
    cases = Generator(SEED + 1).cases()
    server = load_components().server
    server.max_message = LIMIT
    app = server.create_http_app()

    async def main() -> tuple[dict[str, list[Any]], list[Any], float]:
        by_id: dict[str, list[Any]] = collections.defaultdict(list)
        nulls: list[Any] = []
        sem = asyncio.Semaphore(64)

        async def one(c: Case) -> None:
            async with sem:
                r = await asgi_post(app, c.data)
            if r.status == 202:
                assert r.body == b'""' and c.kind == "none", (c.label, r.status)
                return
            msg = json.loads(r.body)
            assert r.status in (200, 400, 413), (c.label, r.status)
            if c.kind == "ok":
                assert r.status == 200
            if c.kind == "none":  # over HTTP a bad notification still gets an HTTP answer
                assert "error" in msg
                return
            if msg["id"] is None:
                nulls.append(msg)
            else:
                by_id[key(msg["id"])].append(msg)

        started = time.perf_counter()
        await asyncio.gather(*(one(c) for c in cases))
        return by_id, nulls, time.perf_counter() - started

    # msgspec's nesting limit follows the interpreter's recursion limit, which other tests of this
    # process may have raised: pin the default the server process has
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        by_id, nulls, elapsed = run(main())
    finally:
        sys.setrecursionlimit(limit)
    check(cases, by_id, nulls)
    print(f"\nHTTP app fuzz: {len(cases)} messages in {elapsed:.1f} s")
