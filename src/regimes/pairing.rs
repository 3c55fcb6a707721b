//! Random encounters: a uniformly random perfect matching of a regime's members each step
//! (with an odd number of members, one sits the step out).
//!
//! The permutation is drawn by Fisher-Yates from one stream per step. Pair exchanges then run
//! in parallel on a copy of the paired values laid out pair by pair (gather, exchange, scatter),
//! so no two threads ever touch the same agent. The scatter runs in parallel too: a matching
//! names each agent once, so the writes land on distinct agents. (Exchanging in place, without
//! the copy, measured slower: independent gathers keep many cache misses in flight, where a
//! pair's reads, exchange and writes in sequence keep few.)

use crate::disjoint::Disjoint;
use crate::rng::{Key, Streams, CHUNK};
use crate::world::World;
use rand::{Rng, RngExt};
use rayon::prelude::*;

/// Reusable buffers for pairing.
#[derive(Debug, Default, Clone)]
pub struct Pairing {
    order: Vec<u32>,
    values: Vec<i64>,
}

impl Pairing {
    /// Draws this step's matching of the members of `slot` from stream `key`: after the
    /// call, agents `order[2k]` and `order[2k + 1]` meet.
    pub fn draw(&mut self, world: &World, slot: u8, streams: &Streams, key: Key, step: u64) -> &[u32] {
        self.order.clear();
        self.order.extend((0..world.len() as u32).filter(|&i| world.agents.member[i as usize] == slot));
        let mut rng = streams.rng(key, step, 0);
        for i in (1..self.order.len()).rev() {
            let j = rng.random_range(0..=i as u32) as usize;
            self.order.swap(i, j);
        }
        &self.order
    }

    /// Applies `exchange(a, b, random)` to the integer column `column` of every pair of the
    /// last drawn matching, in parallel, where `a` and `b` are the two agents' values and
    /// `random` a fresh 64-bit draw from stream `key`. Returns the number of pairs.
    pub fn exchange<F>(&mut self, column: &mut [i64], streams: &Streams, key: Key, step: u64, exchange: F) -> usize
    where
        F: Fn(&mut i64, &mut i64, u64) + Sync,
    {
        let pairs = self.order.len() / 2;
        let order = &self.order[..2 * pairs];
        self.values.clear();
        self.values.resize(order.len(), 0);
        self.values.par_iter_mut().zip(order.par_iter()).for_each(|(v, &i)| *v = column[i as usize]);
        self.values.par_chunks_mut(2 * CHUNK).enumerate().for_each(|(c, chunk)| {
            let mut rng = streams.rng(key, step, c);
            for pair in chunk.chunks_exact_mut(2) {
                let (a, b) = pair.split_at_mut(1);
                exchange(&mut a[0], &mut b[0], rng.next_u64());
            }
        });
        let col = Disjoint::new(column);
        order.par_iter().zip(self.values.par_iter()).for_each(|(&i, &v)| {
            // SAFETY: `order` holds distinct agents (a permutation), so each is written once.
            unsafe { col.write(i as usize, v) }
        });
        pairs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::WorldSpec;
    use std::sync::Arc;

    fn spec(agents: usize) -> WorldSpec {
        WorldSpec {
            agents,
            population: Default::default(),
            resource: Default::default(),
            knowledge: Default::default(),
        }
    }

    #[test]
    fn matching_is_a_permutation_of_the_members() {
        let sc = spec(1001);
        let streams = Streams::new(1, 0);
        let net = Arc::new(crate::world::build_network(&sc, &streams));
        let mut world = World::new(&sc, &streams, net);
        world.agents.member[7] = crate::world::LEFT;
        let mut p = Pairing::default();
        let mut order = p.draw(&world, 0, &streams, Key::regime(0, 0, 0), 1).to_vec();
        assert_eq!(order.len(), 1000);
        let first = order.clone();
        order.sort_unstable();
        assert!(order.iter().zip((0..1001u32).filter(|&i| i != 7)).all(|(a, b)| *a == b));
        assert_ne!(first, p.draw(&world, 0, &streams, Key::regime(0, 0, 0), 2).to_vec(), "a new matching every step");
    }

    #[test]
    fn exchange_touches_each_paired_agent_once() {
        let sc = spec(9999);
        let streams = Streams::new(1, 0);
        let net = Arc::new(crate::world::build_network(&sc, &streams));
        let world = World::new(&sc, &streams, net);
        let mut p = Pairing::default();
        p.draw(&world, 0, &streams, Key::regime(0, 0, 0), 1);
        let mut col = vec![0i64; 9999];
        let pairs = p.exchange(&mut col, &streams, Key::regime(0, 1, 0), 1, |a, b, _| {
            *a += 1;
            *b += 1;
        });
        assert_eq!(pairs, 4999);
        assert_eq!(col.iter().filter(|&&v| v == 1).count(), 9998);
        assert_eq!(col.iter().filter(|&&v| v == 0).count(), 1);
    }
}
