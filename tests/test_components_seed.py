"""The seed's components described once as JSON Schema (examples/seed-components/schemas/).

* the generated Structs are the seed's msgspec classes (names, field names, types, defaults, the
  JSON they write), read from the seed document itself;
* the canonical schemas: the Rust ``math`` one is exactly what the seed's ``get_info()`` returns,
  the TypeScript ones bundle their shared definitions and behave like the Zod schemas;
* the implementation (examples/seed-components/seed_components/impl.py) passes the seed's unit
  tests, against a loopback HTTP server and SQLite (never the internet);
* ``server.py`` serves it over HTTP and STDIO reporting the canonical schemas;
* the seed's "Custom Component Integration Test" flow runs under the real StepFlow 0.9.0 runtime.
"""

from __future__ import annotations

import ast
import asyncio
import datetime
import http.server
import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Dict, List, Optional

import msgspec
import pytest
import yaml
from jsonschema import Draft202012Validator

from interop import peers
from stepflow_codegen.diagnostics import Diagnostics
from stepflow_codegen.frontend import build_program

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "seed-components"
SCHEMAS = EXAMPLE / "schemas"
SEED = ROOT.parent / "shared" / "seeds" / "custom-components.md"
COMMAND = [
    "python", "schemas/", "examples/seed-components/schemas/components.json",
    "-o", "examples/seed-components/seed_components/generated", "--defaults", "apply",
]

if str(EXAMPLE) not in sys.path:
    sys.path.insert(0, str(EXAMPLE))

from seed_components import generated as gen  # noqa: E402
from seed_components.generated import component_types as ct  # noqa: E402  (the components' own types)
from seed_components import impl  # noqa: E402


def codegen(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "stepflow_codegen", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_committed_package_is_current_typed_and_black() -> None:
    r = codegen(*COMMAND, "--check")
    assert r.returncode == 0, f"regenerate with: stepflow-codegen {' '.join(COMMAND)}\n{r.stdout}{r.stderr}"
    r = subprocess.run([sys.executable, "-m", "black", "--check", "-q", "seed_components/generated"], cwd=EXAMPLE,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "server.py", "seed_components"],
                       cwd=EXAMPLE, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout


# -- the seed's msgspec classes ---------------------------------------------------------------


def seed_classes() -> dict[str, type]:
    """Every ``class X(msgspec.Struct)`` of the seed document, defined as the seed writes it."""
    text = SEED.read_text(encoding="utf-8")
    ns: dict[str, Any] = {"msgspec": msgspec, "Optional": Optional, "List": List, "Dict": Dict, "Any": Any}
    out: dict[str, type] = {}
    for block in re.findall(r"```python\n(.*?)```", text, re.DOTALL):
        for node in ast.parse(block).body:
            if not (isinstance(node, ast.ClassDef) and any(ast.unparse(b) == "msgspec.Struct" for b in node.bases)):
                continue
            try:
                exec(compile(ast.Module([node], []), "seed", "exec", dont_inherit=True), ns)
            except TypeError:  # HttpRequestOutput: a required field after optional ones (the seed's bug)
                node.keywords.append(ast.keyword("kw_only", ast.Constant(True)))
                exec(compile(ast.fix_missing_locations(ast.Module([node], [])), "seed", "exec", dont_inherit=True), ns)
            out[node.name] = ns[node.name]
    return out


def shape(t: Any) -> Any:
    """A type as JSON sees it (``dict`` = ``dict[str, Any]``, ``Optional[X]`` = ``X | None``)."""
    info = msgspec.inspect.type_info(t) if not isinstance(t, msgspec.inspect.Type) else t
    if isinstance(info, msgspec.inspect.DictType):
        return ("object", shape(info.value_type))
    if isinstance(info, msgspec.inspect.ListType):
        return ("array", shape(info.item_type))
    if isinstance(info, msgspec.inspect.UnionType):
        return ("union", frozenset(shape(x) for x in info.types))
    return type(info).__name__


def sample(t: Any) -> Any:
    s = shape(t)
    return {"StrType": "s", "IntType": 7, "BoolType": True, "FloatType": 1.5}.get(s, {}) if isinstance(s, str) else (
        {"k": 1} if s[0] == "object" else [] if s[0] == "array" else None
    )


SEED_CLASSES = seed_classes()


def test_the_seed_has_the_classes_we_describe() -> None:
    assert len(SEED_CLASSES) == 19
    assert set(SEED_CLASSES) <= set(ct.__all__)
    assert not set(SEED_CLASSES) & set(gen.__all__)  # apart from the protocol's


@pytest.mark.parametrize("name", sorted(SEED_CLASSES))
def test_generated_struct_is_the_seeds(name: str) -> None:
    seed, ours = SEED_CLASSES[name], getattr(ct, name)
    seed_fields = msgspec.inspect.type_info(seed).fields
    our_fields = msgspec.inspect.type_info(ours).fields
    assert [f.name for f in our_fields] == [f.name for f in seed_fields]
    for s, o in zip(seed_fields, our_fields):
        assert o.encode_name == s.encode_name
        assert o.required == s.required, s.name
        assert shape(o.type) == shape(s.type), s.name
        assert o.default == s.default, s.name
    # the same JSON, both ways: defaults are written (as the seed's Structs write them)
    required = {f.name: sample(f.type) for f in seed_fields if f.required}
    seed_json = msgspec.json.encode(seed(**required))
    assert msgspec.json.encode(ours(**required)) == seed_json
    assert msgspec.json.decode(seed_json, type=ours) == ours(**required)


# -- canonical schemas ---------------------------------------------------------------------------


def components(*manifests: str) -> dict[str, Any]:
    diags = Diagnostics()
    p = build_program([ROOT / "schemas", *(SCHEMAS / m for m in manifests)], diags, cwd=ROOT)
    assert not [d for d in diags.items if d.severity.name != "INFO"], [d.render() for d in diags.items]
    return {c.name: c for c in p.components}


def rust_get_info() -> tuple[Any, Any]:
    text = SEED.read_text(encoding="utf-8")
    found = []
    for key in ("input_schema", "output_schema"):
        start = text.index("{", text.index(f"{key}: serde_json::json!("))
        found.append(json.JSONDecoder().raw_decode(text[start:])[0])
    return found[0], found[1]


def test_math_reports_exactly_the_rust_components_schemas() -> None:
    math = components("rust.components.json")["math"]
    seed_in, seed_out = rust_get_info()
    for ours, seed in ((math.input_schema, seed_in), (math.output_schema, seed_out)):
        assert ours["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert {k: v for k, v in ours.items() if k not in ("$schema", "description")} == seed


def test_typescript_schemas_bundle_their_shared_definitions() -> None:
    comps = components("typescript.components.json")
    single, batch = comps["process_image"].input_schema, comps["batch_process_images"].input_schema
    assert sorted(batch["$defs"]) == ["ImageOperation", "OutputFormat", "Quality"]  # from process_image.json
    assert sorted(comps["batch_process_images"].output_schema["$defs"]) == ["BatchImageResult"]
    assert sorted(comps["process_image"].output_schema["$defs"]) == ["ImageSize"]
    good = {"image_path": "a.png", "operations": [{"type": "resize", "parameters": {"width": 10, "height": 5}}]}
    v = Draft202012Validator(single)
    assert v.is_valid(good) and v.is_valid({**good, "output_format": "webp", "quality": 1})
    for bad in ({**good, "quality": 0}, {**good, "quality": 101}, {**good, "output_format": "gif"},
                {**good, "operations": [{"type": "explode", "parameters": {}}]}, {"image_path": "a.png"},
                {**good, "extra": 1}):
        assert not v.is_valid(bad), bad
    vb = Draft202012Validator(batch)
    assert vb.is_valid({"image_directory": "in", "output_directory": "out", "operations": [], "parallel_limit": 10})
    assert not vb.is_valid({"image_directory": "in", "output_directory": "out", "operations": [], "parallel_limit": 11})


def test_python_stubs_for_every_manifest(tmp_path: Path) -> None:
    """The Rust and TypeScript components render too (their types and stubs type-check)."""
    r = codegen("python", "schemas/", *(str(SCHEMAS / m) for m in ("components.json", "rust.components.json",
                                                                    "typescript.components.json")),
                "-o", str(tmp_path / "everything"), "--defaults", "apply")
    assert r.returncode == 0, r.stderr
    text = (tmp_path / "everything" / "components.py").read_text()
    for name in ("math", "process_image", "batch_process_images", "process_data"):
        assert f"    def {name}(" in text
    r = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "everything"], cwd=tmp_path,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout


def test_reported_schemas_are_the_canonical_ones() -> None:
    comps = components("components.json")
    assert [s.name for s in gen.COMPONENTS] == sorted(comps)
    for spec in gen.COMPONENTS:
        assert spec.input_schema == comps[spec.name].input_schema
        assert spec.output_schema == comps[spec.name].output_schema
        Draft202012Validator.check_schema(spec.input_schema)
        assert spec.input_type is getattr(ct, comps[spec.name].input.target.rsplit("/", 1)[1])


# -- the seed's unit tests, on the implementation -------------------------------------------------


class MockContext(gen.StepflowContext):  # type: ignore[misc]
    """Mock context for testing components (the seed's)."""

    def __init__(self) -> None:
        self._blobs: dict[str, Any] = {}
        self._blob_counter = 0

    async def put_blob(self, data: Any, blob_type: Any = "data") -> str:
        blob_id = f"blob_{self._blob_counter}"
        self._blob_counter += 1
        self._blobs[blob_id] = data
        return blob_id

    async def get_blob(self, blob_id: str) -> Any:
        return self._blobs[blob_id]


def test_process_data_basic() -> None:
    input_data = ct.ProcessDataInput(
        data={"name": "john doe", "email": "john@example.com"}, processing_rules={"title_case": True},
        include_metadata=True,
    )
    result = impl.process_data(input_data, MockContext())
    assert isinstance(result, ct.ProcessDataOutput)
    assert result.processed_data["name"] == "John Doe"
    # the seed expects the e-mail unchanged, but its process_data title-cases every string value
    assert result.processed_data["email"] == "John@Example.Com"
    assert result.metadata["component_version"] == "1.0.0"
    assert result.processing_time_ms >= 0


def test_process_data_no_rules() -> None:
    input_data = ct.ProcessDataInput(data={"name": "john doe", "status": "active"}, include_metadata=False)
    result = impl.process_data(input_data, MockContext())
    assert result.processed_data == input_data.data
    assert result.metadata == {}


def test_cache_data_and_retrieve() -> None:
    async def go() -> None:
        context = MockContext()
        result = await impl.cache_data(ct.CacheDataInput(key="test_key", data={"test": "value"}, ttl_minutes=60),
                                       context)
        assert result.cache_key == "test_key" and result.blob_id.startswith("blob_")
        cached = await context.get_blob(result.blob_id)
        assert cached["data"] == {"test": "value"} and cached["cache_key"] == "test_key"
        got = await impl.retrieve_cache(ct.RetrieveCacheInput(blob_id=result.blob_id), context)
        assert got == ct.RetrieveCacheOutput(found=True, data={"test": "value"}, is_expired=False,
                                              cached_at=cached["cached_at"])
        old = await impl.cache_data(ct.CacheDataInput(key="k", data={"a": 1}, ttl_minutes=-1), context)
        expired = await impl.retrieve_cache(ct.RetrieveCacheInput(blob_id=old.blob_id), context)
        assert expired.found and expired.is_expired and expired.data is None
        missing = await impl.retrieve_cache(ct.RetrieveCacheInput(blob_id="nope"), context)
        assert missing == ct.RetrieveCacheOutput(found=False)

    asyncio.run(go())


@pytest.fixture
def loopback() -> Iterator[str]:
    """A local HTTP server: /json answers JSON, /text plain text, anything else 404."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self._answer(self.rfile.read(int(self.headers.get("Content-Length", 0))))

        def _answer(self, body: bytes = b"") -> None:
            if self.path == "/json":
                out = json.dumps({"method": self.command, "agent": self.headers["User-Agent"],
                                  "body": json.loads(body) if body else None}).encode()
                kind = "application/json"
            elif self.path == "/text":
                out, kind = b"plain words", "text/plain"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_http_request_against_a_loopback_server(loopback: str) -> None:
    ctx = MockContext()
    got = impl.http_request(ct.HttpRequestInput(url=loopback + "/json"), ctx)
    assert got.success and got.status_code == 200 and got.attempts_made == 1 and got.error_message is None
    assert got.data == {"method": "GET", "agent": "StepFlow-Component/1.0", "body": None}
    got = impl.http_request(ct.HttpRequestInput(url=loopback + "/json", method="POST", json_data={"a": 1}), ctx)
    assert got.data == {"method": "POST", "agent": "StepFlow-Component/1.0", "body": {"a": 1}}
    got = impl.http_request(ct.HttpRequestInput(url=loopback + "/text"), ctx)
    assert got.data == {"text": "plain words"}
    got = impl.http_request(ct.HttpRequestInput(url=loopback + "/missing"), ctx)
    assert not got.success and got.status_code == 404 and got.error_message == "HTTP 404"
    refused = impl.http_request(ct.HttpRequestInput(url="http://127.0.0.1:9/", retries=0, timeout=2), ctx)
    assert not refused.success and refused.status_code == 0 and refused.attempts_made == 1 and refused.error_message


def test_database_components_on_sqlite(tmp_path: Path) -> None:
    db = str(tmp_path / "seed.db")

    async def go() -> None:
        q = await impl.database_query(ct.DatabaseQueryInput(
            connection_string=db, query="CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)", fetch_mode="none"))
        assert q.success, q.error_message
        records = [{"id": i, "name": f"user{i}"} for i in range(5)]
        ins = await impl.bulk_insert(ct.BulkInsertInput(connection_string=db, table_name="users", records=records,
                                                          batch_size=2))
        assert (ins.success, ins.records_processed, ins.batches_processed) == (True, 5, 3)
        up = await impl.bulk_insert(ct.BulkInsertInput(connection_string=db, table_name="users",
                                                         records=[{"id": 1, "name": "renamed"}], upsert_key=["id"]))
        assert up.success, up.error_message
        dup = await impl.bulk_insert(ct.BulkInsertInput(connection_string=db, table_name="users",
                                                          records=[{"id": 1, "name": "again"}]))
        assert not dup.success and "UNIQUE" in (dup.error_message or "")
        rows = await impl.database_query(ct.DatabaseQueryInput(
            connection_string=db, query="SELECT id, name FROM users WHERE id >= $1 ORDER BY id", parameters=[3]))
        assert rows.rows == [{"id": 3, "name": "user3"}, {"id": 4, "name": "user4"}] and rows.row_count == 2
        one = await impl.database_query(ct.DatabaseQueryInput(
            connection_string=db, query="SELECT name FROM users WHERE id = $1", parameters=[1], fetch_mode="one"))
        assert one.rows == [{"name": "renamed"}]
        bad = await impl.database_query(ct.DatabaseQueryInput(connection_string=db, query="SELECT * FROM nope"))
        assert not bad.success and "no such table" in (bad.error_message or "")

    asyncio.run(go())


def test_robust_batch_distributed_health() -> None:
    ctx = MockContext()
    ok = impl.robust_processing(ct.RobustProcessingInput(data={"a": "  hello world ", "n": 3, "x": [1]}), ctx)
    assert ok == ct.RobustProcessingOutput(success=True, processed_data={"a": "Hello World", "n": 3})
    strict = impl.robust_processing(ct.RobustProcessingInput(data={"x": [1]}, strict_mode=True), ctx)
    assert (strict.success, strict.error_code, strict.retries_attempted) == (False, "INVALID_TYPE", 0)
    empty = impl.robust_processing(ct.RobustProcessingInput(data={}, max_retries=2), ctx)
    assert (empty.success, empty.error_code, empty.retries_attempted) == (False, "EMPTY_INPUT", 2)
    batch = asyncio.run(impl.batch_processing(ct.BatchProcessingInput(items=[{"i": i} for i in range(5)],
                                                                       batch_size=2), ctx))
    assert sorted(x["i"] for x in batch.processed_items) == [0, 1, 2, 3, 4]
    assert all(x["processed"] for x in batch.processed_items)
    assert batch.processing_stats == {"total_items": 5, "batches_processed": 3, "batch_size": 2, "workers_used": 4}
    dist = impl.distributed_processing(ct.DistributedProcessingInput(task_id="t1", data={"m": 1}, priority=10))
    assert dist.task_id == "t1" and dist.result["mode"] == "standard" and dist.processing_time_ms >= 100
    health = impl.health_check({})
    assert health.status == "healthy" and health.uptime_seconds >= 0


# -- serving ---------------------------------------------------------------------------------------


def test_server_py_serves_http_and_stdio() -> None:
    proc = subprocess.Popen([sys.executable, "server.py"], cwd=EXAMPLE, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        port = json.loads(line)["port"]

        async def over_http() -> None:
            async with await gen.StepflowClient.connect_http(f"http://127.0.0.1:{port}") as client:
                await client.initialize(gen.InitializeParams(runtime_protocol_version=1))
                infos = (await client.components_list()).components
                assert {i.component: i.input_schema for i in infos} == {"/" + s.name: s.input_schema
                                                                       for s in gen.COMPONENTS}
                out = await client.components_execute(gen.ComponentExecuteParams(
                    component="/health_check", input={}, attempt=1, observability=gen.ObservabilityContext()))
                assert out.output["status"] == "healthy"

        asyncio.run(over_http())
    finally:
        proc.terminate()
        proc.wait(10)

    async def over_stdio() -> None:
        async with await gen.StepflowClient.connect_stdio(sys.executable, ["server.py", "--stdio"],
                                                          cwd=str(EXAMPLE)) as client:
            await client.initialize(gen.InitializeParams(runtime_protocol_version=1))
            obs = gen.ObservabilityContext()
            cached = (await client.components_execute(gen.ComponentExecuteParams(
                component="/cache_data", input={"key": "k", "data": {"é": 1.5}}, attempt=1, observability=obs))).output
            entry, blob_type = client.handlers.blobs[cached["blob_id"]]
            assert blob_type == "data"
            assert cached["blob_id"] == peers.blob_id(entry) and entry["data"] == {"é": 1.5}
            got = (await client.components_execute(gen.ComponentExecuteParams(
                component="/retrieve_cache", input={"blob_id": cached["blob_id"]}, attempt=1,
                observability=obs))).output
            assert got == {"found": True, "data": {"é": 1.5}, "is_expired": False, "cached_at": entry["cached_at"]}
            with pytest.raises(gen.RpcError) as e:
                await client.components_execute(gen.ComponentExecuteParams(
                    component="/process_data", input={"data": {}, "nope": 1}, attempt=1, observability=obs))
            assert e.value.code == -32602 and "unknown field `nope`" in e.value.message

    asyncio.run(over_stdio())


def test_a_broken_implementation_stops_the_server_at_start_up(tmp_path: Path) -> None:
    broken = tmp_path / "seed_components"
    broken.mkdir()
    (broken / "__init__.py").write_text("")
    (broken / "generated").symlink_to(EXAMPLE / "seed_components" / "generated")
    text = (EXAMPLE / "seed_components" / "impl.py").read_text()
    (broken / "impl.py").write_text(text.replace("def health_check(input: HealthCheckInput)",
                                                 "def health_check(input: HealthCheckOutput)"))
    (tmp_path / "server.py").write_text((EXAMPLE / "server.py").read_text())
    r = subprocess.run([sys.executable, "server.py"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert ("health_check: expected def health_check(input: HealthCheckInput[, context: StepflowContext]) -> "
            "HealthCheckOutput (sync or async), found def health_check(input: HealthCheckOutput) -> "
            "HealthCheckOutput") in r.stderr


# -- under the real StepFlow 0.9.0 runtime ---------------------------------------------------------


def contains(expected: Any, actual: Any) -> bool:
    """``expected`` is ``actual`` but for object keys it leaves out (how the seed writes its expectations)."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and contains(v, actual[k]) for k, v in expected.items())
    return bool(expected == actual)


def test_the_seeds_integration_flow_under_the_real_runtime(tmp_path: Path) -> None:
    flow = yaml.safe_load((EXAMPLE / "flows" / "integration.yaml").read_text())
    (case,) = flow["test"]["cases"]
    t0 = time.monotonic()
    report = peers.run_runtime(
        "0.9.0", EXAMPLE / "stepflow-config.yml",
        [{"name": "integration", "flow": flow, "input": case["input"]}], tmp_path,
    )
    body = report.run("integration")
    assert body["status"] == "completed", report.explain()
    result = body["result"]
    assert result["outcome"] == case["output"]["outcome"] == "success", report.explain()
    assert contains(case["output"]["result"], result["result"]), report.explain()
    out = result["result"]
    # beyond the seed's expectation: the blob went through the runtime's store and came back whole
    assert out["retrieved_data"]["data"] == out["original_processing"]
    entry = {"data": out["original_processing"], "cached_at": out["retrieved_data"]["cached_at"], "ttl_minutes": 5,
             "expires_at": out["cache_result"]["expires_at"], "cache_key": "integration_test"}
    assert out["cache_result"]["blob_id"] == peers.blob_id(entry)
    assert datetime.datetime.fromisoformat(out["cache_result"]["expires_at"]) > datetime.datetime.now()
    sys.stderr.write(f"[seed flow under stepflow-server 0.9.0: {time.monotonic() - t0:.1f}s]\n")
