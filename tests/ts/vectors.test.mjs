// The conformance vectors (tests/vectors/*.json, the files every language's suite reads) against
// the generated TypeScript module (compiled to JavaScript by tests/test_vectors_ts.py).
//
// * every valid vector of a protocol type is accepted by the type's validator (found by schema id
//   in TYPES_BY_SCHEMA_ID) and re-encodes (JSON.stringify of the parsed value) to the same JSON,
//   compared as JSON values with integers and fractions kept apart (`1` must stay `1`, `1.0` must
//   stay a fraction);
// * every invalid vector is rejected by both `is` and `validate`;
// * every valid message of messages.json decodes with decodeMessage (responses typed by the method
//   of their request) and re-encodes the same; every invalid one throws MessageError with its code.
//
// A vector TypeScript cannot honour is a known gap: listed, with its reason, in
// tests/test_vectors_ts.py, and it must still fail here (a gap that passes fails the test, like a
// strict xfail); a listed gap that matches no vector fails too.
//
// Environment (set by the pytest driver):
//   STEPFLOW_TS_OUT      the compiled project (holds generated/typescript/*.js)
//   STEPFLOW_VECTORS     the vector directory (default: tests/vectors beside this file)
//   STEPFLOW_TS_GAPS     JSON file: [{file, id, group, value, reason}] (default: none)

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

const OUT = process.env.STEPFLOW_TS_OUT;
assert.ok(OUT, "STEPFLOW_TS_OUT is not set (run these tests through tests/test_vectors_ts.py)");
const VECTORS = process.env.STEPFLOW_VECTORS ?? fileURLToPath(new URL("../vectors/", import.meta.url));
const sf = await import(pathToFileURL(join(OUT, "generated", "typescript", "index.js")).href);

// ------------------------------------------------------------------ strict JSON (lexemes kept)
//
// JSON.parse turns `1` and `1.0` into the same number, so the comparison reads JSON text itself:
// a tree whose numbers keep their lexeme, printed back with `toText`, compared with `canonical`
// (object keys sorted; an integer lexeme is `i<digits>`, exact, any length; a lexeme with a
// fraction or an exponent is `f<value>`).

function parseStrict(text) {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const value = () => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const entries = [];
      ws();
      if (text[i] === "}") {
        i++;
        return { t: "object", entries };
      }
      for (;;) {
        ws();
        const key = string();
        ws();
        assert.equal(text[i], ":", `':' expected at ${i}`);
        i++;
        entries.push([key, value()]);
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        assert.equal(text[i], "}", `'}' expected at ${i}`);
        i++;
        return { t: "object", entries };
      }
    }
    if (c === "[") {
      i++;
      const items = [];
      ws();
      if (text[i] === "]") {
        i++;
        return { t: "array", items };
      }
      for (;;) {
        items.push(value());
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        assert.equal(text[i], "]", `']' expected at ${i}`);
        i++;
        return { t: "array", items };
      }
    }
    if (c === '"') return { t: "string", v: string() };
    for (const [word, v] of [["true", true], ["false", false], ["null", null]]) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return { t: "scalar", v };
      }
    }
    const m = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    assert.ok(m, `a JSON value expected at ${i}: ${text.slice(i, i + 20)}`);
    i += m[0].length;
    return { t: "number", lexeme: m[0], integer: m[1] === undefined && m[2] === undefined };
  };
  const string = () => {
    assert.equal(text[i], '"', `'"' expected at ${i}`);
    let j = i + 1;
    while (text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
    const s = JSON.parse(text.slice(i, j + 1));
    i = j + 1;
    return s;
  };
  const out = value();
  ws();
  assert.equal(i, text.length, "trailing text after the JSON value");
  return out;
}

function toText(node) {
  switch (node.t) {
    case "object":
      return `{${node.entries.map(([k, v]) => `${JSON.stringify(k)}:${toText(v)}`).join(",")}}`;
    case "array":
      return `[${node.items.map(toText).join(",")}]`;
    case "string":
      return JSON.stringify(node.v);
    case "scalar":
      return String(node.v);
    case "number":
      return node.lexeme;
  }
  throw new Error(`unknown node ${node.t}`);
}

function canonical(node) {
  switch (node.t) {
    case "object": {
      const entries = [...node.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
    }
    case "array":
      return `[${node.items.map(canonical).join(",")}]`;
    case "number":
      return node.integer ? `i${BigInt(node.lexeme)}` : `f${Number(node.lexeme)}`;
    default:
      return toText(node);
  }
}

const member = (node, key) => node.entries.find(([k]) => k === key)?.[1];

// ------------------------------------------------------------------ known gaps

const GAPS = new Map();
if (process.env.STEPFLOW_TS_GAPS) {
  for (const gap of JSON.parse(readFileSync(process.env.STEPFLOW_TS_GAPS, "utf8"))) {
    GAPS.set(`${gap.file}|${gap.id}|${gap.group}|${canonical(parseStrict(gap.value))}`, gap.reason);
  }
}
const seenGaps = new Set();

/** Asserts `ok` (what conformance needs), or for a known gap that it still fails. */
function expect(file, id, group, node, ok, detail) {
  const key = `${file}|${id}|${group}|${canonical(node)}`;
  const gap = GAPS.get(key);
  if (gap === undefined) {
    assert.ok(ok, `${id} ${group} ${toText(node)}: ${detail()}`);
  } else {
    seenGaps.add(key);
    assert.ok(!ok, `known gap now passes, remove it from tests/test_vectors_ts.py: ${key} (${gap})`);
  }
}

// ------------------------------------------------------------------ type vectors

const typeFile = "protocol.vectors.json";
const typeDoc = parseStrict(readFileSync(join(VECTORS, typeFile), "utf8"));
const types = member(typeDoc, "types").items;

describe(`${typeFile}: every type's vectors`, () => {
  test("every vector type is in TYPES_BY_SCHEMA_ID", () => {
    const missing = types.map((t) => member(t, "id").v).filter((id) => !sf.TYPES_BY_SCHEMA_ID.has(id));
    assert.deepEqual(missing, []);
    assert.ok(types.length >= 40, `only ${types.length} types`);
  });

  for (const t of types) {
    const id = member(t, "id").v;
    test(`${member(t, "name").v} (${id})`, () => {
      const type = sf.TYPES_BY_SCHEMA_ID.get(id);
      assert.ok(type, `${id} is not in TYPES_BY_SCHEMA_ID`);
      for (const vector of member(t, "valid").items) {
        const value = JSON.parse(toText(vector)); // decode
        const problems = type.validate(value);
        const reencoded = JSON.stringify(value); // encode
        const same = canonical(parseStrict(reencoded)) === canonical(vector);
        expect(typeFile, id, "valid", vector, problems.length === 0 && type.is(value) && same, () =>
          problems.length ? `rejected: ${problems.join("; ")}` : `re-encoded as ${reencoded}`,
        );
      }
      for (const invalid of member(t, "invalid").items) {
        const vector = member(invalid, "value");
        const value = JSON.parse(toText(vector));
        const rejected = !type.is(value) && type.validate(value).length > 0;
        expect(typeFile, id, "invalid", vector, rejected, () => `accepted, but ${member(invalid, "why").v}`);
      }
    });
  }
});

// ------------------------------------------------------------------ message vectors

const messageDoc = parseStrict(readFileSync(join(VECTORS, "messages.json"), "utf8"));

describe("messages.json: real 0.9 capture messages and invalid messages", () => {
  test("every valid message decodes typed and re-encodes the same", () => {
    const valid = member(messageDoc, "valid").items;
    assert.ok(valid.length >= 30, `only ${valid.length} messages`);
    const pending = new Map();
    for (const m of valid) {
      const raw = member(m, "raw").v;
      const method = member(m, "method").v;
      let decoded;
      try {
        decoded = sf.decodeMessage(raw, (id) => pending.get(id));
      } catch (e) {
        expect("messages.json", "message", "valid", parseStrict(raw), false, () => `${e.code} ${e.message}`);
        continue;
      }
      if (decoded.kind === "request") pending.set(decoded.message.id, decoded.message.method);
      const typedAs =
        decoded.kind === "request" || decoded.kind === "notification" ? decoded.message.method : decoded.method;
      const reencoded = JSON.stringify(decoded.message);
      const same = canonical(parseStrict(reencoded)) === canonical(parseStrict(raw));
      const ok = same && decoded.kind !== "untypedResponse" && (decoded.kind === "error" || typedAs === method);
      expect("messages.json", "message", "valid", parseStrict(raw), ok, () => `${decoded.kind} ${typedAs}: ${reencoded}`);
    }
  });

  test("every invalid message is rejected with its code", () => {
    const invalid = member(messageDoc, "invalid").items;
    assert.ok(invalid.length >= 10);
    for (const m of invalid) {
      const raw = member(m, "raw").v;
      const code = Number(member(m, "code").lexeme);
      let error = null;
      try {
        sf.decodeMessage(raw);
      } catch (e) {
        error = e;
      }
      const ok = error instanceof sf.MessageError && error.code === code;
      expect("messages.json", "message", "invalid", parseStrict(raw), ok, () =>
        error ? `code ${error.code} (${error.message}), expected ${code}` : `accepted (${member(m, "why").v})`,
      );
    }
  });
});

test("every known gap matched a vector", () => {
  const stale = [...GAPS.keys()].filter((key) => !seenGaps.has(key));
  assert.deepEqual(stale, [], "gaps in tests/test_vectors_ts.py that no vector matches");
});
