//! Confidence intervals: percentile intervals of bootstrap estimates (Efron and Tibshirani
//! 1993, ch. 13) and the Wilson score interval of a proportion (Wilson 1927).

/// The `q` quantile (type 7: linear between order statistics) of sorted, non-empty data.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    let h = q * (sorted.len() - 1) as f64;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// The percentile 95% interval of bootstrap estimates; `(NaN, NaN)` if there are none.
pub fn percentile_interval(mut estimates: Vec<f64>) -> (f64, f64) {
    if estimates.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    estimates.sort_by(f64::total_cmp);
    (quantile(&estimates, 0.025), quantile(&estimates, 0.975))
}

/// The Wilson score interval at 95% for `wins` successes in `n` trials (Wilson 1927, JASA
/// 22, 209), which stays inside [0, 1] and is sound near 0 and 1 where the normal
/// approximation is not.
pub fn wilson(wins: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let z = 1.959_963_984_540_054_f64;
    let (k, n) = (wins as f64, n as f64);
    let p = k / n;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_intervals_interpolate_between_order_statistics() {
        assert_eq!(quantile(&[0.0, 1.0, 2.0, 3.0, 4.0], 0.5), 2.0);
        assert!((quantile(&[0.0, 1.0, 2.0, 3.0, 4.0], 0.025) - 0.1).abs() < 1e-12);
        assert_eq!(quantile(&[7.0], 0.975), 7.0);
        let (lo, hi) = percentile_interval((0..=1000).rev().map(f64::from).collect());
        assert_eq!((lo, hi), (25.0, 975.0));
        assert!(percentile_interval(Vec::new()).0.is_nan());
    }

    #[test]
    fn wilson_interval_matches_the_textbook_values() {
        // Agresti and Coull (1998), 5 of 10: 0.2366 to 0.7634; 0 of 10: 0 to 0.2775.
        let (lo, hi) = wilson(5, 10);
        assert!((lo - 0.2366).abs() < 1e-4 && (hi - 0.7634).abs() < 1e-4, "{lo} {hi}");
        let (lo, hi) = wilson(0, 10);
        assert!(lo.abs() < 1e-12 && (hi - 0.2775).abs() < 1e-4, "{lo} {hi}");
    }
}
