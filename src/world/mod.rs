//! The simulated world: agents as columns, the social network, the common-pool resource and
//! the knowledge pool.
//!
//! Agents are indices `0..n`; every field of an agent is one vector indexed by that number
//! (struct of arrays). Phases borrow just the columns they need, which keeps a million agents
//! small and lets rayon split columns into chunks.

pub mod governance;
pub mod network;
pub mod work;

use crate::rng::{stream, Key, Purpose, Streams, CHUNK};
use crate::scenario::{
    Distribution, KnowledgeConfig, NeedSpec, PopulationConfig, PropertyRule, ResourceConfig, StrategyShares,
};
use governance::Governance;
use network::Network;
use rand::RngExt;
use rand_distr::{Distribution as _, Exp, LogNormal, Pareto, Uniform};
use rayon::prelude::*;
use std::sync::Arc;
use work::Work;

/// Membership value of an agent that has left the world (exodus, exit).
pub const LEFT: u8 = u8::MAX;

/// Who may use the knowledge a regime's members contribute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Property {
    /// Contributions join the shared pool at once; everyone uses the pool.
    Open,
    /// Contributions stay with the contributor and enter the pool as patents expire.
    Proprietary,
    /// Open, but a platform encloses a share `capture` of the productivity gain.
    Permissive {
        /// Share of the knowledge gain the platform takes.
        capture: f64,
    },
}

/// What a world is built from: the checked sections of the scenario that every regime of the
/// world shares (the plan makes one per regime entry in compare mode, one per run in coexist
/// mode).
#[derive(Debug, Clone, PartialEq)]
pub struct WorldSpec {
    /// Number of agents.
    pub agents: usize,
    /// `[population]`.
    pub population: PopulationConfig,
    /// `[resource]`.
    pub resource: ResourceConfig,
    /// `[knowledge]`.
    pub knowledge: KnowledgeConfig,
}

impl WorldSpec {
    /// Who may use the knowledge producers contribute (`[knowledge] property`).
    pub fn property(&self) -> Property {
        match self.knowledge.property {
            PropertyRule::Open => Property::Open,
            PropertyRule::Proprietary => Property::Proprietary,
            PropertyRule::Permissive => Property::Permissive { capture: self.knowledge.capture },
        }
    }
}

/// An agent's behavioural strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Strategy {
    /// Gives to anyone in need, contributes to knowledge, keeps the rules.
    Cooperator = 0,
    /// Gives to those of good reputation (indirect reciprocity); contributes; keeps the rules.
    Reciprocator = 1,
    /// Never gives, contributes or restrains, but accepts and draws.
    FreeRider = 2,
}

impl Strategy {
    /// All strategies, in column order.
    pub const ALL: [Strategy; 3] = [Strategy::Cooperator, Strategy::Reciprocator, Strategy::FreeRider];

    /// The name used in files.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Cooperator => "cooperator",
            Strategy::Reciprocator => "reciprocator",
            Strategy::FreeRider => "free_rider",
        }
    }

    /// Picks a strategy from the shares with a uniform number `u` in `[0, 1)`.
    pub fn draw(shares: &StrategyShares, u: f64) -> Strategy {
        if u < shares.cooperator {
            Strategy::Cooperator
        } else if u < shares.cooperator + shares.reciprocator {
            Strategy::Reciprocator
        } else {
            Strategy::FreeRider
        }
    }

    /// Whether the strategy contributes effort to knowledge and goods to pools.
    pub fn contributes(self) -> bool {
        self != Strategy::FreeRider
    }
}

/// The agents, one vector per field.
#[derive(Debug, Clone)]
pub struct Agents {
    /// Productivity `s > 0`.
    pub skill: Vec<f64>,
    /// The good each agent produces.
    pub specialty: Vec<u8>,
    /// Behavioural strategy.
    pub strategy: Vec<Strategy>,
    /// Which regime slot of the world the agent belongs to, or [`LEFT`].
    pub member: Vec<u8>,
    /// For an agent that has left the world, the slot it left from (it still counts in that
    /// regime's population, meeting none of its needs); [`LEFT`] for the others.
    pub left_from: Vec<u8>,
    /// Holdings of each good, agent-major: `stock[i * goods + g]`.
    pub stock: Vec<f64>,
    /// Money (market), in [`crate::money::MONEY_UNIT`]s.
    pub money: Vec<i64>,
    /// Mutual-credit balance, in [`crate::money::MONEY_UNIT`]s; may be negative down to the limit.
    pub balance: Vec<i64>,
    /// Reputation in `[0, 1]`.
    pub reputation: Vec<f32>,
    /// Share of last step's needs met, `w` in `[0, 1]`.
    pub needs_met: Vec<f32>,
    /// Moving average of `needs_met`: the wellbeing agents compare when they imitate.
    pub wellbeing: Vec<f32>,
    /// Steps in a row with `needs_met` below the destitution threshold.
    pub destitute_streak: Vec<u16>,
    /// Units of the specialty good produced this step.
    pub output: Vec<f64>,
    /// Units of all goods consumed this step.
    pub consumed: Vec<f32>,
    /// Value of the goods held this step after allocation, before consumption (at the regime's
    /// prices, or in units where there are none): the goods part of wealth.
    pub holdings: Vec<f64>,
    /// Proprietary knowledge not yet in the shared pool.
    pub private_knowledge: Vec<f64>,
    /// Share of effort in each good, agent-major: `share[i * goods + g]`, summing to 1.
    pub share: Vec<f32>,
    /// Experience of each good (learning by doing), agent-major, in `[0, 1]`.
    pub experience: Vec<f32>,
    /// Effort `E` in `[0, 1]`.
    pub effort: Vec<f32>,
    /// Units consumed beyond needs this step.
    pub beyond: Vec<f32>,
    /// Unmet need of each good this step, agent-major.
    pub short: Vec<f32>,
    /// Welfare this step, `W`.
    pub welfare: Vec<f32>,
}

impl Agents {
    /// Number of agents (present or departed).
    pub fn len(&self) -> usize {
        self.skill.len()
    }

    /// Whether there are no agents.
    pub fn is_empty(&self) -> bool {
        self.skill.is_empty()
    }

    /// Bytes held by the columns.
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of_val;
        size_of_val(&self.skill[..])
            + size_of_val(&self.specialty[..])
            + size_of_val(&self.strategy[..])
            + size_of_val(&self.member[..])
            + size_of_val(&self.left_from[..])
            + size_of_val(&self.stock[..])
            + size_of_val(&self.money[..])
            + size_of_val(&self.balance[..])
            + size_of_val(&self.reputation[..])
            + size_of_val(&self.needs_met[..])
            + size_of_val(&self.wellbeing[..])
            + size_of_val(&self.destitute_streak[..])
            + size_of_val(&self.output[..])
            + size_of_val(&self.consumed[..])
            + size_of_val(&self.holdings[..])
            + size_of_val(&self.private_knowledge[..])
            + size_of_val(&self.share[..])
            + size_of_val(&self.experience[..])
            + size_of_val(&self.effort[..])
            + size_of_val(&self.beyond[..])
            + size_of_val(&self.short[..])
            + size_of_val(&self.welfare[..])
    }
}

/// The renewable common-pool resource, in resource units.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// Current stock `S`.
    pub stock: f64,
    /// Carrying capacity `K` of the whole world.
    pub capacity: f64,
    /// Logistic regrowth rate `r`.
    pub regrowth: f64,
    /// Resource units used per unit of output.
    pub intensity: f64,
    /// Units harvested this step (subtracted in the regrow phase).
    pub harvest: f64,
}

impl Resource {
    /// Logistic regrowth `r S (1 - S / K)` at the current stock.
    pub fn regrowth_now(&self) -> f64 {
        self.regrowth * self.stock * (1.0 - self.stock / self.capacity)
    }

    /// The maximum sustainable yield `r K / 4`.
    pub fn msy(&self) -> f64 {
        self.regrowth * self.capacity / 4.0
    }
}

/// The shared knowledge pool and the rules of the knowledge good.
#[derive(Debug, Clone, PartialEq)]
pub struct Knowledge {
    /// The shared (open) pool, total over the world.
    pub pool: f64,
    /// Share of effort contributors give to knowledge, `c`.
    pub contribution: f64,
    /// Productivity gain per log unit of knowledge.
    pub tech_gain: f64,
    /// Share of knowledge that becomes obsolete per step.
    pub obsolescence: f64,
    /// Half-saturation of the integration of new contributions, per agent (0 = none).
    pub critical_kappa: f64,
    /// Share of private knowledge that enters the pool per step (`1 / patent_life`).
    pub patent_expiry: f64,
}

impl Knowledge {
    /// The productivity multiplier `A = 1 + tech_gain ln(1 + K)` for usable knowledge `k`.
    #[inline]
    pub fn multiplier(&self, k: f64) -> f64 {
        1.0 + self.tech_gain * (1.0 + k.max(0.0)).ln()
    }
}

/// Cumulative goods accounting, to check that goods are created only by production and
/// destroyed only by consumption and decay.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Ledger {
    /// Units produced.
    pub produced: f64,
    /// Units consumed.
    pub consumed: f64,
    /// Units perished (in stock, and in transfers between agents).
    pub decayed: f64,
    /// Units carried out of the world by agents who left.
    pub departed: f64,
}

/// Everything one simulated world holds.
#[derive(Debug, Clone)]
pub struct World {
    /// The agents.
    pub agents: Agents,
    /// The social network (shared, read-only, between worlds of one replicate).
    pub network: Arc<Network>,
    /// The common-pool resource.
    pub resource: Resource,
    /// Who limits its harvest, and what it remembers of each producer.
    pub governance: Governance,
    /// The knowledge good.
    pub knowledge: Knowledge,
    /// Need per good per step.
    pub need: Vec<f64>,
    /// Number of goods.
    pub goods: usize,
    /// Units of the specialty at skill 1 per step.
    pub base_output: f64,
    /// Share of stocks that perish per step.
    pub decay: f64,
    /// Needs-met share below which a step is destitute.
    pub destitute_threshold: f32,
    /// Destitute steps in a row before productivity falls.
    pub destitute_after: u16,
    /// Productivity multiplier while destitute past `destitute_after`.
    pub destitute_factor: f64,
    /// Destitute steps in a row after which an agent leaves (0 = never).
    pub exit_after: u16,
    /// Productivity multiplier from shocks (1 = none).
    pub shock_factor: f64,
    /// Agents in the initial population.
    pub initial_agents: usize,
    /// Goods accounting since the start.
    pub ledger: Ledger,
    /// Share of a unit that arrives when it passes from one agent to another
    /// (`1 - transfer_cost`).
    pub transfer_keep: f64,
    /// Units lost in transfers this step, per regime slot.
    pub transfer_lost: Vec<f64>,
    /// The rules of work and welfare.
    pub work: Work,
}

impl World {
    /// Builds the initial world of one replicate from its spec. Every agent starts in slot 0;
    /// the engine assigns other slots.
    pub fn new(cfg: &WorldSpec, streams: &Streams, network: Arc<Network>) -> World {
        let n = cfg.agents;
        let goods = cfg.population.goods.len();
        let need = need_vector(&cfg.population);
        let mut agents = Agents {
            skill: vec![0.0; n],
            specialty: vec![0; n],
            strategy: vec![Strategy::Cooperator; n],
            member: vec![0; n],
            left_from: vec![LEFT; n],
            stock: vec![0.0; n * goods],
            money: vec![0; n],
            balance: vec![0; n],
            reputation: vec![1.0; n],
            needs_met: vec![1.0; n],
            wellbeing: vec![1.0; n],
            destitute_streak: vec![0; n],
            output: vec![0.0; n],
            consumed: vec![0.0; n],
            holdings: vec![0.0; n],
            private_knowledge: vec![0.0; n],
            share: vec![0.0; n * goods],
            experience: vec![0.0; n * goods],
            effort: vec![1.0; n],
            beyond: vec![0.0; n],
            short: vec![0.0; n * goods],
            welfare: vec![0.0; n],
        };
        let pop = &cfg.population;
        let skill_dist = Sampler::new(&pop.skill);
        (
            agents.skill.par_chunks_mut(CHUNK),
            agents.specialty.par_chunks_mut(CHUNK),
            agents.strategy.par_chunks_mut(CHUNK),
        )
            .into_par_iter()
            .enumerate()
            .for_each(|(c, (skill, specialty, strategy))| {
                let mut rng = streams.rng(Key::engine(Purpose::Population, stream::ATTRIBUTES, 0), 0, c);
                for k in 0..skill.len() {
                    skill[k] = skill_dist.sample(&mut rng);
                    specialty[k] = rng.random_range(0..goods as u32) as u8;
                    strategy[k] = Strategy::draw(&pop.strategies, rng.random::<f64>());
                }
            });
        // Everyone starts as a settled specialist in its specialty.
        for (i, &g) in agents.specialty.iter().enumerate() {
            agents.share[i * goods + g as usize] = 1.0;
            agents.experience[i * goods + g as usize] = 1.0;
        }
        for (i, x) in agents.stock.iter_mut().enumerate() {
            *x = pop.initial_stock * need[i % goods];
        }
        let initial_holding: f64 = need.iter().map(|n| pop.initial_stock * n).sum();
        agents.holdings.fill(initial_holding);
        let res = &cfg.resource;
        let capacity = res.capacity * n as f64;
        let k = &cfg.knowledge;
        let mean_skill = pop.skill.mean();
        let effort_per_agent = k.contribution * mean_skill * pop.base_output;
        World {
            agents,
            network,
            resource: Resource {
                stock: res.initial * capacity,
                capacity,
                regrowth: res.regrowth,
                intensity: res.intensity,
                harvest: 0.0,
            },
            governance: Governance::new(res, n),
            knowledge: Knowledge {
                pool: k.initial * n as f64,
                contribution: k.contribution,
                tech_gain: k.tech_gain,
                obsolescence: k.obsolescence,
                critical_kappa: if k.critical_mass > 0.0 && k.obsolescence > 0.0 {
                    k.critical_mass * effort_per_agent / k.obsolescence
                } else {
                    0.0
                },
                patent_expiry: if k.patent_life > 0.0 { (1.0 / k.patent_life).min(1.0) } else { 1.0 },
            },
            need,
            goods,
            base_output: pop.base_output,
            decay: pop.decay,
            destitute_threshold: pop.destitute_threshold as f32,
            destitute_after: pop.destitute_after.min(u16::MAX as u64 - 1) as u16,
            exit_after: pop.exit_after.min(u16::MAX as u64 - 1) as u16,

            destitute_factor: 1.0 - pop.destitute_penalty,
            shock_factor: 1.0,
            initial_agents: n,
            ledger: Ledger::default(),
            transfer_keep: 1.0 - pop.transfer_cost,
            transfer_lost: vec![0.0; 256],
            work: Work::new(pop),
        }
    }

    /// Counts `lost` units lost in transfers by the regime in `slot`: to the ledger (as
    /// perished) and to the slot's count for this step. Phases scale what arrives by
    /// [`World::transfer_keep`] and add up the loss.
    pub fn count_lost(&mut self, slot: u8, lost: f64) {
        self.ledger.decayed += lost;
        self.transfer_lost[slot as usize] += lost;
    }

    /// Number of agents, present or departed.
    pub fn len(&self) -> usize {
        self.agents.len()
    }

    /// Whether the world has no agents.
    pub fn is_empty(&self) -> bool {
        self.agents.is_empty()
    }

    /// Total units of goods held by all agents.
    pub fn goods_total(&self) -> f64 {
        self.agents.stock.par_chunks(CHUNK * self.goods).map(|c| c.iter().sum::<f64>()).collect::<Vec<_>>().iter().sum()
    }

    /// Bytes held by the world (agent columns and network).
    pub fn heap_bytes(&self) -> usize {
        self.agents.heap_bytes() + self.network.heap_bytes()
    }
}

/// Builds the network of one replicate from the spec's population section.
pub fn build_network(cfg: &WorldSpec, streams: &Streams) -> Network {
    let mut rng = streams.rng(Key::engine(Purpose::Network, stream::NETWORK, 0), 0, 0);
    Network::build(&cfg.population.network, cfg.agents, &mut rng)
}

/// The need per good, in the order of `population.goods`.
pub fn need_vector(population: &PopulationConfig) -> Vec<f64> {
    let goods = &population.goods;
    match &population.need {
        NeedSpec::All(x) => vec![*x; goods.len()],
        NeedSpec::PerGood(map) => goods.iter().map(|g| map.get(g).copied().unwrap_or(0.0)).collect(),
    }
}

/// Draws from a scenario [`Distribution`].
#[derive(Debug, Clone, Copy)]
pub enum Sampler {
    /// Lognormal.
    Lognormal(LogNormal<f64>),
    /// Uniform.
    Uniform(Uniform<f64>),
    /// Constant.
    Constant(f64),
    /// Exponential with rate.
    Exponential(Exp<f64>),
    /// Pareto.
    Pareto(Pareto<f64>),
}

impl Sampler {
    /// Prepares a sampler; the distribution was validated, so its parameters are in range.
    pub fn new(d: &Distribution) -> Sampler {
        match *d {
            Distribution::Lognormal { median, sigma } => {
                LogNormal::new(median.ln(), sigma).map(Sampler::Lognormal).unwrap_or(Sampler::Constant(median))
            }
            Distribution::Uniform { low, high } => {
                Uniform::new_inclusive(low, high).map(Sampler::Uniform).unwrap_or(Sampler::Constant(low))
            }
            Distribution::Constant { value } => Sampler::Constant(value),
            Distribution::Exponential { mean } => {
                Exp::new(1.0 / mean).map(Sampler::Exponential).unwrap_or(Sampler::Constant(mean))
            }
            Distribution::Pareto { scale, shape } => {
                Pareto::new(scale, shape).map(Sampler::Pareto).unwrap_or(Sampler::Constant(scale))
            }
        }
    }

    /// One draw.
    pub fn sample(&self, rng: &mut impl rand::Rng) -> f64 {
        match self {
            Sampler::Lognormal(d) => d.sample(rng),
            Sampler::Uniform(d) => d.sample(rng),
            Sampler::Constant(v) => *v,
            Sampler::Exponential(d) => d.sample(rng),
            Sampler::Pareto(d) => d.sample(rng),
        }
    }
}
