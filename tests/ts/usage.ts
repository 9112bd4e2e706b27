/**
 * Compile-time test of the generated TypeScript protocol module: a client and a server written
 * against it without a single cast (`as`), `any` or non-null assertion. tests/test_typescript.py
 * type-checks this file with `tsc --strict` (plus the stricter flags of its tsconfig); the lines
 * marked `@ts-expect-error` must fail to compile, so the types reject what the schema rejects.
 */

import {
  ErrorCode,
  JSONRPC_ERROR,
  METHODS,
  MessageError,
  decodeMessage,
  isComponentExecuteParams,
  isMessage,
  methodSpec,
  validateComponentExecuteParams,
  type BlobType,
  type ClientMethod,
  type ComponentExecuteParams,
  type DecodedMessage,
  type FlowResult,
  type Handlers,
  type JsonRpcErrorResponse,
  type JsonRpcId,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type JsonValue,
  type Message,
  type MethodName,
  type Methods,
  type ParamsOf,
  type RequestMethod,
  type RequestOf,
  type ResultOf,
  type ServerMethod,
  type SuccessOf,
} from "../../generated/typescript/index.js";

// --------------------------------------------------------------------------- the method table

type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2
    ? true
    : false;
function assertType<T extends true>(): T | undefined {
  return undefined;
}

assertType<Equal<ParamsOf<"components/execute">, ComponentExecuteParams>>();
assertType<Equal<Methods["blobs/put"]["direction"], "serverToClient">>();
assertType<Equal<Methods["initialized"]["notification"], true>>();
assertType<Equal<Extract<MethodName, "initialized">, "initialized">>();
assertType<Equal<Extract<RequestMethod, "initialized">, never>>();
assertType<
  Equal<ServerMethod, "blobs/put" | "blobs/get" | "runs/submit" | "runs/get">
>();
assertType<
  Equal<(typeof METHODS)["runs/get"]["direction"], "serverToClient">
>();

const executeErrors: readonly number[] = METHODS["components/execute"].errors;
const parseError: -32700 = ErrorCode.PARSE_ERROR;
const invalidParams: ErrorCode = JSONRPC_ERROR.INVALID_PARAMS;

// --------------------------------------------------------------------------- building messages

const execute: JsonRpcRequest<"components/execute"> = {
  jsonrpc: "2.0",
  id: "1",
  method: "components/execute",
  params: {
    component: "/title_case",
    input: { values: ["a", 1, null, { nested: true }] },
    attempt: 1,
    observability: { run_id: null, step_id: "titled" },
  },
};

const wrongParams: JsonRpcRequest<"components/execute"> = {
  jsonrpc: "2.0",
  id: 1,
  method: "components/execute",
  // @ts-expect-error: the params of another method
  params: { runtime_protocol_version: 1 },
};

// @ts-expect-error: a response carries a result or an error, never both
const both: JsonRpcMessage = {
  jsonrpc: "2.0",
  id: 1,
  result: {},
  error: { code: 1, message: "x" },
};

// @ts-expect-error: `binary` is not a blob type at 0.9
const binary: BlobType = "binary";

// @ts-expect-error: closed objects have no other keys
const extra: ComponentExecuteParams = { ...execute.params, extra: 1 };

// --------------------------------------------------------------------------- narrowing

/** A tagged union narrows on its tag. */
function describeOutcome(r: FlowResult): string {
  switch (r.outcome) {
    case "success":
      return JSON.stringify(r.result);
    case "failed":
      return `${r.error.code}: ${r.error.message}`;
  }
}

/** The envelope (the schema's root `Message`) narrows on the keys present. */
function describeMessage(m: Message): string {
  if (m.method !== undefined) {
    return m.id !== undefined ? `request ${String(m.id)}` : "notification";
  }
  if (m.error !== undefined) {
    return `error ${m.error.code}`;
  }
  return `result ${JSON.stringify(m.result)}`;
}

// --------------------------------------------------------------------------- a server

/** The component server's side: one typed handler per client request. */
const handlers: Handlers<ClientMethod & RequestMethod> = {
  initialize: (params) => ({
    server_protocol_version: params.runtime_protocol_version,
  }),
  "components/list": () => ({ components: [{ component: "/title_case" }] }),
  "components/info": (params) => ({ info: { component: params.component } }),
  "components/execute": async (params) => ({ output: params.input }),
  "components/infer_schema": () => ({ output_schema: null }),
};

/** Generic over the method, without casts: the handler's params and result follow `M`. */
async function respond<M extends ClientMethod & RequestMethod>(
  request: RequestOf<M>,
): Promise<SuccessOf<M>> {
  const result: ResultOf<M> = await handlers[request.method](
    request.params,
    request.id,
  );
  return { jsonrpc: "2.0", id: request.id, result };
}

async function serve(text: string): Promise<JsonRpcResponse | undefined> {
  let decoded: DecodedMessage;
  try {
    decoded = decodeMessage(text);
  } catch (e) {
    if (e instanceof MessageError) {
      const answer: JsonRpcErrorResponse = e.toResponse();
      return answer;
    }
    throw e;
  }
  if (decoded.kind !== "request") {
    return undefined;
  }
  const request = decoded.message;
  switch (request.method) {
    case "blobs/put":
    case "blobs/get":
    case "runs/submit":
    case "runs/get":
      return {
        jsonrpc: "2.0",
        id: request.id,
        error: { code: JSONRPC_ERROR.METHOD_NOT_FOUND, message: "not ours" },
      };
    case "components/execute":
      // the params are narrowed to this method's
      if (request.params.attempt > 1) {
        return respond(request);
      }
      return respond(request);
    default:
      return respond(request);
  }
}

// --------------------------------------------------------------------------- a client

/** The runtime's side: responses are typed by the method of the request they answer. */
function onResponse(text: string, pending: Map<JsonRpcId, MethodName>): string {
  const decoded = decodeMessage(text, (id) => pending.get(id));
  switch (decoded.kind) {
    case "response":
      switch (decoded.method) {
        case "components/execute":
          return JSON.stringify(decoded.message.result.output);
        case "components/list":
          return decoded.message.result.components
            .map((c) => c.component)
            .join();
        case "runs/get":
          return decoded.message.result.status;
        default:
          return decoded.method;
      }
    case "untypedResponse": {
      const raw: JsonValue = decoded.message.result;
      return JSON.stringify(raw);
    }
    case "error":
      return decoded.message.error.message;
    case "request":
    case "notification":
      return decoded.message.method;
  }
}

/** Validators are type guards; the method table holds them per method. */
function checkParams(value: unknown): ComponentExecuteParams | string[] {
  if (isComponentExecuteParams(value)) {
    return value;
  }
  return validateComponentExecuteParams(value);
}

function checkResult<M extends RequestMethod>(
  method: M,
  value: unknown,
): ResultOf<M> | undefined {
  const spec = methodSpec(method);
  return spec.isResult(value) ? value : undefined;
}

function anyMessage(value: unknown): Message | undefined {
  return isMessage(value) ? value : undefined;
}

export const used = [
  executeErrors,
  parseError,
  invalidParams,
  execute,
  wrongParams,
  both,
  binary,
  extra,
  describeOutcome,
  describeMessage,
  serve,
  onResponse,
  checkParams,
  checkResult,
  anyMessage,
];
