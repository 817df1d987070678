//! `options.cohort_by`: accounts by a date column (of subscription rows or contracts), partners
//! by their first deal or first win; wrong choices named; partials split and merged exactly.
//! The hand-checked tables are the golden vectors tests/golden/cohorts_by_signup_date.json and
//! partner_cohorts_by_first_win.json (run from Rust, Python and C).

mod common;
use channel_kpi::*;
use common::*;

fn golden(name: &str) -> (Dataset, Query) {
    let path = format!("{}/../../tests/golden/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let case: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    (Dataset::from_json(&case["dataset"].to_string()).unwrap(), Query::from_json(&case["query"].to_string()).unwrap())
}

fn with(mut q: Query, by: &str) -> Query {
    q.options.cohort_by = by.parse().unwrap();
    q
}

/// (cohort, age, size) of every row.
fn cells(t: &ResultTable) -> Vec<(String, String, String)> {
    (0..t.rows.len()).map(|r| ["cohort", "age", "cohort_size"].map(|c| t.value(r, c).unwrap().to_string()).into()).collect()
}

#[test]
fn accounts_by_a_date_column_of_their_contracts() {
    // Contracts carry their attributes into the months they expand to: A signed up in
    // December 2024 but starts in January (an older cohort than the window's), B signs up and
    // starts in February; C has no signup date.
    let usd = |a: &str| -> Money { format!("{a} USD").parse().unwrap() };
    let mut ds = Dataset::default();
    for (acc, signed, start) in
        [("A", Some("2024-12-20"), "2025-01-01"), ("B", Some("2025-02-10 00:00:00"), "2025-02-01"), ("C", None, "2025-01-01")]
    {
        let mut c = Contract::new(acc, usd("10"), day(start));
        if let Some(s) = signed {
            c.attrs.insert("signed_up_on".into(), s.into());
        }
        ds.contracts.push(c);
    }
    ds.validate().unwrap();
    let q = Query::new(vec![Metric::Cohorts], Period::parse("2025-Q1").unwrap());
    let by_first_mrr = cells(&ds.run(&q).unwrap());
    assert_eq!(
        by_first_mrr.iter().filter(|c| c.1 == "0").map(|c| (c.0.as_str(), c.2.as_str())).collect::<Vec<_>>(),
        [("2025-01-01", "2"), ("2025-02-01", "1")]
    );
    let t = ds.run(&with(q.clone(), "attr:signed_up_on")).unwrap();
    assert_eq!(cells(&t), [("2025-02-01".into(), "0".into(), "1".into()), ("2025-02-01".into(), "1".into(), "1".into())], "only B");
    // The whole of 2024-12..2025-03: A is December's cohort, inactive until January.
    let mut wide = with(Query::new(vec![Metric::Cohorts], Period::parse("2024-12-01..2025-04-01").unwrap()), "attr:signed_up_on");
    wide.as_of = Some(day("2025-03-31"));
    let t = ds.run(&wide).unwrap();
    assert_eq!(t.value(0, "cohort").unwrap().to_string(), "2024-12-01");
    assert_eq!(t.value(0, "active_accounts"), Some(&Value::Int(0)));
    assert_eq!(t.value(0, "cohort_mrr").unwrap().to_string(), "10", "what A started paying with, in January");
    // A value that is not a date names the account, the column and the value.
    ds.contracts[2].attrs.insert("signed_up_on".into(), "soon".into());
    let e = ds.run(&with(q.clone(), "attr:signed_up_on")).unwrap_err().to_string();
    assert!(e.contains("subscription C") && e.contains("signed_up_on") && e.contains("soon"), "{e}");
    // Each KPI takes its own choices.
    let e = ds.run(&with(q, "first_won")).unwrap_err().to_string();
    assert!(e.contains("cohort_by first_won is for partner_cohorts"), "{e}");
    let (ds, q) = golden("partner_cohorts_by_first_win");
    let e = ds.run(&with(q, "attr:signed_up_on")).unwrap_err().to_string();
    assert!(e.contains("partner_cohorts: cohort_by attr:signed_up_on is for cohorts"), "{e}");
    assert!("joined".parse::<CohortBy>().unwrap_err().to_string().contains("expected default, attr:<date column>"));
}

#[test]
fn partners_by_first_deal_and_by_join_quarter() {
    let (ds, q) = golden("partner_cohorts_by_first_win");
    // First deals: P1 2024-08-01, P2 2024-10-01 (older cohorts), P3 2025-02-05 → Q1 {P3}: no
    // revenue in Q1 (retention absent), still a member at the end of Q1, gone by the end of Q2.
    let t = ds.run(&with(q.clone(), "first_deal")).unwrap();
    assert_eq!(cells(&t), [("2025-01-01".into(), "0".into(), "1".into()), ("2025-01-01".into(), "1".into(), "1".into())]);
    assert_eq!((t.value(0, "active_partners"), t.value(1, "active_partners")), (Some(&Value::Int(1)), Some(&Value::Int(0))));
    assert_eq!(t.value(1, "revenue").unwrap().to_string(), "200");
    assert!(t.value(1, "revenue_retention").unwrap().is_absent());
    // The default: by join quarter, Q1 {P2, P3}.
    let t = ds.run(&with(q, "default")).unwrap();
    assert_eq!(cells(&t)[0], ("2025-01-01".into(), "0".into(), "2".into()));
}

#[test]
fn cohort_by_partials_split_and_merge_exactly() {
    let cases = [
        ("cohorts_by_signup_date", "attr:signed_up_on"),
        ("cohorts_by_signup_date", "default"),
        ("partner_cohorts_by_first_win", "first_won"),
        ("partner_cohorts_by_first_win", "first_deal"),
    ];
    for (name, by) in cases {
        let (ds, q) = golden(name);
        for q in [with(q.clone(), by), with(q.clone(), by).by(Dimension::Partner).rollup()] {
            let whole = ds.run(&q).unwrap();
            assert!(!whole.rows.is_empty(), "{name} {by}");
            for cut in 0..=ds.deals.len().max(ds.subscriptions.len()) {
                let (mut a, mut b) = (ds.clone(), ds.clone());
                b.deals = a.deals.split_off(cut.min(a.deals.len()));
                b.subscriptions = a.subscriptions.split_off(cut.min(a.subscriptions.len()));
                let mut pa = a.partial(&q).unwrap();
                pa.merge(&Partial::from_bytes(&b.partial(&q).unwrap().to_bytes().unwrap()).unwrap()).unwrap();
                assert_eq!(pa.finish(&ds.refs).unwrap(), whole, "{name} {by} split at {cut}");
            }
        }
    }
}

#[test]
fn a_cohort_after_the_last_month_with_data_has_no_rows() {
    // Rows in January (A) and March (B), none in February: ages stop at January, so March's
    // cohort has no known age (was: a panic computing what it started paying with).
    let usd = |a: &str| -> Money { format!("{a} USD").parse().unwrap() };
    let mut ds = Dataset::default();
    let mut a = SubscriptionMonth::new("A", day("2025-01-01"), usd("10"));
    a.attrs.insert("signed_up_on".into(), "2025-01-05".into());
    let mut b = SubscriptionMonth::new("B", day("2025-03-01"), usd("20"));
    b.attrs.insert("signed_up_on".into(), "2025-03-02".into());
    ds.subscriptions = vec![a, b].into();
    let q = Query::new(vec![Metric::Cohorts], Period::parse("2025-Q1").unwrap());
    for q in [q.clone(), with(q, "attr:signed_up_on")] {
        assert_eq!(cells(&ds.run(&q).unwrap()), [("2025-01-01".into(), "0".into(), "1".into())]);
    }
}
