//! The metric glossary of the user guide (`docs/guide/src/metrics.md`), generated from the
//! metric registry so that it cannot drift: a test compares the file with [`markdown`].

use crate::metrics::{Better, MetricDef, COMMON};
use crate::policy;
use crate::regimes::REGIMES;
use std::fmt::Write as _;

/// Where the glossary lives, from the repository's root.
pub const PATH: &str = "docs/guide/src/metrics.md";

/// The regimes that declare `m` (a metric two regimes share, such as `trades`, is declared by
/// both).
fn declared_by(m: &MetricDef) -> String {
    if COMMON.iter().any(|c| c.name == m.name) {
        return "every regime".into();
    }
    if policy::METRICS.iter().any(|c| c.name == m.name) {
        return "any regime with a policy".into();
    }
    let names: Vec<String> = REGIMES
        .iter()
        .filter(|r| r.metrics.iter().any(|d| d.name == m.name))
        .map(|r| format!("`{}`", r.name))
        .collect();
    names.join(", ")
}

/// A table cell: pipes escaped.
fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// The glossary page, in Markdown.
pub fn markdown() -> String {
    let mut out = String::new();
    out.push_str(
        "# Metrics\n\n\
         <!-- Generated from the metric registry (src/metrics/, each regime's file, src/policy.rs) by\n\
         `agora::catalog::glossary::markdown`; `cargo test --release` fails and rewrites this file\n\
         when it is out of date. Do not edit by hand. -->\n\n\
         Every run records these metrics for every regime entry, replicate and step, in\n\
         `timeseries.csv` (one column each, in this order), and summarises them in `summary.csv`.\n\
         A cell is empty where a metric means nothing for that regime (money in the gift economy,\n\
         needs in a pure money-exchange model). Metrics over the population count members who\n\
         left as meeting no needs; `needs_met_present` counts only those present.\n\n\
         **Headline** measures are defined the same way in every goods regime, so they compare\n\
         across regimes: the report and the command line show them first, a sweep summarises them\n\
         unless `[sweep] metrics` says otherwise, and the classroom page charts them. **Better**\n\
         is the direction the report, `pairwise.csv` and win counts take as better; `none` marks\n\
         a description of the world rather than a goal. After these columns come the prices, one\n\
         `price_<good>` per good, in the unit of account per unit.\n\n",
    );
    out.push_str("| metric | unit | better | headline | meaning | in plain words | recorded by |\n");
    out.push_str("|---|---|---|---|---|---|---|\n");
    for m in super::all() {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} | {} |",
            m.name,
            cell(m.unit),
            match m.better {
                Better::None => "none",
                b => b.as_str(),
            },
            if m.headline { "yes" } else { "" },
            cell(m.about),
            cell(m.plain),
            declared_by(&m)
        );
    }
    out
}
