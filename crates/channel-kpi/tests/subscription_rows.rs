//! `Engine::push_subscriptions` (months folded from the columns of `Subscriptions`: accounts by
//! the engine's numbers, each row tried only in the windows its month can count in when every
//! metric says how far before a window it reaches) gives the partial states — or the error —
//! of `Engine::push` of each month as a `SubscriptionMonth` (by text, every window tried), in
//! order: retention KPIs over quarters, months, one year and with a comparison period (a
//! year earlier; one overlapping the windows, starting mid-month: every window tried), alone or with MRR movements (which reach every
//! earlier month), grouped by partner or not, with and without roll-up; months in two
//! currencies, some refused.

#![allow(clippy::result_large_err)]

use channel_kpi::*;
use chrono::{Months, NaiveDate};
use proptest::prelude::*;

/// account, months after 2024-01, MRR, euro instead of dollars, partner.
type Gen = (u8, u8, u16, bool, Option<u8>);

fn month(g: &Gen) -> SubscriptionMonth {
    let day = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + Months::new(u32::from(g.1 % 30));
    let mrr: Money = format!("{} {}", g.2 % 400, if g.3 { "EUR" } else { "USD" }).parse().unwrap();
    let mut s = SubscriptionMonth::new(format!("A{}", g.0 % 12), day, mrr);
    s.partner_id = g.4.map(|p| format!("P{}", p % 3));
    s
}

fn gen_row() -> impl Strategy<Value = Gen> {
    (any::<u8>(), any::<u8>(), any::<u16>(), proptest::bool::weighted(0.02), proptest::option::weighted(0.8, any::<u8>()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    #[test]
    fn push_subscriptions_equals_pushing_each_month(
        rows in proptest::collection::vec(gen_row(), 0..120), metrics in 0usize..3, windows in 0usize..5, by_partner: bool, rollup: bool,
    ) {
        let months: Vec<SubscriptionMonth> = rows.iter().map(month).collect();
        let subs: Subscriptions = months.clone().into();
        let metrics = match metrics {
            0 => vec![Metric::MrrRetention, Metric::AccountRetention],
            1 => vec![Metric::PortfolioGrowth],
            _ => vec![Metric::MrrRetention, Metric::MrrMovements],
        };
        let mut q = Query::new(metrics, Period::parse("2025").unwrap());
        q = match windows {
            0 => q.buckets(Bucket::Quarter),
            1 => q.buckets(Bucket::Month),
            2 => q,
            3 => q.buckets(Bucket::Quarter).compare(Compare::YearAgo),
            // windows overlapping the comparison's (every window tried), starting mid-month
            _ => q.compare(Compare::Period(Period::parse("2024-12-15..2025-06-20").unwrap())),
        };
        if by_partner {
            q = q.by(Dimension::Partner);
        }
        if rollup {
            q = q.rollup();
        }
        let refs = Reference::default();
        let (mut columns, mut each) = (Engine::new(&q, &refs).unwrap(), Engine::new(&q, &refs).unwrap());
        let a = columns.push_subscriptions(&subs, 0..subs.len());
        let b = months.iter().try_for_each(|s| each.push(&Record::Subscription(s)));
        match (a, b) {
            (Ok(()), Ok(())) => {
                let (a, b) = (columns.into_partial().unwrap(), each.into_partial().unwrap());
                // the same bytes too: accounts serialize by text whichever way they were folded
                prop_assert_eq!(a.to_bytes().unwrap(), b.to_bytes().unwrap());
                prop_assert_eq!(a, b);
            }
            (a, b) => prop_assert_eq!(format!("{a:?}"), format!("{b:?}")),
        }
    }
}

/// A partial folded in two halves on two engines (each numbering accounts its own way), merged,
/// finishes like one engine over every month, and its retention states come back from bytes.
#[test]
fn halves_folded_apart_merge_into_the_whole() {
    let rows: Vec<Gen> = (0u16..300).map(|i| ((i * 7 % 23) as u8, (i % 30) as u8, i * 13 % 397, false, Some((i % 4) as u8))).collect();
    let subs: Subscriptions = rows.iter().map(month).collect::<Vec<_>>().into();
    let q = Query::new(vec![Metric::MrrRetention, Metric::AccountRetention], Period::parse("2025").unwrap())
        .buckets(Bucket::Quarter)
        .by(Dimension::Partner);
    let refs = Reference::default();
    let fold = |range: std::ops::Range<usize>| {
        let mut e = Engine::new(&q, &refs).unwrap();
        e.push_subscriptions(&subs, range).unwrap();
        e.into_partial().unwrap()
    };
    let whole = fold(0..subs.len());
    let mut merged = Partial::from_bytes(&fold(150..subs.len()).to_bytes().unwrap()).unwrap();
    merged.merge(&fold(0..150)).unwrap();
    assert_eq!(merged, whole);
    assert_eq!(merged.finish(&refs).unwrap(), whole.finish(&refs).unwrap());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Parts of one store folded on engines of their own and merged — by number (the engines
    /// share the store's account names), or by text (a part copied into a store of its own, or
    /// read back from bytes) — in either order, and the rows in reverse order, give the whole's
    /// partial, bytes and table.
    #[test]
    fn parts_merged_by_number_or_by_text_and_rows_reversed_equal_the_whole(
        rows in proptest::collection::vec(gen_row(), 1..150), cut in 0usize..150, monthly: bool, with_movements: bool,
    ) {
        let months: Vec<SubscriptionMonth> = rows.iter().map(|g| { let mut m = month(g); m.mrr.currency = "USD".parse().unwrap(); m }).collect();
        let subs: Subscriptions = months.clone().into();
        let mut metrics = vec![Metric::MrrRetention, Metric::AccountRetention];
        if with_movements {
            metrics.push(Metric::MrrMovements);
        }
        let q = Query::new(metrics, Period::parse("2025").unwrap())
            .buckets(if monthly { Bucket::Month } else { Bucket::Quarter })
            .by(Dimension::Partner);
        let refs = Reference::default();
        let fold = |s: &Subscriptions, range: std::ops::Range<usize>| {
            let mut e = Engine::new(&q, &refs).unwrap();
            e.push_subscriptions(s, range).unwrap();
            e.into_partial().unwrap()
        };
        let n = subs.len();
        let cut = cut.min(n);
        let whole = fold(&subs, 0..n);
        let (a, b) = (fold(&subs, 0..cut), fold(&subs, cut..n));
        let apart: Subscriptions = months[cut..].to_vec().into();
        let b_apart = fold(&apart, 0..apart.len());
        let b_bytes = Partial::from_bytes(&b.to_bytes().unwrap()).unwrap();
        let reversed: Subscriptions = months.iter().rev().cloned().collect::<Vec<_>>().into();
        let mut candidates = vec![fold(&reversed, 0..n)];
        for second in [&b, &b_apart, &b_bytes] {
            let mut x = a.clone();
            x.merge(second).unwrap();
            let mut y = second.clone();
            y.merge(&a).unwrap();
            candidates.extend([x, y]);
        }
        let (bytes, table) = (whole.to_bytes().unwrap(), whole.clone().finish(&refs).unwrap());
        for c in candidates {
            prop_assert_eq!(&c, &whole);
            prop_assert_eq!(c.to_bytes().unwrap(), bytes.clone());
            prop_assert_eq!(c.finish(&refs).unwrap(), table.clone());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The retention KPIs observe alike (`Kpi::OBSERVES_LIKE`: one is observed, the others
    /// copy its state): queried together, in any order, each gives the values it gives alone
    /// — by push_subscriptions and by pushing each month, on one engine and on parts merged.
    #[test]
    fn retention_kpis_queried_together_equal_each_alone(
        rows in proptest::collection::vec(gen_row(), 0..120), order in 0usize..6, monthly: bool, cut in 0usize..120,
    ) {
        let months: Vec<SubscriptionMonth> = rows.iter().map(|g| { let mut m = month(g); m.mrr.currency = "USD".parse().unwrap(); m }).collect();
        let subs: Subscriptions = months.clone().into();
        let all = [
            (Metric::MrrRetention, &["retention_mrr_start", "mrr_expansion", "mrr_contraction", "mrr_churned", "mrr_new", "nrr", "grr"][..]),
            (Metric::AccountRetention, &["account_retention", "account_retention_n", "account_retention_lo", "account_retention_hi", "accounts_churned"][..]),
            (Metric::PortfolioGrowth, &["accounts_start", "accounts_end", "account_growth", "mrr_start", "mrr_end", "mrr_growth"][..]),
        ];
        let perm = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]][order];
        let query = |metrics: Vec<Metric>| {
            Query::new(metrics, Period::parse("2025").unwrap()).buckets(if monthly { Bucket::Month } else { Bucket::Quarter }).by(Dimension::Partner)
        };
        let refs = Reference::default();
        let together = query(perm.iter().map(|&i| all[i].0).collect());
        let cut = cut.min(subs.len());
        let tables = {
            let fold = |range: std::ops::Range<usize>| {
                let mut e = Engine::new(&together, &refs).unwrap();
                e.push_subscriptions(&subs, range).unwrap();
                e.into_partial().unwrap()
            };
            let mut parts = fold(0..cut);
            parts.merge(&fold(cut..subs.len())).unwrap();
            let mut each = Engine::new(&together, &refs).unwrap();
            months.iter().for_each(|m| each.push(&Record::Subscription(m)).unwrap());
            [fold(0..subs.len()), parts, each.into_partial().unwrap()].map(|p| p.finish(&refs).unwrap())
        };
        for (metric, columns) in all {
            let mut e = Engine::new(&query(vec![metric]), &refs).unwrap();
            e.push_subscriptions(&subs, 0..subs.len()).unwrap();
            let alone = e.into_partial().unwrap().finish(&refs).unwrap();
            for t in &tables {
                // the rows (the currency is named only when a metric combines amounts)
                let (t, alone) = (t.select(columns).unwrap().to_json(), alone.to_json());
                prop_assert_eq!(&t["columns"], &alone["columns"]);
                prop_assert_eq!(&t["rows"], &alone["rows"], "{:?}", metric);
            }
        }
    }
}
