// The generated validators of every golden fixture against the Python jsonschema library, on the
// valid/invalid instance tables of tests/test_python_features.py (dumped to JSON by the pytest
// driver, each instance with jsonschema's verdict).
//
// Environment (set by tests/test_typescript.py):
//   STEPFLOW_TS_OUT    the compiled scratch project (holds fixtures/<name>/*.js)
//   STEPFLOW_TS_CASES  JSON: [{fixture, type, label, instance, valid, gap}]; `gap` names a known
//                      difference (the test then requires the difference, like a strict xfail)

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";

const out = process.env.STEPFLOW_TS_OUT;
const casesFile = process.env.STEPFLOW_TS_CASES;
assert.ok(out && casesFile, "run these tests through tests/test_typescript.py");
const cases = JSON.parse(readFileSync(casesFile, "utf8"));

const modules = new Map();
for (const fixture of new Set(cases.map((c) => c.fixture))) {
  const url = pathToFileURL(join(out, "fixtures", fixture, "validators.js")).href;
  modules.set(fixture, await import(url));
}

test("the validators agree with jsonschema on every case", () => {
  assert.ok(cases.length >= 400, `only ${cases.length} cases`);
  const wrong = [];
  const fixedGaps = [];
  for (const c of cases) {
    const mod = modules.get(c.fixture);
    const is = mod[`is${c.type}`];
    const validate = mod[`validate${c.type}`];
    assert.equal(typeof is, "function", `${c.fixture}: no is${c.type}`);
    const accepted = is(c.instance);
    const problems = validate(c.instance);
    // the guard and the error list agree
    assert.equal(problems.length === 0, accepted, `${c.label}: is${c.type} says ${accepted}, validate says ${JSON.stringify(problems)}`);
    for (const p of problems) assert.match(p, /^( +variant \d+: )*#(\/[^:]*)?: /, `${c.label}: ${p}`);
    if (c.gap) {
      if (accepted === c.valid) fixedGaps.push(`${c.label}: ${c.gap}`);
    } else if (accepted !== c.valid) {
      wrong.push(`${c.label}: jsonschema says ${c.valid}, TypeScript says ${accepted} ${JSON.stringify(problems)} for ${JSON.stringify(c.instance)}`);
    }
  }
  assert.deepEqual(wrong, []);
  assert.deepEqual(fixedGaps, [], "a known gap is fixed: remove it from TS_GAPS in tests/test_typescript.py");
});

test("error messages carry JSON pointers into the value and the keyword", () => {
  const f = modules.get("features");
  assert.deepEqual(f.validateClosed({ a: "x", c: 1 }), ["#/c: unexpected property (additionalProperties)"]);
  assert.deepEqual(f.validateClosed({}), ['#: missing required property "a" (required)']);
  assert.deepEqual(f.validateTree({ value: 1, children: [{ value: "2" }] }), ["#/children/0/value: expected an integer (type)"]);
  assert.deepEqual(f.validateLimits({ code: "abcde" }), [
    "#/code: must be at most 4 characters long (maxLength)",
    '#/code: does not match the pattern "^[A-Z]+$" (pattern)',
  ]);
  assert.deepEqual(f.validateFeatures({ map: { "a/b~c": "x" } }), ["#/map/a~1b~0c: expected an integer (type)"]);
  const shape = f.validateShape({ kind: "hexagon" });
  assert.equal(shape[0], "#: matches none of the 2 variants (oneOf)");
  assert.ok(shape.includes('  variant 1: #/kind: expected "circle" (const)'), shape.join("\n"));
  const contact = f.validateContact({ email: "e", phone: "p" });
  assert.equal(contact[0], "#: matches none of the 2 variants (oneOf)");
});

test("lengths count code points, patterns use Unicode mode", () => {
  const f = modules.get("features");
  // "AB" in mathematical bold is 2 code points but 4 UTF-16 units; the pattern ^[A-Z]+$ rejects it
  assert.deepEqual(f.validateLimits({ code: "\u{1D400}\u{1D401}" }), ['#/code: does not match the pattern "^[A-Z]+$" (pattern)']);
  const d = modules.get("draft07");
  // maxLength 3, pattern "o": four astral characters are too long, three are not
  assert.equal(d.isLimits({ word: "o\u{1F600}\u{1F600}" }), true);
  assert.equal(d.isLimits({ word: "o\u{1F600}\u{1F600}\u{1F600}" }), false);
});

test("recursion: a tree 50 levels deep", () => {
  const f = modules.get("features");
  let node = { value: 50 };
  for (let i = 49; i > 0; i--) node = { value: i, children: [node, { value: -i }] };
  assert.equal(f.isTree(node), true);
  let inner = node;
  for (let i = 0; i < 48; i++) inner = inner.children[0];
  inner.children[0].value = "fifty";
  assert.equal(f.isTree(node), false);
  assert.equal(f.validateTree(node).length, 1);
});

test("deep values: a clean depth problem, never a stack overflow", () => {
  const f = modules.get("features");
  let node = { value: 0 };
  for (let i = 1; i < 5000; i++) node = { value: i, children: [node] };
  assert.equal(f.isTree(node), false);
  const problems = f.validateTree(node);
  assert.equal(problems.length, 1);
  assert.match(problems[0], /levels deep \(depth\)$/);
  let deep = [];
  for (let i = 0; i < 100000; i++) deep = [deep];
  assert.equal(typeof f.isFeaturesJsonValue(deep), "boolean");
  const cyclic = { a: 1 };
  cyclic.self = cyclic;
  assert.equal(f.isFeaturesJsonValue(cyclic), false, "a cycle is not JSON");
});

test("multipleOf is exact for decimals", async () => {
  const rt = await import(pathToFileURL(join(out, "fixtures", "features", "runtime.js")).href);
  for (const [x, m, want] of [
    [0.0075, 0.0001, true],
    [0.3, 0.1, true],
    [0.35, 0.1, false],
    [19.99, 0.01, true],
    [1e-7, 1e-8, true],
    [1e308, 1e-308, true],
    [2 ** 53 + 2, 2, true],
    [7, 2, false],
    [-4.5, 1.5, true],
    [0, 0.3, true],
  ]) {
    assert.equal(rt.isMultiple(x, m), want, `${x} multipleOf ${m}`);
  }
});

test("inherited property names are not properties", () => {
  const c = modules.get("collisions");
  assert.equal(c.isProps(JSON.parse('{"class": "c", "fooBar": 1, "__proto__": 1}')), false);
  assert.equal(c.isOpenProps(JSON.parse('{"fooBar": 1, "__proto__": {"x": 1}, "constructor": 2}')), true);
  assert.equal(c.isClass({}), true);
  assert.equal(c.isClass(Object.create({ class: 1 })), true);
  assert.equal(c.isProps({ fooBar: 1 }), false, "class is required and only inherited here");
});

test("values that are not JSON are rejected", () => {
  const f = modules.get("features");
  for (const v of [undefined, NaN, Infinity, () => 1, 1n, Symbol("x")]) {
    assert.equal(f.isFeaturesJsonValue(v), false, String(v));
    assert.equal(f.isFeatures({ amount: v }), false, String(v));
  }
  assert.equal(f.isFeaturesJsonValue([1, { a: [undefined] }]), false);
});
