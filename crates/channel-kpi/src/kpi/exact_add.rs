//! [`checked_add`]: `Decimal::checked_add` with a short way for the sums the KPIs keep.
//!
//! A money sum adds amounts of one currency, so nearly always of one scale (cents: scale 2);
//! and a sum starts at `Decimal::ZERO` (scale 0). `rust_decimal`'s general addition aligns
//! scales and normalizes signs on every call. Here two decimals of one scale add their
//! mantissas (`i128`, no overflow: each is below 2^96) and keep the scale, and the zero a sum
//! starts at gives back the amount; every other case (scales that differ, a result of 2^96 or
//! more, a zero result, whose sign `rust_decimal` decides) goes to `Decimal::checked_add`. The
//! result is the same `Decimal`, bit for bit (its 16 bytes: mantissa, scale, sign), as
//! `Decimal::checked_add` gives — so sums print and serialize alike (proptest below).
//!
//! Example: `12.50 + 0.75` = mantissas 1250 + 75 at scale 2 = `13.25`; `0 + 12.50` = `12.50`.
//!
//! [`positive`] is `d > Decimal::ZERO` read from the sign and the mantissa (`0.00 > 0`
//! compares two scales): the retention KPIs ask it of every account at both edges.

use rust_decimal::Decimal;

/// `a + b`, exactly as `a.checked_add(b)` (`None` on overflow).
#[inline]
pub(crate) fn checked_add(a: Decimal, b: Decimal) -> Option<Decimal> {
    if a.scale() == b.scale() {
        let m = a.mantissa() + b.mantissa();
        if m != 0 && m.unsigned_abs() < 1u128 << 96 {
            return Some(Decimal::from_i128_with_scale(m, a.scale()));
        }
    } else if a.serialize() == Decimal::ZERO.serialize() && !b.is_zero() {
        return Some(b);
    }
    a.checked_add(b)
}

/// `d > Decimal::ZERO` (`−0` and `0.00` are not positive).
#[inline]
pub(crate) fn positive(d: Decimal) -> bool {
    !d.is_zero() && d.is_sign_positive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn same(a: Decimal, b: Decimal) -> Result<(), TestCaseError> {
        let (got, want) = (checked_add(a, b), a.checked_add(b));
        prop_assert_eq!(got.map(|d| d.serialize()), want.map(|d| d.serialize()), "{} + {}", a, b);
        Ok(())
    }

    #[test]
    fn edges() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(checked_add(d("12.50"), d("0.75")).unwrap().to_string(), "13.25");
        assert_eq!(checked_add(Decimal::ZERO, d("12.50")).unwrap().to_string(), "12.50");
        assert_eq!(checked_add(Decimal::MAX, Decimal::ONE), None);
        for (a, b) in [("1.00", "-1.00"), ("-0.00", "0.00"), ("0", "-0.00"), ("0", "0.00"), ("-1", "1"), ("0.5", "0.25")] {
            assert_eq!(checked_add(d(a), d(b)).map(|x| x.serialize()), d(a).checked_add(d(b)).map(|x| x.serialize()), "{a} + {b}");
        }
        let max = Decimal::MAX;
        assert_eq!(checked_add(max, -max).map(|x| x.serialize()), max.checked_add(-max).map(|x| x.serialize()));
    }

    proptest! {
        #[test]
        fn same_as_rust_decimal(lo in any::<u32>(), mid in any::<u32>(), hi in any::<u32>(), neg: bool, scale in 0u32..=28,
                                lo2 in any::<u32>(), mid2 in any::<u32>(), hi2 in any::<u32>(), neg2: bool, scale2 in 0u32..=28,
                                cents in -1_000_000i64..1_000_000, cents2 in -1_000_000i64..1_000_000) {
            let (a, b) = (Decimal::from_parts(lo, mid, hi, neg, scale), Decimal::from_parts(lo2, mid2, hi2, neg2, scale2));
            let (c, e) = (Decimal::new(cents, 2), Decimal::new(cents2, 2));
            for x in [a, c, -c, Decimal::from_parts(0, 0, 0, neg, scale)] {
                prop_assert_eq!(positive(x), x > Decimal::ZERO, "{}", x);
            }
            for (x, y) in [(a, b), (a, Decimal::from_parts(lo2, mid2, hi2, neg2, scale)), (c, e), (Decimal::ZERO, c), (Decimal::ZERO, a), (c, Decimal::ZERO), (c, -c)] {
                same(x, y)?;
            }
        }
    }
}
