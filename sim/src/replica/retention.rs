//! The log-retention dilemma (second edition of the chapter): while a follower is
//! unavailable for a long time, the leader must either keep its log until the follower
//! catches up, at the risk of filling its disk, or delete it, and the follower must then be
//! re-seeded from a snapshot (`snapshot.rs`). This file holds the first branch: retention
//! `until_caught_up` deletes only what every follower has, and a leader whose disk
//! (`disk_entries`: its initial rows plus the log it keeps) is full refuses writes.

use super::{Ctx, Replica, Settings};
use crate::ids::{NodeId, WriteId};
use crate::message::*;
use crate::scenario::LogRetention;

/// What a client hears when the leader's disk is full.
pub const DISK_FULL: &str = "the leader's disk is full";

impl Replica {
    /// Retention `until_caught_up`: the leader deletes the log every follower holds. A
    /// follower that is down still counts, at the position it last acknowledged: that is
    /// the point of keeping the log for it. A leader knows nothing of what its followers
    /// hold until they answer it, so a new leader deletes nothing at first.
    fn discard_caught_up(&mut self, ctx: &Ctx) {
        if ctx.settings.log_retention != LogRetention::UntilCaughtUp {
            return;
        }
        let held_by_all = self
            .behindmost_follower(ctx)
            .map(|(_, matched)| matched)
            .unwrap_or(self.log.last_position());
        self.log_discarded = self.log_discarded.max(held_by_all);
    }

    /// The follower (other than this leader) that holds the least of the log, and how much.
    fn behindmost_follower(&self, ctx: &Ctx) -> Option<(NodeId, u64)> {
        ctx.members
            .iter_all()
            .filter(|&f| f != self.id)
            .map(|f| (f, self.peers[f.index()].matched))
            .min_by_key(|&(f, matched)| (matched, f))
    }

    /// Rows and log entries on the leader's disk: the initial rows and the log it keeps.
    pub fn disk_used(&self, settings: &Settings) -> u64 {
        let kept = (self.log.last_position() + 1).saturating_sub(self.log_start(settings));
        settings.initial_rows + kept
    }

    /// Whether the leader can store one more write; says so when its disk fills, and when
    /// it has room again.
    pub(super) fn disk_has_room(&mut self, write: WriteId, ctx: &mut Ctx) -> bool {
        let Some(capacity) = ctx.settings.disk_entries else {
            return true;
        };
        self.discard_caught_up(ctx);
        let used = self.disk_used(ctx.settings);
        let room = used < capacity;
        if room && self.disk_full {
            ctx.happened(Happening::DiskRoom {
                used,
                capacity,
                log_start: self.log_start(ctx.settings),
            });
        }
        if !room {
            let waiting_for = match ctx.settings.log_retention {
                LogRetention::UntilCaughtUp => self.behindmost_follower(ctx).map(|(f, _)| f),
                LogRetention::LastEntries => None,
            };
            ctx.happened(Happening::DiskFull {
                write,
                used,
                capacity,
                first: !self.disk_full,
                waiting_for,
            });
        }
        self.disk_full = !room;
        room
    }
}
