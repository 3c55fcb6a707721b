//! First-order and total-order Sobol' indices (Sobol' 1993) from the outputs of a Saltelli
//! design.

use super::{AnalysisError, Index, Method};
use crate::design::saltelli::SaltelliDesign;
use crate::draw::{below, stream_rng};
use crate::interval::percentile_interval;
use rayon::prelude::*;

/// The Sobol' indices of one output.
#[derive(Debug, Clone, PartialEq)]
pub struct SobolAnalysis {
    /// First-order indices S_i, one per parameter, in parameter order.
    pub first: Vec<Index>,
    /// Total-order indices ST_i, one per parameter, in parameter order.
    pub total: Vec<Index>,
    /// Base rows used: those whose `d + 2` outputs are all finite.
    pub rows_used: usize,
    /// Base rows left out because at least one of their `d + 2` outputs was not finite.
    pub rows_excluded: usize,
    /// The variance V of the pooled f(A), f(B) outputs of the rows used (`NaN` if fewer than
    /// 2 rows were used). `0` means the output did not vary, and every index is then 0.
    pub variance: f64,
    /// Bootstrap resamples behind the intervals.
    pub bootstrap: usize,
}

impl SobolAnalysis {
    /// Every index: for each parameter in order, its first-order then its total-order index.
    pub fn indices(&self) -> Vec<Index> {
        self.first.iter().zip(&self.total).flat_map(|(f, t)| [*f, *t]).collect()
    }
}

/// The outputs of the rows used, column by column.
struct SobolRows {
    fa: Vec<f64>,
    fb: Vec<f64>,
    /// `fab[i][j]`: f(AB_i) of row `j`.
    fab: Vec<Vec<f64>>,
}

impl SobolRows {
    /// The variance and `[S_0..S_{d-1}, ST_0..ST_{d-1}]` over the rows `rows` (with
    /// repetition), for at least one row.
    fn estimate(&self, rows: &[usize]) -> (f64, Vec<f64>) {
        let d = self.fab.len();
        let m = rows.len() as f64;
        let mean = rows.iter().map(|&j| self.fa[j] + self.fb[j]).sum::<f64>() / (2.0 * m);
        let variance =
            rows.iter().map(|&j| (self.fa[j] - mean).powi(2) + (self.fb[j] - mean).powi(2)).sum::<f64>() / (2.0 * m);
        let mut out = vec![0.0; 2 * d];
        if variance == 0.0 {
            return (variance, out);
        }
        for (i, fab) in self.fab.iter().enumerate() {
            // Saltelli et al. 2010, table 2: V_i = mean(f(B) (f(AB_i) - f(A))), with f(B)
            // centred on the pooled mean (which leaves its expectation alone and makes the
            // estimate shift-invariant, as in SALib).
            let vi = rows.iter().map(|&j| (self.fb[j] - mean) * (fab[j] - self.fa[j])).sum::<f64>() / m;
            // Jansen 1999 (also in table 2 of Saltelli et al. 2010): VT_i = mean((f(A) - f(AB_i))^2) / 2.
            let vti = rows.iter().map(|&j| (self.fa[j] - fab[j]).powi(2)).sum::<f64>() / (2.0 * m);
            out[i] = vi / variance;
            out[d + i] = vti / variance;
        }
        (variance, out)
    }
}

/// First-order and total-order Sobol' indices of one output from its values on a
/// [`SaltelliDesign`], with 95% percentile bootstrap intervals.
///
/// `outputs` holds one value per point of `design.points()`, in that order (A, B, AB_0, ...,
/// AB_{d-1}, each block in row order). With V the variance (divisor `2m`) of the `2m` pooled
/// f(A), f(B) values of the `m` rows used and means over those rows:
///
/// * S_i = mean(f(B) (f(AB_i) - f(A))) / V (Saltelli et al. 2010, table 2), with
///   f(B) centred on the pooled mean;
/// * ST_i = mean((f(A) - f(AB_i))^2) / (2 V) (Jansen 1999).
///
/// The estimates are not clamped: with few rows S_i can come out slightly negative or above
/// ST_i. The intervals come from `bootstrap` resamples of the `m` rows with replacement
/// (V recomputed in each), resample `b` drawn from `ChaCha8Rng::seed_from_u64(seed)` on
/// stream `b`; they are the 2.5th and 97.5th percentiles of the resampled estimates (`NaN`
/// when `bootstrap` is 0). A few hundred to a thousand resamples are usual.
///
/// Degenerate data:
/// * A base row `j` with any non-finite output among its `d + 2` (f(A_j), f(B_j) and every
///   f(AB_i,j)) is left out whole and counted in `rows_excluded`.
/// * Fewer than 2 rows used (including `n < 2`): every value and bound is `NaN`.
/// * V = 0 (the output never varied): every index and bound is `0`, meaning that no
///   parameter moved the output; `variance` is 0 to tell this apart.
///
/// # Errors
/// [`AnalysisError::OutputLength`] if `outputs.len() != design.len()`.
pub fn sobol_indices(
    design: &SaltelliDesign,
    outputs: &[f64],
    bootstrap: usize,
    seed: u64,
) -> Result<SobolAnalysis, AnalysisError> {
    if outputs.len() != design.len() {
        return Err(AnalysisError::OutputLength { expected: design.len(), got: outputs.len() });
    }
    let (n, d) = (design.n(), design.d());
    let block = |b: usize, j: usize| outputs[b * n + j];
    let kept: Vec<usize> = (0..n).filter(|&j| (0..d + 2).all(|b| block(b, j).is_finite())).collect();
    let rows = SobolRows {
        fa: kept.iter().map(|&j| block(0, j)).collect(),
        fb: kept.iter().map(|&j| block(1, j)).collect(),
        fab: (0..d).map(|i| kept.iter().map(|&j| block(2 + i, j)).collect()).collect(),
    };
    let m = kept.len();
    let index = |i: usize, (value, (lo, hi)): (f64, (f64, f64))| {
        let method = if i < d { Method::SobolFirst } else { Method::SobolTotal };
        Index { parameter: i % d, method, value, ci95_low: lo, ci95_high: hi }
    };
    let (variance, all) = if m < 2 {
        let nan = (f64::NAN, (f64::NAN, f64::NAN));
        (f64::NAN, (0..2 * d).map(|i| index(i, nan)).collect::<Vec<_>>())
    } else {
        let identity: Vec<usize> = (0..m).collect();
        let (variance, estimate) = rows.estimate(&identity);
        let resamples: Vec<Vec<f64>> = (0..bootstrap)
            .into_par_iter()
            .map(|b| {
                let mut rng = stream_rng(seed, b as u64);
                let pick: Vec<usize> = (0..m).map(|_| below(&mut rng, m as u64) as usize).collect();
                rows.estimate(&pick).1
            })
            .collect();
        let all = (0..2 * d)
            .map(|k| index(k, (estimate[k], percentile_interval(resamples.iter().map(|r| r[k]).collect()))))
            .collect::<Vec<_>>();
        (variance, all)
    };
    let (first, total) = all.split_at(d);
    Ok(SobolAnalysis {
        first: first.to_vec(),
        total: total.to_vec(),
        rows_used: m,
        rows_excluded: n - m,
        variance,
        bootstrap,
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{ishigami, ishigami_indices, same_bits};
    use super::*;
    use crate::design::saltelli::{saltelli, SaltelliBase, SaltelliBlock};

    fn run(design: &SaltelliDesign, f: impl Fn(&[f64]) -> f64) -> Vec<f64> {
        design.points().iter().map(|p| f(p)).collect()
    }

    #[test]
    fn closed_form_ishigami_indices_are_the_published_ones() {
        let (s, st) = ishigami_indices();
        let round = |x: f64| (x * 1e4).round() / 1e4;
        assert_eq!(s.map(round), [0.3139, 0.4424, 0.0]);
        assert_eq!(st.map(round), [0.5576, 0.4424, 0.2437]);
    }

    #[test]
    fn sobol_indices_of_ishigami_with_a_dummy_match_the_closed_form() {
        let design = saltelli(8192, 4, SaltelliBase::Sobol { skip: 0 }).unwrap();
        let outputs = run(&design, ishigami);
        let result = sobol_indices(&design, &outputs, 200, 1).unwrap();
        assert_eq!((result.rows_used, result.rows_excluded, result.bootstrap), (8192, 0, 200));
        let (s, st) = ishigami_indices();
        for i in 0..3 {
            let (first, total) = (result.first[i], result.total[i]);
            // Shown with `cargo test --release --lib ishigami -- --nocapture`.
            eprintln!(
                "Ishigami x{}: S = {:.4} [{:.4}, {:.4}] (true {:.4}), ST = {:.4} [{:.4}, {:.4}] (true {:.4})",
                i + 1,
                first.value,
                first.ci95_low,
                first.ci95_high,
                s[i],
                total.value,
                total.ci95_low,
                total.ci95_high,
                st[i]
            );
            assert_eq!(
                (first.parameter, first.method, total.parameter, total.method),
                (i, Method::SobolFirst, i, Method::SobolTotal)
            );
            assert!((first.value - s[i]).abs() < 0.02, "S_{} = {} (true {})", i + 1, first.value, s[i]);
            assert!((total.value - st[i]).abs() < 0.02, "ST_{} = {} (true {})", i + 1, total.value, st[i]);
            for (index, truth) in [(first, s[i]), (total, st[i])] {
                assert!(index.ci95_low <= truth && truth <= index.ci95_high, "{index:?} misses {truth}");
                assert!(index.ci95_high - index.ci95_low < 0.1, "{index:?}");
            }
        }
        let (first, total) = (result.first[3], result.total[3]);
        eprintln!(
            "Ishigami dummy x4: S = {:.4} [{:.4}, {:.4}], ST = {:.4} [{:.4}, {:.4}] (true 0)",
            first.value, first.ci95_low, first.ci95_high, total.value, total.ci95_low, total.ci95_high
        );
        assert!(first.value.abs() < 0.01 && first.ci95_low.abs() < 0.01 && first.ci95_high.abs() < 0.01);
        assert!(total.value.abs() < 0.01 && total.ci95_high < 0.01);
    }

    #[test]
    fn sobol_indices_of_ishigami_from_a_latin_hypercube_base() {
        let design = saltelli(8192, 3, SaltelliBase::LatinHypercube { seed: 3 }).unwrap();
        let result = sobol_indices(&design, &run(&design, ishigami), 100, 2).unwrap();
        let (s, st) = ishigami_indices();
        for i in 0..3 {
            assert!((result.first[i].value - s[i]).abs() < 0.05, "{:?}", result.first[i]);
            assert!((result.total[i].value - st[i]).abs() < 0.05, "{:?}", result.total[i]);
        }
    }

    #[test]
    fn sobol_indices_do_not_depend_on_the_output_offset_and_scale_much() {
        let design = saltelli(1024, 3, SaltelliBase::Sobol { skip: 0 }).unwrap();
        let plain = sobol_indices(&design, &run(&design, ishigami), 0, 0).unwrap();
        let shifted = sobol_indices(&design, &run(&design, |u| 1e6 + 3.0 * ishigami(u)), 0, 0).unwrap();
        for (p, s) in plain.indices().iter().zip(shifted.indices()) {
            assert!((p.value - s.value).abs() < 1e-6, "{p:?} vs {s:?}");
        }
    }

    #[test]
    fn sobol_indices_are_bit_identical_across_runs_and_thread_counts() {
        let design = saltelli(1024, 3, SaltelliBase::LatinHypercube { seed: 5 }).unwrap();
        let outputs = run(&design, ishigami);
        let with_threads = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| sobol_indices(&design, &outputs, 300, 77).unwrap())
        };
        let one = with_threads(1);
        for other in [with_threads(3), with_threads(1), sobol_indices(&design, &outputs, 300, 77).unwrap()] {
            assert!(same_bits(&one.indices(), &other.indices()));
            assert_eq!(one.variance.to_bits(), other.variance.to_bits());
        }
        let reseeded = sobol_indices(&design, &outputs, 300, 78).unwrap();
        assert!(!same_bits(&one.indices(), &reseeded.indices()), "the seed drives the bootstrap");
        assert!(one.indices().iter().zip(reseeded.indices()).all(|(a, b)| a.value == b.value));
    }

    #[test]
    fn sobol_indices_of_a_constant_output_are_zero() {
        let design = saltelli(64, 3, SaltelliBase::Sobol { skip: 0 }).unwrap();
        let result = sobol_indices(&design, &vec![2.5; design.len()], 50, 0).unwrap();
        assert_eq!(result.variance, 0.0);
        assert_eq!(result.indices().len(), 6);
        for index in result.indices() {
            assert_eq!([index.value, index.ci95_low, index.ci95_high], [0.0; 3], "{index:?}");
        }
    }

    #[test]
    fn sobol_indices_leave_out_rows_with_failed_runs() {
        let (n, d) = (4096, 3);
        let design = saltelli(n, d, SaltelliBase::Sobol { skip: 0 }).unwrap();
        let mut outputs = run(&design, ishigami);
        for (block, row, value) in [
            (SaltelliBlock::A, 5, f64::NAN),
            (SaltelliBlock::B, 17, f64::NAN),
            (SaltelliBlock::AB(2), 100, f64::NAN),
            (SaltelliBlock::AB(0), 100, f64::NAN),
            (SaltelliBlock::AB(1), 4095, f64::INFINITY),
        ] {
            outputs[design.output_index(block, row)] = value;
        }
        let result = sobol_indices(&design, &outputs, 50, 4).unwrap();
        assert_eq!((result.rows_used, result.rows_excluded), (n - 4, 4));
        let (s, st) = ishigami_indices();
        for i in 0..d {
            assert!(result.first[i].value.is_finite() && result.total[i].ci95_high.is_finite());
            assert!((result.first[i].value - s[i]).abs() < 0.03, "{:?}", result.first[i]);
            assert!((result.total[i].value - st[i]).abs() < 0.03, "{:?}", result.total[i]);
        }
        let all_failed = sobol_indices(&design, &vec![f64::NAN; design.len()], 10, 4).unwrap();
        assert_eq!((all_failed.rows_used, all_failed.rows_excluded), (0, n));
        assert!(all_failed.indices().iter().all(|i| i.value.is_nan() && i.ci95_low.is_nan()));
    }

    #[test]
    fn sobol_indices_of_tiny_or_mismatched_designs_do_not_panic() {
        for n in [0, 1] {
            let design = saltelli(n, 2, SaltelliBase::Sobol { skip: 1 }).unwrap();
            let result = sobol_indices(&design, &run(&design, |u| u[0] + u[1]), 20, 0).unwrap();
            assert_eq!(result.indices().len(), 4);
            assert!(result.indices().iter().all(|i| i.value.is_nan() && i.ci95_high.is_nan()));
            assert!(result.variance.is_nan());
        }
        let design = saltelli(2, 2, SaltelliBase::Sobol { skip: 1 }).unwrap();
        let result = sobol_indices(&design, &run(&design, |u| u[0] + 2.0 * u[1]), 20, 0).unwrap();
        assert!(result.indices().iter().all(|i| i.value.is_finite() && i.ci95_low.is_finite()));
        assert_eq!(sobol_indices(&design, &[1.0; 3], 20, 0), Err(AnalysisError::OutputLength { expected: 8, got: 3 }));
        let no_bootstrap = sobol_indices(&design, &run(&design, |u| u[0]), 0, 0).unwrap();
        assert!(no_bootstrap.indices().iter().all(|i| i.value.is_finite() && i.ci95_low.is_nan()));
    }
}
