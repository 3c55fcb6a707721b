//! Monte Carlo samples of the unit hypercube: the Latin hypercube (McKay, Beckman and Conover
//! 1979) and plain independent uniform points.

use crate::draw::{shuffle, unit_f64};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The point `(k + u) / n` of stratum `k` of `n`, kept inside `[k / n, (k + 1) / n)` against
/// rounding.
fn in_stratum(k: usize, n: usize, u: f64) -> f64 {
    let nf = n as f64;
    let lo = k as f64 / nf;
    let hi = (k + 1) as f64 / nf;
    let x = (k as f64 + u) / nf;
    if x >= hi {
        f64::from_bits(hi.to_bits() - 1)
    } else {
        x.max(lo)
    }
}

/// A Latin hypercube sample of `n` points in `[0, 1)^d` (McKay et al. 1979).
///
/// Each dimension's `[0, 1)` is cut into `n` strata `[k/n, (k+1)/n)`; every column of the
/// sample has exactly one point in each stratum, at a uniformly jittered position inside it,
/// and the strata are paired across dimensions by independent random permutations. Dimension
/// `j`'s permutation and jitters are drawn after those of dimensions `0..j`, all from
/// `ChaCha8Rng::seed_from_u64(seed)`.
///
/// Returns `n` points (rows) of `d` coordinates; `n = 0` gives no points.
pub fn latin_hypercube(n: usize, d: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut points = vec![vec![0.0; d]; n];
    let mut strata: Vec<usize> = Vec::with_capacity(n);
    for j in 0..d {
        strata.clear();
        strata.extend(0..n);
        shuffle(&mut strata, &mut rng);
        for (point, &k) in points.iter_mut().zip(&strata) {
            point[j] = in_stratum(k, n, unit_f64(&mut rng));
        }
    }
    points
}

/// `n` points of `d` coordinates, each drawn independently and uniformly from `[0, 1)`, point
/// by point, from `ChaCha8Rng::seed_from_u64(seed)` (53 random bits each, from the raw
/// stream, as the other designs draw).
pub fn random_points(n: usize, d: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| (0..d).map(|_| unit_f64(&mut rng)).collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::testing::stratum;

    fn bits(points: &[Vec<f64>]) -> Vec<Vec<u64>> {
        points.iter().map(|p| p.iter().map(|x| x.to_bits()).collect()).collect()
    }

    #[test]
    fn lhs_has_one_point_in_each_stratum_of_each_column() {
        for (n, d, seed) in [(1, 3, 0), (2, 1, 5), (7, 4, 1), (100, 5, 2), (1000, 3, 3)] {
            let points = latin_hypercube(n, d, seed);
            assert_eq!(points.len(), n);
            for j in 0..d {
                let mut seen = vec![false; n];
                for p in &points {
                    assert_eq!(p.len(), d);
                    assert!((0.0..1.0).contains(&p[j]), "{} outside [0, 1)", p[j]);
                    let k = stratum(p[j], n);
                    assert!(!seen[k], "two points in stratum {k} of column {j} (n = {n})");
                    seen[k] = true;
                }
                assert!(seen.iter().all(|&s| s));
            }
        }
    }

    #[test]
    fn lhs_is_jittered_within_strata_and_columns_are_paired_at_random() {
        let n = 1000;
        let points = latin_hypercube(n, 2, 11);
        let offsets: Vec<f64> = points.iter().map(|p| p[0] * n as f64 - stratum(p[0], n) as f64).collect();
        let mean = offsets.iter().sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.05, "mean offset within strata {mean}");
        assert!(offsets.iter().any(|&o| o < 0.05) && offsets.iter().any(|&o| o > 0.95));
        // Independent pairing: the columns are nearly uncorrelated (|r| < 4 / sqrt(n)).
        let r = points.iter().map(|p| (p[0] - 0.5) * (p[1] - 0.5)).sum::<f64>() / n as f64 * 12.0;
        assert!(r.abs() < 0.13, "correlation {r}");
        // Rows are not in stratum order.
        assert!(points.windows(2).any(|w| w[1][0] < w[0][0]));
    }

    #[test]
    fn lhs_stays_inside_the_top_stratum_against_rounding() {
        let u = 1.0 - f64::EPSILON / 2.0;
        for n in [1, 2, 3, 7, 10, 1000, 12345] {
            let x = in_stratum(n - 1, n, u);
            assert!(x < 1.0 && stratum(x, n) == n - 1, "n = {n}: {x}");
            assert_eq!(in_stratum(0, n, 0.0), 0.0);
        }
    }

    #[test]
    fn lhs_is_deterministic_per_seed() {
        assert_eq!(bits(&latin_hypercube(50, 3, 42)), bits(&latin_hypercube(50, 3, 42)));
        assert_ne!(bits(&latin_hypercube(50, 3, 42)), bits(&latin_hypercube(50, 3, 43)));
        assert!(latin_hypercube(0, 3, 1).is_empty());
        assert_eq!(latin_hypercube(4, 0, 1), vec![Vec::<f64>::new(); 4]);
    }

    #[test]
    fn random_points_are_uniform_and_deterministic_per_seed() {
        let points = random_points(1000, 3, 4);
        assert_eq!(points.len(), 1000);
        assert!(points.iter().all(|p| p.len() == 3 && p.iter().all(|x| (0.0..1.0).contains(x))));
        let mean = points.iter().map(|p| p[1]).sum::<f64>() / 1000.0;
        assert!((mean - 0.5).abs() < 0.05, "mean {mean}");
        assert_eq!(bits(&points), bits(&random_points(1000, 3, 4)));
        assert_ne!(bits(&points), bits(&random_points(1000, 3, 5)));
    }
}
