//! The log-retention dilemma (the second edition's addition to "Handling node outages"):
//! while a follower is unavailable for a long time, the leader either keeps its log until
//! the follower has caught up, and risks filling its disk, or deletes it, and the follower
//! must be re-seeded from a snapshot. Two presets, the same run under each policy.

mod support;

use replication_sim::scenario::LogRetention;
use replication_sim::sim::NoteKind;
use replication_sim::{Scenario, Sim};
use support::*;

fn texts(sim: &Sim, kind: NoteKind) -> Vec<(u64, String)> {
    sim.notes
        .iter()
        .filter(|x| x.kind == kind)
        .map(|x| (x.at_ms, x.text.clone()))
        .collect()
}

fn snapshots_for_n3(sim: &Sim) -> usize {
    texts(sim, NoteKind::Snapshot)
        .iter()
        .filter(|(_, t)| t.contains("took a consistent snapshot") && t.contains("for n3"))
        .count()
}

#[test]
fn the_two_presets_are_the_same_run_under_the_two_policies() {
    let (keep, delete) = (preset("retention-keep-log"), preset("retention-delete-log"));
    assert_eq!(keep.cluster.log_retention, LogRetention::UntilCaughtUp);
    assert_eq!(delete.cluster.log_retention, LogRetention::LastEntries);
    let mut same = delete.clone();
    same.cluster.log_retention = LogRetention::UntilCaughtUp;
    same.cluster.log_retention_entries = None;
    same.title = keep.title.clone();
    same.description = keep.description.clone();
    assert_eq!(same, keep, "only the retention policy may differ");
}

#[test]
fn keeping_the_log_for_a_follower_that_is_down_fills_the_disk_and_refuses_writes() {
    let s = preset("retention-keep-log");
    let sim = run_checked(&s).unwrap();
    let refused = sim.refused_disk_full();
    assert!(
        refused > 0,
        "the leader's disk never filled\n{}",
        describe(&sim)
    );
    // It fills while n3 is down (1 s to 6 s), and every refusal names the full disk.
    let full = texts(&sim, NoteKind::Disk);
    let (at, text) = &full[0];
    assert!((1_000..6_000).contains(at), "{full:?}");
    assert!(
        text.contains("disk is full") && text.contains("n3 has not"),
        "{text}"
    );
    assert!(sim.writes.iter().any(|w| matches!(&w.outcome,
        replication_sim::sim::Outcome::Failed { reason, .. } if reason == "refused by n1: the leader's disk is full")));
    // The price buys this: n3 catches up from its own log position, with no new snapshot,
    // and the leader takes writes again once n3 has what it was keeping.
    assert_eq!(snapshots_for_n3(&sim), 0, "{}", describe(&sim));
    assert!(
        full.iter()
            .any(|(_, t)| t.contains("its disk has room again")),
        "{full:?}"
    );
    let last = sim.writes.iter().last().unwrap();
    assert!(
        last.is_confirmed(),
        "the last write is taken: {:?}",
        last.outcome
    );
    assert_eq!(sim.report().metrics.refused_disk_full, refused);
    quiet_end_converges(&sim).unwrap();
}

#[test]
fn deleting_the_log_takes_every_write_but_the_follower_needs_a_new_snapshot() {
    let s = preset("retention-delete-log");
    let sim = run_checked(&s).unwrap();
    assert_eq!(sim.refused_disk_full(), 0, "{}", describe(&sim));
    let all_confirmed = sim.writes.iter().all(|w| w.is_confirmed());
    assert!(all_confirmed, "{}", describe(&sim));
    let too_old = texts(&sim, NoteKind::Snapshot);
    assert!(
        too_old
            .iter()
            .any(|(at, t)| *at >= 6_000 && t.starts_with("n3 needs log position")),
        "{too_old:?}"
    );
    assert_eq!(snapshots_for_n3(&sim), 1, "{}", describe(&sim));
    quiet_end_converges(&sim).unwrap();
}

#[test]
fn with_an_unbounded_disk_keeping_the_log_costs_nothing() {
    // The disk is what makes it a dilemma: without a capacity, keeping the log refuses no
    // write and needs no snapshot.
    let mut s = preset("retention-keep-log");
    s.cluster.disk_entries = None;
    let sim = run_checked(&s).unwrap();
    assert_eq!(sim.refused_disk_full(), 0);
    assert_eq!(snapshots_for_n3(&sim), 0);
}

fn refusal(json: &str) -> String {
    Scenario::from_json(json).unwrap_err().to_string()
}

const CLUSTER: &str = r#""nodes": 3, "mode": "async", "initial_rows": 5000"#;

#[test]
fn bad_retention_settings_are_refused_in_plain_words() {
    let e = refusal(&format!(
        r#"{{"version": 1, "cluster": {{ {CLUSTER}, "disk_entries": 4000 }}}}"#
    ));
    assert!(
        e.contains("cluster.disk_entries")
            && e.contains("4000")
            && e.contains("5000")
            && e.contains("5001"),
        "{e}"
    );
    let e = refusal(&format!(
        r#"{{"version": 1, "cluster": {{ {CLUSTER}, "log_retention": "forever" }}}}"#
    ));
    assert!(
        e.contains("cluster.log_retention") && e.contains("last_entries, until_caught_up"),
        "{e}"
    );
    let e = refusal(&format!(
        r#"{{"version": 1, "cluster": {{ {CLUSTER}, "log_retention": 3 }}}}"#
    ));
    assert!(
        e.contains("cluster.log_retention") && e.contains("last_entries"),
        "{e}"
    );
    let e = refusal(&format!(
        r#"{{"version": 1, "cluster": {{ {CLUSTER}, "log_retention": "until_caught_up", "log_retention_entries": 40 }}}}"#
    ));
    assert!(
        e.contains("cluster.log_retention_entries") && e.contains("until_caught_up"),
        "{e}"
    );
    // The default is left out when written, so existing links are unchanged.
    let s = Scenario::from_json(&format!(
        r#"{{"version": 1, "cluster": {{ {CLUSTER}, "log_retention": "last_entries" }}}}"#
    ))
    .unwrap();
    assert!(!s.to_json().contains("log_retention"), "{}", s.to_json());
    let s = preset("retention-keep-log");
    assert_eq!(Scenario::from_json(&s.to_json()).unwrap(), s);
}
