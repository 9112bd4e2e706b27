"""In-process formatting with black, one declaration at a time.

Templates already lay code out the way black does, so most chunks are final as rendered; a chunk
with a line longer than black's limit (or a construct black rewrites) is passed through
``black.format_str``.  Tests check every golden file and ``generated/`` with ``black --check``, so
a template that drifts from black's style fails CI instead of shipping unformatted code.
"""

from __future__ import annotations

from functools import lru_cache

LINE_LENGTH = 88


@lru_cache(maxsize=1)
def _mode():  # type: ignore[no-untyped-def]
    import black

    return black.Mode(target_versions={black.TargetVersion.PY311}, line_length=LINE_LENGTH)


def needs_black(chunk: str) -> bool:
    for line in chunk.split("\n"):
        if len(line) > LINE_LENGTH:
            return True
    return False


def format_chunk(chunk: str) -> str:
    if not needs_black(chunk):
        return chunk
    return black_format(chunk)


def black_format(source: str) -> str:
    import black

    return black.format_str(source, mode=_mode())
