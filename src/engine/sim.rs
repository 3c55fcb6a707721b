//! One world being simulated ([`Sim`]): its regimes (one per slot), its buffers, and the step
//! that runs the phases in order.

use super::phases::{self, SlotTraits};
use super::snapshot::{AgentRows, Snapshot, BLOCK};
use super::{Observer, Series};
use crate::adapt;
use crate::error::Result;
use crate::metrics::record::{Scratch, SlotView};
use crate::plan::Plan;
use crate::policy::{self, PolicyReport, Treasury};
use crate::regimes::{Ctx, Leaving, Regime, Traits};
use crate::rng::{stream, Key, Purpose, Streams, CHUNK};
use crate::scenario::{AdaptConfig, PolicyConfig, Shock};
use crate::world::work::Signal;
use crate::world::{self, network::Network, Property, Strategy, World, LEFT};
use rayon::prelude::*;
use std::sync::Arc;

/// A regime hosted by a world, with what the engine keeps for it.
pub(super) struct Slot {
    /// Its entry label.
    pub(super) label: String,
    /// Its position among the plan's entries.
    pub(super) entry: usize,
    /// The regime.
    pub(super) regime: Box<dyn Regime>,
    /// What its members are and hold.
    pub(super) traits: Traits,
    /// Its policies.
    pub(super) policy: PolicyConfig,
    /// Its policy treasury.
    pub(super) treasury: Treasury,
    /// What the policy phase did this step, until recorded.
    pub(super) report: Option<PolicyReport>,
    /// Output a platform captured this step, until recorded.
    pub(super) captured: Option<f64>,
}

impl Slot {
    /// How the metrics read the members of this slot, `k`.
    pub(super) fn view(&self, k: usize) -> SlotView<'_> {
        view_of(k, &self.traits, self.regime.as_ref())
    }
}

/// How the metrics read the members of slot `k`, of a regime with these traits.
fn view_of<'r>(k: usize, traits: &Traits, regime: &'r dyn Regime) -> SlotView<'r> {
    SlotView {
        slot: k as u8,
        material: traits.material,
        money: traits.money,
        prices: regime.prices(),
        payoff_wellbeing: traits.payoff_wellbeing,
    }
}

/// One world being simulated, with its regimes and reusable buffers.
pub struct Sim<'a> {
    pub(super) plan: &'a Plan,
    pub(super) world: World,
    pub(super) slots: Vec<Slot>,
    streams: Streams,
    adapt: AdaptConfig,
    scale_effect: bool,
    migrate: f64,
    pub(super) step: u64,
    pub(super) rows: Vec<Vec<f64>>,
    want: Vec<f64>,
    shortfall: Vec<f64>,
    next_strategy: Vec<Strategy>,
    next_effort: Vec<f32>,
    pub(super) scratch: Scratch,
    pub(super) kinds: SlotTraits,
    shocks: Vec<Shock>,
}

impl<'a> Sim<'a> {
    /// Prepares `world` for the plan's entries `entries` (slot `k` hosts `entries[k]`) and
    /// runs their regimes' `init`.
    fn new(plan: &'a Plan, world: World, entries: &[usize], streams: Streams) -> Sim<'a> {
        let env = plan.build_env();
        let mut slots: Vec<Slot> = entries
            .iter()
            .map(|&e| {
                let entry = &plan.entries[e];
                Slot {
                    label: entry.label.clone(),
                    entry: e,
                    regime: entry.config.build(&env),
                    traits: entry.traits,
                    policy: entry.policy.clone(),
                    treasury: Treasury::new(world.goods),
                    report: None,
                    captured: None,
                }
            })
            .collect();
        // Knowledge's property rule is the world's: one entry's in compare mode.
        let property = match (&plan.coexist, entries) {
            (None, [e]) => plan.entries[*e].world.property(),
            _ => plan.world.property(),
        };
        let mut kinds = SlotTraits { material: [false; 256], property: [property; 256], signal: [Signal::None; 256] };
        for (k, s) in slots.iter().enumerate() {
            kinds.material[k] = s.traits.material;
            kinds.signal[k] = if s.traits.material { s.traits.signal } else { Signal::None };
        }
        // The world's own rules: one entry's in compare mode, the scenario's in coexist mode.
        let (adapt, scale_effect, shocks, migrate) = match (&plan.coexist, entries) {
            (None, [e]) => {
                let entry = &plan.entries[*e];
                (entry.adapt.clone(), entry.world.knowledge.scale_effect, entry.policy.shocks.clone(), 0.0)
            }
            (coexist, _) => (
                plan.adapt.clone(),
                plan.world.knowledge.scale_effect,
                plan.shocks.clone(),
                coexist.as_ref().map_or(0.0, |c| c.migrate),
            ),
        };
        let n = world.len();
        let mut sim = Sim {
            plan,
            world,
            slots: Vec::new(),
            streams,
            adapt,
            scale_effect,
            migrate,
            step: 0,
            rows: vec![plan.layout.empty_row(); slots.len()],
            want: vec![0.0; n],
            shortfall: Vec::new(),
            next_strategy: vec![Strategy::Cooperator; n],
            next_effort: Vec::new(),
            scratch: Scratch::default(),
            kinds,
            shocks,
        };
        for (k, s) in slots.iter_mut().enumerate() {
            s.regime.init(&mut sim.world, &Ctx { slot: k as u8, step: 0, streams });
        }
        // Members of pure money-exchange regimes hold no goods, and so no wealth in goods.
        let goods = sim.world.goods;
        let a = &mut sim.world.agents;
        for ((stock, holdings), &m) in a.stock.chunks_exact_mut(goods).zip(a.holdings.iter_mut()).zip(&a.member) {
            if !sim.kinds.material[m as usize] {
                stock.fill(0.0);
                *holdings = 0.0;
            }
        }
        sim.slots = slots;
        sim
    }

    /// The world of regime entry `entry` in replicate `replicate` of a compare-mode run, on
    /// the replicate's `network`.
    pub fn compare(plan: &'a Plan, entry: usize, replicate: u64, network: Arc<Network>) -> Sim<'a> {
        let streams = Streams::new(plan.run.seed, replicate);
        let world = World::new(&plan.entries[entry].world, &streams, network);
        Sim::new(plan, world, &[entry], streams)
    }

    /// The one world of a coexist-mode run in replicate `replicate`: every agent is drawn into
    /// a regime by the initial shares (from the population stream, so the same agents start in
    /// the same regimes whatever else changes).
    pub fn coexist(plan: &'a Plan, replicate: u64, network: Arc<Network>) -> Sim<'a> {
        let streams = Streams::new(plan.run.seed, replicate);
        let mut world = World::new(&plan.world, &streams, network);
        let shares: Vec<f64> = plan.coexist.as_ref().map(|c| c.shares.clone()).unwrap_or_default();
        world.agents.member.par_chunks_mut(CHUNK).enumerate().for_each(|(c, member)| {
            let mut rng = streams.rng(Key::engine(Purpose::Population, stream::MEMBERSHIP, 0), 0, c);
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
        let entries: Vec<usize> = (0..plan.entries.len()).collect();
        Sim::new(plan, world, &entries, streams)
    }

    /// Like [`Sim::compare`], building the replicate's network itself.
    pub fn for_entry(plan: &'a Plan, entry: usize, replicate: u64) -> Sim<'a> {
        let streams = Streams::new(plan.run.seed, replicate);
        let network = Arc::new(world::build_network(&plan.entries[entry].world, &streams));
        Sim::compare(plan, entry, replicate, network)
    }

    /// Records the current state (the initial state, before any step) and returns one row per
    /// slot.
    pub fn record_now(&mut self) -> &[Vec<f64>] {
        self.record();
        &self.rows
    }

    /// Simulates the next step and returns its record, one row per slot.
    pub fn advance(&mut self) -> &[Vec<f64>] {
        self.step += 1;
        self.phases(self.step);
        self.record();
        &self.rows
    }

    /// The world, for tests and snapshots.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// Runs every step and returns one series per slot.
    pub fn run(mut self, observer: &dyn Observer) -> Result<Vec<Series>> {
        let steps = self.plan.run.steps;
        let width = self.plan.layout.width();
        let output = &self.plan.output;
        let recorded = output.recorded_count(steps) as usize;
        let mut rows: Vec<Vec<f64>> = vec![Vec::with_capacity(width * recorded); self.slots.len()];
        let snapshot_steps = self.plan.snapshot_steps().to_vec();
        let snap_reps = output.snapshot_replicates;
        let snap_this_rep = snap_reps == 0 || self.streams.replicate() < snap_reps;
        for step in 0..=steps {
            if observer.stopped() {
                return Ok(Vec::new());
            }
            if step == 0 {
                self.record_now();
            } else {
                self.step += 1;
                self.phases(self.step);
                // Steps left out of the record skip the common metrics (their sorts are most of
                // a step's cost) but still hand over what the step measured, as a recorded one does.
                self.record_with(output.records(step, steps));
            }
            if output.records(step, steps) {
                for (k, r) in self.rows.iter().enumerate() {
                    rows[k].extend_from_slice(r);
                }
            }
            if snap_this_rep && snapshot_steps.contains(&step) {
                for k in 0..self.slots.len() {
                    self.snapshot(k, step, observer)?;
                }
            }
            if step > 0 {
                observer.progress(1);
            }
        }
        let replicate = self.streams.replicate();
        Ok(self.slots.into_iter().zip(rows).map(|(s, rows)| Series { label: s.label, replicate, rows }).collect())
    }

    /// Hands the members of slot `k` to the observer, block by block.
    fn snapshot(&self, k: usize, step: u64, observer: &dyn Observer) -> Result<()> {
        let s = &self.slots[k];
        let view = self.view(k);
        let n = self.world.len();
        let blocks = n.div_ceil(BLOCK).max(1);
        for b in 0..blocks {
            let last = b + 1 == blocks;
            observer.snapshot(&Snapshot {
                label: &s.label,
                entry: s.entry,
                replicate: self.streams.replicate(),
                step,
                money: s.traits.money,
                goods: self.world.goods,
                first: b == 0,
                agents: AgentRows::copy(&self.world, &view, b * BLOCK..((b + 1) * BLOCK).min(n)),
                accounts: if last { self.accounts(k) } else { Vec::new() },
            })?;
        }
        Ok(())
    }

    /// How the metrics read slot `k`'s members.
    pub(super) fn view(&self, k: usize) -> SlotView<'_> {
        self.slots[k].view(k)
    }

    fn ctx(&self, k: usize, step: u64) -> Ctx {
        Ctx { slot: k as u8, step, streams: self.streams }
    }

    /// One step: the phases of MODEL.md in order (recording is left to the caller).
    fn phases(&mut self, step: u64) {
        self.world.transfer_lost.fill(0.0);
        self.produce(step);
        // Taxes and transfers: on the step's output as produced, before any regime allocates,
        // so that every regime's tax has the same base at the same point (ODD section 4.1).
        for k in 0..self.slots.len() {
            let s = &mut self.slots[k];
            let view = view_of(k, &s.traits, s.regime.as_ref());
            s.report = policy::tax_and_transfer(&mut self.world, view, &s.policy, &mut s.treasury, step);
        }
        for k in 0..self.slots.len() {
            let ctx = self.ctx(k, step);
            self.slots[k].regime.allocate(&mut self.world, &ctx);
        }
        // Goods are valued at each regime's prices, or in units where it has none.
        let prices: Vec<Option<Vec<f64>>> = self.slots.iter().map(|s| s.regime.prices().map(<[f64]>::to_vec)).collect();
        phases::consume(&mut self.world, &self.kinds, &prices, self.adapt.smoothing as f32);
        phases::contribute(&mut self.world, &self.kinds);
        phases::regrow(&mut self.world.resource);
        // Phase 6: shocks, exits, then the regimes' own rules (taxes and transfers came after
        // production, above).
        let exodus = policy::shocks(&mut self.world, &self.shocks, &self.streams, step);
        self.depart(step, &exodus);
        let leaving = phases::destitute_leavers(&self.world, &self.kinds);
        self.depart(step, &leaving);
        for k in 0..self.slots.len() {
            let s = &mut self.slots[k];
            policy::money_loss(&mut self.world, k as u8, s.traits.money, &self.shocks, &mut s.treasury, step);
            let ctx = Ctx { slot: k as u8, step, streams: self.streams };
            s.regime.policy(&mut self.world, &ctx);
        }
        // Phase 7: what to make and how hard to work, imitation, and migration.
        let imitation = self.adapt.imitate > 0.0;
        crate::choice::choose(
            &mut self.world,
            &self.kinds.signal,
            &prices,
            &self.streams,
            step,
            &mut self.shortfall,
            imitation,
        );
        adapt::imitate(
            &mut self.world,
            &self.adapt,
            &self.streams,
            step,
            &mut self.next_strategy,
            &mut self.next_effort,
        );
        if self.slots.len() > 1 && self.migrate > 0.0 {
            let moves = adapt::migrations(&self.world, self.migrate, self.adapt.temperature, &self.streams, step);
            self.migrate(step, &moves);
        }
    }

    /// Phase 1: production, limited by the common-pool resource and its governance.
    fn produce(&mut self, step: u64) {
        self.world.shock_factor = policy::productivity_factor(&self.shocks, step);
        let shared = phases::potential_output(&mut self.world, &self.kinds, self.scale_effect, &mut self.want);
        let w = &mut self.world;
        w.governance.limit(&w.agents, &self.kinds.material, &w.resource, &self.streams, step, &mut self.want);
        let captured = phases::harvest_and_produce(&mut self.world, &self.kinds, shared, &self.want);
        let w = &mut self.world;
        w.governance.settle(&mut w.agents, w.goods, &mut w.ledger);
        for (k, s) in self.slots.iter_mut().enumerate() {
            if let Property::Permissive { .. } = self.kinds.property[k] {
                s.captured = Some(captured[k]);
            }
        }
    }

    /// Agents `leaving` (sorted, present) leave the world: their regime settles their accounts,
    /// their goods go with them, and they take no further part.
    pub fn depart(&mut self, step: u64, leaving: &[u32]) {
        if leaving.is_empty() {
            return;
        }
        for k in 0..self.slots.len() {
            // A regime open to all settles every leaver's accounts with it, not only its members'.
            let all = self.slots[k].regime.open_to_all();
            let mine: Vec<u32> =
                leaving.iter().copied().filter(|&i| all || self.world.agents.member[i as usize] == k as u8).collect();
            if !mine.is_empty() {
                let ctx = self.ctx(k, step);
                self.slots[k].regime.depart(&mut self.world, &ctx, &mine, Leaving::World);
            }
        }
        let goods = self.world.goods;
        let a = &mut self.world.agents;
        for &i in leaving {
            let i = i as usize;
            let stock = &mut a.stock[i * goods..(i + 1) * goods];
            self.world.ledger.departed += stock.iter().sum::<f64>();
            stock.fill(0.0);
            a.left_from[i] = a.member[i];
            a.member[i] = LEFT;
            a.output[i] = 0.0;
            a.consumed[i] = 0.0;
        }
    }

    /// Agents move to the regimes they chose: their old regime settles their accounts as for a
    /// departure, then they are members of the new one.
    fn migrate(&mut self, step: u64, moves: &[(u32, u8)]) {
        if moves.is_empty() {
            return;
        }
        for k in 0..self.slots.len() {
            let mine: Vec<u32> =
                moves.iter().filter(|m| self.world.agents.member[m.0 as usize] == k as u8).map(|m| m.0).collect();
            if !mine.is_empty() {
                let ctx = self.ctx(k, step);
                self.slots[k].regime.depart(&mut self.world, &ctx, &mine, Leaving::Regime);
            }
        }
        for &(i, to) in moves {
            self.world.agents.member[i as usize] = to;
        }
    }

    /// Accounts held outside the agents for the regime in `slot`: its own (a community fund)
    /// and the policy treasury's money.
    pub fn accounts(&self, slot: usize) -> Vec<(&'static str, i64)> {
        let mut accounts = self.slots[slot].regime.accounts();
        if self.slots[slot].treasury.money != 0 {
            accounts.push(("treasury", self.slots[slot].treasury.money));
        }
        if self.slots[slot].treasury.lost != 0 {
            accounts.push(("lost_to_shock", self.slots[slot].treasury.lost));
        }
        // Issued and destroyed money keep the books: agents' money plus every account is what
        // the world started with.
        if self.slots[slot].treasury.issued != 0 {
            accounts.push(("issued", -self.slots[slot].treasury.issued));
        }
        if self.slots[slot].treasury.destroyed != 0 {
            accounts.push(("destroyed", self.slots[slot].treasury.destroyed));
        }
        accounts
    }

    /// The first broken invariant of any of the world's regimes, if any (for tests).
    pub fn broken_invariant(&self) -> Option<String> {
        self.slots
            .iter()
            .enumerate()
            .find_map(|(k, s)| s.regime.broken_invariant(&self.world, k as u8).map(|e| format!("{}: {e}", s.label)))
    }

    /// Goods held by agents and by the policy treasuries.
    pub fn goods_total(&self) -> f64 {
        self.world.goods_total() + self.slots.iter().flat_map(|s| s.treasury.goods.iter()).sum::<f64>()
    }

    /// The policy treasury of the regime in `slot`.
    pub fn treasury(&self, slot: usize) -> &Treasury {
        &self.slots[slot].treasury
    }
}
