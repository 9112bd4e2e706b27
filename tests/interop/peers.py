"""Real StepFlow peers for the interop tests: cached venvs, the runtime runner, helpers.

Peers (all from PyPI, pinned; built by ``tests/interop/setup.sh`` on first use, then cached in
``<repo>/.interop-venvs/``, git-ignored; ``INTEROP_VENVS`` overrides the location):

=============  ==================================  ===========================================
venv           pin                                 what the tests use
=============  ==================================  ===========================================
orch-0.9.0     ``stepflow-orchestrator==0.9.0``    ``stepflow-server`` binary (0.9 protocol)
orch-0.11.1    ``stepflow-orchestrator==0.11.1``   ``stepflow-server`` binary (0.11 protocol)
py-0.9.1       ``stepflow-py[http]==0.9.1``        StepFlow's HTTP component server
py-0.7.0       ``stepflow-py==0.7.0``              StepFlow's STDIO component server
=============  ==================================  ===========================================

A missing peer is never a reason to skip: the first test that needs one installs it, and if that
fails the test fails with pip's output.

``run_runtime`` starts the real ``stepflow-server`` inside ``unshare -rn --pid --fork --kill-child
--mount-proc`` (a private network namespace with only ``lo``, and a PID namespace: the server binds
``0.0.0.0`` and has no host flag, so it must not run on the host's network; and when the driver,
PID 1 there, ends, every process it started ends too). ``runtime_driver.py`` does the work inside.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
VENVS = Path(os.environ.get("INTEROP_VENVS") or REPO / ".interop-venvs")
SETUP = HERE / "setup.sh"
DRIVER = HERE / "runtime_driver.py"
# the committed package is generated/python, imported as `python`; INTEROP_GENERATED points the
# tests at another copy (e.g. a deliberately broken one, to see these tests fail)
GENERATED = Path(os.environ.get("INTEROP_GENERATED") or REPO / "generated")

PINS = {
    "orch-0.9.0": "stepflow-orchestrator==0.9.0",
    "orch-0.11.1": "stepflow-orchestrator==0.11.1",
    "py-0.9.1": "stepflow-py[http]==0.9.1",
    "py-0.7.0": "stepflow-py==0.7.0",
    "ours-http": "msgspec==0.22.0 uvicorn==0.54.0",  # runs OUR generated HTTP component server
}
# sha256 of the stepflow-server binary inside each orchestrator wheel (same values as the
# reference captures in ../shared/interop/*/README.md): proves which runtime actually ran.
SERVER_SHA256 = {
    "0.9.0": "7ea46a782f47cf77be0d22cc13457d1d5bbbc5b08858dae55e1260e46f8659b3",
    "0.11.1": "c2001deb4afdc0a06168de16cb3ea540dc3e34e59eecc0ce391ddeaf305aa587",
}
SETUP_TIMEOUT = 900  # seconds, for all four venvs from scratch (≈30 s on a warm pip cache)
UNSHARE = ["unshare", "-rn", "--pid", "--fork", "--kill-child", "--mount-proc"]


class PeerError(AssertionError):
    """A peer could not be installed or started; the message says what and how to reproduce."""


def compact(value: Any) -> str:
    """serde_json's compact encoding (what the Rust runtime hashes for a blob id)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def blob_id(value: Any) -> str:
    """StepFlow's content address of a JSON blob: sha256 hex of its compact JSON, no prefix."""
    return hashlib.sha256(compact(value).encode("utf-8")).hexdigest()


def generated_package() -> Any:
    """The committed generated package (``generated/python``, imported as ``python``)."""
    if str(GENERATED) not in sys.path:
        sys.path.insert(0, str(GENERATED))
    import python

    where = Path(python.__file__).resolve().parent
    if where != (GENERATED / "python").resolve():
        raise PeerError(f"`python` was already imported from {where}, not from {GENERATED}/python")
    return python


# --------------------------------------------------------------------------------------------
# venvs
# --------------------------------------------------------------------------------------------
_ready: set[str] = set()


def ensure_venv(name: str) -> Path:
    """Return the venv dir for ``name``, building it with setup.sh first if needed."""
    if name not in PINS:
        raise KeyError(name)
    venv = VENVS / name
    if name in _ready:
        return venv
    VENVS.mkdir(parents=True, exist_ok=True)
    with open(VENVS / ".lock", "w") as lock:  # one builder at a time (parallel sessions)
        fcntl.flock(lock, fcntl.LOCK_EX)
        t0 = time.monotonic()
        try:
            proc = subprocess.run(
                ["bash", str(SETUP), name],
                capture_output=True,
                text=True,
                timeout=SETUP_TIMEOUT,
                env=os.environ | {"INTEROP_VENVS": str(VENVS), "INTEROP_PYTHON": sys.executable},
            )
        except subprocess.TimeoutExpired as e:
            raise PeerError(f"installing interop peer {name} ({PINS[name]}) timed out after {SETUP_TIMEOUT}s;"
                            f" output so far:\n{e.stdout or ''}{e.stderr or ''}") from None
        if proc.returncode != 0:
            raise PeerError(
                f"could not install interop peer {name} ({PINS[name]}) into {venv}: setup.sh exited"
                f" {proc.returncode}. Reproduce with: bash tests/interop/setup.sh {name}\n"
                f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
            )
        if proc.stderr.strip():
            sys.stderr.write(proc.stderr)
        if time.monotonic() - t0 > 1:
            sys.stderr.write(f"[interop] peer {name} ready after {time.monotonic() - t0:.1f}s\n")
    _ready.add(name)
    return venv


def venv_python(name: str) -> Path:
    return ensure_venv(name) / "bin" / "python"


def stepflow_server(version: str) -> Path:
    """The ``stepflow-server`` binary shipped in the ``stepflow-orchestrator==version`` wheel."""
    venv = ensure_venv(f"orch-{version}")
    found = sorted(venv.glob("lib/python*/site-packages/stepflow_orchestrator/bin/stepflow-server"))
    if len(found) != 1:
        raise PeerError(f"expected one stepflow_orchestrator/bin/stepflow-server in {venv}, found {found}")
    binary = found[0]
    if not os.access(binary, os.X_OK):
        raise PeerError(f"{binary} is not executable")
    digest = hashlib.sha256(binary.read_bytes()).hexdigest()
    if digest != SERVER_SHA256[version]:
        raise PeerError(f"{binary}: sha256 {digest}, expected {SERVER_SHA256[version]} (wheel changed?)")
    return binary


# --------------------------------------------------------------------------------------------
# the runtime runner
# --------------------------------------------------------------------------------------------
def check_sandbox() -> None:
    if shutil.which("unshare") is None:
        raise PeerError("`unshare` (util-linux) is required to sandbox stepflow-server; install util-linux")
    proc = subprocess.run([*UNSHARE, "true"], capture_output=True, text=True, timeout=20)
    if proc.returncode != 0:
        raise PeerError(
            "cannot create a private network/PID namespace (`unshare -rn --pid --fork --kill-child"
            f" --mount-proc true` exited {proc.returncode}: {proc.stderr.strip()}). stepflow-server binds"
            " 0.0.0.0, so the interop tests refuse to run it outside a namespace. Enable unprivileged"
            " user namespaces (sysctl kernel.unprivileged_userns_clone=1) or run as root."
        )


@dataclass
class RuntimeReport:
    """What ``runtime_driver.py`` printed, plus where its files are."""

    data: dict[str, Any]
    workdir: Path
    seconds: float

    def run(self, name: str) -> dict[str, Any]:
        """The body of ``POST /runs`` for run ``name`` (PeerError if that run did not complete)."""
        entry = self.data["runs"].get(name, {})
        if "error" in entry or "run" not in entry:
            raise PeerError(f"run {name!r} did not complete: {entry.get('error')}\n{self.explain()}")
        body: dict[str, Any] = entry["run"]["body"]
        return body

    def logs(self) -> str:
        return "\n".join(f"--- {k}.log (tail) ---\n{v}" for k, v in self.data.get("logs", {}).items())

    def explain(self) -> str:
        """Context for a failed assertion: the whole report without the logs, then the logs."""
        slim = {k: v for k, v in self.data.items() if k != "logs"}
        return f"driver report ({self.workdir}):\n{json.dumps(slim, indent=1)[:20000]}\n{self.logs()}"


def run_runtime(
    version: str,
    config: dict[str, Any] | Path,
    runs: list[dict[str, Any]],
    workdir: Path,
    *,
    helpers: list[dict[str, Any]] | None = None,
    port: int = 17940,
    timeout: float | None = None,
    run_timeout: float = 20.0,
    list_components: bool = False,
    server_env: dict[str, str] | None = None,
) -> RuntimeReport:
    """Run ``runs`` (``{"name", "flow", "input", "items"?}``) on the real stepflow-server ``version``.

    ``config`` is the stepflow-config (as a dict); relative paths in it resolve against ``workdir``
    (the config file is written there). A ``Path`` is a config file used as it is (YAML; relative
    paths in it resolve against its own directory, which is also the plugins' working directory).
    Each run gets ``run_timeout`` seconds, the whole session ``timeout``. Raises PeerError (with logs) if the session could not be set up or timed out; a
    run that fails in StepFlow is returned normally (the test asserts on it), one that did not
    finish raises when the test asks for it (``RuntimeReport.run``).
    """
    server = stepflow_server(version)
    check_sandbox()
    if timeout is None:  # start-up (health waits are 30 s) + every run at its limit
        timeout = 45 + (run_timeout + 10) * len(runs)
    workdir.mkdir(parents=True, exist_ok=True)
    plan = {
        "server": str(server),
        "config": config if isinstance(config, dict) else None,
        "config_file": str(Path(config).resolve()) if not isinstance(config, dict) else None,
        "port": port,
        "api": "0.9" if version.startswith("0.9") else "0.11",
        "workdir": str(workdir),
        "helpers": helpers or [],
        "runs": runs,
        "list_components": list_components,
        "server_env": server_env or {},
        "health_timeout": 30,
        "request_timeout": run_timeout,
    }
    plan_path = workdir / "plan.json"
    plan_path.write_text(json.dumps(plan, indent=1), encoding="utf-8")
    argv = [*UNSHARE, sys.executable, str(DRIVER), str(plan_path)]
    t0 = time.monotonic()
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=workdir)
    except subprocess.TimeoutExpired as e:  # SIGKILL to unshare -> --kill-child -> namespace gone
        raise PeerError(
            f"runtime driver timed out after {timeout}s ({workdir}); stderr:\n{e.stderr or ''}\n"
            + "".join(f"--- {p.name} ---\n{p.read_text(errors='replace')[-8000:]}\n" for p in sorted(workdir.glob('*.log')))
        ) from None
    seconds = time.monotonic() - t0
    try:
        data = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise PeerError(
            f"runtime driver exited {proc.returncode} without a report ({workdir})\n"
            f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
        ) from None
    report = RuntimeReport(data, workdir, seconds)
    (workdir / "report.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
    if not data.get("ok"):
        raise PeerError(f"runtime driver failed: {data.get('error')}\n{report.explain()}")
    return report
