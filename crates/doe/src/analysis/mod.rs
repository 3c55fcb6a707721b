//! Global sensitivity analysis of model outputs evaluated on the designs of [`crate::design`].
//!
//! * [`sobol::sobol_indices`]: first-order and total-order Sobol' indices (Sobol' 1993) from
//!   the outputs of a [`crate::SaltelliDesign`], with the estimators of Saltelli et al. (2010,
//!   first order) and Jansen (1999, total order), and percentile bootstrap intervals.
//! * [`morris::morris_indices`]: Morris (1991) elementary effects from a
//!   [`crate::MorrisDesign`]: their mean mu, the mean of their absolute values mu* (Campolongo
//!   et al. 2007) and their standard deviation sigma, with percentile bootstrap intervals.
//! * [`prcc::prcc`]: partial rank correlation coefficients of an output on each input of a
//!   sampled design (Marino et al. 2008), with percentile bootstrap intervals.
//!
//! The first two take the outputs in the order of the design's `points()`, one scalar per
//! point (run the analysis once per output of interest). A failed model run may be handed back
//! as `NaN` (any non-finite output counts as failed): the affected rows or elementary effects
//! are left out and counted. Nothing here panics on degenerate data; see each function for
//! what it returns then.
//!
//! Bootstrap resamples are seeded from the caller's `u64` through
//! `rand_chacha::ChaCha8Rng::seed_from_u64(seed)`, each on its own ChaCha stream
//! (`set_stream`), and are computed in parallel with rayon but gathered in a fixed order, so
//! the results are bit-identical from run to run whatever the number of threads.
//!
//! References:
//! * I. M. Sobol' (1993), Sensitivity estimates for nonlinear mathematical models, Math. Model.
//!   Comput. Exp. 1:407-414.
//! * A. Saltelli, P. Annoni, I. Azzini, F. Campolongo, M. Ratto, S. Tarantola (2010), Variance
//!   based sensitivity analysis of model output. Design and estimator for the total
//!   sensitivity index, Comput. Phys. Commun. 181:259-270.
//! * M. J. W. Jansen (1999), Analysis of variance designs for model output, Comput. Phys.
//!   Commun. 117:35-43.
//! * M. D. Morris (1991), Factorial sampling plans for preliminary computational experiments,
//!   Technometrics 33:161-174.
//! * F. Campolongo, J. Cariboni, A. Saltelli (2007), An effective screening design for
//!   sensitivity analysis of large models, Environ. Model. Softw. 22:1509-1518.
//! * B. Efron, R. J. Tibshirani (1993), An Introduction to the Bootstrap, ch. 13 (percentile
//!   intervals).
//! * T. Ishigami, T. Homma (1990), An importance quantification technique in uncertainty
//!   analysis for computer models, Proc. ISUMA '90, 398-403 (the test function of the tests).

pub mod morris;
pub mod prcc;
pub mod sobol;

use std::fmt;

/// What an [`Index`] measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// First-order Sobol' index S_i: the share of the output variance due to parameter `i`
    /// alone.
    SobolFirst,
    /// Total-order Sobol' index ST_i: the share of the variance due to parameter `i`, alone
    /// or in interaction with any others.
    SobolTotal,
    /// Morris mu: the mean elementary effect (signed; effects of opposite signs cancel).
    MorrisMu,
    /// Morris mu*: the mean absolute elementary effect, a measure of overall influence
    /// (Campolongo et al. 2007).
    MorrisMuStar,
    /// Morris sigma: the standard deviation of the elementary effects, a sign of
    /// interactions or of non-linearity.
    MorrisSigma,
}

impl Method {
    /// The method's stable name: `"sobol_first"`, `"sobol_total"`, `"morris_mu"`,
    /// `"morris_mu_star"` or `"morris_sigma"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::SobolFirst => "sobol_first",
            Method::SobolTotal => "sobol_total",
            Method::MorrisMu => "morris_mu",
            Method::MorrisMuStar => "morris_mu_star",
            Method::MorrisSigma => "morris_sigma",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One sensitivity measure of one parameter, with its 95% bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Index {
    /// The parameter (0-based column of the design).
    pub parameter: usize,
    /// What is measured.
    pub method: Method,
    /// The estimate from all usable data.
    pub value: f64,
    /// The 2.5th percentile of the bootstrap estimates; `NaN` without bootstrap resamples.
    pub ci95_low: f64,
    /// The 97.5th percentile of the bootstrap estimates; `NaN` without bootstrap resamples.
    pub ci95_high: f64,
}

/// Why an analysis could not be done at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnalysisError {
    /// The outputs are not one per point of the design.
    OutputLength {
        /// Points in the design.
        expected: usize,
        /// Outputs given.
        got: usize,
    },
}

impl fmt::Display for AnalysisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnalysisError::OutputLength { expected, got } => {
                write!(f, "the design has {expected} points but {got} outputs were given")
            }
        }
    }
}

impl std::error::Error for AnalysisError {}

#[cfg(test)]
pub(crate) mod testing {
    use super::Index;
    use std::f64::consts::PI;

    pub(crate) const A: f64 = 7.0;
    pub(crate) const B: f64 = 0.1;

    /// Ishigami and Homma (1990) on [-pi, pi]^3 from unit coordinates; any further coordinate
    /// (a dummy parameter) is ignored.
    pub(crate) fn ishigami(u: &[f64]) -> f64 {
        let x = |i: usize| -PI + 2.0 * PI * u[i];
        x(0).sin() + A * x(1).sin().powi(2) + B * x(2).powi(4) * x(0).sin()
    }

    /// The closed-form (S_1, S_2, S_3) and (ST_1, ST_2, ST_3) of the Ishigami function.
    pub(crate) fn ishigami_indices() -> ([f64; 3], [f64; 3]) {
        let pi4 = PI.powi(4);
        let v1 = 0.5 * (1.0 + B * pi4 / 5.0).powi(2);
        let v2 = A * A / 8.0;
        let v13 = B * B * pi4 * pi4 * (1.0 / 18.0 - 1.0 / 50.0);
        let v = v1 + v2 + v13;
        ([v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v])
    }

    pub(crate) fn same_bits(x: &[Index], y: &[Index]) -> bool {
        x.len() == y.len()
            && x.iter().zip(y).all(|(a, b)| {
                a.parameter == b.parameter
                    && a.method == b.method
                    && [a.value, a.ci95_low, a.ci95_high].map(f64::to_bits)
                        == [b.value, b.ci95_low, b.ci95_high].map(f64::to_bits)
            })
    }
}
