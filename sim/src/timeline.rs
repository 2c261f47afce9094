//! Time travel: a run with checkpoints (cheap clones of the whole simulation, thanks to
//! shared log chunks) every few thousand events, so that seeking to any instant replays
//! at most one interval.

use crate::sim::Sim;

#[derive(Clone, Debug)]
pub struct Timeline {
    /// Checkpoints in time order; the first is the run's start.
    checkpoints: Vec<Sim>,
    /// The furthest point computed so far.
    head: Sim,
    every_events: u64,
}

/// Events between checkpoints: small enough that a seek replays well under a frame.
pub const CHECKPOINT_EVERY_EVENTS: u64 = 1_000;

impl Timeline {
    pub fn new(start: Sim) -> Timeline {
        Timeline::with_interval(start, CHECKPOINT_EVERY_EVENTS)
    }

    pub fn with_interval(start: Sim, every_events: u64) -> Timeline {
        Timeline {
            checkpoints: vec![start.clone()],
            head: start,
            every_events: every_events.max(1),
        }
    }

    /// Computes the run up to `t`, checkpointing on the way.
    pub fn advance_to(&mut self, t: u64) {
        self.advance_within(t, u64::MAX);
    }

    /// Like [`Timeline::advance_to`], but stops after `max_events` events, so that a link
    /// to an instant deep into a heavy run cannot freeze the page. True if `t` was reached.
    pub fn advance_within(&mut self, t: u64, max_events: u64) -> bool {
        let stop_at = self.head.events_processed().saturating_add(max_events);
        while let Some(next) = self.head.next_event_time() {
            if next > t {
                break;
            }
            if self.head.events_processed() >= stop_at {
                return false;
            }
            if !self.head.step() {
                break;
            }
            if self
                .head
                .events_processed()
                .is_multiple_of(self.every_events)
            {
                self.checkpoints.push(self.head.clone());
            }
        }
        self.head.run_until(t);
        true
    }

    /// Processes the head's next event (the "step" button), checkpointing as usual.
    pub fn step(&mut self) -> bool {
        let stepped = self.head.step();
        if stepped
            && self
                .head
                .events_processed()
                .is_multiple_of(self.every_events)
        {
            self.checkpoints.push(self.head.clone());
        }
        stepped
    }

    /// The furthest computed state.
    pub fn head(&self) -> &Sim {
        &self.head
    }

    pub fn head_mut(&mut self) -> &mut Sim {
        &mut self.head
    }

    pub fn checkpoints(&self) -> usize {
        self.checkpoints.len()
    }

    /// The simulation as it was at `t`: from the nearest checkpoint at or before `t`.
    pub fn seek(&mut self, t: u64) -> Sim {
        if t >= self.head.now() {
            self.advance_to(t);
            return self.head.clone();
        }
        let i = self
            .checkpoints
            .partition_point(|c| c.now() <= t)
            .saturating_sub(1);
        let mut sim = self.checkpoints[i].clone();
        sim.run_until(t);
        sim
    }

    /// The simulation right after its `n`th event (or its last, if it has fewer).
    pub fn seek_event(&mut self, n: u64) -> Sim {
        while self.head.events_processed() < n && self.step() {}
        if n >= self.head.events_processed() {
            return self.head.clone();
        }
        let i = self
            .checkpoints
            .partition_point(|c| c.events_processed() <= n)
            .saturating_sub(1);
        let mut sim = self.checkpoints[i].clone();
        while sim.events_processed() < n && sim.step() {}
        sim
    }

    /// Forgets everything computed after `t` (a fork: the past was changed there).
    pub fn truncate_after(&mut self, t: u64) {
        let mut sim = self.seek(t);
        sim.run_until(t);
        self.checkpoints.retain(|c| c.now() <= t);
        if self.checkpoints.is_empty() {
            self.checkpoints.push(sim.clone());
        }
        self.head = sim;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scenario;

    #[test]
    fn a_bounded_advance_stops_early_and_resumes_where_it_stopped() {
        let mut s = Scenario::default_scenario();
        s.workload.write_every_ms = 5;
        let mut timeline = Timeline::new(Sim::new(&s).unwrap());
        assert!(
            !timeline.advance_within(50_000, 2_000),
            "2,000 events cannot cover 50 s of writes every 5 ms"
        );
        let stopped = timeline.head().now();
        assert!(stopped > 0 && stopped < 50_000);
        assert!(timeline.head().events_processed() <= 2_000);
        assert!(timeline.advance_within(stopped + 100, 1_000_000));
        // The same instant reached in portions or at once: the same run.
        let mut straight = Sim::new(&s).unwrap();
        straight.run_until(stopped + 100);
        assert_eq!(timeline.head().trace_hash(), straight.trace_hash());
    }
}
