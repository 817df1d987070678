//! Invariants of the engine over generated datasets (proptest): order does not matter,
//! split → partial → merge equals the whole, rates stay in [0, 1], roll-ups equal
//! recomputation, buckets partition the period, money is neither lost nor double-counted.
#![allow(clippy::result_large_err)]

use channel_kpi::*;
use chrono::{Days, NaiveDate};
use proptest::prelude::*;

const STAGES: [&str; 4] = ["Prospecting", "Qualification", "Proposal", "Negotiation"];

fn pipeline() -> PipelineDef {
    let st = |n: &str, p: &str, q: bool| StageDef { name: n.into(), probability: p.parse().unwrap(), qualified: q, outcome: None };
    PipelineDef::new(vec![
        st(STAGES[0], "0.1", false),
        st(STAGES[1], "0.3", true),
        st(STAGES[2], "0.6", false),
        st(STAGES[3], "0.8", false),
        st("Won", "1", false),
        st("Lost", "0", false),
    ])
    .unwrap()
}

fn org() -> OrgTree {
    let u =
        |id: &str, level: &str, p: Option<&str>| OrgUnit { id: id.into(), name: None, level: level.into(), parent_id: p.map(Into::into) };
    OrgTree::new(vec![
        u("U", "unit", None),
        u("T1", "team", Some("U")),
        u("T2", "team", Some("U")),
        u("e1", "employee", Some("T1")),
        u("e2", "employee", Some("T1")),
        u("e3", "employee", Some("T2")),
    ])
    .unwrap()
}

prop_compose! {
    fn deal_strategy()(
        created in 0u64..700, cycle in 0u64..200, status in 0u8..3, cents in 0i64..5_000_000,
        partner in proptest::option::of(0u8..4), owner in 0u8..3, kind in 0u8..3, channel in 0u8..3,
        stages in proptest::collection::vec((0usize..4, 0u64..20), 0..4), with_amount in proptest::bool::weighted(0.9),
    ) -> Deal {
        let base = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let created_on = base + Days::new(created);
        let status = [DealStatus::Open, DealStatus::Won, DealStatus::Lost][status as usize];
        let mut d = Deal::new("", created_on, status);
        d.partner_id = partner.map(|p| format!("p{p}"));
        d.owner_id = Some(["e1", "e2", "e3"][owner as usize].to_string());
        d.kind = [DealKind::New, DealKind::Upsell, DealKind::Renewal][kind as usize];
        d.channel = Some([Channel::Paid, Channel::Earned, Channel::Owned][channel as usize]);
        let closed = created_on + Days::new(cycle);
        if status != DealStatus::Open {
            d.closed_on = Some(closed);
        }
        if with_amount || status == DealStatus::Won {
            d.amount = Some(Money::new(rust_decimal::Decimal::new(cents, 2), Currency::new("USD").unwrap()));
        }
        let mut day = created_on;
        for (s, gap) in stages {
            day = day + Days::new(gap);
            if d.closed_on.is_some_and(|c| day > c) {
                break;
            }
            d.stage_history.push(StageEntry { stage: STAGES[s].into(), entered_on: day });
        }
        d.stage = match status {
            DealStatus::Open => d.stage_history.last().map(|e| e.stage.clone()),
            DealStatus::Won => Some("Won".into()),
            DealStatus::Lost => Some("Lost".into()),
        };
        d
    }
}

fn dataset_strategy() -> impl Strategy<Value = Dataset> {
    proptest::collection::vec(deal_strategy(), 0..60).prop_map(|mut deals| {
        for (i, d) in deals.iter_mut().enumerate() {
            d.id = format!("D{i}");
        }
        let mut ds = Dataset { deals: deals.into(), ..Default::default() };
        ds.refs.pipeline = pipeline();
        ds.refs.org = org();
        ds.validate().unwrap();
        ds
    })
}

fn all_metrics() -> Vec<Metric> {
    // Seasonality needs cyclic buckets; it is covered by its own query below.
    // Long metrics (cohorts) are queried alone: covered by properties_every_metric.rs.
    Metric::ALL.iter().copied().filter(|m| *m != Metric::CloseRateSeasonality && m.row_keys().is_empty()).collect()
}

fn query(by: Vec<Dimension>) -> Query {
    let mut q = Query::new(all_metrics(), Period::parse("2025").unwrap());
    q.group_by = by;
    q
}

fn merged(ds: &Dataset, q: &Query, split: usize) -> ResultTable {
    let split = split.min(ds.deals.len());
    let mut a = ds.clone();
    let mut b = ds.clone();
    b.deals = a.deals.split_off(split);
    let mut pa = a.partial(q).unwrap();
    // Ship one side through JSON, as a remote worker would.
    let pb: Partial = serde_json::from_str(&serde_json::to_string(&b.partial(q).unwrap()).unwrap()).unwrap();
    pa.merge(&pb).unwrap();
    pa.finish(&ds.refs).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn order_of_records_does_not_matter(ds in dataset_strategy(), seed in any::<u64>()) {
        let q = query(vec![Dimension::Partner]).compare(Compare::PreviousPeriod);
        let mut shuffled = ds.clone();
        let mut deals = shuffled.deals.to_vec();
        let mut s = seed;
        for i in (1..deals.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            deals.swap(i, (s >> 33) as usize % (i + 1));
        }
        shuffled.deals = deals.into();
        prop_assert_eq!(ds.run(&q).unwrap(), shuffled.run(&q).unwrap());
    }

    #[test]
    fn split_partial_merge_equals_whole(ds in dataset_strategy(), split in 0usize..60) {
        for q in [query(vec![Dimension::Partner]), query(vec![Dimension::Org("team".into()), Dimension::Owner]).rollup(),
                  Query::new(vec![Metric::CloseRateSeasonality, Metric::DealCount], Period::parse("2024-01-01..2026-01-01").unwrap())] {
            prop_assert_eq!(merged(&ds, &q, split), ds.run(&q).unwrap());
        }
    }

    #[test]
    fn rates_are_proportions(ds in dataset_strategy()) {
        let t = ds.run(&query(vec![Dimension::Channel]).buckets(Bucket::Quarter)).unwrap();
        for c in &t.columns {
            let is_rate = c.kind == ColumnKind::Float && c.role == ColumnRole::Value
                && (c.name.ends_with("rate") || c.name.ends_with("_lo") || c.name.ends_with("_hi") || c.name.ends_with("_share"));
            if !is_rate { continue; }
            let i = t.column_index(&c.name).unwrap();
            for r in &t.rows {
                if let Value::Float(x) = r[i] {
                    prop_assert!((0.0..=1.0).contains(&x), "{} = {}", c.name, x);
                }
            }
        }
    }

    #[test]
    fn rollup_rows_equal_recomputation(ds in dataset_strategy()) {
        let rolled = ds.run(&query(vec![Dimension::Org("team".into()), Dimension::Owner]).rollup()).unwrap();
        let by_team = ds.run(&query(vec![Dimension::Org("team".into())])).unwrap();
        let overall = ds.run(&query(vec![])).unwrap();
        let level = rolled.column_index("rollup_level").unwrap();
        let first_value = rolled.columns.iter().position(|c| c.role == ColumnRole::Value).unwrap();
        for r in &rolled.rows {
            let (other, row) = match r[level] {
                Value::Int(1) => {
                    let team = match &r[0] { Value::Text(s) => Some(s.as_str()), _ => None };
                    let rows = by_team.rows_for(&[team]);
                    (&by_team, rows[0])
                }
                Value::Int(0) => (&overall, 0),
                _ => continue,
            };
            let other_first = other.columns.iter().position(|c| c.role == ColumnRole::Value).unwrap();
            prop_assert_eq!(&r[first_value..], &other.rows[row][other_first..]);
        }
    }

    #[test]
    fn money_and_counts_are_conserved_across_groups_and_buckets(ds in dataset_strategy()) {
        let q = Query::new(vec![Metric::WonRevenue, Metric::DealCount], Period::parse("2025").unwrap());
        let total = ds.run(&q).unwrap();
        let sum_col = |t: &ResultTable, c: &str| -> rust_decimal::Decimal {
            let i = t.column_index(c).unwrap();
            t.rows.iter().filter_map(|r| r[i].as_decimal()).sum()
        };
        for split in [q.clone().by(Dimension::Partner), q.clone().by(Dimension::Owner).by(Dimension::Kind), q.clone().buckets(Bucket::Month), q.clone().buckets(Bucket::Week)] {
            let t = ds.run(&split).unwrap();
            for c in ["won_revenue", "won_count", "lost_count", "created_count"] {
                prop_assert_eq!(sum_col(&t, c), sum_col(&total, c), "{}", c);
            }
        }
    }
}
