//! Reading [`Source`]s into a [`Dataset`]: rows → records via the conversion functions,
//! lookups joined, duplicates caught with their line, stage history attached to deals.

use super::convert::*;
use super::first_lines::FirstLines;
use super::mapping::{KindMapping, Mapping, RecordKind};
use super::report::{FileReport, LoadOptions, LoadReport};
use super::row::{AttrFilter, LookupTable, MappedRow, RawRecord, Row};
use super::source::{Next, Source};
use crate::Dataset;
use crate::domain::{OrgTree, OrgUnit, PipelineDef, StageEntry};
use crate::error::{Error, Location, Result};
use std::collections::HashMap;
use std::path::Path;

const PROGRESS_EVERY: u64 = 50_000;

/// Reads the files a kind mapping's lookups name, keyed by their key column.
pub fn lookup_tables(map: &KindMapping, dir: &Path, opts: &LoadOptions) -> Result<Vec<LookupTable>> {
    map.lookups
        .iter()
        .map(|l| {
            let src = Source::open(RecordKind::Deals, dir.join(&l.file))?;
            let (name, rows) = (src.name.clone(), src.format.has_rows());
            lookup_table(l, name, src.records(opts.max_line_bytes, Some(&lookup_columns(l)))?, rows)
        })
        .collect()
}

/// The lookups of `map` for a source read from `dir`: in-memory tables from
/// [`LoadOptions::memory_tables`] when one answers to the lookup's file, else the file.
fn lookups_for(
    map: &KindMapping,
    mapping: &Mapping,
    dir: &Path,
    in_memory: bool,
    name: &str,
    opts: &LoadOptions,
) -> Result<Vec<LookupTable>> {
    #[cfg(not(feature = "arrow"))]
    let _ = (mapping, in_memory, name);
    map.lookups
        .iter()
        .map(|l| {
            #[cfg(feature = "arrow")]
            {
                let by_kind = || {
                    RecordKind::ALL
                        .iter()
                        .find(|k| mapping.kind(**k).file.as_deref() == Some(l.file.as_str()))
                        .and_then(|k| opts.memory_tables.get(k.name()))
                };
                if let Some(b) = opts.memory_tables.get(&l.file).or_else(by_kind) {
                    let recs = crate::arrow::ArrowRecords::new(Box::new(b.clone().into_iter().map(Ok)), l.file.clone());
                    return lookup_table(l, l.file.clone(), Box::new(recs), false);
                }
                if in_memory {
                    return Err(crate::arrow::no_lookups(name, &l.file));
                }
            }
            let src = Source::open(RecordKind::Deals, dir.join(&l.file))?;
            let (file, rows) = (src.name.clone(), src.format.has_rows());
            lookup_table(l, file, src.records(opts.max_line_bytes, Some(&lookup_columns(l)))?, rows)
        })
        .collect()
}

/// The columns of a lookup file a lookup reads: its key and the joined columns.
fn lookup_columns(l: &super::Lookup) -> Vec<String> {
    std::iter::once(l.key_column().to_string()).chain(l.columns.values().cloned()).collect()
}

/// One lookup table from its records, keyed by the lookup's key column. `numbered_rows`: the
/// reader numbers rows (a Parquet file), not lines.
fn lookup_table(l: &super::Lookup, name: String, mut recs: Box<dyn super::source::Records>, numbered_rows: bool) -> Result<LookupTable> {
    let unit = if numbered_rows { "row" } else { "line" };
    let mut rows = HashMap::new();
    let mut lines: HashMap<String, u64> = HashMap::new();
    loop {
        crate::interrupt::check()?;
        match recs.next_record()? {
            Next::End => break,
            Next::Bad(e) => return Err(e),
            Next::Row(line, r) => {
                let loc = |v: &str| Location {
                    file: Some(name.clone()),
                    line: (!numbered_rows).then_some(line),
                    row: numbered_rows.then_some(line),
                    field: Some(l.key_column().into()),
                    value: Some(v.into()),
                    ..Default::default()
                };
                let key = r.cell(l.key_column()).ok_or_else(|| Error::Missing { location: loc("") })?.trim().to_string();
                if let Some(first) = lines.insert(key.clone(), line) {
                    return Err(Error::Reference {
                        location: loc(&key),
                        reason: format!("duplicate lookup key (first on {unit} {first})"),
                    });
                }
                rows.insert(key, RawRecord::of(r));
            }
        }
    }
    Ok(LookupTable { file: name, rows })
}

/// Reads every row of `src` through `mapping` and `conv`. Bad rows stop the read, or with
/// `collect_errors` are recorded in the report and skipped.
///
/// ```
/// use channel_kpi::load::{read_rows, lead_from_row, LoadOptions, Mapping, RecordKind, Source};
/// let src = Source::from_text(RecordKind::Leads, "leads.csv", "lead_id,created_on\r\nL1,2025-01-02\r\nL2,2025-13-01\r\n");
/// let opts = LoadOptions { collect_errors: true, ..Default::default() };
/// let (leads, report) = read_rows(src, &Mapping::default(), &opts, |r| lead_from_row(r)).unwrap();
/// assert_eq!(leads.len(), 1);
/// assert_eq!(report.errors[0].to_string(), r#"leads.csv:3, lead L2, column `created_on`, value "2025-13-01": cannot parse: not a date in any of the formats %Y-%m-%d"#);
/// ```
pub fn read_rows<T>(
    src: Source,
    mapping: &Mapping,
    opts: &LoadOptions,
    mut conv: impl FnMut(&MappedRow) -> Result<T>,
) -> Result<(Vec<T>, LoadReport)> {
    let mut report = LoadReport::default();
    let mut out = Vec::new();
    read_into(src, mapping, opts, &mut report, |row| {
        out.push(conv(row)?);
        Ok(())
    })?;
    Ok((out, report))
}

fn read_into(
    src: Source,
    mapping: &Mapping,
    opts: &LoadOptions,
    report: &mut LoadReport,
    mut sink: impl FnMut(&MappedRow) -> Result<()>,
) -> Result<()> {
    let kind = src.kind;
    let restricted = only_attrs(kind, mapping.kind(kind), opts);
    let map = restricted.as_ref().unwrap_or(mapping.kind(kind));
    #[allow(unused_mut)]
    let mut formats = mapping.date_formats(kind);
    #[allow(unused_mut)]
    let mut in_memory = false;
    #[cfg(feature = "arrow")]
    if src.format.has_rows() {
        // Typed Arrow date and timestamp cells (tables, Parquet) are rendered as ISO dates.
        crate::arrow::add_iso(&mut formats);
        in_memory = src.format == super::Format::Arrow;
    }
    let tables = lookups_for(map, mapping, &src.dir, in_memory, &src.name, opts)?;
    let attr_filter = AttrFilter::new(map);
    let name = src.name.clone();
    let (size, bytes_read) = (src.size, src.bytes_read());
    let fixed_header = src.format != super::Format::JsonLines;
    let wanted = source_columns(kind, map);
    let mut recs = src.records(opts.max_line_bytes, wanted.as_deref())?;
    let (all_columns, total_rows) = (recs.all_columns(), recs.total_rows());
    let progress = |rows: u64, done: bool| {
        if let Some(p) = &opts.progress {
            let bytes = match (total_rows, size) {
                (Some(t), Some(s)) if t > 0 => (u128::from(s) * u128::from(rows.min(t)) / u128::from(t)) as u64,
                _ => bytes_read.load(std::sync::atomic::Ordering::Relaxed),
            };
            p(&super::Progress { file: &name, rows, bytes, total_bytes: size, done });
        }
    };
    let mut file = FileReport { file: name.clone(), kind, rows_read: 0, rows_loaded: 0 };
    let mut first = true;
    loop {
        crate::interrupt::check()?;
        let result = match recs.next_record()? {
            Next::End => break,
            Next::Bad(e) => Err(e),
            Next::Row(line, rec) => {
                if std::mem::take(&mut first) && fixed_header {
                    // Every column checked once, before any row is converted.
                    let header: Vec<String> =
                        all_columns.clone().unwrap_or_else(|| rec.pairs().iter().map(|(c, _)| c.to_string()).collect());
                    let cols = super::TableColumns::new(kind, &name, &header, map);
                    super::check_required(&cols, kind).map_err(|e| e.map_locations(&|l: &mut Location| l.line = Some(line)))?;
                    report.columns.push((kind, cols));
                }
                MappedRow::new(rec, map, &formats, &tables, &name, line).and_then(|row| sink(&row.with_attr_filter(&attr_filter)))
            }
        };
        file.rows_read += 1;
        match result {
            Ok(()) => file.rows_loaded += 1,
            Err(e) if opts.collect_errors => report.errors.push(e),
            Err(e) => return Err(e),
        }
        if file.rows_read.is_multiple_of(PROGRESS_EVERY) {
            progress(file.rows_read, false);
        }
    }
    progress(file.rows_read, true);
    report.files.push(file);
    Ok(())
}

/// `map` with its `attrs` narrowed to [`LoadOptions::only_attrs`] (`None`: unchanged). Under
/// `"all"`, a wanted column the mapping would not keep (a mapped or canonical column) stays out.
fn only_attrs(kind: RecordKind, map: &KindMapping, opts: &LoadOptions) -> Option<KindMapping> {
    use super::mapping::{Attrs, AttrsMode};
    let only = opts.only_attrs.as_ref().filter(|_| kind.has_attrs())?;
    let attrs = match &map.attrs {
        Attrs::Mode(AttrsMode::None) => return None,
        Attrs::Mode(AttrsMode::All) => {
            let filter = AttrFilter::new(map);
            only.iter().filter(|c| filter.keeps(c)).cloned().collect()
        }
        Attrs::Columns(cols) => cols.iter().filter(|c| only.contains(*c)).cloned().collect(),
    };
    Some(KindMapping { attrs: Attrs::Columns(attrs), ..map.clone() })
}

/// The source columns a reader must decode for `kind` (`None`: all); only a Parquet reader
/// can skip the others.
fn source_columns(kind: RecordKind, map: &KindMapping) -> Option<Vec<String>> {
    #[cfg(feature = "parquet")]
    return super::parquet_file::needed_columns(kind, map);
    #[cfg(not(feature = "parquet"))]
    {
        let _ = (kind, map);
        None
    }
}

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
fn to_rows(e: Error, tables: &std::collections::HashSet<String>) -> Error {
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
    let mut history: Vec<(String, StageEntry, Location)> = Vec::new();
    // First line of every id, per kind, to name both lines of a duplicate: the big kinds by
    // position in their vector (no copy of the id), the small reference kinds by id.
    let mut first_line: rustc_hash::FxHashMap<(RecordKind, String), u64> = Default::default();
    let [mut deal_lines, mut lead_lines, mut ticket_lines, mut referral_lines] = std::array::from_fn(|_| FirstLines::default());
    for src in sources {
        let kind = src.kind;
        let unit = if src.format.has_rows() { "row" } else { "line" };
        let mut seen = |kind: RecordKind, label: &str, field: &str, id: &str, at: (&str, u64)| -> Result<()> {
            match first_line.insert((kind, id.to_string()), at.1) {
                Some(first) => Err(duplicate(label, id, field, first, at, unit)),
                None => Ok(()),
            }
        };
        let levels = mapping.kind(kind).levels.clone();
        read_into(src, mapping, opts, &mut report, |row| {
            let at = row.position();
            match kind {
                RecordKind::OrgUnits if !levels.is_empty() => {
                    let loc = Location { file: Some(at.0.into()), line: Some(at.1), ..Default::default() };
                    for u in org_chain_from_cells(row.cells(), &levels, &loc)? {
                        merge_unit(&mut units, &mut unit_at, u, &loc)?;
                    }
                }
                RecordKind::OrgUnits => {
                    let u = org_unit_from_row(row)?;
                    seen(kind, "org unit", "unit_id", &u.id, at)?;
                    unit_at.insert(u.id.clone(), units.len());
                    units.push(u);
                }
                RecordKind::Partners => {
                    let p = partner_from_row(row)?;
                    seen(kind, "partner", "partner_id", &p.id, at)?;
                    ds.refs.partners.insert(p.id.clone(), p);
                }
                RecordKind::Pipeline => {
                    let s = stage_def_from_row(row)?;
                    seen(kind, "stage", "stage", &s.name, at)?;
                    stages.push(s);
                }
                RecordKind::FxRates => {
                    let (from, to, on, rate) = fx_rate_from_row(row)?;
                    seen(kind, "exchange rate", "date", &format!("{from}->{to} on {on}"), at)?;
                    ds.refs.fx.insert(from, to, on, rate)?;
                }
                RecordKind::Deals => {
                    let d = deal_from_row(row)?;
                    let kept = &ds.deals;
                    if let Some(first) = deal_lines.insert(&d.id, kept.len(), at.1, |p| kept[p].id.as_str()) {
                        return Err(duplicate("deal", &d.id, "deal_id", first, at, unit));
                    }
                    ds.deals.push(d);
                }
                RecordKind::StageHistory => {
                    let (id, e) = stage_entry_from_row(row)?;
                    history.push((id, e, row.location("deal_id")));
                }
                RecordKind::Leads => {
                    let l = lead_from_row(row)?;
                    let kept = &ds.leads;
                    if let Some(first) = lead_lines.insert(&l.id, kept.len(), at.1, |p| kept[p].id.as_str()) {
                        return Err(duplicate("lead", &l.id, "lead_id", first, at, unit));
                    }
                    ds.leads.push(l);
                }
                RecordKind::Targets => ds.targets.push(target_from_row(row)?),
                RecordKind::Spend => ds.spend.push(spend_from_row(row)?),
                RecordKind::Courses => ds.courses.push(course_from_row(row)?),
                RecordKind::Surveys => ds.surveys.push(survey_from_row(row)?),
                RecordKind::ProgramCosts => ds.program_costs.push(program_cost_from_row(row)?),
                RecordKind::Subscriptions => ds.subscriptions.push(subscription_from_row(row)?),
                RecordKind::Contracts => ds.contracts.push(contract_from_row(row)?),
                RecordKind::Tickets => {
                    let t = ticket_from_row(row)?;
                    let kept = &ds.tickets;
                    if let Some(first) = ticket_lines.insert(&t.id, kept.len(), at.1, |p| kept[p].id.as_str()) {
                        return Err(duplicate("ticket", &t.id, "ticket_id", first, at, unit));
                    }
                    ds.tickets.push(t);
                }
                RecordKind::Onboarding => ds.onboarding.push(onboarding_from_row(row)?),
                RecordKind::Engagement => ds.engagement.push(engagement_from_row(row)?),
                RecordKind::Referrals => {
                    let r = referral_from_row(row)?;
                    let kept = &ds.referrals;
                    if let Some(first) = referral_lines.insert(&r.id, kept.len(), at.1, |p| kept[p].id.as_str()) {
                        return Err(duplicate("referral", &r.id, "referral_id", first, at, unit));
                    }
                    ds.referrals.push(r);
                }
                RecordKind::Usage => ds.usage.push(usage_from_row(row)?),
            }
            Ok(())
        })?;
    }
    ds.refs.org = OrgTree::new(units)?;
    if !stages.is_empty() {
        ds.refs.pipeline = PipelineDef::new(stages)?;
    }
    attach_history(&mut ds, history, opts, &mut report)?;
    for (kind, cols) in &report.columns {
        match ds.columns.get_mut(kind.name()) {
            Some(t) => t.merge(cols.clone()),
            None => {
                ds.columns.insert(kind.name().to_string(), cols.clone());
            }
        }
    }
    ds.validate_loaded()?;
    Ok((ds, report))
}

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

fn attach_history(
    ds: &mut Dataset,
    history: Vec<(String, StageEntry, Location)>,
    opts: &LoadOptions,
    report: &mut LoadReport,
) -> Result<()> {
    if history.is_empty() {
        return Ok(());
    }
    let index: HashMap<String, usize> = ds.deals.iter().enumerate().map(|(i, d)| (d.id.clone(), i)).collect();
    for (id, e, loc) in history {
        match index.get(&id) {
            Some(&i) => ds.deals[i].stage_history.push(e),
            None => {
                let err =
                    Error::Reference { location: Location { value: Some(id), ..loc }, reason: "stage entry of an unknown deal".into() };
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
    for d in &mut ds.deals {
        d.stage_history.sort_by_key(|e| e.entered_on);
    }
    Ok(())
}
