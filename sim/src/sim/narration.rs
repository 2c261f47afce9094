//! Narration: the event log's sentences, one per thing the chapter would point at (a crash,
//! an election, a write lost and why). Only sentences: whatever a happening changes in the
//! simulation is done before or after it is told, never here.
use super::*;
use crate::log::Entry;
use crate::scenario::CopyMethod;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NoteKind {
    Crash,
    Restart,
    Election,
    Leader,
    StepDown,
    Lost,
    Discarded,
    Snapshot,
    CatchUp,
    CaughtUp,
    Network,
    Setting,
    Fencing,
    Sync,
    Chain,
    Write,
    Limit,
    /// A read that broke read-your-writes or monotonic reads.
    Anomaly,
    /// The leader's disk filled (it refuses writes), or has room again.
    Disk,
}

impl NoteKind {
    pub fn name(self) -> &'static str {
        match self {
            NoteKind::Crash => "crash",
            NoteKind::Restart => "restart",
            NoteKind::Election => "election",
            NoteKind::Leader => "leader",
            NoteKind::StepDown => "step_down",
            NoteKind::Lost => "lost",
            NoteKind::Discarded => "discarded",
            NoteKind::Snapshot => "snapshot",
            NoteKind::CatchUp => "catch_up",
            NoteKind::CaughtUp => "caught_up",
            NoteKind::Network => "network",
            NoteKind::Setting => "setting",
            NoteKind::Fencing => "fencing",
            NoteKind::Sync => "sync",
            NoteKind::Chain => "chain",
            NoteKind::Write => "write",
            NoteKind::Limit => "limit",
            NoteKind::Anomaly => "anomaly",
            NoteKind::Disk => "disk",
        }
    }
    /// Worth a marker on the timeline and an announcement.
    pub fn notable(self) -> bool {
        matches!(
            self,
            NoteKind::Crash
                | NoteKind::Restart
                | NoteKind::Leader
                | NoteKind::Lost
                | NoteKind::Snapshot
                | NoteKind::CaughtUp
                | NoteKind::StepDown
                | NoteKind::Anomaly
                | NoteKind::Disk
        )
    }
}

/// A sentence in the event log.
#[derive(Clone, Debug, PartialEq)]
pub struct Note {
    pub at_ms: u64,
    pub kind: NoteKind,
    pub text: String,
    pub node: Option<NodeId>,
    pub writes: Vec<WriteId>,
}

pub(super) fn names(writes: &[WriteId]) -> String {
    // Only the first few are named, so only they are formatted.
    let list: Vec<String> = writes.iter().take(8).map(|w| w.to_string()).collect();
    match writes.len() {
        0 => String::new(),
        1 => list[0].clone(),
        n if n <= 8 => format!("{} and {}", list[..n - 1].join(", "), list[n - 1]),
        n => format!("{}, … and {} more", list[..6].join(", "), n - 6),
    }
}

pub(super) fn node_list(bits: u16) -> String {
    let v: Vec<String> = (0..MAX_REPLICAS as u8)
        .filter(|i| bits & (1 << i) != 0)
        .map(|i| NodeId(i).to_string())
        .collect();
    v.join(", ")
}

impl Sim {
    pub(super) fn note(
        &mut self,
        kind: NoteKind,
        node: Option<NodeId>,
        writes: Vec<WriteId>,
        text: String,
    ) {
        self.notes.push(Note {
            at_ms: self.now,
            kind,
            text,
            node,
            writes,
        });
    }

    /// Tells what a replica reported, in one sentence (or none). Reads the simulation as it
    /// is before the happening's own consequences are carried out (see `Sim::happened`).
    pub(super) fn narrate(&mut self, n: NodeId, h: &Happening) {
        match h {
            Happening::PreVoteStarted { .. }
            | Happening::ElectionStarted { .. }
            | Happening::CampaignAbandoned { .. } => self.narrate_campaign(n, h),
            Happening::BecameLeader {
                epoch,
                voters,
                appointed,
            } => {
                let how = if *appointed {
                    format!("appointed by {}, the controller", crate::ids::CONTROLLER)
                } else {
                    format!("votes from {}", node_list(*voters))
                };
                self.note(
                    NoteKind::Leader,
                    Some(n),
                    vec![],
                    format!("{n} is now leader in epoch {epoch} ({how})"),
                );
            }
            Happening::SteppedDown { epoch, cause } => self.narrate_step_down(n, *epoch, cause),
            Happening::Truncated {
                from_position,
                entries,
                leader,
            } => self.narrate_truncated(n, *from_position, entries, *leader),
            Happening::SyncFollowerChanged {
                from,
                to,
                silent_ms,
            } => {
                let text = match from {
                    Some(f) => format!("{f} has not answered for {silent_ms} ms; {to} is now the synchronous follower"),
                    None => format!("{to} is now the synchronous follower"),
                };
                self.note(NoteKind::Sync, Some(n), vec![], text);
            }
            Happening::ChainChanged { order, removed } => {
                let chain: Vec<String> = order.nodes().iter().map(|x| x.to_string()).collect();
                let mut text = format!("Chain is now {} (head to tail)", chain.join(" → "));
                if !removed.is_empty() {
                    let r: Vec<String> = removed.iter().map(|x| x.to_string()).collect();
                    text.push_str(&format!("; {} spliced out", r.join(", ")));
                }
                self.note(NoteKind::Chain, Some(n), vec![], text);
            }
            Happening::SnapshotTaken { .. }
            | Happening::SnapshotInstalled { .. }
            | Happening::SnapshotTooOld { .. }
            | Happening::SnapshotGaveUp { .. }
            | Happening::WritesUnlocked { .. } => self.narrate_snapshot(n, h),
            // Told by the simulator's books on file copies, which keep what it read.
            Happening::FileCopyRead { .. } => {}
            Happening::DiskFull { .. } | Happening::DiskRoom { .. } => self.narrate_disk(n, h),
            Happening::CaughtUp { follower, position } => {
                let follower = *follower;
                if !self.members.is_live(follower) {
                    self.note(NoteKind::CaughtUp, Some(follower), vec![], format!("{follower} has caught up with {n} at log position {position} and now follows live"));
                } else if follower == n {
                    // A member that had to start over from a new snapshot says so itself.
                    self.note(NoteKind::CaughtUp, Some(n), vec![], format!("{n} has caught up from its new snapshot at log position {position} and follows live again"));
                }
            }
            Happening::StaleEpochRefused {
                from,
                their_epoch,
                our_epoch,
            } => {
                // Said once per sender and epoch, not for every refused message.
                if self.last_stale_note != Some((n, *from, *their_epoch)) {
                    self.last_stale_note = Some((n, *from, *their_epoch));
                    self.note(
                        NoteKind::Fencing,
                        Some(n),
                        vec![],
                        format!("{n} refused a message from {from}: its epoch {their_epoch} is older than {our_epoch}"),
                    );
                }
            }
            Happening::CatchUpStarted {
                from_position,
                upstream,
            } => {
                self.note(NoteKind::CatchUp, Some(n), vec![], format!("{n} asks {upstream} for every change after log position {from_position} (catch-up)"));
            }
        }
    }

    /// A follower's campaign: its pre-vote, its call for votes, or why it gave up.
    fn narrate_campaign(&mut self, n: NodeId, h: &Happening) {
        let text = match h {
            Happening::PreVoteStarted { epoch, silent_ms, last_leader, ahead_of } => {
                let old = last_leader.map(|l| l.to_string()).unwrap_or_else(|| "any leader".into());
                let why = match ahead_of {
                    Some(c) => format!("{n}'s log is more up-to-date than that of {c}, which asked for its vote, so it campaigns itself"),
                    None => format!("{n} heard nothing from {old} for {silent_ms} ms (failover timeout {} ms)", self.settings.failover_timeout_ms),
                };
                format!("{why}; before standing in epoch {epoch}, it asks every replica how far its log reaches (pre-vote)")
            }
            Happening::ElectionStarted { epoch, forced, heard, last_leader: _ } => {
                // The note about to be written is this election's (see `notable`).
                self.marks.election_started(self.notes.len(), *forced);
                if *forced {
                    format!("Manual failover: {n} asks for votes in epoch {epoch}")
                } else if *heard == 0 {
                    format!("{n} asks for votes in epoch {epoch}: no other replica answered its pre-vote")
                } else {
                    format!("{n} asks for votes in epoch {epoch}: none of the replicas that answered ({}) holds a more up-to-date log", node_list(*heard))
                }
            }
            Happening::CampaignAbandoned { epoch, reason } => match reason {
                Abandoned::PeerAhead { peer } => format!("{n} does not stand in epoch {epoch}: {peer} holds a more up-to-date log and stands instead"),
                Abandoned::LeaderAlive { peer } => format!("{n} does not stand in epoch {epoch}: {peer} still hears from a live leader"),
                Abandoned::HeardLeader { leader } => format!("{n} stops campaigning: it heard from {leader}, which leads"),
                Abandoned::TooFewVotes { pre_vote: true, granted, needed } => format!("{n} does not stand in epoch {epoch}: only {granted} of the {needed} replicas it needs would vote for it"),
                Abandoned::TooFewVotes { pre_vote: false, granted, needed } => format!("{n} was not elected in epoch {epoch}: {granted} votes of the {needed} it needs"),
            },
            _ => return,
        };
        self.note(NoteKind::Election, Some(n), vec![], text);
    }

    fn narrate_step_down(&mut self, n: NodeId, epoch: u32, cause: &StepDownCause) {
        let text = match cause {
            StepDownCause::NewerEpoch { from } => format!("{n} learned of a newer epoch from {from} and stepped down as leader of epoch {epoch}"),
            StepDownCause::LostMajority { silent_ms } => format!(
                "{n} has not heard from a majority for {silent_ms} ms; with fencing on, it stops taking writes, since another leader may have been elected"
            ),
            StepDownCause::ManualFailover { to } => format!("{n} hands leadership to {to} (manual failover)"),
            StepDownCause::FencedByController => format!(
                "{n} stops taking writes: {}, the controller, told it that it no longer leads",
                crate::ids::CONTROLLER
            ),
        };
        let kind = if matches!(
            cause,
            StepDownCause::LostMajority { .. } | StepDownCause::FencedByController
        ) {
            NoteKind::Fencing
        } else {
            NoteKind::StepDown
        };
        self.note(kind, Some(n), vec![], text);
    }

    /// Entries a follower discarded because the leader lacks them; a snapshot being
    /// installed replaces the whole log, which is no loss to tell of.
    fn narrate_truncated(
        &mut self,
        n: NodeId,
        from_position: u64,
        entries: &[Entry],
        leader: NodeId,
    ) {
        let installing = from_position == 1 && self.replicas[n.index()].setup.is_some();
        if installing {
            return;
        }
        let writes: Vec<WriteId> = entries.iter().map(|e| e.write).collect();
        let confirmed: Vec<WriteId> = writes
            .iter()
            .copied()
            .filter(|w| self.write(*w).is_some_and(|r| r.is_confirmed()))
            .collect();
        let last = from_position + writes.len() as u64 - 1;
        let mut text = format!(
            "{n} discarded {} (log position{} {from_position}{}), which {leader} does not have",
            names(&writes),
            if writes.len() > 1 { "s" } else { "" },
            if writes.len() > 1 {
                format!("–{last}")
            } else {
                String::new()
            }
        );
        if !confirmed.is_empty() {
            text.push_str(&format!(
                "; {} had been confirmed to clients",
                names(&confirmed)
            ));
        }
        self.note(NoteKind::Discarded, Some(n), writes, text);
    }

    /// A new follower's snapshot: taken, installed, too old for the leader's log, given up.
    fn narrate_snapshot(&mut self, n: NodeId, h: &Happening) {
        let text = match h {
            Happening::SnapshotTaken {
                follower,
                method: CopyMethod::LockedCopy,
                position,
                rows,
                copy_ms,
            } => {
                format!("{n} locks the database against writes and copies it to {follower} at log position {position} ({}); for about {copy_ms} ms every write waits", count(*rows, "row", "rows"))
            }
            Happening::WritesUnlocked {
                follower,
                held,
                locked_ms,
            } => {
                format!("{n} has sent the copy to {follower} and unlocks the database after {locked_ms} ms; it takes the {} that waited", count(*held, "write", "writes"))
            }
            Happening::SnapshotTaken {
                follower,
                method: CopyMethod::FileCopy,
                rows,
                copy_ms,
                ..
            } => {
                format!("{n} starts copying its data files to {follower} row by row while writes continue ({}, about {copy_ms} ms); the copy records no log position", count(*rows, "row", "rows"))
            }
            Happening::SnapshotInstalled { position }
                if self.replicas[n.index()].copy_method == CopyMethod::FileCopy =>
            {
                self.marks.snapshot_installed(self.notes.len());
                let leader = self.replicas[n.index()]
                    .leader
                    .map(|l| l.to_string())
                    .unwrap_or_else(|| "the leader".into());
                self.note(NoteKind::CatchUp, Some(n), vec![], format!("{n} installed the copied files and follows from log position {position}, where {leader} was when the copy ended; it asks {leader} for every change since"));
                return;
            }
            Happening::SnapshotTaken {
                follower,
                method: CopyMethod::Snapshot,
                position,
                rows,
                copy_ms,
            } => {
                format!("{n} took a consistent snapshot at log position {position} ({}) for {follower}, without locking writes; copying takes about {copy_ms} ms", count(*rows, "row", "rows"))
            }
            Happening::SnapshotInstalled { position } => {
                self.marks.snapshot_installed(self.notes.len());
                let leader = self.replicas[n.index()]
                    .leader
                    .map(|l| l.to_string())
                    .unwrap_or_else(|| "the leader".into());
                self.note(NoteKind::CatchUp, Some(n), vec![], format!("{n} installed the snapshot at log position {position} and asks {leader} for every change since"));
                return;
            }
            Happening::SnapshotTooOld {
                from,
                requested,
                log_start,
                attempt: _,
                giving_up,
            } => {
                let leader = from;
                let retention = self
                    .settings
                    .log_retention_entries
                    .map(|r| format!(" (it keeps {})", count(r, "entry", "entries")))
                    .unwrap_or_default();
                let next = if *giving_up {
                    ""
                } else {
                    "; it must take a new snapshot"
                };
                format!("{n} needs log position {requested}, but {leader}'s log now starts at {log_start}{retention}{next}")
            }
            Happening::SnapshotGaveUp { attempts } => {
                format!("{n} gave up after {attempts} snapshots: each copy took longer than the leader keeps its log")
            }
            _ => return,
        };
        self.note(NoteKind::Snapshot, Some(n), vec![], text);
    }

    /// The leader's disk filled, said once (each refused write is counted, not told), or
    /// has room again.
    fn narrate_disk(&mut self, n: NodeId, h: &Happening) {
        let text = match h {
            Happening::DiskFull {
                used,
                capacity,
                first: true,
                waiting_for,
                ..
            } => {
                let rows = self.settings.initial_rows;
                let why = match waiting_for {
                    Some(f) => format!(
                        "it keeps its log until every follower has caught up, and {f} has not"
                    ),
                    None => "it has no room for another log entry".into(),
                };
                format!("{n}'s disk is full: {} and {} fill its {capacity}; {why}, so it refuses writes", count(rows, "initial row", "initial rows"), count(used - rows, "log entry", "log entries"))
            }
            Happening::DiskRoom { log_start, .. } => {
                let through = log_start.saturating_sub(1);
                format!("{n} deleted its log up to position {through}, which every follower now has, so its disk has room again and it takes writes")
            }
            _ => return,
        };
        self.note(NoteKind::Disk, Some(n), vec![], text);
    }

    /// A read answered by `n` that broke read-your-writes or monotonic reads; `previous` is
    /// the client's earlier read of the key that saw the newest value (value, from, when).
    pub(super) fn narrate_read(
        &mut self,
        read: u32,
        n: NodeId,
        previous: Option<(WriteId, NodeId, u64)>,
    ) {
        let Some(r) = self.reads.get(read as usize).cloned() else {
            return;
        };
        let saw = match r.value.and_then(|v| self.write(v)) {
            Some(w) => format!("{} ({})", w.value(), w.id),
            None => "nothing".to_string(),
        };
        let behind = r.behind;
        if r.stale_own_write {
            let own = r.own_confirmed.expect("checked above");
            self.note(
                NoteKind::Anomaly,
                Some(n),
                vec![own],
                format!(
                    "{} read {} from {n} and got {saw}, but its own write {own} had been confirmed: read-your-writes violated ({n} is {behind} {} behind)",
                    r.client,
                    r.key,
                    if behind == 1 { "entry" } else { "entries" }
                ),
            );
        } else if r.went_back {
            let (v, from, at) = previous.expect("checked above");
            self.note(
                NoteKind::Anomaly,
                Some(n),
                vec![v],
                format!("{}'s read of {} from {n} returned {saw}, older than the {v} it read from {from} at {at} ms: monotonic reads violated", r.client, r.key),
            );
        }
    }

    /// One sentence per reason: writes lost together for different reasons (some on a
    /// crashed leader, some confirmed during split brain) are explained apart.
    pub(super) fn note_lost(&mut self, lost: Vec<WriteId>) {
        let reason_of =
            |sim: &Sim, w: WriteId| sim.write(w).and_then(|r| r.lost.as_ref()).map(|l| l.reason);
        for reason in [
            LostReason::LeaderCrashedBeforeReplicating,
            LostReason::DiscardedOnDemotion,
            LostReason::SplitBrain,
        ] {
            let group: Vec<WriteId> = lost
                .iter()
                .copied()
                .filter(|&w| reason_of(self, w) == Some(reason))
                .collect();
            if !group.is_empty() {
                self.note_lost_for(group, reason);
            }
        }
    }

    pub(super) fn note_lost_for(&mut self, lost: Vec<WriteId>, reason: LostReason) {
        let leader = self.current_leader.map(|l| l.to_string());
        let records = || lost.iter().filter_map(|w| self.write(*w));
        let confirmers: u16 = records()
            .filter_map(|r| r.lost.as_ref())
            .map(|l| l.confirmed_by.bit())
            .fold(0, |a, b| a | b);
        // Where they still are: the confirmer, and perhaps followers that lost the election.
        let holders: u16 = records().map(|r| r.holders).fold(0, |a, b| a | b);
        let (it, existed) = if lost.len() > 1 {
            ("them", "they existed")
        } else {
            ("it", "it existed")
        };
        let why = match reason {
            LostReason::SplitBrain => format!(
                "{} confirmed {it} while another leader was taking writes (split brain)",
                node_list(confirmers)
            ),
            LostReason::LeaderCrashedBeforeReplicating if holders == confirmers => {
                format!("{existed} only on {}, which crashed", node_list(confirmers))
            }
            LostReason::LeaderCrashedBeforeReplicating => {
                format!(
                    "{existed} only on {}; {}, which confirmed {it}, crashed",
                    node_list(holders),
                    node_list(confirmers)
                )
            }
            LostReason::DiscardedOnDemotion if holders == confirmers => format!(
                "{existed} only on {}, which is no longer leader",
                node_list(confirmers)
            ),
            LostReason::DiscardedOnDemotion => {
                format!(
                    "{existed} only on {}, none of them the new leader; {} confirmed {it}",
                    node_list(holders),
                    node_list(confirmers)
                )
            }
        };
        let text = match leader {
            Some(l) => format!(
                "Confirmed write{} lost: {} {} not on the new leader {l}; {why}",
                if lost.len() > 1 { "s" } else { "" },
                names(&lost),
                if lost.len() > 1 { "are" } else { "is" }
            ),
            None => format!(
                "Confirmed write{} lost: {} on no replica",
                if lost.len() > 1 { "s" } else { "" },
                names(&lost)
            ),
        };
        self.note(NoteKind::Lost, None, lost, text);
    }
}
