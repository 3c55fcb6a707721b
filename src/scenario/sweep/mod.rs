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
//!
//! Reading goes in three steps: `values` splits the table into options and parameters
//! (refusing any other key); serde reads the options into [`SweepConfig`], the design and the
//! options only it takes as the tagged enum [`Design`] (`options` holds each option's check
//! and turns serde's errors into located ones); `values` checks each parameter's list or
//! range for the design.

mod options;
mod values;

use super::source::line_col;
use crate::error::InputError;
use serde::{Deserialize, Serialize};
use toml::de::{DeTable, DeValue};

pub use options::parse_duration;
pub use values::{check_key, linked_keys};

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

/// How the points are laid out: the name of a [`Design`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
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
    /// Every design, in the order the documentation lists them.
    pub const ALL: [DesignKind; 7] = [
        DesignKind::Grid,
        DesignKind::Zip,
        DesignKind::Lhs,
        DesignKind::Random,
        DesignKind::Sobol,
        DesignKind::Morris,
        DesignKind::Table,
    ];

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

    /// The options only this design takes: the fields of its [`Design`] variant (a test holds
    /// the two together).
    pub fn options(self) -> &'static [&'static str] {
        match self {
            DesignKind::Grid | DesignKind::Zip => &["stop"],
            DesignKind::Lhs | DesignKind::Random => &["n"],
            DesignKind::Sobol => &["n", "saltelli"],
            DesignKind::Morris => &["trajectories", "levels"],
            DesignKind::Table => &["table", "stop"],
        }
    }
}

/// Morris grid levels when `levels` is not given.
pub const DEFAULT_LEVELS: u64 = 4;

/// The design of a sweep and the options only it takes, so that a Latin hypercube cannot be
/// given trajectories nor a grid a sample size. In the file the design's options sit beside
/// `design = "..."`; serde reads them as this adjacently tagged enum (`options` nests them
/// under `options` first, so that serde reads each with its key known).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "design", content = "options", rename_all = "lowercase", deny_unknown_fields)]
pub enum Design {
    /// [`DesignKind::Grid`].
    Grid {
        /// Stop a line of points once a metric crosses a bound.
        stop: Option<StopRule>,
    },
    /// [`DesignKind::Zip`].
    Zip {
        /// Stop the list once a metric crosses a bound.
        stop: Option<StopRule>,
    },
    /// [`DesignKind::Lhs`].
    Lhs {
        /// Points of the hypercube.
        #[serde(deserialize_with = "options::whole::<_, 1, 1_000_000>")]
        n: u64,
    },
    /// [`DesignKind::Random`].
    Random {
        /// Points drawn.
        #[serde(deserialize_with = "options::whole::<_, 1, 1_000_000>")]
        n: u64,
    },
    /// [`DesignKind::Sobol`].
    Sobol {
        /// Base points of a Saltelli design, or sequence points with `saltelli = false`.
        #[serde(deserialize_with = "options::whole::<_, 1, 1_000_000>")]
        n: u64,
        /// Saltelli's A, B, AB_i blocks (`true`) or plain sequence points.
        #[serde(default = "options::yes", deserialize_with = "options::flag")]
        saltelli: bool,
    },
    /// [`DesignKind::Morris`].
    Morris {
        /// Trajectories.
        #[serde(deserialize_with = "options::whole::<_, 1, 100_000>")]
        trajectories: u64,
        /// Grid levels (even).
        #[serde(default = "options::default_levels", deserialize_with = "options::levels")]
        levels: u64,
    },
    /// [`DesignKind::Table`].
    Table {
        /// The CSV file of points, relative to the scenario file.
        #[serde(deserialize_with = "options::table_file")]
        table: String,
        /// Stop the list once a metric crosses a bound.
        stop: Option<StopRule>,
    },
}

impl Design {
    /// The design's name.
    pub fn kind(&self) -> DesignKind {
        match self {
            Design::Grid { .. } => DesignKind::Grid,
            Design::Zip { .. } => DesignKind::Zip,
            Design::Lhs { .. } => DesignKind::Lhs,
            Design::Random { .. } => DesignKind::Random,
            Design::Sobol { .. } => DesignKind::Sobol,
            Design::Morris { .. } => DesignKind::Morris,
            Design::Table { .. } => DesignKind::Table,
        }
    }

    /// The design's name in the file.
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }

    /// Whether points are drawn over continuous ranges.
    pub fn continuous(&self) -> bool {
        self.kind().continuous()
    }

    /// The stop rule of a grid, zip or table design.
    pub fn stop(&self) -> Option<&StopRule> {
        match self {
            Design::Grid { stop } | Design::Zip { stop } | Design::Table { stop, .. } => stop.as_ref(),
            _ => None,
        }
    }

    /// The points (or base points) of a Latin hypercube, random or Sobol' design.
    pub fn n(&self) -> Option<u64> {
        match self {
            Design::Lhs { n } | Design::Random { n } | Design::Sobol { n, .. } => Some(*n),
            _ => None,
        }
    }

    /// The trajectories of a Morris design.
    pub fn trajectories(&self) -> Option<u64> {
        match self {
            Design::Morris { trajectories, .. } => Some(*trajectories),
            _ => None,
        }
    }

    /// The grid levels of a Morris design ([`DEFAULT_LEVELS`] for the others).
    pub fn levels(&self) -> u64 {
        match self {
            Design::Morris { levels, .. } => *levels,
            _ => DEFAULT_LEVELS,
        }
    }

    /// Whether a Sobol' design is Saltelli's (`true` for the others).
    pub fn saltelli(&self) -> bool {
        !matches!(self, Design::Sobol { saltelli: false, .. })
    }
}

/// Which random streams the points use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SeedMode {
    /// Common random numbers: every point runs with the scenario's seed, so replicate `r` of
    /// every point draws the same population and the same random numbers, and differences
    /// between points come from the parameters alone.
    #[default]
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
/// metric crosses a bound. `design.json` keeps it in the same form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "options::StopFile", into = "options::StopFile")]
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

/// `[sweep]`, read and checked. Serde reads the options (see `options`); the parameters are
/// read beside them (`values`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepConfig {
    /// The design, with the options only it takes.
    pub design: Design,
    /// The swept parameters, in the order the file writes them.
    #[serde(skip)]
    pub parameters: Vec<Parameter>,
    /// Seed of the random designs (lhs, random, morris) and of the bootstrap of sensitivity
    /// intervals; independent of the run's seed, so `--seed` never moves the points.
    #[serde(default = "options::one", deserialize_with = "options::whole::<_, 0, { i64::MAX as u64 }>")]
    pub design_seed: u64,
    /// Write each point's run folder (`runs/<id>/`).
    #[serde(default, deserialize_with = "options::flag")]
    pub keep_runs: bool,
    /// Common or independent random numbers across points.
    #[serde(default, deserialize_with = "options::seed_mode")]
    pub seeds: SeedMode,
    /// The headline metrics of `sweep.csv` and `sensitivity.csv`; `None`: the default list.
    #[serde(default, deserialize_with = "options::metric_names")]
    pub metrics: Option<Vec<String>>,
    /// Bootstrap resamples behind the sensitivity intervals.
    #[serde(default = "options::thousand", deserialize_with = "options::whole::<_, 0, 100_000>")]
    pub bootstrap: u64,
    /// Start no new run after this many seconds of wall time (the sweep can be resumed).
    #[serde(default, deserialize_with = "options::duration")]
    pub stop_after: Option<f64>,
}

impl SweepConfig {
    /// Reads and checks the `[sweep]` table `table` of the scenario text `text` (for the
    /// lines of errors). Values are checked only for their shape here; whether they suit
    /// their keys is for the validator, point by point.
    pub fn parse(table: &toml::Table, text: &str) -> Result<SweepConfig, InputError> {
        let (options, parameters) = values::split(table, text)?;
        let mut config = options::read(options, text)?;
        config.parameters = values::parameters(parameters, config.design.kind(), text)?;
        config.check(text)?;
        Ok(config)
    }

    /// The checks across the design and its parameters.
    fn check(&self, text: &str) -> Result<(), InputError> {
        let design = self.design.kind();
        let parameters = &self.parameters;
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
        if let Some(a) = self.design.stop().and_then(|s| s.along.as_ref()) {
            if design != DesignKind::Grid {
                return Err(err(
                    text,
                    "stop",
                    "`along` is for grid designs; zip and table designs stop along their list",
                ));
            }
            if !parameters.iter().any(|p| &p.key == a) {
                let keys: Vec<&str> = parameters.iter().map(|p| p.key.as_str()).collect();
                return Err(err(text, "stop", format!("`along = \"{a}\"` is not a swept parameter"))
                    .help(format!("swept parameters: {}", keys.join(", "))));
            }
        }
        Ok(())
    }

    /// The `[sweep]` section as TOML, every default filled in, parameters in their order.
    pub fn to_toml(&self) -> String {
        let mut out = String::from("[sweep]\n");
        let mut line = |k: &str, v: toml::Value| out.push_str(&format!("{k} = {v}\n"));
        let whole = |x: u64| toml::Value::Integer(x as i64);
        line("design", self.design.name().into());
        match &self.design {
            Design::Lhs { n } | Design::Random { n } => line("n", whole(*n)),
            Design::Sobol { n, saltelli } => {
                line("n", whole(*n));
                line("saltelli", (*saltelli).into());
            }
            Design::Morris { trajectories, levels } => {
                line("trajectories", whole(*trajectories));
                line("levels", whole(*levels));
            }
            Design::Table { table, .. } => line("table", table.as_str().into()),
            Design::Grid { .. } | Design::Zip { .. } => {}
        }
        line("design_seed", whole(self.design_seed));
        line("seeds", self.seeds.name().into());
        line("keep_runs", self.keep_runs.into());
        if let Some(m) = &self.metrics {
            line("metrics", toml::Value::Array(m.iter().map(|s| toml::Value::from(s.as_str())).collect()));
        }
        line("bootstrap", whole(self.bootstrap));
        if let Some(s) = self.design.stop() {
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
                        t.insert("steps".into(), whole(*s));
                    }
                    toml::Value::Table(t)
                }
            };
            line(&toml::Value::String(p.key.clone()).to_string(), v);
        }
        out
    }
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

/// An error at `[sweep]` key `key`, at its line.
fn err(text: &str, key: &str, message: impl Into<String>) -> InputError {
    let mut e = InputError::at(format!("sweep.{key}"), message);
    e.position = position(text, key);
    e
}

#[cfg(test)]
mod tests;
