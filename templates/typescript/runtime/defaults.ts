/**
 * Schema defaults applied (`--defaults apply`): what the generated `parseX` and `withDefaultsX`
 * of validators.ts use. A value is checked first (a default is an annotation: it never changes
 * what is valid), then copied, then every absent property that has a usable schema default is
 * set to a fresh copy of it, deep: nested objects, array and tuple items, map values, and the
 * variant of a union the value is. The caller's value is never modified, and no two decoded
 * values share an object. No dependencies; this file does not depend on the schemas.
 */

import { explain, hasOwn, isObject, type Check } from "./runtime.js";

/** Fills in the defaults of a value that is already a private copy (in place). */
export type Fill = (v: unknown) => void;

/** A property with a default or with defaults inside: its name, its default (a function returning
 * a fresh value each time, or `null`) and the filling of its value (or `null`). */
export type FillProperty = readonly [
  name: string,
  value: (() => unknown) | null,
  fill: Fill | null,
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

/** An object type's properties; `additional` fills the values of the undeclared keys. */
export function fillObject(
  properties: readonly FillProperty[],
  additional: Fill | null = null,
): Fill {
  const declared = new Set(properties.map((p) => p[0]));
  return (v) => {
    if (!isObject(v)) {
      return;
    }
    for (const [key, value, fill] of properties) {
      if (!hasOwn(v, key)) {
        if (value === null) {
          continue;
        }
        setOwn(v, key, value());
      }
      fill?.(v[key]);
    }
    if (additional !== null) {
      for (const key of Object.keys(v)) {
        if (!declared.has(key)) {
          additional(v[key]);
        }
      }
    }
  };
}

/** Every item of an array. */
export function fillArray(items: Fill): Fill {
  return (v) => {
    if (Array.isArray(v)) {
      for (const x of v) {
        items(x);
      }
    }
  };
}

/** The items of a tuple by position, then the rest. */
export function fillTuple(
  items: readonly (Fill | null)[],
  rest: Fill | null,
): Fill {
  return (v) => {
    if (!Array.isArray(v)) {
      return;
    }
    for (let i = 0; i < v.length; i++) {
      const fill = i < items.length ? items[i] : rest;
      fill?.(v[i]);
    }
  };
}

/** Every value of a map. */
export function fillMap(values: Fill): Fill {
  return (v) => {
    if (isObject(v)) {
      for (const key of Object.keys(v)) {
        values(v[key]);
      }
    }
  };
}

/** The variant the value is (the first whose check accepts it, checked before any default is
 * set: exactly one for a valid `oneOf`) gets that variant's defaults. */
export function fillUnion(
  variants: readonly (readonly [check: Check, fill: Fill | null])[],
): Fill {
  return (v) => {
    for (const [check, fill] of variants) {
      if (check(v, "", null)) {
        fill?.(v);
        return;
      }
    }
  };
}

/** A named type's filling, looked up when used (types may refer to each other in any order). */
export function fillRef(get: () => Fill): Fill {
  return (v) => get()(v);
}

/** `v` checked by `check` (else `ValidationError` naming `type`), copied, with its defaults filled in. */
export function parse(
  check: Check,
  fill: Fill | null,
  type: string,
  v: unknown,
): unknown {
  const problems = explain(check, v);
  if (problems.length > 0) {
    throw new ValidationError(type, problems);
  }
  return withDefaults(fill, v);
}

/** A copy of `v` (already known valid) with its defaults filled in. */
export function withDefaults(fill: Fill | null, v: unknown): unknown {
  const copy = clone(v);
  fill?.(copy);
  return copy;
}
