//! The scenario a classroom server was started with: the controls the page shows for it, the
//! settings a page posts turned into a checked [`Plan`] (through the same settings rule and
//! validator as a file), and the scenario file of a run so far.

use super::Limits;
use crate::error::{Error, InputError};
use crate::metrics::MetricDef;
use crate::output::plots::{entry_colours, regime_colour_hex};
use crate::plan::{self, Plan};
use crate::scenario::{self, settings, Mode, NetworkSpec, Overrides, RunConfig};
use serde::Serialize;
use serde_json::{json, Value as Json};
use std::path::{Path, PathBuf};

/// Keys a page may not set: the server owns them.
const OWNED: &[(&str, &str)] = &[
    ("run.seed", "is set by the `seed` of the request"),
    ("run.replicates", "is 1 on the classroom page: each tab runs one replicate"),
    ("run.threads", "is the server's to choose (results never depend on it)"),
    ("output", "does nothing on the classroom page, which writes no files"),
];

/// One control of the page, for a question a class asks.
#[derive(Debug, Clone, Serialize)]
pub struct Control {
    /// The dotted settings key it sets.
    pub key: String,
    /// What the page calls it.
    pub label: String,
    /// `range`, `select` or `toggle`.
    pub kind: &'static str,
    /// Least value (range).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Greatest value (range).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Step between values (range).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<f64>,
    /// The values to choose from (select).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<String>>,
    /// The scenario's value.
    pub value: Json,
    /// One sentence on what it does, in plain words.
    pub help: String,
}

/// A request the validator (or the server's limits) refused: the message, and the key it
/// concerns as the page posted it.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// What is wrong, naming the key.
    pub message: String,
    /// The settings key, if the problem is with one.
    pub key: Option<String>,
}

impl Refusal {
    fn at(key: &str, message: impl std::fmt::Display) -> Refusal {
        Refusal { message: format!("key `{key}`: {message}"), key: Some(key.to_string()) }
    }
}

/// A run's plan and the scenario document it was planned from.
#[derive(Debug)]
pub struct RunPlan {
    /// The plan, one replicate.
    pub plan: Plan,
    /// The scenario with the run's settings laid over it.
    pub doc: toml::Table,
}

/// The scenario being served.
pub struct Served {
    /// Where it was read from.
    pub path: PathBuf,
    /// The file as written, as a TOML document.
    doc: toml::Table,
    /// The file planned as written, with every default filled in.
    pub plan: Plan,
    /// `plan.resolved_toml` as a document, to read the current value of any key.
    resolved: toml::Table,
    /// The controls for this scenario.
    pub controls: Vec<Control>,
    /// The server's limits.
    pub limits: Limits,
}

impl Served {
    /// Reads and checks the scenario file; an invalid file is an input error, as for `agora run`.
    pub fn load(path: &Path, limits: Limits) -> Result<Served, Error> {
        let src = scenario::read(path)?;
        let plan = plan::plan(&src, &Overrides::default())?;
        let doc: toml::Table = src.text.parse().map_err(|e| InputError::new(format!("{e}")).in_file(path))?;
        let resolved: toml::Table = plan
            .resolved_toml
            .parse()
            .map_err(|e| Error::Run(format!("internal: the resolved scenario does not read back: {e}")))?;
        let controls = controls(&plan, &resolved);
        Ok(Served { path: path.to_path_buf(), doc, plan, resolved, controls, limits })
    }

    /// The metrics the page charts: the headline measures, and `regime_share` in coexist mode.
    pub fn charted(&self) -> Vec<&MetricDef> {
        let mut names: Vec<&str> = crate::metrics::headline();
        if self.plan.mode == Mode::Coexist {
            names.push("regime_share");
        }
        names.iter().filter_map(|n| self.plan.layout.metrics.iter().find(|m| m.name == *n)).collect()
    }

    /// Agents and steps a run gets unless the page says otherwise: the scenario's, within the
    /// limits.
    pub fn defaults(&self) -> (u64, u64) {
        let r = &self.plan.run;
        (r.agents.min(self.limits.max_agents), r.steps.min(self.limits.max_steps))
    }

    /// `GET /api/config`.
    pub fn config_json(&self) -> Json {
        let (agents, steps) = self.defaults();
        let question = self.resolved.get("question").and_then(|q| q.as_str()).unwrap_or("");
        json!({
            "scenario": self.plan.name,
            "question": question,
            "mode": match self.plan.mode { Mode::Compare => "compare", Mode::Coexist => "coexist" },
            "entries": self.plan.entries.iter().zip(entry_colours(&self.plan.entries.iter().map(|e| e.label.clone()).collect::<Vec<_>>()))
                .map(|(e, c)| json!({"label": e.label, "colour": regime_colour_hex(c)}))
                .collect::<Vec<_>>(),
            "metrics": self.charted().iter()
                .map(|m| json!({
                    "name": m.name, "title": m.display_title(), "unit": m.unit,
                    "plain": m.plain, "better": m.better,
                }))
                .collect::<Vec<_>>(),
            "controls": self.controls,
            "limits": {
                "max_agents": self.limits.max_agents,
                "max_steps": self.limits.max_steps,
                "max_runs": self.limits.max_runs,
            },
            "defaults": {"agents": agents, "steps": steps, "seed": self.plan.run.seed},
        })
    }

    /// Lays a page's settings over the scenario and plans one replicate with `seed`: every
    /// setting meets the settings rule and the validator of a file, then the server's limits.
    pub fn plan_run(&self, posted: &[(String, Json)], seed: u64) -> Result<RunPlan, Refusal> {
        if seed > i64::MAX as u64 {
            return Err(Refusal::at("seed", format!("must be at most {} (got {seed})", i64::MAX)));
        }
        let (agents, steps) = self.defaults();
        let mut list: Vec<(String, toml::Value)> = Vec::new();
        let is_posted = |k: &str| posted.iter().any(|(p, _)| p == k);
        for (key, default) in [("run.agents", agents), ("run.steps", steps)] {
            if !is_posted(key) {
                list.push((key.to_string(), toml::Value::Integer(default as i64)));
            }
        }
        for (key, value) in posted {
            if !key.contains('.') {
                return Err(Refusal::at(key, "is fixed by the scenario the server was started with"));
            }
            if let Some((owned, why)) = OWNED.iter().find(|(o, _)| key == o || key.starts_with(&format!("{o}."))) {
                return Err(Refusal::at(key, format!("cannot be set: `{owned}` {why}")));
            }
            let value = to_toml(value).map_err(|m| Refusal::at(key, m))?;
            if key == "population.network.kind" {
                list.push(("population.network".into(), self.network_table(value)));
            } else {
                list.push((key.clone(), value));
            }
        }
        list.push(("run.seed".into(), toml::Value::Integer(seed as i64)));
        list.push(("run.replicates".into(), toml::Value::Integer(1)));
        let mut doc = self.doc.clone();
        settings::apply(&mut doc, &list).map_err(|e| refusal(e, posted))?;
        if !is_posted("run.warmup") {
            fit_warmup(&mut doc);
        }
        // Snapshots are written by `agora run` only; the default (the last step) always fits.
        // The page streams every step, so the run it offers for download records every step.
        if let Some(out) = doc.get_mut("output").and_then(|o| o.as_table_mut()) {
            out.remove("snapshots");
            out.remove("record_every");
        }
        let text = toml::to_string(&doc).map_err(|e| Refusal { message: format!("internal: {e}"), key: None })?;
        let plan = plan::parse(&text, None, &Overrides::default()).map_err(|e| refusal(e, posted))?;
        // A basic income with nothing to pay it from, which leaves every chart as it was: the
        // plan warns about it too, but the page says which of its two sliders to move.
        let unfunded = |e: &plan::EntryPlan| {
            let p = &e.policy;
            p.basic_income.amount > 0.0 && p.tax.rate == 0.0 && p.basic_income.funding == scenario::Funding::Tax
        };
        if plan.entries.iter().any(unfunded) && !self.plan.entries.iter().any(unfunded) {
            let scenario_tax = self.plan.entries.iter().map(|e| e.policy.tax.rate).fold(0.0, f64::max);
            let tax_moved = posted.iter().any(|(k, v)| k == "policy.tax.rate" && v.as_f64() != Some(scenario_tax));
            return Err(if tax_moved {
                Refusal::at(
                    "policy.tax.rate",
                    "cannot be 0 while there is a basic income: the basic income is paid from the tax, so set the basic income to 0 first",
                )
            } else {
                Refusal::at(
                    "policy.basic_income.amount",
                    "pays nothing while the tax rate is 0: the basic income is paid from the tax, so set a tax rate first",
                )
            });
        }
        // A setting that `agora run` would accept with a warning that it acts on nothing is
        // refused here, so that every control either changes the run or says why it cannot.
        // The served file's own warnings are its author's and stand.
        let known = |w: &InputError| self.plan.warnings.iter().any(|o| o.key == w.key && o.message == w.message);
        if let Some(w) = plan.warnings.iter().find(|w| !known(w)) {
            let mut r = refusal(w.clone(), posted);
            r.message.push_str(" (the classroom page refuses settings that would act on nothing)");
            return Err(r);
        }
        let r = &plan.run;
        if r.agents > self.limits.max_agents {
            return Err(Refusal::at(
                "run.agents",
                format!(
                    "must be at most {} on the classroom page (got {}); `agora run` has no such limit",
                    self.limits.max_agents, r.agents
                ),
            ));
        }
        if r.steps > self.limits.max_steps {
            return Err(Refusal::at(
                "run.steps",
                format!(
                    "must be at most {} on the classroom page (got {}); `agora run` has no such limit",
                    self.limits.max_steps, r.steps
                ),
            ));
        }
        let worlds = std::iter::once(&plan.world).chain(plan.entries.iter().map(|e| &e.world));
        if let Some(d) = worlds.map(|w| degree(&w.population.network)).max().filter(|&d| d > self.limits.max_degree) {
            return Err(Refusal::at(
                "population.network.degree",
                format!(
                    "must be at most {} on the classroom page (got {d}); `agora run` has no such limit",
                    self.limits.max_degree
                ),
            ));
        }
        Ok(RunPlan { plan, doc })
    }

    /// The scenario file of a run after `steps` steps: its settings, one replicate, its seed,
    /// `steps` steps and a warm-up below them, resolved as `agora validate` prints it, so that
    /// `agora run` of it writes the run's `timeseries.csv` so far, byte for byte.
    pub fn toml_of(&self, run: &RunPlan, id: &str, steps: u64) -> Result<String, Refusal> {
        let mut doc = run.doc.clone();
        let name = run.plan.name.clone();
        let list = [
            ("run.steps".to_string(), toml::Value::Integer(steps as i64)),
            ("output.dir".to_string(), toml::Value::String(format!("output/{name}_classroom_{id}"))),
        ];
        settings::apply(&mut doc, &list).map_err(|e| refusal(e, &[]))?;
        fit_warmup(&mut doc);
        let text = toml::to_string(&doc).map_err(|e| Refusal { message: format!("internal: {e}"), key: None })?;
        let plan = plan::parse(&text, None, &Overrides::default()).map_err(|e| refusal(e, &[]))?;
        let file = self.path.display();
        Ok(format!(
            "# Run {id} of the classroom page (`agora serve {file}`), after {steps} step{}, seed {}.\n\
             # `agora run` of this file writes the page's timeseries.csv of the run, byte for byte.\n\n{}",
            if steps == 1 { "" } else { "s" },
            plan.run.seed,
            plan.resolved_toml
        ))
    }

    /// The whole `population.network` table for a network `kind`: a kind needs its own keys,
    /// which keep the scenario's values where it has them.
    fn network_table(&self, kind: toml::Value) -> toml::Value {
        let current = lookup(&self.resolved, "population.network").and_then(|n| n.as_table());
        let keep = |k: &str, default: toml::Value| current.and_then(|c| c.get(k)).cloned().unwrap_or(default);
        let mut t = toml::Table::new();
        let params: &[&str] = match kind.as_str() {
            Some("ring") | Some("scale_free") => &["degree"],
            Some("small_world") => &["degree", "rewire"],
            _ => &[],
        };
        for p in params {
            let default = if *p == "degree" { toml::Value::Integer(8) } else { toml::Value::Float(0.1) };
            t.insert(p.to_string(), keep(p, default));
        }
        t.insert("kind".into(), kind);
        toml::Value::Table(t)
    }
}

/// Links per agent of a network (none stored for a complete one).
fn degree(n: &NetworkSpec) -> u64 {
    match *n {
        NetworkSpec::Ring { degree } | NetworkSpec::SmallWorld { degree, .. } | NetworkSpec::ScaleFree { degree } => {
            degree
        }
        NetworkSpec::Complete {} => 0,
    }
}

/// Lowers `run.warmup` below `run.steps` when it is not: warm-up only shapes summaries, which
/// the page does not show, and the validator wants some steps after it.
fn fit_warmup(doc: &mut toml::Table) {
    let Some(run) = doc.get_mut("run").and_then(|r| r.as_table_mut()) else { return };
    let Some(steps) = run.get("steps").and_then(|s| s.as_integer()) else { return };
    let warmup = run.get("warmup").map_or(Some(RunConfig::default().warmup as i64), |w| w.as_integer());
    if let Some(w) = warmup {
        if steps >= 1 && w >= steps {
            run.insert("warmup".into(), toml::Value::Integer(steps - 1));
        }
    }
}

/// The value at a dotted key.
fn lookup<'a>(t: &'a toml::Table, key: &str) -> Option<&'a toml::Value> {
    let mut parts = key.split('.');
    let mut v = t.get(parts.next()?)?;
    for p in parts {
        v = v.as_table()?.get(p)?;
    }
    Some(v)
}

/// A JSON value as TOML: integers stay integers (the validator reads them as numbers where it
/// wants numbers), `null` has no TOML form.
fn to_toml(v: &Json) -> Result<toml::Value, String> {
    Ok(match v {
        Json::Null => return Err("has no value (null)".into()),
        Json::Bool(b) => toml::Value::Boolean(*b),
        Json::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => toml::Value::Integer(i),
            (None, Some(f)) => toml::Value::Float(f),
            _ => return Err(format!("{n} is not a number TOML can hold")),
        },
        Json::String(s) => toml::Value::String(s.clone()),
        Json::Array(a) => toml::Value::Array(a.iter().map(to_toml).collect::<Result<_, _>>()?),
        Json::Object(o) => {
            let mut t = toml::Table::new();
            for (k, v) in o {
                t.insert(k.clone(), to_toml(v)?);
            }
            toml::Value::Table(t)
        }
    })
}

/// The validator's refusal, keyed by the setting the page posted that it concerns: the same
/// key, a member of the table it names (a share group), or the table holding it.
fn refusal(e: InputError, posted: &[(String, Json)]) -> Refusal {
    let key = e.key.clone().map(|k| {
        let concerns = |p: &str| p == k || p.starts_with(&format!("{k}.")) || k.starts_with(&format!("{p}."));
        let mut hits = posted.iter().map(|(p, _)| p.as_str()).filter(|p| concerns(p));
        match (hits.next(), hits.next()) {
            (Some(p), None) => p.to_string(),
            _ => k,
        }
    });
    let mut message = match &key {
        Some(k) => format!("key `{k}`: {}", e.message),
        None => e.message.clone(),
    };
    if let Some(help) = &e.help {
        message.push_str("; ");
        message.push_str(help);
    }
    Refusal { message, key }
}

fn toml_to_json(v: &toml::Value) -> Json {
    match v {
        toml::Value::String(s) => Json::String(s.clone()),
        toml::Value::Integer(i) => json!(i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        toml::Value::Boolean(b) => Json::Bool(*b),
        toml::Value::Datetime(d) => Json::String(d.to_string()),
        toml::Value::Array(a) => Json::Array(a.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => Json::Object(t.iter().map(|(k, v)| (k.clone(), toml_to_json(v))).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn served() -> Served {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/showcase.toml");
        Served::load(&path, Limits::default()).unwrap()
    }

    fn posted(pairs: &[(&str, Json)]) -> Vec<(String, Json)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    #[test]
    fn showcase_controls_act_on_its_regimes() {
        let s = served();
        let keys: Vec<&str> = s.controls.iter().map(|c| c.key.as_str()).collect();
        for k in [
            "population.strategies.free_rider",
            "policy.basic_income.amount",
            "policy.tax.rate",
            "mutual_credit.limit.amount",
            "resource.governance",
            "knowledge.property",
            "population.network.kind",
        ] {
            assert!(keys.contains(&k), "no control for {k}: {keys:?}");
        }
        let fr = &s.controls[0];
        assert_eq!(fr.value, json!(0.2));
        let cfg = s.config_json();
        assert_eq!(cfg["entries"][1]["label"], "market");
        assert_eq!(cfg["entries"][0]["colour"], "#0072b2");
        let titles: Vec<&str> =
            cfg["metrics"].as_array().unwrap().iter().map(|m| m["title"].as_str().unwrap()).collect();
        assert!(titles.contains(&"Gini of consumption"), "{titles:?}");
    }

    #[test]
    fn good_settings_plan_one_replicate_and_bad_ones_name_their_key() {
        let s = served();
        let ok = s
            .plan_run(&posted(&[("population.strategies.free_rider", json!(0.4)), ("run.steps", json!(20))]), 7)
            .unwrap();
        assert_eq!((ok.plan.run.replicates, ok.plan.run.seed, ok.plan.run.steps), (1, 7, 20));
        assert!(ok.plan.run.warmup < 20);
        // A page sends whole numbers without a decimal point (JSON has one kind of number).
        let whole = posted(&[("population.strategies.free_rider", json!(0)), ("policy.tax.rate", json!(0))]);
        let p = s.plan_run(&whole, 7).unwrap();
        assert_eq!(p.plan.world.population.strategies.free_rider, 0.0);
        let bad = s.plan_run(&posted(&[("population.strategies.free_rider", json!(1.5))]), 7).unwrap_err();
        assert_eq!(bad.key.as_deref(), Some("population.strategies.free_rider"));
        assert!(bad.message.contains("population.strategies.free_rider"), "{}", bad.message);
        let bad = s.plan_run(&posted(&[("resource.governance", json!("nobody"))]), 7).unwrap_err();
        assert_eq!(bad.key.as_deref(), Some("resource.governance"), "{}", bad.message);
        assert!(bad.message.contains("ostrom"), "{}", bad.message);
        let big = s.plan_run(&posted(&[("run.agents", json!(1_000_000))]), 7).unwrap_err();
        assert_eq!(big.key.as_deref(), Some("run.agents"));
        let dense = s.plan_run(&posted(&[("population.network.degree", json!(1000))]), 7).unwrap_err();
        assert_eq!(dense.key.as_deref(), Some("population.network.degree"), "{}", dense.message);
        for key in ["run.replicates", "regimes", "output.dir"] {
            let e = s.plan_run(&posted(&[(key, json!(2))]), 7).unwrap_err();
            assert_eq!(e.key.as_deref(), Some(key));
        }
        assert!(s.plan_run(&posted(&[("policy.tax.rate", Json::Null)]), 7).is_err());
    }

    #[test]
    fn a_network_kind_brings_the_keys_it_needs() {
        let s = served();
        for kind in ["ring", "small_world", "scale_free", "complete"] {
            let p = s.plan_run(&posted(&[("population.network.kind", json!(kind)), ("run.agents", json!(50))]), 1);
            assert!(p.is_ok(), "{kind}: {:?}", p.err());
        }
        let e = s.plan_run(&posted(&[("population.network.kind", json!("torus"))]), 1).unwrap_err();
        assert!(e.message.contains("small_world"), "{}", e.message);
    }

    #[test]
    fn a_served_file_that_records_every_fifth_step_gives_runs_that_record_every_step() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sparse.toml");
        let text =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/showcase.toml")).unwrap();
        std::fs::write(&path, text.replacen("[output]", "[output]\nrecord_every = 5", 1)).unwrap();
        let s = Served::load(&path, Limits::default()).unwrap();
        assert_eq!(s.plan.output.record_every, 5);
        let run = s.plan_run(&[], 3).unwrap();
        assert_eq!(run.plan.output.record_every, 1, "the page streams every step");
        let again = plan::parse(&s.toml_of(&run, "x", 12).unwrap(), None, &Overrides::default()).unwrap();
        assert_eq!(again.output.record_every, 1, "the download records what the page showed");
    }

    #[test]
    fn the_toml_of_a_run_plans_the_same_run_for_fewer_steps() {
        let s = served();
        let run = s.plan_run(&posted(&[("policy.tax.rate", json!(0.1)), ("run.steps", json!(200))]), 5).unwrap();
        let text = s.toml_of(&run, "abc", 3).unwrap();
        let again = plan::parse(&text, None, &Overrides::default()).unwrap();
        assert_eq!((again.run.steps, again.run.replicates, again.run.seed), (3, 1, 5));
        assert!(again.run.warmup < 3);
        assert_eq!(again.entries[0].policy.tax.rate, 0.1);
        assert_eq!(again.output_dir, PathBuf::from("output/showcase_classroom_abc"));
    }
}

#[cfg(test)]
mod acts;
mod controls;
use controls::controls;
