//! Deals tables folded straight into partial states, on the one engine: each batch is read into
//! a chunk of [`Deals`] columns by the typed reading the loader gives every deals table
//! (`load/mapped_batch.rs` through the default mapping: [`super::append_deals`] for the deal
//! fields, [`super::append_attrs`] for the other columns, kept as attrs under its
//! `attrs: "all"`) and folded by [`Engine::push_deals`] — the fold `Dataset::run`, `ck.query`
//! and the C and CLI queries run. A batch the typed reading does not take (a deal field of
//! another type, an attr column of a type the row path refuses, a bad value) goes through the
//! loader's conversions ([`super::load_tables`] of that batch), whose errors name the table
//! `deals`, the table-wide 0-based row, the column and the value.
//!
//! In-memory batches are split into one range of rows per thread ([`fold_deal_batches`]); a
//! stream is read a few batches at a time ([`fold_deal_stream`]). Each thread folds into its own
//! engine; the partial states are merged by [`Partial::merge`], exact and associative, so the
//! result does not depend on the split.
//!
//! **Trade-off:** deal ids are not checked for duplicates across batches — that needs memory
//! growing with the number of rows; load the table with [`super::load_tables`] to check them.
//!
//! ```
//! use arrow_array::{ArrayRef, Date32Array, Decimal128Array, RecordBatch, StringArray};
//! use channel_kpi::{Metric, Period, Query, Dimension, Reference};
//! use std::sync::Arc;
//! let s = |v: Vec<Option<&str>>| Arc::new(StringArray::from(v)) as ArrayRef;
//! let batch = RecordBatch::try_from_iter([
//!     ("deal_id", s(vec![Some("A"), Some("B")])),
//!     ("partner_id", s(vec![Some("p1"), None])),
//!     ("status", s(vec![Some("won"), Some("open")])),
//!     ("created_on", Arc::new(Date32Array::from(vec![20089, 20089])) as ArrayRef), // 2025-01-01
//!     ("closed_on", Arc::new(Date32Array::from(vec![Some(20099), None])) as ArrayRef),
//!     ("amount", Arc::new(Decimal128Array::from(vec![20000, 5000]).with_precision_and_scale(18, 2).unwrap()) as ArrayRef),
//!     ("currency", s(vec![Some("USD"), Some("USD")])),
//! ]).unwrap();
//! let q = Query::new(vec![Metric::WonRevenue, Metric::Pipeline], Period::parse("2025-01").unwrap()).by(Dimension::Partner);
//! let refs = Reference::default();
//! let partial = channel_kpi::arrow::fold_deal_batches(&q, &refs, &[batch], 2).unwrap();
//! let t = partial.finish(&refs).unwrap();
//! assert_eq!(t.value(1, "won_revenue").unwrap().to_string(), "200");
//! assert_eq!(t.value(0, "pipeline_value").unwrap().to_string(), "50");
//! ```

use super::input::Batches;
use crate::domain::Deals;
use crate::engine::{Engine, Partial, Query, Reference};
use crate::error::{Error, Location, Result};
use crate::load::{KindMapping, LoadOptions, Mapping, RecordKind, Source};
use arrow_array::RecordBatch;

/// The table name errors carry.
const DEALS: &str = "deals";

/// Folds in-memory batches on `threads` threads (0 = all cores): the rows are split into
/// contiguous ranges (batches sliced without copying), each folded into its own partial
/// states, then merged by [`Partial::merge`].
pub fn fold_deal_batches(query: &Query, refs: &Reference, batches: &[RecordBatch], threads: usize) -> Result<Partial> {
    let threads = if threads == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { threads };
    let total: usize = batches.iter().map(|b| b.num_rows()).sum();
    let per = total.div_ceil(threads.max(1)).max(1);
    let mut parts: Vec<(u64, Vec<RecordBatch>)> = Vec::new();
    let (mut cur, mut cur_rows, mut start) = (Vec::new(), 0usize, 0u64);
    for b in batches {
        let mut off = 0;
        while off < b.num_rows() {
            let take = (per - cur_rows).min(b.num_rows() - off);
            cur.push(b.slice(off, take));
            off += take;
            cur_rows += take;
            if cur_rows == per {
                parts.push((start, std::mem::take(&mut cur)));
                start += cur_rows as u64;
                cur_rows = 0;
            }
        }
    }
    if !cur.is_empty() || parts.is_empty() {
        parts.push((start, cur));
    }
    let results: Vec<Result<Partial>> = std::thread::scope(|s| {
        let handles: Vec<_> = parts
            .iter()
            .map(|(row, bs)| {
                s.spawn(move || {
                    let mut f = BatchFolder::new(query, refs)?;
                    let mut row = *row;
                    for b in bs {
                        f.push(b, row)?;
                        row += b.num_rows() as u64;
                    }
                    f.engine.into_partial()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(Error::Query("a folding thread panicked".into())))).collect()
    });
    merge(results)
}

/// Folds a stream of batches (an Arrow reader, a Parquet or CSV file read in batches) with
/// memory bounded by `threads` batches plus the states: `threads` batches are read, folded in
/// parallel (one engine per thread, kept across rounds), and dropped before the next ones are
/// read; the engines' states are merged at the end.
pub fn fold_deal_stream(query: &Query, refs: &Reference, mut batches: Batches, threads: usize) -> Result<Partial> {
    let threads = if threads == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { threads }.max(1);
    let mut folders: Vec<BatchFolder> = (0..threads).map(|_| BatchFolder::new(query, refs)).collect::<Result<_>>()?;
    let mut row = 0u64;
    loop {
        let mut round = Vec::with_capacity(threads);
        for _ in 0..threads {
            match batches.next() {
                None => break,
                Some(Err(e)) => {
                    let loc = Location { file: Some(DEALS.into()), row: Some(row), ..Default::default() };
                    return Err(Error::parse(loc, format!("reading the Arrow stream: {e}")));
                }
                Some(Ok(b)) => {
                    let start = row;
                    row += b.num_rows() as u64;
                    round.push((start, b));
                }
            }
        }
        if round.is_empty() {
            break;
        }
        let results: Vec<Result<()>> = std::thread::scope(|s| {
            let handles: Vec<_> = folders.iter_mut().zip(&round).map(|(f, (start, b))| s.spawn(move || f.push(b, *start))).collect();
            handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(Error::Query("a folding thread panicked".into())))).collect()
        });
        results.into_iter().collect::<Result<Vec<()>>>()?;
    }
    merge(folders.into_iter().map(|f| f.engine.into_partial()).collect())
}

/// The partials of the threads merged in order.
fn merge(parts: Vec<Result<Partial>>) -> Result<Partial> {
    let mut parts = parts.into_iter();
    let mut whole = parts.next().unwrap_or_else(|| Err(Error::Query("no parts".into())))?;
    for p in parts {
        whole.merge(&p?)?;
    }
    Ok(whole)
}

/// One thread's engine, its chunk of deal columns (reused from batch to batch) and the
/// default deals mapping the batches are read through.
struct BatchFolder<'r> {
    engine: Engine<'r>,
    chunk: Deals,
    map: KindMapping,
    /// Batches that went through the loader's conversions (none for a clean table).
    row_path: usize,
}

impl<'r> BatchFolder<'r> {
    fn new(query: &Query, refs: &'r Reference) -> Result<Self> {
        let map = Mapping::default().kind(RecordKind::Deals).clone();
        Ok(BatchFolder { engine: Engine::new(query, refs)?, chunk: Deals::default(), map, row_path: 0 })
    }

    /// Folds batch `b`, whose first row is row `row` of the table.
    fn push(&mut self, b: &RecordBatch, row: u64) -> Result<()> {
        self.chunk.truncate(0);
        if crate::load::append_mapped_deals(&mut self.chunk, b, &self.map).is_some() {
            return self.engine.push_deals_from_row(&self.chunk, 0..self.chunk.len(), Some((DEALS, row)));
        }
        self.row_path += 1;
        // the loader's conversions and checks, its errors' rows made table-wide
        let src = Source::from_arrow(RecordKind::Deals, DEALS, Box::new(std::iter::once(Ok(b.clone()))));
        let shift = |e: Error| e.map_locations(&|l: &mut Location| l.row = l.row.map(|r| r + row));
        let (data, _) = super::load_tables(vec![src], &Mapping::default(), &LoadOptions::default()).map_err(shift)?;
        self.engine.push_deals_from_row(&data.deals, 0..data.deals.len(), Some((DEALS, row)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Dimension, Metric, Period};
    use arrow_array::{ArrayRef, Date32Array, Int64Array, StringArray};
    use std::sync::Arc;

    /// Attr columns (text and numbers, kept under the default `attrs: "all"`) are read by the
    /// typed reading: no batch goes through the row path, and the attrs group the result.
    #[test]
    fn attr_columns_are_read_on_the_columnar_path() {
        let s = |v: Vec<Option<&str>>| Arc::new(StringArray::from(v)) as ArrayRef;
        let b = RecordBatch::try_from_iter([
            ("deal_id", s(vec![Some("A"), Some("B"), Some("C")])),
            ("status", s(vec![Some("open"); 3])),
            ("created_on", Arc::new(Date32Array::from(vec![20089; 3])) as ArrayRef),
            ("region", s(vec![Some(" EU "), None, Some("US")])),
            ("seats", Arc::new(Int64Array::from(vec![Some(3), Some(3), None])) as ArrayRef),
        ])
        .unwrap();
        let q = Query::new(vec![Metric::DealCount], Period::parse("2025").unwrap()).by(Dimension::Attr("region".into()));
        let refs = Reference::default();
        let mut f = BatchFolder::new(&q, &refs).unwrap();
        f.push(&b, 0).unwrap();
        f.push(&b.slice(1, 2), 3).unwrap();
        assert_eq!(f.row_path, 0, "attr columns took the row path");
        let c = &f.chunk; // the second batch: B and C
        assert_eq!((c.attr(0, "seats"), c.attr(1, "region"), c.attr(1, "seats")), (Some("3"), Some("US"), None));
        let t = f.engine.into_partial().unwrap().finish(&refs).unwrap();
        let count =
            |g: Option<&str>| t.rows_for(&[g]).iter().map(|&r| t.value(r, "created_count").unwrap().to_string()).collect::<Vec<_>>();
        assert_eq!(
            (count(Some("EU")), count(Some("US")), count(None)),
            (vec!["1".to_string()], vec!["2".to_string()], vec!["2".to_string()])
        );
        // a column of a type the row path refuses still goes to the row path, which names it
        let list = arrow_array::ListArray::from_iter_primitive::<arrow_array::types::Int32Type, _, _>(vec![Some(vec![Some(1)]); 3]);
        let odd = crate::arrow::with_column(&b, "tags", Arc::new(list));
        let mut f = BatchFolder::new(&q, &refs).unwrap();
        let e = f.push(&odd, 0).unwrap_err().to_string();
        assert_eq!(f.row_path, 1);
        assert!(e.contains("tags"), "{e}");
    }
}
