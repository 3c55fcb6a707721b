//! agora: agent-based simulation of four ways to allocate goods (gift, market, mutual credit,
//! commons) on one population, with the data, plots and report to compare them.
//!
//! Data flows one way: [`scenario`] (text to a checked file) -> [`plan`] (regime entries
//! resolved against the [`regimes`] registry) -> [`world`] (agents as columns) -> [`engine`]
//! (the step loop; [`regimes`] for phase 2, [`policy`] for phase 6, [`adapt`] for phase 7) ->
//! [`metrics`] -> [`output`] (tables, then plots and report from the files). The binary's
//! `cli` calls [`run_to_folder`], or [`serve`] for the classroom page, which steps the same
//! engine live; nothing in the library knows about the terminal.

#![warn(missing_docs)]

pub mod adapt;
pub mod check;
pub mod engine;
pub mod error;
pub mod metrics;
pub mod money;
pub mod output;
pub mod plan;
pub mod policy;
pub mod reduce;
pub mod regimes;
pub mod rng;
pub mod scenario;
pub mod serve;
pub mod sweep;
pub mod world;

use engine::{Observer, Snapshot};
use error::{Error, Result};
use output::{OutputDir, RunInfo, SnapshotWriter};
use plan::Plan;
use std::path::{Path, PathBuf};
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
pub fn thread_count(scenario: &Plan, options: &RunOptions) -> usize {
    match options.threads.unwrap_or(scenario.run.threads as usize) {
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
pub fn run_to_folder(scenario: &Plan, options: &RunOptions, progress: &(dyn Fn(u64) + Sync)) -> Result<RunReport> {
    let dir = OutputDir::create(&scenario.output_dir)?;
    let (mut report, _) = run_into(dir.path(), scenario, options, progress)?;
    report.dir = dir.commit()?;
    Ok(report)
}

/// Runs a scenario and writes its files into `dir`, which exists and is being written (the
/// caller renames it into place). Returns the report and the run's records.
pub fn run_into(
    dir: &Path,
    scenario: &Plan,
    options: &RunOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(RunReport, engine::RunOutput)> {
    let started = Instant::now();
    let threads = thread_count(scenario, options);
    let mut info = RunInfo::start(scenario, threads, options.command_line.clone());
    info.write(dir)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Run(format!("cannot start {threads} threads: {e}")))?;
    let observer = RunObserver { snapshots: SnapshotWriter::new(dir, scenario), progress };
    let sim_start = Instant::now();
    let out = pool.install(|| engine::run(scenario, &observer))?;
    let simulate_seconds = sim_start.elapsed().as_secs_f64();
    observer.snapshots.finish()?;
    output::write_tables(dir, scenario, &out)?;
    let wanted = &scenario.output;
    output::write_figures(dir, &wanted.plots.0, wanted.report)?;
    info.wall_seconds = started.elapsed().as_secs_f64();
    info.agent_steps = out.agent_steps;
    info.agent_steps_per_second = out.agent_steps as f64 / simulate_seconds.max(1e-9);
    info.complete = true;
    info.write(dir)?;
    let report = RunReport { dir: dir.to_path_buf(), agent_steps: out.agent_steps, simulate_seconds, threads };
    Ok((report, out))
}

/// Runs two variants of a scenario (say, without and with a basic income) and writes both
/// runs, each in its own sub-folder, and `comparison.csv` with the paired difference (second
/// minus first) of every regime present in both, replicate by replicate, into `out`.
/// The scenarios must share seed and replicates, so that replicate `r` of both starts from
/// the same population and random numbers.
pub fn compare_to_folder(
    a: &Plan,
    b: &Plan,
    out: &Path,
    options: &RunOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(PathBuf, Vec<RunReport>)> {
    let (fa, fb) = (&a.run, &b.run);
    if fa.seed != fb.seed || fa.replicates != fb.replicates || fa.warmup != fb.warmup {
        return Err(error::InputError::new(format!(
            "`{}` and `{}` differ in seed, replicates or warm-up ({}/{}/{} against {}/{}/{})",
            a.name, b.name, fa.seed, fa.replicates, fa.warmup, fb.seed, fb.replicates, fb.warmup
        ))
        .help("a paired comparison needs the same seed, replicates and warm-up in both (or override them with --seed and --replicates)")
        .into());
    }
    if !a.entries.iter().any(|e| b.entry(&e.label).is_some()) {
        return Err(
            error::InputError::new(format!("`{}` and `{}` have no regime entry in common", a.name, b.name)).into()
        );
    }
    let dir = OutputDir::create(out)?;
    let (name_a, name_b) = if a.name == b.name {
        (format!("a_{}", a.name), format!("b_{}", b.name))
    } else {
        (a.name.clone(), b.name.clone())
    };
    let mut reports = Vec::new();
    let mut outs = Vec::new();
    for (sc, name) in [(a, &name_a), (b, &name_b)] {
        let sub = dir.path().join(name);
        std::fs::create_dir_all(&sub).map_err(|e| Error::io(format!("creating `{}`", sub.display()), e))?;
        let (report, run) = run_into(&sub, sc, options, progress)?;
        reports.push(report);
        outs.push(run);
    }
    let csv = output::tables::scenario_comparison_csv(a, &outs[0], b, &outs[1])?;
    output::write_atomic(&dir.path().join("comparison.csv"), &csv)?;
    let target = dir.commit()?;
    for (r, name) in reports.iter_mut().zip([&name_a, &name_b]) {
        r.dir = target.join(name);
    }
    Ok((target, reports))
}
