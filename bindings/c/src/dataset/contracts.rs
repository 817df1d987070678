//! Subscription contracts pushed one at a time (`ckpi_contract`, with its amendments as an
//! array of `ckpi_amendment`). The core expands a contract into monthly MRR when a query runs
//! (`Contract::months` in the core), so contracts and subscription months can be mixed.

use super::{ckpi_dataset, program::push};
use crate::records::{Reader, ckpi_attr, ckpi_str};
use crate::status::ckpi_status;
use crate::versioned::Versioned;
use channel_kpi::{Amendment, Contract};

/// A change of a contract's MRR from a day on (an array element: never changes within one ABI
/// version, like `ckpi_stage_entry`).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ckpi_amendment {
    /// The first day the new MRR applies (days since 1970-01-01).
    pub on: i32,
    /// The new MRR, decimal string, in the contract's currency.
    pub mrr: ckpi_str,
}

/// A subscription contract. Required: `account_id`, `mrr`, `currency`, `started_on`. Its MRR
/// in a month is the MRR in force on the month's last day (docs/kpis.md).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ckpi_contract {
    /// `sizeof` the caller's struct, set by `ckpi_contract_init`: the library reads exactly this many
    /// bytes (see the header's ABI policy).
    pub struct_size: u32,
    /// The customer account.
    pub account_id: ckpi_str,
    /// The partner that sourced the account.
    pub partner_id: ckpi_str,
    /// The plan (grouped by as `attr:plan`).
    pub plan: ckpi_str,
    /// MRR at the start, decimal string, not negative.
    pub mrr: ckpi_str,
    /// Currency code.
    pub currency: ckpi_str,
    /// First day of service.
    pub started_on: i32,
    /// First day without service, or `CKPI_DATE_NONE` (still running).
    pub ended_on: i32,
    /// The last day the export knows about (a churn snapshot's date), or `CKPI_DATE_NONE`:
    /// months after it get no MRR row.
    pub known_until: i32,
    /// MRR changes (may be NULL when `amendments_len` is 0), on distinct days within the contract.
    pub amendments: *const ckpi_amendment,
    /// Number of amendments.
    pub amendments_len: usize,
    /// User-defined attributes.
    pub attrs: *const ckpi_attr,
    /// Number of attributes.
    pub attrs_len: usize,
}

// SAFETY: #[repr(C)], `struct_size: u32` first, integer and pointer fields only.
unsafe impl Versioned for ckpi_contract {
    const NAME: &'static str = "contract";
    fn defaults() -> Self {
        let d = crate::date::CKPI_DATE_NONE;
        ckpi_contract {
            struct_size: size_of::<Self>() as u32,
            account_id: ckpi_str::NONE,
            partner_id: ckpi_str::NONE,
            plan: ckpi_str::NONE,
            mrr: ckpi_str::NONE,
            currency: ckpi_str::NONE,
            started_on: d,
            ended_on: d,
            known_until: d,
            amendments: std::ptr::null(),
            amendments_len: 0,
            attrs: std::ptr::null(),
            attrs_len: 0,
        }
    }
}

/// Pushes one subscription contract (copied, amendments and attributes included), checked on
/// its own: MRRs not negative, not ended before started, amendments within the contract on
/// distinct days.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_dataset_add_contract(ds: *mut ckpi_dataset, rec: *const ckpi_contract) -> ckpi_status {
    let build = |r: &mut Reader, c: ckpi_contract| {
        let mrr = r.req_money_as("mrr", c.mrr, c.currency)?;
        let mut k = Contract::new(r.req("account_id", c.account_id)?, mrr, r.req_date("started_on", c.started_on)?);
        k.partner_id = r.s("partner_id", c.partner_id)?;
        k.plan = r.s("plan", c.plan)?;
        k.ended_on = r.date("ended_on", c.ended_on)?;
        k.known_until = r.date("known_until", c.known_until)?;
        for a in r.array("amendments", c.amendments, c.amendments_len)? {
            let on = r.req_date("amendments.on", a.on)?;
            let mrr = r.decimal("amendments.mrr", a.mrr)?.ok_or_else(|| r.missing("amendments.mrr"))?;
            k.amendments.push(Amendment { on, mrr });
        }
        k.attrs = r.attrs(c.attrs, c.attrs_len)?;
        Ok(k)
    };
    push(ds, rec, "contract", build, |st, r| st.data.add_contract(r))
}
