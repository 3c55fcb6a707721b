//! The CSV tables of a run. Numbers are printed in the shortest form that reads back to the
//! same `f64`, so files are exact and identical wherever they are made; money and balances,
//! held as integers, are printed as exact decimals. Empty cells mean "not meaningful here".

use crate::engine::{RunOutput, Snapshot};
use crate::error::{Error, Result};
use crate::metrics::summary::{paired, replicate_mean, stats};
use crate::money::{MoneyKind, MONEY_UNIT};
use crate::plan::Plan;
use crate::world::Strategy;
use std::fmt::Write as _;

/// The cells of a paired comparison: mean difference, its 95% interval, pairs, p-value.
fn paired_cells(p: &crate::metrics::summary::Paired) -> [String; 5] {
    [num(p.mean_diff), num(p.ci95_low), num(p.ci95_high), p.n.to_string(), num(p.p_value)]
}

/// Shortest round-trip text of a float; empty for `NaN` and the infinities, so that no CSV
/// cell ever holds a value a reader would take for a number (an undefined metric, such as a
/// Gini of no wealth or a p-value of one replicate, is an empty cell; see docs/guide/src/reliability.md).
pub fn num(x: f64) -> String {
    if !x.is_finite() {
        String::new()
    } else {
        let mut b = ryu::Buffer::new();
        let s = b.format_finite(x);
        s.strip_suffix(".0").unwrap_or(s).to_string()
    }
}

/// Shortest text that reads back to the same `f32` (for columns stored in single precision);
/// empty for `NaN` and the infinities, as [`num`].
pub fn num32(x: f32) -> String {
    if !x.is_finite() {
        String::new()
    } else {
        let mut b = ryu::Buffer::new();
        let s = b.format(x);
        s.strip_suffix(".0").unwrap_or(s).to_string()
    }
}

/// Exact decimal text of an integer amount of money units.
pub fn money(m: i64) -> String {
    let sign = if m < 0 { "-" } else { "" };
    let a = m.unsigned_abs();
    let unit = MONEY_UNIT as u64;
    format!("{sign}{}.{:06}", a / unit, a % unit)
}

fn csv_err(e: csv::Error) -> Error {
    Error::Run(format!("writing CSV: {e}"))
}

/// `timeseries.csv`: one row per (regime, replicate, step).
pub fn timeseries_csv(out: &RunOutput) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let names = out.layout.names();
    let mut header = vec!["regime".to_string(), "replicate".into(), "step".into()];
    header.extend(names);
    w.write_record(&header).map_err(csv_err)?;
    let width = out.layout.width();
    let mut record: Vec<String> = Vec::with_capacity(width + 3);
    for s in &out.series {
        for (step, row) in out.steps.iter().zip(s.rows.chunks_exact(width)) {
            record.clear();
            record.push(s.label.clone());
            record.push(s.replicate.to_string());
            record.push(step.to_string());
            record.extend(row.iter().map(|&x| num(x)));
            w.write_record(&record).map_err(csv_err)?;
        }
    }
    w.into_inner().map_err(|e| Error::Run(format!("writing CSV: {e}")))
}

/// `summary.csv`: per (regime, metric), statistics over replicates of each replicate's mean
/// after warm-up; `steps` is how many steps entered each replicate's mean (the largest count
/// over replicates). Metrics never defined for a regime are left out.
pub fn summary_csv(scenario: &Plan, out: &RunOutput) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["regime", "metric", "mean", "sd", "ci95_low", "ci95_high", "n", "steps"]).map_err(csv_err)?;
    let width = out.layout.width();
    let names = out.layout.names();
    let warmup = scenario.run.warmup as usize;
    for entry in &scenario.entries {
        let series: Vec<_> = out.series.iter().filter(|s| s.label == entry.label).collect();
        for (col, name) in names.iter().enumerate() {
            let means: Vec<(f64, usize)> =
                series.iter().map(|s| replicate_mean(&s.rows, &out.steps, width, col, warmup)).collect();
            let sample: Vec<f64> = means.iter().map(|m| m.0).collect();
            let st = stats(&sample);
            if st.n == 0 {
                continue;
            }
            let steps = means.iter().map(|m| m.1).max().unwrap_or(0);
            w.write_record([
                entry.label.clone(),
                name.clone(),
                num(st.mean),
                num(st.sd),
                num(st.ci95_low),
                num(st.ci95_high),
                st.n.to_string(),
                steps.to_string(),
            ])
            .map_err(csv_err)?;
        }
    }
    w.into_inner().map_err(|e| Error::Run(format!("writing CSV: {e}")))
}

/// `comparison.csv`: per (regime, metric), the paired difference of each replicate's mean
/// after warm-up against the baseline's in the same replicate (common random numbers), with a
/// paired t interval and p-value.
pub fn comparison_csv(scenario: &Plan, out: &RunOutput) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["regime", "baseline", "metric", "mean_diff", "ci95_low", "ci95_high", "n", "p_value"])
        .map_err(csv_err)?;
    let width = out.layout.width();
    let names = out.layout.names();
    let warmup = scenario.run.warmup as usize;
    let base = &scenario.baseline;
    let means = |label: &str, col: usize| -> Vec<f64> {
        out.series
            .iter()
            .filter(|s| s.label == label)
            .map(|s| replicate_mean(&s.rows, &out.steps, width, col, warmup).0)
            .collect()
    };
    for entry in scenario.entries.iter().filter(|e| &e.label != base) {
        for (col, name) in names.iter().enumerate() {
            let (a, b) = (means(base, col), means(&entry.label, col));
            let p = paired(a.into_iter().zip(b));
            if p.n == 0 {
                continue;
            }
            w.write_record([entry.label.clone(), base.clone(), name.clone()].into_iter().chain(paired_cells(&p)))
                .map_err(csv_err)?;
        }
    }
    w.into_inner().map_err(|e| Error::Run(format!("writing CSV: {e}")))
}

/// Header of `agents_step<T>.csv`.
pub fn snapshot_header(goods: &[String]) -> String {
    let mut h = String::from("regime,replicate,agent,strategy,skill,specialty");
    for g in goods {
        let _ = write!(h, ",stock_{g}");
    }
    h.push_str(",money,balance,reputation,needs_met,wellbeing,destitute_streak,output,consumed,wealth\n");
    h
}

/// The rows of one block of a regime's members at a snapshot, in agent order, then the
/// accounts held outside the agents.
pub fn snapshot_rows(s: &Snapshot) -> Vec<u8> {
    let a = &s.agents;
    let goods = s.goods;
    let kind = s.money;
    let mut out = String::with_capacity(256);
    let label = if s.label.contains(',') || s.label.contains('"') {
        format!("\"{}\"", s.label.replace('"', "\"\""))
    } else {
        s.label.to_string()
    };
    for k in 0..a.len() {
        let i = a.agent[k];
        let stock = &a.stock[k * goods..(k + 1) * goods];
        let (money_cell, balance_cell) = match kind {
            MoneyKind::None => (String::new(), String::new()),
            MoneyKind::Money => (money(a.money[k]), String::new()),
            MoneyKind::Balance => (String::new(), money(a.money[k])),
        };
        let strategy = Strategy::name(a.strategy[k]);
        let _ = write!(out, "{label},{},{i},{strategy},{},{}", s.replicate, num(a.skill[k]), a.specialty[k]);
        for x in stock {
            let _ = write!(out, ",{}", num(*x));
        }
        let _ = writeln!(
            out,
            ",{money_cell},{balance_cell},{},{},{},{},{},{},{}",
            num32(a.reputation[k]),
            num32(a.needs_met[k]),
            num32(a.wellbeing[k]),
            a.destitute_streak[k],
            num(a.output[k]),
            num32(a.consumed[k]),
            num(a.wealth[k])
        );
    }
    for &(name, amount) in &s.accounts {
        // An account outside the agents (a community fund, a treasury): only what it holds.
        let _ = write!(out, "{label},{},{name},,,", s.replicate);
        for _ in 0..goods {
            out.push(',');
        }
        let (m, b) = match kind {
            MoneyKind::Balance => (String::new(), money(amount)),
            _ => (money(amount), String::new()),
        };
        let _ = writeln!(out, ",{m},{b},,,,,,,{}", num(amount as f64 / MONEY_UNIT as f64));
    }
    out.into_bytes()
}

/// The columns of the `comparison.csv` of `agora compare`, one per field of
/// [`ScenarioComparisonRow`].
const SCENARIO_COMPARISON_HEADER: [&str; 11] = [
    "regime",
    "metric",
    "first",
    "second",
    "first_mean",
    "second_mean",
    "mean_diff",
    "ci95_low",
    "ci95_high",
    "n",
    "p_value",
];

/// `comparison.csv` of `agora compare`: per regime present in both scenarios and metric, the
/// paired difference (second minus first) of replicate means after warm-up.
pub fn scenario_comparison_csv(a: &Plan, ra: &RunOutput, b: &Plan, rb: &RunOutput) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(SCENARIO_COMPARISON_HEADER).map_err(csv_err)?;
    let names = ra.layout.names();
    let means = |sc: &Plan, out: &RunOutput, label: &str, col: usize| -> Vec<f64> {
        let width = out.layout.width();
        let warmup = sc.run.warmup as usize;
        out.series
            .iter()
            .filter(|s| s.label == label)
            .map(|s| replicate_mean(&s.rows, &out.steps, width, col, warmup).0)
            .collect()
    };
    for entry in a.entries.iter().filter(|e| b.entry(&e.label).is_some()) {
        for (col, name) in names.iter().enumerate() {
            let Some(col_b) = rb.layout.names().iter().position(|n| n == name) else { continue };
            let (xa, xb) = (means(a, ra, &entry.label, col), means(b, rb, &entry.label, col_b));
            let p = paired(xa.iter().copied().zip(xb.iter().copied()));
            if p.n == 0 {
                continue;
            }
            w.write_record(
                [
                    entry.label.clone(),
                    name.clone(),
                    a.name.clone(),
                    b.name.clone(),
                    num(stats(&xa).mean),
                    num(stats(&xb).mean),
                ]
                .into_iter()
                .chain(paired_cells(&p)),
            )
            .map_err(csv_err)?;
        }
    }
    w.into_inner().map_err(|e| Error::Run(format!("writing CSV: {e}")))
}

/// One row of the `comparison.csv` of `agora compare` ([`scenario_comparison_csv`]). Empty
/// cells (values not defined, see [`num`]) read as `NaN`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct ScenarioComparisonRow {
    /// Regime entry, present in both scenarios.
    pub regime: String,
    /// Metric column.
    pub metric: String,
    /// The first scenario's name.
    pub first: String,
    /// The second scenario's name.
    pub second: String,
    /// Mean over replicates of each replicate's mean after warm-up, first scenario.
    #[serde(deserialize_with = "cell")]
    pub first_mean: f64,
    /// The same, second scenario.
    #[serde(deserialize_with = "cell")]
    pub second_mean: f64,
    /// Mean of the paired differences (second minus first).
    #[serde(deserialize_with = "cell")]
    pub mean_diff: f64,
    /// Lower end of its 95% interval.
    #[serde(deserialize_with = "cell")]
    pub ci95_low: f64,
    /// Upper end.
    #[serde(deserialize_with = "cell")]
    pub ci95_high: f64,
    /// Pairs.
    pub n: u64,
    /// Two-sided p-value of the paired t-test.
    #[serde(deserialize_with = "cell")]
    pub p_value: f64,
}

/// A number cell; empty is `NaN`.
fn cell<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<f64, D::Error> {
    Ok(<Option<f64> as serde::Deserialize>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// Reads the `comparison.csv` of `agora compare`, written by [`scenario_comparison_csv`].
pub fn read_scenario_comparison(path: &std::path::Path) -> Result<Vec<ScenarioComparisonRow>> {
    let failed = |e: csv::Error| Error::Run(format!("reading `{}`: {e}", path.display()));
    csv::Reader::from_path(path).map_err(failed)?.deserialize().collect::<Result<_, _>>().map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_short_and_exact() {
        assert_eq!(num(0.1), "0.1");
        assert_eq!(num(3.0), "3");
        for undefined in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(num(undefined), "", "{undefined} reached a cell");
            assert_eq!(num32(undefined as f32), "");
        }
        assert_eq!(num(1e-7).parse::<f64>().unwrap(), 1e-7);
    }

    #[test]
    fn money_prints_exact_decimals() {
        assert_eq!(money(0), "0.000000");
        assert_eq!(money(1_500_000), "1.500000");
        assert_eq!(money(-1), "-0.000001");
        assert_eq!(money(-123_456_789), "-123.456789");
    }

    #[test]
    fn a_scenario_comparison_reads_back_by_column_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("comparison.csv");
        let row = "market,gini,a,b,0.25,0.5,0.25,0.125,0.375,2,";
        std::fs::write(&path, format!("{}\n{row}\n", SCENARIO_COMPARISON_HEADER.join(","))).unwrap();
        let rows = read_scenario_comparison(&path).unwrap();
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(
            (r.regime.as_str(), r.metric.as_str(), r.first.as_str(), r.second.as_str()),
            ("market", "gini", "a", "b")
        );
        assert_eq!(
            [r.first_mean, r.second_mean, r.mean_diff, r.ci95_low, r.ci95_high],
            [0.25, 0.5, 0.25, 0.125, 0.375]
        );
        assert_eq!(r.n, 2);
        assert!(r.p_value.is_nan(), "an empty cell reads as NaN");
    }
}
