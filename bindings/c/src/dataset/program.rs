//! Partner-program and customer-success records pushed one at a time: course attendance,
//! survey responses, program costs, subscription months (MRR), support tickets, onboarding,
//! engagement events, referrals and product usage (catalog sections 4 and 5).
//!
//! Each pusher copies the struct, checks the record itself (`validate` of the core type: dates
//! in order, scores on their scale, amounts not negative) and appends it; references to
//! partners are checked by `ckpi_dataset_validate` / `ckpi_dataset_run`. Start every struct
//! with its `ckpi_*_init(&x, sizeof x)`, so `struct_size` is set and optional dates are
//! `CKPI_DATE_NONE`.

use super::{DatasetState, ckpi_dataset, with_dataset};
use crate::boundary::ffi_boundary;
use crate::error::{Fail, core_fail};
use crate::records::{Reader, ckpi_attr, ckpi_str};
use crate::status::ckpi_status;
use crate::versioned::{self, Versioned};
use channel_kpi::{
    CostKind, CourseAttendance, EngagementEvent, Onboarding, Period, ProductUsage, ProgramCost, Referral, SubscriptionMonth, SupportTicket,
    SurveyKind, SurveyResponse, SurveyTopic,
};

/// `ckpi_survey.kind`: a customer's satisfaction with a partner (1–`scale`).
pub const CKPI_SURVEY_CSAT: u32 = 0;
/// Net promoter score answer (0–10).
pub const CKPI_SURVEY_NPS: u32 = 1;
/// A partner's satisfaction with the program (1–`scale`), by topic.
pub const CKPI_SURVEY_PARTNER_SATISFACTION: u32 = 2;
/// `ckpi_survey.topic`: none given (counts as other).
pub const CKPI_TOPIC_NONE: u32 = 0;
/// Rewards and incentives.
pub const CKPI_TOPIC_REWARDS: u32 = 1;
/// Communications.
pub const CKPI_TOPIC_COMMUNICATIONS: u32 = 2;
/// Training.
pub const CKPI_TOPIC_TRAINING: u32 = 3;
/// Support.
pub const CKPI_TOPIC_SUPPORT: u32 = 4;
/// Anything else.
pub const CKPI_TOPIC_OTHER: u32 = 5;
/// `ckpi_program_cost.kind`: anything else (the default).
pub const CKPI_COST_OTHER: u32 = 0;
/// Market development funds.
pub const CKPI_COST_MDF: u32 = 1;
/// Training.
pub const CKPI_COST_TRAINING: u32 = 2;
/// Incentives and rebates.
pub const CKPI_COST_INCENTIVES: u32 = 3;

/// A partner's person attended a course. Required: `partner_id`, `course_id`, `attended_on`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ckpi_course_attendance {
    /// `sizeof` the caller's struct, set by `ckpi_course_attendance_init`: the library reads exactly this many
    /// bytes (see the header's ABI policy).
    pub struct_size: u32,
    /// The partner.
    pub partner_id: ckpi_str,
    /// Who attended.
    pub person_id: ckpi_str,
    /// The course.
    pub course_id: ckpi_str,
    /// Attendance date.
    pub attended_on: i32,
    /// Completion date (not before `attended_on`), or `CKPI_DATE_NONE`.
    pub completed_on: i32,
    /// Final score, decimal string, not negative; none when not given.
    pub score: ckpi_str,
}

/// One survey answer. Required: `kind`, `scale`, `score`, `submitted_on`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ckpi_survey {
    /// `sizeof` the caller's struct, set by `ckpi_survey_init`: the library reads exactly this many
    /// bytes (see the header's ABI policy).
    pub struct_size: u32,
    /// Response id.
    pub id: ckpi_str,
    /// `CKPI_SURVEY_*`.
    pub kind: u32,
    /// `CKPI_TOPIC_*` (partner satisfaction only).
    pub topic: u32,
    /// Highest possible score (5 for 1–5, 10 for NPS).
    pub scale: u32,
    /// The score, decimal string, on the scale.
    pub score: ckpi_str,
    /// Submission date.
    pub submitted_on: i32,
    /// Who answered.
    pub respondent: ckpi_str,
    /// The partner the answer is about (or that answered).
    pub partner_id: ckpi_str,
    /// User-defined attributes.
    pub attrs: *const ckpi_attr,
    /// Number of attributes.
    pub attrs_len: usize,
}

/// Money the program spent on a partner in a period. Required: all but `kind`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ckpi_program_cost {
    /// `sizeof` the caller's struct, set by `ckpi_program_cost_init`: the library reads exactly this many
    /// bytes (see the header's ABI policy).
    pub struct_size: u32,
    /// The partner.
    pub partner_id: ckpi_str,
    /// Period covered (`2025-Q1`, `2025-03`, `2025-01-01..2025-04-01`, …).
    pub period: ckpi_str,
    /// `CKPI_COST_*`.
    pub kind: u32,
    /// Amount, decimal string, not negative.
    pub amount: ckpi_str,
    /// Currency code.
    pub currency: ckpi_str,
}

/// One account's recurring revenue in one month. Required: `account_id`, `month` (any day of
/// it), `mrr`, `currency`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ckpi_subscription_month {
    /// `sizeof` the caller's struct, set by `ckpi_subscription_month_init`: the library reads exactly this many
    /// bytes (see the header's ABI policy).
    pub struct_size: u32,
    /// The customer account.
    pub account_id: ckpi_str,
    /// A day of the month.
    pub month: i32,
    /// Monthly recurring revenue, decimal string.
    pub mrr: ckpi_str,
    /// Currency code.
    pub currency: ckpi_str,
    /// The partner that sourced the account.
    pub partner_id: ckpi_str,
    /// User-defined attributes.
    pub attrs: *const ckpi_attr,
    /// Number of attributes.
    pub attrs_len: usize,
}

/// A support ticket. Required: `id`, `account_id`, `opened_on`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ckpi_ticket {
    /// `sizeof` the caller's struct, set by `ckpi_ticket_init`: the library reads exactly this many
    /// bytes (see the header's ABI policy).
    pub struct_size: u32,
    /// Ticket id.
    pub id: ckpi_str,
    /// The customer account.
    pub account_id: ckpi_str,
    /// Opening date.
    pub opened_on: i32,
    /// Closing date, or `CKPI_DATE_NONE` while open.
    pub closed_on: i32,
    /// The account's partner.
    pub partner_id: ckpi_str,
}

/// A customer's onboarding. Required: `account_id`, `started_on`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ckpi_onboarding {
    /// `sizeof` the caller's struct, set by `ckpi_onboarding_init`: the library reads exactly this many
    /// bytes (see the header's ABI policy).
    pub struct_size: u32,
    /// The customer account.
    pub account_id: ckpi_str,
    /// Start date.
    pub started_on: i32,
    /// Completion date, or `CKPI_DATE_NONE`.
    pub completed_on: i32,
    /// The account's partner.
    pub partner_id: ckpi_str,
}

/// An engagement event (login, QBR, webinar …). Required: `account_id`, `occurred_on`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ckpi_engagement {
    /// `sizeof` the caller's struct, set by `ckpi_engagement_init`: the library reads exactly this many
    /// bytes (see the header's ABI policy).
    pub struct_size: u32,
    /// The customer account.
    pub account_id: ckpi_str,
    /// Date.
    pub occurred_on: i32,
    /// Kind of event.
    pub kind: ckpi_str,
    /// The account's partner.
    pub partner_id: ckpi_str,
}

/// A referral. Required: `id`, `referred_on`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ckpi_referral {
    /// `sizeof` the caller's struct, set by `ckpi_referral_init`: the library reads exactly this many
    /// bytes (see the header's ABI policy).
    pub struct_size: u32,
    /// Referral id.
    pub id: ckpi_str,
    /// Date of the referral.
    pub referred_on: i32,
    /// The referring customer account.
    pub referrer_account_id: ckpi_str,
    /// The referring partner.
    pub partner_id: ckpi_str,
    /// The account it became.
    pub referred_account_id: ckpi_str,
    /// Conversion date, or `CKPI_DATE_NONE`.
    pub converted_on: i32,
}

/// Product usage of one account in one month. Required: `account_id`, `month`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ckpi_usage {
    /// `sizeof` the caller's struct, set by `ckpi_usage_init`: the library reads exactly this many
    /// bytes (see the header's ABI policy).
    pub struct_size: u32,
    /// The customer account.
    pub account_id: ckpi_str,
    /// A day of the month.
    pub month: i32,
    /// Active users that month.
    pub active_users: u32,
    /// Features used that month.
    pub features_used: u32,
    /// The account's partner.
    pub partner_id: ckpi_str,
}

const SURVEY_KIND: [SurveyKind; 3] = [SurveyKind::Csat, SurveyKind::Nps, SurveyKind::PartnerSatisfaction];
const SURVEY_TOPIC: [Option<SurveyTopic>; 6] = [
    None,
    Some(SurveyTopic::Rewards),
    Some(SurveyTopic::Communications),
    Some(SurveyTopic::Training),
    Some(SurveyTopic::Support),
    Some(SurveyTopic::Other),
];
const COST_KIND: [CostKind; 4] = [CostKind::Other, CostKind::Mdf, CostKind::Training, CostKind::Incentives];

/// The one body of every pusher below: reads the C struct with a [`Reader`] named `kind`,
/// builds the core record and hands it to the core's `Dataset::add_*` (`add`), which checks it
/// (and its id) and appends it.
pub(super) fn push<C: Versioned, R>(
    ds: *mut ckpi_dataset,
    rec: *const C,
    kind: &str,
    build: impl FnOnce(&mut Reader, C) -> Result<R, Fail>,
    add: fn(&mut DatasetState, R) -> channel_kpi::Result<()>,
) -> ckpi_status {
    ffi_boundary!(ds, rec; {
        // SAFETY: `rec` is not NULL (checked above) and the caller promises a readable struct.
        with_dataset(ds, |st| {
            let c = unsafe { versioned::read(rec) }?;
            let mut r = Reader::new(kind);
            let record = build(&mut r, c)?;
            add(st, record).map_err(core_fail)
        })
    })
}

/// Pushes one course attendance (copied).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_dataset_add_course_attendance(ds: *mut ckpi_dataset, rec: *const ckpi_course_attendance) -> ckpi_status {
    let build = |r: &mut Reader, c: ckpi_course_attendance| {
        let mut a = CourseAttendance::new(
            r.req("partner_id", c.partner_id)?,
            r.req("course_id", c.course_id)?,
            r.req_date("attended_on", c.attended_on)?,
        );
        a.person_id = r.s("person_id", c.person_id)?;
        a.completed_on = r.date("completed_on", c.completed_on)?;
        a.score = r.decimal("score", c.score)?;
        Ok(a)
    };
    push(ds, rec, "attendance", build, |st, r| st.data.add_course_attendance(r))
}

/// Pushes one survey response (copied).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_dataset_add_survey(ds: *mut ckpi_dataset, rec: *const ckpi_survey) -> ckpi_status {
    let build = |r: &mut Reader, c: ckpi_survey| {
        let id = if c.id.len > 0 { Some(r.id("id", c.id)?) } else { None };
        let score = r.decimal("score", c.score)?.ok_or_else(|| r.missing("score"))?;
        let mut s = SurveyResponse::new(r.code("kind", c.kind, &SURVEY_KIND)?, c.scale, score, r.req_date("submitted_on", c.submitted_on)?);
        s.id = id;
        s.topic = r.code("topic", c.topic, &SURVEY_TOPIC)?;
        s.respondent = r.s("respondent", c.respondent)?;
        s.partner_id = r.s("partner_id", c.partner_id)?;
        s.attrs = r.attrs(c.attrs, c.attrs_len)?;
        Ok(s)
    };
    push(ds, rec, "survey", build, |st, r| st.data.add_survey(r))
}

/// Pushes one program cost (copied).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_dataset_add_program_cost(ds: *mut ckpi_dataset, rec: *const ckpi_program_cost) -> ckpi_status {
    let build = |r: &mut Reader, c: ckpi_program_cost| {
        let period = r.req("period", c.period)?;
        Ok(ProgramCost {
            partner_id: r.req("partner_id", c.partner_id)?,
            period: Period::parse(&period).map_err(|e| r.core(e, "period", &period))?,
            kind: r.code("kind", c.kind, &COST_KIND)?,
            amount: r.req_money(c.amount, c.currency)?,
        })
    };
    push(ds, rec, "cost", build, |st, r| st.data.add_program_cost(r))
}

/// Pushes one account-month of recurring revenue (copied).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_dataset_add_subscription_month(ds: *mut ckpi_dataset, rec: *const ckpi_subscription_month) -> ckpi_status {
    let build = |r: &mut Reader, c: ckpi_subscription_month| {
        let mrr = r.req_money_as("mrr", c.mrr, c.currency)?;
        let mut m = SubscriptionMonth::new(r.req("account_id", c.account_id)?, r.req_date("month", c.month)?, mrr);
        m.partner_id = r.s("partner_id", c.partner_id)?;
        m.attrs = r.attrs(c.attrs, c.attrs_len)?;
        Ok(m)
    };
    push(ds, rec, "subscription", build, |st, r| st.data.add_subscription_month(r))
}

/// Pushes one support ticket (copied).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_dataset_add_ticket(ds: *mut ckpi_dataset, rec: *const ckpi_ticket) -> ckpi_status {
    let build = |r: &mut Reader, c: ckpi_ticket| {
        Ok(SupportTicket {
            id: r.id("id", c.id)?,
            account_id: r.req("account_id", c.account_id)?,
            opened_on: r.req_date("opened_on", c.opened_on)?,
            closed_on: r.date("closed_on", c.closed_on)?,
            partner_id: r.s("partner_id", c.partner_id)?,
        })
    };
    push(ds, rec, "ticket", build, |st, r| st.data.add_ticket(&mut st.index, r))
}

/// Pushes one onboarding record (copied).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_dataset_add_onboarding(ds: *mut ckpi_dataset, rec: *const ckpi_onboarding) -> ckpi_status {
    let build = |r: &mut Reader, c: ckpi_onboarding| {
        Ok(Onboarding {
            account_id: r.req("account_id", c.account_id)?,
            started_on: r.req_date("started_on", c.started_on)?,
            completed_on: r.date("completed_on", c.completed_on)?,
            partner_id: r.s("partner_id", c.partner_id)?,
        })
    };
    push(ds, rec, "onboarding", build, |st, r| st.data.add_onboarding(r))
}

/// Pushes one engagement event (copied).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_dataset_add_engagement(ds: *mut ckpi_dataset, rec: *const ckpi_engagement) -> ckpi_status {
    let build = |r: &mut Reader, c: ckpi_engagement| {
        Ok(EngagementEvent {
            account_id: r.req("account_id", c.account_id)?,
            occurred_on: r.req_date("occurred_on", c.occurred_on)?,
            kind: r.s("kind", c.kind)?,
            partner_id: r.s("partner_id", c.partner_id)?,
        })
    };
    push(ds, rec, "engagement", build, |st, r| st.data.add_engagement(r))
}

/// Pushes one referral (copied).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_dataset_add_referral(ds: *mut ckpi_dataset, rec: *const ckpi_referral) -> ckpi_status {
    let build = |r: &mut Reader, c: ckpi_referral| {
        Ok(Referral {
            id: r.id("id", c.id)?,
            referred_on: r.req_date("referred_on", c.referred_on)?,
            referrer_account_id: r.s("referrer_account_id", c.referrer_account_id)?,
            partner_id: r.s("partner_id", c.partner_id)?,
            referred_account_id: r.s("referred_account_id", c.referred_account_id)?,
            converted_on: r.date("converted_on", c.converted_on)?,
        })
    };
    push(ds, rec, "referral", build, |st, r| st.data.add_referral(&mut st.index, r))
}

/// Pushes one account-month of product usage (copied).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_dataset_add_usage(ds: *mut ckpi_dataset, rec: *const ckpi_usage) -> ckpi_status {
    let build = |r: &mut Reader, c: ckpi_usage| {
        Ok(ProductUsage {
            account_id: r.req("account_id", c.account_id)?,
            month: r.req_date("month", c.month)?,
            active_users: c.active_users,
            features_used: c.features_used,
            partner_id: r.s("partner_id", c.partner_id)?,
        })
    };
    push(ds, rec, "usage", build, |st, r| st.data.add_usage(r))
}
