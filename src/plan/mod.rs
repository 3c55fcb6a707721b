//! The plan: a checked scenario file resolved against the regime registry into what the
//! engine runs. Each regime entry gets its regime's configuration (its table read and checked
//! by the registry), the world it lives in, its policy, and the columns it writes; the run gets
//! its metric layout and its resolved TOML. The engine and the regimes read the plan, never
//! the file.

mod inactive;

use crate::error::{Error, InputError};
use crate::metrics::{Layout, MetricDef};
use crate::regimes::{self, BuildEnv, ConfigError, RegimeConfig, RegimeInfo, Traits};
use crate::scenario::{
    self, kind_of, source, AdaptConfig, Mode, OutputConfig, Overrides, PaidIn, PolicyConfig, RunConfig, ScenarioFile,
    Shock, Source,
};
use crate::world::WorldSpec;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Most regimes one world can host (coexist mode).
pub const MAX_SLOTS: usize = 32;

/// One regime entry, resolved.
#[derive(Debug, Clone)]
pub struct EntryPlan {
    /// The entry as listed, `kind` or `kind:label`; this is what outputs call it.
    pub label: String,
    /// The regime kind's registry entry.
    pub info: &'static RegimeInfo,
    /// Its checked configuration (the entry's variant applied).
    pub config: Box<dyn RegimeConfig>,
    /// What its members are and hold.
    pub traits: Traits,
    /// The world it lives in (compare mode: its own world).
    pub world: WorldSpec,
    /// Strategy imitation in its world.
    pub adapt: AdaptConfig,
    /// Its policies and shocks.
    pub policy: PolicyConfig,
    /// The columns of its own metrics in the run's layout.
    pub columns: Vec<(&'static str, usize)>,
}

impl EntryPlan {
    /// The world's institutions (the resource's governance, knowledge's property rule) that
    /// this entry's variant sets otherwise than the scenario's `world`, as `key = value`: an
    /// entry with any is an institutional bundle, allocation plus these rules.
    pub fn bundle(&self, world: &WorldSpec) -> Vec<String> {
        let mut out = Vec::new();
        let (mine, theirs) = (&self.world, world);
        if mine.resource.governance != theirs.resource.governance {
            out.push(format!("resource.governance = \"{}\"", mine.resource.governance.name()));
        }
        if mine.knowledge.property != theirs.knowledge.property {
            out.push(format!("knowledge.property = \"{}\"", mine.knowledge.property.name()));
        }
        out
    }
}

/// Coexist mode: how the one world is shared.
#[derive(Debug, Clone, PartialEq)]
pub struct CoexistPlan {
    /// Initial share of agents of each entry, in entry order.
    pub shares: Vec<f64>,
    /// Probability per step that an agent considers moving to a neighbour's regime.
    pub migrate: f64,
    /// Whether the market is open to members of every regime.
    pub cross_trade: bool,
}

/// A scenario ready to run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Scenario name.
    pub name: String,
    /// Size, length, seed, threads and warm-up.
    pub run: RunConfig,
    /// Compare or coexist.
    pub mode: Mode,
    /// The regime entries in the order listed.
    pub entries: Vec<EntryPlan>,
    /// The entry paired comparisons are made against.
    pub baseline: String,
    /// The world of coexist mode, and the network entries share unless a variant changes it.
    pub world: WorldSpec,
    /// Imitation and migration in coexist mode's one world.
    pub adapt: AdaptConfig,
    /// Shocks of coexist mode's one world.
    pub shocks: Vec<Shock>,
    /// Coexist mode's shares and migration.
    pub coexist: Option<CoexistPlan>,
    /// What is written, and the steps of agent snapshots.
    pub output: OutputConfig,
    /// The metric columns.
    pub layout: Layout,
    /// The scenario as run, every default filled in (`scenario.resolved.toml`).
    pub resolved_toml: String,
    /// Where the scenario was read from, if it was.
    pub path: Option<PathBuf>,
    /// The folder the run writes into.
    pub output_dir: PathBuf,
    /// Settings that were accepted but act on nothing in this scenario, each naming its key.
    pub warnings: Vec<InputError>,
}

impl Plan {
    /// The entry named `label`.
    pub fn entry(&self, label: &str) -> Option<&EntryPlan> {
        self.entries.iter().find(|e| e.label == label)
    }

    /// The steps at which agents are written out.
    pub fn snapshot_steps(&self) -> &[u64] {
        self.output.snapshots.as_deref().unwrap_or(&[])
    }

    /// Worlds per replicate: one per entry in compare mode, one in coexist mode.
    pub fn worlds(&self) -> u64 {
        match self.mode {
            Mode::Compare => self.entries.len() as u64,
            Mode::Coexist => 1,
        }
    }

    /// What a regime learns of its world when built.
    pub fn build_env(&self) -> BuildEnv {
        match &self.coexist {
            Some(c) => BuildEnv { coexist: true, cross_trade: c.cross_trade },
            None => BuildEnv::default(),
        }
    }
}

/// Reads, parses, checks and plans a scenario file.
pub fn load(path: &Path, overrides: &Overrides) -> Result<Plan, Error> {
    let src = scenario::read(path)?;
    let mut plan = plan(&src, overrides).map_err(Error::from)?;
    // `--out` takes the place of the file's own folder, which then does nothing.
    let written = src.text.parse::<toml::Table>().ok().and_then(|t| t.get("output")?.get("dir").cloned());
    if let (Some(out), Some(dir)) = (&overrides.out, written) {
        let dir = dir.as_str().map_or_else(|| dir.to_string(), str::to_string);
        plan.warnings.push(
            src.locate(
                InputError::at("output.dir", format!("`{dir}` is not used: --out {} takes its place", out.display()))
                    .help("drop --out to write into the file's folder, or remove `dir` from `[output]`"),
            ),
        );
    }
    Ok(plan)
}

/// Parses, checks and plans scenario text.
pub fn parse(text: &str, path: Option<&Path>, overrides: &Overrides) -> Result<Plan, InputError> {
    plan(&Source { text: text.to_string(), path: path.map(Path::to_path_buf) }, overrides)
}

/// Plans a scenario from its source.
pub fn plan(src: &Source, overrides: &Overrides) -> Result<Plan, InputError> {
    let (file, problems) = scenario::parse_all(src, overrides)?;
    resolve(file, src, overrides, problems).map_err(|e| src.locate(e))
}

fn world_of(f: &ScenarioFile) -> WorldSpec {
    WorldSpec {
        agents: f.run.agents as usize,
        population: f.population.clone(),
        resource: f.resource.clone(),
        knowledge: f.knowledge.clone(),
    }
}

/// Turns a regime table's refusal into an input error keyed `prefix.path`.
fn config_error(src: &str, prefix: &str, e: ConfigError) -> InputError {
    match e {
        ConfigError::Toml(path, err) => {
            let key = scenario::join(prefix, &path);
            let mut e = scenario::toml_error(src, &key, &err);
            e.position = source::locate(src, &key);
            e
        }
        ConfigError::Check(e) => e,
        ConfigError::Other(path, message, help) => {
            let key = scenario::join(prefix, &path);
            let position = source::locate(src, &key);
            InputError { position, ..InputError::at(key, message).help(help) }
        }
    }
}

/// Resolves the file against the registry. `problems` are those the file's own checks found;
/// the regimes' tables and entries are checked too, and every problem is reported at once.
fn resolve(
    file: ScenarioFile,
    src: &Source,
    overrides: &Overrides,
    mut problems: Vec<InputError>,
) -> Result<Plan, InputError> {
    let text = &src.text;
    // Every top-level table is a shared section or a regime's.
    for name in file.tables.keys() {
        if !regimes::REGIMES.iter().any(|r| r.table == Some(name.as_str())) {
            let known: Vec<&str> =
                scenario::SECTIONS.iter().copied().chain(regimes::REGIMES.iter().filter_map(|r| r.table)).collect();
            let list = known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
            let err = InputError::at(name.as_str(), format!("unknown table `{name}`"));
            problems.push(src.locate(match source::did_you_mean(name, known.iter().copied()) {
                Some(best) => err.help(format!("did you mean `{best}`? allowed keys: {list}")),
                None => err.help(format!("allowed keys: {list}")),
            }));
        }
    }
    // The regimes listed, in registry order; their tables as written, read and checked. A
    // table of a regime that is not listed acts on nothing: a warning names it.
    let listed: Vec<&'static RegimeInfo> =
        regimes::REGIMES.iter().filter(|r| file.regimes.iter().any(|e| kind_of(e) == r.name)).collect();
    let mut warnings = Vec::new();
    for name in file.tables.keys() {
        if !listed.iter().any(|r| r.table == Some(name.as_str())) {
            let owner = regimes::REGIMES.iter().find(|r| r.table == Some(name.as_str())).map_or("", |r| r.name);
            warnings.push(
                src.locate(
                    InputError::at(
                        name.as_str(),
                        format!("the `[{name}]` table is ignored: no `{owner}` entry is listed in `regimes`"),
                    )
                    .help(format!("add \"{owner}\" to `regimes`, or remove the table")),
                ),
            );
        }
    }
    let mut base: BTreeMap<&'static str, Box<dyn RegimeConfig>> = BTreeMap::new();
    for info in &listed {
        if let Some(table) = info.table {
            match (info.configure)(file.tables.get(table)) {
                Ok(cfg) => {
                    base.insert(table, cfg);
                }
                Err(e) => problems.push(src.locate(config_error(text, table, e))),
            }
        }
    }
    // The file as a table, regime tables resolved, for laying variants over it.
    let base_table = || -> Result<toml::Table, InputError> {
        let mut t = file.to_table().map_err(|e| InputError::new(format!("internal: {e}")))?;
        for (table, cfg) in &base {
            t.insert(table.to_string(), cfg.to_value());
        }
        Ok(t)
    };
    let mut entries: Vec<EntryPlan> = Vec::new();
    let mut entry_files: Vec<ScenarioFile> = Vec::new();
    for (i, listed) in file.regimes.iter().enumerate() {
        let key = format!("regimes[{i}]");
        let kind = kind_of(listed);
        let Some(info) = regimes::find(kind) else {
            let names: Vec<&str> = regimes::REGIMES.iter().map(|r| r.name).collect();
            let err = InputError::at(&key, format!("unknown regime `{kind}`"));
            problems.push(src.locate(match source::did_you_mean(kind, names.iter().copied()) {
                Some(best) => err.help(format!("did you mean `{best}`? known regimes: {}", names.join(", "))),
                None => err.help(format!("known regimes: {}", names.join(", "))),
            }));
            continue;
        };
        // A regime whose table was refused above has its problem reported already.
        if info.table.is_some_and(|t| !base.contains_key(t)) {
            continue;
        }
        let resolved: Result<(ScenarioFile, Box<dyn RegimeConfig>), InputError> = (|| {
            Ok(match listed.split_once(':') {
                None => {
                    let config = match info.table {
                        Some(t) => base
                            .get(t)
                            .cloned()
                            .ok_or_else(|| InputError::new("internal: a listed regime without its table"))?,
                        None => (info.configure)(None).map_err(|e| config_error(text, "", e))?,
                    };
                    (file.clone(), config)
                }
                Some((_, label)) => {
                    let overlay = file.variant.get(label).ok_or_else(|| {
                        let known: Vec<&str> = file.variant.keys().map(String::as_str).collect();
                        InputError::at(&key, format!("no `[variant.{label}]` table for `{listed}`")).help(
                            match source::did_you_mean(label, known.iter().copied()) {
                                _ if known.is_empty() => format!(
                                "add a `[variant.{label}]` table with the keys this entry changes (it may be empty)"
                            ),
                                Some(best) => {
                                    format!("did you mean `{kind}:{best}`? variants in this file: {}", known.join(", "))
                                }
                                None => format!("variants in this file: {}", known.join(", ")),
                            },
                        )
                    })?;
                    let merged = scenario::overlay(base_table()?, label, overlay, text)?;
                    let prefix = format!("variant.{label}");
                    let config = match info.table {
                        Some(t) => (info.configure)(merged.tables.get(t)).map_err(|e| match e {
                            ConfigError::Toml(..) => config_error(text, &format!("{prefix}.{t}"), e),
                            ConfigError::Other(ref path, ..) => {
                                // The variant's key if the variant wrote it, else the base table's.
                                let table = if scenario::has_path(overlay, &format!("{t}.{path}")) {
                                    prefix.clone() + "." + t
                                } else {
                                    t.to_string()
                                };
                                config_error(text, &table, e)
                            }
                            ConfigError::Check(mut e) => {
                                // Point at the variant's key if the variant set it, else at the base key.
                                if let Some(k) = e.key.clone() {
                                    let in_variant = format!("{prefix}.{k}");
                                    if source::locate(text, &in_variant).is_some() && scenario::has_path(overlay, &k) {
                                        e.key = Some(in_variant);
                                    }
                                }
                                e
                            }
                        })?,
                        None => (info.configure)(None).map_err(|e| config_error(text, "", e))?,
                    };
                    (merged, config)
                }
            })
        })();
        let (cfg, config) = match resolved {
            Ok(r) => r,
            Err(e) => {
                problems.push(src.locate(e));
                continue;
            }
        };
        let traits = config.traits();
        entries.push(EntryPlan {
            label: listed.clone(),
            info,
            config,
            traits,
            world: world_of(&cfg),
            adapt: cfg.adapt.clone(),
            policy: cfg.policy.clone(),
            columns: Vec::new(),
        });
        entry_files.push(cfg);
    }
    // `baseline = "market"` beside `regimes = ["markt"]` is the typo in the list, not in the
    // baseline: its "not listed" goes.
    let near = |e: &str| source::did_you_mean(kind_of(e), regimes::REGIMES.iter().map(|r| r.name));
    if regimes::find(kind_of(&file.baseline)).is_some()
        && file.regimes.iter().any(|e| regimes::find(kind_of(e)).is_none() && near(e) == Some(kind_of(&file.baseline)))
    {
        problems.retain(|p| p.key.as_deref() != Some("baseline"));
    }
    // `gift:slow` beside `[variant.slwo]` is one typo, reported at the entry: the variant's
    // "not used" goes.
    for label in file.regimes.iter().filter_map(|e| e.split_once(':').map(|x| x.1)) {
        if !file.variant.contains_key(label) {
            if let Some(near) = source::did_you_mean(label, file.variant.keys().map(String::as_str)) {
                let key = format!("variant.{near}");
                problems.retain(|p| p.key.as_deref() != Some(key.as_str()));
            }
        }
    }
    if let Some(all) = InputError::all(problems) {
        return Err(all);
    }
    let coexist = money_and_coexist(&file, &entries, &entry_files)?;
    warnings.extend(file.notes.iter().cloned());
    warnings.extend(inactive::warnings(&file, &entries, src));
    // The listed regimes' metrics have columns, in registry order.
    let regime_metrics: Vec<&MetricDef> = listed.iter().flat_map(|r| r.metrics.iter()).collect();
    let layout = Layout::new(regime_metrics, crate::policy::METRICS, &file.population.goods);
    for e in &mut entries {
        e.columns = layout.regime_columns(e.info.metrics);
    }
    let sections: Vec<String> =
        base.iter().map(|(t, c)| (registry_rank(t), c.section(t))).collect::<BTreeMap<_, _>>().into_values().collect();
    let resolved_toml = file.to_toml(Some(&sections));
    let output_dir = match &overrides.out {
        Some(dir) => dir.clone(),
        None => PathBuf::from(&file.output.dir),
    };
    Ok(Plan {
        name: file.name.clone(),
        run: file.run.clone(),
        mode: file.mode,
        entries,
        baseline: file.baseline.clone(),
        world: world_of(&file),
        adapt: file.adapt.clone(),
        shocks: file.policy.shocks.clone(),
        coexist,
        output: file.output.clone(),
        layout,
        resolved_toml,
        path: src.path.clone(),
        output_dir,
        warnings,
    })
}

/// Refuses money or credit amounts whose total over the agents would pass what the integer
/// money units hold ([`crate::money::MAX_TOTAL_MONEY`]), rather than let sums wrap.
fn money_fits(file: &ScenarioFile, entries: &[EntryPlan]) -> Result<(), InputError> {
    let agents = file.run.agents;
    let most = crate::money::max_amount_per_agent(agents);
    for e in entries {
        let mut bounds = e.config.money_per_agent();
        let bi = &e.policy.basic_income;
        if bi.paid_in == PaidIn::Money && e.traits.money != crate::money::MoneyKind::None {
            bounds.push(("policy.basic_income.amount", bi.amount));
        }
        for (key, per_agent) in bounds {
            if per_agent <= most {
                continue;
            }
            let label = e.label.split_once(':').map(|(_, l)| l);
            let key = match label.and_then(|l| file.variant.get(l).map(|v| (l, v))) {
                Some((l, v)) if scenario::has_path(v, key) => format!("variant.{l}.{key}"),
                _ => key.to_string(),
            };
            let what = if !per_agent.is_finite() {
                "a distribution with an infinite mean (a Pareto shape of 1 or less)".to_string()
            } else if per_agent >= 1e9 {
                format!("{per_agent:e} per agent")
            } else {
                format!("{per_agent} per agent")
            };
            return Err(InputError::at(
                key,
                format!(
                    "{what} for {agents} agents passes the {:.3e} units of account one world's integer money can hold",
                    crate::money::MAX_TOTAL_MONEY as f64 / crate::money::MONEY_UNIT as f64
                ),
            )
            .help(format!("allowed: at most {most:.6e} per agent with {agents} agents")));
        }
    }
    Ok(())
}

/// The place of a regime table in the registry, for printing tables in registry order.
fn registry_rank(table: &str) -> usize {
    regimes::REGIMES.iter().position(|r| r.table == Some(table)).unwrap_or(usize::MAX)
}

/// Checks that need the resolved entries: basic income in money only where there is money;
/// coexist shares by entry, and variants that change only what one world can differ in.
fn money_and_coexist(
    file: &ScenarioFile,
    entries: &[EntryPlan],
    files: &[ScenarioFile],
) -> Result<Option<CoexistPlan>, InputError> {
    money_fits(file, entries)?;
    for e in entries {
        let bi = &e.policy.basic_income;
        if bi.amount > 0.0 && bi.paid_in == PaidIn::Money && e.traits.money == crate::money::MoneyKind::None {
            return Err(InputError::at(
                "policy.basic_income.in",
                format!("`{}` has no money to pay a basic income in", e.label),
            )
            .help(
                "pay it in goods (in = \"goods\"), which every regime can, or list only regimes with money or credit",
            ));
        }
    }
    if file.mode != Mode::Coexist {
        return Ok(None);
    }
    // One world measures wellbeing as needs met: a model without goods (a money-exchange null
    // model, the donation game) has no needs to compare, so its members could not migrate.
    if let Some((i, e)) = entries.iter().enumerate().find(|(_, e)| !e.traits.material) {
        return Err(InputError::at(
            format!("regimes[{i}]"),
            format!("`{}` has no goods, so it cannot share a world with other regimes", e.label),
        )
        .help("coexist mode compares needs met; run money-exchange models and the donation game in compare mode"));
    }
    if entries.len() > MAX_SLOTS {
        return Err(InputError::at("regimes", format!("coexist mode hosts at most {MAX_SLOTS} regimes")));
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
    let (Ok(base), true) = (file.to_table(), files.len() == entries.len()) else {
        return Err(InputError::new("internal: cannot compare the entries' worlds"));
    };
    for (e, f) in entries.iter().zip(files) {
        let mine = f.to_table().unwrap_or_default();
        for section in ["population", "resource", "knowledge", "adapt", "coexist"] {
            if base.get(section) != mine.get(section) {
                let label = e.label.split_once(':').map_or("", |(_, l)| l);
                return Err(InputError::at(
                    format!("variant.{label}.{section}"),
                    format!("in coexist mode all regimes share one world, so a variant cannot change `{section}`"),
                )
                .help("change it for the whole scenario, or use mode = \"compare\""));
            }
        }
    }
    let shares = entries.iter().map(|e| shares.get(&e.label).copied().unwrap_or(0.0)).collect();
    Ok(Some(CoexistPlan { shares, migrate: file.coexist.migrate, cross_trade: file.coexist.cross_trade }))
}
