"""Scale-out on Dask: partitions → partial states on worker processes → merge → finish equals
the one-machine result exactly (a LocalCluster of several worker processes)."""

from __future__ import annotations

import sys

import pyarrow as pa
import pytest

import channel_kpi as ck
import channel_kpi.scale as cs

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benches"))
import workload  # noqa: E402

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")


def test_dask_equals_one_machine():
    import pandas as pd

    deals = workload.generate(40_000, seed=3)
    # pyarrow-backed columns keep dates as date32 and amounts as exact decimals
    pdf = deals.to_pandas(types_mapper=pd.ArrowDtype)
    ddf = dd.from_pandas(pdf, npartitions=6)
    kw = {"metrics": workload.METRICS, "period": "2025", "by": "partner", "rollup": True}
    one = ck.query(deals, output="pyarrow", **kw)
    with distributed.LocalCluster(n_workers=3, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with distributed.Client(cluster):
            got = cs.dask_query(ddf, output="pyarrow", **kw)
    order = [("rollup_level", "ascending"), ("partner", "ascending")]
    assert got.num_rows == one.num_rows > 1000
    assert got.sort_by(order).equals(one.sort_by(order))
    assert isinstance(got, pa.Table)
