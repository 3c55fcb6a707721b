//! Phase 7: imitation. With probability `imitate` an agent compares its wellbeing with a
//! random neighbour's and copies the neighbour's strategy with the Fermi probability
//! `1 / (1 + exp(-(w_other - w_self) / temperature))`.
//!
//! Every agent decides from the strategies of the step before (written to a second buffer and
//! swapped in at the end), so the outcome does not depend on the order agents are visited.
//! Who looks is drawn as geometric gaps between lookers (one draw per looker, not per agent);
//! the lookers, their neighbour draws and their acceptance draws are the same in every regime
//! of a replicate, which keeps regimes on common random numbers.

use crate::rng::{stream, unit_f64, Key, Purpose, Streams, CHUNK};
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
pub fn imitate(
    world: &mut World,
    cfg: &AdaptConfig,
    streams: &Streams,
    step: u64,
    next: &mut Vec<Strategy>,
    next_effort: &mut Vec<f32>,
) {
    if cfg.imitate <= 0.0 && cfg.explore <= 0.0 {
        return;
    }
    // Chosen effort is copied with the strategy: an imitator takes up the better-off
    // neighbour's way of working as well as its way of dealing.
    let copy_effort = world.work.choose_effort;
    let a = &world.agents;
    let net = &world.network;
    next.clear();
    next.extend_from_slice(&a.strategy);
    next_effort.clear();
    if copy_effort {
        next_effort.extend_from_slice(&a.effort);
    } else {
        next_effort.resize(a.len(), 0.0);
    }
    // Lookers are gathered first and their neighbours looked up in a tight second loop: the
    // lookups miss the cache, and independent misses in flight together cost far less than
    // one after another.
    let init = || (Vec::<(u32, u32, f64)>::with_capacity(CHUNK), Vec::<u32>::with_capacity(CHUNK));
    (next.par_chunks_mut(CHUNK), next_effort.par_chunks_mut(CHUNK)).into_par_iter().enumerate().for_each_init(
        init,
        |(lookers, partners), (c, (out, out_effort))| {
            let base = c * CHUNK;
            if cfg.imitate > 0.0 {
                let mut rng = streams.rng(Key::engine(Purpose::Adapt, stream::IMITATION, 0), step, c);
                lookers.clear();
                let mut k = gap(&mut rng, cfg.imitate);
                while k < out.len() {
                    let (r, accept) = (rng.next_u64(), unit_f64(rng.next_u64()));
                    lookers.push(((base + k) as u32, r as u32, accept));
                    k += 1 + gap(&mut rng, cfg.imitate);
                }
                partners.clear();
                partners.extend(
                    lookers.iter().map(|&(i, r, _)| net.random_neighbour(i as usize, r).map_or(NONE, |j| j as u32)),
                );
                for (&(i, _, accept), &j) in lookers.iter().zip(partners.iter()) {
                    let (i, j) = (i as usize, j as usize);
                    if j == NONE as usize || a.member[i] == LEFT || a.member[j] != a.member[i] {
                        continue;
                    }
                    let diff = a.wellbeing[j] as f64 - a.wellbeing[i] as f64;
                    if accept < fermi(diff, cfg.temperature) {
                        out[i - base] = a.strategy[j];
                        if copy_effort {
                            out_effort[i - base] = a.effort[j];
                        }
                    }
                }
            }
            if cfg.explore > 0.0 {
                let mut rng = streams.rng(Key::engine(Purpose::Adapt, stream::EXPLORATION, 0), step, c);
                let mut k = gap(&mut rng, cfg.explore);
                while k < out.len() {
                    let e = rng.next_u64();
                    if a.member[base + k] != LEFT {
                        out[k] = Strategy::ALL[crate::world::network::scale_u32(e as u32, 3)];
                    }
                    k += 1 + gap(&mut rng, cfg.explore);
                }
            }
        },
    );
    std::mem::swap(&mut world.agents.strategy, next);
    if copy_effort {
        std::mem::swap(&mut world.agents.effort, next_effort);
    }
}

/// No neighbour.
const NONE: u32 = u32::MAX;

/// The number of agents passed over before the next one that acts, when each acts
/// independently with probability `p`: geometric, `floor(ln U / ln(1 - p))`. Drawing the gaps
/// instead of one number per agent costs a draw per actor, not per agent; the actors are the
/// same in every regime of a replicate (common random numbers).
#[inline]
pub(crate) fn gap(rng: &mut impl Rng, p: f64) -> usize {
    if p >= 1.0 {
        return 0;
    }
    // U in (0, 1]: never ln 0.
    let u = 1.0 - unit_f64(rng.next_u64());
    let g = (u.ln() / (-p).ln_1p()).floor();
    if g < usize::MAX as f64 {
        g as usize
    } else {
        usize::MAX / 2
    }
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
            let mut rng = streams.rng(Key::engine(Purpose::Adapt, stream::MIGRATION, 0), step, c);
            let mut out = Vec::new();
            let mut k = gap(&mut rng, migrate);
            while k < member.len() {
                let (i, m) = (c * CHUNK + k, member[k]);
                let r = rng.next_u64();
                let accept = unit_f64(rng.next_u64());
                if m != LEFT {
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
                k += 1 + gap(&mut rng, migrate);
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
    fn gaps_are_geometric() {
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        for p in [0.05, 0.5] {
            // Over many positions the share of actors is p.
            let (mut pos, mut actors, n) = (gap(&mut rng, p), 0usize, 2_000_000usize);
            while pos < n {
                actors += 1;
                pos += 1 + gap(&mut rng, p);
            }
            let share = actors as f64 / n as f64;
            assert!((share - p).abs() < 4.0 * (p * (1.0 - p) / n as f64).sqrt(), "p={p}: {share}");
        }
        assert_eq!(gap(&mut rng, 1.0), 0);
    }

    #[test]
    fn fermi_is_a_half_at_equal_wellbeing_and_monotone() {
        assert_eq!(fermi(0.0, 0.1), 0.5);
        assert!(fermi(0.2, 0.1) > 0.85);
        assert!(fermi(-0.2, 0.1) < 0.15);
        assert_eq!(fermi(0.1, 0.0), 1.0);
        assert_eq!(fermi(-0.1, 0.0), 0.0);
    }
}
