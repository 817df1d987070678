#!/usr/bin/env python3
"""Oracle for crates/channel-kpi/tests/telco.rs, independent of the Rust code (stdlib only).

IBM Telco customer churn snapshot read as contracts (examples/mappings/telco_contracts.json,
snapshot dated 2025-01-31): a customer with tenure t >= 1 months was active in December 2024
(the month before January 2025) with MRR = MonthlyCharges; tenure 0 customers joined in
January (new, outside the start cohort). Customers with Churn = Yes are gone in January, the
others keep their MRR. Hence over 2025-01, among the customers active in December: churn rate
= churned / active, account retention = kept / active, GRR = NRR = sum(MRR kept) / sum(MRR)
(no expansion or contraction in a snapshot); new MRR = sum of tenure-0 MRR. Also per Contract.

Usage: python3 tests/expected/compute_telco.py ../shared/datasets/ibm-telco-customer-churn > tests/expected/telco.json
"""
import csv
import json
import math
import sys
from decimal import Decimal, ROUND_HALF_EVEN

Z95 = 1.959963984540054


def wilson(hits, n):
    p = hits / n
    den = 1 + Z95 * Z95 / n
    centre = (p + Z95 * Z95 / (2 * n)) / den
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95 * Z95 / (4 * n * n)) / den
    return centre - half, centre + half


def summary(every):
    rows = [r for r in every if int(r["tenure"]) >= 1]
    new = sum((Decimal(r["MonthlyCharges"]) for r in every if int(r["tenure"]) == 0), Decimal(0))
    n = len(rows)
    churned = sum(1 for r in rows if r["Churn"] == "Yes")
    mrr = sum((Decimal(r["MonthlyCharges"]) for r in rows), Decimal(0))
    kept = sum((Decimal(r["MonthlyCharges"]) for r in rows if r["Churn"] != "Yes"), Decimal(0))
    lo, hi = wilson(n - churned, n)
    return {
        "accounts": n,
        "churn_rate": churned / n,
        "mrr_new": str(new),
        "churned": churned,
        "account_retention": (n - churned) / n,
        "account_retention_lo": lo,
        "account_retention_hi": hi,
        "mrr_start": str(mrr),
        "mrr_end": str(kept),
        "mrr_churned": str(mrr - kept),
        "grr": str((kept / mrr).quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN)),
    }


def main(folder):
    with open(f"{folder}/Telco-Customer-Churn.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    out = {"all": summary(rows), "by_contract": {}}
    for c in sorted({r["Contract"] for r in rows}):
        out["by_contract"][c] = summary([r for r in rows if r["Contract"] == c])
    json.dump(out, sys.stdout, indent=2, sort_keys=True)
    print()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/datasets/ibm-telco-customer-churn")
