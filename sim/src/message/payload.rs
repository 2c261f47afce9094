//! What replicas and clients send each other: one struct per kind of message, so that a
//! handler takes its message whole.

use super::*;

/// Client to leader (or chain head).
#[derive(Clone, Debug, PartialEq)]
pub struct ClientWrite {
    pub write: WriteId,
}

/// Replica to client.
#[derive(Clone, Debug, PartialEq)]
pub struct WriteReply {
    pub write: WriteId,
    pub outcome: ReplyOutcome,
}

/// New leader to clients: "send your writes to me".
#[derive(Clone, Debug, PartialEq)]
pub struct LeaderNotice {
    pub epoch: u32,
    pub leader: NodeId,
}

/// Follower's answer to an append (`ok` and the position now known to match, or a hint
/// where the logs may diverge) or to a heartbeat (liveness only).
#[derive(Clone, Debug, PartialEq)]
pub struct Ack {
    pub epoch: u32,
    pub result: AckResult,
    pub echo_sent_at: u64,
    pub chain_confirmed: u64,
}

/// Follower to leader: "I hold up to here; send me everything since" (catch-up).
#[derive(Clone, Debug, PartialEq)]
pub struct CatchUpRequest {
    pub epoch: u32,
    pub last_position: u64,
    pub last_epoch: u32,
}

/// New follower to leader: "take a consistent snapshot for me".
#[derive(Clone, Debug, PartialEq)]
pub struct SnapshotRequest {
    pub epoch: u32,
    /// How to copy: a snapshot, a locked copy (the leader takes no write until the copy
    /// is sent) or a file copy while writes continue.
    pub method: crate::scenario::CopyMethod,
}

/// Leader to follower: the log no longer reaches back to what you asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct SnapshotNeeded {
    pub epoch: u32,
    pub log_start: u64,
}

/// Client to any replica: the current value of the key last written by `key_of`.
#[derive(Clone, Debug, PartialEq)]
pub struct Read {
    pub read: u32,
    pub key_of: WriteId,
}

/// Replica to client: the latest write of that key in its log (if any), at which
/// log position, and how far its log reached.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadReply {
    pub read: u32,
    pub value: Option<WriteId>,
    pub position: u64,
    pub replica_last: u64,
}

/// A message's content: one variant per kind, each carrying its struct.
#[derive(Clone, Debug, PartialEq)]
pub enum Payload {
    /// See [`ClientWrite`].
    ClientWrite(ClientWrite),
    /// See [`WriteReply`].
    WriteReply(WriteReply),
    /// See [`LeaderNotice`].
    LeaderNotice(LeaderNotice),
    /// Leader (or chain predecessor) to follower: see [`Append`].
    Append(Append),
    /// See [`Ack`].
    Ack(Ack),
    /// Leader to every replica, when there is nothing else to send: see [`Heartbeat`].
    Heartbeat(Heartbeat),
    /// See [`CatchUpRequest`].
    CatchUpRequest(CatchUpRequest),
    /// See [`SnapshotRequest`].
    SnapshotRequest(SnapshotRequest),
    /// See [`SnapshotChunk`].
    SnapshotChunk(SnapshotChunk),
    /// See [`SnapshotNeeded`].
    SnapshotNeeded(SnapshotNeeded),
    /// See [`VoteRequest`].
    VoteRequest(VoteRequest),
    /// See [`VoteReply`].
    VoteReply(VoteReply),
    /// See [`Read`].
    Read(Read),
    /// See [`ReadReply`].
    ReadReply(ReadReply),
    /// Between the controller and a replica: see [`ControllerMessage`].
    Controller(ControllerMessage),
}
