//! The invariants of the ways of copying a new follower: a locked copy confirms nothing
//! during its lock; logs are compared where a file copy left a repeat in place of a write
//! it missed; and the engine and the checker judge each file copy alike.

use replication_sim::ids::NodeId;
use replication_sim::log::Entry;
use replication_sim::sim::Outcome;
use replication_sim::Sim;
use std::collections::{BTreeMap, BTreeSet};

/// Two logs agree at position `p`: the same entry, or, where a file copy missed a write
/// and holds a repeat instead (`copied`), an entry of the same epoch. Replication never
/// repairs that difference; `file_copy_judgements_agree` checks it is only there.
pub fn same_entry(copied: &BTreeSet<u64>, p: u64, a: Option<&Entry>, b: Option<&Entry>) -> bool {
    a == b || (copied.contains(&p) && matches!((a, b), (Some(a), Some(b)) if a.epoch == b.epoch))
}

/// A file copy is judged the same way by the engine and by the checker, from the logs
/// alone: whether the copy matched any state its leader ever had, and which replicas'
/// data differ from the leader's for good (and on which keys).
pub fn file_copy_judgements_agree(sim: &Sim) -> Result<(), String> {
    use replication_sim::checker;
    for c in &sim.file_copies {
        let leader = &sim.replicas[c.leader.index()].log;
        // The checker needs the leader's log as the copy read it: unchanged up to the copy's
        // end unless a failover since truncated it. The writes the copy missed must still be
        // in their places, and so must the newest entry it read (the copy's data holds it, at
        // the same position, from position 1): a log that holds the same entry at a position
        // holds the same entries below it. Checking the missed writes alone let a leader
        // that had since replaced the entries the copy read (w24 and w25 with epoch-2 ones,
        // in tests/regressions/file-copy-leader-log-replaced-since.json) through.
        let newest_read = (1..=c.read.position)
            .rev()
            .find(|p| c.read.missed.iter().all(|m| m.position != *p));
        let still_there = |p: u64| {
            let read = usize::try_from(p - 1).ok().and_then(|i| c.data.get(i));
            let now = leader.get(p);
            matches!((read, now), (Some(a), Some(b)) if a.epoch == b.epoch && a.write == b.write)
        };
        let unchanged = leader.last_position() >= c.read.position
            && newest_read.is_none_or(still_there)
            && c.read
                .missed
                .iter()
                .all(|m| leader.get(m.position).map(|e| e.write) == Some(m.write));
        if !unchanged {
            continue;
        }
        let judged = checker::matches_a_state_of(sim, &c.data, leader, c.read.position);
        if judged != c.read.matches_a_leader_state() {
            return Err(format!(
                "file_copy_judgements_agree: the copy to {} at {} ms matches a state of {}'s per checker: {judged}, per engine: {}",
                c.follower, c.at_ms, c.leader, c.read.matches_a_leader_state()
            ));
        }
    }
    let judged = checker::differs_for_good(sim);
    let engine: BTreeMap<NodeId, Vec<String>> = sim
        .differs_for_good()
        .into_iter()
        .map(|d| (d.replica, d.keys))
        .collect();
    if judged != engine {
        return Err(format!(
            "file_copy_judgements_agree: data differing from the leader's for good per checker {judged:?}, per engine {engine:?}"
        ));
    }
    Ok(())
}

/// While a leader's writes are locked for a copy, its log stays at the copy's position and
/// every write it holds is pending and on no replica: a locked copy confirms nothing
/// during the lock.
pub fn a_locked_copy_confirms_no_write_during_the_lock(sim: &Sim) -> Result<(), String> {
    for r in &sim.replicas {
        let Some(lock) = &r.write_lock else { continue };
        if r.log.last_position() != lock.position {
            return Err(format!(
                "a_locked_copy_confirms_no_write_during_the_lock: {} locked at position {} but its log reaches {}",
                r.id,
                lock.position,
                r.log.last_position()
            ));
        }
        for &(_, w) in &lock.held {
            let pending = sim
                .writes
                .get(w.index())
                .is_some_and(|x| x.outcome == Outcome::Pending);
            let held_somewhere = sim
                .replicas
                .iter()
                .any(|x| x.log.iter().any(|e| e.write == w));
            if !pending || held_somewhere {
                return Err(format!(
                    "a_locked_copy_confirms_no_write_during_the_lock: {w}, held by {}'s lock since {} ms, is {}",
                    r.id,
                    lock.since_ms,
                    if pending { "in a log" } else { "no longer pending" }
                ));
            }
        }
    }
    Ok(())
}
