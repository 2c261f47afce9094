//! One test per preset in `scenarios/`, each asserting the lesson the preset's description
//! teaches, in the chapter's terms: who confirmed what, what was lost and why, who leads.

mod support;

use replication_sim::ids::WriteId;
use replication_sim::replica::SetupPhase;
use replication_sim::scenario::SettingsChange;
use replication_sim::sim::{LostReason, NoteKind, Outcome, WriteRecord};
use replication_sim::{Action, Mode, Scenario, Sim, ViewOptions};
use support::*;

fn at_of(s: &Scenario, pred: impl Fn(&Action) -> bool) -> u64 {
    s.events
        .iter()
        .find(|e| pred(&e.action))
        .map(|e| e.at_ms)
        .expect("the preset has this action")
}

fn notes_of(sim: &Sim, kind: NoteKind) -> Vec<(u64, String)> {
    sim.notes
        .iter()
        .filter(|n| n.kind == kind)
        .map(|n| (n.at_ms, n.text.clone()))
        .collect()
}

fn lost(sim: &Sim) -> Vec<&WriteRecord> {
    sim.writes.iter().filter(|w| w.lost.is_some()).collect()
}

fn confirmed_at(w: &WriteRecord) -> u64 {
    w.confirmed_at().expect("a lost write was confirmed first")
}

fn median(mut v: Vec<u64>) -> u64 {
    assert!(!v.is_empty());
    v.sort_unstable();
    v[(v.len() - 1) / 2]
}

fn latencies(sim: &Sim, invoked: std::ops::Range<u64>) -> Vec<u64> {
    sim.writes
        .iter()
        .filter(|w| invoked.contains(&w.invoked_at))
        .filter_map(|w| w.confirmed_at().map(|c| c - w.invoked_at))
        .collect()
}

fn log_ids(sim: &Sim, i: u8) -> Vec<WriteId> {
    sim.replicas[n(i).index()]
        .log
        .iter()
        .map(|e| e.write)
        .collect()
}

/// Asynchronous replication: the leader confirms writes its followers do not have yet; when
/// it crashes, the writes it confirmed in its last moments are lost, and it throws them
/// away when it comes back as a follower.
#[test]
fn async_failover_loses_the_writes_confirmed_in_the_leaders_last_moments() {
    let s = preset("async-failover");
    let crash_at = at_of(&s, |a| matches!(a, Action::Crash { .. }));
    let restart_at = at_of(&s, |a| matches!(a, Action::Restart { .. }));
    let sim = run_checked(&s).unwrap();

    let lost = lost(&sim);
    assert!(!lost.is_empty(), "some confirmed writes must be lost");
    // A write reaches the followers one link latency (plus jitter) after the leader has it,
    // so only those confirmed in that last window can be missing from the new leader.
    let window = s.cluster.latency_ms + s.cluster.jitter_ms + s.cluster.client_latency_ms;
    for w in &lost {
        let l = w.lost.as_ref().unwrap();
        assert_eq!(
            l.reason,
            LostReason::LeaderCrashedBeforeReplicating,
            "{}",
            w.id
        );
        assert_eq!(l.reason.code(), "leader_crashed_before_replicating");
        assert_eq!(l.confirmed_by, n(1));
        assert!(
            confirmed_at(w) <= crash_at && confirmed_at(w) + window >= crash_at,
            "{} confirmed at {} ms",
            w.id,
            confirmed_at(w)
        );
    }
    // Everything confirmed earlier survived the failover.
    for w in sim
        .writes
        .iter()
        .filter(|w| w.is_confirmed() && confirmed_at(w) + window < crash_at)
    {
        assert!(
            w.lost.is_none(),
            "{} was confirmed long before the crash",
            w.id
        );
    }
    // A follower took over in a new epoch, and the writes are not on it.
    let leader = sim.current_leader().unwrap();
    assert_ne!(leader, n(1));
    assert_eq!(sim.replicas[leader.index()].epoch, 2);
    let on_leader = log_ids(&sim, leader.0 + 1);
    assert!(lost.iter().all(|w| !on_leader.contains(&w.id)));

    // The old leader came back as a follower and discarded exactly those writes (and any
    // it had not confirmed yet), saying so.
    let discarded: Vec<_> = sim
        .notes
        .iter()
        .filter(|x| x.kind == NoteKind::Discarded && x.node == Some(n(1)))
        .collect();
    assert_eq!(discarded.len(), 1, "{discarded:?}");
    assert!(discarded[0].at_ms > restart_at);
    assert!(lost.iter().all(|w| discarded[0].writes.contains(&w.id)));
    assert!(discarded[0].text.contains("had been confirmed to clients"));
    assert_eq!(
        sim.replicas[0].role,
        replication_sim::replica::Role::Follower
    );
    assert_eq!(
        log_ids(&sim, 1),
        on_leader,
        "n1 ends with the new leader's log"
    );
    // The report says the same.
    let report = sim.report();
    assert_eq!(report.lost_writes.len(), lost.len());
    assert!(report
        .writes
        .iter()
        .filter(|w| w.status == "lost")
        .all(|w| w.lost_reason.as_deref() == Some("leader_crashed_before_replicating")));
}

/// Synchronous replication costs latency (every write waits for the slowest follower), and
/// one dead follower blocks every write until it comes back; nothing is lost.
#[test]
fn sync_is_slower_than_async_and_a_dead_follower_blocks_every_write() {
    let s = preset("sync-vs-async");
    let sync_at = at_of(&s, |a| {
        matches!(
            a,
            Action::Set(SettingsChange {
                mode: Some(Mode::Sync),
                ..
            })
        )
    });
    let crash_at = at_of(&s, |a| matches!(a, Action::Crash { .. }));
    let restart_at = at_of(&s, |a| matches!(a, Action::Restart { .. }));
    let mut sim = Sim::new(&s).unwrap();

    // While n3 is down, writes pile up at the leader, blocked, and none is confirmed.
    sim.run_until(crash_at + 1_000);
    let blocked = sim.blocked_writes();
    assert!(!blocked.is_empty(), "writes wait for the dead follower");
    assert!(sim.view(&ViewOptions::default()).counts.blocked > 0);
    sim.run_until(restart_at - 1);
    let invoked_while_down: Vec<WriteId> = sim
        .writes
        .iter()
        .filter(|w| w.invoked_at > crash_at + 100)
        .map(|w| w.id)
        .collect();
    assert!(invoked_while_down.len() > 20);
    assert!(
        invoked_while_down
            .iter()
            .all(|&w| sim.write(w).unwrap().outcome == Outcome::Pending),
        "no write is confirmed while n3 is down"
    );
    assert!(sim.blocked_writes().len() >= invoked_while_down.len() - 10);

    sim.run_to_end();
    // Async phase: confirmed after the leader's own write, one client round trip.
    let async_median = median(latencies(&sim, 0..sync_at));
    // Sync phase: also a round trip to the slowest follower.
    let sync_median = median(latencies(&sim, sync_at + 200..crash_at - 200));
    assert!(
        async_median <= 2 * (s.cluster.client_latency_ms + s.cluster.jitter_ms),
        "async median {async_median} ms"
    );
    assert!(
        sync_median > async_median + s.cluster.latency_ms,
        "sync median {sync_median} ms vs async {async_median} ms"
    );
    // Once n3 is back and caught up, the blocked writes are confirmed; none was lost.
    assert!(invoked_while_down.iter().all(|&w| sim
        .write(w)
        .unwrap()
        .confirmed_at()
        .is_some_and(|t| t > restart_at)));
    assert!(lost(&sim).is_empty());
    assert_eq!(sim.report().metrics.pending, 0);
    assert!(run_checked(&s).is_ok());
}

/// Semi-synchronous: when the synchronous follower fails, an asynchronous one is made
/// synchronous and writes keep flowing; every confirmed write is on two replicas, so the
/// leader's crash loses nothing.
#[test]
fn semi_sync_promotes_another_follower_and_loses_nothing() {
    let s = preset("semi-sync");
    let n2_crash = s.events[0].at_ms;
    let n2_restart = s.events[1].at_ms;
    let n1_crash = s.events[2].at_ms;
    assert!(matches!(s.events[2].action, Action::Crash { node } if node == n(1)));
    let mut sim = Sim::new(&s).unwrap();
    sim.run_until(n2_crash - 1);
    assert_eq!(
        sim.replicas[0].sync_follower,
        Some(n(2)),
        "n2 starts as the synchronous follower"
    );
    let view = sim.view(&ViewOptions::default());
    assert!(view.replicas[1].sync_follower && !view.replicas[2].sync_follower);

    sim.run_until(n2_restart - 1);
    assert_eq!(
        sim.replicas[0].sync_follower,
        Some(n(3)),
        "n3 took over after n2 crashed"
    );
    let changed = notes_of(&sim, NoteKind::Sync);
    assert_eq!(changed.len(), 1);
    assert!(
        changed[0].0 > n2_crash
            && changed[0].0
                <= n2_crash + s.cluster.sync_timeout_ms.unwrap() + s.cluster.heartbeat_ms + 100
    );
    assert!(
        changed[0].1.contains("n3 is now the synchronous follower"),
        "{}",
        changed[0].1
    );
    // Writes kept being confirmed while n2 was down, after the switch.
    let while_down = latencies(&sim, changed[0].0 + 100..n2_restart - 500);
    assert!(
        while_down.len() > 10 && while_down.iter().all(|&l| l < 500),
        "{while_down:?}"
    );

    sim.run_to_end();
    assert!(lost(&sim).is_empty(), "the leader's crash lost nothing");
    let leader = sim.current_leader().expect("a new leader");
    assert_ne!(leader, n(1));
    let on_leader = log_ids(&sim, leader.0 + 1);
    for w in sim.writes.iter().filter(|w| w.is_confirmed()) {
        assert!(
            on_leader.contains(&w.id),
            "{} confirmed but not on the new leader",
            w.id
        );
    }
    assert!(
        sim.writes
            .iter()
            .any(|w| w.confirmed_at().is_some_and(|t| t > n1_crash + 1_000)),
        "writes flow again after the failover"
    );
    assert!(run_checked(&s).is_ok());
}

/// Follower failure: the follower's log survives the crash; on restart it asks for
/// everything after its last position and ends with exactly the leader's log.
#[test]
fn a_restarted_follower_catches_up_from_its_last_log_position() {
    let s = preset("follower-catch-up");
    let crash_at = s.events[0].at_ms;
    let restart_at = s.events[1].at_ms;
    let mut sim = Sim::new(&s).unwrap();
    sim.run_until(crash_at);
    let at_crash = sim.replicas[1].log.clone();
    sim.run_until(restart_at - 1);
    assert!(!sim.replicas[1].up);
    assert_eq!(sim.replicas[1].log, at_crash, "a crash keeps the log");
    assert!(
        sim.replicas[0].log.last_position() > at_crash.last_position() + 50,
        "the leader went on"
    );

    sim.run_to_end();
    let catch_up = notes_of(&sim, NoteKind::CatchUp);
    assert_eq!(catch_up.len(), 1);
    assert!(
        catch_up[0]
            .1
            .contains(&format!("after log position {}", at_crash.last_position())),
        "{}",
        catch_up[0].1
    );
    assert_eq!(
        sim.replicas[1].log, sim.replicas[0].log,
        "n2 ends with exactly the leader's log"
    );
    assert_eq!(sim.current_leader(), Some(n(1)));
    assert_eq!(sim.max_epoch(), 1, "a follower's crash needs no failover");
    assert!(
        sim.writes.iter().all(|w| w.is_confirmed()),
        "clients never noticed"
    );
    assert!(run_checked(&s).is_ok());
}

/// A new follower: a consistent snapshot at an exact log position, copied while writes go
/// on, then every change since that position; it ends identical to the leader.
#[test]
fn a_new_follower_starts_from_a_snapshot_at_an_exact_position() {
    let s = preset("new-follower-snapshot");
    let join_at = s.events[0].at_ms;
    let mut sim = Sim::new(&s).unwrap();
    sim.run_until(join_at - 1);
    assert_eq!(sim.replicas.len(), 3);

    // Step until the leader takes the snapshot, and note its log position then.
    let mut taken = None;
    while taken.is_none() {
        assert!(sim.step());
        if let Some(note) = sim.notes.last().filter(|x| {
            x.kind == NoteKind::Snapshot && x.text.contains("took a consistent snapshot")
        }) {
            taken = Some((
                sim.now(),
                sim.replicas[0].log.last_position(),
                note.text.clone(),
            ));
        }
    }
    let (taken_at, position, text) = taken.unwrap();
    assert!(
        text.contains(&format!("at log position {position}")),
        "{text}"
    );
    assert!(
        !sim.members.is_live(n(4)),
        "n4 is not a live member while it is set up"
    );

    // Run until it is live, checking the snapshot it installed.
    let mut installed = None;
    while !sim.members.is_live(n(4)) {
        assert!(sim.step());
        let r = &sim.replicas[3];
        if installed.is_none() && r.log.snapshot_position > 0 {
            installed = Some(sim.now());
            assert_eq!(
                r.log.snapshot_position, position,
                "installed at exactly the position it was taken"
            );
            assert_eq!(
                r.log.slice(1, position),
                sim.replicas[0].log.slice(1, position),
                "the snapshot is the leader's log up to there"
            );
            assert!(
                matches!(r.setup.unwrap().phase, SetupPhase::CatchingUp { from } if from == position)
            );
        }
    }
    let installed_at = installed.expect("a snapshot was installed");
    // Copying 5,000 rows at 10,000 rows per second takes about half a second.
    let copy_ms = installed_at - taken_at;
    assert!((450..=700).contains(&copy_ms), "copying took {copy_ms} ms");
    let caught_up = notes_of(&sim, NoteKind::CaughtUp);
    assert_eq!(caught_up.len(), 1);
    assert!(
        sim.replicas[0].log.last_position() > position + 20,
        "writes went on while the snapshot was copied"
    );

    sim.run_to_end();
    assert!(
        sim.replicas[3].log.iter().eq(sim.replicas[0].log.iter()),
        "n4 ends identical to the leader"
    );
    assert_eq!(sim.replicas[3].log.snapshot_position, position);
    assert_eq!(sim.state_of(n(4)), sim.state_of(n(1)));
    assert!(
        sim.writes.iter().all(|w| w.is_confirmed()),
        "no client write failed or waited during the set-up"
    );
    assert!(
        median(latencies(&sim, taken_at..installed_at)) <= median(latencies(&sim, 0..join_at)) + 5,
        "writes were never locked"
    );
    assert!(run_checked(&s).is_ok());
}

/// When copying the snapshot takes longer than the leader keeps its log, the new follower
/// is told the position is gone, takes a new snapshot, and never becomes a live member.
#[test]
fn a_snapshot_older_than_the_log_retention_cannot_catch_up() {
    let s = preset("snapshot-too-old");
    let mut sim = Sim::new(&s).unwrap();
    let mut ever_live = false;
    while sim.step() {
        ever_live |= sim.replicas.len() > 3 && sim.members.is_live(n(4));
    }
    sim.run_to_end();
    assert!(!ever_live, "n4 never becomes a live member");
    let too_old: Vec<_> = notes_of(&sim, NoteKind::Snapshot)
        .into_iter()
        .filter(|(_, t)| t.contains("needs log position"))
        .collect();
    let taken: Vec<_> = notes_of(&sim, NoteKind::Snapshot)
        .into_iter()
        .filter(|(_, t)| t.contains("took a consistent snapshot"))
        .collect();
    assert!(too_old.len() >= 2, "{too_old:?}");
    assert_eq!(taken.len(), too_old.len(), "each time it is told the position is gone, it retries with a new snapshot, until it gives up");
    assert!(too_old
        .iter()
        .all(|(_, t)| t.contains("it keeps 40 entries")));
    assert!(too_old.windows(2).all(|w| w[0].0 < w[1].0));
    assert_eq!(
        sim.replicas[3].setup.map(|x| x.phase),
        Some(SetupPhase::GaveUp)
    );
    assert_eq!(
        sim.view(&ViewOptions::default()).replicas[3].role,
        replication_sim::view::ReplicaRole::NewFollower
    );
    // The rest of the cluster never noticed.
    assert!(sim.writes.iter().all(|w| w.is_confirmed()));
    assert!(run_checked(&s).is_ok());
}

/// Split brain: without fencing, a leader cut off by a partition goes on confirming writes
/// while the majority elects another; both take writes at once, and the old leader's are
/// lost when the partition heals.
#[test]
fn without_fencing_two_leaders_take_writes_and_the_old_ones_are_lost() {
    let s = preset("split-brain");
    assert!(!s.cluster.fencing);
    let heal_at = at_of(&s, |a| matches!(a, Action::Heal));
    let mut sim = Sim::new(&s).unwrap();
    let mut two_leaders_at = None;
    while sim.step() {
        let leaders: Vec<(u32, u32)> = sim
            .replicas
            .iter()
            .filter(|r| r.is_leader())
            .map(|r| (r.id.0 as u32, r.epoch))
            .collect();
        if leaders.len() == 2 && leaders[0].1 != leaders[1].1 && two_leaders_at.is_none() {
            two_leaders_at = Some(sim.now());
        }
    }
    let t = two_leaders_at.expect("at some instant two replicas lead different epochs");
    assert!(t < heal_at);
    let split: Vec<&WriteRecord> = lost(&sim)
        .into_iter()
        .filter(|w| w.lost.as_ref().unwrap().reason == LostReason::SplitBrain)
        .collect();
    assert!(
        split.len() > 10,
        "writes lost to split brain: {}",
        split.len()
    );
    for w in &split {
        let l = w.lost.as_ref().unwrap();
        assert_eq!(l.confirmed_by, n(1));
        assert_eq!(l.reason.code(), "split_brain");
        assert!(
            confirmed_at(w) > t,
            "confirmed by n1 while another leader was taking writes"
        );
        assert!(matches!(
            w.outcome,
            Outcome::Confirmed {
                epoch: 1,
                newer_leader_existed: true,
                ..
            }
        ));
    }
    // The new leader confirmed writes at the same time (c2's, on the majority side).
    let new_leader = sim.current_leader().unwrap();
    assert!(sim.writes.iter().any(|w| matches!(w.outcome, Outcome::Confirmed { by, at, .. } if by == new_leader && at > t && at < heal_at)));
    // After the heal n1 stepped down and discarded what it had confirmed alone.
    assert!(notes_of(&sim, NoteKind::StepDown)
        .iter()
        .any(|(at, text)| *at > heal_at && text.starts_with("n1 learned of a newer epoch")));
    let n1 = log_ids(&sim, 1);
    assert!(split.iter().all(|w| !n1.contains(&w.id)));
    assert_eq!(sim.replicas[0].log, sim.replicas[new_leader.index()].log);
}

/// With fencing, the cut-off leader stops taking writes before another can be elected,
/// and replicas refuse its stale epoch: no write is lost to split brain.
#[test]
fn with_fencing_the_cut_off_leader_refuses_writes_and_no_split_brain_loses_any() {
    let s = preset("split-brain-fenced");
    assert!(s.cluster.fencing);
    let partition_at = at_of(&s, |a| matches!(a, Action::Partition { .. }));
    let mut sim = Sim::new(&s).unwrap();
    let mut new_leader_at = None;
    while sim.step() {
        fenced_leases_never_overlap(&sim).unwrap();
        let leaders = sim.replicas.iter().filter(|r| r.is_leader()).count();
        if sim.max_epoch() > 1 && new_leader_at.is_none() {
            new_leader_at = Some(sim.now());
            assert_eq!(
                leaders, 1,
                "n1 had already stepped down when the new leader was elected"
            );
        }
    }
    let elected = new_leader_at.expect("the majority elects a new leader");
    assert!(lost(&sim)
        .iter()
        .all(|w| w.lost.as_ref().unwrap().reason != LostReason::SplitBrain));
    // n1 confirmed nothing once another leader existed.
    assert!(sim.writes.iter().all(
        |w| !matches!(w.outcome, Outcome::Confirmed { by, at, .. } if by == n(1) && at >= elected)
    ));
    let fencing = notes_of(&sim, NoteKind::Fencing);
    let stopped = fencing
        .iter()
        .find(|(_, t)| t.starts_with("n1 has not heard from a majority"))
        .expect("n1 stops taking writes");
    assert!(stopped.0 > partition_at && stopped.0 < elected);
    // From then on it refused c1's writes rather than confirm them: every one failed.
    let heal_at = at_of(&s, |a| matches!(a, Action::Heal));
    let to_n1: Vec<&WriteRecord> = sim
        .writes
        .iter()
        .filter(|w| w.client.0 == 0 && w.invoked_at > stopped.0 && w.invoked_at < heal_at)
        .collect();
    assert!(to_n1.len() > 20);
    for w in to_n1 {
        assert!(
            matches!(&w.outcome, Outcome::Failed { reason, .. } if reason.starts_with("refused by n1") || reason.starts_with("n1 is not the leader")),
            "{}: {:?}",
            w.id,
            w.outcome
        );
    }
    // Whatever n1 confirmed before it stopped was never replicated (asynchronous), and is
    // lost as such, not to split brain.
    assert!(lost(&sim).iter().all(|w| confirmed_at(w) < stopped.0
        && w.lost.as_ref().unwrap().reason == LostReason::DiscardedOnDemotion));
    assert!(run_checked(&s).is_ok());
}

/// Chain replication: the tail confirms; a crashed node is spliced out, and it rejoins at
/// the tail once back.
#[test]
fn chain_confirms_at_the_tail_and_splices_out_a_crashed_node() {
    let s = preset("chain");
    let crash_at = s.events[0].at_ms;
    let restart_at = s.events[1].at_ms;
    let mut sim = Sim::new(&s).unwrap();
    sim.run_until(crash_at - 1);
    assert_eq!(
        sim.replicas[0].chain.config.nodes(),
        &[n(1), n(2), n(3), n(4)]
    );
    let before: Vec<&WriteRecord> = sim.writes.iter().filter(|w| w.is_confirmed()).collect();
    assert!(before.len() > 20);
    assert!(
        before
            .iter()
            .all(|w| matches!(w.outcome, Outcome::Confirmed { by, .. } if by == n(4))),
        "the tail n4 confirms"
    );

    sim.run_until(restart_at - 1);
    let chains = notes_of(&sim, NoteKind::Chain);
    let spliced = chains
        .iter()
        .find(|(_, t)| t.contains("n2 spliced out"))
        .expect("n2 is spliced out");
    assert!(spliced.1.contains("n1 → n3 → n4"), "{}", spliced.1);
    assert!(
        spliced.0 > crash_at
            && spliced.0 <= crash_at + s.cluster.failover_timeout_ms + s.cluster.heartbeat_ms
    );
    assert_eq!(sim.replicas[0].chain.config.nodes(), &[n(1), n(3), n(4)]);

    sim.run_to_end();
    assert_eq!(
        sim.replicas[0].chain.config.nodes(),
        &[n(1), n(3), n(4), n(2)],
        "n2 rejoined at the tail"
    );
    let rejoined = notes_of(&sim, NoteKind::Chain)
        .into_iter()
        .find(|(at, _)| *at > restart_at)
        .unwrap();
    // From then on the new tail, n2, confirms.
    let late: Vec<&WriteRecord> = sim
        .writes
        .iter()
        .filter(|w| w.invoked_at > rejoined.0 + 200)
        .collect();
    assert!(late.len() > 20);
    assert!(late
        .iter()
        .all(|w| matches!(w.outcome, Outcome::Confirmed { by, .. } if by == n(2))));
    assert!(sim.writes.iter().all(|w| w.is_confirmed()) && lost(&sim).is_empty());
    assert_eq!(sim.max_epoch(), 1, "no failover: the head never failed");
    for i in 2..=4 {
        assert_eq!(sim.replicas[i - 1].log, sim.replicas[0].log);
    }
    assert!(run_checked(&s).is_ok());
}

/// A failover timeout that is too short turns a load spike into a needless failover; a
/// longer one rides it out.
#[test]
fn a_too_short_failover_timeout_causes_a_needless_failover() {
    let s = preset("short-timeout");
    assert!(s.events.iter().all(|e| !matches!(
        e.action,
        Action::Crash { .. } | Action::Partition { .. } | Action::Isolate { .. }
    )));
    let sim = run_checked(&s).unwrap();
    assert!(
        sim.max_epoch() > 1,
        "a failover happened although no replica crashed"
    );
    assert!(sim.replicas.iter().all(|r| r.up));
    assert_ne!(sim.current_leader(), Some(n(1)));
    let elections = notes_of(&sim, NoteKind::Election);
    assert!(elections
        .iter()
        .any(|(_, t)| t.contains("heard nothing from n1")));
    // The leader stopped taking writes once it no longer heard back in time, and writes
    // failed until the clients learned of the new leader.
    let spike_at = s.events[0].at_ms;
    assert!(notes_of(&sim, NoteKind::Fencing)
        .iter()
        .any(|(at, t)| *at > spike_at && t.starts_with("n1 has not heard from a majority")));
    let failed: Vec<u64> = sim
        .writes
        .iter()
        .filter(|w| matches!(w.outcome, Outcome::Failed { .. }))
        .map(|w| w.invoked_at)
        .collect();
    assert!(failed.len() > 10, "writes fail during the election");
    let elected = notes_of(&sim, NoteKind::Leader)
        .iter()
        .map(|(at, _)| *at)
        .find(|&at| at > spike_at)
        .unwrap();
    // Until the clients learn of the new leader: its notice takes a client latency (and
    // jitter) to reach them, and a write sent meanwhile still goes to n1.
    let notice_ms = s.cluster.client_latency_ms + s.cluster.jitter_ms;
    assert!(
        failed
            .iter()
            .all(|&t| t > spike_at && t <= elected + notice_ms),
        "only while there was no leader to take them"
    );

    let mut patient = s.clone();
    patient.cluster.failover_timeout_ms = 1000;
    let sim = run_checked(&patient).unwrap();
    assert_eq!(
        sim.max_epoch(),
        1,
        "with a 1000 ms timeout the spike causes no failover"
    );
    assert_eq!(sim.current_leader(), Some(n(1)));
    assert!(notes_of(&sim, NoteKind::Election).is_empty());
    assert!(sim.writes.iter().all(|w| w.is_confirmed()));
}

/// Reading from an asynchronous follower may miss the reader's own confirmed write, and two
/// reads from different followers may go back in time; reading from the leader does
/// neither.
#[test]
fn reads_from_lagging_followers_miss_own_writes_and_go_back_in_time() {
    let s = preset("reads-and-lag");
    let switch_at = at_of(&s, |a| matches!(a, Action::Set(_)));
    let sim = run_checked(&s).unwrap();
    let before: Vec<_> = sim
        .reads
        .iter()
        .filter(|r| r.invoked_at < switch_at && r.answered_at.is_some())
        .collect();
    let after: Vec<_> = sim
        .reads
        .iter()
        .filter(|r| r.invoked_at > switch_at && r.answered_at.is_some())
        .collect();
    assert!(before.len() > 20 && after.len() > 20);
    assert!(
        before.iter().all(|r| r.target != n(1)),
        "reads go to followers first"
    );
    let stale: Vec<_> = before.iter().filter(|r| r.stale_own_write).collect();
    assert!(
        !stale.is_empty(),
        "some read misses the client's own confirmed write"
    );
    for r in &stale {
        let own = r
            .own_confirmed
            .expect("a read-your-writes violation is about a confirmed write");
        assert!(sim.write(own).unwrap().is_confirmed());
        assert_ne!(r.value, Some(own));
        assert!(r.behind > 0, "it came from a follower that was behind");
    }
    assert!(
        before.iter().any(|r| r.went_back),
        "some read returns an older value than the one before"
    );
    assert!(
        before.iter().any(|r| r.target == n(3) && r.behind > 0),
        "n3, behind its slow link, lags"
    );
    // From the leader: every read sees the client's own writes, and never goes back.
    assert!(after
        .iter()
        .all(|r| r.target == n(1) && !r.stale_own_write && !r.went_back));
    assert!(notes_of(&sim, NoteKind::Anomaly)
        .iter()
        .all(|(at, _)| *at < switch_at + 500));
    assert!(lost(&sim).is_empty(), "a stale read is not a lost write");
}

/// There is one test above per preset, and every preset runs clean under the invariants.
#[test]
fn every_preset_has_a_lesson_test_and_holds_the_invariants() {
    let dir = format!("{}/../scenarios", env!("CARGO_MANIFEST_DIR"));
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            e.ok()?
                .file_name()
                .to_str()?
                .strip_suffix(".json")
                .map(String::from)
        })
        .collect();
    on_disk.sort();
    let mut known: Vec<String> = presets().iter().map(|s| s.to_string()).collect();
    known.sort();
    assert_eq!(on_disk, known, "a new preset needs a lesson test here");
    for name in presets() {
        let s = preset(name);
        assert!(
            s.description.as_deref().is_some_and(|d| d.len() > 50),
            "{name} says what it teaches"
        );
        run_checked(&s).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn every_prediction_is_judged_by_the_lessons_checks_on_the_run() {
    use replication_sim::lessons::{Judgement, LESSONS};
    for lesson in LESSONS {
        let p = &lesson.prediction;
        assert!(
            (2..=4).contains(&p.choices.len()) && p.answer < p.choices.len(),
            "{}: 2 to 4 answers, one of them the chapter's",
            lesson.id
        );
        let mut sim = Sim::new(&lesson.preset().scenario().unwrap()).unwrap();
        sim.run_to_end();
        for (i, _) in p.choices.iter().enumerate() {
            let expected = if i == p.answer {
                Judgement::Agreed
            } else {
                Judgement::Disagreed {
                    shown: p.choices[p.answer],
                }
            };
            assert_eq!(lesson.judge(&sim, i), expected, "{}, answer {i}", lesson.id);
        }
    }
}

#[test]
fn a_run_that_does_not_show_the_lesson_judges_no_prediction() {
    // The reader made the failover lesson synchronous: nothing confirmed is lost, so the
    // run bears out none of the answers about losing writes.
    use replication_sim::lessons::{Judgement, Lesson};
    let lesson = Lesson::by_id("async-failover").unwrap();
    let mut s = lesson.preset().scenario().unwrap();
    s.cluster.mode = Mode::Sync;
    let mut sim = Sim::new(&s).unwrap();
    sim.run_to_end();
    assert!(lost(&sim).is_empty());
    for i in 0..lesson.prediction.choices.len() {
        assert_eq!(lesson.judge(&sim, i), Judgement::NotShown);
    }
}
