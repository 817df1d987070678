//! The estimators behind the forecast, free of the engine: the shrunk stage-to-win rate, the
//! exact Poisson-binomial distribution of a number of wins, and the seeded Monte Carlo
//! distribution of a won value. Each is a pure function, checked by hand in
//! `tests/forecast.rs`.

/// Empirical-Bayes (beta-binomial) estimate of a rate: `hits` out of `n` of one group,
/// shrunk toward `prior` (the rate of every group of the level pooled) with the weight of
/// `strength` pseudo-observations:
///
/// `p̂ = (hits + strength · prior) ÷ (n + strength)`.
///
/// It is the mean of the Beta(hits + k·prior, n − hits + k·(1 − prior)) posterior under a
/// Beta(k·prior, k·(1 − prior)) prior: a group with no data gets `prior`, a group with `k`
/// trials is halfway between its own rate and the prior, and large groups keep their own.
/// `None` when there is neither data nor a prior (`n = 0` and `strength = 0`).
///
/// ```
/// use channel_kpi::kpi::forecast::shrunk_rate;
/// // 2 of 4 won, the pooled rate 0.3 weighted as 20 deals: (2 + 6) / 24.
/// assert!((shrunk_rate(2, 4, 0.3, 20.0).unwrap() - 1.0 / 3.0).abs() < 1e-15);
/// assert_eq!(shrunk_rate(0, 0, 0.3, 20.0), Some(0.3));
/// assert_eq!(shrunk_rate(3, 4, 0.3, 0.0), Some(0.75));
/// ```
pub fn shrunk_rate(hits: u64, n: u64, prior: f64, strength: f64) -> Option<f64> {
    let den = n as f64 + strength;
    (den > 0.0).then(|| (hits as f64 + strength * prior) / den)
}

/// The exact distribution of the number of successes of independent trials with success
/// probabilities `ps` (the Poisson-binomial): `pmf[k]` = P(exactly k successes), by the
/// standard recurrence adding one trial at a time (O(n²), exact up to floating point).
///
/// ```
/// use channel_kpi::kpi::forecast::poisson_binomial;
/// let pmf = poisson_binomial(&[0.5, 0.2]);
/// // 0: 0.5·0.8, 1: 0.5·0.8 + 0.5·0.2, 2: 0.5·0.2
/// assert!((pmf[0] - 0.4).abs() < 1e-15 && (pmf[1] - 0.5).abs() < 1e-15 && (pmf[2] - 0.1).abs() < 1e-15);
/// ```
pub fn poisson_binomial(ps: &[f64]) -> Vec<f64> {
    let mut pmf = Vec::with_capacity(ps.len() + 1);
    pmf.push(1.0);
    for &p in ps {
        pmf.push(0.0);
        for k in (1..pmf.len()).rev() {
            pmf[k] = pmf[k] * (1.0 - p) + pmf[k - 1] * p;
        }
        pmf[0] *= 1.0 - p;
    }
    pmf
}

/// The central interval of a count distribution at `confidence`: the smallest `lo` with
/// P(X ≤ lo) ≥ α/2 and the smallest `hi` with P(X ≤ hi) ≥ 1 − α/2 (α = 1 − confidence). It
/// holds at least `confidence` of the probability. A tolerance of 1e-12 absorbs rounding in
/// the cumulative sums (so a distribution with mass exactly 1 at k gives `(k, k)`).
pub fn count_interval(pmf: &[f64], confidence: f64) -> (u64, u64) {
    let alpha = 1.0 - confidence;
    let (mut lo, mut hi) = (None, None);
    let mut cdf = 0.0;
    for (k, p) in pmf.iter().enumerate() {
        cdf += p;
        if lo.is_none() && cdf >= alpha / 2.0 - 1e-12 {
            lo = Some(k as u64);
        }
        if cdf >= 1.0 - alpha / 2.0 - 1e-12 {
            hi = Some(k as u64);
            break;
        }
    }
    let last = pmf.len().saturating_sub(1) as u64;
    (lo.unwrap_or(last), hi.unwrap_or(last))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_binomial_sums_to_one_and_matches_the_binomial() {
        let pmf = poisson_binomial(&[0.3; 5]);
        let binom = [0.16807, 0.36015, 0.3087, 0.1323, 0.02835, 0.00243];
        for (a, b) in pmf.iter().zip(binom) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
        assert_eq!(poisson_binomial(&[]), vec![1.0]);
    }

    #[test]
    fn intervals_at_the_edges() {
        assert_eq!(count_interval(&poisson_binomial(&[1.0, 1.0, 0.0]), 0.95), (2, 2));
        assert_eq!(count_interval(&[1.0], 0.95), (0, 0));
    }
}
