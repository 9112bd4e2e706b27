"""The generated server's logging setup survives a bad LOG_LEVEL (StepFlow 0.9 passes env values verbatim)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_unknown_log_level_is_reported_not_fatal() -> None:
    code = "import logging, python; python.server._logging(); print(logging.getLogger().level)"
    env = dict(os.environ, LOG_LEVEL="-WARNING")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT / "generated", env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "30"
    assert "unknown log level '-WARNING'" in r.stderr
