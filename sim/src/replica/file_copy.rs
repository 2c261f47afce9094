//! The chapter's first way of setting up a new follower, and why it is not enough: copy
//! the leader's data files while writes continue. The copy "would see different parts of
//! the database at different points in time. The result might not make any sense." Rows
//! are read in key order over the copy's duration, each at the instant the copy reaches
//! it; there is no log position, so the follower starts following from wherever the
//! leader is when the copy ends. A write to a row the copy had already passed is missing
//! from the copy for good, although later writes to later rows are in it.

use super::{Ctx, Replica};
use crate::ids::WriteId;
use crate::log::{Entry, Log};
use crate::sim::KeySlot;
use std::collections::BTreeMap;

/// A write the copy missed: it reached the leader's log at `position` after the copy had
/// read its key's row (when the leader's log was at `row_read_at`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissedWrite {
    pub position: u64,
    pub write: WriteId,
    pub row_read_at: u64,
}

/// What a file copy read, judged against the leader's log when the copy ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileCopyRead {
    /// The leader's last log position when the copy ended: the follower follows from here.
    pub position: u64,
    /// Writes at or below `position` that the copy does not hold, oldest first.
    pub missed: Vec<MissedWrite>,
    /// A write the copy holds that came after the first missed one, with its row's read
    /// position: proof that the copy matches no state the leader ever had. `None` when the
    /// copy happens to equal the leader's state at some position.
    pub later_present: Option<(u64, WriteId, u64)>,
}

impl FileCopyRead {
    /// The copy equals a state the leader had (at the position before its first missed
    /// write, or at its end if it missed none).
    pub fn matches_a_leader_state(&self) -> bool {
        self.later_present.is_none()
    }
}

/// Builds the follower's log from a copy whose rows were read at the leader's log
/// positions `read_at` (one per part, in order; the last is where the copy ended). Rows are
/// the distinct keys in key order, spread evenly over the parts. A missed write's place in
/// the follower's log holds a repeat of the entry before it: re-applying a write changes
/// nothing, so the follower's rows are exactly what the copy read, and the positions line
/// up with the leader's for following on. With nothing before it, the first later entry
/// the copy holds stands in (the state at the copy's end is the same).
pub fn file_copy_data(
    log: &Log,
    read_at: &[u64],
    key_of: &dyn Fn(WriteId) -> Option<KeySlot>,
) -> (Vec<Entry>, FileCopyRead) {
    let end = read_at
        .last()
        .copied()
        .unwrap_or(0)
        .min(log.last_position());
    let entries = log.slice(1, end);
    let mut rows: BTreeMap<KeySlot, u64> = BTreeMap::new();
    for e in &entries {
        if let Some(k) = key_of(e.write) {
            rows.insert(k, 0);
        }
    }
    let (n, parts) = (rows.len().max(1), read_at.len().max(1));
    for (i, read) in rows.values_mut().enumerate() {
        *read = read_at.get(i * parts / n).copied().unwrap_or(end);
    }
    let mut data: Vec<Option<Entry>> = Vec::with_capacity(entries.len());
    let mut missed = Vec::new();
    let mut later_present = None;
    for (i, e) in entries.iter().enumerate() {
        let position = i as u64 + 1;
        let row_read_at = key_of(e.write)
            .and_then(|k| rows.get(&k).copied())
            .unwrap_or(end);
        if position <= row_read_at {
            if !missed.is_empty() && later_present.is_none() {
                later_present = Some((position, e.write, row_read_at));
            }
            data.push(Some(*e));
        } else {
            missed.push(MissedWrite {
                position,
                write: e.write,
                row_read_at,
            });
            data.push(data.last().copied().flatten());
        }
    }
    let Some(first_held) = data.iter().flatten().next().copied() else {
        // The copy holds none of the log's writes: it is the leader's state before its
        // first write, and the follower follows from there.
        let read = FileCopyRead {
            position: 0,
            missed: Vec::new(),
            later_present: None,
        };
        return (Vec::new(), read);
    };
    let data = data.into_iter().map(|e| e.unwrap_or(first_held)).collect();
    let read = FileCopyRead {
        position: end,
        missed,
        later_present,
    };
    (data, read)
}

impl Replica {
    /// The copy reaches the next part of the data files: its rows are read now, at this
    /// log position.
    pub(super) fn file_copy_reads_part(&mut self, f: crate::ids::NodeId) {
        let last = self.log.last_position();
        if let Some(s) = &mut self.peers[f.index()].snapshot {
            if let Some(read_at) = &mut s.file_copy_read_at {
                read_at.push(last);
            }
        }
    }

    /// The copy has read its last part: the follower's data, and where it follows from.
    pub(super) fn file_copy_finish(
        &self,
        read_at: &[u64],
        ctx: &mut Ctx,
    ) -> (std::sync::Arc<[Entry]>, FileCopyRead) {
        let (data, read) = file_copy_data(&self.log, read_at, ctx.key_of);
        (data.into(), read)
    }
}
