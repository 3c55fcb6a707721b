//! `[output] record_every`: which steps a run records. The recorded rows are exactly the rows
//! of an every-step run at those steps (skipping a record changes nothing else), the last step
//! is always there, the summaries read only recorded steps, the result does not depend on the
//! thread count, and 0 is refused naming the key.

use crate::common::{agora, read_csv, read_tree};

fn scenario(every: u64) -> String {
    format!(
        "name = \"every\"\nregimes = [\"market\", \"gift\", \"market:kinetic\"]\n[run]\nagents = 5000\nsteps = 23\n\
         replicates = 2\nwarmup = 4\n[output]\nplots = [\"svg\"]\nrecord_every = {every}\n\
         [variant.kinetic]\nmarket.model = \"kinetic\"\n"
    )
}

/// Runs the scenario on `threads` threads; returns the run folder's files and timeseries.csv.
fn run(dir: &std::path::Path, every: u64, threads: &str) -> (std::path::PathBuf, Vec<Vec<String>>) {
    let file = dir.join(format!("every{every}.toml"));
    std::fs::write(&file, scenario(every)).unwrap();
    let out = dir.join(format!("out{every}_{threads}"));
    agora().args(["run", "-q", "--threads", threads, "--out"]).arg(&out).arg(&file).assert().success();
    let (_, rows) = read_csv(&out.join("timeseries.csv"));
    (out, rows)
}

#[test]
fn recorded_steps_are_the_every_step_rows_at_those_steps() {
    let dir = tempfile::tempdir().unwrap();
    let (_, all) = run(dir.path(), 1, "2");
    let (out, some) = run(dir.path(), 5, "2");
    // Three entries, two replicates: steps 0, 5, 10, 15, 20 and the last, 23.
    let steps: Vec<&str> = some.iter().filter(|r| r[0] == "market" && r[1] == "0").map(|r| r[2].as_str()).collect();
    assert_eq!(steps, ["0", "5", "10", "15", "20", "23"]);
    assert_eq!(some.len(), 3 * 2 * 6);
    for row in &some {
        assert!(all.contains(row), "{row:?} is not a row of the every-step run");
    }
    assert_ne!(all.len(), some.len());
    // Summaries over the recorded steps only: they differ from the every-step run's.
    let summary = std::fs::read(out.join("summary.csv")).unwrap();
    assert_ne!(summary, std::fs::read(dir.path().join("out1_2/summary.csv")).unwrap());
    // Thread count never changes a byte (run.json records the command line and timing).
    let (other, _) = run(dir.path(), 5, "1");
    let (mut a, mut b) = (read_tree(&out), read_tree(&other));
    a.remove("run.json");
    b.remove("run.json");
    assert_eq!(a, b);
    // The resolved scenario keeps the setting, so the run can be made again.
    let resolved = std::fs::read_to_string(out.join("scenario.resolved.toml")).unwrap();
    assert!(resolved.contains("record_every = 5"));
}

#[test]
fn record_every_of_the_run_length_records_the_start_and_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let (_, rows) = run(dir.path(), 23, "2");
    let steps: Vec<&str> = rows.iter().filter(|r| r[0] == "gift" && r[1] == "1").map(|r| r[2].as_str()).collect();
    assert_eq!(steps, ["0", "23"]);
    let (_, rows) = run(dir.path(), 1000, "2");
    assert_eq!(rows.len(), 3 * 2 * 2);
}

#[test]
fn record_every_zero_is_refused_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("zero.toml");
    std::fs::write(&file, scenario(0)).unwrap();
    agora().args(["validate"]).arg(&file).assert().code(2).stderr(predicates::str::contains("output.record_every"));
}
