//! What a run or a sweep will cost, before it starts (`--dry-run`): runs, agent-steps, peak
//! memory, output size, and a wall time measured on short calibration runs.
//!
//! The calibration runs the heaviest point (most agents times worlds, then steps) the way the
//! real work runs it: as many replicates side by side as there will be workers, for a few
//! steps, quadrupling the steps until a run takes a quarter of a second or reaches the real
//! length. The last two lengths give the cost of setting a world up and of one step. A world
//! of more than [`SAMPLE_MAX`] agents is not built at all: the calibration runs two samples of
//! [`SAMPLE_MIN`] and [`SAMPLE_MAX`] agents (both large worlds, run as the real one will be:
//! one at a time, phases in parallel), fits the growth law `cost ~ agents^b` to each of the two
//! costs, and extrapolates; so a dry run answers in seconds at any size (a 2x10^7-agent
//! complete network took 130 s when it was calibrated on itself). Other points scale with
//! their agents (by the same law), worlds and steps. Memory is the growth of the process's
//! peak resident set during the calibration (Linux; elsewhere 300 bytes per agent), scaled
//! linearly in agents, plus each run's records. Nothing is written.

use super::store;
use super::Sweep;
use crate::engine::{self, RunOutput};
use crate::error::{Error, Result};
use crate::plan::Plan;
use crate::scenario::{Overrides, PlotFormat};
use std::time::Instant;

/// Agents above which the calibration runs samples instead of the world itself.
pub const SAMPLE_MAX: u64 = 262_144;
/// The smaller sample: the smallest world run as a large one ([`engine::LARGE_WORLD`]).
pub const SAMPLE_MIN: u64 = engine::LARGE_WORLD as u64;

/// The measured calibration run.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// Agents of the calibration run the costs below were measured on (the larger sample, or
    /// the calibrated point itself).
    pub agents: u64,
    /// The agents of the point the calibration stands for.
    pub target_agents: u64,
    /// When the point was too big to build: the smaller sample's agents and the exponents of
    /// the growth laws fitted between the two samples, for a step and for setting up.
    pub growth: Option<Growth>,
    /// Its worlds per replicate.
    pub worlds: u64,
    /// Steps of the last calibration run.
    pub steps: u64,
    /// Replicates run side by side.
    pub parallel: u64,
    /// Seconds the calibration took in all.
    pub seconds: f64,
    /// Seconds to set up the side-by-side worlds.
    pub setup_seconds: f64,
    /// Seconds per step of the side-by-side worlds.
    pub step_seconds: f64,
}

/// The growth laws `cost ~ agents^b` measured between two samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Growth {
    /// Agents of the smaller sample.
    pub small_agents: u64,
    /// Exponent of the cost of a step.
    pub step: f64,
    /// Exponent of the cost of setting up.
    pub setup: f64,
}

/// What a run or sweep will cost.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// Distinct points (1 for a run).
    pub points: usize,
    /// Design positions (1 for a run).
    pub positions: usize,
    /// Runs (one replicate of one point, all its regime entries): points times replicates.
    pub runs: u64,
    /// Of those, runs whose results are already stored.
    pub runs_done: u64,
    /// Runs to do.
    pub runs_to_do: u64,
    /// Agent-steps to simulate.
    pub agent_steps: u64,
    /// Runs side by side.
    pub workers: usize,
    /// Threads.
    pub threads: usize,
    /// Expected peak resident memory, in bytes.
    pub peak_memory: u64,
    /// Expected bytes written, in all.
    pub output_bytes: u64,
    /// The files behind `output_bytes`: name and bytes.
    pub output_parts: Vec<(String, u64)>,
    /// Expected wall time in seconds.
    pub seconds: f64,
    /// The calibration behind it.
    pub calibration: Calibration,
}

/// Peak and current resident memory in bytes, from `/proc/self/status`.
fn memory() -> Option<(u64, u64)> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = text.lines().find(|l| l.starts_with(name))?;
        line.split_whitespace().nth(1)?.parse::<u64>().ok().map(|kb| kb * 1024)
    };
    Some((field("VmHWM:")?, field("VmRSS:")?))
}

/// The setup and step costs of `plan` cut to a few steps, `parallel` replicates side by side,
/// on `pool`: (steps of the last run, setup seconds, seconds per step, the last output).
fn measure(pool: &rayon::ThreadPool, plan: &Plan, parallel: u64) -> Result<(u64, f64, f64, RunOutput)> {
    let full = plan.run.steps.max(1);
    let mut p = plan.clone();
    p.run.replicates = parallel.max(1);
    p.run.warmup = 0;
    p.output.snapshots = Some(Vec::new());
    let mut steps = full.min(2);
    let mut measured: Vec<(u64, f64)> = Vec::new();
    let out = loop {
        p.run.steps = steps;
        let t = Instant::now();
        let out = pool.install(|| engine::run(&p, &engine::Quiet))?;
        let secs = t.elapsed().as_secs_f64();
        measured.push((steps, secs));
        if secs >= 0.25 || steps >= full {
            break out;
        }
        steps = (steps * 4).min(full);
    };
    let (s, t) = measured[measured.len() - 1];
    let (step_seconds, setup_seconds) = match measured.len() {
        1 => (t / s as f64, 0.0),
        n => {
            let (s0, t0) = measured[n - 2];
            let per = ((t - t0) / (s - s0) as f64).max(t / s as f64 * 0.25);
            (per, (t - s as f64 * per).max(0.0))
        }
    };
    Ok((s, setup_seconds, step_seconds, out))
}

/// `plan` with `agents` agents, planned again from its resolved scenario, so that the sample
/// meets the same validator as the real run.
fn sample(plan: &Plan, agents: u64) -> Result<Plan> {
    let overrides = Overrides { agents: Some(agents), out: Some(plan.output_dir.clone()), ..Default::default() };
    Ok(crate::plan::parse(&plan.resolved_toml, None, &overrides)?)
}

/// The exponent `b` of `cost ~ agents^b` between two measurements, bounded to [1, 2]: every
/// agent is visited each step, and a complete network's pairs are the most a step can touch.
/// Costs too small to time (under a millisecond) grow linearly.
fn exponent(small: f64, large: f64, ratio: f64) -> f64 {
    if small < 1e-3 || large <= 0.0 {
        return 1.0;
    }
    ((large / small).ln() / ratio.ln()).clamp(1.0, 2.0)
}

/// Runs `plan` cut to a few steps with `parallel` replicates on `threads` threads (or, for a
/// world above [`SAMPLE_MAX`] agents, two samples of it), and fits setup and step costs.
/// Returns the calibration, the bytes of memory one replicate needed, and the last
/// calibration output.
fn calibrate(plan: &Plan, parallel: u64, threads: usize) -> Result<(Calibration, f64, RunOutput)> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Run(format!("cannot start {threads} threads: {e}")))?;
    let before = memory();
    let started = Instant::now();
    let agents = plan.run.agents;
    let (cal_agents, steps, setup_seconds, step_seconds, growth, out) = if agents <= SAMPLE_MAX {
        let (steps, setup, step, out) = measure(&pool, plan, parallel)?;
        (agents, steps, setup, step, None, out)
    } else {
        let (small, large) = (sample(plan, SAMPLE_MIN)?, sample(plan, SAMPLE_MAX)?);
        let (_, setup0, step0, _) = measure(&pool, &small, parallel)?;
        let (steps, setup1, step1, out) = measure(&pool, &large, parallel)?;
        let ratio = SAMPLE_MAX as f64 / SAMPLE_MIN as f64;
        let growth = Growth {
            small_agents: SAMPLE_MIN,
            step: exponent(step0, step1, ratio),
            setup: exponent(setup0, setup1, ratio),
        };
        (SAMPLE_MAX, steps, setup1, step1, Some(growth), out)
    };
    let worlds = plan.worlds();
    let floor = 300.0 * (cal_agents * worlds) as f64;
    let parallel = parallel.max(1);
    let per_replicate = match (before, memory()) {
        (Some((hwm0, _)), Some((hwm1, _))) if hwm1 > hwm0 => ((hwm1 - hwm0) as f64 / parallel as f64).max(floor * 0.5),
        _ => floor,
    };
    // Memory grows linearly with the agents (a complete network stores no links).
    let per_replicate = per_replicate * agents as f64 / cal_agents as f64;
    let cal = Calibration {
        agents: cal_agents,
        target_agents: agents,
        growth,
        worlds,
        steps,
        parallel,
        seconds: started.elapsed().as_secs_f64(),
        setup_seconds,
        step_seconds,
    };
    Ok((cal, per_replicate, out))
}

/// Seconds of one run of a plan of `agents`, `worlds`, `steps`, from a calibration of
/// `parallel` runs side by side (so `parallel` runs take this long together).
fn run_seconds(cal: &Calibration, agents: u64, worlds: u64, steps: u64) -> f64 {
    let per_agent = agents as f64 / cal.agents.max(1) as f64;
    let (b_setup, b_step) = cal.growth.map_or((1.0, 1.0), |g| (g.setup, g.step));
    let scale = worlds as f64 / cal.worlds.max(1) as f64;
    (cal.setup_seconds * per_agent.powf(b_setup) + steps as f64 * cal.step_seconds * per_agent.powf(b_step)) * scale
}

/// Bytes of one `timeseries.csv` row, measured on the calibration output.
fn timeseries_row_bytes(out: &RunOutput) -> f64 {
    let rows: usize = out.series.iter().map(|s| s.rows.len() / out.layout.width().max(1)).sum();
    crate::output::tables::timeseries_csv(out).map(|b| b.len() as f64 / rows.max(1) as f64).unwrap_or(200.0)
}

/// Bytes of the files of one run folder of `plan`.
fn run_folder_bytes(plan: &Plan, row_bytes: f64) -> u64 {
    let worlds = plan.worlds();
    let series = worlds * plan.run.replicates * (plan.run.steps + 1);
    let snapshots = crate::output::snapshot_bytes(plan);
    let figures = plan.output.plots.0.len() as u64 * 12 * 60_000 + if plan.output.report { 900_000 } else { 0 };
    (series as f64 * row_bytes) as u64 + snapshots + figures + 20_000
}

/// The estimate for `agora run --dry-run`: the plan's replicates on `threads` threads.
pub fn run(plan: &Plan, threads: usize) -> Result<Estimate> {
    let large = plan.run.agents as usize >= engine::LARGE_WORLD;
    let parallel = if large { 1 } else { (threads as u64).min(plan.run.replicates).max(1) };
    let (cal, per_replicate, out) = calibrate(plan, parallel, threads)?;
    let reps = plan.run.replicates;
    let waves = reps as f64 / parallel as f64;
    let seconds = waves * run_seconds(&cal, plan.run.agents, plan.worlds(), plan.run.steps);
    let series_bytes = (plan.worlds() * (plan.run.steps + 1) * plan.layout.width() as u64 * 8) as f64;
    let rss = memory().map_or(20_000_000, |m| m.1);
    // Every replicate's records stay in memory until the files are written.
    let peak = rss as f64 + parallel as f64 * per_replicate + reps as f64 * series_bytes;
    let folder = run_folder_bytes(plan, timeseries_row_bytes(&out));
    Ok(Estimate {
        points: 1,
        positions: 1,
        runs: reps,
        runs_done: 0,
        runs_to_do: reps,
        agent_steps: plan.worlds() * reps * plan.run.steps * plan.run.agents,
        workers: parallel as usize,
        threads,
        peak_memory: peak as u64,
        output_bytes: folder,
        output_parts: vec![("run folder".into(), folder)],
        seconds,
        calibration: cal,
    })
}

/// The estimate for `agora sweep --dry-run` (of shard `shard` if given): the runs not yet in
/// the sweep folder's journals, on `threads` threads.
pub fn sweep(sweep: &Sweep, threads: usize, shard: Option<(u64, u64)>) -> Result<Estimate> {
    let (records, _) = if sweep.out.is_dir() { store::read_records(&sweep.out)? } else { (Vec::new(), Vec::new()) };
    let results = super::results::Results::new(&sweep.info, &sweep.rows, records);
    let mine: Vec<usize> = match shard {
        Some((k, n)) => sweep.shard(k, n),
        None => (0..sweep.points.len()).collect(),
    };
    let reps = sweep.base.run.replicates;
    let todo: Vec<(usize, u64)> = mine
        .iter()
        .map(|&p| {
            let ok =
                results.records(&sweep.points[p].id).iter().filter(|r| r.as_ref().is_some_and(|r| r.ok)).count() as u64;
            (p, if sweep.config.keep_runs && ok < reps { reps } else { reps - ok })
        })
        .collect();
    let runs_to_do: u64 = todo.iter().map(|t| t.1).sum();
    let workers = super::execute::workers(sweep, threads);
    // Calibrate on the heaviest point still to run (or the heaviest of all).
    let weight = |p: &Plan| (p.run.agents * p.worlds(), p.run.steps);
    let heaviest = todo
        .iter()
        .filter(|t| t.1 > 0)
        .map(|t| t.0)
        .chain(mine.iter().copied())
        .max_by_key(|&p| weight(&sweep.points[p].plan))
        .unwrap_or(0);
    let cal_plan = sweep.points.get(heaviest).map(|p| &p.plan).unwrap_or(&sweep.base);
    let parallel = (workers as u64).min(runs_to_do.max(1));
    let (cal, per_replicate, out) = calibrate(cal_plan, parallel, threads)?;
    let mut seconds = 0.0;
    let mut agent_steps = 0;
    for &(p, n) in &todo {
        let plan = &sweep.points[p].plan;
        seconds += n as f64 * run_seconds(&cal, plan.run.agents, plan.worlds(), plan.run.steps) / parallel as f64;
        agent_steps += n * plan.worlds() * plan.run.steps * plan.run.agents;
    }
    // Memory: the side-by-side runs of the heaviest point, on top of what the planned points
    // already take.
    let series = (cal_plan.worlds() * (cal_plan.run.steps + 1) * cal_plan.layout.width() as u64 * 8) as f64;
    let rss = memory().map_or(20_000_000, |m| m.1);
    let peak = rss as f64 + workers as f64 * (per_replicate + series);
    // Output: the journal, the tables, the charts and page, the run folders.
    let record = super::task::record_of(&sweep.points[heaviest.min(sweep.points.len() - 1)], 0, &out.series, 1.0, "s");
    let record_bytes = serde_json::to_vec(&record).map(|v| v.len() as u64 + 1).unwrap_or(2000);
    let info = &sweep.info;
    let params = info.parameters.len() as u64;
    let rows = mine.len() as u64 * info.entries.len() as u64 * info.metrics.len() as u64;
    let mut parts: Vec<(String, u64)> = vec![
        ("results/ (journal)".into(), runs_to_do * record_bytes),
        ("sweep.csv".into(), rows * (190 + 8 * params)),
        ("points.csv".into(), info.positions as u64 * (110 + 12 * params)),
    ];
    if sweep.config.design.continuous() {
        let targets = (2 * info.entries.len()).saturating_sub(1) as u64;
        parts.push(("sensitivity.csv".into(), targets * info.metrics.len() as u64 * params * 3 * 90));
    }
    // Charts: measured at 15-20 kB per SVG and 45-60 kB per PNG; the page holds them as SVG
    // and a table cell of about 160 bytes per shown point, entry and metric.
    let numeric = params.max(1);
    let charts = info.metrics.len() as u64 * (numeric + u64::from(params == 2));
    let per_chart = info.plots.iter().map(|f| if *f == PlotFormat::Png { 55_000 } else { 18_000 }).sum::<u64>();
    parts.push(("plots/".into(), charts * per_chart));
    if info.report {
        let cells = (mine.len().min(200) * info.entries.len() * info.metrics.len()) as u64;
        parts.push(("sweep.html".into(), charts * 18_000 + cells * 160 + 30_000));
    }
    if sweep.config.keep_runs {
        let row_bytes = timeseries_row_bytes(&out);
        let runs: u64 =
            todo.iter().filter(|t| t.1 > 0).map(|t| run_folder_bytes(&sweep.points[t.0].plan, row_bytes)).sum();
        parts.push(("runs/".into(), runs));
    }
    // Charts: about 0.05 s per SVG and 0.2 s per PNG chart, one after another.
    let figures: f64 =
        info.plots.iter().map(|f| if *f == PlotFormat::Png { 0.2 } else { 0.05 }).sum::<f64>() * charts as f64;
    Ok(Estimate {
        points: mine.len(),
        positions: info.positions,
        runs: mine.len() as u64 * reps,
        runs_done: mine.len() as u64 * reps - runs_to_do.min(mine.len() as u64 * reps),
        runs_to_do,
        agent_steps,
        workers,
        threads,
        peak_memory: peak as u64,
        output_bytes: parts.iter().map(|p| p.1).sum(),
        output_parts: parts,
        seconds: seconds + figures,
        calibration: cal,
    })
}
