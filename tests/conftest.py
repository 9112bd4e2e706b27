"""Shared helpers for the golden and behaviour tests of the Python target.

Golden fixtures are the folders of ``tests/fixtures/schemas/`` (except ``bad``, whose error cases
are tested elsewhere); each renders to ``tests/golden/<name>/python/`` (the package) plus
``tests/golden/<name>/diagnostics.txt`` (the warnings the generator printed).

Run as a script (``python tests/conftest.py OUT [preserve|apply]``) it renders every fixture into
``OUT/<name>/python``: the hash-seed determinism test does that in subprocesses.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
FIXTURES = HERE / "fixtures" / "schemas"
GOLDEN = HERE / "golden"
NOT_GOLDEN = {"bad"}
UPDATE_COMMAND = "UPDATE_GOLDENS=1 .venv/bin/python -m pytest tests/test_golden.py"

if str(REPO) not in sys.path:  # a checkout without `pip install -e .` still works
    sys.path.insert(0, str(REPO))

from tests.suite.harness import strict_equal  # noqa: E402,F401 - one JSON equality for every test


def golden_names() -> list[str]:
    return sorted(p.name for p in FIXTURES.iterdir() if p.is_dir() and p.name not in NOT_GOLDEN)


def command(name: str, defaults: str = "preserve") -> str:
    """The CLI command that regenerates a golden package (printed in every file's header)."""
    cmd = f"stepflow-codegen python tests/fixtures/schemas/{name}/ -o tests/golden/{name}/python --package {name}"
    if defaults != "preserve":
        cmd += f" --defaults {defaults}"
    return cmd


def render(name: str, defaults: str = "preserve") -> tuple[dict[str, str], str]:
    """Render fixture ``name`` in memory: (relative path -> content, diagnostics text)."""
    from stepflow_codegen.diagnostics import Diagnostics
    from stepflow_codegen.frontend import build_program
    from stepflow_codegen.targets.python.render import PythonOptions, render_python

    diags = Diagnostics()
    program = build_program([FIXTURES / name], diags, cwd=REPO)
    files = render_python(
        program,
        PythonOptions(package=name, command=command(name, defaults), defaults=defaults),  # type: ignore[arg-type]
        diags,
    )
    text = "".join(d.render() + "\n" for d in diags.sorted())
    return files, text


def write_tree(root: Path, files: dict[str, str]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8", newline="\n")


def read_tree(root: Path) -> dict[str, str]:
    if not root.is_dir():
        return {}
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def load_package(path: Path, module_name: str) -> ModuleType:
    """Import the generated package at ``path`` under ``module_name`` (goldens all live in ``.../python``)."""
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(
        module_name, path / "__init__.py", submodule_search_locations=[str(path)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        for key in [k for k in sys.modules if k == module_name or k.startswith(module_name + ".")]:
            del sys.modules[key]
        raise
    return module




def main(argv: list[str]) -> None:
    out = Path(argv[0])
    defaults = argv[1] if len(argv) > 1 else "preserve"
    for name in golden_names():
        files, diags = render(name, defaults)
        write_tree(out / name / "python", files)
        (out / name / "diagnostics.txt").write_text(diags, encoding="utf-8", newline="\n")


if __name__ == "__main__":
    main(sys.argv[1:])
