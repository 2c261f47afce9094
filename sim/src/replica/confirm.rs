//! When each mode confirms a write. The chapter: with synchronous replication the leader
//! waits until a follower has confirmed it received the write before reporting success;
//! with asynchronous replication it does not wait. Semi-synchronous: one follower is
//! synchronous and the others asynchronous, and if the synchronous follower becomes
//! unavailable or slow, one of the asynchronous followers is made synchronous. Quorum mode
//! waits for `w` copies. This file holds each mode's rule (`try_confirm`, `confirm_upto`)
//! and semi-sync's choice of a new synchronous follower (`check_sync_follower`); a chain's
//! tail confirms in `chain.rs`.

use super::{Ctx, Replica, Role};
use crate::message::*;
use crate::scenario::Mode;

impl Replica {
    /// Confirms to clients every entry the mode now considers durable.
    pub(super) fn try_confirm(&mut self, ctx: &mut Ctx) {
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
            self.tell_client_confirmed(self.confirmed, ctx);
        }
    }

    /// Tells the client of the entry at `position` that its write is confirmed, by this
    /// replica in its epoch: the leader in most modes, the tail in a chain.
    pub(super) fn tell_client_confirmed(&self, position: u64, ctx: &mut Ctx) {
        if let Some(e) = self.log.get(position).copied() {
            ctx.reply(
                e.client,
                Payload::WriteReply(WriteReply {
                    write: e.write,
                    outcome: ReplyOutcome::Confirmed {
                        by: self.id,
                        epoch: self.epoch,
                    },
                }),
            );
        }
    }

    pub(super) fn check_sync_follower(&mut self, ctx: &mut Ctx) {
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
}
