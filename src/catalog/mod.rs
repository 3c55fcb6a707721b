//! The catalogue of everything a run can record: every metric, declared once beside the code
//! that computes it (the common ones in `metrics/`, a regime's in its own file, the policy
//! metrics in `policy.rs`), gathered here with the lookups the rest of agora derives its lists
//! from (better directions, the glossary), and the documents generated from them: the metric
//! glossary, and the equal-footing table that gathers every regime's declared differences.
//! It sits above the regimes and the policy phase, which it reads, and below everything that
//! presents results.

pub mod footing;
pub mod glossary;

use crate::metrics::{Better, Layout, MetricDef, COMMON};
use crate::policy;
use crate::regimes::REGIMES;

/// Every metric any run can record, once each, in column order for a run of every regime:
/// the common metrics, every registered regime's in registry order, then the policy metrics.
pub fn all() -> Vec<MetricDef> {
    let regimes = REGIMES.iter().flat_map(|r| r.metrics.iter());
    Layout::new(regimes, policy::METRICS, &[]).metrics
}

/// The metric named `name`, if any run can record it.
pub fn find(name: &str) -> Option<MetricDef> {
    COMMON
        .iter()
        .chain(policy::METRICS)
        .chain(REGIMES.iter().flat_map(|r| r.metrics.iter()))
        .find(|m| m.name == name)
        .copied()
}

/// Which way `name` is better ([`Better::None`] for a name no run records, such as a price).
pub fn better(name: &str) -> Better {
    find(name).map_or(Better::None, |m| m.better)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_regime_metrics_are_not_headline() {
        let all = all();
        let mut names: Vec<_> = all.iter().map(|m| m.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all.len());
        // A headline measure is comparable across regimes, so only a common metric can be one;
        // `metrics::headline` and `metrics::charted` read the common list alone.
        for m in &all {
            assert!(!(m.headline || m.charted) || COMMON.contains(m), "`{}` is charted but not common", m.name);
        }
    }

    #[test]
    fn every_headline_or_charted_metric_says_which_way_is_better_and_in_plain_words() {
        for m in all().iter().filter(|m| m.headline || m.charted) {
            assert!(!m.plain.is_empty(), "`{}` is shown to readers but has no plain sentence", m.name);
            if m.headline {
                assert_ne!(m.better, Better::None, "headline `{}` has no better direction", m.name);
            }
        }
        assert_eq!(crate::metrics::headline()[0], "needs_met_mean");
        assert_eq!(better("destitute_share"), Better::Lower);
        assert_eq!(better("credit_at_limit_share"), Better::Lower);
        assert_eq!(better("price_food"), Better::None);
    }
}
