//! The leads of a [`Dataset`]: linked to the deals they became, and checked.

use crate::Dataset;
use crate::dataset::Known;
use crate::domain::Lead;
use crate::error::{Error, Location, Result};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

impl Dataset {
    /// Fills each unset `won_on` from the deal the lead links to, when that deal was won (its
    /// close date looked up by the lead's deal id).
    pub(crate) fn link_leads(&mut self) {
        let leads = &self.leads;
        if !(0..leads.len()).any(|i| leads.won_on[i].is_none() && leads.deal.has(i)) {
            return;
        }
        let deals = &self.deals;
        let won: HashMap<&str, chrono::NaiveDate> = (0..deals.len())
            .filter(|&i| deals.status(i) == crate::DealStatus::Won)
            .filter_map(|i| deals.closed_on(i).map(|c| (deals.id(i), c)))
            .collect();
        let (linked, won_on) = (&self.leads.deal, &mut self.leads.won_on);
        for (i, won_on) in won_on.iter_mut().enumerate() {
            if won_on.is_none()
                && let Some(deal) = linked.get(i)
            {
                *won_on = won.get(deal).copied();
            }
        }
    }

    /// Checks the leads: each valid ([`crate::Lead::validate`]) and its id unique unless the
    /// loader checked both (`loaded`), its partner known (when partners are given), the deal it
    /// links to among `deal_ids`. Partners are looked up once per distinct text.
    pub(crate) fn check_leads(&self, loaded: bool, has_partners: bool, deal_ids: &HashSet<&str>) -> Result<()> {
        let leads = &self.leads;
        let dangling = |i: usize, field: &str, value: &str, what: &str| Error::Reference {
            location: Location::record("lead", leads.id(i), field).with_value(value),
            reason: format!("unknown {what}"),
        };
        let mut ids = HashSet::with_capacity_and_hasher(if loaded { 0 } else { leads.len() }, Default::default());
        // whether a partner is known, looked up once per distinct text
        let mut known_partner = Known::new(leads.words.len() + 1);
        for i in 0..leads.len() {
            if !loaded {
                let id = leads.id(i);
                Lead::check_id(id)?;
                if !ids.insert(id) {
                    return Err(Error::Reference {
                        location: Location::record("lead", id, "lead_id").with_value(id),
                        reason: "duplicate lead id".into(),
                    });
                }
            }
            if has_partners
                && leads.partner[i] > 0
                && !known_partner.known(leads.partner[i], || leads.partner_id(i).is_some_and(|p| self.refs.partner(p).is_some()))
            {
                return Err(dangling(i, "partner_id", leads.partner_id(i).unwrap_or_default(), "partner"));
            }
            if let Some(deal) = leads.deal.get(i)
                && !deal_ids.contains(deal)
            {
                return Err(dangling(i, "deal_id", deal, "deal"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::{Dataset, Lead, Partner};

    #[test]
    fn leads_link_to_deals_by_short_and_long_ids() {
        use crate::{Deal, DealStatus};
        let day = |s: &str| -> chrono::NaiveDate { s.parse().unwrap() };
        let long = "DEAL-0000000000000042";
        let mut ds = Dataset::default();
        for (id, status, closed) in
            [("D1", DealStatus::Won, "2025-02-01"), (long, DealStatus::Won, "2025-03-01"), ("D2", DealStatus::Lost, "2025-04-01")]
        {
            let mut d = Deal::new(id, day("2025-01-01"), status);
            d.closed_on = Some(day(closed));
            d.amount = (status == DealStatus::Won).then(|| "5 USD".parse().unwrap());
            ds.deals.push(d);
        }
        for (id, deal, won) in [
            ("L1", Some("D1"), None),
            ("L2", Some(long), None),
            ("L3", Some("D2"), None),
            ("L4", None, None),
            ("L5", Some("D1"), Some("2025-09-09")),
        ] {
            let mut l = Lead::new(id, day("2025-01-02"));
            l.deal_id = deal.map(String::from);
            l.won_on = won.map(day);
            ds.leads.push(l);
        }
        ds.validate().unwrap();
        let won: Vec<_> = ds.leads.iter().map(|l| l.won_on).collect();
        assert_eq!(won, [Some(day("2025-02-01")), Some(day("2025-03-01")), None, None, Some(day("2025-09-09"))]);
        // an unknown id, long, short or empty, is named at its lead
        for unknown in ["DEAL-0000000000000043", "D3", ""] {
            let mut bad = ds.clone();
            let mut l = Lead::new("L6", day("2025-01-02"));
            l.deal_id = Some(unknown.into());
            bad.leads.push(l);
            let e = bad.validate().expect_err(unknown);
            let loc = e.location().expect("located");
            assert_eq!((loc.record.as_deref(), loc.value.as_deref()), (Some("lead L6"), Some(unknown)), "{e}");
        }
    }

    #[test]
    fn a_text_that_is_a_known_partner_is_not_a_known_deal() {
        // `P1` is a partner, and no deal: the partner check must not vouch for the deal check
        // (one dictionary holds both kinds of text).
        let mut ds = Dataset::default();
        ds.refs.partners.insert("P1".into(), Partner::new("P1"));
        let mut l = Lead::new("L1", "2025-01-02".parse().unwrap());
        (l.partner_id, l.deal_id) = (Some("P1".into()), Some("P1".into()));
        ds.leads.push(l);
        let e = ds.validate().expect_err("no deal P1");
        assert!(e.to_string().contains("unknown deal"), "{e}");
        let loc = e.location().expect("located");
        assert_eq!((loc.field.as_deref(), loc.value.as_deref()), (Some("deal_id"), Some("P1")));
    }
}
