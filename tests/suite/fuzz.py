"""Differential fuzzing: generated Python, TypeScript and Rust code against ``jsonschema`` (the oracle).

    python -m tests.suite.fuzz [--lang python|typescript|rust|all] [--set NAME ...] [--failures]
                               [--update-expected] [--check]

Schema sets: every folder of tests/fixtures/schemas (all its files given to the tool together),
every file of tests/fixtures/differential/schemas, and every schema of the real corpus
(tests/fixtures/real/, see tests/suite/real.py).  Checked declarations: each file's root (when it
has one) and each ``$defs``/``definitions`` entry.

Documents per declaration, all labelled by ``jsonschema`` (Draft7Validator or
Draft202012Validator, chosen by the file's ``$schema``; ``format`` is an annotation, as in the tool;
patterns are ECMA-262 as the spec says, evaluated by ``regress`` instead of Python's ``re``:
tests/suite/ecma.py):

* instances hypothesis-jsonschema draws from the declaration (``derandomize=True``, a bounded
  number of examples, no example database: the same documents on every run);
* the seeds: the fixture's own instances (tests/fixtures/differential/instances) and the real
  corpus's documents;
* one-change mutations of every valid document: a key dropped, a value of another JSON kind, an
  unknown key added, a number or a string perturbed (a ``random.Random`` seeded from the document).

A document *agrees* when the generated code accepts it iff ``jsonschema`` does.  Disagreements
today are listed in tests/suite/expected_failures/fuzz-<lang>.txt (id: ``set/file#pointer::<sha1 of
the document>``); the list may only shrink (tests/test_differential_fuzz.py).
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import random
import sys
import time
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .ecma import ecma_patterns
from .fetch import ROOT
from .harness import LANGS, Outcome, Unit, read_list, run_units

FIXTURES = ROOT / "tests" / "fixtures"
EXPECTED_DIR = Path(__file__).resolve().parent / "expected_failures"
MAX_EXAMPLES = 12
DRAW_SECONDS = 60.0
"""A safety net only (every declaration drawn from today takes well under 2 s; the real corpus's big
schemas, which take minutes, are not drawn from): past it the examples drawn so far are kept, which
would make the documents depend on the machine's speed."""
MUTATIONS_PER_DOC = 6
MAX_VALID_SEEDS = 6
ANNOTATIONS = {"$schema", "$id", "id", "$defs", "definitions", "title", "description", "$comment", "examples"}


@dataclass
class SchemaSet:
    name: str
    folder: Path
    files: list[str]
    seeds: dict[tuple[str, str], list[Any]] = field(default_factory=dict)
    """(file, pointer) -> documents known to be interesting (valid or not)."""
    only: list[tuple[str, str]] | None = None
    """Check only these declarations (default: every root and $defs/definitions entry)."""
    draw: bool = True
    """Draw instances with hypothesis-jsonschema (else only the seeds and their mutations)."""


def fixture_sets() -> list[SchemaSet]:
    sets = []
    for d in sorted((FIXTURES / "schemas").iterdir()):
        if d.is_dir() and d.name != "bad":
            files = sorted(p.relative_to(d).as_posix() for p in d.rglob("*.json"))
            sets.append(SchemaSet(f"fixtures/{d.name}", d, files))
    inst = FIXTURES / "differential" / "instances"
    for f in sorted((FIXTURES / "differential" / "schemas").glob("*.json")):
        seeds = {}
        if (inst / f.name).is_file():
            seeds[(f.name, "")] = [x["data"] for x in json.loads((inst / f.name).read_text(encoding="utf-8"))]
        sets.append(SchemaSet(f"differential/{f.stem}", f.parent, [f.name], seeds))
    return sets


def all_sets() -> list[SchemaSet]:
    from .real import real_sets

    return fixture_sets() + real_sets()


# --------------------------------------------------------------------------------------------- the oracle


def _load(s: SchemaSet) -> dict[str, Any]:
    return {f: json.loads((s.folder / f).read_text(encoding="utf-8")) for f in s.files}


def _validator_class(doc: Any) -> Any:
    from jsonschema import Draft7Validator, Draft202012Validator
    from jsonschema.validators import validator_for

    if not isinstance(doc, dict) or "$schema" not in doc:
        return Draft202012Validator
    cls = validator_for(doc, default=Draft202012Validator)
    # the tool reads draft-04/06/07 as draft-07 and everything else as 2020-12
    if cls.__name__ in ("Draft4Validator", "Draft6Validator", "Draft7Validator"):
        return Draft7Validator
    return Draft202012Validator


class Oracle:
    def __init__(self, s: SchemaSet, docs: dict[str, Any]):
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT7, DRAFT202012

        self.docs = docs
        self.uris: dict[str, str] = {}
        resources = []
        for f, doc in docs.items():
            spec = DRAFT7 if _validator_class(doc).__name__ == "Draft7Validator" else DRAFT202012
            res = Resource.from_contents(doc, default_specification=spec)
            uri = (s.folder / f).resolve().as_uri()
            self.uris[f] = uri
            resources.append((uri, res))
            if isinstance(doc, dict) and isinstance(doc.get("$id"), str) and ":" in doc["$id"]:
                resources.append((doc["$id"].rstrip("#"), res))
        self.registry = Registry().with_resources(resources)
        self.validators: dict[tuple[str, str], Any] = {}

    def valid(self, target: tuple[str, str], value: Any) -> bool:
        v = self.validators.get(target)
        if v is None:
            file, pointer = target
            cls = _validator_class(self.docs[file])
            v = cls({"$ref": self.uris[file] + "#" + pointer}, registry=self.registry)
            self.validators[target] = v
        with ecma_patterns():
            return bool(v.is_valid(value))


# --------------------------------------------------------------------------------------------- documents


def targets_of(s: SchemaSet, docs: dict[str, Any]) -> list[tuple[str, str]]:
    if s.only is not None:
        return list(s.only)
    out = []
    for f, doc in docs.items():
        if isinstance(doc, bool) or (isinstance(doc, dict) and set(doc) - ANNOTATIONS):
            out.append((f, ""))
        if isinstance(doc, dict):
            for kw in ("$defs", "definitions"):
                if isinstance(doc.get(kw), dict):
                    out += [(f, f"/{kw}/{_escape(k)}") for k in doc[kw]]
    return out


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _at(doc: Any, pointer: str) -> Any:
    node = doc
    for tok in pointer.split("/")[1:]:
        node = node[_unescape(tok)]
    return node


def inline(node: Any, file: str, docs: dict[str, Any], depth: int = 0) -> Any:
    """``node`` with every ``$ref`` to a JSON pointer (in its file or another file of the set)
    replaced by the schema it points at, recursion cut at depth 3 (there a reference becomes ``{}``:
    the drawn instances may then be invalid; the oracle labels every one anyway)."""
    if isinstance(node, list):
        return [inline(x, file, docs, depth) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: inline(v, file, docs, depth) for k, v in node.items()
           if k not in ("$ref", "$defs", "definitions", "$id", "$anchor", "$schema")}
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return out
    target_file, _, fragment = ref.partition("#")
    target_file = target_file or file
    if target_file not in docs or (fragment and not fragment.startswith("/")):
        raise ValueError(f"cannot inline $ref {ref!r}")
    if depth >= 3:
        target: Any = {}
    else:
        target = inline(_at(docs[target_file], fragment), target_file, docs, depth + 1)
    return {"allOf": [target, out]} if out else target


class _OutOfTime(BaseException):
    """Raised inside hypothesis's loop when the time budget is spent (BaseException: hypothesis lets it through)."""


def draw(docs: dict[str, Any], file: str, pointer: str, n: int = MAX_EXAMPLES) -> tuple[list[Any], str | None]:
    """Up to ``n`` instances hypothesis-jsonschema draws for the declaration (deterministic)."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis_jsonschema import from_schema

    out: list[Any] = []
    started = time.perf_counter()
    try:
        schema = inline(_at(docs[file], pointer), file, docs)
        if isinstance(schema, dict) and isinstance(docs[file], dict) and "$schema" in docs[file]:
            schema = {"$schema": docs[file]["$schema"], **schema}
        strategy = from_schema(schema)

        @settings(max_examples=n, derandomize=True, database=None, deadline=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(strategy)
        def collect(x: Any) -> None:
            if time.perf_counter() - started > DRAW_SECONDS:
                raise _OutOfTime()
            out.append(x)

        collect()
    except _OutOfTime:
        return out, None
    except Exception as e:  # an unsupported keyword, an anchor, unsatisfiable: mutations of seeds only
        return out, f"{type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}"
    return out, None


def _paths(v: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(v, dict):
        for k, x in v.items():
            out += _paths(x, (*path, k))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            out += _paths(x, (*path, i))
    return out


def _get(v: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        v = v[p]
    return v


def _set(v: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    v = copy.deepcopy(v)
    _get(v, path[:-1])[path[-1]] = new
    return v


OTHER_KINDS: list[Any] = [None, True, 7, 2.5, "x", [], {}]


def _kind(v: Any) -> str:
    from .run import json_kind

    return json_kind(v)


def mutations(value: Any, n: int = MUTATIONS_PER_DOC) -> list[Any]:
    """One-change mutations of ``value`` (deterministic: the random generator is seeded from it)."""
    rng = random.Random(zlib.crc32(json.dumps(value, sort_keys=True).encode()))
    paths = _paths(value)
    objects = [p for p in paths if isinstance(_get(value, p), dict)]
    numbers = [p for p in paths if isinstance(_get(value, p), (int, float)) and not isinstance(_get(value, p), bool)]
    strings = [p for p in paths if isinstance(_get(value, p), str)]
    out: list[Any] = []
    # drop a key: every key of the top level (required ones among them), then one nested
    if isinstance(value, dict):
        for k in list(value)[:4]:
            out.append({x: y for x, y in value.items() if x != k})
    nested = [p for p in objects if p and _get(value, p)]
    if nested:
        p = rng.choice(nested)
        obj = _get(value, p)
        k = rng.choice(list(obj))
        out.append(_set(value, p, {x: y for x, y in obj.items() if x != k}))
    # a value of another kind, at the top and at a random place
    for p in list(dict.fromkeys([(), rng.choice(paths)])):
        old = _get(value, p)
        choices = [x for x in OTHER_KINDS if _kind(x) != _kind(old)]
        out.append(_set(value, p, copy.deepcopy(rng.choice(choices))))
    # an unknown key, at the top level and in a nested object
    for p in list(dict.fromkeys([(), *(rng.sample(objects, 1) if objects else [])])):
        obj = _get(value, p)
        if isinstance(obj, dict):
            out.append(_set(value, p, {**obj, "zzUnknownKey": 1}))
    # perturb a number / a string
    if numbers:
        p = rng.choice(numbers)
        x = _get(value, p)
        out.append(_set(value, p, rng.choice([x + 1, x - 1, -x - 1, x + 0.5, 10**20, x * 1000])))
    if strings:
        p = rng.choice(strings)
        x = _get(value, p)
        out.append(_set(value, p, rng.choice(["", x + "\u00e9x", x * 3 + "-", "not " + x, x[:-1]])))
    rng.shuffle(out)
    return out[: max(n, 4)]


def _canon(v: Any) -> str:
    return json.dumps(v, sort_keys=True, ensure_ascii=False, allow_nan=False)


def _is_json(v: Any) -> bool:
    """False for values JSON cannot hold (a mutation may overflow a float to infinity)."""
    try:
        _canon(v)
    except ValueError:
        return False
    return True


@dataclass
class Doc:
    id: str
    set: str
    target: tuple[str, str]
    value: Any
    valid: bool
    origin: str


def build(sets: list[SchemaSet], log: Any = None) -> tuple[list[Unit], list[list[Doc]], dict[str, Any]]:
    say = log or (lambda *_: None)
    units: list[Unit] = []
    all_docs: list[list[Doc]] = []
    notes: dict[str, Any] = {"no_generation": {}}
    for s in sets:
        t0 = time.perf_counter()
        docs = _load(s)
        oracle = Oracle(s, docs)
        unit_docs: list[Doc] = []
        for target in targets_of(s, docs):
            file, pointer = target
            seen: set[str] = set()
            cands: list[tuple[Any, str]] = [(x, "seed") for x in s.seeds.get(target, [])]
            drawn, why = draw(docs, file, pointer) if s.draw else ([], None)
            if why:
                notes["no_generation"][f"{s.name}/{file}#{pointer}"] = why
            cands += [(x, "hypothesis") for x in drawn]
            labelled: list[tuple[Any, str, bool]] = []
            for x, origin in cands:
                if not _is_json(x):
                    continue
                key = _canon(x)
                if key not in seen:
                    seen.add(key)
                    labelled.append((x, origin, oracle.valid(target, x)))
            valid_seeds = [x for x, _, ok in labelled if ok][:MAX_VALID_SEEDS]
            for x in valid_seeds:
                for m in mutations(x):
                    if not _is_json(m):
                        continue
                    key = _canon(m)
                    if key not in seen:
                        seen.add(key)
                        labelled.append((m, "mutation", oracle.valid(target, m)))
            for x, origin, ok in labelled:
                digest = hashlib.sha1(_canon(x).encode()).hexdigest()[:12]
                unit_docs.append(Doc(f"{s.name}/{file}#{pointer}::{digest}", s.name, target, x, ok, origin))
        files = dict(docs)
        root = s.files[0]
        units.append(Unit(
            key=s.name, files=files, root_file=root, extra_inputs=[f for f in s.files if f != root],
            documents=[json.dumps(d.value, ensure_ascii=False) for d in unit_docs],
            targets=[d.target for d in unit_docs],
        ))
        all_docs.append(unit_docs)
        say(f"{s.name}: {len(unit_docs)} documents ({sum(d.valid for d in unit_docs)} valid) in "
            f"{time.perf_counter() - t0:.1f} s")
    return units, all_docs, notes


@dataclass
class Result:
    doc: Doc
    outcome: Outcome

    @property
    def agrees(self) -> bool:
        o = self.outcome
        return o.unit_error is None and not o.crash and o.accepted == self.doc.valid

    @property
    def reason(self) -> str:
        o = self.outcome
        snippet = json.dumps(self.doc.value, sort_keys=True)  # ASCII: one line whatever the text holds
        snippet = snippet if len(snippet) <= 160 else snippet[:157] + "..."
        if o.unit_error:
            why = o.unit_error
        elif self.doc.valid:
            why = f"rejects valid ({(o.error or '')[:160]})"
        else:
            why = "accepts invalid"
        return f"{why} [{self.doc.origin}] {snippet}".replace("\t", " ").replace("\n", " ")


def build_stable(names: list[str] | None, log: Any = None) -> tuple[list[Unit], list[list[Doc]], dict[str, Any]]:
    """:func:`build` in a subprocess with PYTHONHASHSEED=0: hypothesis is derandomized, but set
    iteration order (in hypothesis-jsonschema too) follows the hash seed."""
    import dataclasses
    import os
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "build.json"
        cmd = [sys.executable, "-m", "tests.suite.fuzz", "--build-only", str(out)]
        for n in names or []:
            cmd += ["--set", n]
        proc = subprocess.run(cmd, cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": "0"}, capture_output=True,
                              text=True, timeout=900)
        if proc.returncode != 0:
            raise RuntimeError(f"building the fuzz documents failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        if log:
            for line in proc.stderr.strip().split("\n"):
                log(line)
        data = json.loads(out.read_text(encoding="utf-8"))
    units = [Unit(**{**u, "targets": [tuple(t) for t in u["targets"]]}) for u in data["units"]]
    docs = [[Doc(**{**d, "target": tuple(d["target"])}) for d in ds] for ds in data["docs"]]
    _ = dataclasses
    return units, docs, data["notes"]


def _build_only(out: Path, names: list[str] | None) -> None:
    import dataclasses

    sets = [s for s in all_sets() if not names or s.name in names or s.name.split("/")[-1] in names]
    units, docs, notes = build(sets, lambda m: print(m, file=sys.stderr))
    out.write_text(json.dumps({
        "units": [dataclasses.asdict(u) for u in units],
        "docs": [[dataclasses.asdict(d) for d in ds] for ds in docs],
        "notes": notes,
    }), encoding="utf-8")


Built = tuple[list[Unit], list[list[Doc]], dict[str, Any]]


def run(langs: list[str], names: list[str] | None = None, work: Path | None = None, log: Any = print,
        integers: str = "native", built: Built | None = None) -> tuple[dict[str, list[Result]], dict[str, Any]]:
    """Every language's outcome on every document. ``integers``: the targets' ``--integers`` (Rust:
    ``exact`` holds integers beyond 64 bits); ``built``: the documents of an earlier
    :func:`build_stable` (the same ``names``)."""
    import os

    t0 = time.perf_counter()
    units, docs, notes = built or build_stable(names, log)
    stats: dict[str, Any] = {"build_seconds": round(time.perf_counter() - t0, 1), **notes}
    default = ROOT / ".cache" / "suite-work" / ("fuzz" if integers == "native" else f"fuzz-{integers}")
    saved = os.environ.get("STEPFLOW_SUITE_INTEGERS")
    os.environ["STEPFLOW_SUITE_INTEGERS"] = integers
    try:
        outcomes, rstats = run_units(units, langs, work or default, log=log)
    finally:
        if saved is None:
            os.environ.pop("STEPFLOW_SUITE_INTEGERS")
        else:
            os.environ["STEPFLOW_SUITE_INTEGERS"] = saved
    stats.update(rstats)
    results = {lang: [Result(d, o) for ds, os_ in zip(docs, outcomes[lang]) for d, o in zip(ds, os_)]
               for lang in langs}
    return results, stats


def expected_path(lang: str, integers: str = "native") -> Path:
    """The list of ``lang``'s disagreements (``fuzz-rust-exact.txt`` for Rust with ``--integers exact``)."""
    return EXPECTED_DIR / (f"fuzz-{lang}.txt" if integers == "native" else f"fuzz-{lang}-{integers}.txt")


def read_expected(lang: str, integers: str = "native") -> dict[str, str]:
    return read_list(expected_path(lang, integers))


def write_expected(lang: str, results: list[Result], sets: set[str], integers: str = "native") -> None:
    keep = {k: v for k, v in read_expected(lang, integers).items() if k.split("/", 2)[0] + "/" + k.split("/", 2)[1] not in sets}
    for r in results:
        if not r.agrees:
            keep[r.doc.id] = r.reason.encode("ascii", "backslashreplace").decode("ascii")
    lines = [
        f"# Differential fuzzing (tests/suite/fuzz.py): documents the generated {lang} code judges differently",
        "# from jsonschema today. One id per line (set/file#pointer::sha1 of the document), a TAB, '# ', why,",
        "# where the document came from, and the document. This list may only shrink (tests/test_differential_fuzz.py).",
        "# Regenerate: python -m tests.suite.fuzz --lang LANG --update-expected"
        + (f" --integers {integers}" if integers != "native" else ""),
    ]
    lines += [f"{k}\t# {keep[k]}" for k in sorted(keep)]
    expected_path(lang, integers).write_text("\n".join(lines) + "\n", encoding="utf-8")


def compare_expected(lang: str, results: list[Result], integers: str = "native") -> tuple[list[str], list[str], list[str]]:
    expected = read_expected(lang, integers)
    sets = {r.doc.set for r in results}
    ran = {r.doc.id: r for r in results}
    new = [f"{r.doc.id}\t# {r.reason}" for r in results if not r.agrees and r.doc.id not in expected]
    fixed = [f"{tid}\t# was: {expected[tid]}" for tid, r in ran.items() if r.agrees and tid in expected]
    stale = [tid for tid in expected if "/".join(tid.split("/", 2)[:2]) in sets and tid not in ran]
    return new, fixed, stale


def summary(results: dict[str, list[Result]]) -> str:
    lines = ["| language | set | documents | valid | agreed | % |", "|---|---|---|---|---|---|"]
    for lang, rs in results.items():
        by: dict[str, list[Result]] = defaultdict(list)
        for r in rs:
            by[r.doc.set].append(r)
        for name in by:
            g = by[name]
            a = sum(r.agrees for r in g)
            lines.append(f"| {lang} | {name} | {len(g)} | {sum(r.doc.valid for r in g)} | {a} | "
                         f"{round(100 * a / len(g), 1) if g else 100.0} |")
        a = sum(r.agrees for r in rs)
        lines.append(f"| {lang} | **all** | {len(rs)} | {sum(r.doc.valid for r in rs)} | {a} | "
                     f"{round(100 * a / len(rs), 1) if rs else 100.0} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.suite.fuzz", description=__doc__.split("\n\n")[0])
    ap.add_argument("--lang", action="append", choices=[*LANGS, "all"], default=None)
    ap.add_argument("--set", action="append", default=None, help="schema set name (repeatable; default all)")
    ap.add_argument("--failures", action="store_true")
    ap.add_argument("--update-expected", action="store_true")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--integers", choices=["native", "exact"], default="native",
                    help="the targets' --integers (Rust: exact holds integers beyond 64 bits; its own expected list)")
    ap.add_argument("--build-only", type=Path, default=None, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.build_only:
        _build_only(a.build_only, a.set)
        return 0
    langs = list(LANGS) if not a.lang or "all" in a.lang else list(dict.fromkeys(a.lang))
    t0 = time.perf_counter()
    results, stats = run(langs, a.set, log=lambda m: print(m, file=sys.stderr), integers=a.integers)
    stats["total_seconds"] = round(time.perf_counter() - t0, 1)
    print(summary(results))
    if a.failures:
        for lang, rs in results.items():
            print(f"\n{lang}: disagreements")
            for r in rs:
                if not r.agrees:
                    print(f"  {r.doc.id}  {r.reason}")
    print(json.dumps({k: v for k, v in stats.items() if k != "no_generation"}))
    print(f"no hypothesis generation for {len(stats['no_generation'])} declarations (mutations of seeds only)",
          file=sys.stderr)
    worst = 0
    for lang in langs:
        if a.update_expected:
            write_expected(lang, results[lang], {r.doc.set for r in results[lang]}, a.integers)
        elif a.check:
            new, fixed, stale = compare_expected(lang, results[lang], a.integers)
            for x in new:
                print(f"{lang}: NEW DISAGREEMENT {x}")
            for x in fixed:
                print(f"{lang}: now agrees, remove: {x}")
            for x in stale:
                print(f"{lang}: listed but not generated: {x}")
            worst = worst or int(bool(new or fixed or stale))
    return worst


if __name__ == "__main__":
    sys.exit(main())
