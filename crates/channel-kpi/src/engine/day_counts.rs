//! [`DayCounts`]: how many of a few ascending days (the starts or the ends of a query's
//! windows) are on or before a given day, read from a table indexed by the day's year and
//! ordinal instead of found by comparing it with each of them.
//!
//! A record's windows are found from its dates ([`super::window_spans::Spans`]) for every record
//! a query folds: with twelve monthly windows, counting the bounds on or before a date took two
//! dozen compares a record; the table takes one read. The table covers whole years, from the
//! first day's year to the last one's, 366 entries a year (the last unused in common years),
//! so a date's entry is `(year − first year) × 366 + ordinal0` — two shifts of chrono's packed
//! date, no day count since the epoch. A day before the first year is after none of the days;
//! a day after the last year is after all of them. Days spanning more than [`MAX_YEARS`] years
//! (a window from year 1) are counted by a binary search instead.
//!
//! ```text
//! ends of the months of 2025:  Feb 1, Mar 1, … Jan 1 2026   (table: 2025 and 2026, 732 entries)
//! 2025-02-10 → entry 0 × 366 + 40 → 1 (Feb 1 is on or before it)
//! 2024-07-01 → before 2025 → 0;   2027-03-01 → after 2026 → 12
//! ```

use chrono::{Datelike, NaiveDate};

/// The widest span of years a table is built for (37 k entries).
const MAX_YEARS: i32 = 100;

/// Entries a year in the table (the ordinals of a leap year).
const YEAR: i32 = 366;

/// How many of some ascending days are on or before a day (`days.partition_point(|d| *d <= day)`).
#[derive(Debug, Clone)]
pub(crate) struct DayCounts {
    /// The year of the first entry after the sentinel.
    first_year: i32,
    /// `[0, count of each day of the years covered …, all]`: entry `1 + (year − first_year) ×
    /// 366 + ordinal0`; the first and last entries answer for days before and after the years
    /// covered (a clamped index, no branch). Empty when the days span too many years.
    table: Vec<u32>,
    /// The days, for the binary search when there is no table.
    days: Vec<NaiveDate>,
}

impl DayCounts {
    /// The counts of `days` (ascending). One or two days are compared, not tabled; the table
    /// is filled in one sweep over the entries, each day's entry found from its year and
    /// ordinal (no date built per entry): it is built for every chunk a query folds.
    pub(crate) fn new(days: Vec<NaiveDate>) -> DayCounts {
        debug_assert!(days.is_sorted());
        let (Some(first), Some(last)) = (days.first(), days.last()) else {
            return DayCounts { first_year: 0, table: vec![0, 0], days };
        };
        let (first_year, last_year) = (first.year(), last.year());
        if days.len() <= 2 || last_year - first_year >= MAX_YEARS {
            return DayCounts { first_year, table: Vec::new(), days };
        }
        let entries = (last_year - first_year + 1) as usize * YEAR as usize;
        // entry k (after the sentinel) counts the days whose own entry is at most k: entries
        // grow with the date, so that is the count of days on or before any date of entry k
        // (the 366th entry of a common year, no date's, repeats the 365th's count)
        let mut table = Vec::with_capacity(entries + 2);
        table.push(0);
        let mut counted = 0;
        for k in 0..entries {
            while days.get(counted).is_some_and(|d| Self::entry(first_year, *d) <= k) {
                counted += 1;
            }
            table.push(counted as u32);
        }
        table.push(days.len() as u32);
        DayCounts { first_year, table, days }
    }

    /// The entry of `day` in a table starting at `first_year` (without the sentinel), for a day
    /// of a year covered.
    #[inline(always)]
    fn entry(first_year: i32, day: NaiveDate) -> usize {
        (day.year() - first_year) as usize * YEAR as usize + day.ordinal0() as usize
    }

    /// How many of the days are on or before `day`.
    #[inline(always)]
    pub(crate) fn at_or_before(&self, day: NaiveDate) -> usize {
        self.counting().count(day)
    }

    /// How this table answers [`DayCounts::at_or_before`]: decided once for a block of days
    /// (`Spans::pick`) instead of on every call.
    #[inline(always)]
    pub(crate) fn counting(&self) -> Counting<'_> {
        match self.days.as_slice() {
            // one or two days (one window: a scorecard of one period): compares are cheaper
            // than the entry; none: 0 (`n` masks the compares)
            [] => Counting::Few { days: [NaiveDate::MIN; 2], n: [0, 0] },
            [a] => Counting::Few { days: [*a, *a], n: [1, 0] },
            [a, b] => Counting::Few { days: [*a, *b], n: [1, 1] },
            _ if self.table.is_empty() => Counting::Search(&self.days),
            _ => Counting::Table { first_year: self.first_year, table: &self.table },
        }
    }
}

/// The ways a [`DayCounts`] counts the days on or before a day, each one's count an
/// `#[inline(always)]` function, so a loop over many days that matches the way once runs
/// one of them alone.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Counting<'a> {
    /// At most two days, compared: `n[k]` is 1 when `days[k]` is one of them (0 masks it).
    Few { days: [NaiveDate; 2], n: [usize; 2] },
    /// The table of [`DayCounts::table`], from `first_year`.
    Table { first_year: i32, table: &'a [u32] },
    /// The days themselves (too many years for a table): a binary search.
    Search(&'a [NaiveDate]),
}

impl Counting<'_> {
    /// How many of the days are on or before `day`.
    #[inline(always)]
    pub(crate) fn count(&self, day: NaiveDate) -> usize {
        match *self {
            Counting::Few { days, n } => few(days, n, day),
            Counting::Table { first_year, table } => tabled(first_year, table, day),
            Counting::Search(days) => days.partition_point(|d| *d <= day),
        }
    }
}

/// [`Counting::Few`]'s count: `(days[0] <= day) + (days[1] <= day)`, each masked by `n`.
#[inline(always)]
pub(crate) fn few(days: [NaiveDate; 2], n: [usize; 2], day: NaiveDate) -> usize {
    (usize::from(days[0] <= day) & n[0]) + (usize::from(days[1] <= day) & n[1])
}

/// [`Counting::Table`]'s count: entry `1 + (year − first_year) × 366 + ordinal0`, clamped to
/// the sentinels (before the years covered: 0; after them: the last entry, all).
#[inline(always)]
pub(crate) fn tabled(first_year: i32, table: &[u32], day: NaiveDate) -> usize {
    let entry = 1 + (day.year() - first_year) as i64 * i64::from(YEAR) + i64::from(day.ordinal0());
    table[entry.clamp(0, table.len() as i64 - 1) as usize] as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// The table answers as a binary search does, for days before, on, between and after the
    /// listed ones, across leap and common years, with none, one and many days, and for days
    /// too far apart for a table.
    #[test]
    fn counts_are_those_of_a_binary_search() {
        let lists: Vec<Vec<NaiveDate>> = vec![
            vec![],
            vec![day("2025-01-01")],
            vec![day("2025-01-01"), day("2026-01-01")],
            (0..13).map(|m| day("2025-01-01").checked_add_months(chrono::Months::new(m)).unwrap()).collect(),
            vec![day("2023-12-31"), day("2024-02-29"), day("2024-03-01"), day("2024-12-31"), day("2025-01-01")],
            vec![day("1900-01-01"), day("2025-06-01"), day("2100-01-01")],
        ];
        for days in lists {
            let counts = DayCounts::new(days.clone());
            let mut probe = day("1899-12-01");
            let mut probes = vec![NaiveDate::MIN, NaiveDate::MAX];
            while probe < day("2101-02-01") {
                probes.push(probe);
                // every day around the listed ones, a day a month elsewhere
                let near = days.iter().any(|d| (*d - probe).num_days().abs() < 400);
                probe = probe + chrono::Days::new(if near { 1 } else { 29 });
            }
            for p in probes {
                assert_eq!(counts.at_or_before(p), days.partition_point(|d| *d <= p), "{days:?} at {p}");
            }
        }
    }
}
