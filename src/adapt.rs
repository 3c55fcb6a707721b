//! Phase 7: imitation. With probability `imitate` an agent compares its wellbeing with a
//! random neighbour's and copies the neighbour's strategy with the Fermi probability
//! `1 / (1 + exp(-(w_other - w_self) / temperature))`.
//!
//! Every agent decides from the strategies of the step before (written to a second buffer and
//! swapped in at the end), so the outcome does not depend on the order agents are visited.
//! Each agent draws one number to decide whether it looks, and one more only if it looks; the
//! first draw is the same in every regime of a replicate, which keeps regimes on common random
//! numbers.

use crate::rng::{unit_f32_bits, unit_f64, Purpose, Streams, CHUNK};
use crate::scenario::AdaptConfig;
use crate::world::{Strategy, World, LEFT};
use rand::Rng;
use rayon::prelude::*;

/// The Fermi probability of copying a neighbour whose wellbeing exceeds one's own by `diff`.
#[inline]
pub fn fermi(diff: f64, temperature: f64) -> f64 {
    if temperature <= 0.0 {
        return if diff > 0.0 {
            1.0
        } else if diff < 0.0 {
            0.0
        } else {
            0.5
        };
    }
    1.0 / (1.0 + (-diff / temperature).exp())
}

/// Applies one round of strategy imitation (and exploration) to every present agent.
/// `next` is a reusable buffer as long as the population.
pub fn imitate(world: &mut World, cfg: &AdaptConfig, streams: &Streams, step: u64, next: &mut Vec<Strategy>) {
    if cfg.imitate <= 0.0 && cfg.explore <= 0.0 {
        return;
    }
    let a = &world.agents;
    let net = &world.network;
    next.clear();
    next.extend_from_slice(&a.strategy);
    next.par_chunks_mut(CHUNK).enumerate().for_each(|(c, out)| {
        let mut rng = streams.rng(Purpose::Adapt, 0, step, c);
        for (k, s) in out.iter_mut().enumerate() {
            let i = c * CHUNK + k;
            let r = rng.next_u64();
            if a.member[i] == LEFT {
                continue;
            }
            if unit_f32_bits((r >> 32) as u32) < cfg.imitate {
                let accept = unit_f64(rng.next_u64());
                if let Some(j) = net.random_neighbour(i, r as u32) {
                    if a.member[j] == a.member[i] {
                        let diff = a.wellbeing[j] as f64 - a.wellbeing[i] as f64;
                        if accept < fermi(diff, cfg.temperature) {
                            *s = a.strategy[j];
                        }
                    }
                }
            }
            if cfg.explore > 0.0 {
                let e = rng.next_u64();
                if unit_f32_bits((e >> 32) as u32) < cfg.explore {
                    *s = Strategy::ALL[crate::world::network::scale_u32(e as u32, 3)];
                }
            }
        }
    });
    std::mem::swap(&mut world.agents.strategy, next);
}

/// Coexist mode: with probability `migrate` an agent compares its wellbeing with a random
/// neighbour's and, if the neighbour lives under another regime, moves to it with the Fermi
/// probability. Decided from the state before any move; returns `(agent, new slot)` in agent
/// order.
pub fn migrations(world: &World, migrate: f64, temperature: f64, streams: &Streams, step: u64) -> Vec<(u32, u8)> {
    let a = &world.agents;
    let net = &world.network;
    let chunks: Vec<Vec<(u32, u8)>> = a
        .member
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(c, member)| {
            let mut rng = streams.rng(Purpose::Adapt, 1, step, c);
            let mut out = Vec::new();
            for (k, &m) in member.iter().enumerate() {
                let i = c * CHUNK + k;
                let r = rng.next_u64();
                if m == LEFT || unit_f32_bits((r >> 32) as u32) >= migrate {
                    continue;
                }
                let accept = unit_f64(rng.next_u64());
                if let Some(j) = net.random_neighbour(i, r as u32) {
                    let to = a.member[j];
                    if to != LEFT && to != m {
                        let diff = a.wellbeing[j] as f64 - a.wellbeing[i] as f64;
                        if accept < fermi(diff, temperature) {
                            out.push((i as u32, to));
                        }
                    }
                }
            }
            out
        })
        .collect();
    chunks.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fermi_is_a_half_at_equal_wellbeing_and_monotone() {
        assert_eq!(fermi(0.0, 0.1), 0.5);
        assert!(fermi(0.2, 0.1) > 0.85);
        assert!(fermi(-0.2, 0.1) < 0.15);
        assert_eq!(fermi(0.1, 0.0), 1.0);
        assert_eq!(fermi(-0.1, 0.0), 0.0);
    }
}
