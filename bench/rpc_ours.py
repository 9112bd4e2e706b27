"""OUR side of bench_rpc.py: the generated ``StepflowStdioServer`` (``generated/python``) serving the
same ``/title_case`` as ``tests/interop/components_sf07.py`` / ``components_sf09.py`` (StepFlow's SDK).

    PYTHONPATH=generated python bench/rpc_ours.py --stdio
    PYTHONPATH=generated python bench/rpc_ours.py --http --port 0     # prints {"port": N}

Only the generated package, msgspec and (for HTTP) uvicorn are imported; bench_rpc.py runs it with
the ``ours-http`` interop venv (msgspec + uvicorn, no httptools, no uvloop: the same HTTP stack
uvicorn gives stepflow-py 0.9.1 in its venv).  ``BENCH_PROFILE=<file>`` writes a cProfile of the
whole serving run to ``<file>`` when the server exits (stdin EOF, SIGTERM); ``BENCH_ASYNC=1``
registers ``/title_case`` as an ``async def`` (no worker thread).
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

import msgspec
from python import StepflowStdioServer

server = StepflowStdioServer()


class TitleCaseInput(msgspec.Struct):
    values: dict[str, Any]


class TitleCaseOutput(msgspec.Struct):
    values: dict[str, Any]
    changed: int


def title_case(input: TitleCaseInput) -> TitleCaseOutput:
    """Title-case every string value (other values pass through)."""
    out: dict[str, Any] = {}
    changed = 0
    for key, value in input.values.items():
        if isinstance(value, str):
            out[key] = value.title()
            changed += out[key] != value
        else:
            out[key] = value
    return TitleCaseOutput(values=out, changed=changed)


async def title_case_async(input: TitleCaseInput) -> TitleCaseOutput:
    """Title-case every string value (other values pass through)."""
    return title_case(input)


# a plain function, as in StepFlow's SDK files (it runs in a worker thread here; the SDK runs
# it on the event loop); BENCH_ASYNC=1 registers the same body as an `async def` instead
server.register(title_case_async if os.environ.get("BENCH_ASYNC") else title_case, name="title_case")


def main() -> None:
    profile = os.environ.get("BENCH_PROFILE")
    if not profile:
        server.main(sys.argv[1:])
        return
    import cProfile

    profiler = cProfile.Profile()

    def stop(*_: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    profiler.enable()
    try:
        server.main(sys.argv[1:])
    except KeyboardInterrupt:
        pass
    finally:
        profiler.disable()
        profiler.dump_stats(profile)


if __name__ == "__main__":
    main()
