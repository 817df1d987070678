//! `ckpi_X_init` for every record and options struct (see `versioned.rs` for the scheme, and
//! the header's "ABI and versioning policy"). Each writes exactly `struct_size` bytes: the
//! defaults (every optional field empty, every optional date `CKPI_DATE_NONE`) and
//! `struct_size` itself. Call it as `ckpi_deal_init(&d, sizeof d)` or `CKPI_INIT(deal, &d)`.
//! `CKPI_STRUCT_TOO_NEW` (nothing written) when `struct_size` is larger than this library's
//! struct: the program was built against a newer header.

use crate::boundary::ffi_boundary;
use crate::status::ckpi_status;
use crate::versioned::init;

use crate::dataset::ckpi_load_options;
use crate::dataset::contracts::ckpi_contract;
use crate::dataset::program::{
    ckpi_course_attendance, ckpi_engagement, ckpi_onboarding, ckpi_program_cost, ckpi_referral, ckpi_subscription_month, ckpi_survey,
    ckpi_ticket, ckpi_usage,
};
use crate::dataset::refs::{ckpi_fx_rate, ckpi_stage_def};
use crate::records::{ckpi_deal, ckpi_lead, ckpi_org_unit, ckpi_partner, ckpi_spend, ckpi_target};

/// Initialises a `ckpi_deal` of `struct_size` bytes (`sizeof` the caller's struct) with the defaults.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_deal_init(out: *mut ckpi_deal, struct_size: usize) -> ckpi_status {
    ffi_boundary!(out; { unsafe { init(out, struct_size) } })
}

/// Initialises a `ckpi_lead` of `struct_size` bytes (`sizeof` the caller's struct) with the defaults.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_lead_init(out: *mut ckpi_lead, struct_size: usize) -> ckpi_status {
    ffi_boundary!(out; { unsafe { init(out, struct_size) } })
}

/// Initialises a `ckpi_partner` of `struct_size` bytes (`sizeof` the caller's struct) with the defaults.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_partner_init(out: *mut ckpi_partner, struct_size: usize) -> ckpi_status {
    ffi_boundary!(out; { unsafe { init(out, struct_size) } })
}

/// Initialises a `ckpi_org_unit` of `struct_size` bytes (`sizeof` the caller's struct) with the defaults.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_org_unit_init(out: *mut ckpi_org_unit, struct_size: usize) -> ckpi_status {
    ffi_boundary!(out; { unsafe { init(out, struct_size) } })
}

/// Initialises a `ckpi_target` of `struct_size` bytes (`sizeof` the caller's struct) with the defaults.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_target_init(out: *mut ckpi_target, struct_size: usize) -> ckpi_status {
    ffi_boundary!(out; { unsafe { init(out, struct_size) } })
}

/// Initialises a `ckpi_spend` of `struct_size` bytes (`sizeof` the caller's struct) with the defaults.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_spend_init(out: *mut ckpi_spend, struct_size: usize) -> ckpi_status {
    ffi_boundary!(out; { unsafe { init(out, struct_size) } })
}

/// Initialises a `ckpi_stage_def` of `struct_size` bytes (`sizeof` the caller's struct) with the defaults.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_stage_def_init(out: *mut ckpi_stage_def, struct_size: usize) -> ckpi_status {
    ffi_boundary!(out; { unsafe { init(out, struct_size) } })
}

/// Initialises a `ckpi_fx_rate` of `struct_size` bytes (`sizeof` the caller's struct) with the defaults.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_fx_rate_init(out: *mut ckpi_fx_rate, struct_size: usize) -> ckpi_status {
    ffi_boundary!(out; { unsafe { init(out, struct_size) } })
}

/// Initialises a `ckpi_course_attendance` of `struct_size` bytes (`sizeof` the caller's struct) with the defaults.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_course_attendance_init(out: *mut ckpi_course_attendance, struct_size: usize) -> ckpi_status {
    ffi_boundary!(out; { unsafe { init(out, struct_size) } })
}

/// Initialises a `ckpi_survey` of `struct_size` bytes (`sizeof` the caller's struct) with the defaults.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_survey_init(out: *mut ckpi_survey, struct_size: usize) -> ckpi_status {
    ffi_boundary!(out; { unsafe { init(out, struct_size) } })
}

/// Initialises a `ckpi_program_cost` of `struct_size` bytes (`sizeof` the caller's struct) with the defaults.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_program_cost_init(out: *mut ckpi_program_cost, struct_size: usize) -> ckpi_status {
    ffi_boundary!(out; { unsafe { init(out, struct_size) } })
}

/// Initialises a `ckpi_subscription_month` of `struct_size` bytes (`sizeof` the caller's struct) with the defaults.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_subscription_month_init(out: *mut ckpi_subscription_month, struct_size: usize) -> ckpi_status {
    ffi_boundary!(out; { unsafe { init(out, struct_size) } })
}

/// Initialises a `ckpi_contract` of `struct_size` bytes (`sizeof` the caller's struct) with the defaults.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_contract_init(out: *mut ckpi_contract, struct_size: usize) -> ckpi_status {
    ffi_boundary!(out; { unsafe { init(out, struct_size) } })
}

/// Initialises a `ckpi_ticket` of `struct_size` bytes (`sizeof` the caller's struct) with the defaults.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_ticket_init(out: *mut ckpi_ticket, struct_size: usize) -> ckpi_status {
    ffi_boundary!(out; { unsafe { init(out, struct_size) } })
}

/// Initialises a `ckpi_onboarding` of `struct_size` bytes (`sizeof` the caller's struct) with the defaults.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_onboarding_init(out: *mut ckpi_onboarding, struct_size: usize) -> ckpi_status {
    ffi_boundary!(out; { unsafe { init(out, struct_size) } })
}

/// Initialises a `ckpi_engagement` of `struct_size` bytes (`sizeof` the caller's struct) with the defaults.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_engagement_init(out: *mut ckpi_engagement, struct_size: usize) -> ckpi_status {
    ffi_boundary!(out; { unsafe { init(out, struct_size) } })
}

/// Initialises a `ckpi_referral` of `struct_size` bytes (`sizeof` the caller's struct) with the defaults.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_referral_init(out: *mut ckpi_referral, struct_size: usize) -> ckpi_status {
    ffi_boundary!(out; { unsafe { init(out, struct_size) } })
}

/// Initialises a `ckpi_usage` of `struct_size` bytes (`sizeof` the caller's struct) with the defaults.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_usage_init(out: *mut ckpi_usage, struct_size: usize) -> ckpi_status {
    ffi_boundary!(out; { unsafe { init(out, struct_size) } })
}

/// Initialises a `ckpi_load_options` of `struct_size` bytes (`sizeof` the caller's struct) with the defaults.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_load_options_init(out: *mut ckpi_load_options, struct_size: usize) -> ckpi_status {
    ffi_boundary!(out; { unsafe { init(out, struct_size) } })
}

/// Every size each struct has had in a release, oldest first (x86_64). A field added at the
/// end must grow the struct — else `struct_size` could not tell the two versions apart — so
/// this test fails until the new size is appended here, and fails if it did not grow.
#[cfg(all(test, target_pointer_width = "64"))]
#[test]
fn published_sizes() {
    let table: &[(&str, usize, &[usize])] = &[
        ("ckpi_deal", size_of::<ckpi_deal>(), &[240]),
        ("ckpi_lead", size_of::<ckpi_lead>(), &[104]),
        ("ckpi_partner", size_of::<ckpi_partner>(), &[96]),
        ("ckpi_org_unit", size_of::<ckpi_org_unit>(), &[72]),
        ("ckpi_target", size_of::<ckpi_target>(), &[88]),
        ("ckpi_spend", size_of::<ckpi_spend>(), &[64]),
        ("ckpi_stage_def", size_of::<ckpi_stage_def>(), &[48]),
        ("ckpi_fx_rate", size_of::<ckpi_fx_rate>(), &[64]),
        ("ckpi_course_attendance", size_of::<ckpi_course_attendance>(), &[80]),
        ("ckpi_survey", size_of::<ckpi_survey>(), &[112]),
        ("ckpi_program_cost", size_of::<ckpi_program_cost>(), &[80]),
        ("ckpi_subscription_month", size_of::<ckpi_subscription_month>(), &[96]),
        ("ckpi_contract", size_of::<ckpi_contract>(), &[136]),
        ("ckpi_ticket", size_of::<ckpi_ticket>(), &[64]),
        ("ckpi_onboarding", size_of::<ckpi_onboarding>(), &[48]),
        ("ckpi_engagement", size_of::<ckpi_engagement>(), &[64]),
        ("ckpi_referral", size_of::<ckpi_referral>(), &[88]),
        ("ckpi_usage", size_of::<ckpi_usage>(), &[56]),
        ("ckpi_load_options", size_of::<ckpi_load_options>(), &[16, 32]),
    ];
    for (name, size, published) in table {
        assert!(published.windows(2).all(|w| w[0] < w[1]), "{name}: published sizes must grow: {published:?}");
        assert_eq!(Some(size), published.last(), "{name} is {size} bytes: append the new size to `published_sizes` (and check it grew)");
    }
}
