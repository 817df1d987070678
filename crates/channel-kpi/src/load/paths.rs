//! Finding the files of a dataset: a directory of canonical (or mapped) files, or a list of
//! files and directories.

use super::assemble::load_sources;
use super::kinds::RecordKind;
use super::mapping::Mapping;
use super::report::{LoadOptions, LoadReport};
use super::source::Source;
use crate::Dataset;
use crate::error::{Error, Location, Result};
use std::path::{Path, PathBuf};

/// The extensions of a kind's file, `parquet` included in a build without the feature (whose
/// reader then refuses the file, naming the feature, rather than the file going unseen).
const EXTENSIONS: &[&str] = &["csv", "jsonl", "ndjson", "parquet"];

fn io_error(path: &Path, msg: &str) -> Error {
    Error::Io { path: path.display().to_string(), source: std::io::Error::new(std::io::ErrorKind::NotFound, msg.to_string()) }
}

/// The file of `kind` in `dir`: the mapping's `file` (which must then exist), else
/// `<kind>.csv`, `<kind>.jsonl`, `<kind>.ndjson` or (feature `parquet`) `<kind>.parquet` (at
/// most one of them).
fn file_of(dir: &Path, kind: RecordKind, mapping: &Mapping) -> Result<Option<PathBuf>> {
    if let Some(f) = &mapping.kind(kind).file {
        let p = dir.join(f);
        if !p.is_file() {
            return Err(io_error(&p, &format!("the mapping names this file for {kind}, but it does not exist")));
        }
        return Ok(Some(p));
    }
    let found: Vec<PathBuf> = EXTENSIONS.iter().map(|e| dir.join(format!("{}.{e}", kind.name()))).filter(|p| p.is_file()).collect();
    match found.len() {
        0 => Ok(None),
        1 => Ok(found.into_iter().next()),
        _ => Err(Error::invalid(
            Location { file: Some(dir.display().to_string()), value: Some(kind.name().into()), ..Default::default() },
            format!("several files for {kind}: {}; keep one", found.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")),
        )),
    }
}

/// The sources of a directory, one per kind found.
pub fn dir_sources(dir: &Path, mapping: &Mapping) -> Result<Vec<Source>> {
    if !dir.is_dir() {
        return Err(io_error(dir, "not a directory"));
    }
    let mut out = Vec::new();
    for kind in RecordKind::ALL {
        if let Some(p) = file_of(dir, kind, mapping)? {
            out.push(Source::open(kind, p)?);
        }
    }
    if out.is_empty() {
        return Err(io_error(
            dir,
            "no record files here (looked for deals.csv, leads.csv, … or .jsonl / .parquet, and the files the mapping names)",
        ));
    }
    Ok(out)
}

/// Loads a directory: whichever of `deals`, `stage_history`, `leads`, `partners`,
/// `org_units`, `targets`, `spend`, `pipeline`, `fx_rates` (`.csv`, `.jsonl`, `.ndjson` or
/// `.parquet`, or the file a mapping names) exist, stage history attached to deals, the dataset validated.
///
/// ```no_run
/// use channel_kpi::load::{load_dir, LoadOptions, Mapping};
/// let mapping = Mapping::from_json_file("examples/mappings/maven.json").unwrap();
/// let (data, report) = load_dir("../shared/datasets/maven-crm-sales-opportunities", &mapping, &LoadOptions::default()).unwrap();
/// println!("{report}{} deals", data.deals.len());
/// ```
pub fn load_dir(dir: impl AsRef<Path>, mapping: &Mapping, opts: &LoadOptions) -> Result<(Dataset, LoadReport)> {
    load_sources(dir_sources(dir.as_ref(), mapping)?, mapping, opts)
}

/// The record kind a file holds, from its name: a file the mapping names for a kind, else a
/// canonical stem (`deals.csv`, `leads.jsonl`, …).
pub fn kind_of(path: &Path, mapping: &Mapping) -> Result<RecordKind> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if let Some(k) = RecordKind::ALL.into_iter().find(|k| mapping.kind(*k).file.as_deref() == Some(name)) {
        return Ok(k);
    }
    let stem = path.file_stem().and_then(|n| n.to_str()).unwrap_or("");
    RecordKind::from_name(stem).ok_or_else(|| {
        Error::invalid(
            Location { file: Some(path.display().to_string()), ..Default::default() },
            "cannot tell which records this file holds: name it deals.csv, leads.csv, … (docs/data-format.md) or set `file` in the mapping",
        )
    })
}

/// Loads files and directories together (a directory contributes every file [`load_dir`]
/// would read). Two sources of one kind are both read.
pub fn load_paths(paths: &[PathBuf], mapping: &Mapping, opts: &LoadOptions) -> Result<(Dataset, LoadReport)> {
    load_sources(path_sources(paths, mapping)?, mapping, opts)
}

/// The sources of files and directories, opened, in the order given (a directory's in
/// [`RecordKind::ALL`] order).
pub(super) fn path_sources(paths: &[PathBuf], mapping: &Mapping) -> Result<Vec<Source>> {
    let mut sources = Vec::new();
    for p in paths {
        if p.is_dir() {
            sources.extend(dir_sources(p, mapping)?);
        } else if p.is_file() {
            sources.push(Source::open(kind_of(p, mapping)?, p)?);
        } else {
            return Err(io_error(p, "no such file or directory"));
        }
    }
    Ok(sources)
}

/// Loads one file of a known kind into a dataset (validated).
pub fn load_file(path: impl AsRef<Path>, kind: RecordKind, mapping: &Mapping, opts: &LoadOptions) -> Result<(Dataset, LoadReport)> {
    load_sources(vec![Source::open(kind, path)?], mapping, opts)
}
