//! Timers. The chapter detects a failed leader by a timeout: "nodes frequently bounce
//! messages back and forth between each other, and if a node doesn't respond for some period
//! of time ... it is assumed to be dead". Each replica has a heartbeat timer, an election
//! (failover) timer and one timer per snapshot being sent; a reset moves the deadline, and at
//! most one wake-up per timer waits in the queue.
use super::*;

pub(super) const TIMER_SLOTS: usize = 2 + MAX_REPLICAS;

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) struct TimerSlot {
    pub(super) deadline: Option<u64>,
    pub(super) queued: Option<u64>,
}

impl Sim {
    pub(super) fn slot_of(timer: TimerKind) -> usize {
        match timer {
            TimerKind::Heartbeat => 0,
            TimerKind::Election => 1,
            TimerKind::SnapshotSend(f) => 2 + f.index(),
        }
    }

    pub(super) fn kind_of(slot: usize) -> TimerKind {
        match slot {
            0 => TimerKind::Heartbeat,
            1 => TimerKind::Election,
            s => TimerKind::SnapshotSend(NodeId((s - 2) as u8)),
        }
    }

    pub(super) fn set_timer(&mut self, n: NodeId, timer: TimerKind, after_ms: u64, jitter_ms: u64) {
        let jitter = if jitter_ms > 0 {
            self.rngs[n.index()].up_to(jitter_ms)
        } else {
            0
        };
        let deadline = self.now + after_ms + jitter;
        let slot_index = Self::slot_of(timer);
        self.timers[n.index()][slot_index].deadline = Some(deadline);
        self.queue_wake_up(n, slot_index, deadline);
    }

    /// Queues a wake-up at a timer's deadline unless one as early is queued already:
    /// timers are reset on every message, so at most one wake-up per timer waits in the
    /// queue, rather than one per reset.
    fn queue_wake_up(&mut self, n: NodeId, slot_index: usize, deadline: u64) {
        let slot = &mut self.timers[n.index()][slot_index];
        if slot.queued.is_none_or(|q| q > deadline) {
            slot.queued = Some(deadline);
            self.push(
                deadline,
                Event::Timer {
                    node: n.0,
                    slot: slot_index as u8,
                },
            );
        }
    }

    /// Whether a wake-up at `at` fires the timer: its deadline has come, and its replica
    /// is up.
    pub(super) fn timer_fires(&self, n: NodeId, slot_index: usize, at: u64) -> bool {
        let slot = self.timers[n.index()][slot_index];
        slot.deadline.is_some_and(|d| d <= at) && self.replicas[n.index()].up
    }

    /// A timer's wake-up at `at`, whether it fires or not: the wake-up is spent, a deadline
    /// moved later gets a wake-up of its own, and a deadline that has come is cleared.
    /// True when the deadline has come.
    pub(super) fn timer_woke(&mut self, n: NodeId, slot_index: usize, at: u64) -> bool {
        let slot = &mut self.timers[n.index()][slot_index];
        if slot.queued == Some(at) {
            slot.queued = None;
        }
        match slot.deadline {
            None => false,
            Some(deadline) if deadline > at => {
                self.queue_wake_up(n, slot_index, deadline);
                false
            }
            Some(_) => {
                self.timers[n.index()][slot_index].deadline = None;
                true
            }
        }
    }

    pub(super) fn fire_timer(&mut self, n: NodeId, slot_index: usize) -> bool {
        if !self.timer_woke(n, slot_index, self.now) || !self.replicas[n.index()].up {
            return false;
        }
        let timer = Self::kind_of(slot_index);
        self.hash(5, ((n.0 as u64) << 8) | slot_index as u64);
        self.trace_event("timer", Some(Endpoint::Replica(n)), None, || match timer {
            TimerKind::Heartbeat => "heartbeat".to_string(),
            TimerKind::Election => "election timeout".to_string(),
            TimerKind::SnapshotSend(f) => format!("send the next snapshot part to {f}"),
        });
        self.with_replica(n, |r, ctx| r.on_timer(timer, ctx));
        true
    }

    /// Cancels every timer of a replica (it crashed).
    pub(super) fn cancel_timers(&mut self, n: NodeId) {
        for slot in self.timers[n.index()].iter_mut() {
            slot.deadline = None;
        }
    }

    pub(super) fn cancel_timer(&mut self, n: NodeId, timer: TimerKind) {
        self.timers[n.index()][Self::slot_of(timer)].deadline = None;
    }
}
