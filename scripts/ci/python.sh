#!/usr/bin/env bash
# Python layer: build the wheel once into .venv (maturin develop --release), then pytest, the
# stub check (mypy.stubtest against the compiled module) and the example notebook (nbclient).
set -euo pipefail
cd "$(dirname "$0")/../.."
# The environment (scripts/ci/python_env.sh): made here, or already being made in the background
# by scripts/test.sh, which names the file its exit status goes to and the process writing it.
if [ -n "${CKPI_PYTHON_ENV_STATUS:-}" ]; then
    until [ -s "$CKPI_PYTHON_ENV_STATUS" ]; do
        if ! kill -0 "$CKPI_PYTHON_ENV_PID" 2>/dev/null && [ ! -s "$CKPI_PYTHON_ENV_STATUS" ]; then
            cat "$CKPI_PYTHON_ENV_STATUS.log" 2>/dev/null || true
            echo "scripts/ci/python_env.sh (run in the background by scripts/test.sh) ended without an exit status" >&2
            exit 1
        fi
        sleep 1
    done
    cat "$CKPI_PYTHON_ENV_STATUS.log"
    [ "$(cat "$CKPI_PYTHON_ENV_STATUS")" = 0 ] || { echo "scripts/ci/python_env.sh failed (its output above)" >&2; exit 1; }
else
    bash scripts/ci/python_env.sh
fi
PY="$PWD/.venv/bin/python"
export PYO3_PYTHON="$PY"   # cargo and maturin build pyo3 for the same interpreter
export PYSPARK_PYTHON="$PY" PYSPARK_DRIVER_PYTHON="$PY"   # Spark's Python workers: this venv
start=$(date +%s)
"$PY" -m maturin develop --release --quiet
echo "maturin develop --release: $(( $(date +%s) - start )) s"
start=$(date +%s)
"$PY" -m pytest -q tests/python --durations=5
echo "pytest: $(( $(date +%s) - start )) s"
"$PY" -m mypy.stubtest channel_kpi --mypy-config-file pyproject.toml   # package and _native stubs
"$PY" python/examples/run_notebooks.py   # every example notebook executes without error
