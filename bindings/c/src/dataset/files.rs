//! Export files: `ckpi_load_options`, `ckpi_dataset_load_dir` (files → a dataset) and
//! `ckpi_query_run_files` (files → a query's result, folded as the files are read, without a
//! dataset: the core's `load::run_files`).

use super::{ckpi_dataset, with_dataset};
use crate::boundary::{ffi_boundary, lookup, opt_str, put, read, register, req_str, tri};
use crate::error::{Fail, LastError, core_fail, record};
use crate::query::{QueryHandle, ckpi_query};
use crate::records::ckpi_str;
use crate::result::{ResultHandle, ckpi_result};
use crate::status::ckpi_status;
use crate::versioned::{self, Versioned};
use channel_kpi::load::{LoadOptions, Mapping, load_dir, run_files};
use std::ffi::c_char;

/// Options of `ckpi_dataset_load_dir` and `ckpi_query_run_files`. Start from
/// `ckpi_load_options_init(&o, sizeof o)`: it sets `struct_size`, which lets later versions add
/// fields without breaking old callers.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ckpi_load_options {
    /// `sizeof` the caller's struct, set by `ckpi_load_options_init`: the library reads exactly this many
    /// bytes (see the header's ABI policy).
    pub struct_size: u32,
    /// 0: stop at the first bad row. 1: skip bad rows and fail at the end with
    /// `CKPI_MANY_ERRORS` (the last error then describes the first bad row).
    pub collect_errors: u32,
    /// The longest line accepted, in bytes (0 = the default, 1 MiB). A longer line stops the
    /// load with `CKPI_PARSE_ERROR` naming its file and line, without reading the rest.
    pub max_line_bytes: u64,
    /// Keep only these `attrs` columns (the extra columns a mapping keeps for `attr:<col>`
    /// grouping): `only_attrs_count` names at `only_attrs`, borrowed for the call. NULL (the
    /// default): what the mapping keeps — for `ckpi_query_run_files`, what the query reads
    /// (its `attr:` dimensions). Non-NULL with a count of 0: none. A dataset then holds, and a
    /// Parquet file decodes, only these extra columns.
    pub only_attrs: *const ckpi_str,
    /// The number of names at `only_attrs`.
    pub only_attrs_count: usize,
}

// SAFETY: #[repr(C)], `struct_size: u32` first, integer and pointer fields only.
unsafe impl Versioned for ckpi_load_options {
    const NAME: &'static str = "load options";
    fn defaults() -> Self {
        ckpi_load_options {
            struct_size: size_of::<Self>() as u32,
            collect_errors: 0,
            max_line_bytes: 0,
            only_attrs: std::ptr::null(),
            only_attrs_count: 0,
        }
    }
}

fn bad(status: ckpi_status, field: &str, v: Option<String>) -> Fail {
    (status, LastError::boundary(status, Some("load options".into()), field, v))
}

/// The core's options from a caller's `ckpi_load_options` (NULL: the defaults).
///
/// # Safety
/// `opts` is NULL or an initialised `ckpi_load_options` whose `only_attrs` (when not NULL)
/// points to `only_attrs_count` `ckpi_str`s.
unsafe fn load_options(opts: *const ckpi_load_options) -> Result<LoadOptions, Fail> {
    let o = if opts.is_null() { ckpi_load_options::defaults() } else { unsafe { versioned::read(opts) }? };
    let collect_errors = match o.collect_errors {
        0 => false,
        1 => true,
        v => return Err(bad(ckpi_status::CKPI_INVALID_ARGUMENT, "collect_errors", Some(v.to_string()))),
    };
    let mut lo = LoadOptions { collect_errors, ..LoadOptions::default() };
    if o.max_line_bytes != 0 {
        lo.max_line_bytes = usize::try_from(o.max_line_bytes).unwrap_or(usize::MAX);
    }
    if !o.only_attrs.is_null() {
        if o.only_attrs_count > isize::MAX as usize / size_of::<ckpi_str>() {
            return Err(bad(ckpi_status::CKPI_INVALID_ARGUMENT, "only_attrs_count", Some(o.only_attrs_count.to_string())));
        }
        // SAFETY: the caller promises `only_attrs_count` strings at `only_attrs`.
        let names = unsafe { std::slice::from_raw_parts(o.only_attrs, o.only_attrs_count) };
        let mut set = std::collections::BTreeSet::new();
        for (i, s) in names.iter().enumerate() {
            // SAFETY: each string's `len` bytes are readable at its `ptr` (the caller's promise).
            match unsafe { opt_str(s.ptr, s.len) } {
                Ok(Some(n)) if !n.is_empty() => set.insert(n.to_string()),
                Ok(_) => return Err(bad(ckpi_status::CKPI_INVALID_ARGUMENT, "only_attrs", Some(format!("name {i} is empty")))),
                Err(status) => return Err(bad(status, "only_attrs", Some(format!("name {i}")))),
            };
        }
        lo.only_attrs = Some(set);
    }
    Ok(lo)
}

fn mapping_of(text: Option<&str>) -> Result<Mapping, Fail> {
    match text.filter(|m| !m.trim().is_empty()) {
        Some(m) => Mapping::from_json_str(m).map_err(core_fail),
        None => Ok(Mapping::default()),
    }
}

/// `ckpi_dataset_load_csv_dir` with options (`opts` NULL = the defaults).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_dataset_load_dir(
    ds: *mut ckpi_dataset,
    path: *const c_char,
    path_len: usize,
    mapping_json: *const c_char,
    mapping_len: usize,
    opts: *const ckpi_load_options,
) -> ckpi_status {
    ffi_boundary!(ds, path; {
        let dir = tri!(unsafe { req_str(path, path_len) });
        let mapping = tri!(unsafe { opt_str(mapping_json, mapping_len) });
        with_dataset(ds, |st| {
            // SAFETY: the caller passes NULL or an initialised ckpi_load_options.
            let lo = unsafe { load_options(opts) }?;
            let (piece, report) = load_dir(dir, &mapping_of(mapping)?, &lo).map_err(core_fail)?;
            report.into_result().map_err(core_fail)?;
            st.append(piece)
        })
    })
}

/// Runs query `q` on export files — `path` is a directory (the files `ckpi_dataset_load_dir`
/// reads) or one file (`deals.csv`, `leads.parquet`, …) — and stores a new result in `*out`
/// (free it with `ckpi_result_free`), without building a dataset: each record is folded into
/// the query as it is read, so memory does not grow with the files (a table of 8 bytes per
/// deal id aside). Results and errors are exactly those of `ckpi_dataset_load_dir` then
/// `ckpi_dataset_run` with the same options (the library falls back to that when it must: a
/// `stage_history` file, a duplicate id, a bad reference). `mapping_json` and `opts` as
/// `ckpi_dataset_load_dir`; with `collect_errors` 1 bad rows end in `CKPI_MANY_ERRORS` (no
/// result). On failure `ckpi_query_last_error(q, …)` says why (file, line or row, column, value).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_query_run_files(
    q: *const ckpi_query,
    path: *const c_char,
    path_len: usize,
    mapping_json: *const c_char,
    mapping_len: usize,
    opts: *const ckpi_load_options,
    out: *mut *mut ckpi_result,
) -> ckpi_status {
    ffi_boundary!(q, path, out; {
        let qh = tri!(lookup::<QueryHandle, _>(q));
        let arg = |status: ckpi_status, field: &str| record(q, Err((status, LastError::boundary(status, None, field, None))));
        let path = match unsafe { req_str(path, path_len) } {
            Ok(p) => p,
            Err(status) => return arg(status, "path"),
        };
        let mapping = match unsafe { opt_str(mapping_json, mapping_len) } {
            Ok(m) => m,
            Err(status) => return arg(status, "mapping_json"),
        };
        let outcome = (|| {
            let query = read(&qh).build()?;
            // SAFETY: the caller passes NULL or an initialised ckpi_load_options.
            let lo = unsafe { load_options(opts) }?;
            let (table, report) = run_files(&[path.into()], &mapping_of(mapping)?, &lo, &query).map_err(core_fail)?;
            report.into_result().map_err(core_fail)?;
            Ok(table)
        })();
        match outcome {
            Ok(t) => {
                record(q, Ok(()));
                unsafe { put(out, register::<ResultHandle, ckpi_result>(t)) }
            }
            Err(e) => record(q, Err(e)),
        }
    })
}
