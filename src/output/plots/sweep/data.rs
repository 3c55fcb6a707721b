//! A sweep folder read for its charts and page: `design.json`, `sweep.csv`,
//! `sensitivity.csv`, `failures.csv` and `sweep.resolved.toml`.

use crate::error::{Error, Result};
use crate::output::sweep::design::SweepDesign;
use std::path::{Path, PathBuf};

/// One row of `sweep.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRow {
    /// Point id.
    pub point: String,
    /// Parameter values as written in the file.
    pub values: Vec<String>,
    /// Regime entry.
    pub regime: String,
    /// Metric.
    pub metric: String,
    /// Mean over replicates.
    pub mean: f64,
    /// Its 95% interval.
    pub ci95_low: f64,
    /// Upper end.
    pub ci95_high: f64,
    /// Replicates.
    pub n: u64,
    /// Paired difference from the baseline.
    pub diff: f64,
    /// Its interval.
    pub diff_low: f64,
    /// Upper end.
    pub diff_high: f64,
    /// Failed replicates.
    pub failed: u64,
}

/// One row of `sensitivity.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct SensitivityRow {
    /// Entry, or `entry - baseline`.
    pub regime: String,
    /// Metric.
    pub metric: String,
    /// Parameter.
    pub parameter: String,
    /// `sobol`, `morris` or `prcc`.
    pub method: String,
    /// The index.
    pub index: String,
    /// Value.
    pub value: f64,
    /// Interval.
    pub ci95_low: f64,
    /// Upper end.
    pub ci95_high: f64,
}

/// A sweep folder, read.
#[derive(Debug, Clone)]
pub struct SweepData {
    /// The folder.
    pub dir: PathBuf,
    /// Its design.
    pub design: SweepDesign,
    /// `sweep.csv`.
    pub rows: Vec<SweepRow>,
    /// `sensitivity.csv`, if any.
    pub sensitivity: Vec<SensitivityRow>,
    /// Failed runs (`failures.csv`): point, replicate, error.
    pub failures: Vec<(String, String, String)>,
    /// `sweep.resolved.toml`.
    pub resolved_toml: String,
}

fn cell(x: &str) -> f64 {
    if x.is_empty() {
        f64::NAN
    } else {
        x.parse().unwrap_or(f64::NAN)
    }
}

/// A CSV file's header and rows.
type Csv = (Vec<String>, Vec<Vec<String>>);

fn read_csv(path: &Path) -> Result<Option<Csv>> {
    if !path.is_file() {
        return Ok(None);
    }
    let bad = |e: csv::Error| Error::Run(format!("reading `{}`: {e}", path.display()));
    let mut r = csv::Reader::from_path(path).map_err(bad)?;
    let header = r.headers().map_err(bad)?.iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|rec| rec.map(|rec| rec.iter().map(str::to_string).collect()))
        .collect::<std::result::Result<_, _>>()
        .map_err(bad)?;
    Ok(Some((header, rows)))
}

impl SweepData {
    /// Reads a sweep folder.
    pub fn load(dir: &Path) -> Result<SweepData> {
        let design = SweepDesign::read(dir)?;
        let d = design.parameters.len();
        let mut rows = Vec::new();
        if let Some((header, recs)) = read_csv(&dir.join("sweep.csv"))? {
            let at = |name: &str| header.iter().position(|h| h == name);
            let (Some(regime), Some(metric)) = (at("regime"), at("metric")) else {
                return Err(Error::Run(format!(
                    "`{}` has no regime and metric columns",
                    dir.join("sweep.csv").display()
                )));
            };
            let col = |r: &[String], name: &str| at(name).map_or(f64::NAN, |i| cell(&r[i]));
            for r in recs {
                rows.push(SweepRow {
                    point: r[0].clone(),
                    values: r[2..2 + d].to_vec(),
                    regime: r[regime].clone(),
                    metric: r[metric].clone(),
                    mean: col(&r, "mean"),
                    ci95_low: col(&r, "ci95_low"),
                    ci95_high: col(&r, "ci95_high"),
                    n: col(&r, "n").max(0.0) as u64,
                    diff: col(&r, "diff"),
                    diff_low: col(&r, "diff_ci95_low"),
                    diff_high: col(&r, "diff_ci95_high"),
                    failed: col(&r, "failed").max(0.0) as u64,
                });
            }
        }
        let mut sensitivity = Vec::new();
        if let Some((_, recs)) = read_csv(&dir.join("sensitivity.csv"))? {
            for r in recs.into_iter().filter(|r| r.len() >= 8) {
                sensitivity.push(SensitivityRow {
                    regime: r[0].clone(),
                    metric: r[1].clone(),
                    parameter: r[2].clone(),
                    method: r[3].clone(),
                    index: r[4].clone(),
                    value: cell(&r[5]),
                    ci95_low: cell(&r[6]),
                    ci95_high: cell(&r[7]),
                });
            }
        }
        let failures = read_csv(&dir.join("failures.csv"))?
            .map(|(_, recs)| {
                recs.into_iter().filter(|r| r.len() >= 4).map(|r| (r[0].clone(), r[1].clone(), r[3].clone())).collect()
            })
            .unwrap_or_default();
        let resolved_toml = std::fs::read_to_string(dir.join("sweep.resolved.toml")).unwrap_or_default();
        Ok(SweepData { dir: dir.to_path_buf(), design, rows, sensitivity, failures, resolved_toml })
    }

    /// The colour index of an entry ([`crate::output::plots::style::entry_colours`]): the same
    /// as in a run's charts and report.
    pub fn colour_index(&self, label: &str) -> usize {
        let k = self.design.entries.iter().position(|e| e == label).unwrap_or(0);
        crate::output::plots::style::entry_colours(&self.design.entries).get(k).copied().unwrap_or(0)
    }

    /// A metric's title.
    pub fn metric_title(&self, name: &str) -> String {
        match self.design.metrics.iter().find(|m| m.name == name) {
            Some(m) if !m.title.is_empty() => m.title.clone(),
            _ => {
                let s = name.replace('_', " ");
                s.get(0..1).map(|f| f.to_uppercase() + &s[1..]).unwrap_or(s)
            }
        }
    }

    /// A metric's unit.
    pub fn metric_unit(&self, name: &str) -> String {
        self.design.metrics.iter().find(|m| m.name == name).map(|m| m.unit.clone()).unwrap_or_default()
    }

    /// The distinct points in file order, each with its values.
    pub fn points(&self) -> Vec<(&str, &[String])> {
        let mut out: Vec<(&str, &[String])> = Vec::new();
        for r in &self.rows {
            if out.last().map(|p| p.0) != Some(r.point.as_str()) {
                out.push((&r.point, &r.values));
            }
        }
        out
    }

    /// The row of `point`, `regime`, `metric`.
    pub fn row(&self, point: &str, regime: &str, metric: &str) -> Option<&SweepRow> {
        self.rows.iter().find(|r| r.point == point && r.regime == regime && r.metric == metric)
    }

    /// Whether parameter `i` is numeric at every point, with at least two values.
    pub(super) fn numeric(&self, i: usize) -> Option<Vec<f64>> {
        let mut xs: Vec<f64> = Vec::new();
        for (_, v) in self.points() {
            let x: f64 = v[i].parse().ok()?;
            if !xs.contains(&x) {
                xs.push(x);
            }
        }
        (xs.len() >= 2).then(|| {
            xs.sort_by(f64::total_cmp);
            xs
        })
    }
}
