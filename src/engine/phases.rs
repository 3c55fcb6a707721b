//! The phases the engine runs itself, each a function over the columns it needs: production
//! (phase 1, around the regimes' harvest rules), consumption (3), contribution to knowledge
//! (4) and regrowth (5). Allocation (2) belongs to the regimes, policy (6) to
//! [`crate::policy`], adaptation (7) to [`crate::adapt`].

use crate::plan::MAX_SLOTS;
use crate::reduce::CHUNK;
use crate::world::{self, Property, World, LEFT};
use rayon::prelude::*;

/// What each regime slot of a world is, as the phases read it (indexed by slot; 256 entries
/// so that any membership byte indexes it).
pub struct SlotTraits {
    /// Whether the slot's members produce and consume goods.
    pub material: [bool; 256],
    /// Who may use the slot's knowledge contributions.
    pub property: [Property; 256],
    /// What the slot's members rate the goods by when they reconsider what to make.
    pub signal: crate::choice::Signals,
}

/// Phase 1a: potential output of every member of a goods regime, and the resource it calls
/// for (`want`). Returns the shared knowledge each producer uses (for phase 1b).
pub fn potential_output(w: &mut World, slots: &SlotTraits, scale_effect: bool, want: &mut [f64]) -> f64 {
    let present = present_count(w).max(1);
    let shared = if scale_effect { w.knowledge.pool } else { w.knowledge.pool / present as f64 };
    let know = w.knowledge.clone();
    // The knowledge gain of open knowledge is the same for everyone: one logarithm.
    let shared_gain = know.multiplier(shared) - 1.0;
    let base = w.base_output * w.shock_factor;
    let intensity = w.resource.intensity;
    let (after, factor) = (w.destitute_after, w.destitute_factor);
    let material = &slots.material;
    let property = &slots.property;
    let (goods, work) = (w.goods, w.work);
    let a = &mut w.agents;
    // Consumption beyond needs is counted afresh each step (allocation may add to it).
    a.beyond.par_chunks_mut(CHUNK).for_each(|b| b.fill(0.0));
    (a.output.par_chunks_mut(CHUNK), want.par_chunks_mut(CHUNK)).into_par_iter().enumerate().for_each(
        |(c, (output, want))| {
            let base_i = c * CHUNK;
            for k in 0..output.len() {
                let i = base_i + k;
                let slot = a.member[i] as usize;
                if !material[slot] {
                    output[k] = 0.0;
                    want[k] = 0.0;
                    continue;
                }
                let effort = if a.strategy[i].contributes() { 1.0 - know.contribution } else { 1.0 };
                let gain = match property[slot] {
                    Property::Open => shared_gain,
                    Property::Proprietary => know.multiplier(shared + a.private_knowledge[i]) - 1.0,
                    Property::Permissive { capture } => shared_gain * (1.0 - capture),
                };
                let penalty = if a.destitute_streak[i] > after { factor } else { 1.0 };
                // Effort times the yield of its split over the goods (1 for a settled
                // specialist working fully).
                let (from, to) = (i * goods, (i + 1) * goods);
                let mix = work.mix(&a.share[from..to], &a.experience[from..to]);
                let y = base * a.skill[i] * effort * (1.0 + gain) * penalty * (a.effort[i] as f64 * mix);
                output[k] = y;
                want[k] = y * intensity;
            }
        },
    );
    shared
}

/// Phase 1b: every want (already capped by the regimes' harvest rules) is cut in the same
/// proportion if together they exceed the stock; output follows the harvest and joins the
/// producer's stock. `shared` is what [`potential_output`] returned. Returns the output a
/// platform's enclosure kept from producers, per slot.
pub fn harvest_and_produce(w: &mut World, slots: &SlotTraits, shared: f64, want: &[f64]) -> [f64; MAX_SLOTS] {
    let (goods, work) = (w.goods, w.work);
    let know = w.knowledge.clone();
    let intensity = w.resource.intensity;
    let material = &slots.material;
    let wanted: f64 = crate::reduce::chunk_sum(want);
    let scale = if wanted > w.resource.stock && wanted > 0.0 { w.resource.stock / wanted } else { 1.0 };
    // Output a platform's enclosure kept from producers, per unit of output they got.
    let mut capture_ratio = [0.0; 256];
    for (k, p) in slots.property.iter().enumerate() {
        if let Property::Permissive { capture } = *p {
            capture_ratio[k] = platform_share(&know, shared, capture);
        }
    }
    let a = &mut w.agents;
    let partials: Vec<([f64; MAX_SLOTS], f64)> = (
        a.output.par_chunks_mut(CHUNK),
        a.stock.par_chunks_mut(CHUNK * goods),
        a.share.par_chunks(CHUNK * goods),
        a.experience.par_chunks(CHUNK * goods),
        a.member.par_chunks(CHUNK),
    )
        .into_par_iter()
        .enumerate()
        .map(|(c, (output, stock, share, experience, member))| {
            let mut captured = [0.0; MAX_SLOTS];
            let mut produced = 0.0;
            for k in 0..output.len() {
                let slot = member[k] as usize;
                if !material[slot] {
                    continue;
                }
                let h = want[c * CHUNK + k] * scale;
                let y = if intensity > 0.0 { output[k].min(h / intensity) } else { output[k] };
                output[k] = y;
                // Output is split over the goods as the yields of the agent's effort shares.
                let (sh, ex) = (&share[k * goods..(k + 1) * goods], &experience[k * goods..(k + 1) * goods]);
                let mix = work.mix(sh, ex);
                if mix > 0.0 {
                    for g in 0..goods {
                        let part = work.yield_of(sh[g], ex[g]);
                        if part > 0.0 {
                            stock[k * goods + g] += y * (part / mix);
                        }
                    }
                }
                produced += y;
                captured[slot] += y * capture_ratio[slot];
            }
            (captured, produced)
        })
        .collect();
    let mut captured = [0.0; MAX_SLOTS];
    let mut produced = 0.0;
    for (c, p) in &partials {
        for k in 0..MAX_SLOTS {
            captured[k] += c[k];
        }
        produced += p;
    }
    w.ledger.produced += produced;
    w.resource.harvest = wanted.min(w.resource.stock);
    captured
}

/// Phase 3: consume up to need, then stocks perish. `prices[slot]` values the goods of a
/// slot's members in their holdings (units where it is `None`).
pub fn consume(w: &mut World, slots: &SlotTraits, prices: &[Option<Vec<f64>>], smoothing: f32) {
    let goods = w.goods;
    let need = &w.need;
    let total_need: f64 = need.iter().sum();
    let keep = 1.0 - w.decay;
    let threshold = w.destitute_threshold;
    let work = w.work;
    let eats_beyond = work.eats_beyond();
    let material = &slots.material;
    let a = &mut w.agents;
    let partials: Vec<(f64, f64)> = (
        (a.stock.par_chunks_mut(CHUNK * goods), a.short.par_chunks_mut(CHUNK * goods)),
        (a.needs_met.par_chunks_mut(CHUNK), a.wellbeing.par_chunks_mut(CHUNK), a.welfare.par_chunks_mut(CHUNK)),
        a.destitute_streak.par_chunks_mut(CHUNK),
        (a.consumed.par_chunks_mut(CHUNK), a.beyond.par_chunks_mut(CHUNK)),
        a.holdings.par_chunks_mut(CHUNK),
        (a.member.par_chunks(CHUNK), a.effort.par_chunks(CHUNK)),
    )
        .into_par_iter()
        .map(
            |(
                (stock, short),
                (needs_met, wellbeing, welfare),
                streak,
                (consumed, beyond),
                holdings,
                (member, effort),
            )| {
                let (mut eaten_total, mut decayed_total) = (0.0, 0.0);
                for k in 0..member.len() {
                    if !material[member[k] as usize] {
                        holdings[k] = 0.0;
                        continue;
                    }
                    let x = &mut stock[k * goods..(k + 1) * goods];
                    holdings[k] = match &prices[member[k] as usize] {
                        Some(p) => x.iter().zip(p).map(|(x, p)| x * p).sum(),
                        None => x.iter().sum(),
                    };
                    let mut eaten = 0.0;
                    // Bought beyond needs and eaten in allocation (the exchange regimes' spending).
                    let mut extra = beyond[k] as f64;
                    for g in 0..goods {
                        let c = x[g].min(need[g]);
                        x[g] -= c;
                        eaten += c;
                        short[k * goods + g] = (need[g] - c) as f32;
                        // Beyond needs: what is held above a buffer of one step's needs is eaten
                        // now, when it has value to its holder.
                        if eats_beyond && x[g] > need[g] {
                            extra += x[g] - need[g];
                            x[g] = need[g];
                        }
                        let gone = x[g] * (1.0 - keep);
                        x[g] -= gone;
                        decayed_total += gone;
                    }
                    eaten_total += eaten + (extra - beyond[k] as f64);
                    let met = if total_need > 0.0 { (eaten / total_need) as f32 } else { 1.0 };
                    needs_met[k] = met;
                    beyond[k] = extra as f32;
                    consumed[k] = (eaten + extra) as f32;
                    let wf = work.welfare(met as f64, extra, total_need, effort[k]) as f32;
                    welfare[k] = wf;
                    wellbeing[k] = (1.0 - smoothing) * wellbeing[k] + smoothing * wf;
                    streak[k] = if met < threshold { streak[k].saturating_add(1) } else { 0 };
                }
                (eaten_total, decayed_total)
            },
        )
        .collect();
    for (e, d) in partials {
        w.ledger.consumed += e;
        w.ledger.decayed += d;
    }
}

/// Phase 4: contributions to knowledge, patent expiry and obsolescence.
pub fn contribute(w: &mut World, slots: &SlotTraits) {
    let know = w.knowledge.clone();
    let base = w.base_output;
    let material = &slots.material;
    let property = &slots.property;
    let a = &mut w.agents;
    let inflows: Vec<f64> = (
        a.private_knowledge.par_chunks_mut(CHUNK),
        a.skill.par_chunks(CHUNK),
        a.strategy.par_chunks(CHUNK),
        a.member.par_chunks(CHUNK),
    )
        .into_par_iter()
        .map(|(private, skill, strategy, member)| {
            let mut inflow = 0.0;
            for k in 0..member.len() {
                let slot = member[k] as usize;
                // Patents expire whatever becomes of their holder.
                if private[k] > 0.0 {
                    let expired = private[k] * know.patent_expiry;
                    inflow += expired;
                    private[k] = (private[k] - expired) * (1.0 - know.obsolescence);
                }
                if !material[slot] || !strategy[k].contributes() {
                    continue;
                }
                let effort = know.contribution * skill[k] * base;
                match property[slot] {
                    Property::Proprietary => private[k] += effort,
                    _ => inflow += effort,
                }
            }
            inflow
        })
        .collect();
    let inflow: f64 = inflows.iter().sum();
    let present = present_count(w) as f64;
    let k = &mut w.knowledge;
    // Below critical mass new contributions have little to build on: they integrate with
    // efficiency K / (K + kappa N), so the pool dies out unless contributors are many.
    let integration = if k.critical_kappa > 0.0 {
        let kappa = k.critical_kappa * present;
        if k.pool + kappa > 0.0 {
            k.pool / (k.pool + kappa)
        } else {
            0.0
        }
    } else {
        1.0
    };
    k.pool = (1.0 - k.obsolescence) * k.pool + inflow * integration;
}

/// Share of a producer's output that a platform's enclosure of `capture` of the knowledge
/// gain kept from it, relative to the output it did get.
fn platform_share(know: &world::Knowledge, shared: f64, capture: f64) -> f64 {
    let full = know.multiplier(shared);
    let kept = 1.0 + (full - 1.0) * (1.0 - capture);
    full / kept - 1.0
}

/// Phase 5: logistic regrowth minus this step's harvest, never below zero.
pub fn regrow(r: &mut world::Resource) {
    let grown = r.stock + r.regrowth_now() - r.harvest;
    r.stock = grown.max(0.0);
}

/// Agents that have not left the world.
pub fn present_count(w: &World) -> usize {
    w.agents.member.par_chunks(CHUNK).map(|c| c.iter().filter(|&&m| m != LEFT).count()).sum()
}

/// Agents of goods regimes destitute for `exit_after` steps in a row, who leave now (sorted).
pub fn destitute_leavers(w: &World, slots: &SlotTraits) -> Vec<u32> {
    if w.exit_after == 0 {
        return Vec::new();
    }
    let a = &w.agents;
    (0..w.len() as u32)
        .filter(|&i| {
            let i = i as usize;
            a.member[i] != LEFT && slots.material[a.member[i] as usize] && a.destitute_streak[i] >= w.exit_after
        })
        .collect()
}
