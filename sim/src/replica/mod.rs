//! One replica, sans-IO: it reacts to a client write, a message or a timer by changing its
//! own state and returning commands (send, set a timer, report a happening) that the
//! simulator carries out. Durable state (epoch, vote, log) survives a crash; everything
//! else is volatile and is lost.

use crate::ids::{ClientId, Endpoint, NodeId, WriteId, MAX_REPLICAS};
use crate::log::{Entry, Log};
use crate::message::*;
use crate::scenario::Mode;
use std::sync::Arc;

mod election;
pub use election::{Campaign, CampaignPhase};

/// The cluster-wide settings a replica consults; they can change mid-run.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub mode: Mode,
    pub write_quorum: u8,
    pub failover_timeout_ms: u64,
    pub heartbeat_ms: u64,
    pub sync_timeout_ms: u64,
    pub fencing: bool,
    pub log_retention_entries: Option<u64>,
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

#[derive(Clone, Debug, PartialEq)]
pub struct SnapshotSend {
    pub position: u64,
    pub rows: u64,
    pub chunk: u32,
    pub of: u32,
    pub interval_ms: u64,
    pub data: Arc<[Entry]>,
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

#[derive(Clone, Debug, PartialEq)]
pub struct Replica {
    pub id: NodeId,
    // Durable.
    pub epoch: u32,
    pub voted_epoch: u32,
    pub log: Log,
    // Volatile.
    pub up: bool,
    pub role: Role,
    pub leader: Option<NodeId>,
    pub last_leader_contact_ms: u64,
    pub seen_epoch: u32,
    /// Whom it voted for in `voted_epoch` (forgotten in a crash; see `restart`).
    pub voted_for: Option<NodeId>,
    pub campaign: Campaign,
    /// Leader: highest confirmed position. Follower: highest it has heard is confirmed.
    pub confirmed: u64,
    pub peers: [Peer; MAX_REPLICAS],
    pub sync_follower: Option<NodeId>,
    pub chain: ChainConfig,
    pub chain_epoch: u32,
    /// Chain: highest position the tail has, as heard from downstream.
    pub chain_confirmed: u64,
    /// Chain: highest position verified with the predecessor.
    pub upstream_match: u64,
    pub setup: Option<Setup>,
    pub needs_catch_up: bool,
    pub position_at_last_heartbeat: u64,
    /// Until this instant the replica votes for no other candidate (bar a manual
    /// failover): the candidate it voted for may be leading on the strength of that vote.
    pub vote_promised_until_ms: u64,
}

impl Replica {
    pub fn new(id: NodeId) -> Replica {
        Replica {
            id,
            epoch: 0,
            voted_epoch: 0,
            log: Log::new(),
            up: true,
            role: Role::Follower,
            leader: None,
            last_leader_contact_ms: 0,
            seen_epoch: 0,
            voted_for: None,
            campaign: Campaign::default(),
            confirmed: 0,
            peers: Default::default(),
            sync_follower: None,
            chain: ChainConfig::empty(),
            chain_epoch: 0,
            chain_confirmed: 0,
            upstream_match: 0,
            setup: None,
            needs_catch_up: false,
            position_at_last_heartbeat: 0,
            vote_promised_until_ms: 0,
        }
    }

    /// The cluster's first configuration: `leader` leads epoch 1 and everyone knows it.
    pub fn start(&mut self, leader: NodeId, ctx: &mut Ctx) {
        self.epoch = 1;
        self.voted_epoch = 1;
        if self.id == leader {
            self.campaign = Campaign {
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

    /// A brand-new follower, added while the cluster runs: it owns nothing yet.
    pub fn new_follower(id: NodeId, ctx: &mut Ctx) -> Replica {
        let mut r = Replica::new(id);
        r.setup = Some(Setup {
            phase: SetupPhase::WaitingForLeader,
            attempts: 0,
            leader: None,
            since_ms: ctx.now,
        });
        r
    }

    pub fn is_leader(&self) -> bool {
        self.up && self.role == Role::Leader
    }

    fn chain_mode(&self, ctx: &Ctx) -> bool {
        ctx.settings.mode == Mode::Chain
    }

    /// In a chain, the one replica a live member takes entries from: its predecessor, or
    /// for one about to join at the tail, the tail. None: the head, a follower still being
    /// set up (it is served by the leader), or no chain.
    fn chain_source(&self, ctx: &Ctx) -> Option<NodeId> {
        if self.chain_mode(ctx) && ctx.members.is_live(self.id) && self.role != Role::Leader {
            self.chain.upstream(self.id)
        } else {
            None
        }
    }

    /// Position before which the leader has discarded its log (retention).
    pub fn log_start(&self, settings: &Settings) -> u64 {
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

    /// Loses everything volatile, as a process does when it dies.
    pub fn crash(&mut self) {
        let fresh = Replica::new(self.id);
        self.up = false;
        self.role = Role::Follower;
        self.leader = None;
        self.seen_epoch = fresh.seen_epoch;
        self.voted_for = None;
        self.campaign = Campaign::default();
        self.confirmed = 0;
        self.peers = fresh.peers;
        self.sync_follower = None;
        self.chain = ChainConfig::empty();
        self.chain_epoch = 0;
        self.chain_confirmed = 0;
        self.upstream_match = 0;
        self.needs_catch_up = false;
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
        self.vote_promised_until_ms = ctx.now + ctx.settings.failover_timeout_ms;
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

    /// Moves to a newer epoch (never back). What this replica verified with its upstream
    /// belongs to the old epoch's leader, whose log the new one need not share.
    fn enter_epoch(&mut self, epoch: u32) {
        if epoch > self.epoch {
            self.epoch = epoch;
            self.upstream_match = 0;
        }
        self.voted_epoch = self.voted_epoch.max(epoch);
    }

    /// The last position this replica knows to be on the leader: its whole log if it leads,
    /// otherwise what it verified with its upstream in the current epoch. A chain node
    /// forwards, and a chain tail confirms, nothing beyond it.
    pub fn verified_last(&self) -> u64 {
        if self.role == Role::Leader {
            self.log.last_position()
        } else {
            self.upstream_match.min(self.log.last_position())
        }
    }

    /// Discards every entry after `position` and what was believed confirmed beyond it.
    fn truncate_after(&mut self, position: u64, leader: NodeId, ctx: &mut Ctx) {
        let removed = self.log.truncate_after(position);
        self.confirmed = self.confirmed.min(position);
        self.chain_confirmed = self.chain_confirmed.min(position);
        if !removed.is_empty() {
            ctx.happened(Happening::Truncated {
                from_position: position + 1,
                entries: removed,
                leader,
            });
        }
    }

    fn reset_election_timer(&mut self, ctx: &mut Ctx) {
        let t = ctx.settings.failover_timeout_ms;
        // Randomised over [t, 2t], as in Raft, so that followers rarely time out together.
        ctx.timer(TimerKind::Election, t, t);
    }

    // ----- Inputs -------------------------------------------------------------------

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
                if self.campaign.active() {
                    self.campaign_window_over(ctx);
                } else if self.role != Role::Leader && ctx.members.is_live(self.id) {
                    // A live member that is being re-seeded from a snapshot may stand too:
                    // its log may be the most up-to-date there is.
                    self.start_election(ctx, false);
                }
            }
            TimerKind::SnapshotSend(f) => self.send_snapshot_chunk(f, ctx),
        }
    }

    pub fn on_message(&mut self, from: Endpoint, payload: Payload, sent_at: u64, ctx: &mut Ctx) {
        match (from, payload) {
            (Endpoint::Client(c), Payload::ClientWrite { write }) => {
                self.on_client_write(c, write, ctx)
            }
            (Endpoint::Replica(f), p) => self.on_replica_message(f, p, sent_at, ctx),
            _ => {}
        }
    }

    fn on_replica_message(&mut self, from: NodeId, payload: Payload, sent_at: u64, ctx: &mut Ctx) {
        match payload {
            Payload::Append {
                epoch,
                prev_position,
                prev_epoch,
                entries,
                confirmed,
            } => self.on_append(
                from,
                epoch,
                prev_position,
                prev_epoch,
                entries,
                confirmed,
                sent_at,
                ctx,
            ),
            Payload::Ack {
                epoch,
                result,
                echo_sent_at,
                chain_confirmed,
            } => self.on_ack(from, epoch, result, echo_sent_at, chain_confirmed, ctx),
            Payload::Heartbeat {
                epoch,
                confirmed,
                sent_upto,
                leader_last,
                leader_last_epoch,
                chain,
            } => self.on_heartbeat(
                from,
                epoch,
                confirmed,
                sent_upto,
                (leader_last, leader_last_epoch),
                chain,
                sent_at,
                ctx,
            ),
            Payload::CatchUpRequest {
                epoch,
                last_position,
                last_epoch,
            } => self.on_catch_up_request(from, epoch, last_position, last_epoch, ctx),
            Payload::SnapshotRequest { epoch } => self.on_snapshot_request(from, epoch, ctx),
            Payload::SnapshotChunk {
                epoch,
                position,
                rows,
                chunk,
                of,
                data,
            } => self.on_snapshot_chunk(from, epoch, position, rows, chunk, of, data, ctx),
            Payload::SnapshotNeeded { epoch, log_start } => {
                self.on_snapshot_needed(from, epoch, log_start, ctx)
            }
            Payload::VoteRequest {
                epoch,
                last_position,
                last_epoch,
                forced,
                pre_vote,
            } => self.on_vote_request(
                from,
                epoch,
                last_position,
                last_epoch,
                forced,
                pre_vote,
                ctx,
            ),
            Payload::VoteReply {
                epoch,
                pre_vote,
                answer,
                voter_epoch,
                granted_at,
            } => self.on_vote_reply(from, epoch, pre_vote, answer, voter_epoch, granted_at, ctx),
            // Reads are served by the simulator from the replica's log (its storage).
            Payload::ClientWrite { .. }
            | Payload::WriteReply { .. }
            | Payload::LeaderNotice { .. }
            | Payload::Read { .. }
            | Payload::ReadReply { .. } => {}
        }
    }

    // ----- Clients ------------------------------------------------------------------

    pub fn on_client_write(&mut self, client: ClientId, write: WriteId, ctx: &mut Ctx) {
        if self.role != Role::Leader {
            let leader = if self.role == Role::Follower {
                self.leader
            } else {
                None
            };
            ctx.reply(
                client,
                Payload::WriteReply {
                    write,
                    outcome: ReplyOutcome::Redirect { leader },
                },
            );
            return;
        }
        if ctx.settings.fencing && !self.lease_valid(ctx) {
            let silent = self.majority_silence_ms(ctx);
            self.step_down(StepDownCause::LostMajority { silent_ms: silent }, None, ctx);
            ctx.reply(
                client,
                Payload::WriteReply {
                    write,
                    outcome: ReplyOutcome::Refused {
                        reason:
                            "the leader cannot reach a majority, so another may have been elected",
                    },
                },
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

    // ----- Leader: replication and confirmation -------------------------------------

    /// Streams a just-appended entry to every follower that has everything before it.
    fn replicate_new(&mut self, position: u64, ctx: &mut Ctx) {
        let entry = *self.log.get(position).expect("just appended");
        let prev_epoch = self.log.epoch_at(position - 1).unwrap_or(0);
        let targets: Vec<NodeId> = if self.chain_mode(ctx) {
            self.chain.successor(self.id).into_iter().collect()
        } else {
            ctx.members.iter_all().filter(|&f| f != self.id).collect()
        };
        for f in targets {
            let peer = &mut self.peers[f.index()];
            if peer.next == position {
                peer.next = position + 1;
                peer.stream_start.get_or_insert(position);
                let payload = Payload::Append {
                    epoch: self.epoch,
                    prev_position: position - 1,
                    prev_epoch,
                    entries: vec![entry],
                    confirmed: self.confirmed,
                };
                ctx.send(f, payload);
            }
        }
    }

    /// Sends the follower the next batch of its backlog (catch-up), or a probe if it has
    /// nothing to receive but its position is unverified.
    fn send_batch(&mut self, f: NodeId, ctx: &mut Ctx, probe_if_empty: bool) {
        let from = self.peers[f.index()].next;
        if from == 0 {
            return;
        }
        let log_start = self.log_start(ctx.settings);
        if from < log_start {
            self.peers[f.index()].next = 0;
            ctx.send(
                f,
                Payload::SnapshotNeeded {
                    epoch: self.epoch,
                    log_start,
                },
            );
            return;
        }
        // A chain node passes on only what it has verified with its own upstream, and
        // probes at a position it has verified.
        let last = self.verified_last();
        let from = from.min(last + 1);
        if from > last && !probe_if_empty {
            return;
        }
        let to = last.min(from + ctx.settings.batch_entries - 1);
        let entries = self.log.slice(from, to);
        let peer = &mut self.peers[f.index()];
        peer.next = from + entries.len() as u64;
        peer.stream_start = None;
        let payload = Payload::Append {
            epoch: self.epoch,
            prev_position: from - 1,
            prev_epoch: self.log.epoch_at(from - 1).unwrap_or(0),
            entries,
            confirmed: self.confirmed,
        };
        ctx.send(f, payload);
    }

    /// Confirms to clients every entry the mode now considers durable.
    fn try_confirm(&mut self, ctx: &mut Ctx) {
        if self.role != Role::Leader {
            return;
        }
        let last = self.log.last_position();
        let me = self.id;
        let followers = || ctx.members.iter_live().filter(move |&f| f != me);
        let target = match ctx.settings.mode {
            Mode::Async => last,
            Mode::Sync => followers()
                .map(|f| self.peers[f.index()].matched)
                .min()
                .unwrap_or(last),
            Mode::SemiSync => match self.sync_follower {
                Some(s) => self.peers[s.index()].matched,
                None if followers().next().is_none() => last,
                None => self.confirmed,
            },
            Mode::Quorum => {
                let mut held: Vec<u64> =
                    followers().map(|f| self.peers[f.index()].matched).collect();
                held.push(last);
                held.sort_unstable_by(|a, b| b.cmp(a));
                let w = ctx.settings.write_quorum.max(1) as usize;
                let target = held.get(w - 1).copied().unwrap_or(self.confirmed);
                // Counting copies proves an entry durable only if it is of this leader's
                // epoch: an older entry on w replicas can still be overwritten by a
                // replica that holds a newer epoch's entry at its position and wins an
                // election (Raft's figure 8). Older entries are confirmed along with the
                // first entry of this epoch.
                if self.log.epoch_at(target) == Some(self.epoch) {
                    target
                } else {
                    self.confirmed
                }
            }
            Mode::Chain => return,
        }
        .min(last);
        self.confirm_upto(target, ctx);
    }

    fn confirm_upto(&mut self, target: u64, ctx: &mut Ctx) {
        while self.confirmed < target {
            self.confirmed += 1;
            if let Some(e) = self.log.get(self.confirmed).copied() {
                ctx.reply(
                    e.client,
                    Payload::WriteReply {
                        write: e.write,
                        outcome: ReplyOutcome::Confirmed {
                            by: self.id,
                            epoch: self.epoch,
                        },
                    },
                );
            }
        }
    }

    fn lease_valid(&self, ctx: &Ctx) -> bool {
        self.lease_valid_at(ctx.now, ctx.settings, ctx.members)
    }

    /// Whether a leader may still take writes with fencing on: a majority of live members
    /// (itself included) acknowledged a message it sent less than a failover timeout ago,
    /// so none of them can have helped elect another leader since.
    pub fn lease_valid_at(&self, now: u64, settings: &Settings, members: Members) -> bool {
        let t = settings.failover_timeout_ms;
        let fresh = members
            .iter_live()
            .filter(|&f| f == self.id || self.peers[f.index()].acked_sent_at + t > now)
            .count() as u32;
        fresh >= members.majority()
    }

    fn majority_silence_ms(&self, ctx: &Ctx) -> u64 {
        let newest = ctx
            .members
            .iter_live()
            .filter(|&f| f != self.id)
            .map(|f| self.peers[f.index()].acked_sent_at)
            .max()
            .unwrap_or(0);
        ctx.now.saturating_sub(newest)
    }

    /// Every heartbeat interval: check the lease, the synchronous follower and the chain,
    /// then tell every member the leader is alive.
    fn leader_tick(&mut self, ctx: &mut Ctx) {
        let t = ctx.settings.failover_timeout_ms;
        if ctx.settings.fencing && !self.lease_valid(ctx) {
            let silent = self.majority_silence_ms(ctx);
            self.step_down(StepDownCause::LostMajority { silent_ms: silent }, None, ctx);
            return;
        }
        match ctx.settings.mode {
            Mode::SemiSync => self.check_sync_follower(ctx),
            Mode::Chain => self.reconfigure_chain(ctx),
            _ => {}
        }
        let chain = self.chain;
        for f in ctx.members.iter_all().filter(|&f| f != self.id) {
            let peer = &self.peers[f.index()];
            let sent_upto = if self.chain_mode(ctx) && ctx.members.is_live(f) {
                0
            } else {
                peer.next.saturating_sub(1)
            };
            let payload = Payload::Heartbeat {
                epoch: self.epoch,
                confirmed: self.confirmed,
                sent_upto,
                leader_last: self.log.last_position(),
                leader_last_epoch: self.log.last_epoch(),
                chain,
            };
            ctx.send(f, payload);
        }
        let _ = t;
        ctx.timer(TimerKind::Heartbeat, ctx.settings.heartbeat_ms, 0);
    }

    fn responsive(&self, f: NodeId, within_ms: u64, ctx: &Ctx) -> bool {
        ctx.now.saturating_sub(self.peers[f.index()].last_heard_ms) <= within_ms
    }

    fn check_sync_follower(&mut self, ctx: &mut Ctx) {
        let within = ctx.settings.sync_timeout_ms;
        let me = self.id;
        if let Some(s) = self.sync_follower {
            if ctx.members.is_live(s) && self.responsive(s, within, ctx) {
                return;
            }
        }
        // The most up-to-date responsive asynchronous follower takes over.
        let best = ctx
            .members
            .iter_live()
            .filter(|&f| {
                f != me && Some(f) != self.sync_follower && self.responsive(f, within, ctx)
            })
            .max_by_key(|&f| (self.peers[f.index()].matched, std::cmp::Reverse(f)));
        if let Some(to) = best {
            let silent_ms = self
                .sync_follower
                .map(|s| ctx.now.saturating_sub(self.peers[s.index()].last_heard_ms))
                .unwrap_or(0);
            ctx.happened(Happening::SyncFollowerChanged {
                from: self.sync_follower,
                to,
                silent_ms,
            });
            self.sync_follower = Some(to);
            self.try_confirm(ctx);
        }
    }

    fn reconfigure_chain(&mut self, ctx: &mut Ctx) {
        let within = ctx.settings.failover_timeout_ms;
        let me = self.id;
        let mut order = vec![me];
        for &n in self.chain.nodes() {
            if n != me && ctx.members.is_live(n) && self.responsive(n, within, ctx) {
                order.push(n);
            }
        }
        // Newcomers (restarted or freshly caught up) join at the tail, as in chain replication.
        for n in ctx.members.iter_live() {
            if !order.contains(&n) && self.responsive(n, within, ctx) {
                order.push(n);
            }
        }
        if order.as_slice() != self.chain.nodes() {
            let removed: Vec<NodeId> = self
                .chain
                .nodes()
                .iter()
                .copied()
                .filter(|n| !order.contains(n))
                .collect();
            let config = ChainConfig::from_slice(self.chain.version + 1, &order);
            ctx.happened(Happening::ChainChanged {
                order: config,
                removed,
            });
            let epoch = self.epoch;
            self.adopt_chain(config, epoch, ctx);
        }
    }

    // ----- Chain --------------------------------------------------------------------

    fn adopt_chain(&mut self, config: ChainConfig, epoch: u32, ctx: &mut Ctx) {
        let old = self.chain;
        let old_successor = old.successor(self.id);
        let old_epoch = self.chain_epoch;
        self.chain = config;
        self.chain_epoch = epoch;
        self.adopt_upstream(&old, old_epoch, ctx);
        let successor = config.successor(self.id);
        // What we knew of the successor in an older epoch says nothing about now.
        if successor != old_successor || epoch != old_epoch {
            if let Some(s) = successor {
                // Start optimistic; a rejected probe walks back to where the logs agree.
                let last = self.verified_last();
                let peer = &mut self.peers[s.index()];
                peer.next = last + 1;
                peer.matched = 0;
                peer.stream_start = None;
                peer.last_heard_ms = peer.last_heard_ms.max(ctx.now);
                self.send_batch(s, ctx, true);
            }
        }
        self.chain_tail_duties(ctx, true);
    }

    /// A member passes on, and a tail confirms, only what came down the chain, so what it
    /// verified must be on every node before it. What it verified as a member of the old
    /// chain passed through its old predecessor and everyone before that, and still
    /// counts with the head or the same predecessor as its upstream, or within an epoch
    /// with any node that came before it. Anything else, such as a replica placed at the
    /// tail after it caught up from the head as a new follower, or from the tail before
    /// it joined, starts afresh: it asks its upstream for everything after its last log
    /// position, and the answer verifies what the upstream holds.
    fn adopt_upstream(&mut self, old: &ChainConfig, old_epoch: u32, ctx: &mut Ctx) {
        let Some(upstream) = self.chain_source(ctx) else {
            return;
        };
        let me = self.id;
        let passed_through = self.chain.nodes().first() == Some(&upstream)
            || old.predecessor(me) == Some(upstream)
            || (old_epoch == self.chain_epoch && old.before(upstream, me));
        if passed_through {
            return;
        }
        self.upstream_match = 0;
        // A replica back from a crash asks in its own time (see `on_heartbeat`), and one
        // being set up from a snapshot takes no entries yet.
        if !self.needs_catch_up && !self.setup_blocks_log() {
            self.send_catch_up_request(upstream, ctx);
        }
    }

    /// The tail confirms: it answers clients for everything it holds that is not yet
    /// confirmed, and tells its predecessor (unless the caller's own answer will).
    fn chain_tail_duties(&mut self, ctx: &mut Ctx, tell_predecessor: bool) {
        if !self.chain_mode(ctx)
            || !self.chain.contains(self.id)
            || self.chain.successor(self.id).is_some()
        {
            return;
        }
        let last = self.verified_last();
        // As in quorum mode: holding an older epoch's entry all down the chain does not
        // make it durable; it is confirmed with the first entry of the current epoch.
        if self.chain_confirmed >= last || self.log.epoch_at(last) != Some(self.epoch) {
            return;
        }
        for p in self.chain_confirmed + 1..=last {
            if let Some(e) = self.log.get(p).copied() {
                ctx.reply(
                    e.client,
                    Payload::WriteReply {
                        write: e.write,
                        outcome: ReplyOutcome::Confirmed {
                            by: self.id,
                            epoch: self.epoch,
                        },
                    },
                );
            }
        }
        self.chain_confirmed = last;
        if self.role == Role::Leader {
            self.confirmed = self.confirmed.max(last);
        } else if let Some(p) = self.chain.predecessor(self.id).filter(|_| tell_predecessor) {
            let payload = Payload::Ack {
                epoch: self.epoch,
                result: AckResult::Appended {
                    match_position: self.upstream_match,
                },
                echo_sent_at: 0,
                chain_confirmed: self.chain_confirmed,
            };
            ctx.send(p, payload);
        }
    }

    // ----- Followers ----------------------------------------------------------------

    /// Accepts a message stamped with `epoch` from a leader (or chain predecessor); false
    /// if the epoch is stale and the sender has been told so.
    fn accept_epoch(&mut self, from: NodeId, epoch: u32, from_leader: bool, ctx: &mut Ctx) -> bool {
        if epoch < self.epoch {
            ctx.happened(Happening::StaleEpochRefused {
                from,
                their_epoch: epoch,
                our_epoch: self.epoch,
            });
            let payload = Payload::Ack {
                epoch: self.epoch,
                result: AckResult::Stale,
                echo_sent_at: 0,
                chain_confirmed: 0,
            };
            ctx.send(from, payload);
            return false;
        }
        // A candidate stands in its own, newer epoch and refused the stale message above;
        // one of its epoch or newer comes from a leader that exists: no need to campaign.
        self.heard_leader_while_campaigning(from, ctx);
        if epoch > self.epoch || self.role != Role::Follower {
            if self.role == Role::Leader {
                self.step_down(StepDownCause::NewerEpoch { from }, Some(from), ctx);
            }
            self.role = Role::Follower;
            self.enter_epoch(epoch);
        }
        if from_leader {
            self.leader = Some(from);
        }
        self.last_leader_contact_ms = ctx.now;
        self.reset_election_timer(ctx);
        true
    }

    fn setup_blocks_log(&self) -> bool {
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

    #[allow(clippy::too_many_arguments)]
    fn on_append(
        &mut self,
        from: NodeId,
        epoch: u32,
        prev_position: u64,
        prev_epoch: u32,
        entries: Vec<Entry>,
        confirmed: u64,
        sent_at: u64,
        ctx: &mut Ctx,
    ) {
        let chain = self.chain_mode(ctx);
        // In a chain, appends come from the predecessor; only heartbeats name the head.
        if !self.accept_epoch(from, epoch, !chain, ctx) {
            return;
        }
        if self.setup_blocks_log() {
            // Not ready for the log yet: the snapshot comes first.
            return;
        }
        if chain && self.chain_source(ctx).is_some_and(|u| u != from) {
            // In a chain, entries come down the chain: what anyone else sends (the head
            // going past the predecessor, a predecessor of an older chain) would let this
            // node hold, pass on or confirm what its predecessor may not have. Without an
            // answer, the sender sends no more.
            return;
        }
        let last = self.log.last_position();
        let reject = |hint: u64, conflict_epoch: Option<u32>, ctx: &mut Ctx, me: &Replica| {
            let result = AckResult::Rejected {
                hint,
                conflict_epoch,
            };
            let payload = Payload::Ack {
                epoch: me.epoch,
                result,
                echo_sent_at: sent_at,
                chain_confirmed: me.chain_confirmed,
            };
            ctx.send(from, payload);
        };
        if prev_position > last {
            reject(last, None, ctx, self);
            return;
        }
        if self.log.epoch_at(prev_position) != Some(prev_epoch) {
            // Our entries of this epoch may all be wrong: let the sender back up past them.
            let hint = (self.log.first_position_of_epoch_run(prev_position) - 1)
                .max(self.log.snapshot_position.min(prev_position - 1));
            reject(hint, self.log.epoch_at(prev_position), ctx, self);
            return;
        }
        let mut position = prev_position;
        for e in entries {
            position += 1;
            match self.log.epoch_at(position) {
                Some(ep) if ep == e.epoch => continue,
                Some(_) => {
                    self.truncate_after(position - 1, from, ctx);
                    self.log.append(e);
                }
                None => {
                    self.log.append(e);
                }
            }
        }
        // Within an epoch every entry verified upstream is the leader's, and the leader's
        // log only grows, so what was verified stays verified.
        self.upstream_match = self.upstream_match.max(position);
        self.confirmed = self.confirmed.max(confirmed.min(position));
        if let Some(SetupPhase::CatchingUp { .. }) = self.setup.map(|s| s.phase) {
            if let Some(s) = &mut self.setup {
                s.since_ms = ctx.now;
            }
        }
        if chain {
            self.pass_down_chain(prev_position, ctx);
            // The acknowledgement below carries the news to the predecessor.
            let tell = self.chain.predecessor(self.id) != Some(from);
            self.chain_tail_duties(ctx, tell);
        }
        let payload = Payload::Ack {
            epoch: self.epoch,
            result: AckResult::Appended {
                match_position: position,
            },
            echo_sent_at: sent_at,
            chain_confirmed: self.chain_confirmed,
        };
        ctx.send(from, payload);
    }

    /// Chain: passes on to the successor what was just verified (an append after
    /// `prev_position` arrived): straight on if it continues what the successor was sent,
    /// else as the next batch once the successor has acknowledged everything sent so far.
    fn pass_down_chain(&mut self, prev_position: u64, ctx: &mut Ctx) {
        let Some(s) = self.chain.successor(self.id) else {
            return;
        };
        let peer = &self.peers[s.index()];
        let verified = self.verified_last();
        if peer.next != 0 && peer.next <= verified {
            if peer.next > prev_position {
                self.send_range(s, peer.next, verified, ctx);
            } else if peer.matched + 1 >= peer.next {
                self.send_batch(s, ctx, false);
            }
        }
    }

    /// Chain: forward exactly the entries `from..=to` to the successor.
    fn send_range(&mut self, s: NodeId, from: u64, to: u64, ctx: &mut Ctx) {
        let entries = self.log.slice(from, to);
        let peer = &mut self.peers[s.index()];
        peer.next = to + 1;
        let payload = Payload::Append {
            epoch: self.epoch,
            prev_position: from - 1,
            prev_epoch: self.log.epoch_at(from - 1).unwrap_or(0),
            entries,
            confirmed: self.confirmed,
        };
        ctx.send(s, payload);
    }

    #[allow(clippy::too_many_arguments)]
    fn on_heartbeat(
        &mut self,
        from: NodeId,
        epoch: u32,
        confirmed: u64,
        sent_upto: u64,
        (leader_last, leader_last_epoch): (u64, u32),
        chain: ChainConfig,
        sent_at: u64,
        ctx: &mut Ctx,
    ) {
        if !self.accept_epoch(from, epoch, true, ctx) {
            return;
        }
        if !self.setup_blocks_log() {
            // Entries beyond the leader's log (as of this heartbeat) and beyond what was
            // verified with the upstream in this epoch are not the leader's: everything it
            // sent before the heartbeat arrived before it, and a chain upstream verifies
            // what it passes on. They are writes of a deposed leader; discard them.
            let keep = leader_last.max(self.upstream_match);
            if self.log.last_position() > keep {
                self.truncate_after(keep, from, ctx);
            }
        }
        // Only what is verified to be the leader's can be confirmed.
        self.confirmed = self.confirmed.max(
            confirmed
                .min(self.upstream_match)
                .min(self.log.last_position()),
        );
        if self.chain_mode(ctx) && (epoch, chain.version) != (self.chain_epoch, self.chain.version)
        {
            self.adopt_chain(chain, epoch, ctx);
        }
        // Our entry at the leader's last position is of another epoch: the logs diverge at
        // or before it, and a quiet leader would never send anything to show it.
        let diverged = !self.setup_blocks_log()
            && self
                .log
                .epoch_at(leader_last)
                .is_some_and(|e| e != leader_last_epoch);
        // How far this replica is along: its log, or in a chain what it verified with its
        // predecessor in this epoch (a chain member passes on nothing beyond it, so a
        // member with a full but unverified log holds up everyone after it).
        let chain_member = self.chain_mode(ctx) && self.chain.contains(self.id);
        let have_now = |r: &Replica| {
            if chain_member {
                r.verified_last()
            } else {
                r.log.last_position()
            }
        };
        let have = have_now(self);
        // Where missing entries come from: the leader, or in a chain the predecessor.
        let upstream = self.chain_source(ctx).unwrap_or(from);
        let stalled_ms = 2 * ctx.settings.failover_timeout_ms;
        if let Some(setup) = self.setup {
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
                        || (self.log.last_position() < leader_last.max(sent_upto)
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
        } else if self.needs_catch_up {
            // Back from a crash: ask for everything after our last log position (in a
            // chain, of the predecessor, which is where a member's entries come from).
            self.needs_catch_up = false;
            ctx.happened(Happening::CatchUpStarted {
                from_position: self.log.last_position(),
                upstream,
            });
            self.send_catch_up_request(upstream, ctx);
        } else if diverged {
            // The upstream walks back from our last position to where the logs agree.
            self.send_catch_up_request(upstream, ctx);
        } else if have < leader_last.max(sent_upto) && have == self.position_at_last_heartbeat {
            // The leader has entries we lack, and nothing has arrived since the last
            // heartbeat, which travelled behind anything sent to us before it. Something
            // was lost on the way (a lossy or cut link, here or in a chain upstream, or our
            // acknowledgement, which the leader waits for before sending more): ask again.
            self.send_catch_up_request(upstream, ctx);
        }
        self.position_at_last_heartbeat = have_now(self);
        let payload = Payload::Ack {
            epoch: self.epoch,
            result: AckResult::Heartbeat,
            echo_sent_at: sent_at,
            chain_confirmed: self.chain_confirmed,
        };
        ctx.send(from, payload);
    }

    fn send_catch_up_request(&mut self, leader: NodeId, ctx: &mut Ctx) {
        let payload = Payload::CatchUpRequest {
            epoch: self.epoch,
            last_position: self.log.last_position(),
            last_epoch: self.log.last_epoch(),
        };
        ctx.send(leader, payload);
    }

    fn request_snapshot(&mut self, leader: NodeId, attempts: u32, ctx: &mut Ctx) {
        self.setup = Some(Setup {
            phase: SetupPhase::SnapshotRequested,
            attempts,
            leader: Some(leader),
            since_ms: ctx.now,
        });
        ctx.send(leader, Payload::SnapshotRequest { epoch: self.epoch });
    }

    #[allow(clippy::too_many_arguments)]
    fn on_snapshot_chunk(
        &mut self,
        from: NodeId,
        epoch: u32,
        position: u64,
        rows: u64,
        chunk: u32,
        of: u32,
        data: Option<Arc<[Entry]>>,
        ctx: &mut Ctx,
    ) {
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
            self.upstream_match = if from_upstream { position } else { 0 };
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

    fn on_snapshot_needed(&mut self, from: NodeId, epoch: u32, log_start: u64, ctx: &mut Ctx) {
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

    // ----- Leader: catch-up and snapshots -------------------------------------------

    fn on_catch_up_request(
        &mut self,
        from: NodeId,
        epoch: u32,
        last_position: u64,
        last_epoch: u32,
        ctx: &mut Ctx,
    ) {
        if epoch > self.epoch && self.role == Role::Leader {
            self.step_down(StepDownCause::NewerEpoch { from }, None, ctx);
            return;
        }
        // In a chain, live members catch up from their predecessor, not the head, and one
        // about to join at the tail from the tail.
        let chain = self.chain_mode(ctx);
        let upstream_of_it = self.chain.upstream(from) == Some(self.id);
        if chain && ctx.members.is_live(from) && !upstream_of_it {
            return;
        }
        if self.role != Role::Leader && !(chain && upstream_of_it && epoch <= self.epoch) {
            return;
        }
        let last = self.verified_last();
        let peer = &mut self.peers[from.index()];
        let agreed = last_position.min(last);
        if self.log.epoch_at(agreed) == Some(last_epoch) && agreed == last_position {
            peer.matched = peer.matched.max(agreed);
        }
        peer.next = agreed + 1;
        peer.stream_start = None;
        peer.last_heard_ms = ctx.now;
        self.send_batch(from, ctx, true);
    }

    fn on_snapshot_request(&mut self, from: NodeId, epoch: u32, ctx: &mut Ctx) {
        let _ = epoch;
        if self.role != Role::Leader {
            return;
        }
        // A consistent snapshot at an exact log position, taken without stopping writes.
        let position = self.log.last_position();
        let rows = (ctx.snapshot_rows)(&self.log, position);
        let data: Arc<[Entry]> = self.log.slice(1, position).into();
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
        });
        ctx.happened(Happening::SnapshotTaken {
            follower: from,
            position,
            rows,
            copy_ms,
        });
        ctx.timer(TimerKind::SnapshotSend(from), interval_ms, 0);
    }

    fn send_snapshot_chunk(&mut self, f: NodeId, ctx: &mut Ctx) {
        if self.role != Role::Leader {
            return;
        }
        let epoch = self.epoch;
        let Some(s) = &mut self.peers[f.index()].snapshot else {
            return;
        };
        let last = s.chunk + 1 == s.of;
        let payload = Payload::SnapshotChunk {
            epoch,
            position: s.position,
            rows: s.rows,
            chunk: s.chunk,
            of: s.of,
            data: last.then(|| s.data.clone()),
        };
        s.chunk += 1;
        let interval = s.interval_ms;
        if last {
            self.peers[f.index()].snapshot = None;
        } else {
            ctx.timer(TimerKind::SnapshotSend(f), interval, 0);
        }
        ctx.send(f, payload);
    }

    fn on_ack(
        &mut self,
        from: NodeId,
        epoch: u32,
        result: AckResult,
        echo_sent_at: u64,
        chain_confirmed: u64,
        ctx: &mut Ctx,
    ) {
        if epoch > self.epoch {
            if self.role == Role::Leader {
                self.step_down(StepDownCause::NewerEpoch { from }, None, ctx);
            }
            self.end_campaign(ctx);
            self.enter_epoch(epoch);
            self.role = Role::Follower;
            return;
        }
        if epoch < self.epoch || result == AckResult::Stale {
            return;
        }
        let chain = self.chain_mode(ctx);
        // In a chain a node feeds its successor (and, as the tail, a replica about to join
        // after it); the head feeds nobody else in the chain, whatever it hears from them.
        let feeds =
            !chain || !ctx.members.is_live(from) || self.chain.upstream(from) == Some(self.id);
        if self.role != Role::Leader && !(chain && feeds) {
            return;
        }
        let last = self.log.last_position();
        let peer = &mut self.peers[from.index()];
        peer.last_heard_ms = ctx.now;
        peer.acked_sent_at = peer.acked_sent_at.max(echo_sent_at);
        match result {
            AckResult::Heartbeat | AckResult::Stale => {}
            AckResult::Appended { match_position } => {
                peer.matched = peer.matched.max(match_position.min(last));
                if peer.next != 0 && peer.next <= peer.matched {
                    peer.next = peer.matched + 1;
                }
                let pump = peer.next != 0 && peer.matched + 1 == peer.next && peer.next <= last;
                let caught_up = peer.next != 0
                    && (peer.matched >= last
                        || peer.stream_start.is_some_and(|s| peer.matched >= s));
                let matched = peer.matched;
                if pump && feeds {
                    self.send_batch(from, ctx, false);
                }
                if self.role == Role::Leader && !ctx.members.is_live(from) && caught_up {
                    ctx.happened(Happening::CaughtUp {
                        follower: from,
                        position: matched,
                    });
                }
            }
            AckResult::Rejected {
                hint,
                conflict_epoch,
            } => {
                if peer.next != 0 && feeds {
                    // Skip back to where the logs can agree: the end of our own entries of
                    // the follower's conflicting epoch, or the start of its run of them.
                    let mut agree = hint.min(last);
                    if let Some(e) = conflict_epoch {
                        let mut p = peer.next.saturating_sub(1).min(last);
                        while p > 0 && self.log.epoch_at(p).is_some_and(|x| x > e) {
                            p -= 1;
                        }
                        if self.log.epoch_at(p) == Some(e) {
                            agree = agree.max(p.min(peer.next.saturating_sub(1)));
                        }
                    }
                    let peer = &mut self.peers[from.index()];
                    peer.next = agree + 1;
                    peer.matched = peer.matched.min(agree);
                    self.send_batch(from, ctx, true);
                }
            }
        }
        if chain {
            self.chain_confirmed_news(from, chain_confirmed, ctx);
        } else {
            self.try_confirm(ctx);
        }
    }

    /// How far the tail has confirmed, as heard from downstream (the head hears it from
    /// everyone, in answers to its heartbeats; nobody from one about to join): passed on
    /// up the chain to the head.
    fn chain_confirmed_news(&mut self, from: NodeId, chain_confirmed: u64, ctx: &mut Ctx) {
        let downstream = self.role == Role::Leader || self.chain.successor(self.id) == Some(from);
        if !downstream || chain_confirmed <= self.chain_confirmed {
            return;
        }
        self.chain_confirmed = chain_confirmed.min(self.verified_last());
        if self.role == Role::Leader {
            self.confirmed = self.confirmed.max(self.chain_confirmed);
        } else if let Some(p) = self.chain.predecessor(self.id) {
            let payload = Payload::Ack {
                epoch: self.epoch,
                result: AckResult::Appended {
                    match_position: self.upstream_match,
                },
                echo_sent_at: 0,
                chain_confirmed: self.chain_confirmed,
            };
            ctx.send(p, payload);
        }
    }

    /// A changed replication mode applies from now on: re-learn what each follower holds
    /// (a chain only tracked its successor) and confirm whatever the new mode allows.
    pub fn on_mode_changed(&mut self, ctx: &mut Ctx) {
        if self.role != Role::Leader {
            return;
        }
        let me = self.id;
        let last = self.log.last_position();
        if self.chain_mode(ctx) {
            let mut order = vec![me];
            order.extend(ctx.members.iter_live().filter(|&f| f != me));
            let config = ChainConfig::from_slice(self.chain.version + 1, &order);
            self.chain = ChainConfig::empty();
            self.chain_confirmed = self.confirmed;
            let epoch = self.epoch;
            ctx.happened(Happening::ChainChanged {
                order: config,
                removed: vec![],
            });
            self.adopt_chain(config, epoch, ctx);
        } else {
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
        }
        self.try_confirm(ctx);
    }

    /// The simulator's membership change once a new follower has caught up.
    pub fn on_caught_up(&mut self) {
        self.setup = None;
        self.needs_catch_up = false;
    }

    // ----- Elections ----------------------------------------------------------------

    /// Won the campaign (its durable epoch is already the one it campaigned in).
    fn become_leader(&mut self, ctx: &mut Ctx, announce: bool) {
        self.enter_epoch(self.campaign.epoch);
        self.campaign.phase = CampaignPhase::Won;
        self.role = Role::Leader;
        // A live member being re-seeded from a snapshot leads with the log it has.
        self.setup = None;
        self.needs_catch_up = false;
        self.leader = Some(self.id);
        let last = self.log.last_position();
        for f in ctx.members.iter_all().filter(|&f| f != self.id) {
            let voter = self.campaign.granted & f.bit() != 0;
            let granted_at = self.peers[f.index()].acked_sent_at;
            self.peers[f.index()] = Peer {
                // A follower still being set up gets its snapshot first, not the log.
                next: if ctx.members.is_live(f) { last + 1 } else { 0 },
                matched: 0,
                last_heard_ms: ctx.now,
                acked_sent_at: if voter {
                    granted_at.max(self.campaign.phase_started_ms)
                } else {
                    0
                },
                stream_start: None,
                snapshot: None,
            };
        }
        let me = self.id;
        let voters = self.campaign.granted;
        self.sync_follower = ctx
            .members
            .iter_live()
            .filter(|&f| f != me)
            .find(|&f| voters & f.bit() != 0)
            .or_else(|| ctx.members.iter_live().find(|&f| f != me));
        if self.chain_mode(ctx) {
            let mut order = vec![me];
            order.extend(
                self.chain
                    .nodes()
                    .iter()
                    .copied()
                    .filter(|&n| n != me && ctx.members.is_live(n)),
            );
            for n in ctx.members.iter_live() {
                if !order.contains(&n) {
                    order.push(n);
                }
            }
            self.chain = ChainConfig::from_slice(0, &[]);
            let config = ChainConfig::from_slice(1, &order);
            let epoch = self.epoch;
            self.chain_confirmed = self.chain_confirmed.min(last);
            self.adopt_chain(config, epoch, ctx);
        }
        if announce {
            ctx.happened(Happening::BecameLeader {
                epoch: self.epoch,
                voters,
            });
            for c in 0..ctx.settings.clients {
                ctx.reply(
                    ClientId(c),
                    Payload::LeaderNotice {
                        epoch: self.epoch,
                        leader: me,
                    },
                );
            }
        }
        ctx.out.push(Command::CancelTimer {
            timer: TimerKind::Election,
        });
        self.leader_tick(ctx);
        self.try_confirm(ctx);
    }

    fn step_down(&mut self, cause: StepDownCause, new_leader: Option<NodeId>, ctx: &mut Ctx) {
        if self.role != Role::Leader {
            return;
        }
        ctx.happened(Happening::SteppedDown {
            epoch: self.epoch,
            cause,
        });
        self.role = Role::Follower;
        self.leader = new_leader;
        self.sync_follower = None;
        for p in self.peers.iter_mut() {
            p.snapshot = None;
        }
        ctx.out.push(Command::CancelTimer {
            timer: TimerKind::Heartbeat,
        });
        self.last_leader_contact_ms = ctx.now;
        self.reset_election_timer(ctx);
    }
}
