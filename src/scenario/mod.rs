//! Scenarios: TOML files in, checked [`Scenario`]s out.
//!
//! Parsing happens in two stages, as ripgrep does with its flags: serde reads the text into
//! [`ScenarioFile`] (a mirror of the file, with defaults), then [`validate`] checks every
//! value and resolves regime entries and variants into what the engine runs. Every error
//! names the file, the line and the key, and says what is allowed.

mod file;
pub mod source;
pub mod validate;

pub use file::*;

use crate::error::{Error, InputError};
use crate::regimes::{self, RegimeInfo};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Values given on the command line that take precedence over the file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    /// `--agents`.
    pub agents: Option<u64>,
    /// `--steps`.
    pub steps: Option<u64>,
    /// `--replicates`.
    pub replicates: Option<u64>,
    /// `--seed`.
    pub seed: Option<u64>,
    /// `--out`: the run's files go directly into this folder, wherever it is.
    pub out: Option<PathBuf>,
}

/// One regime entry of the scenario, resolved.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The entry as listed, `kind` or `kind:label`; this is what outputs call it.
    pub label: String,
    /// The regime kind's registry entry.
    pub info: &'static RegimeInfo,
    /// The scenario with this entry's variant applied and checked.
    pub cfg: ScenarioFile,
}

impl std::fmt::Debug for RegimeInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// A checked scenario, ready to run.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The file with every default filled in and command-line overrides applied.
    pub file: ScenarioFile,
    /// Regime entries in the order listed.
    pub entries: Vec<Entry>,
    /// Where the file was read from, if it was.
    pub path: Option<PathBuf>,
    /// The folder the run writes into.
    pub output_dir: PathBuf,
}

impl Scenario {
    /// The resolved scenario as TOML: every key with its value, defaults included.
    pub fn resolved_toml(&self) -> String {
        toml::to_string(&self.file).unwrap_or_else(|e| format!("# could not print the resolved scenario: {e}\n"))
    }

    /// The entry named `label`.
    pub fn entry(&self, label: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.label == label)
    }
}

/// Reads, parses and checks a scenario file.
pub fn load(path: &Path, overrides: &Overrides) -> Result<Scenario, Error> {
    let bytes = std::fs::read(path)
        .map_err(|e| InputError::new(format!("cannot read the scenario file: {e}")).in_file(path))?;
    let src = String::from_utf8(bytes)
        .map_err(|_| InputError::new("the file is not UTF-8 text, so it cannot be TOML").in_file(path))?;
    parse(&src, Some(path), overrides).map_err(Error::from)
}

/// Parses and checks scenario text; `path` is only used in messages.
pub fn parse(src: &str, path: Option<&Path>, overrides: &Overrides) -> Result<Scenario, InputError> {
    let with_file = |e: InputError| match path {
        Some(p) => e.in_file(p),
        None => e,
    };
    let mut file = deserialize_file(src, "").map_err(with_file)?;
    apply_overrides(&mut file, overrides);
    validate::resolve_defaults(&mut file);
    let located = |e: InputError| {
        let e = if e.position.is_none() && !e.key.as_deref().unwrap_or("").starts_with("--") {
            let pos = e.key.as_deref().and_then(|k| source::locate(src, k));
            InputError { position: pos, ..e }
        } else {
            e
        };
        with_file(e)
    };
    validate::check(&file, overrides).map_err(located)?;
    let entries = resolve_entries(&file, src).map_err(located)?;
    let output_dir = match &overrides.out {
        Some(dir) => dir.clone(),
        None => PathBuf::from(&file.output.dir),
    };
    Ok(Scenario { file, entries, path: path.map(Path::to_path_buf), output_dir })
}

/// Deserialises a whole file; `prefix` is prepended to key paths in errors (for variants).
fn deserialize_file(src: &str, prefix: &str) -> Result<ScenarioFile, InputError> {
    let de = toml::Deserializer::parse(src).map_err(|e| toml_error(src, "", &e))?;
    serde_path_to_error::deserialize::<_, ScenarioFile>(de).map_err(|e| {
        let path = e.path().to_string();
        toml_error(src, &join(prefix, &path), e.inner())
    })
}

fn join(prefix: &str, path: &str) -> String {
    match (prefix.is_empty(), path.is_empty() || path == ".") {
        (_, true) => prefix.to_string(),
        (true, false) => path.to_string(),
        (false, false) => format!("{prefix}.{path}"),
    }
}

/// Turns a TOML or serde error into an [`InputError`] with a position and, for unknown keys
/// and values, a "did you mean" suggestion.
fn toml_error(src: &str, key: &str, e: &toml::de::Error) -> InputError {
    let message = e
        .message()
        .trim()
        .replace("expected u64", "expected a whole number, 0 or more")
        .replace("expected f64", "expected a number")
        .replace("missing field", "missing key");
    let position = e.span().map(|s| source::line_col(src, s.start)).or_else(|| source::locate(src, key));
    let mut err = InputError {
        key: (!key.is_empty()).then(|| key.to_string()),
        position,
        message: message.clone(),
        ..Default::default()
    };
    if let Some((word, allowed)) = source::parse_unknown(&message) {
        let list = allowed.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ");
        let kind = if message.starts_with("unknown field") { "keys" } else { "values" };
        err.message = format!("unknown {} `{word}`", if kind == "keys" { "key" } else { "value" });
        err.help = Some(match source::did_you_mean(&word, allowed.iter().map(String::as_str)) {
            Some(best) => format!("did you mean `{best}`? allowed {kind}: {list}"),
            None => format!("allowed {kind}: {list}"),
        });
    } else if message.starts_with("missing key") {
        err.help = Some("see `docs/ODD.md` or `agora validate` on a bundled scenario for every key".into());
    }
    err
}

fn apply_overrides(file: &mut ScenarioFile, o: &Overrides) {
    if let Some(v) = o.agents {
        file.run.agents = v;
    }
    if let Some(v) = o.steps {
        file.run.steps = v;
    }
    if let Some(v) = o.replicates {
        file.run.replicates = v;
    }
    if let Some(v) = o.seed {
        file.run.seed = v;
    }
}

/// Sections a variant may not change: they define the run, not a regime's rules.
const FIXED_IN_VARIANTS: &[&str] =
    &["name", "description", "question", "mode", "regimes", "baseline", "run", "output", "variant"];

fn resolve_entries(file: &ScenarioFile, src: &str) -> Result<Vec<Entry>, InputError> {
    let mut entries: Vec<Entry> = Vec::new();
    for (i, listed) in file.regimes.iter().enumerate() {
        let key = format!("regimes[{i}]");
        let kind = regimes::kind_of(listed);
        let info = regimes::find(kind).ok_or_else(|| {
            let names: Vec<&str> = regimes::REGIMES.iter().map(|r| r.name).collect();
            let err = InputError::at(&key, format!("unknown regime `{kind}`"));
            match source::did_you_mean(kind, names.iter().copied()) {
                Some(best) => err.help(format!("did you mean `{best}`? known regimes: {}", names.join(", "))),
                None => err.help(format!("known regimes: {}", names.join(", "))),
            }
        })?;
        if entries.iter().any(|e| &e.label == listed) {
            return Err(InputError::at(&key, format!("`{listed}` is listed twice"))
                .help("list a regime twice under two labels, such as `market` and `market:copy` with a `[variant.copy]` table"));
        }
        let cfg = match listed.split_once(':') {
            None => file.clone(),
            Some((_, label)) => {
                let overlay = file.variant.get(label).ok_or_else(|| {
                    let known: Vec<&str> = file.variant.keys().map(String::as_str).collect();
                    InputError::at(&key, format!("no `[variant.{label}]` table for `{listed}`")).help(
                        if known.is_empty() {
                            format!(
                                "add a `[variant.{label}]` table with the keys this entry changes (it may be empty)"
                            )
                        } else {
                            format!("variants in this file: {}", known.join(", "))
                        },
                    )
                })?;
                variant_config(file, label, overlay, src)?
            }
        };
        (info.validate)(&cfg).map_err(|mut e| {
            if let (Some(_), Some((_, label))) = (&e.key, listed.split_once(':')) {
                // Point at the variant's key if the variant set it, else at the base key.
                let k = e.key.clone().unwrap_or_default();
                let in_variant = format!("variant.{label}.{k}");
                if source::locate(src, &in_variant).is_some() && has_path(&file.variant[label], &k) {
                    e.key = Some(in_variant);
                }
            }
            e
        })?;
        entries.push(Entry { label: listed.clone(), info, cfg });
    }
    money_and_coexist(file, &entries)?;
    for (label, _) in file.variant.iter() {
        if !file.regimes.iter().any(|r| r.split_once(':').map(|(_, l)| l) == Some(label.as_str())) {
            return Err(InputError::at(
                format!("variant.{label}"),
                format!("variant `{label}` is not used by any entry of `regimes`"),
            )
            .help(format!("list it as `<regime>:{label}` in `regimes`, or remove the table")));
        }
    }
    Ok(entries)
}

fn has_path(table: &toml::Table, dotted: &str) -> bool {
    let mut t = table;
    let parts: Vec<&str> = dotted.split('.').collect();
    for (i, p) in parts.iter().enumerate() {
        let p = p.split('[').next().unwrap_or(p);
        match t.get(p) {
            Some(toml::Value::Table(inner)) if i + 1 < parts.len() => t = inner,
            Some(_) => return true,
            None => return false,
        }
    }
    true
}

/// The scenario with `[variant.<label>]` laid over it, deserialised and checked.
fn variant_config(
    file: &ScenarioFile,
    label: &str,
    overlay: &toml::Table,
    src: &str,
) -> Result<ScenarioFile, InputError> {
    let prefix = format!("variant.{label}");
    for key in overlay.keys() {
        if FIXED_IN_VARIANTS.contains(&key.as_str()) {
            return Err(InputError::at(format!("{prefix}.{key}"), format!("a variant cannot change `{key}`"))
                .help("variants change the rules of a regime (its table, `policy`, `population`, `resource`, `knowledge`, `adapt`), not the run"));
        }
    }
    let mut base = toml::Value::try_from(file).map_err(|e| InputError::new(format!("internal: {e}")))?;
    if let toml::Value::Table(t) = &mut base {
        t.remove("variant");
        merge(t, overlay);
    }
    let merged: ScenarioFile = serde_path_to_error::deserialize(base).map_err(|e| {
        let key = join(&prefix, &e.path().to_string());
        let mut err = toml_error(src, &key, e.inner());
        err.position = source::locate(src, &key);
        err
    })?;
    validate::check(&merged, &Overrides::default()).map_err(|mut e| {
        if let Some(k) = &e.key {
            if has_path(overlay, k) {
                e.key = Some(format!("{prefix}.{k}"));
            }
        }
        e
    })?;
    Ok(merged)
}

/// Lays `overlay` over `base`: tables merge key by key, anything else replaces. A table that
/// names its own `kind` or `dist` (a network, a limit, a distribution) replaces the base table
/// whole, since its keys depend on that tag.
fn merge(base: &mut toml::Table, overlay: &toml::Table) {
    for (k, v) in overlay {
        match (base.get_mut(k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o))
                if !o.contains_key("kind") && !o.contains_key("dist") =>
            {
                merge(b, o)
            }

            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

/// The bundled scenarios: `(file name, name, description)` for each `scenarios/*.toml`
/// (and `scenarios/validation/*.toml`) under `root`, sorted by path.
pub fn bundled(root: &Path) -> Vec<(PathBuf, String, String)> {
    let mut paths = Vec::new();
    for dir in [root.to_path_buf(), root.join("validation")] {
        if let Ok(read) = std::fs::read_dir(&dir) {
            for entry in read.flatten() {
                let p = entry.path();
                if p.extension().is_some_and(|e| e == "toml") {
                    paths.push(p);
                }
            }
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let parsed = std::fs::read_to_string(&p).ok().and_then(|s| toml::from_str::<toml::Table>(&s).ok());
            let field =
                |k: &str| parsed.as_ref().and_then(|t| t.get(k)).and_then(|v| v.as_str()).unwrap_or("").to_string();
            let (name, description) = (field("name"), field("description"));
            (p, name, description)
        })
        .collect()
}

/// Variant tables kept as written (their defaults are the base scenario's values).
pub type Variants = BTreeMap<String, toml::Table>;

/// Regime kinds whose members hold money or credit.
const MONEY_REGIMES: &[&str] = &["market", "mutual_credit"];

/// Checks that need the resolved entries: basic income in money only where there is money;
/// coexist shares by entry, and variants that change only what one world can differ in.
fn money_and_coexist(file: &ScenarioFile, entries: &[Entry]) -> Result<(), InputError> {
    for e in entries {
        let bi = &e.cfg.policy.basic_income;
        if bi.amount > 0.0 && bi.paid_in == PaidIn::Money && !MONEY_REGIMES.contains(&e.info.name) {
            return Err(InputError::at("policy.basic_income.in", format!("`{}` has no money to pay a basic income in", e.label))
                .help("pay it in goods (in = \"goods\"), which every regime can, or list only market and mutual_credit entries"));
        }
    }
    if file.mode != Mode::Coexist {
        return Ok(());
    }
    if entries.len() > crate::engine::MAX_SLOTS {
        return Err(InputError::at(
            "regimes",
            format!("coexist mode hosts at most {} regimes", crate::engine::MAX_SLOTS),
        ));
    }
    let shares = &file.coexist.shares;
    for label in shares.keys() {
        if !entries.iter().any(|e| &e.label == label) {
            let labels: Vec<&str> = entries.iter().map(|e| e.label.as_str()).collect();
            let err = InputError::at(
                format!("coexist.shares.{label}"),
                format!("`{label}` is not one of the listed regimes"),
            );
            return Err(match source::did_you_mean(label, labels.iter().copied()) {
                Some(b) => err.help(format!("did you mean `{b}`? regimes: {}", labels.join(", "))),
                None => err.help(format!("regimes: {}", labels.join(", "))),
            });
        }
    }
    if let Some(e) = entries.iter().find(|e| !shares.contains_key(&e.label)) {
        return Err(InputError::at("coexist.shares", format!("gives no share for `{}`", e.label))
            .help("give every listed regime its initial share of agents, for example shares = { market = 0.7, commons = 0.3 }"));
    }
    let sum: f64 = shares.values().sum();
    if (sum - 1.0).abs() > 1e-9 {
        return Err(InputError::at("coexist.shares", format!("shares sum to {sum}, not 1")));
    }
    // One world: a variant may change its regime's rules and policies, not the world.
    for e in entries {
        for section in ["population", "resource", "knowledge", "adapt", "coexist"] {
            let base = toml::Value::try_from(file).ok().and_then(|v| v.get(section).cloned());
            let mine = toml::Value::try_from(&e.cfg).ok().and_then(|v| v.get(section).cloned());
            if base != mine {
                let label = e.label.split_once(':').map_or("", |(_, l)| l);
                return Err(InputError::at(
                    format!("variant.{label}.{section}"),
                    format!("in coexist mode all regimes share one world, so a variant cannot change `{section}`"),
                )
                .help("change it for the whole scenario, or use mode = \"compare\""));
            }
        }
    }
    Ok(())
}
