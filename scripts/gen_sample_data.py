#!/usr/bin/env python3
"""Generate the bundled sample dataset of channel-kpi (deterministic, Python stdlib only).

Writes the canonical record files described in docs/data-format.md into one directory:

  org_units.csv      sales org: U-SALES -> 3 departments -> 6 teams -> 24 employees (E01..E24)
  partners.csv       36 partners (P001..): tier gold/silver/registered, region, managing channel
                     team, joined_on 2021-2025, a few left in 2024/2025, a few joined in 2025
  pipeline.csv       Prospecting .. Negotiation, then the terminal stages Won / Lost
  deals.csv          ~4,000 deals created 2024-01-01 .. 2026-01-14 (~70 % partner-sourced),
                     status won / lost / open as of 2026-01-15, all amounts in USD
  stage_history.csv  the stages every deal entered, in order (some skips, a few move-backs)
  leads.csv          ~12,000 leads 2024-2025; about a third of the deals came from a lead
  targets.csv        2025 targets: yearly per partner, quarterly per team (org:team), `all`
  spend.csv          monthly marketing spend 2024-2025 per channel / source (no zero rows)

The data is synthetic but shaped to look realistic: partner productivity is skewed (better
partners win more and bring bigger deals), more partner involvement (partner_stages) mildly
raises the win probability, win rates are higher for deals closing in Q2/Q3, recent deals are
mostly still open, volume grows over time and dips in August/December and on weekends.
Targets are set around the generated 2025 results so attainment spreads over roughly 80-120 %.
The same seed always produces byte-identical files.

Usage: python3 scripts/gen_sample_data.py [--out DIR] [--seed N]
"""
import argparse
import csv
import math
import os
import random
from collections import Counter, defaultdict
from datetime import date, timedelta

AS_OF = date(2026, 1, 15)           # the sample's reporting date; nothing happens on/after it
START = date(2024, 1, 1)
LAST_DAY = AS_OF - timedelta(days=1)
N_DEALS, N_LEADS, PARTNER_SHARE = 4000, 12000, 0.70
CURRENCY = "USD"

OPEN_STAGES = ["Prospecting", "Qualification", "Demo", "Proposal", "Negotiation"]
PIPELINE = [("Prospecting", "0.10", ""), ("Qualification", "0.25", "true"), ("Demo", "0.40", ""),
            ("Proposal", "0.60", ""), ("Negotiation", "0.80", ""), ("Won", "1.00", ""),
            ("Lost", "0.00", "")]
PARTNER_STAGES = ["lead_generation", "qualification", "value_demonstration", "guidance",
                  "value_delivery"]
SOURCES = {  # channel -> [(source, weight)]
    "paid": [("google ads", 50), ("linkedin ads", 35), ("trade show", 15)],
    "earned": [("referral", 60), ("press", 15), ("review site", 25)],
    "owned": [("webinar", 40), ("newsletter", 20), ("website", 40)],
}
# product -> (typical new-business deal size in USD, share of deals, median sales cycle in days)
PRODUCTS = {"Connect API": (6000, 30, 25), "Insight Dashboards": (10000, 25, 35),
            "Analytics Cloud": (20000, 25, 50), "Data Platform": (40000, 13, 75),
            "Enterprise Suite": (85000, 7, 110)}
# kind -> (share, size factor, cycle factor, win-logit shift)
KINDS = {"new": (70, 1.0, 1.0, 0.0), "upsell": (20, 0.45, 0.7, 0.5),
         "renewal": (10, 0.8, 0.5, 1.3)}
LOST_REASONS = [("competitor", 30), ("price", 25), ("no decision", 20), ("timing", 15),
                ("budget", 10)]
SEASON_WIN = {1: -0.25, 2: 0.2, 3: 0.25, 4: -0.05}  # win-logit shift by quarter of closing
DEPARTMENTS = [
    ("D-DIRECT", "Direct Sales", [("T-ENT", "Enterprise Team"), ("T-MM", "Mid-Market Team")]),
    ("D-CHANNEL", "Channel Sales", [("T-CH-EMEA", "Channel Team EMEA"),
                                    ("T-CH-AMAP", "Channel Team Americas & APAC")]),
    ("D-INSIDE", "Inside Sales", [("T-IS-N", "Inside Sales North"),
                                  ("T-IS-S", "Inside Sales South")]),
]
EMPLOYEES = ["Anna Berger", "Marcus Webb", "Priya Raman", "Tom Okafor", "Laura Schmidt",
             "Daniel Kim", "Sofia Rossi", "James Carter", "Elena Petrova", "Lukas Meyer",
             "Chloe Martin", "Henrik Larsen", "Maria Gonzalez", "Kevin O'Brien", "Aiko Tanaka",
             "Rahul Mehta", "Emma Clarke", "Jonas Fischer", "Grace Liu", "Mateo Silva",
             "Olivia Brown", "Samir Haddad", "Nina Kowalski", "Ben Adler"]
PARTNER_WORDS = ["Northwind", "Bluepeak", "Ironbridge", "Silverline", "Brightpath", "Cobalt",
                 "Redwood", "Summit", "Harborview", "Meridian", "Keystone", "Granite", "Lumen",
                 "Vantage", "Clearwater", "Falcon", "Orchid", "Tidewater", "Everstone",
                 "Pinnacle", "Skyward", "Nordlicht", "Alpenblick", "Crescent", "Sandbar",
                 "Oakridge", "Polaris", "Quarry", "Riverside", "Sterling", "Bayside", "Kestrel",
                 "Mosaic", "Helix", "Juniper", "Copperleaf", "Westgate", "Ambervale"]
PARTNER_KINDS = ["Systems", "Consulting", "Digital", "Technologies", "Data", "Cloud Partners",
                 "IT Services", "Solutions", "Analytics", "Networks"]
LEGAL = {"EMEA": ["GmbH", "Ltd", "B.V.", "S.A.S.", "AB", "AG"], "AMER": ["Inc.", "LLC", "Corp."],
         "APAC": ["Pty Ltd", "Pte Ltd", "K.K."]}
TIER = {  # tier -> (skill mean, deal-volume weight, involvement probability per partner stage)
    "gold": (0.6, 3.0, 0.55), "silver": (0.15, 1.3, 0.45), "registered": (-0.35, 0.5, 0.35)}


def pick(rng, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def day_between(rng, lo, hi):
    return lo + timedelta(days=rng.randint(0, (hi - lo).days))


def money(x):
    cents = int(round(x * 100))
    return f"{cents // 100}.{cents % 100:02d}"


def iso(d):
    return d.isoformat() if d else ""


def active(partner, day):
    return partner["joined_on"] <= day and (partner["left_on"] is None or day < partner["left_on"])


def volume_weight(day):
    """Relative number of deals / leads created on a day."""
    w = 1 + 0.35 * (day - START).days / 730                   # business grows
    w *= {1: 0.9, 3: 1.1, 7: 0.9, 8: 0.7, 9: 1.1, 12: 0.75}.get(day.month, 1.0)
    w *= 0.15 if day.weekday() >= 5 else 1.0
    return w * (0.3 if day.year >= 2026 else 1.0)


def sample_day(rng, lo, hi):
    while True:
        day = day_between(rng, lo, hi)
        if rng.random() * 1.55 < volume_weight(day):
            return day


def make_org(rng):
    rows = [{"unit_id": "U-SALES", "name": "Sales", "level": "unit", "parent_id": ""}]
    employees = []
    for dep_id, dep_name, teams in DEPARTMENTS:
        rows.append({"unit_id": dep_id, "name": dep_name, "level": "department",
                     "parent_id": "U-SALES"})
        for team_id, team_name in teams:
            rows.append({"unit_id": team_id, "name": team_name, "level": "team",
                         "parent_id": dep_id})
            for _ in range(4):
                emp = {"id": f"E{len(employees) + 1:02d}", "team": team_id,
                       "skill": rng.gauss(0, 0.25)}
                rows.append({"unit_id": emp["id"], "name": EMPLOYEES[len(employees)],
                             "level": "employee", "parent_id": team_id})
                employees.append(emp)
    return rows, employees


def make_partners(rng):
    words = rng.sample(PARTNER_WORDS, 36)
    tiers = ["gold"] * 5 + ["silver"] * 11 + ["registered"] * 16
    rng.shuffle(tiers)
    partners = []
    for i, word in enumerate(words):
        region = pick(rng, [("EMEA", 40), ("AMER", 40), ("APAC", 20)])
        if i < 4:   # newcomers of 2025 start at the entry tier
            tier, joined = "registered", day_between(rng, date(2025, 2, 1), date(2025, 9, 30))
        else:       # the program grew: more early members than late ones
            tier = tiers[i - 4]
            joined = date(2021, 1, 4) + timedelta(days=int(rng.random() ** 1.3 * 1450))
        skill_mean, weight, involvement = TIER[tier]
        partners.append({
            "name": f"{word} {rng.choice(PARTNER_KINDS)} {rng.choice(LEGAL[region])}",
            "tier": tier, "region": region, "joined_on": joined, "left_on": None,
            "org_unit": "T-CH-EMEA" if region == "EMEA" else "T-CH-AMAP",
            "skill": skill_mean + rng.gauss(0, 0.35),
            "weight": weight * rng.lognormvariate(0, 0.5),
            "involvement": min(0.9, max(0.1, involvement + rng.gauss(0, 0.1)))})
    leavers = [p for p in partners if p["tier"] != "gold" and p["joined_on"] < date(2023, 3, 1)]
    for p in rng.sample(leavers, 4):
        p["left_on"] = day_between(rng, date(2024, 3, 1), date(2025, 10, 31))
    partners.sort(key=lambda p: (p["joined_on"], p["name"]))
    for n, p in enumerate(partners, 1):
        p["id"] = f"P{n:03d}"
    return partners


def pick_source(rng, channel, partner_deal):
    pairs = SOURCES[channel]
    if partner_deal and channel == "earned":
        pairs = [("referral", 85), ("press", 5), ("review site", 10)]
    return pick(rng, pairs)


def make_deal(rng, partners, teams):
    created = sample_day(rng, START, LAST_DAY)
    product = pick(rng, [(name, v[1]) for name, v in PRODUCTS.items()])
    kind = pick(rng, [(name, v[0]) for name, v in KINDS.items()])
    size, _, median_cycle = PRODUCTS[product]
    _, kind_size, kind_cycle, kind_win = KINDS[kind]
    partner, stages = None, []
    if rng.random() < PARTNER_SHARE:
        cands = [p for p in partners if active(p, created)]
        partner = rng.choices(cands, weights=[p["weight"] for p in cands])[0]
        stages = [s for s in PARTNER_STAGES
                  if rng.random() < partner["involvement"] * (1.3 if s == "lead_generation" else 1)]
        stages = stages or [rng.choice(PARTNER_STAGES)]
        team = partner["org_unit"] if rng.random() < 0.9 else rng.choice(["T-CH-EMEA", "T-CH-AMAP"])
        channel = pick(rng, [("earned", 50), ("owned", 30), ("paid", 20)])
    else:
        direct_team = rng.random() < (0.8 if size >= 40000 else 0.25)  # big deals: field sales
        team = rng.choice(["T-ENT", "T-MM"] if direct_team else ["T-IS-N", "T-IS-S"])
        channel = pick(rng, [("paid", 45), ("owned", 40), ("earned", 15)])
    owner = rng.choice(teams[team])
    skill = partner["skill"] if partner else 0.0
    amount = size * kind_size * rng.lognormvariate(0, 0.45) * math.exp(0.45 * skill)
    amount = round(amount, -1) if amount < 20000 else round(amount, -2)
    cycle = min(180, max(5, int(median_cycle * kind_cycle * rng.lognormvariate(0, 0.5))))
    closed = created + timedelta(days=cycle)
    logit = (-0.15 + 0.8 * skill + 0.12 * len(stages) + kind_win + owner["skill"]
             + SEASON_WIN[(closed.month - 1) // 3 + 1])
    status = "won" if rng.random() < 1 / (1 + math.exp(-logit)) else "lost"
    if status == "lost":   # lost deals tend to die earlier
        closed = created + timedelta(days=max(5, int(cycle * rng.uniform(0.5, 1.0))))
    recency = (created - START).days / (AS_OF - START).days
    if closed >= AS_OF or rng.random() < 0.08 + 0.6 * recency ** 3:
        status, closed = "open", None
    expected = created + timedelta(days=max(7, int(cycle * rng.uniform(0.7, 1.3))))
    if status == "open" and expected < AS_OF and rng.random() < 0.65:  # rep pushed the date
        expected = AS_OF + timedelta(days=rng.randint(7, 120))
    registered = None
    if partner and rng.random() < 0.88:
        registered = created + timedelta(days=rng.choice([0, 0, 0, 1, 1, 2, 3, 5]))
        registered = min(registered, closed or LAST_DAY)
    return {"partner": partner, "owner_id": owner["id"], "channel": channel,
            "source": pick_source(rng, channel, partner is not None), "product": product,
            "kind": kind, "created_on": created, "registered_on": registered,
            "expected_close_on": expected, "closed_on": closed, "status": status,
            "amount": amount, "cycle": cycle, "partner_stages": stages,
            "lost_reason": pick(rng, LOST_REASONS) if status == "lost" else ""}


def stage_history(rng, deal):
    """Stage path of a deal with entry dates; sets deal['stage'] to the current stage."""
    if deal["status"] == "won":
        last = pick(rng, list(zip(range(5), [2, 5, 13, 30, 50])))
    elif deal["status"] == "lost":
        last = pick(rng, list(zip(range(5), [15, 25, 25, 20, 15])))
    else:   # open deals are further along the older they are
        progress = min(1.0, (AS_OF - deal["created_on"]).days / deal["cycle"])
        last = min(4, int(progress * rng.uniform(1.5, 5)))
    first = 1 if last >= 1 and rng.random() < 0.1 else 0     # some start already qualified
    path = [OPEN_STAGES[first]] + [OPEN_STAGES[i] for i in range(first + 1, last + 1)
                                   if i == last or rng.random() > 0.12]
    if len(path) >= 3 and rng.random() < 0.06:               # moved back a stage once
        i = rng.randint(1, len(path) - 1)
        path = path[:i + 1] + [path[i - 1], path[i]] + path[i + 1:]
    created = deal["created_on"]
    if deal["closed_on"]:
        path.append("Won" if deal["status"] == "won" else "Lost")
        end, inner = deal["closed_on"], len(path) - 2
    else:
        end, inner = LAST_DAY, len(path) - 1
    dates = [created] + sorted(day_between(rng, created, end) for _ in range(inner))
    if deal["closed_on"]:
        dates.append(end)
    deal["stage"] = path[-1]
    return list(zip(path, dates))


def make_leads(rng, deals, partners):
    leads = []
    end = date(2025, 12, 31)
    for deal in rng.sample(deals, round(len(deals) / 3)):
        day = deal["created_on"] - timedelta(days=int(rng.expovariate(1 / 20)))
        day = min(end, max(START, day))
        pid = deal["partner"]["id"] if deal["partner"] else ""
        leads.append((day, deal["channel"], deal["source"], pid, deal["id"]))
    while len(leads) < N_LEADS:
        day = sample_day(rng, START, end)
        cands = [p for p in partners if active(p, day)]
        partner = rng.choices(cands, weights=[p["weight"] for p in cands])[0] \
            if rng.random() < 0.25 else None
        channel = pick(rng, [("paid", 45), ("owned", 35), ("earned", 20)])
        leads.append((day, channel, pick_source(rng, channel, partner is not None),
                      partner["id"] if partner else "", ""))
    leads.sort(key=lambda lead: (lead[0], lead[4]))
    return [{"lead_id": f"L{n:05d}", "created_on": iso(day), "channel": channel, "source": src,
             "partner_id": pid, "deal_id": did}
            for n, (day, channel, src, pid, did) in enumerate(leads, 1)]


def make_spend(rng):
    rows = []
    base = {("paid", "google ads"): 42000, ("paid", "linkedin ads"): 28000,
            ("earned", "referral"): 4000, ("earned", "press"): 6000,
            ("earned", "review site"): 1500, ("owned", "webinar"): 7000,
            ("owned", "newsletter"): 1800, ("owned", "website"): 9000}
    for month in range(24):
        day = date(2024 + month // 12, month % 12 + 1, 1)
        growth = 1 + 0.25 * month / 23
        for channel, pairs in SOURCES.items():
            for source, _ in pairs:
                if source == "trade show":   # a few big events a year
                    amount = rng.uniform(70000, 140000) if day.month in (3, 6, 10) else 0
                elif source == "press":      # PR agency only in campaign months
                    amount = base[(channel, source)] * rng.uniform(0.7, 1.3) \
                        if rng.random() < 0.5 else 0
                elif source == "review site":  # flat listing fee
                    amount = base[(channel, source)]
                else:
                    amount = base[(channel, source)] * growth * rng.uniform(0.85, 1.15)
                if amount > 0:
                    rows.append({"channel": channel, "source": source, "spent_on": iso(day),
                                 "amount": money(round(amount, -1)), "currency": CURRENCY})
    return rows


def make_targets(rng, deals, partners, teams_of_owner):
    """2025 targets set around the 2025 results (attainment ~80-120 %), rounded like a plan."""
    by_partner, by_team = defaultdict(float), defaultdict(float)
    for d in deals:
        if d["status"] == "won" and d["closed_on"].year == 2025:
            if d["partner"]:
                by_partner[d["partner"]["id"]] += d["amount"]
            by_team[teams_of_owner[d["owner_id"]]] += d["amount"]
    rows = []
    for p in partners:
        if p["left_on"] and p["left_on"] < date(2025, 1, 1):
            continue
        share = min(1.0, (date(2026, 1, 1) - max(p["joined_on"], date(2025, 1, 1))).days / 365)
        amount = max(25000 * share, by_partner[p["id"]] * rng.uniform(0.85, 1.25))
        rows.append({"dimension": "partner", "key": p["id"], "period": "2025",
                     "amount": money(round(amount, -4) or 10000), "currency": CURRENCY})
    total = 0.0
    for _, _, teams in DEPARTMENTS:
        for team_id, _ in teams:
            for q, share in enumerate([0.22, 0.25, 0.26, 0.27], 1):  # plans load the year end
                amount = max(50000.0, round(by_team[team_id] * share * rng.uniform(0.9, 1.2), -4))
                total += amount
                rows.append({"dimension": "org:team", "key": team_id, "period": f"2025-Q{q}",
                             "amount": money(amount), "currency": CURRENCY})
    rows.append({"dimension": "all", "key": "", "period": "2025",
                 "amount": money(round(total * 1.03, -5)), "currency": CURRENCY})
    return rows


def write_csv(out, name, rows):
    """Write dict rows (all with the same keys, in column order) as a CSV file."""
    with open(os.path.join(out, name), "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def deal_row(d):
    return {"deal_id": d["id"], "partner_id": d["partner"]["id"] if d["partner"] else "",
            "owner_id": d["owner_id"], "channel": d["channel"], "source": d["source"],
            "product": d["product"], "kind": d["kind"], "created_on": iso(d["created_on"]),
            "registered_on": iso(d["registered_on"]),
            "expected_close_on": iso(d["expected_close_on"]), "closed_on": iso(d["closed_on"]),
            "status": d["status"], "amount": money(d["amount"]), "currency": CURRENCY,
            "lost_reason": d["lost_reason"], "stage": d["stage"],
            "partner_stages": ";".join(d["partner_stages"])}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "..", "examples", "data"),
                    help="output directory (default: examples/data next to this script)")
    ap.add_argument("--seed", type=int, default=20260115, help="random seed (default 20260115)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)

    org_rows, employees = make_org(rng)
    teams = defaultdict(list)
    for e in employees:
        teams[e["team"]].append(e)
    partners = make_partners(rng)
    deals = sorted((make_deal(rng, partners, teams) for _ in range(N_DEALS)),
                   key=lambda d: d["created_on"])
    history = []
    for n, d in enumerate(deals, 1):
        d["id"] = f"D{n:05d}"
        history += [{"deal_id": d["id"], "stage": s, "entered_on": iso(on)}
                    for s, on in stage_history(rng, d)]
    files = {
        "org_units.csv": org_rows,
        "partners.csv": [{"partner_id": p["id"], "name": p["name"], "tier": p["tier"],
                          "region": p["region"], "org_unit": p["org_unit"],
                          "joined_on": iso(p["joined_on"]), "left_on": iso(p["left_on"])}
                         for p in partners],
        "pipeline.csv": [dict(zip(["stage", "probability", "qualified"], s)) for s in PIPELINE],
        "deals.csv": [deal_row(d) for d in deals],
        "stage_history.csv": history,
        "leads.csv": make_leads(rng, deals, partners),
        "targets.csv": make_targets(rng, deals, partners, {e["id"]: e["team"] for e in employees}),
        "spend.csv": make_spend(rng),
    }
    counts = {name: write_csv(args.out, name, rows) for name, rows in files.items()}
    for name, n in counts.items():
        print(f"{name:<18} {n:>6} rows")
    status = Counter(d["status"] for d in deals)
    closed25 = [d for d in deals if d["closed_on"] and d["closed_on"].year == 2025]
    won25 = [d for d in closed25 if d["status"] == "won"]
    print("deal status        " + ", ".join(f"{k} {v}" for k, v in sorted(status.items())))
    print(f"2025 won revenue   {money(sum(d['amount'] for d in won25))} {CURRENCY} "
          f"({len(won25)} deals)")
    print(f"2025 close rate    {len(won25) / len(closed25):.1%} (won / closed in 2025)")


if __name__ == "__main__":
    main()
