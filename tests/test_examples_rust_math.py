"""examples/rust-math: the seed document's Rust math component ("Rust Component Example" in
custom-components.md) written against the generated Rust protocol types (generated/rust), built with
cargo (``--locked``: its Cargo.lock is committed) and driven over STDIO by the generated Python
client (``StepflowClient.connect_stdio``): initialize, components/list, components/info with the
math input/output JSON Schemas, components/execute with add, multiply and power (exact results),
and the error codes of a bad operation, a wrong operand count, a bad input and an unknown component.

Cargo shares the target directory of the other Rust tests (``$STEPFLOW_CARGO_TARGET_DIR``, default
``tests/rust/target``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from rpc_support import ROOT, execute, run, sf

EXAMPLE = ROOT / "examples" / "rust-math"
TARGET_DIR = Path(os.environ.get("STEPFLOW_CARGO_TARGET_DIR", ROOT / "tests" / "rust" / "target"))

INPUT_SCHEMA = {
    "type": "object",
    "properties": {
        "operation": {"type": "string", "enum": ["add", "multiply", "power"]},
        "operands": {"type": "array", "items": {"type": "number"}, "minItems": 1},
    },
    "required": ["operation", "operands"],
}
OUTPUT_SCHEMA = {
    "type": "object",
    "properties": {"result": {"type": "number"}, "operation_performed": {"type": "string"}},
    "required": ["result", "operation_performed"],
}


def cargo(*args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("cargo") is None:
        pytest.fail("cargo is needed for examples/rust-math (install a Rust toolchain)")
    env = dict(os.environ, CARGO_TARGET_DIR=str(TARGET_DIR), CARGO_TERM_COLOR="never")
    env.pop("RUSTFLAGS", None)
    r = subprocess.run(["cargo", *args], cwd=EXAMPLE, env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, f"cargo {' '.join(args)} failed:\n{r.stdout[-6000:]}\n{r.stderr[-6000:]}"
    return r


@pytest.fixture(scope="module")
def binary() -> Path:
    cargo("build", "--locked")
    exe = TARGET_DIR / "debug" / "rust-math"
    assert exe.is_file()
    return exe


def test_lints_and_formatting() -> None:
    cargo("clippy", "--locked", "--all-targets", "--", "-D", "warnings")
    cargo("fmt", "--check")


def test_written_against_the_generated_types() -> None:
    manifest = (EXAMPLE / "Cargo.toml").read_text()
    assert 'stepflow = { package = "rust", path = "../../generated/rust" }' in manifest
    source = (EXAMPLE / "src" / "main.rs").read_text()
    assert "decode_message" in source and "encode_message" in source
    assert "tokio" not in manifest and "stepflow-protocol" not in manifest


def test_components_over_stdio_with_the_generated_client(binary: Path) -> None:
    async def session() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with await sf.StepflowClient.connect_stdio(str(binary), []) as client:
            out["init"] = await client.initialize(sf.InitializeParams(runtime_protocol_version=1), timeout=30)
            await client.initialized()
            out["list"] = await client.components_list(timeout=30)
            out["info"] = await client.components_info(sf.ComponentInfoParams(component="/math"), timeout=30)
            results = {}
            for name, operation, operands in [
                ("add", "add", [1, 2, 3.5]),
                ("multiply", "multiply", [2, 3, 4]),
                ("power", "power", [2, 10]),
                ("fractional power", "power", [9, 0.5]),
                ("add one", "add", [-1.25]),
            ]:
                r = await client.components_execute(
                    execute("/math", {"operation": operation, "operands": operands}), timeout=30
                )
                results[name] = r.output
            out["results"] = results
            errors = {}
            for name, component, input in [
                ("bad operation", "/math", {"operation": "modulo", "operands": [7, 2]}),
                ("power with 3 operands", "/math", {"operation": "power", "operands": [1, 2, 3]}),
                ("operands missing", "/math", {"operation": "add"}),
                ("unknown component", "/nope", {"operation": "add", "operands": [1]}),
            ]:
                with pytest.raises(sf.RpcError) as e:
                    await client.components_execute(execute(component, input), timeout=30)
                errors[name] = (e.value.code, e.value.message, e.value.data)
            with pytest.raises(sf.RpcError) as e:
                await client.components_info(sf.ComponentInfoParams(component="/nope"), timeout=30)
            errors["info of an unknown component"] = (e.value.code, e.value.message, e.value.data)
            out["errors"] = errors
            # still serving after all that
            r = await client.components_execute(execute("/math", {"operation": "add", "operands": [40, 2]}), timeout=30)
            out["after"] = r.output
        return out

    out = run(session())
    assert out["init"].server_protocol_version == 1
    [info] = out["list"].components
    assert info.component == "/math"
    assert info.input_schema == INPUT_SCHEMA and info.output_schema == OUTPUT_SCHEMA
    assert out["info"].info == info
    # the seed's f64 arithmetic and its "{operation} on {operands:?}" text, exactly
    assert out["results"] == {
        "add": {"result": 6.5, "operation_performed": "add on [1.0, 2.0, 3.5]"},
        "multiply": {"result": 24.0, "operation_performed": "multiply on [2.0, 3.0, 4.0]"},
        "power": {"result": 1024.0, "operation_performed": "power on [2.0, 10.0]"},
        "fractional power": {"result": 3.0, "operation_performed": "power on [9.0, 0.5]"},
        "add one": {"result": -1.25, "operation_performed": "add on [-1.25]"},
    }
    assert all(type(r["result"]) is float for r in out["results"].values())  # f64: 24 is written 24.0
    errors = out["errors"]
    assert errors["bad operation"] == (
        -32003, "Component execution failed: Unknown operation: modulo", {"component": "/math"}
    )
    assert errors["power with 3 operands"] == (
        -32003, "Component execution failed: Power operation requires exactly 2 operands", {"component": "/math"}
    )
    code, message, _ = errors["operands missing"]
    assert code == -32602 and message.startswith("Invalid input for component /math: missing field `operands`")
    assert errors["unknown component"] == (-32001, "Component '/nope' not found", {"component": "/nope"})
    assert errors["info of an unknown component"] == (-32001, "Component '/nope' not found", {"component": "/nope"})
    assert out["after"] == {"result": 42.0, "operation_performed": "add on [40.0, 2.0]"}


def test_bad_lines_are_answered_and_serving_goes_on(binary: Path) -> None:
    """Raw STDIO: a line that is not JSON, an unknown method, bad params, a bad notification."""
    lines = [
        "{not json",
        '{"jsonrpc":"2.0","id":5,"method":"no/such","params":{}}',
        '{"jsonrpc":"2.0","id":6,"method":"components/execute","params":{"component":"/math"}}',
        '{"jsonrpc":"2.0","method":"no/such/notification","params":{}}',
        '{"jsonrpc":"2.0","id":7,"method":"components/infer_schema","params":{"component":"/math","input_schema":{}}}',
        '{"jsonrpc":"2.0","id":8,"method":"components/execute","params":{"component":"/math",'
        '"input":{"operation":"multiply","operands":[1.5,4]},"attempt":1,"observability":{}}}',
    ]
    r = subprocess.run([str(binary)], input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    answers = [sf.decode_message(line) for line in r.stdout.splitlines()]
    codes = [(a.id, a.error.code) if isinstance(a, sf.ErrorResponse) else (a.id, None) for a in answers]
    assert codes == [(None, -32700), (5, -32601), (6, -32602), (7, -32601), (8, None)], r.stdout
    assert r.stdout.splitlines()[-1] == (
        '{"jsonrpc":"2.0","id":8,"result":{"output":{"operation_performed":"multiply on [1.5, 4.0]","result":6.0}}}'
    )
