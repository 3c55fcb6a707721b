//! The donation game of indirect reciprocity (Nowak and Sigmund 1998, 2005): the gift
//! regime's validation model, with no goods. Each step `encounters` rounds of random pairs;
//! in each pair each is donor to the other and may pay `cost` to give `benefit`.

use super::{Assessment, Gift, Stream, GOOD_STANDING};
use crate::regimes::Ctx;
use crate::rng::CHUNK;
use crate::world::{Strategy, World};
use rand::Rng;
use rayon::prelude::*;

impl Gift {
    /// The donation game: `encounters` rounds of random pairs; in each pair each is donor to
    /// the other and may pay `cost` to give `benefit`. Payoffs become the wellbeing agents
    /// compare when they imitate.
    pub(super) fn donation(&mut self, world: &mut World, ctx: &Ctx) {
        let cfg = self.cfg.clone();
        self.payoff.iter_mut().for_each(|p| *p = 0.0);
        let (mut gave_total, mut chances) = (0u64, 0u64);
        for round in 0..cfg.encounters {
            let key = ctx.key(Stream::Matching as u8, round as u32);
            let order = self.pairing.draw(world, ctx.slot, &ctx.streams, key, ctx.step).to_vec();
            let a = &world.agents;
            // Decide in parallel from this round's reputations; apply in pair order.
            let decisions: Vec<u8> = order
                .par_chunks(2 * CHUNK)
                .enumerate()
                .flat_map_iter(|(c, chunk)| {
                    let mut rng = ctx.rng(Stream::Donation as u8, round as u32, c);
                    let mut out = Vec::with_capacity(chunk.len() / 2);
                    for pair in chunk.chunks_exact(2) {
                        let mut flags = 0u8;
                        for (side, (donor, recipient)) in
                            [(pair[0], pair[1]), (pair[1], pair[0])].into_iter().enumerate()
                        {
                            // Three independent 21-bit uniforms from one draw.
                            let r = rng.next_u64();
                            let u = |k: u32| ((r >> (21 * k)) & 0x1F_FFFF) as f64 / (1u64 << 21) as f64;
                            let (knows, seen, prior) = (u(0) < cfg.observe, u(1) < cfg.witness, u(2) < cfg.prior_good);
                            let good = a.reputation[recipient as usize] >= GOOD_STANDING;
                            let gives = match a.strategy[donor as usize] {
                                Strategy::Cooperator => true,
                                Strategy::FreeRider => false,
                                Strategy::Reciprocator => {
                                    if knows {
                                        good
                                    } else {
                                        prior
                                    }
                                }
                            };
                            // bit 0: gives; bit 1: a refusal others hold against the donor; bit 2: seen.
                            let judged = !gives && (good || cfg.assessment == Assessment::ImageScoring);
                            let f = gives as u8 | (judged as u8) << 1 | (seen as u8) << 2;
                            flags |= f << (4 * side);
                        }
                        out.push(flags);
                    }
                    out
                })
                .collect();
            let step_size = cfg.reputation_step as f32;
            let a = &mut world.agents;
            for (pair, flags) in order.chunks_exact(2).zip(decisions) {
                for (side, (donor, recipient)) in [(pair[0], pair[1]), (pair[1], pair[0])].into_iter().enumerate() {
                    let f = flags >> (4 * side);
                    let (d, r) = (donor as usize, recipient as usize);
                    chances += 1;
                    if f & 1 != 0 {
                        gave_total += 1;
                        self.payoff[d] -= cfg.cost as f32;
                        self.payoff[r] += cfg.benefit as f32;
                        if f & 4 != 0 {
                            a.reputation[d] += step_size * (1.0 - a.reputation[d]);
                        }
                    } else if f & 2 != 0 && f & 4 != 0 {
                        a.reputation[d] *= 1.0 - step_size;
                    }
                }
            }
        }
        // Imitation compares payoffs per encounter (and the record reports their mean).
        let a = &mut world.agents;
        for i in 0..a.len() {
            if a.member[i] == ctx.slot {
                a.wellbeing[i] = self.payoff[i] / cfg.encounters as f32;
            }
        }
        self.measured.gifts = gave_total as f64;
        self.measured.cooperation = if chances > 0 { gave_total as f64 / chances as f64 } else { f64::NAN };
    }
}
