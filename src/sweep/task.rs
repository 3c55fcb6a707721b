//! One unit of a sweep's work, carried out: a replicate of a point (or every replicate into
//! the point's kept run folder), turned into journal records. A run that fails or panics
//! becomes a failure record, never an error of the sweep.

use super::store::{self, Record};
use super::{Sweep, SweepOptions, SweepPoint};
use crate::engine::{self, Series};
use crate::error::Result;
use crate::metrics::summary::replicate_mean;
use crate::output::{OutputDir, GIT_COMMIT, VERSION};
use crate::RunOptions;
use std::path::Path;
use std::time::Instant;

/// Watches the stop flag for the runs of a sweep.
struct Stopper<'a>(&'a SweepOptions);

impl engine::Observer for Stopper<'_> {
    fn stopped(&self) -> bool {
        self.0.stop_signal().is_some()
    }
}

/// One unit of work.
#[derive(Debug, Clone, Copy)]
pub(super) enum Task {
    /// One replicate of a point.
    Replicate(usize, u64),
    /// Every replicate of a point, into its run folder (`keep_runs`).
    Point(usize),
}

impl Task {
    pub(super) fn point(self) -> usize {
        match self {
            Task::Replicate(p, _) | Task::Point(p) => p,
        }
    }
    pub(super) fn runs(self, replicates: u64) -> u64 {
        match self {
            Task::Replicate(..) => 1,
            Task::Point(_) => replicates,
        }
    }
}

/// A replicate's record from its series.
pub(crate) fn record_of(point: &SweepPoint, rep: u64, series: &[Series], seconds: f64, session: &str) -> Record {
    let plan = &point.plan;
    let width = plan.layout.width();
    let names = plan.layout.names();
    let warmup = plan.run.warmup as usize;
    let steps = plan.output.recorded_steps(plan.run.steps);
    let mut means = std::collections::BTreeMap::new();
    for s in series.iter().filter(|s| s.replicate == rep) {
        let mut m = std::collections::BTreeMap::new();
        for (col, name) in names.iter().enumerate() {
            let (x, _) = replicate_mean(&s.rows, &steps, width, col, warmup);
            if x.is_finite() {
                m.insert(name.clone(), x);
            }
        }
        means.insert(s.label.clone(), m);
    }
    Record {
        point: point.id.clone(),
        replicate: rep,
        hash: point.hash.clone(),
        seed: point.seed,
        ok: true,
        error: None,
        means,
        agent_steps: plan.worlds() * plan.run.steps * plan.run.agents,
        seconds,
        finished_unix: store::unix_now(),
        session: session.to_string(),
        engine: format!("{VERSION} {GIT_COMMIT}"),
    }
}

fn failure(point: &SweepPoint, rep: u64, error: String, seconds: f64, session: &str) -> Record {
    Record {
        point: point.id.clone(),
        replicate: rep,
        hash: point.hash.clone(),
        seed: point.seed,
        ok: false,
        error: Some(error),
        means: Default::default(),
        agent_steps: 0,
        seconds,
        finished_unix: store::unix_now(),
        session: session.to_string(),
        engine: format!("{VERSION} {GIT_COMMIT}"),
    }
}

fn panic_text(p: Box<dyn std::any::Any + Send>) -> String {
    let msg = p
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    format!("the run panicked: {msg}")
}

/// Carries out one task; a run that fails or panics gives failure records, never an error.
/// A run stopped by a signal gives no record at all.
pub(super) fn execute(sweep: &Sweep, task: Task, session: &str, options: &SweepOptions) -> Vec<Record> {
    let started = Instant::now();
    match task {
        Task::Replicate(p, rep) => {
            let point = &sweep.points[p];
            let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                engine::run_replicate(&point.plan, rep, &Stopper(options))
            }));
            let secs = started.elapsed().as_secs_f64();
            if options.stop_signal().is_some() && !matches!(&run, Ok(Ok(s)) if s.len() == point.plan.entries.len()) {
                return Vec::new();
            }
            vec![match run {
                Ok(Ok(series)) => record_of(point, rep, &series, secs, session),
                Ok(Err(e)) => failure(point, rep, e.to_string(), secs, session),
                Err(panic) => failure(point, rep, panic_text(panic), secs, session),
            }]
        }
        Task::Point(p) => {
            let point = &sweep.points[p];
            let target = sweep.out.join("runs").join(&point.id);
            let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| -> Result<engine::RunOutput> {
                let dir = OutputDir::create(&target)?;
                let run_options = RunOptions {
                    threads: Some(1),
                    command_line: vec![format!("agora sweep {} (point {})", sweep.path.display(), point.id)],
                    max_memory: None,
                    max_disk: None,
                    stop: options.stop.clone(),
                };
                let (_, out) = crate::run_into(dir.path(), &point.plan, &run_options, &|_| {})?;
                if out.complete(&point.plan) {
                    dir.commit()?;
                }
                Ok(out)
            }));
            let secs = started.elapsed().as_secs_f64();
            let reps = point.plan.run.replicates;
            if options.stop_signal().is_some() && !matches!(&run, Ok(Ok(out)) if out.complete(&point.plan)) {
                return Vec::new();
            }
            match run {
                Ok(Ok(out)) => {
                    (0..reps).map(|r| record_of(point, r, &out.series, secs / reps as f64, session)).collect()
                }
                Ok(Err(e)) => (0..reps).map(|r| failure(point, r, e.to_string(), secs, session)).collect(),
                Err(panic) => {
                    let text = panic_text(panic);
                    (0..reps).map(|r| failure(point, r, text.clone(), secs, session)).collect()
                }
            }
        }
    }
}

/// Whether a point's run folder is there and complete.
pub(super) fn run_folder_complete(dir: &Path) -> bool {
    std::fs::read(dir.join("run.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .is_some_and(|v| v["complete"] == true)
}
