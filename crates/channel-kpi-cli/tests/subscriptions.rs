//! `channel-kpi subscriptions` on IBM's Telco churn snapshot with `--mapping` alone
//! (examples/mappings/telco_contracts.json derives contracts from tenure and the churn flag):
//! churn rate and gross MRR retention per contract type equal `tests/expected/telco.json`
//! (computed independently by `tests/expected/compute_telco.py`, stdlib Python). Skipped, with a
//! message, without `../shared/datasets`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn telco_churn_and_grr_by_contract_type_from_the_mapping_alone() {
    let telco = root().join("../shared/datasets/ibm-telco-customer-churn");
    if !telco.is_dir() {
        eprintln!("SKIPPED: {} not found", telco.display());
        return;
    }
    let mapping = root().join("examples/mappings/telco_contracts.json");
    let out = Command::new(env!("CARGO_BIN_EXE_channel-kpi"))
        .args(["subscriptions", telco.to_str().unwrap(), "--mapping", mapping.to_str().unwrap()])
        .args(["--by", "attr:plan", "--period", "2025-01", "--format", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines().map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>());
    let header = lines.next().unwrap();
    let col = |row: &[String], c: &str| row[header.iter().position(|h| h == c).unwrap_or_else(|| panic!("no column {c}"))].clone();
    let want: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("tests/expected/telco.json")).unwrap()).unwrap();
    let rows: Vec<Vec<String>> = lines.collect();
    assert_eq!(rows.len(), 3, "{text}");
    for row in &rows {
        let w = &want["by_contract"][col(row, "plan").as_str()];
        let (n, churned): (f64, f64) = (col(row, "account_retention_n").parse().unwrap(), col(row, "accounts_churned").parse().unwrap());
        assert_eq!(n, w["accounts"].as_f64().unwrap());
        assert!((churned / n - w["churn_rate"].as_f64().unwrap()).abs() < 1e-12, "{row:?}");
        // mrr_movements says the same: January's churn events ÷ December's customers.
        let logo: f64 = col(row, "logo_churn_rate").parse().unwrap();
        assert!((logo - w["churn_rate"].as_f64().unwrap()).abs() < 1e-12, "{row:?}");
        assert_eq!(col(row, "churned_mrr"), col(row, "mrr_churned"));
        let num = |t: &str| t.parse::<f64>().unwrap();
        assert_eq!(num(&col(row, "new_mrr")), num(w["mrr_new"].as_str().unwrap()), "tenure-0 customers are new in January");
        assert_eq!(col(row, "grr"), w["grr"].as_str().unwrap(), "{row:?}");
        assert_eq!(col(row, "mrr_churned"), w["mrr_churned"].as_str().unwrap().trim_end_matches('0').trim_end_matches('.'));
    }
}
