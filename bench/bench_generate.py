"""Generation benchmark: stepflow-codegen against datamodel-code-generator (dmcg), same run, same machine.

Each tool runs as a whole process (interpreter start, imports, generation, formatting, writing),
``--runs`` times per input after ``--warmup`` untimed runs, ours and dmcg interleaved; the table
shows median wall time, the ratio dmcg/ours (above 1: we are faster), output lines and each
process's peak RSS (``os.wait4``'s ``ru_maxrss``).  Not a test: it prints numbers and exits non-zero
only if a tool fails to run (or its output check cannot run).

Run it from the bench venv that ``bench/setup.sh`` makes::

    bash bench/setup.sh && bench/.work/venv/bin/python bench/bench_generate.py [--runs N] [--typecheck]

Ours is timed as users install it: a wheel of this checkout in the bench venv, not an editable
install (whose ``site`` finder every Python start would pay, dmcg's not); it is reinstalled first
whenever the checkout changed (:func:`install_checkout`).  dmcg keeps its normal install.

Inputs:

* ``protocol``: StepFlow's ``schemas/`` (protocol.json + methods.json).  Ours:
  ``stepflow-codegen python schemas/ -o OUT/python``.  dmcg: ``schemas/protocol.json`` with exactly
  the options StepFlow uses (msgspec.Struct, black + isort as its default formatters).
* ``kubernetes``: the v1.37.0 ``_definitions.json`` shipped by ``kubernetes-validate`` (862
  definitions).  dmcg writes a package directory (the definition names are dotted).
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
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / ".work"
K8S_VERSION = "v1.37.0"

# exactly the options StepFlow runs datamodel-codegen with
DMCG_OPTIONS = [
    "--input-file-type", "jsonschema",
    "--output-model-type", "msgspec.Struct",
    "--field-constraints",
    "--use-union-operator",
    "--keyword-only",
    "--target-python-version", "3.11",
    "--use-title-as-name",
    "--use-subclass-enum",
    "--disable-timestamp",
]  # fmt: skip


# -- locating things -------------------------------------------------------------------------------
def bin_dir() -> Path:
    """The bin/ of the interpreter running this script (not resolved: a venv's python is a symlink)."""
    return Path(sys.executable).parent


def tool(name: str) -> str:
    p = bin_dir() / name
    if p.exists():
        return str(p)
    found = shutil.which(name)
    if found is None:
        sys.exit(f"bench: {name} not found next to {sys.executable} nor on PATH; run: bash bench/setup.sh")
    return found


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
    hits = [
        p
        for p in root.rglob("_definitions.json")
        if any(part == K8S_VERSION or part.startswith(K8S_VERSION + "-") for part in p.relative_to(root).parts)
    ]
    hits.sort(key=lambda p: (0 if f"{K8S_VERSION}-local" in p.parts else 1, len(str(p))))
    if not hits:
        sys.exit(f"bench: no {K8S_VERSION} _definitions.json under {root}")
    return hits[0]


# -- running one process ---------------------------------------------------------------------------
@dataclass
class Run:
    wall: float
    cpu: float
    maxrss_kb: int
    code: int
    stdout: str
    stderr: str


def run_process(argv: list[str], cwd: Path, log_dir: Path) -> Run:
    """Run ``argv`` to completion; wall time around spawn..reap, rusage of exactly this child."""
    log_dir.mkdir(parents=True, exist_ok=True)
    out_path, err_path = log_dir / "stdout", log_dir / "stderr"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(
        wall=wall,
        cpu=ru.ru_utime + ru.ru_stime,
        maxrss_kb=ru.ru_maxrss,  # KiB on Linux
        code=proc.returncode,
        stdout=out_path.read_text(encoding="utf-8", errors="replace"),
        stderr=err_path.read_text(encoding="utf-8", errors="replace"),
    )


# -- our tool, installed as users install it -------------------------------------------------------
def _checkout_digest() -> str:
    """A digest of everything a wheel of this checkout is built from."""
    import hashlib

    h = hashlib.sha256()
    files = [REPO / "pyproject.toml"]
    for folder in ("codegen", "templates"):
        files += sorted(p for p in (REPO / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for p in files:
        h.update(p.relative_to(REPO).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def install_checkout(python: str = sys.executable) -> str:
    """Install this checkout into the bench venv as a user installs it: a wheel, not editable.

    An editable install (what ``pip install -e`` makes) puts a finder into ``site`` that every Python
    start of the venv runs; pip's regular install byte-compiles the package, as it does dmcg's.
    Reinstalled when the checkout changed since the last install (``bench/.work/installed``).
    """
    probe = subprocess.run(
        [python, "-c", "import stepflow_codegen, pathlib; print(pathlib.Path(stepflow_codegen.__file__).parent)"],
        capture_output=True, text=True,
    )  # fmt: skip
    installed = Path(probe.stdout.strip()) if probe.returncode == 0 else None
    record = WORK / "installed"
    digest = _checkout_digest()
    editable = installed is not None and installed.resolve() == (REPO / "codegen").resolve()
    if installed is not None and not editable and record.is_file() and record.read_text().strip() == digest:
        return f"stepflow-codegen installed (wheel) at {installed}, built from the checkout as it is"
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps", "--force-reinstall", str(REPO)],
        check=True,
    )  # fmt: skip
    record.write_text(digest + "\n")
    return f"stepflow-codegen reinstalled from the checkout (a wheel, not editable); was {installed or 'missing'}"


# -- what to run -----------------------------------------------------------------------------------
@dataclass
class Contender:
    tool: str  # "ours" | "dmcg"
    argv_for: Callable[[Path], list[str]]  # output root -> argv
    output_for: Callable[[Path], Path]  # output root -> the file or directory written
    runs: list[Run] = field(default_factory=list)
    first: Run | None = None
    failed: Run | None = None
    last_output: Path | None = None

    @property
    def median_wall(self) -> float | None:
        return statistics.median(r.wall for r in self.runs) if self.runs else None

    @property
    def median_cpu(self) -> float | None:
        return statistics.median(r.cpu for r in self.runs) if self.runs else None

    @property
    def peak_rss_mb(self) -> float | None:
        return max(r.maxrss_kb for r in self.runs) / 1024 if self.runs else None


@dataclass
class Case:
    name: str
    cwd: Path
    ours: Contender
    dmcg: Contender


def denull(k8s: Path, dest: Path) -> Path:
    """A copy of the definitions with every ``type: [X, "null"]`` made ``type: X``.

    Not the benchmark's input: a diagnostic variant for when our tool cannot process the nullable
    objects of the real file, so its speed at this size can still be followed.
    """

    def walk(x: object) -> None:
        if isinstance(x, dict):
            t = x.get("type")
            if isinstance(t, list) and "null" in t and len(t) == 2:
                x["type"] = next(v for v in t if v != "null")
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    data = json.loads(k8s.read_text(encoding="utf-8"))
    walk(data)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return dest


def k8s_case(name: str, defs: Path, ours_bin: str, dmcg_bin: str) -> Case:
    return Case(
        name,
        REPO,
        Contender(
            "ours",
            lambda o: [ours_bin, "python", str(defs), "-o", str(o / "k8s")],
            lambda o: o / "k8s",
        ),
        Contender(
            "dmcg",
            # a directory: the dotted definition names become modules
            lambda o: [dmcg_bin, "--input", str(defs), *DMCG_OPTIONS, "--output", str(o / "k8s")],
            lambda o: o / "k8s",
        ),
    )


def make_cases(only: set[str], k8s: Path | None, scratch: Path) -> list[Case]:
    ours_bin, dmcg_bin = tool("stepflow-codegen"), tool("datamodel-codegen")
    cases = []
    if "protocol" in only:
        cases.append(
            Case(
                "protocol",
                REPO,
                Contender(
                    "ours",
                    lambda o: [ours_bin, "python", "schemas/", "-o", str(o / "python")],
                    lambda o: o / "python",
                ),
                Contender(
                    "dmcg",
                    lambda o: [
                        dmcg_bin,
                        "--input",
                        "schemas/protocol.json",
                        *DMCG_OPTIONS,
                        "--output",
                        str(o / "protocol.py"),
                    ],
                    lambda o: o / "protocol.py",
                ),
            )
        )
    if "kubernetes" in only:
        assert k8s is not None
        cases.append(k8s_case("kubernetes", k8s, ours_bin, dmcg_bin))
    if "kubernetes-denulled" in only:
        assert k8s is not None
        defs = denull(k8s, scratch / "inputs" / "kubernetes-denulled" / "_definitions.json")
        cases.append(k8s_case("kubernetes-denulled", defs, ours_bin, dmcg_bin))
    return cases


def run_case(case: Case, runs: int, warmup: int, scratch: Path) -> None:
    """Interleave ours and dmcg so drift (thermal, cache, neighbours) hits both alike."""
    for i in range(warmup + runs):
        for c in (case.ours, case.dmcg):
            if c.failed is not None:
                continue
            out_root = scratch / case.name / c.tool / f"run{i}"
            out_root.mkdir(parents=True)  # fresh and empty: no tool gets to skip unchanged files
            r = run_process(c.argv_for(out_root), case.cwd, scratch / "logs" / case.name / c.tool / f"run{i}")
            if c.first is None:
                c.first = r
            if r.code != 0:
                c.failed = r
                continue
            if i >= warmup:
                c.runs.append(r)
            if c.last_output is not None and c.last_output.exists():
                shutil.rmtree(c.last_output.parent, ignore_errors=True)
            c.last_output = c.output_for(out_root)


# -- measuring the outputs -------------------------------------------------------------------------
def py_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*.py") if p.is_file())


def count_lines(path: Path | None) -> tuple[int, int]:
    if path is None or not path.exists():
        return 0, 0
    files = py_files(path)
    return len(files), sum(len(p.read_text(encoding="utf-8").splitlines()) for p in files)


def black_check(path: Path) -> tuple[bool | None, str]:
    """(clean?, detail); None when black itself cannot run."""
    r = subprocess.run(
        [tool("black"), "--check", "--target-version", "py311", str(path)],
        capture_output=True,
        text=True,
    )
    if r.returncode == 0:
        return True, "clean"
    if r.returncode == 1:
        would = [ln.removeprefix("would reformat ") for ln in r.stderr.splitlines() if ln.startswith("would reformat ")]
        names = ", ".join(Path(w).name for w in would)
        return False, f"NOT clean: {len(would)} file(s) would be reformatted ({names})"
    return None, f"black failed to run (exit {r.returncode}): {r.stderr.strip()[-500:]}"


def mypy_check(path: Path) -> tuple[bool | None, str]:
    r = subprocess.run(
        [tool("mypy"), "--strict", "--no-incremental", "--cache-dir", os.devnull, path.name],
        cwd=path.parent,
        capture_output=True,
        text=True,
    )
    last = (r.stdout.strip().splitlines() or [""])[-1]
    if r.returncode == 0:
        return True, f"clean ({last})"
    if r.returncode == 1:
        errors = [ln for ln in r.stdout.splitlines() if ": error:" in ln]
        shown = "\n".join("      " + ln for ln in errors[:10])
        return False, f"NOT clean: {last}\n{shown}"
    return None, f"mypy failed to run (exit {r.returncode}): {(r.stderr or r.stdout).strip()[-500:]}"


def diagnostics(stderr: str) -> list[str]:
    """Our tool's warning/error lines (the 'wrote ...' summary is not a diagnostic)."""
    return [ln for ln in stderr.splitlines() if "warning[" in ln or "error[" in ln or ln.startswith("error:")]


# -- report ----------------------------------------------------------------------------------------
def fmt_s(v: float | None) -> str:
    return "-" if v is None else f"{v:.3f}"


def fmt_mb(v: float | None) -> str:
    return "-" if v is None else f"{v:.0f}"


def verdict(ratio: float) -> str:
    return f"x{ratio:.1f} faster" if ratio >= 1 else f"x{1 / ratio:.1f} slower"


def tail(text: str, n: int) -> str:
    lines = text.rstrip().splitlines()
    return "\n".join("      " + ln for ln in lines[-n:])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="timed runs per tool and input (median is reported; default 3)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed runs first (default 1)")
    ap.add_argument(
        "--only",
        default="protocol,kubernetes",
        help="comma-separated inputs: protocol, kubernetes, kubernetes-denulled (a diagnostic variant with "
        "'type: [X, null]' made 'type: X'; not run by default)",
    )
    ap.add_argument("--typecheck", action="store_true", help="also run mypy --strict on our protocol output (untimed)")
    ap.add_argument(
        "--k8s-definitions",
        default=None,
        help="the Kubernetes _definitions.json (default: found in kubernetes_validate)",
    )
    ap.add_argument("--keep", action="store_true", help="keep the outputs under bench/.work/out instead of a temp dir")
    args = ap.parse_args()
    if args.runs < 1 or args.warmup < 0:
        ap.error("--runs must be >= 1 and --warmup >= 0")
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = only - {"protocol", "kubernetes", "kubernetes-denulled"}
    if unknown:
        ap.error(f"unknown input(s): {', '.join(sorted(unknown))}")

    k8s = find_k8s_definitions(args.k8s_definitions) if only & {"kubernetes", "kubernetes-denulled"} else None

    if args.keep:
        scratch = WORK / "out"
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(parents=True)
        cleanup = None
    else:
        cleanup = tempfile.TemporaryDirectory(prefix="stepflow-bench-")
        scratch = Path(cleanup.name)
    cases = make_cases(only, k8s, scratch)

    # ours is installed as users install it (a wheel, byte-compiled by pip, as dmcg is); an editable
    # install would charge its site finder to every run of ours
    print(f"bench: {install_checkout()}")

    versions = subprocess.run(
        [sys.executable, "-c",
         "from importlib.metadata import version as v\n"
         "print(' '.join(f'{d}=={v(d)}' for d in ('stepflow-codegen','datamodel-code-generator','black','isort','msgspec')))"],
        capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    print(f"bench: {versions}; python {sys.version.split()[0]}; {os.cpu_count()} cores; "
          f"{args.runs} timed run(s) + {args.warmup} warm-up per tool and input")  # fmt: skip
    if k8s is not None:
        try:
            n_defs = len(json.loads(k8s.read_text(encoding="utf-8")).get("$defs") or {})
        except (OSError, ValueError):
            n_defs = -1
        print(f"bench: kubernetes input: {k8s} ({n_defs} definitions)")
    print()

    failed = False
    try:
        for case in cases:
            print(f"running {case.name} ...", file=sys.stderr, flush=True)
            run_case(case, args.runs, args.warmup, scratch)

        # table
        header = ["input", "ours s", "dmcg s", "ratio", "ours lines", "dmcg lines", "ours RSS MB", "dmcg RSS MB"]
        rows = []
        summary = []
        for case in cases:
            o, d = case.ours, case.dmcg
            ow, dw = o.median_wall, d.median_wall
            ratio = f"{dw / ow:.1f}" if ow and dw else "-"
            of, ol = count_lines(o.last_output)
            df, dl = count_lines(d.last_output)
            rows.append([
                case.name,
                fmt_s(ow) if o.failed is None else "FAILED",
                fmt_s(dw) if d.failed is None else "FAILED",
                ratio,
                f"{ol} ({of} files)" if o.last_output else "-",
                f"{dl} ({df} files)" if d.last_output else "-",
                fmt_mb(o.peak_rss_mb), fmt_mb(d.peak_rss_mb),
            ])  # fmt: skip
            if o.failed is not None or d.failed is not None:
                who = " and ".join(c.tool for c in (o, d) if c.failed is not None)
                summary.append(f"{case.name}: {who} failed")
            elif ow and dw:
                summary.append(f"{case.name} {verdict(dw / ow)}")
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
        print("  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths))))
        for r in rows:
            print("  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
        print("(median wall seconds of whole processes; ratio = dmcg/ours; RSS = peak resident set of the process)")

        # details per input
        for case in cases:
            print(f"\n{case.name}:")
            for c in (case.ours, case.dmcg):
                if c.runs:
                    walls = ", ".join(f"{r.wall:.3f}" for r in c.runs)
                    print(f"  {c.tool}: runs {walls} s; median cpu {c.median_cpu:.3f} s")
                if c.failed is not None:
                    failed = True
                    print(f"  {c.tool}: FAILED, exit {c.failed.code}: {' '.join(c.argv_for(Path('OUT')))}")
                    print(tail(c.failed.stderr, 25))
            first = case.ours.first
            if first is not None and first.code == 0:
                diags = diagnostics(first.stderr)
                if diags:
                    print(f"  ours: {len(diags)} diagnostic(s):")
                    for ln in diags[:20]:
                        print("      " + ln)
                    if len(diags) > 20:
                        print(f"      ... and {len(diags) - 20} more")
                else:
                    print("  ours: no warnings or errors")
            if case.dmcg.first is not None and case.dmcg.first.code == 0:
                warns = sorted(
                    {ln.split(": ", 1)[-1].strip() for ln in case.dmcg.first.stderr.splitlines() if "Warning:" in ln}
                )
                if warns:
                    print(f"  dmcg: {len(warns)} distinct warning(s), e.g. {warns[0][:140]}")
            if case.ours.last_output is not None and case.ours.failed is None:
                ok, detail = black_check(case.ours.last_output)
                print(f"  ours black --check: {detail}")
                if ok is None:
                    failed = True
                if case.name == "protocol" and args.typecheck:
                    ok, detail = mypy_check(case.ours.last_output)
                    print(f"  ours mypy --strict: {detail}")
                    if ok is None:
                        failed = True
        if args.keep:
            print(f"\noutputs kept under {scratch}")
        print()
        print("bench: " + ", ".join(summary))
    finally:
        if cleanup is not None:
            cleanup.cleanup()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
