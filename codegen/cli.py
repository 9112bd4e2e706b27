"""The ``stepflow-codegen`` command line.

Exit codes: 0 success; 1 generated code is stale (``--check``/``check``) or the lint found problems;
2 bad input (unreadable or invalid schema, bad ``$ref``, bad configuration, refused write).

The language commands' options are declared once, in :mod:`stepflow_codegen.fastcli` (the console
script's fast path, which parses plain language command lines without importing click); their
click options are built from that table here.  What they run is in :mod:`stepflow_codegen.runner`.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__
from .diagnostics import Diagnostics, SchemaError, Severity
from .fastcli import (
    COMMON_OPTIONS,
    LANGUAGE_COMMANDS,
    LANGUAGE_OPTIONS,
    Opt,
    execute,
)
from .runner import (  # noqa: F401  (re-exported: the names the command line had before runner.py)
    _CHANGE_REPORTS,
    _FORMER_TEMPLATES,
    EXIT_BAD_INPUT,
    EXIT_OK,
    EXIT_STALE,
    LANGUAGES,
    BadInput,
    TargetSpec,
    _display_path,
    _expand_roots,
    _guard,
    _may_be_tracked,
    _print_diags,
    _shared_programs,
    _target_program,
    _templates_dir,
    _uri_map,
    finish,
    render_target,
    report_schema_changes,
    run_target,
    subprocess_out,
)

if TYPE_CHECKING:
    from .targets import ComponentSignature

_CONFIG_MODES = {
    o.decls[-1][2:]: (o.default, *(c for c in o.choices if c != o.default)) for o in LANGUAGE_OPTIONS if o.choices
}
"""The keys of a ``[[tool.stepflow-codegen.targets]]`` entry that take one of a few values, from the
language commands' option table (``--struct-gc`` -> ``struct-gc``): (default, the other values)."""


def load_config(config: Path | None) -> tuple[list[TargetSpec], Path]:
    path = config
    if path is None:
        here = Path.cwd()
        for d in [here, *here.parents]:
            # stepflow-codegen.toml (TypeScript and Rust projects of `new`) or pyproject.toml, with the
            # same [tool.stepflow-codegen] table; the nearest directory wins, and in it stepflow-codegen.toml
            found = [d / f for f in ("stepflow-codegen.toml", "pyproject.toml") if (d / f).is_file()]
            if found:
                path = found[0]
                break
    if path is None or not path.is_file():
        raise BadInput("no stepflow-codegen.toml or pyproject.toml found; pass --config FILE")
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise BadInput(f"{path}: cannot read configuration: {e}") from None
    table: Any = data.get("tool", {}).get("stepflow-codegen")
    if not isinstance(table, dict) or not isinstance(table.get("targets"), list) or not table["targets"]:
        raise BadInput(f"{path}: no [[tool.stepflow-codegen.targets]] entries")
    specs = []
    for i, t in enumerate(table["targets"]):
        where = f"{path}: tool.stepflow-codegen.targets[{i}]"
        if not isinstance(t, dict):
            raise BadInput(f"{where}: must be a table")
        unknown = set(t) - {
            "language", "schemas", "out", "root-names", "package", "defaults", "implementation", "kinds", "formats",
            "integers", "struct-gc", "templates",
            "ref-roots", "map-uri",
        }
        if unknown:
            raise BadInput(f"{where}: unknown key {sorted(unknown)[0]!r}")
        for k in ("language", "schemas", "out"):
            if k not in t:
                raise BadInput(f"{where}: missing {k!r}")
        schemas = t["schemas"] if isinstance(t["schemas"], list) else [t["schemas"]]
        modes = {}
        for key, values in _CONFIG_MODES.items():
            modes[key] = t.get(key, values[0])
            if modes[key] not in values:
                raise BadInput(f"{where}: {key} must be {' or '.join(map(repr, values))}")
        _warn_outside(path, where, base=path.parent, out=str(t["out"]), schemas=[str(s) for s in schemas],
                      implementation=str(t["implementation"]) if "implementation" in t else None)
        specs.append(
            TargetSpec(
                language=str(t["language"]),
                schemas=[str(s) for s in schemas],
                out=str(t["out"]),
                root_names=[str(r) for r in t.get("root-names", [])],
                package=t.get("package"),
                defaults=modes["defaults"],
                implementation=str(t["implementation"]) if "implementation" in t else None,
                kinds=modes["kinds"],
                formats=modes["formats"],
                integers=modes["integers"],
                struct_gc=modes["struct-gc"],
                templates=str(t["templates"]) if "templates" in t else None,
                ref_roots=[str(r) for r in t.get("ref-roots", [])],
                uri_map=[f"{k}={v}" for k, v in (t.get("map-uri") or {}).items()],
            )
        )
    return specs, path.parent


def _warn_outside(path: Path, where: str, base: Path, out: str, schemas: list[str], implementation: str | None) -> None:
    """Warn about configured paths that leave the project (the directory of pyproject.toml)."""
    root = base.resolve()
    named = [("out", out)] + [("schemas", s) for s in schemas]
    if implementation is not None:
        named.append(("implementation", implementation))
    for key, value in named:
        try:
            inside = (base / value).resolve().is_relative_to(root)
        except (OSError, RuntimeError, ValueError):
            inside = False
        if not inside:
            click.echo(
                f"warning: {where}: {key} = {value!r} is outside the project ({root}); "
                + ("generated files are written, and stale ones removed, there" if key == "out"
                   else "it is read from there" if key == "schemas" else "add-component appends to it there")
                + "; check the configuration",
                err=True,
            )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="stepflow-codegen")
def main() -> None:
    """Generate StepFlow SDK code from JSON Schemas and a JSON-RPC method table.

    Exit codes: 0 ok, 1 stale output (check) or lint findings, 2 bad input.
    """



def _click_option(opt: Opt, help: str | None = None) -> Any:
    """The click option an entry of :data:`~stepflow_codegen.fastcli.LANGUAGE_OPTIONS` or
    :data:`~stepflow_codegen.fastcli.COMMON_OPTIONS` describes (a choice shows its default in the help)."""
    kw: dict[str, Any] = {"help": help or opt.help}
    if opt.flag:
        kw["is_flag"] = True
    elif opt.multiple:
        kw["multiple"] = True
    elif not opt.required:  # a required option has no default (click 8.5: default=None would satisfy it)
        kw["default"] = opt.default
    if opt.choices is not None:
        kw.update(type=click.Choice(list(opt.choices)), show_default=True)
    if opt.required:
        kw["required"] = True
    if opt.metavar is not None:
        kw["metavar"] = opt.metavar
    return click.option(*opt.decls, opt.dest, **kw)


_common = [_click_option(o) for o in COMMON_OPTIONS]


def _with_common(f: Any) -> Any:
    for opt in reversed(_common):
        f = opt(f)
    return f


def _language_command(language: str, summary: str, name_help: str) -> None:
    """A language command; its options are :data:`~stepflow_codegen.fastcli.LANGUAGE_OPTIONS`, which
    the console script's fast path (:func:`stepflow_codegen.fastcli.parse`) parses without click."""

    def command(**params: Any) -> None:
        sys.exit(execute(language, params))

    for opt in reversed(LANGUAGE_OPTIONS + COMMON_OPTIONS):
        command = _click_option(opt, name_help if opt.dest == "package" else None)(command)
    command = click.argument("schemas", nargs=-1, required=True)(command)
    main.command(language, help=summary)(command)


for _language, (_summary, _name_help) in LANGUAGE_COMMANDS.items():
    _language_command(_language, _summary, _name_help)


@main.command("generate")
@click.option("--config", type=click.Path(path_type=Path), default=None, help="pyproject.toml with [tool.stepflow-codegen] (default: the nearest one).")
@click.option("--watch", is_flag=True, help="Keep running: regenerate whenever a schema, the configuration or a template changes.")
@click.option("--debounce", default=300, show_default=True, metavar="MS", type=click.IntRange(10, 60_000),
              help="With --watch: wait this long after the last change before regenerating.")
@_with_common
def generate_cmd(config: Path | None, watch: bool, debounce: int, verbose: bool, quiet: bool) -> None:
    """Regenerate every target listed in [tool.stepflow-codegen]."""

    def go() -> int:
        specs, base = load_config(config)
        with _shared_programs():
            for s in specs:
                run_target(s, base, False, verbose, quiet)
        return EXIT_OK

    if not watch:
        sys.exit(_guard(go))
    from .watch import watch_loop

    def inputs() -> list[Path]:
        try:
            specs, base = load_config(config)
        except BadInput:
            return [config] if config else [Path.cwd() / "pyproject.toml"]
        paths = [base / "pyproject.toml"] if config is None else [config]
        for s in specs:
            paths += [base / p for p in s.schemas]
            if s.templates:
                paths.append(base / s.templates)
        return paths

    sys.exit(watch_loop(lambda: _guard(go), inputs, debounce))


@main.command("check")
@click.option("--config", type=click.Path(path_type=Path), default=None, help="pyproject.toml with [tool.stepflow-codegen] (default: the nearest one).")
@click.option("--breaking-against", "breaking_against", default=None, metavar="GIT_REF",
              help="Also exit 1 if the targets' schemas changed incompatibly since GIT_REF (see `stepflow-codegen diff`).")
@_with_common
def check_cmd(config: Path | None, breaking_against: str | None, verbose: bool, quiet: bool) -> None:
    """Exit 1 with a diff if any target listed in [tool.stepflow-codegen] is stale."""

    def go() -> int:
        specs, base = load_config(config)
        worst = EXIT_OK
        with _shared_programs():
            for s in specs:
                worst = max(worst, run_target(s, base, True, verbose, quiet))
        if breaking_against is not None:
            worst = max(worst, check_breaking(specs, base, breaking_against, quiet))
        return worst

    sys.exit(_guard(go))


# -- compatibility diff (docs/diff.md) ----------------------------------------------------------


def _schema_sets(specs: list[TargetSpec]) -> list[list[str]]:
    sets: list[list[str]] = []
    for s in specs:
        if s.schemas not in sets:
            sets.append(list(s.schemas))
    return sets


def _diff_report(old: tuple[str, ...], new: tuple[str, ...], paths: tuple[str, ...], against: str | None,
                 config: Path | None) -> Any:
    from .diffrun import DiffInputError, diff_against, diff_paths, merge

    cwd = Path.cwd()
    try:
        if against is not None:
            if old or new:
                raise BadInput("--against compares the working tree with GIT_REF: give PATHS, not --old/--new")
            if paths:
                return diff_against(against, [Path(p) for p in paths], cwd)
            specs, base = load_config(config)
            return merge([diff_against(against, [base / p for p in ss], base) for ss in _schema_sets(specs)])
        if old or new:
            if paths or not old or not new:
                raise BadInput("give --old PATH... and --new PATH... (both), or OLD NEW, or --against GIT_REF")
            return diff_paths([Path(p) for p in old], [Path(p) for p in new], cwd)
        if len(paths) != 2:
            raise BadInput("diff takes OLD NEW (files or directories), --old/--new PATH..., or --against GIT_REF [PATHS...]")
        return diff_paths([Path(paths[0])], [Path(paths[1])], cwd)
    except DiffInputError as e:
        raise BadInput(str(e)) from None


@main.command("diff")
@click.argument("paths", nargs=-1)
@click.option("--old", "old", multiple=True, metavar="PATH", help="A file or directory of the old version (repeatable).")
@click.option("--new", "new", multiple=True, metavar="PATH", help="A file or directory of the new version (repeatable).")
@click.option("--against", default=None, metavar="GIT_REF",
              help="Compare the working tree's PATHS (default: every schema set of [tool.stepflow-codegen]) with the same paths at GIT_REF.")
@click.option("--config", type=click.Path(path_type=Path), default=None, help="pyproject.toml with [tool.stepflow-codegen] (with --against and no PATHS).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: one line per change; json: the stepflow-codegen-diff/v1 document (docs/diff.md).")
def diff_cmd(paths: tuple[str, ...], old: tuple[str, ...], new: tuple[str, ...], against: str | None,
             config: Path | None, fmt: str) -> None:
    """Compare two versions of schemas, method table and component manifests; say what breaks whom.

    Exit codes: 0 no breaking change, 1 breaking changes, 2 bad input.
    """

    def go() -> int:
        report = _diff_report(old, new, paths, against, config)
        click.echo(report.render_json() if fmt == "json" else report.render_text(), nl=False)
        return EXIT_STALE if report.breaking else EXIT_OK

    sys.exit(_guard(go))


def check_breaking(specs: list[TargetSpec], base: Path, ref: str, quiet: bool) -> int:
    """``check --breaking-against REF``: 1 (with the breaking changes) if any schema set broke compatibility."""
    from .diffrun import DiffInputError, diff_against, merge

    try:
        report = merge([diff_against(ref, [base / p for p in ss], base) for ss in _schema_sets(specs)])
    except DiffInputError as e:
        raise BadInput(str(e)) from None
    for c in report.breaking:
        click.echo(c.render())
    if report.breaking:
        click.echo(f"breaking: {len(report.breaking)} incompatible change(s) since {ref} (details: stepflow-codegen diff --against {ref})", err=True)
        return EXIT_STALE
    if not quiet:
        click.echo(f"ok: no breaking change since {ref}", err=True)
    return EXIT_OK


@main.command("new")
@click.argument("name")
@click.option("--dir", "directory", type=click.Path(path_type=Path), default=None,
              help="Where to create the project (default: ./NAME); must not exist or be empty.")
@click.option("--component", "components", multiple=True, metavar="NAME",
              help="A component to create (repeatable; default: one example component, greet).")
@click.option("--language", type=click.Choice(["python", "typescript", "rust"]), default="python", show_default=True,
              help="The language of the project (typescript: npm + tsc; rust: cargo).")
@click.option("--transport", type=click.Choice(["http", "stdio"]), default="http", show_default=True,
              help="What stepflow-config.yml and the server default to (StepFlow 0.9 launches HTTP servers; "
              "the other one gets stepflow-config.<transport>.yml).")
@click.option("--codegen-source", default=None, metavar="DIR",
              help="The stepflow-codegen checkout the project depends on (default: where this one was installed from).")
@_with_common
def new_cmd(name: str, directory: Path | None, components: tuple[str, ...], language: str, transport: str,
            codegen_source: str | None, verbose: bool, quiet: bool) -> None:
    """Create a component project NAME that runs under the StepFlow runtime.

    Schemas, generated types and stubs, an implementation, a server, StepFlow configs, a flow with
    test cases, tests and a README with the commands to set it up, run it and test it.
    """
    from .scaffold import ScaffoldError, new_project
    from .scaffold_langs import CONFIG_FILE, new_project_other

    def go() -> int:
        if language != "python" and transport != "http":
            raise BadInput(f"--transport {transport}: a {language} project's stepflow-config.yml launches the server "
                           "over HTTP (StepFlow 0.9); the server also takes --stdio")
        try:
            if language == "python":
                project = new_project(name, directory, list(components), transport, codegen_source)
            else:
                project = new_project_other(language, name, directory, list(components), codegen_source,
                                            _project_signatures)
        except ScaffoldError as e:
            raise BadInput(str(e)) from None
        try:
            specs, base = load_config(project.root / ("pyproject.toml" if language == "python" else CONFIG_FILE))
            for s in specs:
                run_target(s, base, False, verbose, True)
            project.finish()
        except BaseException:
            project.discard()  # nothing half-written
            raise
        if not quiet:
            click.echo(
                f"created {project.root} (components: {', '.join(project.components)}; stepflow-codegen from "
                f"{project.source.how}: {project.source.requirement})\n"
                f"next: cd {project.root} and run the two commands of README.md",
                err=True,
            )
        return EXIT_OK

    sys.exit(_guard(go))


@main.command("add-component")
@click.argument("name")
@click.option("--description", default=None, help="What the component does (the manifest's description).")
@click.option("--config", type=click.Path(path_type=Path), default=None,
              help="stepflow-codegen.toml or pyproject.toml with [tool.stepflow-codegen] (default: the nearest one).")
@click.option("--manifest", type=click.Path(path_type=Path), default=None,
              help="The component manifest to add to, when the target has several.")
@click.option("--sync", is_flag=True,
              help="A synchronous stub without the context (default: async, with the context for put_blob/get_blob).")
@_with_common
def add_component_cmd(name: str, description: str | None, config: Path | None, manifest: Path | None,
                      sync: bool, verbose: bool, quiet: bool) -> None:
    """Add component NAME: its schema file and manifest entry, regenerated code, and a stub in the
    implementation file (appended; nothing else in that file changes)."""
    from .scaffold import (
        ScaffoldError,
        add_schema,
        append_stub,
        find_manifests,
        import_of,
    )

    def go() -> int:
        specs, base = load_config(config)
        targets = [s for s in specs if s.language in ("python", "typescript", "rust") and s.implementation]
        if len(targets) != 1:
            raise BadInput(
                "add-component needs exactly one python, typescript or rust target with "
                f"`implementation = \"<file>\"` in [tool.stepflow-codegen] (found {len(targets)})"
            )
        spec = targets[0]
        if manifest is not None:
            found = [manifest.resolve()]
        else:
            found = [m.resolve() for m in find_manifests([base / s for s in spec.schemas])]
        if len(found) != 1:
            raise BadInput(f"found {len(found)} component manifests in {', '.join(spec.schemas)}; pass --manifest FILE")
        if spec.language != "python":
            if sync:
                raise BadInput(f"--sync is for Python projects; a {spec.language} stub is an async function")
            return _add_other(spec, specs, base, found[0], name, description, verbose, quiet)
        impl = base / spec.implementation  # type: ignore[operator]
        try:
            module = import_of(impl, base / spec.out, base)  # checked before anything is written
            schema_file, old_manifest = add_schema(found[0], name, description or f"TODO: what {name} does.")
        except ScaffoldError as e:
            raise BadInput(str(e)) from None
        with _rolled_back(specs, base, found[0], old_manifest, schema_file):
            for s in specs:
                run_target(s, base, False, verbose, quiet)
            signature = _component_signatures(spec, base).get(name)
            if signature is None:
                raise BadInput(f"component {name!r} is not in the generated code")
        authors = sorted({t.name for t in (signature.input, signature.output) if t.module != "types"})
        names = {"function": signature.function, "input": signature.input.name, "output": signature.output.name,
                 "context": signature.context}
        added = append_stub(
            impl,
            module,
            names["function"],
            names["input"],
            names["output"],
            names["context"],
            name,
            description or f"TODO: what {name} does.",
            schema_file.relative_to(base).as_posix() if schema_file.is_relative_to(base) else str(schema_file),
            sync=sync,
            author_types=authors,
        )
        if not quiet:
            click.echo(
                f"added {name}: {schema_file.relative_to(base) if schema_file.is_relative_to(base) else schema_file}, "
                f"{found[0].name}; "
                + (f"stub {names['function']}() appended to {spec.implementation}" if added
                   else f"{spec.implementation} defines {names['function']}() already (left as it is)"),
                err=True,
            )
        return EXIT_OK

    sys.exit(_guard(go))


@contextlib.contextmanager
def _rolled_back(specs: list[TargetSpec], base: Path, manifest: Path, old_manifest: str, schema_file: Path) -> Iterator[None]:
    """On any failure inside: the manifest and the schema files as they were, and every target regenerated from them."""
    try:
        yield
    except BaseException:
        manifest.write_text(old_manifest, encoding="utf-8")
        schema_file.unlink()
        for s in specs:
            try:
                run_target(s, base, False, False, True)
            except BadInput:
                pass
        raise


def _add_other(spec: TargetSpec, specs: list[TargetSpec], base: Path, manifest: Path, name: str,
               description: str | None, verbose: bool, quiet: bool) -> int:
    """add-component in a TypeScript or Rust project (see codegen/scaffold_langs.py)."""
    from .scaffold import ScaffoldError, add_schema
    from .scaffold_langs import (
        append_ts_stub,
        check_component_name,
        manifest_components,
        write_rust_component,
    )

    impl = base / spec.implementation  # type: ignore[operator]
    description = description or f"TODO: what {name} does."

    def check(n: str) -> str:
        return check_component_name(spec.language, n)

    try:
        check(name)
        if spec.language == "rust":
            from .targets.naming import snake

            taken = {snake(e["name"]) for e in manifest_components(manifest) if e["name"] != name}
            if snake(name) in taken:
                raise ScaffoldError(f"component name {name!r} makes the Rust method {snake(name)!r} of another component")
            if (impl / "mod.rs").is_symlink() or impl.is_symlink():
                raise ScaffoldError(f"{impl} or {impl / 'mod.rs'} is a symlink; refusing to write through it")
        elif not impl.is_file():
            raise ScaffoldError(f"{impl} does not exist: the implementation file add-component appends to")
        schema_file, old_manifest = add_schema(manifest, name, description, check)
    except ScaffoldError as e:
        raise BadInput(str(e)) from None
    schema_rel = schema_file.relative_to(base).as_posix() if schema_file.is_relative_to(base) else str(schema_file)
    with _rolled_back(specs, base, manifest, old_manifest, schema_file):
        for s in specs:
            run_target(s, base, False, verbose, quiet)
        signatures = _component_signatures(spec, base)  # the names the generated code gives each component
    try:
        if spec.language == "typescript":
            added = append_ts_stub(impl, signatures[name], description, schema_rel)
            what = f"stub {name}() appended to {spec.implementation}" if added else \
                f"{spec.implementation} defines {name}() already (left as it is)"
        else:
            added = write_rust_component(impl, manifest, signatures, name, description, schema_rel)
            what = (f"stub {spec.implementation}/{signatures[name].function}.rs written" if added
                    else f"{spec.implementation}/{signatures[name].function}.rs exists already (left as it is)") + \
                f"; {spec.implementation}/mod.rs lists it"
    except (ScaffoldError, OSError) as e:
        raise BadInput(str(e)) from None
    if not quiet:
        click.echo(f"added {name}: {schema_rel}, {manifest.name}; {what}", err=True)
    return EXIT_OK


def _component_signatures(spec: TargetSpec, base: Path) -> dict[str, ComponentSignature]:
    """Per component, the names ``spec``'s target gives it (function, input and output types:
    :class:`~stepflow_codegen.targets.ComponentSignature`), from the program ``spec`` reads."""
    from .targets import load

    diags = Diagnostics()
    try:
        program, options = _target_program(spec, base, diags)
    except SchemaError:
        _print_diags(diags, False)
        raise BadInput("schema errors (see above)") from None
    signatures: dict[str, ComponentSignature] = load(spec.language).component_signatures(program, options)
    return signatures


def _project_signatures(root: Path) -> dict[str, ComponentSignature]:
    """:func:`_component_signatures` of the implementation target of a project's stepflow-codegen.toml."""
    from .scaffold_langs import CONFIG_FILE

    specs, base = load_config(root / CONFIG_FILE)
    spec = next(s for s in specs if s.implementation)
    return _component_signatures(spec, base)


@main.command("lint")
@click.argument("schemas", nargs=-1, required=True)
@_with_common
def lint_cmd(schemas: tuple[str, ...], verbose: bool, quiet: bool) -> None:
    """Report overlapping oneOf branches, unreachable definitions and unsupported keywords; exit 1 if any."""
    from .frontend import build_program

    def go() -> int:
        diags = Diagnostics()
        try:
            build_program([Path(s) for s in schemas], diags)
        except SchemaError:
            _print_diags(diags, verbose)
            return EXIT_BAD_INPUT
        _print_diags(diags, verbose)
        findings = [d for d in diags.items if d.severity >= Severity.WARNING]
        if not quiet:
            click.echo(f"{len(findings)} finding(s)", err=True)
        return EXIT_STALE if findings else EXIT_OK

    sys.exit(_guard(go))


def entry() -> None:
    """The ``stepflow-codegen`` command line through click: :func:`main`, then a quick exit (as mypy's
    command line does; see :func:`stepflow_codegen.runner.finish`)."""
    try:
        main()
        code: object = 0
    except SystemExit as e:
        code = e.code
    finish(code)


if __name__ == "__main__":  # pragma: no cover
    entry()
