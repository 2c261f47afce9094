//! Key moments, as a presenter steps through them: a lesson's moments (the engine's
//! `Lesson::moment_between`), or, outside a lesson, the run's notable events (the timeline's
//! markers), those at one instant taken together. The reducer only asks the engine which
//! they are; it decides nothing about replication.

use super::{Lab, MAX_EVENTS_PER_SEEK};
use replication_sim::lessons::KeyMoment;

impl Lab {
    /// Every key moment in the run computed so far, in time order.
    pub fn key_moments(&self) -> Vec<KeyMoment> {
        let timeline = self.timeline.borrow();
        let head = timeline.head();
        if let Some(lesson) = self.lesson {
            return lesson
                .moment_instants(head)
                .into_iter()
                .filter_map(|t| lesson.moment_between(head, t - 1, t))
                .collect();
        }
        let mut moments: Vec<KeyMoment> = Vec::new();
        for m in head.markers() {
            match moments.last_mut() {
                Some(last) if last.at_ms == m.at_ms => {
                    last.text.push(' ');
                    last.text.push_str(&m.text);
                }
                _ => moments.push(KeyMoment {
                    at_ms: m.at_ms,
                    text: m.text,
                }),
            }
        }
        moments
    }

    /// Computes the run to its planned end (in a bounded number of events), so that a
    /// presenter knows every key moment ahead. A sandbox has no planned end: it is left as is.
    pub fn compute_ahead(self) -> Lab {
        if self.sandbox {
            return self;
        }
        let end = self.end_ms();
        let now = self.now_ms();
        let mut next = self.next();
        if self
            .timeline
            .borrow_mut()
            .advance_within(end, MAX_EVENTS_PER_SEEK)
        {
            // Back to where the reader was; the head stays ahead, as after a rewind.
            self.seek(&mut next, now);
            next.watched_ms = self.watched_ms;
        }
        next
    }

    /// Goes to the next key moment after the cursor (`forward`) or the one before it (the
    /// start of the run before the first), and holds there as a lesson holds at its moment.
    /// Nothing happens past the last one.
    pub(super) fn go_to_moment(&self, next: &mut Lab, forward: bool) {
        let now = self.now_ms();
        let find = |lab: &Lab| {
            let moments = lab.key_moments();
            if forward {
                moments.into_iter().find(|m| m.at_ms > now)
            } else {
                moments.into_iter().rev().find(|m| m.at_ms < now)
            }
        };
        let mut target = find(self);
        if target.is_none() && forward && self.head_ms() < self.end_ms() {
            // The next moment may lie beyond what is computed yet.
            let end = self.end_ms();
            self.timeline
                .borrow_mut()
                .advance_within(end, MAX_EVENTS_PER_SEEK);
            target = find(self);
        }
        let (at_ms, text) = match target {
            Some(m) => (m.at_ms, Some(m.text)),
            None if forward => return,
            None => (0, None),
        };
        self.seek(next, at_ms);
        next.playing = false;
        next.last_frame_ms = None;
        // Play goes on from here, and a lesson holds again at each later moment.
        next.paused_through_ms = at_ms;
        next.lesson_pause = if self.lesson.is_some() { text } else { None };
    }
}

#[cfg(test)]
mod tests {
    use super::super::LabAction;
    use super::*;
    use std::rc::Rc;
    use yew::Reducible;

    fn lesson() -> Rc<Lab> {
        Rc::new(Lab::lesson("async-failover").unwrap().compute_ahead())
    }

    /// The presenter's steps land on the lesson's own key moments, in order, with the
    /// lesson's hold text, and PageUp walks back to the start of the run.
    #[test]
    fn a_presenter_steps_through_the_lessons_key_moments_and_back() {
        let lab = lesson();
        assert_eq!(
            lab.now_ms(),
            0,
            "computing ahead keeps the cursor at the start"
        );
        let moments = lab.key_moments();
        assert!(
            moments.len() >= 2,
            "the lesson has key moments: {moments:?}"
        );
        let instants: Vec<u64> = moments.iter().map(|m| m.at_ms).collect();
        assert_eq!(instants, lab.lesson_moments(), "the lesson's own instants");
        let mut lab = lab;
        for m in &moments {
            lab = lab.reduce(LabAction::Moment(true));
            assert_eq!(lab.now_ms(), m.at_ms);
            assert_eq!(lab.lesson_pause.as_deref(), Some(m.text.as_str()));
            assert!(!lab.playing);
        }
        // Past the last moment, the next key does nothing.
        let last = lab.now_ms();
        lab = lab.reduce(LabAction::Moment(true));
        assert_eq!(lab.now_ms(), last);
        for m in moments.iter().rev().skip(1) {
            lab = lab.reduce(LabAction::Moment(false));
            assert_eq!(lab.now_ms(), m.at_ms);
        }
        lab = lab.reduce(LabAction::Moment(false));
        assert_eq!(lab.now_ms(), 0, "before the first moment: the start");
        assert_eq!(lab.lesson_pause, None);
    }

    /// After stepping back, Play holds again at the next key moment rather than running
    /// past it (the lesson's "seen up to" mark follows the presenter).
    #[test]
    fn play_after_stepping_back_holds_again_at_the_next_moment() {
        let moments = lesson().key_moments();
        let mut lab = lesson();
        lab = lab.reduce(LabAction::Moment(true));
        lab = lab.reduce(LabAction::Moment(true));
        lab = lab.reduce(LabAction::Moment(false));
        assert_eq!(lab.now_ms(), moments[0].at_ms);
        lab = lab.reduce(LabAction::TogglePlay);
        assert!(lab.playing);
        let mut ts = 0.0;
        while lab.playing {
            ts += 16.0;
            lab = lab.reduce(LabAction::Frame(ts));
        }
        assert_eq!(lab.now_ms(), moments[1].at_ms);
        assert_eq!(lab.lesson_pause.as_deref(), Some(moments[1].text.as_str()));
    }

    /// Outside a lesson the key moments are the notable events, one per instant, and the
    /// next one is found even when the run is not yet computed that far.
    #[test]
    fn outside_a_lesson_the_moments_are_the_notable_events_computed_on_demand() {
        let lab = Rc::new(Lab::from_preset("async-failover").unwrap());
        assert_eq!(lab.head_ms(), 0);
        let lab = lab.reduce(LabAction::Moment(true));
        let first = lab.now_ms();
        assert!(first > 0, "a notable event after the start");
        let marker = lab.markers().into_iter().find(|m| m.at_ms == first);
        let marker = marker.expect("the moment is a marker of the timeline");
        assert_eq!(marker.at_ms, first);
        // One moment per instant that has a marker: the instants, not the words, say so.
        let moments: Vec<u64> = lab.key_moments().iter().map(|m| m.at_ms).collect();
        let mut instants: Vec<u64> = lab.markers().iter().map(|m| m.at_ms).collect();
        instants.dedup();
        assert!(moments.contains(&first), "the presenter's moment is there");
        assert!(
            moments.iter().all(|t| instants.contains(t)),
            "{moments:?} ⊆ {instants:?}"
        );
        assert_eq!(lab.lesson_pause, None, "no lesson: nothing holds");
    }
}
