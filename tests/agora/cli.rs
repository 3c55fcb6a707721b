//! End-to-end tests of the `agora` binary on the files in `tests/data/`.

use crate::common::{agora, read_csv, root};
use predicates::prelude::*;

/// Every bad file exits 2 with each `# expect:` line of its header in the message, leaves no
/// output folder behind, and does not panic.
#[test]
fn bad_scenarios_exit_2_with_a_clear_message_and_no_output() {
    let dir = root().join("tests/data/bad");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).collect();
    files.sort();
    assert!(files.len() >= 15, "the bad-file corpus went missing");
    for file in files {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        let expects: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("# expect: ")).collect();
        assert!(!expects.is_empty(), "{} states no expected error", file.display());
        let work = tempfile::tempdir().unwrap();
        let out = agora().current_dir(work.path()).arg("run").arg(&file).assert().code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        for e in expects {
            assert!(stderr.contains(e), "{}: expected `{e}` in:\n{stderr}", file.display());
        }
        assert!(!stderr.contains("panicked"), "{}: panic:\n{stderr}", file.display());
        assert!(stderr.lines().count() <= 3, "{}: one clear message, got:\n{stderr}", file.display());
        let left: Vec<_> = std::fs::read_dir(work.path()).unwrap().flatten().map(|e| e.file_name()).collect();
        assert!(left.is_empty(), "{}: left files behind: {left:?}", file.display());
        // `validate` says the same.
        agora().current_dir(work.path()).arg("validate").arg(&file).assert().code(2);
    }
}

/// Every good file validates and runs, and writes the files the docs promise.
#[test]
fn good_scenarios_run_and_write_every_file() {
    let dir = root().join("tests/data/good");
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let file = entry.path();
        let work = tempfile::tempdir().unwrap();
        let out = work.path().join("out");
        agora().arg("validate").arg(&file).assert().success().stdout(predicate::str::contains("[run]"));
        agora().arg("run").arg(&file).arg("--out").arg(&out).arg("--quiet").assert().success().stdout("");
        for name in ["timeseries.csv", "summary.csv", "scenario.resolved.toml", "run.json"] {
            assert!(out.join(name).is_file(), "{}: no {name}", file.display());
        }
        let run: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
        assert_eq!(run["complete"], true);
        assert!(run["agent_steps_per_second"].as_f64().unwrap() > 0.0);
        // The resolved scenario is itself a valid scenario that gives the same results.
        let again = work.path().join("again");
        agora()
            .arg("run")
            .arg(out.join("scenario.resolved.toml"))
            .arg("--out")
            .arg(&again)
            .arg("-q")
            .assert()
            .success();
        assert_eq!(
            std::fs::read(out.join("timeseries.csv")).unwrap(),
            std::fs::read(again.join("timeseries.csv")).unwrap()
        );
    }
}

#[test]
fn timeseries_has_one_row_per_regime_replicate_and_step() {
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("o");
    agora()
        .arg("run")
        .arg(root().join("tests/data/good/minimal.toml"))
        .arg("--out")
        .arg(&out)
        .args(["--steps", "7", "--replicates", "3", "-q"])
        .assert()
        .success();
    let (header, rows) = read_csv(&out.join("timeseries.csv"));
    assert_eq!(&header[..3], &["regime", "replicate", "step"]);
    assert!(header.iter().any(|h| h == "needs_met_mean") && header.iter().any(|h| h == "price_food"));
    assert_eq!(rows.len(), 3 * 8, "3 replicates x steps 0..=7");
    for (k, row) in rows.iter().enumerate() {
        assert_eq!(row[0], "autarky");
        assert_eq!(row[1], (k / 8).to_string());
        assert_eq!(row[2], (k % 8).to_string());
    }
    // Prices are not meaningful under autarky: empty, never a made-up zero.
    let p = header.iter().position(|h| h == "price_food").unwrap();
    assert!(rows.iter().all(|r| r[p].is_empty()));
    let (sh, srows) = read_csv(&out.join("summary.csv"));
    assert_eq!(sh, ["regime", "metric", "mean", "sd", "ci95_low", "ci95_high", "n", "steps"]);
    let needs = srows.iter().find(|r| r[1] == "needs_met_mean").unwrap();
    assert_eq!(needs[6], "3");
    assert_eq!(needs[7], "6", "steps 2..=7 after a warm-up of 1");
}

#[test]
fn overrides_and_out_flag() {
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("deep/er/folder");
    agora()
        .arg("run")
        .arg(root().join("tests/data/good/minimal.toml"))
        .args(["--agents", "30", "--steps", "3", "--replicates", "1", "--seed", "5", "--out"])
        .arg(&out)
        .arg("-q")
        .assert()
        .success();
    let resolved = std::fs::read_to_string(out.join("scenario.resolved.toml")).unwrap();
    assert!(resolved.contains("agents = 30") && resolved.contains("seed = 5"));
    // A bad override names the flag.
    agora()
        .arg("run")
        .arg(root().join("tests/data/good/minimal.toml"))
        .args(["--agents", "1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--agents"));
}

#[test]
fn refuses_to_replace_a_folder_that_is_not_an_agora_output() {
    let work = tempfile::tempdir().unwrap();
    let precious = work.path().join("precious");
    std::fs::create_dir(&precious).unwrap();
    std::fs::write(precious.join("thesis.tex"), "do not delete").unwrap();
    agora()
        .arg("run")
        .arg(root().join("tests/data/good/minimal.toml"))
        .arg("--out")
        .arg(&precious)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not an agora output folder"));
    assert_eq!(std::fs::read_to_string(precious.join("thesis.tex")).unwrap(), "do not delete");
}

#[test]
fn a_rerun_replaces_the_previous_result_whole() {
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("o");
    let file = root().join("tests/data/good/minimal.toml");
    agora().arg("run").arg(&file).arg("--out").arg(&out).arg("-q").assert().success();
    std::fs::write(out.join("stale.csv"), "old").unwrap();
    agora().arg("run").arg(&file).arg("--out").arg(&out).arg("-q").assert().success();
    assert!(!out.join("stale.csv").exists(), "the new result replaces the old folder");
    let names: Vec<_> = std::fs::read_dir(work.path()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(names.len(), 1, "no temporary folders left: {names:?}");
}

#[test]
fn list_names_bundled_scenarios_and_regimes() {
    agora()
        .current_dir(root())
        .arg("list")
        .assert()
        .success()
        .stdout(predicate::str::contains("showcase.toml").and(predicate::str::contains("autarky")));
}

#[test]
fn list_and_validate_end_quietly_when_the_reader_goes_away() {
    let bin = env!("CARGO_BIN_EXE_agora");
    let showcase = root().join("scenarios/showcase.toml");
    for cmd in [format!("'{bin}' list | head -1"), format!("'{bin}' validate '{}' | head -1", showcase.display())] {
        let out = std::process::Command::new("sh").arg("-c").arg(&cmd).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{cmd}: {err}");
        assert!(!err.contains("panicked") && !err.contains("Broken pipe"), "{cmd}: {err}");
        assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1, "{cmd}");
    }
}

#[test]
fn every_bundled_scenario_validates() {
    let mut n = 0;
    for (path, _, description) in agora::scenario::bundled(&root().join("scenarios")) {
        agora().current_dir(root()).arg("validate").arg(&path).assert().success();
        assert!(!description.is_empty(), "{} has no description", path.display());
        n += 1;
    }
    assert!(n >= 1);
}

#[test]
fn quiet_when_piped_and_a_summary_otherwise() {
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("o");
    // stderr is a pipe here: no progress bar may be drawn on it.
    agora()
        .arg("run")
        .arg(root().join("tests/data/good/minimal.toml"))
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stderr("")
        .stdout(predicate::str::contains("needs_met_mean").and(predicate::str::contains("agent-steps/s")));
}
