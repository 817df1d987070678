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
    "dask[distributed,dataframe]>=2025.1" "duckdb>=1.1,<3"   # duckdb: an Arrow-stream producer and a bench peer
start=$(date +%s)
"$PY" -m maturin develop --release --quiet
echo "maturin develop --release: $(( $(date +%s) - start )) s"
"$PY" -m pytest -q tests/python
"$PY" -m mypy.stubtest channel_kpi --mypy-config-file pyproject.toml   # package and _native stubs
"$PY" python/examples/run_notebooks.py   # every example notebook executes without error
