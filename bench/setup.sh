#!/usr/bin/env bash
# Create the benchmark's isolated venv at bench/.work/venv (git-ignored) with the pinned peer
# (datamodel-code-generator, plus msgspec for its msgspec output), the pinned Kubernetes
# definitions (kubernetes-validate ships them), mypy for --typecheck, and stepflow-codegen
# itself installed from this checkout as a wheel (not editable).
#
#   bash bench/setup.sh && bench/.work/venv/bin/python bench/bench_generate.py
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
WORK="$HERE/.work"
VENV="$WORK/venv"
PYTHON="${PYTHON:-python3}"

DMCG_VERSION="0.89.0"
K8S_VALIDATE_VERSION="1.37.0"
K8S_SCHEMA_VERSION="v1.37.0"

"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "bench/setup.sh needs Python >= 3.11 (set PYTHON=...)")'

mkdir -p "$WORK"
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check --quiet)
# the project's pins (black, isort, msgspec, mypy, ...) apply here too, so both tools format with
# the same black the tests use
CONSTRAINTS=()
if [ -f "$REPO/constraints.txt" ]; then
    CONSTRAINTS=(-c "$REPO/constraints.txt")
fi

"${PIP[@]}" install "${CONSTRAINTS[@]}" \
    "datamodel-code-generator==${DMCG_VERSION}" \
    "kubernetes-validate==${K8S_VALIDATE_VERSION}" \
    msgspec \
    mypy
# ours as users install it: a wheel, not editable (an editable install adds a finder to every Python
# start of this venv); bench_generate.py reinstalls it whenever the checkout has changed
"${PIP[@]}" install "${CONSTRAINTS[@]}" "$REPO"

# Locate the v1.37.0 _definitions.json inside the installed kubernetes_validate package and
# record its path for bench_generate.py (which also searches on its own if the file is missing).
"$VENV/bin/python" - "$K8S_SCHEMA_VERSION" "$WORK/k8s_definitions_path" <<'PY'
import sys
from importlib import resources
from pathlib import Path

version, record = sys.argv[1], Path(sys.argv[2])
root = Path(str(resources.files("kubernetes_validate")))
hits = sorted(
    p for p in root.rglob("_definitions.json")
    if any(part == version or part.startswith(version + "-") for part in p.relative_to(root).parts)
)
# prefer "<version>-local" (the non-strict layout) when both it and "-local-strict" exist
hits.sort(key=lambda p: (0 if f"{version}-local" in p.parts else 1, len(str(p))))
if not hits:
    sys.exit(f"no _definitions.json for {version} under {root}")
record.write_text(str(hits[0]) + "\n")
print(f"kubernetes definitions: {hits[0]}")
PY

"$VENV/bin/python" - <<'PY'
from importlib.metadata import version
for dist in ("datamodel-code-generator", "kubernetes-validate", "msgspec", "black", "isort", "mypy", "stepflow-codegen"):
    print(f"{dist}=={version(dist)}")
PY
# quicktype, the peer of bench_targets.py (TypeScript and Rust from one schema), pinned, from npm
# into bench/.work/quicktype
QUICKTYPE_VERSION="26.0.0"
QT="$WORK/quicktype"
if command -v npm >/dev/null 2>&1; then
    if [ "$("$QT/node_modules/.bin/quicktype" --version 2>/dev/null | head -n 1)" != "quicktype version $QUICKTYPE_VERSION" ]; then
        mkdir -p "$QT"
        printf '{"name": "bench-quicktype", "private": true}\n' > "$QT/package.json"
        npm install --prefix "$QT" --no-audit --no-fund --loglevel=error --save-exact "quicktype@$QUICKTYPE_VERSION"
    fi
    echo "quicktype==$QUICKTYPE_VERSION ($QT)"
else
    echo "npm not found: bench/bench_targets.py needs Node.js and npm for quicktype" >&2
fi
echo "bench venv ready: $VENV"
