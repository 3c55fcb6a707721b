//! Equal footing: every mechanism that a comparison of institutions must hold equal unless it
//! is the institution itself, and each regime's value for it, computed from its settings. A
//! regime whose value differs from another's declares why that difference is the institution
//! (with its source); `catalog::footing` generates the equal-footing table of docs/ODD.md from
//! these declarations, and finds any difference that is not declared.

/// A mechanism every regime has some form of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mechanism {
    /// Who limits the harvest of the common-pool resource.
    Governance,
    /// Who may use what producers contribute to knowledge.
    Property,
    /// What is lost when a good passes from one agent to another.
    TransferCost,
    /// Whose goods an agent can get in a step.
    Reach,
    /// What exchanging or sharing costs beyond the world's transfer cost.
    CoordinationCost,
    /// How goods are valued against one another.
    Prices,
    /// What a holder keeps before it parts with goods.
    Keep,
    /// What holdings beyond needs are for.
    Satiation,
    /// What a free rider does in this regime, beyond the world's rules (it contributes no
    /// knowledge and over-harvests where unwatched, in every regime).
    Opportunism,
    /// How output depends on what an agent makes, how hard it works, and what it values.
    Work,
    /// What tells an agent which good to make.
    Signal,
}

impl Mechanism {
    /// Every mechanism, in the order the table lists them.
    pub const ALL: [Mechanism; 11] = [
        Mechanism::Governance,
        Mechanism::Property,
        Mechanism::TransferCost,
        Mechanism::Reach,
        Mechanism::CoordinationCost,
        Mechanism::Prices,
        Mechanism::Keep,
        Mechanism::Satiation,
        Mechanism::Opportunism,
        Mechanism::Work,
        Mechanism::Signal,
    ];

    /// The row's heading in the table.
    pub fn question(self) -> &'static str {
        match self {
            Mechanism::Governance => "who limits the harvest",
            Mechanism::Property => "who may use knowledge",
            Mechanism::TransferCost => "transfer cost",
            Mechanism::Reach => "whose goods an agent can get in a step",
            Mechanism::CoordinationCost => "coordination cost beyond the transfer cost",
            Mechanism::Prices => "prices",
            Mechanism::Keep => "what a holder keeps before parting with goods",
            Mechanism::Satiation => "what holdings beyond needs are for",
            Mechanism::Opportunism => "what a free rider does here",
            Mechanism::Work => "specialisation, effort and welfare",
            Mechanism::Signal => "what tells an agent which good to make",
        }
    }
}

/// A regime's value for one mechanism, and, where it differs from another regime's, why the
/// difference is the institution itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Footing {
    /// The mechanism.
    pub mechanism: Mechanism,
    /// The regime's value, in words, with the keys that set it and their values.
    pub value: String,
    /// Why this value is part of the institution (with its source); `None` for a value that
    /// must be the same as every other undeclared regime's.
    pub institution: Option<&'static str>,
}

impl Footing {
    /// A value that must equal every other undeclared regime's.
    pub fn shared(mechanism: Mechanism, value: impl Into<String>) -> Footing {
        Footing { mechanism, value: value.into(), institution: None }
    }

    /// A value that is part of the institution, for the reason given.
    pub fn institution(mechanism: Mechanism, value: impl Into<String>, why: &'static str) -> Footing {
        Footing { mechanism, value: value.into(), institution: Some(why) }
    }
}

/// The footing of a model without goods (a validation model: kinetic exchange, the donation
/// game, the public-goods game), which no comparison of allocation includes.
pub fn no_goods() -> Vec<Footing> {
    Mechanism::ALL
        .iter()
        .map(|&m| Footing::institution(m, "no goods: a validation model", "compares no allocation of goods"))
        .collect()
}

/// The differences no regime declared: for each mechanism, the undeclared values of the
/// regimes (name, footing) when there is more than one, as messages.
pub fn undeclared(regimes: &[(&str, Vec<Footing>)]) -> Vec<String> {
    let mut out = Vec::new();
    for m in Mechanism::ALL {
        let plain: Vec<(&str, &str)> = regimes
            .iter()
            .filter_map(|(name, fs)| {
                fs.iter().find(|f| f.mechanism == m && f.institution.is_none()).map(|f| (*name, f.value.as_str()))
            })
            .collect();
        let first = plain.first().map(|p| p.1);
        if plain.iter().any(|p| Some(p.1) != first) {
            let list: Vec<String> = plain.iter().map(|(n, v)| format!("{n}: {v}")).collect();
            out.push(format!("{}: {}", m.question(), list.join("; ")));
        }
    }
    out
}

/// Missing rows: regimes (with goods) that give no value for some mechanism.
pub fn missing(regimes: &[(&str, Vec<Footing>)]) -> Vec<String> {
    let mut out = Vec::new();
    for (name, fs) in regimes {
        for m in Mechanism::ALL {
            if !fs.iter().any(|f| f.mechanism == m) {
                out.push(format!("{name} gives no value for `{}`", m.question()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The check finds a difference nobody declared: the knowledge property of the market
    /// (proprietary) and of mutual credit (open), each regime's default before property became
    /// the world's.
    #[test]
    fn an_undeclared_difference_is_found_and_a_declared_one_is_not() {
        let property = |v: &str| vec![Footing::shared(Mechanism::Property, v)];
        let old = [("market", property("proprietary")), ("mutual_credit", property("open"))];
        let found = undeclared(&old);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("market: proprietary") && found[0].contains("mutual_credit: open"), "{found:?}");
        let declared = [
            ("market", vec![Footing::institution(Mechanism::Property, "proprietary", "patents")]),
            ("mutual_credit", property("open")),
        ];
        assert!(undeclared(&declared).is_empty());
        assert_eq!(missing(&declared).len(), 2 * (Mechanism::ALL.len() - 1));
    }
}
