// The generated TypeScript client (generated/client.ts) drives the Python server of
// tests/rpc_components (STEPFLOW_PY_SERVER, run by STEPFLOW_PYTHON with PYTHONPATH set by the caller)
// and the TypeScript test server (out/main.js), over STDIO and HTTP: compiled and run by
// tests/test_ts_server.py with `node --test out/client.test.js`.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  InMemoryRuntime,
  RpcError,
  StepflowClient,
  blobId,
} from "./generated/client.js";

const python = process.env["STEPFLOW_PYTHON"] ?? "python3";
const pyServer = process.env["STEPFLOW_PY_SERVER"] ?? "";
const tsServer = fileURLToPath(new URL("./main.js", import.meta.url));
const VALUE = {
  greeting: "Hello World",
  name: "Ada Lovelace",
  count: 3,
  ok: true,
};
const VALUE_ID =
  "4d6da75bd9d52dee3dc0486fe2ff9103db155e63f95b89fad06d0d44a2f70d8e";
const obs = { trace_id: "0".repeat(32), span_id: "1".repeat(16) };
const exec = (component: string, input: unknown) => ({
  component,
  input: input as never,
  attempt: 1,
  observability: obs,
});

async function exercise(
  client: StepflowClient,
  blobComponent: "/roundtrip" | "/put_blob",
): Promise<void> {
  assert.deepEqual(await client.initialize({ runtime_protocol_version: 1 }), {
    server_protocol_version: 1,
  });
  await client.initialized();
  const listed = await client.componentsList();
  const names = listed.components.map((c) => c.component);
  assert.ok(
    names.includes("/echo") && names.includes("/title_case"),
    names.join(),
  );
  const info = await client.componentsInfo({ component: "/title_case" });
  assert.equal(info.info.component, "/title_case");
  assert.deepEqual(
    (await client.componentsExecute(exec("/echo", { a: [1, "é", null] })))
      .output,
    { a: [1, "é", null] },
  );
  const out = (
    await client.componentsExecute(exec(blobComponent, { value: VALUE }))
  ).output as { blob_id: string };
  assert.equal(out.blob_id, VALUE_ID);
  assert.equal(blobId(VALUE), VALUE_ID);
  assert.ok(client.handlers instanceof InMemoryRuntime);
  assert.deepEqual(client.handlers.blobs.get(VALUE_ID), {
    data: VALUE,
    blobType: "data",
  });
  await assert.rejects(
    client.componentsExecute(exec("/nope", 1)),
    (e: unknown) => e instanceof RpcError && e.code === -32001,
  );
  await assert.rejects(
    client.componentsExecute(exec("/get_blob", { blob_id: "0".repeat(64) })),
    (e: unknown) =>
      e instanceof RpcError &&
      e.code === -32003 &&
      e.message ===
        "Component execution failed: JSON-RPC error -32000: Failed to get blob",
  );
  await assert.rejects(
    client.componentsExecute(exec("/title_case", { values: 3 })),
    (e: unknown) => e instanceof RpcError && e.code === -32602,
  );
  const many = await Promise.all(
    [1, 2, 3, 4, 5, 6].map((i) =>
      client.componentsExecute(exec(blobComponent, { value: i })),
    ),
  );
  assert.deepEqual(
    many.map((r) => (r.output as { blob_id: string }).blob_id),
    [1, 2, 3, 4, 5, 6].map((i) => blobId(i)),
  );
}

async function http(
  command: string,
  args: string[],
): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(command, [...args, "--http", "--port", "0"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const stdout = child.stdout;
  assert.ok(stdout !== null);
  const [line] = (await once(stdout, "data")) as [Buffer];
  const port = (
    JSON.parse(line.toString().split("\n")[0] ?? "") as { port: number }
  ).port;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      child.kill("SIGTERM");
      if (child.exitCode === null) await once(child, "exit");
    },
  };
}

for (const [name, command, args, blob] of [
  ["Python", python, [pyServer], "/roundtrip"],
  ["TypeScript", process.execPath, [tsServer], "/put_blob"],
] as const) {
  test(`${name} server over STDIO`, async () => {
    const client = StepflowClient.connectStdio(command, [...args, "--stdio"]);
    await exercise(client, blob);
    await client.close();
    assert.equal(client.process?.exitCode, 0);
  });

  test(`${name} server over HTTP (SSE callbacks)`, async () => {
    const server = await http(command, [...args]);
    try {
      const client = StepflowClient.connectHttp(server.url);
      try {
        await exercise(client, blob);
      } finally {
        await client.close();
      }
    } finally {
      await server.stop();
    }
  });
}
