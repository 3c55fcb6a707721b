//! The step loop: the phases of `MODEL.md`, in order, over one world; and the run, which
//! drives every (regime entry, replicate) world in parallel and collects their records.
//!
//! Each phase is a function over the world's columns. Work is split into fixed chunks of
//! [`CHUNK`] agents; chunks decide in parallel and their partial sums are added in chunk
//! order, so results never depend on the number of threads.

use crate::adapt;
use crate::error::Result;
use crate::metrics::{self, Layout, Metric, Scratch, SlotView};
use crate::policy;
use crate::regimes::{Ctx, Property, Regime};
use crate::rng::{Streams, CHUNK};
use crate::scenario::{Mode, Scenario, ScenarioFile};
use crate::world::{self, Strategy, World, LEFT};
use rayon::prelude::*;
use std::sync::Arc;

/// Most regimes one world can host (coexist mode).
pub const MAX_SLOTS: usize = 32;

/// Worlds at least this large run one after another, each using every core inside; smaller
/// worlds run side by side, one per core. Either way the results are the same.
pub const LARGE_WORLD: usize = 65_536;

/// The record of one regime entry in one replicate: `steps + 1` rows (row 0 is the initial
/// state) of [`Layout::width`] values.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The regime entry as listed in the scenario.
    pub label: String,
    /// Replicate number.
    pub replicate: u64,
    /// Rows of metric values, step after step.
    pub rows: Vec<f64>,
}

/// Everything a run produces for the output stage.
#[derive(Debug, Clone)]
pub struct RunOutput {
    /// The metric columns.
    pub layout: Layout,
    /// One series per (entry, replicate), entries in scenario order, replicates ascending.
    pub series: Vec<Series>,
    /// Agent-steps simulated (agents times steps, summed over worlds).
    pub agent_steps: u64,
}

/// A view of one regime's members at a snapshot step.
pub struct Snapshot<'a> {
    /// The regime entry as listed.
    pub label: &'a str,
    /// Replicate number.
    pub replicate: u64,
    /// Step.
    pub step: u64,
    /// The world.
    pub world: &'a World,
    /// The regime's slot; its members are the agents with `member == slot`.
    pub slot: u8,
    /// The regime.
    pub regime: &'a dyn Regime,
    /// Accounts held outside the agents (a community fund, a treasury): name and money units.
    pub accounts: Vec<(&'static str, i64)>,
}

/// Receives progress and snapshots while a run goes on. The engine knows nothing of files or
/// terminals; the output stage and the CLI implement this.
pub trait Observer: Sync {
    /// `steps` more world-steps are done.
    fn progress(&self, _steps: u64) {}
    /// A snapshot step was reached.
    fn snapshot(&self, _snapshot: &Snapshot) -> Result<()> {
        Ok(())
    }
}

/// An observer that ignores everything.
pub struct Quiet;
impl Observer for Quiet {}

/// Runs the scenario: every replicate of every regime entry.
pub fn run(scenario: &Scenario, observer: &dyn Observer) -> Result<RunOutput> {
    let layout = Layout::new(&scenario.file.population.goods);
    let replicates = scenario.file.run.replicates;
    let n = scenario.file.run.agents as usize;
    let large = n >= LARGE_WORLD;
    let per_replicate = |rep: u64| -> Result<Vec<Series>> {
        let streams = Streams::new(scenario.file.run.seed, rep);
        let network = Arc::new(world::build_network(&scenario.file, &streams));
        match scenario.file.mode {
            Mode::Compare => {
                // Entries share the replicate's network unless a variant asks for another.
                let networks: Vec<Arc<world::network::Network>> = scenario
                    .entries
                    .iter()
                    .map(|e| {
                        if e.cfg.population.network == scenario.file.population.network {
                            network.clone()
                        } else {
                            Arc::new(world::build_network(&e.cfg, &streams))
                        }
                    })
                    .collect();
                let one = |e: usize| Sim::compare(scenario, e, rep, networks[e].clone()).run(observer);
                let per_entry: Vec<Vec<Series>> = if large {
                    (0..scenario.entries.len()).map(one).collect::<Result<_>>()?
                } else {
                    (0..scenario.entries.len()).into_par_iter().map(one).collect::<Result<_>>()?
                };
                Ok(per_entry.into_iter().flatten().collect())
            }
            Mode::Coexist => Ok(Sim::coexist(scenario, rep, network).run(observer)?),
        }
    };
    let per_rep: Vec<Vec<Series>> = if large {
        (0..replicates).map(per_replicate).collect::<Result<_>>()?
    } else {
        (0..replicates).into_par_iter().map(per_replicate).collect::<Result<_>>()?
    };
    // Reorder from (replicate, entry) to (entry, replicate).
    let mut series: Vec<Series> = per_rep.into_iter().flatten().collect();
    let order: Vec<&str> = scenario.entries.iter().map(|e| e.label.as_str()).collect();
    series.sort_by_key(|s| (order.iter().position(|l| *l == s.label).unwrap_or(usize::MAX), s.replicate));
    let worlds = match scenario.file.mode {
        Mode::Compare => scenario.entries.len() as u64,
        Mode::Coexist => 1,
    };
    let agent_steps = worlds * replicates * scenario.file.run.steps * n as u64;
    Ok(RunOutput { layout, series, agent_steps })
}

/// A regime hosted by a world.
pub struct Slot<'a> {
    /// Its entry label.
    pub label: String,
    /// Its resolved configuration.
    pub cfg: &'a ScenarioFile,
    /// The regime.
    pub regime: Box<dyn Regime>,
}

/// Numbers the phases need, read once from the scenario.
#[derive(Debug, Clone, Copy)]
struct Params {
    smoothing: f32,
    scale_effect: bool,
}

/// One world being simulated, with its regimes and reusable buffers.
pub struct Sim<'a> {
    world: World,
    slots: Vec<Slot<'a>>,
    streams: Streams,
    base: &'a ScenarioFile,
    params: Params,
    step: u64,
    rows: Vec<Vec<f64>>,
    want: Vec<f64>,
    next_strategy: Vec<Strategy>,
    scratch: Scratch,
    material: [bool; 256],
    treasuries: Vec<policy::Treasury>,
    shocks: Vec<crate::scenario::Shock>,
    property: [Property; 256],
}

impl<'a> Sim<'a> {
    /// Prepares a world with its regimes (slot `k` hosts `slots[k]`) and runs their `init`.
    pub fn new(world: World, mut slots: Vec<Slot<'a>>, streams: Streams, base: &'a ScenarioFile) -> Sim<'a> {
        let mut material = [false; 256];
        let mut property = [Property::Open; 256];
        for (k, s) in slots.iter().enumerate() {
            material[k] = s.regime.material();
            property[k] = s.regime.property();
        }
        let n = world.len();
        let mut sim = Sim {
            world,
            slots: Vec::new(),
            streams,
            base,
            params: Params { smoothing: base.adapt.smoothing as f32, scale_effect: base.knowledge.scale_effect },
            step: 0,
            rows: Vec::new(),
            want: vec![0.0; n],
            next_strategy: vec![Strategy::Cooperator; n],
            scratch: Scratch::default(),
            material,
            treasuries: Vec::new(),
            shocks: Vec::new(),
            property,
        };
        for (k, s) in slots.iter_mut().enumerate() {
            let ctx = Ctx { slot: k as u8, step: 0, streams: &sim.streams, cfg: s.cfg };
            s.regime.init(&mut sim.world, &ctx);
        }
        // Members of pure money-exchange regimes hold no goods.
        let goods = sim.world.goods;
        let a = &mut sim.world.agents;
        for (stock, &m) in a.stock.chunks_exact_mut(goods).zip(&a.member) {
            if !material[m as usize] {
                stock.fill(0.0);
            }
        }
        sim.rows = vec![Layout::new(&base.population.goods).empty_row(); slots.len()];
        sim.treasuries = vec![policy::Treasury::new(goods); slots.len()];
        // Shocks strike the world: one regime's own (compare mode), or the scenario's (coexist).
        sim.shocks = if slots.len() == 1 { slots[0].cfg.policy.shocks.clone() } else { base.policy.shocks.clone() };
        sim.slots = slots;
        sim
    }

    /// The world of regime entry `entry` in replicate `replicate` of a compare-mode run, on
    /// the replicate's `network`.
    pub fn compare(
        scenario: &'a Scenario,
        entry: usize,
        replicate: u64,
        network: Arc<world::network::Network>,
    ) -> Sim<'a> {
        let streams = Streams::new(scenario.file.run.seed, replicate);
        let e = &scenario.entries[entry];
        let world = World::new(&e.cfg, &streams, network);
        let regime = (e.info.build)(&e.cfg);
        let slots = vec![Slot { label: e.label.clone(), cfg: &e.cfg, regime }];
        Sim::new(world, slots, streams, &scenario.file)
    }

    /// The one world of a coexist-mode run in replicate `replicate`: every agent is drawn into
    /// a regime by the initial shares (from the population stream, so the same agents start in the
    /// same regimes whatever else changes).
    pub fn coexist(scenario: &'a Scenario, replicate: u64, network: Arc<world::network::Network>) -> Sim<'a> {
        let streams = Streams::new(scenario.file.run.seed, replicate);
        let mut world = World::new(&scenario.file, &streams, network);
        let shares: Vec<f64> = scenario
            .entries
            .iter()
            .map(|e| scenario.file.coexist.shares.get(&e.label).copied().unwrap_or(0.0))
            .collect();
        world.agents.member.par_chunks_mut(CHUNK).enumerate().for_each(|(c, member)| {
            let mut rng = streams.rng(crate::rng::Purpose::Population, 2, 0, c);
            for m in member.iter_mut() {
                let u = crate::rng::unit_f64(rand::Rng::next_u64(&mut rng));
                let mut acc = 0.0;
                *m = (shares.len() - 1) as u8;
                for (k, s) in shares.iter().enumerate() {
                    acc += s;
                    if u < acc {
                        *m = k as u8;
                        break;
                    }
                }
            }
        });
        let slots = scenario
            .entries
            .iter()
            .map(|e| Slot { label: e.label.clone(), cfg: &e.cfg, regime: (e.info.build)(&e.cfg) })
            .collect();
        Sim::new(world, slots, streams, &scenario.file)
    }

    /// Like [`Sim::compare`], building the replicate's network itself.
    pub fn for_entry(scenario: &'a Scenario, entry: usize, replicate: u64) -> Sim<'a> {
        let streams = Streams::new(scenario.file.run.seed, replicate);
        let network = Arc::new(world::build_network(&scenario.entries[entry].cfg, &streams));
        Sim::compare(scenario, entry, replicate, network)
    }

    /// The step last simulated (0 before the first).
    pub fn step_number(&self) -> u64 {
        self.step
    }

    /// Records the current state (the initial state, before any step) and returns one row per
    /// slot.
    pub fn record_now(&mut self) -> &[Vec<f64>] {
        for r in &mut self.rows {
            r.fill(f64::NAN);
        }
        let mut rows = std::mem::take(&mut self.rows);
        self.record(&mut rows);
        self.rows = rows;
        &self.rows
    }

    /// Simulates the next step and returns its record, one row per slot.
    pub fn advance(&mut self) -> &[Vec<f64>] {
        self.step += 1;
        for r in &mut self.rows {
            r.fill(f64::NAN);
        }
        let mut rows = std::mem::take(&mut self.rows);
        self.phases(self.step, &mut rows);
        self.record(&mut rows);
        self.rows = rows;
        &self.rows
    }

    /// The world, for tests and snapshots.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// Runs every step and returns one series per slot.
    pub fn run(mut self, observer: &dyn Observer) -> Result<Vec<Series>> {
        let steps = self.base.run.steps;
        let width = Layout::new(&self.base.population.goods).width();
        let mut rows: Vec<Vec<f64>> = vec![Vec::with_capacity(width * (steps as usize + 1)); self.slots.len()];
        let snapshot_steps = self.base.output.snapshots.clone().unwrap_or_default();
        let snap_reps = self.base.output.snapshot_replicates;
        let snap_this_rep = snap_reps == 0 || self.streams.replicate() < snap_reps;
        for step in 0..=steps {
            let step_rows = if step == 0 { self.record_now() } else { self.advance() };
            for (k, r) in step_rows.iter().enumerate() {
                rows[k].extend_from_slice(r);
            }
            if snap_this_rep && snapshot_steps.contains(&step) {
                for (k, s) in self.slots.iter().enumerate() {
                    observer.snapshot(&Snapshot {
                        label: &s.label,
                        replicate: self.streams.replicate(),
                        step,
                        world: &self.world,
                        slot: k as u8,
                        regime: s.regime.as_ref(),
                        accounts: self.accounts(k),
                    })?;
                }
            }
            if step > 0 {
                observer.progress(1);
            }
        }
        let replicate = self.streams.replicate();
        Ok(self.slots.into_iter().zip(rows).map(|(s, rows)| Series { label: s.label, replicate, rows }).collect())
    }

    /// One step: the phases of MODEL.md in order (recording is left to the caller).
    fn phases(&mut self, step: u64, rows: &mut [Vec<f64>]) {
        self.produce(step, rows);
        for (k, s) in self.slots.iter_mut().enumerate() {
            let ctx = Ctx { slot: k as u8, step, streams: &self.streams, cfg: s.cfg };
            s.regime.allocate(&mut self.world, &ctx, &mut rows[k]);
        }
        self.consume();
        self.contribute();
        regrow(&mut self.world.resource);
        // Phase 6: shocks, exits, taxes and transfers, then the regimes' own rules.
        let exodus = policy::shocks(&mut self.world, &self.shocks, &self.streams, step);
        self.depart(step, &exodus, rows);
        let leaving = self.destitute_leavers();
        self.depart(step, &leaving, rows);
        for (k, s) in self.slots.iter_mut().enumerate() {
            let view = SlotView {
                slot: k as u8,
                material: s.regime.material(),
                money: s.regime.money(),
                prices: s.regime.prices(),
            };
            policy::tax_and_transfer(&mut self.world, view, &s.cfg.policy, &mut self.treasuries[k], step, &mut rows[k]);
            let ctx = Ctx { slot: k as u8, step, streams: &self.streams, cfg: s.cfg };
            s.regime.policy(&mut self.world, &ctx, &mut rows[k]);
        }
        // Phase 7: imitation, and migration between regimes.
        adapt::imitate(&mut self.world, &self.base.adapt, &self.streams, step, &mut self.next_strategy);
        if self.slots.len() > 1 && self.base.coexist.migrate > 0.0 {
            let moves = adapt::migrations(
                &self.world,
                self.base.coexist.migrate,
                self.base.adapt.temperature,
                &self.streams,
                step,
            );
            self.migrate(step, &moves, rows);
        }
    }

    /// Agents destitute for `exit_after` steps in a row, who leave now (sorted).
    fn destitute_leavers(&self) -> Vec<u32> {
        let w = &self.world;
        if w.exit_after == 0 {
            return Vec::new();
        }
        let a = &w.agents;
        (0..w.len() as u32)
            .filter(|&i| {
                let i = i as usize;
                a.member[i] != LEFT && self.material[a.member[i] as usize] && a.destitute_streak[i] >= w.exit_after
            })
            .collect()
    }

    /// Agents `leaving` (sorted, present) leave the world: their regime settles their accounts,
    /// their goods go with them, and they take no further part.
    pub fn depart(&mut self, step: u64, leaving: &[u32], rows: &mut [Vec<f64>]) {
        if leaving.is_empty() {
            return;
        }
        for (k, s) in self.slots.iter_mut().enumerate() {
            let mine: Vec<u32> =
                leaving.iter().copied().filter(|&i| self.world.agents.member[i as usize] == k as u8).collect();
            if !mine.is_empty() {
                let ctx = Ctx { slot: k as u8, step, streams: &self.streams, cfg: s.cfg };
                s.regime.depart(&mut self.world, &ctx, &mine, &mut rows[k]);
            }
        }
        let goods = self.world.goods;
        let a = &mut self.world.agents;
        for &i in leaving {
            let i = i as usize;
            let stock = &mut a.stock[i * goods..(i + 1) * goods];
            self.world.ledger.departed += stock.iter().sum::<f64>();
            stock.fill(0.0);
            a.member[i] = LEFT;
            a.output[i] = 0.0;
            a.consumed[i] = 0.0;
        }
    }

    /// Accounts held outside the agents for the regime in `slot`: its own (a community fund)
    /// and the policy treasury's money.
    pub fn accounts(&self, slot: usize) -> Vec<(&'static str, i64)> {
        let mut accounts = self.slots[slot].regime.accounts();
        if self.treasuries[slot].money != 0 {
            accounts.push(("treasury", self.treasuries[slot].money));
        }
        accounts
    }

    /// Goods held by agents and by the policy treasuries.
    pub fn goods_total(&self) -> f64 {
        self.world.goods_total() + self.treasuries.iter().flat_map(|t| t.goods.iter()).sum::<f64>()
    }

    /// The policy treasury of the regime in `slot`.
    pub fn treasury(&self, slot: usize) -> &policy::Treasury {
        &self.treasuries[slot]
    }

    /// Agents move to the regimes they chose: their old regime settles their accounts as for a
    /// departure, then they are members of the new one.
    fn migrate(&mut self, step: u64, moves: &[(u32, u8)], rows: &mut [Vec<f64>]) {
        if moves.is_empty() {
            return;
        }
        for (k, s) in self.slots.iter_mut().enumerate() {
            let mine: Vec<u32> =
                moves.iter().filter(|m| self.world.agents.member[m.0 as usize] == k as u8).map(|m| m.0).collect();
            if !mine.is_empty() {
                let ctx = Ctx { slot: k as u8, step, streams: &self.streams, cfg: s.cfg };
                s.regime.depart(&mut self.world, &ctx, &mine, &mut rows[k]);
            }
        }
        for &(i, to) in moves {
            self.world.agents.member[i as usize] = to;
        }
    }

    /// Phase 1: production, limited by the common-pool resource.
    fn produce(&mut self, step: u64, rows: &mut [Vec<f64>]) {
        self.world.shock_factor = policy::productivity_factor(&self.shocks, step);
        let w = &mut self.world;
        let goods = w.goods;
        let present = present_count(w).max(1);
        let shared = if self.params.scale_effect { w.knowledge.pool } else { w.knowledge.pool / present as f64 };
        let know = w.knowledge.clone();
        // The knowledge gain of open knowledge is the same for everyone: one logarithm.
        let shared_gain = know.multiplier(shared) - 1.0;
        let base = w.base_output * w.shock_factor;
        let intensity = w.resource.intensity;
        let (after, factor) = (w.destitute_after, w.destitute_factor);
        let material = &self.material;
        let property = &self.property;
        let a = &mut w.agents;
        // Potential output, and the resource it calls for.
        (a.output.par_chunks_mut(CHUNK), self.want.par_chunks_mut(CHUNK)).into_par_iter().enumerate().for_each(
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
                    let y = base * a.skill[i] * effort * (1.0 + gain) * penalty;
                    output[k] = y;
                    want[k] = y * intensity;
                }
            },
        );
        for (k, s) in self.slots.iter_mut().enumerate() {
            let ctx = Ctx { slot: k as u8, step, streams: &self.streams, cfg: s.cfg };
            s.regime.harvest(w, &ctx, &mut self.want);
        }
        let wanted: f64 = chunk_sum(&self.want);
        let scale = if wanted > w.resource.stock && wanted > 0.0 { w.resource.stock / wanted } else { 1.0 };
        // Output a platform's enclosure kept from producers, per unit of output they got.
        let mut capture_ratio = [0.0; 256];
        for (k, p) in property.iter().enumerate() {
            if let Property::Permissive { capture } = *p {
                capture_ratio[k] = platform_share(&know, shared, capture);
            }
        }
        let a = &mut w.agents;
        let want = &self.want;
        let partials: Vec<([f64; MAX_SLOTS], f64)> = (
            a.output.par_chunks_mut(CHUNK),
            a.stock.par_chunks_mut(CHUNK * goods),
            a.specialty.par_chunks(CHUNK),
            a.member.par_chunks(CHUNK),
        )
            .into_par_iter()
            .enumerate()
            .map(|(c, (output, stock, specialty, member))| {
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
                    stock[k * goods + specialty[k] as usize] += y;
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
        for (k, row) in rows.iter_mut().enumerate() {
            if let Property::Permissive { .. } = self.property[k] {
                metrics::set(row, Metric::PlatformCapture, captured[k]);
            }
        }
    }

    /// Phase 3: consume up to need, then stocks perish.
    fn consume(&mut self) {
        let w = &mut self.world;
        let goods = w.goods;
        let need = &w.need;
        let total_need: f64 = need.iter().sum();
        let keep = 1.0 - w.decay;
        let threshold = w.destitute_threshold;
        let smoothing = self.params.smoothing;
        let material = &self.material;
        // Goods are valued at each regime's prices, or in units where it has none.
        let prices: Vec<Option<Vec<f64>>> = self.slots.iter().map(|s| s.regime.prices().map(<[f64]>::to_vec)).collect();
        let a = &mut w.agents;
        let partials: Vec<(f64, f64)> = (
            a.stock.par_chunks_mut(CHUNK * goods),
            a.needs_met.par_chunks_mut(CHUNK),
            a.wellbeing.par_chunks_mut(CHUNK),
            a.destitute_streak.par_chunks_mut(CHUNK),
            a.consumed.par_chunks_mut(CHUNK),
            a.holdings.par_chunks_mut(CHUNK),
            a.member.par_chunks(CHUNK),
        )
            .into_par_iter()
            .map(|(stock, needs_met, wellbeing, streak, consumed, holdings, member)| {
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
                    for g in 0..goods {
                        let c = x[g].min(need[g]);
                        x[g] -= c;
                        eaten += c;
                        let gone = x[g] * (1.0 - keep);
                        x[g] -= gone;
                        decayed_total += gone;
                    }
                    eaten_total += eaten;
                    let met = if total_need > 0.0 { (eaten / total_need) as f32 } else { 1.0 };
                    needs_met[k] = met;
                    consumed[k] = eaten as f32;
                    wellbeing[k] = (1.0 - smoothing) * wellbeing[k] + smoothing * met;
                    streak[k] = if met < threshold { streak[k].saturating_add(1) } else { 0 };
                }
                (eaten_total, decayed_total)
            })
            .collect();
        for (e, d) in partials {
            w.ledger.consumed += e;
            w.ledger.decayed += d;
        }
    }

    /// Phase 4: contributions to knowledge, patent expiry and obsolescence.
    fn contribute(&mut self) {
        let w = &mut self.world;
        let know = w.knowledge.clone();
        let base = w.base_output;
        let material = &self.material;
        let property = &self.property;
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

    /// Phase 8: common metrics for every slot.
    fn record(&mut self, rows: &mut [Vec<f64>]) {
        let present = present_count(&self.world);
        let coexist = self.slots.len() > 1;
        for (k, s) in self.slots.iter().enumerate() {
            let view = SlotView {
                slot: k as u8,
                material: s.regime.material(),
                money: s.regime.money(),
                prices: s.regime.prices(),
            };
            metrics::record_common(&self.world, view, present, &mut self.scratch, &mut rows[k]);
            if coexist && present > 0 {
                let members = rows[k][Metric::Agents as usize];
                metrics::set(&mut rows[k], Metric::RegimeShare, members / present as f64);
            }
            if let Some(p) = s.regime.prices() {
                for (g, price) in p.iter().enumerate() {
                    rows[k][metrics::price_column(g)] = *price;
                }
            }
        }
    }
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

/// Sum over fixed chunks, added in chunk order: the same bits on any number of threads.
pub fn chunk_sum(v: &[f64]) -> f64 {
    v.par_chunks(CHUNK).map(|c| c.iter().sum::<f64>()).collect::<Vec<_>>().iter().sum()
}
