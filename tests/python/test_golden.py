"""Every golden vector of tests/golden/, asserted through Python exactly as the Rust test does
(crates/channel-kpi/tests/golden.rs), reading values from the pyarrow table of the result."""

import json
import pathlib
from decimal import Decimal

import pytest

import channel_kpi as ck

GOLDEN = pathlib.Path(__file__).resolve().parents[2] / "tests" / "golden"
CASES = sorted(GOLDEN.glob("*.json"))


def test_vectors_are_there():
    assert len(CASES) >= 10


def run(case):
    ds = ck.Dataset.from_json(json.dumps(case["dataset"]))
    return ds.run(json.dumps(case["query"]))


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden(path):
    case = json.loads(path.read_text())
    name = case["name"]
    if "expected_error" in case:
        with pytest.raises(ck.ChannelKpiError) as e:
            run(case)
        assert e.value.kind == case["expected_error"]["kind"], f"{name}: {e.value}"
        return
    result = run(case)
    exp = case["expected"]
    tol = case.get("tolerance", 1e-9)
    if "currency" in exp:
        assert result.currency == exp["currency"], name
    if "row_count" in exp:
        assert result.num_rows == exp["row_count"], f"{name}\n{result.to_text()}"
    kinds = {c[0]: c[1] for c in result.columns}
    table = ck.to_arrow(result)
    for i, row in enumerate(exp["rows"]):
        for col, want in row.items():
            got = table.column(col)[i].as_py()
            assert got == result.value(i, col), f"{name}: Arrow and value() disagree on {col}"
            ctx = f"{name}: row {i}, column {col}: expected {want!r}, got {got!r}"
            if want is None:
                assert got is None, ctx
            elif isinstance(want, str):
                if kinds[col] in ("money", "decimal"):
                    assert isinstance(got, Decimal) and got == Decimal(want), ctx
                else:
                    assert str(got) == want, ctx
            elif kinds[col] == "int":
                assert got == want, ctx
            else:
                assert got is not None and abs(got - want) <= tol, ctx
