//! The controller node `m1` (`failover: controller`). The chapter's second way of choosing
//! a new leader: "a new leader could be appointed by a previously elected controller
//! node". It decides the leader is dead by a timeout ("if a node doesn't respond for some
//! period of time ... it is assumed to be dead"), and appoints "the replica with the most
//! up-to-date data changes from the old leader", to lose as little as possible. It is a
//! node on the network like any other: it can crash, be cut off or be partitioned, and
//! then it sees only what reaches it.
//!
//! Every heartbeat interval it pings every replica; the leader answers "here, leading".
//! After a failover timeout without that answer it probes every live replica: "how far
//! does your log reach?". A replica that answers enters the probe's new epoch, so it
//! refuses the old leader from then on and its log stays where it said. A replica that
//! still hears the leader says so, and the controller appoints nobody: it alone lost the
//! leader. Once every probed replica has answered (or a failover timeout has passed), and
//! if a majority of the live replicas answered, it appoints the most up-to-date of them;
//! with fencing on, it first tells the old leader to stop ("shoot the other node in the
//! head"), a message that reaches it only if the network lets it.

use super::*;
use crate::ids::CONTROLLER;

/// One appointment, with what the controller knew at that instant (the invariant
/// "a controller-appointed leader is the most up-to-date replica it could reach" reads it).
#[derive(Clone, Debug, PartialEq)]
pub struct Appointment {
    pub at_ms: u64,
    pub epoch: u32,
    pub leader: NodeId,
    /// Every replica that answered the probe, with its log's end (epoch, position).
    pub answers: Vec<(NodeId, (u32, u64))>,
    /// The leader it replaced, and whether it was told to stop first.
    pub old_leader: Option<NodeId>,
    pub fenced: bool,
}

/// A probe under way: the epoch it would appoint a leader in, and the answers so far.
#[derive(Clone, Debug, PartialEq)]
pub struct Round {
    pub id: u32,
    pub epoch: u32,
    pub started_ms: u64,
    pub asked: u16,
    pub answers: Vec<(NodeId, (u32, u64))>,
}

/// The controller's state: volatile but for its epoch and its record of appointments (a
/// restarted controller knows nothing else).
#[derive(Clone, Debug, PartialEq)]
pub struct Controller {
    pub up: bool,
    /// The leader it believes in, and when that leader last said it leads.
    pub leader: Option<NodeId>,
    pub leader_heard_ms: u64,
    /// The newest epoch it knows of.
    pub epoch: u32,
    /// When each replica last answered a ping.
    pub heard_ms: [Option<u64>; MAX_REPLICAS],
    pub round: Option<Round>,
    rounds: u32,
    /// Ticks of an older life (before a crash) find a newer generation and do nothing.
    generation: u32,
    /// No new round before this instant: one that found nothing to do waits a timeout.
    next_round_ms: u64,
    pub appointments: Vec<Appointment>,
    /// What it last said about a failover it could not make: said once, not every round.
    last_refusal: Option<String>,
}

impl Controller {
    fn new() -> Controller {
        Controller {
            up: true,
            leader: Some(NodeId(0)),
            leader_heard_ms: 0,
            epoch: 1,
            heard_ms: [None; MAX_REPLICAS],
            round: None,
            rounds: 0,
            generation: 0,
            next_round_ms: 0,
            appointments: Vec::new(),
            last_refusal: None,
        }
    }
}

impl Sim {
    /// With `failover: controller`, `m1` starts watching at time 0.
    pub(super) fn start_controller(&mut self) {
        if self.scenario.cluster.failover == crate::scenario::Failover::Controller {
            self.controller = Some(Controller::new());
            self.push(0, Event::ControllerTick { generation: 0 });
        }
    }

    pub(super) fn controller_tick_counts(&self, generation: u32) -> bool {
        self.controller
            .as_ref()
            .is_some_and(|c| c.up && c.generation == generation)
    }

    pub(super) fn controller_round_counts(&self, id: u32) -> bool {
        self.controller
            .as_ref()
            .is_some_and(|c| c.up && c.round.as_ref().is_some_and(|r| r.id == id))
    }

    fn tell_replica(&mut self, n: NodeId, m: ControllerMessage) {
        self.send(
            Endpoint::Controller,
            Endpoint::Replica(n),
            Payload::Controller(m),
        );
    }

    /// Every heartbeat interval: ping every replica, and start a failover once the leader
    /// has been silent a failover timeout.
    pub(super) fn controller_tick(&mut self, generation: u32) -> bool {
        if !self.controller_tick_counts(generation) {
            return false;
        }
        self.hash(6, generation as u64);
        self.trace_event("timer", Some(Endpoint::Controller), None, || {
            "controller pings the replicas".to_string()
        });
        for n in self.members.iter_all().collect::<Vec<_>>() {
            self.tell_replica(n, ControllerMessage::Ping);
        }
        let c = self.controller.as_ref().expect("counted");
        let silent = self.now.saturating_sub(c.leader_heard_ms);
        if c.round.is_none()
            && silent >= self.settings.failover_timeout_ms
            && self.now >= c.next_round_ms
        {
            self.start_probe(silent);
        }
        let at = self.now + self.settings.heartbeat_ms;
        self.push(at, Event::ControllerTick { generation });
        true
    }

    fn start_probe(&mut self, silent_ms: u64) {
        // The silent leader is asked too, but not waited for: it has been silent a
        // failover timeout already.
        let silent_leader = self
            .controller
            .as_ref()
            .and_then(|c| c.leader)
            .map_or(0, |l| l.bit());
        let live = self.members.live & !silent_leader;
        let now = self.now;
        let timeout = self.settings.failover_timeout_ms;
        let c = self.controller.as_mut().expect("present");
        c.rounds += 1;
        let round = Round {
            id: c.rounds,
            epoch: c.epoch + 1,
            started_ms: now,
            asked: live,
            answers: Vec::new(),
        };
        let (id, epoch, leader) = (round.id, round.epoch, c.leader);
        c.round = Some(round);
        if c.last_refusal.is_none() {
            let whose = leader.map_or("any leader".to_string(), |l| format!("the leader {l}"));
            self.note(
                NoteKind::Election,
                None,
                vec![],
                format!("{CONTROLLER} (the controller) has not heard from {whose} for {silent_ms} ms: it asks every replica how far its log reaches, to appoint the most up-to-date one leader of epoch {epoch}"),
            );
        }
        for n in self.members.iter_live().collect::<Vec<_>>() {
            self.tell_replica(n, ControllerMessage::Probe { epoch });
        }
        self.push(now + timeout, Event::ControllerRoundEnd { id });
    }

    /// The probe's window is over: decide with the answers there are.
    pub(super) fn controller_round_end(&mut self, id: u32) -> bool {
        if !self.controller_round_counts(id) {
            return false;
        }
        self.hash(7, id as u64);
        self.trace_event("timer", Some(Endpoint::Controller), None, || {
            "controller's probe window is over".to_string()
        });
        self.decide();
        true
    }

    /// A message for the controller (the network drops it if the controller is down).
    pub(super) fn controller_receive(&mut self, from: Endpoint, payload: Payload) {
        let (Some(n), Payload::Controller(m)) = (from.replica(), payload) else {
            return;
        };
        let now = self.now;
        let Some(c) = self.controller.as_mut() else {
            return;
        };
        match m {
            ControllerMessage::Status { epoch, leads } => {
                c.heard_ms[n.index()] = Some(now);
                c.epoch = c.epoch.max(epoch);
                if leads && epoch >= c.epoch {
                    c.leader = Some(n);
                    c.leader_heard_ms = now;
                    c.last_refusal = None;
                    // A leader of the round's epoch or a newer one is alive (a manual
                    // failover, say): the answers the round has are from before it, and
                    // appointing on them would make a second leader on stale logs.
                    if c.round.as_ref().is_some_and(|r| r.epoch <= epoch) {
                        self.refuse(format!(
                            "{CONTROLLER} hears that {n} leads epoch {epoch}: it appoints nobody"
                        ));
                    }
                }
            }
            ControllerMessage::ProbeReply { epoch, answer } => {
                let Some(round) = c.round.as_mut().filter(|r| r.epoch == epoch) else {
                    return;
                };
                match answer {
                    ProbeAnswer::LogEnd {
                        last_epoch,
                        last_position,
                    } => {
                        if !round.answers.iter().any(|(a, _)| *a == n) {
                            round.answers.push((n, (last_epoch, last_position)));
                        }
                        let answered: u16 = round.answers.iter().map(|(a, _)| a.bit()).sum();
                        if answered & round.asked == round.asked {
                            self.decide();
                        }
                    }
                    ProbeAnswer::LeaderAlive { leader } => self.refuse(format!(
                        "{n} still hears the leader {leader}: only {CONTROLLER} lost it, so it appoints nobody"
                    )),
                    ProbeAnswer::Newer { epoch } => {
                        c.epoch = c.epoch.max(epoch);
                        self.refuse(format!(
                            "{n} already knows epoch {epoch}: {CONTROLLER} will ask again in a newer one"
                        ));
                    }
                }
            }
            _ => {}
        }
    }

    /// Gives up this round, saying why once; the next may start a failover timeout later.
    fn refuse(&mut self, why: String) {
        let next = self.now + self.settings.failover_timeout_ms;
        let c = self.controller.as_mut().expect("present");
        c.round = None;
        c.next_round_ms = next;
        if c.last_refusal.as_deref() != Some(why.as_str()) {
            c.last_refusal = Some(why.clone());
            self.note(NoteKind::Election, None, vec![], why);
        }
    }

    /// Appoints the most up-to-date replica that answered, if a majority of the live
    /// replicas did: fewer could leave a leader elsewhere that a majority still follows.
    fn decide(&mut self) {
        let c = self.controller.as_ref().expect("present");
        let Some(round) = c.round.clone() else {
            return;
        };
        let needed = self.members.majority() as usize;
        let best = round
            .answers
            .iter()
            .max_by_key(|(n, end)| (*end, Reverse(*n)))
            .copied();
        let Some((leader, (_, position))) = best.filter(|_| round.answers.len() >= needed) else {
            let heard: Vec<String> = round.answers.iter().map(|(n, _)| n.to_string()).collect();
            let heard = if heard.is_empty() {
                "no replica".to_string()
            } else {
                heard.join(", ")
            };
            return self.refuse(format!(
                "{CONTROLLER} hears from {heard}, fewer than a majority of the {} replicas: it cannot tell whether a leader it cannot reach is still taking writes, so it appoints nobody",
                self.members.live.count_ones()
            ));
        };
        let old = c.leader.filter(|&l| l != leader);
        let fencing = self.settings.fencing;
        if let (Some(o), true) = (old, fencing) {
            self.tell_replica(o, ControllerMessage::Fence { epoch: round.epoch });
        }
        let answered: u16 = round.answers.iter().map(|(n, _)| n.bit()).sum();
        self.tell_replica(
            leader,
            ControllerMessage::Appoint {
                epoch: round.epoch,
                answered,
                decided_at: self.now,
            },
        );
        let now = self.now;
        let c = self.controller.as_mut().expect("present");
        c.appointments.push(Appointment {
            at_ms: now,
            epoch: round.epoch,
            leader,
            answers: round.answers.clone(),
            old_leader: old,
            fenced: old.is_some() && fencing,
        });
        c.epoch = round.epoch;
        c.leader = Some(leader);
        c.leader_heard_ms = now;
        c.round = None;
        c.last_refusal = None;
        let others: Vec<String> = round
            .answers
            .iter()
            .map(|(n, (_, p))| format!("{n} at {p}"))
            .collect();
        let fence = match (old, fencing) {
            (Some(o), true) => format!("; first it tells {o} to stop taking writes (\"shoot the other node in the head\"): should {o} be alive but out of reach, only the new epoch and its expiring lease stop it"),
            (Some(o), false) => format!("; fencing is off, so nobody tells {o} to stop: if it is alive, it may go on taking writes (split brain)"),
            (None, _) => String::new(),
        };
        self.marks.appointed(self.notes.len());
        self.note(
            NoteKind::Election,
            Some(leader),
            vec![],
            format!(
                "{CONTROLLER} appoints {leader} leader of epoch {}: its log reaches position {position}, the furthest of those that answered ({}){fence}",
                round.epoch,
                others.join(", ")
            ),
        );
    }

    /// The controller stops: nobody watches the leader until it restarts.
    pub(super) fn crash_controller(&mut self) {
        let Some(c) = self.controller.as_mut() else {
            return;
        };
        if !c.up {
            return self.note(
                NoteKind::Crash,
                None,
                vec![],
                format!("{CONTROLLER} is already down"),
            );
        }
        c.up = false;
        c.round = None;
        c.generation += 1;
        let e = Endpoint::Controller;
        self.drop_in_flight(|m| m.source == e || m.target == e);
        self.note(
            NoteKind::Crash,
            None,
            vec![],
            format!("{CONTROLLER} (the controller) crashed: if the leader fails now, nobody appoints another"),
        );
    }

    /// Back, knowing nothing: it learns who leads from the answers to its pings.
    pub(super) fn restart_controller(&mut self) {
        let now = self.now;
        let Some(c) = self.controller.as_mut() else {
            return;
        };
        if c.up {
            return self.note(
                NoteKind::Restart,
                None,
                vec![],
                format!("{CONTROLLER} is already running"),
            );
        }
        let generation = c.generation;
        *c = Controller {
            generation,
            leader: None,
            leader_heard_ms: now,
            epoch: c.epoch,
            appointments: std::mem::take(&mut c.appointments),
            rounds: c.rounds,
            ..Controller::new()
        };
        self.push(now, Event::ControllerTick { generation });
        self.note(
            NoteKind::Restart,
            None,
            vec![],
            format!(
                "{CONTROLLER} (the controller) restarted; it learns who leads from the replicas"
            ),
        );
    }
}
