//! Survey scores against whole numbers, exactly and without aligning scales.
//!
//! A score is a [`Decimal`] `m × 10^−s` (mantissa `m`, scale `s`; `4.0` is `40 × 10^−1`).
//! Comparing it with [`Decimal::from`]`(k)` (scale 0) makes `rust_decimal` rescale one side
//! on every call; here the whole number is scaled instead, `k × 10^s`, one `i128` product:
//! [`cmp_int`] gives the same ordering, [`round_int`] the same whole number as
//! [`Decimal::round`] (half to even). The survey checks and KPIs ask this of every answer.
//!
//! Edge cases: `k × 10^s` beyond `i128` (a huge `k`, scale 28) is beyond every mantissa
//! (< 2^96), so the sign of `k` decides; `−0` equals `0`; a rounded value outside `i64` is
//! `None`.
//!
//! Example: `cmp_int(4.0, 4)` is `Equal`, `cmp_int(3.95, 4)` `Less`; `round_int(2.5)` is 2,
//! `round_int(3.5)` 4, `round_int(−2.5)` −2.

use rust_decimal::Decimal;
use std::cmp::Ordering;

/// `10^s` for a scale `s ≤ 28`.
#[inline]
fn pow10(s: u32) -> i128 {
    10i128.pow(s)
}

/// The ordering of `d` against the whole number `k`: `d.cmp(&Decimal::from(k))`.
#[inline]
pub(crate) fn cmp_int(d: Decimal, k: i64) -> Ordering {
    let m = d.mantissa();
    match i128::from(k).checked_mul(pow10(d.scale())) {
        Some(scaled) => m.cmp(&scaled),
        // |k × 10^s| > 2^96 > |m|
        None if k > 0 => Ordering::Less,
        None => Ordering::Greater,
    }
}

/// `d` rounded to a whole number, half to even: `i64::try_from(d.round()).ok()`.
#[inline]
pub(crate) fn round_int(d: Decimal) -> Option<i64> {
    let (m, p) = (d.mantissa(), pow10(d.scale()));
    let (mut q, r) = (m / p, m % p);
    let twice = 2 * r.abs();
    if twice > p || (twice == p && q % 2 != 0) {
        q += m.signum();
    }
    i64::try_from(q).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn reference_round(d: Decimal) -> Option<i64> {
        i64::try_from(d.round()).ok()
    }

    #[test]
    fn edges() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(cmp_int(d("4.0"), 4), Ordering::Equal);
        assert_eq!(cmp_int(d("3.95"), 4), Ordering::Less);
        assert_eq!(cmp_int(d("-0.0"), 0), Ordering::Equal);
        assert_eq!(cmp_int(d("0.0000000000000000000000000001"), i64::MAX), Ordering::Less);
        assert_eq!(cmp_int(d("0.0000000000000000000000000001"), i64::MIN), Ordering::Greater);
        assert_eq!(cmp_int(Decimal::MAX, i64::MAX), Ordering::Greater);
        for (s, r) in [("2.5", 2), ("3.5", 4), ("-2.5", -2), ("-3.5", -4), ("2.49", 2), ("2.51", 3), ("-0.5", 0), ("7", 7)] {
            assert_eq!(round_int(d(s)), Some(r), "{s}");
        }
        assert_eq!(round_int(Decimal::MAX), None);
    }

    proptest! {
        #[test]
        fn same_as_rust_decimal(lo in any::<u32>(), mid in any::<u32>(), hi in any::<u32>(), neg: bool, scale in 0u32..=28, k in any::<i64>(), small in -12i64..=12) {
            let d = Decimal::from_parts(lo, mid, hi, neg, scale);
            let e = Decimal::from_parts(lo % 200, 0, 0, neg, scale.min(3));
            for x in [d, e] {
                prop_assert_eq!(cmp_int(x, k), x.cmp(&Decimal::from(k)));
                prop_assert_eq!(cmp_int(x, small), x.cmp(&Decimal::from(small)));
                prop_assert_eq!(round_int(x), reference_round(x));
            }
        }
    }
}
