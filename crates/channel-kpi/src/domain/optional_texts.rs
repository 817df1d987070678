//! [`OptionalTexts`]: a column of optional texts that rarely repeat (the deal a lead became),
//! kept as one string buffer and an end offset per record, not interned in a dictionary.
//!
//! Interning suits texts that repeat (sources, partners): each distinct text is stored and
//! hashed once. A linked deal id is nearly unique per lead, so interning it costs a hash-map
//! insert and two allocations per lead with a deal — 1 M of them in a 10 M-lead table — and
//! a dictionary lookup again whenever two parts of a table are appended. Here a text is one
//! copy of its bytes; an absent one costs its 8-byte end only.
//!
//! ```text
//! values      Some("D1")  None  Some("")  Some("D22")
//! buf         "D1D22"
//! ends        2|SOME      2     2|SOME    5|SOME      (SOME: the top bit, set when present)
//! ```

/// The top bit of an end: set when the record has a text (an empty one included).
const SOME: u64 = 1 << 63;

/// The ends of a run of records [`OptionalTexts::push_run`] adds, as places in the run's texts.
#[cfg(feature = "arrow")]
pub(crate) struct RunEnds<'a> {
    ends: &'a mut Vec<u64>,
    base: u64,
}

#[cfg(feature = "arrow")]
impl RunEnds<'_> {
    /// `n` records without a text (at `at`, where the text before them ends), in one fill.
    #[inline]
    pub(crate) fn absent(&mut self, n: usize, at: usize) {
        self.ends.resize(self.ends.len() + n, self.base + at as u64);
    }

    /// One record whose text (possibly empty) ends at `end`.
    #[inline]
    pub(crate) fn text(&mut self, end: usize) {
        self.ends.push((self.base + end as u64) | SOME);
    }
}

/// Optional texts, one per record, in one buffer.
#[derive(Clone, Default, Debug, PartialEq)]
pub(crate) struct OptionalTexts {
    buf: String,
    /// Per record: the end of its text in `buf` (its start is the previous record's end), with
    /// [`SOME`] set when it has one.
    ends: Vec<u64>,
}

impl OptionalTexts {
    /// Number of records.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Adds a record's text at the end.
    #[inline]
    pub(crate) fn push(&mut self, s: Option<&str>) {
        let flag = match s {
            Some(s) => {
                self.buf.push_str(s);
                SOME
            }
            None => 0,
        };
        self.ends.push(self.buf.len() as u64 | flag);
    }

    /// Adds `n` records without a text at the end (as `n` pushes of `None`, in one fill).
    #[cfg(feature = "arrow")]
    #[inline]
    pub(crate) fn push_absent(&mut self, n: usize) {
        self.ends.resize(self.ends.len() + n, self.buf.len() as u64);
    }

    /// Adds the records `ends` writes ([`RunEnds`]) at the end, their texts cut from `texts`
    /// (a record's text starts where the one before it ends; the first at 0): the texts of a
    /// run of records copied as one buffer, not one by one. When `ends` returns `false`
    /// nothing is added. The ends written must not decrease nor pass `texts.len()`, and must
    /// reach it.
    ///
    /// Example: `texts` `"D1D22"`, `ends` writing `text(2)`, `absent(1, 2)`, `text(5)` adds
    /// `D1`, none, `D22`.
    #[cfg(feature = "arrow")]
    pub(crate) fn push_run(&mut self, texts: &str, ends: impl FnOnce(&mut RunEnds) -> bool) {
        let (base, len) = (self.buf.len() as u64, self.ends.len());
        if ends(&mut RunEnds { ends: &mut self.ends, base }) {
            self.buf.push_str(texts);
            debug_assert!(self.ends.last().is_none_or(|e| e & !SOME == self.buf.len() as u64));
        } else {
            self.ends.truncate(len);
        }
    }

    /// Room for `n` more records.
    #[cfg(feature = "arrow")]
    pub(crate) fn reserve(&mut self, n: usize) {
        self.ends.reserve(n);
    }

    /// Record `i`'s text. Panics when `i >= len()`.
    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<&str> {
        let end = self.ends[i];
        (end & SOME != 0).then(|| &self.buf[self.start(i)..(end & !SOME) as usize])
    }

    /// Whether record `i` has a text (cheaper than [`OptionalTexts::get`]).
    #[inline]
    pub(crate) fn has(&self, i: usize) -> bool {
        self.ends[i] & SOME != 0
    }

    /// Whether any record has a text.
    pub(crate) fn any(&self) -> bool {
        self.ends.iter().any(|e| e & SOME != 0)
    }

    /// The records that have a text, in order, with their texts: one pass over the ends (a
    /// look-up per record through [`OptionalTexts::get`] reads each end twice and checks
    /// bounds, for a column where most records have none).
    ///
    /// The records are taken 64 at a time: their flags gathered into one word without a
    /// branch, then the set bits walked (filtering branched on every flag, mispredicted for
    /// nearly every record with a text when one in ten has one, as linked leads do).
    #[cfg(any(feature = "parquet", test))]
    pub(crate) fn present(&self) -> impl Iterator<Item = (usize, &str)> + '_ {
        let rows = self.ends.chunks(64).enumerate().flat_map(|(c, block)| {
            let mut flags = block.iter().enumerate().fold(0u64, |m, (j, &end)| m | u64::from(end & SOME != 0) << j);
            std::iter::from_fn(move || {
                let j = (flags != 0).then(|| flags.trailing_zeros() as usize)?;
                flags &= flags - 1;
                Some(c * 64 + j)
            })
        });
        rows.map(|i| (i, &self.buf[self.start(i)..(self.ends[i] & !SOME) as usize]))
    }

    fn start(&self, i: usize) -> usize {
        if i == 0 { 0 } else { (self.ends[i - 1] & !SOME) as usize }
    }

    /// Moves every record of `other` to the end, in order.
    pub(crate) fn append(&mut self, other: &OptionalTexts) {
        let shift = self.buf.len() as u64;
        self.buf.push_str(&other.buf);
        self.ends.extend(other.ends.iter().map(|e| e + shift));
    }

    /// Keeps the first `len` records.
    pub(crate) fn truncate(&mut self, len: usize) {
        if len < self.len() {
            self.buf.truncate(self.start(len));
            self.ends.truncate(len);
        }
    }

    /// Heap bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.buf.capacity() + self.ends.capacity() * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(v: &[Option<&str>]) -> OptionalTexts {
        let mut t = OptionalTexts::default();
        v.iter().for_each(|s| t.push(*s));
        t
    }

    fn all(t: &OptionalTexts) -> Vec<Option<&str>> {
        (0..t.len()).map(|i| t.get(i)).collect()
    }

    #[test]
    fn texts_come_back_absent_empty_or_as_they_went_in() {
        let v = [Some("D1"), None, Some(""), Some("D22"), None];
        let t = of(&v);
        assert_eq!(all(&t), v);
        assert_eq!((0..5).map(|i| t.has(i)).collect::<Vec<_>>(), [true, false, true, true, false]);
        assert!(t.any() && !of(&[None, None]).any() && !of(&[]).any());
        let present: Vec<(usize, &str)> = t.present().collect();
        assert_eq!(present, [(0, "D1"), (2, ""), (3, "D22")]);
        assert_eq!(of(&[None, Some("Déal"), None, Some("x")]).present().collect::<Vec<_>>(), [(1, "Déal"), (3, "x")]);
        // over several blocks of 64: the first and last record of a block, a block without
        // any, a full one, a last block cut short
        let texts: Vec<String> = (0..300).map(|i| format!("D{i}")).collect();
        let keep = |i: usize| matches!(i % 64, 0 | 63) || (128..192).contains(&i) || (i < 64 && i % 7 == 3) || i == 299;
        let v: Vec<Option<&str>> = (0..300).map(|i| (keep(i) && !(64..128).contains(&i)).then(|| texts[i].as_str())).collect();
        let t = of(&v);
        let want: Vec<(usize, &str)> = v.iter().enumerate().filter_map(|(i, s)| Some((i, (*s)?))).collect();
        assert_eq!(t.present().collect::<Vec<_>>(), want);
        assert!(want.iter().all(|&(i, _)| !(64..128).contains(&i)) && want.len() > 64);
    }

    #[cfg(feature = "arrow")]
    #[test]
    fn a_run_pushed_at_once_reads_as_pushed_one_by_one() {
        let mut t = of(&[Some("D1"), None]);
        t.push_run("D22Déal", |e| {
            e.text(3);
            e.absent(2, 3);
            e.text(3);
            e.text(8);
            true
        });
        t.push_run("D5", |e| {
            e.text(2);
            false
        });
        t.push(Some("x"));
        assert_eq!(all(&t), [Some("D1"), None, Some("D22"), None, None, Some(""), Some("Déal"), Some("x")]);
        assert_eq!(t.present().map(|p| p.0).collect::<Vec<_>>(), [0, 2, 5, 6, 7]);
    }

    #[test]
    fn append_shifts_and_truncate_forgets_the_tail() {
        let mut a = of(&[Some("D1"), None]);
        a.append(&of(&[Some("Déal 7"), None, Some("")]));
        assert_eq!(all(&a), [Some("D1"), None, Some("Déal 7"), None, Some("")]);
        a.truncate(3);
        assert_eq!(all(&a), [Some("D1"), None, Some("Déal 7")]);
        a.push(Some("D9"));
        a.truncate(1);
        a.push(None);
        a.push(Some("D5"));
        assert_eq!(all(&a), [Some("D1"), None, Some("D5")]);
        a.truncate(0);
        assert_eq!((a.len(), a.heap_bytes() > 0), (0, true));
        let mut e = OptionalTexts::default();
        e.append(&of(&[None, Some("D2")]));
        assert_eq!(all(&e), [None, Some("D2")]);
    }
}
