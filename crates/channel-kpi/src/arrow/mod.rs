//! Arrow tables in and out (cargo feature `arrow`; arrow-array 59): the seam the Python binding
//! (and any Arrow user) goes through, so the conversion rules live here, not in a binding.
//!
//! **In** ([`load_tables`], [`crate::load::Source::from_arrow`]): each row of a record batch
//! becomes the cells of one source record, then goes through the same [`crate::load::Mapping`]
//! and conversion functions as a CSV row. Cell rules:
//! * strings (`utf8`, `large_utf8`, `utf8_view`, dictionary-encoded) are read as text;
//! * `decimal128` / `decimal256` keep their exact digits (beyond the 28 significant digits of
//!   `rust_decimal` the value is a parse error naming it);
//! * floats are read as the **shortest decimal that round-trips to the same float** (what
//!   Python's `repr` prints): `19.99` → `19.99` exactly; NaN and infinities are parse errors;
//! * integers and booleans as their text;
//! * `date32` / `date64` as dates; timestamps as the calendar date of their wall-clock time —
//!   in the column's time zone when it is `UTC` or a fixed offset (`+02:00`); a named zone
//!   (`Europe/Paris`) is rejected (convert to local naive time first);
//! * nulls are empty cells.
//!
//! Any other type (lists, structs, binary) is an error naming the column. Error locations carry
//! the table name (`deals`) and the 0-based `row`.
//!
//! **Out** ([`to_record_batch`]): a [`crate::ResultTable`] as one record batch: text → `utf8`,
//! counts → `int64`, money and decimals → `decimal128(38, 6)` (see [`MONEY_SCALE`]), rates and
//! days → `float64`, dates → `date32`, absent → null; the currency and every column's kind and
//! role travel as metadata.

mod columns;
mod dict_keys;
mod input;
mod output;
mod parts;
mod remap;
mod short_keys;
mod threads;
mod typed_dates;
mod typed_deals;
mod typed_history;
mod typed_leads;
mod typed_subscriptions;
mod typed_surveys;
mod typed_texts;
mod valid_words;

/// `b` with one more column, `name` (unit tests of the readers: a column of a type they refuse).
#[cfg(test)]
pub(crate) fn with_column(b: &arrow_array::RecordBatch, name: &str, column: arrow_array::ArrayRef) -> arrow_array::RecordBatch {
    let names = b.schema().fields().iter().map(|f| f.name().clone()).collect::<Vec<_>>();
    arrow_array::RecordBatch::try_from_iter(names.into_iter().zip(b.columns().iter().cloned()).chain([(name.to_string(), column)])).unwrap()
}

pub(crate) use columns::Strs;
pub(crate) use input::{ArrowRecords, add_iso, no_lookups};
pub use input::{Batches, load_tables};
pub use output::{MONEY_SCALE, to_record_batch};
pub use parts::{fold_tables, is_reference_kind, load_reference};
pub(crate) use remap::remapped;
pub use threads::{fold_deal_batches, fold_deal_stream};
pub(crate) use typed_deals::{append_attrs, append_deals};
pub(crate) use typed_history::append_history;
pub(crate) use typed_leads::append_leads;
pub(crate) use typed_subscriptions::append_subscriptions;
pub(crate) use typed_surveys::append_surveys;
