//! Epochs and leases. The chapter warns of split brain after a failover: the old leader may
//! come back still believing it is the leader, and two leaders that both accept writes
//! lose or corrupt data, so the system must make the old leader step down. Every message
//! carries the sender's epoch, and a replica refuses anything from an older one
//! (`accept_epoch`, `enter_epoch`). With fencing on, a leader that has not heard from a
//! majority within a failover timeout stops taking writes and steps down (`lease_valid`,
//! `majority_silence_ms`, `step_down`).

use super::{Ctx, Members, Replica, Role, Settings};
use crate::ids::NodeId;
use crate::message::*;

impl Replica {
    /// Accepts a message stamped with `epoch` from a leader (or chain predecessor); false
    /// if the epoch is stale and the sender has been told so.
    pub(super) fn accept_epoch(
        &mut self,
        from: NodeId,
        epoch: u32,
        from_leader: bool,
        ctx: &mut Ctx,
    ) -> bool {
        if epoch < self.epoch {
            ctx.happened(Happening::StaleEpochRefused {
                from,
                their_epoch: epoch,
                our_epoch: self.epoch,
            });
            let payload = Payload::Ack(Ack {
                epoch: self.epoch,
                result: AckResult::Stale,
                echo_sent_at: 0,
                chain_confirmed: 0,
            });
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

    /// Moves to a newer epoch (never back). What this replica verified with its upstream
    /// belongs to the old epoch's leader, whose log the new one need not share.
    pub(super) fn enter_epoch(&mut self, epoch: u32) {
        if epoch > self.epoch {
            self.epoch = epoch;
            self.chain.upstream_match = 0;
        }
        if epoch > self.voted_epoch {
            // Whom it voted for belongs to the epoch of that vote: in a newer epoch it has
            // voted for nobody yet (else an old vote would count as a vote in this one).
            self.election.voted_for = None;
            self.voted_epoch = epoch;
        }
    }

    pub(super) fn lease_valid(&self, ctx: &Ctx) -> bool {
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

    pub(super) fn majority_silence_ms(&self, ctx: &Ctx) -> u64 {
        let newest = ctx
            .members
            .iter_live()
            .filter(|&f| f != self.id)
            .map(|f| self.peers[f.index()].acked_sent_at)
            .max()
            .unwrap_or(0);
        ctx.now.saturating_sub(newest)
    }

    pub(super) fn step_down(
        &mut self,
        cause: StepDownCause,
        new_leader: Option<NodeId>,
        ctx: &mut Ctx,
    ) {
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
        self.release_held_writes(new_leader, ctx);
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
