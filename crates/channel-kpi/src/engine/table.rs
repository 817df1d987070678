//! [`ResultTable`]: rows of group keys + values, the output of every query.

use super::metric::Metric;
use crate::error::{Error, Result};
use crate::money::Currency;
use crate::stats;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One cell. `Absent` is "no data" (a ratio with a zero denominator, a mean of nothing): never
/// 0 or NaN.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// No data.
    Absent,
    /// A count.
    Int(i64),
    /// Money (in the table's currency) or another exact decimal.
    #[serde(with = "rust_decimal::serde::str")]
    Decimal(Decimal),
    /// A rate, a mean of days, a score.
    Float(f64),
    /// Text (group keys).
    Text(String),
    /// A date.
    Date(NaiveDate),
}

impl Value {
    /// `Absent` for `None`.
    pub fn decimal(v: Option<Decimal>) -> Value {
        v.map_or(Value::Absent, Value::Decimal)
    }
    /// `Absent` for `None` and for non-finite numbers.
    pub fn float(v: Option<f64>) -> Value {
        v.filter(|x| x.is_finite()).map_or(Value::Absent, Value::Float)
    }
    /// A count.
    pub fn count(n: u64) -> Value {
        Value::Int(n.min(i64::MAX as u64) as i64)
    }
    /// `Absent` for `None`.
    pub fn text(v: Option<&str>) -> Value {
        v.map_or(Value::Absent, |s| Value::Text(s.to_string()))
    }
    /// True for `Absent`.
    pub fn is_absent(&self) -> bool {
        matches!(self, Value::Absent)
    }
    /// The value as f64 (counts, decimals, floats).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Decimal(d) => d.to_string().parse().ok(),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }
    /// The value as an exact decimal (counts and decimals).
    pub fn as_decimal(&self) -> Option<Decimal> {
        match self {
            Value::Int(i) => Some(Decimal::from(*i)),
            Value::Decimal(d) => Some(*d),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Absent => Ok(()),
            Value::Int(i) => write!(f, "{i}"),
            Value::Decimal(d) => write!(f, "{}", d.normalize()),
            Value::Float(x) => write!(f, "{x}"),
            Value::Text(s) => f.write_str(s),
            Value::Date(d) => write!(f, "{d}"),
        }
    }
}

/// The type of a column.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    /// Text.
    Text,
    /// Integer count.
    Int,
    /// Money in the table's currency (exact decimal).
    Money,
    /// Exact decimal that is not money.
    Decimal,
    /// Floating point (rates in [0, 1], days, scores).
    Float,
    /// Calendar date.
    Date,
}

/// What a column is.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnRole {
    /// A grouping key.
    Group,
    /// The number of grouped dimensions of a roll-up row.
    RollupLevel,
    /// First day of the row's window.
    PeriodStart,
    /// Day after the last day of the row's window.
    PeriodEnd,
    /// Cyclic bucket number (month or quarter of year).
    Bucket,
    /// A key of the rows of a long result (`cohort`, `age`).
    RowKey,
    /// A KPI value.
    Value,
    /// The value in the comparison window.
    Previous,
    /// Value − previous.
    Change,
    /// (Value − previous) ÷ |previous|.
    ChangePct,
}

/// A KPI's declaration of one output column.
#[derive(Clone, PartialEq, Debug)]
pub struct ColumnSpec {
    /// Column name (unique across metrics).
    pub name: String,
    /// Type.
    pub kind: ColumnKind,
    /// Whether period-over-period columns are produced for it.
    pub comparable: bool,
}

impl ColumnSpec {
    /// A comparable column.
    pub fn new(name: impl Into<String>, kind: ColumnKind) -> Self {
        ColumnSpec { name: name.into(), kind, comparable: true }
    }
    /// A column without comparison (interval bounds, ranks).
    pub fn plain(name: impl Into<String>, kind: ColumnKind) -> Self {
        ColumnSpec { name: name.into(), kind, comparable: false }
    }
}

/// A column of a [`ResultTable`].
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct Column {
    /// Name.
    pub name: String,
    /// Type.
    pub kind: ColumnKind,
    /// Role.
    pub role: ColumnRole,
    /// The metric that produced it (value columns).
    pub metric: Option<Metric>,
}

/// The result of a query: named, typed columns and rows of [`Value`]s.
///
/// Rows are sorted by roll-up level (most detailed first), group key, then window.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct ResultTable {
    /// Columns.
    pub columns: Vec<Column>,
    /// Rows, each as long as `columns`.
    pub rows: Vec<Vec<Value>>,
    /// The currency of every money column (absent when no amount was seen).
    pub currency: Option<Currency>,
    /// The query's period (each row's own window is in `period_start` / `period_end`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<crate::period::Period>,
    /// The "now" the values were computed at: the query's `as_of`, by default the period's
    /// last day. KPIs about the present (open pipeline, aging, lead conversion by `as_of`,
    /// active registrations) depend on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<NaiveDate>,
}

/// A-vs-B comparison of one column between two groups.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct GroupComparison {
    /// The column compared.
    pub column: String,
    /// Group A's value.
    pub a: Value,
    /// Group B's value.
    pub b: Value,
    /// A − B (absent when either is absent).
    pub difference: Value,
    /// For proportions with intervals: whether A's and B's intervals overlap (if they do, the
    /// data does not show a real difference).
    pub intervals_overlap: Option<bool>,
}

impl ResultTable {
    /// Index of a column.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
    /// The value at `row`, column `name`.
    pub fn value(&self, row: usize, name: &str) -> Option<&Value> {
        self.rows.get(row).and_then(|r| self.column_index(name).map(|i| &r[i]))
    }
    /// Group-key columns.
    pub fn group_columns(&self) -> Vec<usize> {
        self.columns.iter().enumerate().filter(|(_, c)| c.role == ColumnRole::Group).map(|(i, _)| i).collect()
    }
    /// Rows whose group key equals `key` (one per window; with roll-up, only detail rows
    /// match a full key). `None` matches an empty key value.
    pub fn rows_for(&self, key: &[Option<&str>]) -> Vec<usize> {
        let g = self.group_columns();
        let level = self.column_index("rollup_level");
        (0..self.rows.len())
            .filter(|&r| {
                g.len() == key.len()
                    && g.iter().zip(key).all(|(&c, k)| match (&self.rows[r][c], k) {
                        (Value::Text(s), Some(k)) => s == k,
                        (Value::Absent, None) => true,
                        _ => false,
                    })
                    && level.is_none_or(|l| self.rows[r][l] == Value::count(g.len() as u64))
            })
            .collect()
    }
    /// The value of `column` for the group `key` (first window).
    pub fn get(&self, key: &[Option<&str>], column: &str) -> Option<&Value> {
        let r = *self.rows_for(key).first()?;
        self.value(r, column)
    }

    /// Compares `column` between groups A and B (first window of each). When the column is a
    /// proportion with `_lo` / `_hi` interval columns, also says whether the intervals overlap.
    pub fn compare_groups(&self, a: &[Option<&str>], b: &[Option<&str>], column: &str) -> Result<GroupComparison> {
        if self.column_index(column).is_none() {
            return Err(Error::Query(format!("no column {column:?} in the result")));
        }
        let fetch = |k: &[Option<&str>], c: &str| -> Result<Value> {
            let r = self.rows_for(k);
            let r = r.first().ok_or_else(|| Error::Query(format!("no group {k:?} in the result")))?;
            Ok(self.value(*r, c).cloned().unwrap_or(Value::Absent))
        };
        let (va, vb) = (fetch(a, column)?, fetch(b, column)?);
        let difference = match (&va, &vb) {
            (Value::Int(x), Value::Int(y)) => Value::Int(x - y),
            (Value::Decimal(x), Value::Decimal(y)) => Value::decimal(x.checked_sub(*y)),
            (x, y) => Value::float(x.as_f64().zip(y.as_f64()).map(|(x, y)| x - y)),
        };
        let (lo, hi) = (format!("{column}_lo"), format!("{column}_hi"));
        let intervals_overlap = if self.column_index(&lo).is_some() && self.column_index(&hi).is_some() {
            let iv = |k| -> Result<Option<(f64, f64)>> { Ok(fetch(k, &lo)?.as_f64().zip(fetch(k, &hi)?.as_f64())) };
            match (iv(a)?, iv(b)?) {
                (Some(x), Some(y)) => Some(stats::intervals_overlap(x, y)),
                _ => None,
            }
        } else {
            None
        };
        Ok(GroupComparison { column: column.to_string(), a: va, b: vb, difference, intervals_overlap })
    }

    /// The same rows with only the named value columns (in the given order), after the key,
    /// roll-up level, period and bucket columns, which are always kept. An unknown name is an
    /// error listing the columns there are.
    pub fn select(&self, names: &[&str]) -> Result<ResultTable> {
        let mut idx: Vec<usize> = (0..self.columns.len())
            .filter(|&i| {
                !matches!(self.columns[i].role, ColumnRole::Value | ColumnRole::Previous | ColumnRole::Change | ColumnRole::ChangePct)
            })
            .collect();
        for n in names {
            let i = self.column_index(n).ok_or_else(|| {
                let all: Vec<&str> = self.columns.iter().map(|c| c.name.as_str()).collect();
                Error::Query(format!("no column {n:?} in the result; columns: {}", all.join(", ")))
            })?;
            if !idx.contains(&i) {
                idx.push(i);
            }
        }
        Ok(ResultTable {
            columns: idx.iter().map(|&i| self.columns[i].clone()).collect(),
            rows: self.rows.iter().map(|r| idx.iter().map(|&i| r[i].clone()).collect()).collect(),
            currency: self.currency,
            period: self.period,
            as_of: self.as_of,
        })
    }

    /// CSV text (header + rows; absent values are empty cells; money as plain decimals).
    pub fn to_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(self.columns.iter().map(|c| c.name.as_str()));
        for r in &self.rows {
            let _ = w.write_record(r.iter().map(|v| v.to_string()));
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }

    /// JSON: `{"currency": "USD", "period": "2025-01-01..2026-01-01", "as_of": "2025-12-31",
    /// "columns": [...], "rows": [{"col": value, ...}]}`, absent
    /// values as `null`, money as decimal strings.
    pub fn to_json(&self) -> serde_json::Value {
        let rows: Vec<serde_json::Value> = self
            .rows
            .iter()
            .map(|r| {
                serde_json::Value::Object(
                    self.columns.iter().zip(r).map(|(c, v)| (c.name.clone(), serde_json::to_value(v).unwrap_or_default())).collect(),
                )
            })
            .collect();
        serde_json::json!({
            "currency": self.currency.map(|c| c.to_string()),
            "period": self.period.map(|p| p.to_string()),
            "as_of": self.as_of.map(|d| d.to_string()),
            "columns": self.columns.iter().map(|c| serde_json::json!({"name": c.name, "kind": c.kind, "role": c.role})).collect::<Vec<_>>(),
            "rows": rows,
        })
    }

    /// A plain-text table for terminals: floats and non-money decimals rounded to 4 places,
    /// money to 2, absent values
    /// shown as `–`; an empty group key as `(none)` and, on roll-up rows, the dimensions
    /// summed over as `(all)`.
    pub fn to_text(&self) -> String {
        let cell = |v: &Value, kind: ColumnKind| match v {
            Value::Absent => "–".to_string(),
            Value::Float(x) => format!("{x:.4}"),
            Value::Decimal(d) if kind == ColumnKind::Money => d.round_dp(2).to_string(),
            Value::Decimal(d) => d.round_dp(4).normalize().to_string(),
            other => other.to_string(),
        };
        let groups = self.group_columns();
        let level = self.column_index("rollup_level");
        let key_cell = |r: &[Value], i: usize| -> Option<String> {
            let pos = groups.iter().position(|&g| g == i)?;
            let summed = level.is_some_and(|l| matches!(r[l], Value::Int(n) if pos as i64 >= n));
            Some(match (&r[i], summed) {
                (_, true) => "(all)".to_string(),
                (Value::Absent, false) => "(none)".to_string(),
                (v, false) => v.to_string(),
            })
        };
        let body: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| r.iter().enumerate().map(|(i, v)| key_cell(r, i).unwrap_or_else(|| cell(v, self.columns[i].kind))).collect())
            .collect();
        let widths: Vec<usize> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| body.iter().map(|r| r[i].chars().count()).chain([c.name.chars().count()]).max().unwrap_or(0))
            .collect();
        let line = |cells: Vec<&str>| -> String {
            cells
                .iter()
                .zip(&widths)
                .zip(&self.columns)
                .map(|((s, &w), c)| pad(s, w, matches!(c.kind, ColumnKind::Text | ColumnKind::Date)))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_string()
        };
        let mut out = line(self.columns.iter().map(|c| c.name.as_str()).collect());
        out.push('\n');
        for r in &body {
            out.push_str(&line(r.iter().map(String::as_str).collect()));
            out.push('\n');
        }
        if let Some(c) = self.currency {
            out.push_str(&format!("(money in {c})\n"));
        }
        out
    }
}

/// `s` padded with spaces to `width` characters, on the right (`left_aligned`) or the left.
/// By hand, not with `format!("{s:<w$}")`: a format width above 65,535 panics ("Formatting
/// argument out of range"), and a cell may be any length (a 70,000-character partner id).
fn pad(s: &str, width: usize, left_aligned: bool) -> String {
    let fill = " ".repeat(width.saturating_sub(s.chars().count()));
    if left_aligned { format!("{s}{fill}") } else { format!("{fill}{s}") }
}
