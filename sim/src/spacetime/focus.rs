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

/// Every appended write as (its log position, when it was first appended, the write),
/// ordered by position. (Plain vectors, not ordered maps and sets: each new kind of map costs
/// the web app's bundle kilobytes.)
pub(super) struct Positions(Vec<(u64, u64, WriteId)>);

impl Positions {
    pub(super) fn of(sim: &Sim) -> Positions {
        let mut all: Vec<(u64, u64, WriteId)> = sim
            .writes
            .iter()
            .filter_map(|w| Some((w.position?, w.appended_at?, w.id)))
            .collect();
        all.sort_unstable_by_key(|e| e.0);
        Positions(all)
    }

    /// The write at `position` for a message sent at `sent_at`: of those appended there by
    /// then, the last.
    fn at(&self, position: u64, sent_at: u64) -> Option<WriteId> {
        let from = self.0.partition_point(|e| e.0 < position);
        self.0[from..]
            .iter()
            .take_while(|e| e.0 == position)
            .filter(|e| e.1 <= sent_at)
            .max_by_key(|e| e.1)
            .map(|e| e.2)
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
    ) -> Vec<u64> {
        let mut ids = Vec::new();
        // The (source, target) pairs whose acknowledgement of it is already counted.
        let mut acked: Vec<(usize, usize)> = Vec::new();
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
                    let pair = (m.source.index(), m.target.index());
                    let first = m.detail >= p
                        && self.at(p, m.sent_at) == Some(w.id)
                        && !acked.contains(&pair);
                    if first {
                        acked.push(pair);
                    }
                    first
                }
                _ => false,
            };
            if mine {
                ids.push(m.id);
            }
        }
        ids
    }
}
