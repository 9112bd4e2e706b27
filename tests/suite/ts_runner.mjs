// Run JSON documents through generated TypeScript validators (one node process for all units).
//
//   node ts_runner.mjs COMPILED_DIR MANIFEST RESULTS
//
// MANIFEST: [{"i", "dir", "documents": [[type id | null, json text]]}]; each unit's compiled
// module is COMPILED_DIR/<dir>/index.js, a document's type TYPES_BY_SCHEMA_ID.get(id).  A document is accepted when
// `is` is true and `validate` reports nothing, rejected when `is` is false and `validate` reports
// something; anything else (they disagree, or a check throws) counts as not accepted, with the
// reason.  The accepted value re-encodes with JSON.stringify.  RESULTS gets one JSON line per unit.
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [folder, manifestPath, resultsPath] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
writeFileSync(resultsPath, "");
for (const entry of manifest) {
  let line;
  try {
    const mod = await import(pathToFileURL(join(folder, entry.dir, "index.js")).href);
    const results = entry.documents.map(([id, text]) => {
      const type = id === null ? undefined : mod.TYPES_BY_SCHEMA_ID?.get(id);
      if (!type) return { ok: false, missing: `typescript: ${id} is not in TYPES_BY_SCHEMA_ID` };
      try {
        const value = JSON.parse(text);
        const is = type.is(value);
        const problems = type.validate(value);
        if (is && problems.length === 0) return { ok: true, out: JSON.stringify(value) };
        if (!is && problems.length > 0) return { ok: false, err: JSON.stringify(problems[0]).slice(0, 300) };
        return { ok: false, err: `is() says ${is} but validate() reports ${problems.length} problem(s)`, crash: true };
      } catch (e) {
        return { ok: false, err: `threw: ${String(e).slice(0, 300)}`, crash: true };
      }
    });
    line = { i: entry.i, results };
  } catch (e) {
    line = { i: entry.i, unit_error: `typescript: import failed: ${String(e).split("\n")[0].slice(0, 300)}` };
  }
  appendFileSync(resultsPath, JSON.stringify(line) + "\n");
}
