//! Invariants that must hold for **every registered metric** (the test iterates
//! `Metric::ALL`, so a new KPI is covered the day it is registered), over generated datasets
//! holding every record kind:
//!
//! * permutation invariance: shuffling every record list gives the same table;
//! * split → partial → (JSON) → merge equals the whole;
//! * roll-up consistency: the level rows of a roll-up equal the query grouped at that level,
//!   and the total rows equal the ungrouped query;
//! * period buckets partition the period: `Period::split` tiles it without gap or overlap,
//!   and every bucket row of every metric lies on one of those tiles;
//! * a metric's values do not depend on the other metrics of its query: each row of the metric
//!   asked alone holds the same values in the query of every metric;
//! * money (and counts) are conserved across groups: for every additive money or count
//!   column, the partner groups sum to the ungrouped value. Each money / count column must be
//!   classified here (additive, or listed in `NOT_ADDITIVE` with the reason), so a new column
//!   cannot slip past.
//!
//! `properties.rs` (deals) and `properties_partners.rs` (partner program, customer success)
//! test all-metric queries on narrower datasets and the KPI-specific bounds and identities.
#![allow(clippy::result_large_err)]

mod common;

use channel_kpi::*;
use chrono::{Days, Months, NaiveDate};
use proptest::prelude::*;
use rust_decimal::Decimal;

const PARTNERS: [&str; 4] = ["p0", "p1", "p2", "p3"];
const STAGES: [&str; 3] = ["Discovery", "Proposal", "Negotiation"];

/// Money and count columns that are not sums over records, so need not add up over groups.
const NOT_ADDITIVE: &[(&str, &str)] = &[
    ("avg_deal_size", "a mean"),
    ("median_deal_size", "a median"),
    ("avg_closed_deal_size", "a mean"),
    ("sales_velocity", "a product of ratios"),
    ("cost_per_lead", "a ratio"),
    ("cost_per_acquisition", "a ratio"),
    ("quality_rank", "a rank among peers"),
    ("channel_spend", "spend has a channel but no partner: grouped by partner it is not counted (no partner to charge)"),
    ("month_of_year", "a bucket key"),
    ("coverage_target", "targets are set per dimension: a partner target is not part of the company's"),
    ("active_partners", "partners active in the period whatever their group: the denominator of participation"),
    ("training_partners", "treated and pooled control partners of the level"),
    ("training_n", "pairs pooled over every group of the level"),
    ("training_did_n", "pairs pooled over every group of the level"),
    ("forecast_learned_count_lo", "a quantile of the group's own distribution"),
    ("forecast_learned_count_hi", "a quantile of the group's own distribution"),
    ("forecast_static_count_lo", "a quantile of the group's own distribution"),
    ("forecast_static_count_hi", "a quantile of the group's own distribution"),
    ("forecast_learned_value", "each group's probabilities are shrunk toward its level's pooled rate"),
    ("forecast_learned_value_lo", "a Monte Carlo quantile"),
    ("forecast_learned_value_hi", "a Monte Carlo quantile"),
    ("forecast_static_value", "an expected value rounded to cents per group"),
    ("forecast_static_value_lo", "a Monte Carlo quantile"),
    ("forecast_static_value_hi", "a Monte Carlo quantile"),
    ("backtest_periods", "periods in which the group had a pipeline"),
    ("backtest_learned_value_mae", "a mean of absolute errors"),
    ("backtest_learned_value_bias", "a mean error"),
    ("backtest_static_value_mae", "a mean of absolute errors"),
    ("backtest_static_value_bias", "a mean error"),
];

fn at(d: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 7, 1).unwrap() + Days::new(d)
}
fn usd(cents: i64) -> Money {
    Money::new(Decimal::new(cents, 2), Currency::new("USD").unwrap())
}
/// The partner of account `a`: fixed, so partner groups partition the accounts.
fn partner_of(a: u8) -> String {
    PARTNERS[a as usize % 4].to_string()
}

prop_compose! {
    fn deal()(p in proptest::option::of(0usize..4), created in 0u64..560, cycle in 0u64..150, st in 0u8..3, cents in 0i64..2_000_000,
              kind in 0u8..3, channel in 0u8..3, reg in proptest::option::of(0u64..30), bits in 0u8..32,
              moves in proptest::collection::vec((0usize..3, 0u64..40), 0..3), expected in proptest::option::of(0u64..200)) -> Deal {
        let status = [DealStatus::Open, DealStatus::Won, DealStatus::Lost][st as usize];
        let mut d = Deal::new("", at(created), status);
        d.partner_id = p.map(|p| PARTNERS[p].to_string());
        if status != DealStatus::Open { d.closed_on = Some(at(created + cycle)); }
        d.amount = Some(usd(cents));
        d.kind = [DealKind::New, DealKind::Upsell, DealKind::Renewal][kind as usize];
        d.channel = Some([Channel::Paid, Channel::Earned, Channel::Owned][channel as usize]);
        d.expected_close_on = expected.map(|e| at(created + e));
        d.registered_on = reg.map(|r| at(created + r.min(cycle)));
        d.registration_status = reg.map(|r| [RegistrationStatus::Approved, RegistrationStatus::Rejected, RegistrationStatus::Pending][r as usize % 3]);
        d.partner_stages = PartnerStage::ALL.iter().enumerate().filter(|(i, _)| bits & (1 << i) != 0).map(|(_, s)| *s).collect::<Vec<_>>().into();
        let mut day = created;
        for (s, m) in moves {
            day += m;
            if status != DealStatus::Open && day > created + cycle { break; }
            d.stage_history.push(StageEntry { stage: STAGES[s].into(), entered_on: at(day) });
        }
        d.stage = d.stage_history.last().map(|e| e.stage.clone());
        d
    }
}

prop_compose! {
    fn lead()(created in 0u64..560, channel in 0u8..3, p in proptest::option::of(0usize..4), deal in proptest::option::of(0usize..40)) -> (Lead, Option<usize>) {
        let mut l = Lead::new("", at(created));
        l.channel = Some([Channel::Paid, Channel::Earned, Channel::Owned][channel as usize]);
        l.partner_id = p.map(|p| PARTNERS[p].to_string());
        (l, deal)
    }
}

prop_compose! {
    fn survey()(p in 0usize..4, k in 0u8..3, s in 0i64..11, on in 0u64..560, topic in 0usize..5) -> SurveyResponse {
        common::survey_answer(k, s, at(on), PARTNERS[p], topic)
    }
}

prop_compose! {
    fn account()(a in 0u8..10, o in 0u64..560, len in proptest::option::of(0u64..60), users in 0u32..5, m in 0u32..20, cents in 0i64..80_000)
        -> (SubscriptionMonth, SupportTicket, Onboarding, EngagementEvent, Referral, ProductUsage) {
        let (acc, pid) = (format!("A{a}"), Some(partner_of(a)));
        let month = NaiveDate::from_ymd_opt(2024, 7, 1).unwrap().checked_add_months(Months::new(m)).unwrap();
        let mut s = SubscriptionMonth::new(acc.clone(), month, usd(cents));
        s.partner_id = pid.clone();
        (
            s,
            SupportTicket { id: String::new(), account_id: acc.clone(), opened_on: at(o), closed_on: len.map(|l| at(o + l)), partner_id: pid.clone() },
            Onboarding { account_id: acc.clone(), started_on: at(o), completed_on: len.map(|l| at(o + l)), partner_id: pid.clone() },
            EngagementEvent { account_id: acc.clone(), occurred_on: at(o), kind: None, partner_id: pid.clone() },
            Referral { id: String::new(), referred_on: at(o), referrer_account_id: None, partner_id: pid.clone(), referred_account_id: None, converted_on: len.map(|l| at(o + l)) },
            ProductUsage { account_id: acc, month, active_users: users, features_used: users * 2, partner_id: pid },
        )
    }
}

fn pipeline() -> PipelineDef {
    let st = |n: &str, p: &str, q: bool| StageDef { name: n.into(), probability: p.parse().unwrap(), qualified: q, outcome: None };
    PipelineDef::new(vec![st(STAGES[0], "0.2", false), st(STAGES[1], "0.5", true), st(STAGES[2], "0.8", false)]).unwrap()
}

fn dataset() -> impl Strategy<Value = Dataset> {
    (
        proptest::collection::vec(deal(), 0..30),
        proptest::collection::vec(lead(), 0..15),
        proptest::collection::vec(survey(), 0..10),
        proptest::collection::vec(account(), 0..15),
        proptest::collection::vec((0usize..4, 0u8..3, 0u64..560, proptest::option::of(0u64..60)), 0..10),
        proptest::collection::vec((proptest::option::of(0u64..300), proptest::option::of(1u64..300)), 4),
        proptest::collection::vec((0u8..3, 0u64..560, 0i64..50_000, 0usize..5), 0..8),
    )
        .prop_map(|(mut deals, leads, surveys, accounts, courses, partners, money)| {
            for (i, d) in deals.iter_mut().enumerate() {
                d.id = format!("D{i}");
            }
            let n = deals.len();
            let mut ds = Dataset { deals: deals.into(), surveys: surveys.into(), ..Default::default() };
            for (i, (mut l, deal)) in leads.into_iter().enumerate() {
                l.id = format!("L{i}");
                l.deal_id = deal.filter(|d| *d < n).map(|d| format!("D{d}"));
                ds.leads.push(l);
            }
            for (i, (s, t, o, e, mut r, u)) in accounts.into_iter().enumerate() {
                let mut t = t;
                t.id = format!("T{i}");
                r.id = format!("R{i}");
                ds.subscriptions.push(s);
                ds.tickets.push(t);
                ds.onboarding.push(o);
                ds.engagement.push(e);
                ds.referrals.push(r);
                ds.usage.push(u);
            }
            // One subscription row per account and month.
            let mut seen = std::collections::HashSet::new();
            ds.subscriptions = ds.subscriptions.iter().filter(|s| seen.insert((s.account_id.clone(), s.month))).collect();
            for (p, c, on, done) in courses {
                let mut a = CourseAttendance::new(PARTNERS[p], format!("C{c}"), at(on));
                a.completed_on = done.map(|d| at(on + d));
                ds.courses.push(a);
            }
            for (what, on, cents, p) in money {
                match what {
                    0 => ds.spend.push(Spend {
                        channel: [Channel::Paid, Channel::Earned, Channel::Owned][p % 3],
                        source: None,
                        spent_on: at(on),
                        amount: usd(cents),
                    }),
                    1 => ds.program_costs.push(ProgramCost {
                        partner_id: PARTNERS[p % 4].into(),
                        period: Period::day(at(on)).unwrap(),
                        kind: CostKind::Mdf,
                        amount: usd(cents),
                    }),
                    _ => ds.targets.push(Target {
                        dimension: if p == 4 { Dimension::All } else { Dimension::Partner },
                        key: (p < 4).then(|| PARTNERS[p].to_string()),
                        period: Period::parse(["2025", "2025-Q1", "2025-Q3"][on as usize % 3]).unwrap(),
                        amount: usd(cents),
                    }),
                }
            }
            let ps = PARTNERS.iter().zip(partners).map(|(id, (j, stay))| Partner {
                joined_on: j.map(at),
                left_on: j.zip(stay).map(|(j, s)| at(j + s)),
                tier: Some(if id < &"p2" { "gold" } else { "silver" }.into()),
                region: Some(if id == &"p0" { "EMEA" } else { "AMER" }.into()),
                ..Partner::new(*id)
            });
            ds.refs.add_partners(ps).unwrap();
            ds.refs.pipeline = pipeline();
            ds.validate().unwrap();
            ds
        })
}

/// The query of one metric (cyclic buckets for seasonality, which needs them).
fn query(m: Metric, period: &str) -> Query {
    let q = Query::new(vec![m], Period::parse(period).unwrap());
    if m == Metric::CloseRateSeasonality { q.buckets(Bucket::MonthOfYear) } else { q }
}

fn shuffle<T>(v: &mut [T], seed: &mut u64) {
    for i in (1..v.len()).rev() {
        *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        v.swap(i, (*seed >> 33) as usize % (i + 1));
    }
}

/// Splits every record list at fraction `k / 8` (partners are streamed from side a only).
fn split(ds: &Dataset, k: usize) -> (Dataset, Dataset) {
    fn cut<T: Clone>(v: &mut Vec<T>, w: &mut Vec<T>, k: usize) {
        let at = v.len() * k / 8;
        *w = v.split_off(at);
    }
    let (mut a, mut b) = (ds.clone(), ds.clone());
    b.deals = a.deals.split_off(a.deals.len() * k / 8);
    b.leads = a.leads.split_off(a.leads.len() * k / 8);
    cut(&mut a.targets, &mut b.targets, k);
    cut(&mut a.spend, &mut b.spend, k);
    cut(&mut a.courses, &mut b.courses, k);
    b.surveys = a.surveys.split_off(a.surveys.len() * k / 8);
    cut(&mut a.program_costs, &mut b.program_costs, k);
    b.subscriptions = a.subscriptions.split_off(a.subscriptions.len() * k / 8);
    cut(&mut a.tickets, &mut b.tickets, k);
    cut(&mut a.onboarding, &mut b.onboarding, k);
    cut(&mut a.engagement, &mut b.engagement, k);
    cut(&mut a.referrals, &mut b.referrals, k);
    cut(&mut a.usage, &mut b.usage, k);
    (a, b)
}

/// The scale-out path: the partner records folded once (`Reference::partial`), each side's
/// fact records as a part (`Dataset::partial_part`), one shipped as bytes and one as JSON (both
/// decoded with every state validated), merged, finished.
fn merged(ds: &Dataset, q: &Query, k: usize) -> ResultTable {
    let (a, b) = split(ds, k);
    let mut whole = ds.refs.partial(q).unwrap();
    let pa = Partial::from_bytes(&a.partial_part(q, &Part::id("a")).unwrap().to_bytes().unwrap()).unwrap();
    let pb = Partial::from_json(&b.partial_part(q, &Part::rows("b", 0, 10)).unwrap().to_json().unwrap()).unwrap();
    whole.merge(&pa).unwrap();
    whole.merge(&pb).unwrap();
    assert!(whole.merge(&pb).is_err(), "a part merged twice must be refused");
    whole.finish(&ds.refs).unwrap()
}

fn value_cols(t: &ResultTable) -> Vec<usize> {
    t.columns.iter().enumerate().filter(|(_, c)| c.role == ColumnRole::Value).map(|(i, _)| i).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn every_metric_ignores_record_order(ds in dataset(), seed in any::<u64>()) {
        let mut s = seed;
        let mut r = ds.clone();
        let mut deals = r.deals.to_vec(); shuffle(&mut deals, &mut s); r.deals = deals.into(); let mut leads = r.leads.to_vec(); shuffle(&mut leads, &mut s); r.leads = leads.into(); shuffle(&mut r.targets, &mut s);
        shuffle(&mut r.spend, &mut s); shuffle(&mut r.courses, &mut s); let mut surveys = r.surveys.to_vec(); shuffle(&mut surveys, &mut s); r.surveys = surveys.into();
        shuffle(&mut r.program_costs, &mut s); let mut subs = r.subscriptions.to_vec(); shuffle(&mut subs, &mut s); r.subscriptions = subs.into(); shuffle(&mut r.tickets, &mut s);
        shuffle(&mut r.onboarding, &mut s); shuffle(&mut r.engagement, &mut s); shuffle(&mut r.referrals, &mut s);
        shuffle(&mut r.usage, &mut s);
        for m in Metric::ALL {
            let q = query(*m, "2025").by(Dimension::Partner);
            // A long metric (cohorts) has no comparison columns.
            let q = if m.row_keys().is_empty() { q.compare(Compare::PreviousPeriod) } else { q };
            prop_assert_eq!(ds.run(&q).unwrap(), r.run(&q).unwrap(), "{}", m.id());
        }
    }

    #[test]
    fn every_metric_split_and_merged_equals_the_whole(ds in dataset(), k in 0usize..=8) {
        for m in Metric::ALL {
            for q in [query(*m, "2025").by(Dimension::Partner), query(*m, "2024-07-01..2026-01-01").by(Dimension::PartnerTier).buckets(Bucket::Quarter)] {
                let q = if *m == Metric::CloseRateSeasonality { query(*m, "2025").by(Dimension::Partner) } else { q };
                prop_assert_eq!(merged(&ds, &q, k), ds.run(&q).unwrap(), "{}", m.id());
            }
        }
    }

    #[test]
    fn every_metric_rolls_up_consistently(ds in dataset()) {
        for m in Metric::ALL {
            let rolled = ds.run(&query(*m, "2025").by(Dimension::Region).by(Dimension::Partner).rollup()).unwrap();
            let by_region = ds.run(&query(*m, "2025").by(Dimension::Region)).unwrap();
            let overall = ds.run(&query(*m, "2025")).unwrap();
            let level = rolled.column_index("rollup_level").unwrap();
            let (rv, bv, ov) = (value_cols(&rolled), value_cols(&by_region), value_cols(&overall));
            let pick = |row: &[Value], cols: &[usize]| cols.iter().map(|&i| row[i].clone()).collect::<Vec<_>>();
            let (mut level1, mut level0) = (Vec::new(), Vec::new());
            for r in &rolled.rows {
                match r[level] {
                    Value::Int(1) => level1.push((r[0].clone(), pick(r, &rv))),
                    Value::Int(0) => level0.push(pick(r, &rv)),
                    _ => {}
                }
            }
            let expect1: Vec<_> = by_region.rows.iter().map(|r| (r[0].clone(), pick(r, &bv))).collect();
            let expect0: Vec<_> = overall.rows.iter().map(|r| pick(r, &ov)).collect();
            prop_assert_eq!(level1, expect1, "{} region level", m.id());
            prop_assert_eq!(level0, expect0, "{} total level", m.id());
        }
    }

    #[test]
    fn every_metric_buckets_tile_the_period(ds in dataset(), start in 0u64..400, len in 1u64..500, b in 0usize..4) {
        let period = Period::new(at(start), at(start + len)).unwrap();
        let bucket = [Bucket::Day, Bucket::Week, Bucket::Month, Bucket::Quarter][b];
        let tiles = period.split(bucket, 1).unwrap();
        prop_assert_eq!(tiles.first().unwrap().start(), period.start());
        prop_assert_eq!(tiles.last().unwrap().end(), period.end());
        for w in tiles.windows(2) {
            prop_assert_eq!(w[0].end(), w[1].start(), "tiles touch, without gap or overlap");
        }
        for m in Metric::ALL.iter().filter(|m| **m != Metric::CloseRateSeasonality) {
            let t = ds.run(&Query::new(vec![*m], period).buckets(bucket)).unwrap();
            let (s, e) = (t.column_index("period_start").unwrap(), t.column_index("period_end").unwrap());
            for r in &t.rows {
                let (Value::Date(rs), Value::Date(re)) = (&r[s], &r[e]) else { panic!("{}: no window dates", m.id()) };
                prop_assert!(tiles.iter().any(|w| w.start() == *rs && w.end() == *re), "{}: {}..{} is not a bucket", m.id(), rs, re);
            }
        }
    }

    #[test]
    fn every_metric_conserves_money_and_counts_across_groups(ds in dataset()) {
        for m in Metric::ALL {
            let q = query(*m, "2025");
            let total = ds.run(&q).unwrap();
            let grouped = ds.run(&q.clone().by(Dimension::Partner)).unwrap();
            for c in total.columns.iter().filter(|c| c.role == ColumnRole::Value && matches!(c.kind, ColumnKind::Money | ColumnKind::Int)) {
                if NOT_ADDITIVE.iter().any(|(n, _)| *n == c.name) {
                    continue;
                }
                let sum = |t: &ResultTable| -> Decimal {
                    let i = t.column_index(&c.name).unwrap();
                    t.rows.iter().filter_map(|r| r[i].as_decimal()).sum()
                };
                prop_assert_eq!(sum(&grouped), sum(&total), "{}: column {} is not conserved across partner groups (if it is not a sum, add it to NOT_ADDITIVE with the reason)", m.id(), c.name);
            }
        }
    }

    /// Every row of a metric asked alone (by partner, against the previous period) holds the
    /// same values of the metric's columns in one query of every metric: nothing a metric
    /// reports (a peer set, a denominator) depends on the metrics beside it. Groups that only
    /// another metric shows may add rows there; those rows are not compared.
    #[test]
    fn every_metric_is_the_same_asked_with_every_other(ds in dataset()) {
        let wide: Vec<Metric> =
            Metric::ALL.iter().copied().filter(|m| m.row_keys().is_empty() && *m != Metric::CloseRateSeasonality).collect();
        let with = |q: Query| q.by(Dimension::Partner).compare(Compare::PreviousPeriod);
        let all = ds.run(&with(Query::new(wide.clone(), Period::parse("2025").unwrap()))).unwrap();
        // a row's group values and window start, as text (values hold floats: no `Hash`)
        let key = |t: &ResultTable, r: &[Value]| -> String {
            format!("{:?}", t.columns.iter().zip(r).filter(|(c, _)| matches!(c.role, ColumnRole::Group | ColumnRole::PeriodStart)).map(|(_, v)| v).collect::<Vec<_>>())
        };
        let rows: std::collections::HashMap<String, usize> =
            all.rows.iter().enumerate().map(|(i, r)| (key(&all, r), i)).collect();
        for m in &wide {
            let alone = ds.run(&with(query(*m, "2025"))).unwrap();
            for r in &alone.rows {
                let k = key(&alone, r);
                prop_assert!(rows.contains_key(&k), "{}: a row of the metric alone is missing beside the others: {:?}", m.id(), r);
                let i = rows[&k];
                for (c, v) in alone.columns.iter().zip(r).filter(|(c, _)| c.metric == Some(*m)) {
                    let j = all.columns.iter().position(|d| d.metric == Some(*m) && d.name == c.name).unwrap();
                    prop_assert_eq!(&all.rows[i][j], v, "{}: column {} of row {:?} changes beside the other metrics", m.id(), c.name, &k);
                }
            }
        }
    }
}
