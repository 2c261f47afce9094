//! Every message that arrived or was lost, in that order: the space-time diagram draws
//! it. A run can send tens of millions of messages, so each is stored in 24 bytes (times,
//! ids and positions of a run fit in 32 bits) rather than the 48 of [`MessageRecord`],
//! which is what readers get back.

use crate::chunked::ChunkedVec;
use crate::ids::{Endpoint, WriteId};
use crate::message::*;
use crate::sim::InFlight;

/// A message's life, kept for the space-time diagram: when it left and arrived (or was
/// dropped), between whom, and a compact number for its summary.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MessageRecord {
    pub id: u64,
    pub kind: MessageKind,
    pub source: Endpoint,
    pub target: Endpoint,
    pub sent_at: u64,
    /// Arrival, or the instant it was lost.
    pub end_at: u64,
    pub dropped: bool,
    /// A heartbeat or its acknowledgement: liveness only, no log entries.
    pub heartbeat: bool,
    /// Kind-specific: the write of a client request or reply, the first log position of an
    /// append, the position an acknowledgement reports.
    pub detail: u64,
    /// Entries in an append.
    pub count: u32,
    /// How far along the wire it got, 0..=1: 1 when it arrived (or was dropped on arrival,
    /// by a lossy link or a target that was down), less when it was dropped on the way
    /// (a crash of its sender, a cut link). Kept to 1/63.
    pub reached: f64,
}

impl MessageRecord {
    pub(crate) fn of(m: &InFlight, end_at: u64, dropped: bool) -> MessageRecord {
        let span = m.deliver_at.saturating_sub(m.sent_at).max(1) as f64;
        let reached = (end_at.saturating_sub(m.sent_at) as f64 / span).clamp(0.0, 1.0);
        let (detail, count) = match &m.payload {
            Payload::ClientWrite(ClientWrite { write })
            | Payload::WriteReply(WriteReply { write, .. }) => (write.0 as u64, 0),
            Payload::Append(Append {
                prev_position,
                entries,
                ..
            }) => (prev_position + 1, entries.len() as u32),
            Payload::Ack(Ack {
                result: AckResult::Appended { match_position },
                ..
            }) => (*match_position, 0),
            Payload::Ack(Ack {
                result: AckResult::Rejected { hint, .. },
                ..
            }) => (*hint, 0),
            Payload::CatchUpRequest(CatchUpRequest { last_position, .. }) => (*last_position, 0),
            Payload::SnapshotChunk(SnapshotChunk { position, .. }) => (*position, 0),
            Payload::VoteRequest(VoteRequest { epoch, .. })
            | Payload::VoteReply(VoteReply { epoch, .. }) => (*epoch as u64, 0),
            _ => (0, 0),
        };
        MessageRecord {
            id: m.id,
            kind: m.payload.kind(),
            source: m.source,
            target: m.target,
            sent_at: m.sent_at,
            end_at,
            dropped,
            heartbeat: m.payload.is_liveness(),
            detail,
            count,
            reached,
        }
    }

    /// A few words for the space-time diagram's arrows, the same for a message that has
    /// arrived, was lost, or is still in flight (`in_flight`), since all three come from
    /// the record.
    pub fn summary(&self, in_flight: bool) -> String {
        let k = self.kind.name().replace('_', " ");
        let what = match self.kind {
            MessageKind::ClientWrite | MessageKind::WriteReply => {
                format!(" {}", WriteId(self.detail as u32))
            }
            MessageKind::Append if self.count == 0 => {
                format!(" (probe at {})", self.detail.saturating_sub(1))
            }
            MessageKind::Append if self.count == 1 => format!(" of position {}", self.detail),
            MessageKind::Append => format!(
                " of positions {}–{}",
                self.detail,
                self.detail + self.count as u64 - 1
            ),
            MessageKind::Ack if self.detail > 0 => format!(": up to position {}", self.detail),
            MessageKind::VoteRequest | MessageKind::VoteReply => format!(", epoch {}", self.detail),
            _ => String::new(),
        };
        let end = if in_flight {
            "in flight".to_string()
        } else if self.dropped {
            format!("lost at {} ms", self.end_at)
        } else {
            format!("arrived {} ms", self.end_at)
        };
        format!(
            "{k}{what}, {} → {}, sent {} ms, {end}",
            self.source, self.target, self.sent_at
        )
    }
}

/// What a record keeps, in 24 bytes.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Packed {
    id: u32,
    sent_at: u32,
    end_at: u32,
    detail: u32,
    count: u32,
    kind: MessageKind,
    source: u8,
    target: u8,
    /// [`DROPPED`] and [`HEARTBEAT`] in the low two bits, and in the six above them how
    /// far along the wire it got, in 63rds: one byte keeps the record at 24 bytes.
    flags: u8,
}

const DROPPED: u8 = 1;
const HEARTBEAT: u8 = 2;
const REACHED_SHIFT: u8 = 2;

/// Values past 32 bits (no run within the caps reaches them) are kept as the largest.
fn narrow(x: u64) -> u32 {
    x.min(u32::MAX as u64) as u32
}

/// The log of messages, appended to as they arrive or are lost.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MessageLog(ChunkedVec<Packed>);

impl MessageLog {
    /// See [`ChunkedVec::unshared_bytes`].
    pub fn unshared_bytes(&self) -> usize {
        self.0.unshared_bytes()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn push(&mut self, m: MessageRecord) {
        self.0.push(Packed {
            id: narrow(m.id),
            sent_at: narrow(m.sent_at),
            end_at: narrow(m.end_at),
            detail: narrow(m.detail),
            count: m.count,
            kind: m.kind,
            source: m.source.index() as u8,
            target: m.target.index() as u8,
            flags: if m.dropped { DROPPED } else { 0 }
                | if m.heartbeat { HEARTBEAT } else { 0 }
                | ((m.reached.clamp(0.0, 1.0) * 63.0).round() as u8) << REACHED_SHIFT,
        });
    }

    pub fn get(&self, i: usize) -> Option<MessageRecord> {
        self.0.get(i).map(|p| MessageRecord {
            id: p.id as u64,
            kind: p.kind,
            source: Endpoint::from_index(p.source as usize),
            target: Endpoint::from_index(p.target as usize),
            sent_at: p.sent_at as u64,
            end_at: p.end_at as u64,
            dropped: p.flags & DROPPED != 0,
            heartbeat: p.flags & HEARTBEAT != 0,
            detail: p.detail as u64,
            count: p.count,
            reached: (p.flags >> REACHED_SHIFT) as f64 / 63.0,
        })
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = MessageRecord> + '_ {
        (0..self.len()).map(|i| self.get(i).expect("in range"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{ClientId, NodeId};

    #[test]
    fn a_record_reads_back_as_it_was_written() {
        let m = MessageRecord {
            id: 123_456,
            kind: MessageKind::Append,
            source: Endpoint::Replica(NodeId(8)),
            target: Endpoint::Client(ClientId(8)),
            sent_at: 3_599_990,
            end_at: 3_600_010,
            dropped: true,
            heartbeat: false,
            detail: 981_818,
            count: 50,
            reached: 1.0,
        };
        let mut log = MessageLog::default();
        log.push(m);
        assert_eq!(log.get(0), Some(m));
        let beat = MessageRecord {
            kind: MessageKind::Heartbeat,
            dropped: false,
            heartbeat: true,
            ..m
        };
        log.push(beat);
        assert_eq!(log.get(1), Some(beat));
        // Dropped two fifths of the way: kept to the nearest 63rd.
        log.push(MessageRecord { reached: 0.4, ..m });
        assert!((log.get(2).unwrap().reached - 0.4).abs() <= 0.5 / 63.0);
        assert_eq!(std::mem::size_of::<Packed>(), 24);
    }
}
