// The test components of tests/test_ts_server.py, written against the generated
// generated/components.ts (the author's file: never generated).
import { StepflowError, type StepflowContext } from "./generated/components.js";
import type {
  Anything,
  GetBlobInput,
  GetBlobOutput,
  PutBlobInput,
  PutBlobOutput,
  SleepInput,
  TitleCaseInput,
  TitleCaseOutput,
} from "./generated/component_types.js";

export function echo(input: Anything): Anything {
  return input;
}

export function title_case(input: TitleCaseInput): TitleCaseOutput {
  const values: { [key: string]: string } = {};
  let changed = 0;
  for (const [k, v] of Object.entries(input.values)) {
    // as Python's str.title(): a letter after a non-letter starts a word
    const t = v.replace(
      /(^|[^\p{L}])(\p{L})(\p{L}*)/gu,
      (_m, pre: string, first: string, rest: string) =>
        pre + first.toUpperCase() + rest.toLowerCase(),
    );
    values[k] = t;
    changed += t === v ? 0 : 1;
  }
  return { values, changed };
}

export async function put_blob(
  input: PutBlobInput,
  context: StepflowContext,
): Promise<PutBlobOutput> {
  console.log("a stray print must not reach the protocol stream");
  return { blob_id: await context.putBlob(input.value) };
}

export async function get_blob(
  input: GetBlobInput,
  context: StepflowContext,
): Promise<GetBlobOutput> {
  return { value: await context.getBlob(input.blob_id) };
}

export function fail(_input: Anything): Anything {
  throw new Error("deliberate failure");
}

export function fail_custom(_input: Anything): Anything {
  throw new StepflowError(-32050, "custom failure", { hint: "send values" });
}

export async function sleep(input: SleepInput): Promise<Anything> {
  await new Promise((resolve) => setTimeout(resolve, input.ms));
  return { slept: input.ms };
}
