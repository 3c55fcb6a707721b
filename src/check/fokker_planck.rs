//! The stationary wealth distribution of the yard-sale model with redistribution, from its
//! Fokker-Planck equation (Boghosian, Devitt-Lee, Johnson, Li, Marcq and Wang 2017).
//!
//! In wealth units of the mean, each step every agent bets against one random other a share
//! `beta` of the poorer one's wealth on a fair coin, then moves a share `chi` of the way to the
//! mean. The density `rho(w)` then obeys
//!
//! `d rho / dt = -d/dw [chi (1 - w) rho] + d^2/dw^2 [D(w) rho]`, with
//! `D(w) = (beta^2 / 2) E[min(w, W)^2]` over the other agent's wealth `W ~ rho`.
//!
//! `D` depends on `rho`, so the stationary density solves a fixed point: with zero flux,
//! `D rho = C exp( integral of chi (1 - u) / D(u) du )`. [`stationary`] iterates that map on a
//! grid (damped, from the exponential law) until it stops changing. Written by hand: it is
//! thirty lines of quadrature, which no crate on the list does for this equation.

/// A density on a uniform grid, in units of the mean wealth.
#[derive(Debug, Clone)]
pub struct Density {
    /// Grid spacing.
    pub h: f64,
    /// Density at `i h`.
    pub rho: Vec<f64>,
    /// Distribution function at `i h`.
    pub cdf: Vec<f64>,
}

impl Density {
    /// The distribution function at `w` (in units of the mean), linearly interpolated.
    pub fn cdf_at(&self, w: f64) -> f64 {
        let x = w / self.h;
        if x <= 0.0 {
            return 0.0;
        }
        let i = x.floor() as usize;
        if i + 1 >= self.cdf.len() {
            return 1.0;
        }
        let t = x - i as f64;
        self.cdf[i] * (1.0 - t) + self.cdf[i + 1] * t
    }

    /// The mean, in units of the mean wealth (1 at the fixed point).
    pub fn mean(&self) -> f64 {
        // The integral of 1 - F.
        integral(self.h, self.cdf.iter().map(|f| 1.0 - f))
    }

    /// The Gini coefficient: `1 - integral of (1 - F)^2 / mean`.
    pub fn gini(&self) -> f64 {
        1.0 - integral(self.h, self.cdf.iter().map(|f| (1.0 - f) * (1.0 - f))) / self.mean()
    }
}

/// Trapezoid rule over equally spaced values.
fn integral(h: f64, values: impl Iterator<Item = f64>) -> f64 {
    let (mut sum, mut first, mut last) = (0.0, None, 0.0);
    for v in values {
        sum += v;
        first.get_or_insert(v);
        last = v;
    }
    h * (sum - 0.5 * (first.unwrap_or(0.0) + last))
}

/// Cumulative trapezoid integrals of `f` on the grid, starting from 0 at index 0.
fn cumulative(h: f64, f: &[f64], out: &mut Vec<f64>) {
    out.clear();
    out.push(0.0);
    for i in 1..f.len() {
        let prev = out[i - 1];
        out.push(prev + 0.5 * h * (f[i - 1] + f[i]));
    }
}

/// The stationary density for bet share `beta` and redistribution `chi` (both per step), on
/// `[0, w_max]` in units of the mean with `cells` cells.
pub fn stationary(beta: f64, chi: f64, w_max: f64, cells: usize) -> Density {
    let h = w_max / cells as f64;
    let x: Vec<f64> = (0..=cells).map(|i| i as f64 * h).collect();
    let mut rho: Vec<f64> = x.iter().map(|w| (-w).exp()).collect();
    let (mut cdf, mut second, mut drift_over_d) = (Vec::new(), Vec::new(), Vec::new());
    let mut d = vec![0.0; x.len()];
    let one = (1.0 / h).round() as usize;
    for _ in 0..2000 {
        let mass = integral(h, rho.iter().copied());
        rho.iter_mut().for_each(|r| *r /= mass);
        cumulative(h, &rho, &mut cdf);
        let moment: Vec<f64> = x.iter().zip(&rho).map(|(w, r)| w * w * r).collect();
        cumulative(h, &moment, &mut second);
        for i in 0..x.len() {
            d[i] = 0.5 * beta * beta * (second[i] + x[i] * x[i] * (1.0 - cdf[i]).max(0.0));
        }
        // phi(w) = integral from the mean (w = 1) of chi (1 - u) / D(u); D(0) = 0, so the
        // integrand starts at the first cell.
        drift_over_d.clear();
        drift_over_d.extend(x.iter().zip(&d).map(|(w, d)| if *d > 0.0 { chi * (1.0 - w) / d } else { 0.0 }));
        let mut phi = Vec::with_capacity(x.len());
        cumulative(h, &drift_over_d[1..], &mut phi);
        let at_mean = phi[one - 1];
        let mut change: f64 = 0.0;
        let mut new = vec![0.0; x.len()];
        for i in 1..x.len() {
            new[i] = (phi[i - 1] - at_mean).exp() / d[i];
        }
        let mass = integral(h, new.iter().copied());
        for i in 0..x.len() {
            let next = 0.5 * rho[i] + 0.5 * new[i] / mass;
            change = change.max((next - rho[i]).abs());
            rho[i] = next;
        }
        if change < 1e-12 {
            break;
        }
    }
    let mass = integral(h, rho.iter().copied());
    rho.iter_mut().for_each(|r| *r /= mass);
    cumulative(h, &rho, &mut cdf);
    Density { h, rho, cdf }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixed_point_has_the_mean_it_redistributes_toward() {
        let p = stationary(0.2, 0.05, 8.0, 8000);
        assert!((p.mean() - 1.0).abs() < 1e-3, "mean {}", p.mean());
        let g = p.gini();
        assert!(g > 0.1 && g < 0.5, "gini {g}");
        // More redistribution, less inequality; a larger bet, more.
        assert!(stationary(0.2, 0.1, 8.0, 8000).gini() < g);
        assert!(stationary(0.3, 0.05, 8.0, 8000).gini() > g);
    }
}
