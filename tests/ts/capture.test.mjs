// The generated TypeScript protocol module (compiled to JavaScript by tests/test_typescript.py)
// against the real StepFlow 0.9 wire capture and against hand-made bad messages.
//
// Environment (set by the pytest driver):
//   STEPFLOW_TS_OUT       the compiled scratch project (holds generated/typescript/*.js)
//   STEPFLOW_CAPTURE      shared/interop/0.9/capture.jsonl
//   STEPFLOW_TS_MESSAGES  JSON: the valid and invalid messages of tests/test_canonical_schemas.py,
//                         each with the verdict of the Python jsonschema oracle

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";

function env(name) {
  const value = process.env[name];
  assert.ok(value, `${name} is not set (run these tests through tests/test_typescript.py)`);
  return value;
}

const sf = await import(
  pathToFileURL(join(env("STEPFLOW_TS_OUT"), "generated", "typescript", "index.js")).href
);

function capturedMessages() {
  const path = env("STEPFLOW_CAPTURE");
  assert.ok(
    existsSync(path),
    `the real 0.9 capture is missing: ${path} (shared/ must sit beside the repository)`,
  );
  const out = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (!line.trim()) continue;
    const rec = JSON.parse(line);
    if (rec.channel !== "rpc" || !["request", "response", "sse_event"].includes(rec.kind)) continue;
    let raw = rec.raw ?? "";
    if (rec.kind === "sse_event") {
      const data = raw.split("\n").filter((l) => l.startsWith("data: "));
      assert.equal(data.length, 1, `seq ${rec.seq}: one data line expected`);
      raw = data[0].slice("data: ".length).trim();
    }
    if (raw === "" || raw === '""') continue; // 202 Accepted: not JSON-RPC
    out.push({ seq: rec.seq, from: rec.kind === "sse_event" ? "server" : rec.kind === "request" ? "post" : "reply", raw });
  }
  return out;
}

test("every captured message decodes, typed by its method, responses correlated by id", () => {
  const msgs = capturedMessages();
  assert.ok(msgs.length >= 37, `only ${msgs.length} messages in the capture`);
  const pending = new Map();
  const kinds = new Set();
  const methods = new Set();
  for (const { seq, from, raw } of msgs) {
    let decoded;
    try {
      decoded = sf.decodeMessage(raw, (id) => pending.get(id));
    } catch (e) {
      assert.fail(`seq ${seq}: ${e.message} ${JSON.stringify(e.problems ?? [])}\n${raw}`);
    }
    const value = JSON.parse(raw);
    assert.deepEqual(decoded.message, value, `seq ${seq}: the message is the parsed JSON, unchanged`);
    assert.ok(sf.isMessage(value), `seq ${seq}: not a Message: ${sf.validateMessage(value).join("; ")}`);
    assert.deepEqual(sf.validateMessage(value), []);
    kinds.add(decoded.kind);
    if (decoded.kind === "request" || decoded.kind === "notification") {
      const { method } = decoded.message;
      methods.add(method);
      const spec = sf.METHODS[method];
      assert.ok(spec.isParams(decoded.message.params), `seq ${seq}: params of ${method}`);
      // the runtime POSTs clientToServer methods; the server sends its calls as SSE events
      const expected = from === "server" ? "serverToClient" : "clientToServer";
      assert.ok([expected, "both"].includes(spec.direction), `seq ${seq}: ${method} travelled ${expected}`);
      if (decoded.kind === "request") {
        assert.ok(!pending.has(decoded.message.id), `seq ${seq}: duplicate id`);
        pending.set(decoded.message.id, method);
      }
    } else {
      assert.notEqual(decoded.kind, "untypedResponse", `seq ${seq}: response to an unknown request`);
      const method = pending.get(value.id);
      pending.delete(value.id);
      if (decoded.kind === "response") {
        assert.equal(decoded.method, method);
        assert.ok(sf.METHODS[method].isResult(value.result), `seq ${seq}: result of ${method}`);
      } else {
        assert.ok(sf.METHODS[method].errors.includes(value.error.code), `seq ${seq}: code ${value.error.code} not listed for ${method}`);
      }
    }
  }
  assert.equal(pending.size, 0, `requests never answered: ${[...pending.values()]}`);
  assert.deepEqual([...kinds].sort(), ["error", "notification", "request", "response"]);
  assert.deepEqual(
    [...methods].sort(),
    [
      "blobs/get",
      "blobs/put",
      "components/execute",
      "components/info",
      "components/list",
      "initialize",
      "initialized",
      "runs/get",
      "runs/submit",
    ],
  );
});

const E = { PARSE: -32700, REQUEST: -32600, METHOD: -32601, PARAMS: -32602 };
const EXECUTE = {
  jsonrpc: "2.0",
  id: "e1",
  method: "components/execute",
  params: { component: "/x", input: { a: 1 }, attempt: 1, observability: {} },
};
const PUT = { jsonrpc: "2.0", id: "p1", method: "blobs/put", params: { data: 1, blob_type: "data" } };
const INITIALIZED = { jsonrpc: "2.0", method: "initialized", params: {} };
const with_ = (base, patch) => ({ ...structuredClone(base), ...patch });
const params = (base, patch) => ({ ...structuredClone(base), params: { ...base.params, ...patch } });
const without = (base, key) => {
  const copy = structuredClone(base);
  delete copy[key];
  return copy;
};

// [name, message text, expected error code, method of the answered request]
const BAD = [
  ["not JSON", "{", E.PARSE],
  ["a batch", JSON.stringify([EXECUTE]), E.REQUEST],
  ["a string", '"x"', E.REQUEST],
  ["jsonrpc 1.0", JSON.stringify(with_(EXECUTE, { jsonrpc: "1.0" })), E.REQUEST],
  ["no jsonrpc", JSON.stringify(without(EXECUTE, "jsonrpc")), E.REQUEST],
  ["unknown envelope key", JSON.stringify(with_(EXECUTE, { extra: 1 })), E.REQUEST],
  ["id a float", JSON.stringify(with_(EXECUTE, { id: 1.5 })), E.REQUEST],
  ["id a boolean", JSON.stringify(with_(EXECUTE, { id: true })), E.REQUEST],
  ["id null on a request", JSON.stringify(with_(EXECUTE, { id: null })), E.REQUEST],
  ["method a number", JSON.stringify(with_(EXECUTE, { method: 1 })), E.REQUEST],
  ["unknown method", JSON.stringify(with_(EXECUTE, { method: "components/unknown" })), E.METHOD],
  ["inherited name as method", JSON.stringify(with_(EXECUTE, { method: "constructor" })), E.METHOD],
  ["request with a result", JSON.stringify(with_(EXECUTE, { result: {} })), E.REQUEST],
  ["notification with an id", JSON.stringify(with_(INITIALIZED, { id: 1 })), E.REQUEST],
  ["request without an id", JSON.stringify(without(EXECUTE, "id")), E.REQUEST],
  ["request without params", JSON.stringify(without(EXECUTE, "params")), E.PARAMS],
  ["params null", JSON.stringify(with_(EXECUTE, { params: null })), E.PARAMS],
  ["params an array", JSON.stringify(with_(EXECUTE, { params: [] })), E.PARAMS],
  ["attempt a string", JSON.stringify(params(EXECUTE, { attempt: "1" })), E.PARAMS],
  ["attempt fractional", JSON.stringify(params(EXECUTE, { attempt: 1.5 })), E.PARAMS],
  ["attempt above u32", JSON.stringify(params(EXECUTE, { attempt: 2 ** 32 })), E.PARAMS],
  ["unknown params key", JSON.stringify(params(EXECUTE, { extra: 1 })), E.PARAMS],
  ["observability key unknown", JSON.stringify(params(EXECUTE, { observability: { parent_id: "x" } })), E.PARAMS],
  ["blob_type binary", JSON.stringify(params(PUT, { blob_type: "binary" })), E.PARAMS],
  ["initialized with a key", JSON.stringify(params(INITIALIZED, { x: 1 })), E.PARAMS],
  ["response without id", JSON.stringify({ jsonrpc: "2.0", result: {} }), E.REQUEST],
  ["response with result and error", JSON.stringify({ jsonrpc: "2.0", id: 1, result: {}, error: { code: 1, message: "m" } }), E.REQUEST],
  ["error code a string", JSON.stringify({ jsonrpc: "2.0", id: 1, error: { code: "1", message: "m" } }), E.REQUEST],
  ["error code fractional", JSON.stringify({ jsonrpc: "2.0", id: 1, error: { code: 1.5, message: "m" } }), E.REQUEST],
  ["error without message", JSON.stringify({ jsonrpc: "2.0", id: 1, error: { code: 1 } }), E.REQUEST],
  ["error with unknown key", JSON.stringify({ jsonrpc: "2.0", id: 1, error: { code: 1, message: "m", retry: true } }), E.REQUEST],
  ["result of the wrong shape", JSON.stringify({ jsonrpc: "2.0", id: "i", result: { server_protocol_version: -1 } }), E.REQUEST, "initialize"],
  ["result missing output", JSON.stringify({ jsonrpc: "2.0", id: "i", result: {} }), E.REQUEST, "components/execute"],
];

test("bad messages are rejected with the right code and id", () => {
  assert.ok(BAD.length >= 30);
  for (const [name, text, code, method] of BAD) {
    assert.throws(
      () => sf.decodeMessage(text, () => method),
      (e) => {
        assert.ok(e instanceof sf.MessageError, `${name}: ${e}`);
        assert.equal(e.code, code, `${name}: code ${e.code} (${e.message})`);
        const answer = e.toResponse();
        assert.equal(answer.jsonrpc, "2.0");
        assert.equal(answer.error.code, code);
        return true;
      },
      name,
    );
  }
  // the id of a bad request is kept for the answer when it can be read
  try {
    sf.decodeMessage(JSON.stringify(params(EXECUTE, { attempt: "1" })));
    assert.fail("accepted");
  } catch (e) {
    assert.equal(e.id, "e1");
    assert.ok(e.problems.some((p) => p.startsWith("#/attempt: ")), e.problems.join("; "));
  }
});

test("the validators agree with jsonschema on the canonical valid and invalid messages", () => {
  const cases = JSON.parse(readFileSync(env("STEPFLOW_TS_MESSAGES"), "utf8"));
  assert.ok(cases.length >= 60);
  const disagreements = [];
  for (const { name, message, method, valid } of cases) {
    let ours = true;
    let why = "";
    try {
      const decoded = sf.checkMessage(message, () => method ?? undefined);
      // the method table lists the codes each request may answer with
      if (decoded.kind === "error" && method) {
        ours = sf.METHODS[method].errors.includes(message.error.code);
        why = "code not listed";
      }
      if (decoded.kind === "untypedResponse") {
        ours = false;
        why = "untyped";
      }
    } catch (e) {
      ours = false;
      why = e.message;
    }
    // the schema's root Message type (the envelope alone) must accept every valid message
    if (valid) assert.ok(sf.isMessage(message), `${name}: ${sf.validateMessage(message).join("; ")}`);
    if (ours !== valid) disagreements.push(`${name}: jsonschema says ${valid}, TypeScript ${ours} (${why})`);
  }
  assert.deepEqual(disagreements, []);
});
