//! What the chapter's read guarantees need to judge a read, kept as the run goes, so that
//! a read and its answer cost O(log n) instead of a scan of every write, every earlier read
//! and the replica's whole log. "Reading your own writes" needs the client's latest
//! confirmed write of the key; "monotonic reads" needs the newest value the client has
//! already seen for it; and the replica's storage answers with the newest entry of the key
//! in its log.
//!
//! Everything is in [`ChunkedVec`]s, so a time-travel checkpoint (a clone of the whole
//! simulation) still costs pointer copies.

use crate::chunked::ChunkedVec;
use crate::sim::WriteData;
use std::collections::BTreeMap;
use std::sync::Arc;

/// 0 stands for "none" in the tables below; everything else is stored plus one.
const NONE: u32 = 0;

/// Dense numbers for keys. A write's *slot* tells workload keys and hand-written keys
/// apart (`KeySlot`); its *name* is the key as text, so a hand write to `k3` has the same
/// name as the workload's third key (reads compare earlier reads by the key's text).
#[derive(Clone, Debug)]
struct KeyIds {
    workload_keys: u32,
    /// Hand-written keys in order of first use, numbered after the workload keys.
    manual: Arc<BTreeMap<String, u32>>,
}

impl KeyIds {
    fn manual_id(&mut self, key: &str) -> u32 {
        if let Some(&id) = self.manual.get(key) {
            return id;
        }
        let id = self.workload_keys + self.manual.len() as u32;
        Arc::make_mut(&mut self.manual).insert(key.to_string(), id);
        id
    }

    fn slot(&mut self, data: &WriteData) -> u32 {
        match data {
            WriteData::Workload { key } => *key,
            WriteData::Manual(kv) => self.manual_id(&kv.0),
        }
    }

    fn name(&mut self, data: &WriteData) -> u32 {
        match data {
            WriteData::Workload { key } => *key,
            WriteData::Manual(kv) => {
                // `k7` written by hand is the workload's seventh key, if it has one.
                let workload = kv.0.strip_prefix('k').and_then(|n| n.parse::<u32>().ok());
                match workload {
                    Some(n) if n >= 1 && n <= self.workload_keys && format!("k{n}") == kv.0 => {
                        n - 1
                    }
                    _ => self.manual_id(&kv.0),
                }
            }
        }
    }
}

/// One replica's log, by key: the newest position of each key, and for each position the
/// one before it with the same key, so a truncation can restore what was newest.
#[derive(Clone, Debug, Default)]
struct LogKeys {
    /// Slot of the entry at each indexed position (index 0 is position 1).
    slot_at: ChunkedVec<u32>,
    /// The previous position with the same slot, or NONE.
    previous: ChunkedVec<u32>,
    /// Newest position of each slot, or NONE.
    newest: ChunkedVec<u32>,
}

fn at(v: &ChunkedVec<u32>, i: u32) -> u32 {
    v.get(i as usize).copied().unwrap_or(NONE)
}

fn set(v: &mut ChunkedVec<u32>, i: u32, value: u32) {
    while v.len() <= i as usize {
        v.push(NONE);
    }
    *v.get_mut(i as usize).expect("grown above") = value;
}

impl LogKeys {
    fn indexed(&self) -> u64 {
        self.slot_at.len() as u64
    }

    /// Forgets every position after `position`, newest first, so each key's newest
    /// position goes back to what it was.
    fn truncate_after(&mut self, position: u64) {
        while self.indexed() > position {
            let p = self.indexed() as u32;
            let slot = at(&self.slot_at, p - 1);
            let previous = at(&self.previous, p - 1);
            set(&mut self.newest, slot, previous);
            self.slot_at.truncate(p as usize - 1);
            self.previous.truncate(p as usize - 1);
        }
    }

    fn append(&mut self, slot: u32) {
        let p = self.indexed() as u32 + 1;
        self.slot_at.push(slot);
        self.previous.push(at(&self.newest, slot));
        set(&mut self.newest, slot, p);
    }
}

/// The indexes of one run with reads. Absent (`None` in the simulator) when the scenario
/// reads nothing, so a run without reads pays nothing for them.
#[derive(Clone, Debug)]
pub struct ReadIndex {
    keys: KeyIds,
    /// Slot and name of every write, by write id.
    write_slot: ChunkedVec<u32>,
    write_name: ChunkedVec<u32>,
    /// Each client's latest write, by client.
    latest_write: Vec<u32>,
    /// Each client's latest confirmed write of each slot: client, then slot.
    own_confirmed: Vec<ChunkedVec<u32>>,
    /// Each client's answered read that saw the newest value of each key name.
    best_read: Vec<ChunkedVec<u32>>,
    logs: Vec<LogKeys>,
    /// Reads answered, and of those the ones that broke read-your-writes and monotonic
    /// reads: counted as they are answered, for the view drawn on every frame.
    answers: (u64, u64, u64),
}

impl ReadIndex {
    /// See [`ChunkedVec::unshared_bytes`].
    pub fn unshared_bytes(&self) -> usize {
        let per_client: usize = self
            .own_confirmed
            .iter()
            .chain(&self.best_read)
            .map(|v| v.unshared_bytes())
            .sum();
        let logs: usize = self
            .logs
            .iter()
            .map(|l| {
                l.slot_at.unshared_bytes() + l.previous.unshared_bytes() + l.newest.unshared_bytes()
            })
            .sum();
        self.write_slot.unshared_bytes() + self.write_name.unshared_bytes() + per_client + logs
    }

    pub fn new(workload_keys: u32, clients: usize) -> ReadIndex {
        ReadIndex {
            keys: KeyIds {
                workload_keys,
                manual: Arc::new(BTreeMap::new()),
            },
            write_slot: ChunkedVec::new(),
            write_name: ChunkedVec::new(),
            latest_write: vec![NONE; clients],
            own_confirmed: vec![ChunkedVec::new(); clients],
            best_read: vec![ChunkedVec::new(); clients],
            logs: Vec::new(),
            answers: (0, 0, 0),
        }
    }

    /// A read was answered (once per read), and whether it broke each guarantee.
    pub fn count_answer(&mut self, stale_own_write: bool, went_back: bool) {
        self.answers.0 += 1;
        self.answers.1 += stale_own_write as u64;
        self.answers.2 += went_back as u64;
    }

    /// Reads answered so far, and how many broke read-your-writes and monotonic reads.
    pub fn answer_counts(&self) -> (u64, u64, u64) {
        self.answers
    }

    /// A client invoked write `id` (ids come in order, from 0).
    pub fn invoked(&mut self, id: u32, client: usize, data: &WriteData) {
        debug_assert_eq!(id as usize, self.write_slot.len());
        let slot = self.keys.slot(data);
        let name = self.keys.name(data);
        self.write_slot.push(slot);
        self.write_name.push(name);
        self.latest_write[client] = id + 1;
    }

    pub fn slot_of(&self, write: u32) -> u32 {
        at(&self.write_slot, write)
    }

    pub fn latest_write(&self, client: usize) -> Option<u32> {
        self.latest_write[client].checked_sub(1)
    }

    /// Write `id` of `client` was confirmed to it.
    pub fn confirmed(&mut self, id: u32, client: usize) {
        let slot = self.slot_of(id);
        let table = &mut self.own_confirmed[client];
        if at(table, slot) < id + 1 {
            set(table, slot, id + 1);
        }
    }

    /// The client's latest confirmed write to the slot of `write`.
    pub fn own_confirmed(&self, client: usize, write: u32) -> Option<u32> {
        at(&self.own_confirmed[client], self.slot_of(write)).checked_sub(1)
    }

    /// The client's earlier answered read, of the key `write` wrote, that saw the newest
    /// value (of equal values, the later read).
    pub fn best_read(&self, client: usize, write: u32) -> Option<u32> {
        let name = at(&self.write_name, write);
        at(&self.best_read[client], name).checked_sub(1)
    }

    /// From now on, read `read` (of the key `write` wrote, by `client`) is the client's
    /// best read of that key.
    pub fn set_best_read(&mut self, client: usize, write: u32, read: u32) {
        let name = at(&self.write_name, write);
        set(&mut self.best_read[client], name, read + 1);
    }

    /// A replica's log now ends at `last`, and its entries after `base` (those at
    /// `base + 1..=last`) are new, written by `writes`.
    pub fn log_changed(&mut self, replica: usize, base: u64, writes: impl Iterator<Item = u32>) {
        while self.logs.len() <= replica {
            self.logs.push(LogKeys::default());
        }
        let log = &mut self.logs[replica];
        log.truncate_after(base.min(log.indexed()));
        for w in writes {
            let slot = at(&self.write_slot, w);
            log.append(slot);
        }
    }

    /// Positions of the replica's log that the index covers.
    pub fn indexed(&self, replica: usize) -> u64 {
        self.logs.get(replica).map_or(0, LogKeys::indexed)
    }

    /// The newest position in the replica's log that holds the slot of `write`.
    pub fn newest_position(&self, replica: usize, write: u32) -> Option<u64> {
        let log = self.logs.get(replica)?;
        let p = at(&log.newest, self.slot_of(write));
        (p != NONE).then_some(p as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_truncated_log_answers_with_what_was_newest_before() {
        let mut index = ReadIndex::new(2, 1);
        // Writes 0..4 to keys k1, k2, k1, k1.
        for (id, key) in [0u32, 1, 0, 0].into_iter().enumerate() {
            index.invoked(id as u32, 0, &WriteData::Workload { key });
        }
        index.log_changed(0, 0, [0, 1, 2].into_iter());
        assert_eq!(index.newest_position(0, 3), Some(3), "k1 is newest at 3");
        // Position 3 is replaced by write 1 (k2), then write 3 (k1) is appended.
        index.log_changed(0, 2, [1, 3].into_iter());
        assert_eq!(index.newest_position(0, 0), Some(4));
        assert_eq!(index.newest_position(0, 1), Some(3));
        index.log_changed(0, 1, std::iter::empty());
        assert_eq!(index.newest_position(0, 0), Some(1));
        assert_eq!(index.newest_position(0, 1), None);
    }

    #[test]
    fn a_hand_written_key_shares_its_name_but_not_its_slot_with_a_workload_key() {
        let mut index = ReadIndex::new(3, 1);
        index.invoked(0, 0, &WriteData::Workload { key: 2 });
        let by_hand = |k: &str| WriteData::Manual(Arc::new((k.to_string(), "v".to_string())));
        index.invoked(1, 0, &by_hand("k3"));
        index.invoked(2, 0, &by_hand("k03"));
        index.invoked(3, 0, &by_hand("k4"));
        assert_eq!(at(&index.write_name, 0), at(&index.write_name, 1));
        assert_ne!(at(&index.write_slot, 0), at(&index.write_slot, 1));
        assert_ne!(at(&index.write_name, 2), at(&index.write_name, 0));
        assert_ne!(at(&index.write_name, 3), at(&index.write_name, 0));
    }
}
