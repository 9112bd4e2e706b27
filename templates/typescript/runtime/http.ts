/**
 * The HTTP transport, as the StepFlow 0.9 runtime speaks it: every message is a `POST /`; a
 * request is answered `200 application/json`, or, from its first callback on, with a
 * `text/event-stream` (header `stepflow-instance-id`) whose events are the callbacks and whose
 * last event is the answer; the runtime POSTs its answers to the callbacks (`202 ""`).
 * Subprocess mode: listen on 127.0.0.1 (port 0 by default) and print `{"port": N}` on stdout.
 */

import { randomBytes } from "node:crypto";
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { JSONRPC_ERROR } from "./methods.js";
import {
  ConnectionLost,
  DEFAULT_MAX_MESSAGE,
  Outgoing,
  RpcError,
  TransportError,
  answer,
  decode,
  describe,
  errorText,
  prefixId,
  type Caller,
  type Handle,
} from "./rpc.js";
import { NO_CALLER } from "./stdio.js";

/** The header carrying {@link INSTANCE_ID} on event streams (the runtime copies it back). */
export const INSTANCE_ID_HEADER = "stepflow-instance-id";
/** This process's instance id: 16 hex digits. */
export const INSTANCE_ID = randomBytes(8).toString("hex");

const ACCEPTED = '""';

function sendJson(
  res: ServerResponse,
  status: number,
  body: string,
  headers: { [name: string]: string } = {},
): void {
  if (res.headersSent || res.destroyed) {
    return;
  }
  const data = Buffer.from(body, "utf8");
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(data.length),
    ...headers,
  });
  res.end(data);
}

/** One POSTed request: answered with JSON, or with an event stream once it calls back. */
class Exchange implements Caller {
  private streaming = false;
  private finished = false;
  private gone = false;
  private readonly ids = new Set<string>();
  private readonly controller = new AbortController();
  readonly signal: AbortSignal = this.controller.signal;
  private readonly app: HttpApp;
  private readonly res: ServerResponse;

  constructor(app: HttpApp, res: ServerResponse) {
    this.app = app;
    this.res = res;
  }

  call(method: string, params: unknown, timeoutMs?: number): Promise<unknown> {
    return this.app.outgoing.request(
      method,
      params,
      (text) => this.event(text),
      timeoutMs,
      this.ids,
    );
  }

  private event(text: string): void {
    if (this.finished) {
      throw new TransportError("the answer was already sent");
    }
    if (this.gone) {
      throw new ConnectionLost("the client went away");
    }
    if (!this.streaming) {
      this.res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        [INSTANCE_ID_HEADER]: INSTANCE_ID,
      });
      this.streaming = true;
    }
    this.res.write(`data: ${text}\n\n`);
  }

  async run(request: {
    method: string;
    params: unknown;
    idText: string;
  }): Promise<void> {
    this.res.on("close", () => {
      if (!this.res.writableFinished) {
        this.gone = true;
        this.controller.abort(new ConnectionLost("the client went away"));
        this.app.outgoing.failAll(this.ids, "the client went away");
      }
    });
    const text = await answer(request, this.app.handle, this, this.app.log);
    this.finished = true;
    if (this.gone) {
      this.app.log(`client went away: ${request.method} not answered`);
      return;
    }
    if (this.streaming) {
      this.res.end(`data: ${text}\n\n`);
    } else {
      sendJson(this.res, 200, text);
    }
  }
}

/** Options of {@link HttpApp} and {@link serveHttp}. */
export interface HttpOptions {
  maxMessage?: number;
  log?: (message: string) => void;
}

/** The request listener of the HTTP transport (plain `node:http`, no framework). */
export class HttpApp {
  readonly outgoing = new Outgoing();
  readonly maxMessage: number;
  readonly log: (message: string) => void;
  readonly handle: Handle;

  constructor(handle: Handle, options: HttpOptions = {}) {
    this.handle = handle;
    this.maxMessage = options.maxMessage ?? DEFAULT_MAX_MESSAGE;
    this.log = options.log ?? (() => {});
  }

  /** The `(req, res)` listener for `http.createServer`. */
  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    this.serve(req, res).catch((e: unknown) => {
      this.log(`http: ${describe(e)}`);
      const text = errorText(
        null,
        JSONRPC_ERROR.INTERNAL_ERROR,
        `Internal error: ${String(e)}`,
      );
      sendJson(res, 500, text);
    });
  };

  private async serve(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const path = (req.url ?? "/").split("?", 1)[0] ?? "/";
    const method = req.method ?? "GET";
    if (path === "/health") {
      req.resume();
      if (method !== "GET" && method !== "HEAD") {
        sendJson(res, 405, '{"error":"method not allowed"}');
      } else {
        sendJson(res, 200, '{"status":"healthy"}');
      }
      return;
    }
    if (path !== "/" && path !== "") {
      req.resume();
      sendJson(res, 404, '{"error":"not found"}');
      return;
    }
    if (method !== "POST") {
      req.resume();
      sendJson(res, 405, '{"error":"method not allowed"}', { allow: "POST" });
      return;
    }
    const ctype =
      (req.headers["content-type"] ?? "")
        .split(";", 1)[0]
        ?.trim()
        .toLowerCase() ?? "";
    if (ctype !== "application/json") {
      req.resume();
      const text = `Unsupported content type ${JSON.stringify(ctype || "(none)")}: use application/json`;
      sendJson(res, 415, errorText(null, JSONRPC_ERROR.INVALID_REQUEST, text));
      return;
    }
    const body = await this.body(req);
    if (!body.ok) {
      const p = prefixId(body.head);
      const text = `Invalid message: more than the limit of ${this.maxMessage} bytes`;
      sendJson(
        res,
        413,
        errorText(p?.idText ?? null, JSONRPC_ERROR.INVALID_REQUEST, text),
      );
      return;
    }
    await this.message(body.data, res);
  }

  private body(
    req: IncomingMessage,
  ): Promise<{ ok: true; data: Buffer } | { ok: false; head: Buffer }> {
    const limit = this.maxMessage;
    const declared = Number(req.headers["content-length"] ?? "NaN");
    return new Promise((resolve, reject) => {
      const parts: Buffer[] = [];
      let size = 0;
      let over = Number.isFinite(declared) && declared > limit;
      let head: Buffer | null = null;
      req.on("data", (chunk: Buffer) => {
        if (over) {
          head ??= chunk.subarray(0, 1024);
          return;
        }
        size += chunk.length;
        parts.push(chunk);
        if (size > limit) {
          over = true;
          head = Buffer.concat(parts).subarray(0, 1024);
          parts.length = 0;
        }
      });
      req.on("end", () => {
        resolve(
          over
            ? { ok: false, head: head ?? Buffer.alloc(0) }
            : { ok: true, data: Buffer.concat(parts) },
        );
      });
      req.on("error", reject);
    });
  }

  /** Handles one POSTed JSON-RPC message. */
  async message(data: Buffer, res: ServerResponse): Promise<void> {
    const m = decode(data, this.outgoing.methodOf);
    switch (m.kind) {
      case "request":
        await new Exchange(this, res).run(m);
        return;
      case "notification":
        try {
          await this.handle(m.method, m.params, NO_CALLER);
        } catch (e) {
          this.log(
            `error while handling the notification ${m.method}: ${describe(e)}`,
          );
        }
        sendJson(res, 202, ACCEPTED);
        return;
      case "response":
      case "error":
        if (this.outgoing.settle(m) === "unknown") {
          const text = `Invalid message: no request with id ${m.idText ?? "null"} is waiting for an answer`;
          sendJson(
            res,
            400,
            errorText(m.idText, JSONRPC_ERROR.INVALID_REQUEST, text),
          );
        } else {
          sendJson(res, 202, ACCEPTED);
        }
        return;
      case "invalid": {
        if (m.claimed === "response" && m.id !== null) {
          this.outgoing.fail(m.id, new RpcError(m.code, m.message));
        }
        const ok =
          m.code === JSONRPC_ERROR.METHOD_NOT_FOUND ||
          m.code === JSONRPC_ERROR.INVALID_PARAMS;
        sendJson(res, ok ? 200 : 400, errorText(m.idText, m.code, m.message));
        return;
      }
    }
  }
}

/** Options of {@link serveHttp}. */
export interface ServeHttpOptions extends HttpOptions {
  host?: string;
  port?: number;
  /** Print `{"port": N}` on stdout once listening (subprocess mode). Default true. */
  announce?: boolean;
  /** Called with the listening server. */
  onListening?: (server: Server, port: number) => void;
}

/**
 * Serves HTTP until SIGTERM or SIGINT (then stops accepting, gives the requests in flight 5 s).
 * Binds first, then prints exactly `{"port": N}` and a newline on stdout.
 */
export function serveHttp(
  handle: Handle,
  options: ServeHttpOptions = {},
): Promise<void> {
  const app = new HttpApp(handle, options);
  const server = createServer(app.listener);
  server.keepAliveTimeout = 5000;
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      const address = server.address();
      const port =
        typeof address === "object" && address !== null ? address.port : 0;
      if (options.announce ?? true) {
        process.stdout.write(`{"port": ${port}}\n`);
      }
      options.onListening?.(server, port);
    });
    const stop = (): void => {
      app.outgoing.close("the server is shutting down");
      server.close(() => resolve());
      server.closeIdleConnections();
      setTimeout(() => {
        server.closeAllConnections();
        resolve();
      }, 5000).unref();
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
}
