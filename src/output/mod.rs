//! Output: the files of a run, written into a temporary folder beside the target and renamed
//! into place when complete, so an interrupted or failed run never leaves half a result where
//! a good one was.

pub mod arrow;
pub mod plots;
pub mod report;
pub mod sweep;
pub mod tables;

use crate::engine::{Observer, RunOutput, Snapshot};
use crate::error::{Error, InputError, Result};
use crate::plan::Plan;
use crate::scenario::PlotFormat;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The engine's version, from Cargo.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The git commit the engine was built from, if known at build time.
pub const GIT_COMMIT: &str = match option_env!("AGORA_GIT_COMMIT") {
    Some(c) => c,
    None => "unknown",
};

/// A folder being written: files go into a hidden temporary sibling of the target until
/// [`OutputDir::commit`] renames it into place. Dropped without commit, it removes itself.
#[derive(Debug)]
pub struct OutputDir {
    target: PathBuf,
    tmp: PathBuf,
    committed: bool,
    lock: (PathBuf, std::fs::File),
}

/// Whether `path` is a symbolic link (not followed).
fn is_link(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// Whether `dir` is an earlier agora output (or empty), which a new run may replace.
fn is_ours(dir: &Path) -> bool {
    dir.is_dir()
        && (dir.join("run.json").is_file()
            || dir.join("comparison.csv").is_file()
            || std::fs::read_dir(dir).map(|mut d| d.next().is_none()).unwrap_or(false))
}

/// Whether `dir` holds a run that finished (`"complete": true` in its `run.json`), or a
/// comparison.
fn is_complete(dir: &Path) -> bool {
    let run = std::fs::read_to_string(dir.join("run.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v.get("complete").and_then(|c| c.as_bool()));
    run.unwrap_or_else(|| dir.join("comparison.csv").is_file())
}

/// Takes the lock file at `path` (created if absent) for writing `target`, or says which run
/// holds it. The lock is the operating system's (`flock`), so it ends with the process.
/// Bytes per field of an agents' snapshot row, measured on the release binary's files.
const SNAPSHOT_FIELD_BYTES: u64 = 8;

/// Bytes the agents' snapshot files of `plan` will take: one row per agent, snapshot step,
/// snapshot replicate and world.
pub fn snapshot_bytes(plan: &Plan) -> u64 {
    let reps = match plan.output.snapshot_replicates {
        0 => plan.run.replicates,
        k => k.min(plan.run.replicates),
    };
    let fields = 15 + plan.world.population.goods.len() as u64;
    [plan.snapshot_steps().len() as u64, reps, plan.worlds(), plan.run.agents, fields, SNAPSHOT_FIELD_BYTES]
        .iter()
        .fold(1u64, |a, &x| a.saturating_mul(x))
}

/// Refuses output of about `needed` bytes (agents' snapshots, which grow with agents times
/// steps) bound for `target` when it passes `max_disk` (`--max-disk`) or the space left on
/// the file system that holds `target`, before anything is run or written.
pub fn guard_disk(target: &Path, needed: u64, max_disk: Option<u64>, file: Option<&Path>) -> Result<()> {
    // The nearest folder that exists holds the target's file system.
    let existing = target.ancestors().find(|a| !a.as_os_str().is_empty() && a.exists()).unwrap_or(Path::new("."));
    let (limit, source) = match max_disk {
        Some(m) => (m, "--max-disk".to_string()),
        None => match fs4::available_space(existing) {
            Ok(a) => (a, format!("the space left on the disk of `{}`", existing.display())),
            Err(_) => return Ok(()),
        },
    };
    if needed <= limit {
        return Ok(());
    }
    let bytes = crate::engine::memory::bytes;
    let mut err = InputError::at(
        "output.snapshots",
        format!(
            "the agents' snapshots would take about {} on disk, more than {source} ({})",
            bytes(needed),
            bytes(limit)
        ),
    )
    .help("fewer snapshot steps, `output.snapshot_replicates = 1`, fewer agents, or another disk with --out; --max-disk sets the limit");
    if let Some(path) = file {
        err = crate::scenario::source::at_key_in(err, path);
    }
    Err(err.into())
}

fn lock(path: &Path, target: &Path) -> Result<std::fs::File> {
    let open = || {
        std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(|e| Error::io(format!("creating the lock file `{}`", path.display()), e))
    };
    // A run that ends removes the lock file while it holds it; one that opened the old file
    // just before then holds a removed file, so it checks the path still names its file.
    let mut file = open()?;
    for _ in 0..100 {
        match file.try_lock() {
            Ok(()) if same_file(&file, path) => return Ok(file),
            Ok(()) => file = open()?,
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(InputError::new(format!(
                    "another agora run is writing `{}` (it holds `{}`)",
                    target.display(),
                    path.display()
                ))
                .help("wait for it to finish, or write this run elsewhere with --out")
                .into())
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(Error::io(format!("locking `{}`", path.display()), e));
            }
        }
    }
    Err(Error::Run(format!("could not take the lock `{}`", path.display())))
}

/// Whether `path` still names the open `file` (same device and inode).
#[cfg(unix)]
fn same_file(file: &std::fs::File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &std::fs::File, path: &Path) -> bool {
    path.exists()
}

impl OutputDir {
    /// Prepares to write `target`. An existing target is replaced on commit only if it is an
    /// earlier agora output (a run's folder holds `run.json`, a comparison's `comparison.csv`)
    /// or empty, and never through a symbolic link. A lock file beside the target
    /// (`.<name>.lock`) is held until the folder is dropped, so that two runs into one folder
    /// cannot interleave: the second is refused at once.
    pub fn create(target: &Path) -> Result<OutputDir> {
        // The target itself, and every folder of a relative path (`output/` of `output/x`).
        let mut through = vec![target.to_path_buf()];
        if target.is_relative() {
            through.extend(target.ancestors().skip(1).filter(|a| !a.as_os_str().is_empty()).map(Path::to_path_buf));
        }
        if let Some(link) = through.iter().find(|p| is_link(p)) {
            return Err(InputError::new(format!(
                "`{}` is a symbolic link; refusing to write through it, out of the folder chosen",
                link.display()
            ))
            .help("choose a real folder with --out, or remove the link")
            .into());
        }
        if target.exists() && !is_ours(target) {
            return Err(InputError::new(format!(
                "`{}` exists and is not an agora output folder; refusing to replace it",
                target.display()
            ))
            .help("choose another folder with --out, or move that one away")
            .into());
        }
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(|e| Error::io(format!("creating `{}`", parent.display()), e))?;
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "run".into());
        let lock_path = parent.join(format!(".{name}.lock"));
        let lock = (lock_path.clone(), lock(&lock_path, target)?);
        let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if tmp.exists() {
            let _ = std::fs::remove_dir_all(&tmp);
        }
        std::fs::create_dir_all(&tmp).map_err(|e| Error::io(format!("creating `{}`", tmp.display()), e))?;
        Ok(OutputDir { target: target.to_path_buf(), tmp, committed: false, lock })
    }

    /// The folder to write into now.
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// The folder the files will end up in.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Moves the folder of an interrupted run into place, unless that would replace a
    /// complete earlier result: then it goes beside it, as `<name>.interrupted`.
    pub fn commit_interrupted(mut self) -> Result<PathBuf> {
        if self.target.exists() && is_complete(&self.target) {
            let name = self.target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let aside = self.target.with_file_name(format!("{name}.interrupted"));
            if is_link(&aside) || (aside.exists() && !is_ours(&aside)) {
                return Err(Error::Run(format!(
                    "`{}` holds a complete earlier result and `{}` is not an agora folder; the interrupted run was not kept",
                    self.target.display(),
                    aside.display()
                )));
            }
            self.target = aside;
        }
        self.commit()
    }

    /// Moves the finished folder into place, replacing an earlier result.
    pub fn commit(mut self) -> Result<PathBuf> {
        let old = self.tmp.with_file_name(format!(
            ".{}.old-{}",
            self.target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            std::process::id()
        ));
        let had_old = self.target.exists();
        if had_old {
            std::fs::rename(&self.target, &old)
                .map_err(|e| Error::io(format!("moving the earlier `{}` aside", self.target.display()), e))?;
        }
        if let Err(e) = std::fs::rename(&self.tmp, &self.target) {
            if had_old {
                let _ = std::fs::rename(&old, &self.target);
            }
            return Err(Error::io(format!("moving the new results into `{}`", self.target.display()), e));
        }
        if had_old {
            let _ = std::fs::remove_dir_all(&old);
        }
        self.committed = true;
        Ok(self.target.clone())
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
        // Removed while still held (the file closes after this), so no other run can hold it.
        let _ = std::fs::remove_file(&self.lock.0);
        let _ = self.lock.1.unlock();
    }
}

/// Writes `contents` to `path` through a temporary file and a rename.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let tmp = path.with_file_name(format!(
        ".{}.tmp-{}",
        path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        std::process::id()
    ));
    std::fs::write(&tmp, contents).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(format!("writing `{}`", path.display()), e)
    })?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(format!("writing `{}`", path.display()), e)
    })
}

/// Facts about a run for `run.json`: what made the results, so any figure can be re-made.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    /// Always "agora".
    pub engine: &'static str,
    /// Engine version.
    pub version: &'static str,
    /// Git commit of the engine build.
    pub git_commit: &'static str,
    /// Scenario name.
    pub scenario: String,
    /// The scenario file, as given.
    pub scenario_file: Option<String>,
    /// SHA-256 of `scenario.resolved.toml`.
    pub scenario_sha256: String,
    /// Master seed.
    pub seed: u64,
    /// Worker threads used.
    pub threads: usize,
    /// Operating system and architecture.
    pub platform: String,
    /// The command line.
    pub command_line: Vec<String>,
    /// Seconds from start to the end of writing.
    pub wall_seconds: f64,
    /// Agent-steps simulated.
    pub agent_steps: u64,
    /// Agent-steps per second of wall time spent simulating.
    pub agent_steps_per_second: f64,
    /// Whether every replicate ran to the end and every file was written; `false` for a run
    /// stopped by a signal, which holds only its complete replicates.
    pub complete: bool,
    /// The replicates written (all of them, unless the run was interrupted).
    pub replicates_complete: u64,
    /// What the charts need to know of each regime entry, in the scenario's order.
    pub entries: Vec<EntryInfo>,
    /// Every metric column: name, unit, meaning and chart title.
    pub metrics: Vec<MetricInfo>,
    /// Settings the plan accepted but that act on nothing here, each naming its key.
    pub warnings: Vec<String>,
}

/// What the charts need to know of a regime entry, so that they never read a regime's
/// settings by name.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct EntryInfo {
    /// The entry as listed.
    pub label: String,
    /// Its regime kind.
    pub regime: String,
    /// Whether its members produce and consume goods.
    pub material: bool,
    /// What they hold besides goods: `none`, `money` or `credit`.
    pub money: String,
    /// The distribution theory predicts for its money (`exponential`), if any.
    pub reference_law: Option<String>,
    /// The world rules its variant gives it besides the scenario's (`resource.governance =
    /// "ostrom"`): an institutional bundle, allocation plus these rules, never the allocation
    /// alone. Empty for an entry under the scenario's rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bundle: Vec<String>,
}

/// A metric column, as `run.json` describes it.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct MetricInfo {
    /// Column name.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// What it measures.
    pub about: String,
    /// Chart title (empty: derived from the name).
    pub title: String,
}

impl RunInfo {
    /// The facts known before the run starts (`complete` false until the end).
    pub fn start(scenario: &Plan, threads: usize, command_line: Vec<String>) -> RunInfo {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(scenario.resolved_toml.as_bytes());
        let entries = scenario
            .entries
            .iter()
            .map(|e| EntryInfo {
                label: e.label.clone(),
                regime: e.info.name.to_string(),
                material: e.traits.material,
                money: e.traits.money.name().to_string(),
                reference_law: e.config.reference_law().map(|l| l.name().to_string()),
                bundle: e.bundle(&scenario.world),
            })
            .collect();
        let metrics = scenario
            .layout
            .metrics
            .iter()
            .map(|m| MetricInfo {
                name: m.name.into(),
                unit: m.unit.into(),
                about: m.about.into(),
                title: m.title.into(),
            })
            .collect();
        RunInfo {
            engine: "agora",
            version: VERSION,
            git_commit: GIT_COMMIT,
            scenario: scenario.name.clone(),
            scenario_file: scenario.path.as_ref().map(|p| p.display().to_string()),
            scenario_sha256: digest.iter().map(|b| format!("{b:02x}")).collect(),
            seed: scenario.run.seed,
            threads,
            platform: format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH),
            command_line,
            wall_seconds: 0.0,
            agent_steps: 0,
            agent_steps_per_second: 0.0,
            complete: false,
            replicates_complete: 0,
            entries,
            metrics,
            warnings: scenario.warnings.iter().map(|w| w.to_string()).collect(),
        }
    }

    /// Writes `run.json` into `dir`.
    pub fn write(&self, dir: &Path) -> Result<()> {
        let json = serde_json::to_string_pretty(self).map_err(|e| Error::Run(format!("run.json: {e}")))?;
        write_atomic(&dir.join("run.json"), format!("{json}\n").as_bytes())
    }
}

/// Collects snapshot rows while the engine runs: each (entry, replicate, step) goes to its own
/// part file, block after block, and [`SnapshotWriter::finish`] joins them in a fixed order.
pub struct SnapshotWriter<'a> {
    dir: PathBuf,
    scenario: &'a Plan,
    errors: Mutex<Vec<Error>>,
}

impl<'a> SnapshotWriter<'a> {
    /// Writes part files under `dir`.
    pub fn new(dir: &Path, scenario: &'a Plan) -> Self {
        SnapshotWriter { dir: dir.to_path_buf(), scenario, errors: Mutex::new(Vec::new()) }
    }

    fn part_path(&self, step: u64, entry: usize, replicate: u64) -> PathBuf {
        self.dir.join(format!(".agents_step{step}.{entry:04}.{replicate:08}.part"))
    }

    /// Joins the part files of the replicates `done` into `agents_step<T>.csv`, entries in
    /// scenario order, replicates ascending, and removes the parts.
    pub fn finish(self, done: &[u64]) -> Result<()> {
        if let Some(e) = self.errors.lock().ok().and_then(|mut v| v.pop()) {
            return Err(e);
        }
        let f = self.scenario;
        let reps = match f.output.snapshot_replicates {
            0 => f.run.replicates,
            k => k.min(f.run.replicates),
        };
        for &step in f.snapshot_steps() {
            let path = self.dir.join(format!("agents_step{step}.csv"));
            let mut out = std::io::BufWriter::new(
                std::fs::File::create(&path).map_err(|e| Error::io(format!("creating `{}`", path.display()), e))?,
            );
            use std::io::Write;
            out.write_all(tables::snapshot_header(&f.world.population.goods).as_bytes())
                .map_err(|e| Error::io(format!("writing `{}`", path.display()), e))?;
            for e in 0..f.entries.len() {
                for r in (0..reps).filter(|r| done.binary_search(r).is_ok()) {
                    let part = self.part_path(step, e, r);
                    let mut file = match std::fs::File::open(&part) {
                        Ok(file) => file,
                        Err(_) => continue,
                    };
                    std::io::copy(&mut file, &mut out)
                        .map_err(|e| Error::io(format!("writing `{}`", path.display()), e))?;
                    let _ = std::fs::remove_file(&part);
                }
            }
            out.flush().map_err(|e| Error::io(format!("writing `{}`", path.display()), e))?;
        }
        // Parts of replicates an interrupt left unfinished are not results.
        if let Ok(read) = std::fs::read_dir(&self.dir) {
            for entry in read.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with(".agents_step") && name.ends_with(".part") {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
        Ok(())
    }
}

impl Observer for SnapshotWriter<'_> {
    fn snapshot(&self, s: &Snapshot) -> Result<()> {
        use std::io::Write;
        let path = self.part_path(s.step, s.entry, s.replicate);
        let rows = tables::snapshot_rows(s);
        let written = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(!s.first)
            .truncate(s.first)
            .open(&path)
            .and_then(|mut f| f.write_all(&rows));
        if let Err(e) = written {
            let err = Error::io(format!("writing `{}`", path.display()), e);
            self.errors.lock().map(|mut v| v.push(err)).ok();
        }
        Ok(())
    }
}

/// Writes every CSV and the resolved scenario of a finished run into `dir`, and with
/// `[output] format = ["csv", "parquet"]` each table as Parquet beside its CSV.
pub fn write_tables(dir: &Path, scenario: &Plan, out: &RunOutput) -> Result<()> {
    write_atomic(&dir.join("scenario.resolved.toml"), scenario.resolved_toml.as_bytes())?;
    let mut wanted =
        vec![("timeseries", tables::timeseries_csv(out)?), ("summary", tables::summary_csv(scenario, out)?)];
    if scenario.entries.len() > 1 {
        wanted.push(("comparison", tables::comparison_csv(scenario, out)?));
    }
    for (name, csv) in &wanted {
        write_atomic(&dir.join(format!("{name}.csv")), csv)?;
        // From the CSV text itself, so that both files hold the same values.
        if scenario.output.format.parquet() {
            write_atomic(&dir.join(format!("{name}.parquet")), &arrow::parquet_bytes(&arrow::csv_table(csv)?)?)?;
        }
    }
    Ok(())
}

/// What [`write_figures`] wrote.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    /// The plot files, in drawing order.
    pub plots: Vec<PathBuf>,
    /// `report.html`, if written.
    pub report: Option<PathBuf>,
}

/// Draws the plots (in `formats`, into `dir/plots/`) and, if `report`, `dir/report.html` of
/// the run in `dir`, from its files alone. With neither asked for, reads nothing.
pub fn write_figures(dir: &Path, formats: &[PlotFormat], report: bool) -> Result<Figures> {
    if formats.is_empty() && !report {
        return Ok(Figures::default());
    }
    let data = plots::RunData::load(dir)?;
    draw_figures(&data, formats, report)
}

/// Like [`write_figures`], for a run folder already read (into `data.dir`).
pub fn draw_figures(data: &plots::RunData, formats: &[PlotFormat], report: bool) -> Result<Figures> {
    let (drawn, written) = plots::write_plots(data, formats, report)?;
    let report = if report {
        let path = data.dir.join("report.html");
        write_atomic(&path, report::render(data, &drawn).as_bytes())?;
        Some(path)
    } else {
        None
    };
    Ok(Figures { plots: written, report })
}
