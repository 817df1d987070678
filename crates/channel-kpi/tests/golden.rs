//! Runs every golden vector in `tests/golden/` (the same files the Python and C tests assert).
#![allow(clippy::result_large_err)]

use channel_kpi::{ColumnKind, Dataset, Query, ResultTable, Value};
use rust_decimal::Decimal;
use serde_json::Value as J;
use std::path::PathBuf;

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/golden")
}

fn run(case: &J) -> Result<ResultTable, channel_kpi::Error> {
    let data = Dataset::from_json(&case["dataset"].to_string())?;
    let query = Query::from_json(&case["query"].to_string())?;
    data.run(&query)
}

fn check_value(name: &str, row: usize, col: &str, kind: ColumnKind, actual: &Value, expected: &J, tol: f64) {
    let ctx = format!("{name}: row {row}, column {col}: expected {expected}, got {actual:?}");
    match expected {
        J::Null => assert!(actual.is_absent(), "{ctx}"),
        J::String(s) => match kind {
            ColumnKind::Money | ColumnKind::Decimal => {
                let e: Decimal = s.parse().unwrap_or_else(|_| panic!("{ctx}: bad decimal in vector"));
                assert_eq!(actual.as_decimal(), Some(e), "{ctx}");
            }
            _ => assert_eq!(actual.to_string(), *s, "{ctx}"),
        },
        J::Number(n) => {
            let e = n.as_f64().unwrap();
            match actual {
                Value::Int(i) => assert_eq!(*i as f64, e, "{ctx}"),
                Value::Float(x) => assert!((x - e).abs() <= tol, "{ctx}"),
                _ => panic!("{ctx}: not a number"),
            }
        }
        other => panic!("{ctx}: unsupported expected value {other}"),
    }
}

#[test]
fn golden_vectors() {
    let mut files: Vec<_> = std::fs::read_dir(golden_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "golden vectors missing in {:?}", golden_dir());
    for path in &files {
        let case: J = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let name = case["name"].as_str().unwrap().to_string();
        let result = run(&case);
        if let Some(err) = case.get("expected_error") {
            let e = result.err().unwrap_or_else(|| panic!("{name}: expected an error"));
            assert_eq!(e.kind(), err["kind"].as_str().unwrap(), "{name}: {e}");
            continue;
        }
        let t = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        let exp = &case["expected"];
        let tol = case["tolerance"].as_f64().unwrap_or(1e-9);
        if let Some(c) = exp.get("currency") {
            assert_eq!(t.currency.map(|c| c.to_string()), c.as_str().map(String::from), "{name}: currency");
        }
        if let Some(n) = exp.get("row_count") {
            assert_eq!(t.rows.len() as u64, n.as_u64().unwrap(), "{name}: row count\n{}", t.to_text());
        }
        for (i, row) in exp["rows"].as_array().unwrap().iter().enumerate() {
            for (col, e) in row.as_object().unwrap() {
                let ci = t.column_index(col).unwrap_or_else(|| panic!("{name}: no column {col}"));
                check_value(&name, i, col, t.columns[ci].kind, &t.rows[i][ci], e, tol);
            }
        }
    }
}
