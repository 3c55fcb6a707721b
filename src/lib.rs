//! agora: agent-based simulation of four ways to allocate goods (gift, market, mutual credit,
//! commons) on one population, with the data, plots and report to compare them.
//!
//! Data flows one way: [`scenario`] (parse, validate) -> [`world`] (agents as columns) ->
//! [`engine`] (the step loop; [`regimes`] for phase 2, [`adapt`] for phase 7) -> [`metrics`]
//! -> [`output`]. The binary's `cli` calls [`run_to_folder`]; nothing in the library knows
//! about the terminal.

#![warn(missing_docs)]

pub mod adapt;
pub mod engine;
pub mod error;
pub mod metrics;
pub mod output;
pub mod regimes;
pub mod rng;
pub mod scenario;
pub mod world;

use engine::{Observer, Snapshot};
use error::{Error, Result};
use output::{OutputDir, RunInfo, SnapshotWriter};
use scenario::Scenario;
use std::path::PathBuf;
use std::time::Instant;

/// How to carry out a run, beyond the scenario itself.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Worker threads; `None` takes the scenario's `run.threads` (0 = every core).
    pub threads: Option<usize>,
    /// The command line, recorded in `run.json`.
    pub command_line: Vec<String>,
}

/// What a finished run reports.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// Where the files are.
    pub dir: PathBuf,
    /// Agent-steps simulated.
    pub agent_steps: u64,
    /// Seconds spent simulating.
    pub simulate_seconds: f64,
    /// Threads used.
    pub threads: usize,
}

/// The number of threads a run will use.
pub fn thread_count(scenario: &Scenario, options: &RunOptions) -> usize {
    match options.threads.unwrap_or(scenario.file.run.threads as usize) {
        0 => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        t => t,
    }
}

struct RunObserver<'a, 'b> {
    snapshots: SnapshotWriter<'a>,
    progress: &'b (dyn Fn(u64) + Sync),
}

impl Observer for RunObserver<'_, '_> {
    fn progress(&self, steps: u64) {
        (self.progress)(steps);
    }
    fn snapshot(&self, s: &Snapshot) -> Result<()> {
        self.snapshots.snapshot(s)
    }
}

/// Runs a scenario and writes every output file into its folder, atomically: the folder
/// appears complete or not at all. `progress` hears of every finished world-step.
pub fn run_to_folder(scenario: &Scenario, options: &RunOptions, progress: &(dyn Fn(u64) + Sync)) -> Result<RunReport> {
    let started = Instant::now();
    let threads = thread_count(scenario, options);
    let dir = OutputDir::create(&scenario.output_dir)?;
    let mut info = RunInfo::start(scenario, threads, options.command_line.clone());
    info.write(dir.path())?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Run(format!("cannot start {threads} threads: {e}")))?;
    let observer = RunObserver { snapshots: SnapshotWriter::new(dir.path(), scenario), progress };
    let sim_start = Instant::now();
    let out = pool.install(|| engine::run(scenario, &observer))?;
    let simulate_seconds = sim_start.elapsed().as_secs_f64();
    observer.snapshots.finish()?;
    output::write_tables(dir.path(), scenario, &out)?;
    let wanted = &scenario.file.output;
    output::write_figures(dir.path(), &wanted.plots.0, wanted.report)?;
    info.wall_seconds = started.elapsed().as_secs_f64();
    info.agent_steps = out.agent_steps;
    info.agent_steps_per_second = out.agent_steps as f64 / simulate_seconds.max(1e-9);
    info.complete = true;
    info.write(dir.path())?;
    let dir = dir.commit()?;
    Ok(RunReport { dir, agent_steps: out.agent_steps, simulate_seconds, threads })
}
