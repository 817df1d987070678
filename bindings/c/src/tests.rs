//! Rust-side tests of the boundary (the C programs in tests/c/ test the installed library).

use super::*;
use crate::boundary::ffi_boundary;
use crate::status::ckpi_status as S;

#[test]
fn version_constants_match_cargo_toml() {
    assert_eq!(CKPI_VERSION_MAJOR.to_string(), env!("CARGO_PKG_VERSION_MAJOR"));
    assert_eq!(CKPI_VERSION_MINOR.to_string(), env!("CARGO_PKG_VERSION_MINOR"));
    assert_eq!(CKPI_VERSION_PATCH.to_string(), env!("CARGO_PKG_VERSION_PATCH"));
}

#[test]
fn status_codes_are_unique_and_have_messages() {
    let mut codes: Vec<u32> = S::ALL.iter().map(|s| *s as u32).collect();
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), S::ALL.len());
    assert!(S::ALL.iter().all(|s| !s.message().is_empty()));
}

fn panicking(p: *const u8) -> S {
    ffi_boundary!(p; {
        let v: Vec<u8> = Vec::new();
        let i = p as usize; // an index that is surely out of range
        S::from_code(u32::from(v[i])).unwrap_or(S::CKPI_OK)
    })
}

#[test]
fn the_boundary_catches_panics_and_nulls() {
    assert_eq!(panicking(std::ptr::null()), S::CKPI_NULL_ARGUMENT);
    assert_eq!(panicking(8 as *const u8), S::CKPI_PANIC);
}

#[test]
fn handles_are_checked_before_use() {
    unsafe {
        let mut ds = std::ptr::null_mut();
        assert_eq!(dataset::ckpi_dataset_new(&mut ds), S::CKPI_OK);
        let mut q = std::ptr::null_mut();
        assert_eq!(query::ckpi_query_new(&mut q), S::CKPI_OK);
        let mut out = std::ptr::null_mut();
        // A dataset where a query is expected: another kind of handle.
        assert_eq!(dataset::ckpi_dataset_run(ds, ds.cast(), &mut out), S::CKPI_INVALID_HANDLE);
        assert!(out.is_null(), "out-params are written only on success");
        dataset::ckpi_dataset_free(ds);
        dataset::ckpi_dataset_free(ds); // double free: ignored
        assert_eq!(dataset::ckpi_dataset_validate(ds), S::CKPI_INVALID_HANDLE);
        query::ckpi_query_free(q);
    }
}
