//! Hand-checked forecast family: `stage_win_rate`, `forecast`, `forecast_backtest`, and the
//! estimators under them (shrinkage, Poisson-binomial, Monte Carlo).

mod common;
use channel_kpi::kpi::forecast::{count_interval, poisson_binomial, shrunk_rate, value_interval};
use channel_kpi::*;
use common::*;

fn pipeline() -> PipelineDef {
    let st = |n: &str, p: &str| StageDef { name: n.into(), probability: p.parse().unwrap(), qualified: false, outcome: None };
    PipelineDef::new(vec![st("Demo", "0.5"), st("Proposal", "0.8"), st("Won", "1"), st("Lost", "0")]).unwrap()
}

/// `history`: (stage, date) pairs.
fn staged(mut d: Deal, history: &[(&str, &str)]) -> Deal {
    d.stage_history = history.iter().map(|(s, on)| StageEntry { stage: s.to_string(), entered_on: day(on) }).collect();
    d
}

/// Training (open on 2025-01-01, outcome in Q1): P1 Demo won, P1 Demo lost, P2 Proposal won,
/// P2 Demo lost. Pipeline on 2025-04-01: A (P1, Demo, 100, won 05-10), B (P1, Proposal, 200,
/// still open), C (P2, Demo, 300, lost 06-01), D (P2, no stage: unstaged).
fn data() -> Dataset {
    let p1 = Some("P1");
    let p2 = Some("P2");
    let deals = vec![
        staged(closed("T1", p1, DealStatus::Won, "2024-12-01", "2025-02-10", "10"), &[("Demo", "2024-12-01")]),
        staged(closed("T2", p1, DealStatus::Lost, "2024-12-01", "2025-02-20", "10"), &[("Demo", "2024-12-01")]),
        staged(closed("T4", p2, DealStatus::Won, "2024-11-01", "2025-03-01", "10"), &[("Demo", "2024-11-01"), ("Proposal", "2024-12-15")]),
        staged(closed("T5", p2, DealStatus::Lost, "2024-12-01", "2025-03-15", "10"), &[("Demo", "2024-12-01")]),
        staged(closed("A", p1, DealStatus::Won, "2025-03-01", "2025-05-10", "100"), &[("Demo", "2025-03-01")]),
        staged(open("B", p1, "2025-02-01", "200"), &[("Demo", "2025-02-01"), ("Proposal", "2025-03-20")]),
        staged(closed("C", p2, DealStatus::Lost, "2025-03-10", "2025-06-01", "300"), &[("Demo", "2025-03-10")]),
        open("D", p2, "2025-03-01", "50"),
    ];
    let mut ds = Dataset { deals: deals.into(), ..Default::default() };
    ds.refs.pipeline = pipeline();
    ds.validate().unwrap();
    ds
}

fn query(metric: Metric, period: &str) -> Query {
    let mut q = Query::new(vec![metric], Period::parse(period).unwrap());
    q.options.forecast_lookback = 1;
    q.options.forecast_prior = 2.0;
    q
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

#[test]
fn estimators_by_hand() {
    // (1 + 2·⅓) ÷ (2 + 2) = 5/12
    assert!(close(shrunk_rate(1, 2, 1.0 / 3.0, 2.0), 5.0 / 12.0));
    assert_eq!(shrunk_rate(0, 0, 0.0, 0.0), None);
    // 1 + Binomial(2, ⅓): P(1) = 4/9, P(2) = 4/9, P(3) = 1/9.
    let pmf = poisson_binomial(&[1.0 / 3.0, 1.0, 1.0 / 3.0]);
    for (k, p) in [0.0, 4.0 / 9.0, 4.0 / 9.0, 1.0 / 9.0].iter().enumerate() {
        assert!((pmf[k] - p).abs() < 1e-12, "P({k}) = {}", pmf[k]);
    }
    assert_eq!(count_interval(&pmf, 0.95), (1, 3));
    // 0.5, 0.8, 0.5: P(0) = .05, P(1) = .3, P(2) = .45, P(3) = .2.
    let pmf = poisson_binomial(&[0.5, 0.8, 0.5]);
    for (k, p) in [0.05, 0.3, 0.45, 0.2].iter().enumerate() {
        assert!((pmf[k] - p).abs() < 1e-12, "P({k}) = {}", pmf[k]);
    }
    assert_eq!(count_interval(&pmf, 0.95), (0, 3));
    assert_eq!(count_interval(&pmf, 0.5), (1, 2)); // quartiles: cdf .05 .35 .8
    // Monte Carlo: same seed, same interval; the totals are sums of subsets of the amounts.
    let a = value_interval(&[0.5, 0.8, 0.5], &[100.0, 200.0, 300.0], 4000, 7, 0.95).unwrap();
    assert_eq!(a, value_interval(&[0.5, 0.8, 0.5], &[100.0, 200.0, 300.0], 4000, 7, 0.95).unwrap());
    assert_eq!(a, (0.0, 600.0)); // P(nothing won) = 5 % > 2.5 %; P(all won) = 20 %
    let b = value_interval(&[0.5, 0.8, 0.5], &[100.0, 200.0, 300.0], 4000, 7, 0.5).unwrap();
    assert_eq!(b, (200.0, 500.0)); // totals 0 .05, 100 .05, 200 .2, 300 .25, 400 .05, 500 .2, 600 .2
}

#[test]
fn forecast_by_hand() {
    // Ungrouped: Demo 1 of 3 won in the training quarter, Proposal 1 of 1; shrunk toward
    // itself. A ⅓ + B 1 + C ⅓ = 5/3 wins; value 100/3 + 200 + 300/3 = 333.33.
    let ds = data();
    let t = ds.run(&query(Metric::Forecast, "2025-Q2")).unwrap();
    let v = |c: &str| t.value(0, c).and_then(Value::as_f64);
    assert_eq!((v("forecast_open"), v("forecast_valued"), v("forecast_unstaged")), (Some(3.0), Some(3.0), Some(1.0)));
    assert_eq!((v("forecast_won"), v("forecast_won_value")), (Some(1.0), Some(100.0)));
    assert!(close(v("forecast_learned_count"), 5.0 / 3.0));
    assert_eq!((v("forecast_learned_count_lo"), v("forecast_learned_count_hi")), (Some(1.0), Some(3.0)));
    assert_eq!(v("forecast_learned_value"), Some(333.33));
    assert!(close(v("forecast_static_count"), 1.8));
    assert_eq!((v("forecast_static_count_lo"), v("forecast_static_count_hi")), (Some(0.0), Some(3.0)));
    assert_eq!(v("forecast_static_value"), Some(360.0));
    // By partner, k = 2: P1 Demo (1 + 2·⅓) ÷ 4 = 5/12, Proposal no own data → pooled 1;
    // P2 Demo (0 + 2·⅓) ÷ 3 = 2/9.
    let t = ds.run(&query(Metric::Forecast, "2025-Q2").by(Dimension::Partner)).unwrap();
    assert!(close(f(&t, &[Some("P1")], "forecast_learned_count"), 5.0 / 12.0 + 1.0));
    assert!(close(f(&t, &[Some("P2")], "forecast_learned_count"), 2.0 / 9.0));
    assert_eq!(f(&t, &[Some("P2")], "forecast_unstaged"), Some(1.0));
    assert_eq!(f(&t, &[Some("P1")], "forecast_won"), Some(1.0));
    // Not over yet (as_of inside the quarter): no actuals.
    let mut q = query(Metric::Forecast, "2025-Q2");
    q.as_of = Some(day("2025-05-01"));
    let t = ds.run(&q).unwrap();
    assert!(t.value(0, "forecast_won").unwrap().is_absent());
    assert!(close(t.value(0, "forecast_learned_count").and_then(Value::as_f64), 5.0 / 3.0));
}

#[test]
fn stale_deals_are_learned_apart() {
    // T6 (P1, Demo since 2024-06-01) is 214 days old on 2025-01-01 and lost in Q1; E (P1,
    // Demo since 2024-10-01) is 182 days old on 2025-04-01: both stale (> 90 days). E's
    // learned probability is the stale Demo rate, 0 of 1, so the learned count stays 5/3;
    // its static 0.5 raises the static count to 2.3.
    let mut ds = data();
    ds.deals.push(staged(closed("T6", Some("P1"), DealStatus::Lost, "2024-06-01", "2025-01-15", "10"), &[("Demo", "2024-06-01")]));
    ds.deals.push(staged(open("E", Some("P1"), "2024-10-01", "40"), &[("Demo", "2024-10-01")]));
    ds.validate().unwrap();
    let t = ds.run(&query(Metric::Forecast, "2025-Q2")).unwrap();
    assert!(close(t.value(0, "forecast_learned_count").and_then(Value::as_f64), 5.0 / 3.0));
    assert!(close(t.value(0, "forecast_static_count").and_then(Value::as_f64), 2.3));
}

#[test]
fn stage_win_rate_by_hand() {
    // Closed in H1 2025: T1 (won), T2, T5, C (lost) through Demo; T4 (won) through Demo and
    // Proposal; A (won) through Demo. Demo: 3 of 6; Proposal: 1 of 1.
    let ds = data();
    let mut q = query(Metric::StageWinRate, "2025-01-01..2025-07-01");
    let t = ds.run(&q).unwrap();
    let v = |t: &ResultTable, c: &str| t.value(0, c).and_then(Value::as_f64);
    assert_eq!((v(&t, "win_demo_raw"), v(&t, "win_demo_n"), v(&t, "win_demo")), (Some(0.5), Some(6.0), Some(0.5)));
    let (lo, hi) = stats::wilson(3, 6, 0.95).unwrap();
    assert_eq!((v(&t, "win_demo_lo"), v(&t, "win_demo_hi")), (Some(lo), Some(hi)));
    assert_eq!((v(&t, "win_proposal_raw"), v(&t, "win_demo_static")), (Some(1.0), Some(0.5)));
    // By partner: P1 Demo 2 of 3 (T1, A won; T2 lost) → (2 + 2·½) ÷ 5 = 0.6; P2 Demo 1 of 3
    // → (1 + 1) ÷ 5 = 0.4.
    q = q.by(Dimension::Partner);
    let t = ds.run(&q).unwrap();
    assert!(close(f(&t, &[Some("P1")], "win_demo"), 0.6));
    assert!(close(f(&t, &[Some("P2")], "win_demo"), 0.4));
    assert!(close(f(&t, &[Some("P1")], "win_demo_raw"), 2.0 / 3.0));
    assert_eq!(f(&t, &[Some("P1")], "win_proposal"), Some(1.0)); // no own data: the pooled 1 of 1
    assert_eq!(f(&t, &[Some("P1")], "win_proposal_raw"), None);
    // A rate of counts: amounts in several currencies need no exchange rates (the forecast,
    // which adds amounts, does).
    let mut mixed = ds.clone();
    let mut v = mixed.deals.to_vec();
    v[0].amount = Some("10 EUR".parse().unwrap());
    mixed.deals = v.into();
    assert_eq!(mixed.run(&q).unwrap(), t);
    assert!(mixed.run(&query(Metric::Forecast, "2025-Q2")).is_err());
}

#[test]
fn backtest_by_hand() {
    // Q1: no history before it → no learned forecast → not counted. Q2: learned 5/3 vs 1 won
    // (error ⅔, inside [1, 3]); static 1.8 (error 0.8, inside [0, 3]).
    let ds = data();
    let t = ds.run(&query(Metric::ForecastBacktest, "2025-01-01..2025-07-01")).unwrap();
    let v = |c: &str| t.value(0, c).and_then(Value::as_f64);
    assert_eq!((v("backtest_periods"), v("backtest_won"), v("backtest_won_value")), (Some(1.0), Some(1.0), Some(100.0)));
    assert!(close(v("backtest_learned_count_mae"), 2.0 / 3.0) && close(v("backtest_learned_count_bias"), 2.0 / 3.0));
    assert!(close(v("backtest_learned_count_wape"), 2.0 / 3.0));
    assert_eq!(v("backtest_learned_count_coverage"), Some(1.0));
    assert!(close(v("backtest_static_count_mae"), 0.8) && close(v("backtest_static_count_bias"), 0.8));
    assert_eq!(v("backtest_static_value_mae"), Some(260.0));
    // The backtest's Q2 is the forecast of Q2.
    let f2 = ds.run(&query(Metric::Forecast, "2025-Q2")).unwrap();
    assert!(close(v("backtest_learned_value_mae"), f2.value(0, "forecast_learned_value").and_then(Value::as_f64).unwrap() - 100.0));
    // Cyclic buckets are refused.
    let q = query(Metric::Forecast, "2025").buckets(Bucket::MonthOfYear);
    assert!(ds.run(&q).unwrap_err().to_string().contains("forecast needs periods"));
}

#[test]
fn partials_merge_to_the_same_forecast() {
    // Every split of the deals, folded apart and merged through JSON: the same tables.
    let ds = data();
    for m in [Metric::Forecast, Metric::ForecastBacktest, Metric::StageWinRate] {
        let q = query(m, "2025-01-01..2025-07-01").by(Dimension::Partner).rollup();
        let whole = ds.run(&q).unwrap();
        for cut in 1..ds.deals.len() {
            let (mut a, mut b) = (ds.clone(), ds.clone());
            b.deals = a.deals.split_off(cut);
            let mut pa = a.partial(&q).unwrap();
            let pb: Partial = serde_json::from_str(&serde_json::to_string(&b.partial(&q).unwrap()).unwrap()).unwrap();
            pa.merge(&pb).unwrap();
            assert_eq!(pa.finish(&ds.refs).unwrap(), whole, "{m} split at {cut}");
        }
    }
    // The same deal in the pipeline of both parts is refused.
    use channel_kpi::engine::Merge;
    use channel_kpi::kpi::forecast::{OpenDeal, OpenDeals};
    let one = OpenDeals([("A".to_string(), OpenDeal::default())].into_iter().collect());
    let mut two = one.clone();
    assert!(two.merge(&one).unwrap_err().to_string().contains("deal A"));
}

#[test]
fn a_running_period_is_not_learned_from() {
    // The forecast of Q3 asked on 2025-06-15: Q2 is not over, so the training quarter is Q1
    // (as for the Q2 forecast), where the one Proposal deal was won: B (open on 07-01, in
    // Proposal) gets 1. Learning from the running Q2 would have given B 0 of 1.
    let mut q = query(Metric::Forecast, "2025-Q3");
    q.as_of = Some(day("2025-06-15"));
    let t = data().run(&q).unwrap();
    assert_eq!(t.value(0, "forecast_open").and_then(Value::as_f64), Some(1.0));
    assert_eq!(t.value(0, "forecast_learned_count").and_then(Value::as_f64), Some(1.0));
    assert!(t.value(0, "forecast_won").unwrap().is_absent());
}

/// Training: `n` deals open in Demo on 2025-01-01, half won in Q1; pipeline on 2025-04-01: four
/// deals in Demo (100 each). Static probability 0.5 = the learned rate: only the uncertainty
/// of the learned one differs.
fn shared_rate(n: usize) -> Dataset {
    let mut deals: Vec<Deal> = (0..n)
        .map(|i| {
            let status = if i % 2 == 0 { DealStatus::Won } else { DealStatus::Lost };
            staged(closed(&format!("T{i}"), None, status, "2024-12-01", "2025-02-10", "10"), &[("Demo", "2024-12-01")])
        })
        .collect();
    deals.extend(["A", "B", "C", "D"].map(|id| staged(open(id, None, "2025-03-01", "100"), &[("Demo", "2025-03-01")])));
    let mut ds = Dataset { deals: deals.into(), ..Default::default() };
    ds.refs.pipeline = pipeline();
    ds.validate().unwrap();
    ds
}

#[test]
fn learned_intervals_carry_the_rate_uncertainty() {
    let mut q = query(Metric::Forecast, "2025-Q2");
    (q.options.forecast_prior, q.options.confidence) = (0.0, 0.8);
    let iv = |t: &ResultTable, m: &str, x: &str| {
        let v = |c: String| t.value(0, &c).and_then(Value::as_f64).unwrap();
        (v(format!("forecast_{m}_{x}_lo")), v(format!("forecast_{m}_{x}_hi")))
    };
    // 2 of 4: Beta(2, 2); beta-binomial(4; 2, 2) = 5, 8, 9, 8, 5 / 35 → [0, 4] at 80 %, where
    // the binomial(4, ½) of the static rate gives [1, 3] (tests/golden has the arithmetic).
    let t = shared_rate(4).run(&q).unwrap();
    assert_eq!(t.value(0, "forecast_learned_count").and_then(Value::as_f64), Some(2.0));
    assert_eq!((iv(&t, "learned", "count"), iv(&t, "static", "count")), ((0.0, 4.0), (1.0, 3.0)));
    let (lv, sv) = (iv(&t, "learned", "value"), iv(&t, "static", "value"));
    assert_eq!(sv, (100.0, 300.0));
    assert!(lv.0 <= sv.0 && lv.1 >= sv.1 && lv != sv, "learned {lv:?} vs static {sv:?}");
    assert_eq!(shared_rate(4).run(&q).unwrap(), t, "seeded: the same table again");
    // 200 of 400: the posterior is tight, the learned interval is the static one again.
    let t = shared_rate(400).run(&q).unwrap();
    assert_eq!((iv(&t, "learned", "count"), iv(&t, "learned", "value")), ((1.0, 3.0), (100.0, 300.0)));
}
