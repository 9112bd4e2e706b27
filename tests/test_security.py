"""Hostile input (issue 9): schema text, method tables, manifests, file names and CLI options.

Every string from any input reaches generated code only through its language's escaping functions
(``codegen/targets/*/escape.py``), identifiers only through the naming policy, command lines in
headers only shell-quoted.  Two kinds of tests:

* regression tests, one per case of the issue (code execution through docstrings and file names,
  unquoted regenerate commands, targets deleting other targets' files, ``new``/``add-component``
  names and symlinks, ``--defaults apply`` comparing with Python's ``==``, lone surrogates and
  big integers in Rust, quadratic generation time, vectors lost to same-named inputs);
* property-based tests (hypothesis): hostile schemas, method tables, manifests and file names,
  generated for Python, TypeScript, Rust and vectors.  Generation must exit 0 or 2 (never a
  traceback); the output must compile (Python: ``compile()`` and an import in a subprocess that
  must have no side effect; TypeScript: one ``tsc --strict`` run over every case; Rust: one
  ``cargo clippy -D warnings`` run over a workspace of every case); no identifier may come from
  schema text unescaped (the payload ``__import__`` never appears outside strings and comments);
  every header's regenerate command, run by a shell, gives back exactly the arguments and runs
  nothing else.

Examples are derandomized (the same cases in every run); ``SECURITY_RANDOM=1`` draws new ones.
"""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from stepflow_codegen.cli import main

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"
PAYLOAD_DIR = "PWNED"
PY_PAYLOAD = f'__import__("os").mkdir("{PAYLOAD_DIR}")'

# text that ends strings, comments or docstrings in one of the languages, runs shell commands, or
# cannot be written as is (controls, line separators, bidi overrides).  Lone surrogates are refused
# by the front end wherever they stand (test_11_lone_surrogates); kept rare here so most generated
# cases reach the targets.
FRAGMENTS = [
    '"""', "'''", '"', "'", "\\", "\\\\", "\n", "\r\n", "\r", "\t", "\x00", "\x1b", "\x7f", "\u2028", "\u2029",
    "\u202e", "\u200b", "\ufeff", "*/", "/*", "//", "#", "`", "${", "}", "{", "{{", "}}", "{%", "%}", 'r#"', '"#',
    "'static", "\\u{0}", "\\x00", "\\n", "$'", "; touch PWNED;", "$(mkdir PWNED)", "`mkdir PWNED`", "|",
    PY_PAYLOAD, f'"""; {PY_PAYLOAD}; """', f"*/ {PY_PAYLOAD} /*", f'"; {PY_PAYLOAD}; "', "\ud800",
    "\U0001f600", "é", "ß", "İ", "class", "self", "Self", "super", "crate", "None", "null", "true", "constructor",
    "__proto__", "toString", "hasOwnProperty", "type", "input", "decode", " ", "  ", "a", "A", "z9", "0", "-1",
    "-", "_", ".", "~", "/", "%", "@", "<", ">", "&", "=",
]
# file names: no '/', no NUL, no lone surrogates (not representable as a Linux path)
NAME_FRAGMENTS = [f for f in FRAGMENTS if "/" not in f and "\x00" not in f and not re.search("[\ud800-\udfff]", f)]


def hostile_text(fragments: list[str] = FRAGMENTS, max_size: int = 5) -> st.SearchStrategy[str]:
    piece = st.one_of(st.sampled_from(fragments), st.text(max_size=3))
    return st.lists(piece, min_size=1, max_size=max_size).map("".join)


def file_names() -> st.SearchStrategy[str]:
    return (
        hostile_text(NAME_FRAGMENTS, 4)
        .map(lambda s: re.sub("[/\x00\ud800-\udfff]", "_", s).strip(".") or "x")
        .filter(lambda s: len(s.encode("utf-8")) < 120 and s not in ("io", "methods", "protocol", "components"))
        .map(lambda s: s + ".json")
    )


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, -1, 0.0, -0.0, 1.5, 1e300, 2**53 + 1, 2**63, -(2**63) - 1]),
    hostile_text(),
)


def property_schema() -> st.SearchStrategy[dict[str, Any]]:
    string = st.fixed_dictionaries(
        {"type": st.just("string")},
        optional={
            "description": hostile_text(),
            "title": hostile_text(),
            "default": hostile_text(),
            "enum": st.lists(hostile_text(max_size=2), min_size=1, max_size=4, unique=True),
            "format": hostile_text(max_size=2),
            "pattern": hostile_text(max_size=2),
        },
    )
    mixed_enum = st.fixed_dictionaries(
        {"enum": st.lists(st.one_of(hostile_text(max_size=2), st.integers(-(2**70), 2**70)), min_size=1, max_size=4, unique=True)},
        optional={"description": hostile_text()},
    )
    integer = st.fixed_dictionaries(
        {"type": st.just("integer")},
        optional={"default": st.integers(-(2**70), 2**70), "description": hostile_text(), "enum": st.lists(st.integers(-(2**70), 2**70), min_size=1, max_size=3, unique=True)},
    )
    number = st.fixed_dictionaries(
        {"type": st.sampled_from(["number", ["boolean", "number"], ["boolean", "integer"]])},
        optional={"default": st.sampled_from([0, 1, 0.0, -0.0, True, False, 1.5]), "description": hostile_text()},
    )
    const = st.fixed_dictionaries({"const": json_scalars}, optional={"description": hostile_text()})
    array = st.fixed_dictionaries(
        {"type": st.just("array"), "items": st.fixed_dictionaries({"type": st.just("string")}, optional={"description": hostile_text()})},
        optional={"default": st.lists(hostile_text(max_size=2), max_size=2)},
    )
    return st.one_of(string, mixed_enum, integer, number, const, array)


def object_schema() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "type": st.just("object"),
            "properties": st.dictionaries(hostile_text(max_size=3), property_schema(), min_size=1, max_size=5),
        },
        optional={
            "title": hostile_text(),
            "description": hostile_text(),
            "additionalProperties": st.booleans(),
            "required": st.just([]),
        },
    )


def schema_file() -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        lambda root, defs, title: {**root, "$defs": defs, **({"title": title} if title is not None else {})},
        object_schema(),
        st.dictionaries(hostile_text(max_size=3), st.one_of(object_schema(), property_schema()), max_size=3),
        st.one_of(st.none(), hostile_text()),
    )


def rarely(*strategies: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly None (the valid default), sometimes a value of ``strategies`` (most of which are refused)."""
    choice = st.one_of(*strategies)
    return st.sampled_from(range(8)).flatmap(lambda k: choice if k == 7 else st.none())


def method_table() -> st.SearchStrategy[dict[str, Any]]:
    """The real method table with hostile text where it is free text (and sometimes where it is not)."""
    base = json.loads((SCHEMAS / "methods.json").read_text(encoding="utf-8"))

    def build(name: str, version: str, description: str, doc: str, namespace: str | None, roles: tuple[str | None, str | None]) -> dict[str, Any]:
        table = json.loads(json.dumps(base))
        table["name"], table["version"], table["description"] = name, version, description
        table["requests"][0]["documentation"] = doc
        if namespace is not None:
            table["namespace"] = namespace
        if roles[0] is not None:
            table["roles"]["client"] = roles[0]
        if roles[1] is not None:
            table["roles"]["server"] = roles[1]
        return table

    return st.builds(
        build,
        hostile_text().map(lambda s: s if s.strip() else s + "x"),
        hostile_text(max_size=3),
        hostile_text(),
        hostile_text(),
        rarely(st.sampled_from(["Evil", "Evil\n", "Evil\r", "E\u0301", "X"]), hostile_text(max_size=2)),
        st.tuples(rarely(hostile_text(max_size=2)), rarely(hostile_text(max_size=2))),
    )


def manifest() -> st.SearchStrategy[dict[str, Any]]:
    component = st.fixed_dictionaries(
        {
            "name": rarely(hostile_text(max_size=2)).flatmap(
                lambda h: st.just(h) if h is not None else st.sampled_from(["greet", "a_b", "Evil", "x1", "self", "input", "decode"])
            ),
            "input": st.just({"$ref": "io.json#/$defs/In"}),
            "output": st.just({"$ref": "io.json#/$defs/Out"}),
        },
        optional={"description": hostile_text()},
    )
    return st.fixed_dictionaries(
        {
            "$schema": st.just("urn:stepflow-codegen:components:v1"),
            "components": st.lists(component, min_size=1, max_size=2, unique_by=lambda c: c["name"]),
        },
        optional={"description": hostile_text()},
    )


class _Protocol:
    """schemas/protocol.json, written as it is (a short repr keeps hypothesis' reports readable)."""

    def __repr__(self) -> str:
        return "PROTOCOL"


PROTOCOL: Any = _Protocol()


@dataclass
class Case:
    files: dict[str, Any]
    """File name -> JSON document."""
    package: str = "case"


@st.composite
def cases(draw: st.DrawFn, components: bool, protocol: bool = True) -> Case:
    """A schema file with a hostile name and hostile text; the protocol with a hostile method table
    (always when ``protocol``, else in half of the cases); component manifests if ``components``."""
    files: dict[str, Any] = {}
    files[draw(file_names())] = draw(schema_file())
    if protocol or components or draw(st.booleans()):
        files["protocol.json"] = PROTOCOL
        files["methods.json"] = draw(method_table())
    if components:
        files["io.json"] = {"$defs": {"In": draw(object_schema()), "Out": draw(object_schema())}}
        files["components.json"] = draw(manifest())
    return Case(files)


# --------------------------------------------------------------------------- running the generator


@dataclass
class Run:
    code: int
    out: Path
    stderr: str


def write_json(path: Path, data: Any) -> None:
    # ensure_ascii keeps lone surrogates as escapes (the file is valid UTF-8 and valid JSON)
    path.write_text(json.dumps(data, ensure_ascii=True, indent=1), encoding="utf-8")


def generate(root: Path, language: str, case: Case, extra: list[str] = (), out: str | None = None,  # type: ignore[assignment]
             package: bool = True) -> Run:
    """``stepflow-codegen LANGUAGE schemas/ -o out/LANGUAGE`` in ``root``, in-process; a traceback fails."""
    schemas = root / "schemas"
    if not schemas.exists():
        schemas.mkdir(parents=True)
        for name, data in case.files.items():
            if data is PROTOCOL:
                shutil.copyfile(SCHEMAS / "protocol.json", schemas / name)
            else:
                write_json(schemas / name, data)
    out = out or f"out/{language}"
    args = [language, "schemas/", "-o", out, *(["--package", case.package] if package else []), "-q", *extra]
    cwd = os.getcwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(main, args, catch_exceptions=True)
    finally:
        os.chdir(cwd)
    exc = result.exception
    if exc is not None and not isinstance(exc, SystemExit):
        import traceback

        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        pytest.fail(f"{language} generation crashed for {sorted(case.files)!r}:\n{tb}")
    assert result.exit_code in (0, 2), f"{language}: exit {result.exit_code}\n{result.output}"
    stderr = result.stderr if hasattr(result, "stderr") else result.output
    if result.exit_code == 2:
        assert "Traceback" not in stderr
        assert "error" in stderr, stderr
        assert not (root / out).exists() or not any((root / out).rglob("*")), "exit 2 must write nothing"
    return Run(result.exit_code, root / out, stderr)


# --------------------------------------------------------------------------- checks on the output


def python_names(source: str) -> set[str]:
    """Identifiers (NAME tokens) of Python source: what is outside strings and comments."""
    return {t.string for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type == tokenize.NAME}


def _strip_c_like(text: str, rust: bool) -> str:
    """Code of TypeScript or Rust with string, char, template literals and comments blanked out."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        two = text[i : i + 2]
        if two == "//":
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif two == "/*":
            depth, j = 1, i + 2
            while j < n and depth:
                if rust and text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            i = j
            out.append(" ")
        elif rust and re.match(r'r#*"', text[i:]) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'r(#*)"', text[i:])
            assert m
            end = text.find('"' + m.group(1), i + len(m.group(0)))
            i = n if end < 0 else end + 1 + len(m.group(1))
            out.append('""')
        elif c == '"' or (c in "'`" and not rust):
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            out.append('""')
        elif rust and c == "'":
            m = re.match(r"'(\\.[^']*|[^\\'])'", text[i:])
            if m:
                i += len(m.group(0))
                out.append("' '")
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def assert_no_payload_in_code(run: Run) -> None:
    for path in sorted(run.out.rglob("*")):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(run.out)
        if path.suffix == ".py":
            compile(text, str(path), "exec")
            names = python_names(text)
            assert "__import__" not in names, f"{rel}: schema text became code"
        elif path.suffix == ".ts":
            assert "__import__" not in _strip_c_like(text, rust=False), f"{rel}: schema text became code"
        elif path.suffix == ".rs":
            assert "__import__" not in _strip_c_like(text, rust=True), f"{rel}: schema text became code"
        elif path.suffix == ".json":
            json.loads(text)
        elif path.suffix == ".toml":
            import tomllib

            tomllib.loads(text)


HEADER = re.compile(r"^(?:#|//) regenerate with: (.*)$", re.MULTILINE)


def header_commands(run: Run) -> list[tuple[str, str]]:
    """(file, command) for every generated file's regenerate line."""
    found = []
    for path in sorted(run.out.rglob("*")):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".json":
            command = json.loads(text).get("regenerate")
        else:
            lines = text.split("\n")
            assert lines[0].endswith("generated by stepflow-codegen, do not edit."), path
            m = HEADER.match(lines[1])
            assert m, f"{path}: line 2 is not the regenerate comment: {lines[1]!r}"
            command = m.group(1)
        if command is not None:
            found.append((str(path.relative_to(run.out)), command))
    return found


def shell_runs(commands: list[str], workdir: Path) -> list[list[str]]:
    """Run each command line with bash, ``stepflow-codegen`` being a stub that prints its arguments."""
    bin_dir = workdir / "bin"
    bin_dir.mkdir(exist_ok=True)
    stub = bin_dir / "stepflow-codegen"
    stub.write_text("#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done\nprintf '\\n'\n", encoding="utf-8")
    stub.chmod(0o755)
    script = "\n".join(commands) + "\n"
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}")
    p = subprocess.run(["bash", "-c", script], cwd=workdir, env=env, capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    assert not (workdir / PAYLOAD_DIR).exists() and not (workdir / "P").exists(), "a header command ran something"
    lines = p.stdout.split(b"\0\n")
    return [[a.decode("utf-8", "surrogateescape") for a in line.split(b"\0")] for line in lines[: len(commands)]]


def import_without_side_effects(packages: list[tuple[Path, str]], workdir: Path) -> None:
    """Import every package in one subprocess; importing must print nothing and create nothing."""
    code = (
        "import importlib, sys\n"
        "for where, name in " + repr([(str(p), n) for p, n in packages]) + ":\n"
        "    sys.path.insert(0, where)\n"
        "    importlib.import_module(name)\n"
        "    sys.path.remove(where)\n"
        "    for m in [m for m in sys.modules if m == name or m.startswith(name + '.')]:\n"
        "        del sys.modules[m]\n"
    )
    p = subprocess.run([sys.executable, "-c", code], cwd=workdir, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    assert p.stdout == "" and p.stderr == "", (p.stdout + p.stderr)[-3000:]
    assert not (workdir / PAYLOAD_DIR).exists(), "importing a generated package ran schema text"


def _settings(n: int) -> Any:
    return settings(
        max_examples=n,
        deadline=None,
        derandomize=os.environ.get("SECURITY_RANDOM") != "1",
        database=None,
        phases=[Phase.generate],  # no shrinking: a failure names its case directory instead
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )


# --------------------------------------------------------------------------- property-based tests


def test_python_hostile_inputs(tmp_path: Path) -> None:
    generated: list[tuple[Path, str]] = []
    counter = iter(range(10**6))
    outcomes = {0: 0, 2: 0}

    @_settings(30)
    @given(cases(components=True), st.sampled_from(["preserve", "apply"]))
    def one(case: Case, defaults: str) -> None:
        i = next(counter)
        root = tmp_path / f"c{i}"
        case.package = f"case{i}"
        run = generate(root, "python", case, ["--defaults", defaults])
        outcomes[run.code] += 1
        if run.code == 0:
            assert_no_payload_in_code(run)
            generated.append((run.out.parent, "python"))  # out/python: imported as "python"

    one()
    assert outcomes[0] >= 10, f"too few cases generated code: {outcomes}"
    import_without_side_effects(generated, tmp_path)


def test_typescript_hostile_inputs(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from test_typescript import TS, _node_tools

    counter = iter(range(10**6))
    outcomes = {0: 0, 2: 0}

    @_settings(25)
    @given(cases(components=True))
    def one(case: Case) -> None:
        i = next(counter)
        run = generate(tmp_path / "cases" / f"c{i}", "typescript", case)
        outcomes[run.code] += 1
        if run.code == 0:
            assert_no_payload_in_code(run)

    one()
    assert outcomes[0] >= 10, f"too few cases generated code: {outcomes}"
    config = json.loads((TS / "tsconfig.json").read_text(encoding="utf-8"))
    config.pop("//", None)
    config["include"] = ["cases/*/out/typescript/*.ts"]
    config["compilerOptions"]["noEmit"] = True
    # the component server (generated with a manifest and the 0.9 method table) compiles against Node's types
    from test_ts_server import TOOLS, ensure_tools

    tsc = ensure_tools()
    config["compilerOptions"]["types"] = ["node"]
    config["compilerOptions"]["typeRoots"] = [str(TOOLS / "node_modules" / "@types")]
    (tmp_path / "tsconfig.json").write_text(json.dumps(config), encoding="utf-8")
    (tmp_path / "package.json").write_text('{"type": "module"}\n', encoding="utf-8")
    p = subprocess.run([str(tsc), "-p", "tsconfig.json"], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, "tsc --strict failed:\n" + (p.stdout + p.stderr)[-5000:]


def cargo_clippy(tmp_path: Path, crates: list[Path]) -> None:
    """``cargo clippy -D warnings`` over one workspace of ``crates`` (dependencies as tests/rust locks them)."""
    members = []
    for i, crate in enumerate(crates):
        dest = tmp_path / "ws" / f"m{i}"
        shutil.copytree(crate, dest)
        members.append(f"m{i}")
    ws = tmp_path / "ws"
    (ws / "Cargo.toml").write_text(f'[workspace]\nresolver = "2"\nmembers = {json.dumps(members)}\n', encoding="utf-8")
    shutil.copyfile(ROOT / "tests" / "rust" / "Cargo.lock", ws / "Cargo.lock")
    target = Path(os.environ.get("STEPFLOW_CARGO_TARGET_DIR", ROOT / "tests" / "rust" / "target"))
    p = subprocess.run(
        ["cargo", "clippy", "--offline", "-q", "--all-targets", "--", "-D", "warnings"],
        cwd=ws,
        env=dict(os.environ, CARGO_TARGET_DIR=str(target)),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert p.returncode == 0, "cargo clippy failed:\n" + (p.stdout + p.stderr)[-6000:]


def test_rust_hostile_inputs(tmp_path: Path) -> None:
    counter = iter(range(10**6))
    outcomes = {0: 0, 2: 0}
    crates: list[Path] = []

    @_settings(14)
    @given(cases(components=False, protocol=False))
    def one(case: Case) -> None:
        i = next(counter)
        case.package = f"sec-case{i}"
        run = generate(tmp_path / "cases" / f"c{i}", "rust", case)
        outcomes[run.code] += 1
        if run.code == 0:
            assert_no_payload_in_code(run)
            crates.append(run.out)
        else:
            # what Rust cannot hold is reported with the file and the JSON pointer
            assert re.search(r"\.json(#\S*)?: error\[", run.stderr), run.stderr

    one()
    assert outcomes[0] >= 3, f"too few cases generated code: {outcomes}"
    cargo_clippy(tmp_path, crates[:6])  # each crate takes seconds: the first six


def test_headers_and_vectors_with_hostile_file_names(tmp_path: Path) -> None:
    """Every file of every target: the regenerate line is one comment line, and a shell given it
    runs only stepflow-codegen, with exactly the arguments of the run."""
    counter = iter(range(10**6))
    commands: list[str] = []
    expected: list[list[str]] = []

    @_settings(20)
    @given(
        cases(components=False),
        st.sampled_from(["python", "typescript", "rust", "vectors"]),
        st.one_of(st.none(), file_names().map(lambda n: n.removesuffix(".json"))),
        st.one_of(st.none(), hostile_text(NAME_FRAGMENTS, 3)),
    )
    def one(case: Case, language: str, out_name: str | None, root_name: str | None) -> None:
        # hostile CLI options too: the output directory (the package name when --package is not
        # given) and --root-name FILE=NAME
        i = next(counter)
        case.package = f"case{i}"
        out = f"out/{out_name}" if out_name else f"out/{language}"
        extra: list[str] = []
        if root_name is not None:
            schema = next(n for n in case.files if n not in ("protocol.json", "methods.json"))
            extra = ["--root-name", f"schemas/{schema}={root_name}"]
        run = generate(tmp_path / "cases" / f"c{i}", language, case, extra, out=out, package=out_name is None)
        if run.code != 0:
            return
        assert_no_payload_in_code(run)
        for _, command in header_commands(run):
            commands.append(command)
            expected.append([language, "schemas/", "-o", out, *extra, *(["--package", f"case{i}"] if out_name is None else [])])

    one()
    assert len(commands) >= 20
    got = shell_runs(commands, tmp_path)
    for command, want, argv in zip(commands, expected, got):
        assert argv == want, (command, argv)


# --------------------------------------------------------------------------- regression tests, issue 9


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "stepflow_codegen", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def protocol_dir(root: Path, **table: str) -> Path:
    schemas = root / "schemas"
    schemas.mkdir(parents=True)
    shutil.copyfile(SCHEMAS / "protocol.json", schemas / "protocol.json")
    data = json.loads((SCHEMAS / "methods.json").read_text(encoding="utf-8"))
    data.update(table)
    write_json(schemas / "methods.json", data)
    return schemas


def test_1_method_table_text_cannot_run_on_import(tmp_path: Path) -> None:
    evil = f'StepFlow """ + {PY_PAYLOAD} + """'
    protocol_dir(tmp_path, name=evil, version=f'1""" + {PY_PAYLOAD} + """', description=f'd"""\n{PY_PAYLOAD}\n"""')
    r = cli("python", "schemas/", "-o", "secpkg1", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    for f in ("__init__.py", "client.py", "server.py", "methods.py"):
        text = (tmp_path / "secpkg1" / f).read_text(encoding="utf-8")
        compile(text, f, "exec")
        assert "__import__" not in python_names(text), f
    import_without_side_effects([(tmp_path, "secpkg1")], tmp_path)
    # the name is shown as it is in the docstrings, not executed
    code = f"import secpkg1, secpkg1.client as c; assert {evil!r} in secpkg1.__doc__ and {evil!r} in c.__doc__"
    p = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert not (tmp_path / PAYLOAD_DIR).exists()


def test_2_schema_file_name_cannot_run_on_import(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    name = f'a"""; {PY_PAYLOAD}; """.json'
    write_json(schemas / name, {"type": "object", "properties": {"a": {"type": "string"}}})
    r = cli("python", "schemas/", "-o", "pkg", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    for f in ("__init__.py", "types.py"):
        text = (tmp_path / "pkg" / f).read_text(encoding="utf-8")
        assert "__import__" not in python_names(text), f
    import_without_side_effects([(tmp_path, "pkg")], tmp_path)


@pytest.mark.parametrize("language", ["python", "typescript", "rust", "vectors"])
def test_3_regenerate_and_run_lines_are_shell_quoted(tmp_path: Path, language: str) -> None:
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    evil = "x; touch P;  y\n$(touch P)'\u2028\t.json"  # two spaces: kept as they are in the comment
    write_json(schemas / evil, {"title": "Thing", "type": "object", "properties": {"a": {"type": "string"}}})
    args = [language, f"schemas/{evil}", "-o", "out", "--package", "pkg"]
    r = cli(*args, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    run = Run(0, tmp_path / "out", "")
    found = header_commands(run)
    assert found, "no header found"
    r = cli(*args, "--check", cwd=tmp_path)
    assert r.returncode == 0
    # make it stale: check prints "run: <command>"
    victim = next(p for p in sorted((tmp_path / "out").rglob("*")) if p.is_file())
    victim.write_text(victim.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    r = cli(*args, "--check", cwd=tmp_path)
    assert r.returncode == 1
    (run_line,) = [line for line in r.stderr.splitlines() if "; run: " in line]
    commands = [c for _, c in found] + [run_line.split("; run: ", 1)[1]]
    for got in shell_runs(commands, tmp_path):
        assert got == args, got
    assert not (tmp_path / "P").exists()


def test_5_a_target_removes_only_its_own_files(tmp_path: Path) -> None:
    """``stepflow-codegen python schemas/ -o .`` in a clone removes nothing of the other trees."""
    for rel in ("schemas", "generated", "examples", "tests/vectors", "tests/golden"):
        shutil.copytree(ROOT / rel, tmp_path / rel, ignore=shutil.ignore_patterns("target", "node_modules", "__pycache__", ".venv"))
    before = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    r = cli("python", "schemas/", "-o", ".", "--package", "sf", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "0 removed" in r.stderr, r.stderr
    after = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert before <= after, sorted(before - after)[:10]
    for language in ("typescript", "rust", "vectors"):
        r = cli(language, "schemas/", "-o", ".", "--package", "sf", cwd=tmp_path)
        assert r.returncode == 0 and "0 removed" in r.stderr, r.stderr
    after = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert before <= after, sorted(before - after)[:10]


def _project(tmp_path: Path) -> Path:
    r = cli("new", "demo", "--codegen-source", str(ROOT), "-q", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    return tmp_path / "demo"


def test_6_add_component_does_not_follow_a_dangling_symlink(tmp_path: Path) -> None:
    project = _project(tmp_path)
    outside = tmp_path / "outside.json"
    (project / "schemas" / "evil.json").symlink_to(outside)
    manifest_before = (project / "schemas" / "components.json").read_text(encoding="utf-8")
    r = cli("add-component", "evil", cwd=project)
    assert r.returncode == 2 and "symlink" in r.stderr, r.stderr
    assert not outside.exists()
    assert (project / "schemas" / "components.json").read_text(encoding="utf-8") == manifest_before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["new", "uvicorn"], "shadows a module"),
        (["new", "msgspec"], "shadows a module"),
        (["new", "pytest"], "shadows a module"),
        (["new", "print"], "keyword or builtin"),
        (["new", "demo\n"], "project name"),
        (["new", "ok", "--component", "self"], "component name 'self'"),
        (["new", "ok", "--component", "input"], "component name 'input'"),
        (["new", "ok", "--component", "greet\n"], "component name"),
        (["new", "ok", "--component", "class"], "component name 'class'"),
    ],
)
def test_6_new_refuses_names_that_break_the_project(tmp_path: Path, args: list[str], message: str) -> None:
    r = cli(*args, "--codegen-source", str(ROOT), cwd=tmp_path)
    assert r.returncode == 2 and message in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    assert not any(tmp_path.iterdir()), "nothing may be written"


def test_6_new_writes_nothing_when_generation_fails(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(ROOT / "schemas", source / "schemas")
    shutil.copyfile(ROOT / "pyproject.toml", source / "pyproject.toml")
    data = json.loads((source / "schemas" / "methods.json").read_text(encoding="utf-8"))
    data["namespace"] = "Bad\n"  # the generated code cannot be built from it
    write_json(source / "schemas" / "methods.json", data)
    work = tmp_path / "work"
    work.mkdir()
    r = cli("new", "demo", "--codegen-source", str(source), cwd=work)
    assert r.returncode == 2 and "namespace" in r.stderr, r.stderr
    assert not any(work.iterdir()), [p.name for p in work.iterdir()]


def test_6_config_paths_outside_the_project_are_warned_about(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    protocol_dir(tmp_path / "elsewhere")
    (project / "pyproject.toml").write_text(
        '[[tool.stepflow-codegen.targets]]\nlanguage = "python"\nschemas = ["../elsewhere/schemas/"]\nout = "../gen/pkg"\n',
        encoding="utf-8",
    )
    r = cli("generate", "-q", cwd=project)
    assert r.returncode == 0, r.stderr
    assert re.search(r"warning: .*out = '../gen/pkg' is outside the project", r.stderr), r.stderr
    assert re.search(r"warning: .*schemas = '../elsewhere/schemas/' is outside the project", r.stderr), r.stderr


def test_9_defaults_apply_compares_json_values_with_their_types(tmp_path: Path) -> None:
    props = {
        "a": {"type": ["boolean", "integer"], "default": True},
        "b": {"type": ["boolean", "number"], "default": 0},
        "c": {"type": "number", "default": -0.0},
        "d": {"type": "number", "default": 0.0},
        "e": {"type": "array", "items": {"type": ["integer", "boolean"]}, "default": [1]},
        "f": {"type": "number", "default": 1},
    }
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    write_json(schemas / "closed.json", {"title": "Closed", "type": "object", "properties": props, "additionalProperties": False})
    write_json(schemas / "open.json", {"title": "Open", "type": "object", "properties": props})
    write_json(schemas / "plain.json", {"title": "Plain", "type": "object", "additionalProperties": False,
                                        "properties": {"n": {"type": "number", "default": 0.0}, "i": {"type": "integer", "default": 1}}})
    r = cli("python", "schemas/", "-o", "dflt", "--defaults", "apply", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    code = (
        "import dflt, json\n"
        "out = []\n"
        "for T, raws in [(dflt.Closed, C), (dflt.Open, C), (dflt.Plain, P)]:\n"
        "    for raw in raws:\n"
        "        out.append([T.__name__, raw, dflt.encode(dflt.decode(raw.encode(), T)).decode()])\n"
        "print(json.dumps(out))\n"
    )
    kept = ['{"a":1}', '{"b":false}', '{"c":0.0}', '{"d":-0.0}', '{"e":[true]}', '{"b":0.0}', '{"f":1.0}']
    dropped = ['{"a":true}', '{"c":-0.0}', '{"d":0.0}', '{"e":[1]}', '{"b":0}', '{"f":1}']
    plain_kept = ['{"n":-0.0}', '{"n":0}']
    plain_dropped = ['{"n":0.0}', '{"i":1}']
    p = subprocess.run(
        [sys.executable, "-c", f"C = {kept + dropped!r}\nP = {plain_kept + plain_dropped!r}\n" + code],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert p.returncode == 0, p.stderr
    for name, raw, encoded in json.loads(p.stdout):
        if raw in kept or raw in plain_kept:
            assert encoded == raw, (name, raw, encoded)  # not equal to the default as JSON: written
        else:
            assert encoded == "{}", (name, raw, encoded)  # the default itself: omitted


def test_11_lone_surrogates(tmp_path: Path) -> None:
    """A lone UTF-16 surrogate is not Unicode text: no language can hold it in every place (Rust strings,
    UTF-8 files), so the front end refuses it once for all targets, naming the place."""
    schema = {"title": "Sur", "type": "object", "properties": {"\ud800": {"type": "string", "enum": ["\ud800", "b"]},
                                                               "x": {"type": "string", "default": "\udfff"}}}
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    write_json(schemas / "sur.json", schema)
    for language in ("python", "typescript", "rust", "vectors"):
        r = cli(language, "schemas/", "-o", f"out/{language}", "--package", "sur", cwd=tmp_path)
        assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
        assert "sur.json#/properties: error[load]: a key holds a lone UTF-16 surrogate" in r.stderr, r.stderr
        assert "hint:" in r.stderr
        assert not (tmp_path / "out" / language).exists()
    # in a value, the pointer names the value
    write_json(schemas / "sur.json", {"title": "Sur", "enum": ["a", "\udfff"]})
    r = cli("python", "schemas/", "-o", "out/python", cwd=tmp_path)
    assert r.returncode == 2 and "sur.json#/enum/1: error[load]: string holds a lone UTF-16 surrogate" in r.stderr, r.stderr


def test_11_rust_integers_past_i64(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    write_json(schemas / "big.json", {"title": "Big", "enum": ["a", 2**70]})
    r = cli("rust", "schemas/", "-o", "out", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert "big.json: error[unsupported]: the value 1180591620717411303424 does not fit a Rust i64" in r.stderr
    assert not (tmp_path / "out").exists()


def test_11_rust_self_and_Self_properties_pass_clippy(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    write_json(schemas / "selfs.json", {"title": "Selfs", "type": "object", "additionalProperties": False, "properties": {
        "self": {"type": "string"}, "Self": {"type": "integer"}, "super": {"type": "string"}, "crate": {"type": "string"},
        "self_": {"type": "string"}, "Self_2": {"type": "string"}}})
    r = cli("rust", "schemas/", "-o", "selfs", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "self__" not in (tmp_path / "selfs" / "src" / "types.rs").read_text(encoding="utf-8")
    cargo_clippy(tmp_path, [tmp_path / "selfs"])


@pytest.mark.parametrize("namespace", ["Evil\n", "Evil\r\n", "Ev il", "evil", "Évil"])
def test_11_namespace_must_be_an_identifier(tmp_path: Path, namespace: str) -> None:
    protocol_dir(tmp_path, namespace=namespace)
    for language in ("python", "typescript", "rust"):
        r = cli(language, "schemas/", "-o", f"out/{language}", "--package", "ns", cwd=tmp_path)
        assert r.returncode == 2, (language, r.stderr)
        assert "methods.json#/namespace: error" in r.stderr, r.stderr
        assert not (tmp_path / "out" / language).exists()


@pytest.mark.parametrize("name", ["foo\n", "a/b\n", "x\r"])
def test_11_method_and_component_names_are_full_matches(tmp_path: Path, name: str) -> None:
    schemas = protocol_dir(tmp_path)
    data = json.loads((schemas / "methods.json").read_text(encoding="utf-8"))
    data["notifications"] = [*data.get("notifications", []), {"method": name, "messageDirection": "clientToServer",
                                                                "params": {"type": "object"}}]
    write_json(schemas / "methods.json", data)
    r = cli("python", "schemas/", "-o", "out", cwd=tmp_path)
    assert r.returncode == 2 and "methods.json#/notifications/" in r.stderr, r.stderr


def test_12_generation_is_linear_in_the_property_count(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    write_json(schemas / "wide.json", {"title": "Wide", "type": "object",
                                       "properties": {f"p{i}": {"type": "integer"} for i in range(20000)}})
    for language in ("python", "typescript", "rust", "vectors"):
        start = time.perf_counter()
        r = cli(language, "schemas/", "-o", f"out/{language}", "--package", "wide", cwd=tmp_path)
        took = time.perf_counter() - start
        assert r.returncode == 0, r.stderr
        # was 61 s for the vectors (quadratic de-duplication) and field naming; now about 1 s each
        assert took < 20, f"{language}: {took:.1f}s for 20,000 properties"


def test_12_inputs_with_the_same_base_name_keep_their_vectors(tmp_path: Path) -> None:
    for d in ("a", "b"):
        (tmp_path / "schemas" / d).mkdir(parents=True)
        write_json(tmp_path / "schemas" / d / "x.json", {"title": f"X{d}", "type": "object", "properties": {d: {"type": "string"}}})
    r = cli("vectors", "schemas/", "-o", "vec", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    names = sorted(p.name for p in (tmp_path / "vec").iterdir())
    assert len(names) == 2, names
    ids = sorted(t["id"] for n in names for t in json.loads((tmp_path / "vec" / n).read_text(encoding="utf-8"))["types"])
    assert ids == ["a/x.json#", "b/x.json#"], ids


def test_escaping_goes_through_the_shell_quoting_module() -> None:
    from stepflow_codegen.shell import join, quote

    for arg in ["plain", "x; touch P", "a'b", "new\nline", "tab\tand\u2028sep", "\u202eevil", "", "$(x)", "é"]:
        q = quote(arg)
        assert "\n" not in q and "\u2028" not in q and "\u202e" not in q
        p = subprocess.run(["bash", "-c", f"printf '%s' {q}"], capture_output=True, timeout=30)
        assert p.stdout.decode("utf-8") == arg, (arg, q)
    assert shlex.split(join(["a b", "c"])) == ["a b", "c"]


def test_shell_quote_is_shlex_quote() -> None:
    """``shell.quote`` quotes as ``shlex.quote`` (shlex is not imported by a run) wherever no line
    break or invisible character needs bash's ``$'...'`` form."""
    from stepflow_codegen.shell import _shell_quote, quote

    chars = "ab Z09_@%+=:,./-'\"\\$`!*?[]{}()<>|&;#~^\té\u2028\u202e\x00\x7f"
    rng = __import__("random").Random(7)
    args = ["", "-", "'", "''", *chars] + ["".join(rng.choice(chars) for _ in range(rng.randint(1, 8))) for _ in range(3000)]
    for arg in args:
        assert _shell_quote(arg) == shlex.quote(arg), arg
        if arg.isprintable() and "\u202e" not in arg and "\xad" not in arg:
            assert quote(arg) == shlex.quote(arg), arg


def test_scaffolded_project_with_hostile_descriptions(tmp_path: Path) -> None:
    """``add-component --description TEXT``: the text reaches the manifest, the stub's docstring and
    the generated package; every Python file of the project still compiles, nothing runs."""
    project = _project(tmp_path)
    texts = [f'"""; {PY_PAYLOAD}; """', f"a\\\n{PY_PAYLOAD}\n\"", "\u2028\u202e*/ # \r\n'''\\", "\ud800\x00\x1b[31m"]
    for i, text in enumerate(texts):
        r = cli("add-component", f"comp{i}", "--description", text.replace("\ud800", "?").replace("\x00", "0"), cwd=project)
        assert r.returncode == 0, r.stderr
    for path in sorted(project.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        compile(source, str(path), "exec")
        assert "__import__" not in python_names(source), path
    import_without_side_effects([(project, "demo")], tmp_path)
    p = subprocess.run([sys.executable, "-c", "import demo.impl, demo.generated"], cwd=project, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and not (project / PAYLOAD_DIR).exists(), p.stderr
    r = cli("check", "-q", cwd=project)
    assert r.returncode == 0, r.stderr
