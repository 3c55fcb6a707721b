//! The step loop: the phases of `MODEL.md`, in order, over one world ([`Sim`]); and the run,
//! which drives every (regime entry, replicate) world in parallel and collects their records.
//!
//! Each phase is a function over the world's columns ([`phases`]). Work is split into fixed
//! chunks of [`crate::rng::CHUNK`] agents; chunks decide in parallel and their partial sums are
//! added in chunk order, so results never depend on the number of threads.

pub mod limits;
pub mod memory;
mod phases;
mod record;
mod sim;
pub mod snapshot;

pub use sim::Sim;
pub use snapshot::{AgentRows, Snapshot};

use crate::error::Result;
use crate::metrics::Layout;
use crate::plan::Plan;
use crate::rng::Streams;
use crate::scenario::Mode;
use crate::world;
use rayon::prelude::*;
use std::sync::Arc;

/// Worlds at least this large run one after another, each using every core inside; smaller
/// worlds run side by side, one per core. Either way the results are the same.
pub const LARGE_WORLD: usize = 65_536;

/// The record of one regime entry in one replicate: one row of [`Layout::width`] values per
/// recorded step (row 0 is the initial state; every step unless `[output] record_every` says
/// otherwise, see [`RunOutput::steps`]).
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
    /// The step of each row of every series, ascending: every step, or those
    /// `[output] record_every` keeps (step 0 and the last always).
    pub steps: Vec<u64>,
    /// Agent-steps simulated (agents times steps, summed over worlds).
    pub agent_steps: u64,
    /// The replicates whose every world ran to the last step, ascending: all of them unless
    /// the observer asked to stop ([`Observer::stopped`]).
    pub replicates_done: Vec<u64>,
}

impl RunOutput {
    /// Whether every replicate ran to the end.
    pub fn complete(&self, plan: &Plan) -> bool {
        self.replicates_done.len() as u64 == plan.run.replicates
    }
}

/// Receives progress and snapshots while a run goes on. The engine knows nothing of files or
/// terminals; the output stage and the CLI implement this.
pub trait Observer: Sync {
    /// `steps` more world-steps are done.
    fn progress(&self, _steps: u64) {}
    /// A block of a regime's agents at a snapshot step (blocks come in agent order).
    fn snapshot(&self, _snapshot: &Snapshot) -> Result<()> {
        Ok(())
    }
    /// Whether to stop at the next step boundary (an interrupt): worlds not yet finished
    /// end there and their replicates are left out of the output.
    fn stopped(&self) -> bool {
        false
    }
}

/// An observer that ignores everything.
pub struct Quiet;
impl Observer for Quiet {}

/// The networks of replicate `replicate`'s worlds, one per world: in compare mode one per
/// entry, the replicate's network shared by every entry unless a variant asks for another; in
/// coexist mode the one world's.
pub fn networks(plan: &Plan, replicate: u64) -> Vec<Arc<world::network::Network>> {
    let streams = Streams::new(plan.run.seed, replicate);
    let network = Arc::new(world::build_network(&plan.world, &streams));
    match plan.mode {
        Mode::Compare => plan
            .entries
            .iter()
            .map(|e| {
                if e.world.population.network == plan.world.population.network {
                    network.clone()
                } else {
                    Arc::new(world::build_network(&e.world, &streams))
                }
            })
            .collect(),
        Mode::Coexist => vec![network],
    }
}

/// World `w` of replicate `replicate` (compare mode: entry `w`'s; coexist mode: the one
/// world, `w` = 0) on its network from [`networks`], ready to step. `agora run` and
/// `agora serve` build their worlds here, so both simulate the same worlds.
pub fn world(plan: &Plan, replicate: u64, w: usize, network: Arc<world::network::Network>) -> Sim<'_> {
    match plan.mode {
        Mode::Compare => Sim::compare(plan, w, replicate, network),
        Mode::Coexist => Sim::coexist(plan, replicate, network),
    }
}

/// Runs replicate `rep` of the plan: one series per world, in entry order. Worlds of one
/// replicate share its network unless a variant asks for another. This is what [`run`] does
/// for every replicate, and what a sweep does for one (point, replicate) at a time.
pub fn run_replicate(plan: &Plan, rep: u64, observer: &dyn Observer) -> Result<Vec<Series>> {
    let large = plan.run.agents as usize >= LARGE_WORLD;
    let networks = networks(plan, rep);
    // Worlds are built where they run, so large ones are in memory one at a time.
    let one = |w: usize| world(plan, rep, w, networks[w].clone()).run(observer);
    let worlds = networks.len();
    let per_world: Vec<Vec<Series>> = if large {
        (0..worlds).map(one).collect::<Result<_>>()?
    } else {
        (0..worlds).into_par_iter().map(one).collect::<Result<_>>()?
    };
    Ok(per_world.into_iter().flatten().collect())
}

/// Runs the plan: every replicate of every regime entry.
pub fn run(plan: &Plan, observer: &dyn Observer) -> Result<RunOutput> {
    let replicates = plan.run.replicates;
    let n = plan.run.agents as usize;
    let large = n >= LARGE_WORLD;
    let per_replicate = |rep: u64| run_replicate(plan, rep, observer);
    let per_rep: Vec<Vec<Series>> = if large {
        (0..replicates).map(per_replicate).collect::<Result<_>>()?
    } else {
        (0..replicates).into_par_iter().map(per_replicate).collect::<Result<_>>()?
    };
    // A replicate stopped early has fewer series than entries; only complete ones are kept.
    let per_rep: Vec<Vec<Series>> = per_rep.into_iter().filter(|s| s.len() == plan.entries.len()).collect();
    let replicates_done: Vec<u64> = per_rep.iter().filter_map(|s| s.first().map(|s| s.replicate)).collect();
    // Reorder from (replicate, entry) to (entry, replicate).
    let mut series: Vec<Series> = per_rep.into_iter().flatten().collect();
    let order: Vec<&str> = plan.entries.iter().map(|e| e.label.as_str()).collect();
    series.sort_by_key(|s| (order.iter().position(|l| *l == s.label).unwrap_or(usize::MAX), s.replicate));
    let agent_steps = plan.worlds() * replicates_done.len() as u64 * plan.run.steps * n as u64;
    let steps = plan.output.recorded_steps(plan.run.steps);
    Ok(RunOutput { layout: plan.layout.clone(), series, steps, agent_steps, replicates_done })
}
