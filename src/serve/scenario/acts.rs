//! Every control of the classroom page acts on the run, or is refused.

const STEPS: u64 = 250;
use super::*;
use crate::engine::{self, Quiet};

/// A control's values besides the scenario's: its ends and middle, or every option.
fn others(c: &Control) -> Vec<Json> {
    let mut out: Vec<Json> = match (c.kind, &c.options) {
        (_, Some(opts)) => opts.iter().map(|o| json!(o)).collect(),
        _ => {
            let (lo, hi) = (c.min.unwrap_or(0.0), c.max.unwrap_or(1.0));
            vec![json!(lo), json!((lo + hi) / 2.0), json!(hi)]
        }
    };
    out.retain(|v| v.as_f64().zip(c.value.as_f64()).map_or(v != &c.value, |(a, b)| (a - b).abs() > 1e-12));
    out
}

/// Every value a control offers, besides the scenario's, either changes what the agents
/// live through or is refused naming the control's key: on the page, no setting is idle.
#[test]
fn every_control_acts_or_is_refused() {
    // Bits, so that empty (NaN) cells compare equal; without the policy's bookkeeping,
    // which reports paying 0 where no policy reports nothing.
    let rows = |p: &RunPlan| {
        let out = engine::run(&p.plan, &Quiet).unwrap();
        let (layout, width) = (&out.layout, out.layout.width());
        let books: Vec<usize> =
            ["tax_revenue", "basic_income_paid", "treasury"].iter().filter_map(|m| layout.column(m)).collect();
        let kept = |(i, _): &(usize, &f64)| !books.contains(&(i % width));
        out.series
            .iter()
            .map(|s| s.rows.iter().enumerate().filter(kept).map(|(_, v)| v.to_bits()).collect())
            .collect::<Vec<Vec<u64>>>()
    };
    let mut idle = Vec::new();
    let (mut acted, mut refused, mut capped) = (0, 0, 0);
    // Not coexist.toml: its resource never comes under pressure, so no harvest rule has
    // anything to limit there.
    for file in ["showcase", "showcase_basic_income", "tragedy"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{file}.toml"));
        let s = Served::load(&path, Limits::default()).unwrap();
        let small = |extra: &[(&str, Json)]| {
            let mut p: Vec<(String, Json)> =
                vec![("run.agents".into(), json!(300)), ("run.steps".into(), json!(STEPS))];
            p.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
            p
        };
        let base_plan = s.plan_run(&small(&[]), 42).unwrap();
        let base = rows(&base_plan);
        // A basic income above what the tax raises pays what it raises: raising it further
        // changes nothing while the treasury pays out everything it takes.
        let paid_out = {
            let out = engine::run(&base_plan.plan, &Quiet).unwrap();
            let (t, w) = (out.layout.column("treasury"), out.layout.width());
            t.is_some_and(|t| out.series.iter().all(|s| s.rows.chunks(w).all(|r| r[t].is_nan() || r[t] < 1e-9)))
        };
        for c in &s.controls {
            for v in others(c) {
                match s.plan_run(&small(&[(c.key.as_str(), v.clone())]), 42) {
                    Err(r) if r.key.as_deref() == Some(c.key.as_str()) => refused += 1,
                    Err(r) => idle.push(format!("{file}: {} = {v} refused for another key: {}", c.key, r.message)),
                    Ok(p) if rows(&p) == base => {
                        let raised = v.as_f64().zip(c.value.as_f64()).is_some_and(|(a, b)| a > b);
                        if c.key == "policy.basic_income.amount" && raised && paid_out {
                            capped += 1;
                        } else {
                            idle.push(format!("{file}: {} = {v} changes nothing", c.key));
                        }
                    }
                    Ok(_) => acted += 1,
                }
            }
        }
    }
    assert!(idle.is_empty(), "{idle:#?}");
    assert!(acted > 30 && refused > 0 && capped <= 2, "{acted} acted, {refused} refused, {capped} capped");
}

#[test]
fn a_basic_income_without_a_tax_is_refused_and_with_one_acts() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/showcase.toml");
    let s = Served::load(&path, Limits::default()).unwrap();
    let bi = ("policy.basic_income.amount".to_string(), json!(0.3));
    let e = s.plan_run(std::slice::from_ref(&bi), 42).unwrap_err();
    assert_eq!(e.key.as_deref(), Some("policy.basic_income.amount"));
    assert!(e.message.contains("tax"), "{}", e.message);
    assert!(s.plan_run(&[bi, ("policy.tax.rate".into(), json!(0.1))], 42).is_ok());
}
