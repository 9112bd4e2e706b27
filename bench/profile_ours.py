"""Where stepflow-codegen's time goes on one input: imports, front end, rendering, black, writing.

    bench/.work/venv/bin/python bench/profile_ours.py protocol
    bench/.work/venv/bin/python bench/profile_ours.py kubernetes [--cprofile FILE] [--top 25]
    bench/.work/venv/bin/python bench/profile_ours.py kubernetes-denulled    # see bench_generate.py
    bench/.work/venv/bin/python bench/profile_ours.py path/to/schemas/ ...

Three views, each in a fresh interpreter so import state is cold-ish (bytecode cached):

1. ``python -X importtime``: cumulative import cost of click, jinja2, black and our modules.
2. Phase timings of one in-process CLI run (no profiler overhead): imports, ``build_program``,
   ``render_python`` split into template compilation, the layout module (black's splitting,
   ported), black itself (only for what the layout module declines) and the rest, and writing.
   Chunks are counted: formatted, split by the layout module, handed to black; every chunk handed
   to black is classified: changed by black, or unchanged; and whether a code line (not a
   docstring or comment line, which black never rewraps) was over the line limit.
3. Optionally cProfile of the same run (``--cprofile FILE`` writes the stats; the top entries by
   own time are printed).

It reaches into internals (``stepflow_codegen.targets.python.format``, ``...render``,
``stepflow_codegen.frontend``); a renamed function shows up as "n/a" rather than an error.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import tokenize
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

INNER = "--inner-phases"


def resolve_inputs(spec: list[str], scratch: Path) -> list[str]:
    from bench_generate import denull, find_k8s_definitions

    if spec == ["protocol"]:
        return ["schemas/"]
    if spec == ["kubernetes"]:
        return [str(find_k8s_definitions(None))]
    if spec == ["kubernetes-denulled"]:
        return [
            str(denull(find_k8s_definitions(None), scratch / "inputs" / "kubernetes-denulled" / "_definitions.json"))
        ]
    return [str(Path(s).resolve()) for s in spec]


# -- 1. import time --------------------------------------------------------------------------------
KEY_MODULES = [
    "click",
    "stepflow_codegen.fastcli",
    "stepflow_codegen.runner",
    "jinja2",
    "black",
    "stepflow_codegen.cli",
    "stepflow_codegen.frontend",
    "stepflow_codegen.frontend.loader",
    "stepflow_codegen.frontend.convert",
    "stepflow_codegen.ir.model",
    "stepflow_codegen.targets.python.render",
    "stepflow_codegen.targets.python.types",
    "stepflow_codegen.targets.python.layout",
    "stepflow_codegen.templating",
    "stepflow_codegen.writer",
    "urllib.request",
    "tomllib",
]


def import_times(inputs: list[str], out: Path) -> None:
    argv = [
        sys.executable,
        "-X",
        "importtime",
        "-m",
        "stepflow_codegen",
        "python",
        *inputs,
        "-o",
        str(out / "imp" / "pkg"),
        "-q",
    ]
    r = subprocess.run(argv, cwd=REPO, capture_output=True, text=True)
    cum: dict[str, int] = {}
    top_total = 0
    for ln in r.stderr.splitlines():
        if not ln.startswith("import time:"):
            continue
        parts = ln[len("import time:") :].split("|")
        if len(parts) != 3:
            continue
        try:
            c = int(parts[1])
        except ValueError:  # the header line
            continue
        name = parts[2][1:]  # one space, then two more per nesting level
        cum.setdefault(name.strip(), c)
        if not name.startswith(" "):
            top_total += c
    print("1. imports (python -X importtime, cumulative ms; importtime itself adds overhead)")
    print(f"   all imports: {top_total / 1000:.1f} ms")
    for m in KEY_MODULES:
        v = cum.get(m)
        print(f"   {m:<42} {'not imported' if v is None else f'{v / 1000:7.1f}'}")


# -- 2. phases (inner, in a fresh interpreter) -----------------------------------------------------
def long_lines(src: str, limit: int = 88) -> tuple[int, int]:
    """(long code lines, long lines inside docstrings/comments only)."""
    lines = src.split("\n")
    long_ = {i + 1 for i, line in enumerate(lines) if len(line) > limit}
    code: set[int] = set()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(src).readline):
            if tok.type in (
                tokenize.NL,
                tokenize.NEWLINE,
                tokenize.INDENT,
                tokenize.DEDENT,
                tokenize.ENDMARKER,
                tokenize.COMMENT,
            ):
                continue
            if tok.type == tokenize.STRING and tok.string.startswith(('"""', "'''")):
                continue
            code.update(range(tok.start[0], tok.end[0] + 1))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return len(long_), 0
    n_code = len(long_ & code)
    return n_code, len(long_) - n_code


def _count_jinja_compiles(compile_time: list[float]) -> None:
    import jinja2

    orig_compile = jinja2.Environment.compile

    def compile_(self, *a, **kw):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        try:
            return orig_compile(self, *a, **kw)
        finally:
            compile_time[0] += time.perf_counter() - t0
            compile_time[1] += 1

    jinja2.Environment.compile = compile_  # type: ignore[method-assign]


def inner(inputs: list[str], out: str, no_black: bool, classify: bool = True) -> None:
    t_start = time.perf_counter()
    marks: dict[str, float] = {}

    def mark(name: str, t0: float) -> float:
        t = time.perf_counter()
        marks[name] = marks.get(name, 0.0) + (t - t0)
        return t

    t = time.perf_counter()
    # since the console script parses the language commands without click (stepflow_codegen.fastcli),
    # a run imports no click; earlier trees import it here as their run did
    fast = importlib.util.find_spec("stepflow_codegen.fastcli") is not None
    if not fast:
        import click  # noqa: F401

        t = mark("import click", t)
    # since the built-in templates are compiled ahead of time (stepflow_codegen._compiled) a run
    # without --templates does not import jinja2; earlier trees import it here as their run did
    precompiled = importlib.util.find_spec("stepflow_codegen._compiled") is not None
    if not precompiled:
        import jinja2  # noqa: F401

        t = mark("import jinja2", t)
    if fast:
        from stepflow_codegen import fastcli, runner  # noqa: F401  (runner: timed with fastcli, as the console script imports it)

        t = mark("import stepflow_codegen.fastcli (and runner)", t)
    else:
        from stepflow_codegen import cli  # noqa: F401

        t = mark("import stepflow_codegen.cli (rest)", t)
    from stepflow_codegen import frontend

    t = mark("import stepflow_codegen.frontend", t)
    # by module path: a package attribute of the same name (e.g. a render() function in
    # targets/python/__init__.py) must not shadow the module
    pkg = importlib.import_module("stepflow_codegen.targets.python")
    shadowed = {k: getattr(pkg, k) for k in ("format", "render") if hasattr(pkg, k)}
    fmt = importlib.import_module("stepflow_codegen.targets.python.format")
    render = importlib.import_module("stepflow_codegen.targets.python.render")
    for k, v in shadowed.items():  # importing a submodule rebinds the package attribute; undo that
        setattr(pkg, k, v)

    t = mark("import stepflow_codegen.targets.python.render", t)
    from stepflow_codegen import writer  # noqa: F401

    mark("import stepflow_codegen.writer", t)

    stats = {"chunks": 0, "laid_out": 0, "black_calls": 0, "changed": 0, "code_long": 0, "doc_only": 0, "unchanged_code_long": 0}
    black_time = [0.0, 0.0]  # import, format
    layout_time = [0.0]
    overhead = [0.0]  # this script's own chunk classification, taken out of the phases

    # the real black call: run_black since the layout module exists, black_format before
    black_name = "run_black" if hasattr(fmt, "run_black") else "black_format"
    orig_black = getattr(fmt, black_name, None)

    def black_format(src: str) -> str:
        t0 = time.perf_counter()
        if "black" not in sys.modules and not no_black:
            import black  # noqa: F401

            black_time[0] += time.perf_counter() - t0
            t0 = time.perf_counter()
        res = src if no_black else orig_black(src)  # type: ignore[misc]
        black_time[1] += time.perf_counter() - t0
        stats["black_calls"] += 1
        t0 = time.perf_counter()
        n_code, n_doc = long_lines(src) if classify else (0, 0)
        overhead[0] += time.perf_counter() - t0
        changed = res != src
        stats["changed"] += changed
        if n_code:
            stats["code_long"] += 1
            stats["unchanged_code_long"] += not changed
        elif n_doc:
            stats["doc_only"] += 1
        return res

    if orig_black is not None:
        setattr(fmt, black_name, black_format)  # format_chunk looks it up in its module at call time
    orig_layout = getattr(fmt, "layout_chunk", None)
    if orig_layout is not None:

        def layout_chunk(chunk: str) -> str | None:
            t0 = time.perf_counter()
            res = orig_layout(chunk)
            layout_time[0] += time.perf_counter() - t0
            stats["laid_out"] += res is not None and res != chunk
            return res

        setattr(fmt, "layout_chunk", layout_chunk)
    orig_chunk = getattr(render, "format_chunk", None)
    if orig_chunk is not None:

        def format_chunk(chunk: str) -> str:
            stats["chunks"] += 1
            return orig_chunk(chunk)

        setattr(render, "format_chunk", format_chunk)

    compile_time = [0.0, 0]
    if not precompiled:
        _count_jinja_compiles(compile_time)


    phase = {"build_program": 0.0, "render_python": 0.0}
    orig_build = getattr(frontend, "build_program")

    def build_program(*a, **kw):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        try:
            return orig_build(*a, **kw)
        finally:
            phase["build_program"] += time.perf_counter() - t0

    frontend.build_program = build_program
    orig_render = getattr(render, "render_python")

    def render_python(*a, **kw):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        try:
            return orig_render(*a, **kw)
        finally:
            phase["render_python"] += time.perf_counter() - t0

    setattr(render, "render_python", render_python)
    if getattr(pkg, "render_python", None) is orig_render:  # the package's render() calls its own binding
        setattr(pkg, "render_python", render_python)

    t_run = time.perf_counter()
    code = 0
    try:
        if fast:  # what the console script runs, without its quick exit
            parsed = fastcli.parse(["python", *inputs, "-o", out, "-q"])
            assert parsed is not None
            code = fastcli.execute(*parsed)
        else:
            cli.main.main(["python", *inputs, "-o", out, "-q"], standalone_mode=False)
    except SystemExit as e:
        code = int(e.code or 0)
    except Exception as e:  # noqa: BLE001
        code = -1
        print(f"   the run raised {type(e).__name__}: {str(e)[:300]}")
    t_end = time.perf_counter()
    run = t_end - t_run - overhead[0]
    phase["render_python"] -= overhead[0]
    rendering_rest = phase["render_python"] - black_time[0] - black_time[1] - compile_time[0] - layout_time[0]
    print(
        f"2. phases of one in-process run (ms; exit {code}; total from first import {1000 * (t_end - t_start - overhead[0]):.0f})"
    )
    for k, v in marks.items():
        print(f"   {k:<52} {1000 * v:7.1f}")
    print(f"   {'front end: build_program':<52} {1000 * phase['build_program']:7.1f}")
    print(f"   {'render_python':<52} {1000 * phase['render_python']:7.1f}")
    print(f"   {'  of which import black (first black call)':<52} {1000 * black_time[0]:7.1f}")
    print(f"   {'  of which black.format_str':<52} {1000 * black_time[1]:7.1f}")
    print(
        f"   {f'  of which jinja2 template compilation ({compile_time[1]} templates)':<52} {1000 * compile_time[0]:7.1f}"
    )
    print(f"   {'  of which the layout module (black-exact splitting)':<52} {1000 * layout_time[0]:7.1f}")
    print(f"   {'  of which the rest (type mapping, rendering, escaping)':<52} {1000 * rendering_rest:7.1f}")
    rest = run - phase["build_program"] - phase["render_python"]
    print(f"   {'CLI, planning and writing files':<52} {1000 * rest:7.1f}")
    print(f"   jinja2 imported by the run: {'yes' if 'jinja2' in sys.modules else 'no'}")
    print(
        f"   chunks: {stats['chunks']} formatted, {stats['laid_out']} split by the layout module, "
        f"{stats['black_calls']} sent to black (all callers), {stats['changed']} changed by black; "
        f"sent because of a long code line: {stats['code_long']} ({stats['unchanged_code_long']} of them unchanged), "
        f"only because of long docstring/comment lines: {stats['doc_only']}"
    )


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == INNER:
        inputs = json.loads(sys.argv[2])
        inner(inputs, sys.argv[3], sys.argv[4] == "no-black", classify=sys.argv[5:] != ["no-classify"])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", nargs="+", help="protocol | kubernetes | kubernetes-denulled | schema paths")
    ap.add_argument("--cprofile", default=None, metavar="FILE", help="also run under cProfile and write the stats here")
    ap.add_argument("--top", type=int, default=25, help="cProfile entries to print (by own time)")
    ap.add_argument(
        "--no-black",
        action="store_true",
        help="projection: chunks that would go to black are kept as rendered (black is never imported); "
        "shows what the run would cost if templates laid everything out themselves",
    )
    args = ap.parse_args()
    from bench_generate import install_checkout

    print(install_checkout())  # profile the checkout as it is, installed as bench_generate.py times it
    with tempfile.TemporaryDirectory(prefix="stepflow-profile-") as tmp:
        scratch = Path(tmp)
        inputs = resolve_inputs(args.inputs, scratch)
        print(f"profile: stepflow-codegen python {' '.join(inputs)}")
        import_times(inputs, scratch)
        subprocess.run(
            [sys.executable, __file__, INNER, json.dumps(inputs), str(scratch / "phases" / "pkg"),
             "no-black" if args.no_black else "black"],
            cwd=REPO, check=False,
        )  # fmt: skip
        if args.cprofile:
            prof = str(Path(args.cprofile).resolve())
            # the same in-process run as in 2. (so --no-black applies), without the chunk classification
            subprocess.run(
                [sys.executable, "-m", "cProfile", "-o", prof, __file__, INNER, json.dumps(inputs),
                 str(scratch / "prof" / "pkg"), "no-black" if args.no_black else "black", "no-classify"],
                cwd=REPO, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            import pstats

            print(f"3. cProfile (written to {prof}), top {args.top} by own time:")
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(args.top)
            text = out.getvalue()
            print("   " + text[text.find("ncalls") :].replace("\n", "\n   ").rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
