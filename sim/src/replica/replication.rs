//! Append, acknowledge, heartbeat and catch-up. The chapter: the leader sends every data
//! change to its followers as a replication log, and each follower applies the writes in
//! the same order. A follower that crashed or was cut off recovers by catch-up: from its
//! log it knows the last position it processed, so it asks the leader for every change
//! after it. This file holds the leader's side (`replicate_new`, `send_batch`,
//! `leader_tick`, `on_ack`, `on_catch_up_request`) and the follower's (`on_append`,
//! `on_heartbeat`, `send_catch_up_request`).

use super::{Ctx, Replica, Role, SetupPhase};
use crate::ids::NodeId;
use crate::log::Entry;
use crate::message::*;
use crate::scenario::Mode;

impl Replica {
    /// Streams a just-appended entry to every follower that has everything before it.
    pub(super) fn replicate_new(&mut self, position: u64, ctx: &mut Ctx) {
        let entry = *self.log.get(position).expect("just appended");
        let prev_epoch = self.log.epoch_at(position - 1).unwrap_or(0);
        let targets: Vec<NodeId> = if self.chain_mode(ctx) {
            self.chain.config.successor(self.id).into_iter().collect()
        } else {
            ctx.members.iter_all().filter(|&f| f != self.id).collect()
        };
        for f in targets {
            let peer = &mut self.peers[f.index()];
            if peer.next == position {
                peer.next = position + 1;
                peer.stream_start.get_or_insert(position);
                let payload = Payload::Append(Append {
                    epoch: self.epoch,
                    prev_position: position - 1,
                    prev_epoch,
                    entries: vec![entry],
                    confirmed: self.confirmed,
                    chain: self.chain_tag(ctx),
                });
                ctx.send(f, payload);
            }
        }
    }

    /// An append of `entries` following the entry at `prev_position`, as this replica sends
    /// it: to a follower, or down the chain.
    pub(super) fn append_after(
        &self,
        prev_position: u64,
        entries: Vec<Entry>,
        ctx: &Ctx,
    ) -> Payload {
        Payload::Append(Append {
            epoch: self.epoch,
            prev_position,
            prev_epoch: self.log.epoch_at(prev_position).unwrap_or(0),
            entries,
            confirmed: self.confirmed,
            chain: self.chain_tag(ctx),
        })
    }

    /// Sends the follower the next batch of its backlog (catch-up), or a probe if it has
    /// nothing to receive but its position is unverified.
    pub(super) fn send_batch(&mut self, f: NodeId, ctx: &mut Ctx, probe_if_empty: bool) {
        let from = self.peers[f.index()].next;
        if from == 0 {
            return;
        }
        let log_start = self.log_start(ctx.settings);
        if from < log_start {
            self.peers[f.index()].next = 0;
            ctx.send(
                f,
                Payload::SnapshotNeeded(SnapshotNeeded {
                    epoch: self.epoch,
                    log_start,
                }),
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
        let payload = self.append_after(from - 1, entries, ctx);
        ctx.send(f, payload);
    }

    /// Every heartbeat interval: check the lease, the synchronous follower and the chain,
    /// then tell every member the leader is alive.
    pub(super) fn leader_tick(&mut self, ctx: &mut Ctx) {
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
        let chain = self.chain.config;
        for f in ctx.members.iter_all().filter(|&f| f != self.id) {
            let peer = &self.peers[f.index()];
            let sent_upto = if self.chain_mode(ctx) && ctx.members.is_live(f) {
                0
            } else {
                peer.next.saturating_sub(1)
            };
            let payload = Payload::Heartbeat(Heartbeat {
                epoch: self.epoch,
                confirmed: self.confirmed,
                sent_upto,
                leader_last: self.log.last_position(),
                leader_last_epoch: self.log.last_epoch(),
                chain,
            });
            ctx.send(f, payload);
        }
        let _ = t;
        ctx.timer(TimerKind::Heartbeat, ctx.settings.heartbeat_ms, 0);
    }

    pub(super) fn responsive(&self, f: NodeId, within_ms: u64, ctx: &Ctx) -> bool {
        ctx.now.saturating_sub(self.peers[f.index()].last_heard_ms) <= within_ms
    }

    /// A follower (or chain member) is sent entries after `prev_position`: it keeps them if
    /// its log holds the entry before them, and acknowledges how far it now matches.
    pub(super) fn on_append(&mut self, from: NodeId, append: Append, sent_at: u64, ctx: &mut Ctx) {
        let Append {
            epoch,
            prev_position,
            prev_epoch,
            entries,
            confirmed,
            chain: sender_chain,
        } = append;
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
        if chain && self.chain_source(ctx).is_some() && sender_chain != self.chain_tag(ctx) {
            // The predecessor sends within another chain than this node knows: it verified
            // what it sends with the members before it in its chain, not in ours (a member
            // whose news of a splice lags would confirm what the members it still counts do
            // not hold). The newer chain reaches the other in the head's next heartbeat,
            // and the one behind then asks its upstream again.
            return;
        }
        if !self.append_follows_log(from, prev_position, prev_epoch, sent_at, ctx) {
            return;
        }
        let position = self.append_entries(from, prev_position, entries, ctx);
        // Within an epoch every entry verified upstream is the leader's, and the leader's
        // log only grows, so what was verified stays verified.
        self.chain.upstream_match = self.chain.upstream_match.max(position);
        self.confirmed = self.confirmed.max(confirmed.min(position));
        if let Some(SetupPhase::CatchingUp { .. }) = self.setup.map(|s| s.phase) {
            if let Some(s) = &mut self.setup {
                s.since_ms = ctx.now;
            }
        }
        if chain {
            self.pass_down_chain(prev_position, ctx);
            // The acknowledgement below carries the news to the predecessor.
            let tell = self.chain.config.predecessor(self.id) != Some(from);
            self.chain_tail_duties(ctx, tell);
        }
        let payload = Payload::Ack(Ack {
            epoch: self.epoch,
            result: AckResult::Appended {
                match_position: position,
            },
            echo_sent_at: sent_at,
            chain_confirmed: self.chain.confirmed,
        });
        ctx.send(from, payload);
    }

    /// Whether entries sent after `prev_position` continue this log: it must hold an entry
    /// of `prev_epoch` there. If not, the sender is told where to back up to.
    fn append_follows_log(
        &mut self,
        from: NodeId,
        prev_position: u64,
        prev_epoch: u32,
        sent_at: u64,
        ctx: &mut Ctx,
    ) -> bool {
        let last = self.log.last_position();
        if prev_position > last {
            self.reject_append(from, last, None, sent_at, ctx);
            return false;
        }
        if self.log.epoch_at(prev_position) != Some(prev_epoch) {
            // Our entries of this epoch may all be wrong: let the sender back up past them.
            let hint = (self.log.first_position_of_epoch_run(prev_position) - 1)
                .max(self.log.snapshot_position.min(prev_position - 1));
            let conflict_epoch = self.log.epoch_at(prev_position);
            self.reject_append(from, hint, conflict_epoch, sent_at, ctx);
            return false;
        }
        true
    }

    fn reject_append(
        &self,
        from: NodeId,
        hint: u64,
        conflict_epoch: Option<u32>,
        sent_at: u64,
        ctx: &mut Ctx,
    ) {
        let result = AckResult::Rejected {
            hint,
            conflict_epoch,
        };
        let payload = Payload::Ack(Ack {
            epoch: self.epoch,
            result,
            echo_sent_at: sent_at,
            chain_confirmed: self.chain.confirmed,
        });
        ctx.send(from, payload);
    }

    /// Appends the entries after `prev_position` that this log lacks; from the first one
    /// whose epoch differs from ours, ours are discarded. Returns the last position sent.
    fn append_entries(
        &mut self,
        from: NodeId,
        prev_position: u64,
        entries: Vec<Entry>,
        ctx: &mut Ctx,
    ) -> u64 {
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
        position
    }

    /// Discards every entry after `position` and what was believed confirmed beyond it.
    fn truncate_after(&mut self, position: u64, leader: NodeId, ctx: &mut Ctx) {
        let removed = self.log.truncate_after(position);
        self.confirmed = self.confirmed.min(position);
        self.chain.confirmed = self.chain.confirmed.min(position);
        if !removed.is_empty() {
            ctx.happened(Happening::Truncated {
                from_position: position + 1,
                entries: removed,
                leader,
            });
        }
    }

    /// The leader is alive: discard what cannot be its, adopt its chain, confirm what it
    /// confirmed, and ask for anything that went missing on the way.
    pub(super) fn on_heartbeat(
        &mut self,
        from: NodeId,
        heartbeat: Heartbeat,
        sent_at: u64,
        ctx: &mut Ctx,
    ) {
        let Heartbeat {
            epoch,
            confirmed,
            sent_upto,
            leader_last,
            leader_last_epoch,
            chain,
        } = heartbeat;
        if !self.accept_epoch(from, epoch, true, ctx) {
            return;
        }
        if !self.setup_blocks_log() {
            // Entries beyond the leader's log (as of this heartbeat) and beyond what was
            // verified with the upstream in this epoch are not the leader's: everything it
            // sent before the heartbeat arrived before it, and a chain upstream verifies
            // what it passes on. They are writes of a deposed leader; discard them.
            let keep = leader_last.max(self.chain.upstream_match);
            if self.log.last_position() > keep {
                self.truncate_after(keep, from, ctx);
            }
        }
        // Only what is verified to be the leader's can be confirmed.
        self.confirmed = self.confirmed.max(
            confirmed
                .min(self.chain.upstream_match)
                .min(self.log.last_position()),
        );
        if self.chain_mode(ctx)
            && (epoch, chain.version) != (self.chain.epoch, self.chain.config.version)
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
        let chain_member = self.chain_mode(ctx) && self.chain.config.contains(self.id);
        let have = self.position_along(chain_member);
        // Where missing entries come from: the leader, or in a chain the predecessor.
        let upstream = self.chain_source(ctx).unwrap_or(from);
        let leader_has = leader_last.max(sent_upto);
        if self.setup.is_some() {
            self.setup_on_heartbeat(from, upstream, leader_last, leader_has, diverged, ctx);
        } else {
            self.catch_up_if_behind(upstream, have, leader_has, diverged, ctx);
        }
        self.position_at_last_heartbeat = self.position_along(chain_member);
        let payload = Payload::Ack(Ack {
            epoch: self.epoch,
            result: AckResult::Heartbeat,
            echo_sent_at: sent_at,
            chain_confirmed: self.chain.confirmed,
        });
        ctx.send(from, payload);
    }

    /// How far this replica is along: its log, or in a chain what it verified with its
    /// predecessor in this epoch (a chain member passes on nothing beyond it, so a member
    /// with a full but unverified log holds up everyone after it).
    fn position_along(&self, chain_member: bool) -> u64 {
        if chain_member {
            self.verified_last()
        } else {
            self.log.last_position()
        }
    }

    /// A replica that is not being set up asks `upstream` for what it lacks, given how far
    /// it is along (`have`) and what the leader says it has sent or holds (`leader_has`).
    fn catch_up_if_behind(
        &mut self,
        upstream: NodeId,
        have: u64,
        leader_has: u64,
        diverged: bool,
        ctx: &mut Ctx,
    ) {
        if self.needs_catch_up {
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
        } else if have < leader_has && have == self.position_at_last_heartbeat {
            // The leader has entries we lack, and nothing has arrived since the last
            // heartbeat, which travelled behind anything sent to us before it. Something
            // was lost on the way (a lossy or cut link, here or in a chain upstream, or our
            // acknowledgement, which the leader waits for before sending more): ask again.
            self.send_catch_up_request(upstream, ctx);
        }
    }

    pub(super) fn send_catch_up_request(&mut self, leader: NodeId, ctx: &mut Ctx) {
        let payload = Payload::CatchUpRequest(CatchUpRequest {
            epoch: self.epoch,
            last_position: self.log.last_position(),
            last_epoch: self.log.last_epoch(),
        });
        ctx.send(leader, payload);
    }

    pub(super) fn on_catch_up_request(
        &mut self,
        from: NodeId,
        request: CatchUpRequest,
        ctx: &mut Ctx,
    ) {
        let CatchUpRequest {
            epoch,
            last_position,
            last_epoch,
        } = request;
        if epoch > self.epoch && self.role == Role::Leader {
            self.step_down(StepDownCause::NewerEpoch { from }, None, ctx);
            return;
        }
        // In a chain, live members catch up from their predecessor, not the head, and one
        // about to join at the tail from the tail.
        let chain = self.chain_mode(ctx);
        let upstream_of_it = self.chain.config.upstream(from) == Some(self.id);
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

    /// A follower (or chain successor) answers an append or a heartbeat: the leader learns
    /// how far it matches, sends it more or walks back, and confirms what the mode allows.
    pub(super) fn on_ack(&mut self, from: NodeId, ack: Ack, ctx: &mut Ctx) {
        let Ack {
            epoch,
            result,
            echo_sent_at,
            chain_confirmed,
        } = ack;
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
        let feeds = !chain
            || !ctx.members.is_live(from)
            || self.chain.config.upstream(from) == Some(self.id);
        if self.role != Role::Leader && !(chain && feeds) {
            return;
        }
        let peer = &mut self.peers[from.index()];
        peer.last_heard_ms = ctx.now;
        peer.acked_sent_at = peer.acked_sent_at.max(echo_sent_at);
        match result {
            AckResult::Heartbeat | AckResult::Stale => {}
            AckResult::Appended { match_position } => {
                self.follower_appended(from, match_position, feeds, ctx)
            }
            AckResult::Rejected {
                hint,
                conflict_epoch,
            } => self.walk_back(from, hint, conflict_epoch, feeds, ctx),
        }
        if chain {
            self.chain_confirmed_news(from, chain_confirmed, ctx);
        } else {
            self.try_confirm(ctx);
        }
    }

    /// The follower holds everything up to `match_position`: send it the next batch if it
    /// has acknowledged all it was sent, and note when a new follower has caught up.
    fn follower_appended(&mut self, from: NodeId, match_position: u64, feeds: bool, ctx: &mut Ctx) {
        let last = self.log.last_position();
        let peer = &mut self.peers[from.index()];
        peer.matched = peer.matched.max(match_position.min(last));
        if peer.next != 0 && peer.next <= peer.matched {
            peer.next = peer.matched + 1;
        }
        let pump = peer.next != 0 && peer.matched + 1 == peer.next && peer.next <= last;
        let caught_up = peer.next != 0
            && (peer.matched >= last || peer.stream_start.is_some_and(|s| peer.matched >= s));
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

    /// The follower's log does not continue where we sent from: skip back to where the
    /// logs can agree (the end of our own entries of the follower's conflicting epoch, or
    /// the start of its run of them) and send from there.
    fn walk_back(
        &mut self,
        from: NodeId,
        hint: u64,
        conflict_epoch: Option<u32>,
        feeds: bool,
        ctx: &mut Ctx,
    ) {
        let last = self.log.last_position();
        let peer = &self.peers[from.index()];
        if peer.next == 0 || !feeds {
            return;
        }
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
