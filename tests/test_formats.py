"""``--formats assert``: the reference checks (stepflow_codegen.ir.formats), the ``jsonschema``
oracle, and the generated Python, TypeScript and Rust validators against the reference on a corpus
of strings (the suite's examples and mutations of them), plus the command line.

The optional format tests of the JSON Schema Test Suite themselves run in
tests/test_json_schema_suite.py (``test_formats_*``).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from stepflow_codegen.diagnostics import Diagnostics
from stepflow_codegen.frontend import build_program
from stepflow_codegen.ir import formats as F
from stepflow_codegen.ir.evaluate import Evaluator

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.suite.fetch import suite_dir
from tests.suite.harness import LANGS, Unit, run_units

ALPHABET = "0129:.-Tt Zz+/@[]%~#aFgP\\\"vV_é৪"


def _suite_strings() -> dict[str, list[tuple[str, bool]]]:
    """Format -> (string, valid) of the suite's optional format tests (draft-07 and 2020-12)."""
    out: dict[str, list[tuple[str, bool]]] = {}
    for draft in ("draft7", "draft2020-12"):
        for path in sorted((suite_dir() / "tests" / draft / "optional" / "format").glob("*.json")):
            for case in json.loads(path.read_text(encoding="utf-8")):
                fmt = case["schema"].get("format")
                for t in case["tests"]:
                    if isinstance(t["data"], str) and fmt in F.ASSERTED:
                        out.setdefault(fmt, []).append((t["data"], bool(t["valid"])))
    return out


def corpus(fmt: str, size: int = 400) -> list[str]:
    """Deterministic strings for one format: every suite string (of every format: a hostname is a
    fine non-date) and random one- and two-character mutations of this format's examples."""
    every = sorted({s for pairs in _suite_strings().values() for s, _ in pairs})
    own = sorted({s for s, _ in _suite_strings()[fmt]})
    rng = random.Random(fmt)
    out = list(every)
    seen = set(out)
    extra = ["", "0", "P1W", "PT1H2M3S", "::", "0#", "1999-12-31T23:59:60Z", "23:59:60-00:00", "[::1]",
             "http://[v1.x]/", "a@b", "x:y", "//h:80/p?q#f", "%4", "%zz", "1.2.3.04", "a" * 64 + ".com", "a." * 127]
    candidates = extra + [_mutate(rng, rng.choice(own)) for _ in range(size * 3)]
    for s in candidates:
        if s not in seen:
            seen.add(s)
            out.append(s)
        if len(out) >= len(every) + size:
            break
    return out


def _mutate(rng: random.Random, s: str) -> str:
    """One or two edits: a deletion, a replacement or an insertion of a character of
    :data:`ALPHABET`, or a digit replaced by a digit (mostly still valid: leap days, 255 vs 256...)."""
    for _ in range(rng.choice((1, 1, 2))):
        op = rng.randrange(5)
        digits = [k for k, ch in enumerate(s) if ch in "0123456789"]
        if op >= 3 and digits:
            k = rng.choice(digits)
            s = s[:k] + rng.choice("0123456789") + s[k + 1 :]
            continue
        i = rng.randrange(len(s) + 1)
        c = rng.choice(ALPHABET)
        if op == 0 and s:
            s = s[: min(i, len(s) - 1)] + s[min(i, len(s) - 1) + 1 :]
        elif op == 1 and s:
            j = min(i, len(s) - 1)
            s = s[:j] + c + s[j + 1 :]
        else:
            s = s[:i] + c + s[i:]
    return s


# -- the reference ------------------------------------------------------------------------------


def test_reference_agrees_with_the_suite() -> None:
    strings = _suite_strings()
    assert sorted(strings) == sorted(F.ASSERTED)
    wrong = [(fmt, s, ok) for fmt, pairs in strings.items() for s, ok in pairs if F.check(fmt, s) != ok]
    assert not wrong
    assert sum(len(p) for p in strings.values()) > 450


@pytest.mark.parametrize("fmt", ["date", "ipv4", "ipv6", "uuid"])
def test_reference_agrees_with_jsonschema(fmt: str) -> None:
    """jsonschema's FormatChecker (the checkers it has without extra packages) is an independent oracle."""
    checker = jsonschema.FormatChecker()
    assert fmt in checker.checkers
    strings = corpus(fmt, 2000)
    if fmt == "uuid":
        # the oracle reads a UUID with Python's uuid.UUID, which also takes '_' and non-ASCII digits
        # (int(x, 16) does): RFC 4122 has hex digits only, so there it is only a bound
        lenient = [s for s in strings if "_" in s or not s.isascii()]
        assert all(checker.conforms(s, fmt) or not F.check(fmt, s) for s in lenient)
        strings = [s for s in strings if s not in lenient]
    wrong = [s for s in strings if F.check(fmt, s) != checker.conforms(s, fmt)]
    assert not wrong, wrong[:20]
    assert sum(F.check(fmt, s) for s in strings) > 40  # both valid and invalid strings were compared


def test_email_is_stricter_than_jsonschema() -> None:
    """jsonschema's email check only asks for an ``@``: whatever we accept, it accepts."""
    checker = jsonschema.FormatChecker()
    strings = corpus("email", 2000)
    assert all(checker.conforms(s, "email") for s in strings if F.check("email", s))
    assert any(checker.conforms(s, "email") and not F.check("email", s) for s in strings)


def test_regex_agrees_with_jsonschema_on_common_patterns() -> None:
    """jsonschema compiles the pattern with Python's ``re``; on ordinary patterns ECMA-262 agrees."""
    checker = jsonschema.FormatChecker()
    patterns = ["([abc])+\\s+$", "^(abc]", "^[a-z]+$", "a{2,3}", "(", ")", "[", "a**", "\\d+(\\.\\d+)?", "^$", "x|y",
                "[^/]+", "a{3,1}", "(?:x)"]
    assert [F.check("regex", p) for p in patterns] == [checker.conforms(p, "regex") for p in patterns]


def test_evaluator_asserts_only_in_assert_mode_and_only_strings(tmp_path: Path) -> None:
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "T",
              "properties": {"d": {"format": "date"}, "u": {"format": "no-such-format"}, "c": {"format": "iri"}}}
    (tmp_path / "t.json").write_text(json.dumps(schema), encoding="utf-8")
    for mode, rejects in (("annotate", False), ("assert", True)):
        program = build_program([tmp_path / "t.json"], Diagnostics(), cwd=tmp_path, formats=mode)
        assert program.validation is not None
        ev = Evaluator(program.validation)
        node = program.validation.node_for(program.roots[0].type)
        assert node is not None
        assert ev.is_valid(node, {"d": "2020-02-30"}) is not rejects
        assert ev.is_valid(node, {"d": "2020-02-29", "u": "anything", "c": "not an iri"})
        assert ev.is_valid(node, {"d": 12})  # a format applies to strings only


# -- the generated code of every language, against the reference ---------------------------------


@pytest.fixture(scope="module")
def differential(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Unit], dict[str, Any], dict[str, list[str]]]:
    units, strings = [], {}
    # regex: each language asks its own engine (Python re, JavaScript RegExp, the regex crate); the
    # engines differ from ECMA-262 at the edges (docs/conformance.md), so it is not compared here
    for fmt in [f for f in F.ASSERTED if f != "regex"]:
        strings[fmt] = corpus(fmt)
        units.append(Unit(
            key=f"formats/{fmt}",
            files={"schema.json": {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Checked",
                                   "type": "string", "format": fmt}},
            root_file="schema.json",
            documents=[json.dumps(s, ensure_ascii=False) for s in strings[fmt]],
        ))
    import os

    os.environ["STEPFLOW_SUITE_FORMATS"] = "assert"
    try:
        outcomes, _ = run_units(units, LANGS, ROOT / ".cache" / "suite-work" / "pytest-format-differential")
    finally:
        os.environ.pop("STEPFLOW_SUITE_FORMATS", None)
    return units, outcomes, strings


@pytest.mark.parametrize("lang", LANGS)
def test_generated_validators_agree_with_the_reference(
    lang: str, differential: tuple[list[Unit], dict[str, Any], dict[str, list[str]]]
) -> None:
    """Each language's generated validators judge every corpus string as the reference does.

    The reference (``ir/formats.py``) runs the checks of ``templates/python/runtime/_formats.py``, the
    module the Python target ships (regex apart: ECMA-262 there), so for Python this checks the
    wiring (the validators call the right check, on strings only), not the checks themselves; those
    are judged independently by ``jsonschema`` (``test_reference_agrees_with_jsonschema``) and by the
    suite's optional format tests.  TypeScript and Rust have checks of their own."""
    units, outcomes, strings = differential
    compared = 0
    wrong = []
    for unit, per_doc in zip(units, outcomes[lang]):
        fmt = unit.key.split("/", 1)[1]
        for s, o in zip(strings[fmt], per_doc):
            assert o.unit_error is None, o.unit_error
            compared += 1
            if o.accepted != F.check(fmt, s):
                wrong.append((fmt, s, o.accepted, o.error))
    assert not wrong, wrong[:20]
    assert compared > 13 * 400


# -- command line --------------------------------------------------------------------------------


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "stepflow_codegen", *args], cwd=cwd, capture_output=True, text=True, check=False)


def test_cli_formats_option_and_config(tmp_path: Path) -> None:
    (tmp_path / "s.json").write_text(json.dumps({"title": "S", "type": "string", "format": "uuid"}), encoding="utf-8")
    r = _cli("python", "s.json", "-o", "plain", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert not (tmp_path / "plain" / "_formats.py").exists()
    assert "--formats" not in (tmp_path / "plain" / "types.py").read_text(encoding="utf-8")
    r = _cli("python", "s.json", "-o", "checked", "--formats", "assert", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "checked" / "_formats.py").is_file()
    assert "stepflow-codegen python s.json -o checked --formats assert" in (tmp_path / "checked" / "types.py").read_text(encoding="utf-8")
    r = _cli("typescript", "s.json", "-o", "ts", "--formats", "assert", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "ts" / "formats.ts").is_file()
    r = _cli("rust", "s.json", "-o", "rs", "--formats", "assert", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "pub fn format_uuid" in (tmp_path / "rs" / "src" / "runtime.rs").read_text(encoding="utf-8")
    assert "regex" not in (tmp_path / "rs" / "Cargo.toml").read_text(encoding="utf-8")
    r = _cli("python", "s.json", "-o", "x", "--formats", "strict", cwd=tmp_path)
    assert r.returncode == 2
    (tmp_path / "pyproject.toml").write_text(
        '[[tool.stepflow-codegen.targets]]\nlanguage = "python"\nschemas = ["s.json"]\nout = "cfg"\nformats = "assert"\n',
        encoding="utf-8",
    )
    r = _cli("generate", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "cfg" / "_formats.py").is_file()
    r = _cli("check", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    (tmp_path / "pyproject.toml").write_text(
        '[[tool.stepflow-codegen.targets]]\nlanguage = "python"\nschemas = ["s.json"]\nout = "cfg"\nformats = "yes"\n',
        encoding="utf-8",
    )
    r = _cli("generate", cwd=tmp_path)
    assert r.returncode == 2 and "formats must be 'annotate' or 'assert'" in r.stderr


# -- the hand-written runtime files, as the generated packages carry them ------------------------

TEMPLATES = ROOT / "templates"


def _all_formats_schema(tmp_path: Path) -> Path:
    defs = {f"F{i}": {"type": "string", "format": fmt} for i, fmt in enumerate(F.ASSERTED)}
    schema = tmp_path / "all.json"
    schema.write_text(json.dumps({"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "All",
                                  "type": "object", "properties": {k: {"$ref": f"#/$defs/{k}"} for k in defs},
                                  "$defs": defs}), encoding="utf-8")
    return schema


def test_python_runtime_is_copied_and_lint_clean(tmp_path: Path) -> None:
    source = TEMPLATES / "python" / "runtime" / "_formats.py"
    schema = _all_formats_schema(tmp_path)
    r = _cli("python", str(schema), "-o", str(tmp_path / "allfmt"), "--formats", "assert", "-q", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    copy = (tmp_path / "allfmt" / "_formats.py").read_text(encoding="utf-8")
    assert copy.startswith("# generated by stepflow-codegen") and copy.split("\n", 2)[2] == source.read_text(encoding="utf-8")
    validators = (tmp_path / "allfmt" / "_validators.py").read_text(encoding="utf-8")
    assert "from ._formats import " + ", ".join(sorted("is_" + f.replace("-", "_") for f in F.ASSERTED)) in validators
    for cmd in (["ruff", "check", "--no-cache", str(source)], ["black", "--check", "-q", str(source)],
                ["mypy", "--strict", "--no-incremental", "allfmt"]):
        p = subprocess.run([sys.executable, "-m", *cmd], cwd=tmp_path, capture_output=True, text=True, check=False)
        assert p.returncode == 0, (cmd, p.stdout + p.stderr)


def test_typescript_runtime_is_prettier_clean() -> None:
    from tests.suite.harness import _node_bin

    files = [str(TEMPLATES / "typescript" / "runtime" / n) for n in ("formats.ts", "runtime.ts")]
    p = subprocess.run([str(_node_bin() / "prettier"), "--check", "--no-config", "--no-editorconfig", *files],
                       capture_output=True, text=True, check=False)
    assert p.returncode == 0, p.stdout + p.stderr


def test_rust_crate_with_every_format_is_clippy_clean(tmp_path: Path) -> None:
    """The crate's runtime.rs ends with formats.rs and format_regex.rs (the regex format needs the
    regex crate); clippy -D warnings and rustfmt pass, and the checks hold (cargo, offline)."""
    import os

    runtime = TEMPLATES / "rust" / "runtime"
    p = subprocess.run(["rustfmt", "--check", "--edition", "2021", "--config-path", str(runtime / "rustfmt.toml"),
                        str(runtime / "formats.rs"), str(runtime / "format_regex.rs")],
                       capture_output=True, text=True, check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    crate = tmp_path / "allfmt"
    r = _cli("rust", str(_all_formats_schema(tmp_path)), "-o", str(crate), "--formats", "assert", "-q", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    text = (crate / "src" / "runtime.rs").read_text(encoding="utf-8")
    assert text.endswith("\n" + (runtime / "formats.rs").read_text(encoding="utf-8") + "\n"
                         + (runtime / "format_regex.rs").read_text(encoding="utf-8"))
    assert "\nregex = " in (crate / "Cargo.toml").read_text(encoding="utf-8")
    (crate / "tests").mkdir()
    (crate / "tests" / "formats.rs").write_text(
        "use allfmt::decode;\nuse allfmt::types::All;\n\n#[test]\nfn formats() {\n"
        '    assert!(decode::<All>(r#"{"F0": "2020-02-29", "F1": "2020-02-29T23:59:60Z", "F4": "a.b"}"#).is_ok());\n'
        '    assert!(decode::<All>(r#"{"F0": "2021-02-29"}"#).is_err());\n'
        '    assert!(decode::<All>(r#"{"F8": "(a"}"#).is_err());\n'
        '    assert!(decode::<All>(r#"{"F8": "a+"}"#).is_ok());\n}\n',
        encoding="utf-8",
    )
    target = Path(os.environ.get("STEPFLOW_CARGO_TARGET_DIR", ROOT / "tests" / "rust" / "target"))
    env = dict(os.environ, CARGO_TARGET_DIR=str(target))
    for args in (["clippy", "--all-targets", "--", "-D", "warnings"], ["test"]):
        p = subprocess.run(["cargo", args[0], "--offline", "--quiet", *args[1:]], cwd=crate, env=env,
                           capture_output=True, text=True, timeout=900, check=False)
        assert p.returncode == 0, (args, p.stdout[-3000:] + p.stderr[-3000:])
