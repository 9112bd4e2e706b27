// The generated TypeScript component server serving bench/bench_rpc.py's /title_case (the same
// function as bench/rpc_ours.py and stepflow-py's tests/interop/components_sf0{7,9}.py):
//   node main.js --stdio | --http --port 0
// bench_rpc.py generates generated/ (schemas/ + bench/servers/schemas/) into a scratch copy and
// compiles it with tsc (tests/ts-server's pinned TypeScript and Node types).
import { createServer } from "./generated/components.js";
import type { TitleCaseInput, TitleCaseOutput } from "./generated/types.js";
import type { JsonValue } from "./generated/types.js";

/** Title-case every string value (other values pass through), as Python's `str.title()`. */
export function title_case(input: TitleCaseInput): TitleCaseOutput {
  const values: { [key: string]: JsonValue } = {};
  let changed = 0;
  for (const [k, v] of Object.entries(input.values)) {
    if (typeof v === "string") {
      const t = v.replace(
        /(^|[^\p{L}])(\p{L})(\p{L}*)/gu,
        (_m, pre: string, first: string, rest: string) =>
          pre + first.toUpperCase() + rest.toLowerCase(),
      );
      values[k] = t;
      changed += t === v ? 0 : 1;
    } else {
      values[k] = v;
    }
  }
  return { values, changed };
}

await createServer({ title_case }).main(process.argv.slice(2));
