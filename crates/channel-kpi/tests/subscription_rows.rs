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
