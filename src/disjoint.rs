//! Parallel writes to positions of one buffer that no two tasks share.
//!
//! Random matchings pair agents anywhere in the world, and a radix sort scatters keys
//! anywhere in its output: the positions each task touches are disjoint by construction (a
//! permutation, a block's own range of offsets), but not contiguous, so safe Rust's split
//! borrows cannot express them. [`Disjoint`] holds the buffer's pointer for such tasks; every
//! use states why its positions are disjoint. Hand-written because rayon has no scatter, and
//! the crates that offer one (e.g. `disjoint_borrow`) check indices at a cost this hot loop
//! cannot pay.

use std::marker::PhantomData;

/// A mutable buffer shared by parallel tasks that touch disjoint positions of it.
#[derive(Clone, Copy)]
pub struct Disjoint<'a, T> {
    ptr: *mut T,
    len: usize,
    _buffer: PhantomData<&'a mut [T]>,
}

// SAFETY: tasks only reach positions no other task reaches (the callers' contract, below), so
// sharing the pointer across threads creates no data race.
unsafe impl<T: Send> Send for Disjoint<'_, T> {}
unsafe impl<T: Send> Sync for Disjoint<'_, T> {}

impl<'a, T> Disjoint<'a, T> {
    /// Shares `buffer` for the duration of its borrow.
    pub fn new(buffer: &'a mut [T]) -> Self {
        Disjoint { ptr: buffer.as_mut_ptr(), len: buffer.len(), _buffer: PhantomData }
    }

    /// The positions `start..start + len` of the buffer.
    ///
    /// # Safety
    /// No other task may touch any of these positions while the slice lives.
    #[inline]
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn slice(&self, start: usize, len: usize) -> &mut [T] {
        assert!(start <= self.len && len <= self.len - start, "disjoint slice out of bounds");
        // SAFETY: in bounds (checked above); exclusive by the caller's contract.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(start), len) }
    }

    /// Writes `value` at `i`.
    ///
    /// # Safety
    /// `i` must be below the length (checked: out of bounds panics), and no other task may
    /// touch position `i` during the parallel section.
    #[inline]
    pub unsafe fn write(&self, i: usize, value: T) {
        assert!(i < self.len, "disjoint write out of bounds");
        // SAFETY: `i < len` (checked above); exclusive by the caller's contract.
        unsafe { self.ptr.add(i).write(value) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rayon::prelude::*;

    #[test]
    fn a_permutation_scatters_every_value_once() {
        let n = 100_003usize;
        let perm: Vec<usize> = (0..n).map(|i| (i * 7919) % n).collect();
        let mut out = vec![0usize; n];
        let d = Disjoint::new(&mut out);
        perm.par_iter().enumerate().for_each(|(i, &p)| {
            // SAFETY: `perm` is a permutation (7919 is prime to n), so each `p` is written once.
            unsafe { d.write(p, i) }
        });
        assert!(out.iter().enumerate().all(|(i, &v)| perm[v] == i));
    }

    #[test]
    #[should_panic(expected = "out of bounds")]
    fn slices_are_bounds_checked() {
        let mut v = vec![0u8; 4];
        let d = Disjoint::new(&mut v);
        // SAFETY: a single task; the call must fail on bounds before touching anything.
        let _ = unsafe { d.slice(3, 2) };
    }
}
