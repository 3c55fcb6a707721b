//! `agora check`, the validation suite, end to end on the real binary: every case against its
//! published number.

use assert_cmd::Command;

fn agora() -> Command {
    Command::cargo_bin("agora").unwrap()
}

/// Every case of the default suite passes: the kinetic laws, yard-sale condensation and its
/// Fokker-Planck stationary law, the fishery's MSY, the donation game's threshold at three
/// ratios c/b, and the public-goods pattern.
#[test]
fn the_validation_suite_passes() {
    let out = agora().args(["check", "--threads", "2"]).env("CI", "1").output().unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{table}\n{log}");
    let lines: Vec<&str> = table.lines().skip(1).collect();
    assert!(lines.len() >= 20, "{table}");
    assert!(lines.iter().all(|l| l.ends_with("pass")), "{table}");
    for case in ["kinetic λ=0.75", "yard-sale χ=0.05", "fishery MSY", "donation c/b=0.500", "public goods, punishment"]
    {
        assert!(table.contains(case), "missing {case}:\n{table}");
    }
}

/// The long variants: more replicates and a finer bisection of the donation threshold.
#[test]
#[ignore = "long validation: cargo test --release -- --ignored"]
fn the_long_validation_suite_passes() {
    let out = agora().args(["check", "--long"]).env("CI", "1").output().unwrap();
    assert!(out.status.success(), "{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

/// `--case` runs only the cases named, `--markdown` prints a Markdown table, `--list` names
/// the cases, and an unknown case is refused with exit code 2 and the list of cases.
#[test]
fn check_options_act() {
    let out = agora().args(["check", "--case", "public_goods", "--markdown", "-q"]).output().unwrap();
    assert!(out.status.success());
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.starts_with("| case | source |"), "{table}");
    assert!(table.lines().skip(2).all(|l| l.contains("public goods")), "{table}");
    assert_eq!(table.lines().count(), 4, "{table}");

    let list = agora().args(["check", "--list"]).output().unwrap();
    let names = String::from_utf8_lossy(&list.stdout);
    for case in [
        "kinetic",
        "yard_sale",
        "fishery",
        "donation",
        "public_goods",
        "issued_income",
        "division_of_labour",
        "ricardo",
    ] {
        assert!(names.lines().any(|l| l.starts_with(case)), "{names}");
    }

    let bad = agora().args(["check", "--case", "kinetics"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("--case") && err.contains("kinetic, yard_sale"), "{err}");
}
