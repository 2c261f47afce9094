//! The space-time diagram's content, in the manner of the chapter's figures: a lane per
//! client and per replica, an arrow per message from its sending to its arrival (or to where
//! it was lost on the wire), a mark where a write is confirmed (a lost one if it was later
//! lost) and where a replica crashed, and the stretches during which a replica was down. The
//! engine decides all of it; the web app only draws it, for a window of time ending at the
//! simulation's instant.

mod focus;

use crate::ids::{Endpoint, WriteId};
use crate::message::MessageKind;
use crate::message_log::MessageRecord;
use crate::sim::{Outcome, Sim, UpChange};

/// What the diagram draws.
#[derive(Clone, Debug, PartialEq)]
pub struct SpaceTime {
    /// Clients first, then replicas.
    pub lanes: Vec<String>,
    pub from_ms: u64,
    pub to_ms: u64,
    /// Ordered by sending time.
    pub arrows: Vec<Arrow>,
    pub marks: Vec<Mark>,
    pub down: Vec<DownStretch>,
    /// The write whose messages alone are drawn (its request, the appends and
    /// acknowledgements that carry its log position, the reply), if the reader chose one.
    pub focus: Option<WriteId>,
    /// The writes a reader can choose from: those whose request was sent in the window.
    pub writes: Vec<WriteId>,
}

/// One message.
#[derive(Clone, Debug, PartialEq)]
pub struct Arrow {
    pub id: u64,
    pub kind: MessageKind,
    pub from_lane: usize,
    pub to_lane: usize,
    pub sent_at: u64,
    /// Arrival (or loss); for a message still in flight, the diagram's end.
    pub end_at: u64,
    pub in_flight: bool,
    /// Lost on the wire (a lossy or cut link, or a target that was down).
    pub dropped: bool,
    /// A heartbeat or the acknowledgement of one: liveness only.
    pub heartbeat: bool,
    /// How far along the wire it got by `end_at`, 0..=1: short of 1 for a message dropped
    /// on the way (its sender crashed, its link was cut) or still in flight.
    pub reached: f64,
    /// The write it is about, which a reader selects by choosing it: a client's request or
    /// its reply, the write at the first position an append carries, or at the position an
    /// acknowledgement reports.
    pub write: Option<WriteId>,
    pub summary: String,
}

/// What a mark on a lane stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkKind {
    /// A write confirmed to its client (on the client's lane).
    Confirmed,
    /// A write confirmed to its client and lost since.
    Lost,
    /// A replica crashed (on its lane).
    Crash,
}

impl MarkKind {
    /// For CSS classes: "confirmed", "lost", "crash".
    pub fn name(self) -> &'static str {
        match self {
            MarkKind::Confirmed => "confirmed",
            MarkKind::Lost => "lost",
            MarkKind::Crash => "crash",
        }
    }
    pub fn glyph(self) -> &'static str {
        match self {
            MarkKind::Confirmed => "✓",
            MarkKind::Lost => "✗",
            MarkKind::Crash => "✕",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    pub lane: usize,
    pub at: u64,
    pub kind: MarkKind,
    /// The write's id; for a crash, the glyph.
    pub label: String,
    pub detail: String,
}

/// A stretch of time during which a replica was down; `to_ms` is the diagram's end if it
/// has not restarted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DownStretch {
    pub lane: usize,
    pub from_ms: u64,
    pub to_ms: u64,
}

fn lane_of(clients: usize, replicas: usize, e: Endpoint) -> Option<usize> {
    match e {
        Endpoint::Client(c) if c.index() < clients => Some(c.index()),
        Endpoint::Replica(n) if n.index() < replicas => Some(clients + n.index()),
        _ => None,
    }
}

/// The diagram's content for `window_ms` ending at the simulation's instant; heartbeats and
/// their acknowledgements only if `heartbeats`.
pub fn extract(sim: &Sim, window_ms: u64, heartbeats: bool) -> SpaceTime {
    extract_write(sim, window_ms, heartbeats, None)
}

/// As [`extract`], and with `focus` only that write's messages and confirmation (crashes and
/// down stretches stay: they explain what happened to it).
pub fn extract_write(
    sim: &Sim,
    window_ms: u64,
    heartbeats: bool,
    focus: Option<WriteId>,
) -> SpaceTime {
    let to_ms = sim.now();
    let from_ms = to_ms.saturating_sub(window_ms);
    let (clients, replicas) = (sim.clients.len(), sim.replicas.len());
    let mut lanes: Vec<String> = sim.clients.iter().map(|c| c.id.to_string()).collect();
    lanes.extend(sim.replicas.iter().map(|r| r.id.to_string()));
    let lane = |e: Endpoint| lane_of(clients, replicas, e);
    // Each message, and whether it is still in flight.
    let mut records: Vec<(MessageRecord, bool)> = Vec::new();
    // The log is in arrival order; walk back from the newest while arrivals are in the window.
    for m in sim.message_log.iter().rev() {
        if m.end_at < from_ms {
            break;
        }
        records.push((m, false));
    }
    records.extend(
        sim.in_flight
            .values()
            .map(|m| (MessageRecord::of(m, to_ms, false), true)),
    );
    records.retain(|(m, _)| heartbeats || !m.heartbeat);
    records.sort_by_key(|(m, _)| (m.sent_at, m.id));
    let positions = focus::Positions::of(sim);
    let mut arrows: Vec<Arrow> = records
        .iter()
        .filter_map(|&(m, flying)| {
            let (a, b) = (lane(m.source)?, lane(m.target)?);
            Some(Arrow {
                id: m.id,
                kind: m.kind,
                from_lane: a,
                to_lane: b,
                sent_at: m.sent_at,
                end_at: m.end_at,
                in_flight: flying,
                dropped: m.dropped,
                heartbeat: m.heartbeat,
                reached: m.reached,
                write: positions.write_of(&m),
                summary: m.summary(flying),
            })
        })
        .collect();
    let writes = sim
        .writes
        .iter()
        .filter(|w| (from_ms..=to_ms).contains(&w.invoked_at))
        .map(|w| w.id)
        .collect();
    let mut marks = confirmations(sim, from_ms, to_ms, clients);
    let (down, crashes) = down_stretches(sim, from_ms, to_ms, clients);
    if let Some(w) = focus.and_then(|w| sim.write(w)) {
        let keep = positions.messages_of(w, &records);
        arrows.retain(|a| keep.contains(&a.id));
        let label = w.id.to_string();
        marks.retain(|m| m.label == label);
    }
    marks.extend(crashes);
    SpaceTime {
        lanes,
        from_ms,
        to_ms,
        arrows,
        marks,
        down,
        focus,
        writes,
    }
}

/// A mark on the client's lane for each write confirmed in the window, lost or not (as of
/// `to_ms`).
fn confirmations(sim: &Sim, from_ms: u64, to_ms: u64, clients: usize) -> Vec<Mark> {
    let mut marks = Vec::new();
    for w in sim.writes.iter() {
        let Outcome::Confirmed { at, by, .. } = w.outcome else {
            continue;
        };
        if at < from_ms || at > to_ms || w.client.index() >= clients {
            continue;
        }
        let lost = w.lost.as_ref().filter(|l| l.at <= to_ms);
        let what = format!(
            "{} ({} = {}) confirmed by {by} at {at} ms",
            w.id,
            w.key(),
            w.value()
        );
        marks.push(Mark {
            lane: w.client.index(),
            at,
            kind: if lost.is_some() {
                MarkKind::Lost
            } else {
                MarkKind::Confirmed
            },
            label: w.id.to_string(),
            detail: match lost {
                Some(l) => format!("{what}, lost at {} ms: {}", l.at, l.reason.explain()),
                None => what,
            },
        });
    }
    marks
}

/// The stretches each replica was down, from its crashes and restarts, and a mark for each
/// crash in the window.
fn down_stretches(
    sim: &Sim,
    from_ms: u64,
    to_ms: u64,
    clients: usize,
) -> (Vec<DownStretch>, Vec<Mark>) {
    let mut down = Vec::new();
    let mut marks = Vec::new();
    let mut down_since: Vec<Option<u64>> = vec![None; sim.replicas.len()];
    for &UpChange {
        at_ms,
        node,
        up,
        note,
    } in sim.up_changes.iter()
    {
        let Some(since) = down_since.get_mut(node.index()) else {
            continue;
        };
        let lane = clients + node.index();
        if up {
            if let Some(s) = since.take() {
                down.push(DownStretch {
                    lane,
                    from_ms: s,
                    to_ms: at_ms,
                });
            }
            continue;
        }
        *since = Some(at_ms);
        if (from_ms..=to_ms).contains(&at_ms) {
            marks.push(Mark {
                lane,
                at: at_ms,
                kind: MarkKind::Crash,
                label: MarkKind::Crash.glyph().into(),
                detail: sim
                    .notes
                    .get(note)
                    .map(|n| n.text.clone())
                    .unwrap_or_default(),
            });
        }
    }
    for (i, s) in down_since.iter().enumerate() {
        if let Some(s) = s {
            down.push(DownStretch {
                lane: clients + i,
                from_ms: *s,
                to_ms,
            });
        }
    }
    (down, marks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::Preset;

    fn run(preset: &str, until_ms: u64) -> Sim {
        let scenario = Preset::by_id(preset).unwrap().scenario().unwrap();
        let mut sim = Sim::new(&scenario).unwrap();
        sim.run_until(until_ms);
        sim
    }

    /// Broke before: messages the crashed leader had on the wire were drawn ending at their
    /// receivers' lanes, with the red cross, as if n2 and n3 had crashed too. They were lost
    /// on the way, and end part of the way along.
    #[test]
    fn messages_lost_when_their_sender_crashes_end_part_way_along_the_wire() {
        // async-failover: followers 100 ms away; n1 crashes at 1.5 s.
        let st = extract(&run("async-failover", 1_600), 1_000, false);
        let n1 = st.lanes.iter().position(|l| l == "n1").unwrap();
        let cut_short: Vec<&Arrow> = st
            .arrows
            .iter()
            .filter(|a| a.dropped && a.from_lane == n1 && a.to_lane > n1 && a.end_at == 1_500)
            .collect();
        assert!(!cut_short.is_empty(), "n1 had appends on the wire");
        for a in cut_short {
            let expected = (1_500 - a.sent_at) as f64 / 100.0;
            assert!(
                a.reached < 1.0 && (a.reached - expected).abs() < 0.15,
                "{a:?}"
            );
        }
        assert!(st
            .arrows
            .iter()
            .filter(|a| !a.dropped && !a.in_flight)
            .all(|a| a.reached == 1.0));
    }

    /// The write's messages, as (kind, from, to) of lanes' names.
    fn followed(
        preset: &str,
        at: u64,
        window_ms: u64,
        w: u32,
    ) -> Vec<(MessageKind, String, String)> {
        let st = extract_write(&run(preset, at), window_ms, false, Some(WriteId(w)));
        assert_eq!(st.focus, Some(WriteId(w)));
        let confirmed: Vec<&Mark> = st
            .marks
            .iter()
            .filter(|m| m.kind != MarkKind::Crash)
            .collect();
        assert_eq!(confirmed.len(), 1, "only its own confirmation is marked");
        assert_eq!(confirmed[0].label, WriteId(w).to_string());
        st.arrows
            .iter()
            .map(|a| {
                (
                    a.kind,
                    st.lanes[a.from_lane].clone(),
                    st.lanes[a.to_lane].clone(),
                )
            })
            .collect()
    }

    fn hops(list: &[(MessageKind, &str, &str)]) -> Vec<(MessageKind, String, String)> {
        list.iter()
            .map(|(k, a, b)| (*k, a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn one_write_is_followed_from_its_request_through_the_followers_to_its_reply() {
        use MessageKind::*;
        // Asynchronous: the leader confirms at once, and replicates to both followers.
        let mut got = followed("async-failover", 1_200, 1_000, 30);
        got.sort();
        let mut want = hops(&[
            (ClientWrite, "c1", "n1"),
            (WriteReply, "n1", "c1"),
            (Append, "n1", "n2"),
            (Append, "n1", "n3"),
            (Ack, "n2", "n1"),
            (Ack, "n3", "n1"),
        ]);
        want.sort();
        assert_eq!(got, want);
    }

    #[test]
    fn a_write_in_a_chain_goes_down_to_the_tail_which_confirms_it_and_acknowledgements_come_back_up(
    ) {
        use MessageKind::*;
        let got = followed("chain", 1_200, 1_000, 10);
        let of = |k: MessageKind| -> Vec<(MessageKind, String, String)> {
            got.iter().filter(|m| m.0 == k).cloned().collect()
        };
        assert_eq!(
            of(ClientWrite),
            hops(&[(ClientWrite, "c1", "n1")]),
            "to the head"
        );
        assert_eq!(
            of(Append),
            hops(&[
                (Append, "n1", "n2"),
                (Append, "n2", "n3"),
                (Append, "n3", "n4")
            ]),
            "down the chain, one hop at a time, in order"
        );
        let mut acks = of(Ack);
        acks.sort();
        assert_eq!(
            acks,
            hops(&[(Ack, "n2", "n1"), (Ack, "n3", "n2"), (Ack, "n4", "n3")]),
            "each member acknowledges to its predecessor: back up the chain"
        );
        assert_eq!(
            of(WriteReply),
            hops(&[(WriteReply, "n4", "c1")]),
            "the tail confirms"
        );
        assert_eq!(got.len(), 8, "nothing else: {got:?}");
    }

    #[test]
    fn a_crashed_replica_is_down_from_its_crash_to_its_restart() {
        // async-failover: n1, the leader, crashes at 1.5 s and restarts at 3.5 s.
        let sim = run("async-failover", 4_000);
        let st = extract(&sim, 4_000, false);
        let n1 = st.lanes.iter().position(|l| l == "n1").unwrap();
        assert_eq!(
            st.down,
            vec![DownStretch {
                lane: n1,
                from_ms: 1_500,
                to_ms: 3_500
            }]
        );
        let crash: Vec<&Mark> = st
            .marks
            .iter()
            .filter(|m| m.kind == MarkKind::Crash)
            .collect();
        assert_eq!(crash.len(), 1);
        assert_eq!((crash[0].lane, crash[0].at), (n1, 1_500));
        assert!(
            crash[0].detail.starts_with("n1 crashed"),
            "{}",
            crash[0].detail
        );
        // Still down: the stretch runs to the diagram's end.
        let st = extract(&run("async-failover", 2_000), 1_000, false);
        assert_eq!(
            st.down,
            vec![DownStretch {
                lane: n1,
                from_ms: 1_500,
                to_ms: 2_000
            }]
        );
    }

    #[test]
    fn a_crash_of_a_replica_already_down_changes_nothing() {
        let mut scenario = Preset::by_id("async-failover").unwrap().scenario().unwrap();
        scenario.events.push(crate::TimedAction {
            at_ms: 2_000,
            action: crate::Action::Crash {
                node: crate::NodeId(0),
            },
        });
        let mut sim = Sim::new(&scenario).unwrap();
        sim.run_until(4_000);
        let st = extract(&sim, 4_000, false);
        assert_eq!(st.down.len(), 1);
        assert_eq!((st.down[0].from_ms, st.down[0].to_ms), (1_500, 3_500));
    }

    #[test]
    fn heartbeats_and_their_acknowledgements_show_only_when_asked() {
        let sim = run("async-failover", 1_000);
        let without = extract(&sim, 1_000, false);
        assert!(without.arrows.iter().all(|a| !a.heartbeat));
        assert!(without.arrows.iter().any(|a| a.kind == MessageKind::Ack));
        let with = extract(&sim, 1_000, true);
        let beats = with.arrows.iter().filter(|a| a.heartbeat);
        assert!(beats.clone().any(|a| a.kind == MessageKind::Heartbeat));
        assert!(
            beats.clone().any(|a| a.kind == MessageKind::Ack),
            "acknowledgements of heartbeats are heartbeat traffic too"
        );
        assert!(beats
            .clone()
            .all(|a| matches!(a.kind, MessageKind::Heartbeat | MessageKind::Ack)));
        assert_eq!(
            with.arrows.len(),
            without.arrows.len() + beats.count(),
            "hiding heartbeats hides nothing else"
        );
    }

    #[test]
    fn confirmed_writes_are_marked_on_their_clients_lane_and_lost_ones_as_lost() {
        let sim = run("async-failover", 4_000);
        let st = extract(&sim, 4_000, false);
        let lost = st.marks.iter().filter(|m| m.kind == MarkKind::Lost).count();
        let confirmed = st
            .marks
            .iter()
            .filter(|m| m.kind == MarkKind::Confirmed)
            .count();
        assert_eq!(lost, sim.writes.iter().filter(|w| w.lost.is_some()).count());
        assert!(lost > 0 && confirmed > 0);
        assert!(st
            .marks
            .iter()
            .filter(|m| m.kind != MarkKind::Crash)
            .all(|m| st.lanes[m.lane].starts_with('c')));
    }
}
