//! The boundary between C and Rust: the one macro every exported function sits behind, the
//! registry of live handles, and the conversions of raw C arguments (strings, dates, buffers).
//!
//! Model: rustls-ffi (`ffi.rs`, `panic.rs`). Every entry point is
//! `ffi_boundary!(ptr_a, ptr_b; { body })`: NULL pointers in the list become
//! `CKPI_NULL_ARGUMENT` before the body runs, and a panic in the body becomes `CKPI_PANIC`
//! instead of unwinding into C (which would abort the host process).
//!
//! Handles are never dereferenced: a handle is a slot index plus a generation in the handle
//! table (`src/handles.rs`), looked up (with its type) before every use, so a freed,
//! double-freed, forged or wrong-kind handle is `CKPI_INVALID_HANDLE` — also after its slot
//! was reused by a new handle.

use crate::status::ckpi_status;
use std::ffi::c_char;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Runs `$body` (which evaluates to a `ckpi_status`) with panics caught and the listed pointer
/// arguments checked for NULL first.
macro_rules! ffi_boundary {
    ($($ptr:ident),* ; $body:block) => {{
        $(if $ptr.is_null() {
            return $crate::status::ckpi_status::CKPI_NULL_ARGUMENT;
        })*
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| -> $crate::status::ckpi_status { $body })) {
            Ok(status) => status,
            Err(_) => $crate::status::ckpi_status::CKPI_PANIC,
        }
    }};
}
pub(crate) use ffi_boundary;

/// For the `_free` functions, which return nothing: NULL is a no-op, panics are swallowed.
macro_rules! ffi_boundary_void {
    ($ptr:ident ; $body:block) => {{
        if $ptr.is_null() {
            return;
        }
        let _ = ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| $body));
    }};
}
pub(crate) use ffi_boundary_void;

/// Early-returns the error status of a `Result<_, ckpi_status>`.
macro_rules! tri {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(status) => return status,
        }
    };
}
pub(crate) use tri;

pub(crate) use crate::handles::{lookup, register, unregister};

/// Read access to a handle's state, tolerating poison (a caught panic leaves the state
/// memory-safe).
pub(crate) fn read<T>(m: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(|e| e.into_inner())
}

/// Write access to a handle's state, tolerating poison.
pub(crate) fn write<T>(m: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    m.write().unwrap_or_else(|e| e.into_inner())
}

/// A string argument: `ptr` + `len` bytes, UTF-8. `None` when `ptr` is NULL and `len` is 0.
///
/// # Safety
/// `ptr` must point to `len` readable bytes (the C caller's contract).
pub(crate) unsafe fn opt_str<'a>(ptr: *const c_char, len: usize) -> Result<Option<&'a str>, ckpi_status> {
    if ptr.is_null() {
        return if len == 0 { Ok(None) } else { Err(ckpi_status::CKPI_NULL_ARGUMENT) };
    }
    if len > isize::MAX as usize {
        return Err(ckpi_status::CKPI_INVALID_ARGUMENT);
    }
    let bytes = unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) };
    std::str::from_utf8(bytes).map(Some).map_err(|_| ckpi_status::CKPI_INVALID_UTF8)
}

/// A required string argument (NULL is `CKPI_NULL_ARGUMENT`, even with `len` 0).
///
/// # Safety
/// As [`opt_str`].
pub(crate) unsafe fn req_str<'a>(ptr: *const c_char, len: usize) -> Result<&'a str, ckpi_status> {
    unsafe { opt_str(ptr, len) }?.ok_or(ckpi_status::CKPI_NULL_ARGUMENT)
}

/// Copies `bytes` plus a NUL into `buf` (capacity `len`) and stores `bytes.len()` in `*written`.
/// `buf = NULL, len = 0` stores only the length. Writes nothing when the buffer is too small.
///
/// # Safety
/// `buf` must have `len` writable bytes; `written` must be valid for a write.
pub(crate) unsafe fn copy_out(bytes: &[u8], buf: *mut c_char, len: usize, written: *mut usize) -> ckpi_status {
    if written.is_null() {
        return ckpi_status::CKPI_NULL_ARGUMENT;
    }
    if buf.is_null() {
        if len != 0 {
            return ckpi_status::CKPI_NULL_ARGUMENT;
        }
        unsafe { *written = bytes.len() };
        return ckpi_status::CKPI_OK;
    }
    if len < bytes.len() + 1 {
        return ckpi_status::CKPI_BUFFER_TOO_SMALL;
    }
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf.cast::<u8>(), bytes.len());
        *buf.add(bytes.len()) = 0;
        *written = bytes.len();
    }
    ckpi_status::CKPI_OK
}

/// Writes `value` to the out-parameter (already checked for NULL by the boundary).
///
/// # Safety
/// `out` must be valid for a write of `T`.
pub(crate) unsafe fn put<T>(out: *mut T, value: T) -> ckpi_status {
    unsafe { out.write(value) };
    ckpi_status::CKPI_OK
}
