//! Deterministic parallel reductions: sums over fixed chunks of [`CHUNK`] agents, added in
//! chunk order, so that a result has the same bits on one thread or sixty-four. Floating-point
//! addition is not associative; a reduction whose tree depended on how rayon split the work
//! would change results with the thread count.

pub use crate::rng::CHUNK;
use rayon::prelude::*;

/// Sum over fixed chunks, added in chunk order: the same bits on any number of threads.
pub fn chunk_sum(v: &[f64]) -> f64 {
    v.par_chunks(CHUNK).map(|c| c.iter().sum::<f64>()).collect::<Vec<_>>().iter().sum()
}

/// Maps every chunk `c` of `0..n` (agents `c * CHUNK .. (c + 1) * CHUNK`) to a partial result
/// in parallel and folds the partials in chunk order.
pub fn chunked<T: Send>(
    n: usize,
    map: impl Fn(std::ops::Range<usize>) -> T + Sync + Send,
    init: T,
    fold: impl Fn(T, T) -> T,
) -> T {
    let parts: Vec<T> =
        (0..n.div_ceil(CHUNK)).into_par_iter().map(|c| map(c * CHUNK..((c + 1) * CHUNK).min(n))).collect();
    parts.into_iter().fold(init, fold)
}

/// How many of `0..n` satisfy `keep`, counted in parallel (integers: order does not matter).
pub fn count_where(n: usize, keep: impl Fn(usize) -> bool + Sync + Send) -> usize {
    chunked(n, |r| r.filter(|&i| keep(i)).count(), 0, |a, b| a + b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_sums_do_not_depend_on_the_pool() {
        let v: Vec<f64> = (0..50_000).map(|i| 1.0 / (1.0 + i as f64)).collect();
        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap().install(|| chunk_sum(&v));
        let four = rayon::ThreadPoolBuilder::new().num_threads(4).build().unwrap().install(|| chunk_sum(&v));
        assert_eq!(one.to_bits(), four.to_bits());
        let by_range = chunked(v.len(), |r| r.map(|i| v[i]).sum::<f64>(), 0.0, |a, b| a + b);
        assert_eq!(by_range.to_bits(), one.to_bits());
        assert_eq!(count_where(10_000, |i| i % 3 == 0), 3334);
    }
}
