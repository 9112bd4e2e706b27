"""The official JSON Schema Test Suite through the generated Python, TypeScript and Rust code.

    python -m tests.suite.run --lang python|typescript|rust|all [--draft 7 --draft 2020-12 ...]
                              [--file items.json ...] [--failures] [--update-expected] [--json OUT]
                              [--kinds convention|spec] [--formats assert]

Each test case's schema becomes its own schema file (``$schema`` set to the case's draft when
absent, so the tool knows the dialect), generated in-process; the suite's remotes
(``http://localhost:1234/...``) that the case refers to (transitively) are given to the tool as
extra schema files, each with ``$id`` (``id`` in draft-04) set to its URL when it has none and
``$schema`` set to the case's draft when absent.  Every test of the case runs through the root type:
the test *agrees* when the code accepts the instance iff the suite says it is valid.

Tests whose description says the keyword "ignores" other kinds of values ("ignores arrays",
"ignores other non-objects"...), on a schema without ``type``, with an instance whose JSON kind is
not the one the keyword applies to, are counted apart ("ignores non-X"): by convention a schema
like ``{"properties": ...}`` may be typed as that kind.

Expected failures (``tests/suite/expected_failures/<lang>.txt``) list the disagreeing tests;
``--update-expected`` rewrites them from this run (only for the drafts run).

``--formats assert`` runs the optional ``format`` tests instead (``optional/format/<format>.json``
of draft-07 and 2020-12, for the formats ``stepflow-codegen --formats assert`` checks, and
``unknown.json``), generated with ``--formats assert``; their expected failures are
``expected_failures/formats-<lang>.txt``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin

from .fetch import ROOT, suite_dir
from .harness import LANGS, Outcome, Unit, read_list, run_units

DRAFTS = ("draft4", "draft6", "draft7", "draft2019-09", "draft2020-12")
DIALECTS = {
    "draft4": "http://json-schema.org/draft-04/schema#",
    "draft6": "http://json-schema.org/draft-06/schema#",
    "draft7": "http://json-schema.org/draft-07/schema#",
    "draft2019-09": "https://json-schema.org/draft/2019-09/schema",
    "draft2020-12": "https://json-schema.org/draft/2020-12/schema",
}
REMOTE_BASE = "http://localhost:1234/"
EXPECTED_DIR = Path(__file__).resolve().parent / "expected_failures"
REPORT_DIR = ROOT / ".cache" / "conformance"
HEADLINE_DRAFTS = ("draft7", "draft2020-12")
FORMAT_DRAFTS = ("draft7", "draft2020-12")
"""The drafts whose optional format tests ``--formats assert`` runs."""

# the JSON kind each keyword file's keyword applies to (for the "ignores non-X" tests)
KEYWORD_KIND = {
    **dict.fromkeys(
        ["properties", "required", "additionalProperties", "patternProperties", "minProperties", "maxProperties",
         "dependencies", "dependentRequired", "dependentSchemas", "propertyNames", "unevaluatedProperties"],
        "object",
    ),
    **dict.fromkeys(
        ["items", "prefixItems", "additionalItems", "contains", "minItems", "maxItems", "uniqueItems",
         "unevaluatedItems", "minContains", "maxContains"],
        "array",
    ),
    **dict.fromkeys(["minLength", "maxLength", "pattern", "format", "optional/format"], "string"),
    **dict.fromkeys(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"], "number"),
}


def normalize_draft(text: str) -> str:
    t = text.strip().lower().removeprefix("draft").removeprefix("-").lstrip("0")
    for d in DRAFTS:
        if d.removeprefix("draft") == t:
            return d
    raise SystemExit(f"unknown draft {text!r} (known: {', '.join(DRAFTS)})")


def json_kind(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


@dataclass
class Test:
    id: str
    draft: str
    file: str
    case: str
    description: str
    data: Any
    valid: bool
    ignores_non_x: bool


@dataclass
class Case:
    draft: str
    file: str
    description: str
    schema: Any
    tests: list[Test]


def test_id(draft: str, file: str, case: str, test: str) -> str:
    return f"{draft}/{file}::{case}::{test}"


def is_ignores_non_x(file: str, schema: Any, description: str, data: Any) -> bool:
    kind = KEYWORD_KIND.get("optional/format" if file.startswith("optional/format/") else file.removesuffix(".json"))
    if kind is None or not isinstance(schema, dict) or "type" in schema:
        return False
    if not re.search(r"\bignore[sd]?\b", description, re.IGNORECASE):
        return False
    return json_kind(data) != kind


def format_files() -> tuple[str, ...]:
    """The optional format test files ``--formats assert`` runs: one per asserted format, and
    ``unknown.json`` (an unknown format stays an annotation)."""
    from stepflow_codegen.ir.formats import ASSERTED

    return (*ASSERTED, "unknown")


def load_cases(drafts: list[str], files: list[str] | None = None, formats: bool = False) -> list[Case]:
    tests_dir = suite_dir() / "tests"
    cases = []
    for draft in drafts:
        folder = tests_dir / draft / "optional" / "format" if formats else tests_dir / draft
        for path in sorted(folder.glob("*.json")):
            if files and path.name not in files and path.stem not in files:
                continue
            if formats and path.stem not in format_files():
                continue
            name = f"optional/format/{path.name}" if formats else path.name
            for c in json.loads(path.read_text(encoding="utf-8")):
                tests = [
                    Test(test_id(draft, name, c["description"], t["description"]), draft, name,
                         c["description"], t["description"], t["data"], bool(t["valid"]),
                         is_ignores_non_x(name, c["schema"], t["description"], t["data"]))
                    for t in c["tests"]
                ]
                cases.append(Case(draft, name, c["description"], c["schema"], tests))
    return cases


def load_optional(drafts: list[str], stem: str) -> list[Case]:
    """The cases of ``optional/<stem>.json`` (e.g. ``bignum``) of each draft."""
    cases = []
    for draft in drafts:
        path = suite_dir() / "tests" / draft / "optional" / f"{stem}.json"
        name = f"optional/{stem}.json"
        for c in json.loads(path.read_text(encoding="utf-8")):
            tests = [
                Test(test_id(draft, name, c["description"], t["description"]), draft, name, c["description"],
                     t["description"], t["data"], bool(t["valid"]), False)
                for t in c["tests"]
            ]
            cases.append(Case(draft, name, c["description"], c["schema"], tests))
    return cases


def run_optional(langs: list[str], drafts: list[str], stem: str, integers: str, work: Path,
                 log: Any = print) -> dict[str, list[Result]]:
    """``optional/<stem>.json`` through the generated code, with the targets' ``--integers``."""
    saved = os.environ.get("STEPFLOW_SUITE_INTEGERS")
    os.environ["STEPFLOW_SUITE_INTEGERS"] = integers
    try:
        return _run(load_optional(drafts, stem), langs, work, log)[0]
    finally:
        if saved is None:
            os.environ.pop("STEPFLOW_SUITE_INTEGERS", None)
        else:
            os.environ["STEPFLOW_SUITE_INTEGERS"] = saved


# --------------------------------------------------------------------------------------------- remotes


def _refs(node: Any, base: str, found: set[str], draft: str) -> None:
    """Every remote (a URL under http://localhost:1234/, fragment removed) ``node`` refers to."""
    if isinstance(node, list):
        for x in node:
            _refs(x, base, found, draft)
        return
    if not isinstance(node, dict):
        return
    id_kw = "id" if draft == "draft4" else "$id"
    if isinstance(node.get(id_kw), str) and not node[id_kw].startswith("#"):
        base = urljoin(base, node[id_kw])
    for kw in ("$ref", "$dynamicRef", "$recursiveRef", "$schema"):
        v = node.get(kw)
        if isinstance(v, str):
            url = urldefrag(urljoin(base, v)).url
            if url.startswith(REMOTE_BASE):
                found.add(url)
    for k, v in node.items():
        if k not in ("enum", "const", "examples", "default"):
            _refs(v, base, found, draft)


def remote_files(case: Case) -> dict[str, Any]:
    """The remotes the case refers to, transitively: ``remotes/<path>`` -> schema."""
    remotes = suite_dir() / "remotes"
    todo: set[str] = set()
    _refs(case.schema, "", todo, case.draft)
    seen: set[str] = set()
    out: dict[str, Any] = {}
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        rel = url[len(REMOTE_BASE):]
        src = remotes / rel
        if not src.is_file():
            continue
        data = json.loads(src.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            id_kw = "id" if case.draft == "draft4" else "$id"
            if id_kw not in data:
                data = {id_kw: url, **data}
            if "$schema" not in data:
                data = {"$schema": DIALECTS[case.draft], **data}
        out[f"remotes/{rel}"] = data
        more: set[str] = set()
        _refs(data, url, more, case.draft)
        todo |= more - seen
    return dict(sorted(out.items()))


def units_for(cases: list[Case]) -> list[Unit]:
    units = []
    for c in cases:
        schema = c.schema
        if isinstance(schema, dict) and "$schema" not in schema:
            schema = {"$schema": DIALECTS[c.draft], **schema}
        remotes = remote_files(c)
        units.append(Unit(
            key=f"{c.draft}/{c.file}::{c.description}",
            files={"schema.json": schema, **remotes},
            root_file="schema.json",
            documents=[json.dumps(t.data, ensure_ascii=False) for t in c.tests],
            extra_inputs=list(remotes),
        ))
    return units


# --------------------------------------------------------------------------------------------- running


@dataclass
class Result:
    test: Test
    outcome: Outcome

    @property
    def agrees(self) -> bool:
        o = self.outcome
        return o.unit_error is None and not o.crash and o.accepted == self.test.valid

    @property
    def reason(self) -> str:
        o = self.outcome
        if o.unit_error:
            return o.unit_error
        if self.test.valid:
            return f"rejects valid: {o.error or ''}"[:300]
        return "accepts invalid"


def run(langs: list[str], drafts: list[str], files: list[str] | None = None, work: Path | None = None,
        log: Any = print, formats: bool = False) -> tuple[dict[str, list[Result]], dict[str, Any]]:
    """``formats``: the optional format tests, generated with ``--formats assert`` (sets
    ``STEPFLOW_SUITE_FORMATS`` for the harness while it runs)."""
    work = work or ROOT / ".cache" / "suite-work" / ("formats" if formats else "suite")
    cases = load_cases(drafts, files, formats)
    if formats:
        saved = os.environ.get("STEPFLOW_SUITE_FORMATS")
        os.environ["STEPFLOW_SUITE_FORMATS"] = "assert"
        try:
            return _run(cases, langs, work, log)
        finally:
            if saved is None:
                os.environ.pop("STEPFLOW_SUITE_FORMATS", None)
            else:
                os.environ["STEPFLOW_SUITE_FORMATS"] = saved
    return _run(cases, langs, work, log)


def _run(cases: list[Case], langs: list[str], work: Path, log: Any) -> tuple[dict[str, list[Result]], dict[str, Any]]:
    units = units_for(cases)
    outcomes, stats = run_units(units, langs, work, log=log)
    results: dict[str, list[Result]] = {}
    for lang in langs:
        results[lang] = [
            Result(t, o) for c, os_ in zip(cases, outcomes[lang]) for t, o in zip(c.tests, os_)
        ]
    return results, stats


# --------------------------------------------------------------------------------------------- reports


def summary(results: dict[str, list[Result]]) -> dict[str, Any]:
    """{lang: {draft: {tests, agreed, pct, core_tests, core_agreed, core_pct, ignores_tests, ignores_agreed}}}"""
    out: dict[str, Any] = {}
    for lang, rs in results.items():
        per: dict[str, Any] = {}
        for d in sorted({r.test.draft for r in rs}, key=DRAFTS.index):
            sel = [r for r in rs if r.test.draft == d]
            core = [r for r in sel if not r.test.ignores_non_x]
            ign = [r for r in sel if r.test.ignores_non_x]
            per[d] = {
                "tests": len(sel), "agreed": sum(r.agrees for r in sel),
                "pct": _pct(sum(r.agrees for r in sel), len(sel)),
                "core_tests": len(core), "core_agreed": sum(r.agrees for r in core),
                "core_pct": _pct(sum(r.agrees for r in core), len(core)),
                "ignores_tests": len(ign), "ignores_agreed": sum(r.agrees for r in ign),
            }
        out[lang] = per
    return out


def _pct(a: int, n: int) -> float:
    return round(100.0 * a / n, 1) if n else 100.0


def table(results: dict[str, list[Result]], by_file: bool = True) -> str:
    s = summary(results)
    lines = ["| language | draft | tests | agreed | % | excl. 'ignores non-X': tests | agreed | % | 'ignores non-X': agreed/tests |",
             "|---|---|---|---|---|---|---|---|---|"]
    for lang, per in s.items():
        for d, x in per.items():
            lines.append(
                f"| {lang} | {d} | {x['tests']} | {x['agreed']} | {x['pct']} | {x['core_tests']} | {x['core_agreed']} | "
                f"{x['core_pct']} | {x['ignores_agreed']}/{x['ignores_tests']} |"
            )
    if by_file:
        for lang, rs in results.items():
            lines += ["", f"{lang}: disagreements by file (failed/tests)"]
            groups: dict[str, list[Result]] = defaultdict(list)
            for r in rs:
                groups[f"{r.test.draft}/{r.test.file}"].append(r)
            for key in sorted(groups):
                bad = [r for r in groups[key] if not r.agrees]
                if bad:
                    kinds = Counter(_reason_class(r) for r in bad)
                    lines.append(f"  {key}: {len(bad)}/{len(groups[key])}  "
                                 + ", ".join(f"{k} {n}" for k, n in kinds.most_common()))
    return "\n".join(lines)


def _reason_class(r: Result) -> str:
    reason = r.reason
    for prefix in ("accepts invalid", "rejects valid", "tool error", "tool crash", "no root type"):
        if reason.startswith(prefix):
            return prefix
    return reason.split(":", 1)[0] + ": " + reason.split(":", 2)[1].strip() if reason.count(":") >= 2 else reason


def headline(results: dict[str, list[Result]], formats: bool = False) -> str:
    s = summary(results)
    parts = []
    for lang, per in s.items():
        for d in HEADLINE_DRAFTS:
            if d in per:
                if formats:
                    parts.append(f"{lang} {d}: {per[d]['pct']} % ({per[d]['agreed']}/{per[d]['tests']}), excluding "
                                 f"'ignores non-X' {per[d]['core_pct']} % ({per[d]['core_agreed']}/{per[d]['core_tests']})")
                else:
                    parts.append(f"{lang} {d}: {per[d]['core_pct']} % ({per[d]['core_agreed']}/{per[d]['core_tests']})")
    if formats:
        return "JSON Schema Test Suite optional format tests (--formats assert) agreement: " + "; ".join(parts)
    return "JSON Schema Test Suite agreement excluding 'ignores non-X' tests: " + "; ".join(parts)


# --------------------------------------------------------------------------------------------- expected failures


def expected_path(lang: str, formats: bool = False) -> Path:
    return EXPECTED_DIR / f"{'formats-' if formats else ''}{lang}.txt"


def read_expected(lang: str, formats: bool = False) -> dict[str, str]:
    """Test id -> reason (the list's format: :func:`.harness.read_list`)."""
    return read_list(expected_path(lang, formats))


def _one_line(text: str) -> str:
    return " ".join(text.split()).encode("ascii", "backslashreplace").decode("ascii")


def write_expected(lang: str, results: list[Result], drafts: list[str], formats: bool = False) -> None:
    keep = {k: v for k, v in read_expected(lang, formats).items() if k.split("/", 1)[0] not in drafts}
    for r in results:
        if not r.agrees:
            keep[r.test.id] = _one_line(r.reason)
    lines = [
        f"# JSON Schema Test Suite (jsonschema sdist) tests the generated {lang} code disagrees on today.",
        "# One test id per line (draft/file.json::case::test), a TAB, '# ' and why. This list may only shrink:",
        "# tests/test_json_schema_suite.py fails on a disagreement not listed here, and on a listed test that",
        "# now agrees (remove its line). Regenerate: python -m tests.suite.run --lang LANG --update-expected",
    ]
    if formats:
        lines[0] = (f"# Optional format tests (--formats assert) of the JSON Schema Test Suite the generated {lang} "
                    "code disagrees on today.")
        lines[2] = ("# tests/test_json_schema_suite.py (test_formats_*) fails on a disagreement not listed here, and "
                    "on a listed test that")
        lines[3] = ("# now agrees (remove its line). Regenerate: python -m tests.suite.run --formats assert --lang "
                    "LANG --update-expected")
    for k in sorted(keep, key=lambda t: (DRAFTS.index(t.split("/", 1)[0]), t)):
        lines.append(f"{k}\t# {keep[k]}")
    expected_path(lang, formats).parent.mkdir(parents=True, exist_ok=True)
    expected_path(lang, formats).write_text("\n".join(lines) + "\n", encoding="utf-8")


def compare_expected(lang: str, results: list[Result], formats: bool = False) -> tuple[list[str], list[str], list[str]]:
    """(new disagreements, listed tests that now agree, listed tests that do not exist)."""
    expected = read_expected(lang, formats)
    drafts = {r.test.draft for r in results}
    files = {f"{r.test.draft}/{r.test.file}" for r in results}
    ran = {r.test.id: r for r in results}
    new = [f"{r.test.id}\t# {r.reason}" for r in results if not r.agrees and r.test.id not in expected]
    fixed = [tid for tid, r in ran.items() if r.agrees and tid in expected]
    stale = [tid for tid in expected if tid.split("/", 1)[0] in drafts and tid.split("::", 1)[0] in files
             and tid not in ran]
    return new, fixed, stale


def write_report(results: dict[str, list[Result]], stats: dict[str, Any], name: str = "suite",
                 formats: bool = False) -> Path:
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    path = REPORT_DIR / f"{name}.md"
    path.write_text(
        f"{headline(results, formats)}\n\n{table(results)}\n\nstats: {json.dumps(stats)}\n", encoding="utf-8"
    )
    (REPORT_DIR / f"{name}.json").write_text(json.dumps({"summary": summary(results), "stats": stats}, indent=1),
                                             encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.suite.run", description=__doc__.split("\n\n")[0])
    ap.add_argument("--lang", action="append", choices=[*LANGS, "all"], default=None)
    ap.add_argument("--draft", action="append", default=None, help="4, 6, 7, 2019-09, 2020-12 (repeatable; default all)")
    ap.add_argument("--file", action="append", default=None, help="keyword file, e.g. items.json (repeatable)")
    ap.add_argument("--failures", action="store_true", help="print every disagreement with its reason")
    ap.add_argument("--update-expected", action="store_true", help="rewrite tests/suite/expected_failures/<lang>.txt")
    ap.add_argument("--check", action="store_true", help="exit 1 if the run differs from the expected failures")
    ap.add_argument("--json", type=Path, default=None, help="write the summary as JSON here")
    ap.add_argument("--kinds", choices=["convention", "spec"], default="convention",
                    help="how the tool types schemas without 'type' (stepflow-codegen --kinds)")
    ap.add_argument("--formats", choices=["annotate", "assert"], default="annotate",
                    help="assert: run the optional format tests of draft-07 and 2020-12 with stepflow-codegen "
                    "--formats assert (expected failures: expected_failures/formats-<lang>.txt)")
    a = ap.parse_args(argv)
    os.environ["STEPFLOW_SUITE_KINDS"] = a.kinds
    formats = a.formats == "assert"
    langs = list(LANGS) if not a.lang or "all" in a.lang else list(dict.fromkeys(a.lang))
    drafts = [normalize_draft(d) for d in a.draft] if a.draft else list(FORMAT_DRAFTS if formats else DRAFTS)
    t0 = time.perf_counter()
    results, stats = run(langs, drafts, a.file, log=lambda m: print(m, file=sys.stderr), formats=formats)
    stats["total_seconds"] = round(time.perf_counter() - t0, 1)
    print(headline(results, formats))
    print()
    print(table(results))
    if a.failures:
        for lang, rs in results.items():
            print(f"\n{lang}: disagreements")
            for r in rs:
                if not r.agrees:
                    print(f"  {r.test.id}  [{'valid' if r.test.valid else 'invalid'}]  {r.reason}")
    print(f"\n{json.dumps(stats)}")
    if not a.file:
        print(f"report: {write_report(results, stats, 'formats' if formats else 'suite', formats)}", file=sys.stderr)
    if a.json:
        a.json.write_text(json.dumps({"summary": summary(results), "stats": stats}, indent=1), encoding="utf-8")
    worst = 0
    for lang in langs:
        if a.update_expected:
            if a.file:
                raise SystemExit("--update-expected needs whole drafts (no --file)")
            write_expected(lang, results[lang], drafts, formats)
            print(f"wrote {expected_path(lang, formats)}", file=sys.stderr)
        elif a.check:
            new, fixed, stale = compare_expected(lang, results[lang], formats)
            for line in new:
                print(f"{lang}: NEW DISAGREEMENT {line}")
            for tid in fixed:
                print(f"{lang}: now agrees, remove from {expected_path(lang, formats).name}: {tid}")
            for tid in stale:
                print(f"{lang}: listed but not in the suite: {tid}")
            if new or fixed or stale:
                worst = 1
    return worst


if __name__ == "__main__":
    sys.exit(main())
