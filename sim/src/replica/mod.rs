//! One replica, sans-IO: it reacts to a client write, a message or a timer by changing its
//! own state and returning commands (send, set a timer, report a happening) that the
//! simulator carries out. Durable state (epoch, vote, log) survives a crash; everything
//! else is volatile and is lost.
//!
//! This file holds the state, the lifecycle (start, crash, restart) and the dispatch of
//! inputs. Each behaviour of the chapter has its own file: `confirm` (when each mode
//! confirms a write), `replication` (append, acknowledge, heartbeat, catch-up), `chain`
//! (chain replication), `election` (failover), `fencing` (epochs and leases),
//! `controlled` (a replica under a controller node), `snapshot` (setting up a new
//! follower, log retention), `locked_copy` (a new follower copied under a write lock),
//! `file_copy` (a new follower copied file by file while writes continue) and `retention`
//! (keeping the log until every follower has
//! caught up, and the leader's disk).

use crate::ids::{ClientId, Endpoint, NodeId, WriteId, MAX_REPLICAS};
use crate::log::{Entry, Log};
use crate::message::*;
use crate::scenario::{CopyMethod, Failover, LogRetention, Mode};

mod chain;
mod confirm;
mod controlled;
mod election;
mod fencing;
mod file_copy;
mod locked_copy;
mod replication;
mod retention;
mod snapshot;

pub use election::{Campaign, CampaignPhase};
pub use file_copy::{file_copy_data, FileCopyRead, MissedWrite};
pub use locked_copy::WriteLock;
pub use retention::DISK_FULL;
pub use snapshot::{Setup, SetupPhase, SnapshotSend, MAX_SNAPSHOT_ATTEMPTS};

/// The cluster-wide settings a replica consults; they can change mid-run.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub mode: Mode,
    pub write_quorum: u8,
    pub failover_timeout_ms: u64,
    pub heartbeat_ms: u64,
    pub sync_timeout_ms: u64,
    pub fencing: bool,
    /// Who chooses a new leader: an election, or the controller.
    pub failover: Failover,
    pub log_retention_entries: Option<u64>,
    pub log_retention: LogRetention,
    /// The leader's disk, shared by the initial rows and its retained log.
    pub disk_entries: Option<u64>,
    pub initial_rows: u64,
    pub snapshot_rows_per_s: u64,
    pub clients: u8,
    /// Most entries in one catch-up append.
    pub batch_entries: u64,
}

/// Who belongs to the cluster. `live` members count for votes, quorums and synchronous
/// acknowledgement; a new follower becomes live once it has caught up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Members {
    pub all: u16,
    pub live: u16,
}

impl Members {
    pub fn is_live(&self, n: NodeId) -> bool {
        self.live & n.bit() != 0
    }
    pub fn is_member(&self, n: NodeId) -> bool {
        self.all & n.bit() != 0
    }
    pub fn majority(&self) -> u32 {
        self.live.count_ones() / 2 + 1
    }
    pub fn iter_all(&self) -> impl Iterator<Item = NodeId> {
        let all = self.all;
        (0..MAX_REPLICAS as u8)
            .filter(move |i| all & (1 << i) != 0)
            .map(NodeId)
    }
    pub fn iter_live(&self) -> impl Iterator<Item = NodeId> {
        let live = self.live;
        (0..MAX_REPLICAS as u8)
            .filter(move |i| live & (1 << i) != 0)
            .map(NodeId)
    }
}

/// What a replica may read of the world while it reacts, and where its commands go.
pub struct Ctx<'a> {
    pub now: u64,
    pub settings: &'a Settings,
    pub members: Members,
    pub out: &'a mut Vec<Command>,
    /// Rows of data a snapshot of `log` up to `position` holds; the simulator knows the keys.
    pub snapshot_rows: &'a dyn Fn(&Log, u64) -> u64,
    /// The key a write sets, for a file copy, which reads rows by key.
    pub key_of: &'a dyn Fn(WriteId) -> Option<crate::sim::KeySlot>,
}

impl Ctx<'_> {
    fn send(&mut self, to: NodeId, payload: Payload) {
        self.out.push(Command::send_to_replica(to, payload));
    }
    fn reply(&mut self, to: ClientId, payload: Payload) {
        self.out.push(Command::send_to_client(to, payload));
    }
    fn timer(&mut self, timer: TimerKind, after_ms: u64, jitter_ms: u64) {
        self.out.push(Command::SetTimer {
            timer,
            after_ms,
            jitter_ms,
        });
    }
    fn happened(&mut self, h: Happening) {
        self.out.push(Command::Happened(h));
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Leader,
    Follower,
    Candidate,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Leader => "leader",
            Role::Follower => "follower",
            Role::Candidate => "candidate",
        }
    }
}

/// A leader's knowledge of one follower (or, in a chain, of its successor).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Peer {
    /// Next log position to send; 0 while the follower is being set up from a snapshot.
    pub next: u64,
    /// Highest position known to be identical on both.
    pub matched: u64,
    pub last_heard_ms: u64,
    /// Send time of the newest message it acknowledged: the basis of the leader's lease.
    pub acked_sent_at: u64,
    /// First position sent to it live (not as catch-up): from here on it follows live.
    pub stream_start: Option<u64>,
    pub snapshot: Option<SnapshotSend>,
}

/// What a replica knows of the chain (chain replication), kept together: the chain as the
/// head last announced it, the epoch it was adopted in, how far the tail has confirmed as
/// heard from downstream, and how far this replica verified its log with its upstream.
#[derive(Clone, Debug, PartialEq)]
pub struct ChainState {
    pub config: ChainConfig,
    /// The epoch in which `config` was adopted.
    pub epoch: u32,
    /// Highest position the tail has, as heard from downstream.
    pub confirmed: u64,
    /// Highest position verified with the upstream (the predecessor, or the leader).
    pub upstream_match: u64,
}

impl Default for ChainState {
    fn default() -> Self {
        ChainState {
            config: ChainConfig::empty(),
            epoch: 0,
            confirmed: 0,
            upstream_match: 0,
        }
    }
}

/// What a replica knows of elections (failover), kept together: the newest epoch it has
/// heard of, whom it voted for in its voted epoch, its own campaign, and how long it
/// promised its vote.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ElectionState {
    pub seen_epoch: u32,
    /// Whom it voted for in `voted_epoch` (forgotten in a crash; see `restart`).
    pub voted_for: Option<NodeId>,
    pub campaign: Campaign,
    /// Until this instant the replica votes for no other candidate (bar a manual
    /// failover): the candidate it voted for may be leading on the strength of that vote.
    pub vote_promised_until_ms: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Replica {
    pub id: NodeId,
    // Durable.
    pub epoch: u32,
    pub voted_epoch: u32,
    pub log: Log,
    /// Retention `until_caught_up`: the log up to here is deleted, every follower having
    /// had it while this replica led.
    pub log_discarded: u64,
    // Volatile.
    pub up: bool,
    pub role: Role,
    pub leader: Option<NodeId>,
    pub last_leader_contact_ms: u64,
    /// Failover: the votes and campaigns of this replica.
    pub election: ElectionState,
    /// Leader: highest confirmed position. Follower: highest it has heard is confirmed.
    pub confirmed: u64,
    pub peers: [Peer; MAX_REPLICAS],
    pub sync_follower: Option<NodeId>,
    /// Chain replication: the chain this replica knows and where it stands in it.
    pub chain: ChainState,
    pub setup: Option<Setup>,
    pub needs_catch_up: bool,
    pub position_at_last_heartbeat: u64,
    /// The leader refuses writes because its disk is full (said once, when it fills).
    pub disk_full: bool,
    /// A new follower: how it asks to be copied.
    pub copy_method: CopyMethod,
    /// Leader: writes are locked while a copy runs (`locked_copy`).
    pub write_lock: Option<WriteLock>,
}
impl Replica {
    pub fn new(id: NodeId) -> Replica {
        Replica {
            id,
            epoch: 0,
            voted_epoch: 0,
            log: Log::new(),
            log_discarded: 0,
            up: true,
            role: Role::Follower,
            leader: None,
            last_leader_contact_ms: 0,
            election: ElectionState::default(),
            confirmed: 0,
            peers: Default::default(),
            sync_follower: None,
            chain: ChainState::default(),
            setup: None,
            needs_catch_up: false,
            position_at_last_heartbeat: 0,
            disk_full: false,
            copy_method: CopyMethod::Snapshot,
            write_lock: None,
        }
    }

    /// The cluster's first configuration: `leader` leads epoch 1 and everyone knows it.
    pub fn start(&mut self, leader: NodeId, ctx: &mut Ctx) {
        self.epoch = 1;
        self.voted_epoch = 1;
        if self.id == leader {
            self.election.campaign = Campaign {
                phase: CampaignPhase::Vote,
                epoch: 1,
                started_ms: ctx.now,
                phase_started_ms: ctx.now,
                granted: ctx.members.live,
                ..Campaign::default()
            };
            self.become_leader(ctx, false);
        } else {
            self.leader = Some(leader);
            self.last_leader_contact_ms = ctx.now;
            self.reset_election_timer(ctx);
        }
    }

    /// Loses everything volatile, as a process does when it dies.
    pub fn crash(&mut self) {
        let fresh = Replica::new(self.id);
        self.up = false;
        self.role = Role::Follower;
        self.leader = None;
        self.election.seen_epoch = fresh.election.seen_epoch;
        self.election.voted_for = None;
        self.election.campaign = Campaign::default();
        self.confirmed = 0;
        self.peers = fresh.peers;
        self.sync_follower = None;
        self.chain = ChainState::default();
        self.needs_catch_up = false;
        self.disk_full = false;
        self.write_lock = None;
    }

    /// Back up as a follower that knows its last log position and will ask for the rest.
    pub fn restart(&mut self, ctx: &mut Ctx) {
        self.up = true;
        self.role = Role::Follower;
        self.leader = None;
        self.last_leader_contact_ms = ctx.now;
        self.needs_catch_up = true;
        // It may have voted just before it crashed, and has forgotten whom for: it keeps
        // that promise the safe way, by voting for nobody for a failover timeout.
        self.election.vote_promised_until_ms = ctx.now + ctx.settings.failover_timeout_ms;
        if let Some(setup) = &mut self.setup {
            setup.phase = if self.log.snapshot_position > 0 {
                SetupPhase::CatchingUp {
                    from: self.log.last_position(),
                }
            } else {
                SetupPhase::WaitingForLeader
            };
            setup.leader = None;
            setup.since_ms = ctx.now;
        }
        self.reset_election_timer(ctx);
    }

    pub fn is_leader(&self) -> bool {
        self.up && self.role == Role::Leader
    }

    /// The last position this replica knows to be on the leader: its whole log if it leads,
    /// otherwise what it verified with its upstream in the current epoch. A chain node
    /// forwards, and a chain tail confirms, nothing beyond it.
    pub fn verified_last(&self) -> u64 {
        if self.role == Role::Leader {
            self.log.last_position()
        } else {
            self.chain.upstream_match.min(self.log.last_position())
        }
    }

    fn reset_election_timer(&mut self, ctx: &mut Ctx) {
        let t = ctx.settings.failover_timeout_ms;
        // Randomised over [t, 2t], as in Raft, so that followers rarely time out together.
        ctx.timer(TimerKind::Election, t, t);
    }

    pub fn on_timer(&mut self, timer: TimerKind, ctx: &mut Ctx) {
        match timer {
            TimerKind::Heartbeat => {
                if self.role == Role::Leader {
                    self.leader_tick(ctx);
                } else {
                    self.campaign_tick(ctx);
                }
            }
            TimerKind::Election => {
                if self.election.campaign.active() {
                    self.campaign_window_over(ctx);
                } else if self.role != Role::Leader
                    && ctx.members.is_live(self.id)
                    && !Self::controlled(ctx)
                {
                    // A live member that is being re-seeded from a snapshot may stand too:
                    // its log may be the most up-to-date there is. Under a controller
                    // nobody stands: the controller appoints.
                    self.start_election(ctx, false);
                }
            }
            TimerKind::SnapshotSend(f) => self.send_snapshot_chunk(f, ctx),
        }
    }

    pub fn on_message(&mut self, from: Endpoint, payload: Payload, sent_at: u64, ctx: &mut Ctx) {
        match (from, payload) {
            (Endpoint::Client(c), Payload::ClientWrite(ClientWrite { write })) => {
                self.on_client_write(c, write, ctx)
            }
            (Endpoint::Replica(f), p) => self.on_replica_message(f, p, sent_at, ctx),
            (Endpoint::Controller, Payload::Controller(m)) => self.on_controller_message(m, ctx),
            _ => {}
        }
    }

    /// A message from another replica. The log's own traffic is handled here; set-up and
    /// election messages in `on_snapshot_or_vote_message`.
    fn on_replica_message(&mut self, from: NodeId, payload: Payload, sent_at: u64, ctx: &mut Ctx) {
        match payload {
            Payload::Append(append) => self.on_append(from, append, sent_at, ctx),
            Payload::Ack(ack) => self.on_ack(from, ack, ctx),
            Payload::Heartbeat(heartbeat) => self.on_heartbeat(from, heartbeat, sent_at, ctx),
            Payload::CatchUpRequest(request) => self.on_catch_up_request(from, request, ctx),
            other => self.on_snapshot_or_vote_message(from, other, ctx),
        }
    }

    fn on_snapshot_or_vote_message(&mut self, from: NodeId, payload: Payload, ctx: &mut Ctx) {
        match payload {
            Payload::SnapshotRequest(request) => self.on_snapshot_request(from, request, ctx),
            Payload::SnapshotChunk(part) => self.on_snapshot_chunk(from, part, ctx),
            Payload::SnapshotNeeded(needed) => self.on_snapshot_needed(from, needed, ctx),
            Payload::VoteRequest(request) => self.on_vote_request(from, request, ctx),
            Payload::VoteReply(reply) => self.on_vote_reply(from, reply, ctx),
            // Handled in `on_replica_message`.
            Payload::Append(_)
            | Payload::Ack(_)
            | Payload::Heartbeat(_)
            | Payload::CatchUpRequest(_) => {}
            // Reads are served by the simulator from the replica's log (its storage).
            Payload::ClientWrite(_)
            | Payload::WriteReply(_)
            | Payload::LeaderNotice(_)
            | Payload::Read(_)
            | Payload::ReadReply(_)
            | Payload::Controller(_) => {}
        }
    }

    pub fn on_client_write(&mut self, client: ClientId, write: WriteId, ctx: &mut Ctx) {
        if self.role != Role::Leader {
            let leader = if self.role == Role::Follower {
                self.leader
            } else {
                None
            };
            ctx.reply(
                client,
                Payload::WriteReply(WriteReply {
                    write,
                    outcome: ReplyOutcome::Redirect { leader },
                }),
            );
            return;
        }
        if ctx.settings.fencing && !self.lease_valid(ctx) {
            let silent = self.majority_silence_ms(ctx);
            self.step_down(StepDownCause::LostMajority { silent_ms: silent }, None, ctx);
            ctx.reply(
                client,
                Payload::WriteReply(WriteReply {
                    write,
                    outcome: ReplyOutcome::Refused {
                        reason:
                            "the leader cannot reach a majority, so another may have been elected",
                    },
                }),
            );
            return;
        }
        if self.hold_if_locked(client, write) {
            return;
        }
        if !self.disk_has_room(write, ctx) {
            ctx.reply(
                client,
                Payload::WriteReply(WriteReply {
                    write,
                    outcome: ReplyOutcome::Refused { reason: DISK_FULL },
                }),
            );
            return;
        }
        let position = self.log.append(Entry {
            epoch: self.epoch,
            write,
            client,
        });
        self.replicate_new(position, ctx);
        if self.chain_mode(ctx) {
            self.chain_tail_duties(ctx, true);
        } else {
            self.try_confirm(ctx);
        }
    }

    /// A changed replication mode applies from now on. Every replica forgets the chain it
    /// knew: what passed down an older chain, or came straight from the leader while there
    /// was none, says nothing about what the members of the next chain hold. The leader then
    /// re-learns what each follower holds (a chain only tracked its successor) and confirms
    /// whatever the new mode allows.
    pub fn on_mode_changed(&mut self, ctx: &mut Ctx) {
        let version = self.chain.config.version;
        self.chain.config = ChainConfig::empty();
        self.chain.epoch = 0;
        if !self.is_leader() {
            return;
        }
        if self.chain_mode(ctx) {
            // As when the head reorders a chain: a member that does not answer is left
            // out, and joins at the tail once it does (`reconfigure_chain`).
            let within = ctx.settings.failover_timeout_ms;
            let me = self.id;
            let mut order = vec![me];
            order.extend(
                ctx.members
                    .iter_live()
                    .filter(|&f| f != me && self.responsive(f, within, ctx)),
            );
            let config = ChainConfig::from_slice(version + 1, &order);
            self.chain.confirmed = self.confirmed;
            let epoch = self.epoch;
            ctx.happened(Happening::ChainChanged {
                order: config,
                removed: vec![],
            });
            self.adopt_chain(config, epoch, ctx);
            self.try_confirm(ctx);
        } else {
            self.on_write_quorum_changed(ctx);
        }
    }

    /// A changed write quorum (or a mode that counts acknowledgements) applies from now
    /// on: the leader probes every follower for what it holds and confirms what it can.
    /// A chain has no quorum: every member must hold a write.
    pub fn on_write_quorum_changed(&mut self, ctx: &mut Ctx) {
        if self.role != Role::Leader || self.chain_mode(ctx) {
            return;
        }
        let me = self.id;
        let last = self.log.last_position();
        for f in ctx
            .members
            .iter_live()
            .filter(|&f| f != me)
            .collect::<Vec<_>>()
        {
            let peer = &mut self.peers[f.index()];
            if peer.snapshot.is_none() {
                peer.next = last + 1;
                self.send_batch(f, ctx, true);
            }
        }
        if self.sync_follower.is_none() {
            self.sync_follower = ctx.members.iter_live().find(|&f| f != me);
        }
        self.try_confirm(ctx);
    }
}
