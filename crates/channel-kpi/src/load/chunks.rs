//! Converting the rows of one source ([`RowContext`]): row by row, or on every core in chunks
//! kept in row order.
//!
//! The calling thread hands out chunks of rows; one worker per core converts a chunk with the
//! same [`RowContext::convert`] as a row-by-row read and sends the results back; the calling
//! thread hands them to `out` in row order. So the dataset, the report, the first error (the
//! default) and every error (`collect_errors`) are those of a row-by-row read.
//!
//! Where the chunks come from:
//! * an in-memory table ([`Job::Slice`]): zero-copy slices of its record batches, which the
//!   worker reads itself;
//! * a file with one header (CSV, Parquet): the calling thread reads [`CHUNK_ROWS`] rows into
//!   one owned [`RowChunk`] (the cells' text in one buffer) while the workers convert earlier
//!   chunks. JSON Lines rows each have their own keys and are read row by row.

use super::mapping::KindMapping;
use super::records::{Next, Records};
use super::row::{AttrFilter, Cells, Header, LookupTable, MappedRow};
use crate::error::{Error, Result};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::mpsc::{RecvTimeoutError, TryRecvError, TrySendError, channel, sync_channel};

/// A row converter: pure, so tables can be converted on several threads.
pub(super) type Convert<'c, T> = &'c (dyn Fn(&MappedRow) -> Result<T> + Sync);

/// What every row of one source is read with.
pub(super) struct RowContext<'a> {
    pub(super) map: &'a KindMapping,
    pub(super) formats: &'a [String],
    pub(super) tables: &'a [LookupTable],
    pub(super) name: &'a str,
}

impl RowContext<'_> {
    /// Converts every row of `recs`, handing each result to `out` with its line; stops after
    /// the first bad row unless `collect`. `Err` only for what ends the read (I/O, interrupt).
    pub(super) fn convert<T>(
        &self,
        recs: &mut dyn Records,
        conv: Convert<'_, T>,
        collect: bool,
        first_row: &mut dyn FnMut(u64, &dyn Cells) -> Result<()>,
        out: &mut dyn FnMut(u64, Result<T>) -> Result<()>,
    ) -> Result<()> {
        let attr_filter = AttrFilter::new(self.map);
        let mut first = true;
        loop {
            crate::interrupt::check()?;
            let (line, result) = match recs.next_record()? {
                Next::End => return Ok(()),
                Next::Bad(e) => (None, Err(e)),
                Next::Row(line, rec) => {
                    if std::mem::take(&mut first) {
                        first_row(line, rec)?;
                    }
                    let row = MappedRow::new(rec, self.map, self.formats, self.tables, self.name, line);
                    (Some(line), row.and_then(|row| conv(&row.with_attr_filter(&attr_filter))))
                }
            };
            let failed = result.is_err();
            out(line.unwrap_or(0), result)?;
            if failed && !collect {
                return Ok(());
            }
        }
    }
}

/// What a row's first sight is checked with (the columns of the header).
type FirstRow<'a> = &'a mut dyn FnMut(u64, &dyn Cells) -> Result<()>;

/// The rows of a converted chunk: each row's line and result (`Err`: the read ended).
type ChunkRows<T> = Result<Vec<(u64, Result<T>)>>;

/// A converted chunk: its index and its rows.
type Converted<T> = (usize, ChunkRows<T>);

/// Rows a worker converts at a time. A few chunks are in flight at once (read, converting,
/// waiting their turn), which is most of a query on files' memory (`load::run_files`): at 16 k
/// rows that was ≈ 100 MB; 4 k rows hold ≈ 60 MB and load no slower (1 M deals, 2 cores).
pub(super) const CHUNK_ROWS: usize = 4 * 1024;

/// Threads to convert `rows` rows on (`None`: unknown, as for a file): one per core, fewer
/// for a small table.
pub(super) fn threads_for(rows: Option<usize>) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    rows.map_or(cores, |r| cores.min(r.div_ceil(CHUNK_ROWS)))
}

/// Work for a converting thread.
pub(super) enum Job {
    /// Rows `start .. start + CHUNK_ROWS` of the in-memory table.
    #[cfg(feature = "arrow")]
    Slice(usize),
    /// Rows read from a file.
    Rows(RowChunk),
}

/// Rows of a file copied out of the reader: every cell's text in one buffer.
pub(super) struct RowChunk {
    header: Arc<Header>,
    text: String,
    /// End of each cell in `text`.
    ends: Vec<usize>,
    rows: Vec<Entry>,
}

enum Entry {
    /// A row: its line, its first cell (index into `ends`) and its number of cells.
    Row(u64, usize, usize),
    /// A row the reader could not read.
    Bad(Option<Error>),
}

impl RowChunk {
    fn new(header: Arc<Header>) -> Self {
        RowChunk { header, text: String::new(), ends: Vec::new(), rows: Vec::with_capacity(CHUNK_ROWS) }
    }
    fn push(&mut self, line: u64, rec: &dyn Cells) {
        let first = self.ends.len();
        for i in 0..self.header.names().len() {
            let Some(v) = rec.cell_at(i) else { break };
            self.text.push_str(v);
            self.ends.push(self.text.len());
        }
        self.rows.push(Entry::Row(line, first, self.ends.len() - first));
    }
    fn len(&self) -> usize {
        self.rows.len()
    }
}

/// The rows of a [`RowChunk`], lent one by one like a file reader's.
struct ChunkRecords {
    chunk: RowChunk,
    next: usize,
    /// The current row: first cell and number of cells.
    cells: (usize, usize),
}

impl Cells for ChunkRecords {
    fn cell(&self, column: &str) -> Option<&str> {
        self.chunk.header.index_of(column).map(|i| self.cell_at(i).unwrap_or(""))
    }
    fn cell_at(&self, i: usize) -> Option<&str> {
        let (first, n) = self.cells;
        (i < n).then(|| {
            let start = if first + i == 0 { 0 } else { self.chunk.ends[first + i - 1] };
            &self.chunk.text[start..self.chunk.ends[first + i]]
        })
    }
    fn pairs(&self) -> Vec<(&str, &str)> {
        self.chunk.header.names().iter().enumerate().map(|(i, n)| (n.as_str(), self.cell_at(i).unwrap_or(""))).collect()
    }
    fn header(&self) -> Option<&Arc<Header>> {
        Some(&self.chunk.header)
    }
}

impl Records for ChunkRecords {
    fn next_record(&mut self) -> Result<Next<'_>> {
        let Some(e) = self.chunk.rows.get_mut(self.next) else { return Ok(Next::End) };
        self.next += 1;
        match e {
            Entry::Row(line, first, n) => {
                let line = *line;
                self.cells = (*first, *n);
                Ok(Next::Row(line, self))
            }
            Entry::Bad(e) => Ok(Next::Bad(e.take().unwrap_or_else(|| Error::Query("a bad row read twice".into())))),
        }
    }
}

/// Where the chunks of one source come from.
pub(super) enum Chunks<'a> {
    /// An in-memory table of `rows` rows.
    #[cfg(feature = "arrow")]
    Table(&'a [arrow_array::RecordBatch], usize),
    /// A file reader with a fixed header, and what to do with its first row (check the
    /// columns) before any row is converted.
    File(&'a mut dyn Records, FirstRow<'a>),
}

impl RowContext<'_> {
    /// Converts every row on `threads` threads (see the module doc); `out` gets them in row
    /// order. `Err` only for what ends the read (I/O, interrupt, a bad row when `out` says so).
    pub(super) fn convert_parallel<T: Send>(
        &self,
        mut source: Chunks<'_>,
        threads: usize,
        conv: Convert<'_, T>,
        collect: bool,
        out: &mut dyn FnMut(u64, Result<T>) -> Result<()>,
    ) -> Result<()> {
        let stop = Arc::new(AtomicBool::new(false));
        let (jobs, todo) = sync_channel::<(usize, Job)>(threads);
        let todo = std::sync::Mutex::new(todo);
        let (done_tx, done) = channel::<Converted<T>>();
        std::thread::scope(|s| {
            for _ in 0..threads {
                let (done_tx, stop, todo) = (done_tx.clone(), stop.clone(), &todo);
                #[cfg(feature = "arrow")]
                let table = match &source {
                    Chunks::Table(b, _) => Some(*b),
                    Chunks::File(..) => None,
                };
                s.spawn(move || {
                    let flag = stop.clone();
                    crate::interrupt::with_hook(
                        move || flag.load(Relaxed),
                        || {
                            while let Ok((c, job)) = todo.lock().map_err(|_| ()).and_then(|t| t.recv().map_err(|_| ())) {
                                if stop.load(Relaxed) {
                                    return;
                                }
                                let mut recs: Box<dyn Records> = match job {
                                    #[cfg(feature = "arrow")]
                                    Job::Slice(start) => Box::new(crate::arrow::ArrowRecords::rows_of(
                                        table.unwrap_or_default(),
                                        start,
                                        CHUNK_ROWS,
                                        self.name,
                                    )),
                                    Job::Rows(chunk) => Box::new(ChunkRecords { chunk, next: 0, cells: (0, 0) }),
                                };
                                let mut rows = Vec::with_capacity(CHUNK_ROWS);
                                let mut keep = |line, t| {
                                    rows.push((line, t));
                                    Ok(())
                                };
                                let r = self.convert(&mut *recs, conv, collect, &mut |_, _| Ok(()), &mut keep);
                                if done_tx.send((c, r.map(|()| rows))).is_err() {
                                    return;
                                }
                            }
                        },
                    )
                });
            }
            drop(done_tx);
            let mut order = InOrder { pending: Default::default(), want: 0, out };
            let result = (|| {
                // Hand out every chunk, keeping what is done meanwhile.
                let mut c = 0;
                loop {
                    crate::interrupt::poll()?;
                    let job = match &mut source {
                        #[cfg(feature = "arrow")]
                        Chunks::Table(_, rows) => (c * CHUNK_ROWS < *rows).then_some(Job::Slice(c * CHUNK_ROWS)),
                        Chunks::File(recs, first_row) => read_chunk(&mut **recs, (c == 0).then_some(&mut **first_row))?.map(Job::Rows),
                    };
                    let Some(mut job) = job else { break };
                    // Waiting for room, keep what is done (and notice workers that are gone).
                    while let Err(e) = jobs.try_send((c, job)) {
                        job = match e {
                            TrySendError::Full((_, j)) => j,
                            TrySendError::Disconnected(_) => return Err(stopped()),
                        };
                        match done.recv_timeout(std::time::Duration::from_millis(1)) {
                            Ok(d) => order.take(d)?,
                            Err(RecvTimeoutError::Timeout) => crate::interrupt::poll()?,
                            Err(RecvTimeoutError::Disconnected) => return Err(stopped()),
                        }
                    }
                    c += 1;
                    loop {
                        match done.try_recv() {
                            Ok(d) => order.take(d)?,
                            Err(TryRecvError::Empty) => break,
                            Err(TryRecvError::Disconnected) => return Err(stopped()),
                        }
                    }
                }
                drop(jobs);
                while order.want < c {
                    crate::interrupt::poll()?;
                    match done.recv_timeout(std::time::Duration::from_millis(10)) {
                        Ok(d) => order.take(d)?,
                        Err(RecvTimeoutError::Timeout) => continue,
                        Err(RecvTimeoutError::Disconnected) => return Err(stopped()),
                    }
                }
                Ok(())
            })();
            // Workers still converting stop at their next chunk (or row, via the hook).
            stop.store(true, Relaxed);
            result
        })
    }
}

/// Every worker ended before its work did (a panic).
fn stopped() -> Error {
    Error::Query("the threads converting rows stopped (a bug: please report it)".into())
}

/// Up to [`CHUNK_ROWS`] rows of `recs` copied out (`None` at the end); `first_row` sees the
/// first row before it is copied.
fn read_chunk(recs: &mut dyn Records, mut first_row: Option<FirstRow<'_>>) -> Result<Option<RowChunk>> {
    let mut chunk: Option<RowChunk> = None;
    while chunk.as_ref().is_none_or(|c| c.len() < CHUNK_ROWS) {
        match recs.next_record()? {
            Next::End => break,
            Next::Bad(e) => chunk.get_or_insert_with(|| RowChunk::new(Arc::default())).rows.push(Entry::Bad(Some(e))),
            Next::Row(line, rec) => {
                if let Some(f) = first_row.take() {
                    f(line, rec)?;
                }
                let c = chunk.get_or_insert_with(|| RowChunk::new(rec.header().cloned().unwrap_or_default()));
                if c.header.names().is_empty() {
                    c.header = rec.header().cloned().unwrap_or_default();
                }
                c.push(line, rec);
            }
        }
    }
    Ok(chunk)
}

/// Converted chunks, arriving in any order, handed on in row order.
struct InOrder<'o, T> {
    pending: std::collections::BTreeMap<usize, ChunkRows<T>>,
    want: usize,
    out: &'o mut dyn FnMut(u64, Result<T>) -> Result<()>,
}

impl<T> InOrder<'_, T> {
    fn take(&mut self, (c, rows): Converted<T>) -> Result<()> {
        self.pending.insert(c, rows);
        while let Some(rows) = self.pending.remove(&self.want) {
            self.want += 1;
            for (line, r) in rows? {
                (self.out)(line, r)?;
            }
        }
        Ok(())
    }
}
