//! Random number streams. Every random number of a run comes from a ChaCha8 stream keyed by
//! (seed, replicate, purpose, step, chunk); none comes from the clock or from a generator
//! shared between threads.
//!
//! Agents are processed in fixed chunks of [`CHUNK`] agents; each chunk of each phase of each
//! step has its own stream, so a chunk draws the same numbers whichever thread runs it, and
//! whatever the number of threads. Keying by chunk rather than by agent is a cost decision:
//! setting up a ChaCha stream costs about 90 ns, far too much to do per agent per step.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Agents per chunk: the unit of parallel work and of random streams. Changing it changes
/// every result, so it is fixed for all versions of the engine.
pub const CHUNK: usize = 4096;

/// What a stream is for. Separate purposes keep one phase's draws from shifting another's, so
/// that two regimes compared on one replicate face the same agents and the same events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum Purpose {
    /// Initial agent attributes (skill, specialty, strategy, money).
    Population = 1,
    /// The social network.
    Network = 2,
    /// Shocks (who leaves in an exodus, ...).
    Shocks = 3,
    /// Phase 1, production.
    Produce = 4,
    /// Phase 2, allocation; the sub-key is the regime's slot in the world.
    Allocate = 5,
    /// Phase 6, policy.
    Policy = 6,
    /// Phase 7, imitation and migration.
    Adapt = 7,
}

/// The key of a replicate's streams: seed and replicate number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Streams {
    seed: u64,
    replicate: u64,
}

impl Streams {
    /// Streams of one replicate of a run with this seed.
    pub fn new(seed: u64, replicate: u64) -> Self {
        Streams { seed, replicate }
    }

    /// The replicate number.
    pub fn replicate(&self) -> u64 {
        self.replicate
    }

    /// The stream for `purpose` (with a sub-key, such as a regime slot) at `step` for `chunk`.
    pub fn rng(&self, purpose: Purpose, sub: u32, step: u64, chunk: usize) -> ChaCha8Rng {
        let mut key = [0u8; 32];
        let mut state = self.seed ^ 0x6167_6f72_615f_7631; // "agora_v1"
        let words = [self.replicate, ((purpose as u64) << 32) | sub as u64];
        for (i, slot) in key.chunks_exact_mut(8).enumerate() {
            state = splitmix64(state ^ words[i % 2].wrapping_mul(0x9E37_79B9_7F4A_7C15));
            slot.copy_from_slice(&state.to_le_bytes());
        }
        let mut rng = ChaCha8Rng::from_seed(key);
        rng.set_stream(step);
        // Each chunk starts 2^36 words into the stream: room for 256 GiB of draws per chunk.
        rng.set_word_pos((chunk as u128) << 36);
        rng
    }
}

/// SplitMix64 finaliser: a bijective mix of 64 bits.
#[inline]
pub fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A uniform number in `[0, 1)` from the top 53 bits of `r`.
#[inline]
pub fn unit_f64(r: u64) -> f64 {
    (r >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform number in `[0, 1)` from 32 bits.
#[inline]
pub fn unit_f32_bits(r: u32) -> f64 {
    r as f64 * (1.0 / 4_294_967_296.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_differ_by_every_key_part() {
        let s = Streams::new(7, 0);
        let base = s.rng(Purpose::Adapt, 0, 3, 2).next_u64();
        assert_eq!(base, s.rng(Purpose::Adapt, 0, 3, 2).next_u64(), "same key, same numbers");
        assert_ne!(base, Streams::new(8, 0).rng(Purpose::Adapt, 0, 3, 2).next_u64());
        assert_ne!(base, Streams::new(7, 1).rng(Purpose::Adapt, 0, 3, 2).next_u64());
        assert_ne!(base, s.rng(Purpose::Produce, 0, 3, 2).next_u64());
        assert_ne!(base, s.rng(Purpose::Adapt, 1, 3, 2).next_u64());
        assert_ne!(base, s.rng(Purpose::Adapt, 0, 4, 2).next_u64());
        assert_ne!(base, s.rng(Purpose::Adapt, 0, 3, 1).next_u64());
    }

    #[test]
    fn unit_draws_stay_in_range() {
        assert_eq!(unit_f64(0), 0.0);
        assert!(unit_f64(u64::MAX) < 1.0);
        assert!(unit_f32_bits(u32::MAX) < 1.0);
    }
}
