//! The columns of a deals batch as the columnar path reads them: dates as `date32` day numbers,
//! amounts as raw integers with their scale, strings of any Arrow layout.

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Decimal128Type, Int32Type, Int64Type};
use arrow_array::{Array, ArrayRef, PrimitiveArray, RecordBatch};
use arrow_schema::DataType;

/// The columns of one batch, typed for the columnar path.
pub(super) struct Columns<'a> {
    pub(super) created: &'a PrimitiveArray<Date32Type>,
    pub(super) closed: Option<&'a PrimitiveArray<Date32Type>>,
    pub(super) status: Strs<'a>,
    pub(super) partner: Option<Strs<'a>>,
    pub(super) currency: Option<Strs<'a>>,
    pub(super) amount: Amounts<'a>,
}

impl<'a> Columns<'a> {
    /// The columns when every one has a type the columnar path reads (else `None`: the row
    /// path takes the batch and reports type problems itself).
    pub(super) fn of(b: &'a RecordBatch, by_partner: bool) -> Option<Columns<'a>> {
        let col = |n: &str| b.column_by_name(n);
        let date = |a: &'a ArrayRef| (a.data_type() == &DataType::Date32).then(|| a.as_primitive::<Date32Type>());
        let deal_id = col("deal_id")?;
        if deal_id.null_count() > 0 || Strs::of(deal_id).is_none() {
            return None;
        }
        let closed = match col("closed_on") {
            None => None,
            Some(a) if a.data_type() == &DataType::Null => None,
            Some(a) => Some(date(a)?),
        };
        let partner = match col("partner_id") {
            Some(a) if by_partner && a.data_type() != &DataType::Null => Some(Strs::of(a)?),
            _ => None,
        };
        Some(Columns {
            created: date(col("created_on")?)?,
            closed,
            status: Strs::of(col("status")?)?,
            partner,
            currency: match col("currency") {
                Some(a) => Some(Strs::of(a)?),
                None => None,
            },
            amount: match col("amount") {
                None => Amounts::None,
                Some(a) => Amounts::of(a)?,
            },
        })
    }
}

/// A string column without dictionary encoding.
pub(super) enum Flat<'a> {
    Utf8(&'a arrow_array::StringArray),
    Large(&'a arrow_array::LargeStringArray),
    View(&'a arrow_array::StringViewArray),
}

impl<'a> Flat<'a> {
    fn of(a: &'a dyn Array) -> Option<Flat<'a>> {
        Some(match a.data_type() {
            DataType::Utf8 => Flat::Utf8(a.as_string::<i32>()),
            DataType::LargeUtf8 => Flat::Large(a.as_string::<i64>()),
            DataType::Utf8View => Flat::View(a.as_string_view()),
            _ => return None,
        })
    }
    pub(super) fn len(&self) -> usize {
        match self {
            Flat::Utf8(a) => a.len(),
            Flat::Large(a) => a.len(),
            Flat::View(a) => a.len(),
        }
    }
    #[inline(always)]
    pub(super) fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Flat::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            Flat::Large(a) => a.is_valid(i).then(|| a.value(i)),
            Flat::View(a) => a.is_valid(i).then(|| a.value(i)),
        }
    }
}

/// A string column of any Arrow string layout, dictionary-encoded or not.
pub(super) enum Strs<'a> {
    Flat(Flat<'a>),
    Dict { keys: Vec<Option<usize>>, values: Flat<'a> },
}

impl<'a> Strs<'a> {
    pub(super) fn of(a: &'a ArrayRef) -> Option<Strs<'a>> {
        let a = a.as_ref();
        Some(match a.data_type() {
            DataType::Dictionary(..) => {
                let d = a.as_any_dictionary_opt()?;
                let values = Flat::of(d.values().as_ref())?;
                // (`normalized_keys` asserts a non-empty dictionary: then every key is null)
                let keys = if d.values().is_empty() {
                    vec![None; a.len()]
                } else {
                    d.normalized_keys().into_iter().enumerate().map(|(i, k)| a.is_valid(i).then_some(k)).collect()
                };
                Strs::Dict { keys, values }
            }
            _ => Strs::Flat(Flat::of(a)?),
        })
    }
    /// The one value of a column without nulls whose values are all the same short text
    /// (checked in one pass over the value bytes), else `None`.
    pub(super) fn uniform(&self) -> Option<&'a str> {
        match self {
            Strs::Flat(Flat::Utf8(a)) if a.null_count() == 0 && !a.is_empty() => {
                let offs = a.value_offsets();
                let (first, width) = (offs[0] as usize, (offs[1] - offs[0]) as usize);
                if width == 0 || width > 8 {
                    return None;
                }
                // every value `width` bytes long, and each byte equal to the one `width` before
                // (so every value equals the first): branch-free folds the compiler vectorizes
                let evenly = offs.windows(2).fold(true, |acc, w| acc & (w[1] - w[0] == width as i32));
                let data = &a.value_data()[first..first + width * a.len()];
                (evenly && data[width..] == data[..data.len() - width]).then(|| a.value(0))
            }
            Strs::Dict { keys, values } if values.len() == 1 && keys.iter().all(Option::is_some) => values.get(0),
            _ => None,
        }
    }
    #[cfg(test)]
    fn len(&self) -> usize {
        match self {
            Strs::Flat(f) => f.len(),
            Strs::Dict { keys, .. } => keys.len(),
        }
    }
    #[inline(always)]
    pub(super) fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Strs::Flat(f) => f.get(i),
            Strs::Dict { keys, values } => keys[i].and_then(|k| values.get(k)),
        }
    }
}

/// The amount column as raw integers and their scale.
pub(super) enum Amounts<'a> {
    None,
    Decimal(&'a PrimitiveArray<Decimal128Type>, u32),
    Int64(&'a PrimitiveArray<Int64Type>),
    Int32(&'a PrimitiveArray<Int32Type>),
}

impl<'a> Amounts<'a> {
    pub(super) fn of(a: &'a ArrayRef) -> Option<Amounts<'a>> {
        Some(match a.data_type() {
            DataType::Null => Amounts::None,
            DataType::Decimal128(_, s) if (0..=28).contains(s) => Amounts::Decimal(a.as_primitive(), *s as u32),
            DataType::Int64 => Amounts::Int64(a.as_primitive()),
            DataType::Int32 => Amounts::Int32(a.as_primitive()),
            _ => return None,
        })
    }
    #[inline]
    pub(super) fn get(&self, i: usize) -> Option<i128> {
        match self {
            Amounts::None => None,
            Amounts::Decimal(a, _) => a.is_valid(i).then(|| a.value(i)),
            Amounts::Int64(a) => a.is_valid(i).then(|| i128::from(a.value(i))),
            Amounts::Int32(a) => a.is_valid(i).then(|| i128::from(a.value(i))),
        }
    }
    pub(super) fn scale(&self) -> u32 {
        match self {
            Amounts::Decimal(_, s) => *s,
            _ => 0,
        }
    }
    pub(super) fn text(&self, v: i128) -> String {
        match self {
            Amounts::Decimal(_, s) => <Decimal128Type as arrow_array::types::DecimalType>::format_decimal(v, 38, *s as i8),
            _ => v.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strs_len_matches() {
        let a: ArrayRef = std::sync::Arc::new(arrow_array::StringArray::from(vec![Some("a"), None]));
        let s = Strs::of(&a).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s.get(0), Some("a"));
        assert_eq!(s.get(1), None);
    }
}
