"""The Rust target: committed output, goldens, escaping and naming, and cargo on the generated crates.

* ``generated/rust`` (the committed crate) must be what the generator writes today; cargo builds,
  tests, clippies (``-D warnings``) and formats (``--check``) it with the dependencies pinned in its
  ``Cargo.lock`` (``--locked``).
* ``tests/rust/golden/<fixture>`` are the crates generated from ``tests/fixtures/schemas/<fixture>``
  (regenerate with ``UPDATE_GOLDENS=1 .venv/bin/python -m pytest tests/test_rust.py``); with the
  hand-written ``capture_roundtrip`` (every message of the real 0.9 capture decoded, re-encoded and
  compared; invalid messages rejected with the right code and id) and ``features_check`` crates
  they form the ``tests/rust`` workspace, which must compile, pass clippy, rustfmt and its tests.

Every cargo run shares one target directory (``$STEPFLOW_CARGO_TARGET_DIR``, default
``tests/rust/target``, git-ignored), so dependencies compile once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from stepflow_codegen.diagnostics import Diagnostics  # noqa: E402
from stepflow_codegen.frontend import build_program  # noqa: E402
from stepflow_codegen.targets.rust import check_name  # noqa: E402
from stepflow_codegen.targets.rust.escape import doc_lines, rust_comment, rust_doc, rust_str  # noqa: E402
from stepflow_codegen.targets.rust.render import RustOptions, render_rust  # noqa: E402

RUST = ROOT / "tests" / "rust"
GOLDEN = RUST / "golden"
FIXTURES = ROOT / "tests" / "fixtures" / "schemas"
GENERATED = ROOT / "generated" / "rust"
CAPTURE = ROOT.parent / "shared" / "interop" / "0.9" / "capture.jsonl"
FIXTURE_NAMES = ["collisions", "draft07", "features", "multifile"]
UPDATE = os.environ.get("UPDATE_GOLDENS") == "1"
TARGET_DIR = Path(os.environ.get("STEPFLOW_CARGO_TARGET_DIR", RUST / "target"))


def render(schemas: str, out: str, package: str | None = None) -> tuple[dict[str, str], str]:
    """Render like ``stepflow-codegen rust SCHEMAS -o OUT [--package NAME]`` run from the repository."""
    command = f"stepflow-codegen rust {schemas} -o {out}" + (f" --package {package}" if package else "")
    diags = Diagnostics()
    program = build_program([ROOT / schemas], diags, cwd=ROOT)
    files = render_rust(program, RustOptions(package or Path(out).name, command), diags)
    return files, "".join(d.render() + "\n" for d in diags.sorted())


def read_tree(root: Path) -> dict[str, str]:
    skip = {"Cargo.lock", "diagnostics.txt"}
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*"))
        if p.is_file() and "target" not in p.relative_to(root).parts and p.name not in skip
    }


def write_tree(root: Path, files: dict[str, str]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8", newline="\n")


# ---------------------------------------------------------------------------------------------
# generated output
# ---------------------------------------------------------------------------------------------


def test_generated_rust_is_up_to_date() -> None:
    files, _ = render("schemas/", "generated/rust")
    assert read_tree(GENERATED) == files, "generated/rust is stale: run .venv/bin/stepflow-codegen rust schemas/ -o generated/rust"
    assert (GENERATED / "Cargo.lock").is_file(), "generated/rust/Cargo.lock must be committed (cargo generate-lockfile)"


def test_cli_check_mode_agrees() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "stepflow_codegen", "rust", "schemas/", "-o", "generated/rust", "--check", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_goldens(name: str) -> None:
    files, diags = render(f"tests/fixtures/schemas/{name}/", f"tests/rust/golden/{name}", package=name)
    root = GOLDEN / name
    if UPDATE:
        if root.is_dir():
            for path in root.rglob("*"):
                if path.is_file() and "target" not in path.parts:
                    path.unlink()
        write_tree(root, files)
        (root / "diagnostics.txt").write_text(diags, encoding="utf-8", newline="\n")
    assert read_tree(root) == files, f"golden {name} is stale: UPDATE_GOLDENS=1 .venv/bin/python -m pytest tests/test_rust.py"
    assert (root / "diagnostics.txt").read_text(encoding="utf-8") == diags


def test_output_is_deterministic(tmp_path: Path) -> None:
    code = (
        "import sys, hashlib; sys.path.insert(0, sys.argv[1]); sys.path.insert(0, sys.argv[1] + '/tests')\n"
        "import test_rust as t\n"
        "h = hashlib.sha256()\n"
        "for args in [('schemas/', 'generated/rust', None)] + [(f'tests/fixtures/schemas/{n}/', f'tests/rust/golden/{n}', n) for n in t.FIXTURE_NAMES]:\n"
        "    files, diags = t.render(*args)\n"
        "    for k in sorted(files): h.update(k.encode() + files[k].encode())\n"
        "    h.update(diags.encode())\n"
        "print(h.hexdigest())\n"
    )
    digests = set()
    for seed in ("1", "4242"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        r = subprocess.run([sys.executable, "-c", code, str(ROOT)], cwd=ROOT, env=env, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        digests.add(r.stdout.strip())
    assert len(digests) == 1


def test_every_file_carries_the_header() -> None:
    for rel, content in read_tree(GENERATED).items():
        comment = "#" if rel.endswith(".toml") else "//"
        assert content.startswith(
            f"{comment} generated by stepflow-codegen, do not edit.\n"
            f"{comment} regenerate with: stepflow-codegen rust schemas/ -o generated/rust\n"
        ), rel
        assert "stepflow_codegen" not in content, rel


RUNTIME = ROOT / "templates" / "rust" / "runtime"


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_runtime_is_the_source_files_after_the_header(name: str) -> None:
    """src/runtime.rs is templates/rust/runtime/runtime.rs, then the pattern engine when the
    schemas have a pattern (pattern_regex.rs, or pattern_fancy.rs when one needs fancy-regex), and
    Cargo.toml asks for exactly the crates that engine uses."""
    golden = GOLDEN / name
    manifest = (golden / "Cargo.toml").read_text(encoding="utf-8")
    regex, fancy = "\nregex = " in manifest, "\nfancy-regex = " in manifest
    text = (golden / "src" / "runtime.rs").read_text(encoding="utf-8").split("\n", 2)[2]
    expected = "\n" + (RUNTIME / "runtime.rs").read_text(encoding="utf-8")
    if regex:
        expected += "\n" + (RUNTIME / ("pattern_fancy.rs" if fancy else "pattern_regex.rs")).read_text(encoding="utf-8")
    assert text == expected
    assert ("pub struct Pattern" in text) == regex and ("fancy_regex::" in text) == fancy
    for source in ("runtime.rs", "pattern_regex.rs", "pattern_fancy.rs"):
        body = (RUNTIME / source).read_text(encoding="utf-8")
        assert "{%" not in body and "{#" not in body, source  # Rust format strings hold {{, never a Jinja tag


def test_both_runtimes_render_for_the_many_schema_harness() -> None:
    from stepflow_codegen.targets.rust.render import render_runtime

    both = render_runtime("x")
    assert both.endswith((RUNTIME / "pattern_fancy.rs").read_text(encoding="utf-8"))
    assert render_runtime("x", regex=True, fancy=False).endswith((RUNTIME / "pattern_regex.rs").read_text(encoding="utf-8"))
    plain = render_runtime("x", regex=False)
    assert plain.endswith((RUNTIME / "runtime.rs").read_text(encoding="utf-8")) and "pub struct Pattern" not in plain
    assert render_runtime("x", regex=False, fancy=True) == plain  # fancy-regex only ever comes with regex


def test_fancy_pattern_engine_compiles_and_matches(tmp_path: Path) -> None:
    """No fixture needs fancy-regex, so a crate with a look-ahead pattern is generated here: its
    runtime.rs ends with pattern_fancy.rs, it is clippy-clean and the patterns hold (cargo, offline:
    the crates are the ones the regex oracle of tests/test_ecma_regex.py locks)."""
    schema = tmp_path / "s.json"
    schema.write_text(
        '{"$schema": "https://json-schema.org/draft/2020-12/schema", "$defs": {'
        '"Word": {"type": "string", "pattern": "^(?!x)\\\\w+(?=!)"}, "Plain": {"type": "string", "pattern": "^a+$"}}}',
        encoding="utf-8",
    )
    crate = tmp_path / "fancycheck"
    r = subprocess.run([sys.executable, "-m", "stepflow_codegen", "rust", str(schema), "-o", str(crate), "-q"],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    assert (crate / "src" / "runtime.rs").read_text(encoding="utf-8").endswith(
        "\n" + (RUNTIME / "pattern_fancy.rs").read_text(encoding="utf-8"))
    assert "\nfancy-regex = " in (crate / "Cargo.toml").read_text(encoding="utf-8")
    (crate / "tests").mkdir()
    (crate / "tests" / "patterns.rs").write_text(
        "use fancycheck::decode;\nuse fancycheck::types::{Plain, Word};\n\n#[test]\nfn patterns() {\n"
        '    assert!(decode::<Word>("\\"ab!\\"").is_ok());\n'
        '    assert!(decode::<Word>("\\"xb!\\"").is_err());\n'
        '    assert!(decode::<Word>("\\"ab\\"").is_err());\n'
        '    assert!(decode::<Plain>("\\"aaa\\"").is_ok());\n'
        '    assert!(decode::<Plain>("\\"ab\\"").is_err());\n}\n',
        encoding="utf-8",
    )
    env = dict(os.environ, CARGO_TARGET_DIR=str(TARGET_DIR))
    for args in (["clippy", "--all-targets", "--", "-D", "warnings"], ["test"]):
        r = subprocess.run(["cargo", args[0], "--offline", "--quiet", *args[1:]], cwd=crate, env=env,
                           capture_output=True, text=True, timeout=900)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "test result: ok. 1 passed" in r.stdout, r.stdout


def test_pattern_engines_differ_only_by_fancy_regex() -> None:
    """pattern_fancy.rs is pattern_regex.rs plus the fancy-regex engine, nothing else: the two stay in step."""
    import difflib

    plain = (RUNTIME / "pattern_regex.rs").read_text(encoding="utf-8").splitlines()
    fancy = (RUNTIME / "pattern_fancy.rs").read_text(encoding="utf-8").splitlines()
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=plain, b=fancy, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        assert tag == "insert", (tag, plain[i1:i2], fancy[j1:j2])
        added = "\n".join(fancy[j1:j2])
        assert "fancy" in added.lower(), added


# ---------------------------------------------------------------------------------------------
# escaping and naming
# ---------------------------------------------------------------------------------------------

HOSTILE = [
    'a"b',
    "c\\d",
    "line\nbreak\rcr",
    '"); panic!("x',
    "*/ /* // ///",
    "\u202e bidi \u2066 \u2028 \u2029 \u0085 \x00 \x1b \ufeff",
    "tab\tend",
    "ünïcödé ✓ 😀",
    "{}{{}}",
    "",
]


def _rust_unescape(literal: str) -> str:
    """Evaluate a Rust string literal made by rust_str (only the escapes it emits)."""
    assert literal[0] == literal[-1] == '"'
    body, out, i = literal[1:-1], [], 0
    while i < len(body):
        c = body[i]
        assert c not in '"\n\r', f"raw {c!r} inside a literal"
        if c != "\\":
            out.append(c)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt == "u":
            end = body.index("}", i)
            out.append(chr(int(body[i + 3 : end], 16)))
            i = end + 1
        else:
            out.append({"n": "\n", "r": "\r", "t": "\t", "0": "\0", "\\": "\\", '"': '"'}[nxt])
            i += 2
    return "".join(out)


@pytest.mark.parametrize("text", HOSTILE)
def test_rust_str_is_exact_and_closed(text: str) -> None:
    literal = rust_str(text)
    assert _rust_unescape(literal) == text
    assert "\n" not in literal and "\r" not in literal and "\u202e" not in literal and "\u2028" not in literal


@pytest.mark.parametrize("text", HOSTILE + ["```rust\nfn main() {}\n```", "    indented\n\tcode", "- a\nlazy", "[link] <tag> `a<b>`"])
def test_rust_doc_cannot_break_out(text: str) -> None:
    doc = rust_doc(text, 4)
    for line in doc.split("\n") if doc else []:
        assert line.startswith("    ///"), repr(line)
        assert "\r" not in line and "\u2028" not in line and "\u202e" not in line and "\x00" not in line
    for line in doc_lines(text):
        assert not line.startswith(("```", "~~~", "    ")), repr(line)  # no code block, so no doctest
    assert "\n" not in rust_comment(text) and "\r" not in rust_comment(text)


def test_crate_names() -> None:
    assert check_name("rust") is None and check_name("my-crate") is None
    for bad in ("9lives", "a b", "self", "serde", "std", "type", "ünï"):
        assert check_name(bad), bad


def test_naming_policy_is_reported() -> None:
    text = (GOLDEN / "collisions" / "diagnostics.txt").read_text(encoding="utf-8")
    for expected in (
        "Rust type 'foo_bar' is named 'FooBar2' ('FooBar' is already used by FooBar)",
        "Rust type 'foo-bar' is named 'CollisionsFooBar' ('FooBar' is already used by FooBar)",
        "Rust type 'None' is named 'CollisionsNone' ('None' is reserved)",
        "property '$type' of Props is the Rust field 'type_2' ('type' is already used by type)",
        "property 'fooBar' of Props is the Rust field 'foo_bar_2' ('foo_bar' is already used by foo_bar)",
        "property 'self' of Props is the Rust field 'self_' ('self' is reserved)",
        "property 'type' of Props is the Rust field r#type ('type' is a keyword)",
        "property 'additional_properties' of OpenProps is the Rust field 'additional_properties_'",
    ):
        assert expected in text, expected
    types = (GOLDEN / "collisions" / "src" / "types.rs").read_text(encoding="utf-8")
    assert "pub r#type: Option<String>," in types
    assert '#[serde(rename = "$type")]' in types
    assert '#[serde(rename = "x\\"\\ny")]' in types  # a property name with a quote and a newline
    assert "pub struct Class {" in types and "pub enum CollisionsNone {" in types


def test_protocol_names() -> None:
    protocol = (GENERATED / "src" / "protocol.rs").read_text(encoding="utf-8")
    types = (GENERATED / "src" / "types.rs").read_text(encoding="utf-8")
    assert "pub enum Method {" in protocol and "pub fn decode_message(text: &str) -> Result<Message, ProtocolError>" in protocol
    assert "pub struct ComponentsExecuteRequest {" in protocol and "pub params: types::ComponentExecuteParams," in protocol
    assert "pub type ProtocolValue = Value;" in types  # 'Value' is reserved
    assert '#[serde(tag = "outcome")]' in types  # FlowResult is a serde internally tagged enum
    assert "pub max_concurrency: Option<Option<u64>>," in types  # optional + nullable
    assert "pub attempt: u32," in types and "pub code: i64," in types


# ---------------------------------------------------------------------------------------------
# cargo
# ---------------------------------------------------------------------------------------------

@pytest.fixture
def _cargo_installed() -> None:
    assert shutil.which("cargo") is not None, "cargo is not installed: install the Rust toolchain (rustup) first"


needs_cargo = pytest.mark.usefixtures("_cargo_installed")


def cargo(*args: str, cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CARGO_TARGET_DIR=str(TARGET_DIR), CARGO_TERM_COLOR="never", STEPFLOW_CAPTURE=str(CAPTURE))
    env.pop("RUSTFLAGS", None)
    env["RUSTDOCFLAGS"] = "-D warnings"  # doc comments made from schema text must be clean Markdown
    r = subprocess.run(["cargo", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"cargo {' '.join(args)} (in {cwd}) failed:\n{r.stdout[-6000:]}\n{r.stderr[-6000:]}"
    return r


@needs_cargo
def test_generated_crate_builds_tests_lints_and_is_formatted() -> None:
    cargo("build", "--locked", cwd=GENERATED)
    r = cargo("test", "--locked", cwd=GENERATED)
    assert "test result: ok" in r.stdout
    cargo("clippy", "--locked", "--all-targets", "--", "-D", "warnings", cwd=GENERATED)
    cargo("fmt", "--check", cwd=GENERATED)
    cargo("doc", "--locked", "--no-deps", cwd=GENERATED)


@needs_cargo
def test_golden_crates_and_capture_round_trip() -> None:
    assert CAPTURE.is_file(), f"the real 0.9 capture is missing: {CAPTURE} (CI needs shared/ beside the repo)"
    cargo("fmt", "--all", "--check", cwd=RUST)
    cargo("clippy", "--locked", "--workspace", "--all-targets", "--", "-D", "warnings", cwd=RUST)
    cargo("doc", "--locked", "--no-deps", "-p", "collisions", cwd=RUST)  # hostile descriptions stay inert
    r = cargo("test", "--locked", "-p", "capture_roundtrip", "-p", "features_check", cwd=RUST)
    assert "test result: FAILED" not in r.stdout
    assert r.stdout.count("test result: ok") >= 3


def test_cargo_toml_description_is_escaped_for_toml() -> None:
    """Schema text in Cargo.toml (the description) cannot break out of its TOML string."""
    import tomllib

    from stepflow_codegen.targets.rust.render import _toml_str

    for text in ['a"b\\c', "x\x7fy\x01\nz", "é 😀", '"""\n[package]\nname = "evil"', "\ud800x"]:
        parsed = tomllib.loads("d = " + _toml_str(text) + "\n")
        assert parsed == {"d": text.replace("\ud800", "\ufffd")}, text
