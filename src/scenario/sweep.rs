//! `[sweep]`: the points at which `agora sweep` runs a scenario, and how.
//!
//! This layer knows no regime: a swept parameter is a dotted key of the scenario
//! (`"policy.basic_income.amount"`, `"market.keep"`, `"variant.open.knowledge.initial"`) and a
//! list or range of values. Keys with a dot are parameters, keys without one are options
//! (`design`, `n`, ...); an unquoted dotted key (`policy.tax.rate = [...]`) works too, since
//! TOML nests it and the nesting is read back as the dotted key. Parameters keep the order in
//! which the file writes them: in a grid the first varies slowest, and the first two are the
//! axes of a heat map.
//!
//! The file layer keeps the `[sweep]` table as written ([`super::ScenarioFile::sweep`]);
//! [`SweepConfig::parse`] reads and checks it here, and the sweep runner lays each point's
//! values over the scenario with [`super::settings::apply`], so every value meets the same
//! validator as a file. The table is never part of the scenario a point runs.

use super::source::{self, line_col};
use crate::error::InputError;
use toml::de::{DeTable, DeValue};

/// The option keys of `[sweep]` (keys without a dot).
pub const OPTIONS: &[&str] = &[
    "design",
    "n",
    "design_seed",
    "trajectories",
    "levels",
    "table",
    "saltelli",
    "keep_runs",
    "seeds",
    "metrics",
    "bootstrap",
    "stop",
    "stop_after",
];

/// The designs, by name.
pub const DESIGNS: &[&str] = &["grid", "zip", "lhs", "random", "sobol", "morris", "table"];

/// Keys a sweep may not set: they define the sweep itself or how results are written, not a
/// point's world.
const NOT_SWEPT: &[(&str, &str)] = &[
    (
        "run.replicates",
        "replicates are the sweep's own repetitions of every point; set `[run] replicates` or --replicates",
    ),
    (
        "run.seed",
        "replicates already draw new random numbers; set `seeds = \"independent\"` for independent streams per point",
    ),
    ("run.threads", "the thread count never changes a result; use --threads"),
    ("output", "outputs do not change results; set `[output]` for the whole sweep"),
    ("sweep", "a sweep cannot sweep its own settings"),
    ("name", "the name is the sweep's, not a point's"),
    ("regimes", "the regime entries are the same at every point"),
    ("mode", "every point runs in the same mode"),
    ("baseline", "the baseline is the same at every point"),
];

/// How the points are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DesignKind {
    /// Every combination of the parameters' values (full factorial); the first parameter varies
    /// slowest.
    Grid,
    /// The k-th value of every parameter together: all lists have the same length.
    Zip,
    /// A Latin hypercube of `n` points over continuous ranges (McKay et al. 1979).
    Lhs,
    /// `n` points drawn independently and uniformly over continuous ranges (plain Monte
    /// Carlo).
    Random,
    /// Saltelli's scheme on the Sobol' sequence for Sobol' indices (`n` base points, `n (d + 2)`
    /// runs), or with `saltelli = false` the first `n` points of the Sobol' sequence.
    Sobol,
    /// Morris elementary-effect trajectories (`trajectories` of `d + 1` points on `levels`).
    Morris,
    /// The rows of a CSV file, one point per row.
    Table,
}

impl DesignKind {
    /// The design's name in the file.
    pub fn name(self) -> &'static str {
        match self {
            DesignKind::Grid => "grid",
            DesignKind::Zip => "zip",
            DesignKind::Lhs => "lhs",
            DesignKind::Random => "random",
            DesignKind::Sobol => "sobol",
            DesignKind::Morris => "morris",
            DesignKind::Table => "table",
        }
    }

    /// Whether points are drawn over continuous ranges (which then take no `steps`).
    pub fn continuous(self) -> bool {
        matches!(self, DesignKind::Lhs | DesignKind::Random | DesignKind::Sobol | DesignKind::Morris)
    }

    /// Every design, in the order of [`DESIGNS`].
    pub const ALL: [DesignKind; 7] = [
        DesignKind::Grid,
        DesignKind::Zip,
        DesignKind::Lhs,
        DesignKind::Random,
        DesignKind::Sobol,
        DesignKind::Morris,
        DesignKind::Table,
    ];

    /// The design of a name.
    pub fn from_name(name: &str) -> Option<DesignKind> {
        DESIGNS.iter().position(|d| *d == name).map(|i| DesignKind::ALL[i])
    }
}

/// Which random streams the points use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedMode {
    /// Common random numbers: every point runs with the scenario's seed, so replicate `r` of
    /// every point draws the same population and the same random numbers, and differences
    /// between points come from the parameters alone.
    Common,
    /// Each point's seed is derived from the scenario's seed and the point's id.
    Independent,
}

impl SeedMode {
    /// The mode's name in the file.
    pub fn name(self) -> &'static str {
        match self {
            SeedMode::Common => "common",
            SeedMode::Independent => "independent",
        }
    }
}

/// The values a parameter takes.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// These values, in this order (for continuous designs: equally likely levels).
    List(Vec<toml::Value>),
    /// Numbers from `from` to `to`: `steps` equally spaced values (grid and zip), or the
    /// continuous interval (lhs, sobol, morris). Integer bounds give integers.
    Range {
        /// First value, or lower bound.
        from: toml::Value,
        /// Last value, or upper bound.
        to: toml::Value,
        /// How many values (grid and zip only).
        steps: Option<u64>,
    },
}

/// One swept parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// The dotted key it sets.
    pub key: String,
    /// Its values.
    pub values: Values,
}

/// Which side of a bound ends a line of points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// The metric's mean fell below this value.
    Below(f64),
    /// The metric's mean rose above this value.
    Above(f64),
}

impl Bound {
    /// Whether `mean` has crossed the bound.
    pub fn crossed(self, mean: f64) -> bool {
        match self {
            Bound::Below(b) => mean < b,
            Bound::Above(b) => mean > b,
        }
    }
}

/// `stop = { metric, below | above, regime, along }`: stop a line of points once a point's
/// metric crosses a bound.
#[derive(Debug, Clone, PartialEq)]
pub struct StopRule {
    /// The metric whose mean over replicates is watched.
    pub metric: String,
    /// The entry watched; `None`: every entry must have crossed.
    pub regime: Option<String>,
    /// The bound.
    pub bound: Bound,
    /// The grid parameter the lines run along (default the first); lines of zip and table
    /// designs are the whole list.
    pub along: Option<String>,
}

/// `[sweep]`, read and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepConfig {
    /// The design.
    pub design: DesignKind,
    /// The swept parameters, in the order the file writes them.
    pub parameters: Vec<Parameter>,
    /// Points of a Latin hypercube or a random design, or base points of a Saltelli design
    /// (sequence points with `saltelli = false`).
    pub n: Option<u64>,
    /// Seed of the random designs (lhs, random, morris) and of the bootstrap of sensitivity intervals;
    /// independent of the run's seed, so `--seed` never moves the points.
    pub design_seed: u64,
    /// Morris trajectories.
    pub trajectories: Option<u64>,
    /// Morris grid levels (even).
    pub levels: u64,
    /// The CSV file of a table design, relative to the scenario file.
    pub table: Option<String>,
    /// Sobol' design: Saltelli's A, B, AB_i blocks (`true`) or plain sequence points.
    pub saltelli: bool,
    /// Write each point's run folder (`runs/<id>/`).
    pub keep_runs: bool,
    /// Common or independent random numbers across points.
    pub seeds: SeedMode,
    /// The headline metrics of `sweep.csv` and `sensitivity.csv`; `None`: the default list.
    pub metrics: Option<Vec<String>>,
    /// Bootstrap resamples behind the sensitivity intervals.
    pub bootstrap: u64,
    /// Stop a line of points once a metric crosses a bound.
    pub stop: Option<StopRule>,
    /// Start no new run after this many seconds of wall time (the sweep can be resumed).
    pub stop_after: Option<f64>,
}

/// Whether `v` is a number (integer or float).
pub fn is_number(v: &toml::Value) -> bool {
    matches!(v, toml::Value::Integer(_) | toml::Value::Float(_))
}

/// A number as `f64`.
pub fn as_f64(v: &toml::Value) -> Option<f64> {
    match v {
        toml::Value::Integer(i) => Some(*i as f64),
        toml::Value::Float(f) => Some(*f),
        _ => None,
    }
}

/// Where `[sweep]` key `key` (a dotted parameter, or an option) is written in `text`: the
/// position of its value, or of the table header if it is not there.
pub fn position(text: &str, key: &str) -> Option<(usize, usize)> {
    let root = DeTable::parse(text).ok()?;
    let sweep = root.get_ref().iter().find(|(k, _)| k.get_ref().as_ref() == "sweep")?;
    let mut found = None;
    if let DeValue::Table(t) = sweep.1.get_ref() {
        walk(t, "", &mut |k, start| {
            if k == key && found.is_none() {
                found = Some(start);
            }
        });
    }
    Some(line_col(text, found.unwrap_or(sweep.0.span().start)))
}

/// Calls `f(dotted key, offset of its value)` for every parameter and option of a `[sweep]`
/// table, nested tables flattened as [`SweepConfig::parse`] flattens them.
fn walk(t: &DeTable, prefix: &str, f: &mut dyn FnMut(&str, usize)) {
    for (k, v) in t.iter() {
        let key = if prefix.is_empty() { k.get_ref().to_string() } else { format!("{prefix}.{}", k.get_ref()) };
        match v.get_ref() {
            DeValue::Table(inner) if !(is_range_de(inner) || prefix.is_empty() && OPTIONS.contains(&key.as_str())) => {
                walk(inner, &key, f)
            }
            _ => f(&key, v.span().start),
        }
    }
}

fn is_range_de(t: &DeTable) -> bool {
    t.iter().any(|(k, _)| ["from", "to", "steps"].contains(&k.get_ref().as_ref()))
}

fn is_range(t: &toml::Table) -> bool {
    ["from", "to", "steps"].iter().any(|k| t.contains_key(*k))
}

/// Checks that a dotted key may be swept; `key` names it in errors.
pub fn check_key(key: &str) -> Result<(), InputError> {
    let parts: Vec<&str> = key.split('.').collect();
    if parts.len() < 2 || parts.iter().any(|p| p.is_empty() || p.contains(char::is_whitespace)) {
        return Err(InputError::at(
            format!("sweep.{key}"),
            format!("`{key}` is not a dotted key such as `policy.tax.rate`"),
        ));
    }
    for (prefix, why) in NOT_SWEPT {
        if key == *prefix || key.starts_with(&format!("{prefix}.")) {
            return Err(InputError::at(format!("sweep.{key}"), format!("`{key}` cannot be swept")).help(*why));
        }
    }
    Ok(())
}

fn err(text: &str, key: &str, message: impl Into<String>) -> InputError {
    let mut e = InputError::at(format!("sweep.{key}"), message);
    e.position = position(text, key);
    e
}

fn option_err(text: &str, key: &str, message: impl Into<String>) -> InputError {
    err(text, key, message)
}

fn whole(text: &str, key: &str, v: &toml::Value, lo: u64, hi: u64) -> Result<u64, InputError> {
    match v {
        toml::Value::Integer(i) if *i >= lo as i64 && *i as u64 <= hi => Ok(*i as u64),
        _ => Err(option_err(text, key, format!("must be a whole number from {lo} to {hi} (got {v})"))),
    }
}

fn boolean(text: &str, key: &str, v: &toml::Value) -> Result<bool, InputError> {
    v.as_bool().ok_or_else(|| option_err(text, key, format!("must be true or false (got {v})")))
}

/// `90`, `"90s"`, `"30m"`, `"2h"`, `"1h30m"`: seconds.
pub fn parse_duration(v: &toml::Value) -> Option<f64> {
    if let Some(x) = as_f64(v) {
        return (x.is_finite() && x > 0.0).then_some(x);
    }
    let s = v.as_str()?.trim();
    let (mut total, mut number, mut any) = (0.0, String::new(), false);
    for c in s.chars() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
            continue;
        }
        let unit = match c {
            'h' => 3600.0,
            'm' => 60.0,
            's' => 1.0,
            ' ' => continue,
            _ => return None,
        };
        total += number.parse::<f64>().ok()? * unit;
        number.clear();
        any = true;
    }
    if !number.is_empty() {
        total += number.parse::<f64>().ok()?;
        any = true;
    }
    (any && total.is_finite() && total > 0.0).then_some(total)
}

impl SweepConfig {
    /// Reads and checks the `[sweep]` table `table` of the scenario text `text` (for the
    /// lines of errors). Values are checked only for their shape here; whether they suit
    /// their keys is for the validator, point by point.
    pub fn parse(table: &toml::Table, text: &str) -> Result<SweepConfig, InputError> {
        let mut options: Vec<(&str, &toml::Value)> = Vec::new();
        let mut raw_params: Vec<(String, &toml::Value)> = Vec::new();
        flatten(table, "", text, &mut options, &mut raw_params)?;
        let get = |k: &str| options.iter().find(|(o, _)| *o == k).map(|(_, v)| *v);
        let design = match get("design") {
            Some(v) => {
                let name =
                    v.as_str().ok_or_else(|| option_err(text, "design", format!("must be a design name (got {v})")))?;
                match DesignKind::from_name(name) {
                    Some(kind) => kind,
                    None => {
                        let e = option_err(text, "design", format!("unknown design `{name}`"));
                        let list = DESIGNS.join(", ");
                        return Err(match source::did_you_mean(name, DESIGNS.iter().copied()) {
                            Some(b) => e.help(format!("did you mean `{b}`? designs: {list}")),
                            None => e.help(format!("designs: {list}")),
                        });
                    }
                }
            }
            None if get("table").is_some() => DesignKind::Table,
            None => DesignKind::Grid,
        };
        let only_for = |key: &str, allowed: &[DesignKind]| -> Result<(), InputError> {
            if get(key).is_some() && !allowed.contains(&design) {
                let names: Vec<&str> = allowed.iter().map(|d| d.name()).collect();
                return Err(option_err(
                    text,
                    key,
                    format!("`{key}` is for the {} design, not `{}`", names.join(" and "), design.name()),
                ));
            }
            Ok(())
        };
        only_for("n", &[DesignKind::Lhs, DesignKind::Random, DesignKind::Sobol])?;
        only_for("trajectories", &[DesignKind::Morris])?;
        only_for("levels", &[DesignKind::Morris])?;
        only_for("table", &[DesignKind::Table])?;
        only_for("saltelli", &[DesignKind::Sobol])?;
        only_for("stop", &[DesignKind::Grid, DesignKind::Zip, DesignKind::Table])?;
        let n = get("n").map(|v| whole(text, "n", v, 1, 1_000_000)).transpose()?;
        if n.is_none() && matches!(design, DesignKind::Lhs | DesignKind::Random | DesignKind::Sobol) {
            return Err(option_err(
                text,
                "design",
                format!("the {} design needs `n`, its number of points", design.name()),
            )
            .help(if design == DesignKind::Sobol {
                "n base points give n * (parameters + 2) runs; a power of two such as 64 balances the sequence best"
            } else {
                "for example n = 100"
            }));
        }
        let trajectories = get("trajectories").map(|v| whole(text, "trajectories", v, 1, 100_000)).transpose()?;
        if trajectories.is_none() && design == DesignKind::Morris {
            return Err(option_err(text, "design", "the morris design needs `trajectories`")
                .help("each trajectory is parameters + 1 points; 10 to 50 trajectories are usual"));
        }
        let levels = get("levels").map(|v| whole(text, "levels", v, 2, 1000)).transpose()?.unwrap_or(4);
        if levels % 2 == 1 {
            return Err(
                option_err(text, "levels", format!("must be even (got {levels})")).help("4 is the usual choice")
            );
        }
        let table_path = match get("table") {
            Some(v) => Some(
                v.as_str()
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| option_err(text, "table", format!("must be the path of a CSV file (got {v})")))?
                    .to_string(),
            ),
            None => None,
        };
        if design == DesignKind::Table && table_path.is_none() {
            return Err(option_err(text, "design", "the table design needs `table`, the CSV file of points")
                .help("one column per dotted key, one row per point, for example table = \"points.csv\""));
        }
        let seeds = match get("seeds") {
            None => SeedMode::Common,
            Some(v) => match v.as_str() {
                Some("common") => SeedMode::Common,
                Some("independent") => SeedMode::Independent,
                _ => {
                    return Err(option_err(text, "seeds", format!("unknown value {v}"))
                        .help("allowed values: `common` (common random numbers, the default), `independent`"))
                }
            },
        };
        let metrics = match get("metrics") {
            None => None,
            Some(v) => {
                let list = v
                    .as_array()
                    .filter(|a| !a.is_empty())
                    .ok_or_else(|| option_err(text, "metrics", format!("must be a list of metric names (got {v})")))?;
                let mut names = Vec::new();
                for m in list {
                    let name =
                        m.as_str().ok_or_else(|| option_err(text, "metrics", format!("`{m}` is not a metric name")))?;
                    if names.iter().any(|n| n == name) {
                        return Err(option_err(text, "metrics", format!("`{name}` is listed twice")));
                    }
                    names.push(name.to_string());
                }
                Some(names)
            }
        };
        let stop = match get("stop") {
            None => None,
            Some(v) => Some(stop_rule(v, text)?),
        };
        let stop_after = match get("stop_after") {
            None => None,
            Some(v) => Some(parse_duration(v).ok_or_else(|| {
                option_err(text, "stop_after", format!("must be a duration (got {v})"))
                    .help("seconds as a number, or text such as \"90s\", \"30m\", \"2h\", \"1h30m\"")
            })?),
        };
        let mut parameters = Vec::new();
        for (key, v) in &raw_params {
            check_key(key).map_err(|mut e| {
                e.position = position(text, key);
                e
            })?;
            parameters.push(Parameter { key: key.clone(), values: values(key, v, design, text)? });
        }
        // The order the file writes them in.
        let mut order: Vec<(String, usize)> = Vec::new();
        if let Ok(root) = DeTable::parse(text) {
            if let Some((_, DeValue::Table(t))) =
                root.get_ref().iter().find(|(k, _)| k.get_ref().as_ref() == "sweep").map(|(k, v)| (k, v.get_ref()))
            {
                walk(t, "", &mut |k, start| order.push((k.to_string(), start)));
            }
        }
        parameters.sort_by_key(|p| order.iter().find(|(k, _)| *k == p.key).map_or(usize::MAX, |(_, s)| *s));
        match design {
            DesignKind::Table if !parameters.is_empty() => {
                return Err(err(text, &parameters[0].key, "a table design reads its points from `table`; list no parameters beside it")
                    .help("put this parameter in a column of the CSV file"));
            }
            DesignKind::Table => {}
            _ if parameters.is_empty() => {
                return Err(InputError::at("sweep", "sweeps no parameter").help(
                    "add a dotted key with a list or a range, such as \"population.strategies.free_rider\" = { from = 0.0, to = 0.5, steps = 6 }",
                ))
            }
            _ => {}
        }
        if design == DesignKind::Zip {
            let lengths: Vec<usize> = parameters.iter().map(|p| p.values.len()).collect();
            if let Some(i) = lengths.iter().position(|&l| l != lengths[0]) {
                return Err(err(
                    text,
                    &parameters[i].key,
                    format!("has {} values but `{}` has {}; a zip design pairs the k-th values, so every list must be as long", lengths[i], parameters[0].key, lengths[0]),
                ));
            }
        }
        if design == DesignKind::Grid {
            let total = parameters.iter().try_fold(1u64, |acc, p| acc.checked_mul(p.values.len() as u64));
            if total.is_none_or(|t| t > 1_000_000) {
                return Err(InputError::at("sweep", "the grid has more than 1,000,000 points")
                    .help("sweep fewer values, or sample the space with design = \"lhs\" or \"sobol\""));
            }
        }
        if let Some(s) = &stop {
            if let Some(a) = &s.along {
                if design != DesignKind::Grid {
                    return Err(option_err(
                        text,
                        "stop",
                        "`along` is for grid designs; zip and table designs stop along their list",
                    ));
                }
                if !parameters.iter().any(|p| &p.key == a) {
                    let keys: Vec<&str> = parameters.iter().map(|p| p.key.as_str()).collect();
                    return Err(option_err(text, "stop", format!("`along = \"{a}\"` is not a swept parameter"))
                        .help(format!("swept parameters: {}", keys.join(", "))));
                }
            }
        }
        Ok(SweepConfig {
            design,
            parameters,
            n,
            design_seed: get("design_seed")
                .map(|v| whole(text, "design_seed", v, 0, i64::MAX as u64))
                .transpose()?
                .unwrap_or(1),
            trajectories,
            levels,
            table: table_path,
            saltelli: get("saltelli").map(|v| boolean(text, "saltelli", v)).transpose()?.unwrap_or(true),
            keep_runs: get("keep_runs").map(|v| boolean(text, "keep_runs", v)).transpose()?.unwrap_or(false),
            seeds,
            metrics,
            bootstrap: get("bootstrap").map(|v| whole(text, "bootstrap", v, 0, 100_000)).transpose()?.unwrap_or(1000),
            stop,
            stop_after,
        })
    }

    /// The `[sweep]` section as TOML, every default filled in, parameters in their order.
    pub fn to_toml(&self) -> String {
        let mut out = String::from("[sweep]\n");
        let mut line = |k: &str, v: toml::Value| out.push_str(&format!("{k} = {v}\n"));
        line("design", self.design.name().into());
        if let Some(n) = self.n {
            line("n", toml::Value::Integer(n as i64));
        }
        if self.design == DesignKind::Sobol {
            line("saltelli", self.saltelli.into());
        }
        if self.design == DesignKind::Morris {
            line("trajectories", toml::Value::Integer(self.trajectories.unwrap_or(0) as i64));
            line("levels", toml::Value::Integer(self.levels as i64));
        }
        if let Some(t) = &self.table {
            line("table", t.as_str().into());
        }
        line("design_seed", toml::Value::Integer(self.design_seed as i64));
        line("seeds", self.seeds.name().into());
        line("keep_runs", self.keep_runs.into());
        if let Some(m) = &self.metrics {
            line("metrics", toml::Value::Array(m.iter().map(|s| toml::Value::from(s.as_str())).collect()));
        }
        line("bootstrap", toml::Value::Integer(self.bootstrap as i64));
        if let Some(s) = &self.stop {
            let mut t = toml::Table::new();
            t.insert("metric".into(), s.metric.as_str().into());
            if let Some(r) = &s.regime {
                t.insert("regime".into(), r.as_str().into());
            }
            match s.bound {
                Bound::Below(b) => t.insert("below".into(), b.into()),
                Bound::Above(b) => t.insert("above".into(), b.into()),
            };
            if let Some(a) = &s.along {
                t.insert("along".into(), a.as_str().into());
            }
            line("stop", toml::Value::Table(t));
        }
        if let Some(s) = self.stop_after {
            line("stop_after", s.into());
        }
        for p in &self.parameters {
            let v = match &p.values {
                Values::List(l) => toml::Value::Array(l.clone()),
                Values::Range { from, to, steps } => {
                    let mut t = toml::Table::new();
                    t.insert("from".into(), from.clone());
                    t.insert("to".into(), to.clone());
                    if let Some(s) = steps {
                        t.insert("steps".into(), toml::Value::Integer(*s as i64));
                    }
                    toml::Value::Table(t)
                }
            };
            line(&toml::Value::String(p.key.clone()).to_string(), v);
        }
        out
    }
}

impl Values {
    /// How many values a list or a stepped range has (a continuous range: 0).
    pub fn len(&self) -> usize {
        match self {
            Values::List(l) => l.len(),
            Values::Range { steps, .. } => steps.unwrap_or(0) as usize,
        }
    }

    /// Whether there are no values to list (a continuous range).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Splits a `[sweep]` table into options and dotted parameters.
fn flatten<'a>(
    t: &'a toml::Table,
    prefix: &str,
    text: &str,
    options: &mut Vec<(&'a str, &'a toml::Value)>,
    params: &mut Vec<(String, &'a toml::Value)>,
) -> Result<(), InputError> {
    for (k, v) in t {
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        if prefix.is_empty() && !k.contains('.') {
            if OPTIONS.contains(&k.as_str()) {
                options.push((k.as_str(), v));
                continue;
            }
            if !matches!(v, toml::Value::Table(inner) if !is_range(inner)) {
                let list = OPTIONS.iter().map(|o| format!("`{o}`")).collect::<Vec<_>>().join(", ");
                let e = err(text, k, format!("unknown key `{k}`"));
                return Err(match source::did_you_mean(k, OPTIONS.iter().copied()) {
                    Some(b) => e.help(format!("did you mean `{b}`? options: {list}; swept parameters are dotted keys such as \"policy.tax.rate\"")),
                    None => e.help(format!("options: {list}; swept parameters are dotted keys such as \"policy.tax.rate\"")),
                });
            }
        }
        match v {
            toml::Value::Table(inner) if !is_range(inner) => flatten(inner, &key, text, options, params)?,
            _ => params.push((key, v)),
        }
    }
    Ok(())
}

fn values(key: &str, v: &toml::Value, design: DesignKind, text: &str) -> Result<Values, InputError> {
    let shape_help = if design.continuous() {
        "a list of values, or a range { from = 0.0, to = 1.0 }"
    } else {
        "a list of values, or a range { from = 0.0, to = 1.0, steps = 5 }"
    };
    match v {
        toml::Value::Array(list) => {
            if list.is_empty() {
                return Err(err(text, key, "lists no value").help(shape_help));
            }
            for (i, x) in list.iter().enumerate() {
                if list[..i].contains(x) {
                    return Err(err(text, key, format!("lists the value {x} twice")));
                }
            }
            Ok(Values::List(list.clone()))
        }
        toml::Value::Table(t) => {
            for k in t.keys() {
                if !["from", "to", "steps"].contains(&k.as_str()) {
                    return Err(err(text, key, format!("unknown key `{k}` in a range"))
                        .help("a range has `from`, `to` and (for grid and zip) `steps`"));
                }
            }
            let bound = |name: &str| -> Result<toml::Value, InputError> {
                match t.get(name) {
                    Some(x) if as_f64(x).is_some_and(f64::is_finite) => Ok(x.clone()),
                    Some(x) => Err(err(text, key, format!("`{name}` must be a finite number (got {x})"))),
                    None => Err(err(text, key, format!("the range has no `{name}`")).help(shape_help)),
                }
            };
            let (from, to) = (bound("from")?, bound("to")?);
            let (lo, hi) = (as_f64(&from).unwrap_or(0.0), as_f64(&to).unwrap_or(0.0));
            let steps = match t.get("steps") {
                None => None,
                Some(s) => match s {
                    toml::Value::Integer(i) if *i >= 1 && *i <= 1_000_000 => Some(*i as u64),
                    _ => {
                        return Err(err(
                            text,
                            key,
                            format!("`steps` must be a whole number from 1 to 1000000 (got {s})"),
                        ))
                    }
                },
            };
            if design.continuous() {
                if steps.is_some() {
                    return Err(err(
                        text,
                        key,
                        format!("a {} design samples the range continuously, so it takes no `steps`", design.name()),
                    )
                    .help("give { from, to }, or a list of values to choose among"));
                }
                if lo >= hi {
                    return Err(err(text, key, format!("`from` ({lo}) must be below `to` ({hi})")));
                }
            } else {
                match steps {
                    None => {
                        return Err(err(
                            text,
                            key,
                            format!("a {} design needs `steps`, the number of values", design.name()),
                        )
                        .help(shape_help))
                    }
                    Some(1) if lo != hi => {
                        return Err(err(text, key, "one step from `from` to a different `to`")
                            .help("give steps = 2 or more, or from = to"))
                    }
                    _ => {}
                }
            }
            Ok(Values::Range { from, to, steps })
        }
        other => Err(err(text, key, format!("must be a list of values or a range, not {other}")).help(shape_help)),
    }
}

fn stop_rule(v: &toml::Value, text: &str) -> Result<StopRule, InputError> {
    let help = "for example stop = { metric = \"needs_met_p10\", below = 0.2 } (optional: regime, along)";
    let t = v.as_table().ok_or_else(|| option_err(text, "stop", format!("must be a table (got {v})")).help(help))?;
    for k in t.keys() {
        if !["metric", "regime", "below", "above", "along"].contains(&k.as_str()) {
            return Err(option_err(text, "stop", format!("unknown key `{k}`"))
                .help("allowed keys: `metric`, `below`, `above`, `regime`, `along`"));
        }
    }
    let text_of = |k: &str| -> Result<Option<String>, InputError> {
        match t.get(k) {
            None => Ok(None),
            Some(toml::Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
            Some(x) => Err(option_err(text, "stop", format!("`{k}` must be a name (got {x})"))),
        }
    };
    let metric = text_of("metric")?.ok_or_else(|| option_err(text, "stop", "names no `metric`").help(help))?;
    let number = |k: &str| -> Result<Option<f64>, InputError> {
        match t.get(k) {
            None => Ok(None),
            Some(x) => as_f64(x)
                .filter(|f| f.is_finite())
                .map(Some)
                .ok_or_else(|| option_err(text, "stop", format!("`{k}` must be a finite number (got {x})"))),
        }
    };
    let bound = match (number("below")?, number("above")?) {
        (Some(b), None) => Bound::Below(b),
        (None, Some(a)) => Bound::Above(a),
        _ => return Err(option_err(text, "stop", "needs exactly one of `below` and `above`").help(help)),
    };
    Ok(StopRule { metric, regime: text_of("regime")?, bound, along: text_of("along")? })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<SweepConfig, InputError> {
        let doc: toml::Table = text.parse().unwrap();
        SweepConfig::parse(doc["sweep"].as_table().unwrap(), text)
    }

    #[test]
    fn parameters_keep_the_order_of_the_file_quoted_or_not() {
        let text = "[sweep]\n\"policy.tax.rate\" = [0.1, 0.2]\nmarket.keep = { from = 0, to = 2, steps = 3 }\n\"adapt.imitate\" = [0.0]\n";
        let c = parse(text).unwrap();
        let keys: Vec<&str> = c.parameters.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["policy.tax.rate", "market.keep", "adapt.imitate"]);
        assert_eq!(c.design, DesignKind::Grid);
        assert_eq!(c.seeds, SeedMode::Common);
        // The resolved section reads back the same.
        let again = parse(&c.to_toml()).unwrap();
        assert_eq!(again, c);
    }

    #[test]
    fn shapes_are_checked_per_design_with_the_line() {
        let e = parse("[sweep]\ndesign = \"lhs\"\nn = 4\n\"a.b\" = { from = 0, to = 1, steps = 3 }\n").unwrap_err();
        assert!(e.message.contains("takes no `steps`"), "{e}");
        assert_eq!(e.position.map(|p| p.0), Some(4));
        let e = parse("[sweep]\n\"a.b\" = { from = 0, to = 1 }\n").unwrap_err();
        assert!(e.message.contains("needs `steps`"), "{e}");
        let e = parse("[sweep]\ndesing = \"grid\"\n\"a.b\" = [1]\n").unwrap_err();
        assert!(e.help.unwrap().contains("did you mean `design`"));
        let e = parse("[sweep]\ndesign = \"zip\"\n\"a.b\" = [1, 2]\n\"a.c\" = [1]\n").unwrap_err();
        assert!(e.message.contains("as long"), "{e}");
        let e = parse("[sweep]\n\"run.replicates\" = [1, 2]\n").unwrap_err();
        assert!(e.message.contains("cannot be swept"), "{e}");
        let e = parse("[sweep]\ndesign = \"sobol\"\n\"a.b\" = { from = 0, to = 1 }\n").unwrap_err();
        assert!(e.message.contains("needs `n`"), "{e}");
        let e = parse("[sweep]\n\"a.b\" = [1, 1]\n").unwrap_err();
        assert!(e.message.contains("twice"), "{e}");
        let e = parse("[sweep]\ndesign = \"lhs\"\nn = 3\nstop = { metric = \"x\", below = 1 }\n\"a.b\" = [1]\n")
            .unwrap_err();
        assert!(e.message.contains("`stop` is for"), "{e}");
    }

    #[test]
    fn options_and_stop_rules_are_read() {
        let c = parse("[sweep]\ndesign = \"morris\"\ntrajectories = 5\nseeds = \"independent\"\nstop_after = \"1h30m\"\nmetrics = [\"gini_wealth\"]\n\"a.b\" = { from = 0.0, to = 2.0 }\n").unwrap();
        assert_eq!((c.trajectories, c.levels, c.seeds), (Some(5), 4, SeedMode::Independent));
        assert_eq!(c.stop_after, Some(5400.0));
        assert_eq!(c.metrics.as_deref(), Some(&["gini_wealth".to_string()][..]));
        let c = parse(
            "[sweep]\nstop = { metric = \"m\", above = 0.5, along = \"a.b\" }\n\"a.b\" = [1, 2]\n\"a.c\" = [1, 2]\n",
        )
        .unwrap();
        let s = c.stop.unwrap();
        assert_eq!((s.bound, s.along.as_deref()), (Bound::Above(0.5), Some("a.b")));
        assert!(Bound::Above(0.5).crossed(0.6) && !Bound::Below(0.5).crossed(0.6));
        assert_eq!(parse_duration(&"90".into()), Some(90.0));
        assert_eq!(parse_duration(&"soon".into()), None);
        assert_eq!(parse_duration(&toml::Value::Integer(90)), Some(90.0));
        assert_eq!(parse_duration(&"2m 30s".into()), Some(150.0));
    }
}
