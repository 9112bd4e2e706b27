/**
 * The runtime side: a typed client that drives a component server over STDIO (it launches the
 * process) or HTTP (JSON or SSE answers; callbacks answered by a separate POST carrying the
 * stream's `stepflow-instance-id`), and answers the server's callbacks with {@link RuntimeHandlers}
 * (default: {@link InMemoryRuntime}, blobs in a map with StepFlow's ids).
 *
 * Copied verbatim into generated output (the generator prepends its header).
 */

import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { Agent, request as httpRequest } from "node:http";
import { JSONRPC_ERROR, type ParamsOf, type ResultOf } from "./methods.js";
import type { JsonValue } from "./types.js";
import {
  ConnectionLost,
  RpcError,
  TransportError,
  answer,
  decode,
  errorText,
  requestText,
  type Handle,
} from "./rpc.js";
import { LinePeer } from "./stdio.js";
import { INSTANCE_ID_HEADER } from "./http.js";

/** The requests a client sends. */
export type ClientRequest =
  | "initialize"
  | "components/list"
  | "components/info"
  | "components/execute";

/** Handlers of the server's callbacks; a missing one answers -32601. */
export interface RuntimeHandlers {
  "blobs/put"?: (
    params: ParamsOf<"blobs/put">,
  ) => ResultOf<"blobs/put"> | Promise<ResultOf<"blobs/put">>;
  "blobs/get"?: (
    params: ParamsOf<"blobs/get">,
  ) => ResultOf<"blobs/get"> | Promise<ResultOf<"blobs/get">>;
}

/** The id StepFlow gives a blob: SHA-256 (hex) of its compact JSON (`JSON.stringify`; serde_json
 * writes a few numbers differently: `1e21` for JavaScript's `1e+21`, `1e20` for `100000000000000000000`). */
export function blobId(data: JsonValue): string {
  return createHash("sha256")
    .update(JSON.stringify(data), "utf8")
    .digest("hex");
}

/** Blobs in a map, ids as StepFlow computes them; an unknown id is answered -32000 "Failed to get blob". */
export class InMemoryRuntime implements RuntimeHandlers {
  readonly blobs = new Map<
    string,
    { data: JsonValue; blobType: ParamsOf<"blobs/put">["blob_type"] }
  >();

  "blobs/put" = (params: ParamsOf<"blobs/put">): ResultOf<"blobs/put"> => {
    const id = blobId(params.data);
    this.blobs.set(id, { data: params.data, blobType: params.blob_type });
    return { blob_id: id };
  };

  "blobs/get" = (params: ParamsOf<"blobs/get">): ResultOf<"blobs/get"> => {
    const blob = this.blobs.get(params.blob_id);
    if (blob === undefined) {
      throw new RpcError(-32000, "Failed to get blob", null);
    }
    return { data: blob.data, blob_type: blob.blobType };
  };
}

function handleWith(handlers: RuntimeHandlers): Handle {
  return async (method, params) => {
    if (method === "blobs/put" && handlers["blobs/put"] !== undefined) {
      return handlers["blobs/put"](params as ParamsOf<"blobs/put">);
    }
    if (method === "blobs/get" && handlers["blobs/get"] !== undefined) {
      return handlers["blobs/get"](params as ParamsOf<"blobs/get">);
    }
    throw new RpcError(
      JSONRPC_ERROR.METHOD_NOT_FOUND,
      `Method not found: ${method}`,
    );
  };
}

interface Transport {
  call(method: string, params: unknown, timeoutMs?: number): Promise<unknown>;
  notify(method: string, params: unknown): Promise<void>;
  close(): Promise<void>;
}

/** A typed client for one component server. */
export class StepflowClient {
  private readonly transport: Transport;
  readonly handlers: RuntimeHandlers;
  /** The server process (STDIO only). */
  readonly process: ChildProcess | undefined;

  private constructor(
    transport: Transport,
    handlers: RuntimeHandlers,
    process?: ChildProcess,
  ) {
    this.transport = transport;
    this.handlers = handlers;
    this.process = process;
  }

  /** Launches `command args` and speaks JSON-RPC on its stdin/stdout (its stderr passes through). */
  static connectStdio(
    command: string,
    args: readonly string[] = [],
    options: {
      handlers?: RuntimeHandlers;
      env?: NodeJS.ProcessEnv;
      cwd?: string;
      maxMessage?: number;
    } = {},
  ): StepflowClient {
    const handlers = options.handlers ?? new InMemoryRuntime();
    const child = spawn(command, args, {
      stdio: ["pipe", "pipe", "inherit"],
      ...(options.env !== undefined ? { env: options.env } : {}),
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    });
    const stdin = child.stdin;
    const stdout = child.stdout;
    if (stdin === null || stdout === null) {
      throw new TransportError("the server process has no stdin/stdout pipes");
    }
    const peer = new LinePeer(
      handleWith(handlers),
      (text) => stdin.write(text),
      options.maxMessage,
    );
    stdin.on("error", () => peer.closeOutput());
    const running = peer.run(stdout, "the server's stdout ended");
    const transport: Transport = {
      call: (method, params, timeoutMs) => peer.call(method, params, timeoutMs),
      notify: async (method, params) => {
        peer.send(JSON.stringify({ jsonrpc: "2.0", method, params }));
        await new Promise((resolve) => setImmediate(resolve));
      },
      close: async () => {
        peer.flush();
        stdin.end();
        const exited = new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) resolve();
          else child.once("exit", () => resolve());
        });
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
        await running;
      },
    };
    return new StepflowClient(transport, handlers, child);
  }

  /** Every message is a `POST` to `url`. */
  static connectHttp(
    url: string,
    options: { handlers?: RuntimeHandlers } = {},
  ): StepflowClient {
    const handlers = options.handlers ?? new InMemoryRuntime();
    return new StepflowClient(
      new HttpTransport(url, handleWith(handlers)),
      handlers,
    );
  }

  /** Sends request `method` (typed by the method table) and resolves to its checked result. */
  async call<M extends ClientRequest>(
    method: M,
    params: ParamsOf<M>,
    options: { timeoutMs?: number } = {},
  ): Promise<ResultOf<M>> {
    return (await this.transport.call(
      method,
      params,
      options.timeoutMs,
    )) as ResultOf<M>;
  }

  initialize(params: ParamsOf<"initialize">): Promise<ResultOf<"initialize">> {
    return this.call("initialize", params);
  }

  initialized(): Promise<void> {
    return this.transport.notify("initialized", {});
  }

  componentsList(): Promise<ResultOf<"components/list">> {
    return this.call("components/list", {});
  }

  componentsInfo(
    params: ParamsOf<"components/info">,
  ): Promise<ResultOf<"components/info">> {
    return this.call("components/info", params);
  }

  componentsExecute(
    params: ParamsOf<"components/execute">,
    options: { timeoutMs?: number } = {},
  ): Promise<ResultOf<"components/execute">> {
    return this.call("components/execute", params, options);
  }

  /** STDIO: closes stdin, gives the server 5 s to finish and exit, then kills it. */
  close(): Promise<void> {
    return this.transport.close();
  }
}

/** An answer to a POST: status, headers, and the body as it arrives. */
interface Answer {
  status: number;
  header(name: string): string | undefined;
  body: AsyncIterable<Buffer>;
  discard(): void;
}

class HttpTransport implements Transport {
  private readonly url: URL;
  private readonly handle: Handle;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });

  constructor(url: string, handle: Handle) {
    this.url = new URL(url);
    this.handle = handle;
  }

  private post(
    body: string,
    headers: { [name: string]: string } = {},
    signal?: AbortSignal,
  ): Promise<Answer> {
    const data = Buffer.from(body, "utf8");
    return new Promise<Answer>((resolve, reject) => {
      const req = httpRequest(this.url, {
        method: "POST",
        agent: this.agent,
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "content-length": String(data.length),
          ...headers,
        },
        ...(signal !== undefined ? { signal } : {}),
      });
      req.on("response", (res) => {
        resolve({
          status: res.statusCode ?? 0,
          header: (name) => {
            const v = res.headers[name.toLowerCase()];
            return Array.isArray(v) ? v.join(", ") : v;
          },
          body: res,
          discard: () => res.destroy(),
        });
      });
      req.on("error", (e) =>
        reject(new ConnectionLost(`POST ${this.url.href}: ${e.message}`)),
      );
      req.end(data);
    });
  }

  private static async text(answer: Answer): Promise<string> {
    const parts: Buffer[] = [];
    for await (const chunk of answer.body) parts.push(chunk);
    return Buffer.concat(parts).toString("utf8");
  }

  async notify(method: string, params: unknown): Promise<void> {
    const res = await this.post(
      JSON.stringify({ jsonrpc: "2.0", method, params }),
    );
    await HttpTransport.text(res);
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }

  async call(
    method: string,
    params: unknown,
    timeoutMs?: number,
  ): Promise<unknown> {
    const id = randomUUID();
    const methodOf = (rid: unknown): string | undefined =>
      rid === id ? method : undefined;
    const controller = new AbortController();
    const timer =
      timeoutMs !== undefined
        ? setTimeout(() => controller.abort(), timeoutMs)
        : undefined;
    const finish = (text: string): unknown => {
      const m = decode(Buffer.from(text, "utf8"), methodOf);
      if (m.kind === "response" && m.id === id) return m.result;
      if (m.kind === "error") throw new RpcError(m.code, m.message, m.data);
      if (m.kind === "invalid") throw new RpcError(m.code, m.message);
      throw new TransportError(
        `unexpected answer to ${method}: ${text.slice(0, 200)}`,
      );
    };
    try {
      const res = await this.post(
        requestText(id, method, params),
        {},
        controller.signal,
      );
      if (!(res.header("content-type") ?? "").startsWith("text/event-stream")) {
        return finish(await HttpTransport.text(res));
      }
      const instance = res.header(INSTANCE_ID_HEADER) ?? null;
      const utf8 = new TextDecoder();
      let buffer = "";
      for await (const chunk of res.body) {
        buffer += utf8.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = event
            .split("\n")
            .filter((l) => l.startsWith("data:"))
            .map((l) => l.slice(l.startsWith("data: ") ? 6 : 5))
            .join("\n");
          const m = decode(Buffer.from(data, "utf8"), methodOf);
          if (m.kind === "request") {
            void this.callback(m, instance);
            continue;
          }
          res.discard();
          return finish(data);
        }
      }
      throw new ConnectionLost(
        `the event stream of ${method} ended without an answer`,
      );
    } catch (e) {
      if (controller.signal.aborted)
        throw new TransportError(`${method}: no answer within ${timeoutMs} ms`);
      throw e;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  private async callback(
    m: { method: string; params: unknown; idText: string },
    instance: string | null,
  ): Promise<void> {
    const text = await answer(m, this.handle, NO_CALLBACKS, () => {});
    try {
      const res = await this.post(
        text,
        instance !== null ? { [INSTANCE_ID_HEADER]: instance } : {},
      );
      await HttpTransport.text(res);
    } catch {
      // the stream's end tells the caller what went wrong
    }
  }
}

const NO_CALLBACKS = {
  call(method: string): Promise<unknown> {
    return Promise.reject(
      new TransportError(`cannot send ${method} from a callback`),
    );
  },
};

export { ConnectionLost, RpcError, TransportError, errorText };
