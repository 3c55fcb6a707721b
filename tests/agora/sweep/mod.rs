//! Sweeps end to end, on the real binary, one file per theme: the designs and their analyses
//! ([`designs`]), resuming and retrying ([`resume`]), shards, merge and Slurm ([`shards`]), and
//! the commands around a sweep: dry runs, bad points, validation, the progress bar
//! ([`commands`]). What `[sweep]` reads and every error it gives is the table
//! `tests/data/sweep_config.txt` ([`config_cases`]).

mod commands;
mod designs;
mod resume;
mod shards;

use crate::common::{agora, read_csv, read_tree};
use std::path::{Path, PathBuf};

/// A small two-regime world: a sweep point takes a few milliseconds.
const BASE: &str = r#"
name = "sweep_test"
description = "A small sweep for the tests."
regimes = ["market", "gift"]
baseline = "market"
[run]
agents = 150
steps = 30
replicates = 2
seed = 7
warmup = 10
[output]
plots = ["svg"]
"#;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// Runs `agora sweep` on `file` into `out` with extra arguments; returns stdout and stderr.
fn sweep(file: &Path, out: &Path, args: &[&str]) -> (String, String) {
    let a = agora().arg("sweep").arg(file).arg("--out").arg(out).args(args).assert().success();
    let o = a.get_output();
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

fn journal_lines(out: &Path, name: &str) -> Vec<String> {
    std::fs::read_to_string(out.join("results").join(name)).unwrap_or_default().lines().map(str::to_string).collect()
}

/// `points.csv` as (id, value of the first parameter) per position.
fn points(out: &Path) -> Vec<(String, String)> {
    let (_, rows) = read_csv(&out.join("points.csv"));
    rows.into_iter().map(|r| (r[1].clone(), r.get(4).cloned().unwrap_or_default())).collect()
}

/// Every file of a sweep folder that must not depend on how it was made (all but
/// `sweep.json`, the journals and their locks and status files).
fn deterministic_files(out: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    read_tree(out).into_iter().filter(|(k, _)| !k.starts_with("results") && k != "sweep.json").collect()
}

#[test]
fn config_cases() {
    // tests/data/sweep_config.txt: `[sweep]` texts and what agora makes of each, error or
    // resolved section.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sweep_config.txt");
    let cases = std::fs::read_to_string(path).unwrap();
    let mut count = 0;
    for case in cases.split("-----\n").skip(1) {
        let (text, expected) = case.split_once(">>>>>\n").unwrap();
        let doc: toml::Table = text.parse().unwrap();
        let got = match agora::scenario::sweep::SweepConfig::parse(doc["sweep"].as_table().unwrap(), text) {
            Ok(c) => format!("OK\n{}", c.to_toml()),
            Err(e) => format!("ERR {}\n", e.in_file("s.toml")),
        };
        assert_eq!(got, expected, "for\n{text}");
        count += 1;
    }
    assert!(count > 100, "{count} cases");
}
