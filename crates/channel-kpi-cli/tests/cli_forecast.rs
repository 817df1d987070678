//! `channel-kpi forecast`: the forecast of the period and its backtest, on the bundled sample
//! and on the Maven export (skipped, saying so, without ../shared/datasets).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_channel-kpi")).args(args).output().expect("run channel-kpi")
}

fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "exit {:?}, stderr: {}", o.status, String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The one data row of a CSV output, as (column, value) pairs.
fn row(text: &str) -> Vec<(String, String)> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let values: Vec<&str> = lines.next().unwrap().split(',').collect();
    header.iter().zip(values).map(|(h, v)| (h.to_string(), v.to_string())).collect()
}

fn num(r: &[(String, String)], col: &str) -> f64 {
    r.iter().find(|(h, _)| h == col).unwrap_or_else(|| panic!("no column {col}")).1.parse().unwrap()
}

#[test]
fn forecast_view_prints_learned_and_static_backtests_on_the_sample() {
    let table = stdout(&bin(&["forecast", "--columns", "backtest_learned_count_wape,backtest_static_count_wape"]));
    assert!(table.contains("backtest_learned_count_wape") && table.contains("0.4486") && table.contains("0.6562"), "{table}");
    let r = row(&stdout(&bin(&["forecast", "--format", "csv"])));
    assert_eq!(num(&r, "forecast_open"), 360.0);
    assert_eq!(num(&r, "backtest_periods"), 4.0);
    for c in ["backtest_learned_count_coverage", "backtest_static_count_coverage", "forecast_static_count_lo"] {
        num(&r, c);
    }
    // Options reach the KPI; a cyclic horizon is refused with exit 2.
    let r = row(&stdout(&bin(&["forecast", "--metrics", "forecast_backtest", "--option", "forecast_horizon=month", "--format", "csv"])));
    assert_eq!(num(&r, "backtest_periods"), 12.0);
    let bad = bin(&["forecast", "--option", "forecast_horizon=month_of_year"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("forecast_horizon"));
    // The catalog lists the family.
    let list = stdout(&bin(&["metrics", "--format", "csv"]));
    for id in ["stage_win_rate,forecast", "forecast,forecast", "forecast_backtest,forecast"] {
        assert!(list.contains(id), "{id} missing from {list}");
    }
}

#[test]
fn forecast_on_the_maven_export() {
    let maven = root().join("../shared/datasets/maven-crm-sales-opportunities");
    if !maven.is_dir() {
        eprintln!("SKIPPED: ../shared/datasets not found");
        return;
    }
    let pipeline = root().join("examples/mappings/maven/pipeline.csv");
    let mapping = root().join("examples/mappings/maven_forecast.json");
    let args = [maven.to_str().unwrap(), pipeline.to_str().unwrap(), "--mapping", mapping.to_str().unwrap(), "--period", "2017"];
    let r = row(&stdout(&bin(&[&["forecast"], &args[..], &["--format", "csv"]].concat())));
    assert_eq!(num(&r, "backtest_periods"), 3.0);
    assert_eq!(num(&r, "backtest_won"), 1785.0);
    assert!(num(&r, "backtest_learned_count_wape") < num(&r, "backtest_static_count_wape"));
}
