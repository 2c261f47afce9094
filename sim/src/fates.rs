//! Which writes an event can change the fate of, kept as the run goes, so that a change of
//! leader or a crash costs what it changes rather than a pass over every write of the run.
//!
//! The chapter's lost write is a confirmed write that the current leader does not have
//! (or, while there is none, that no replica has). So when replica `m` becomes leader, the
//! writes whose fate turns are the confirmed ones `m` lacks (now lost) and the lost ones
//! `m` holds (no longer lost). A crash of `m` concerns the confirmed writes that exist only
//! on `m`, and the requests whose client waits on `m`. Each of these is a set of write ids
//! per replica, kept as a bitmap in a [`ChunkedVec`] so that a time-travel checkpoint still
//! copies pointers.

use crate::chunked::ChunkedVec;
use crate::ids::{NodeId, WriteId, MAX_REPLICAS};
use crate::sim::{Outcome, WriteRecord};
use crate::view::tally::{Fate, Tally};

/// A set of write ids.
#[derive(Clone, Debug, Default)]
struct Bitmap(ChunkedVec<u64>);

impl Bitmap {
    fn set(&mut self, i: u32, on: bool) {
        let word = i as usize / 64;
        while self.0.len() <= word {
            self.0.push(0);
        }
        let w = self.0.get_mut(word).expect("grown above");
        if on {
            *w |= 1 << (i % 64);
        } else {
            *w &= !(1 << (i % 64));
        }
    }

    /// The ids in either set, in increasing order.
    fn union(&self, other: &Bitmap) -> Vec<WriteId> {
        let words = self.0.len().max(other.0.len());
        let mut out = Vec::new();
        for k in 0..words {
            let mut w = self.0.get(k).copied().unwrap_or(0) | other.0.get(k).copied().unwrap_or(0);
            while w != 0 {
                out.push(WriteId(k as u32 * 64 + w.trailing_zeros()));
                w &= w - 1;
            }
        }
        out
    }
}

/// What the sets know of one write: enough to take it out of the sets it was in.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Filed {
    /// Per replica: confirmed, not lost, and the replica lacks it.
    lacking: u16,
    /// Per replica: lost, and the replica holds it.
    lost_held: u16,
    /// The one replica that holds a confirmed write nobody else has (not lost).
    only_on: u16,
    /// The replica a pending request waits on.
    waiting_on: u16,
    /// Confirmed and held by no replica, not lost; or lost and held by some replica.
    leaderless_turn: bool,
    /// For the view's running counts.
    fate: Fate,
}

const ALL_REPLICAS: u16 = (1 << MAX_REPLICAS) - 1;

fn file(w: &WriteRecord) -> Filed {
    let confirmed = w.is_confirmed();
    let lost = w.lost.is_some();
    let held = w.holders & ALL_REPLICAS;
    Filed {
        lacking: if confirmed && !lost {
            !held & ALL_REPLICAS
        } else {
            0
        },
        lost_held: if confirmed && lost { held } else { 0 },
        only_on: if confirmed && !lost && held.count_ones() == 1 {
            held
        } else {
            0
        },
        waiting_on: if w.outcome == Outcome::Pending {
            w.sent_to.bit()
        } else {
            0
        },
        leaderless_turn: confirmed && (lost == (held != 0)),
        fate: Fate::of(w),
    }
}

#[derive(Clone, Debug, Default)]
pub struct Fates {
    filed: ChunkedVec<Filed>,
    lacking: [Bitmap; MAX_REPLICAS],
    lost_held: [Bitmap; MAX_REPLICAS],
    only_on: [Bitmap; MAX_REPLICAS],
    waiting_on: [Bitmap; MAX_REPLICAS],
    leaderless_turn: Bitmap,
    tally: Tally,
}

fn refile_bits(sets: &mut [Bitmap; MAX_REPLICAS], id: u32, old: u16, new: u16) {
    let mut changed = old ^ new;
    while changed != 0 {
        let m = changed.trailing_zeros() as usize;
        sets[m].set(id, new & (1 << m) != 0);
        changed &= changed - 1;
    }
}

impl Fates {
    /// See [`ChunkedVec::unshared_bytes`].
    pub fn unshared_bytes(&self) -> usize {
        let sets = self.lacking.iter().chain(&self.lost_held);
        let sets = sets.chain(&self.only_on).chain(&self.waiting_on);
        let bits: usize = sets.map(|b| b.0.unshared_bytes()).sum();
        self.filed.unshared_bytes() + bits + self.leaderless_turn.0.unshared_bytes()
    }

    /// Files write `w` anew after any change to its outcome, holders, loss or target.
    pub fn refile(&mut self, w: &WriteRecord) {
        let id = w.id.0;
        while self.filed.len() <= id as usize {
            self.filed.push(Filed::default());
        }
        let new = file(w);
        let old = *self.filed.get(id as usize).expect("grown above");
        if old == new {
            return;
        }
        refile_bits(&mut self.lacking, id, old.lacking, new.lacking);
        refile_bits(&mut self.lost_held, id, old.lost_held, new.lost_held);
        refile_bits(&mut self.only_on, id, old.only_on, new.only_on);
        refile_bits(&mut self.waiting_on, id, old.waiting_on, new.waiting_on);
        if old.leaderless_turn != new.leaderless_turn {
            self.leaderless_turn.set(id, new.leaderless_turn);
        }
        self.tally.refile(id, old.fate, new.fate);
        *self.filed.get_mut(id as usize).expect("grown above") = new;
    }

    /// The writes' fates counted so far (what the view shows on every frame).
    pub fn tally(&self) -> &Tally {
        &self.tally
    }

    /// The confirmed writes whose fate turns when `leader` takes over (or, if `None`, when
    /// the cluster is left without one), in id order.
    pub fn turned_by_leader(&self, leader: Option<NodeId>) -> Vec<WriteId> {
        match leader {
            Some(l) => self.lacking[l.index()].union(&self.lost_held[l.index()]),
            None => self.leaderless_turn.union(&Bitmap::default()),
        }
    }

    /// Confirmed writes, not lost, that exist only on `n`, in id order.
    pub fn only_on(&self, n: NodeId) -> Vec<WriteId> {
        self.only_on[n.index()].union(&Bitmap::default())
    }

    /// Writes whose client is waiting for `n` to answer, in id order.
    pub fn waiting_on(&self, n: NodeId) -> Vec<WriteId> {
        self.waiting_on[n.index()].union(&Bitmap::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bitmap_lists_its_members_in_order_across_words() {
        let mut a = Bitmap::default();
        let mut b = Bitmap::default();
        for i in [3, 64, 200] {
            a.set(i, true);
        }
        b.set(5, true);
        b.set(64, true);
        a.set(3, false);
        let ids: Vec<u32> = a.union(&b).iter().map(|w| w.0).collect();
        assert_eq!(ids, vec![5, 64, 200]);
    }
}
