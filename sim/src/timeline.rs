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
        Timeline { checkpoints: vec![start.clone()], head: start, every_events: every_events.max(1) }
    }

    /// Computes the run up to `t`, checkpointing on the way.
    pub fn advance_to(&mut self, t: u64) {
        while let Some(next) = self.head.next_event_time() {
            if next > t {
                break;
            }
            if !self.head.step() {
                break;
            }
            if self.head.events_processed().is_multiple_of(self.every_events) {
                self.checkpoints.push(self.head.clone());
            }
        }
        self.head.run_until(t);
    }

    /// Processes the head's next event (the "step" button), checkpointing as usual.
    pub fn step(&mut self) -> bool {
        let stepped = self.head.step();
        if stepped && self.head.events_processed().is_multiple_of(self.every_events) {
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
        let i = self.checkpoints.partition_point(|c| c.now() <= t).saturating_sub(1);
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
        let i = self.checkpoints.partition_point(|c| c.events_processed() <= n).saturating_sub(1);
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
