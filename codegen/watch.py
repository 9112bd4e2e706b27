"""``stepflow-codegen generate --watch``: regenerate when a schema, the configuration or a template changes.

File events come from ``watchfiles`` (Rust's ``notify`` underneath: inotify on Linux, FSEvents on
macOS), debounced so that an editor's save (write, rename, chmod) or a ``git checkout`` touching
many files gives one regeneration.  Only the inputs are watched, never the outputs, so writing the
generated files does not trigger another run.  A run that fails (bad schema, refused write) prints
its errors and the watcher goes on; Ctrl-C ends it with exit 0.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import click

from .diagnostics import printable


def watch_loop(
    run: Callable[[], int],
    inputs: Callable[[], Iterable[Path]],
    debounce_ms: int = 300,
    stop: threading.Event | None = None,
) -> int:
    """Run ``run`` now and again after every change below ``inputs()`` (re-read after each run,
    since the configuration may name other schemas now).  Returns when ``stop`` is set or on Ctrl-C."""
    try:
        import watchfiles
    except ImportError:  # pragma: no cover - a dependency of the tool
        raise click.ClickException("watch mode needs the 'watchfiles' package: pip install watchfiles") from None

    while True:
        paths = _existing(inputs())
        before = _snapshot(paths)
        run()
        paths = _existing(inputs())
        if not paths:
            click.echo("watch: nothing to watch (no schema path exists)", err=True)
            return 2
        wanted = {p.resolve() for p in paths}

        def relevant(change: watchfiles.Change, path: str) -> bool:
            p = Path(path).resolve()
            return any(p == w or w in p.parents for w in wanted) and not p.name.startswith(".") and not p.name.endswith("~")

        ready = False
        try:
            for changes in watchfiles.watch(
                *_roots(paths),
                watch_filter=relevant,
                debounce=debounce_ms,
                step=50,
                stop_event=stop,
                raise_interrupt=False,
                rust_timeout=200,
                yield_on_timeout=True,
            ):
                if not changes:
                    if not ready:
                        # the watcher is set up: catch what changed while we were generating
                        ready = True
                        if _snapshot(paths) != before:
                            click.echo("watch: inputs changed during the run", err=True)
                            break
                        click.echo(f"watch: waiting for changes in {len(paths)} path(s) (Ctrl-C to stop)", err=True)
                    continue
                names = sorted({printable(Path(p).name) for _, p in changes})
                click.echo(f"watch: changed: {', '.join(names[:5])}{' ...' if len(names) > 5 else ''}", err=True)
                break
            else:
                return 0
        except KeyboardInterrupt:
            return 0
        if stop is not None and stop.is_set():
            return 0


def _snapshot(paths: Iterable[Path]) -> dict[str, tuple[int, int]]:
    """(mtime, size) of every file below ``paths``."""
    out: dict[str, tuple[int, int]] = {}
    for p in paths:
        for f in [p] if p.is_file() else (q for q in p.rglob("*") if q.is_file()):
            try:
                st = f.stat()
            except OSError:
                continue
            out[str(f)] = (st.st_mtime_ns, st.st_size)
    return out


def _roots(paths: list[Path]) -> list[str]:
    """The folders to give the OS watcher (a file's folder: editors replace files by renaming), none inside another."""
    folders = sorted({(p if p.is_dir() else p.parent).resolve() for p in paths})
    return [str(f) for f in folders if not any(o in f.parents for o in folders)]


def _existing(paths: Iterable[Path]) -> list[Path]:
    return sorted({p for p in paths if p.exists()})


