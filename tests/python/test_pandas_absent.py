"""An absent KPI reaches pandas as <NA> (nullable dtypes), never NaN; counts stay integers."""

import pandas as pd

import channel_kpi as ck


def test_absent_values_are_na_not_nan():
    deals = pd.DataFrame(
        {
            "deal_id": ["A", "B"],
            "partner_id": ["p1", "p2"],
            "status": ["won", "open"],
            "created_on": ["2025-01-05", "2025-01-05"],
            "closed_on": ["2025-02-01", None],
            "amount": ["200", "50"],
            "currency": ["USD", "USD"],
        }
    )
    df = ck.query(deals, metrics=["close_rate", "deal_count"], period="2025", by="partner")
    p2 = df[df["partner"] == "p2"].iloc[0]
    assert p2["close_rate"] is pd.NA  # nothing closed: absent
    assert str(df["won_count"].dtype) == "Int64"
    assert df.loc[df["partner"] == "p1", "won_count"].iloc[0] == 1
    assert str(df["close_rate"].dtype) == "Float64"
    assert df["close_rate"].isna().sum() == 1
