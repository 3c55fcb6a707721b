//! `report.html`: one self-contained page per run (charts as inline SVG, no script, no
//! request for anything outside the file) that reads well on a screen, a phone and paper.
//!
//! Like the plots, the report is made from the run's files alone ([`RunData`]), and holds
//! nothing that changes between two runs of the same scenario (no wall time, no thread
//! count), so equal results give equal bytes.

use super::plots::{regime_colour_hex, short_number, ChartKind, Drawn, RunData};
use std::fmt::Write as _;

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The page style, shared with `sweep.html`.
pub(crate) const STYLE: &str = r#"
:root { color-scheme: light; --ink: #1b1b1b; --muted: #5a5a5a; --rule: #d9d9d9; --band: #f5f5f5; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0 auto; max-width: 1040px; padding: 1rem; color: var(--ink); background: #fff;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Verdana, sans-serif; }
h1 { font-size: 1.8rem; margin: 0.5rem 0; line-height: 1.2; }
h2 { font-size: 1.3rem; margin: 2rem 0 0.5rem; border-bottom: 1px solid var(--rule); padding-bottom: 0.2rem; }
p.question { font-size: 1.15rem; border-left: 4px solid #0072b2; padding: 0.2rem 0 0.2rem 0.8rem; margin: 1rem 0; }
.muted, figcaption, .note { color: var(--muted); }
.note { font-size: 0.9rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 1rem; margin: 0.5rem 0; font-size: 0.95rem; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; max-width: 100%; }
table { border-collapse: collapse; font-size: 0.9rem; font-variant-numeric: tabular-nums; }
th, td { padding: 0.3rem 0.6rem; border-bottom: 1px solid var(--rule); text-align: right; vertical-align: top; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
thead th { border-bottom: 2px solid var(--ink); }
tbody tr:nth-child(even) { background: var(--band); }
td.text { text-align: left; white-space: normal; min-width: 12rem; }
.ci { display: block; color: var(--muted); font-size: 0.8rem; }
.regime { white-space: nowrap; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; border-radius: 2px; margin-right: 0.4em; vertical-align: baseline;
  -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.clear { font-weight: 600; }
.bundle { color: #555; font-size: 0.85em; white-space: normal; }
figure { margin: 1.5rem 0; }
figure svg { display: block; width: 100%; max-width: 100%; height: auto; }
.chart-scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
figcaption { font-size: 0.9rem; margin-top: 0.3rem; }
pre { background: var(--band); padding: 0.8rem; overflow-x: auto; font-size: 0.8rem; line-height: 1.35; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
footer { margin-top: 2rem; font-size: 0.85rem; color: var(--muted); }
@media (max-width: 600px) {
  body { padding: 0.6rem; font-size: 15px; }
  h1 { font-size: 1.4rem; }
  dl.facts { grid-template-columns: 1fr; }
  dl.facts dd { margin-bottom: 0.3rem; }
  /* Charts keep a legible size on a phone and scroll sideways instead of shrinking. */
  figure svg { min-width: 560px; }
}
@media print {
  @page { margin: 15mm; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  figure, tr, dl.facts { break-inside: avoid; page-break-inside: avoid; }
  .scroll { overflow: visible; }
  table { font-size: 8pt; }
  th, td { white-space: normal; }
  pre { white-space: pre-wrap; overflow-wrap: anywhere; background: none; border: 1px solid var(--rule); }
  tbody tr:nth-child(even) { background: none; }
  figure svg { min-width: 0; }
  .chart-scroll { overflow: visible; }
  /* Print the collapsed table too, where the browser allows styling it. */
  details::details-content { content-visibility: visible; display: contents; }
  details > summary { list-style: none; font-weight: 600; }
}
"#;

/// The SVG document trimmed for inlining in HTML: no XML prologue, no namespace attribute
/// (HTML gives inline `svg` its namespace), and a label for screen readers.
pub(crate) fn inline_svg(svg: &str, label: &str, id: &str) -> String {
    let start = svg.find("<svg").unwrap_or(0);
    let body = &svg[start..];
    let body = body.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1);
    body.replacen(
        "<svg",
        &format!("<svg role=\"img\" aria-labelledby=\"{id}-caption\" data-chart=\"{}\"", escape(label)),
        1,
    )
}

fn regime_cell(data: &RunData, label: &str) -> String {
    // A bundle is labelled as one wherever it is named: allocation plus its own world rules.
    let bundle = match data.entry(label) {
        Some(e) if !e.bundle.is_empty() => format!(
            " <span class=\"bundle\" title=\"an institutional bundle: {} with {}, where the other entries live under the scenario's rules\">(bundle: {} + {})</span>",
            escape(&e.regime),
            escape(&e.bundle.join(", ")),
            escape(&e.regime),
            escape(&e.bundle.join(", "))
        ),
        _ => String::new(),
    };
    format!(
        "<span class=\"regime\"><span class=\"swatch\" style=\"background:{}\"></span>{}{bundle}</span>",
        regime_colour_hex(data.colour_index(label)),
        escape(label)
    )
}

/// A 95% interval as `[lo, hi]`, empty when either end is undefined (the run report and the
/// sweep page alike).
pub(crate) fn interval(lo: f64, hi: f64) -> String {
    if lo.is_finite() && hi.is_finite() {
        format!("[{}, {}]", short_number(lo), short_number(hi))
    } else {
        String::new()
    }
}

fn facts(data: &RunData, out: &mut String) {
    let run = data.scenario.get("run");
    let get = |key: &str| run.and_then(|r| r.get(key)).map(|v| v.to_string()).unwrap_or_default();
    let mode = data.scenario.get("mode").and_then(|v| v.as_str()).unwrap_or("compare");
    let mut rows: Vec<(&str, String)> = vec![
        ("Regimes", data.entries.iter().map(|e| regime_cell(data, e)).collect::<Vec<_>>().join(", ")),
        ("Baseline", escape(&data.baseline)),
        ("Mode", escape(mode)),
        (
            "Size",
            format!(
                "{} agents, {} steps ({} warm-up), {} replicates",
                escape(&get("agents")),
                escape(&get("steps")),
                escape(&get("warmup")),
                escape(&get("replicates"))
            ),
        ),
        ("Seed", escape(&get("seed"))),
    ];
    if let Some(info) = &data.run_info {
        let s = |k: &str| info.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
        rows.push(("Engine", escape(&format!("agora {} (commit {})", s("version"), s("git_commit")))));
        rows.push(("Scenario SHA-256", format!("<code>{}</code>", escape(&s("scenario_sha256")))));
    }
    out.push_str("<dl class=\"facts\">\n");
    for (k, v) in rows {
        let _ = writeln!(out, "<dt>{k}</dt><dd>{v}</dd>");
    }
    out.push_str("</dl>\n");
}

fn summary_table(data: &RunData, out: &mut String) {
    let regimes: Vec<&String> = data.entries.iter().filter(|e| data.summary.iter().any(|s| &s.regime == *e)).collect();
    let metrics: Vec<&str> = crate::metrics::charted()
        .into_iter()
        .filter(|m| data.summary.iter().any(|s| s.metric == *m && s.mean.is_finite()))
        .collect();
    if regimes.is_empty() || metrics.is_empty() {
        out.push_str("<p class=\"note\">No key metric was measured in this run.</p>\n");
        return;
    }
    out.push_str("<div class=\"scroll\"><table id=\"summary\">\n<thead><tr><th scope=\"col\">Regime</th>");
    for m in &metrics {
        let _ = write!(
            out,
            "<th scope=\"col\" title=\"{}\">{}<span class=\"ci\">{}</span></th>",
            escape(&data.metric_about(m)),
            escape(&data.metric_title(m)),
            escape(&data.metric_unit(m))
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for r in &regimes {
        let _ = write!(out, "<tr><th scope=\"row\">{}</th>", regime_cell(data, r));
        for m in &metrics {
            match data.summary.iter().find(|s| &s.regime == *r && s.metric == *m && s.mean.is_finite()) {
                Some(s) => {
                    let _ = write!(
                        out,
                        "<td>{}<span class=\"ci\">{}</span></td>",
                        short_number(s.mean),
                        interval(s.ci95_low, s.ci95_high)
                    );
                }
                None => out.push_str("<td class=\"muted\">–</td>"),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n");
    let n = data.summary.iter().map(|s| s.n).max().unwrap_or(0);
    let _ = writeln!(
        out,
        "<p class=\"note\">Each cell: the mean over {n} replicate{} of each replicate's mean after warm-up, and below it the 95% t-interval of that mean. A dash: not meaningful for that regime.</p>",
        if n == 1 { "" } else { "s" }
    );
}

fn comparison_section(data: &RunData, out: &mut String) {
    out.push_str("<h2 id=\"comparison\">Against the baseline</h2>\n");
    let Some(rows) = &data.comparison else {
        let _ = writeln!(
            out,
            "<p class=\"note\">This run has no <code>comparison.csv</code>, so there are no paired differences against the baseline ({}).</p>",
            escape(&data.baseline)
        );
        return;
    };
    let charted = crate::metrics::charted();
    let mut shown: Vec<_> = rows.iter().filter(|r| charted.contains(&r.metric.as_str())).collect();
    // Regimes in the scenario's order, metrics in the key order.
    shown.sort_by_key(|r| {
        (data.colour_index(&r.regime), charted.iter().position(|m| *m == r.metric).unwrap_or(usize::MAX))
    });
    if shown.is_empty() {
        out.push_str("<p class=\"note\">No paired difference on a key metric.</p>\n");
        return;
    }
    let baseline =
        shown.iter().find(|r| !r.baseline.is_empty()).map(|r| r.baseline.clone()).unwrap_or(data.baseline.clone());
    let _ = writeln!(
        out,
        "<p>Differences of each regime from the baseline <strong>{}</strong>, paired by replicate (the replicates share their initial population and random numbers). In bold: intervals that exclude zero.</p>",
        escape(&baseline)
    );
    out.push_str("<div class=\"scroll\"><table id=\"comparison-table\">\n<thead><tr><th scope=\"col\">Regime</th><th scope=\"col\">Metric</th><th scope=\"col\">Difference</th><th scope=\"col\">95% interval</th><th scope=\"col\">p-value</th><th scope=\"col\">Pairs</th></tr></thead>\n<tbody>\n");
    for r in shown {
        let clear = r.ci95_low.is_finite() && r.ci95_high.is_finite() && (r.ci95_low > 0.0 || r.ci95_high < 0.0);
        let p = if r.p_value.is_finite() {
            if r.p_value < 1e-4 {
                "&lt; 0.0001".to_string()
            } else {
                short_number(r.p_value)
            }
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "<tr{}><th scope=\"row\">{}</th><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{p}</td><td>{}</td></tr>",
            if clear { " class=\"clear\"" } else { "" },
            regime_cell(data, &r.regime),
            escape(&data.metric_title(&r.metric)),
            short_number(r.mean_diff),
            interval(r.ci95_low, r.ci95_high),
            r.n.map(|n| n.to_string()).unwrap_or_default()
        );
    }
    out.push_str("</tbody>\n</table></div>\n");
}

fn all_metrics(data: &RunData, out: &mut String) {
    out.push_str("<h2 id=\"all-metrics\">Every metric</h2>\n<details>\n<summary>Summary of every metric and regime (from <code>summary.csv</code>)</summary>\n");
    out.push_str("<div class=\"scroll\"><table id=\"all-metrics-table\">\n<thead><tr><th scope=\"col\">Regime</th><th scope=\"col\">Metric</th><th scope=\"col\">Unit</th><th scope=\"col\">Mean</th><th scope=\"col\">SD</th><th scope=\"col\">95% interval</th><th scope=\"col\">n</th></tr></thead>\n<tbody>\n");
    for r in &data.summary {
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">{}</th><td class=\"text\" title=\"{}\">{}</td><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            regime_cell(data, &r.regime),
            escape(&data.metric_about(&r.metric)),
            escape(&r.metric),
            escape(&data.metric_unit(&r.metric)),
            short_number(r.mean),
            short_number(r.sd),
            interval(r.ci95_low, r.ci95_high),
            r.n
        );
    }
    out.push_str("</tbody>\n</table></div>\n</details>\n");
}

/// The report as HTML, with `drawn` charts inlined (those without SVG are left out).
pub fn render(data: &RunData, drawn: &[Drawn]) -> String {
    let mut out =
        String::with_capacity(64 * 1024 + drawn.iter().map(|d| d.svg.as_ref().map_or(0, String::len)).sum::<usize>());
    let name = if data.name.is_empty() { "agora run".to_string() } else { data.name.clone() };
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"agora\">\n<title>{} – agora report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n<p class=\"muted\">agora report</p>\n<h1>{}</h1>\n",
        escape(&name),
        escape(&name)
    );
    if !data.description.is_empty() {
        let _ = writeln!(out, "<p class=\"description\">{}</p>", escape(&data.description));
    }
    if !data.question.is_empty() {
        let _ = writeln!(out, "<p class=\"question\"><strong>Question.</strong> {}</p>", escape(&data.question));
    }
    facts(data, &mut out);
    out.push_str("</header>\n<main>\n<h2 id=\"summary-heading\">Summary</h2>\n");
    summary_table(data, &mut out);
    comparison_section(data, &mut out);
    out.push_str("<h2 id=\"charts\">Charts</h2>\n");
    let mut any = false;
    for d in drawn {
        let Some(svg) = &d.svg else { continue };
        any = true;
        let id = format!("chart-{}", d.chart.stem);
        let kind = match d.chart.kind {
            ChartKind::TimeSeries { .. } => "timeseries",
            ChartKind::Summary { .. } => "summary",
            ChartKind::Lorenz => "lorenz",
            ChartKind::Histogram => "histogram",
        };
        let _ = write!(
            out,
            "<figure id=\"{id}\" class=\"chart {kind}\">\n<div class=\"chart-scroll\">{}</div>\n<figcaption id=\"{id}-caption\"><strong>{}.</strong> {}</figcaption>\n</figure>\n",
            inline_svg(svg, &d.chart.stem, &id),
            escape(&d.chart.title),
            escape(&d.chart.caption)
        );
    }
    if !any {
        out.push_str("<p class=\"note\">Nothing to chart in this run.</p>\n");
    }
    all_metrics(data, &mut out);
    out.push_str("<h2 id=\"scenario\">Scenario</h2>\n<p class=\"note\">The scenario as run, with every default filled in (<code>scenario.resolved.toml</code>).</p>\n<pre id=\"scenario-toml\">");
    out.push_str(&escape(&data.resolved_toml));
    out.push_str("</pre>\n</main>\n<footer>\n<p>Made by agora from the files of this run folder; <code>agora plot &lt;folder&gt;</code> redraws the charts and this page from them.</p>\n</footer>\n</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(escape("<a href=\"x\">&'</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
    }

    #[test]
    fn inlined_svg_loses_its_namespace_and_gains_a_label() {
        let svg =
            "<svg width=\"10\" height=\"10\" viewBox=\"0 0 10 10\" xmlns=\"http://www.w3.org/2000/svg\">\n</svg>\n";
        let s = inline_svg(svg, "x", "chart-x");
        assert!(!s.contains("http"));
        assert!(s.starts_with("<svg role=\"img\" aria-labelledby=\"chart-x-caption\""));
    }
}
