//! The validation suite (`agora check`): each case runs a bundled scenario of
//! `scenarios/validation/` (built into the binary, so the check runs anywhere) and compares
//! what it measures with the number the paper publishes: case, source, expected, obtained,
//! tolerance, pass.
//!
//! Cases measure the law itself (a whole distribution, a threshold found by bisection), never
//! two easy points on either side of it. Long cases (more replicates, finer thresholds) run
//! with `--long`.

mod cases;
pub mod fokker_planck;
pub mod stats;

use crate::engine::{self, Observer, RunOutput, Snapshot};
use crate::error::{Error, Result};
use crate::money::{self, MoneyKind};
use crate::plan::{self, Plan};
use crate::scenario::{settings, Overrides};
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

/// How an outcome passes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Test {
    /// `|obtained - expected| <= tolerance`.
    Within(f64),
    /// `obtained <= bound` (a distance, a share that must be small).
    AtMost(f64),
    /// `obtained >= bound` (a ratio that must not fall).
    AtLeast(f64),
}

/// One line of the validation table.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The case and the quantity measured.
    pub case: String,
    /// The published source.
    pub source: &'static str,
    /// The published value (for one-sided tests, the value the law gives in the limit).
    pub expected: f64,
    /// The measured value.
    pub obtained: f64,
    /// What passes.
    pub test: Test,
    /// Whether it passed.
    pub pass: bool,
}

impl Outcome {
    fn new(case: impl Into<String>, source: &'static str, expected: f64, obtained: f64, test: Test) -> Outcome {
        let pass = match test {
            Test::Within(t) => (obtained - expected).abs() <= t,
            Test::AtMost(b) => obtained <= b,
            Test::AtLeast(b) => obtained >= b,
        };
        Outcome { case: case.into(), source, expected, obtained, test, pass }
    }

    /// The tolerance column: `±t`, `<= b` or `>= b`.
    pub fn tolerance(&self) -> String {
        match self.test {
            Test::Within(t) => format!("±{t:.4}"),
            Test::AtMost(b) => format!("<= {b:.4}"),
            Test::AtLeast(b) => format!(">= {b:.4}"),
        }
    }
}

/// A validation case.
pub struct Case {
    /// Its name, as `--case` takes it.
    pub name: &'static str,
    /// The scenario it runs.
    pub file: &'static str,
    /// What it checks, in one line.
    pub what: &'static str,
    run: fn(&Runner) -> Result<Vec<Outcome>>,
}

/// Every case, in the order the table lists them.
pub const CASES: &[Case] = cases::CASES;

/// How to run the suite.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Run the long variants: more replicates, finer thresholds.
    pub long: bool,
    /// Only these cases (by name); empty = all.
    pub only: Vec<String>,
    /// Worker threads (0 or `None` = every core).
    pub threads: Option<usize>,
}

/// The results of one case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The case's name.
    pub name: &'static str,
    /// Its lines of the table.
    pub outcomes: Vec<Outcome>,
    /// Wall time, seconds.
    pub seconds: f64,
}

/// Runs the chosen cases, telling `started` the name of each as it begins.
pub fn run(options: &CheckOptions, started: &dyn Fn(&Case)) -> Result<Vec<CaseResult>> {
    for name in &options.only {
        if !CASES.iter().any(|c| c.name == name) {
            let names: Vec<&str> = CASES.iter().map(|c| c.name).collect();
            return Err(crate::error::InputError::at("--case", format!("unknown case `{name}`"))
                .help(format!("the cases are {}", names.join(", ")))
                .into());
        }
    }
    let threads = match options.threads.unwrap_or(0) {
        0 => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        t => t,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Run(format!("cannot start {threads} threads: {e}")))?;
    let runner = Runner { long: options.long };
    let mut results = Vec::new();
    for case in CASES.iter().filter(|c| options.only.is_empty() || options.only.iter().any(|n| n == c.name)) {
        started(case);
        let t = Instant::now();
        let outcomes = pool.install(|| (case.run)(&runner))?;
        results.push(CaseResult { name: case.name, outcomes, seconds: t.elapsed().as_secs_f64() });
    }
    Ok(results)
}

/// What a case needs to run its scenario.
pub struct Runner {
    /// Whether the long variants run.
    pub long: bool,
}

/// A finished run of a validation scenario: its records and, per entry, every agent's money
/// at the last step (all replicates pooled), in units of account.
pub struct Measured {
    /// The plan that ran.
    pub plan: Plan,
    /// Its records.
    pub out: RunOutput,
    /// Per entry, the final money of every agent of every replicate.
    pub money: Vec<Vec<f64>>,
}

impl Measured {
    /// The mean of metric `name` over the replicates of `entry` and the steps after warm-up.
    pub fn mean_after_warmup(&self, entry: &str, name: &str) -> f64 {
        self.mean_over(entry, name, self.plan.run.warmup + 1..=self.plan.run.steps)
    }

    /// The mean of metric `name` over the replicates of `entry` and the given steps.
    pub fn mean_over(&self, entry: &str, name: &str, steps: std::ops::RangeInclusive<u64>) -> f64 {
        let Some(col) = self.out.layout.column(name) else {
            return f64::NAN;
        };
        let width = self.out.layout.width();
        let (mut sum, mut n) = (0.0, 0usize);
        for s in self.out.series.iter().filter(|s| s.label == entry) {
            for step in steps.clone() {
                let v = s.rows[step as usize * width + col];
                if v.is_finite() {
                    sum += v;
                    n += 1;
                }
            }
        }
        if n == 0 {
            f64::NAN
        } else {
            sum / n as f64
        }
    }

    /// The final money of every agent of `entry`, pooled over replicates.
    pub fn money_of(&self, entry: &str) -> Vec<f64> {
        self.plan.entries.iter().position(|e| e.label == entry).map(|i| self.money[i].clone()).unwrap_or_default()
    }
}

/// Collects every agent's money at the last step.
struct MoneyAtEnd {
    last: u64,
    money: Mutex<Vec<Vec<f64>>>,
}

impl Observer for MoneyAtEnd {
    fn snapshot(&self, s: &Snapshot) -> Result<()> {
        if s.step == self.last && s.money != MoneyKind::None {
            let mut all = self.money.lock().map_err(|_| Error::Run("a validation run panicked".into()))?;
            all[s.entry].extend(s.agents.money.iter().map(|&m| money::from_money(m)));
        }
        Ok(())
    }
}

impl Runner {
    /// Runs the bundled scenario `text` (of `file`) with `settings` laid over it by dotted
    /// key. Snapshots of every replicate at the last step are collected in memory; nothing is
    /// written.
    pub fn measure(&self, file: &str, text: &str, settings: &[(&str, toml::Value)]) -> Result<Measured> {
        let doc: toml::Table = toml::from_str(text).map_err(|e| Error::Run(format!("{file}: {e}")))?;
        self.measure_doc(file, doc, settings)
    }

    /// As [`Runner::measure`], from a parsed document (a case may remove tables first).
    pub fn measure_doc(&self, file: &str, mut doc: toml::Table, settings: &[(&str, toml::Value)]) -> Result<Measured> {
        let mut all: Vec<(String, toml::Value)> = settings.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        all.push(("output.snapshot_replicates".into(), toml::Value::Integer(0)));
        all.push(("output.plots".into(), toml::Value::Boolean(false)));
        all.push(("output.report".into(), toml::Value::Boolean(false)));
        settings::apply(&mut doc, &all)?;
        let text = toml::to_string(&doc).map_err(|e| Error::Run(format!("{file}: {e}")))?;
        let plan = plan::parse(&text, Some(Path::new(file)), &Overrides::default())?;
        let observer = MoneyAtEnd { last: plan.run.steps, money: Mutex::new(vec![Vec::new(); plan.entries.len()]) };
        let out = engine::run(&plan, &observer)?;
        let money = observer.money.into_inner().map_err(|_| Error::Run("a validation run panicked".into()))?;
        Ok(Measured { plan, out, money })
    }
}

/// The validation table as aligned text (or as Markdown), one line per outcome.
pub fn table(results: &[CaseResult], markdown: bool) -> String {
    let mut rows: Vec<[String; 6]> = Vec::new();
    for r in results {
        for o in &r.outcomes {
            rows.push([
                o.case.clone(),
                o.source.to_string(),
                format!("{:.4}", o.expected),
                format!("{:.4}", o.obtained),
                o.tolerance(),
                if o.pass { "pass".into() } else { "FAIL".into() },
            ]);
        }
    }
    let head = ["case", "source", "expected", "obtained", "tolerance", "pass"];
    let mut s = String::new();
    if markdown {
        s.push_str(&format!("| {} |\n|{}\n", head.join(" | "), "---|".repeat(head.len())));
        for r in &rows {
            s.push_str(&format!("| {} |\n", r.join(" | ")));
        }
        return s;
    }
    let mut width = head.map(str::len);
    for r in &rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut l = String::new();
        for (i, c) in cells.iter().enumerate() {
            let pad = width[i].saturating_sub(c.chars().count());
            if (2..=4).contains(&i) {
                l.push_str(&" ".repeat(pad));
                l.push_str(c);
            } else {
                l.push_str(c);
                l.push_str(&" ".repeat(pad));
            }
            l.push_str("  ");
        }
        l.trim_end().to_string() + "\n"
    };
    s.push_str(&line(&head.map(String::from)));
    for r in &rows {
        s.push_str(&line(r));
    }
    s
}
