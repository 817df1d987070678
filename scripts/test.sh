#!/usr/bin/env bash
# Runs every test of the project: Rust (fmt, clippy, unit, integration, doc tests), then each
# binding's layer. Builds once and reuses the build. `.ci/run` runs exactly this.
#
#   ./scripts/test.sh            # everything
#   ./scripts/test.sh rust       # one layer (rust, python, c, fuzz)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
layers=("$@")
[ ${#layers[@]} -gt 0 ] || layers=(rust python c fuzz)
# The Python layer's environment (pip, network and disk bound) is made in the background while
# the layers before it build and test; scripts/ci/python.sh waits for it.
if [[ " ${layers[*]} " == *" python "* && "${layers[0]}" != python ]]; then
    status="$(mktemp -d)/python_env.status"
    (rc=0; bash scripts/ci/python_env.sh > "$status.log" 2>&1 || rc=$?; echo "$rc" > "$status") &
    env_pid=$!
    trap 'pkill -P "$env_pid" 2>/dev/null || true; rm -rf "$(dirname "$status")"' EXIT
    export CKPI_PYTHON_ENV_STATUS="$status" CKPI_PYTHON_ENV_PID="$env_pid"
fi
started=$(date +%s)
for layer in "${layers[@]}"; do
    script="scripts/ci/$layer.sh"
    if [ -f "$script" ]; then
        echo "=== $layer ==="
        start=$(date +%s)
        bash "$script"
        echo "=== $layer layer: $(( $(date +%s) - start )) s"
    fi
done
echo "=== all layers passed: ${layers[*]} ($(( $(date +%s) - started )) s) ==="
