//! Running counts of the writes' fates, kept as the run goes, so that the view drawn on every
//! animation frame costs the same at the 10th write as at the millionth: how many writes are
//! pending, confirmed, failed or lost, and which were lost (the "which, and why?" list).
//!
//! [`crate::fates::Fates`] is told of every change to a write (outcome, holders, loss) and
//! passes each change of fate on here. Like it, this keeps its sets in [`ChunkedVec`]s, so a
//! time-travel checkpoint still copies pointers.

use crate::chunked::ChunkedVec;
use crate::sim::{Outcome, WriteRecord};

/// Where a write stands, as far as counting goes (blocked is a kind of pending, worked out
/// from the leader's log when the view is built).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Fate {
    /// Not filed yet.
    #[default]
    Unfiled,
    Pending,
    Confirmed,
    Failed,
    /// Confirmed to the client, then lost.
    Lost,
}

impl Fate {
    pub fn of(w: &WriteRecord) -> Fate {
        if w.lost.is_some() {
            return Fate::Lost;
        }
        match w.outcome {
            Outcome::Pending => Fate::Pending,
            Outcome::Confirmed { .. } => Fate::Confirmed,
            Outcome::Failed { .. } => Fate::Failed,
        }
    }

    fn slot(self) -> usize {
        self as usize
    }
}

/// Lost writes are found by words of 64 ids, and words by blocks of this many: finding the
/// newest lost writes skips a block without one in a single step.
const WORDS_PER_BLOCK: usize = 64;

#[derive(Clone, Debug, Default)]
pub struct Tally {
    counts: [u64; 5],
    /// Bit per write id: lost.
    lost: ChunkedVec<u64>,
    /// Lost writes per block of [`WORDS_PER_BLOCK`] words.
    lost_per_block: ChunkedVec<u32>,
}

impl Tally {
    /// Moves write `id` from one fate to another.
    pub fn refile(&mut self, id: u32, old: Fate, new: Fate) {
        if old == new {
            return;
        }
        self.counts[old.slot()] = self.counts[old.slot()].saturating_sub(1);
        self.counts[new.slot()] += 1;
        if (old == Fate::Lost) != (new == Fate::Lost) {
            self.set_lost(id, new == Fate::Lost);
        }
    }

    fn set_lost(&mut self, id: u32, on: bool) {
        let word = id as usize / 64;
        let block = word / WORDS_PER_BLOCK;
        while self.lost.len() <= word {
            self.lost.push(0);
        }
        while self.lost_per_block.len() <= block {
            self.lost_per_block.push(0);
        }
        let w = self.lost.get_mut(word).expect("grown above");
        let bit = 1u64 << (id % 64);
        let c = self.lost_per_block.get_mut(block).expect("grown above");
        if on {
            *w |= bit;
            *c += 1;
        } else {
            *w &= !bit;
            *c -= 1;
        }
    }

    /// How many writes have this fate.
    pub fn count(&self, fate: Fate) -> u64 {
        self.counts[fate.slot()]
    }

    /// The newest `most` lost writes with ids below `end`, oldest first.
    pub fn lost_before(&self, end: u32, most: usize) -> Vec<u32> {
        let mut out = Vec::new();
        let end = end as usize;
        let mut word = end.div_ceil(64).min(self.lost.len());
        while word > 0 && out.len() < most {
            let block = (word - 1) / WORDS_PER_BLOCK;
            if self.lost_per_block.get(block).copied().unwrap_or(0) == 0 {
                word = block * WORDS_PER_BLOCK;
                continue;
            }
            word -= 1;
            let mut bits = self.lost.get(word).copied().unwrap_or(0);
            let base = word * 64;
            if base + 64 > end {
                // Only the ids below `end` of the last, partial word.
                let keep = end - base;
                bits &= if keep >= 64 {
                    u64::MAX
                } else {
                    (1u64 << keep) - 1
                };
            }
            while bits != 0 && out.len() < most {
                let top = 63 - bits.leading_zeros();
                out.push((base + top as usize) as u32);
                bits &= !(1u64 << top);
            }
        }
        out.reverse();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_lost_writes_below_a_bound_are_found_across_empty_blocks() {
        let mut t = Tally::default();
        let ids = [3u32, 64, 70, 5_000, 300_000, 300_001];
        for &i in &ids {
            t.refile(i, Fate::Unfiled, Fate::Confirmed);
            t.refile(i, Fate::Confirmed, Fate::Lost);
        }
        // A write that is no longer lost (its leader came back) leaves the list.
        t.refile(70, Fate::Lost, Fate::Confirmed);
        assert_eq!(t.count(Fate::Lost), 5);
        assert_eq!(t.count(Fate::Confirmed), 1);
        assert_eq!(
            t.lost_before(1_000_000, 10),
            vec![3, 64, 5_000, 300_000, 300_001]
        );
        assert_eq!(t.lost_before(300_001, 2), vec![5_000, 300_000]);
        assert_eq!(t.lost_before(65, 10), vec![3, 64]);
        assert_eq!(t.lost_before(64, 10), vec![3]);
        assert_eq!(t.lost_before(0, 10), Vec::<u32>::new());
    }
}
