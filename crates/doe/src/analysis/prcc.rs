//! Partial rank correlation coefficients (PRCC; Marino, Hogue, Ray and Kirschner 2008, "A
//! methodology for performing global uncertainty and sensitivity analysis in systems biology",
//! J. Theor. Biol. 254:178-196) of a model output on each input of a sampled design, with
//! percentile bootstrap intervals.
//!
//! PRCC_i is the correlation between the ranks of input `i` and of the output once the linear
//! effect of the ranks of every other input is removed from both. It measures a monotone
//! influence of input `i` that the others do not explain, in [-1, 1]; an input the model never
//! reads has a PRCC near 0. It suits Latin hypercube samples (Marino et al. 2008, section 2.4),
//! where inputs are nearly uncorrelated.

use crate::draw::{below, stream_rng};
use crate::interval::percentile_interval;
use rayon::prelude::*;

/// The PRCC of one input, with its 95% percentile bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prcc {
    /// The input (0-based column).
    pub parameter: usize,
    /// The estimate from all usable rows.
    pub value: f64,
    /// 2.5th percentile of the bootstrap estimates (`NaN` without resamples).
    pub ci95_low: f64,
    /// 97.5th percentile.
    pub ci95_high: f64,
}

/// Average ranks (1-based; ties share the mean of their ranks).
fn ranks(x: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut r = vec![0.0; x.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && x[order[j + 1]] == x[order[i]] {
            j += 1;
        }
        let mean = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            r[k] = mean;
        }
        i = j + 1;
    }
    r
}

/// The inverse of a symmetric positive definite matrix by Gauss-Jordan elimination with
/// partial pivoting; `None` if it is (numerically) singular.
fn invert(mut a: Vec<Vec<f64>>) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let mut inv: Vec<Vec<f64>> = (0..n).map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect()).collect();
    for c in 0..n {
        let p = (c..n).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))?;
        if a[p][c].abs() < 1e-10 {
            return None;
        }
        a.swap(c, p);
        inv.swap(c, p);
        let pivot = a[c][c];
        for j in 0..n {
            a[c][j] /= pivot;
            inv[c][j] /= pivot;
        }
        for i in 0..n {
            if i != c {
                let f = a[i][c];
                if f != 0.0 {
                    for j in 0..n {
                        a[i][j] -= f * a[c][j];
                        inv[i][j] -= f * inv[c][j];
                    }
                }
            }
        }
    }
    Some(inv)
}

/// PRCC of every input on rows `rows` (with repetition) of inputs `x` (column by column) and
/// output `y`. Constant inputs get `NaN`; a constant output gives 0 for every input.
fn estimate(x: &[Vec<f64>], y: &[f64], rows: &[usize]) -> Vec<f64> {
    let d = x.len();
    let m = rows.len();
    let ry = ranks(&rows.iter().map(|&j| y[j]).collect::<Vec<_>>());
    let rx: Vec<Vec<f64>> = x.iter().map(|col| ranks(&rows.iter().map(|&j| col[j]).collect::<Vec<_>>())).collect();
    let varies = |r: &[f64]| r.iter().any(|&v| v != r[0]);
    if !varies(&ry) {
        return (0..d).map(|i| if varies(&rx[i]) { 0.0 } else { f64::NAN }).collect();
    }
    // Inputs that vary, then the output.
    let used: Vec<usize> = (0..d).filter(|&i| varies(&rx[i])).collect();
    let mut cols: Vec<&[f64]> = used.iter().map(|&i| rx[i].as_slice()).collect();
    cols.push(&ry);
    let k = cols.len();
    if m <= k + 1 {
        return vec![f64::NAN; d];
    }
    let centred: Vec<Vec<f64>> = cols
        .iter()
        .map(|c| {
            let mean = c.iter().sum::<f64>() / m as f64;
            c.iter().map(|v| v - mean).collect()
        })
        .collect();
    let norms: Vec<f64> = centred.iter().map(|c| c.iter().map(|v| v * v).sum::<f64>().sqrt()).collect();
    let corr: Vec<Vec<f64>> = (0..k)
        .map(|a| {
            (0..k)
                .map(|b| centred[a].iter().zip(&centred[b]).map(|(u, v)| u * v).sum::<f64>() / (norms[a] * norms[b]))
                .collect()
        })
        .collect();
    let mut out = vec![f64::NAN; d];
    // An output that is an exact function of the inputs' ranks makes the matrix singular; a
    // ridge of 1e-9 gives the limit (PRCC of +-1) instead of nothing.
    let ridged = |c: &Vec<Vec<f64>>| {
        let mut c = c.clone();
        for (i, row) in c.iter_mut().enumerate() {
            row[i] += 1e-9;
        }
        c
    };
    if let Some(p) = invert(corr.clone()).or_else(|| invert(ridged(&corr))) {
        let o = k - 1;
        for (slot, &i) in used.iter().enumerate() {
            let v = -p[slot][o] / (p[slot][slot] * p[o][o]).sqrt();
            out[i] = v.clamp(-1.0, 1.0);
        }
    }
    out
}

/// PRCC of output `y` on every column of `x` (`x[i]` holds input `i` over the design's
/// points, `y` the output over the same points). Points whose output is not finite are left
/// out. The intervals are percentile intervals over `bootstrap` resamples of the points with
/// replacement (ranks recomputed in each), resample `b` drawn from
/// `ChaCha8Rng::seed_from_u64(seed)` on stream `b`, computed in parallel and gathered in
/// order, so they do not depend on the number of threads. Fewer usable points than inputs
/// + 3 give `NaN`.
pub fn prcc(x: &[Vec<f64>], y: &[f64], bootstrap: usize, seed: u64) -> Vec<Prcc> {
    let d = x.len();
    let kept: Vec<usize> = (0..y.len()).filter(|&j| y[j].is_finite() && x.iter().all(|c| c[j].is_finite())).collect();
    let m = kept.len();
    let nan = |i| Prcc { parameter: i, value: f64::NAN, ci95_low: f64::NAN, ci95_high: f64::NAN };
    if m < d + 3 {
        return (0..d).map(nan).collect();
    }
    let value = estimate(x, y, &kept);
    let resamples: Vec<Vec<f64>> = (0..bootstrap)
        .into_par_iter()
        .map(|b| {
            let mut rng = stream_rng(seed, b as u64);
            let pick: Vec<usize> = (0..m).map(|_| kept[below(&mut rng, m as u64) as usize]).collect();
            estimate(x, y, &pick)
        })
        .collect();
    (0..d)
        .map(|i| {
            let (lo, hi) = percentile_interval(resamples.iter().map(|r| r[i]).filter(|v| v.is_finite()).collect());
            Prcc { parameter: i, value: value[i], ci95_low: lo, ci95_high: hi }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::sample::latin_hypercube;

    #[test]
    fn ranks_share_ties() {
        assert_eq!(ranks(&[3.0, 1.0, 2.0, 1.0]), vec![4.0, 1.5, 3.0, 1.5]);
    }

    #[test]
    fn prcc_finds_monotone_effects_and_ignores_an_unread_input() {
        // y = exp(3 x0) - 2 x1 + noise from x2's square; x3 is never read.
        let n = 400;
        let points = latin_hypercube(n, 4, 7);
        let x: Vec<Vec<f64>> = (0..4).map(|i| points.iter().map(|p| p[i]).collect()).collect();
        let y: Vec<f64> = points.iter().map(|p| (3.0 * p[0]).exp() - 2.0 * p[1] + 0.3 * (p[2] - 0.5).powi(2)).collect();
        let r = prcc(&x, &y, 300, 1);
        assert!(r[0].value > 0.9, "{:?}", r[0]);
        assert!(r[1].value < -0.8, "{:?}", r[1]);
        assert!(r[3].value.abs() < 0.15, "{:?}", r[3]);
        assert!(r[3].ci95_low < 0.0 && r[3].ci95_high > 0.0, "{:?}", r[3]);
        assert!(r[0].ci95_low > 0.8 && r[0].ci95_high <= 1.0);
        // Deterministic whatever the thread count.
        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap().install(|| prcc(&x, &y, 300, 1));
        assert_eq!(one, r);
    }

    #[test]
    fn prcc_of_degenerate_data_does_not_panic() {
        let x = vec![vec![0.1, 0.2, 0.3, 0.4, 0.5, 0.6], vec![1.0; 6]];
        let flat = prcc(&x, &[2.0; 6], 10, 0);
        assert_eq!(flat[0].value, 0.0);
        assert!(flat[1].value.is_nan());
        let few = prcc(&x, &[1.0, f64::NAN, f64::NAN, f64::NAN, 2.0, 3.0], 10, 0);
        assert!(few.iter().all(|p| p.value.is_nan()));
        let linear = prcc(&x, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 10, 0);
        assert!((linear[0].value - 1.0).abs() < 1e-6, "an exact function of one input: {:?}", linear[0]);
    }
}
