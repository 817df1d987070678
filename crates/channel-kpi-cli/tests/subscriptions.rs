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

/// `channel-kpi cohorts` on the bundled sample: January 2025's cohort size and its accounts
/// still active in June, against plain arithmetic over examples/data/subscriptions.csv.
#[test]
fn cohorts_view_on_the_sample_matches_the_csv() {
    let out = Command::new(env!("CARGO_BIN_EXE_channel-kpi"))
        .args(["cohorts", "--period", "2025-01", "--as-of", "2025-06-30", "--format", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines().map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>());
    let header = lines.next().unwrap();
    let rows: Vec<Vec<String>> = lines.collect();
    let col = |row: &[String], c: &str| row[header.iter().position(|h| h == c).unwrap()].clone();
    assert_eq!(rows.len(), 6, "ages 0-5 (January to June)\n{text}");
    // Independently: accounts whose first month with MRR > 0 is 2025-01, and those of them with
    // MRR > 0 in 2025-06 (several rows of one account and month add up).
    let csv = std::fs::read_to_string(root().join("examples/data/subscriptions.csv")).unwrap();
    let mut mrr: std::collections::BTreeMap<(String, String), f64> = Default::default();
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        *mrr.entry((f[0].to_string(), f[1].to_string())).or_default() += f[2].parse::<f64>().unwrap();
    }
    let mut first: std::collections::BTreeMap<&str, &str> = Default::default();
    for ((a, m), v) in &mrr {
        if *v > 0.0 {
            let e = first.entry(a.as_str()).or_insert(m.as_str());
            *e = (*e).min(m.as_str());
        }
    }
    let cohort: Vec<&str> = first.iter().filter(|(_, m)| **m == "2025-01").map(|(a, _)| *a).collect();
    let june = cohort.iter().filter(|a| mrr.get(&(a.to_string(), "2025-06".to_string())).is_some_and(|v| *v > 0.0)).count();
    assert_eq!(col(&rows[0], "cohort_size"), cohort.len().to_string());
    assert_eq!(col(&rows[5], "active_accounts"), june.to_string());
    assert_eq!(col(&rows[5], "age"), "5");
}

/// `channel-kpi cohorts --metrics partner_cohorts --option cohort_by=first_won` on the bundled
/// sample: the partners whose first won deal (ever) closed in 2025 — two, both in Q2 — and
/// what they won in that quarter, against plain arithmetic over examples/data/deals.csv; a
/// choice of the other cohort KPI is refused, naming it.
#[test]
fn partner_cohorts_by_first_win_on_the_sample_match_the_csv() {
    let run = |by: &str| {
        Command::new(env!("CARGO_BIN_EXE_channel-kpi"))
            .args([
                "cohorts",
                "--metrics",
                "partner_cohorts",
                "--period",
                "2025",
                "--as-of",
                "2025-12-31",
                "--option",
                by,
                "--format",
                "csv",
            ])
            .output()
            .unwrap()
    };
    let out = run("cohort_by=first_won");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines().map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>());
    let header = lines.next().unwrap();
    let rows: Vec<Vec<String>> = lines.collect();
    let col = |row: &[String], c: &str| row[header.iter().position(|h| h == c).unwrap()].clone();
    let csv = std::fs::read_to_string(root().join("examples/data/deals.csv")).unwrap();
    let deals: Vec<Vec<&str>> = csv.lines().skip(1).map(|l| l.split(',').collect()).collect();
    // (partner, closed_on, amount) of every won deal with a partner and a close date
    let won: Vec<(&str, &str, f64)> = deals
        .iter()
        .filter(|f| f[11] == "won" && !f[1].is_empty() && !f[10].is_empty())
        .map(|f| (f[1], f[10], f[12].parse().unwrap()))
        .collect();
    let mut first: std::collections::BTreeMap<&str, &str> = Default::default();
    for (p, closed, _) in &won {
        let e = first.entry(p).or_insert(closed);
        *e = (*e).min(closed);
    }
    let cohort: Vec<&str> = first.iter().filter(|(_, d)| d.starts_with("2025")).map(|(p, _)| *p).collect();
    assert!(first.iter().filter(|(_, d)| d.starts_with("2025")).all(|(_, d)| ("2025-04-01".."2025-07-01").contains(d)), "all in Q2");
    let q2: f64 = won.iter().filter(|(p, c, _)| cohort.contains(p) && ("2025-04-01".."2025-07-01").contains(c)).map(|w| w.2).sum();
    assert_eq!(rows.len(), 3, "cohort 2025-Q2 at ages 0-2 (through Q4)\n{text}");
    assert_eq!((col(&rows[0], "cohort"), col(&rows[0], "cohort_size")), ("2025-04-01".to_string(), cohort.len().to_string()));
    assert!((col(&rows[0], "cohort_revenue").parse::<f64>().unwrap() - q2).abs() < 1e-6, "{q2}\n{text}");
    let out = run("cohort_by=attr:signed_up_on");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cohort_by attr:signed_up_on is for cohorts"));
}
