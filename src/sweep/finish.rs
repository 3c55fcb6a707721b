//! The end of every sweep: its tables, charts and page made from the sweep folder's files
//! alone ([`finish`], also the last step of `agora sweep`), and shards of one sweep joined
//! into one folder first ([`merge`]).

use super::points::{self, Setting};
use super::results::{self, PositionRow, Results};
use super::store;
use crate::error::{Error, InputError, Result};
use crate::output::sweep::design::SweepDesign;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The files that say what a sweep folder's sweep is, and must agree across the folders
/// `agora merge` joins.
pub const DESIGN_FILES: &[&str] = &["design.json", "points.csv"];

/// Reads a sweep folder's design.
pub fn read_design(dir: &Path) -> Result<(SweepDesign, Vec<PositionRow>)> {
    let info = SweepDesign::read(dir)?;
    let rows = results::read_points_csv(&dir.join("points.csv"))?;
    Ok((info, rows))
}

/// What [`finish`] wrote.
#[derive(Debug, Clone, Default)]
pub struct Finished {
    /// The files, in the order written.
    pub files: Vec<PathBuf>,
    /// Runs that failed.
    pub failed: usize,
    /// Points the stop rule left out.
    pub stopped: usize,
    /// Notes on the journals read (lines skipped).
    pub notes: Vec<String>,
}

/// Writes a complete sweep's tables, charts and page into `dir` from its design files and
/// journals: `sweep.csv`, `sensitivity.csv` (lhs, sobol, morris), `pairwise.csv` (two
/// regimes or more: how often each beats each other), `failures.csv` (if any run
/// failed), `plots/`, `sweep.html`. Removes `sweep.partial.csv`. Fails, naming them, if points
/// have no results.
pub fn finish(dir: &Path) -> Result<Finished> {
    let (info, rows) = read_design(dir)?;
    let (records, notes) = store::read_records(dir)?;
    let results = Results::new(&info, &rows, records);
    let missing = results.missing();
    if !missing.is_empty() {
        return Err(Error::Run(missing_message(&results, &missing, &[dir.to_path_buf()])));
    }
    let mut files = Vec::new();
    let mut put = |name: &str, bytes: Option<Vec<u8>>| -> Result<()> {
        let path = dir.join(name);
        match bytes {
            Some(b) => {
                store::write_file(&path, &b)?;
                files.push(path);
            }
            None => {
                let _ = std::fs::remove_file(&path);
            }
        }
        Ok(())
    };
    put("sweep.csv", Some(results.sweep_csv(None)?))?;
    put("sensitivity.csv", results.sensitivity_csv()?)?;
    put("pairwise.csv", results.pairwise_csv()?)?;
    put("failures.csv", results.failures_csv()?)?;
    let _ = std::fs::remove_file(dir.join("sweep.partial.csv"));
    let figures = crate::output::sweep::write_figures(dir, &info.plots, info.report)?;
    files.extend(figures.plots);
    files.extend(figures.report);
    let (stopped, _) = results.stopped();
    Ok(Finished {
        files,
        failed: results.used().iter().filter(|r| !r.ok).count(),
        stopped: stopped.iter().filter(|s| **s).count(),
        notes,
    })
}

/// A message naming the points that have no results (the first 20), with the shard each
/// belongs to for every shard count the folders' journals were made with.
fn missing_message(results: &Results, missing: &[usize], dirs: &[PathBuf]) -> String {
    let mut counts: Vec<u64> = Vec::new();
    for d in dirs {
        for j in store::journals(d) {
            let name = j.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            if let Some(n) =
                name.strip_prefix("shard-").and_then(|r| r.split_once("-of-")).and_then(|(_, n)| n.parse().ok())
            {
                if !counts.contains(&n) {
                    counts.push(n);
                }
            }
        }
    }
    counts.sort_unstable();
    let mut lines = Vec::new();
    for &k in missing.iter().take(20) {
        let row = &results.rows[results.unique[k]];
        let setting: Setting = results
            .info
            .parameters
            .iter()
            .zip(&row.values)
            .filter_map(|(key, v)| v.clone().map(|v| (key.clone(), v)))
            .collect();
        let have = results.records(&row.point).iter().filter(|r| r.is_some()).count();
        let shards: Vec<String> =
            counts.iter().map(|n| format!("shard {}/{n}", points::id_number(&row.point) % n)).collect();
        lines.push(format!(
            "  point {} ({}): {have} of {} replicates{}",
            row.point,
            points::describe(&setting),
            results.info.replicates,
            if shards.is_empty() { String::new() } else { format!("; {}", shards.join(", ")) }
        ));
    }
    if missing.len() > 20 {
        lines.push(format!("  ... and {} more", missing.len() - 20));
    }
    format!(
        "{} of {} points have no complete results:\n{}\nrun the missing shards (or `agora sweep` on the scenario) and merge again",
        missing.len(),
        results.unique.len(),
        lines.join("\n")
    )
}

/// What [`merge`] did.
#[derive(Debug, Clone)]
pub struct MergeReport {
    /// Where the merged sweep is.
    pub dir: PathBuf,
    /// Distinct points.
    pub points: usize,
    /// Records read, over all folders.
    pub records: usize,
    /// What was written.
    pub finished: Finished,
}

/// Joins the sweep folders `dirs` (shards of one sweep, each with the same `design.json` and
/// `points.csv`) into `out` (default: the first folder): copies the design files and the
/// results of the others there (`results/merged.jsonl`), then [`finish`]es it. Fails if the
/// folders hold different sweeps, or naming every point without complete results.
pub fn merge(dirs: &[PathBuf], out: Option<&Path>) -> Result<MergeReport> {
    let first = dirs.first().ok_or_else(|| InputError::new("give at least one sweep folder to merge"))?;
    let design: Vec<Vec<u8>> = DESIGN_FILES
        .iter()
        .map(|f| {
            std::fs::read(first.join(f)).map_err(|e| {
                Error::from(
                    InputError::new(format!("`{}` is not a sweep folder: cannot read {f}: {e}", first.display()))
                        .help("give folders written by `agora sweep` (with or without --shard)"),
                )
            })
        })
        .collect::<Result<_>>()?;
    for d in &dirs[1..] {
        for (f, bytes) in DESIGN_FILES.iter().zip(&design) {
            let other = std::fs::read(d.join(f)).map_err(|e| {
                Error::from(InputError::new(format!("`{}` is not a sweep folder: cannot read {f}: {e}", d.display())))
            })?;
            if &other != bytes {
                return Err(InputError::new(format!(
                    "`{}` and `{}` hold different sweeps: their {f} differ",
                    first.display(),
                    d.display()
                ))
                .help("merge only shards of one sweep, made from the same scenario and options")
                .into());
            }
        }
    }
    let (info, rows) = read_design(first)?;
    let mut all = Vec::new();
    for d in dirs {
        let (records, _) = store::read_records(d)?;
        all.extend(records);
    }
    let count = all.len();
    // The records of this sweep's points, whole (the tables keep only their metrics).
    let hashes: HashMap<&str, &str> = rows.iter().map(|r| (r.point.as_str(), r.hash.as_str())).collect();
    let own: Vec<store::Record> = all
        .iter()
        .filter(|r| hashes.get(r.point.as_str()) == Some(&r.hash.as_str()) && r.replicate < info.replicates)
        .cloned()
        .collect();
    let results = Results::new(&info, &rows, all);
    let missing = results.missing();
    if !missing.is_empty() {
        return Err(Error::Run(missing_message(&results, &missing, dirs)));
    }
    let out = out.map(Path::to_path_buf).unwrap_or_else(|| first.clone());
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    };
    let out_is_input = dirs.iter().any(|d| same(d, &out));
    if !out_is_input {
        store::prepare_folder(&out)?;
        for f in DESIGN_FILES.iter().copied().chain(["sweep.resolved.toml", "table.csv"]) {
            if let Ok(bytes) = std::fs::read(first.join(f)) {
                store::write_file(&out.join(f), &bytes)?;
            }
        }
    }
    if dirs.len() > 1 || !out_is_input {
        // The results of every folder (of this sweep), so `out` is a complete sweep folder.
        let mut text = Vec::new();
        for r in &own {
            text.extend(serde_json::to_vec(r).map_err(|e| Error::Run(format!("a sweep record: {e}")))?);
            text.push(b'\n');
        }
        let folder = out.join(store::RESULTS);
        std::fs::create_dir_all(&folder).map_err(|e| Error::io(format!("creating `{}`", folder.display()), e))?;
        store::write_file(&folder.join("merged.jsonl"), &text)?;
    }
    let finished = finish(&out)?;
    Ok(MergeReport { dir: out, points: info.points, records: count, finished })
}
