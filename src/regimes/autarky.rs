//! Autarky: no exchange at all. Each agent lives on its own output, so with one specialty
//! and several needs it meets at most one need in `G`: the floor of every comparison.

use super::{Ctx, Regime, RegimeInfo};
use crate::world::World;

/// Registry entry.
pub const INFO: RegimeInfo = RegimeInfo {
    name: "autarky",
    summary: "no exchange: each agent lives on its own output (the floor of every comparison)",
    validate: |_| Ok(()),
    build: |_| Box::new(Autarky),
};

/// The autarky regime; it has no state.
#[derive(Debug, Default)]
pub struct Autarky;

impl Regime for Autarky {
    fn name(&self) -> &'static str {
        "autarky"
    }

    fn allocate(&mut self, _world: &mut World, _ctx: &Ctx, _row: &mut [f64]) {}
}

#[cfg(test)]
mod tests {
    #[test]
    fn registered() {
        assert!(super::super::find("autarky").is_some());
    }
}
