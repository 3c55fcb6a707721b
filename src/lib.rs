//! agora: agent-based simulation of the ways to allocate goods (gift, market, mutual credit,
//! commons and barter, with autarky as the floor: one line each in [`regimes::REGIMES`]) on
//! one population, with the data, plots and report to compare them.
//!
//! Data flows one way: [`scenario`] (text to a checked file) -> [`plan`] (regime entries
//! resolved against the [`regimes`] registry) -> [`world`] (agents as columns) -> [`engine`]
//! (the step loop; [`regimes`] for phase 2, [`policy`] for phase 6, [`adapt`] for phase 7) ->
//! [`metrics`] -> [`output`] (tables, then plots and report from the files). The binary's
//! `cli` calls [`run_to_folder`], or [`serve`] for the classroom page, which steps the same
//! engine live; nothing in the library knows about the terminal.

#![warn(missing_docs)]

pub mod adapt;
pub mod bench;
pub mod catalog;
pub mod check;
pub mod choice;
pub mod disjoint;
pub mod engine;
pub mod error;
pub mod library;
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
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// How to carry out a run, beyond the scenario itself.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Worker threads; `None` takes the scenario's `run.threads` (0 = every core).
    pub threads: Option<usize>,
    /// The command line, recorded in `run.json`.
    pub command_line: Vec<String>,
    /// The most memory the run may need (`--max-memory`); `None` takes the memory available
    /// (`MemAvailable` of `/proc/meminfo`). Either way the hard limits of the process (cgroup,
    /// Slurm's `--mem`, rlimits) still hold. A run estimated above the tightest is refused
    /// before it starts.
    pub max_memory: Option<u64>,
    /// The most disk the agents' snapshots may take (`--max-disk`); `None` takes the space
    /// left where the output goes. A run estimated above it is refused before it starts.
    pub max_disk: Option<u64>,
    /// Set by a signal handler to the signal's number to stop the run at the next step
    /// boundary; the replicates complete by then are written, marked incomplete.
    pub stop: Option<Arc<AtomicUsize>>,
}

impl RunOptions {
    /// The number of the signal that asked the run to stop, if one did.
    pub fn stop_signal(&self) -> Option<i32> {
        self.stop.as_ref().map(|s| s.load(Ordering::Relaxed) as i32).filter(|&s| s != 0)
    }
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
    options: &'b RunOptions,
}

impl Observer for RunObserver<'_, '_> {
    fn progress(&self, steps: u64) {
        (self.progress)(steps);
    }
    fn snapshot(&self, s: &Snapshot) -> Result<()> {
        self.snapshots.snapshot(s)
    }
    fn stopped(&self) -> bool {
        self.options.stop_signal().is_some()
    }
}

/// Refuses a run whose memory estimate passes the tightest limit on the process: its cgroup,
/// a Slurm job's `--mem`, `RLIMIT_AS`, `RLIMIT_DATA`, and `--max-memory` or else the memory
/// available ([`engine::limits`]).
pub fn guard_memory(scenario: &Plan, options: &RunOptions) -> Result<()> {
    let threads = thread_count(scenario, options);
    let Some(bound) = engine::memory::limit(options.max_memory) else { return Ok(()) };
    engine::memory::check(scenario, threads, &bound)?;
    Ok(())
}

/// Refuses a run that would need more memory ([`guard_memory`]) or, for its agents'
/// snapshots, more disk than it may have, before anything is allocated or written.
pub fn guard_resources(scenario: &Plan, options: &RunOptions) -> Result<()> {
    guard_memory(scenario, options)?;
    output::guard_disk(
        &scenario.output_dir,
        output::snapshot_bytes(scenario),
        options.max_disk,
        scenario.path.as_deref(),
    )
}

fn interrupted(options: &RunOptions, message: String) -> Error {
    Error::Interrupted { signal: options.stop_signal().unwrap_or(2), message }
}

/// Runs a scenario and writes every output file into its folder, atomically: the folder
/// appears complete or not at all. `progress` hears of every finished world-step.
///
/// Stopped by [`RunOptions::stop`], it writes the replicates complete by then, marked
/// `"complete": false` in `run.json` (beside a complete earlier result, as
/// `<name>.interrupted`, rather than over it), and returns [`Error::Interrupted`].
pub fn run_to_folder(scenario: &Plan, options: &RunOptions, progress: &(dyn Fn(u64) + Sync)) -> Result<RunReport> {
    guard_resources(scenario, options)?;
    let dir = OutputDir::create(&scenario.output_dir)?;
    let (mut report, out) = run_into(dir.path(), scenario, options, progress)?;
    if !out.complete(scenario) {
        let done = out.replicates_done.len();
        if done == 0 {
            return Err(interrupted(options, "stopped before any replicate was complete; nothing was written".into()));
        }
        let kept = dir.commit_interrupted()?;
        return Err(interrupted(
            options,
            format!(
                "stopped at a step boundary; wrote the {done} complete replicate{} of {} to {} (\"complete\": false in run.json)",
                if done == 1 { "" } else { "s" },
                scenario.run.replicates,
                kept.display()
            ),
        ));
    }
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
    let observer = RunObserver { snapshots: SnapshotWriter::new(dir, scenario), progress, options };
    let sim_start = Instant::now();
    let out = pool.install(|| engine::run(scenario, &observer))?;
    let simulate_seconds = sim_start.elapsed().as_secs_f64();
    let complete = out.complete(scenario);
    observer.snapshots.finish(&out.replicates_done)?;
    if !out.replicates_done.is_empty() {
        output::write_tables(dir, scenario, &out)?;
    }
    // An interrupted run is written quickly; `agora plot` draws its charts later.
    if complete {
        let wanted = &scenario.output;
        output::write_figures(dir, &wanted.plots.0, wanted.report)?;
    }
    info.wall_seconds = started.elapsed().as_secs_f64();
    info.agent_steps = out.agent_steps;
    info.agent_steps_per_second = out.agent_steps as f64 / simulate_seconds.max(1e-9);
    info.complete = complete;
    info.replicates_complete = out.replicates_done.len() as u64;
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
    guard_memory(a, options)?;
    guard_memory(b, options)?;
    let snapshots = output::snapshot_bytes(a).saturating_add(output::snapshot_bytes(b));
    output::guard_disk(out, snapshots, options.max_disk, a.path.as_deref())?;
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
        if !run.complete(sc) {
            return Err(interrupted(
                options,
                "stopped; a paired comparison needs both runs whole, so nothing was written".into(),
            ));
        }
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
