//! The reducer's tests: keys, lessons and the sandbox, natively.

use super::*;
use replication_sim::NodeId;

/// The async-failover lesson's run (n1 crashes at 1.5 s, restarts at 3 s), computed up to
/// `head_ms`, shown at `cursor_ms`, with n1 selected.
fn lab_at(head_ms: u64, cursor_ms: u64) -> Rc<Lab> {
    let lab = Rc::new(Lab::from_preset("async-failover").unwrap());
    let lab = lab.reduce(LabAction::Seek(head_ms));
    let lab = lab.reduce(LabAction::Seek(cursor_ms));
    assert_eq!(lab.now_ms(), cursor_ms);
    assert_eq!(lab.head_ms(), head_ms);
    lab.reduce(LabAction::Select(Some(Selection::Replica("n1".into()))))
}

/// Broke before: the keys read the replica's state at the head of the run, so in the past
/// they disagreed with the inspector (which offers Crash for a replica up at the cursor).
#[test]
fn keys_act_on_the_replica_as_it_is_at_the_cursor_not_at_the_head() {
    // n1 is down at the head (2 s) but up at the cursor (1 s): c crashes it.
    let lab = lab_at(2_000, 1_000);
    assert!(lab.in_past());
    assert!(lab.with_sim(|s| s.replicas[0].up));
    assert!(matches!(
        lab.key_action("c"),
        Some(LabAction::Do(Action::Crash { node: NodeId(0) }))
    ));
    assert!(
        lab.key_action("s").is_none(),
        "it is up: nothing to restart"
    );
    // Pressing it forks the run at the cursor with the crash.
    let after = lab.clone().reduce(LabAction::Key("c".into()));
    assert_eq!(after.branches.len(), 2, "a new branch from the past");
    assert!(after
        .recorded_scenario()
        .events
        .iter()
        .any(|e| e.at_ms == 1_001 && matches!(e.action, Action::Crash { node: NodeId(0) })));

    // n1 is up again at the head (3.5 s) but down at the cursor (2 s): s restarts it.
    let lab = lab_at(3_500, 2_000);
    assert!(!lab.with_sim(|s| s.replicas[0].up));
    assert!(matches!(
        lab.key_action("s"),
        Some(LabAction::Do(Action::Restart { node: NodeId(0) }))
    ));
    assert!(
        lab.key_action("c").is_none(),
        "it is down: nothing to crash"
    );
}

#[test]
fn a_lesson_holds_where_the_engine_says_its_moments_are() {
    let lab = Lab::lesson("async-failover").unwrap();
    let lab = Rc::new(lab).reduce(LabAction::Seek(u64::MAX));
    let moments = lab.lesson_moments();
    assert_eq!(moments.first(), Some(&1_500), "{moments:?}");
    let (at, text) = lab.lesson_moment(0, u64::MAX).unwrap();
    assert_eq!(at, 1_500);
    assert!(text.contains("n1 crashed"), "{text}");
}

#[test]
fn another_number_of_replicas_starts_a_sandbox_with_a_quorum_it_can_meet() {
    let mut scenario = Scenario::default_scenario();
    scenario.cluster.nodes = 5;
    scenario.cluster.mode = replication_sim::Mode::Quorum;
    scenario.cluster.write_quorum = Some(5);
    let lab = Rc::new(Lab::new(scenario, None)).reduce(LabAction::SetReplicas(3));
    assert!(lab.sandbox);
    assert_eq!(lab.loaded.cluster.nodes, 3);
    assert_eq!(lab.loaded.cluster.write_quorum, Some(3));
    assert!(lab.notice.is_none(), "{:?}", lab.notice);
}

/// The settings form's failover choice: a run cannot change who chooses its leader, so the
/// lab starts a fresh sandbox with the controller (m1 drawn) and says so, rather than ignore it.
#[test]
fn choosing_controller_failover_starts_a_sandbox_with_m1_and_says_so() {
    use replication_sim::scenario::Failover;
    let lab = Rc::new(Lab::from_preset("async-failover").unwrap());
    let lab = lab.reduce(LabAction::Seek(2_000));
    let lab = lab.reduce(LabAction::SetFailover(Failover::Controller));
    assert!(lab.sandbox);
    assert_eq!(lab.now_ms(), 0, "a new run");
    assert_eq!(lab.loaded.cluster.failover, Failover::Controller);
    assert!(
        lab.loaded.events.is_empty(),
        "the lesson's crash is dropped"
    );
    let m1 = lab.view(&ViewOptions::default()).controller.map(|c| c.id);
    assert_eq!(m1.as_deref(), Some("m1"));
    let notice = lab.notice.clone().expect("the change is told");
    assert!(!notice.error, "told as news, not as an error");
    let lab = lab.reduce(LabAction::SetFailover(Failover::Election));
    assert_eq!(lab.loaded.cluster.failover, Failover::Election);
}
