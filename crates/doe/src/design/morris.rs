//! The one-at-a-time trajectories of Morris (1991).

use super::DesignError;
use crate::draw::{below, shuffle};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

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
/// [`crate::morris_indices`] a slice of `r * (d + 1)` outputs in that order; a
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
/// Campolongo et al. (2007), whose mu* statistic [`crate::morris_indices`]
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

#[cfg(test)]
mod tests {
    use super::*;

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
