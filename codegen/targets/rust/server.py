"""The Rust component server: the static runtime files (``templates/rust/runtime/*.rs``, ordinary
Rust copied with the generated-file header, no Jinja) and ``src/components.rs``, generated from the
component manifests: the ``Components`` trait (one method per component), the canonical schemas as
escaped string literals, ``register`` / ``server`` / ``serve`` / ``main``.

Written when the inputs hold a component manifest and a method table with the
``stepflow-components`` profile and the 0.9 methods the server answers and calls; without a
manifest the crate stays a plain serde crate (serde and serde_json only)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ...analysis.components import execution_failed_code, server_gap
from ...diagnostics import Diagnostics
from ...ir import model as ir
from ...templating import templates_dir
from .. import ComponentSignature, TypeName
from ..naming import NameTable, snake
from . import layout as L
from .escape import rust_doc, rust_int, rust_str
from .types import AUTHOR_MODULE, KEYWORDS, RustTypeMapper

RUNTIME_FILES = ("rpc.rs", "stdio.rs", "http.rs", "server.rs")

# the server's dependencies (pinned; the crate's Cargo.lock pins the rest)
TOKIO = "1.47.1"
TOKIO_FEATURES = ("rt", "rt-multi-thread", "io-util", "io-std", "net", "macros", "sync", "signal")
HYPER = "1.7.0"
HYPER_UTIL = "0.1.16"

_RESERVED = frozenset(KEYWORDS | {"self", "Self", "super", "crate", "main", "register", "server", "serve", "schema"})


@dataclass(frozen=True)
class ServerDeps:
    tokio: str
    tokio_features: str
    hyper: str
    hyper_util: str


def server_deps() -> ServerDeps:
    return ServerDeps(TOKIO, ", ".join(f'"{f}"' for f in TOKIO_FEATURES), HYPER, HYPER_UTIL)


def wanted(program: ir.Program, diags: Diagnostics) -> bool:
    """Whether to write the server (a warning when there are components but no 0.9 method table)."""
    gap = server_gap(program)
    if gap is not None:
        first = program.components[0]
        where = first.source
        diags.warning("no-rust-server", where.file if where else "", where.pointer if where else "", "the Rust component server " + gap)
        return False
    return bool(program.components)


def server_files(program: ir.Program, hdr: str, mapper: RustTypeMapper, diags: Diagnostics) -> dict[str, str]:
    """``src/{rpc,stdio,http,server}.rs`` (copied) and ``src/components.rs`` (generated)."""
    protocol = program.protocol
    assert protocol is not None
    files: dict[str, str] = {}
    root = templates_dir() / "rust" / "runtime"
    for name in RUNTIME_FILES:
        files[f"src/{name}"] = hdr + "\n\n" + (root / name).read_text(encoding="utf-8")
    failed = execution_failed_code(protocol)
    files["src/components.rs"] = _components(program, hdr, mapper, failed, diags)
    return files


def _fn(indent: int, head: str, params: list[str], tail: str) -> str:
    """A function signature as rustfmt lays it out: one line, else one parameter per line."""
    pad = " " * indent
    one = f"{head}({', '.join(params)}){tail}"
    if L.fits(indent, one):
        return pad + one
    inner = " " * (indent + L.INDENT)
    return f"{pad}{head}(\n" + "".join(f"{inner}{p},\n" for p in params) + f"{pad}){tail}"


def _methods(program: ir.Program) -> tuple[dict[str, tuple[str, str]], NameTable]:
    """Each component's trait method and constant prefix (the Rust naming policy for components)."""
    methods = NameTable("rust component method", _RESERVED)
    consts = NameTable("rust component constant", frozenset({"EXECUTION_FAILED"}))
    # names already in snake case claim first (`math_add` keeps its name, `math/add` is renamed)
    order = sorted(program.components, key=lambda c: snake(c.name) != c.name)
    chosen: dict[str, tuple[str, str]] = {}
    for c in order:
        want = snake(c.name) or "component"
        if want[0].isdigit():
            want = "component_" + want
        method = methods.claim(want, c.name)
        chosen[c.name] = (method, consts.claim(method.upper(), c.name))
    return chosen, methods


def _signature_type(mapper: RustTypeMapper, e: ir.TypeExpr) -> str:
    """A component's input or output type as ``src/components.rs`` names it (``types::X``, ``component_types::X``)."""
    return mapper.rtype(e, None, qual="types::").text


def component_signatures(program: ir.Program, mapper: RustTypeMapper) -> dict[str, ComponentSignature]:
    """The ``Components`` trait as ``src/components.rs`` declares it: per component, the method and
    the input and output types (``async fn method(&self, input, context: &Context) -> Outcome<output>``)."""
    chosen, _ = _methods(program)
    out: dict[str, ComponentSignature] = {}
    for c in program.components:
        types = []
        for e in (c.input, c.output):
            module, _, name = _signature_type(mapper, e).rpartition("::")
            assert module in ("types", AUTHOR_MODULE) and name.isidentifier(), (module, name)
            types.append(TypeName(module, name))
        out[c.name] = ComponentSignature(c.name, chosen[c.name][0], types[0], types[1], "Context")
    return out


def _components(program: ir.Program, hdr: str, mapper: RustTypeMapper, failed: int, diags: Diagnostics) -> str:
    chosen, methods = _methods(program)
    rows = []
    for c in program.components:
        method, const = chosen[c.name]
        i = _signature_type(mapper, c.input)
        o = _signature_type(mapper, c.output)
        rows.append((c, method, const, i, o))
    for r in methods.renames:
        diags.warning("name-collision", "", "", f"the Rust method of component {r.original!r} is named {r.chosen!r} ({r.reason})")
    out: list[str] = [hdr, "", _PREAMBLE, f"pub const EXECUTION_FAILED: i64 = {rust_int(failed)};", ""]
    out.append("/// The components of the manifest, one method per component: implement each as an")
    out.append("/// `async fn` (a missing one is a compile error).")
    out.append("pub trait Components: Send + Sync + 'static {")
    for n, (c, method, _const, i, o) in enumerate(rows):
        if n:
            out.append("")
        doc = f"`{c.name}`" + (f": {c.description}" if c.description else "")
        out.append(rust_doc(doc, 4))
        ret = f" -> impl Future<Output = Outcome<{o}>> + Send;"
        out.append(_fn(4, f"fn {method}", ["&self", f"input: {i}", "context: &Context"], ret))
    out.append("}")
    for c, method, const, i, o in rows:
        out.append("")
        desc = f"Some({rust_str(c.description)})" if c.description is not None else "None"
        out.append(L.assign(0, f"const {const}_DESCRIPTION: Option<&str>", desc))
        out.append(L.assign(0, f"const {const}_INPUT_SCHEMA: &str", rust_str(_canonical(c.input_schema))))
        out.append(L.assign(0, f"const {const}_OUTPUT_SCHEMA: &str", rust_str(_canonical(c.output_schema))))
        out.append("")
        params = ["implementation: &'a C", f"input: {i}", "context: &'a Context"]
        out.append(_fn(0, f"fn call_{method}<'a, C: Components>", params, f" -> BoxFuture<'a, Outcome<{o}>> {{"))
        out.append(f"    Box::pin(implementation.{method}(input, context))")
        out.append("}")
    out.append(_REGISTER)
    for c, method, const, _i, _o in rows:
        out.append(L.assign_call(4, "let component", "Component::typed", [rust_str(c.name), "&implementation", f"call_{method}::<C>"]))
        args = [f"{const}_DESCRIPTION", f"{const}_INPUT_SCHEMA", f"{const}_OUTPUT_SCHEMA"]
        out.append(L.assign_call(4, "let component", "component.described", args))
        out.append("    server.component(component);")
    out.append(_TAIL)
    text = "\n".join(out) + "\n"
    # the component authors' types are in their own module: import each module the signatures name
    body = text.split(_TYPES_USE, 1)[1]
    uses = ("use crate::component_types;\n" if f"{AUTHOR_MODULE}::" in body else "") + _RPC_USE
    types_use = _TYPES_USE if re.search(r"(?<![\w:])types::", body) else ""
    return text.replace(_RPC_USE, uses, 1).replace(_TYPES_USE, types_use, 1)


_RPC_USE = "use crate::rpc::BoxFuture;\n"
_TYPES_USE = "use crate::types;\n"


def _canonical(schema: ir.JSON) -> str:
    """A canonical schema as compact JSON text (key order kept: the manifest's)."""
    return json.dumps(schema, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


_PREAMBLE = """//! The components of the manifest(s), for the author to implement: [`Components`] (one method per
//! component, typed by the generated types), and [`main`] / [`serve`] / [`server`] to serve an
//! implementation with the canonical schemas and the input validation of this crate.
//!
//! ```ignore
//! struct Mine;
//!
//! impl Components for Mine {
//!     async fn my_component(&self, input: MyInput, context: &Context) -> Outcome<MyOutput> {
//!         let blob_id = context.put_blob(serde_json::json!({"any": "data"})).await?;
//!         todo!()
//!     }
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     components::main(Mine)
//! }
//! ```

use std::future::Future;
use std::sync::Arc;

use crate::rpc::BoxFuture;
use crate::server::Component;
pub use crate::server::{ComponentError, Context, Server};
use crate::types;

/// What a component answers: its output, or why not.
pub type Outcome<T> = Result<T, ComponentError>;

/// The code a component's failure is answered with (from the method table)."""

_REGISTER = """
/// Registers every component of `implementation` on `server` (as `/<name>`), with its
/// description, canonical schemas and input validation.
pub fn register<C: Components>(server: &mut Server, implementation: C) -> &mut Server {
    let implementation = Arc::new(implementation);"""

_TAIL = """    server
}

/// A [`Server`] serving `implementation` (see [`register`]).
pub fn server<C: Components>(implementation: C) -> Server {
    let mut server = Server::new(EXECUTION_FAILED);
    register(&mut server, implementation);
    server
}

/// Serves `implementation` with the command line `args` (see [`Server::main`]).
pub async fn serve<C: Components>(implementation: C, args: Vec<String>) -> std::io::Result<()> {
    server(implementation).main(args).await
}

/// The whole `main` of a component server: serves `implementation` with the process's command
/// line on a tokio runtime (`--stdio`, or `--http --port 0`, the default, as StepFlow 0.9 launches
/// it).
pub fn main<C: Components>(implementation: C) -> std::process::ExitCode {
    crate::server::run(server(implementation))
}"""
