//! Same scenario, same run, bit for bit (madsim's test): equal trace hashes, reports and
//! recorded traces for every preset, and time travel that lands exactly where a straight
//! run does.

mod support;

use replication_sim::{Sim, Timeline, ViewOptions};
use support::*;

fn recorded(name: &str) -> Sim {
    let mut sim = Sim::new(&preset(name)).unwrap();
    sim.record_trace();
    sim.run_to_end();
    sim
}

#[test]
fn the_same_scenario_twice_gives_the_same_trace_and_report() {
    for name in PRESETS {
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
    for name in PRESETS {
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
    for name in PRESETS {
        let s = preset(name);
        let again = replication_sim::Scenario::from_json(&s.to_json()).unwrap();
        assert_eq!(run(&s).trace_hash(), run(&again).trace_hash(), "{name}");
    }
}

#[test]
fn seeking_on_a_timeline_gives_the_same_view_as_a_straight_run() {
    let opts = ViewOptions::default();
    for name in PRESETS {
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
    for name in PRESETS {
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
