// Method names that are also properties of every JavaScript object (`__proto__`, `constructor`)
// and method params/results that are not named types (see render_edge in tests/test_typescript.py).

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";

const out = process.env.STEPFLOW_TS_OUT;
assert.ok(out, "run these tests through tests/test_typescript.py");
const load = (name) => import(pathToFileURL(join(out, "fixtures", name, "index.js")).href);
const edge = await load("edge");
const inline = await load("inline");

test("inherited names are methods only when the table says so", () => {
  for (const sf of [edge, inline]) {
    assert.deepEqual(Object.keys(sf.METHODS), ["__proto__", "constructor", "ns/toString"]);
    assert.equal(Object.getPrototypeOf(sf.METHODS), Object.prototype);
    assert.equal(sf.isMethodName("__proto__"), true);
    assert.equal(sf.isMethodName("toString"), false);
    assert.equal(sf.isMethodName("hasOwnProperty"), false);
    const d = sf.checkMessage({ jsonrpc: "2.0", id: 1, method: "__proto__", params: { a: true } });
    assert.equal(d.kind, "request");
    assert.throws(
      () => sf.checkMessage({ jsonrpc: "2.0", id: 1, method: "toString", params: {} }),
      (e) => e.code === -32601,
    );
    assert.throws(
      () => sf.checkMessage({ jsonrpc: "2.0", id: 1, method: "__proto__", params: { a: 1 } }),
      (e) => e.code === -32602,
    );
    const r = sf.checkMessage({ jsonrpc: "2.0", id: 1, result: 3 }, () => "constructor");
    assert.equal(r.kind, "response");
    assert.throws(
      () => sf.checkMessage({ jsonrpc: "2.0", id: 1, result: -1 }, () => "constructor"),
      (e) => e.code === -32600,
    );
  }
});

test("inline params and results get named types and validators", () => {
  assert.equal(inline.isProtoParams({ a: true, b: false }), true);
  assert.equal(inline.isProtoParams({ a: "yes" }), false);
  assert.equal(inline.isProtoResult([{ n: 1 }]), true);
  assert.equal(inline.isProtoResult([{ n: 1.5 }]), false);
  assert.equal(inline.isConstructorResult(0), true);
  assert.equal(inline.isConstructorResult(-1), false);
  assert.equal(Object.getOwnPropertyDescriptor(inline.METHODS, "__proto__").value.isParams, inline.isProtoParams);
});
