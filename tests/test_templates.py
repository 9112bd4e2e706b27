"""Custom templates: a user's templates directory overrides built-in templates, per target.

Each test overrides one template of one target (a copy of the built-in with a marker added), checks
the marker reaches the output and the rest is unchanged, and that the Python output still imports.
docs/templates.md must describe every built-in template, so the documented contexts stay complete,
and every runtime copied as a source file (``templates/<language>/runtime/``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
SCHEMA = ROOT / "tests" / "fixtures" / "schemas" / "features"

# (language, template overridden, file it renders, marker as it appears in that file)
CASES = [
    ("python", "__init__.py.jinja", "__init__.py", "# audited by the platform team"),
    ("typescript", "index.ts.jinja", "index.ts", "// audited by the platform team"),
    ("rust", "lib.rs.jinja", "src/lib.rs", "// audited by the platform team"),
]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "stepflow_codegen", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("language,template,rendered,marker", CASES, ids=[c[0] for c in CASES])
def test_one_template_overridden(tmp_path: Path, language: str, template: str, rendered: str, marker: str) -> None:
    builtin = (TEMPLATES / language / template).read_text(encoding="utf-8")
    custom = tmp_path / "tpl" / language / template
    custom.parent.mkdir(parents=True)
    custom.write_text(builtin.rstrip("\n") + "\n" + marker + "\n", encoding="utf-8")
    plain = run(language, str(SCHEMA), "-o", "plain/pkg", "-q", cwd=tmp_path)
    assert plain.returncode == 0, plain.stderr
    r = run(language, str(SCHEMA), "-o", "custom/pkg", "--templates", "tpl", "-q", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = (tmp_path / "custom" / "pkg" / rendered).read_text(encoding="utf-8")
    assert out.rstrip("\n").endswith(marker)
    # every other file is as the built-in templates write it (headers name the command, which differs)
    strip = lambda text: re.sub(r"regenerate with: .*", "", text)  # noqa: E731
    for f in sorted((tmp_path / "plain" / "pkg").rglob("*")):
        if f.is_file():
            rel = f.relative_to(tmp_path / "plain" / "pkg")
            other = (tmp_path / "custom" / "pkg" / rel).read_text(encoding="utf-8")
            if rel.as_posix() != rendered:
                assert strip(other) == strip(f.read_text(encoding="utf-8")), rel
    assert "--templates tpl" in out.splitlines()[1] or "--templates tpl" in out[:400]
    if language == "python":
        env = dict(os.environ, PYTHONPATH=str(tmp_path / "custom"))
        p = subprocess.run([sys.executable, "-c", "import pkg"], env=env, capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr


def test_templates_from_the_configuration(tmp_path: Path) -> None:
    (tmp_path / "tpl" / "python").mkdir(parents=True)
    builtin = (TEMPLATES / "python" / "types.py.jinja").read_text(encoding="utf-8")
    (tmp_path / "tpl" / "python" / "types.py.jinja").write_text(builtin + "# from the config\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        "[[tool.stepflow-codegen.targets]]\n"
        f'language = "python"\nschemas = ["{SCHEMA.as_posix()}"]\nout = "gen/pkg"\ntemplates = "tpl"\n',
        encoding="utf-8",
    )
    r = run("generate", "-q", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "gen/pkg/types.py").read_text(encoding="utf-8").endswith("# from the config\n")
    assert run("check", "-q", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize(
    "setup,words",
    [
        ("missing", "does not exist"),
        ("no-language-folder", "has no python/ folder"),
        ("syntax-error", "custom template"),
        ("unknown-variable", "custom template"),
    ],
)
def test_bad_templates_exit_2_without_traceback(tmp_path: Path, setup: str, words: str) -> None:
    tpl = tmp_path / "tpl"
    if setup != "missing":
        tpl.mkdir()
    if setup in ("syntax-error", "unknown-variable"):
        (tpl / "python").mkdir()
        body = "{% if %}" if setup == "syntax-error" else "{{ no_such_variable.attribute }}"
        (tpl / "python" / "types.py.jinja").write_text(body, encoding="utf-8")
    r = run("python", str(SCHEMA), "-o", "out/pkg", "--templates", "tpl", cwd=tmp_path)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert words in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "language,former,source",
    [
        ("python", "_runtime.py.jinja", "python/runtime/_runtime.py"),
        ("typescript", "runtime.ts.jinja", "typescript/runtime/runtime.ts"),
        ("rust", "runtime.rs.jinja", "rust/runtime/runtime.rs"),
    ],
)
def test_override_of_a_former_runtime_template_is_refused(tmp_path: Path, language: str, former: str, source: str) -> None:
    """The runtimes are source files copied as they are: an override of the template one used to be
    would be ignored without a word, so it stops the run (exit 2, nothing written)."""
    assert not (TEMPLATES / language / former).exists() and (TEMPLATES / source).is_file()
    (tmp_path / "tpl" / language).mkdir(parents=True)
    (tmp_path / "tpl" / language / former).write_text("{{ header }}\n", encoding="utf-8")
    r = run(language, str(SCHEMA), "-o", "out/pkg", "--templates", "tpl", cwd=tmp_path)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert f"tpl/{language}/{former} overrides nothing" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert not (tmp_path / "out").exists()


def test_docs_describe_every_builtin_template() -> None:
    doc = (ROOT / "docs" / "templates.md").read_text(encoding="utf-8")
    missing = [
        f"{lang.name}/{t.name}"
        for lang in sorted(TEMPLATES.iterdir())
        if lang.is_dir() and lang.name in ("python", "typescript", "rust")
        for t in sorted(lang.glob("*.jinja"))
        if f"`{t.name}`" not in doc
    ]
    assert not missing, f"docs/templates.md does not describe: {missing}"
    copied = [
        f"{lang}/runtime/{f.name}"
        for lang in ("python", "typescript", "rust")
        for f in sorted((TEMPLATES / lang / "runtime").iterdir())
        if f.suffix in (".py", ".ts", ".rs") and f"`runtime/{f.name}`" not in doc
    ]
    assert not copied, f"docs/templates.md does not list the copied runtime files: {copied}"
