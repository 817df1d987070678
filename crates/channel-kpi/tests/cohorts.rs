//! `cohorts`: the long table (cohort × age) of the hand-checked year
//! (tests/golden/cohorts_year_with_reactivation.json has every row), grouped and bucketed; how
//! far ages run (`as_of`, months without data); queried alone; split and merged exactly.

mod common;
use channel_kpi::*;
use common::*;

fn year() -> Dataset {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/golden/cohorts_year_with_reactivation.json");
    let case: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    Dataset::from_json(&case["dataset"].to_string()).unwrap()
}

fn query(period: &str) -> Query {
    Query::new(vec![Metric::Cohorts], Period::parse(period).unwrap())
}

/// (cohort, age, active accounts, active MRR) of every row.
fn cells(t: &ResultTable) -> Vec<(String, i64, i64, String)> {
    (0..t.rows.len())
        .map(|r| {
            let v = |c: &str| t.value(r, c).unwrap().clone();
            let Value::Int(age) = v("age") else { panic!() };
            let Value::Int(n) = v("active_accounts") else { panic!() };
            (v("cohort").to_string(), age, n, v("active_mrr").to_string())
        })
        .collect()
}

#[test]
fn cohorts_by_partner_and_by_quarter_bucket() {
    let t = year().run(&query("2025").by(Dimension::Partner)).unwrap();
    assert_eq!(t.columns.iter().filter(|c| c.role == ColumnRole::RowKey).map(|c| c.name.as_str()).collect::<Vec<_>>(), ["cohort", "age"]);
    // P1 holds A and B (cohort January); P2 holds C (March), D (2024: not shown) and E (June).
    let p1: Vec<_> = t.rows_for(&[Some("P1")]);
    assert_eq!(p1.len(), 12);
    assert_eq!(t.select(&["cohort_size"]).unwrap().rows.len(), 12 + 10 + 7, "P1: January; P2: March and June");
    let c = cells(&t);
    assert_eq!(c[4], ("2025-01-01".into(), 4, 1, "150".into()), "May: B gone");
    assert_eq!(c[7], ("2025-01-01".into(), 7, 2, "330".into()), "August: B reactivated");
    // Quarter buckets: a window holds the cohorts that started in it; ages run to as_of.
    let mut q = query("2025");
    q.buckets = Some(Bucket::Quarter);
    let t = year().run(&q).unwrap();
    let starts: Vec<String> = (0..t.rows.len()).map(|r| t.value(r, "period_start").unwrap().to_string()).collect();
    assert_eq!(starts.iter().filter(|s| *s == "2025-01-01").count(), 22, "Q1: cohorts January (12 ages) and March (10)");
    assert_eq!(starts.iter().filter(|s| *s == "2025-04-01").count(), 7, "Q2: June (7 ages)");
}

#[test]
fn ages_run_to_as_of_and_stop_before_a_month_without_data() {
    let mut q = query("2025-Q1");
    let t = year().run(&q).unwrap();
    assert_eq!(t.rows.len(), 3 + 1, "as_of March 31: January ages 0-2, March age 0");
    q.as_of = Some(day("2025-12-31"));
    assert_eq!(year().run(&q).unwrap().rows.len(), 22);
    // Subscription months with a gap in April: ages stop at March.
    let mut ds = Dataset::default();
    for m in ["2025-01", "2025-02", "2025-03", "2025-05"] {
        ds.subscriptions.push(SubscriptionMonth::new("A", day(&format!("{m}-01")), usd("10")));
    }
    let t = ds.run(&query("2025")).unwrap();
    assert_eq!(cells(&t).last().unwrap().1, 2, "ages 0-2 (January to March) only");
}

#[test]
fn cohorts_are_queried_alone_and_without_comparison() {
    let ds = year();
    let two = Query::new(vec![Metric::Cohorts, Metric::MrrMovements], Period::parse("2025").unwrap());
    assert!(ds.run(&two).unwrap_err().to_string().contains("query it alone"));
    let cmp = query("2025").compare(Compare::PreviousPeriod);
    assert_eq!(ds.run(&cmp).unwrap_err().kind(), "query");
}

#[test]
fn cohort_partials_split_and_merge_exactly() {
    let ds = year();
    let q = query("2025").by(Dimension::Partner).rollup();
    let whole = ds.run(&q).unwrap();
    let (mut a, mut b) = (Engine::new(&q, &ds.refs).unwrap(), Engine::new(&q, &ds.refs).unwrap());
    for (i, c) in ds.contracts.iter().enumerate() {
        let e = if i % 2 == 0 { &mut a } else { &mut b };
        e.push(&Record::Contract(c)).unwrap();
    }
    let mut merged = Partial::from_bytes(&b.into_partial().unwrap().to_bytes().unwrap()).unwrap();
    merged.merge(&Partial::from_json(&a.into_partial().unwrap().to_json().unwrap()).unwrap()).unwrap();
    assert_eq!(merged.finish(&ds.refs).unwrap(), whole);
    // The total rows of the roll-up equal the ungrouped table.
    let total: Vec<_> = (0..whole.rows.len()).filter(|r| whole.value(*r, "rollup_level") == Some(&Value::Int(0))).collect();
    assert_eq!(total.len(), ds.run(&query("2025")).unwrap().rows.len());
}
