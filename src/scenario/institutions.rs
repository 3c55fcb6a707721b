//! The institutions every regime of a world shares, set once for the world: who governs the
//! common-pool resource (`[resource] governance` and its rules) and who owns knowledge
//! (`[knowledge] property`). A regime differs from another only in how it allocates goods; an
//! entry that changes one of these through a variant is an institutional bundle, and is
//! labelled so.

use serde::{Deserialize, Serialize};

/// Who limits the harvest of the common-pool resource, in every regime of the world.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Governance {
    /// No limit: each producer takes what its production calls for.
    #[default]
    OpenAccess,
    /// An outside authority sets the total quota and splits it equally among producers; it
    /// monitors and fines over-harvesters, but neither votes nor excludes.
    Quota,
    /// Ostrom's rules: communities of `community_size` producers split the quota, monitor
    /// their own members, sanction them by degrees, exclude repeat offenders and vote on their
    /// own quota.
    Ostrom,
}

impl Governance {
    /// Every governance, in the order menus offer them.
    pub const ALL: [Governance; 3] = [Governance::OpenAccess, Governance::Quota, Governance::Ostrom];

    /// The name used in files.
    pub fn name(self) -> &'static str {
        match self {
            Governance::OpenAccess => "open_access",
            Governance::Quota => "quota",
            Governance::Ostrom => "ostrom",
        }
    }
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

/// Who may use the knowledge producers contribute, in every regime of the world.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PropertyRule {
    /// Contributions join the shared pool at once (copyleft: what is built on them stays
    /// shared).
    #[default]
    Open,
    /// Contributions stay with the contributor until their patent expires (`patent_life`).
    Proprietary,
    /// Open, but a platform encloses the share `capture` of the productivity gain.
    Permissive,
}

impl PropertyRule {
    /// Every rule, in the order menus offer them.
    pub const ALL: [PropertyRule; 3] = [PropertyRule::Open, PropertyRule::Proprietary, PropertyRule::Permissive];

    /// The name used in files.
    pub fn name(self) -> &'static str {
        match self {
            PropertyRule::Open => "open",
            PropertyRule::Proprietary => "proprietary",
            PropertyRule::Permissive => "permissive",
        }
    }
}

/// Keys that lived in a regime's table before governance and property became the world's,
/// with where each lives now: a file that still sets one is refused with this pointer.
pub const MOVED: &[(&str, &str)] = &[
    ("harvest", "resource.governance"),
    ("quota", "resource.quota"),
    ("monitor", "resource.monitor"),
    ("sanctions", "resource.sanctions"),
    ("exclude_after", "resource.exclude_after"),
    ("exclude_for", "resource.exclude_for"),
    ("vote", "resource.vote"),
    ("vote_every", "resource.vote_every"),
    ("license", "knowledge.property"),
    ("capture", "knowledge.capture"),
    ("property", "knowledge.property"),
];

/// Keys of `[resource]` (below it) that act on nothing with its governance as it is, and why.
pub fn inactive_governance(r: &super::ResourceConfig) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    if r.governance == Governance::OpenAccess {
        for k in ["quota", "monitor", "monitoring_cost", "sanctions"] {
            out.push((k, "acts only with governance = \"quota\" or \"ostrom\""));
        }
    }
    if r.governance != Governance::Ostrom {
        for k in ["community_size", "exclude_after", "exclude_for", "vote", "vote_every"] {
            out.push((k, "acts only with governance = \"ostrom\""));
        }
    } else {
        if !r.vote {
            out.push(("vote_every", "acts only with vote = true"));
        }
        if r.exclude_after == 0 {
            out.push(("exclude_for", "acts only with exclude_after above 0"));
        }
    }
    out
}

/// Keys of `[knowledge]` (below it) that act on nothing with its property rule, and why.
pub fn inactive_property(k: &super::KnowledgeConfig) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    if k.property != PropertyRule::Permissive {
        out.push(("capture", "acts only with property = \"permissive\""));
    }
    if k.property != PropertyRule::Proprietary {
        out.push(("patent_life", "acts only with property = \"proprietary\""));
    }
    out
}
