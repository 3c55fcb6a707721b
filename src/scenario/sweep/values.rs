//! The keys of `[sweep]` told apart (options and dotted parameters), and each parameter's list
//! or range checked for its design.

use super::options::{self, Problem};
use super::{as_f64, err, position, walk, DesignKind, Parameter, Values, NOT_SWEPT, OPTIONS};
use crate::error::InputError;
use crate::scenario::source;
use serde::Deserialize;
use toml::de::{DeTable, DeValue};

/// Splits a `[sweep]` table into its options (keys without a dot, as written) and its dotted
/// parameters (nested tables read back as dotted keys), refusing any other key.
pub(super) fn split(table: &toml::Table, text: &str) -> Result<(toml::Table, Vec<(String, toml::Value)>), InputError> {
    let mut options = toml::Table::new();
    let mut parameters = Vec::new();
    flatten(table, "", text, &mut options, &mut parameters)?;
    Ok((options, parameters))
}

fn flatten(
    t: &toml::Table,
    prefix: &str,
    text: &str,
    options: &mut toml::Table,
    parameters: &mut Vec<(String, toml::Value)>,
) -> Result<(), InputError> {
    for (k, v) in t {
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        if prefix.is_empty() && !k.contains('.') {
            if OPTIONS.contains(&k.as_str()) {
                options.insert(k.clone(), v.clone());
                continue;
            }
            if !matches!(v, toml::Value::Table(inner) if !is_range(inner)) {
                let list = OPTIONS.iter().map(|o| format!("`{o}`")).collect::<Vec<_>>().join(", ");
                let e = err(text, k, format!("unknown key `{k}`"));
                let rest = format!("options: {list}; swept parameters are dotted keys such as \"policy.tax.rate\"");
                return Err(match source::did_you_mean(k, OPTIONS.iter().copied()) {
                    Some(b) => e.help(format!("did you mean `{b}`? {rest}")),
                    None => e.help(rest),
                });
            }
        }
        match v {
            toml::Value::Table(inner) if !is_range(inner) => flatten(inner, &key, text, options, parameters)?,
            _ => parameters.push((key, v.clone())),
        }
    }
    Ok(())
}

fn is_range(t: &toml::Table) -> bool {
    ["from", "to", "steps"].iter().any(|k| t.contains_key(*k))
}

/// Checks every parameter for the design, and lists them in the order the file writes them.
pub(super) fn parameters(
    raw: Vec<(String, toml::Value)>,
    design: DesignKind,
    text: &str,
) -> Result<Vec<Parameter>, InputError> {
    let mut parameters = Vec::with_capacity(raw.len());
    for (key, v) in raw {
        check_key(&key).map_err(|mut e| {
            e.position = position(text, &key);
            e
        })?;
        let values = values(&key, v, design, text)?;
        parameters.push(Parameter { key, values });
    }
    let mut order: Vec<(String, usize)> = Vec::new();
    if let Ok(root) = DeTable::parse(text) {
        if let Some((_, DeValue::Table(t))) =
            root.get_ref().iter().find(|(k, _)| k.get_ref().as_ref() == "sweep").map(|(k, v)| (k, v.get_ref()))
        {
            walk(t, "", &mut |k, start| order.push((k.to_string(), start)));
        }
    }
    parameters.sort_by_key(|p| order.iter().find(|(k, _)| *k == p.key).map_or(usize::MAX, |(_, s)| *s));
    Ok(parameters)
}

/// A range as written: bounds that are finite numbers (integers stay integers), and how many
/// values to take between them.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RangeFile {
    #[serde(deserialize_with = "options::finite_number")]
    from: toml::Value,
    #[serde(deserialize_with = "options::finite_number")]
    to: toml::Value,
    #[serde(default, deserialize_with = "options::some_whole::<_, 1, 1_000_000>")]
    steps: Option<u64>,
}

/// The values of parameter `key`, checked for the design.
fn values(key: &str, v: toml::Value, design: DesignKind, text: &str) -> Result<Values, InputError> {
    let shape_help = if design.continuous() {
        "a list of values, or a range { from = 0.0, to = 1.0 }"
    } else {
        "a list of values, or a range { from = 0.0, to = 1.0, steps = 5 }"
    };
    let range = match v {
        toml::Value::Array(list) => {
            if list.is_empty() {
                return Err(err(text, key, "lists no value").help(shape_help));
            }
            for (i, x) in list.iter().enumerate() {
                if list[..i].contains(x) {
                    return Err(err(text, key, format!("lists the value {x} twice")));
                }
            }
            return Ok(Values::List(list));
        }
        toml::Value::Table(t) => serde_path_to_error::deserialize::<_, RangeFile>(toml::Value::Table(t)),
        other => {
            return Err(err(text, key, format!("must be a list of values or a range, not {other}")).help(shape_help))
        }
    };
    let RangeFile { from, to, steps } = range.map_err(|e| {
        let field = e.path().iter().next().map(|s| s.to_string()).unwrap_or_default();
        let problem = Problem::of(e.inner());
        if let Some((word, _)) = problem.unknown() {
            return err(text, key, format!("unknown key `{word}` in a range"))
                .help("a range has `from`, `to` and (for grid and zip) `steps`");
        }
        match problem.missing() {
            Some(bound) => err(text, key, format!("the range has no `{bound}`")).help(shape_help),
            None => problem.prefixed(&field).at(text, key),
        }
    })?;
    let (lo, hi) = (as_f64(&from).unwrap_or(0.0), as_f64(&to).unwrap_or(0.0));
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
                return Err(err(text, key, format!("a {} design needs `steps`, the number of values", design.name()))
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

/// Checks that a dotted key may be swept; `key` names it in errors.
pub fn check_key(key: &str) -> Result<(), InputError> {
    let linked = linked_keys(key);
    if linked.len() > 1 {
        for k in &linked {
            if linked.iter().filter(|j| *j == k).count() > 1 {
                return Err(InputError::at(format!("sweep.{key}"), format!("links `{k}` to itself")));
            }
            check_key(k).map_err(|e| InputError { key: Some(format!("sweep.{key}")), ..e })?;
        }
        return Ok(());
    }
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

/// The keys a parameter sets: one, or several linked with ` & ` (`"market.stock_target &
/// mutual_credit.stock_target"`), which take the same value at every point (twin settings of
/// two regimes kept equal, so that a sweep does not compare them at different values).
pub fn linked_keys(key: &str) -> Vec<&str> {
    key.split('&').map(str::trim).collect()
}
