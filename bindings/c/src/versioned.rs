//! Versioned records, the libgit2 way: every record and options struct starts with
//! `uint32_t struct_size`, `ckpi_X_init(&x, sizeof x)` fills in the defaults, and the library
//! never writes or reads more bytes than the caller's struct has.
//!
//! * `ckpi_X_init(out, size)` writes exactly `size` bytes (this library's defaults, cut to
//!   `size`; `struct_size = size`). A `size` larger than this library's struct means the
//!   program was built against a newer header: `CKPI_STRUCT_TOO_NEW`, nothing written.
//! * A pusher reads `struct_size` first, then exactly `struct_size` bytes into a copy that
//!   holds the defaults: fields beyond the caller's struct (added by a later release) take
//!   their defaults. `struct_size` above this library's size is `CKPI_STRUCT_TOO_NEW`; below 4
//!   (a `memset(0)` struct, never initialised) `CKPI_INVALID_ARGUMENT`. Both name the record
//!   and field `struct_size` in the last error.
//!
//! Why this and not opaque builders (rustls-ffi): the record structs are the API vendors
//! already use (fill fields, push); a size prefix keeps that, costs one call per record, and
//! growth at the end is all this library needs. Why sizes rather than version numbers: the
//! compiler computes them (`sizeof x`), so they cannot be stale; the rule that makes them
//! unambiguous — every added field grows the struct — is checked by a test (`published_sizes`
//! in `init.rs`).
//!
//! Why `*_default()` (returning a struct by value) went: a by-value return writes the
//! library's `sizeof`, not the caller's — with one more field in the library it smashed the
//! caller's stack. There is no safe way to keep it.

use crate::error::{Fail, LastError};
use crate::status::ckpi_status;

/// A `#[repr(C)]` record or options struct whose first field is `struct_size: u32`.
///
/// # Safety
/// Implementors are `#[repr(C)]`, start with `struct_size: u32` at offset 0, and every bit
/// pattern is a valid value of every field (integers, raw pointers, `ckpi_str`).
pub(crate) unsafe trait Versioned: Copy {
    /// The record's name in errors (`deal`).
    const NAME: &'static str;
    /// Every optional field empty, every optional date `CKPI_DATE_NONE` (`struct_size` as set
    /// by [`init`]).
    fn defaults() -> Self;
}

const SIZE_FIELD: usize = size_of::<u32>();

/// The body of every `ckpi_X_init`: writes this library's defaults into the first
/// `struct_size` bytes at `out` (never more) and sets `struct_size`.
///
/// # Safety
/// `out` is NULL or points to `struct_size` writable bytes.
pub(crate) unsafe fn init<T: Versioned>(out: *mut T, struct_size: usize) -> ckpi_status {
    if out.is_null() {
        return ckpi_status::CKPI_NULL_ARGUMENT;
    }
    if struct_size < SIZE_FIELD {
        return ckpi_status::CKPI_INVALID_ARGUMENT;
    }
    if struct_size > size_of::<T>() {
        return ckpi_status::CKPI_STRUCT_TOO_NEW;
    }
    let mut v = T::defaults();
    // SAFETY: `struct_size: u32` is at offset 0 (the trait's contract). The byte copy is
    // untyped (padding included) and stays within both objects.
    unsafe {
        (&mut v as *mut T).cast::<u32>().write(struct_size as u32);
        std::ptr::copy_nonoverlapping((&v as *const T).cast::<u8>(), out.cast::<u8>(), struct_size);
    }
    ckpi_status::CKPI_OK
}

/// Reads a caller's record: its `struct_size`, then exactly that many bytes over a copy of the
/// defaults. Failures name the record and the field `struct_size`.
///
/// # Safety
/// `p` is not NULL and points to a struct whose first 4 bytes are its `struct_size` and that
/// has that many readable bytes (what `ckpi_X_init` sets up).
pub(crate) unsafe fn read<T: Versioned>(p: *const T) -> Result<T, Fail> {
    // SAFETY: every struct has at least its `struct_size` field.
    let size = unsafe { p.cast::<u32>().read_unaligned() } as usize;
    let fail = |status: ckpi_status| {
        let e = LastError::boundary(status, Some(T::NAME.into()), "struct_size", Some(size.to_string()));
        Err((status, e))
    };
    if size < SIZE_FIELD {
        return fail(ckpi_status::CKPI_INVALID_ARGUMENT);
    }
    if size > size_of::<T>() {
        return fail(ckpi_status::CKPI_STRUCT_TOO_NEW);
    }
    let mut v = T::defaults();
    // SAFETY: `size` bytes are readable at `p` (the caller's contract) and fit in `v`; every
    // bit pattern is valid for every field (the trait's contract).
    unsafe { std::ptr::copy_nonoverlapping(p.cast::<u8>(), (&mut v as *mut T).cast::<u8>(), size) };
    Ok(v)
}
