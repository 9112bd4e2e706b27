"""Run a real ``stepflow-server`` and drive its REST API; one JSON report on stdout.

Stdlib only. Meant to be executed *inside* a private network + PID namespace
(``unshare -rn --pid --fork --kill-child --mount-proc``, see ``peers.run_runtime``): the driver
is PID 1 there, brings ``lo`` up, starts the server (which binds ``0.0.0.0`` on a fixed port,
visible only inside the namespace), optional helper processes (a component server for remote
``url`` mode), waits for health, stores each flow and runs it, then tears everything down. When
PID 1 exits the kernel kills whatever is left in the namespace, so nothing can outlive a test.

    python runtime_driver.py PLAN.json

PLAN (JSON)::

    {"server": "/abs/stepflow-server", "config": {...} | "config_file": "/abs/stepflow-config.yml",
     "port": 17940, "api": "0.9" | "0.11",
     "workdir": "/abs/dir", "helpers": [{"name", "argv", "env"?, "health_url"?}],
     "server_env": {...}?, "health_timeout": 30, "request_timeout": 30,
     "runs": [{"name": "main", "flow": {...}, "input": {...}}], "list_components": false}

Report (stdout, one JSON object)::

    {"ok": bool, "error": str?, "health": {...}, "timings": {...},
     "runs": {"main": {"store": {"status", "body"}, "run": {"status", "body"}, "items"?: {...},
                       "error"?: str}},
     "components": {"status", "body"}?, "logs": {"server": "<tail>", "<helper>": "<tail>"}}

Everything that can block is bounded. ``ok`` is false when the setup failed (``error`` says
what, the log tails say why); a run that fails or times out only gets its own ``error``.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any

LOG_TAIL = 12_000  # characters of each log kept in the report


def bring_loopback_up() -> None:
    """``ip link set lo up`` without needing iproute2 (SIOCGIFFLAGS / SIOCSIFFLAGS)."""
    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sH14s", b"lo", 0, b"")
        flags = struct.unpack("16sH14s", fcntl.ioctl(s.fileno(), siocgifflags, req))[1]
        if not flags & iff_up:
            fcntl.ioctl(s.fileno(), siocsifflags, struct.pack("16sH14s", b"lo", flags | iff_up, b""))


def http(method: str, url: str, body: Any = None, timeout: float = 30.0) -> tuple[int, Any]:
    """One HTTP call; returns (status, parsed JSON body or raw text). Never raises on 4xx/5xx."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    text = raw.decode("utf-8", errors="replace")
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def tail(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError as e:
        return f"<no log: {e}>"
    return text if len(text) <= LOG_TAIL else "…" + text[-LOG_TAIL:]


class Procs:
    """The processes this driver started, stopped in reverse order (TERM, then KILL)."""

    def __init__(self) -> None:
        self.items: list[tuple[str, subprocess.Popen[bytes], str]] = []

    def start(self, name: str, argv: list[str], log: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        out = open(log, "wb")
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        out.close()
        self.items.append((name, proc, log))
        return proc

    def stop_all(self) -> None:
        for _, proc, _ in reversed(self.items):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 5
        for _, proc, _ in reversed(self.items):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=5)


def wait_healthy(url: str, proc: subprocess.Popen[bytes], what: str, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode} before {url} answered (last: {last})")
        try:
            status, body = http("GET", url, timeout=2)
            if 200 <= status < 300:
                return body
            last = f"HTTP {status}: {body}"
        except OSError as e:
            last = repr(e)
        time.sleep(0.05)
    raise RuntimeError(f"{what}: {url} not healthy after {timeout}s (last: {last})")


def main(argv: list[str]) -> int:
    with open(argv[0], encoding="utf-8") as f:
        plan = json.load(f)
    report: dict[str, Any] = {"ok": False, "runs": {}, "timings": {}, "logs": {}}
    procs = Procs()
    t0 = time.monotonic()
    mark = lambda key: report["timings"].__setitem__(key, round(time.monotonic() - t0, 3))  # noqa: E731
    workdir = plan["workdir"]
    try:
        bring_loopback_up()
        health_timeout = float(plan.get("health_timeout", 30))
        req_timeout = float(plan.get("request_timeout", 30))
        for h in plan.get("helpers", []):
            env = dict(os.environ) | h.get("env", {})
            proc = procs.start(h["name"], h["argv"], os.path.join(workdir, f"{h['name']}.log"), env)
            if h.get("health_url"):
                wait_healthy(h["health_url"], proc, h["name"], health_timeout)
            mark(f"{h['name']}_up")
        if plan.get("config_file"):  # a config file as written (its directory is the plugins' cwd)
            config_path = plan["config_file"]
        else:
            config_path = os.path.join(workdir, "stepflow-config.yml")
            with open(config_path, "w", encoding="utf-8") as f:
                json.dump(plan["config"], f, indent=2)  # JSON is YAML: serde_yaml reads it as is
        port = int(plan["port"])
        server_env = dict(os.environ) | plan.get("server_env", {})
        server = procs.start(
            "server",
            [plan["server"], "--port", str(port), "--config", config_path,
             "--log-level", plan.get("log_level", "info"), "--other-log-level", "warn"],
            os.path.join(workdir, "server.log"),
            server_env,
        )
        api = f"http://127.0.0.1:{port}/api/v1"
        report["health"] = wait_healthy(f"{api}/health", server, "stepflow-server", health_timeout)
        mark("server_up")
        for run in plan["runs"]:
            # a run that fails or hangs is recorded and the next one still runs
            name = run["name"]
            entry: dict[str, Any] = {}
            report["runs"][name] = entry
            try:
                status, body = http("POST", f"{api}/flows", {"flow": run["flow"]}, req_timeout)
                entry["store"] = {"status": status, "body": body}
                if status != 200 or not isinstance(body, dict) or "flowId" not in body:
                    raise RuntimeError(f"POST /flows -> {status}: {body}")
                request: dict[str, Any] = {"flowId": body["flowId"], "input": [run["input"]]}
                if plan["api"] != "0.9":  # 0.9.0 always blocks; 0.10+ needs wait=true (else 202)
                    request |= {"wait": True, "timeoutSecs": int(req_timeout)}
                t_run = time.monotonic()
                status, body = http("POST", f"{api}/runs", request, req_timeout + 5)
                entry["run"] = {"status": status, "body": body, "seconds": round(time.monotonic() - t_run, 4)}
                if status != 200 or not isinstance(body, dict):
                    raise RuntimeError(f"POST /runs -> {status}: {body}")
                if run.get("items") and "runId" in body:
                    status, items = http("GET", f"{api}/runs/{body['runId']}/items", None, req_timeout)
                    entry["items"] = {"status": status, "body": items}
            except Exception as e:  # noqa: BLE001
                entry["error"] = f"{type(e).__name__}: {e}"
            mark(f"run_{name}")
        if plan.get("list_components"):
            status, body = http("GET", f"{api}/components", None, req_timeout)
            report["components"] = {"status": status, "body": body}
        report["ok"] = True
    except Exception as e:  # noqa: BLE001 - everything goes into the report
        report["error"] = f"{type(e).__name__}: {e}"
    finally:
        procs.stop_all()
        mark("stopped")
        for name, _, log in procs.items:
            report["logs"][name] = tail(log)
        print(json.dumps(report))
        sys.stdout.flush()
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
