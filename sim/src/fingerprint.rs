//! What the trace hash covers, so that equal hashes mean equal runs (the determinism test)
//! and a change of behaviour shows as a change of hash (the golden outputs carry it).
//!
//! Three parts, hashed over fixed-width words and length-prefixed bytes, never over `Debug`
//! output or anything iterated in an unstable order:
//! - every processed event: its instant, its kind, its endpoints (in `Sim::step` and the
//!   handlers), and for a delivered message every field of its payload ([`payload`]);
//! - every write's key and value, once, when the client invokes it ([`write_data`]): a
//!   message carries only the write's id, the table of writes holds the rest;
//! - every write's fate as the report states it, at the instant the hash is asked for
//!   ([`Sim::fates_hash`]): status, when and by whom it was confirmed, why it failed or was
//!   lost. A fate is a judgement over the whole run (a write confirmed now may be lost at the
//!   next election), so it is read off the writes rather than folded in event by event.
//!
//! The per-event part runs about three million times a second: it hashes fields in place
//! and allocates nothing.

use crate::ids::WriteId;
use crate::log::Entry;
use crate::message::*;
use crate::scenario::CopyMethod;
use crate::sim::{Outcome, Sim, WriteData};
use std::collections::BTreeSet;

pub const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Folds one 64-bit word into the hash, byte by byte (FNV-1a).
pub fn fnv(mut h: u64, x: u64) -> u64 {
    for b in x.to_le_bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

fn fnv_byte(h: u64, b: u8) -> u64 {
    (h ^ b as u64).wrapping_mul(FNV_PRIME)
}

/// Length first, so that ("ab", "c") and ("a", "bc") differ.
fn fnv_str(h: u64, s: &str) -> u64 {
    s.bytes().fold(fnv(h, s.len() as u64), fnv_byte)
}

/// Two 32-bit fields in one word: half the rounds of hashing them apart.
fn pair(a: u32, b: u32) -> u64 {
    a as u64 | (b as u64) << 32
}

/// One word into the hash: multiply by an odd constant, then fold the high half down, so
/// that every bit of the word soon reaches every bit of the hash. Both steps are
/// invertible, so a hash that differs stays different whatever follows: two payloads that
/// differ in one field always hash differently. One multiplication per word instead of
/// FNV's eight, which matters on every delivery (byte-wise FNV over each field cost the
/// engine 8 % more instructions per event; this costs about 3.5 %).
fn mix(h: u64, x: u64) -> u64 {
    let h = (h ^ x).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    h ^ (h >> 32)
}

/// One word per entry: the client's number is XORed over the epoch's top byte, which only
/// a run of more than 16 million elections would use (and then two entries could hash
/// alike, nothing worse).
fn entry(h: u64, e: &Entry) -> u64 {
    mix(h, pair(e.write.0, e.epoch) ^ (e.client.0 as u64) << 56)
}

fn entries(h: u64, es: &[Entry]) -> u64 {
    es.iter().fold(mix(h, es.len() as u64), entry)
}

fn chain(h: u64, c: &ChainConfig) -> u64 {
    // Only the members: the rest of the fixed-size array is padding.
    let order = c
        .nodes()
        .iter()
        .enumerate()
        .fold(0u64, |acc, (i, n)| acc | (n.0 as u64 & 0xf) << (4 * i));
    mix(mix(h, pair(c.version, c.len as u32)), order)
}

fn some_u32(x: Option<u32>) -> u64 {
    x.map_or(0, |v| 1 | (v as u64) << 1)
}

/// Every field of a message's payload, folded into the trace hash with [`mix`]. The kind
/// is hashed with the endpoints by the caller, but each variant still starts from its own
/// tag so that two kinds with equal fields differ; 32-bit fields go two to a word.
pub fn payload(h: u64, p: &Payload) -> u64 {
    let tag = |t: u64| mix(h, t);
    match p {
        Payload::ClientWrite(ClientWrite { write }) => mix(tag(1), write.0 as u64),
        Payload::WriteReply(r) => write_reply(tag(2), r),
        Payload::LeaderNotice(LeaderNotice { epoch, leader }) => {
            mix(tag(3), pair(*epoch, leader.0 as u32))
        }
        Payload::Append(a) => append(tag(4), a),
        Payload::Ack(a) => ack(tag(5), a),
        Payload::Heartbeat(b) => heartbeat(tag(6), b),
        Payload::CatchUpRequest(CatchUpRequest {
            epoch,
            last_position,
            last_epoch,
        }) => mix(mix(tag(7), pair(*epoch, *last_epoch)), *last_position),
        // The method is mixed in only when not a snapshot, so runs without other copies
        // hash as before (a locked copy as 1, as when it was a flag).
        Payload::SnapshotRequest(SnapshotRequest { epoch, method }) => {
            let h = mix(tag(8), *epoch as u64);
            match method {
                CopyMethod::Snapshot => h,
                CopyMethod::LockedCopy => mix(h, 1),
                CopyMethod::FileCopy => mix(h, 2),
            }
        }
        Payload::SnapshotChunk(c) => snapshot_chunk(tag(9), c),
        Payload::SnapshotNeeded(SnapshotNeeded { epoch, log_start }) => {
            mix(mix(tag(10), *epoch as u64), *log_start)
        }
        Payload::VoteRequest(VoteRequest {
            epoch,
            last_position,
            last_epoch,
            forced,
            pre_vote,
        }) => mix(
            mix(mix(tag(11), pair(*epoch, *last_epoch)), *last_position),
            pair(*forced as u32, *pre_vote as u32),
        ),
        Payload::VoteReply(r) => vote_reply(tag(12), r),
        Payload::Read(Read { read, key_of }) => mix(tag(13), pair(*read, key_of.0)),
        Payload::ReadReply(ReadReply {
            read,
            value,
            position,
            replica_last,
        }) => {
            let h = mix(tag(14), pair(*read, some_u32(value.map(|w| w.0)) as u32));
            mix(mix(h, *position), *replica_last)
        }
        Payload::Controller(m) => controller_message(mix(tag(15), 0), m),
    }
}

fn write_reply(h: u64, WriteReply { write, outcome }: &WriteReply) -> u64 {
    let (kind, x) = match outcome {
        ReplyOutcome::Confirmed { by, epoch } => (1 | (by.0 as u32) << 8, *epoch),
        ReplyOutcome::Redirect { leader } => (2, some_u32(leader.map(|l| l.0 as u32)) as u32),
        ReplyOutcome::Refused { .. } => (3, 0),
    };
    let h = mix(mix(h, pair(write.0, kind)), x as u64);
    match outcome {
        ReplyOutcome::Refused { reason } => fnv_str(h, reason),
        _ => h,
    }
}

fn append(h: u64, a: &Append) -> u64 {
    let Append {
        epoch,
        prev_position,
        prev_epoch,
        entries: es,
        confirmed,
        chain,
    } = a;
    let h = mix(mix(h, pair(*epoch, *prev_epoch)), *prev_position);
    let h = entries(mix(h, *confirmed), es);
    // Outside a chain the tag is always NONE: leaving it out keeps those traces'
    // fingerprints as they were before appends carried it.
    if *chain == ChainTag::NONE {
        h
    } else {
        mix(h, pair(chain.epoch, chain.version))
    }
}

fn ack(h: u64, a: &Ack) -> u64 {
    let Ack {
        epoch,
        result,
        echo_sent_at,
        chain_confirmed,
    } = a;
    let (kind, x, y) = match *result {
        AckResult::Heartbeat => (1, 0, 0),
        AckResult::Appended { match_position } => (2, match_position, 0),
        AckResult::Rejected {
            hint,
            conflict_epoch,
        } => (3, hint, some_u32(conflict_epoch)),
        AckResult::Stale => (4, 0, 0),
    };
    let h = mix(mix(h, pair(*epoch, kind)), *echo_sent_at);
    let h = mix(mix(h, *chain_confirmed), x);
    if kind == 3 {
        mix(h, y)
    } else {
        h
    }
}

fn heartbeat(h: u64, b: &Heartbeat) -> u64 {
    let Heartbeat {
        epoch,
        confirmed,
        sent_upto,
        leader_last,
        leader_last_epoch,
        chain: c,
    } = b;
    let h = mix(h, pair(*epoch, *leader_last_epoch));
    chain(mix(mix(mix(h, *confirmed), *sent_upto), *leader_last), c)
}

fn snapshot_chunk(h: u64, c: &SnapshotChunk) -> u64 {
    let SnapshotChunk {
        epoch,
        position,
        rows,
        chunk,
        of,
        data,
    } = c;
    let h = mix(
        mix(h, pair(*epoch, *chunk)),
        pair(*of, data.is_some() as u32),
    );
    let h = mix(mix(h, *position), *rows);
    // The last part carries the snapshot itself: rare, and worth every entry.
    data.as_deref().map_or(h, |d| entries(h, d))
}

fn vote_reply(h: u64, r: &VoteReply) -> u64 {
    let VoteReply {
        epoch,
        pre_vote,
        answer,
        voter_epoch,
        granted_at,
    } = r;
    let answer = match answer {
        VoteAnswer::Granted => 0,
        VoteAnswer::Refused => 1,
        VoteAnswer::LeaderAlive => 2,
        VoteAnswer::Ahead => 3,
    };
    let h = mix(h, pair(*epoch, *voter_epoch));
    mix(mix(h, pair(answer, *pre_vote as u32)), *granted_at)
}

/// A message between the controller and a replica: each field that decides what happens.
fn controller_message(h: u64, m: &ControllerMessage) -> u64 {
    match m {
        ControllerMessage::Ping => mix(h, 1),
        ControllerMessage::Status { epoch, leads } => mix(mix(h, 2), pair(*epoch, *leads as u32)),
        ControllerMessage::Probe { epoch } => mix(mix(h, 3), *epoch as u64),
        ControllerMessage::ProbeReply { epoch, answer } => {
            let (a, x, y) = match *answer {
                ProbeAnswer::LogEnd {
                    last_epoch,
                    last_position,
                } => (0, last_epoch as u64, last_position),
                ProbeAnswer::LeaderAlive { leader } => (1, leader.0 as u64, 0),
                ProbeAnswer::Newer { epoch } => (2, epoch as u64, 0),
            };
            mix(mix(mix(mix(h, 4), pair(*epoch, a)), x), y)
        }
        ControllerMessage::Fence { epoch } => mix(mix(h, 5), *epoch as u64),
        ControllerMessage::Appoint {
            epoch,
            answered,
            decided_at,
        } => mix(mix(mix(h, 6), pair(*epoch, *answered as u32)), *decided_at),
    }
}

/// A write's key and value, as the client sends them.
pub fn write_data(h: u64, data: &WriteData) -> u64 {
    match data {
        WriteData::Workload { key } => fnv(fnv(h, 1), *key as u64),
        WriteData::Manual(kv) => fnv_str(fnv_str(fnv(h, 2), &kv.0), &kv.1),
    }
}

impl Sim {
    /// Every write's fate as the report states it now: its status (with the same judgement
    /// of "blocked" the report makes), who holds it, when and by whom it was confirmed, why
    /// it failed, and when and why it was lost. Costs a pass over the writes, so it is
    /// computed when asked for, not per event.
    pub fn fates_hash(&self) -> u64 {
        let blocked: BTreeSet<WriteId> = self.blocked_writes().into_iter().collect();
        let mut h = fnv(FNV_OFFSET, self.writes.len() as u64);
        for w in self.writes.iter() {
            h = fnv_str(h, crate::view::write_status(w, &blocked).name());
            h = fnv(h, pair(w.holders as u32, w.redirects as u32));
            h = match &w.outcome {
                Outcome::Pending => fnv(h, 0),
                Outcome::Confirmed {
                    at,
                    by,
                    epoch,
                    newer_leader_existed,
                } => {
                    let flags = 1 | (by.0 as u32) << 8 | (*newer_leader_existed as u32) << 16;
                    fnv(fnv(h, pair(flags, *epoch)), *at)
                }
                Outcome::Failed { at, reason } => fnv_str(fnv(fnv(h, 2), *at), reason),
            };
            h = match &w.lost {
                None => fnv(h, 0),
                Some(l) => {
                    let who = pair(
                        l.confirmed_by.0 as u32,
                        some_u32(l.new_leader.map(|n| n.0 as u32)) as u32,
                    );
                    fnv(fnv(fnv_str(fnv(h, 1), l.reason.code()), who), l.at)
                }
            };
        }
        h
    }
}

/// The hash a run reports: its events, then its writes' fates.
pub fn combine(events: u64, fates: u64) -> u64 {
    fnv(events, fates)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{ClientId, NodeId};
    use std::sync::Arc;

    fn e(epoch: u32, write: u32, client: u8) -> Entry {
        Entry {
            epoch,
            write: WriteId(write),
            client: ClientId(client),
        }
    }

    /// Each payload, then the same payload with one field changed, for every field.
    #[rustfmt::skip]
    fn variants() -> Vec<(&'static str, Payload)> {
        let append =
            |epoch, prev_position, prev_epoch, entries: Vec<Entry>, confirmed| Payload::Append(Append {
                epoch,
                prev_position,
                prev_epoch,
                entries,
                confirmed,
                chain: ChainTag::NONE,
            });
        let in_chain = |epoch, version| Payload::Append(Append {
            epoch: 2,
            prev_position: 3,
            prev_epoch: 1,
            entries: vec![],
            confirmed: 3,
            chain: ChainTag { epoch, version },
        });
        let ack = |epoch, result, echo_sent_at, chain_confirmed| Payload::Ack(Ack {
            epoch,
            result,
            echo_sent_at,
            chain_confirmed,
        });
        let c3 = ChainConfig::from_slice(1, &[NodeId(0), NodeId(1), NodeId(2)]);
        let heartbeat = |epoch, confirmed, sent_upto, leader_last, leader_last_epoch, chain| {
            Payload::Heartbeat(Heartbeat {
                epoch,
                confirmed,
                sent_upto,
                leader_last,
                leader_last_epoch,
                chain,
            })
        };
        let chunk =
            |epoch, position, rows, chunk, of, data: Option<Vec<Entry>>| Payload::SnapshotChunk(SnapshotChunk {
                epoch,
                position,
                rows,
                chunk,
                of,
                data: data.map(Arc::from),
            });
        let vote = |epoch, last_position, last_epoch, forced, pre_vote| Payload::VoteRequest(VoteRequest {
            epoch,
            last_position,
            last_epoch,
            forced,
            pre_vote,
        });
        let reply = |epoch, pre_vote, answer, voter_epoch, granted_at| Payload::VoteReply(VoteReply {
            epoch,
            pre_vote,
            answer,
            voter_epoch,
            granted_at,
        });
        use VoteAnswer::{Ahead, Granted, LeaderAlive, Refused};
        let read_reply = |read, value: Option<u32>, position, replica_last| Payload::ReadReply(ReadReply {
            read,
            value: value.map(WriteId),
            position,
            replica_last,
        });
        let write_reply = |write, outcome| Payload::WriteReply(WriteReply {
            write: WriteId(write),
            outcome,
        });
        let confirmed = |by, epoch| ReplyOutcome::Confirmed {
            by: NodeId(by),
            epoch,
        };
        let es = vec![e(1, 4, 0), e(1, 5, 1)];
        let c132 = ChainConfig::from_slice(1, &[NodeId(0), NodeId(2), NodeId(1)]);
        let c12 = ChainConfig::from_slice(1, &[NodeId(0), NodeId(1)]);
        let rejected = |hint, conflict_epoch| AckResult::Rejected { hint, conflict_epoch };
        let matched = |match_position| AckResult::Appended { match_position };
        let redirect = |leader: Option<u8>| ReplyOutcome::Redirect { leader: leader.map(NodeId) };
        let refused = |reason| ReplyOutcome::Refused { reason };
        let notice = |epoch, leader| Payload::LeaderNotice(LeaderNotice { epoch, leader: NodeId(leader) });
        let catch_up = |epoch, last_position, last_epoch| Payload::CatchUpRequest(CatchUpRequest { epoch, last_position, last_epoch });
        let needed = |epoch, log_start| Payload::SnapshotNeeded(SnapshotNeeded { epoch, log_start });
        let read = |read, key_of| Payload::Read(Read { read, key_of: WriteId(key_of) });
        vec![
            ("client write", Payload::ClientWrite(ClientWrite { write: WriteId(3) })),
            ("client write: write", Payload::ClientWrite(ClientWrite { write: WriteId(4) })),
            ("write reply", write_reply(3, confirmed(0, 1))),
            ("write reply: write", write_reply(4, confirmed(0, 1))),
            ("write reply: by", write_reply(3, confirmed(1, 1))),
            ("write reply: epoch", write_reply(3, confirmed(0, 2))),
            ("redirect", write_reply(3, redirect(Some(0)))),
            ("redirect: leader", write_reply(3, redirect(Some(1)))),
            ("redirect: none", write_reply(3, redirect(None))),
            ("refused", write_reply(3, refused("no majority"))),
            ("refused: reason", write_reply(3, refused("no majorit"))),
            ("notice", notice(2, 1)),
            ("notice: epoch", notice(3, 1)),
            ("notice: leader", notice(2, 2)),
            ("append", append(2, 3, 1, es.clone(), 3)),
            ("append: epoch", append(3, 3, 1, es.clone(), 3)),
            ("append: prev position", append(2, 4, 1, es.clone(), 3)),
            ("append: prev epoch", append(2, 3, 2, es.clone(), 3)),
            ("append: confirmed", append(2, 3, 1, es.clone(), 4)),
            ("append: fewer entries", append(2, 3, 1, es[..1].to_vec(), 3)),
            ("append: entry epoch", append(2, 3, 1, vec![e(1, 4, 0), e(2, 5, 1)], 3)),
            ("append: entry write", append(2, 3, 1, vec![e(1, 4, 0), e(1, 6, 1)], 3)),
            ("append: entry client", append(2, 3, 1, vec![e(1, 4, 0), e(1, 5, 0)], 3)),
            ("append: in a chain", in_chain(2, 5)),
            ("append: chain epoch", in_chain(1, 5)),
            ("append: chain version", in_chain(2, 6)),
            ("ack", ack(2, matched(5), 10, 0)),
            ("ack: epoch", ack(3, matched(5), 10, 0)),
            ("ack: match", ack(2, matched(6), 10, 0)),
            ("ack: echo", ack(2, matched(5), 11, 0)),
            ("ack: chain", ack(2, matched(5), 10, 1)),
            ("ack: heartbeat", ack(2, AckResult::Heartbeat, 10, 0)),
            ("ack: stale", ack(2, AckResult::Stale, 10, 0)),
            ("ack: rejected", ack(2, rejected(5, None), 10, 0)),
            ("ack: hint", ack(2, rejected(4, None), 10, 0)),
            ("ack: conflict", ack(2, rejected(5, Some(0)), 10, 0)),
            ("heartbeat", heartbeat(2, 5, 6, 7, 1, c3)),
            ("heartbeat: epoch", heartbeat(3, 5, 6, 7, 1, c3)),
            ("heartbeat: confirmed", heartbeat(2, 4, 6, 7, 1, c3)),
            ("heartbeat: sent", heartbeat(2, 5, 5, 7, 1, c3)),
            ("heartbeat: last", heartbeat(2, 5, 6, 8, 1, c3)),
            ("heartbeat: last epoch", heartbeat(2, 5, 6, 7, 2, c3)),
            ("heartbeat: chain version", heartbeat(2, 5, 6, 7, 1, ChainConfig::from_slice(2, c3.nodes()))),
            ("heartbeat: chain order", heartbeat(2, 5, 6, 7, 1, c132)),
            ("heartbeat: chain length", heartbeat(2, 5, 6, 7, 1, c12)),
            ("catch-up", catch_up(2, 9, 1)),
            ("catch-up: epoch", catch_up(3, 9, 1)),
            ("catch-up: position", catch_up(2, 8, 1)),
            ("catch-up: last epoch", catch_up(2, 9, 2)),
            ("snapshot request", Payload::SnapshotRequest(SnapshotRequest { epoch: 2, method: CopyMethod::Snapshot })),
            ("snapshot request: epoch", Payload::SnapshotRequest(SnapshotRequest { epoch: 3, method: CopyMethod::Snapshot })),
            ("snapshot request: locked", Payload::SnapshotRequest(SnapshotRequest { epoch: 2, method: CopyMethod::LockedCopy })),
            ("snapshot request: file copy", Payload::SnapshotRequest(SnapshotRequest { epoch: 2, method: CopyMethod::FileCopy })),
            ("chunk", chunk(2, 40, 5000, 0, 3, None)),
            ("chunk: epoch", chunk(3, 40, 5000, 0, 3, None)),
            ("chunk: position", chunk(2, 41, 5000, 0, 3, None)),
            ("chunk: rows", chunk(2, 40, 5001, 0, 3, None)),
            ("chunk: part", chunk(2, 40, 5000, 1, 3, None)),
            ("chunk: of", chunk(2, 40, 5000, 0, 4, None)),
            ("chunk: empty data", chunk(2, 40, 5000, 0, 3, Some(vec![]))),
            ("chunk: data", chunk(2, 40, 5000, 0, 3, Some(es.clone()))),
            ("chunk: other data", chunk(2, 40, 5000, 0, 3, Some(vec![e(1, 4, 0), e(1, 5, 2)]))),
            ("snapshot needed", needed(2, 30)),
            ("snapshot needed: epoch", needed(3, 30)),
            ("snapshot needed: start", needed(2, 31)),
            ("vote request", vote(3, 9, 2, false, false)),
            ("vote request: epoch", vote(4, 9, 2, false, false)),
            ("vote request: position", vote(3, 8, 2, false, false)),
            ("vote request: last epoch", vote(3, 9, 1, false, false)),
            ("vote request: forced", vote(3, 9, 2, true, false)),
            ("vote request: pre-vote", vote(3, 9, 2, false, true)),
            ("vote reply", reply(3, false, Granted, 3, 100)),
            ("vote reply: epoch", reply(4, false, Granted, 3, 100)),
            ("vote reply: pre-vote", reply(3, true, Granted, 3, 100)),
            ("vote reply: refused", reply(3, false, Refused, 3, 100)),
            ("vote reply: leader alive", reply(3, false, LeaderAlive, 3, 100)),
            ("vote reply: ahead", reply(3, false, Ahead, 3, 100)),
            ("vote reply: voter epoch", reply(3, false, Granted, 4, 100)),
            ("vote reply: granted at", reply(3, false, Granted, 3, 101)),
            ("read", read(1, 2)),
            ("read: read", read(2, 2)),
            ("read: key of", read(1, 3)),
            ("read reply", read_reply(1, Some(2), 3, 4)),
            ("read reply: read", read_reply(2, Some(2), 3, 4)),
            ("read reply: value", read_reply(1, Some(3), 3, 4)),
            ("read reply: no value", read_reply(1, None, 3, 4)),
            ("read reply: position", read_reply(1, Some(2), 2, 4)),
            ("read reply: replica last", read_reply(1, Some(2), 3, 5)),
        ]
    }

    #[test]
    fn every_field_of_every_payload_moves_the_hash() {
        let mut seen: Vec<(u64, &str)> = Vec::new();
        for (what, p) in variants() {
            let h = payload(FNV_OFFSET, &p);
            assert_eq!(h, payload(FNV_OFFSET, &p.clone()), "{what}: stable");
            if let Some((_, other)) = seen.iter().find(|(x, _)| *x == h) {
                panic!("{what} hashes like {other}");
            }
            seen.push((h, what));
        }
    }

    #[test]
    fn a_writes_key_and_value_move_the_hash() {
        let manual = |k: &str, v: &str| {
            write_data(
                FNV_OFFSET,
                &WriteData::Manual(Arc::new((k.to_string(), v.to_string()))),
            )
        };
        let workload = |key| write_data(FNV_OFFSET, &WriteData::Workload { key });
        let all = [
            manual("colour", "red"),
            manual("colour", "blue"),
            manual("size", "red"),
            // Where one string ends and the next begins is part of the write.
            manual("ab", "c"),
            manual("a", "bc"),
            workload(0),
            workload(1),
        ];
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }
}
