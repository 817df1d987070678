//! Learned probabilities are estimates, not facts: the forecast's intervals with them carry the
//! uncertainty of each stage's rate. A learned rate is the mean of a Beta posterior
//! ([`super::shrunk_rate`]); every deal of one group in the same stage and age band shares
//! that posterior, so their outcomes are correlated (if the rate is really lower, all of them
//! win less often). This module gives
//!
//! * [`beta_binomial`]: the exact distribution of the wins of `n` deals sharing one
//!   Beta(a, b) rate, and [`count_distribution`]: the exact distribution of all wins (the
//!   convolution over posteriors, with the Poisson-binomial of deals with a fixed probability);
//! * [`simulate_value`]: the seeded Monte Carlo of the won value in which every run first draws
//!   each posterior's rate ([`sample_beta`]), then each deal's outcome.
//!
//! Checked by hand in the unit tests below and in `tests/forecast.rs`.

use super::estimate::poisson_binomial;
use crate::kpi::training_impact::SplitMix64;

/// A Beta(a, b) distribution of a win rate (a, b ≥ 0; a = 0 is a point mass at 0, b = 0 at 1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Beta {
    /// Wins plus the prior's pseudo-wins.
    pub a: f64,
    /// Losses plus the prior's pseudo-losses.
    pub b: f64,
}

impl Beta {
    /// The posterior of `hits` wins out of `n` deals under a Beta(k·prior, k·(1 − prior))
    /// prior: Beta(hits + k·prior, n − hits + k·(1 − prior)), whose mean is the shrunk rate
    /// `(hits + k·prior) ÷ (n + k)`. `None` without data nor prior (n = 0, k = 0).
    ///
    /// ```
    /// use channel_kpi::kpi::forecast::Beta;
    /// let b = Beta::posterior(2, 4, 0.3, 20.0).unwrap(); // 2 of 4, pooled 0.3 worth 20 deals
    /// assert!((b.a - 8.0).abs() < 1e-12 && (b.b - 16.0).abs() < 1e-12);
    /// assert!((b.mean() - 1.0 / 3.0).abs() < 1e-12);
    /// assert_eq!(Beta::posterior(0, 0, 0.3, 0.0), None);
    /// ```
    pub fn posterior(hits: u64, n: u64, prior: f64, k: f64) -> Option<Beta> {
        let (a, b) = (hits as f64 + k * prior, (n - hits.min(n)) as f64 + k * (1.0 - prior));
        (a + b > 0.0).then_some(Beta { a: a.max(0.0), b: b.max(0.0) })
    }
    /// a ÷ (a + b).
    pub fn mean(&self) -> f64 {
        self.a / (self.a + self.b)
    }
}

/// The beta-binomial distribution: `pmf[k]` = P(k wins of `n` deals whose common rate is
/// Beta(a, b)) = C(n, k) · B(k + a, n − k + b) ÷ B(a, b), computed in logs from
/// P(0) = Π_{i<n} (b + i) ÷ (a + b + i) and the ratio
/// P(k + 1) ÷ P(k) = (n − k)(k + a) ÷ ((k + 1)(n − k − 1 + b)), then normalized.
///
/// Edge cases: n = 0 → `[1]`; a = 0 → all mass at 0; b = 0 → all mass at n.
///
/// ```
/// use channel_kpi::kpi::forecast::{Beta, beta_binomial};
/// // 4 deals, rate Beta(2, 2): 5/35, 8/35, 9/35, 8/35, 5/35 (a binomial(4, ½) would give 1/16 at 0).
/// let pmf = beta_binomial(4, Beta { a: 2.0, b: 2.0 });
/// assert!((pmf[0] - 5.0 / 35.0).abs() < 1e-12 && (pmf[2] - 9.0 / 35.0).abs() < 1e-12);
/// ```
pub fn beta_binomial(n: u64, beta: Beta) -> Vec<f64> {
    let n_us = n as usize;
    let mut pmf = vec![0.0; n_us + 1];
    let Beta { a, b } = beta;
    if n == 0 || a <= 0.0 || b <= 0.0 {
        pmf[if a <= 0.0 || n == 0 { 0 } else { n_us }] = 1.0;
        return pmf;
    }
    let nf = n as f64;
    let mut logs = Vec::with_capacity(n_us + 1);
    let mut l: f64 = (0..n_us).map(|i| (b + i as f64).ln() - (a + b + i as f64).ln()).sum();
    logs.push(l);
    for k in 0..n_us {
        let kf = k as f64;
        l += (nf - kf).ln() - (kf + 1.0).ln() + (kf + a).ln() - (nf - kf - 1.0 + b).ln();
        logs.push(l);
    }
    let top = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    for (p, l) in pmf.iter_mut().zip(&logs) {
        *p = (l - top).exp();
    }
    let total: f64 = pmf.iter().sum();
    pmf.iter_mut().for_each(|p| *p /= total);
    pmf
}

/// The distribution of the sum of two independent counts.
fn convolve(x: &[f64], y: &[f64]) -> Vec<f64> {
    let mut z = vec![0.0; x.len() + y.len() - 1];
    for (i, p) in x.iter().enumerate().filter(|(_, p)| **p != 0.0) {
        for (j, q) in y.iter().enumerate() {
            z[i + j] += p * q;
        }
    }
    z
}

/// The exact distribution of the number of wins: deals with a fixed probability (`fixed`,
/// Poisson-binomial) plus, per posterior, `n` deals sharing its rate (beta-binomial), all
/// independent of each other: their convolution.
///
/// ```
/// use channel_kpi::kpi::forecast::{Beta, count_distribution};
/// // a sure win plus 2 deals sharing Beta(1, 1) (uniform): 1, 2 or 3 wins, each ⅓.
/// let pmf = count_distribution(&[1.0], &[(2, Beta { a: 1.0, b: 1.0 })]);
/// assert!(pmf[0].abs() < 1e-15 && pmf[1..].iter().all(|p| (p - 1.0 / 3.0).abs() < 1e-12));
/// ```
pub fn count_distribution(fixed: &[f64], shared: &[(u64, Beta)]) -> Vec<f64> {
    shared.iter().fold(poisson_binomial(fixed), |pmf, (n, beta)| convolve(&pmf, &beta_binomial(*n, *beta)))
}

/// Uniform in (0, 1] (never 0, so its logarithm is finite).
fn unit(rng: &mut SplitMix64) -> f64 {
    1.0 - (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Gamma(shape, 1) by Marsaglia and Tsang (2000), with Box–Muller normals; shape < 1 by
/// Gamma(shape + 1) · U^(1/shape).
fn sample_gamma(rng: &mut SplitMix64, shape: f64) -> f64 {
    if shape < 1.0 {
        let g = sample_gamma(rng, shape + 1.0);
        return g * unit(rng).powf(1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = (-2.0 * unit(rng).ln()).sqrt() * (std::f64::consts::TAU * unit(rng)).cos();
        let v = (1.0 + c * x).powi(3);
        if v <= 0.0 {
            continue;
        }
        if unit(rng).ln() < 0.5 * x * x + d - d * v + d * v.ln() {
            return d * v;
        }
    }
}

/// One draw of a Beta(a, b) rate: X ÷ (X + Y) with X ~ Gamma(a), Y ~ Gamma(b); a point mass
/// when a or b is 0; the mean when both gammas underflow (tiny shapes).
pub(crate) fn sample_beta(rng: &mut SplitMix64, beta: Beta) -> f64 {
    if beta.a <= 0.0 || beta.b <= 0.0 {
        return if beta.a <= 0.0 { 0.0 } else { 1.0 };
    }
    let x = sample_gamma(rng, beta.a);
    let y = sample_gamma(rng, beta.b);
    if x + y > 0.0 { x / (x + y) } else { beta.mean() }
}

/// A deal's win probability in the simulation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum WinProbability {
    /// Known: the pipeline definition's probability (or a learned rate without a posterior).
    Fixed(f64),
    /// The rate of posterior `i` of the list passed along, drawn once per run.
    Posterior(usize),
}

/// Seeded Monte Carlo interval of a won value with uncertain rates: each of `simulations`
/// runs draws every posterior's rate once (gamma variates, in list order), then wins deal `i`
/// (amount `amounts[i]`) when a splitmix64 uniform is below its probability; the interval is the
/// nearest-rank quantiles (the `⌈q·S⌉`-th smallest total) at q = α/2 and 1 − α/2. Deals and
/// posteriors must come in a fixed order (the forecast passes them in deal-id order), so the
/// same seed gives the same interval everywhere. `None` without simulations.
///
/// ```
/// use channel_kpi::kpi::forecast::{Beta, WinProbability, simulate_value};
/// let deals = [(WinProbability::Posterior(0), 100.0), (WinProbability::Fixed(1.0), 50.0)];
/// let (lo, hi) = simulate_value(&[Beta { a: 1.0, b: 1.0 }], &deals, 2000, 42, 0.95).unwrap();
/// assert_eq!((lo, hi), (50.0, 150.0));
/// ```
pub fn simulate_value(
    posteriors: &[Beta],
    deals: &[(WinProbability, f64)],
    simulations: u32,
    seed: u64,
    confidence: f64,
) -> Option<(f64, f64)> {
    if simulations == 0 {
        return None;
    }
    let mut rng = SplitMix64::new(seed);
    let mut rates = vec![0.0; posteriors.len()];
    let mut totals: Vec<f64> = (0..simulations)
        .map(|_| {
            for (r, b) in rates.iter_mut().zip(posteriors) {
                *r = sample_beta(&mut rng, *b);
            }
            deals.iter().fold(0.0, |acc, (p, a)| {
                let p = match p {
                    WinProbability::Fixed(p) => *p,
                    WinProbability::Posterior(i) => rates[*i],
                };
                let u = (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
                if u < p { acc + a } else { acc }
            })
        })
        .collect();
    totals.sort_by(f64::total_cmp);
    let alpha = 1.0 - confidence;
    let s = totals.len();
    let rank = |q: f64| ((q * s as f64).ceil() as usize).clamp(1, s) - 1;
    Some((totals[rank(alpha / 2.0)], totals[rank(1.0 - alpha / 2.0)]))
}

/// Seeded Monte Carlo interval of a won value with fixed win probabilities (static ones):
/// [`simulate_value`] with deal `i` (amount `amounts[i]`) won with probability `ps[i]`. The
/// deals must come in a fixed order (the forecast passes them by deal id), so the same seed
/// gives the same interval on every machine and after any merge order. `None` without
/// simulations.
///
/// ```
/// use channel_kpi::kpi::forecast::value_interval;
/// assert_eq!(value_interval(&[1.0, 0.0], &[10.0, 5.0], 100, 1, 0.95), Some((10.0, 10.0)));
/// assert_eq!(value_interval(&[0.5], &[1.0], 0, 1, 0.95), None);
/// ```
pub fn value_interval(ps: &[f64], amounts: &[f64], simulations: u32, seed: u64, confidence: f64) -> Option<(f64, f64)> {
    let deals: Vec<(WinProbability, f64)> = ps.iter().zip(amounts).map(|(&p, &a)| (WinProbability::Fixed(p), a)).collect();
    simulate_value(&[], &deals, simulations, seed, confidence)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beta_binomial_by_hand_and_at_the_edges() {
        // n = 2, Beta(5/3, 10/3): P(0) = b(b+1) ÷ ((a+b)(a+b+1)) = (10/3)(13/3) ÷ 30 = 13/27.
        let pmf = beta_binomial(2, Beta { a: 5.0 / 3.0, b: 10.0 / 3.0 });
        assert!((pmf[0] - 13.0 / 27.0).abs() < 1e-12 && (pmf[2] - 4.0 / 27.0).abs() < 1e-12, "{pmf:?}");
        assert_eq!(beta_binomial(0, Beta { a: 1.0, b: 1.0 }), vec![1.0]);
        assert_eq!(beta_binomial(3, Beta { a: 0.0, b: 5.0 }), vec![1.0, 0.0, 0.0, 0.0]);
        assert_eq!(beta_binomial(2, Beta { a: 5.0, b: 0.0 }), vec![0.0, 0.0, 1.0]);
        // A very confident posterior approaches the binomial; thousands of deals stay finite.
        let pmf = beta_binomial(5, Beta { a: 0.3e9, b: 0.7e9 });
        assert!((pmf[1] - 5.0 * 0.3 * 0.7f64.powi(4)).abs() < 1e-6);
        let big = beta_binomial(5000, Beta { a: 300.0, b: 700.0 });
        assert!(((big.iter().sum::<f64>()) - 1.0).abs() < 1e-9 && big.iter().all(|p| p.is_finite()));
    }

    #[test]
    fn beta_draws_have_the_posterior_mean_and_spread() {
        let mut rng = SplitMix64::new(7);
        for beta in [Beta { a: 2.0, b: 6.0 }, Beta { a: 0.4, b: 0.6 }, Beta { a: 300.0, b: 700.0 }] {
            let xs: Vec<f64> = (0..20_000).map(|_| sample_beta(&mut rng, beta)).collect();
            let m = xs.iter().sum::<f64>() / xs.len() as f64;
            let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / xs.len() as f64;
            let (a, b) = (beta.a, beta.b);
            let var = a * b / ((a + b).powi(2) * (a + b + 1.0));
            assert!((m - beta.mean()).abs() < 4.0 * (var / 20_000.0).sqrt() + 1e-9, "{beta:?}: mean {m}");
            assert!((v / var - 1.0).abs() < 0.05, "{beta:?}: variance {v} vs {var}");
        }
    }

    #[test]
    fn simulated_counts_follow_the_exact_mixture() {
        // 10 deals sharing Beta(3, 3): the simulated share of runs with 0..=10 wins matches
        // the beta-binomial, which is wider than the binomial(10, ½) of a fixed rate.
        let beta = Beta { a: 3.0, b: 3.0 };
        let exact = beta_binomial(10, beta);
        let deals = vec![(WinProbability::Posterior(0), 1.0); 10];
        let runs = 20_000;
        let mut hist = [0u32; 11];
        for seed in 0..runs {
            let (x, _) = simulate_value(&[beta], &deals, 1, seed, 0.95).unwrap();
            hist[x as usize] += 1;
        }
        for (k, p) in exact.iter().enumerate() {
            let got = f64::from(hist[k]) / runs as f64;
            assert!((got - p).abs() < 0.015, "k = {k}: {got} vs {p}");
        }
        let binom0 = 0.5f64.powi(10);
        assert!(exact[0] > 10.0 * binom0);
    }
}
