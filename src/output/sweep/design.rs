//! `design.json`: everything about a sweep's design that its tables, charts and page need, and
//! nothing that changes from one run of it to the next. `agora sweep` and `agora slurm` write
//! it once; `agora merge`, the tables, the charts and the page read it. One set of types for
//! the writer and every reader, typed as `[sweep]` is ([`DesignKind`], [`SeedMode`],
//! [`StopRule`], [`PlotFormat`]), so that a name misspelt in one place cannot be read in
//! another.

use crate::error::{Error, InputError, Result};
use crate::output::MetricInfo;
use crate::scenario::sweep::{Design, DesignKind, SeedMode, StopRule};
use crate::scenario::PlotFormat;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// `design.json`, field by field in the order of the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepDesign {
    /// Format version of this file ([`SweepDesign::FORMAT`]).
    pub format: u32,
    /// Scenario name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// Its question.
    pub question: String,
    /// The design.
    pub design: DesignKind,
    /// The swept keys, in column order.
    pub parameters: Vec<String>,
    /// Points of a Latin hypercube or a random design, base points of a Saltelli design.
    pub n: Option<u64>,
    /// Seed of random designs and of bootstrap intervals.
    pub design_seed: u64,
    /// Morris trajectories.
    pub trajectories: Option<u64>,
    /// Morris levels (the default for other designs).
    pub levels: u64,
    /// Whether a Sobol' design is Saltelli's (`true` for other designs).
    pub saltelli: bool,
    /// Common or independent random numbers.
    pub seeds: SeedMode,
    /// The scenario's seed.
    pub base_seed: u64,
    /// Replicates per point.
    pub replicates: u64,
    /// Agents of the base scenario (points may change them).
    pub agents: u64,
    /// Steps of the base scenario.
    pub steps: u64,
    /// Warm-up of the base scenario.
    pub warmup: u64,
    /// The regime entries, in order.
    pub entries: Vec<String>,
    /// The entry differences are taken from.
    pub baseline: String,
    /// The headline metrics.
    pub metrics: Vec<MetricInfo>,
    /// Bootstrap resamples of sensitivity intervals.
    pub bootstrap: u64,
    /// The stop rule of a grid, zip or table design, if any.
    pub stop: Option<StopRule>,
    /// Whether each point's run folder is kept.
    pub keep_runs: bool,
    /// Chart formats.
    pub plots: Vec<PlotFormat>,
    /// Whether `sweep.html` is written.
    pub report: bool,
    /// Distinct points.
    pub points: usize,
    /// Design positions (a point can fill several).
    pub positions: usize,
}

impl SweepDesign {
    /// The format version this build writes.
    pub const FORMAT: u32 = 1;

    /// The design with its own options, as `[sweep]` gave them (a table design's file is the
    /// copy in the sweep folder, `table.csv`).
    pub fn design(&self) -> Design {
        let stop = self.stop.clone();
        match self.design {
            DesignKind::Grid => Design::Grid { stop },
            DesignKind::Zip => Design::Zip { stop },
            DesignKind::Lhs => Design::Lhs { n: self.n.unwrap_or(0) },
            DesignKind::Random => Design::Random { n: self.n.unwrap_or(0) },
            DesignKind::Sobol => Design::Sobol { n: self.n.unwrap_or(0), saltelli: self.saltelli },
            DesignKind::Morris => Design::Morris { trajectories: self.trajectories.unwrap_or(0), levels: self.levels },
            DesignKind::Table => Design::Table { table: "table.csv".into(), stop },
        }
    }

    /// Reads the `design.json` of the sweep folder `dir`.
    pub fn read(dir: &Path) -> Result<SweepDesign> {
        let path = dir.join("design.json");
        let bytes = std::fs::read(&path).map_err(|e| {
            Error::from(
                InputError::new(format!("cannot read `{}`: {e}", path.display()))
                    .help("give the folder of a sweep (it holds design.json, points.csv and results/)"),
            )
        })?;
        serde_json::from_slice(&bytes).map_err(|e| Error::Run(format!("`{}`: {e}", path.display())))
    }

    /// The file's text: pretty JSON and a final newline.
    pub fn to_json(&self) -> Result<String> {
        let json = serde_json::to_string_pretty(self).map_err(|e| Error::Run(format!("design.json: {e}")))?;
        Ok(format!("{json}\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::sweep::Bound;

    fn example(design: &Design) -> SweepDesign {
        SweepDesign {
            format: SweepDesign::FORMAT,
            name: "s".into(),
            description: String::new(),
            question: String::new(),
            design: design.kind(),
            parameters: vec!["a.b".into()],
            n: design.n(),
            design_seed: 1,
            trajectories: design.trajectories(),
            levels: design.levels(),
            saltelli: design.saltelli(),
            seeds: SeedMode::Independent,
            base_seed: 7,
            replicates: 2,
            agents: 100,
            steps: 10,
            warmup: 2,
            entries: vec!["market".into()],
            baseline: "market".into(),
            metrics: Vec::new(),
            bootstrap: 1000,
            stop: design.stop().cloned(),
            keep_runs: false,
            plots: vec![PlotFormat::Png, PlotFormat::Svg],
            report: true,
            points: 3,
            positions: 3,
        }
    }

    #[test]
    fn every_design_reads_back_from_its_file() {
        let stop = StopRule { metric: "m".into(), regime: None, bound: Bound::Above(0.5), along: Some("a.b".into()) };
        for design in [
            Design::Grid { stop: Some(stop.clone()) },
            Design::Zip { stop: None },
            Design::Lhs { n: 5 },
            Design::Random { n: 6 },
            Design::Sobol { n: 8, saltelli: false },
            Design::Morris { trajectories: 3, levels: 6 },
            Design::Table { table: "table.csv".into(), stop: Some(stop.clone()) },
        ] {
            let file = example(&design);
            let back: SweepDesign = serde_json::from_str(&file.to_json().unwrap()).unwrap();
            assert_eq!(back, file);
            assert_eq!(back.design(), design);
        }
    }

    #[test]
    fn names_are_written_as_the_scenario_writes_them() {
        let stop = StopRule { metric: "m".into(), regime: None, bound: Bound::Below(1.0), along: None };
        let json = example(&Design::Grid { stop: Some(stop) }).to_json().unwrap();
        for line in [
            "\"design\": \"grid\"",
            "\"seeds\": \"independent\"",
            "\"levels\": 4",
            "\"saltelli\": true",
            "\"plots\": [\n    \"png\",\n    \"svg\"\n  ]",
            "\"stop\": {\n    \"metric\": \"m\",\n    \"regime\": null,\n    \"below\": 1.0,\n    \"above\": null,\n    \"along\": null\n  }",
        ] {
            assert!(json.contains(line), "no {line} in {json}");
        }
    }
}
