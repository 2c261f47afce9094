//! Time travel: a run with checkpoints (cheap clones of the whole simulation, thanks to
//! shared log chunks) every thousand events, so that seeking to any instant replays at
//! most one interval. A long run keeps at most [`MAX_CHECKPOINTS`], holding at most about
//! [`CHECKPOINT_BUDGET_BYTES`] of their own: when there would be more, every other one goes
//! and the interval doubles, so memory stays bounded however long or busy the run, and a
//! seek replays at most one (longer) interval.

use crate::sim::Sim;

#[derive(Clone, Debug)]
pub struct Timeline {
    /// Checkpoints in time order; the first is the run's start.
    checkpoints: Vec<Sim>,
    /// The furthest point computed so far.
    head: Sim,
    every_events: u64,
    max_checkpoints: usize,
    budget_bytes: usize,
    /// What the checkpoints hold of their own, as last estimated.
    held_bytes: usize,
}

/// Events between checkpoints: small enough that a seek replays well under a frame.
pub const CHECKPOINT_EVERY_EVENTS: u64 = 1_000;

/// Checkpoints kept at most. Each holds what the run's shared chunks do not: the largest
/// valid runs (about 15 M events) would otherwise keep 15,000 of them, gigabytes in all.
/// With 512, a run of 15 M events checkpoints every 32,000 events.
pub const MAX_CHECKPOINTS: usize = 512;

/// What the checkpoints may hold of their own, beyond what they share with the run ahead.
/// A checkpoint shares every chunk the run has not changed since; a busy run (thousands of
/// crashes, each catch-up touching every write's record) changes most of them, and without
/// this bound its checkpoints took 6 GB, past what a tab's WebAssembly memory can hold.
pub const CHECKPOINT_BUDGET_BYTES: usize = 512 << 20;

impl Timeline {
    pub fn new(start: Sim) -> Timeline {
        Timeline::with_interval(start, CHECKPOINT_EVERY_EVENTS)
    }

    pub fn with_interval(start: Sim, every_events: u64) -> Timeline {
        Timeline::with_limits(
            start,
            every_events,
            MAX_CHECKPOINTS,
            CHECKPOINT_BUDGET_BYTES,
        )
    }

    /// A timeline that checkpoints every `every_events` events at first, and keeps at most
    /// `max_checkpoints` (at least 2: the start and one more), holding about `budget_bytes`
    /// of their own.
    pub fn with_limits(
        start: Sim,
        every_events: u64,
        max_checkpoints: usize,
        budget_bytes: usize,
    ) -> Timeline {
        Timeline {
            checkpoints: vec![start.clone()],
            head: start,
            every_events: every_events.max(1),
            max_checkpoints: max_checkpoints.max(2),
            budget_bytes,
            held_bytes: 0,
        }
    }

    /// What the checkpoints hold of their own, as last estimated (see
    /// [`Sim::unshared_bytes`]).
    pub fn checkpoint_bytes(&self) -> usize {
        self.held_bytes
    }

    /// Events between checkpoints now: the first interval, doubled each time the
    /// checkpoints were thinned.
    pub fn checkpoint_interval(&self) -> u64 {
        self.every_events
    }

    /// Checkpoints the head if it is due, thinning the checkpoints when there are too many.
    fn checkpoint_if_due(&mut self) {
        let n = self.head.events_processed();
        if !n.is_multiple_of(self.every_events) {
            return;
        }
        // The newest checkpoint stops sharing with the run once the run moves on: what it
        // holds alone is known now, as the next one is taken.
        if let Some(previous) = self.checkpoints.last() {
            self.held_bytes += previous.unshared_bytes();
        }
        self.checkpoints.push(self.head.clone());
        while self.checkpoints.len() > 2
            && (self.checkpoints.len() > self.max_checkpoints
                || self.held_bytes > self.budget_bytes)
        {
            self.thin();
        }
    }

    /// Keeps the start and every checkpoint on the doubled interval: they stay evenly
    /// spaced, and the next ones land on the same grid.
    fn thin(&mut self) {
        self.every_events = self.every_events.saturating_mul(2);
        let every = self.every_events;
        let mut first = true;
        self.checkpoints.retain(|c| {
            let keep = first || c.events_processed().is_multiple_of(every);
            first = false;
            keep
        });
        // Chunks two neighbours shared may now belong to one alone: count afresh.
        self.held_bytes = self.checkpoints.iter().map(Sim::unshared_bytes).sum();
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
            self.checkpoint_if_due();
        }
        self.head.run_until(t);
        true
    }

    /// Processes the head's next event (the "step" button), checkpointing as usual.
    pub fn step(&mut self) -> bool {
        let stepped = self.head.step();
        if stepped {
            self.checkpoint_if_due();
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
    fn a_long_run_keeps_at_most_the_checkpoint_limit_and_seeks_exactly() {
        let mut s = Scenario::default_scenario();
        s.workload.write_every_ms = 5;
        s.duration_ms = Some(20_000);
        let mut timeline = Timeline::with_limits(Sim::new(&s).unwrap(), 100, 8, usize::MAX);
        timeline.advance_to(s.end_ms());
        let events = timeline.head().events_processed();
        assert!(
            events > 100 * 8 * 4,
            "the run is long enough to thin twice: {events}"
        );
        assert!(
            timeline.checkpoints() <= 8,
            "{} checkpoints",
            timeline.checkpoints()
        );
        assert!(timeline.checkpoint_interval() >= 400);
        // Evenly spaced from the start, on the current interval.
        for (i, c) in timeline.checkpoints.iter().enumerate() {
            assert_eq!(
                c.events_processed(),
                i as u64 * timeline.checkpoint_interval()
            );
        }
        // A seek from a thinned checkpoint is the same run as one computed straight.
        for t in [1, 3_333, 9_999, 15_000] {
            let mut straight = Sim::new(&s).unwrap();
            straight.run_until(t);
            assert_eq!(
                timeline.seek(t).trace_hash(),
                straight.trace_hash(),
                "at {t} ms"
            );
        }
    }

    #[test]
    fn checkpoints_stay_within_their_memory_budget() {
        let mut s = Scenario::default_scenario();
        s.workload.write_every_ms = 5;
        s.duration_ms = Some(20_000);
        let unbounded = {
            let mut t = Timeline::with_limits(Sim::new(&s).unwrap(), 100, 10_000, usize::MAX);
            t.advance_to(s.end_ms());
            t
        };
        let budget = unbounded.checkpoint_bytes() / 8;
        assert!(budget > 0, "checkpoints hold something of their own");
        let mut t = Timeline::with_limits(Sim::new(&s).unwrap(), 100, 10_000, budget);
        t.advance_to(s.end_ms());
        assert!(
            t.checkpoint_bytes() <= budget,
            "{} > {budget}",
            t.checkpoint_bytes()
        );
        assert!(t.checkpoints() < unbounded.checkpoints() / 4);
        assert_eq!(t.head().trace_hash(), unbounded.head().trace_hash());
        let mid = s.end_ms() / 2;
        assert_eq!(
            t.seek(mid).trace_hash(),
            unbounded.clone().seek(mid).trace_hash()
        );
    }

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
