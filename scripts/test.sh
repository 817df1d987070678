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
for layer in "${layers[@]}"; do
    script="scripts/ci/$layer.sh"
    if [ -f "$script" ]; then
        echo "=== $layer ==="
        bash "$script"
    fi
done
echo "=== all layers passed: ${layers[*]} ==="
