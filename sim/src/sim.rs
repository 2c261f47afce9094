//! The simulator: owns simulated time, the event queue, the network, the clients and the
//! table of writes; delivers messages and fires timers into replicas, carries out the
//! commands they return, and keeps the life of every write (who holds it, when it was
//! confirmed, whether it was lost and why).

use crate::bounds::count;
use crate::chunked::ChunkedVec;
use crate::fingerprint::{fnv, FNV_OFFSET};
use crate::ids::*;
use crate::log::Log;
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

const TIMER_SLOTS: usize = 2 + MAX_REPLICAS;

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
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Queued {
    at: u64,
    order: u64,
    event: Event,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct TimerSlot {
    deadline: Option<u64>,
    queued: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinkFault {
    pub cut: bool,
    pub slow_factor: u32,
    pub drop_probability: f64,
}

impl Default for LinkFault {
    fn default() -> Self {
        LinkFault {
            cut: false,
            slow_factor: 1,
            drop_probability: 0.0,
        }
    }
}

/// Directed links between every pair of endpoints, each with its own faults, plus the
/// partition groups (0 means "reaches everyone").
#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    pub latency_ms: u64,
    pub client_latency_ms: u64,
    pub jitter_ms: u64,
    pub faults: Vec<LinkFault>,
    pub partition: [u8; MAX_ENDPOINTS],
    last_deliver: Vec<u64>,
}

impl Network {
    fn new(latency_ms: u64, client_latency_ms: u64, jitter_ms: u64) -> Network {
        Network {
            latency_ms,
            client_latency_ms,
            jitter_ms,
            faults: vec![LinkFault::default(); MAX_ENDPOINTS * MAX_ENDPOINTS],
            partition: [0; MAX_ENDPOINTS],
            last_deliver: vec![0; MAX_ENDPOINTS * MAX_ENDPOINTS],
        }
    }
    fn link(s: Endpoint, t: Endpoint) -> usize {
        s.index() * MAX_ENDPOINTS + t.index()
    }
    pub fn fault(&self, s: Endpoint, t: Endpoint) -> LinkFault {
        self.faults[Self::link(s, t)]
    }
    pub fn partitioned(&self, s: Endpoint, t: Endpoint) -> bool {
        let (a, b) = (self.partition[s.index()], self.partition[t.index()]);
        a != 0 && b != 0 && a != b
    }
    /// Messages on this link are dropped.
    pub fn blocked(&self, s: Endpoint, t: Endpoint) -> bool {
        self.fault(s, t).cut || self.partitioned(s, t)
    }
}

/// Messages on the wire, by id. Ids are handed out one by one and messages mostly arrive
/// oldest first, so a queue of slots indexed from the oldest id still in flight does the
/// work of an ordered map in constant time (this is the engine's hottest structure).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InFlightQueue {
    base: u64,
    slots: std::collections::VecDeque<Option<InFlight>>,
    len: usize,
}

impl InFlightQueue {
    /// Adds a message; ids must come in increasing order, as `Sim::send` hands them out.
    pub fn insert(&mut self, id: u64, m: InFlight) {
        if self.slots.is_empty() {
            self.base = id;
        }
        debug_assert!(
            id >= self.base + self.slots.len() as u64,
            "message ids only grow"
        );
        while self.base + (self.slots.len() as u64) < id {
            self.slots.push_back(None);
        }
        self.slots.push_back(Some(m));
        self.len += 1;
    }

    pub fn remove(&mut self, id: &u64) -> Option<InFlight> {
        let i = id.checked_sub(self.base)? as usize;
        let m = self.slots.get_mut(i)?.take()?;
        self.len -= 1;
        while matches!(self.slots.front(), Some(None)) {
            self.slots.pop_front();
            self.base += 1;
        }
        Some(m)
    }

    /// The message itself, to change on the wire (tests perturb one to show the trace
    /// hash sees its payload).
    pub fn get_mut(&mut self, id: &u64) -> Option<&mut InFlight> {
        let i = id.checked_sub(self.base)? as usize;
        self.slots.get_mut(i)?.as_mut()
    }

    pub fn contains_key(&self, id: &u64) -> bool {
        id.checked_sub(self.base)
            .and_then(|i| self.slots.get(i as usize))
            .is_some_and(|s| s.is_some())
    }

    /// Messages in id (sending) order.
    pub fn values(&self) -> impl Iterator<Item = &InFlight> + '_ {
        self.slots.iter().flatten()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// A message on the wire.
#[derive(Clone, Debug, PartialEq)]
pub struct InFlight {
    pub id: u64,
    pub source: Endpoint,
    pub target: Endpoint,
    pub sent_at: u64,
    pub deliver_at: u64,
    pub payload: Payload,
    /// A lossy link will drop it on arrival (drawn when sent, so the run stays seeded).
    pub doomed: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Client {
    pub id: ClientId,
    pub believed_leader: NodeId,
    pub known_epoch: u32,
}

/// Key and value of a write; workload writes are generated, so they are stored compactly.
#[derive(Clone, Debug, PartialEq)]
pub enum WriteData {
    Workload { key: u32 },
    Manual(Arc<(String, String)>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Pending,
    /// `newer_leader_existed`: a leader of a newer epoch had been elected when `by` sent
    /// the confirmation (not when the client received it: an answer already on its way
    /// when the election happened is no split brain).
    Confirmed {
        at: u64,
        by: NodeId,
        epoch: u32,
        newer_leader_existed: bool,
    },
    Failed {
        at: u64,
        reason: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LostReason {
    /// The leader confirmed it, then crashed before any surviving replica had it.
    LeaderCrashedBeforeReplicating,
    /// The leader that confirmed it was replaced while alive; it will discard it when it
    /// rejoins as a follower.
    DiscardedOnDemotion,
    /// Confirmed by a deposed leader while a newer one was already taking writes.
    SplitBrain,
}

impl LostReason {
    pub fn code(self) -> &'static str {
        match self {
            LostReason::LeaderCrashedBeforeReplicating => "leader_crashed_before_replicating",
            LostReason::DiscardedOnDemotion => "discarded_on_demotion",
            LostReason::SplitBrain => "split_brain",
        }
    }
    pub fn explain(self) -> &'static str {
        match self {
            LostReason::LeaderCrashedBeforeReplicating => "the leader confirmed it, then crashed before the new leader had it",
            LostReason::DiscardedOnDemotion => "the leader that confirmed it was replaced; its copy is discarded when it rejoins as a follower",
            LostReason::SplitBrain => "a deposed leader confirmed it while another leader was taking writes (split brain)",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Lost {
    pub at: u64,
    pub reason: LostReason,
    pub confirmed_by: NodeId,
    pub new_leader: Option<NodeId>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct WriteRecord {
    pub id: WriteId,
    pub client: ClientId,
    pub data: WriteData,
    pub invoked_at: u64,
    pub sent_to: NodeId,
    pub redirects: u8,
    pub outcome: Outcome,
    /// Bit per replica whose log holds it.
    pub holders: u16,
    /// When a replica first appended it.
    pub appended_at: Option<u64>,
    pub lost: Option<Lost>,
}

impl WriteRecord {
    pub fn key(&self) -> String {
        match &self.data {
            WriteData::Workload { key } => format!("k{}", key + 1),
            WriteData::Manual(kv) => kv.0.clone(),
        }
    }
    pub fn value(&self) -> String {
        match &self.data {
            WriteData::Workload { .. } => format!("v{}", self.id.0 + 1),
            WriteData::Manual(kv) => kv.1.clone(),
        }
    }
    pub fn is_confirmed(&self) -> bool {
        matches!(self.outcome, Outcome::Confirmed { .. })
    }
    pub fn confirmed_at(&self) -> Option<u64> {
        match self.outcome {
            Outcome::Confirmed { at, .. } => Some(at),
            _ => None,
        }
    }
    pub fn key_slot(&self) -> KeySlot {
        match &self.data {
            WriteData::Workload { key } => KeySlot::Workload(*key),
            WriteData::Manual(kv) => KeySlot::Manual(kv.0.clone()),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum KeySlot {
    Workload(u32),
    Manual(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NoteKind {
    Crash,
    Restart,
    Election,
    Leader,
    StepDown,
    Lost,
    Discarded,
    Snapshot,
    CatchUp,
    CaughtUp,
    Network,
    Setting,
    Fencing,
    Sync,
    Chain,
    Write,
    Limit,
    /// A read that broke read-your-writes or monotonic reads.
    Anomaly,
}

impl NoteKind {
    pub fn name(self) -> &'static str {
        match self {
            NoteKind::Crash => "crash",
            NoteKind::Restart => "restart",
            NoteKind::Election => "election",
            NoteKind::Leader => "leader",
            NoteKind::StepDown => "step_down",
            NoteKind::Lost => "lost",
            NoteKind::Discarded => "discarded",
            NoteKind::Snapshot => "snapshot",
            NoteKind::CatchUp => "catch_up",
            NoteKind::CaughtUp => "caught_up",
            NoteKind::Network => "network",
            NoteKind::Setting => "setting",
            NoteKind::Fencing => "fencing",
            NoteKind::Sync => "sync",
            NoteKind::Chain => "chain",
            NoteKind::Write => "write",
            NoteKind::Limit => "limit",
            NoteKind::Anomaly => "anomaly",
        }
    }
    /// Worth a marker on the timeline and an announcement.
    pub fn notable(self) -> bool {
        matches!(
            self,
            NoteKind::Crash
                | NoteKind::Restart
                | NoteKind::Leader
                | NoteKind::Lost
                | NoteKind::Snapshot
                | NoteKind::CaughtUp
                | NoteKind::StepDown
                | NoteKind::Anomaly
        )
    }
}

/// A sentence in the event log.
#[derive(Clone, Debug, PartialEq)]
pub struct Note {
    pub at_ms: u64,
    pub kind: NoteKind,
    pub text: String,
    pub node: Option<NodeId>,
    pub writes: Vec<WriteId>,
}

/// A client's read: the chapter's "reading your own writes" and "monotonic reads" are
/// judged on these.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadRecord {
    pub client: ClientId,
    /// The client's write whose key is read back.
    pub key_of: WriteId,
    pub key: String,
    pub invoked_at: u64,
    pub target: NodeId,
    /// The client's own latest write to the key that was confirmed when the read began.
    pub own_confirmed: Option<WriteId>,
    pub answered_at: Option<u64>,
    pub value: Option<WriteId>,
    /// The answering replica was this many entries behind the leader.
    pub behind: u64,
    pub stale_own_write: bool,
    pub went_back: bool,
}

/// A replica went down (crashed) or came back up (restarted) at `at_ms`; `note` is the
/// index of the event-log sentence that says so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UpChange {
    pub at_ms: u64,
    pub node: NodeId,
    pub up: bool,
    pub note: usize,
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
}

fn names(writes: &[WriteId]) -> String {
    // Only the first few are named, so only they are formatted.
    let list: Vec<String> = writes.iter().take(8).map(|w| w.to_string()).collect();
    match writes.len() {
        0 => String::new(),
        1 => list[0].clone(),
        n if n <= 8 => format!("{} and {}", list[..n - 1].join(", "), list[n - 1]),
        n => format!("{}, … and {} more", list[..6].join(", "), n - 6),
    }
}

fn node_list(bits: u16) -> String {
    let v: Vec<String> = (0..MAX_REPLICAS as u8)
        .filter(|i| bits & (1 << i) != 0)
        .map(|i| NodeId(i).to_string())
        .collect();
    v.join(", ")
}

/// Rows in a snapshot of `log` up to `position`: the initial rows plus every distinct key
/// written so far.
fn snapshot_rows(
    writes: &ChunkedVec<WriteRecord>,
    initial_rows: u64,
    log: &Log,
    position: u64,
) -> u64 {
    // Workload keys are small integers: a bitmap counts them without building a set of
    // strings over a long log (this runs once per snapshot, but in every seek that replays it).
    let mut workload_keys: Vec<bool> = Vec::new();
    let mut distinct = 0u64;
    let mut manual: BTreeSet<&str> = BTreeSet::new();
    for p in 1..=position.min(log.last_position()) {
        let Some(e) = log.get(p) else { break };
        match writes.get(e.write.index()).map(|w| &w.data) {
            Some(WriteData::Workload { key }) => {
                let k = *key as usize;
                if k >= workload_keys.len() {
                    workload_keys.resize(k + 1, false);
                }
                if !std::mem::replace(&mut workload_keys[k], true) {
                    distinct += 1;
                }
            }
            Some(WriteData::Manual(kv)) => {
                manual.insert(kv.0.as_str());
            }
            None => {}
        }
    }
    // A manual write may use a workload key's name; count such a key once.
    let overlap = manual
        .iter()
        .filter(|k| {
            k.strip_prefix('k')
                .and_then(|n| n.parse::<usize>().ok())
                .is_some_and(|n| n >= 1 && workload_keys.get(n - 1) == Some(&true))
        })
        .count() as u64;
    initial_rows + distinct + manual.len() as u64 - overlap
}

impl Sim {
    /// Builds the cluster at time 0 with `n1` leading epoch 1. The scenario must be valid.
    pub fn new(scenario: &Scenario) -> Result<Sim, crate::ScenarioError> {
        scenario.validate()?;
        let c = &scenario.cluster;
        let settings = Settings {
            mode: c.mode,
            write_quorum: c.write_quorum.unwrap_or(c.nodes / 2 + 1),
            failover_timeout_ms: c.failover_timeout_ms,
            heartbeat_ms: c.heartbeat_ms,
            sync_timeout_ms: c
                .sync_timeout_ms
                .unwrap_or((c.failover_timeout_ms / 2).max(1)),
            fencing: c.fencing,
            log_retention_entries: c.log_retention_entries,
            snapshot_rows_per_s: c.snapshot_rows_per_s,
            clients: c.clients,
            batch_entries: 50,
        };
        let bits = ((1u32 << c.nodes) - 1) as u16;
        let mut sim = Sim {
            scenario: Arc::new(scenario.clone()),
            settings,
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
        };
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
        sim.prune();
        Ok(sim)
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
            let noop = match q.event {
                Event::Action(_) => false,
                Event::Deliver(id) => !self.in_flight.contains_key(&id),
                Event::Timer { node, slot } => {
                    let t = self.timers[node as usize][slot as usize];
                    t.deadline.is_none_or(|d| d > q.at) || !self.replicas[node as usize].up
                }
                Event::ClientTick { generation, .. } => {
                    generation != self.workload_generation
                        || self.workload_every_ms == 0
                        || q.at > self.scenario.workload.until_ms.unwrap_or(u64::MAX)
                }
                Event::ClientTimeout(w) => self
                    .writes
                    .get(w as usize)
                    .is_none_or(|r| r.outcome != Outcome::Pending),
                Event::ClientRead { generation, .. } => {
                    generation != self.read_generation || self.scenario.workload.read_every_ms == 0
                }
            };
            if !noop {
                return;
            }
            self.queue.pop();
            if let Event::Timer { node, slot } = q.event {
                // What `fire_timer` does at `q.at` for a timer that does not fire.
                let n = node as usize;
                let slot_ref = &mut self.timers[n][slot as usize];
                if slot_ref.queued == Some(q.at) {
                    slot_ref.queued = None;
                }
                match slot_ref.deadline {
                    Some(d) if d > q.at && slot_ref.queued.is_none_or(|x| x > d) => {
                        slot_ref.queued = Some(d);
                        self.push(d, Event::Timer { node, slot });
                    }
                    Some(d) if d > q.at => {}
                    Some(_) => slot_ref.deadline = None,
                    None => {}
                }
            }
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
            Event::ClientTick { client, generation } => {
                if generation != self.workload_generation || self.workload_every_ms == 0 {
                    return false;
                }
                let until = self.scenario.workload.until_ms.unwrap_or(u64::MAX);
                if self.now > until {
                    return false;
                }
                self.hash(2, client as u64);
                let key = self.workload_count % self.scenario.workload.keys;
                self.workload_count += 1;
                let w = self.invoke(ClientId(client), WriteData::Workload { key });
                self.trace_event(
                    "workload",
                    Some(Endpoint::Client(ClientId(client))),
                    None,
                    || format!("{w}: k{} = v{}", key + 1, w.0 + 1),
                );
                let next = self.now + self.workload_every_ms;
                self.push(next, Event::ClientTick { client, generation });
                true
            }
            Event::ClientRead { client, generation } => {
                if generation != self.read_generation || self.scenario.workload.read_every_ms == 0 {
                    return false;
                }
                let next = self.now + self.scenario.workload.read_every_ms;
                self.push(next, Event::ClientRead { client, generation });
                self.hash(6, client as u64);
                let before = self.reads.len();
                self.read(ClientId(client));
                let issued = self.reads.len() > before;
                self.trace_event(
                    "workload_read",
                    Some(Endpoint::Client(ClientId(client))),
                    None,
                    || {
                        if issued {
                            format!("r{}: reads back the key of its latest write", before + 1)
                        } else {
                            "nothing written yet to read back".into()
                        }
                    },
                );
                true
            }
            Event::ClientTimeout(w) => {
                let now = self.now;
                let Some(rec) = self.writes.get_mut(w as usize) else {
                    return false;
                };
                if rec.outcome != Outcome::Pending {
                    return false;
                }
                rec.outcome = Outcome::Failed {
                    at: now,
                    reason: "timed out: no answer from the cluster".into(),
                };
                let client = rec.client;
                self.refile(WriteId(w));
                self.hash(3, w as u64);
                self.trace_event(
                    "client_timeout",
                    Some(Endpoint::Client(client)),
                    None,
                    || format!("{} gave up: no answer", WriteId(w)),
                );
                true
            }
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

    // ----- Network ------------------------------------------------------------------

    fn send(&mut self, source: Endpoint, target: Endpoint, payload: Payload) {
        self.messages_sent += 1;
        if self.network.blocked(source, target) {
            self.messages_dropped += 1;
            return;
        }
        let fault = self.network.fault(source, target);
        let jitter = if self.network.jitter_ms > 0 {
            self.net_rng.up_to(self.network.jitter_ms)
        } else {
            0
        };
        let base = if source.replica().is_some() && target.replica().is_some() {
            self.network.latency_ms
        } else {
            self.network.client_latency_ms
        };
        let delay = (base + jitter) * fault.slow_factor as u64;
        let doomed = fault.drop_probability > 0.0 && self.net_rng.chance(fault.drop_probability);
        let link = Network::link(source, target);
        // FIFO per link: a message never overtakes an earlier one on the same link.
        let deliver_at = (self.now + delay).max(self.network.last_deliver[link]);
        self.network.last_deliver[link] = deliver_at;
        let id = self.next_message;
        self.next_message += 1;
        self.in_flight.insert(
            id,
            InFlight {
                id,
                source,
                target,
                sent_at: self.now,
                deliver_at,
                payload,
                doomed,
            },
        );
        self.push(deliver_at, Event::Deliver(id));
    }

    fn deliver(&mut self, id: u64) -> bool {
        let Some(m) = self.in_flight.remove(&id) else {
            return false;
        };
        let kind = m.payload.kind();
        self.hash(
            4,
            ((m.doomed as u64) << 24)
                | ((m.source.index() as u64) << 16)
                | ((m.target.index() as u64) << 8)
                | kind as u64,
        );
        self.events_hash = crate::fingerprint::payload(self.events_hash, &m.payload);
        let target_down = m
            .target
            .replica()
            .is_some_and(|n| !self.replicas[n.index()].up);
        self.trace_event(kind.name(), Some(m.source), Some(m.target), || {
            let why = if m.doomed {
                "; dropped: the link lost it".to_string()
            } else if target_down {
                format!("; dropped: {} is down", m.target)
            } else {
                String::new()
            };
            format!("{}{why}", m.payload.summary())
        });
        if m.doomed || target_down {
            if let Some(e) = self.trace.as_mut().and_then(|t| t.last_mut()) {
                e.dropped = true;
            }
        }
        self.message_log
            .push(MessageRecord::of(&m, self.now, m.doomed || target_down));
        if m.doomed {
            self.messages_dropped += 1;
            return true;
        }
        match m.target {
            Endpoint::Replica(n) => {
                if !self.replicas[n.index()].up {
                    self.messages_dropped += 1;
                    return true;
                }
                if let (Payload::Read { read, key_of }, Endpoint::Client(c)) =
                    (&m.payload, m.source)
                {
                    self.serve_read(n, c, *read, *key_of);
                    return true;
                }
                let (source, payload, sent_at) = (m.source, m.payload, m.sent_at);
                self.with_replica(n, |r, ctx| r.on_message(source, payload, sent_at, ctx));
            }
            Endpoint::Client(c) => self.client_receive(c, m.source, m.payload, m.sent_at),
        }
        true
    }

    /// Drops every message in flight that matches, as a cut link or a crash does.
    fn drop_in_flight(&mut self, matches: impl Fn(&InFlight) -> bool) {
        let doomed: Vec<u64> = self
            .in_flight
            .values()
            .filter(|m| matches(m))
            .map(|m| m.id)
            .collect();
        for id in doomed {
            if let Some(m) = self.in_flight.remove(&id) {
                self.message_log.push(MessageRecord::of(&m, self.now, true));
            }
            self.messages_dropped += 1;
        }
    }

    // ----- Timers -------------------------------------------------------------------

    fn slot_of(timer: TimerKind) -> usize {
        match timer {
            TimerKind::Heartbeat => 0,
            TimerKind::Election => 1,
            TimerKind::SnapshotSend(f) => 2 + f.index(),
        }
    }

    fn kind_of(slot: usize) -> TimerKind {
        match slot {
            0 => TimerKind::Heartbeat,
            1 => TimerKind::Election,
            s => TimerKind::SnapshotSend(NodeId((s - 2) as u8)),
        }
    }

    fn set_timer(&mut self, n: NodeId, timer: TimerKind, after_ms: u64, jitter_ms: u64) {
        let jitter = if jitter_ms > 0 {
            self.rngs[n.index()].up_to(jitter_ms)
        } else {
            0
        };
        let deadline = self.now + after_ms + jitter;
        let slot_index = Self::slot_of(timer);
        let slot = &mut self.timers[n.index()][slot_index];
        slot.deadline = Some(deadline);
        // Timers are reset on every message; keep at most one wake-up queued per timer
        // rather than one per reset.
        if slot.queued.is_none_or(|q| q > deadline) {
            slot.queued = Some(deadline);
            self.push(
                deadline,
                Event::Timer {
                    node: n.0,
                    slot: slot_index as u8,
                },
            );
        }
    }

    fn fire_timer(&mut self, n: NodeId, slot_index: usize) -> bool {
        let now = self.now;
        let slot = &mut self.timers[n.index()][slot_index];
        if slot.queued == Some(now) {
            slot.queued = None;
        }
        let Some(deadline) = slot.deadline else {
            return false;
        };
        if deadline > now {
            if slot.queued.is_none_or(|q| q > deadline) {
                slot.queued = Some(deadline);
                self.push(
                    deadline,
                    Event::Timer {
                        node: n.0,
                        slot: slot_index as u8,
                    },
                );
            }
            return false;
        }
        slot.deadline = None;
        if !self.replicas[n.index()].up {
            return false;
        }
        let timer = Self::kind_of(slot_index);
        self.hash(5, ((n.0 as u64) << 8) | slot_index as u64);
        self.trace_event("timer", Some(Endpoint::Replica(n)), None, || match timer {
            TimerKind::Heartbeat => "heartbeat".to_string(),
            TimerKind::Election => "election timeout".to_string(),
            TimerKind::SnapshotSend(f) => format!("send the next snapshot part to {f}"),
        });
        self.with_replica(n, |r, ctx| r.on_timer(timer, ctx));
        true
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
            let mut ctx = Ctx {
                now: self.now,
                settings: &self.settings,
                members: self.members,
                out: &mut out,
                snapshot_rows: &rows,
            };
            f(&mut self.replicas[n.index()], &mut ctx);
        }
        // Bookkeeping first: which writes each log now holds.
        let mut base = before;
        for cmd in &out {
            if let Command::Happened(Happening::Truncated {
                from_position,
                entries,
                ..
            }) = cmd
            {
                base = base.min(from_position - 1);
                self.bulk_entries += entries.len() as u64;
                for e in entries {
                    if let Some(w) = self.writes.get_mut(e.write.index()) {
                        w.holders &= !n.bit();
                        self.fates.refile(w);
                    }
                }
            }
        }
        let after = self.replicas[n.index()].log.last_position();
        // Entries arriving more than a batch at a time came in a snapshot.
        if after.saturating_sub(base) > self.settings.batch_entries {
            self.bulk_entries += after - base;
        }
        if after != before || base != before {
            let narrow = |x: u64| x.min(u32::MAX as u64) as u32;
            self.position_log.push((narrow(self.now), n, narrow(after)));
        }
        if let Some(index) = &mut self.read_index {
            let log = &self.replicas[n.index()].log;
            let new =
                (base.min(after) + 1..=after).map(|p| log.get(p).expect("in the log").write.0);
            index.log_changed(n.index(), base.min(after), new);
        }
        if after > base {
            let now = self.now;
            for p in base + 1..=after {
                let e = *self.replicas[n.index()]
                    .log
                    .get(p)
                    .expect("position within the log");
                if let Some(w) = self.writes.get_mut(e.write.index()) {
                    w.holders |= n.bit();
                    w.appended_at.get_or_insert(now);
                    self.fates.refile(w);
                }
            }
        }
        for cmd in out.drain(..) {
            match cmd {
                Command::Send { to, payload } => self.send(Endpoint::Replica(n), to, payload),
                Command::SetTimer {
                    timer,
                    after_ms,
                    jitter_ms,
                } => self.set_timer(n, timer, after_ms, jitter_ms),
                Command::CancelTimer { timer } => {
                    self.timers[n.index()][Self::slot_of(timer)].deadline = None
                }
                Command::Happened(h) => self.happened(n, h),
            }
        }
        self.out = out;
    }

    /// Records a crash or restart; the sentence that says so must be the next note.
    fn up_changed(&mut self, node: NodeId, up: bool) {
        self.up_changes.push(UpChange {
            at_ms: self.now,
            node,
            up,
            note: self.notes.len(),
        });
    }

    fn note(&mut self, kind: NoteKind, node: Option<NodeId>, writes: Vec<WriteId>, text: String) {
        self.notes.push(Note {
            at_ms: self.now,
            kind,
            text,
            node,
            writes,
        });
    }

    fn happened(&mut self, n: NodeId, h: Happening) {
        match h {
            Happening::PreVoteStarted { epoch, silent_ms, last_leader, ahead_of } => {
                let old = last_leader.map(|l| l.to_string()).unwrap_or_else(|| "any leader".into());
                let why = match ahead_of {
                    Some(c) => format!("{n}'s log is more up-to-date than that of {c}, which asked for its vote, so it campaigns itself"),
                    None => format!("{n} heard nothing from {old} for {silent_ms} ms (failover timeout {} ms)", self.settings.failover_timeout_ms),
                };
                let text = format!("{why}; before standing in epoch {epoch}, it asks every replica how far its log reaches (pre-vote)");
                self.note(NoteKind::Election, Some(n), vec![], text);
            }
            Happening::ElectionStarted { epoch, forced, heard, last_leader: _ } => {
                let text = if forced {
                    format!("Manual failover: {n} asks for votes in epoch {epoch}")
                } else if heard == 0 {
                    format!("{n} asks for votes in epoch {epoch}: no other replica answered its pre-vote")
                } else {
                    format!("{n} asks for votes in epoch {epoch}: none of the replicas that answered ({}) holds a more up-to-date log", node_list(heard))
                };
                self.note(NoteKind::Election, Some(n), vec![], text);
            }
            Happening::CampaignAbandoned { epoch, reason } => {
                let text = match reason {
                    Abandoned::PeerAhead { peer } => format!("{n} does not stand in epoch {epoch}: {peer} holds a more up-to-date log and stands instead"),
                    Abandoned::LeaderAlive { peer } => format!("{n} does not stand in epoch {epoch}: {peer} still hears from a live leader"),
                    Abandoned::HeardLeader { leader } => format!("{n} stops campaigning: it heard from {leader}, which leads"),
                    Abandoned::TooFewVotes { pre_vote: true, granted, needed } => format!("{n} does not stand in epoch {epoch}: only {granted} of the {needed} replicas it needs would vote for it"),
                    Abandoned::TooFewVotes { pre_vote: false, granted, needed } => format!("{n} was not elected in epoch {epoch}: {granted} votes of the {needed} it needs"),
                };
                self.note(NoteKind::Election, Some(n), vec![], text);
            }
            Happening::BecameLeader { epoch, voters } => {
                self.note(NoteKind::Leader, Some(n), vec![], format!("{n} is now leader in epoch {epoch} (votes from {})", node_list(voters)));
                self.max_epoch = self.max_epoch.max(epoch);
                let newest = self.elections.last().map_or(epoch, |e| e.2.max(epoch));
                self.elections.push((self.now, epoch, newest));
                self.refresh_leader();
            }
            Happening::SteppedDown { epoch, cause } => {
                let text = match cause {
                    StepDownCause::NewerEpoch { from } => format!("{n} learned of a newer epoch from {from} and stepped down as leader of epoch {epoch}"),
                    StepDownCause::LostMajority { silent_ms } => format!(
                        "{n} has not heard from a majority for {silent_ms} ms; with fencing on, it stops taking writes, since another leader may have been elected"
                    ),
                    StepDownCause::ManualFailover { to } => format!("{n} hands leadership to {to} (manual failover)"),
                };
                let kind = if matches!(cause, StepDownCause::LostMajority { .. }) { NoteKind::Fencing } else { NoteKind::StepDown };
                self.note(kind, Some(n), vec![], text);
                self.refresh_leader();
            }
            Happening::Truncated { from_position, entries, leader } => {
                let writes: Vec<WriteId> = entries.iter().map(|e| e.write).collect();
                let installing = from_position == 1 && self.replicas[n.index()].setup.is_some();
                if !installing {
                    let confirmed: Vec<WriteId> = writes.iter().copied().filter(|w| self.write(*w).is_some_and(|r| r.is_confirmed())).collect();
                    let last = from_position + writes.len() as u64 - 1;
                    let mut text = format!(
                        "{n} discarded {} (log position{} {from_position}{}), which {leader} does not have",
                        names(&writes),
                        if writes.len() > 1 { "s" } else { "" },
                        if writes.len() > 1 { format!("–{last}") } else { String::new() }
                    );
                    if !confirmed.is_empty() {
                        text.push_str(&format!("; {} had been confirmed to clients", names(&confirmed)));
                    }
                    self.note(NoteKind::Discarded, Some(n), writes.clone(), text);
                }
                for w in writes {
                    self.check_lost(w);
                }
            }
            Happening::SyncFollowerChanged { from, to, silent_ms } => {
                let text = match from {
                    Some(f) => format!("{f} has not answered for {silent_ms} ms; {to} is now the synchronous follower"),
                    None => format!("{to} is now the synchronous follower"),
                };
                self.note(NoteKind::Sync, Some(n), vec![], text);
            }
            Happening::ChainChanged { order, removed } => {
                let chain: Vec<String> = order.nodes().iter().map(|x| x.to_string()).collect();
                let mut text = format!("Chain is now {} (head to tail)", chain.join(" → "));
                if !removed.is_empty() {
                    let r: Vec<String> = removed.iter().map(|x| x.to_string()).collect();
                    text.push_str(&format!("; {} spliced out", r.join(", ")));
                }
                self.note(NoteKind::Chain, Some(n), vec![], text);
            }
            Happening::SnapshotTaken { follower, position, rows, copy_ms } => {
                self.bulk_entries += position;
                self.note(
                    NoteKind::Snapshot,
                    Some(n),
                    vec![],
                    format!("{n} took a consistent snapshot at log position {position} ({}) for {follower}, without locking writes; copying takes about {copy_ms} ms", count(rows, "row", "rows")),
                )
            }
            Happening::SnapshotInstalled { position } => {
                let leader = self.replicas[n.index()].leader.map(|l| l.to_string()).unwrap_or_else(|| "the leader".into());
                self.note(NoteKind::CatchUp, Some(n), vec![], format!("{n} installed the snapshot at log position {position} and asks {leader} for every change since"))
            }
            Happening::SnapshotTooOld { from, requested, log_start, attempt: _, giving_up } => {
                let leader = from;
                let retention = self.settings.log_retention_entries.map(|r| format!(" (it keeps {})", count(r, "entry", "entries"))).unwrap_or_default();
                let next = if giving_up { "" } else { "; it must take a new snapshot" };
                self.note(
                    NoteKind::Snapshot,
                    Some(n),
                    vec![],
                    format!("{n} needs log position {requested}, but {leader}'s log now starts at {log_start}{retention}{next}"),
                )
            }
            Happening::SnapshotGaveUp { attempts } => self.note(
                NoteKind::Snapshot,
                Some(n),
                vec![],
                format!("{n} gave up after {attempts} snapshots: each copy took longer than the leader keeps its log"),
            ),
            Happening::CaughtUp { follower, position } => {
                if !self.members.is_live(follower) {
                    self.members.live |= follower.bit();
                    self.replicas[follower.index()].on_caught_up();
                    self.note(NoteKind::CaughtUp, Some(follower), vec![], format!("{follower} has caught up with {n} at log position {position} and now follows live"));
                } else if follower == n {
                    // A member that had to start over from a new snapshot says so itself.
                    self.note(NoteKind::CaughtUp, Some(n), vec![], format!("{n} has caught up from its new snapshot at log position {position} and follows live again"));
                }
            }
            Happening::StaleEpochRefused { from, their_epoch, our_epoch } => {
                if self.last_stale_note != Some((n, from, their_epoch)) {
                    self.last_stale_note = Some((n, from, their_epoch));
                    self.note(
                        NoteKind::Fencing,
                        Some(n),
                        vec![],
                        format!("{n} refused a message from {from}: its epoch {their_epoch} is older than {our_epoch}"),
                    );
                }
            }
            Happening::CatchUpStarted { from_position, upstream } => {
                self.note(NoteKind::CatchUp, Some(n), vec![], format!("{n} asks {upstream} for every change after log position {from_position} (catch-up)"));
            }
        }
    }

    // ----- Leadership and lost writes -----------------------------------------------

    /// The up replica leading the highest epoch: the one whose log decides what survived.
    fn find_leader(&self) -> Option<NodeId> {
        self.replicas
            .iter()
            .filter(|r| r.is_leader())
            .max_by_key(|r| (r.epoch, Reverse(r.id)))
            .map(|r| r.id)
    }

    fn refresh_leader(&mut self) {
        let leader = self.find_leader();
        if leader == self.current_leader {
            return;
        }
        match (self.current_leader, leader) {
            (Some(_), None) => self.leaderless_since = Some(self.now),
            (None, Some(_)) => {
                if let Some(s) = self.leaderless_since.take() {
                    self.leaderless_total_ms += self.now - s;
                }
            }
            _ => {}
        }
        self.current_leader = leader;
        // A change of leader decides the fate of the confirmed writes the new leader lacks
        // (or holds, if they were lost), and only theirs.
        let turned = self.fates.turned_by_leader(leader);
        #[cfg(debug_assertions)]
        if self.writes.len() < 2_000 {
            // Against the pass over every write that it replaces, while runs are short.
            let turns = |w: &WriteRecord| {
                let gone = leader.map_or(w.holders == 0, |l| w.holders & l.bit() == 0);
                w.is_confirmed() && gone != w.lost.is_some()
            };
            let scanned: Vec<WriteId> = self
                .writes
                .iter()
                .filter(|w| turns(w))
                .map(|w| w.id)
                .collect();
            debug_assert_eq!(turned, scanned);
        }
        let mut newly_lost = Vec::new();
        for w in turned {
            if self.update_lost(w) == Some(true) {
                newly_lost.push(w);
            }
        }
        if !newly_lost.is_empty() {
            self.note_lost(newly_lost);
        }
    }

    /// One sentence per reason: writes lost together for different reasons (some on a
    /// crashed leader, some confirmed during split brain) are explained apart.
    fn note_lost(&mut self, lost: Vec<WriteId>) {
        let reason_of =
            |sim: &Sim, w: WriteId| sim.write(w).and_then(|r| r.lost.as_ref()).map(|l| l.reason);
        for reason in [
            LostReason::LeaderCrashedBeforeReplicating,
            LostReason::DiscardedOnDemotion,
            LostReason::SplitBrain,
        ] {
            let group: Vec<WriteId> = lost
                .iter()
                .copied()
                .filter(|&w| reason_of(self, w) == Some(reason))
                .collect();
            if !group.is_empty() {
                self.note_lost_for(group, reason);
            }
        }
    }

    fn note_lost_for(&mut self, lost: Vec<WriteId>, reason: LostReason) {
        let leader = self.current_leader.map(|l| l.to_string());
        let records = || lost.iter().filter_map(|w| self.write(*w));
        let confirmers: u16 = records()
            .filter_map(|r| r.lost.as_ref())
            .map(|l| l.confirmed_by.bit())
            .fold(0, |a, b| a | b);
        // Where they still are: the confirmer, and perhaps followers that lost the election.
        let holders: u16 = records().map(|r| r.holders).fold(0, |a, b| a | b);
        let (it, existed) = if lost.len() > 1 {
            ("them", "they existed")
        } else {
            ("it", "it existed")
        };
        let why = match reason {
            LostReason::SplitBrain => format!(
                "{} confirmed {it} while another leader was taking writes (split brain)",
                node_list(confirmers)
            ),
            LostReason::LeaderCrashedBeforeReplicating if holders == confirmers => {
                format!("{existed} only on {}, which crashed", node_list(confirmers))
            }
            LostReason::LeaderCrashedBeforeReplicating => {
                format!(
                    "{existed} only on {}; {}, which confirmed {it}, crashed",
                    node_list(holders),
                    node_list(confirmers)
                )
            }
            LostReason::DiscardedOnDemotion if holders == confirmers => format!(
                "{existed} only on {}, which is no longer leader",
                node_list(confirmers)
            ),
            LostReason::DiscardedOnDemotion => {
                format!(
                    "{existed} only on {}, none of them the new leader; {} confirmed {it}",
                    node_list(holders),
                    node_list(confirmers)
                )
            }
        };
        let text = match leader {
            Some(l) => format!(
                "Confirmed write{} lost: {} {} not on the new leader {l}; {why}",
                if lost.len() > 1 { "s" } else { "" },
                names(&lost),
                if lost.len() > 1 { "are" } else { "is" }
            ),
            None => format!(
                "Confirmed write{} lost: {} on no replica",
                if lost.len() > 1 { "s" } else { "" },
                names(&lost)
            ),
        };
        self.note(NoteKind::Lost, None, lost, text);
    }

    /// Recomputes whether a confirmed write is lost: not on the current leader, or, while
    /// there is none, on no replica at all. Returns Some(true) if it just became lost.
    fn update_lost(&mut self, w: WriteId) -> Option<bool> {
        let now = self.now;
        let leader = self.current_leader;
        let confirmer_up =
            |by: NodeId, replicas: &Vec<Replica>| replicas.get(by.index()).is_some_and(|r| r.up);
        let rec = self.writes.get(w.index())?;
        let Outcome::Confirmed {
            by,
            newer_leader_existed,
            ..
        } = rec.outcome
        else {
            return None;
        };
        let gone = match leader {
            Some(l) => rec.holders & l.bit() == 0,
            None => rec.holders == 0,
        };
        match (gone, rec.lost.is_some()) {
            (true, false) => {
                let reason = if newer_leader_existed {
                    LostReason::SplitBrain
                } else if !confirmer_up(by, &self.replicas) {
                    LostReason::LeaderCrashedBeforeReplicating
                } else {
                    LostReason::DiscardedOnDemotion
                };
                let rec = self.writes.get_mut(w.index())?;
                rec.lost = Some(Lost {
                    at: now,
                    reason,
                    confirmed_by: by,
                    new_leader: leader,
                });
                self.fates.refile(rec);
                Some(true)
            }
            (false, true) => {
                let rec = self.writes.get_mut(w.index())?;
                rec.lost = None;
                self.fates.refile(rec);
                Some(false)
            }
            _ => None,
        }
    }

    /// Files a write anew in [`crate::fates::Fates`] after a change to it.
    fn refile(&mut self, w: WriteId) {
        if let Some(rec) = self.writes.get(w.index()) {
            self.fates.refile(rec);
        }
    }

    fn check_lost(&mut self, w: WriteId) {
        if self.update_lost(w) != Some(true) {
            return;
        }
        // A deposed leader confirming write after write during split brain would fill the
        // event log; extend the latest such sentence instead, while it is still the latest.
        let lost = self.write(w).and_then(|r| r.lost.clone());
        if let Some(l) = lost.filter(|l| l.reason == LostReason::SplitBrain) {
            if let Some((index, mut writes)) = self.open_split_brain_note.clone() {
                if index + 1 == self.notes.len() {
                    writes.push(w);
                    let leader = self
                        .current_leader
                        .map(|x| x.to_string())
                        .unwrap_or_else(|| "the new leader".into());
                    let text = format!(
                        "Split brain: {} confirmed {} while {leader} was leader; {} lost",
                        l.confirmed_by,
                        names(&writes),
                        if writes.len() > 1 { "all are" } else { "it is" }
                    );
                    let note = self.notes.get_mut(index).expect("index of the latest note");
                    note.text = text;
                    note.writes = writes.clone();
                    self.open_split_brain_note = Some((index, writes));
                    return;
                }
            }
            self.note_lost(vec![w]);
            self.open_split_brain_note = Some((self.notes.len() - 1, vec![w]));
            return;
        }
        self.note_lost(vec![w]);
    }

    // ----- Clients ------------------------------------------------------------------

    fn start_workload(&mut self, from_ms: u64) {
        self.workload_generation += 1;
        let (every, generation) = (self.workload_every_ms, self.workload_generation);
        self.schedule_clients(from_ms, every, 0, |client| Event::ClientTick {
            client,
            generation,
        });
    }

    fn start_reads(&mut self, from_ms: u64) {
        self.read_generation += 1;
        let (every, generation) = (self.scenario.workload.read_every_ms, self.read_generation);
        // Half an interval after the writes, so a read follows each write.
        self.schedule_clients(from_ms, every, every / 2, |client| Event::ClientRead {
            client,
            generation,
        });
    }

    /// Each client's first tick of a steady activity every `every` ms (none if 0), spread
    /// evenly over the interval so the clients do not act in lockstep.
    fn schedule_clients(
        &mut self,
        from_ms: u64,
        every: u64,
        first_offset: u64,
        event: impl Fn(u8) -> Event,
    ) {
        if every == 0 {
            return;
        }
        let n = self.clients.len() as u64;
        for c in 0..n {
            let at = from_ms.max(self.now) + first_offset + every * c / n;
            self.push(at, event(c as u8));
        }
    }

    /// A client reads back the key of its latest write, from the replica its policy picks.
    fn read(&mut self, c: ClientId) {
        let Some(index) = &self.read_index else {
            return;
        };
        let Some(w) = index.latest_write(c.index()).map(WriteId) else {
            return;
        };
        let own_confirmed = index.own_confirmed(c.index(), w.0).map(WriteId);
        #[cfg(debug_assertions)]
        if self.writes.len() < 2_000 {
            // The index against the scan it replaces, while runs are short enough to scan.
            let latest = self
                .writes
                .iter()
                .rev()
                .find(|x| x.client == c)
                .map(|x| x.id);
            let slot = self.write(w).map(|r| r.key_slot());
            let scanned = self
                .writes
                .iter()
                .rev()
                .find(|x| x.client == c && x.is_confirmed() && Some(x.key_slot()) == slot)
                .map(|x| x.id);
            debug_assert_eq!((latest, scanned), (Some(w), own_confirmed));
        }
        let leader = self.clients[c.index()].believed_leader;
        let followers: Vec<NodeId> = self
            .members
            .iter_live()
            .filter(|&f| f != leader && self.replicas[f.index()].up)
            .collect();
        let target = match self.read_from {
            crate::scenario::ReadFrom::Leader => leader,
            _ if followers.is_empty() => leader,
            crate::scenario::ReadFrom::Sticky => followers[c.index() % followers.len()],
            crate::scenario::ReadFrom::Followers => {
                followers[self.read_rng.up_to(followers.len() as u64 - 1) as usize]
            }
        };
        let key = self.write(w).map(|r| r.key()).unwrap_or_default();
        let id = self.reads.len() as u32;
        self.reads.push(ReadRecord {
            client: c,
            key_of: w,
            key,
            invoked_at: self.now,
            target,
            own_confirmed,
            answered_at: None,
            value: None,
            behind: 0,
            stale_own_write: false,
            went_back: false,
        });
        if self.replicas[target.index()].up {
            self.send(
                Endpoint::Client(c),
                Endpoint::Replica(target),
                Payload::Read {
                    read: id,
                    key_of: w,
                },
            );
        }
    }

    /// The replica's storage answers: the newest write of the key in its log.
    fn serve_read(&mut self, n: NodeId, c: ClientId, read: u32, key_of: WriteId) {
        let Some(index) = &self.read_index else {
            return;
        };
        let log = &self.replicas[n.index()].log;
        debug_assert_eq!(index.indexed(n.index()), log.last_position());
        let found = match index.newest_position(n.index(), key_of.0) {
            Some(p) => (log.get(p).map(|e| e.write), p),
            None => (None, 0),
        };
        #[cfg(debug_assertions)]
        if log.last_position() < 2_000 {
            // The index against the scan it replaces, while logs are short enough to scan.
            let slot = self.write(key_of).map(|w| w.key_slot());
            let scanned = (1..=log.last_position())
                .rev()
                .map(|p| (log.get(p).map(|e| e.write), p))
                .find(|(w, _)| w.and_then(|w| self.write(w)).map(|w| w.key_slot()) == slot)
                .unwrap_or((None, 0));
            debug_assert_eq!(found, scanned);
        }
        let replica_last = log.last_position();
        self.send(
            Endpoint::Replica(n),
            Endpoint::Client(c),
            Payload::ReadReply {
                read,
                value: found.0,
                position: found.1,
                replica_last,
            },
        );
    }

    /// Judges a read against the client's own writes and its earlier reads.
    fn read_answered(
        &mut self,
        read: u32,
        n: NodeId,
        value: Option<WriteId>,
        _position: u64,
        replica_last: u64,
    ) {
        let now = self.now;
        let leader_last = self
            .current_leader
            .map(|l| self.replicas[l.index()].log.last_position())
            .unwrap_or(replica_last);
        let Some(r) = self.reads.get(read as usize).cloned() else {
            return;
        };
        if r.answered_at.is_some() {
            return;
        }
        // Versions of one key are ordered by write id: each client's writes reach the
        // leader in order, and the lesson's clients write their own keys.
        let stale_own_write = r
            .own_confirmed
            .is_some_and(|own| value.is_none_or(|v| v < own));
        // The client's earlier read of the key that saw the newest value (of equal values,
        // the later read).
        let best = self
            .read_index
            .as_ref()
            .and_then(|index| index.best_read(r.client.index(), r.key_of.0));
        let previous = best
            .and_then(|b| self.reads.get(b as usize))
            .and_then(|x| x.value.map(|v| (v, x.target, x.answered_at.unwrap_or(0))));
        #[cfg(debug_assertions)]
        if self.reads.len() < 2_000 {
            let scanned = self
                .reads
                .iter()
                .filter(|x| x.client == r.client && x.key == r.key && x.answered_at.is_some())
                .filter_map(|x| x.value.map(|v| (v, x.target, x.answered_at.unwrap_or(0))))
                .max_by_key(|x| x.0);
            debug_assert_eq!(previous, scanned);
        }
        let went_back = previous.is_some_and(|(v, _, _)| value.is_none_or(|now_v| now_v < v));
        let newer = match (value, previous, best) {
            (None, _, _) => false,
            (Some(_), None, _) => true,
            (Some(v), Some((p, _, _)), b) => v > p || (v == p && b.is_some_and(|b| read > b)),
        };
        if newer {
            if let Some(index) = &mut self.read_index {
                index.set_best_read(r.client.index(), r.key_of.0, read);
            }
        }
        if let Some(rec) = self.reads.get_mut(read as usize) {
            rec.answered_at = Some(now);
            rec.value = value;
            rec.behind = leader_last.saturating_sub(replica_last);
            rec.stale_own_write = stale_own_write;
            rec.went_back = went_back;
        }
        if let Some(index) = &mut self.read_index {
            index.count_answer(stale_own_write, went_back);
        }
        let saw = match value.and_then(|v| self.write(v)) {
            Some(w) => format!("{} ({})", w.value(), w.id),
            None => "nothing".to_string(),
        };
        let behind = leader_last.saturating_sub(replica_last);
        if stale_own_write {
            let own = r.own_confirmed.expect("checked above");
            self.note(
                NoteKind::Anomaly,
                Some(n),
                vec![own],
                format!(
                    "{} read {} from {n} and got {saw}, but its own write {own} had been confirmed: read-your-writes violated ({n} is {behind} {} behind)",
                    r.client,
                    r.key,
                    if behind == 1 { "entry" } else { "entries" }
                ),
            );
        } else if went_back {
            let (v, from, at) = previous.expect("checked above");
            self.note(
                NoteKind::Anomaly,
                Some(n),
                vec![v],
                format!("{}'s read of {} from {n} returned {saw}, older than the {v} it read from {from} at {at} ms: monotonic reads violated", r.client, r.key),
            );
        }
    }

    /// Reads so far, and how many broke each guarantee.
    pub fn read_counts(&self) -> (u64, u64, u64) {
        let answered = self
            .reads
            .iter()
            .filter(|r| r.answered_at.is_some())
            .count() as u64;
        let ryw = self.reads.iter().filter(|r| r.stale_own_write).count() as u64;
        let mono = self.reads.iter().filter(|r| r.went_back).count() as u64;
        (answered, ryw, mono)
    }

    fn invoke(&mut self, client: ClientId, data: WriteData) -> WriteId {
        let id = WriteId(self.writes.len() as u32);
        let target = self.clients[client.index()].believed_leader;
        // The message carries only the id; the key and value count once, here.
        self.events_hash = crate::fingerprint::write_data(self.events_hash, &data);
        if let Some(index) = &mut self.read_index {
            index.invoked(id.0, client.index(), &data);
        }
        self.writes.push(WriteRecord {
            id,
            client,
            data,
            invoked_at: self.now,
            sent_to: target,
            redirects: 0,
            outcome: Outcome::Pending,
            holders: 0,
            appended_at: None,
            lost: None,
        });
        self.refile(id);
        if let Some(t) = self.scenario.cluster.client_timeout_ms {
            let at = self.now + t;
            self.push(at, Event::ClientTimeout(id.0));
        }
        self.send_write(client, target, id);
        id
    }

    /// A client's request; a replica that is down refuses the connection at once.
    fn send_write(&mut self, client: ClientId, target: NodeId, write: WriteId) {
        if !self.replicas[target.index()].up
            && !self
                .network
                .blocked(Endpoint::Client(client), Endpoint::Replica(target))
        {
            let now = self.now;
            if let Some(rec) = self.writes.get_mut(write.index()) {
                rec.outcome = Outcome::Failed {
                    at: now,
                    reason: format!("{target} is down: connection refused"),
                };
                self.fates.refile(rec);
            }
            return;
        }
        self.send(
            Endpoint::Client(client),
            Endpoint::Replica(target),
            Payload::ClientWrite { write },
        );
    }

    fn client_receive(&mut self, c: ClientId, from: Endpoint, payload: Payload, sent_at: u64) {
        let now = self.now;
        match payload {
            Payload::ReadReply {
                read,
                value,
                position,
                replica_last,
            } => {
                if let Some(n) = from.replica() {
                    self.read_answered(read, n, value, position, replica_last);
                }
            }
            Payload::LeaderNotice { epoch, leader } => {
                let client = &mut self.clients[c.index()];
                if epoch >= client.known_epoch {
                    client.known_epoch = epoch;
                    client.believed_leader = leader;
                }
            }
            Payload::WriteReply { write, outcome } => {
                let newer_than = |epoch: u32| {
                    let by_then = self.elections.partition_point(|e| e.0 <= sent_at);
                    by_then > 0 && self.elections[by_then - 1].2 > epoch
                };
                let newer_leader_existed = match outcome {
                    ReplyOutcome::Confirmed { epoch, .. } => newer_than(epoch),
                    _ => false,
                };
                let Some(rec) = self.writes.get_mut(write.index()) else {
                    return;
                };
                if rec.outcome != Outcome::Pending {
                    return;
                }
                match outcome {
                    ReplyOutcome::Confirmed { by, epoch } => {
                        rec.outcome = Outcome::Confirmed {
                            at: now,
                            by,
                            epoch,
                            newer_leader_existed,
                        };
                        let client = rec.client.index();
                        if let Some(index) = &mut self.read_index {
                            index.confirmed(write.0, client);
                        }
                        self.check_lost(write);
                    }
                    ReplyOutcome::Redirect { leader: Some(l) } if rec.redirects < 3 => {
                        rec.redirects += 1;
                        rec.sent_to = l;
                        self.clients[c.index()].believed_leader = l;
                        self.send_write(c, l, write);
                    }
                    ReplyOutcome::Redirect { leader } => {
                        let from = from.to_string();
                        rec.outcome = Outcome::Failed {
                            at: now,
                            reason: match leader {
                                Some(_) => "redirected three times without finding the leader".into(),
                                None => format!("{from} is not the leader and knows of none (an election is under way)"),
                            },
                        };
                    }
                    ReplyOutcome::Refused { reason } => {
                        rec.outcome = Outcome::Failed {
                            at: now,
                            reason: format!("refused by {from}: {reason}"),
                        };
                    }
                }
                self.refile(write);
            }
            _ => {}
        }
    }

    // ----- Actions ------------------------------------------------------------------

    /// Adds an action one millisecond from now, as a reader's click does, and returns it as
    /// recorded in the scenario, so that replaying the scenario reproduces the run.
    pub fn inject(&mut self, action: Action) -> Result<TimedAction, crate::ScenarioError> {
        let timed = TimedAction {
            at_ms: self.now + 1,
            action,
        };
        let mut candidate = (*self.scenario).clone();
        candidate.events.push(timed.clone());
        candidate.validate()?;
        self.scenario = Arc::new(candidate);
        if timed.at_ms > self.end_ms {
            self.end_ms = timed.at_ms + 2_000;
        }
        self.schedule_action(self.scenario.events.len() - 1);
        Ok(timed)
    }

    fn endpoint_link_pairs(
        source: Endpoint,
        target: Endpoint,
        one_way: bool,
    ) -> Vec<(Endpoint, Endpoint)> {
        if one_way {
            vec![(source, target)]
        } else {
            vec![(source, target), (target, source)]
        }
    }

    fn apply(&mut self, action: &Action) {
        match action {
            Action::Crash { node } => self.crash(*node),
            Action::Restart { node } => {
                let n = *node;
                let Some(r) = self.replicas.get(n.index()) else {
                    return;
                };
                if r.up {
                    self.note(
                        NoteKind::Restart,
                        Some(n),
                        vec![],
                        format!("{n} is already running"),
                    );
                    return;
                }
                let (last, epoch) = (r.log.last_position(), r.epoch);
                self.with_replica(n, |r, ctx| r.restart(ctx));
                self.up_changed(n, true);
                self.note(NoteKind::Restart, Some(n), vec![], format!("{n} restarted as a follower with its log up to position {last} (epoch {epoch})"));
            }
            Action::Partition { groups } => {
                self.network.partition = [0; MAX_ENDPOINTS];
                for (g, group) in groups.iter().enumerate() {
                    for p in group {
                        self.network.partition[p.index()] = g as u8 + 1;
                    }
                }
                let text: Vec<String> = groups
                    .iter()
                    .map(|g| {
                        g.iter()
                            .map(|p| p.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .collect();
                self.note(
                    NoteKind::Network,
                    None,
                    vec![],
                    format!("Network partition: {{{}}}", text.join("} | {")),
                );
                self.drop_partitioned();
            }
            Action::Isolate { node } => {
                self.network.partition = [0; MAX_ENDPOINTS];
                for i in 0..MAX_ENDPOINTS {
                    self.network.partition[i] = 2;
                }
                self.network.partition[node.index()] = 1;
                self.note(
                    NoteKind::Network,
                    Some(*node),
                    vec![],
                    format!("{node} is cut off from every other replica and client"),
                );
                self.drop_partitioned();
            }
            Action::Heal => {
                self.network.partition = [0; MAX_ENDPOINTS];
                for f in self.network.faults.iter_mut() {
                    *f = LinkFault::default();
                }
                self.note(
                    NoteKind::Network,
                    None,
                    vec![],
                    "The network is healed: every link is up".into(),
                );
            }
            Action::CutLink {
                source,
                target,
                one_way,
            } => {
                for (s, t) in Self::endpoint_link_pairs(*source, *target, *one_way) {
                    self.network.faults[Network::link(s, t)].cut = true;
                    self.drop_in_flight(|m| m.source == s && m.target == t);
                }
                self.note(
                    NoteKind::Network,
                    None,
                    vec![],
                    format!(
                        "Link {source} {} {target} is cut",
                        if *one_way { "→" } else { "↔" }
                    ),
                );
            }
            Action::SlowLink {
                source,
                target,
                factor,
                one_way,
            } => {
                for (s, t) in Self::endpoint_link_pairs(*source, *target, *one_way) {
                    self.network.faults[Network::link(s, t)].slow_factor = *factor;
                }
                self.note(
                    NoteKind::Network,
                    None,
                    vec![],
                    format!(
                        "Link {source} {} {target} is {factor}× slower",
                        if *one_way { "→" } else { "↔" }
                    ),
                );
            }
            Action::LossyLink {
                source,
                target,
                drop_probability,
                one_way,
            } => {
                for (s, t) in Self::endpoint_link_pairs(*source, *target, *one_way) {
                    self.network.faults[Network::link(s, t)].drop_probability = *drop_probability;
                }
                self.note(
                    NoteKind::Network,
                    None,
                    vec![],
                    format!(
                        "Link {source} {} {target} drops {}% of messages",
                        if *one_way { "→" } else { "↔" },
                        (drop_probability * 100.0).round() as u32
                    ),
                );
            }
            Action::HealLink {
                source,
                target,
                one_way,
            } => {
                for (s, t) in Self::endpoint_link_pairs(*source, *target, *one_way) {
                    self.network.faults[Network::link(s, t)] = LinkFault::default();
                }
                self.note(
                    NoteKind::Network,
                    None,
                    vec![],
                    format!(
                        "Link {source} {} {target} is healed",
                        if *one_way { "→" } else { "↔" }
                    ),
                );
            }
            Action::AddFollower {} => {
                let id = NodeId(self.replicas.len() as u8);
                if self.replicas.len() >= MAX_REPLICAS {
                    return;
                }
                let mut out = Vec::new();
                let r = {
                    let rows = |_: &Log, _: u64| 0;
                    let mut ctx = Ctx {
                        now: self.now,
                        settings: &self.settings,
                        members: self.members,
                        out: &mut out,
                        snapshot_rows: &rows,
                    };
                    Replica::new_follower(id, &mut ctx)
                };
                self.replicas.push(r);
                self.members.all |= id.bit();
                self.note(NoteKind::Snapshot, Some(id), vec![], format!("{id} joins as a new follower: first a snapshot of the leader, then every change since"));
            }
            Action::Failover { node } => self.manual_failover(*node),
            Action::Write { key, value, client } => {
                let c = client.unwrap_or(ClientId(0));
                let w = self.invoke(c, WriteData::Manual(Arc::new((key.clone(), value.clone()))));
                self.note(
                    NoteKind::Write,
                    None,
                    vec![w],
                    format!(
                        "{c} writes {key} = {value} ({w}) to {}",
                        self.writes
                            .get(w.index())
                            .map(|r| r.sent_to)
                            .unwrap_or(NodeId(0))
                    ),
                );
            }
            Action::Set(SettingsChange {
                mode,
                write_quorum,
                latency_ms,
                jitter_ms,
                failover_timeout_ms,
                fencing,
                read_from,
            }) => {
                let mut changes = Vec::new();
                if let Some(m) = mode {
                    self.settings.mode = *m;
                    changes.push(format!("mode {m}"));
                }
                if let Some(w) = write_quorum {
                    self.settings.write_quorum = *w;
                    changes.push(format!("write quorum {w}"));
                }
                if let Some(l) = latency_ms {
                    self.network.latency_ms = *l;
                    changes.push(format!("latency {l} ms"));
                }
                if let Some(j) = jitter_ms {
                    self.network.jitter_ms = *j;
                    changes.push(format!("jitter {j} ms"));
                }
                if let Some(t) = failover_timeout_ms {
                    self.settings.failover_timeout_ms = *t;
                    if self.scenario.cluster.sync_timeout_ms.is_none() {
                        self.settings.sync_timeout_ms = (*t / 2).max(1);
                    }
                    changes.push(format!("failover timeout {t} ms"));
                }
                if let Some(f) = fencing {
                    self.settings.fencing = *f;
                    changes.push(format!("fencing {}", if *f { "on" } else { "off" }));
                }
                if let Some(r) = read_from {
                    self.read_from = *r;
                    changes.push(format!("reads from {}", r.name()));
                }
                self.note(
                    NoteKind::Setting,
                    None,
                    vec![],
                    format!("Settings changed: {}", changes.join(", ")),
                );
                if mode.is_some() || write_quorum.is_some() {
                    if let Some(l) = self.current_leader {
                        self.with_replica(l, |r, ctx| r.on_mode_changed(ctx));
                    }
                }
            }
            Action::Workload { write_every_ms } => {
                self.workload_every_ms = *write_every_ms;
                self.note(
                    NoteKind::Setting,
                    None,
                    vec![],
                    if *write_every_ms == 0 {
                        "The steady workload stops".into()
                    } else {
                        format!("Each client now writes every {write_every_ms} ms")
                    },
                );
                let now = self.now;
                self.start_workload(now);
            }
        }
    }

    fn drop_partitioned(&mut self) {
        let net = self.network.clone();
        self.drop_in_flight(|m| net.partitioned(m.source, m.target));
    }

    fn crash(&mut self, n: NodeId) {
        let Some(r) = self.replicas.get(n.index()) else {
            return;
        };
        if !r.up {
            self.note(
                NoteKind::Crash,
                Some(n),
                vec![],
                format!("{n} is already down"),
            );
            return;
        }
        let was_leader = r.is_leader();
        self.replicas[n.index()].crash();
        for slot in self.timers[n.index()].iter_mut() {
            slot.deadline = None;
        }
        // Its connections reset: whatever it had on the wire, either way, is gone.
        let e = Endpoint::Replica(n);
        self.drop_in_flight(|m| m.source == e || m.target == e);
        let only_here = self.fates.only_on(n);
        let waiting = self.fates.waiting_on(n);
        #[cfg(debug_assertions)]
        if self.writes.len() < 2_000 {
            // Against the passes over every write that they replace, while runs are short.
            let ids = |f: &dyn Fn(&WriteRecord) -> bool| -> Vec<WriteId> {
                self.writes.iter().filter(|w| f(w)).map(|w| w.id).collect()
            };
            let only = ids(&|w| w.is_confirmed() && w.holders == n.bit() && w.lost.is_none());
            let pending = ids(&|w| w.outcome == Outcome::Pending && w.sent_to == n);
            debug_assert_eq!((&only_here, &waiting), (&only, &pending));
        }
        // Clients waiting on it see their connection reset: they know the write did not
        // (knowingly) succeed, though it may still survive on another replica.
        let now = self.now;
        for w in waiting {
            let rec = self.writes.get_mut(w.index()).expect("in range");
            rec.outcome = Outcome::Failed {
                at: now,
                reason: format!("connection to {n} reset: it crashed before answering"),
            };
            self.fates.refile(rec);
        }
        let mut text = format!(
            "{n} crashed{}",
            if was_leader {
                " (it was the leader)"
            } else {
                ""
            }
        );
        if !only_here.is_empty() {
            text.push_str(&format!(
                "; {} {} confirmed but exist{} only on {n}",
                names(&only_here),
                if only_here.len() > 1 { "were" } else { "was" },
                if only_here.len() > 1 { "" } else { "s" }
            ));
        }
        self.up_changed(n, false);
        self.note(NoteKind::Crash, Some(n), only_here, text);
        self.refresh_leader();
    }

    fn manual_failover(&mut self, node: Option<NodeId>) {
        let target = node.or_else(|| {
            // The most up-to-date follower that is up.
            self.replicas
                .iter()
                .filter(|r| r.up && !r.is_leader() && self.members.is_live(r.id))
                .max_by_key(|r| (r.log.last_epoch(), r.log.last_position(), Reverse(r.id)))
                .map(|r| r.id)
        });
        let Some(t) = target else {
            self.note(
                NoteKind::Election,
                None,
                vec![],
                "Manual failover: no follower is up to promote".into(),
            );
            return;
        };
        let r = &self.replicas[t.index()];
        if !r.up {
            self.note(
                NoteKind::Election,
                Some(t),
                vec![],
                format!("Manual failover: {t} is down and cannot be promoted"),
            );
            return;
        }
        if r.is_leader() {
            self.note(
                NoteKind::Election,
                Some(t),
                vec![],
                format!("Manual failover: {t} is already the leader"),
            );
            return;
        }
        if !self.members.is_live(t) {
            self.note(
                NoteKind::Election,
                Some(t),
                vec![],
                format!("Manual failover: {t} has not caught up yet and cannot be promoted"),
            );
            return;
        }
        self.with_replica(t, |r, ctx| r.start_election(ctx, true));
    }

    /// Writes waiting at the leader for acknowledgements that a silent replica is not
    /// sending: the cost of synchronous replication.
    pub fn blocked_writes(&self) -> Vec<WriteId> {
        let Some(l) = self.current_leader else {
            return Vec::new();
        };
        let leader = &self.replicas[l.index()];
        let t = self.settings.failover_timeout_ms;
        let silent_required = self.members.iter_live().any(|f| {
            f != l
                && self
                    .now
                    .saturating_sub(leader.peers[f.index()].last_heard_ms)
                    > t
                && match self.settings.mode {
                    Mode::Sync => true,
                    Mode::SemiSync => leader.sync_follower == Some(f),
                    Mode::Quorum => true,
                    Mode::Chain => leader.chain.contains(f),
                    Mode::Async => false,
                }
        });
        if !silent_required {
            return Vec::new();
        }
        leader
            .log
            .slice(leader.confirmed + 1, leader.log.last_position())
            .iter()
            .filter(|e| {
                self.write(e.write).is_some_and(|w| {
                    w.outcome == Outcome::Pending && self.now.saturating_sub(w.invoked_at) > t
                })
            })
            .map(|e| e.write)
            .collect()
    }

    /// The key-value state a replica's log amounts to (initial rows not included).
    pub fn state_of(&self, n: NodeId) -> BTreeMap<String, String> {
        let mut state = BTreeMap::new();
        for e in self.replicas[n.index()].log.iter() {
            if let Some(w) = self.write(e.write) {
                state.insert(w.key(), w.value());
            }
        }
        state
    }
}
