//! Chain replication. The chapter names it as a variant of synchronous replication: rather
//! than the leader waiting on followers, a write goes to the head, passes down the chain
//! one replica at a time, and the tail confirms it once it has passed through every one.
//! This file holds how the head reorders the chain around slow or failed members
//! (`reconfigure_chain`), how a member adopts a new chain and upstream, how entries pass
//! down (`pass_down_chain`, `send_range`) and how the tail's confirmation travels back up.

use super::{Ctx, Replica, Role};
use crate::ids::NodeId;
use crate::message::*;
use crate::scenario::Mode;

impl Replica {
    pub(super) fn chain_mode(&self, ctx: &Ctx) -> bool {
        ctx.settings.mode == Mode::Chain
    }

    /// The chain this replica acts in, as its appends carry it.
    pub(super) fn chain_tag(&self, ctx: &Ctx) -> ChainTag {
        if self.chain_mode(ctx) {
            ChainTag {
                epoch: self.chain.epoch,
                version: self.chain.config.version,
            }
        } else {
            ChainTag::NONE
        }
    }

    /// In a chain, the one replica a live member takes entries from: its predecessor, or
    /// for one about to join at the tail, the tail. None: the head, a follower still being
    /// set up (it is served by the leader), or no chain.
    pub(super) fn chain_source(&self, ctx: &Ctx) -> Option<NodeId> {
        if self.chain_mode(ctx) && ctx.members.is_live(self.id) && self.role != Role::Leader {
            self.chain.config.upstream(self.id)
        } else {
            None
        }
    }

    pub(super) fn reconfigure_chain(&mut self, ctx: &mut Ctx) {
        let within = ctx.settings.failover_timeout_ms;
        let me = self.id;
        let mut order = vec![me];
        for &n in self.chain.config.nodes() {
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
        if order.as_slice() != self.chain.config.nodes() {
            let removed: Vec<NodeId> = self
                .chain
                .config
                .nodes()
                .iter()
                .copied()
                .filter(|n| !order.contains(n))
                .collect();
            let config = ChainConfig::from_slice(self.chain.config.version + 1, &order);
            ctx.happened(Happening::ChainChanged {
                order: config,
                removed,
            });
            let epoch = self.epoch;
            self.adopt_chain(config, epoch, ctx);
        }
    }

    pub(super) fn adopt_chain(&mut self, config: ChainConfig, epoch: u32, ctx: &mut Ctx) {
        let old = self.chain.config;
        let old_successor = old.successor(self.id);
        let old_epoch = self.chain.epoch;
        self.chain.config = config;
        self.chain.epoch = epoch;
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
        let passed_through = self.chain.config.nodes().first() == Some(&upstream)
            || old.predecessor(me) == Some(upstream)
            || (old_epoch == self.chain.epoch && old.before(upstream, me));
        if passed_through {
            return;
        }
        self.chain.upstream_match = 0;
        // A replica back from a crash asks in its own time (see `on_heartbeat`), and one
        // being set up from a snapshot takes no entries yet.
        if !self.needs_catch_up && !self.setup_blocks_log() {
            self.send_catch_up_request(upstream, ctx);
        }
    }

    /// The tail confirms: it answers clients for everything it holds that is not yet
    /// confirmed, and tells its predecessor (unless the caller's own answer will).
    pub(super) fn chain_tail_duties(&mut self, ctx: &mut Ctx, tell_predecessor: bool) {
        if !self.chain_mode(ctx)
            || !self.chain.config.contains(self.id)
            || self.chain.config.successor(self.id).is_some()
        {
            return;
        }
        let last = self.verified_last();
        // As in quorum mode: holding an older epoch's entry all down the chain does not
        // make it durable; it is confirmed with the first entry of the current epoch.
        if self.chain.confirmed >= last || self.log.epoch_at(last) != Some(self.epoch) {
            return;
        }
        for p in self.chain.confirmed + 1..=last {
            self.tell_client_confirmed(p, ctx);
        }
        self.chain.confirmed = last;
        if self.role == Role::Leader {
            self.confirmed = self.confirmed.max(last);
        } else if let Some(p) = self
            .chain
            .config
            .predecessor(self.id)
            .filter(|_| tell_predecessor)
        {
            self.ack_upstream(p, ctx);
        }
    }

    /// Chain: passes on to the successor what was just verified (an append after
    /// `prev_position` arrived): straight on if it continues what the successor was sent,
    /// else as the next batch once the successor has acknowledged everything sent so far.
    pub(super) fn pass_down_chain(&mut self, prev_position: u64, ctx: &mut Ctx) {
        let Some(s) = self.chain.config.successor(self.id) else {
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
        let payload = self.append_after(from - 1, entries, ctx);
        ctx.send(s, payload);
    }

    /// How far the tail has confirmed, as heard from downstream (the head hears it from
    /// everyone, in answers to its heartbeats; nobody from one about to join): passed on
    /// up the chain to the head.
    pub(super) fn chain_confirmed_news(
        &mut self,
        from: NodeId,
        chain_confirmed: u64,
        ctx: &mut Ctx,
    ) {
        let downstream =
            self.role == Role::Leader || self.chain.config.successor(self.id) == Some(from);
        if !downstream || chain_confirmed <= self.chain.confirmed {
            return;
        }
        self.chain.confirmed = chain_confirmed.min(self.verified_last());
        if self.role == Role::Leader {
            self.confirmed = self.confirmed.max(self.chain.confirmed);
        } else if let Some(p) = self.chain.config.predecessor(self.id) {
            self.ack_upstream(p, ctx);
        }
    }

    /// Tells the predecessor how far this node's log matches its upstream, and what the
    /// chain has confirmed: acknowledgements travel back up the chain.
    fn ack_upstream(&self, p: NodeId, ctx: &mut Ctx) {
        let payload = Payload::Ack(Ack {
            epoch: self.epoch,
            result: AckResult::Appended {
                match_position: self.chain.upstream_match,
            },
            echo_sent_at: 0,
            chain_confirmed: self.chain.confirmed,
        });
        ctx.send(p, payload);
    }
}
