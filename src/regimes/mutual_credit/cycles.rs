//! Trade cycles: how much of mutual credit's trade volume closes in 2- and 3-cycles, trade
//! that could have cleared by netting, without any credit.
//!
//! The trades are sorted by (buyer, seller) in parallel (pairs are merged after, and integer
//! sums do not depend on the order of equal keys, so the result does not either), and indexed
//! by buyer (an offset per agent number): each lookup of an edge searches only its buyer's few
//! edges, never the whole list.

use rayon::prelude::*;

/// One bilateral trade: buyer, seller, money units.
pub type Trade = (u32, u32, i64);

/// Trades sorted by (buyer, seller) with the amounts of each repeated pair added up.
fn merge_pairs(sorted: Vec<Trade>) -> Vec<Trade> {
    let mut merged: Vec<Trade> = Vec::with_capacity(sorted.len());
    for e in sorted {
        match merged.last_mut() {
            Some(last) if last.0 == e.0 && last.1 == e.1 => last.2 += e.2,
            _ => merged.push(e),
        }
    }
    merged
}

/// Shares of trade volume that close in 2-cycles and, of the rest, in 3-cycles, cancelling
/// greedily in a fixed order. `NaN` when there was no trade.
pub fn cycle_shares(trades: impl Iterator<Item = Trade>) -> (f64, f64) {
    let mut edges: Vec<Trade> = trades.collect();
    edges.par_sort_unstable_by_key(|e| (e.0, e.1));
    let merged = merge_pairs(edges);
    let total: i64 = merged.iter().map(|e| e.2).sum();
    if total == 0 {
        return (f64::NAN, f64::NAN);
    }
    // Each buyer's edges: `merged[first[a]..first[a + 1]]` (a prefix count over agent numbers).
    let agents = merged.iter().map(|e| e.0.max(e.1) as usize + 1).max().unwrap_or(0);
    let mut first = vec![0usize; agents + 1];
    for e in &merged {
        first[e.0 as usize + 1] += 1;
    }
    for a in 0..agents {
        first[a + 1] += first[a];
    }
    let row = |a: u32| -> (usize, usize) { (first[a as usize], first[a as usize + 1]) };
    let find = |a: u32, b: u32| -> Option<usize> {
        let (lo, hi) = row(a);
        merged[lo..hi].binary_search_by_key(&b, |e| e.1).ok().map(|k| lo + k)
    };
    let mut w: Vec<i64> = merged.iter().map(|e| e.2).collect();
    let mut two = 0i64;
    for k in 0..merged.len() {
        let (a, b, _) = merged[k];
        if a < b {
            if let Some(r) = find(b, a) {
                let m = w[k].min(w[r]);
                w[k] -= m;
                w[r] -= m;
                two += 2 * m;
            }
        }
    }
    let mut three = 0i64;
    for k in 0..merged.len() {
        let (a, b, _) = merged[k];
        if a >= b || w[k] == 0 {
            continue;
        }
        let (lo, hi) = row(b);
        for j in lo..hi {
            let c = merged[j].1;
            if c <= a || w[j] == 0 || w[k] == 0 {
                continue;
            }
            if let Some(r) = find(c, a) {
                let m = w[k].min(w[j]).min(w[r]);
                if m > 0 {
                    w[k] -= m;
                    w[j] -= m;
                    w[r] -= m;
                    three += 3 * m;
                }
            }
        }
    }
    (two as f64 / total as f64, three as f64 / total as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_are_found_and_cancelled_once() {
        // 0 -> 1 -> 0 (two-cycle of 5), 0 -> 1 -> 2 -> 0 (three-cycle of 2 on the residue).
        let trades = [(0u32, 1u32, 7i64), (1, 0, 5), (1, 2, 2), (2, 0, 2), (3, 4, 10)];
        let (two, three) = cycle_shares(trades.into_iter());
        let total = 26.0;
        assert!((two - 10.0 / total).abs() < 1e-12, "{two}");
        assert!((three - 6.0 / total).abs() < 1e-12, "{three}");
        assert!(cycle_shares(std::iter::empty()).0.is_nan());
    }

    /// The cancellation as first written: binary searches over the whole list.
    fn by_full_search(trades: &[Trade]) -> (f64, f64) {
        let mut m: Vec<Trade> = trades.to_vec();
        m.sort_by_key(|e| (e.0, e.1));
        let merged = merge_pairs(m);
        let total: i64 = merged.iter().map(|e| e.2).sum();
        let find = |a: u32, b: u32| merged.binary_search_by_key(&(a, b), |e| (e.0, e.1)).ok();
        let mut w: Vec<i64> = merged.iter().map(|e| e.2).collect();
        let (mut two, mut three) = (0i64, 0i64);
        for k in 0..merged.len() {
            let (a, b, _) = merged[k];
            if let Some(r) = (a < b).then(|| find(b, a)).flatten() {
                let x = w[k].min(w[r]);
                w[k] -= x;
                w[r] -= x;
                two += 2 * x;
            }
        }
        for k in 0..merged.len() {
            let (a, b, _) = merged[k];
            if a >= b || w[k] == 0 {
                continue;
            }
            let (lo, hi) = (merged.partition_point(|e| e.0 < b), merged.partition_point(|e| e.0 <= b));
            for j in lo..hi {
                let c = merged[j].1;
                if c <= a || w[j] == 0 || w[k] == 0 {
                    continue;
                }
                if let Some(r) = find(c, a) {
                    let x = w[k].min(w[j]).min(w[r]);
                    w[k] -= x;
                    w[j] -= x;
                    w[r] -= x;
                    three += 3 * x;
                }
            }
        }
        (two as f64 / total as f64, three as f64 / total as f64)
    }

    #[test]
    fn indexed_search_cancels_as_the_full_search_does() {
        let mut with_three = 0;
        for seed in 0..40u64 {
            let r = |k: u64| crate::rng::splitmix64(seed * 1_000_003 + k);
            let agents = 2 + r(0) % 40;
            let trades: Vec<Trade> = (0..300u64)
                .map(|k| {
                    ((r(3 * k + 1) % agents) as u32, (r(3 * k + 2) % agents) as u32, (r(3 * k + 3) % 50) as i64 + 1)
                })
                .filter(|t| t.0 != t.1)
                .collect();
            let (a, b) = (cycle_shares(trades.iter().copied()), by_full_search(&trades));
            assert_eq!((a.0.to_bits(), a.1.to_bits()), (b.0.to_bits(), b.1.to_bits()), "seed {seed}");
            assert!(a.0 > 0.0, "seed {seed}: two-cycles are there to find");
            with_three += (a.1 > 0.0) as usize;
        }
        assert!(with_three >= 30, "three-cycles found in only {with_three} of 40 cases");
    }
}
