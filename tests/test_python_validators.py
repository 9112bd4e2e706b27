"""The generated Python validators (``_validators.py``) against the reference evaluator, and the
exact-shape analysis (``analysis/exact.py``) against the generated typed decode.

For every fixture schema set and the protocol: every declaration's validator must give the
verdict of :class:`stepflow_codegen.ir.evaluate.Evaluator` (and, on failure, the same instance
pointer and keyword) on the IR's conformance vectors, on their mutations and on
hypothesis-generated JSON values.  For every declaration the analysis calls exact, msgspec's typed
decode alone must accept nothing the validator rejects, and reject nothing it accepts except
integral floats (``1.0`` for an integer: the fast path falls back to validation for those).
"""

from __future__ import annotations

import json
import math
import random
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, REPO, load_package, write_tree
from stepflow_codegen.analysis.exact import exact_decls
from stepflow_codegen.diagnostics import Diagnostics
from stepflow_codegen.frontend import build_program
from stepflow_codegen.ir import model as ir
from stepflow_codegen.ir.evaluate import Evaluator
from stepflow_codegen.ir.passes import json_kind, json_kinds
from stepflow_codegen.targets import TargetOptions
from stepflow_codegen.targets.python import render
from stepflow_codegen.targets.vectors import VectorMaker

SETS = ["features", "draft07", "multifile", "collisions", "longnames", "protocol"]


@lru_cache(maxsize=None)
def built(name: str, tmp: str) -> tuple[ir.Program, ModuleType]:
    inputs = [REPO / "schemas"] if name == "protocol" else [FIXTURES / name]
    diags = Diagnostics()
    program = build_program(inputs, diags, cwd=REPO)
    files = render(program, TargetOptions(f"val_{name}", "test"), diags)
    root = Path(tmp) / name
    write_tree(root, files)
    return program, load_package(root, f"val_{name}")


@pytest.fixture(scope="module")
def tmp_root(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("validators"))


def _mutations(value: Any, rng: random.Random) -> list[Any]:
    """Small edits of a value: kinds swapped, numbers made integral floats, keys dropped or added."""
    out: list[Any] = []
    swaps = [None, True, 0, 1.0, 1.5, -3, "", "x", [], {}, [1, "a"], {"a": 1}, 2**40]
    if isinstance(value, bool) or value is None:
        out.append(rng.choice(swaps))
    elif isinstance(value, int):
        out += [float(value), value + 1, -value, rng.choice(swaps)]
    elif isinstance(value, float):
        out += [math.floor(value), value * 10, rng.choice(swaps)]
    elif isinstance(value, str):
        out += [value + "\u00e9", value[:1], value * 3, rng.choice(swaps)]
    elif isinstance(value, list):
        out += [value[1:], value + value[:1], [*value, rng.choice(swaps)]]
        for i, x in enumerate(value[:3]):
            for m in _mutations(x, rng)[:2]:
                out.append([*value[:i], m, *value[i + 1 :]])
    elif isinstance(value, dict):
        keys = list(value)
        for k in keys[:4]:
            out.append({kk: vv for kk, vv in value.items() if kk != k})
            for m in _mutations(value[k], rng)[:2]:
                out.append({**value, k: m})
        out.append({**value, "zz_extra": rng.choice(swaps)})
    return out


def _values(program: ir.Program, decl: ir.Decl, seed: int) -> list[Any]:
    vec = VectorMaker(program).for_decl(decl)
    base = list(vec.valid) + [v for v, _ in vec.invalid]
    rng = random.Random(seed)
    out = list(base)
    for v in base:
        out += _mutations(v, rng)
    return out


def _agree(pkg: ModuleType, ev: Evaluator, fn: Any, node: int, value: Any) -> None:
    want = ev.validate(node, value)
    got = fn(value)
    assert (got is None) == (want is None), (value, want, got and (got.keyword, got.pointer()))
    if got is not None and want is not None and want.keyword != "depth":
        assert (got.pointer(), got.keyword) == (want.pointer, want.keyword), value
        assert pkg._validators.SCHEMA[got.node].endswith("#" + want.schema), (value, want)


def _decl_table(program: ir.Program, pkg: ModuleType) -> list[tuple[str, ir.Decl, int]]:
    from stepflow_codegen.targets.python.types import PythonTypeMapper

    mapper = PythonTypeMapper(program, Diagnostics())
    assert program.validation is not None
    out = []
    for d in program.decls:
        nid = program.validation.node_for(d.id)
        name = mapper.name_of[d.id]
        if nid is not None and name in pkg._validators.VALIDATORS:
            out.append((name, d, nid))
    return out


@pytest.mark.parametrize("name", SETS)
def test_validators_agree_with_evaluator_on_vectors(name: str, tmp_root: str) -> None:
    program, pkg = built(name, tmp_root)
    assert program.validation is not None
    ev = Evaluator(program.validation)
    table = _decl_table(program, pkg)
    assert table
    checked = 0
    for i, (pyname, decl, nid) in enumerate(table):
        fn = pkg._validators.VALIDATORS[pyname]
        for value in _values(program, decl, i):
            _agree(pkg, ev, fn, nid, value)
            checked += 1
    assert checked > 50


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([0, 1, 1.0, 2.0, -1, 0.5, 1e300, 2**63])
    | st.text(max_size=6)
    | st.sampled_from(["", "a", "2.0", "components/execute", "input", "\u00e9\U0001f600"]),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(
        st.sampled_from(["a", "b", "id", "input", "type", "kind", "name", "value", "x", "jsonrpc", "method"]) | st.text(max_size=3),
        children,
        max_size=4,
    ),
    max_leaves=12,
)


@pytest.mark.parametrize("name", SETS)
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_validators_agree_with_evaluator_on_hypothesis_values(name: str, data: st.DataObject, tmp_path_factory: pytest.TempPathFactory) -> None:
    program, pkg = built(name, _shared_tmp(tmp_path_factory))
    assert program.validation is not None
    ev = _evaluator(name, tmp_path_factory)
    table = _decl_table(program, pkg)
    pyname, decl, nid = data.draw(st.sampled_from(table))
    value = data.draw(JSON_VALUES)
    if isinstance(decl, ir.ObjectDecl) and data.draw(st.booleans()):
        # start from a valid instance so objects get past "required" often
        vec = VectorMaker(program).for_decl(decl)
        if vec.valid and isinstance(vec.valid[0], dict) and isinstance(value, dict):
            value = {**vec.valid[-1], **value}
    _agree(pkg, ev, pkg._validators.VALIDATORS[pyname], nid, value)


_TMP: list[str] = []


def _shared_tmp(factory: pytest.TempPathFactory) -> str:
    if not _TMP:
        _TMP.append(str(factory.mktemp("validators_h")))
    return _TMP[0]


@lru_cache(maxsize=None)
def _evaluator_for(name: str, tmp: str) -> Evaluator:
    program, _ = built(name, tmp)
    assert program.validation is not None
    return Evaluator(program.validation)


def _evaluator(name: str, factory: pytest.TempPathFactory) -> Evaluator:
    return _evaluator_for(name, _shared_tmp(factory))


# --------------------------------------------------------------------------- exact shapes


def _has_integral_float(v: Any) -> bool:
    if isinstance(v, float):
        return v.is_integer()
    if isinstance(v, list):
        return any(_has_integral_float(x) for x in v)
    if isinstance(v, dict):
        return any(_has_integral_float(x) for x in v.values())
    return False


def _narrower(program: ir.Program, decl: ir.Decl, tp: Any, value: Any) -> bool:
    """The documented ways a typed decode rejects a schema-valid value: an integral float for an
    integer, a Struct that is a variant of a tagged union decoded alone (it needs its tag), and a
    declaration split off a schema that admits more kinds (``enum: ["a", null]`` is an enum plus
    null: the enum alone rejects null)."""
    config = getattr(tp, "__struct_config__", None)
    kinds = json_kinds({d.id: d for d in program.decls}, decl)
    kind = json_kind(value)
    outside = kind not in kinds and not (kind == "integer" and "number" in kinds)
    return _has_integral_float(value) or (config is not None and config.tag_field is not None) or outside


def _typed_accepts(pkg: ModuleType, tp: Any, value: Any) -> bool:
    decoder, _, _, _ = pkg._runtime._plan(tp)
    try:
        decoder.decode(json.dumps(value))
    except msgspec.ValidationError:
        return False
    return True


@pytest.mark.parametrize("name", SETS)
def test_exact_shapes_accept_what_the_validator_accepts(name: str, tmp_root: str) -> None:
    program, pkg = built(name, tmp_root)
    exact = exact_decls(program)
    table = [(n, d, nid) for n, d, nid in _decl_table(program, pkg) if n in pkg._validators.EXACT]
    assert {d.id for _, d, _ in table} <= exact
    if name == "protocol":
        # the protocol's messages take the fast path
        assert {"ComponentExecuteParams", "ComponentExecuteResult", "InitializeParams"} <= pkg._validators.EXACT
    for i, (pyname, decl, nid) in enumerate(table):
        tp = getattr(pkg.types, pyname)
        fn = pkg._validators.VALIDATORS[pyname]
        for value in _values(program, decl, i):
            valid = fn(value) is None
            typed = _typed_accepts(pkg, tp, value)
            if typed:
                assert valid, (pyname, value)
            elif valid:
                assert _narrower(program, decl, tp, value), (pyname, value)


@pytest.mark.parametrize("name", SETS)
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_exact_shapes_on_hypothesis_values(name: str, data: st.DataObject, tmp_path_factory: pytest.TempPathFactory) -> None:
    program, pkg = built(name, _shared_tmp(tmp_path_factory))
    table = [(n, d, nid) for n, d, nid in _decl_table(program, pkg) if n in pkg._validators.EXACT]
    if not table:
        return
    pyname, decl, nid = data.draw(st.sampled_from(table))
    value = data.draw(JSON_VALUES)
    if isinstance(decl, ir.ObjectDecl) and isinstance(value, dict) and data.draw(st.booleans()):
        vec = VectorMaker(program).for_decl(decl)
        if vec.valid:
            value = {**vec.valid[-1], **value}
    tp = getattr(pkg.types, pyname)
    valid = pkg._validators.VALIDATORS[pyname](value) is None
    typed = _typed_accepts(pkg, tp, value)
    if typed:
        assert valid, value
    elif valid:
        assert _narrower(program, decl, tp, value), value


# --------------------------------------------------------------------------- decode, errors, depth


def _golden(name: str) -> ModuleType:
    from conftest import GOLDEN

    return load_package(GOLDEN / name / "python", f"golden_{name}")


def test_validation_error_carries_pointer_keyword_and_schema() -> None:
    pkg = _golden("features")
    with pytest.raises(pkg.ValidationError) as e:
        pkg.decode(b'{"limits": {"unique": [1, 2, 1.0]}}', pkg.Features)
    err = e.value
    assert isinstance(err, msgspec.ValidationError) and isinstance(err, ValueError)
    assert (err.pointer, err.keyword) == ("/limits/unique/2", "uniqueItems")
    assert err.schema.endswith("features.json#/$defs/Limits/properties/unique")
    with pytest.raises(pkg.ValidationError) as e:
        pkg.convert({"limits": {"code": "ab"}}, pkg.Features)
    assert (e.value.pointer, e.value.keyword) == ("/limits/code", "pattern")
    assert not pkg.is_valid({"limits": {"code": "ab"}}, pkg.Features)
    assert pkg.is_valid({"limits": {"code": "AB"}}, pkg.Features)
    pkg.validate(pkg.decode(b'{"limits": {"code": "AB"}}', pkg.Features), pkg.Features)  # typed values too


def test_integral_floats_are_integers() -> None:
    pkg = _golden("features")
    value = pkg.decode(b'{"map": {"x": 1.0}}', pkg.Features)
    assert value.map == {"x": 1} and type(value.map["x"]) is int
    assert pkg.decode(b"10.0", pkg.Priority) is pkg.Priority(10)
    with pytest.raises(pkg.ValidationError):
        pkg.decode(b'{"map": {"x": 1.5}}', pkg.Features)


def test_required_literal_has_no_invented_default() -> None:
    pkg = _golden("features")
    with pytest.raises(pkg.ValidationError) as e:
        pkg.decode(b"{}", pkg.Dog)
    assert e.value.keyword == "required"
    with pytest.raises(TypeError):
        pkg.Dog()  # type: ignore[call-arg]


def test_one_of_is_exactly_one() -> None:
    pkg = _golden("features")
    # both variants accept it: JSON Schema's oneOf rejects it, whatever the type would pick
    with pytest.raises(pkg.ValidationError) as e:
        pkg.decode(b'{"kind": "bird"}', pkg.Animal)
    assert e.value.keyword == "oneOf"


@pytest.mark.parametrize("depth", [2_000, 10_000])
def test_deep_documents_are_a_clean_error(depth: int) -> None:
    pkg = _golden("features")
    deep = b"[" * depth + b"]" * depth
    for tp in (pkg.JsonValue, pkg.Features):
        with pytest.raises(pkg.ValidationError) as e:
            pkg.decode(b'{"matrix": ' + deep + b"}" if tp is pkg.Features else deep, tp)
        assert e.value.keyword in ("depth", "type")
    nested: Any = []
    for _ in range(depth):
        nested = [nested]
    with pytest.raises(pkg.ValidationError) as e:
        pkg.validate(nested, pkg.JsonValue)
    assert e.value.keyword == "depth"


def test_deep_messages_keep_their_json_rpc_code(tmp_root: str) -> None:
    _, pkg = built("protocol", tmp_root)
    deep = b"[" * 10_000 + b"]" * 10_000
    raw = b'{"jsonrpc":"2.0","id":1,"method":"components/execute","params":{"component":"/x","input":' + deep + b',"attempt":1}}'
    with pytest.raises(pkg.ProtocolError) as e:
        pkg.decode_message(raw)
    assert (e.value.code, e.value.id) == (-32600, 1)


def test_generated_validators_hold_schema_text_only_in_constants() -> None:
    """Hostile schema text (collisions) reaches _validators.py only as literals of module constants."""
    import ast

    from conftest import render as render_fixture

    files, _ = render_fixture("collisions")
    tree = ast.parse(files["_validators.py"])
    allowed_calls = {
        "Fail", "Seen", "duplicate", "is_multiple", "json_equal", "json_in", "type", "len", "enumerate",
        "range", "frozenset", "re.compile", "f", "g", "h",
    }
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            assert node.name.startswith("_v") and node.name[2:].isdigit(), node.name
            for sub in ast.walk(node):
                if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                    assert sub.value.isidentifier() or sub.value == "", sub.value  # keywords only
                if isinstance(sub, ast.Call):
                    name = ast.unparse(sub.func)
                    ok = name in allowed_calls or name.startswith("_v") or name.split(".")[-1] in (
                        "at", "search", "get", "keys", "items", "merge", "add", "update", "is_integer",
                    )
                    assert ok, name
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for sub in ast.walk(node):
                if isinstance(sub, ast.Call):
                    assert ast.unparse(sub.func) in ("frozenset", "re.compile", "type"), ast.unparse(sub)
        else:
            assert isinstance(node, (ast.ImportFrom, ast.Import, ast.Expr)), ast.unparse(node)


def test_types_without_a_validator_raise_the_same_error() -> None:
    pkg = _golden("features")
    with pytest.raises(pkg.ValidationError) as e:
        pkg.decode(b'[1, "x"]', list[int])
    assert (e.value.pointer, e.value.keyword) == ("/1", "type")
    with pytest.raises(pkg.ValidationError):
        pkg.convert([{"petType": "cow"}], list[pkg.Pet])


def test_a_pattern_python_cannot_express_fails_closed_with_a_warning(tmp_path: Path) -> None:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {"name": {"type": "string", "pattern": "^\\p{Script=Greek}"}},
        "patternProperties": {"^\\p{Script=Greek}": {"type": "integer"}},
    }
    (tmp_path / "greek.json").write_text(json.dumps(schema), encoding="utf-8")
    diags = Diagnostics()
    program = build_program([tmp_path / "greek.json"], diags, cwd=tmp_path)
    files = render(program, TargetOptions("greek_pkg", "test"), diags)
    warned = [d for d in diags.items if d.code == "pattern-unsupported" and "validator rejects" in d.message]
    assert {d.pointer for d in warned} == {"/properties/name/pattern", "/patternProperties/^\\p{Script=Greek}"}
    write_tree(tmp_path / "greek_pkg", files)
    pkg = load_package(tmp_path / "greek_pkg", "greek_pkg")
    root = next(iter(pkg._validators.VALIDATORS.values()))
    assert root({}) is None  # nothing to match: valid
    assert root({"name": "\u03b1"}).keyword == "pattern"  # cannot tell: rejected
    assert root({"x": 1}).keyword == "pattern"
