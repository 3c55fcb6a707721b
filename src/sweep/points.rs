//! From `[sweep]` to points: the design expanded into parameter values, in design order, and
//! each point's stable id.
//!
//! A point is the set of keys it sets and their values. Its id is the first 16 hex digits of
//! the SHA-256 of its canonical text (one `key=value` line per key, keys sorted, values in
//! their shortest round-trip TOML form), so it depends on the values alone, never on where the
//! point sits in the design: adding a value, a point or replicates never renumbers what exists.

use crate::error::InputError;
use crate::scenario::sweep::{as_f64, check_key, Design, Parameter, SweepConfig, Values};
use agora_doe::{DesignError, MorrisDesign, SaltelliBase, SaltelliDesign};
use sha2::{Digest, Sha256};
use std::path::Path;

/// The values one point sets, in parameter order (a table design's row: the cells given).
pub type Setting = Vec<(String, toml::Value)>;

/// The unit-hypercube design behind a continuous sweep, kept for the sensitivity analysis.
#[derive(Debug, Clone)]
pub enum Unit {
    /// A list of points with no structure to analyse (grid, zip, table).
    None,
    /// A Latin hypercube, one row of coordinates per position.
    Lhs(Vec<Vec<f64>>),
    /// Independent uniform points, one row per position.
    Random(Vec<Vec<f64>>),
    /// Saltelli's blocks A, B, AB_i.
    Saltelli(SaltelliDesign),
    /// Morris trajectories.
    Morris(MorrisDesign),
    /// Plain Sobol' sequence points.
    Sequence(Vec<Vec<f64>>),
}

/// A design expanded: what each position sets, in design order.
#[derive(Debug, Clone)]
pub struct Expansion {
    /// The swept keys, in column order.
    pub keys: Vec<String>,
    /// One setting per design position.
    pub positions: Vec<Setting>,
    /// The unit design behind them.
    pub unit: Unit,
}

/// A value in its canonical text: integers as written, floats in their shortest round-trip
/// form with a decimal point or exponent (`1.0`, `0.1`, `1e-7`; `-0.0` is `0.0`), strings as
/// TOML strings, arrays and tables inline with sorted keys.
pub fn canonical(v: &toml::Value) -> String {
    match v {
        toml::Value::Float(f) => float_text(*f),
        toml::Value::Array(a) => format!("[{}]", a.iter().map(canonical).collect::<Vec<_>>().join(", ")),
        toml::Value::Table(t) => {
            let items: Vec<String> =
                t.iter().map(|(k, x)| format!("{} = {}", toml::Value::String(k.clone()), canonical(x))).collect();
            format!("{{ {} }}", items.join(", "))
        }
        other => other.to_string(),
    }
}

fn float_text(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let f = if f == 0.0 { 0.0 } else { f };
    let mut b = ryu::Buffer::new();
    b.format_finite(f).to_string()
}

/// A value as a `sweep.csv` cell: numbers in their shortest form (`1` for 1.0), strings as
/// they are, anything else as inline TOML.
pub fn display(v: &toml::Value) -> String {
    match v {
        toml::Value::Float(f) => crate::output::tables::num(if *f == 0.0 { 0.0 } else { *f }),
        toml::Value::String(s) => s.clone(),
        other => canonical(other),
    }
}

/// The canonical text of a point: `key=value` lines, keys sorted.
pub fn canonical_point(setting: &Setting) -> String {
    let mut lines: Vec<String> = setting.iter().map(|(k, v)| format!("{k}={}\n", canonical(v))).collect();
    lines.sort();
    lines.concat()
}

/// A point's id: 16 hex digits of the SHA-256 of its canonical text.
pub fn point_id(setting: &Setting) -> String {
    let digest = Sha256::digest(format!("agora-sweep-point-v1\n{}", canonical_point(setting)).as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The number an id stands for, which decides its shard.
pub fn id_number(id: &str) -> u64 {
    u64::from_str_radix(id, 16).unwrap_or(0)
}

/// A short description of a point for messages: `key = value, ...`.
pub fn describe(setting: &Setting) -> String {
    if setting.is_empty() {
        return "the base scenario".into();
    }
    setting.iter().map(|(k, v)| format!("{k} = {}", canonical(v))).collect::<Vec<_>>().join(", ")
}

/// A float rounded to 12 significant digits of `scale`, so that equally spaced values come
/// out as the decimals a person would write (0.1, not 0.09999999999999999), and the same
/// value reached from two ranges has one id.
fn tidy(x: f64, scale: f64) -> f64 {
    if !x.is_finite() || scale == 0.0 {
        return x;
    }
    let digits = (11 - scale.abs().log10().floor() as i64).clamp(0, 300) as usize;
    let y: f64 = format!("{x:.digits$}").parse().unwrap_or(x);
    if y == 0.0 {
        0.0
    } else {
        y
    }
}

/// The values of a list or stepped range (grid and zip).
pub fn listed(p: &Parameter) -> Result<Vec<toml::Value>, InputError> {
    match &p.values {
        Values::List(l) => Ok(l.clone()),
        Values::Range { from, to, steps } => {
            let steps = steps.unwrap_or(1) as usize;
            let (lo, hi) = (as_f64(from).unwrap_or(0.0), as_f64(to).unwrap_or(0.0));
            let integers = matches!((from, to), (toml::Value::Integer(_), toml::Value::Integer(_)));
            let mut out: Vec<toml::Value> = Vec::with_capacity(steps);
            for k in 0..steps {
                let x = if steps == 1 || k == 0 {
                    lo
                } else if k == steps - 1 {
                    hi
                } else {
                    (lo * (steps - 1 - k) as f64 + hi * k as f64) / (steps - 1) as f64
                };
                let v = if integers {
                    toml::Value::Integer(x.round() as i64)
                } else {
                    toml::Value::Float(tidy(x, lo.abs().max(hi.abs())))
                };
                if out.contains(&v) {
                    return Err(InputError::at(
                        format!("sweep.{}", p.key),
                        format!("the range gives the value {v} twice (integer bounds give whole numbers)"),
                    )
                    .help("use fewer steps, or give float bounds such as from = 0.0"));
                }
                out.push(v);
            }
            Ok(out)
        }
    }
}

/// The value of a parameter at unit coordinate `u`: `lo + u (hi - lo)` for float bounds;
/// for integer bounds each whole number from `lo` to `hi` equally likely (Morris: the nearest
/// whole number); for a list each value equally likely (Morris: level `u` of the list).
pub fn at_unit(p: &Parameter, u: f64, grid_levels: bool) -> toml::Value {
    match &p.values {
        Values::List(l) => {
            let k = l.len();
            let i = if grid_levels { (u * (k - 1) as f64).round() as usize } else { (u * k as f64).floor() as usize };
            l[i.min(k - 1)].clone()
        }
        Values::Range { from, to, .. } => {
            let (lo, hi) = (as_f64(from).unwrap_or(0.0), as_f64(to).unwrap_or(0.0));
            match (from, to) {
                (toml::Value::Integer(a), toml::Value::Integer(b)) => {
                    let span = (b - a) as f64;
                    let step = if grid_levels { (u * span).round() } else { (u * (span + 1.0)).floor().min(span) };
                    toml::Value::Integer(a + step as i64)
                }
                _ => toml::Value::Float(if u >= 1.0 { hi } else { lo + u * (hi - lo) }),
            }
        }
    }
}

/// Rebuilds the unit design of a continuous sweep of `d` parameters from its settings (what
/// `sensitivity.csv` and `agora merge` need: the design is a pure function of them).
pub fn unit_design(design: &Design, d: usize, design_seed: u64) -> Result<Unit, DesignError> {
    Ok(match *design {
        Design::Lhs { n } => Unit::Lhs(agora_doe::latin_hypercube(n as usize, d, design_seed)),
        Design::Random { n } => Unit::Random(agora_doe::random_points(n as usize, d, design_seed)),
        Design::Sobol { n, saltelli: true } => {
            Unit::Saltelli(agora_doe::saltelli(n as usize, d, SaltelliBase::Sobol { skip: 0 })?)
        }
        Design::Sobol { n, saltelli: false } => Unit::Sequence(agora_doe::sobol_points(n as usize, d, 0)?),
        Design::Morris { trajectories, levels } => {
            Unit::Morris(agora_doe::morris(trajectories as usize, d, levels as usize, design_seed)?)
        }
        Design::Grid { .. } | Design::Zip { .. } | Design::Table { .. } => Unit::None,
    })
}

/// Reads a table design: one column per dotted key, one row per point; each cell a TOML value
/// (`0.5`, `true`, `"x"`; other text is a string), an empty cell leaves the key at the
/// scenario's value.
pub fn read_table(path: &Path) -> Result<(Vec<String>, Vec<Setting>), InputError> {
    let bytes = std::fs::read(path)
        .map_err(|e| InputError::new(format!("cannot read the sweep's table of points: {e}")).in_file(path))?;
    let text = String::from_utf8(bytes).map_err(|_| InputError::new("the table is not UTF-8 text").in_file(path))?;
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| InputError::new(format!("cannot read the header: {e}")).in_file(path))?
        .iter()
        .map(str::to_string)
        .collect();
    if header.is_empty() || header.iter().all(String::is_empty) {
        return Err(InputError::new("the table has no header row of dotted keys").in_file(path));
    }
    for (i, key) in header.iter().enumerate() {
        check_key(key).map_err(|e| {
            InputError { key: None, message: format!("column {}: {}", i + 1, e.message), ..e }.in_file(path)
        })?;
        if header[..i].contains(key) {
            return Err(InputError::new(format!("column {}: `{key}` is a column twice", i + 1)).in_file(path));
        }
    }
    let mut rows = Vec::new();
    for (r, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| InputError::new(format!("row {}: {e}", r + 2)).in_file(path))?;
        if rec.len() != header.len() {
            return Err(InputError::new(format!("row {} has {} cells, the header {}", r + 2, rec.len(), header.len()))
                .in_file(path));
        }
        let mut setting = Setting::new();
        for (key, cell) in header.iter().zip(rec.iter()) {
            if cell.is_empty() {
                continue;
            }
            let value = format!("v = {cell}")
                .parse::<toml::Table>()
                .ok()
                .and_then(|mut t| t.remove("v"))
                .unwrap_or_else(|| toml::Value::String(cell.to_string()));
            setting.push((key.clone(), value));
        }
        rows.push(setting);
    }
    if rows.is_empty() {
        return Err(InputError::new("the table lists no point").in_file(path));
    }
    Ok((header, rows))
}

/// Expands the design of `config` into its positions. `table` is the table design's file,
/// read by [`read_table`].
pub fn expand(config: &SweepConfig, table: Option<(Vec<String>, Vec<Setting>)>) -> Result<Expansion, InputError> {
    let params = &config.parameters;
    let keys: Vec<String> = params.iter().map(|p| p.key.clone()).collect();
    let d = params.len();
    let design_error = |e: DesignError| InputError::at("sweep.design", e.to_string());
    let from_unit = |coords: &[Vec<f64>], levels: bool| -> Vec<Setting> {
        coords
            .iter()
            .map(|u| params.iter().zip(u).map(|(p, &x)| (p.key.clone(), at_unit(p, x, levels))).collect())
            .collect()
    };
    Ok(match &config.design {
        Design::Grid { .. } => {
            let lists: Vec<Vec<toml::Value>> = params.iter().map(listed).collect::<Result<_, _>>()?;
            let total: usize = lists.iter().map(Vec::len).product();
            let mut positions = Vec::with_capacity(total);
            for i in 0..total {
                // The last parameter varies fastest, the first slowest.
                let mut rest = i;
                let mut setting = vec![(String::new(), toml::Value::Boolean(false)); d];
                for j in (0..d).rev() {
                    let k = rest % lists[j].len();
                    rest /= lists[j].len();
                    setting[j] = (keys[j].clone(), lists[j][k].clone());
                }
                positions.push(setting);
            }
            Expansion { keys, positions, unit: Unit::None }
        }
        Design::Zip { .. } => {
            let lists: Vec<Vec<toml::Value>> = params.iter().map(listed).collect::<Result<_, _>>()?;
            let len = lists.first().map_or(0, Vec::len);
            let positions = (0..len)
                .map(|k| keys.iter().zip(&lists).map(|(key, l)| (key.clone(), l[k].clone())).collect())
                .collect();
            Expansion { keys, positions, unit: Unit::None }
        }
        Design::Table { .. } => {
            let (header, rows) =
                table.ok_or_else(|| InputError::at("sweep.table", "internal: the table was not read"))?;
            Expansion { keys: header, positions: rows, unit: Unit::None }
        }
        design => {
            let unit = unit_design(design, d, config.design_seed).map_err(design_error)?;
            let positions = match &unit {
                Unit::Lhs(c) | Unit::Random(c) | Unit::Sequence(c) => from_unit(c, false),
                Unit::Saltelli(s) => from_unit(&s.points(), false),
                Unit::Morris(m) => from_unit(&m.points(), true),
                Unit::None => Vec::new(),
            };
            Expansion { keys, positions, unit }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> SweepConfig {
        let doc: toml::Table = text.parse().unwrap();
        SweepConfig::parse(doc["sweep"].as_table().unwrap(), text).unwrap()
    }

    fn values(e: &Expansion, key: &str) -> Vec<String> {
        e.positions
            .iter()
            .map(|s| s.iter().find(|(k, _)| k == key).map(|(_, v)| canonical(v)).unwrap_or_default())
            .collect()
    }

    #[test]
    fn ranges_give_the_decimals_a_person_writes() {
        let c = config(
            "[sweep]\n\"a.b\" = { from = 0.0, to = 0.6, steps = 7 }\n\"a.c\" = { from = 100, to = 500, steps = 5 }\n",
        );
        let e = expand(&c, None).unwrap();
        assert_eq!(e.positions.len(), 35);
        let a: Vec<String> = values(&e, "a.b").into_iter().step_by(5).collect();
        assert_eq!(a, ["0.0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6"]);
        assert_eq!(values(&e, "a.c")[..5], ["100", "200", "300", "400", "500"]);
        // The first parameter varies slowest.
        assert_eq!(values(&e, "a.b")[..6], ["0.0", "0.0", "0.0", "0.0", "0.0", "0.1"]);
        let e = expand(&config("[sweep]\n\"a.b\" = { from = -0.3, to = 0.3, steps = 7 }\n"), None).unwrap();
        assert_eq!(values(&e, "a.b"), ["-0.3", "-0.2", "-0.1", "0.0", "0.1", "0.2", "0.3"]);
        let dup = config("[sweep]\n\"a.b\" = { from = 0, to = 2, steps = 5 }\n");
        assert!(expand(&dup, None).unwrap_err().message.contains("twice"));
    }

    #[test]
    fn ids_depend_on_values_not_on_positions() {
        let small = expand(&config("[sweep]\n\"a.b\" = [0.0, 0.2]\n\"a.c\" = [1, 2]\n"), None).unwrap();
        let big = expand(&config("[sweep]\n\"a.c\" = [1, 2, 3]\n\"a.b\" = [0.0, 0.1, 0.2]\n"), None).unwrap();
        let ids = |e: &Expansion| e.positions.iter().map(point_id).collect::<Vec<_>>();
        let (s, b) = (ids(&small), ids(&big));
        assert_eq!(s.len(), 4);
        assert!(s.iter().all(|id| b.contains(id)), "{s:?} not all in {b:?}");
        assert_eq!(s[0].len(), 16);
        // The same value reached by a range and by a list has the same id; 1 and 1.0 differ.
        let range = expand(&config("[sweep]\n\"a.b\" = { from = 0.0, to = 0.2, steps = 3 }\n"), None).unwrap();
        let list = expand(&config("[sweep]\n\"a.b\" = [0.0, 0.1, 0.2]\n"), None).unwrap();
        assert_eq!(ids(&range), ids(&list));
        let int = vec![("a.b".to_string(), toml::Value::Integer(1))];
        let float = vec![("a.b".to_string(), toml::Value::Float(1.0))];
        assert_ne!(point_id(&int), point_id(&float));
        assert_eq!(canonical(&toml::Value::Float(-0.0)), "0.0");
    }

    #[test]
    fn zip_pairs_and_continuous_designs_fill_their_ranges() {
        let e =
            expand(&config("[sweep]\ndesign = \"zip\"\n\"a.b\" = [1, 2, 3]\n\"a.c\" = [\"x\", \"y\", \"z\"]\n"), None)
                .unwrap();
        assert_eq!(values(&e, "a.c"), ["\"x\"", "\"y\"", "\"z\""]);
        assert_eq!(values(&e, "a.b"), ["1", "2", "3"]);
        let e = expand(&config("[sweep]\ndesign = \"lhs\"\nn = 10\n\"a.b\" = { from = 1.0, to = 2.0 }\n\"a.c\" = { from = 0, to = 9 }\n"), None).unwrap();
        assert_eq!(e.positions.len(), 10);
        let mut ints: Vec<i64> = e.positions.iter().map(|s| s[1].1.as_integer().unwrap()).collect();
        ints.sort_unstable();
        assert_eq!(ints, (0..10).collect::<Vec<_>>(), "integer bounds: one whole number per stratum");
        assert!(e.positions.iter().all(|s| (1.0..2.0).contains(&s[0].1.as_float().unwrap())));
        let e = expand(&config("[sweep]\ndesign = \"random\"\nn = 50\n\"a.b\" = { from = 2.0, to = 3.0 }\n"), None)
            .unwrap();
        assert_eq!(e.positions.len(), 50);
        let xs: Vec<f64> = e.positions.iter().map(|s| s[0].1.as_float().unwrap()).collect();
        assert!(xs.iter().all(|x| (2.0..3.0).contains(x)) && xs.windows(2).any(|w| w[1] < w[0]));
        assert!(matches!(e.unit, Unit::Random(_)));
        let e = expand(
            &config(
                "[sweep]\ndesign = \"sobol\"\nn = 8\n\"a.b\" = { from = 0.0, to = 1.0 }\n\"a.c\" = [\"x\", \"y\"]\n",
            ),
            None,
        )
        .unwrap();
        assert_eq!(e.positions.len(), 8 * 4);
        assert!(matches!(e.unit, Unit::Saltelli(_)));
        let e = expand(
            &config("[sweep]\ndesign = \"morris\"\ntrajectories = 3\n\"a.b\" = { from = 0.0, to = 3.0 }\n"),
            None,
        )
        .unwrap();
        assert_eq!(e.positions.len(), 3 * 2);
        assert!(
            values(&e, "a.b").iter().all(|v| ["0.0", "1.0", "2.0", "3.0"].contains(&v.as_str())),
            "{:?}",
            values(&e, "a.b")
        );
    }

    #[test]
    fn tables_read_typed_cells_and_leave_empty_ones_unset() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("points.csv");
        std::fs::write(&path, "policy.tax.rate,market.model,adapt.imitate\n0.1,kinetic,\n0.2,\"\"\"goods\"\"\",0\n")
            .unwrap();
        let (header, rows) = read_table(&path).unwrap();
        assert_eq!(header, ["policy.tax.rate", "market.model", "adapt.imitate"]);
        assert_eq!(rows[0], vec![("policy.tax.rate".into(), 0.1.into()), ("market.model".into(), "kinetic".into())]);
        assert_eq!(rows[1][1].1, toml::Value::String("goods".into()));
        assert_eq!(rows[1][2].1, toml::Value::Integer(0));
        std::fs::write(&path, "run.seed\n1\n").unwrap();
        assert!(read_table(&path).unwrap_err().message.contains("cannot be swept"));
    }
}
