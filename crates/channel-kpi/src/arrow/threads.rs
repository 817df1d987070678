//! The parallel entry points of the columnar path: in-memory batches split into one range of
//! rows per thread ([`fold_deal_batches`]), a stream read a few batches at a time
//! ([`fold_deal_stream`]); each thread folds into its own [`DealFolder`], whose tallies are then
//! summed into one.

use super::folder::{DEALS, DealFolder};
use super::input::Batches;
use crate::engine::{Engine, Partial, Query, Reference};
use crate::error::{Error, Location, Result};
use arrow_array::RecordBatch;

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
    let results: Vec<Result<DealFolder>> = std::thread::scope(|s| {
        let handles: Vec<_> = parts
            .iter()
            .map(|(row, bs)| {
                s.spawn(move || {
                    let mut f = DealFolder::new(query, refs)?.starting_at_row(*row);
                    for b in bs {
                        f.push_batch(b)?;
                    }
                    Ok(f)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(Error::Query("a folding thread panicked".into())))).collect()
    });
    combine(results.into_iter().collect::<Result<Vec<_>>>()?, query, refs)
}

/// One partial from the folders of several threads: their tallies summed group by group
/// into the first folder (integer adds), which is then finished once; the row-path parts
/// merged by [`Partial::merge`].
fn combine(folders: Vec<DealFolder>, query: &Query, refs: &Reference) -> Result<Partial> {
    let mut folders = folders.into_iter();
    let Some(mut first) = folders.next() else { return Ok(Engine::new(query, refs)?.into_partial()) };
    let mut rest = Vec::new();
    for mut f in folders {
        first.absorb(&mut f)?;
        rest.push(f.into_partial()?);
    }
    let mut out = first.into_partial()?;
    for p in &rest {
        out.merge(p)?;
    }
    Ok(out)
}

/// Folds a stream of batches (an Arrow reader, a Parquet or CSV file read in batches) with
/// memory bounded by `threads` batches plus the states: `threads` batches are read, folded in
/// parallel (one [`DealFolder`] per thread, kept across rounds), and dropped before the next
/// ones are read; the folders' states are merged at the end.
pub fn fold_deal_stream(query: &Query, refs: &Reference, mut batches: Batches, threads: usize) -> Result<Partial> {
    let threads = if threads == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { threads }.max(1);
    let mut folders: Vec<DealFolder> = (0..threads).map(|_| DealFolder::new(query, refs)).collect::<Result<_>>()?;
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
            let handles: Vec<_> = folders
                .iter_mut()
                .zip(&round)
                .map(|(f, (start, b))| {
                    s.spawn(move || {
                        let keep = f.row;
                        f.row = *start;
                        let r = f.push_batch(b);
                        f.row = keep;
                        r
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(Error::Query("a folding thread panicked".into())))).collect()
        });
        results.into_iter().collect::<Result<Vec<()>>>()?;
    }
    combine(folders, query, refs)
}
