/**
 * Checks of the string formats `--formats assert` asserts (RFC 3339 dates and times, ISO 8601
 * durations, e-mail addresses, host names, IP addresses, URIs, UUIDs, regular expressions, JSON
 * pointers), written as small ASCII parsers that follow the Python and Rust runtimes step by step.
 *
 * Part of the generated module's runtime (copied only when a schema asserts a format); nothing here
 * is generated. `checkFormat` is what validators.ts gives the validation graph.
 */

const DIGITS = "0123456789";
const HEX = "0123456789abcdefABCDEF";
const ALPHA = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const UNRESERVED = ALPHA + DIGITS + "-._~";
const SUB_DELIMS = "!$&'()*+,;=";
const PCHAR = UNRESERVED + SUB_DELIMS + ":@";

/** `c` is one of the characters of `set` (a single character, never the empty string). */
function isIn(c: string | undefined, set: string): boolean {
  return c !== undefined && c.length === 1 && set.includes(c);
}

/** The `n` ASCII digits at `s[i]` as a number, -1 when they are not all digits. */
function num(s: string, i: number, n: number): number {
  if (i + n > s.length) return -1;
  let v = 0;
  for (let k = i; k < i + n; k++) {
    const c = s[k];
    if (!isIn(c, DIGITS)) return -1;
    v = v * 10 + s.charCodeAt(k) - 48;
  }
  return v;
}

export function isDate(s: string): boolean {
  if (s.length !== 10 || s[4] !== "-" || s[7] !== "-") return false;
  const y = num(s, 0, 4);
  const m = num(s, 5, 2);
  const d = num(s, 8, 2);
  if (y < 0 || m < 1 || m > 12 || d < 1) return false;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= (days[m - 1] ?? 0);
}

export function isTime(s: string): boolean {
  if (s.length < 9 || s[2] !== ":" || s[5] !== ":") return false;
  const h = num(s, 0, 2);
  const m = num(s, 3, 2);
  const sec = num(s, 6, 2);
  if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 60) return false;
  let i = 8;
  if (s[i] === ".") {
    i++;
    const start = i;
    while (i < s.length && isIn(s[i], DIGITS)) i++;
    if (i === start) return false;
  }
  if (i >= s.length) return false;
  const c = s[i];
  let offset: number;
  if (c === "Z" || c === "z") {
    if (i + 1 !== s.length) return false;
    offset = 0;
  } else if (c === "+" || c === "-") {
    if (s.length !== i + 6 || s[i + 3] !== ":") return false;
    const oh = num(s, i + 1, 2);
    const om = num(s, i + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return false;
    offset = (oh * 60 + om) * (c === "+" ? 1 : -1);
  } else {
    return false;
  }
  if (sec === 60) {
    const utc = (((h * 60 + m - offset) % 1440) + 1440) % 1440;
    return utc === 23 * 60 + 59;
  }
  return true;
}

export function isDateTime(s: string): boolean {
  return (
    s.length > 11 &&
    (s[10] === "T" || s[10] === "t") &&
    isDate(s.slice(0, 10)) &&
    isTime(s.slice(11))
  );
}

export function isDuration(s: string): boolean {
  if (s.length < 2 || s[0] !== "P") return false;
  const n = s.length;
  let i = 1;
  let units = "YMD";
  let pos = 0;
  let seen = false;
  while (i < n && s[i] !== "T") {
    let j = i;
    while (j < n && isIn(s[j], DIGITS)) j++;
    if (j === i || j === n) return false;
    const u = s[j] ?? "";
    if (u === "W") return !seen && j + 1 === n;
    const k = u.length === 1 ? units.indexOf(u, pos) : -1;
    if (k < 0) return false;
    pos = k + 1;
    seen = true;
    i = j + 1;
  }
  if (i < n) {
    i++;
    units = "HMS";
    pos = 0;
    let timed = false;
    while (i < n) {
      let j = i;
      while (j < n && isIn(s[j], DIGITS)) j++;
      if (j === i || j === n) return false;
      const u = s[j] ?? "";
      const k = u.length === 1 ? units.indexOf(u, pos) : -1;
      if (k < 0) return false;
      pos = k + 1;
      timed = true;
      i = j + 1;
    }
    if (!timed) return false;
    seen = true;
  }
  return seen;
}

export function isHostname(s: string): boolean {
  if (s.length === 0 || s.length > 253) return false;
  for (const label of s.split(".")) {
    if (
      label.length === 0 ||
      label.length > 63 ||
      label[0] === "-" ||
      label[label.length - 1] === "-"
    ) {
      return false;
    }
    for (const c of label) {
      if (!isIn(c, ALPHA) && !isIn(c, DIGITS) && c !== "-") return false;
    }
  }
  return true;
}

export function isIpv4(s: string): boolean {
  const parts = s.split(".");
  if (parts.length !== 4) return false;
  for (const p of parts) {
    if (p.length === 0 || p.length > 3 || (p.length > 1 && p[0] === "0")) {
      return false;
    }
    const v = num(p, 0, p.length);
    if (v < 0 || v > 255) return false;
  }
  return true;
}

/**
 * The number of 16-bit groups `part` (groups separated by `:`) holds, -1 when malformed; `last`:
 * its last group may be an IPv4 address (two groups).
 */
function ipv6Groups(part: string, last: boolean): number {
  if (part === "") return 0;
  const groups = part.split(":");
  let count = 0;
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i] ?? "";
    if (last && i === groups.length - 1 && g.includes(".")) {
      if (!isIpv4(g)) return -1;
      count += 2;
    } else if (
      g.length >= 1 &&
      g.length <= 4 &&
      [...g].every((c) => isIn(c, HEX))
    ) {
      count += 1;
    } else {
      return -1;
    }
  }
  return count;
}

export function isIpv6(s: string): boolean {
  const k = s.indexOf("::");
  if (k < 0) return ipv6Groups(s, true) === 8;
  const head = ipv6Groups(s.slice(0, k), false);
  const tail = ipv6Groups(s.slice(k + 2), true);
  return head >= 0 && tail >= 0 && head + tail <= 7;
}

export function isUuid(s: string): boolean {
  if (s.length !== 36) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== "-") return false;
    } else if (!isIn(c, HEX)) {
      return false;
    }
  }
  return true;
}

/** Every character of `s` is in `allowed` or is a `%` followed by two hex digits. */
function uriChars(s: string, allowed: string): boolean {
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === "%") {
      if (i + 2 >= s.length || !isIn(s[i + 1], HEX) || !isIn(s[i + 2], HEX)) {
        return false;
      }
      i += 3;
      continue;
    }
    if (!isIn(c, allowed)) return false;
    i++;
  }
  return true;
}

function authority(a: string): boolean {
  const at = a.lastIndexOf("@");
  if (at >= 0) {
    if (!uriChars(a.slice(0, at), UNRESERVED + SUB_DELIMS + ":")) return false;
    a = a.slice(at + 1);
  }
  let rest: string;
  if (a.startsWith("[")) {
    const end = a.indexOf("]");
    if (end < 0) return false;
    const inside = a.slice(1, end);
    rest = a.slice(end + 1);
    if (inside[0] === "v" || inside[0] === "V") {
      const dot = inside.indexOf(".");
      if (
        dot < 2 ||
        ![...inside.slice(1, dot)].every((c) => isIn(c, HEX)) ||
        dot + 1 === inside.length
      ) {
        return false;
      }
      if (
        !uriChars(inside.slice(dot + 1), UNRESERVED + SUB_DELIMS + ":") ||
        inside.includes("%")
      ) {
        return false;
      }
    } else if (!isIpv6(inside)) {
      return false;
    }
  } else {
    const colon = a.lastIndexOf(":");
    const host = colon >= 0 ? a.slice(0, colon) : a;
    rest = colon >= 0 ? a.slice(colon) : "";
    if (!uriChars(host, UNRESERVED + SUB_DELIMS)) return false;
  }
  if (rest === "") return true;
  return rest[0] === ":" && [...rest.slice(1)].every((c) => isIn(c, DIGITS));
}

/** The part of a URI after the scheme's `:` (`scheme`), or a relative reference. */
function relative(s: string, scheme: boolean): boolean {
  const hash = s.indexOf("#");
  if (hash >= 0) {
    if (!uriChars(s.slice(hash + 1), PCHAR + "/?")) return false;
    s = s.slice(0, hash);
  }
  const q = s.indexOf("?");
  if (q >= 0) {
    if (!uriChars(s.slice(q + 1), PCHAR + "/?")) return false;
    s = s.slice(0, q);
  }
  if (s.startsWith("//")) {
    const slash = s.indexOf("/", 2);
    const auth = slash >= 0 ? s.slice(2, slash) : s.slice(2);
    const path = slash >= 0 ? s.slice(slash) : "";
    if (!authority(auth)) return false;
    return uriChars(path, PCHAR + "/");
  }
  if (!scheme) {
    const first = s.split("/", 1)[0] ?? "";
    if (first.includes(":")) return false;
  }
  return uriChars(s, PCHAR + "/");
}

/** The index of the `:` ending a scheme at the start of `s`, -1 when there is none. */
function schemeEnd(s: string): number {
  if (s === "" || !isIn(s[0], ALPHA)) return -1;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === ":") return i;
    if (!isIn(c, ALPHA) && !isIn(c, DIGITS) && !isIn(c, "+-.")) return -1;
  }
  return -1;
}

export function isUri(s: string): boolean {
  const end = schemeEnd(s);
  return end > 0 && relative(s.slice(end + 1), true);
}

export function isUriReference(s: string): boolean {
  return isUri(s) || relative(s, false);
}

export function isEmail(s: string): boolean {
  const at = s.lastIndexOf("@");
  if (at <= 0) return false;
  const local = s.slice(0, at);
  const domain = s.slice(at + 1);
  if (local[0] === '"') {
    if (local.length < 2 || local[local.length - 1] !== '"') return false;
    let i = 1;
    while (i < local.length - 1) {
      const c = local[i] ?? "";
      if (c === "\\") {
        const next = local[i + 1] ?? "";
        if (i + 1 >= local.length - 1 || !(next >= " " && next <= "~")) {
          return false;
        }
        i += 2;
        continue;
      }
      if (c === '"' || !(c >= " " && c <= "~")) return false;
      i++;
    }
  } else {
    for (const atom of local.split(".")) {
      if (atom === "") return false;
      for (const c of atom) {
        if (
          !isIn(c, ALPHA) &&
          !isIn(c, DIGITS) &&
          !isIn(c, "!#$%&'*+-/=?^_`{|}~")
        ) {
          return false;
        }
      }
    }
  }
  if (domain.startsWith("[") && domain.endsWith("]")) {
    const inside = domain.slice(1, -1);
    if (inside.startsWith("IPv6:")) return isIpv6(inside.slice(5));
    return isIpv4(inside);
  }
  return isHostname(domain);
}

export function isJsonPointer(s: string): boolean {
  if (s !== "" && s[0] !== "/") return false;
  let i = 0;
  while (i < s.length) {
    if (s[i] === "~") {
      if (i + 1 >= s.length || !isIn(s[i + 1], "01")) return false;
      i += 2;
      continue;
    }
    i++;
  }
  return true;
}

export function isRelativeJsonPointer(s: string): boolean {
  let i = 0;
  while (i < s.length && isIn(s[i], DIGITS)) i++;
  if (i === 0 || (i > 1 && s[0] === "0")) return false;
  const rest = s.slice(i);
  return rest === "#" || isJsonPointer(rest);
}

/**
 * An ECMA-262 regular expression, as this JavaScript engine reads it in Unicode mode (`u`), the
 * mode the validators use for patterns.
 */
export function isRegex(s: string): boolean {
  try {
    new RegExp(s, "u");
    return true;
  } catch {
    return false;
  }
}

const CHECKS: ReadonlyMap<string, (s: string) => boolean> = new Map([
  ["date", isDate],
  ["date-time", isDateTime],
  ["duration", isDuration],
  ["email", isEmail],
  ["hostname", isHostname],
  ["ipv4", isIpv4],
  ["ipv6", isIpv6],
  ["json-pointer", isJsonPointer],
  ["regex", isRegex],
  ["relative-json-pointer", isRelativeJsonPointer],
  ["time", isTime],
  ["uri", isUri],
  ["uri-reference", isUriReference],
  ["uuid", isUuid],
]);

/** Whether the string `s` is valid for `format` (a format not checked here: true). */
export function checkFormat(format: string, s: string): boolean {
  const check = CHECKS.get(format);
  return check === undefined ? true : check(s);
}
