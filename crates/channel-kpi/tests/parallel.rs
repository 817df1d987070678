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
