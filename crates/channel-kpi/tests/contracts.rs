//! Subscription contracts: expansion into monthly MRR (end-of-month rule, amendments, end
//! dates, `known_until`), loading (canonical file, amendments cell, churn snapshot), errors,
//! grouping by plan, and split/merge of partial results.

mod common;
use channel_kpi::load::{LoadOptions, Mapping, load_dir};
use channel_kpi::*;
use common::*;

fn contract(acc: &str, mrr: &str, start: &str) -> Contract {
    Contract::new(acc, usd(mrr), day(start))
}

fn months(c: &Contract, horizon: &str) -> Vec<String> {
    c.months(day(horizon)).map(|m| format!("{} {}", m.month.format("%Y-%m"), m.mrr.amount)).collect()
}

#[test]
fn a_month_counts_the_mrr_in_force_on_its_last_day() {
    let mut c = contract("A", "100", "2025-01-31");
    c.amendments = vec![
        Amendment { on: day("2025-03-31"), mrr: "40".parse().unwrap() },
        Amendment { on: day("2025-02-01"), mrr: "70".parse().unwrap() },
    ];
    c.ended_on = Some(day("2025-05-31"));
    // Started on January's last day: counts in January. Amendments in any order. Ended on May
    // 31 (the first day without service): not running on May 31, so April is the last month.
    assert_eq!(months(&c, "2025-12-31"), ["2025-01 100", "2025-02 70", "2025-03 40", "2025-04 40"]);
    // The horizon cuts the expansion; known_until cuts it earlier.
    assert_eq!(months(&c, "2025-02-15"), ["2025-01 100", "2025-02 70"]);
    c.known_until = Some(day("2025-01-10"));
    assert_eq!(months(&c, "2025-12-31"), ["2025-01 100"]);
    // A contract of a few days inside one month never runs on a month's last day.
    let mut short = contract("B", "10", "2025-01-05");
    short.ended_on = Some(day("2025-01-20"));
    assert!(months(&short, "2025-12-31").is_empty());
    // The plan becomes the attribute `plan`; the partner is kept.
    let mut p = contract("C", "5", "2025-01-01");
    p.plan = Some("pro".into());
    p.partner_id = Some("P1".into());
    let m = p.months(day("2025-01-31")).next().unwrap();
    assert_eq!((m.attrs.get("plan").map(String::as_str), m.partner_id.as_deref()), (Some("pro"), Some("P1")));
}

#[test]
fn impossible_contracts_are_rejected_naming_the_field() {
    let mut c = contract("A", "100", "2025-02-01");
    c.ended_on = Some(day("2025-01-01"));
    let e = c.validate().unwrap_err();
    assert_eq!((e.kind(), e.location().unwrap().field.as_deref()), ("invalid", Some("ended_on")));
    let mut c = contract("A", "100", "2025-02-01");
    c.amendments = vec![Amendment { on: day("2025-01-15"), mrr: "5".parse().unwrap() }];
    assert!(c.validate().unwrap_err().to_string().contains("before the contract started"));
    c.amendments = vec![Amendment { on: day("2025-03-01"), mrr: "-5".parse().unwrap() }];
    assert!(c.validate().unwrap_err().to_string().contains("negative"));
    let on = day("2025-03-01");
    c.amendments = vec![Amendment { on, mrr: "5".parse().unwrap() }, Amendment { on, mrr: "6".parse().unwrap() }];
    assert!(c.validate().unwrap_err().to_string().contains("same day"));
    let mut ds = Dataset::default();
    assert_eq!(ds.add_contract(contract("", "1", "2025-01-01")).unwrap_err().kind(), "missing");
    assert!(ds.contracts.is_empty());
}

/// A directory holding `files`, removed when the returned guard is dropped.
fn dir_with(name: &str, files: &[(&str, &str)]) -> Scratch {
    let dir = Scratch::new(&format!("contracts-{name}"));
    for (f, text) in files {
        std::fs::write(dir.join(f), text).unwrap();
    }
    dir
}

#[test]
fn contracts_load_from_csv_with_amendments_in_one_cell() {
    let csv = "account_id,plan,mrr,currency,started_on,ended_on,amendments,segment\n\
               A,pro,100,USD,2024-11-15,,2025-02-10=150,smb\n\
               B,basic,80,USD,2024-10-01,2025-03-15,2024-12-01=90; 2025-01-01=60,ent\n";
    let (ds, _) = load_dir(dir_with("csv", &[("contracts.csv", csv)]), &Mapping::default(), &LoadOptions::default()).unwrap();
    assert_eq!(ds.contracts.len(), 2);
    assert_eq!(ds.contracts[1].amendments.len(), 2);
    assert_eq!(ds.contracts[0].attrs.get("segment").map(String::as_str), Some("smb"));
    let q = Query::new(vec![Metric::PortfolioGrowth], Period::parse("2025-02").unwrap()).by("attr:plan".parse().unwrap());
    let t = ds.run_checked(&q).unwrap();
    assert_eq!(dec(&t, &[Some("pro")], "mrr_end"), "150");
    assert_eq!(dec(&t, &[Some("basic")], "mrr_start"), "60");

    let bad = "account_id,mrr,currency,started_on,amendments\nA,100,USD,2025-01-01,2025-02-01:150\n";
    let e = load_dir(dir_with("bad", &[("contracts.csv", bad)]), &Mapping::default(), &LoadOptions::default()).unwrap_err();
    let l = e.location().unwrap();
    assert_eq!((l.line, l.field.as_deref(), l.value.as_deref()), (Some(2), Some("amendments"), Some("2025-02-01:150")), "{e}");
}

#[test]
fn a_churn_snapshot_gives_contracts_through_the_mapping() {
    let csv = "id,fee,months,left\nA,10,3,No\nB,20,1,Yes\nC,30,0,No\n";
    let mapping = Mapping::from_json_str(
        r#"{"contracts": {"file": "snap.csv",
            "columns": {"account_id": "id", "mrr": "fee", "tenure_months": "months", "churned": "left"},
            "defaults": {"currency": "USD", "snapshot_on": "2025-01-31"}}}"#,
    )
    .unwrap();
    let (ds, _) = load_dir(dir_with("snap", &[("snap.csv", csv)]), &mapping, &LoadOptions::default()).unwrap();
    let (a, b) = (&ds.contracts[0], &ds.contracts[1]);
    assert_eq!((a.started_on, a.ended_on, a.known_until), (day("2024-10-31"), None, Some(day("2025-01-31"))));
    assert_eq!((b.started_on, b.ended_on), (day("2024-12-31"), Some(day("2025-01-31"))));
    let q = Query::new(vec![Metric::AccountRetention, Metric::MrrRetention], Period::parse("2025-01").unwrap());
    let t = ds.run_checked(&q).unwrap();
    // December: A and B (C's tenure 0 starts in January); B churned in January.
    assert_close(t.value(0, "account_retention"), 0.5);
    assert_eq!(dec(&t, &[], "mrr_churned"), "20");
    assert_eq!(dec(&t, &[], "mrr_new"), "30");

    // Tenure without a snapshot date is an error naming the field.
    let m = Mapping::from_json_str(r#"{"contracts": {"file": "snap.csv", "columns": {"account_id": "id", "mrr": "fee", "tenure_months": "months"}, "defaults": {"currency": "USD"}}}"#).unwrap();
    let e = load_dir(dir_with("nosnap", &[("snap.csv", csv)]), &m, &LoadOptions::default()).unwrap_err();
    assert_eq!((e.kind(), e.location().unwrap().field.as_deref()), ("missing", Some("snapshot_on")), "{e}");
}

/// Contracts folded in two engines and merged (also through bytes) equal one fold.
#[test]
fn contract_partials_split_and_merge_exactly() {
    let mut cs = Vec::new();
    for i in 0..40 {
        let mut c = contract(&format!("A{i}"), &format!("{}", 10 + i), &format!("2024-{:02}-1{}", 1 + i % 12, i % 9));
        if i % 3 == 0 {
            c.ended_on = Some(day(&format!("2025-{:02}-05", 1 + i % 6)));
        }
        if i % 4 == 0 {
            c.amendments.push(Amendment { on: day("2024-12-20"), mrr: format!("{}", 5 + i).parse().unwrap() });
        }
        c.plan = Some(if i % 2 == 0 { "pro" } else { "basic" }.into());
        cs.push(c);
    }
    let ds = Dataset { contracts: cs.clone(), ..Default::default() };
    let q = Query::new(vec![Metric::MrrRetention, Metric::AccountRetention, Metric::PortfolioGrowth], Period::parse("2025-Q1").unwrap())
        .by("attr:plan".parse().unwrap());
    let whole = ds.run(&q).unwrap();
    let (mut a, mut b) = (Engine::new(&q, &ds.refs).unwrap(), Engine::new(&q, &ds.refs).unwrap());
    for (i, c) in cs.iter().enumerate() {
        if i % 2 == 0 { a.push(&Record::Contract(c)).unwrap() } else { b.push(&Record::Contract(c)).unwrap() }
    }
    let mut merged = Partial::from_bytes(&b.into_partial().unwrap().to_bytes().unwrap()).unwrap();
    merged.merge(&a.into_partial().unwrap()).unwrap();
    assert_eq!(merged.finish(&ds.refs).unwrap().rows, whole.rows);
}
