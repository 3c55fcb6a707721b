//! Settings that act on nothing: a key set to other than its default where, with the rest of
//! the scenario as it is, nothing reads it (a kinetic-model key in a goods market, `[coexist]`
//! in compare mode, a tax base without a tax). Each gets a warning naming the key and why; a
//! key at its default says nothing, so a resolved scenario re-runs silently.

use super::EntryPlan;
use crate::error::InputError;
use crate::money::MoneyKind;
use crate::scenario::{self, institutions, Mode, PaidIn, ScenarioFile, Source, TaxBase};

/// The value at dotted `key` below `v`.
fn value_at<'a>(v: &'a toml::Value, key: &str) -> Option<&'a toml::Value> {
    key.split('.').try_fold(v, |v, k| v.get(k))
}

/// Every warning about keys that act on nothing in this plan.
pub(super) fn warnings(file: &ScenarioFile, entries: &[EntryPlan], src: &Source) -> Vec<InputError> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut warn = |key: String, why: String| {
        if !out.iter().any(|(k, _)| *k == key) {
            out.push((key, why));
        }
    };
    let label_of = |e: &EntryPlan| e.label.split_once(':').map(|(_, l)| l.to_string());
    let overlay = |e: &EntryPlan| label_of(e).and_then(|l| file.variant.get(&l));
    // Keys of a regime's own table: a variant's key warns for its entry; a base key only if it
    // acts in no entry of its regime that reads the base value.
    for info in crate::regimes::REGIMES {
        let Some(table) = info.table else { continue };
        let mine: Vec<&EntryPlan> = entries.iter().filter(|e| std::ptr::eq(e.info, info)).collect();
        let mut base_inactive: Option<Vec<(&'static str, &'static str)>> = None;
        for e in &mine {
            let value = e.config.to_value();
            let default = e.config.default_value();
            let set_by_variant = |k: &str| overlay(e).is_some_and(|o| scenario::has_path(o, &format!("{table}.{k}")));
            let inactive = e.config.inactive_in(&e.world);
            for &(k, why) in &inactive {
                if set_by_variant(k) && value_at(&value, k) != value_at(&default, k) {
                    warn(
                        format!("variant.{}.{table}.{k}", label_of(e).unwrap_or_default()),
                        format!("{why} in `{}`", e.label),
                    );
                }
            }
            // Base keys this entry reads (its variant does not set them) and does not use.
            let here: Vec<_> = inactive.into_iter().filter(|(k, _)| !set_by_variant(k)).collect();
            base_inactive = Some(match base_inactive {
                None => here,
                Some(prev) => prev.into_iter().filter(|p| here.iter().any(|h| h.0 == p.0)).collect(),
            });
        }
        if let (Some(keys), Some(first)) = (base_inactive, mine.first()) {
            let written = file.tables.get(table);
            let default = first.config.default_value();
            for (k, why) in keys {
                let as_written = written.map(|t| toml::Value::Table(t.clone()));
                if let Some(v) = as_written.as_ref().and_then(|t| value_at(t, k)) {
                    if Some(v) != value_at(&default, k) {
                        warn(format!("{table}.{k}"), why.to_string());
                    }
                }
            }
        }
    }
    // A variant that sets another regime's table.
    for e in entries {
        let (Some(label), Some(o)) = (label_of(e), overlay(e)) else { continue };
        for key in o.keys() {
            let owner = crate::regimes::REGIMES.iter().find(|r| r.table == Some(key.as_str()));
            if let Some(owner) = owner {
                if !std::ptr::eq(owner, e.info) {
                    warn(
                        format!("variant.{label}.{key}"),
                        format!("`{}` runs {}, which does not read `[{key}]`", e.label, e.info.name),
                    );
                }
            }
        }
    }
    // The shared sections.
    let d = ScenarioFile::default();
    let any = |f: &dyn Fn(&EntryPlan) -> bool| entries.iter().any(f);
    if file.mode == Mode::Compare {
        let c = &file.coexist;
        if !c.shares.is_empty() || c.migrate != d.coexist.migrate || c.cross_trade != d.coexist.cross_trade {
            warn("coexist".into(), "acts only in coexist mode (mode = \"coexist\")".into());
        }
    } else if file.coexist.cross_trade && !any(&|e| e.traits.money == MoneyKind::Money) {
        warn("coexist.cross_trade".into(), "opens a market to every regime, but no market is listed".into());
    }
    for e in entries {
        let p = &e.policy;
        let key = |k: &str| match (label_of(e), overlay(e)) {
            (Some(l), Some(o)) if scenario::has_path(o, &format!("policy.{k}")) => format!("variant.{l}.policy.{k}"),
            _ => format!("policy.{k}"),
        };
        if p.tax.rate == 0.0 && p.tax.on != TaxBase::Income {
            warn(key("tax.on"), "sets the base of a tax whose rate is 0".into());
        }
        let issued = p.basic_income.funding == scenario::Funding::Issue;
        if issued && p.tax.rate > 0.0 {
            warn(
                key("tax.rate"),
                "funds a basic income that is issued as new money (basic_income.funding = \"issue\")".into(),
            );
        }
        if p.basic_income.amount > 0.0 && p.tax.rate == 0.0 && !issued {
            // The basic income is paid from the tax alone (demurrage goes back as a dividend).
            warn(
                key("basic_income.amount"),
                "a basic income is paid from the tax alone, and `policy.tax.rate` is 0".into(),
            );
        }
        if p.basic_income.paid_in == PaidIn::Money && p.basic_income.amount == 0.0 && p.tax.rate == 0.0 {
            warn(key("basic_income.in"), "chooses money for a basic income and tax that are both 0".into());
        }
        if e.traits.money == MoneyKind::None {
            if p.shocks.iter().any(|s| matches!(s, scenario::Shock::MoneyLoss { .. })) {
                warn(key("shocks"), format!("holds a money_loss shock, and `{}` has no money", e.label));
            }
            if p.demurrage > 0.0 {
                warn(key("demurrage"), format!("charges money, and `{}` has none", e.label));
            }
            if p.basic_income.paid_in == PaidIn::Money && p.tax.rate > 0.0 {
                warn(
                    key("tax.rate"),
                    format!("is a tax in money (basic_income.in = \"money\"), and `{}` has none", e.label),
                );
            }
        }
    }
    let migrate = file.mode == Mode::Coexist && file.coexist.migrate > 0.0;
    let imitation = entries.iter().any(|e| e.adapt.imitate > 0.0) || migrate;
    if !imitation && file.adapt.temperature != d.adapt.temperature {
        warn("adapt.temperature".into(), "is the noise of imitation and migration, and both are off".into());
    }
    // The world's institutions: a key the governance or property rule leaves idle in every
    // entry's world (a variant may give one entry its own rule).
    let as_value = |v: Result<toml::Value, toml::ser::Error>| v.unwrap_or(toml::Value::Table(toml::Table::new()));
    for (section, written, default, idle) in [
        (
            "resource",
            as_value(toml::Value::try_from(&file.resource)),
            as_value(toml::Value::try_from(&d.resource)),
            entries.iter().map(|e| institutions::inactive_governance(&e.world.resource)).collect::<Vec<_>>(),
        ),
        (
            "knowledge",
            as_value(toml::Value::try_from(&file.knowledge)),
            as_value(toml::Value::try_from(&d.knowledge)),
            entries.iter().map(|e| institutions::inactive_property(&e.world.knowledge)).collect(),
        ),
    ] {
        let Some(first) = idle.first() else { continue };
        for &(k, why) in first {
            let everywhere = idle.iter().all(|keys| keys.iter().any(|(j, _)| *j == k));
            if everywhere && value_at(&written, k) != value_at(&default, k) {
                warn(format!("{section}.{k}"), why.to_string());
            }
        }
    }
    // Goods change hands in some entry (autarky declares that nothing does).
    let moves_goods = |e: &EntryPlan| {
        use crate::regimes::footing::Mechanism;
        e.traits.material
            && !e.config.footing().iter().any(|f| f.mechanism == Mechanism::TransferCost && f.institution.is_some())
    };
    if !any(&moves_goods) && file.population.transfer_cost != d.population.transfer_cost {
        warn(
            "population.transfer_cost".into(),
            "is lost when goods change hands, and no listed regime moves any".into(),
        );
    }
    // Work choices: keys that act only while agents choose.
    {
        use crate::scenario::Choice;
        let (p, q) = (&file.population, &d.population);
        let goods_fixed = p.specialty == Choice::Fixed;
        let both_fixed = goods_fixed && p.effort == Choice::Fixed;
        if p.effort == Choice::Fixed && p.effort_step != q.effort_step {
            warn(
                "population.effort_step".into(),
                "is the step of a trial of another effort, and `effort = \"fixed\"`".into(),
            );
        }
        if goods_fixed && p.learning != q.learning {
            warn(
                "population.learning".into(),
                "moves experience toward effort shares, and `specialty = \"fixed\"` keeps both as they start".into(),
            );
        }
        if goods_fixed && !both_fixed && p.shift != q.shift {
            warn("population.shift".into(), "moves effort between goods, and `specialty = \"fixed\"`".into());
        }
        if p.effort == Choice::Chosen && !imitation && p.effort_step != q.effort_step {
            warn("population.effort_step".into(), "tries efforts that imitation spreads, and imitation is off".into());
        }
        for (k, differs) in [("rethink", p.rethink != q.rethink), ("shift", p.shift != q.shift)] {
            if both_fixed && differs {
                warn(
                    format!("population.{k}"),
                    "acts when agents choose what to make or their effort, and both are \"fixed\"".into(),
                );
            }
        }
        // With `specialty = "fixed"` both were warned about above.
        if p.rethink == 0.0 && !goods_fixed {
            for (k, differs) in [("learning", p.learning != q.learning), ("shift", p.shift != q.shift)] {
                if differs {
                    warn(
                        format!("population.{k}"),
                        "acts when agents reconsider, and `population.rethink` is 0".into(),
                    );
                }
            }
        }
    }
    if !imitation && !any(&|e| e.traits.network) && file.population.network != d.population.network {
        warn("population.network".into(), "is read by imitation, migration and network regimes, and none is on".into());
    }
    if !any(&|e| e.traits.material) {
        let why = "acts only in regimes with goods, and none is listed";
        for (section, differs) in
            [("resource", file.resource != d.resource), ("knowledge", file.knowledge != d.knowledge)]
        {
            if differs {
                warn(section.into(), why.into());
            }
        }
        let (p, q) = (&file.population, &d.population);
        for (k, differs) in [
            ("need", p.need != q.need),
            ("base_output", p.base_output != q.base_output),
            ("skill", p.skill != q.skill),
            ("initial_stock", p.initial_stock != q.initial_stock),
            ("decay", p.decay != q.decay),
            ("destitute_threshold", p.destitute_threshold != q.destitute_threshold),
            ("destitute_after", p.destitute_after != q.destitute_after),
            ("destitute_penalty", p.destitute_penalty != q.destitute_penalty),
            ("exit_after", p.exit_after != q.exit_after),
            ("specialisation", p.specialisation != q.specialisation),
            ("specialty", p.specialty != q.specialty),
            ("effort", p.effort != q.effort),
            ("effort_cost", p.effort_cost != q.effort_cost),
            ("luxury_weight", p.luxury_weight != q.luxury_weight),
            ("learning", p.learning != q.learning),
            ("rethink", p.rethink != q.rethink),
            ("shift", p.shift != q.shift),
            ("effort_step", p.effort_step != q.effort_step),
        ] {
            if differs {
                warn(format!("population.{k}"), why.into());
            }
        }
        if !any(&|e| e.traits.payoff_wellbeing) && file.population.strategies != d.population.strategies {
            warn(
                "population.strategies".into(),
                "is read by goods regimes and the donation game, and none is listed".into(),
            );
        }
    }
    let o = &file.output;
    if o.snapshots.as_deref().is_some_and(|s| s.is_empty()) && o.snapshot_replicates != d.output.snapshot_replicates {
        warn("output.snapshot_replicates".into(), "chooses replicates for snapshots, and `snapshots` is empty".into());
    }
    out.into_iter().map(|(k, why)| src.locate(InputError::at(k, format!("does nothing here: {why}")))).collect()
}

#[cfg(test)]
mod tests {
    use crate::plan::parse;
    use crate::scenario::Overrides;

    /// A basic income with no tax pays nothing, and `agora run` says so; with a tax it does
    /// not warn.
    #[test]
    fn a_basic_income_without_a_tax_is_warned_about() {
        let text = |tax: f64| {
            format!(
                "name = \"t\"\nregimes = [\"market\", \"gift\"]\n[policy]\nbasic_income = {{ amount = 0.3 }}\ntax = {{ on = \"income\", rate = {tax} }}\n"
            )
        };
        let warned = |tax: f64| {
            let plan = parse(&text(tax), None, &Overrides::default()).unwrap();
            plan.warnings.iter().any(|w| w.key.as_deref() == Some("policy.basic_income.amount"))
        };
        assert!(warned(0.0));
        assert!(!warned(0.1));
    }
}
