//! A JSON Lines file's raw bytes cut into chunks at line ends, each chunk's lines decoded on
//! every core, the results handed back in file order: the line-oriented sibling of
//! `load/csv_chunks.rs` (a JSON Lines record never spans lines: a line break inside a string
//! is written `\n`).
//!
//! The calling thread reads and cuts after the last `\n` of what it has read; a worker splits
//! its chunk into lines and hands each non-blank one (as the row path trims it: byte-order
//! marks at its start, then white space) to the decoder. A line over the limit, text that is
//! not UTF-8, or a line the decoder refuses makes the whole read give `None`: the caller hands
//! the file to the row path (`load/jsonl_file.rs`), which reads (and reports) it as always.
//! Each record's line is its physical line, as the row path counts it.

use super::csv_chunks::{How, Part};
use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::mpsc::{RecvTimeoutError, TryRecvError, TrySendError, channel, sync_channel};

/// The decoder of a file's lines: `new` makes an empty output, `row` adds one record (a
/// trimmed, non-blank line) to it (`None`: a line it does not read like the row path), `done`
/// sees a decoded chunk (and its size in bytes) on the worker that decoded it, before it is
/// handed on (`None`: stop).
pub(super) struct LineDecoder<'d, T> {
    pub(super) new: &'d (dyn Fn() -> T + Sync),
    pub(super) row: &'d (dyn Fn(&mut T, &str) -> Option<()> + Sync),
    pub(super) done: &'d (dyn Fn(&mut T, usize) -> Option<()> + Sync),
}

/// A worker's result: the decoded chunk, its records kept, each one's line index in the chunk (0-based),
/// the chunk's `\n`s, and its bytes (to read into again).
struct Done<T> {
    out: T,
    kept: u64,
    rel: Vec<u32>,
    newlines: u64,
    bytes: Vec<u8>,
}

/// A chunk with no `\n` by this size (a giant line) goes to the row path.
const MAX_CHUNK: usize = 8 << 20;

/// Decodes every line of the input on `how.threads` threads and hands each [`Part`] (with its
/// records' lines when `how.lines`) to `each` in file order; the number of records kept, or
/// `None` (the file goes to the row path) when anything was not read exactly as the row path
/// reads it, or `each` says stop.
pub(super) fn read_lines<T: Send>(
    mut input: Box<dyn Read + Send>,
    how: How<'_>,
    dec: LineDecoder<'_, T>,
    each: &mut dyn FnMut(Part<T>) -> Option<()>,
) -> Option<u64> {
    let How { block, max_line, threads, lines, counted } = how;
    let mut fill = |buf: &mut Vec<u8>, want: usize| -> Option<bool> {
        // Reads until `buf` holds `want` bytes; true at the end of the input.
        let mut at = buf.len();
        buf.resize(want.max(at), 0);
        while at < want {
            match input.read(&mut buf[at..]) {
                Ok(0) => {
                    buf.truncate(at);
                    return Some(true);
                }
                Ok(n) => {
                    at += n;
                    counted.fetch_add(n as u64, Relaxed);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return None,
            }
        }
        Some(false)
    };
    let mut buf = Vec::with_capacity(2 * block);
    let mut eof = fill(&mut buf, block)?;
    let stop = AtomicBool::new(false);
    let (jobs, todo) = sync_channel::<(usize, Vec<u8>)>(threads);
    let todo = std::sync::Mutex::new(todo);
    let (done_tx, done) = channel::<(usize, Option<Done<T>>)>();
    std::thread::scope(|s| {
        for _ in 0..threads {
            let (done_tx, todo, stop, dec) = (done_tx.clone(), &todo, &stop, &dec);
            s.spawn(move || {
                while let Ok((c, bytes)) = todo.lock().map_err(|_| ()).and_then(|t| t.recv().map_err(|_| ())) {
                    let r = if stop.load(Relaxed) { None } else { decode(bytes, max_line, lines, dec) };
                    if done_tx.send((c, r)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        let mut order = InOrder { pending: Default::default(), want: 0, base: 0, rows: 0, spare: Vec::new() };
        let result = (|| {
            let mut c = 0;
            loop {
                crate::interrupt::poll().ok()?;
                // Cut the buffer after its last `\n` (reading more until there is one).
                let cut = loop {
                    if eof {
                        break buf.len();
                    }
                    if let Some(nl) = memchr::memrchr(b'\n', &buf) {
                        break nl + 1;
                    }
                    if buf.len() > MAX_CHUNK.max(max_line) {
                        return None;
                    }
                    let want = buf.len() + block;
                    eof = fill(&mut buf, want)?;
                };
                if cut == 0 && eof {
                    break;
                }
                let mut next = order.spare.pop().unwrap_or_else(|| Vec::with_capacity(2 * block));
                next.clear();
                next.extend_from_slice(&buf[cut..]);
                buf.truncate(cut);
                let mut job = (c, std::mem::replace(&mut buf, next));
                loop {
                    match jobs.try_send(job) {
                        Ok(()) => break,
                        Err(TrySendError::Full(j)) => job = j,
                        Err(TrySendError::Disconnected(_)) => return None,
                    }
                    match done.recv_timeout(std::time::Duration::from_millis(1)) {
                        Ok(d) => order.take(d, each)?,
                        Err(RecvTimeoutError::Timeout) => crate::interrupt::poll().ok()?,
                        Err(RecvTimeoutError::Disconnected) => return None,
                    }
                }
                c += 1;
                loop {
                    match done.try_recv() {
                        Ok(d) => order.take(d, each)?,
                        Err(TryRecvError::Empty) => break,
                        Err(TryRecvError::Disconnected) => return None,
                    }
                }
                if eof {
                    break;
                }
                let want = buf.len() + block;
                eof = fill(&mut buf, want)?;
            }
            drop(jobs);
            while order.want < c {
                match done.recv_timeout(std::time::Duration::from_millis(10)) {
                    Ok(d) => order.take(d, each)?,
                    Err(RecvTimeoutError::Timeout) => crate::interrupt::poll().ok()?,
                    Err(RecvTimeoutError::Disconnected) => return None,
                }
            }
            Some(order.rows)
        })();
        stop.store(true, Relaxed);
        result
    })
}

/// Decodes the lines of one chunk (whole lines, the last one perhaps without its `\n` at the
/// end of the file).
fn decode<T>(bytes: Vec<u8>, max_line: usize, lines: bool, dec: &LineDecoder<'_, T>) -> Option<Done<T>> {
    let mut value = (dec.new)();
    let (mut rel, mut kept) = (Vec::new(), 0u64);
    let mut newlines = 0u64;
    // Each line without its `\n` (the `\n`s found by `memchr`, many bytes a step); the text
    // after the last `\n` is a line when not empty.
    let mut ends = memchr::memchr_iter(b'\n', &bytes);
    let mut start = 0;
    for index in 0usize.. {
        let end = match ends.next() {
            Some(end) => {
                newlines += 1;
                end
            }
            None if start < bytes.len() => bytes.len(),
            None => break,
        };
        let raw = &bytes[start..end];
        start = end + 1;
        // The row path refuses a line longer than the limit (its `\n` not counted).
        if raw.len() > max_line {
            return None;
        }
        let text = std::str::from_utf8(raw).ok()?.trim_start_matches('\u{feff}').trim();
        if !text.is_empty() {
            (dec.row)(&mut value, text)?;
            kept += 1;
            if lines {
                rel.push(index as u32);
            }
        }
        if index % 4096 == 4095 && crate::interrupt::poll().is_err() {
            return None;
        }
    }
    (dec.done)(&mut value, bytes.len())?;
    Some(Done { out: value, kept, rel, newlines, bytes })
}

/// Decoded chunks, arriving in any order, handed on in file order with their lines.
struct InOrder<T> {
    pending: std::collections::BTreeMap<usize, Option<Done<T>>>,
    want: usize,
    /// `\n`s before the next chunk.
    base: u64,
    rows: u64,
    /// Buffers of decoded chunks, to read into again.
    spare: Vec<Vec<u8>>,
}

impl<T> InOrder<T> {
    fn take(&mut self, (c, d): (usize, Option<Done<T>>), each: &mut dyn FnMut(Part<T>) -> Option<()>) -> Option<()> {
        self.pending.insert(c, d);
        while let Some(d) = self.pending.remove(&self.want) {
            let d = d?;
            self.want += 1;
            let base = self.base;
            let lines = d.rel.iter().map(|&r| 1 + base + u64::from(r)).collect();
            self.base += d.newlines;
            let bytes = d.bytes.len();
            self.rows += d.kept;
            if self.spare.len() < 4 {
                self.spare.push(d.bytes);
            }
            each(Part { out: d.out, lines, bytes })?;
        }
        Some(())
    }
}
