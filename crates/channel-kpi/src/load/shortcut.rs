//! Which deals sources the loader's typed readers take (none under
//! [`LoadOptions::row_path_only`]): `load/csv_deals.rs` (CSV, JSON Lines) those read through
//! any mapping; `load/typed.rs` (Arrow tables and Parquet files) those read through a mapping
//! without lookups, attrs included (`load/mapped_batch.rs` says which renames, value maps and
//! defaults it reads).

use super::kinds::RecordKind;
use super::mapping::{KindMapping, Mapping};
use super::report::LoadOptions;
use std::borrow::Cow;

/// [`mapped`], when it has no lookups (what `load/typed.rs` reads through).
#[cfg(feature = "arrow")]
pub(super) fn shortcut_map<'m>(mapping: &'m Mapping, opts: &LoadOptions) -> Option<Cow<'m, KindMapping>> {
    mapped(mapping, opts).filter(|m| m.lookups.is_empty())
}

/// The deals mapping narrowed to the query's attrs ([`LoadOptions::only_attrs`]), when the
/// typed readers read through it (`None` under [`LoadOptions::row_path_only`]).
pub(super) fn mapped<'m>(mapping: &'m Mapping, opts: &LoadOptions) -> Option<Cow<'m, KindMapping>> {
    let kind = RecordKind::Deals;
    if opts.row_path_only {
        return None;
    }
    let map = match super::read::only_attrs(kind, mapping.kind(kind), opts) {
        Some(m) => Cow::Owned(m),
        None => Cow::Borrowed(mapping.kind(kind)),
    };
    Some(map)
}

/// The columns of a deals table the shortcut reads (`None` when a required one is missing):
/// the canonical fields through the mapping, and the attrs it keeps
/// (`load/mapped_batch.rs`, read into the attr columns of [`crate::Deals`]).
#[cfg(feature = "arrow")]
pub(super) fn columns(name: &str, header: &[String], map: &KindMapping) -> Option<super::TableColumns> {
    let kind = RecordKind::Deals;
    let cols = super::TableColumns::new(kind, name, header, map);
    super::check_required(&cols, kind).ok()?;
    Some(cols)
}
