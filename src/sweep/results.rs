//! A sweep's tables, made from its design files (`design.json`, `points.csv`) and the records
//! of its journals alone. `agora sweep` and `agora merge` both end here, so a sweep made on
//! one machine, resumed after a crash, or run in shards and merged gives the same bytes.

use super::points::{canonical, display, unit_design, Unit};
use super::store::Record;
use crate::error::{Error, Result};
use crate::metrics::summary::{paired, stats};
use crate::output::sweep::design::SweepDesign;
use crate::output::tables::num;
use crate::scenario::sweep::DesignKind;
use agora_doe::{morris_indices, prcc, sobol_indices, wilson, AnalysisError, Index};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;

/// One row of `points.csv`: a design position.
#[derive(Debug, Clone, PartialEq)]
pub struct PositionRow {
    /// The point's id.
    pub point: String,
    /// Its seed.
    pub seed: u64,
    /// The hash of its scenario.
    pub hash: String,
    /// Its values, one per parameter (`None`: not set at this point).
    pub values: Vec<Option<toml::Value>>,
}

/// `points.csv`: one row per design position, values as TOML.
pub fn points_csv(info: &SweepDesign, rows: &[PositionRow]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["position".to_string(), "point".into(), "seed".into(), "hash".into()];
    header.extend(info.parameters.iter().cloned());
    w.write_record(&header).map_err(csv_err)?;
    for (i, r) in rows.iter().enumerate() {
        let mut rec = vec![i.to_string(), r.point.clone(), r.seed.to_string(), r.hash.clone()];
        rec.extend(r.values.iter().map(|v| v.as_ref().map(canonical).unwrap_or_default()));
        w.write_record(&rec).map_err(csv_err)?;
    }
    w.into_inner().map_err(|e| Error::Run(format!("writing CSV: {e}")))
}

/// Reads `points.csv` back.
pub fn read_points_csv(path: &Path) -> Result<Vec<PositionRow>> {
    let bad = |m: String| Error::Run(format!("`{}`: {m}", path.display()));
    let mut r = csv::Reader::from_path(path).map_err(|e| bad(e.to_string()))?;
    let mut rows = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| bad(e.to_string()))?;
        if rec.len() < 4 {
            return Err(bad("a row with fewer than 4 cells".into()));
        }
        let values = rec
            .iter()
            .skip(4)
            .map(|cell| {
                if cell.is_empty() {
                    Ok(None)
                } else {
                    format!("v = {cell}")
                        .parse::<toml::Table>()
                        .ok()
                        .and_then(|mut t| t.remove("v"))
                        .map(Some)
                        .ok_or_else(|| bad(format!("`{cell}` is not a TOML value")))
                }
            })
            .collect::<Result<Vec<_>>>()?;
        rows.push(PositionRow {
            point: rec[1].to_string(),
            seed: rec[2].parse().map_err(|_| bad(format!("`{}` is not a seed", &rec[2])))?,
            hash: rec[3].to_string(),
            values,
        });
    }
    Ok(rows)
}

fn csv_err(e: csv::Error) -> Error {
    Error::Run(format!("writing CSV: {e}"))
}

/// The records a sweep's tables are made of, chosen from everything its journals hold.
pub struct Results<'a> {
    /// The design.
    pub info: &'a SweepDesign,
    /// Its positions.
    pub rows: &'a [PositionRow],
    /// Distinct points, in order of first appearance: index of their first row.
    pub unique: Vec<usize>,
    /// Per point id, per replicate `0..replicates`: its record, if one with the point's hash
    /// exists (a finished run if any finished, else the failure).
    chosen: HashMap<String, Vec<Option<Record>>>,
    hashes: HashMap<String, String>,
}

impl<'a> Results<'a> {
    /// Chooses, for every point and replicate, a record whose hash is the point's. Finished
    /// runs win over failures; among failures the first message in sort order is kept, so the
    /// choice never depends on the order the journals were written in.
    pub fn new(info: &'a SweepDesign, rows: &'a [PositionRow], records: Vec<Record>) -> Results<'a> {
        let mut seen = BTreeSet::new();
        let unique: Vec<usize> = (0..rows.len()).filter(|&i| seen.insert(rows[i].point.clone())).collect();
        let reps = info.replicates as usize;
        let chosen: HashMap<String, Vec<Option<Record>>> =
            unique.iter().map(|&i| (rows[i].point.clone(), vec![None; reps])).collect();
        let hashes: HashMap<String, String> =
            unique.iter().map(|&i| (rows[i].point.clone(), rows[i].hash.clone())).collect();
        let mut results = Results { info, rows, unique, chosen, hashes };
        for r in records {
            results.add(r);
        }
        results
    }

    /// Takes one more record into account, by the rule of [`Results::new`]; returns whether
    /// it was used.
    pub fn add(&mut self, mut r: Record) -> bool {
        if self.hashes.get(&r.point) != Some(&r.hash) || r.replicate >= self.info.replicates {
            return false;
        }
        // Only the metrics the tables use stay in memory (the journal keeps them all, so
        // changing `metrics` needs no run).
        let info = self.info;
        for m in r.means.values_mut() {
            m.retain(|k, _| {
                info.metrics.iter().any(|x| &x.name == k) || info.stop.as_ref().is_some_and(|s| &s.metric == k)
            });
        }
        let Some(slots) = self.chosen.get_mut(&r.point) else { return false };
        let slot = &mut slots[r.replicate as usize];
        let better = match slot {
            None => true,
            Some(old) if old.ok => false,
            Some(_) if r.ok => true,
            Some(old) => r.error < old.error,
        };
        if better {
            *slot = Some(r);
        }
        better
    }

    /// Every record used, in design order.
    pub fn used(&self) -> Vec<&Record> {
        self.unique.iter().flat_map(|&i| self.records(&self.rows[i].point).iter().flatten()).collect()
    }

    /// The records of point `id`, per replicate.
    pub fn records(&self, id: &str) -> &[Option<Record>] {
        self.chosen.get(id).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Whether every replicate of point `id` has a record (finished or failed).
    pub fn complete(&self, id: &str) -> bool {
        self.records(id).iter().all(Option::is_some)
    }

    /// Replicates of `id` that failed.
    pub fn failed(&self, id: &str) -> usize {
        self.records(id).iter().filter(|r| r.as_ref().is_some_and(|r| !r.ok)).count()
    }

    /// Replicate means of `metric` in `entry` at point `id` (`NaN` where it is not defined or
    /// the run did not finish).
    pub fn sample(&self, id: &str, entry: &str, metric: &str) -> Vec<f64> {
        self.records(id)
            .iter()
            .map(|r| match r {
                Some(r) if r.ok => r.means.get(entry).and_then(|m| m.get(metric)).copied().unwrap_or(f64::NAN),
                _ => f64::NAN,
            })
            .collect()
    }

    /// Whether point `id`, complete, has crossed the stop rule's bound.
    pub fn crossed(&self, id: &str) -> bool {
        let Some(stop) = &self.info.stop else { return false };
        if !self.complete(id) {
            return false;
        }
        let bound = stop.bound;
        let entries: Vec<&String> = match &stop.regime {
            Some(r) => self.info.entries.iter().filter(|e| *e == r).collect(),
            None => self.info.entries.iter().collect(),
        };
        !entries.is_empty()
            && entries.iter().all(|e| {
                let m = stats(&self.sample(id, e, &stop.metric)).mean;
                m.is_finite() && bound.crossed(m)
            })
    }

    /// The lines of the stop rule: for each distinct point (by index into `unique`), its line
    /// and its place along it. Grid lines run along `along` (default the first parameter) with
    /// every other parameter fixed; zip and table designs are one line in design order.
    pub fn lines(&self) -> Vec<(String, usize)> {
        let along =
            self.info.stop.as_ref().and_then(|s| s.along.clone()).or_else(|| self.info.parameters.first().cloned());
        let col = along.and_then(|a| self.info.parameters.iter().position(|p| *p == a));
        let grid = self.info.design == DesignKind::Grid;
        let mut places: HashMap<String, usize> = HashMap::new();
        self.unique
            .iter()
            .map(|&i| {
                let line = match (grid, col) {
                    (true, Some(c)) => self.rows[i]
                        .values
                        .iter()
                        .enumerate()
                        .filter(|(j, _)| *j != c)
                        .map(|(_, v)| v.as_ref().map(canonical).unwrap_or_default())
                        .collect::<Vec<_>>()
                        .join("\u{1f}"),
                    _ => String::new(),
                };
                let place = places.entry(line.clone()).or_insert(0);
                *place += 1;
                (line, *place - 1)
            })
            .collect()
    }

    /// Which distinct points (by index into `unique`) the stop rule leaves out: those after a
    /// complete point of their line, in line order, that crossed the bound. (If an earlier
    /// point crosses too, the cut only moves earlier, so a crossing known now is final for the
    /// points after it.) Also says whether every point is settled: complete or left out.
    pub fn stopped(&self) -> (Vec<bool>, bool) {
        let n = self.unique.len();
        let mut out = vec![false; n];
        if self.info.stop.is_some() {
            let lines = self.lines();
            let mut cut: HashMap<&str, bool> = HashMap::new();
            for (k, (line, _)) in lines.iter().enumerate() {
                let c = cut.entry(line.as_str()).or_insert(false);
                if *c {
                    out[k] = true;
                } else if self.crossed(&self.rows[self.unique[k]].point) {
                    *c = true;
                }
            }
        }
        let settled = self.unique.iter().enumerate().all(|(k, &i)| out[k] || self.complete(&self.rows[i].point));
        (out, settled)
    }

    /// Distinct points (by index into `unique`) with a replicate that has no record, and not
    /// left out by the stop rule.
    pub fn missing(&self) -> Vec<usize> {
        let (stopped, _) = self.stopped();
        (0..self.unique.len()).filter(|&k| !stopped[k] && !self.complete(&self.rows[self.unique[k]].point)).collect()
    }

    /// The header of `sweep.csv`.
    fn header(&self) -> Vec<String> {
        let mut h = vec!["point".to_string(), "seed".into()];
        h.extend(self.info.parameters.iter().cloned());
        for c in [
            "regime",
            "metric",
            "mean",
            "sd",
            "ci95_low",
            "ci95_high",
            "n",
            "diff",
            "diff_ci95_low",
            "diff_ci95_high",
            "diff_p_value",
            "failed",
        ] {
            h.push(c.into());
        }
        h
    }

    /// The rows of one distinct point (index into `unique`).
    fn point_rows(&self, k: usize, w: &mut csv::Writer<Vec<u8>>) -> Result<()> {
        let row = &self.rows[self.unique[k]];
        let id = &row.point;
        let failed = self.failed(id);
        let info = self.info;
        for entry in &info.entries {
            for m in &info.metrics {
                let sample = self.sample(id, entry, &m.name);
                let st = stats(&sample);
                if st.n == 0 && failed == 0 {
                    continue;
                }
                let diff = if *entry == info.baseline {
                    None
                } else {
                    let base = self.sample(id, &info.baseline, &m.name);
                    Some(paired(base.into_iter().zip(sample.iter().copied())))
                };
                let mut rec = vec![id.clone(), row.seed.to_string()];
                rec.extend(row.values.iter().map(|v| v.as_ref().map(display).unwrap_or_default()));
                rec.extend([
                    entry.clone(),
                    m.name.clone(),
                    num(st.mean),
                    num(st.sd),
                    num(st.ci95_low),
                    num(st.ci95_high),
                    st.n.to_string(),
                ]);
                match diff {
                    Some(p) if p.n > 0 => {
                        rec.extend([num(p.mean_diff), num(p.ci95_low), num(p.ci95_high), num(p.p_value)])
                    }
                    _ => rec.extend([String::new(), String::new(), String::new(), String::new()]),
                }
                rec.push(failed.to_string());
                w.write_record(&rec).map_err(csv_err)?;
            }
        }
        Ok(())
    }

    /// `sweep.csv` of the first `upto` distinct points (all: `None`), leaving out the points
    /// the stop rule left out. With `upto`, only complete points are written.
    pub fn sweep_csv(&self, upto: Option<usize>) -> Result<Vec<u8>> {
        let (stopped, _) = self.stopped();
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(self.header()).map_err(csv_err)?;
        for (k, &left_out) in stopped.iter().enumerate().take(upto.unwrap_or(self.unique.len())) {
            if left_out || !self.complete(&self.rows[self.unique[k]].point) {
                continue;
            }
            self.point_rows(k, &mut w)?;
        }
        w.into_inner().map_err(|e| Error::Run(format!("writing CSV: {e}")))
    }

    /// The longest run of distinct points, in design order, that are complete or left out by
    /// the stop rule: what a partial `sweep.csv` can show without ever changing.
    pub fn settled_prefix(&self) -> usize {
        let (stopped, _) = self.stopped();
        (0..self.unique.len()).take_while(|&k| stopped[k] || self.complete(&self.rows[self.unique[k]].point)).count()
    }

    /// `pairwise.csv` when the sweep compares two regimes or more (`None` otherwise): for each
    /// pair of entries, in entry order, and each headline metric, how often each beats the
    /// other, with the Wilson score interval at 95% of each share (Wilson 1927), counted two
    /// ways (`unit`): `run`, over every replicate of every distinct point (those the stop rule
    /// left out aside) where both entries measured it, paired by point and replicate, hence by
    /// seeds; and `point`, over the distinct points, comparing the two entries' means over the
    /// replicates both measured. Which way is better
    /// is in `better` ([`better_direction`]); for a metric with no better direction (`none`)
    /// `a_wins` counts where `a` is higher.
    pub fn pairwise_csv(&self) -> Result<Option<Vec<u8>>> {
        let info = self.info;
        if info.entries.len() < 2 {
            return Ok(None);
        }
        let (stopped, _) = self.stopped();
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record([
            "regime_a",
            "regime_b",
            "metric",
            "unit",
            "better",
            "pairs",
            "a_wins",
            "b_wins",
            "ties",
            "a_win_share",
            "a_ci95_low",
            "a_ci95_high",
            "b_win_share",
            "b_ci95_low",
            "b_ci95_high",
        ])
        .map_err(csv_err)?;
        for (ia, a) in info.entries.iter().enumerate() {
            for b in &info.entries[ia + 1..] {
                for m in &info.metrics {
                    for unit in ["run", "point"] {
                        let dir = better_direction(&m.name);
                        let (mut a_wins, mut b_wins, mut ties) = (0u64, 0u64, 0u64);
                        let mut count = |x: f64, y: f64| {
                            let (x, y) = if dir == "lower" { (-x, -y) } else { (x, y) };
                            if x > y {
                                a_wins += 1;
                            } else if y > x {
                                b_wins += 1;
                            } else {
                                ties += 1;
                            }
                        };
                        for (k, &left_out) in stopped.iter().enumerate() {
                            let id = &self.rows[self.unique[k]].point;
                            if left_out || !self.complete(id) {
                                continue;
                            }
                            let both: Vec<(f64, f64)> = self
                                .sample(id, a, &m.name)
                                .into_iter()
                                .zip(self.sample(id, b, &m.name))
                                .filter(|(x, y)| x.is_finite() && y.is_finite())
                                .collect();
                            if unit == "run" {
                                both.iter().for_each(|&(x, y)| count(x, y));
                            } else if !both.is_empty() {
                                let n = both.len() as f64;
                                count(
                                    both.iter().map(|p| p.0).sum::<f64>() / n,
                                    both.iter().map(|p| p.1).sum::<f64>() / n,
                                );
                            }
                        }
                        let pairs = a_wins + b_wins + ties;
                        let share = |wins: u64| -> [String; 3] {
                            if pairs == 0 {
                                return [String::new(), String::new(), String::new()];
                            }
                            let (lo, hi) = wilson(wins, pairs);
                            [num(wins as f64 / pairs as f64), num(lo), num(hi)]
                        };
                        let mut rec = vec![
                            a.clone(),
                            b.clone(),
                            m.name.clone(),
                            unit.to_string(),
                            dir.to_string(),
                            pairs.to_string(),
                            a_wins.to_string(),
                            b_wins.to_string(),
                            ties.to_string(),
                        ];
                        rec.extend(share(a_wins));
                        rec.extend(share(b_wins));
                        w.write_record(&rec).map_err(csv_err)?;
                    }
                }
            }
        }
        w.into_inner().map(Some).map_err(|e| Error::Run(format!("writing CSV: {e}")))
    }

    /// `failures.csv`: every failed run, in design order; `None` if none failed.
    pub fn failures_csv(&self) -> Result<Option<Vec<u8>>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["point", "replicate", "seed", "error"]).map_err(csv_err)?;
        let mut any = false;
        for &i in &self.unique {
            let id = &self.rows[i].point;
            for (rep, r) in self.records(id).iter().enumerate() {
                if let Some(r) = r.as_ref().filter(|r| !r.ok) {
                    any = true;
                    w.write_record([
                        id.clone(),
                        rep.to_string(),
                        r.seed.to_string(),
                        r.error.clone().unwrap_or_default(),
                    ])
                    .map_err(csv_err)?;
                }
            }
        }
        if !any {
            return Ok(None);
        }
        w.into_inner().map(Some).map_err(|e| Error::Run(format!("writing CSV: {e}")))
    }

    /// The output of each design position: the mean over replicates of `metric` in `entry`,
    /// or with `minus` the mean paired difference `entry - minus`.
    fn outputs(&self, entry: &str, minus: Option<&str>, metric: &str) -> Vec<f64> {
        self.rows
            .iter()
            .map(|r| {
                let x = self.sample(&r.point, entry, metric);
                match minus {
                    None => stats(&x).mean,
                    Some(b) => paired(self.sample(&r.point, b, metric).into_iter().zip(x)).mean_diff,
                }
            })
            .collect()
    }

    /// Input `i` at every position, as a number: its value if numeric, else its unit
    /// coordinate (a level of a list).
    fn inputs(&self, unit_coords: &[Vec<f64>]) -> Vec<Vec<f64>> {
        (0..self.info.parameters.len())
            .map(|i| {
                self.rows
                    .iter()
                    .enumerate()
                    .map(|(pos, r)| match &r.values[i] {
                        Some(toml::Value::Integer(x)) => *x as f64,
                        Some(toml::Value::Float(x)) => *x,
                        _ => unit_coords.get(pos).and_then(|u| u.get(i)).copied().unwrap_or(f64::NAN),
                    })
                    .collect()
            })
            .collect()
    }

    /// `sensitivity.csv` for lhs, random, sobol and morris designs (`None` for the others): for every
    /// entry, and every entry's difference from the baseline (`regime` = `entry - baseline`),
    /// and every headline metric, the design's indices of every parameter.
    pub fn sensitivity_csv(&self) -> Result<Option<Vec<u8>>> {
        let info = self.info;
        let d = info.parameters.len();
        let unit = unit_design(&info.design(), d, info.design_seed)
            .map_err(|e| Error::Run(format!("rebuilding the design: {e}")))?;
        if matches!(unit, Unit::None) {
            return Ok(None);
        }
        let boot = info.bootstrap as usize;
        let seed = info.design_seed;
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["regime", "metric", "parameter", "method", "index", "value", "ci95_low", "ci95_high"])
            .map_err(csv_err)?;
        let mut targets: Vec<(String, Option<&str>)> = info.entries.iter().map(|e| (e.clone(), None)).collect();
        for e in info.entries.iter().filter(|e| **e != info.baseline) {
            targets.push((e.clone(), Some(info.baseline.as_str())));
        }
        let run_error = |e: AnalysisError| Error::Run(format!("sensitivity analysis: {e}"));
        for (entry, minus) in &targets {
            let label = match minus {
                None => entry.clone(),
                Some(b) => format!("{entry} - {b}"),
            };
            for m in &info.metrics {
                let y = self.outputs(entry, *minus, &m.name);
                if !y.iter().any(|v| v.is_finite()) {
                    continue;
                }
                let mut write = |method: &str, index: &str, p: usize, value: f64, lo: f64, hi: f64| {
                    w.write_record([
                        label.clone(),
                        m.name.clone(),
                        info.parameters[p].clone(),
                        method.to_string(),
                        index.to_string(),
                        num(value),
                        num(lo),
                        num(hi),
                    ])
                    .map_err(csv_err)
                };
                let mut indices = |method: &str, list: Vec<Index>| -> Result<()> {
                    for i in list {
                        write(method, i.method.as_str(), i.parameter, i.value, i.ci95_low, i.ci95_high)?;
                    }
                    Ok(())
                };
                match &unit {
                    Unit::Saltelli(s) => {
                        indices("sobol", sobol_indices(s, &y, boot, seed).map_err(run_error)?.indices())?
                    }
                    Unit::Morris(mo) => {
                        indices("morris", morris_indices(mo, &y, boot, seed).map_err(run_error)?.indices())?
                    }
                    Unit::Lhs(c) | Unit::Random(c) | Unit::Sequence(c) => {
                        for p in prcc(&self.inputs(c), &y, boot, seed) {
                            write("prcc", "prcc", p.parameter, p.value, p.ci95_low, p.ci95_high)?;
                        }
                    }
                    Unit::None => {}
                }
            }
        }
        w.into_inner().map(Some).map_err(|e| Error::Run(format!("writing CSV: {e}")))
    }
}

/// Which way a metric is better (`higher`, `lower` or `none`), as its definition in the
/// metric registry declares ([`crate::catalog::better`]).
pub fn better_direction(metric: &str) -> &'static str {
    crate::catalog::better(metric).as_str()
}

#[cfg(test)]
mod tests {
    use super::better_direction;

    #[test]
    fn directions_of_the_headline_metrics() {
        assert_eq!(better_direction("needs_met_p10"), "higher");
        assert_eq!(better_direction("gini_consumption"), "lower");
        assert_eq!(better_direction("destitute_share"), "lower");
        assert_eq!(better_direction("resource_stock"), "higher");
        assert_eq!(better_direction("velocity"), "none");
    }
}
