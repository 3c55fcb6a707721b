//! The validation cases: each runs one bundled scenario and states the published number it
//! must reproduce.

use super::fokker_planck;
use super::stats::{exponential_cdf, gamma_cdf, gamma_gini, ks_distance, saving_shape};
use super::{Case, Outcome, Runner, Test};
use crate::error::Result;
use rayon::prelude::*;
use toml::Value;

pub(super) const CASES: &[Case] = &[
    Case {
        name: "kinetic",
        file: "scenarios/validation/kinetic.toml",
        what: "kinetic exchange: the exponential law without saving, gamma laws with saving 0.25, 0.5, 0.75",
        run: kinetic,
    },
    Case {
        name: "yard_sale",
        file: "scenarios/validation/yard_sale.toml",
        what: "yard-sale exchange: condensation, and the Fokker-Planck stationary law under redistribution",
        run: yard_sale,
    },
    Case {
        name: "fishery",
        file: "scenarios/validation/fishery.toml",
        what: "logistic resource: the MSY quota holds K/2 with yield rK/4; open access collapses",
        run: fishery,
    },
    Case {
        name: "donation",
        file: "scenarios/validation/donation.toml",
        what: "indirect reciprocity: the threshold q* = c/b, measured by bisection at c/b = 1/5, 1/3, 1/2",
        run: donation,
    },
    Case {
        name: "public_goods",
        file: "scenarios/validation/public_goods.toml",
        what: "public-goods game: contributions decay without punishment and hold with it",
        run: public_goods,
    },
    Case {
        name: "issued_income",
        file: "scenarios/validation/issued_income.toml",
        what: "basic income issued as new money with demurrage: money per member tends to y / d",
        run: issued_income,
    },
    Case {
        name: "division_of_labour",
        file: "scenarios/validation/division_of_labour.toml",
        what: "learning by doing against transfer costs: the threshold t* = spec of the division of labour, by bisection on t",
        run: division_of_labour,
    },
    Case {
        name: "ricardo",
        file: "scenarios/validation/ricardo.toml",
        what: "comparative advantage: the terms of trade settle at the food makers' autarky ratio 1 / (1 - spec)",
        run: ricardo,
    },
];

const KINETIC: &str = include_str!("../../scenarios/validation/kinetic.toml");
const YARD_SALE: &str = include_str!("../../scenarios/validation/yard_sale.toml");
const FISHERY: &str = include_str!("../../scenarios/validation/fishery.toml");
const DONATION: &str = include_str!("../../scenarios/validation/donation.toml");
const PUBLIC_GOODS: &str = include_str!("../../scenarios/validation/public_goods.toml");
const ISSUED_INCOME: &str = include_str!("../../scenarios/validation/issued_income.toml");
const DIVISION: &str = include_str!("../../scenarios/validation/division_of_labour.toml");
const RICARDO: &str = include_str!("../../scenarios/validation/ricardo.toml");

const DY2000: &str = "Dragulescu & Yakovenko 2000";
const PCK2004: &str = "Patriarca, Chakraborti & Kaski 2004";
const BOGHOSIAN: &str = "Boghosian et al. 2017";
const SCHAEFER: &str = "Schaefer 1954; Gordon 1954";
const NS2005: &str = "Nowak & Sigmund 2005";
const FG2000: &str = "Fehr & Gaechter 2000";
const CLOSED_FORM: &str = "closed form m* = y / d (Lietaer 2001)";
const YB1991: &str = "closed form t* = spec (Yang & Borland 1991)";
const RICARDO1817: &str = "Ricardo 1817; closed form p = 1 / (1 - spec)";

/// Comparative advantage: the price of energy in food (the ratio of the mean prices after
/// warm-up) against the food makers' autarky ratio `1 / (1 - spec)`, where the scarce good's
/// price must settle; and against the band of the two autarky ratios.
fn ricardo(r: &Runner) -> Result<Vec<Outcome>> {
    let m = r.measure(CASES[7].file, RICARDO, &replicates(r, 2, 6))?;
    let spec = m.plan.world.population.specialisation;
    let bound = 1.0 / (1.0 - spec);
    let terms = m.mean_after_warmup("market", "price_energy") / m.mean_after_warmup("market", "price_food");
    Ok(vec![
        Outcome::new(
            "comparative advantage: terms of trade (energy in food)",
            RICARDO1817,
            bound,
            terms,
            Test::Within(0.05 * bound),
        ),
        Outcome::new(
            format!("comparative advantage: terms of trade above the energy makers' autarky ratio {:.2}", 1.0 - spec),
            RICARDO1817,
            1.0 - spec,
            terms,
            Test::AtLeast(1.0 - spec),
        ),
    ])
}

/// The division of labour's threshold: the transfer cost at which the market's mean largest
/// effort share (1 for specialists, 1/3 for even splitters of three goods) crosses the middle,
/// 2/3, found by bisection on `t` over `[spec - 0.15, spec + 0.15]`; and the specialisation on
/// either side of it, at `spec -/+ 0.05`.
fn division_of_labour(r: &Runner) -> Result<Vec<Outcome>> {
    let doc: toml::Table = toml::from_str(DIVISION).map_err(|e| crate::error::Error::Run(e.to_string()))?;
    let spec = doc["population"]["specialisation"].as_float().unwrap_or(0.3);
    let reps = if r.long { 6 } else { 2 };
    let halvings = if r.long { 7 } else { 5 };
    let at = |t: f64| -> Result<f64> {
        let settings = [("population.transfer_cost", Value::Float(t)), ("run.replicates", Value::Integer(reps))];
        let m = r.measure_doc(CASES[6].file, doc.clone(), &settings)?;
        Ok(m.mean_after_warmup("market", "specialisation"))
    };
    let middle = 2.0 / 3.0;
    let (below, above) = rayon::join(|| at(spec - 0.05), || at(spec + 0.05));
    let (below, above) = (below?, above?);
    let (mut lo, mut hi) = (spec - 0.15, spec + 0.15);
    for _ in 0..halvings {
        let mid = 0.5 * (lo + hi);
        if at(mid)? >= middle {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(vec![
        Outcome::new(
            "division of labour: threshold transfer cost t*",
            YB1991,
            spec,
            0.5 * (lo + hi),
            Test::Within(0.03),
        ),
        Outcome::new(
            format!("division of labour: specialisation at t = spec - 0.05 = {:.2}", spec - 0.05),
            YB1991,
            1.0,
            below,
            Test::AtLeast(0.9),
        ),
        Outcome::new(
            format!("division of labour: specialisation at t = spec + 0.05 = {:.2}", spec + 0.05),
            YB1991,
            1.0 / 3.0,
            above,
            Test::AtMost(0.6),
        ),
    ])
}

/// Issued income with demurrage: the money per member, `m <- (1 - d) m + y` whatever trade
/// does, tends to `y / d`; at the steady state demurrage destroys what is issued.
fn issued_income(r: &Runner) -> Result<Vec<Outcome>> {
    let m = r.measure(CASES[5].file, ISSUED_INCOME, &replicates(r, 3, 10))?;
    let policy = &m.plan.entries[0].policy;
    let (y, d) = (policy.basic_income.amount, policy.demurrage);
    let agents = m.plan.run.agents as f64;
    let steady = y / d;
    Ok(vec![
        Outcome::new(
            "issued income: money per member (y / d)",
            CLOSED_FORM,
            steady,
            m.mean_after_warmup("market", "money_total") / agents,
            Test::Within(0.01 * steady),
        ),
        Outcome::new(
            "issued income: demurrage destroyed per step = income issued (y N)",
            CLOSED_FORM,
            y * agents,
            m.mean_after_warmup("market", "demurrage"),
            Test::Within(0.01 * y * agents),
        ),
    ])
}

/// Replicates for the long variant of a case.
fn replicates(r: &Runner, short: i64, long: i64) -> Vec<(&'static str, Value)> {
    vec![("run.replicates", Value::Integer(if r.long { long } else { short }))]
}

/// Kinetic exchange: Gini and the Kolmogorov-Smirnov distance of every agent's final money
/// (all replicates pooled) to the exponential law (lambda = 0) and to the gamma law of shape
/// `1 + 3 lambda / (1 - lambda)`.
fn kinetic(r: &Runner) -> Result<Vec<Outcome>> {
    let m = r.measure(CASES[0].file, KINETIC, &replicates(r, 5, 20))?;
    let mut out = Vec::new();
    let mean = 100.0;
    let mut zero = m.money_of("market");
    out.push(Outcome::new(
        "kinetic λ=0: Gini",
        DY2000,
        0.5,
        m.mean_after_warmup("market", "gini_money"),
        Test::Within(0.01),
    ));
    let d = ks_distance(&mut zero, exponential_cdf(mean));
    out.push(Outcome::new("kinetic λ=0: KS distance to the exponential law", DY2000, 0.0, d, Test::AtMost(0.01)));
    for (entry, lambda) in [("market:save25", 0.25), ("market:save50", 0.5), ("market:save75", 0.75)] {
        let n = saving_shape(lambda);
        let gini = m.mean_after_warmup(entry, "gini_money");
        out.push(Outcome::new(
            format!("kinetic λ={lambda}: Gini (gamma n={n})"),
            PCK2004,
            gamma_gini(n),
            gini,
            Test::Within(0.01),
        ));
        let d = ks_distance(&mut m.money_of(entry), gamma_cdf(n, mean));
        out.push(Outcome::new(
            format!("kinetic λ={lambda}: KS distance to gamma n={n}"),
            PCK2004,
            0.0,
            d,
            Test::AtMost(0.01),
        ));
    }
    Ok(out)
}

/// Yard-sale exchange: without redistribution the Gini keeps rising toward 1; with it, the
/// final money of every agent follows the stationary solution of the Fokker-Planck equation.
fn yard_sale(r: &Runner) -> Result<Vec<Outcome>> {
    let m = r.measure(CASES[1].file, YARD_SALE, &replicates(r, 4, 12))?;
    let steps = m.plan.run.steps;
    let end = m.mean_over("market:condense", "gini_money", steps..=steps);
    let half = m.mean_over("market:condense", "gini_money", steps / 2..=steps / 2);
    let mut out = vec![
        Outcome::new(
            format!("yard-sale χ=0: Gini at step {steps} (condensation, -> 1)"),
            BOGHOSIAN,
            1.0,
            end,
            Test::Within(0.1),
        ),
        Outcome::new(
            format!("yard-sale χ=0: Gini rise from step {} to {steps}", steps / 2),
            BOGHOSIAN,
            0.0,
            end - half,
            Test::AtLeast(0.005),
        ),
    ];
    let doc: toml::Table = toml::from_str(YARD_SALE).map_err(|e| crate::error::Error::Run(e.to_string()))?;
    let beta = doc.get("market").and_then(|t| t.get("bet")).and_then(Value::as_float).unwrap_or(f64::NAN);
    let chi = doc
        .get("variant")
        .and_then(|t| t.get("redistribute"))
        .and_then(|t| t.get("market"))
        .and_then(|t| t.get("redistribute"))
        .and_then(Value::as_float)
        .unwrap_or(f64::NAN);
    let fp = fokker_planck::stationary(beta, chi, 8.0, 8000);
    let gini = m.mean_after_warmup("market:redistribute", "gini_money");
    out.push(Outcome::new(
        format!("yard-sale χ={chi}: Gini against the Fokker-Planck law"),
        BOGHOSIAN,
        fp.gini(),
        gini,
        Test::Within(0.02),
    ));
    let mut money = m.money_of("market:redistribute");
    let mean = money.iter().sum::<f64>() / money.len().max(1) as f64;
    let d = ks_distance(&mut money, |w| fp.cdf_at(w / mean));
    out.push(Outcome::new(
        format!("yard-sale χ={chi}: KS distance to the Fokker-Planck law"),
        BOGHOSIAN,
        0.0,
        d,
        Test::AtMost(0.02),
    ));
    Ok(out)
}

/// The logistic fishery: stock and yield under the MSY quota, collapse under open access.
fn fishery(r: &Runner) -> Result<Vec<Outcome>> {
    let m = r.measure(CASES[2].file, FISHERY, &replicates(r, 3, 10))?;
    let res = &m.plan.world.resource;
    let msy = res.regrowth * res.capacity / 4.0;
    let steps = m.plan.run.steps;
    Ok(vec![
        Outcome::new(
            "fishery MSY quota: stock / K",
            SCHAEFER,
            0.5,
            m.mean_after_warmup("commons:msy", "resource_stock"),
            Test::Within(0.02),
        ),
        Outcome::new(
            "fishery MSY quota: yield per agent (rK/4)",
            SCHAEFER,
            msy,
            m.mean_after_warmup("commons:msy", "harvest"),
            Test::Within(0.02 * msy),
        ),
        Outcome::new(
            format!("fishery open access: stock / K at step {steps} (collapse)"),
            SCHAEFER,
            0.0,
            m.mean_over("commons:open_access", "resource_stock", steps..=steps),
            Test::AtMost(0.01),
        ),
    ])
}

/// The donation game's threshold: for each ratio c/b, the q at which the discriminators'
/// share crosses one half, found by bisection on q.
fn donation(r: &Runner) -> Result<Vec<Outcome>> {
    let halvings = if r.long { 7 } else { 5 };
    let reps: i64 = if r.long { 6 } else { 3 };
    let ratios = [0.2, 1.0 / 3.0, 0.5];
    let found: Vec<Result<f64>> = ratios.par_iter().map(|&ratio| threshold(r, ratio, reps, halvings)).collect();
    let mut out = Vec::new();
    for (ratio, q) in ratios.iter().zip(found) {
        out.push(Outcome::new(
            format!("donation c/b={ratio:.3}: threshold q*"),
            NS2005,
            *ratio,
            q?,
            Test::Within(0.05),
        ));
    }
    Ok(out)
}

/// The discriminators' share after warm-up at reputation knowledge `q` and ratio c/b.
fn discriminators(r: &Runner, ratio: f64, q: f64, reps: i64) -> Result<f64> {
    let settings = [
        ("regimes", Value::Array(vec![Value::String("gift".into())])),
        ("gift.cost", Value::Float(1.0)),
        ("gift.benefit", Value::Float(1.0 / ratio)),
        ("gift.observe", Value::Float(q)),
        ("run.replicates", Value::Integer(reps)),
    ];
    // One entry, no variants: the bisection sets q itself.
    let mut doc: toml::Table = toml::from_str(DONATION).map_err(|e| crate::error::Error::Run(e.to_string()))?;
    doc.remove("variant");
    let m = r.measure_doc(CASES[3].file, doc, &settings)?;
    Ok(m.mean_after_warmup("gift", "reciprocator_share"))
}

/// Bisection on q over `[c/b - 0.15, c/b + 0.15]`: the discriminators lose below the
/// threshold (share under one half) and hold above it. A bracket that does not straddle the
/// crossing reports its nearer end, which fails the tolerance.
fn threshold(r: &Runner, ratio: f64, reps: i64, halvings: u32) -> Result<f64> {
    let (mut lo, mut hi) = ((ratio - 0.15).max(0.0), (ratio + 0.15).min(1.0));
    let (at_lo, at_hi) = rayon::join(|| discriminators(r, ratio, lo, reps), || discriminators(r, ratio, hi, reps));
    if at_lo? >= 0.5 {
        return Ok(lo);
    }
    if at_hi? < 0.5 {
        return Ok(hi);
    }
    for _ in 0..halvings {
        let mid = 0.5 * (lo + hi);
        if discriminators(r, ratio, mid, reps)? >= 0.5 {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(0.5 * (lo + hi))
}

/// The public-goods game: the ratio of the mean contribution in round 10 to round 1, without
/// and with punishment.
fn public_goods(r: &Runner) -> Result<Vec<Outcome>> {
    let m = r.measure(CASES[4].file, PUBLIC_GOODS, &replicates(r, 5, 20))?;
    let ratio =
        |entry: &str| m.mean_over(entry, "contribution_rate", 10..=10) / m.mean_over(entry, "contribution_rate", 1..=1);
    Ok(vec![
        Outcome::new(
            "public goods, no punishment: round 10 / round 1 (decay)",
            FG2000,
            0.0,
            ratio("commons:no_punish"),
            Test::AtMost(0.5),
        ),
        Outcome::new(
            "public goods, punishment: round 10 / round 1 (holds)",
            FG2000,
            1.0,
            ratio("commons:punish"),
            Test::AtLeast(1.0),
        ),
    ])
}
