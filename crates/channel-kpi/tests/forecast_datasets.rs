//! The forecast on the Maven CRM export and on the bundled sample: the pipeline, the actuals
//! and the static forecast against values computed here straight from the raw CSV, and the
//! backtest's error and coverage for learned vs static probabilities (printed: run with
//! `--nocapture` to see them; docs/forecast.md records them).
//!
//! Without `../shared/datasets` the Maven test prints `SKIPPED: ../shared/datasets not found`
//! and returns (`CHANNEL_KPI_DATASETS` points elsewhere).

use channel_kpi::load::{LoadOptions, Mapping, load_dir, load_paths};
use channel_kpi::*;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn backtest(data: &Dataset, period: &str) -> ResultTable {
    show(data.run(&Query::new(vec![Metric::ForecastBacktest], Period::parse(period).unwrap())).unwrap(), period)
}

fn show(t: ResultTable, label: &str) -> ResultTable {
    let v = |c: &str| t.value(0, c).and_then(Value::as_f64).unwrap_or(f64::NAN);
    println!("{label}: {} periods, {} won", v("backtest_periods"), v("backtest_won"));
    for m in ["learned", "static"] {
        println!(
            "  {m:8} wins MAE {:.1} bias {:+.1} WAPE {:.3} coverage {:.2}; value WAPE {:.3} coverage {:.2}",
            v(&format!("backtest_{m}_count_mae")),
            v(&format!("backtest_{m}_count_bias")),
            v(&format!("backtest_{m}_count_wape")),
            v(&format!("backtest_{m}_count_coverage")),
            v(&format!("backtest_{m}_value_wape")),
            v(&format!("backtest_{m}_value_coverage")),
        );
    }
    t
}

/// The backtest per group: the share of (group, period) pairs whose actual wins fall inside
/// the interval, pooled over the groups (weighted by their periods), per method; printed.
fn grouped(data: &Dataset, period: &str, by: Dimension) -> [f64; 2] {
    let t = data.run(&Query::new(vec![Metric::ForecastBacktest], Period::parse(period).unwrap()).by(by.clone())).unwrap();
    let mut out = [0.0; 2];
    for (i, m) in ["learned", "static"].into_iter().enumerate() {
        let (mut covered, mut periods, mut err, mut won) = (0.0, 0.0, 0.0, 0.0);
        for r in 0..t.rows.len() {
            let v = |c: &str| t.value(r, c).and_then(Value::as_f64);
            let (Some(n), Some(c), Some(mae)) =
                (v("backtest_periods"), v(&format!("backtest_{m}_count_coverage")), v(&format!("backtest_{m}_count_mae")))
            else {
                continue;
            };
            (covered, periods, err, won) = (covered + c * n, periods + n, err + mae * n, won + v("backtest_won").unwrap_or(0.0));
        }
        out[i] = covered / periods;
        println!("  by {by}, {m:8}: wins WAPE {:.3}, coverage {:.2} of {periods} group-periods", err / won, out[i]);
    }
    out
}

fn wape(t: &ResultTable, m: &str) -> f64 {
    t.value(0, &format!("backtest_{m}_count_wape")).and_then(Value::as_f64).unwrap()
}

#[test]
fn maven_forecast_matches_the_raw_export_and_learned_beats_static() {
    let d = std::env::var_os("CHANNEL_KPI_DATASETS").map_or_else(|| root().join("../shared/datasets"), PathBuf::from);
    let dir = d.join("maven-crm-sales-opportunities");
    if !dir.is_dir() {
        eprintln!("SKIPPED: ../shared/datasets not found (looked in {})", d.display());
        return;
    }
    let mapping = Mapping::from_json_file(root().join("examples/mappings/maven_forecast.json")).unwrap();
    let paths = [dir.clone(), root().join("examples/mappings/maven/pipeline.csv")];
    let (data, report) = load_paths(&paths, &mapping, &LoadOptions::default()).unwrap();
    assert!(report.is_clean(), "{report}");

    // Independently, from the CSV: the pipeline on 2017-07-01 = engage_date < 07-01 and no
    // close date or one on or after 07-01 (all in Engaging then); its wins in Q3.
    let text = std::fs::read_to_string(dir.join("sales_pipeline.csv")).unwrap();
    let (mut open, mut won, mut won_value) = (0u64, 0u64, 0i64);
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.trim_end_matches('\r').split(',').collect();
        let (stage, engage, close, value) = (f[4], f[5], f[6], f[7]);
        if engage.is_empty() || engage >= "2017-07-01" || (!close.is_empty() && close < "2017-07-01") {
            continue;
        }
        open += 1;
        if stage == "Won" && close < "2017-10-01" {
            won += 1;
            won_value += value.parse::<i64>().unwrap();
        }
    }
    let t = data.run(&Query::new(vec![Metric::Forecast], Period::parse("2017-Q3").unwrap())).unwrap();
    let v = |c: &str| t.value(0, c).and_then(Value::as_f64);
    assert_eq!(v("forecast_open"), Some(open as f64));
    assert_eq!(v("forecast_unstaged"), Some(0.0));
    assert_eq!((v("forecast_won"), v("forecast_won_value")), (Some(won as f64), Some(won_value as f64)));
    let static_count = v("forecast_static_count").unwrap();
    assert!((static_count - 0.6 * open as f64).abs() < 1e-6, "{static_count} vs 0.6 × {open}");
    let (lo, hi) = (v("forecast_static_count_lo").unwrap(), v("forecast_static_count_hi").unwrap());
    assert!(lo < static_count && static_count < hi);

    let b = backtest(&data, "2017");
    assert_eq!(b.value(0, "backtest_periods"), Some(&Value::Int(3)), "Q1 2017 has no history before it");
    assert!(wape(&b, "learned") < wape(&b, "static"), "learned {} vs static {}", wape(&b, "learned"), wape(&b, "static"));
    grouped(&data, "2017", Dimension::Owner);
}

#[test]
fn sample_backtest_learned_vs_static() {
    let (data, _) = load_dir(root().join("examples/data"), &Mapping::default(), &LoadOptions::default()).unwrap();
    let b = backtest(&data, "2025");
    assert_eq!(b.value(0, "backtest_periods"), Some(&Value::Int(4)));
    // The actuals are the pipeline's wins: each quarter's, summed, equals the backtest's.
    let mut q = Query::new(vec![Metric::Forecast], Period::parse("2025").unwrap()).buckets(Bucket::Quarter);
    q.as_of = Some("2025-12-31".parse().unwrap());
    let t = data.run(&q).unwrap();
    let sum: f64 = (0..4).map(|r| t.value(r, "forecast_won").and_then(Value::as_f64).unwrap()).sum();
    assert_eq!(b.value(0, "backtest_won").and_then(Value::as_f64), Some(sum));
    assert!(wape(&b, "learned") < wape(&b, "static"));
    grouped(&data, "2025", Dimension::Partner);
    // Monthly, learned and static apart by an order of magnitude.
    let mut q = Query::new(vec![Metric::ForecastBacktest], Period::parse("2025").unwrap());
    q.options.forecast_horizon = Bucket::Month;
    let m = show(data.run(&q).unwrap(), "2025 by month");
    assert_eq!(m.value(0, "backtest_periods"), Some(&Value::Int(12)));
    assert!(wape(&m, "learned") * 5.0 < wape(&m, "static"));
}
