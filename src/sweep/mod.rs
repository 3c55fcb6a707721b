//! Sweeps: one scenario run at many points of its parameters (`[sweep]` in the scenario file),
//! resumable, shardable and analysed.
//!
//! [`Sweep::load`] reads the file, expands the design ([`points`]) and plans every point
//! before anything runs: each point's values are laid over the scenario document with
//! [`crate::scenario::settings::apply`] and the result goes through the same parser, validator
//! and plan as any file, so a bad value is refused up front, naming the point and the key.
//! [`run`] then runs the missing (point, replicate) pairs in parallel, in design order,
//! appending each result to a journal ([`store`]) as it ends; [`finish`] (also the last step
//! of [`merge`]) makes `sweep.csv`, `sensitivity.csv`, charts and `sweep.html` from the
//! design files and the journals alone ([`results`]), so the files never depend on how the
//! work was split, interrupted or resumed, nor on the thread count.
//!
//! Designs and estimators (Latin hypercube, Sobol', Saltelli, Morris; Sobol' and Morris
//! indices, partial rank correlation) are the crate [`agora_doe`], which knows nothing of
//! agora. Cost estimates before a run: [`estimate`]. Cluster job arrays: [`slurm`].

pub mod estimate;
mod execute;
mod finish;
pub mod points;
pub mod results;
pub mod slurm;
pub mod store;
mod task;

pub use execute::{guard_resources, run, SweepOptions, SweepProgress, SweepReport};
pub use finish::{finish, merge, read_design, Finished, MergeReport, DESIGN_FILES};

use crate::error::{InputError, Result};
use crate::output::sweep::design::SweepDesign;
use crate::output::{MetricInfo, VERSION};
use crate::plan::{self, Plan};
use crate::scenario::sweep::SweepConfig;
use crate::scenario::{self, settings, sweep as config, Overrides, Source};
use points::Setting;
use rayon::prelude::*;
use results::PositionRow;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One distinct point of a sweep, planned.
#[derive(Debug, Clone)]
pub struct SweepPoint {
    /// Its id.
    pub id: String,
    /// The values it sets.
    pub setting: Setting,
    /// Its seed.
    pub seed: u64,
    /// The hash of its scenario ([`result_hash`]).
    pub hash: String,
    /// What it runs.
    pub plan: Plan,
}

/// A sweep read, expanded and planned, ready to run.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// The scenario file.
    pub path: PathBuf,
    /// `[sweep]`, checked.
    pub config: SweepConfig,
    /// The scenario without its `[sweep]`.
    pub base: Plan,
    /// The distinct points, in order of first appearance in the design.
    pub points: Vec<SweepPoint>,
    /// For each design position, its point (index into `points`).
    pub positions: Vec<usize>,
    /// `design.json`.
    pub info: SweepDesign,
    /// `points.csv`.
    pub rows: Vec<PositionRow>,
    /// `sweep.resolved.toml`: the scenario resolved, then the `[sweep]` section resolved.
    pub resolved_toml: String,
    /// The table of a table design, copied into the sweep folder as `table.csv`.
    pub table_text: Option<Vec<u8>>,
    /// The sweep folder.
    pub out: PathBuf,
    /// The command-line values given.
    pub overrides: Overrides,
    /// Warnings of the points beyond the base scenario's (`base.warnings`), each once: settings
    /// accepted that act on nothing at some point.
    pub warnings: Vec<InputError>,
}

/// Whether the scenario file at `path` has a `[sweep]` table (for the CLI's warning when
/// `agora run` is given one).
pub fn has_sweep(path: &Path) -> bool {
    scenario::read(path).ok().and_then(|s| s.text.parse::<toml::Table>().ok()).is_some_and(|t| t.contains_key("sweep"))
}

/// SHA-256 of a point's resolved scenario without what cannot change its results (name,
/// description, question, baseline, `[output]`, `run.replicates`, `run.threads`), with the
/// engine version: a record is reused only for the same hash.
pub fn result_hash(resolved_toml: &str) -> String {
    let mut t: toml::Table = resolved_toml.parse().unwrap_or_default();
    for k in ["name", "description", "question", "baseline", "output"] {
        t.remove(k);
    }
    if let Some(toml::Value::Table(run)) = t.get_mut("run") {
        run.remove("replicates");
        run.remove("threads");
    }
    let text = toml::to_string(&t).unwrap_or_default();
    let digest = Sha256::digest(format!("agora {VERSION}\n{text}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The seed of point `id` under independent streams: a mix of the scenario's seed and the id,
/// below 2^63 so that TOML can write it.
pub fn independent_seed(base: u64, id: &str) -> u64 {
    crate::rng::splitmix64(base ^ points::id_number(id).rotate_left(17)) & (i64::MAX as u64)
}

/// Where in the file an error of point planning belongs: at the swept key it concerns, or at
/// the key in the scenario.
fn locate_point_error(mut e: InputError, text: &str, keys: &[String]) -> InputError {
    let key = e.key.clone().unwrap_or_default();
    let swept = keys.iter().find(|k| {
        key == **k
            || key.starts_with(&format!("{k}."))
            || k.starts_with(&format!("{key}."))
            || key == format!("sweep.{k}")
    });
    e.position = match swept {
        Some(k) => config::position(text, k),
        None => scenario::source::locate(text, &key),
    };
    e
}

impl Sweep {
    /// Reads the sweep in the scenario file `path`, expands its design and plans every point.
    pub fn load(path: &Path, overrides: &Overrides) -> Result<Sweep> {
        let src = scenario::read(path)?;
        Ok(Sweep::from_source(&src, overrides)?)
    }

    /// Like [`Sweep::load`], from text already read (`src.path` resolves a table design).
    pub fn from_source(src: &Source, overrides: &Overrides) -> Result<Sweep, InputError> {
        let text = &src.text;
        let base = plan::plan(src, overrides)?;
        let mut doc: toml::Table = text.parse().map_err(|e| src.in_file(InputError::new(format!("{e}"))))?;
        let raw = match doc.remove("sweep") {
            Some(toml::Value::Table(t)) => t,
            Some(_) => return Err(src.locate(InputError::at("sweep", "must be a table"))),
            None => {
                return Err(src.in_file(InputError::new("has no `[sweep]` table, so there is nothing to sweep").help(
                    "add one, for example:\n  [sweep]\n  \"population.strategies.free_rider\" = { from = 0.0, to = 0.5, steps = 6 }\n  or run the scenario with `agora run`",
                )))
            }
        };
        let cfg = SweepConfig::parse(&raw, text).map_err(|e| src.in_file(e))?;
        let dir = src.path.as_ref().and_then(|p| p.parent()).map(Path::to_path_buf).unwrap_or_default();
        let (table, table_text) = match &cfg.design {
            config::Design::Table { table: t, .. } => {
                let p = dir.join(t);
                let bytes = std::fs::read(&p).map_err(|e| {
                    InputError::new(format!("cannot read the sweep's table of points: {e}")).in_file(&p)
                })?;
                (Some(points::read_table(&p)?), Some(bytes))
            }
            _ => (None, None),
        };
        let expansion = points::expand(&cfg, table).map_err(|e| {
            let key = e.key.clone().unwrap_or_default();
            let k = key.strip_prefix("sweep.").unwrap_or(&key);
            InputError { position: config::position(text, k), ..src.in_file(e) }
        })?;
        let keys = expansion.keys.clone();
        for (flag, key, given) in [
            ("--agents", "run.agents", overrides.agents.is_some()),
            ("--steps", "run.steps", overrides.steps.is_some()),
        ] {
            if given && keys.iter().any(|k| k == key) {
                return Err(src
                    .in_file(InputError::at(flag, format!("would override the swept `{key}` at every point")))
                    .help(format!("drop {flag}, or stop sweeping `{key}`")));
            }
        }
        // Headline metrics: from the run's columns.
        let names = base.layout.names();
        let metrics: Vec<String> = match &cfg.metrics {
            Some(list) => {
                for m in list {
                    if !names.contains(m) {
                        let e = InputError::at("sweep.metrics", format!("`{m}` is not a metric of this scenario"));
                        let e = match scenario::source::did_you_mean(m, names.iter().map(String::as_str)) {
                            Some(b) => {
                                e.help(format!("did you mean `{b}`? docs/guide/src/metrics.md lists the metrics"))
                            }
                            None => e.help("docs/guide/src/metrics.md lists the metrics"),
                        };
                        return Err(InputError { position: config::position(text, "metrics"), ..src.in_file(e) });
                    }
                }
                list.clone()
            }
            None => crate::metrics::headline()
                .iter()
                .filter(|m| names.iter().any(|n| n == *m))
                .map(|m| m.to_string())
                .collect(),
        };
        if let Some(stop) = cfg.design.stop() {
            let at = |e: InputError| InputError { position: config::position(text, "stop"), ..src.in_file(e) };
            if !names.contains(&stop.metric) {
                return Err(at(InputError::at(
                    "sweep.stop",
                    format!("`{}` is not a metric of this scenario", stop.metric),
                )));
            }
            if let Some(r) = &stop.regime {
                if base.entry(r).is_none() {
                    let labels: Vec<&str> = base.entries.iter().map(|e| e.label.as_str()).collect();
                    return Err(at(InputError::at("sweep.stop", format!("`{r}` is not one of the listed regimes"))
                        .help(format!("regimes: {}", labels.join(", ")))));
                }
            }
        }
        // Distinct points, in order of first appearance.
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut distinct: Vec<(String, Setting)> = Vec::new();
        let mut positions = Vec::with_capacity(expansion.positions.len());
        for setting in &expansion.positions {
            let id = points::point_id(setting);
            let k = *index.entry(id.clone()).or_insert_with(|| {
                distinct.push((id.clone(), setting.clone()));
                distinct.len() - 1
            });
            positions.push(k);
        }
        let out = overrides.out.clone().unwrap_or_else(|| base.output_dir.clone());
        let base_seed = base.run.seed;
        let total = distinct.len();
        let planned: Vec<Result<SweepPoint, InputError>> = distinct
            .par_iter()
            .enumerate()
            .map(|(i, (id, setting))| {
                let seed = match cfg.seeds {
                    config::SeedMode::Common => base_seed,
                    config::SeedMode::Independent => independent_seed(base_seed, id),
                };
                let mut point_doc = doc.clone();
                // A parameter of linked keys sets each of them to its value.
                let mut values: Vec<(String, toml::Value)> = setting
                    .iter()
                    .flat_map(|(k, v)| {
                        crate::scenario::sweep::linked_keys(k).into_iter().map(move |one| (one.to_string(), v.clone()))
                    })
                    .collect();
                values.push(("run.seed".into(), toml::Value::Integer(seed as i64)));
                let ov = Overrides { seed: None, out: Some(out.join("runs").join(id)), ..overrides.clone() };
                let planned = settings::apply(&mut point_doc, &values)
                    .and_then(|()| {
                        let point_text = toml::to_string(&point_doc)
                            .map_err(|e| InputError::new(format!("internal: cannot write point {id}: {e}")))?;
                        plan::parse(&point_text, src.path.as_deref(), &ov)
                    })
                    .map_err(|e| {
                        let mut e = locate_point_error(e, text, &keys);
                        e.file = src.path.clone().map(PathBuf::into_boxed_path);
                        e.message = format!(
                            "at sweep point {} of {total} ({}; id {id}): {}",
                            i + 1,
                            points::describe(setting),
                            e.message
                        );
                        e
                    })?;
                let mut plan = planned;
                // Warnings point at the key in the file, like errors.
                plan.warnings = std::mem::take(&mut plan.warnings)
                    .into_iter()
                    .map(|w| InputError {
                        file: src.path.clone().map(PathBuf::into_boxed_path),
                        ..locate_point_error(w, text, &keys)
                    })
                    .collect();
                if !cfg.keep_runs {
                    // A point's own files are not written: no snapshots to copy.
                    plan.output.snapshots = Some(Vec::new());
                }
                let hash = result_hash(&plan.resolved_toml);
                Ok(SweepPoint { id: id.clone(), setting: setting.clone(), seed, hash, plan })
            })
            .collect();
        let points: Vec<SweepPoint> = planned.into_iter().collect::<Result<_, _>>()?;
        // The points' warnings (a swept key that acts on nothing, ...), each once.
        let mut warnings: Vec<InputError> = Vec::new();
        for w in points.iter().flat_map(|p| &p.plan.warnings) {
            if !base.warnings.iter().chain(&warnings).any(|x| x.key == w.key && x.message == w.message) {
                warnings.push(w.clone());
            }
        }
        let rows: Vec<PositionRow> = positions
            .iter()
            .map(|&k| {
                let p = &points[k];
                PositionRow {
                    point: p.id.clone(),
                    seed: p.seed,
                    hash: p.hash.clone(),
                    values: keys
                        .iter()
                        .map(|key| p.setting.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()))
                        .collect(),
                }
            })
            .collect();
        let metric_info = |name: &str| -> MetricInfo {
            match base.layout.metrics.iter().find(|m| m.name == name) {
                Some(m) => MetricInfo {
                    name: m.name.into(),
                    unit: m.unit.into(),
                    about: m.about.into(),
                    title: m.title.into(),
                },
                None => MetricInfo {
                    name: name.into(),
                    unit: "unit of account per unit".into(),
                    about: format!("price of {}", name.trim_start_matches("price_")),
                    title: String::new(),
                },
            }
        };
        let info = SweepDesign {
            format: SweepDesign::FORMAT,
            name: base.name.clone(),
            description: String::new(),
            question: String::new(),
            design: cfg.design.kind(),
            parameters: keys.clone(),
            n: cfg.design.n(),
            design_seed: cfg.design_seed,
            trajectories: cfg.design.trajectories(),
            levels: cfg.design.levels(),
            saltelli: cfg.design.saltelli(),
            seeds: cfg.seeds,
            base_seed,
            replicates: base.run.replicates,
            agents: base.run.agents,
            steps: base.run.steps,
            warmup: base.run.warmup,
            entries: base.entries.iter().map(|e| e.label.clone()).collect(),
            baseline: base.baseline.clone(),
            metrics: metrics.iter().map(|m| metric_info(m)).collect(),
            bootstrap: cfg.bootstrap,
            stop: cfg.design.stop().cloned(),
            keep_runs: cfg.keep_runs,
            plots: base.output.plots.0.clone(),
            report: base.output.report,
            points: points.len(),
            positions: rows.len(),
        };
        let info = describe_info(info, text);
        let mut sweep_cfg = cfg.clone();
        if let config::Design::Table { table, .. } = &mut sweep_cfg.design {
            "table.csv".clone_into(table);
        }
        let resolved_toml = format!("{}\n{}", base.resolved_toml, sweep_cfg.to_toml());
        Ok(Sweep {
            path: src.path.clone().unwrap_or_default(),
            config: cfg,
            base,
            points,
            positions,
            info,
            rows,
            resolved_toml,
            table_text,
            out,
            overrides: overrides.clone(),
            warnings,
        })
    }

    /// The distinct points (indices into `points`) that shard `k` of `n` runs: those whose id,
    /// read as a number, is `k` modulo `n`. It depends on the id alone, so shards stay the same
    /// as the design grows.
    pub fn shard(&self, k: u64, n: u64) -> Vec<usize> {
        (0..self.points.len()).filter(|&i| points::id_number(&self.points[i].id) % n == k).collect()
    }

    /// Creates the sweep folder (or checks that it is one) and writes the files that define
    /// the sweep, as `agora slurm` does before any task starts.
    pub fn prepare(&self) -> Result<()> {
        execute::write_design(self)
    }

    /// Runs of the whole sweep: distinct points times replicates.
    pub fn runs(&self) -> u64 {
        self.points.len() as u64 * self.base.run.replicates
    }
}

/// Fills the description and question from the scenario text's top-level keys.
fn describe_info(mut info: SweepDesign, text: &str) -> SweepDesign {
    if let Ok(t) = text.parse::<toml::Table>() {
        let get = |k: &str| t.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
        info.description = get("description");
        info.question = get("question");
    }
    info
}
