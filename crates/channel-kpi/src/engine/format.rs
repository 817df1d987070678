//! The encodings of a [`Partial`]: compact bytes ([`Partial::to_bytes`], in `binary.rs`) to
//! ship between machines, JSON ([`Partial::to_json`], and serde; here) to read while debugging.
//! Both carry a format version and the query's fingerprint, and decoding validates every state
//! ([`Partial::validate`], here): a tampered, truncated or foreign partial is a
//! [`Error::Merge`] naming what is wrong, never a panic or a wrong number. Also here: what a
//! scale-out run folds ([`Reference::partial`], [`crate::Dataset::partial_part`]) and the
//! fingerprints, coverage and reference check of a partial.
//!
//! Fingerprints are FNV-1a 64 of the canonical JSON (of the normalized query, of the reference
//! data with partners sorted by id): stable across builds and machines, not cryptographic.

use super::check::Check;
use super::coverage::{Coverage, Part};
use super::fingerprint::{fingerprint_of, hex};
use super::groups::GroupKey;
use super::partial::{Engine, Partial};
use super::plan::Plan;
use super::query::Query;
use super::record::Record;
use super::record::Reference;
use super::registry::KpiState;
use super::table::ResultTable;
use crate::error::{Error, Result};
use crate::money::Currency;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

const FORMAT_NAME: &str = "channel-kpi partial";

impl Reference {
    /// Fingerprint of the reference data (partners, org units, pipeline, exchange rates):
    /// equal fingerprints mean the same data, so a partial folded with it finishes with it.
    pub fn fingerprint(&self) -> u64 {
        fingerprint_of(self)
    }

    /// The partial of the partner records (which [`crate::Dataset::push_into`] streams from the
    /// reference data, for `partner_count_change` and the like), covering the part
    /// [`Part::REFERENCE`]: in a scale-out run the driver folds it once, and the parts of the
    /// fact records ([`crate::Dataset::partial_part`]) are merged into it.
    pub fn partial(&self, query: &Query) -> Result<Partial> {
        let mut e = Engine::new(query, self)?;
        let mut ids: Vec<&String> = self.partners.keys().collect();
        ids.sort();
        for id in ids {
            e.push(&Record::Partner(&self.partners[id]))?;
        }
        let mut p = e.into_partial()?;
        p.reference = Some(self.fingerprint());
        p.cover(&Part::id(Part::REFERENCE))?;
        Ok(p)
    }
}

impl crate::Dataset {
    /// The partial of this dataset's fact records (every kind but the partners: those are
    /// reference data, folded once by [`Reference::partial`]) against its reference data,
    /// covering `part`: the fold of one partition of a scale-out run. Records the reference
    /// data's fingerprint, so the merged result finishes only with the same reference data.
    ///
    /// ```
    /// use channel_kpi::{Dataset, Deal, DealStatus, Metric, Part, Period, Query};
    /// let day = |s: &str| s.parse().unwrap();
    /// let q = Query::new(vec![Metric::DealCount], Period::parse("2025").unwrap());
    /// let mut data = Dataset::default();
    /// data.deals.push(Deal::new("D1", day("2025-01-02"), DealStatus::Open));
    /// let mut whole = data.refs.partial(&q).unwrap();
    /// let part = data.partial_part(&q, &Part::id("deals:0")).unwrap();
    /// whole.merge(&part).unwrap();
    /// let e = whole.merge(&part).unwrap_err();
    /// assert!(e.to_string().contains("\"deals:0\" would be counted twice"));
    /// assert_eq!(whole.finish(&data.refs).unwrap().value(0, "created_count").unwrap().to_string(), "1");
    /// ```
    pub fn partial_part(&self, query: &Query, part: &Part) -> Result<Partial> {
        let mut e = Engine::new(query, &self.refs)?;
        self.push_records(&mut e)?;
        let mut p = e.into_partial()?;
        p.reference = Some(self.refs.fingerprint());
        p.cover(part)?;
        Ok(p)
    }
}

impl Partial {
    /// The version of the encodings this build writes and reads. Version 2 (this one) keeps
    /// each state untagged and fingerprints only the query's metrics' state layouts, so adding
    /// a KPI does not change it; version 1 fingerprinted the whole list of metrics.
    pub const FORMAT_VERSION: u16 = 2;

    /// Records that this partial holds `part` of the input; an error when it already covers
    /// any of it.
    pub fn cover(&mut self, part: &Part) -> Result<()> {
        self.coverage.add(part)
    }

    /// The parts of the input this partial covers (empty when none were named).
    pub fn parts(&self) -> Vec<Part> {
        self.coverage.parts()
    }

    /// Fingerprint of the reference data the records were folded with, when recorded.
    pub fn reference_fingerprint(&self) -> Option<u64> {
        self.reference
    }

    /// Fingerprint of the (normalized) query.
    pub fn query_fingerprint(&self) -> u64 {
        fingerprint_of(&self.query)
    }

    /// Turns the states into a [`ResultTable`] with the reference data (partners, org units,
    /// pipeline, exchange rates) the records were folded with: when the partial recorded
    /// their fingerprint, other reference data is an error (the result would differ from a
    /// one-machine run).
    pub fn finish(&self, refs: &Reference) -> Result<ResultTable> {
        if let Some(f) = self.reference {
            let given = refs.fingerprint();
            if given != f {
                return Err(Error::Merge(format!(
                    "these partial results were folded with other reference data (fingerprint {}) than given to finish ({}): \
                     finish with the same partners, org units, pipeline and exchange rates",
                    hex(Some(f)),
                    hex(Some(given))
                )));
            }
        }
        self.finish_with(refs)
    }

    /// Checks everything a decoded partial must satisfy: the query is normalized; one map of
    /// cells per window of the query; every group key has one value per grouping dimension,
    /// a level the query can produce and no value beyond its level; every cell has one state
    /// per metric, of that metric, whose invariants hold ([`Check`]). The error names the
    /// window, group and metric of the first bad state.
    pub fn validate(&self) -> Result<()> {
        let q = &self.query;
        if q.normalized()? != *q {
            return Err(Error::Merge("the partial result's query is not in normalized form".into()));
        }
        let windows = Plan::of(q)?.windows;
        if self.cells.len() != windows.len() {
            return Err(Error::Merge(format!(
                "the partial result has cells for {} windows, its query has {}",
                self.cells.len(),
                windows.len()
            )));
        }
        let dims = q.group_by.len();
        for (wi, (cells, w)) in self.cells.iter().zip(&windows).enumerate() {
            for (key, states) in cells {
                let at = || format!("window {wi} ({}), group {}", w.period, describe(key));
                let level = key.level as usize;
                if key.values.len() != dims || level > dims || (!q.rollup && level != dims) {
                    return Err(Error::Merge(format!("{}: not a group of this query ({dims} dimensions)", at())));
                }
                if key.values[level..].iter().any(Option::is_some) {
                    return Err(Error::Merge(format!("{}: a value beyond the group's level {level}", at())));
                }
                if states.len() != q.metrics.len() {
                    return Err(Error::Merge(format!("{}: {} states for {} metrics", at(), states.len(), q.metrics.len())));
                }
                for (m, s) in q.metrics.iter().zip(states) {
                    if s.metric() != *m {
                        return Err(Error::Merge(format!("{}: a state of {} where {m} belongs", at(), s.metric())));
                    }
                    s.check().map_err(|e| Error::Merge(format!("{}, state of {m}: {e}", at())))?;
                }
            }
        }
        Ok(())
    }

    /// The JSON form (for debugging; [`Partial::from_json`] reads it back).
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|e| Error::Merge(format!("encoding partial results as JSON: {e}")))
    }

    /// Reads [`Partial::to_json`], with the same checks as [`Partial::from_bytes`]; a value of
    /// the wrong type is named by its path (`cells[0][1][1][0]`).
    pub fn from_json(text: &str) -> Result<Partial> {
        let mut de = serde_json::Deserializer::from_str(text);
        let p: Partial = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            let at = if path == "." || path.is_empty() { String::new() } else { format!(" at {path}") };
            Error::Merge(format!("partial result JSON{at}: {}", e.into_inner()))
        })?;
        de.end().map_err(|e| Error::Merge(format!("partial result JSON: {e}")))?;
        Ok(p)
    }
}

fn describe(k: &GroupKey) -> String {
    let vals: Vec<String> = k.values[..(k.level as usize).min(k.values.len())].iter().map(|v| format!("{v:?}")).collect();
    format!("[{}] (level {})", vals.join(", "), k.level)
}

type Cells = Vec<Vec<(GroupKey, Vec<KpiState>)>>;

/// The fields of the JSON document shared with its borrowed form (owned, for decoding).
#[derive(Deserialize)]
struct Body {
    query: Query,
    currency: Option<Currency>,
    coverage: Coverage,
    cells: Cells,
}

/// The same, borrowed (for encoding). States are tagged with their metric's id here
/// (`{"close_rate": {…}}`); the bytes leave the tag out (`binary.rs`).
#[derive(Serialize)]
struct BodyRef<'a> {
    query: &'a Query,
    currency: &'a Option<Currency>,
    coverage: &'a Coverage,
    cells: Vec<Vec<(&'a GroupKey, &'a Vec<KpiState>)>>,
}

impl Body {
    fn of(p: &Partial) -> BodyRef<'_> {
        BodyRef {
            query: &p.query,
            currency: &p.currency,
            coverage: &p.coverage,
            cells: p.cells.iter().map(|m| m.iter().collect()).collect(),
        }
    }
    fn into_partial(self, reference: Option<u64>) -> Partial {
        Partial {
            query: self.query,
            currency: self.currency,
            cells: self.cells.into_iter().map(|m| m.into_iter().collect::<BTreeMap<_, _>>()).collect(),
            coverage: self.coverage,
            reference,
        }
    }
}

/// The JSON document: the body's fields with the format's name and version and the
/// fingerprints in hex.
#[derive(Serialize)]
struct DocRef<'a> {
    format: &'static str,
    version: u16,
    query_fingerprint: String,
    reference_fingerprint: Option<String>,
    #[serde(flatten)]
    body: BodyRef<'a>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Doc {
    format: String,
    version: u16,
    query_fingerprint: String,
    #[serde(default)]
    reference_fingerprint: Option<String>,
    query: Query,
    #[serde(default)]
    currency: Option<Currency>,
    #[serde(default)]
    coverage: Coverage,
    cells: Cells,
}

impl Serialize for Partial {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        DocRef {
            format: FORMAT_NAME,
            version: Self::FORMAT_VERSION,
            query_fingerprint: hex(Some(self.query_fingerprint())),
            reference_fingerprint: self.reference.map(|f| hex(Some(f))),
            body: Body::of(self),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Partial {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error as _;
        let doc = Doc::deserialize(d)?;
        if doc.format != FORMAT_NAME {
            return Err(D::Error::custom(format!("format {:?} is not {FORMAT_NAME:?}", doc.format)));
        }
        if doc.version != Partial::FORMAT_VERSION {
            return Err(D::Error::custom(format!(
                "partial result format version {}; this build reads version {}",
                doc.version,
                Partial::FORMAT_VERSION
            )));
        }
        let reference = match doc.reference_fingerprint {
            None => None,
            Some(h) => Some(u64::from_str_radix(&h, 16).map_err(|_| D::Error::custom(format!("reference_fingerprint {h:?} is not hex")))?),
        };
        let p = Body { query: doc.query, currency: doc.currency, coverage: doc.coverage, cells: doc.cells }.into_partial(reference);
        if hex(Some(p.query_fingerprint())) != doc.query_fingerprint {
            return Err(D::Error::custom("the query does not match query_fingerprint (edited by hand?)"));
        }
        p.validate().map_err(|e| D::Error::custom(if let Error::Merge(m) = e { m } else { e.to_string() }))?;
        Ok(p)
    }
}
