//! Inequality statistics: Gini, Theil, Palma and quantiles.
//!
//! Gini, Palma and quantiles need the values in order. Sorting a million `f64` with the
//! standard library's sort costs about 45 ms on the reference machine, more than a whole step
//! of most regimes, so values are sorted as `f32` keys with a four-pass LSD radix sort (about
//! 10 ms). Rounding every value to single precision (relative error 6e-8) moves the Gini by at
//! most 1.2e-7; the sums themselves run in `f64`. The radix sort is written here because the
//! radix crates measured were slower on this key type (radsort: 2x).

/// Reusable buffers for sorting; keep one per metric stream to avoid allocating every step.
#[derive(Debug, Default, Clone)]
pub struct SortBuffer {
    keys: Vec<u32>,
    tmp: Vec<u32>,
}

/// Maps an `f32` to a `u32` whose unsigned order is the numeric order.
#[inline]
fn key_of(x: f32) -> u32 {
    let b = x.to_bits();
    if b >> 31 == 1 {
        !b
    } else {
        b | (1 << 31)
    }
}

#[inline]
fn value_of(k: u32) -> f32 {
    f32::from_bits(if k >> 31 == 1 { k & !(1 << 31) } else { !k })
}

impl SortBuffer {
    /// Sorts `values` (rounded to `f32`) and returns them in ascending order.
    pub fn sort<'a>(&'a mut self, values: impl Iterator<Item = f64>) -> Sorted<'a> {
        self.keys.clear();
        self.keys.reserve(values.size_hint().0);
        let mut hist = [[0u32; 256]; 4];
        for x in values {
            let k = key_of(x as f32);
            self.keys.push(k);
            hist[0][(k & 255) as usize] += 1;
            hist[1][((k >> 8) & 255) as usize] += 1;
            hist[2][((k >> 16) & 255) as usize] += 1;
            hist[3][(k >> 24) as usize] += 1;
        }
        let n = self.keys.len();
        self.tmp.clear();
        self.tmp.resize(n, 0);
        for (pass, h) in hist.iter().enumerate() {
            // A digit shared by every key leaves the order as it is: skip the pass.
            if h.iter().any(|&c| c as usize == n) {
                continue;
            }
            let mut offset = [0u32; 256];
            let mut acc = 0u32;
            for (o, &c) in offset.iter_mut().zip(h.iter()) {
                *o = acc;
                acc += c;
            }
            let shift = 8 * pass as u32;
            for &k in &self.keys {
                let d = ((k >> shift) & 255) as usize;
                self.tmp[offset[d] as usize] = k;
                offset[d] += 1;
            }
            std::mem::swap(&mut self.keys, &mut self.tmp);
        }
        Sorted { keys: &self.keys }
    }
}

/// Values in ascending order, as produced by [`SortBuffer::sort`].
#[derive(Debug, Clone, Copy)]
pub struct Sorted<'a> {
    keys: &'a [u32],
}

impl Sorted<'_> {
    /// Number of values.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The `i`-th smallest value.
    pub fn get(&self, i: usize) -> f64 {
        value_of(self.keys[i]) as f64
    }

    /// The values in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = f64> + '_ {
        self.keys.iter().map(|&k| value_of(k) as f64)
    }

    /// Mean-difference Gini `sum_ij |x_i - x_j| / (2 n sum_i |x_i|)`: 0 when all are equal,
    /// `(n - 1) / n` when one holds everything. For non-negative values this is the standard
    /// Gini; dividing by the total of absolute values instead of the total (Raffinetti, Siletti
    /// and Vernizzi 2015) keeps it in `[0, 1]` when some values are negative, as debts are.
    /// `NaN` when every value is zero.
    pub fn gini(&self) -> f64 {
        let n = self.len();
        // sum_ij |x_i - x_j| = 2 sum_i (2 i - n - 1) x_(i), i counted from 1.
        let (mut weighted, mut absolute) = (0.0f64, 0.0f64);
        for (i, x) in self.iter().enumerate() {
            weighted += (2.0 * (i as f64 + 1.0) - n as f64 - 1.0) * x;
            absolute += x.abs();
        }
        if absolute <= 0.0 {
            return f64::NAN;
        }
        (weighted / (n as f64 * absolute)).max(0.0)
    }

    /// Palma ratio: share held by the top 10% over the share held by the bottom 40%.
    /// `NaN` when the bottom 40% hold nothing (or less), where the ratio is undefined.
    pub fn palma(&self) -> f64 {
        let n = self.len();
        if n < 10 {
            return f64::NAN;
        }
        let bottom_end = (0.4 * n as f64).floor() as usize;
        let top_start = n - (0.1 * n as f64).floor() as usize;
        let bottom: f64 = (0..bottom_end).map(|i| self.get(i)).sum();
        let top: f64 = (top_start..n).map(|i| self.get(i)).sum();
        if bottom <= 0.0 {
            f64::NAN
        } else {
            top / bottom
        }
    }

    /// The `q`-quantile by nearest rank (the smallest value with at least `q n` values at or
    /// below it).
    pub fn quantile(&self, q: f64) -> f64 {
        let n = self.len();
        if n == 0 {
            return f64::NAN;
        }
        let rank = (q * n as f64).ceil().max(1.0) as usize;
        self.get(rank.min(n) - 1)
    }
}

/// Theil T index `(1/n) sum (x/mean) ln(x/mean)`, with `0 ln 0 = 0`: 0 at equality, `ln n`
/// when one holds everything. `NaN` if any value is negative or the total is not positive.
pub fn theil(values: &[f64]) -> f64 {
    use rayon::prelude::*;
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    let sums = |f: &(dyn Fn(&[f64]) -> f64 + Sync)| -> f64 {
        values.par_chunks(crate::rng::CHUNK).map(f).collect::<Vec<_>>().iter().sum()
    };
    let total = sums(&|c| c.iter().sum());
    if total <= 0.0 || values.par_iter().any(|&x| x < 0.0) {
        return f64::NAN;
    }
    let mean = total / n as f64;
    sums(&|c| {
        c.iter()
            .filter(|&&x| x > 0.0)
            .map(|&x| {
                let r = x / mean;
                r * r.ln()
            })
            .sum()
    }) / n as f64
}

/// Gini by direct definition over sorted `f64` values (no rounding); used by tests and small
/// inputs as the reference for [`Sorted::gini`].
pub fn gini_exact(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len() as f64;
    let total: f64 = v.iter().sum();
    if v.is_empty() || total <= 0.0 {
        return f64::NAN;
    }
    let weighted: f64 = v.iter().enumerate().map(|(i, x)| (i as f64 + 1.0) * x).sum();
    (2.0 * weighted / (n * total) - (n + 1.0) / n).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gini(v: &[f64]) -> f64 {
        SortBuffer::default().sort(v.iter().copied()).gini()
    }

    #[test]
    fn gini_is_zero_for_equality() {
        assert_eq!(gini(&[3.0; 1000]), 0.0);
    }

    #[test]
    fn gini_is_n_minus_one_over_n_when_one_holds_all() {
        for n in [2usize, 10, 1000] {
            let mut v = vec![0.0; n];
            v[n / 2] = 42.0;
            let expected = (n as f64 - 1.0) / n as f64;
            assert!((gini(&v) - expected).abs() < 1e-12, "n={n}: {}", gini(&v));
        }
    }

    #[test]
    fn radix_gini_matches_exact_gini() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        let v: Vec<f64> = (0..100_000).map(|_| -100.0 * (1.0 - rng.random::<f64>()).ln()).collect();
        let (a, b) = (gini(&v), gini_exact(&v));
        assert!((a - b).abs() < 2e-7, "{a} vs {b}");
        assert!((a - 0.5).abs() < 0.01, "exponential law has Gini 1/2, got {a}");
    }

    #[test]
    fn gini_with_debts_stays_within_zero_and_one() {
        // Balances summing to zero: one creditor, the rest equal debtors.
        let mut v = vec![-1.0; 9];
        v.push(9.0);
        let g = gini(&v);
        assert!(g > 0.0 && g <= 1.0, "{g}");
        // sum |x_i - x_j| = 2 * 9 * 10 = 180; 2 n sum|x| = 2 * 10 * 18 = 360.
        assert!((g - 0.5).abs() < 1e-12, "{g}");
        assert!(gini(&[0.0, 0.0]).is_nan());
    }

    #[test]
    fn sorting_handles_negative_values_and_ties() {
        let v = [3.0, -1.0, 0.0, -5.5, 3.0, 2.0];
        let mut buf = SortBuffer::default();
        let s = buf.sort(v.iter().copied());
        let got: Vec<f64> = s.iter().collect();
        assert_eq!(got, vec![-5.5, -1.0, 0.0, 2.0, 3.0, 3.0]);
    }

    #[test]
    fn palma_and_quantiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        let mut buf = SortBuffer::default();
        let s = buf.sort(v.iter().copied());
        // top 10: 91..=100 sums to 955; bottom 40: 1..=40 sums to 820.
        assert!((s.palma() - 955.0 / 820.0).abs() < 1e-12);
        assert_eq!(s.quantile(0.1), 10.0);
        assert_eq!(s.quantile(0.0), 1.0);
        assert_eq!(s.quantile(1.0), 100.0);
    }

    #[test]
    fn theil_bounds() {
        assert_eq!(theil(&[2.0; 50]), 0.0);
        let mut v = vec![0.0; 50];
        v[0] = 1.0;
        assert!((theil(&v) - (50f64).ln()).abs() < 1e-12);
        assert!(theil(&[1.0, -1.0, 2.0]).is_nan());
    }
}
