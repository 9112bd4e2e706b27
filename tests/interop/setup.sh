#!/usr/bin/env bash
# Create (once) the cached virtual environments holding the real StepFlow peers used by the
# interop tests (tests/test_interop_*.py). Called lazily by the pytest session fixture in
# tests/interop/peers.py; safe to run by hand:   bash tests/interop/setup.sh [NAME...]
#
#   orch-0.9.0   stepflow-orchestrator==0.9.0   (the real stepflow-server binary, 0.9.0)
#   orch-0.11.1  stepflow-orchestrator==0.11.1  (the real stepflow-server binary, 0.11.1)
#   py-0.9.1     stepflow-py[http]==0.9.1       (StepFlow's HTTP component server, 0.9 protocol)
#   py-0.7.0     stepflow-py==0.7.0             (StepFlow's STDIO component server, newest on PyPI)
#   ours-http    msgspec==0.22.0 uvicorn==0.54.0 (runs OUR generated component server over HTTP:
#                exactly what the generated package needs, nothing of the dev venv)
#
# Each venv is created under $INTEROP_VENVS (default: <repo>/.interop-venvs, git-ignored) and is
# installed with its top-level pin plus tests/interop/locks/<name>.txt as constraints (pip freeze of
# a known-good install), so CI resolves exactly the same dependency set. A venv counts as ready
# only when its marker file (written last, holding the pin) matches; a half-built venv is rebuilt.
# Exit status 0 = every requested venv is ready; non-zero = the error is on stderr.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
ROOT="${INTEROP_VENVS:-$REPO/.interop-venvs}"
PY="${INTEROP_PYTHON:-python3}"

pin_of() {
  case "$1" in
    orch-0.9.0) echo "stepflow-orchestrator==0.9.0" ;;
    orch-0.11.1) echo "stepflow-orchestrator==0.11.1" ;;
    py-0.9.1) echo "stepflow-py[http]==0.9.1" ;;
    py-0.7.0) echo "stepflow-py==0.7.0" ;;
    ours-http) echo "msgspec==0.22.0 uvicorn==0.54.0" ;;
    *) echo "unknown interop venv '$1' (known: orch-0.9.0 orch-0.11.1 py-0.9.1 py-0.7.0 ours-http)" >&2; return 2 ;;
  esac
}

build() {
  local name="$1" pin venv lock marker stamp t0
  pin="$(pin_of "$name")"
  venv="$ROOT/$name"
  marker="$venv/.interop-ready"
  lock="$HERE/locks/$name.txt"
  # the marker records the pin and the lock's hash: changing either rebuilds the venv
  stamp="$pin $( (cat "$lock" 2>/dev/null || true) | sha256sum | cut -c1-16) $("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  if [ -f "$marker" ] && [ "$(cat "$marker")" = "$stamp" ] && [ -x "$venv/bin/python" ]; then
    return 0
  fi
  t0=$(date +%s)
  echo "[interop-setup] building $venv ($pin)" >&2
  rm -rf "$venv"
  mkdir -p "$ROOT"
  "$PY" -m venv "$venv"
  local args=(-q --disable-pip-version-check --no-input install)
  if [ -f "$lock" ]; then args+=(-c "$lock"); fi
  # bounded: a hung index must not hang CI forever
  # shellcheck disable=SC2086  # $pin may hold several requirements
  timeout "${INTEROP_PIP_TIMEOUT:-600}" "$venv/bin/python" -m pip "${args[@]}" --timeout 60 --retries 3 $pin >&2
  "$venv/bin/python" -m pip --disable-pip-version-check check >&2
  printf '%s' "$stamp" > "$marker"
  echo "[interop-setup] $name ready in $(( $(date +%s) - t0 ))s" >&2
}

names=("$@")
if [ ${#names[@]} -eq 0 ]; then names=(orch-0.9.0 orch-0.11.1 py-0.9.1 py-0.7.0 ours-http); fi
for n in "${names[@]}"; do build "$n"; done
