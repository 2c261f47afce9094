//! The closed sets of words the view uses: a replica's role, an entry's and a write's
//! status, a link's fault, a new follower's stage, a replica's place in a chain. They are
//! enums, so that the app matches on them rather than on strings; `name()` gives the word
//! shown to readers, printed by the runner's report and used in CSS classes.

use crate::message::MessageKind;
use crate::sim::NoteKind;
use serde::{Serialize, Serializer};

/// Serialises an enum as its `name()`, the word the runner's JSON report has always printed.
macro_rules! serialize_as_name {
    ($($t:ty),*) => {$(
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.name())
            }
        }
    )*};
}

serialize_as_name!(
    ReplicaRole,
    EntryStatus,
    WriteStatus,
    LinkState,
    SetupStage,
    ChainPlace,
    ChainStatus,
    MessageKind,
    NoteKind
);

impl Serialize for crate::sim::LostReason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// What a replica is doing, as the reader sees it: a crashed replica is down whatever role
/// it held, and a follower still being set up from a snapshot is a new follower.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplicaRole {
    Leader,
    Follower,
    Candidate,
    NewFollower,
    Down,
}

impl ReplicaRole {
    pub fn name(self) -> &'static str {
        match self {
            ReplicaRole::Leader => "leader",
            ReplicaRole::Follower => "follower",
            ReplicaRole::Candidate => "candidate",
            ReplicaRole::NewFollower => "new follower",
            ReplicaRole::Down => "down",
        }
    }
    /// The name as one CSS word: "new-follower".
    pub fn class(self) -> &'static str {
        match self {
            ReplicaRole::NewFollower => "new-follower",
            other => other.name(),
        }
    }
    /// The name in capitals, as the drawing labels a replica.
    pub fn upper(self) -> &'static str {
        match self {
            ReplicaRole::Leader => "LEADER",
            ReplicaRole::Follower => "FOLLOWER",
            ReplicaRole::Candidate => "CANDIDATE",
            ReplicaRole::NewFollower => "NEW FOLLOWER",
            ReplicaRole::Down => "DOWN",
        }
    }
}

/// Where a log entry stands: the README's glyphs say the same without colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryStatus {
    /// On one replica only, not yet confirmed.
    LeaderOnly,
    /// On several replicas, not yet confirmed.
    Replicated,
    /// Waiting for a replica that does not answer: the mode cannot confirm it.
    Blocked,
    Confirmed,
    /// Confirmed to the client, then lost.
    Lost,
}

impl EntryStatus {
    pub fn name(self) -> &'static str {
        match self {
            EntryStatus::LeaderOnly => "leader_only",
            EntryStatus::Replicated => "replicated",
            EntryStatus::Blocked => "blocked",
            EntryStatus::Confirmed => "confirmed",
            EntryStatus::Lost => "lost",
        }
    }

    /// The glyph of a log cell (README): ✓ confirmed to the client, the number of replicas
    /// that hold it, ‖ blocked, ✗ confirmed then lost.
    pub fn label(self, held_by: u8) -> String {
        match self {
            EntryStatus::Confirmed => "✓".into(),
            EntryStatus::Lost => "✗".into(),
            EntryStatus::Blocked => "‖".into(),
            EntryStatus::LeaderOnly | EntryStatus::Replicated => held_by.to_string(),
        }
    }
}

/// A client write's fate so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteStatus {
    Pending,
    /// Pending, and waiting for a replica that does not answer.
    Blocked,
    Confirmed,
    Failed,
    /// Confirmed to the client, then lost.
    Lost,
}

impl WriteStatus {
    pub fn name(self) -> &'static str {
        match self {
            WriteStatus::Pending => "pending",
            WriteStatus::Blocked => "blocked",
            WriteStatus::Confirmed => "confirmed",
            WriteStatus::Failed => "failed",
            WriteStatus::Lost => "lost",
        }
    }
}

/// A fault on a link; links without one are not listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkState {
    /// Cut, by hand or by a partition.
    Cut,
    Slow,
    Lossy,
}

impl LinkState {
    pub fn name(self) -> &'static str {
        match self {
            LinkState::Cut => "cut",
            LinkState::Slow => "slow",
            LinkState::Lossy => "lossy",
        }
    }
}

/// Where a new follower is in its set-up: snapshot, copy, catch-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetupStage {
    Waiting,
    SnapshotRequested,
    CopyingSnapshot,
    /// A locked copy: the leader takes no writes until it ends.
    CopyingLocked,
    /// A copy of the data files while writes continue: each row as it is when reached.
    CopyingFiles,
    CatchingUp,
    /// The leader's log no longer reaches back to its snapshot.
    GaveUp,
}

impl SetupStage {
    pub fn name(self) -> &'static str {
        match self {
            SetupStage::Waiting => "waiting",
            SetupStage::SnapshotRequested => "snapshot requested",
            SetupStage::CopyingSnapshot => "copying snapshot",
            SetupStage::CopyingLocked => "copying, writes locked",
            SetupStage::CopyingFiles => "copying files",
            SetupStage::CatchingUp => "catching up",
            SetupStage::GaveUp => "gave up",
        }
    }
}

/// A replica's place in the chain (chain replication): writes enter at the head, and the
/// tail confirms them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChainPlace {
    Head,
    Middle,
    Tail,
}

impl ChainPlace {
    pub fn name(self) -> &'static str {
        match self {
            ChainPlace::Head => "head",
            ChainPlace::Middle => "middle",
            ChainPlace::Tail => "tail",
        }
    }
}

/// A replica in the chain: its place, and its index from the head (0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ChainLink {
    pub place: ChainPlace,
    pub index: u8,
}

impl ChainLink {
    /// Replica `index` of a chain of `len`; a chain of one is its own head.
    pub fn new(index: u8, len: u8) -> ChainLink {
        let place = if index == 0 {
            ChainPlace::Head
        } else if index + 1 >= len {
            ChainPlace::Tail
        } else {
            ChainPlace::Middle
        };
        ChainLink { place, index }
    }
    /// The badge under a replica: "head", "tail", or "chain #2" in between.
    pub fn badge(self) -> String {
        match self.place {
            ChainPlace::Middle => format!("chain #{}", self.index + 1),
            place => place.name().into(),
        }
    }
}

/// Where a replica stands with respect to the chain (chain replication), as its head has
/// it: a member (in its place, even if it has just crashed and the head has not noticed
/// yet), outside it (spliced out after a crash), or joining at the tail (back up, and
/// catching up from the tail before the head adds it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChainStatus {
    Member,
    Outside,
    Joining,
}

impl ChainStatus {
    pub fn name(self) -> &'static str {
        match self {
            ChainStatus::Member => "member",
            ChainStatus::Outside => "outside",
            ChainStatus::Joining => "joining",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_runs_from_head_through_the_middle_to_tail() {
        let places: Vec<String> = (0..4).map(|i| ChainLink::new(i, 4).badge()).collect();
        assert_eq!(places, ["head", "chain #2", "chain #3", "tail"]);
        assert_eq!(ChainLink::new(0, 1).place, ChainPlace::Head);
    }

    #[test]
    fn log_cells_show_the_readmes_glyphs() {
        assert_eq!(EntryStatus::Confirmed.label(3), "✓");
        assert_eq!(EntryStatus::Lost.label(1), "✗");
        assert_eq!(EntryStatus::Blocked.label(2), "‖");
        assert_eq!(EntryStatus::Replicated.label(2), "2");
        assert_eq!(EntryStatus::LeaderOnly.label(1), "1");
    }
}
