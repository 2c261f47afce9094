//! An independent judge of lost writes: from the client history (which writes were
//! confirmed) and the replicas' final logs alone, without the engine's own bookkeeping.
//! A test asserts that it and the engine always agree. Likewise for file copies: whether a
//! copy matches any state the leader ever had, and which replicas' data differ for good.

use crate::ids::{NodeId, WriteId};
use crate::log::{Entry, Log};
use crate::sim::{KeySlot, Outcome, Sim};
use std::collections::{BTreeMap, BTreeSet};

/// A confirmed write is lost if the current leader (the up replica leading the highest
/// epoch) does not hold it; while there is no leader, if no replica holds it.
pub fn lost_writes(sim: &Sim) -> BTreeSet<WriteId> {
    let confirmed: BTreeSet<WriteId> = sim
        .writes
        .iter()
        .filter(|w| matches!(w.outcome, Outcome::Confirmed { .. }))
        .map(|w| w.id)
        .collect();
    let leader: Option<NodeId> = sim
        .replicas
        .iter()
        .filter(|r| r.up && r.role == crate::replica::Role::Leader)
        .max_by_key(|r| (r.epoch, std::cmp::Reverse(r.id)))
        .map(|r| r.id);
    let surviving: BTreeSet<WriteId> = match leader {
        Some(l) => sim.replicas[l.index()]
            .log
            .iter()
            .map(|e| e.write)
            .collect(),
        None => sim
            .replicas
            .iter()
            .flat_map(|r| r.log.iter().map(|e| e.write))
            .collect(),
    };
    confirmed.difference(&surviving).copied().collect()
}

/// What the engine itself says is lost.
pub fn engine_lost_writes(sim: &Sim) -> BTreeSet<WriteId> {
    sim.writes
        .iter()
        .filter(|w| w.lost.is_some())
        .map(|w| w.id)
        .collect()
}

/// Replicas whose data differ from the current leader's for good, judged from the logs and
/// the writes' keys alone, without the engine's books on file copies: where both logs hold
/// an entry of the same epoch at a position but different writes (replication never does
/// that: an epoch's leader puts one write at each position), and the keys whose last
/// write up to the replica's last position differ. Keys in key order, by name.
pub fn differs_for_good(sim: &Sim) -> BTreeMap<NodeId, Vec<String>> {
    let mut out = BTreeMap::new();
    let Some(l) = sim.current_leader() else {
        return out;
    };
    let leader = &sim.replicas[l.index()].log;
    for r in sim.replicas.iter().filter(|r| r.id != l) {
        // Only as far as both hold the same epochs: beyond, the follower's entries are of
        // an epoch the leader replaced, and it will discard them.
        let common = r.log.last_position().min(leader.last_position());
        let end = (1..=common)
            .find(|&p| matches!((r.log.get(p), leader.get(p)), (Some(a), Some(b)) if a.epoch != b.epoch))
            .map_or(common, |p| p - 1);
        let differs = (1..=end).any(|p| match (r.log.get(p), leader.get(p)) {
            (Some(a), Some(b)) => a.epoch == b.epoch && a.write != b.write,
            _ => false,
        });
        if !differs {
            continue;
        }
        let (mine, theirs) = (state_upto(sim, &r.log, end), state_upto(sim, leader, end));
        let keys: BTreeSet<&KeySlot> = mine.keys().chain(theirs.keys()).collect();
        let differing = keys
            .into_iter()
            .filter(|k| mine.get(*k) != theirs.get(*k))
            .map(|k| match k {
                KeySlot::Workload(i) => format!("k{}", i + 1),
                KeySlot::Manual(s) => s.clone(),
            })
            .collect();
        out.insert(r.id, differing);
    }
    out
}

/// Whether a copy's data (a log, read for its key-value state) equals the state `leader`
/// had at some log position up to `end`: what any consistent copy must do.
pub fn matches_a_state_of(sim: &Sim, data: &[Entry], leader: &Log, end: u64) -> bool {
    let mut copy: BTreeMap<KeySlot, WriteId> = BTreeMap::new();
    for e in data {
        if let Some(w) = sim.write(e.write) {
            copy.insert(w.key_slot(), e.write);
        }
    }
    // Walk the leader's states position by position, counting the keys that disagree.
    let mut state: BTreeMap<KeySlot, WriteId> = BTreeMap::new();
    let mut disagree = copy.len();
    if disagree == 0 {
        return true;
    }
    for p in 1..=end.min(leader.last_position()) {
        let Some(e) = leader.get(p) else { break };
        let Some(w) = sim.write(e.write) else {
            continue;
        };
        let k = w.key_slot();
        let before = state.get(&k) == copy.get(&k);
        state.insert(k.clone(), e.write);
        let after = copy.get(&k) == Some(&e.write);
        match (before, after) {
            (true, false) => disagree += 1,
            (false, true) => disagree -= 1,
            _ => {}
        }
        if disagree == 0 {
            return true;
        }
    }
    false
}

fn state_upto(sim: &Sim, log: &Log, end: u64) -> BTreeMap<KeySlot, WriteId> {
    let mut state = BTreeMap::new();
    for p in 1..=end {
        if let Some(e) = log.get(p) {
            if let Some(w) = sim.write(e.write) {
                state.insert(w.key_slot(), e.write);
            }
        }
    }
    state
}
