//! How the typed readers (`load/csv_deals.rs`: CSV and JSON Lines) read one deals record into
//! [`Deals`] through a mapping, exactly as `deal_from_row` reads it through a
//! [`MappedRow`](super::MappedRow):
//!
//! * **renames** are resolved once, at the header: each canonical field knows the position
//!   (slot) of the source column it reads, or that the table has none;
//! * **value maps** are a per-field dictionary from the trimmed source text to the trimmed
//!   canonical text (a value mapped to `""` is empty, and so takes the default);
//! * **defaults** are constants of the plan, used when the cell is empty or the column missing
//!   (a date default is parsed once, as ISO, as the row path parses defaults);
//! * **dates** go through [`parse_date`] with the kind's formats in order (ISO read by hand
//!   first when it is listed), each distinct text parsed once per chunk ([`Dates`]);
//! * **attrs** are the columns the mapping keeps (`"all"`, a list, or none), found at the
//!   header too.
//!
//! * **lookups** are hash joins: each record's key (the trimmed `on` cell) looked up in the
//!   other file's rows by key (read once, before the chunks), the joined fields read from the
//!   row found (a required lookup without one: the row path names the row).
//!
//! Anything the plan does not read exactly like the row path gives `None`, and the
//! reader hands the whole file to the row path, which reports what it reports.

use super::deal_cells::{self, Dates, TextIds, Vocab};
use super::json_line::JsonCells;
use super::mapping::{Attrs, AttrsMode, KindMapping};
use super::row::{AttrFilter, Cells, LookupTable, RawRecord, parse_date};
use crate::domain::{Channel, DealChecked, DealKind, DealStatus, Deals, PartnerStages, RegistrationStatus, trimmed};
use crate::money::{Currency, Money};
use chrono::NaiveDate;
use rustc_hash::FxHashMap;
use std::str::FromStr;

/// The deal fields, in the order of [`FIELDS`] (and of [`Plan`]'s sources).
#[derive(Clone, Copy)]
enum F {
    Id,
    Created,
    Status,
    Partner,
    Owner,
    Channel,
    Source,
    Product,
    Kind,
    Registered,
    Registration,
    Expected,
    Closed,
    Amount,
    Currency,
    LostReason,
    Stage,
    PartnerStages,
}

const FIELDS: [&str; 18] = [
    "deal_id",
    "created_on",
    "status",
    "partner_id",
    "owner_id",
    "channel",
    "source",
    "product",
    "kind",
    "registered_on",
    "registration_status",
    "expected_close_on",
    "closed_on",
    "amount",
    "currency",
    "lost_reason",
    "stage",
    "partner_stages",
];

/// How one canonical field is read.
#[derive(Default)]
struct Src {
    /// The slot of its source column (`None`: the table has no such column).
    slot: Option<usize>,
    /// The lookup it is joined from instead: (its index, the column of the other file).
    joined: Option<(usize, Box<str>)>,
    /// Trimmed source text → trimmed canonical text (`None`: mapped to empty).
    values: Option<FxHashMap<Box<str>, Option<Box<str>>>>,
    /// Used when the value is empty (untrimmed, as the row path hands it on).
    default: Option<Box<str>>,
    /// The default read as an ISO date (`None` when there is none or it is not one).
    default_date: Option<NaiveDate>,
}

/// How every deal field and attr of one table is read: built once per file from its header.
pub(super) struct Plan {
    src: Vec<Src>,
    /// The fields read from a cell or a lookup (any other is its default, or absent, in every row).
    live: Vec<usize>,
    /// The fields whose every row takes the default (no cell, no lookup), and the same as bits.
    fixed: Vec<usize>,
    fixed_defaults: u32,
    /// Per lookup: the slot of its key column (`None`: absent, so the key is empty) and
    /// whether a row must be found.
    joins: Vec<(Option<usize>, bool)>,
    /// The attrs kept: (slot, column name), in the order the row path writes them.
    attrs: Vec<(usize, Box<str>)>,
    formats: Vec<String>,
}

/// The distinct source columns a plan through `map` reads: those of the deal fields, the attrs
/// listed (none under `"all"` or `"none"`), then the lookups' keys.
pub(super) fn source_columns(map: &KindMapping) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let listed = match &map.attrs {
        Attrs::Columns(cols) => cols.as_slice(),
        Attrs::Mode(_) => &[],
    };
    let keys = map.lookups.iter().map(|l| l.on.as_str());
    for c in FIELDS.iter().map(|f| map.source_column(f)).chain(listed.iter().map(String::as_str)).chain(keys) {
        if !names.iter().any(|n| n == c) {
            names.push(c.to_string());
        }
    }
    names
}

impl Plan {
    /// The plan of a table whose column `c` is at `slot(c)` (`None`: absent), with `names` its
    /// columns in order (for `attrs: "all"`), read through `map`.
    pub(super) fn new(map: &KindMapping, formats: Vec<String>, names: &[String], slot: &dyn Fn(&str) -> Option<usize>) -> Option<Plan> {
        let iso = ["%Y-%m-%d".to_string()];
        let src: Vec<Src> = FIELDS
            .iter()
            .map(|f| {
                let default = map.defaults.get(*f).map(|d| Box::from(d.as_str()));
                Src {
                    slot: slot(map.source_column(f)),
                    joined: map.lookup_for(f).map(|(i, c)| (i, Box::from(c))),
                    values: map.values.get(*f).map(|vm| {
                        vm.iter().map(|(k, v)| (Box::from(k.as_str()), Some(v.trim()).filter(|t| !t.is_empty()).map(Box::from))).collect()
                    }),
                    default_date: default.as_deref().and_then(|d| parse_date(d, &iso).ok()),
                    default,
                }
            })
            .collect();
        let attrs = match &map.attrs {
            Attrs::Mode(AttrsMode::None) => Vec::new(),
            Attrs::Columns(cols) => {
                let mut seen = std::collections::BTreeSet::new();
                cols.iter().filter(|c| seen.insert(c.as_str())).filter_map(|c| Some((slot(c)?, Box::from(c.as_str())))).collect()
            }
            Attrs::Mode(AttrsMode::All) => {
                let filter = AttrFilter::new(map);
                names.iter().filter(|c| filter.keeps(c)).filter_map(|c| Some((slot(c)?, Box::from(c.as_str())))).collect()
            }
        };
        let joins = map.lookups.iter().map(|l| (slot(&l.on), l.required)).collect();
        let src: Vec<Src> = src;
        let live = (0..src.len()).filter(|&f| src[f].slot.is_some() || src[f].joined.is_some()).collect::<Vec<_>>();
        let fixed: Vec<usize> = (0..src.len()).filter(|f| !live.contains(f) && src[*f].default.is_some()).collect();
        let fixed_defaults = fixed.iter().fold(0, |m, f| m | 1 << f);
        Some(Plan { src, live, fixed, fixed_defaults, joins, attrs, formats })
    }

    /// Each field's text after the rename, the value map and the default (`None`: empty) into
    /// `text`, and which are the default (one bit per field): the fields no cell or lookup
    /// feeds are their default in every row, the others read from `cell` or the row `joined`.
    #[inline]
    fn texts<'a>(
        &'a self,
        cell: &impl Fn(usize) -> Option<&'a str>,
        joined: &[Option<&'a RawRecord>],
        text: &mut [Option<&'a str>; 18],
    ) -> u32 {
        for &f in &self.fixed {
            text[f] = self.src[f].default.as_deref();
        }
        let mut defaulted = self.fixed_defaults;
        for &f in &self.live {
            let s = &self.src[f];
            let v = match &s.joined {
                Some((i, col)) => joined[*i].and_then(|r| r.cell(col)),
                None => s.slot.and_then(cell),
            };
            let v = v.map(trimmed).filter(|v| !v.is_empty());
            let v = match (v, &s.values) {
                (Some(v), Some(map)) => match map.get(v) {
                    Some(to) => to.as_deref(),
                    None => Some(v),
                },
                (v, _) => v,
            };
            if v.is_none() && s.default.is_some() {
                defaulted |= 1 << f;
            }
            text[f] = v.or(s.default.as_deref());
        }
        defaulted
    }
}

/// What one worker decodes a chunk into: the deals, and what it remembers of values already
/// parsed.
pub(super) struct Chunk {
    pub(super) deals: Deals,
    /// The cells of the JSON Lines record being read.
    pub(super) json: JsonCells,
    dates: Dates,
    /// The dictionary ids of `deals`' texts (cleared with `deals`).
    ids: TextIds,
    currency: Vocab<Currency>,
    status: Vocab<DealStatus>,
    channel: Vocab<Channel>,
    kind: Vocab<DealKind>,
    registration: Vocab<RegistrationStatus>,
    stages: Vocab<PartnerStages>,
}

impl Default for Chunk {
    fn default() -> Self {
        Chunk {
            deals: Deals::default(),
            json: JsonCells::default(),
            dates: Dates::new(),
            ids: TextIds::new(),
            currency: Vocab::default(),
            status: Vocab::default(),
            channel: Vocab::default(),
            kind: Vocab::default(),
            registration: Vocab::default(),
            stages: Vocab::default(),
        }
    }
}

impl Chunk {
    /// Adds the deal of one record whose source column at slot `i` holds `cell(i)` (`None`:
    /// no such cell), with the attrs of the plan and `extra` (trimmed, non-empty), read as
    /// `deal_from_row` reads it (checked as `Deal::validate` checks it) and written straight
    /// into the columns, its texts into the dictionary; `None` when the row path would refuse
    /// it (or read it some other way), with nothing added.
    pub(super) fn row<'a>(
        &mut self,
        p: &'a Plan,
        cell: impl Fn(usize) -> Option<&'a str>,
        extra: &[(String, String)],
        tables: &'a [LookupTable],
    ) -> Option<()> {
        // Each lookup's row, by the record's key (a required one not found: the row path's error).
        let joined: Vec<Option<&RawRecord>> = p
            .joins
            .iter()
            .zip(tables)
            .map(|(&(on, required), t)| {
                let key = on.and_then(&cell).map_or("", trimmed);
                let hit = t.rows.get(key);
                if hit.is_none() && required { None } else { Some(hit) }
            })
            .collect::<Option<_>>()?;
        if joined.len() != p.joins.len() {
            return None;
        }
        let mut text = [None; 18];
        let defaulted = p.texts(&cell, &joined, &mut text);
        let t = |f: F| text[f as usize];
        let dates = &mut self.dates;
        // A date field: the default as ISO, else the kind's formats in order.
        let mut date = |f: F| -> Option<Option<NaiveDate>> {
            match t(f) {
                None => Some(None),
                Some(_) if defaulted & 1 << f as u32 != 0 => p.src[f as usize].default_date.map(Some),
                Some(v) => dates.get(v, &p.formats).map(Some),
            }
        };
        let id = t(F::Id)?;
        let created_on = date(F::Created)??;
        let registered_on = date(F::Registered)?;
        let expected_close_on = date(F::Expected)?;
        let closed_on = date(F::Closed)?;
        let status = self.status.get(t(F::Status)?, |v| DealStatus::from_str(v).ok())?;
        let channel = t(F::Channel).map(|v| self.channel.get(v, |v| Channel::from_str(v).ok())).map_or(Some(None), |c| c.map(Some))?;
        let kind = t(F::Kind).map(|v| self.kind.get(v, |v| DealKind::from_str(v).ok())).map_or(Some(None), |k| k.map(Some))?;
        let registration = t(F::Registration)
            .map(|v| self.registration.get(v, |v| RegistrationStatus::from_str(v).ok()))
            .map_or(Some(None), |r| r.map(Some))?;
        let stages =
            t(F::PartnerStages).map(|v| self.stages.get(v, |v| PartnerStages::parse(v).ok())).map_or(Some(None), |s| s.map(Some))?;
        let amount = match t(F::Amount) {
            None => None,
            Some(a) => {
                let amount = deal_cells::amount(a)?;
                let cur = self.currency.get(t(F::Currency)?, |c| Currency::new(c).ok())?;
                Some(Money::new(amount, cur))
            }
        };
        let checked = DealChecked { id, status, created_on, closed_on, registered_on, amount: amount.as_ref(), stage_history: &[] };
        checked.validate().ok()?;
        // Every column of the deal, as `Deals::push_ref` writes a `Deal` without stage history.
        let d = &mut self.deals;
        if d.is_empty() {
            self.ids.clear(); // new (or emptied) deals: their dictionary is another
        }
        d.memo.changed();
        d.ids.push_str(id);
        d.id_end.push(d.ids.len());
        let (w, ids) = (&mut d.words, &mut self.ids);
        d.partner.push(ids.id(w, t(F::Partner)));
        d.owner.push(ids.id(w, t(F::Owner)));
        d.source.push(ids.id(w, t(F::Source)));
        d.product.push(ids.id(w, t(F::Product)));
        d.lost_reason.push(ids.id(w, t(F::LostReason)));
        d.stage.push(ids.id(w, t(F::Stage)));
        d.channel.push(channel);
        d.kind.push(kind.unwrap_or_default());
        d.status.push(status);
        d.registration_status.push(registration);
        d.partner_stages.push(stages.unwrap_or_default());
        d.created_on.push(created_on);
        d.registered_on.push(registered_on);
        d.expected_close_on.push(expected_close_on);
        d.closed_on.push(closed_on);
        d.amount.push(amount);
        d.history.push(0);
        // the attrs straight into their columns
        let (attrs, i) = (&mut d.attrs, d.id_end.len() - 1);
        for (slot, name) in &p.attrs {
            if let Some(v) = cell(*slot).map(trimmed).filter(|v| !v.is_empty()) {
                let c = attrs.column_or_new(name);
                attrs.set(c, i, Some(v));
            }
        }
        for (name, v) in extra {
            let c = attrs.column_or_new(name);
            attrs.set(c, i, Some(v));
        }
        Some(())
    }
}
