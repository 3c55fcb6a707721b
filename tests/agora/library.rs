//! The scenario library: every bundled scenario runs (at reduced size) and writes complete,
//! finite results; every key of the resolved schema is documented in docs/ODD.md; every
//! bundled file opens with the same comment block and comments each key; `agora new` writes a
//! starter that validates and runs, and never overwrites; `agora list` shows the questions;
//! the `money_loss` shock keeps the books balanced.

use crate::common::{agora, col, read_csv, root};
use agora::plan::parse;
use agora::scenario::Overrides;
use std::path::{Path, PathBuf};

/// Every `.toml` under `scenarios/` and `scenarios/validation/`, sorted.
fn bundled_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in [root().join("scenarios"), root().join("scenarios/validation")] {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            if e.path().extension().is_some_and(|x| x == "toml") {
                files.push(e.path());
            }
        }
    }
    files.sort();
    assert!(files.len() >= 20, "the library holds the bundled scenarios");
    files
}

fn is_sweep(path: &Path) -> bool {
    let t: toml::Table = std::fs::read_to_string(path).unwrap().parse().unwrap();
    t.contains_key("sweep")
}

/// The keys a scenario's `[sweep]` sets (a flag may not override them).
fn swept_keys(path: &Path) -> Vec<String> {
    let t: toml::Table = std::fs::read_to_string(path).unwrap().parse().unwrap();
    let mut keys = Vec::new();
    if let Some(sweep) = t.get("sweep").and_then(|v| v.as_table()) {
        leaves(sweep, "", &mut keys);
    }
    keys.into_iter().map(|(k, _)| k).collect()
}

/// The step of the last shock anywhere in a scenario (base or variants), 0 if none.
fn last_shock_step(path: &Path) -> i64 {
    let t: toml::Table = std::fs::read_to_string(path).unwrap().parse().unwrap();
    let mut keys = Vec::new();
    leaves(&t, "", &mut keys);
    keys.iter().filter(|(k, _)| k.ends_with("shocks.step")).filter_map(|(_, v)| v.as_integer()).max().unwrap_or(0)
}

/// Every mean and interval of a summary-shaped CSV (summary.csv, sweep.csv) is finite where it
/// is written; at least one row exists.
fn assert_finite(path: &Path, columns: &[&str]) {
    let (h, rows) = read_csv(path);
    assert!(!rows.is_empty(), "{}: no rows", path.display());
    for r in &rows {
        for c in columns {
            let i = h.iter().position(|x| x == c).unwrap_or_else(|| panic!("{}: no column {c}", path.display()));
            if !r[i].is_empty() {
                let v: f64 = r[i].parse().unwrap();
                assert!(v.is_finite(), "{}: {c} = {v} in {r:?}", path.display());
            }
        }
    }
}

/// Runs every bundled scenario (iterating `scenarios/`, not a list) at a reduced size: `run`
/// for plain scenarios, `sweep` for those with a `[sweep]` table. Each must exit 0, write its
/// files, give finite headline values (needs met in [0, 1] where the regimes have goods) and,
/// for sweeps, a sweep.csv with a row for every point of points.csv and every entry.
#[test]
fn every_bundled_scenario_runs_at_reduced_size() {
    let work = tempfile::tempdir().unwrap();
    let small = [("agents", "60"), ("steps", "24"), ("replicates", "2"), ("warmup", "8"), ("threads", "2")];
    for path in bundled_files() {
        let stem = path.strip_prefix(root().join("scenarios")).unwrap().display().to_string().replace('/', "_");
        let out = work.path().join(&stem);
        let sweep = is_sweep(&path);
        let swept = swept_keys(&path);
        // Short runs, but long enough for the last shock to strike.
        let steps = (last_shock_step(&path) + 10).max(24).to_string();
        let flags: Vec<String> = small
            .iter()
            .map(|&(k, v)| (k, if k == "steps" { steps.as_str() } else { v }))
            .filter(|(k, _)| !swept.contains(&format!("run.{k}")))
            .flat_map(|(k, v)| [format!("--{k}"), v.to_string()])
            .collect();
        agora()
            .arg(if sweep { "sweep" } else { "run" })
            .arg(&path)
            .args(&flags)
            .arg("-q")
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        if sweep {
            for f in ["sweep.csv", "points.csv", "design.json", "sweep.json", "sweep.html", "sweep.resolved.toml"] {
                assert!(out.join(f).is_file(), "{stem}: no {f}");
            }
            assert_finite(&out.join("sweep.csv"), &["mean", "ci95_low", "ci95_high", "diff"]);
            let (_, points) = read_csv(&out.join("points.csv"));
            let (h, rows) = read_csv(&out.join("sweep.csv"));
            let p = h.iter().position(|x| x == "point").unwrap();
            let r = h.iter().position(|x| x == "regime").unwrap();
            let entries: std::collections::BTreeSet<&str> = rows.iter().map(|x| x[r].as_str()).collect();
            for point in &points {
                for e in &entries {
                    assert!(
                        rows.iter().any(|x| x[p] == point[1] && x[r] == *e),
                        "{stem}: sweep.csv has no row for point {} and {e}",
                        point[1]
                    );
                }
            }
        } else {
            for f in ["summary.csv", "timeseries.csv", "run.json", "scenario.resolved.toml"] {
                assert!(out.join(f).is_file(), "{stem}: no {f}");
            }
            assert_finite(&out.join("summary.csv"), &["mean", "sd", "ci95_low", "ci95_high"]);
            let (h, rows) = read_csv(&out.join("summary.csv"));
            for row in rows.iter().filter(|x| x[1] == "needs_met_mean") {
                let v = col(&h, row, "mean");
                assert!((0.0..=1.0).contains(&v), "{stem}: needs_met_mean {v} in {row:?}");
            }
            let json: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(out.join("run.json")).unwrap()).unwrap();
            assert_eq!(json["complete"], serde_json::Value::Bool(true), "{stem}: run.json says incomplete");
        }
    }
}

/// The words inside backtick spans of a Markdown text.
fn backticked_words(md: &str) -> std::collections::BTreeSet<String> {
    let mut words = std::collections::BTreeSet::new();
    for (k, span) in md.split('`').enumerate() {
        if k % 2 == 1 {
            for w in span.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                if !w.is_empty() {
                    words.insert(w.to_string());
                }
            }
        }
    }
    words
}

/// Every leaf key of a table, dotted; arrays of tables are walked into (`policy.shocks.size`).
fn leaves(t: &toml::Table, prefix: &str, out: &mut Vec<(String, toml::Value)>) {
    for (k, v) in t {
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            toml::Value::Table(inner) => leaves(inner, &key, out),
            toml::Value::Array(items) if items.iter().all(toml::Value::is_table) && !items.is_empty() => {
                for item in items {
                    leaves(item.as_table().unwrap(), &key, out);
                }
            }
            _ => out.push((key, v.clone())),
        }
    }
}

/// Every key of the resolved schema (every section, every regime's table, every form of the
/// tagged tables and every shock kind) is documented in docs/ODD.md: its name appears there in
/// code, and so does every value a tag (`kind`, `dist`, `model`) or a choice takes.
#[test]
fn every_scenario_key_is_documented_in_odd() {
    let odd = std::fs::read_to_string(root().join("docs/ODD.md")).unwrap();
    let words = backticked_words(&odd);
    let regimes: Vec<String> = agora::regimes::REGIMES.iter().map(|r| format!("\"{}\"", r.name)).collect();
    let all = format!("regimes = [{}]\n", regimes.join(", "));
    let scenarios = [
        format!(
            "name = \"k\"\ndescription = \"d\"\nquestion = \"q\"\n{all}\
             [policy]\nbasic_income = {{ amount = 0.1, in = \"goods\" }}\ntax = {{ on = \"wealth\", rate = 0.1 }}\n\
             shocks = [{{ step = 5, kind = \"resource_crash\", size = 0.5 }}, {{ step = 6, kind = \"productivity\", size = 0.1, duration = 3 }}, \
             {{ step = 7, kind = \"exodus\", share = 0.1 }}, {{ step = 8, kind = \"money_loss\", size = 0.5 }}]\n"
        ),
        format!(
            "name = \"k\"\n{all}[population]\nskill = {{ dist = \"uniform\", low = 0.5, high = 1.5 }}\n\
             network = {{ kind = \"scale_free\", degree = 8 }}\n\
             [market]\ninitial_money = {{ dist = \"pareto\", scale = 1.0, shape = 2.0 }}\n\
             [mutual_credit]\nlimit = {{ kind = \"turnover\", factor = 2.0, window = 3, floor = 0.5 }}\n\
             [resource]\nquota = {{ kind = \"share_of_regrowth\", share = 0.5 }}\n"
        ),
        format!("name = \"k\"\n{all}[population]\nskill = {{ dist = \"exponential\", mean = 1.0 }}\nnetwork = {{ kind = \"ring\", degree = 4 }}\n"),
        format!("name = \"k\"\n{all}[population]\nskill = {{ dist = \"constant\", value = 1.0 }}\nnetwork = {{ kind = \"complete\" }}\n"),
        "name = \"k\"\nmode = \"coexist\"\nregimes = [\"market\", \"commons\"]\n[coexist]\nshares = { market = 0.5, commons = 0.5 }\nmigrate = 0.1\ncross_trade = true\n".to_string(),
    ];
    let mut missing = Vec::new();
    let mut checked = 0;
    for src in &scenarios {
        let plan = parse(src, None, &Overrides::default()).unwrap_or_else(|e| panic!("{e}\n{src}"));
        let resolved: toml::Table = plan.resolved_toml.parse().unwrap();
        let mut keys = Vec::new();
        leaves(&resolved, "", &mut keys);
        for (key, value) in keys {
            // `coexist.shares.<label>`: the labels are the scenario's own.
            if key.starts_with("coexist.shares.") {
                continue;
            }
            let name = key.rsplit('.').next().unwrap();
            checked += 1;
            if !words.contains(name) {
                missing.push(format!("key `{key}`"));
            }
            let tag = matches!(name, "kind" | "dist" | "model" | "in" | "on");
            if let (true, Some(v)) = (tag, value.as_str()) {
                if !words.contains(v) {
                    missing.push(format!("value `{key} = \"{v}\"`"));
                }
            }
        }
    }
    missing.sort();
    missing.dedup();
    assert!(checked > 150, "walked {checked} keys");
    assert!(missing.is_empty(), "not documented in docs/ODD.md (in code):\n  {}", missing.join("\n  "));
}

/// Every bundled scenario opens with the same comment block (Summary, Question, How to run,
/// Files, Further reading), sets `name`, `description` and `question`, and comments every key
/// it sets outside `[variant.*]` (on its line, or on the line above).
#[test]
fn every_bundled_scenario_has_the_header_and_commented_keys() {
    let mut problems = Vec::new();
    for path in bundled_files().into_iter().filter(|p| !p.starts_with(root().join("scenarios/validation"))) {
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let header: String =
            text.lines().take_while(|l| l.starts_with('#') || l.is_empty()).collect::<Vec<_>>().join("\n");
        for field in ["# Summary:", "# Question:", "# How to run:", "# Files:", "# Further reading:"] {
            if !header.contains(field) {
                problems.push(format!("{file}: the header has no `{field}`"));
            }
        }
        let t: toml::Table = text.parse().unwrap();
        for k in ["name", "description", "question"] {
            if t.get(k).and_then(|v| v.as_str()).is_none_or(str::is_empty) {
                problems.push(format!("{file}: no `{k}`"));
            }
        }
        let lines: Vec<&str> = text.lines().collect();
        let mut in_variant = false;
        for (i, line) in lines.iter().enumerate() {
            let l = line.trim();
            if l.starts_with('[') {
                in_variant = l.starts_with("[variant.");
                continue;
            }
            if l.is_empty() || l.starts_with('#') || in_variant || !l.contains('=') {
                continue;
            }
            let above = i > 0 && lines[i - 1].trim_start().starts_with('#');
            if !l.contains(" #")
                && !above
                && !matches!(l.split('=').next().unwrap().trim(), "name" | "description" | "question")
            {
                problems.push(format!("{file}:{}: `{l}` has no comment", i + 1));
            }
        }
    }
    assert!(problems.is_empty(), "\n  {}", problems.join("\n  "));
}

/// `agora list` shows every bundled scenario with its question; `agora new` writes a starter
/// that validates without a warning and runs, and refuses (exit 2) to overwrite a file.
#[test]
fn list_shows_questions_and_new_writes_a_starter_that_runs() {
    let listed = agora().arg("list").assert().success().get_output().stdout.clone();
    let listed = String::from_utf8(listed).unwrap();
    for b in agora::library::bundled() {
        assert!(!b.question.is_empty(), "{} has no question", b.file);
        assert!(listed.contains(b.file) && listed.contains(&b.question), "agora list lacks {}", b.file);
    }
    assert_eq!(agora::library::bundled().len(), bundled_files().len(), "build.rs compiled in every file");

    // The working folder sits one level inside a temporary folder of its own, so a name that
    // escaped it would land where this test can see it, never in a shared /tmp.
    let outer = tempfile::tempdir().unwrap();
    let work = outer.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let work = tempfile::TempDir::new_in(&work).unwrap();
    agora().current_dir(work.path()).args(["new", "my_study"]).assert().success();
    let path = work.path().join("my_study.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("name = \"my_study\"") && text.contains("# Question:"));
    let v = agora().current_dir(work.path()).args(["validate", "my_study.toml"]).assert().success();
    let stderr = String::from_utf8(v.get_output().stderr.clone()).unwrap();
    assert!(!stderr.contains("warning"), "the starter validates without warnings: {stderr}");
    agora()
        .current_dir(work.path())
        .args(["run", "my_study.toml", "--agents", "60", "--steps", "20", "--replicates", "2", "-q", "--out", "o"])
        .assert()
        .success();
    assert!(work.path().join("o/summary.csv").is_file());
    // Never overwrites, and refuses names that are not plain.
    std::fs::write(&path, "kept").unwrap();
    agora().current_dir(work.path()).args(["new", "my_study"]).assert().code(2);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "kept");
    for bad in ["../escape", "sub/x", "/abs", "a b", "", "x.toml.toml"] {
        let out = agora().current_dir(work.path()).args(["new", bad]).assert().code(2).get_output().stderr.clone();
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains("letters, digits"), "`{bad}` is refused with the name rule: {out}");
    }
    let mut left: Vec<_> = walk(outer.path());
    left.retain(|p| !p.starts_with(work.path()));
    assert!(left.is_empty(), "no file written outside the working folder: {left:?}");
}

/// Every file under `dir`, recursively.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A `money_loss` shock takes the share `size` of every member's market money and of every
/// positive mutual-credit balance at its step, books it to `lost_to_shock`, and so keeps
/// market money (with the accounts) constant and balances (with the accounts) summing to 0;
/// where a regime has no money it warns that it does nothing there.
#[test]
fn money_loss_takes_money_and_keeps_the_books() {
    use agora::engine::Sim;
    for regime in ["market", "mutual_credit"] {
        let src = |shocks: &str| {
            format!(
                "name = \"m\"\nregimes = [\"{regime}\"]\n[run]\nagents = 300\nsteps = 30\nreplicates = 1\nwarmup = 0\n\
                 [policy]\nshocks = [{shocks}]\n"
            )
        };
        let shocked =
            parse(&src("{ step = 10, kind = \"money_loss\", size = 0.5 }"), None, &Overrides::default()).unwrap();
        let calm = parse(&src(""), None, &Overrides::default()).unwrap();
        let (mut sim, mut twin) = (Sim::for_entry(&shocked, 0, 0), Sim::for_entry(&calm, 0, 0));
        let column = |s: &Sim| -> Vec<i64> {
            if regime == "market" {
                s.world().agents.money.clone()
            } else {
                s.world().agents.balance.clone()
            }
        };
        let initial: i64 = column(&sim).iter().sum();
        for step in 1..=30 {
            sim.advance();
            twin.advance();
            let held: i64 = column(&sim).iter().sum();
            let accounts: i64 = sim.accounts(0).iter().map(|a| a.1).sum();
            assert_eq!(held + accounts, initial, "{regime} step {step}: the books balance");
            let lost = sim.accounts(0).iter().find(|a| a.0 == "lost_to_shock").map_or(0, |a| a.1);
            assert_eq!(lost > 0, step >= 10, "{regime} step {step}: lost {lost}");
            if step < 10 {
                assert_eq!(column(&sim), column(&twin), "{regime} step {step}: the same until the shock");
            }
            if step == 10 {
                // Up to the policy phase of step 10 the two worlds are the same, so the calm
                // twin holds what the shocked world held when the shock struck.
                let (after, before) = (column(&sim), column(&twin));
                let mut expected_loss = 0;
                for (a, b) in after.iter().zip(&before) {
                    let loss = if *b > 0 { (0.5 * *b as f64).floor() as i64 } else { 0 };
                    assert_eq!(*a, b - loss, "{regime}: half of each positive holding, debts untouched");
                    expected_loss += loss;
                }
                assert_eq!(lost, expected_loss, "{regime}: the account holds what was lost");
                assert!(lost > 0);
            }
        }
    }
    // Where there is no money, the shock warns that it does nothing.
    let work = tempfile::tempdir().unwrap();
    let p = work.path().join("g.toml");
    std::fs::write(
        &p,
        "name = \"g\"\nregimes = [\"gift\"]\n[policy]\nshocks = [{ step = 10, kind = \"money_loss\", size = 0.5 }]\n",
    )
    .unwrap();
    let v = agora().arg("validate").arg(&p).assert().success();
    let stderr = String::from_utf8(v.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("policy.shocks") && stderr.contains("money_loss"), "{stderr}");
    // The size is a share.
    std::fs::write(
        &p,
        "name = \"g\"\nregimes = [\"market\"]\n[policy]\nshocks = [{ step = 10, kind = \"money_loss\", size = 1.5 }]\n",
    )
    .unwrap();
    agora().arg("validate").arg(&p).assert().code(2);
}

/// A basic income issued as new money, with demurrage destroying money, in a market and in
/// mutual credit: the books balance every step (agents' money or credit plus the `issued` and
/// `destroyed` accounts is what the world started with; balances with the issuer's account sum
/// to zero), and the money members hold tends to the closed form `y / d` per member. Demurrage
/// charges positive holdings only, so in mutual credit it is the positive balances that tend
/// to `y / d` (where demurrage destroys what is issued); in the market every holding is positive.
#[test]
fn issued_income_keeps_the_books_and_reaches_y_over_d() {
    use agora::engine::Sim;
    let src = "name = \"i\"\nregimes = [\"market\", \"mutual_credit\"]\n[run]\nagents = 300\nsteps = 200\nreplicates = 1\nwarmup = 150\n\
               [policy]\nbasic_income = { amount = 0.5, in = \"money\", funding = \"issue\" }\ndemurrage = 0.1\n";
    let plan = parse(src, None, &Overrides::default()).unwrap();
    crate::registry::assert_invariants("issued income", &plan);
    let unit = agora::money::MONEY_UNIT as f64;
    for (e, column) in [(0, "market"), (1, "mutual_credit")] {
        let mut sim = Sim::for_entry(&plan, e, 0);
        for _ in 0..200 {
            sim.advance();
        }
        let a = &sim.world().agents;
        let held = if column == "market" { &a.money } else { &a.balance };
        let positive: i64 = held.iter().map(|&m| m.max(0)).sum();
        let issued = sim.accounts(0).iter().find(|x| x.0 == "issued").map_or(0, |x| x.1);
        let destroyed = sim.accounts(0).iter().find(|x| x.0 == "destroyed").map_or(0, |x| x.1);
        assert!(issued < 0 && destroyed > 0, "{column}: {issued} issued, {destroyed} destroyed");
        let now = positive as f64 / unit / 300.0;
        assert!((now - 5.0).abs() < 0.03 * 5.0, "{column}: {now} held per member, expected y / d = 5");
    }
}
