//! Hand-checked values for the deal-outcome KPIs (catalog section 1).

mod common;
use channel_kpi::*;
use common::*;

#[test]
fn article_example_average_deal_size_is_300() {
    // Two deals won in the last 15 days, $200 and $400 → $300.
    let as_of = day("2025-06-30");
    let mut deals = vec![
        closed("A", Some("p1"), DealStatus::Won, "2025-05-01", "2025-06-20", "200"),
        closed("B", Some("p1"), DealStatus::Won, "2025-05-01", "2025-06-29", "400"),
    ];
    // Won 16 days before as_of: outside the window.
    deals.push(closed("C", Some("p1"), DealStatus::Won, "2025-05-01", "2025-06-15", "10000"));
    let data = dataset(deals);
    let q = Query::new(vec![Metric::AvgDealSize, Metric::DealCount], Period::last_days(15, as_of).unwrap());
    let t = data.run(&q).unwrap();
    assert_eq!(t.rows.len(), 1);
    assert_eq!(t.value(0, "avg_deal_size"), Some(&Value::Decimal("300".parse().unwrap())));
    assert_eq!(t.value(0, "won_count"), Some(&Value::Int(2)));
    assert_eq!(t.currency.unwrap().as_str(), "USD");
}

#[test]
fn no_data_is_absent_not_zero() {
    let data = dataset(vec![open("A", None, "2025-01-05", "100")]);
    let q =
        Query::new(vec![Metric::AvgDealSize, Metric::CloseRate, Metric::SalesCycleDays, Metric::DealCount], Period::parse("2025").unwrap());
    let t = data.run(&q).unwrap();
    assert_eq!(t.value(0, "avg_deal_size"), Some(&Value::Absent));
    assert_eq!(t.value(0, "close_rate"), Some(&Value::Absent));
    assert_eq!(t.value(0, "close_rate_lo"), Some(&Value::Absent));
    assert_eq!(t.value(0, "sales_cycle_days"), Some(&Value::Absent));
    assert_eq!(t.value(0, "created_count"), Some(&Value::Int(1)));
    // A query over an empty dataset has no rows at all.
    assert!(Dataset::default().run(&q).unwrap().rows.is_empty());
}

#[test]
fn close_rate_counts_closed_in_period_only() {
    let data = dataset(vec![
        closed("1", Some("a"), DealStatus::Won, "2024-12-01", "2025-01-10", "100"),
        closed("2", Some("a"), DealStatus::Lost, "2025-01-01", "2025-02-10", "0"),
        closed("3", Some("a"), DealStatus::Won, "2025-01-01", "2025-03-31", "300"),
        closed("4", Some("a"), DealStatus::Won, "2025-01-01", "2025-04-01", "999"), // next quarter
        open("5", Some("a"), "2025-01-01", "50"),
        closed("6", Some("b"), DealStatus::Lost, "2025-01-01", "2025-01-02", "0"),
    ]);
    let q = Query::new(vec![Metric::CloseRate], Period::parse("2025-Q1").unwrap()).by(Dimension::Partner);
    let t = data.run(&q).unwrap();
    assert!((f(&t, &[Some("a")], "close_rate").unwrap() - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!(f(&t, &[Some("a")], "close_rate_n"), Some(3.0));
    assert_eq!(f(&t, &[Some("b")], "close_rate"), Some(0.0));
    let (lo, hi) = (f(&t, &[Some("a")], "close_rate_lo").unwrap(), f(&t, &[Some("a")], "close_rate_hi").unwrap());
    assert!((lo - 0.2076596).abs() < 1e-6 && (hi - 0.9385081).abs() < 1e-6, "{lo} {hi}");
}

#[test]
fn cycle_days_mean_and_median() {
    let data = dataset(vec![
        closed("1", None, DealStatus::Won, "2025-01-01", "2025-01-11", "1"), // 10
        closed("2", None, DealStatus::Won, "2025-01-01", "2025-01-21", "1"), // 20
        closed("3", None, DealStatus::Won, "2025-01-01", "2025-03-02", "1"), // 60
        closed("4", None, DealStatus::Lost, "2025-01-01", "2025-03-02", "1"), // lost: ignored
    ]);
    let t = data.run(&Query::new(vec![Metric::SalesCycleDays], Period::parse("2025").unwrap())).unwrap();
    assert_eq!(t.value(0, "sales_cycle_days").unwrap().as_f64(), Some(30.0));
    assert_eq!(t.value(0, "sales_cycle_days_median").unwrap().as_f64(), Some(20.0));
}

#[test]
fn velocity_is_open_times_rate_times_size_over_cycle() {
    // 2 won (100 + 300, cycles 10 + 30 days), 2 lost, 3 open at the end of the period.
    // rate 0.5 × avg 200 × 3 open ÷ 20 days = 15 per day.
    let data = dataset(vec![
        closed("1", None, DealStatus::Won, "2025-01-01", "2025-01-11", "100"),
        closed("2", None, DealStatus::Won, "2025-01-01", "2025-01-31", "300"),
        closed("3", None, DealStatus::Lost, "2025-01-01", "2025-01-31", "0"),
        closed("4", None, DealStatus::Lost, "2025-01-01", "2025-01-31", "0"),
        open("5", None, "2025-01-01", "1"),
        open("6", None, "2025-01-01", "1"),
        closed("7", None, DealStatus::Won, "2025-01-01", "2025-02-15", "1"), // open at 2025-02-01
    ]);
    let t = data.run(&Query::new(vec![Metric::SalesVelocity], Period::parse("2025-01").unwrap())).unwrap();
    assert_eq!(t.value(0, "open_deals_at_end"), Some(&Value::Int(3)));
    assert_eq!(t.value(0, "sales_velocity").unwrap().to_string(), "15");
}

#[test]
fn median_upsell_and_new_revenue() {
    let mut d1 = closed("1", None, DealStatus::Won, "2025-01-01", "2025-01-11", "100");
    d1.kind = DealKind::Upsell;
    let d2 = closed("2", None, DealStatus::Won, "2025-01-01", "2025-01-11", "200");
    let d3 = closed("3", None, DealStatus::Won, "2025-01-01", "2025-01-11", "700");
    let mut d4 = closed("4", None, DealStatus::Won, "2025-01-01", "2025-01-11", "1000");
    d4.kind = DealKind::Renewal;
    let data = dataset(vec![d1, d2, d3, d4]);
    let q = Query::new(vec![Metric::MedianDealSize, Metric::UpsellRate, Metric::NewNetRevenue], Period::parse("2025").unwrap());
    let t = data.run(&q).unwrap();
    assert_eq!(t.value(0, "median_deal_size").unwrap().to_string(), "450");
    assert_eq!(t.value(0, "upsell_rate").unwrap().as_f64(), Some(0.25));
    assert_eq!(t.value(0, "upsell_revenue_share").unwrap().as_f64(), Some(0.05));
    assert_eq!(t.value(0, "new_net_revenue").unwrap().to_string(), "900");
    assert_eq!(t.value(0, "new_deals_won"), Some(&Value::Int(2)));
}

#[test]
fn mixed_currencies_are_an_error_unless_converted() {
    let mut eur = closed("2", None, DealStatus::Won, "2025-01-01", "2025-01-11", "100");
    eur.amount = Some("100 EUR".parse().unwrap());
    let mut data = dataset(vec![closed("1", None, DealStatus::Won, "2025-01-01", "2025-01-11", "100"), eur]);
    let q = Query::new(vec![Metric::WonRevenue], Period::parse("2025").unwrap());
    let e = data.run(&q).unwrap_err();
    assert!(matches!(e, Error::Currency { .. }), "{e}");
    assert!(e.to_string().contains("deal 2"), "{e}");
    let usd = Currency::new("USD").unwrap();
    data.refs.fx.insert(Currency::new("EUR").unwrap(), usd, day("2025-01-01"), "1.10".parse().unwrap()).unwrap();
    let t = data.run(&q.clone().currency(usd)).unwrap();
    assert_eq!(t.value(0, "won_revenue").unwrap().to_string(), "210");
}

/// An amount counts only where its deal does: a lost deal's amount at more decimal places does
/// not change the scale of the won revenue or the pipeline, and a lost or still-open deal in
/// another currency needs no rate for the won revenue (the fold reads every deal's amount and
/// keeps it by a mask where it counts; only a counted amount is converted).
#[test]
fn amounts_count_only_where_their_deal_does() {
    let deals = vec![
        closed("1", None, DealStatus::Lost, "2025-01-01", "2025-01-05", "7.125"),
        closed("2", None, DealStatus::Won, "2025-01-02", "2025-01-12", "100.50"),
        open("3", None, "2025-01-03", "3.1"),
        closed("4", None, DealStatus::Won, "2025-02-01", "2025-02-11", "0.25"),
    ];
    let q = Query::new(vec![Metric::WonRevenue, Metric::Pipeline, Metric::AvgDealSize], Period::parse("2025").unwrap());
    let t = dataset(deals.clone()).run(&q).unwrap();
    let exact = |c: &str| match t.value(0, c) {
        Some(Value::Decimal(d)) => (d.to_string(), d.scale()),
        v => panic!("{c}: {v:?}"),
    };
    // the decimal places of the amounts counted (2), not the lost deal's 3
    assert_eq!(exact("won_revenue"), ("100.75".to_string(), 2));
    assert_eq!(exact("pipeline_value"), ("3.10".to_string(), 2));
    assert_eq!(t.value(0, "avg_deal_size").unwrap().to_string(), "50.375");
    // the lost deal in EUR, with no EUR rate: the won revenue in USD needs none
    let mut eur = deals;
    eur[0].amount = Some("7.125 EUR".parse().unwrap());
    let usd = Currency::new("USD").unwrap();
    let won = Query::new(vec![Metric::WonRevenue], Period::parse("2025").unwrap()).currency(usd);
    let t = dataset(eur.clone()).run(&won).unwrap();
    assert_eq!(t.value(0, "won_revenue").unwrap().to_string(), "100.75");
    // counted, it needs one: the same deal won
    eur[0].status = DealStatus::Won;
    let e = dataset(eur).run(&won).unwrap_err();
    assert!(e.to_string().contains("EUR"), "{e}");
}

#[test]
fn counts_and_durations_accept_mixed_currencies() {
    // Issue 15: a close rate needs no exchange rates; only KPIs that add amounts do.
    let mut eur = closed("2", None, DealStatus::Lost, "2025-01-01", "2025-01-21", "100");
    eur.amount = Some("100 EUR".parse().unwrap());
    let data = dataset(vec![closed("1", None, DealStatus::Won, "2025-01-01", "2025-01-11", "100"), eur]);
    let counts = vec![Metric::CloseRate, Metric::DealCount, Metric::SalesCycleDays, Metric::TimeToClose];
    let t = data.run(&Query::new(counts.clone(), Period::parse("2025").unwrap())).unwrap();
    assert_eq!(t.value(0, "close_rate").unwrap().as_f64(), Some(0.5));
    assert_eq!(t.value(0, "sales_cycle_days").unwrap().as_f64(), Some(10.0));
    // One metric that adds amounts makes the whole query need one currency.
    let mut with_money = counts;
    with_money.push(Metric::AvgDealSize);
    let e = data.run(&Query::new(with_money, Period::parse("2025").unwrap())).unwrap_err();
    assert!(matches!(e, Error::Currency { .. }), "{e}");
    // The same through partial results folded in parts and merged.
    let q = Query::new(vec![Metric::CloseRate], Period::parse("2025").unwrap());
    let mut p = data.refs.partial(&q).unwrap();
    p.merge(&data.partial_part(&q, &Part::id("deals:0")).unwrap()).unwrap();
    assert_eq!(p.finish(&data.refs).unwrap(), data.run(&q).unwrap());
}

#[test]
fn quality_score_ranks_partners_and_reports_previous() {
    let data = dataset(vec![
        closed("1", Some("a"), DealStatus::Won, "2025-01-01", "2025-02-01", "1000"),
        closed("2", Some("a"), DealStatus::Won, "2025-01-01", "2025-02-01", "1000"),
        closed("3", Some("b"), DealStatus::Won, "2025-01-01", "2025-02-01", "500"),
        closed("4", Some("c"), DealStatus::Lost, "2025-01-01", "2025-02-01", "0"),
        closed("5", Some("c"), DealStatus::Won, "2024-01-01", "2024-12-01", "9000"),
        closed("6", Some("a"), DealStatus::Won, "2024-01-01", "2024-12-01", "10"),
        // A direct deal (no partner): reported, never ranked among partners.
        closed("7", None, DealStatus::Won, "2025-01-01", "2025-02-01", "99999"),
    ]);
    let q = Query::new(vec![Metric::QualityScore], Period::parse("2025").unwrap()).by(Dimension::Partner);
    let t = data.run(&q).unwrap();
    assert_eq!(f(&t, &[Some("a")], "quality_score"), Some(100.0));
    assert_eq!(f(&t, &[Some("b")], "quality_score"), Some(50.0));
    assert_eq!(f(&t, &[Some("c")], "quality_score"), Some(0.0));
    assert_eq!(f(&t, &[Some("a")], "quality_rank"), Some(1.0));
    assert_eq!(f(&t, &[Some("c")], "quality_rank"), Some(3.0));
    // 2024: peers a and c (both won once; c more revenue) → a 25, c 75; b had no 2024 data.
    assert_eq!(f(&t, &[Some("a")], "quality_score_prev"), Some(25.0));
    assert_eq!(f(&t, &[Some("c")], "quality_score_prev"), Some(75.0));
    assert_eq!(f(&t, &[Some("c")], "quality_score_change"), Some(-75.0));
    assert_eq!(t.get(&[Some("b")], "quality_score_prev"), Some(&Value::Absent));
    assert_eq!(t.get(&[None], "quality_score"), Some(&Value::Absent));
    assert_eq!(t.get(&[None], "quality_rank"), Some(&Value::Absent));
    assert_eq!(dec(&t, &[None], "quality_revenue_won"), "99999");
}

#[test]
fn lead_conversion_is_a_cohort_measure() {
    let mut data = dataset(vec![closed("D1", None, DealStatus::Won, "2025-02-01", "2025-05-01", "10")]);
    let mut l1 = Lead::new("L1", day("2025-01-15"));
    l1.deal_id = Some("D1".into());
    let l2 = Lead::new("L2", day("2025-01-20"));
    let l3 = Lead::new("L3", day("2025-02-20"));
    data.leads = vec![l1, l2, l3].into();
    data.validate().unwrap();
    let q = Query::new(vec![Metric::LeadConversionRate], Period::parse("2025-01").unwrap()).as_of(day("2025-12-31"));
    let t = data.run(&q).unwrap();
    assert_eq!(t.value(0, "lead_conversion_rate").unwrap().as_f64(), Some(0.5));
    // As of April the lead had not converted yet.
    let t = data.run(&q.clone().as_of(day("2025-04-30"))).unwrap();
    assert_eq!(t.value(0, "lead_conversion_rate").unwrap().as_f64(), Some(0.0));
}
