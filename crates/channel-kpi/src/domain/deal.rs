//! [`Deal`]: one opportunity, its outcome and its history.

use super::vocabulary;
use crate::error::{Error, Location, Result};
use crate::money::Money;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::str::FromStr;

/// Open, won or lost.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DealStatus {
    /// Not closed yet.
    Open,
    /// Closed won.
    Won,
    /// Closed lost.
    Lost,
}
vocabulary!(DealStatus, "status", ["open" => Open, "won" => Won, "lost" => Lost]);

/// Marketing channel segment: paid, earned or owned media.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Paid media (ads, sponsored placements, trade shows).
    Paid,
    /// Earned media (referrals, press, reviews, word of mouth).
    Earned,
    /// Owned media (website, newsletter, webinars).
    Owned,
}
vocabulary!(Channel, "channel", ["paid" => Paid, "earned" => Earned, "owned" => Owned]);

/// New business, upsell / expansion, or renewal.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DealKind {
    /// A new customer.
    #[default]
    New,
    /// Expansion of an existing customer.
    Upsell,
    /// Renewal of an existing contract.
    Renewal,
}
vocabulary!(DealKind, "kind", ["new" => New, "upsell" => Upsell, "renewal" => Renewal]);

/// The vendor's decision on a partner's deal registration.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStatus {
    /// Not decided yet.
    Pending,
    /// Approved: the partner is protected on the deal.
    Approved,
    /// Rejected.
    Rejected,
}
vocabulary!(RegistrationStatus, "registration_status", ["pending" => Pending, "approved" => Approved, "rejected" => Rejected]);

/// The five sales-cycle stages in which a partner can take part (catalog `partner_stage_influence`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartnerStage {
    /// Lead generation.
    LeadGeneration,
    /// Qualification.
    Qualification,
    /// Value demonstration.
    ValueDemonstration,
    /// Guiding the prospect's understanding.
    Guidance,
    /// Value delivery and support.
    ValueDelivery,
}
vocabulary!(PartnerStage, "partner_stages", [
    "lead_generation" => LeadGeneration,
    "qualification" => Qualification,
    "value_demonstration" => ValueDemonstration,
    "guidance" => Guidance,
    "value_delivery" => ValueDelivery,
]);

/// A set of [`PartnerStage`]s (a bit set; serialized as a list of names).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
#[serde(from = "Vec<PartnerStage>", into = "Vec<PartnerStage>")]
pub struct PartnerStages(u8);

impl PartnerStages {
    /// Adds a stage.
    pub fn insert(&mut self, s: PartnerStage) {
        self.0 |= 1 << (s as u8);
    }
    /// Whether the partner took part in `s`.
    pub fn contains(&self, s: PartnerStage) -> bool {
        self.0 & (1 << (s as u8)) != 0
    }
    /// True when the partner took part in no stage.
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }
    /// Parses `lead_generation;qualification` (`;` or `,` separated).
    pub fn parse(s: &str) -> Result<Self> {
        let mut set = PartnerStages::default();
        for part in s.split([';', ',']).map(str::trim).filter(|p| !p.is_empty()) {
            set.insert(PartnerStage::from_str(part)?);
        }
        Ok(set)
    }
}
impl From<Vec<PartnerStage>> for PartnerStages {
    fn from(v: Vec<PartnerStage>) -> Self {
        let mut s = PartnerStages::default();
        v.into_iter().for_each(|x| s.insert(x));
        s
    }
}
impl From<PartnerStages> for Vec<PartnerStage> {
    fn from(s: PartnerStages) -> Self {
        PartnerStage::ALL.iter().copied().filter(|x| s.contains(*x)).collect()
    }
}

/// A deal entered `stage` on `entered_on`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct StageEntry {
    /// Stage name (a stage of the [`crate::PipelineDef`]).
    pub stage: String,
    /// Date entered.
    pub entered_on: NaiveDate,
}

/// Makes `dst` a copy of `src`, reusing the stage names `dst` already holds: a deal refilled
/// from columns for every row (`Deals::fill`) then allocates only when a history is longer
/// than the last one. Same result as `dst.clear(); dst.extend_from_slice(src)`.
pub(crate) fn copy_stage_entries(dst: &mut Vec<StageEntry>, src: &[StageEntry]) {
    dst.truncate(src.len());
    let (head, tail) = src.split_at(dst.len());
    for (d, s) in dst.iter_mut().zip(head) {
        d.stage.clone_from(&s.stage);
        d.entered_on = s.entered_on;
    }
    dst.extend_from_slice(tail);
}

/// One opportunity.
///
/// Invariants checked by [`Deal::validate`]: won and lost deals have `closed_on` and open
/// deals do not; `closed_on ≥ created_on`; won deals have an amount; amounts are not
/// negative; the stage history is in date order and starts no earlier than `created_on`.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct Deal {
    /// Unique id.
    pub id: String,
    /// The partner; `None` is a direct deal.
    #[serde(default)]
    pub partner_id: Option<String>,
    /// The employee who owns the deal (an [`crate::OrgUnit`] id).
    #[serde(default)]
    pub owner_id: Option<String>,
    /// Marketing channel segment.
    #[serde(default)]
    pub channel: Option<Channel>,
    /// Marketing source within the channel.
    #[serde(default)]
    pub source: Option<String>,
    /// Product.
    #[serde(default)]
    pub product: Option<String>,
    /// New, upsell or renewal.
    #[serde(default)]
    pub kind: DealKind,
    /// Creation date.
    pub created_on: NaiveDate,
    /// Date the partner registered the deal.
    #[serde(default)]
    pub registered_on: Option<NaiveDate>,
    /// The decision on the registration (with `registered_on`).
    #[serde(default)]
    pub registration_status: Option<RegistrationStatus>,
    /// Expected close date.
    #[serde(default)]
    pub expected_close_on: Option<NaiveDate>,
    /// Close date (won or lost).
    #[serde(default)]
    pub closed_on: Option<NaiveDate>,
    /// Open, won or lost.
    pub status: DealStatus,
    /// Value; may be absent on open and lost deals.
    #[serde(default)]
    pub amount: Option<Money>,
    /// Why it was lost.
    #[serde(default)]
    pub lost_reason: Option<String>,
    /// Current stage.
    #[serde(default)]
    pub stage: Option<String>,
    /// Stage entries, oldest first.
    #[serde(default)]
    pub stage_history: Vec<StageEntry>,
    /// Sales-cycle stages a partner took part in.
    #[serde(default)]
    pub partner_stages: PartnerStages,
    /// User-defined dimensions (`attr:<name>` in queries).
    #[serde(default)]
    pub attrs: BTreeMap<String, String>,
}

impl Deal {
    /// A minimal deal, for tests and examples: the other fields are empty.
    pub fn new(id: impl Into<String>, created_on: NaiveDate, status: DealStatus) -> Self {
        Deal {
            id: id.into(),
            partner_id: None,
            owner_id: None,
            channel: None,
            source: None,
            product: None,
            kind: DealKind::New,
            created_on,
            registered_on: None,
            registration_status: None,
            expected_close_on: None,
            closed_on: None,
            status,
            amount: None,
            lost_reason: None,
            stage: None,
            stage_history: Vec::new(),
            partner_stages: PartnerStages::default(),
            attrs: BTreeMap::new(),
        }
    }

    /// Checks the invariants listed on [`Deal`].
    pub fn validate(&self) -> Result<()> {
        DealChecked {
            id: &self.id,
            status: self.status,
            created_on: self.created_on,
            closed_on: self.closed_on,
            registered_on: self.registered_on,
            amount: self.amount.as_ref(),
            stage_history: &self.stage_history,
        }
        .validate()
    }

    /// Whether the deal was open at the instant `t` (the start of day `t`): created before
    /// `t` and not closed before `t`.
    pub fn open_at(&self, t: NaiveDate) -> bool {
        self.created_on < t && self.closed_on.is_none_or(|c| c >= t)
    }

    /// The stage the deal was in at instant `t`: the last history entry before `t`, or the
    /// current stage when there is no history and the deal is still open.
    pub fn stage_at(&self, t: NaiveDate) -> Option<&str> {
        if self.stage_history.is_empty() {
            return if self.closed_on.is_none() { self.stage.as_deref() } else { None };
        }
        self.stage_history.iter().rev().find(|e| e.entered_on < t).map(|e| e.stage.as_str())
    }

    /// Closed (won or lost) with `closed_on` satisfying `inside`.
    pub fn closed_in(&self, status: DealStatus, inside: impl Fn(NaiveDate) -> bool) -> bool {
        self.status == status && self.closed_on.is_some_and(inside)
    }

    /// The last day on or before `t` the deal moved: entered a stage, or closed.
    pub fn last_move_on_or_before(&self, t: NaiveDate) -> Option<NaiveDate> {
        let staged = self.stage_history.iter().map(|e| e.entered_on).filter(|d| *d <= t).max();
        staged.max(self.closed_on.filter(|c| *c <= t))
    }

    /// Sales-cycle length in days (`closed_on − created_on`), for closed deals.
    pub fn cycle_days(&self) -> Option<i64> {
        self.closed_on.map(|c| crate::period::days_between(self.created_on, c))
    }
}

/// The fields of a deal that [`Deal::validate`] checks, borrowed: from a [`Deal`] or from one
/// row of [`crate::Deals`] (which checks its rows without building a `Deal`).
pub(crate) struct DealChecked<'a> {
    pub id: &'a str,
    pub status: DealStatus,
    pub created_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    pub registered_on: Option<NaiveDate>,
    pub amount: Option<&'a Money>,
    pub stage_history: &'a [StageEntry],
}

impl DealChecked<'_> {
    fn loc(&self, field: &str) -> Location {
        Location::record("deal", self.id, field)
    }

    /// [`Deal::validate`].
    pub fn validate(&self) -> Result<()> {
        // (an id that starts with a letter or digit is not blank: no trim of every id)
        if !self.id.as_bytes().first().is_some_and(u8::is_ascii_alphanumeric) && self.id.trim().is_empty() {
            return Err(Error::Missing { location: Location { field: Some("deal_id".into()), ..Default::default() } });
        }
        match (self.status, self.closed_on) {
            (DealStatus::Open, Some(c)) => {
                return Err(Error::invalid(self.loc("closed_on").with_value(c), "an open deal has no close date"));
            }
            (DealStatus::Won | DealStatus::Lost, None) => {
                return Err(Error::Missing { location: self.loc("closed_on") });
            }
            (_, Some(c)) if c < self.created_on => {
                return Err(Error::invalid(
                    self.loc("closed_on").with_value(c),
                    format!("closed before it was created ({})", self.created_on),
                ));
            }
            _ => {}
        }
        if self.status == DealStatus::Won && self.amount.is_none() {
            return Err(Error::Missing { location: self.loc("amount") });
        }
        if let Some(m) = self.amount
            && m.amount.is_sign_negative()
            && !m.amount.is_zero()
        {
            return Err(Error::invalid(self.loc("amount").with_value(m), "amount is negative"));
        }
        if let Some(r) = self.registered_on
            && r < self.created_on
        {
            return Err(Error::invalid(self.loc("registered_on").with_value(r), "registered before the deal was created"));
        }
        let mut prev = self.created_on;
        for e in self.stage_history {
            if e.entered_on < prev {
                return Err(Error::invalid(
                    self.loc("stage_history").with_value(format!("{} {}", e.stage, e.entered_on)),
                    "stage entries must be in date order, on or after created_on",
                ));
            }
            prev = e.entered_on;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn validation_names_the_problem() {
        let mut deal = Deal::new("D1", d("2025-03-01"), DealStatus::Won);
        deal.closed_on = Some(d("2025-02-01"));
        deal.amount = Some("10 USD".parse().unwrap());
        let e = deal.validate().unwrap_err().to_string();
        assert!(e.contains("deal D1") && e.contains("closed_on") && e.contains("2025-02-01"), "{e}");
        deal.closed_on = None;
        assert!(matches!(deal.validate(), Err(Error::Missing { .. })));
        deal.closed_on = Some(d("2025-03-01"));
        deal.validate().unwrap();
        deal.amount = Some("-1 USD".parse().unwrap());
        assert!(deal.validate().is_err());
    }

    #[test]
    fn open_at_is_an_instant() {
        let mut deal = Deal::new("D1", d("2025-03-01"), DealStatus::Won);
        deal.closed_on = Some(d("2025-04-01"));
        assert!(!deal.open_at(d("2025-03-01")), "created that day: not yet open at its start");
        assert!(deal.open_at(d("2025-03-02")));
        assert!(deal.open_at(d("2025-04-01")), "closes during 04-01: still open at its start");
        assert!(!deal.open_at(d("2025-04-02")));
    }

    #[test]
    fn partner_stages_round_trip() {
        let s = PartnerStages::parse("lead_generation; value delivery").unwrap();
        assert!(s.contains(PartnerStage::LeadGeneration) && s.contains(PartnerStage::ValueDelivery));
        assert!(!s.contains(PartnerStage::Guidance));
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, r#"["lead_generation","value_delivery"]"#);
        assert!(PartnerStages::parse("lunch").is_err());
    }
}
