//! JSON Lines reading: one object per line, field names as in the CSV header. Numbers are kept
//! as their exact source text (never through f64), `null` is an empty cell, strings are
//! unescaped; nested arrays or objects are rejected. Blank lines are skipped.

use super::records::{Next, Records, empty_file, too_long};
use super::row::RawRecord;
use crate::error::{Error, Location, Result};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt;
use std::io::{BufRead, BufReader, Read};

pub(crate) struct JsonlRecords {
    reader: BufReader<Box<dyn Read + Send>>,
    name: String,
    max: usize,
    line: u64,
    buf: Vec<u8>,
    seen_any: bool,
    /// The record last read (lent to the caller until the next call).
    current: Option<RawRecord>,
}

impl JsonlRecords {
    pub(crate) fn new(inner: Box<dyn Read + Send>, name: String, max: usize) -> Self {
        JsonlRecords { reader: BufReader::new(inner), name, max, line: 0, buf: Vec::new(), seen_any: false, current: None }
    }

    /// Reads one line into `buf` (without the newline); false at end of input. Stops reading
    /// as soon as the line exceeds the limit.
    fn read_line(&mut self) -> Result<bool> {
        self.buf.clear();
        let io = |source| Error::Io { path: self.name.clone(), source };
        loop {
            let avail = self.reader.fill_buf().map_err(io)?;
            if avail.is_empty() {
                return Ok(!self.buf.is_empty());
            }
            let (chunk, done) = match avail.iter().position(|b| *b == b'\n') {
                Some(i) => (&avail[..i], Some(i + 1)),
                None => (avail, None),
            };
            if self.buf.len() + chunk.len() > self.max {
                return Err(too_long(&self.name, self.line + 1, self.max));
            }
            self.buf.extend_from_slice(chunk);
            let used = done.unwrap_or(avail.len());
            self.reader.consume(used);
            if done.is_some() {
                return Ok(true);
            }
        }
    }

    fn parse_line(&self, text: &str) -> Result<RawRecord> {
        let loc = |field: Option<&str>, value: Option<&str>| Location {
            file: Some(self.name.clone()),
            line: Some(self.line),
            field: field.map(Into::into),
            value: value.map(Into::into),
            ..Default::default()
        };
        let mut de = serde_json::Deserializer::from_str(text);
        let pairs = de.deserialize_map(PairsVisitor).map_err(|e| Error::parse(loc(None, None), format!("not a JSON object: {e}")))?;
        de.end().map_err(|e| Error::parse(loc(None, None), format!("text after the JSON object: {e}")))?;
        let (mut names, mut values) = (Vec::with_capacity(pairs.len()), Vec::with_capacity(pairs.len()));
        for (k, raw) in pairs {
            if names.contains(&k) {
                return Err(Error::parse(loc(Some(&k), None), "the key appears twice in this object"));
            }
            let r = raw.get();
            let v = match r.as_bytes().first() {
                Some(b'"') => serde_json::from_str::<String>(r).map_err(|e| Error::parse(loc(Some(&k), Some(r)), e.to_string()))?,
                Some(b'{' | b'[') => return Err(Error::parse(loc(Some(&k), Some(r)), "nested objects and arrays are not supported")),
                _ if r == "null" => String::new(),
                _ => r.to_string(),
            };
            names.push(k);
            values.push(v);
        }
        Ok(RawRecord::new(names, values))
    }
}

struct PairsVisitor;
impl<'de> Visitor<'de> for PairsVisitor {
    type Value = Vec<(String, Box<RawValue>)>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(kv) = map.next_entry::<String, Box<RawValue>>()? {
            out.push(kv);
        }
        Ok(out)
    }
}

impl Records for JsonlRecords {
    fn next_record(&mut self) -> Result<Next<'_>> {
        loop {
            if !self.read_line()? {
                return if self.seen_any || self.line > 0 { Ok(Next::End) } else { Err(empty_file(&self.name)) };
            }
            self.line += 1;
            let text = match std::str::from_utf8(&self.buf) {
                Ok(t) => t.trim_start_matches('\u{feff}').trim(),
                Err(_) => {
                    let loc = Location { file: Some(self.name.clone()), line: Some(self.line), ..Default::default() };
                    return Ok(Next::Bad(Error::parse(loc, "not valid UTF-8: re-export the file as UTF-8")));
                }
            };
            if text.is_empty() {
                continue;
            }
            self.seen_any = true;
            return Ok(match self.parse_line(text) {
                Ok(r) => Next::Row(self.line, self.current.insert(r)),
                Err(e) => Next::Bad(e),
            });
        }
    }
}
