//! The scenario file as written: the sections every scenario shares, typed, and the tables of
//! regimes (`[market]`, `[gift]`, ...) kept as written.
//!
//! This layer knows no regime. A top-level table it does not know is kept in
//! [`ScenarioFile::tables`] for the plan, which reads it through the regime registry (and
//! refuses it, with a suggestion, if no regime owns it). Serialising the file gives the
//! resolved scenario that `agora validate` prints and every run saves; the plan inserts the
//! regimes' resolved tables between `[coexist]` and `[output]`.

use super::output::OutputConfig;
use super::policy::{CoexistConfig, PolicyConfig};
use super::sections::{AdaptConfig, KnowledgeConfig, PopulationConfig, ResourceConfig, RunConfig};
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The whole scenario file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScenarioFile {
    /// Short name; also the default output folder `output/<name>`.
    pub name: String,
    /// One paragraph saying what the scenario shows.
    pub description: String,
    /// The question the scenario asks, shown at the top of the report.
    pub question: String,
    /// `compare` (each regime its own world) or `coexist` (one world, regimes side by side).
    pub mode: Mode,
    /// The regimes to run, as `kind` or `kind:label` (a labelled variant, see `[variant.<label>]`).
    pub regimes: Vec<String>,
    /// The regime entry that paired comparisons are made against; default the first listed.
    pub baseline: String,
    /// Length, size, seed and parallelism of the run.
    pub run: RunConfig,
    /// Who the agents are: goods, needs, skills, strategies, network.
    pub population: PopulationConfig,
    /// The renewable common-pool resource behind material production.
    pub resource: ResourceConfig,
    /// The non-rival knowledge good and how it raises productivity.
    pub knowledge: KnowledgeConfig,
    /// How agents imitate strategies (and, in coexist mode, regimes).
    pub adapt: AdaptConfig,
    /// Policies for any regime: basic income and the tax that funds it, demurrage, shocks.
    pub policy: PolicyConfig,
    /// Coexist mode: initial regime shares, migration, trade across regimes.
    pub coexist: CoexistConfig,
    /// Every other top-level table, as written: the regimes' own tables, by name.
    pub tables: BTreeMap<String, toml::Table>,
    /// What is written where.
    pub output: OutputConfig,
    /// Labelled variants: `[variant.<label>]` holds keys laid over this scenario for the
    /// entries listed as `<regime>:<label>`.
    pub variant: BTreeMap<String, toml::Table>,
    /// `[sweep]` as written: the points `agora sweep` runs this scenario at, read by
    /// [`super::sweep::SweepConfig::parse`]. It is never part of the scenario a point (or
    /// `agora run`) runs, so [`ScenarioFile::to_toml`] leaves it out.
    pub sweep: Option<toml::Table>,
    /// Defaults the parser adapted because they conflicted with what was written (a default
    /// warm-up longer than the steps), each naming its key: the plan warns about them.
    pub notes: Vec<crate::error::InputError>,
}

/// How regimes are set against each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Every regime runs its own world from the same initial population and random numbers.
    #[default]
    Compare,
    /// One world in which each agent belongs to one regime.
    Coexist,
}

/// The keys of the shared sections, in the order a resolved scenario prints them.
pub const SECTIONS: &[&str] = &[
    "name",
    "description",
    "question",
    "mode",
    "regimes",
    "baseline",
    "run",
    "population",
    "resource",
    "knowledge",
    "adapt",
    "policy",
    "coexist",
    "output",
    "variant",
    "sweep",
];

/// The part of the file printed before the regimes' tables.
#[derive(Serialize)]
struct Head<'a> {
    name: &'a str,
    description: &'a str,
    question: &'a str,
    mode: Mode,
    regimes: &'a [String],
    baseline: &'a str,
    run: &'a RunConfig,
    population: &'a PopulationConfig,
    resource: &'a ResourceConfig,
    knowledge: &'a KnowledgeConfig,
    adapt: &'a AdaptConfig,
    policy: &'a PolicyConfig,
    coexist: &'a CoexistConfig,
}

/// The part printed after them.
#[derive(Serialize)]
struct Tail<'a> {
    output: &'a OutputConfig,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    variant: &'a BTreeMap<String, toml::Table>,
}

impl ScenarioFile {
    fn head(&self) -> Head<'_> {
        Head {
            name: &self.name,
            description: &self.description,
            question: &self.question,
            mode: self.mode,
            regimes: &self.regimes,
            baseline: &self.baseline,
            run: &self.run,
            population: &self.population,
            resource: &self.resource,
            knowledge: &self.knowledge,
            adapt: &self.adapt,
            policy: &self.policy,
            coexist: &self.coexist,
        }
    }

    /// The file as TOML with `sections` (resolved regime tables, as TOML text with their
    /// headers) between `[coexist]` and `[output]`; without them, the tables as written.
    pub fn to_toml(&self, sections: Option<&[String]>) -> String {
        let head = toml::to_string(&self.head()).unwrap_or_else(|e| format!("# could not print the scenario: {e}\n"));
        let tail = toml::to_string(&Tail { output: &self.output, variant: &self.variant })
            .unwrap_or_else(|e| format!("# could not print the scenario: {e}\n"));
        let written: Vec<String>;
        let sections = match sections {
            Some(s) => s,
            None => {
                written = self
                    .tables
                    .iter()
                    .map(|(name, t)| toml::to_string(&BTreeMap::from([(name, t)])).unwrap_or_default())
                    .collect();
                &written
            }
        };
        let mut out = head;
        for s in sections.iter().chain(std::iter::once(&tail)) {
            out.push('\n');
            out.push_str(s);
        }
        out
    }

    /// The file as a TOML table, regime tables as written, for laying variants over it.
    pub fn to_table(&self) -> Result<toml::Table, toml::ser::Error> {
        let mut t = toml::Table::try_from(self.head())?;
        for (name, table) in &self.tables {
            t.insert(name.clone(), toml::Value::Table(table.clone()));
        }
        t.insert("output".into(), toml::Value::try_from(&self.output)?);
        Ok(t)
    }
}

impl<'de> Deserialize<'de> for ScenarioFile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(FileVisitor)
    }
}

struct FileVisitor;

impl<'de> Visitor<'de> for FileVisitor {
    type Value = ScenarioFile;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a scenario: a table with `name`, `regimes` and sections such as `[run]`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ScenarioFile, A::Error> {
        let mut f = ScenarioFile::default();
        let (mut name, mut regimes) = (None, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "name" => name = Some(map.next_value()?),
                "description" => f.description = map.next_value()?,
                "question" => f.question = map.next_value()?,
                "mode" => f.mode = map.next_value()?,
                "regimes" => regimes = Some(map.next_value()?),
                "baseline" => f.baseline = map.next_value()?,
                "run" => f.run = map.next_value()?,
                "population" => f.population = map.next_value()?,
                "resource" => f.resource = map.next_value()?,
                "knowledge" => f.knowledge = map.next_value()?,
                "adapt" => f.adapt = map.next_value()?,
                "policy" => f.policy = map.next_value()?,
                "coexist" => f.coexist = map.next_value()?,
                "output" => f.output = map.next_value()?,
                "variant" => f.variant = map.next_value()?,
                "sweep" => f.sweep = Some(map.next_value()?),
                other => match map.next_value::<toml::Value>()? {
                    // A table this layer does not know: a regime's, for the plan to check.
                    toml::Value::Table(t) => {
                        f.tables.insert(other.to_string(), t);
                    }
                    _ => return Err(de::Error::unknown_field(other, SECTIONS)),
                },
            }
        }
        f.name = name.ok_or_else(|| de::Error::missing_field("name"))?;
        f.regimes = regimes.ok_or_else(|| de::Error::missing_field("regimes"))?;
        Ok(f)
    }
}
