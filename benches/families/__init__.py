"""The workloads of ``bench_families.py``: one module per KPI family (data, our call, the polars
equivalent, the expected values), the shared helpers in ``common``."""
