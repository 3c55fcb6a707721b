//! `[commons]`: the settings of the commons, with their defaults and checks.

use crate::error::InputError;
use crate::money::MoneyKind;
use crate::regimes::{BuildEnv, Regime, Table, Traits};
use crate::scenario::validate::{at_least, count, range, share};
use serde::{Deserialize, Serialize};

/// How the common pool is shared out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Allocation {
    /// By shortfall: needs first, pro rata if the pool falls short.
    Need,
    /// Equal shares.
    Equal,
    /// In proportion to each member's recent contributions.
    Contribution,
}

impl Allocation {
    /// Every rule, in the order menus offer them.
    pub const ALL: [Allocation; 3] = [Allocation::Need, Allocation::Equal, Allocation::Contribution];
}

/// Which commons model runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CommonsModel {
    /// Pooled goods and a governed common-pool resource.
    #[default]
    Goods,
    /// The linear public-goods game in groups, with or without peer punishment (Fehr and
    /// Gaechter 2000): a validation model, with no goods.
    PublicGoods,
}

/// `[commons]`: pooled production under common governance.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CommonsConfig {
    /// `goods` (the default) or `public_goods` (the validation game).
    pub model: CommonsModel,
    /// `need`, `equal` or `contribution`.
    pub allocation: Allocation,
    /// Members per community: the k-th community is the k-th block of this many members in
    /// index order (on the ring and small-world networks, network neighbourhoods), with its
    /// own pool. 0 = every member is in one community: with `admin_cost = 0` that is the
    /// ideal planner, an upper bound.
    pub community_size: u64,
    /// Cost of administration: each step a community of `m` members in good standing spends
    /// the share `admin_cost * ln(m)` of what it pooled (at most all of it), so the cost rises
    /// with the community's size, less than in proportion.
    pub admin_cost: f64,
    /// Holdings above `keep` times need go into the pool (contributors only).
    pub keep: f64,
    /// Public goods: players per group (groups are drawn afresh every step).
    pub group_size: u64,
    /// Public goods: what each unit contributed returns to every member of the group (the
    /// marginal per-capita return; below 1, so that contributing costs the contributor).
    pub mpcr: f64,
    /// Public goods: what conditional cooperators contribute in their first round, as a share
    /// of the endowment.
    pub initial_contribution: f64,
    /// Public goods: whether contributors punish members who contributed below their group's
    /// mean, in proportion to the shortfall, every step.
    pub punish: bool,
    /// Public goods: what punishing costs the punisher, per unit of the target's shortfall
    /// below the group's mean (in endowments).
    pub punish_cost: f64,
    /// Public goods: what one punisher takes from the punished, per unit of its shortfall (in
    /// endowments).
    pub punish_fine: f64,
}

impl Default for CommonsConfig {
    fn default() -> Self {
        CommonsConfig {
            model: CommonsModel::Goods,
            allocation: Allocation::Need,
            community_size: 50,
            admin_cost: 0.01,
            keep: 1.0,
            group_size: 4,
            mpcr: 0.4,
            initial_contribution: 0.5,
            punish: false,
            punish_cost: 1.0 / 3.0,
            punish_fine: 1.0,
        }
    }
}

impl Table for CommonsConfig {
    fn check(&self) -> Result<(), InputError> {
        let c = self;
        at_least("commons.keep", c.keep, 0.0)?;
        count("commons.community_size", c.community_size, 0, u32::MAX as u64, None)?;
        share("commons.admin_cost", c.admin_cost)?;
        count("commons.group_size", c.group_size, 2, 1000, None)?;
        range("commons.mpcr", c.mpcr, 0.0, 1.0)?;
        share("commons.initial_contribution", c.initial_contribution)?;
        at_least("commons.punish_cost", c.punish_cost, 0.0)?;
        at_least("commons.punish_fine", c.punish_fine, 0.0)?;
        Ok(())
    }

    fn traits(&self) -> Traits {
        let game = self.model == CommonsModel::PublicGoods;
        Traits {
            material: !game,
            money: MoneyKind::None,
            payoff_wellbeing: game,
            network: false,
            signal: crate::world::work::Signal::Members,
        }
    }

    fn footing(&self) -> Vec<crate::regimes::footing::Footing> {
        use crate::regimes::footing::{no_goods, Footing, Mechanism::*};
        if self.model == CommonsModel::PublicGoods {
            return no_goods();
        }
        vec![
            Footing::institution(
                Governance,
                "the world's rule, and a producer excluded from the resource gets no share of the pool",
                "Ostrom's first design principle: the commons has a boundary, and who is shut out of the resource is shut out of what it yields (Ostrom 1990, ch. 3)",
            ),
            Footing::institution(
                Reach,
                format!("the pool of its community of `community_size` [{}] members", self.community_size),
                "common-pool groups are local, from a few dozen to a few thousand members (Ostrom 1990, ch. 3)",
            ),
            Footing::institution(
                CoordinationCost,
                format!("administration uses up `admin_cost` [{}] x ln(members) of each pool", self.admin_cost),
                "pooling needs administrators, costlier the larger the group (Olson 1965; Agrawal and Goyal 2001)",
            ),
            Footing::institution(Prices, "none", "the pool is shared by a rule, not sold"),
            Footing::shared(Keep, format!("`keep` [{}] x need of each good", self.keep)),
            Footing::institution(
                Satiation,
                "pooled and shared by `allocation` within the community",
                "surplus has no other use in a commons: it goes to the pool",
            ),
            Footing::institution(
                Opportunism,
                "draws its share of the pool and puts nothing in",
                "sharing by need invites drawing without contributing: the free-rider problem of collective action (Olson 1965)",
            ),
        ]
    }

    fn inactive(&self) -> Vec<(&'static str, &'static str)> {
        let mut out = Vec::new();
        if self.model == CommonsModel::PublicGoods {
            for k in ["allocation", "community_size", "admin_cost", "keep"] {
                out.push((k, "acts only with goods (model = \"goods\")"));
            }
            if !self.punish {
                out.push(("punish_cost", "acts only with punish = true"));
                out.push(("punish_fine", "acts only with punish = true"));
            }
            return out;
        }
        for k in ["group_size", "mpcr", "initial_contribution", "punish", "punish_cost", "punish_fine"] {
            out.push((k, "acts only in the public-goods game (model = \"public_goods\")"));
        }
        out
    }

    fn build(&self, _env: &BuildEnv) -> Box<dyn Regime> {
        super::build(self)
    }
}
