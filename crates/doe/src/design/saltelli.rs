//! The A, B, AB_i matrices of Saltelli (2002) and Saltelli et al. (2010) for Sobol' indices.

use super::sample::latin_hypercube;
use super::sobol::sobol_points;
use super::DesignError;

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
/// hands [`crate::sobol_indices`] a slice of `n * (d + 2)` outputs in that same
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::testing::stratum;

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
}
