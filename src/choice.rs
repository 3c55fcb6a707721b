//! Phase 7a: work choices. Experience follows effort shares (learning by doing with
//! forgetting); then, with probability `rethink`, an agent reconsiders what it makes and how
//! hard it works.
//!
//! - **What to make**: it rates each good by its regime's signal ([`Signal`]) times its own
//!   productivity in the good, and moves the share `shift` of its effort toward the best-rated
//!   one. Lost experience in the goods it leaves is the cost of switching.
//! - **How hard to work**: it tries an effort a uniform step of at most `effort_step` away,
//!   within `[0, 1]` (a trial); imitation (`crate::adapt`) then copies the effort of better-off
//!   neighbours with their strategy, by the Fermi rule on welfare. What an agent keeps of its
//!   marginal output is whatever its regime gives back, so the efforts that spread are those
//!   its regime rewards: trial and selection, as for strategies.
//!
//! Every agent decides from the state after consumption (shortfalls, prices and welfare of
//! this step) and writes only its own columns, so the order of visits does not matter. Who
//! reconsiders, and the size of each effort step, are drawn from one engine stream, the same in
//! every regime of a replicate (common random numbers).

use crate::rng::{stream, unit_f64, Key, Purpose, Streams, CHUNK};
use crate::world::work::Signal;
use crate::world::{World, LEFT};
use rand::Rng;
use rayon::prelude::*;

/// What each regime slot shows its members when they reconsider (indexed by slot).
pub type Signals = [Signal; 256];

/// Runs the work choices of one step. `prices[slot]` are the slot's prices, where it has any;
/// `shortfall` is a reusable buffer.
pub fn choose(
    w: &mut World,
    signals: &Signals,
    prices: &[Option<Vec<f64>>],
    streams: &Streams,
    step: u64,
    shortfall: &mut Vec<f64>,
    imitation: bool,
) {
    let mut work = w.work;
    // Trials of effort need imitation to select among them; without it effort stays.
    work.choose_effort &= imitation;
    if !work.moves() {
        return;
    }
    let goods = w.goods;
    if work.choose_good && work.learning > 0.0 {
        learn(w);
    }
    // On the complete network an agent's neighbours are every member: one tally serves all.
    let mut signals = *signals;
    if w.network.is_complete() {
        signals.iter_mut().filter(|s| **s == Signal::Neighbours).for_each(|s| *s = Signal::Members);
    }
    let slots = prices.len();
    members_shortfall(w, &signals, slots, shortfall);
    let transfer_keep = w.transfer_keep;
    let need = w.need.clone();
    let need = &need[..];
    let net = &w.network;
    let a = &mut w.agents;
    let (short, member, experience, output) = (&a.short, &a.member, &a.experience, &a.output);
    let shortfall = &shortfall[..];
    (a.share.par_chunks_mut(CHUNK * goods), a.specialty.par_chunks_mut(CHUNK), a.effort.par_chunks_mut(CHUNK))
        .into_par_iter()
        .enumerate()
        .for_each(|(c, (share, specialty, effort))| {
            let mut rng = streams.rng(Key::engine(Purpose::Adapt, stream::RETHINK, 0), step, c);
            let mut score = vec![0.0; goods];
            let mut k = crate::adapt::gap(&mut rng, work.rethink);
            while k < specialty.len() {
                let u = unit_f64(rng.next_u64());
                let i = c * CHUNK + k;
                let slot = member[i];
                let signal = if slot == LEFT { Signal::None } else { signals[slot as usize] };
                if signal != Signal::None {
                    if work.choose_good {
                        let own = &short[i * goods..(i + 1) * goods];
                        let sh_now = &share[k * goods..(k + 1) * goods];
                        let mix = work.mix(sh_now, &experience[i * goods..(i + 1) * goods]);
                        let members = |slot: usize| shortfall[slots * goods + slot];
                        for (g, s) in score.iter_mut().enumerate() {
                            let seen = match signal {
                                Signal::None => 0.0,
                                Signal::Own => scarcity(need[g], own[g] as f64),
                                // A unit made is a unit sold, or, where the agent makes less of
                                // the good than it needs (a buyer of it), the purchase it saves:
                                // the price plus what the transfer would lose.
                                Signal::Prices => prices[slot as usize].as_ref().map_or(0.0, |p| {
                                    let made = if mix > 0.0 {
                                        output[i] * work.yield_of(sh_now[g], experience[i * goods + g]) / mix
                                    } else {
                                        0.0
                                    };
                                    if made < need[g] {
                                        p[g] / transfer_keep
                                    } else {
                                        p[g]
                                    }
                                }),
                                Signal::Members => {
                                    scarcity(need[g] * members(slot as usize), shortfall[slot as usize * goods + g])
                                }
                                Signal::Neighbours => {
                                    let (mut seen, mut missing) = (need[g], own[g] as f64);
                                    for &j in net.neighbours(i) {
                                        if member[j as usize] == slot {
                                            seen += need[g];
                                            missing += short[j as usize * goods + g] as f64;
                                        }
                                    }
                                    scarcity(seen, missing)
                                }
                            };
                            *s = seen * work.productivity(experience[i * goods + g]);
                        }
                        let best = (0..goods).fold(0, |b, g| if score[g] > score[b] { g } else { b });
                        if score[best] > 0.0 {
                            let sh = &mut share[k * goods..(k + 1) * goods];
                            for x in sh.iter_mut() {
                                *x *= 1.0 - work.shift;
                            }
                            sh[best] += work.shift;
                            specialty[k] = (0..goods).fold(0, |b, g| if sh[g] > sh[b] { g } else { b }) as u8;
                        }
                    }
                    if work.choose_effort {
                        let e = effort[k] + work.effort_step * (2.0 * u as f32 - 1.0);
                        effort[k] = e.clamp(0.0, 1.0);
                    }
                }
                k += 1 + crate::adapt::gap(&mut rng, work.rethink);
            }
        });
}

/// The scarcity of a good among those an agent can see, a shadow price: the units their
/// needs call for over the units they got (`needed / (needed - missing)`), 1 where nobody is
/// short, at most 100. As with prices, an agent leaves the good it is practised in only when
/// another is scarcer by more than its productivity there falls short (Lange 1936: the
/// planning board's trial and error on accounting prices).
#[inline]
fn scarcity(needed: f64, missing: f64) -> f64 {
    if needed <= 0.0 {
        return 0.0;
    }
    needed / (needed - missing).max(needed / 100.0)
}

/// Experience moves toward effort shares: `e += learning (a - e)`.
fn learn(w: &mut World) {
    let rate = w.work.learning;
    let a = &mut w.agents;
    (a.experience.par_chunks_mut(CHUNK), a.share.par_chunks(CHUNK)).into_par_iter().for_each(|(e, s)| {
        for (e, s) in e.iter_mut().zip(s) {
            *e += rate * (s - *e);
        }
    });
}

/// The shortfall of each good summed over the members of every slot whose signal needs it
/// (`out[slot * goods + g]`), then the number of those members per slot
/// (`out[slots * goods + slot]`), added chunk by chunk in chunk order.
fn members_shortfall(w: &World, signals: &Signals, slots: usize, out: &mut Vec<f64>) {
    let goods = w.goods;
    out.clear();
    out.resize(slots * goods + slots, 0.0);
    let wanted = |s: Signal| s == Signal::Members;
    if !(0..slots).any(|k| wanted(signals[k])) {
        return;
    }
    let a = &w.agents;
    let partials: Vec<Vec<f64>> = (a.short.par_chunks(CHUNK * goods), a.member.par_chunks(CHUNK))
        .into_par_iter()
        .map(|(short, member)| {
            let mut sum = vec![0.0; slots * goods + slots];
            for (k, &m) in member.iter().enumerate() {
                if (m as usize) < slots && wanted(signals[m as usize]) {
                    sum[slots * goods + m as usize] += 1.0;
                    for g in 0..goods {
                        sum[m as usize * goods + g] += short[k * goods + g] as f64;
                    }
                }
            }
            sum
        })
        .collect();
    for p in partials {
        for (o, x) in out.iter_mut().zip(p) {
            *o += x;
        }
    }
}
