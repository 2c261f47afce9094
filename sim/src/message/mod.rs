//! The messages replicas and clients exchange, and the commands a replica hands back to
//! the simulator (sans-IO: replicas never send anything themselves).

use crate::ids::{ClientId, Endpoint, NodeId, WriteId};
use crate::log::Entry;
use std::sync::Arc;

/// The order of a chain, head first, as decided by the head; `version` orders configs
/// within an epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainConfig {
    pub version: u32,
    pub len: u8,
    pub order: [NodeId; crate::ids::MAX_REPLICAS],
}

/// Which chain a chain member acts in: the head's epoch when it was adopted, and the
/// head's version of it. Outside chain mode, and for the leader's own appends to
/// replicas not yet in a chain, it is `ChainTag::NONE`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct ChainTag {
    pub epoch: u32,
    pub version: u32,
}

impl ChainTag {
    pub const NONE: ChainTag = ChainTag {
        epoch: 0,
        version: 0,
    };
}

impl ChainConfig {
    pub fn empty() -> ChainConfig {
        ChainConfig {
            version: 0,
            len: 0,
            order: [NodeId(0); crate::ids::MAX_REPLICAS],
        }
    }
    pub fn from_slice(version: u32, nodes: &[NodeId]) -> ChainConfig {
        let mut c = ChainConfig::empty();
        c.version = version;
        for (i, n) in nodes.iter().enumerate() {
            c.order[i] = *n;
        }
        c.len = nodes.len() as u8;
        c
    }
    pub fn nodes(&self) -> &[NodeId] {
        &self.order[..self.len as usize]
    }
    fn position(&self, n: NodeId) -> Option<usize> {
        self.nodes().iter().position(|&x| x == n)
    }
    pub fn successor(&self, n: NodeId) -> Option<NodeId> {
        self.position(n)
            .and_then(|i| self.nodes().get(i + 1).copied())
    }
    pub fn predecessor(&self, n: NodeId) -> Option<NodeId> {
        self.position(n)
            .and_then(|i| i.checked_sub(1))
            .map(|i| self.order[i])
    }
    pub fn contains(&self, n: NodeId) -> bool {
        self.position(n).is_some()
    }
    pub fn tail(&self) -> Option<NodeId> {
        self.nodes().last().copied()
    }
    /// Where `n` takes its entries from: its predecessor; for a replica not in the chain,
    /// which joins at the tail, the tail (a new tail is brought up to date by the old
    /// one). None for the head, or for an empty chain.
    pub fn upstream(&self, n: NodeId) -> Option<NodeId> {
        if self.contains(n) {
            self.predecessor(n)
        } else {
            self.tail()
        }
    }
    /// `a` comes before `b`, both members: whatever came down the chain to `b` went
    /// through `a`.
    pub fn before(&self, a: NodeId, b: NodeId) -> bool {
        matches!((self.position(a), self.position(b)), (Some(i), Some(j)) if i < j)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum ReplyOutcome {
    /// The write is durable by the mode's standard.
    Confirmed { by: NodeId, epoch: u32 },
    /// "I am not the leader; try this one" (or nobody known).
    Redirect { leader: Option<NodeId> },
    /// A leader that cannot prove it still leads refuses rather than risk split brain.
    Refused { reason: &'static str },
}

/// Leader to new follower, one part of the snapshot; the last one carries the data.
#[derive(Clone, Debug, PartialEq)]
pub struct SnapshotChunk {
    pub epoch: u32,
    pub position: u64,
    pub rows: u64,
    pub chunk: u32,
    pub of: u32,
    pub data: Option<Arc<[Entry]>>,
}

/// Candidate to every live member: "vote for me in `epoch`; my log ends here". With
/// `pre_vote` it is only a question (Raft's pre-vote, with log positions): "would you
/// vote for me, and is anyone ahead of me?"; the candidate has not raised its epoch yet.
#[derive(Clone, Debug, PartialEq)]
pub struct VoteRequest {
    pub epoch: u32,
    pub last_position: u64,
    pub last_epoch: u32,
    pub forced: bool,
    pub pre_vote: bool,
}

/// The answer, for the `epoch` asked about. `voter_epoch`: the newest epoch the voter
/// knows of, so a candidate behind it stands in a newer one. `granted_at`: when the
/// voter answered; a granted vote means it helps elect nobody else before `granted_at`
/// plus the failover timeout, which is what a new leader's lease rests on.
#[derive(Clone, Debug, PartialEq)]
pub struct VoteReply {
    pub epoch: u32,
    pub pre_vote: bool,
    pub answer: VoteAnswer,
    pub voter_epoch: u32,
    pub granted_at: u64,
}

/// Leader to every replica, when there is nothing else to send. `sent_upto`: the last
/// position sent to this follower; `leader_last` and `leader_last_epoch`: the leader's
/// last entry, which lets a follower spot entries the leader does not have.
#[derive(Clone, Debug, PartialEq)]
pub struct Heartbeat {
    pub epoch: u32,
    pub confirmed: u64,
    pub sent_upto: u64,
    pub leader_last: u64,
    pub leader_last_epoch: u32,
    pub chain: ChainConfig,
}

/// Leader (or chain predecessor) to follower: entries after `prev_position`, which the
/// follower must hold with `prev_epoch` for its log to be a prefix of the sender's.
#[derive(Clone, Debug, PartialEq)]
pub struct Append {
    pub epoch: u32,
    pub prev_position: u64,
    pub prev_epoch: u32,
    pub entries: Vec<Entry>,
    pub confirmed: u64,
    /// In a chain, the chain the sender passes entries down: a member takes them only
    /// within the same chain as its own.
    pub chain: ChainTag,
}

/// A voter's answer to a vote request or a pre-vote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoteAnswer {
    Granted,
    /// Not this time: it already voted in this epoch, promised its vote to another
    /// candidate a moment ago, knows a newer epoch, or is not a live member.
    Refused,
    /// The voter still hears from a live leader (or is one): nobody should stand.
    LeaderAlive,
    /// The voter's log is more up-to-date than the candidate's (or as up-to-date, and it
    /// is already standing): the candidate steps back and the voter stands instead.
    Ahead,
}

impl VoteAnswer {
    pub fn granted(self) -> bool {
        self == VoteAnswer::Granted
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AckResult {
    Heartbeat,
    Appended {
        match_position: u64,
    },
    /// The logs may differ after `hint`; `conflict_epoch` is the epoch of the follower's
    /// entry where they disagreed, so the leader can skip that epoch's entries at once.
    Rejected {
        hint: u64,
        conflict_epoch: Option<u32>,
    },
    /// Sender's epoch is stale: the replica follows a newer leader.
    Stale,
}

/// How a message is drawn and counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum MessageKind {
    ClientWrite,
    WriteReply,
    LeaderNotice,
    Append,
    Ack,
    Heartbeat,
    CatchUpRequest,
    SnapshotRequest,
    SnapshotChunk,
    SnapshotNeeded,
    VoteRequest,
    VoteReply,
    Read,
    ReadReply,
    Controller,
}

impl MessageKind {
    pub fn name(self) -> &'static str {
        match self {
            MessageKind::ClientWrite => "client_write",
            MessageKind::WriteReply => "write_reply",
            MessageKind::LeaderNotice => "leader_notice",
            MessageKind::Append => "append",
            MessageKind::Ack => "ack",
            MessageKind::Heartbeat => "heartbeat",
            MessageKind::CatchUpRequest => "catch_up_request",
            MessageKind::SnapshotRequest => "snapshot_request",
            MessageKind::SnapshotChunk => "snapshot_chunk",
            MessageKind::SnapshotNeeded => "snapshot_needed",
            MessageKind::VoteRequest => "vote_request",
            MessageKind::VoteReply => "vote_reply",
            MessageKind::Read => "read",
            MessageKind::ReadReply => "read_reply",
            MessageKind::Controller => "controller",
        }
    }
    /// The name in words, for readers: "catch up request".
    pub fn label(self) -> &'static str {
        match self {
            MessageKind::ClientWrite => "client write",
            MessageKind::WriteReply => "write reply",
            MessageKind::LeaderNotice => "leader notice",
            MessageKind::Append => "append",
            MessageKind::Ack => "ack",
            MessageKind::Heartbeat => "heartbeat",
            MessageKind::CatchUpRequest => "catch up request",
            MessageKind::SnapshotRequest => "snapshot request",
            MessageKind::SnapshotChunk => "snapshot chunk",
            MessageKind::SnapshotNeeded => "snapshot needed",
            MessageKind::VoteRequest => "vote request",
            MessageKind::VoteReply => "vote reply",
            MessageKind::Read => "read",
            MessageKind::ReadReply => "read reply",
            MessageKind::Controller => "controller",
        }
    }
}

impl Payload {
    pub fn kind(&self) -> MessageKind {
        match self {
            Payload::ClientWrite(_) => MessageKind::ClientWrite,
            Payload::WriteReply(_) => MessageKind::WriteReply,
            Payload::LeaderNotice(_) => MessageKind::LeaderNotice,
            Payload::Append(_) => MessageKind::Append,
            Payload::Ack(_) => MessageKind::Ack,
            Payload::Heartbeat(_) => MessageKind::Heartbeat,
            Payload::CatchUpRequest(_) => MessageKind::CatchUpRequest,
            Payload::SnapshotRequest(_) => MessageKind::SnapshotRequest,
            Payload::SnapshotChunk(_) => MessageKind::SnapshotChunk,
            Payload::SnapshotNeeded(_) => MessageKind::SnapshotNeeded,
            Payload::VoteRequest(_) => MessageKind::VoteRequest,
            Payload::VoteReply(_) => MessageKind::VoteReply,
            Payload::Read(_) => MessageKind::Read,
            Payload::ReadReply(_) => MessageKind::ReadReply,
            Payload::Controller(_) => MessageKind::Controller,
        }
    }

    /// A heartbeat, or the acknowledgement that answers one: liveness only, no log entries
    /// (the space-time diagram hides them unless asked).
    pub fn is_liveness(&self) -> bool {
        matches!(
            self,
            Payload::Heartbeat(_)
                | Payload::Ack(Ack {
                    result: AckResult::Heartbeat,
                    ..
                })
        )
    }

    /// A few words for tooltips and the inspector.
    pub fn summary(&self) -> String {
        match self {
            Payload::ClientWrite(ClientWrite { write }) => format!("write {write}"),
            Payload::WriteReply(r) => write_reply_summary(r),
            Payload::LeaderNotice(LeaderNotice { epoch, leader }) => {
                format!("{leader} leads epoch {epoch}")
            }
            Payload::Append(a) => append_summary(a),
            Payload::Ack(Ack { result, .. }) => match result {
                AckResult::Heartbeat => "alive".to_string(),
                AckResult::Appended { match_position } => {
                    format!("have up to position {match_position}")
                }
                AckResult::Rejected { hint, .. } => {
                    format!("logs differ; have up to position {hint}")
                }
                AckResult::Stale => "stale epoch, refused".to_string(),
            },
            Payload::Heartbeat(Heartbeat {
                epoch, leader_last, ..
            }) => format!("heartbeat, epoch {epoch}, leader at position {leader_last}"),
            Payload::CatchUpRequest(CatchUpRequest { last_position, .. }) => {
                format!("send me everything after position {last_position}")
            }
            Payload::SnapshotRequest(_) => "please take a snapshot for me".to_string(),
            Payload::SnapshotChunk(SnapshotChunk {
                position,
                chunk,
                of,
                ..
            }) => format!(
                "snapshot at position {position}, part {} of {of}",
                chunk + 1
            ),
            Payload::SnapshotNeeded(SnapshotNeeded { log_start, .. }) => {
                format!("log now starts at position {log_start}; take a new snapshot")
            }
            Payload::VoteRequest(r) => vote_request_summary(r),
            Payload::VoteReply(r) => vote_reply_summary(r),
            Payload::Read(Read { read, key_of }) => {
                format!("read r{} (the key of {key_of})", read + 1)
            }
            Payload::ReadReply(ReadReply {
                read,
                value: Some(w),
                position,
                ..
            }) => format!("r{}: {w}, at log position {position}", read + 1),
            Payload::ReadReply(ReadReply {
                read, value: None, ..
            }) => format!("r{}: no such key yet", read + 1),
            Payload::Controller(m) => m.summary(),
        }
    }
}

fn write_reply_summary(WriteReply { write, outcome }: &WriteReply) -> String {
    match outcome {
        ReplyOutcome::Confirmed { by, .. } => format!("{write} confirmed by {by}"),
        ReplyOutcome::Redirect { leader: Some(l) } => format!("{write}: not leader, try {l}"),
        ReplyOutcome::Redirect { leader: None } => format!("{write}: not leader, no leader known"),
        ReplyOutcome::Refused { reason } => format!("{write} refused: {reason}"),
    }
}

/// The positions an append carries and the writes in them (the first and last of a long run).
fn append_summary(a: &Append) -> String {
    let Append {
        epoch,
        prev_position,
        entries,
        ..
    } = a;
    if entries.is_empty() {
        return format!("probe after position {prev_position} (epoch {epoch})");
    }
    let first = prev_position + 1;
    let last = prev_position + entries.len() as u64;
    let ids = if entries.len() <= 3 {
        entries
            .iter()
            .map(|e| e.write.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        format!(
            "{} … {}",
            entries[0].write,
            entries[entries.len() - 1].write
        )
    };
    if first == last {
        format!("position {first}: {ids} (epoch {epoch})")
    } else {
        format!("positions {first}–{last}: {ids} (epoch {epoch})")
    }
}

fn vote_request_summary(r: &VoteRequest) -> String {
    let VoteRequest {
        epoch,
        last_position,
        forced,
        pre_vote,
        ..
    } = r;
    let manual = if *forced { "manual failover: " } else { "" };
    if *pre_vote {
        format!(
            "{manual}pre-vote: would you vote for me in epoch {epoch}? (log up to {last_position})"
        )
    } else {
        format!("{manual}vote for me in epoch {epoch} (log up to {last_position})")
    }
}

fn vote_reply_summary(r: &VoteReply) -> String {
    let VoteReply {
        epoch,
        pre_vote,
        answer,
        ..
    } = r;
    format!(
        "{}{} in epoch {epoch}",
        if *pre_vote { "pre-vote: " } else { "" },
        match answer {
            VoteAnswer::Granted => "vote granted",
            VoteAnswer::Refused => "vote refused",
            VoteAnswer::LeaderAlive => "refused: I still hear the leader",
            VoteAnswer::Ahead => "refused: my log is further ahead",
        }
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TimerKind {
    /// Leader: time to send heartbeats and check on followers.
    Heartbeat,
    /// Follower or candidate: the leader has been silent too long.
    Election,
    /// Leader: time to send the next part of a snapshot to this follower.
    SnapshotSend(NodeId),
}

/// Something notable a replica did, which the simulator turns into a sentence for the
/// event log and uses to keep its bookkeeping of writes.
#[derive(Clone, Debug, PartialEq)]
pub enum Happening {
    /// The election timer fired: before raising its epoch the replica asks every live
    /// member how far its log reaches (pre-vote), for the epoch it would stand in.
    /// `ahead_of`: it started at once, asked by a candidate whose log is behind its own.
    PreVoteStarted {
        epoch: u32,
        silent_ms: u64,
        last_leader: Option<NodeId>,
        ahead_of: Option<NodeId>,
    },
    /// It stands: its durable epoch is now `epoch`, and it asks for votes. `heard`: the
    /// members that answered its pre-vote, none of them further ahead.
    ElectionStarted {
        epoch: u32,
        forced: bool,
        heard: u16,
        last_leader: Option<NodeId>,
    },
    /// It gives up this campaign (the election timer will try again if nobody wins).
    CampaignAbandoned {
        epoch: u32,
        reason: Abandoned,
    },
    BecameLeader {
        epoch: u32,
        voters: u16,
        /// Appointed by the controller (`voters`: the replicas that answered its probe).
        appointed: bool,
    },
    SteppedDown {
        epoch: u32,
        cause: StepDownCause,
    },
    Truncated {
        from_position: u64,
        entries: Vec<Entry>,
        leader: NodeId,
    },
    SyncFollowerChanged {
        from: Option<NodeId>,
        to: NodeId,
        silent_ms: u64,
    },
    ChainChanged {
        order: ChainConfig,
        removed: Vec<NodeId>,
    },
    SnapshotTaken {
        follower: NodeId,
        /// A locked copy: writes wait until it is sent. A file copy: no position, rows
        /// are read as the copy reaches them.
        method: crate::scenario::CopyMethod,
        position: u64,
        rows: u64,
        copy_ms: u64,
    },
    SnapshotInstalled {
        position: u64,
    },
    /// `from`'s log starts at `log_start`, after the position this replica needs.
    SnapshotTooOld {
        from: NodeId,
        requested: u64,
        log_start: u64,
        attempt: u32,
        giving_up: bool,
    },
    SnapshotGaveUp {
        attempts: u32,
    },
    CaughtUp {
        follower: NodeId,
        position: u64,
    },
    StaleEpochRefused {
        from: NodeId,
        their_epoch: u32,
        our_epoch: u32,
    },
    /// The leader refused `write`: `used` of its disk's `capacity` is taken. `first`: the
    /// disk has just filled. `waiting_for`: the follower whose catch-up would free it.
    DiskFull {
        write: WriteId,
        used: u64,
        capacity: u64,
        first: bool,
        waiting_for: Option<NodeId>,
    },
    /// The leader's disk has room again: its log now starts at `log_start`.
    DiskRoom {
        used: u64,
        capacity: u64,
        log_start: u64,
    },
    /// A locked copy to `follower` is sent: the leader takes writes again, first the `held`
    /// ones that waited `locked_ms` at most.
    WritesUnlocked {
        follower: NodeId,
        held: u64,
        locked_ms: u64,
    },
    /// A file copy to `follower` is read to its end, where the leader's log is now at
    /// `position`; see [`crate::replica::FileCopyRead`].
    FileCopyRead {
        follower: NodeId,
        read: crate::replica::FileCopyRead,
        /// What the follower will install.
        data: Arc<[Entry]>,
    },
    CatchUpStarted {
        from_position: u64,
        /// Who it asks: the leader, or in a chain its predecessor (or the tail it joins).
        upstream: NodeId,
    },
}

/// Why a replica stopped campaigning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Abandoned {
    /// `peer` holds a more up-to-date log (and stands itself).
    PeerAhead { peer: NodeId },
    /// `peer` still hears a live leader.
    LeaderAlive { peer: NodeId },
    /// It heard from a leader again.
    HeardLeader { leader: NodeId },
    /// Too few agreed: `granted` (itself included) of the `needed` majority.
    TooFewVotes {
        pre_vote: bool,
        granted: u32,
        needed: u32,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepDownCause {
    /// Heard of a newer epoch.
    NewerEpoch { from: NodeId },
    /// Fencing: a majority has not answered within the failover timeout.
    LostMajority { silent_ms: u64 },
    /// Granted a manual failover's vote.
    ManualFailover { to: NodeId },
    /// The controller told it to stop before appointing another leader.
    FencedByController,
}

/// What a replica asks the simulator to carry out.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    Send {
        to: Endpoint,
        payload: Payload,
    },
    /// Fire after `after_ms` plus a random 0..=`jitter_ms` drawn from the replica's stream;
    /// replaces any pending timer of the same kind.
    SetTimer {
        timer: TimerKind,
        after_ms: u64,
        jitter_ms: u64,
    },
    CancelTimer {
        timer: TimerKind,
    },
    Happened(Happening),
}

impl Command {
    pub fn send_to_replica(to: NodeId, payload: Payload) -> Command {
        Command::Send {
            to: Endpoint::Replica(to),
            payload,
        }
    }
    pub fn send_to_controller(payload: Payload) -> Command {
        Command::Send {
            to: Endpoint::Controller,
            payload,
        }
    }
    pub fn send_to_client(to: ClientId, payload: Payload) -> Command {
        Command::Send {
            to: Endpoint::Client(to),
            payload,
        }
    }
}

mod controller;
mod payload;
pub use controller::*;
pub use payload::*;

#[cfg(test)]
mod tests;
