//! The chapter's second way of setting up a new follower: lock the database against
//! writes, copy it, unlock. The copy is consistent, and the follower follows from the
//! locked position, but no write is taken while the copy runs, which "would go against our
//! goal of high availability". The leader holds each write that arrives during the lock
//! (the client waits, blocked) and takes them all once the last part of the copy is sent.

use super::{Ctx, Replica};
use crate::ids::{ClientId, NodeId, WriteId};
use crate::message::*;

/// A leader's lock against writes while it copies its data to `follower`.
#[derive(Clone, Debug, PartialEq)]
pub struct WriteLock {
    pub follower: NodeId,
    pub since_ms: u64,
    /// The leader's last log position when it locked: the copy's position.
    pub position: u64,
    /// Writes that arrived during the lock, in order, waiting for it to end.
    pub held: Vec<(ClientId, WriteId)>,
}

impl Replica {
    /// Locks writes for a copy to `follower` (kept, if one is already running).
    pub(super) fn lock_writes(&mut self, follower: NodeId, position: u64, ctx: &mut Ctx) {
        if self.write_lock.is_some() {
            return;
        }
        self.write_lock = Some(WriteLock {
            follower,
            since_ms: ctx.now,
            position,
            held: Vec::new(),
        });
    }

    /// Holds a write that arrives while the copy runs; `false` if there is no lock.
    pub(super) fn hold_if_locked(&mut self, client: ClientId, write: WriteId) -> bool {
        match &mut self.write_lock {
            Some(lock) => {
                lock.held.push((client, write));
                true
            }
            None => false,
        }
    }

    /// The copy to `follower` is sent: unlock, and take the writes that waited, in order.
    pub(super) fn unlock_writes(&mut self, follower: NodeId, ctx: &mut Ctx) {
        if self.write_lock.as_ref().map(|l| l.follower) != Some(follower) {
            return;
        }
        let Some(lock) = self.write_lock.take() else {
            return;
        };
        ctx.happened(Happening::WritesUnlocked {
            follower,
            held: lock.held.len() as u64,
            locked_ms: ctx.now - lock.since_ms,
        });
        for (client, write) in lock.held {
            self.on_client_write(client, write, ctx);
        }
    }

    /// A leader that steps down during the copy sends the writes it held to the leader it
    /// knows of, as it would any write.
    pub(super) fn release_held_writes(&mut self, new_leader: Option<NodeId>, ctx: &mut Ctx) {
        let Some(lock) = self.write_lock.take() else {
            return;
        };
        for (client, write) in lock.held {
            ctx.reply(
                client,
                Payload::WriteReply(WriteReply {
                    write,
                    outcome: ReplyOutcome::Redirect { leader: new_leader },
                }),
            );
        }
    }
}
