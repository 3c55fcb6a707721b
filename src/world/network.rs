//! The social network, stored as compressed rows (one offsets vector, one targets vector).
//!
//! Links are undirected: every link appears in both agents' rows, rows are sorted, and there
//! are no self-loops or duplicates. The complete network stores nothing: every other agent is a
//! neighbour, which keeps it usable at a million agents.

use crate::rng::CHUNK;
use crate::scenario::NetworkSpec;
use rand::{Rng, RngExt};
use rayon::prelude::*;

/// An undirected social network over agents `0..n`.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    n: usize,
    complete: bool,
    offsets: Vec<u32>,
    targets: Vec<u32>,
}

impl Network {
    /// Builds the network the scenario names, drawing from `rng`.
    ///
    /// The caller has checked that the degree is below `n` (see scenario validation).
    pub fn build(spec: &NetworkSpec, n: usize, rng: &mut impl Rng) -> Network {
        match *spec {
            NetworkSpec::Ring { degree } => Network::from_rows(ring_rows(n, degree as usize)),
            NetworkSpec::SmallWorld { degree, rewire } => {
                let mut rows = ring_rows(n, degree as usize);
                rewire_watts_strogatz(&mut rows, degree as usize, rewire, rng);
                Network::from_rows(rows)
            }
            NetworkSpec::ScaleFree { degree } => {
                Network::from_rows(barabasi_albert(n, (degree as usize / 2).max(1), rng))
            }
            NetworkSpec::Complete {} => Network::complete(n),
        }
    }

    /// The complete network on `n` agents, stored implicitly.
    pub fn complete(n: usize) -> Network {
        Network { n, complete: true, offsets: Vec::new(), targets: Vec::new() }
    }

    /// Compresses adjacency rows (each sorted and free of duplicates) into offsets and targets.
    fn from_rows(mut rows: Vec<Vec<u32>>) -> Network {
        let n = rows.len();
        let mut offsets = Vec::with_capacity(n + 1);
        let total: usize = rows.iter().map(Vec::len).sum();
        let mut targets = Vec::with_capacity(total);
        offsets.push(0u32);
        for row in &mut rows {
            row.sort_unstable();
            row.dedup();
            targets.extend_from_slice(row);
            offsets.push(targets.len() as u32);
        }
        Network { n, complete: false, offsets, targets }
    }

    /// Number of agents.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether there are no agents.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Whether this is the implicit complete network.
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// Degree of agent `i`.
    pub fn degree(&self, i: usize) -> usize {
        if self.complete {
            self.n - 1
        } else {
            (self.offsets[i + 1] - self.offsets[i]) as usize
        }
    }

    /// The stored neighbours of `i`, sorted; empty for the complete network.
    pub fn neighbours(&self, i: usize) -> &[u32] {
        if self.complete {
            &[]
        } else {
            &self.targets[self.offsets[i] as usize..self.offsets[i + 1] as usize]
        }
    }

    /// Index range of `i`'s row in [`Network::targets`], for per-link buffers.
    pub fn row(&self, i: usize) -> std::ops::Range<usize> {
        if self.complete {
            0..0
        } else {
            self.offsets[i] as usize..self.offsets[i + 1] as usize
        }
    }

    /// All stored link targets, row after row.
    pub fn targets(&self) -> &[u32] {
        &self.targets
    }

    /// A neighbour of `i` chosen by the 32 random bits `r`, or `None` if `i` has none.
    pub fn random_neighbour(&self, i: usize, r: u32) -> Option<usize> {
        if self.complete {
            if self.n < 2 {
                return None;
            }
            // Uniform over the n - 1 others: draw in 0..n-1 and skip over i.
            let j = scale_u32(r, self.n - 1);
            Some(if j >= i { j + 1 } else { j })
        } else {
            let row = self.neighbours(i);
            if row.is_empty() {
                None
            } else {
                Some(row[scale_u32(r, row.len())] as usize)
            }
        }
    }

    /// Number of stored links counted once each (`n (n - 1) / 2` for the complete network).
    pub fn links(&self) -> usize {
        if self.complete {
            self.n * self.n.saturating_sub(1) / 2
        } else {
            self.targets.len() / 2
        }
    }

    /// Mean degree.
    pub fn mean_degree(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            2.0 * self.links() as f64 / self.n as f64
        }
    }

    /// Whether every agent can reach every other through links.
    pub fn is_connected(&self) -> bool {
        if self.complete || self.n <= 1 {
            return true;
        }
        let mut seen = vec![false; self.n];
        let mut stack = vec![0usize];
        seen[0] = true;
        let mut count = 1;
        while let Some(i) = stack.pop() {
            for &j in self.neighbours(i) {
                if !seen[j as usize] {
                    seen[j as usize] = true;
                    count += 1;
                    stack.push(j as usize);
                }
            }
        }
        count == self.n
    }

    /// Bytes held by the network's vectors.
    pub fn heap_bytes(&self) -> usize {
        (self.offsets.capacity() + self.targets.capacity()) * std::mem::size_of::<u32>()
    }
}

/// Maps 32 random bits to `0..n` without modulo bias worth measuring (multiply-shift).
#[inline]
pub fn scale_u32(r: u32, n: usize) -> usize {
    ((r as u64 * n as u64) >> 32) as usize
}

fn ring_rows(n: usize, degree: usize) -> Vec<Vec<u32>> {
    let half = degree / 2;
    (0..n)
        .map(|i| {
            let mut row = Vec::with_capacity(degree);
            for d in 1..=half {
                row.push(((i + d) % n) as u32);
                row.push(((i + n - d) % n) as u32);
            }
            row
        })
        .collect()
}

/// Watts and Strogatz (1998): each clockwise ring link is moved, with probability `p`, to a
/// uniformly drawn agent that is neither the agent itself nor already linked to it.
fn rewire_watts_strogatz(rows: &mut [Vec<u32>], degree: usize, p: f64, rng: &mut impl Rng) {
    let n = rows.len();
    if p <= 0.0 || n <= degree + 1 {
        return;
    }
    for d in 1..=degree / 2 {
        for i in 0..n {
            let old = ((i + d) % n) as u32;
            if !rng.random_bool(p) {
                continue;
            }
            // A handful of tries; if every draw is taken, the link stays (rare unless dense).
            for _ in 0..16 {
                let new = rng.random_range(0..n as u32);
                if new as usize == i || rows[i].contains(&new) {
                    continue;
                }
                if let Some(pos) = rows[i].iter().position(|&x| x == old) {
                    rows[i][pos] = new;
                    let back = &mut rows[old as usize];
                    if let Some(q) = back.iter().position(|&x| x as usize == i) {
                        back.swap_remove(q);
                    }
                    rows[new as usize].push(i as u32);
                }
                break;
            }
        }
    }
}

/// Barabasi and Albert (1999): a complete core of `m + 1` agents, then each newcomer links to
/// `m` distinct agents chosen with probability proportional to degree (drawn from the list of
/// link ends, so each draw is O(1)).
fn barabasi_albert(n: usize, m: usize, rng: &mut impl Rng) -> Vec<Vec<u32>> {
    let core = (m + 1).min(n);
    let mut rows: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut ends: Vec<u32> = Vec::with_capacity(2 * n * m);
    for i in 0..core {
        for j in 0..i {
            rows[i].push(j as u32);
            rows[j].push(i as u32);
            ends.push(i as u32);
            ends.push(j as u32);
        }
    }
    let mut chosen: Vec<u32> = Vec::with_capacity(m);
    for i in core..n {
        chosen.clear();
        while chosen.len() < m {
            let t = ends[rng.random_range(0..ends.len())];
            if !chosen.contains(&t) {
                chosen.push(t);
            }
        }
        for &t in &chosen {
            rows[i].push(t);
            rows[t as usize].push(i as u32);
            ends.push(i as u32);
            ends.push(t);
        }
    }
    rows
}

/// For every stored link `i -> j`, the position of `j -> i` (rows are sorted and links
/// symmetric, so a binary search finds it).
pub fn reverse_links(net: &Network) -> Vec<u32> {
    let mut rev = vec![0u32; net.targets().len()];
    rev.par_chunks_mut(CHUNK).enumerate().for_each(|(c, out)| {
        let base = c * CHUNK;
        for (k, r) in out.iter_mut().enumerate() {
            let e = base + k;
            let owner = owner_of(net, e);
            let j = net.targets()[e] as usize;
            let pos = net.neighbours(j).binary_search(&(owner as u32)).unwrap_or(0);
            *r = (net.row(j).start + pos) as u32;
        }
    });
    rev
}

/// The agent whose row holds stored link `e`.
pub fn owner_of(net: &Network, e: usize) -> usize {
    // Rows are contiguous and in agent order: binary search on row starts.
    let (mut lo, mut hi) = (0usize, net.len());
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if net.row(mid).start <= e {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn check_simple(net: &Network) {
        for i in 0..net.len() {
            let row = net.neighbours(i);
            assert!(row.windows(2).all(|w| w[0] < w[1]), "row {i} unsorted or duplicated");
            assert!(!row.contains(&(i as u32)), "self-loop at {i}");
            for &j in row {
                assert!(net.neighbours(j as usize).binary_search(&(i as u32)).is_ok(), "link {i}-{j} one-way");
            }
        }
    }

    #[test]
    fn ring_has_exact_degree() {
        let net = Network::build(&NetworkSpec::Ring { degree: 6 }, 100, &mut ChaCha8Rng::seed_from_u64(1));
        check_simple(&net);
        assert!((0..100).all(|i| net.degree(i) == 6));
        assert!(net.is_connected());
        assert_eq!(net.links(), 300);
    }

    #[test]
    fn small_world_keeps_mean_degree_and_connectivity() {
        let spec = NetworkSpec::SmallWorld { degree: 8, rewire: 0.2 };
        let net = Network::build(&spec, 5000, &mut ChaCha8Rng::seed_from_u64(2));
        check_simple(&net);
        assert!((net.mean_degree() - 8.0).abs() < 1e-9, "rewiring moves links, never adds or drops them");
        assert!(net.is_connected());
        // Rewiring happened: some agent's degree moved off 8.
        assert!((0..5000).any(|i| net.degree(i) != 8));
    }

    #[test]
    fn scale_free_has_mean_degree_and_hubs() {
        let spec = NetworkSpec::ScaleFree { degree: 8 };
        let net = Network::build(&spec, 20000, &mut ChaCha8Rng::seed_from_u64(3));
        check_simple(&net);
        assert!((net.mean_degree() - 8.0).abs() < 0.01, "mean degree {}", net.mean_degree());
        assert!(net.is_connected());
        let max = (0..20000).map(|i| net.degree(i)).max().unwrap();
        assert!(max > 100, "preferential attachment makes hubs, max degree {max}");
        assert!((0..20000).all(|i| net.degree(i) >= 4));
    }

    #[test]
    fn complete_network_is_implicit() {
        let net = Network::complete(1_000_000);
        assert_eq!(net.heap_bytes(), 0);
        assert_eq!(net.degree(5), 999_999);
        for r in [0u32, 1, u32::MAX / 2, u32::MAX] {
            let j = net.random_neighbour(5, r).unwrap();
            assert!(j != 5 && j < 1_000_000);
        }
    }

    #[test]
    fn reverse_links_point_back() {
        let spec = NetworkSpec::SmallWorld { degree: 6, rewire: 0.3 };
        let net = Network::build(&spec, 3000, &mut rand_chacha::ChaCha8Rng::seed_from_u64(4));
        let rev = reverse_links(&net);
        for i in 0..net.len() {
            for (e, &j) in net.row(i).zip(net.neighbours(i)) {
                let back = rev[e] as usize;
                assert_eq!(net.targets()[back] as usize, i);
                assert!(net.row(j as usize).contains(&back));
                assert_eq!(rev[back] as usize, e);
            }
        }
    }
}
