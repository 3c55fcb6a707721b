//! Design of experiments for agora's sweeps, and nothing of agora: point sets in the unit
//! hypercube to evaluate a model on, and the sensitivity analyses of its outputs there.
//!
//! * [`design`]: Latin hypercube sampling ([`latin_hypercube`]; McKay, Beckman and Conover
//!   1979) and independent uniform points ([`random_points`]); the Sobol' sequence
//!   ([`sobol_points`]; Sobol' 1967, direction numbers of Joe and Kuo 2008); the A, B, AB_i
//!   matrices of Saltelli (2002) and Saltelli et al. (2010) ([`saltelli`]); Morris (1991)
//!   trajectories ([`morris`]).
//! * [`analysis`]: first-order and total-order Sobol' indices ([`sobol_indices`]), Morris mu,
//!   mu* and sigma ([`morris_indices`]), partial rank correlation coefficients ([`prcc`]), each
//!   with percentile bootstrap intervals.
//! * [`interval`]: percentile intervals and the Wilson score interval of a proportion
//!   ([`wilson`]).
//!
//! The same arguments always give the same bits: every random draw comes from a caller-given
//! `u64` seed through `rand_chacha::ChaCha8Rng::seed_from_u64`, integers and floats are drawn
//! from the raw `next_u64` stream by this crate's own functions (not by `rand`'s
//! distributions, which may change), and bootstrap resamples run in parallel but are gathered
//! in a fixed order, so no result depends on the number of threads.
//!
//! References:
//! * M. D. McKay, R. J. Beckman, W. J. Conover (1979), A comparison of three methods for
//!   selecting values of input variables in the analysis of output from a computer code,
//!   Technometrics 21:239-245.
//! * I. M. Sobol' (1967), On the distribution of points in a cube and the approximate
//!   evaluation of integrals, USSR Comput. Math. Math. Phys. 7:86-112.
//! * S. Joe, F. Y. Kuo (2008), Constructing Sobol sequences with better two-dimensional
//!   projections, SIAM J. Sci. Comput. 30:2635-2654 (direction numbers `new-joe-kuo-6.21201`).
//! * A. Saltelli (2002), Making best use of model evaluations to compute sensitivity indices,
//!   Comput. Phys. Commun. 145:280-297.
//! * A. Saltelli, P. Annoni, I. Azzini, F. Campolongo, M. Ratto, S. Tarantola (2010), Variance
//!   based sensitivity analysis of model output. Design and estimator for the total
//!   sensitivity index, Comput. Phys. Commun. 181:259-270.
//! * M. D. Morris (1991), Factorial sampling plans for preliminary computational experiments,
//!   Technometrics 33:161-174.
//! * F. Campolongo, J. Cariboni, A. Saltelli (2007), An effective screening design for
//!   sensitivity analysis of large models, Environ. Model. Softw. 22:1509-1518.
//! * S. M. Marino, I. B. Hogue, C. J. Ray, D. E. Kirschner (2008), A methodology for
//!   performing global uncertainty and sensitivity analysis in systems biology, J. Theor.
//!   Biol. 254:178-196.
//! * E. B. Wilson (1927), Probable inference, the law of succession, and statistical
//!   inference, J. Am. Stat. Assoc. 22:209-212.

#![warn(missing_docs)]

pub mod analysis;
pub mod design;
mod draw;
pub mod interval;

pub use analysis::morris::{morris_indices, MorrisAnalysis};
pub use analysis::prcc::{prcc, Prcc};
pub use analysis::sobol::{sobol_indices, SobolAnalysis};
pub use analysis::{AnalysisError, Index, Method};
pub use design::morris::{morris, MorrisDesign, MorrisStep, MorrisTrajectory};
pub use design::saltelli::{saltelli, SaltelliBase, SaltelliBlock, SaltelliDesign};
pub use design::sample::{latin_hypercube, random_points};
pub use design::sobol::{sobol_points, SOBOL_MAX_DIMENSIONS, SOBOL_MAX_POINTS};
pub use design::DesignError;
pub use interval::wilson;
