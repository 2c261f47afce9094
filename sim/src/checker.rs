//! An independent judge of lost writes: from the client history (which writes were
//! confirmed) and the replicas' final logs alone, without the engine's own bookkeeping.
//! A test asserts that it and the engine always agree.

use crate::ids::{NodeId, WriteId};
use crate::sim::{Outcome, Sim};
use std::collections::BTreeSet;

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
