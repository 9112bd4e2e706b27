/**
 * JSON-RPC 2.0 plumbing shared by the STDIO and HTTP transports of the component server:
 * decoding a message as the Python target's `decode_message` does (same error codes, same ids),
 * the table of our own requests waiting for their answers, and answering a request.
 *
 * Copied verbatim into generated output (the generator prepends its header); it needs the
 * generated `methods.ts` and `types.ts` beside it and Node's standard library only.
 */

import { randomUUID } from "node:crypto";
import {
  JSONRPC_ERROR,
  MessageError,
  checkMessage,
  type JsonRpcId,
} from "./methods.js";
import type { JsonValue } from "./types.js";

/** Largest message accepted (a STDIO line, an HTTP body), in bytes. */
export const DEFAULT_MAX_MESSAGE = 16 * 1024 * 1024;

/** Deepest nesting of arrays and objects accepted in a message (as the Python peers). */
export const MAX_DEPTH = 1000;

/** A JSON-RPC error: raised by a call the peer answered with an error, and thrown by a
 * handler or a component to answer with exactly this code, message and data. */
export class RpcError extends Error {
  readonly code: number;
  readonly data: JsonValue | undefined;

  constructor(code: number, message: string, data?: JsonValue) {
    super(message);
    this.name = "RpcError";
    this.code = code;
    this.data = data;
  }

  override toString(): string {
    return `JSON-RPC error ${this.code}: ${this.message}`;
  }
}

/** The message could not be delivered or its answer could not be read. */
export class TransportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TransportError";
  }
}

/** The peer went away (stdin closed, client disconnected) before answering. */
export class ConnectionLost extends TransportError {
  constructor(message: string) {
    super(message);
    this.name = "ConnectionLost";
  }
}

/** Sends requests to the peer that sent the message being handled (callbacks). */
export interface Caller {
  call(method: string, params: unknown, timeoutMs?: number): Promise<unknown>;
}

/** A request or notification to handle: `(method, params, caller) -> result`. */
export type Handle = (
  method: string,
  params: unknown,
  caller: Caller,
) => Promise<unknown>;

/** What an incoming message turned out to be. `idText` is the id as it was written (an
 * integer id beyond 2^53 is answered with its exact digits). */
export type Incoming =
  | {
      kind: "request";
      method: string;
      params: unknown;
      id: JsonRpcId;
      idText: string;
    }
  | { kind: "notification"; method: string; params: unknown }
  | { kind: "response"; id: JsonRpcId; idText: string; result: unknown }
  | {
      kind: "error";
      id: JsonRpcId | null;
      idText: string | null;
      code: number;
      message: string;
      data: JsonValue | undefined;
    }
  | {
      kind: "invalid";
      code: number;
      message: string;
      id: JsonRpcId | null;
      idText: string | null;
      /** What the message claimed to be: a bad notification is never answered (over STDIO). */
      claimed: "request" | "notification" | "response" | null;
    };

const PREFIX_ID =
  /^\s*\{\s*(?:"(?:jsonrpc|method)"\s*:\s*"[^"\\]{0,64}"\s*,\s*)*"id"\s*:\s*("(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4}){0,256}"|-?(?:0|[1-9][0-9]{0,18}))\s*[,}]/;

const utf8 = new TextDecoder("utf-8", { fatal: true });

function isRecord(v: unknown): v is { [key: string]: unknown } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function hasOwn(v: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(v, key);
}

/**
 * The id of a message that cannot be decoded whole (too long, too deep, bad UTF-8), if it comes
 * first: `{"jsonrpc": "2.0", "id": ...` (`jsonrpc` and `method` may come before `id`), as both
 * StepFlow sides write their messages.
 */
export function prefixId(
  data: Uint8Array,
): { id: JsonRpcId; idText: string } | null {
  const head = Buffer.from(data.subarray(0, 1024)).toString("latin1");
  const m = PREFIX_ID.exec(head);
  if (m === null || m[1] === undefined) {
    return null;
  }
  let text: string;
  try {
    text = utf8.decode(Buffer.from(m[1], "latin1"));
  } catch {
    return null;
  }
  const value: unknown = JSON.parse(text);
  if (typeof value === "string") {
    return { id: value, idText: text };
  }
  const big = BigInt(text);
  if (big < -(2n ** 63n) || big >= 2n ** 63n) {
    return null;
  }
  return { id: Number(text), idText: text };
}

/** Whether `text` nests arrays and objects more than `limit` deep. */
export function tooDeep(text: string, limit: number = MAX_DEPTH): boolean {
  if (text.length <= limit * 2) {
    return false;
  }
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) {
        i++;
      } else if (c === 0x22) {
        inString = false;
      }
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) {
        return true;
      }
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/** The source text of the last top-level `"id"` member of valid JSON `text` (an object). */
function rawTopLevelId(text: string): string | null {
  let depth = 0;
  let found: string | null = null;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const start = i;
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) {
          i += 2;
        } else if (d === 0x22) {
          break;
        } else {
          i++;
        }
      }
      i++;
      if (depth === 1) {
        let j = i;
        while (j < n && /\s/.test(text[j] ?? "")) j++;
        if (text[j] === ":") {
          const key: unknown = JSON.parse(text.slice(start, i));
          if (key === "id") {
            j++;
            while (j < n && /\s/.test(text[j] ?? "")) j++;
            let k = j;
            while (k < n && /[-+0-9.eE]/.test(text[k] ?? "")) k++;
            if (k > j) {
              found = text.slice(j, k);
            }
          }
        }
      }
      continue;
    }
    if (c === 0x5b || c === 0x7b) {
      depth++;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
    i++;
  }
  return found;
}

function claimedKind(
  value: unknown,
): "request" | "notification" | "response" | null {
  if (!isRecord(value)) {
    return null;
  }
  if (hasOwn(value, "method")) {
    return hasOwn(value, "id") ? "request" : "notification";
  }
  return hasOwn(value, "result") || hasOwn(value, "error") ? "response" : null;
}

function idTextOf(id: JsonRpcId | null, raw: string | null): string | null {
  if (id === null) {
    return null;
  }
  return raw ?? JSON.stringify(id);
}

/**
 * Decodes one message (a STDIO line or an HTTP body) and checks it against the envelope and
 * the method table. `methodOf` names the method of our request a response answers, so that
 * its result is checked too.
 */
export function decode(
  data: Uint8Array,
  methodOf: (id: JsonRpcId) => string | undefined,
): Incoming {
  let text: string;
  try {
    text = utf8.decode(data);
  } catch {
    const p = prefixId(data);
    return {
      kind: "invalid",
      code: JSONRPC_ERROR.PARSE_ERROR,
      message: "Parse error: invalid UTF-8",
      id: p?.id ?? null,
      idText: p?.idText ?? null,
      claimed: null,
    };
  }
  if (tooDeep(text)) {
    const p = prefixId(data);
    return {
      kind: "invalid",
      code: JSONRPC_ERROR.INVALID_REQUEST,
      message: "Invalid message: nested too deeply",
      id: p?.id ?? null,
      idText: p?.idText ?? null,
      claimed: null,
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return {
      kind: "invalid",
      code: JSONRPC_ERROR.PARSE_ERROR,
      message: `Parse error: ${e instanceof Error ? e.message : String(e)}`,
      id: null,
      idText: null,
      claimed: null,
    };
  }
  const claimed = claimedKind(value);
  let raw: string | null = null;
  if (isRecord(value) && typeof value["id"] === "number") {
    raw = rawTopLevelId(text);
    if (raw !== null && /[.eE]/.test(raw)) {
      // 1.0 and 1e3 are integers, as in JSON Schema and the Python and Rust decoders (checkMessage
      // refuses 1.5): the answer carries the integer (1, 1000), as theirs do, not the text
      raw = null;
    }
  }
  try {
    const d = checkMessage(value, methodOf);
    switch (d.kind) {
      case "request":
        return {
          kind: "request",
          method: d.message.method,
          params: d.message.params,
          id: d.message.id,
          idText: idTextOf(d.message.id, raw) ?? "null",
        };
      case "notification":
        return {
          kind: "notification",
          method: d.message.method,
          params: d.message.params,
        };
      case "response":
      case "untypedResponse":
        return {
          kind: "response",
          id: d.message.id,
          idText: idTextOf(d.message.id, raw) ?? "null",
          result: d.message.result,
        };
      case "error":
        return {
          kind: "error",
          id: d.message.id,
          idText: idTextOf(d.message.id, raw),
          code: d.message.error.code,
          message: d.message.error.message,
          data: d.message.error.data,
        };
    }
  } catch (e) {
    if (!(e instanceof MessageError)) {
      throw e;
    }
    return {
      kind: "invalid",
      code: e.code,
      message: e.message,
      id: e.id,
      idText: idTextOf(e.id, raw),
      claimed,
    };
  }
}

/** An error response, as text. */
export function errorText(
  idText: string | null,
  code: number,
  message: string,
  data?: JsonValue,
): string {
  const error: { code: number; message: string; data?: JsonValue } = {
    code,
    message,
  };
  if (data !== undefined) {
    error.data = data;
  }
  return `{"jsonrpc":"2.0","id":${idText ?? "null"},"error":${JSON.stringify(error)}}`;
}

/** A request we send, as text. */
export function requestText(
  id: string,
  method: string,
  params: unknown,
): string {
  return JSON.stringify({ jsonrpc: "2.0", id, method, params });
}

/** Runs `handle` on a request and returns the response text; never throws: an
 * {@link RpcError} is answered as it is, any other exception with -32603. */
export async function answer(
  request: { method: string; params: unknown; idText: string },
  handle: Handle,
  caller: Caller,
  log: (message: string) => void,
): Promise<string> {
  try {
    const result = await handle(request.method, request.params, caller);
    return `{"jsonrpc":"2.0","id":${request.idText},"result":${JSON.stringify(result === undefined ? null : result)}}`;
  } catch (e) {
    if (e instanceof RpcError) {
      return errorText(request.idText, e.code, e.message, e.data);
    }
    log(`unexpected error while answering ${request.method}: ${describe(e)}`);
    return errorText(
      request.idText,
      JSONRPC_ERROR.INTERNAL_ERROR,
      `Internal error: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

/** A thrown value for a log line (with its stack when it has one). */
export function describe(e: unknown): string {
  return e instanceof Error
    ? (e.stack ?? `${e.name}: ${e.message}`)
    : String(e);
}

interface Pending {
  method: string;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** Our requests waiting for their answers: id -> (method, promise). */
export class Outgoing {
  private readonly pending = new Map<string, Pending>();
  private readonly abandoned = new Set<string>();
  closed: string | null = null;

  get size(): number {
    return this.pending.size;
  }

  /** The method of our request with this id, if one is waiting. */
  readonly methodOf = (id: JsonRpcId): string | undefined =>
    typeof id === "string" ? this.pending.get(id)?.method : undefined;

  /** Sends a request with a fresh id through `send` and waits for its result. */
  request(
    method: string,
    params: unknown,
    send: (text: string) => void,
    timeoutMs?: number,
    track?: Set<string>,
  ): Promise<unknown> {
    if (this.closed !== null) {
      return Promise.reject(new ConnectionLost(this.closed));
    }
    const id = randomUUID();
    return new Promise<unknown>((resolve, reject) => {
      const entry: Pending = { method, resolve, reject, timer: undefined };
      if (timeoutMs !== undefined) {
        entry.timer = setTimeout(() => {
          this.forget(id);
          reject(
            new TransportError(`${method}: no answer within ${timeoutMs} ms`),
          );
        }, timeoutMs);
      }
      this.pending.set(id, entry);
      track?.add(id);
      try {
        send(requestText(id, method, params));
      } catch (e) {
        this.forget(id);
        reject(e instanceof Error ? e : new TransportError(String(e)));
      }
    });
  }

  private forget(id: string): void {
    const entry = this.pending.get(id);
    if (entry !== undefined) {
      this.pending.delete(id);
      if (entry.timer !== undefined) clearTimeout(entry.timer);
      this.abandoned.add(id);
      if (this.abandoned.size > 4096) {
        const first = this.abandoned.values().next();
        if (first.done !== true) this.abandoned.delete(first.value);
      }
    }
  }

  private take(id: JsonRpcId | null): Pending | undefined {
    if (typeof id !== "string") {
      return undefined;
    }
    const entry = this.pending.get(id);
    if (entry !== undefined) {
      this.pending.delete(id);
      if (entry.timer !== undefined) clearTimeout(entry.timer);
    }
    return entry;
  }

  /** Resolves the call a response answers: "settled", "late" (given up on) or "unknown". */
  settle(
    message: Incoming & { kind: "response" | "error" },
  ): "settled" | "late" | "unknown" {
    const entry = this.take(message.id);
    if (entry === undefined) {
      return typeof message.id === "string" && this.abandoned.has(message.id)
        ? "late"
        : "unknown";
    }
    if (message.kind === "error") {
      entry.reject(new RpcError(message.code, message.message, message.data));
    } else {
      entry.resolve(message.result);
    }
    return "settled";
  }

  /** Fails the call with this id (a malformed answer to it): whether one was waiting or given up. */
  fail(id: JsonRpcId | null, error: Error): boolean {
    const entry = this.take(id);
    if (entry === undefined) {
      return typeof id === "string" && this.abandoned.has(id);
    }
    entry.reject(error);
    return true;
  }

  /** Fails the calls with these ids (an HTTP exchange that ended). */
  failAll(ids: Iterable<string>, reason: string): void {
    for (const id of ids) {
      const entry = this.take(id);
      entry?.reject(
        new ConnectionLost(`${reason} (while calling ${entry.method})`),
      );
    }
  }

  /** Fails every waiting call with {@link ConnectionLost}, and all later ones. */
  close(reason: string): void {
    this.closed = reason;
    for (const id of [...this.pending.keys()]) {
      const entry = this.take(id);
      entry?.reject(
        new ConnectionLost(`${reason} (while calling ${entry.method})`),
      );
    }
  }
}
