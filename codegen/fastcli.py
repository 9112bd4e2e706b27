"""The language commands' arguments parsed without click (the console script's fast path).

``stepflow-codegen python schemas/ -o out/python`` spends longer importing click (about 11 ms:
click 8.5 imports ``inspect``, ``uuid`` and ``datetime``) than rendering the protocol's types.  The
console script (:mod:`stepflow_codegen.console`) therefore tries :func:`parse` first: a strict
parser for the language commands (``python``, ``typescript``, ``rust``, ``vectors``) that takes
exactly what click would parse the same way, and **declines** everything else: ``--help``/``-h``,
``--version``, unknown options, ``--``, ``-oX``, combined short flags (``-vq``), a missing value, a
value starting with ``-``, an invalid choice, no schemas, no ``-o``, another command, shell
completion, non-standard output streams, Windows.  A declined command line goes to click
(:func:`stepflow_codegen.cli.entry`), which gives its usual help or error.

:data:`LANGUAGE_OPTIONS` and :data:`COMMON_OPTIONS` are the single description of these options:
the click commands of :mod:`stepflow_codegen.cli` are built from them (names, help, choices,
defaults, ``multiple``), so the two parsers cannot drift; ``tests/test_fastcli.py`` checks that
:func:`parse` gives click's parameters for every command line it accepts.
"""

from __future__ import annotations

import sys

from .runner import TargetSpec

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Opt:
    """One option of the language commands, as click declares it."""

    __slots__ = ("choices", "decls", "default", "dest", "flag", "help", "metavar", "multiple", "required")

    def __init__(self, *decls: str, dest: str, help: str | None = None, choices: tuple[str, ...] | None = None,
                 default: Any = None, multiple: bool = False, flag: bool = False, required: bool = False,
                 metavar: str | None = None) -> None:
        self.decls = decls
        self.dest = dest
        self.help = help
        self.choices = choices
        self.default = default
        self.multiple = multiple
        self.flag = flag
        self.required = required
        self.metavar = metavar

    def initial(self) -> Any:
        """The value of the parameter when the option is not given (click's)."""
        return () if self.multiple else False if self.flag else self.default


LANGUAGE_COMMANDS: dict[str, tuple[str, str]] = {
    "python": (
        "Generate a Python package (msgspec Structs, codecs, JSON-RPC messages) from SCHEMAS.",
        "Package name, if not the output directory's name.",
    ),
    "typescript": (
        "Generate TypeScript types and runtime validators from SCHEMAS.",
        "Module name, if not the output directory's name.",
    ),
    "vectors": (
        "Write conformance vectors (valid and invalid JSON per type) from SCHEMAS, for every language's tests.",
        "Unused (vectors are JSON files).",
    ),
    "rust": (
        "Generate a Rust crate of serde types from SCHEMAS.",
        "Crate name, if not the output directory's name.",
    ),
}
"""Per language command: its help summary and the help of ``--package`` (the name it sets)."""

LANGUAGE_OPTIONS: tuple[Opt, ...] = (
    Opt("-o", "--out", dest="out", required=True, help="Output directory."),
    Opt("--root-name", dest="root_names", multiple=True, metavar="[FILE=]NAME",
        help="Name of a schema file's root type (default: its title, else the file name)."),
    Opt("--package", dest="package", help=None),  # the help is the command's (LANGUAGE_COMMANDS)
    Opt("--defaults", dest="defaults", choices=("preserve", "apply"), default="preserve",
        help="preserve: optional fields absent stay absent (exact round trips); apply: they take the "
        "schema default, and defaults are not written back."),
    Opt("--kinds", dest="kinds", choices=("convention", "spec"), default="convention",
        help="convention: a schema without 'type' whose keywords apply to one JSON kind only (properties, "
        "items, minLength...) is typed as that kind, as type generators do; spec: it is typed as any JSON "
        "value, as the specification says (validation is the same either way)."),
    Opt("--formats", dest="formats", choices=("annotate", "assert"), default="annotate",
        help="annotate: 'format' is an annotation, as JSON Schema says; assert: the formats date-time, date, "
        "time, duration, email, hostname, ipv4, ipv6, uri, uri-reference, uuid, regex, json-pointer and "
        "relative-json-pointer are checked (other formats stay annotations)."),
    Opt("--integers", dest="integers", choices=("native", "exact"), default="native",
        help="Rust: native: integers are i64/u64 (narrower per 'format'), chosen from the schema bounds, and "
        "a larger one is rejected with an error naming it; exact: an integer whose bounds do not prove "
        "it fits 64 bits is a serde_json::Number (arbitrary_precision), exact to the digit. Python "
        "integers are always exact; TypeScript numbers keep validity (beyond 2^53 not the digits)."),
    Opt("--struct-gc", dest="struct_gc", choices=("tracked", "untracked"), default="tracked",
        help="Python: tracked: generated Structs are tracked by Python's cycle collector (msgspec's default); "
        "untracked: they are not (msgspec's gc=False), which makes them cheaper to create and free, but an "
        "instance that is part of a reference cycle is never freed (decoded JSON holds no cycles, and a "
        "cyclic value cannot be encoded). TypeScript and Rust ignore it."),
    Opt("--templates", dest="templates", metavar="DIR",
        help="Templates directory: DIR/<language>/<name> replaces the built-in template <name> "
        "(see docs/templates.md)."),
    Opt("--ref-root", dest="ref_roots", multiple=True, metavar="DIR",
        help="A folder $ref may read files from, besides the folders of SCHEMAS."),
    Opt("--map-uri", dest="uri_map", multiple=True, metavar="PREFIX=DIR",
        help="Read references below the URI PREFIX from DIR (an offline copy; nothing is fetched)."),
    Opt("--check", dest="check", flag=True,
        help="Render in memory, print a unified diff and exit 1 if OUT is stale."),
)
"""The options of a language command, in the order of its ``--help`` (then :data:`COMMON_OPTIONS`);
a choice option shows its default in the help."""

COMMON_OPTIONS: tuple[Opt, ...] = (
    Opt("-v", "--verbose", dest="verbose", flag=True, help="Also print informational notes (renames)."),
    Opt("-q", "--quiet", dest="quiet", flag=True, help="Print only warnings and errors."),
)
"""The options every command has."""

_BY_NAME: dict[str, Opt] = {d: o for o in LANGUAGE_OPTIONS + COMMON_OPTIONS for d in o.decls}


def parse(argv: list[str]) -> tuple[str, dict[str, Any]] | None:
    """``(command, params)`` for a language command line ``argv`` (``sys.argv[1:]``), with the
    parameters click would pass to the command; None (decline) for anything else, or anything this
    parser does not take exactly as click does."""
    if not argv or argv[0] not in LANGUAGE_COMMANDS:
        return None
    params: dict[str, Any] = {o.dest: o.initial() for o in LANGUAGE_OPTIONS + COMMON_OPTIONS}
    schemas: list[str] = []
    out_given = False
    n = len(argv)
    i = 1
    while i < n:
        arg = argv[i]
        i += 1
        if arg[:1] != "-" or arg == "-":  # click: an option starts with "-" and is longer than that
            schemas.append(arg)
            continue
        name, eq, value = arg.partition("=") if arg[:2] == "--" else (arg, "", "")
        opt = _BY_NAME.get(name)
        if opt is None:  # --help, -h, --version, --, -oX, -vq, unknown options
            return None
        if opt.flag:
            if eq:  # click: "Option '--check' does not take a value."
                return None
            params[opt.dest] = True
            continue
        if not eq:
            if i >= n:  # click: "Option '--out' requires an argument."
                return None
            value = argv[i]
            i += 1
        if value[:1] == "-" or (opt.choices is not None and value not in opt.choices):
            return None  # click would take "-x" as the value; an invalid choice is click's error
        if opt.multiple:
            params[opt.dest] += (value,)
        else:
            params[opt.dest] = value
            out_given = out_given or opt.dest == "out"
    if not schemas or not out_given:  # click: "Missing argument" / "Missing option"
        return None
    params["schemas"] = tuple(schemas)
    return argv[0], params


def language_spec(language: str, schemas: tuple[str, ...], out: str, root_names: tuple[str, ...],
                  package: str | None, defaults: str, kinds: str, formats: str, integers: str,
                  struct_gc: str, templates: str | None, ref_roots: tuple[str, ...], uri_map: tuple[str, ...]) -> TargetSpec:
    """The target a language command line describes (for click's commands and the fast path)."""
    from pathlib import Path

    from .runner import _display_path

    return TargetSpec(language, [_display_path(s, Path.cwd()) for s in schemas], out.rstrip("/"),
                      list(root_names), package, defaults, kinds=kinds, formats=formats, integers=integers,
                      struct_gc=struct_gc,
                      templates=templates.rstrip("/") if templates else None,
                      ref_roots=list(ref_roots), uri_map=list(uri_map))


def execute(language: str, params: dict[str, Any]) -> int:
    """Run a parsed language command (``params`` as :func:`parse` gives them, or click passes them)
    and return its exit code: what the console script, the click command and the benchmark run."""
    from pathlib import Path

    from .runner import _guard, run_target

    params = dict(params)
    check, verbose, quiet = params.pop("check"), params.pop("verbose"), params.pop("quiet")
    spec = language_spec(language, **params)
    return _guard(lambda: run_target(spec, Path.cwd(), check, verbose, quiet))


def _standard_streams() -> bool:
    """Whether ``click.echo`` would write to ``sys.stdout``/``sys.stderr`` as they are (so the fast
    path's :func:`~stepflow_codegen.runner.echo` writes the same): plain text files whose encoding
    is not ASCII (click rewraps those), not Windows (click's console streams)."""
    import codecs
    import io
    import os

    if os.name == "nt":
        return False
    for stream in (sys.stdout, sys.stderr):
        if type(stream) is not io.TextIOWrapper or stream.encoding is None or stream.errors is None:
            return False
        try:
            if codecs.lookup(stream.encoding).name == "ascii":
                return False
        except LookupError:
            pass
    return True


def _completion_requested() -> bool:
    """A ``_<PROG>_COMPLETE`` variable set: click's shell completion, whatever the program name."""
    import os

    return any(k[:1] == "_" and k.endswith("_COMPLETE") and v for k, v in os.environ.items())


def run(argv: list[str]) -> bool:
    """Run a language command line without click and exit (the console script's quick exit); return
    False, having done nothing, when :func:`parse` declines it or the environment is not one where
    the output would be the same as click's."""
    parsed = parse(argv)
    if parsed is None or not _standard_streams() or _completion_requested():
        return False
    language, params = parsed
    from .runner import finish

    code = 1
    try:
        try:
            code = execute(language, params)
        except (EOFError, KeyboardInterrupt):  # as click's standalone mode: a blank line, "Aborted!", exit 1
            from .runner import echo

            echo("", err=True)
            echo("Aborted!", err=True)
        except OSError as e:  # as click: a closed pipe ends the run quietly, exit 1
            import errno

            if e.errno != errno.EPIPE:
                raise
            from click.utils import _PacifyFlushWrapper

            sys.stdout = _PacifyFlushWrapper(sys.stdout)  # type: ignore[assignment]
            sys.stderr = _PacifyFlushWrapper(sys.stderr)  # type: ignore[assignment]
    except (EOFError, KeyboardInterrupt):  # an interrupt while reporting: the exit code still wins
        pass
    finish(code)
    return True  # pragma: no cover  (finish does not return)
