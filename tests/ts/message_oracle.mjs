// decodeMessage on the cases of tests/message_oracle.py, in one process (driven by
// tests/test_decode_message_parity.py, which judges the answers against jsonschema).
//
//   node message_oracle.mjs OUT CASES RESULTS
//
// OUT: the compiled project (holds generated/typescript/*.js). CASES: JSON
// {pending: [[id, method], ...], cases: [text, ...]}. RESULTS: written as JSON, one entry per case:
// {kind, json} (accepted: the kind and JSON.stringify of the message) or {code, id, message}.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [out, casesFile, resultsFile] = process.argv.slice(2);
const sf = await import(pathToFileURL(join(out, "generated", "typescript", "index.js")).href);
const { pending, cases } = JSON.parse(readFileSync(casesFile, "utf8"));
const methods = new Map(pending);
const methodOf = (id) => methods.get(id);
const results = cases.map((text) => {
  try {
    const decoded = sf.decodeMessage(text, methodOf);
    return { kind: decoded.kind, json: JSON.stringify(decoded.message) };
  } catch (e) {
    if (!(e instanceof sf.MessageError)) return { code: null, id: null, message: `threw ${e}` };
    return { code: e.code, id: e.id, message: e.message };
  }
});
writeFileSync(resultsFile, JSON.stringify(results));
