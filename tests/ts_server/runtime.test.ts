// Unit tests of the server runtime (templates/typescript/runtime/*.ts) as TypeScript: compiled with
// the test project by tests/test_ts_server.py and run with `node --test out/runtime.test.js`.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Server } from "node:http";
import { decode, prefixId, tooDeep, ConnectionLost } from "./generated/rpc.js";
import { LinePeer } from "./generated/stdio.js";
import { INSTANCE_ID, serveHttp } from "./generated/http.js";
import { StepflowServer, StepflowError } from "./generated/server.js";
import { createServer } from "./generated/components.js";
import * as impl from "./impl.js";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const none = (): undefined => undefined;

test("prefixId reads the id at the start only", () => {
  assert.deepEqual(prefixId(enc('{"jsonrpc":"2.0","id":"x-1","method":')), {
    id: "x-1",
    idText: '"x-1"',
  });
  assert.deepEqual(prefixId(enc(' { "method" : "m", "id" : -12 , ')), {
    id: -12,
    idText: "-12",
  });
  assert.deepEqual(prefixId(enc('{"id":4611686018427387905,')), {
    id: 4611686018427387905,
    idText: "4611686018427387905",
  });
  assert.equal(prefixId(enc('{"params":{},"id":1}')), null);
  assert.equal(prefixId(enc('{"id":9223372036854775808,')), null); // beyond int64
  assert.equal(prefixId(enc('{"id":1.5,')), null);
  assert.equal(
    prefixId(new Uint8Array([...enc('{"id":"'), 0xff, ...enc('",')])),
    null,
  );
});

test("tooDeep counts nesting outside strings", () => {
  assert.equal(tooDeep("[".repeat(1000) + "]".repeat(1000)), false);
  assert.equal(tooDeep("[".repeat(1001) + "]".repeat(1001)), true);
  assert.equal(tooDeep(`["${"[".repeat(5000)}"]`), false);
  assert.equal(tooDeep(`["\\"${"{".repeat(3000)}"]`), false);
});

test("decode keeps big integer ids exact, reads 1.0 as 1 and refuses 1.5", () => {
  const big = decode(
    enc(
      '{"jsonrpc":"2.0","id":4611686018427387905,"method":"components/list","params":{}}',
    ),
    none,
  );
  assert.equal(big.kind, "request");
  assert.equal(big.kind === "request" && big.idText, "4611686018427387905");
  const integral = decode(
    enc('{"jsonrpc":"2.0","id":1.0,"method":"components/list","params":{}}'),
    none,
  );
  assert.deepEqual(
    integral.kind === "request" && [integral.id, integral.idText],
    [1, "1"],
  );
  const exponent = decode(
    enc('{"jsonrpc":"2.0","id":1e3,"method":"components/list","params":{}}'),
    none,
  );
  assert.equal(exponent.kind === "request" && exponent.idText, "1000");
  const frac = decode(
    enc('{"jsonrpc":"2.0","id":1.5,"method":"components/list","params":{}}'),
    none,
  );
  assert.deepEqual(frac.kind === "invalid" && [frac.code, frac.id], [
    -32600,
    null,
  ]);
  const note = decode(enc('{"jsonrpc":"2.0","method":"initialized"}'), none);
  assert.deepEqual(note.kind === "invalid" && [note.code, note.claimed], [
    -32602,
    "notification",
  ]);
  const utf = decode(
    new Uint8Array([
      ...enc('{"jsonrpc":"2.0","id":7,"method":"x","params":"'),
      0xc3,
      0x28,
      ...enc('"}'),
    ]),
    none,
  );
  assert.deepEqual(utf.kind === "invalid" && [utf.code, utf.idText], [
    -32700,
    "7",
  ]);
  const deep = decode(
    enc(
      '{"jsonrpc":"2.0","id":"d","params":' +
        "[".repeat(2000) +
        "]".repeat(2000) +
        "}",
    ),
    none,
  );
  assert.deepEqual(deep.kind === "invalid" && [deep.code, deep.idText], [
    -32600,
    '"d"',
  ]);
});

/** A LinePeer over an array of input chunks; returns the lines it wrote. */
async function lines(
  server: StepflowServer,
  chunks: (string | Uint8Array)[],
  maxMessage = 1024,
): Promise<unknown[]> {
  let written = "";
  const peer = new LinePeer(server.handle, (t) => (written += t), maxMessage);
  async function* input(): AsyncGenerator<string | Uint8Array> {
    for (const c of chunks) {
      yield c;
      await new Promise((r) => setImmediate(r));
    }
  }
  await peer.run(input());
  return written
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as unknown);
}

test("STDIO framing: split messages, CRLF, blank lines, oversized lines in pieces", async () => {
  const server = createServer(impl, { log: () => {} });
  const req = (id: number): string =>
    JSON.stringify({
      jsonrpc: "2.0",
      id,
      method: "components/execute",
      params: { component: "/echo", input: id, attempt: 1, observability: {} },
    });
  const one = req(1);
  const huge = `{"jsonrpc":"2.0","id":3,"method":"components/execute","params":{"component":"/echo","input":"${"p".repeat(3000)}"`;
  const out = await lines(server, [
    one.slice(0, 10),
    one.slice(10) + "\r\n  \n",
    req(2) + "\n" + huge.slice(0, 500),
    huge.slice(500),
    ',"attempt":1,"observability":{}}}\n',
    req(4),
  ]);
  const byId = new Map(out.map((m) => [(m as { id: unknown }).id, m]));
  assert.deepEqual(byId.get(1), {
    jsonrpc: "2.0",
    id: 1,
    result: { output: 1 },
  });
  assert.deepEqual(byId.get(2), {
    jsonrpc: "2.0",
    id: 2,
    result: { output: 2 },
  });
  const over = byId.get(3) as { error: { code: number; message: string } };
  assert.equal(over.error.code, -32600);
  assert.match(
    over.error.message,
    /^Invalid message: \d+ bytes is more than the limit of 1024 bytes$/,
  );
  assert.deepEqual(byId.get(4), {
    jsonrpc: "2.0",
    id: 4,
    result: { output: 4 },
  }); // no final newline
  assert.equal(out.length, 4);
});

test("callbacks carry the execute's observability; EOF fails the waiting ones", async () => {
  const server = new StepflowServer({ log: () => {} });
  let seen: unknown;
  server.component<unknown, unknown>("store", {
    execute: async (input, ctx) => {
      try {
        return await ctx.putBlob(input as string);
      } catch (e) {
        seen = e;
        throw new StepflowError(-32050, "stopped", {
          lost: e instanceof ConnectionLost,
        });
      }
    },
  });
  const obs = { trace_id: "t", step_id: "s" };
  const exec = JSON.stringify({
    jsonrpc: "2.0",
    id: "e",
    method: "components/execute",
    params: { component: "store", input: "v", attempt: 2, observability: obs },
  });
  const out = await lines(server, [exec + "\n"]);
  const [callback, answer] = out as [
    { method: string; params: unknown },
    { error: unknown },
  ];
  assert.equal(callback.method, "blobs/put");
  assert.deepEqual(callback.params, {
    data: "v",
    blob_type: "data",
    observability: obs,
  });
  assert.ok(seen instanceof ConnectionLost);
  assert.deepEqual(answer.error, {
    code: -32050,
    message: "stopped",
    data: { lost: true },
  });
});

test("HTTP: statuses, SSE on the first callback, the answer POSTed with the instance id", async () => {
  const server = createServer(impl, { log: () => {} });
  let listening: Server | undefined;
  const done = serveHttp(server.handle, {
    announce: false,
    onListening: (s) => {
      listening = s;
    },
  });
  while (listening === undefined) await new Promise((r) => setTimeout(r, 5));
  const address = listening.address();
  assert.ok(typeof address === "object" && address !== null);
  const url = `http://127.0.0.1:${address.port}/`;
  const post = (
    body: string,
    headers: { [k: string]: string } = {},
  ): Promise<Response> =>
    fetch(url, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", ...headers },
    });
  try {
    assert.equal((await fetch(url + "health")).status, 200);
    assert.equal((await fetch(url + "nope")).status, 404);
    assert.equal((await fetch(url)).status, 405);
    assert.equal(
      (await post("{}", { "content-type": "text/plain" })).status,
      415,
    );
    assert.equal(
      (await post('{"jsonrpc":"2.0","id":"z","result":1}')).status,
      400,
    );
    const big = await post(
      `{"jsonrpc":"2.0","id":"b","method":"x","params":"${"x".repeat(17 * 1024 * 1024)}"}`,
    );
    assert.equal(big.status, 413);
    assert.equal(((await big.json()) as { id: unknown }).id, "b");

    const value = {
      greeting: "Hello World",
      name: "Ada Lovelace",
      count: 3,
      ok: true,
    };
    const res = await post(
      JSON.stringify({
        jsonrpc: "2.0",
        id: "x1",
        method: "components/execute",
        params: {
          component: "/put_blob",
          input: { value },
          attempt: 1,
          observability: {},
        },
      }),
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/event-stream");
    assert.equal(res.headers.get("stepflow-instance-id"), INSTANCE_ID);
    assert.ok(res.body !== null);
    const reader = res.body.getReader();
    let text = "";
    while (!text.includes("\n\n")) {
      const chunk = await reader.read();
      assert.equal(chunk.done, false);
      text += new TextDecoder().decode(chunk.value);
    }
    assert.ok(text.startsWith("data: "));
    const callback = JSON.parse(text.slice(6, text.indexOf("\n\n"))) as {
      id: string;
      method: string;
    };
    assert.equal(callback.method, "blobs/put");
    const id =
      "4d6da75bd9d52dee3dc0486fe2ff9103db155e63f95b89fad06d0d44a2f70d8e";
    const answered = await post(
      JSON.stringify({
        jsonrpc: "2.0",
        id: callback.id,
        result: { blob_id: id },
      }),
      { "stepflow-instance-id": INSTANCE_ID },
    );
    assert.equal(answered.status, 202);
    assert.equal(await answered.text(), '""');
    text = text.slice(text.indexOf("\n\n") + 2);
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
    assert.equal(
      text,
      `data: {"jsonrpc":"2.0","id":"x1","result":{"output":{"blob_id":"${id}"}}}\n\n`,
    );
  } finally {
    process.emit("SIGTERM");
    await done;
  }
});
