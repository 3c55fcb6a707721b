//! Autarky: no exchange at all. Each agent lives on its own output: a diversified producer
//! that splits its effort by its own unmet needs (the `Own` signal), giving up the gains of
//! specialisation, the floor of every comparison. With `specialty = "fixed"` it keeps one
//! good and meets at most one need in `G`.

use super::{BuildEnv, Ctx, Regime, RegimeInfo, Table, Traits};
use crate::error::InputError;
use crate::world::World;
use serde::{Deserialize, Serialize};

/// Registry entry.
pub const INFO: RegimeInfo = RegimeInfo {
    name: "autarky",
    summary: "no exchange: each agent lives on its own output (the floor of every comparison)",
    table: None,
    configure: super::configure::<Autarky>,
    metrics: &[],
    examples: &[("alone", "")],
    controls: &[],
};

/// The autarky regime; it has neither settings nor state.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Autarky {}

impl Table for Autarky {
    fn check(&self) -> Result<(), InputError> {
        Ok(())
    }
    fn traits(&self) -> Traits {
        Traits { signal: crate::world::work::Signal::Own, ..Traits::default() }
    }
    fn build(&self, _env: &BuildEnv) -> Box<dyn Regime> {
        Box::new(Autarky {})
    }
    fn footing(&self) -> Vec<super::footing::Footing> {
        use super::footing::{Footing, Mechanism};
        let why = "the floor of every comparison: no exchange at all";
        let mut out = vec![Footing::institution(Mechanism::TransferCost, "none: nothing changes hands", why)];
        for m in [Mechanism::Reach, Mechanism::CoordinationCost, Mechanism::Prices, Mechanism::Keep] {
            out.push(Footing::institution(m, "none: it lives on its own output", why));
        }
        out.push(Footing::institution(
            Mechanism::Satiation,
            "eaten beyond needs above a buffer of one step's needs (as everywhere; nothing else to do with it)",
            why,
        ));
        out.push(Footing::institution(Mechanism::Opportunism, "nothing beyond the world's rules", why));
        out
    }
}

impl Regime for Autarky {
    fn allocate(&mut self, _world: &mut World, _ctx: &Ctx) {}
}

#[cfg(test)]
mod tests {
    #[test]
    fn registered() {
        assert!(super::super::find("autarky").is_some());
    }
}
