"""Differential fuzzing: the generated Python, TypeScript and Rust code against ``jsonschema``.

Documents come from hypothesis-jsonschema (derandomized, bounded), the fixtures' own instances and
the real corpus's documents, plus one-change mutations of every valid one; ``jsonschema`` labels
each (tests/suite/fuzz.py, docs/conformance.md).  Every document the generated code judges
differently from ``jsonschema`` must be listed in tests/suite/expected_failures/fuzz-<lang>.txt,
and every listed one must still disagree (the lists only shrink; regenerate with
``python -m tests.suite.fuzz --lang LANG --update-expected`` and review the diff).

Rust runs twice: with the default ``--integers native`` its list holds the documents with integers
beyond 64 bits (each rejected with the error naming that convention) and nothing else it does not
also list with ``--integers exact`` (fuzz-rust-exact.txt), which holds no such document.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.suite import fuzz  # noqa: E402
from tests.suite.harness import LANGS  # noqa: E402

Results = tuple[dict[str, list[fuzz.Result]], dict[str, Any]]


@pytest.fixture(scope="module")
def built() -> fuzz.Built:
    return fuzz.build_stable(None, lambda m: print(m, file=sys.stderr))


@pytest.fixture(scope="module")
def results(built: fuzz.Built) -> Results:
    t0 = time.perf_counter()
    res, stats = fuzz.run(list(LANGS), work=ROOT / ".cache" / "suite-work" / "pytest-fuzz",
                          log=lambda m: print(m, file=sys.stderr), built=built)
    stats["total_seconds"] = round(time.perf_counter() - t0, 1)
    report = ROOT / ".cache" / "conformance" / "fuzz.md"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(fuzz.summary(res) + "\n\n" + json.dumps(stats, indent=1) + "\n", encoding="utf-8")
    print("\n" + fuzz.summary(res) + f"\n(report: {report})")
    return res, stats


def test_every_schema_set_is_fuzzed(results: Results) -> None:
    res, stats = results
    sets = {s.name for s in fuzz.all_sets()}
    for lang in LANGS:
        seen = {r.doc.set for r in res[lang]}
        assert seen == sets, sets - seen
        valid = sum(r.doc.valid for r in res[lang])
        # both kinds, in numbers: a fuzzer that only makes valid (or only invalid) documents proves little
        assert valid > 1000 and len(res[lang]) - valid > 1000, (valid, len(res[lang]))
    # hypothesis-jsonschema draws for (nearly) every declaration; the rest get mutations of seeds only
    assert len(stats["no_generation"]) <= 0.1 * stats["documents"], stats["no_generation"]


def test_the_code_accepts_and_rejects(results: Results) -> None:
    """Not vacuous: in every language most valid documents are accepted and most invalid ones rejected."""
    res, _ = results
    for lang in LANGS:
        valid = [r for r in res[lang] if r.doc.valid]
        invalid = [r for r in res[lang] if not r.doc.valid]
        assert sum(r.outcome.accepted for r in valid) > 0.8 * len(valid), lang
        assert sum(not r.outcome.accepted for r in invalid) > 0.8 * len(invalid), lang


def test_the_oracle_agrees_with_the_fixtures() -> None:
    """jsonschema, as fuzz.py sets it up (ECMA-262 patterns), gives every fixture instance the
    validity the specification gives it, including where plain jsonschema departs from it
    (ORACLE_KNOWN_DIVERGENCES of test_differential_dmcg: Python's ``$``)."""
    inst = ROOT / "tests" / "fixtures" / "differential" / "instances"
    checked = 0
    for s in fuzz.fixture_sets():
        if not s.name.startswith("differential/"):
            continue
        oracle = fuzz.Oracle(s, fuzz._load(s))
        for case in json.loads((inst / s.files[0]).read_text(encoding="utf-8")):
            assert oracle.valid((s.files[0], ""), case["data"]) == case["valid"], (s.name, case)
            checked += 1
    assert checked > 50


def test_the_oracle_reads_patterns_as_ecma_262() -> None:
    """Plain jsonschema evaluates patterns with Python's re; the oracle's do not."""
    import jsonschema

    from tests.suite.ecma import ecma_patterns

    cases = [  # schema, document, plain jsonschema (None: it raises), the oracle
        ({"pattern": "^[a-z]+$"}, "abc\n", True, False),  # $ before a final newline
        ({"pattern": "^\\d+$"}, "\u0661\u0662", True, False),  # \\d is ASCII in ECMA-262
        ({"propertyNames": {"pattern": "^\\w+$"}}, {"caf\u00e9": 1}, True, False),  # so is \\w
        ({"patternProperties": {"^\\p{Lu}": {"type": "integer"}}}, {"\u00c9": "x"}, None, False),
        ({"patternProperties": {"^\\p{Lu}": {"type": "integer"}}}, {"\u00c9": 1}, None, True),
        ({"patternProperties": {"^x-": True}, "additionalProperties": False}, {"x-a": 1, "b": 2}, False, False),
        ({"pattern": "^[a-z]+$"}, "abc", True, True),
    ]
    for schema, doc, python_re, ecma in cases:
        v = jsonschema.Draft202012Validator(schema)
        if python_re is None:
            with pytest.raises(re.error):
                v.is_valid(doc)
        else:
            assert v.is_valid(doc) is python_re, (schema, doc)
        with ecma_patterns():
            assert v.is_valid(doc) is ecma, (schema, doc)
        if python_re is not None:  # Python's re again after the block
            assert v.is_valid(doc) is python_re, (schema, doc)


@pytest.mark.parametrize("lang", LANGS)
def test_agreement_with_jsonschema_only_improves(lang: str, results: Results) -> None:
    res, _ = results
    new, fixed, stale = fuzz.compare_expected(lang, res[lang])
    path = fuzz.expected_path(lang).relative_to(ROOT)
    problems = []
    if new:
        problems.append(f"{len(new)} document(s) now judged differently from jsonschema in {lang} "
                        f"(not in {path}):\n  " + "\n  ".join(new[:100]))
    if fixed:
        problems.append(f"{len(fixed)} listed document(s) now agree in {lang}: remove them from {path} "
                        f"(or run: python -m tests.suite.fuzz --lang {lang} --update-expected):\n  "
                        + "\n  ".join(fixed[:100]))
    if stale:
        problems.append(f"{len(stale)} listed document(s) were not generated (schemas or generators changed; "
                        f"regenerate {path}):\n  " + "\n  ".join(stale[:50]))
    assert not problems, "\n\n".join(problems)


@pytest.fixture(scope="module")
def exact_results(built: fuzz.Built) -> Results:
    return fuzz.run(["rust"], work=ROOT / ".cache" / "suite-work" / "pytest-fuzz-exact",
                    log=lambda m: print(m, file=sys.stderr), integers="exact", built=built)


def _big_integer(value: Any) -> bool:
    """Whether a document holds an integer beyond 64 bits (or an integral float past 2^63)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return not -(2**63) <= value < 2**64
    if isinstance(value, float):
        return value.is_integer() and abs(value) >= 2**63
    if isinstance(value, list):
        return any(_big_integer(v) for v in value)
    if isinstance(value, dict):
        return any(_big_integer(v) for v in value.values())
    return False


def test_rust_exact_integers_agree_on_big_integers(exact_results: Results) -> None:
    """--integers exact: only improves on its own list, which holds no big-integer document."""
    res, _ = exact_results
    new, fixed, stale = fuzz.compare_expected("rust", res["rust"], "exact")
    assert not new and not fixed and not stale, (new[:20], fixed[:20], stale[:20])
    big = [r for r in res["rust"] if _big_integer(r.doc.value)]
    assert len(big) >= 30, len(big)  # not vacuous: the fuzzer makes such documents
    assert all(r.agrees for r in big), [r.reason for r in big if not r.agrees][:10]


def test_rust_native_integers_disagree_only_by_their_convention(results: Results, exact_results: Results) -> None:
    """The default run's extra disagreements are exactly the big-integer documents, each rejected
    with the error that names the --integers native convention."""
    native = {r.doc.id: r for r in results[0]["rust"] if not r.agrees}
    exact = {r.doc.id for r in exact_results[0]["rust"] if not r.agrees}
    extra = [native[k] for k in sorted(set(native) - exact)]
    assert extra, "the default run should reject the documents with integers beyond 64 bits"
    for r in extra:
        assert _big_integer(r.doc.value) and "`--integers native` convention" in (r.outcome.error or ""), r.reason


def test_a_crash_is_never_an_agreement() -> None:
    """Generated code that fails (an exception other than its validation error, a panic, ``is`` and
    ``validate`` disagreeing) on a value the schema rejects did not *reject* it: the suite, the fuzz
    and the real-corpus runs count it as a disagreement."""
    from tests.suite import real, run
    from tests.suite.harness import Outcome

    rejected, crashed = Outcome(False, error="ValidationError: ..."), Outcome(False, error="TypeError: x", crash=True)
    doc = fuzz.Doc("id", "set", ("f.json", ""), {"a": 1}, False, "mutation")
    assert fuzz.Result(doc, rejected).agrees and not fuzz.Result(doc, crashed).agrees
    test = run.Test("t", "draft7", "f.json", "case", "test", {"a": 1}, False, False)
    assert run.Result(test, rejected).agrees and not run.Result(test, crashed).agrees
    assert real.Result("r", False, {"a": 1}, rejected, False).problem is None
    assert (real.Result("r", False, {"a": 1}, crashed, False).problem or "").startswith("crashes")


def test_the_real_corpus_round_trip_tells_true_from_1() -> None:
    """A valid real document must re-encode to the same JSON, types included."""
    from tests.suite import real
    from tests.suite.harness import Outcome

    doc = {"a": True, "b": [0], "c": 1.5}
    ok = real.Result("r", True, doc, Outcome(True, output='{"a":true,"b":[0],"c":1.5}'), True)
    assert ok.problem is None
    for bad in ('{"a":1,"b":[0],"c":1.5}', '{"a":true,"b":[false],"c":1.5}', '{"a":true,"b":[0.0],"c":1.5}'):
        r = real.Result("r", True, doc, Outcome(True, output=bad), True)
        assert (r.problem or "").startswith("round trip changes the document"), bad
