//! The runs of a classroom server: each on a thread of its own, stepping the same worlds as
//! `agora run` (built by [`engine::networks`] and [`engine::world`] for replicate 0), paused
//! or paced by the page, its rows kept for the event stream and the CSV.

use super::scenario::RunPlan;
use super::Limits;
use crate::engine::{self, RunOutput, Series, Sim};
use crate::output::tables;
use rayon::prelude::*;
use serde_json::{json, Map, Value as Json};
use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Where a run is in its life.
#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    /// Its thread is alive: building its worlds, waiting for the page, or stepping.
    Live,
    /// It ran every step.
    Finished,
    /// The page closed its stream or deleted it, or nobody ever opened its stream.
    Stopped,
    /// The simulation failed; the message says how.
    Failed(String),
}

/// A run's state, shared by its thread and the HTTP handlers.
#[derive(Debug)]
pub struct State {
    /// One flattened series of rows per regime entry, rows of the layout's width.
    pub rows: Vec<Vec<f64>>,
    /// The last step recorded (`None` until the initial state is).
    pub recorded: Option<u64>,
    /// Whether the page paused it (a run starts paused).
    paused: bool,
    /// Steps asked for one at a time while paused.
    pending: u64,
    /// Steps per second; 0 = as fast as the machine goes.
    speed: f64,
    /// Where it is in its life.
    pub phase: Phase,
    /// Whether an event stream is open.
    streaming: bool,
    /// Whether an event stream was ever opened.
    streamed: bool,
    /// When it stopped being live.
    ended: Option<Instant>,
}

/// What a run's thread and its handlers share.
pub struct Shared {
    state: Mutex<State>,
    /// Wakes the run's thread (a command, a stop).
    wake: Condvar,
    /// Counts changes of the state, for the event stream.
    changed: watch::Sender<u64>,
}

impl Shared {
    /// The state, locked. A thread that panicked while holding the lock left consistent rows
    /// (rows are appended whole), so a poisoned lock is taken over.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn notify(&self) {
        self.wake.notify_all();
        self.changed.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// Ends a live run with `phase`.
    fn end(&self, phase: Phase) {
        let mut st = self.lock();
        if st.phase == Phase::Live {
            st.phase = phase;
            st.ended = Some(Instant::now());
        }
        drop(st);
        self.notify();
    }

    /// Stops the run if it is live.
    pub fn stop(&self) {
        self.end(Phase::Stopped);
    }

    /// Records the rows of `step`, one per entry; false if the run was stopped meanwhile.
    fn record(&self, step: u64, rows: &[Vec<f64>]) -> bool {
        let mut st = self.lock();
        for (series, row) in st.rows.iter_mut().zip(rows) {
            series.extend_from_slice(row);
        }
        st.recorded = Some(step);
        let live = st.phase == Phase::Live;
        drop(st);
        self.notify();
        live
    }

    /// Waits until the next step is due: now if one was asked for or the run goes as fast as
    /// it can, else one period after the last. False once the run has ended.
    fn wait_turn(&self, last: &mut Option<Instant>) -> bool {
        let mut st = self.lock();
        loop {
            if st.phase != Phase::Live {
                return false;
            }
            let now = Instant::now();
            if st.pending > 0 {
                st.pending -= 1;
                *last = Some(now);
                return true;
            }
            if st.paused {
                st = self.wake.wait(st).unwrap_or_else(|e| e.into_inner());
                continue;
            }
            if st.speed <= 0.0 {
                *last = Some(now);
                return true;
            }
            let period = Duration::from_secs_f64(1.0 / st.speed);
            let due = last.map_or(now, |l| l + period);
            if now >= due {
                // Keep the rate on average unless the steps fell a whole period behind.
                *last = Some(if now.duration_since(due) < period { due } else { now });
                return true;
            }
            st = self.wake.wait_timeout(st, due - now).unwrap_or_else(|e| e.into_inner()).0;
        }
    }
}

/// A command from the page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Command {
    /// Hold the run.
    Pause,
    /// Go on at the set speed.
    Resume,
    /// One step, while paused.
    Step,
    /// Steps per second (0 = as fast as possible).
    Speed(f64),
}

/// One run of a page.
pub struct Run {
    /// Its id, in its URLs.
    pub id: String,
    /// Its master seed.
    pub seed: u64,
    /// Its plan and scenario document.
    pub plan: Arc<RunPlan>,
    /// What its thread and the handlers share.
    pub shared: Arc<Shared>,
    created: Instant,
}

impl Run {
    /// Carries out a command of the page.
    pub fn command(&self, c: Command) {
        let mut st = self.shared.lock();
        match c {
            Command::Pause => st.paused = true,
            Command::Resume => st.paused = false,
            Command::Step if st.paused => st.pending += 1,
            Command::Step => {}
            Command::Speed(s) => st.speed = s,
        }
        drop(st);
        self.shared.notify();
    }

    /// Whether its thread is alive.
    pub fn is_live(&self) -> bool {
        self.shared.lock().phase == Phase::Live
    }

    /// `timeseries.csv` of the steps recorded so far, written by the same code as
    /// `agora run`'s.
    pub fn csv(&self) -> crate::error::Result<Vec<u8>> {
        let plan = &self.plan.plan;
        let series: Vec<Series> = {
            let st = self.shared.lock();
            plan.entries
                .iter()
                .zip(&st.rows)
                .map(|(e, rows)| Series { label: e.label.clone(), replicate: 0, rows: rows.clone() })
                .collect()
        };
        let recorded = series.iter().map(|s| s.rows.len() / plan.layout.width().max(1)).max().unwrap_or(0);
        tables::timeseries_csv(&RunOutput {
            layout: plan.layout.clone(),
            series,
            steps: (0..recorded as u64).collect(),
            agent_steps: 0,
            replicates_done: vec![0],
        })
    }

    /// Opens the run's event stream, unless one is open.
    pub fn open_stream(self: &Arc<Self>, metrics: &[&'static str]) -> Option<Feed> {
        let mut st = self.shared.lock();
        if st.streaming {
            return None;
        }
        st.streaming = true;
        st.streamed = true;
        drop(st);
        let layout = &self.plan.plan.layout;
        Some(Feed {
            run: self.clone(),
            changes: self.shared.changed.subscribe(),
            next: 0,
            over: false,
            columns: metrics.iter().filter_map(|m| layout.column(m).map(|c| (*m, c))).collect(),
        })
    }
}

/// What an event stream sends next.
pub enum Item {
    /// The record of one step, as JSON.
    Step(String),
    /// The run ran every step (`{"steps": N}`).
    Done(String),
    /// The run failed or was stopped (`{"error": ...}`).
    Error(String),
}

/// A run's event stream: the steps recorded, each once, in order, then the end. Dropping it
/// (the page closed the tab) stops the run.
pub struct Feed {
    run: Arc<Run>,
    changes: watch::Receiver<u64>,
    next: u64,
    over: bool,
    columns: Vec<(&'static str, usize)>,
}

impl Feed {
    /// The next item, waiting for the run if it has nothing new; `None` after the end.
    pub async fn next(&mut self) -> Option<Item> {
        loop {
            if self.over {
                return None;
            }
            // Mark the current version seen before reading the state, so no change is missed.
            self.changes.borrow_and_update();
            if let Some(item) = self.ready() {
                return Some(item);
            }
            if self.changes.changed().await.is_err() {
                return None;
            }
        }
    }

    fn ready(&mut self) -> Option<Item> {
        let st = self.run.shared.lock();
        if st.recorded.is_some_and(|r| self.next <= r) {
            let item = Item::Step(self.step_json(&st, self.next));
            self.next += 1;
            return Some(item);
        }
        let end = match &st.phase {
            Phase::Live => return None,
            Phase::Finished => Item::Done(json!({"steps": st.recorded.unwrap_or(0)}).to_string()),
            Phase::Failed(m) => Item::Error(json!({ "error": m }).to_string()),
            Phase::Stopped => Item::Error(json!({"error": "the run was stopped"}).to_string()),
        };
        self.over = true;
        Some(end)
    }

    /// `{"step": t, "entries": {label: {metric: value or null}}}`.
    fn step_json(&self, st: &State, t: u64) -> String {
        let plan = &self.run.plan.plan;
        let width = plan.layout.width();
        let mut entries = Map::new();
        for (e, rows) in plan.entries.iter().zip(&st.rows) {
            let start = t as usize * width;
            let Some(row) = rows.get(start..start + width) else { continue };
            let values: Map<String, Json> = self
                .columns
                .iter()
                .map(|&(name, c)| {
                    (name.to_string(), serde_json::Number::from_f64(row[c]).map_or(Json::Null, Json::Number))
                })
                .collect();
            entries.insert(e.label.clone(), Json::Object(values));
        }
        json!({"step": t, "entries": entries}).to_string()
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        let mut st = self.run.shared.lock();
        st.streaming = false;
        drop(st);
        // A closed stream is a closed tab: the run stops (a finished one stays finished).
        self.run.shared.stop();
    }
}

/// Why a run could not start.
#[derive(Debug, Clone, PartialEq)]
pub enum Busy {
    /// As many runs are live as the server allows.
    Full(usize),
    /// The system would not start another thread.
    Thread(String),
}

/// Every run of the server, by id.
pub struct Runs {
    runs: Mutex<HashMap<String, Arc<Run>>>,
    limits: Limits,
    ids: RandomState,
    counter: AtomicU64,
}

impl Runs {
    /// No runs yet.
    pub fn new(limits: Limits) -> Runs {
        Runs { runs: Mutex::new(HashMap::new()), limits, ids: RandomState::new(), counter: AtomicU64::new(0) }
    }

    fn map(&self) -> MutexGuard<'_, HashMap<String, Arc<Run>>> {
        self.runs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The run `id`.
    pub fn get(&self, id: &str) -> Option<Arc<Run>> {
        self.map().get(id).cloned()
    }

    /// Stops and forgets the run `id`; false if there is none.
    pub fn remove(&self, id: &str) -> bool {
        let run = self.map().remove(id);
        match run {
            Some(r) => {
                r.shared.stop();
                true
            }
            None => false,
        }
    }

    /// Starts a run of `plan`, paused, on a thread of its own.
    pub fn start(&self, plan: RunPlan, seed: u64) -> Result<Arc<Run>, Busy> {
        let mut map = self.map();
        let live = map.values().filter(|r| r.is_live()).count();
        if live >= self.limits.max_runs {
            return Err(Busy::Full(self.limits.max_runs));
        }
        let id = loop {
            let n = self.counter.fetch_add(1, Ordering::Relaxed);
            // Hard to guess, so that on a shared network one tab cannot steer another's run.
            let id = format!("{:010x}", self.ids.hash_one(n) >> 24);
            if !map.contains_key(&id) {
                break id;
            }
        };
        let entries = plan.plan.entries.len();
        let (changed, _) = watch::channel(0);
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                rows: vec![Vec::new(); entries],
                recorded: None,
                paused: true,
                pending: 0,
                speed: 20.0,
                phase: Phase::Live,
                streaming: false,
                streamed: false,
                ended: None,
            }),
            wake: Condvar::new(),
            changed,
        });
        let run = Arc::new(Run { id: id.clone(), seed, plan: Arc::new(plan), shared, created: Instant::now() });
        let (plan, shared) = (run.plan.clone(), run.shared.clone());
        std::thread::Builder::new()
            .name(format!("agora-run-{id}"))
            .spawn(move || simulate_guarded(&plan, &shared))
            .map_err(|e| Busy::Thread(e.to_string()))?;
        map.insert(id, run.clone());
        Ok(run)
    }

    /// Stops runs nobody opened a stream for within `limits.unopened`, and forgets runs that
    /// ended more than `limits.keep_ended` ago, or the oldest ended ones beyond
    /// `limits.max_kept`.
    pub fn sweep(&self) {
        let now = Instant::now();
        let mut map = self.map();
        let mut ended: Vec<(Instant, String)> = Vec::new();
        for (id, run) in map.iter() {
            let st = run.shared.lock();
            match st.ended {
                None if !st.streamed && now.duration_since(run.created) > self.limits.unopened => {
                    drop(st);
                    run.shared.stop();
                }
                None => {}
                Some(t) => ended.push((t, id.clone())),
            }
        }
        ended.sort();
        let excess = ended.len().saturating_sub(self.limits.max_kept);
        for (i, (t, id)) in ended.iter().enumerate() {
            if i < excess || now.duration_since(*t) > self.limits.keep_ended {
                map.remove(id);
            }
        }
    }
}

/// Runs the simulation; a panic ends the run as failed instead of leaving it live forever.
fn simulate_guarded(plan: &RunPlan, shared: &Shared) {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| simulate(plan, shared)));
    match outcome {
        Ok(()) => shared.end(Phase::Finished),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            shared.end(Phase::Failed(format!("the simulation stopped unexpectedly: {what}")));
        }
    }
}

/// Builds the worlds of replicate 0 as `agora run` does, records the initial state, then steps
/// as the page allows until the last step or until the run is stopped.
fn simulate(run: &RunPlan, shared: &Shared) {
    let plan = &run.plan;
    let networks = engine::networks(plan, 0);
    let mut sims: Vec<Sim<'_>> =
        networks.iter().enumerate().map(|(w, n)| engine::world(plan, 0, w, n.clone())).collect();
    let rows: Vec<Vec<f64>> = sims.iter_mut().flat_map(|s| s.record_now().to_vec()).collect();
    if !shared.record(0, &rows) {
        return;
    }
    let mut last = None;
    for step in 1..=plan.run.steps {
        if !shared.wait_turn(&mut last) {
            return;
        }
        // The worlds of a compare-mode run step side by side, as in `agora run`.
        let per_world: Vec<Vec<Vec<f64>>> = sims.par_iter_mut().map(|s| s.advance().to_vec()).collect();
        let rows: Vec<Vec<f64>> = per_world.into_iter().flatten().collect();
        if !shared.record(step, &rows) {
            return;
        }
    }
}
