//! Arrow record batches as loader input: [`ArrowRecords`] renders each row's cells into one
//! reused text buffer (no allocation per cell), then the loader's mapping and conversion
//! functions read them like a CSV row.

use crate::Dataset;
use crate::error::{Error, Location, Result};
use crate::load::{Cells, Header, LoadOptions, LoadReport, Mapping, Source, load_sources};
use crate::load::{Next, Records};
use arrow_array::cast::AsArray;
use arrow_array::timezone::Tz;
use arrow_array::types::*;
use arrow_array::{Array, ArrowPrimitiveType, RecordBatch};
use arrow_schema::{ArrowError, DataType};
use chrono::{Datelike, NaiveDate, NaiveDateTime, Offset, TimeZone};
use std::fmt::Write;
use std::sync::Arc;

/// The record batches of one table, in order, all with one schema.
pub type Batches = Box<dyn Iterator<Item = std::result::Result<RecordBatch, ArrowError>> + Send>;

const ISO: &str = "%Y-%m-%d";

/// Typed date cells are rendered as ISO dates, so ISO must be among a kind's date formats.
pub(crate) fn add_iso(formats: &mut Vec<String>) {
    if !formats.iter().any(|f| f == ISO) {
        formats.push(ISO.to_string());
    }
}

/// A lookup of an in-memory table names a file no in-memory table answers to.
pub(crate) fn no_lookups(name: &str, file: &str) -> Error {
    Error::invalid(
        Location { file: Some(name.into()), field: Some("lookups".into()), value: Some(file.into()), ..Default::default() },
        "no in-memory table for this lookup file: give it as the table of the kind whose mapping names the file, or by its file name (Python: lookups={name: table})",
    )
}

/// Reads Arrow tables (one [`Source::from_arrow`] per record kind) into a validated dataset,
/// like [`load_sources`], with error locations naming the table and its 0-based `row`.
///
/// ```
/// use arrow_array::{ArrayRef, RecordBatch, StringArray, Float64Array, Date32Array};
/// use channel_kpi::load::{LoadOptions, Mapping, RecordKind, Source};
/// use std::sync::Arc;
/// let col = |v: Vec<&str>| Arc::new(StringArray::from(v)) as ArrayRef;
/// let batch = RecordBatch::try_from_iter([
///     ("deal_id", col(vec!["A", "B"])),
///     ("status", col(vec!["won", "won"])),
///     ("created_on", Arc::new(Date32Array::from(vec![20089, 20089])) as ArrayRef),
///     ("closed_on", col(vec!["2025-06-20", "2025-06-29"])),
///     ("amount", Arc::new(Float64Array::from(vec![200.0, 400.1])) as ArrayRef),
///     ("currency", col(vec!["USD", "USD"])),
/// ]).unwrap();
/// let src = Source::from_arrow(RecordKind::Deals, "deals", Box::new(std::iter::once(Ok(batch))));
/// let (data, _) = channel_kpi::arrow::load_tables(vec![src], &Mapping::default(), &LoadOptions::default()).unwrap();
/// assert_eq!(data.deals.amount(1).unwrap().to_string(), "400.1 USD");
/// assert_eq!(data.deals.created_on(0).to_string(), "2025-01-01");
/// ```
pub fn load_tables(sources: Vec<Source>, mapping: &Mapping, opts: &LoadOptions) -> Result<(Dataset, LoadReport)> {
    load_sources(sources, mapping, opts)
}

/// Row-by-row reader over record batches.
pub(crate) struct ArrowRecords {
    batches: Box<dyn Iterator<Item = Result<RecordBatch>> + Send>,
    /// The batches are an in-memory table (not decoded from a file as they are read), which
    /// [`Records::take_table`] may hand out whole.
    in_memory: bool,
    name: String,
    header: Option<Arc<Header>>,
    batch: Option<RecordBatch>,
    pos: usize,
    row: u64,
    /// The current row's cells (reused for every row).
    cells: ArrowRow,
}

/// One row's cells as text: every cell rendered into one buffer, `ends[i]` closing cell `i`.
#[derive(Default)]
struct ArrowRow {
    header: Arc<Header>,
    text: String,
    ends: Vec<usize>,
}

impl Cells for ArrowRow {
    fn cell_at(&self, i: usize) -> Option<&str> {
        (i < self.ends.len()).then(|| self.text(i))
    }
    fn cell(&self, column: &str) -> Option<&str> {
        self.header.index_of(column).map(|i| self.text(i))
    }
    fn pairs(&self) -> Vec<(&str, &str)> {
        self.header.names().iter().enumerate().map(|(i, n)| (n.as_str(), self.text(i))).collect()
    }
    fn header(&self) -> Option<&Arc<Header>> {
        Some(&self.header)
    }
}

impl ArrowRow {
    fn text(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.ends.get(i).map_or("", |&end| &self.text[start..end])
    }
}

impl ArrowRecords {
    pub(crate) fn new(batches: Batches, name: String) -> Self {
        let file = name.clone();
        let batches = batches.map(move |b| {
            b.map_err(|e| {
                Error::parse(Location { file: Some(file.clone()), ..Default::default() }, format!("reading the Arrow table: {e}"))
            })
        });
        ArrowRecords { in_memory: true, ..Self::from_results(Box::new(batches), name) }
    }

    /// Rows `start .. start + len` of in-memory `batches` (slices, no copy), numbered from
    /// `start`.
    pub(crate) fn rows_of(batches: &[RecordBatch], start: usize, len: usize, name: &str) -> Self {
        let (mut parts, mut offset) = (Vec::new(), 0);
        for b in batches {
            let (from, to) = (start.max(offset), (start + len).min(offset + b.num_rows()));
            if from < to {
                parts.push(Ok(b.slice(from - offset, to - from)));
            }
            offset += b.num_rows();
        }
        ArrowRecords { row: start as u64, in_memory: true, ..Self::from_results(Box::new(parts.into_iter()), name.to_string()) }
    }

    /// Over batches whose read errors are already the loader's (a Parquet file's row groups).
    pub(crate) fn from_results(batches: Box<dyn Iterator<Item = Result<RecordBatch>> + Send>, name: String) -> Self {
        ArrowRecords { batches, in_memory: false, name, header: None, batch: None, pos: 0, row: 0, cells: ArrowRow::default() }
    }

    fn loc(&self, column: &str, value: String) -> Location {
        Location { file: Some(self.name.clone()), field: Some(column.into()), value: Some(value), ..Default::default() }
    }

    /// Checks the schema of the first batch (every column of a supported type, distinct names).
    fn header(&self, b: &RecordBatch) -> Result<Arc<Header>> {
        let schema = b.schema();
        for f in schema.fields() {
            check_type(f.data_type()).map_err(|reason| Error::parse(self.loc(f.name(), f.data_type().to_string()), reason))?;
        }
        let names = schema.fields().iter().map(|f| f.name().clone()).collect();
        Header::new(names)
            .map(Arc::new)
            .map_err(|(n, a, b)| Error::parse(self.loc(&n, n.clone()), format!("column name given twice (columns {a} and {b})")))
    }
}

impl Records for ArrowRecords {
    fn take_table(&mut self) -> Option<Result<Vec<RecordBatch>>> {
        if !self.in_memory || self.batch.is_some() {
            return None;
        }
        Some(std::mem::replace(&mut self.batches, Box::new(std::iter::empty())).collect())
    }

    fn next_record(&mut self) -> Result<Next<'_>> {
        loop {
            if let (Some(b), Some(h)) = (&self.batch, &self.header)
                && self.pos < b.num_rows()
            {
                let c = &mut self.cells;
                if !Arc::ptr_eq(&c.header, h) {
                    c.header = h.clone();
                }
                c.text.clear();
                c.ends.clear();
                for col in b.columns() {
                    render(col.as_ref(), self.pos, &mut c.text);
                    c.ends.push(c.text.len());
                }
                let row = self.row;
                self.pos += 1;
                self.row += 1;
                return Ok(Next::Row(row, &self.cells));
            }
            match self.batches.next() {
                None => return Ok(Next::End),
                Some(Err(e)) => return Err(e),
                Some(Ok(b)) => {
                    if self.header.is_none() {
                        self.header = Some(self.header(&b)?);
                    }
                    self.batch = Some(b);
                    self.pos = 0;
                }
            }
        }
    }
}

/// The fixed UTC offset of a timestamp column's zone (`UTC`, `Z`, `+02:00`, …).
fn zone(tz: &str) -> Option<Tz> {
    match tz.trim().to_ascii_uppercase().as_str() {
        "UTC" | "Z" | "ETC/UTC" | "GMT" | "ETC/GMT" => "+00:00".parse().ok(),
        _ => tz.parse().ok(),
    }
}

pub(super) fn check_type(t: &DataType) -> std::result::Result<(), String> {
    use DataType::*;
    match t {
        Null | Boolean | Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64 | Float32 | Float64 => Ok(()),
        Utf8 | LargeUtf8 | Utf8View | Decimal128(..) | Decimal256(..) | Date32 | Date64 => Ok(()),
        Timestamp(_, None) => Ok(()),
        Timestamp(_, Some(tz)) if zone(tz).is_some() => Ok(()),
        Timestamp(_, Some(tz)) => Err(format!(
            "timestamps in the named time zone {tz} are not supported: convert them to naive local time first (pandas: .dt.tz_localize(None))"
        )),
        Dictionary(k, v) if k.is_dictionary_key_type() && !matches!(**v, Dictionary(..)) => check_type(v),
        other => Err(format!("unsupported Arrow type {other} for a record field; expected text, numbers, decimals or dates")),
    }
}

fn prim<T: ArrowPrimitiveType>(a: &dyn Array, i: usize, out: &mut String)
where
    T::Native: std::fmt::Display,
{
    let _ = write!(out, "{}", a.as_primitive::<T>().value(i));
}

/// A raw `decimal128` value at `scale` (≥ 0) as Arrow prints it (`-0.05`, `1234.50`, `7`),
/// written without allocating.
fn write_decimal(v: i128, scale: usize, out: &mut String) {
    let mut digits = [0u8; 40]; // |i128| has at most 39 digits
    let mut n = v.unsigned_abs();
    let mut k = digits.len();
    loop {
        k -= 1;
        digits[k] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let d = &digits[k..];
    if v < 0 {
        out.push('-');
    }
    let whole = d.len().saturating_sub(scale);
    if whole == 0 {
        out.push('0');
    }
    out.extend(d[..whole].iter().map(|&b| char::from(b)));
    if scale > 0 {
        out.push('.');
        out.extend(std::iter::repeat_n('0', scale.saturating_sub(d.len())));
        out.extend(d[whole..].iter().map(|&b| char::from(b)));
    }
}

/// `YYYY-MM-DD` (chrono's `Display` for years outside 0–9999, which carry a sign).
fn write_date(d: NaiveDate, out: &mut String) {
    let (y, m, day) = (d.year(), d.month(), d.day());
    if (0..=9999).contains(&y) {
        let digits = [y / 1000, y / 100 % 10, y / 10 % 10, y % 10, -1, m as i32 / 10, m as i32 % 10, -1, day as i32 / 10, day as i32 % 10];
        out.extend(digits.iter().map(|&x| if x < 0 { '-' } else { char::from(b'0' + x as u8) }));
    } else {
        let _ = write!(out, "{d}");
    }
}

fn key<K: ArrowDictionaryKeyType>(a: &dyn Array, i: usize) -> (usize, &dyn Array) {
    use arrow_buffer::ArrowNativeType;
    let d = a.as_dictionary::<K>();
    (d.keys().value(i).as_usize(), d.values().as_ref())
}

fn datetime_date(dt: Option<NaiveDateTime>, tz: Option<&str>) -> Option<NaiveDate> {
    let dt = dt?;
    let local = match tz.and_then(zone) {
        // checked: `+` panics when the offset moves the last representable instant past the calendar.
        Some(z) => dt.checked_add_offset(z.offset_from_utc_datetime(&dt).fix())?,
        None => dt,
    };
    Some(local.date())
}

/// The text of a date or timestamp cell beyond the calendar: its raw number and unit, which no
/// date format reads, so the record's error names the value instead of calling it missing.
fn beyond(raw: i64, unit: &str, out: &mut String) {
    let _ = write!(out, "{raw} {unit} since 1970-01-01 (beyond the calendar)");
}

/// Appends the text of cell `i` to `out` (nothing for null). Types are checked by
/// [`check_type`] first.
pub(super) fn render(a: &dyn Array, i: usize, out: &mut String) {
    use DataType::*;
    if a.is_null(i) {
        return;
    }
    match a.data_type() {
        Null => {}
        Boolean => out.push_str(if a.as_boolean().value(i) { "true" } else { "false" }),
        Int8 => prim::<Int8Type>(a, i, out),
        Int16 => prim::<Int16Type>(a, i, out),
        Int32 => prim::<Int32Type>(a, i, out),
        Int64 => prim::<Int64Type>(a, i, out),
        UInt8 => prim::<UInt8Type>(a, i, out),
        UInt16 => prim::<UInt16Type>(a, i, out),
        UInt32 => prim::<UInt32Type>(a, i, out),
        UInt64 => prim::<UInt64Type>(a, i, out),
        // Display of f32/f64 is the shortest text that reads back as the same float.
        Float32 => prim::<Float32Type>(a, i, out),
        Float64 => prim::<Float64Type>(a, i, out),
        Utf8 => out.push_str(a.as_string::<i32>().value(i)),
        LargeUtf8 => out.push_str(a.as_string::<i64>().value(i)),
        Utf8View => out.push_str(a.as_string_view().value(i)),
        Decimal128(_, scale) if *scale >= 0 => write_decimal(a.as_primitive::<Decimal128Type>().value(i), *scale as usize, out),
        Decimal128(..) => out.push_str(&a.as_primitive::<Decimal128Type>().value_as_string(i)),
        Decimal256(..) => out.push_str(&a.as_primitive::<Decimal256Type>().value_as_string(i)),
        // A date beyond chrono's calendar is an error naming the raw number, not a null.
        Date32 => {
            let p = a.as_primitive::<Date32Type>();
            match p.value_as_date(i) {
                Some(d) => write_date(d, out),
                None => beyond(p.value(i).into(), "days", out),
            }
        }
        Date64 => {
            let p = a.as_primitive::<Date64Type>();
            match p.value_as_date(i) {
                Some(d) => write_date(d, out),
                None => beyond(p.value(i), "ms", out),
            }
        }
        Timestamp(unit, tz) => {
            let tz = tz.as_deref();
            use arrow_schema::TimeUnit::*;
            // the value's date in the column's zone, and its raw number for an error
            fn at<T: ArrowTimestampType>(a: &dyn Array, i: usize, tz: Option<&str>) -> (Option<NaiveDate>, i64) {
                let p = a.as_primitive::<T>();
                (datetime_date(p.value_as_datetime(i), tz), p.value(i))
            }
            let ((date, raw), unit) = match unit {
                Second => (at::<TimestampSecondType>(a, i, tz), "s"),
                Millisecond => (at::<TimestampMillisecondType>(a, i, tz), "ms"),
                Microsecond => (at::<TimestampMicrosecondType>(a, i, tz), "µs"),
                Nanosecond => (at::<TimestampNanosecondType>(a, i, tz), "ns"),
            };
            match date {
                Some(d) => write_date(d, out),
                None => beyond(raw, unit, out),
            }
        }
        Dictionary(k, _) => {
            let (j, values) = match **k {
                Int8 => key::<Int8Type>(a, i),
                Int16 => key::<Int16Type>(a, i),
                Int32 => key::<Int32Type>(a, i),
                Int64 => key::<Int64Type>(a, i),
                UInt8 => key::<UInt8Type>(a, i),
                UInt16 => key::<UInt16Type>(a, i),
                UInt32 => key::<UInt32Type>(a, i),
                _ => key::<UInt64Type>(a, i),
            };
            render(values, j, out)
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_render_as_arrow_prints_them() {
        use arrow_array::Decimal128Array;
        // every value within precision 38 (beyond it Arrow's own text drops digits; ours keeps them)
        let max = 10i128.pow(38) - 1;
        let values = [0i128, 5, -5, 7, -7, 10, 99, 100, 123_456, -123_456, 1_000_000, max, -max, -1];
        for scale in [0i8, 1, 2, 3, 6, 10, 38] {
            let a = Decimal128Array::from(values.to_vec()).with_precision_and_scale(38, scale).unwrap();
            for (i, v) in values.iter().enumerate() {
                let mut out = String::new();
                write_decimal(*v, scale as usize, &mut out);
                assert_eq!(out, a.value_as_string(i), "{v} at scale {scale}");
            }
        }
    }

    #[test]
    fn dates_render_as_chrono_displays_them() {
        let mut out = String::new();
        for d in ["0001-01-01", "0999-12-31", "2025-06-09", "9999-12-31"] {
            out.clear();
            write_date(d.parse().unwrap(), &mut out);
            assert_eq!(out, d);
        }
        for d in [NaiveDate::from_ymd_opt(10000, 1, 1).unwrap(), NaiveDate::from_ymd_opt(-5, 3, 4).unwrap()] {
            out.clear();
            write_date(d, &mut out);
            assert_eq!(out, d.to_string());
        }
    }
}
