"""``stepflow-codegen new --language typescript|rust`` and ``add-component`` in such projects.

The projects mirror the Python scaffold (codegen/scaffold.py, whose name checks, schema files,
manifest and staging directory they reuse): ``schemas/`` (manifest, one schema per component, the
StepFlow protocol copy under ``schemas/stepflow/``), ``stepflow-codegen.toml`` (the
``[tool.stepflow-codegen]`` table ``generate``/``check``/``add-component`` read), the generated code,
the author's files, ``stepflow-config.yml`` (HTTP subprocess mode), ``flows/example.yaml`` with test
cases, a test runner that launches the server as the config says, and a README with two commands.

* TypeScript: ``package.json`` + ``package-lock.json`` (the compiler and Node's types pinned as in
  tests/ts-server, whose lock is reused), ``tsconfig.json``, ``src/generated/``, ``src/impl.ts`` (one
  exported function per component; ``add-component`` appends one), ``src/server.ts``,
  ``tests/flow.test.mjs`` (``node --test``).
* Rust: ``Cargo.toml`` (a binary on the generated crate ``generated/``) + ``Cargo.lock`` (the lock of
  examples/rust-math: same dependencies), ``src/main.rs``, ``src/components/<name>.rs`` (one function
  per component, the author's) and ``src/components/mod.rs`` (module list + the ``Components`` impl
  calling them, rewritten by ``add-component``: a method cannot be appended to an impl block),
  ``tests/flow.rs`` (``cargo test``).

The config and the flow are written in YAML's JSON subset, so neither test runner needs a YAML parser.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .frontend.components import NAME_RE
from .scaffold import (
    DEFAULT_COMPONENT,
    PROJECT_RE,
    CodegenSource,
    NewProject,
    ScaffoldError,
    _json_text,
    _toml_str,
    find_codegen_source,
)
from .targets import ComponentSignature, TypeName
from .targets.naming import snake
from .targets.typescript.types import AUTHOR_MODULE

CONFIG_FILE = "stepflow-codegen.toml"

def _ts_project(name: str) -> str:
    if not PROJECT_RE.fullmatch(name):
        raise ScaffoldError(f"project name {name!r}: use letters, digits, '-' and '_', starting with a letter")
    if name.lower() in ("node_modules", "favicon.ico"):
        raise ScaffoldError(f"project name {name!r} is not a valid npm package name; choose another name")
    return name.lower()


def _rust_project(name: str) -> str:
    from .targets.rust import check_name

    if not PROJECT_RE.fullmatch(name):
        raise ScaffoldError(f"project name {name!r}: use letters, digits, '-' and '_', starting with a letter")
    crate = name.replace("-", "_")
    if check_name(name) or crate in ("build", "deps", "examples", "incremental", "debug", "release", "stepflow"):
        raise ScaffoldError(f"project name {name!r} is reserved in Rust or by Cargo (or clashes with a dependency); "
                            "choose another name")
    return crate


def check_component_name(language: str, name: str) -> str:
    """``name`` if ``language``'s project can take it: an identifier the scaffold can name a file and
    a function after (the function and type names themselves are the target's: :func:`_ts_spec`,
    :func:`_rust_spec`)."""
    if not NAME_RE.fullmatch(name) or "/" in name:
        raise ScaffoldError(f"component name {name!r}: use an identifier (letters, digits, '_')")
    if language == "typescript":
        if name.startswith("__"):
            raise ScaffoldError(f"component name {name!r} starts with '__' (the names of an object's own machinery, "
                                "such as __proto__): it cannot be an export of src/impl.ts; choose another name")
    elif snake(name) in ("tests", "components"):
        raise ScaffoldError(f"component name {name!r} would name src/components/{snake(name)}.rs, a module name the "
                            "project uses itself; choose another name")
    return name


def _collision_key(language: str, name: str) -> str:
    """Two components of one project must differ in this (Rust: the snake-case method each wants,
    so that adding a component never renames another's method)."""
    return name if language == "typescript" else snake(name)


def _ts_spec(sig: ComponentSignature, description: str, aliases: dict[str, str]) -> dict[str, Any]:
    """A TypeScript stub's names: the function (``exported``: declared under another identifier,
    exported as the component's name) and its types through the namespace ``aliases`` (generated
    module -> the namespace import naming it)."""
    return {
        "name": sig.component,
        "function": sig.function,
        "exported": sig.function != sig.component,
        "input": f"{aliases[sig.input.module]}.{sig.input.name}",
        "output": f"{aliases[sig.output.module]}.{sig.output.name}",
        "description": description,
        "schema": f"schemas/{sig.component}.json",
        "doc": _doc("typescript", description),
    }


# the names a Rust stub imports from stepflow::components itself
_RUST_STUB_NAMES = frozenset({"Context", "Outcome"})


def _rust_spec(sig: ComponentSignature, description: str) -> dict[str, Any]:
    """A Rust stub's names: the function (the trait method), its types as the stub names them
    (imported by name, or by their path where the name is taken) with the ``use`` items importing
    them, and their full paths (mod.rs)."""
    imported: dict[str, list[str]] = {}
    taken = set(_RUST_STUB_NAMES)
    local: dict[TypeName, str] = {}
    for t in dict.fromkeys((sig.input, sig.output)):
        if t.name in taken:
            local[t] = f"stepflow::{t.module}::{t.name}"
        else:
            taken.add(t.name)
            imported.setdefault(t.module, []).append(t.name)
            local[t] = t.name
    uses = [f"stepflow::{m}::{{{', '.join(ns)}}}" if len(ns) > 1 else f"stepflow::{m}::{ns[0]}"
            for m, ns in imported.items()]
    return {
        "name": sig.component,
        "function": sig.function,
        "input": local[sig.input],
        "output": local[sig.output],
        "uses": uses,
        "input_path": f"::stepflow::{sig.input.module}::{sig.input.name}",
        "output_path": f"::stepflow::{sig.output.module}::{sig.output.name}",
        "description": description,
        "schema": f"schemas/{sig.component}.json",
        "doc": _doc("rust", description),
    }


def _environment() -> Any:
    from .shell import join
    from .targets.rust.escape import rust_comment, rust_str
    from .targets.typescript.escape import ts_comment, ts_string

    def mdtext(text: str) -> str:
        return re.sub(r"([\\`*_{}\[\]<>()#+!|~])", r"\\\1", " ".join(str(text).split()))

    def comment(text: str) -> str:
        return rust_comment(ts_comment(str(text)))  # safe on one line of a //, //! or # comment

    from .templating import environment

    return environment("scaffold", (("tsstr", ts_string), ("ruststr", rust_str), ("toml", _toml_str),
                                    ("comment", comment), ("mdtext", mdtext), ("shellword", lambda s: join([s])),
                                    ("codespan", lambda s: " ".join(str(s).replace("`", "'").split()))))


def _doc(language: str, text: str) -> str:
    if language == "typescript":
        from .targets.typescript.escape import ts_doc

        return ts_doc(text)
    from .targets.rust.escape import rust_doc

    return rust_doc(text).rstrip("\n")


def _config_text(language: str, out: str, implementation: str, crate: str | None) -> str:
    lines = [
        "# stepflow-codegen's configuration: `stepflow-codegen generate` regenerates the code from schemas/,",
        "# `stepflow-codegen check` fails (with a diff) when it is stale, `stepflow-codegen add-component NAME`",
        "# adds a component (run them in this directory)",
        "[tool.stepflow-codegen]",
        "[[tool.stepflow-codegen.targets]]",
        f"language = {_toml_str(language)}",
        'schemas = ["schemas/"]',
        f"out = {_toml_str(out)}",
    ]
    if crate:
        lines.append(f"package = {_toml_str(crate)}")
    lines += [
        "# the hand-written implementation: add-component appends a stub to it (TypeScript) or writes",
        "# <it>/<name>.rs and rewrites <it>/mod.rs (Rust)",
        f"implementation = {_toml_str(implementation)}",
    ]
    return "\n".join(lines) + "\n"


def _stepflow_config(plugin: str, command: str, args: list[str], how: str) -> str:
    config = {
        "plugins": {
            "builtin": {"type": "builtin"},
            plugin: {"type": "stepflow", "command": command, "args": args, "env": {}},
        },
        "routes": {f"/{plugin}/{{*component}}": [{"plugin": plugin}], "/builtin/{*component}": [{"plugin": "builtin"}]},
        "stateStore": {"type": "inMemory"},
    }
    head = (
        "# StepFlow 0.9 runtime configuration: the runtime launches this project's component server\n"
        '# itself ("subprocess mode"): it runs `command` with `args` in this file\'s directory, with an\n'
        '# EMPTY environment plus `env`, reads {"port": N} from the server\'s stdout, polls GET /health,\n'
        f"# then speaks JSON-RPC over HTTP. {how}\n"
        "# Written in YAML's JSON subset (valid YAML): the project's test runner reads it as JSON after\n"
        "# dropping full-line # comments.\n"
    )
    return head + json.dumps(config, indent=2, ensure_ascii=False) + "\n"


def _flow(project: str, plugin: str, first: dict[str, Any]) -> str:
    step = first["function"]
    flow = {
        "name": f"{project}-example",
        "description": f"Calls /{plugin}/{first['name']} and returns its message.",
        "steps": [{"id": step, "component": f"/{plugin}/{first['name']}", "input": {"name": {"$input": "name"}}}],
        "output": {
            "message": {"$step": step, "path": "message"},
            "length": {"$step": step, "path": "length"},
        },
        "test": {
            "cases": [
                {
                    "name": "says_hello",
                    "description": "The example component greets with the default punctuation.",
                    "input": {"name": "Ada"},
                    "output": {"outcome": "success", "result": {"message": "Hello, Ada!", "length": 11}},
                },
                {
                    "name": "refuses_an_empty_name",
                    "description": "An empty name breaks the input schema (minLength 1), so the step fails, "
                    "reported as the runtime reports it.",
                    "input": {"name": ""},
                    "output": {"outcome": "failed", "error": {"code": 500, "message": f'step "{step}" failed'}},
                },
            ]
        },
    }
    head = (
        "# A StepFlow 0.9 flow calling this project's component through the plugin of stepflow-config.yml.\n"
        "# Its test cases are run by the project's tests against the server as the config launches it, and\n"
        "# by the real runtime. Written in YAML's JSON subset (valid YAML): the test runner reads it as\n"
        "# JSON after dropping full-line # comments.\n"
    )
    return head + json.dumps(flow, indent=2, ensure_ascii=False) + "\n"


def _ts_package(npm_name: str, lock_source: Path) -> tuple[str, str]:
    """package.json and package-lock.json: tests/ts-server's pinned devDependencies and its lock."""
    lock = json.loads(lock_source.read_text(encoding="utf-8"))
    dev = lock["packages"][""]["devDependencies"]
    package = {
        "name": npm_name,
        "version": "0.1.0",
        "private": True,
        "description": "StepFlow components on the component server generated by stepflow-codegen",
        "type": "module",
        "scripts": {
            "build": "tsc -p .",
            "start": "node out/server.js --http --port 0",
            "test": "tsc -p . && node --test tests/flow.test.mjs",
        },
        "devDependencies": dict(dev),
    }
    lock["name"] = npm_name
    root = lock["packages"][""]
    lock["packages"][""] = {"name": npm_name, "version": "0.1.0", **{k: v for k, v in root.items() if k not in ("name", "version")}}
    return _json_text(package), _json_text(lock)


def new_project_other(
    language: str,
    name: str,
    directory: Path | None,
    components: list[str],
    codegen_source: str | None,
    signatures: Callable[[Path], dict[str, ComponentSignature]],
) -> NewProject:
    """Write a TypeScript or Rust project (everything but the generated code: the caller generates
    it).  ``signatures(root)``: the names the project's target gives each component (the
    schemas and stepflow-codegen.toml are in ``root`` by then); the stubs use them."""
    project = _ts_project(name) if language == "typescript" else _rust_project(name)
    plugin = name.replace("-", "_").lower()
    comps = [check_component_name(language, c) for c in components] or [DEFAULT_COMPONENT]
    if len({_collision_key(language, c) for c in comps}) != len(comps):
        raise ScaffoldError("--component names must be different (also as function names)")
    root = (directory if directory is not None else Path(name)).resolve()
    if root.is_symlink() or (root.exists() and (not root.is_dir() or any(root.iterdir()))):
        raise ScaffoldError(f"{root} exists and is not empty; choose another --dir")
    created = [d for d in reversed(root.parents) if not d.exists()]
    source = find_codegen_source(codegen_source)
    tree = source.schemas.parent
    for f in ("protocol.json", "methods.json"):
        if not (source.schemas / f).is_file():
            raise ScaffoldError(f"{source.schemas / f} is missing: the StepFlow protocol schemas come from there")
    if language == "typescript":
        lock_source = tree / "tests" / "ts-server" / "package-lock.json"
        if not lock_source.is_file():
            raise ScaffoldError(f"{lock_source} is missing: the project's package-lock.json is made from it")
    else:
        lock_source = tree / "examples" / "rust-math" / "Cargo.lock"
        if not lock_source.is_file():
            raise ScaffoldError(f"{lock_source} is missing: the project's Cargo.lock is made from it")
    described = [
        {"name": c, "description": "Say hello to someone." if c == DEFAULT_COMPONENT else f"Example component {c}: says hello."}
        for c in comps
    ]
    crate = f"{name}-components"
    from .scaffold import schema_files, stage

    # the schemas and the configuration first: the target names the components from them
    first: dict[str, str] = schema_files(name, described, comps)
    if language == "typescript":
        first[CONFIG_FILE] = _config_text("typescript", "src/generated", "src/impl.ts", None)
    else:
        first[CONFIG_FILE] = _config_text("rust", "generated", "src/components", crate)
    staging = stage(root, first, source)
    try:
        named = signatures(staging)
        _write(staging, _project_files(language, name, project, plugin, crate, source, lock_source,
                                       [(named[d["name"]], d["description"]) for d in described]))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return NewProject(staging, plugin, comps, source, final=root, created=created)


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _project_files(language: str, name: str, project: str, plugin: str, crate: str, source: CodegenSource,
                   lock_source: Path, components: list[tuple[ComponentSignature, str]]) -> dict[str, str]:
    """A new project's files but the schemas and the configuration."""
    env = _environment()
    if language == "typescript":
        specs = [_ts_spec(sig, description, _TS_ALIASES) for sig, description in components]
    else:
        specs = [_rust_spec(sig, description) for sig, description in components]
    ctx = {"project": name, "components": specs, "first": specs[0], "plugin": plugin, "crate": crate,
           "codegen_url": source.requirement.split(" @ ", 1)[1],
           "protocol_types": any(sig.input.module != AUTHOR_MODULE or sig.output.module != AUTHOR_MODULE
                                 for sig, _ in components)}
    out: dict[str, str] = {}
    if language == "typescript":
        out["package.json"], out["package-lock.json"] = _ts_package(project, lock_source)
        templates = {"tsconfig.json": "tsconfig.json.jinja", "src/impl.ts": "impl.ts.jinja",
                     "src/server.ts": "server.ts.jinja", "tests/flow.test.mjs": "flow.test.mjs.jinja",
                     "README.md": "README.md.jinja", ".gitignore": "gitignore.jinja"}
        out["stepflow-config.yml"] = _stepflow_config(
            plugin, "node", ["out/server.js", "--http", "--port", "0"],
            "Build first (README.md); the runtime finds `node` on its own PATH.")
    else:
        out["Cargo.lock"] = lock_source.read_text(encoding="utf-8")
        templates = {"Cargo.toml": "Cargo.toml.jinja", "src/main.rs": "main.rs.jinja",
                     "src/components/mod.rs": "mod.rs.jinja", "tests/flow.rs": "flow.rs.jinja",
                     "README.md": "README.md.jinja", ".gitignore": "gitignore.jinja"}
        for s in specs:
            out[f"src/components/{s['function']}.rs"] = env.get_template("rust/component.rs.jinja").render(
                **s, stub=False)
        out["stepflow-config.yml"] = _stepflow_config(
            plugin, f"target/debug/{name}", ["--http", "--port", "0"], "Build first (README.md): cargo build.")
    for rel, t in templates.items():
        out[rel] = env.get_template(f"{language}/{t}").render(**ctx)
    out["flows/example.yaml"] = _flow(name, plugin, specs[0])
    return out


# impl.ts's namespace imports of the generated modules (the component authors' types, the protocol's)
_TS_ALIASES = {AUTHOR_MODULE: "T", "types": "P"}


# -- add-component ------------------------------------------------------------------------------


def append_ts_stub(implementation: Path, sig: ComponentSignature, description: str, schema_rel: str) -> bool:
    """Append the component's function (exported as its name) to impl.ts unless the file exports
    that name; never rewrites a line.  The names are the target's (``sig``)."""
    name = sig.component
    text = implementation.read_text(encoding="utf-8") if implementation.exists() else ""
    if re.search(rf"^\s*export\s+(async\s+)?(function\s*\*?\s*|const\s+|let\s+|var\s+){re.escape(name)}\b", text, re.MULTILINE) or \
            re.search(rf"^\s*export\s*\{{[^}}]*\b{re.escape(name)}\b", text, re.MULTILINE):
        return False
    # the component's types through namespace imports: generated/component_types.ts (the schemas' own
    # types) and, for a protocol type, generated/types.ts; the file's own import of one, else a new one
    aliases: dict[str, str] = {}
    import_lines = []
    for module, prefix in ((AUTHOR_MODULE, "T"), ("types", "P")):
        if module not in (sig.input.module, sig.output.module):
            continue
        m = re.search(rf"""^\s*import\s+type\s+\*\s+as\s+([A-Za-z_$][\w$]*)\s+from\s+["']\./generated/{module}\.js["']""",
                      text, re.MULTILINE)
        if m:
            aliases[module] = m.group(1)
        else:
            aliases[module] = f"{prefix}_{sig.function}"
            import_lines.append(f'import type * as {aliases[module]} from "./generated/{module}.js";')
    spec = {**_ts_spec(sig, description, aliases), "schema": schema_rel}
    stub = _environment().get_template("typescript/stub.ts.jinja").render(**spec, import_line="\n".join(import_lines))
    trailing = len(text) - len(text.rstrip("\n"))
    sep = "" if not text.strip() else "\n" * max(0, 2 - trailing)
    with implementation.open("a", encoding="utf-8") as f:
        f.write(sep + stub)
    return True


def manifest_components(manifest: Path) -> list[dict[str, Any]]:
    data = json.loads(manifest.read_text(encoding="utf-8"))
    return [e for e in data.get("components", []) if isinstance(e, dict) and isinstance(e.get("name"), str)]


def write_rust_component(directory: Path, manifest: Path, signatures: dict[str, ComponentSignature], name: str,
                         description: str, schema_rel: str) -> bool:
    """Write the stub ``<dir>/<function>.rs`` (unless it exists) and rewrite ``<dir>/mod.rs`` from the
    manifest; every name is the target's (``signatures``: per component of the generated trait)."""
    import os

    env = _environment()
    spec = {**_rust_spec(signatures[name], description), "schema": schema_rel}
    directory.mkdir(parents=True, exist_ok=True)
    stub_file = directory / f"{spec['function']}.rs"
    added = False
    if not stub_file.exists() and not stub_file.is_symlink():
        text = env.get_template("rust/component.rs.jinja").render(
            **spec, stub=True)
        fd = os.open(stub_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        added = True
    specs = [_rust_spec(signatures[e["name"]], str(e.get("description") or ""))
             for e in manifest_components(manifest) if e["name"] in signatures]
    mod = directory / "mod.rs"
    if mod.is_symlink():
        raise ScaffoldError(f"{mod} is a symlink; refusing to write through it")
    mod.write_text(env.get_template("rust/mod.rs.jinja").render(components=specs), encoding="utf-8")
    return added
