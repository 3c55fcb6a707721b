//! `agora_sim._agora`, the extension module behind the `agora-sim` Python package
//! (`python/agora_sim/__init__.py` is its documented face): runs a scenario in this process and
//! hands its tables to Python as Arrow C streams (the Arrow PyCapsule interface), which pyarrow
//! and pandas read without a copy through files.
//!
//! A run's tables are made by the same functions that write `agora run`'s CSV files
//! (`agora::output::tables`), into memory, then typed column by column: so a DataFrame holds
//! exactly the values of the file the CLI writes for the same scenario and seed.

#![warn(missing_docs)]

use agora::engine::{Observer, RunOutput, Snapshot};
use agora::error::Error;
use agora::output::tables;
use agora::plan::Plan;
use agora::scenario::Overrides;
use agora::RunOptions;
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, RecordBatchIterator, StringArray};
use arrow_schema::{DataType, Field, Schema};
use pyo3::create_exception;
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict};
use std::collections::BTreeMap;
use std::ffi::CString;
use std::path::PathBuf;
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

/// CSV text (as `agora run` writes it) as an Arrow table: a column whose every cell is a whole
/// number is `int64`, else one whose every cell is a number is `float64`, else `utf8`; an
/// empty cell is null (a column of empty cells is `float64`, as pandas reads one).
fn csv_table(text: &[u8]) -> Result<RecordBatch, String> {
    let mut reader = csv::ReaderBuilder::new().from_reader(text);
    let headers: Vec<String> = reader.headers().map_err(|e| e.to_string())?.iter().map(str::to_string).collect();
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().map_err(|e| e.to_string())?;
    let mut fields = Vec::with_capacity(headers.len());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(headers.len());
    for (j, name) in headers.iter().enumerate() {
        let cells: Vec<Option<&str>> = rows.iter().map(|r| r.get(j).filter(|c| !c.is_empty())).collect();
        let present = || cells.iter().flatten();
        let (array, kind): (ArrayRef, DataType) =
            if present().next().is_some() && present().all(|c| c.parse::<i64>().is_ok()) {
                let values: Int64Array = cells.iter().map(|c| c.and_then(|c| c.parse().ok())).collect();
                (Arc::new(values), DataType::Int64)
            } else if present().all(|c| c.parse::<f64>().is_ok()) {
                let values: Float64Array = cells.iter().map(|c| c.and_then(|c| c.parse().ok())).collect();
                (Arc::new(values), DataType::Float64)
            } else {
                let values: StringArray = cells.iter().copied().collect();
                (Arc::new(values), DataType::Utf8)
            };
        fields.push(Field::new(name, kind, true));
        columns.push(array);
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(|e| e.to_string())
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
    let (outcome, raised) = py.allow_threads(|| {
        std::thread::scope(|s| {
            let worker = s.spawn(|| pool.install(|| agora::engine::run(&plan, &collector)));
            let mut raised: Option<PyErr> = None;
            let mut told = u64::MAX;
            let mut tell = |py: Python<'_>, raised: &mut Option<PyErr>| {
                let done = collector.done.load(Ordering::Relaxed);
                if let (Some(f), true) = (&progress, done != told) {
                    told = done;
                    if let Err(e) = f.call1(py, (done, total)) {
                        *raised = Some(e);
                    }
                }
            };
            while !worker.is_finished() {
                std::thread::sleep(Duration::from_millis(100));
                Python::with_gil(|py| {
                    if let Err(e) = py.check_signals() {
                        raised = Some(e);
                    }
                    if raised.is_none() {
                        tell(py, &mut raised);
                    }
                });
                if raised.is_some() {
                    collector.stop.store(true, Ordering::Relaxed);
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
    let out = outcome.map_err(|_| RunError::new_err("internal: the run panicked"))?.map_err(to_py)?;
    let seconds = started.elapsed().as_secs_f64();
    let tabled = |text: agora::error::Result<Vec<u8>>| -> PyResult<Table> {
        let batch = csv_table(&text.map_err(to_py)?).map_err(|e| RunError::new_err(format!("internal: {e}")))?;
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
    m.add_function(wrap_pyfunction!(bundled, m)?)?;
    Ok(())
}
