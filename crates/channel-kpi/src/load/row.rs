//! [`Row`]: one source record seen through canonical field names — the seam between any
//! reader (CSV, JSON Lines, an Arrow table in a binding) and the per-kind conversion functions
//! in [`super::convert`].
//!
//! Two layers:
//! * [`Cells`]: raw cells by *source* column name (a CSV row, a JSON object, an Arrow row).
//! * [`Row`]: cells by *canonical* field name, after the [`super::Mapping`]. [`MappedRow`]
//!   implements it for any `Cells` plus a [`KindMapping`]; a binding whose table already has
//!   canonical columns and typed dates can implement `Row` directly.
//!
//! ```
//! use channel_kpi::load::{Cells, KindMapping, MappedRow, RawRecord, Row};
//! let rec = RawRecord::new(vec!["opportunity_id".into(), "engage_date".into()], vec!["X1".into(), "2017-02-26 19:58:54".into()]);
//! let mut map = KindMapping::default();
//! map.columns.insert("deal_id".into(), "opportunity_id".into());
//! map.columns.insert("created_on".into(), "engage_date".into());
//! let formats = vec!["%Y-%m-%d %H:%M:%S".to_string()];
//! let row = MappedRow::new(&rec, &map, &formats, &[], "deals.csv", 2).unwrap();
//! assert_eq!(row.get("deal_id").as_deref(), Some("X1"));
//! assert_eq!(row.date("created_on").unwrap().unwrap().to_string(), "2017-02-26");
//! assert_eq!(row.location("created_on").to_string(), "deals.csv:2, column `engage_date`");
//! ```

use super::mapping::{Attrs, AttrsMode, KindMapping};
use crate::error::{Error, Location, Result};
use chrono::{NaiveDate, NaiveDateTime};
use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

/// Raw cells of one source record, by source column name.
pub trait Cells {
    /// The cell of `column` (`None` when the column does not exist).
    fn cell(&self, column: &str) -> Option<&str>;
    /// Every (column, value), in source order.
    fn pairs(&self) -> Vec<(&str, &str)>;
    /// The cell of the `i`-th column of the header (`None` past the row's last cell).
    fn cell_at(&self, i: usize) -> Option<&str> {
        self.header().and_then(|h| h.names().get(i)).and_then(|n| self.cell(n))
    }
    /// The shared header, when every row of the source has the same columns (CSV, Arrow): lets
    /// per-file work (which columns are attrs) be done once per header, not per row.
    fn header(&self) -> Option<&Arc<Header>> {
        None
    }
}

/// Column names of a file, indexed. Shared by all rows of a CSV file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Header {
    names: Vec<String>,
    index: FxHashMap<String, usize>,
}

impl Header {
    /// Builds the index. A name given twice is an error naming both positions (1-based).
    pub fn new(names: Vec<String>) -> std::result::Result<Self, (String, usize, usize)> {
        let mut index = FxHashMap::default();
        for (i, n) in names.iter().enumerate() {
            if let Some(first) = index.insert(n.clone(), i) {
                return Err((n.clone(), first + 1, i + 1));
            }
        }
        Ok(Header { names, index })
    }
    /// The names in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }
    /// The position of `column`.
    pub fn index_of(&self, column: &str) -> Option<usize> {
        self.index.get(column).copied()
    }
}

/// A source record: a header and the values of one row (a CSV line, a JSON object).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawRecord {
    header: Arc<Header>,
    values: Vec<String>,
}

impl RawRecord {
    /// A record from column names and values (names must be distinct; a duplicate keeps the
    /// first). For many rows of one file, share the header with [`RawRecord::with_header`].
    pub fn new(names: Vec<String>, values: Vec<String>) -> Self {
        let header = Header::new(names.clone()).unwrap_or_else(|_| {
            let mut seen = HashSet::new();
            let index = names.iter().enumerate().filter(|(_, n)| seen.insert(n.as_str())).map(|(i, n)| (n.clone(), i)).collect();
            Header { names, index }
        });
        RawRecord { header: Arc::new(header), values }
    }
    /// An owned copy of any cells (a lookup file's rows, kept after the reader moves on).
    pub fn of(cells: &dyn Cells) -> Self {
        let (names, values) = cells.pairs().into_iter().map(|(n, v)| (n.to_string(), v.to_string())).unzip();
        RawRecord::new(names, values)
    }
    /// A record sharing a file's header.
    pub fn with_header(header: Arc<Header>, values: Vec<String>) -> Self {
        RawRecord { header, values }
    }
}

impl Cells for RawRecord {
    fn cell_at(&self, i: usize) -> Option<&str> {
        self.values.get(i).map(String::as_str)
    }
    fn cell(&self, column: &str) -> Option<&str> {
        self.header.index_of(column).map(|i| self.values.get(i).map_or("", String::as_str))
    }
    fn pairs(&self) -> Vec<(&str, &str)> {
        self.header.names.iter().zip(&self.values).map(|(n, v)| (n.as_str(), v.as_str())).collect()
    }
    fn header(&self) -> Option<&Arc<Header>> {
        Some(&self.header)
    }
}

/// One record by canonical field name. Implemented by [`MappedRow`]; bindings may implement it
/// over their own tables. Every conversion function (`deal_from_row`, …) takes a `Row`.
pub trait Row {
    /// The text of canonical `field` after renames, value maps and defaults; `None` when the
    /// cell is empty or the column is missing (and there is no default).
    fn get(&self, field: &str) -> Option<Cow<'_, str>>;

    /// The date of canonical `field`. The default implementation parses `YYYY-MM-DD`.
    fn date(&self, field: &str) -> Result<Option<NaiveDate>> {
        match self.get(field) {
            None => Ok(None),
            Some(v) => {
                parse_date(&v, &["%Y-%m-%d".to_string()]).map(Some).map_err(|r| Error::parse(self.location(field).with_value(&v), r))
            }
        }
    }

    /// Where `field` of this row is, for error messages (file, line, source column; no value).
    fn location(&self, field: &str) -> Location {
        Location { field: Some(field.to_string()), ..Default::default() }
    }

    /// User-defined columns kept as `attrs` (deals and leads). Default: none.
    fn attrs(&self) -> BTreeMap<String, String> {
        BTreeMap::new()
    }
}

/// Parses `value` with the first of `formats` that accepts it; a format with a time part
/// reduces a datetime to its date. Returns the reason on failure.
pub fn parse_date(value: &str, formats: &[String]) -> std::result::Result<NaiveDate, String> {
    let v = crate::domain::trimmed(value);
    for f in formats {
        if f == ISO
            && let Some(d) = iso_date(v)
        {
            return Ok(d);
        }
        if let Ok(d) = NaiveDate::parse_from_str(v, f) {
            return Ok(d);
        }
        if let Ok(dt) = NaiveDateTime::parse_from_str(v, f) {
            return Ok(dt.date());
        }
    }
    Err(format!("not a date in any of the formats {}", formats.join(" | ")))
}

const ISO: &str = "%Y-%m-%d";

/// `YYYY-MM-DD` exactly (what typed Arrow dates render as, and most exports hold), read
/// without chrono's format interpreter; `None` for anything else, which then goes through
/// chrono with the same `%Y-%m-%d` (so what is accepted does not change).
fn iso_date(v: &str) -> Option<NaiveDate> {
    let b = v.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| b[r].iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')));
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

/// A [`Cells`] record seen through a [`KindMapping`], with its lookups already joined.
pub struct MappedRow<'a> {
    cells: &'a dyn Cells,
    joined: Vec<Option<&'a dyn Cells>>,
    map: &'a KindMapping,
    formats: &'a [String],
    file: &'a str,
    line: u64,
    attr_filter: Option<&'a AttrFilter>,
}

/// The source columns `attrs: "all"` never keeps: those the mapping reads (renamed, joined on,
/// org levels), the renamed names themselves, and the canonical fields of deals and leads.
/// Depends on the mapping only, so a loader computes it once per file.
#[derive(Debug, Default)]
pub struct AttrFilter {
    excluded: rustc_hash::FxHashSet<String>,
    /// The attr columns of the last header seen (by address), so rows sharing a header skip
    /// the per-column test.
    by_header: std::cell::RefCell<Option<(Arc<Header>, Vec<String>)>>,
}

impl AttrFilter {
    /// The filter of one kind's mapping.
    pub fn new(map: &KindMapping) -> Self {
        use super::kinds::RecordKind;
        let mut used: rustc_hash::FxHashSet<String> = map.columns.values().chain(map.columns.keys()).cloned().collect();
        used.extend(map.lookups.iter().map(|l| l.on.clone()));
        used.extend(map.levels.iter().map(|l| l.column.clone()));
        used.extend(RecordKind::Deals.fields().iter().chain(RecordKind::Leads.fields()).map(|f| f.to_string()));
        AttrFilter { excluded: used, by_header: Default::default() }
    }
    /// Whether `column` may be kept as an attr.
    pub(crate) fn keeps(&self, column: &str) -> bool {
        !self.excluded.contains(column)
    }
    /// The columns never kept (what [`AttrFilter::keeps`] tests), to share between threads.
    pub(crate) fn into_excluded(self) -> rustc_hash::FxHashSet<String> {
        self.excluded
    }
    /// The non-empty attrs of `cells` under `attrs: "all"`.
    fn attrs_of(&self, cells: &dyn Cells) -> BTreeMap<String, String> {
        let keep = |c: &str, v: &str| (!v.trim().is_empty()).then(|| (c.to_string(), v.trim().to_string()));
        let Some(h) = cells.header() else {
            return cells.pairs().into_iter().filter(|(c, _)| self.keeps(c)).filter_map(|(c, v)| keep(c, v)).collect();
        };
        let mut cache = self.by_header.borrow_mut();
        if !cache.as_ref().is_some_and(|(seen, _)| Arc::ptr_eq(seen, h)) {
            let cols = h.names().iter().filter(|c| self.keeps(c)).cloned().collect();
            *cache = Some((h.clone(), cols));
        }
        let cols = cache.as_ref().map_or(&[][..], |(_, c)| c.as_slice());
        cols.iter().filter_map(|c| keep(c, cells.cell(c).unwrap_or(""))).collect()
    }
}

/// The rows of a lookup file by key, for [`MappedRow::new`].
#[derive(Debug, Default)]
pub struct LookupTable {
    /// The file name, for messages.
    pub file: String,
    /// Rows by key.
    pub rows: HashMap<String, RawRecord>,
}

impl<'a> MappedRow<'a> {
    /// Joins `cells` with `tables` (one per `map.lookups`, in order) and wraps it. A required
    /// lookup whose key is empty or unknown is an [`Error::Reference`] naming the row.
    pub fn new(
        cells: &'a dyn Cells,
        map: &'a KindMapping,
        formats: &'a [String],
        tables: &'a [LookupTable],
        file: &'a str,
        line: u64,
    ) -> Result<Self> {
        let mut joined = Vec::with_capacity(map.lookups.len());
        for (i, l) in map.lookups.iter().enumerate() {
            let key = cells.cell(&l.on).map(str::trim).unwrap_or("");
            let hit = tables.get(i).and_then(|t| t.rows.get(key)).map(|r| r as &dyn Cells);
            if hit.is_none() && l.required {
                let loc = Location {
                    file: Some(file.into()),
                    line: Some(line),
                    field: Some(l.on.clone()),
                    value: Some(key.into()),
                    ..Default::default()
                };
                return Err(Error::Reference {
                    location: loc,
                    reason: format!("no row with {} = {key:?} in lookup file {}", l.key_column(), l.file),
                });
            }
            joined.push(hit);
        }
        Ok(MappedRow { cells, joined, map, formats, file, line, attr_filter: None })
    }

    /// The raw cell of `field` (after rename or lookup), and whether it is a default.
    fn raw(&self, field: &str) -> (Option<Cow<'_, str>>, bool) {
        let cell = match self.map.lookup_for(field) {
            Some((i, col)) => self.joined[i].and_then(|c| c.cell(col)),
            None => self.cells.cell(self.map.source_column(field)),
        };
        let mut v = cell.map(str::trim).filter(|s| !s.is_empty()).map(Cow::Borrowed);
        if let (Some(s), Some(vm)) = (&v, self.map.values.get(field))
            && let Some(to) = vm.get(s.as_ref())
        {
            v = Some(Cow::<str>::Owned(to.trim().to_string())).filter(|t| !t.is_empty());
        }
        match v {
            Some(v) => (Some(v), false),
            None => (self.map.defaults.get(field).map(|d| Cow::Borrowed(d.as_str())), true),
        }
    }

    /// Uses a filter computed once per file for `attrs` (else [`Row::attrs`] computes one per
    /// row).
    pub fn with_attr_filter(mut self, filter: &'a AttrFilter) -> Self {
        self.attr_filter = Some(filter);
        self
    }

    /// The source file and line.
    pub fn position(&self) -> (&str, u64) {
        (self.file, self.line)
    }

    /// The wrapped raw cells.
    pub fn cells(&self) -> &dyn Cells {
        self.cells
    }
}

impl Row for MappedRow<'_> {
    fn get(&self, field: &str) -> Option<Cow<'_, str>> {
        self.raw(field).0
    }

    fn date(&self, field: &str) -> Result<Option<NaiveDate>> {
        let (v, is_default) = self.raw(field);
        let Some(v) = v else { return Ok(None) };
        static ISO_ONLY: std::sync::LazyLock<[String; 1]> = std::sync::LazyLock::new(|| [ISO.to_string()]);
        let formats: &[String] = if is_default { &*ISO_ONLY } else { self.formats };
        parse_date(&v, formats).map(Some).map_err(|r| Error::parse(self.location(field).with_value(&v), r))
    }

    fn location(&self, field: &str) -> Location {
        let column = match self.map.lookup_for(field) {
            Some((i, col)) => format!("{col} (from {})", self.map.lookups[i].file),
            None => self.map.source_column(field).to_string(),
        };
        Location { file: Some(self.file.to_string()), line: Some(self.line), field: Some(column), ..Default::default() }
    }

    fn attrs(&self) -> BTreeMap<String, String> {
        let keep = |c: &str, v: &str| (c.to_string(), v.trim().to_string());
        match &self.map.attrs {
            Attrs::Mode(AttrsMode::None) => BTreeMap::new(),
            Attrs::Columns(cols) => {
                cols.iter().filter_map(|c| self.cells.cell(c).filter(|v| !v.trim().is_empty()).map(|v| keep(c, v))).collect()
            }
            Attrs::Mode(AttrsMode::All) => match self.attr_filter {
                Some(f) => f.attrs_of(self.cells),
                None => AttrFilter::new(self.map).attrs_of(self.cells),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(pairs: &[(&str, &str)]) -> RawRecord {
        RawRecord::new(pairs.iter().map(|p| p.0.into()).collect(), pairs.iter().map(|p| p.1.into()).collect())
    }

    #[test]
    fn value_maps_then_defaults() {
        let r = rec(&[("stage", "Engaging"), ("origin", "unknown"), ("cur", " ")]);
        let m: KindMapping = serde_json::from_str(
            r#"{"columns": {"status": "stage", "channel": "origin", "currency": "cur"},
                "values": {"status": {"Engaging": "open"}, "channel": {"unknown": ""}},
                "defaults": {"currency": "USD", "created_on": "2017-12-31"}}"#,
        )
        .unwrap();
        let row = MappedRow::new(&r, &m, &[], &[], "f.csv", 7).unwrap();
        assert_eq!(row.get("status").as_deref(), Some("open"));
        assert_eq!(row.get("channel"), None, "mapped to empty");
        assert_eq!(row.get("currency").as_deref(), Some("USD"), "blank cell takes the default");
        assert_eq!(row.date("created_on").unwrap(), Some("2017-12-31".parse().unwrap()), "defaults are ISO");
        assert_eq!(row.get("stage").as_deref(), Some("Engaging"), "identity column");
    }

    #[test]
    fn dates_try_formats_in_order_and_name_the_cell() {
        let f = vec!["%d/%m/%Y".to_string(), "%Y-%m-%d %H:%M:%S".to_string()];
        assert_eq!(parse_date("26/02/2018", &f).unwrap().to_string(), "2018-02-26");
        assert_eq!(parse_date("2018-02-26 19:58:54", &f).unwrap().to_string(), "2018-02-26");
        // ISO read by hand accepts and rejects exactly what chrono's %Y-%m-%d does.
        let iso = vec![ISO.to_string()];
        for ok in ["2024-02-29", " 2018-02-26 ", "2018-2-6", "+2018-02-26", "0099-01-01"] {
            assert_eq!(parse_date(ok, &iso).ok(), NaiveDate::parse_from_str(ok.trim(), ISO).ok(), "{ok}");
            assert!(parse_date(ok, &iso).is_ok(), "{ok}");
        }
        for bad in ["2023-02-29", "2018-13-01", "2018-00-10", "2018-01-32", "2018-01-1x", "20180101", ""] {
            assert!(parse_date(bad, &iso).is_err(), "{bad}");
            assert!(NaiveDate::parse_from_str(bad, ISO).is_err(), "{bad}");
        }
        let r = rec(&[("d", "2018-13-01")]);
        let mut m = KindMapping::default();
        m.columns.insert("created_on".into(), "d".into());
        let row = MappedRow::new(&r, &m, &f, &[], "x.csv", 3).unwrap();
        let e = row.date("created_on").unwrap_err().to_string();
        assert!(e.contains("x.csv:3") && e.contains("`d`") && e.contains("2018-13-01"), "{e}");
    }

    #[test]
    fn lookups_join_and_missing_keys_name_the_row() {
        let m: KindMapping =
            serde_json::from_str(r#"{"lookups": [{"file": "mql.csv", "on": "mql_id", "columns": {"created_on": "first_contact_date"}}]}"#)
                .unwrap();
        let mut t = LookupTable { file: "mql.csv".into(), rows: HashMap::new() };
        t.rows.insert("a".into(), rec(&[("mql_id", "a"), ("first_contact_date", "2018-01-02")]));
        let tables = [t];
        let r = rec(&[("mql_id", "a"), ("extra", "x")]);
        let row = MappedRow::new(&r, &m, &[], &tables, "deals.csv", 2).unwrap();
        assert_eq!(row.get("created_on").as_deref(), Some("2018-01-02"));
        assert_eq!(row.attrs(), BTreeMap::from([("extra".to_string(), "x".to_string())]), "the key column is used, not an attr");
        let bad = rec(&[("mql_id", "zz")]);
        let e = MappedRow::new(&bad, &m, &[], &tables, "deals.csv", 9).err().unwrap().to_string();
        assert!(e.contains("deals.csv:9") && e.contains("zz") && e.contains("mql.csv"), "{e}");
    }
}
