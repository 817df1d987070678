//! Partial results from C: the dataset's records folded into partial-result bytes covering a
//! named part (one per machine, process or file), the partner records folded once, and the
//! bytes of many parts decoded, merged and finished with the dataset's reference data. A
//! skin over `Dataset::partial_part`, `Reference::partial`, `Partial::from_bytes`, `merge`
//! and `finish`: a tampered, truncated or foreign-version partial, or a part given twice, is
//! `CKPI_MERGE_ERROR` with the core's message in `ckpi_dataset_last_error`.

use crate::boundary::{copy_out, ffi_boundary, lookup, put, read, register, req_str, tri, write};
use crate::dataset::{DatasetHandle, ckpi_dataset};
use crate::error::{Fail, core_fail, record};
use crate::query::{QueryHandle, ckpi_query};
use crate::result::{ResultHandle, ckpi_result};
use crate::status::ckpi_status;
use channel_kpi::{Part, Partial};
use std::ffi::c_char;

/// Folds the dataset's fact records (every kind but the partners) for query `q` into
/// partial-result bytes covering the part `part` (`part_len` bytes of UTF-8, unique per
/// part), validating the dataset first. Buffer rules as `ckpi_status_message`: call with
/// `buf = NULL, len = 0` for the size in `*written`, then with a buffer of at least
/// `*written + 1` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_dataset_partial(
    ds: *mut ckpi_dataset,
    q: *const ckpi_query,
    part: *const c_char,
    part_len: usize,
    buf: *mut u8,
    len: usize,
    written: *mut usize,
) -> ckpi_status {
    ffi_boundary!(ds, q, part, written; {
        let id = tri!(unsafe { req_str(part, part_len) }).to_string();
        let outcome = fold(ds, q, |st, query| st.partial_part(query, &Part::id(id)));
        match outcome {
            Ok(b) => unsafe { copy_out(&b, buf.cast(), len, written) },
            Err(status) => status,
        }
    })
}

/// The dataset validated (once), the query built, `f` run and its partial encoded; the
/// outcome recorded as this thread's last error on `ds`.
fn fold(
    ds: *const ckpi_dataset,
    q: *const ckpi_query,
    f: impl FnOnce(&channel_kpi::Dataset, &channel_kpi::Query) -> channel_kpi::Result<Partial>,
) -> Result<Vec<u8>, ckpi_status> {
    let qh = lookup::<QueryHandle, _>(q)?;
    let h = lookup::<DatasetHandle, _>(ds)?;
    let outcome = (|| -> Result<Vec<u8>, Fail> {
        let query = read(&qh).build()?;
        let mut st = write(&h);
        if !st.validated {
            st.validate()?;
        }
        f(&st.data, &query).and_then(|p| p.to_bytes()).map_err(core_fail)
    })();
    match outcome {
        Ok(b) => {
            record(ds, Ok(()));
            Ok(b)
        }
        Err(e) => Err(record(ds, Err(e))),
    }
}

/// Folds the dataset's partner records for query `q` into partial-result bytes covering the
/// part `reference:partners`: fold it once, wherever the parts are merged. Buffer rules as
/// `ckpi_dataset_partial`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_dataset_reference_partial(
    ds: *mut ckpi_dataset,
    q: *const ckpi_query,
    buf: *mut u8,
    len: usize,
    written: *mut usize,
) -> ckpi_status {
    ffi_boundary!(ds, q, written; {
        match fold(ds, q, |d, query| d.refs.partial(query)) {
            Ok(b) => unsafe { copy_out(&b, buf.cast(), len, written) },
            Err(status) => status,
        }
    })
}

/// Decodes `n` partial results (`parts[i]`, `lens[i]` bytes each), merges them in order and
/// finishes them with the dataset's reference data into a new result in `*out` (free it with
/// `ckpi_result_free`). `CKPI_MERGE_ERROR` when bytes are not a valid partial of this format
/// version, the parts answer different queries or other reference data, or a part is covered
/// twice; `ckpi_dataset_last_error` says which.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_dataset_finish_partials(
    ds: *mut ckpi_dataset,
    parts: *const *const u8,
    lens: *const usize,
    n: usize,
    out: *mut *mut ckpi_result,
) -> ckpi_status {
    ffi_boundary!(ds, parts, lens, out; {
        if n == 0 || n > isize::MAX as usize / 8 {
            return ckpi_status::CKPI_INVALID_ARGUMENT;
        }
        let (ptrs, sizes) = unsafe { (std::slice::from_raw_parts(parts, n), std::slice::from_raw_parts(lens, n)) };
        if ptrs.iter().any(|p| p.is_null()) {
            return ckpi_status::CKPI_NULL_ARGUMENT;
        }
        let h = tri!(lookup::<DatasetHandle, _>(ds));
        let outcome = (|| -> Result<channel_kpi::ResultTable, Fail> {
            let mut whole: Option<Partial> = None;
            for (&p, &l) in ptrs.iter().zip(sizes) {
                let bytes = unsafe { std::slice::from_raw_parts(p, l) };
                let part = Partial::from_bytes(bytes).map_err(core_fail)?;
                match whole.as_mut() {
                    None => whole = Some(part),
                    Some(w) => w.merge(&part).map_err(core_fail)?,
                }
            }
            let mut st = write(&h);
            if !st.validated {
                st.validate()?;
            }
            let none = || (ckpi_status::CKPI_INVALID_ARGUMENT, crate::error::LastError::boundary(ckpi_status::CKPI_INVALID_ARGUMENT, None, "n", Some("0".into())));
            whole.ok_or_else(none)?.finish(&st.data.refs).map_err(core_fail)
        })();
        match outcome {
            Ok(t) => {
                record(ds, Ok(()));
                unsafe { put(out, register::<ResultHandle, ckpi_result>(t)) }
            }
            Err(e) => record(ds, Err(e)),
        }
    })
}
