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
        agora().arg("validate").arg(&file).arg("--print").assert().success().stdout(predicate::str::contains("[run]"));
        // Without --print a valid file says so in one line, and prints no TOML.
        let a = agora().arg("validate").arg(&file).assert().success().stdout("");
        assert_eq!(String::from_utf8_lossy(&a.get_output().stderr).lines().count(), 1);
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
    for cmd in
        [format!("'{bin}' list | head -1"), format!("'{bin}' validate --print '{}' | head -1", showcase.display())]
    {
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

/// `--quiet` is one global flag: before the command or after it, it silences the summary and
/// the warnings, and a command that exists to print (`validate`) still prints its result.
#[test]
fn quiet_is_one_flag_before_or_after_the_command() {
    let work = tempfile::tempdir().unwrap();
    let file = root().join("tests/data/good/minimal.toml");
    let (before, after) = (work.path().join("before"), work.path().join("after"));
    agora().arg("-q").arg("run").arg(&file).arg("--out").arg(&before).assert().success().stdout("").stderr("");
    agora().arg("run").arg(&file).arg("--out").arg(&after).arg("--quiet").assert().success().stdout("").stderr("");
    assert!(before.join("summary.csv").is_file() && after.join("summary.csv").is_file());
    agora()
        .args(["validate", "-q", "--print"])
        .arg(&file)
        .assert()
        .success()
        .stderr("")
        .stdout(predicate::str::contains("[run]"));
}

/// A bad flag value is clap's to refuse: exit 2, naming the flag and what it allows, before
/// any file is read (the scenarios named here do not exist).
#[test]
fn bad_flag_values_are_refused_naming_the_flag_and_what_it_allows() {
    let cases: &[(&[&str], &[&str])] = &[
        (&["sweep", "absent.toml", "--shard", "3/2"], &["'--shard <K/N>'", "K must be less than N", "0 to 1"]),
        (&["sweep", "absent.toml", "--shard", "two"], &["'--shard <K/N>'", "for example --shard 0/4"]),
        (&["sweep", "absent.toml", "--stop-after", "5q"], &["'--stop-after <DURATION>'", "90s, 30m, 2h, 1h30m"]),
        (&["run", "absent.toml", "--threads", "5000"], &["'--threads <N>'", "from 0 to 4096"]),
        (&["validate", "absent.toml", "--max-disk", "lots"], &["'--max-disk <SIZE>'", "512M or 4G"]),
        (&["plot", "absent", "--format", "jpg"], &["'--format <FORMAT>'", "png, svg"]),
        (&["slurm", "absent.toml", "--shards", "0"], &["'--shards <N>'", "at least 1"]),
        (&["slurm", "absent.toml", "--shards", "2", "--cpus", "0"], &["'--cpus <C>'", "from 1 to 4096"]),
        (&["slurm", "absent.toml", "--shards", "2", "--time", "soon"], &["'--time <T>'", "HH:MM:SS"]),
        (&["serve", "absent.toml", "--host", "nowhere"], &["'--host <HOST>'", "0.0.0.0"]),
        (&["check", "--case", "nope"], &["'--case <NAME>'", "public_goods"]),
        (&["bench", "--agents", "1"], &["'--agents <N>'", "at least 2"]),
    ];
    for (args, expected) in cases {
        let out = agora().args(*args).assert().code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        for e in *expected {
            assert!(stderr.contains(e), "{args:?}: expected `{e}` in:\n{stderr}");
        }
        assert!(!stderr.contains("absent"), "{args:?}: refused before reading any file:\n{stderr}");
    }
}

/// The tables printed after a run, a comparison and a sweep show the headline metrics of the
/// metric registry, with the numbers of the files they summarise.
#[test]
fn tables_show_the_headline_metrics_of_the_files() {
    let work = tempfile::tempdir().unwrap();
    let base = "regimes = [\"market\", \"gift\"]\n[run]\nagents = 60\nsteps = 12\nreplicates = 2\nwarmup = 2\n\
                [output]\nplots = false\nreport = false\n";
    let write = |name: &str, extra: &str| {
        let path = work.path().join(format!("{name}.toml"));
        std::fs::write(&path, format!("name = \"{name}\"\n{base}{extra}")).unwrap();
        path
    };
    let headline = agora::metrics::headline();
    let stdout = |a: assert_cmd::assert::Assert| String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    // A run: one column per headline metric, one row per regime, each mean from summary.csv.
    let plain = write("plain", "");
    let run = work.path().join("run");
    let text = stdout(agora().arg("run").arg(&plain).arg("--out").arg(&run).assert().success());
    let header = text.lines().find(|l| l.starts_with("regime")).expect("a table");
    assert_eq!(header.split_whitespace().skip(1).collect::<Vec<_>>(), headline, "{text}");
    let (h, rows) = read_csv(&run.join("summary.csv"));
    let at = |r: &Vec<String>, c: &str| r[h.iter().position(|x| x == c).unwrap()].clone();
    let market = rows.iter().find(|r| r[0] == "market" && r[1] == headline[0]).unwrap();
    let mean: f64 = at(market, "mean").parse().unwrap();
    let line = text.lines().find(|l| l.starts_with("market ")).expect("a market row");
    assert!(line.contains(&format!("{mean:.3} ±")), "{line} shows {mean}");
    // A comparison: one row per regime and headline metric of comparison.csv.
    let income = write("income", "[policy]\nbasic_income = { amount = 0.2, in = \"goods\" }\n");
    let cmp = work.path().join("cmp");
    let text = stdout(agora().arg("compare").arg(&plain).arg(&income).arg("--out").arg(&cmp).assert().success());
    let (h, rows) = read_csv(&cmp.join("comparison.csv"));
    let shown: Vec<&Vec<String>> = rows.iter().filter(|r| headline.contains(&r[1].as_str())).collect();
    assert_eq!(text.lines().filter(|l| l.starts_with("market ") || l.starts_with("gift ")).count(), shown.len());
    let at = |r: &Vec<String>, c: &str| r[h.iter().position(|x| x == c).unwrap()].parse::<f64>().unwrap();
    for r in shown {
        let line = text.lines().find(|l| l.split_whitespace().take(2).eq([r[0].as_str(), r[1].as_str()])).unwrap();
        assert!(line.contains(&format!("{:.3}", at(r, "first_mean"))), "{line}");
        assert!(line.contains(&format!("{:.3}", at(r, "second_mean"))), "{line}");
    }
    // A sweep: its first headline metric, points down and regimes across.
    let swept = write("swept", "[sweep]\n\"policy.tax.rate\" = [0.0, 0.2]\n");
    let text = stdout(agora().arg("sweep").arg(&swept).arg("--out").arg(work.path().join("sw")).assert().success());
    let table: Vec<&str> = text.lines().skip_while(|l| *l != format!("{}:", headline[0])).collect();
    assert!(table.len() >= 4, "{text}");
    assert_eq!(table[1].split_whitespace().collect::<Vec<_>>(), ["policy.tax.rate", "market", "gift"]);
    assert!(table[2].starts_with("0 ") && table[3].starts_with("0.2 "), "{text}");
}

/// A file with five mistakes gets all five in one pass, each at its key and line, in the order
/// of the file, with "did you mean" for the names, and every door says the same.
#[test]
fn five_mistakes_are_reported_in_one_pass_by_every_door() {
    let file = root().join("tests/data/many/five_mistakes.toml");
    let work = tempfile::tempdir().unwrap();
    let stderr_of = |args: &[&str]| {
        let a = agora().current_dir(work.path()).args(args).arg(&file).assert().code(2);
        String::from_utf8_lossy(&a.get_output().stderr).into_owned()
    };
    let err = stderr_of(&["validate"]);
    let expected = [
        (":4:12: key `regimes[0]`: unknown regime `markt`", "did you mean `market`?"),
        (":4:29: key `regimes[2]`: no `[variant.slow]` table", "did you mean `gift:slwo`?"),
        (":8:10: key `run.agnets`: unknown key `agnets`", "did you mean `agents`?"),
        (":12:12: key `resource.regrowth`: must be between 0 and 1", ""),
        (":15:8: key `population.network.kind`: unknown value `rnig`", "did you mean `ring`?"),
    ];
    let mut at = 0;
    for (place, help) in expected {
        let i = err[at..].find(place).unwrap_or_else(|| panic!("`{place}` missing or out of order in:\n{err}"));
        at += i;
        assert!(err[at..].contains(help), "`{help}` missing after `{place}`:\n{err}");
    }
    assert!(err.contains("error: 5 problems"), "{err}");
    // The baseline names the right regime (the typo is in the list), so it is not blamed.
    assert!(!err.contains("key `baseline`") && !err.contains("panicked"), "{err}");
    for door in [&["run"][..], &["run", "--dry-run"], &["sweep"]] {
        assert_eq!(stderr_of(door), err, "`agora {}` differs from `agora validate`", door.join(" "));
    }
}

/// `--out` in place of a file's own `output.dir` is warned about by name.
#[test]
fn out_over_a_files_output_dir_is_warned_about() {
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("own_dir.toml");
    std::fs::write(
        &file,
        "name = \"own_dir\"\nregimes = [\"gift\"]\n[run]\nagents = 50\nsteps = 10\nwarmup = 2\nreplicates = 1\n[output]\ndir = \"output/elsewhere\"\nplots = []\nreport = false\n",
    )
    .unwrap();
    let out = work.path().join("out");
    let a = agora().current_dir(work.path()).arg("run").arg(&file).arg("--out").arg(&out).assert().success();
    let err = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert!(err.contains("own_dir.toml:9:7: key `output.dir`: `output/elsewhere` is not used: --out"), "{err}");
    assert!(out.join("summary.csv").exists() && !work.path().join("output").exists());
    // Without --out, nothing to warn about.
    let a = agora().current_dir(work.path()).arg("validate").arg(&file).assert().success();
    assert!(!String::from_utf8_lossy(&a.get_output().stderr).contains("warning"));
}
