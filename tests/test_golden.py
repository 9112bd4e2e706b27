"""Golden tests: every fixture folder renders byte for byte to ``tests/golden/<name>/``.

Regenerate with ``UPDATE_GOLDENS=1 .venv/bin/python -m pytest tests/test_golden.py`` and review the
diff.  The goldens are also checked with ``black --check`` and ``mypy --strict`` (once for all of
them, together with an ``--defaults apply`` rendering of each), and each golden package imports.
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import GOLDEN, REPO, UPDATE_COMMAND, golden_names, load_package, read_tree, render, write_tree

NAMES = golden_names()
UPDATE = os.environ.get("UPDATE_GOLDENS") == "1"


def _diff(expected: dict[str, str], actual: dict[str, str], where: str) -> str:
    out: list[str] = []
    for rel in sorted(set(expected) | set(actual)):
        old = expected.get(rel, "").splitlines(keepends=True)
        new = actual.get(rel, "").splitlines(keepends=True)
        out.extend(difflib.unified_diff(old, new, f"{where}/{rel} (golden)", f"{where}/{rel} (rendered)"))
    text = "".join(out)
    return text if len(text) < 6000 else text[:6000] + "\n... (diff truncated)\n"


def test_fixtures_exist() -> None:
    assert {"features", "draft07", "multifile", "collisions"} <= set(NAMES)


def test_no_orphan_goldens() -> None:
    orphans = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir() and p.name not in NAMES)
    if UPDATE:
        for name in orphans:
            shutil.rmtree(GOLDEN / name)
        orphans = []
    assert not orphans, f"tests/golden has folders without a fixture: {orphans}; regenerate with:\n    {UPDATE_COMMAND}"


@pytest.mark.parametrize("name", NAMES)
def test_golden(name: str) -> None:
    files, diags = render(name)
    expected_files = {f"python/{k}": v for k, v in files.items()}
    expected_files["diagnostics.txt"] = diags
    golden_dir = GOLDEN / name
    if UPDATE:
        if (golden_dir / "python").exists():
            shutil.rmtree(golden_dir / "python")
        write_tree(golden_dir, expected_files)
    current = read_tree(golden_dir)
    assert current == expected_files, (
        f"tests/golden/{name} is stale; if the change is intended, regenerate with:\n"
        f"    {UPDATE_COMMAND}\n" + _diff(current, expected_files, f"tests/golden/{name}")
    )


@pytest.mark.parametrize("name", NAMES)
def test_golden_render_is_stable(name: str) -> None:
    """Rendering twice in one process gives the same text (no state leaks between runs)."""
    assert render(name) == render(name)


def test_goldens_are_black_clean() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "black", "--check", str(GOLDEN)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def typecheck_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The goldens under distinct package names (they are all called ``python``), plus apply-mode renderings."""
    root = tmp_path_factory.mktemp("typecheck")
    for name in NAMES:
        shutil.copytree(GOLDEN / name / "python", root / f"golden_{name}", ignore=shutil.ignore_patterns("__pycache__"))
        files, _ = render(name, "apply")
        write_tree(root / f"apply_{name}", files)
    return root


def test_goldens_pass_mypy_strict(typecheck_tree: Path) -> None:
    packages = sorted(p.name for p in typecheck_tree.iterdir() if p.is_dir())
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-error-summary",
            "--cache-dir",
            str(REPO / ".mypy_cache"),
            *[arg for p in packages for arg in ("-p", p)],
        ],
        capture_output=True,
        text=True,
        cwd=typecheck_tree,
        env={**os.environ, "MYPYPATH": str(typecheck_tree)},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_apply_renderings_are_black_clean(typecheck_tree: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "black", "--check", *[str(p) for p in sorted(typecheck_tree.glob("apply_*"))]],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("name", NAMES)
def test_golden_imports(name: str) -> None:
    pkg = load_package(GOLDEN / name / "python", f"golden_{name}")
    for export in pkg.__all__:
        assert hasattr(pkg, export), export
    types = sys.modules[f"golden_{name}.types"]
    for export in types.__all__:
        assert getattr(pkg, export) is getattr(types, export)


def test_render_is_independent_of_hash_seed(tmp_path: Path) -> None:
    trees = []
    for seed in ("0", "1"):
        out = tmp_path / f"seed{seed}"
        for defaults in ("preserve", "apply"):
            subprocess.run(
                [sys.executable, str(REPO / "tests" / "conftest.py"), str(out / defaults), defaults],
                check=True,
                cwd=REPO,
                env={**os.environ, "PYTHONHASHSEED": seed},
            )
        trees.append(read_tree(out))
    assert trees[0], "nothing was rendered"
    assert trees[0].keys() == trees[1].keys()
    different = [k for k in trees[0] if trees[0][k] != trees[1][k]]
    assert not different, f"PYTHONHASHSEED changes {different}:\n" + _diff(
        {k: trees[0][k] for k in different}, {k: trees[1][k] for k in different}, "seed"
    )
