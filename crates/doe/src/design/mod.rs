//! Experiment designs: point sets in the unit hypercube that a model is evaluated on.
//!
//! Every function here returns points with coordinates in `[0, 1)` (Morris grids: `[0, 1]`);
//! the caller maps coordinate `j` of a point onto parameter `j`'s range (`lo + x * (hi - lo)`,
//! or through an inverse CDF). Points are `Vec<f64>` of length `d`, listed in a fixed,
//! documented order, and the same arguments always give the same bits. All randomness comes
//! from a caller-given `u64` seed through `rand_chacha::ChaCha8Rng::seed_from_u64`.

mod joe_kuo;
pub mod morris;
pub mod saltelli;
pub mod sample;
pub mod sobol;

use sobol::{SOBOL_MAX_DIMENSIONS, SOBOL_MAX_POINTS};
use std::fmt;

/// Why a design could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DesignError {
    /// More Sobol' dimensions were asked for than [`SOBOL_MAX_DIMENSIONS`].
    SobolDimensions {
        /// Dimensions asked for (for [`saltelli::saltelli`], twice the number of parameters).
        requested: usize,
    },
    /// `skip + n` is more than [`SOBOL_MAX_POINTS`].
    SobolLength {
        /// `skip + n`.
        requested: u128,
    },
    /// Morris levels must be an even number, at least 2.
    MorrisLevels {
        /// The levels asked for.
        levels: usize,
    },
}

impl fmt::Display for DesignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DesignError::SobolDimensions { requested } => write!(
                f,
                "a Sobol' sequence of {requested} dimensions was asked for, but at most {SOBOL_MAX_DIMENSIONS} are \
                 available (a Saltelli design needs twice as many as it has parameters)"
            ),
            DesignError::SobolLength { requested } => {
                write!(f, "Sobol' points up to index {requested} were asked for, but at most {SOBOL_MAX_POINTS} exist")
            }
            DesignError::MorrisLevels { levels } => {
                write!(f, "a Morris grid needs an even number of levels, at least 2, not {levels}")
            }
        }
    }
}

impl std::error::Error for DesignError {}

#[cfg(test)]
pub(crate) mod testing {
    /// The stratum `k` with `k / n <= x < (k + 1) / n`, by the same boundaries as the design.
    pub(crate) fn stratum(x: f64, n: usize) -> usize {
        let nf = n as f64;
        let mut k = ((x * nf) as usize).min(n - 1);
        while k > 0 && x < k as f64 / nf {
            k -= 1;
        }
        while x >= (k + 1) as f64 / nf {
            k += 1;
        }
        k
    }
}
