//! Reading a finished run folder: `timeseries.csv`, `summary.csv`, `comparison.csv`, the last
//! `agents_step<T>.csv`, `scenario.resolved.toml` and `run.json`. Nothing here sees the world:
//! what the charts need to know of each regime entry and metric comes from `run.json`.

use crate::error::{Error, InputError, Result};
use crate::metrics::summary::stats;
use crate::output::{EntryInfo, MetricInfo};
use crate::scenario::PlotFormat;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// Mean and 95% interval over replicates at one step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepBand {
    /// Mean over the replicates with a value.
    pub mean: f64,
    /// Lower end of the t-interval (`NaN` with fewer than two values).
    pub low: f64,
    /// Upper end.
    pub high: f64,
}

/// One regime's rows of `timeseries.csv`, as a dense (replicate, recorded step, column) array.
#[derive(Debug, Clone)]
pub struct RegimeSeries {
    /// The entry label (`market`, `market:saving`, ...).
    pub label: String,
    /// Replicate numbers present, ascending.
    pub replicates: Vec<u64>,
    /// Recorded steps per replicate (every step, or those `[output] record_every` keeps).
    pub steps: usize,
    /// The step of each recorded position, ascending.
    pub step_at: Vec<u64>,
    width: usize,
    values: Vec<f64>,
}

impl RegimeSeries {
    /// The value of column `col` at recorded position `step` (step [`RegimeSeries::step_at`])
    /// of the `r`-th replicate present (`NaN` if empty).
    pub fn value(&self, r: usize, step: usize, col: usize) -> f64 {
        self.values[(r * self.steps + step) * self.width + col]
    }

    /// Mean and 95% t-interval over replicates of column `col` at every step; `NaN` where no
    /// replicate has a value (and the interval `NaN` with fewer than two).
    pub fn band(&self, col: usize) -> Vec<StepBand> {
        let mut sample = Vec::with_capacity(self.replicates.len());
        (0..self.steps)
            .map(|t| {
                sample.clear();
                sample.extend((0..self.replicates.len()).map(|r| self.value(r, t, col)));
                let s = stats(&sample);
                StepBand { mean: s.mean, low: s.ci95_low, high: s.ci95_high }
            })
            .collect()
    }

    /// Whether column `col` has any value.
    pub fn has(&self, col: usize) -> bool {
        self.values.iter().skip(col).step_by(self.width).any(|x| !x.is_nan())
    }
}

/// `timeseries.csv`: the metric columns and each regime's rows.
#[derive(Debug, Clone, Default)]
pub struct TimeSeries {
    /// Metric column names (after `regime,replicate,step`).
    pub columns: Vec<String>,
    /// One entry per regime, in the scenario's order.
    pub regimes: Vec<RegimeSeries>,
}

impl TimeSeries {
    /// Index of column `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }
}

/// One row of `summary.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    /// Regime entry.
    pub regime: String,
    /// Metric column.
    pub metric: String,
    /// Mean over replicates of each replicate's post-warm-up mean.
    pub mean: f64,
    /// Standard deviation over replicates (`NaN` if n < 2).
    pub sd: f64,
    /// Lower end of the 95% interval (`NaN` if n < 2).
    pub ci95_low: f64,
    /// Upper end.
    pub ci95_high: f64,
    /// Replicates.
    pub n: u64,
    /// Steps in each replicate's mean.
    pub steps: u64,
}

/// One row of `comparison.csv`: a paired difference against the baseline entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonRow {
    /// Regime entry.
    pub regime: String,
    /// Baseline entry.
    pub baseline: String,
    /// Metric column.
    pub metric: String,
    /// Mean of the paired differences (regime minus baseline).
    pub mean_diff: f64,
    /// Lower end of its 95% interval.
    pub ci95_low: f64,
    /// Upper end.
    pub ci95_high: f64,
    /// Pairs.
    pub n: Option<u64>,
    /// Two-sided p-value of the paired t-test.
    pub p_value: f64,
}

/// One regime's agents at the last snapshot.
#[derive(Debug, Clone, Default)]
pub struct SnapshotRegime {
    /// Regime entry.
    pub label: String,
    /// Wealth of every agent (replicates pooled), ascending.
    pub wealth: Vec<f64>,
    /// Money of every agent that holds money (empty in regimes without money), ascending.
    pub money: Vec<f64>,
    /// Replicates present.
    pub replicates: Vec<u64>,
}

/// The agents at the last snapshot (`agents_step<T>.csv` with the largest `T`). Rows that are
/// accounts rather than agents (a mutual-credit fund) are left out.
#[derive(Debug, Clone, Default)]
pub struct AgentSnapshot {
    /// The step `T`.
    pub step: u64,
    /// One entry per regime, in the scenario's order.
    pub regimes: Vec<SnapshotRegime>,
}

/// Everything the plots and the report need, read from a run folder.
#[derive(Debug, Clone)]
pub struct RunData {
    /// The folder read.
    pub dir: PathBuf,
    /// `scenario.resolved.toml` as text.
    pub resolved_toml: String,
    /// `scenario.resolved.toml` parsed.
    pub scenario: toml::Table,
    /// Scenario name.
    pub name: String,
    /// Scenario description.
    pub description: String,
    /// The question the scenario asks.
    pub question: String,
    /// Regime entries in the scenario's order (entries found only in the CSVs follow).
    pub entries: Vec<String>,
    /// The baseline entry of paired comparisons.
    pub baseline: String,
    /// `[output] plots`.
    pub plot_formats: Vec<PlotFormat>,
    /// `[output] report`.
    pub report: bool,
    /// `timeseries.csv`.
    pub timeseries: TimeSeries,
    /// `summary.csv`.
    pub summary: Vec<SummaryRow>,
    /// `comparison.csv`, if the run wrote one.
    pub comparison: Option<Vec<ComparisonRow>>,
    /// The last snapshot of agents, if any.
    pub snapshot: Option<AgentSnapshot>,
    /// `run.json`, if present and readable.
    pub run_info: Option<serde_json::Value>,
    /// What `run.json` says of each regime entry (empty for a folder without it).
    pub entry_info: Vec<EntryInfo>,
    /// What `run.json` says of each metric column (empty for a folder without it).
    pub metric_info: Vec<MetricInfo>,
}

fn input(path: &Path, message: impl std::fmt::Display) -> Error {
    InputError::new(format!("`{}`: {message}", path.display()))
        .help("the folder should be the output of `agora run`; run the scenario again to rewrite it")
        .into()
}

fn read_text(path: &Path) -> Result<String> {
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|_| input(path, "is not UTF-8 text")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(input(path, "is missing")),
        Err(e) => Err(Error::io(format!("reading `{}`", path.display()), e)),
    }
}

fn parse_cell(path: &Path, line: u64, column: &str, cell: &[u8]) -> Result<f64> {
    if cell.is_empty() {
        return Ok(f64::NAN);
    }
    std::str::from_utf8(cell).ok().and_then(|s| s.trim().parse::<f64>().ok()).ok_or_else(|| {
        input(path, format!("line {line}, column `{column}`: `{}` is not a number", String::from_utf8_lossy(cell)))
    })
}

fn parse_int(path: &Path, line: u64, column: &str, cell: &[u8]) -> Result<u64> {
    std::str::from_utf8(cell).ok().and_then(|s| s.trim().parse::<u64>().ok()).ok_or_else(|| {
        input(
            path,
            format!("line {line}, column `{column}`: `{}` is not a whole number", String::from_utf8_lossy(cell)),
        )
    })
}

fn csv_error(path: &Path, e: csv::Error) -> Error {
    match e.kind() {
        csv::ErrorKind::Io(_) => Error::Run(format!("reading `{}`: {e}", path.display())),
        _ => input(path, format!("malformed CSV: {e}")),
    }
}

fn open_csv(path: &Path) -> Result<csv::Reader<std::fs::File>> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(input(path, "is missing")),
        Err(e) => return Err(Error::io(format!("reading `{}`", path.display()), e)),
    };
    Ok(csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(file))
}

fn header_index(path: &Path, header: &csv::ByteRecord, name: &str) -> Result<usize> {
    header.iter().position(|h| h == name.as_bytes()).ok_or_else(|| input(path, format!("has no column `{name}`")))
}

fn line_of(rec: &csv::ByteRecord) -> u64 {
    rec.position().map(|p| p.line()).unwrap_or(0)
}

fn field<'r>(path: &Path, rec: &'r csv::ByteRecord, i: usize) -> Result<&'r [u8]> {
    rec.get(i).ok_or_else(|| input(path, format!("line {}: too few fields", line_of(rec))))
}

/// Position of `label` in `entries`, appending it if new.
fn entry_index(entries: &mut Vec<String>, label: &str) -> usize {
    match entries.iter().position(|e| e == label) {
        Some(i) => i,
        None => {
            entries.push(label.to_string());
            entries.len() - 1
        }
    }
}

fn read_timeseries(path: &Path, entries: &mut Vec<String>) -> Result<TimeSeries> {
    let mut reader = open_csv(path)?;
    let header = reader.byte_headers().map_err(|e| csv_error(path, e))?.clone();
    let names: Vec<String> = header.iter().map(|h| String::from_utf8_lossy(h).into_owned()).collect();
    if names.len() < 3 || names[0] != "regime" || names[1] != "replicate" || names[2] != "step" {
        return Err(input(path, "the header must start with `regime,replicate,step`"));
    }
    let columns: Vec<String> = names[3..].to_vec();
    let width = columns.len();
    // Rows per regime: (replicate, step, values).
    let mut rows: Vec<Vec<(u64, u64, usize)>> = Vec::new();
    let mut flat: Vec<f64> = Vec::new();
    let mut rec = csv::ByteRecord::new();
    while reader.read_byte_record(&mut rec).map_err(|e| csv_error(path, e))? {
        let line = line_of(&rec);
        if rec.len() != width + 3 {
            return Err(input(path, format!("line {line}: {} fields where the header has {}", rec.len(), width + 3)));
        }
        let label = String::from_utf8_lossy(field(path, &rec, 0)?).into_owned();
        let e = entry_index(entries, &label);
        if rows.len() <= e {
            rows.resize_with(e + 1, Vec::new);
        }
        let replicate = parse_int(path, line, "replicate", field(path, &rec, 1)?)?;
        let step = parse_int(path, line, "step", field(path, &rec, 2)?)?;
        let start = flat.len();
        for (c, name) in columns.iter().enumerate() {
            flat.push(parse_cell(path, line, name, field(path, &rec, c + 3)?)?);
        }
        rows[e].push((replicate, step, start));
    }
    let mut regimes = Vec::new();
    for (e, list) in rows.iter().enumerate() {
        if list.is_empty() {
            continue;
        }
        let replicates: Vec<u64> = list.iter().map(|r| r.0).collect::<BTreeSet<_>>().into_iter().collect();
        // The recorded steps (every step, or every `record_every`-th): the union over replicates,
        // so the array below is never larger than about the file.
        let step_at: Vec<u64> = list.iter().map(|r| r.1).collect::<BTreeSet<_>>().into_iter().collect();
        let steps = step_at.len();
        // Recorded steps are 0, N, 2N, ... and the last; a wild step number is a broken file,
        // not a reason to draw a chart gigabytes wide.
        let gap = step_at.get(1).map_or(1, |s| s - step_at[0]);
        let even = step_at[0] == 0
            && step_at.windows(2).enumerate().all(|(k, w)| {
                let d = w[1] - w[0];
                d == gap || (k + 2 == steps && d < gap)
            });
        if !even {
            let name = &entries[e];
            let why = "nor every `record_every`-th step and the last";
            return Err(input(path, format!("the steps of `{name}` are not consecutive from 0, {why}")));
        }
        if steps.saturating_mul(replicates.len()) > 2 * list.len() + 16 {
            return Err(input(path, format!("the replicates of `{}` record different steps", entries[e])));
        }
        let mut values = vec![f64::NAN; replicates.len() * steps * width];
        for &(rep, step, start) in list {
            let r = replicates.binary_search(&rep).unwrap_or(0);
            let t = step_at.binary_search(&step).unwrap_or(0);
            let at = (r * steps + t) * width;
            values[at..at + width].copy_from_slice(&flat[start..start + width]);
        }
        regimes.push(RegimeSeries { label: entries[e].clone(), replicates, steps, step_at, width, values });
    }
    Ok(TimeSeries { columns, regimes })
}

fn read_summary(path: &Path, entries: &mut Vec<String>) -> Result<Vec<SummaryRow>> {
    let mut reader = open_csv(path)?;
    let header = reader.byte_headers().map_err(|e| csv_error(path, e))?.clone();
    let names = ["regime", "metric", "mean", "sd", "ci95_low", "ci95_high", "n", "steps"];
    let idx: Vec<usize> = names.iter().map(|n| header_index(path, &header, n)).collect::<Result<_>>()?;
    let mut out = Vec::new();
    let mut rec = csv::ByteRecord::new();
    while reader.read_byte_record(&mut rec).map_err(|e| csv_error(path, e))? {
        let line = line_of(&rec);
        let text =
            |i: usize| -> Result<String> { Ok(String::from_utf8_lossy(field(path, &rec, idx[i])?).into_owned()) };
        let num = |i: usize| -> Result<f64> { parse_cell(path, line, names[i], field(path, &rec, idx[i])?) };
        let int = |i: usize| -> Result<u64> { parse_int(path, line, names[i], field(path, &rec, idx[i])?) };
        let regime = text(0)?;
        entry_index(entries, &regime);
        out.push(SummaryRow {
            regime,
            metric: text(1)?,
            mean: num(2)?,
            sd: num(3)?,
            ci95_low: num(4)?,
            ci95_high: num(5)?,
            n: int(6)?,
            steps: int(7)?,
        });
    }
    Ok(out)
}

fn read_comparison(path: &Path) -> Result<Vec<ComparisonRow>> {
    let mut reader = open_csv(path)?;
    let header = reader.byte_headers().map_err(|e| csv_error(path, e))?.clone();
    let required = ["regime", "metric", "mean_diff", "ci95_low", "ci95_high"];
    let idx: Vec<usize> = required.iter().map(|n| header_index(path, &header, n)).collect::<Result<_>>()?;
    let optional = |name: &str| header.iter().position(|h| h == name.as_bytes());
    let (baseline, n_col, p_col) = (optional("baseline"), optional("n"), optional("p_value"));
    let mut out = Vec::new();
    let mut rec = csv::ByteRecord::new();
    while reader.read_byte_record(&mut rec).map_err(|e| csv_error(path, e))? {
        let line = line_of(&rec);
        let text = |i: usize| -> Result<String> { Ok(String::from_utf8_lossy(field(path, &rec, i)?).into_owned()) };
        let num = |i: usize, name: &str| -> Result<f64> { parse_cell(path, line, name, field(path, &rec, i)?) };
        let n = match n_col {
            Some(i) if !field(path, &rec, i)?.is_empty() => Some(parse_int(path, line, "n", field(path, &rec, i)?)?),
            _ => None,
        };
        out.push(ComparisonRow {
            regime: text(idx[0])?,
            baseline: match baseline {
                Some(i) => text(i)?,
                None => String::new(),
            },
            metric: text(idx[1])?,
            mean_diff: num(idx[2], "mean_diff")?,
            ci95_low: num(idx[3], "ci95_low")?,
            ci95_high: num(idx[4], "ci95_high")?,
            n,
            p_value: match p_col {
                Some(i) => num(i, "p_value")?,
                None => f64::NAN,
            },
        });
    }
    Ok(out)
}

/// The snapshot files of a run folder, as (step, path), by step.
pub fn snapshot_files(dir: &Path) -> Result<Vec<(u64, PathBuf)>> {
    let mut found = Vec::new();
    let list = std::fs::read_dir(dir).map_err(|e| Error::io(format!("reading `{}`", dir.display()), e))?;
    for entry in list.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(step) = name.strip_prefix("agents_step").and_then(|s| s.strip_suffix(".csv")) {
            if let Ok(step) = step.parse::<u64>() {
                found.push((step, entry.path()));
            }
        }
    }
    found.sort();
    Ok(found)
}

fn read_snapshot(step: u64, path: &Path, entries: &mut Vec<String>) -> Result<AgentSnapshot> {
    let mut reader = open_csv(path)?;
    let header = reader.byte_headers().map_err(|e| csv_error(path, e))?.clone();
    let regime_col = header_index(path, &header, "regime")?;
    let replicate_col = header_index(path, &header, "replicate")?;
    let agent_col = header_index(path, &header, "agent")?;
    let wealth_col = header_index(path, &header, "wealth")?;
    let money_col = header_index(path, &header, "money")?;
    let mut regimes: Vec<SnapshotRegime> = Vec::new();
    let mut by_entry: HashMap<usize, usize> = HashMap::new();
    // Rows come in runs of one regime: look the label up only when it changes.
    let mut last: Option<(Vec<u8>, usize)> = None;
    let mut rec = csv::ByteRecord::new();
    while reader.read_byte_record(&mut rec).map_err(|e| csv_error(path, e))? {
        let line = line_of(&rec);
        // Agents are numbered; a named row is an account (a fund), not an agent.
        let agent = field(path, &rec, agent_col)?;
        if agent.is_empty() || !agent.iter().all(u8::is_ascii_digit) {
            continue;
        }
        let label = field(path, &rec, regime_col)?;
        let slot = match &last {
            Some((l, slot)) if l.as_slice() == label => *slot,
            _ => {
                let name = String::from_utf8_lossy(label).into_owned();
                let e = entry_index(entries, &name);
                let slot = *by_entry.entry(e).or_insert_with(|| {
                    regimes.push(SnapshotRegime { label: name, ..Default::default() });
                    regimes.len() - 1
                });
                last = Some((label.to_vec(), slot));
                slot
            }
        };
        let r = &mut regimes[slot];
        let replicate = parse_int(path, line, "replicate", field(path, &rec, replicate_col)?)?;
        if r.replicates.last() != Some(&replicate) && !r.replicates.contains(&replicate) {
            r.replicates.push(replicate);
        }
        let wealth = parse_cell(path, line, "wealth", field(path, &rec, wealth_col)?)?;
        if wealth.is_finite() {
            r.wealth.push(wealth);
        }
        let money = parse_cell(path, line, "money", field(path, &rec, money_col)?)?;
        if money.is_finite() {
            r.money.push(money);
        }
    }
    for r in &mut regimes {
        r.replicates.sort_unstable();
        // Sorted once here, for every chart and format that needs the order.
        r.wealth.sort_unstable_by(f64::total_cmp);
        r.money.sort_unstable_by(f64::total_cmp);
    }
    let order = |label: &str| entries.iter().position(|e| e == label).unwrap_or(usize::MAX);
    regimes.sort_by_key(|r| order(&r.label));
    Ok(AgentSnapshot { step, regimes })
}

fn toml_str(table: &toml::Table, key: &str) -> String {
    table.get(key).and_then(|v| v.as_str()).unwrap_or("").to_string()
}

/// The plot formats of `[output] plots` (a list of `png`/`svg`, or a boolean).
fn plot_formats(table: &toml::Table, path: &Path) -> Result<Vec<PlotFormat>> {
    let value = table.get("output").and_then(|o| o.get("plots"));
    match value {
        None | Some(toml::Value::Boolean(true)) => Ok(vec![PlotFormat::Png, PlotFormat::Svg]),
        Some(toml::Value::Boolean(false)) => Ok(vec![]),
        Some(toml::Value::Array(items)) => items
            .iter()
            .map(|v| match v.as_str() {
                Some("png") => Ok(PlotFormat::Png),
                Some("svg") => Ok(PlotFormat::Svg),
                _ => Err(input(path, format!("`output.plots` holds `{v}`; expected \"png\" or \"svg\""))),
            })
            .collect(),
        Some(v) => Err(input(path, format!("`output.plots` is `{v}`; expected a list of formats or a boolean"))),
    }
}

impl RunData {
    /// Reads the run folder `dir`. A missing or malformed file is an input error naming it.
    pub fn load(dir: &Path) -> Result<RunData> {
        if !dir.is_dir() {
            return Err(InputError::new(format!("`{}` is not a folder", dir.display()))
                .help("give the output folder of a run, such as output/showcase")
                .into());
        }
        let toml_path = dir.join("scenario.resolved.toml");
        let resolved_toml = read_text(&toml_path)?;
        let scenario: toml::Table =
            resolved_toml.parse().map_err(|e: toml::de::Error| input(&toml_path, format!("is not valid TOML: {e}")))?;
        let mut entries: Vec<String> = match scenario.get("regimes").and_then(|v| v.as_array()) {
            Some(list) => list.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
            None => Vec::new(),
        };
        let plot_formats = plot_formats(&scenario, &toml_path)?;
        let report = scenario.get("output").and_then(|o| o.get("report")).and_then(|v| v.as_bool()).unwrap_or(true);
        let timeseries = read_timeseries(&dir.join("timeseries.csv"), &mut entries)?;
        let summary = read_summary(&dir.join("summary.csv"), &mut entries)?;
        let comparison_path = dir.join("comparison.csv");
        let comparison = if comparison_path.is_file() { Some(read_comparison(&comparison_path)?) } else { None };
        let snapshot = match snapshot_files(dir)?.pop() {
            Some((step, path)) => Some(read_snapshot(step, &path, &mut entries)?),
            None => None,
        };
        let run_info: Option<serde_json::Value> =
            std::fs::read(dir.join("run.json")).ok().and_then(|b| serde_json::from_slice(&b).ok());
        let listed = |key: &str| run_info.as_ref().and_then(|r| r.get(key)).cloned().unwrap_or_default();
        let entry_info: Vec<EntryInfo> = serde_json::from_value(listed("entries")).unwrap_or_default();
        let metric_info: Vec<MetricInfo> = serde_json::from_value(listed("metrics")).unwrap_or_default();
        let mut baseline = toml_str(&scenario, "baseline");
        if baseline.is_empty() {
            baseline = entries.first().cloned().unwrap_or_default();
        }
        Ok(RunData {
            dir: dir.to_path_buf(),
            name: toml_str(&scenario, "name"),
            description: toml_str(&scenario, "description"),
            question: toml_str(&scenario, "question"),
            resolved_toml,
            scenario,
            entries,
            baseline,
            plot_formats,
            report,
            timeseries,
            summary,
            comparison,
            snapshot,
            run_info,
            entry_info,
            metric_info,
        })
    }

    /// The colour index of a regime entry ([`super::style::entry_colours`]).
    pub fn colour_index(&self, label: &str) -> usize {
        let k = self.entries.iter().position(|e| e == label).unwrap_or(0);
        super::style::entry_colours(&self.entries).get(k).copied().unwrap_or(0)
    }

    /// What `run.json` says of a regime entry.
    pub fn entry(&self, label: &str) -> Option<&EntryInfo> {
        self.entry_info.iter().find(|e| e.label == label)
    }

    fn metric(&self, name: &str) -> Option<(&str, &str, &str)> {
        if let Some(m) = self.metric_info.iter().find(|m| m.name == name) {
            return Some((&m.title, &m.unit, &m.about));
        }
        crate::catalog::find(name).map(|m| (m.title, m.unit, m.about))
    }

    /// A short human name of a metric column, for titles and tables.
    pub fn metric_title(&self, name: &str) -> String {
        if let Some((title, _, _)) = self.metric(name) {
            if !title.is_empty() {
                return title.to_string();
            }
        }
        if let Some(good) = name.strip_prefix("price_") {
            return format!("Price of {good}");
        }
        crate::metrics::title_from_name(name)
    }

    /// The unit of a metric column (prices per unit of their good).
    pub fn metric_unit(&self, name: &str) -> String {
        if name.starts_with("price_") {
            return "unit of account per unit".into();
        }
        self.metric(name).map(|m| m.1.to_string()).unwrap_or_default()
    }

    /// One line on what a metric measures.
    pub fn metric_about(&self, name: &str) -> String {
        if name.starts_with("price_") {
            return "price of the good".into();
        }
        self.metric(name).map(|m| m.2.to_string()).unwrap_or_default()
    }

    /// The number of replicates of the run.
    pub fn replicates(&self) -> usize {
        self.timeseries.regimes.iter().map(|r| r.replicates.len()).max().unwrap_or(0)
    }
}
