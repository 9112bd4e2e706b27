"""Generation benchmark of the TypeScript and Rust targets against quicktype, same run, same machine.

quicktype is the one measured generator that emits several languages from one schema (it is how
/work/shared/anchors/CODEGEN.md timed TypeScript at 3.2 s and Rust at 2.7 s on the Kubernetes
definitions).  Every tool runs as a whole process (interpreter or Node start, imports, generation,
writing), ``--runs`` times per input after ``--warmup`` untimed runs, all contenders interleaved
(one round runs each once, the order rotating between rounds), each run into a fresh directory.
The table shows the median wall time, the ratio against quicktype (above 1: we are faster), the
output lines and the peak RSS of the process (``os.wait4``'s ``ru_maxrss``).  Not a test: it
prints numbers and exits non-zero only if a tool fails to run.

    bash bench/setup.sh && bench/.work/venv/bin/python bench/bench_targets.py [--runs N] [--typecheck]

Contenders, per input:

* ``ours typescript`` / ``ours rust`` / ``ours python``: ``stepflow-codegen <lang> INPUT -o OUT``;
* ``ours all three (generate)``: one ``stepflow-codegen generate --config`` process with a
  pyproject.toml listing the three targets;
* ``ours all three (3 processes)``: the three single-language commands back to back, timed together;
* ``quicktype typescript`` / ``quicktype rust``: ``quicktype -s schema 'INPUT#/$defs/' --lang ts|rust
  -o OUT`` (the ``#/$defs/`` source makes quicktype emit every definition, not only the root's).

Inputs: ``kubernetes`` (the v1.37.0 ``_definitions.json`` of ``kubernetes-validate``, 862
definitions; the target), and ``protocol`` (StepFlow's ``schemas/protocol.json``; for quicktype,
which takes no method table; ours reads ``schemas/`` with the method table, so it also writes the
JSON-RPC modules).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / ".work"
K8S_VERSION = "v1.37.0"
QUICKTYPE_VERSION = "26.0.0"  # bench/setup.sh installs exactly this
QUICKTYPE = WORK / "quicktype" / "node_modules" / ".bin" / "quicktype"


# -- locating things -------------------------------------------------------------------------------
def ours_bin() -> str:
    p = Path(sys.executable).parent / "stepflow-codegen"
    if p.exists():
        return str(p)
    found = shutil.which("stepflow-codegen")
    if found is None:
        sys.exit(f"bench: stepflow-codegen not found next to {sys.executable} nor on PATH; run: bash bench/setup.sh")
    return found


def quicktype_bin() -> str:
    if not QUICKTYPE.exists():
        sys.exit(f"bench: quicktype is not installed at {QUICKTYPE}; run: bash bench/setup.sh (needs npm)")
    r = subprocess.run([str(QUICKTYPE), "--version"], capture_output=True, text=True)
    version = r.stdout.split()[2] if r.stdout.startswith("quicktype version ") else r.stdout.strip()
    if version != QUICKTYPE_VERSION:
        sys.exit(f"bench: quicktype {version} installed, {QUICKTYPE_VERSION} expected; run: bash bench/setup.sh")
    return str(QUICKTYPE)


def find_k8s_definitions(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit).resolve()
    recorded = WORK / "k8s_definitions_path"
    if recorded.is_file():
        p = Path(recorded.read_text(encoding="utf-8").strip())
        if p.is_file():
            return p
    try:
        root = Path(str(resources.files("kubernetes_validate")))
    except ModuleNotFoundError:
        sys.exit("bench: kubernetes_validate is not installed in this interpreter; run: bash bench/setup.sh")
    hits = sorted(
        (p for p in root.rglob("_definitions.json") if f"{K8S_VERSION}-local" in p.parts),
        key=lambda p: len(str(p)),
    )
    if not hits:
        sys.exit(f"bench: no {K8S_VERSION} _definitions.json under {root}")
    return hits[0]


# -- running processes -----------------------------------------------------------------------------
@dataclass
class Run:
    wall: float
    maxrss_kb: int
    code: int
    stderr: str


def run_steps(steps: list[list[str]], cwd: Path, log: Path) -> Run:
    """Run the processes one after the other; wall time over all of them, the largest peak RSS."""
    log.parent.mkdir(parents=True, exist_ok=True)
    rss = 0
    t0 = time.perf_counter()
    with open(log, "wb") as err:
        for argv in steps:
            proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL)
            _, status, ru = os.wait4(proc.pid, 0)
            rss = max(rss, ru.ru_maxrss)
            code = os.waitstatus_to_exitcode(status)
            if code != 0:
                break
    wall = time.perf_counter() - t0
    return Run(wall, rss, code, log.read_text(encoding="utf-8", errors="replace"))


@dataclass
class Contender:
    label: str
    steps_for: object  # Callable[[Path], list[list[str]]]: output dir -> processes
    runs: list[Run] = field(default_factory=list)
    failed: Run | None = None
    output: Path | None = None

    @property
    def median(self) -> float | None:
        return statistics.median(r.wall for r in self.runs) if self.runs else None

    @property
    def rss_mb(self) -> float | None:
        return max(r.maxrss_kb for r in self.runs) / 1024 if self.runs else None


def contenders(name: str, ours_input: list[str], qt_input: str, ours: str, qt: str) -> list[Contender]:
    def command(lang: str, out: Path) -> list[str]:
        return [ours, lang, *ours_input, "-o", str(out), "-q"]

    def single(lang: str, out: str) -> object:
        return lambda o: [command(lang, o / out)]

    def three(o: Path) -> list[list[str]]:
        return [command("python", o / "k8s"), command("typescript", o / "k8s_ts"), command("rust", o / "k8s_rs")]

    def config(o: Path) -> list[list[str]]:
        o.mkdir(parents=True, exist_ok=True)
        targets = "".join(
            f'[[tool.stepflow-codegen.targets]]\nlanguage = "{lang}"\nschemas = {json.dumps(ours_input)}\nout = "{o / out}"\n\n'
            for lang, out in (("python", "k8s"), ("typescript", "k8s_ts"), ("rust", "k8s_rs"))
        )
        (o / "pyproject.toml").write_text(targets, encoding="utf-8")
        return [[ours, "generate", "--config", str(o / "pyproject.toml"), "-q"]]

    return [
        Contender("ours typescript", single("typescript", "k8s_ts")),
        Contender("ours rust", single("rust", "k8s_rs")),
        Contender("ours python", single("python", "k8s")),
        Contender("ours all three (generate)", config),
        Contender("ours all three (3 processes)", three),
        Contender("quicktype typescript", lambda o: [[qt, "-s", "schema", qt_input, "--lang", "ts", "-o", str(o / f"{name}.ts")]]),
        Contender("quicktype rust", lambda o: [[qt, "-s", "schema", qt_input, "--lang", "rust", "-o", str(o / f"{name}.rs")]]),
    ]


def run_case(name: str, cs: list[Contender], runs: int, warmup: int, scratch: Path) -> None:
    for round_ in range(warmup + runs):
        shift = round_ % len(cs)
        for c in cs[shift:] + cs[:shift]:
            if c.failed:
                continue
            out = scratch / name / f"{c.label.replace(' ', '_').replace('(', '').replace(')', '')}-{round_}"
            if out.exists():
                shutil.rmtree(out)
            out.mkdir(parents=True)
            r = run_steps(c.steps_for(out), REPO, scratch / "logs" / f"{name}-{out.name}.stderr")  # type: ignore[operator]
            if r.code != 0:
                c.failed = r
                continue
            if round_ >= warmup:
                c.runs.append(r)
            if c.output is not None and c.output != out:
                shutil.rmtree(c.output, ignore_errors=True)
            c.output = out


def count_lines(path: Path | None, suffixes: tuple[str, ...] = (".ts", ".rs", ".py")) -> tuple[int, int]:
    if path is None:
        return 0, 0
    files = [p for p in path.rglob("*") if p.is_file() and p.suffix in suffixes]
    return sum(len(p.read_text(encoding="utf-8").splitlines()) for p in files), len(files)


def typecheck(path: Path) -> str:
    """``tsc --strict --noEmit`` on every .ts file under ``path`` (tests/ts's pinned TypeScript)."""
    tsc = REPO / "tests" / "ts" / "node_modules" / ".bin" / "tsc"
    if not tsc.exists():
        return "not run: tsc is not installed (npm ci in tests/ts)"
    config = {
        "compilerOptions": {
            "strict": True, "noEmit": True, "target": "es2022", "lib": ["es2022"], "types": [],
            "module": "nodenext", "moduleResolution": "nodenext", "skipLibCheck": True,
        },
        "include": ["**/*.ts"],
    }  # fmt: skip
    (path / "package.json").write_text('{"type": "module"}\n', encoding="utf-8")
    (path / "tsconfig.json").write_text(json.dumps(config), encoding="utf-8")
    t0 = time.perf_counter()
    r = subprocess.run([str(tsc), "-p", "tsconfig.json"], capture_output=True, text=True, cwd=path)
    took = time.perf_counter() - t0
    files = len(list(path.rglob("*.ts")))
    if r.returncode == 0:
        return f"clean, {files} files ({took:.1f} s)"
    errors = sum(1 for line in r.stdout.splitlines() if ": error TS" in line)
    return f"FAILED, {errors} errors ({took:.1f} s): {(r.stdout + r.stderr).strip()[:400]}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--only", default="kubernetes,protocol", help="comma-separated: kubernetes,protocol")
    ap.add_argument("--k8s", default=None, help="path of _definitions.json (default: the one setup.sh recorded)")
    ap.add_argument("--typecheck", action="store_true", help="also run tsc --strict on our and quicktype's TypeScript (untimed)")
    ap.add_argument("--keep", action="store_true", help="keep the outputs under bench/.work/targets-out")
    args = ap.parse_args()
    only = {s.strip() for s in args.only.split(",") if s.strip()}

    ours, qt = ours_bin(), quicktype_bin()
    # as bench_generate.py: ours installed from this checkout as a wheel (byte-compiled, not editable)
    sys.path.insert(0, str(HERE))
    from bench_generate import install_checkout

    print(install_checkout())
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    print(f"stepflow-codegen ({REPO}), Python {sys.version.split()[0]}; quicktype {QUICKTYPE_VERSION}, node {node}; "
          f"{os.cpu_count()} CPUs; {args.runs} runs after {args.warmup} warm-up, median wall time")  # fmt: skip

    cases: list[tuple[str, list[Contender]]] = []
    if "kubernetes" in only:
        k8s = find_k8s_definitions(args.k8s)
        cases.append(("kubernetes", contenders("k8s", [str(k8s)], f"{k8s}#/$defs/", ours, qt)))
    if "protocol" in only:
        proto = REPO / "schemas" / "protocol.json"
        cases.append(("protocol", contenders("protocol", [str(REPO / "schemas")], f"{proto}#/$defs/", ours, qt)))

    scratch = WORK / "targets-out" if args.keep else Path(tempfile.mkdtemp(prefix="bench-targets-"))
    failed = False
    summary = []
    try:
        for name, cs in cases:
            run_case(name, cs, args.runs, args.warmup, scratch)
            by = {c.label: c for c in cs}
            qt_ts, qt_rs = by["quicktype typescript"].median, by["quicktype rust"].median
            print(f"\n{name}")
            print(f"{'':30} {'median s':>9} {'vs qt TS':>9} {'vs qt Rust':>11} {'lines':>8} {'files':>6} {'RSS MB':>7}")
            for c in cs:
                if c.failed:
                    failed = True
                    print(f"{c.label:30} FAILED (exit {c.failed.code}): {c.failed.stderr.strip()[-600:]}")
                    continue
                m = c.median
                assert m is not None
                lines, files = count_lines(c.output)
                vs_ts = f"x{qt_ts / m:.2f}" if qt_ts else "-"
                vs_rs = f"x{qt_rs / m:.2f}" if qt_rs else "-"
                print(f"{c.label:30} {m:9.3f} {vs_ts:>9} {vs_rs:>11} {lines:8} {files:6} {c.rss_mb or 0:7.0f}")
            for c in cs:
                if c.runs:
                    print(f"  {c.label}: runs {', '.join(f'{r.wall:.3f}' for r in c.runs)} s")
            if args.typecheck:
                for label in ("ours typescript", "quicktype typescript"):
                    out = by[label].output
                    if out is not None:
                        print(f"  tsc --strict on {label}: {typecheck(out)}")
            if qt_ts and qt_rs and not any(c.failed for c in cs):
                ts, rs, all3 = by["ours typescript"].median, by["ours rust"].median, by["ours all three (generate)"].median
                assert ts and rs and all3
                summary.append(
                    f"{name}: typescript x{qt_ts / ts:.1f} and rust x{qt_rs / rs:.1f} faster than quicktype; "
                    f"all three targets in {all3:.2f} s, x{qt_ts / all3:.1f} quicktype's typescript alone ({qt_ts:.2f} s)"
                )
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    print()
    for line in summary:
        print(f"bench-targets: {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
