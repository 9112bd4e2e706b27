"""Real schemas with real documents through the generated Python, TypeScript and Rust code.

    python -m tests.suite.real [--lang ...] [--failures] [--update-expected] [--check]

The corpus is tests/fixtures/real/<name>/ (schema.json, valid/*.json, invalid/*.json; built by
tests/suite/make_real.py, sources and licences in SOURCES.md).  ``jsonschema`` checks every
document first (the valid ones must be valid, the invalid ones invalid); then in every language a
valid document must be accepted and round-trip (decode, then encode, gives equal JSON: integers and
fractions kept apart) and an invalid one must be rejected.  Disagreements today are listed in
tests/suite/expected_failures/real-<lang>.txt (they may only shrink; tests/test_real_schemas.py).

The same schemas feed the differential fuzzer (:func:`real_sets`), with their valid documents as
seeds, and so do a few Kubernetes definitions read at run time from the installed
``kubernetes-validate`` (never copied into the repository).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .fetch import ROOT
from .harness import LANGS, Outcome, Unit, read_list, run_units, strict_equal

REAL = ROOT / "tests" / "fixtures" / "real"
EXPECTED_DIR = Path(__file__).resolve().parent / "expected_failures"
KUBERNETES_VERSION = "v1.37.0-local-strict"
KUBERNETES_DEFS = [
    "io.k8s.api.core.v1.ConfigMap",
    "io.k8s.api.core.v1.Service",
    "io.k8s.api.apps.v1.Deployment",
]


def corpus_names() -> list[str]:
    return sorted(p.name for p in REAL.iterdir() if (p / "schema.json").is_file())


def documents(name: str) -> list[tuple[str, bool, Any]]:
    """(id, valid, document) of one corpus entry; id = ``real/<name>/valid/<file>``."""
    out = []
    for group in ("valid", "invalid"):
        for f in sorted((REAL / name / group).glob("*.json")):
            out.append((f"real/{name}/{group}/{f.name}", group == "valid", json.loads(f.read_text(encoding="utf-8"))))
    return out


def kubernetes_definitions() -> Path:
    import importlib.resources

    path = Path(str(importlib.resources.files("kubernetes_validate"))) / "kubernetes-json-schema" / KUBERNETES_VERSION
    if not (path / "_definitions.json").is_file():
        raise RuntimeError(f"{path}/_definitions.json is missing: pip install -c constraints.txt -e '.[dev]'")
    return path


def real_sets() -> list[Any]:
    from .fuzz import SchemaSet

    sets = []
    for name in corpus_names():
        seeds = {("schema.json", ""): [d for _, ok, d in documents(name) if ok]}
        # hypothesis-jsonschema needs from 5 s to minutes before its first example on these big
        # schemas: the real documents and their mutations are the fuzz input
        sets.append(SchemaSet(f"real/{name}", REAL / name, ["schema.json"], seeds, only=[("schema.json", "")],
                              draw=False))
    k8s = kubernetes_definitions()
    sets.append(SchemaSet("real/kubernetes", k8s, ["_definitions.json"],
                          only=[("_definitions.json", f"/$defs/{d}") for d in KUBERNETES_DEFS]))
    return sets


# --------------------------------------------------------------------------------------------- the check


@dataclass
class Result:
    id: str
    valid: bool
    document: Any
    outcome: Outcome
    oracle_valid: bool

    @property
    def problem(self) -> str | None:
        """Why the generated code does not do what the corpus needs (None: it does)."""
        o = self.outcome
        if o.unit_error:
            return o.unit_error
        if o.crash:
            return f"crashes: {(o.error or '')[:200]}"
        if not self.valid:
            return None if not o.accepted else "accepts invalid"
        if not o.accepted:
            return f"rejects valid: {(o.error or '')[:200]}"
        try:
            again = json.loads(o.output or "")
        except ValueError:
            return f"re-encodes to text that is not JSON: {(o.output or '')[:200]}"
        want = json.loads(json.dumps(self.document))
        if not strict_equal(again, want):  # 1 is not 1.0, true is not 1
            return f"round trip changes the document: {_first_difference(want, again)}"
        return None


def _first_difference(a: Any, b: Any, path: str = "") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in b:
                return f"{path}/{k} dropped"
            if k not in a:
                return f"{path}/{k} added ({json.dumps(b[k])[:80]})"
            if a[k] != b[k]:
                return _first_difference(a[k], b[k], f"{path}/{k}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return _first_difference(x, y, f"{path}/{i}")
    return f"{path or '/'}: {json.dumps(a)[:80]} became {json.dumps(b)[:80]}"


def run(langs: list[str], work: Path | None = None, log: Any = print) -> tuple[dict[str, list[Result]], dict[str, Any]]:
    from .fuzz import Oracle, SchemaSet

    units, metas = [], []
    for name in corpus_names():
        docs = documents(name)
        schema = json.loads((REAL / name / "schema.json").read_text(encoding="utf-8"))
        oracle = Oracle(SchemaSet(f"real/{name}", REAL / name, ["schema.json"]), {"schema.json": schema})
        metas.append([(i, ok, d, oracle.valid(("schema.json", ""), d)) for i, ok, d in docs])
        units.append(Unit(key=f"real/{name}", files={"schema.json": schema}, root_file="schema.json",
                          documents=[json.dumps(d, ensure_ascii=False) for _, _, d in docs]))
    outcomes, stats = run_units(units, langs, work or ROOT / ".cache" / "suite-work" / "real", log=log)
    results = {
        lang: [Result(i, ok, d, o, ov) for meta, os_ in zip(metas, outcomes[lang]) for (i, ok, d, ov), o in zip(meta, os_)]
        for lang in langs
    }
    return results, stats


def expected_path(lang: str) -> Path:
    return EXPECTED_DIR / f"real-{lang}.txt"


def read_expected(lang: str) -> dict[str, str]:
    return read_list(expected_path(lang))


def write_expected(lang: str, results: list[Result]) -> None:
    lines = [
        f"# Real documents (tests/fixtures/real) the generated {lang} code does not handle today: a valid one",
        "# rejected or changed by the round trip, an invalid one accepted. One id per line, a TAB, '# ' and why.",
        "# This list may only shrink (tests/test_real_schemas.py). Regenerate: python -m tests.suite.real --update-expected",
    ]
    for r in sorted(results, key=lambda r: r.id):
        if r.problem:
            lines.append(f"{r.id}\t# " + " ".join(r.problem.split()).encode("ascii", "backslashreplace").decode())
    expected_path(lang).write_text("\n".join(lines) + "\n", encoding="utf-8")


def compare_expected(lang: str, results: list[Result]) -> tuple[list[str], list[str], list[str]]:
    expected = read_expected(lang)
    ran = {r.id: r for r in results}
    new = [f"{r.id}\t# {r.problem}" for r in results if r.problem and r.id not in expected]
    fixed = [f"{r.id}\t# was: {expected[r.id]}" for r in results if not r.problem and r.id in expected]
    stale = [tid for tid in expected if tid not in ran]
    return new, fixed, stale


def summary(results: dict[str, list[Result]]) -> str:
    lines = ["| language | corpus | valid: round-trip | invalid: rejected |", "|---|---|---|---|"]
    for lang, rs in results.items():
        for name in corpus_names():
            g = [r for r in rs if r.id.startswith(f"real/{name}/")]
            v = [r for r in g if r.valid]
            i = [r for r in g if not r.valid]
            lines.append(f"| {lang} | {name} | {sum(not r.problem for r in v)}/{len(v)} | "
                         f"{sum(not r.problem for r in i)}/{len(i)} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.suite.real", description=__doc__.split("\n\n")[0])
    ap.add_argument("--lang", action="append", choices=[*LANGS, "all"], default=None)
    ap.add_argument("--failures", action="store_true")
    ap.add_argument("--update-expected", action="store_true")
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args(argv)
    langs = list(LANGS) if not a.lang or "all" in a.lang else list(dict.fromkeys(a.lang))
    t0 = time.perf_counter()
    results, stats = run(langs, log=lambda m: print(m, file=sys.stderr))
    stats["total_seconds"] = round(time.perf_counter() - t0, 1)
    print(summary(results))
    bad_oracle = [r.id for r in results[langs[0]] if r.oracle_valid != r.valid]
    for tid in bad_oracle:
        print(f"jsonschema disagrees with the corpus on {tid}")
    if a.failures:
        for lang, rs in results.items():
            print(f"\n{lang}:")
            for r in rs:
                if r.problem:
                    print(f"  {r.id}: {r.problem}")
    print(json.dumps(stats))
    worst = int(bool(bad_oracle))
    for lang in langs:
        if a.update_expected:
            write_expected(lang, results[lang])
        elif a.check:
            new, fixed, stale = compare_expected(lang, results[lang])
            for x in new + fixed + stale:
                print(f"{lang}: {x}")
            worst = worst or int(bool(new or fixed or stale))
    return worst


if __name__ == "__main__":
    sys.exit(main())
