"""KPIs over Spark DataFrames: each partition folded into partial states on the executors
(``mapInArrow``), the states merged in a tree (``treeReduce``), finished on the driver with the
reference data — the same table as one machine computes.

>>> import channel_kpi.spark as cks                                     # doctest: +SKIP
>>> cks.query(spark.read.parquet("deals/"), leads=spark.read.parquet("leads/"),
...           partners=partners_df, metrics=["won_revenue", "close_rate"], period="2025",
...           by="partner", output="pandas")                           # doctest: +SKIP

Every record kind is a keyword, as for :func:`channel_kpi.query` (``deals`` may be positional).
Fact tables are Spark DataFrames (or local tables, which are distributed first); reference
tables (``partners``, ``org_units``, ``pipeline``, ``fx_rates``) are collected once on the driver
(``toArrow``) and broadcast. Links between tables are made in Spark before folding: leads get
``won_on`` from their won deal (a left join on ``deal_id`` when the leads lack ``won_on`` and
no mapping is given), and deals are co-grouped with their stage history by a hash of
``deal_id`` (``cogroup(...).applyInArrow``; stage entries of one day keep the DataFrame's
order, as the one-machine loader keeps the file's). Each partition covers a part named after its kind
and partition index, so a state merged twice is refused (``MergeError``), never counted twice.

The executors import ``channel_kpi``: install it in the Python environment Spark runs
(``PYSPARK_PYTHON``). Data goes through Arrow only (no pandas).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Iterable, Iterator, Mapping, Optional, Sequence, Union

import pyarrow as pa

from . import _frames, scale
from ._native import Period
from ._query import query_json

__all__ = ["query"]


def query(
    deals: Any = None,
    *,
    metrics: Union[str, Iterable[str]],
    period: Union[Period, str],
    by: Union[None, str, Sequence[str]] = None,
    buckets: Optional[str] = None,
    compare_to: Optional[str] = None,
    rollup: bool = False,
    as_of: Optional[date] = None,
    currency: Optional[str] = None,
    options: Optional[Mapping[str, Any]] = None,
    mapping: Union[None, str, Mapping[str, Any]] = None,
    output: str = "pyarrow",
    depth: int = 2,
    **tables: Any,
) -> Any:
    """The query over Spark DataFrames of any record kind. ``output``: ``pyarrow`` (default),
    ``pandas``, ``polars`` or ``spark`` (a Spark DataFrame of the result). ``depth``: depth of
    the merge tree on the executors (``RDD.treeReduce``)."""
    from pyspark.sql import SparkSession

    given = dict(tables, deals=deals) if deals is not None else dict(tables)
    facts, refs = scale._split_tables(scale._split_kwargs(given)[0])
    spark = SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()
    facts = {k: v if hasattr(v, "mapInArrow") else spark.createDataFrame(pa.table(scale._table(v))) for k, v in facts.items()}
    ref = scale.reference(mapping=mapping, **{k: scale._local(v) for k, v in refs.items()})
    q = query_json(metrics, period, by, buckets, compare_to, rollup, as_of, currency, options)
    rb = spark.sparkContext.broadcast(ref.to_bytes())
    mtext = scale._mapping_text(mapping)
    if mapping is None and "leads" in facts:
        facts["leads"] = _leads_won_on(facts["leads"], facts.get("deals"))
    frames = []
    if "stage_history" in facts:
        frames.append(_cogrouped(facts.pop("deals"), facts.pop("stage_history"), q, rb, mtext))
    for kind, sdf in facts.items():
        frames.append(sdf.mapInArrow(_folder(kind, q, rb, mtext), "state binary"))
    states = frames[0]
    for f in frames[1:]:
        states = states.unionAll(f)
    rdd = states.rdd.map(lambda r: bytes(r[0]))
    merged = [rdd.treeReduce(scale.merge_bytes, depth)] if not rdd.isEmpty() else []
    table = scale.finish_parts(merged, ref, q)
    if output == "spark":
        return spark.createDataFrame(_frames.to_arrow(table))
    return _frames.to_output(table, output)


def _folder(kind: str, q: str, ref: Any, mapping: Optional[str]) -> Any:
    """The ``mapInArrow`` function of one record kind: the partition's batches → one row of
    partial bytes covering the part ``<kind>:<partition index>``."""

    def fold(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from pyspark import TaskContext

        from channel_kpi import scale as cs

        got = list(batches)
        ctx = TaskContext.get()
        if ctx is None:
            raise RuntimeError("channel_kpi.spark: a fold ran outside a Spark task (no partition id)")
        if not got:
            return
        part = f"{kind}:{ctx.partitionId()}"
        state = cs.fold({kind: pa.Table.from_batches(got)}, q, part, ref.value, mapping)
        yield pa.record_batch({"state": pa.array([state], pa.binary())})

    return fold


def _cogrouped(deals: Any, history: Any, q: str, ref: Any, mapping: Optional[str]) -> Any:
    """Deals and their stage history co-grouped by a hash of ``deal_id`` and folded together."""
    from pyspark.sql import functions as F

    n = max(deals.rdd.getNumPartitions(), 1)
    bucket = F.pmod(F.xxhash64(F.col("deal_id").cast("string")), F.lit(n))
    d = deals.withColumn("_ck_b", bucket).groupBy("_ck_b")
    # stage entries of one day keep the DataFrame's order, as the one-machine loader keeps the file's
    h = history.withColumn("_ck_i", F.monotonically_increasing_id()).withColumn("_ck_b", bucket).groupBy("_ck_b")

    def fold(key: Any, left: pa.Table, right: pa.Table) -> pa.Table:
        from channel_kpi import scale as cs

        b = key[0].as_py() if hasattr(key[0], "as_py") else key[0]
        right = right.sort_by("_ck_i").drop_columns(["_ck_b", "_ck_i"])
        tables = {"deals": left.drop_columns(["_ck_b"]), "stage_history": right}
        state = cs.fold({k: t for k, t in tables.items() if t.num_rows > 0}, q, f"deals+stage_history:{b}", ref.value, mapping)
        return pa.table({"state": pa.array([state], pa.binary())})

    return d.cogroup(h).applyInArrow(fold, "state binary")


def _leads_won_on(leads: Any, deals: Any) -> Any:
    """Leads with ``won_on`` from their won deal (as the one-machine loader fills it) and no
    ``deal_id`` (the deal lives in another partition)."""
    from pyspark.sql import functions as F

    if "deal_id" not in leads.columns:
        return leads
    if "won_on" not in leads.columns and deals is not None:
        won = deals.where(F.lower(F.trim(F.col("status").cast("string"))) == "won").select(
            F.col("deal_id").alias("_ck_deal"), F.col("closed_on").alias("won_on")
        )
        leads = leads.join(won, leads["deal_id"] == won["_ck_deal"], "left").drop("_ck_deal")
    return leads.drop("deal_id")
