//! Customer-success records: [`SupportTicket`], [`Onboarding`], [`EngagementEvent`],
//! [`Referral`], [`ProductUsage`]. Each names the account and, optionally, the partner that
//! sourced or serves it (the `partner` dimension).

use crate::error::{Error, Location, Result};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

fn missing(record: String, field: &str) -> Error {
    Error::Missing { location: Location { record: Some(record), field: Some(field.into()), ..Default::default() } }
}

fn before(record: String, field: &str, value: NaiveDate, what: &str, other: NaiveDate) -> Error {
    Error::invalid(
        Location { record: Some(record), field: Some(field.into()), value: Some(value.to_string()), ..Default::default() },
        format!("{what} ({other})"),
    )
}

/// A support ticket, opened on a day and maybe closed later.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct SupportTicket {
    /// Ticket id.
    pub id: String,
    /// The account that raised it.
    pub account_id: String,
    /// Date opened.
    pub opened_on: NaiveDate,
    /// Date closed (≥ `opened_on`).
    #[serde(default)]
    pub closed_on: Option<NaiveDate>,
    /// The account's partner.
    #[serde(default)]
    pub partner_id: Option<String>,
}

impl SupportTicket {
    /// Id and account given; not closed before opened.
    pub fn validate(&self) -> Result<()> {
        let r = || format!("ticket {}", self.id);
        if self.id.trim().is_empty() {
            return Err(missing(r(), "ticket_id"));
        }
        if self.account_id.trim().is_empty() {
            return Err(missing(r(), "account_id"));
        }
        match self.closed_on {
            Some(c) if c < self.opened_on => Err(before(r(), "closed_on", c, "closed before it was opened", self.opened_on)),
            _ => Ok(()),
        }
    }
}

/// The onboarding of an account: from the won deal / contract date to onboarding complete.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct Onboarding {
    /// The account.
    pub account_id: String,
    /// Contract (deal won) date.
    pub started_on: NaiveDate,
    /// Onboarding completed (≥ `started_on`); `None` = still onboarding.
    #[serde(default)]
    pub completed_on: Option<NaiveDate>,
    /// The partner that onboards it.
    #[serde(default)]
    pub partner_id: Option<String>,
}

impl Onboarding {
    /// Account given; not completed before started.
    pub fn validate(&self) -> Result<()> {
        let r = || format!("onboarding {}", self.account_id);
        if self.account_id.trim().is_empty() {
            return Err(missing(r(), "account_id"));
        }
        match self.completed_on {
            Some(c) if c < self.started_on => Err(before(r(), "completed_on", c, "completed before it started", self.started_on)),
            _ => Ok(()),
        }
    }
}

/// One engagement event (login, QBR, webinar attended, …) of an account.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct EngagementEvent {
    /// The account.
    pub account_id: String,
    /// Date.
    pub occurred_on: NaiveDate,
    /// Free-text kind (`login`, `qbr`, …).
    #[serde(default)]
    pub kind: Option<String>,
    /// The account's partner.
    #[serde(default)]
    pub partner_id: Option<String>,
}

impl EngagementEvent {
    /// Account given.
    pub fn validate(&self) -> Result<()> {
        if self.account_id.trim().is_empty() {
            return Err(missing(format!("engagement on {}", self.occurred_on), "account_id"));
        }
        Ok(())
    }
}

/// A referral made by an account or a partner; it *converted* when the referred account became
/// a customer (`converted_on`).
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct Referral {
    /// Referral id.
    pub id: String,
    /// Date referred.
    pub referred_on: NaiveDate,
    /// The referring account (customer referral).
    #[serde(default)]
    pub referrer_account_id: Option<String>,
    /// The referring partner (partner referral).
    #[serde(default)]
    pub partner_id: Option<String>,
    /// The referred prospect / account.
    #[serde(default)]
    pub referred_account_id: Option<String>,
    /// Date the referred account became a customer (≥ `referred_on`).
    #[serde(default)]
    pub converted_on: Option<NaiveDate>,
}

impl Referral {
    /// Id given; converted not before referred.
    pub fn validate(&self) -> Result<()> {
        let r = || format!("referral {}", self.id);
        if self.id.trim().is_empty() {
            return Err(missing(r(), "referral_id"));
        }
        match self.converted_on {
            Some(c) if c < self.referred_on => Err(before(r(), "converted_on", c, "converted before it was referred", self.referred_on)),
            _ => Ok(()),
        }
    }
}

/// Product usage of one account in one month.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct ProductUsage {
    /// The account.
    pub account_id: String,
    /// Any day of the month.
    pub month: NaiveDate,
    /// Active users (seats used) that month; the account is *active* when > 0.
    pub active_users: u32,
    /// Distinct features used that month.
    #[serde(default)]
    pub features_used: u32,
    /// The account's partner.
    #[serde(default)]
    pub partner_id: Option<String>,
}

impl ProductUsage {
    /// The first day of the row's month.
    pub fn month_start(&self) -> NaiveDate {
        self.month.with_day(1).unwrap_or(self.month)
    }
    /// Account given.
    pub fn validate(&self) -> Result<()> {
        if self.account_id.trim().is_empty() {
            return Err(missing(format!("usage {}", self.month.format("%Y-%m")), "account_id"));
        }
        Ok(())
    }
}
