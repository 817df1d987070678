//! [`FirstLines`]: the line each record id was first read on, so a duplicate id names both
//! lines — without copying the ids.
//!
//! A loader keeps the records it reads in a vector; the table holds, per id, the record's
//! position in that vector and its line, and compares ids by looking them up there. Copying
//! every id into a `String`-keyed map cost a third of an Arrow table's load (1 M deals: an
//! allocation and a rehash per row).
//!
//! Ids come one at a time (the row path: a hash table) or a table at a time (the typed
//! readers: [`FirstLines::insert_all`]). A table's ids are noted as one run sorted by hash:
//! a repeat is a neighbour with the same hash, and runs are checked against each other by one
//! walk through both. Inserting a million ids one by one into a hash table costs a cache miss
//! each (≈ 77 ms for 1 M deals, most of an Arrow table's load); hashing and sorting them costs
//! a fraction of that, in sequential passes.
//!
//! ```text
//! deals.csv:7 … duplicate deal id (first on line 3)
//! ```

use hashbrown::HashTable;
use std::hash::BuildHasher;

/// One noted id: its hash, the position of the record holding it, its line.
#[derive(Clone, Copy, Debug, Default)]
struct Noted {
    hash: u64,
    at: usize,
    line: u64,
}

/// First line per id of one record kind, keyed by the position of the record holding the id.
#[derive(Default)]
pub(super) struct FirstLines {
    /// Ids noted one at a time (growing the table re-uses the stored hashes instead of reading
    /// every id again).
    table: HashTable<Noted>,
    /// Ids noted a table at a time: runs sorted by hash, each at least twice as long as the
    /// next (a run is merged into the one before it otherwise), so there are few of them.
    runs: Vec<Vec<Noted>>,
    hasher: rustc_hash::FxBuildHasher,
}

// only the typed readers note a table at a time
#[cfg(feature = "arrow")]
/// The ids of a run of records, hashed and spread by the hash's top byte: the first step of
/// their sort, done on the thread that read the records, before they are appended to the
/// others. [`FirstLines::insert_sorted`] finishes the sort of all runs at once, the top-byte
/// buckets shared out among the cores.
pub(super) struct HashedIds {
    ids: Vec<Noted>,
    /// Where each top-byte bucket of `ids` starts (and the end).
    starts: [usize; 257],
}

#[cfg(feature = "arrow")]
impl HashedIds {
    /// The ids of the records at positions `at` (record `p` read on `line_of(p)`, its id
    /// `id_at(p)`).
    pub(super) fn new<'a>(at: std::ops::Range<usize>, line_of: impl Fn(usize) -> u64, id_at: impl Fn(usize) -> &'a str) -> Self {
        let hasher = rustc_hash::FxBuildHasher;
        let run: Vec<Noted> = at.map(|p| Noted { hash: hasher.hash_one(id_at(p)), at: p, line: line_of(p) }).collect();
        let mut ids = vec![Noted::default(); run.len()];
        let starts = spread(&run, &mut ids, 56);
        HashedIds { ids, starts }
    }
    /// The same ids once their records moved `at` positions and `lines` lines further on.
    pub(super) fn shifted(mut self, at: usize, lines: u64) -> Self {
        for n in &mut self.ids {
            n.at += at;
            n.line += lines;
        }
        self
    }
    fn bucket(&self, b: usize) -> &[Noted] {
        &self.ids[self.starts[b]..self.starts[b + 1]]
    }
}

impl FirstLines {
    /// Notes that the record at position `at` (id `id`, read on `line`) is about to be kept;
    /// `id_at(p)` gives the id of the kept record at position `p`. Returns the first line of
    /// an earlier record with the same id instead (the record is then not noted).
    pub(super) fn insert<'a>(&mut self, id: &str, at: usize, line: u64, id_at: impl Fn(usize) -> &'a str) -> Option<u64> {
        let hash = self.hasher.hash_one(id);
        if let Some(first) = self.first_line(hash, id, &id_at) {
            return Some(first);
        }
        self.table.insert_unique(hash, Noted { hash, at, line }, |n| n.hash);
        None
    }

    // only the typed readers note a table at a time
    #[cfg(feature = "arrow")]
    /// Notes the records at positions `at` at once (record `p` read on `line_of(p)`, its id
    /// `id_at(p)`): true when no id among them repeats, nor repeats an id noted before; false
    /// otherwise, and then none of them is noted.
    pub(super) fn insert_all<'a>(
        &mut self,
        at: std::ops::Range<usize>,
        line_of: impl Fn(usize) -> u64,
        id_at: impl Fn(usize) -> &'a str,
    ) -> bool {
        self.insert_sorted(vec![HashedIds::new(at, line_of, &id_at)], id_at)
    }

    // only the typed readers note a table at a time
    #[cfg(feature = "arrow")]
    /// [`FirstLines::insert_all`] for runs of records whose ids were hashed and sorted apart
    /// (each on the thread that read its records): true when no id among all of them repeats,
    /// nor repeats an id noted before; false otherwise, and then none of them is noted.
    pub(super) fn insert_sorted<'a>(&mut self, runs: Vec<HashedIds>, id_at: impl Fn(usize) -> &'a str) -> bool {
        let same = |a: &Noted, b: &Noted| a.hash == b.hash && id_at(a.at) == id_at(b.at);
        let run = sort_by_hash(&runs);
        drop(runs);
        let repeats = run
            .chunk_by(|a, b| a.hash == b.hash)
            .any(|g| g.len() > 1 && g.iter().enumerate().any(|(i, a)| g[i + 1..].iter().any(|b| same(a, b))))
            || (!self.table.is_empty() && run.iter().any(|n| self.table.find(n.hash, |m| same(m, n)).is_some()))
            || self.runs.iter().any(|r| meet(r, &run, &same));
        if repeats {
            return false;
        }
        if !run.is_empty() {
            self.runs.push(run);
        }
        while let [.., a, b] = self.runs.as_slice()
            && a.len() < 2 * b.len()
        {
            let (b, a) = (self.runs.pop().unwrap_or_default(), self.runs.pop().unwrap_or_default());
            self.runs.push(merge(a, b));
        }
        true
    }

    /// The first line of the noted id `id` (hash `hash`), if it was noted.
    fn first_line<'a>(&self, hash: u64, id: &str, id_at: &impl Fn(usize) -> &'a str) -> Option<u64> {
        let is = |n: &&Noted| n.hash == hash && id_at(n.at) == id;
        self.table.find(hash, |n| is(&n)).map(|n| n.line).or_else(|| {
            self.runs
                .iter()
                .find_map(|r| r[r.partition_point(|n| n.hash < hash)..].iter().take_while(|n| n.hash == hash).find(is).map(|n| n.line))
        })
    }

    /// Forgets the records at positions `start` and after (they were not kept after all).
    pub(super) fn forget_from(&mut self, start: usize) {
        self.table.retain(|n| n.at < start);
        for r in &mut self.runs {
            r.retain(|n| n.at < start);
        }
        self.runs.retain(|r| !r.is_empty());
    }
}

// only the typed readers note a table at a time
#[cfg(feature = "arrow")]
/// Whether two runs sorted by hash hold a `same` pair: one walk through both, or a binary
/// search per id of a much shorter `b`.
fn meet(a: &[Noted], b: &[Noted], same: &impl Fn(&Noted, &Noted) -> bool) -> bool {
    let equal = |x: &Noted, others: &[Noted]| others.iter().take_while(|o| o.hash == x.hash).any(|o| same(x, o));
    if b.len() * 32 < a.len() {
        return b.iter().any(|x| equal(x, &a[a.partition_point(|o| o.hash < x.hash)..]));
    }
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].hash.cmp(&b[j].hash) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                if equal(&a[i], &b[j..]) {
                    return true;
                }
                i += 1;
            }
        }
    }
    false
}

// only the typed readers note a table at a time
#[cfg(feature = "arrow")]
/// Two runs sorted by hash merged into one.
fn merge(a: Vec<Noted>, b: Vec<Noted>) -> Vec<Noted> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    while let (Some(x), Some(y)) = (a.peek(), b.peek()) {
        out.extend(if x.hash <= y.hash { a.next() } else { b.next() });
    }
    out.extend(a);
    out.extend(b);
    out
}

// only the typed readers note a table at a time
#[cfg(feature = "arrow")]
/// The ids of `runs` in one run sorted by hash: the second step of a two-digit radix sort
/// (each run comes spread by the hash's top byte, [`HashedIds::new`]). Each top-byte bucket
/// (small enough for the cache) gathers its ids from every run, is spread by the next byte and
/// the few ids of each of those sorted (a comparison sort of the whole costs about 25 ns per
/// id); the buckets are shared out among the cores in contiguous ranges of about equal size.
fn sort_by_hash(runs: &[HashedIds]) -> Vec<Noted> {
    let mut sizes = [0usize; 257];
    for b in 0..256 {
        sizes[b + 1] = sizes[b] + runs.iter().map(|r| r.bucket(b).len()).sum::<usize>();
    }
    let total = sizes[256];
    let mut out = vec![Noted::default(); total];
    let threads = super::chunks::threads_for(Some(total)).clamp(1, 16);
    // bucket ranges: thread t takes the buckets starting before t/threads of the ids
    let mut cuts: Vec<usize> = (0..threads).map(|t| sizes.partition_point(|&s| s < total * t / threads).min(256)).collect();
    cuts.push(256);
    cuts.dedup();
    let sort_range = |buckets: std::ops::Range<usize>, dest: &mut [Noted]| {
        let (base, mut tmp) = (sizes[buckets.start], Vec::new());
        for b in buckets {
            let d = &mut dest[sizes[b] - base..sizes[b + 1] - base];
            let mut at = 0;
            for r in runs {
                let from = r.bucket(b);
                d[at..at + from.len()].copy_from_slice(from);
                at += from.len();
            }
            if d.len() < 64 {
                d.sort_unstable_by_key(|n| n.hash);
                continue;
            }
            tmp.clear();
            tmp.resize(d.len(), Noted::default());
            let within = spread(d, &mut tmp, 48);
            for c in within.windows(2) {
                tmp[c[0]..c[1]].sort_unstable_by_key(|n| n.hash);
            }
            d.copy_from_slice(&tmp);
        }
    };
    if cuts.len() <= 2 {
        sort_range(0..256, &mut out);
        return out;
    }
    std::thread::scope(|s| {
        let mut rest = out.as_mut_slice();
        for w in cuts.windows(2) {
            let (mine, more) = rest.split_at_mut(sizes[w[1]] - sizes[w[0]]);
            rest = more;
            let (range, sort_range) = (w[0]..w[1], &sort_range);
            s.spawn(move || sort_range(range, mine));
        }
    });
    out
}

// only the typed readers note a table at a time
#[cfg(feature = "arrow")]
/// Copies `from` into `to` (as long) grouped by byte `(hash >> shift) & 255`, in ascending
/// order of that byte; the start of each group (and the end).
fn spread(from: &[Noted], to: &mut [Noted], shift: u32) -> [usize; 257] {
    let digit = |n: &Noted| ((n.hash >> shift) & 255) as usize;
    let mut starts = [0usize; 257];
    for n in from {
        starts[digit(n) + 1] += 1;
    }
    for b in 0..256 {
        starts[b + 1] += starts[b];
    }
    let mut next = starts;
    for n in from {
        let d = digit(n);
        to[next[d]] = *n;
        next[d] += 1;
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_first_line_of_a_duplicate_and_keeps_distinct_ids() {
        let mut kept: Vec<String> = Vec::new();
        let mut lines = FirstLines::default();
        let mut dups = Vec::new();
        // Enough ids to make the table grow (rehash through `id_at`).
        for (line, id) in (2u64..).zip((0..1000).map(|i| format!("D{i}")).chain(["D7".to_string(), "D999".to_string()])) {
            let ids = &kept;
            match lines.insert(&id, ids.len(), line, |p| ids[p].as_str()) {
                Some(first) => dups.push((id, first, line)),
                None => kept.push(id),
            }
        }
        assert_eq!(kept.len(), 1000);
        assert_eq!(dups, vec![("D7".to_string(), 9, 1002), ("D999".to_string(), 1001, 1003)]);
    }

    /// A model of the loaders' use: ids noted one at a time or a table at a time, some runs
    /// forgotten again; every answer as a map from id to first line gives it.
    #[cfg(feature = "arrow")]
    #[derive(Debug, Clone)]
    enum Step {
        One(u16),
        Table(Vec<u16>),
        Forget(usize),
    }

    #[cfg(feature = "arrow")]
    fn step() -> impl proptest::strategy::Strategy<Value = Step> {
        use proptest::prelude::*;
        prop_oneof![
            (0u16..400).prop_map(Step::One),
            proptest::collection::vec(0u16..400, 0..300).prop_map(Step::Table),
            (0usize..600).prop_map(Step::Forget),
        ]
    }

    #[cfg(feature = "arrow")]
    proptest::proptest! {
        #[test]
        fn a_table_at_a_time_answers_as_one_at_a_time(steps in proptest::collection::vec(step(), 1..25)) {
            let (mut kept, mut kept_lines): (Vec<String>, Vec<u64>) = (Vec::new(), Vec::new());
            let mut lines = FirstLines::default();
            let mut line = 0u64;
            for s in steps {
                match s {
                    Step::One(n) => {
                        let id = format!("D{n}");
                        line += 1;
                        let model = kept.iter().position(|k| *k == id).map(|p| kept_lines[p]);
                        let ids = &kept;
                        proptest::prop_assert_eq!(lines.insert(&id, ids.len(), line, |p| ids[p].as_str()), model);
                        if model.is_none() {
                            kept.push(id);
                            kept_lines.push(line);
                        }
                    }
                    Step::Table(ns) => {
                        let start = kept.len();
                        let first = line + 1;
                        let mut all = kept.clone();
                        all.extend(ns.iter().map(|n| format!("D{n}")));
                        let unique = all.iter().collect::<std::collections::HashSet<_>>().len() == all.len();
                        let ids = &all;
                        let ok = lines.insert_all(start..all.len(), |p| first + (p - start) as u64, |p| ids[p].as_str());
                        proptest::prop_assert_eq!(ok, unique);
                        if ok {
                            kept_lines.extend((0..ns.len() as u64).map(|i| first + i));
                            kept = all;
                            line += ns.len() as u64;
                        }
                    }
                    Step::Forget(from) => {
                        let from = from.min(kept.len());
                        lines.forget_from(from);
                        kept.truncate(from);
                        kept_lines.truncate(from);
                    }
                }
            }
            // every kept id is found with its first line, and nothing else is
            for (p, id) in kept.iter().enumerate() {
                let ids = &kept;
                let h = lines.hasher.hash_one(id.as_str());
                proptest::prop_assert_eq!(lines.first_line(h, id, &|q| ids[q].as_str()), Some(kept_lines[p]));
            }
            let ids = &kept;
            proptest::prop_assert_eq!(lines.first_line(lines.hasher.hash_one("X"), "X", &|q| ids[q].as_str()), None);
        }
    }

    #[cfg(feature = "arrow")]
    #[test]
    fn a_big_table_is_sorted_through_buckets_and_its_repeat_found() {
        let ids: Vec<String> = (0..20_000).map(|i| format!("D{i}")).chain(["D12345".to_string()]).collect();
        let mut lines = FirstLines::default();
        assert!(!lines.insert_all(0..ids.len(), |p| p as u64 + 2, |p| ids[p].as_str()));
        assert!(lines.insert_all(0..20_000, |p| p as u64 + 2, |p| ids[p].as_str()));
        assert!(lines.runs[0].windows(2).all(|w| w[0].hash <= w[1].hash));
        assert_eq!(lines.insert("D12345", 20_000, 9, |p| ids[p].as_str()), Some(12_347));
        // big enough for the buckets to be sorted on every core
        let many: Vec<String> = (0..300_000).map(|i| format!("D{i}")).chain(["D299999".to_string()]).collect();
        let mut lines = FirstLines::default();
        assert!(!lines.insert_all(0..many.len(), |p| p as u64, |p| many[p].as_str()));
        assert!(lines.insert_all(0..300_000, |p| p as u64, |p| many[p].as_str()));
        assert!(lines.runs[0].len() == 300_000 && lines.runs[0].windows(2).all(|w| w[0].hash <= w[1].hash));
        assert_eq!(lines.insert("D123456", 300_000, 9, |p| many[p].as_str()), Some(123_456));
    }

    /// Runs sorted apart (on the threads that read them, positions counted from 0 in each)
    /// are checked against each other once shifted to their places, and then name the right
    /// first line.
    #[cfg(feature = "arrow")]
    #[test]
    fn runs_sorted_apart_are_checked_against_each_other() {
        let ids: Vec<String> = (0..9_000).map(|i| format!("D{i}")).collect();
        let run = |from: usize, to: usize| {
            let part = &ids[from..to];
            HashedIds::new(0..part.len(), |p| p as u64, |q| part[q].as_str()).shifted(from, from as u64)
        };
        let mut lines = FirstLines::default();
        assert!(lines.insert_sorted(vec![run(0, 5_000), run(5_000, 9_000)], |p| ids[p].as_str()));
        assert_eq!(lines.insert("D7000", 9_000, 1, |p| ids[p].as_str()), Some(7_000));
        // a later table whose second part repeats an id of the first table: nothing noted
        let more: Vec<String> = (9_000..12_000).map(|i| format!("D{i}")).chain(["D42".to_string()]).collect();
        let all: Vec<&str> = ids.iter().chain(&more).map(String::as_str).collect();
        let part = |from: usize, to: usize| {
            let p = &all[from..to];
            HashedIds::new(0..p.len(), |i| i as u64, |q| p[q]).shifted(from, (from - 9_000) as u64)
        };
        assert!(!lines.insert_sorted(vec![part(9_000, 10_000), part(10_000, 12_001)], |p| all[p]));
        assert_eq!(lines.insert("D11000", 12_001, 1, |p| all[p]), None);
        // two parts of one table repeating each other
        let mut fresh = FirstLines::default();
        let twice: Vec<&str> = ["A", "B", "C", "B"].into();
        let p = |from: usize, to: usize| HashedIds::new(from..to, |i| i as u64, |q| twice[q]);
        assert!(!fresh.insert_sorted(vec![p(0, 2), p(2, 4)], |q| twice[q]));
        assert!(fresh.insert_sorted(vec![p(0, 2), p(2, 3)], |q| twice[q]));
    }
}
