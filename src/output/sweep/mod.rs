//! `sweep.html` and the charts of a sweep folder, made from its files alone, like a run's
//! `report.html`: one self-contained page (charts as inline SVG, no script, nothing fetched),
//! with nothing that changes between two sweeps with the same results. [`design`] is
//! `design.json`, which says what the sweep was.

pub mod design;

use super::plots::style::{regime_colour_hex, short_number};
use super::plots::sweep::{sweep_charts, SweepChart, SweepData};
use super::plots::{write_charts, Drawn};
use super::report::{escape, inline_svg, interval, STYLE};
use super::Figures;
use crate::error::Result;
use crate::scenario::sweep::{Bound, DesignKind, SeedMode};
use crate::scenario::PlotFormat;
use std::fmt::Write as _;
use std::path::Path;

/// Draws the charts (into `plots/`, in `formats`) and, if `report`, `sweep.html` of the sweep
/// in `dir`, from its files.
pub fn write_figures(dir: &Path, formats: &[PlotFormat], report: bool) -> Result<Figures> {
    if formats.is_empty() && !report {
        return Ok(Figures::default());
    }
    let data = SweepData::load(dir)?;
    let (drawn, plots) = write_charts(&data, sweep_charts(&data), &dir.join("plots"), formats, report)?;
    let report = if report {
        let path = dir.join("sweep.html");
        super::write_atomic(&path, render(&data, &drawn).as_bytes())?;
        Some(path)
    } else {
        None
    };
    Ok(Figures { plots, report })
}

fn regime_cell(data: &SweepData, label: &str) -> String {
    let base = label.split(" - ").next().unwrap_or(label);
    format!(
        "<span class=\"regime\"><span class=\"swatch\" style=\"background:{}\"></span>{}</span>",
        regime_colour_hex(data.colour_index(base)),
        escape(label)
    )
}

fn facts(data: &SweepData, out: &mut String) {
    let d = &data.design;
    let points = data.points().len();
    let size = match d.design {
        DesignKind::Lhs => format!("Latin hypercube of {} points", d.n.unwrap_or(0)),
        DesignKind::Random => format!("{} points drawn uniformly at random", d.n.unwrap_or(0)),
        DesignKind::Sobol
            if d.positions > d.points || d.positions == d.n.unwrap_or(0) as usize * (d.parameters.len() + 2) =>
        {
            format!(
                "Saltelli design on the Sobol' sequence: {} base points, {} runs per replicate",
                d.n.unwrap_or(0),
                d.positions
            )
        }
        DesignKind::Sobol => format!("first {} points of the Sobol' sequence", d.n.unwrap_or(0)),
        DesignKind::Morris => {
            format!("Morris: {} trajectories, {} design positions", d.trajectories.unwrap_or(0), d.positions)
        }
        other => format!("{}, {} positions", other.name(), d.positions),
    };
    let mut rows: Vec<(&str, String)> = vec![
        ("Design", escape(&size)),
        (
            "Parameters",
            d.parameters.iter().map(|p| format!("<code>{}</code>", escape(p))).collect::<Vec<_>>().join(", "),
        ),
        ("Points", format!("{} distinct; {} shown in sweep.csv", d.points, points)),
        (
            "Runs",
            format!(
                "{} replicates per point; {} agents, {} steps ({} warm-up) in the base scenario",
                d.replicates, d.agents, d.steps, d.warmup
            ),
        ),
        (
            "Random numbers",
            escape(&if d.seeds == SeedMode::Common {
                format!(
                    "common: every point runs with seed {}, so replicate r of every point shares its streams",
                    d.base_seed
                )
            } else {
                format!("independent: each point's seed is derived from {} and its id", d.base_seed)
            }),
        ),
        ("Regimes", d.entries.iter().map(|e| regime_cell(data, e)).collect::<Vec<_>>().join(", ")),
        ("Baseline", escape(&d.baseline)),
    ];
    if let Some(stop) = &d.stop {
        let bound = match stop.bound {
            Bound::Below(b) => format!("falls below {}", short_number(b)),
            Bound::Above(a) => format!("rises above {}", short_number(a)),
        };
        let left_out = d.points.saturating_sub(points);
        rows.push((
            "Stop rule",
            escape(&format!(
                "a line of points stops once {} of {} {bound}{}; {left_out} point{} left out",
                stop.metric,
                stop.regime.as_deref().unwrap_or("every regime"),
                stop.along.as_ref().map(|a| format!(" (lines along {a})")).unwrap_or_default(),
                if left_out == 1 { "" } else { "s" }
            )),
        ));
    }
    if !data.failures.is_empty() {
        rows.push(("Failed runs", format!("{} (see failures.csv and below)", data.failures.len())));
    }
    out.push_str("<dl class=\"facts\">\n");
    for (k, v) in rows {
        let _ = writeln!(out, "<dt>{k}</dt><dd>{v}</dd>");
    }
    out.push_str("</dl>\n");
}

/// One table per metric: points down, regimes across, mean and interval in each cell, and the
/// difference from the baseline below it.
fn metric_tables(data: &SweepData, out: &mut String) {
    let d = &data.design;
    let points = data.points();
    const SHOWN: usize = 200;
    for (k, m) in d.metrics.iter().enumerate() {
        if !data.rows.iter().any(|r| r.metric == m.name) {
            continue;
        }
        let regimes: Vec<&String> =
            d.entries.iter().filter(|e| data.rows.iter().any(|r| &r.regime == *e && r.metric == m.name)).collect();
        let _ = writeln!(
            out,
            "<details{}>\n<summary>{} <span class=\"muted\">({})</span></summary>",
            if k == 0 { " open" } else { "" },
            escape(&data.metric_title(&m.name)),
            escape(&m.name)
        );
        out.push_str("<div class=\"scroll\"><table class=\"sweep-table\">\n<thead><tr>");
        for p in &d.parameters {
            let _ = write!(out, "<th scope=\"col\"><code>{}</code></th>", escape(p));
        }
        for r in &regimes {
            let _ = write!(out, "<th scope=\"col\">{}</th>", regime_cell(data, r));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for (id, values) in points.iter().take(SHOWN) {
            out.push_str("<tr>");
            for (i, v) in values.iter().enumerate() {
                let tag = if i == 0 { "th scope=\"row\"" } else { "td" };
                let _ = write!(out, "<{tag} title=\"point {}\">{}</{}>", escape(id), escape(v), &tag[..2]);
            }
            for r in &regimes {
                match data.row(id, r, &m.name) {
                    Some(row) if row.mean.is_finite() => {
                        let diff = if row.diff.is_finite() {
                            format!(
                                "<span class=\"ci\">{}{} vs {}</span>",
                                if row.diff >= 0.0 { "+" } else { "" },
                                short_number(row.diff),
                                escape(&d.baseline)
                            )
                        } else {
                            String::new()
                        };
                        let _ = write!(
                            out,
                            "<td>{}<span class=\"ci\">{}</span>{diff}</td>",
                            short_number(row.mean),
                            interval(row.ci95_low, row.ci95_high)
                        );
                    }
                    Some(row) if row.failed > 0 => {
                        let _ = write!(out, "<td class=\"muted\">failed ({})</td>", row.failed);
                    }
                    _ => out.push_str("<td class=\"muted\">–</td>"),
                }
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table></div>\n");
        if points.len() > SHOWN {
            let _ = writeln!(
                out,
                "<p class=\"note\">The first {SHOWN} of {} points; every point is in <code>sweep.csv</code>.</p>",
                points.len()
            );
        }
        out.push_str("</details>\n");
    }
    let _ = writeln!(
        out,
        "<p class=\"note\">Each cell: the mean over replicates of each replicate's mean after warm-up, its 95% t-interval, and the paired difference from the baseline ({}). A dash: not meaningful for that regime.</p>",
        escape(&d.baseline)
    );
}

fn sensitivity_section(data: &SweepData, out: &mut String) {
    if data.sensitivity.is_empty() {
        return;
    }
    out.push_str("<h2 id=\"sensitivity\">Sensitivity</h2>\n");
    let method = data.sensitivity[0].method.as_str();
    let (main, about) = match method {
        "sobol" => ("sobol_total", "the total Sobol' index: the share of the output's variance due to the parameter alone or with others (Saltelli 2010 sampling, Jansen estimator); near 0 means the parameter does not matter"),
        "morris" => ("morris_mu_star", "Morris mu*: the mean absolute elementary effect, the change of the output over the parameter's whole range"),
        _ => ("prcc", "the partial rank correlation coefficient (Marino et al. 2008): from -1 to 1, the monotone effect of the parameter once the others are accounted for"),
    };
    let _ = writeln!(
        out,
        "<p>Per regime and metric, {} with its 95% bootstrap interval. Rows <em>regime - {}</em> analyse the paired difference from the baseline. Every index is in <code>sensitivity.csv</code>.</p>",
        escape(about),
        escape(&data.design.baseline)
    );
    let params = &data.design.parameters;
    out.push_str("<div class=\"scroll\"><table id=\"sensitivity-table\">\n<thead><tr><th scope=\"col\">Regime</th><th scope=\"col\">Metric</th>");
    for p in params {
        let _ = write!(out, "<th scope=\"col\"><code>{}</code></th>", escape(p));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    let mut keys: Vec<(&str, &str)> = Vec::new();
    for r in data.sensitivity.iter().filter(|r| r.index == main) {
        if !keys.contains(&(r.regime.as_str(), r.metric.as_str())) {
            keys.push((&r.regime, &r.metric));
        }
    }
    for (regime, metric) in keys {
        let _ = write!(
            out,
            "<tr><th scope=\"row\">{}</th><td class=\"text\">{}</td>",
            regime_cell(data, regime),
            escape(metric)
        );
        for p in params {
            match data
                .sensitivity
                .iter()
                .find(|r| r.regime == regime && r.metric == metric && &r.parameter == p && r.index == main)
            {
                Some(r) if r.value.is_finite() => {
                    let _ = write!(
                        out,
                        "<td>{}<span class=\"ci\">{}</span></td>",
                        short_number(r.value),
                        interval(r.ci95_low, r.ci95_high)
                    );
                }
                _ => out.push_str("<td class=\"muted\">–</td>"),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n");
}

/// The pairwise win shares of `pairwise.csv`, if the folder has one.
fn pairwise_section(data: &SweepData, out: &mut String) {
    let Ok(mut r) = csv::Reader::from_path(data.dir.join("pairwise.csv")) else { return };
    let rows: Vec<csv::StringRecord> = r.records().filter_map(|x| x.ok()).collect();
    if rows.is_empty() {
        return;
    }
    out.push_str("<h2 id=\"pairwise\">Pairwise win shares</h2>\n<p>For each pair of regimes and each metric, the share of paired runs (same point, same replicate, hence the same seeds), and of points (means over the replicates), where one does better than the other, with its 95% Wilson interval; ties count for neither. Every count is in <code>pairwise.csv</code>.</p>\n<div class=\"scroll\"><table id=\"pairwise-table\">\n<thead><tr><th scope=\"col\">A</th><th scope=\"col\">B</th><th scope=\"col\">Metric</th><th scope=\"col\">Counted over</th><th scope=\"col\">Better</th><th scope=\"col\">Pairs</th><th scope=\"col\">A wins</th><th scope=\"col\">B wins</th></tr></thead>\n<tbody>\n");
    let f = |x: &str| x.parse::<f64>().unwrap_or(f64::NAN);
    for row in &rows {
        let g = |i: usize| row.get(i).unwrap_or("");
        let share = |i: usize| {
            let v = f(g(i));
            if v.is_finite() {
                format!("{}<span class=\"ci\">{}</span>", short_number(v), interval(f(g(i + 1)), f(g(i + 2))))
            } else {
                "–".to_string()
            }
        };
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td class=\"text\">{}</td><td class=\"text\">{}</td><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            regime_cell(data, g(0)),
            regime_cell(data, g(1)),
            escape(g(2)),
            if g(3) == "run" { "runs (point, replicate)" } else { "points (replicate means)" },
            escape(g(4)),
            escape(g(5)),
            share(9),
            share(12)
        );
    }
    out.push_str("</tbody>\n</table></div>\n");
}

/// The page as HTML, with `drawn` charts inlined.
pub fn render(data: &SweepData, drawn: &[Drawn<SweepChart>]) -> String {
    let d = &data.design;
    let name = if d.name.is_empty() { "agora sweep".to_string() } else { d.name.clone() };
    let mut out =
        String::with_capacity(64 * 1024 + drawn.iter().map(|c| c.svg.as_ref().map_or(0, String::len)).sum::<usize>());
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"agora\">\n<title>{} – agora sweep</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n<p class=\"muted\">agora sweep</p>\n<h1>{}</h1>\n",
        escape(&name),
        escape(&name)
    );
    if !d.description.is_empty() {
        let _ = writeln!(out, "<p class=\"description\">{}</p>", escape(&d.description));
    }
    if !d.question.is_empty() {
        let _ = writeln!(out, "<p class=\"question\"><strong>Question.</strong> {}</p>", escape(&d.question));
    }
    facts(data, &mut out);
    out.push_str("</header>\n<main>\n<h2 id=\"results\">Results by point</h2>\n");
    if data.rows.is_empty() {
        out.push_str("<p class=\"note\">No point has results yet.</p>\n");
    } else {
        metric_tables(data, &mut out);
    }
    sensitivity_section(data, &mut out);
    pairwise_section(data, &mut out);
    out.push_str("<h2 id=\"charts\">Charts</h2>\n");
    let mut any = false;
    for Drawn { chart, svg } in drawn {
        let Some(svg) = svg else { continue };
        any = true;
        let id = format!("chart-{}", chart.stem);
        let _ = write!(
            out,
            "<figure id=\"{id}\" class=\"chart\">\n<div class=\"chart-scroll\">{}</div>\n<figcaption id=\"{id}-caption\"><strong>{}.</strong> {}</figcaption>\n</figure>\n",
            inline_svg(svg, &chart.stem, &id),
            escape(&chart.title),
            escape(&chart.caption)
        );
    }
    if !any {
        out.push_str("<p class=\"note\">No chart: no swept parameter is numeric, or no metric was measured.</p>\n");
    }
    if !data.failures.is_empty() {
        out.push_str("<h2 id=\"failures\">Failed runs</h2>\n<p>These runs failed; the sweep went on without them, and they are left out of the means (their point's <code>failed</code> column counts them). Running the sweep again retries them.</p>\n<div class=\"scroll\"><table id=\"failures-table\">\n<thead><tr><th scope=\"col\">Point</th><th scope=\"col\">Replicate</th><th scope=\"col\">Error</th></tr></thead>\n<tbody>\n");
        for (p, r, e) in &data.failures {
            let _ = writeln!(
                out,
                "<tr><th scope=\"row\"><code>{}</code></th><td>{}</td><td class=\"text\">{}</td></tr>",
                escape(p),
                escape(r),
                escape(e)
            );
        }
        out.push_str("</tbody>\n</table></div>\n");
    }
    out.push_str("<h2 id=\"scenario\">Scenario</h2>\n<p class=\"note\">The scenario and its sweep as run, every default filled in (<code>sweep.resolved.toml</code>).</p>\n<pre id=\"scenario-toml\">");
    out.push_str(&escape(&data.resolved_toml));
    out.push_str("</pre>\n</main>\n<footer>\n<p>Made by agora from the files of this sweep folder; <code>agora plot &lt;folder&gt;</code> redraws the charts and this page from them.</p>\n</footer>\n</body>\n</html>\n");
    out
}
