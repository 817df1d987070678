//! Which sources the loader's typed readers take (none under
//! [`LoadOptions::row_path_only`]): `load/csv_deals.rs` (deals as CSV, JSON Lines) those read
//! through any mapping; `load/typed.rs` (deals, leads and surveys as Arrow tables and Parquet
//! files) those read through a mapping without lookups, attrs included (`load/mapped_batch.rs`
//! says which renames, value maps and defaults it reads).

use super::kinds::RecordKind;
use super::mapping::{KindMapping, Mapping};
use super::report::LoadOptions;
use std::borrow::Cow;

/// [`mapped`], when it has no lookups (what `load/typed.rs` reads through).
#[cfg(feature = "arrow")]
pub(super) fn shortcut_map<'m>(kind: RecordKind, mapping: &'m Mapping, opts: &LoadOptions) -> Option<Cow<'m, KindMapping>> {
    mapped(kind, mapping, opts).filter(|m| m.lookups.is_empty())
}

/// The mapping of `kind` narrowed to the query's attrs ([`LoadOptions::only_attrs`]), when the
/// typed readers read through it (`None` under [`LoadOptions::row_path_only`]).
pub(super) fn mapped<'m>(kind: RecordKind, mapping: &'m Mapping, opts: &LoadOptions) -> Option<Cow<'m, KindMapping>> {
    if opts.row_path_only {
        return None;
    }
    let map = match super::read::only_attrs(kind, mapping.kind(kind), opts) {
        Some(m) => Cow::Owned(m),
        None => Cow::Borrowed(mapping.kind(kind)),
    };
    Some(map)
}

/// The columns of a `kind` table the shortcut reads (`None` when a required one is missing):
/// the canonical fields through the mapping, and the attrs it keeps (`load/mapped_batch.rs`).
#[cfg(feature = "arrow")]
pub(super) fn columns(kind: RecordKind, name: &str, header: &[String], map: &KindMapping) -> Option<super::TableColumns> {
    let cols = super::TableColumns::new(kind, name, header, map);
    super::check_required(&cols, kind).ok()?;
    Some(cols)
}
