//! CSV reading: header row, BOM and CRLF handled by the `csv` crate, duplicate header names
//! rejected, and a per-line byte limit enforced *while* reading (an over-long line is rejected
//! without buffering the rest of the file). The same limit applies to a whole record, so a
//! quoted field spread over many short lines cannot slip past it.
//!
//! Line numbers are counted here, not taken from `csv::Position::line`, which is one short
//! for every record after a CRLF terminator (csv 1.4 reports the record as starting on the
//! `\n` of the previous line's `\r\n`).

use super::records::{Next, Records, empty_file, too_long};
use super::row::{Cells, Header};
use crate::error::{Error, Location, Result};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, Read};
use std::rc::Rc;
use std::sync::Arc;

/// What the line-limited reader knows, shared with the record reader.
#[derive(Default)]
struct Lines {
    /// The line that exceeded the limit.
    tripped: Option<u64>,
    /// Byte offsets of `\n`s read but not yet passed by a record.
    newlines: VecDeque<u64>,
    /// `\n`s already passed.
    passed: u64,
}

impl Lines {
    /// The 1-based line of the record starting at byte `start` (queries only move forward):
    /// 1 + the newlines at offsets ≤ `start` (≤, because after CRLF csv puts the start on
    /// the `\n`).
    fn line_at(&mut self, start: u64) -> u64 {
        while self.newlines.front().is_some_and(|&o| o <= start) {
            self.newlines.pop_front();
            self.passed += 1;
        }
        self.passed + 1
    }
}

/// A reader that fails as soon as a physical line exceeds `max` bytes, remembering where, and
/// records where every line ends.
struct LineLimit<R> {
    inner: R,
    max: usize,
    current: usize,
    line: u64,
    offset: u64,
    shared: Rc<RefCell<Lines>>,
}

impl<R: Read> Read for LineLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.shared.borrow().tripped.is_some() {
            return Err(io::Error::other("line too long"));
        }
        let n = self.inner.read(buf)?;
        let mut shared = self.shared.borrow_mut();
        for (i, b) in buf[..n].iter().enumerate() {
            if *b == b'\n' {
                shared.newlines.push_back(self.offset + i as u64);
                self.current = 0;
                self.line += 1;
            } else {
                self.current += 1;
                if self.current > self.max {
                    shared.tripped = Some(self.line);
                    self.offset += i as u64;
                    // Hand over the complete lines before the long one; fail on the next call.
                    return if i > 0 { Ok(i) } else { Err(io::Error::other("line too long")) };
                }
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

pub(crate) struct CsvRecords {
    reader: csv::Reader<LineLimit<Box<dyn Read + Send>>>,
    /// The header and the current record (reused for every row).
    row: CsvRow,
    name: String,
    max: usize,
    shared: Rc<RefCell<Lines>>,
}

impl CsvRecords {
    pub(crate) fn new(inner: Box<dyn Read + Send>, name: String, max: usize) -> Result<Self> {
        let shared = Rc::new(RefCell::new(Lines::default()));
        let limited = LineLimit { inner, max, current: 0, line: 1, offset: 0, shared: shared.clone() };
        let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(limited);
        let names: Vec<String> = match reader.headers() {
            Ok(h) => h.iter().map(|s| s.trim_start_matches('\u{feff}').trim().to_string()).collect(),
            Err(e) => return Err(csv_error(&name, max, &shared, e)),
        };
        if names.is_empty() || names.iter().all(String::is_empty) {
            return Err(empty_file(&name));
        }
        let header = Header::new(names).map_err(|(col, a, b)| {
            Error::parse(
                Location { file: Some(name.clone()), line: Some(1), field: Some(col.clone()), value: Some(col), ..Default::default() },
                format!("duplicate column name (columns {a} and {b}): rename one so each column is unambiguous"),
            )
        })?;
        Ok(CsvRecords { reader, row: CsvRow { header: Arc::new(header), record: csv::StringRecord::new() }, name, max, shared })
    }
}

fn csv_error(name: &str, max: usize, shared: &Rc<RefCell<Lines>>, e: csv::Error) -> Error {
    if let Some(line) = shared.borrow().tripped {
        return too_long(name, line, max);
    }
    let line = e.position().map(|p| shared.borrow_mut().line_at(p.byte()));
    match e.into_kind() {
        csv::ErrorKind::Io(source) => Error::Io { path: name.to_string(), source },
        csv::ErrorKind::Utf8 { err, .. } => Error::parse(
            Location { file: Some(name.into()), line, ..Default::default() },
            format!("not valid UTF-8 (field {}): re-export the file as UTF-8", err.field() + 1),
        ),
        other => Error::parse(Location { file: Some(name.into()), line, ..Default::default() }, format!("{other:?}")),
    }
}

/// One CSV row seen as cells: the file's header and the reader's reused record.
struct CsvRow {
    header: Arc<Header>,
    record: csv::StringRecord,
}

impl Cells for CsvRow {
    fn cell_at(&self, i: usize) -> Option<&str> {
        self.record.get(i)
    }
    fn cell(&self, column: &str) -> Option<&str> {
        self.header.index_of(column).map(|i| self.record.get(i).unwrap_or(""))
    }
    fn pairs(&self) -> Vec<(&str, &str)> {
        self.header.names().iter().map(String::as_str).zip(self.record.iter()).collect()
    }
    fn header(&self) -> Option<&Arc<Header>> {
        Some(&self.header)
    }
}

impl Records for CsvRecords {
    fn next_record(&mut self) -> Result<Next<'_>> {
        match self.reader.read_record(&mut self.row.record) {
            Ok(false) => Ok(Next::End),
            Ok(true) => {
                let line = self.row.record.position().map_or(0, |p| self.shared.borrow_mut().line_at(p.byte()));
                if self.row.record.as_byte_record().as_slice().len() > self.max {
                    // Every physical line was short, but a quoted field spans many of them: the
                    // limit is on the record too (else it is no limit at all).
                    return Err(Error::parse(
                        Location { file: Some(self.name.clone()), line: Some(line), ..Default::default() },
                        format!("record longer than {} bytes (LoadOptions::max_line_bytes): a quoted field spans many lines", self.max),
                    ));
                }
                let n = self.row.header.names().len();
                if self.row.record.len() != n {
                    // A trailing blank line in some exports reads as one empty field: skip it.
                    if self.row.record.len() == 1 && self.row.record[0].trim().is_empty() {
                        return self.next_record();
                    }
                    return Ok(Next::Bad(Error::parse(
                        Location { file: Some(self.name.clone()), line: Some(line), ..Default::default() },
                        format!("expected {n} fields as in the header, found {}", self.row.record.len()),
                    )));
                }
                Ok(Next::Row(line, &self.row))
            }
            Err(e) => {
                let fatal = self.shared.borrow().tripped.is_some() || matches!(e.kind(), csv::ErrorKind::Io(_));
                let err = csv_error(&self.name, self.max, &self.shared, e);
                if fatal { Err(err) } else { Ok(Next::Bad(err)) }
            }
        }
    }
}
