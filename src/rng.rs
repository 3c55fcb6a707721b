//! Random number streams. Every random number of a run comes from a ChaCha8 stream keyed by
//! (seed, replicate, [`Key`], step, chunk); none comes from the clock or from a generator
//! shared between threads.
//!
//! A [`Key`] names what a stream is for in one scheme that cannot collide: the phase
//! ([`Purpose`]), the regime slot (for allocation), the owner's stream (a regime's own
//! `#[repr(u8)]` list, or the engine's in [`stream`]) and an index (a good, a round, a shock).
//! Each field has its own bits in the words that key the generator, so two different keys
//! always give two different streams.
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Purpose {
    /// Initial agent attributes (skill, specialty, strategy, money).
    Population = 1,
    /// The social network.
    Network = 2,
    /// Shocks (who leaves in an exodus, ...).
    Shocks = 3,
    /// Phase 1, production.
    Produce = 4,
    /// Phase 2 (and a regime's other hooks): the key's slot is the regime's.
    Allocate = 5,
    /// Phase 6, policy.
    Policy = 6,
    /// Phase 7, imitation and migration.
    Adapt = 7,
}

/// What a stream is for. Built with [`Key::engine`] for the engine's own streams and
/// [`Key::regime`] for a regime's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    /// The phase.
    pub purpose: Purpose,
    /// The regime slot (0 for the engine's streams).
    pub slot: u8,
    /// Which of the owner's streams.
    pub stream: u8,
    /// An index within it: a good, a round, a shock.
    pub index: u32,
}

impl Key {
    /// One of the engine's streams (see [`stream`]).
    pub const fn engine(purpose: Purpose, stream: u8, index: u32) -> Key {
        Key { purpose, slot: 0, stream, index }
    }

    /// Stream `stream` (the regime's own numbering) of the regime in `slot`.
    pub const fn regime(slot: u8, stream: u8, index: u32) -> Key {
        Key { purpose: Purpose::Allocate, slot, stream, index }
    }

    /// The key as one word: purpose, slot and stream in the top 24 bits, the index in the low
    /// 32 (bits 32-39 unused). Different keys give different words.
    pub const fn word(self) -> u64 {
        ((self.purpose as u64) << 56) | ((self.slot as u64) << 48) | ((self.stream as u64) << 40) | self.index as u64
    }
}

/// The engine's own streams, per purpose.
pub mod stream {
    /// `Population`: skill, specialty and strategy.
    pub const ATTRIBUTES: u8 = 0;
    /// `Population`: initial money, shared by every money regime of a replicate (common
    /// random numbers: the same endowments whichever regime).
    pub const ENDOWMENT: u8 = 1;
    /// `Population`: the initial regime of each agent in coexist mode.
    pub const MEMBERSHIP: u8 = 2;
    /// `Produce`: which over-harvests the resource's monitors see.
    pub const MONITORING: u8 = 0;
    /// `Network`: the social network.
    pub const NETWORK: u8 = 0;
    /// `Shocks`: who leaves in an exodus (index: the shock).
    pub const EXODUS: u8 = 0;
    /// `Adapt`: who imitates whom.
    pub const IMITATION: u8 = 0;
    /// `Adapt`: who migrates.
    pub const MIGRATION: u8 = 1;
    /// `Adapt`: who tries a random strategy.
    pub const EXPLORATION: u8 = 2;
    /// `Adapt`: who reconsiders what to make and how hard to work, and by how much.
    pub const RETHINK: u8 = 3;
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

    /// The stream `key` at `step` for `chunk`.
    pub fn rng(&self, key: Key, step: u64, chunk: usize) -> ChaCha8Rng {
        let words = [self.replicate, key.word()];
        let mut key = [0u8; 32];
        let mut state = self.seed ^ 0x6167_6f72_615f_7632; // "agora_v2"
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
        let k = Key::engine(Purpose::Adapt, 0, 0);
        let base = s.rng(k, 3, 2).next_u64();
        assert_eq!(base, s.rng(k, 3, 2).next_u64(), "same key, same numbers");
        assert_ne!(base, Streams::new(8, 0).rng(k, 3, 2).next_u64());
        assert_ne!(base, Streams::new(7, 1).rng(k, 3, 2).next_u64());
        assert_ne!(base, s.rng(Key::engine(Purpose::Produce, 0, 0), 3, 2).next_u64());
        assert_ne!(base, s.rng(Key::engine(Purpose::Adapt, 1, 0), 3, 2).next_u64());
        assert_ne!(base, s.rng(Key::engine(Purpose::Adapt, 0, 1), 3, 2).next_u64());
        assert_ne!(base, s.rng(Key { slot: 1, ..k }, 3, 2).next_u64());
        assert_ne!(base, s.rng(k, 4, 2).next_u64());
        assert_ne!(base, s.rng(k, 3, 1).next_u64());
    }

    /// No two purposes share a stream: the key word is injective over every field's range,
    /// checked on the corners of each field and on many random keys.
    #[test]
    fn keys_never_collide() {
        use std::collections::BTreeMap;
        let purposes = [
            Purpose::Population,
            Purpose::Network,
            Purpose::Shocks,
            Purpose::Produce,
            Purpose::Allocate,
            Purpose::Policy,
            Purpose::Adapt,
        ];
        let mut seen: BTreeMap<u64, Key> = BTreeMap::new();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut keys = Vec::new();
        for &purpose in &purposes {
            for slot in [0u8, 1, 31, 255] {
                for stream in [0u8, 1, 7, 255] {
                    for index in [0u32, 1, 64, u32::MAX] {
                        keys.push(Key { purpose, slot, stream, index });
                    }
                }
            }
        }
        for _ in 0..20_000 {
            let r = rng.next_u64();
            keys.push(Key {
                purpose: purposes[(r % 7) as usize],
                slot: (r >> 8) as u8,
                stream: (r >> 16) as u8,
                index: (r >> 32) as u32,
            });
        }
        for k in keys {
            if let Some(other) = seen.insert(k.word(), k) {
                assert_eq!(other, k, "{other:?} and {k:?} share a stream");
            }
        }
    }

    #[test]
    fn unit_draws_stay_in_range() {
        assert_eq!(unit_f64(0), 0.0);
        assert!(unit_f64(u64::MAX) < 1.0);
        assert!(unit_f32_bits(u32::MAX) < 1.0);
    }
}
