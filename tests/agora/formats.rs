//! `[output] format = ["csv", "parquet"]`: each table of a run also as Parquet, with the values
//! of its CSV file and each metric's unit; CSV alone by default; a list without `csv` refused.

use crate::common::agora;
use agora::output::arrow::{csv_table, UNITS_KEY};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

/// Two entries (so there is a comparison), no charts, and `[output]` ending in `extra`.
fn scenario(dir: &Path, extra: &str) -> PathBuf {
    let text = format!(
        "name = \"formats\"\nregimes = [\"autarky\", \"gift\"]\n[run]\nagents = 60\nsteps = 12\nreplicates = 3\nwarmup = 2\n[output]\nplots = false\nreport = false\n{extra}\n"
    );
    let path = dir.join("formats.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn parquet_tables_hold_the_csv_values_with_units() {
    let work = tempfile::tempdir().unwrap();
    let file = scenario(work.path(), "format = [\"csv\", \"parquet\"]");
    let out = work.path().join("out");
    agora().arg("run").arg(&file).arg("--out").arg(&out).arg("-q").assert().success();
    for name in ["timeseries", "summary", "comparison"] {
        let csv = csv_table(&std::fs::read(out.join(format!("{name}.csv"))).unwrap()).unwrap();
        let parquet = std::fs::File::open(out.join(format!("{name}.parquet"))).unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(parquet).unwrap().build().unwrap();
        let batches: Vec<_> = reader.map(|b| b.unwrap()).collect();
        let table = one_batch(&batches);
        assert_eq!(table.num_rows(), csv.num_rows(), "{name}");
        assert!(csv.num_rows() > 0, "{name}");
        assert_eq!(table.schema().fields(), csv.schema().fields(), "{name}: columns, types and units");
        assert_eq!(table.columns(), csv.columns(), "{name}: values");
    }
    // Units: on each metric column of the wide table, in the metadata of the long ones.
    let reader =
        ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(out.join("timeseries.parquet")).unwrap()).unwrap();
    let field = reader.schema().field_with_name("needs_met_mean").unwrap().clone();
    assert_eq!(field.metadata().get("unit").map(String::as_str), Some("share"), "{field:?}");
    let reader =
        ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(out.join("summary.parquet")).unwrap()).unwrap();
    let units = reader.schema().metadata().get(UNITS_KEY).cloned().unwrap_or_default();
    assert!(units.contains("\"needs_met_mean\""), "{units}");
    // The key is in the resolved scenario, which runs again the same.
    let resolved = std::fs::read_to_string(out.join("scenario.resolved.toml")).unwrap();
    assert!(resolved.contains("format = [\"csv\", \"parquet\"]"), "{resolved}");
}

/// The batches of one file as one (a small table is one batch).
fn one_batch(batches: &[arrow_array::RecordBatch]) -> arrow_array::RecordBatch {
    assert_eq!(batches.len(), 1, "a small table is one row group, one batch");
    batches[0].clone()
}

#[test]
fn csv_alone_by_default_and_a_list_without_csv_is_refused() {
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("out");
    agora().arg("run").arg(scenario(work.path(), "")).arg("--out").arg(&out).arg("-q").assert().success();
    assert!(out.join("summary.csv").is_file() && !out.join("summary.parquet").exists());
    let resolved = std::fs::read_to_string(out.join("scenario.resolved.toml")).unwrap();
    assert!(
        !resolved.lines().any(|l| l.starts_with("format")),
        "the default stays out of the resolved scenario (and its hash)"
    );
    for (format, message) in [
        ("[\"parquet\"]", "must include \"csv\""),
        ("[\"csv\", \"feather\"]", "feather"),
        ("\"parquet\"", "output.format"),
    ] {
        let file = scenario(work.path(), &format!("format = {format}"));
        agora()
            .arg("validate")
            .arg(&file)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message).and(predicate::str::contains("formats.toml:11")));
    }
}
