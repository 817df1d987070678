//! The compact bytes of a [`Partial`] ([`Partial::to_bytes`], [`Partial::from_bytes`]), to ship
//! between machines: a 50-byte header, then the body in [postcard](https://postcard.jamesmunns.com)
//! (a documented, stable, compact serde format: varints, no field names).
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `\x89CKP\r\n\x1a\n` |
//! | 8 | 2 | format version (u16 LE), [`Partial::FORMAT_VERSION`] |
//! | 10 | 8 | fingerprint of the state layouts of the query's metrics (below) |
//! | 18 | 8 | fingerprint of the query |
//! | 26 | 8 | fingerprint of the reference data (0: not recorded) |
//! | 34 | 8 | body length |
//! | 42 | 8 | FNV-1a 64 checksum of the body (any changed byte changes it) |
//!
//! The body: the normalized query, the currency, the parts covered, then per window its cells:
//! the group key and, for each metric of the query in its order, that metric's state in
//! postcard (as a byte string). A state carries no tag naming its metric (the query's metrics
//! say whose it is), so nothing in a partial depends on the other metrics a build knows:
//! **adding a KPI is a compatible change**, and a partial written before it keeps loading.
//!
//! What the stored states do depend on is their own layout: the layout fingerprint is FNV-1a 64
//! of the JSON list of the query's metrics' [`Metric::state_layout`]s (id, the KPI's
//! `STATE_VERSION`, the JSON of its empty state: field names, nesting, number or text). A
//! partial whose metric's state changed shape since it was written is refused ("written by a
//! build whose partial states of close_rate are laid out differently"), never misread.
//!
//! Fingerprints are FNV-1a 64 of canonical JSON: stable across builds and machines, not
//! cryptographic.

use super::coverage::Coverage;
use super::fingerprint::{fingerprint_of, fnv};
use super::groups::GroupKey;
use super::metric::Metric;
use super::partial::Partial;
use super::query::Query;
use super::registry::KpiState;
use crate::error::{Error, Result};
use crate::money::Currency;
use serde::{Deserialize, Serialize, Serializer};
use std::collections::BTreeMap;

const MAGIC: &[u8; 8] = b"\x89CKP\r\n\x1a\n";
const HEADER: usize = 50;

/// The fingerprint of the state layouts of `metrics`, in order (header offset 10).
fn layout_fingerprint(metrics: &[Metric]) -> u64 {
    fingerprint_of(&metrics.iter().map(Metric::state_layout).collect::<Vec<_>>())
}

impl Partial {
    /// The compact encoding (see the module docs). Errors only if a state cannot be encoded.
    ///
    /// ```
    /// use channel_kpi::{Dataset, Metric, Partial, Period, Query};
    /// let q = Query::new(vec![Metric::CloseRate], Period::parse("2025").unwrap());
    /// let p = Dataset::default().partial(&q).unwrap();
    /// let mut bytes = p.to_bytes().unwrap();
    /// assert_eq!(Partial::from_bytes(&bytes).unwrap(), p);
    /// bytes[9] = 7; // format version 0x0702
    /// let e = Partial::from_bytes(&bytes).unwrap_err().to_string();
    /// assert!(e.contains("format version 1794"), "{e}");
    /// ```
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let encode = |s: &KpiState| postcard::to_stdvec(&Untagged(s));
        let cells = self
            .cells
            .iter()
            .map(|m| m.iter().map(|(k, states)| Ok((k, states.iter().map(encode).collect::<std::result::Result<Vec<_>, _>>()?))).collect())
            .collect::<std::result::Result<Vec<Vec<_>>, postcard::Error>>()
            .map_err(|e| Error::Merge(format!("encoding partial results: {e}")))?;
        let body = BodyRef { query: &self.query, currency: &self.currency, coverage: &self.coverage, cells };
        let body = postcard::to_stdvec(&body).map_err(|e| Error::Merge(format!("encoding partial results: {e}")))?;
        let mut out = Vec::with_capacity(HEADER + body.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&Self::FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&layout_fingerprint(&self.query.metrics).to_le_bytes());
        out.extend_from_slice(&self.query_fingerprint().to_le_bytes());
        out.extend_from_slice(&self.reference.unwrap_or(0).to_le_bytes());
        out.extend_from_slice(&(body.len() as u64).to_le_bytes());
        out.extend_from_slice(&fnv(&body).to_le_bytes());
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// Decodes [`Partial::to_bytes`] and validates it ([`Partial::validate`]). Refuses, with a
    /// [`Error::Merge`] saying which: bytes that are not a partial, another format version, a
    /// truncated or altered body, a query that does not match its fingerprint, a metric whose
    /// state layout changed since the bytes were written, a state whose invariants fail.
    pub fn from_bytes(bytes: &[u8]) -> Result<Partial> {
        let bad = |m: String| Error::Merge(format!("partial result bytes: {m}"));
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            let json = bytes.first() == Some(&b'{');
            return Err(bad(format!(
                "not a channel-kpi partial result (no magic number{})",
                if json { "; this looks like JSON: decode it with from_json" } else { "" }
            )));
        }
        if bytes.len() < HEADER {
            return Err(bad(format!("truncated: {} bytes, the header alone has {HEADER}", bytes.len())));
        }
        let u64_at = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().unwrap_or_default());
        let version = u16::from_le_bytes([bytes[8], bytes[9]]);
        if version != Self::FORMAT_VERSION {
            return Err(bad(format!("format version {version}; this build reads version {}", Self::FORMAT_VERSION)));
        }
        let (len, sum) = (u64_at(34), u64_at(42));
        let body = &bytes[HEADER..];
        if body.len() as u64 != len {
            return Err(bad(format!("truncated or padded: the header announces {len} bytes of states, {} follow", body.len())));
        }
        if fnv(body) != sum {
            return Err(bad("corrupted: the checksum of the states does not match (bytes altered in transit or by hand)".into()));
        }
        let b: Body = postcard::from_bytes(body).map_err(|e| bad(format!("cannot decode the states: {e}")))?;
        if fingerprint_of(&b.query) != u64_at(18) {
            return Err(bad("the query does not match the fingerprint in the header".into()));
        }
        if layout_fingerprint(&b.query.metrics) != u64_at(10) {
            let ids: Vec<&str> = b.query.metrics.iter().map(|m| m.id()).collect();
            return Err(bad(format!(
                "written by a build whose partial states of {} are laid out differently; fold the parts again with this build",
                ids.join(", ")
            )));
        }
        let p = b.into_partial(Some(u64_at(26)).filter(|&f| f != 0)).map_err(bad)?;
        p.validate()?;
        Ok(p)
    }
}

/// A state encoded without the tag naming its metric.
struct Untagged<'a>(&'a KpiState);
impl Serialize for Untagged<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.0.serialize_untagged(s)
    }
}

/// A cell's states, each encoded on its own (untagged), in the order of the query's metrics.
type Encoded = Vec<Vec<u8>>;

/// The body, borrowed (for encoding): per window, per cell, the states' bytes.
#[derive(Serialize)]
struct BodyRef<'a> {
    query: &'a Query,
    currency: &'a Option<Currency>,
    coverage: &'a Coverage,
    cells: Vec<Vec<(&'a GroupKey, Encoded)>>,
}

/// The body, owned (for decoding): the states still as bytes until the query says whose they are.
#[derive(Deserialize)]
struct Body {
    query: Query,
    currency: Option<Currency>,
    coverage: Coverage,
    cells: Vec<Vec<(GroupKey, Encoded)>>,
}

impl Body {
    /// The partial, each state decoded as its metric's; the error names the window, the group
    /// and the metric of a state that does not decode.
    fn into_partial(self, reference: Option<u64>) -> std::result::Result<Partial, String> {
        let metrics = &self.query.metrics;
        let mut cells = Vec::with_capacity(self.cells.len());
        for (wi, window) in self.cells.into_iter().enumerate() {
            let mut map = BTreeMap::new();
            for (key, encoded) in window {
                if encoded.len() != metrics.len() {
                    return Err(format!("window {wi}, group {:?}: {} states for {} metrics", key.values, encoded.len(), metrics.len()));
                }
                let states = metrics
                    .iter()
                    .zip(&encoded)
                    .map(|(m, bytes)| {
                        decode_state(*m, bytes).map_err(|e| format!("window {wi}, group {:?}, state of {m}: {e}", key.values))
                    })
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                map.insert(key, states);
            }
            cells.push(map);
        }
        Ok(Partial { query: self.query, currency: self.currency, cells, coverage: self.coverage, reference })
    }
}

/// One state of metric `m` from its bytes (all of them).
fn decode_state(m: Metric, bytes: &[u8]) -> std::result::Result<KpiState, String> {
    let mut de = postcard::Deserializer::from_bytes(bytes);
    let state = m.deserialize_state(&mut de).map_err(|e| format!("cannot decode: {e}"))?;
    match de.finalize() {
        Ok([]) => Ok(state),
        Ok(rest) => Err(format!("{} bytes left after the state", rest.len())),
        Err(e) => Err(format!("cannot decode: {e}")),
    }
}
