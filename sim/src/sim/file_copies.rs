//! The simulator's books on file copies (see `replica/file_copy.rs`): what each copy read,
//! whether it matches any state the leader ever had, and which replicas' data differ from
//! the leader's for good because of it. The chapter: a copy of the files taken while writes
//! continue "would see different parts of the database at different points in time. The
//! result might not make any sense." `checker.rs` judges the same from the logs alone.
use super::*;
use crate::replica::FileCopyRead;

/// One file copy, as the leader finished reading it.
#[derive(Clone, Debug, PartialEq)]
pub struct FileCopyRecord {
    pub follower: NodeId,
    pub leader: NodeId,
    pub at_ms: u64,
    pub read: FileCopyRead,
    /// The follower's data as copied: the log it installs.
    pub data: Arc<[Entry]>,
    /// The follower has installed it (the copy's last part arrived).
    pub installed: bool,
    /// What it amounts to, in a sentence that names the writes.
    pub finding: String,
}

/// A replica whose data differs from the leader's for good: at the same log position they
/// hold different writes, which no catch-up will ever repair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Divergence {
    pub replica: NodeId,
    /// Log positions where the two hold different writes.
    pub positions: Vec<u64>,
    /// Keys whose values differ at the replica's log position, in key order.
    pub keys: Vec<String>,
}

impl Sim {
    /// The leader finished reading a file copy for `follower`: kept, and told.
    pub(super) fn file_copy_read(
        &mut self,
        leader: NodeId,
        follower: NodeId,
        read: FileCopyRead,
        data: Arc<[Entry]>,
    ) {
        let text = self.file_copy_sentence(leader, follower, &read);
        let writes: Vec<WriteId> = read.missed.iter().map(|m| m.write).collect();
        self.note(NoteKind::Snapshot, Some(leader), writes, text.clone());
        self.file_copies.push(FileCopyRecord {
            follower,
            leader,
            at_ms: self.now,
            read,
            data,
            installed: false,
            finding: text,
        });
    }

    /// The report's account of each file copy.
    pub fn file_copy_reports(&self) -> Vec<crate::report::FileCopyReport> {
        self.file_copies
            .iter()
            .map(|r| crate::report::FileCopyReport {
                follower: r.follower.to_string(),
                leader: r.leader.to_string(),
                at_ms: r.at_ms,
                position: r.read.position,
                matches_a_leader_state: r.read.matches_a_leader_state(),
                missing_writes: r.read.missed.iter().map(|m| m.write.to_string()).collect(),
                finding: r.finding.clone(),
            })
            .collect()
    }

    /// Whether the replicas added while the cluster ran hold what the leader held: `None`
    /// while none has its data yet.
    pub fn new_followers_consistent(&self) -> Option<bool> {
        let first_new = self.scenario.cluster.nodes as usize;
        let installed = self
            .replicas
            .iter()
            .skip(first_new)
            .any(|r| !r.setup_blocks_log());
        installed.then(|| self.differs_for_good().is_empty())
    }

    fn file_copy_sentence(&self, leader: NodeId, follower: NodeId, read: &FileCopyRead) -> String {
        let name = |w: WriteId| {
            self.write(w)
                .map(|r| format!("{w} ({} = {})", r.key(), r.value()))
                .unwrap_or_else(|| w.to_string())
        };
        let key = |w: WriteId| self.write(w).map(|r| r.key()).unwrap_or_default();
        let Some(first) = read.missed.first() else {
            return format!("{leader} finished copying its files to {follower}; no write touched a row the copy had passed, so the copy happens to match {leader}'s state at log position {}, where {follower} follows from", read.position);
        };
        let lacks = count(read.missed.len() as u64, "write", "writes");
        match read.later_present {
            Some((position, w, _)) => format!(
                "{leader} finished copying its files to {follower}. The copy matches no state {leader} ever had: it holds {} from position {position} but not {} from position {}, written before it, because row {} was copied before that write arrived. {follower} follows from position {}, where {leader} is now, and lacks {lacks} for good",
                name(w),
                name(first.write),
                first.position,
                key(first.write),
                read.position
            ),
            None => format!(
                "{leader} finished copying its files to {follower}. The copy matches {leader}'s state at position {}, but {follower} follows from position {}, so it lacks {lacks} for good, the first {}",
                first.position - 1,
                read.position,
                name(first.write)
            ),
        }
    }

    /// The follower installed a file copy: its log now differs where the copy missed writes.
    pub(super) fn file_copy_installed(&mut self, follower: NodeId, position: u64) {
        if let Some(r) = self
            .file_copies
            .iter_mut()
            .rev()
            .find(|r| r.follower == follower && r.read.position == position)
        {
            r.installed = true;
        }
    }

    /// Log positions where an installed file copy holds a repeat instead of the leader's
    /// write: the only places where logs may hold different writes in the same epoch.
    pub fn file_copy_positions(&self) -> BTreeSet<u64> {
        self.file_copies
            .iter()
            .filter(|r| r.installed)
            .flat_map(|r| r.read.missed.iter().map(|m| m.position))
            .collect()
    }

    /// Every replica whose data differs from the current leader's for good (compared at the
    /// positions where file copies missed writes). Empty without a leader.
    pub fn differs_for_good(&self) -> Vec<Divergence> {
        let positions = self.file_copy_positions();
        let Some(l) = self.current_leader else {
            return Vec::new();
        };
        if positions.is_empty() {
            return Vec::new();
        }
        let leader = &self.replicas[l.index()].log;
        let mut out = Vec::new();
        for r in self.replicas.iter().filter(|r| r.id != l) {
            let end = agreeing_epochs_end(&r.log, leader);
            let differ: Vec<u64> = positions
                .iter()
                .copied()
                .filter(|&p| p <= end)
                .filter(|&p| match (r.log.get(p), leader.get(p)) {
                    (Some(a), Some(b)) => a.epoch == b.epoch && a.write != b.write,
                    _ => false,
                })
                .collect();
            if differ.is_empty() {
                continue;
            }
            let mut keys: BTreeSet<KeySlot> = BTreeSet::new();
            for &p in &differ {
                for e in [r.log.get(p), leader.get(p)].into_iter().flatten() {
                    if let Some(w) = self.write(e.write) {
                        keys.insert(w.key_slot());
                    }
                }
            }
            let last_write = |log: &Log, k: &KeySlot| {
                (1..=end)
                    .rev()
                    .filter_map(|p| log.get(p))
                    .find(|e| self.write(e.write).is_some_and(|w| &w.key_slot() == k))
                    .map(|e| e.write)
            };
            let keys = keys
                .iter()
                .filter(|k| last_write(&r.log, k) != last_write(leader, k))
                .map(|k| match k {
                    KeySlot::Workload(i) => format!("k{}", i + 1),
                    KeySlot::Manual(s) => s.clone(),
                })
                .collect();
            out.push(Divergence {
                replica: r.id,
                positions: differ,
                keys,
            });
        }
        out
    }
}

/// How far two logs hold entries of the same epochs. Beyond it the follower holds entries
/// of an epoch the leader replaced, which it will discard: a difference there is not for good.
fn agreeing_epochs_end(follower: &Log, leader: &Log) -> u64 {
    let end = follower.last_position().min(leader.last_position());
    (1..=end)
        .find(|&p| {
            matches!((follower.get(p), leader.get(p)), (Some(a), Some(b)) if a.epoch != b.epoch)
        })
        .map_or(end, |p| p - 1)
}
