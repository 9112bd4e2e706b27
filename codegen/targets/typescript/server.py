"""The TypeScript component server: the static runtime files (``templates/typescript/runtime/*.ts``,
ordinary TypeScript type-checked and unit-tested as such, copied with the generated-file header) and
``components.ts``, generated from the component manifests: the ``Implementation`` interface, the
canonical schemas, ``registerComponents`` / ``createServer`` and the start-up check.

Written when the inputs hold a component manifest and a method table with the
``stepflow-components`` profile and the 0.9 blob methods; a protocol-only module stays free of Node
imports (it runs in browsers)."""

from __future__ import annotations

from typing import Any

from ...analysis.components import execution_failed_code, server_gap
from ...diagnostics import Diagnostics
from ...ir import model as ir
from ...templating import templates_dir
from .. import ComponentSignature, TypeName
from ..naming import NameTable
from . import layout as L
from .escape import ts_doc, ts_key, ts_literal, ts_literal_key, ts_string
from .types import AUTHOR_MODULE

RUNTIME_FILES = ("rpc.ts", "stdio.ts", "http.ts", "server.ts", "client.ts")


def runtime_file(name: str, hdr: str) -> str:
    """A hand-written runtime file (``templates/typescript/runtime/NAME``, ordinary TypeScript
    type-checked, linted and unit-tested as such) as generated output: the generated-file header, a
    blank line, then the file as it is."""
    return hdr + "\n\n" + (templates_dir() / "typescript" / "runtime" / name).read_text(encoding="utf-8")


def server_files(
    program: ir.Program,
    hdr: str,
    names: dict[str, str],
    diags: Diagnostics,
    written: dict[str, str] | None = None,
    authors: frozenset[str] = frozenset(),
) -> dict[str, str]:
    """The runtime and ``components.ts``, or nothing (with a warning) when the protocol lacks them.
    ``written``: the types values are written as (``XInput`` where a decoded ``X`` holds applied
    defaults, ``--defaults apply``): an input is checked as written and handed over with its
    defaults; an output is the decoded type, so its defaults are always written (a flow reading it
    applies none, as the Python target writes them). ``authors``: the component authors'
    declarations (in ``component_types.ts``)."""
    gap = server_gap(program)
    if not program.components or gap is not None:
        if gap is not None:
            where = program.components[0].source
            diags.warning("no-ts-server", where.file if where else "", where.pointer if where else "", "the TypeScript component server " + gap)
        return {}
    protocol = program.protocol
    assert protocol is not None
    files: dict[str, str] = {}
    for name in RUNTIME_FILES:
        files[name] = runtime_file(name, hdr)
    failed = execution_failed_code(protocol)
    files["components.ts"] = _components(program, hdr, names, failed, written or names, authors)
    return files


def json_node(value: Any) -> L.Node:
    """A JSON value as a TypeScript literal laid out as prettier does (objects stay expanded, as
    prettier keeps an object written with a line break after ``{``); every string through
    ``ts_string``, every key through ``ts_key``."""
    if isinstance(value, dict):
        entries = [(ts_literal_key(k), json_node(v)) for k, v in value.items()]
        return L.object_literal(entries, expanded=True)
    if isinstance(value, list):
        return L.array_literal([json_node(v) for v in value])
    if isinstance(value, str):
        return L.text(ts_string(value), "string")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return L.text(ts_literal(value), "number")
    return L.text(ts_literal(value))


def _type_name(e: ir.TypeExpr, names: dict[str, str], authors: frozenset[str] = frozenset()) -> str:
    """``T.Name`` (types.ts) or, for a component author's type, ``C.Name`` (component_types.ts)."""
    assert isinstance(e, ir.RefType), e
    return ("C." if e.target in authors else "T.") + names[e.target]


# ECMAScript reserved words (and strict-mode / module ones): not the name of a function an ES
# module declares (the implementation's function for such a component is renamed and exported
# under the component's name: ``export { delete_ as delete }``)
RESERVED_FUNCTION_NAMES = frozenset(
    ["break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do", "else", "enum",
     "export", "extends", "false", "finally", "for", "function", "if", "import", "in", "instanceof", "new", "null",
     "return", "super", "switch", "this", "throw", "true", "try", "typeof", "var", "void", "while", "with", "yield",
     "let", "static", "implements", "interface", "package", "private", "protected", "public", "await", "arguments",
     "eval", "undefined", "NaN", "Infinity"]
)


def component_signatures(
    program: ir.Program, names: dict[str, str], authors: frozenset[str] = frozenset()
) -> dict[str, ComponentSignature]:
    """Per component, what ``Implementation`` in ``components.ts`` expects: a function exported
    under the component's name taking ``(input, context: StepflowContext)``, with the types it names
    (``types.ts`` or, an author's, ``component_types.ts``).  ``function`` is the identifier a module
    declares it by: the component's name, else (a reserved word) that name with ``_`` (exported as
    the component's name)."""
    functions = NameTable("typescript implementation function", RESERVED_FUNCTION_NAMES)
    # names that are identifiers claim first (`delete_` keeps its name, `delete` becomes `delete_2`)
    usable = sorted(program.components, key=lambda c: not (c.name.isidentifier() and c.name not in RESERVED_FUNCTION_NAMES))
    chosen = {c.name: functions.claim(c.name if c.name.isidentifier() else "component", c.name) for c in usable}
    out: dict[str, ComponentSignature] = {}
    for c in program.components:
        i, o = (_type_name(e, names, authors).split(".", 1) for e in (c.input, c.output))
        module = {"T": "types", "C": AUTHOR_MODULE}
        out[c.name] = ComponentSignature(
            c.name, chosen[c.name], TypeName(module[i[0]], i[1]), TypeName(module[o[0]], o[1]), "StepflowContext"
        )
    return out


def _validators_of(e: ir.TypeExpr, authors: frozenset[str]) -> str:
    """The namespace holding the validators of ``e``: ``V`` (validators.ts) or ``C`` (component_types.ts)."""
    assert isinstance(e, ir.RefType), e
    return "C" if e.target in authors else "V"


def _fits(line: str) -> bool:
    return L.width(line) <= L.WIDTH


def _components(
    program: ir.Program, hdr: str, names: dict[str, str], failed: int, written: dict[str, str], authors: frozenset[str]
) -> str:
    comps = program.components
    out: list[str] = [hdr, ""]
    # validators.ts is imported for a protocol type's validator, component_types.ts for an author's
    inputs = [c.input for c in comps if isinstance(c.input, ir.RefType)]
    uses_authors = any(isinstance(e, ir.RefType) and e.target in authors for c in comps for e in (c.input, c.output))
    v_import = _V_IMPORT if any(e.target not in authors for e in inputs) else ""
    out.append(_PREAMBLE.replace(_V_IMPORT, v_import + (_C_IMPORT if uses_authors else "")))
    out.append(f"export const EXECUTION_FAILED = {ts_literal(failed)};")
    out.append("")
    out.append("/** The functions to implement, one per component; a function may omit the context. */")
    out.append("export interface Implementation {")
    for c in comps:
        i, o = _type_name(c.input, names, authors), _type_name(c.output, names, authors)
        if c.description:
            out.append(ts_doc(c.description, "  "))
        one = f"  readonly {ts_key(c.name)}: (input: {i}, context: StepflowContext) => {o} | Promise<{o}>;"
        if _fits(one):
            out.append(one)
        else:
            out.append(f"  readonly {ts_key(c.name)}: (")
            out.append(f"    input: {i},")
            out.append("    context: StepflowContext,")
            if _fits(f"  ) => {o} | Promise<{o}>;"):
                out.append(f"  ) => {o} | Promise<{o}>;")
            else:
                out.append("  ) =>")
                out.append(f"    | {o}")
                out.append(f"    | Promise<{o}>;")
    out.append("}")
    out.append(_ENTRY)
    entries = []
    for c in comps:
        i, o = _type_name(c.input, names, authors), _type_name(c.output, names, authors)
        bi, bo = i.split(".", 1)[1], o.split(".", 1)[1]
        sig = f"(input: {bi}, context: StepflowContext) => {bo} | Promise<{bo}>"
        desc = L.text(ts_string(c.description), "string") if c.description is not None else L.text("undefined")
        entries.append(
            L.object_literal(
                [
                    ("name", L.text(ts_string(c.name), "string")),
                    ("description", desc),
                    ("signature", L.text(ts_string(sig), "string")),
                    ("inputSchema", json_node(c.input_schema)),
                    ("outputSchema", json_node(c.output_schema)),
                ],
                expanded=True,
            )
        )
    out.append("/** The components, sorted by name. */")
    out.append(L.render([L.assignment("export const COMPONENTS: readonly ComponentEntry[]", L.array_literal(entries)), ";"]))
    out.append(_CHECKS)
    for n, c in enumerate(comps):
        bare = _type_name(c.input, names, authors).split(".", 1)[1]
        v = _validators_of(c.input, authors)
        out.append(f"  const c{n} = COMPONENTS[{n}];")
        out.append(f"  if (c{n} !== undefined) {{")
        out.append(f"    server.component(c{n}.name, {{")
        out.append(f"      ...(c{n}.description !== undefined ? {{ description: c{n}.description }} : {{}}),")
        out.append(f"      inputSchema: c{n}.inputSchema,")
        out.append(f"      outputSchema: c{n}.outputSchema,")
        out.append(f"      isInput: {v}.is{bare},")
        out.append(f"      validateInput: {v}.validate{bare},")
        assert isinstance(c.input, ir.RefType)
        arg = f"{v}.withDefaults{bare}(input)" if written[c.input.target] != names[c.input.target] else "input"
        call = f"implementation[{ts_string(c.name)}]({arg}, context),"
        if _fits(f"      execute: (input, context) => {call}"):
            out.append(f"      execute: (input, context) => {call}")
        elif _fits(f"        {call}"):
            out.append("      execute: (input, context) =>")
            out.append(f"        {call}")
        else:
            out.append("      execute: (input, context) =>")
            out.append(f"        implementation[{ts_string(c.name)}](")
            out.append(f"          {arg},")
            out.append("          context,")
            out.append("        ),")
        out.append("    });")
        out.append("  }")
    out.append(_CREATE)
    return "\n".join(out) + "\n"


_PREAMBLE = """/**
 * The components of the manifest(s), for the author to implement: {@link Implementation} (one
 * function per component), and {@link createServer} to serve an implementation with the
 * canonical schemas and the input validators of this module.
 */

// the schemas' types and validators through namespaces: no schema name can collide with a
// name declared here (Implementation, COMPONENTS...) or imported from the server
import type * as T from "./types.js";
import * as V from "./validators.js";
import {
  StepflowServer,
  type ServerOptions,
  type StepflowContext,
} from "./server.js";

export { StepflowContext, StepflowError, StepflowServer } from "./server.js";

/** The code a component's exception is answered with (from the method table). */"""

_V_IMPORT = 'import * as V from "./validators.js";\n'
_C_IMPORT = (
    "// the component authors' types and validators: a module of their own (names may be the protocol's)\n"
    'import * as C from "./component_types.js";\n'
)

_ENTRY = """
/** One component of the manifest: name, description, signature and canonical schemas. */
export interface ComponentEntry {
  readonly name: string;
  readonly description: string | undefined;
  readonly signature: string;
  readonly inputSchema: T.JsonValue;
  readonly outputSchema: T.JsonValue;
}
"""

_CHECKS = """
/** An implementation that does not provide every component as a function. */
export class ImplementationError extends TypeError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(
      "the implementation does not provide the components of the manifest as generated:\\n" +
        problems.map((p) => `  ${p}`).join("\\n") +
        "\\nfix the implementation (tsc reports the same), or the schemas and regenerate",
    );
    this.name = "ImplementationError";
    this.problems = problems;
  }
}

/**
 * What is wrong with `implementation`: nothing when every component is a function of at most
 * two parameters.
 */
export function checkImplementation(implementation: unknown): string[] {
  if (
    typeof implementation !== "object" &&
    typeof implementation !== "function"
  ) {
    return ["the implementation is not an object"];
  }
  if (implementation === null) {
    return ["the implementation is null"];
  }
  const problems: string[] = [];
  const base: object = Object.prototype;
  for (const c of COMPONENTS) {
    const f: unknown = Reflect.get(implementation, c.name);
    const inherited = f !== undefined && f === Reflect.get(base, c.name);
    if (typeof f !== "function" || inherited) {
      const found = f === undefined || inherited ? "nothing" : `a ${typeof f}`;
      problems.push(
        `${c.name}: expected a function ${c.signature}, found ${found}`,
      );
    } else if (f.length > 2) {
      problems.push(
        `${c.name}: expected a function ${c.signature}, found one with ${f.length} parameters`,
      );
    }
  }
  return problems;
}

/**
 * Registers every component of `implementation` on `server`, with its description, canonical
 * schemas and input validator. Checks the whole implementation first and throws
 * {@link ImplementationError} listing every missing or malformed component.
 */
export function registerComponents(
  server: StepflowServer,
  implementation: Implementation,
): StepflowServer {
  const problems = checkImplementation(implementation);
  if (problems.length > 0) {
    throw new ImplementationError(problems);
  }"""

_CREATE = """  return server;
}

/** A {@link StepflowServer} serving `implementation` (see {@link registerComponents}). */
export function createServer(
  implementation: Implementation,
  options: ServerOptions = {},
): StepflowServer {
  return registerComponents(
    new StepflowServer({ executionFailed: EXECUTION_FAILED, ...options }),
    implementation,
  );
}"""
