//! Statistics over replicates: each replicate's mean after warm-up, then mean, standard
//! deviation and a t-based 95% confidence interval across replicates.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// Mean, spread and 95% interval of a sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    /// Sample mean.
    pub mean: f64,
    /// Sample standard deviation (n - 1 in the denominator); `NaN` for n < 2.
    pub sd: f64,
    /// Lower end of the 95% confidence interval of the mean.
    pub ci95_low: f64,
    /// Upper end.
    pub ci95_high: f64,
    /// Sample size.
    pub n: usize,
}

/// Two-sided 97.5% quantile of Student's t with `df` degrees of freedom.
pub fn t975(df: usize) -> f64 {
    StudentsT::new(0.0, 1.0, df as f64).map(|t| t.inverse_cdf(0.975)).unwrap_or(f64::NAN)
}

/// Two-sided p-value of a t statistic with `df` degrees of freedom.
pub fn t_p_value(t: f64, df: usize) -> f64 {
    if !t.is_finite() {
        return if t.is_nan() { f64::NAN } else { 0.0 };
    }
    StudentsT::new(0.0, 1.0, df as f64).map(|d| 2.0 * d.cdf(-t.abs())).unwrap_or(f64::NAN)
}

/// Statistics of the finite values of `sample` (`NaN`s, from replicates where the metric was
/// never defined, are left out and not counted in `n`).
pub fn stats(sample: &[f64]) -> Stats {
    let xs: Vec<f64> = sample.iter().copied().filter(|x| x.is_finite()).collect();
    let n = xs.len();
    if n == 0 {
        return Stats { mean: f64::NAN, sd: f64::NAN, ci95_low: f64::NAN, ci95_high: f64::NAN, n };
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return Stats { mean, sd: f64::NAN, ci95_low: f64::NAN, ci95_high: f64::NAN, n };
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let sd = var.sqrt();
    let half = t975(n - 1) * sd / (n as f64).sqrt();
    Stats { mean, sd, ci95_low: mean - half, ci95_high: mean + half, n }
}

/// Mean of column `col` over the recorded steps after `warmup` of one replicate's series (rows
/// of `width` values, row `k` being step `steps[k]`), skipping `NaN`s. Returns the mean and how
/// many steps entered it.
pub fn replicate_mean(series: &[f64], steps: &[u64], width: usize, col: usize, warmup: usize) -> (f64, usize) {
    let (mut sum, mut count) = (0.0, 0usize);
    for (row, _) in series.chunks_exact(width).zip(steps).filter(|(_, &t)| t > warmup as u64) {
        let x = row[col];
        if x.is_finite() {
            sum += x;
            count += 1;
        }
    }
    if count == 0 {
        (f64::NAN, 0)
    } else {
        (sum / count as f64, count)
    }
}

/// A paired comparison: differences `b - a` over replicates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paired {
    /// Mean difference.
    pub mean_diff: f64,
    /// Lower end of the t-based 95% interval of the mean difference.
    pub ci95_low: f64,
    /// Upper end.
    pub ci95_high: f64,
    /// Pairs where both values are defined.
    pub n: usize,
    /// Two-sided p-value of the paired t test (`NaN` for n < 2).
    pub p_value: f64,
}

/// Paired t statistics of `b - a` over pairs where both are finite. With no spread the
/// interval is the point and the p-value 1 (no difference) or 0 (a constant difference).
pub fn paired(pairs: impl IntoIterator<Item = (f64, f64)>) -> Paired {
    let diffs: Vec<f64> =
        pairs.into_iter().filter(|(a, b)| a.is_finite() && b.is_finite()).map(|(a, b)| b - a).collect();
    let s = stats(&diffs);
    let p_value = if s.n < 2 {
        f64::NAN
    } else if s.sd == 0.0 {
        if s.mean == 0.0 {
            1.0
        } else {
            0.0
        }
    } else {
        t_p_value(s.mean / (s.sd / (s.n as f64).sqrt()), s.n - 1)
    };
    Paired { mean_diff: s.mean, ci95_low: s.ci95_low, ci95_high: s.ci95_high, n: s.n, p_value }
}

#[cfg(test)]
mod paired_tests {
    use super::*;

    #[test]
    fn identical_series_differ_by_exactly_zero() {
        let p = paired([(1.0, 1.0), (2.5, 2.5), (3.0, 3.0)]);
        assert_eq!((p.mean_diff, p.ci95_low, p.ci95_high, p.p_value), (0.0, 0.0, 0.0, 1.0));
    }

    #[test]
    fn paired_t_matches_a_hand_computation() {
        // Differences 1, 2, 3: mean 2, sd 1, t = 2 / (1 / sqrt 3) = 3.464 with 2 df: p = 0.0742.
        let p = paired([(0.0, 1.0), (0.0, 2.0), (0.0, 3.0)]);
        assert_eq!(p.mean_diff, 2.0);
        assert!((p.p_value - 0.0742).abs() < 1e-3, "{}", p.p_value);
        assert!((p.ci95_high - (2.0 + 4.302653 / 3f64.sqrt())).abs() < 1e-5);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_tables() {
        assert!((t975(1) - 12.706).abs() < 1e-3);
        assert!((t975(9) - 2.262).abs() < 1e-3);
        assert!((t975(1000) - 1.962).abs() < 1e-3);
    }

    #[test]
    fn stats_of_a_small_sample() {
        let s = stats(&[1.0, 2.0, 3.0, 4.0, f64::NAN]);
        assert_eq!(s.n, 4);
        assert_eq!(s.mean, 2.5);
        assert!((s.sd - (5.0f64 / 3.0).sqrt()).abs() < 1e-12);
        let half = 3.182446305284263 * s.sd / 2.0;
        assert!((s.ci95_high - (2.5 + half)).abs() < 1e-9);
    }

    #[test]
    fn replicate_mean_skips_warmup_and_step_zero() {
        // width 1; steps 0..=4 with values 100, 1, 2, 3, 4; warm-up 1 leaves steps 2..=4.
        let series = [100.0, 1.0, 2.0, 3.0, 4.0];
        assert_eq!(replicate_mean(&series, &[0, 1, 2, 3, 4], 1, 0, 1), (3.0, 3));
        // Recorded every other step: steps 0, 2, 4 (and the last, 5), warm-up 1 leaves 2, 4, 5.
        assert_eq!(replicate_mean(&[100.0, 2.0, 4.0, 6.0], &[0, 2, 4, 5], 1, 0, 1), (4.0, 3));
    }

    #[test]
    fn p_values() {
        assert!((t_p_value(0.0, 10) - 1.0).abs() < 1e-12);
        assert!((t_p_value(2.228, 10) - 0.05).abs() < 1e-3);
    }
}
