"""What a language command (``python``, ``typescript``, ``rust``, ``vectors``) runs, without click.

The console script's fast path (:mod:`stepflow_codegen.fastcli`) parses a language command's
arguments itself and calls :func:`run_target` from here, so a generation run never imports click;
:mod:`stepflow_codegen.cli` imports the same functions for its commands.  Messages go through
:func:`echo`, which is ``click.echo`` once click is imported, and writes what ``click.echo`` would
write otherwise (the fast path runs only with the standard text streams, where that is: the text and
a newline, ANSI escapes stripped when the stream is not a terminal, then a flush).
"""

from __future__ import annotations

import sys
from pathlib import Path

from .diagnostics import Diagnostics, SchemaError, Severity
from .records import dataclass, field

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .ir.model import Program
    from .targets import TargetOptions

EXIT_OK, EXIT_STALE, EXIT_BAD_INPUT = 0, 1, 2
LANGUAGES = ("python", "typescript", "rust", "vectors")


@dataclass
class TargetSpec:
    language: str
    schemas: list[str]
    out: str
    root_names: list[str] = field(default_factory=list)
    package: str | None = None
    defaults: str = "preserve"
    implementation: str | None = None
    """The hand-written implementation file of the components (``add-component`` appends to it)."""
    integers: str = "native"
    """``native`` (64-bit integer types) or ``exact`` (any JSON integer; Rust: ``serde_json::Number``)."""
    struct_gc: str = "tracked"
    """Python: whether generated Structs are ``tracked`` by the cycle collector or ``untracked`` (``gc=False``)."""
    kinds: str = "convention"
    """How an untyped schema is typed: ``convention`` (by the kind its keywords apply to) or ``spec``."""
    formats: str = "annotate"
    """``format``: an annotation (``annotate``) or, for the formats every target checks, an assertion (``assert``)."""
    templates: str | None = None
    """A templates directory overriding built-in templates (``DIR/<language>/<template>``)."""
    ref_roots: list[str] = field(default_factory=list)
    """Folders besides those of the schemas that ``$ref`` may read files from."""
    uri_map: list[str] = field(default_factory=list)
    """``PREFIX=DIR``: references below the URI prefix read files from DIR (an offline mirror)."""

    def command(self) -> str:
        parts = ["stepflow-codegen", self.language, *self.schemas, "-o", self.out]
        for r in self.root_names:
            parts += ["--root-name", r]
        if self.package:
            parts += ["--package", self.package]
        if self.defaults != "preserve":
            parts += ["--defaults", self.defaults]
        if self.kinds != "convention":
            parts += ["--kinds", self.kinds]
        if self.formats != "annotate":
            parts += ["--formats", self.formats]
        if self.integers != "native":
            parts += ["--integers", self.integers]
        if self.struct_gc != "tracked":
            parts += ["--struct-gc", self.struct_gc]
        if self.templates:
            parts += ["--templates", self.templates]
        for r in self.ref_roots:
            parts += ["--ref-root", r]
        for m in self.uri_map:
            parts += ["--map-uri", m]
        from .shell import join

        return join(parts)


class BadInput(Exception):
    pass


def _print_diags(diags: Diagnostics, verbose: bool) -> None:
    for d in diags.sorted():
        if d.severity is Severity.INFO and not verbose:
            continue
        echo(d.render(), err=True)


def _display_path(raw: str, base: Path) -> str:
    p = Path(raw)
    shown = raw.rstrip("/") or raw
    if (base / p).is_dir():
        shown += "/"
    return shown


_ProgramKey = tuple  # tuple[Any, ...] (typing is not imported at run time)
"""(base, schemas, root names, kinds, formats, ref roots, URI map): what the IR depends on."""
_PROGRAMS: dict[_ProgramKey, tuple[Any, list[Any]]] | None = None
"""While ``generate``/``check`` run every configured target: the IRs built so far, by (base, schemas,
root names). None elsewhere, so a command that writes schemas never sees a stale IR."""


class _shared_programs:  # used as a function: ``with _shared_programs():``
    """Within the block, each distinct front-end input is built once (see :data:`_PROGRAMS`).  A
    class rather than ``contextlib.contextmanager``: a language run does not import contextlib."""

    def __enter__(self) -> None:
        global _PROGRAMS
        _PROGRAMS = {}

    def __exit__(self, *exc: object) -> None:
        global _PROGRAMS
        _PROGRAMS = None
        _CHANGE_REPORTS.clear()


def render_target(spec: TargetSpec, base: Path, verbose: bool) -> tuple[Path, dict[str, str], tuple[str, ...]]:
    from .targets import load

    if spec.language not in LANGUAGES:
        raise BadInput(f"unknown target language {spec.language!r} (known: {', '.join(LANGUAGES)})")
    target = load(spec.language)
    out = base / spec.out
    diags = Diagnostics()
    try:
        program, options = _target_program(spec, base, diags)
        files = target.render(program, options, diags)
    except SchemaError:
        _print_diags(diags, verbose)
        raise BadInput("schema errors (see above)") from None
    except Exception as e:
        if not spec.templates:  # the built-in templates render without jinja2
            raise
        import jinja2

        if not isinstance(e, jinja2.TemplateError):
            raise
        where = f"{getattr(e, 'filename', None) or getattr(e, 'name', None) or spec.templates}"
        line = getattr(e, "lineno", None)
        raise BadInput(
            f"custom template {where}{f':{line}' if line else ''}: {e.message or type(e).__name__} "
            "(see docs/templates.md for the context each template receives)"
        ) from None
    _print_diags(diags, verbose)
    if diags.has_errors:
        raise BadInput("errors (see above)")
    return out, files, target.OWNED_SUFFIXES


def _target_program(spec: TargetSpec, base: Path, diags: Diagnostics) -> tuple[Program, TargetOptions]:
    """The program a target spec reads (shared by the targets of one run) and the target's options."""
    from .frontend import build_program
    from .targets import TargetOptions, load

    target = load(spec.language)
    name = spec.package or (base / spec.out).name
    problem = target.check_name(name)
    if problem:
        raise BadInput(problem)
    root_names: dict[str, str] = {}
    for r in spec.root_names:
        if "=" in r:
            file, root = r.split("=", 1)
            root_names[Path(file).as_posix()] = root
        else:
            root_names["*"] = r
    roots = _expand_roots(root_names, spec, base)
    key = (
        str(base.resolve()),
        tuple(spec.schemas),
        tuple(sorted(roots.items())),
        spec.kinds,
        spec.formats,
        tuple(spec.ref_roots),
        tuple(spec.uri_map),
    )
    if _PROGRAMS is not None and key in _PROGRAMS:
        # several targets of one run share the (frozen) IR and its front-end diagnostics
        program, front = _PROGRAMS[key]
        diags.items.extend(front)
    else:
        program = build_program(
            [base / s for s in spec.schemas],
            diags,
            roots,
            cwd=base,
            kinds=spec.kinds,
            formats=spec.formats,
            allowed_roots=[base / r for r in spec.ref_roots],
            uri_map=_uri_map(spec, base),
        )
        if _PROGRAMS is not None:
            _PROGRAMS[key] = (program, list(diags.items))
    options = TargetOptions(
        name=name,
        command=spec.command(),
        defaults=spec.defaults,  # type: ignore[arg-type]
        integers=spec.integers,  # type: ignore[arg-type]
        struct_gc=spec.struct_gc,  # type: ignore[arg-type]
        templates=_templates_dir(spec, base),
    )
    return program, options


def _uri_map(spec: TargetSpec, base: Path) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for m in spec.uri_map:
        prefix, sep, folder = m.partition("=")
        if not sep or not prefix or not folder:
            raise BadInput(f"--map-uri {m!r}: write PREFIX=DIR, e.g. https://example.com/schemas/=vendor/schemas")
        if not (base / folder).is_dir():
            raise BadInput(f"--map-uri {m!r}: {folder} is not a directory")
        out[prefix] = base / folder
    return out


def _templates_dir(spec: TargetSpec, base: Path) -> Path | None:
    """The target's templates directory, checked (exit 2 when it is missing)."""
    if not spec.templates:
        return None
    path = (base / spec.templates).resolve()
    if not path.is_dir():
        raise BadInput(f"templates directory {spec.templates} does not exist (give a directory holding <language>/<template> files)")
    if not (path / spec.language).is_dir():
        raise BadInput(
            f"templates directory {spec.templates} has no {spec.language}/ folder "
            f"(put overrides of the {spec.language} templates in {spec.templates}/{spec.language}/)"
        )
    for name in _FORMER_TEMPLATES.get(spec.language, ()):
        if (path / spec.language / name).exists():
            raise BadInput(
                f"{spec.templates}/{spec.language}/{name} overrides nothing: the runtime it rendered is now a "
                "hand-written source file copied as it is (templates/"
                f"{spec.language}/runtime/), not a template; remove the override (see docs/templates.md)"
            )
    return path


# Runtimes that were Jinja templates and are now ordinary source files copied into the output: an
# override of one would be silently ignored, so it is refused.
_FORMER_TEMPLATES = {
    "python": ("_runtime.py.jinja", "_rpc.py.jinja"),
    "typescript": ("runtime.ts.jinja",),
    "rust": ("runtime.rs.jinja",),
}


def _expand_roots(root_names: dict[str, str], spec: TargetSpec, base: Path) -> dict[str, str]:
    if "*" not in root_names:
        return root_names
    name = root_names.pop("*")
    files = []
    for s in spec.schemas:
        p = base / s
        files += sorted(p.rglob("*.json")) if p.is_dir() else [p]
    roots = []
    import json

    from .frontend.loader import TOOL_FORMATS

    for f in files:
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("$schema") not in TOOL_FORMATS:
            if set(data) - {"$schema", "$id", "$defs", "definitions", "title", "description", "$comment"}:
                roots.append(f)
    if len(roots) != 1:
        raise BadInput("--root-name NAME needs exactly one schema file with a root; use --root-name FILE=NAME")
    try:
        shown = roots[0].resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        shown = roots[0].resolve().as_posix()
    root_names[shown] = name
    return root_names


def run_target(spec: TargetSpec, base: Path, check: bool, verbose: bool, quiet: bool) -> int:
    from .diagnostics import printable
    from .writer import WriteRefused, apply, diff, plan, stale

    out, files, owned = render_target(spec, base, verbose)
    try:
        p = plan(out, files, owned_suffixes=owned, owned_by=(spec.language, spec.out))
    except WriteRefused as e:
        raise BadInput(str(e)) from None
    if check:
        if stale(p):
            echo(diff(p, spec.out.rstrip("/")), nl=False)
            echo(f"stale: {printable(spec.out)} is out of date; run: {spec.command()}", err=True)
            return EXIT_STALE
        if not quiet:
            echo(f"ok: {printable(spec.out)} is up to date", err=True)
        return EXIT_OK
    apply(p)
    if not quiet:
        echo(
            f"wrote {printable(spec.out)}: {len(p.writes)} changed, {len(p.unchanged)} unchanged, {len(p.removals)} removed",
            err=True,
        )
        if p.writes or p.removals:
            report_schema_changes(spec, base)
    return EXIT_OK


def _guard(fn: Any) -> int:
    try:
        return int(fn())
    except BadInput as e:
        from .diagnostics import printable

        echo(f"error: {printable(str(e))}", err=True)
        return EXIT_BAD_INPUT

_CHANGE_REPORTS: dict[tuple[str, tuple[str, ...]], Any] = {}


def report_schema_changes(spec: TargetSpec, base: Path) -> None:
    """After ``generate`` rewrote a target: what changed in its schemas since git HEAD (the state the
    committed output was generated from), and which component implementations a breaking change hits."""
    if not _may_be_tracked(base / spec.out):
        return  # no git work tree holds the output, so git ls-files below would list nothing
    from .diffrun import DiffInputError, diff_against, git_toplevel, summary
    from .targets.naming import snake

    top = git_toplevel(base)
    if top is None:
        return
    try:
        tracked = subprocess_out(["git", "-C", str(base), "ls-files", "--", spec.out])
    except OSError:
        return
    if not tracked.strip():
        return  # the output is not committed: there is no previous state to compare with
    key = (str(base.resolve()), tuple(spec.schemas))
    report = _CHANGE_REPORTS.get(key) if _PROGRAMS is not None else None
    if report is None:
        try:
            report = diff_against("HEAD", [base / p for p in spec.schemas], base)
        except DiffInputError:
            return  # e.g. the schemas are new since HEAD
        if _PROGRAMS is not None:  # one generate run: targets sharing schemas share the report
            _CHANGE_REPORTS[key] = report
    if not report.changes:
        return
    echo(f"  schemas since HEAD: {summary(report)}", err=True)
    for c in report.breaking:
        echo(f"  {c.render()}", err=True)
        for comp in c.components:
            if spec.language == "python":
                where = f" in {spec.implementation}" if spec.implementation else ""
                echo(f"    affects the implementation of component {comp!r}: {snake(comp) or 'component'}(){where}", err=True)
            else:
                echo(f"    affects the implementation of component {comp!r}", err=True)


def _may_be_tracked(out: Path) -> bool:
    """False when ``out`` is in no git work tree: none of its folders (itself included) has a ``.git``
    entry and no ``GIT_DIR``/``GIT_WORK_TREE`` points git elsewhere (a ``core.worktree`` setting that
    moves a work tree away from its ``.git`` is not looked for).  This saves the two git processes of
    :func:`report_schema_changes` for an output outside any repository."""
    import os

    if os.environ.get("GIT_DIR") or os.environ.get("GIT_WORK_TREE"):
        return True
    try:
        folder = out.resolve()
    except (OSError, RuntimeError):
        return True
    return any(os.path.lexists(os.path.join(d, ".git")) for d in (folder, *folder.parents))


def subprocess_out(cmd: list[str]) -> str:
    import subprocess

    proc = subprocess.run(cmd, capture_output=True, check=False)
    return proc.stdout.decode("utf-8", "replace") if proc.returncode == 0 else ""






def echo(message: str, err: bool = False, nl: bool = True) -> None:
    """``click.echo(message, err=err, nl=nl)``: click's own when click is imported (the click command
    line), else the same steps for a standard text stream (all the fast path runs with)."""
    click = sys.modules.get("click")
    if click is not None:
        click.echo(message, err=err, nl=nl)
        return
    file = sys.stderr if err else sys.stdout
    if file is None:
        return
    out = message + "\n" if nl else message
    if not out:
        file.flush()
        return
    try:
        tty = file.isatty()
    except Exception:  # noqa: BLE001  (click's isatty)
        tty = False
    if not tty and "\033" in out:
        import re

        out = re.sub(r"\033\[[0-?]*[ -/]*[@-~]", "", out)  # click's strip_ansi
    file.write(out)
    file.flush()


def finish(code: object) -> None:
    """The quick exit of the console script, once the command has exited with ``code``.

    The exit handlers run (``atexit``, ``weakref.finalize``), the standard streams are flushed, and
    the process ends without tearing the interpreter down: freeing every module and object one by
    one took about 13 % of a protocol run.  Every file the command wrote is closed by then.  An exit
    status that is not a number, or another thread still running, takes Python's own way out.
    """
    if code is None:
        code = 0
    threading = sys.modules.get("threading")
    if not isinstance(code, int) or (threading is not None and threading.active_count() > 1):
        raise SystemExit(code)  # Python's own exit (it also waits for other threads)
    import atexit
    import os

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed or broken pipe: what Python's own exit would ignore too
            if stream is sys.stdout:
                code = code or 120  # Python exits 120 when it cannot flush stdout
    os._exit(code)
