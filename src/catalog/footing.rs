//! The equal-footing table of docs/ODD.md (section 4.1), generated from each regime's
//! declarations ([`crate::regimes::footing`]) and the world's defaults, so that a difference
//! between regimes is either declared as the institution, with its reason, or found: a test
//! fails on any difference no regime declared ([`undeclared`]).

use crate::regimes::footing::{self, Footing, Mechanism};
use crate::regimes::REGIMES;
use crate::scenario::ScenarioFile;
use std::fmt::Write as _;

/// The file the table lives in, from the repository's root.
pub const PATH: &str = "docs/ODD.md";
/// The line before the generated table.
pub const BEGIN: &str =
    "<!-- equal-footing table: generated from the registry (src/catalog/footing.rs); do not edit by hand -->";
/// The line after it.
pub const END: &str = "<!-- end of the generated equal-footing table -->";

/// The world's rows, the same for every regime unless it declares otherwise, at the defaults.
fn world_rows() -> Vec<Footing> {
    let d = ScenarioFile::default();
    vec![
        Footing::shared(
            Mechanism::Governance,
            format!("the world's `resource.governance` [{}]", d.resource.governance.name()),
        ),
        Footing::shared(
            Mechanism::Property,
            format!("the world's `knowledge.property` [{}]", d.knowledge.property.name()),
        ),
        Footing::shared(
            Mechanism::TransferCost,
            format!(
                "the world's `population.transfer_cost` [{}] of every unit that changes hands",
                d.population.transfer_cost
            ),
        ),
        Footing::shared(
            Mechanism::Work,
            format!(
                "the world's: learning by doing (`population.specialisation` [{}]), specialty {} and effort {} (`effort_cost` [{}]), welfare with `luxury_weight` [{}]",
                d.population.specialisation,
                d.population.specialty.name(),
                d.population.effort.name(),
                d.population.effort_cost,
                d.population.luxury_weight
            ),
        ),
    ]
}

/// Every regime's footing at its defaults, the world's rows filled in where it gives none.
pub fn regimes() -> Vec<(&'static str, Vec<Footing>)> {
    REGIMES
        .iter()
        .map(|r| {
            let mut rows = match (r.configure)(None) {
                Ok(cfg) => {
                    let mut rows = cfg.footing();
                    let signal = cfg.traits().signal;
                    if !rows.iter().any(|f| f.mechanism == Mechanism::Signal) {
                        rows.push(Footing::institution(Mechanism::Signal, signal.describe(), signal.why()));
                    }
                    rows
                }
                Err(_) => Vec::new(),
            };
            for w in world_rows() {
                if !rows.iter().any(|f| f.mechanism == w.mechanism) {
                    rows.push(w);
                }
            }
            rows.sort_by_key(|f| f.mechanism);
            (r.name, rows)
        })
        .collect()
}

/// Differences between regimes' defaults that no regime declared as its institution, and rows
/// a regime left out.
pub fn undeclared() -> Vec<String> {
    let all = regimes();
    let mut out = footing::undeclared(&all);
    out.extend(footing::missing(&all));
    out
}

/// A table cell: pipes escaped.
fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// The table and the list of declared differences, between [`BEGIN`] and [`END`].
pub fn markdown() -> String {
    let all = regimes();
    let mut s = String::new();
    let _ = writeln!(s, "{BEGIN}");
    let _ = writeln!(s, "| | {} |", all.iter().map(|(n, _)| format!("`{n}`")).collect::<Vec<_>>().join(" | "));
    let _ = writeln!(s, "|---|{}", "---|".repeat(all.len()));
    for m in Mechanism::ALL {
        let cells: Vec<String> = all
            .iter()
            .map(|(_, rows)| match rows.iter().find(|f| f.mechanism == m) {
                Some(f) if f.institution.is_some() => format!("{} (*)", cell(&f.value)),
                Some(f) => cell(&f.value),
                None => String::new(),
            })
            .collect();
        let _ = writeln!(s, "| {} | {} |", m.question(), cells.join(" | "));
    }
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "(*) A value that is the institution itself, declared in the regime's registry entry with its reason:"
    );
    let _ = writeln!(s);
    for (name, rows) in &all {
        if name == &"autarky" {
            continue;
        }
        for f in rows {
            if let Some(why) = f.institution {
                let _ = writeln!(s, "- `{name}`, {}: {why}.", f.mechanism.question());
            }
        }
    }
    let _ = writeln!(s, "- `autarky`, every row: the floor of every comparison, with no exchange at all.");
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "Every other value is the same for every regime, and a test (`equal_footing_is_declared`) fails on a default that differs without a declaration."
    );
    let _ = writeln!(s, "{END}");
    s
}

/// `doc` with its generated table replaced by [`markdown`] (unchanged if it has no markers).
pub fn splice(doc: &str) -> String {
    match (doc.find(BEGIN), doc.find(END)) {
        (Some(a), Some(b)) if b > a => {
            let end = b + END.len() + usize::from(doc[b + END.len()..].starts_with('\n'));
            format!("{}{}{}", &doc[..a], markdown(), &doc[end..])
        }
        _ => doc.to_string(),
    }
}
