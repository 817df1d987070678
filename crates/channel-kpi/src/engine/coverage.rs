//! [`Part`] and [`Coverage`]: which parts of the input a [`super::Partial`] holds, so that
//! merging the same part twice (a retried Spark task, a partial merged twice) is an error
//! instead of a doubled KPI.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// One part of the input: a caller-given id (`deals:17`, a file path, a Spark partition), and
/// optionally a half-open row range `[start, end)` within it. Two parts overlap when they have
/// the same id and either has no range, or their ranges share a row.
///
/// ```
/// use channel_kpi::Part;
/// assert!(Part::rows("deals.parquet", 0, 100).overlaps(&Part::rows("deals.parquet", 99, 200)));
/// assert!(!Part::rows("deals.parquet", 0, 100).overlaps(&Part::rows("deals.parquet", 100, 200)));
/// assert!(Part::id("deals.parquet").overlaps(&Part::rows("deals.parquet", 5, 6)));
/// assert!(!Part::id("a").overlaps(&Part::id("b")));
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Part {
    /// The part's id (or the file its rows come from).
    pub id: String,
    /// Rows `[start, end)` of it, or the whole of it.
    pub rows: Option<(u64, u64)>,
}

impl Part {
    /// The id of the part that streams the partner records of the reference data (see
    /// [`crate::Reference::partial`]).
    pub const REFERENCE: &'static str = "reference:partners";

    /// A whole part, by id.
    pub fn id(id: impl Into<String>) -> Part {
        Part { id: id.into(), rows: None }
    }
    /// Rows `[start, end)` of a file or table.
    pub fn rows(id: impl Into<String>, start: u64, end: u64) -> Part {
        Part { id: id.into(), rows: Some((start, end)) }
    }
    /// Whether the two parts share input.
    pub fn overlaps(&self, o: &Part) -> bool {
        self.id == o.id
            && match (self.rows, o.rows) {
                (Some((a, b)), Some((c, d))) => a < d && c < b,
                _ => true,
            }
    }
    /// A usable part: a non-empty id, a non-empty range.
    pub fn validate(&self) -> Result<()> {
        if self.id.is_empty() {
            return Err(Error::Merge("a part id must not be empty".into()));
        }
        if let Some((a, b)) = self.rows
            && a >= b
        {
            return Err(Error::Merge(format!("part {self}: the row range is empty (start {a} ≥ end {b})")));
        }
        Ok(())
    }
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.rows {
            Some((a, b)) => write!(f, "{:?} rows {a}..{b}", self.id),
            None => write!(f, "{:?}", self.id),
        }
    }
}

/// The parts a partial covers: per id, the whole of it or disjoint sorted row ranges. Empty
/// for a partial folded without naming its part (it then merges with anything).
///
/// Serialized as a list of `[id, null]` (whole) and `[id, [[start, end], …]]`.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(try_from = "Vec<(String, Option<Vec<(u64, u64)>>)>", into = "Vec<(String, Option<Vec<(u64, u64)>>)>")]
pub struct Coverage(BTreeMap<String, Option<Vec<(u64, u64)>>>);

impl Coverage {
    /// The coverage of one part.
    pub fn of(part: &Part) -> Result<Coverage> {
        let mut c = Coverage::default();
        c.add(part)?;
        Ok(c)
    }
    /// Whether no part is recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The parts, in id order (adjacent row ranges of one id joined).
    pub fn parts(&self) -> Vec<Part> {
        let mut out = Vec::new();
        for (id, rows) in &self.0 {
            match rows {
                None => out.push(Part::id(id.clone())),
                Some(r) => out.extend(r.iter().map(|&(a, b)| Part::rows(id.clone(), a, b))),
            }
        }
        out
    }
    /// Adds a part; an error naming it when it overlaps a part already covered.
    pub fn add(&mut self, part: &Part) -> Result<()> {
        part.validate()?;
        let twice = |p: &Part| Error::Merge(format!("part {p} would be counted twice: it is already covered by this partial result"));
        match (self.0.get_mut(&part.id), part.rows) {
            (None, rows) => {
                self.0.insert(part.id.clone(), rows.map(|r| vec![r]));
            }
            (Some(None), _) | (Some(Some(_)), None) => return Err(twice(part)),
            (Some(Some(ranges)), Some((a, b))) => {
                let i = ranges.partition_point(|&(_, e)| e <= a);
                if ranges.get(i).is_some_and(|&(s, _)| s < b) {
                    return Err(twice(part));
                }
                ranges.insert(i, (a, b));
                // join with the neighbours when adjacent
                if i + 1 < ranges.len() && ranges[i].1 == ranges[i + 1].0 {
                    ranges[i].1 = ranges.remove(i + 1).1;
                }
                if i > 0 && ranges[i - 1].1 == ranges[i].0 {
                    ranges[i - 1].1 = ranges.remove(i).1;
                }
            }
        }
        Ok(())
    }
    /// The union of two coverages; an error naming the first part both cover.
    pub fn union(&self, o: &Coverage) -> Result<Coverage> {
        let mut c = self.clone();
        for p in o.parts() {
            c.add(&p)?;
        }
        Ok(c)
    }
}

impl TryFrom<Vec<(String, Option<Vec<(u64, u64)>>)>> for Coverage {
    type Error = Error;
    fn try_from(v: Vec<(String, Option<Vec<(u64, u64)>>)>) -> Result<Self> {
        let mut c = Coverage::default();
        for (id, rows) in v {
            match rows {
                None => c.add(&Part::id(id))?,
                Some(r) => r.into_iter().try_for_each(|(a, b)| c.add(&Part::rows(id.clone(), a, b)))?,
            }
        }
        Ok(c)
    }
}
impl From<Coverage> for Vec<(String, Option<Vec<(u64, u64)>>)> {
    fn from(c: Coverage) -> Self {
        c.0.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_join_and_overlaps_are_refused() {
        let mut c = Coverage::default();
        c.add(&Part::rows("f", 10, 20)).unwrap();
        c.add(&Part::rows("f", 0, 10)).unwrap();
        c.add(&Part::rows("f", 30, 40)).unwrap();
        c.add(&Part::rows("f", 20, 30)).unwrap();
        assert_eq!(c.parts(), vec![Part::rows("f", 0, 40)]);
        let e = c.add(&Part::rows("f", 39, 41)).unwrap_err().to_string();
        assert!(e.contains("\"f\" rows 39..41 would be counted twice"), "{e}");
        assert!(c.add(&Part::id("f")).is_err());
        c.add(&Part::id("g")).unwrap();
        assert!(c.add(&Part::rows("g", 0, 1)).is_err());
        assert!(c.add(&Part::rows("h", 3, 3)).unwrap_err().to_string().contains("empty"));
    }

    #[test]
    fn union_and_serde() {
        let a = Coverage::of(&Part::id("deals:0")).unwrap();
        let b = Coverage::of(&Part::rows("x.csv", 0, 5)).unwrap();
        let ab = a.union(&b).unwrap();
        assert!(ab.union(&a).unwrap_err().to_string().contains("\"deals:0\" would be counted twice"));
        let json = serde_json::to_string(&ab).unwrap();
        assert_eq!(json, r#"[["deals:0",null],["x.csv",[[0,5]]]]"#);
        assert_eq!(serde_json::from_str::<Coverage>(&json).unwrap(), ab);
        assert!(serde_json::from_str::<Coverage>(r#"[["a",null],["a",null]]"#).is_err());
    }
}
