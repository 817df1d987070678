//! The lookup files a kind mapping joins (`lookups` in docs/mappings.md): read into tables keyed
//! by their key column, from files or from in-memory tables given with the load.

use super::kinds::RecordKind;
use super::mapping::{KindMapping, Mapping};
use super::records::Next;
use super::report::LoadOptions;
use super::row::{LookupTable, RawRecord};
use super::source::Source;
use crate::error::{Error, Location, Result};
use std::collections::HashMap;
use std::path::Path;

/// Reads the files a kind mapping's lookups name, keyed by their key column.
pub fn lookup_tables(map: &KindMapping, dir: &Path, opts: &LoadOptions) -> Result<Vec<LookupTable>> {
    map.lookups
        .iter()
        .map(|l| {
            let src = Source::open(RecordKind::Deals, dir.join(&l.file))?;
            let (name, rows) = (src.name.clone(), src.format.has_rows());
            lookup_table(l, name, src.records(opts.max_line_bytes, Some(&lookup_columns(l)))?, rows)
        })
        .collect()
}

/// The lookups of `map` for a source read from `dir`: in-memory tables from
/// [`LoadOptions::memory_tables`] when one answers to the lookup's file, else the file.
pub(super) fn lookups_for(
    map: &KindMapping,
    mapping: &Mapping,
    dir: &Path,
    in_memory: bool,
    name: &str,
    opts: &LoadOptions,
) -> Result<Vec<LookupTable>> {
    #[cfg(not(feature = "arrow"))]
    let _ = (mapping, in_memory, name);
    map.lookups
        .iter()
        .map(|l| {
            #[cfg(feature = "arrow")]
            {
                let by_kind = || {
                    RecordKind::ALL
                        .iter()
                        .find(|k| mapping.kind(**k).file.as_deref() == Some(l.file.as_str()))
                        .and_then(|k| opts.memory_tables.get(k.name()))
                };
                if let Some(b) = opts.memory_tables.get(&l.file).or_else(by_kind) {
                    let recs = crate::arrow::ArrowRecords::new(Box::new(b.clone().into_iter().map(Ok)), l.file.clone());
                    return lookup_table(l, l.file.clone(), Box::new(recs), false);
                }
                if in_memory {
                    return Err(crate::arrow::no_lookups(name, &l.file));
                }
            }
            let src = Source::open(RecordKind::Deals, dir.join(&l.file))?;
            let (file, rows) = (src.name.clone(), src.format.has_rows());
            lookup_table(l, file, src.records(opts.max_line_bytes, Some(&lookup_columns(l)))?, rows)
        })
        .collect()
}

/// The columns of a lookup file a lookup reads: its key and the joined columns.
fn lookup_columns(l: &super::Lookup) -> Vec<String> {
    std::iter::once(l.key_column().to_string()).chain(l.columns.values().cloned()).collect()
}

/// One lookup table from its records, keyed by the lookup's key column. `numbered_rows`: the
/// reader numbers rows (a Parquet file), not lines.
fn lookup_table(l: &super::Lookup, name: String, mut recs: Box<dyn super::records::Records>, numbered_rows: bool) -> Result<LookupTable> {
    let unit = if numbered_rows { "row" } else { "line" };
    let mut rows = HashMap::new();
    let mut lines: HashMap<String, u64> = HashMap::new();
    loop {
        crate::interrupt::check()?;
        match recs.next_record()? {
            Next::End => break,
            Next::Bad(e) => return Err(e),
            Next::Row(line, r) => {
                let loc = |v: &str| Location {
                    file: Some(name.clone()),
                    line: (!numbered_rows).then_some(line),
                    row: numbered_rows.then_some(line),
                    field: Some(l.key_column().into()),
                    value: Some(v.into()),
                    ..Default::default()
                };
                let key = r.cell(l.key_column()).ok_or_else(|| Error::Missing { location: loc("") })?.trim().to_string();
                if let Some(first) = lines.insert(key.clone(), line) {
                    return Err(Error::Reference {
                        location: loc(&key),
                        reason: format!("duplicate lookup key (first on {unit} {first})"),
                    });
                }
                rows.insert(key, RawRecord::of(r));
            }
        }
    }
    Ok(LookupTable { file: name, rows })
}
