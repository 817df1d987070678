//! `Dataset::partial` folds big datasets on several threads (one part per core, at least
//! `PART_MIN_RECORDS` records each) and merges the parts: the result must equal one engine fed
//! every record in order, and an error must name the same record as on one thread.
#![allow(clippy::result_large_err)]

mod common;
use channel_kpi::*;
use common::*;

/// `n` deals over 2024–2025, 37 partners (every 10th deal direct), a third each won, lost
/// and open, amounts with cents.
fn deals(n: usize) -> Vec<Deal> {
    (0..n)
        .map(|i| {
            let created = day("2024-01-01") + chrono::Days::new((i * 7 % 700) as u64);
            let partner = (i % 10 != 0).then(|| format!("P{}", i % 37));
            let amount = format!("{}.{:02}", 100 + i % 900, i % 100);
            let mut d = match i % 3 {
                0 => open(&format!("D{i}"), None, "2024-01-01", &amount),
                1 => closed(&format!("D{i}"), None, DealStatus::Won, "2024-01-01", "2024-01-01", &amount),
                _ => closed(&format!("D{i}"), None, DealStatus::Lost, "2024-01-01", "2024-01-01", &amount),
            };
            d.created_on = created;
            if d.closed_on.is_some() {
                d.closed_on = Some(created + chrono::Days::new((i % 90) as u64));
            }
            d.partner_id = partner;
            d.owner_id = Some(format!("E{}", i % 5));
            d
        })
        .collect()
}

fn serial(ds: &Dataset, q: &Query) -> Result<Partial> {
    let mut e = Engine::new(q, &ds.refs)?;
    ds.push_into(&mut e)?;
    e.into_partial()
}

#[test]
fn threads_give_the_one_engine_result() {
    let n = 3 * PART_MIN_RECORDS + 123;
    let ds = dataset(deals(n));
    let metrics =
        vec![Metric::DealCount, Metric::WonRevenue, Metric::CloseRate, Metric::SalesCycleDays, Metric::MedianDealSize, Metric::Pipeline];
    let queries = [
        Query::new(metrics.clone(), Period::parse("2025").unwrap()).by(Dimension::Partner),
        Query::new(metrics.clone(), Period::parse("2025").unwrap()).by(Dimension::Owner).by(Dimension::Partner).rollup(),
        Query::new(metrics, Period::parse("2024").unwrap()).buckets(Bucket::Quarter).compare(Compare::PreviousPeriod),
    ];
    for q in &queries {
        let whole = serial(&ds, q).unwrap();
        let parts = ds.partial(q).unwrap();
        assert_eq!(parts, whole, "{q:?}");
        assert_eq!(ds.run(q).unwrap(), whole.finish(&ds.refs).unwrap());
    }
    // A value a user would check: every deal counted once across the groups.
    let t = ds.run(&Query::new(vec![Metric::DealCount], Period::parse("2024-01-01..2026-01-01").unwrap())).unwrap();
    let created: i64 = (0..t.rows.len()).filter_map(|r| t.value(r, "created_count").and_then(|v| v.as_f64())).sum::<f64>() as i64;
    assert_eq!(created, n as i64);
}

#[test]
fn an_error_names_the_record_a_single_thread_names() {
    let n = 3 * PART_MIN_RECORDS;
    let mut all = deals(n);
    // Two foreign amounts in the last part: the first in record order is reported.
    all[n - 50].amount = Some("5 EUR".parse().unwrap());
    all[n - 10].amount = Some("7 GBP".parse().unwrap());
    let ds = dataset(all);
    let q = Query::new(vec![Metric::WonRevenue], Period::parse("2025").unwrap()).by(Dimension::Partner);
    let one = serial(&ds, &q).unwrap_err();
    let many = ds.partial(&q).unwrap_err();
    assert_eq!(many.to_string(), one.to_string());
    assert!(many.to_string().contains(&format!("deal D{}", n - 50)), "{many}");
}

/// `n` subscription months: account `A{i % 3001}` in month `i / 3001` of 2024–2025 (each
/// account's rows in month order, the table sorted by month), MRR with cents that changes
/// with the month, 0 now and then; 41 partners by account (every 9th account direct), a plan
/// attr of two values and a region attr of many.
fn subscriptions(n: usize) -> Vec<SubscriptionMonth> {
    (0..n)
        .map(|i| {
            let (a, m) = (i % 3001, i / 3001 % 24);
            let month = day(&format!("{}-{:02}-01", 2024 + m / 12, m % 12 + 1));
            let mrr = if (a + m) % 23 == 0 { "0 USD".to_string() } else { format!("{}.{:02} USD", 50 + (a * 7 + m * 13) % 400, a % 100) };
            let mut s = SubscriptionMonth::new(format!("A{a}"), month, mrr.parse().unwrap());
            s.partner_id = (a % 9 != 0).then(|| format!("P{}", a % 41));
            s.attrs.insert("plan".into(), ["basic", "pro"][a % 2].into());
            s.attrs.insert("region".into(), format!("R{}", a % 17));
            s
        })
        .collect()
}

/// Subscription months are split between the threads by group when the query groups (the
/// partials then hold disjoint groups), by rows otherwise or when the groups fall unevenly
/// (two plans, one with the direct accounts' extra rows): every way gives the one engine's
/// partial and table.
#[test]
fn subscriptions_split_by_group_or_by_rows_give_the_one_engine_result() {
    let n = 3 * PART_MIN_RECORDS + 77;
    let mut ds = Dataset { subscriptions: subscriptions(n).into(), ..Default::default() };
    ds.validate().unwrap();
    let metrics = vec![Metric::MrrRetention, Metric::AccountRetention, Metric::PortfolioGrowth];
    let q = |p: &str| Query::new(metrics.clone(), Period::parse(p).unwrap());
    let queries = [
        q("2025").buckets(Bucket::Quarter).by(Dimension::Partner),
        q("2025").by(Dimension::Attr("plan".into())).by(Dimension::Partner).rollup(),
        q("2025").by(Dimension::Attr("region".into())),
        q("2025").by(Dimension::Attr("plan".into())),
        q("2025-Q3"),
    ];
    for q in &queries {
        let whole = serial(&ds, q).unwrap();
        let parts = ds.partial(q).unwrap();
        assert_eq!(parts, whole, "{q:?}");
        assert_eq!(ds.run(q).unwrap(), whole.finish(&ds.refs).unwrap(), "{q:?}");
    }
    // a value a user would check: the accounts active at 2025-Q1's start, over the partners
    let t = ds.run(&queries[0]).unwrap();
    let start: f64 = (0..t.rows.len())
        .filter(|&r| t.value(r, "period_start").map(|v| v.to_string()).as_deref() == Some("2025-01-01"))
        .filter_map(|r| t.value(r, "account_retention_n").and_then(|v| v.as_f64()))
        .sum();
    let active = (0..3001).filter(|a| (a + 11) % 23 != 0).count(); // December 2024 is month 11
    assert_eq!(start as usize, active);
}
