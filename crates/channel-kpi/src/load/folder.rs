//! What a query on files folds each record with, besides the engine ([`Folder`]): the ids
//! seen (a repeat sends the query to the whole load), the references a record must name
//! (partners, owners, stages, deals), the close dates of won deals that leads link to
//! (`load/stream.rs` reads the files; `load/stream_deals.rs` the typed chunks).

use super::assemble::Loaded;
use super::id_hashes::{IdHashes, id_hash};
#[cfg(feature = "parquet")]
use super::id_parts::IdParts;
use super::won_dates::WonDates;
use crate::engine::{Dimension, Engine, Record, Reference};
use chrono::NaiveDate;

/// What folding a record needs besides the engine: the ids seen, the references.
pub(super) struct Folder<'r> {
    refs: &'r Reference,
    /// `None` when the query is invalid: the files are still read and checked.
    pub(super) engine: Option<Engine<'r>>,
    pub(super) deals: IdHashes,
    /// Ids of leads read by a typed reader (in chunks: a chunk the reader does not take sends
    /// the query to the whole load, so no row error can follow a repeat within the source),
    /// checked for a repeat once the source is read ([`Folder::settle_leads`]): no record
    /// looks a lead up meanwhile.
    #[cfg(feature = "parquet")]
    pub(super) leads: IdParts,
    /// Ids of leads read through the row path, checked as each comes (a repeat must send the
    /// query to the whole load before a later row's error is reported); those of `leads` are
    /// moved here first.
    lead_rows: IdHashes,
    tickets: IdHashes,
    referrals: IdHashes,
    /// Close dates of won deals by id hash, when leads are read (`Dataset::validate`'s lead
    /// linking).
    won: Option<WonDates>,
}

/// `Err(())`: the query must fall back to a whole load.
pub(super) type Fold = std::result::Result<(), ()>;

impl<'r> Folder<'r> {
    /// For a query reading `deals` deals sources and `leads` leads sources (its deals then
    /// noted for them to link).
    pub(super) fn new(refs: &'r Reference, engine: Option<Engine<'r>>, (deals, leads): (usize, usize)) -> Self {
        let won = (leads > 0).then(Default::default);
        Folder {
            refs,
            engine,
            // one deals source and no leads: an ascending run of its ids is distinct from every
            // other id, and no lead looks one up
            deals: if deals == 1 && leads == 0 { IdHashes::sole() } else { IdHashes::default() },
            // one leads source: an ascending run of its ids is distinct from every other id
            #[cfg(feature = "parquet")]
            leads: if leads == 1 { IdParts::sole() } else { IdParts::default() },
            lead_rows: IdHashes::default(),
            tickets: IdHashes::default(),
            referrals: IdHashes::default(),
            won,
        }
    }

    fn push(&mut self, rec: &Record) -> Fold {
        match &mut self.engine {
            Some(e) => e.push(rec).map_err(|_| ()),
            None => Ok(()),
        }
    }

    /// The partners, which the engine counts like records.
    pub(super) fn partners(&mut self) -> Fold {
        let refs = self.refs;
        refs.partners.values().try_for_each(|p| self.push(&Record::Partner(p)))
    }

    /// A partner a record names must exist, when partners are given.
    fn partner_known(&self, p: Option<&str>) -> Fold {
        let refs = self.refs;
        match p {
            Some(p) if !refs.partners.is_empty() && refs.partner(p).is_none() => Err(()),
            _ => Ok(()),
        }
    }

    /// A deal's checks of `Dataset::validate_loaded`: its id unused, the partner, owner and
    /// stages it names known; notes its close date when won and leads will link to it.
    fn deal_known<'a>(
        &mut self,
        id: &str,
        partner: Option<&str>,
        owner: Option<&str>,
        stages: impl Iterator<Item = &'a str>,
        won_on: Option<NaiveDate>,
    ) -> Fold {
        if !self.deals.insert(id_hash(id)) {
            return Err(());
        }
        self.deal_refs_known(id, partner, owner, stages, won_on)
    }

    /// [`Folder::deal_known`] but for the id, already noted.
    fn deal_refs_known<'a>(
        &mut self,
        id: &str,
        partner: Option<&str>,
        owner: Option<&str>,
        mut stages: impl Iterator<Item = &'a str>,
        won_on: Option<NaiveDate>,
    ) -> Fold {
        self.partner_known(partner)?;
        let (org, pipeline) = (&self.refs.org, &self.refs.pipeline);
        if owner.is_some_and(|o| !org.is_empty() && org.get(o).is_none()) {
            return Err(());
        }
        if !pipeline.is_empty() && stages.any(|s| pipeline.stage(s).is_none()) {
            return Err(());
        }
        if let (Some(won), Some(on)) = (&mut self.won, won_on) {
            won.insert(id_hash(id), on);
        }
        Ok(())
    }

    /// Whether deals are checked against the reference data (partners, org units, pipeline
    /// stages) or noted for leads to link: nothing to check or note without them.
    fn checks_deals(&self) -> bool {
        let refs = self.refs;
        !refs.partners.is_empty() || !refs.org.is_empty() || !refs.pipeline.is_empty() || self.won.is_some()
    }

    /// The canonical deal text columns a typed read can leave out: those neither checked
    /// ([`Folder::noted_deals_known`]: the partner against the partners, the owner against the
    /// org units, the stage against the pipeline, when given) nor read by the engine's fold
    /// (`Engine::deal_texts_read`).
    #[cfg(feature = "parquet")]
    pub(super) fn deal_texts_unread(&self) -> Vec<&'static str> {
        let refs = self.refs;
        let checked = [("partner_id", !refs.partners.is_empty()), ("owner_id", !refs.org.is_empty()), ("stage", !refs.pipeline.is_empty())];
        match self.engine.as_ref().and_then(|e| e.deal_texts_read()) {
            Some(mut read) => {
                read.extend(checked.iter().filter(|c| c.1).map(|c| c.0));
                crate::engine::DEAL_TEXTS.iter().copied().filter(|c| !read.contains(c)).collect()
            }
            None => Vec::new(),
        }
    }

    /// Checks deals read by a typed reader, whose ids are already noted, as [`Folder::fold`]
    /// checks each deal, then folds them from their columns.
    pub(super) fn fold_noted_deals(&mut self, deals: &crate::Deals) -> Fold {
        if self.checks_deals() {
            self.noted_deals_known(deals)?;
        }
        match &mut self.engine {
            Some(e) => e.push_deals(deals, 0..deals.len()).map_err(|_| ()),
            None => Ok(()),
        }
    }

    /// [`Folder::deal_refs_known`] of every deal of `deals`, whose ids are noted: the partners
    /// and owners named looked up once per distinct text (by dictionary id), the stages and
    /// won dates deal by deal when there is a pipeline or leads to link.
    fn noted_deals_known(&mut self, deals: &crate::Deals) -> Fold {
        let refs = self.refs;
        let n = deals.len();
        let partner = |p: &str| refs.partner(p).is_some();
        let owner = |o: &str| refs.org.get(o).is_some();
        for (column, checked, known) in
            [(&deals.partner, !refs.partners.is_empty(), &partner as &dyn Fn(&str) -> bool), (&deals.owner, !refs.org.is_empty(), &owner)]
        {
            if !checked {
                continue;
            }
            let mut named = vec![false; deals.word_count()];
            for &k in &column[..n] {
                named[k as usize] = true;
            }
            // (id 0: none named, which is known)
            if named.iter().enumerate().skip(1).any(|(k, &named)| named && !deals.words.get(k as u32).is_some_and(known)) {
                return Err(());
            }
        }
        let pipeline = &refs.pipeline;
        for i in 0..if !pipeline.is_empty() || self.won.is_some() { n } else { 0 } {
            let mut stages = deals.stage(i).into_iter().chain(deals.stage_history(i).iter().map(|e| e.stage.as_str()));
            if !pipeline.is_empty() && stages.any(|s| pipeline.stage(s).is_none()) {
                return Err(());
            }
            if let (Some(won), crate::DealStatus::Won, Some(on)) = (&mut self.won, deals.status(i), deals.closed_on(i)) {
                won.insert(id_hash(deals.id(i)), on);
            }
        }
        Ok(())
    }

    /// Checks the ids of a leads source a typed reader has read (noted in `leads`): no repeat
    /// among them, nor of a lead read through the row path before. (Every pair of lead ids is
    /// compared once: each source read through the row path first moves the typed ids here to
    /// `lead_rows`, and checks its own ids there as they come.)
    #[cfg(feature = "parquet")]
    pub(super) fn settle_leads(&mut self) -> Fold {
        let rows = &mut self.lead_rows;
        if self.leads.repeats() || (!rows.is_empty() && self.leads.hashes().any(|h| rows.contains(h))) {
            return Err(());
        }
        Ok(())
    }

    /// Checks leads read by a typed reader, whose ids are already noted, as [`Folder::fold`]
    /// checks each lead — its partner known (once per distinct text), the deal it links to
    /// among the deals read before — and fills each unset `won_on` from that deal when it was
    /// won (`Dataset::link_leads`), then folds them from their columns.
    #[cfg(feature = "parquet")]
    pub(super) fn fold_noted_leads(&mut self, leads: &mut crate::Leads) -> Fold {
        let refs = self.refs;
        if !refs.partners.is_empty() {
            let mut known = crate::dataset::Known::new(leads.words.len() + 1);
            for i in 0..leads.len() {
                let p = leads.partner[i];
                if p > 0 && !known.known(p, || leads.partner_id(i).is_some_and(|p| refs.partner(p).is_some())) {
                    return Err(());
                }
            }
        }
        // each linked lead's first slot in both tables read in one pass that does not branch
        // on what they hold, so the loads of several links can be on their way at once, then
        // each link resolved from them (a branch on each slot as it came, mispredicted as often
        // as not, cancelled the loads after it). The look-ups stay ~100 ns a link once the
        // deals outgrow the caches (~0.1 s of the thread that folds 10 M leads with 1 M links):
        // the VM's page walks bound them, whatever the order (benches/README.md, session 34)
        let links: Vec<(usize, u128)> = leads.deal.present().map(|(i, deal)| (i, id_hash(deal))).collect();
        let mut no_won = WonDates::default();
        let won = self.won.as_mut().unwrap_or(&mut no_won).sealed();
        let deals = &mut self.deals;
        deals.settle();
        let firsts: Vec<_> = links.iter().map(|&(_, h)| (won.first(h), deals.first(h))).collect();
        for (&(i, h), (w, d)) in links.iter().zip(firsts) {
            // a won deal was read (won dates are noted only for deals read and checked)
            let on = won.get_from(h, w);
            if on.is_none() && !deals.contains_from(h, d) {
                return Err(());
            }
            if leads.won_on[i].is_none() {
                leads.won_on[i] = on;
            }
        }
        match &mut self.engine {
            Some(e) => e.push_leads(leads, 0..leads.len()).map_err(|_| ()),
            None => Ok(()),
        }
    }

    /// Checks one converted fact record as `Dataset::validate_loaded` would, then folds it.
    pub(super) fn fold(&mut self, rec: Loaded) -> Fold {
        let new_hash = |ids: &mut IdHashes, h: u128| if ids.insert(h) { Ok(()) } else { Err(()) };
        let new = |ids: &mut IdHashes, id: &str| new_hash(ids, id_hash(id));
        match rec {
            Loaded::Deal(d) => {
                let stages = d.stage.iter().chain(d.stage_history.iter().map(|e| &e.stage)).map(String::as_str);
                let won = (d.status == crate::DealStatus::Won).then_some(d.closed_on).flatten();
                self.deal_known(&d.id, d.partner_id.as_deref(), d.owner_id.as_deref(), stages, won)?;
                self.push(&Record::Deal(&d))
            }
            Loaded::Lead(mut l) => {
                #[cfg(feature = "parquet")]
                if !self.leads.is_empty() {
                    for h in self.leads.take() {
                        new_hash(&mut self.lead_rows, h)?;
                    }
                }
                new(&mut self.lead_rows, &l.id)?;
                if let (None, Some(did)) = (l.won_on, l.deal_id.as_deref()) {
                    l.won_on = self.won.as_mut().and_then(|w| w.sealed().get(id_hash(did)));
                }
                self.partner_known(l.partner_id.as_deref())?;
                if l.deal_id.as_deref().is_some_and(|d| !self.deals.contains(id_hash(d))) {
                    return Err(());
                }
                self.push(&Record::Lead(&l))
            }
            Loaded::Target(t) => {
                if let (Dimension::Partner, Some(k)) = (&t.dimension, t.key.as_deref()) {
                    self.partner_known(Some(k))?;
                }
                self.push(&Record::Target(&t))
            }
            Loaded::Spend(x) => self.push(&Record::Spend(&x)),
            Loaded::Course(x) => {
                self.partner_known(Some(&x.partner_id))?;
                self.push(&Record::Course(&x))
            }
            Loaded::Survey(x) => {
                self.partner_known(x.partner_id.as_deref())?;
                self.push(&Record::Survey(&x))
            }
            Loaded::Cost(x) => {
                self.partner_known(Some(&x.partner_id))?;
                self.push(&Record::Cost(&x))
            }
            Loaded::Subscription(x) => {
                self.partner_known(x.partner_id.as_deref())?;
                self.push(&Record::Subscription(&x))
            }
            Loaded::Contract(x) => {
                self.partner_known(x.partner_id.as_deref())?;
                self.push(&Record::Contract(&x))
            }
            Loaded::Ticket(x) => {
                new(&mut self.tickets, &x.id)?;
                self.partner_known(x.partner_id.as_deref())?;
                self.push(&Record::Ticket(&x))
            }
            Loaded::Onboarding(x) => {
                self.partner_known(x.partner_id.as_deref())?;
                self.push(&Record::Onboarding(&x))
            }
            Loaded::Engagement(x) => {
                self.partner_known(x.partner_id.as_deref())?;
                self.push(&Record::Engagement(&x))
            }
            Loaded::Referral(x) => {
                new(&mut self.referrals, &x.id)?;
                self.partner_known(x.partner_id.as_deref())?;
                self.push(&Record::Referral(&x))
            }
            Loaded::Usage(x) => {
                self.partner_known(x.partner_id.as_deref())?;
                self.push(&Record::Usage(&x))
            }
            // Reference kinds and stage history never reach here (read whole, or no stream).
            Loaded::Units(..) | Loaded::Unit(_) | Loaded::Partner(_) | Loaded::Stage(_) | Loaded::Fx(..) | Loaded::History(..) => Err(()),
        }
    }
}
