//! Real data: the IBM Telco customer-churn snapshot as contracts derived by the mapping alone
//! (`examples/mappings/telco_contracts.json`: snapshot date, tenure, churn flag), checked
//! against `tests/expected/telco.json` (computed independently by
//! `tests/expected/compute_telco.py`, stdlib Python).
//!
//! A customer with tenure ≥ 1 was active in December 2024 with MRR = MonthlyCharges (7,032 of
//! them; the 11 with tenure 0 are new in January); a customer with `Churn = Yes` is gone in
//! January 2025, the others keep their MRR. So over January 2025: churn rate = 1,869 ÷ 7,032,
//! GRR = NRR = Σ MRR kept ÷ Σ MRR. Without `../shared/datasets` the test prints
//! `SKIPPED: ../shared/datasets not found`.

use channel_kpi::load::{LoadOptions, Mapping, load_dir};
use channel_kpi::*;
use serde_json::Value as Json;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn telco_dir() -> Option<PathBuf> {
    let base = std::env::var_os("CHANNEL_KPI_DATASETS").map_or_else(|| root().join("../shared/datasets"), PathBuf::from);
    let d = base.join("ibm-telco-customer-churn");
    if d.is_dir() {
        Some(d)
    } else {
        eprintln!("SKIPPED: ../shared/datasets not found (looked for {})", d.display());
        None
    }
}

fn check(t: &ResultTable, key: &[Option<&str>], want: &Json, what: &str) {
    let row = *t.rows_for(key).first().unwrap_or_else(|| panic!("{what}: no row"));
    let v = |c: &str| t.value(row, c).unwrap_or_else(|| panic!("no column {c}")).clone();
    let n = want["accounts"].as_i64().unwrap();
    let churned = want["churned"].as_i64().unwrap();
    assert_eq!(v("account_retention_n"), Value::Int(n), "{what} accounts");
    assert_eq!(v("accounts_churned"), Value::Int(churned), "{what} churned");
    for c in ["account_retention", "account_retention_lo", "account_retention_hi"] {
        let (g, w) = (v(c).as_f64().unwrap(), want[c].as_f64().unwrap());
        assert!((g - w).abs() < 1e-12, "{what} {c}: got {g}, expected {w}");
    }
    // Money is exact: the sums equal the oracle's decimal sums to the cent.
    let money = |c: &str| want[c].as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap();
    assert_eq!(v("retention_mrr_start").as_decimal(), Some(money("mrr_start")), "{what} start MRR");
    assert_eq!(v("mrr_churned").as_decimal(), Some(money("mrr_churned")), "{what} churned MRR");
    assert_eq!(v("grr").to_string(), want["grr"].as_str().unwrap(), "{what} grr");
    assert_eq!(v("nrr"), v("grr"), "{what}: a snapshot has no expansion or contraction");
    assert_eq!(v("mrr_expansion").to_string(), "0");
    assert_eq!(v("mrr_contraction").to_string(), "0");
    assert_eq!(v("mrr_new").as_decimal(), Some(money("mrr_new")), "{what} new MRR (tenure 0)");
    let rate = churned as f64 / n as f64;
    assert!((rate - want["churn_rate"].as_f64().unwrap()).abs() < 1e-12, "{what} churn rate");
}

#[test]
fn telco_months_after_the_snapshot_are_unknown_not_presumed() {
    let Some(dir) = telco_dir() else { return };
    let mapping = Mapping::from_json_file(root().join("examples/mappings/telco_contracts.json")).unwrap();
    let (ds, _) = load_dir(&dir, &mapping, &LoadOptions::default()).unwrap();
    let q = Query::new(vec![Metric::AccountRetention], Period::parse("2025-02").unwrap());
    assert!(ds.run(&q).unwrap().value(0, "account_retention").unwrap().is_absent());
}

#[test]
fn telco_account_and_revenue_retention_match_the_oracle() {
    let Some(dir) = telco_dir() else { return };
    let mapping = Mapping::from_json_file(root().join("examples/mappings/telco_contracts.json")).unwrap();
    let (ds, _) = load_dir(&dir, &mapping, &LoadOptions::default()).unwrap();
    assert_eq!((ds.contracts.len(), ds.subscriptions.len()), (7043, 0));
    let want: Json = serde_json::from_str(&std::fs::read_to_string(root().join("tests/expected/telco.json")).unwrap()).unwrap();
    let q = Query::new(vec![Metric::AccountRetention, Metric::MrrRetention, Metric::PortfolioGrowth], Period::parse("2025-01").unwrap());
    let t = ds.run(&q).unwrap();
    check(&t, &[], &want["all"], "all");
    assert_eq!(t.value(0, "accounts_end"), Some(&Value::Int(7043 - 1869)), "the 11 new customers are active in January");
    let t = ds.run(&q.by("attr:plan".parse().unwrap())).unwrap();
    for (contract, w) in want["by_contract"].as_object().unwrap() {
        check(&t, &[Some(contract)], w, contract);
    }
}
