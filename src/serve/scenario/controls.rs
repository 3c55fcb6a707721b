//! The classroom page's controls: which keys of the scenario it offers, as sliders and menus,
//! with the words a class reads.

use super::{lookup, toml_to_json, Control};
use crate::plan::Plan;
use crate::regimes::ControlKind;
use crate::scenario::NetworkSpec;
use serde_json::Value as Json;

/// The controls for the questions a class asks, for the regimes the scenario lists.
pub(super) fn controls(plan: &Plan, resolved: &toml::Table) -> Vec<Control> {
    // Some entry of regime `kind` reads `key` of its table with the scenario as it is.
    let reads = |kind: &str, key: &str| {
        let idle = |k: &str| key == k || key.starts_with(&format!("{k}."));
        plan.entries.iter().any(|e| e.info.name == kind && !e.config.inactive_in(&e.world).iter().any(|(k, _)| idle(k)))
    };
    let value = |key: &str| lookup(resolved, key).map(toml_to_json).unwrap_or(Json::Null);
    // Every entry's variant sets `key`, so the scenario's own value is read by none.
    let overridden = |key: &str| {
        plan.entries.iter().all(|e| {
            e.label.split_once(':').is_some_and(|(_, l)| lookup(resolved, &format!("variant.{l}.{key}")).is_some())
        })
    };
    let number = |key: &str| lookup(resolved, key).and_then(|v| v.as_float().or(v.as_integer().map(|i| i as f64)));
    let range = |key: &str, label: &str, max: f64, step: f64, help: String| Control {
        key: key.into(),
        label: label.into(),
        kind: "range",
        min: Some(0.0),
        max: Some(number(key).map_or(max, |v| v.max(max))),
        step: Some(step),
        options: None,
        value: value(key),
        help,
    };
    let select = |key: &str, label: &str, options: &[String], help: &str| Control {
        key: key.into(),
        label: label.into(),
        kind: "select",
        min: None,
        max: None,
        step: None,
        options: Some(options.to_vec()),
        value: value(key),
        help: help.into(),
    };
    let mut out = vec![range(
        "population.strategies.free_rider",
        "Free riders",
        1.0,
        0.05,
        "Share of people who take without giving. Cooperators and reciprocators make up the rest, in the scenario's proportions.".into(),
    )];
    let money = lookup(resolved, "policy.basic_income.in").and_then(|v| v.as_str()) == Some("money");
    out.push(if money {
        range(
            "policy.basic_income.amount",
            "Basic income",
            5.0,
            0.05,
            "Money each person gets per step, paid from the tax below: set the tax first, as without one there is nothing to pay it with; when the tax raises less, everyone gets an equal part of what it raises.".into(),
        )
    } else {
        range(
            "policy.basic_income.amount",
            "Basic income",
            1.0,
            0.01,
            "Units of every good each person gets per step (a person needs 1), paid from the tax below: set the tax first, as without one there is nothing to pay it with; when the tax raises less, everyone gets an equal part of what it raises.".into(),
        )
    });
    let on_wealth = lookup(resolved, "policy.tax.on").and_then(|v| v.as_str()) == Some("wealth");
    out.push(range(
        "policy.tax.rate",
        "Tax rate",
        0.5,
        0.01,
        if on_wealth {
            "Share of what people hold taken each step to pay the basic income.".into()
        } else {
            "Share of each step's output taken to pay the basic income.".into()
        },
    ));
    // Each listed regime's own controls, as its registry entry declares them, in registry order.
    for info in crate::regimes::REGIMES.iter().filter(|r| plan.entries.iter().any(|e| e.info.name == r.name)) {
        let table = info.table.unwrap_or(info.name);
        for c in info.controls {
            let key = format!("{table}.{}", c.key);
            let shown = c
                .when
                .is_none_or(|(k, v)| lookup(resolved, &format!("{table}.{k}")).and_then(|x| x.as_str()) == Some(v));
            if !shown || !reads(info.name, c.key) {
                continue;
            }
            out.push(match c.kind {
                ControlKind::Range { max, step } => range(&key, c.label, max, step, c.help.into()),
                ControlKind::Select { options } => select(&key, c.label, &options(), c.help),
            });
        }
    }
    out.push(select(
        "resource.governance",
        "Who limits the harvest",
        &crate::regimes::variant_names(&crate::scenario::Governance::ALL),
        "The same rule for every economy: no limit (open access), a quota set from outside, or Ostrom's rules (communities share a quota, watch each other, punish cheats step by step and vote on the quota).",
    ));
    out.push(select(
        "knowledge.property",
        "Who owns knowledge",
        &crate::regimes::variant_names(&crate::scenario::PropertyRule::ALL),
        "The same rule for every economy: open (shared at once), proprietary (kept private until a patent runs out) or permissive (shared, but a platform takes part of the gain).",
    ));
    out.push(select(
        "population.network.kind",
        "Social network",
        &NetworkSpec::KINDS.map(String::from),
        "Who knows whom (gifts go to neighbours, people copy neighbours): neighbours on a circle, a circle with a few long links, a few people with very many links, or everyone.",
    ));
    out.retain(|c| !overridden(&c.key));
    out
}
