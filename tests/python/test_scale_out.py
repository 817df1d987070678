"""Scale-out on Spark (local[2], deals in 4 partitions) and Dask (a LocalCluster of 3 worker
processes): every record kind of the sample program, reference data applied; the standard
scorecard, a bucketed and compared query, and one query per KPI family equal the one-machine
results exactly."""

from __future__ import annotations

import pyarrow as pa
import pytest

import channel_kpi.scale as cs
import scale_data as sd

NAMES = [n for n, _ in sd.QUERIES]


@pytest.fixture(scope="module")
def spark_frames(spark):
    t = sd.tables()
    frames = {}
    for k, v in t.items():
        if k in sd.REFERENCE:
            frames[k] = v  # reference data may stay local
        elif k == "stage_history":
            # in file order (entries of one day count in the order given); 2 partitions
            frames[k] = spark.createDataFrame(v)
        else:
            frames[k] = spark.createDataFrame(v).repartition(4 if k == "deals" else 2)
    assert frames["deals"].rdd.getNumPartitions() == 4
    return frames


@pytest.mark.parametrize("name", NAMES)
def test_spark_equals_one_machine(spark_frames, name):
    import channel_kpi.spark as cks

    kw = dict(sd.QUERIES)[name]
    f = dict(spark_frames)
    got = cks.query(f.pop("deals"), output="pyarrow", **kw, **f)
    one = sd.one_machine(kw)
    assert got.num_rows == one.num_rows > 0
    assert got.equals(one), name


def test_spark_output_is_a_spark_dataframe_and_reference_tables_may_be_spark(spark, spark_frames):
    import channel_kpi.spark as cks

    f = dict(spark_frames)
    f["partners"] = spark.createDataFrame(sd.tables()["partners"])
    kw = dict(sd.QUERIES)["bucketed_compared"]
    got = cks.query(f.pop("deals"), output="spark", **kw, **f)
    assert got.count() == sd.one_machine(kw).num_rows
    assert "won_revenue_prev" in got.columns


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=3, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            yield client


@pytest.fixture(scope="module")
def dask_frames():
    dd = pytest.importorskip("dask.dataframe")
    import pandas as pd

    out = {}
    for k, v in sd.tables().items():
        pdf = v.to_pandas(types_mapper=pd.ArrowDtype)
        out[k] = pdf if k in sd.REFERENCE else dd.from_pandas(pdf, npartitions=4 if k == "deals" else 2)
    return out


@pytest.mark.parametrize("name", NAMES)
def test_dask_equals_one_machine(dask_client, dask_frames, name):
    kw = dict(sd.QUERIES)[name]
    f = dict(dask_frames)
    got = cs.dask_query(f.pop("deals"), output="pyarrow", fan_in=3, **kw, **f)
    one = sd.one_machine(kw)
    assert got.num_rows == one.num_rows > 0
    assert got.equals(one), name
    assert isinstance(got, pa.Table)
