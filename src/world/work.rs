//! Work and welfare: how output depends on what an agent makes (learning by doing, so that
//! making one good pays more than splitting effort), and the welfare agents compare (needs met,
//! consumption beyond needs with diminishing value, and the disutility of effort).
//!
//! Agent `i` splits its effort `E_i` over the goods with shares `a_ig` (summing to 1); its
//! experience moves as `e_ig += learning (a_ig - e_ig)` each step (learning by doing with
//! forgetting: Rosen 1983; Yang and Borland 1991); its output of good `g` is
//! `base_output s E_i a_ig (1 - spec + spec e_ig) A penalty`. A settled specialist makes
//! `1 / (1 - spec + spec / G)` times what a settled even splitter of `G` goods makes.
//!
//! Welfare is `W_i = w_i + luxury_weight ln(1 + beyond_i / need) - effort_cost E_i^2 / 2`, with
//! `w_i` the share of needs met, `beyond_i` the units consumed beyond needs and `need` the
//! units of all goods one step's needs take.

use crate::scenario::{Choice, PopulationConfig};

/// What an agent's regime lets it see when it reconsiders what to make: the signal it rates
/// each good by (times its own productivity in the good).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Signal {
    /// No goods to make (the money and game models).
    #[default]
    None,
    /// Its own unmet needs (autarky).
    Own,
    /// Prices: what a unit sells for, or saves buying where the agent is short of it (market,
    /// mutual credit).
    Prices,
    /// The shortfalls of the agent and its network neighbours (gift; barter on a network).
    Neighbours,
    /// The shortfalls of its regime's members together (the commons' pool; barter among
    /// strangers).
    Members,
}

impl Signal {
    /// The signal in words, for the equal-footing table.
    pub fn describe(self) -> &'static str {
        match self {
            Signal::None => "nothing to make",
            Signal::Own => "its own unmet needs",
            Signal::Prices => "prices (sale price, or price plus transfer cost where it buys the good)",
            Signal::Neighbours => "the unmet needs of itself and its neighbours",
            Signal::Members => "the unmet needs of its regime's members together",
        }
    }

    /// Why the signal is part of the institution, for the equal-footing table.
    pub fn why(self) -> &'static str {
        match self {
            Signal::None => "no goods to make",
            Signal::Own => "without exchange an agent sees only its own needs",
            Signal::Prices => "prices carry what others want and what making it costs: the market's way of coordinating who makes what (Hayek 1945)",
            Signal::Neighbours => "without prices, an agent sees the needs within its reach: its neighbours' (gift), or its trading partners' on a network (barter)",
            Signal::Members => "without prices, the pool's accounts (commons) or the strangers one may trade with (barter) show the members' needs together",
        }
    }
}

/// The world's rules of work and welfare (`[population]` keys).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Work {
    /// Specialisation economy `spec`.
    pub spec: f64,
    /// Learning rate of experience.
    pub learning: f32,
    /// Whether agents choose what to make.
    pub choose_good: bool,
    /// Probability per step of reconsidering.
    pub rethink: f64,
    /// Share of effort moved toward the best-rated good.
    pub shift: f32,
    /// Widest step of a trial of another effort.
    pub effort_step: f32,
    /// Whether agents choose their effort.
    pub choose_effort: bool,
    /// Disutility of effort, `effort_cost E^2 / 2`.
    pub effort_cost: f64,
    /// Weight of consumption beyond needs.
    pub luxury_weight: f64,
}

impl Work {
    /// The rules of a population section.
    pub fn new(pop: &PopulationConfig) -> Work {
        Work {
            spec: pop.specialisation,
            learning: pop.learning as f32,
            choose_good: pop.specialty == Choice::Chosen,
            rethink: pop.rethink,
            shift: pop.shift as f32,
            effort_step: pop.effort_step as f32,
            choose_effort: pop.effort == Choice::Chosen,
            effort_cost: pop.effort_cost,
            luxury_weight: pop.luxury_weight,
        }
    }

    /// Output of a good per unit of effort, relative to a settled specialist's, for effort
    /// share `share` and experience `experience` in it.
    #[inline]
    pub fn yield_of(&self, share: f32, experience: f32) -> f64 {
        share as f64 * self.productivity(experience)
    }

    /// The yield of a whole split of effort: the sum of [`Work::yield_of`] over the goods, for
    /// one agent's effort shares and experience (1 for a settled specialist).
    #[inline]
    pub fn mix(&self, share: &[f32], experience: &[f32]) -> f64 {
        share.iter().zip(experience).map(|(&a, &e)| self.yield_of(a, e)).sum()
    }

    /// How productive an agent of experience `experience` is in a good, relative to a settled
    /// specialist (the `1 - spec + spec e` of the output law).
    #[inline]
    pub fn productivity(&self, experience: f32) -> f64 {
        // Written so that a settled specialist's is exactly 1.
        1.0 - self.spec * (1.0 - experience as f64)
    }

    /// Welfare of needs met `met`, units consumed beyond needs `beyond` (one step's needs
    /// being `need` units) and effort `effort`.
    #[inline]
    pub fn welfare(&self, met: f64, beyond: f64, need: f64, effort: f32) -> f64 {
        let luxury = if self.luxury_weight > 0.0 && beyond > 0.0 && need > 0.0 {
            self.luxury_weight * (beyond / need).ln_1p()
        } else {
            0.0
        };
        let e = effort as f64;
        met + luxury - self.effort_cost * e * e / 2.0
    }

    /// Whether agents eat what they hold beyond a buffer of one step's needs (consumption
    /// beyond needs has value to them only if `luxury_weight > 0`).
    pub fn eats_beyond(&self) -> bool {
        self.luxury_weight > 0.0
    }

    /// Whether anything about work changes from step to step.
    pub fn moves(&self) -> bool {
        (self.choose_good || self.choose_effort) && self.rethink > 0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn work(spec: f64) -> Work {
        Work::new(&PopulationConfig { specialisation: spec, ..PopulationConfig::default() })
    }

    #[test]
    fn a_settled_specialist_beats_an_even_splitter_by_the_closed_form() {
        for spec in [0.0, 0.3, 0.6] {
            let w = work(spec);
            let g = 3.0;
            let specialist = w.yield_of(1.0, 1.0);
            let splitter: f64 = (0..3).map(|_| w.yield_of(1.0 / 3.0, 1.0 / 3.0)).sum();
            let ratio = specialist / splitter;
            let closed = 1.0 / (1.0 - spec + spec / g);
            assert!((ratio - closed).abs() < 1e-6, "spec {spec}: {ratio} vs {closed}");
        }
    }

    #[test]
    fn welfare_values_surplus_with_diminishing_returns_and_charges_effort() {
        let w = work(0.3);
        let base = w.welfare(1.0, 0.0, 3.0, 0.0);
        assert_eq!(base, 1.0);
        let one = w.welfare(1.0, 3.0, 3.0, 0.0) - base;
        let two = w.welfare(1.0, 6.0, 3.0, 0.0) - w.welfare(1.0, 3.0, 3.0, 0.0);
        assert!(one > 0.0 && two > 0.0 && two < one, "{one} {two}");
        assert!((w.welfare(1.0, 0.0, 3.0, 1.0) - (1.0 - 0.25)).abs() < 1e-12);
    }
}
