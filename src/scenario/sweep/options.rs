//! The options of `[sweep]` as serde reads them: each option's check (the functions its field
//! names in `deserialize_with`), and serde's errors put back at their key in the words of
//! agora's other input errors.
//!
//! In the file a design's own options sit beside `design` (`design = "lhs"`, `n = 100`).
//! [`read`] nests them first, as `design = { design = "lhs", options = { n = 100 } }`, which
//! serde reads as the adjacently tagged [`Design`]: an internally tagged enum would buffer the
//! table and lose which key a bad value came from, and that key is what an error points at.

use super::{err, Bound, DesignKind, SeedMode, StopRule, SweepConfig, DEFAULT_LEVELS};
use crate::error::InputError;
use crate::scenario::source;
use serde::de::{self, Deserialize, Deserializer};
use serde::Serialize;
use std::fmt::Display;

/// Serde carries a problem as text: the message, then after this separator (as an
/// [`InputError`] prints it) what is allowed.
const HELP: &str = "\n  help: ";

/// The help of every problem with `stop`.
const STOP_HELP: &str = "for example stop = { metric = \"needs_met_p10\", below = 0.2 } (optional: regime, along)";

fn problem<E: de::Error>(message: impl Display, help: Option<&str>) -> E {
    match help {
        Some(h) => E::custom(format!("{message}{HELP}{h}")),
        None => E::custom(message),
    }
}

/// Reads the options of `[sweep]` (the keys without a dot, as [`super::values::split`] found
/// them) with serde.
pub(super) fn read(mut options: toml::Table, text: &str) -> Result<SweepConfig, InputError> {
    let written = options.clone();
    let default = if options.contains_key("table") { "table" } else { "grid" };
    let tag = options.remove("design").unwrap_or_else(|| default.into());
    let mut own = toml::Table::new();
    for key in DesignKind::ALL.iter().flat_map(|d| d.options()) {
        if let Some(v) = options.remove(*key) {
            own.insert(key.to_string(), v);
        }
    }
    let mut design = toml::Table::new();
    design.insert("design".into(), tag.clone());
    design.insert("options".into(), toml::Value::Table(own));
    options.insert("design".into(), toml::Value::Table(design));
    serde_path_to_error::deserialize(toml::Value::Table(options)).map_err(|e| {
        let path: Vec<String> = e.path().iter().map(|s| s.to_string()).collect();
        let path: Vec<&str> = path.iter().map(String::as_str).collect();
        let kind = DesignKind::deserialize(tag.clone()).unwrap_or(DesignKind::Grid);
        explain(&path, Problem::of(e.inner()), kind, &written, text)
    })
}

/// The error at serde's `path` in the nested options, at its key in the file.
fn explain(path: &[&str], problem: Problem, kind: DesignKind, written: &toml::Table, text: &str) -> InputError {
    let value = |k: &str| written.get(k).map(ToString::to_string).unwrap_or_default();
    match path {
        ["design", "design"] => match problem.unknown() {
            Some((word, allowed)) => {
                let e = err(text, "design", format!("unknown design `{word}`"));
                let list = allowed.join(", ");
                match source::did_you_mean(&word, allowed.iter().map(String::as_str)) {
                    Some(b) => e.help(format!("did you mean `{b}`? designs: {list}")),
                    None => e.help(format!("designs: {list}")),
                }
            }
            None => err(text, "design", format!("must be a design name (got {})", value("design"))),
        },
        ["design", "options"] => match problem.missing() {
            Some(field) => needs(kind, &field, text),
            None => problem.at(text, "design"),
        },
        ["design", "options", key] if problem.unknown().is_some() => {
            let takes: Vec<&str> =
                DesignKind::ALL.iter().filter(|d| d.options().contains(key)).map(|d| d.name()).collect();
            err(text, key, format!("`{key}` is for the {} design, not `{}`", takes.join(" and "), kind.name()))
        }
        ["design", "options", "stop"] if problem.message.starts_with("invalid type") => {
            err(text, "stop", format!("must be a table (got {})", value("stop"))).help(STOP_HELP)
        }
        ["design", "options", "stop", field] => match problem.unknown() {
            Some((word, _)) => err(text, "stop", format!("unknown key `{word}`"))
                .help("allowed keys: `metric`, `below`, `above`, `regime`, `along`"),
            None => problem.prefixed(field).at(text, "stop"),
        },
        ["design", "options", key, ..] | [key, ..] => problem.at(text, key),
        [] => problem.at(text, "sweep"),
    }
}

/// The error of a design without an option it needs.
fn needs(kind: DesignKind, field: &str, text: &str) -> InputError {
    let name = kind.name();
    let (message, help) = match field {
        "n" => (
            format!("the {name} design needs `n`, its number of points"),
            if kind == DesignKind::Sobol {
                "n base points give n * (parameters + 2) runs; a power of two such as 64 balances the sequence best"
            } else {
                "for example n = 100"
            },
        ),
        "trajectories" => (
            format!("the {name} design needs `trajectories`"),
            "each trajectory is parameters + 1 points; 10 to 50 trajectories are usual",
        ),
        _ => (
            format!("the {name} design needs `{field}`, the CSV file of points"),
            "one column per dotted key, one row per point, for example table = \"points.csv\"",
        ),
    };
    err(text, "design", message).help(help)
}

/// A problem serde reported, read back: what is wrong and what is allowed.
pub(super) struct Problem {
    message: String,
    help: Option<String>,
}

impl Problem {
    /// The problem of a serde error.
    pub(super) fn of(e: &toml::de::Error) -> Problem {
        match e.message().split_once(HELP) {
            Some((m, h)) => Problem { message: m.to_string(), help: Some(h.to_string()) },
            None => Problem { message: e.message().to_string(), help: None },
        }
    }

    /// The word and the allowed ones of serde's "unknown field" or "unknown variant".
    pub(super) fn unknown(&self) -> Option<(String, Vec<String>)> {
        source::parse_unknown(&self.message)
    }

    /// The field of serde's "missing field".
    pub(super) fn missing(&self) -> Option<String> {
        let rest = self.message.strip_prefix("missing field `")?;
        rest.split_once('`').map(|(f, _)| f.to_string())
    }

    /// The problem of field `field` of a value, named in the message.
    pub(super) fn prefixed(self, field: &str) -> Problem {
        Problem { message: format!("`{field}` {}", self.message), ..self }
    }

    /// The error at `[sweep]` key `key`.
    pub(super) fn at(self, text: &str, key: &str) -> InputError {
        let e = err(text, key, self.message);
        match self.help {
            Some(h) => e.help(h),
            None => e,
        }
    }
}

/// A whole number from `LO` to `HI`.
pub(super) fn whole<'de, D: Deserializer<'de>, const LO: u64, const HI: u64>(d: D) -> Result<u64, D::Error> {
    match toml::Value::deserialize(d)? {
        toml::Value::Integer(i) if i >= LO as i64 && i as u64 <= HI => Ok(i as u64),
        v => Err(problem(format!("must be a whole number from {LO} to {HI} (got {v})"), None)),
    }
}

/// [`whole`], for an optional field.
pub(super) fn some_whole<'de, D: Deserializer<'de>, const LO: u64, const HI: u64>(
    d: D,
) -> Result<Option<u64>, D::Error> {
    whole::<D, LO, HI>(d).map(Some)
}

/// Morris grid levels: an even number from 2 to 1000.
pub(super) fn levels<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let levels = whole::<D, 2, 1000>(d)?;
    if levels % 2 == 1 {
        return Err(problem(format!("must be even (got {levels})"), Some("4 is the usual choice")));
    }
    Ok(levels)
}

/// `true` or `false`.
pub(super) fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    match toml::Value::deserialize(d)? {
        toml::Value::Boolean(b) => Ok(b),
        v => Err(problem(format!("must be true or false (got {v})"), None)),
    }
}

/// The path of the table design's CSV file.
pub(super) fn table_file<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match toml::Value::deserialize(d)? {
        toml::Value::String(s) if !s.is_empty() => Ok(s),
        v => Err(problem(format!("must be the path of a CSV file (got {v})"), None)),
    }
}

/// `common` or `independent`.
pub(super) fn seed_mode<'de, D: Deserializer<'de>>(d: D) -> Result<SeedMode, D::Error> {
    match toml::Value::deserialize(d)? {
        toml::Value::String(s) if s == "common" => Ok(SeedMode::Common),
        toml::Value::String(s) if s == "independent" => Ok(SeedMode::Independent),
        v => Err(problem(
            format!("unknown value {v}"),
            Some("allowed values: `common` (common random numbers, the default), `independent`"),
        )),
    }
}

/// A list of distinct metric names, not empty.
pub(super) fn metric_names<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    let list = match toml::Value::deserialize(d)? {
        toml::Value::Array(list) if !list.is_empty() => list,
        v => return Err(problem(format!("must be a list of metric names (got {v})"), None)),
    };
    let mut names: Vec<String> = Vec::with_capacity(list.len());
    for m in list {
        let toml::Value::String(name) = m else { return Err(problem(format!("`{m}` is not a metric name"), None)) };
        if names.contains(&name) {
            return Err(problem(format!("`{name}` is listed twice"), None));
        }
        names.push(name);
    }
    Ok(Some(names))
}

/// A time budget: seconds, or text such as `"1h30m"` ([`parse_duration`]).
pub(super) fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let v = toml::Value::deserialize(d)?;
    match parse_duration(&v) {
        Some(s) => Ok(Some(s)),
        None => Err(problem(
            format!("must be a duration (got {v})"),
            Some("seconds as a number, or text such as \"90s\", \"30m\", \"2h\", \"1h30m\""),
        )),
    }
}

/// A finite number, kept as written (an integer stays an integer).
pub(super) fn finite_number<'de, D: Deserializer<'de>>(d: D) -> Result<toml::Value, D::Error> {
    let v = toml::Value::deserialize(d)?;
    match super::as_f64(&v) {
        Some(x) if x.is_finite() => Ok(v),
        _ => Err(problem(format!("must be a finite number (got {v})"), None)),
    }
}

/// An optional finite number (`null` in JSON is none).
fn some_finite<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    match Option::<toml::Value>::deserialize(d)? {
        None => Ok(None),
        Some(v) => match super::as_f64(&v) {
            Some(x) if x.is_finite() => Ok(Some(x)),
            _ => Err(problem(format!("must be a finite number (got {v})"), None)),
        },
    }
}

/// An optional name, not empty (`null` in JSON is none).
fn some_name<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Option::<toml::Value>::deserialize(d)? {
        None => Ok(None),
        Some(toml::Value::String(s)) if !s.is_empty() => Ok(Some(s)),
        Some(v) => Err(problem(format!("must be a name (got {v})"), None)),
    }
}

/// `90`, `"90s"`, `"30m"`, `"2h"`, `"1h30m"`: seconds.
pub fn parse_duration(v: &toml::Value) -> Option<f64> {
    if let Some(x) = super::as_f64(v) {
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

/// `stop` as written, and as `design.json` keeps it: a [`StopRule`] with its bound as two
/// optional numbers, of which it must have exactly one.
#[derive(Clone, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StopFile {
    #[serde(default, deserialize_with = "some_name")]
    metric: Option<String>,
    #[serde(default, deserialize_with = "some_name")]
    regime: Option<String>,
    #[serde(default, deserialize_with = "some_finite")]
    below: Option<f64>,
    #[serde(default, deserialize_with = "some_finite")]
    above: Option<f64>,
    #[serde(default, deserialize_with = "some_name")]
    along: Option<String>,
}

impl TryFrom<StopFile> for StopRule {
    type Error = String;

    fn try_from(s: StopFile) -> Result<StopRule, String> {
        let Some(metric) = s.metric else { return Err(format!("names no `metric`{HELP}{STOP_HELP}")) };
        let bound = match (s.below, s.above) {
            (Some(b), None) => Bound::Below(b),
            (None, Some(a)) => Bound::Above(a),
            _ => return Err(format!("needs exactly one of `below` and `above`{HELP}{STOP_HELP}")),
        };
        Ok(StopRule { metric, regime: s.regime, bound, along: s.along })
    }
}

impl From<StopRule> for StopFile {
    fn from(s: StopRule) -> StopFile {
        let (below, above) = match s.bound {
            Bound::Below(b) => (Some(b), None),
            Bound::Above(a) => (None, Some(a)),
        };
        StopFile { metric: Some(s.metric), regime: s.regime, below, above, along: s.along }
    }
}

/// `saltelli` when not given.
pub(super) fn yes() -> bool {
    true
}

/// `design_seed` when not given.
pub(super) fn one() -> u64 {
    1
}

/// `bootstrap` when not given.
pub(super) fn thousand() -> u64 {
    1000
}

/// `levels` when not given.
pub(super) fn default_levels() -> u64 {
    DEFAULT_LEVELS
}
