//! The linear public-goods game (Isaac and Walker 1988; Fehr and Gaechter 2000), the commons'
//! validation model: no goods, only payoffs. Every step the members are drawn into random
//! groups of `group_size` (strangers, as in the experiments); each has an endowment of 1 and
//! contributes a share of it to the group's pot, which returns `mpcr` times the pot to every
//! member (`mpcr < 1 < group_size x mpcr`: contributing pays the group, not the contributor).
//!
//! Cooperators contribute everything; reciprocators are conditional cooperators (Fischbacher,
//! Gaechter and Fehr 2001): they contribute what their last group contributed on average,
//! `initial_contribution` in their first round; free riders contribute nothing. With
//! `punish`, every contributor punishes each member of its group who contributed less than the
//! group's mean, in proportion to the shortfall (punishment in the experiments grows with the
//! negative deviation from the others' mean): `punish_cost` per unit of shortfall to itself,
//! `punish_fine` to the punished (a ratio of 1 to 3, as in Fehr and Gaechter 2002), and a punished conditional cooperator raises its
//! next contribution by what the punishment took from it (punished subjects contribute more
//! in the next period; Fehr and Gaechter 2000, section IV). Payoffs are the wellbeing agents compare when they
//! imitate (`[adapt]`), so strategies, and with them contributions, evolve.

use super::config::CommonsConfig;
use crate::metrics::{MetricDef, RegimeOut};
use crate::regimes::pairing::Pairing;
use crate::regimes::{Ctx, Regime};
use crate::world::{Strategy, World};

/// Mean contribution, as a share of the endowment.
pub const CONTRIBUTION: MetricDef =
    MetricDef::new("contribution_rate", "share", "mean contribution to the public good, as a share of the endowment")
        .titled("Contribution to the public good");
/// Punishment points given this step.
pub const PUNISHMENTS: MetricDef =
    MetricDef::new("punishments", "count", "acts of punishment (one punisher, one punished) this step");

/// The game's one random stream: the groups.
const GROUPS: u8 = 1;

/// The public-goods game's state.
#[derive(Debug, Clone)]
pub struct PublicGoods {
    cfg: CommonsConfig,
    pairing: Pairing,
    /// What each conditional cooperator will contribute next (its last group's mean).
    next: Vec<f32>,
    payoff: Vec<f32>,
    /// One group's contributions, reused from group to group.
    given: Vec<f64>,
    measured: Option<(f64, f64)>,
}

impl PublicGoods {
    /// The game with the given settings.
    pub fn new(cfg: &CommonsConfig) -> PublicGoods {
        PublicGoods {
            cfg: cfg.clone(),
            pairing: Pairing::default(),
            next: Vec::new(),
            payoff: Vec::new(),
            given: Vec::new(),
            measured: None,
        }
    }

    fn contribution(&self, strategy: Strategy, i: usize) -> f64 {
        match strategy {
            Strategy::Cooperator => 1.0,
            Strategy::Reciprocator => self.next[i] as f64,
            Strategy::FreeRider => 0.0,
        }
    }
}

impl Regime for PublicGoods {
    fn init(&mut self, world: &mut World, _ctx: &Ctx) {
        self.next = vec![self.cfg.initial_contribution as f32; world.len()];
        self.payoff = vec![0.0; world.len()];
    }

    fn allocate(&mut self, world: &mut World, ctx: &Ctx) {
        let mut pairing = std::mem::take(&mut self.pairing);
        let order = pairing.draw(world, ctx.slot, &ctx.streams, ctx.key(GROUPS, 0), ctx.step);
        let a = &mut world.agents;
        let size = self.cfg.group_size as usize;
        let (mut contributed, mut points) = (0.0, 0u64);
        for group in order.chunks(size) {
            let mut given = std::mem::take(&mut self.given);
            given.clear();
            given.extend(group.iter().map(|&i| self.contribution(a.strategy[i as usize], i as usize)));
            let pot: f64 = given.iter().sum();
            let mean = pot / group.len() as f64;
            let punishers = group.iter().filter(|&&i| a.strategy[i as usize] != Strategy::FreeRider).count();
            for (k, &i) in group.iter().enumerate() {
                let i = i as usize;
                let mut p = 1.0 - given[k] + self.cfg.mpcr * pot;
                let mut fined = 0.0;
                if self.cfg.punish {
                    // Punishment this member gives (to each below-mean other) and receives.
                    if a.strategy[i] != Strategy::FreeRider {
                        for (j, &g) in given.iter().enumerate() {
                            if j != k && g < mean - 1e-12 {
                                p -= self.cfg.punish_cost * (mean - g);
                                points += 1;
                            }
                        }
                    }
                    if given[k] < mean - 1e-12 {
                        let by = punishers - (a.strategy[i] != Strategy::FreeRider) as usize;
                        fined = self.cfg.punish_fine * (mean - given[k]) * by as f64;
                        p -= fined;
                    }
                }
                self.payoff[i] = p as f32;
                a.wellbeing[i] = p as f32;
                self.next[i] = (mean + fined).min(1.0) as f32;
                contributed += given[k];
            }
            self.given = given;
        }
        let members = order.len().max(1) as f64;
        self.pairing = pairing;
        self.measured = Some((contributed / members, points as f64));
    }

    fn record(&mut self, out: &mut RegimeOut) {
        if let Some((rate, points)) = self.measured.take() {
            out.set(&CONTRIBUTION, rate);
            out.set(&PUNISHMENTS, points);
        }
    }
}
