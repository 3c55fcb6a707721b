//! Value types used across the scenario's sections: a need per good, a distribution, and a
//! quantity given as a number or a distribution.

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Need per good: one number for all goods or one per good.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum NeedSpec {
    /// The same need for every good.
    All(f64),
    /// A need per good name.
    PerGood(BTreeMap<String, f64>),
}

impl<'de> Deserialize<'de> for NeedSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = NeedSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number, or a table of numbers by good such as { food = 1.0 }")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<NeedSpec, E> {
                Ok(NeedSpec::All(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<NeedSpec, E> {
                Ok(NeedSpec::All(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<NeedSpec, E> {
                Ok(NeedSpec::All(v as f64))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<NeedSpec, A::Error> {
                BTreeMap::deserialize(de::value::MapAccessDeserializer::new(map)).map(NeedSpec::PerGood)
            }
        }
        d.deserialize_any(V)
    }
}

/// A probability distribution of a positive quantity, as a table with a `dist` key.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
pub enum Distribution {
    /// `exp(ln(median) + sigma * Z)` with `Z` standard normal.
    Lognormal {
        /// The median.
        median: f64,
        /// Standard deviation of the logarithm.
        sigma: f64,
    },
    /// Uniform on `[low, high]`.
    Uniform {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
    /// Every agent the same value.
    Constant {
        /// The value.
        value: f64,
    },
    /// Exponential with the given mean.
    Exponential {
        /// The mean.
        mean: f64,
    },
    /// Pareto (power law) with minimum `scale` and tail index `shape`.
    Pareto {
        /// The minimum value.
        scale: f64,
        /// The tail index (larger is thinner).
        shape: f64,
    },
}

impl Distribution {
    /// The mean of the distribution, used where the model needs an expectation.
    pub fn mean(&self) -> f64 {
        match *self {
            Distribution::Lognormal { median, sigma } => median * (sigma * sigma / 2.0).exp(),
            Distribution::Uniform { low, high } => (low + high) / 2.0,
            Distribution::Constant { value } => value,
            Distribution::Exponential { mean } => mean,
            Distribution::Pareto { scale, shape } => {
                if shape > 1.0 {
                    shape * scale / (shape - 1.0)
                } else {
                    f64::INFINITY
                }
            }
        }
    }
}

impl Amount {
    /// The amount, or for a distribution its mean (the upper bound for a uniform): what the
    /// plan multiplies by the agents to bound a total (infinite for a Pareto tail of shape 1
    /// or less).
    pub fn bound(&self) -> f64 {
        match self {
            Amount::Fixed(x) => *x,
            Amount::Drawn(Distribution::Uniform { high, .. }) => *high,
            Amount::Drawn(d) => d.mean(),
        }
    }
}

/// A quantity given either as one number for everyone or as a distribution table.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Amount {
    /// Everyone the same.
    Fixed(f64),
    /// Drawn per agent.
    Drawn(Distribution),
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Amount;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number, or a distribution table such as { dist = \"exponential\", mean = 100 }")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Amount, E> {
                Ok(Amount::Fixed(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Amount, E> {
                Ok(Amount::Fixed(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Amount, E> {
                Ok(Amount::Fixed(v as f64))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Amount, A::Error> {
                Distribution::deserialize(de::value::MapAccessDeserializer::new(map)).map(Amount::Drawn)
            }
        }
        d.deserialize_any(V)
    }
}
