//! Conversion functions of the partner-program and customer-success record kinds (a child of
//! `convert`, sharing its field reader): `courses`, `surveys`, `program_costs`,
//! `subscriptions`, `tickets`, `onboarding`, `engagement`, `referrals`, `usage`.
//!
//! ```
//! use channel_kpi::load::{subscription_from_row, RawRecord, MappedRow, KindMapping};
//! let rec = RawRecord::new(
//!     ["account_id", "month", "mrr", "currency", "partner_id", "plan"].map(String::from).to_vec(),
//!     ["A1", "2025-03", "49.90", "EUR", "P1", "pro"].map(String::from).to_vec(),
//! );
//! let map = KindMapping::default();
//! let iso = vec!["%Y-%m-%d".to_string()];
//! let s = subscription_from_row(&MappedRow::new(&rec, &map, &iso, &[], "subscriptions.csv", 2).unwrap()).unwrap();
//! assert_eq!((s.month.to_string(), s.mrr.to_string()), ("2025-03-01".into(), "49.90 EUR".into()));
//! assert_eq!(s.attrs.get("plan").map(String::as_str), Some("pro"));
//! ```

use super::{Fields, Row};
use crate::domain::{
    Contract, CostKind, CourseAttendance, EngagementEvent, Onboarding, ProductUsage, ProgramCost, Referral, SubscriptionMonth,
    SupportTicket, SurveyKind, SurveyResponse, SurveyTopic, parse_amendments,
};
use crate::error::{Error, Location, Result};
pub use crate::load::kinds::{CONTRACT_FIELDS, SUBSCRIPTION_FIELDS, SURVEY_FIELDS};
use crate::money::{Currency, Money, parse_decimal};
use crate::period::Period;
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::str::FromStr;

impl<R: Row + ?Sized> Fields<'_, R> {
    /// A month: `YYYY-MM`, or any date (in the mapping's formats) of the month.
    fn month(&self, field: &str) -> Result<NaiveDate> {
        let text = self.required(field)?;
        let t = text.trim();
        if t.len() == 7 && t.as_bytes()[4] == b'-' {
            return NaiveDate::parse_from_str(&format!("{t}-01"), "%Y-%m-%d")
                .map_err(|_| Error::parse(self.loc(field).with_value(t), "expected a month YYYY-MM or a date"));
        }
        self.date_required(field)
    }
    /// A non-negative whole number.
    fn count(&self, field: &str) -> Result<Option<u32>> {
        self.parse(field, |s| s.trim().parse::<u32>().map_err(|_| Error::parse(Location::default(), "expected a whole number ≥ 0")))
    }
    /// `amount_field` with `currency`.
    fn money_in(&self, amount_field: &str) -> Result<Money> {
        let amount = self.parse(amount_field, parse_decimal)?.ok_or_else(|| Error::Missing { location: self.loc(amount_field) })?;
        Ok(Money::new(amount, self.parse_required("currency", Currency::new)?))
    }
}

/// The row's attrs minus the canonical fields of its kind.
fn attrs_without<R: Row + ?Sized>(row: &R, canonical: &[&str]) -> BTreeMap<String, String> {
    let mut a = row.attrs();
    a.retain(|k, _| !canonical.contains(&k.as_str()));
    a
}

/// A [`CourseAttendance`] from a `courses` row: `partner_id`, `course_id`, `attended_on`
/// required; `person_id`, `completed_on`, `score` optional.
pub fn course_from_row<R: Row + ?Sized>(row: &R) -> Result<CourseAttendance> {
    let mut f = Fields::new(row);
    let (partner, course) = (f.required("partner_id")?, f.required("course_id")?);
    f.record = Some(format!("attendance {partner}/{course}"));
    let mut c = CourseAttendance::new(partner, course, f.date_required("attended_on")?);
    c.person_id = f.text("person_id");
    c.completed_on = f.date("completed_on")?;
    c.score = f.decimal("score")?;
    f.finish(c, CourseAttendance::validate)
}

/// A [`SurveyResponse`] from a `surveys` row: `kind` (csat / nps / partner_satisfaction),
/// `score`, `submitted_on` required; `scale` defaults to 10 for NPS and 5 otherwise; `topic`
/// (rewards / communications / training / support / other), `survey_id`, `respondent`,
/// `partner_id` optional; other columns become attrs.
pub fn survey_from_row<R: Row + ?Sized>(row: &R) -> Result<SurveyResponse> {
    let mut f = Fields::new(row);
    let id = f.text("survey_id");
    if let Some(id) = &id {
        f.record = Some(format!("survey {id}"));
    }
    let kind = f.parse_required("kind", SurveyKind::from_str)?;
    let scale = f.count("scale")?.unwrap_or(if kind == SurveyKind::Nps { 10 } else { 5 });
    let score = f.parse("score", parse_decimal)?.ok_or_else(|| Error::Missing { location: f.loc("score") })?;
    let mut s = SurveyResponse::new(kind, scale, score, f.date_required("submitted_on")?);
    s.id = id;
    s.topic = f.parse("topic", SurveyTopic::from_str)?;
    s.respondent = f.text("respondent");
    s.partner_id = f.text("partner_id");
    s.attrs = attrs_without(row, SURVEY_FIELDS);
    f.finish(s, SurveyResponse::validate)
}

/// A [`ProgramCost`] from a `program_costs` row: `partner_id`, `period` (`2025-Q1`, `2025-03`,
/// `2025-01-01..2025-04-01`, …), `amount`, `currency` required; `kind` (mdf / training /
/// incentives / other, default other).
pub fn program_cost_from_row<R: Row + ?Sized>(row: &R) -> Result<ProgramCost> {
    let mut f = Fields::new(row);
    let partner = f.required("partner_id")?;
    f.record = Some(format!("cost of {partner}"));
    let c = ProgramCost {
        period: f.parse_required("period", Period::parse)?,
        kind: f.parse("kind", CostKind::from_str)?.unwrap_or_default(),
        amount: f.money_in("amount")?,
        partner_id: partner,
    };
    f.finish(c, ProgramCost::validate)
}

/// A [`SubscriptionMonth`] from a `subscriptions` row: `account_id`, `month` (`YYYY-MM` or a
/// date), `mrr`, `currency` required; `partner_id` (the sourcing partner) optional; other
/// columns become attrs.
pub fn subscription_from_row<R: Row + ?Sized>(row: &R) -> Result<SubscriptionMonth> {
    let mut f = Fields::new(row);
    let account = f.required("account_id")?;
    f.record = Some(format!("subscription {account}"));
    let mut s = SubscriptionMonth::new(account, f.month("month")?, f.money_in("mrr")?);
    s.partner_id = f.text("partner_id");
    s.attrs = attrs_without(row, SUBSCRIPTION_FIELDS);
    f.finish(s, SubscriptionMonth::validate)
}

/// A [`Contract`] from a `contracts` row: `account_id`, `mrr`, `currency` required;
/// `partner_id`, `plan`, `ended_on`, `known_until` optional; `amendments` as `DATE=MRR; …`;
/// other columns become attrs.
///
/// **A churn snapshot** (one row per customer with its tenure and a churn flag, as IBM's Telco
/// export) gives contracts through three more fields: `snapshot_on` (the snapshot's date,
/// usually a mapping default), `tenure_months` and `churned` (true / false, yes / no, 1 / 0;
/// map other values with `values`). Then `started_on` = `snapshot_on` − `tenure_months`
/// months (when not given), a churned customer's `ended_on` = `snapshot_on` (when not given),
/// and `known_until` = `snapshot_on`: the customer counts from the month its tenure began, a
/// churned one is gone in the snapshot's month, and nothing is presumed after it.
///
/// ```
/// use channel_kpi::load::{contract_from_row, RawRecord, MappedRow, KindMapping};
/// let rec = RawRecord::new(
///     ["account_id", "mrr", "currency", "snapshot_on", "tenure_months", "churned"].map(String::from).to_vec(),
///     ["C1", "70.35", "USD", "2025-01-31", "2", "Yes"].map(String::from).to_vec(),
/// );
/// let (map, iso) = (KindMapping::default(), vec!["%Y-%m-%d".to_string()]);
/// let c = contract_from_row(&MappedRow::new(&rec, &map, &iso, &[], "contracts.csv", 2).unwrap()).unwrap();
/// assert_eq!((c.started_on.to_string(), c.ended_on.unwrap().to_string()), ("2024-11-30".into(), "2025-01-31".into()));
/// ```
pub fn contract_from_row<R: Row + ?Sized>(row: &R) -> Result<Contract> {
    let mut f = Fields::new(row);
    let account = f.required("account_id")?;
    f.record = Some(format!("contract {account}"));
    let snapshot = f.date("snapshot_on")?;
    let tenure = f.count("tenure_months")?;
    let churned = f.parse("churned", super::parse_bool)?;
    let started_on = match (f.date("started_on")?, tenure, snapshot) {
        (Some(d), _, _) => d,
        (None, Some(t), Some(s)) => s.checked_sub_months(chrono::Months::new(t)).ok_or_else(|| {
            Error::invalid(f.loc("tenure_months").with_value(t), format!("starts before the calendar does (snapshot {s})"))
        })?,
        (None, Some(_), None) => return Err(Error::Missing { location: f.loc("snapshot_on") }),
        (None, None, _) => return Err(Error::Missing { location: f.loc("started_on") }),
    };
    let mut c = Contract::new(account, f.money_in("mrr")?, started_on);
    c.ended_on = match (f.date("ended_on")?, churned) {
        (Some(d), _) => Some(d),
        (None, Some(true)) => Some(snapshot.ok_or_else(|| Error::Missing { location: f.loc("snapshot_on") })?),
        (None, _) => None,
    };
    c.known_until = f.date("known_until")?.or(snapshot);
    c.partner_id = f.text("partner_id");
    c.plan = f.text("plan");
    c.amendments = f.parse("amendments", parse_amendments)?.unwrap_or_default();
    c.attrs = attrs_without(row, CONTRACT_FIELDS);
    f.finish(c, Contract::validate)
}

/// A [`SupportTicket`] from a `tickets` row: `ticket_id`, `account_id`, `opened_on` required;
/// `closed_on`, `partner_id` optional.
pub fn ticket_from_row<R: Row + ?Sized>(row: &R) -> Result<SupportTicket> {
    let mut f = Fields::new(row);
    let id = f.required("ticket_id")?;
    f.record = Some(format!("ticket {id}"));
    let t = SupportTicket {
        account_id: f.required("account_id")?,
        opened_on: f.date_required("opened_on")?,
        closed_on: f.date("closed_on")?,
        partner_id: f.text("partner_id"),
        id,
    };
    f.finish(t, SupportTicket::validate)
}

/// An [`Onboarding`] from an `onboarding` row: `account_id`, `started_on` required;
/// `completed_on`, `partner_id` optional.
pub fn onboarding_from_row<R: Row + ?Sized>(row: &R) -> Result<Onboarding> {
    let mut f = Fields::new(row);
    let account = f.required("account_id")?;
    f.record = Some(format!("onboarding {account}"));
    let o = Onboarding {
        started_on: f.date_required("started_on")?,
        completed_on: f.date("completed_on")?,
        partner_id: f.text("partner_id"),
        account_id: account,
    };
    f.finish(o, Onboarding::validate)
}

/// An [`EngagementEvent`] from an `engagement` row: `account_id`, `occurred_on` required;
/// `kind`, `partner_id` optional.
pub fn engagement_from_row<R: Row + ?Sized>(row: &R) -> Result<EngagementEvent> {
    let f = Fields::new(row);
    let e = EngagementEvent {
        account_id: f.required("account_id")?,
        occurred_on: f.date_required("occurred_on")?,
        kind: f.text("kind"),
        partner_id: f.text("partner_id"),
    };
    f.finish(e, EngagementEvent::validate)
}

/// A [`Referral`] from a `referrals` row: `referral_id`, `referred_on` required;
/// `referrer_account_id`, `partner_id`, `referred_account_id`, `converted_on` optional.
pub fn referral_from_row<R: Row + ?Sized>(row: &R) -> Result<Referral> {
    let mut f = Fields::new(row);
    let id = f.required("referral_id")?;
    f.record = Some(format!("referral {id}"));
    let r = Referral {
        referred_on: f.date_required("referred_on")?,
        referrer_account_id: f.text("referrer_account_id"),
        partner_id: f.text("partner_id"),
        referred_account_id: f.text("referred_account_id"),
        converted_on: f.date("converted_on")?,
        id,
    };
    f.finish(r, Referral::validate)
}

/// A [`ProductUsage`] from a `usage` row: `account_id`, `month`, `active_users` required;
/// `features_used` (default 0), `partner_id` optional.
pub fn usage_from_row<R: Row + ?Sized>(row: &R) -> Result<ProductUsage> {
    let mut f = Fields::new(row);
    let account = f.required("account_id")?;
    f.record = Some(format!("usage {account}"));
    let u = ProductUsage {
        month: f.month("month")?,
        active_users: f.count("active_users")?.ok_or_else(|| Error::Missing { location: f.loc("active_users") })?,
        features_used: f.count("features_used")?.unwrap_or(0),
        partner_id: f.text("partner_id"),
        account_id: account,
    };
    f.finish(u, ProductUsage::validate)
}
