use super::*;

fn gini(v: &[f64]) -> f64 {
    SortBuffer::default().sort(v.iter().copied()).gini()
}

#[test]
fn gini_of_a_sorted_slice_matches_the_sort() {
    let mut xs: Vec<f64> = (0..500).map(|i| ((i * 37) % 101) as f64 - 20.0).collect();
    let sorted = SortBuffer::default().sort(xs.iter().copied()).gini();
    xs.sort_unstable_by(f64::total_cmp);
    assert!((gini_sorted(&xs) - sorted).abs() < 1e-6);
    assert!(gini_sorted(&[0.0, 0.0]).is_nan());
    assert_eq!(gini_sorted(&[0.0, 0.0, 0.0, 4.0]), 0.75);
}

#[test]
fn gini_is_zero_for_equality() {
    assert_eq!(gini(&[3.0; 1000]), 0.0);
}

#[test]
fn gini_is_n_minus_one_over_n_when_one_holds_all() {
    for n in [2usize, 10, 1000] {
        let mut v = vec![0.0; n];
        v[n / 2] = 42.0;
        let expected = (n as f64 - 1.0) / n as f64;
        assert!((gini(&v) - expected).abs() < 1e-12, "n={n}: {}", gini(&v));
    }
}

#[test]
fn radix_gini_matches_exact_gini() {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
    let v: Vec<f64> = (0..100_000).map(|_| -100.0 * (1.0 - rng.random::<f64>()).ln()).collect();
    let (a, b) = (gini(&v), gini_exact(&v));
    assert!((a - b).abs() < 2e-7, "{a} vs {b}");
    assert!((a - 0.5).abs() < 0.01, "exponential law has Gini 1/2, got {a}");
}

#[test]
fn gini_with_debts_stays_within_zero_and_one() {
    // Balances summing to zero: one creditor, the rest equal debtors.
    let mut v = vec![-1.0; 9];
    v.push(9.0);
    let g = gini(&v);
    assert!(g > 0.0 && g <= 1.0, "{g}");
    // sum |x_i - x_j| = 2 * 9 * 10 = 180; 2 n sum|x| = 2 * 10 * 18 = 360.
    assert!((g - 0.5).abs() < 1e-12, "{g}");
    assert!(gini(&[0.0, 0.0]).is_nan());
}

#[test]
fn sorting_handles_negative_values_and_ties() {
    let v = [3.0, -1.0, 0.0, -5.5, 3.0, 2.0];
    let mut buf = SortBuffer::default();
    let s = buf.sort(v.iter().copied());
    let got: Vec<f64> = s.iter().collect();
    assert_eq!(got, vec![-5.5, -1.0, 0.0, 2.0, 3.0, 3.0]);
}

#[test]
fn palma_and_quantiles() {
    let v: Vec<f64> = (1..=100).map(f64::from).collect();
    let mut buf = SortBuffer::default();
    let s = buf.sort(v.iter().copied());
    // top 10: 91..=100 sums to 955; bottom 40: 1..=40 sums to 820.
    assert!((s.palma() - 955.0 / 820.0).abs() < 1e-12);
    assert_eq!(s.quantile(0.1), 10.0);
    assert_eq!(s.quantile(0.0), 1.0);
    assert_eq!(s.quantile(1.0), 100.0);
}

#[test]
fn quantile_without_sorting_matches_sorted_quantile() {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    for n in [1usize, 7, 1000, 150_000] {
        let v: Vec<f64> = (0..n).map(|_| if rng.random::<f64>() < 0.3 { 1.0 } else { rng.random::<f64>() }).collect();
        let keep = |i: usize| (i % 3 != 1).then_some(v[i]);
        let mut buf = SortBuffer::default();
        for q in [0.0, 0.1, 0.5, 0.9, 1.0] {
            let sorted = buf.sort_where(n, keep).quantile(q);
            assert_eq!(quantile_where(n, q, keep), sorted, "n={n} q={q}");
        }
    }
    assert!(quantile_where(10, 0.1, |_| None).is_nan());
}

#[test]
fn fast_ln_matches_ln() {
    let mut x = 1e-300;
    while x < 1e300 {
        for f in [1.0, std::f64::consts::SQRT_2, 1.41422, 1.9999, std::f64::consts::FRAC_1_SQRT_2, 3.3] {
            let y = x * f;
            assert!((fast_ln(y) - y.ln()).abs() <= 1e-9 * y.ln().abs().max(1.0), "{y}");
        }
        x *= 7.3;
    }
    assert_eq!(fast_ln(1.0), 0.0);
}

#[test]
fn parallel_sort_matches_std_sort_with_filter() {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    for n in [0usize, 1, 5, 70_000, 300_001] {
        let v: Vec<f64> = (0..n).map(|_| (rng.random::<f64>() - 0.3) * 1e3).collect();
        let mut expect: Vec<f32> = v.iter().filter(|x| **x < 200.0).map(|&x| x as f32).collect();
        expect.sort_by(f32::total_cmp);
        let mut buf = SortBuffer::default();
        let got: Vec<f32> = buf.sort_where(n, |i| (v[i] < 200.0).then_some(v[i])).iter().map(|x| x as f32).collect();
        assert_eq!(got, expect, "n={n}");
        // A buffer reused for a smaller input forgets the larger one.
        let small: Vec<f64> = buf.sort([2.0, 1.0].into_iter()).iter().collect();
        assert_eq!(small, vec![1.0, 2.0]);
    }
}

#[test]
fn sorted_theil_matches_theil() {
    let v: Vec<f64> = (0..20_000).map(|i| ((i * 7919) % 1000) as f64 * 0.25).collect();
    let s = SortBuffer::default().sort(v.iter().copied()).theil();
    assert!((s - theil(&v)).abs() < 1e-9, "{s} vs {}", theil(&v));
    assert!(SortBuffer::default().sort([1.0, -1.0, 2.0].into_iter()).theil().is_nan());
}

#[test]
fn spread_has_the_bits_of_each_statistic_alone() {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    for n in [3usize, 10, 4097, 200_003] {
        let v: Vec<f64> = (0..n).map(|_| (rng.random::<f64>() * 7.0).powi(3)).collect();
        let mut buf = SortBuffer::default();
        let s = buf.sort(v.iter().copied());
        let sp = s.spread();
        assert_eq!(sp.gini.to_bits(), s.gini().to_bits(), "n={n}");
        // Theil and Palma each as their own passes would compute them.
        let (total, _) = s.chunk_sums(|_, x| (x, 0.0));
        let inv = n as f64 / total;
        let (sum, _) = s.chunk_sums(|_, x| {
            let r = x * inv;
            (if r > 0.0 { r * fast_ln(r) } else { 0.0 }, 0.0)
        });
        assert_eq!(sp.theil.to_bits(), (sum / n as f64).to_bits(), "n={n}");
        assert!((sp.theil - theil(&v)).abs() < 1e-6, "n={n}");
        let b = (0.4 * n as f64).floor() as usize;
        let bottom: f64 = (0..b).map(|i| s.get(i)).sum();
        let top: f64 = (n - (0.1 * n as f64).floor() as usize..n).map(|i| s.get(i)).sum();
        if n >= 10 {
            assert!((sp.palma - top / bottom).abs() < 1e-9 * sp.palma, "n={n}");
        } else {
            assert!(sp.palma.is_nan());
        }
    }
}

#[test]
fn theil_bounds() {
    assert_eq!(theil(&[2.0; 50]), 0.0);
    let mut v = vec![0.0; 50];
    v[0] = 1.0;
    assert!((theil(&v) - (50f64).ln()).abs() < 1e-9);
    assert!(theil(&[1.0, -1.0, 2.0]).is_nan());
}
