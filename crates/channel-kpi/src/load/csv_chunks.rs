//! A CSV file's raw bytes cut into chunks at record boundaries, each chunk's records split
//! into fields by `csv-core` (the state machine under the `csv` crate the row path reads with,
//! with the same settings) and decoded on every core, the results handed back in file order.
//!
//! The calling thread only reads and cuts: a chunk ends after a `\n` preceded by an even number
//! of `"` since the chunk's start (one pass counting quotes, which the compiler vectorizes). A
//! well-formed file never has a record boundary elsewhere, but stray quotes could fool the
//! count, so a worker checks that its chunk ends exactly where a record ends (nothing of a
//! record pending after the last `\n`); the chunk after it then starts on a true boundary, by
//! induction from the header. Anything a worker cannot vouch for (a pending record, a
//! byte-order mark in the middle, a line over the limit, a field count other than the
//! header's, a record that is not UTF-8, a row the decoder refuses) makes the whole read give
//! `None`: the caller hands the file to the row path, which reads (and reports) it as always.
//!
//! Each record's line is the row path's: 1 + the `\n`s at offsets up to where `csv` began
//! reading it (`load/csv_file.rs`: with blank lines before a record, that is where they
//! begin), so a duplicate id found later names the same first line either way.

use csv_core::{ReadRecordResult, Reader};
use std::io::Read;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::mpsc::{RecvTimeoutError, TryRecvError, TrySendError, channel, sync_channel};

/// Bytes read at a time; a chunk is one block plus the end of the previous one.
pub(super) const BLOCK: usize = 1 << 20;
/// A chunk that finds no boundary by this size (a giant quoted field) goes to the row path.
const MAX_CHUNK: usize = 8 << 20;
const BOM: &[u8] = b"\xef\xbb\xbf";

/// One record's fields (valid UTF-8, untrimmed): each field `text[start..end]`.
pub(super) struct Fields<'a> {
    text: &'a str,
    bounds: &'a [(usize, usize)],
}

impl<'a> Fields<'a> {
    /// Field `i` (`None` past the last, or not on a character boundary: never for UTF-8 input).
    #[inline]
    pub(super) fn get(&self, i: usize) -> Option<&'a str> {
        let &(start, end) = self.bounds.get(i)?;
        self.text.get(start..end)
    }
    pub(super) fn len(&self) -> usize {
        self.bounds.len()
    }
}

/// `csv-core`'s field ends (each field starting where the previous one ended) as bounds.
fn bounds_of(ends: &[usize], bounds: &mut Vec<(usize, usize)>) {
    bounds.clear();
    bounds.extend(ends.iter().scan(0, |start, &end| Some((std::mem::replace(start, end), end))));
}

/// The bytes that end a bare field: the delimiter and the terminators.
const ENDS: [bool; 256] = {
    let mut ends = [false; 256];
    ends[b',' as usize] = true;
    ends[b'\n' as usize] = true;
    ends[b'\r' as usize] = true;
    ends
};

/// The record whose read begins at `bytes[from..]`, read as `csv-core` (with the settings used
/// here) reads it when it is plain: the terminators before it skipped, then each field either
/// bare (not starting with `"`, ended by `,`, `\r` or `\n`) or quoted with no `"` inside, its
/// closing quote followed by `,`, `\r` or `\n`; the record's terminator (`\n`, or `\r`, whose
/// `\n` the next read skips) within `bytes`. Each field's bounds in `bytes` go to `bounds`; the
/// offset after the terminator, or `None` (nothing read) for `csv-core` to read the record: a
/// doubled quote, text after a closing quote, a record the end of the input cuts.
#[inline]
fn plain(bytes: &[u8], from: usize, bounds: &mut Vec<(usize, usize)>) -> Option<usize> {
    bounds.clear();
    let term = |c: u8| c == b'\n' || c == b'\r';
    let mut i = from + bytes.get(from..)?.iter().position(|&c| !term(c))?;
    loop {
        let after = if bytes[i] == b'"' {
            let close = i + 1 + find(&bytes[i + 1..], |x| equal(x, b'"'), |c| c == b'"')?;
            bounds.push((i + 1, close));
            close + 1
        } else {
            let ends = |x| equal(x, b',') | equal(x, b'\n') | equal(x, b'\r');
            let end = i + find(&bytes[i..], ends, |c| ENDS[c as usize])?;
            bounds.push((i, end));
            end
        };
        match *bytes.get(after)? {
            b',' if after + 1 < bytes.len() => i = after + 1,
            c if term(c) => return Some(after + 1),
            _ => return None,
        }
    }
}

/// What a chunk decoded into, with each kept record's line.
pub(super) struct Part<T> {
    pub(super) out: T,
    /// Each kept record's line (empty unless asked for).
    pub(super) lines: Vec<u64>,
    /// The chunk's size in bytes.
    pub(super) bytes: usize,
}

/// A worker's result: the decoded chunk, its records' lines relative to the chunk (the `\n`s
/// from its start up to and including where each record's read began), its `\n`s, and — when
/// the read after its last record consumed bytes (terminators, blank lines) — the `\n`s after
/// where that read began (the next chunk's first record began there for `csv`).
struct Done<T> {
    out: T,
    kept: u64,
    rel: Vec<u32>,
    newlines: u64,
    tail: Option<u64>,
    /// Whether the first kept record is the chunk's first read (no blank row skipped before).
    first_read: bool,
    /// Records read (kept or skipped): none, and the chunk was all blank lines.
    reads: u32,
    bytes: Vec<u8>,
}

/// The decoder of a file's records: `new` makes an empty output, `row` adds one record to it
/// (`None`: a record it does not read like the row path), `done` sees a decoded chunk (and its
/// size in bytes) on the worker that decoded it, before it is handed on (`None`: stop).
pub(super) struct Decoder<'d, T> {
    pub(super) new: &'d (dyn Fn() -> T + Sync),
    pub(super) row: &'d (dyn Fn(&mut T, &Fields) -> Option<()> + Sync),
    pub(super) done: &'d (dyn Fn(&mut T, usize) -> Option<()> + Sync),
}

/// How [`read_parts`] reads: `block` bytes at a time, lines over `max_line` bytes refused, on
/// `threads` threads, each record's line computed when `lines`, the bytes read added to
/// `counted` (for progress).
pub(super) struct How<'a> {
    pub(super) block: usize,
    pub(super) max_line: usize,
    pub(super) threads: usize,
    pub(super) lines: bool,
    pub(super) counted: &'a AtomicU64,
}

/// Reads the header (`header` checks its names: `None` leaves the file to the row path), then
/// decodes every chunk on `threads` threads and hands each [`Part`] (with its records' lines
/// when `lines`) to `each` in file order;
/// the number of records kept, or `None` (the file goes to the row path) when anything was not
/// read exactly as the row path reads it, or `each` says stop.
pub(super) fn read_parts<T: Send>(
    mut input: Box<dyn Read + Send>,
    how: How<'_>,
    header: &mut dyn FnMut(Vec<String>) -> Option<()>,
    dec: Decoder<'_, T>,
    each: &mut dyn FnMut(Part<T>) -> Option<()>,
) -> Option<u64> {
    let How { block, max_line, threads, lines, counted } = how;
    let mut fill = |buf: &mut Vec<u8>, want: usize| -> Option<bool> {
        // Reads until `buf` holds `want` bytes; true at the end of the input. (`read_to_end`
        // reads into the vector's spare room as it is, where zeroing it first cost as much as
        // a pass over the file.)
        let at = buf.len();
        let n = input.by_ref().take(want.saturating_sub(at) as u64).read_to_end(buf).ok()?;
        counted.fetch_add(n as u64, Relaxed);
        Some(buf.len() < want)
    };
    let mut buf = Vec::with_capacity(2 * block);
    let mut eof = fill(&mut buf, block)?;
    let (names, used) = loop {
        match read_header(&buf, eof) {
            Some(h) => break h,
            None if !eof && buf.len() <= max_line.saturating_add(2) => {
                let want = buf.len() + block;
                eof = fill(&mut buf, want)?;
            }
            None => return None,
        }
    };
    if used > max_line.saturating_add(2) || buf[..used].iter().filter(|&&b| b == b'\n').count() > 1 {
        return None; // a long or multi-line header: the row path decides
    }
    let width = names.len();
    header(names)?;
    let newlines_before = buf[..used].iter().filter(|&&b| b == b'\n').count() as u64;
    buf.drain(..used);
    let stop = AtomicBool::new(false);
    let (jobs, todo) = sync_channel::<(usize, Vec<u8>, bool)>(threads);
    let todo = std::sync::Mutex::new(todo);
    let (done_tx, done) = channel::<(usize, Option<Done<T>>)>();
    std::thread::scope(|s| {
        for _ in 0..threads {
            let (done_tx, todo, stop, dec) = (done_tx.clone(), &todo, &stop, &dec);
            s.spawn(move || {
                while let Ok((c, bytes, last)) = todo.lock().map_err(|_| ()).and_then(|t| t.recv().map_err(|_| ())) {
                    let r = if stop.load(Relaxed) { None } else { decode(bytes, last, width, max_line, lines, dec) };
                    if done_tx.send((c, r)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        let mut order = InOrder { pending: Default::default(), want: 0, base: newlines_before, tail: None, rows: 0, spare: Vec::new() };
        let result = (|| {
            let mut c = 0;
            loop {
                crate::interrupt::poll().ok()?;
                // Cut the buffer after its last record boundary (reading more until there is one).
                let cut = loop {
                    if eof {
                        break buf.len();
                    }
                    if let Some(cut) = boundary(&buf) {
                        break cut;
                    }
                    if buf.len() > MAX_CHUNK {
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
                let mut job = (c, std::mem::replace(&mut buf, next), eof);
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

/// The header's names (BOM and spaces trimmed as `load/csv_file.rs` trims them) and the bytes
/// its record took; `None` when it does not end within `buf` or is not UTF-8.
fn read_header(buf: &[u8], eof: bool) -> Option<(Vec<String>, usize)> {
    let mut rdr = Reader::new();
    let (mut out, mut ends) = (vec![0u8; buf.len().max(1)], vec![0usize; 1024]);
    let (res, nin, nout, nend) = rdr.read_record(buf, &mut out, &mut ends);
    let (nin, nout, nend) = match res {
        ReadRecordResult::Record => (nin, nout, nend),
        ReadRecordResult::InputEmpty if eof && nin == buf.len() => {
            let (res, _, _, more) = rdr.read_record(&[], &mut out[nout..], &mut ends[nend..]);
            (res == ReadRecordResult::Record).then_some((nin, nout, nend + more))?
        }
        _ => return None,
    };
    let text = std::str::from_utf8(&out[..nout]).ok()?;
    let mut bounds = Vec::new();
    bounds_of(&ends[..nend], &mut bounds);
    let f = Fields { text, bounds: &bounds };
    let names = (0..f.len()).map(|i| f.get(i).map(|s| s.trim_start_matches('\u{feff}').trim().to_string())).collect::<Option<Vec<_>>>()?;
    Some((names, nin))
}

/// The end of the last line of `buf` after which an even number of `"` came (0: none).
fn boundary(buf: &[u8]) -> Option<usize> {
    let mut end = buf.len();
    let mut quotes = None;
    while let Some(nl) = memchr::memrchr(b'\n', &buf[..end]) {
        let odd = match quotes {
            None => odd_quotes(&buf[..nl]),
            Some(odd) => odd ^ odd_quotes(&buf[nl..end]),
        };
        if !odd {
            return Some(nl + 1);
        }
        quotes = Some(odd);
        end = nl;
    }
    None
}

/// The length of the longest line of `bytes` (without its `\n`).
fn longest_line(bytes: &[u8]) -> usize {
    let (mut longest, mut start) = (0, 0);
    for nl in memchr::memchr_iter(b'\n', bytes) {
        longest = longest.max(nl - start);
        start = nl + 1;
    }
    longest.max(bytes.len() - start)
}

/// Whether `bytes` hold an odd number of `"`: the parity of the quotes [`equal`] finds eight
/// bytes at a time (a count, which widens every byte to a `usize`, cost several times the
/// instructions).
fn odd_quotes(bytes: &[u8]) -> bool {
    let mut words = bytes.chunks_exact(8);
    let odd = (&mut words).fold(0u64, |odd, w| odd ^ equal(word(w), b'"'));
    let rest = words.remainder().iter().filter(|&&b| b == b'"').count() as u32;
    (odd.count_ones() + rest) % 2 == 1
}

/// Eight bytes as a number (the first in the low byte).
#[inline(always)]
fn word(w: &[u8]) -> u64 {
    u64::from_le_bytes(w.try_into().unwrap_or_default())
}

/// The bytes of `x` equal to `c`: each such byte's high bit set, every other bit clear (exact:
/// no carry crosses a byte).
#[inline(always)]
fn equal(x: u64, c: u8) -> u64 {
    const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let t = x ^ (u64::from(c) * 0x0101_0101_0101_0101);
    !(((t & LOW) + LOW) | t | LOW)
}

/// The offset of the first byte of `bytes` that `hit` (eight at a time as `hits` of a word).
#[inline(always)]
fn find(bytes: &[u8], hits: impl Fn(u64) -> u64, hit: impl Fn(u8) -> bool) -> Option<usize> {
    let mut i = 0;
    while let Some(w) = bytes.get(i..i + 8) {
        let h = hits(word(w));
        if h != 0 {
            return Some(i + (h.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    bytes[i..].iter().position(|&c| hit(c)).map(|p| i + p)
}

/// Decodes one chunk (`last`: the end of the file) of a file whose header has `width` names.
fn decode<T>(bytes: Vec<u8>, last: bool, width: usize, max_line: usize, lines: bool, dec: &Decoder<'_, T>) -> Option<Done<T>> {
    if bytes.starts_with(BOM) {
        return None; // `csv` strips a BOM only at the start of the file
    }
    if bytes.len() > max_line && longest_line(&bytes) > max_line {
        return None;
    }
    // Every byte of the chunk is in a record or a terminator, and `csv-core` drops only ASCII
    // bytes (quotes) from a field: the chunk is UTF-8 exactly when every record is.
    let whole = std::str::from_utf8(&bytes).ok()?;
    let mut rdr = Reader::new();
    let (mut out, mut ends) = (vec![0u8; 4096], vec![0usize; 64]);
    let mut bounds = Vec::with_capacity(64);
    let (mut outlen, mut nends, mut pos, mut start) = (0, 0, 0, 0);
    let (mut counted, mut newlines) = (0usize, 0u32);
    let mut rel = Vec::new();
    let mut value = (dec.new)();
    let (mut reads, mut first_read, mut kept) = (0u32, false, 0u64);
    // Whether `csv-core` is between records, and whether it has read (before its first read
    // it would strip a byte-order mark).
    let (mut between, mut used) = (true, false);
    loop {
        let input = &bytes[pos..];
        if input.is_empty() && !last {
            break;
        }
        // A plain record read by hand as `csv-core` reads it; any other by `csv-core`.
        let f = if between && let Some(end) = plain(&bytes, pos, &mut bounds) {
            pos = end;
            Fields { text: whole, bounds: &bounds }
        } else {
            if !used && input.starts_with(BOM) {
                return None;
            }
            used = true;
            let (res, nin, nout, nend) = rdr.read_record(input, &mut out[outlen..], &mut ends[nends..]);
            pos += nin;
            outlen += nout;
            nends += nend;
            between = res == ReadRecordResult::Record;
            match res {
                ReadRecordResult::InputEmpty => continue,
                ReadRecordResult::OutputFull => {
                    out.resize(out.len() * 2, 0);
                    continue;
                }
                ReadRecordResult::OutputEndsFull => {
                    ends.resize(ends.len() * 2, 0);
                    continue;
                }
                ReadRecordResult::End => break,
                ReadRecordResult::Record => {}
            }
            bounds_of(&ends[..nends], &mut bounds);
            Fields { text: std::str::from_utf8(&out[..outlen]).ok()?, bounds: &bounds }
        };
        if pos - start > max_line {
            return None;
        }
        if lines {
            // `csv` began this record's read at `start`: its line counts the `\n`s up to there.
            newlines += bytes[counted..=start].iter().filter(|&&b| b == b'\n').count() as u32;
            counted = start + 1;
        }
        // A row of one blank field (and not as many as the header) is a trailing blank
        // line the row path skips.
        if f.len() == width || !(f.len() == 1 && f.get(0).is_some_and(|s| s.trim().is_empty())) {
            (dec.row)(&mut value, &f)?;
            first_read |= reads == 0;
            kept += 1;
            if lines {
                rel.push(newlines);
            }
        }
        reads += 1;
        (outlen, nends, start) = (0, 0, pos);
        if reads.is_multiple_of(1024) && crate::interrupt::poll().is_err() {
            return None;
        }
    }
    if outlen > 0 || nends > 0 {
        return None; // a record is pending: not a record boundary after all
    }
    let after = |from: usize| bytes.get(from..).map_or(0, |b| b.iter().filter(|&&b| b == b'\n').count()) as u64;
    (dec.done)(&mut value, bytes.len())?;
    let (total, tail) = match lines {
        true => (newlines as u64 + after(counted), (!last && start < bytes.len()).then(|| after(start + 1))),
        false => (0, None),
    };
    Some(Done { out: value, kept, rel, newlines: total, tail, first_read, reads, bytes })
}

/// Decoded chunks, arriving in any order, handed on in file order with their lines.
struct InOrder<T> {
    pending: std::collections::BTreeMap<usize, Option<Done<T>>>,
    want: usize,
    /// `\n`s before the next chunk.
    base: u64,
    /// The previous chunk's [`Done::tail`].
    tail: Option<u64>,
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
            let (base, tail) = (self.base, self.tail);
            let lines = d
                .rel
                .iter()
                .enumerate()
                .map(|(i, &r)| match tail {
                    // The first record's read began in the previous chunk, `t` newlines back.
                    Some(t) if i == 0 && d.first_read => 1 + base - t,
                    _ => 1 + base + u64::from(r),
                })
                .collect();
            self.base += d.newlines;
            self.tail = match (d.reads, tail) {
                // Blank lines only: the read the previous chunk began goes on through them.
                (0, Some(t)) => Some(t + d.newlines),
                _ => d.tail,
            };
            self.rows += d.kept;
            let bytes = d.bytes.len();
            if self.spare.len() < 4 {
                self.spare.push(d.bytes);
            }
            each(Part { out: d.out, lines, bytes })?;
        }
        Some(())
    }
}

#[cfg(test)]
#[path = "csv_chunks_tests.rs"]
mod tests;
