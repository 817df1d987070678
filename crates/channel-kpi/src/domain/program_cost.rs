//! [`ProgramCost`]: money the partner program spent on one partner in a period.

use super::vocabulary;
use crate::error::{Error, Location, Result};
use crate::money::Money;
use crate::period::Period;
use serde::{Deserialize, Serialize};

/// What the money was for.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CostKind {
    /// Market development funds.
    Mdf,
    /// Training.
    Training,
    /// Incentives and rebates.
    Incentives,
    /// Anything else.
    #[default]
    Other,
}
vocabulary!(CostKind, "kind", ["mdf" => Mdf, "training" => Training, "incentives" => Incentives, "other" => Other]);

/// A program cost of one partner for a period. A KPI window counts the cost when the cost's
/// period *starts* in the window (a yearly cost lands in the year's first bucket; give costs
/// per month or quarter to spread them).
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct ProgramCost {
    /// The partner.
    pub partner_id: String,
    /// The period the cost covers.
    pub period: Period,
    /// MDF, training, incentives or other.
    #[serde(default)]
    pub kind: CostKind,
    /// Amount (not negative).
    pub amount: Money,
}

impl ProgramCost {
    /// `cost P1 2025-Q1 mdf`, for error messages.
    pub fn describe(&self) -> String {
        format!("cost {} {} {}", self.partner_id, self.period, self.kind)
    }
    /// The partner is given and the amount is not negative.
    pub fn validate(&self) -> Result<()> {
        let loc = |f: &str| Location { record: Some(self.describe()), field: Some(f.into()), ..Default::default() };
        if self.partner_id.trim().is_empty() {
            return Err(Error::Missing { location: loc("partner_id") });
        }
        if self.amount.amount.is_sign_negative() && !self.amount.amount.is_zero() {
            return Err(Error::invalid(loc("amount").with_value(self.amount), "amount is negative"));
        }
        Ok(())
    }
}
