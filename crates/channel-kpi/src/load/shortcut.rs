//! Which deals sources the loader's typed readers take: `load/typed.rs` (Arrow tables and
//! Parquet files) those read through a mapping that renames, translates, defaults and joins
//! nothing, whose columns are canonical deal fields or columns the mapping does not keep as
//! attrs; `load/csv_deals.rs` (CSV files) those read through a mapping without lookups. None
//! under [`LoadOptions::row_path_only`].

use super::kinds::RecordKind;
use super::mapping::{KindMapping, Mapping};
use super::report::LoadOptions;
use std::borrow::Cow;

/// The deals mapping narrowed to the query's attrs ([`LoadOptions::only_attrs`]), when the
/// shortcut reads through it ([`identity`]).
#[cfg(feature = "arrow")]
pub(super) fn shortcut_map<'m>(mapping: &'m Mapping, opts: &LoadOptions) -> Option<Cow<'m, KindMapping>> {
    mapped(mapping, opts).filter(|m| identity(m))
}

/// The deals mapping narrowed to the query's attrs ([`LoadOptions::only_attrs`]), when the
/// typed CSV reader reads through it (one without lookups).
pub(super) fn mapped<'m>(mapping: &'m Mapping, opts: &LoadOptions) -> Option<Cow<'m, KindMapping>> {
    let kind = RecordKind::Deals;
    if opts.row_path_only {
        return None;
    }
    let map = match super::read::only_attrs(kind, mapping.kind(kind), opts) {
        Some(m) => Cow::Owned(m),
        None => Cow::Borrowed(mapping.kind(kind)),
    };
    map.lookups.is_empty().then_some(map)
}

/// A deals mapping the shortcut reads through: it renames, translates, defaults and joins
/// nothing.
#[cfg(feature = "arrow")]
fn identity(map: &KindMapping) -> bool {
    map.columns.is_empty() && map.values.is_empty() && map.defaults.is_empty() && map.lookups.is_empty()
}

/// The columns of a deals table the shortcut reads: every column a canonical field or one the
/// mapping does not keep as an attr (attrs are read by the row path), the required ones there.
#[cfg(feature = "arrow")]
pub(super) fn columns(name: &str, header: &[String], map: &KindMapping) -> Option<super::TableColumns> {
    use super::mapping::{Attrs, AttrsMode};
    let kind = RecordKind::Deals;
    let fields = kind.fields();
    let filter = super::row::AttrFilter::new(map);
    let attr = |c: &str| match &map.attrs {
        Attrs::Mode(AttrsMode::None) => false,
        Attrs::Mode(AttrsMode::All) => filter.keeps(c),
        Attrs::Columns(cols) => cols.iter().any(|x| x == c),
    };
    if header.iter().any(|c| !fields.contains(&c.as_str()) && attr(c)) {
        return None;
    }
    let cols = super::TableColumns::new(kind, name, header, map);
    super::check_required(&cols, kind).ok()?;
    Some(cols)
}
