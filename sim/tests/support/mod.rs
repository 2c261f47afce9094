//! Shared by the engine's integration tests: loading presets, and the named invariants
//! of DESIGN.md, checked after every step of a run.
#![allow(dead_code)]

use replication_sim::checker::{engine_lost_writes, lost_writes};
use replication_sim::ids::{Endpoint, NodeId, WriteId, MAX_REPLICAS};
use replication_sim::replica::{Role, SetupPhase};
use replication_sim::sim::Outcome;
use replication_sim::{Mode, Scenario, Sim};
use std::collections::BTreeMap;
pub mod controller;

mod copy_methods;
pub use copy_methods::*;

/// Every preset, by file stem, sorted: the engine's own list (`presets::PRESETS`), which
/// the lessons test checks against the files in `scenarios/`.
pub fn presets() -> Vec<&'static str> {
    let mut names: Vec<&str> = replication_sim::presets::PRESETS
        .iter()
        .map(|p| p.id)
        .collect();
    names.sort();
    names
}

pub fn preset_json(name: &str) -> String {
    replication_sim::presets::Preset::by_id(name)
        .unwrap_or_else(|| panic!("no preset {name}"))
        .json
        .to_string()
}

pub fn preset(name: &str) -> Scenario {
    Scenario::from_json(&preset_json(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

pub fn run(scenario: &Scenario) -> Sim {
    let mut sim = Sim::new(scenario).expect("valid scenario");
    sim.run_to_end();
    sim
}

pub fn n(i: u8) -> NodeId {
    NodeId(i - 1)
}

/// What the run looked like at the step an invariant failed.
pub fn describe(sim: &Sim) -> String {
    let mut s = format!(
        "at {} ms (event {}), leader {:?}, max epoch {}\n",
        sim.now(),
        sim.events_processed(),
        sim.current_leader(),
        sim.max_epoch()
    );
    for r in &sim.replicas {
        let last = r.log.last_position();
        let tail: Vec<String> = r
            .log
            .slice(last.saturating_sub(8) + 1, last)
            .iter()
            .map(|e| format!("{}@{}", e.write, e.epoch))
            .collect();
        s += &format!(
            "  {} up={} {:?} epoch={} voted={} leader={:?} confirmed={} last={} setup={:?} log …{}\n",
            r.id,
            r.up,
            r.role,
            r.epoch,
            r.voted_epoch,
            r.leader,
            r.confirmed,
            r.log.last_position(),
            r.setup.map(|x| x.phase),
            tail.join(" ")
        );
    }
    let notes: Vec<String> = sim
        .notes
        .iter()
        .rev()
        .take(12)
        .map(|n| format!("    {:>6} ms {}", n.at_ms, n.text))
        .collect();
    s += "  latest notes:\n";
    for line in notes.iter().rev() {
        s += line;
        s += "\n";
    }
    s
}

/// The named invariants, checked after every step. Some hold only for some scenarios; the
/// flags say which apply.
#[derive(Default)]
pub struct Invariants {
    /// The scenario is in `sync` mode from start to end.
    pub sync_throughout: bool,
    /// The scenario is in `semi-sync` mode from start to end.
    pub semi_sync_throughout: bool,
    /// `quorum` mode from start to end, with a write quorum that is a majority of every
    /// cluster size the run reaches, and no manual failover (which may promote anyone).
    pub majority_quorum_throughout: bool,
    /// Fencing is on from start to end.
    pub fencing_throughout: bool,
    /// When manual failovers happen: an operator's promotion overrides leases, so the
    /// lease invariant is not checked for a while after one.
    forced_at: Vec<u64>,
    /// The longest failover timeout the scenario uses.
    max_timeout_ms: u64,
    leader_of_epoch: BTreeMap<u32, NodeId>,
    epochs: Vec<(u32, u32)>,
    leader_log: Vec<Option<(u32, u64)>>,
    confirmed_seen: usize,
    /// Messages up to this id have been looked at by the chain invariant.
    messages_checked: u64,
    /// Per pair of replicas (lower index first): how long they have been reachable.
    pairs: Vec<PairWatch>,
    /// Messages of `Sim::message_log` already looked at for losses.
    messages_seen: usize,
    /// The epoch each replica led at the previous check, if it led.
    led: Vec<Option<u32>>,
    checked_once: bool,
}

/// Whether two replicas can hear each other, as the simulator's network has it: since
/// `good_since` both have been up and live members, the links between them cut neither
/// way nor partitioned, and no message between them lost; `worst_ms` is the slowest
/// one-way delay (latency plus jitter, times the slow factor) each way since then.
#[derive(Clone, Copy, Debug, Default)]
struct PairWatch {
    good_since: Option<u64>,
    worst_ms: [u64; 2],
}

fn pair_index(a: NodeId, b: NodeId) -> usize {
    let (a, b) = if a < b { (a, b) } else { (b, a) };
    a.index() * MAX_REPLICAS + b.index()
}

impl Invariants {
    pub fn for_scenario(s: &Scenario) -> Invariants {
        use replication_sim::scenario::SettingsChange;
        use replication_sim::Action;
        let sets_mode = s
            .events
            .iter()
            .any(|e| matches!(&e.action, Action::Set(SettingsChange { mode: Some(_), .. })));
        let sets_fencing = s.events.iter().any(|e| {
            matches!(
                &e.action,
                Action::Set(SettingsChange {
                    fencing: Some(_),
                    ..
                })
            )
        });
        let forced_at = s
            .events
            .iter()
            .filter(|e| matches!(e.action, Action::Failover { .. }))
            .map(|e| e.at_ms)
            .collect();
        let max_timeout_ms = s
            .events
            .iter()
            .filter_map(|e| match e.action {
                Action::Set(SettingsChange {
                    failover_timeout_ms,
                    ..
                }) => failover_timeout_ms,
                _ => None,
            })
            .fold(s.cluster.failover_timeout_ms, u64::max);
        let sets_quorum = s.events.iter().any(|e| {
            matches!(
                &e.action,
                Action::Set(SettingsChange {
                    write_quorum: Some(_),
                    ..
                })
            )
        });
        let most_nodes = s.cluster.nodes as usize
            + s.events
                .iter()
                .filter(|e| matches!(e.action, Action::AddFollower { .. }))
                .count();
        let w = s.cluster.write_quorum.unwrap_or(s.cluster.nodes / 2 + 1) as usize;
        // A follower set up by copying the files while writes go on lacks the writes the
        // copy missed, for good; promoted, it loses them whatever the mode: the chapter's
        // point about the naive copy. The modes' own guarantees hold only without one.
        let file_copy = s.events.iter().any(|e| {
            matches!(
                e.action,
                Action::AddFollower {
                    method: replication_sim::scenario::CopyMethod::FileCopy
                }
            )
        });
        Invariants {
            majority_quorum_throughout: s.cluster.mode == Mode::Quorum
                && !sets_mode
                && !sets_quorum
                && 2 * w > most_nodes
                && forced_at_is_empty(s)
                && !file_copy,
            sync_throughout: s.cluster.mode == Mode::Sync && !sets_mode && !file_copy,
            semi_sync_throughout: s.cluster.mode == Mode::SemiSync && !sets_mode && !file_copy,
            fencing_throughout: s.cluster.fencing && !sets_fencing,
            forced_at,
            max_timeout_ms,
            ..Invariants::default()
        }
    }

    /// Checks every invariant that applies; the error names the invariant that failed.
    pub fn check(&mut self, sim: &Sim) -> Result<(), String> {
        self.one_leader_per_epoch(sim)?;
        self.epochs_only_move_forward(sim)?;
        self.a_leader_only_appends(sim)?;
        self.watch_pairs(sim);
        self.failover_elects_the_most_up_to_date_reachable_replica(sim)?;
        controller::controller_appoints_the_most_up_to_date_reachable_replica(sim)?;
        checker_agrees_with_engine(sim)?;
        holders_are_the_replicas_whose_log_has_the_write(sim)?;
        leader_knows_what_followers_hold(sim)?;
        caught_up_follower_is_prefix_of_leader(sim)?;
        chain_confirmed_write_is_on_every_member(sim, &mut self.messages_checked)?;
        write_refused_for_a_full_disk_is_in_no_log(sim)?;
        a_locked_copy_confirms_no_write_during_the_lock(sim)?;
        file_copy_judgements_agree(sim)?;
        let forced_lately = self
            .forced_at
            .iter()
            .any(|&t| t <= sim.now() && sim.now() < t + 3 * self.max_timeout_ms);
        if self.fencing_throughout && !forced_lately {
            fenced_leases_never_overlap(sim)?;
        }
        if self.fencing_throughout && self.forced_at.is_empty() {
            fencing_loses_nothing_to_split_brain(sim)?;
        }
        if self.sync_throughout {
            sync_loses_no_confirmed_write(sim)?;
        }
        if self.semi_sync_throughout {
            semi_sync_keeps_two_copies(sim)?;
        }
        if self.majority_quorum_throughout {
            majority_quorum_leader_has_every_confirmed_write(sim)?;
        }
        self.confirmed_seen = sim.writes.len();
        Ok(())
    }

    /// At most one replica ever leads a given epoch: each voter votes once per epoch and a
    /// leader needs a majority.
    fn one_leader_per_epoch(&mut self, sim: &Sim) -> Result<(), String> {
        for r in sim.replicas.iter().filter(|r| r.is_leader()) {
            let first = *self.leader_of_epoch.entry(r.epoch).or_insert(r.id);
            if first != r.id {
                return Err(format!(
                    "one_leader_per_epoch: {} and {} both led epoch {}",
                    first, r.id, r.epoch
                ));
            }
        }
        Ok(())
    }

    /// A replica's epoch and vote are durable and never go back, not even across a crash.
    fn epochs_only_move_forward(&mut self, sim: &Sim) -> Result<(), String> {
        self.epochs.resize(sim.replicas.len(), (0, 0));
        for (r, before) in sim.replicas.iter().zip(self.epochs.iter_mut()) {
            if r.epoch < before.0 || r.voted_epoch < before.1 {
                return Err(format!(
                    "epochs_only_move_forward: {} went from epoch {:?} to {:?}",
                    r.id,
                    before,
                    (r.epoch, r.voted_epoch)
                ));
            }
            *before = (r.epoch, r.voted_epoch);
        }
        Ok(())
    }

    /// While a replica leads an epoch, its own log only grows: a leader never discards
    /// entries it holds.
    fn a_leader_only_appends(&mut self, sim: &Sim) -> Result<(), String> {
        self.leader_log.resize(sim.replicas.len(), None);
        for (r, before) in sim.replicas.iter().zip(self.leader_log.iter_mut()) {
            let now = r.is_leader().then(|| (r.epoch, r.log.last_position()));
            if let (Some((e0, p0)), Some((e1, p1))) = (*before, now) {
                if e0 == e1 && p1 < p0 {
                    return Err(format!("a_leader_only_appends: {} lost log positions {}..={} while leading epoch {e0}", r.id, p1 + 1, p0));
                }
                // A full disk refuses the write rather than storing it. (Only a leader's
                // disk is bounded: a follower promoted with a longer log than its disk holds
                // starts over full, and must not grow from there.)
                let used = r.disk_used(&sim.settings);
                match sim.settings.disk_entries {
                    Some(capacity) if e0 == e1 && p1 > p0 && used > capacity => {
                        return Err(format!("a_full_disk_takes_no_write: {} appended up to position {p1} with {used} rows and log entries on a disk of {capacity}", r.id));
                    }
                    _ => {}
                }
            }
            *before = now;
        }
        Ok(())
    }

    /// Keeps each pair's [`PairWatch`] up to date after a step.
    fn watch_pairs(&mut self, sim: &Sim) {
        self.pairs
            .resize(MAX_REPLICAS * MAX_REPLICAS, PairWatch::default());
        let mut lost_between = Vec::new();
        for i in self.messages_seen..sim.message_log.len() {
            let m = sim.message_log.get(i).expect("in range");
            if let (true, Some(a), Some(b)) = (m.dropped, m.source.replica(), m.target.replica()) {
                lost_between.push(pair_index(a, b));
            }
        }
        self.messages_seen = sim.message_log.len();
        let net = &sim.network;
        let hop_ms = net.latency_ms + net.jitter_ms;
        for a in &sim.replicas {
            for b in sim.replicas.iter().filter(|b| b.id > a.id) {
                let (ea, eb) = (Endpoint::Replica(a.id), Endpoint::Replica(b.id));
                let i = pair_index(a.id, b.id);
                let good = a.up
                    && b.up
                    && sim.members.is_live(a.id)
                    && sim.members.is_live(b.id)
                    && !net.blocked(ea, eb)
                    && !net.blocked(eb, ea)
                    && !lost_between.contains(&i);
                let w = &mut self.pairs[i];
                if !good {
                    w.good_since = None;
                    continue;
                }
                if w.good_since.is_none() {
                    // Links deliver in order: what is already on them holds up what
                    // follows.
                    let backlog = sim
                        .in_flight
                        .values()
                        .filter(|m| {
                            (m.source == ea && m.target == eb) || (m.source == eb && m.target == ea)
                        })
                        .map(|m| m.deliver_at)
                        .max()
                        .unwrap_or(0);
                    *w = PairWatch {
                        good_since: Some(sim.now().max(backlog)),
                        worst_ms: [0, 0],
                    };
                }
                w.worst_ms[0] = w.worst_ms[0].max(hop_ms * net.fault(ea, eb).slow_factor as u64);
                w.worst_ms[1] = w.worst_ms[1].max(hop_ms * net.fault(eb, ea).slow_factor as u64);
            }
        }
    }

    /// The chapter's best candidate: when a replica becomes leader through failover (an
    /// election, not an operator's manual failover naming a node), no replica that is up
    /// and reachable from it holds log entries beyond its own. "Beyond" is the order of
    /// up-to-date logs: a later epoch in the last entry, or the same last epoch and a
    /// longer log (then, by log matching, the longer log holds the winner's as a prefix
    /// and more of the same leader's entries). Entries of an older epoch that the winner's
    /// log has overwritten are not beyond it: a newer leader already superseded them.
    ///
    /// "Reachable" is judged from the simulator's network, over the whole campaign (from
    /// the start of the winner's pre-vote round to its win): both up and live members, the
    /// links cut neither way nor partitioned, and a round trip between them shorter than
    /// the failover timeout the campaign waits for answers. Two limits are honest ones:
    /// - a link slower than that is, to the candidate, a dead replica: no protocol that
    ///   must also fail over when a replica crashes can wait for it for ever (the same
    ///   timeout that declares a leader dead declares the replica unreachable);
    /// - on a lossy link every copy of a question or its answer can be lost. The candidate
    ///   asks again every heartbeat interval, which makes a miss unlikely, but not
    ///   impossible in bounded time, so a pair between which a message was actually lost
    ///   during the campaign does not count as reachable. Lossy links where nothing was
    ///   lost do count.
    ///
    /// A new follower still being set up is not a live member: it neither votes nor
    /// stands (it has not caught up) and is not counted.
    fn failover_elects_the_most_up_to_date_reachable_replica(
        &mut self,
        sim: &Sim,
    ) -> Result<(), String> {
        self.led.resize(sim.replicas.len(), None);
        let first = !std::mem::replace(&mut self.checked_once, true);
        let last =
            |r: &replication_sim::replica::Replica| (r.log.last_epoch(), r.log.last_position());
        for r in &sim.replicas {
            let now = r.is_leader().then_some(r.epoch);
            let before = std::mem::replace(&mut self.led[r.id.index()], now);
            let c = r.election.campaign; // Appointed: the controller's invariant.
            if first || now.is_none() || before == now || c.forced || c.appointed {
                continue;
            }
            for o in sim
                .replicas
                .iter()
                .filter(|o| o.id != r.id && o.up && sim.members.is_live(o.id) && last(o) > last(r))
            {
                let w = self.pairs[pair_index(r.id, o.id)];
                let reachable = w.good_since.is_some_and(|g| g < c.started_ms)
                    && w.worst_ms[0] + w.worst_ms[1] < c.window_ms;
                if reachable {
                    return Err(format!(
                        "failover_elects_the_most_up_to_date_reachable_replica: {} won epoch {} with its log at {:?} (epoch, position), but {} is up and reachable with {:?}",
                        r.id, r.epoch, last(r), o.id, last(o)
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The independent checker (client history and logs only) and the engine's incremental
/// bookkeeping name the same lost writes.
pub fn checker_agrees_with_engine(sim: &Sim) -> Result<(), String> {
    let judged = lost_writes(sim);
    let engine = engine_lost_writes(sim);
    if judged != engine {
        let only_judged: Vec<WriteId> = judged.difference(&engine).copied().collect();
        let only_engine: Vec<WriteId> = engine.difference(&judged).copied().collect();
        return Err(format!("checker_agrees_with_engine: lost per checker only {only_judged:?}, per engine only {only_engine:?}"));
    }
    Ok(())
}

/// The engine's record of who holds each write (drawn as "2/3", used for lost writes)
/// matches the logs themselves.
pub fn holders_are_the_replicas_whose_log_has_the_write(sim: &Sim) -> Result<(), String> {
    let mut held = vec![0u16; sim.writes.len()];
    for r in &sim.replicas {
        for e in r.log.iter() {
            held[e.write.index()] |= r.id.bit();
        }
    }
    for (w, bits) in sim.writes.iter().zip(held) {
        if w.holders != bits {
            return Err(format!("holders_are_the_replicas_whose_log_has_the_write: {} recorded on {:#b}, in the logs of {:#b}", w.id, w.holders, bits));
        }
    }
    Ok(())
}

/// The leader of the newest epoch: no replica can have been truncated by a later one.
fn newest_leader(sim: &Sim) -> Option<NodeId> {
    let l = sim.current_leader()?;
    (sim.replicas[l.index()].epoch == sim.max_epoch()).then_some(l)
}

/// What a leader believes a follower holds (`matched`) is true: their logs agree on every
/// position up to it. Confirmation in every mode but async rests on this.
pub fn leader_knows_what_followers_hold(sim: &Sim) -> Result<(), String> {
    let Some(l) = newest_leader(sim) else {
        return Ok(());
    };
    let leader = &sim.replicas[l.index()];
    let copied = sim.file_copy_positions();
    let followers: Vec<NodeId> = if sim.settings.mode == Mode::Chain {
        leader.chain.config.successor(l).into_iter().collect()
    } else {
        sim.replicas
            .iter()
            .map(|r| r.id)
            .filter(|&f| f != l)
            .collect()
    };
    for f in followers {
        let m = leader.peers[f.index()].matched;
        let flog = &sim.replicas[f.index()].log;
        if flog.last_position() < m {
            return Err(format!("leader_knows_what_followers_hold: {l} believes {f} holds up to {m}, but its log ends at {}", flog.last_position()));
        }
        if let Some(p) = (1..=m)
            .rev()
            .find(|&p| !same_entry(&copied, p, flog.get(p), leader.log.get(p)))
        {
            return Err(format!("leader_knows_what_followers_hold: {l} believes {f} holds up to {m}, but they differ at position {p}"));
        }
    }
    Ok(())
}

/// A follower is caught up when it follows the leader in the leader's epoch and the leader
/// has verified every entry it holds; its log is then a prefix of the leader's.
pub fn caught_up_follower_is_prefix_of_leader(sim: &Sim) -> Result<(), String> {
    let Some(l) = newest_leader(sim) else {
        return Ok(());
    };
    let leader = &sim.replicas[l.index()];
    let copied = sim.file_copy_positions();
    for f in sim.replicas.iter().filter(|r| {
        r.id != l && r.up && r.epoch == leader.epoch && r.leader == Some(l) && r.setup.is_none()
    }) {
        if leader.peers[f.id.index()].matched < f.log.last_position() {
            continue;
        }
        if let Some(p) = (1..=f.log.last_position())
            .find(|&p| !same_entry(&copied, p, f.log.get(p), leader.log.get(p)))
        {
            return Err(format!(
                "caught_up_follower_is_prefix_of_leader: {} differs from {l} at position {p}",
                f.id
            ));
        }
    }
    Ok(())
}

/// Chain replication: the tail confirms only what came down the chain. At the instant a
/// tail sends a client its confirmation, the write is at the same log position on the head
/// of the chain the tail knows, and on every member of that chain that the head still
/// counts in its own, newer chain (a crashed member keeps its durable log). Views lag: the
/// head may since have spliced members out (they may lack what passed after), or added new
/// ones at the tail (they catch up from the old tail), and neither makes a confirmation
/// wrong. Walking each member's own view instead would follow a path the entry never took:
/// a member that passed an entry on and then learnt it was spliced out would send the walk
/// to the new tail. Looks at the confirmations sent since message `checked` (one lost on a
/// cut link reaches no client and is not seen).
pub fn chain_confirmed_write_is_on_every_member(
    sim: &Sim,
    checked: &mut u64,
) -> Result<(), String> {
    use replication_sim::ids::Endpoint;
    use replication_sim::message::{Payload, ReplyOutcome, WriteReply};
    let since = *checked;
    for m in sim.in_flight.values().filter(|m| m.id >= since) {
        *checked = (*checked).max(m.id + 1);
        let (Endpoint::Replica(t), Payload::WriteReply(WriteReply { write, outcome })) =
            (m.source, &m.payload)
        else {
            continue;
        };
        if sim.settings.mode != Mode::Chain || !matches!(outcome, ReplyOutcome::Confirmed { .. }) {
            continue;
        }
        let tail = &sim.replicas[t.index()];
        let last = tail.log.last_position();
        let Some(position) = (1..=last)
            .rev()
            .find(|&p| tail.log.get(p).is_some_and(|e| e.write == *write))
        else {
            return Err(format!(
                "chain_confirmed_write_is_on_every_member: {t} confirmed {write}, which is not in its log"
            ));
        };
        let entry = tail.log.get(position).copied();
        let chain = &tail.chain.config;
        let names: Vec<String> = chain.nodes().iter().map(|n| n.to_string()).collect();
        if tail.role != Role::Leader && chain.nodes().last() != Some(&t) {
            return Err(format!(
                "chain_confirmed_write_is_on_every_member: {t} confirmed {write}, but it is not the tail of the chain it knows ({})",
                names.join(" → ")
            ));
        }
        let Some(&head) = chain.nodes().first() else {
            continue;
        };
        let head_chain = &sim.replicas[head.index()].chain.config;
        let still_members = chain
            .nodes()
            .iter()
            .filter(|&&n| n == head || head_chain.contains(n));
        let copied = sim.file_copy_positions();
        for &member in still_members {
            let held = sim.replicas[member.index()].log.get(position);
            if !same_entry(&copied, position, held, entry.as_ref()) {
                return Err(format!(
                    "chain_confirmed_write_is_on_every_member: {t} confirmed {write} (position {position}), but {member}, a member of its chain ({}), does not hold it",
                    names.join(" → ")
                ));
            }
        }
    }
    Ok(())
}

/// With fencing on, at no instant do two up replicas both hold a valid lease, and so both
/// take writes.
pub fn fenced_leases_never_overlap(sim: &Sim) -> Result<(), String> {
    let holders: Vec<NodeId> = sim
        .replicas
        .iter()
        .filter(|r| r.is_leader() && r.lease_valid_at(sim.now(), &sim.settings, sim.members))
        .map(|r| r.id)
        .collect();
    if holders.len() > 1 {
        return Err(format!(
            "fenced_leases_never_overlap: {holders:?} all hold a lease and take writes"
        ));
    }
    Ok(())
}

/// With fencing on, no deposed leader confirms a write once a newer one was elected.
pub fn fencing_loses_nothing_to_split_brain(sim: &Sim) -> Result<(), String> {
    use replication_sim::sim::LostReason;
    match sim.writes.iter().find(|w| {
        w.lost
            .as_ref()
            .is_some_and(|l| l.reason == LostReason::SplitBrain)
    }) {
        Some(w) => Err(format!(
            "fencing_loses_nothing_to_split_brain: {} ({:?}) lost to split brain",
            w.id, w.outcome
        )),
        None => Ok(()),
    }
}

/// In synchronous mode a confirmed write is on every live member before the client hears
/// of it, so no failover can lose it: every confirmed write is on the current leader (and,
/// with no leader, on some replica, since logs are durable).
pub fn sync_loses_no_confirmed_write(sim: &Sim) -> Result<(), String> {
    let lost: Vec<WriteId> = engine_lost_writes(sim).into_iter().collect();
    if !lost.is_empty() {
        return Err(format!("sync_loses_no_confirmed_write: {lost:?} lost"));
    }
    if let Some(l) = sim.current_leader() {
        let held: std::collections::BTreeSet<WriteId> = sim.replicas[l.index()]
            .log
            .iter()
            .map(|e| e.write)
            .collect();
        if let Some(w) = sim
            .writes
            .iter()
            .find(|w| w.is_confirmed() && !held.contains(&w.id))
        {
            return Err(format!(
                "sync_loses_no_confirmed_write: {} confirmed but not on leader {l}",
                w.id
            ));
        }
    }
    Ok(())
}

/// Semi-synchronous: every write the newest leader confirmed in its own epoch is on at
/// least two replicas (the leader and a synchronous follower).
pub fn semi_sync_keeps_two_copies(sim: &Sim) -> Result<(), String> {
    let Some(l) = newest_leader(sim) else {
        return Ok(());
    };
    let leader = &sim.replicas[l.index()];
    for p in 1..=leader.confirmed.min(leader.log.last_position()) {
        let e = leader.log.get(p).expect("within the log");
        if e.epoch != leader.epoch {
            continue;
        }
        let holders = sim
            .write(e.write)
            .map(|w| w.holders.count_ones())
            .unwrap_or(0);
        if holders < 2 {
            return Err(format!("semi_sync_keeps_two_copies: {} (position {p}) confirmed by {l} but held by {holders} replica(s)", e.write));
        }
    }
    Ok(())
}

fn forced_at_is_empty(s: &Scenario) -> bool {
    !s.events
        .iter()
        .any(|e| matches!(e.action, replication_sim::Action::Failover { .. }))
}

/// Quorum mode with a majority write quorum: a confirmed write is on a majority, every
/// election needs a majority that does not prefer a shorter log, so the newest leader
/// holds every confirmed write (Raft's leader completeness).
pub fn majority_quorum_leader_has_every_confirmed_write(sim: &Sim) -> Result<(), String> {
    let Some(l) = newest_leader(sim) else {
        return Ok(());
    };
    let held: std::collections::BTreeSet<WriteId> = sim.replicas[l.index()]
        .log
        .iter()
        .map(|e| e.write)
        .collect();
    if let Some(w) = sim
        .writes
        .iter()
        .find(|w| w.is_confirmed() && !held.contains(&w.id))
    {
        return Err(format!(
            "majority_quorum_leader_has_every_confirmed_write: {} confirmed ({:?}) but not on {l}",
            w.id, w.outcome
        ));
    }
    Ok(())
}

/// A write the leader refused because its disk was full is on no replica.
pub fn write_refused_for_a_full_disk_is_in_no_log(sim: &Sim) -> Result<(), String> {
    let disk_full = replication_sim::replica::DISK_FULL;
    for w in sim.writes.iter() {
        let refused =
            matches!(&w.outcome, Outcome::Failed { reason, .. } if reason.ends_with(disk_full));
        if refused {
            if let Some(r) = sim
                .replicas
                .iter()
                .find(|r| r.log.iter().any(|e| e.write == w.id))
            {
                return Err(format!(
                    "write_refused_for_a_full_disk_is_in_no_log: {} was refused for a full disk, yet {} holds it",
                    w.id, r.id
                ));
            }
        }
    }
    Ok(())
}

/// Steps the run to its end, checking every invariant after every event.
pub fn run_checked(scenario: &Scenario) -> Result<Sim, String> {
    let mut sim = Sim::new(scenario).map_err(|e| e.to_string())?;
    let mut inv = Invariants::for_scenario(scenario);
    inv.check(&sim)
        .map_err(|e| format!("{e}\n{}", describe(&sim)))?;
    while sim.step() {
        inv.check(&sim)
            .map_err(|e| format!("{e}\n{}", describe(&sim)))?;
    }
    sim.run_to_end();
    Ok(sim)
}

/// After a quiet end (network healed, every replica up, no writes for a while), every up
/// replica that is a member holds exactly the leader's log, and every new follower that
/// did not give up has become a live member.
pub fn quiet_end_converges(sim: &Sim) -> Result<(), String> {
    let Some(l) = sim.current_leader() else {
        return Err("quiet_end_converges: no leader at the end of a quiet run".into());
    };
    let leader = &sim.replicas[l.index()];
    for r in sim.replicas.iter().filter(|r| r.id != l) {
        if !r.up {
            return Err(format!("quiet_end_converges: {} is down at the end", r.id));
        }
        if r.setup.is_some_and(|s| s.phase == SetupPhase::GaveUp) {
            continue;
        }
        if !sim.members.is_live(r.id) {
            return Err(format!(
                "quiet_end_converges: new follower {} never caught up (setup {:?})",
                r.id, r.setup
            ));
        }
        if r.role == Role::Leader {
            return Err(format!(
                "quiet_end_converges: {} still believes it leads epoch {}",
                r.id, r.epoch
            ));
        }
        let copied = sim.file_copy_positions();
        let differ = |p: u64| !same_entry(&copied, p, r.log.get(p), leader.log.get(p));
        if r.log.last_position() != leader.log.last_position()
            || (1..=r.log.last_position()).any(differ)
        {
            let p =
                (1..=r.log.last_position().max(leader.log.last_position())).find(|&p| differ(p));
            return Err(format!(
                "quiet_end_converges: {} ends at position {}, leader {l} at {}; first difference at {p:?}",
                r.id,
                r.log.last_position(),
                leader.log.last_position()
            ));
        }
    }
    Ok(())
}

/// Writes whose outcome is `Confirmed`, in the order they were invoked.
pub fn confirmed(sim: &Sim) -> Vec<WriteId> {
    sim.writes
        .iter()
        .filter(|w| matches!(w.outcome, Outcome::Confirmed { .. }))
        .map(|w| w.id)
        .collect()
}
