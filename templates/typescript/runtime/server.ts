/**
 * A StepFlow component server: components register by name with typed input and output, get a
 * {@link StepflowContext} for the `blobs/put` / `blobs/get` callbacks, and are served over STDIO
 * or HTTP (StepFlow 0.9 subprocess mode). The error codes are the Python target's: unknown
 * component -32001, input that fails its validator -32602, a component's exception the method
 * table's execution-failed code (-32003 at 0.9), plus the JSON-RPC ones of the transports.
 *
 * Copied verbatim into generated output (the generator prepends its header). `components.ts`,
 * generated from a component manifest, registers an implementation object with `createServer`.
 */

import { JSONRPC_ERROR, type ParamsOf, type ResultOf } from "./methods.js";
import type { JsonValue } from "./types.js";
import { serveHttp, type ServeHttpOptions } from "./http.js";
import { RpcError, describe, type Caller, type Handle } from "./rpc.js";
import { serveStdio } from "./stdio.js";

export { ConnectionLost, RpcError, TransportError } from "./rpc.js";

/** The error code of an unknown component. */
export const COMPONENT_NOT_FOUND = -32001;
/** The error code of a component that threw (the 0.9 SDK's). */
export const DEFAULT_EXECUTION_FAILED = -32003;
/** The protocol version `initialize` answers. */
export const PROTOCOL_VERSION = 1;

/** Thrown by a component to answer with exactly this code, message and data. */
export class StepflowError extends RpcError {
  constructor(code: number, message: string, data?: JsonValue) {
    super(code, message, data);
    this.name = "StepflowError";
  }
}

type Observability = ParamsOf<"components/execute">["observability"];
type BlobType = ParamsOf<"blobs/put">["blob_type"];
type Callback = "blobs/put" | "blobs/get" | "runs/submit" | "runs/get";

/** What a component gets besides its input: the execute's identity and the callbacks. */
export class StepflowContext {
  private readonly caller: Caller & { readonly signal?: AbortSignal };
  /** The component as the runtime named it (`/process_image`). */
  readonly component: string;
  /** The attempt number, 1-based. */
  readonly attempt: number;
  /** The execute's observability context; copied into every callback. */
  readonly observability: Observability;

  constructor(
    caller: Caller & { readonly signal?: AbortSignal },
    component: string,
    attempt: number,
    observability: Observability,
  ) {
    this.caller = caller;
    this.component = component;
    this.attempt = attempt;
    this.observability = observability;
  }

  /** Aborted when the HTTP client that sent the execute went away (never over STDIO). */
  get signal(): AbortSignal | undefined {
    return this.caller.signal;
  }

  /** Sends a callback to the runtime and waits for its result (throws {@link RpcError}). */
  async call<M extends Callback>(
    method: M,
    params: Omit<ParamsOf<M>, "observability">,
    options: { timeoutMs?: number } = {},
  ): Promise<ResultOf<M>> {
    const full = { ...params, observability: this.observability };
    return (await this.caller.call(
      method,
      full,
      options.timeoutMs,
    )) as ResultOf<M>;
  }

  /** Stores `data` in the runtime's blob store (`blobs/put`); resolves to its id. */
  async putBlob(
    data: JsonValue,
    blobType: BlobType = "data",
    options: { timeoutMs?: number } = {},
  ): Promise<string> {
    const result = await this.call(
      "blobs/put",
      { data, blob_type: blobType },
      options,
    );
    return result.blob_id;
  }

  /** The data of blob `blobId` (`blobs/get`). */
  async getBlob(
    blobId: string,
    options: { timeoutMs?: number } = {},
  ): Promise<JsonValue> {
    const result = await this.call("blobs/get", { blob_id: blobId }, options);
    return result.data;
  }
}

/** A component: its function and what `components/list` reports about it. */
export interface ComponentSpec<I, O> {
  description?: string;
  /** The JSON Schema of the input, reported verbatim by `components/list` and `components/info`. */
  inputSchema?: JsonValue;
  outputSchema?: JsonValue;
  /** Checks the input before the call; without it the component gets the input as received. */
  isInput?: (v: unknown) => v is I;
  /** Why the input is not valid (messages of the -32602 answer). */
  validateInput?: (v: unknown) => string[];
  execute: (input: I, context: StepflowContext) => O | Promise<O>;
}

interface Entry {
  name: string;
  spec: ComponentSpec<unknown, unknown>;
}

/** Options of {@link StepflowServer}. */
export interface ServerOptions {
  /** The code a component's exception is answered with (the method table's). */
  executionFailed?: number;
  /** Largest message accepted, in bytes (STDIO line, HTTP body). */
  maxMessage?: number;
  /** Where warnings go (default: stderr, unless the level is above "warning"). */
  log?: (message: string) => void;
  /** debug, info, warning (default: `LOG_LEVEL` from the environment, else warning), error,
   * critical: a component's failure is logged at info, transport problems at warning. */
  logLevel?: string;
  /** What `main()` serves without `--stdio` or `--http`: "http" (default, what StepFlow 0.9
   * speaks, as the Python `StepflowServer`) or "stdio" (the Python `StepflowStdioServer`). */
  defaultTransport?: "stdio" | "http";
}

function info(entry: Entry): JsonValue {
  const out: { [key: string]: JsonValue } = { component: entry.name };
  if (entry.spec.description !== undefined)
    out["description"] = entry.spec.description;
  if (entry.spec.inputSchema !== undefined)
    out["input_schema"] = entry.spec.inputSchema;
  if (entry.spec.outputSchema !== undefined)
    out["output_schema"] = entry.spec.outputSchema;
  return out;
}

const LEVELS: { readonly [level: string]: number } = {
  debug: 10,
  info: 20,
  warning: 30,
  warn: 30,
  error: 40,
  critical: 50,
};

/** The component server: a registry of components and the `clientToServer` handlers. */
export class StepflowServer {
  readonly components = new Map<string, Entry>();
  readonly executionFailed: number;
  maxMessage: number | undefined;
  log: (message: string) => void;
  /** Logs at info level (a component's failure, with its stack). */
  info: (message: string) => void;
  private readonly sink: ((message: string) => void) | undefined;
  readonly defaultTransport: "stdio" | "http";

  constructor(options: ServerOptions = {}) {
    this.executionFailed = options.executionFailed ?? DEFAULT_EXECUTION_FAILED;
    this.maxMessage = options.maxMessage;
    this.log = () => {};
    this.info = () => {};
    this.sink = options.log;
    this.setLogLevel(options.logLevel ?? process.env["LOG_LEVEL"] ?? "warning");
    this.defaultTransport = options.defaultTransport ?? "http";
  }

  /** Sets the level: debug, info, warning, error, critical. */
  setLogLevel(level: string): void {
    const rank = LEVELS[level.toLowerCase()] ?? 30;
    const write =
      this.sink ?? ((message: string) => process.stderr.write(`${message}\n`));
    this.log = rank <= 30 ? write : () => {};
    this.info = rank <= 20 ? write : () => {};
  }

  /** Registers a component as `/<name>` (a leading `/` is kept). */
  component<I, O>(name: string, spec: ComponentSpec<I, O>): this {
    const path = name.startsWith("/") ? name : `/${name}`;
    if (this.components.has(path)) {
      throw new Error(`component ${path} is registered twice`);
    }
    this.components.set(path, {
      name: path,
      spec: spec as ComponentSpec<unknown, unknown>,
    });
    return this;
  }

  private lookup(component: string): Entry {
    const entry =
      this.components.get(component) ?? this.components.get(`/${component}`);
    if (entry === undefined) {
      throw new RpcError(
        COMPONENT_NOT_FOUND,
        `Component '${component}' not found`,
        { component },
      );
    }
    return entry;
  }

  /** Answers one request or notification (the transports' handle function). */
  readonly handle: Handle = async (method, params, caller) => {
    switch (method) {
      case "initialize":
        return {
          server_protocol_version: PROTOCOL_VERSION,
        } satisfies ResultOf<"initialize">;
      case "initialized":
        return null;
      case "components/list":
        return { components: [...this.components.values()].map(info) };
      case "components/info": {
        const p = params as ParamsOf<"components/info">;
        return { info: info(this.lookup(p.component)) };
      }
      case "components/execute":
        return this.execute(params as ParamsOf<"components/execute">, caller);
      default:
        throw new RpcError(
          JSONRPC_ERROR.METHOD_NOT_FOUND,
          `Method not found: ${method}`,
        );
    }
  };

  private async execute(
    params: ParamsOf<"components/execute">,
    caller: Caller,
  ): Promise<ResultOf<"components/execute">> {
    const entry = this.lookup(params.component);
    const spec = entry.spec;
    const input: unknown = params.input;
    if (spec.isInput !== undefined && !spec.isInput(input)) {
      const problems = spec.validateInput?.(input) ?? ["#: invalid input"];
      throw new RpcError(
        JSONRPC_ERROR.INVALID_PARAMS,
        `Invalid input for component ${entry.name}: ${problems.join("; ")}`,
        { component: entry.name, problems },
      );
    }
    const context = new StepflowContext(
      caller,
      params.component,
      params.attempt,
      params.observability,
    );
    try {
      const output = await spec.execute(input, context);
      return { output: (output === undefined ? null : output) as JsonValue };
    } catch (e) {
      if (e instanceof StepflowError) {
        throw e;
      }
      this.info(`component ${entry.name} failed: ${describe(e)}`);
      const text =
        e instanceof RpcError
          ? e.toString()
          : e instanceof Error
            ? e.message
            : String(e);
      const exception = e instanceof Error ? e.name : typeof e;
      throw new RpcError(
        this.executionFailed,
        `Component execution failed: ${text}`,
        {
          component: entry.name,
          exception,
        },
      );
    }
  }

  /** Serves on stdin/stdout until stdin closes, then finishes the work in flight. */
  serveStdio(options: { protectStdout?: boolean } = {}): Promise<void> {
    return serveStdio(this.handle, {
      ...options,
      log: this.log,
      ...(this.maxMessage !== undefined ? { maxMessage: this.maxMessage } : {}),
    });
  }

  /** Serves HTTP (prints `{"port": N}` once listening) until SIGTERM/SIGINT. */
  serveHttp(options: ServeHttpOptions = {}): Promise<void> {
    return serveHttp(this.handle, {
      log: this.log,
      ...(this.maxMessage !== undefined ? { maxMessage: this.maxMessage } : {}),
      ...options,
    });
  }

  /**
   * The command line of a server file: `--stdio | --http [--host H] [--port N]
   * [--max-message BYTES] [--log-level debug|info|warning|error|critical]`.
   */
  async main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
    let transport = this.defaultTransport;
    let host = "127.0.0.1";
    let port = 0;
    let level: string | undefined;
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i];
      const value = (): string => {
        const v = argv[++i];
        if (v === undefined) throw new Error(`${arg} needs a value`);
        return v;
      };
      switch (arg) {
        case "--stdio":
          transport = "stdio";
          break;
        case "--http":
          transport = "http";
          break;
        case "--host":
          host = value();
          break;
        case "--port":
          port = Number.parseInt(value(), 10);
          break;
        case "--max-message":
          this.maxMessage = Number.parseInt(value(), 10);
          break;
        case "--log-level":
          level = value().toLowerCase();
          break;
        default:
          process.stderr.write(`unknown argument ${String(arg)}\n`);
          process.exit(2);
      }
    }
    if (level !== undefined) {
      this.setLogLevel(level);
    }
    if (transport === "http") {
      await this.serveHttp({ host, port });
      process.exit(0);
    }
    await this.serveStdio();
    process.exit(0);
  }
}
