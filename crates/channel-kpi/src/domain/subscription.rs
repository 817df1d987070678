//! [`SubscriptionMonth`]: an account's monthly recurring revenue in one month.

use crate::error::{Error, Location, Result};
use crate::money::Money;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The MRR of one account in one month. An account is *active* in a month when it has a row
/// with MRR > 0 for it; several rows of the same account and month add up (several
/// subscriptions). A month with no row is MRR 0 (churned or not yet a customer).
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct SubscriptionMonth {
    /// The customer account.
    pub account_id: String,
    /// Any day of the month (normalized to the first by [`SubscriptionMonth::month_start`]).
    pub month: NaiveDate,
    /// Monthly recurring revenue (not negative).
    pub mrr: Money,
    /// The partner that sourced the account.
    #[serde(default)]
    pub partner_id: Option<String>,
    /// User-defined dimensions (plan, segment, …).
    #[serde(default)]
    pub attrs: BTreeMap<String, String>,
}

impl SubscriptionMonth {
    /// A row without partner or attributes.
    pub fn new(account_id: impl Into<String>, month: NaiveDate, mrr: Money) -> Self {
        SubscriptionMonth { account_id: account_id.into(), month, mrr, partner_id: None, attrs: BTreeMap::new() }
    }
    /// The first day of the row's month.
    pub fn month_start(&self) -> NaiveDate {
        self.month.with_day(1).unwrap_or(self.month)
    }
    /// `subscription A1 2025-03`, for error messages.
    pub fn describe(&self) -> String {
        format!("subscription {} {}", self.account_id, self.month.format("%Y-%m"))
    }
    /// The account is given and the MRR is not negative.
    pub fn validate(&self) -> Result<()> {
        let loc = |f: &str| Location { record: Some(self.describe()), field: Some(f.into()), ..Default::default() };
        if self.account_id.trim().is_empty() {
            return Err(Error::Missing { location: loc("account_id") });
        }
        if self.mrr.amount.is_sign_negative() && !self.mrr.amount.is_zero() {
            return Err(Error::invalid(loc("mrr").with_value(self.mrr), "MRR is negative"));
        }
        Ok(())
    }
}
