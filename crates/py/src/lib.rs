//! `agora_sim._agora`, the extension module behind the `agora-sim` Python package
//! (`python/agora_sim/__init__.py` is its documented face): runs a scenario in this process and
//! hands its tables to Python as Arrow C streams (the Arrow PyCapsule interface), which pyarrow
//! and pandas read without a copy through files.
//!
//! A run's tables are made by the same functions that write `agora run`'s CSV files
//! (`agora::output::tables`), into memory, then typed column by column with each metric's
//! unit (`agora::output::arrow`, which also writes the Parquet files): so a DataFrame holds
//! exactly the values of the file the CLI writes for the same scenario and seed.

#![warn(missing_docs)]

use agora::engine::{Observer, RunOutput, Snapshot};
use agora::error::Error;
use agora::output::tables;
use agora::plan::Plan;
use agora::scenario::Overrides;
use agora::RunOptions;
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{RecordBatch, RecordBatchIterator};
use pyo3::create_exception;
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict};
use std::collections::BTreeMap;
use std::ffi::CString;
use std::path::PathBuf;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

create_exception!(
    _agora,
    ScenarioError,
    pyo3::exceptions::PyValueError,
    "A scenario, or a setting laid over it, that agora refuses: the message is the one `agora run` prints (file, line, key, help), and the CLI would exit with code 2."
);
create_exception!(
    _agora,
    RunError,
    pyo3::exceptions::PyRuntimeError,
    "A run that failed for another reason than its input (the CLI's exit code 1)."
);

/// The library's error as the Python exception of its kind, with the CLI's message.
fn to_py(e: Error) -> PyErr {
    match e.exit_code() {
        2 => ScenarioError::new_err(e.to_string()),
        _ => RunError::new_err(e.to_string()),
    }
}

/// One table of a run. Any Arrow consumer reads it through `__arrow_c_stream__`
/// (`pyarrow.table(t)`, `polars.from_arrow(t)`).
#[pyclass(frozen, module = "agora_sim._agora")]
struct Table {
    /// The table, in one batch.
    batch: RecordBatch,
}

#[pymethods]
impl Table {
    /// The Arrow PyCapsule interface: the table as an `ArrowArrayStream` capsule.
    /// `requested_schema` is the consumer's wish, which the interface lets a producer decline;
    /// the table keeps its own types.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let reader = RecordBatchIterator::new(vec![Ok(self.batch.clone())], self.batch.schema());
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        let name = CString::new("arrow_array_stream").map_err(|e| RunError::new_err(e.to_string()))?;
        PyCapsule::new(py, stream, Some(name))
    }

    /// The number of rows.
    fn __len__(&self) -> usize {
        self.batch.num_rows()
    }
}

/// Hears the engine: counts world-steps, keeps snapshot blocks, and asks it to stop once the
/// Python side has seen Ctrl-C.
struct Collector {
    /// World-steps done.
    done: AtomicU64,
    /// Set when the run is to stop at the next step boundary.
    stop: AtomicBool,
    /// Snapshot rows by (step, entry, replicate), blocks appended in the order they come
    /// (agent order within a world).
    parts: Mutex<BTreeMap<(u64, usize, u64), Vec<u8>>>,
}

impl Observer for Collector {
    fn progress(&self, steps: u64) {
        self.done.fetch_add(steps, Ordering::Relaxed);
    }
    fn snapshot(&self, s: &Snapshot) -> agora::error::Result<()> {
        let rows = tables::snapshot_rows(s);
        let mut parts = self.parts.lock().map_err(|_| Error::Run("internal: a snapshot writer panicked".into()))?;
        let part = parts.entry((s.step, s.entry, s.replicate)).or_default();
        if s.first {
            part.clear();
        }
        part.extend_from_slice(&rows);
        Ok(())
    }
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// The `agents_step<T>.csv` texts of a finished run, by step: entries in scenario order,
/// replicates ascending, the first `[output] snapshot_replicates` only (as `agora run`).
fn snapshot_texts(plan: &Plan, out: &RunOutput, parts: &BTreeMap<(u64, usize, u64), Vec<u8>>) -> Vec<(u64, Vec<u8>)> {
    let reps = match plan.output.snapshot_replicates {
        0 => plan.run.replicates,
        k => k.min(plan.run.replicates),
    };
    let header = tables::snapshot_header(&plan.world.population.goods);
    plan.snapshot_steps()
        .iter()
        .map(|&step| {
            let mut text = header.clone().into_bytes();
            for e in 0..plan.entries.len() {
                for r in (0..reps).filter(|r| out.replicates_done.binary_search(r).is_ok()) {
                    if let Some(rows) = parts.get(&(step, e, r)) {
                        text.extend_from_slice(rows);
                    }
                }
            }
            (step, text)
        })
        .collect()
}

/// Does `work` on a thread of its own while this thread, without the GIL but taking it about
/// ten times a second, calls `progress(done, total)` (from `count`) when it has moved and
/// checks for Ctrl-C: then, or when `progress` raises, `stop` asks the work to end at its
/// next step boundary and the Python exception is raised once it has.
fn watch<T: Send>(
    py: Python<'_>,
    progress: Option<&PyObject>,
    count: &(dyn Fn() -> (u64, u64) + Sync),
    stop: &(dyn Fn() + Sync),
    work: impl FnOnce() -> agora::error::Result<T> + Send,
) -> PyResult<T> {
    let (outcome, raised) = py.allow_threads(|| {
        std::thread::scope(|s| {
            let worker = s.spawn(work);
            let mut raised: Option<PyErr> = None;
            let mut told = None;
            let mut tell = |py: Python<'_>, raised: &mut Option<PyErr>| {
                let now = count();
                if let (Some(f), true) = (progress, told != Some(now)) {
                    told = Some(now);
                    if let Err(e) = f.call1(py, now) {
                        *raised = Some(e);
                    }
                }
            };
            while !worker.is_finished() {
                std::thread::sleep(Duration::from_millis(100));
                if raised.is_some() {
                    continue;
                }
                Python::with_gil(|py| {
                    if let Err(e) = py.check_signals() {
                        raised = Some(e);
                    }
                    if raised.is_none() {
                        tell(py, &mut raised);
                    }
                });
                if raised.is_some() {
                    stop();
                }
            }
            let outcome = worker.join();
            if raised.is_none() {
                Python::with_gil(|py| tell(py, &mut raised));
            }
            (outcome, raised)
        })
    });
    if let Some(e) = raised {
        return Err(e);
    }
    outcome.map_err(|_| RunError::new_err("internal: the run panicked"))?.map_err(to_py)
}

/// Runs a scenario (a file, or a bundled scenario by name) with the settings given laid over
/// it, and returns a dict of its tables (`Table`s) and facts. `progress(done, total)` is
/// called from this thread about ten times a second while world-steps advance; Ctrl-C stops
/// the run at the next step boundary and raises `KeyboardInterrupt`.
#[pyfunction]
#[pyo3(signature = (scenario, *, agents=None, steps=None, replicates=None, seed=None, warmup=None, threads=None, progress=None))]
#[allow(clippy::too_many_arguments)]
fn run(
    py: Python<'_>,
    scenario: PathBuf,
    agents: Option<u64>,
    steps: Option<u64>,
    replicates: Option<u64>,
    seed: Option<u64>,
    warmup: Option<u64>,
    threads: Option<usize>,
    progress: Option<PyObject>,
) -> PyResult<Py<PyDict>> {
    let overrides = Overrides { agents, steps, replicates, seed, warmup, out: None };
    let plan = agora::plan::load(&scenario, &overrides).map_err(to_py)?;
    let options = RunOptions { threads, ..Default::default() };
    agora::guard_memory(&plan, &options).map_err(to_py)?;
    let threads = agora::thread_count(&plan, &options);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| RunError::new_err(format!("cannot start {threads} threads: {e}")))?;
    let total = plan.worlds() * plan.run.replicates * plan.run.steps;
    let collector = Collector { done: AtomicU64::new(0), stop: AtomicBool::new(false), parts: Mutex::default() };
    let started = Instant::now();
    let out = watch(
        py,
        progress.as_ref(),
        &|| (collector.done.load(Ordering::Relaxed), total),
        &|| collector.stop.store(true, Ordering::Relaxed),
        || pool.install(|| agora::engine::run(&plan, &collector)),
    )?;
    let seconds = started.elapsed().as_secs_f64();
    let tabled = |text: agora::error::Result<Vec<u8>>| -> PyResult<Table> {
        let batch = agora::output::arrow::csv_table(&text.map_err(to_py)?).map_err(to_py)?;
        Ok(Table { batch })
    };
    let result = PyDict::new(py);
    result.set_item("name", &plan.name)?;
    result.set_item("resolved_toml", &plan.resolved_toml)?;
    result.set_item("scenario_file", plan.path.as_ref().map(|p| p.display().to_string()))?;
    result.set_item("agent_steps", out.agent_steps)?;
    result.set_item("seconds", seconds)?;
    result.set_item("threads", threads)?;
    result.set_item("warnings", plan.warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>())?;
    result.set_item("timeseries", tabled(tables::timeseries_csv(&out))?)?;
    result.set_item("summary", tabled(tables::summary_csv(&plan, &out))?)?;
    let comparison = if plan.entries.len() > 1 { Some(tabled(tables::comparison_csv(&plan, &out))?) } else { None };
    result.set_item("comparison", comparison)?;
    let agents = PyDict::new(py);
    let parts = collector.parts.into_inner().map_err(|_| RunError::new_err("internal: a snapshot writer panicked"))?;
    for (step, text) in snapshot_texts(&plan, &out, &parts) {
        agents.set_item(step, tabled(Ok(text))?)?;
    }
    result.set_item("agents", agents)?;
    Ok(result.unbind())
}

/// Runs every missing point of a scenario's `[sweep]` as `agora sweep` does, into its folder
/// (`output/<name>`, or `out`), reusing the runs already there, and returns a dict of its
/// tables (`Table`s of `sweep.csv` and, for designs that have one, `sensitivity.csv`, read
/// back from the folder the sweep keeps) and facts. Progress and Ctrl-C as for `run`.
#[pyfunction]
#[pyo3(signature = (scenario, *, out=None, agents=None, steps=None, replicates=None, seed=None, warmup=None, threads=None, progress=None))]
#[allow(clippy::too_many_arguments)]
fn sweep(
    py: Python<'_>,
    scenario: PathBuf,
    out: Option<PathBuf>,
    agents: Option<u64>,
    steps: Option<u64>,
    replicates: Option<u64>,
    seed: Option<u64>,
    warmup: Option<u64>,
    threads: Option<usize>,
    progress: Option<PyObject>,
) -> PyResult<Py<PyDict>> {
    use agora::sweep::{Sweep, SweepOptions, SweepProgress};
    let overrides = Overrides { agents, steps, replicates, seed, warmup, out };
    let s = Sweep::load(&scenario, &overrides).map_err(to_py)?;
    let stop = Arc::new(AtomicUsize::new(0));
    let command_line = vec!["agora_sim.sweep".to_string(), scenario.display().to_string()];
    let options = SweepOptions { threads, command_line, stop: Some(stop.clone()), ..Default::default() };
    let (done, total) = (AtomicU64::new(0), AtomicU64::new(0));
    let heard = |p: &SweepProgress| {
        done.store(p.runs_done, Ordering::Relaxed);
        total.store(p.runs, Ordering::Relaxed);
    };
    let report = watch(
        py,
        progress.as_ref(),
        &|| (done.load(Ordering::Relaxed), total.load(Ordering::Relaxed)),
        // As SIGINT would: the sweep ends at the next run boundary and keeps what it has.
        &|| stop.store(2, Ordering::Relaxed),
        || agora::sweep::run(&s, &options, &heard),
    )?;
    let read = |name: &str| -> PyResult<Option<Table>> {
        let path = report.dir.join(name);
        if !path.is_file() {
            return Ok(None);
        }
        let text = std::fs::read(&path).map_err(|e| to_py(Error::io(format!("reading {}", path.display()), e)))?;
        Ok(Some(Table { batch: agora::output::arrow::csv_table(&text).map_err(to_py)? }))
    };
    let result = PyDict::new(py);
    result.set_item("name", &s.base.name)?;
    result.set_item("dir", report.dir.display().to_string())?;
    result.set_item("points", report.points)?;
    result.set_item("runs", report.runs)?;
    result.set_item("ran", report.ran)?;
    result.set_item("reused", report.reused)?;
    result.set_item("failed", report.failed)?;
    result.set_item("seconds", report.wall_seconds)?;
    result.set_item("notes", report.notes.clone())?;
    result
        .set_item("warnings", s.base.warnings.iter().chain(&s.warnings).map(|w| w.to_string()).collect::<Vec<_>>())?;
    result.set_item("table", read("sweep.csv")?)?;
    result.set_item("sensitivity", read("sensitivity.csv")?)?;
    Ok(result.unbind())
}

/// The names of the bundled scenarios (`showcase`, `validation/kinetic`, ...), each of which
/// `run` takes in place of a file.
#[pyfunction]
fn bundled() -> Vec<&'static str> {
    agora::library::names()
}

/// The extension module.
#[pymodule]
fn _agora(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("ScenarioError", m.py().get_type::<ScenarioError>())?;
    m.add("RunError", m.py().get_type::<RunError>())?;
    m.add_class::<Table>()?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(sweep, m)?)?;
    m.add_function(wrap_pyfunction!(bundled, m)?)?;
    Ok(())
}
