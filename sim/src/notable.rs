//! The notable moments of a run as typed values: what a page around the lab (a course page
//! driving the embed) hears about, without reading the log's sentences. Each is one of the
//! engine's notes, classified by its kind, its replica and its writes, and for the two
//! kinds whose note is shared with other happenings (an election started, a snapshot
//! installed) by the marks the engine keeps as it writes them.

use crate::ids::{ClientId, NodeId, WriteId};
use crate::sim::{LostReason, NoteKind, Sim};

/// Notes whose kind alone does not say which happening wrote them, by note index.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Marks {
    /// Notes that say a replica asked for votes (with whether it was a manual failover).
    elections: Vec<(usize, bool)>,
    /// Notes that say a new follower installed its snapshot.
    snapshots: Vec<usize>,
    /// Notes that say the controller appointed a leader.
    appointments: Vec<usize>,
}

impl Marks {
    /// The note about to be written at index `note` says `node` asks for votes.
    pub(crate) fn election_started(&mut self, note: usize, forced: bool) {
        self.elections.push((note, forced));
    }

    /// The note about to be written at index `note` says the controller appointed a leader.
    pub(crate) fn appointed(&mut self, note: usize) {
        self.appointments.push(note);
    }

    /// The note about to be written at index `note` says a snapshot was installed.
    pub(crate) fn snapshot_installed(&mut self, note: usize) {
        self.snapshots.push(note);
    }
}

/// Which of the chapter's read guarantees a read broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Guarantee {
    ReadYourWrites,
    MonotonicReads,
}

impl Guarantee {
    pub fn name(self) -> &'static str {
        match self {
            Guarantee::ReadYourWrites => "read_your_writes",
            Guarantee::MonotonicReads => "monotonic_reads",
        }
    }
}

/// One notable moment of the run.
#[derive(Clone, Debug, PartialEq)]
pub enum Notable {
    Crash {
        node: NodeId,
    },
    Restart {
        node: NodeId,
    },
    /// A replica asks for votes to become leader: after the failover timeout, or by hand.
    Failover {
        node: NodeId,
        manual: bool,
    },
    NewLeader {
        node: NodeId,
    },
    /// The controller `m1` appointed `node` leader (with `failover: controller`).
    Appointed {
        node: NodeId,
    },
    /// A leader stepped down (it heard of a newer epoch).
    StepDown {
        node: NodeId,
    },
    /// Writes confirmed to clients are gone: not on the new leader (or on no replica).
    WritesLost {
        writes: Vec<WriteId>,
        reason: Option<LostReason>,
    },
    SnapshotInstalled {
        node: NodeId,
    },
    CaughtUp {
        node: NodeId,
    },
    /// A client's read saw older data than a guarantee allows.
    ReadAnomaly {
        client: Option<ClientId>,
        node: NodeId,
        guarantee: Option<Guarantee>,
        write: Option<WriteId>,
    },
}

impl Sim {
    /// The notable moment the note at `index` records, if it records one, with its instant.
    pub fn notable(&self, index: usize) -> Option<(u64, Notable)> {
        let note = self.notes.get(index)?;
        let node = note.node;
        let what = match note.kind {
            NoteKind::Crash => Notable::Crash { node: node? },
            NoteKind::Restart => Notable::Restart { node: node? },
            NoteKind::Leader => Notable::NewLeader { node: node? },
            NoteKind::StepDown => Notable::StepDown { node: node? },
            NoteKind::CaughtUp => Notable::CaughtUp { node: node? },
            NoteKind::Election if self.marks.appointments.binary_search(&index).is_ok() => {
                Notable::Appointed { node: node? }
            }
            NoteKind::Election => {
                let at = self.marks.elections.binary_search_by_key(&index, |m| m.0);
                let manual = self.marks.elections[at.ok()?].1;
                Notable::Failover {
                    node: node?,
                    manual,
                }
            }
            NoteKind::CatchUp => {
                self.marks.snapshots.binary_search(&index).ok()?;
                Notable::SnapshotInstalled { node: node? }
            }
            NoteKind::Lost => Notable::WritesLost {
                writes: note.writes.clone(),
                // The engine writes one note per reason.
                reason: note
                    .writes
                    .first()
                    .and_then(|w| self.write(*w))
                    .and_then(|r| r.lost.as_ref())
                    .map(|l| l.reason),
            },
            NoteKind::Anomaly => self.anomaly(note.at_ms, node?, note.writes.first().copied()),
            _ => return None,
        };
        Some((note.at_ms, what))
    }

    /// The read, answered at `at_ms` by `node`, that broke a guarantee.
    fn anomaly(&self, at_ms: u64, node: NodeId, write: Option<WriteId>) -> Notable {
        let read = (0..self.reads.len())
            .rev()
            .filter_map(|i| self.reads.get(i))
            .take_while(|r| r.answered_at.is_none_or(|a| a >= at_ms))
            .find(|r| {
                r.answered_at == Some(at_ms)
                    && r.target == node
                    && (r.stale_own_write || r.went_back)
            });
        Notable::ReadAnomaly {
            client: read.map(|r| r.client),
            node,
            guarantee: read.map(|r| {
                if r.stale_own_write {
                    Guarantee::ReadYourWrites
                } else {
                    Guarantee::MonotonicReads
                }
            }),
            write,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::Preset;

    fn run(id: &str) -> Sim {
        let scenario = Preset::by_id(id).unwrap().scenario().unwrap();
        let mut sim = Sim::new(&scenario).unwrap();
        sim.run_until(sim.end_ms());
        sim
    }

    fn notables(sim: &Sim) -> Vec<Notable> {
        (0..sim.notes.len())
            .filter_map(|i| sim.notable(i))
            .map(|(_, n)| n)
            .collect()
    }

    /// The chapter's story of asynchronous failover, in order: the leader crashes, a
    /// follower times out and stands, it becomes leader, and the writes only the old leader
    /// had are lost, because it crashed before replicating them.
    #[test]
    fn async_failover_reads_as_crash_failover_new_leader_lost() {
        let sim = run("async-failover");
        let all = notables(&sim);
        let crash = all
            .iter()
            .position(|n| *n == Notable::Crash { node: NodeId(0) });
        let failover = all
            .iter()
            .position(|n| matches!(n, Notable::Failover { manual: false, .. }));
        let leader = all
            .iter()
            .position(|n| matches!(n, Notable::NewLeader { node } if *node != NodeId(0)));
        let lost = all
            .iter()
            .position(|n| matches!(n, Notable::WritesLost { .. }));
        assert!(
            crash < failover && failover < leader && leader < lost,
            "{all:?}"
        );
        let Some(Notable::WritesLost { writes, reason }) = lost.map(|i| &all[i]) else {
            unreachable!()
        };
        assert_eq!(*reason, Some(LostReason::LeaderCrashedBeforeReplicating));
        let report = sim.report();
        let ids: Vec<String> = writes.iter().map(|w| w.to_string()).collect();
        assert_eq!(ids, report.lost_writes);
    }

    /// A catch-up request shares its note kind with an installed snapshot: only the
    /// snapshot is a notable moment.
    #[test]
    fn a_snapshot_installed_is_told_apart_from_a_catch_up_request() {
        let sim = run("new-follower-snapshot");
        let installed = notables(&sim)
            .iter()
            .filter(|n| matches!(n, Notable::SnapshotInstalled { .. }))
            .count();
        assert_eq!(installed, 1);
        let restarted = run("follower-catch-up");
        assert!(!notables(&restarted)
            .iter()
            .any(|n| matches!(n, Notable::SnapshotInstalled { .. })));
    }

    /// Under a controller the story reads: the leader crashes, m1 appoints n3, n3 leads,
    /// and no replica asks for votes.
    #[test]
    fn controller_failover_reads_as_crash_appointed_new_leader() {
        let all = notables(&run("controller-failover"));
        let crash = all
            .iter()
            .position(|n| *n == Notable::Crash { node: NodeId(0) });
        let appointed = all
            .iter()
            .position(|n| *n == Notable::Appointed { node: NodeId(2) });
        let leader = all
            .iter()
            .position(|n| *n == Notable::NewLeader { node: NodeId(2) });
        assert!(
            crash.is_some() && crash < appointed && appointed < leader,
            "{all:?}"
        );
        assert!(!all.iter().any(|n| matches!(n, Notable::Failover { .. })));
    }
}
