/**
 * The checks behind the generated validators: small combinators that accept exactly what JSON
 * Schema accepts for the keywords the generator carries. Values are JSON data (what JSON.parse
 * returns). No dependencies; this file does not depend on the schemas.
 */

/** Where messages go; `null` when only a yes/no answer is wanted (checks stop at the first problem). */
export type Errors = string[] | null;

/** A check of the value `v` found at JSON pointer `path`; failures are appended to `errors`. */
export type Check = (v: unknown, path: string, errors: Errors) => boolean;

/** A scalar JSON value (the values of `const`, `enum` and tags). */
export type Scalar = string | number | boolean | null;

/** A property of an object check: its name, whether it is required, and its check. */
export type Property = readonly [name: string, required: boolean, check: Check];

export interface NumberConstraints {
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
}

export interface StringConstraints {
  minLength?: number;
  maxLength?: number;
  pattern?: string;
}

export interface ArrayConstraints {
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
}

export interface ObjectConstraints {
  minProperties?: number;
  maxProperties?: number;
}

const hasOwnProperty = Object.prototype.hasOwnProperty;

/** Whether `o` has its own property `key` (never inherited ones such as `constructor`). */
export function hasOwn(o: object, key: string): boolean {
  return hasOwnProperty.call(o, key);
}

/** Records a failure (when messages are wanted) and returns false. */
export function fail(errors: Errors, path: string, message: string): false {
  if (errors !== null) {
    errors.push(`#${path}: ${message}`);
  }
  return false;
}

/** The JSON pointer of `key` inside the value at `path`. */
export function pointer(path: string, key: string | number): string {
  return `${path}/${String(key).replace(/~/g, "~0").replace(/\//g, "~1")}`;
}

/** Whether `v` is a JSON object (not null, not an array). */
export function isObject(v: unknown): v is { [key: string]: unknown } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The number of Unicode code points of `s` (JSON Schema's string length; a lone surrogate counts as one). */
export function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
      }
    }
    n++;
  }
  return n;
}

/** JSON equality: numbers by value, objects regardless of key order, `true` is not `1`. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) {
    return true;
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) {
      return false;
    }
    for (let i = 0; i < a.length; i++) {
      if (!deepEqual(a[i], b[i])) {
        return false;
      }
    }
    return true;
  }
  if (!isObject(a) || !isObject(b)) {
    return false;
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) {
    return false;
  }
  for (const key of keys) {
    if (!hasOwn(b, key) || !deepEqual(a[key], b[key])) {
      return false;
    }
  }
  return true;
}

/** Whether `v` is JSON data: null, a boolean, a finite number, a string, or arrays and objects of them. */
export function isJson(v: unknown): boolean {
  switch (typeof v) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(v);
    case "object":
      if (v === null) {
        return true;
      }
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          if (!isJson(v[i])) {
            return false;
          }
        }
        return true;
      }
      for (const key of Object.keys(v)) {
        if (!isJson((v as { [key: string]: unknown })[key])) {
          return false;
        }
      }
      return true;
    default:
      return false;
  }
}

const patterns = new Map<string, RegExp | null>();

/**
 * Whether `s` matches the JSON Schema pattern `pattern` (ECMA-262, not anchored, Unicode mode;
 * patterns that only compile without the `u` flag are used without it). `undefined` when the
 * pattern is not a regular expression at all.
 */
export function matches(pattern: string, s: string): boolean | undefined {
  let re = patterns.get(pattern);
  if (re === undefined) {
    re = compile(pattern);
    patterns.set(pattern, re);
  }
  return re === null ? undefined : re.test(s);
}

function compile(pattern: string): RegExp | null {
  for (const flags of ["u", ""]) {
    try {
      return new RegExp(pattern, flags);
    } catch {
      // try the next flags
    }
  }
  return null;
}

function checkPattern(
  pattern: string,
  s: string,
  path: string,
  errors: Errors,
): boolean {
  const result = matches(pattern, s);
  if (result === undefined) {
    return fail(
      errors,
      path,
      `the schema's pattern ${JSON.stringify(pattern)} is not a valid regular expression`,
    );
  }
  return (
    result ||
    fail(errors, path, `does not match the pattern ${JSON.stringify(pattern)}`)
  );
}

function isMultipleOf(v: number, m: number): boolean {
  if (Number.isInteger(v) && Number.isInteger(m)) {
    return v % m === 0;
  }
  const q = v / m;
  return Number.isFinite(q) && Number.isInteger(q);
}

function bounds(
  v: number,
  c: NumberConstraints,
  path: string,
  errors: Errors,
): boolean {
  let ok = true;
  if (c.minimum !== undefined && v < c.minimum) {
    ok = fail(errors, path, `must be >= ${c.minimum}`);
  }
  if (c.maximum !== undefined && v > c.maximum) {
    ok = fail(errors, path, `must be <= ${c.maximum}`);
  }
  if (c.exclusiveMinimum !== undefined && v <= c.exclusiveMinimum) {
    ok = fail(errors, path, `must be > ${c.exclusiveMinimum}`);
  }
  if (c.exclusiveMaximum !== undefined && v >= c.exclusiveMaximum) {
    ok = fail(errors, path, `must be < ${c.exclusiveMaximum}`);
  }
  if (c.multipleOf !== undefined && !isMultipleOf(v, c.multipleOf)) {
    ok = fail(errors, path, `must be a multiple of ${c.multipleOf}`);
  }
  return ok;
}

function counts(
  v: unknown[],
  c: ArrayConstraints,
  path: string,
  errors: Errors,
): boolean {
  let ok = true;
  if (c.minItems !== undefined && v.length < c.minItems) {
    ok = fail(errors, path, `must have at least ${c.minItems} items`);
  }
  if (c.maxItems !== undefined && v.length > c.maxItems) {
    ok = fail(errors, path, `must have at most ${c.maxItems} items`);
  }
  if (c.uniqueItems === true && !unique(v)) {
    ok = fail(errors, path, "must not contain equal items");
  }
  return ok;
}

function unique(v: unknown[]): boolean {
  if (v.every((x) => typeof x !== "object" || x === null)) {
    return new Set(v).size === v.length;
  }
  for (let i = 0; i < v.length; i++) {
    for (let j = i + 1; j < v.length; j++) {
      if (deepEqual(v[i], v[j])) {
        return false;
      }
    }
  }
  return true;
}

function describe(values: readonly Scalar[]): string {
  return values.map((x) => JSON.stringify(x)).join(", ");
}

/** Any JSON value. */
export const json: Check = (v, path, errors) =>
  isJson(v) || fail(errors, path, "expected a JSON value");

/** `null`. */
export const nul: Check = (v, path, errors) =>
  v === null || fail(errors, path, "expected null");

/** `true` or `false`. */
export const bool: Check = (v, path, errors) =>
  typeof v === "boolean" || fail(errors, path, "expected a boolean");

/** A number (an integer or not). */
export function number(c: NumberConstraints = {}): Check {
  return (v, path, errors) => {
    if (typeof v !== "number" || !Number.isFinite(v)) {
      return fail(errors, path, "expected a number");
    }
    return bounds(v, c, path, errors);
  };
}

/** An integer: a number with no fractional part (JSON Schema counts `1.0` as an integer). */
export function integer(c: NumberConstraints = {}): Check {
  return (v, path, errors) => {
    if (typeof v !== "number" || !Number.isInteger(v)) {
      return fail(errors, path, "expected an integer");
    }
    return bounds(v, c, path, errors);
  };
}

/** A string; lengths count code points. */
export function string(c: StringConstraints = {}): Check {
  return (v, path, errors) => {
    if (typeof v !== "string") {
      return fail(errors, path, "expected a string");
    }
    let ok = true;
    if (c.minLength !== undefined || c.maxLength !== undefined) {
      const n = codePointLength(v);
      if (c.minLength !== undefined && n < c.minLength) {
        ok = fail(
          errors,
          path,
          `must be at least ${c.minLength} characters long`,
        );
      }
      if (c.maxLength !== undefined && n > c.maxLength) {
        ok = fail(
          errors,
          path,
          `must be at most ${c.maxLength} characters long`,
        );
      }
    }
    if (c.pattern !== undefined && !checkPattern(c.pattern, v, path, errors)) {
      ok = false;
    }
    return ok;
  };
}

/** Exactly `value` (a `const`). */
export function literal(value: Scalar): Check {
  return (v, path, errors) =>
    v === value || fail(errors, path, `expected ${JSON.stringify(value)}`);
}

/** One of `values` (an `enum`). */
export function enumeration(values: readonly Scalar[]): Check {
  return (v, path, errors) =>
    (values as readonly unknown[]).includes(v) ||
    fail(errors, path, `expected one of ${describe(values)}`);
}

/** The check of a named declaration, looked up when used (so declarations can refer to each other). */
export function ref(get: () => Check): Check {
  return (v, path, errors) => get()(v, path, errors);
}

/** An array whose items all pass `items`. */
export function array(items: Check, c: ArrayConstraints = {}): Check {
  return (v, path, errors) => {
    if (!Array.isArray(v)) {
      return fail(errors, path, "expected an array");
    }
    let ok = counts(v, c, path, errors);
    if (!ok && errors === null) {
      return false;
    }
    for (let i = 0; i < v.length; i++) {
      if (!items(v[i], errors === null ? path : pointer(path, i), errors)) {
        if (errors === null) {
          return false;
        }
        ok = false;
      }
    }
    return ok;
  };
}

/** An array whose first items pass `items` (in order) and the others `rest` (`null`: no others allowed). */
export function tuple(
  items: readonly Check[],
  rest: Check | null,
  c: ArrayConstraints = {},
): Check {
  return (v, path, errors) => {
    if (!Array.isArray(v)) {
      return fail(errors, path, "expected an array");
    }
    let ok = counts(v, c, path, errors);
    if (!ok && errors === null) {
      return false;
    }
    for (let i = 0; i < v.length; i++) {
      const check = items[i] ?? rest;
      if (check === null) {
        return (
          fail(errors, path, `must have at most ${items.length} items`) && ok
        );
      }
      if (!check(v[i], errors === null ? path : pointer(path, i), errors)) {
        if (errors === null) {
          return false;
        }
        ok = false;
      }
    }
    return ok;
  };
}

/** An object used as a map: every value passes `values`; with `keyPattern`, every key matches it. */
export function map(
  values: Check,
  keyPattern: string | null,
  c: ObjectConstraints = {},
): Check {
  return (v, path, errors) => {
    if (!isObject(v)) {
      return fail(errors, path, "expected an object");
    }
    const keys = Object.keys(v);
    let ok = true;
    if (c.minProperties !== undefined && keys.length < c.minProperties) {
      ok = fail(
        errors,
        path,
        `must have at least ${c.minProperties} properties`,
      );
    }
    if (c.maxProperties !== undefined && keys.length > c.maxProperties) {
      ok = fail(
        errors,
        path,
        `must have at most ${c.maxProperties} properties`,
      );
    }
    if (!ok && errors === null) {
      return false;
    }
    for (const key of keys) {
      const at = errors === null ? path : pointer(path, key);
      if (keyPattern !== null && matches(keyPattern, key) !== true) {
        ok = fail(
          errors,
          at,
          `unexpected property (keys must match ${JSON.stringify(keyPattern)})`,
        );
      } else if (!values(v[key], at, errors)) {
        ok = false;
      }
      if (!ok && errors === null) {
        return false;
      }
    }
    return ok;
  };
}

/**
 * An object with declared `properties`; other keys must pass `additional` (`null`: no other keys
 * allowed, as with `additionalProperties: false`).
 */
export function object(
  properties: readonly Property[],
  additional: Check | null,
): Check {
  const declared = new Map<string, Check>();
  const required: string[] = [];
  for (const [name, isRequired, check] of properties) {
    declared.set(name, check);
    if (isRequired) {
      required.push(name);
    }
  }
  return (v, path, errors) => {
    if (!isObject(v)) {
      return fail(errors, path, "expected an object");
    }
    let ok = true;
    for (const name of required) {
      if (!hasOwn(v, name)) {
        ok = fail(
          errors,
          path,
          `missing required property ${JSON.stringify(name)}`,
        );
        if (errors === null) {
          return false;
        }
      }
    }
    for (const key of Object.keys(v)) {
      const check = declared.get(key) ?? additional;
      const at = errors === null ? path : pointer(path, key);
      if (check === null) {
        ok = fail(errors, at, "unexpected property");
      } else if (!check(v[key], at, errors)) {
        ok = false;
      }
      if (!ok && errors === null) {
        return false;
      }
    }
    return ok;
  };
}

/** A union told apart by the value of one required property: the tag picks the only candidate. */
export function tagged(
  property: string,
  cases: readonly (readonly [Scalar, Check])[],
): Check {
  const tags = cases.map((c) => c[0]);
  return (v, path, errors) => {
    if (!isObject(v)) {
      return fail(errors, path, "expected an object");
    }
    if (!hasOwn(v, property)) {
      return fail(
        errors,
        path,
        `missing required property ${JSON.stringify(property)}`,
      );
    }
    const tag = v[property];
    for (const [value, check] of cases) {
      if (tag === value) {
        return check(v, path, errors);
      }
    }
    return fail(
      errors,
      pointer(path, property),
      `expected one of ${describe(tags)}`,
    );
  };
}

function noVariant(
  checks: readonly Check[],
  v: unknown,
  path: string,
  errors: string[],
): false {
  fail(errors, path, `matches none of the ${checks.length} variants`);
  checks.forEach((check, i) => {
    const sub: string[] = [];
    check(v, path, sub);
    for (const message of sub) {
      errors.push(`  variant ${i + 1}: ${message}`);
    }
  });
  return false;
}

/** `oneOf`: exactly one of `checks` passes. */
export function oneOf(checks: readonly Check[]): Check {
  return (v, path, errors) => {
    let matched = 0;
    for (const check of checks) {
      if (check(v, path, null)) {
        matched++;
      }
    }
    if (matched === 1) {
      return true;
    }
    if (errors === null) {
      return false;
    }
    if (matched > 1) {
      return fail(
        errors,
        path,
        `matches ${matched} of the ${checks.length} variants (oneOf needs exactly one)`,
      );
    }
    return noVariant(checks, v, path, errors);
  };
}

/** `anyOf`: at least one of `checks` passes. */
export function anyOf(checks: readonly Check[]): Check {
  return (v, path, errors) => {
    for (const check of checks) {
      if (check(v, path, null)) {
        return true;
      }
    }
    return errors === null ? false : noVariant(checks, v, path, errors);
  };
}

/** The messages of `check` for `v`: a JSON pointer (`#` is the value itself) and what is wrong. */
export function explain(check: Check, v: unknown): string[] {
  const errors: string[] = [];
  check(v, "", errors);
  return errors;
}

/** A type of types.ts found by its schema id (see `TYPES_BY_SCHEMA_ID` in validators.ts). */
export interface SchemaType {
  /** The schema id: `file#pointer`. */
  readonly id: string;
  /** The TypeScript type's name (it may differ from the schema's: `Error` is `ProtocolError`). */
  readonly name: string;
  /** Whether `v` is of this type (the type's `isX`). */
  readonly is: (v: unknown) => boolean;
  /** What is wrong with `v`: none when it is of this type (the type's `validateX`). */
  readonly validate: (v: unknown) => string[];
}

/** Builds the `TYPES_BY_SCHEMA_ID` table from `[id, name, check]` entries. */
export function schemaTypes(
  entries: readonly (readonly [id: string, name: string, check: Check])[],
): ReadonlyMap<string, SchemaType> {
  const out = new Map<string, SchemaType>();
  for (const [id, name, check] of entries) {
    out.set(id, {
      id,
      name,
      is: (v) => check(v, "", null),
      validate: (v) => explain(check, v),
    });
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// The validation graph: one node per schema location, checked as JSON Schema specifies.

/** A JSON kind of JSON Schema's `type` (`integer`: a number with no fractional part). */
export type Kind =
  | "null"
  | "boolean"
  | "object"
  | "array"
  | "number"
  | "integer"
  | "string";

/** An ECMA-262 regular expression: its source and flags (`"u"`, or `""` for legacy patterns). */
export type Pattern = readonly [source: string, flags: string];

/**
 * The keywords of one schema location. Subschemas are node numbers of the same graph. Every
 * keyword present must hold; one that applies to a single kind holds for values of other kinds.
 */
export interface NodeSpec {
  /** The schema `false`: nothing is valid. */
  readonly never?: true;
  readonly types?: readonly Kind[];
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  /** Exact for the decimals the numbers are written as (0.0075 is a multiple of 0.0001). */
  readonly multipleOf?: number;
  /** Lengths count code points. */
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: Pattern;
  /** An asserted `format` (`--formats assert`), checked by the graph's `FormatCheck`. */
  readonly format?: string;
  readonly prefixItems?: readonly number[];
  readonly items?: number;
  readonly contains?: number;
  readonly minContains?: number;
  readonly maxContains?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly uniqueItems?: true;
  readonly properties?: readonly (readonly [name: string, node: number])[];
  readonly patternProperties?: readonly (readonly [
    pattern: Pattern,
    node: number,
  ])[];
  readonly additionalProperties?: number;
  readonly propertyNames?: number;
  readonly required?: readonly string[];
  readonly dependentRequired?: readonly (readonly [
    name: string,
    required: readonly string[],
  ])[];
  readonly dependentSchemas?: readonly (readonly [
    name: string,
    node: number,
  ])[];
  readonly minProperties?: number;
  readonly maxProperties?: number;
  readonly ref?: number;
  /**
   * `$dynamicRef`: the node of the outermost resource of the dynamic scope among the candidates
   * (`[resource, node]`), else `initial`.
   */
  readonly dynamicRef?: readonly [
    initial: number,
    candidates: readonly (readonly [resource: number, node: number])[],
  ];
  readonly allOf?: readonly number[];
  readonly anyOf?: readonly number[];
  readonly oneOf?: readonly number[];
  readonly not?: number;
  readonly if?: number;
  readonly then?: number;
  readonly else?: number;
  readonly unevaluatedItems?: number;
  readonly unevaluatedProperties?: number;
  /** Entering this node enters this schema resource of the dynamic scope. */
  readonly resource?: number;
  /** This node reports the keys and indices it evaluated (for `unevaluated*`). */
  readonly tracks?: true;
}

/** Nodes deeper than this (counting every subschema applied) fail with a `depth` problem. */
export const MAX_DEPTH = 400;

/** The keys and indices evaluated so far (the annotations `unevaluated*` look at). */
interface Seen {
  readonly props: Set<string>;
  readonly items: Set<number>;
}

interface Compiled {
  readonly spec: NodeSpec;
  readonly types: ReadonlySet<string> | null;
  readonly pattern: RegExp | null | undefined;
  readonly properties: ReadonlyMap<string, number>;
  readonly patternProperties: readonly (readonly [
    RegExp | null,
    Pattern,
    number,
  ])[];
  readonly candidates: ReadonlyMap<number, number>;
}

const noScope: readonly number[] = [];
const none: readonly never[] = [];

function regex(p: Pattern): RegExp | null {
  try {
    return new RegExp(p[0], p[1]);
  } catch {
    return null;
  }
}

function kindOf(v: unknown): Kind {
  switch (typeof v) {
    case "string":
      return "string";
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    default:
      return v === null ? "null" : Array.isArray(v) ? "array" : "object";
  }
}

/** `"1.5e-7"` as the integer 15 and the exponent -8 (from the shortest round-trip text). */
function decimal(x: number): [bigint, number] {
  const text = String(Math.abs(x));
  const e = text.indexOf("e");
  let digits = e < 0 ? text : text.slice(0, e);
  let exponent = e < 0 ? 0 : Number(text.slice(e + 1));
  const dot = digits.indexOf(".");
  if (dot >= 0) {
    exponent -= digits.length - dot - 1;
    digits = digits.slice(0, dot) + digits.slice(dot + 1);
  }
  return [BigInt(digits), exponent];
}

/** Whether `x` is an integer multiple of `m`, exactly for the decimals both are written as. */
export function isMultiple(x: number, m: number): boolean {
  if (Number.isSafeInteger(x) && Number.isSafeInteger(m) && m !== 0) {
    return x % m === 0;
  }
  const [a, ea] = decimal(x);
  const [b, eb] = decimal(m);
  if (b === 0n) {
    return false;
  }
  const low = Math.min(ea, eb);
  return (a * 10n ** BigInt(ea - low)) % (b * 10n ** BigInt(eb - low)) === 0n;
}

function keyword(
  errors: Errors,
  path: string,
  kw: string,
  message: string,
): false {
  if (errors !== null) {
    errors.push(`#${path}: ${message} (${kw})`);
  }
  return false;
}

/** Whether a string is valid for a format (formats.ts's `checkFormat`). */
export type FormatCheck = (format: string, value: string) => boolean;

/**
 * A validation graph: the nodes of one module, added once (`add`) and compiled on first use.
 * `check(n)` is the check of node `n` for a whole value.
 */
export class Graph {
  private readonly specs: NodeSpec[] = [];
  private readonly compiled: (Compiled | undefined)[] = [];

  /**
   * `formats`: the check of asserted formats (`--formats assert`); without it a node with a
   * `format` rejects every string (never silently accepts).
   */
  private readonly formats: FormatCheck | undefined;

  constructor(formats?: FormatCheck) {
    this.formats = formats;
  }

  /** Adds node `id`. */
  add(id: number, spec: NodeSpec): void {
    this.specs[id] = spec;
  }

  /** The check of node `id`: the value must be JSON data and valid against the node. */
  check(id: number): Check {
    return (v, path, errors) =>
      isJsonData(v)
        ? this.run(id, v, path, errors, 0, noScope, null)
        : keyword(errors, path, "type", "expected a JSON value");
  }

  private node(id: number): Compiled {
    let c = this.compiled[id];
    if (c === undefined) {
      const spec = this.specs[id];
      if (spec === undefined) {
        throw new Error(`validation graph: no node ${id}`);
      }
      c = {
        spec,
        types: spec.types === undefined ? null : new Set(spec.types),
        pattern: spec.pattern === undefined ? undefined : regex(spec.pattern),
        properties: new Map(spec.properties ?? []),
        patternProperties: (spec.patternProperties ?? []).map(
          ([p, n]) => [regex(p), p, n] as const,
        ),
        candidates: new Map(spec.dynamicRef?.[1] ?? []),
      };
      this.compiled[id] = c;
    }
    return c;
  }

  private isNever(id: number): boolean {
    return this.specs[id]?.never === true;
  }

  /**
   * Whether `v` (at JSON pointer `p`) is valid against node `id`; `d` is the depth, `s` the
   * dynamic scope (resources, outermost first), `out` receives what the node evaluated when it
   * holds. Problems go to `e` (when not null; otherwise the first one ends the check).
   */
  private run(
    id: number,
    v: unknown,
    p: string,
    e: Errors,
    d: number,
    s: readonly number[],
    out: Seen | null,
  ): boolean {
    const c = this.node(id);
    const n = c.spec;
    if (d > MAX_DEPTH) {
      return keyword(
        e,
        p,
        "depth",
        `nested more than ${MAX_DEPTH} levels deep`,
      );
    }
    if (n.resource !== undefined) {
      s = [...s, n.resource];
    }
    const seen: Seen | null =
      n.tracks === true ? { props: new Set(), items: new Set() } : null;
    if (n.never === true) {
      return keyword(e, p, "false", "no value is allowed here");
    }
    const kind = kindOf(v);
    if (c.types !== null) {
      const ok =
        c.types.has(kind) ||
        (kind === "number" && c.types.has("integer") && Number.isInteger(v));
      if (!ok) {
        return keyword(
          e,
          p,
          "type",
          `expected ${describeKinds(n.types ?? [])}`,
        );
      }
    }
    if (n.const !== undefined && !deepEqual(v, n.const)) {
      return keyword(e, p, "const", `expected ${JSON.stringify(n.const)}`);
    }
    if (n.enum !== undefined && !n.enum.some((x) => deepEqual(v, x))) {
      return keyword(
        e,
        p,
        "enum",
        `expected one of ${n.enum.map((x) => JSON.stringify(x)).join(", ")}`,
      );
    }
    let ok = true;
    if (typeof v === "number") {
      if (n.minimum !== undefined && v < n.minimum) {
        if (e === null) return false;
        ok = keyword(e, p, "minimum", `must be >= ${n.minimum}`);
      }
      if (n.maximum !== undefined && v > n.maximum) {
        if (e === null) return false;
        ok = keyword(e, p, "maximum", `must be <= ${n.maximum}`);
      }
      if (n.exclusiveMinimum !== undefined && v <= n.exclusiveMinimum) {
        if (e === null) return false;
        ok = keyword(
          e,
          p,
          "exclusiveMinimum",
          `must be > ${n.exclusiveMinimum}`,
        );
      }
      if (n.exclusiveMaximum !== undefined && v >= n.exclusiveMaximum) {
        if (e === null) return false;
        ok = keyword(
          e,
          p,
          "exclusiveMaximum",
          `must be < ${n.exclusiveMaximum}`,
        );
      }
      if (n.multipleOf !== undefined && !isMultiple(v, n.multipleOf)) {
        if (e === null) return false;
        ok = keyword(
          e,
          p,
          "multipleOf",
          `must be a multiple of ${n.multipleOf}`,
        );
      }
    } else if (typeof v === "string") {
      if (n.minLength !== undefined || n.maxLength !== undefined) {
        const length = codePointLength(v);
        if (n.minLength !== undefined && length < n.minLength) {
          if (e === null) return false;
          ok = keyword(
            e,
            p,
            "minLength",
            `must be at least ${n.minLength} characters long`,
          );
        }
        if (n.maxLength !== undefined && length > n.maxLength) {
          if (e === null) return false;
          ok = keyword(
            e,
            p,
            "maxLength",
            `must be at most ${n.maxLength} characters long`,
          );
        }
      }
      if (c.pattern !== undefined && n.pattern !== undefined) {
        if (c.pattern === null) {
          if (e === null) return false;
          ok = keyword(
            e,
            p,
            "pattern",
            `the schema's pattern ${JSON.stringify(n.pattern[0])} is not a valid regular expression`,
          );
        } else if (!c.pattern.test(v)) {
          if (e === null) return false;
          ok = keyword(
            e,
            p,
            "pattern",
            `does not match the pattern ${JSON.stringify(n.pattern[0])}`,
          );
        }
      }
      if (
        n.format !== undefined &&
        (this.formats === undefined || !this.formats(n.format, v))
      ) {
        if (e === null) return false;
        ok = keyword(e, p, "format", `must be a valid ${n.format}`);
      }
    }
    const d1 = d + 1;
    // in-place applicators: their annotations count for this node
    if (n.ref !== undefined && !this.run(n.ref, v, p, e, d1, s, seen)) {
      ok = false;
      if (e === null) {
        return false;
      }
    }
    if (n.dynamicRef !== undefined) {
      let target = n.dynamicRef[0];
      for (const r of s) {
        const t = c.candidates.get(r);
        if (t !== undefined) {
          target = t;
          break;
        }
      }
      if (!this.run(target, v, p, e, d1, s, seen)) {
        ok = false;
        if (e === null) {
          return false;
        }
      }
    }
    for (const sub of n.allOf ?? none) {
      if (!this.run(sub, v, p, e, d1, s, seen)) {
        ok = false;
        if (e === null) {
          return false;
        }
      }
    }
    if (n.anyOf !== undefined) {
      let any = false;
      for (const sub of n.anyOf) {
        if (this.run(sub, v, p, null, d1, s, seen)) {
          any = true;
          if (seen === null) {
            break;
          }
        }
      }
      if (!any) {
        ok = false;
        if (e === null) {
          return false;
        }
        this.variants(n.anyOf, "anyOf", v, p, e, d1, s);
      }
    }
    if (n.oneOf !== undefined) {
      let count = 0;
      for (const sub of n.oneOf) {
        if (this.run(sub, v, p, null, d1, s, seen)) {
          count++;
          if (count > 1) {
            break;
          }
        }
      }
      if (count !== 1) {
        ok = false;
        if (e === null) {
          return false;
        }
        if (count === 0) {
          this.variants(n.oneOf, "oneOf", v, p, e, d1, s);
        } else {
          keyword(
            e,
            p,
            "oneOf",
            `matches more than one of the ${n.oneOf.length} variants (oneOf needs exactly one)`,
          );
        }
      }
    }
    if (n.not !== undefined && this.run(n.not, v, p, null, d1, s, null)) {
      if (e === null) return false;
      ok = keyword(e, p, "not", "must not match the schema of `not`");
    }
    if (n.if !== undefined) {
      const branch = this.run(n.if, v, p, null, d1, s, seen) ? n.then : n.else;
      if (branch !== undefined && !this.run(branch, v, p, e, d1, s, seen)) {
        ok = false;
        if (e === null) {
          return false;
        }
      }
    }
    if (kind === "array") {
      if (!this.array(c, v as unknown[], p, e, d1, s, seen)) {
        ok = false;
      }
    } else if (kind === "object") {
      if (!this.object(c, v as { [key: string]: unknown }, p, e, d1, s, seen)) {
        ok = false;
      }
    }
    if (ok && out !== null && seen !== null) {
      for (const key of seen.props) {
        out.props.add(key);
      }
      for (const i of seen.items) {
        out.items.add(i);
      }
    }
    return ok;
  }

  private variants(
    subs: readonly number[],
    kw: string,
    v: unknown,
    p: string,
    e: string[],
    d: number,
    s: readonly number[],
  ): void {
    keyword(e, p, kw, `matches none of the ${subs.length} variants`);
    subs.forEach((sub, i) => {
      const messages: string[] = [];
      this.run(sub, v, p, messages, d, s, null);
      for (const message of messages) {
        e.push(`  variant ${i + 1}: ${message}`);
      }
    });
  }

  private array(
    c: Compiled,
    v: unknown[],
    p: string,
    e: Errors,
    d: number,
    s: readonly number[],
    seen: Seen | null,
  ): boolean {
    const n = c.spec;
    let ok = true;
    if (n.minItems !== undefined && v.length < n.minItems) {
      if (e === null) return false;
      ok = keyword(e, p, "minItems", `must have at least ${n.minItems} items`);
    }
    if (n.maxItems !== undefined && v.length > n.maxItems) {
      if (e === null) return false;
      ok = keyword(e, p, "maxItems", `must have at most ${n.maxItems} items`);
    }
    if (n.uniqueItems === true) {
      const i = firstDuplicate(v);
      if (i >= 0) {
        if (e === null) return false;
        ok = keyword(
          e,
          e === null ? p : pointer(p, i),
          "uniqueItems",
          "equals an earlier item",
        );
      }
    }
    const prefix = n.prefixItems ?? none;
    for (let i = 0; i < prefix.length && i < v.length; i++) {
      if (
        this.run(
          prefix[i] ?? 0,
          v[i],
          e === null ? p : pointer(p, i),
          e,
          d,
          s,
          null,
        )
      ) {
        seen?.items.add(i);
      } else if (e === null) {
        return false;
      } else {
        ok = false;
      }
    }
    if (
      n.items !== undefined &&
      this.isNever(n.items) &&
      v.length > prefix.length
    ) {
      // one problem for the items beyond the allowed ones
      if (e === null) return false;
      ok = keyword(e, p, "items", `must have at most ${prefix.length} items`);
    } else if (n.items !== undefined) {
      for (let i = prefix.length; i < v.length; i++) {
        if (
          this.run(n.items, v[i], e === null ? p : pointer(p, i), e, d, s, null)
        ) {
          seen?.items.add(i);
        } else if (e === null) {
          return false;
        } else {
          ok = false;
        }
      }
    }
    if (n.contains !== undefined) {
      let matched = 0;
      for (let i = 0; i < v.length; i++) {
        if (
          this.run(
            n.contains,
            v[i],
            e === null ? p : pointer(p, i),
            null,
            d,
            s,
            null,
          )
        ) {
          matched++;
          seen?.items.add(i);
        }
      }
      const low = n.minContains ?? 1;
      if (matched < low) {
        if (e === null) return false;
        ok = keyword(
          e,
          p,
          n.minContains !== undefined ? "minContains" : "contains",
          `must contain at least ${low} matching item${low === 1 ? "" : "s"}`,
        );
      }
      if (n.maxContains !== undefined && matched > n.maxContains) {
        if (e === null) return false;
        ok = keyword(
          e,
          p,
          "maxContains",
          `must contain at most ${n.maxContains} matching items`,
        );
      }
    }
    if (n.unevaluatedItems !== undefined) {
      for (let i = 0; i < v.length; i++) {
        if (seen !== null && seen.items.has(i)) {
          continue;
        }
        if (
          !this.run(
            n.unevaluatedItems,
            v[i],
            e === null ? p : pointer(p, i),
            e,
            d,
            s,
            null,
          )
        ) {
          if (e === null) {
            return false;
          }
          ok = false;
        }
      }
      for (let i = 0; i < v.length; i++) {
        seen?.items.add(i);
      }
    }
    return ok;
  }

  private object(
    c: Compiled,
    v: { [key: string]: unknown },
    p: string,
    e: Errors,
    d: number,
    s: readonly number[],
    seen: Seen | null,
  ): boolean {
    const n = c.spec;
    let ok = true;
    for (const name of n.required ?? none) {
      if (!hasOwn(v, name)) {
        if (e === null) return false;
        ok = keyword(
          e,
          p,
          "required",
          `missing required property ${JSON.stringify(name)}`,
        );
      }
    }
    const keys = Object.keys(v);
    if (n.minProperties !== undefined && keys.length < n.minProperties) {
      if (e === null) return false;
      ok = keyword(
        e,
        p,
        "minProperties",
        `must have at least ${n.minProperties} properties`,
      );
    }
    if (n.maxProperties !== undefined && keys.length > n.maxProperties) {
      if (e === null) return false;
      ok = keyword(
        e,
        p,
        "maxProperties",
        `must have at most ${n.maxProperties} properties`,
      );
    }
    for (const [name, needs] of n.dependentRequired ?? none) {
      if (hasOwn(v, name)) {
        for (const need of needs) {
          if (!hasOwn(v, need)) {
            if (e === null) return false;
            ok = keyword(
              e,
              p,
              "dependentRequired",
              `missing property ${JSON.stringify(need)} (required when ${JSON.stringify(name)} is present)`,
            );
          }
        }
      }
    }
    for (const key of keys) {
      const at = e === null ? p : pointer(p, key);
      const value = v[key];
      if (
        n.propertyNames !== undefined &&
        !this.run(n.propertyNames, key, at, null, d, s, null)
      ) {
        if (e === null) return false;
        ok = keyword(
          e,
          at,
          "propertyNames",
          "this property name is not allowed",
        );
      }
      let matched = false;
      let valid = true;
      const declared = c.properties.get(key);
      if (declared !== undefined) {
        matched = true;
        if (!this.run(declared, value, at, e, d, s, null)) {
          valid = false;
        }
      }
      for (const [re, pattern, sub] of c.patternProperties) {
        if (valid || e !== null) {
          if (re === null) {
            valid = false;
            keyword(
              e,
              at,
              "patternProperties",
              `the schema's pattern ${JSON.stringify(pattern[0])} is not a valid regular expression`,
            );
          } else if (re.test(key)) {
            matched = true;
            if (!this.run(sub, value, at, e, d, s, null)) {
              valid = false;
            }
          }
        }
      }
      if (!matched && n.additionalProperties !== undefined) {
        if (this.isNever(n.additionalProperties)) {
          valid = keyword(e, at, "additionalProperties", "unexpected property");
        } else if (
          !this.run(n.additionalProperties, value, at, e, d, s, null)
        ) {
          valid = false;
        }
        matched = true;
      }
      if (!valid) {
        if (e === null) {
          return false;
        }
        ok = false;
      } else if (matched) {
        seen?.props.add(key);
      }
    }
    for (const [name, sub] of n.dependentSchemas ?? none) {
      if (hasOwn(v, name) && !this.run(sub, v, p, e, d, s, seen)) {
        if (e === null) {
          return false;
        }
        ok = false;
      }
    }
    if (n.unevaluatedProperties !== undefined) {
      for (const key of keys) {
        if (seen !== null && seen.props.has(key)) {
          continue;
        }
        const at = e === null ? p : pointer(p, key);
        if (this.isNever(n.unevaluatedProperties)) {
          if (
            !keyword(e, at, "unevaluatedProperties", "unexpected property") &&
            e === null
          ) {
            return false;
          }
          ok = false;
        } else if (
          !this.run(n.unevaluatedProperties, v[key], at, e, d, s, null)
        ) {
          if (e === null) {
            return false;
          }
          ok = false;
        }
      }
      for (const key of keys) {
        seen?.props.add(key);
      }
    }
    return ok;
  }
}

function describeKinds(kinds: readonly Kind[]): string {
  const words = kinds.map((k) =>
    k === "null"
      ? "null"
      : k === "array" || k === "object" || k === "integer"
        ? `an ${k}`
        : `a ${k}`,
  );
  return words.length === 0 ? "nothing" : words.join(" or ");
}

/** The index of the first item equal (JSON equality) to an earlier one, or -1. */
function firstDuplicate(v: readonly unknown[]): number {
  for (let i = 1; i < v.length; i++) {
    for (let j = 0; j < i; j++) {
      if (deepEqual(v[i], v[j])) {
        return i;
      }
    }
  }
  return -1;
}

/**
 * Whether `v` is JSON data (what JSON.parse returns): null, booleans, finite numbers, strings,
 * and arrays and objects of them without cycles. Deep values (and cycles) are checked iteratively,
 * so they cannot overflow the stack.
 */
export function isJsonData(v: unknown): boolean {
  return jsonData(v, 0);
}

function jsonData(v: unknown, depth: number): boolean {
  switch (typeof v) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(v);
    case "object":
      break;
    default:
      return false;
  }
  if (v === null) {
    return true;
  }
  if (depth > 100) {
    return jsonDataDeep(v);
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      if (!jsonData(v[i], depth + 1)) {
        return false;
      }
    }
    return true;
  }
  for (const key of Object.keys(v)) {
    if (!jsonData((v as { [key: string]: unknown })[key], depth + 1)) {
      return false;
    }
  }
  return true;
}

function jsonDataDeep(v: unknown): boolean {
  const path = new Set<object>();
  const stack: { value: unknown; exit: boolean }[] = [
    { value: v, exit: false },
  ];
  for (;;) {
    const top = stack.pop();
    if (top === undefined) {
      return true;
    }
    const x = top.value;
    switch (typeof x) {
      case "string":
      case "boolean":
        continue;
      case "number":
        if (!Number.isFinite(x)) {
          return false;
        }
        continue;
      case "object":
        break;
      default:
        return false;
    }
    if (x === null) {
      continue;
    }
    if (top.exit) {
      path.delete(x);
      continue;
    }
    if (path.has(x)) {
      return false;
    }
    path.add(x);
    stack.push({ value: x, exit: true });
    const values: unknown[] = Array.isArray(x)
      ? x
      : Object.keys(x).map((k) => (x as { [key: string]: unknown })[k]);
    for (let i = 0; i < values.length; i++) {
      stack.push({ value: values[i], exit: false });
    }
  }
}
