//! `mrr_movements`: the hand-checked year of tests/golden/mrr_movements_year_with_reactivation.json
//! over the whole year and per month, the identity ending = starting + net new on generated
//! data, absent values when a month has no data, and split/merge of partial results.

mod common;
use channel_kpi::*;
use common::*;

fn year() -> Dataset {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/golden/mrr_movements_year_with_reactivation.json");
    let case: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    Dataset::from_json(&case["dataset"].to_string()).unwrap()
}

fn query(period: &str) -> Query {
    Query::new(vec![Metric::MrrMovements], Period::parse(period).unwrap())
}

#[test]
fn the_whole_year_sums_the_months() {
    let t = year().run(&query("2025")).unwrap();
    // new A 100 + B 200 + C 50 + E 60; expansion A 50; contraction A 30; churn B 200 + C 50;
    // reactivation B 180. Net 410 + 50 + 180 − 30 − 250 = 360; end 80 + 360 = 440.
    for (col, want) in [
        ("new_mrr", "410"),
        ("expansion_mrr", "50"),
        ("contraction_mrr", "30"),
        ("churned_mrr", "250"),
        ("reactivation_mrr", "180"),
        ("net_new_mrr", "360"),
        ("starting_mrr", "80"),
        ("ending_mrr", "440"),
        ("arr", "5280"),
        ("quick_ratio", "2.285714"), // 640 ÷ 280
    ] {
        assert_eq!(dec(&t, &[], col), want, "{col}");
    }
    assert_eq!(t.value(0, "new_accounts"), Some(&Value::Int(4)));
    assert_eq!(t.value(0, "churned_accounts"), Some(&Value::Int(2)));
    // Two churn events over one account at the start: the ChartMogul ratio, above 1 here.
    assert_close(t.value(0, "logo_churn_rate"), 2.0);
}

#[test]
fn months_group_by_partner_and_reactivation_needs_a_month_at_zero() {
    let mut q = query("2025");
    q.buckets = Some(Bucket::Month);
    let t = year().run(&q.by(Dimension::Partner)).unwrap();
    assert_eq!(text(in_window(&t, &[Some("P1")], "2025-08-01", "reactivation_mrr")), "180");
    assert_eq!(text(in_window(&t, &[Some("P1")], "2025-05-01", "churned_mrr")), "200");
    assert_eq!(text(in_window(&t, &[Some("P2")], "2025-06-01", "new_mrr")), "60");
    assert_eq!(text(in_window(&t, &[Some("P2")], "2025-11-01", "ending_mrr")), "140"); // D 80 + E 60
    // An account that moves from one contract straight to the next is not reactivated.
    let mut ds = Dataset::default();
    let mut first = Contract::new("X", usd("10"), day("2025-01-01"));
    first.ended_on = Some(day("2025-03-01"));
    ds.contracts = vec![first, Contract::new("X", usd("20"), day("2025-02-15"))];
    let t = ds.run(&query("2025-03")).unwrap();
    assert_eq!((dec(&t, &[], "reactivation_mrr"), dec(&t, &[], "expansion_mrr")), ("0".into(), "0".into()));
    let t = ds.run(&query("2025-02")).unwrap();
    assert_eq!(dec(&t, &[], "expansion_mrr"), "20", "February: 10 + 20 = 30 against 10");
}

#[test]
fn a_month_without_any_data_makes_the_window_absent_not_a_wave_of_churn() {
    let mut ds = Dataset::default();
    for (m, mrr) in [("2025-01", "100"), ("2025-02", "100"), ("2025-04", "100")] {
        ds.subscriptions.push(SubscriptionMonth::new("A", day(&format!("{m}-01")), usd(mrr)));
    }
    // March has no row at all: Q1 and March are unknown; February is known.
    assert!(ds.run(&query("2025-Q1")).unwrap().value(0, "churned_mrr").unwrap().is_absent());
    assert!(ds.run(&query("2025-03")).unwrap().value(0, "net_new_mrr").unwrap().is_absent());
    assert_eq!(dec(&ds.run(&query("2025-02")).unwrap(), &[], "ending_mrr"), "100");
    // After the last month of data: absent. Before the first: the history starts (all new).
    assert!(ds.run(&query("2025-05")).unwrap().value(0, "ending_mrr").unwrap().is_absent());
    assert_eq!(dec(&ds.run(&query("2025-01")).unwrap(), &[], "new_mrr"), "100");
}

/// Generated accounts: ending = starting + net new in every bucket and group, and folding in
/// two halves merged (through bytes) gives the table of one fold.
#[test]
fn identity_and_split_merge_on_generated_contracts() {
    let mut cs = Vec::new();
    let mut x: u64 = 7;
    let mut next = |n: u64| {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (x >> 33) % n
    };
    for i in 0..60 {
        let start = day("2024-06-01") + chrono::Days::new(next(500));
        let mut c = Contract::new(format!("A{}", i % 35), usd(&(10 + next(90)).to_string()), start);
        if next(3) == 0 {
            c.ended_on = Some(start + chrono::Days::new(20 + next(300)));
        }
        if next(2) == 0 {
            let on = start + chrono::Days::new(1 + next(15));
            c.amendments.push(Amendment { on, mrr: (next(120)).into() });
        }
        c.partner_id = Some(format!("P{}", next(3)));
        cs.push(c);
    }
    let ds = Dataset { contracts: cs.clone(), ..Default::default() };
    ds.check().unwrap();
    let mut q = query("2025");
    q.buckets = Some(Bucket::Quarter);
    let q = q.by(Dimension::Partner);
    let whole = ds.run(&q).unwrap();
    for r in 0..whole.rows.len() {
        let v = |c: &str| whole.value(r, c).unwrap().as_decimal().unwrap();
        assert_eq!(v("starting_mrr") + v("net_new_mrr"), v("ending_mrr"), "row {r}");
    }
    let (mut a, mut b) = (Engine::new(&q, &ds.refs).unwrap(), Engine::new(&q, &ds.refs).unwrap());
    for (i, c) in cs.iter().enumerate() {
        let e = if i % 3 == 0 { &mut a } else { &mut b };
        e.push(&Record::Contract(c)).unwrap();
    }
    let mut merged = Partial::from_bytes(&a.into_partial().unwrap().to_bytes().unwrap()).unwrap();
    merged.merge(&Partial::from_bytes(&b.into_partial().unwrap().to_bytes().unwrap()).unwrap()).unwrap();
    assert_eq!(merged.finish(&ds.refs).unwrap().rows, whole.rows);
}
