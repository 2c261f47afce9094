//! The simulation's only source of randomness: PCG (`Pcg64Mcg`) seeded from the scenario,
//! with an independent sub-stream per component so that, say, adding a replica does not
//! shift the network's jitter draws.

use rand_core::{RngCore, SeedableRng};
use rand_pcg::Pcg64Mcg;

#[derive(Clone, Debug)]
pub struct Rng(Pcg64Mcg);

/// Sub-streams, one per component that draws random numbers.
#[derive(Clone, Copy, Debug)]
pub enum Stream {
    Network,
    Replica(u8),
    Client(u8),
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Rng {
    pub fn new(seed: u64, stream: Stream) -> Rng {
        let tag = match stream {
            Stream::Network => 1,
            Stream::Replica(n) => 0x100 + n as u64,
            Stream::Client(c) => 0x200 + c as u64,
        };
        let a = splitmix64(seed ^ splitmix64(tag));
        let b = splitmix64(a);
        let seed_bytes = ((a as u128) << 64 | b as u128).to_le_bytes();
        Rng(Pcg64Mcg::from_seed(seed_bytes))
    }

    /// Uniform in `0..=max`.
    pub fn up_to(&mut self, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        // Multiply-shift: unbiased enough for jitter, and no rejection loop.
        ((self.0.next_u64() as u128 * (max as u128 + 1)) >> 64) as u64
    }

    /// True with probability `p` (clamped to 0..=1).
    pub fn chance(&mut self, p: f64) -> bool {
        if p <= 0.0 {
            return false;
        }
        let x = (self.0.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        x < p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_draws_and_streams_are_independent() {
        let mut a = Rng::new(42, Stream::Network);
        let mut b = Rng::new(42, Stream::Network);
        let mut c = Rng::new(42, Stream::Replica(0));
        let xs: Vec<u64> = (0..8).map(|_| a.up_to(1000)).collect();
        let ys: Vec<u64> = (0..8).map(|_| b.up_to(1000)).collect();
        let zs: Vec<u64> = (0..8).map(|_| c.up_to(1000)).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
        assert!(xs.iter().all(|&x| x <= 1000));
        assert_eq!(a.up_to(0), 0);
    }
}
