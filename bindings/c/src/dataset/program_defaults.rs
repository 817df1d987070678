//! The defaults `ckpi_*_init` writes for the partner-program and customer-success structs
//! (every optional field empty, every optional date `CKPI_DATE_NONE`).

use super::program::*;
use crate::date::CKPI_DATE_NONE;
use crate::records::ckpi_str;
use crate::versioned::Versioned;

const S: ckpi_str = ckpi_str::NONE;
const D: i32 = CKPI_DATE_NONE;

// SAFETY: #[repr(C)], `struct_size: u32` first, integer and pointer fields only.
unsafe impl Versioned for ckpi_course_attendance {
    const NAME: &'static str = "attendance";
    fn defaults() -> Self {
        ckpi_course_attendance {
            struct_size: size_of::<Self>() as u32,
            partner_id: S,
            person_id: S,
            course_id: S,
            attended_on: D,
            completed_on: D,
            score: S,
        }
    }
}

// SAFETY: #[repr(C)], `struct_size: u32` first, integer and pointer fields only.
unsafe impl Versioned for ckpi_survey {
    const NAME: &'static str = "survey";
    fn defaults() -> Self {
        ckpi_survey {
            struct_size: size_of::<Self>() as u32,
            id: S,
            kind: CKPI_SURVEY_CSAT,
            topic: CKPI_TOPIC_NONE,
            scale: 0,
            score: S,
            submitted_on: D,
            respondent: S,
            partner_id: S,
            attrs: std::ptr::null(),
            attrs_len: 0,
        }
    }
}

// SAFETY: #[repr(C)], `struct_size: u32` first, integer and pointer fields only.
unsafe impl Versioned for ckpi_program_cost {
    const NAME: &'static str = "cost";
    fn defaults() -> Self {
        ckpi_program_cost { struct_size: size_of::<Self>() as u32, partner_id: S, period: S, kind: CKPI_COST_OTHER, amount: S, currency: S }
    }
}

// SAFETY: #[repr(C)], `struct_size: u32` first, integer and pointer fields only.
unsafe impl Versioned for ckpi_subscription_month {
    const NAME: &'static str = "subscription";
    fn defaults() -> Self {
        ckpi_subscription_month {
            struct_size: size_of::<Self>() as u32,
            account_id: S,
            month: D,
            mrr: S,
            currency: S,
            partner_id: S,
            attrs: std::ptr::null(),
            attrs_len: 0,
        }
    }
}

// SAFETY: #[repr(C)], `struct_size: u32` first, integer and pointer fields only.
unsafe impl Versioned for ckpi_ticket {
    const NAME: &'static str = "ticket";
    fn defaults() -> Self {
        ckpi_ticket { struct_size: size_of::<Self>() as u32, id: S, account_id: S, opened_on: D, closed_on: D, partner_id: S }
    }
}

// SAFETY: #[repr(C)], `struct_size: u32` first, integer and pointer fields only.
unsafe impl Versioned for ckpi_onboarding {
    const NAME: &'static str = "onboarding";
    fn defaults() -> Self {
        ckpi_onboarding { struct_size: size_of::<Self>() as u32, account_id: S, started_on: D, completed_on: D, partner_id: S }
    }
}

// SAFETY: #[repr(C)], `struct_size: u32` first, integer and pointer fields only.
unsafe impl Versioned for ckpi_engagement {
    const NAME: &'static str = "engagement";
    fn defaults() -> Self {
        ckpi_engagement { struct_size: size_of::<Self>() as u32, account_id: S, occurred_on: D, kind: S, partner_id: S }
    }
}

// SAFETY: #[repr(C)], `struct_size: u32` first, integer and pointer fields only.
unsafe impl Versioned for ckpi_referral {
    const NAME: &'static str = "referral";
    fn defaults() -> Self {
        ckpi_referral {
            struct_size: size_of::<Self>() as u32,
            id: S,
            referred_on: D,
            referrer_account_id: S,
            partner_id: S,
            referred_account_id: S,
            converted_on: D,
        }
    }
}

// SAFETY: #[repr(C)], `struct_size: u32` first, integer and pointer fields only.
unsafe impl Versioned for ckpi_usage {
    const NAME: &'static str = "usage";
    fn defaults() -> Self {
        ckpi_usage { struct_size: size_of::<Self>() as u32, account_id: S, month: D, active_users: 0, features_used: 0, partner_id: S }
    }
}
