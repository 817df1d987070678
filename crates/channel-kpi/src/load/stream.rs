//! Queries straight from files, in memory that does not grow with the files: [`run_files`].
//!
//! A query on files needs no [`Dataset`](crate::Dataset): each fact record can be folded into an [`Engine`]
//! as soon as the loader has converted it, once the reference data it is checked and grouped
//! against is known. So [`run_files`]
//! 1. reads the reference kinds (org units, partners, pipeline, exchange rates: small) as a
//!    whole load does;
//! 2. reads each fact file in the loader's chunks (converted on every core, handed on in row
//!    order: the same conversion, the same row errors, the same report as a whole load) and,
//!    instead of keeping each record, checks what a whole load checks about it afterwards —
//!    its id unused (deals, tickets, referrals, leads read row by row: [`IdHashes`], 8–16
//!    bytes per id; leads a typed reader reads in chunks: `IdParts`, 8 bytes per id, checked
//!    once the source is read, since nothing looks a lead up),
//!    the partner, owner, stage and deal it names known — and pushes it into the engine;
//! 3. checks `group_by` against the columns read and finishes the partial.
//!
//! Every query streams, with these exceptions, which fall back to the whole load
//! ([`load_paths`] + [`Dataset::run_checked`](crate::Dataset::run_checked)), so results and errors are always a whole
//! load's:
//! * a `stage_history` file: its entries are attached to deals read before them;
//! * a repeated id hash (a duplicate id, or two ids with one 64-bit hash: the whole load
//!   compares the ids, and names the line of the first one), a reference a whole load would refuse, an error of the query while folding, or a
//!   reference file that fails to load: the whole load then reports what it reports (the
//!   first bad row of any file comes before these in a whole load).
//!
//! Leads are linked to the deals they became as a whole load does (`won_on` from a won deal):
//! when a leads file is read, the close dates of won deals are kept by id hash meanwhile
//! ([`WonDates`], by 128-bit hash: 48–96 bytes per won deal, 32 until the first lead). A
//! Parquet leads file, or an in-memory leads table, the typed reader takes is read in chunks
//! like a deals one (`load/stream_deals.rs`), each chunk's links looked up together.

use super::assemble::{Loaded, load_sources, loaded, table_columns, to_rows};
use super::id_hashes::{IdHashes, id_hash};
#[cfg(feature = "parquet")]
use super::id_parts::IdParts;
use super::kinds::RecordKind;
use super::mapping::Mapping;
use super::paths::{load_paths, path_sources};
use super::read::read_into;
use super::report::{LoadOptions, LoadReport};
use super::row::MappedRow;
use super::source::Source;
use super::won_dates::WonDates;
use crate::engine::{Dimension, Engine, Query, Record, Reference, ResultTable};
use crate::error::{Error, Result};
use chrono::NaiveDate;
use std::collections::HashSet;
use std::path::PathBuf;

/// Runs `query` on files and directories (what [`load_paths`] reads), folding the fact records
/// into the query's partial states as they are read (see the module doc: which queries stream,
/// and the fallback to a whole load). The result, the report and every error are those of
/// [`load_paths`] + [`Dataset::run_checked`](crate::Dataset::run_checked) with the same options; when `opts.only_attrs` is
/// unset, only the `attrs` columns the query reads are kept ([`LoadOptions::for_query`]).
///
/// ```
/// use channel_kpi::load::{run_files, LoadOptions, Mapping};
/// use channel_kpi::{Metric, Period, Query};
/// let q = Query::new(vec![Metric::DealCount], Period::parse("2025").unwrap());
/// let (table, report) = run_files(&["../../examples/data".into()], &Mapping::default(), &LoadOptions::default(), &q).unwrap();
/// assert!(report.rows_read() > 0 && table.rows.len() == 1);
/// ```
pub fn run_files(paths: &[PathBuf], mapping: &Mapping, opts: &LoadOptions, query: &Query) -> Result<(ResultTable, LoadReport)> {
    let opts = &opts.clone().for_query(query);
    let sources = path_sources(paths, mapping)?;
    if sources.iter().all(|s| s.kind != RecordKind::StageHistory)
        && let Some(done) = stream(sources, mapping, opts, query)?
    {
        return Ok(done);
    }
    let (data, report) = load_paths(paths, mapping, opts)?;
    Ok((data.run_checked(query)?, report))
}

/// Runs `query` on in-memory tables ([`Source::from_arrow`]): the result, the report and every
/// error of [`load_sources`] + [`Dataset::run_checked`](crate::Dataset::run_checked) with the
/// same options — but when the fact tables are deals and leads tables (spend, targets and
/// reference tables beside them), they are folded as they are read, as [`run_files`] folds
/// files: deals and leads cut in chunks of 64 k rows, each read into columns on one core while
/// the one before is folded on another; no [`Dataset`](crate::Dataset) is built. Whatever does
/// not stream (other kinds) is loaded whole first, as [`load_sources`] loads it; a table the
/// typed reader does not take is read through the row path, converted on every core.
///
/// ```
/// use arrow_array::{ArrayRef, RecordBatch, StringArray};
/// use channel_kpi::load::{run_tables, LoadOptions, Mapping, RecordKind, Source};
/// use channel_kpi::{Metric, Period, Query};
/// use std::sync::Arc;
/// let col = |v: Vec<&str>| Arc::new(StringArray::from(v)) as ArrayRef;
/// let deals = RecordBatch::try_from_iter([
///     ("deal_id", col(vec!["A", "B"])),
///     ("status", col(vec!["won", "open"])),
///     ("created_on", col(vec!["2025-01-10", "2025-02-01"])),
///     ("closed_on", col(vec!["2025-03-01", ""])),
///     ("amount", col(vec!["100", "50"])),
///     ("currency", col(vec!["EUR", "EUR"])),
/// ]).unwrap();
/// let src = Source::from_arrow(RecordKind::Deals, "deals", Box::new(std::iter::once(Ok(deals))));
/// let q = Query::new(vec![Metric::DealCount], Period::parse("2025").unwrap());
/// let (table, _) = run_tables(vec![src], &Mapping::default(), &LoadOptions::default(), &q).unwrap();
/// assert_eq!(table.rows.len(), 1);
/// ```
#[cfg(feature = "arrow")]
pub fn run_tables(sources: Vec<Source>, mapping: &Mapping, opts: &LoadOptions, query: &Query) -> Result<(ResultTable, LoadReport)> {
    let mut sources = sources;
    let streams = cfg!(feature = "parquet")
        && sources.iter().any(|s| matches!(s.kind, RecordKind::Deals | RecordKind::Leads))
        && sources.iter().all(|s| is_reference(s.kind) || streams_from_table(s.kind));
    if streams {
        // the tables again for the whole load, should the fold fall back to it
        let twins: Option<Vec<Source>> = sources.iter_mut().map(Source::arrow_twin).collect();
        if let Some(twins) = twins {
            if let Some(done) = stream(sources, mapping, opts, query)? {
                return Ok(done);
            }
            sources = twins;
        }
    }
    let (data, report) = load_sources(sources, mapping, opts)?;
    Ok((data.run_checked(query)?, report))
}

/// The fact kinds a query on tables folds as it reads them: deals and leads (read into columns
/// chunk by chunk, `load/stream_deals.rs`), and the kinds a [`crate::Dataset`] keeps as records
/// and its query pushes one by one anyway (spend, targets: few rows). Subscription months and
/// survey answers, read into columns by a whole load, are not streamed (the streamed row path
/// would convert and push them one by one).
#[cfg(feature = "arrow")]
fn streams_from_table(kind: RecordKind) -> bool {
    matches!(kind, RecordKind::Deals | RecordKind::Leads | RecordKind::Spend | RecordKind::Targets)
}

/// The reference kinds, read whole before any fact record is folded.
fn is_reference(kind: RecordKind) -> bool {
    matches!(kind, RecordKind::OrgUnits | RecordKind::Partners | RecordKind::Pipeline | RecordKind::FxRates)
}

/// The streamed query; `None` when it must fall back to a whole load.
fn stream(sources: Vec<Source>, mapping: &Mapping, opts: &LoadOptions, query: &Query) -> Result<Option<(ResultTable, LoadReport)>> {
    let tables: HashSet<String> = sources.iter().filter(|s| s.format.has_rows()).map(|s| s.name.clone()).collect();
    let (refs, mut facts): (Vec<Source>, Vec<Source>) = sources.into_iter().partition(|s| is_reference(s.kind));
    facts.sort_by_key(|s| s.kind);
    let (refs, mut report) = match load_sources(refs, mapping, opts) {
        Ok((ds, report)) => (ds.refs, report),
        Err(Error::Interrupted) => return Err(Error::Interrupted),
        Err(_) => return Ok(None),
    };
    // An invalid query is reported after the load, as a whole load reports it.
    let (engine, query_error) = match Engine::new(query, &refs) {
        Ok(e) => (Some(e), None),
        Err(e) => (None, Some(e)),
    };
    let leads = facts.iter().filter(|s| s.kind == RecordKind::Leads).count();
    let mut folder = Folder::new(&refs, engine, leads);
    if folder.partners().is_err() {
        return Ok(None);
    }
    for src in facts {
        #[cfg(feature = "parquet")]
        let Some(src) = (match super::stream_deals::typed_facts(src, mapping, opts, &mut report, &mut folder) {
            Ok(src) => src,
            Err(()) => return Ok(None),
        }) else {
            continue;
        };
        let Some(src) = (match super::stream_deals::csv_deals(src, mapping, opts, &mut report, &mut folder) {
            Ok(src) => src,
            Err(()) => return Ok(None),
        }) else {
            continue;
        };
        let kind = src.kind;
        let levels = mapping.kind(kind).levels.clone();
        let convert = |row: &MappedRow| loaded(kind, &levels, row);
        let mut fell_back = false;
        let read = read_into(src, mapping, opts, &mut report, &convert, |rec, _| {
            folder.fold(rec).map_err(|()| {
                fell_back = true;
                Error::Interrupted
            })
        });
        match read {
            Ok(()) => {}
            Err(_) if fell_back => return Ok(None),
            Err(e) => return Err(to_rows(e, &tables)),
        }
    }
    report.errors = std::mem::take(&mut report.errors).into_iter().map(|e| to_rows(e, &tables)).collect();
    super::check_group_by(&table_columns(&report), &refs, query)?;
    if let Some(e) = query_error {
        return Err(e);
    }
    let partial = folder.engine.ok_or_else(|| Error::Query("no engine".into()))?.into_partial()?;
    report.streamed = true;
    Ok(Some((partial.finish(&refs)?, report)))
}

/// What folding a record needs besides the engine: the ids seen, the references.
pub(super) struct Folder<'r> {
    refs: &'r Reference,
    /// `None` when the query is invalid: the files are still read and checked.
    engine: Option<Engine<'r>>,
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
    /// For a query reading `leads` leads sources (its deals then noted for them to link).
    fn new(refs: &'r Reference, engine: Option<Engine<'r>>, leads: usize) -> Self {
        let won = (leads > 0).then(Default::default);
        Folder {
            refs,
            engine,
            deals: IdHashes::default(),
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
    fn partners(&mut self) -> Fold {
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

    /// Checks deals read by a typed reader, whose ids are already noted, as [`Folder::fold`]
    /// checks each deal, then folds them from their columns.
    /// Whether deals are checked against the reference data (partners, org units, pipeline
    /// stages) or noted for leads to link: nothing to check or note without them.
    fn checks_deals(&self) -> bool {
        let refs = self.refs;
        !refs.partners.is_empty() || !refs.org.is_empty() || !refs.pipeline.is_empty() || self.won.is_some()
    }

    /// The canonical deal text columns a typed read can leave out: those neither checked
    /// ([`Folder::checks_deals`]) nor read by the engine's fold (`Engine::deal_texts_read`).
    #[cfg(feature = "parquet")]
    pub(super) fn deal_texts_unread(&self) -> Vec<&'static str> {
        match self.engine.as_ref().and_then(|e| e.deal_texts_read()) {
            Some(read) if !self.checks_deals() => crate::engine::DEAL_TEXTS.iter().copied().filter(|c| !read.contains(c)).collect(),
            _ => Vec::new(),
        }
    }

    pub(super) fn fold_noted_deals(&mut self, deals: &crate::Deals) -> Fold {
        let checks = self.checks_deals();
        for i in 0..if checks { deals.len() } else { 0 } {
            let stages = deals.stage(i).into_iter().chain(deals.stage_history(i).iter().map(|e| e.stage.as_str()));
            let won = (deals.status(i) == crate::DealStatus::Won).then(|| deals.closed_on(i)).flatten();
            self.deal_refs_known(deals.id(i), deals.partner_id(i), deals.owner_id(i), stages, won)?;
        }
        match &mut self.engine {
            Some(e) => e.push_deals(deals, 0..deals.len()).map_err(|_| ()),
            None => Ok(()),
        }
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
        // the linked leads and their deals' hashes first, then the look-ups, each starting to
        // load the slots of the one `AHEAD` (a cache miss each once the deals outgrow the caches)
        let links: Vec<(usize, u128)> = leads.deal.present().map(|(i, deal)| (i, id_hash(deal))).collect();
        let mut no_won = WonDates::default();
        let won = self.won.as_mut().unwrap_or(&mut no_won).sealed();
        // (the deals' ids noted as a run are put into the table at the first look-up)
        let deals = &mut self.deals;
        const AHEAD: usize = 8;
        let mut seen = 0u64;
        for (j, &(i, h)) in links.iter().enumerate() {
            if let Some(&(_, next)) = links.get(j + AHEAD) {
                seen ^= won.touch(next) ^ deals.touch(next);
            }
            // a won deal was read (won dates are noted only for deals read and checked)
            let on = won.get(h);
            if on.is_none() && !deals.contains(h) {
                return Err(());
            }
            if leads.won_on[i].is_none() {
                leads.won_on[i] = on;
            }
        }
        std::hint::black_box(seen);
        match &mut self.engine {
            Some(e) => e.push_leads(leads, 0..leads.len()).map_err(|_| ()),
            None => Ok(()),
        }
    }

    /// Checks one converted fact record as `Dataset::validate_loaded` would, then folds it.
    fn fold(&mut self, rec: Loaded) -> Fold {
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
