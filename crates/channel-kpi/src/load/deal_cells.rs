//! What the typed CSV and JSON Lines deal readers (`load/deal_plan.rs`) remember of the cells
//! they already read, so that a repeated text costs a look-up instead of a parse, each giving
//! exactly what the row path's parse function gives for that text:
//!
//! * [`Dates`]: [`parse_date`] with the file's formats, by the date's text;
//! * [`Vocab`]: a small vocabulary's `FromStr` (status, channel, kind …), by the cell's text;
//! * [`amount`]: [`parse_decimal`], read by hand for the usual amount (`1234.50`).

use super::row::parse_date;
use crate::money::parse_decimal;
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// Dates already parsed by [`parse_date`] with the file's formats, by their text (up to 15
/// bytes, its length in the key's last byte), the last 4,096 distinct texts remembered: a deals
/// file's dates span a few years, so nearly every date is one lookup instead of a parse.
pub(super) struct Dates(Box<[(u128, NaiveDate); 4096]>);

impl Dates {
    pub(super) fn new() -> Self {
        Dates(Box::new([(0, NaiveDate::MIN); 4096]))
    }
    /// `parse_date(v, formats)`, `None` when it fails.
    #[inline]
    pub(super) fn get(&mut self, v: &str, formats: &[String]) -> Option<NaiveDate> {
        let b = v.as_bytes();
        if b.is_empty() || b.len() > 15 {
            return parse_date(v, formats).ok();
        }
        let mut key = [0u8; 16];
        key[..b.len()].copy_from_slice(b);
        key[15] = b.len() as u8;
        let key = u128::from_le_bytes(key);
        let slot = &mut self.0[((key as u64 ^ (key >> 64) as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 52) as usize];
        if slot.0 != key {
            *slot = (key, parse_date(v, formats).ok()?);
        }
        Some(slot.1)
    }
}

/// The values of one small vocabulary field read so far, by their exact text (the first 16
/// distinct texts; any other is parsed each time). A deals file's statuses, channels and kinds
/// are a handful of texts, each parsed once instead of once per row.
pub(super) struct Vocab<T>(Vec<(Box<str>, T)>);

impl<T> Default for Vocab<T> {
    fn default() -> Self {
        Vocab(Vec::new())
    }
}

impl<T: Copy> Vocab<T> {
    /// `parse(v)`, remembered; `None` when it fails (not remembered).
    #[inline]
    pub(super) fn get(&mut self, v: &str, parse: impl Fn(&str) -> Option<T>) -> Option<T> {
        if let Some((_, t)) = self.0.iter().find(|(k, _)| k.len() == v.len() && **k == *v) {
            return Some(*t);
        }
        let t = parse(v)?;
        if self.0.len() < 16 {
            self.0.push((Box::from(v), t));
        }
        Some(t)
    }
}

/// `parse_decimal(a)`, `None` when it fails: a plain amount (up to 18 bytes of ASCII digits, at
/// most one `.` between two of them) read by hand into the same mantissa and scale as
/// `Decimal::from_str_exact` gives, anything else through `parse_decimal` itself.
///
/// `amount("177.08") == Some(Decimal::new(17708, 2))`, `amount("1e3") == None`.
#[inline]
pub(super) fn amount(a: &str) -> Option<Decimal> {
    let b = a.as_bytes();
    if b.is_empty() || b.len() > 18 {
        return parse_decimal(a).ok(); // (18 digits fit an i64)
    }
    let (mut m, mut point) = (0i64, None);
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'0'..=b'9' => m = m * 10 + i64::from(c - b'0'),
            b'.' if point.is_none() && i > 0 && i + 1 < b.len() => point = Some(i),
            _ => return parse_decimal(a).ok(),
        }
    }
    Some(Decimal::new(m, point.map_or(0, |p| (b.len() - p - 1) as u32)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_by_hand_are_parse_decimal() {
        let cases = [
            "0", "7", "177.08", "177.10", "0.00", "007.50", "1.", ".5", "-1.5", "+2", " 3 ", "1e3", "1.2.3", "12345678901234567.8",
            "123456789012345678", "1234567890123456789", "999999999999999999", "1_000", "", "٣", "0.000000000000000001",
        ];
        for c in cases {
            let (mine, theirs) = (amount(c), parse_decimal(c).ok());
            assert_eq!(mine, theirs, "{c:?}");
            assert_eq!(mine.map(|d| d.to_string()), theirs.map(|d| d.to_string()), "{c:?}: the same scale");
        }
        // every short text of digits and points
        let alphabet = ['0', '1', '9', '.'];
        let mut texts = vec![String::new()];
        for _ in 0..5 {
            texts = texts.iter().flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}"))).collect();
            for t in &texts {
                assert_eq!(amount(t).map(|d| d.to_string()), parse_decimal(t).ok().map(|d| d.to_string()), "{t:?}");
            }
        }
    }

    #[test]
    fn a_vocabulary_remembers_what_parsed() {
        let mut v = Vocab::<u8>::default();
        let parse = |s: &str| s.parse::<u8>().ok();
        assert_eq!((v.get("7", parse), v.get("7", parse), v.get("x", parse)), (Some(7), Some(7), None));
        assert_eq!(v.0.len(), 1, "a text that does not parse is not remembered");
        (0..40).for_each(|i| assert_eq!(v.get(&i.to_string(), parse), Some(i)));
        assert_eq!(v.0.len(), 16);
    }
}
