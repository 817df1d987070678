//! # channel-kpi-c
//!
//! The C ABI of `channel-kpi`, installed as `libchannel_kpi.so` / `libchannel_kpi.a` with the
//! header `include/channel_kpi.h` (generated from this crate by cbindgen). A thin skin: it
//! converts C arguments into core types, calls the core and converts results and errors back;
//! no KPI logic lives here.
//!
//! Rules every exported function follows (model: rustls-ffi):
//! * it returns a [`status::ckpi_status`] (stable codes) and writes its out-parameters only on
//!   `CKPI_OK`;
//! * it runs behind `ffi_boundary!` (`src/boundary.rs`): NULL pointers become
//!   `CKPI_NULL_ARGUMENT`, panics become `CKPI_PANIC`, never an unwind into C;
//! * handles carry a generation and are looked up in the handle table before use, so freed,
//!   forged or wrong-kind handles are `CKPI_INVALID_HANDLE`, not a use-after-free, even when a
//!   new handle took the old one's slot (`src/handles.rs`);
//! * the last-error detail is kept per thread (`src/error.rs`);
//! * record and options structs start with `struct_size` and are read only up to it
//!   (`src/versioned.rs`, `src/init.rs`): the ABI survives fields added at the end;
//! * strings come in as pointer + length and are UTF-8 checked; money comes in as decimal
//!   strings plus a currency code and goes out as decimal strings or (mantissa, scale), never a
//!   double; dates are `int32_t` days since 1970-01-01.
#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)] // the safety contract of every function is in the header
#![allow(clippy::result_large_err)]

mod boundary;
pub mod dataset;
pub mod date;
pub mod error;
mod handles;
pub mod init;
pub mod partial;
pub mod query;
pub mod records;
pub mod result;
pub mod status;
mod versioned;

use std::ffi::c_char;

/// The ABI version: the shared library's SONAME is `libchannel_kpi.so.<CKPI_ABI_VERSION>`.
/// Bumped by every change older programs cannot survive (see the ABI policy at the top of the
/// header); independent of the package version below. Read by `build.rs` for the SONAME.
pub const CKPI_ABI_VERSION: u32 = 1;

/// Major version of this library (matches `Cargo.toml`; checked by tests).
pub const CKPI_VERSION_MAJOR: u32 = 0;
/// Minor version.
pub const CKPI_VERSION_MINOR: u32 = 1;
/// Patch version.
pub const CKPI_VERSION_PATCH: u32 = 0;

static VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// The library's version as a static NUL-terminated string (`"0.1.0"`); compare it with the
/// `CKPI_VERSION_*` macros to detect a header / library mismatch. Never fails; thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn ckpi_version() -> *const c_char {
    VERSION.as_ptr().cast()
}

#[cfg(test)]
mod tests;
