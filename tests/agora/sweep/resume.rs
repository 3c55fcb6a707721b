//! What a sweep keeps across sessions: stable ids, resuming after `kill -9`, a signal or a
//! time budget, torn records, added replicates, failed runs retried.

use super::{deterministic_files, journal_lines, points, sweep, write, BASE};
use crate::common::{col, read_csv};
use std::path::{Path, PathBuf};

#[test]
fn ids_do_not_move_when_a_value_is_added_and_only_the_new_point_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let small = write(dir.path(), "a.toml", &format!("{BASE}[sweep]\n\"policy.tax.rate\" = [0.0, 0.2]\n"));
    sweep(&small, &out, &["-q"]);
    let before = points(&out);
    let rows_before = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    let big = write(dir.path(), "b.toml", &format!("{BASE}[sweep]\n\"policy.tax.rate\" = [0.0, 0.1, 0.2]\n"));
    let (stdout, _) = sweep(&big, &out, &[]);
    assert!(stdout.contains("(2 run now, 4 reused)"), "only the new point's 2 replicates: {stdout}");
    let after = points(&out);
    assert_eq!(after.len(), 3);
    assert_eq!(after[0], before[0]);
    assert_eq!(after[2], before[1], "the id of 0.2 did not change when 0.1 was added");
    // The old points' rows are the same lines as before.
    let rows_after = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    for line in rows_before.lines().skip(1) {
        assert!(rows_after.lines().any(|l| l == line), "row changed: {line}");
    }
    // The id is the library's hash of the point's values.
    let id = agora::sweep::points::point_id(&vec![("policy.tax.rate".to_string(), toml::Value::Float(0.1))]);
    assert_eq!(after[1].0, id);
}

fn kill_scenario(dir: &Path) -> PathBuf {
    let text = BASE.replace("agents = 150", "agents = 400").replace("steps = 30", "steps = 60");
    write(dir, "long.toml", &format!("{text}[sweep]\n\"policy.tax.rate\" = {{ from = 0.0, to = 0.38, steps = 20 }}\n"))
}

/// Starts `agora sweep file --out out` on one thread in the background, its stderr piped.
fn start_sweep(file: &Path, out: &Path) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_agora"))
        .arg("sweep")
        .arg(file)
        .arg("--out")
        .arg(out)
        .args(["--threads", "1", "-q"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits until the sweep into `out` has journalled `runs` runs; fails if it ends first or
/// makes no progress for a minute.
fn wait_for_runs(child: &mut std::process::Child, out: &Path, runs: usize) {
    let started = std::time::Instant::now();
    loop {
        let n = journal_lines(out, "main.jsonl").len();
        if n >= runs {
            return;
        }
        assert!(child.try_wait().unwrap().is_none(), "the sweep ended before it could be stopped ({n} runs)");
        assert!(started.elapsed().as_secs() < 60, "the sweep made no progress");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

#[test]
fn a_sweep_killed_mid_run_resumes_to_the_same_files() {
    let dir = tempfile::tempdir().unwrap();
    let file = kill_scenario(dir.path());
    let whole = dir.path().join("whole");
    sweep(&file, &whole, &["-q", "--threads", "2"]);
    let total = journal_lines(&whole, "main.jsonl").len();
    assert_eq!(total, 40);
    let cut = dir.path().join("cut");
    let mut child = start_sweep(&file, &cut);
    wait_for_runs(&mut child, &cut, 6);
    // SIGKILL: no chance to clean up.
    child.kill().unwrap();
    child.wait().unwrap();
    let done = journal_lines(&cut, "main.jsonl").len();
    assert!(done < total, "killed mid-sweep: {done} of {total} runs");
    assert!(!cut.join("sweep.csv").exists(), "no sweep.csv from an unfinished sweep");
    assert!(cut.join("results/main.lock").exists(), "the killed sweep left its lock");
    let (stdout, _) = sweep(&file, &cut, &["--threads", "2"]);
    let reused: usize = stdout.split(" reused").next().unwrap().rsplit(' ').next().unwrap().parse().unwrap();
    assert!(reused + 1 >= done && reused >= 5, "the runs done before the kill were kept: {reused} of {done}: {stdout}");
    assert_eq!(deterministic_files(&whole), deterministic_files(&cut), "resumed files differ from uninterrupted ones");
}

#[test]
fn sigint_and_sigterm_stop_a_sweep_cleanly_and_the_next_session_finishes_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = kill_scenario(dir.path());
    let whole = dir.path().join("whole");
    sweep(&file, &whole, &["-q", "--threads", "2"]);
    for (sig, code) in [("INT", 130), ("TERM", 143)] {
        let cut = dir.path().join(format!("cut-{sig}"));
        let mut child = start_sweep(&file, &cut);
        wait_for_runs(&mut child, &cut, 3);
        let kill = std::process::Command::new("kill").args(["-s", sig, &child.id().to_string()]).status().unwrap();
        assert!(kill.success());
        let output = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "SIG{sig}: {err}");
        assert!(err.contains("interrupted") && err.contains("Run the same command again"), "{err}");
        // Only whole records: every journal line is a complete record; no tables yet.
        let lines = journal_lines(&cut, "main.jsonl");
        assert!((3..40).contains(&lines.len()), "{} runs kept", lines.len());
        for l in &lines {
            serde_json::from_str::<serde_json::Value>(l).unwrap_or_else(|e| panic!("a cut record `{l}`: {e}"));
        }
        let status: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(cut.join("sweep.json")).unwrap()).unwrap();
        assert_eq!(status["complete"], false);
        assert_eq!(status["runs_this_session"].as_u64(), Some(lines.len() as u64));
        assert!(!cut.join("sweep.csv").exists());
        // The next session does only the rest, and ends where an uninterrupted sweep does.
        let (stdout, _) = sweep(&file, &cut, &["--threads", "2"]);
        assert!(stdout.contains(&format!("{} reused", lines.len())), "{stdout}");
        assert_eq!(deterministic_files(&whole), deterministic_files(&cut), "SIG{sig}: resumed files differ");
    }
}

#[test]
fn a_cut_off_last_record_is_repaired_and_run_again() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "s.toml", &format!("{BASE}[sweep]\n\"policy.tax.rate\" = [0.0, 0.1, 0.2]\n"));
    let out = dir.path().join("out");
    sweep(&file, &out, &["-q"]);
    let before = deterministic_files(&out);
    let journal = out.join("results/main.jsonl");
    let full = std::fs::read(&journal).unwrap();
    // A write cut off in the middle of the last record.
    std::fs::write(&journal, &full[..full.len() - 40]).unwrap();
    let (stdout, stderr) = sweep(&file, &out, &[]);
    assert!(stderr.contains("repaired") && stderr.contains("cut off"), "{stderr}");
    assert!(stdout.contains("(1 run now, 5 reused)"), "{stdout}");
    assert_eq!(journal_lines(&out, "main.jsonl").len(), 6);
    assert_eq!(before, deterministic_files(&out));
}

#[test]
fn raising_replicates_runs_only_the_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "s.toml", &format!("{BASE}[sweep]\n\"policy.tax.rate\" = [0.0, 0.1, 0.2]\n"));
    let out = dir.path().join("out");
    sweep(&file, &out, &["-q", "--replicates", "2"]);
    let old = journal_lines(&out, "main.jsonl");
    let (stdout, _) = sweep(&file, &out, &["--replicates", "3"]);
    assert!(stdout.contains("(3 run now, 6 reused)"), "{stdout}");
    let new = journal_lines(&out, "main.jsonl");
    assert_eq!(&new[..old.len()], &old[..], "earlier records untouched");
    let added: Vec<serde_json::Value> = new[old.len()..].iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(added.len(), 3);
    assert!(added.iter().all(|r| r["replicate"] == 2), "only replicate 2 was run: {added:?}");
    let first_session = serde_json::from_str::<serde_json::Value>(&old[0]).unwrap()["session"].clone();
    assert!(added.iter().all(|r| r["session"] != first_session), "by a later session");
    // The same files as a sweep run with 3 replicates from the start.
    let fresh = dir.path().join("fresh");
    sweep(&file, &fresh, &["-q", "--replicates", "3"]);
    assert_eq!(deterministic_files(&out), deterministic_files(&fresh));
}

#[test]
fn failed_runs_are_recorded_without_stopping_the_sweep_and_retried() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{BASE}[sweep]\nkeep_runs = true\n\"policy.tax.rate\" = [0.0, 0.1, 0.2]\n");
    let file = write(dir.path(), "s.toml", &text);
    let out = dir.path().join("out");
    sweep(&file, &out, &["-q"]);
    // Something in the way of one point's run folder makes that point's runs fail: drop its
    // results and its folder, and put a file there.
    let id = agora::sweep::points::point_id(&vec![("policy.tax.rate".to_string(), toml::Value::Float(0.1))]);
    let journal = out.join("results/main.jsonl");
    let kept: String = std::fs::read_to_string(&journal)
        .unwrap()
        .lines()
        .filter(|l| !l.contains(&format!("\"point\":\"{id}\"")))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(kept.lines().count(), 4);
    std::fs::write(&journal, kept).unwrap();
    std::fs::remove_dir_all(out.join("runs").join(&id)).unwrap();
    std::fs::write(out.join("runs").join(&id), "not a folder").unwrap();
    let (stdout, stderr) = sweep(&file, &out, &[]);
    assert!(stderr.contains("2 runs failed"), "{stderr}");
    assert!(stdout.contains("(2 run now, 4 reused)"), "{stdout}");
    let (h, rows) = read_csv(&out.join("failures.csv"));
    assert_eq!(h, ["point", "replicate", "seed", "error"]);
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r[0] == id && r[3].contains("not an agora output")), "{rows:?}");
    let (h, rows) = read_csv(&out.join("sweep.csv"));
    let failed: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == id).collect();
    assert!(!failed.is_empty() && failed.iter().all(|r| col(&h, r, "failed") == 2.0 && col(&h, r, "n") == 0.0));
    assert!(rows.iter().filter(|r| r[0] != id).all(|r| col(&h, r, "failed") == 0.0 && col(&h, r, "n") == 2.0));
    for other in points(&out).iter().filter(|p| p.0 != id) {
        assert!(out.join("runs").join(&other.0).join("timeseries.csv").is_file(), "kept run folder of {}", other.0);
    }
    // Out of the way, the next sweep retries just that point.
    std::fs::remove_file(out.join("runs").join(&id)).unwrap();
    let (stdout, stderr) = sweep(&file, &out, &[]);
    assert!(stdout.contains("(2 run now, 4 reused)") && !stderr.contains("failed"), "{stdout}{stderr}");
    assert!(!out.join("failures.csv").exists());
    assert!(out.join("runs").join(&id).join("report.html").is_file());
}

#[test]
fn a_time_budget_stops_starting_runs_and_the_next_session_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "s.toml", &format!("{BASE}[sweep]\n\"policy.tax.rate\" = [0.0, 0.1, 0.2]\n"));
    let out = dir.path().join("out");
    let (stdout, _) = sweep(&file, &out, &["--stop-after", "0.000000001"]);
    assert!(stdout.contains("(0 run now") && stdout.contains("stopped by the time budget"), "{stdout}");
    assert!(!out.join("sweep.csv").exists());
    let partial = std::fs::read_to_string(out.join("sweep.partial.csv")).unwrap();
    assert_eq!(partial.lines().count(), 1, "the header only: no point is done");
    let status: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("sweep.json")).unwrap()).unwrap();
    assert_eq!((status["complete"].as_bool(), status["stopped_by_time_budget"].as_bool()), (Some(false), Some(true)));
    let (stdout, _) = sweep(&file, &out, &[]);
    assert!(stdout.contains("(6 run now, 0 reused)"), "{stdout}");
    assert!(!out.join("sweep.partial.csv").exists());
    let fresh = dir.path().join("fresh");
    sweep(&file, &fresh, &["-q"]);
    assert_eq!(deterministic_files(&out), deterministic_files(&fresh));
    let status: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("sweep.json")).unwrap()).unwrap();
    assert_eq!(status["complete"].as_bool(), Some(true));
}
