//! Bundled scenarios by name, end to end: the real binary run from an empty folder (as an
//! installed `agora` is), where no scenario file exists, for every command that takes a
//! scenario; `agora new --from`; and that a file of the name always comes first.

use crate::common::{agora, read_tree, root};
use predicates::prelude::*;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// A reduced size, so that each run takes a moment.
const SMALL: [&str; 7] = ["--agents", "60", "--steps", "12", "--replicates", "2", "-q"];

/// The files of a folder, by name, without the folder's temporary or hidden files.
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

#[test]
fn run_finds_a_bundled_scenario_by_name_from_an_empty_folder() {
    let work = tempfile::tempdir().unwrap();
    agora().current_dir(work.path()).arg("run").arg("showcase").args(SMALL).assert().success().stdout("");
    let out = work.path().join("output/showcase");
    let run: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    assert_eq!(run["scenario_file"], "<bundled>/showcase.toml", "{run}");
    // The same numbers as the file in the source tree gives.
    let file = work.path().join("from_file");
    agora()
        .arg("run")
        .arg(root().join("scenarios/showcase.toml"))
        .args(SMALL)
        .arg("--out")
        .arg(&file)
        .assert()
        .success();
    for table in ["summary.csv", "timeseries.csv", "comparison.csv"] {
        assert_eq!(std::fs::read(out.join(table)).unwrap(), std::fs::read(file.join(table)).unwrap(), "{table}");
    }
    // The other spellings of the name, and a validation case by its last part.
    for name in ["showcase.toml", "scenarios/showcase.toml", "./showcase", "kinetic", "validation/kinetic.toml"] {
        agora().current_dir(work.path()).args(["validate", name]).assert().success();
    }
    assert_eq!(names_in(work.path()), ["from_file", "output"]);
}

#[test]
fn an_unknown_name_is_refused_with_the_bundled_names() {
    let work = tempfile::tempdir().unwrap();
    for command in ["run", "validate", "sweep", "serve"] {
        let a = agora().current_dir(work.path()).args([command, "showcas"]).assert().code(2);
        let stderr = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
        assert!(stderr.contains("showcas: cannot read the scenario file"), "{command}: {stderr}");
        assert!(stderr.contains("did you mean `showcase`?"), "{command}: {stderr}");
        for name in ["showcase", "tragedy", "validation/kinetic"] {
            assert!(stderr.contains(name), "{command}: `{name}` not listed in:\n{stderr}");
        }
    }
    // A file that exists but cannot be read keeps the system's reason, with no list.
    std::fs::create_dir(work.path().join("folder.toml")).unwrap();
    let a = agora().current_dir(work.path()).args(["run", "folder.toml"]).assert().code(2);
    assert!(!String::from_utf8_lossy(&a.get_output().stderr).contains("tragedy"));
    // A path is not taken for a misspelt name.
    let a = agora().current_dir(work.path()).args(["run", "elsewhere/showcas.toml"]).assert().code(2);
    assert!(!String::from_utf8_lossy(&a.get_output().stderr).contains("did you mean"));
    assert_eq!(names_in(work.path()), ["folder.toml"]);
}

#[test]
fn a_file_of_the_name_comes_before_the_bundled_scenario() {
    let work = tempfile::tempdir().unwrap();
    let mine = std::fs::read_to_string(root().join("tests/data/good/minimal.toml")).unwrap();
    let local = agora::library::renamed(&mine, "local_copy");
    std::fs::write(work.path().join("showcase.toml"), &local).unwrap();
    for name in ["showcase", "showcase.toml"] {
        agora()
            .current_dir(work.path())
            .args(["validate", "--print", name])
            .assert()
            .success()
            .stdout(predicate::str::contains("name = \"local_copy\""));
    }
    // `scenarios/showcase.toml` is no file here, so it is the bundled one.
    agora()
        .current_dir(work.path())
        .args(["validate", "--print", "scenarios/showcase.toml"])
        .assert()
        .success()
        .stdout(predicate::str::contains("name = \"showcase\""));
}

#[test]
fn new_from_writes_a_bundled_scenario_out_and_never_overwrites() {
    let work = tempfile::tempdir().unwrap();
    let at = |args: &[&str]| {
        let mut cmd = agora();
        cmd.current_dir(work.path()).args(args);
        cmd
    };
    at(&["new", "mine", "--from", "showcase"]).assert().success().stderr(predicate::str::contains("wrote mine.toml"));
    let text = std::fs::read_to_string(work.path().join("mine.toml")).unwrap();
    let bundled = agora::library::find(Path::new("showcase")).unwrap().1;
    assert_eq!(text, agora::library::renamed(bundled, "mine"));
    assert!(text.contains("name = \"mine\""), "the copy runs into output/mine, not over the showcase's");
    // `agora run mine.toml`, and `agora run mine` reads mine.toml.
    at(&["run", "mine.toml"]).args(SMALL).assert().success();
    assert!(work.path().join("output/mine/summary.csv").is_file());
    at(&["validate", "--print", "mine"]).assert().success().stdout(predicate::str::contains("name = \"mine\""));
    // Never overwritten, by a copy or by the starter; an unknown source writes nothing.
    std::fs::write(work.path().join("mine.toml"), "edited").unwrap();
    for args in [&["new", "mine", "--from", "tragedy"][..], &["new", "mine.toml"]] {
        at(args).assert().code(2).stderr(predicate::str::contains("mine.toml already exists"));
    }
    assert_eq!(std::fs::read_to_string(work.path().join("mine.toml")).unwrap(), "edited");
    at(&["new", "other", "--from", "nosuch"]).assert().code(2).stderr(predicate::str::contains("tragedy"));
    at(&["new", "../escape", "--from", "showcase"]).assert().code(2);
    // A copy of a validation case, and of a file (`kin` is kin.toml); no temporary file is left.
    at(&["new", "kin", "--from", "kinetic"]).assert().success();
    at(&["new", "kin2", "--from", "kin"]).assert().success();
    assert!(std::fs::read_to_string(work.path().join("kin2.toml")).unwrap().contains("name = \"kin2\""));
    assert_eq!(names_in(work.path()), ["kin.toml", "kin2.toml", "mine.toml", "output"]);
}

#[test]
fn sweep_compare_and_slurm_take_bundled_names() {
    let work = tempfile::tempdir().unwrap();
    let at = |args: &[&str]| {
        let mut cmd = agora();
        cmd.current_dir(work.path()).args(args);
        cmd
    };
    at(&["sweep", "free_riders", "--agents", "40", "--steps", "8", "--replicates", "1", "-q"]).assert().success();
    assert!(work.path().join("output/free_riders/sweep.csv").is_file());
    at(&["compare", "showcase", "showcase_basic_income"]).args(SMALL).assert().success();
    assert!(work.path().join("output/showcase_vs_showcase_basic_income/comparison.csv").is_file());
    // The job scripts name the bundled scenario, which the tasks' agora reads the same way.
    at(&["slurm", "free_riders", "--shards", "2", "--min-task-seconds", "0", "--out", "jobs"])
        .args(["--agents", "40", "--steps", "8", "--replicates", "1", "-q"])
        .assert()
        .success();
    let task = std::fs::read_to_string(work.path().join("jobs/slurm/sweep.sbatch")).unwrap();
    assert!(task.contains("<bundled>/free_riders.toml"), "{task}");
    at(&["validate", "<bundled>/free_riders.toml"]).assert().success();
}

#[test]
fn serve_and_check_need_no_source_tree() {
    let work = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_agora"))
        .current_dir(work.path())
        .args(["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (stdout, stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = (String::new(), String::new());
        let _ = BufReader::new(stdout).read_line(&mut lines.0);
        // The line that says what is served comes before the address.
        let mut err = BufReader::new(stderr);
        while err.read_line(&mut lines.1).is_ok_and(|n| n > 0) && !lines.1.contains("serving") {}
        let _ = tx.send(lines);
    });
    let got = rx.recv_timeout(Duration::from_secs(30));
    let _ = child.kill();
    let _ = child.wait();
    let (url, said) = got.expect("agora serve printed no address within 30 s");
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(said.contains("serving <bundled>/showcase.toml"), "{said}");
    assert!(!said.contains(env!("CARGO_MANIFEST_DIR")), "the build folder leaked: {said}");
    // The validation suite reads its compiled-in cases.
    agora().current_dir(work.path()).args(["check", "--case", "public_goods", "-q"]).assert().success();
    assert!(read_tree(work.path()).is_empty());
}
