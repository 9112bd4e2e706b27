"""The console script's quick exit (``cli.entry``): same exit codes and output as ``main``, exit handlers run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(tmp_path: Path, *args: str, prelude: str = "") -> subprocess.CompletedProcess[str]:
    code = (
        "import sys\n"
        f"{prelude}"
        "from stepflow_codegen.cli import entry\n"
        f"sys.argv = ['stepflow-codegen', *{list(args)!r}]\n"
        "entry()\n"
        "raise AssertionError('entry() returned')\n"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_generates_and_exits_0(tmp_path: Path) -> None:
    out = tmp_path / "python"
    r = _run(tmp_path, "python", "schemas/", "-o", str(out), "--struct-gc", "untracked")  # as in pyproject.toml
    assert r.returncode == 0, r.stderr
    assert "wrote" in r.stderr and "8 changed" in r.stderr
    for f in (ROOT / "generated" / "python").glob("*.py"):
        assert (out / f.name).read_text().split("\n", 2)[2] == f.read_text().split("\n", 2)[2], f.name


def test_exit_codes_and_flushed_output(tmp_path: Path) -> None:
    r = _run(tmp_path, "python", str(tmp_path / "missing.json"), "-o", str(tmp_path / "o"))
    assert r.returncode == 2 and "file not found" in r.stderr
    r = _run(tmp_path, "python")
    assert r.returncode == 2 and "Missing argument" in r.stderr
    r = _run(tmp_path, "--help")
    assert r.returncode == 0 and r.stdout.startswith("Usage: stepflow-codegen") and r.stdout.endswith("\n")
    assert "generate" in r.stdout  # the whole text, not a prefix cut at a buffer boundary
    r = _run(tmp_path, "--version")
    assert r.returncode == 0 and r.stdout.strip() == "stepflow-codegen, version 0.1.0"


def test_exit_handlers_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    prelude = f"import atexit, pathlib; atexit.register(pathlib.Path({str(marker)!r}).write_text, 'yes')\n"
    r = _run(tmp_path, "--version", prelude=prelude)
    assert r.returncode == 0, r.stderr
    assert marker.read_text() == "yes"


def test_other_threads_get_pythons_exit(tmp_path: Path) -> None:
    """A thread still running when the command ends is waited for, as Python's exit does."""
    marker = tmp_path / "thread"
    prelude = (
        "import threading, time, pathlib\n"
        f"threading.Thread(target=lambda: (time.sleep(0.3), pathlib.Path({str(marker)!r}).write_text('done'))).start()\n"
    )
    r = _run(tmp_path, "--version", prelude=prelude)
    assert r.returncode == 0, r.stderr
    assert marker.read_text() == "done"


def test_outputs_outside_git_skip_the_change_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``report_schema_changes`` runs git only for an output some work tree may hold."""
    from stepflow_codegen.cli import _may_be_tracked

    monkeypatch.delenv("GIT_DIR", raising=False)
    monkeypatch.delenv("GIT_WORK_TREE", raising=False)
    if any((p / ".git").exists() for p in (tmp_path, *tmp_path.parents)):
        raise AssertionError(f"{tmp_path} is inside a git work tree; this test needs one that is not")
    assert not _may_be_tracked(tmp_path / "out" / "python")
    assert _may_be_tracked(ROOT / "generated" / "python")
    subprocess.run(["git", "init", "-q", str(tmp_path / "repo")], check=True)
    assert _may_be_tracked(tmp_path / "repo" / "not-yet" / "python")
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "repo" / ".git"))
    assert _may_be_tracked(tmp_path / "out" / "python")


def test_importing_the_cli_leaves_the_collector_alone() -> None:
    """Only the console script tunes the garbage collector (stepflow_codegen.console), never an import."""
    code = (
        "import gc\n"
        "before = gc.get_threshold()\n"
        "import stepflow_codegen.cli\n"
        "assert gc.get_threshold() == before, gc.get_threshold()\n"
        "from stepflow_codegen import console\n"
        "assert gc.get_threshold() == before\n"
        "print('ok')\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout == "ok\n", r.stdout + r.stderr
    r = subprocess.run([sys.executable, "-m", "stepflow_codegen", "--version"], cwd=ROOT, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0 and r.stdout.strip(), r.stderr
