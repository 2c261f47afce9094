//! A serialisable picture of the cluster at one instant: what the UI draws. Everything is
//! precomputed here (statuses, progress, lag, sentences), so components only lay it out.

mod chain;
mod controller;
mod kinds;
pub mod tally;

use crate::ids::*;
use crate::message::MessageKind;
use crate::replica::{Replica, Role, SetupPhase};
use crate::scenario::{CopyMethod, ReadFrom};
use crate::sim::{LinkFault, LostReason, NoteKind, Outcome, Sim, WriteRecord};
use crate::Mode;
pub use controller::{ControllerView, NodeKind};
pub use kinds::*;
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct View {
    pub now_ms: u64,
    pub end_ms: u64,
    pub mode: Mode,
    pub write_quorum: u8,
    pub fencing: bool,
    pub failover_timeout_ms: u64,
    pub latency_ms: u64,
    pub jitter_ms: u64,
    /// None when clients do not read.
    pub read_from: Option<ReadFrom>,
    /// Each client's steady write interval; 0 when there is no steady workload.
    pub workload_every_ms: u64,
    pub leader: Option<String>,
    pub epoch: u32,
    pub replicas: Vec<ReplicaView>,
    /// Chain replication: the chain as its head has it, head first (writes pass down it,
    /// confirmations back up); empty in other modes and while there is no head.
    pub chain: Vec<String>,
    /// The controller `m1`, with `failover: controller`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub controller: Option<ControllerView>,
    pub clients: Vec<ClientView>,
    pub links: Vec<LinkView>,
    pub messages: Vec<MessageView>,
    pub writes: Vec<WriteView>,
    pub events: Vec<EventView>,
    pub counts: Counts,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReplicaView {
    pub id: String,
    pub role: ReplicaRole,
    pub up: bool,
    pub epoch: u32,
    pub last_position: u64,
    /// Highest position this replica knows is confirmed.
    pub confirmed_position: u64,
    /// First position still in the log (older ones dropped by retention).
    pub log_start: u64,
    pub snapshot_position: u64,
    /// The tail of the log, oldest first.
    pub entries: Vec<EntryView>,
    /// Entries behind the leader, and how long the oldest missing one has waited.
    pub lag_entries: u64,
    pub lag_ms: u64,
    pub setup: Option<SetupView>,
    pub sync_follower: bool,
    /// Its place in the chain (chain replication); None when not in the chain.
    pub chain: Option<ChainLink>,
    /// In the chain, spliced out of it, or catching up to join at its tail; None outside
    /// chain mode.
    pub chain_status: Option<ChainStatus>,
    pub leader_known: Option<String>,
    /// Its data differs from the leader's for good (a file copy missed writes): the keys
    /// whose values differ at its log position. `None` when it holds what the leader held.
    pub differs_from_leader: Option<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EntryView {
    pub position: u64,
    pub epoch: u32,
    pub write: String,
    pub key: String,
    pub value: String,
    pub status: EntryStatus,
    pub held_by: u8,
    pub of: u8,
    /// The cell's glyph, readable without colour: "✓", the number of replicas holding it,
    /// "‖" (blocked) or "✗" (see [`EntryStatus::label`]).
    pub label: String,
    pub tooltip: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SetupView {
    pub phase: SetupStage,
    pub snapshot_position: u64,
    /// 0..=1 progress of the current phase.
    pub progress: f64,
    pub detail: String,
    pub attempts: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClientView {
    pub id: String,
    pub believed_leader: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LinkView {
    pub source: String,
    pub target: String,
    /// Partitions show as cut.
    pub state: LinkState,
    pub slow_factor: u32,
    pub drop_probability: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MessageView {
    pub id: u64,
    pub kind: MessageKind,
    pub source: String,
    pub target: String,
    pub sent_at_ms: u64,
    pub deliver_at_ms: u64,
    /// 0..=1 along the link: (now - sent_at) / (deliver_at - sent_at).
    pub progress: f64,
    pub summary: String,
    /// Will be dropped on arrival (lossy link, or its target is down).
    pub doomed: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WriteView {
    pub id: String,
    pub client: String,
    pub key: String,
    pub value: String,
    pub status: WriteStatus,
    pub invoked_at_ms: u64,
    pub confirmed_at_ms: Option<u64>,
    pub latency_ms: Option<u64>,
    pub replicas: Vec<String>,
    pub confirmed_by: Option<String>,
    /// Why it was lost (the report prints its code: "leader_crashed_before_replicating", ...).
    pub lost_reason: Option<LostReason>,
    pub reason: Option<String>,
    pub lost_at_ms: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventView {
    pub at_ms: u64,
    pub kind: NoteKind,
    pub notable: bool,
    pub text: String,
    pub node: Option<String>,
    pub writes: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Counts {
    /// Reads answered, and those that broke read-your-writes or monotonic reads.
    pub reads: u64,
    pub read_your_writes_violations: u64,
    pub monotonic_read_violations: u64,
    pub invoked: u64,
    pub confirmed: u64,
    pub lost: u64,
    pub failed: u64,
    pub blocked: u64,
    pub pending: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ViewOptions {
    /// Log entries shown per replica (the newest).
    pub log_window: usize,
    /// Most recent writes listed (lost writes are always listed).
    pub recent_writes: usize,
    /// Most recent event-log sentences.
    pub recent_events: usize,
    /// Most lost writes listed from before the recent ones (the newest of them).
    pub older_lost: usize,
}

impl Default for ViewOptions {
    fn default() -> Self {
        // Enough for the panels (a dozen recent writes, the event log's visible part); every
        // item is built each animation frame, so no more.
        ViewOptions {
            log_window: 12,
            recent_writes: 16,
            recent_events: 40,
            older_lost: 200,
        }
    }
}

/// What replica `n` is doing, as the reader sees it.
pub fn role_of(sim: &Sim, n: NodeId) -> ReplicaRole {
    let r = &sim.replicas[n.index()];
    if !r.up {
        ReplicaRole::Down
    } else if r.setup.is_some() && r.role != Role::Leader {
        ReplicaRole::NewFollower
    } else {
        match r.role {
            Role::Leader => ReplicaRole::Leader,
            Role::Follower => ReplicaRole::Follower,
            Role::Candidate => ReplicaRole::Candidate,
        }
    }
}

/// A write's fate so far, as the report, the app and the trace hash state it; `blocked` lists the pending writes the mode cannot confirm.
pub(crate) fn write_status(w: &WriteRecord, blocked: &BTreeSet<WriteId>) -> WriteStatus {
    if w.lost.is_some() {
        WriteStatus::Lost
    } else {
        match w.outcome {
            Outcome::Confirmed { .. } => WriteStatus::Confirmed,
            Outcome::Failed { .. } => WriteStatus::Failed,
            Outcome::Pending if blocked.contains(&w.id) => WriteStatus::Blocked,
            Outcome::Pending => WriteStatus::Pending,
        }
    }
}

/// One cell of a replica's log: the entry at `position`, and where its write stands.
fn entry_view(
    e: &crate::log::Entry,
    position: u64,
    w: &WriteRecord,
    blocked: &BTreeSet<WriteId>,
    live_count: u8,
) -> EntryView {
    let held_by = w.holders.count_ones() as u8;
    let status = if w.lost.is_some() {
        EntryStatus::Lost
    } else if w.is_confirmed() {
        EntryStatus::Confirmed
    } else if blocked.contains(&w.id) {
        EntryStatus::Blocked
    } else if held_by <= 1 {
        EntryStatus::LeaderOnly
    } else {
        EntryStatus::Replicated
    };
    let tooltip = format!(
        "{} · {} = {} · position {position}, epoch {} · on {} of {} replicas · {}",
        w.id,
        w.key(),
        w.value(),
        e.epoch,
        held_by,
        live_count,
        match (&w.lost, &w.outcome) {
            (Some(l), _) => format!("lost: {}", l.reason.explain()),
            (None, Outcome::Confirmed { at, .. }) => format!("confirmed to the client at {at} ms"),
            (None, Outcome::Failed { reason, .. }) => format!("failed: {reason}"),
            (None, Outcome::Pending) => "not yet confirmed".into(),
        }
    );
    EntryView {
        position,
        epoch: e.epoch,
        write: w.id.to_string(),
        key: w.key(),
        value: w.value(),
        status,
        held_by,
        of: live_count,
        label: status.label(held_by),
        tooltip,
    }
}

/// A new follower's progress through snapshot, copy and catch-up.
fn setup_view(r: &Replica, leader_last: u64) -> Option<SetupView> {
    let last = r.log.last_position();
    r.setup.map(|s| {
        let (phase, progress, detail, snapshot_position) = match s.phase {
            SetupPhase::WaitingForLeader => (
                SetupStage::Waiting,
                0.0,
                "waiting to hear from the leader".to_string(),
                0,
            ),
            SetupPhase::SnapshotRequested => (
                SetupStage::SnapshotRequested,
                0.0,
                "asked the leader for a snapshot".to_string(),
                0,
            ),
            SetupPhase::Copying {
                position,
                rows,
                received,
                of,
            } => {
                // The same parts for each way of copying, but not the same copy.
                let (stage, what) = match r.copy_method {
                    CopyMethod::Snapshot => (
                        SetupStage::CopyingSnapshot,
                        format!("copying snapshot at position {position}"),
                    ),
                    CopyMethod::LockedCopy => (
                        SetupStage::CopyingLocked,
                        format!("copying the locked database at position {position}"),
                    ),
                    CopyMethod::FileCopy => (
                        SetupStage::CopyingFiles,
                        "copying the data files while writes continue".to_string(),
                    ),
                };
                (
                    stage,
                    received as f64 / of.max(1) as f64,
                    format!(
                        "{what}: part {received} of {of} ({})",
                        crate::bounds::count(rows, "row", "rows")
                    ),
                    position,
                )
            }
            SetupPhase::CatchingUp { from } => {
                let target = leader_last.max(from);
                let done = last.saturating_sub(from) as f64;
                let todo = target.saturating_sub(from).max(1) as f64;
                (
                    SetupStage::CatchingUp,
                    (done / todo).min(1.0),
                    format!("catching up from position {from}: at {last} of {target}"),
                    from,
                )
            }
            SetupPhase::GaveUp => (
                SetupStage::GaveUp,
                0.0,
                "gave up: the leader's log no longer reaches back to its snapshot".to_string(),
                r.log.snapshot_position,
            ),
        };
        SetupView {
            phase,
            snapshot_position,
            progress,
            detail,
            attempts: s.attempts,
        }
    })
}

/// One write as the ledger shows it.
fn write_view(w: &WriteRecord, blocked: &BTreeSet<WriteId>) -> WriteView {
    let status = write_status(w, blocked);
    let (confirmed_at, confirmed_by) = match w.outcome {
        Outcome::Confirmed { at, by, .. } => (Some(at), Some(by.to_string())),
        _ => (None, None),
    };
    let reason = match (&w.lost, &w.outcome) {
        (Some(l), _) => Some(l.reason.explain().to_string()),
        (None, Outcome::Failed { reason, .. }) => Some(reason.clone()),
        (None, Outcome::Pending) if status == WriteStatus::Blocked => {
            Some("waiting for a replica that does not answer".to_string())
        }
        _ => None,
    };
    WriteView {
        id: w.id.to_string(),
        client: w.client.to_string(),
        key: w.key(),
        value: w.value(),
        status,
        invoked_at_ms: w.invoked_at,
        confirmed_at_ms: confirmed_at,
        latency_ms: confirmed_at.map(|c| c - w.invoked_at),
        replicas: (0..MAX_REPLICAS as u8)
            .filter(|i| w.holders & (1 << i) != 0)
            .map(|i| NodeId(i).to_string())
            .collect(),
        confirmed_by,
        lost_reason: w.lost.as_ref().map(|l| l.reason),
        reason,
        lost_at_ms: w.lost.as_ref().map(|l| l.at),
    }
}

impl Sim {
    pub fn view(&self, opts: &ViewOptions) -> View {
        let leader = self.current_leader();
        let blocked: BTreeSet<WriteId> = self.blocked_writes().into_iter().collect();
        let differs = self.differs_for_good();
        View {
            now_ms: self.now(),
            end_ms: self.end_ms(),
            mode: self.settings.mode,
            write_quorum: self.settings.write_quorum,
            fencing: self.settings.fencing,
            failover_timeout_ms: self.settings.failover_timeout_ms,
            latency_ms: self.network.latency_ms,
            jitter_ms: self.network.jitter_ms,
            workload_every_ms: self.workload_every_ms(),
            read_from: (self.scenario.workload.read_every_ms > 0).then_some(self.read_from),
            leader: leader.map(|l| l.to_string()),
            epoch: self.max_epoch(),
            replicas: self.replica_views(opts, &blocked, &differs),
            chain: self.chain_order().iter().map(|n| n.to_string()).collect(),
            controller: self.controller_view(),
            clients: self
                .clients
                .iter()
                .map(|c| ClientView {
                    id: c.id.to_string(),
                    believed_leader: c.believed_leader.to_string(),
                })
                .collect(),
            links: self.link_views(),
            messages: self.message_views(),
            writes: self.write_views(opts, &blocked),
            events: self.recent_events(opts.recent_events),
            counts: self.counts(&blocked),
        }
    }

    /// Each replica: its role, its log's newest entries, its lag and its set-up.
    fn replica_views(
        &self,
        opts: &ViewOptions,
        blocked: &BTreeSet<WriteId>,
        differs: &[crate::sim::Divergence],
    ) -> Vec<ReplicaView> {
        let now = self.now();
        let live_count = self.members.live.count_ones() as u8;
        let leader_rep = self.current_leader().map(|l| &self.replicas[l.index()]);
        let leader_last = leader_rep.map(|r| r.log.last_position()).unwrap_or(0);
        let chain = self.chain_order();
        self.replicas
            .iter()
            .map(|r| {
                let n = r.id;
                let last = r.log.last_position();
                let from = last.saturating_sub(opts.log_window as u64) + 1;
                let entries = r
                    .log
                    .slice(from, last)
                    .iter()
                    .enumerate()
                    .map(|(i, e)| {
                        let w = self.write(e.write).expect("every entry is a known write");
                        entry_view(e, from + i as u64, w, blocked, live_count)
                    })
                    .collect();
                let (lag_entries, lag_ms) = match leader_rep {
                    Some(l) if l.id != n && r.log.last_position() <= leader_last => {
                        let behind = leader_last - r.log.last_position();
                        let oldest_missing = l
                            .log
                            .get(r.log.last_position() + 1)
                            .and_then(|e| self.write(e.write))
                            .and_then(|w| w.appended_at);
                        (
                            behind,
                            oldest_missing.map(|t| now.saturating_sub(t)).unwrap_or(0),
                        )
                    }
                    _ => (0, 0),
                };
                let setup = setup_view(r, leader_last);
                ReplicaView {
                    id: n.to_string(),
                    role: role_of(self, n),
                    up: r.up,
                    // A candidate's epoch is the one it asks votes for.
                    epoch: r.epoch,
                    last_position: last,
                    confirmed_position: r.confirmed,
                    log_start: r.log_start(&self.settings),
                    snapshot_position: r.log.snapshot_position,
                    entries,
                    lag_entries,
                    lag_ms,
                    setup,
                    sync_follower: self.settings.mode == Mode::SemiSync
                        && leader_rep.is_some_and(|l| l.sync_follower == Some(n)),
                    chain: chain
                        .iter()
                        .position(|&x| x == n)
                        .map(|i| ChainLink::new(i as u8, chain.len() as u8)),
                    chain_status: self.chain_status(n, &chain),
                    leader_known: r.leader.map(|l| l.to_string()),
                    differs_from_leader: differs
                        .iter()
                        .find(|d| d.replica == n)
                        .map(|d| d.keys.clone()),
                }
            })
            .collect()
    }

    /// The links that are not plain: cut (or partitioned), lossy or slow.
    fn link_views(&self) -> Vec<LinkView> {
        let mut links = Vec::new();
        let endpoints: Vec<Endpoint> = (0..self.replicas.len())
            .map(|i| Endpoint::Replica(NodeId(i as u8)))
            .chain((0..self.clients.len()).map(|i| Endpoint::Client(ClientId(i as u8))))
            .chain(self.controller.as_ref().map(|_| Endpoint::Controller))
            .collect();
        for &s in &endpoints {
            for &t in &endpoints {
                if s == t || (s.replica().is_none() && t.replica().is_none()) {
                    continue;
                }
                let LinkFault {
                    cut,
                    slow_factor,
                    drop_probability,
                } = self.network.fault(s, t);
                let state = if cut || self.network.partitioned(s, t) {
                    LinkState::Cut
                } else if drop_probability > 0.0 {
                    LinkState::Lossy
                } else if slow_factor > 1 {
                    LinkState::Slow
                } else {
                    continue;
                };
                links.push(LinkView {
                    source: s.to_string(),
                    target: t.to_string(),
                    state,
                    slow_factor,
                    drop_probability,
                });
            }
        }
        links
    }

    /// The messages in flight, with how far along they are.
    fn message_views(&self) -> Vec<MessageView> {
        let now = self.now();
        self.in_flight
            .values()
            .map(|m| {
                let span = m.deliver_at.saturating_sub(m.sent_at).max(1) as f64;
                let target_down = m
                    .target
                    .replica()
                    .is_some_and(|n| !self.replicas[n.index()].up);
                MessageView {
                    id: m.id,
                    kind: m.payload.kind(),
                    source: m.source.to_string(),
                    target: m.target.to_string(),
                    sent_at_ms: m.sent_at,
                    deliver_at_ms: m.deliver_at,
                    progress: ((now.saturating_sub(m.sent_at)) as f64 / span).clamp(0.0, 1.0),
                    summary: m.payload.summary(),
                    doomed: m.doomed || target_down,
                }
            })
            .collect()
    }

    /// The newest writes, and older lost ones up to a cap.
    fn write_views(&self, opts: &ViewOptions, blocked: &BTreeSet<WriteId>) -> Vec<WriteView> {
        let total = self.writes.len();
        let recent_from = total.saturating_sub(opts.recent_writes);
        // Older lost writes are listed too (the "which, and why?" list), up to a cap: a long
        // run can lose thousands, and this is built every frame, so they come from the
        // running tally rather than a pass over every write.
        let mut writes: Vec<WriteView> = self
            .fates
            .tally()
            .lost_before(recent_from as u32, opts.older_lost)
            .into_iter()
            .filter_map(|id| self.writes.get(id as usize))
            .map(|w| write_view(w, blocked))
            .collect();
        writes.extend(
            self.writes
                .range(recent_from, total)
                .map(|w| write_view(w, blocked)),
        );
        writes
    }

    /// The newest `n` sentences of the event log, oldest first.
    pub fn recent_events(&self, n: usize) -> Vec<EventView> {
        let n_notes = self.notes.len();
        self.notes
            .range(n_notes.saturating_sub(n), n_notes)
            .map(|n| EventView {
                at_ms: n.at_ms,
                kind: n.kind,
                notable: n.kind.notable(),
                text: n.text.clone(),
                node: n.node.map(|x| x.to_string()),
                writes: n.writes.iter().map(|w| w.to_string()).collect(),
            })
            .collect()
    }

    /// The writes counted by fate, from the running tally: O(1) however long the run.
    fn counts(&self, blocked: &BTreeSet<WriteId>) -> Counts {
        use tally::Fate;
        let t = self.fates.tally();
        // Blocked writes are pending ones (the leader's list filters on that).
        let blocked_count = blocked.len() as u64;
        let lost = t.count(Fate::Lost);
        let mut counts = Counts {
            invoked: self.writes.len() as u64,
            // Lost writes count as confirmed too: the client was told they were durable.
            confirmed: t.count(Fate::Confirmed) + lost,
            lost,
            failed: t.count(Fate::Failed),
            blocked: blocked_count,
            pending: t.count(Fate::Pending).saturating_sub(blocked_count),
            ..Counts::default()
        };
        (
            counts.reads,
            counts.read_your_writes_violations,
            counts.monotonic_read_violations,
        ) = match &self.read_index {
            Some(index) => index.answer_counts(),
            None => (0, 0, 0),
        };
        #[cfg(debug_assertions)]
        if self.writes.len() < 2_000 {
            debug_assert_eq!(counts, self.counts_by_scan(blocked));
        }
        counts
    }

    /// The same counts from a pass over every write and read: what the tally must agree with.
    pub fn counts_by_scan(&self, blocked: &BTreeSet<WriteId>) -> Counts {
        let mut counts = Counts::default();
        for w in self.writes.iter() {
            counts.invoked += 1;
            match write_status(w, blocked) {
                WriteStatus::Lost => counts.lost += 1,
                WriteStatus::Confirmed => counts.confirmed += 1,
                WriteStatus::Failed => counts.failed += 1,
                WriteStatus::Blocked => counts.blocked += 1,
                WriteStatus::Pending => counts.pending += 1,
            }
        }
        counts.confirmed += counts.lost;
        (
            counts.reads,
            counts.read_your_writes_violations,
            counts.monotonic_read_violations,
        ) = self.read_counts();
        counts
    }

    /// Every notable moment of the run so far (crash, failover, write lost, snapshot taken,
    /// follower caught up...), for the markers on the timeline.
    pub fn markers(&self) -> Vec<EventView> {
        self.notes
            .iter()
            .filter(|n| n.kind.notable())
            .map(|n| EventView {
                at_ms: n.at_ms,
                kind: n.kind,
                notable: true,
                text: n.text.clone(),
                node: n.node.map(|x| x.to_string()),
                writes: n.writes.iter().map(|w| w.to_string()).collect(),
            })
            .collect()
    }
}
