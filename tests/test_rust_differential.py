"""The generated Rust validators against the reference evaluator (``stepflow_codegen.ir.evaluate``).

For every declaration of every schema set below (the fixtures of tests/fixtures/schemas, hostile
names and patterns included, and the semantics fixtures of tests/rust/differential/schemas: exact
multipleOf, JSON equality, unevaluated*, $dynamicRef, if/then/else, contains, look-around
patterns, draft-04...), hypothesis draws
JSON documents guided by the declaration's validation node (its properties, required keys, enum
and const values, bounds, items; then values of any kind), derandomized so every run checks the
same documents.  All of them run through the generated Rust code in ONE cargo build and ONE run
(tests/suite/harness.py: every schema set a module of one crate); a document agrees when Rust
accepts it (``TYPES_BY_SCHEMA_ID``: validation, then serde) iff the evaluator says it is valid.

Known gaps are listed in ``GAPS`` with their reason and must still disagree (a strict list).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from stepflow_codegen.diagnostics import Diagnostics  # noqa: E402
from stepflow_codegen.frontend import build_program  # noqa: E402
from stepflow_codegen.ir import model as ir  # noqa: E402
from stepflow_codegen.ir import validation as v  # noqa: E402
from stepflow_codegen.ir.evaluate import Evaluator  # noqa: E402
from tests.suite.harness import Unit, run_units  # noqa: E402

SETS = {
    "features": ROOT / "tests" / "fixtures" / "schemas" / "features",
    "draft07": ROOT / "tests" / "fixtures" / "schemas" / "draft07",
    "multifile": ROOT / "tests" / "fixtures" / "schemas" / "multifile",
    "collisions": ROOT / "tests" / "fixtures" / "schemas" / "collisions",
    "semantics": ROOT / "tests" / "rust" / "differential" / "schemas",
}
EXAMPLES = 40
"""Documents drawn per declaration."""

I64 = (-(2**63), 2**64 - 1)
"""Integers serde_json holds exactly (beyond, it reads an f64: a documented gap, not drawn)."""

_NULLABLE_ENUM = (
    "ignores non-X: the enum declaration split off a nullable enum is the non-null part; its schema "
    "location (whose node also accepts null) is checked here, the enum type cannot hold null"
)
_BRANCH = (
    "ignores non-X: the anyOf branch declaration is the branch merged with its object base; the "
    "branch's own schema (no type) accepts values of any kind, the struct only objects"
)
GAPS: dict[str, str] = {
    "features/features.json#/$defs/Defaults/properties/en::2be88ca4242c": _NULLABLE_ENUM,
    "features/features.json#/properties/maybeColor::2be88ca4242c": _NULLABLE_ENUM,
    "draft07/draft07.json#/properties/mode::2be88ca4242c": _NULLABLE_ENUM,
    "semantics/semantics.json#/$defs/Uneval/anyOf/0::2be88ca4242c": _BRANCH,
    "semantics/semantics.json#/$defs/Uneval/anyOf/0::97d170e1550e": _BRANCH,
    "semantics/semantics.json#/$defs/Uneval/anyOf/1::2be88ca4242c": _BRANCH,
    "semantics/semantics.json#/$defs/Uneval/anyOf/1::97d170e1550e": _BRANCH,
}
"""``set/file#pointer::sha1`` -> why the generated Rust disagrees with the evaluator there (a
strict list: each must still disagree)."""

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(*I64),
    st.integers(-3, 12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, 1.0, -1.0, 2.0, 1.5, 0.0075, 0.0001, 1e-7, 3e-7, 1e300, 100.0, 99.5]),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=6),
    st.sampled_from(["", "a", "foo", "ab1", "foo1", "x-a", "é", "日本", "a b", "abc1", "1"]),
)


def any_json(keys: list[str]) -> st.SearchStrategy[Any]:
    key = st.sampled_from(keys) | st.text(max_size=3) if keys else st.text(max_size=3)
    return st.recursive(
        SCALARS,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(key, inner, max_size=4),
        max_leaves=8,
    )


class Guide:
    """Hypothesis strategies guided by validation nodes."""

    def __init__(self, validation: v.Validation):
        self.v = validation
        self.keys = sorted({k for n in validation.nodes for k, _ in n.properties} | {k for n in validation.nodes for k in n.required})
        self.generic = any_json(self.keys)

    def for_node(self, nid: int, depth: int = 3) -> st.SearchStrategy[Any]:
        n = self.v.nodes[nid]
        options: list[st.SearchStrategy[Any]] = [self.generic]
        if depth <= 0:
            return self.generic
        if n.const is not ir.MISSING:
            options.append(st.just(n.const))
        if n.enum:
            options.append(st.sampled_from(list(n.enum)))
        for c in [*filter(None, [n.ref, n.dynamic_ref.initial if n.dynamic_ref else None]), *n.all_of, *n.any_of, *n.one_of][:4]:
            options.append(st.deferred(lambda c=c: self.for_node(c, depth - 1)))
        for c in (n.then, n.else_, n.if_):
            if c is not None:
                options.append(st.deferred(lambda c=c: self.for_node(c, depth - 1)))
        if n.properties or n.required or n.pattern_properties or n.dependent_schemas:
            options.append(self._object(n, depth))
        if n.items is not None or n.prefix_items or n.contains is not None or n.min_items:
            options.append(self._array(n, depth))
        bounds = [b for b in (n.minimum, n.maximum, n.exclusive_minimum, n.exclusive_maximum) if b is not None]
        if bounds or n.multiple_of is not None:
            near = [b + d for b in bounds for d in (-1, 0, 1, 0.5)]
            if n.multiple_of is not None:
                near += [n.multiple_of * k for k in (0, 1, 2, 3, 7, 75)]
            options.append(st.sampled_from(near) | st.sampled_from([float(x) for x in near]))
        if n.min_length is not None or n.max_length is not None:
            lengths = [x for x in (n.min_length, n.max_length) if x is not None]
            options.append(st.sampled_from([L + d for L in lengths for d in (-1, 0, 1) if L + d >= 0]).map(lambda k: "ab" * k))
        return st.one_of(options)

    def _object(self, n: v.Node, depth: int) -> st.SearchStrategy[Any]:
        props = dict(n.properties)
        names = sorted(set(props) | set(n.required) | {k for k, _ in n.dependent_schemas})
        required = {k: self.for_node(props[k], depth - 1) if k in props else self.generic for k in n.required}
        optional = {k: self.for_node(props[k], depth - 1) if k in props else self.generic for k in names if k not in required}
        extra = st.dictionaries(st.sampled_from(["x-a", "x1", "zz", "a", "b", "c", "d", "kind", "abcd"]), self.generic, max_size=2)
        return st.tuples(st.fixed_dictionaries(required, optional=optional), extra, st.booleans()).map(
            lambda t: {**t[1], **t[0]} if t[2] else t[0]
        )

    def _array(self, n: v.Node, depth: int) -> st.SearchStrategy[Any]:
        prefix = [self.for_node(c, depth - 1) for c in n.prefix_items]
        rest = self.for_node(n.items, depth - 1) if n.items is not None else self.generic
        if n.contains is not None:
            rest = rest | self.for_node(n.contains, depth - 1)
        return st.tuples(st.tuples(*prefix), st.lists(rest, max_size=4), st.booleans()).map(
            lambda t: list(t[0]) + t[1] if t[2] else list(t[0])[: len(t[1])] + t[1]
        )


def _decls(program: ir.Program) -> list[tuple[str, str, int]]:
    """(file, pointer, node) of every declaration the schema names (roots and $defs)."""
    assert program.validation is not None
    out = []
    for d in program.decls:
        if d.source is None:
            continue
        nid = program.validation.node_for(d.id)
        if nid is not None:
            out.append((d.source.file, d.source.pointer, nid))
    return sorted(set(out))


def _draw(strategy: st.SearchStrategy[Any], n: int) -> list[Any]:
    out: list[Any] = []

    @settings(max_examples=n, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(x: Any) -> None:
        out.append(x)

    collect()
    seen: set[str] = set()
    unique = []
    for x in out:
        t = json.dumps(x, sort_keys=True)
        if t not in seen:
            seen.add(t)
            unique.append(x)
    return unique


@pytest.fixture(scope="module")
def differential(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, Any, bool, Any]]:
    units: list[Unit] = []
    expected: list[list[tuple[str, Any, bool]]] = []
    for name, folder in SETS.items():
        files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.json"))
        diags = Diagnostics()
        program = build_program([folder / f for f in files], diags, cwd=folder)
        assert program.validation is not None
        evaluator = Evaluator(program.validation)
        guide = Guide(program.validation)
        docs: list[str] = []
        targets: list[tuple[str, str]] = []
        labels: list[tuple[str, Any, bool]] = []
        for file, pointer, nid in _decls(program):
            rel = Path(file).as_posix()  # relative to the set's folder (build_program's cwd)
            for x in _draw(guide.for_node(nid), EXAMPLES):
                text = json.dumps(x)
                key = f"{name}/{rel}#{pointer}::{hashlib.sha1(text.encode()).hexdigest()[:12]}"
                docs.append(text)
                targets.append((rel, pointer))
                labels.append((key, x, evaluator.is_valid(nid, x)))
        units.append(Unit(name, {f: json.loads((folder / f).read_text(encoding="utf-8")) for f in files}, files[0], docs,
                          extra_inputs=files[1:], targets=targets))
        expected.append(labels)
    outcomes, _ = run_units(units, ["rust"], tmp_path_factory.mktemp("rust-differential"))
    rows = []
    for labels, results in zip(expected, outcomes["rust"]):
        for (key, x, valid), got in zip(labels, results):
            rows.append((key, x, valid, got))
    return rows


def test_documents_were_drawn_on_both_sides(differential: list[tuple[str, Any, bool, Any]]) -> None:
    valid = sum(1 for _, _, ok, _ in differential if ok)
    assert len(differential) > 1000, len(differential)
    assert valid > 200 and len(differential) - valid > 200, (valid, len(differential))
    assert not [k for k, _, _, got in differential if got.unit_error], [got.unit_error for *_, got in differential][:3]


def test_rust_agrees_with_the_evaluator(differential: list[tuple[str, Any, bool, Any]]) -> None:
    wrong = []
    keys = {key for key, *_ in differential}
    assert not set(GAPS) - keys, f"gaps no longer drawn: {sorted(set(GAPS) - keys)}"
    for key, x, valid, got in differential:
        agrees = got.accepted == valid
        if key in GAPS:
            assert not agrees, f"{key} is listed as a gap ({GAPS[key]}) but now agrees: remove it"
        elif not agrees:
            wrong.append(f"{key}: evaluator says {'valid' if valid else 'invalid'}, Rust {'accepts' if got.accepted else 'rejects: ' + str(got.error)[:200]}: {json.dumps(x)[:200]}")
    assert not wrong, f"{len(wrong)} disagreement(s):\n" + "\n".join(wrong[:60])
