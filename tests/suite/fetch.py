"""Download the official JSON Schema Test Suite once, into a gitignored cache.

The suite ships inside the ``jsonschema`` sdist on PyPI (``json/tests/<draft>/*.json`` and
``json/remotes/``), so CI on a fresh clone gets it with pip, pinned by version and sha256.  It is
never committed: ``.cache/json-schema-test-suite/jsonschema-<version>/`` holds ``tests/`` and
``remotes/``.

    python -m tests.suite.fetch          # prints the suite directory (downloads if missing)
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("STEPFLOW_SUITE_CACHE", ROOT / ".cache" / "json-schema-test-suite"))
VERSION = "4.23.0"
SHA256 = {"4.23.0": "d71497fef26351a33265337fa77ffeb82423f3ea21283cd9467bb03999266bc4"}


def suite_dir(version: str = VERSION) -> Path:
    """The suite's directory (``tests/``, ``remotes/``), downloaded and unpacked if missing."""
    dest = CACHE / f"jsonschema-{version}"
    if (dest / ".complete").is_file():
        return dest
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps",
             "--no-binary", ":all:", f"jsonschema=={version}", "-d", tmp],
            capture_output=True, text=True,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"pip download jsonschema=={version} failed:\n{proc.stdout}\n{proc.stderr}")
        sdist = Path(tmp) / f"jsonschema-{version}.tar.gz"
        digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
        if version in SHA256 and digest != SHA256[version]:
            raise RuntimeError(f"{sdist.name}: sha256 {digest}, expected {SHA256[version]}")
        unpacked = Path(tmp) / "unpacked"
        prefix = f"jsonschema-{version}/json/"
        with tarfile.open(sdist) as tar:
            members = [
                m for m in tar.getmembers()
                if m.isfile() and m.name.startswith(prefix)
                and m.name[len(prefix):].split("/", 1)[0] in ("tests", "remotes")
            ]
            for m in members:
                m.name = m.name[len(prefix):]
            tar.extractall(unpacked, members=members, filter="data")
        (unpacked / ".complete").write_text(f"jsonschema-{version}.tar.gz sha256 {digest}\n", encoding="utf-8")
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(unpacked, dest)
    return dest


if __name__ == "__main__":
    print(suite_dir(sys.argv[1] if len(sys.argv) > 1 else VERSION))
