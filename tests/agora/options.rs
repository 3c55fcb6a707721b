//! Every option acts or says why not. For each example of each registered regime (one entry
//! per scenario) and for a coexist world, every key of the resolved scenario is changed to
//! another valid value in turn; then the run's files must change, or the plan must refuse the
//! value naming the key, or warn that the key does nothing here, naming it.

use agora::plan::{parse, Plan};
use agora::regimes::REGIMES;
use agora::scenario::Overrides;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Keys found to act (the run changed) and to warn, over the whole walk.
static CHANGED: AtomicUsize = AtomicUsize::new(0);
static WARNED: AtomicUsize = AtomicUsize::new(0);

/// Keys that by design never change a result, with the reason.
const EXEMPT: &[(&str, &str)] = &[
    ("run.threads", "results never depend on the thread count"),
    ("mode", "changes the scenario's structure; coexist mode has its own walk"),
];

fn base(entry: &str, table: &str, mode: &str) -> String {
    let label = entry.split_once(':').map_or("", |(_, l)| l);
    let mut s = format!(
        "name = \"o\"\nmode = \"{mode}\"\nregimes = [\"{entry}\"]\n[run]\nagents = 300\nsteps = 12\nreplicates = 2\nwarmup = 2\n\
         [output]\nplots = [\"svg\"]\nreport = true\n"
    );
    if !label.is_empty() {
        s.push_str(&format!("[variant.{label}]\n{table}\n"));
    }
    s
}

fn plan(src: &str) -> Result<Plan, agora::error::InputError> {
    parse(src, None, &Overrides::default())
}

/// Every leaf key of a table, dotted (arrays are leaves).
fn leaves(t: &toml::Table, prefix: &str, out: &mut Vec<String>) {
    for (k, v) in t {
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            toml::Value::Table(inner) if !inner.is_empty() => leaves(inner, &key, out),
            _ => out.push(key),
        }
    }
}

fn get<'a>(t: &'a toml::Table, key: &str) -> Option<&'a toml::Value> {
    let mut parts = key.split('.');
    let first = t.get(parts.next()?)?;
    parts.try_fold(first, |v, k| v.get(k))
}

/// Sets `key` as a sweep or the classroom page would (share groups keep summing to 1); a new
/// form of a tagged table (`kind`, `dist`) replaces the whole table.
fn set(t: &mut toml::Table, key: &str, value: toml::Value) {
    let key = match key.rsplit_once('.') {
        Some((table, "kind" | "dist")) => table,
        _ => key,
    };
    agora::scenario::settings::apply(t, &[(key.to_string(), value)]).unwrap();
}

/// Other values to try for `key`, given its current value.
fn candidates(key: &str, v: &toml::Value) -> Vec<toml::Value> {
    use toml::Value as V;
    let tagged = |s: &str| -> V { V::Table(s.parse::<toml::Table>().unwrap()) };
    let table_key = key.rsplit_once('.').map_or("", |(t, _)| t);
    if key.ends_with(".kind") || key.ends_with(".dist") {
        // A tag: the whole table takes another form.
        return match table_key.rsplit('.').next() {
            Some("network") => vec![tagged("kind = \"ring\"\ndegree = 6"), tagged("kind = \"complete\"")],
            Some("skill") | Some("initial_money") => {
                vec![tagged("dist = \"uniform\"\nlow = 0.5\nhigh = 1.5"), tagged("dist = \"exponential\"\nmean = 2.0")]
            }
            Some("limit") => vec![
                tagged("kind = \"turnover\"\nfactor = 2.0\nwindow = 3\nfloor = 0.5"),
                tagged("kind = \"fixed\"\namount = 1.0"),
            ],
            Some("quota") => vec![tagged("kind = \"share_of_regrowth\"\nshare = 0.5"), tagged("kind = \"msy\"")],
            _ => vec![],
        };
    }
    match v {
        V::Boolean(b) => vec![V::Boolean(!b)],
        V::Integer(i) => vec![V::Integer(i + 2), V::Integer(i + 1), V::Integer((i - 1).max(0)), V::Integer(i * 2 + 3)],
        V::Float(x) => {
            let x = *x;
            let mut c =
                if x == 0.0 { vec![0.1, 0.01, 1.0, 0.5] } else { vec![x * 0.5, x * 1.5, x + 0.1, (x + 1.0) / 2.0] };
            c.retain(|y| *y != x);
            c.into_iter().map(V::Float).collect()
        }
        V::String(_) => ["__none__"].iter().map(|s| V::String(s.to_string())).collect(),
        V::Array(a) => match key {
            "regimes" | "population.goods" => vec![],
            "resource.sanctions" => vec![V::Array(vec![V::Float(0.0), V::Float(1.0)])],
            "output.snapshots" => vec![V::Array(vec![]), V::Array(vec![V::Integer(6)])],
            "output.plots" => vec![V::Array(vec![V::String("png".into())]), V::Array(vec![])],
            "policy.shocks" => vec![V::Array(vec![tagged("step = 5\nkind = \"resource_crash\"\nsize = 0.5")])],
            _ if a.is_empty() => vec![],
            _ => vec![V::Array(a[..a.len() - 1].to_vec())],
        },
        V::Table(t) if t.is_empty() => match key {
            "coexist.shares" => vec![],
            _ => vec![],
        },
        _ => vec![],
    }
}

/// The allowed values an "unknown value" error lists.
fn allowed_values(e: &agora::error::InputError) -> Vec<String> {
    e.help
        .as_deref()
        .and_then(|h| h.split_once("allowed values: "))
        .map_or(Vec::new(), |(_, list)| list.split(", ").map(|s| s.trim_matches('`').to_string()).collect())
}

/// Everything a run writes (but `run.json`), file by file.
fn files(p: &Plan) -> BTreeMap<String, Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    agora::run_into(dir.path(), p, &agora::RunOptions::default(), &|_| {}).unwrap();
    let mut out = crate::common::read_tree(dir.path());
    out.remove("run.json");
    out
}

fn series(p: &Plan) -> Vec<Vec<u64>> {
    let out = agora::engine::run(p, &agora::engine::Quiet).unwrap();
    out.series.iter().map(|s| s.rows.iter().map(|x| x.to_bits()).collect()).collect()
}

/// What happened to one change of `key` in scenario `name`; `None` when it acted or said so.
fn check(
    name: &str,
    resolved: &toml::Table,
    key: &str,
    base_series: &[Vec<u64>],
    base_files: &mut Option<BTreeMap<String, Vec<u8>>>,
    base: &Plan,
) -> Option<String> {
    let Some(current) = get(resolved, key) else { return Some(format!("{name}: `{key}` vanished")) };
    let mut tries = candidates(key, current);
    let mut i = 0;
    let mut tried = Vec::new();
    while i < tries.len() {
        let value = tries[i].clone();
        i += 1;
        let mut t = resolved.clone();
        set(&mut t, key, value.clone());
        let src = toml::to_string(&t).unwrap();
        match plan(&src) {
            Err(e) => {
                // A refusal names a key: this one, or the one a consequence of it breaks.
                let named = e.key.is_some();
                let options = allowed_values(&e);
                if !options.is_empty() {
                    // An enum: try every other allowed value.
                    let now = current.as_str().unwrap_or("");
                    tries.extend(options.into_iter().filter(|o| o != now).map(toml::Value::String));
                    continue;
                }
                if named {
                    tried.push(format!("{value} refused"));
                    continue; // A refusal of this value: try another to see it act.
                }
                return Some(format!("{name}: `{key}` = {value} refused without naming the key: {e}"));
            }
            Ok(p) => {
                let warned = p.warnings.iter().any(|w| {
                    w.key
                        .as_deref()
                        .is_some_and(|k| k == key || key.starts_with(&format!("{k}.")) || k.starts_with(key))
                });
                if warned {
                    WARNED.fetch_add(1, Ordering::Relaxed);
                    return None;
                }
                if series(&p) != base_series {
                    CHANGED.fetch_add(1, Ordering::Relaxed);
                    return None;
                }
                let base_files = base_files.get_or_insert_with(|| files(base));
                if files(&p) != *base_files {
                    CHANGED.fetch_add(1, Ordering::Relaxed);
                    return None;
                }
                tried.push(format!("{value} changed nothing"));
            }
        }
    }
    if tried.iter().all(|t| t.ends_with("refused")) {
        return None; // No other valid value here (one entry to be the baseline, a folder name).
    }
    Some(format!("{name}: `{key}` acts on nothing and says nothing ({})", tried.join("; ")))
}

fn walk(name: &str, src: &str) -> Vec<String> {
    let p = plan(src).unwrap_or_else(|e| panic!("{name}: {e}\n{src}"));
    let resolved: toml::Table = p.resolved_toml.parse().unwrap();
    let mut keys = Vec::new();
    leaves(&resolved, "", &mut keys);
    let base_series = series(&p);
    let mut base_files = None;
    keys.iter()
        .filter(|k| !EXEMPT.iter().any(|(e, _)| e == k))
        .filter(|k| !k.starts_with("variant."))
        .filter_map(|k| check(name, &resolved, k, &base_series, &mut base_files, &p))
        .collect()
}

/// Every key, for every example of every registered regime and a coexist world.
#[test]
fn every_key_acts_is_refused_or_warned() {
    let mut failures = Vec::new();
    for r in REGIMES {
        for (label, table) in r.examples {
            let entry = if table.is_empty() { r.name.to_string() } else { format!("{0}:{0}_{label}", r.name) };
            failures.extend(walk(&entry, &base(&entry, table, "compare")));
        }
    }
    let coexist =
        "name = \"o\"\nmode = \"coexist\"\nregimes = [\"market\", \"commons\"]\n[run]\nagents = 300\nsteps = 12\n\
                   replicates = 2\nwarmup = 2\n[coexist]\nshares = { market = 0.5, commons = 0.5 }\nmigrate = 0.1\n\
                   [output]\nplots = [\"svg\"]\nreport = true\n";
    failures.extend(walk("coexist", coexist));
    assert!(failures.is_empty(), "{} keys:\n{}", failures.len(), failures.join("\n"));
    // Both ways of passing were exercised (the walk is not vacuous).
    let (changed, warned) = (CHANGED.load(Ordering::Relaxed), WARNED.load(Ordering::Relaxed));
    assert!(changed > 500 && warned > 50, "{changed} keys changed the run, {warned} were warned about");
}
