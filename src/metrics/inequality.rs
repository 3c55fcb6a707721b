//! Inequality statistics: Gini, Theil, Palma and quantiles.
//!
//! Gini, Palma and quantiles need the values in order. Sorting a million `f64` with the
//! standard library's sort costs about 45 ms on the reference machine, more than a whole step
//! of most regimes, so values are sorted as `f32` keys with a parallel three-pass LSD radix
//! sort of 11-bit digits. Rounding every value to single precision
//! (relative error 6e-8) moves the Gini by at most 1.2e-7; the sums themselves run in `f64`.
//! The sorted keys are the same whatever the number of threads (a sort's output is unique),
//! and every sum over them runs over fixed chunks added in order, so the statistics are too.
//! The radix sort is written here because the radix crates measured were slower on this key
//! type (radsort: 2x, single-threaded).

use crate::disjoint::Disjoint;
use crate::rng::CHUNK;
use rayon::prelude::*;

/// Bits per radix digit, and digits per key.
/// Three passes of 11 bits (the last digit has 10) instead of four of 8: one scatter of the
/// keys fewer, with histograms that still fit in the first-level cache.
const BITS: u32 = 11;
const RADIX: usize = 1 << BITS;
const PASSES: u32 = 3;
/// Keys per block: the unit of parallel counting and scattering.
const BLOCK: usize = 1 << 16;

/// Reusable buffers for sorting; keep one per metric stream to avoid allocating every step.
#[derive(Debug, Default, Clone)]
pub struct SortBuffer {
    keys: Vec<u32>,
    tmp: Vec<u32>,
    /// Per block: number of keys it holds, and its digit histogram for the current pass.
    counts: Vec<usize>,
    hist: Vec<[u32; RADIX]>,
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

#[inline]
fn digit(k: u32, pass: u32) -> usize {
    ((k >> (BITS * pass)) as usize) & (RADIX - 1)
}

impl SortBuffer {
    /// Sorts `values` (rounded to `f32`) and returns them in ascending order.
    pub fn sort<'a>(&'a mut self, values: impl Iterator<Item = f64>) -> Sorted<'a> {
        let v: Vec<f64> = values.collect();
        self.sort_where(v.len(), |i| Some(v[i]))
    }

    /// Sorts the values `value(i)` for `i` in `0..n` that are `Some` (rounded to `f32`), in
    /// parallel, and returns them in ascending order.
    pub fn sort_where<'a>(&'a mut self, n: usize, value: impl Fn(usize) -> Option<f64> + Sync) -> Sorted<'a> {
        let blocks = n.div_ceil(BLOCK);
        self.tmp.resize(n, 0);
        self.hist.resize(blocks, [0; RADIX]);
        self.counts.resize(blocks, 0);
        // Keys of each block at the start of its own range of `tmp`, with pass 0's histogram.
        self.tmp
            .par_chunks_mut(BLOCK)
            .zip(self.hist.par_iter_mut())
            .zip(self.counts.par_iter_mut())
            .enumerate()
            .for_each(|(b, ((out, hist), count))| {
                hist.fill(0);
                let mut m = 0;
                for i in b * BLOCK..(b * BLOCK + out.len()) {
                    if let Some(x) = value(i) {
                        let k = key_of(x as f32);
                        out[m] = k;
                        hist[digit(k, 0)] += 1;
                        m += 1;
                    }
                }
                *count = m;
            });
        let m: usize = self.counts.iter().sum();
        self.keys.resize(m, 0);
        // Pass 0 reads each block's prefix of `tmp` and writes `keys` compacted; later passes
        // go back and forth between `keys` and `tmp` in blocks of equal size.
        let mut in_keys = false;
        for pass in 0..PASSES {
            if pass > 0 {
                // Re-count this pass's digit per block of the current order.
                let src = if in_keys { &self.keys[..m] } else { &self.tmp[..m] };
                let blocks = m.div_ceil(BLOCK);
                self.hist.resize(blocks, [0; RADIX]);
                self.counts.resize(blocks, 0);
                src.par_chunks(BLOCK).zip(self.hist.par_iter_mut()).zip(self.counts.par_iter_mut()).for_each(
                    |((keys, hist), count)| {
                        hist.fill(0);
                        for &k in keys {
                            hist[digit(k, pass)] += 1;
                        }
                        *count = keys.len();
                    },
                );
                self.hist.truncate(blocks);
                self.counts.truncate(blocks);
            }
            // A digit shared by every key leaves the order as it is: skip the pass (pass 0
            // still runs, to compact the blocks).
            let mut total = [0usize; RADIX];
            for h in &self.hist {
                for (t, &c) in total.iter_mut().zip(h.iter()) {
                    *t += c as usize;
                }
            }
            if pass > 0 && total.contains(&m) {
                continue;
            }
            // Offsets: where each block's keys of each digit start in the output.
            let mut start = 0usize;
            let mut next = [0usize; RADIX];
            for (d, &t) in total.iter().enumerate() {
                next[d] = start;
                start += t;
            }
            let offsets: Vec<[u32; RADIX]> = self
                .hist
                .iter()
                .map(|h| {
                    let mut o = [0u32; RADIX];
                    for d in 0..RADIX {
                        o[d] = next[d] as u32;
                        next[d] += h[d] as usize;
                    }
                    o
                })
                .collect();
            let (src, dst) = if in_keys { (&self.keys, &mut self.tmp) } else { (&self.tmp, &mut self.keys) };
            let out = Disjoint::new(&mut dst[..m]);
            let counts = &self.counts;
            offsets.into_par_iter().enumerate().for_each(|(b, mut o)| {
                let keys = &src[b * BLOCK..b * BLOCK + counts[b]];
                for &k in keys {
                    let d = digit(k, pass);
                    // SAFETY: `o[d]` runs over this block's own range of digit `d`'s output
                    // positions, disjoint from every other block's and below `m`.
                    unsafe { out.write(o[d] as usize, k) };
                    o[d] += 1;
                }
            });
            in_keys = !in_keys;
        }
        let keys = if in_keys { &self.keys[..m] } else { &self.tmp[..m] };
        Sorted { keys }
    }
}

/// The nearest rank of the `q`-quantile of `m > 0` values, counted from 0: the smallest
/// value with at least `q m` values at or below it.
#[inline]
fn nearest_rank(q: f64, m: usize) -> usize {
    ((q * m as f64).ceil().max(1.0) as usize).min(m) - 1
}

/// The `q`-quantile by nearest rank of the values `value(i)`, `i` in `0..n`, that are `Some`
/// (rounded to `f32`; `NaN` if there are none), without sorting or gathering: parallel counts
/// of the keys' top 12 bits find the bin holding the wanted rank, then counts of the next 12
/// bits of the keys in that bin, then of the last 8, narrow it to one key. Counts are
/// integers, so the result is the same on any number of threads; no buffer grows with the
/// number of values that share a bin (needs met often cluster on a few values). Up to one
/// block of values (small worlds), the keys are gathered and selected from instead.
pub fn quantile_where(n: usize, q: f64, value: impl Fn(usize) -> Option<f64> + Sync) -> f64 {
    if n <= BLOCK {
        // A small world: its keys fit in cache, and one selection costs less than three
        // histograms.
        let mut keys: Vec<u32> = (0..n).filter_map(|i| value(i).map(|x| key_of(x as f32))).collect();
        if keys.is_empty() {
            return f64::NAN;
        }
        let rank = nearest_rank(q, keys.len());
        let (_, k, _) = keys.select_nth_unstable(rank);
        return value_of(*k) as f64;
    }
    // (shift of the digit, its width): 12 + 12 + 8 bits.
    const DIGITS: [(u32, u32); 3] = [(20, 12), (8, 12), (0, 8)];
    let mut prefix = 0u32; // the key bits above the current digit, fixed so far
    let mut rank = 0usize;
    for (level, &(shift, width)) in DIGITS.iter().enumerate() {
        let above = shift + width; // bits of the prefix start here
        let hist = (0..n.div_ceil(BLOCK))
            .into_par_iter()
            .map(|b| {
                let mut h = vec![0u32; 1 << width];
                for i in b * BLOCK..((b + 1) * BLOCK).min(n) {
                    if let Some(x) = value(i) {
                        let k = key_of(x as f32);
                        if above >= 32 || k >> above == prefix {
                            h[((k >> shift) & ((1 << width) - 1)) as usize] += 1;
                        }
                    }
                }
                h
            })
            .reduce(
                || vec![0u32; 1 << width],
                |mut a, b| {
                    a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                    a
                },
            );
        if level == 0 {
            let m: usize = hist.iter().map(|&c| c as usize).sum();
            if m == 0 {
                return f64::NAN;
            }
            rank = nearest_rank(q, m);
        }
        let (mut bin, mut below) = (0usize, 0usize);
        while below + hist[bin] as usize <= rank {
            below += hist[bin] as usize;
            bin += 1;
        }
        rank -= below;
        prefix = (prefix << width) | bin as u32;
    }
    value_of(prefix) as f64
}

/// Gini, Palma and Theil of one sorted set of values ([`Sorted::spread`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// Mean-difference Gini.
    pub gini: f64,
    /// Palma ratio.
    pub palma: f64,
    /// Theil T index.
    pub theil: f64,
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
        let n = self.len() as f64;
        let (weighted, absolute) = self.chunk_sums(|i, x| gini_terms(n, i, x));
        gini_from_sums(n, weighted, absolute)
    }

    /// Two sums of `f(rank, value)` over the values in order, in parallel over fixed chunks
    /// added in order (the same bits on any number of threads).
    fn chunk_sums(&self, f: impl Fn(usize, f64) -> (f64, f64) + Sync) -> (f64, f64) {
        let parts: Vec<(f64, f64)> = self
            .keys
            .par_chunks(CHUNK)
            .enumerate()
            .map(|(c, keys)| {
                keys.iter().enumerate().fold((0.0, 0.0), |(a, b), (k, &key)| {
                    let (x, y) = f(c * CHUNK + k, value_of(key) as f64);
                    (a + x, b + y)
                })
            })
            .collect();
        parts.iter().fold((0.0, 0.0), |(a, b), &(x, y)| (a + x, b + y))
    }

    /// Theil T index of the values (see [`theil`]), from their `f32` roundings.
    pub fn theil(&self) -> f64 {
        self.spread().theil
    }

    /// Palma ratio: share held by the top 10% over the share held by the bottom 40%.
    /// `NaN` when the bottom 40% hold nothing (or less), where the ratio is undefined.
    pub fn palma(&self) -> f64 {
        self.spread().palma
    }

    /// Gini, Palma and Theil together, from two passes over the values instead of five: the
    /// first gathers the Gini's sums, the total and the Palma's shares, the second the Theil's
    /// sum. Each sum runs over the same fixed chunks in the same order as it would alone, so
    /// every statistic has the same bits as [`Sorted::gini`], [`Sorted::palma`] and
    /// [`Sorted::theil`] computed one by one.
    pub fn spread(&self) -> Spread {
        let n = self.len();
        let nf = n as f64;
        let bottom_end = (0.4 * nf).floor() as usize;
        let top_start = n - (0.1 * nf).floor() as usize;
        let parts: Vec<[f64; 4]> = self
            .keys
            .par_chunks(CHUNK)
            .enumerate()
            .map(|(c, keys)| {
                keys.iter().enumerate().fold([0.0; 4], |s, (k, &key)| {
                    let i = c * CHUNK + k;
                    let x = value_of(key) as f64;
                    let (w, a) = gini_terms(nf, i, x);
                    let (b, t) = if i < bottom_end {
                        (x, 0.0)
                    } else if i >= top_start {
                        (0.0, x)
                    } else {
                        (0.0, 0.0)
                    };
                    [s[0] + w, s[1] + a, s[2] + b, s[3] + t]
                })
            })
            .collect();
        let [weighted, absolute, bottom, top] =
            parts.iter().fold([0.0; 4], |s, p| [s[0] + p[0], s[1] + p[1], s[2] + p[2], s[3] + p[3]]);
        let gini = gini_from_sums(nf, weighted, absolute);
        let palma = if n < 10 || bottom <= 0.0 { f64::NAN } else { top / bottom };
        // With no negative value the total of absolute values is the total.
        let theil = if n == 0 || self.get(0) < 0.0 || absolute <= 0.0 {
            f64::NAN
        } else {
            let inv = nf / absolute;
            let (sum, _) = self.chunk_sums(|_, x| {
                let r = x * inv;
                (if r > 0.0 { r * fast_ln(r) } else { 0.0 }, 0.0)
            });
            sum / nf
        };
        Spread { gini, palma, theil }
    }

    /// The `q`-quantile by nearest rank (the smallest value with at least `q n` values at or
    /// below it).
    pub fn quantile(&self, q: f64) -> f64 {
        let n = self.len();
        if n == 0 {
            return f64::NAN;
        }
        self.get(nearest_rank(q, n))
    }
}

/// The two terms one ranked value adds to the Gini's sums: `sum_ij |x_i - x_j|` is
/// `2 sum_i (2 i - n - 1) x_(i)` (`i` counted from 1), over `sum_i |x_i|`.
#[inline]
fn gini_terms(n: f64, rank: usize, x: f64) -> (f64, f64) {
    ((2.0 * (rank as f64 + 1.0) - n - 1.0) * x, x.abs())
}

#[inline]
fn gini_from_sums(n: f64, weighted: f64, absolute: f64) -> f64 {
    if absolute <= 0.0 {
        return f64::NAN;
    }
    (weighted / (n * absolute)).max(0.0)
}

/// The Gini of [`Sorted::gini`] for values already sorted ascending in `f64` (no rounding to
/// single precision), with the same sums over the same fixed chunks.
pub fn gini_sorted(sorted: &[f64]) -> f64 {
    let n = sorted.len() as f64;
    let parts: Vec<(f64, f64)> = sorted
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(c, xs)| {
            xs.iter().enumerate().fold((0.0, 0.0), |(a, b), (k, &x)| {
                let (p, q) = gini_terms(n, c * CHUNK + k, x);
                (a + p, b + q)
            })
        })
        .collect();
    let (weighted, absolute) = parts.iter().fold((0.0, 0.0), |(a, b), &(x, y)| (a + x, b + y));
    gini_from_sums(n, weighted, absolute)
}

/// Theil T index `(1/n) sum (x/mean) ln(x/mean)`, with `0 ln 0 = 0`: 0 at equality, `ln n`
/// when one holds everything. `NaN` if any value is negative or the total is not positive.
pub fn theil(values: &[f64]) -> f64 {
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    let sums = |f: &(dyn Fn(&[f64]) -> f64 + Sync)| -> f64 {
        values.par_chunks(CHUNK).map(f).collect::<Vec<_>>().iter().sum()
    };
    let total = sums(&|c| c.iter().sum());
    if total <= 0.0 || values.par_iter().any(|&x| x < 0.0) {
        return f64::NAN;
    }
    let mean = total / n as f64;
    let inv = 1.0 / mean;
    sums(&|c| {
        c.iter()
            .map(|&x| {
                let r = x * inv;
                if r > 0.0 {
                    r * fast_ln(r)
                } else {
                    0.0
                }
            })
            .sum()
    }) / n as f64
}

/// Natural logarithm of a positive, finite, normal `x` to within about 1e-9 relative error,
/// several times faster than `f64::ln` and vectorisable: `x = 2^e m` with `m` in
/// `[sqrt(1/2), sqrt(2))`, and `ln m = 2 atanh(s)`, `s = (m - 1) / (m + 1)`, `|s| <= 0.172`,
/// summed to the `s^9` term. Plain arithmetic, so the same bits on every platform.
#[inline]
pub fn fast_ln(x: f64) -> f64 {
    let bits = x.to_bits();
    let mut e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    if m > std::f64::consts::SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let series = s * (2.0 + s2 * (2.0 / 3.0 + s2 * (2.0 / 5.0 + s2 * (2.0 / 7.0 + s2 * (2.0 / 9.0)))));
    e as f64 * std::f64::consts::LN_2 + series
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
mod tests;
