//! Same scenario, same run, bit for bit (madsim's test): equal trace hashes, reports and
//! recorded traces for every preset, and time travel that lands exactly where a straight
//! run does.

mod support;

use replication_sim::message::{Append, Payload};
use replication_sim::sim::{LostReason, Outcome};
use replication_sim::{Action, Scenario, Sim, TimedAction, Timeline, ViewOptions};
use support::*;

fn recorded(name: &str) -> Sim {
    let mut sim = Sim::new(&preset(name)).unwrap();
    sim.record_trace();
    sim.run_to_end();
    sim
}

#[test]
fn the_same_scenario_twice_gives_the_same_trace_and_report() {
    for name in presets() {
        let a = recorded(name);
        let b = recorded(name);
        assert!(a.events_processed() > 500, "{name} ran");
        assert_eq!(a.trace_hash(), b.trace_hash(), "{name}: trace hash");
        assert_eq!(a.report(), b.report(), "{name}: report");
        assert_eq!(a.trace(), b.trace(), "{name}: recorded trace");
        assert_eq!(
            a.trace().unwrap().len() as u64,
            a.events_processed(),
            "{name}: one trace entry per event"
        );
        // Recording changes nothing about the run itself.
        let plain = run(&preset(name));
        assert_eq!(
            plain.trace_hash(),
            a.trace_hash(),
            "{name}: recording the trace does not change the run"
        );
        assert_eq!(plain.report(), a.report(), "{name}");
    }
}

#[test]
fn a_different_seed_gives_a_different_run() {
    // The test above could pass with a hash that ignores the events; this one could not.
    for name in presets() {
        let mut s = preset(name);
        let a = run(&s);
        s.seed += 1;
        let b = run(&s);
        assert_ne!(
            a.trace_hash(),
            b.trace_hash(),
            "{name}: the seed drives the jitter"
        );
    }
}

#[test]
fn a_run_through_its_json_round_trip_is_the_same_run() {
    for name in presets() {
        let s = preset(name);
        let again = replication_sim::Scenario::from_json(&s.to_json()).unwrap();
        assert_eq!(run(&s).trace_hash(), run(&again).trace_hash(), "{name}");
    }
}

#[test]
fn seeking_on_a_timeline_gives_the_same_view_as_a_straight_run() {
    let opts = ViewOptions::default();
    for name in presets() {
        let s = preset(name);
        // Small intervals, so seeks start from many different checkpoints.
        let mut timeline = Timeline::with_interval(Sim::new(&s).unwrap(), 150);
        let end = s.end_ms();
        timeline.advance_to(end);
        assert!(timeline.checkpoints() > 3, "{name}");
        // Backwards, forwards and to instants between events.
        let instants = [
            end,
            end / 2 + 7,
            1,
            end / 3,
            end - 1,
            0,
            2 * end / 3 + 13,
            end / 2 + 7,
        ];
        for t in instants {
            let mut straight = Sim::new(&s).unwrap();
            straight.run_until(t);
            let sought = timeline.seek(t);
            assert_eq!(sought.now(), t, "{name} at {t}");
            assert_eq!(
                sought.events_processed(),
                straight.events_processed(),
                "{name} at {t}"
            );
            assert_eq!(sought.trace_hash(), straight.trace_hash(), "{name} at {t}");
            assert_eq!(sought.view(&opts), straight.view(&opts), "{name} at {t}");
        }
    }
}

#[test]
fn seeking_forward_lands_exactly_on_the_instant_asked_for() {
    // Regression: a step that skipped a cancelled timer or a dropped message went on to
    // the next event even when it lay beyond the instant asked for, so a forward seek
    // (or `run_until`) could land past it, with a different view.
    let opts = ViewOptions::default();
    for name in presets() {
        let s = preset(name);
        let mut timeline = Timeline::with_interval(Sim::new(&s).unwrap(), 200);
        let mut straight = Sim::new(&s).unwrap();
        let mut t = 0;
        while t < s.end_ms() {
            t += 97;
            let sought = timeline.seek(t);
            straight.run_until(t);
            assert_eq!(sought.now(), t.min(s.end_ms()), "{name}");
            assert_eq!(sought.view(&opts), straight.view(&opts), "{name} at {t}");
            assert!(
                straight.next_event_time().is_none_or(|next| next > t),
                "{name}: nothing left at or before {t}"
            );
        }
    }
}

#[test]
fn a_seek_and_a_continued_run_end_where_a_straight_run_ends() {
    let s = preset("split-brain");
    let mut timeline = Timeline::with_interval(Sim::new(&s).unwrap(), 100);
    timeline.advance_to(s.end_ms());
    let mut resumed = timeline.seek(s.end_ms() / 2);
    resumed.run_to_end();
    let straight = run(&s);
    assert_eq!(resumed.report(), straight.report());
}

// ----- The hash sees a change of behaviour ----------------------------------------------
//
// The tests above pass with a hash that covers only instants, event kinds and endpoints: a
// run whose messages carried other values, or whose writes met other fates, would hash the
// same. These runs differ in exactly one of those, and nothing else.

/// `scenario` with one write by hand of `key = value` from c1 at `at_ms`.
fn with_manual_write(mut scenario: Scenario, at_ms: u64, value: &str) -> Scenario {
    scenario.events.push(TimedAction {
        at_ms,
        action: Action::Write {
            key: "colour".into(),
            value: value.into(),
            client: None,
        },
    });
    scenario
}

#[test]
fn two_runs_that_differ_only_in_a_written_value_hash_differently() {
    let red = run(&with_manual_write(preset("async-failover"), 700, "red"));
    let blue = run(&with_manual_write(preset("async-failover"), 700, "blue"));
    let (mut a, b) = (red.report(), blue.report());
    // The same run in every other respect: the value travels, but decides nothing.
    let w = a.writes.iter_mut().find(|w| w.key == "colour").unwrap();
    assert_eq!(w.value, "red");
    w.value = "blue".into();
    for r in &mut a.replicas {
        if let Some(v) = r.state.get_mut("colour") {
            *v = "blue".into();
        }
    }
    for e in &mut a.events {
        e.text = e.text.replace("colour = red", "colour = blue");
    }
    a.trace_hash.clone_from(&b.trace_hash);
    assert!(a == b, "the two runs differ only in the value");
    assert_ne!(
        red.trace_hash(),
        blue.trace_hash(),
        "the hash sees the value"
    );
}

#[test]
fn two_runs_that_differ_only_in_one_message_hash_differently() {
    // An append on its way to a follower, with a different confirmed position written on
    // it: the delivery is the same event at the same instant between the same replicas.
    let mut plain = Sim::new(&preset("async-failover")).unwrap();
    plain.run_until(600);
    let mut changed = plain.clone();
    let id = changed
        .in_flight
        .values()
        .find(|m| matches!(m.payload, Payload::Append(_)))
        .map(|m| m.id)
        .expect("an append in flight");
    let Payload::Append(Append { confirmed, .. }) =
        &mut changed.in_flight.get_mut(&id).unwrap().payload
    else {
        unreachable!()
    };
    *confirmed += 1;
    while changed.in_flight.contains_key(&id) {
        assert_eq!(
            plain.trace_hash(),
            changed.trace_hash(),
            "before it arrives"
        );
        assert!(plain.step() && changed.step());
    }
    assert!(!plain.in_flight.contains_key(&id), "both delivered it");
    assert_ne!(
        plain.trace_hash(),
        changed.trace_hash(),
        "the hash sees the payload"
    );
}

#[test]
fn two_runs_that_differ_only_in_a_writes_fate_hash_differently() {
    let sim = run(&preset("async-failover"));
    let lost: Vec<usize> = (0..sim.writes.len())
        .filter(|&i| sim.writes.get(i).unwrap().lost.is_some())
        .collect();
    assert!(!lost.is_empty(), "the lesson loses confirmed writes");
    // As if the engine did not classify lost writes: every event the same, every fate
    // but those the same.
    let mut unclassified = sim.clone();
    for &i in &lost {
        unclassified.writes.get_mut(i).unwrap().lost = None;
    }
    assert_ne!(sim.trace_hash(), unclassified.trace_hash(), "lost or not");
    // One lost write lost for another reason.
    let mut other_reason = sim.clone();
    let l = other_reason
        .writes
        .get_mut(lost[0])
        .unwrap()
        .lost
        .as_mut()
        .unwrap();
    l.reason = match l.reason {
        LostReason::SplitBrain => LostReason::DiscardedOnDemotion,
        _ => LostReason::SplitBrain,
    };
    assert_ne!(
        sim.trace_hash(),
        other_reason.trace_hash(),
        "why it was lost"
    );
    // One confirmed write confirmed a millisecond later.
    let mut later = sim.clone();
    let kept = (0..later.writes.len())
        .find(|&i| {
            let w = later.writes.get(i).unwrap();
            w.is_confirmed() && w.lost.is_none()
        })
        .unwrap();
    if let Outcome::Confirmed { at, .. } = &mut later.writes.get_mut(kept).unwrap().outcome {
        *at += 1;
    }
    assert_ne!(
        sim.trace_hash(),
        later.trace_hash(),
        "when it was confirmed"
    );
    assert_eq!(sim.trace_hash(), sim.clone().trace_hash());
}
