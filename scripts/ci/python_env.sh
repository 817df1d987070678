#!/usr/bin/env bash
# The Python layer's environment: .venv with the build tool, the test tools and the peers the
# tests compare against, and a Java runtime for pyspark. Network and disk bound (90 s on a
# fresh venv here), so scripts/test.sh runs it in the background while the Rust layer builds;
# scripts/ci/python.sh runs it itself when run alone.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check \
    "maturin>=1.16,<1.17" "pytest>=9,<10" "pyarrow>=26,<27" "polars>=2,<3" "pandas>=3.0,<4" \
    "numpy>=2,<3" "mypy>=1.10" "nbclient>=0.10" "nbformat>=5.10" "ipykernel>=6.29" "matplotlib>=3.9" \
    "dask[distributed,dataframe]>=2025.1" "duckdb>=1.1,<3" \
    "pyspark>=4,<5"   # duckdb: an Arrow-stream producer and a bench peer; pyspark: tests/python/test_scale_out.py
# Spark needs a Java runtime (17 runs pyspark 4); the test machines have it, a fresh one gets it.
if ! command -v java >/dev/null; then
    echo "java missing: installing openjdk-17-jre-headless with apt-get"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi
