//! Each design and its analysis: grid, table, Sobol', Morris, PRCC, random; the stop rule;
//! pairwise win shares.

use super::{deterministic_files, journal_lines, points, sweep, write, BASE};
use crate::common::{agora, col, read_csv};
use std::path::{Path, PathBuf};

#[test]
fn a_grid_expands_in_order_and_writes_every_file() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{BASE}[sweep]\n\"population.strategies.free_rider\" = {{ from = 0.0, to = 0.4, steps = 3 }}\n\"adapt.imitate\" = [0.0, 0.1]\n"
    );
    let file = write(dir.path(), "grid.toml", &text);
    let out = dir.path().join("out");
    let (stdout, stderr) = sweep(&file, &out, &[]);
    assert!(stderr.is_empty(), "no bar on a pipe, no warning: {stderr}");
    assert!(stdout.contains("6 points x 2 replicates = 12 runs (12 run now, 0 reused)"), "{stdout}");
    assert!(stdout.contains("points/min"), "{stdout}");
    // Grid order: the first parameter (as written) varies slowest.
    let (header, rows) = read_csv(&out.join("points.csv"));
    assert_eq!(header, ["position", "point", "seed", "hash", "population.strategies.free_rider", "adapt.imitate"]);
    let values: Vec<(String, String)> = rows.iter().map(|r| (r[4].clone(), r[5].clone())).collect();
    let expected = [("0.0", "0.0"), ("0.0", "0.1"), ("0.2", "0.0"), ("0.2", "0.1"), ("0.4", "0.0"), ("0.4", "0.1")];
    assert_eq!(values, expected.map(|(a, b)| (a.to_string(), b.to_string())));
    // Common random numbers: every point runs with the scenario's seed.
    assert!(rows.iter().all(|r| r[2] == "7"));
    let (header, rows) = read_csv(&out.join("sweep.csv"));
    assert_eq!(&header[..4], ["point", "seed", "population.strategies.free_rider", "adapt.imitate"]);
    assert_eq!(
        &header[4..],
        [
            "regime",
            "metric",
            "mean",
            "sd",
            "ci95_low",
            "ci95_high",
            "n",
            "diff",
            "diff_ci95_low",
            "diff_ci95_high",
            "diff_p_value",
            "failed"
        ]
    );
    // One row per point, regime and headline metric, in design order; differences only for
    // the non-baseline entry.
    let first = &rows[0];
    assert_eq!((first[4].as_str(), first[5].as_str()), ("market", "needs_met_mean"));
    assert!(first[11].is_empty() && !rows.iter().find(|r| r[4] == "gift").unwrap()[11].is_empty());
    let ids: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    let mut order: Vec<&str> = ids.clone();
    order.dedup();
    assert_eq!(order.len(), 6);
    assert_eq!(order, points(&out).iter().map(|p| p.0.as_str()).collect::<Vec<_>>());
    assert!(rows.iter().all(|r| r[10] == "2" && r[15] == "0"), "n = 2 replicates, none failed");
    // A free rider share of 0 and 0.4 really differ in the share the run measured.
    let fr = |share: &str| {
        let (h, rows) = read_csv(&out.join("sweep.csv"));
        rows.iter()
            .find(|r| r[2] == share && r[3] == "0" && r[4] == "market" && r[5] == "needs_met_mean")
            .map(|r| col(&h, r, "mean"))
    };
    assert!(fr("0").is_some() && fr("0.4").is_some());
    for f in ["design.json", "sweep.resolved.toml", "sweep.json", "sweep.html", "results/main.jsonl"] {
        assert!(out.join(f).is_file(), "no {f}");
    }
    assert!(!out.join("sweep.partial.csv").exists() && !out.join("sensitivity.csv").exists());
    assert!(out.join("plots").read_dir().unwrap().count() >= 4, "response charts and heat maps");
    assert!(out.join("plots/heatmap_needs_met_mean.svg").is_file());
    let resolved = std::fs::read_to_string(out.join("sweep.resolved.toml")).unwrap();
    assert!(resolved.contains("[sweep]") && resolved.contains("design = \"grid\""), "{resolved}");
    // The resolved sweep is itself a sweep that gives the same files.
    let again = dir.path().join("again");
    sweep(&out.join("sweep.resolved.toml"), &again, &["-q"]);
    assert_eq!(std::fs::read(out.join("sweep.csv")).unwrap(), std::fs::read(again.join("sweep.csv")).unwrap());
    // `agora plot` redraws the charts and the page byte for byte.
    let before = deterministic_files(&out);
    agora().arg("plot").arg(&out).arg("-q").assert().success();
    assert_eq!(before, deterministic_files(&out));
    // Drawing the page alone (no chart format) leaves the charts where they are.
    let figures = agora::output::sweep::write_figures(&out, &[], true).unwrap();
    assert!(figures.plots.is_empty() && figures.report.is_some());
    assert_eq!(before, deterministic_files(&out));
}

/// A market-only scenario swept over a parameter the market reads (`population.base_output`)
/// and one only the gift economy reads (`gift.keep`).
fn sensitivity_scenario(dir: &Path, design: &str) -> PathBuf {
    let text = BASE.replace("regimes = [\"market\", \"gift\"]", "regimes = [\"market\"]");
    write(
        dir,
        &format!("{design}.toml"),
        &format!(
            "{text}[sweep]\n{design}\nbootstrap = 200\n\"population.base_output\" = {{ from = 1.5, to = 4.0 }}\n\"gift.keep\" = {{ from = 0.5, to = 3.0 }}\n"
        ),
    )
}

fn index(out: &Path, metric: &str, parameter: &str, which: &str) -> (f64, f64, f64) {
    let (h, rows) = read_csv(&out.join("sensitivity.csv"));
    let r = rows
        .iter()
        .find(|r| r[0] == "market" && r[1] == metric && r[2] == parameter && r[4] == which)
        .unwrap_or_else(|| panic!("no {which} of {parameter} for {metric}"));
    (col(&h, r, "value"), col(&h, r, "ci95_low"), col(&h, r, "ci95_high"))
}

#[test]
fn sobol_indices_find_the_parameter_that_matters_and_zero_for_one_never_read_on_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let file = sensitivity_scenario(dir.path(), "design = \"sobol\"\nn = 16");
    let one = dir.path().join("one");
    let three = dir.path().join("three");
    let (_, stderr) = sweep(&file, &one, &["--threads", "1"]);
    assert!(stderr.contains("the `[gift]` table is ignored"), "a warning that gift.keep acts on nothing: {stderr}");
    sweep(&file, &three, &["--threads", "3", "-q"]);
    assert_eq!(points(&one).len(), 16 * 4, "Saltelli: n (d + 2) positions");
    let (h, _) = read_csv(&one.join("sensitivity.csv"));
    assert_eq!(h, ["regime", "metric", "parameter", "method", "index", "value", "ci95_low", "ci95_high"]);
    let (st, lo, hi) = index(&one, "needs_met_mean", "gift.keep", "sobol_total");
    assert!(
        st.abs() < 1e-12 && lo.abs() < 1e-12 && hi.abs() < 1e-12,
        "gift.keep acts on nothing in a market: {st} [{lo}, {hi}]"
    );
    let (st, lo, _) = index(&one, "needs_met_mean", "population.base_output", "sobol_total");
    assert!(st > 0.5 && lo > 0.2, "base output drives needs met: {st} (low {lo})");
    let (s1, _, _) = index(&one, "needs_met_mean", "population.base_output", "sobol_first");
    assert!(s1 > 0.3, "{s1}");
    // Byte for byte the same on 1 and 3 threads: tables, charts, page.
    assert_eq!(deterministic_files(&one), deterministic_files(&three));
    // The zero comes from common random numbers: with independent streams per point, noise
    // between points lands on gift.keep too.
    let text = std::fs::read_to_string(&file).unwrap().replace("[sweep]\n", "[sweep]\nseeds = \"independent\"\n");
    let indep = write(dir.path(), "indep.toml", &text);
    let out = dir.path().join("indep");
    sweep(&indep, &out, &["-q"]);
    let (_, rows) = read_csv(&out.join("points.csv"));
    let seeds: std::collections::BTreeSet<&str> = rows.iter().map(|r| r[2].as_str()).collect();
    let ids: std::collections::BTreeSet<&str> = rows.iter().map(|r| r[1].as_str()).collect();
    // (Early Sobol' points have equal coordinates, so some positions share a point.)
    assert!(
        seeds.len() == ids.len() && ids.len() > 40,
        "a seed per point: {} seeds, {} points",
        seeds.len(),
        ids.len()
    );
    let (h, rows) = read_csv(&out.join("sweep.csv"));
    assert!(rows.iter().all(|r| rows.iter().filter(|q| q[0] == r[0]).all(|q| q[1] == r[1])), "one seed per point");
    assert!(rows.iter().all(|r| col(&h, r, "seed") != 7.0));
    let (st, _, _) = index(&out, "needs_met_mean", "gift.keep", "sobol_total");
    assert!(st > 1e-6, "independent streams: {st}");
}

#[test]
fn morris_prcc_and_random_designs_rank_the_parameters_too() {
    let dir = tempfile::tempdir().unwrap();
    let morris = sensitivity_scenario(dir.path(), "design = \"morris\"\ntrajectories = 6");
    let out = dir.path().join("morris");
    sweep(&morris, &out, &["-q"]);
    let (mu, _, hi) = index(&out, "needs_met_mean", "gift.keep", "morris_mu_star");
    assert!(mu == 0.0 && hi == 0.0, "{mu} {hi}");
    let (mu, lo, _) = index(&out, "needs_met_mean", "population.base_output", "morris_mu_star");
    assert!(mu > 0.05 && lo > 0.0, "{mu} {lo}");
    let lhs = sensitivity_scenario(dir.path(), "design = \"lhs\"\nn = 24");
    let out = dir.path().join("lhs");
    sweep(&lhs, &out, &["-q"]);
    let (r, _, _) = index(&out, "needs_met_mean", "population.base_output", "prcc");
    assert!(r > 0.8, "{r}");
    let (r, lo, hi) = index(&out, "needs_met_mean", "gift.keep", "prcc");
    assert!(lo < 0.0 && hi > 0.0 && r.abs() < 0.5, "no effect: {r} [{lo}, {hi}]");
    let (_, rows) = read_csv(&out.join("sensitivity.csv"));
    assert!(rows.iter().all(|r| r[3] == "prcc"));
    // Plain random sampling is analysed the same way.
    let random = sensitivity_scenario(dir.path(), "design = \"random\"\nn = 24");
    let out = dir.path().join("random");
    sweep(&random, &out, &["-q"]);
    assert_eq!(points(&out).len(), 24);
    let (r, _, _) = index(&out, "needs_met_mean", "population.base_output", "prcc");
    assert!(r > 0.8, "{r}");
}

#[test]
fn the_stop_rule_ends_a_line_at_the_first_point_past_its_bound() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{BASE}[adapt]\nimitate = 0.0\n[sweep]\nstop = {{ metric = \"free_rider_share\", above = 0.25, regime = \"market\" }}\n\"population.strategies.free_rider\" = {{ from = 0.0, to = 0.6, steps = 7 }}\n"
    );
    let file = write(dir.path(), "s.toml", &text);
    let out = dir.path().join("out");
    let (stdout, _) = sweep(&file, &out, &["--threads", "1"]);
    assert!(
        stdout.contains("left out by the stop rule") && stdout.contains("the stop rule left out 3 points"),
        "{stdout}"
    );
    let (_, rows) = read_csv(&out.join("sweep.csv"));
    let mut shares: Vec<&str> = rows.iter().map(|r| r[2].as_str()).collect();
    shares.dedup();
    assert_eq!(shares, ["0", "0.1", "0.2", "0.3"], "up to and including the first point above the bound");
    // On more threads some later points may run ahead, but the files are the same.
    let more = dir.path().join("more");
    sweep(&file, &more, &["--threads", "3", "-q"]);
    assert_eq!(deterministic_files(&out), deterministic_files(&more));
    // A stop rule needs every point in one place.
    agora().arg("sweep").arg(&file).arg("--out").arg(dir.path().join("x")).args(["--shard", "0/2"]).assert().code(2);
}

#[test]
fn a_table_design_runs_the_rows_of_its_csv_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("designs")).unwrap();
    // Typed cells; an empty cell leaves the key at the scenario's value.
    write(&dir.path().join("designs"), "points.csv", "policy.tax.rate,adapt.imitate\n0.1,0.0\n0.2,\n0.3,0.2\n");
    let file = write(dir.path(), "t.toml", &format!("{BASE}[sweep]\ntable = \"designs/points.csv\"\n"));
    let out = dir.path().join("out");
    let (stdout, _) = sweep(&file, &out, &[]);
    assert!(stdout.contains("3 points x 2 replicates"), "{stdout}");
    let (header, rows) = read_csv(&out.join("points.csv"));
    assert_eq!(&header[4..], ["policy.tax.rate", "adapt.imitate"]);
    assert_eq!(
        rows.iter().map(|r| (r[4].as_str(), r[5].as_str())).collect::<Vec<_>>(),
        [("0.1", "0.0"), ("0.2", ""), ("0.3", "0.2")]
    );
    let resolved = std::fs::read_to_string(out.join("sweep.resolved.toml")).unwrap();
    assert!(resolved.contains("design = \"table\"") && resolved.contains("table = \"table.csv\""), "{resolved}");
    assert_eq!(
        std::fs::read(out.join("table.csv")).unwrap(),
        std::fs::read(dir.path().join("designs/points.csv")).unwrap()
    );
    // The folder's resolved sweep runs again on its own copy of the table.
    let again = dir.path().join("again");
    sweep(&out.join("sweep.resolved.toml"), &again, &["-q"]);
    assert_eq!(std::fs::read(out.join("sweep.csv")).unwrap(), std::fs::read(again.join("sweep.csv")).unwrap());
}

/// `pairwise.csv`: for every pair of regimes and every headline metric, the wins counted
/// over points and replicates, paired; recounted here from the journal's replicate means.
#[test]
fn pairwise_win_shares_count_paired_replicates_and_go_on_the_page() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{}[output]\nplots = []\nreport = true\n[sweep]\n\"population.strategies.free_rider\" = {{ from = 0.0, to = 0.4, steps = 3 }}\n",
        BASE.replace("[\"market\", \"gift\"]", "[\"market\", \"gift\", \"commons\"]").replace("[output]\nplots = [\"svg\"]\n", "")
    );
    let file = write(dir.path(), "pairs.toml", &text);
    let out = dir.path().join("out");
    sweep(&file, &out, &["-q"]);
    let (h, rows) = read_csv(&out.join("pairwise.csv"));
    assert_eq!(&h[..6], ["regime_a", "regime_b", "metric", "unit", "better", "pairs"]);
    // Three pairs, in entry order, times the headline metrics.
    let pairs: Vec<(String, String)> = rows.iter().map(|r| (r[0].clone(), r[1].clone())).collect();
    assert!(pairs.contains(&("market".into(), "gift".into())) && pairs.contains(&("gift".into(), "commons".into())));
    assert!(!pairs.contains(&("gift".into(), "market".into())));
    // Recount one metric from the journal.
    let mut wins = std::collections::BTreeMap::<(String, String), (u64, u64, u64)>::new();
    let records: Vec<serde_json::Value> =
        journal_lines(&out, "main.jsonl").iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    for (a, b) in [("market", "gift"), ("market", "commons"), ("gift", "commons")] {
        let e = wins.entry((a.into(), b.into())).or_default();
        for r in &records {
            let x = r["means"][a]["needs_met_mean"].as_f64().unwrap();
            let y = r["means"][b]["needs_met_mean"].as_f64().unwrap();
            if x > y {
                e.0 += 1;
            } else if y > x {
                e.1 += 1;
            } else {
                e.2 += 1;
            }
        }
    }
    let runs: Vec<&Vec<String>> = rows.iter().filter(|r| r[2] == "needs_met_mean" && r[3] == "run").collect();
    assert_eq!(runs.len(), 3);
    for r in runs {
        let (aw, bw, t) = wins[&(r[0].clone(), r[1].clone())];
        assert_eq!(r[4], "higher");
        assert_eq!(
            (r[5].as_str(), r[6].parse().unwrap(), r[7].parse().unwrap(), r[8].parse().unwrap()),
            ("6", aw, bw, t)
        );
        let share = col(&h, r, "a_win_share");
        assert!((share - aw as f64 / 6.0).abs() < 1e-9);
        assert!(col(&h, r, "a_ci95_low") <= share && share <= col(&h, r, "a_ci95_high"));
    }
    // Counted over points: three points, each compared on its replicate means.
    let points: Vec<&Vec<String>> = rows.iter().filter(|r| r[2] == "needs_met_mean" && r[3] == "point").collect();
    assert!(points.len() == 3 && points.iter().all(|r| r[5] == "3"));
    // Lower is better for destitution: the wins are of the lower share.
    let destitute: Vec<&Vec<String>> = rows.iter().filter(|r| r[2] == "destitute_share").collect();
    assert!(!destitute.is_empty() && destitute.iter().all(|r| r[4] == "lower"));
    let page = std::fs::read_to_string(out.join("sweep.html")).unwrap();
    assert!(page.contains("id=\"pairwise-table\""), "the page shows the win shares");
}

/// Linked keys (`"a & b"`) take the same value at every point: twin settings of two regimes
/// swept together, so a sweep never compares them at different values. Swept alone, `gift.keep`
/// leaves the market's results the same at both points; linked with `market.keep`, it moves
/// both regimes. A key linked to itself is refused.
#[test]
fn linked_keys_take_the_same_value_at_every_point() {
    let dir = tempfile::tempdir().unwrap();
    // Each regime's needs met at the two points.
    let run = |key: &str| {
        let file = write(dir.path(), "l.toml", &format!("{BASE}[sweep]\n\"{key}\" = [1.0, 2.0]\n"));
        let out = dir.path().join(key.replace(['&', ' ', '.'], "_"));
        sweep(&file, &out, &["-q"]);
        let (h, rows) = read_csv(&out.join("sweep.csv"));
        let at = |name: &str| h.iter().position(|c| c == name).unwrap();
        let pick = |regime: &str| -> Vec<String> {
            rows.iter()
                .filter(|r| r[at("regime")] == regime && r[at("metric")] == "needs_met_mean")
                .map(|r| r[at("mean")].clone())
                .collect()
        };
        (pick("market"), pick("gift"))
    };
    let (market, gift) = run("gift.keep");
    assert_eq!(market.len(), 2);
    assert_eq!(market[0], market[1], "gift.keep alone leaves the market alone");
    assert_ne!(gift[0], gift[1]);
    let (market, gift) = run("market.keep & gift.keep");
    assert_ne!(market[0], market[1], "linked, market.keep moves too: {market:?}");
    assert_ne!(gift[0], gift[1]);
    let bad = write(dir.path(), "b.toml", &format!("{BASE}[sweep]\n\"gift.keep & gift.keep\" = [1.0, 1.5]\n"));
    let o = agora().arg("sweep").arg(&bad).arg("--dry-run").assert().code(2);
    let stderr = String::from_utf8_lossy(&o.get_output().stderr).to_string();
    assert!(stderr.contains("links `gift.keep` to itself"), "{stderr}");
}
