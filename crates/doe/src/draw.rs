//! Draws from the raw ChaCha stream, by the functions of this crate rather than `rand`'s
//! distributions, so that designs and bootstrap resamples do not change when `rand` changes
//! its sampling algorithms.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A uniform draw from `[0, 1)` with 53 random bits, from the raw stream.
pub(crate) fn unit_f64(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform draw from `0..n` (`n > 0`), unbiased (Lemire 2019, "Fast random integer generation
/// in an interval", ACM TOMACS 29:3), from the raw stream.
pub(crate) fn below(rng: &mut ChaCha8Rng, n: u64) -> u64 {
    debug_assert!(n > 0);
    let mut m = u128::from(rng.next_u64()) * u128::from(n);
    if (m as u64) < n {
        let threshold = n.wrapping_neg() % n;
        while (m as u64) < threshold {
            m = u128::from(rng.next_u64()) * u128::from(n);
        }
    }
    (m >> 64) as u64
}

/// Fisher-Yates shuffle driven by [`below`].
pub(crate) fn shuffle<T>(items: &mut [T], rng: &mut ChaCha8Rng) {
    for i in (1..items.len()).rev() {
        let j = below(rng, i as u64 + 1) as usize;
        items.swap(i, j);
    }
}

/// A generator for bootstrap resample or factor `stream`: independent streams of one seed.
pub(crate) fn stream_rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}
