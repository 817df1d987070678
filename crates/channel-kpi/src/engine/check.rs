//! [`Check`]: the invariants of a partial state, verified when a [`super::Partial`] is decoded
//! (a hand-edited or corrupted partial must be refused, never finish into a wrong number).

/// The invariants a partial state holds whatever records were folded into it: counts of
/// successes never exceed their trials, a sum has a count behind it, a histogram has no empty
/// bins and its total fits in a count. `Err` describes the first violation (the caller adds
/// which state it is).
///
/// ```
/// use channel_kpi::Check;
/// use channel_kpi::kpi::common::Proportion;
/// assert!(Proportion { hits: 2, n: 3 }.check().is_ok());
/// assert_eq!(Proportion { hits: 7, n: 2 }.check().unwrap_err(), "7 successes out of 2 trials");
/// ```
pub trait Check {
    /// `Ok` when every invariant holds.
    fn check(&self) -> Result<(), String>;
}

/// `Ok` when `cond`, else `Err(msg)`.
pub(crate) fn ensure(cond: bool, msg: impl FnOnce() -> String) -> Result<(), String> {
    if cond { Ok(()) } else { Err(msg()) }
}

/// Checks every value of a map, naming the key of the first bad one.
pub(crate) fn each<'a, K: std::fmt::Display + 'a, V: Check + 'a>(it: impl IntoIterator<Item = (K, &'a V)>) -> Result<(), String> {
    for (k, v) in it {
        v.check().map_err(|e| format!("[{k}] {e}"))?;
    }
    Ok(())
}

/// Histogram bins `(value, count)`: none empty, the total fits in a count.
pub(crate) fn bins<T: std::fmt::Display>(it: impl IntoIterator<Item = (T, u64)>) -> Result<(), String> {
    let mut total: u64 = 0;
    for (v, n) in it {
        ensure(n > 0, || format!("histogram bin {v} has a count of 0"))?;
        total = total.checked_add(n).ok_or_else(|| "histogram counts overflow".to_string())?;
    }
    Ok(())
}
