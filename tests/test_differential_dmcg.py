"""Differential test: stepflow-codegen against datamodel-code-generator (dmcg) and ``jsonschema``.

For every schema in ``tests/fixtures/differential/schemas/`` there is a list of JSON instances in
``tests/fixtures/differential/instances/`` (same file name), each ``{"valid": bool, "data": ...,
"note": str}``.  Once per session both tools generate code for all the schemas (one run each):

* ours: ``python -m stepflow_codegen python SCHEMAS... -o OUT``, decoded with the package's
  ``decode(data, Root)``;
* dmcg: ``python -m datamodel_code_generator`` with ``--output-model-type msgspec.Struct`` (flags in
  :data:`DMCG_FLAGS`), decoded with ``msgspec.json.decode(data, type=Root)``.

``Root`` is the class named after the schema's ``title`` in both.  Every instance is then decoded
by both, and the tests assert:

1. ``jsonschema`` (the oracle) gives the validity the fixture records;
2. ours accepts exactly the instances ``jsonschema`` accepts (known exceptions are strict xfails,
   listed in :data:`OURS_KNOWN_DIVERGENCES`);
3. dmcg agrees with ``jsonschema`` except on the cases listed in :data:`KNOWN_DMCG_DIVERGENCES`,
   and still disagrees on each of those (so the list stays truthful both ways);
4. wherever dmcg agrees with ``jsonschema``, ours gives the same accept/reject as dmcg.

dmcg is a dev dependency pinned in pyproject's ``dev`` extras (:data:`DMCG_REQUIREMENT`); if it is
missing or another version is installed the tests fail (they never skip).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

import jsonschema
import msgspec
import pytest

DMCG_VERSION = "0.89.0"
DMCG_REQUIREMENT = f"datamodel-code-generator=={DMCG_VERSION}"
INSTALL_HINT = "pip install -e '.[dev]'"

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "differential"
SCHEMAS = FIXTURES / "schemas"
INSTANCES = FIXTURES / "instances"

OURS_PACKAGE = "sf_differential_ours"
DMCG_PACKAGE = "sf_differential_dmcg"

DMCG_FLAGS = [
    # the flags the differential test is defined with
    "--output-model-type", "msgspec.Struct",
    "--field-constraints",
    "--use-union-operator",
    "--keyword-only",
    "--target-python-version", "3.11",
    "--use-title-as-name",
    "--use-subclass-enum",
    "--disable-timestamp",
    # needed for the output to work: without it an enum that lists null (profile.json's
    # "status") gets a `None` member, which msgspec refuses to decode into (it warns so)
    "--use-msgspec-nullable-enum-alias",
    # msgspec tagged structs for every discriminated union.  For these schemas the output is the
    # same without it (each branch's discriminator is a single const, which the 0.83.0 form
    # already tags); it is passed so that a later schema with a multi-value discriminator is tagged too
    "--use-msgspec-tagged-unions",
    # not needed for correctness: same output as the default black+isort, faster, no FutureWarning
    "--formatters", "builtin",
    # never pick up a [tool.datamodel-codegen] table from a pyproject.toml
    "--ignore-pyproject",
]

# --------------------------------------------------------------------------- documented divergences

_CLOSED = (
    "dmcg's msgspec.Struct output ignores additionalProperties: false (no forbid_unknown_fields=True; "
    "--extra-fields forbid does not add it either), so msgspec accepts and drops the unknown key"
)
_TYPED_EXTRA = (
    "dmcg's Struct for an object with properties ignores a schema-valued additionalProperties: "
    "the extra keys are dropped without being checked against it"
)
_INTEGRAL_FLOAT = (
    "JSON Schema counts a number with a zero fractional part (36.0) as an integer; msgspec's int "
    "(and IntEnum) reject any JSON number written with a fraction or exponent"
)

KNOWN_DMCG_DIVERGENCES: list[tuple[str, Any, str]] = [
    ("account", {"username": "ada\n"}, "dmcg's msgspec Meta(pattern=...) matches with Python's re, whose $ matches before a final newline (ECMA-262's does not)"),
    ("person", {"name": "Ada", "nick": "A"}, _CLOSED),
    ("person", {"name": "Ada", "age": 36.0}, _INTEGRAL_FLOAT),
    ("palette", {"primary": "red", "priority": 1, "extra": True}, _CLOSED),
    ("palette", {"primary": "red", "priority": 2.0}, _INTEGRAL_FLOAT),
    ("drawing", {"primary": {"kind": "circle", "radius": 1, "color": "red"}}, _CLOSED),
    ("event", {"type": "started", "at": 1, "ok": True}, _CLOSED),
    ("open_record", {"id": 1, "counters": {"total": 3, "hits": "many"}}, _TYPED_EXTRA),
    ("open_record", {"id": 1, "counters": {"total": 3, "ratio": 0.5}}, _TYPED_EXTRA),
    (
        "order",
        {
            "customer": {"name": "Ada", "address": {"street": "1 Main St", "zip": "12345"}},
            "lines": [{"sku": "A1", "quantity": 1}],
            "shipTo": {"street": "2 Side St", "zip": "54321", "floor": 3},
        },
        _CLOSED,
    ),
    (
        "order",
        {
            "customer": {"name": "Ada", "address": {"street": "1 Main St", "zip": "12345"}},
            "lines": [{"sku": "A1", "quantity": 1}],
            "ship_to": {"street": "2 Side St", "zip": "54321"},
        },
        _CLOSED,
    ),
    ("profile", {"nickname": None, "home": {"city": "Oslo", "zip": "0150"}}, _CLOSED),
]
"""(schema file stem, instance, reason): instances on which dmcg's decode disagrees with jsonschema."""

OURS_KNOWN_DIVERGENCES: list[tuple[str, Any, str]] = [
    # none: integral floats for integers (36.0, 2.0 for an integer enum) are accepted since the
    # validators (the slow path accepts 1.0 where JSON Schema does)
]
"""(schema file stem, instance, reason): instances on which our decode disagrees with jsonschema.

These are bugs (or limits) of stepflow-codegen, kept visible as strict xfails: when one is fixed
the xfail turns into an XPASS failure, and the entry must be removed.
"""


ORACLE_KNOWN_DIVERGENCES: list[tuple[str, Any, str]] = [
    (
        "account",
        {"username": "ada\n"},
        "JSON Schema patterns are ECMA-262, where $ is the end of the input; jsonschema matches them with "
        "Python's re, whose $ also matches before a final newline (Node's RegExp rejects this value)",
    ),
]
"""(schema file stem, instance, reason): instances on which ``jsonschema`` departs from the
specification; for these the oracle's answer is the specification's (the opposite of jsonschema's),
and a test checks that jsonschema still departs, so the list stays truthful."""


def _key(schema: str, data: Any) -> tuple[str, str]:
    """Identity of an instance: its JSON text tells 36 from 36.0 and 1 from true."""
    return schema, json.dumps(data, sort_keys=True)


_DMCG_DIVERGENT = {_key(s, d): why for s, d, why in KNOWN_DMCG_DIVERGENCES}
_OURS_DIVERGENT = {_key(s, d): why for s, d, why in OURS_KNOWN_DIVERGENCES}
_ORACLE_WRONG = {_key(s, d): why for s, d, why in ORACLE_KNOWN_DIVERGENCES}


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    schema: str
    index: int
    data: Any
    valid: bool
    note: str

    @property
    def id(self) -> str:
        return f"{self.schema}-{self.index}"

    @property
    def key(self) -> tuple[str, str]:
        return _key(self.schema, self.data)

    @property
    def json(self) -> bytes:
        return json.dumps(self.data).encode()

    def describe(self) -> str:
        return f"{self.schema}.json instance #{self.index} ({self.note}): {json.dumps(self.data)}"


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


SCHEMA_FILES = sorted(SCHEMAS.glob("*.json"))
SCHEMA_DOCS: dict[str, dict[str, Any]] = {p.stem: _load(p) for p in SCHEMA_FILES}


def _load_cases() -> list[Case]:
    cases = []
    for stem in SCHEMA_DOCS:
        path = INSTANCES / f"{stem}.json"
        if not path.is_file():
            continue  # test_fixture_inventory reports it
        for i, entry in enumerate(_load(path)):
            cases.append(Case(stem, i, entry["data"], entry["valid"], entry.get("note", "")))
    return cases


CASES = _load_cases()


def _params(cases: list[Case]) -> list[Any]:
    out = []
    for c in cases:
        marks = []
        if c.key in _OURS_DIVERGENT:
            marks.append(pytest.mark.xfail(strict=True, raises=AssertionError, reason=_OURS_DIVERGENT[c.key]))
        out.append(pytest.param(c, id=c.id, marks=marks))
    return out


def _validator(schema: dict[str, Any]) -> Any:
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


_VALIDATORS = {stem: _validator(doc) for stem, doc in SCHEMA_DOCS.items()}


def oracle(case: Case) -> bool:
    verdict = bool(_VALIDATORS[case.schema].is_valid(case.data))
    return not verdict if case.key in _ORACLE_WRONG else verdict


@pytest.mark.parametrize("schema,data,why", ORACLE_KNOWN_DIVERGENCES)
def test_oracle_divergences_still_hold(schema: str, data: Any, why: str) -> None:
    import subprocess

    assert [c for c in CASES if c.key == _key(schema, data)], "no such instance in the fixtures"
    assert _VALIDATORS[schema].is_valid(data), "jsonschema now follows ECMA-262 here: remove the entry"
    # the specification's answer, from JavaScript itself
    pattern = json.loads((FIXTURES / "schemas" / f"{schema}.json").read_text())["properties"]["username"]["pattern"]
    js = f"process.stdout.write(String(new RegExp({json.dumps(pattern)}, 'u').test({json.dumps(data['username'])})))"
    assert subprocess.run(["node", "-e", js], capture_output=True, text=True, timeout=60).stdout == "false"


def _accepts(decode: Callable[[], Any]) -> bool:
    try:
        decode()
    except msgspec.ValidationError:
        return False
    return True


def _verdict(ok: bool) -> str:
    return "accepts" if ok else "rejects"


# --------------------------------------------------------------------------- generation (once per session)


@dataclass
class Generated:
    ours: ModuleType
    dmcg: ModuleType

    def ours_accepts(self, case: Case) -> bool:
        root = getattr(self.ours, SCHEMA_DOCS[case.schema]["title"])
        return _accepts(lambda: self.ours.decode(case.json, root))

    def dmcg_accepts(self, case: Case) -> bool:
        module = importlib.import_module(f"{DMCG_PACKAGE}.{case.schema}")
        root = getattr(module, SCHEMA_DOCS[case.schema]["title"])
        return _accepts(lambda: msgspec.json.decode(case.json, type=root))


def _require_dmcg() -> None:
    if importlib.util.find_spec("datamodel_code_generator") is None:
        pytest.fail(
            f"datamodel-code-generator is not installed in {sys.executable}'s environment; "
            f"the differential test needs {DMCG_REQUIREMENT}: run {INSTALL_HINT}",
            pytrace=False,
        )
    version = importlib.metadata.version("datamodel-code-generator")
    if version != DMCG_VERSION:
        pytest.fail(
            f"datamodel-code-generator {version} is installed but the differential test (and its list of "
            f"known dmcg divergences) is pinned to {DMCG_REQUIREMENT}: run {INSTALL_HINT}",
            pytrace=False,
        )


def _run(cmd: list[str], cwd: Path, what: str) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        pytest.fail(
            f"{what} failed (exit {proc.returncode}): {' '.join(cmd)}\n"
            f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Any:
    _require_dmcg()
    out = tmp_path_factory.mktemp("differential")
    _run(
        [sys.executable, "-m", "stepflow_codegen", "python", *map(str, SCHEMA_FILES), "-o", str(out / OURS_PACKAGE), "-q"],
        REPO,
        "stepflow-codegen",
    )
    _run(
        [
            sys.executable, "-m", "datamodel_code_generator",
            "--input", str(SCHEMAS),
            "--input-file-type", "jsonschema",
            "--output", str(out / DMCG_PACKAGE),
            *DMCG_FLAGS,
        ],
        out,
        "datamodel-code-generator",
    )
    sys.path.insert(0, str(out))
    try:
        ours = importlib.import_module(OURS_PACKAGE)
        dmcg = importlib.import_module(DMCG_PACKAGE)
        for stem in SCHEMA_DOCS:
            importlib.import_module(f"{DMCG_PACKAGE}.{stem}")
        yield Generated(ours, dmcg)
    finally:
        sys.path.remove(str(out))
        for name in list(sys.modules):
            if name.split(".")[0] in (OURS_PACKAGE, DMCG_PACKAGE):
                del sys.modules[name]


# --------------------------------------------------------------------------- fixture sanity


def test_fixture_inventory() -> None:
    instance_stems = {p.stem for p in INSTANCES.glob("*.json")}
    assert instance_stems == set(SCHEMA_DOCS), "every schema needs an instances file of the same name, and vice versa"
    assert len(SCHEMA_DOCS) >= 8
    titles = [doc.get("title") for doc in SCHEMA_DOCS.values()]
    assert all(isinstance(t, str) and t.isidentifier() for t in titles), titles
    assert len(set(titles)) == len(titles), "titles name the root types, so they must be unique"
    for stem, doc in SCHEMA_DOCS.items():
        assert doc.get("$schema") in (
            "https://json-schema.org/draft/2020-12/schema",
            "http://json-schema.org/draft-07/schema#",
        ), stem
        mine = [c for c in CASES if c.schema == stem]
        assert len(mine) >= 8, f"{stem}: too few instances"
        assert any(c.valid for c in mine) and not all(c.valid for c in mine), f"{stem}: needs valid and invalid instances"
        keys = [c.key for c in mine]
        assert len(set(keys)) == len(keys), f"{stem}: duplicate instances"


def test_divergence_lists_name_real_cases() -> None:
    keys = {c.key for c in CASES}
    for name, entries in (("KNOWN_DMCG_DIVERGENCES", KNOWN_DMCG_DIVERGENCES), ("OURS_KNOWN_DIVERGENCES", OURS_KNOWN_DIVERGENCES)):
        seen = set()
        for schema, data, reason in entries:
            k = _key(schema, data)
            assert k in keys, f"{name}: no instance {json.dumps(data)} in instances/{schema}.json"
            assert k not in seen, f"{name}: {schema} {json.dumps(data)} listed twice"
            assert reason.strip()
            seen.add(k)


@pytest.mark.parametrize("stem", sorted(SCHEMA_DOCS))
def test_schema_is_valid(stem: str) -> None:
    jsonschema.validators.validator_for(SCHEMA_DOCS[stem]).check_schema(SCHEMA_DOCS[stem])


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_jsonschema_oracle(case: Case) -> None:
    assert oracle(case) is case.valid, f"jsonschema {_verdict(oracle(case))} {case.describe()}; fix the fixture's 'valid'"


# --------------------------------------------------------------------------- the differential


@pytest.mark.parametrize("case", _params(CASES))
def test_ours_agrees_with_jsonschema(generated: Generated, case: Case) -> None:
    expected, got = oracle(case), generated.ours_accepts(case)
    assert got == expected, f"stepflow-codegen {_verdict(got)} but jsonschema {_verdict(expected)} {case.describe()}"


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_dmcg_agrees_with_jsonschema_unless_documented(generated: Generated, case: Case) -> None:
    expected, got = oracle(case), generated.dmcg_accepts(case)
    if case.key in _DMCG_DIVERGENT:
        assert got != expected, (
            f"dmcg now {_verdict(got)}, as jsonschema does, {case.describe()}: "
            "remove it from KNOWN_DMCG_DIVERGENCES"
        )
    else:
        assert got == expected, (
            f"dmcg {_verdict(got)} but jsonschema {_verdict(expected)} {case.describe()}: "
            "if that is expected, add it to KNOWN_DMCG_DIVERGENCES with the reason"
        )


@pytest.mark.parametrize("case", _params([c for c in CASES if c.key not in _DMCG_DIVERGENT]))
def test_ours_agrees_with_dmcg(generated: Generated, case: Case) -> None:
    """Where dmcg's output works (agrees with jsonschema; checked above), ours decides the same."""
    theirs, got = generated.dmcg_accepts(case), generated.ours_accepts(case)
    assert got == theirs, f"stepflow-codegen {_verdict(got)} but dmcg {_verdict(theirs)} {case.describe()}"
