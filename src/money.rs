//! Money and credit as integers: amounts are held in micro-units of the unit of account, so
//! that sums are exact. Market money is conserved exactly and mutual-credit balances sum to
//! exactly zero; [`apportion`] splits an integer total over weights without losing a unit.

use crate::reduce::chunk_sum;
use crate::rng::CHUNK;
use rayon::prelude::*;

/// What a regime's members hold besides goods, and so which integer column is theirs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyKind {
    /// No money.
    None,
    /// Market money (`money` column).
    Money,
    /// Mutual-credit balance (`balance` column).
    Balance,
}

impl MoneyKind {
    /// The name used in `run.json`.
    pub fn name(self) -> &'static str {
        match self {
            MoneyKind::None => "none",
            MoneyKind::Money => "money",
            MoneyKind::Balance => "credit",
        }
    }
}

/// Money and credit are integers of this many units per unit of account, so that sums are
/// exact: total money is conserved and mutual-credit balances sum to exactly zero.
pub const MONEY_UNIT: i64 = 1_000_000;

/// Converts an amount of the unit of account to integer money units (rounded to nearest).
#[inline]
pub fn to_money(x: f64) -> i64 {
    (x * MONEY_UNIT as f64).round() as i64
}

/// Converts integer money units to the unit of account.
#[inline]
pub fn from_money(m: i64) -> f64 {
    m as f64 / MONEY_UNIT as f64
}

/// Splits the integer `total` over the entries `g, g + stride, ...` of `weights` in
/// proportion to them, writing each share into the same position of `out` (other positions of
/// that column set to 0). Shares are floors of the exact proportion; the remainder, fewer
/// units than there are positive weights, goes one unit each to positive weights in index
/// order starting at `rotate`. The shares sum to `total` exactly.
pub fn apportion_strided(
    total: i64,
    weights: &[f64],
    stride: usize,
    g: usize,
    weight_total: f64,
    rotate: usize,
    out: &mut [i64],
) {
    let n = weights.len() / stride;
    let t = total as f64;
    let partial: Vec<i64> = out
        .par_chunks_mut(CHUNK * stride)
        .zip(weights.par_chunks(CHUNK * stride))
        .map(|(o, w)| {
            let mut sum = 0i64;
            for k in 0..o.len() / stride {
                let idx = k * stride + g;
                let share =
                    if weight_total > 0.0 && w[idx] > 0.0 { (t * (w[idx] / weight_total)).floor() as i64 } else { 0 };
                o[idx] = share;
                sum += share;
            }
            sum
        })
        .collect();
    let mut remainder = total - partial.iter().sum::<i64>();
    if remainder == 0 || n == 0 {
        return;
    }
    // Hand out the remainder one unit at a time (take back one unit at a time if float
    // rounding overshot), visiting agents from `rotate` onwards.
    let step = remainder.signum();
    let mut visited_without_change = 0;
    let mut i = rotate % n;
    while remainder != 0 && visited_without_change <= n {
        let idx = i * stride + g;
        if weights[idx] > 0.0 && (step > 0 || out[idx] > 0) {
            out[idx] += step;
            remainder -= step;
            visited_without_change = 0;
        } else {
            visited_without_change += 1;
        }
        i = (i + 1) % n;
    }
}

/// [`apportion_strided`] for a plain vector of weights.
pub fn apportion(total: i64, weights: &[f64], rotate: usize, out: &mut Vec<i64>) {
    out.resize(weights.len(), 0);
    let weight_total: f64 = chunk_sum(weights);
    apportion_strided(total, weights, 1, 0, weight_total, rotate, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_is_exact_and_proportional() {
        let w = [1.0, 2.0, 0.0, 3.0, 1e-9];
        let mut out = Vec::new();
        for total in [0i64, 1, 7, 1_000_000_007, 123] {
            apportion(total, &w, 3, &mut out);
            assert_eq!(out.iter().sum::<i64>(), total);
            assert_eq!(out[2], 0, "no share without weight");
            let wt: f64 = w.iter().sum();
            for (o, x) in out.iter().zip(&w) {
                assert!((*o as f64 - total as f64 * x / wt).abs() <= 1.0 + 1e-6);
            }
        }
    }

    #[test]
    fn apportion_with_no_weight_gives_nothing() {
        let mut out = Vec::new();
        apportion(0, &[0.0, 0.0], 0, &mut out);
        assert_eq!(out, vec![0, 0]);
    }
}
