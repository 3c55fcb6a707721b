//! The statistics the validation cases compare with: the Kolmogorov-Smirnov distance of a
//! sample to a law, and the Gini coefficients of the laws the papers derive. Distribution
//! functions come from `statrs`.

use statrs::distribution::{ContinuousCDF, Exp, Gamma};
use statrs::function::gamma::ln_gamma;

/// The Kolmogorov-Smirnov distance `sup |F_n(x) - F(x)|` of a sample to the distribution
/// function `cdf`. Sorts `sample` in place.
pub fn ks_distance(sample: &mut [f64], cdf: impl Fn(f64) -> f64) -> f64 {
    sample.sort_by(f64::total_cmp);
    let n = sample.len() as f64;
    let mut d: f64 = 0.0;
    for (i, &x) in sample.iter().enumerate() {
        let f = cdf(x);
        d = d.max(f - i as f64 / n).max((i + 1) as f64 / n - f);
    }
    d
}

/// The exponential (Boltzmann-Gibbs) law with the given mean.
pub fn exponential_cdf(mean: f64) -> impl Fn(f64) -> f64 {
    let law = Exp::new(1.0 / mean).ok();
    move |x| law.as_ref().map_or(f64::NAN, |l| l.cdf(x))
}

/// The gamma law of shape `n` with the given mean (Patriarca, Chakraborti and Kaski 2004).
pub fn gamma_cdf(n: f64, mean: f64) -> impl Fn(f64) -> f64 {
    let law = Gamma::new(n, n / mean).ok();
    move |x| law.as_ref().map_or(f64::NAN, |l| l.cdf(x))
}

/// The Gini coefficient of a gamma law of shape `n`: `Gamma(n + 1/2) / (n Gamma(n) sqrt(pi))`.
pub fn gamma_gini(n: f64) -> f64 {
    (ln_gamma(n + 0.5) - ln_gamma(n)).exp() / (n * std::f64::consts::PI.sqrt())
}

/// The gamma shape of the kinetic model with saving propensity `lambda`:
/// `1 + 3 lambda / (1 - lambda)` (Patriarca, Chakraborti and Kaski 2004).
pub fn saving_shape(lambda: f64) -> f64 {
    1.0 + 3.0 * lambda / (1.0 - lambda)
}

/// The critical value of the one-sample Kolmogorov-Smirnov distance at level 0.01 for `n`
/// independent draws, `1.63 / sqrt(n)` (the asymptotic Kolmogorov law).
pub fn ks_critical_01(n: usize) -> f64 {
    1.628 / (n as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    #[test]
    fn gamma_gini_matches_known_values() {
        // Shape 1 is the exponential law, Gini 1/2; shape 4 gives 0.2734.
        assert!((gamma_gini(1.0) - 0.5).abs() < 1e-12);
        assert!((gamma_gini(4.0) - 0.2734375).abs() < 1e-6);
        assert!((saving_shape(0.5) - 4.0).abs() < 1e-12);
    }

    #[test]
    fn ks_distance_is_small_for_the_true_law_and_large_for_another() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let draws: Vec<f64> = (0..20_000).map(|_| -100.0 * (1.0 - rng.random::<f64>()).ln()).collect();
        let same = ks_distance(&mut draws.clone(), exponential_cdf(100.0));
        let other = ks_distance(&mut draws.clone(), gamma_cdf(2.0, 100.0));
        assert!(same < ks_critical_01(draws.len()), "{same}");
        assert!(other > 0.1, "{other}");
    }
}
