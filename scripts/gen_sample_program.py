#!/usr/bin/env python3
"""Generate the partner-program and customer-success part of the sample dataset
(deterministic, Python stdlib only), coherent with the files of scripts/gen_sample_data.py.

Reads examples/data/partners.csv, deals.csv and leads.csv (run gen_sample_data.py first) and
writes, next to them (docs/data-format.md describes the columns):

  courses.csv        LMS attendance: 6 partners complete "SLS-201 Solution Selling" in 2025;
                     ~10 others took "PRD-101 Product Fundamentals" in 2024; the rest at most
                     attended a webinar course without completing it (the untrained controls)
  program_costs.csv  per partner and quarter 2024-2025: MDF (gold / silver), incentives (3 % of
                     the quarter's won revenue), training fees in the quarter of a completion
  surveys.csv        customers' CSAT (1-5) and NPS (0-10) about the partner of a won deal, and
                     the partners' quarterly program survey by topic (rewards, communications,
                     training, support)
  subscriptions.csv  every won *new* deal becomes an account paying amount / 12 a month from
                     the month after closing until it churns (~1.8 %/month) or 2025-12; won
                     upsell deals expand an account of the same partner; a few contract
  onboarding.csv     from contract (deal won) to onboarding complete, ~5 weeks (faster after the
                     partner was trained); recent ones still in progress
  tickets.csv, engagement.csv, usage.csv   per active account and month
  referrals.csv      partner referrals = the referral leads of partners (converted when their
                     deal was won) plus referrals by customer accounts

Which partners "completed training in 2025" is chosen from the existing deals: for every partner,
the first day of the 2025 month (March-September) with the largest rise in close rate between the
90 days before and the 90 days after (both windows with at least 6 closed deals); the 6 partners
with the largest rise are the trained cohort. The deals were generated without any training
effect, so this *selects* an uplift that is really in deals.csv rather than causing one: the
sample shows what training_impact reports, it is no evidence that training works. Their CSAT,
partner-satisfaction "training" scores and onboarding times do improve after completion.

Usage: python3 scripts/gen_sample_program.py [--dir DIR] [--seed N]
"""
import argparse
import csv
import math
import os
import random
from collections import defaultdict
from datetime import date, timedelta

AS_OF = date(2026, 1, 15)
LAST_MONTH = date(2025, 12, 1)
WINDOW = timedelta(days=90)
N_TRAINED = 6
CURRENCY = "USD"
TIER_BONUS = {"gold": 0.3, "silver": 0.1, "registered": -0.1}
TOPICS = {"rewards": 3.3, "communications": 3.8, "training": 3.5, "support": 3.9}


def d(s):
    return date.fromisoformat(s) if s else None


def iso(x):
    return x.isoformat() if x else ""


def money(x):
    cents = int(round(x * 100))
    return f"{cents // 100}.{cents % 100:02d}"


def next_month(m):
    return date(m.year + m.month // 12, m.month % 12 + 1, 1)


def quarters():
    return [(y, q) for y in (2024, 2025) for q in range(1, 5)]


def poisson(rng, lam):
    k, p, limit = 0, 1.0, math.exp(-lam)
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def read(folder, name):
    with open(os.path.join(folder, name), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write(folder, name, rows):
    with open(os.path.join(folder, name), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return len(rows)


def pick_trained(partners, deals):
    """{partner_id: completion date}: the 6 partners whose close rate rose most around a
    month start of 2025 (see the module docstring)."""
    closed = defaultdict(list)
    for x in deals:
        if x["partner_id"] and x["closed_on"]:
            closed[x["partner_id"]].append((d(x["closed_on"]), x["status"] == "won"))
    best = []
    for p in partners:
        options = []
        for month in range(3, 10):
            c = date(2025, month, 1)
            before = [w for t, w in closed[p["partner_id"]] if c - WINDOW <= t < c]
            after = [w for t, w in closed[p["partner_id"]] if c <= t < c + WINDOW]
            if len(before) >= 6 and len(after) >= 6:
                options.append((sum(after) / len(after) - sum(before) / len(before), c))
        if options:
            rise, c = max(options)
            best.append((rise, p["partner_id"], c))
    best.sort(reverse=True)
    return {pid: c for _, pid, c in best[:N_TRAINED]}


def make_courses(rng, partners, trained):
    rows = []
    others = [p for p in partners if p["partner_id"] not in trained]
    for pid, done in sorted(trained.items()):
        for n in range(rng.randint(2, 3)):
            completed = done if n == 0 else (done + timedelta(days=rng.randint(3, 40)) if rng.random() < 0.6 else None)
            rows.append((pid, f"{pid}-u{n + 1}", "SLS-201", done - timedelta(days=rng.randint(14, 28)), completed,
                         rng.randint(70, 98) if completed else None))
    for p in rng.sample(others, 10):   # trained long ago: neither cohort nor control in 2025
        start = date(2024, rng.randint(2, 10), rng.randint(1, 28))
        rows.append((p["partner_id"], f"{p['partner_id']}-u1", "PRD-101", start, start + timedelta(days=rng.randint(10, 30)),
                     rng.randint(60, 95)))
    for p in others:                   # webinar courses attended, not completed
        if rng.random() < 0.4:
            rows.append((p["partner_id"], f"{p['partner_id']}-u9", "WEB-050", date(2025, rng.randint(1, 11), rng.randint(1, 28)),
                         None, None))
    rows.sort(key=lambda r: (r[3], r[0], r[1]))
    return [{"partner_id": pid, "person_id": who, "course_id": c, "attended_on": iso(a), "completed_on": iso(done),
             "score": "" if s is None else str(s)} for pid, who, c, a, done, s in rows]


def trained_on(trained, pid, day):
    return pid in trained and day >= trained[pid]


def make_costs(rng, partners, deals, courses):
    won = defaultdict(float)
    for x in deals:
        if x["status"] == "won" and x["partner_id"]:
            c = d(x["closed_on"])
            won[(x["partner_id"], c.year, (c.month - 1) // 3 + 1)] += float(x["amount"])
    fees = defaultdict(float)
    for c in courses:
        if c["completed_on"]:
            t = d(c["completed_on"])
            fees[(c["partner_id"], t.year, (t.month - 1) // 3 + 1)] += 1500.0
    rows = []
    for y, q in quarters():
        start = date(y, 3 * q - 2, 1)
        for p in partners:
            if d(p["joined_on"]) >= start + timedelta(days=90) or (p["left_on"] and d(p["left_on"]) <= start):
                continue
            mdf = {"gold": 15000, "silver": 6000}.get(p["tier"], 0) * rng.uniform(0.8, 1.2)
            key = (p["partner_id"], y, q)
            for kind, amount in (("mdf", round(mdf, -2)), ("incentives", round(0.03 * won[key], 2)), ("training", fees[key])):
                if amount > 0:
                    rows.append({"partner_id": p["partner_id"], "period": f"{y}-Q{q}", "kind": kind, "amount": money(amount),
                                 "currency": CURRENCY})
    return rows


def make_surveys(rng, partners, deals, trained):
    tier = {p["partner_id"]: p["tier"] for p in partners}
    rows = []
    for x in deals:
        pid = x["partner_id"]
        if x["status"] != "won" or not pid:
            continue
        on = d(x["closed_on"]) + timedelta(days=rng.randint(20, 60))
        if on >= AS_OF:
            continue
        mu = 3.7 + TIER_BONUS[tier[pid]] + (0.5 if trained_on(trained, pid, on) else 0)
        if rng.random() < 0.35:
            rows.append((on, "csat", "", 5, min(5, max(1, round(rng.gauss(mu, 0.9)))), x["deal_id"], pid))
        if rng.random() < 0.2:
            rows.append((on, "nps", "", 10, min(10, max(0, round(rng.gauss(2 * mu, 1.8)))), x["deal_id"], pid))
    for y, q in quarters():
        on = date(y, 3 * q - 2, 1) + timedelta(days=75)   # quarterly review, mid-last-month
        for p in partners:
            if not (d(p["joined_on"]) < on and (not p["left_on"] or d(p["left_on"]) > on)) or rng.random() > 0.7:
                continue
            for topic, mu in TOPICS.items():
                mu += 0.05 * (y - 2024) * 4 + (0.8 if topic == "training" and trained_on(trained, p["partner_id"], on) else 0)
                rows.append((on, "partner_satisfaction", topic, 5, min(5, max(1, round(rng.gauss(mu, 0.8)))), p["partner_id"],
                             p["partner_id"]))
    rows.sort(key=lambda r: (r[0], r[6], r[1], r[2]))
    return [{"survey_id": f"S{n:05d}", "kind": k, "topic": t, "scale": sc, "score": s, "submitted_on": iso(on), "respondent": who,
             "partner_id": pid} for n, (on, k, t, sc, s, who, pid) in enumerate(rows, 1)]


def make_accounts(rng, deals):
    """{account: {"partner": pid, "start": month, "mrr": {month: amount}, "closed_on": date}}."""
    accounts = {}
    for x in sorted(deals, key=lambda x: (x["closed_on"], x["deal_id"])):
        if x["status"] != "won" or x["kind"] != "new" or d(x["closed_on"]) >= LAST_MONTH:
            continue
        month, mrr, series = next_month(d(x["closed_on"])), float(x["amount"]) / 12, {}
        while month <= LAST_MONTH:
            series[month] = mrr
            if rng.random() < 0.018:
                break
            if rng.random() < 0.02:
                mrr *= 0.8                    # contraction: fewer seats
            month = next_month(month)
        accounts[f"AC-{x['deal_id']}"] = {"partner": x["partner_id"], "mrr": series, "closed_on": d(x["closed_on"])}
    for x in sorted(deals, key=lambda x: (x["closed_on"], x["deal_id"])):   # expansion
        if x["status"] != "won" or x["kind"] != "upsell":
            continue
        month = next_month(d(x["closed_on"]))
        same = [a for a, v in accounts.items() if v["partner"] == x["partner_id"] and month in v["mrr"]]
        if same:
            series = accounts[rng.choice(sorted(same))]["mrr"]
            for m in series:
                if m >= month:
                    series[m] += float(x["amount"]) / 12
    return accounts


def make_account_activity(rng, accounts, trained):
    subs, tickets, engagement, usage, onboarding = [], [], [], [], []
    for acc in sorted(accounts):
        v = accounts[acc]
        pid = v["partner"]
        speed = 0.75 if pid and trained_on(trained, pid, v["closed_on"]) else 1.0
        done = v["closed_on"] + timedelta(days=max(5, int(rng.gauss(38, 12) * speed)))
        onboarding.append({"account_id": acc, "started_on": iso(v["closed_on"]), "completed_on": iso(done) if done < AS_OF else "",
                           "partner_id": pid})
        for month, mrr in sorted(v["mrr"].items()):
            subs.append({"account_id": acc, "month": month.strftime("%Y-%m"), "mrr": money(mrr), "currency": CURRENCY,
                         "partner_id": pid, "plan": "enterprise" if mrr >= 3000 else "business" if mrr >= 800 else "team"})
            seats = max(1, round(mrr / 150))
            users = 0 if rng.random() < 0.08 else max(1, round(seats * rng.uniform(0.4, 1.0)))
            usage.append({"account_id": acc, "month": month.strftime("%Y-%m"), "active_users": users,
                          "features_used": min(12, rng.randint(1, 4) + users // 3) if users else 0, "partner_id": pid})
            for _ in range(poisson(rng, 0.3)):
                opened = month + timedelta(days=rng.randint(0, 27))
                closed = opened + timedelta(days=int(rng.expovariate(1 / 3)))
                tickets.append([opened, acc, closed if closed < AS_OF else None, pid])
            for _ in range(poisson(rng, 1.2)):
                kind = rng.choices(["login", "webinar", "qbr", "training"], weights=[70, 15, 5, 10])[0]
                engagement.append((month + timedelta(days=rng.randint(0, 27)), acc, kind, pid))
    tickets.sort(key=lambda t: (t[0], t[1]))
    engagement.sort()
    return {
        "subscriptions.csv": subs,
        "usage.csv": usage,
        "onboarding.csv": onboarding,
        "tickets.csv": [{"ticket_id": f"T{n:05d}", "account_id": a, "opened_on": iso(o), "closed_on": iso(c), "partner_id": p}
                        for n, (o, a, c, p) in enumerate(tickets, 1)],
        "engagement.csv": [{"account_id": a, "occurred_on": iso(on), "kind": k, "partner_id": p} for on, a, k, p in engagement],
    }


def make_referrals(rng, leads, deals, accounts):
    won = {x["deal_id"]: d(x["closed_on"]) for x in deals if x["status"] == "won"}
    rows = [(d(lead["created_on"]), "", lead["partner_id"], lead["deal_id"] and f"AC-{lead['deal_id']}", won.get(lead["deal_id"]))
            for lead in leads if lead["source"] == "referral" and lead["partner_id"]]
    for acc in sorted(accounts):
        for month in sorted(accounts[acc]["mrr"]):
            if rng.random() < 0.01:
                on = month + timedelta(days=rng.randint(0, 27))
                conv = on + timedelta(days=rng.randint(20, 90)) if rng.random() < 0.3 else None
                rows.append((on, acc, "", "", conv if conv and conv < AS_OF else None))
    rows.sort(key=lambda r: (r[0], r[1], r[2], r[3]))
    return [{"referral_id": f"RF{n:05d}", "referred_on": iso(on), "referrer_account_id": by, "partner_id": pid,
             "referred_account_id": to, "converted_on": iso(conv)} for n, (on, by, pid, to, conv) in enumerate(rows, 1)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "data"),
                    help="the sample directory: read partners/deals/leads, write the new files (default examples/data)")
    ap.add_argument("--seed", type=int, default=20260116, help="random seed (default 20260116)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    partners, deals, leads = (read(args.dir, f) for f in ("partners.csv", "deals.csv", "leads.csv"))
    trained = pick_trained(partners, deals)
    courses = make_courses(rng, partners, trained)
    accounts = make_accounts(rng, deals)
    files = {"courses.csv": courses, "program_costs.csv": make_costs(rng, partners, deals, courses),
             "surveys.csv": make_surveys(rng, partners, deals, trained)}
    files.update(make_account_activity(rng, accounts, trained))
    files["referrals.csv"] = make_referrals(rng, leads, deals, accounts)
    for name, rows in files.items():
        print(f"{name:<18} {write(args.dir, name, rows):>6} rows")
    print("trained in 2025    " + ", ".join(f"{p} on {c}" for p, c in sorted(trained.items())))


if __name__ == "__main__":
    main()
