"""The console script's fast path (``stepflow_codegen.fastcli``): the language commands parsed and run
without click.

For every command line it takes, :func:`fastcli.parse` must give exactly the parameters click's own
parser gives (the group resolving the command, then the command's ``make_context``); anything else it
must decline, and the click command line then answers.  End to end, a run through the fast path
writes and prints what the same run through click does, and never imports click.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stepflow_codegen import fastcli
from stepflow_codegen.cli import main

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = str(ROOT / "schemas") + "/"


def click_params(argv: list[str]) -> dict[str, Any] | None:
    """The parameters click passes to the language command for ``argv``, or None for a usage error."""
    try:
        ctx = main.make_context("stepflow-codegen", list(argv))
        rest = [*ctx._protected_args, *ctx.args]  # what Group.invoke resolves the command from
        name, cmd, args = main.resolve_command(ctx, rest)
        assert cmd is not None and name == argv[0]
        sub = cmd.make_context(name, args, parent=ctx)
    except click.exceptions.Exit:  # --help, --version
        return None
    except click.UsageError:
        return None
    return dict(sub.params)


def assert_agrees(argv: list[str]) -> bool:
    """``parse(argv)`` declines or equals click's parameters; True when it accepted."""
    fast = fastcli.parse(argv)
    if fast is None:
        return False
    command, params = fast
    assert command == argv[0]
    expected = click_params(argv)
    assert expected is not None, f"fast path accepted {argv!r}, which click rejects"
    assert params == expected, argv
    return True


ACCEPTED = [
    ["python", "schemas/", "-o", "out"],
    ["python", "-o", "out", "schemas/"],
    ["typescript", "a.json", "b.json", "--out", "o"],
    ["rust", "--out=o", "a.json"],
    ["vectors", "a", "-o", "x", "b", "-o", "y"],  # the last -o wins, positionals interspersed
    ["python", "a", "-o", "o", "--root-name", "A", "--root-name=b.json=B", "c"],
    ["python", "a", "-o", "o", "--package", "pkg", "--package=pkg2"],
    ["python", "a", "-o", "o", "--defaults", "apply", "--kinds=spec", "--formats", "assert", "--integers=exact"],
    ["rust", "a", "-o", "o", "--integers", "native", "--defaults=preserve"],
    ["python", "a", "-o", "o", "--struct-gc", "untracked", "--struct-gc=tracked"],
    ["python", "a", "-o", "o", "--templates", "t/", "--ref-root", "r1", "--ref-root=r2"],
    ["python", "a", "-o", "o", "--map-uri", "https://x/=d", "--map-uri=p=q"],
    ["python", "a", "-o", "o", "--check", "-v", "-q", "--verbose", "--quiet", "--check"],
    ["python", "-", "-o", "o"],  # "-" alone is an argument
    ["python", "", "-o", ""],
    ["python", "a", "--out=", "--package="],
    ["python", "a=b", "-o", "o=p", "+x"],
    ["python", "ä", "-o", "ö"],
]

DECLINED = [
    [],
    ["generate"],
    ["check"],
    ["--help"],
    ["--version"],
    ["-v", "python", "a", "-o", "o"],
    ["python"],
    ["python", "a"],  # no -o
    ["python", "-o", "o"],  # no schemas
    ["python", "a", "-o"],  # missing value
    ["python", "a", "-o", "o", "--package"],
    ["python", "a", "-o", "o", "--help"],
    ["python", "a", "-o", "o", "-h"],
    ["python", "a", "-o", "o", "--version"],
    ["python", "a", "-o", "o", "--"],
    ["python", "a", "-o", "o", "--", "-b"],
    ["python", "a", "-oo"],
    ["python", "a", "-o=o"],
    ["python", "a", "-o", "o", "-vq"],
    ["python", "a", "-o", "o", "--check=1"],
    ["python", "a", "-o", "o", "--check="],
    ["python", "a", "-o", "o", "--defaults", "bogus"],
    ["python", "a", "-o", "o", "--defaults=Apply"],
    ["python", "a", "-o", "o", "--kinds", ""],
    ["python", "a", "-o", "o", "--bogus"],
    ["python", "a", "-o", "o", "--out-dir", "x"],
    ["python", "a", "-o", "o", "--pack", "x"],  # click has no abbreviations
    ["python", "a", "-o", "-v"],  # click would take -v as the value: declined, not guessed
    ["python", "a", "-o", "--"],
    ["python", "a", "--out=-x"],
    ["Python", "a", "-o", "o"],
    ["new", "x"],
]


@pytest.mark.parametrize("argv", ACCEPTED, ids=lambda a: " ".join(a) or "(empty)")
def test_accepted_as_click_parses(argv: list[str]) -> None:
    assert assert_agrees(argv)


@pytest.mark.parametrize("argv", DECLINED, ids=lambda a: " ".join(a) or "(empty)")
def test_declined(argv: list[str]) -> None:
    assert fastcli.parse(argv) is None


def test_table_is_clicks() -> None:
    """Every language command's click parameters are the table's: names, choices, defaults, multiple."""
    for language, (summary, name_help) in fastcli.LANGUAGE_COMMANDS.items():
        cmd = main.commands[language]
        assert cmd.help == summary
        options = [p for p in cmd.params if isinstance(p, click.Option) and p.name != "help"]
        table = list(fastcli.LANGUAGE_OPTIONS + fastcli.COMMON_OPTIONS)
        assert [o.name for o in options] == [o.dest for o in table]
        for o, t in zip(options, table, strict=True):
            assert tuple(o.opts) + tuple(o.secondary_opts) == t.decls
            assert o.multiple == t.multiple and o.is_flag == t.flag and o.required == t.required
            assert o.help == (name_help if t.dest == "package" else t.help)
            assert tuple(o.type.choices) == t.choices if isinstance(o.type, click.Choice) else t.choices is None
            assert bool(o.show_default) == (t.choices is not None)
        assert fastcli.parse([language, "a", "-o", "o"]) == (language, dict(click_params([language, "a", "-o", "o"]) or {}))


# -- generated command lines ---------------------------------------------------------------------

_VALUES = st.sampled_from(["a", "x/y", "", "-", "-x", "--", "=", "a=b", "-o", "--out", "p.json", "é", "apply", "spec"])


def _option_tokens(opt: fastcli.Opt) -> st.SearchStrategy[list[str]]:
    names = st.sampled_from(opt.decls)
    if opt.flag:
        return st.one_of(names.map(lambda n: [n]), names.map(lambda n: [f"{n}=1"]))
    value = st.one_of(st.sampled_from(opt.choices), _VALUES) if opt.choices else _VALUES
    return st.one_of(
        st.tuples(names, value).map(list),
        st.tuples(st.sampled_from([d for d in opt.decls if d.startswith("--")]), value).map(lambda t: [f"{t[0]}={t[1]}"]),
        names.map(lambda n: [n]),  # maybe missing its value
    )


_OPTIONS = fastcli.LANGUAGE_OPTIONS + fastcli.COMMON_OPTIONS
_TOKENS = st.one_of(
    *[_option_tokens(o) for o in _OPTIONS],
    _VALUES.map(lambda v: [v]),  # positionals (and stray values)
    st.sampled_from(["--help", "-h", "--version", "--", "-vq", "-qv", "-oX", "-o=x", "--bogus", "--roo", "-x",
                     "--out-dir", "--checks"]).map(lambda v: [v]),
)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(command=st.sampled_from(list(fastcli.LANGUAGE_COMMANDS) + ["generate", "pythn"]),
       tokens=st.lists(_TOKENS, max_size=12))
def test_generated_command_lines_agree(command: str, tokens: list[list[str]]) -> None:
    assert_agrees([command, *[t for group in tokens for t in group]])


_WELL_FORMED = st.one_of(
    *[
        st.tuples(st.sampled_from(o.decls), st.sampled_from(o.choices) if o.choices else st.sampled_from(["a", "b/c", "d=e", ""]),
                  st.booleans()).map(lambda t, o=o: [t[0]] if o.flag else [f"{t[0]}={t[1]}"] if t[2] and t[0][:2] == "--" else [t[0], t[1]])
        for o in _OPTIONS
    ],
    st.sampled_from(["s.json", "dir/", "-", "x=y"]).map(lambda v: [v]),
)


@settings(max_examples=800, deadline=None)
@given(command=st.sampled_from(list(fastcli.LANGUAGE_COMMANDS)), schema=st.sampled_from(["a.json", "schemas/"]),
       tokens=st.lists(_WELL_FORMED, max_size=14), out=st.sampled_from(["o", "out/python"]), split=st.integers(0, 14))
def test_well_formed_command_lines_are_taken(command: str, schema: str, tokens: list[list[str]], out: str,
                                             split: int) -> None:
    """Command lines of valid options (any order, ``=`` forms, repeats, positionals anywhere) are taken
    by the fast path, with click's parameters."""
    flat = [t for group in tokens for t in group]
    split = min(split, len(flat))
    while split and flat[split - 1] in {d for o in _OPTIONS if not o.flag for d in o.decls}:
        split -= 1  # do not separate an option from its value
    argv = [command, *flat[:split], schema, *flat[split:], "-o", out]
    if any(t == "--" for t in argv):
        return
    assert assert_agrees(argv), argv


# -- end to end ---------------------------------------------------------------------------------

CONSOLE = "import sys; from stepflow_codegen.console import run; sys.argv = ['stepflow-codegen', *sys.argv[1:]]; run()"
CLICK = (
    "import sys, stepflow_codegen.fastcli as f; f.run = lambda argv: False; "  # force the fallback
    "from stepflow_codegen.console import run; sys.argv = ['stepflow-codegen', *sys.argv[1:]]; run()"
)


def _run(code: str, cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code, *args], check=False, cwd=cwd, capture_output=True, text=True, timeout=300,
                          env=env)


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _both(tmp_path: Path, *args: str, prepare: Any = None) -> tuple[subprocess.CompletedProcess[str], ...]:
    """The same command line through the fast path and through click, each in a folder of its own;
    the output trees must be the same."""
    results = []
    for name, code in (("fast", CONSOLE), ("click", CLICK)):
        cwd = tmp_path / name
        cwd.mkdir()
        if prepare is not None:
            prepare(cwd)
        results.append(_run(code, cwd, *args))
    fast, slow = results
    assert (fast.returncode, fast.stdout, fast.stderr) == (slow.returncode, slow.stdout, slow.stderr), args
    assert _tree(tmp_path / "fast") == _tree(tmp_path / "click")
    return fast, slow


@pytest.mark.parametrize("language", ["python", "typescript", "rust", "vectors"])
def test_generation_same_as_click(tmp_path: Path, language: str) -> None:
    fast, _ = _both(tmp_path, language, SCHEMAS, "-o", f"out/{language}", "-v")
    assert fast.returncode == 0 and f"wrote out/{language}: " in fast.stderr, fast.stderr
    assert _tree(tmp_path / "fast" / "out" / language)


def test_check_same_as_click(tmp_path: Path) -> None:
    def stale(cwd: Path) -> None:
        r = _run(CLICK, cwd, "python", SCHEMAS, "-o", "out/python", "-q")
        assert r.returncode == 0, r.stderr
        edited = cwd / "out" / "python" / "types.py"
        edited.write_text(edited.read_text() + "# edited\n")

    fast, _ = _both(tmp_path, "python", SCHEMAS, "--check", "-o", "out/python", prepare=stale)
    assert fast.returncode == 1 and fast.stdout.startswith("--- ") and "stale: out/python" in fast.stderr


@pytest.mark.parametrize("args", [
    ["python", "missing.json", "-o", "o"],
    ["python", SCHEMAS, "-o", "o", "--map-uri", "nonsense"],
    ["rust", SCHEMAS, "-o", "o", "--templates", "nowhere"],
    ["python", SCHEMAS + "protocol.json", SCHEMAS + "protocol.json", "--root-name", "X", "-o", "o/"],
    ["python", SCHEMAS, "-o", "o", "--defaults", "bogus"],  # declined: click's error
    ["python", SCHEMAS, "-o"],
    ["python", SCHEMAS],
    ["python", "--help"],
    ["--version"],
])
def test_errors_same_as_click(tmp_path: Path, args: list[str]) -> None:
    fast, _ = _both(tmp_path, *args)
    assert fast.returncode in (0, 2), fast.stderr
    if fast.returncode:
        assert "rror" in fast.stderr


def _imported(tmp_path: Path, *args: str) -> set[str]:
    """Which of the modules a language run has no need for (click, jinja2, dataclasses and inspect,
    typing, textwrap, shlex: see bench/README.md) a console script run imported."""
    marker = tmp_path / "modules"
    code = (f"import atexit, sys; atexit.register(lambda: open({str(marker)!r}, 'w').write("
            "' '.join(sorted({m.split('.')[0] for m in sys.modules} & {'click', 'jinja2', 'dataclasses', 'inspect', 'typing', 'textwrap', 'shlex'}))))\n"
            + CONSOLE)
    r = _run(code, tmp_path, *args)
    assert marker.exists(), r.stderr
    return set(marker.read_text().split())


def test_fast_path_never_imports_click(tmp_path: Path) -> None:
    """Nor jinja2 (the built-in templates are compiled), nor dataclasses (records.py makes its
    classes), nor inspect (which dataclasses would import), nor typing, textwrap, shlex."""
    assert _imported(tmp_path, "python", SCHEMAS, "-o", "out/python") == set()
    assert _imported(tmp_path, "python", "missing.json", "-o", "out/python") == set()  # exit 2, no click
    assert "click" in _imported(tmp_path, "python", SCHEMAS, "-o", "out/python", "--bogus")


def test_completion_and_odd_streams_go_to_click(tmp_path: Path) -> None:
    env = {**os.environ, "_STEPFLOW_CODEGEN_COMPLETE": "bash_source"}
    r = _run(CONSOLE, tmp_path, "python", SCHEMAS, "-o", "out", env=env)
    assert r.returncode == 0 and "complete" in r.stdout.lower() and not (tmp_path / "out").exists()
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    marker = tmp_path / "m"
    code = (f"import atexit, sys; atexit.register(lambda: open({str(marker)!r}, 'w').write(str('click' in sys.modules)))\n"
            + CONSOLE)
    r = _run(code, tmp_path, "python", SCHEMAS, "-o", "out2", "-q", env=env)
    assert r.returncode == 0 and marker.read_text() == "True"


def test_echo_without_click_is_clicks(tmp_path: Path) -> None:
    """``runner.echo`` before click is imported writes what ``click.echo`` writes (to a pipe: ANSI stripped)."""
    code = (
        "import sys\n"
        "from stepflow_codegen.runner import echo\n"
        "for m, err, nl in [('a\\x1b[31mb\\x1b[0m', False, True), ('', False, False), ('x', True, False), ('', True, True)]:\n"
        "    echo(m, err=err, nl=nl)\n"
        "assert 'click' not in sys.modules\n"
        "import click\n"
        "for m, err, nl in [('a\\x1b[31mb\\x1b[0m', False, True), ('', False, False), ('x', True, False), ('', True, True)]:\n"
        "    click.echo(m, err=err, nl=nl)\n"
    )
    r = _run(code, tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "ab\n" * 2 and r.stderr == "x\n" * 2
