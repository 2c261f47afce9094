//! Setting up a new follower, and log retention. The chapter's four steps: take a
//! consistent snapshot of the leader at an exact position in its replication log, without
//! locking; copy it to the new follower; the follower asks the leader for every change
//! since that position; once it has processed the backlog it has caught up. A leader that
//! keeps only part of its log (`log_start`) sends a follower that fell behind its start a
//! new snapshot instead. This file holds the setup phases and the snapshot messages.

use super::{Ctx, Replica, Role, Settings};
use crate::ids::NodeId;
use crate::log::Entry;
use crate::message::*;
use crate::scenario::{CopyMethod, LogRetention};
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq)]
pub struct SnapshotSend {
    pub position: u64,
    pub rows: u64,
    pub chunk: u32,
    pub of: u32,
    pub interval_ms: u64,
    pub data: Arc<[Entry]>,
    /// A file copy: the leader's log position as the copy read each part so far (its
    /// data is built from them when the last part is read).
    pub file_copy_read_at: Option<Vec<u64>>,
}

/// The four steps of setting up a new follower, plus "gave up".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetupPhase {
    WaitingForLeader,
    SnapshotRequested,
    Copying {
        position: u64,
        rows: u64,
        received: u32,
        of: u32,
    },
    CatchingUp {
        from: u64,
    },
    GaveUp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Setup {
    pub phase: SetupPhase,
    pub attempts: u32,
    pub leader: Option<NodeId>,
    pub since_ms: u64,
}

/// A new follower stops asking for snapshots after this many fail: the lesson is made.
pub const MAX_SNAPSHOT_ATTEMPTS: u32 = 3;

impl Replica {
    /// A brand-new follower, added while the cluster runs: it owns nothing yet.
    pub fn new_follower(id: NodeId, method: CopyMethod, ctx: &mut Ctx) -> Replica {
        let mut r = Replica::new(id);
        r.copy_method = method;
        r.setup = Some(Setup {
            phase: SetupPhase::WaitingForLeader,
            attempts: 0,
            leader: None,
            since_ms: ctx.now,
        });
        r
    }

    /// Position before which the leader has discarded its log (retention).
    pub fn log_start(&self, settings: &Settings) -> u64 {
        if settings.log_retention == LogRetention::UntilCaughtUp {
            return (self.log_discarded.max(self.log.snapshot_position) + 1)
                .min(self.log.last_position() + 1);
        }
        match settings.log_retention_entries {
            Some(keep) => {
                self.log
                    .last_position()
                    .saturating_sub(keep)
                    .max(self.log.snapshot_position)
                    + 1
            }
            None => 1,
        }
        .min(self.log.last_position() + 1)
        .max(1)
    }

    /// Still waiting for its data: a new follower that has not installed a copy yet.
    pub fn setup_blocks_log(&self) -> bool {
        matches!(
            self.setup.map(|s| s.phase),
            Some(
                SetupPhase::WaitingForLeader
                    | SetupPhase::SnapshotRequested
                    | SetupPhase::Copying { .. }
                    | SetupPhase::GaveUp
            )
        )
    }

    pub(super) fn request_snapshot(&mut self, leader: NodeId, attempts: u32, ctx: &mut Ctx) {
        self.setup = Some(Setup {
            phase: SetupPhase::SnapshotRequested,
            attempts,
            leader: Some(leader),
            since_ms: ctx.now,
        });
        ctx.send(
            leader,
            Payload::SnapshotRequest(SnapshotRequest {
                epoch: self.epoch,
                method: self.copy_method,
            }),
        );
    }

    pub(super) fn on_snapshot_needed(
        &mut self,
        from: NodeId,
        needed: SnapshotNeeded,
        ctx: &mut Ctx,
    ) {
        let SnapshotNeeded { epoch, log_start } = needed;
        // In a chain it may come from the predecessor; snapshots come from the head.
        let from_predecessor = self.chain_source(ctx) == Some(from);
        if !self.accept_epoch(from, epoch, !from_predecessor, ctx) {
            return;
        }
        if matches!(
            self.setup.map(|s| s.phase),
            Some(SetupPhase::SnapshotRequested | SetupPhase::Copying { .. } | SetupPhase::GaveUp)
        ) {
            // A new snapshot is already on its way (this answers an older request).
            return;
        }
        let attempts = self.setup.map(|s| s.attempts).unwrap_or(0) + 1;
        let requested = self.log.last_position() + 1;
        // A new follower gives up after a few tries (the lesson is made); a member keeps
        // trying, or it would never be in step again.
        let giving_up = attempts >= MAX_SNAPSHOT_ATTEMPTS && !ctx.members.is_live(self.id);
        ctx.happened(Happening::SnapshotTooOld {
            from,
            requested,
            log_start,
            attempt: attempts,
            giving_up,
        });
        let leader = self.leader.unwrap_or(from);
        if giving_up {
            ctx.happened(Happening::SnapshotGaveUp { attempts });
            self.setup = Some(Setup {
                phase: SetupPhase::GaveUp,
                attempts,
                leader: Some(leader),
                since_ms: ctx.now,
            });
            return;
        }
        self.request_snapshot(leader, attempts, ctx);
    }

    pub(super) fn on_snapshot_request(
        &mut self,
        from: NodeId,
        request: SnapshotRequest,
        ctx: &mut Ctx,
    ) {
        if self.role != Role::Leader {
            return;
        }
        // A consistent snapshot at an exact log position, taken without stopping writes
        // (or, for a locked copy, with writes stopped until it is sent). A file copy reads
        // its rows as it goes, so its data is only known at the end.
        let position = self.log.last_position();
        let method = request.method;
        if method == CopyMethod::LockedCopy {
            self.lock_writes(from, position, ctx);
        }
        let rows = (ctx.snapshot_rows)(&self.log, position);
        let file_copy = method == CopyMethod::FileCopy;
        let data: Arc<[Entry]> = if file_copy {
            Arc::new([])
        } else {
            self.log.slice(1, position).into()
        };
        let copy_ms = (rows * 1000)
            .div_ceil(ctx.settings.snapshot_rows_per_s)
            .max(1);
        let of = rows.clamp(1, 10) as u32;
        let interval_ms = copy_ms.div_ceil(of as u64).max(1);
        let peer = &mut self.peers[from.index()];
        peer.next = 0;
        peer.matched = 0;
        peer.stream_start = None;
        peer.last_heard_ms = ctx.now;
        peer.snapshot = Some(SnapshotSend {
            position,
            rows,
            chunk: 0,
            of,
            interval_ms,
            data,
            file_copy_read_at: file_copy.then(Vec::new),
        });
        ctx.happened(Happening::SnapshotTaken {
            follower: from,
            method,
            position,
            rows,
            copy_ms,
        });
        ctx.timer(TimerKind::SnapshotSend(from), interval_ms, 0);
    }

    pub(super) fn send_snapshot_chunk(&mut self, f: NodeId, ctx: &mut Ctx) {
        if self.role != Role::Leader {
            return;
        }
        let epoch = self.epoch;
        self.file_copy_reads_part(f);
        let finished = match &self.peers[f.index()].snapshot {
            Some(s) if s.chunk + 1 == s.of => s.file_copy_read_at.clone(),
            _ => None,
        };
        if let Some(read_at) = finished {
            let (data, read) = self.file_copy_finish(&read_at, ctx);
            if let Some(s) = &mut self.peers[f.index()].snapshot {
                s.position = read.position;
                s.data = data.clone();
            }
            ctx.happened(Happening::FileCopyRead {
                follower: f,
                read,
                data,
            });
        }
        let Some(s) = &mut self.peers[f.index()].snapshot else {
            return;
        };
        let last = s.chunk + 1 == s.of;
        let payload = Payload::SnapshotChunk(SnapshotChunk {
            epoch,
            position: s.position,
            rows: s.rows,
            chunk: s.chunk,
            of: s.of,
            data: last.then(|| s.data.clone()),
        });
        s.chunk += 1;
        let interval = s.interval_ms;
        if last {
            self.peers[f.index()].snapshot = None;
        } else {
            ctx.timer(TimerKind::SnapshotSend(f), interval, 0);
        }
        ctx.send(f, payload);
        if last {
            self.unlock_writes(f, ctx);
        }
    }

    pub(super) fn on_snapshot_chunk(&mut self, from: NodeId, part: SnapshotChunk, ctx: &mut Ctx) {
        let SnapshotChunk {
            epoch,
            position,
            rows,
            chunk,
            of,
            data,
        } = part;
        if !self.accept_epoch(from, epoch, true, ctx) {
            return;
        }
        let attempts = self.setup.map(|s| s.attempts).unwrap_or(0);
        self.setup = Some(Setup {
            phase: SetupPhase::Copying {
                position,
                rows,
                received: chunk + 1,
                of,
            },
            attempts,
            leader: Some(from),
            since_ms: ctx.now,
        });
        if let Some(data) = data {
            let old = self.log.install_snapshot(&data);
            if !old.is_empty() {
                ctx.happened(Happening::Truncated {
                    from_position: 1,
                    entries: old,
                    leader: from,
                });
            }
            self.confirmed = 0;
            // The snapshot is the leader's; but a chain member passes on and confirms only
            // what its predecessor holds, which the catch-up below verifies.
            let from_upstream = self.chain_source(ctx).is_none_or(|u| u == from);
            self.chain.upstream_match = if from_upstream { position } else { 0 };
            ctx.happened(Happening::SnapshotInstalled { position });
            self.setup = Some(Setup {
                phase: SetupPhase::CatchingUp { from: position },
                attempts,
                leader: Some(from),
                since_ms: ctx.now,
            });
            // A chain member that had to take a new snapshot catches up from its
            // predecessor, like any chain member; anyone else from the leader.
            let upstream = self.chain_source(ctx).unwrap_or(from);
            self.send_catch_up_request(upstream, ctx);
        }
    }

    /// The simulator's membership change once a new follower has caught up.
    pub fn on_caught_up(&mut self) {
        self.setup = None;
        self.needs_catch_up = false;
    }
    /// A heartbeat moves a new follower's set-up along: it asks this leader for a snapshot
    /// (again, if the leader changed or the copy stalled), notices it has caught up, or asks
    /// `upstream` again for the backlog after its snapshot if that stalled.
    pub(super) fn setup_on_heartbeat(
        &mut self,
        from: NodeId,
        upstream: NodeId,
        leader_last: u64,
        leader_has: u64,
        diverged: bool,
        ctx: &mut Ctx,
    ) {
        let Some(setup) = self.setup else {
            return;
        };
        let stalled_ms = 2 * ctx.settings.failover_timeout_ms;
        let changed_leader = setup.leader != Some(from);
        let stalled = ctx.now.saturating_sub(setup.since_ms) > stalled_ms;
        match setup.phase {
            SetupPhase::WaitingForLeader => self.request_snapshot(from, setup.attempts, ctx),
            SetupPhase::SnapshotRequested | SetupPhase::Copying { .. }
                if changed_leader || stalled =>
            {
                self.request_snapshot(from, setup.attempts, ctx)
            }
            SetupPhase::CatchingUp { .. }
                if ctx.members.is_live(self.id)
                    && self.log.last_position() >= leader_last
                    && !diverged =>
            {
                // A member that had to take a new snapshot (its leader's log no longer
                // reached back to it) is level with the leader again.
                self.setup = None;
                self.needs_catch_up = false;
                ctx.happened(Happening::CaughtUp {
                    follower: self.id,
                    position: self.log.last_position(),
                });
            }
            SetupPhase::CatchingUp { .. }
                if changed_leader
                    || stalled
                    || (self.log.last_position() < leader_has
                        && self.log.last_position() == self.position_at_last_heartbeat) =>
            {
                if let Some(s) = &mut self.setup {
                    s.leader = Some(from);
                    s.since_ms = ctx.now;
                }
                self.send_catch_up_request(upstream, ctx);
            }
            _ => {}
        }
    }
}
