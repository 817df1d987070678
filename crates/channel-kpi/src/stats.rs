//! Small statistics: Wilson score intervals, quantiles of the normal distribution.

/// The two-sided normal quantile z for a confidence level (0.95 → 1.959963984540054).
///
/// Exact constants for 0.90, 0.95 and 0.99; otherwise Acklam's rational approximation
/// (relative error below 1.2e-9).
pub fn z_for(confidence: f64) -> f64 {
    const KNOWN: [(f64, f64); 3] = [(0.90, 1.6448536269514722), (0.95, 1.959963984540054), (0.99, 2.575_829_303_548_900_4)];
    if let Some((_, z)) = KNOWN.iter().find(|(c, _)| (c - confidence).abs() < 1e-12) {
        return *z;
    }
    inverse_normal_cdf(1.0 - (1.0 - confidence) / 2.0)
}

fn inverse_normal_cdf(p: f64) -> f64 {
    const A: [f64; 6] =
        [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.383_577_518_672_69e2, -3.066479806614716e1, 2.506628277459239];
    const B: [f64; 5] = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
    const C: [f64; 6] =
        [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
    const D: [f64; 4] = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
    let pl = 0.02425;
    if p < pl {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - pl {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -inverse_normal_cdf(1.0 - p)
    }
}

/// Wilson score interval for `successes` out of `n` at `confidence`; `None` when `n = 0`.
///
/// Formula: centre `(p + z²/2n) ÷ (1 + z²/n)`, half-width `z·√(p(1−p)/n + z²/4n²) ÷ (1 + z²/n)`.
/// At the edges the bound is exact: a rate of 0 has lower bound exactly `0.0` and a rate of 1
/// upper bound exactly `1.0` (floating point would otherwise leave `5.55e-17`).
///
/// ```
/// let (lo, hi) = channel_kpi::stats::wilson(8, 10, 0.95).unwrap();
/// assert!((lo - 0.4901625).abs() < 1e-6 && (hi - 0.9433178).abs() < 1e-6);
/// ```
pub fn wilson(successes: u64, n: u64, confidence: f64) -> Option<(f64, f64)> {
    if n == 0 || successes > n {
        return None;
    }
    let z = z_for(confidence);
    let (nf, p) = (n as f64, successes as f64 / n as f64);
    let z2 = z * z;
    let denom = 1.0 + z2 / nf;
    let center = (p + z2 / (2.0 * nf)) / denom;
    let half = z * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt() / denom;
    let lo = if successes == 0 { 0.0 } else { (center - half).max(0.0) };
    let hi = if successes == n { 1.0 } else { (center + half).min(1.0) };
    Some((lo, hi))
}

/// Whether two closed intervals overlap.
pub fn intervals_overlap(a: (f64, f64), b: (f64, f64)) -> bool {
    a.0 <= b.1 && b.0 <= a.1
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn z_values() {
        assert!((z_for(0.95) - 1.959963984540054).abs() < 1e-15);
        assert!((z_for(0.8) - 1.2815515655446004).abs() < 1e-8);
        assert!((z_for(0.999) - 3.2905267314918945).abs() < 1e-8);
    }
    #[test]
    fn wilson_edges() {
        assert_eq!(wilson(0, 0, 0.95), None);
        let (lo, hi) = wilson(0, 5, 0.95).unwrap();
        assert!(lo == 0.0 && hi > 0.4 && hi < 0.5);
        // Rate 0 over many trials: exactly 0, not the 5.55e-17 floating point leaves.
        for n in [1, 3, 7, 10, 7043, 1_000_000] {
            assert_eq!(wilson(0, n, 0.95).unwrap().0.to_bits(), 0.0f64.to_bits(), "n = {n}");
            assert_eq!(wilson(n, n, 0.95).unwrap().1, 1.0, "n = {n}");
        }
        let (lo, hi) = wilson(5, 5, 0.95).unwrap();
        assert!(hi == 1.0 && lo > 0.5);
    }
}
