"""Queries on files (``ck.query(path, …)``, ``ck.scorecard(dir, …)``, any KPI function): the
records are folded into the query as they are read — no Dataset is built — with exactly the
result and errors of ``ck.load_files`` then the query."""

from __future__ import annotations

import pathlib
import shutil
import warnings

import pyarrow as pa
import pytest

import channel_kpi as ck

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples" / "data"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """The sample data without its stage history (which makes a query fall back to a whole load)."""
    d = tmp_path_factory.mktemp("sample")
    for f in EXAMPLES.iterdir():
        if f.name != "stage_history.csv":
            shutil.copy(f, d / f.name)
    return d


def same(a: pa.Table, b: pa.Table) -> None:
    assert a.equals(b), f"{a.to_pylist()[:3]}\n{b.to_pylist()[:3]}"


@pytest.mark.parametrize("view", ["scorecard", "channel_kpis", "pipeline_kpis", "deal_kpis"])
def test_a_view_on_files_equals_loading_them_first(sample: pathlib.Path, view: str) -> None:
    run = getattr(ck, view)
    kw = {"period": "2025", "as_of": __import__("datetime").date(2025, 12, 31), "output": "pyarrow"}
    same(run(sample, **kw), run(ck.load_files(sample), **kw))
    same(run(str(sample), **kw), run(ck.load_files(sample), **kw))


def test_files_one_by_one_a_metric_function_and_a_mapping(sample: pathlib.Path, tmp_path: pathlib.Path) -> None:
    files = [sample / "partners.csv", sample / "deals.csv"]
    assert ck.won_revenue(files, period="2025") == ck.won_revenue(ck.load_files(*files), period="2025")
    (tmp_path / "deals.csv").write_text("Id,Opened,Closed,Stage,Value,Region\nA,2025-01-02,2025-02-01,W,200,EU\nB,2025-01-02,2025-03-01,W,400,US\n")
    mapping = {"deals": {"columns": {"deal_id": "Id", "created_on": "Opened", "closed_on": "Closed", "status": "Stage", "amount": "Value"},
                         "values": {"status": {"W": "won"}}, "defaults": {"currency": "USD"}, "attrs": "all"}}  # fmt: skip
    t = ck.query(tmp_path, metrics="won_revenue", period="2025", by="attr:Region", mapping=mapping, output="pyarrow")
    assert sorted(zip(t["Region"].to_pylist(), map(str, t["won_revenue"].to_pylist()))) == [("EU", "200.000000"), ("US", "400.000000")]
    with pytest.raises(TypeError, match="mapping="):
        ck.query(tmp_path, metrics="won_revenue", period="2025", columns={"Id": "deal_id"})


def test_bad_rows_raise_or_are_each_reported_as_a_load_reports_them(tmp_path: pathlib.Path) -> None:
    (tmp_path / "deals.csv").write_text(
        "deal_id,created_on,closed_on,status,amount,currency\n"
        "A,2025-01-02,2025-02-01,won,200,USD\nB,2025-13-02,,open,1,USD\nC,2025-01-02,2025-02-01,won,four,USD\nA,2025-01-02,,open,5,USD\n"
    )
    with pytest.raises(ck.ParseError) as e:
        ck.deal_count(tmp_path, period="2025")
    assert (e.value.line, e.value.column, e.value.value) == (3, "created_on", "2025-13-02")
    with pytest.warns(ck.BadRowsWarning) as w:
        n = ck.deal_count(tmp_path, period="2025", collect_errors=True)
    bad = w[0].message.errors
    assert [(x.line, x.column) for x in bad] == [(3, "created_on"), (4, "amount"), (5, "deal_id")]
    assert "duplicate deal id (first on line 2)" in str(bad[2])
    assert n == ck.deal_count(ck.load_files(tmp_path, collect_errors=True), period="2025")
    (tmp_path / "deals.csv").write_text("deal_id,created_on,closed_on,status,amount,currency\nA,2025-01-02,2025-02-01,won,200,USD\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no bad row: no warning
        assert ck.deal_count(tmp_path, period="2025", collect_errors=True)["won_count"] == 1
    with pytest.raises(ck.LoadIOError):
        ck.deal_count(tmp_path / "missing", period="2025")
