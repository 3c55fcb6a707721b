//! The Sobol' low-discrepancy sequence (Sobol' 1967) with the direction numbers of Joe and
//! Kuo (2008), unscrambled.

use super::joe_kuo::JOE_KUO;
use super::DesignError;

/// The largest number of dimensions [`sobol_points`] can generate (so a Sobol'-based
/// [`super::saltelli::saltelli`] design takes at most half of it).
pub const SOBOL_MAX_DIMENSIONS: usize = JOE_KUO.len() + 1;

/// The number of points a Sobol' sequence has here: indices are 32-bit.
pub const SOBOL_MAX_POINTS: u64 = 1 << SOBOL_BITS;

const SOBOL_BITS: usize = 32;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::saltelli::{saltelli, SaltelliBase};

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
}
