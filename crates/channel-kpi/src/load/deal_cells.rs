//! What the typed CSV and JSON Lines deal readers (`load/deal_plan.rs`) remember of the cells
//! they already read, so that a repeated text costs a look-up instead of a parse, each giving
//! exactly what the row path's parse function gives for that text:
//!
//! * [`Dates`]: [`parse_date`] with the file's formats, by the date's text;
//! * [`TextIds`]: a text's id in the deals' dictionary ([`Words::id`]), by the text;
//! * [`Vocab`]: a small vocabulary's `FromStr` (status, channel, kind, currency …), by the cell's text;
//! * [`amount`]: [`parse_decimal`], read by hand for the usual amount (`1234.50`).

use super::row::parse_date;
use crate::domain::Words;
use crate::money::parse_decimal;
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// The bytes of a text of 1 to 16 bytes as one number (with its length, which tells texts that
/// differ only by trailing zero bytes apart): two loads for the usual date, none of the
/// copying a padded buffer costs; `None` for any other text.
#[inline]
fn key(v: &str) -> Option<(u128, u32)> {
    let b = v.as_bytes();
    let word = |b: &[u8]| u64::from_le_bytes(b.try_into().unwrap_or_default());
    let k = match b.len() {
        0 | 17.. => return None,
        1..=8 => b.iter().rev().fold(0u64, |k, &c| k << 8 | u64::from(c)) as u128,
        n => word(&b[..8]) as u128 | (word(&b[n - 8..]) as u128) << 64,
    };
    Some((k, b.len() as u32))
}

/// The slot of `k` in a table of 4,096.
#[inline]
fn slot((k, len): (u128, u32)) -> usize {
    ((k as u64 ^ (k >> 64) as u64 ^ u64::from(len)).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 52) as usize
}

/// Dates already parsed by [`parse_date`] with the file's formats, by their text (up to 16
/// bytes, [`key`]), the last 4,096 distinct texts remembered: a deals file's dates span a few
/// years, so nearly every date is one lookup instead of a parse.
pub(super) struct Dates(Box<[(u128, u32, NaiveDate); 4096]>);

impl Dates {
    pub(super) fn new() -> Self {
        Dates(Box::new([(0, 0, NaiveDate::MIN); 4096]))
    }
    /// `parse_date(v, formats)`, `None` when it fails.
    #[inline]
    pub(super) fn get(&mut self, v: &str, formats: &[String]) -> Option<NaiveDate> {
        let Some(k) = key(v) else { return parse_date(v, formats).ok() };
        let e = &mut self.0[slot(k)];
        if (e.0, e.1) != k {
            *e = (k.0, k.1, parse_date(v, formats).ok()?);
        }
        Some(e.2)
    }
}

/// The dictionary ids of texts (up to 16 bytes, [`key`]) already interned in one [`Words`],
/// the last 4,096 distinct texts remembered: a deals file's partners and owners repeat, so
/// nearly every text is one lookup instead of a hash of the dictionary. Valid for one
/// dictionary only: [`TextIds::clear`] when it is another (or emptied).
pub(super) struct TextIds(Box<[(u128, u32, u32); 4096]>);

impl TextIds {
    pub(super) fn new() -> Self {
        TextIds(Box::new([(0, 0, 0); 4096]))
    }
    /// Forgets every text (length 0 is no text's).
    pub(super) fn clear(&mut self) {
        self.0.iter_mut().for_each(|e| e.1 = 0);
    }
    /// `words.id(v)`.
    #[inline(always)]
    pub(super) fn id(&mut self, words: &mut Words, v: Option<&str>) -> u32 {
        let Some(v) = v else { return 0 };
        let Some(k) = key(v) else { return words.id(Some(v)) };
        let e = &mut self.0[slot(k)];
        if (e.0, e.1) != k {
            *e = (k.0, k.1, words.id(Some(v)));
        }
        e.2
    }
}

/// The values of one small vocabulary field read so far, by their exact text (the first 16
/// distinct texts; any other is parsed each time). A deals file's statuses, channels, kinds and
/// currencies are a handful of texts, each parsed once instead of once per row.
pub(super) struct Vocab<T>(Vec<(u128, u32, Box<str>, T)>);

impl<T> Default for Vocab<T> {
    fn default() -> Self {
        Vocab(Vec::new())
    }
}

impl<T: Copy> Vocab<T> {
    /// `parse(v)`, remembered; `None` when it fails (not remembered).
    #[inline]
    pub(super) fn get(&mut self, v: &str, parse: impl Fn(&str) -> Option<T>) -> Option<T> {
        // a short text compared as its [`key`], a long one (key 0) byte by byte
        let (k, len) = key(v).unwrap_or((0, v.len() as u32));
        let short = (1..=16).contains(&len);
        if let Some((.., t)) = self.0.iter().find(|e| e.0 == k && e.1 == len && (short || *e.2 == *v)) {
            return Some(*t);
        }
        let t = parse(v)?;
        if self.0.len() < 16 {
            self.0.push((k, len, Box::from(v), t));
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
            "0",
            "7",
            "177.08",
            "177.10",
            "0.00",
            "007.50",
            "1.",
            ".5",
            "-1.5",
            "+2",
            " 3 ",
            "1e3",
            "1.2.3",
            "12345678901234567.8",
            "123456789012345678",
            "1234567890123456789",
            "999999999999999999",
            "1_000",
            "",
            "٣",
            "0.000000000000000001",
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
    fn texts_keep_their_ids_and_dates_their_days() {
        let mut words = Words::default();
        let mut ids = TextIds::new();
        let texts = ["P1", "P1\0", "P10", "a", "abcdefgh", "abcdefghi", "2025-01-02", "ab\0cdefghijklmno", "0123456789abcdefg", ""];
        for _ in 0..2 {
            for t in texts {
                assert_eq!(ids.id(&mut words, Some(t)), words.id(Some(t)), "{t:?}");
            }
        }
        assert_eq!((words.len(), ids.id(&mut words, None)), (texts.len(), 0));
        ids.clear();
        let mut other = Words::default();
        assert_eq!(ids.id(&mut other, Some("P10")), 1, "cleared: the other dictionary's id");
        let formats = ["%d/%m/%Y".to_string(), "%Y-%m-%d".to_string()];
        let mut dates = Dates::new();
        for _ in 0..2 {
            for d in ["2025-01-02", "02/01/2025", "2025-1-2", "x", "", "2025-01-02 ", "20250102"] {
                assert_eq!(dates.get(d, &formats), parse_date(d, &formats).ok(), "{d:?}");
            }
        }
    }

    #[test]
    fn a_vocabulary_remembers_what_parsed() {
        let mut v = Vocab::<u8>::default();
        let parse = |s: &str| s.parse::<u8>().ok();
        assert_eq!((v.get("7", parse), v.get("7", parse), v.get("x", parse)), (Some(7), Some(7), None));
        assert_eq!(v.0.len(), 1, "a text that does not parse is not remembered");
        let mut long = Vocab::<usize>::default();
        let len = |s: &str| Some(s.len());
        let texts = ["lead_generation;qualification", "lead_generation;qualificatioN", "x"];
        texts.iter().chain(&texts).for_each(|t| assert_eq!(long.get(t, len), Some(t.len())));
        assert_eq!(long.0.len(), 3);
        (0..40).for_each(|i| assert_eq!(v.get(&i.to_string(), parse), Some(i)));
        assert_eq!(v.0.len(), 16);
    }
}
