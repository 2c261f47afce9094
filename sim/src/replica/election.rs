//! Leader election on failover. The chapter: when the leader fails, a new one is chosen by
//! an election among the remaining replicas, and "the best candidate for leadership is
//! usually the replica with the most up-to-date data changes from the old leader", to
//! lose as little as possible. A majority's votes alone do not promise that: a majority
//! of lagging followers can elect one of themselves while a more up-to-date replica is up
//! and reachable. So a campaign has two rounds:
//!
//! 1. **Pre-vote** (Raft thesis §9.6, extended with log positions): the replica asks every
//!    live member "would you vote for me, and is anyone ahead of me?" without raising its
//!    epoch. A member that still hears a live leader says so, and a member whose log is
//!    more up-to-date says "no, I am ahead" and campaigns itself. The candidate waits for
//!    an answer from every live member, or for a failover timeout: a member that does not
//!    answer within the timeout that declares a leader dead is taken to be unreachable.
//!    It stands only if a majority would vote for it and nobody it heard from is ahead.
//! 2. **Vote**: it raises its durable epoch to the one it campaigns in (so it refuses a
//!    stale leader's messages from then on), asks for votes, and waits for every member
//!    that answered the pre-vote as well as for a majority.
//!
//! A healed minority cannot depose a healthy leader either: its pre-votes meet replicas
//! that hear the leader, it never raises its epoch, and nothing it sends is newer than
//! the leader's epoch. A manual failover (`forced`) skips the pre-vote and wins on a
//! majority, even for a lagging follower: the operator's choice, and a lesson in its cost.

use super::{Ctx, Peer, Replica, Role};
use crate::ids::{ClientId, NodeId};
use crate::message::*;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CampaignPhase {
    #[default]
    Idle,
    PreVote,
    Vote,
    /// It won; kept so that the election that made it leader can be judged.
    Won,
}

/// A replica's latest campaign for leadership (volatile: lost in a crash).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Campaign {
    pub phase: CampaignPhase,
    /// The epoch it stands (or would stand) in.
    pub epoch: u32,
    /// A manual failover: no pre-vote, and voters ignore stickiness and log positions.
    pub forced: bool,
    /// When the campaign (its pre-vote round) began.
    pub started_ms: u64,
    /// When the current round began; answers given before it are stale.
    pub phase_started_ms: u64,
    /// Each round waits at most this long for answers: the failover timeout when the
    /// campaign began.
    pub window_ms: u64,
    /// Members that answered the pre-vote: the vote round waits for each of them.
    pub heard: u16,
    /// Members that answered this round.
    pub answered: u16,
    /// Members that granted this round, the candidate itself included.
    pub granted: u16,
    /// Not a campaign at all: the controller appointed it (`granted`: the replicas that
    /// answered the controller's probe).
    pub appointed: bool,
}

impl Campaign {
    pub fn active(&self) -> bool {
        matches!(self.phase, CampaignPhase::PreVote | CampaignPhase::Vote)
    }
}

impl Replica {
    /// The epoch a new campaign stands in: after every epoch this replica knows of.
    fn next_epoch(&self) -> u32 {
        self.epoch
            .max(self.voted_epoch)
            .max(self.election.seen_epoch)
            + 1
    }

    fn last_entry(&self) -> (u32, u64) {
        (self.log.last_epoch(), self.log.last_position())
    }

    /// It hears from a live leader, or is one: the stickiness that keeps one follower on a
    /// slow link, or a healed minority, from deposing a healthy leader.
    fn hears_leader(&self, ctx: &Ctx) -> bool {
        self.role == Role::Leader
            || (self.leader.is_some()
                && ctx.now.saturating_sub(self.last_leader_contact_ms)
                    < ctx.settings.failover_timeout_ms)
    }

    fn can_stand(&self, ctx: &Ctx) -> bool {
        self.up && self.role != Role::Leader && ctx.members.is_live(self.id)
    }

    /// On the election timer (or a manual failover, `forced`): campaign for leadership.
    pub fn start_election(&mut self, ctx: &mut Ctx, forced: bool) {
        if forced {
            self.election.campaign = Campaign {
                started_ms: ctx.now,
                window_ms: ctx.settings.failover_timeout_ms,
                ..Campaign::default()
            };
            self.stand(ctx, true);
        } else {
            self.start_pre_vote(None, ctx);
        }
    }

    /// Round one: ask every live member whether it would vote for us and how far its log
    /// reaches, without raising our epoch.
    fn start_pre_vote(&mut self, ahead_of: Option<NodeId>, ctx: &mut Ctx) {
        let epoch = self.next_epoch();
        self.election.campaign = Campaign {
            phase: CampaignPhase::PreVote,
            epoch,
            forced: false,
            started_ms: ctx.now,
            phase_started_ms: ctx.now,
            window_ms: ctx.settings.failover_timeout_ms,
            heard: 0,
            answered: 0,
            granted: self.id.bit(),
            appointed: false,
        };
        ctx.happened(Happening::PreVoteStarted {
            epoch,
            silent_ms: ctx.now.saturating_sub(self.last_leader_contact_ms),
            last_leader: self.leader,
            ahead_of,
        });
        self.ask(ctx, ctx.members.live);
        self.arm_round_timers(ctx);
        self.conclude(ctx, false);
    }

    /// Round two: raise the durable epoch to the one we campaign in, and ask for votes.
    fn stand(&mut self, ctx: &mut Ctx, forced: bool) {
        let epoch = self.next_epoch();
        self.enter_epoch(epoch);
        self.voted_epoch = epoch;
        self.election.voted_for = Some(self.id);
        self.election.seen_epoch = epoch;
        self.role = Role::Candidate;
        let last_leader = self.leader.take();
        // A forced campaign waits for nobody in particular: it wins on a majority.
        let heard = if forced {
            0
        } else {
            self.election.campaign.answered
        };
        self.election.campaign = Campaign {
            phase: CampaignPhase::Vote,
            epoch,
            forced,
            phase_started_ms: ctx.now,
            heard,
            answered: 0,
            granted: self.id.bit(),
            appointed: false,
            ..self.election.campaign
        };
        for p in self.peers.iter_mut() {
            p.acked_sent_at = 0;
        }
        ctx.happened(Happening::ElectionStarted {
            epoch,
            forced,
            heard,
            last_leader,
        });
        self.ask(ctx, ctx.members.live);
        self.arm_round_timers(ctx);
        self.conclude(ctx, false);
    }

    /// Sends this round's request to every live member in `to` but ourselves.
    fn ask(&mut self, ctx: &mut Ctx, to: u16) {
        let c = self.election.campaign;
        let (last_epoch, last_position) = self.last_entry();
        let me = self.id;
        for f in ctx
            .members
            .iter_live()
            .filter(|&f| f != me && to & f.bit() != 0)
        {
            ctx.send(
                f,
                Payload::VoteRequest(VoteRequest {
                    epoch: c.epoch,
                    last_position,
                    last_epoch,
                    forced: c.forced,
                    pre_vote: c.phase == CampaignPhase::PreVote,
                }),
            );
        }
    }

    /// The election timer ends the round's window; the heartbeat timer, which only a
    /// leader uses otherwise, asks again whoever has not answered (a lossy link).
    fn arm_round_timers(&mut self, ctx: &mut Ctx) {
        ctx.timer(TimerKind::Election, self.election.campaign.window_ms, 0);
        ctx.timer(TimerKind::Heartbeat, ctx.settings.heartbeat_ms, 0);
    }

    /// The heartbeat timer while campaigning: ask again whoever has not answered.
    pub(super) fn campaign_tick(&mut self, ctx: &mut Ctx) {
        if !self.election.campaign.active() {
            return;
        }
        let silent = ctx.members.live & !self.election.campaign.answered;
        self.ask(ctx, silent);
        ctx.timer(TimerKind::Heartbeat, ctx.settings.heartbeat_ms, 0);
    }

    /// The election timer while campaigning: this round's window is over.
    pub(super) fn campaign_window_over(&mut self, ctx: &mut Ctx) {
        self.conclude(ctx, true);
    }

    /// Decides the round once everyone it waits for has answered, or the window is over.
    fn conclude(&mut self, ctx: &mut Ctx, window_over: bool) {
        let c = self.election.campaign;
        let live = ctx.members.live;
        let others = live & !self.id.bit();
        let granted = (c.granted & live).count_ones();
        let needed = ctx.members.majority();
        match c.phase {
            CampaignPhase::PreVote => {
                if !(window_over || c.answered & others == others) {
                    return;
                }
                if granted >= needed {
                    self.stand(ctx, false);
                } else {
                    self.abandon(
                        Abandoned::TooFewVotes {
                            pre_vote: true,
                            granted,
                            needed,
                        },
                        ctx,
                    );
                }
            }
            CampaignPhase::Vote => {
                // Every member that answered the pre-vote answers again before we win:
                // one that has moved ahead since (a live leader still reaching it) says so.
                let waited = c.heard & others;
                if granted >= needed && (window_over || c.answered & waited == waited) {
                    self.become_leader(ctx, true);
                } else if window_over || c.answered & others == others {
                    self.abandon(
                        Abandoned::TooFewVotes {
                            pre_vote: false,
                            granted,
                            needed,
                        },
                        ctx,
                    );
                }
            }
            CampaignPhase::Idle | CampaignPhase::Won => {}
        }
    }

    /// Gives up this campaign; the election timer tries again if nobody wins meanwhile.
    fn abandon(&mut self, reason: Abandoned, ctx: &mut Ctx) {
        ctx.happened(Happening::CampaignAbandoned {
            epoch: self.election.campaign.epoch,
            reason,
        });
        self.end_campaign(ctx);
        self.reset_election_timer(ctx);
    }

    /// Stops campaigning (it heard a leader, voted for another, or gave up). A candidate
    /// keeps the epoch it raised: it is durable.
    pub(super) fn end_campaign(&mut self, ctx: &mut Ctx) {
        if !self.election.campaign.active() {
            return;
        }
        self.election.campaign.phase = CampaignPhase::Idle;
        if self.role == Role::Candidate {
            self.role = Role::Follower;
        }
        ctx.out.push(crate::message::Command::CancelTimer {
            timer: TimerKind::Heartbeat,
        });
    }

    /// A campaign that hears from a leader stops: the leader is alive after all.
    pub(super) fn heard_leader_while_campaigning(&mut self, leader: NodeId, ctx: &mut Ctx) {
        if self.election.campaign.active() {
            ctx.happened(Happening::CampaignAbandoned {
                epoch: self.election.campaign.epoch,
                reason: Abandoned::HeardLeader { leader },
            });
            self.end_campaign(ctx);
        }
    }

    pub(super) fn on_vote_request(&mut self, from: NodeId, request: VoteRequest, ctx: &mut Ctx) {
        let VoteRequest {
            epoch,
            last_position,
            last_epoch,
            forced,
            pre_vote,
        } = request;
        let answer = if pre_vote {
            self.pre_vote_answer(from, (last_epoch, last_position), ctx)
        } else {
            self.election.seen_epoch = self.election.seen_epoch.max(epoch);
            self.vote_answer(from, epoch, (last_epoch, last_position), forced, ctx)
        };
        if !pre_vote && answer.granted() {
            self.grant_vote(from, epoch, forced, ctx);
        }
        ctx.send(
            from,
            Payload::VoteReply(VoteReply {
                epoch,
                pre_vote,
                answer,
                voter_epoch: self.epoch.max(self.voted_epoch),
                granted_at: ctx.now,
            }),
        );
        // "No, I am ahead": and it campaigns itself, at once, so the most up-to-date
        // replica stands rather than waiting for its own timer.
        if answer == VoteAnswer::Ahead && !self.election.campaign.active() && self.can_stand(ctx) {
            self.start_pre_vote(Some(from), ctx);
        }
    }

    /// A pre-vote changes nothing here: it only says what this replica knows.
    fn pre_vote_answer(&self, from: NodeId, theirs: (u32, u64), ctx: &Ctx) -> VoteAnswer {
        let mine = self.last_entry();
        // As up-to-date and already standing (or campaigning with a lower id): one of two
        // equal candidates steps back, so they do not split the vote.
        let tie_first = mine == theirs
            && match self.election.campaign.phase {
                CampaignPhase::Vote => true,
                CampaignPhase::PreVote => self.id < from,
                _ => false,
            };
        if !ctx.members.is_live(self.id) {
            VoteAnswer::Refused
        } else if self.hears_leader(ctx) {
            VoteAnswer::LeaderAlive
        } else if mine > theirs || tie_first {
            VoteAnswer::Ahead
        } else {
            VoteAnswer::Granted
        }
    }

    fn vote_answer(
        &self,
        from: NodeId,
        epoch: u32,
        theirs: (u32, u64),
        forced: bool,
        ctx: &Ctx,
    ) -> VoteAnswer {
        if !ctx.members.is_live(self.id) {
            return VoteAnswer::Refused;
        }
        if self.voted_epoch == epoch && self.election.voted_for == Some(from) {
            // Asked again (our answer was lost): the same answer.
            return VoteAnswer::Granted;
        }
        if forced {
            // An operator's manual failover overrides stickiness and log positions.
            return if epoch > self.voted_epoch {
                VoteAnswer::Granted
            } else {
                VoteAnswer::Refused
            };
        }
        if self.hears_leader(ctx) {
            return VoteAnswer::LeaderAlive;
        }
        if self.last_entry() > theirs {
            return VoteAnswer::Ahead;
        }
        // One vote per epoch; and for a failover timeout after a vote, none for anyone
        // else: the candidate it voted for may be leading on the strength of it (its lease
        // rests on `granted_at`). A replica that restarts has forgotten whom it voted for
        // and keeps that promise the safe way, by voting for nobody for a while.
        if epoch > self.voted_epoch && ctx.now >= self.election.vote_promised_until_ms {
            VoteAnswer::Granted
        } else {
            VoteAnswer::Refused
        }
    }

    fn grant_vote(&mut self, from: NodeId, epoch: u32, forced: bool, ctx: &mut Ctx) {
        if self.role == Role::Leader {
            let cause = if forced {
                crate::message::StepDownCause::ManualFailover { to: from }
            } else {
                crate::message::StepDownCause::NewerEpoch { from }
            };
            self.step_down(cause, None, ctx);
        }
        self.end_campaign(ctx);
        self.enter_epoch(epoch);
        self.voted_epoch = epoch;
        self.election.voted_for = Some(from);
        self.role = Role::Follower;
        self.leader = None;
        self.last_leader_contact_ms = ctx.now;
        self.election.vote_promised_until_ms = ctx.now + ctx.settings.failover_timeout_ms;
        self.reset_election_timer(ctx);
    }

    pub(super) fn on_vote_reply(&mut self, from: NodeId, reply: VoteReply, ctx: &mut Ctx) {
        let VoteReply {
            epoch,
            pre_vote,
            answer,
            voter_epoch,
            granted_at,
        } = reply;
        self.election.seen_epoch = self.election.seen_epoch.max(voter_epoch);
        let c = self.election.campaign;
        let phase = if pre_vote {
            CampaignPhase::PreVote
        } else {
            CampaignPhase::Vote
        };
        // Only answers to this round count: an answer given before it began may no longer
        // be true (the voter's log may have grown since).
        if c.phase != phase
            || epoch != c.epoch
            || granted_at < c.phase_started_ms
            || !ctx.members.is_live(from)
        {
            return;
        }
        self.election.campaign.answered |= from.bit();
        match answer {
            VoteAnswer::Granted => {
                self.election.campaign.granted |= from.bit();
                if !pre_vote {
                    self.peers[from.index()].acked_sent_at = granted_at;
                }
            }
            VoteAnswer::Refused => {}
            VoteAnswer::LeaderAlive => {
                return self.abandon(Abandoned::LeaderAlive { peer: from }, ctx);
            }
            VoteAnswer::Ahead => {
                return self.abandon(Abandoned::PeerAhead { peer: from }, ctx);
            }
        }
        self.conclude(ctx, false);
    }
}

impl Replica {
    /// Won the campaign (its durable epoch is already the one it campaigned in).
    pub(super) fn become_leader(&mut self, ctx: &mut Ctx, announce: bool) {
        self.enter_epoch(self.election.campaign.epoch);
        self.election.campaign.phase = CampaignPhase::Won;
        self.role = Role::Leader;
        // A live member being re-seeded from a snapshot leads with the log it has.
        self.setup = None;
        self.needs_catch_up = false;
        self.leader = Some(self.id);
        let last = self.log.last_position();
        for f in ctx.members.iter_all().filter(|&f| f != self.id) {
            let voter = self.election.campaign.granted & f.bit() != 0;
            let granted_at = self.peers[f.index()].acked_sent_at;
            self.peers[f.index()] = Peer {
                // A follower still being set up gets its snapshot first, not the log.
                next: if ctx.members.is_live(f) { last + 1 } else { 0 },
                matched: 0,
                last_heard_ms: ctx.now,
                acked_sent_at: if voter {
                    granted_at.max(self.election.campaign.phase_started_ms)
                } else {
                    0
                },
                stream_start: None,
                snapshot: None,
            };
        }
        let me = self.id;
        let voters = self.election.campaign.granted;
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
                    .config
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
            self.chain.config = ChainConfig::from_slice(0, &[]);
            let config = ChainConfig::from_slice(1, &order);
            let epoch = self.epoch;
            self.chain.confirmed = self.chain.confirmed.min(last);
            self.adopt_chain(config, epoch, ctx);
        }
        if announce {
            ctx.happened(Happening::BecameLeader {
                epoch: self.epoch,
                voters,
                appointed: self.election.campaign.appointed,
            });
            for c in 0..ctx.settings.clients {
                ctx.reply(
                    ClientId(c),
                    Payload::LeaderNotice(LeaderNotice {
                        epoch: self.epoch,
                        leader: me,
                    }),
                );
            }
        }
        ctx.out.push(Command::CancelTimer {
            timer: TimerKind::Election,
        });
        self.leader_tick(ctx);
        self.try_confirm(ctx);
    }
}
