//! Running a sweep: the (point, replicate) runs that have no result yet, in design order, on a
//! pool of workers, each result appended to the journal as it ends.
//!
//! Workers take the next run from one queue in design order (not rayon's halving splits), so
//! points finish roughly in order, a partial `sweep.partial.csv` can grow as a prefix, and the
//! stop rule rarely runs a point it will leave out. Each run is carried out by
//! [`super::task`]. Which runs were done, skipped or reused never reaches the tables:
//! [`super::finish`] makes them from the journals.

use super::results::Results;
use super::store::{self, Journal};
use super::task::{execute, run_folder_complete, Task};
use super::{finish, Finished, Sweep};
use crate::engine;
use crate::error::{Error, InputError, Result};
use crate::output::{GIT_COMMIT, VERSION};
use crate::RunOptions;
use serde::Serialize;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// How to carry out a sweep, beyond the file.
#[derive(Debug, Clone, Default)]
pub struct SweepOptions {
    /// Worker threads (`None`: the scenario's `run.threads`; 0 = every core).
    pub threads: Option<usize>,
    /// Run only shard `k` of `n`: the points whose id is `k` modulo `n`.
    pub shard: Option<(u64, u64)>,
    /// Start no new run after this many seconds (overrides `[sweep] stop_after`).
    pub stop_after: Option<f64>,
    /// The command line, for `sweep.json`.
    pub command_line: Vec<String>,
    /// The most memory the sweep may need (`--max-memory`); `None` takes the memory
    /// available. A sweep whose heaviest point, times the runs side by side, is estimated
    /// above it is refused before anything is written.
    pub max_memory: Option<u64>,
    /// The most disk the kept run folders' agents' snapshots may take (`--max-disk`); `None`
    /// takes the space left where the sweep's folder goes.
    pub max_disk: Option<u64>,
    /// Set by a signal handler to the signal's number: no new run starts, runs in flight stop
    /// at their next step boundary and are left out (the next session does them again), the
    /// finished runs stay in the journal, and the sweep returns [`Error::Interrupted`].
    pub stop: Option<Arc<AtomicUsize>>,
}

impl SweepOptions {
    /// The number of the signal that asked the sweep to stop, if one did.
    pub(super) fn stop_signal(&self) -> Option<i32> {
        self.stop.as_ref().map(|s| s.load(Ordering::Relaxed) as i32).filter(|&s| s != 0)
    }
}

/// Refuses a sweep on `threads` threads that would need more memory or disk than it may have:
/// memory (`guard_memory`) and the kept run folders' agents' snapshots.
pub fn guard_resources(sweep: &Sweep, options: &SweepOptions, threads: usize) -> Result<()> {
    guard_memory(sweep, options, workers(sweep, threads))?;
    if sweep.config.keep_runs {
        let snapshots = sweep.points.iter().fold(0u64, |a, p| a.saturating_add(crate::output::snapshot_bytes(&p.plan)));
        crate::output::guard_disk(&sweep.out, snapshots, options.max_disk, Some(&sweep.path))?;
    }
    Ok(())
}

/// Refuses a sweep whose heaviest point, times the runs side by side, needs more memory than
/// `--max-memory` or the memory available, naming the key that makes it heavy.
fn guard_memory(sweep: &Sweep, options: &SweepOptions, workers: usize) -> Result<()> {
    let Some(bound) = engine::memory::limit(options.max_memory) else { return Ok(()) };
    // One run holds one replicate (all of a point's replicates when their folders are kept).
    let heaviest = sweep
        .points
        .iter()
        .map(|p| {
            let mut plan = p.plan.clone();
            if !sweep.config.keep_runs {
                plan.run.replicates = 1;
            }
            (engine::memory::estimate(&plan, 1), p)
        })
        .max_by_key(|(e, _)| e.total);
    let Some((e, point)) = heaviest else { return Ok(()) };
    let total = e.total.saturating_mul(workers as u64);
    if total <= bound.bytes {
        return Ok(());
    }
    let bytes = engine::memory::bytes;
    Err(InputError::at(
        e.key(),
        format!(
            "the sweep needs about {} of memory ({} runs side by side of point {}, {} each), more than {}",
            bytes(total),
            workers,
            point.id,
            bytes(e.total),
            bound.describe()
        ),
    )
    .in_file(&sweep.path)
    .help(engine::memory::with_note("fewer agents, steps or network degree at that point, or fewer threads (--threads), which run fewer points at once", &bound))
    .into())
}

/// Where a sweep stands, for a progress bar.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SweepProgress {
    /// Points this process is responsible for (its shard's, or all).
    pub points: usize,
    /// Of those, the points with every replicate done, or left out by the stop rule.
    pub points_done: usize,
    /// Runs this session set out to do.
    pub runs: u64,
    /// Runs done this session.
    pub runs_done: u64,
    /// Seconds since the session started.
    pub elapsed: f64,
}

/// What a sweep did.
#[derive(Debug, Clone)]
pub struct SweepReport {
    /// The sweep folder.
    pub dir: PathBuf,
    /// The shard run, if any.
    pub shard: Option<(u64, u64)>,
    /// Points this process was responsible for.
    pub points: usize,
    /// Their runs (points times replicates).
    pub runs: u64,
    /// Runs whose results were already there.
    pub reused: u64,
    /// Runs done this session.
    pub ran: u64,
    /// Of those, runs that failed (recorded, not fatal).
    pub failed: u64,
    /// Runs not done because the stop rule left their point out.
    pub skipped: u64,
    /// Points that became complete this session.
    pub points_finished: usize,
    /// Whether every point of this process is complete or left out.
    pub complete: bool,
    /// Whether the time budget ended the session early.
    pub budget_stop: bool,
    /// Repairs and skipped journal lines.
    pub notes: Vec<String>,
    /// Seconds from start to end.
    pub wall_seconds: f64,
    /// Agent-steps simulated this session.
    pub agent_steps: u64,
    /// Worker threads.
    pub threads: usize,
    /// What the final step wrote (unsharded, complete sweeps).
    pub finished: Option<Finished>,
}

/// Writes the files that define the sweep: `design.json`, `points.csv`,
/// `sweep.resolved.toml` and a table design's `table.csv`.
pub(crate) fn write_design(sweep: &Sweep) -> Result<()> {
    store::prepare_folder(&sweep.out)?;
    store::write_file(&sweep.out.join("design.json"), sweep.info.to_json()?.as_bytes())?;
    store::write_file(&sweep.out.join("points.csv"), &super::results::points_csv(&sweep.info, &sweep.rows)?)?;
    store::write_file(&sweep.out.join("sweep.resolved.toml"), sweep.resolved_toml.as_bytes())?;
    if let Some(t) = &sweep.table_text {
        store::write_file(&sweep.out.join("table.csv"), t)?;
    }
    Ok(())
}

/// `sweep.json` (or a shard's `results/shard-K-of-N.json`): how the last session went. It
/// holds times and the thread count, so unlike every other file it differs between runs.
#[derive(Serialize)]
struct Status<'a> {
    engine: &'static str,
    version: &'static str,
    git_commit: &'static str,
    scenario: &'a str,
    scenario_file: String,
    command_line: &'a [String],
    threads: usize,
    platform: String,
    shard: Option<String>,
    complete: bool,
    stopped_by_time_budget: bool,
    points: usize,
    points_done: usize,
    points_finished_this_session: usize,
    runs: u64,
    runs_reused: u64,
    runs_this_session: u64,
    runs_failed_this_session: u64,
    runs_skipped_by_stop_rule: u64,
    wall_seconds: f64,
    agent_steps: u64,
    points_per_minute: f64,
    notes: &'a [String],
}

struct State<'a> {
    results: Results<'a>,
    cut: Vec<bool>,
    complete: Vec<bool>,
    points_done: usize,
    points_finished: usize,
    runs_done: u64,
    failed: u64,
    skipped: u64,
    agent_steps: u64,
    last_write: Instant,
    written_prefix: usize,
    error: Option<Error>,
}

/// How many runs go side by side: one per thread, unless a point's world is large enough
/// ([`engine::LARGE_WORLD`]) to use every thread itself (which also bounds memory).
pub(crate) fn workers(sweep: &Sweep, threads: usize) -> usize {
    if sweep.points.iter().any(|p| p.plan.run.agents as usize >= engine::LARGE_WORLD) {
        1
    } else {
        threads.max(1)
    }
}

/// Runs the sweep's missing runs (of shard `options.shard` only, if given) into its folder,
/// then, for a whole sweep whose every point is done, writes its tables, charts and page
/// ([`finish`]). `progress` hears of every run that ends.
pub fn run(sweep: &Sweep, options: &SweepOptions, progress: &(dyn Fn(&SweepProgress) + Sync)) -> Result<SweepReport> {
    let started = Instant::now();
    if let Some((k, n)) = options.shard {
        if n == 0 || k >= n {
            return Err(InputError::at(
                "--shard",
                format!("`{k}/{n}` is not a shard: give K/N with K from 0 to N - 1"),
            )
            .into());
        }
        if sweep.config.design.stop().is_some() {
            return Err(InputError::at("--shard", "a sweep with a stop rule cannot be split into shards")
                .help("the stop rule needs every point's result in one place; run it without --shard, or remove `stop`")
                .into());
        }
    }
    let threads = crate::thread_count(&sweep.base, &RunOptions { threads: options.threads, ..Default::default() });
    guard_resources(sweep, options, threads)?;
    write_design(sweep)?;
    let out = &sweep.out;
    let journal_name = match options.shard {
        Some((k, n)) => format!("shard-{k}-of-{n}"),
        None => "main".to_string(),
    };
    let (journal, repair) = Journal::open(out, &journal_name)?;
    let (records, skipped_lines) = store::read_records(out)?;
    let mut notes: Vec<String> = repair.into_iter().collect();
    notes.extend(skipped_lines);
    let results = Results::new(&sweep.info, &sweep.rows, records);
    let replicates = sweep.base.run.replicates;
    let mine: Vec<usize> = match options.shard {
        Some((k, n)) => sweep.shard(k, n),
        None => (0..sweep.points.len()).collect(),
    };
    let mut tasks: Vec<Task> = Vec::new();
    let mut reused = 0;
    for &p in &mine {
        let point = &sweep.points[p];
        let recs = results.records(&point.id);
        let ok = recs.iter().filter(|r| r.as_ref().is_some_and(|r| r.ok)).count() as u64;
        if sweep.config.keep_runs {
            if ok < replicates || !run_folder_complete(&out.join("runs").join(&point.id)) {
                tasks.push(Task::Point(p));
            } else {
                reused += replicates;
            }
        } else {
            reused += ok;
            for (rep, r) in recs.iter().enumerate() {
                if !r.as_ref().is_some_and(|r| r.ok) {
                    tasks.push(Task::Replicate(p, rep as u64));
                }
            }
        }
    }
    let (cut, _) = results.stopped();
    let lines = results.lines();
    let line_members: HashMap<String, Vec<usize>> =
        lines.iter().enumerate().fold(HashMap::new(), |mut m, (k, (l, _))| {
            m.entry(l.clone()).or_default().push(k);
            m
        });
    let complete: Vec<bool> = sweep.points.iter().map(|p| results.complete(&p.id)).collect();
    let points_done = mine.iter().filter(|&&p| complete[p] || cut[p]).count();
    let runs_todo: u64 = tasks.iter().filter(|t| !cut[t.point()]).map(|t| t.runs(replicates)).sum();
    let state = Mutex::new(State {
        results,
        cut,
        complete,
        points_done,
        points_finished: 0,
        runs_done: 0,
        failed: 0,
        skipped: 0,
        agent_steps: 0,
        last_write: Instant::now(),
        written_prefix: 0,
        error: None,
    });
    let host = store::hostname();
    let session = format!("{host}:{}:{}", std::process::id(), store::unix_now() as u64);
    let budget = options.stop_after.or(sweep.config.stop_after);
    let shard_label = options.shard.map(|(k, n)| format!("{k}/{n}"));
    let status_path = match options.shard {
        Some(_) => out.join(store::RESULTS).join(format!("{journal_name}.json")),
        None => out.join("sweep.json"),
    };
    let write_status = |st: &State, complete: bool, budget_stop: bool| -> Result<()> {
        let wall = started.elapsed().as_secs_f64();
        let status = Status {
            engine: "agora",
            version: VERSION,
            git_commit: GIT_COMMIT,
            scenario: &sweep.base.name,
            scenario_file: sweep.path.display().to_string(),
            command_line: &options.command_line,
            threads,
            platform: format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH),
            shard: shard_label.clone(),
            complete,
            stopped_by_time_budget: budget_stop,
            points: mine.len(),
            points_done: st.points_done,
            points_finished_this_session: st.points_finished,
            runs: mine.len() as u64 * replicates,
            runs_reused: reused,
            runs_this_session: st.runs_done,
            runs_failed_this_session: st.failed,
            runs_skipped_by_stop_rule: st.skipped,
            wall_seconds: wall,
            agent_steps: st.agent_steps,
            points_per_minute: st.points_finished as f64 / (wall / 60.0).max(1e-9),
            notes: &notes,
        };
        let json = serde_json::to_string_pretty(&status).map_err(|e| Error::Run(format!("sweep.json: {e}")))?;
        store::write_file(&status_path, format!("{json}\n").as_bytes())
    };
    if let Ok(st) = state.lock() {
        write_status(&st, false, false)?;
    }
    let partial = |st: &mut State, force: bool| -> Result<()> {
        if options.shard.is_some() {
            return Ok(());
        }
        // At most once a second while running (finding the prefix costs a pass over the
        // points); always at the end of an unfinished session, even with no point done.
        if !force && st.last_write.elapsed().as_secs_f64() < 1.0 {
            return Ok(());
        }
        let prefix = st.results.settled_prefix();
        if force || prefix > st.written_prefix {
            store::write_file(&out.join("sweep.partial.csv"), &st.results.sweep_csv(Some(prefix))?)?;
            st.written_prefix = prefix;
            st.last_write = Instant::now();
        }
        Ok(())
    };
    let next = AtomicUsize::new(0);
    let abort = AtomicBool::new(false);
    let budget_hit = AtomicBool::new(false);
    let report = |st: &State| SweepProgress {
        points: mine.len(),
        points_done: st.points_done,
        runs: runs_todo,
        runs_done: st.runs_done,
        elapsed: started.elapsed().as_secs_f64(),
    };
    if let Ok(st) = state.lock() {
        progress(&report(&st));
    }
    let worker = || loop {
        if abort.load(Ordering::Relaxed) || options.stop_signal().is_some() {
            break;
        }
        if budget.is_some_and(|b| started.elapsed().as_secs_f64() >= b) {
            budget_hit.store(true, Ordering::Relaxed);
            break;
        }
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(&task) = tasks.get(i) else { break };
        let p = task.point();
        let left_out = match state.lock() {
            Ok(mut st) => {
                if st.cut[p] {
                    st.skipped += task.runs(replicates);
                }
                st.cut[p]
            }
            Err(_) => true,
        };
        if left_out {
            continue;
        }
        let records = execute(sweep, task, &session, options);
        if records.is_empty() {
            // Stopped by a signal before the run was complete: the next session does it.
            break;
        }
        let mut appended = Vec::with_capacity(records.len());
        for r in records {
            if let Err(e) = journal.append(&r) {
                if let Ok(mut st) = state.lock() {
                    st.error.get_or_insert(e);
                }
                abort.store(true, Ordering::Relaxed);
                return;
            }
            appended.push(r);
        }
        let Ok(mut st) = state.lock() else { return };
        for r in appended {
            st.runs_done += 1;
            st.agent_steps += r.agent_steps;
            if !r.ok {
                st.failed += 1;
            }
            st.results.add(r);
        }
        let id = &sweep.points[p].id;
        if !st.complete[p] && st.results.complete(id) {
            st.complete[p] = true;
            st.points_finished += 1;
            if !st.cut[p] {
                st.points_done += 1;
            }
            if st.results.crossed(id) {
                let (line, place) = &lines[p];
                for &q in &line_members[line] {
                    if lines[q].1 > *place && !st.cut[q] {
                        st.cut[q] = true;
                        if !st.complete[q] {
                            st.points_done += 1;
                        }
                    }
                }
            }
        }
        if let Err(e) = partial(&mut st, false) {
            st.error.get_or_insert(e);
            abort.store(true, Ordering::Relaxed);
        }
        let snapshot = report(&st);
        drop(st);
        progress(&snapshot);
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Run(format!("cannot start {threads} threads: {e}")))?;
    let workers = workers(sweep, threads);
    pool.install(|| {
        rayon::scope(|s| {
            for _ in 0..workers {
                s.spawn(|_| worker());
            }
        })
    });
    let mut st = state.into_inner().map_err(|_| Error::Run("a sweep worker panicked".into()))?;
    if let Some(e) = st.error.take() {
        return Err(e);
    }
    if let Some(signal) = options.stop_signal() {
        partial(&mut st, true)?;
        let mine_settled = mine.iter().all(|&p| st.complete[p] || st.cut[p]);
        write_status(&st, mine_settled, false)?;
        return Err(Error::Interrupted {
            signal,
            message: format!(
                "stopped: {} run{} finished this session and kept in {}; runs in flight were left out. Run the same command again to go on",
                st.runs_done,
                if st.runs_done == 1 { "" } else { "s" },
                out.display()
            ),
        });
    }
    let (_, settled) = st.results.stopped();
    let mine_settled = mine.iter().all(|&p| st.complete[p] || st.cut[p]);
    let budget_stop = budget_hit.load(Ordering::Relaxed) && !mine_settled;
    let finished = if options.shard.is_none() && settled {
        Some(finish(out)?)
    } else {
        partial(&mut st, true)?;
        None
    };
    write_status(&st, mine_settled, budget_stop)?;
    drop(journal);
    Ok(SweepReport {
        dir: out.clone(),
        shard: options.shard,
        points: mine.len(),
        runs: mine.len() as u64 * replicates,
        reused,
        ran: st.runs_done,
        failed: st.failed,
        skipped: st.skipped,
        points_finished: st.points_finished,
        complete: mine_settled,
        budget_stop,
        notes,
        wall_seconds: started.elapsed().as_secs_f64(),
        agent_steps: st.agent_steps,
        threads,
        finished,
    })
}
