"""examples/ts-components: the seed's TypeScript image components (``process_image``,
``batch_process_images``) on the generated TypeScript component server, with no hand-written schema
or message type (schemas/ + manifest -> generated/, impl.ts written by hand, server.ts two lines):

* the committed ``generated/`` is current (``stepflow-codegen check`` covers it: a pyproject target);
* ``impl.ts`` + ``server.ts`` + ``generated/`` pass ``tsc --strict`` with the stricter flags;
* compiled and driven by the generated Python client over STDIO and HTTP: the canonical schemas are
  listed, tiny fake images (plain PGM) are processed one by one and by directory, invalid input is
  answered -32602 by the generated validators before the implementation runs;
* the example's own ``stepflow-config.yml``, unchanged (``command: node``, ``out/server.js --http
  --port 0``), under the real StepFlow 0.9.0 runtime: a two-step flow over fake images.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rpc_support import execute, run, sf
from test_ts_server import ensure_tools, node, start_http

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "ts-components"
PGM = "P2\n4 2\n255\n0 10 20 30\n40 50 60 70\n"


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tsc = ensure_tools()
    dest = tmp_path_factory.mktemp("ts-components") / "project"
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns("out", "node_modules"))
    (dest / "node_modules").symlink_to(ROOT / "tests" / "ts-server" / "node_modules")
    done = subprocess.run([str(tsc), "-p", str(dest)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return dest / "out" / "server.js"


def test_generated_is_current() -> None:
    cmd = [sys.executable, "-m", "stepflow_codegen", "typescript", "schemas/", "examples/ts-components/schemas/",
           "-o", "examples/ts-components/generated", "--check"]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    # nothing hand-written beyond the implementation: no schema, no message type
    impl = (EXAMPLE / "impl.ts").read_text()
    assert "interface ImageProcessInput" not in impl and "input_schema" not in impl and "jsonrpc" not in impl


async def drive(client: sf.StepflowClient, images: Path) -> None:
    listed = (await client.components_list()).components
    assert [c.component for c in listed] == ["/batch_process_images", "/process_image"]
    bundled = json.loads((EXAMPLE / "schemas" / "process_image.json").read_text())["$defs"]
    info = next(c for c in listed if c.component == "/process_image")
    assert info.description == "Apply a pipeline of operations to one image."
    assert info.input_schema["$defs"]["ImageOperation"] == bundled["ImageOperation"]
    assert info.input_schema["properties"] == bundled["ImageProcessInput"]["properties"]
    ops = [
        {"type": "crop", "parameters": {"left": 1, "top": 0, "width": 2, "height": 2}},
        {"type": "rotate", "parameters": {"degrees": 90}},
        {"type": "resize", "parameters": {"width": 4, "height": 4}},
        {"type": "blur", "parameters": {"sigma": 1}},
        {"type": "sharpen", "parameters": {}},
    ]
    out = (await client.components_execute(execute("/process_image", {"image_path": str(images / "a.pgm"), "operations": ops, "output_format": "png"}))).output
    assert out["success"] is True, out
    assert out["operations_applied"] == ["crop(2x2)", "rotate(90°)", "resize(4x4)", "blur(1)", "sharpen"]
    assert out["original_size"] == {"width": 4, "height": 2, "fileSize": len(PGM)}
    assert (out["processed_size"]["width"], out["processed_size"]["height"]) == (4, 4)
    assert Path(out["output_path"]).read_text().startswith("P2\n4 4\n255\n")
    missing = (await client.components_execute(execute("/process_image", {"image_path": str(images / "nope.pgm"), "operations": []}))).output
    assert missing["success"] is False and "no such file" in missing["error_message"]
    batch = (await client.components_execute(execute("/batch_process_images", {
        "image_directory": str(images / "batch"), "operations": ops[:2], "output_directory": str(images / "out"), "parallel_limit": 2,
    }))).output
    assert (batch["success"], batch["total_images"], batch["processed_images"], batch["failed_images"]) == (True, 3, 2, 1), batch
    assert sorted(Path(r["output_path"]).name for r in batch["results"] if r["success"]) == ["a_processed.jpeg", "b_processed.jpeg"]
    with pytest.raises(sf.RpcError) as e:
        await client.components_execute(execute("/process_image", {"image_path": "x", "operations": [{"type": "invert", "parameters": {}}], "quality": 0}))
    assert e.value.code == -32602
    assert e.value.data["problems"] == ['#/operations/0/type: expected one of "resize", "crop", "rotate", "blur", "sharpen" (enum)', "#/quality: must be >= 1 (minimum)"]


def images_dir(tmp: Path) -> Path:
    (tmp / "a.pgm").write_text(PGM)
    (tmp / "batch").mkdir()
    (tmp / "batch" / "a.pgm").write_text(PGM)
    (tmp / "batch" / "b.pgm").write_text(PGM.replace("70", "80"))
    (tmp / "batch" / "broken.png").write_text("not an image")
    return tmp


def test_stdio(compiled: Path, tmp_path: Path) -> None:
    async def main() -> None:
        async with await sf.StepflowClient.connect_stdio(node(), [str(compiled), "--stdio"]) as client:
            await drive(client, images_dir(tmp_path))

    run(main())


def test_http(compiled: Path, tmp_path: Path) -> None:
    async def main() -> None:
        proc, port = await start_http(compiled)
        try:
            async with await sf.StepflowClient.connect_http(f"http://127.0.0.1:{port}") as client:
                await drive(client, images_dir(tmp_path))
        finally:
            proc.terminate()
            assert await asyncio.wait_for(proc.wait(), 10) == 0

    run(main())


def test_real_runtime_runs_the_example_config(compiled: Path, tmp_path: Path) -> None:
    """The example's own stepflow-config.yml, unchanged, under the real StepFlow 0.9.0 runtime."""
    from interop import peers

    (tmp_path / "images").mkdir()
    images = images_dir(tmp_path / "images")
    config = compiled.parent.parent / "stepflow-config.yml"
    flow = {
        "name": "ts-components-example",
        "steps": [
            {"id": "one", "component": "/images/process_image",
             "input": {"image_path": {"$input": "image"}, "operations": [{"type": "rotate", "parameters": {"degrees": 90}}]}},
            {"id": "all", "component": "/images/batch_process_images",
             "input": {"image_directory": {"$input": "directory"}, "operations": [], "output_directory": {"$input": "out"}}},
        ],
        "output": {"one": {"$step": "one", "path": "processed_size"}, "all": {"$step": "all", "path": "processed_images"}},
    }
    report = peers.run_runtime(
        "0.9.0", config,
        [{"name": "main", "flow": flow, "input": {"image": str(images / "a.pgm"), "directory": str(images / "batch"), "out": str(tmp_path / "out")}}],
        tmp_path / "runtime",
    )
    body = report.run("main")
    assert body["status"] == "completed", report.explain()
    assert body["result"]["result"]["one"]["width"] == 2 and body["result"]["result"]["all"] == 2, report.explain()


def test_prettier_accepts_the_generated_server_and_the_runtime() -> None:
    """The generated files (runtime copies and components.ts, whose schema literals are laid out by
    the target's prettier-compatible printer), the runtime sources and the example as written."""
    from test_typescript import _node_tools

    files = sorted(str(p) for p in (EXAMPLE / "generated").glob("*.ts"))
    files += [str(EXAMPLE / "impl.ts"), str(EXAMPLE / "server.ts")]
    files += sorted(str(p) for p in (ROOT / "templates" / "typescript" / "runtime").glob("*.ts"))
    done = subprocess.run([str(_node_tools() / "prettier"), "--check", *files], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
