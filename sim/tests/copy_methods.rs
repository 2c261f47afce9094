//! Setting up new followers: the chapter weighs ways of giving a new follower the leader's
//! data. A locked copy is consistent, but "would go against our goal of high
//! availability"; a snapshot at an exact log position is consistent and takes no lock.
//! A copy of the data files taken while writes continue "would see different parts of the
//! database at different points in time": the result may match no state the leader ever
//! had. The same cluster and workload, copied each way.

mod support;

use replication_sim::ids::NodeId;
use replication_sim::scenario::CopyMethod;
use replication_sim::sim::{NoteKind, Outcome};
use replication_sim::{Action, Scenario, Sim};
use support::*;

fn instant_of(sim: &Sim, text: &str) -> u64 {
    sim.notes
        .iter()
        .find(|n| n.text.contains(text))
        .map(|n| n.at_ms)
        .unwrap_or_else(|| panic!("no note says {text:?}\n{}", describe(sim)))
}

fn same_log_as_leader(sim: &Sim, n: NodeId) -> bool {
    let l = sim.current_leader().expect("a leader at the end");
    let ids = |r: NodeId| -> Vec<_> {
        sim.replicas[r.index()]
            .log
            .iter()
            .map(|e| e.write)
            .collect()
    };
    ids(l) == ids(n)
}

#[test]
fn the_locked_copy_preset_is_the_snapshot_preset_with_another_method() {
    let (locked, snap) = (
        preset("new-follower-locked-copy"),
        preset("new-follower-snapshot"),
    );
    let mut same = snap.clone();
    same.title = locked.title.clone();
    same.description = locked.description.clone();
    same.events[0].action = Action::AddFollower {
        method: CopyMethod::LockedCopy,
    };
    assert_eq!(same, locked);
}

#[test]
fn a_locked_copy_is_consistent_but_every_write_waits_while_it_runs() {
    let sim = run_checked(&preset("new-follower-locked-copy")).unwrap();
    let locked_at = instant_of(&sim, "locks the database against writes");
    let unlocked_at = instant_of(&sim, "unlocks the database");
    assert!(unlocked_at > locked_at + 400, "{locked_at}..{unlocked_at}");
    // Every write that arrived at the leader during the lock was confirmed only after it.
    let during: Vec<_> = sim
        .writes
        .iter()
        .filter(|w| w.invoked_at > locked_at && w.invoked_at + 20 < unlocked_at)
        .collect();
    assert!(
        during.len() >= 20,
        "{} writes during the lock",
        during.len()
    );
    for w in &during {
        let at = w.confirmed_at().expect("confirmed once unlocked");
        assert!(
            at > unlocked_at,
            "{} confirmed at {at} ms, during the lock",
            w.id
        );
    }
    let report = sim.report();
    assert!(
        report.metrics.blocked_by_lock as usize >= during.len(),
        "{:?}",
        report.metrics
    );
    assert_eq!(report.metrics.writes_locked_ms, unlocked_at - locked_at);
    // And the copy is consistent: n4 follows from the locked position and ends equal.
    assert!(same_log_as_leader(&sim, NodeId(3)), "{}", describe(&sim));
    assert!(sim.members.is_live(NodeId(3)));
    quiet_end_converges(&sim).unwrap();
}

#[test]
fn during_the_lock_the_waiting_writes_are_shown_as_blocked() {
    let mut sim = Sim::new(&preset("new-follower-locked-copy")).unwrap();
    sim.run_until(1_400);
    let blocked = sim.blocked_writes();
    assert!(!blocked.is_empty());
    for w in blocked {
        assert_eq!(sim.writes.get(w.index()).unwrap().outcome, Outcome::Pending);
    }
}

#[test]
fn the_snapshot_takes_no_lock_and_the_clients_never_notice() {
    let locked = run(&preset("new-follower-locked-copy"));
    let snap = run(&preset("new-follower-snapshot"));
    let p99 = |s: &Sim| s.report().metrics.latency_p99_ms.unwrap();
    assert!(p99(&snap) < 100, "snapshot p99 {} ms", p99(&snap));
    assert!(p99(&locked) > 400, "locked copy p99 {} ms", p99(&locked));
    assert_eq!(snap.write_lock_figures(), (0, 0));
    assert!(same_log_as_leader(&snap, NodeId(3)) && same_log_as_leader(&locked, NodeId(3)));
    assert!(snap
        .notes
        .iter()
        .all(|n| n.kind != NoteKind::Snapshot || !n.text.contains("locks")));
}

#[test]
fn a_leader_that_crashes_during_the_lock_fails_only_the_writes_it_held() {
    // The lock is volatile: the leader dies, its held writes fail with the connection,
    // and the next leader takes writes again.
    let mut s = preset("new-follower-locked-copy");
    s.events.push(replication_sim::TimedAction {
        at_ms: 1_300,
        action: Action::Crash { node: NodeId(0) },
    });
    let sim = run_checked(&s).unwrap();
    assert!(sim.current_leader().is_some_and(|l| l != NodeId(0)));
    assert!(sim.writes.iter().last().unwrap().is_confirmed());
}

#[test]
fn an_unknown_method_is_refused_naming_the_allowed_ones() {
    let json = r#"{"version": 1, "cluster": {"nodes": 3, "mode": "async"},
                  "events": [{"at_ms": 5, "action": "add_follower", "method": "rsync"}]}"#;
    let e = Scenario::from_json(json).unwrap_err().to_string();
    assert!(
        e.contains("events[0].method") && e.contains("snapshot, locked_copy, file_copy"),
        "{e}"
    );
    // The default is left out when written, so links made before the choice are unchanged.
    let s = preset("new-follower-snapshot");
    assert!(!s.to_json().contains("method"));
    let s = preset("new-follower-locked-copy");
    assert!(
        s.to_json().contains(r#""method":"locked_copy""#),
        "{}",
        s.to_json()
    );
    assert_eq!(Scenario::from_json(&s.to_json()).unwrap(), s);
}

#[test]
fn a_file_copy_matches_no_state_the_leader_ever_had_and_differs_for_good() {
    let sim = run_checked(&preset("new-follower-file-copy")).unwrap();
    let report = sim.report();
    let copy = &report.file_copies[0];
    assert!(!copy.matches_a_leader_state, "{copy:?}");
    assert!(!copy.missing_writes.is_empty());
    // The engine names a missing write and a later one the copy holds, in plain words.
    assert!(
        copy.finding.contains("matches no state n1 ever had")
            && copy.finding.contains("but not")
            && copy.finding.contains("written before it"),
        "{}",
        copy.finding
    );
    assert!(sim.notes.iter().any(|n| n.text == copy.finding));
    // No log position: n4 follows from where the leader was when the copy ended, so the
    // missed writes never reach it; its log and its data differ from the leader's for good.
    let finished = instant_of(&sim, "finished copying its files to n4");
    let leader_then = sim
        .position_log
        .iter()
        .filter(|(t, n, _)| *n == NodeId(0) && (*t as u64) <= finished)
        .map(|(_, _, p)| *p as u64)
        .next_back()
        .unwrap();
    assert_eq!(copy.position, leader_then);
    assert!(sim.members.is_live(NodeId(3)), "n4 follows live");
    assert!(!same_log_as_leader(&sim, NodeId(3)));
    let state = sim.state_of(NodeId(3));
    let leader_state = sim.state_of(NodeId(0));
    let differing: Vec<&String> = leader_state
        .iter()
        .filter(|(k, v)| state.get(*k) != Some(v))
        .map(|(k, _)| k)
        .collect();
    assert!(!differing.is_empty());
    let d = &report.differs_from_leader[0];
    assert_eq!(d.replica, "n4");
    assert_eq!(d.keys.iter().collect::<Vec<_>>(), differing);
    // And the view says so, for the app to draw.
    let view = sim.view(&Default::default());
    assert_eq!(view.replicas[3].differs_from_leader.as_ref(), Some(&d.keys));
    assert_eq!(view.replicas[1].differs_from_leader, None);
    // Nobody waited: the file copy takes no lock.
    assert_eq!(sim.write_lock_figures(), (0, 0));
    assert!(sim
        .report()
        .summary()
        .contains("differs from the leader's for good"));
}

#[test]
fn the_three_methods_on_one_cluster_consistency_against_refused_writes() {
    // The compare view's two rows, from the engine's summary, on the same seed and workload.
    let base = preset("new-follower-file-copy");
    let summary = |method| {
        let mut s = base.clone();
        s.events[0].action = Action::AddFollower { method };
        run(&s).summary()
    };
    let (snap, file, locked) = (
        summary(CopyMethod::Snapshot),
        summary(CopyMethod::FileCopy),
        summary(CopyMethod::LockedCopy),
    );
    assert_eq!(
        (snap.follower_consistent, snap.writes_refused_ms),
        (Some(true), 0)
    );
    assert_eq!(file.follower_consistent, Some(false));
    assert!(!file.differing_keys.is_empty());
    assert_eq!(file.writes_refused_ms, 0);
    assert_eq!(locked.follower_consistent, Some(true));
    assert!(locked.writes_refused_ms > 400, "{locked:?}");
    // Before n4 has its data, there is nothing to judge yet.
    let mut sim = Sim::new(&base).unwrap();
    sim.run_until(1_200);
    assert_eq!(sim.summary().follower_consistent, None);
}

#[test]
fn a_file_copy_with_no_write_to_a_copied_row_is_consistent() {
    // No writes during the copy: the copy reads one unchanging database.
    let mut s = preset("new-follower-file-copy");
    s.workload.until_ms = Some(900);
    let sim = run_checked(&s).unwrap();
    let copy = &sim.report().file_copies[0];
    assert!(
        copy.matches_a_leader_state && copy.missing_writes.is_empty(),
        "{copy:?}"
    );
    assert!(
        copy.finding.contains("happens to match"),
        "{}",
        copy.finding
    );
    assert!(same_log_as_leader(&sim, NodeId(3)));
    assert_eq!(sim.summary().follower_consistent, Some(true));
    quiet_end_converges(&sim).unwrap();
}
