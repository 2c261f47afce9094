//! The guided lessons, one per preset: an introduction, a question to think about, the
//! moments at which the lesson pauses, and what the reader should have seen, as checks
//! evaluated against the actual run. A reader who changes the scenario so that the effect
//! does not happen is told so, rather than being told it did.

use crate::bounds::count;
use crate::ids::NodeId;
use crate::presets::Preset;
use crate::sim::{LostReason, NoteKind, Outcome, Sim};
use crate::Mode;

mod catalogue;
mod controller;
pub use catalogue::LESSONS;

/// One claim about the run, and whether this run bears it out.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Check {
    pub claim: String,
    pub held: bool,
    /// The figures behind the verdict.
    pub evidence: String,
}

/// Predict, then see: a question with 2 to 4 answers, asked before the run reaches its key
/// moment. `answer` is the one the chapter gives, and the one the lesson's checks bear out
/// when they all hold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Prediction {
    pub prompt: &'static str,
    pub choices: &'static [&'static str],
    pub answer: usize,
}

/// What the run says of a reader's prediction, judged by the lesson's own checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Judgement {
    /// Every check held, and they bear out the chosen answer.
    Agreed,
    /// Every check held, and they bear out another answer: this one.
    Disagreed { shown: &'static str },
    /// Not every check held (the reader changed the run): it shows none of the answers
    /// for certain.
    NotShown,
}

#[derive(Clone, Copy)]
pub struct Lesson {
    /// Same as the preset's id.
    pub id: &'static str,
    pub intro: &'static str,
    pub question: &'static str,
    pub prediction: Prediction,
    /// Kinds of engine event at which the lesson pauses for the reader.
    pub pause_on: &'static [NoteKind],
    checks: fn(&Sim) -> Vec<Check>,
}

impl Lesson {
    pub fn preset(&self) -> &'static Preset {
        Preset::by_id(self.id).expect("every lesson has a preset")
    }

    /// What the reader should have seen, judged on `sim` (normally at the run's end).
    pub fn checks(&self, sim: &Sim) -> Vec<Check> {
        (self.checks)(sim)
    }

    /// Whether the run bears out the answer `choice` of the prediction, by the lesson's
    /// checks on `sim` (normally at the run's end).
    pub fn judge(&self, sim: &Sim, choice: usize) -> Judgement {
        let p = &self.prediction;
        if !self.checks(sim).iter().all(|c| c.held) {
            Judgement::NotShown
        } else if choice == p.answer {
            Judgement::Agreed
        } else {
            Judgement::Disagreed {
                shown: p.choices[p.answer],
            }
        }
    }

    pub fn by_id(id: &str) -> Option<&'static Lesson> {
        LESSONS.iter().find(|l| l.id == id)
    }

    /// The compare view that puts this lesson's choice side by side, on the same seed and
    /// workload (a link fragment), for the lessons that weigh ways against each other.
    pub fn compare_link(&self) -> Option<&'static str> {
        match self.id {
            "new-follower-file-copy" => {
                Some("compare=method:snapshot,file_copy,locked_copy&preset=new-follower-file-copy")
            }
            _ => None,
        }
    }
}

/// A moment at which a lesson holds for the reader: its instant, and every sentence at that
/// instant of the kinds the lesson pauses on, in order (a failover and the writes it lost
/// together).
#[derive(Clone, Debug, PartialEq)]
pub struct KeyMoment {
    pub at_ms: u64,
    pub text: String,
}

impl Lesson {
    /// The first key moment after `after_ms` and no later than `until_ms`, if the run has
    /// one there. The start of the run (0 ms) is never one: the reader has just pressed Play.
    pub fn moment_between(&self, sim: &Sim, after_ms: u64, until_ms: u64) -> Option<KeyMoment> {
        let notes = &sim.notes;
        let first = first_note_after(sim, after_ms);
        let at = (first..notes.len())
            .filter_map(|i| notes.get(i))
            .take_while(|n| n.at_ms <= until_ms)
            .find(|n| self.pause_on.contains(&n.kind))?
            .at_ms;
        let text: Vec<&str> = (first_note_after(sim, at.saturating_sub(1))..notes.len())
            .filter_map(|i| notes.get(i))
            .take_while(|n| n.at_ms == at)
            .filter(|n| self.pause_on.contains(&n.kind))
            .map(|n| n.text.as_str())
            .collect();
        Some(KeyMoment {
            at_ms: at,
            text: text.join(" "),
        })
    }

    /// The instants of every key moment in the run so far, in order.
    pub fn moment_instants(&self, sim: &Sim) -> Vec<u64> {
        let mut instants: Vec<u64> = sim
            .notes
            .iter()
            .filter(|n| n.at_ms > 0 && self.pause_on.contains(&n.kind))
            .map(|n| n.at_ms)
            .collect();
        instants.dedup();
        instants
    }
}

/// Index of the first sentence after `t` (the event log is in time order): a lesson looks
/// for its next moment on every animation frame, so it does not walk the whole log.
fn first_note_after(sim: &Sim, t: u64) -> usize {
    let (mut lo, mut hi) = (0, sim.notes.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        if sim.notes.get(mid).is_some_and(|n| n.at_ms <= t) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

fn check(claim: &str, held: bool, evidence: String) -> Check {
    Check {
        claim: claim.to_string(),
        held,
        evidence,
    }
}

fn median(mut v: Vec<u64>) -> Option<u64> {
    v.sort_unstable();
    v.get(v.len().checked_sub(1)? / 2).copied()
}

/// Latencies of the writes invoked in `from..to` and confirmed.
fn latencies(sim: &Sim, from: u64, to: u64) -> Vec<u64> {
    sim.writes
        .iter()
        .filter(|w| (from..to).contains(&w.invoked_at))
        .filter_map(|w| w.confirmed_at().map(|c| c - w.invoked_at))
        .collect()
}

fn lost(sim: &Sim) -> Vec<(crate::WriteId, LostReason)> {
    sim.writes
        .iter()
        .filter_map(|w| w.lost.as_ref().map(|l| (w.id, l.reason)))
        .collect()
}

fn notes_of(sim: &Sim, kind: NoteKind) -> impl Iterator<Item = &crate::sim::Note> {
    sim.notes.iter().filter(move |n| n.kind == kind)
}

fn has_note(sim: &Sim, kind: NoteKind, text: &str) -> bool {
    notes_of(sim, kind).any(|n| n.text.contains(text))
}

fn same_log(sim: &Sim, a: NodeId, b: NodeId) -> bool {
    let (ra, rb) = (&sim.replicas[a.index()], &sim.replicas[b.index()]);
    ra.log.iter().eq(rb.log.iter())
}

fn leader_log_matches(sim: &Sim, n: NodeId) -> (bool, String) {
    match sim.current_leader() {
        Some(l) if sim.replicas.len() > n.index() => {
            let (rl, rn) = (&sim.replicas[l.index()], &sim.replicas[n.index()]);
            (
                same_log(sim, l, n),
                format!(
                    "{n} holds up to log position {}, leader {l} up to {}",
                    rn.log.last_position(),
                    rl.log.last_position()
                ),
            )
        }
        Some(_) => (false, format!("{n} does not exist in this run")),
        None => (false, "there is no leader at the end of the run".into()),
    }
}

fn crashed_any(sim: &Sim) -> bool {
    notes_of(sim, NoteKind::Crash).any(|n| n.text.contains("crashed"))
}

fn fmt_opt(x: Option<u64>) -> String {
    x.map(|v| v.to_string()).unwrap_or_else(|| "n/a".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::PRESETS;

    #[test]
    fn every_preset_has_a_lesson_and_every_lesson_holds_on_its_own_run() {
        for p in PRESETS {
            let lesson = Lesson::by_id(p.id).unwrap_or_else(|| panic!("{} has no lesson", p.id));
            let mut sim = Sim::new(&p.scenario().unwrap()).unwrap();
            sim.run_to_end();
            for c in lesson.checks(&sim) {
                assert!(
                    c.held,
                    "{}: “{}” did not hold: {}",
                    p.id, c.claim, c.evidence
                );
            }
        }
    }

    #[test]
    fn the_async_failover_lesson_holds_at_the_crash_the_failover_and_the_discard() {
        let lesson = Lesson::by_id("async-failover").unwrap();
        let mut sim = Sim::new(&lesson.preset().scenario().unwrap()).unwrap();
        sim.run_to_end();
        let instants = lesson.moment_instants(&sim);
        assert_eq!(instants[0], 1_500, "n1 crashes at 1.5 s: {instants:?}");
        assert!(instants.len() >= 3, "{instants:?}");
        // Walking the run from moment to moment, as the reader does, meets each in turn.
        let mut after = 0;
        let mut walked = Vec::new();
        while let Some(m) = lesson.moment_between(&sim, after, u64::MAX) {
            assert!(!m.text.is_empty());
            walked.push(m.at_ms);
            after = m.at_ms;
        }
        assert_eq!(walked, instants);
        // Every sentence of a paused-on kind at a moment's instant is in its text, in order.
        let failover = lesson.moment_between(&sim, 1_500, u64::MAX).unwrap();
        let expected: Vec<&str> = sim
            .notes
            .iter()
            .filter(|n| n.at_ms == failover.at_ms && lesson.pause_on.contains(&n.kind))
            .map(|n| n.text.as_str())
            .collect();
        assert_eq!(failover.text, expected.join(" "));
        assert!(failover.text.contains("is now leader"), "{}", failover.text);
        // Nothing between two moments, and nothing past the end of the window.
        assert_eq!(lesson.moment_between(&sim, 1_500, failover.at_ms - 1), None);
    }

    #[test]
    fn a_changed_scenario_is_told_that_the_effect_did_not_happen() {
        // Fencing on in the split-brain lesson: the lesson must not claim split brain.
        let lesson = Lesson::by_id("split-brain").unwrap();
        let mut s = lesson.preset().scenario().unwrap();
        s.cluster.fencing = true;
        let mut sim = Sim::new(&s).unwrap();
        sim.run_to_end();
        assert!(lesson.checks(&sim).iter().any(|c| !c.held));
        // Synchronous replication in the async-failover lesson: nothing is lost.
        let lesson = Lesson::by_id("async-failover").unwrap();
        let mut s = lesson.preset().scenario().unwrap();
        s.cluster.mode = Mode::Sync;
        let mut sim = Sim::new(&s).unwrap();
        sim.run_to_end();
        let checks = lesson.checks(&sim);
        assert!(!checks[1].held, "{:?}", checks[1]);
    }
}
