//! Adding records to a [`Dataset`] one at a time — what the C binding's `ckpi_dataset_add_*`
//! do (and any binding that pushes records singly). Every check that can be made on one record
//! and the ids already present is made **here, when the record is added**: the record's own
//! invariants (`validate`), no negative target or spend (as the file loaders), and no
//! duplicate deal, lead, ticket, referral, partner or org-unit id. A rejected record is not
//! added, so one bad push cannot make every later query fail. References that may be
//! satisfied later (a deal's partner pushed after the deal) are still checked by
//! [`Dataset::validate`].
//!
//! Duplicate checks need the ids already present; scanning the lists on every push would make
//! N pushes cost O(N²), so the caller keeps a [`PushIndex`] beside the dataset. The index
//! catches up by itself with records that arrived another way (a JSON document, a loaded
//! directory, a direct push onto the public lists): it remembers how many records of each list
//! it has seen.
//!
//! ```
//! use channel_kpi::{Dataset, Deal, DealStatus, PushIndex};
//! let (mut ds, mut ix) = (Dataset::default(), PushIndex::default());
//! let day = chrono::NaiveDate::from_ymd_opt(2025, 1, 2).unwrap();
//! ds.add_deal(&mut ix, Deal::new("D1", day, DealStatus::Open)).unwrap();
//! let e = ds.add_deal(&mut ix, Deal::new("D1", day, DealStatus::Open)).unwrap_err();
//! assert_eq!(e.kind(), "reference");
//! assert_eq!(e.location().unwrap().record.as_deref(), Some("deal D1"));
//! assert_eq!(ds.deals.len(), 1);
//! ```

use crate::error::{Error, Location, Result};
use crate::{
    Contract, CourseAttendance, Dataset, Deal, EngagementEvent, Lead, Onboarding, OrgTree, OrgUnit, Partner, ProductUsage, ProgramCost,
    Referral, Spend, SubscriptionMonth, SupportTicket, SurveyResponse, Target,
};
use std::collections::HashSet;

/// The ids of one list, and how many of its records have been indexed.
#[derive(Default, Debug, Clone)]
struct IdSet {
    ids: HashSet<String>,
    seen: usize,
}

impl IdSet {
    /// Indexes the records of `list` not seen yet (all again if the list shrank), then fails
    /// when `id` is among them.
    fn check<'a>(&mut self, n: usize, id_at: impl Fn(usize) -> &'a str, kind: &str, field: &str, id: &str) -> Result<()> {
        if n < self.seen {
            *self = IdSet::default();
        }
        for i in self.seen..n {
            self.ids.insert(id_at(i).to_string());
        }
        self.seen = n;
        if self.ids.contains(id) {
            return Err(duplicate(kind, field, id));
        }
        Ok(())
    }

    /// Records that the checked id was appended to the list.
    fn added(&mut self, id: &str) {
        self.ids.insert(id.to_string());
        self.seen += 1;
    }
}

/// The ids already added to one [`Dataset`], for O(1) duplicate checks by the `add_*`
/// methods. Keep one per dataset (a fresh one indexes the dataset on first use).
#[derive(Default, Debug, Clone)]
pub struct PushIndex {
    deals: IdSet,
    leads: IdSet,
    tickets: IdSet,
    referrals: IdSet,
    org_units: HashSet<String>,
}

impl PushIndex {
    /// Claims the id of an org unit pushed singly (org units are assembled into an
    /// [`OrgTree`] later, when parents are known): fails when `tree` or an earlier claim
    /// already has it.
    pub fn claim_org_unit(&mut self, tree: &OrgTree, unit: &OrgUnit) -> Result<()> {
        if tree.get(&unit.id).is_some() || !self.org_units.insert(unit.id.clone()) {
            return Err(Error::Reference {
                location: Location::record("org unit", &unit.id, "unit_id").with_value(&unit.id),
                reason: "duplicate org unit id: a unit with this id was already added".into(),
            });
        }
        Ok(())
    }

    /// Forgets claimed org units (once they are part of the dataset's tree).
    pub fn clear_org_units(&mut self) {
        self.org_units.clear();
    }
}

/// The error for an id added twice.
fn duplicate(kind: &str, field: &str, id: &str) -> Error {
    Error::Reference {
        location: Location::record(kind, id, field).with_value(id),
        reason: format!("duplicate {kind} id: a {kind} with this id was already added"),
    }
}

/// The first id of `list` that occurs twice.
fn unique<'a>(n: usize, id_at: impl Fn(usize) -> &'a str, kind: &str, field: &str) -> Result<()> {
    let mut seen = HashSet::with_capacity(n);
    match (0..n).map(id_at).find(|id| !seen.insert(*id)) {
        Some(id) => Err(duplicate(kind, field, id)),
        None => Ok(()),
    }
}

/// An amount that must not be negative (targets, spend): the file loaders' rule.
fn not_negative(m: &crate::Money, record: String, what: &str) -> Result<()> {
    if m.amount.is_sign_negative() && !m.amount.is_zero() {
        let location = Location { record: Some(record), field: Some("amount".into()), ..Default::default() }.with_value(m);
        return Err(Error::invalid(location, format!("{what} is negative")));
    }
    Ok(())
}

impl Dataset {
    /// Adds a deal: checks it ([`Deal::validate`]: dates in order, won deals with an amount …)
    /// and that no deal with its id is in the dataset. Its partner, owner and stages are
    /// checked by [`Dataset::validate`] (they may be added later).
    pub fn add_deal(&mut self, ix: &mut PushIndex, d: Deal) -> Result<()> {
        d.validate()?;
        ix.deals.check(self.deals.len(), |i| self.deals.id(i), "deal", "deal_id", &d.id)?;
        ix.deals.added(&d.id);
        self.deals.push(d);
        Ok(())
    }

    /// Adds a lead: checks it and that its id is new. Its deal and partner are checked by
    /// [`Dataset::validate`].
    pub fn add_lead(&mut self, ix: &mut PushIndex, l: Lead) -> Result<()> {
        l.validate()?;
        ix.leads.check(self.leads.len(), |i| self.leads.id(i), "lead", "lead_id", &l.id)?;
        ix.leads.added(&l.id);
        self.leads.push(l);
        Ok(())
    }

    /// Fails on the first deal, lead, ticket or referral id used twice: the id checks of the
    /// `add_*` methods, for records that arrive in bulk (a JSON document or a loaded directory
    /// merged into records already added), so the merge can be refused as a whole.
    pub fn check_unique_ids(&self) -> Result<()> {
        unique(self.deals.len(), |i| self.deals.id(i), "deal", "deal_id")?;
        unique(self.leads.len(), |i| self.leads.id(i), "lead", "lead_id")?;
        unique(self.tickets.len(), |i| &self.tickets[i].id, "ticket", "ticket_id")?;
        unique(self.referrals.len(), |i| &self.referrals[i].id, "referral", "referral_id")
    }

    /// Adds a partner (its id must be new).
    pub fn add_partner(&mut self, p: Partner) -> Result<()> {
        self.refs.add_partners([p])
    }

    /// Adds a revenue target; a negative amount is rejected (`invalid`, field `amount`).
    pub fn add_target(&mut self, t: Target) -> Result<()> {
        let record = match &t.key {
            Some(k) => format!("target {} {k} {}", t.dimension, t.period),
            None => format!("target {} {}", t.dimension, t.period),
        };
        not_negative(&t.amount, record, "a revenue target")?;
        self.targets.push(t);
        Ok(())
    }

    /// Adds a marketing spend record; a negative amount is rejected (`invalid`, field `amount`).
    pub fn add_spend(&mut self, s: Spend) -> Result<()> {
        not_negative(&s.amount, format!("spend {} {}", s.channel, s.spent_on), "spend")?;
        self.spend.push(s);
        Ok(())
    }

    /// Adds a support ticket: checks it and that its id is new.
    pub fn add_ticket(&mut self, ix: &mut PushIndex, t: SupportTicket) -> Result<()> {
        t.validate()?;
        ix.tickets.check(self.tickets.len(), |i| &self.tickets[i].id, "ticket", "ticket_id", &t.id)?;
        ix.tickets.added(&t.id);
        self.tickets.push(t);
        Ok(())
    }

    /// Adds a referral: checks it and that its id is new.
    pub fn add_referral(&mut self, ix: &mut PushIndex, r: Referral) -> Result<()> {
        r.validate()?;
        ix.referrals.check(self.referrals.len(), |i| &self.referrals[i].id, "referral", "referral_id", &r.id)?;
        ix.referrals.added(&r.id);
        self.referrals.push(r);
        Ok(())
    }

    /// Adds a course attendance (checked on its own).
    pub fn add_course_attendance(&mut self, c: CourseAttendance) -> Result<()> {
        c.validate()?;
        self.courses.push(c);
        Ok(())
    }

    /// Adds a survey response (checked on its own).
    pub fn add_survey(&mut self, s: SurveyResponse) -> Result<()> {
        s.validate()?;
        self.surveys.push(s);
        Ok(())
    }

    /// Adds a program cost (checked on its own: not negative).
    pub fn add_program_cost(&mut self, c: ProgramCost) -> Result<()> {
        c.validate()?;
        self.program_costs.push(c);
        Ok(())
    }

    /// Adds an account-month of recurring revenue (checked on its own: MRR not negative).
    pub fn add_subscription_month(&mut self, m: SubscriptionMonth) -> Result<()> {
        m.validate()?;
        self.subscriptions.push(m);
        Ok(())
    }

    /// Adds a subscription contract (checked on its own: MRRs not negative, dates in order).
    pub fn add_contract(&mut self, c: Contract) -> Result<()> {
        c.validate()?;
        self.contracts.push(c);
        Ok(())
    }

    /// Adds an onboarding record (checked on its own).
    pub fn add_onboarding(&mut self, o: Onboarding) -> Result<()> {
        o.validate()?;
        self.onboarding.push(o);
        Ok(())
    }

    /// Adds an engagement event (checked on its own).
    pub fn add_engagement(&mut self, e: EngagementEvent) -> Result<()> {
        e.validate()?;
        self.engagement.push(e);
        Ok(())
    }

    /// Adds an account-month of product usage (checked on its own).
    pub fn add_usage(&mut self, u: ProductUsage) -> Result<()> {
        u.validate()?;
        self.usage.push(u);
        Ok(())
    }
}

#[cfg(test)]
#[path = "dataset_add_tests.rs"]
mod tests;
