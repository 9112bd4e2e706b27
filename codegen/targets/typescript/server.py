"""The TypeScript component server: the static runtime files (``templates/typescript/runtime/*.ts``,
ordinary TypeScript type-checked and unit-tested as such, copied with the generated-file header) and
``components.ts``, generated from the component manifests: the ``Implementation`` interface, the
canonical schemas, ``registerComponents`` / ``createServer`` and the start-up check.

Written when the inputs hold a component manifest and a method table with the
``stepflow-components`` profile and the 0.9 blob methods; a protocol-only module stays free of Node
imports (it runs in browsers)."""

from __future__ import annotations

from typing import Any

from ...diagnostics import Diagnostics
from ...ir import model as ir
from ...templating import templates_dir
from .escape import ts_doc, ts_key, ts_literal, ts_string

RUNTIME_FILES = ("rpc.ts", "stdio.ts", "http.ts", "server.ts", "client.ts")
NEEDED_METHODS = ("initialize", "initialized", "components/list", "components/info", "components/execute", "blobs/put", "blobs/get")
_GENERIC_CODES = frozenset({-32700, -32600, -32601, -32602, -32603, -32001})


def server_files(program: ir.Program, hdr: str, names: dict[str, str], diags: Diagnostics) -> dict[str, str]:
    """The runtime and ``components.ts``, or nothing (with a warning) when the protocol lacks them."""
    if not program.components:
        return {}
    protocol = program.protocol
    missing = [m for m in NEEDED_METHODS if protocol is None or m not in {x.name for x in protocol.methods}]
    if protocol is None or protocol.profile != "stepflow-components" or missing:
        first = program.components[0]
        diags.warning(
            "no-ts-server",
            first.source.file if first.source else "",
            first.source.pointer if first.source else "",
            "the TypeScript component server needs the StepFlow 0.9 method table (profile "
            f"stepflow-components, methods {', '.join(NEEDED_METHODS)}) among the inputs; only the types are generated",
        )
        return {}
    files: dict[str, str] = {}
    root = templates_dir() / "typescript" / "runtime"
    for name in RUNTIME_FILES:
        files[name] = hdr + "\n\n" + (root / name).read_text(encoding="utf-8")
    execute = next(m for m in protocol.methods if m.name == "components/execute")
    specific = sorted({c for c in execute.errors if c not in _GENERIC_CODES}, reverse=True)
    failed = specific[0] if len(specific) == 1 else -32003
    files["components.ts"] = _components(program, hdr, names, failed)
    return files


def json_literal(value: Any, indent: str = "") -> str:
    """A JSON value as a TypeScript literal, one member per line; every string through ``ts_string``."""
    inner = indent + "  "
    if isinstance(value, dict):
        if not value:
            return "{}"
        rows = []
        for k, v in value.items():
            key = f"[{ts_string(k)}]" if k == "__proto__" else ts_key(k)
            rows.append(f"{inner}{key}: {json_literal(v, inner)},")
        return "{\n" + "\n".join(rows) + f"\n{indent}}}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[\n" + "\n".join(f"{inner}{json_literal(v, inner)}," for v in value) + f"\n{indent}]"
    return ts_literal(value)


def _type_name(e: ir.TypeExpr, names: dict[str, str]) -> str:
    assert isinstance(e, ir.RefType), e
    return "T." + names[e.target]


def _components(program: ir.Program, hdr: str, names: dict[str, str], failed: int) -> str:
    comps = program.components
    out: list[str] = [hdr, ""]
    out.append("/**")
    out.append(" * The components of the manifest(s), for the author to implement: {@link Implementation} (one")
    out.append(" * function per component), and {@link createServer} to serve an implementation with the")
    out.append(" * canonical schemas and the input validators of this module.")
    out.append(" */")
    out.append("")
    # the schema's types and validators through namespaces: no schema name can collide with a
    # name declared here (Implementation, COMPONENTS...) or imported from the server
    out.append('import type * as T from "./types.js";')
    out.append('import * as V from "./validators.js";')
    out.append('import { StepflowServer, type ServerOptions, type StepflowContext } from "./server.js";')
    out.append("")
    out.append('export { StepflowContext, StepflowError, StepflowServer } from "./server.js";')
    out.append("")
    out.append("/** The code a component's exception is answered with (from the method table). */")
    out.append(f"export const EXECUTION_FAILED = {ts_literal(failed)};")
    out.append("")
    out.append("/** The functions to implement, one per component; a function may omit the context. */")
    out.append("export interface Implementation {")
    for c in comps:
        i, o = _type_name(c.input, names), _type_name(c.output, names)
        if c.description:
            out.append(ts_doc(c.description, "  "))
        out.append(f"  readonly {ts_key(c.name)}: (")
        out.append(f"    input: {i},")
        out.append("    context: StepflowContext,")
        out.append(f"  ) => {o} | Promise<{o}>;")
    out.append("}")
    out.append("")
    out.append("/** One component of the manifest: name, description, signature and canonical schemas. */")
    out.append("export interface ComponentEntry {")
    out.append("  readonly name: string;")
    out.append("  readonly description: string | undefined;")
    out.append("  readonly signature: string;")
    out.append("  readonly inputSchema: T.JsonValue;")
    out.append("  readonly outputSchema: T.JsonValue;")
    out.append("}")
    out.append("")
    out.append("/** The components, sorted by name. */")
    out.append("export const COMPONENTS: readonly ComponentEntry[] = [")
    for c in comps:
        i, o = _type_name(c.input, names), _type_name(c.output, names)
        out.append("  {")
        out.append(f"    name: {ts_string(c.name)},")
        out.append(f"    description: {ts_string(c.description) if c.description is not None else 'undefined'},")
        bi, bo = i.removeprefix("T."), o.removeprefix("T.")
        sig = f"(input: {bi}, context: StepflowContext) => {bo} | Promise<{bo}>"
        out.append(f"    signature: {ts_string(sig)},")
        out.append(f"    inputSchema: {json_literal(c.input_schema, '    ')},")
        out.append(f"    outputSchema: {json_literal(c.output_schema, '    ')},")
        out.append("  },")
    out.append("];")
    out.append("")
    out.append("/** An implementation that does not provide every component as a function. */")
    out.append("export class ImplementationError extends TypeError {")
    out.append("  readonly problems: readonly string[];")
    out.append("")
    out.append("  constructor(problems: readonly string[]) {")
    out.append("    super(")
    out.append('      "the implementation does not provide the components of the manifest as generated:\\n" +')
    out.append('        problems.map((p) => `  ${p}`).join("\\n") +')
    out.append('        "\\nfix the implementation (tsc reports the same), or the schemas and regenerate",')
    out.append("    );")
    out.append('    this.name = "ImplementationError";')
    out.append("    this.problems = problems;")
    out.append("  }")
    out.append("}")
    out.append("")
    out.append("/** What is wrong with `implementation` (nothing when every component is a function of at most two parameters). */")
    out.append("export function checkImplementation(implementation: unknown): string[] {")
    out.append("  const problems: string[] = [];")
    out.append('  if (typeof implementation !== "object" && typeof implementation !== "function") {')
    out.append('    return ["the implementation is not an object"];')
    out.append("  }")
    out.append("  if (implementation === null) {")
    out.append('    return ["the implementation is null"];')
    out.append("  }")
    out.append("  const base: object = Object.prototype;")
    out.append("  for (const c of COMPONENTS) {")
    out.append("    const f: unknown = Reflect.get(implementation, c.name);")
    out.append("    const inherited = f !== undefined && f === Reflect.get(base, c.name);")
    out.append('    if (typeof f !== "function" || inherited) {')
    out.append("      const found = f === undefined || inherited ? \"nothing\" : `a ${typeof f}`;")
    out.append("      problems.push(`${c.name}: expected a function ${c.signature}, found ${found}`);")
    out.append("    } else if (f.length > 2) {")
    out.append("      problems.push(`${c.name}: expected a function ${c.signature}, found one with ${f.length} parameters`);")
    out.append("    }")
    out.append("  }")
    out.append("  return problems;")
    out.append("}")
    out.append("")
    out.append("/**")
    out.append(" * Registers every component of `implementation` on `server`, with its description, canonical")
    out.append(" * schemas and input validator. Checks the whole implementation first and throws")
    out.append(" * {@link ImplementationError} listing every missing or malformed component.")
    out.append(" */")
    out.append("export function registerComponents(")
    out.append("  server: StepflowServer,")
    out.append("  implementation: Implementation,")
    out.append("): StepflowServer {")
    out.append("  const problems = checkImplementation(implementation);")
    out.append("  if (problems.length > 0) {")
    out.append("    throw new ImplementationError(problems);")
    out.append("  }")
    for n, c in enumerate(comps):
        i, o = _type_name(c.input, names), _type_name(c.output, names)
        info = f"COMPONENTS[{n}]"
        out.append(f"  const c{n} = {info};")
        out.append(f"  if (c{n} !== undefined) {{")
        out.append(f"    server.component<{i}, {o}>(c{n}.name, {{")
        out.append(f"      ...(c{n}.description !== undefined ? {{ description: c{n}.description }} : {{}}),")
        out.append(f"      inputSchema: c{n}.inputSchema,")
        out.append(f"      outputSchema: c{n}.outputSchema,")
        bare = i.removeprefix("T.")
        out.append(f"      isInput: V.is{bare},")
        out.append(f"      validateInput: V.validate{bare},")
        out.append(f"      execute: (input, context) => implementation[{ts_string(c.name)}](input, context),")
        out.append("    });")
        out.append("  }")
    out.append("  return server;")
    out.append("}")
    out.append("")
    out.append("/** A {@link StepflowServer} serving `implementation` (see {@link registerComponents}). */")
    out.append("export function createServer(")
    out.append("  implementation: Implementation,")
    out.append("  options: ServerOptions = {},")
    out.append("): StepflowServer {")
    out.append("  return registerComponents(")
    out.append("    new StepflowServer({ executionFailed: EXECUTION_FAILED, ...options }),")
    out.append("    implementation,")
    out.append("  );")
    out.append("}")
    return "\n".join(out) + "\n"

