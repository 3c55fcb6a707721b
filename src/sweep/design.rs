//! Experiment designs: point sets in the unit hypercube that a sweep evaluates a model on.
//!
//! Every function here returns points with coordinates in `[0, 1)` (Morris grids: `[0, 1]`);
//! the caller maps coordinate `j` of a point onto parameter `j`'s range (`lo + x * (hi - lo)`,
//! or through an inverse CDF). Points are `Vec<f64>` of length `d`, listed in a fixed,
//! documented order, and the same arguments always give the same bits:
//!
//! * [`latin_hypercube`]: Latin hypercube sampling (McKay, Beckman and Conover 1979).
//! * [`sobol_points`]: the Sobol' low-discrepancy sequence (Sobol' 1967) with the direction
//!   numbers of Joe and Kuo (2008), unscrambled, for up to [`SOBOL_MAX_DIMENSIONS`] dimensions.
//! * [`saltelli`]: the A, B, AB_i matrices of Saltelli (2002) and Saltelli et al. (2010) for
//!   Sobol' indices, analysed by [`super::sensitivity::sobol_indices`].
//! * [`morris`]: one-at-a-time trajectories of Morris (1991), analysed by
//!   [`super::sensitivity::morris_indices`].
//!
//! All randomness comes from a caller-given `u64` seed through
//! `rand_chacha::ChaCha8Rng::seed_from_u64`; integers and floats are drawn from the raw
//! `next_u64` stream by the functions of this module (not by `rand`'s distributions), so the
//! designs do not change when `rand` changes its sampling algorithms.
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

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt;

/// The largest number of dimensions [`sobol_points`] can generate (so a Sobol'-based
/// [`saltelli`] design takes at most half of it).
pub const SOBOL_MAX_DIMENSIONS: usize = JOE_KUO.len() + 1;

/// The number of points a Sobol' sequence has here: indices are 32-bit.
pub const SOBOL_MAX_POINTS: u64 = 1 << SOBOL_BITS;

const SOBOL_BITS: usize = 32;

/// Why a design could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DesignError {
    /// More Sobol' dimensions were asked for than [`SOBOL_MAX_DIMENSIONS`].
    SobolDimensions {
        /// Dimensions asked for (for [`saltelli`], twice the number of parameters).
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

/// A uniform draw from `[0, 1)` with 53 random bits, from the raw stream.
pub(super) fn unit_f64(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform draw from `0..n` (`n > 0`), unbiased (Lemire 2019, "Fast random integer generation
/// in an interval", ACM TOMACS 29:3), from the raw stream.
pub(super) fn below(rng: &mut ChaCha8Rng, n: u64) -> u64 {
    debug_assert!(n > 0);
    let mut m = u128::from(rng.next_u64()) * u128::from(n);
    if (m as u64) < n {
        let threshold = n.wrapping_neg() % n;
        while (m as u64) < threshold {
            m = u128::from(rng.next_u64()) * u128::from(n);
        }
    }
    (m >> 64) as u64
}

/// Fisher-Yates shuffle driven by [`below`].
fn shuffle<T>(items: &mut [T], rng: &mut ChaCha8Rng) {
    for i in (1..items.len()).rev() {
        let j = below(rng, i as u64 + 1) as usize;
        items.swap(i, j);
    }
}

/// The point `(k + u) / n` of stratum `k` of `n`, kept inside `[k / n, (k + 1) / n)` against
/// rounding.
fn in_stratum(k: usize, n: usize, u: f64) -> f64 {
    let nf = n as f64;
    let lo = k as f64 / nf;
    let hi = (k + 1) as f64 / nf;
    let x = (k as f64 + u) / nf;
    if x >= hi {
        f64::from_bits(hi.to_bits() - 1)
    } else {
        x.max(lo)
    }
}

/// A Latin hypercube sample of `n` points in `[0, 1)^d` (McKay et al. 1979).
///
/// Each dimension's `[0, 1)` is cut into `n` strata `[k/n, (k+1)/n)`; every column of the
/// sample has exactly one point in each stratum, at a uniformly jittered position inside it,
/// and the strata are paired across dimensions by independent random permutations. Dimension
/// `j`'s permutation and jitters are drawn after those of dimensions `0..j`, all from
/// `ChaCha8Rng::seed_from_u64(seed)`.
///
/// Returns `n` points (rows) of `d` coordinates; `n = 0` gives no points.
pub fn latin_hypercube(n: usize, d: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut points = vec![vec![0.0; d]; n];
    let mut strata: Vec<usize> = Vec::with_capacity(n);
    for j in 0..d {
        strata.clear();
        strata.extend(0..n);
        shuffle(&mut strata, &mut rng);
        for (point, &k) in points.iter_mut().zip(&strata) {
            point[j] = in_stratum(k, n, unit_f64(&mut rng));
        }
    }
    points
}

/// The direction numbers `v_1..v_32` (as 32-bit fractions) of Sobol' dimension `dim`
/// (0-based), following Joe and Kuo's construction.
fn direction_numbers(dim: usize) -> [u32; SOBOL_BITS] {
    let mut v = [0u32; SOBOL_BITS];
    if dim == 0 {
        // The first dimension is the van der Corput sequence: every m_k = 1.
        for (k, vk) in v.iter_mut().enumerate() {
            *vk = 1 << (SOBOL_BITS - 1 - k);
        }
        return v;
    }
    let (a, m) = JOE_KUO[dim - 1];
    let s = m.len();
    for k in 0..s.min(SOBOL_BITS) {
        v[k] = m[k] << (SOBOL_BITS - 1 - k);
    }
    // The recurrence of the primitive polynomial x^s + a_1 x^{s-1} + ... + a_{s-1} x + 1,
    // whose inner coefficients are the bits of `a` (a_1 the most significant).
    for k in s..SOBOL_BITS {
        let mut x = v[k - s] ^ (v[k - s] >> s);
        for l in 1..s {
            if (a >> (s - 1 - l)) & 1 == 1 {
                x ^= v[k - l];
            }
        }
        v[k] = x;
    }
    v
}

/// Points `skip..skip + n` of the unscrambled `d`-dimensional Sobol' sequence (Sobol' 1967),
/// with the direction numbers of Joe and Kuo (2008, file `new-joe-kuo-6.21201`), in Gray-code
/// order (Antonov and Saleev 1979) as in Joe and Kuo's reference generator: point 0 is the
/// origin, then dimension 1 runs `0.5, 0.75, 0.25, 0.375, 0.875, ...` and dimension 2
/// `0.5, 0.25, 0.75, 0.375, 0.875, ...`. The sequence matches SciPy's
/// `qmc.Sobol(d, scramble=False)`.
///
/// Coordinates are multiples of `2^-32` in `[0, 1)`. The first `2^m` points (`skip = 0`) form
/// a (t, m, d)-net; for the best balance take `n` a power of two and `skip` 0 or a multiple of
/// `n` (Owen 2022, "On dropping the first Sobol' point").
///
/// # Errors
/// [`DesignError::SobolDimensions`] if `d > SOBOL_MAX_DIMENSIONS`, and
/// [`DesignError::SobolLength`] if `skip + n > SOBOL_MAX_POINTS`.
pub fn sobol_points(n: usize, d: usize, skip: u64) -> Result<Vec<Vec<f64>>, DesignError> {
    if d > SOBOL_MAX_DIMENSIONS {
        return Err(DesignError::SobolDimensions { requested: d });
    }
    let end = u128::from(skip) + n as u128;
    if end > u128::from(SOBOL_MAX_POINTS) {
        return Err(DesignError::SobolLength { requested: end });
    }
    let directions: Vec<[u32; SOBOL_BITS]> = (0..d).map(direction_numbers).collect();
    // Point `skip` directly: the XOR of the direction numbers of the bits of gray(skip).
    let gray = skip ^ (skip >> 1);
    let mut x: Vec<u32> = directions
        .iter()
        .map(|v| (0..SOBOL_BITS).filter(|&b| (gray >> b) & 1 == 1).fold(0, |acc, b| acc ^ v[b]))
        .collect();
    let scale = 1.0 / SOBOL_MAX_POINTS as f64;
    let mut points = Vec::with_capacity(n);
    for i in 0..n as u64 {
        if i > 0 {
            // From point k - 1 to point k: flip the direction number of the lowest zero bit of
            // k - 1 (`trailing_ones(k - 1) < 32` because k < 2^32).
            let c = (skip + i - 1).trailing_ones() as usize;
            for (xj, v) in x.iter_mut().zip(&directions) {
                *xj ^= v[c];
            }
        }
        points.push(x.iter().map(|&xj| f64::from(xj) * scale).collect());
    }
    Ok(points)
}

/// Where a Saltelli design's base matrices A and B come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaltelliBase {
    /// Points `skip..skip + n` of the `2d`-dimensional Sobol' sequence ([`sobol_points`]):
    /// A is its first `d` columns, B the last `d` (Saltelli 2002; Saltelli et al. 2010). No
    /// randomness; take `n` a power of two and `skip = 0` (or a multiple of `n`).
    Sobol {
        /// Points of the sequence skipped before the first one used.
        skip: u64,
    },
    /// A `2d`-dimensional Latin hypercube of `n` points ([`latin_hypercube`] with this seed),
    /// split the same way: A and B are then independent Latin hypercubes. Plain Monte Carlo
    /// accuracy, but any `n`, and a fresh design per seed (for replicates).
    LatinHypercube {
        /// Seed of the hypercube.
        seed: u64,
    },
}

/// One of the `d + 2` blocks of `n` points of a [`SaltelliDesign`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaltelliBlock {
    /// Matrix A.
    A,
    /// Matrix B.
    B,
    /// Matrix AB_i: A with column `i` (0-based) taken from B.
    AB(usize),
}

/// The sampling scheme of Saltelli (2002) and Saltelli et al. (2010) for Sobol' indices: base
/// matrices A and B of `n` rows and `d` columns, and for each parameter `i` the matrix AB_i,
/// A with column `i` replaced by B's, for `n * (d + 2)` model runs in all.
///
/// # Order of points and outputs
/// [`points`](Self::points) lists the blocks one after the other, each in row order:
/// `A` (rows `0..n`), then `B`, then `AB_0`, `AB_1`, ..., `AB_{d-1}`. Point `k` is row
/// `k % n` of block `k / n` (block 0 = A, 1 = B, `2 + i` = AB_i), see
/// [`output_index`](Self::output_index). The caller evaluates the model on every point and
/// hands [`super::sensitivity::sobol_indices`] a slice of `n * (d + 2)` outputs in that same
/// order; a failed run's output may be given as `NaN`.
#[derive(Debug, Clone, PartialEq)]
pub struct SaltelliDesign {
    n: usize,
    d: usize,
    a: Vec<Vec<f64>>,
    b: Vec<Vec<f64>>,
}

impl SaltelliDesign {
    /// Rows of each matrix (base sample size).
    pub fn n(&self) -> usize {
        self.n
    }

    /// Parameters (columns).
    pub fn d(&self) -> usize {
        self.d
    }

    /// Matrix A, `n` rows of `d`.
    pub fn a(&self) -> &[Vec<f64>] {
        &self.a
    }

    /// Matrix B, `n` rows of `d`.
    pub fn b(&self) -> &[Vec<f64>] {
        &self.b
    }

    /// Model runs the design needs: `n * (d + 2)`.
    pub fn len(&self) -> usize {
        self.n * (self.d + 2)
    }

    /// Whether the design has no points (`n = 0`).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The position, in [`points`](Self::points) and in the outputs, of row `row` of `block`.
    ///
    /// # Panics
    /// If `row >= n` or the block is `AB(i)` with `i >= d`.
    pub fn output_index(&self, block: SaltelliBlock, row: usize) -> usize {
        assert!(row < self.n, "row {row} of a Saltelli design of {} rows", self.n);
        let b = match block {
            SaltelliBlock::A => 0,
            SaltelliBlock::B => 1,
            SaltelliBlock::AB(i) => {
                assert!(i < self.d, "AB_{i} of a Saltelli design of {} parameters", self.d);
                2 + i
            }
        };
        b * self.n + row
    }

    /// Point `k` of [`points`](Self::points), without building the others.
    ///
    /// # Panics
    /// If `k >= len()`.
    pub fn point(&self, k: usize) -> Vec<f64> {
        assert!(k < self.len(), "point {k} of a Saltelli design of {} points", self.len());
        let (block, row) = (k / self.n, k % self.n);
        match block {
            0 => self.a[row].clone(),
            1 => self.b[row].clone(),
            _ => {
                let i = block - 2;
                let mut p = self.a[row].clone();
                p[i] = self.b[row][i];
                p
            }
        }
    }

    /// All `n * (d + 2)` points in the documented order: A, B, AB_0, ..., AB_{d-1}.
    pub fn points(&self) -> Vec<Vec<f64>> {
        (0..self.len()).map(|k| self.point(k)).collect()
    }
}

/// A Saltelli design of `n` base rows for `d` parameters; see [`SaltelliDesign`] for the order
/// of its points and [`SaltelliBase`] for the choice of base sample.
///
/// # Errors
/// For a Sobol' base, those of [`sobol_points`] for `2d` dimensions: `d` can be at most
/// `SOBOL_MAX_DIMENSIONS / 2`.
pub fn saltelli(n: usize, d: usize, base: SaltelliBase) -> Result<SaltelliDesign, DesignError> {
    let joint = match base {
        SaltelliBase::Sobol { skip } => sobol_points(n, 2 * d, skip)?,
        SaltelliBase::LatinHypercube { seed } => latin_hypercube(n, 2 * d, seed),
    };
    let (a, b) = joint.into_iter().map(|mut p| (p.drain(..d).collect(), p)).unzip();
    Ok(SaltelliDesign { n, d, a, b })
}

/// One step of a Morris trajectory: the factor that changes and which way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MorrisStep {
    /// The factor (0-based) whose coordinate changes, and only it.
    pub factor: usize,
    /// `true` if it goes up by `delta`, `false` if down by `delta`.
    pub up: bool,
}

/// One Morris trajectory: `d + 1` points, each differing from the one before in one factor.
#[derive(Debug, Clone, PartialEq)]
pub struct MorrisTrajectory {
    /// The `d + 1` points, on the grid `{0, 1/(p-1), ..., 1}^d`.
    pub points: Vec<Vec<f64>>,
    /// The `d` steps: step `s` goes from `points[s]` to `points[s + 1]`. Every factor changes
    /// exactly once, in random order.
    pub steps: Vec<MorrisStep>,
}

/// The elementary-effects design of Morris (1991): `r` trajectories of `d + 1` points on a
/// `p`-level grid, moving one factor at a time by `delta = p / (2 (p - 1))`.
///
/// # Order of points and outputs
/// [`points`](Self::points) lists trajectory 0's `d + 1` points, then trajectory 1's, and so
/// on: point `t * (d + 1) + s` is point `s` of trajectory `t`, and step `s` of trajectory `t`
/// ([`MorrisTrajectory::steps`]) goes from point `t * (d + 1) + s` to `t * (d + 1) + s + 1`.
/// The caller evaluates the model on every point and hands
/// [`super::sensitivity::morris_indices`] a slice of `r * (d + 1)` outputs in that order; a
/// failed run's output may be given as `NaN`.
#[derive(Debug, Clone, PartialEq)]
pub struct MorrisDesign {
    d: usize,
    levels: usize,
    delta: f64,
    trajectories: Vec<MorrisTrajectory>,
}

impl MorrisDesign {
    /// Trajectories `r`.
    pub fn r(&self) -> usize {
        self.trajectories.len()
    }

    /// Factors `d`.
    pub fn d(&self) -> usize {
        self.d
    }

    /// Grid levels `p`.
    pub fn levels(&self) -> usize {
        self.levels
    }

    /// The step `p / (2 (p - 1))`, in unit-hypercube coordinates.
    pub fn delta(&self) -> f64 {
        self.delta
    }

    /// The trajectories, in order.
    pub fn trajectories(&self) -> &[MorrisTrajectory] {
        &self.trajectories
    }

    /// Model runs the design needs: `r * (d + 1)`.
    pub fn len(&self) -> usize {
        self.trajectories.len() * (self.d + 1)
    }

    /// Whether the design has no points (`r = 0`).
    pub fn is_empty(&self) -> bool {
        self.trajectories.is_empty()
    }

    /// All `r * (d + 1)` points in the documented order (trajectory by trajectory).
    pub fn points(&self) -> Vec<Vec<f64>> {
        self.trajectories.iter().flat_map(|t| t.points.iter().cloned()).collect()
    }
}

/// A Morris (1991) design of `r` random trajectories over `d` factors on a grid of `levels`
/// (`p`) levels `{0, 1/(p-1), ..., 1}` per factor, with the step `delta = p / (2 (p - 1))`
/// (`p / 2` grid intervals). `p = 4` with `r` of 10 to 50 is the usual choice (Saltelli et al.
/// 2004, Sensitivity Analysis in Practice, ch. 4).
///
/// This is Morris's original trajectory form (the randomised orientation matrix
/// `B* = (J x* + (delta/2) ((2B - J) D* + J)) P*`), without the trajectory selection of
/// Campolongo et al. (2007), whose mu* statistic [`super::sensitivity::morris_indices`]
/// computes. Each trajectory starts at a point whose levels are drawn independently and
/// uniformly from the `p` levels; a factor starting in the lower half of the levels moves up by
/// `delta`, one in the upper half moves down (which is Morris's construction with a uniform
/// base value `x*` and uniform signs `D*`); the factors move in a uniformly random order.
/// Every point lies on the grid; coordinates equal to `1.0` occur.
///
/// # Errors
/// [`DesignError::MorrisLevels`] unless `levels` is even and at least 2.
pub fn morris(r: usize, d: usize, levels: usize, seed: u64) -> Result<MorrisDesign, DesignError> {
    if levels < 2 || !levels.is_multiple_of(2) {
        return Err(DesignError::MorrisLevels { levels });
    }
    let intervals = (levels - 1) as f64;
    let jump = levels / 2;
    let delta = levels as f64 / (2.0 * intervals);
    let value = |level: usize| level as f64 / intervals;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut trajectories = Vec::with_capacity(r);
    for _ in 0..r {
        let mut level: Vec<usize> = (0..d).map(|_| below(&mut rng, levels as u64) as usize).collect();
        let mut order: Vec<usize> = (0..d).collect();
        shuffle(&mut order, &mut rng);
        let mut points = Vec::with_capacity(d + 1);
        let mut steps = Vec::with_capacity(d);
        points.push(level.iter().map(|&l| value(l)).collect::<Vec<f64>>());
        for &factor in &order {
            let up = level[factor] < jump;
            level[factor] = if up { level[factor] + jump } else { level[factor] - jump };
            let mut p = points[points.len() - 1].clone();
            p[factor] = value(level[factor]);
            points.push(p);
            steps.push(MorrisStep { factor, up });
        }
        trajectories.push(MorrisTrajectory { points, steps });
    }
    Ok(MorrisDesign { d, levels, delta, trajectories })
}

/// Joe and Kuo's direction numbers for Sobol' dimensions 2, 3, ... (file
/// `new-joe-kuo-6.21201`): for each, the inner coefficients `a` of the primitive polynomial
/// (degree `s` = the length of the list) and the initial direction integers `m_1..m_s`.
#[rustfmt::skip]
const JOE_KUO: [(u32, &[u32]); 255] = [
    (0, &[1]),
    (1, &[1, 3]),
    (1, &[1, 3, 1]),
    (2, &[1, 1, 1]),
    (1, &[1, 1, 3, 3]),
    (4, &[1, 3, 5, 13]),
    (2, &[1, 1, 5, 5, 17]),
    (4, &[1, 1, 5, 5, 5]),
    (7, &[1, 1, 7, 11, 19]),
    (11, &[1, 1, 5, 1, 1]),
    (13, &[1, 1, 1, 3, 11]),
    (14, &[1, 3, 5, 5, 31]),
    (1, &[1, 3, 3, 9, 7, 49]),
    (13, &[1, 1, 1, 15, 21, 21]),
    (16, &[1, 3, 1, 13, 27, 49]),
    (19, &[1, 1, 1, 15, 7, 5]),
    (22, &[1, 3, 1, 15, 13, 25]),
    (25, &[1, 1, 5, 5, 19, 61]),
    (1, &[1, 3, 7, 11, 23, 15, 103]),
    (4, &[1, 3, 7, 13, 13, 15, 69]),
    (7, &[1, 1, 3, 13, 7, 35, 63]),
    (8, &[1, 3, 5, 9, 1, 25, 53]),
    (14, &[1, 3, 1, 13, 9, 35, 107]),
    (19, &[1, 3, 1, 5, 27, 61, 31]),
    (21, &[1, 1, 5, 11, 19, 41, 61]),
    (28, &[1, 3, 5, 3, 3, 13, 69]),
    (31, &[1, 1, 7, 13, 1, 19, 1]),
    (32, &[1, 3, 7, 5, 13, 19, 59]),
    (37, &[1, 1, 3, 9, 25, 29, 41]),
    (41, &[1, 3, 5, 13, 23, 1, 55]),
    (42, &[1, 3, 7, 3, 13, 59, 17]),
    (50, &[1, 3, 1, 3, 5, 53, 69]),
    (55, &[1, 1, 5, 5, 23, 33, 13]),
    (56, &[1, 1, 7, 7, 1, 61, 123]),
    (59, &[1, 1, 7, 9, 13, 61, 49]),
    (62, &[1, 3, 3, 5, 3, 55, 33]),
    (14, &[1, 3, 1, 15, 31, 13, 49, 245]),
    (21, &[1, 3, 5, 15, 31, 59, 63, 97]),
    (22, &[1, 3, 1, 11, 11, 11, 77, 249]),
    (38, &[1, 3, 1, 11, 27, 43, 71, 9]),
    (47, &[1, 1, 7, 15, 21, 11, 81, 45]),
    (49, &[1, 3, 7, 3, 25, 31, 65, 79]),
    (50, &[1, 3, 1, 1, 19, 11, 3, 205]),
    (52, &[1, 1, 5, 9, 19, 21, 29, 157]),
    (56, &[1, 3, 7, 11, 1, 33, 89, 185]),
    (67, &[1, 3, 3, 3, 15, 9, 79, 71]),
    (70, &[1, 3, 7, 11, 15, 39, 119, 27]),
    (84, &[1, 1, 3, 1, 11, 31, 97, 225]),
    (97, &[1, 1, 1, 3, 23, 43, 57, 177]),
    (103, &[1, 3, 7, 7, 17, 17, 37, 71]),
    (115, &[1, 3, 1, 5, 27, 63, 123, 213]),
    (122, &[1, 1, 3, 5, 11, 43, 53, 133]),
    (8, &[1, 3, 5, 5, 29, 17, 47, 173, 479]),
    (13, &[1, 3, 3, 11, 3, 1, 109, 9, 69]),
    (16, &[1, 1, 1, 5, 17, 39, 23, 5, 343]),
    (22, &[1, 3, 1, 5, 25, 15, 31, 103, 499]),
    (25, &[1, 1, 1, 11, 11, 17, 63, 105, 183]),
    (44, &[1, 1, 5, 11, 9, 29, 97, 231, 363]),
    (47, &[1, 1, 5, 15, 19, 45, 41, 7, 383]),
    (52, &[1, 3, 7, 7, 31, 19, 83, 137, 221]),
    (55, &[1, 1, 1, 3, 23, 15, 111, 223, 83]),
    (59, &[1, 1, 5, 13, 31, 15, 55, 25, 161]),
    (62, &[1, 1, 3, 13, 25, 47, 39, 87, 257]),
    (67, &[1, 1, 1, 11, 21, 53, 125, 249, 293]),
    (74, &[1, 1, 7, 11, 11, 7, 57, 79, 323]),
    (81, &[1, 1, 5, 5, 17, 13, 81, 3, 131]),
    (82, &[1, 1, 7, 13, 23, 7, 65, 251, 475]),
    (87, &[1, 3, 5, 1, 9, 43, 3, 149, 11]),
    (91, &[1, 1, 3, 13, 31, 13, 13, 255, 487]),
    (94, &[1, 3, 3, 1, 5, 63, 89, 91, 127]),
    (103, &[1, 1, 3, 3, 1, 19, 123, 127, 237]),
    (104, &[1, 1, 5, 7, 23, 31, 37, 243, 289]),
    (109, &[1, 1, 5, 11, 17, 53, 117, 183, 491]),
    (122, &[1, 1, 1, 5, 1, 13, 13, 209, 345]),
    (124, &[1, 1, 3, 15, 1, 57, 115, 7, 33]),
    (137, &[1, 3, 1, 11, 7, 43, 81, 207, 175]),
    (138, &[1, 3, 1, 1, 15, 27, 63, 255, 49]),
    (143, &[1, 3, 5, 3, 27, 61, 105, 171, 305]),
    (145, &[1, 1, 5, 3, 1, 3, 57, 249, 149]),
    (152, &[1, 1, 3, 5, 5, 57, 15, 13, 159]),
    (157, &[1, 1, 1, 11, 7, 11, 105, 141, 225]),
    (167, &[1, 3, 3, 5, 27, 59, 121, 101, 271]),
    (173, &[1, 3, 5, 9, 11, 49, 51, 59, 115]),
    (176, &[1, 1, 7, 1, 23, 45, 125, 71, 419]),
    (181, &[1, 1, 3, 5, 23, 5, 105, 109, 75]),
    (182, &[1, 1, 7, 15, 7, 11, 67, 121, 453]),
    (185, &[1, 3, 7, 3, 9, 13, 31, 27, 449]),
    (191, &[1, 3, 1, 15, 19, 39, 39, 89, 15]),
    (194, &[1, 1, 1, 1, 1, 33, 73, 145, 379]),
    (199, &[1, 3, 1, 15, 15, 43, 29, 13, 483]),
    (218, &[1, 1, 7, 3, 19, 27, 85, 131, 431]),
    (220, &[1, 3, 3, 3, 5, 35, 23, 195, 349]),
    (227, &[1, 3, 3, 7, 9, 27, 39, 59, 297]),
    (229, &[1, 1, 3, 9, 11, 17, 13, 241, 157]),
    (230, &[1, 3, 7, 15, 25, 57, 33, 189, 213]),
    (234, &[1, 1, 7, 1, 9, 55, 73, 83, 217]),
    (236, &[1, 3, 3, 13, 19, 27, 23, 113, 249]),
    (241, &[1, 3, 5, 3, 23, 43, 3, 253, 479]),
    (244, &[1, 1, 5, 5, 11, 5, 45, 117, 217]),
    (253, &[1, 3, 3, 7, 29, 37, 33, 123, 147]),
    (4, &[1, 3, 1, 15, 5, 5, 37, 227, 223, 459]),
    (13, &[1, 1, 7, 5, 5, 39, 63, 255, 135, 487]),
    (19, &[1, 3, 1, 7, 9, 7, 87, 249, 217, 599]),
    (22, &[1, 1, 3, 13, 9, 47, 7, 225, 363, 247]),
    (50, &[1, 3, 7, 13, 19, 13, 9, 67, 9, 737]),
    (55, &[1, 3, 5, 5, 19, 59, 7, 41, 319, 677]),
    (64, &[1, 1, 5, 3, 31, 63, 15, 43, 207, 789]),
    (69, &[1, 1, 7, 9, 13, 39, 3, 47, 497, 169]),
    (98, &[1, 3, 1, 7, 21, 17, 97, 19, 415, 905]),
    (107, &[1, 3, 7, 1, 3, 31, 71, 111, 165, 127]),
    (115, &[1, 1, 5, 11, 1, 61, 83, 119, 203, 847]),
    (121, &[1, 3, 3, 13, 9, 61, 19, 97, 47, 35]),
    (127, &[1, 1, 7, 7, 15, 29, 63, 95, 417, 469]),
    (134, &[1, 3, 1, 9, 25, 9, 71, 57, 213, 385]),
    (140, &[1, 3, 5, 13, 31, 47, 101, 57, 39, 341]),
    (145, &[1, 1, 3, 3, 31, 57, 125, 173, 365, 551]),
    (152, &[1, 3, 7, 1, 13, 57, 67, 157, 451, 707]),
    (158, &[1, 1, 1, 7, 21, 13, 105, 89, 429, 965]),
    (161, &[1, 1, 5, 9, 17, 51, 45, 119, 157, 141]),
    (171, &[1, 3, 7, 7, 13, 45, 91, 9, 129, 741]),
    (181, &[1, 3, 7, 1, 23, 57, 67, 141, 151, 571]),
    (194, &[1, 1, 3, 11, 17, 47, 93, 107, 375, 157]),
    (199, &[1, 3, 3, 5, 11, 21, 43, 51, 169, 915]),
    (203, &[1, 1, 5, 3, 15, 55, 101, 67, 455, 625]),
    (208, &[1, 3, 5, 9, 1, 23, 29, 47, 345, 595]),
    (227, &[1, 3, 7, 7, 5, 49, 29, 155, 323, 589]),
    (242, &[1, 3, 3, 7, 5, 41, 127, 61, 261, 717]),
    (251, &[1, 3, 7, 7, 17, 23, 117, 67, 129, 1009]),
    (253, &[1, 1, 3, 13, 11, 39, 21, 207, 123, 305]),
    (265, &[1, 1, 3, 9, 29, 3, 95, 47, 231, 73]),
    (266, &[1, 3, 1, 9, 1, 29, 117, 21, 441, 259]),
    (274, &[1, 3, 1, 13, 21, 39, 125, 211, 439, 723]),
    (283, &[1, 1, 7, 3, 17, 63, 115, 89, 49, 773]),
    (289, &[1, 3, 7, 13, 11, 33, 101, 107, 63, 73]),
    (295, &[1, 1, 5, 5, 13, 57, 63, 135, 437, 177]),
    (301, &[1, 1, 3, 7, 27, 63, 93, 47, 417, 483]),
    (316, &[1, 1, 3, 1, 23, 29, 1, 191, 49, 23]),
    (319, &[1, 1, 3, 15, 25, 55, 9, 101, 219, 607]),
    (324, &[1, 3, 1, 7, 7, 19, 51, 251, 393, 307]),
    (346, &[1, 3, 3, 3, 25, 55, 17, 75, 337, 3]),
    (352, &[1, 1, 1, 13, 25, 17, 65, 45, 479, 413]),
    (361, &[1, 1, 7, 7, 27, 49, 99, 161, 213, 727]),
    (367, &[1, 3, 5, 1, 23, 5, 43, 41, 251, 857]),
    (382, &[1, 3, 3, 7, 11, 61, 39, 87, 383, 835]),
    (395, &[1, 1, 3, 15, 13, 7, 29, 7, 505, 923]),
    (398, &[1, 3, 7, 1, 5, 31, 47, 157, 445, 501]),
    (400, &[1, 1, 3, 7, 1, 43, 9, 147, 115, 605]),
    (412, &[1, 3, 3, 13, 5, 1, 119, 211, 455, 1001]),
    (419, &[1, 1, 3, 5, 13, 19, 3, 243, 75, 843]),
    (422, &[1, 3, 7, 7, 1, 19, 91, 249, 357, 589]),
    (426, &[1, 1, 1, 9, 1, 25, 109, 197, 279, 411]),
    (428, &[1, 3, 1, 15, 23, 57, 59, 135, 191, 75]),
    (433, &[1, 1, 5, 15, 29, 21, 39, 253, 383, 349]),
    (446, &[1, 3, 3, 5, 19, 45, 61, 151, 199, 981]),
    (454, &[1, 3, 5, 13, 9, 61, 107, 141, 141, 1]),
    (457, &[1, 3, 1, 11, 27, 25, 85, 105, 309, 979]),
    (472, &[1, 3, 3, 11, 19, 7, 115, 223, 349, 43]),
    (493, &[1, 1, 7, 9, 21, 39, 123, 21, 275, 927]),
    (505, &[1, 1, 7, 13, 15, 41, 47, 243, 303, 437]),
    (508, &[1, 1, 1, 7, 7, 3, 15, 99, 409, 719]),
    (2, &[1, 3, 3, 15, 27, 49, 113, 123, 113, 67, 469]),
    (11, &[1, 3, 7, 11, 3, 23, 87, 169, 119, 483, 199]),
    (21, &[1, 1, 5, 15, 7, 17, 109, 229, 179, 213, 741]),
    (22, &[1, 1, 5, 13, 11, 17, 25, 135, 403, 557, 1433]),
    (35, &[1, 3, 1, 1, 1, 61, 67, 215, 189, 945, 1243]),
    (49, &[1, 1, 7, 13, 17, 33, 9, 221, 429, 217, 1679]),
    (50, &[1, 1, 3, 11, 27, 3, 15, 93, 93, 865, 1049]),
    (56, &[1, 3, 7, 7, 25, 41, 121, 35, 373, 379, 1547]),
    (61, &[1, 3, 3, 9, 11, 35, 45, 205, 241, 9, 59]),
    (70, &[1, 3, 1, 7, 3, 51, 7, 177, 53, 975, 89]),
    (74, &[1, 1, 3, 5, 27, 1, 113, 231, 299, 759, 861]),
    (79, &[1, 3, 3, 15, 25, 29, 5, 255, 139, 891, 2031]),
    (84, &[1, 3, 1, 1, 13, 9, 109, 193, 419, 95, 17]),
    (88, &[1, 1, 7, 9, 3, 7, 29, 41, 135, 839, 867]),
    (103, &[1, 1, 7, 9, 25, 49, 123, 217, 113, 909, 215]),
    (104, &[1, 1, 7, 3, 23, 15, 43, 133, 217, 327, 901]),
    (112, &[1, 1, 3, 3, 13, 53, 63, 123, 477, 711, 1387]),
    (115, &[1, 1, 3, 15, 7, 29, 75, 119, 181, 957, 247]),
    (117, &[1, 1, 1, 11, 27, 25, 109, 151, 267, 99, 1461]),
    (122, &[1, 3, 7, 15, 5, 5, 53, 145, 11, 725, 1501]),
    (134, &[1, 3, 7, 1, 9, 43, 71, 229, 157, 607, 1835]),
    (137, &[1, 3, 3, 13, 25, 1, 5, 27, 471, 349, 127]),
    (146, &[1, 1, 1, 1, 23, 37, 9, 221, 269, 897, 1685]),
    (148, &[1, 1, 3, 3, 31, 29, 51, 19, 311, 553, 1969]),
    (157, &[1, 3, 7, 5, 5, 55, 17, 39, 475, 671, 1529]),
    (158, &[1, 1, 7, 1, 1, 35, 47, 27, 437, 395, 1635]),
    (162, &[1, 1, 7, 3, 13, 23, 43, 135, 327, 139, 389]),
    (164, &[1, 3, 7, 3, 9, 25, 91, 25, 429, 219, 513]),
    (168, &[1, 1, 3, 5, 13, 29, 119, 201, 277, 157, 2043]),
    (173, &[1, 3, 5, 3, 29, 57, 13, 17, 167, 739, 1031]),
    (185, &[1, 3, 3, 5, 29, 21, 95, 27, 255, 679, 1531]),
    (186, &[1, 3, 7, 15, 9, 5, 21, 71, 61, 961, 1201]),
    (191, &[1, 3, 5, 13, 15, 57, 33, 93, 459, 867, 223]),
    (193, &[1, 1, 1, 15, 17, 43, 127, 191, 67, 177, 1073]),
    (199, &[1, 1, 1, 15, 23, 7, 21, 199, 75, 293, 1611]),
    (213, &[1, 3, 7, 13, 15, 39, 21, 149, 65, 741, 319]),
    (214, &[1, 3, 7, 11, 23, 13, 101, 89, 277, 519, 711]),
    (220, &[1, 3, 7, 15, 19, 27, 85, 203, 441, 97, 1895]),
    (227, &[1, 3, 1, 3, 29, 25, 21, 155, 11, 191, 197]),
    (236, &[1, 1, 7, 5, 27, 11, 81, 101, 457, 675, 1687]),
    (242, &[1, 3, 1, 5, 25, 5, 65, 193, 41, 567, 781]),
    (251, &[1, 3, 1, 5, 11, 15, 113, 77, 411, 695, 1111]),
    (256, &[1, 1, 3, 9, 11, 53, 119, 171, 55, 297, 509]),
    (259, &[1, 1, 1, 1, 11, 39, 113, 139, 165, 347, 595]),
    (265, &[1, 3, 7, 11, 9, 17, 101, 13, 81, 325, 1733]),
    (266, &[1, 3, 1, 1, 21, 43, 115, 9, 113, 907, 645]),
    (276, &[1, 1, 7, 3, 9, 25, 117, 197, 159, 471, 475]),
    (292, &[1, 3, 1, 9, 11, 21, 57, 207, 485, 613, 1661]),
    (304, &[1, 1, 7, 7, 27, 55, 49, 223, 89, 85, 1523]),
    (310, &[1, 1, 5, 3, 19, 41, 45, 51, 447, 299, 1355]),
    (316, &[1, 3, 1, 13, 1, 33, 117, 143, 313, 187, 1073]),
    (319, &[1, 1, 7, 7, 5, 11, 65, 97, 377, 377, 1501]),
    (322, &[1, 3, 1, 1, 21, 35, 95, 65, 99, 23, 1239]),
    (328, &[1, 1, 5, 9, 3, 37, 95, 167, 115, 425, 867]),
    (334, &[1, 3, 3, 13, 1, 37, 27, 189, 81, 679, 773]),
    (339, &[1, 1, 3, 11, 1, 61, 99, 233, 429, 969, 49]),
    (341, &[1, 1, 1, 7, 25, 63, 99, 165, 245, 793, 1143]),
    (345, &[1, 1, 5, 11, 11, 43, 55, 65, 71, 283, 273]),
    (346, &[1, 1, 5, 5, 9, 3, 101, 251, 355, 379, 1611]),
    (362, &[1, 1, 1, 15, 21, 63, 85, 99, 49, 749, 1335]),
    (367, &[1, 1, 5, 13, 27, 9, 121, 43, 255, 715, 289]),
    (372, &[1, 3, 1, 5, 27, 19, 17, 223, 77, 571, 1415]),
    (375, &[1, 1, 5, 3, 13, 59, 125, 251, 195, 551, 1737]),
    (376, &[1, 3, 3, 15, 13, 27, 49, 105, 389, 971, 755]),
    (381, &[1, 3, 5, 15, 23, 43, 35, 107, 447, 763, 253]),
    (385, &[1, 3, 5, 11, 21, 3, 17, 39, 497, 407, 611]),
    (388, &[1, 1, 7, 13, 15, 31, 113, 17, 23, 507, 1995]),
    (392, &[1, 1, 7, 15, 3, 15, 31, 153, 423, 79, 503]),
    (409, &[1, 1, 7, 9, 19, 25, 23, 171, 505, 923, 1989]),
    (415, &[1, 1, 5, 9, 21, 27, 121, 223, 133, 87, 697]),
    (416, &[1, 1, 5, 5, 9, 19, 107, 99, 319, 765, 1461]),
    (421, &[1, 1, 3, 3, 19, 25, 3, 101, 171, 729, 187]),
    (428, &[1, 1, 3, 1, 13, 23, 85, 93, 291, 209, 37]),
    (431, &[1, 1, 1, 15, 25, 25, 77, 253, 333, 947, 1073]),
    (434, &[1, 1, 3, 9, 17, 29, 55, 47, 255, 305, 2037]),
    (439, &[1, 3, 3, 9, 29, 63, 9, 103, 489, 939, 1523]),
    (446, &[1, 3, 7, 15, 7, 31, 89, 175, 369, 339, 595]),
    (451, &[1, 3, 7, 13, 25, 5, 71, 207, 251, 367, 665]),
    (453, &[1, 3, 3, 3, 21, 25, 75, 35, 31, 321, 1603]),
    (457, &[1, 1, 1, 9, 11, 1, 65, 5, 11, 329, 535]),
    (458, &[1, 1, 5, 3, 19, 13, 17, 43, 379, 485, 383]),
    (471, &[1, 3, 5, 13, 13, 9, 85, 147, 489, 787, 1133]),
    (475, &[1, 3, 1, 1, 5, 51, 37, 129, 195, 297, 1783]),
    (478, &[1, 1, 3, 15, 19, 57, 59, 181, 455, 697, 2033]),
    (484, &[1, 3, 7, 1, 27, 9, 65, 145, 325, 189, 201]),
    (493, &[1, 3, 1, 15, 31, 23, 19, 5, 485, 581, 539]),
    (494, &[1, 1, 7, 13, 11, 15, 65, 83, 185, 847, 831]),
    (499, &[1, 3, 5, 7, 7, 55, 73, 15, 303, 511, 1905]),
    (502, &[1, 3, 5, 9, 7, 21, 45, 15, 397, 385, 597]),
    (517, &[1, 3, 7, 3, 23, 13, 73, 221, 511, 883, 1265]),
    (518, &[1, 1, 3, 11, 1, 51, 73, 185, 33, 975, 1441]),
    (524, &[1, 3, 3, 9, 19, 59, 21, 39, 339, 37, 143]),
    (527, &[1, 1, 7, 1, 31, 33, 19, 167, 117, 635, 639]),
    (555, &[1, 1, 1, 3, 5, 13, 59, 83, 355, 349, 1967]),
    (560, &[1, 1, 1, 5, 19, 3, 53, 133, 97, 863, 983]),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The stratum `k` with `k / n <= x < (k + 1) / n`, by the same boundaries as the design.
    fn stratum(x: f64, n: usize) -> usize {
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

    fn bits(points: &[Vec<f64>]) -> Vec<Vec<u64>> {
        points.iter().map(|p| p.iter().map(|x| x.to_bits()).collect()).collect()
    }

    #[test]
    fn lhs_has_one_point_in_each_stratum_of_each_column() {
        for (n, d, seed) in [(1, 3, 0), (2, 1, 5), (7, 4, 1), (100, 5, 2), (1000, 3, 3)] {
            let points = latin_hypercube(n, d, seed);
            assert_eq!(points.len(), n);
            for j in 0..d {
                let mut seen = vec![false; n];
                for p in &points {
                    assert_eq!(p.len(), d);
                    assert!((0.0..1.0).contains(&p[j]), "{} outside [0, 1)", p[j]);
                    let k = stratum(p[j], n);
                    assert!(!seen[k], "two points in stratum {k} of column {j} (n = {n})");
                    seen[k] = true;
                }
                assert!(seen.iter().all(|&s| s));
            }
        }
    }

    #[test]
    fn lhs_is_jittered_within_strata_and_columns_are_paired_at_random() {
        let n = 1000;
        let points = latin_hypercube(n, 2, 11);
        let offsets: Vec<f64> = points.iter().map(|p| p[0] * n as f64 - stratum(p[0], n) as f64).collect();
        let mean = offsets.iter().sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.05, "mean offset within strata {mean}");
        assert!(offsets.iter().any(|&o| o < 0.05) && offsets.iter().any(|&o| o > 0.95));
        // Independent pairing: the columns are nearly uncorrelated (|r| < 4 / sqrt(n)).
        let r = points.iter().map(|p| (p[0] - 0.5) * (p[1] - 0.5)).sum::<f64>() / n as f64 * 12.0;
        assert!(r.abs() < 0.13, "correlation {r}");
        // Rows are not in stratum order.
        assert!(points.windows(2).any(|w| w[1][0] < w[0][0]));
    }

    #[test]
    fn lhs_stays_inside_the_top_stratum_against_rounding() {
        let u = 1.0 - f64::EPSILON / 2.0;
        for n in [1, 2, 3, 7, 10, 1000, 12345] {
            let x = in_stratum(n - 1, n, u);
            assert!(x < 1.0 && stratum(x, n) == n - 1, "n = {n}: {x}");
            assert_eq!(in_stratum(0, n, 0.0), 0.0);
        }
    }

    #[test]
    fn lhs_is_deterministic_per_seed() {
        assert_eq!(bits(&latin_hypercube(50, 3, 42)), bits(&latin_hypercube(50, 3, 42)));
        assert_ne!(bits(&latin_hypercube(50, 3, 42)), bits(&latin_hypercube(50, 3, 43)));
        assert!(latin_hypercube(0, 3, 1).is_empty());
        assert_eq!(latin_hypercube(4, 0, 1), vec![Vec::<f64>::new(); 4]);
    }

    #[test]
    fn sobol_first_points_match_the_published_sequence() {
        // Joe and Kuo's generator (and SciPy's qmc.Sobol(scramble=False)), dimensions 1-10.
        let expected: [[f64; 10]; 8] = [
            [0.0; 10],
            [0.5; 10],
            [0.75, 0.25, 0.25, 0.25, 0.75, 0.75, 0.25, 0.75, 0.75, 0.75],
            [0.25, 0.75, 0.75, 0.75, 0.25, 0.25, 0.75, 0.25, 0.25, 0.25],
            [0.375, 0.375, 0.625, 0.875, 0.375, 0.125, 0.375, 0.875, 0.875, 0.625],
            [0.875, 0.875, 0.125, 0.375, 0.875, 0.625, 0.875, 0.375, 0.375, 0.125],
            [0.625, 0.125, 0.875, 0.625, 0.625, 0.875, 0.125, 0.125, 0.125, 0.375],
            [0.125, 0.625, 0.375, 0.125, 0.125, 0.375, 0.625, 0.625, 0.625, 0.875],
        ];
        let points = sobol_points(8, 10, 0).unwrap();
        for (p, e) in points.iter().zip(&expected) {
            assert_eq!(p.as_slice(), e.as_slice());
        }
    }

    #[test]
    fn sobol_far_points_match_the_reference_in_all_32_bits() {
        // SciPy 1.17 qmc.Sobol(d=256, scramble=False, bits=32), fast-forwarded to point
        // 3_000_000_007, times 2^32.
        let points = sobol_points(3, SOBOL_MAX_DIMENSIONS, 3_000_000_007).unwrap();
        let scaled = |p: &[f64]| p.iter().map(|x| (x * 2f64.powi(32)) as u64).collect::<Vec<u64>>();
        assert_eq!(scaled(&points[0])[..4], [546184663, 2890359337, 2343286775, 1817477461]);
        assert_eq!(scaled(&points[2])[250..], [1887607797, 2776464341, 3884148987, 3105889017, 489551667, 4152530277]);
        // And point 1000 in the last dimensions.
        let p = &sobol_points(1001, SOBOL_MAX_DIMENSIONS, 0).unwrap()[1000];
        assert_eq!(
            scaled(p)[245..],
            [
                121634816, 3107979264, 3149922304, 2545942528, 1749024768, 3032481792, 734003200, 1631584256,
                2529165312, 1866465280, 1069547520
            ]
        );
    }

    #[test]
    fn sobol_skip_continues_the_sequence() {
        let all = sobol_points(300, 7, 0).unwrap();
        assert_eq!(sobol_points(100, 7, 200).unwrap(), all[200..]);
        assert_eq!(sobol_points(37, 7, 63).unwrap(), all[63..100]);
        assert!(sobol_points(0, 7, 5).unwrap().is_empty());
        let last = sobol_points(1, 2, SOBOL_MAX_POINTS - 1).unwrap();
        assert!(last[0].iter().all(|x| (0.0..1.0).contains(x)));
    }

    #[test]
    fn sobol_columns_are_balanced_for_a_power_of_two() {
        let n = 1024;
        let points = sobol_points(n, SOBOL_MAX_DIMENSIONS, 0).unwrap();
        for j in 0..SOBOL_MAX_DIMENSIONS {
            let mean = points.iter().map(|p| p[j]).sum::<f64>() / n as f64;
            assert!((mean - 0.5).abs() <= 0.5 / n as f64 + 1e-12, "dimension {j}: mean {mean}");
            // Each one-dimensional projection of the first 2^m points is exactly {k / 2^m}.
            let mut column: Vec<f64> = points.iter().map(|p| p[j]).collect();
            column.sort_by(f64::total_cmp);
            assert!(column.iter().enumerate().all(|(k, &x)| x == k as f64 / n as f64), "dimension {j}");
        }
    }

    #[test]
    fn sobol_first_two_dimensions_form_a_0_m_2_net() {
        // Every elementary box 2^-a x 2^-(10-a) holds exactly one of the first 2^10 points.
        let points = sobol_points(1024, 2, 0).unwrap();
        for a in 0..=10 {
            let mut count = vec![0; 1024];
            for p in &points {
                let i = (p[0] * (1u32 << a) as f64) as usize;
                let j = (p[1] * (1u32 << (10 - a)) as f64) as usize;
                count[(i << (10 - a)) | j] += 1;
            }
            assert!(count.iter().all(|&c| c == 1), "boxes of 2^-{a} x 2^-{}", 10 - a);
        }
    }

    #[test]
    fn sobol_refuses_what_it_cannot_make() {
        assert_eq!(
            sobol_points(1, SOBOL_MAX_DIMENSIONS + 1, 0),
            Err(DesignError::SobolDimensions { requested: SOBOL_MAX_DIMENSIONS + 1 })
        );
        assert!(matches!(sobol_points(2, 1, SOBOL_MAX_POINTS - 1), Err(DesignError::SobolLength { .. })));
        assert!(matches!(
            saltelli(8, SOBOL_MAX_DIMENSIONS / 2 + 1, SaltelliBase::Sobol { skip: 0 }),
            Err(DesignError::SobolDimensions { .. })
        ));
        assert!(saltelli(8, SOBOL_MAX_DIMENSIONS / 2, SaltelliBase::Sobol { skip: 0 }).is_ok());
    }

    #[test]
    fn saltelli_lists_a_b_then_each_ab_i() {
        let (n, d) = (16, 3);
        let design = saltelli(n, d, SaltelliBase::Sobol { skip: 0 }).unwrap();
        let joint = sobol_points(n, 2 * d, 0).unwrap();
        assert_eq!((design.n(), design.d(), design.len()), (n, d, n * (d + 2)));
        for (j, row) in joint.iter().enumerate() {
            assert_eq!(design.a()[j], row[..d]);
            assert_eq!(design.b()[j], row[d..]);
        }
        let points = design.points();
        assert_eq!(points.len(), n * (d + 2));
        for j in 0..n {
            assert_eq!(points[j], design.a()[j]);
            assert_eq!(points[n + j], design.b()[j]);
            assert_eq!(design.output_index(SaltelliBlock::A, j), j);
            assert_eq!(design.output_index(SaltelliBlock::B, j), n + j);
            for i in 0..d {
                let k = design.output_index(SaltelliBlock::AB(i), j);
                assert_eq!(k, (2 + i) * n + j);
                for c in 0..d {
                    let from = if c == i { &design.b()[j] } else { &design.a()[j] };
                    assert_eq!(points[k][c], from[c]);
                }
                assert_eq!(design.point(k), points[k]);
            }
        }
    }

    #[test]
    fn saltelli_lhs_base_is_two_latin_hypercubes() {
        let (n, d) = (50, 4);
        let design = saltelli(n, d, SaltelliBase::LatinHypercube { seed: 9 }).unwrap();
        for m in [design.a(), design.b()] {
            for j in 0..d {
                let mut seen: Vec<usize> = m.iter().map(|p| stratum(p[j], n)).collect();
                seen.sort_unstable();
                assert_eq!(seen, (0..n).collect::<Vec<_>>());
            }
        }
        assert_eq!(design, saltelli(n, d, SaltelliBase::LatinHypercube { seed: 9 }).unwrap());
        assert_ne!(design, saltelli(n, d, SaltelliBase::LatinHypercube { seed: 10 }).unwrap());
        let empty = saltelli(0, d, SaltelliBase::LatinHypercube { seed: 9 }).unwrap();
        assert!(empty.is_empty() && empty.points().is_empty());
    }

    #[test]
    fn morris_trajectories_move_one_factor_at_a_time_on_the_grid() {
        for (r, d, p) in [(50, 6, 4), (30, 3, 6), (10, 2, 2), (5, 1, 8)] {
            let design = morris(r, d, p, 3).unwrap();
            let delta = p as f64 / (2.0 * (p - 1) as f64);
            assert_eq!((design.r(), design.d(), design.levels(), design.delta()), (r, d, p, delta));
            let points = design.points();
            assert_eq!(points.len(), design.len());
            assert_eq!(points.len(), r * (d + 1));
            for (t, trajectory) in design.trajectories().iter().enumerate() {
                assert_eq!(trajectory.points, points[t * (d + 1)..(t + 1) * (d + 1)]);
                assert_eq!(trajectory.steps.len(), d);
                let mut moved = vec![0; d];
                for (s, step) in trajectory.steps.iter().enumerate() {
                    let (before, after) = (&trajectory.points[s], &trajectory.points[s + 1]);
                    moved[step.factor] += 1;
                    for c in 0..d {
                        if c == step.factor {
                            let change = after[c] - before[c];
                            assert!((change - if step.up { delta } else { -delta }).abs() < 1e-12);
                        } else {
                            assert_eq!(after[c], before[c]);
                        }
                    }
                }
                assert!(moved.iter().all(|&m| m == 1), "every factor moves exactly once");
                for x in trajectory.points.iter().flatten() {
                    let level = x * (p - 1) as f64;
                    assert!((0.0..=1.0).contains(x) && (level - level.round()).abs() < 1e-12);
                }
            }
        }
    }

    #[test]
    fn morris_starts_uniformly_over_levels_in_random_order() {
        let (r, d, p) = (2000, 3, 4);
        let design = morris(r, d, p, 8).unwrap();
        let mut starts = vec![0usize; p];
        let mut first_factor = vec![0usize; d];
        let mut ups = 0;
        for t in design.trajectories() {
            for x in &t.points[0] {
                starts[(x * (p - 1) as f64).round() as usize] += 1;
            }
            first_factor[t.steps[0].factor] += 1;
            ups += t.steps.iter().filter(|s| s.up).count();
        }
        let expect = (r * d / p) as f64;
        assert!(starts.iter().all(|&c| (c as f64 - expect).abs() < 0.1 * expect), "{starts:?}");
        let expect = (r / d) as f64;
        assert!(first_factor.iter().all(|&c| (c as f64 - expect).abs() < 0.1 * expect), "{first_factor:?}");
        let half = (r * d / 2) as f64;
        assert!((ups as f64 - half).abs() < 0.05 * half);
    }

    #[test]
    fn morris_is_deterministic_and_checks_levels() {
        assert_eq!(morris(20, 5, 4, 1).unwrap(), morris(20, 5, 4, 1).unwrap());
        assert_ne!(morris(20, 5, 4, 1).unwrap(), morris(20, 5, 4, 2).unwrap());
        for levels in [0, 1, 3, 5] {
            assert_eq!(morris(2, 2, levels, 0), Err(DesignError::MorrisLevels { levels }));
        }
        let empty = morris(0, 3, 4, 0).unwrap();
        assert!(empty.is_empty() && empty.points().is_empty());
        assert_eq!(morris(2, 0, 4, 0).unwrap().points(), vec![Vec::<f64>::new(); 2]);
    }
}
