//! Reading [`Source`]s into a [`Dataset`]: rows → records via the conversion functions,
//! lookups joined, duplicates caught with their line, stage history attached to deals.

use super::convert::*;
use super::first_lines::FirstLines;
use super::kinds::RecordKind;
use super::mapping::Mapping;
use super::pending_history::Pending;
use super::read::read_into;
use super::report::{LoadOptions, LoadReport};
use super::row::{MappedRow, Row};
use super::source::Source;
use crate::Dataset;
use crate::domain::{
    Contract, CourseAttendance, Deal, EngagementEvent, Lead, Onboarding, OrgTree, OrgUnit, Partner, PipelineDef, ProductUsage, ProgramCost,
    Referral, Spend, StageDef, StageEntry, SubscriptionMonth, SupportTicket, SurveyResponse, Target,
};
use crate::error::{Error, Location, Result};
use crate::money::Currency;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::HashMap;

/// `unit` is `line` for files, `row` for tables and Parquet files (whose rows count from 0).
fn duplicate(kind: &str, id: &str, field: &str, first: u64, at: (&str, u64), unit: &str) -> Error {
    Error::Reference {
        location: Location::record(kind, id, field).with_value(id).at(at.0, at.1),
        reason: format!("duplicate {kind} id (first on {unit} {first})"),
    }
}

/// Reads every source into one dataset (in [`RecordKind::ALL`] order, whatever the order
/// given), attaches stage history to deals (sorted by date), then runs
/// [`Dataset::validate`].
///
/// Errors in tables and Parquet files name a 0-based `row` instead of a line.
pub fn load_sources(sources: Vec<Source>, mapping: &Mapping, opts: &LoadOptions) -> Result<(Dataset, LoadReport)> {
    let tables: std::collections::HashSet<String> = sources.iter().filter(|s| s.format.has_rows()).map(|s| s.name.clone()).collect();
    match read_sources(sources, mapping, opts) {
        Ok((d, mut report)) => {
            report.errors = report.errors.into_iter().map(|e| to_rows(e, &tables)).collect();
            Ok((d, report))
        }
        Err(e) => Err(to_rows(e, &tables)),
    }
}

/// Moves the "line" of an error located in a table to its `row` (those readers number rows
/// from 0).
pub(super) fn to_rows(e: Error, tables: &std::collections::HashSet<String>) -> Error {
    if tables.is_empty() {
        return e;
    }
    e.map_locations(&|l: &mut Location| {
        if l.file.as_ref().is_some_and(|f| tables.contains(f)) && l.row.is_none() {
            l.row = l.line.take();
        }
    })
}

fn read_sources(sources: Vec<Source>, mapping: &Mapping, opts: &LoadOptions) -> Result<(Dataset, LoadReport)> {
    let mut sources = sources;
    sources.sort_by_key(|s| s.kind);
    let mut ds = Dataset::default();
    let mut report = LoadReport::default();
    let mut units: Vec<OrgUnit> = Vec::new();
    let mut unit_at: HashMap<String, usize> = HashMap::new();
    let mut stages = Vec::new();
    let mut history: Vec<Pending> = Vec::new();
    // First line of every id, per kind, to name both lines of a duplicate: the big kinds by
    // position in their vector (no copy of the id), the small reference kinds by id.
    let mut first_line: rustc_hash::FxHashMap<(RecordKind, String), u64> = Default::default();
    let [mut deal_lines, mut lead_lines, mut ticket_lines, mut referral_lines] = std::array::from_fn(|_| FirstLines::default());
    for src in sources {
        #[cfg(feature = "arrow")]
        let Some(src) = (match src.kind {
            RecordKind::Deals => super::typed::typed_table::<crate::Deals>(src, mapping, opts, &mut report, &mut ds, &mut deal_lines)?,
            RecordKind::Leads => super::typed::typed_table::<crate::Leads>(src, mapping, opts, &mut report, &mut ds, &mut lead_lines)?,
            RecordKind::StageHistory => super::typed_history::typed_history(src, mapping, opts, &mut report, &ds, &mut history)?,
            RecordKind::Subscriptions => {
                super::typed::typed_table::<crate::Subscriptions>(src, mapping, opts, &mut report, &mut ds, &mut FirstLines::default())?
            }
            RecordKind::Surveys => {
                super::typed::typed_table::<crate::Surveys>(src, mapping, opts, &mut report, &mut ds, &mut FirstLines::default())?
            }
            _ => Some(src),
        }) else {
            continue;
        };
        let Some(src) = super::csv_deals::load_deals(src, mapping, opts, &mut report, &mut ds, &mut deal_lines) else { continue };
        let kind = src.kind;
        let unit = if src.format.has_rows() { "row" } else { "line" };
        let mut seen = |kind: RecordKind, label: &str, field: &str, id: &str, at: (&str, u64)| -> Result<()> {
            match first_line.insert((kind, id.to_string()), at.1) {
                Some(first) => Err(duplicate(label, id, field, first, at, unit)),
                None => Ok(()),
            }
        };
        let levels = mapping.kind(kind).levels.clone();
        let convert = |row: &MappedRow| loaded(kind, &levels, row);
        let file = src.name.clone();
        read_into(src, mapping, opts, &mut report, &convert, |rec, line| {
            let at = (file.as_str(), line);
            match rec {
                Loaded::Units(chain, loc) => {
                    for u in chain {
                        merge_unit(&mut units, &mut unit_at, u, &loc)?;
                    }
                }
                Loaded::Unit(u) => {
                    seen(kind, "org unit", "unit_id", &u.id, at)?;
                    unit_at.insert(u.id.clone(), units.len());
                    units.push(u);
                }
                Loaded::Partner(p) => {
                    seen(kind, "partner", "partner_id", &p.id, at)?;
                    ds.refs.partners.insert(p.id.clone(), *p);
                }
                Loaded::Stage(st) => {
                    seen(kind, "stage", "stage", &st.name, at)?;
                    stages.push(st);
                }
                Loaded::Fx(from, to, on, rate) => {
                    seen(kind, "exchange rate", "date", &format!("{from}->{to} on {on}"), at)?;
                    ds.refs.fx.insert(from, to, on, rate)?;
                }
                Loaded::Deal(d) => {
                    keep_unique(&mut ds.deals, &mut deal_lines, *d, |x| &x.id, "deal", at, unit)?;
                }
                Loaded::History(id, e, loc) => history.push(Pending::Row(id, e, loc)),
                Loaded::Lead(l) => {
                    keep_unique(&mut ds.leads, &mut lead_lines, *l, |x| &x.id, "lead", at, unit)?;
                }
                Loaded::Target(t) => ds.targets.push(t),
                Loaded::Spend(x) => ds.spend.push(x),
                Loaded::Course(x) => ds.courses.push(x),
                Loaded::Survey(x) => ds.surveys.push(x),
                Loaded::Cost(x) => ds.program_costs.push(x),
                Loaded::Subscription(x) => ds.subscriptions.push(x),
                Loaded::Contract(x) => ds.contracts.push(x),
                Loaded::Ticket(t) => {
                    keep_unique(&mut ds.tickets, &mut ticket_lines, t, |x| &x.id, "ticket", at, unit)?;
                }
                Loaded::Onboarding(x) => ds.onboarding.push(x),
                Loaded::Engagement(x) => ds.engagement.push(x),
                Loaded::Referral(r) => {
                    keep_unique(&mut ds.referrals, &mut referral_lines, r, |x| &x.id, "referral", at, unit)?;
                }
                Loaded::Usage(x) => ds.usage.push(x),
            }
            Ok(())
        })?;
    }
    ds.refs.org = OrgTree::new(units)?;
    if !stages.is_empty() {
        ds.refs.pipeline = PipelineDef::new(stages)?;
    }
    attach_history(&mut ds, history, opts, &mut report)?;
    ds.columns = table_columns(&report);
    ds.validate_loaded()?;
    Ok((ds, report))
}

/// The columns of every table a load read, by kind name (two files of one kind: merged).
pub(super) fn table_columns(report: &LoadReport) -> std::collections::BTreeMap<String, super::TableColumns> {
    let mut out = std::collections::BTreeMap::new();
    for (kind, cols) in &report.columns {
        match out.get_mut(kind.name()) {
            Some(t) => super::TableColumns::merge(t, cols.clone()),
            None => {
                out.insert(kind.name().to_string(), cols.clone());
            }
        }
    }
    out
}

/// Pushes `rec` onto `kept` unless an earlier record has its id: then an error naming both
/// lines (`duplicate deal id (first on line 3)`, field `deal_id` for label `deal`).
fn keep_unique<T, K: Kept<T>>(
    kept: &mut K,
    lines: &mut FirstLines,
    rec: T,
    id: fn(&T) -> &String,
    label: &str,
    at: (&str, u64),
    unit: &str,
) -> Result<()> {
    if let Some(first) = lines.insert(id(&rec), kept.count(), at.1, |p| kept.id_at(p, id)) {
        return Err(duplicate(label, id(&rec), &format!("{label}_id"), first, at, unit));
    }
    kept.keep(rec);
    Ok(())
}

/// Where the loader keeps the records of one kind: a vector, or the deals' columns.
trait Kept<T> {
    fn count(&self) -> usize;
    /// The id of record `p` (`id` reads it from a record).
    fn id_at(&self, p: usize, id: fn(&T) -> &String) -> &str;
    fn keep(&mut self, rec: T);
}

impl<T> Kept<T> for Vec<T> {
    fn count(&self) -> usize {
        self.len()
    }
    fn id_at(&self, p: usize, id: fn(&T) -> &String) -> &str {
        id(&self[p])
    }
    fn keep(&mut self, rec: T) {
        self.push(rec);
    }
}

/// The column stores: the id read from the columns.
macro_rules! kept_in_columns {
    ($($store:ty => $record:ty),+) => {$(
        impl Kept<$record> for $store {
            fn count(&self) -> usize {
                self.len()
            }
            fn id_at(&self, p: usize, _: fn(&$record) -> &String) -> &str {
                self.id(p)
            }
            fn keep(&mut self, rec: $record) {
                self.push(rec);
            }
        }
    )+};
}
kept_in_columns!(crate::Deals => crate::Deal, crate::Leads => crate::Lead);

/// Adds one unit of a level chain; the same unit on several rows must agree.
fn merge_unit(units: &mut Vec<OrgUnit>, at: &mut HashMap<String, usize>, u: OrgUnit, loc: &Location) -> Result<()> {
    match at.get(&u.id) {
        None => {
            at.insert(u.id.clone(), units.len());
            units.push(u);
            Ok(())
        }
        Some(&i) if units[i].level == u.level && units[i].parent_id == u.parent_id => Ok(()),
        Some(&i) => Err(Error::Reference {
            location: Location { record: Some(format!("org unit {}", u.id)), value: Some(u.id.clone()), ..loc.clone() },
            reason: format!(
                "unit appears with two places in the hierarchy: level {} under {:?}, and level {} under {:?}",
                units[i].level, units[i].parent_id, u.level, u.parent_id
            ),
        }),
    }
}

fn attach_history(ds: &mut Dataset, history: Vec<Pending>, opts: &LoadOptions, report: &mut LoadReport) -> Result<()> {
    if history.is_empty() {
        return Ok(());
    }
    // the row path's entries found by borrowed id (`DealFinder`: the deal of the row before or
    // after it, else an index built at the first miss; the typed reader's come matched), then
    // every entry attached in the order read: the typed reader's lists as they are (no copy
    // into one list), the rows' in lists of their own between them
    let mut finder = super::deal_finder::DealFinder::new(&ds.deals);
    let mut found: Vec<Vec<(usize, StageEntry)>> = Vec::new();
    let mut rows: Vec<(usize, StageEntry)> = Vec::new();
    for p in history {
        let (id, e, loc) = match p {
            Pending::Found(entries) => {
                found.extend((!rows.is_empty()).then(|| std::mem::take(&mut rows)));
                found.push(entries);
                continue;
            }
            Pending::Row(id, e, loc) => (id, e, loc),
        };
        match finder.find(id.as_str()) {
            Some(i) => rows.push((i, e)),
            None => {
                let err =
                    Error::Reference { location: Location { value: Some(id), ..*loc }, reason: "stage entry of an unknown deal".into() };
                if !opts.collect_errors {
                    return Err(err);
                }
                report.errors.push(err);
                if let Some(f) = report.files.iter_mut().find(|f| f.kind == RecordKind::StageHistory) {
                    f.rows_loaded = f.rows_loaded.saturating_sub(1);
                }
            }
        }
    }
    found.push(rows);
    for (i, e) in found.into_iter().flatten() {
        ds.deals.stage_history_mut(i).push(e);
    }
    for h in ds.deals.stage_histories_mut() {
        if !h.is_sorted_by_key(|e| e.entered_on) {
            h.sort_by_key(|e| e.entered_on);
        }
    }
    Ok(())
}

/// One row converted, before the loader keeps it (checks its id, adds it to the dataset).
pub(super) enum Loaded {
    /// A chain of org units from one row of level columns, and where the row is.
    Units(Vec<OrgUnit>, Box<Location>),
    Unit(OrgUnit),
    Partner(Box<Partner>),
    Stage(StageDef),
    Fx(Currency, Currency, NaiveDate, Decimal),
    /// Boxed: a deal is several times the size of the other records.
    Deal(Box<Deal>),
    /// A stage entry of a deal (by id), and where it is.
    History(String, StageEntry, Box<Location>),
    Lead(Box<Lead>),
    Target(Target),
    Spend(Spend),
    Course(CourseAttendance),
    Survey(SurveyResponse),
    Cost(ProgramCost),
    Subscription(SubscriptionMonth),
    Contract(Contract),
    Ticket(SupportTicket),
    Onboarding(Onboarding),
    Engagement(EngagementEvent),
    Referral(Referral),
    Usage(ProductUsage),
}

/// The conversion of one row of `kind`: a pure function of the row, so the rows of a table
/// can be converted on several threads.
pub(super) fn loaded(kind: RecordKind, levels: &[super::OrgLevel], row: &MappedRow) -> Result<Loaded> {
    Ok(match kind {
        RecordKind::OrgUnits if !levels.is_empty() => {
            let (file, line) = row.position();
            let loc = Location { file: Some(file.into()), line: Some(line), ..Default::default() };
            Loaded::Units(org_chain_from_cells(row.cells(), levels, &loc)?, Box::new(loc))
        }
        RecordKind::OrgUnits => Loaded::Unit(org_unit_from_row(row)?),
        RecordKind::Partners => Loaded::Partner(Box::new(partner_from_row(row)?)),
        RecordKind::Pipeline => Loaded::Stage(stage_def_from_row(row)?),
        RecordKind::FxRates => {
            let (from, to, on, rate) = fx_rate_from_row(row)?;
            Loaded::Fx(from, to, on, rate)
        }
        RecordKind::Deals => Loaded::Deal(Box::new(deal_from_row(row)?)),
        RecordKind::StageHistory => {
            let (id, e) = stage_entry_from_row(row)?;
            Loaded::History(id, e, Box::new(row.location("deal_id")))
        }
        RecordKind::Leads => Loaded::Lead(Box::new(lead_from_row(row)?)),
        RecordKind::Targets => Loaded::Target(target_from_row(row)?),
        RecordKind::Spend => Loaded::Spend(spend_from_row(row)?),
        RecordKind::Courses => Loaded::Course(course_from_row(row)?),
        RecordKind::Surveys => Loaded::Survey(survey_from_row(row)?),
        RecordKind::ProgramCosts => Loaded::Cost(program_cost_from_row(row)?),
        RecordKind::Subscriptions => Loaded::Subscription(subscription_from_row(row)?),
        RecordKind::Contracts => Loaded::Contract(contract_from_row(row)?),
        RecordKind::Tickets => Loaded::Ticket(ticket_from_row(row)?),
        RecordKind::Onboarding => Loaded::Onboarding(onboarding_from_row(row)?),
        RecordKind::Engagement => Loaded::Engagement(engagement_from_row(row)?),
        RecordKind::Referrals => Loaded::Referral(referral_from_row(row)?),
        RecordKind::Usage => Loaded::Usage(usage_from_row(row)?),
    })
}
