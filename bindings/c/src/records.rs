//! The record structs C fills in (`ckpi_deal`, `ckpi_lead`, …) and their conversion into the
//! core's domain types. Strings are `ckpi_str` (pointer + length, UTF-8), dates `int32_t` days
//! since 1970-01-01 (`CKPI_DATE_NONE` = none), amounts decimal strings with a currency code,
//! closed vocabularies `uint32_t` codes validated on entry (never a Rust enum).
//!
//! Start every struct with `ckpi_*_init(&x, sizeof x)` (`src/init.rs`): it sets `struct_size`
//! and makes optional dates `CKPI_DATE_NONE` (a zeroed struct has `struct_size` 0, refused).

use crate::boundary::opt_str;
use crate::date::{CKPI_DATE_NONE, opt_date};
use crate::error::{Fail, LastError};
use crate::status::ckpi_status;
use crate::versioned::Versioned;
use channel_kpi::{Channel, Currency, DealKind, DealStatus, Money, PartnerStage, PartnerStages, RegistrationStatus};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::ffi::c_char;

/// A string argument: `len` bytes of UTF-8 at `ptr`, not necessarily NUL-terminated.
/// `{NULL, 0}` (and, in optional fields, any empty string) means "none".
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ckpi_str {
    /// The bytes (borrowed for the duration of the call only).
    pub ptr: *const c_char,
    /// Their number.
    pub len: usize,
}

impl ckpi_str {
    /// `{NULL, 0}`.
    pub const NONE: ckpi_str = ckpi_str { ptr: std::ptr::null(), len: 0 };
}

/// A user-defined attribute (`attr:<key>` in `group_by`).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ckpi_attr {
    /// Attribute name.
    pub key: ckpi_str,
    /// Its value for this record.
    pub value: ckpi_str,
}

/// A deal entered `stage` on `entered_on`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ckpi_stage_entry {
    /// Stage name.
    pub stage: ckpi_str,
    /// Days since 1970-01-01.
    pub entered_on: i32,
}

/// `ckpi_deal.status`: open.
pub const CKPI_DEAL_OPEN: u32 = 0;
/// `ckpi_deal.status`: closed won.
pub const CKPI_DEAL_WON: u32 = 1;
/// `ckpi_deal.status`: closed lost.
pub const CKPI_DEAL_LOST: u32 = 2;
/// `channel` fields: none given.
pub const CKPI_CHANNEL_NONE: u32 = 0;
/// Paid media.
pub const CKPI_CHANNEL_PAID: u32 = 1;
/// Earned media.
pub const CKPI_CHANNEL_EARNED: u32 = 2;
/// Owned media.
pub const CKPI_CHANNEL_OWNED: u32 = 3;
/// `ckpi_deal.kind`: new business (the default).
pub const CKPI_DEAL_KIND_NEW: u32 = 0;
/// Upsell / expansion.
pub const CKPI_DEAL_KIND_UPSELL: u32 = 1;
/// Renewal.
pub const CKPI_DEAL_KIND_RENEWAL: u32 = 2;
/// `ckpi_deal.registration_status`: no registration decision given.
pub const CKPI_REGISTRATION_NONE: u32 = 0;
/// Registration not decided yet.
pub const CKPI_REGISTRATION_PENDING: u32 = 1;
/// Registration approved by the vendor.
pub const CKPI_REGISTRATION_APPROVED: u32 = 2;
/// Registration rejected by the vendor.
pub const CKPI_REGISTRATION_REJECTED: u32 = 3;
/// `ckpi_deal.partner_stages` bit: lead generation.
pub const CKPI_PARTNER_STAGE_LEAD_GENERATION: u32 = 1;
/// Bit: qualification.
pub const CKPI_PARTNER_STAGE_QUALIFICATION: u32 = 2;
/// Bit: value demonstration.
pub const CKPI_PARTNER_STAGE_VALUE_DEMONSTRATION: u32 = 4;
/// Bit: guiding the prospect's understanding.
pub const CKPI_PARTNER_STAGE_GUIDANCE: u32 = 8;
/// Bit: value delivery and support.
pub const CKPI_PARTNER_STAGE_VALUE_DELIVERY: u32 = 16;

/// One opportunity. Required: `id`, `status`, `created_on`; won and lost deals need
/// `closed_on`, won deals an `amount`. `amount` is a decimal string (`"1234.50"`, no exponent,
/// no thousands separators) in `currency` (ISO 4217, e.g. `"USD"`).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ckpi_deal {
    /// `sizeof` the caller's struct, set by `ckpi_deal_init`: the library reads exactly this many
    /// bytes (see the header's ABI policy).
    pub struct_size: u32,
    /// Unique id.
    pub id: ckpi_str,
    /// `CKPI_DEAL_OPEN`, `CKPI_DEAL_WON` or `CKPI_DEAL_LOST`.
    pub status: u32,
    /// Creation date (required).
    pub created_on: i32,
    /// Close date (won / lost), else `CKPI_DATE_NONE`.
    pub closed_on: i32,
    /// Date the partner registered the deal, or `CKPI_DATE_NONE`.
    pub registered_on: i32,
    /// Expected close date, or `CKPI_DATE_NONE`.
    pub expected_close_on: i32,
    /// Amount as a decimal string, or none.
    pub amount: ckpi_str,
    /// Currency code of `amount` (required with an amount).
    pub currency: ckpi_str,
    /// Partner id; none = a direct deal.
    pub partner_id: ckpi_str,
    /// Owning employee (an org unit id).
    pub owner_id: ckpi_str,
    /// `CKPI_CHANNEL_*`.
    pub channel: u32,
    /// Marketing source.
    pub source: ckpi_str,
    /// Product.
    pub product: ckpi_str,
    /// `CKPI_DEAL_KIND_*`.
    pub kind: u32,
    /// Why it was lost.
    pub lost_reason: ckpi_str,
    /// Current pipeline stage.
    pub stage: ckpi_str,
    /// `CKPI_PARTNER_STAGE_*` bits.
    pub partner_stages: u32,
    /// Stage entries, oldest first (may be NULL when `stage_history_len` is 0).
    pub stage_history: *const ckpi_stage_entry,
    /// Number of stage entries.
    pub stage_history_len: usize,
    /// User-defined attributes (may be NULL when `attrs_len` is 0).
    pub attrs: *const ckpi_attr,
    /// Number of attributes.
    pub attrs_len: usize,
    /// `CKPI_REGISTRATION_*`: the vendor's decision on the partner's registration.
    pub registration_status: u32,
}

/// A marketing lead. Required: `id`, `created_on`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ckpi_lead {
    /// `sizeof` the caller's struct, set by `ckpi_lead_init`: the library reads exactly this many
    /// bytes (see the header's ABI policy).
    pub struct_size: u32,
    /// Unique id.
    pub id: ckpi_str,
    /// First-contact date.
    pub created_on: i32,
    /// `CKPI_CHANNEL_*`.
    pub channel: u32,
    /// Source within the channel.
    pub source: ckpi_str,
    /// Referring partner.
    pub partner_id: ckpi_str,
    /// The deal it became.
    pub deal_id: ckpi_str,
    /// Date that deal was won (filled from the deal when `CKPI_DATE_NONE`).
    pub won_on: i32,
    /// User-defined attributes.
    pub attrs: *const ckpi_attr,
    /// Number of attributes.
    pub attrs_len: usize,
}

/// A channel partner. Required: `id`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ckpi_partner {
    /// `sizeof` the caller's struct, set by `ckpi_partner_init`: the library reads exactly this many
    /// bytes (see the header's ABI policy).
    pub struct_size: u32,
    /// Unique id.
    pub id: ckpi_str,
    /// Display name.
    pub name: ckpi_str,
    /// Program tier.
    pub tier: ckpi_str,
    /// Region.
    pub region: ckpi_str,
    /// Managing org unit.
    pub org_unit: ckpi_str,
    /// Joined the program on, or `CKPI_DATE_NONE`.
    pub joined_on: i32,
    /// Left the program on, or `CKPI_DATE_NONE`.
    pub left_on: i32,
}

/// A node of the org hierarchy (employees are units of level `employee`). Required: `id`,
/// `level`. Parents may be pushed after their children: the tree is checked when the dataset is
/// validated or run.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ckpi_org_unit {
    /// `sizeof` the caller's struct, set by `ckpi_org_unit_init`: the library reads exactly this many
    /// bytes (see the header's ABI policy).
    pub struct_size: u32,
    /// Unique id.
    pub id: ckpi_str,
    /// Display name.
    pub name: ckpi_str,
    /// Level: `employee`, `team`, `department`, `unit`, or any other name.
    pub level: ckpi_str,
    /// Parent id; none for a root.
    pub parent_id: ckpi_str,
}

/// A revenue goal. Required: `dimension` (`all`, `partner`, `org:team`, …), `period`
/// (`2025-Q1`, `2025-01-01..2025-04-01`, …), `amount`, `currency`; `key` is the group value
/// (none for `all`).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ckpi_target {
    /// `sizeof` the caller's struct, set by `ckpi_target_init`: the library reads exactly this many
    /// bytes (see the header's ABI policy).
    pub struct_size: u32,
    /// Grouping dimension.
    pub dimension: ckpi_str,
    /// Group value.
    pub key: ckpi_str,
    /// Period covered.
    pub period: ckpi_str,
    /// Goal, decimal string.
    pub amount: ckpi_str,
    /// Currency code.
    pub currency: ckpi_str,
}

/// Marketing spend. Required: `channel` (not `CKPI_CHANNEL_NONE`), `spent_on`, `amount`,
/// `currency`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ckpi_spend {
    /// `sizeof` the caller's struct, set by `ckpi_spend_init`: the library reads exactly this many
    /// bytes (see the header's ABI policy).
    pub struct_size: u32,
    /// `CKPI_CHANNEL_*`.
    pub channel: u32,
    /// Source within the channel.
    pub source: ckpi_str,
    /// Date of the spend.
    pub spent_on: i32,
    /// Amount, decimal string.
    pub amount: ckpi_str,
    /// Currency code.
    pub currency: ckpi_str,
}

/// Reads the fields of one C record, naming the record and field in every error.
pub(crate) struct Reader {
    pub record: Option<String>,
}

impl Reader {
    pub fn new(kind: &str) -> Self {
        Reader { record: Some(kind.to_string()) }
    }
    fn fail(&self, status: ckpi_status, field: &str, value: Option<String>) -> Fail {
        (status, LastError::boundary(status, self.record.clone(), field, value))
    }
    /// An optional string field (empty = none).
    pub fn s(&self, field: &str, v: ckpi_str) -> Result<Option<String>, Fail> {
        // SAFETY: the C caller promises `ptr` has `len` readable bytes.
        match unsafe { opt_str(v.ptr, v.len) } {
            Ok(o) => Ok(o.filter(|s| !s.is_empty()).map(str::to_string)),
            Err(st) => Err(self.fail(st, field, None)),
        }
    }
    /// A required string field.
    pub fn req(&self, field: &str, v: ckpi_str) -> Result<String, Fail> {
        self.s(field, v)?.ok_or_else(|| self.fail(ckpi_status::CKPI_MISSING_VALUE, field, None))
    }
    /// The record's id: also names the record in later errors (`deal D-17`).
    pub fn id(&mut self, field: &str, v: ckpi_str) -> Result<String, Fail> {
        let id = self.req(field, v)?;
        self.record = Some(format!("{} {id}", self.record.as_deref().unwrap_or("record")));
        Ok(id)
    }
    pub fn date(&self, field: &str, days: i32) -> Result<Option<NaiveDate>, Fail> {
        opt_date(days).map_err(|st| self.fail(st, field, Some(days.to_string())))
    }
    pub fn req_date(&self, field: &str, days: i32) -> Result<NaiveDate, Fail> {
        self.date(field, days)?.ok_or_else(|| self.fail(ckpi_status::CKPI_MISSING_VALUE, field, None))
    }
    pub fn code<T: Copy>(&self, field: &str, v: u32, table: &[T]) -> Result<T, Fail> {
        table.get(v as usize).copied().ok_or_else(|| self.fail(ckpi_status::CKPI_INVALID_ARGUMENT, field, Some(v.to_string())))
    }
    pub fn channel(&self, field: &str, v: u32) -> Result<Option<Channel>, Fail> {
        self.code(field, v, &[None, Some(Channel::Paid), Some(Channel::Earned), Some(Channel::Owned)])
    }
    pub fn flag(&self, field: &str, v: u32) -> Result<bool, Fail> {
        self.code(field, v, &[false, true])
    }
    /// `amount` + `currency` → Money; none when `amount` is none.
    pub fn money(&self, amount: ckpi_str, currency: ckpi_str) -> Result<Option<Money>, Fail> {
        self.money_as("amount", amount, currency)
    }
    /// Like [`Reader::money`] for an amount field with another name (`mrr`).
    pub fn money_as(&self, field: &str, amount: ckpi_str, currency: ckpi_str) -> Result<Option<Money>, Fail> {
        let Some(a) = self.s(field, amount)? else { return Ok(None) };
        let c = self.req("currency", currency)?;
        let cur = Currency::new(&c).map_err(|e| self.core(e, "currency", &c))?;
        Money::parse_amount(&a, cur).map(Some).map_err(|e| self.core(e, field, &a))
    }
    pub fn req_money(&self, amount: ckpi_str, currency: ckpi_str) -> Result<Money, Fail> {
        self.req_money_as("amount", amount, currency)
    }
    pub fn req_money_as(&self, field: &str, amount: ckpi_str, currency: ckpi_str) -> Result<Money, Fail> {
        self.money_as(field, amount, currency)?.ok_or_else(|| self.fail(ckpi_status::CKPI_MISSING_VALUE, field, None))
    }
    /// An optional decimal field (a score), as a decimal string.
    pub fn decimal(&self, field: &str, v: ckpi_str) -> Result<Option<rust_decimal::Decimal>, Fail> {
        let Some(text) = self.s(field, v)? else { return Ok(None) };
        channel_kpi::money::parse_decimal(&text).map(Some).map_err(|e| self.core(e, field, &text))
    }
    /// A required field that was not given.
    pub fn missing(&self, field: &str) -> Fail {
        self.fail(ckpi_status::CKPI_MISSING_VALUE, field, None)
    }
    /// A core error about `field` = `value` of this record.
    pub fn core(&self, e: channel_kpi::Error, field: &str, value: &str) -> Fail {
        let mut le = LastError::core(&e);
        le.location.record = self.record.clone();
        le.location.field = Some(field.into());
        le.location.value = Some(value.into());
        le.message = format!("{}: {e}", le.location);
        (ckpi_status::from_error(&e), le)
    }
    pub fn partner_stages(&self, bits: u32) -> Result<PartnerStages, Fail> {
        if bits >> PartnerStage::ALL.len() != 0 {
            return Err(self.fail(ckpi_status::CKPI_INVALID_ARGUMENT, "partner_stages", Some(bits.to_string())));
        }
        let mut set = PartnerStages::default();
        PartnerStage::ALL.iter().enumerate().filter(|(i, _)| bits & (1 << i) != 0).for_each(|(_, s)| set.insert(*s));
        Ok(set)
    }
    /// A C array (`NULL` allowed only with length 0).
    pub fn array<'a, T>(&self, field: &str, ptr: *const T, len: usize) -> Result<&'a [T], Fail> {
        if len == 0 {
            return Ok(&[]);
        }
        if ptr.is_null() {
            return Err(self.fail(ckpi_status::CKPI_NULL_ARGUMENT, field, None));
        }
        if len > isize::MAX as usize / size_of::<T>().max(1) {
            return Err(self.fail(ckpi_status::CKPI_INVALID_ARGUMENT, field, Some(len.to_string())));
        }
        // SAFETY: the C caller promises `len` readable elements at `ptr`.
        Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
    }
    pub fn attrs(&self, ptr: *const ckpi_attr, len: usize) -> Result<BTreeMap<String, String>, Fail> {
        let mut out = BTreeMap::new();
        for a in self.array("attrs", ptr, len)? {
            out.insert(self.req("attrs.key", a.key)?, self.s("attrs.value", a.value)?.unwrap_or_default());
        }
        Ok(out)
    }
}

pub(crate) const DEAL_STATUS: [DealStatus; 3] = [DealStatus::Open, DealStatus::Won, DealStatus::Lost];
pub(crate) const DEAL_KIND: [DealKind; 3] = [DealKind::New, DealKind::Upsell, DealKind::Renewal];
pub(crate) const REGISTRATION_STATUS: [Option<RegistrationStatus>; 4] =
    [None, Some(RegistrationStatus::Pending), Some(RegistrationStatus::Approved), Some(RegistrationStatus::Rejected)];

// SAFETY: #[repr(C)], `struct_size: u32` first, integer and pointer fields only.
unsafe impl Versioned for ckpi_deal {
    const NAME: &'static str = "deal";
    fn defaults() -> Self {
        ckpi_deal {
            struct_size: size_of::<Self>() as u32,
            id: ckpi_str::NONE,
            status: CKPI_DEAL_OPEN,
            created_on: CKPI_DATE_NONE,
            closed_on: CKPI_DATE_NONE,
            registered_on: CKPI_DATE_NONE,
            expected_close_on: CKPI_DATE_NONE,
            amount: ckpi_str::NONE,
            currency: ckpi_str::NONE,
            partner_id: ckpi_str::NONE,
            owner_id: ckpi_str::NONE,
            channel: CKPI_CHANNEL_NONE,
            source: ckpi_str::NONE,
            product: ckpi_str::NONE,
            kind: CKPI_DEAL_KIND_NEW,
            lost_reason: ckpi_str::NONE,
            stage: ckpi_str::NONE,
            partner_stages: 0,
            stage_history: std::ptr::null(),
            stage_history_len: 0,
            attrs: std::ptr::null(),
            attrs_len: 0,
            registration_status: CKPI_REGISTRATION_NONE,
        }
    }
}

// SAFETY: #[repr(C)], `struct_size: u32` first, integer and pointer fields only.
unsafe impl Versioned for ckpi_lead {
    const NAME: &'static str = "lead";
    fn defaults() -> Self {
        ckpi_lead {
            struct_size: size_of::<Self>() as u32,
            id: ckpi_str::NONE,
            created_on: CKPI_DATE_NONE,
            channel: CKPI_CHANNEL_NONE,
            source: ckpi_str::NONE,
            partner_id: ckpi_str::NONE,
            deal_id: ckpi_str::NONE,
            won_on: CKPI_DATE_NONE,
            attrs: std::ptr::null(),
            attrs_len: 0,
        }
    }
}

// SAFETY: #[repr(C)], `struct_size: u32` first, integer and pointer fields only.
unsafe impl Versioned for ckpi_partner {
    const NAME: &'static str = "partner";
    fn defaults() -> Self {
        ckpi_partner {
            struct_size: size_of::<Self>() as u32,
            id: ckpi_str::NONE,
            name: ckpi_str::NONE,
            tier: ckpi_str::NONE,
            region: ckpi_str::NONE,
            org_unit: ckpi_str::NONE,
            joined_on: CKPI_DATE_NONE,
            left_on: CKPI_DATE_NONE,
        }
    }
}

// SAFETY: #[repr(C)], `struct_size: u32` first, integer and pointer fields only.
unsafe impl Versioned for ckpi_spend {
    const NAME: &'static str = "spend";
    fn defaults() -> Self {
        ckpi_spend {
            struct_size: size_of::<Self>() as u32,
            channel: CKPI_CHANNEL_NONE,
            source: ckpi_str::NONE,
            spent_on: CKPI_DATE_NONE,
            amount: ckpi_str::NONE,
            currency: ckpi_str::NONE,
        }
    }
}

// SAFETY: #[repr(C)], `struct_size: u32` first, integer and pointer fields only.
unsafe impl Versioned for ckpi_org_unit {
    const NAME: &'static str = "org unit";
    fn defaults() -> Self {
        ckpi_org_unit {
            struct_size: size_of::<Self>() as u32,
            id: ckpi_str::NONE,
            name: ckpi_str::NONE,
            level: ckpi_str::NONE,
            parent_id: ckpi_str::NONE,
        }
    }
}

// SAFETY: #[repr(C)], `struct_size: u32` first, integer and pointer fields only.
unsafe impl Versioned for ckpi_target {
    const NAME: &'static str = "target";
    fn defaults() -> Self {
        ckpi_target {
            struct_size: size_of::<Self>() as u32,
            dimension: ckpi_str::NONE,
            key: ckpi_str::NONE,
            period: ckpi_str::NONE,
            amount: ckpi_str::NONE,
            currency: ckpi_str::NONE,
        }
    }
}
