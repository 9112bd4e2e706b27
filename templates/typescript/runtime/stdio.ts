/**
 * The STDIO transport: one compact JSON-RPC message per line each way (`\n`, `\r\n` accepted,
 * blank lines skipped), both directions multiplexed by id. Every request is handled
 * concurrently; callbacks go out on stdout while the request waits and their answers come
 * back on stdin. A line longer than the limit is skipped as it streams in and answered -32600.
 * On EOF: callbacks still waiting fail, the requests in flight finish and are answered.
 */

import type { Readable } from "node:stream";
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

const HEAD = 1024;

/** The caller of a notification: it has no channel for callbacks. */
export const NO_CALLER: Caller = {
  call(method: string): Promise<unknown> {
    return Promise.reject(
      new TransportError(
        `cannot send ${method}: a notification has no channel for callbacks`,
      ),
    );
  },
};

function isBlank(line: Uint8Array): boolean {
  for (const b of line) {
    if (
      b !== 0x20 &&
      b !== 0x09 &&
      b !== 0x0d &&
      b !== 0x0a &&
      b !== 0x0b &&
      b !== 0x0c
    ) {
      return false;
    }
  }
  return true;
}

/** A JSON-RPC peer over a line stream pair. */
export class LinePeer implements Caller {
  readonly outgoing = new Outgoing();
  private readonly tasks = new Set<Promise<void>>();
  private queue: string[] = [];
  private scheduled = false;
  private outputClosed = false;
  private readonly handle: Handle;
  private readonly writeOut: (text: string) => void;
  readonly maxMessage: number;
  private readonly log: (message: string) => void;

  constructor(
    handle: Handle,
    writeOut: (text: string) => void,
    maxMessage: number = DEFAULT_MAX_MESSAGE,
    log: (message: string) => void = () => {},
  ) {
    this.handle = handle;
    this.writeOut = writeOut;
    this.maxMessage = maxMessage;
    this.log = log;
  }

  call(method: string, params: unknown, timeoutMs?: number): Promise<unknown> {
    return this.outgoing.request(
      method,
      params,
      (text) => this.send(text),
      timeoutMs,
    );
  }

  /** Queues one line; the lines queued during one turn of the event loop go out in one write. */
  send(text: string): void {
    if (this.outputClosed) {
      throw new ConnectionLost("the output stream is closed");
    }
    this.queue.push(text, "\n");
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes what is queued. */
  flush(): void {
    this.scheduled = false;
    if (this.queue.length === 0) {
      return;
    }
    const data = this.queue.join("");
    this.queue = [];
    if (this.outputClosed) {
      return;
    }
    try {
      this.writeOut(data);
    } catch (e) {
      this.outputClosed = true;
      this.log(`stdio: cannot write: ${describe(e)}`);
    }
  }

  /** The output went away: later writes fail. */
  closeOutput(): void {
    this.outputClosed = true;
  }

  private sendQuietly(text: string): void {
    try {
      this.send(text);
    } catch (e) {
      this.log(`stdio: answer not written: ${describe(e)}`);
    }
  }

  private spawn(work: Promise<void>): void {
    const task = work.catch((e: unknown) => this.log(`stdio: ${describe(e)}`));
    this.tasks.add(task);
    void task.finally(() => this.tasks.delete(task));
  }

  /** Handles one incoming message (a line without its newline). */
  receive(line: Uint8Array): void {
    const m = decode(line, this.outgoing.methodOf);
    switch (m.kind) {
      case "request":
        this.spawn(
          answer(m, this.handle, this, this.log).then((text) =>
            this.sendQuietly(text),
          ),
        );
        return;
      case "notification":
        this.spawn(
          this.handle(m.method, m.params, NO_CALLER).then(
            () => {},
            (e: unknown) =>
              this.log(
                `error while handling the notification ${m.method}: ${describe(e)}`,
              ),
          ),
        );
        return;
      case "response":
      case "error":
        if (this.outgoing.settle(m) !== "unknown") {
          return;
        }
        if (m.kind === "error") {
          // never answer an error answer: two peers could otherwise answer each other forever
          this.log(
            `stdio: error answer to no request (id ${m.idText ?? "null"}): ${m.message}`,
          );
          return;
        }
        this.sendQuietly(
          errorText(
            m.idText,
            JSONRPC_ERROR.INVALID_REQUEST,
            `Invalid message: no request with id ${m.idText} is waiting for an answer`,
          ),
        );
        return;
      case "invalid":
        if (m.claimed === "response" && m.id !== null) {
          if (this.outgoing.fail(m.id, new RpcError(m.code, m.message))) {
            return;
          }
        }
        if (m.claimed === "notification") {
          this.log(`stdio: bad notification ignored: ${m.message}`);
          return;
        }
        this.sendQuietly(errorText(m.idText, m.code, m.message));
        return;
    }
  }

  private oversized(size: number, head: Uint8Array): void {
    const p = prefixId(head);
    const text = `Invalid message: ${size} bytes is more than the limit of ${this.maxMessage} bytes`;
    if (
      p !== null &&
      this.outgoing.fail(
        p.id,
        new RpcError(JSONRPC_ERROR.INVALID_REQUEST, text),
      )
    ) {
      return;
    }
    this.log(`stdio: ${text}`);
    this.sendQuietly(
      errorText(p?.idText ?? null, JSONRPC_ERROR.INVALID_REQUEST, text),
    );
  }

  /** Serves until `input` ends, then lets the requests in flight finish and flushes. */
  async run(
    input: AsyncIterable<Uint8Array | string>,
    eofReason = "the input stream ended",
  ): Promise<void> {
    const limit = this.maxMessage;
    let parts: Buffer[] = [];
    let length = 0;
    let discarding = -1;
    let head: Buffer = Buffer.alloc(0);
    const line = (segment: Buffer): void => {
      if (discarding >= 0) {
        this.oversized(discarding + segment.length, head);
        discarding = -1;
        return;
      }
      const total = length + segment.length;
      if (total > limit) {
        this.oversized(
          total,
          Buffer.concat([...parts, segment.subarray(0, HEAD)]).subarray(
            0,
            HEAD,
          ),
        );
      } else {
        const whole =
          parts.length === 0 ? segment : Buffer.concat([...parts, segment]);
        if (!isBlank(whole)) {
          this.receive(whole);
        }
      }
      parts = [];
      length = 0;
    };
    try {
      for await (const piece of input) {
        const chunk =
          typeof piece === "string"
            ? Buffer.from(piece)
            : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
        let pos = 0;
        for (;;) {
          const nl = chunk.indexOf(10, pos);
          if (nl < 0) {
            break;
          }
          line(chunk.subarray(pos, nl));
          pos = nl + 1;
        }
        const rest = chunk.subarray(pos);
        if (rest.length === 0) {
          continue;
        }
        if (discarding >= 0) {
          discarding += rest.length;
          continue;
        }
        parts.push(Buffer.from(rest));
        length += rest.length;
        if (length > limit) {
          discarding = length;
          head = Buffer.concat(parts).subarray(0, HEAD);
          parts = [];
          length = 0;
        }
      }
      if (discarding >= 0) {
        this.oversized(discarding, head);
      } else if (length > 0) {
        line(Buffer.alloc(0));
      }
    } catch (e) {
      this.log(`stdio: reading failed: ${describe(e)}`);
    } finally {
      this.outgoing.close(eofReason);
      while (this.tasks.size > 0) {
        await Promise.allSettled([...this.tasks]);
      }
      this.flush();
    }
  }
}

/** Options of {@link serveStdio}. */
export interface StdioOptions {
  maxMessage?: number;
  log?: (message: string) => void;
  /** Keep the real stdout for the protocol and send `process.stdout.write` (and so
   * `console.log`) to stderr, so a stray print cannot corrupt the stream. Default true. */
  protectStdout?: boolean;
  input?: Readable;
}

/** Serves JSON-RPC on this process's stdin/stdout until stdin ends. */
export async function serveStdio(
  handle: Handle,
  options: StdioOptions = {},
): Promise<void> {
  const stdout = process.stdout;
  const realWrite = stdout.write.bind(stdout);
  const protect = options.protectStdout ?? true;
  if (protect) {
    stdout.write = process.stderr.write.bind(
      process.stderr,
    ) as typeof stdout.write;
  }
  const peer = new LinePeer(
    handle,
    (text) => {
      realWrite(text);
    },
    options.maxMessage,
    options.log,
  );
  stdout.on("error", (e: Error) => {
    peer.closeOutput();
    options.log?.(`stdio: stdout failed: ${e.message}`);
  });
  try {
    await peer.run(options.input ?? process.stdin, "stdin was closed");
  } finally {
    if (protect) {
      stdout.write = realWrite;
    }
  }
}
