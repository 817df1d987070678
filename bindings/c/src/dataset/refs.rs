//! Reference data pushed into a dataset one item at a time: pipeline stages and exchange rates.
//! (Partners and org units are in the parent module with the other record pushers.)

use super::{ckpi_dataset, with_dataset};
use crate::boundary::{ffi_boundary, tri};
use crate::date::CKPI_DATE_NONE;
use crate::error::core_fail;
use crate::records::{Reader, ckpi_str};
use crate::status::ckpi_status;
use crate::versioned::{self, Versioned};
use channel_kpi::{Currency, RateDateRule, StageDef, StageOutcome};

/// `ckpi_stage_def.outcome`: decided by the name (`won` / `closed won` are won, `lost` /
/// `closed lost` lost, any other name is an open stage).
pub const CKPI_STAGE_BY_NAME: u32 = 0;
/// A terminal won stage.
pub const CKPI_STAGE_WON: u32 = 1;
/// A terminal lost stage.
pub const CKPI_STAGE_LOST: u32 = 2;
/// `ckpi_dataset_set_fx_rule`: the latest rate dated on or before the amount's date (default).
pub const CKPI_FX_ON_OR_BEFORE: u32 = 0;
/// Only a rate dated exactly on the amount's date.
pub const CKPI_FX_EXACT: u32 = 1;

/// One stage of the pipeline definition; push them in funnel order.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ckpi_stage_def {
    /// `sizeof` the caller's struct, set by `ckpi_stage_def_init`: the library reads exactly this many
    /// bytes (see the header's ABI policy).
    pub struct_size: u32,
    /// Stage name, as used in deals.
    pub name: ckpi_str,
    /// Win probability in [0, 1], decimal string (`"0.25"`).
    pub probability: ckpi_str,
    /// 1 for the stage that counts as qualified, else 0.
    pub qualified: u32,
    /// `CKPI_STAGE_BY_NAME`, `CKPI_STAGE_WON` or `CKPI_STAGE_LOST`.
    pub outcome: u32,
}

/// An exchange rate: `1 from = rate × to`, applying from day `on`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ckpi_fx_rate {
    /// `sizeof` the caller's struct, set by `ckpi_fx_rate_init`: the library reads exactly this many
    /// bytes (see the header's ABI policy).
    pub struct_size: u32,
    /// Source currency code.
    pub from: ckpi_str,
    /// Target currency code.
    pub to: ckpi_str,
    /// Days since 1970-01-01.
    pub on: i32,
    /// The rate, a positive decimal string.
    pub rate: ckpi_str,
}

/// Appends a pipeline stage (copied). The pipeline is checked as a whole (unique names,
/// probabilities in [0, 1]) by `ckpi_dataset_validate` / `ckpi_dataset_run`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_dataset_add_stage(ds: *mut ckpi_dataset, s: *const ckpi_stage_def) -> ckpi_status {
    ffi_boundary!(ds, s; {
        with_dataset(ds, |st| {
            let c = unsafe { versioned::read(s) }?;
            let mut r = Reader::new("stage");
            let name = r.id("name", c.name)?;
            let p = r.req("probability", c.probability)?;
            let probability = channel_kpi::money::parse_decimal(&p).map_err(core_fail)?;
            let qualified = r.flag("qualified", c.qualified)?;
            let outcome = r.code("outcome", c.outcome, &[None, Some(StageOutcome::Won), Some(StageOutcome::Lost)])?;
            st.stages_pending.push(StageDef { name, probability, qualified, outcome });
            Ok(())
        })
    })
}

/// Adds an exchange rate (copied); rates must be positive.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_dataset_add_fx_rate(ds: *mut ckpi_dataset, rate: *const ckpi_fx_rate) -> ckpi_status {
    ffi_boundary!(ds, rate; {
        with_dataset(ds, |st| {
            let c = unsafe { versioned::read(rate) }?;
            let r = Reader::new("fx rate");
            let from = Currency::new(&r.req("from", c.from)?).map_err(core_fail)?;
            let to = Currency::new(&r.req("to", c.to)?).map_err(core_fail)?;
            let on = r.req_date("on", c.on)?;
            let value = channel_kpi::money::parse_decimal(&r.req("rate", c.rate)?).map_err(core_fail)?;
            st.data.refs.fx.insert(from, to, on, value).map_err(core_fail)
        })
    })
}

/// Sets how a rate is chosen for a date: `CKPI_FX_ON_OR_BEFORE` or `CKPI_FX_EXACT`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_dataset_set_fx_rule(ds: *mut ckpi_dataset, rule: u32) -> ckpi_status {
    ffi_boundary!(ds; {
        let rule = tri!([RateDateRule::OnOrBefore, RateDateRule::Exact].get(rule as usize).copied().ok_or(ckpi_status::CKPI_INVALID_ARGUMENT));
        with_dataset(ds, |st| {
            st.data.refs.fx.rule = rule;
            Ok(())
        })
    })
}

// SAFETY: #[repr(C)], `struct_size: u32` first, integer and pointer fields only.
unsafe impl Versioned for ckpi_stage_def {
    const NAME: &'static str = "stage";
    fn defaults() -> Self {
        ckpi_stage_def {
            struct_size: size_of::<Self>() as u32,
            name: ckpi_str::NONE,
            probability: ckpi_str::NONE,
            qualified: 0,
            outcome: CKPI_STAGE_BY_NAME,
        }
    }
}

// SAFETY: #[repr(C)], `struct_size: u32` first, integer and pointer fields only.
unsafe impl Versioned for ckpi_fx_rate {
    const NAME: &'static str = "fx rate";
    fn defaults() -> Self {
        ckpi_fx_rate {
            struct_size: size_of::<Self>() as u32,
            from: ckpi_str::NONE,
            to: ckpi_str::NONE,
            on: CKPI_DATE_NONE,
            rate: ckpi_str::NONE,
        }
    }
}
