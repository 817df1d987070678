#!/usr/bin/env python3
"""Compute expected KPI values (test oracles) on two real datasets, independently of the library.

Plain Python 3 (stdlib only: csv, decimal, statistics). Run from anywhere:

    python3 tests/expected/compute_expected.py

Inputs (relative to the repository root): ../shared/datasets/maven-crm-sales-opportunities/
and ../shared/datasets/olist-marketing-funnel/ (primary copy, NOT excel-resaved-copy/).
Outputs: tests/expected/maven.json and tests/expected/olist.json.

Definitions (the library's):
- won/lost in a period: status Won/Lost and close date in the half-open [start, end).
- close_rate = won / (won + lost), null when nothing closed; Wilson 95% score interval
  (z = 1.959963984540054) gives close_rate_lo / close_rate_hi.
- won_revenue = sum of close_value over won deals (exact, as a string); avg_deal_size =
  won_revenue / won_count (Decimal, rounded to 10 places, as a string).
- sales cycle = close_date - created date in days (Maven: created = engage_date) over won
  deals; mean and median (median of an even count = mean of the two middle values).
- Olist: a lead is an MQL, created = first_contact_date, channel = origin (empty -> null);
  converted = has a closed deal (won at any time); won date = date part of won_date.
"""
import csv
import json
import math
import statistics
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent  # /work/main
DATA = ROOT.parent / "shared" / "datasets"
MAVEN = DATA / "maven-crm-sales-opportunities"
OLIST = DATA / "olist-marketing-funnel"
Z = 1.959963984540054


def read_csv(path):
    # newline="" lets the csv module handle the CRLF line endings of the Maven files.
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def d(s):
    return date.fromisoformat(s) if s else None


def wilson(k, n):
    """Wilson 95% score interval (lo, hi) for k successes out of n; (None, None) if n == 0."""
    if n == 0:
        return None, None
    p = k / n
    denom = 1 + Z * Z / n
    center = (p + Z * Z / (2 * n)) / denom
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / denom
    return center - half, center + half


def rate(k, n):
    return k / n if n else None


# ----------------------------------------------------------------------------- Maven
def maven_stats(deals):
    """KPIs over an iterable of deals already restricted to those closed in the period."""
    won = [x for x in deals if x["status"] == "Won"]
    lost = [x for x in deals if x["status"] == "Lost"]
    w, l = len(won), len(lost)
    lo, hi = wilson(w, w + l)
    revenue = sum((x["value"] for x in won), Decimal(0))
    cycles = [(x["closed"] - x["created"]).days for x in won]
    avg = (revenue / w).quantize(Decimal("1e-10"), ROUND_HALF_EVEN) if w else None
    return {
        "won_count": w,
        "lost_count": l,
        "close_rate": rate(w, w + l),
        "close_rate_lo": lo,
        "close_rate_hi": hi,
        "won_revenue": str(revenue),
        "avg_deal_size": str(avg) if avg is not None else None,
        "cycle_mean_days": statistics.fmean(cycles) if cycles else None,
        "cycle_median_days": float(statistics.median(cycles)) if cycles else None,
    }


def maven():
    teams = {r["sales_agent"]: r for r in read_csv(MAVEN / "sales_teams.csv")}
    deals = []
    for r in read_csv(MAVEN / "sales_pipeline.csv"):
        t = teams[r["sales_agent"]]  # every pipeline agent is in sales_teams.csv
        deals.append({
            "id": r["opportunity_id"], "agent": r["sales_agent"], "manager": t["manager"],
            "office": t["regional_office"], "status": r["deal_stage"],
            "created": d(r["engage_date"]), "closed": d(r["close_date"]),
            "value": Decimal(r["close_value"]) if r["close_value"] else None,
        })
    start, end = date(2017, 1, 1), date(2018, 1, 1)
    closed = [x for x in deals if x["status"] in ("Won", "Lost") and start <= x["closed"] < end]

    def grouped(key):
        groups = defaultdict(list)
        for x in closed:
            groups[x[key]].append(x)
        return {g: maven_stats(groups[g]) for g in sorted(groups)}

    quarters = {}
    for q in range(4):
        qs, qe = date(2017, 3 * q + 1, 1), date(2017 + (q == 3), (3 * q + 3) % 12 + 1, 1)
        s = maven_stats([x for x in closed if qs <= x["closed"] < qe])
        quarters[f"2017-Q{q + 1}"] = {"start": qs.isoformat(), "end": qe.isoformat(),
                                      **{k: s[k] for k in ("won_count", "lost_count", "close_rate",
                                                           "close_rate_lo", "close_rate_hi")}}

    # Open pipeline at the instant 2018-01-01: every Engaging/Prospecting deal (no close date).
    # Engaging deals all have engage_date < 2018-01-01; Prospecting deals have no engage_date.
    instant = date(2018, 1, 1)
    open_pipe = {}
    for office in sorted({t["regional_office"] for t in teams.values()}):
        eng = sum(1 for x in deals if x["office"] == office and x["status"] == "Engaging")
        pro = sum(1 for x in deals if x["office"] == office and x["status"] == "Prospecting")
        open_pipe[office] = {"open": eng + pro, "engaging": eng, "prospecting": pro}
    eng_dates = [x["created"] for x in deals if x["status"] == "Engaging"]
    assert all(c < instant for c in eng_dates)
    assert not any(x["closed"] and x["closed"] >= instant for x in deals)

    with_deals = {x["agent"] for x in deals}
    out = {
        "dataset": "maven-crm-sales-opportunities",
        "period": "2017", "period_start": start.isoformat(), "period_end": end.isoformat(),
        "overall": maven_stats(closed),
        "by_sales_agent": grouped("agent"),
        "by_manager": grouped("manager"),
        "by_regional_office": grouped("office"),
        "by_quarter": quarters,
        "open_pipeline_at": instant.isoformat(),
        "open_pipeline_by_regional_office": open_pipe,
        "open_pipeline_total": sum(v["open"] for v in open_pipe.values()),
        "agents_without_deals": sorted(set(teams) - with_deals),
        "deal_rows": len(deals),
    }
    return out


# ----------------------------------------------------------------------------- Olist
def olist():
    mqls = read_csv(OLIST / "olist_marketing_qualified_leads_dataset.csv")
    deals = read_csv(OLIST / "olist_closed_deals_dataset.csv")
    won = {}
    for r in deals:
        assert r["mql_id"] not in won
        won[r["mql_id"]] = d(r["won_date"][:10])  # date part of "YYYY-MM-DD HH:MM:SS"
    leads = [{"id": r["mql_id"], "created": d(r["first_contact_date"]),
              "origin": r["origin"] or None, "won": won.get(r["mql_id"])} for r in mqls]
    assert set(won) <= {x["id"] for x in leads}

    def conv(group):
        n, k = len(group), sum(1 for x in group if x["won"] is not None)
        lo, hi = wilson(k, n)
        return {"leads": n, "converted": k, "lead_conversion_rate": rate(k, n),
                "lead_conversion_rate_lo": lo, "lead_conversion_rate_hi": hi}

    cohorts = defaultdict(list)
    origins = defaultdict(list)
    for x in leads:
        cohorts[x["created"].strftime("%Y-%m")].append(x)
        origins[x["origin"]].append(x)
    by_origin = {("null" if o is None else o): conv(origins[o])
                 for o in sorted(origins, key=lambda o: (o is None, o or ""))}

    lags = [(x["won"] - x["created"]).days for x in leads if x["won"] is not None]
    negative = [x for x in leads if x["won"] is not None and x["won"] < x["created"]]
    pos = [v for v in lags if v >= 0]

    def lag_stats(v):
        return {"n": len(v), "mean_days": statistics.fmean(v),
                "median_days": float(statistics.median(v)), "min_days": min(v), "max_days": max(v)}

    return {
        "dataset": "olist-marketing-funnel (primary copy)",
        "overall": conv(leads),
        "by_first_contact_month": {m: conv(cohorts[m]) for m in sorted(cohorts)},
        "by_origin": by_origin,
        "origin_null_key": "null",
        "won_before_first_contact": {
            "count": len(negative),
            "mql_ids": [x["id"] for x in negative],
            "details": [{"mql_id": x["id"], "first_contact_date": x["created"].isoformat(),
                         "won_date": x["won"].isoformat(), "lag_days": (x["won"] - x["created"]).days}
                        for x in negative],
        },
        "conversion_lag_excluding_negative": lag_stats(pos),
        "conversion_lag_including_negative": lag_stats(lags),
        "closed_deals": len(deals),
        "first_contact_min": min(x["created"] for x in leads).isoformat(),
        "first_contact_max": max(x["created"] for x in leads).isoformat(),
    }


def check(label, got, want):
    ok = got == want if not isinstance(want, float) else abs(got - want) < 0.05
    print(f"  [{'ok' if ok else 'MISMATCH'}] {label}: {got} (SOURCE.md: {want})")
    return ok


def main():
    m, o = maven(), olist()
    for name, obj in (("maven.json", m), ("olist.json", o)):
        with open(HERE / name, "w", encoding="utf-8") as f:
            json.dump(obj, f, indent=2, sort_keys=False)
            f.write("\n")
    ov = m["overall"]
    print(f"Maven 2017 overall: won {ov['won_count']} lost {ov['lost_count']} "
          f"close_rate {ov['close_rate']:.6f} [{ov['close_rate_lo']:.6f}, {ov['close_rate_hi']:.6f}] "
          f"revenue {ov['won_revenue']} avg {ov['avg_deal_size']} "
          f"cycle mean {ov['cycle_mean_days']:.4f} median {ov['cycle_median_days']}")
    for k, v in m["by_regional_office"].items():
        print(f"  {k:8} won {v['won_count']} lost {v['lost_count']} rate {v['close_rate']:.6f} "
              f"revenue {v['won_revenue']} avg {v['avg_deal_size']} open {m['open_pipeline_by_regional_office'][k]}")
    print(f"Olist overall: {o['overall']}")
    for k, v in o["by_origin"].items():
        print(f"  {k:18} leads {v['leads']:5} converted {v['converted']:4} rate {v['lead_conversion_rate']:.6f}")
    print("Cross-checks against SOURCE.md:")
    q1 = m["by_quarter"]["2017-Q1"]
    oks = [
        check("Maven won 2017", ov["won_count"], 4238),
        check("Maven lost 2017", ov["lost_count"], 2473),
        check("Maven Q1 won/lost", (q1["won_count"], q1["lost_count"]), (531, 116)),
        check("Maven open deals", m["open_pipeline_total"], 1589 + 500),
        check("Maven agents without deals", len(m["agents_without_deals"]), 5),
        check("Olist MQLs / converted", (o["overall"]["leads"], o["overall"]["converted"]), (8000, 842)),
        check("Olist conversion %", round(100 * o["overall"]["lead_conversion_rate"], 1), 10.5),
        check("Olist empty origin", o["by_origin"]["null"]["leads"], 60),
        check("Olist won before first contact", o["won_before_first_contact"]["mql_ids"],
              ["b91cf8812365f50ff4bda4bcd6206b05"]),
        check("Olist lag median (incl.)", o["conversion_lag_including_negative"]["median_days"], 14.0),
        check("Olist lag mean (incl.)", o["conversion_lag_including_negative"]["mean_days"], 48.4),
        check("Olist lag max", o["conversion_lag_including_negative"]["max_days"], 427),
    ]
    print("all cross-checks ok" if all(oks) else "SOME CROSS-CHECKS FAILED")
    return 0 if all(oks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
