//! [`to_record_batch`]: a result table as an Arrow record batch.

use crate::engine::{ColumnKind, ColumnRole, ResultTable, Value};
use crate::error::{Error, Result};
use arrow_array::types::Date32Type;
use arrow_array::{ArrayRef, Date32Array, Decimal128Array, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::sync::Arc;

/// Decimal places of money and decimal columns: `decimal128(38, 6)`. Averages are already
/// rounded to 6 places by the core; sums keep their input scale, which is ≤ 6 for any real
/// currency amount. A value with more places (a converted amount) is rounded half to even.
pub const MONEY_SCALE: i8 = 6;

fn kind_name(k: ColumnKind) -> &'static str {
    match k {
        ColumnKind::Text => "text",
        ColumnKind::Int => "int",
        ColumnKind::Money => "money",
        ColumnKind::Decimal => "decimal",
        ColumnKind::Float => "float",
        ColumnKind::Date => "date",
    }
}

fn role_name(r: ColumnRole) -> &'static str {
    match r {
        ColumnRole::Group => "group",
        ColumnRole::RollupLevel => "rollup_level",
        ColumnRole::PeriodStart => "period_start",
        ColumnRole::PeriodEnd => "period_end",
        ColumnRole::Bucket => "bucket",
        ColumnRole::RowKey => "row_key",
        ColumnRole::Value => "value",
        ColumnRole::Previous => "previous",
        ColumnRole::Change => "change",
        ColumnRole::ChangePct => "change_pct",
    }
}

/// `d` as the integer of a `decimal128(38, MONEY_SCALE)` (a 96-bit mantissa × 10⁶ always fits).
fn scaled(d: Decimal) -> i128 {
    let r = d.round_dp(MONEY_SCALE as u32);
    r.mantissa() * 10i128.pow(MONEY_SCALE as u32 - r.scale())
}

fn mismatch(name: &str, v: &Value, what: &str) -> Error {
    Error::Query(format!("result column {name}: value {v:?} is not {what}"))
}

/// The table as one record batch (schema metadata `channel_kpi.currency`; field metadata
/// `channel_kpi.kind`, `channel_kpi.role`, `channel_kpi.metric`).
///
/// ```
/// use channel_kpi::{Dataset, Query, Metric, Period};
/// let data = Dataset::from_json(r#"{"deals": [{"id": "A", "status": "won", "created_on": "2025-01-02",
///     "closed_on": "2025-01-10", "amount": {"amount": "200", "currency": "USD"}}]}"#).unwrap();
/// let t = data.run(&Query::new(vec![Metric::AvgDealSize], Period::parse("2025-01").unwrap())).unwrap();
/// let b = channel_kpi::arrow::to_record_batch(&t).unwrap();
/// assert_eq!(b.schema().field_with_name("avg_deal_size").unwrap().data_type().to_string(), "Decimal128(38, 6)");
/// assert_eq!(b.schema().metadata()["channel_kpi.as_of"], "2025-01-31");
/// assert_eq!(b.schema().metadata()["channel_kpi.period"], "2025-01-01..2025-02-01");
/// ```
pub fn to_record_batch(t: &ResultTable) -> Result<RecordBatch> {
    let mut fields = Vec::with_capacity(t.columns.len());
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(t.columns.len());
    for (i, c) in t.columns.iter().enumerate() {
        let cells = t.rows.iter().map(|r| &r[i]);
        let name = c.name.as_str();
        let (dt, array): (DataType, ArrayRef) = match c.kind {
            ColumnKind::Text => {
                let v: Vec<Option<String>> = cells.map(|v| (!v.is_absent()).then(|| v.to_string())).collect();
                (DataType::Utf8, Arc::new(StringArray::from(v)))
            }
            ColumnKind::Int => {
                let v = cells
                    .map(|v| match v {
                        Value::Absent => Ok(None),
                        Value::Int(n) => Ok(Some(*n)),
                        other => Err(mismatch(name, other, "a count")),
                    })
                    .collect::<Result<Vec<_>>>()?;
                (DataType::Int64, Arc::new(Int64Array::from(v)))
            }
            ColumnKind::Money | ColumnKind::Decimal => {
                let v = cells
                    .map(|v| match v {
                        Value::Absent => Ok(None),
                        other => other.as_decimal().map(|d| Some(scaled(d))).ok_or_else(|| mismatch(name, other, "a decimal")),
                    })
                    .collect::<Result<Vec<_>>>()?;
                let a = Decimal128Array::from(v)
                    .with_precision_and_scale(38, MONEY_SCALE)
                    .map_err(|e| Error::Query(format!("result column {name}: {e}")))?;
                (DataType::Decimal128(38, MONEY_SCALE), Arc::new(a))
            }
            ColumnKind::Float => {
                let v = cells
                    .map(|v| match v {
                        Value::Absent => Ok(None),
                        other => other.as_f64().map(Some).ok_or_else(|| mismatch(name, other, "a number")),
                    })
                    .collect::<Result<Vec<_>>>()?;
                (DataType::Float64, Arc::new(Float64Array::from(v)))
            }
            ColumnKind::Date => {
                let v = cells
                    .map(|v| match v {
                        Value::Absent => Ok(None),
                        Value::Date(d) => Ok(Some(Date32Type::from_naive_date(*d))),
                        other => Err(mismatch(name, other, "a date")),
                    })
                    .collect::<Result<Vec<_>>>()?;
                (DataType::Date32, Arc::new(Date32Array::from(v)))
            }
        };
        let mut meta = HashMap::from([
            ("channel_kpi.kind".to_string(), kind_name(c.kind).to_string()),
            ("channel_kpi.role".to_string(), role_name(c.role).to_string()),
        ]);
        if let Some(m) = c.metric {
            meta.insert("channel_kpi.metric".into(), m.id().into());
        }
        fields.push(Field::new(name, dt, true).with_metadata(meta));
        arrays.push(array);
    }
    let mut meta = HashMap::new();
    if let Some(c) = t.currency {
        meta.insert("channel_kpi.currency".to_string(), c.to_string());
    }
    if let Some(p) = t.period {
        meta.insert("channel_kpi.period".to_string(), p.to_string());
    }
    if let Some(d) = t.as_of {
        meta.insert("channel_kpi.as_of".to_string(), d.to_string());
    }
    let schema = Arc::new(Schema::new(fields).with_metadata(meta));
    RecordBatch::try_new(schema, arrays).map_err(|e| Error::Query(format!("result table: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_scaled_to_six_places_half_even() {
        assert_eq!(scaled("300".parse().unwrap()), 300_000_000);
        assert_eq!(scaled("0.1234565".parse().unwrap()), 123_456, "half to even");
        assert_eq!(scaled("-2.5".parse().unwrap()), -2_500_000);
    }
}
