//! The leads of a [`Dataset`]: linked to the deals they became, and checked.

use crate::Dataset;
use crate::domain::Lead;
use crate::error::{Error, Location, Result};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

impl Dataset {
    /// Fills each unset `won_on` from the deal the lead links to, when that deal was won (the
    /// close dates looked up once per distinct deal id of the leads).
    pub(crate) fn link_leads(&mut self) {
        let leads = &self.leads;
        if !(0..leads.len()).any(|i| leads.won_on(i).is_none() && leads.deal_id(i).is_some()) {
            return;
        }
        let deals = &self.deals;
        let won: HashMap<&str, chrono::NaiveDate> = (0..deals.len())
            .filter(|&i| deals.status(i) == crate::DealStatus::Won)
            .filter_map(|i| deals.closed_on(i).map(|c| (deals.id(i), c)))
            .collect();
        // per distinct deal id of the leads (a dictionary id), its close date if won
        let linked: Vec<Option<chrono::NaiveDate>> =
            std::iter::once(None).chain(leads.words.values().map(|id| won.get(id).copied())).collect();
        let leads = &mut self.leads;
        for (won_on, &deal) in leads.won_on.iter_mut().zip(&leads.deal) {
            if won_on.is_none() {
                *won_on = linked[deal as usize];
            }
        }
    }

    /// Checks the leads: each valid ([`crate::Lead::validate`]) and its id unique unless the
    /// loader checked both (`loaded`), its partner known (when partners are given), the deal it
    /// links to among `deal_ids`. Partners and deals are looked up once per distinct text.
    pub(crate) fn check_leads(&self, loaded: bool, has_partners: bool, deal_ids: &HashSet<&str>) -> Result<()> {
        let leads = &self.leads;
        let dangling = |i: usize, field: &str, value: &str, what: &str| Error::Reference {
            location: Location::record("lead", leads.id(i), field).with_value(value),
            reason: format!("unknown {what}"),
        };
        let mut ids = HashSet::with_capacity_and_hasher(if loaded { 0 } else { leads.len() }, Default::default());
        // per dictionary id: 0 not looked at yet, 1 known, 2 unknown
        let mut known = vec![0u8; leads.words.len() + 1];
        let mut is_known = |word: u32, lookup: &dyn Fn(&str) -> bool| -> bool {
            if word == 0 {
                return true;
            }
            let k = &mut known[word as usize];
            if *k == 0 {
                *k = if leads.words.get(word).is_some_and(lookup) { 1 } else { 2 };
            }
            *k == 1
        };
        for i in 0..leads.len() {
            let id = leads.id(i);
            if !loaded {
                Lead::check_id(id)?;
                if !ids.insert(id) {
                    return Err(Error::Reference {
                        location: Location::record("lead", id, "lead_id").with_value(id),
                        reason: "duplicate lead id".into(),
                    });
                }
            }
            if has_partners && !is_known(leads.partner[i], &|p| self.refs.partner(p).is_some()) {
                return Err(dangling(i, "partner_id", leads.partner_id(i).unwrap_or_default(), "partner"));
            }
            if !is_known(leads.deal[i], &|d| deal_ids.contains(d)) {
                return Err(dangling(i, "deal_id", leads.deal_id(i).unwrap_or_default(), "deal"));
            }
        }
        Ok(())
    }
}
