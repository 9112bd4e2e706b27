"""``stepflow-codegen new`` and ``add-component``: component projects that run under StepFlow.

``new NAME`` writes a complete project (templates in ``templates/scaffold/``): ``pyproject.toml``
with a ``[tool.stepflow-codegen]`` target, ``schemas/`` (a component manifest, one JSON Schema
file per component, and a copy of the StepFlow protocol schemas the generated server is built
from), the generated package, the author's implementation file, a server entry point, StepFlow
configs (HTTP subprocess mode for 0.9, and STDIO), a flow with test cases, tests and a README.

stepflow-codegen is not on PyPI, so the project records where this tool came from as a PEP 508
direct reference (``stepflow-codegen @ file:///...``): the directory of a checkout or editable
install (PEP 610 ``direct_url.json``, else the source tree around this package), or whatever
``--codegen-source`` says.

``add-component NAME`` (inside such a project) adds the schema file and the manifest entry,
regenerates, and appends a stub to the implementation file; existing code is never modified.
"""

from __future__ import annotations

import json
import keyword
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .frontend.components import NAME_RE
from .frontend.loader import COMPONENTS_SCHEMA
from .targets.naming import pascal, snake
from .targets.python.types import AUTHOR_MODULE

PROJECT_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
DEFAULT_COMPONENT = "greet"


class ScaffoldError(Exception):
    """A scaffolding step cannot be done; the message says what to do instead."""


@dataclass(frozen=True)
class CodegenSource:
    requirement: str
    """The PEP 508 requirement the project's dev dependencies get (``stepflow-codegen @ file:///...``)."""
    schemas: Path
    """The directory holding the StepFlow protocol schemas (``protocol.json``, ``methods.json``)."""
    how: str
    """How the source was found (for the report)."""


def _tree_of(path: Path) -> Path | None:
    """``path`` if it is a stepflow-codegen source tree (pyproject naming it, and the protocol schemas)."""
    pyproject = path / "pyproject.toml"
    if not pyproject.is_file() or not (path / "schemas" / "methods.json").is_file():
        return None
    import tomllib

    try:
        name = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {}).get("name")
    except (OSError, tomllib.TOMLDecodeError):
        return None
    return path if name == "stepflow-codegen" else None


def find_codegen_source(explicit: str | None = None) -> CodegenSource:
    """Where the running stepflow-codegen comes from, as a requirement and a protocol schema dir."""
    if explicit:
        tree = _tree_of(Path(explicit).expanduser().resolve())
        if tree is None:
            raise ScaffoldError(f"--codegen-source {explicit}: not a stepflow-codegen checkout (no pyproject.toml "
                                "naming stepflow-codegen beside schemas/methods.json)")
        return CodegenSource(f"stepflow-codegen @ {tree.as_uri()}", tree / "schemas", "--codegen-source")
    try:
        from importlib.metadata import PackageNotFoundError, distribution

        raw = distribution("stepflow-codegen").read_text("direct_url.json")
    except (ImportError, PackageNotFoundError):
        raw = None
    if raw:
        try:
            info = json.loads(raw)
        except ValueError:
            info = {}
        url = info.get("url", "") if isinstance(info, dict) else ""
        if url.startswith("file://") and "dir_info" in info:
            from urllib.parse import unquote, urlparse

            tree = _tree_of(Path(unquote(urlparse(url).path)))
            if tree is not None:
                editable = bool(info["dir_info"].get("editable"))
                how = "editable install" if editable else "installed from a local directory"
                return CodegenSource(f"stepflow-codegen @ {tree.as_uri()}", tree / "schemas", f"{how} (direct_url.json)")
    here = Path(__file__).resolve().parent.parent
    tree = _tree_of(here)
    if tree is not None:
        return CodegenSource(f"stepflow-codegen @ {tree.as_uri()}", tree / "schemas", "source tree")
    raise ScaffoldError(
        "cannot tell where this stepflow-codegen comes from: it is not on PyPI, so a new project records the "
        "local checkout it was installed from, and this installation is not one (no direct_url.json pointing "
        "at a checkout, no source tree around the package); pass --codegen-source /path/to/stepflow-codegen"
    )


# Import names of what a project depends on (runtime and dev dependencies, and theirs) and of this
# tool: a project package of one of these names would shadow it (``new uvicorn``: the server crashes).
PROJECT_DEPENDENCY_MODULES = frozenset(
    {
        "msgspec", "uvicorn", "h11", "httptools", "uvloop", "websockets", "watchfiles", "click", "anyio",
        "sniffio", "idna", "typing_extensions", "pytest", "_pytest", "pluggy", "iniconfig", "packaging",
        "py", "mypy", "mypyc", "mypy_extensions", "yaml", "_yaml", "stepflow_codegen", "jinja2",
        "markupsafe", "setuptools", "pkg_resources", "_distutils_hack", "pip", "wheel", "tests", "conftest",
        "black", "hypothesis", "stepflow", "stepflow_py", "stepflow_sdk",
    }
)


def package_name(project: str) -> str:
    import builtins
    import importlib.util

    if not PROJECT_RE.fullmatch(project):
        raise ScaffoldError(f"project name {project!r}: use letters, digits, '-' and '_', starting with a letter")
    pkg = project.replace("-", "_").lower()
    if keyword.iskeyword(pkg) or keyword.issoftkeyword(pkg) or pkg in dir(builtins):
        raise ScaffoldError(f"project name {project!r} would make the Python package {pkg!r}, a Python keyword or "
                            "builtin; choose another name")
    shadows = pkg in sys.stdlib_module_names or pkg in PROJECT_DEPENDENCY_MODULES
    if not shadows:
        try:
            spec = importlib.util.find_spec(pkg)
        except (ImportError, ValueError):
            spec = None
        # an installed module; not a directory of the working directory (``python -m`` puts it on sys.path)
        origin = spec.origin if spec is not None else None
        shadows = bool(origin) and origin != "namespace" and not Path(str(origin)).resolve().is_relative_to(Path.cwd().resolve())
    if shadows:
        raise ScaffoldError(f"project name {project!r} would make the Python package {pkg!r}, which shadows a module "
                            "of that name that the project can import (the standard library, a dependency of the "
                            "project, or an installed package); choose another name")
    return pkg


def _check_component_name(name: str) -> str:
    from .targets.python.components import reserved_function_names

    if not NAME_RE.fullmatch(name) or "/" in name:
        raise ScaffoldError(f"component name {name!r}: use an identifier (letters, digits, '_')")
    function = snake(name)
    if keyword.iskeyword(function) or not function.isidentifier():
        raise ScaffoldError(f"component name {name!r} does not make a Python function name")
    if function in reserved_function_names():
        raise ScaffoldError(
            f"component name {name!r} would make the Python function {function!r}, a Python keyword, builtin or name "
            "the generated code uses itself (the generated code would rename it and the stub would not match); "
            "choose another name"
        )
    return name


# -- schema files -----------------------------------------------------------------------------


def component_schema(name: str) -> dict[str, Any]:
    """The example JSON Schema file of a new component (input and output in ``$defs``)."""
    base = pascal(name)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": f"The input and output of the component {name} (listed in components.json). "
        "Edit freely, then run: stepflow-codegen generate",
        "$defs": {
            f"{base}Input": {
                "type": "object",
                "description": f"The input of {name}.",
                "properties": {
                    "name": {"type": "string", "minLength": 1, "description": "Who to greet."},
                    "punctuation": {"type": "string", "default": "!", "description": "What ends the greeting."},
                },
                "required": ["name"],
                "additionalProperties": False,
            },
            f"{base}Output": {
                "type": "object",
                "description": f"The output of {name}.",
                "properties": {
                    "message": {"type": "string"},
                    "length": {"type": "integer", "description": "How many characters the message has."},
                },
                "required": ["message", "length"],
                "additionalProperties": False,
            },
        },
    }


def schema_files(project: str, specs: list[dict[str, Any]], comps: list[str]) -> dict[str, str]:
    """A new project's manifest and one example schema file per component, as every language writes them."""
    out = {
        "schemas/components.json": _json_text(
            {
                "$schema": COMPONENTS_SCHEMA,
                "description": f"The components of {project}: each one's input and output schema is in <name>.json.",
                "components": [manifest_entry(s["name"], s["description"]) for s in specs],
            }
        )
    }
    for c in comps:
        out[f"schemas/{c}.json"] = _json_text(component_schema(c))
    return out


def manifest_entry(name: str, description: str) -> dict[str, Any]:
    base = pascal(name)
    return {
        "name": name,
        "description": description,
        "input": {"$ref": f"{name}.json#/$defs/{base}Input"},
        "output": {"$ref": f"{name}.json#/$defs/{base}Output"},
    }


def _json_text(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string


# -- new ----------------------------------------------------------------------------------------


@dataclass
class NewProject:
    root: Path
    """Where the project is (the staging directory until :meth:`finish`)."""
    package: str
    components: list[str]
    source: CodegenSource
    final: Path | None = None
    """Where the project goes."""
    created: list[Path] | None = None
    """Parent directories ``new`` created (outermost first)."""

    def finish(self) -> None:
        """Move the staging directory into place (the final directory is absent or empty)."""
        import os

        assert self.final is not None
        if self.final.is_dir() and not self.final.is_symlink():
            self.final.rmdir()  # empty (checked before anything was written)
        os.rename(self.root, self.final)
        self.root = self.final

    def discard(self) -> None:
        if self.final is not None and self.root != self.final:
            shutil.rmtree(self.root, ignore_errors=True)
            for d in reversed(self.created or []):
                try:
                    d.rmdir()
                except OSError:
                    break


def new_project(
    name: str,
    directory: Path | None,
    components: list[str],
    transport: str,
    codegen_source: str | None,
) -> NewProject:
    """Write the project (everything but the generated package: the caller generates it)."""
    from .targets.python.escape import py_str
    from .templating import environment

    pkg = package_name(name)
    comps = [_check_component_name(c) for c in components] or [DEFAULT_COMPONENT]
    if len({snake(c) for c in comps}) != len(comps):
        raise ScaffoldError("--component names must be different (also as Python function names)")
    root = (directory if directory is not None else Path(name)).resolve()
    if root.is_symlink() or (root.exists() and (not root.is_dir() or any(root.iterdir()))):
        raise ScaffoldError(f"{root} exists and is not empty; choose another --dir")
    created = [d for d in reversed(root.parents) if not d.exists()]  # removed again by discard()
    source = find_codegen_source(codegen_source)
    for f in ("protocol.json", "methods.json"):
        if not (source.schemas / f).is_file():
            raise ScaffoldError(f"{source.schemas / f} is missing: the StepFlow protocol schemas come from there")
    specs = [
        {
            "name": c,
            "function": snake(c),
            "input": pascal(c) + "Input",
            "output": pascal(c) + "Output",
            "description": "Say hello to someone." if c == DEFAULT_COMPONENT else f"Example component {c}: says hello.",
        }
        for c in comps
    ]
    ctx = {
        "project": name,
        "package": pkg,
        "components": specs,
        "first": specs[0],
        "transport": transport,
        "other_transport": "stdio" if transport == "http" else "http",
        "codegen_requirement": _toml_str(source.requirement),
        "codegen_url": source.requirement.split(" @ ", 1)[1],
        "pystr": py_str,
    }
    env = environment("scaffold", (("pystr", py_str), ("toml", _toml_str)))
    files: dict[str, str] = {
        "pyproject.toml": "pyproject.toml.jinja",
        "README.md": "README.md.jinja",
        ".gitignore": "gitignore.jinja",
        f"{pkg}/__init__.py": "package_init.py.jinja",
        f"{pkg}/impl.py": "impl.py.jinja",
        f"{pkg}/server.py": "server.py.jinja",
        "flows/example.yaml": "flow.yaml.jinja",
        "tests/flowrun.py": "flowrun.py.jinja",
        "tests/test_components.py": "test_components.py.jinja",
        "tests/test_flow.py": "test_flow.py.jinja",
        "tests/test_generated.py": "test_generated.py.jinja",
    }
    out: dict[str, str] = {rel: env.get_template(t).render(**ctx) for rel, t in files.items()}
    main_config = "stepflow-config.yml"
    variant = f"stepflow-config.{ctx['other_transport']}.yml"
    out[main_config] = env.get_template("stepflow-config.yml.jinja").render(**ctx, mode=transport, file=main_config)
    out[variant] = env.get_template("stepflow-config.yml.jinja").render(
        **ctx, mode=ctx["other_transport"], file=variant
    )
    out.update(schema_files(name, specs, comps))
    staging = stage(root, out, source)
    return NewProject(staging, pkg, comps, source, final=root, created=created)


def stage(root: Path, out: dict[str, str], source: CodegenSource) -> Path:
    """Write ``out`` (and the protocol schemas, under ``schemas/stepflow/``) into a staging directory
    beside ``root``: the caller moves it into place once the code has been generated (finish()), or
    removes it (discard()); never a half-written project."""
    import os
    import tempfile

    try:
        root.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ScaffoldError(f"cannot create {root.parent}: {e.strerror}") from None
    staging = Path(tempfile.mkdtemp(prefix=f".{root.name}.stepflow-codegen-new-", dir=root.parent))
    try:
        mask = os.umask(0)
        os.umask(mask)
        staging.chmod(0o777 & ~mask)  # mkdtemp makes it private; the project directory is not
        for rel, text in out.items():
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        (staging / "schemas" / "stepflow").mkdir(parents=True, exist_ok=True)
        for f in ("protocol.json", "methods.json"):
            shutil.copyfile(source.schemas / f, staging / "schemas" / "stepflow" / f)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


# -- add-component ------------------------------------------------------------------------------


@dataclass
class Added:
    schema_file: Path
    manifest: Path
    implementation: Path
    stub_added: bool
    function: str


def find_manifests(schemas: list[Path]) -> list[Path]:
    found: list[Path] = []
    for p in schemas:
        for f in sorted(p.rglob("*.json")) if p.is_dir() else [p]:
            try:
                data = json.loads(f.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(data, dict) and data.get("$schema") == COMPONENTS_SCHEMA:
                found.append(f)
    return found


def add_schema(manifest: Path, name: str, description: str,
               check: Callable[[str], str] = _check_component_name) -> tuple[Path, str]:
    """Write ``<name>.json`` beside the manifest and add the entry; returns the schema file and
    the manifest's previous text (to restore it if generation fails).  ``check``: refuses a
    component name the project's language cannot take (default: Python's)."""
    check(name)
    old = manifest.read_text(encoding="utf-8")
    data = json.loads(old)
    entries = data.get("components")
    if not isinstance(entries, list):
        raise ScaffoldError(f"{manifest}: 'components' is not an array")
    if any(isinstance(e, dict) and e.get("name") == name for e in entries):
        raise ScaffoldError(f"{manifest} already lists a component {name!r}")
    schema_file = manifest.parent / f"{name}.json"
    if schema_file.exists() or schema_file.is_symlink():  # a dangling symlink would write outside the project
        raise ScaffoldError(f"{schema_file} exists already (or is a symlink); remove it or choose another name")
    import os

    try:
        fd = os.open(schema_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666)
    except OSError as e:
        raise ScaffoldError(f"{schema_file}: cannot create it ({e.strerror})") from None
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(_json_text(component_schema(name)))
    entries.append(manifest_entry(name, description))
    manifest.write_text(_json_text(data), encoding="utf-8")
    return schema_file, old


def import_of(implementation: Path, out: Path, root: Path) -> str:
    """How the implementation file imports the generated package (relative when they are siblings in a package)."""
    if implementation.parent.resolve() == out.parent.resolve() and (implementation.parent / "__init__.py").is_file():
        return "." + out.name
    try:
        rel = out.resolve().relative_to(root.resolve())
    except ValueError:
        raise ScaffoldError(f"{out} is outside the project {root}: the implementation cannot import it") from None
    if not rel.parts or not all(p.isidentifier() and not keyword.iskeyword(p) for p in rel.parts):
        raise ScaffoldError(f"the generated package {rel.as_posix()!r} is not an importable module path "
                            "(every directory must be a Python identifier); change `out` in [tool.stepflow-codegen]")
    return ".".join(rel.parts)


_DEF_RE = r"^(async\s+)?def\s+{}\s*\("


def append_stub(implementation: Path, module: str, function: str, input_type: str, output_type: str,
                context: str, name: str, description: str, schema_rel: str, sync: bool = False,
                author_types: list[str] | tuple[str, ...] = ()) -> bool:
    """Append the stub of ``function`` unless the file defines it already; never rewrites a line.

    The stub is ``async`` and takes the ``context`` (blob calls are awaited) unless ``sync``; it
    imports only the names the file does not import from the generated package yet: the component
    authors' types (``author_types``) from its ``component_types`` module, the others from the package.
    """
    from .targets.python.escape import py_comment, py_docstring, py_str
    from .templating import environment

    text = implementation.read_text(encoding="utf-8") if implementation.exists() else ""
    if re.search(_DEF_RE.format(re.escape(function)), text, re.MULTILINE):
        return False
    wanted = ([] if sync else [context]) + [input_type, output_type]
    authors_module = f"{module}.{AUTHOR_MODULE}"
    groups = []
    for mod, names in (
        (authors_module, [n for n in dict.fromkeys(wanted) if n in author_types]),
        (module, [n for n in dict.fromkeys(wanted) if n not in author_types]),
    ):
        have = _imported_names(text, mod)
        todo = [n for n in names if n not in have]
        if todo:
            groups.append((mod, todo))
    imports = groups
    env = environment("scaffold", (("pystr", py_str), ("toml", _toml_str), ("comment", py_comment)))
    stub = env.get_template("stub.py.jinja").render(
        module=module,
        imports=imports,
        function=function,
        input=input_type,
        output=output_type,
        context=context,
        name=name,
        schema=schema_rel,
        sync=sync,
        docstring=py_docstring(description, "    "),
    )
    trailing = len(text) - len(text.rstrip("\n"))
    sep = "" if not text.strip() else "\n" * max(0, 3 - trailing)
    with implementation.open("a", encoding="utf-8") as f:
        f.write(sep + stub)
    return True


def _imported_names(text: str, module: str) -> set[str]:
    """The names ``text`` binds by ``from <module> import ...`` (any spelling of the generated package)."""
    import ast

    try:
        tree = ast.parse(text)
    except SyntaxError:
        return set()
    tail = module.lstrip(".").split(".")[-1]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module is not None:
            spelled = "." * node.level + node.module
            if spelled == module or spelled.split(".")[-1] == tail:
                out.update(a.asname or a.name for a in node.names)
    return out
