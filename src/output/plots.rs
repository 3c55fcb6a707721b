//! Plots of a finished run, drawn from its files alone (`timeseries.csv`, `summary.csv`,
//! `agents_step<T>.csv`, `scenario.resolved.toml`), never from the world, so that
//! `agora plot <run>` redraws them byte for byte.
//!
//! [`RunData::load`] reads a run folder; [`charts`] lists what can be drawn from it; each
//! [`Chart`] renders to SVG ([`render_svg`]) or PNG ([`render_png`]). Text is laid out and
//! rasterised with DejaVu Sans, bundled in the binary, so plots look the same on a machine
//! without any font installed. Every regime keeps one colour (Okabe-Ito, by the order of
//! the scenario's `regimes`) across every chart.

use crate::error::{Error, InputError, Result};
use crate::metrics::summary::stats;
use crate::metrics::METRICS;
use crate::scenario::PlotFormat;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_backend::{BackendColor, BackendCoord, DrawingErrorKind};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// The font family every chart asks for. The bundled font is registered under this name, and
/// SVG viewers get the same list, so their text measures close to what the layout assumed.
pub const FONT: &str = "DejaVu Sans, Verdana, sans-serif";

static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The metrics charted over time and compared in the summary, in the order they appear.
pub const KEY_METRICS: &[&str] = &[
    "needs_met_mean",
    "needs_met_p10",
    "destitute_share",
    "gini_wealth",
    "gini_money",
    "resource_stock",
    "knowledge_pool",
    "regime_share",
];

/// The Okabe-Ito palette (Okabe and Ito 2008), readable with every common colour-vision
/// deficiency; yellow comes last because it is faint on white.
pub const PALETTE: [(u8, u8, u8); 8] = [
    (0x00, 0x72, 0xB2), // blue
    (0xE6, 0x9F, 0x00), // orange
    (0x00, 0x9E, 0x73), // bluish green
    (0xCC, 0x79, 0xA7), // reddish purple
    (0xD5, 0x5E, 0x00), // vermillion
    (0x56, 0xB4, 0xE9), // sky blue
    (0x00, 0x00, 0x00), // black
    (0xF0, 0xE4, 0x42), // yellow
];

/// The colour of the regime entry at `index` in the scenario's `regimes` (cycling after 8).
pub fn regime_colour(index: usize) -> RGBColor {
    let (r, g, b) = PALETTE[index % PALETTE.len()];
    RGBColor(r, g, b)
}

/// The colour as CSS `#rrggbb`, for the report.
pub fn regime_colour_hex(index: usize) -> String {
    let (r, g, b) = PALETTE[index % PALETTE.len()];
    format!("#{r:02x}{g:02x}{b:02x}")
}

fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // The bytes are compiled in and known to be a valid font; registering cannot fail
        // except through a broken build, which the tests would catch.
        for name in [FONT, "sans-serif"] {
            let _ = plotters::style::register_font(name, FontStyle::Normal, DEJAVU_SANS);
        }
    });
}

/// A short human name of a metric column, for titles and tables.
pub fn metric_title(name: &str) -> String {
    let known = match name {
        "needs_met_mean" => "Needs met, mean",
        "needs_met_p10" => "Needs met, 10th percentile",
        "destitute_share" => "Destitute share",
        "gini_wealth" => "Gini of wealth",
        "gini_money" => "Gini of money",
        "resource_stock" => "Resource stock",
        "knowledge_pool" => "Knowledge pool",
        "regime_share" => "Regime share",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_string();
    }
    if let Some(good) = name.strip_prefix("price_") {
        return format!("Price of {good}");
    }
    let mut s = name.replace('_', " ");
    if let Some(first) = s.get(0..1) {
        s = first.to_uppercase() + &s[1..];
    }
    s
}

/// The unit of a metric column (from [`METRICS`]; prices per unit of their good).
pub fn metric_unit(name: &str) -> &'static str {
    if name.starts_with("price_") {
        return "unit of account per unit";
    }
    METRICS.iter().find(|m| m.name == name).map(|m| m.unit).unwrap_or("")
}

/// One line on what a metric measures (from [`METRICS`]).
pub fn metric_about(name: &str) -> &'static str {
    if name.starts_with("price_") {
        return "price of the good";
    }
    METRICS.iter().find(|m| m.name == name).map(|m| m.about).unwrap_or("")
}

// ---------------------------------------------------------------------------------------
// Reading a run folder
// ---------------------------------------------------------------------------------------

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

/// One regime's rows of `timeseries.csv`, as a dense (replicate, step, column) array.
#[derive(Debug, Clone)]
pub struct RegimeSeries {
    /// The entry label (`market`, `market:saving`, ...).
    pub label: String,
    /// Replicate numbers present, ascending.
    pub replicates: Vec<u64>,
    /// Steps per replicate (the largest step plus one).
    pub steps: usize,
    width: usize,
    values: Vec<f64>,
}

impl RegimeSeries {
    /// The value of column `col` at `step` of the `r`-th replicate present (`NaN` if empty).
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
        let steps = list.iter().map(|r| r.1).max().unwrap_or(0) as usize + 1;
        // Steps are consecutive from 0; a wild step number is a broken file, not a reason to
        // allocate gigabytes.
        if steps.saturating_mul(replicates.len()) > 2 * list.len() + 16 {
            return Err(input(path, format!("the steps of `{}` are not consecutive from 0", entries[e])));
        }
        let mut values = vec![f64::NAN; replicates.len() * steps * width];
        for &(rep, step, start) in list {
            let r = replicates.binary_search(&rep).unwrap_or(0);
            let at = (r * steps + step as usize) * width;
            values[at..at + width].copy_from_slice(&flat[start..start + width]);
        }
        regimes.push(RegimeSeries { label: entries[e].clone(), replicates, steps, width, values });
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
        let run_info = std::fs::read(dir.join("run.json")).ok().and_then(|b| serde_json::from_slice(&b).ok());
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
        })
    }

    /// The colour index of a regime entry (its place in `regimes`).
    pub fn colour_index(&self, label: &str) -> usize {
        self.entries.iter().position(|e| e == label).unwrap_or(0)
    }

    /// A setting of a regime entry: the entry's variant table (`[variant.<label>]`) if it sets
    /// `path`, else the scenario's own value.
    pub fn entry_setting(&self, label: &str, path: &[&str]) -> Option<&toml::Value> {
        fn walk<'a>(mut v: &'a toml::Value, path: &[&str]) -> Option<&'a toml::Value> {
            for key in path {
                v = v.get(key)?;
            }
            Some(v)
        }
        let from_variant = label.split_once(':').and_then(|(_, variant)| {
            let table = self.scenario.get("variant")?.get(variant)?;
            walk(table, path)
        });
        from_variant.or_else(|| {
            let (first, rest) = path.split_first()?;
            walk(self.scenario.get(*first)?, rest)
        })
    }

    /// The market model of an entry of kind `market` (`goods`, `kinetic`, `yard_sale`).
    pub fn market_model(&self, label: &str) -> Option<String> {
        if label.split(':').next() != Some("market") {
            return None;
        }
        Some(self.entry_setting(label, &["market", "model"]).and_then(|v| v.as_str()).unwrap_or("goods").to_string())
    }

    /// The number of replicates of the run.
    pub fn replicates(&self) -> usize {
        self.timeseries.regimes.iter().map(|r| r.replicates.len()).max().unwrap_or(0)
    }
}

// ---------------------------------------------------------------------------------------
// What to draw
// ---------------------------------------------------------------------------------------

/// What a chart shows.
#[derive(Debug, Clone, PartialEq)]
pub enum ChartKind {
    /// One metric over time: mean per regime with a 95% band.
    TimeSeries {
        /// The metric column.
        metric: String,
    },
    /// Post-warm-up means with 95% intervals, one panel per metric.
    Summary {
        /// The metrics, one panel each.
        metrics: Vec<String>,
    },
    /// Lorenz curves at the last snapshot.
    Lorenz,
    /// Histograms at the last snapshot, one panel per regime.
    Histogram,
}

/// A chart to draw: its file name, size and content.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// File name without extension (`needs_met_mean`, `summary`, `lorenz`, `histogram`).
    pub stem: String,
    /// Title drawn at the top.
    pub title: String,
    /// A sentence on how to read it, for the report.
    pub caption: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// What it shows.
    pub kind: ChartKind,
}

/// Which variable the distribution charts show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variable {
    Wealth,
    Money,
}

impl Variable {
    fn name(self) -> &'static str {
        match self {
            Variable::Wealth => "wealth",
            Variable::Money => "money",
        }
    }
}

fn distribution_variable(data: &RunData, snap: &AgentSnapshot) -> Variable {
    // Money-exchange null models have money and nothing else worth counting.
    let money_only = !snap.regimes.is_empty()
        && snap.regimes.iter().all(|r| {
            !r.money.is_empty() && matches!(data.market_model(&r.label).as_deref(), Some("kinetic" | "yard_sale"))
        });
    if money_only {
        Variable::Money
    } else {
        Variable::Wealth
    }
}

fn values(snap: &SnapshotRegime, v: Variable) -> &[f64] {
    match v {
        Variable::Wealth => &snap.wealth,
        Variable::Money => &snap.money,
    }
}

const WIDE: u32 = 960;
const TALL: u32 = 540;
const LEGEND_WIDTH: u32 = 210;

fn summary_layout(panels: usize, regimes: usize) -> (usize, u32) {
    let cols = if panels > 1 { 2 } else { 1 };
    let rows = panels.div_ceil(cols);
    let panel_height = 110 + 30 * regimes.max(1) as u32;
    (cols, 50 + rows as u32 * panel_height)
}

fn histogram_layout(panels: usize) -> (usize, u32) {
    let cols = if panels > 1 { 2 } else { 1 };
    let rows = panels.div_ceil(cols);
    (cols, 50 + rows as u32 * 300)
}

fn replicates_phrase(reps: &[u64]) -> String {
    match reps {
        [] => "no replicate".into(),
        [r] => format!("replicate {r}"),
        _ => format!("{} replicates pooled", reps.len()),
    }
}

/// The charts that can be drawn from `data`, in the order the report shows them. A metric
/// empty for every regime gets no chart.
pub fn charts(data: &RunData) -> Vec<Chart> {
    let mut out = Vec::new();
    let name = if data.name.is_empty() { "agora" } else { data.name.as_str() };
    let reps = data.replicates();
    for &metric in KEY_METRICS {
        let Some(col) = data.timeseries.column(metric) else { continue };
        if !data.timeseries.regimes.iter().any(|r| r.has(col)) {
            continue;
        }
        let about = metric_about(metric);
        let mut caption: String =
            about.chars().take(1).flat_map(char::to_uppercase).chain(about.chars().skip(1)).collect();
        caption.push_str(if reps > 1 {
            ". Lines are the mean over replicates at each step; shaded bands are 95% t-intervals over replicates."
        } else {
            ". One replicate, so no interval."
        });
        out.push(Chart {
            stem: metric.to_string(),
            title: format!("{name}: {}", metric_title(metric)),
            caption,
            width: WIDE,
            height: TALL,
            kind: ChartKind::TimeSeries { metric: metric.to_string() },
        });
    }
    let metrics: Vec<String> = KEY_METRICS
        .iter()
        .filter(|m| data.summary.iter().any(|s| s.metric == **m && s.mean.is_finite()))
        .map(|m| m.to_string())
        .collect();
    if !metrics.is_empty() {
        let regimes = summary_regimes(data).len();
        let (_, height) = summary_layout(metrics.len(), regimes);
        let warmup = data.scenario.get("run").and_then(|r| r.get("warmup")).and_then(|w| w.as_integer()).unwrap_or(0);
        out.push(Chart {
            stem: "summary".into(),
            title: format!("{name}: means after warm-up, with 95% intervals"),
            caption: format!(
                "Each dot is the mean over replicates of each replicate's mean after the {warmup}-step warm-up; the bar is its 95% t-interval (none with one replicate)."
            ),
            width: WIDE,
            height,
            kind: ChartKind::Summary { metrics },
        });
    }
    if let Some(snap) = &data.snapshot {
        let v = distribution_variable(data, snap);
        let drawn: Vec<&SnapshotRegime> = snap.regimes.iter().filter(|r| !values(r, v).is_empty()).collect();
        if !drawn.is_empty() {
            let which: BTreeSet<String> = drawn.iter().map(|r| replicates_phrase(&r.replicates)).collect();
            let which = which.into_iter().collect::<Vec<_>>().join("; ");
            out.push(Chart {
                stem: "lorenz".into(),
                title: format!("{name}: Lorenz curves of {} at step {}", v.name(), snap.step),
                caption: format!(
                    "Share of total {0} held by the poorest share of agents at step {1} ({which}); the diagonal is equality. Where some {0} is negative (debts), shares are of the total absolute {0}: the curve dips below zero by the debts and ends below one. Gini in the legend.",
                    v.name(),
                    snap.step
                ),
                width: WIDE,
                height: TALL,
                kind: ChartKind::Lorenz,
            });
            let (_, height) = histogram_layout(drawn.len());
            out.push(Chart {
                stem: "histogram".into(),
                title: format!("{name}: distribution of {} at step {}", v.name(), snap.step),
                caption: format!(
                    "Density of {} across agents at step {} ({which}); a logarithmic density axis where the distribution spans orders of magnitude. Kinetic exchange without saving is compared with the exponential law of the same mean.",
                    v.name(),
                    snap.step
                ),
                width: WIDE,
                height,
                kind: ChartKind::Histogram,
            });
        }
    }
    out
}

fn summary_regimes(data: &RunData) -> Vec<String> {
    data.entries.iter().filter(|e| data.summary.iter().any(|s| &s.regime == *e)).cloned().collect()
}

// ---------------------------------------------------------------------------------------
// Drawing
// ---------------------------------------------------------------------------------------

type DrawResult = std::result::Result<(), Box<dyn std::error::Error>>;

fn style(size: f64) -> TextStyle<'static> {
    (FONT, size).into_font().color(&BLACK)
}

fn grey(level: u8) -> RGBColor {
    RGBColor(level, level, level)
}

/// Numbers in labels: three significant digits, no exponent for everyday magnitudes.
pub fn short_number(x: f64) -> String {
    if !x.is_finite() {
        return if x.is_nan() { String::new() } else { format!("{x}") };
    }
    if x == 0.0 {
        return "0".into();
    }
    let a = x.abs();
    if !(1e-4..1e7).contains(&a) {
        let text = format!("{x:.2e}");
        return match text.split_once('e') {
            Some((m, e)) if m.contains('.') => format!("{}e{e}", m.trim_end_matches('0').trim_end_matches('.')),
            _ => text,
        };
    }
    let decimals = (2 - a.log10().floor() as i32).clamp(0, 6) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn tick(x: &f64) -> String {
    // Tick positions are sums of steps and can miss zero by a rounding error.
    if x.abs() < 1e-10 {
        "0".into()
    } else {
        short_number(*x)
    }
}

/// Range covering `lo..hi` with a margin, starting at zero for non-negative data that comes
/// near it.
fn padded(lo: f64, hi: f64, anchor_zero: bool) -> (f64, f64) {
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    let (mut lo, hi) = (lo, hi);
    if anchor_zero && lo >= 0.0 && lo <= 0.5 * hi {
        lo = 0.0;
    }
    let span = hi - lo;
    if span <= 0.0 {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        return (lo - pad, hi + pad);
    }
    let pad = span * 0.05;
    (if lo == 0.0 && anchor_zero { 0.0 } else { lo - pad }, hi + pad)
}

fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: &[(String, Option<String>, RGBColor)],
    note: &str,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let mut y = 30;
    for (label, second, colour) in items {
        area.draw(&PathElement::new(vec![(8, y), (36, y)], colour.stroke_width(3)))?;
        area.draw(&Text::new(label.clone(), (44, y), style(14.0).pos(Pos::new(HPos::Left, VPos::Center))))?;
        y += 20;
        if let Some(second) = second {
            area.draw(&Text::new(
                second.clone(),
                (44, y),
                style(12.0).color(&grey(60)).pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
            y += 20;
        }
        y += 4;
    }
    let mut y = y + 16;
    for line in wrap(note, 30) {
        area.draw(&Text::new(line, (8, y), style(12.0).color(&grey(80)).pos(Pos::new(HPos::Left, VPos::Center))))?;
        y += 16;
    }
    Ok(())
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Runs of consecutive steps where `keep` holds, as (start, end) exclusive.
fn runs(n: usize, keep: impl Fn(usize) -> bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for i in 0..=n {
        let k = i < n && keep(i);
        match (k, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    out
}

fn draw_timeseries<DB: DrawingBackend>(
    data: &RunData,
    chart: &Chart,
    metric: &str,
    root: &DrawingArea<DB, Shift>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let Some(col) = data.timeseries.column(metric) else { return Ok(()) };
    let bands: Vec<(usize, &RegimeSeries, Vec<StepBand>)> = data
        .timeseries
        .regimes
        .iter()
        .filter(|r| r.has(col))
        .map(|r| (data.colour_index(&r.label), r, r.band(col)))
        .collect();
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    let mut max_step = 1usize;
    for (_, r, band) in &bands {
        max_step = max_step.max(r.steps.saturating_sub(1));
        for b in band {
            for v in [b.mean, b.low, b.high] {
                if v.is_finite() {
                    lo = lo.min(v);
                    hi = hi.max(v);
                }
            }
        }
    }
    let (lo, hi) = padded(lo, hi, true);
    let root = root.titled(&chart.title, style(20.0))?;
    let (plot, side) = root.split_horizontally(chart.width - LEGEND_WIDTH);
    let mut ctx = ChartBuilder::on(&plot)
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(72)
        .build_cartesian_2d(0f64..max_step as f64, lo..hi)?;
    let unit = metric_unit(metric);
    let y_desc = if unit.is_empty() { metric_title(metric) } else { format!("{} ({unit})", metric_title(metric)) };
    ctx.configure_mesh()
        .x_desc("step")
        .y_desc(y_desc)
        .label_style(style(13.0))
        .axis_desc_style(style(15.0))
        .bold_line_style(grey(225))
        .light_line_style(TRANSPARENT)
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .draw()?;
    for (c, _, band) in &bands {
        let colour = regime_colour(*c);
        for (s, e) in runs(band.len(), |t| band[t].low.is_finite() && band[t].high.is_finite()) {
            let mut pts: Vec<(f64, f64)> = (s..e).map(|t| (t as f64, band[t].high)).collect();
            pts.extend((s..e).rev().map(|t| (t as f64, band[t].low)));
            ctx.draw_series(std::iter::once(Polygon::new(pts, colour.mix(0.18).filled())))?;
        }
    }
    for (c, _, band) in &bands {
        let colour = regime_colour(*c);
        for (s, e) in runs(band.len(), |t| band[t].mean.is_finite()) {
            if e - s == 1 {
                ctx.draw_series(std::iter::once(Circle::new((s as f64, band[s].mean), 3, colour.filled())))?;
            } else {
                ctx.draw_series(LineSeries::new((s..e).map(|t| (t as f64, band[t].mean)), colour.stroke_width(2)))?;
            }
        }
    }
    let items: Vec<_> = bands.iter().map(|(c, r, _)| (r.label.clone(), None, regime_colour(*c))).collect();
    let reps = data.replicates();
    let note = if reps > 1 {
        format!("Lines: mean of {reps} replicates. Bands: 95% t-interval over replicates.")
    } else {
        "One replicate: no interval.".to_string()
    };
    legend(&side, &items, &note)
}

fn draw_summary<DB: DrawingBackend>(
    data: &RunData,
    chart: &Chart,
    metrics: &[String],
    root: &DrawingArea<DB, Shift>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let regimes = summary_regimes(data);
    let n = regimes.len();
    let (cols, _) = summary_layout(metrics.len(), n);
    let rows = metrics.len().div_ceil(cols);
    let root = root.titled(&chart.title, style(20.0))?;
    let panels = root.split_evenly((rows, cols));
    for (metric, panel) in metrics.iter().zip(panels.iter()) {
        let found: Vec<(usize, &SummaryRow)> = regimes
            .iter()
            .enumerate()
            .filter_map(|(k, label)| {
                data.summary.iter().find(|s| &s.regime == label && &s.metric == metric).map(|s| (k, s))
            })
            .filter(|(_, s)| s.mean.is_finite())
            .collect();
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for (_, s) in &found {
            for v in [s.mean, s.ci95_low, s.ci95_high] {
                if v.is_finite() {
                    lo = lo.min(v);
                    hi = hi.max(v);
                }
            }
        }
        let (lo, hi) = padded(lo, hi, false);
        let unit = metric_unit(metric);
        let caption = if unit.is_empty() { metric_title(metric) } else { format!("{} ({unit})", metric_title(metric)) };
        let label_of = |v: &SegmentValue<i32>| match v {
            // The first regime at the top.
            SegmentValue::CenterOf(k) if *k >= 0 && (*k as usize) < n => regimes[n - 1 - *k as usize].clone(),
            _ => String::new(),
        };
        let mut ctx = ChartBuilder::on(panel)
            .margin(10)
            .caption(caption, style(15.0))
            .x_label_area_size(30)
            .y_label_area_size(150)
            // An i32 range holds both ends: n regimes are 0..=n-1.
            .build_cartesian_2d(lo..hi, (0..(n as i32 - 1).max(0)).into_segmented())?;
        ctx.configure_mesh()
            .label_style(style(12.0))
            .bold_line_style(grey(225))
            .light_line_style(TRANSPARENT)
            .disable_y_mesh()
            .x_labels(6)
            .y_labels(n.max(1))
            .x_label_formatter(&tick)
            .y_label_formatter(&label_of)
            .draw()?;
        for (k, s) in &found {
            let colour = regime_colour(data.colour_index(&s.regime));
            let y = SegmentValue::CenterOf((n - 1 - k) as i32);
            if s.ci95_low.is_finite() && s.ci95_high.is_finite() {
                let line = colour.stroke_width(2);
                ctx.draw_series(std::iter::once(PathElement::new(
                    vec![(s.ci95_low, y.clone()), (s.ci95_high, y.clone())],
                    line,
                )))?;
                for end in [s.ci95_low, s.ci95_high] {
                    ctx.draw_series(std::iter::once(
                        EmptyElement::at((end, y.clone())) + PathElement::new(vec![(0, -6), (0, 6)], line),
                    ))?;
                }
            }
            ctx.draw_series(std::iter::once(Circle::new((s.mean, y), 5, colour.filled())))?;
        }
    }
    Ok(())
}

/// Points of the Lorenz curve of `sorted` values (ascending), at most about `max_points`:
/// the poorest share of agents against their cumulative share of the total. With debts
/// (negative values) the total is taken over absolute values, as the Gini of the engine does,
/// so the curve dips below zero by the share the debts make and ends below one; it stays in
/// `[-1, 1]` however small the net total. The second value says whether there were debts.
fn lorenz_points(sorted: &[f64], max_points: usize) -> (Vec<(f64, f64)>, bool) {
    let n = sorted.len();
    let debts = sorted.first().is_some_and(|x| *x < 0.0);
    let absolute: f64 = sorted.iter().map(|x| x.abs()).sum();
    if n == 0 || absolute <= 0.0 {
        // Nothing held by anyone: no inequality to show.
        return (vec![(0.0, 0.0), (1.0, 1.0)], false);
    }
    let mut cum = Vec::with_capacity(n + 1);
    cum.push(0.0);
    let mut acc = 0.0;
    for &x in sorted {
        acc += x;
        cum.push(acc);
    }
    let k = max_points.clamp(2, n.max(2));
    let mut pts = Vec::with_capacity(k + 1);
    for j in 0..=k {
        let i = (j * n) / k;
        pts.push((i as f64 / n as f64, cum[i] / absolute));
    }
    pts.dedup();
    (pts, debts)
}

fn draw_lorenz<DB: DrawingBackend>(data: &RunData, chart: &Chart, root: &DrawingArea<DB, Shift>) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let Some(snap) = &data.snapshot else { return Ok(()) };
    let v = distribution_variable(data, snap);
    let mut curves = Vec::new();
    let mut ymin: f64 = 0.0;
    for r in &snap.regimes {
        let xs = values(r, v);
        if xs.is_empty() {
            continue;
        }
        let gini = gini_sorted(xs);
        let (pts, debts) = lorenz_points(xs, 400);
        ymin = pts.iter().map(|p| p.1).fold(ymin, f64::min);
        curves.push((data.colour_index(&r.label), r, gini, pts, debts));
    }
    let root = root.titled(&chart.title, style(20.0))?;
    let (plot, side) = root.split_horizontally(chart.width - LEGEND_WIDTH);
    let ylo = if ymin < 0.0 { ymin - 0.05 } else { 0.0 };
    let mut ctx = ChartBuilder::on(&plot)
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(72)
        .build_cartesian_2d(0f64..1f64, ylo..1f64)?;
    ctx.configure_mesh()
        .x_desc("cumulative share of agents, poorest first (share)")
        .y_desc(if curves.iter().any(|c| c.4) {
            format!("cumulative {0} over total absolute {0} (share)", v.name())
        } else {
            format!("cumulative share of {} (share)", v.name())
        })
        .label_style(style(13.0))
        .axis_desc_style(style(15.0))
        .bold_line_style(grey(225))
        .light_line_style(TRANSPARENT)
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .draw()?;
    ctx.draw_series(LineSeries::new([(0.0, 0.0), (1.0, 1.0)], grey(150).stroke_width(1)))?;
    if ylo < 0.0 {
        ctx.draw_series(LineSeries::new([(0.0, 0.0), (1.0, 0.0)], grey(150).stroke_width(1)))?;
    }
    let mut items = Vec::new();
    for (c, r, gini, pts, debts) in &curves {
        let colour = regime_colour(*c);
        ctx.draw_series(LineSeries::new(pts.iter().copied(), colour.stroke_width(2)))?;
        let mut second = format!("Gini {}", if gini.is_finite() { format!("{gini:.3}") } else { "n/a".into() });
        if *debts {
            second.push_str(", with debts");
        }
        items.push((r.label.clone(), Some(second), colour));
    }
    let which: BTreeSet<String> = curves.iter().map(|c| replicates_phrase(&c.1.replicates)).collect();
    let note = format!(
        "Step {}, {}. Gini: mean difference over total absolute {}, as in gini_{}.",
        snap.step,
        which.into_iter().collect::<Vec<_>>().join("; "),
        v.name(),
        v.name()
    );
    legend(&side, &items, &note)
}

/// Mean-difference Gini of ascending values over the total of absolute values, as the engine
/// computes `gini_wealth` (in `[0, 1]` with debts); `NaN` when every value is zero.
pub fn gini_sorted(sorted: &[f64]) -> f64 {
    let n = sorted.len() as f64;
    let (mut weighted, mut absolute) = (0.0, 0.0);
    for (i, x) in sorted.iter().enumerate() {
        weighted += (2.0 * (i as f64 + 1.0) - n - 1.0) * x;
        absolute += x.abs();
    }
    if absolute <= 0.0 {
        f64::NAN
    } else {
        (weighted / (n * absolute)).max(0.0)
    }
}

/// A histogram of `xs` as (bin start, bin end, density), with `bins` equal bins.
fn histogram(xs: &[f64], bins: usize) -> Vec<(f64, f64, f64)> {
    let (lo, hi) = xs.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &x| (l.min(x), h.max(x)));
    if !lo.is_finite() {
        return Vec::new();
    }
    let (lo, hi) = if hi > lo { (lo, hi) } else { (lo - 0.5, lo + 0.5) };
    let width = (hi - lo) / bins as f64;
    let mut counts = vec![0u64; bins];
    for &x in xs {
        let b = (((x - lo) / width) as usize).min(bins - 1);
        counts[b] += 1;
    }
    let n = xs.len() as f64;
    counts
        .iter()
        .enumerate()
        .map(|(b, &c)| (lo + b as f64 * width, lo + (b + 1) as f64 * width, c as f64 / (n * width)))
        .collect()
}

fn draw_histogram<DB: DrawingBackend>(data: &RunData, chart: &Chart, root: &DrawingArea<DB, Shift>) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let Some(snap) = &data.snapshot else { return Ok(()) };
    let v = distribution_variable(data, snap);
    let drawn: Vec<&SnapshotRegime> = snap.regimes.iter().filter(|r| !values(r, v).is_empty()).collect();
    let (cols, _) = histogram_layout(drawn.len());
    let rows = drawn.len().div_ceil(cols);
    let root = root.titled(&chart.title, style(20.0))?;
    let panels = root.split_evenly((rows, cols));
    for (r, panel) in drawn.iter().zip(panels.iter()) {
        let xs = values(r, v);
        let colour = regime_colour(data.colour_index(&r.label));
        let bins = ((xs.len() as f64).sqrt() as usize).clamp(10, 50);
        let hist = histogram(xs, bins);
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let (xlo, xhi) = (hist.first().map(|h| h.0).unwrap_or(0.0), hist.last().map(|h| h.1).unwrap_or(1.0));
        let positive: Vec<f64> = hist.iter().map(|h| h.2).filter(|d| *d > 0.0).collect();
        let dmax = positive.iter().copied().fold(0.0, f64::max);
        let dmin = positive.iter().copied().fold(f64::INFINITY, f64::min);
        let kinetic = data.market_model(&r.label).as_deref() == Some("kinetic")
            && data.entry_setting(&r.label, &["market", "saving"]).and_then(|s| s.as_float()).unwrap_or(0.0) == 0.0
            && xlo >= 0.0
            && mean > 0.0;
        let exponential: Vec<(f64, f64)> = if kinetic {
            (0..=200).map(|i| xlo + (xhi - xlo) * i as f64 / 200.0).map(|x| (x, (-x / mean).exp() / mean)).collect()
        } else {
            Vec::new()
        };
        // A log axis when the densities span more than two orders of magnitude (or to show the
        // exponential law as a straight line).
        let log = dmax > 0.0 && (dmax / dmin > 100.0 || kinetic);
        let x_desc = format!("{} (unit of account)", v.name());
        let caption = format!("{} ({} agents, {})", r.label, xs.len(), replicates_phrase(&r.replicates));
        let builder = |panel| {
            let mut b = ChartBuilder::on(panel);
            b.margin(10)
                .caption(caption.clone(), style(15.0).color(&colour))
                .x_label_area_size(40)
                .y_label_area_size(70);
            b
        };
        let bar_style = colour.mix(0.55).filled();
        let black_line = BLACK.stroke_width(2);
        let exp_label = format!("exponential law, mean {}", short_number(mean));
        if log {
            let ylo = 10f64.powf((dmin / 2.0).log10().floor());
            let yhi = 10f64.powf((dmax * 1.5).log10().ceil());
            let mut ctx = builder(panel).build_cartesian_2d(xlo..xhi, (ylo..yhi).log_scale())?;
            ctx.configure_mesh()
                .x_desc(x_desc)
                .y_desc("density (per unit of account, log scale)")
                .label_style(style(12.0))
                .axis_desc_style(style(13.0))
                .bold_line_style(grey(225))
                .light_line_style(TRANSPARENT)
                .x_labels(6)
                .x_label_formatter(&tick)
                .y_label_formatter(&tick)
                .draw()?;
            ctx.draw_series(
                hist.iter().filter(|h| h.2 > 0.0).map(|&(a, b, d)| Rectangle::new([(a, ylo), (b, d)], bar_style)),
            )?;
            if kinetic {
                let pts = exponential.iter().copied().filter(|p| p.1 >= ylo && p.1 <= yhi);
                ctx.draw_series(LineSeries::new(pts, black_line))?
                    .label(exp_label)
                    .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(2)));
                ctx.configure_series_labels()
                    .position(SeriesLabelPosition::UpperRight)
                    .label_font(style(12.0))
                    .background_style(WHITE.mix(0.85))
                    .border_style(grey(180))
                    .draw()?;
            }
        } else {
            let top = dmax.max(exponential.iter().map(|p| p.1).fold(0.0, f64::max)) * 1.08;
            let top = if top > 0.0 { top } else { 1.0 };
            let mut ctx = builder(panel).build_cartesian_2d(xlo..xhi, 0f64..top)?;
            ctx.configure_mesh()
                .x_desc(x_desc)
                .y_desc("density (per unit of account)")
                .label_style(style(12.0))
                .axis_desc_style(style(13.0))
                .bold_line_style(grey(225))
                .light_line_style(TRANSPARENT)
                .x_labels(6)
                .x_label_formatter(&tick)
                .y_label_formatter(&tick)
                .draw()?;
            ctx.draw_series(
                hist.iter().filter(|h| h.2 > 0.0).map(|&(a, b, d)| Rectangle::new([(a, 0.0), (b, d)], bar_style)),
            )?;
            if kinetic {
                ctx.draw_series(LineSeries::new(exponential.iter().copied(), black_line))?
                    .label(exp_label)
                    .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(2)));
                ctx.configure_series_labels()
                    .position(SeriesLabelPosition::UpperRight)
                    .label_font(style(12.0))
                    .background_style(WHITE.mix(0.85))
                    .border_style(grey(180))
                    .draw()?;
            }
        }
    }
    Ok(())
}

/// A bitmap that draws its own text. plotters' `ab_glyph` text drops each glyph's side
/// bearing, so letters sit unevenly; this places glyphs by advance and kerning, at the size
/// and anchor an SVG viewer gives the SVG backend's `<text>`, so a PNG matches its SVG.
/// Everything else goes to the bitmap backend.
struct Raster<'a> {
    inner: BitMapBackend<'a>,
    font: ab_glyph::FontRef<'static>,
}

/// x-height of DejaVu Sans (OS/2 `sxHeight` 1120 over 2048 units per em): SVG's `ex`.
const X_HEIGHT_EM: f32 = 1120.0 / 2048.0;

impl<'a> Raster<'a> {
    fn new(pixels: &'a mut [u8], size: (u32, u32)) -> std::result::Result<Self, ab_glyph::InvalidFont> {
        Ok(Raster {
            inner: BitMapBackend::with_buffer(pixels, size),
            font: ab_glyph::FontRef::try_from_slice(DEJAVU_SANS)?,
        })
    }
}

type BitmapError = <BitMapBackend<'static> as DrawingBackend>::ErrorType;

impl DrawingBackend for Raster<'_> {
    type ErrorType = BitmapError;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> std::result::Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> std::result::Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> std::result::Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: plotters_backend::BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> std::result::Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: plotters_backend::BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> std::result::Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: plotters_backend::BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> std::result::Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: plotters_backend::BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> std::result::Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: plotters_backend::BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> std::result::Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.fill_polygon(vert, style)
    }

    fn draw_text<S: plotters_backend::BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> std::result::Result<(), DrawingErrorKind<BitmapError>> {
        use ab_glyph::{Font, ScaleFont};
        let colour = style.color();
        if colour.alpha == 0.0 {
            return Ok(());
        }
        // The SVG backend writes `font-size` as size / 1.24; ab_glyph scales by the height
        // from ascender to descender.
        let em = (style.size() / 1.24) as f32;
        let units = self.font.units_per_em().unwrap_or(2048.0);
        let scale = ab_glyph::PxScale::from(em * self.font.height_unscaled() / units);
        let font = self.font.as_scaled(scale);
        let mut advance = 0.0f32;
        let mut prev = None;
        let mut placed = Vec::with_capacity(text.len());
        for c in text.chars() {
            let id = font.glyph_id(c);
            if let Some(p) = prev {
                advance += font.kern(p, id);
            }
            placed.push((id, advance));
            advance += font.h_advance(id);
            prev = Some(id);
        }
        let anchor = style.anchor();
        let dx = match anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Center => -advance / 2.0,
            HPos::Right => -advance,
        };
        // SVG `dy`: 0.76em below a top anchor, half an ex below a centre, half an ex above a bottom.
        let dy = match anchor.v_pos {
            VPos::Top => 0.76 * em,
            VPos::Center => 0.5 * X_HEIGHT_EM * em,
            VPos::Bottom => -0.5 * X_HEIGHT_EM * em,
        };
        let transform = style.transform();
        let (w, h) = self.inner.get_size();
        let mut result = Ok(());
        for (id, x) in placed {
            let glyph = id.with_scale_and_position(scale, ab_glyph::point(x + dx, dy));
            let Some(outline) = font.outline_glyph(glyph) else { continue };
            let bounds = outline.px_bounds();
            let inner = &mut self.inner;
            outline.draw(|gx, gy, coverage| {
                if result.is_err() || coverage <= 0.0 {
                    return;
                }
                let (lx, ly) = (bounds.min.x as i32 + gx as i32, bounds.min.y as i32 + gy as i32);
                let (tx, ty) = transform.transform(lx, ly);
                let (px, py) = (pos.0 + tx, pos.1 + ty);
                if px >= 0 && py >= 0 && (px as u32) < w && (py as u32) < h {
                    let c = BackendColor { alpha: colour.alpha * coverage.min(1.0) as f64, rgb: colour.rgb };
                    result = inner.draw_pixel((px, py), c);
                }
            });
        }
        result
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> std::result::Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.blit_bitmap(pos, size, src)
    }
}

fn draw<DB: DrawingBackend>(data: &RunData, chart: &Chart, root: DrawingArea<DB, Shift>) -> DrawResult
where
    DB::ErrorType: 'static,
{
    register_font();
    root.fill(&WHITE)?;
    match &chart.kind {
        ChartKind::TimeSeries { metric } => draw_timeseries(data, chart, metric, &root)?,
        ChartKind::Summary { metrics } => draw_summary(data, chart, metrics, &root)?,
        ChartKind::Lorenz => draw_lorenz(data, chart, &root)?,
        ChartKind::Histogram => draw_histogram(data, chart, &root)?,
    }
    root.present()?;
    Ok(())
}

fn draw_error(chart: &Chart, e: impl std::fmt::Display) -> Error {
    Error::Run(format!("drawing the chart `{}`: {e}", chart.stem))
}

/// The chart as an SVG document.
pub fn render_svg(data: &RunData, chart: &Chart) -> Result<String> {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (chart.width, chart.height)).into_drawing_area();
        draw(data, chart, root).map_err(|e| draw_error(chart, e))?;
    }
    Ok(buf)
}

/// The chart as a PNG file (8-bit RGB).
pub fn render_png(data: &RunData, chart: &Chart) -> Result<Vec<u8>> {
    let (w, h) = (chart.width, chart.height);
    let mut pixels = vec![255u8; w as usize * h as usize * 3];
    {
        let raster = Raster::new(&mut pixels, (w, h)).map_err(|e| draw_error(chart, e))?;
        let root = raster.into_drawing_area();
        draw(data, chart, root).map_err(|e| draw_error(chart, e))?;
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Balanced);
    let mut writer = encoder.write_header().map_err(|e| draw_error(chart, e))?;
    writer.write_image_data(&pixels).map_err(|e| draw_error(chart, e))?;
    writer.finish().map_err(|e| draw_error(chart, e))?;
    Ok(out)
}

/// A drawn chart: its description and, if made, its SVG text.
#[derive(Debug, Clone)]
pub struct Drawn {
    /// The chart.
    pub chart: Chart,
    /// The SVG document, when SVG was drawn (for files or the report).
    pub svg: Option<String>,
}

/// Draws every chart of `data` into `plots/` of its folder in `formats` (each file written
/// atomically) and removes the `.png` and `.svg` files there that this drawing did not make
/// (a chart or format no longer drawn). Returns every chart, with its SVG text when SVG was
/// drawn (for files, or for the report when `keep_svg`), and the files written. With no
/// formats nothing is written and `plots/` is left alone.
pub fn write_plots(data: &RunData, formats: &[PlotFormat], keep_svg: bool) -> Result<(Vec<Drawn>, Vec<PathBuf>)> {
    let list = charts(data);
    let plots_dir = data.dir.join("plots");
    let mut written = Vec::new();
    if !formats.is_empty() {
        std::fs::create_dir_all(&plots_dir).map_err(|e| Error::io(format!("creating `{}`", plots_dir.display()), e))?;
    }
    let svg_wanted = keep_svg || formats.contains(&PlotFormat::Svg);
    let mut drawn = Vec::with_capacity(list.len());
    for chart in list {
        let svg = if svg_wanted { Some(render_svg(data, &chart)?) } else { None };
        for format in formats {
            let (ext, bytes) = match format {
                PlotFormat::Svg => ("svg", svg.clone().unwrap_or_default().into_bytes()),
                PlotFormat::Png => ("png", render_png(data, &chart)?),
            };
            let path = plots_dir.join(format!("{}.{ext}", chart.stem));
            super::write_atomic(&path, &bytes)?;
            written.push(path);
        }
        drawn.push(Drawn { chart, svg });
    }
    if !formats.is_empty() {
        remove_stale(&plots_dir, &written)?;
    }
    Ok((drawn, written))
}

/// Removes `.png` and `.svg` files in `plots_dir` that this drawing did not write.
fn remove_stale(plots_dir: &Path, written: &[PathBuf]) -> Result<()> {
    let list = std::fs::read_dir(plots_dir).map_err(|e| Error::io(format!("reading `{}`", plots_dir.display()), e))?;
    for entry in list.flatten() {
        let path = entry.path();
        let ours = matches!(path.extension().and_then(|e| e.to_str()), Some("png" | "svg"));
        if ours && !written.contains(&path) {
            std::fs::remove_file(&path).map_err(|e| Error::io(format!("removing `{}`", path.display()), e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_numbers_read_well() {
        assert_eq!(short_number(0.0), "0");
        assert_eq!(short_number(0.5234), "0.523");
        assert_eq!(short_number(12.345), "12.3");
        assert_eq!(short_number(1234.6), "1235");
        assert_eq!(short_number(-0.01), "-0.01");
        assert_eq!(short_number(f64::NAN), "");
        assert_eq!(short_number(1e-5), "1e-5");
        assert_eq!(short_number(2.5e-6), "2.5e-6");
    }

    #[test]
    fn lorenz_of_equal_values_is_the_diagonal() {
        let (pts, debts) = lorenz_points(&[2.0; 10], 400);
        assert!(!debts);
        assert_eq!(pts.len(), 11);
        assert!(pts.iter().all(|(x, y)| (x - y).abs() < 1e-12));
    }

    #[test]
    fn lorenz_with_debts_dips_below_zero_but_stays_bounded() {
        let (pts, debts) = lorenz_points(&[-5.0, 1.0, 10.0], 400);
        assert!(debts);
        assert_eq!(pts[1].1, -5.0 / 16.0);
        assert_eq!(pts.last().map(|p| p.1), Some(6.0 / 16.0));
        // A net total near zero does not blow the curve up.
        let (pts, _) = lorenz_points(&[-5.0, 1.0, 4.0], 400);
        assert!(pts.iter().all(|p| p.1 >= -1.0 && p.1 <= 1.0));
        assert_eq!(lorenz_points(&[0.0, 0.0], 400).0, vec![(0.0, 0.0), (1.0, 1.0)]);
    }

    #[test]
    fn gini_matches_the_engine() {
        use crate::metrics::inequality::SortBuffer;
        let mut xs: Vec<f64> = (0..500).map(|i| ((i * 37) % 101) as f64 - 20.0).collect();
        let engine = SortBuffer::default().sort(xs.iter().copied()).gini();
        xs.sort_unstable_by(f64::total_cmp);
        assert!((gini_sorted(&xs) - engine).abs() < 1e-6);
        assert!(gini_sorted(&[0.0, 0.0]).is_nan());
        assert_eq!(gini_sorted(&[0.0, 0.0, 0.0, 4.0]), 0.75);
    }

    #[test]
    fn histogram_densities_integrate_to_one() {
        let xs: Vec<f64> = (0..1000).map(|i| (i as f64).sqrt()).collect();
        let h = histogram(&xs, 20);
        let total: f64 = h.iter().map(|(a, b, d)| (b - a) * d).sum();
        assert!((total - 1.0).abs() < 1e-9);
        assert_eq!(histogram(&[3.0, 3.0], 10).iter().map(|h| h.2).filter(|d| *d > 0.0).count(), 1);
    }

    #[test]
    fn runs_split_at_gaps() {
        let v = [1.0, f64::NAN, 2.0, 3.0, f64::NAN];
        assert_eq!(runs(v.len(), |i| v[i].is_finite()), vec![(0, 1), (2, 4)]);
    }

    #[test]
    fn every_colour_is_distinct() {
        let set: BTreeSet<String> = (0..PALETTE.len()).map(regime_colour_hex).collect();
        assert_eq!(set.len(), PALETTE.len());
        assert_eq!(regime_colour_hex(PALETTE.len()), regime_colour_hex(0));
    }
}
