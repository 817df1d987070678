//! A deals, leads, subscriptions or surveys batch (an Arrow table's, a Parquet file's) seen through a mapping, as the
//! typed readers of canonical tables (`arrow/typed_deals.rs`, `arrow/typed_leads.rs`) read it: each canonical field's column
//! is its source column renamed (no copy; two fields may share one), a value map or a default
//! of a text field makes a new text column (trimmed cell → mapped text → the default when
//! empty, as `MappedRow` reads a cell), and a date default fills the empty cells of a `date32`
//! column (or makes a constant one) with the default read as ISO, as the row path reads
//! defaults. What this cannot give exactly (lookups, a value map on a date or an amount, a default of an
//! amount or with spaces around it, a value-mapped column that is not text) gives `None`: the
//! caller reads the table row by row.

use super::kinds::RecordKind;
use super::mapping::{Attrs, AttrsMode, KindMapping};
use super::row::{AttrFilter, parse_date};
use crate::domain::trimmed;
use arrow_array::types::Date32Type;
use arrow_array::{Array, ArrayRef, Date32Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use std::sync::Arc;

/// The date fields of the kinds read here.
const DATES: [&str; 8] = ["created_on", "registered_on", "expected_close_on", "closed_on", "won_on", "month", "entered_on", "submitted_on"];

/// `b` with the canonical columns of `kind` (deals, leads or subscription months), read through `map` (itself when
/// `map` renames, translates and defaults nothing).
pub(super) fn canonical(kind: RecordKind, b: &RecordBatch, map: &KindMapping) -> Option<RecordBatch> {
    if !map.lookups.is_empty() {
        return None; // joined fields are read row by row
    }
    if map.columns.is_empty() && map.values.is_empty() && map.defaults.is_empty() {
        return Some(b.clone());
    }
    let n = b.num_rows();
    let (mut fields, mut cols) = (Vec::new(), Vec::<ArrayRef>::new());
    for f in kind.fields() {
        let src = b.column_by_name(map.source_column(f)).filter(|a| a.data_type() != &DataType::Null);
        let values = map.values.get(*f);
        let default = map.defaults.get(*f).map(String::as_str);
        if default.is_some_and(|d| d != d.trim()) {
            return None;
        }
        let col: ArrayRef = match (src, values, default) {
            (None, _, None) => continue,
            (Some(a), None, None) => a.clone(),
            _ if *f == "amount" || *f == "mrr" => return None,
            (a, None, Some(d)) if DATES.contains(f) => {
                let day = Date32Type::from_naive_date(parse_date(d, &["%Y-%m-%d".to_string()]).ok()?);
                match a {
                    None => Arc::new(Date32Array::from(vec![day; n])),
                    Some(a) if a.data_type() == &DataType::Date32 => {
                        let a = a.as_any().downcast_ref::<Date32Array>()?;
                        Arc::new(a.iter().map(|v| Some(v.unwrap_or(day))).collect::<Date32Array>())
                    }
                    Some(_) => return None,
                }
            }
            _ if DATES.contains(f) => return None,
            (a, values, default) => {
                let strs = match a {
                    Some(a) => Some(crate::arrow::Strs::of(a)?),
                    None => None,
                };
                // each distinct cell translated once (a dictionary-encoded column)
                crate::arrow::remapped(strs.as_ref(), n, |v| {
                    let v = v.map(trimmed).filter(|v| !v.is_empty());
                    let v = match (v, values) {
                        (Some(v), Some(m)) => match m.get(v) {
                            Some(to) => Some(to.trim()).filter(|t| !t.is_empty()),
                            None => Some(v),
                        },
                        (v, _) => v,
                    };
                    v.or(default)
                })
            }
        };
        fields.push(Field::new(*f, col.data_type().clone(), true));
        cols.push(col);
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).ok()
}

/// Appends the deals of `b` read through `map` ([`canonical`], then the typed reader), with
/// the attrs the mapping keeps ([`attr_columns`]).
pub(crate) fn append(deals: &mut crate::Deals, b: &RecordBatch, map: &KindMapping) -> Option<()> {
    append_but(deals, b, map, &[])
}

/// [`append`] leaving the canonical text columns `unread` out (not read, and their columns of
/// `deals` not written: `arrow::append_deals`).
pub(super) fn append_but(deals: &mut crate::Deals, b: &RecordBatch, map: &KindMapping, unread: &[&str]) -> Option<()> {
    let start = deals.len();
    let mut c = canonical(RecordKind::Deals, b, map)?;
    if !unread.is_empty() {
        let keep: Vec<usize> = (0..c.num_columns()).filter(|&i| !unread.contains(&c.schema_ref().field(i).name().as_str())).collect();
        c = c.project(&keep).ok()?;
    }
    crate::arrow::append_deals(deals, &c, unread)?;
    let names = attr_columns(b, map);
    crate::arrow::append_attrs(deals, start, b, &names)
}

/// Appends the leads of `b` read through `map` ([`canonical`], then the typed reader), with
/// the attrs the mapping keeps ([`attr_columns`]).
pub(crate) fn append_leads(leads: &mut crate::Leads, b: &RecordBatch, map: &KindMapping) -> Option<()> {
    crate::arrow::append_leads(leads, &canonical(RecordKind::Leads, b, map)?, b, &attr_columns(b, map))
}

/// Appends the subscription months of `b` read through `map` ([`canonical`], then the typed
/// reader), with the attrs the mapping keeps ([`attr_columns`]).
pub(crate) fn append_subscriptions(subs: &mut crate::Subscriptions, b: &RecordBatch, map: &KindMapping) -> Option<()> {
    let mut attrs = attr_columns(b, map);
    attrs.retain(|c| !super::kinds::SUBSCRIPTION_FIELDS.contains(c)); // as `subscription_from_row` drops them
    crate::arrow::append_subscriptions(subs, &canonical(RecordKind::Subscriptions, b, map)?, b, &attrs)
}

/// Appends the survey answers of `b` read through `map` ([`canonical`], then the typed reader),
/// with the attrs the mapping keeps ([`attr_columns`]) but those named as a canonical survey
/// field (the row path drops them: `attrs_without`).
pub(crate) fn append_surveys(surveys: &mut crate::Surveys, b: &RecordBatch, map: &KindMapping) -> Option<()> {
    let mut attrs = attr_columns(b, map);
    attrs.retain(|c| !super::kinds::SURVEY_FIELDS.contains(c));
    crate::arrow::append_surveys(surveys, &canonical(RecordKind::Surveys, b, map)?, b, &attrs)
}

/// The columns of `b` that `map` keeps as attrs, as the row path picks them (`MappedRow::attrs`):
/// none, those listed (once each), or under `"all"` every column [`AttrFilter`] keeps.
fn attr_columns<'b>(b: &'b RecordBatch, map: &'b KindMapping) -> Vec<&'b str> {
    let schema = b.schema_ref();
    match &map.attrs {
        Attrs::Mode(AttrsMode::None) => Vec::new(),
        Attrs::Columns(cols) => {
            let mut seen = std::collections::BTreeSet::new();
            cols.iter().map(String::as_str).filter(|c| seen.insert(*c)).collect()
        }
        Attrs::Mode(AttrsMode::All) => {
            let filter = AttrFilter::new(map);
            schema.fields().iter().map(|f| f.name().as_str()).filter(|c| filter.keeps(c)).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arrow::Strs;
    use arrow_array::StringArray;

    fn map(json: &str) -> KindMapping {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn renames_value_maps_and_defaults_make_canonical_columns() {
        let b = RecordBatch::try_from_iter([
            ("opp", Arc::new(StringArray::from(vec!["A1", "A2"])) as ArrayRef),
            ("stage", Arc::new(StringArray::from(vec![Some(" Won "), None])) as ArrayRef),
            ("engage", Arc::new(Date32Array::from(vec![Some(20000), None])) as ArrayRef),
        ])
        .unwrap();
        let m = map(r#"{"columns": {"deal_id": "opp", "status": "stage", "created_on": "engage"},
                "values": {"status": {"Won": "won", "Gone": ""}},
                "defaults": {"status": "open", "currency": "USD", "created_on": "2017-12-31"}}"#);
        let c = canonical(RecordKind::Deals, &b, &m).unwrap();
        let text = |name: &str, i: usize| Strs::of(c.column_by_name(name).unwrap()).unwrap().get(i).map(str::to_string);
        assert!(Arc::ptr_eq(c.column_by_name("deal_id").unwrap(), b.column(0)), "a rename copies nothing");
        assert_eq!((text("status", 0), text("status", 1)), (Some("won".into()), Some("open".into())));
        assert_eq!((text("currency", 0), text("currency", 1)), (Some("USD".into()), Some("USD".into())));
        let created = c.column_by_name("created_on").unwrap().as_any().downcast_ref::<Date32Array>().unwrap();
        assert_eq!((created.value(0), created.value(1)), (20000, Date32Type::from_naive_date("2017-12-31".parse().unwrap())));
        // What the row path must read: a default with spaces, a value map on a date or amount.
        for refused in [
            r#"{"defaults": {"currency": " USD"}}"#,
            r#"{"columns": {"created_on": "engage"}, "values": {"created_on": {"x": "2020-01-01"}}}"#,
            r#"{"defaults": {"amount": "0"}}"#,
            r#"{"defaults": {"closed_on": "31/12/2017"}}"#,
        ] {
            assert!(canonical(RecordKind::Deals, &b, &map(refused)).is_none(), "{refused}");
        }
    }

    #[test]
    fn kept_attr_columns_are_read_into_their_columns() {
        use arrow_array::Int64Array;
        use arrow_array::builder::StringDictionaryBuilder;
        use arrow_array::types::Int32Type;
        let mut account = StringDictionaryBuilder::<Int32Type>::new();
        [Some(" Acme "), None, Some(""), Some("Bolt")].iter().for_each(|a| account.append_option(*a));
        let b = RecordBatch::try_from_iter([
            ("opp", Arc::new(StringArray::from(vec!["A1", "A2", "A3", "A4"])) as ArrayRef),
            ("stage", Arc::new(StringArray::from(vec!["open"; 4])) as ArrayRef),
            ("engage", Arc::new(Date32Array::from(vec![20000; 4])) as ArrayRef),
            ("account", Arc::new(account.finish()) as ArrayRef),
            ("zone", Arc::new(StringArray::from(vec![Some("EU"), Some("  "), None, Some("us ")])) as ArrayRef),
            ("seats", Arc::new(Int64Array::from(vec![1, 2, 3, 4])) as ArrayRef),
        ])
        .unwrap();
        let m = |attrs: &str| {
            map(&format!(r#"{{"columns": {{"deal_id": "opp", "status": "stage", "created_on": "engage"}}, "attrs": {attrs}}}"#))
        };
        let mut d = crate::Deals::default();
        append(&mut d, &b, &m(r#"["account", "zone", "account", "nope"]"#)).expect("text attrs are read");
        let row = |d: &crate::Deals, i: usize| (d.attr(i, "account").map(str::to_string), d.attr(i, "zone").map(str::to_string));
        assert_eq!(row(&d, 0), (Some("Acme".into()), Some("EU".into())), "trimmed");
        assert_eq!(row(&d, 1), (None, None), "null, blank");
        assert_eq!(row(&d, 2), (None, None), "empty, null");
        assert_eq!(row(&d, 3), (Some("Bolt".into()), Some("us".into())));
        assert_eq!(d.get(3).attrs.len(), 2);
        // a kept column of another type: rendered as the row path renders it
        let mut all = crate::Deals::default();
        append(&mut all, &b, &m(r#""all""#)).unwrap();
        assert_eq!((all.attr(1, "seats"), all.attr(0, "account"), all.attr(0, "zone")), (Some("2"), Some("Acme"), Some("EU")));
        // one the row path refuses (it names the column): left to it
        let ts = arrow_array::TimestampSecondArray::from(vec![0i64; 4]).with_timezone("Mars/Olympus");
        let odd = crate::arrow::with_column(&b, "when", Arc::new(ts));
        assert!(append(&mut crate::Deals::default(), &odd, &m(r#"["when"]"#)).is_none());
        let mut none = crate::Deals::default();
        append(&mut none, &b, &m(r#""none""#)).unwrap();
        assert!((0..4).all(|i| none.get(i).attrs.is_empty()));
    }
}
