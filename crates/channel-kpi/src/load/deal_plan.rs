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

use super::json_line::JsonCells;
use super::mapping::{Attrs, AttrsMode, KindMapping};
use super::row::{AttrFilter, Cells, LookupTable, RawRecord, parse_date};
use crate::domain::{Channel, Deal, DealKind, DealStatus, Deals, PartnerStages, RegistrationStatus, put_text, trimmed};
use crate::money::{Currency, Money, parse_decimal};
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
        let src = FIELDS
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
        Some(Plan { src, joins, attrs, formats })
    }

    /// The text of field `f` after the rename, the value map and the default, and whether it
    /// is the default; `None` when empty.
    #[inline]
    fn get<'a>(&'a self, f: F, cell: &impl Fn(usize) -> Option<&'a str>, joined: &[Option<&'a RawRecord>]) -> Option<(&'a str, bool)> {
        let s = &self.src[f as usize];
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
        match v {
            Some(v) => Some((v, false)),
            None => s.default.as_deref().map(|d| (d, true)),
        }
    }
}

/// What one worker decodes a chunk into: the deals, a reused [`Deal`], and what it remembers
/// of values already parsed.
pub(super) struct Chunk {
    pub(super) deals: Deals,
    /// The cells of the JSON Lines record being read.
    pub(super) json: JsonCells,
    deal: Deal,
    dates: Dates,
    currency: Option<(Box<str>, Currency)>,
}

impl Default for Chunk {
    fn default() -> Self {
        Chunk {
            deals: Deals::default(),
            json: JsonCells::default(),
            deal: Deal::new(String::new(), NaiveDate::MIN, DealStatus::Open),
            dates: Dates::new(),
            currency: None,
        }
    }
}

impl Chunk {
    /// Adds the deal of one record whose source column at slot `i` holds `cell(i)` (`None`:
    /// no such cell), with the attrs of the plan and `extra` (trimmed, non-empty), read as
    /// `deal_from_row` reads it; `None` when the row path would refuse it (or read it some
    /// other way).
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
        let get = |f: F| p.get(f, &cell, &joined);
        let t = |f: F| get(f).map(|(v, _)| v);
        let d = &mut self.deal;
        let dates = &mut self.dates;
        // A date field: the default as ISO, else the kind's formats in order.
        let mut date = |f: F| -> Option<Option<NaiveDate>> {
            match get(f) {
                None => Some(None),
                Some((_, true)) => p.src[f as usize].default_date.map(Some),
                Some((v, false)) => dates.get(v, &p.formats).map(Some),
            }
        };
        d.id.clear();
        d.id.push_str(t(F::Id)?);
        d.created_on = date(F::Created)??;
        d.status = DealStatus::from_str(t(F::Status)?).ok()?;
        put_text(&mut d.partner_id, t(F::Partner));
        put_text(&mut d.owner_id, t(F::Owner));
        d.channel = t(F::Channel).map(Channel::from_str).transpose().ok()?;
        put_text(&mut d.source, t(F::Source));
        put_text(&mut d.product, t(F::Product));
        d.kind = t(F::Kind).map(DealKind::from_str).transpose().ok()?.unwrap_or_default();
        d.registered_on = date(F::Registered)?;
        d.registration_status = t(F::Registration).map(RegistrationStatus::from_str).transpose().ok()?;
        d.expected_close_on = date(F::Expected)?;
        d.closed_on = date(F::Closed)?;
        d.amount = match t(F::Amount) {
            None => None,
            Some(a) => {
                let amount = parse_decimal(a).ok()?;
                let code = t(F::Currency)?;
                let cur = match &self.currency {
                    Some((text, c)) if **text == *code => *c,
                    _ => {
                        let c = Currency::new(code).ok()?;
                        self.currency = Some((Box::from(code), c));
                        c
                    }
                };
                Some(Money::new(amount, cur))
            }
        };
        put_text(&mut d.lost_reason, t(F::LostReason));
        put_text(&mut d.stage, t(F::Stage));
        d.partner_stages = t(F::PartnerStages).map(PartnerStages::parse).transpose().ok()?.unwrap_or_default();
        d.validate().ok()?;
        self.deals.push_ref(d);
        // the attrs straight into their columns (the reused deal has none)
        let (attrs, i) = (&mut self.deals.attrs, self.deals.id_end.len() - 1);
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

/// Dates already parsed by [`parse_date`] with the file's formats, by their text (up to 15
/// bytes, its length in the key's last byte), the last 4,096 distinct texts remembered: a deals
/// file's dates span a few years, so nearly every date is one lookup instead of a parse.
struct Dates(Box<[(u128, NaiveDate); 4096]>);

impl Dates {
    fn new() -> Self {
        Dates(Box::new([(0, NaiveDate::MIN); 4096]))
    }
    #[inline]
    fn get(&mut self, v: &str, formats: &[String]) -> Option<NaiveDate> {
        let b = v.as_bytes();
        if b.is_empty() || b.len() > 15 {
            return parse_date(v, formats).ok();
        }
        let mut key = [0u8; 16];
        key[..b.len()].copy_from_slice(b);
        key[15] = b.len() as u8;
        let key = u128::from_le_bytes(key);
        let slot = &mut self.0[((key as u64 ^ (key >> 64) as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 52) as usize];
        if slot.0 != key {
            *slot = (key, parse_date(v, formats).ok()?);
        }
        Some(slot.1)
    }
}
