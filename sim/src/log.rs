//! A replica's durable replication log: entries at log positions 1, 2, ..., each stamped
//! with the epoch of the leader that created it. Position 0 is the empty log.

use crate::chunked::ChunkedVec;
use crate::ids::{ClientId, WriteId};

/// One log entry. The write's key and value live in the simulator's table of writes,
/// which keeps entries small and cheap to copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub epoch: u32,
    pub write: WriteId,
    /// Who to answer once the entry is confirmed: any leader or chain tail can.
    pub client: ClientId,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Log {
    entries: ChunkedVec<Entry>,
    /// Positions up to here arrived in a snapshot rather than one by one.
    pub snapshot_position: u64,
}

impl Log {
    pub fn new() -> Log {
        Log::default()
    }

    /// See [`ChunkedVec::unshared_bytes`].
    pub fn unshared_bytes(&self) -> usize {
        self.entries.unshared_bytes()
    }

    pub fn last_position(&self) -> u64 {
        self.entries.len() as u64
    }

    /// Epoch of the entry at `position`; position 0 has epoch 0.
    pub fn epoch_at(&self, position: u64) -> Option<u32> {
        if position == 0 {
            return Some(0);
        }
        self.entries.get(position as usize - 1).map(|e| e.epoch)
    }

    pub fn last_epoch(&self) -> u32 {
        self.epoch_at(self.last_position()).unwrap_or(0)
    }

    pub fn get(&self, position: u64) -> Option<&Entry> {
        if position == 0 {
            return None;
        }
        self.entries.get(position as usize - 1)
    }

    pub fn append(&mut self, entry: Entry) -> u64 {
        self.entries.push(entry);
        self.last_position()
    }

    /// Removes every entry after `position` and returns them, oldest first.
    pub fn truncate_after(&mut self, position: u64) -> Vec<Entry> {
        let removed: Vec<Entry> = self
            .entries
            .range(position as usize, usize::MAX)
            .copied()
            .collect();
        self.entries.truncate(position as usize);
        self.snapshot_position = self.snapshot_position.min(position);
        removed
    }

    /// Entries at positions `from..=to`, clamped.
    pub fn slice(&self, from: u64, to: u64) -> Vec<Entry> {
        if from == 0 || to < from {
            return Vec::new();
        }
        self.entries
            .range(from as usize - 1, to as usize)
            .copied()
            .collect()
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Entry> + '_ {
        self.entries.iter()
    }

    /// Replaces the whole log with a snapshot's contents, returning what was there.
    pub fn install_snapshot(&mut self, entries: &[Entry]) -> Vec<Entry> {
        let old = self.truncate_after(0);
        for e in entries {
            self.entries.push(*e);
        }
        self.snapshot_position = entries.len() as u64;
        old
    }

    /// The first position of the run of entries with `epoch` that ends at `position`:
    /// how a follower tells its leader where their logs may start to differ.
    pub fn first_position_of_epoch_run(&self, position: u64) -> u64 {
        let Some(epoch) = self.epoch_at(position) else {
            return position;
        };
        let mut p = position;
        while p > 1 && self.epoch_at(p - 1) == Some(epoch) {
            p -= 1;
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(epoch: u32, w: u32) -> Entry {
        Entry {
            epoch,
            write: WriteId(w),
            client: ClientId(0),
        }
    }

    #[test]
    fn positions_epochs_and_truncation() {
        let mut log = Log::new();
        assert_eq!(log.last_position(), 0);
        assert_eq!(log.epoch_at(0), Some(0));
        for w in 0..5 {
            log.append(e(1, w));
        }
        log.append(e(2, 5));
        assert_eq!(log.last_position(), 6);
        assert_eq!(log.last_epoch(), 2);
        assert_eq!(log.first_position_of_epoch_run(4), 1);
        assert_eq!(log.first_position_of_epoch_run(6), 6);
        let removed = log.truncate_after(4);
        assert_eq!(
            removed.iter().map(|x| x.write.0).collect::<Vec<_>>(),
            vec![4, 5]
        );
        assert_eq!(log.slice(3, 10).len(), 2);
        assert_eq!(log.epoch_at(5), None);
    }

    #[test]
    fn a_snapshot_replaces_the_log_and_truncation_below_it_forgets_it() {
        let mut log = Log::new();
        log.append(e(1, 9));
        let old = log.install_snapshot(&[e(1, 0), e(1, 1), e(2, 2)]);
        assert_eq!(
            old,
            vec![e(1, 9)],
            "what was there is handed back, to be reported"
        );
        assert_eq!(
            (log.last_position(), log.snapshot_position, log.last_epoch()),
            (3, 3, 2)
        );
        assert_eq!(log.first_position_of_epoch_run(2), 1);
        log.append(e(2, 3));
        log.truncate_after(4);
        assert_eq!(
            log.snapshot_position, 3,
            "truncating after the snapshot keeps it"
        );
        log.truncate_after(1);
        assert_eq!(
            log.snapshot_position, 1,
            "truncating into it keeps only what is left"
        );
        assert_eq!(log.slice(0, 5), vec![], "position 0 is the empty log");
        assert_eq!(log.slice(1, 5), vec![e(1, 0)]);
    }
}
