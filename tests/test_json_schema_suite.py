"""The official JSON Schema Test Suite (required tests of draft-04, -06, -07, 2019-09, 2020-12)
through the generated Python, TypeScript and Rust code (tests/suite/run.py; docs/conformance.md).

A test agrees when the generated code accepts the instance iff the suite says it is valid.  Tests
that disagree today are listed in tests/suite/expected_failures/<lang>.txt; the list may only
shrink: a disagreement not listed fails, and so does a listed test that now agrees (remove its
line, or run ``python -m tests.suite.run --lang LANG --update-expected`` and review the diff).

The agreement per draft and language, and the headline (draft-07 and 2020-12 without the
"ignores non-X" tests), are printed (``pytest -s``) and written to .cache/conformance/suite.md.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.suite import run as suite  # noqa: E402
from tests.suite.harness import LANGS  # noqa: E402


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, list[suite.Result]], dict[str, Any]]:
    t0 = time.perf_counter()
    res, stats = suite.run(list(LANGS), list(suite.DRAFTS), work=ROOT / ".cache" / "suite-work" / "pytest-suite",
                           log=lambda m: print(m, file=sys.stderr))
    stats["total_seconds"] = round(time.perf_counter() - t0, 1)
    report = suite.write_report(res, stats)
    print("\n" + suite.headline(res) + "\n\n" + suite.table(res, by_file=False) + f"\n(report: {report})")
    return res, stats


def test_suite_is_complete(results: tuple[dict[str, list[suite.Result]], dict[str, Any]]) -> None:
    res, _ = results
    for lang in LANGS:
        per = suite.summary(res)[lang]
        assert set(per) == set(suite.DRAFTS)
        # the required tests of the pinned suite (jsonschema 4.23.0): a change means the suite moved
        assert sum(x["tests"] for x in per.values()) == 4803, per
        assert all(x["ignores_tests"] > 50 for x in per.values()), per


@pytest.mark.parametrize("lang", LANGS)
def test_agreement_only_improves(lang: str, results: tuple[dict[str, list[suite.Result]], dict[str, Any]]) -> None:
    res, _ = results
    new, fixed, stale = suite.compare_expected(lang, res[lang])
    path = suite.expected_path(lang).relative_to(ROOT)
    problems = []
    if new:
        problems.append(f"{len(new)} test(s) of the JSON Schema Test Suite now disagree in {lang} "
                        f"(not in {path}):\n  " + "\n  ".join(new[:200]))
    if fixed:
        problems.append(f"{len(fixed)} listed test(s) now agree in {lang}: remove them from {path} "
                        f"(or run: python -m tests.suite.run --lang {lang} --update-expected):\n  "
                        + "\n  ".join(fixed[:200]))
    if stale:
        problems.append(f"{len(stale)} test(s) in {path} are not in the suite:\n  " + "\n  ".join(stale[:50]))
    assert not problems, "\n\n".join(problems)


def test_headline_is_reported(results: tuple[dict[str, list[suite.Result]], dict[str, Any]]) -> None:
    res, _ = results
    line = suite.headline(res)
    for lang in LANGS:
        for d in suite.HEADLINE_DRAFTS:
            assert f"{lang} {d}: " in line
    assert (suite.REPORT_DIR / "suite.md").read_text(encoding="utf-8").startswith(line)


def test_spec_exact_kinds_pass_every_ignores_non_x_test(monkeypatch: pytest.MonkeyPatch) -> None:
    """With ``--kinds spec`` (untyped schemas typed as any JSON value, as the specification reads
    them), the "ignores non-X" tests the typing convention leaves out all agree, in the languages
    with a typed decode (TypeScript's validators agree on them either way: see the table)."""
    monkeypatch.setenv("STEPFLOW_SUITE_KINDS", "spec")
    langs = ["python", "rust"]
    res, _ = suite.run(langs, list(suite.DRAFTS), work=ROOT / ".cache" / "suite-work" / "pytest-suite-spec",
                       log=lambda m: print(m, file=sys.stderr))
    for lang in langs:
        ignores = [r for r in res[lang] if r.test.ignores_non_x]
        assert len(ignores) > 600, len(ignores)
        failing = [r.test.id for r in ignores if not r.agrees]
        assert not failing, f"{lang}: {len(failing)} 'ignores non-X' tests disagree with --kinds spec:\n  " + "\n  ".join(failing[:50])
        agreed = sum(r.agrees for r in res[lang])
        assert agreed / len(res[lang]) >= 0.99, (lang, agreed, len(res[lang]))


# -- optional format tests, generated with --formats assert -----------------------------------


@pytest.fixture(scope="module")
def format_results() -> tuple[dict[str, list[suite.Result]], dict[str, Any]]:
    res, stats = suite.run(list(LANGS), list(suite.FORMAT_DRAFTS), work=ROOT / ".cache" / "suite-work" / "pytest-formats",
                           log=lambda m: print(m, file=sys.stderr), formats=True)
    report = suite.write_report(res, stats, "formats", formats=True)
    print("\n" + suite.headline(res, formats=True) + "\n\n" + suite.table(res, by_file=False) + f"\n(report: {report})")
    return res, stats


def test_formats_suite_is_complete(format_results: tuple[dict[str, list[suite.Result]], dict[str, Any]]) -> None:
    """Every asserted format's file of draft-07 and 2020-12 ran (draft-07 has no duration.json nor uuid.json),
    and unknown.json (an unknown format stays an annotation, even with --formats assert)."""
    res, _ = format_results
    from stepflow_codegen.ir.formats import ASSERTED

    for lang in LANGS:
        files = {(r.test.draft, r.test.file) for r in res[lang]}
        want = {(d, f"optional/format/{f}.json") for d in suite.FORMAT_DRAFTS for f in (*ASSERTED, "unknown")}
        want -= {("draft7", "optional/format/duration.json"), ("draft7", "optional/format/uuid.json")}
        assert files == want, sorted(want ^ files)
        per = suite.summary(res)[lang]
        # the pinned suite (jsonschema 4.23.0): 320 draft-07 and 374 2020-12 tests for these formats
        assert (per["draft7"]["tests"], per["draft2020-12"]["tests"]) == (320, 374), per
        # the invalid examples are rejected because the format is asserted (not by accident)
        invalid = [r for r in res[lang] if not r.test.valid]
        assert len(invalid) > 250 and all("format" in (r.outcome.error or "") for r in invalid if r.agrees), lang


@pytest.mark.parametrize("lang", LANGS)
def test_formats_agreement_only_improves(lang: str, format_results: tuple[dict[str, list[suite.Result]], dict[str, Any]]) -> None:
    res, _ = format_results
    new, fixed, stale = suite.compare_expected(lang, res[lang], formats=True)
    path = suite.expected_path(lang, formats=True).relative_to(ROOT)
    problems = []
    if new:
        problems.append(f"{len(new)} optional format test(s) now disagree in {lang} (not in {path}):\n  " + "\n  ".join(new[:200]))
    if fixed:
        problems.append(f"{len(fixed)} listed format test(s) now agree in {lang}: remove them from {path} (or run: "
                        f"python -m tests.suite.run --formats assert --lang {lang} --update-expected):\n  " + "\n  ".join(fixed))
    if stale:
        problems.append(f"{len(stale)} test(s) in {path} are not in the suite:\n  " + "\n  ".join(stale[:50]))
    assert not problems, "\n\n".join(problems)
    # the goal of the option: at least 95 % of each draft's optional format tests agree
    for d, x in suite.summary(res)[lang].items():
        assert x["pct"] >= 95.0, (lang, d, x)


# -- optional bignum tests: integers beyond 64 bits ------------------------------------------------


def test_bignum_with_exact_integers_agrees_in_every_language() -> None:
    """The suite's ``optional/bignum.json`` (draft-07, 2020-12) through the generated code of all
    three languages: with ``--integers exact`` every test agrees (Rust holds such integers as
    ``serde_json::Number``); with the default ``--integers native`` Rust rejects exactly the
    integers past 64 bits (the documented convention) and nothing else."""
    drafts = ["draft7", "draft2020-12"]
    work = ROOT / ".cache" / "suite-work"
    exact = suite.run_optional(list(LANGS), drafts, "bignum", "exact", work / "pytest-bignum-exact",
                               log=lambda m: print(m, file=sys.stderr))
    for lang in LANGS:
        assert len(exact[lang]) == 18, (lang, len(exact[lang]))
        assert [r.test.id for r in exact[lang] if not r.agrees] == [], lang
    native = suite.run_optional(["rust"], drafts, "bignum", "native", work / "pytest-bignum-native",
                                log=lambda m: print(m, file=sys.stderr))
    wrong = [r for r in native["rust"] if not r.agrees]
    assert {r.test.case for r in wrong} == {"integer", "minimum integer comparison"}, [r.test.id for r in wrong]
    # each a valid integer beyond i64/u64, read as a float by the native convention
    assert all(r.test.valid and isinstance(r.test.data, int) and not -(2**63) <= r.test.data < 2**64 for r in wrong), [
        r.reason for r in wrong
    ]
    assert any("64-bit" in (r.outcome.error or "") for r in wrong)
