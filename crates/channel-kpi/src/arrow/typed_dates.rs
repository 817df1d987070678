//! Date columns of the typed readers (`date32`, read as the row path reads a date): a column
//! looked up by name ([`dates`]), one cell ([`date`]), a whole column appended
//! ([`push_dates`], [`push_required_dates`]), and the day-number cache they share ([`Days`]).
//!
//! ```text
//! date32 [20089, 20089, null, 20090] → push_dates → [2025-01-01, 2025-01-01, None, 2025-01-02]
//! ```

use arrow_array::cast::AsArray;
use arrow_array::types::Date32Type;
use arrow_array::{Array, PrimitiveArray, RecordBatch};
use arrow_schema::DataType;
use chrono::NaiveDate;

/// A date column: absent, all null, or `date32`.
pub(super) fn dates<'a>(b: &'a RecordBatch, name: &str) -> Option<Option<&'a PrimitiveArray<Date32Type>>> {
    match b.column_by_name(name) {
        None => Some(None),
        Some(a) if a.data_type() == &DataType::Null => Some(None),
        Some(a) if a.data_type() == &DataType::Date32 => Some(Some(a.as_primitive())),
        Some(_) => None,
    }
}

/// The date of row `i` (`None` where null or the column is absent); `None` at a day number
/// no date has.
#[inline]
pub(super) fn date(c: Option<&PrimitiveArray<Date32Type>>, i: usize, days: &mut Days) -> Option<Option<NaiveDate>> {
    match c {
        Some(a) if a.is_valid(i) => days.get(a.value(i)).map(Some),
        _ => Some(None),
    }
}

/// The `n` dates of an optional date column appended to `out` (`None` where null or the
/// column is absent); `None` at a day number no date has.
pub(super) fn push_dates(
    c: Option<&PrimitiveArray<Date32Type>>,
    n: usize,
    days: &mut Days,
    out: &mut Vec<Option<NaiveDate>>,
) -> Option<()> {
    match c {
        None => out.resize(out.len() + n, None),
        Some(a) if a.null_count() == 0 => {
            out.reserve(n);
            for &day in &a.values()[..n] {
                out.push(Some(days.get(day)?));
            }
        }
        Some(a) => {
            out.reserve(n);
            for i in 0..n {
                out.push(date(Some(a), i, days)?);
            }
        }
    }
    Some(())
}

/// The `n` dates of a required date column appended to `out`; `None` at a null (the row path
/// refuses it) or a day number no date has. A column without nulls is read without a validity
/// check per row.
pub(super) fn push_required_dates(c: &PrimitiveArray<Date32Type>, n: usize, days: &mut Days, out: &mut Vec<NaiveDate>) -> Option<()> {
    out.reserve(n);
    if c.null_count() == 0 {
        let values = &c.values()[..n];
        if !push_spanned(values, out) {
            for &day in values {
                out.push(days.get(day)?);
            }
        }
    } else {
        for i in 0..n {
            out.push(date(Some(c), i, days)??);
        }
    }
    Some(())
}

/// Day numbers `values` appended to `out` as dates through a table of every day from the least
/// of them to the greatest, when those days are all dates and at most as many as the values (or
/// 4,096): true; else false, nothing appended (the caller reads them one by one). The span is
/// found in one pass the compiler vectorizes, and each value is then one subtraction and one
/// read of the table (the `Days` cache per value was 27 instructions a lead on 10 M leads).
/// A day between two dates is a date (chrono's dates are one run of days).
fn push_spanned(values: &[i32], out: &mut Vec<NaiveDate>) -> bool {
    let Some((&first, _)) = values.split_first() else { return true };
    let (lo, hi) = values.iter().fold((first, first), |(lo, hi), &d| (lo.min(d), hi.max(d)));
    let span = (i64::from(hi) - i64::from(lo) + 1) as usize;
    if span > values.len().max(4096) || Date32Type::to_naive_date_opt(hi).is_none() {
        return false;
    }
    let Some(start) = Date32Type::to_naive_date_opt(lo) else { return false };
    let table: Vec<NaiveDate> = start.iter_days().take(span).collect();
    if table.len() < span {
        return false;
    }
    out.extend(values.iter().map(|&d| table[(d - lo) as usize]));
    true
}

/// Day numbers as dates, the last 4,096 distinct days remembered (a deals table's dates span a
/// few years, so nearly every row is one array read instead of a calendar computation).
pub(super) struct Days(Box<[(i32, Option<NaiveDate>); 4096]>);

impl Days {
    pub(super) fn new() -> Self {
        Days(Box::new([(i32::MIN, None); 4096]))
    }
    #[inline]
    fn get(&mut self, day: i32) -> Option<NaiveDate> {
        let slot = &mut self.0[day as usize & 4095];
        if slot.0 != day {
            *slot = (day, Date32Type::to_naive_date_opt(day));
        }
        slot.1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each row's date as [`date`] reads it alone.
    fn one_by_one(a: &PrimitiveArray<Date32Type>) -> Option<Vec<Option<NaiveDate>>> {
        let mut days = Days::new();
        (0..a.len()).map(|i| date(Some(a), i, &mut days)).collect()
    }

    /// [`push_dates`] reads every row as [`date`] does, through the table of days or not:
    /// nulls (whatever day number their slot holds, out of the span too) in and past the first
    /// block of 64, a span too long for a table, all rows null, a day number no date has
    /// (refused), a slice; a required column likewise, refusing a null.
    #[test]
    fn dates_are_read_as_one_by_one() {
        let day = |i: i32| Some(20_089 + i % 40);
        let mut cases: Vec<Vec<Option<i32>>> = vec![
            (0..150).map(|i| if i % 7 == 3 { None } else { day(i) }).collect(),
            (0..150).map(|i| if i % 7 == 3 { None } else { Some(i * 1_000) }).collect(),
            vec![None; 70],
            vec![Some(5), None, Some(i32::MAX), Some(6)],
            (0..130).map(day).collect(),
            vec![],
        ];
        cases.push(cases[0].iter().map(|d| d.or(Some(0))).collect());
        for values in cases {
            let mut a = PrimitiveArray::<Date32Type>::from(values.clone());
            if values.contains(&None) && values.len() > 64 {
                // null slots holding day numbers far outside the span
                let raw: Vec<i32> = values.iter().map(|d| d.unwrap_or(-900_000)).collect();
                a = PrimitiveArray::new(raw.into(), a.nulls().cloned());
            }
            for (from, n) in [(0, a.len()), (a.len().min(3), a.len().saturating_sub(3))] {
                let s = a.slice(from, n);
                let want = one_by_one(&s);
                let mut got = vec![None];
                let read = push_dates(Some(&s), n, &mut Days::new(), &mut got);
                assert_eq!(read.map(|_| got[1..].to_vec()), want, "{values:?} {from}");
                let mut required = Vec::new();
                let req = push_required_dates(&s, n, &mut Days::new(), &mut required).map(|_| required);
                let want_req = want.and_then(|w| w.into_iter().collect::<Option<Vec<_>>>());
                assert_eq!(req, want_req, "{values:?} {from}");
            }
        }
    }
}
