//! `[commons]`: the settings of the commons, with their defaults and checks.

use crate::error::InputError;
use crate::money::MoneyKind;
use crate::regimes::{BuildEnv, Regime, Table, Traits};
use crate::scenario::validate::{at_least, count, range, share};
use crate::world::Property;
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

/// The common-pool resource harvest rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HarvestRule {
    /// Each producer takes what its production calls for.
    OpenAccess,
    /// A total quota per step, divided among communities by members and split equally within each.
    Quota,
    /// Quota, monitoring, graduated sanctions, exclusion, and a members' vote on the quota.
    Ostrom,
}

impl HarvestRule {
    /// Every rule, in the order menus offer them.
    pub const ALL: [HarvestRule; 3] = [HarvestRule::OpenAccess, HarvestRule::Quota, HarvestRule::Ostrom];
}

/// The total harvest quota per step.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Quota {
    /// The maximum sustainable yield `regrowth * capacity / 4`.
    Msy {},
    /// A share of the current logistic regrowth `r S (1 - S / K)`.
    ShareOfRegrowth {
        /// The share.
        share: f64,
    },
}

/// Who may enclose the knowledge commons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum License {
    /// Contributions and what is built on them stay in the pool.
    Copyleft,
    /// A platform may enclose a share `capture` of the productivity gain.
    Permissive,
}

impl License {
    /// Every licence, in the order menus offer them.
    pub const ALL: [License; 2] = [License::Copyleft, License::Permissive];
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
    /// own pool, its own share of the quota, its own vote and monitoring. 0 = every member is
    /// in one community: with `admin_cost = 0` that is the ideal planner, an upper bound.
    pub community_size: u64,
    /// Cost of administration and monitoring: each step a community of `m` members in good
    /// standing spends the share `admin_cost * ln(m)` of what it pooled (at most all of it),
    /// so the cost rises with the community's size, less than in proportion.
    pub admin_cost: f64,
    /// Holdings above `keep` times need go into the pool (contributors only).
    pub keep: f64,
    /// `open_access`, `quota` or `ostrom`.
    pub harvest: HarvestRule,
    /// `{ kind = "msy" }` or `{ kind = "share_of_regrowth", share = ... }`.
    pub quota: Quota,
    /// Ostrom: probability that an over-harvest is seen by its community's monitors.
    pub monitor: f64,
    /// Ostrom: the k-th sanction takes `sanctions[k-1]` of that step's output (0 = a warning);
    /// later offences use the last entry.
    pub sanctions: Vec<f64>,
    /// Ostrom: offences after which a member is excluded (0 = never).
    pub exclude_after: u64,
    /// Ostrom: steps an exclusion lasts (0 = for good); afterwards the record is cleared.
    pub exclude_for: u64,
    /// Ostrom: whether each community votes on its own quota every `vote_every` steps.
    pub vote: bool,
    /// Ostrom: steps between votes.
    pub vote_every: u64,
    /// `copyleft` (knowledge stays in the pool) or `permissive` (a platform may enclose it).
    pub license: License,
    /// Share of the knowledge gain a platform captures under `permissive`.
    pub capture: f64,
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
            harvest: HarvestRule::OpenAccess,
            quota: Quota::Msy {},
            monitor: 0.5,
            sanctions: vec![0.0, 0.5, 1.0],
            exclude_after: 3,
            exclude_for: 20,
            vote: true,
            vote_every: 10,
            license: License::Copyleft,
            capture: 0.3,
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
        if let Quota::ShareOfRegrowth { share: s } = c.quota {
            at_least("commons.quota.share", s, 0.0)?;
        }
        share("commons.monitor", c.monitor)?;
        if c.sanctions.is_empty() {
            return Err(InputError::at("commons.sanctions", "lists no sanction")
                .help("for example [0.0, 0.5, 1.0]: a warning, then fines of half and all of a step's output"));
        }
        for (i, s) in c.sanctions.iter().enumerate() {
            share(&format!("commons.sanctions[{i}]"), *s)?;
        }
        count("commons.exclude_after", c.exclude_after, 0, 255, None)?;
        count("commons.exclude_for", c.exclude_for, 0, u32::MAX as u64 / 2, None)?;
        count("commons.vote_every", c.vote_every, 1, 1_000_000, None)?;
        share("commons.capture", c.capture)?;
        count("commons.group_size", c.group_size, 2, 1000, None)?;
        range("commons.mpcr", c.mpcr, 0.0, 1.0)?;
        share("commons.initial_contribution", c.initial_contribution)?;
        at_least("commons.punish_cost", c.punish_cost, 0.0)?;
        at_least("commons.punish_fine", c.punish_fine, 0.0)?;
        Ok(())
    }

    fn traits(&self) -> Traits {
        let property = match self.license {
            License::Copyleft => Property::Open,
            License::Permissive => Property::Permissive { capture: self.capture },
        };
        let game = self.model == CommonsModel::PublicGoods;
        Traits { material: !game, money: MoneyKind::None, property, payoff_wellbeing: game, network: false }
    }

    fn inactive(&self) -> Vec<(&'static str, &'static str)> {
        let mut out = Vec::new();
        if self.model == CommonsModel::PublicGoods {
            for k in [
                "allocation",
                "community_size",
                "admin_cost",
                "keep",
                "harvest",
                "quota",
                "monitor",
                "sanctions",
                "exclude_after",
                "exclude_for",
                "vote",
                "vote_every",
                "license",
                "capture",
            ] {
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
        if self.harvest == HarvestRule::OpenAccess {
            out.push(("quota", "acts only with harvest = \"quota\" or \"ostrom\""));
        }
        if self.harvest != HarvestRule::Ostrom {
            for k in ["monitor", "sanctions", "exclude_after", "exclude_for", "vote", "vote_every"] {
                out.push((k, "acts only with harvest = \"ostrom\""));
            }
        } else {
            if !self.vote {
                out.push(("vote_every", "acts only with vote = true"));
            }
            if self.exclude_after == 0 {
                out.push(("exclude_for", "acts only with exclude_after above 0"));
            }
        }
        if self.license == License::Copyleft {
            out.push(("capture", "acts only with license = \"permissive\""));
        }
        out
    }

    fn build(&self, _env: &BuildEnv) -> Box<dyn Regime> {
        super::build(self)
    }
}
