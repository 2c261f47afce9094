//! The ledger: each write's fate. Who holds it, when it was confirmed, and whether a
//! confirmed write was lost. The chapter: with asynchronous replication, "if the leader fails
//! ... any writes that have not yet been replicated to followers are lost", and on failover
//! "the old leader's unreplicated writes [are] simply discarded, which may violate clients'
//! durability expectations". A confirmed write is lost when it is not on the current leader
//! (or, while there is none, on no replica); `checker.rs` recomputes the same judgement from
//! the client history and the final logs.
use super::*;

/// Key and value of a write; workload writes are generated, so they are stored compactly.
#[derive(Clone, Debug, PartialEq)]
pub enum WriteData {
    Workload { key: u32 },
    Manual(Arc<(String, String)>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Pending,
    /// `newer_leader_existed`: a leader of a newer epoch had been elected when `by` sent
    /// the confirmation (not when the client received it: an answer already on its way
    /// when the election happened is no split brain).
    Confirmed {
        at: u64,
        by: NodeId,
        epoch: u32,
        newer_leader_existed: bool,
    },
    Failed {
        at: u64,
        reason: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LostReason {
    /// The leader confirmed it, then crashed before any surviving replica had it.
    LeaderCrashedBeforeReplicating,
    /// The leader that confirmed it was replaced while alive; it will discard it when it
    /// rejoins as a follower.
    DiscardedOnDemotion,
    /// Confirmed by a deposed leader while a newer one was already taking writes.
    SplitBrain,
}

impl LostReason {
    pub fn code(self) -> &'static str {
        match self {
            LostReason::LeaderCrashedBeforeReplicating => "leader_crashed_before_replicating",
            LostReason::DiscardedOnDemotion => "discarded_on_demotion",
            LostReason::SplitBrain => "split_brain",
        }
    }
    pub fn explain(self) -> &'static str {
        match self {
            LostReason::LeaderCrashedBeforeReplicating => "the leader confirmed it, then crashed before the new leader had it",
            LostReason::DiscardedOnDemotion => "the leader that confirmed it was replaced; its copy is discarded when it rejoins as a follower",
            LostReason::SplitBrain => "a deposed leader confirmed it while another leader was taking writes (split brain)",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Lost {
    pub at: u64,
    pub reason: LostReason,
    pub confirmed_by: NodeId,
    pub new_leader: Option<NodeId>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct WriteRecord {
    pub id: WriteId,
    pub client: ClientId,
    pub data: WriteData,
    pub invoked_at: u64,
    pub sent_to: NodeId,
    pub redirects: u8,
    pub outcome: Outcome,
    /// Bit per replica whose log holds it.
    pub holders: u16,
    /// When a replica first appended it.
    pub appended_at: Option<u64>,
    /// The log position it was first appended at (its copies on followers sit at the same
    /// position), for following its messages in the space-time diagram.
    pub position: Option<u64>,
    pub lost: Option<Lost>,
}

impl WriteRecord {
    pub fn key(&self) -> String {
        match &self.data {
            WriteData::Workload { key } => format!("k{}", key + 1),
            WriteData::Manual(kv) => kv.0.clone(),
        }
    }
    pub fn value(&self) -> String {
        match &self.data {
            WriteData::Workload { .. } => format!("v{}", self.id.0 + 1),
            WriteData::Manual(kv) => kv.1.clone(),
        }
    }
    pub fn is_confirmed(&self) -> bool {
        matches!(self.outcome, Outcome::Confirmed { .. })
    }
    pub fn confirmed_at(&self) -> Option<u64> {
        match self.outcome {
            Outcome::Confirmed { at, .. } => Some(at),
            _ => None,
        }
    }
    pub fn key_slot(&self) -> KeySlot {
        match &self.data {
            WriteData::Workload { key } => KeySlot::Workload(*key),
            WriteData::Manual(kv) => KeySlot::Manual(kv.0.clone()),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum KeySlot {
    Workload(u32),
    Manual(String),
}

/// Rows in a snapshot of `log` up to `position`: the initial rows plus every distinct key
/// written so far.
pub(super) fn snapshot_rows(
    writes: &ChunkedVec<WriteRecord>,
    initial_rows: u64,
    log: &Log,
    position: u64,
) -> u64 {
    // Workload keys are small integers: a bitmap counts them without building a set of
    // strings over a long log (this runs once per snapshot, but in every seek that replays it).
    let mut workload_keys: Vec<bool> = Vec::new();
    let mut distinct = 0u64;
    let mut manual: BTreeSet<&str> = BTreeSet::new();
    for p in 1..=position.min(log.last_position()) {
        let Some(e) = log.get(p) else { break };
        match writes.get(e.write.index()).map(|w| &w.data) {
            Some(WriteData::Workload { key }) => {
                let k = *key as usize;
                if k >= workload_keys.len() {
                    workload_keys.resize(k + 1, false);
                }
                if !std::mem::replace(&mut workload_keys[k], true) {
                    distinct += 1;
                }
            }
            Some(WriteData::Manual(kv)) => {
                manual.insert(kv.0.as_str());
            }
            None => {}
        }
    }
    // A manual write may use a workload key's name; count such a key once.
    let overlap = manual
        .iter()
        .filter(|k| {
            k.strip_prefix('k')
                .and_then(|n| n.parse::<usize>().ok())
                .is_some_and(|n| n >= 1 && workload_keys.get(n - 1) == Some(&true))
        })
        .count() as u64;
    initial_rows + distinct + manual.len() as u64 - overlap
}

impl Sim {
    /// After a replica's reaction: which writes its log now holds (entries it discarded,
    /// entries it appended), the entries moved in bulk, its log position over time, and
    /// the read index. `before` is its last log position before the reaction.
    pub(super) fn log_changed(&mut self, n: NodeId, before: u64, out: &[Command]) {
        let mut base = before;
        for cmd in out {
            if let Command::Happened(Happening::Truncated {
                from_position,
                entries,
                ..
            }) = cmd
            {
                base = base.min(from_position - 1);
                self.bulk_entries += entries.len() as u64;
                // A file copy fills the slot of a write it missed with a repeat of the entry
                // before it, so a write can sit at several positions in a row: discarding
                // the later ones leaves the replica holding it.
                let kept_last = self.replicas[n.index()]
                    .log
                    .get(from_position - 1)
                    .map(|e| e.write);
                for e in entries {
                    if Some(e.write) == kept_last {
                        continue;
                    }
                    if let Some(w) = self.writes.get_mut(e.write.index()) {
                        w.holders &= !n.bit();
                        self.fates.refile(w);
                    }
                }
            }
        }
        let after = self.replicas[n.index()].log.last_position();
        // Entries arriving more than a batch at a time came in a snapshot.
        if after.saturating_sub(base) > self.settings.batch_entries {
            self.bulk_entries += after - base;
        }
        if after != before || base != before {
            let narrow = |x: u64| x.min(u32::MAX as u64) as u32;
            self.position_log.push((narrow(self.now), n, narrow(after)));
        }
        if let Some(index) = &mut self.read_index {
            let log = &self.replicas[n.index()].log;
            let new =
                (base.min(after) + 1..=after).map(|p| log.get(p).expect("in the log").write.0);
            index.log_changed(n.index(), base.min(after), new);
        }
        if after > base {
            let now = self.now;
            for p in base + 1..=after {
                let e = *self.replicas[n.index()]
                    .log
                    .get(p)
                    .expect("position within the log");
                if let Some(w) = self.writes.get_mut(e.write.index()) {
                    w.holders |= n.bit();
                    w.appended_at.get_or_insert(now);
                    w.position.get_or_insert(p);
                    self.fates.refile(w);
                }
            }
        }
    }

    /// The up replica leading the highest epoch: the one whose log decides what survived.
    pub(super) fn find_leader(&self) -> Option<NodeId> {
        self.replicas
            .iter()
            .filter(|r| r.is_leader())
            .max_by_key(|r| (r.epoch, Reverse(r.id)))
            .map(|r| r.id)
    }

    pub(super) fn refresh_leader(&mut self) {
        let leader = self.find_leader();
        if leader == self.current_leader {
            return;
        }
        match (self.current_leader, leader) {
            (Some(_), None) => self.leaderless_since = Some(self.now),
            (None, Some(_)) => {
                if let Some(s) = self.leaderless_since.take() {
                    self.leaderless_total_ms += self.now - s;
                }
            }
            _ => {}
        }
        self.current_leader = leader;
        // A change of leader decides the fate of the confirmed writes the new leader lacks
        // (or holds, if they were lost), and only theirs.
        let turned = self.fates.turned_by_leader(leader);
        #[cfg(debug_assertions)]
        if self.writes.len() < 2_000 {
            // Against the pass over every write that it replaces, while runs are short.
            let turns = |w: &WriteRecord| {
                let gone = leader.map_or(w.holders == 0, |l| w.holders & l.bit() == 0);
                w.is_confirmed() && gone != w.lost.is_some()
            };
            let scanned: Vec<WriteId> = self
                .writes
                .iter()
                .filter(|w| turns(w))
                .map(|w| w.id)
                .collect();
            debug_assert_eq!(turned, scanned);
        }
        let mut newly_lost = Vec::new();
        for w in turned {
            if self.update_lost(w) == Some(true) {
                newly_lost.push(w);
            }
        }
        if !newly_lost.is_empty() {
            self.note_lost(newly_lost);
        }
    }

    /// Recomputes whether a confirmed write is lost: not on the current leader, or, while
    /// there is none, on no replica at all. Returns Some(true) if it just became lost.
    pub(super) fn update_lost(&mut self, w: WriteId) -> Option<bool> {
        let now = self.now;
        let leader = self.current_leader;
        let confirmer_up =
            |by: NodeId, replicas: &Vec<Replica>| replicas.get(by.index()).is_some_and(|r| r.up);
        let rec = self.writes.get(w.index())?;
        let Outcome::Confirmed {
            by,
            newer_leader_existed,
            ..
        } = rec.outcome
        else {
            return None;
        };
        let gone = match leader {
            Some(l) => rec.holders & l.bit() == 0,
            None => rec.holders == 0,
        };
        match (gone, rec.lost.is_some()) {
            (true, false) => {
                let reason = if newer_leader_existed {
                    LostReason::SplitBrain
                } else if !confirmer_up(by, &self.replicas) {
                    LostReason::LeaderCrashedBeforeReplicating
                } else {
                    LostReason::DiscardedOnDemotion
                };
                let rec = self.writes.get_mut(w.index())?;
                rec.lost = Some(Lost {
                    at: now,
                    reason,
                    confirmed_by: by,
                    new_leader: leader,
                });
                self.fates.refile(rec);
                Some(true)
            }
            (false, true) => {
                let rec = self.writes.get_mut(w.index())?;
                rec.lost = None;
                self.fates.refile(rec);
                Some(false)
            }
            _ => None,
        }
    }

    /// Files a write anew in [`crate::fates::Fates`] after a change to it.
    pub(super) fn refile(&mut self, w: WriteId) {
        if let Some(rec) = self.writes.get(w.index()) {
            self.fates.refile(rec);
        }
    }

    pub(super) fn check_lost(&mut self, w: WriteId) {
        if self.update_lost(w) != Some(true) {
            return;
        }
        // A deposed leader confirming write after write during split brain would fill the
        // event log; extend the latest such sentence instead, while it is still the latest.
        let lost = self.write(w).and_then(|r| r.lost.clone());
        if let Some(l) = lost.filter(|l| l.reason == LostReason::SplitBrain) {
            if let Some((index, mut writes)) = self.open_split_brain_note.clone() {
                if index + 1 == self.notes.len() {
                    writes.push(w);
                    let leader = self
                        .current_leader
                        .map(|x| x.to_string())
                        .unwrap_or_else(|| "the new leader".into());
                    let text = format!(
                        "Split brain: {} confirmed {} while {leader} was leader; {} lost",
                        l.confirmed_by,
                        names(&writes),
                        if writes.len() > 1 { "all are" } else { "it is" }
                    );
                    let note = self.notes.get_mut(index).expect("index of the latest note");
                    note.text = text;
                    note.writes = writes.clone();
                    self.open_split_brain_note = Some((index, writes));
                    return;
                }
            }
            self.note_lost(vec![w]);
            self.open_split_brain_note = Some((self.notes.len() - 1, vec![w]));
            return;
        }
        self.note_lost(vec![w]);
    }

    /// Writes waiting at the leader for acknowledgements that a silent replica is not
    /// sending: the cost of synchronous replication.
    /// And writes a leader holds while a locked copy runs: the cost of locking.
    pub fn blocked_writes(&self) -> Vec<WriteId> {
        let Some(l) = self.current_leader else {
            return Vec::new();
        };
        let leader = &self.replicas[l.index()];
        if let Some(lock) = &leader.write_lock {
            return lock.held.iter().map(|&(_, w)| w).collect();
        }
        let t = self.settings.failover_timeout_ms;
        let silent_required = self.members.iter_live().any(|f| {
            f != l
                && self
                    .now
                    .saturating_sub(leader.peers[f.index()].last_heard_ms)
                    > t
                && match self.settings.mode {
                    Mode::Sync => true,
                    Mode::SemiSync => leader.sync_follower == Some(f),
                    Mode::Quorum => true,
                    Mode::Chain => leader.chain.config.contains(f),
                    Mode::Async => false,
                }
        });
        if !silent_required {
            return Vec::new();
        }
        leader
            .log
            .slice(leader.confirmed + 1, leader.log.last_position())
            .iter()
            .filter(|e| {
                self.write(e.write).is_some_and(|w| {
                    w.outcome == Outcome::Pending && self.now.saturating_sub(w.invoked_at) > t
                })
            })
            .map(|e| e.write)
            .collect()
    }

    /// The key-value state a replica's log amounts to (initial rows not included).
    pub fn state_of(&self, n: NodeId) -> BTreeMap<String, String> {
        let mut state = BTreeMap::new();
        for e in self.replicas[n.index()].log.iter() {
            if let Some(w) = self.write(e.write) {
                state.insert(w.key(), w.value());
            }
        }
        state
    }
}
