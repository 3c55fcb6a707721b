//! Plots and report: every file is a real, non-blank image of the size its chart promises,
//! `agora plot` redraws the same bytes from the CSV files alone, `[output]` switches work, and
//! broken inputs give a clear error instead of a panic.

use crate::common::{agora, read_tree};
use agora::output::plots::{self, RunData};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Three entries (a money-less one, a market and a variant), snapshots of every replicate.
const SMALL: &str = r#"
name = "plots-test"
description = "A small market for the plot tests."
question = "Do the plots draw?"
regimes = ["autarky", "market", "market:rich"]
baseline = "market"
[run]
agents = 200
steps = 30
replicates = 3
seed = 3
warmup = 5
[variant.rich]
market.initial_money = 100
[output]
snapshots = [15, 30]
snapshot_replicates = 0
"#;

const KINETIC: &str = r#"
name = "kinetic-test"
regimes = ["market", "market:saving"]
[run]
agents = 2000
steps = 60
replicates = 2
seed = 5
warmup = 20
[market]
model = "kinetic"
initial_money = 100
saving = 0.0
[variant.saving]
market.saving = 0.5
[output]
snapshots = [60]
"#;

/// Writes `scenario` (with `extra` appended) into `work` and runs it into `work/out`.
fn run(work: &Path, scenario: &str, extra: &str) -> PathBuf {
    let file = work.join("scenario.toml");
    std::fs::write(&file, format!("{scenario}\n{extra}\n")).unwrap();
    let out = work.join("out");
    agora().arg("run").arg(&file).arg("--out").arg(&out).arg("-q").assert().success();
    out
}

/// Decodes a PNG into (width, height, samples per pixel, pixels).
fn decode_png(bytes: &[u8]) -> (u32, u32, usize, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a valid PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("a sane PNG size")];
    let info = reader.next_frame(&mut buf).expect("valid PNG data");
    buf.truncate(info.buffer_size());
    (info.width, info.height, info.color_type.samples(), buf)
}

/// Asserts a PNG has the given size and really shows something: not one colour, a fair share
/// of non-white pixels, and anti-aliased shades (text and lines).
fn assert_png(name: &str, bytes: &[u8], width: u32, height: u32) {
    let (w, h, samples, pixels) = decode_png(bytes);
    assert_eq!((w, h), (width, height), "{name}: size");
    assert!(samples >= 3, "{name}: colour PNG expected");
    let px: Vec<&[u8]> = pixels.chunks_exact(samples).collect();
    let first = px[0];
    assert!(px.iter().any(|p| p[..3] != first[..3]), "{name}: every pixel is the same colour");
    let ink = px.iter().filter(|p| p[..3] != [255, 255, 255]).count();
    assert!(ink * 200 > px.len(), "{name}: only {ink} of {} pixels are not white", px.len());
    let colours: std::collections::BTreeSet<&[u8]> = px.iter().map(|p| &p[..3]).collect();
    assert!(colours.len() > 20, "{name}: only {} colours", colours.len());
}

/// The value of attribute `attr` in the first `<svg` tag of `svg`.
fn svg_attr(svg: &str, attr: &str) -> Option<String> {
    let start = svg.find("<svg")?;
    let tag = &svg[start..start + svg[start..].find('>')?];
    let at = tag.find(&format!(" {attr}=\""))? + attr.len() + 3;
    Some(tag[at..at + tag[at..].find('"')?].to_string())
}

/// Asserts an SVG has the given size, drawn shapes and text.
fn assert_svg(name: &str, svg: &str, width: u32, height: u32) {
    assert_eq!(svg_attr(svg, "width"), Some(width.to_string()), "{name}: width");
    assert_eq!(svg_attr(svg, "height"), Some(height.to_string()), "{name}: height");
    assert!(svg.trim_end().ends_with("</svg>"), "{name}: not a closed SVG document");
    let shapes = ["<polyline", "<polygon", "<circle", "<rect", "<path", "<line"]
        .iter()
        .map(|t| svg.matches(t).count())
        .sum::<usize>();
    assert!(shapes >= 10, "{name}: only {shapes} shapes");
    let texts = svg.matches("<text").count();
    assert!(texts >= 5, "{name}: only {texts} text elements");
}

fn plot_files(out: &Path) -> BTreeMap<String, Vec<u8>> {
    read_tree(&out.join("plots"))
}

#[test]
fn every_plot_is_a_valid_non_blank_image_of_its_size() {
    let work = tempfile::tempdir().unwrap();
    let out = run(work.path(), SMALL, "");
    let data = RunData::load(&out).unwrap();
    let charts = plots::charts(&data);
    let stems: Vec<&str> = charts.iter().map(|c| c.stem.as_str()).collect();
    for want in
        ["needs_met_mean", "destitute_share", "gini_consumption", "gini_money", "summary", "lorenz", "histogram"]
    {
        assert!(stems.contains(&want), "no {want} chart among {stems:?}");
    }
    // The last snapshot (step 30), not the first, feeds the distribution charts.
    assert_eq!(data.snapshot.as_ref().map(|s| s.step), Some(30));
    let files = plot_files(&out);
    assert_eq!(files.len(), 2 * charts.len(), "one PNG and one SVG per chart, nothing else: {:?}", files.keys());
    for chart in &charts {
        let png = &files[&format!("{}.png", chart.stem)];
        assert_png(&chart.stem, png, chart.width, chart.height);
        let svg = String::from_utf8(files[&format!("{}.svg", chart.stem)].clone()).unwrap();
        assert_svg(&chart.stem, &svg, chart.width, chart.height);
        assert!(svg.contains("plots-test"), "{}: the title names the scenario", chart.stem);
    }
    // One colour per regime, the same in every chart that shows all regimes.
    for stem in ["needs_met_mean", "summary", "lorenz", "histogram"] {
        let svg = String::from_utf8(files[&format!("{stem}.svg")].clone()).unwrap();
        for regime in data.entries.iter() {
            let hex = plots::regime_colour_hex(data.colour_index(regime)).to_uppercase();
            assert!(svg.contains(&hex), "{stem}: no {hex} for {regime}");
            assert!(svg.contains(regime.as_str()), "{stem}: {regime} is not named");
        }
    }
    // Units on the axes.
    let gini = String::from_utf8(files["gini_consumption.svg"].clone()).unwrap();
    assert!(gini.contains("Gini of consumption (index)") && gini.contains("step"), "axis titles with units");
    // The report inlines every chart and has the summary table.
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(report.matches("<svg").count(), charts.len());
    assert!(report.contains("<table id=\"summary\""));
    assert!(report.contains("A small market for the plot tests.") && report.contains("Do the plots draw?"));
    assert!(report.contains("<pre id=\"scenario-toml\">"));
}

#[test]
fn agora_plot_redraws_the_same_bytes_from_the_files() {
    let work = tempfile::tempdir().unwrap();
    let out = run(work.path(), SMALL, "");
    let before = plot_files(&out);
    let report = std::fs::read(out.join("report.html")).unwrap();
    std::fs::remove_dir_all(out.join("plots")).unwrap();
    std::fs::remove_file(out.join("report.html")).unwrap();
    agora().arg("plot").arg(&out).assert().success();
    let after = plot_files(&out);
    assert_eq!(before.keys().collect::<Vec<_>>(), after.keys().collect::<Vec<_>>());
    for (name, bytes) in &before {
        assert!(bytes == &after[name], "plots/{name} differs when redrawn");
    }
    assert!(report == std::fs::read(out.join("report.html")).unwrap(), "report.html differs when redrawn");
    // Redrawing in one format removes the files of the other, which are no longer current.
    agora().arg("plot").arg(&out).args(["--format", "svg", "-q"]).assert().success().stdout("");
    assert!(plot_files(&out).keys().all(|k| k.ends_with(".svg")));
    // No temporary files are left behind.
    let names: Vec<String> = read_tree(&out).into_keys().collect();
    assert!(names.iter().all(|n| !n.contains(".tmp")), "{names:?}");
}

#[test]
fn output_switches_turn_plots_and_report_off() {
    let work = tempfile::tempdir().unwrap();
    let out = run(work.path(), SMALL, "plots = false");
    assert!(!out.join("plots").exists(), "plots = false wrote plots");
    // The report still carries every chart, drawn in memory.
    let data = RunData::load(&out).unwrap();
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(report.matches("<svg").count(), plots::charts(&data).len());

    let work = tempfile::tempdir().unwrap();
    let out = run(work.path(), SMALL, "plots = [\"png\"]\nreport = false");
    assert!(!out.join("report.html").exists(), "report = false wrote a report");
    let files = plot_files(&out);
    assert!(!files.is_empty() && files.keys().all(|k| k.ends_with(".png")), "{:?}", files.keys());
}

#[test]
fn kinetic_histogram_shows_money_against_the_exponential_law() {
    let work = tempfile::tempdir().unwrap();
    let out = run(work.path(), KINETIC, "");
    let svg = std::fs::read_to_string(out.join("plots/histogram.svg")).unwrap();
    assert!(svg.contains("distribution of money"), "money, not wealth, in money-only models");
    // Only the entry without saving follows the exponential law.
    assert_eq!(svg.matches("exponential law, mean 100").count(), 1, "{svg}");
    assert!(svg.contains("density (per unit of account, log scale)"));
}

/// A run folder written by hand: debts, a fund row, one replicate, a comparison file.
fn handmade(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("scenario.resolved.toml"),
        "name = \"handmade\"\ndescription = \"Written <by hand> & small.\"\nregimes = [\"market\", \"mutual_credit\"]\nbaseline = \"market\"\n[run]\nwarmup = 1\n[output]\nplots = [\"svg\"]\nreport = true\n",
    )
    .unwrap();
    let mut ts = String::from("regime,replicate,step,needs_met_mean,gini_wealth,gini_money,balance_gini\n");
    for regime in ["market", "mutual_credit"] {
        for step in 0..4 {
            let money = if regime == "market" { "0.5" } else { "" };
            let balance = if regime == "market" { "" } else { "0.2" };
            ts.push_str(&format!("{regime},0,{step},0.{step}5,0.3,{money},{balance}\n"));
        }
    }
    std::fs::write(dir.join("timeseries.csv"), ts).unwrap();
    std::fs::write(
        dir.join("summary.csv"),
        "regime,metric,mean,sd,ci95_low,ci95_high,n,steps\nmarket,needs_met_mean,0.25,,,,1,2\nmutual_credit,needs_met_mean,0.3,,,,1,2\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("comparison.csv"),
        "regime,baseline,metric,mean_diff,ci95_low,ci95_high,n,p_value\nmutual_credit,market,needs_met_mean,0.05,0.01,0.09,3,0.02\n",
    )
    .unwrap();
    let mut snap = String::from("regime,replicate,agent,strategy,skill,specialty,stock_food,money,balance,reputation,needs_met,wellbeing,destitute_streak,output,consumed,wealth\n");
    for (i, w) in [1.0, 2.0, 4.0, 8.0].iter().enumerate() {
        snap.push_str(&format!("market,0,{i},cooperator,1,0,0,{w},,1,1,1,0,1,1,{w}\n"));
    }
    for (i, w) in [-6.0, -1.0, 2.0, 6.0].iter().enumerate() {
        snap.push_str(&format!("mutual_credit,0,{i},cooperator,1,0,0,,{w},1,1,1,0,1,1,{w}\n"));
    }
    snap.push_str("mutual_credit,0,fund,,,,,,1000.000000,,,,,,,1000\n");
    std::fs::write(dir.join("agents_step3.csv"), snap).unwrap();
}

#[test]
fn debts_funds_and_a_single_replicate_draw_without_trouble() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("run");
    handmade(&dir);
    agora().arg("plot").arg(&dir).assert().success();
    let lorenz = std::fs::read_to_string(dir.join("plots/lorenz.svg")).unwrap();
    assert!(lorenz.contains("with debts"), "debts are said");
    let hist = std::fs::read_to_string(dir.join("plots/histogram.svg")).unwrap();
    assert!(hist.contains("mutual_credit (4 agents, replicate 0)"), "the fund is not an agent");
    let report = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(report.contains("Written &lt;by hand&gt; &amp; small."), "text is escaped");
    assert!(report.contains("<table id=\"comparison-table\""), "comparison.csv is shown");
    assert!(dir.join("plots/summary.svg").exists());
    // Metrics empty for every regime get no chart; gini_money (market only) gets one.
    assert!(!dir.join("plots/resource_stock.svg").exists());
    assert!(dir.join("plots/gini_money.svg").exists());
}

#[test]
fn broken_inputs_exit_2_with_a_clear_message() {
    let work = tempfile::tempdir().unwrap();
    let check = |dir: &Path, expect: &[&str]| {
        let out = agora().arg("plot").arg(dir).assert().code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        for e in expect {
            assert!(stderr.contains(e), "expected `{e}` in:\n{stderr}");
        }
        assert!(!stderr.contains("panicked"), "panic:\n{stderr}");
    };
    check(&work.path().join("nowhere"), &["is not a folder"]);
    let dir = work.path().join("run");
    handmade(&dir);
    // A number that is not one.
    let ts = std::fs::read_to_string(dir.join("timeseries.csv")).unwrap();
    std::fs::write(dir.join("timeseries.csv"), ts.replacen("0.3", "zero point three", 1)).unwrap();
    check(&dir, &["timeseries.csv", "line 2", "gini_wealth", "is not a number"]);
    // A row with too few fields.
    std::fs::write(dir.join("timeseries.csv"), ts.replacen(",0.3,", ",", 1)).unwrap();
    check(&dir, &["timeseries.csv", "line 2", "fields"]);
    std::fs::write(dir.join("timeseries.csv"), &ts).unwrap();
    // A summary without its columns.
    std::fs::write(dir.join("summary.csv"), "regime,metric\nmarket,x\n").unwrap();
    check(&dir, &["summary.csv", "no column `mean`"]);
    handmade(&dir);
    // A step number far beyond the rows.
    std::fs::write(dir.join("timeseries.csv"), ts.replacen("market,0,3,", "market,0,99999999999,", 1)).unwrap();
    check(&dir, &["timeseries.csv", "not consecutive"]);
    handmade(&dir);
    std::fs::remove_file(dir.join("summary.csv")).unwrap();
    check(&dir, &["summary.csv", "is missing"]);
    handmade(&dir);
    std::fs::write(dir.join("agents_step3.csv"), "regime,replicate,agent,wealth,money\nmarket,x,0,1,1\n").unwrap();
    check(&dir, &["agents_step3.csv", "replicate", "whole number"]);
    handmade(&dir);
    std::fs::write(dir.join("scenario.resolved.toml"), "name = [unclosed").unwrap();
    check(&dir, &["scenario.resolved.toml", "TOML"]);
}
