#!/usr/bin/env bash
# Python layer: build the wheel once into .venv (maturin develop --release), then pytest, the
# stub check (mypy.stubtest against the compiled module) and the example notebook (nbclient).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -x .venv/bin/python ] || python3 -m venv .venv
PY="$PWD/.venv/bin/python"
export PYO3_PYTHON="$PY"   # cargo and maturin build pyo3 for the same interpreter
"$PY" -m pip install --quiet --disable-pip-version-check \
    "maturin>=1.16,<1.17" "pytest>=9,<10" "pyarrow>=26,<27" "polars>=2,<3" "pandas>=3.0,<4" \
    "numpy>=2,<3" "mypy>=1.10" "nbclient>=0.10" "nbformat>=5.10" "ipykernel>=6.29" "matplotlib>=3.9" \
    "dask[distributed,dataframe]>=2025.1" "duckdb>=1.1,<3" \
    "pyspark>=4,<5"   # duckdb: an Arrow-stream producer and a bench peer; pyspark: tests/python/test_scale_out.py
# Spark needs a Java runtime (17 runs pyspark 4); the test machines have it, a fresh one gets it.
if ! command -v java >/dev/null; then
    echo "java missing: installing openjdk-17-jre-headless with apt-get"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi
export PYSPARK_PYTHON="$PY" PYSPARK_DRIVER_PYTHON="$PY"   # Spark's Python workers: this venv
start=$(date +%s)
"$PY" -m maturin develop --release --quiet
echo "maturin develop --release: $(( $(date +%s) - start )) s"
start=$(date +%s)
"$PY" -m pytest -q tests/python --durations=5
echo "pytest: $(( $(date +%s) - start )) s"
"$PY" -m mypy.stubtest channel_kpi --mypy-config-file pyproject.toml   # package and _native stubs
"$PY" python/examples/run_notebooks.py   # every example notebook executes without error
