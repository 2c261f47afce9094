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
        let slot = &mut self.timers[n.index()][slot_index];
        slot.deadline = Some(deadline);
        // Timers are reset on every message; keep at most one wake-up queued per timer
        // rather than one per reset.
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

    pub(super) fn fire_timer(&mut self, n: NodeId, slot_index: usize) -> bool {
        let now = self.now;
        let slot = &mut self.timers[n.index()][slot_index];
        if slot.queued == Some(now) {
            slot.queued = None;
        }
        let Some(deadline) = slot.deadline else {
            return false;
        };
        if deadline > now {
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
            return false;
        }
        slot.deadline = None;
        if !self.replicas[n.index()].up {
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
}
