"""The ``stepflow-codegen`` console script (and ``python -m stepflow_codegen``).

A run builds many small objects and frees few of them before it exits; Python's default collects the
youngest generation every 700 net allocations, about 8 % of a protocol run (imports included).  The
command line collects less often (what mypy does too), unless something already tuned the
collector.  This is done here, before the command line is imported, and never on import of
:mod:`stepflow_codegen.cli` (a program or test importing it keeps its own collector settings).

A language command (``python``, ``typescript``, ``rust``, ``vectors``) is parsed and run without
click when :mod:`stepflow_codegen.fastcli` takes its command line (importing click is about a fifth
of a protocol run); anything it declines (help, errors, the other commands) goes to click.
"""

from __future__ import annotations

import gc


def run() -> None:
    if gc.get_threshold() == (700, 10, 10):
        gc.set_threshold(100_000, 50, 50)
    import sys

    from .fastcli import run as run_fast

    run_fast(sys.argv[1:])  # exits, unless it declines the command line
    from .cli import entry

    entry()
