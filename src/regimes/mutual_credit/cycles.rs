//! Trade cycles: how much of mutual credit's trade volume closes in 2- and 3-cycles, trade
//! that could have cleared by netting, without any credit.

/// One bilateral trade: buyer, seller, money units.
pub type Trade = (u32, u32, i64);

/// Shares of trade volume that close in 2-cycles and, of the rest, in 3-cycles, cancelling
/// greedily in a fixed order. `NaN` when there was no trade.
pub fn cycle_shares(trades: impl Iterator<Item = Trade>) -> (f64, f64) {
    let mut edges: Vec<Trade> = trades.collect();
    edges.sort_unstable_by_key(|e| (e.0, e.1));
    // Merge repeated pairs.
    let mut merged: Vec<Trade> = Vec::with_capacity(edges.len());
    for e in edges {
        match merged.last_mut() {
            Some(last) if last.0 == e.0 && last.1 == e.1 => last.2 += e.2,
            _ => merged.push(e),
        }
    }
    let total: i64 = merged.iter().map(|e| e.2).sum();
    if total == 0 {
        return (f64::NAN, f64::NAN);
    }
    let find = |m: &[Trade], a: u32, b: u32| m.binary_search_by_key(&(a, b), |e| (e.0, e.1)).ok();
    let mut w: Vec<i64> = merged.iter().map(|e| e.2).collect();
    let mut two = 0i64;
    for k in 0..merged.len() {
        let (a, b, _) = merged[k];
        if a < b {
            if let Some(r) = find(&merged, b, a) {
                let m = w[k].min(w[r]);
                w[k] -= m;
                w[r] -= m;
                two += 2 * m;
            }
        }
    }
    let mut three = 0i64;
    // Edges out of each agent start at the first index with that buyer.
    for k in 0..merged.len() {
        let (a, b, _) = merged[k];
        if a >= b || w[k] == 0 {
            continue;
        }
        let lo = merged.partition_point(|e| e.0 < b);
        let hi = merged.partition_point(|e| e.0 <= b);
        for j in lo..hi {
            let c = merged[j].1;
            if c <= a || w[j] == 0 || w[k] == 0 {
                continue;
            }
            if let Some(r) = find(&merged, c, a) {
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
}
