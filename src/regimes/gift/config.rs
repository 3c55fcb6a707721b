//! `[gift]`: the settings of the gift regime, with their defaults and checks.

use super::Gift;
use crate::error::InputError;
use crate::regimes::{BuildEnv, Regime, Table, Traits};
use crate::scenario::validate::{at_least, count, positive, share};
use serde::{Deserialize, Serialize};

/// Which gift model runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GiftModel {
    /// Surplus goods given through the social network.
    #[default]
    Network,
    /// The pure indirect-reciprocity donation game (no goods).
    Donation,
}

/// How a refusal to give is judged by those who see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Assessment {
    /// Refusing someone in good standing lowers the refuser's reputation; refusing someone
    /// in bad standing is justified and does not (Sugden 1986; Leimar and Hammerstein 2001).
    #[default]
    Standing,
    /// Every refusal lowers the refuser's image score (Nowak and Sigmund 1998).
    ImageScoring,
}

/// `[gift]`: the gift economy.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct GiftConfig {
    /// `network` (goods given through the network, the default) or `donation` (the game).
    pub model: GiftModel,
    /// Holdings above `keep` times need are surplus, given away.
    pub keep: f64,
    /// Probability per step that a giver also considers one random non-neighbour in need.
    pub strangers: f64,
    /// Probability `q` that a reciprocator knows a recipient's reputation when deciding.
    pub observe: f64,
    /// Probability that an act (a gift, a refusal) is seen, and so changes the actor's
    /// reputation.
    pub witness: f64,
    /// How refusals are judged: `standing` (refusing someone in bad standing is justified,
    /// Sugden 1986) or `image_scoring` (every refusal lowers the image, Nowak and Sigmund 1998).
    pub assessment: Assessment,
    /// Probability that a reciprocator who does not know a recipient's reputation takes it as good.
    pub prior_good: f64,
    /// Weight of one observed act in a reputation: giving moves it that share toward 1,
    /// refusing someone in good standing that share toward 0.
    pub reputation_step: f64,
    /// Preference for those who gave before (Mauss's obligation to return): a past donor's
    /// need counts `1 + reciprocity` times.
    pub reciprocity: f64,
    /// Past donors each agent remembers.
    pub memory: u64,
    /// Giving rounds per step: surplus refused or not reached in one round is offered again
    /// to the shortfalls that remain, up to this many rounds.
    pub rounds: u64,
    /// Donation game: cost to the donor.
    pub cost: f64,
    /// Donation game: benefit to the recipient.
    pub benefit: f64,
    /// Donation game: encounters per agent per step (as donor, and as recipient).
    pub encounters: u64,
}

impl Default for GiftConfig {
    fn default() -> Self {
        GiftConfig {
            model: GiftModel::Network,
            keep: 1.0,
            strangers: 0.0,
            observe: 0.5,
            witness: 1.0,
            assessment: Assessment::Standing,
            prior_good: 0.5,
            reputation_step: 0.5,
            reciprocity: 0.0,
            memory: 4,
            rounds: 3,
            cost: 1.0,
            benefit: 3.0,
            encounters: 4,
        }
    }
}

impl Table for GiftConfig {
    fn check(&self) -> Result<(), InputError> {
        let g = self;
        at_least("gift.keep", g.keep, 0.0)?;
        share("gift.strangers", g.strangers)?;
        share("gift.observe", g.observe)?;
        share("gift.witness", g.witness)?;
        share("gift.prior_good", g.prior_good)?;
        share("gift.reputation_step", g.reputation_step)?;
        at_least("gift.reciprocity", g.reciprocity, 0.0)?;
        count("gift.memory", g.memory, 0, 64, None)?;
        count("gift.rounds", g.rounds, 1, 16, None)?;
        at_least("gift.cost", g.cost, 0.0)?;
        positive("gift.benefit", g.benefit)?;
        count("gift.encounters", g.encounters, 1, 64, None)?;
        Ok(())
    }

    fn traits(&self) -> Traits {
        let game = self.model == GiftModel::Donation;
        Traits {
            material: !game,
            money: crate::money::MoneyKind::None,
            payoff_wellbeing: game,
            network: !game,
            signal: crate::world::work::Signal::Neighbours,
        }
    }

    fn footing(&self) -> Vec<crate::regimes::footing::Footing> {
        use crate::regimes::footing::{no_goods, Footing, Mechanism::*};
        if self.model == GiftModel::Donation {
            return no_goods();
        }
        vec![
            Footing::institution(
                Reach,
                format!("its network neighbours (and strangers with probability `strangers` [{}]), in up to `rounds` [{}] rounds", self.strangers, self.rounds),
                "gifts pass between people who know each other: the gift economy is a network of relationships (Mauss 1925; Benkler 2006)",
            ),
            Footing::shared(CoordinationCost, "none"),
            Footing::institution(Prices, "none", "a gift asks nothing back in return for it"),
            Footing::shared(Keep, format!("`keep` [{}] x need of each good", self.keep)),
            Footing::institution(
                Satiation,
                "given away to neighbours short of their needs",
                "surplus has no other use in a gift economy: it is given where it is needed",
            ),
            Footing::institution(
                Opportunism,
                "takes gifts and never gives",
                "giving without a return invites taking without giving: the dilemma of indirect reciprocity (Nowak and Sigmund 1998)",
            ),
        ]
    }

    fn inactive(&self) -> Vec<(&'static str, &'static str)> {
        let mut out = Vec::new();
        if self.model == GiftModel::Network {
            for k in ["cost", "benefit", "encounters"] {
                out.push((k, "acts only in the donation game (model = \"donation\")"));
            }
            if self.reciprocity == 0.0 {
                out.push(("memory", "acts only with reciprocity above 0 (past donors are weighted up)"));
            }
        } else {
            for k in ["keep", "strangers", "reciprocity", "memory", "rounds"] {
                out.push((k, "acts only with goods (model = \"network\")"));
            }
        }
        out
    }

    fn build(&self, _env: &BuildEnv) -> Box<dyn Regime> {
        Box::new(Gift::new(self))
    }
}
