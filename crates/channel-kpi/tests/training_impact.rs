//! Hand-checked `training_impact`: before/after, difference-in-differences, bootstrap.

mod common;
use channel_kpi::*;
use common::*;

/// `won` won and `lost` lost deals of `partner`, closed on `on` (created 30 days earlier), 100 each.
fn deals(out: &mut Vec<Deal>, partner: &str, on: &str, won: usize, lost: usize) {
    let created = (day(on) - chrono::Days::new(30)).to_string();
    for i in 0..won + lost {
        let st = if i < won { DealStatus::Won } else { DealStatus::Lost };
        out.push(closed(&format!("{partner}-{on}-{i}"), Some(partner), st, &created, on, "100"));
    }
}

/// W = 90 days. P1 completes on 2025-04-01: before = [01-01, 04-01), after = [04-01, 06-30).
/// P2 completes on 2025-07-01: before = [04-02, 07-01), after = [07-01, 09-29).
/// P3 and P4 never trained (the controls).
fn data() -> Dataset {
    let mut d = Vec::new();
    deals(&mut d, "P1", "2025-02-15", 1, 3); // P1 before: 1 of 4 = 0.25
    deals(&mut d, "P1", "2025-05-15", 3, 1); // P1 after: 3 of 4 = 0.75 → change +0.5
    deals(&mut d, "P2", "2025-05-15", 1, 1); // P2 before: 1 of 2 = 0.5
    deals(&mut d, "P2", "2025-08-15", 2, 0); // P2 after: 2 of 2 = 1 → change +0.5
    deals(&mut d, "P3", "2025-02-15", 1, 1); // controls in P1's before window: 2 of 4 = 0.5
    deals(&mut d, "P4", "2025-02-15", 1, 1);
    deals(&mut d, "P3", "2025-05-15", 2, 0); // controls in P1's after = P2's before: 2 of 4 = 0.5
    deals(&mut d, "P4", "2025-05-15", 0, 2);
    deals(&mut d, "P3", "2025-08-15", 1, 1); // controls in P2's after window: 1 of 4 = 0.25
    deals(&mut d, "P4", "2025-08-15", 0, 2);
    let mut ds = Dataset { deals: d.into(), ..Default::default() };
    for (p, c, on) in [("P1", "SALES-101", "2025-04-01"), ("P2", "SALES-101", "2025-07-01")] {
        let mut a = CourseAttendance::new(p, c, day("2025-03-01"));
        a.completed_on = Some(day(on));
        ds.courses.push(a);
    }
    ds.courses.push(CourseAttendance::new("P3", "SALES-101", day("2025-03-01"))); // attended, never completed: untrained
    ds.validate().unwrap();
    ds
}

fn query() -> Query {
    Query::new(vec![Metric::TrainingImpact], Period::parse("2025").unwrap())
}

#[test]
fn close_rate_before_after_and_difference_in_differences() {
    // P1: change +0.5; controls 0.5 → 0.5: control change 0 → DiD +0.5.
    // P2: change +0.5; controls 0.5 → 0.25: control change −0.25 → DiD +0.75.
    // Cohort: before (0.25 + 0.5) ÷ 2 = 0.375, after (0.75 + 1) ÷ 2 = 0.875, change 0.5,
    // control change −0.125, DiD 0.625. Bootstrap of {0.5, 0.75}: resample means 0.5 (¼),
    // 0.625 (½), 0.75 (¼) → the 2.5 % and 97.5 % percentiles are 0.5 and 0.75.
    let t = data().run(&query()).unwrap();
    let v = |c: &str| t.value(0, c).and_then(|v| v.as_f64());
    assert_eq!(t.value(0, "training_partners"), Some(&Value::Int(2)));
    assert_eq!(t.value(0, "training_n"), Some(&Value::Int(2)));
    assert_eq!(v("training_before"), Some(0.375));
    assert_eq!(v("training_after"), Some(0.875));
    assert_eq!(v("training_change"), Some(0.5));
    assert_eq!(v("training_control_change"), Some(-0.125));
    assert_eq!(v("training_did"), Some(0.625));
    assert_eq!(v("training_did_ci_low"), Some(0.5));
    assert_eq!(v("training_did_ci_high"), Some(0.75));
    // Same seed, same interval; the result does not depend on the record order either.
    let mut rev = data();
    rev.deals = rev.deals.iter().rev().collect();
    assert_eq!(rev.run(&query()).unwrap(), t);
}

#[test]
fn per_partner_rows_use_all_untrained_partners_as_controls() {
    let t = data().run(&query().by(Dimension::Partner)).unwrap();
    let v = |p: &str, c: &str| t.get(&[Some(p)], c).and_then(|v| v.as_f64());
    assert_eq!(v("P1", "training_did"), Some(0.5));
    assert_eq!(v("P2", "training_did"), Some(0.75));
    assert_eq!(v("P2", "training_control_change"), Some(-0.25));
    // One partner: no interval. An untrained partner has no estimate.
    assert_eq!(t.get(&[Some("P1")], "training_did_ci_low"), Some(&Value::Absent));
    assert_eq!(t.get(&[Some("P3")], "training_partners"), Some(&Value::Int(0)));
    assert_eq!(t.get(&[Some("P3")], "training_did"), Some(&Value::Absent));
}

#[test]
fn too_little_data_is_absent() {
    // At least 3 closed deals per window: P2's before window has 2 → P2 has no change.
    let mut q = query();
    q.options.training_min_deals = 3;
    let t = data().run(&q).unwrap();
    assert_eq!(t.value(0, "training_partners"), Some(&Value::Int(2)));
    assert_eq!(t.value(0, "training_n"), Some(&Value::Int(1)));
    assert_eq!(t.value(0, "training_did").and_then(|v| v.as_f64()), Some(0.5));
    assert_eq!(t.value(0, "training_did_ci_low"), Some(&Value::Absent));
    // A period with no completion: nothing to estimate.
    let t = data().run(&Query::new(vec![Metric::TrainingImpact], Period::parse("2025-Q1").unwrap())).unwrap();
    assert_eq!(t.value(0, "training_partners"), Some(&Value::Int(0)));
    assert_eq!(t.value(0, "training_change"), Some(&Value::Absent));
}

#[test]
fn revenue_metric_and_split_merge() {
    // Revenue (100 per won deal), controls per partner (÷ 2: P3, P4): P1 100 → 300 (+200),
    // controls 200/2 → 200/2 (0): DiD 200. P2 100 → 200 (+100), controls 200/2 → 100/2 (−50):
    // DiD 150. Mean change 150, DiD 175; bootstrap of {200, 150} → (150, 200).
    let mut q = query();
    q.options.training_metric = "revenue".parse().unwrap();
    let ds = data();
    let t = ds.run(&q).unwrap();
    assert_eq!(t.value(0, "training_change").and_then(|v| v.as_f64()), Some(150.0));
    assert_eq!(t.value(0, "training_control_change").and_then(|v| v.as_f64()), Some(-25.0));
    assert_eq!(t.value(0, "training_did").and_then(|v| v.as_f64()), Some(175.0));
    assert_eq!(t.value(0, "training_did_ci_low").and_then(|v| v.as_f64()), Some(150.0));
    assert_eq!(t.value(0, "training_did_ci_high").and_then(|v| v.as_f64()), Some(200.0));
    // Split the records in two, fold each half apart, merge through JSON: same table.
    let (mut a, mut b) = (ds.clone(), ds.clone());
    b.deals = a.deals.split_off(9);
    a.courses.truncate(1);
    b.courses.drain(..1);
    let mut pa = a.partial(&q).unwrap();
    let pb: Partial = serde_json::from_str(&serde_json::to_string(&b.partial(&q).unwrap()).unwrap()).unwrap();
    pa.merge(&pb).unwrap();
    assert_eq!(pa.finish(&ds.refs).unwrap(), t);
    // time_to_close: every deal took 30 days → change 0.
    q.options.training_metric = TrainingMetric::TimeToClose;
    assert_eq!(ds.run(&q).unwrap().value(0, "training_change").and_then(|v| v.as_f64()), Some(0.0));
    assert!("lunch".parse::<TrainingMetric>().is_err());
}

use proptest::prelude::*;

prop_compose! {
    /// A deal of partner p0–p5 (or none), created over 2024–2025, open, won or lost; its amount
    /// at 0–3 decimal places (sums of mixed scales), absent on some deals that are not won.
    fn any_deal()(partner in proptest::option::weighted(0.9, 0u8..6), created in 0u64..700, cycle in 0u64..200, status in 0u8..3,
                  cents in proptest::option::weighted(0.9, 0i64..5_000_000), scale in 0u32..4) -> Deal {
        let created_on = day("2024-01-01") + chrono::Days::new(created);
        let status = [DealStatus::Open, DealStatus::Won, DealStatus::Lost][status as usize];
        let mut d = Deal::new(format!("D{created}-{cycle}-{cents:?}"), created_on, status);
        d.partner_id = partner.map(|p| format!("p{p}"));
        d.owner_id = Some(format!("e{}", cycle % 3));
        if status != DealStatus::Open {
            d.closed_on = Some(created_on + chrono::Days::new(cycle));
        }
        d.amount = cents.or((status == DealStatus::Won).then_some(100)).map(|c| Money::new(rust_decimal::Decimal::new(c, scale), Currency::new("EUR").unwrap()));
        d
    }
}

prop_compose! {
    /// Completions of p0–p3 (p4, p5 never train), some only attended.
    fn any_course()(partner in 0u8..4, on in 0u64..700, done in proptest::option::weighted(0.8, 0u64..60)) -> CourseAttendance {
        let mut c = CourseAttendance::new(format!("p{partner}"), "C1", day("2024-01-01") + chrono::Days::new(on));
        c.completed_on = done.map(|d| day("2024-01-01") + chrono::Days::new(on + d));
        c
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// `Dataset::run` folds deals from the columns (`Engine::push_deals`: deals summed per
    /// partner and closing day, then folded into the state) — the same partial states, to the
    /// decimal scale of the revenue sums, and the same table as every record folded on its own
    /// by `training_impact`'s `observe` (`Engine::push`), for any grouping, buckets, window and
    /// metric.
    #[test]
    fn columnar_fold_equals_each_deal_observed(deals in proptest::collection::vec(any_deal(), 0..150),
                                               courses in proptest::collection::vec(any_course(), 0..12),
                                               by in 0u8..3, buckets in 0u8..3, window in 1u32..200, metric in 0u8..3, rollup in any::<bool>()) {
        let mut ds = Dataset { courses, ..Default::default() };
        let mut seen = std::collections::HashSet::new();
        ds.deals = deals.into_iter().filter(|d| seen.insert(d.id.clone())).collect::<Vec<_>>().into();
        ds.validate().unwrap();
        let mut q = Query::new(vec![Metric::TrainingImpact, Metric::CloseRate], Period::parse("2025").unwrap());
        q.options.training_window_days = window;
        q.options.training_metric = ["close_rate", "revenue", "time_to_close"][metric as usize].parse().unwrap();
        q = match by { 1 => q.by(Dimension::Partner), 2 => q.by(Dimension::Owner), _ => q };
        q = match buckets { 1 => q.buckets(Bucket::Quarter), 2 => q.buckets(Bucket::Month).compare(Compare::PreviousPeriod), _ => q };
        if rollup {
            q = q.rollup();
        }
        let mut e = Engine::new(&q, &ds.refs).unwrap();
        for d in ds.deals.iter() {
            e.push(&Record::Deal(&d)).unwrap();
        }
        for c in &ds.courses {
            e.push(&Record::Course(c)).unwrap();
        }
        let one_by_one = e.into_partial().unwrap();
        let columnar = ds.partial(&q).unwrap();
        prop_assert_eq!(serde_json::to_string(&columnar).unwrap(), serde_json::to_string(&one_by_one).unwrap());
        prop_assert_eq!(ds.run(&q).unwrap(), one_by_one.finish(&ds.refs).unwrap());
    }
}
