//! [`Contract`]: a subscription contract (account, plan, MRR from a start date to an optional
//! end, with amendments), which the engine expands into [`SubscriptionMonth`]s itself
//! ([`Contract::months`], the one place contracts become monthly MRR).

use super::SubscriptionMonth;
use crate::error::{Error, Location, Result};
use crate::money::Money;
use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A change of a contract's MRR from a day on (an upgrade, a downgrade, a price change).
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct Amendment {
    /// The first day the new MRR applies.
    pub on: NaiveDate,
    /// The new MRR, in the contract's currency (not negative).
    #[serde(with = "rust_decimal::serde::str")]
    pub mrr: Decimal,
}

/// A subscription contract. Its MRR in a month is the MRR **in force on the month's last day**
/// (an end-of-month snapshot, as ChartMogul and Baremetrics report MRR): the contract counts in
/// month M when `started_on` ≤ last day of M and `ended_on` (the first day without service) is
/// after it; the MRR is that of the last amendment dated on or before the last day of M, else
/// `mrr`. A contract started on 2025-01-15 counts from January; one ended on 2025-04-15 counts
/// through March (churned in April); one ended on 2025-05-01 counts through April.
///
/// `known_until`: the last day the export knows the contract's state (a churn snapshot's
/// date). Months after it get **no** row, so KPIs needing them are absent rather than
/// presuming the contract went on; without it an open contract runs to the query's horizon.
///
/// ```
/// use channel_kpi::domain::{Amendment, Contract};
/// let day = |s: &str| s.parse().unwrap();
/// let mut c = Contract::new("A", "100 USD".parse().unwrap(), day("2025-01-15"));
/// c.amendments.push(Amendment { on: day("2025-03-10"), mrr: "150".parse().unwrap() });
/// c.ended_on = Some(day("2025-05-01"));
/// let m: Vec<String> = c.months(day("2025-12-31")).map(|s| format!("{} {}", s.month, s.mrr)).collect();
/// assert_eq!(m, ["2025-01-01 100 USD", "2025-02-01 100 USD", "2025-03-01 150 USD", "2025-04-01 150 USD"]);
/// ```
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct Contract {
    /// The customer account.
    pub account_id: String,
    /// The partner that sourced the account.
    #[serde(default)]
    pub partner_id: Option<String>,
    /// The plan (grouped by as `attr:plan`).
    #[serde(default)]
    pub plan: Option<String>,
    /// MRR at the start (not negative).
    pub mrr: Money,
    /// First day of service.
    pub started_on: NaiveDate,
    /// First day without service (≥ `started_on`); `None` = still running.
    #[serde(default)]
    pub ended_on: Option<NaiveDate>,
    /// MRR changes, each on or after `started_on` and before `ended_on`, on distinct days.
    #[serde(default)]
    pub amendments: Vec<Amendment>,
    /// The last day the export knows about (see the type's doc).
    #[serde(default)]
    pub known_until: Option<NaiveDate>,
    /// User-defined dimensions (segment, contract type, …).
    #[serde(default)]
    pub attrs: BTreeMap<String, String>,
}

fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

fn last_day(month: NaiveDate) -> Option<NaiveDate> {
    month.checked_add_months(Months::new(1)).and_then(|n| n.pred_opt())
}

impl Contract {
    /// A running contract without partner, plan, amendments or attributes.
    pub fn new(account_id: impl Into<String>, mrr: Money, started_on: NaiveDate) -> Self {
        Contract {
            account_id: account_id.into(),
            partner_id: None,
            plan: None,
            mrr,
            started_on,
            ended_on: None,
            amendments: Vec::new(),
            known_until: None,
            attrs: BTreeMap::new(),
        }
    }

    /// `contract A1 from 2025-01-15`, for error messages.
    pub fn describe(&self) -> String {
        format!("contract {} from {}", self.account_id, self.started_on)
    }

    /// The MRR in force on `day`, or `None` when the contract is not running that day.
    pub fn mrr_on(&self, day: NaiveDate) -> Option<Decimal> {
        if day < self.started_on || self.ended_on.is_some_and(|e| e <= day) {
            return None;
        }
        let latest = self.amendments.iter().filter(|a| a.on <= day).max_by_key(|a| a.on);
        Some(latest.map_or(self.mrr.amount, |a| a.mrr))
    }

    /// The contract as monthly MRR rows, from the month it started through the month of
    /// `horizon` (and of `known_until`, whichever is earlier): one row per month whose last day
    /// it is running on (see the type's doc), carrying the partner and the attributes, with the
    /// plan as the attribute `plan`.
    pub fn months(&self, horizon: NaiveDate) -> impl Iterator<Item = SubscriptionMonth> + '_ {
        let until = month_start(self.known_until.map_or(horizon, |k| k.min(horizon)));
        let mut attrs = self.attrs.clone();
        if let Some(p) = &self.plan {
            attrs.insert("plan".into(), p.clone());
        }
        let first = month_start(self.started_on);
        std::iter::successors(Some(first), |m| m.checked_add_months(Months::new(1)))
            .take_while(move |m| *m <= until && self.ended_on.is_none_or(|e| *m < e))
            .filter_map(move |m| {
                let mrr = self.mrr_on(last_day(m)?)?;
                Some(SubscriptionMonth {
                    account_id: self.account_id.clone(),
                    month: m,
                    mrr: Money::new(mrr, self.mrr.currency),
                    partner_id: self.partner_id.clone(),
                    attrs: attrs.clone(),
                })
            })
    }

    /// Account given; MRRs not negative; ended not before started; amendments within the
    /// contract, on distinct days.
    pub fn validate(&self) -> Result<()> {
        let loc = |f: &str| Location { record: Some(self.describe()), field: Some(f.into()), ..Default::default() };
        if self.account_id.trim().is_empty() {
            return Err(Error::Missing { location: loc("account_id") });
        }
        if self.mrr.amount.is_sign_negative() && !self.mrr.amount.is_zero() {
            return Err(Error::invalid(loc("mrr").with_value(self.mrr), "MRR is negative"));
        }
        if let Some(e) = self.ended_on.filter(|e| *e < self.started_on) {
            return Err(Error::invalid(loc("ended_on").with_value(e), format!("ended before it started ({})", self.started_on)));
        }
        let mut days: Vec<NaiveDate> = Vec::with_capacity(self.amendments.len());
        for a in &self.amendments {
            let bad = |why: String| Error::invalid(loc("amendments").with_value(format!("{} {}", a.on, a.mrr)), why);
            if a.mrr.is_sign_negative() && !a.mrr.is_zero() {
                return Err(bad("MRR is negative".into()));
            }
            if a.on < self.started_on {
                return Err(bad(format!("amendment before the contract started ({})", self.started_on)));
            }
            if let Some(e) = self.ended_on.filter(|e| a.on >= *e) {
                return Err(bad(format!("amendment on or after the contract ended ({e})")));
            }
            if days.contains(&a.on) {
                return Err(bad("two amendments on the same day".into()));
            }
            days.push(a.on);
        }
        Ok(())
    }
}

/// Parses amendments written in one cell, `DATE=MRR` separated by `;` (`2025-03-10=150;
/// 2025-06-01=120`), dates as `YYYY-MM-DD`.
pub fn parse_amendments(s: &str) -> Result<Vec<Amendment>> {
    let bad = |part: &str| {
        Error::parse(Location { field: Some("amendments".into()), value: Some(part.into()), ..Default::default() }, "expected DATE=MRR; …")
    };
    s.split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (d, m) = p.split_once('=').ok_or_else(|| bad(p))?;
            let on = d.trim().parse::<NaiveDate>().map_err(|_| bad(p))?;
            let mrr = crate::money::parse_decimal(m.trim()).map_err(|_| bad(p))?;
            Ok(Amendment { on, mrr })
        })
        .collect()
}
