/**
 * Schema defaults applied (`--defaults apply`): what the generated `parseX`, `withDefaultsX` and
 * `withoutDefaultsX` of validators.ts use. A value is checked first (a default is an annotation:
 * it never changes what is valid), then copied, then every absent property that has a usable
 * schema default is set to a fresh copy of it, deep: nested objects, array and tuple items, map
 * values, and the variant of a union the value is. The caller's value is never modified, and no
 * two decoded values share an object. `withoutDefaultsX` is the way back: a copy without the
 * properties equal to their default, for writing. No dependencies; this file does not depend on
 * the schemas.
 */

import { explain, hasOwn, isObject, type Check } from "./runtime.js";

/**
 * What a type's schema defaults do to a value that is a private copy (in place): `fill` sets every
 * absent property that has a default, `strip` removes every property equal to its default.
 */
export interface Plan {
  readonly fill: (v: unknown) => void;
  readonly strip: (v: unknown) => void;
}

/** A property with a default or with defaults inside: its name, its default (a function returning
 * a fresh value each time, or `null`) and the plan of its value (or `null`). */
export type PlanProperty = readonly [
  name: string,
  value: (() => unknown) | null,
  plan: Plan | null,
];

/** Thrown by `parseX` for a value its schema rejects: `problems` are `validateX`'s messages. */
export class ValidationError extends Error {
  readonly problems: readonly string[];

  constructor(type: string, problems: readonly string[]) {
    super(`not a valid ${type}: ${problems.join("; ")}`);
    this.name = "ValidationError";
    this.problems = problems;
  }
}

/** Sets the own property `key` (an ordinary property even for `__proto__`). */
function setOwn(
  o: { [key: string]: unknown },
  key: string,
  value: unknown,
): void {
  if (key === "__proto__") {
    Object.defineProperty(o, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    o[key] = value;
  }
}

/**
 * A deep copy of JSON data (objects and arrays new, own keys only, `-0` kept), made without
 * recursion so that any depth the validators accept is copied.
 */
export function clone(v: unknown): unknown {
  if (typeof v !== "object" || v === null) {
    return v;
  }
  const root: unknown = Array.isArray(v) ? new Array<unknown>(v.length) : {};
  const stack: [unknown, unknown][] = [[v, root]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [from, to] = top;
    if (Array.isArray(from)) {
      const out = to as unknown[];
      for (let i = 0; i < from.length; i++) {
        out[i] = copyOne(from[i] as unknown, stack);
      }
    } else {
      const src = from as { [key: string]: unknown };
      const out = to as { [key: string]: unknown };
      for (const key of Object.keys(src)) {
        setOwn(out, key, copyOne(src[key], stack));
      }
    }
  }
  return root;
}

function copyOne(x: unknown, stack: [unknown, unknown][]): unknown {
  if (typeof x !== "object" || x === null) {
    return x;
  }
  const copy: unknown = Array.isArray(x) ? new Array<unknown>(x.length) : {};
  stack.push([x, copy]);
  return copy;
}

/**
 * JSON equality, type included: `true` is not `1`, `-0` is not `0` (JSON text keeps them apart);
 * objects regardless of key order.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (typeof a === "number" || typeof b === "number") {
    return Object.is(a, b);
  }
  if (Array.isArray(a)) {
    return (
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((x, i) => sameJson(x, b[i]))
    );
  }
  if (isObject(a)) {
    if (!isObject(b)) {
      return false;
    }
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((k) => hasOwn(b, k) && sameJson(a[k], b[k]))
    );
  }
  return a === b;
}

/** An object type's properties; `additional` is the plan of the undeclared keys' values. */
export function object(
  properties: readonly PlanProperty[],
  additional: Plan | null = null,
): Plan {
  const declared = new Set(properties.map((p) => p[0]));
  const rest = (v: { [key: string]: unknown }, step: keyof Plan): void => {
    if (additional !== null) {
      for (const key of Object.keys(v)) {
        if (!declared.has(key)) {
          additional[step](v[key]);
        }
      }
    }
  };
  return {
    fill: (v) => {
      if (!isObject(v)) {
        return;
      }
      for (const [key, value, plan] of properties) {
        if (!hasOwn(v, key)) {
          if (value === null) {
            continue;
          }
          setOwn(v, key, value());
        }
        plan?.fill(v[key]);
      }
      rest(v, "fill");
    },
    strip: (v) => {
      if (!isObject(v)) {
        return;
      }
      for (const [key, value, plan] of properties) {
        if (!hasOwn(v, key)) {
          continue;
        }
        if (value !== null) {
          // compared with the default as a decoded value holds it (its own defaults filled in)
          const fresh = value();
          plan?.fill(fresh);
          if (sameJson(v[key], fresh)) {
            delete v[key];
            continue;
          }
        }
        plan?.strip(v[key]);
      }
      rest(v, "strip");
    },
  };
}

/** Every item of an array. */
export function array(items: Plan): Plan {
  const each = (step: keyof Plan) => (v: unknown) => {
    if (Array.isArray(v)) {
      for (const x of v) {
        items[step](x);
      }
    }
  };
  return { fill: each("fill"), strip: each("strip") };
}

/** The items of a tuple by position, then the rest. */
export function tuple(
  items: readonly (Plan | null)[],
  rest: Plan | null,
): Plan {
  const each = (step: keyof Plan) => (v: unknown) => {
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        (i < items.length ? items[i] : rest)?.[step](v[i]);
      }
    }
  };
  return { fill: each("fill"), strip: each("strip") };
}

/** Every value of a map. */
export function map(values: Plan): Plan {
  const each = (step: keyof Plan) => (v: unknown) => {
    if (isObject(v)) {
      for (const key of Object.keys(v)) {
        values[step](v[key]);
      }
    }
  };
  return { fill: each("fill"), strip: each("strip") };
}

/** The variant the value is (the first whose check accepts it, checked before any default is
 * set: exactly one for a valid `oneOf`) gets that variant's plan. */
export function union(
  variants: readonly (readonly [check: Check, plan: Plan | null])[],
): Plan {
  const pick = (step: keyof Plan) => (v: unknown) => {
    for (const [check, plan] of variants) {
      if (check(v, "", null)) {
        plan?.[step](v);
        return;
      }
    }
  };
  return { fill: pick("fill"), strip: pick("strip") };
}

/** A named type's plan, looked up when used (types may refer to each other in any order). */
export function ref(get: () => Plan): Plan {
  return { fill: (v) => get().fill(v), strip: (v) => get().strip(v) };
}

/** `v` checked by `check` (else `ValidationError` naming `type`), copied, with its defaults filled in. */
export function parse(
  check: Check,
  plan: Plan | null,
  type: string,
  v: unknown,
): unknown {
  if (!check(v, "", null)) {
    throw new ValidationError(type, explain(check, v));
  }
  return withDefaults(plan, v);
}

/** A copy of `v` (already known valid) with its defaults filled in. */
export function withDefaults(plan: Plan | null, v: unknown): unknown {
  const copy = clone(v);
  plan?.fill(copy);
  return copy;
}

/**
 * A copy of `v` without the properties equal to their default (JSON equality, type included), deep:
 * what to write so that the defaults are never written back (`JSON.stringify` of it). Absent
 * defaults are filled in first, so a property's value is compared as a decoded value holds it.
 */
export function withoutDefaults(plan: Plan | null, v: unknown): unknown {
  const copy = clone(v);
  plan?.fill(copy);
  plan?.strip(copy);
  return copy;
}
