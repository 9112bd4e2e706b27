"""Real schemas with real documents (tests/fixtures/real, built by tests/suite/make_real.py from
published packages; SOURCES.md) through the generated Python, TypeScript and Rust code.

``jsonschema`` decides first: every document in valid/ must be valid and every one in invalid/
invalid.  Then, in each language, a valid document is accepted and round-trips (decode then encode
gives equal JSON, integers and fractions kept apart) and an invalid one is rejected.  What fails
today is listed in tests/suite/expected_failures/real-<lang>.txt, and the lists may only shrink
(``python -m tests.suite.real --update-expected`` rewrites them; review the diff).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.suite import real  # noqa: E402
from tests.suite.harness import LANGS  # noqa: E402

Results = tuple[dict[str, list[real.Result]], dict[str, Any]]


@pytest.fixture(scope="module")
def results() -> Results:
    res, stats = real.run(list(LANGS), work=ROOT / ".cache" / "suite-work" / "pytest-real",
                          log=lambda m: print(m, file=sys.stderr))
    report = ROOT / ".cache" / "conformance" / "real.md"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(real.summary(res) + "\n\n" + json.dumps(stats) + "\n", encoding="utf-8")
    print("\n" + real.summary(res))
    return res, stats


def test_corpus_is_what_sources_md_says() -> None:
    names = real.corpus_names()
    assert len(names) >= 6, names
    sources = (real.REAL / "SOURCES.md").read_text(encoding="utf-8")
    for name in names:
        assert f"| {name} |" in sources, name
        docs = real.documents(name)
        assert any(ok for _, ok, _ in docs) and any(not ok for _, ok, _ in docs), name


def test_jsonschema_agrees_with_the_corpus(results: Results) -> None:
    res, _ = results
    wrong = [r.id for r in res[LANGS[0]] if r.oracle_valid != r.valid]
    assert not wrong, f"jsonschema disagrees with the corpus's valid/ and invalid/ folders: {wrong}"


def test_kubernetes_definitions_are_read_from_the_package() -> None:
    defs = json.loads((real.kubernetes_definitions() / "_definitions.json").read_text(encoding="utf-8"))
    for d in real.KUBERNETES_DEFS:
        assert d in defs["$defs"], d
    assert not (ROOT / "tests" / "fixtures" / "real" / "kubernetes").exists()


@pytest.mark.parametrize("lang", LANGS)
def test_real_documents_only_improve(lang: str, results: Results) -> None:
    res, _ = results
    new, fixed, stale = real.compare_expected(lang, res[lang])
    path = real.expected_path(lang).relative_to(ROOT)
    problems = []
    if new:
        problems.append(f"{len(new)} real document(s) now fail in {lang} (not in {path}):\n  " + "\n  ".join(new))
    if fixed:
        problems.append(f"{len(fixed)} listed document(s) now pass in {lang}: remove them from {path}:\n  "
                        + "\n  ".join(fixed))
    if stale:
        problems.append(f"{len(stale)} listed document(s) are not in the corpus:\n  " + "\n  ".join(stale))
    assert not problems, "\n\n".join(problems)
