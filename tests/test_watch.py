"""``generate --watch``: regenerates on a schema change (debounced), survives a broken schema, stops on SIGINT."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

SCHEMA = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Thing", "type": "object", "properties": {"a": {"type": "string"}}}


def _reader(stream: object, lines: "queue.Queue[str]") -> None:
    for line in iter(stream.readline, ""):  # type: ignore[attr-defined]
        lines.put(line)


def _wait_for(lines: "queue.Queue[str]", needle: str, seen: list[str], timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            line = lines.get(timeout=0.2)
        except queue.Empty:
            continue
        seen.append(line)
        if needle in line:
            return
    raise AssertionError(f"{needle!r} not printed within {timeout}s; got:\n{''.join(seen)}")


def test_watch_regenerates_on_change_and_stops_on_sigint(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    schema = tmp_path / "schemas" / "thing.json"
    schema.write_text(json.dumps(SCHEMA), encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        '[[tool.stepflow-codegen.targets]]\nlanguage = "python"\nschemas = ["schemas/"]\nout = "gen/thing"\n', encoding="utf-8"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "stepflow_codegen", "generate", "--watch", "--debounce", "100"],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_reader, args=(proc.stderr, lines), daemon=True).start()
    seen: list[str] = []
    try:
        _wait_for(lines, "waiting for changes", seen)
        types = tmp_path / "gen" / "thing" / "types.py"
        assert "a: str" in types.read_text(encoding="utf-8")

        # a change: regenerated once, with the new field
        changed = dict(SCHEMA, properties={"a": {"type": "string"}, "b": {"type": "integer"}})
        schema.write_text(json.dumps(changed), encoding="utf-8")
        _wait_for(lines, "wrote gen/thing", seen)
        _wait_for(lines, "waiting for changes", seen)
        assert "b: int" in types.read_text(encoding="utf-8")

        # a broken schema: reported, nothing written, still watching
        schema.write_text("{not json", encoding="utf-8")
        _wait_for(lines, "invalid JSON", seen)
        _wait_for(lines, "waiting for changes", seen)
        assert "b: int" in types.read_text(encoding="utf-8")

        # fixed again: regenerated
        schema.write_text(json.dumps(SCHEMA), encoding="utf-8")
        _wait_for(lines, "wrote gen/thing", seen)
        _wait_for(lines, "waiting for changes", seen)
        assert "b: int" not in types.read_text(encoding="utf-8")
        # writing the outputs did not trigger a run of its own
        time.sleep(1.0)
        while not lines.empty():
            seen.append(lines.get())
        assert sum("wrote gen/thing" in line for line in seen) == 3, "".join(seen)

        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
