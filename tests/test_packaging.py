"""The wheel carries the templates and the meta-schema: generation works from an installed wheel."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_generates_the_protocol(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    r = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    assert r.returncode == 0, r.stderr
    (wheel,) = wheels.glob("stepflow_codegen-*.whl")
    site = tmp_path / "site"
    r = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
        capture_output=True, text=True, timeout=300,
    )
    assert r.returncode == 0, r.stderr
    code = (
        "import stepflow_codegen, sys; from stepflow_codegen.cli import main\n"
        f"assert stepflow_codegen.__file__.startswith({str(site)!r}), stepflow_codegen.__file__\n"
        # generated/python's command (pyproject.toml); TypeScript and Rust take --struct-gc and ignore it
        "sys.argv = ['stepflow-codegen', 'python', 'schemas/', '-o', sys.argv[1], '-q', '--struct-gc', 'untracked']\n"
        "main()\n"
    )
    out = tmp_path / "python"
    env = dict(os.environ, PYTHONPATH=str(site))
    r = subprocess.run([sys.executable, "-c", code, str(out)], cwd=ROOT, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    for f in (ROOT / "generated" / "python").glob("*.py"):
        # identical but for the regenerate command in the header (it names the output folder)
        body = (out / f.name).read_text().split("\n", 2)[2]
        assert body == f.read_text().split("\n", 2)[2], f.name
    # the TypeScript component server's runtime files (plain .ts templates) are in the wheel too
    code = code.replace("'python', 'schemas/'", "'typescript', 'schemas/', 'examples/ts-components/schemas/'")
    out = tmp_path / "ts"
    r = subprocess.run([sys.executable, "-c", code, str(out)], cwd=ROOT, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    example = ROOT / "examples" / "ts-components" / "generated"
    for name in ("runtime.ts", "rpc.ts", "stdio.ts", "http.ts", "server.ts", "client.ts", "components.ts"):
        assert (out / name).read_text().split("\n", 2)[2] == (example / name).read_text().split("\n", 2)[2], name
    # and the Rust runtime files (runtime.rs, the pattern engines, the component server's)
    code = code.replace(
        "'typescript', 'schemas/', 'examples/ts-components/schemas/'",
        "'rust', 'schemas/', 'examples/rust-math/schemas/', '--package', 'rust-math-components'",
    )
    out = tmp_path / "rust"
    r = subprocess.run([sys.executable, "-c", code, str(out)], cwd=ROOT, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    example = ROOT / "examples" / "rust-math" / "generated" / "src"
    names = sorted(p.name for p in example.glob("*.rs"))
    assert {"runtime.rs", "rpc.rs", "stdio.rs", "http.rs", "server.rs"} <= set(names)
    for name in names:
        assert (out / "src" / name).read_text().split("\n", 2)[2] == (example / name).read_text().split("\n", 2)[2], name
    # the pattern engines (no crate of the repository needs fancy-regex: rendered directly)
    from stepflow_codegen.targets.rust.render import render_runtime

    patterns = (
        "import stepflow_codegen\n"
        f"assert stepflow_codegen.__file__.startswith({str(site)!r}), stepflow_codegen.__file__\n"
        "from stepflow_codegen.targets.rust.render import render_runtime\n"
        "print(render_runtime('x', regex=True, fancy=False) + render_runtime('x'), end='')\n"
    )
    r = subprocess.run([sys.executable, "-c", patterns], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout == render_runtime("x", regex=True, fancy=False) + render_runtime("x")
    # the scaffold's templates, also those of `new --language typescript|rust` (one level deeper)
    import zipfile

    names = set(zipfile.ZipFile(wheel).namelist())
    for t in (ROOT / "templates" / "scaffold").rglob("*.jinja"):
        assert "stepflow_codegen/templates/" + t.relative_to(ROOT / "templates").as_posix() in names, t
    # the built-in templates compiled ahead of time (rendered without jinja2) and their compiler
    for module in ("__init__", "python", "typescript", "rust"):
        assert f"stepflow_codegen/_compiled/{module}.py" in names, module
    assert "stepflow_codegen/templating_compile.py" in names
