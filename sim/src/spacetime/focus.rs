//! Which messages belong to one write, so that the space-time diagram can follow a single
//! write through the chapter's steps: the client's request, the leader's append of the
//! write's log position to each follower (or down the chain), each follower's
//! acknowledgement of it, and the reply that confirms it to the client.
//!
//! Messages carry log positions, not writes, and after a failover a new leader may put
//! another write at a position an old one held; so a position means the write appended
//! there most recently before the message was sent.

use crate::ids::WriteId;
use crate::message::MessageKind;
use crate::message_log::MessageRecord;
use crate::sim::{Sim, WriteRecord};
use std::collections::{BTreeMap, BTreeSet};

/// Each log position's writes, in the order they were first appended there.
pub(super) struct Positions(BTreeMap<u64, Vec<(u64, WriteId)>>);

impl Positions {
    pub(super) fn of(sim: &Sim) -> Positions {
        let mut map: BTreeMap<u64, Vec<(u64, WriteId)>> = BTreeMap::new();
        for w in sim.writes.iter() {
            if let (Some(p), Some(at)) = (w.position, w.appended_at) {
                map.entry(p).or_default().push((at, w.id));
            }
        }
        for v in map.values_mut() {
            v.sort();
        }
        Positions(map)
    }

    /// The write at `position` for a message sent at `sent_at`.
    fn at(&self, position: u64, sent_at: u64) -> Option<WriteId> {
        self.0
            .get(&position)?
            .iter()
            .rev()
            .find(|(at, _)| *at <= sent_at)
            .map(|(_, w)| *w)
    }

    /// The write a message is about (see [`super::Arrow::write`]).
    pub(super) fn write_of(&self, m: &MessageRecord) -> Option<WriteId> {
        match m.kind {
            MessageKind::ClientWrite | MessageKind::WriteReply => Some(WriteId(m.detail as u32)),
            MessageKind::Append if m.count > 0 && !m.heartbeat => self.at(m.detail, m.sent_at),
            MessageKind::Ack if m.detail > 0 && !m.heartbeat => self.at(m.detail, m.sent_at),
            _ => None,
        }
    }

    /// The ids of `w`'s messages among `records` (in order of sending): its requests and
    /// replies; every append that carries its position; and from each replica to each, the
    /// first acknowledgement that reaches its position (later ones acknowledge later
    /// writes, and say nothing new about this one).
    pub(super) fn messages_of<T>(
        &self,
        w: &WriteRecord,
        records: &[(MessageRecord, T)],
    ) -> BTreeSet<u64> {
        let mut ids = BTreeSet::new();
        let mut acked: BTreeSet<(usize, usize)> = BTreeSet::new();
        for (m, _) in records {
            let mine = match (m.kind, w.position) {
                (MessageKind::ClientWrite | MessageKind::WriteReply, _) => {
                    m.detail == w.id.0 as u64
                }
                (MessageKind::Append, Some(p)) if !m.heartbeat => {
                    (m.detail..m.detail + m.count as u64).contains(&p)
                        && self.at(p, m.sent_at) == Some(w.id)
                }
                (MessageKind::Ack, Some(p)) if !m.heartbeat => {
                    m.detail >= p
                        && self.at(p, m.sent_at) == Some(w.id)
                        && acked.insert((m.source.index(), m.target.index()))
                }
                _ => false,
            };
            if mine {
                ids.insert(m.id);
            }
        }
        ids
    }
}
