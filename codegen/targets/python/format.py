"""In-process formatting, one declaration at a time, byte-identical to black.

Templates lay code out the way black does.  What they cannot know in advance is where a statement
longer than black's limit has to be split, and how black normalizes a class docstring: that is
:mod:`.layout`, a port of black's line splitting for the statements we generate.  A chunk holding
anything the layout module cannot prove it handles goes through ``black.format_str``
(:func:`run_black`), which is imported only then.  Tests compare the layout module with black on
every chunk we generate and run ``black --check`` on every golden file and ``generated/``, so a
drift fails CI.
"""

from __future__ import annotations

from functools import lru_cache

from .layout import LINE_LENGTH, layout_chunk

__all__ = ["LINE_LENGTH", "black_format", "format_chunk", "needs_black", "run_black"]


@lru_cache(maxsize=1)
def _mode():  # type: ignore[no-untyped-def]
    import black

    return black.Mode(target_versions={black.TargetVersion.PY311}, line_length=LINE_LENGTH)


def needs_black(chunk: str) -> bool:
    """Whether formatting would change ``chunk`` (it is not already laid out as black lays it out).

    Prefer :func:`format_chunk`, which lays such a chunk out without black whenever it can.
    """
    return layout_chunk(chunk) != chunk


def format_chunk(chunk: str) -> str:
    """``chunk`` (top-level code, or a class member indented by 4) exactly as black formats it."""
    laid_out = layout_chunk(chunk)
    if laid_out is not None:
        return laid_out
    if chunk.startswith("    ") and not chunk.startswith("     "):
        # an indented class member: black needs the class around it
        return run_black("class _:\n" + chunk).split("\n", 1)[1]
    return run_black(chunk)


def black_format(source: str) -> str:
    """``source`` exactly as ``black.format_str`` formats it (without black when the layout module can)."""
    laid_out = layout_chunk(source)
    if laid_out is not None:
        return laid_out
    return run_black(source)


def run_black(source: str) -> str:
    """``black.format_str`` itself (imported on first use: it costs more than the rest of a run)."""
    import black

    return black.format_str(source, mode=_mode())
