//! `[output]`: what a run writes where.

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// `[output]`: what is written where.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputConfig {
    /// Output folder, inside the project's `output/`; default `output/<name>`.
    pub dir: String,
    /// Plot formats: a list of `png` and `svg`, or `false` for none.
    pub plots: PlotFormats,
    /// Whether to write `report.html`.
    pub report: bool,
    /// Steps at which to write one row per agent (`agents_step<T>.csv`); default the last step.
    pub snapshots: Option<Vec<u64>>,
    /// How many replicates' agents the snapshots include (0 = all).
    pub snapshot_replicates: u64,
    /// Record the metrics every this many steps (1 = every step; step 0 and the last step are
    /// always recorded). Left out of a resolved scenario at its default, so the files and the
    /// scenario hash of runs that do not set it stay as they were.
    #[serde(skip_serializing_if = "is_every_step")]
    pub record_every: u64,
    /// Table formats: `csv` always (the plots, the report and `agora plot` read it), and
    /// `parquet` to write each table beside it as Parquet too. Left out of a resolved scenario
    /// at its default, as `record_every` is, and for the same reason.
    #[serde(skip_serializing_if = "TableFormats::is_csv_only")]
    pub format: TableFormats,
}

fn is_every_step(n: &u64) -> bool {
    *n == 1
}

impl OutputConfig {
    /// Whether step `step` of a run of `steps` steps is recorded: step 0, every
    /// `record_every`-th step, and the last.
    pub fn records(&self, step: u64, steps: u64) -> bool {
        step == steps || step.is_multiple_of(self.record_every.max(1))
    }

    /// How many steps of a run of `steps` steps are recorded (without listing them).
    pub fn recorded_count(&self, steps: u64) -> u64 {
        let every = self.record_every.max(1);
        steps / every + 1 + u64::from(!steps.is_multiple_of(every))
    }

    /// The recorded steps of a run of `steps` steps, ascending.
    pub fn recorded_steps(&self, steps: u64) -> Vec<u64> {
        (0..=steps).filter(|&t| self.records(t, steps)).collect()
    }
}

impl Default for OutputConfig {
    fn default() -> Self {
        OutputConfig {
            dir: String::new(),
            plots: PlotFormats(vec![PlotFormat::Png, PlotFormat::Svg]),
            report: true,
            snapshots: None,
            snapshot_replicates: 1,
            record_every: 1,
            format: TableFormats(vec![TableFormat::Csv]),
        }
    }
}

/// An image format for plots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlotFormat {
    /// Raster, for slides and documents.
    Png,
    /// Vector, for papers and the HTML report.
    Svg,
}

/// The plot formats to write; `plots = false` is the empty list, `true` both formats.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct PlotFormats(pub Vec<PlotFormat>);

impl<'de> Deserialize<'de> for PlotFormats {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PlotFormats;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of formats (\"png\", \"svg\"), or true, or false")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<PlotFormats, E> {
                Ok(PlotFormats(if v { vec![PlotFormat::Png, PlotFormat::Svg] } else { vec![] }))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<PlotFormats, A::Error> {
                Vec::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(PlotFormats)
            }
        }
        d.deserialize_any(V)
    }
}

/// A file format for the run's tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TableFormat {
    /// Comma-separated text, always written.
    Csv,
    /// Apache Parquet, with each metric's unit in the schema's metadata.
    Parquet,
}

/// The table formats to write (`[output] format`): a list that includes `csv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct TableFormats(pub Vec<TableFormat>);

impl TableFormats {
    /// Whether Parquet files are written beside the CSV files.
    pub fn parquet(&self) -> bool {
        self.0.contains(&TableFormat::Parquet)
    }

    /// Whether this is the default, CSV alone.
    fn is_csv_only(&self) -> bool {
        !self.parquet()
    }
}

impl<'de> Deserialize<'de> for TableFormats {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let list = Vec::<TableFormat>::deserialize(d)?;
        if !list.contains(&TableFormat::Csv) {
            return Err(de::Error::custom(
                "must include \"csv\": the plots, the report and `agora plot` read the CSV files (write [\"csv\", \"parquet\"])",
            ));
        }
        Ok(TableFormats(list))
    }
}
