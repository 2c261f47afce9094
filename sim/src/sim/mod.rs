//! The simulator: owns simulated time, the event queue, the network, the clients and the
//! table of writes; delivers messages and fires timers into replicas, carries out the
//! commands they return, and keeps the life of every write (who holds it, when it was
//! confirmed, whether it was lost and why).

mod actions;
mod clients;
mod controller;
mod file_copies;
mod ledger;
mod narration;
mod network;
mod timers;

pub use actions::UpChange;
pub use clients::{Client, ReadRecord};
pub use controller::{Appointment, Controller, Round};
pub use file_copies::{Divergence, FileCopyRecord};
use ledger::snapshot_rows;
pub use ledger::{KeySlot, Lost, LostReason, Outcome, WriteData, WriteRecord};
use narration::names;
pub use narration::{Note, NoteKind};
pub use network::{InFlight, InFlightQueue, LinkFault, Network};
use timers::{TimerSlot, TIMER_SLOTS};

use crate::bounds::count;
use crate::chunked::ChunkedVec;
use crate::fingerprint::{fnv, FNV_OFFSET};
use crate::ids::*;
use crate::log::{Entry, Log};
use crate::message::*;
use crate::replica::{Ctx, Members, Replica, Settings};
use crate::rng::{Rng, Stream};
use crate::scenario::{Action, Mode, Scenario, SettingsChange, TimedAction};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use std::sync::Arc;

/// A run stops (with a note) after this many events, so no scenario can spin forever, nor
/// outgrow a tab's memory: what a run keeps (its message log, its notes) grows with its
/// events, up to about 40 bytes each (an election storm of 9 replicas), so 20 million
/// stay well under 1 GB.
pub const EVENT_BUDGET: u64 = 20_000_000;
/// A run also stops after moving this many log entries in bulk: in snapshots taken and
/// installed, and in entries discarded. One event can move a whole log (a snapshot of a
/// long log, for every follower that cannot catch up from a short retention), so events
/// alone do not bound the work.
pub const BULK_ENTRY_BUDGET: u64 = 100_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    /// Scheduled actions run first at their instant, in scenario order, so a live action
    /// and its replay from a link land in the same place.
    Action(u32),
    Deliver(u64),
    Timer {
        node: u8,
        slot: u8,
    },
    ClientTick {
        client: u8,
        generation: u32,
    },
    ClientTimeout(u32),
    ClientRead {
        client: u8,
        generation: u32,
    },
    /// The controller pings the replicas (and checks on the leader).
    ControllerTick {
        generation: u32,
    },
    /// The controller's probe window is over.
    ControllerRoundEnd {
        id: u32,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Queued {
    at: u64,
    order: u64,
    event: Event,
}

pub use crate::message_log::{MessageLog, MessageRecord};

/// One processed event, for trace export; recorded only when asked for.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct TraceEvent {
    pub at_ms: u64,
    pub event: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    pub detail: String,
    /// A message that never reached its target: the link lost it, or the target was down.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dropped: bool,
}

#[derive(Clone, Debug)]
pub struct Sim {
    pub scenario: Arc<Scenario>,
    pub settings: Settings,
    pub members: Members,
    pub replicas: Vec<Replica>,
    rngs: Vec<Rng>,
    net_rng: Rng,
    pub clients: Vec<Client>,
    /// The controller `m1`, with `failover: controller`.
    pub controller: Option<Controller>,
    pub network: Network,
    queue: BinaryHeap<Reverse<Queued>>,
    seq: u64,
    now: u64,
    pub in_flight: InFlightQueue,
    next_message: u64,
    timers: Vec<[TimerSlot; TIMER_SLOTS]>,
    pub writes: ChunkedVec<WriteRecord>,
    pub notes: ChunkedVec<Note>,
    /// Every message that arrived or was lost, in that order (the space-time diagram).
    pub message_log: MessageLog,
    /// (instant, replica, last log position) whenever a replica's log changed length:
    /// replication lag over time is read from it.
    /// Kept in 32 bits (instants and positions of a run fit), 12 bytes an entry.
    pub position_log: ChunkedVec<(u32, NodeId, u32)>,
    /// Every crash and restart that took effect, with its sentence: when replicas were down.
    pub up_changes: ChunkedVec<UpChange>,
    /// Every read a client made, with what it saw and whether it broke a guarantee.
    pub reads: ChunkedVec<ReadRecord>,
    read_rng: Rng,
    read_generation: u32,
    /// What judging a read needs, kept as the run goes; only in runs with reads.
    pub(crate) read_index: Option<crate::read_index::ReadIndex>,
    /// Which writes a change of leader or a crash can concern.
    pub(crate) fates: crate::fates::Fates,
    /// Where reads go now (a `set` action can change it).
    pub read_from: crate::scenario::ReadFrom,
    /// The events' part of the trace hash (see `fingerprint`).
    events_hash: u64,
    events: u64,
    /// Log entries moved in bulk so far (see [`BULK_ENTRY_BUDGET`]).
    bulk_entries: u64,
    pub messages_sent: u64,
    pub messages_dropped: u64,
    /// Locked copies that ended: writes they held, and how long writes were locked.
    pub(crate) lock_blocked_writes: u64,
    pub(crate) lock_ms: u64,
    /// Every file copy a leader finished reading, in order.
    pub file_copies: Vec<FileCopyRecord>,
    current_leader: Option<NodeId>,
    max_epoch: u32,
    /// When each epoch's leader was elected, oldest first, with the newest epoch elected
    /// by then (so "had a newer leader been elected by t?" is a binary search).
    elections: Vec<(u64, u32, u32)>,
    workload_every_ms: u64,
    workload_generation: u32,
    workload_count: u32,
    leaderless_since: Option<u64>,
    leaderless_total_ms: u64,
    end_ms: u64,
    out: Vec<Command>,
    last_stale_note: Option<(NodeId, NodeId, u32)>,
    open_split_brain_note: Option<(usize, Vec<WriteId>)>,
    trace: Option<Vec<TraceEvent>>,
    /// Which notes an election or an installed snapshot wrote (see `notable`).
    pub(crate) marks: crate::notable::Marks,
}

/// The replicas' settings at the start of a run, with the defaults that depend on others.
fn settings_of(c: &crate::scenario::Cluster) -> Settings {
    Settings {
        mode: c.mode,
        write_quorum: c.write_quorum.unwrap_or(c.nodes / 2 + 1),
        failover_timeout_ms: c.failover_timeout_ms,
        heartbeat_ms: c.heartbeat_ms,
        sync_timeout_ms: c
            .sync_timeout_ms
            .unwrap_or((c.failover_timeout_ms / 2).max(1)),
        fencing: c.fencing,
        failover: c.failover,
        log_retention_entries: c.log_retention_entries,
        log_retention: c.log_retention,
        disk_entries: c.disk_entries,
        initial_rows: c.initial_rows,
        snapshot_rows_per_s: c.snapshot_rows_per_s,
        clients: c.clients,
        batch_entries: 50,
    }
}

impl Sim {
    /// Builds the cluster at time 0 with `n1` leading epoch 1. The scenario must be valid.
    pub fn new(scenario: &Scenario) -> Result<Sim, crate::ScenarioError> {
        scenario.validate()?;
        let c = &scenario.cluster;
        let mut sim = Sim::at_time_zero(scenario);
        for (i, _) in scenario.events.iter().enumerate() {
            sim.schedule_action(i);
        }
        for n in 0..c.nodes {
            sim.with_replica(NodeId(n), |r, ctx| r.start(NodeId(0), ctx));
        }
        sim.note(
            NoteKind::Leader,
            Some(NodeId(0)),
            vec![],
            format!(
                "{} replicas in {} mode; n1 leads epoch 1{}",
                c.nodes,
                c.mode,
                if c.mode == Mode::Quorum {
                    format!(
                        " (a write needs {} of {})",
                        sim.settings.write_quorum, c.nodes
                    )
                } else {
                    String::new()
                }
            ),
        );
        sim.start_workload(scenario.workload.start_ms);
        sim.start_reads(scenario.workload.start_ms);
        sim.start_controller();
        sim.prune();
        Ok(sim)
    }

    /// The cluster and its books before anything has happened: the replicas made but not
    /// started, nothing queued.
    fn at_time_zero(scenario: &Scenario) -> Sim {
        let c = &scenario.cluster;
        let bits = ((1u32 << c.nodes) - 1) as u16;
        Sim {
            scenario: Arc::new(scenario.clone()),
            settings: settings_of(c),
            members: Members {
                all: bits,
                live: bits,
            },
            replicas: (0..c.nodes).map(|i| Replica::new(NodeId(i))).collect(),
            rngs: (0..MAX_REPLICAS as u8)
                .map(|i| Rng::new(scenario.seed, Stream::Replica(i)))
                .collect(),
            net_rng: Rng::new(scenario.seed, Stream::Network),
            clients: (0..c.clients)
                .map(|i| Client {
                    id: ClientId(i),
                    believed_leader: NodeId(0),
                    known_epoch: 1,
                })
                .collect(),
            controller: None,
            network: Network::new(c.latency_ms, c.client_latency_ms, c.jitter_ms),
            queue: BinaryHeap::new(),
            seq: 0,
            now: 0,
            in_flight: InFlightQueue::default(),
            next_message: 0,
            timers: vec![[TimerSlot::default(); TIMER_SLOTS]; MAX_REPLICAS],
            writes: ChunkedVec::new(),
            notes: ChunkedVec::new(),
            message_log: MessageLog::default(),
            position_log: ChunkedVec::new(),
            up_changes: ChunkedVec::new(),
            reads: ChunkedVec::new(),
            read_rng: Rng::new(scenario.seed, Stream::Client(0)),
            read_generation: 0,
            read_index: (scenario.workload.read_every_ms > 0).then(|| {
                crate::read_index::ReadIndex::new(scenario.workload.keys, c.clients as usize)
            }),
            fates: crate::fates::Fates::default(),
            read_from: scenario.workload.read_from,
            events_hash: FNV_OFFSET,
            events: 0,
            bulk_entries: 0,
            messages_sent: 0,
            messages_dropped: 0,
            lock_blocked_writes: 0,
            lock_ms: 0,
            file_copies: Vec::new(),
            current_leader: Some(NodeId(0)),
            max_epoch: 1,
            elections: vec![(0, 1, 1)],
            workload_every_ms: scenario.workload.write_every_ms,
            workload_generation: 0,
            workload_count: 0,
            leaderless_since: None,
            leaderless_total_ms: 0,
            end_ms: scenario.end_ms(),
            out: Vec::new(),
            last_stale_note: None,
            open_split_brain_note: None,
            trace: None,
            marks: Default::default(),
        }
    }

    /// Keeps every processed event for [`Sim::trace`]; costs memory, so off by default.
    pub fn record_trace(&mut self) {
        self.trace.get_or_insert_with(Vec::new);
    }

    pub fn trace(&self) -> Option<&[TraceEvent]> {
        self.trace.as_deref()
    }

    pub fn now(&self) -> u64 {
        self.now
    }
    pub fn end_ms(&self) -> u64 {
        self.end_ms
    }
    /// Lets a live session run past the scenario's planned end.
    pub fn extend_end(&mut self, end_ms: u64) {
        self.end_ms = self
            .end_ms
            .max(end_ms.min(crate::scenario::limits::MAX_TIME_MS));
    }
    /// Log entries moved in bulk so far (see [`BULK_ENTRY_BUDGET`]).
    pub fn bulk_entries(&self) -> u64 {
        self.bulk_entries
    }

    pub fn events_processed(&self) -> u64 {
        self.events
    }
    /// Equal hashes mean equal runs: every event with its payload, every write's key,
    /// value and fate (see `fingerprint`).
    pub fn trace_hash(&self) -> u64 {
        crate::fingerprint::combine(self.events_hash, self.fates_hash())
    }
    /// Roughly what this copy alone holds, beyond what it shares with other copies (a
    /// time-travel checkpoint and the run ahead of it share every chunk neither has
    /// changed since): the chunks only it holds, the messages in flight and the queue.
    pub fn unshared_bytes(&self) -> usize {
        let logs: usize = self.replicas.iter().map(|r| r.log.unshared_bytes()).sum();
        let chunked = self.writes.unshared_bytes()
            + self.notes.unshared_bytes()
            + self.message_log.unshared_bytes()
            + self.position_log.unshared_bytes()
            + self.up_changes.unshared_bytes()
            + self.reads.unshared_bytes()
            + self.fates.unshared_bytes()
            + self.read_index.as_ref().map_or(0, |r| r.unshared_bytes());
        let queued = self.queue.len() * std::mem::size_of::<Reverse<Queued>>()
            + self.in_flight.len() * std::mem::size_of::<InFlight>();
        logs + chunked + queued
    }

    pub fn current_leader(&self) -> Option<NodeId> {
        self.current_leader
    }
    pub fn max_epoch(&self) -> u32 {
        self.max_epoch
    }
    pub fn leaderless_ms(&self) -> u64 {
        self.leaderless_total_ms + self.leaderless_since.map(|s| self.now - s).unwrap_or(0)
    }
    /// Each client's steady write interval now; 0 when the workload is off or over.
    pub fn workload_every_ms(&self) -> u64 {
        let over = self
            .scenario
            .workload
            .until_ms
            .is_some_and(|u| self.now > u);
        if over {
            0
        } else {
            self.workload_every_ms
        }
    }

    pub fn write(&self, w: WriteId) -> Option<&WriteRecord> {
        self.writes.get(w.index())
    }

    // ----- The queue ----------------------------------------------------------------

    fn push(&mut self, at: u64, event: Event) {
        self.seq += 1;
        let order = (1u64 << 62) + self.seq;
        self.queue.push(Reverse(Queued { at, order, event }));
    }

    fn schedule_action(&mut self, index: usize) {
        let at = self.scenario.events[index].at_ms;
        self.queue.push(Reverse(Queued {
            at,
            order: index as u64,
            event: Event::Action(index as u32),
        }));
    }

    /// Time of the next pending event, if any remains before the run's end. Exact: the
    /// queue never starts with an event that would do nothing (see [`Sim::prune`]).
    pub fn next_event_time(&self) -> Option<u64> {
        self.queue
            .peek()
            .map(|Reverse(q)| q.at)
            .filter(|&t| t <= self.end_ms)
    }

    /// Drops events at the front of the queue that would do nothing when their time came
    /// (a message that was dropped, a timer that was cancelled or moved, a stale workload
    /// tick, a time-out for a write already answered), doing exactly what handling them
    /// would, so that the next event is one that counts. Without it, a step or a
    /// `run_until(t)` that skipped such an event went on to the next one even if it lay
    /// beyond `t`, and `next_event_time` promised an instant at which nothing happened.
    fn prune(&mut self) {
        while let Some(Reverse(q)) = self.queue.peek().copied() {
            if !self.is_noop(q) {
                return;
            }
            self.queue.pop();
            if let Event::Timer { node, slot } = q.event {
                // What `fire_timer` does at `q.at` for a timer that does not fire.
                self.timer_woke(NodeId(node), slot as usize, q.at);
            }
        }
    }

    /// Whether an event at the front of the queue would do nothing when its time came.
    fn is_noop(&self, q: Queued) -> bool {
        match q.event {
            Event::Action(_) => false,
            Event::Deliver(id) => !self.in_flight.contains_key(&id),
            Event::Timer { node, slot } => !self.timer_fires(NodeId(node), slot as usize, q.at),
            Event::ClientTick { generation, .. } => !self.workload_tick_counts(generation, q.at),
            Event::ClientTimeout(w) => self
                .writes
                .get(w as usize)
                .is_none_or(|r| r.outcome != Outcome::Pending),
            Event::ClientRead { generation, .. } => !self.read_tick_counts(generation),
            Event::ControllerTick { generation } => !self.controller_tick_counts(generation),
            Event::ControllerRoundEnd { id } => !self.controller_round_counts(id),
        }
    }

    /// Processes one event; false when nothing is left before the end.
    pub fn step(&mut self) -> bool {
        loop {
            let Some(Reverse(q)) = self.queue.peek().copied() else {
                return false;
            };
            let limit = if self.events >= EVENT_BUDGET {
                Some(format!("{} events", crate::bounds::thousands(EVENT_BUDGET)))
            } else if self.bulk_entries >= BULK_ENTRY_BUDGET {
                Some(format!(
                    "copying {} log entries in snapshots and discarded entries",
                    crate::bounds::thousands(BULK_ENTRY_BUDGET)
                ))
            } else {
                None
            };
            if q.at > self.end_ms || limit.is_some() {
                if let Some(limit) = limit.filter(|_| self.end_ms != self.now) {
                    self.note(
                        NoteKind::Limit,
                        None,
                        vec![],
                        format!("The run stopped at {} ms, after {limit}: the engine's limit, so that no scenario can run without end", self.now),
                    );
                    self.end_ms = self.now;
                }
                return false;
            }
            self.queue.pop();
            self.advance_clock(q.at);
            if self.handle(q.event) {
                self.events += 1;
                self.events_hash = fnv(fnv(self.events_hash, q.at), self.events);
                self.prune();
                return true;
            }
        }
    }

    fn advance_clock(&mut self, at: u64) {
        debug_assert!(at >= self.now, "time never runs backwards");
        self.now = at;
    }

    /// Processes every event up to and including `t`, then stands at `t`.
    pub fn run_until(&mut self, t: u64) {
        let t = t.min(self.end_ms.max(self.now));
        while let Some(Reverse(q)) = self.queue.peek() {
            if q.at > t {
                break;
            }
            if !self.step() {
                break;
            }
        }
        if t > self.now {
            self.now = t;
        }
    }

    pub fn run_to_end(&mut self) {
        let end = self.end_ms;
        self.run_until(end);
    }

    fn handle(&mut self, event: Event) -> bool {
        match event {
            Event::Action(i) => {
                let action = self.scenario.events[i as usize].clone();
                self.hash(1, i as u64);
                self.trace_event("action", None, None, || action.action.to_json());
                self.apply(&action.action);
                true
            }
            Event::Deliver(id) => self.deliver(id),
            Event::Timer { node, slot } => self.fire_timer(NodeId(node), slot as usize),
            Event::ClientTick { client, generation } => self.workload_tick(client, generation),
            Event::ClientRead { client, generation } => self.read_tick(client, generation),
            Event::ClientTimeout(w) => self.client_timeout(w),
            Event::ControllerTick { generation } => self.controller_tick(generation),
            Event::ControllerRoundEnd { id } => self.controller_round_end(id),
        }
    }

    fn hash(&mut self, tag: u64, x: u64) {
        self.events_hash = fnv(fnv(self.events_hash, tag), x);
    }

    fn trace_event(
        &mut self,
        event: &str,
        source: Option<Endpoint>,
        target: Option<Endpoint>,
        detail: impl FnOnce() -> String,
    ) {
        if let Some(t) = &mut self.trace {
            t.push(TraceEvent {
                at_ms: self.now,
                event: event.to_string(),
                source: source.map(|s| s.to_string()),
                target: target.map(|s| s.to_string()),
                detail: detail(),
                dropped: false,
            });
        }
    }
    // ----- Replicas -----------------------------------------------------------------

    /// Runs one replica reaction and carries out what it asks for.
    fn with_replica(&mut self, n: NodeId, f: impl FnOnce(&mut Replica, &mut Ctx)) {
        let before = self.replicas[n.index()].log.last_position();
        let mut out = std::mem::take(&mut self.out);
        {
            let writes = &self.writes;
            let initial_rows = self.scenario.cluster.initial_rows;
            let rows = move |log: &Log, p: u64| snapshot_rows(writes, initial_rows, log, p);
            let key_of = move |w: WriteId| writes.get(w.index()).map(|r| r.key_slot());
            let mut ctx = Ctx {
                now: self.now,
                settings: &self.settings,
                members: self.members,
                out: &mut out,
                snapshot_rows: &rows,
                key_of: &key_of,
            };
            f(&mut self.replicas[n.index()], &mut ctx);
        }
        // Bookkeeping first: which writes each log now holds.
        self.log_changed(n, before, &out);
        for cmd in out.drain(..) {
            match cmd {
                Command::Send { to, payload } => self.send(Endpoint::Replica(n), to, payload),
                Command::SetTimer {
                    timer,
                    after_ms,
                    jitter_ms,
                } => self.set_timer(n, timer, after_ms, jitter_ms),
                Command::CancelTimer { timer } => self.cancel_timer(n, timer),
                Command::Happened(h) => self.happened(n, h),
            }
        }
        self.out = out;
    }

    /// What a replica reported: first told (the sentence reads the state before the
    /// change), then carried out in the simulator's own books.
    fn happened(&mut self, n: NodeId, h: Happening) {
        self.narrate(n, &h);
        match h {
            Happening::BecameLeader { epoch, .. } => {
                if let Some(c) = self.controller.as_mut() {
                    c.epoch = c.epoch.max(epoch);
                }
                self.max_epoch = self.max_epoch.max(epoch);
                let newest = self.elections.last().map_or(epoch, |e| e.2.max(epoch));
                self.elections.push((self.now, epoch, newest));
                self.refresh_leader();
            }
            Happening::SteppedDown { .. } => self.refresh_leader(),
            Happening::Truncated { entries, .. } => {
                for e in entries {
                    self.check_lost(e.write);
                }
            }
            Happening::SnapshotTaken { position, .. } => self.bulk_entries += position,
            Happening::WritesUnlocked {
                held, locked_ms, ..
            } => {
                self.lock_blocked_writes += held;
                self.lock_ms += locked_ms;
            }
            Happening::FileCopyRead {
                follower,
                read,
                data,
            } => self.file_copy_read(n, follower, read, data),
            Happening::SnapshotInstalled { position }
                if self.replicas[n.index()].copy_method
                    == crate::scenario::CopyMethod::FileCopy =>
            {
                self.file_copy_installed(n, position)
            }
            // A new follower that has worked through its backlog follows live, and counts
            // for quorums from now on.
            Happening::CaughtUp { follower, .. } if !self.members.is_live(follower) => {
                self.members.live |= follower.bit();
                self.replicas[follower.index()].on_caught_up();
            }
            _ => {}
        }
    }
}
