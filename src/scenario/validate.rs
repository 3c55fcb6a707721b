//! Checks on a deserialised scenario: ranges, sums, cross-field rules. Each failure names
//! the key and says what is allowed.

use super::{Distribution, NeedSpec, NetworkSpec, Overrides, ScenarioFile};
use crate::error::InputError;
use std::path::{Component, Path};

/// Fills defaults that depend on other keys: output folder, snapshot steps, baseline.
pub fn resolve_defaults(f: &mut ScenarioFile) {
    if f.output.dir.is_empty() {
        f.output.dir = format!("output/{}", f.name);
    }
    if f.output.snapshots.is_none() {
        f.output.snapshots = Some(vec![f.run.steps]);
    }
    if f.baseline.is_empty() {
        f.baseline = f.regimes.first().cloned().unwrap_or_default();
    }
}

/// The result of a check.
pub type Check = Result<(), InputError>;

/// A finite number.
pub fn finite(key: &str, v: f64) -> Check {
    if v.is_finite() {
        Ok(())
    } else {
        Err(InputError::at(key, format!("must be a finite number (got {v})")))
    }
}

/// A finite number in `[lo, hi]`.
pub fn range(key: &str, v: f64, lo: f64, hi: f64) -> Check {
    finite(key, v)?;
    if v < lo || v > hi {
        return Err(InputError::at(key, format!("must be between {lo} and {hi} (got {v})")));
    }
    Ok(())
}

/// A share in `[0, 1]`.
pub fn share(key: &str, v: f64) -> Check {
    range(key, v, 0.0, 1.0)
}

/// A finite number of at least `lo`.
pub fn at_least(key: &str, v: f64, lo: f64) -> Check {
    finite(key, v)?;
    if v < lo {
        return Err(InputError::at(key, format!("must be at least {lo} (got {v})")));
    }
    Ok(())
}

/// A finite number above 0.
pub fn positive(key: &str, v: f64) -> Check {
    finite(key, v)?;
    if v <= 0.0 {
        return Err(InputError::at(key, format!("must be greater than 0 (got {v})")));
    }
    Ok(())
}

/// A whole number in `[lo, hi]`; `flag` names the command-line flag that set it.
pub fn count(key: &str, v: u64, lo: u64, hi: u64, flag: Option<&str>) -> Check {
    if v < lo || v > hi {
        let key = flag.unwrap_or(key);
        return Err(InputError::at(key, format!("must be a whole number from {lo} to {hi} (got {v})")));
    }
    Ok(())
}

/// Checks a distribution of a positive quantity.
pub fn distribution(key: &str, d: &Distribution) -> Check {
    match *d {
        Distribution::Lognormal { median, sigma } => {
            positive(&format!("{key}.median"), median)?;
            at_least(&format!("{key}.sigma"), sigma, 0.0)
        }
        Distribution::Uniform { low, high } => {
            positive(&format!("{key}.low"), low)?;
            finite(&format!("{key}.high"), high)?;
            if high < low {
                return Err(InputError::at(
                    format!("{key}.high"),
                    format!("must be at least `low` ({low}), got {high}"),
                ));
            }
            Ok(())
        }
        Distribution::Constant { value } => positive(&format!("{key}.value"), value),
        Distribution::Exponential { mean } => positive(&format!("{key}.mean"), mean),
        Distribution::Pareto { scale, shape } => {
            positive(&format!("{key}.scale"), scale)?;
            positive(&format!("{key}.shape"), shape)
        }
    }
}

/// A name that is safe as a folder name and a CSV column suffix.
fn identifier(key: &str, s: &str) -> Check {
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !s.starts_with('-');
    if ok {
        Ok(())
    } else {
        Err(InputError::at(key, format!("`{s}` is not a usable name"))
            .help("1 to 64 letters, digits, `_` or `-`, not starting with `-`"))
    }
}

/// Every check that does not belong to one regime: every problem found, in the order of the
/// sections (each check reports its first).
pub fn check_all(f: &ScenarioFile, o: &Overrides) -> Vec<InputError> {
    let mut found: Vec<InputError> = Vec::new();
    let mut add = |c: Check| found.extend(c.err());
    add(identifier("name", &f.name));
    if f.regimes.is_empty() {
        add(Err(InputError::at("regimes", "lists no regime").help("for example regimes = [\"autarky\", \"market\"]")));
    }
    for (i, r) in f.regimes.iter().enumerate() {
        if let Some((_, label)) = r.split_once(':') {
            add(identifier(&format!("regimes[{i}]"), label));
        }
    }
    for (i, listed) in f.regimes.iter().enumerate() {
        if f.regimes[..i].contains(listed) {
            add(Err(InputError::at(format!("regimes[{i}]"), format!("`{listed}` is listed twice"))
                .help("list a regime twice under two labels, such as `market` and `market:copy` with a `[variant.copy]` table")));
        }
    }
    for label in f.variant.keys() {
        if !f.regimes.iter().any(|r| r.split_once(':').map(|(_, l)| l) == Some(label.as_str())) {
            add(Err(InputError::at(
                format!("variant.{label}"),
                format!("variant `{label}` is not used by any entry of `regimes`"),
            )
            .help(
                match super::source::did_you_mean(
                    label,
                    f.regimes.iter().filter_map(|r| r.split_once(':').map(|x| x.1)),
                ) {
                    Some(near) => format!("`regimes` lists the label `{near}`: is one of the two a typo?"),
                    None => format!("list it as `<regime>:{label}` in `regimes`, or remove the table"),
                },
            )));
        }
    }
    if !f.regimes.contains(&f.baseline) {
        add(Err(InputError::at("baseline", format!("`{}` is not one of the listed regimes", f.baseline)).help(
            match super::source::did_you_mean(&f.baseline, f.regimes.iter().map(String::as_str)) {
                Some(best) => format!("did you mean `{best}`? one of: {}", f.regimes.join(", ")),
                None => format!("one of: {}", f.regimes.join(", ")),
            },
        )));
    }

    let r = &f.run;
    add(count("run.agents", r.agents, 2, u32::MAX as u64 - 1, o.agents.map(|_| "--agents")));
    add(count("run.steps", r.steps, 1, 100_000_000, o.steps.map(|_| "--steps")));
    add(count("run.replicates", r.replicates, 1, 1_000_000, o.replicates.map(|_| "--replicates")));
    add(count("run.threads", r.threads, 0, 4096, None));
    // TOML integers are signed 64-bit: a larger seed could not be written back.
    add(count("run.seed", r.seed, 0, i64::MAX as u64, o.seed.map(|_| "--seed")));
    if r.warmup >= r.steps {
        let key = if o.warmup.is_some() { "--warmup" } else { "run.warmup" };
        add(Err(InputError::at(key, format!("must be below `steps` ({}), got {}", r.steps, r.warmup))
            .help("warm-up steps are left out of the summaries; some steps must remain (set it with --warmup)")));
    }
    // Agent-steps are counted in 64 bits.
    let agent_steps =
        [r.steps, r.replicates, f.regimes.len().max(1) as u64].iter().try_fold(r.agents, |acc, &x| acc.checked_mul(x));
    if agent_steps.is_none_or(|n| n > i64::MAX as u64) {
        let key = o.steps.map_or("run.steps", |_| "--steps");
        add(Err(InputError::at(key, "agents x steps x replicates x regimes passes 2^63 agent-steps")
            .help("a run of that size cannot be counted, let alone finished; use fewer steps, agents or replicates")));
    }

    let p = &f.population;
    if p.goods.is_empty() || p.goods.len() > 64 {
        add(Err(InputError::at("population.goods", format!("must list 1 to 64 goods (got {})", p.goods.len()))));
    }
    for (i, g) in p.goods.iter().enumerate() {
        add(identifier(&format!("population.goods[{i}]"), g));
        if p.goods[..i].contains(g) {
            add(Err(InputError::at(format!("population.goods[{i}]"), format!("`{g}` is listed twice"))));
        }
    }
    match &p.need {
        NeedSpec::All(x) => add(at_least("population.need", *x, 0.0)),
        NeedSpec::PerGood(map) => {
            for (g, x) in map {
                let key = format!("population.need.{g}");
                if !p.goods.contains(g) {
                    let err = InputError::at(&key, format!("`{g}` is not one of the goods"));
                    add(Err(match super::source::did_you_mean(g, p.goods.iter().map(String::as_str)) {
                        Some(best) => err.help(format!("did you mean `{best}`? goods: {}", p.goods.join(", "))),
                        None => err.help(format!("goods: {}", p.goods.join(", "))),
                    }));
                }
                add(at_least(&key, *x, 0.0));
            }
            // A good missing because its name was mistyped is the typo's problem, reported above.
            let typo = map.keys().any(|g| !p.goods.contains(g));
            if let Some(missing) = p.goods.iter().find(|g| !map.contains_key(*g)).filter(|_| !typo) {
                add(Err(InputError::at("population.need", format!("gives no need for `{missing}`"))
                    .help("give every good a need, or one number for all")));
            }
        }
    }
    add(positive("population.base_output", p.base_output));
    add(distribution("population.skill", &p.skill));
    let s = &p.strategies;
    add(share("population.strategies.cooperator", s.cooperator));
    add(share("population.strategies.reciprocator", s.reciprocator));
    add(share("population.strategies.free_rider", s.free_rider));
    let sum = s.cooperator + s.reciprocator + s.free_rider;
    if (sum - 1.0).abs() > 1e-9 {
        add(Err(InputError::at("population.strategies", format!("shares sum to {sum}, not 1"))
            .help("cooperator + reciprocator + free_rider must equal 1")));
    }
    // Against a refused number of agents the degree would be refused too: one problem, not two.
    if count("run.agents", r.agents, 2, u32::MAX as u64 - 1, None).is_ok() {
        add(network(&p.network, r.agents, o));
    }
    add(at_least("population.initial_stock", p.initial_stock, 0.0));
    add(share("population.decay", p.decay));
    add(share("population.destitute_threshold", p.destitute_threshold));
    add(share("population.destitute_penalty", p.destitute_penalty));
    add(range("population.transfer_cost", p.transfer_cost, 0.0, 0.99));
    add(range("population.specialisation", p.specialisation, 0.0, 0.99));
    add(share("population.learning", p.learning));
    add(share("population.rethink", p.rethink));
    add(share("population.shift", p.shift));
    add(share("population.effort_step", p.effort_step));
    add(range("population.effort_cost", p.effort_cost, 0.0, 100.0));
    add(range("population.luxury_weight", p.luxury_weight, 0.0, 100.0));
    add(count("population.destitute_after", p.destitute_after, 0, 60_000, None));

    let res = &f.resource;
    add(positive("resource.capacity", res.capacity));
    add(share("resource.regrowth", res.regrowth));
    add(share("resource.initial", res.initial));
    add(at_least("resource.intensity", res.intensity, 0.0));
    add(governance(res));

    let k = &f.knowledge;
    add(range("knowledge.contribution", k.contribution, 0.0, 0.99));
    add(at_least("knowledge.tech_gain", k.tech_gain, 0.0));
    add(at_least("knowledge.initial", k.initial, 0.0));
    add(share("knowledge.obsolescence", k.obsolescence));
    add(share("knowledge.critical_mass", k.critical_mass));
    add(at_least("knowledge.patent_life", k.patent_life, 0.0));
    add(share("knowledge.capture", k.capture));
    if k.critical_mass > 0.0 && k.obsolescence <= 0.0 {
        add(Err(InputError::at("knowledge.critical_mass", "needs `obsolescence` above 0")
            .help("the threshold is where contributions just outrun obsolescence; with none there is no threshold")));
    }

    let a = &f.adapt;
    add(share("adapt.imitate", a.imitate));
    add(at_least("adapt.temperature", a.temperature, 0.0));
    add(range("adapt.smoothing", a.smoothing, 1e-6, 1.0));
    add(share("adapt.explore", a.explore));

    let pol = &f.policy;
    add(at_least("policy.basic_income.amount", pol.basic_income.amount, 0.0));
    if pol.basic_income.funding == super::Funding::Issue && pol.basic_income.paid_in != super::PaidIn::Money {
        add(Err(InputError::at(
            "policy.basic_income.funding",
            "`issue` creates money, and this basic income is paid in goods",
        )
        .help("set basic_income.in = \"money\", or funding = \"tax\"")));
    }
    add(share("policy.tax.rate", pol.tax.rate));
    add(share("policy.demurrage", pol.demurrage));
    for (i, s) in pol.shocks.iter().enumerate() {
        let key = format!("policy.shocks[{i}]");
        if s.step() == 0 || s.step() > r.steps {
            add(Err(InputError::at(
                format!("{key}.step"),
                format!("step {} is not between 1 and the last step ({})", s.step(), r.steps),
            )));
        }
        match *s {
            super::Shock::ResourceCrash { size, .. }
            | super::Shock::Productivity { size, .. }
            | super::Shock::MoneyLoss { size, .. } => add(share(&format!("{key}.size"), size)),
            super::Shock::Exodus { share: x, .. } => add(share(&format!("{key}.share"), x)),
        }
    }
    let co = &f.coexist;
    add(share("coexist.migrate", co.migrate));
    for (label, x) in &co.shares {
        add(share(&format!("coexist.shares.{label}"), *x));
    }

    let out = &f.output;
    if out.record_every == 0 {
        add(Err(InputError::at("output.record_every", "must be at least 1 (1 records every step)")));
    }
    // A bad name makes a bad default folder: that is the name's problem, reported once.
    let default_dir = out.dir == format!("output/{}", f.name);
    if o.out.is_none() && !(default_dir && identifier("name", &f.name).is_err()) {
        add(output_dir(&out.dir));
    }
    for (i, &t) in out.snapshots.iter().flatten().enumerate() {
        if t > r.steps {
            add(Err(InputError::at(
                format!("output.snapshots[{i}]"),
                format!("step {t} is past the last step ({})", r.steps),
            )));
        }
    }
    found
}

/// The first problem [`check_all`] finds, if any.
pub fn check(f: &ScenarioFile, o: &Overrides) -> Check {
    check_all(f, o).into_iter().next().map_or(Ok(()), Err)
}

/// The governance rules of `[resource]`.
fn governance(r: &super::ResourceConfig) -> Check {
    count("resource.community_size", r.community_size, 0, u32::MAX as u64, None)?;
    if let super::Quota::ShareOfRegrowth { share: s } = r.quota {
        at_least("resource.quota.share", s, 0.0)?;
    }
    share("resource.monitor", r.monitor)?;
    share("resource.monitoring_cost", r.monitoring_cost)?;
    if r.sanctions.is_empty() {
        return Err(InputError::at("resource.sanctions", "lists no sanction")
            .help("for example [0.0, 0.5, 1.0]: a warning, then fines of half and all of a step's output"));
    }
    if r.sanctions.len() > 255 {
        return Err(InputError::at("resource.sanctions", "lists more than 255 sanctions"));
    }
    for (i, s) in r.sanctions.iter().enumerate() {
        share(&format!("resource.sanctions[{i}]"), *s)?;
    }
    count("resource.exclude_after", r.exclude_after, 0, 255, None)?;
    count("resource.exclude_for", r.exclude_for, 0, u32::MAX as u64 / 2, None)?;
    count("resource.vote_every", r.vote_every, 1, 1_000_000, None)?;
    Ok(())
}

fn network(n: &NetworkSpec, agents: u64, o: &Overrides) -> Check {
    let agents_key = if o.agents.is_some() { "--agents" } else { "run.agents" };
    let degree_check = |degree: u64| -> Check {
        if degree < 2 || degree % 2 == 1 {
            return Err(InputError::at(
                "population.network.degree",
                format!("must be an even number of at least 2 (got {degree})"),
            ));
        }
        if degree >= agents {
            return Err(InputError::at(
                "population.network.degree",
                format!("must be below the number of agents ({agents}, from {agents_key}), got {degree}"),
            )
            .help("each agent needs `degree` distinct others to link to"));
        }
        if degree > 10_000 {
            return Err(InputError::at("population.network.degree", format!("must be at most 10000 (got {degree})"))
                .help("for everyone linked to everyone use kind = \"complete\", which stores no links"));
        }
        Ok(())
    };
    match *n {
        NetworkSpec::Ring { degree } => degree_check(degree),
        NetworkSpec::SmallWorld { degree, rewire } => {
            degree_check(degree)?;
            share("population.network.rewire", rewire)
        }
        NetworkSpec::ScaleFree { degree } => degree_check(degree),
        NetworkSpec::Complete {} => Ok(()),
    }
}

/// The output folder of a scenario file must stay inside the project's `output/` folder, so
/// that a scenario from elsewhere cannot write anywhere else. (`--out` may go anywhere.)
fn output_dir(dir: &str) -> Check {
    let p = Path::new(dir);
    let mut comps = p.components();
    let inside = matches!(comps.next(), Some(Component::Normal(first)) if first == "output")
        && comps.clone().next().is_some()
        && comps.all(|c| matches!(c, Component::Normal(_)));
    if inside {
        Ok(())
    } else {
        Err(InputError::at("output.dir", format!("`{dir}` is not a folder inside `output/`"))
            .help("use a relative path such as \"output/my_run\" (no `..`, not absolute); `--out` may point anywhere"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_dirs_stay_inside_output() {
        assert!(output_dir("output/x").is_ok());
        assert!(output_dir("output/a/b").is_ok());
        for bad in ["output", "/tmp/x", "../output/x", "output/../x", "x/output", "output/./x/.."] {
            assert!(output_dir(bad).is_err(), "{bad} accepted");
        }
    }
}
