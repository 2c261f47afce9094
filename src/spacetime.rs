//! The space-time diagram, in the manner of the chapter's figures: a lane per client and per
//! replica, time flowing down, an arrow per message, a mark where a write is confirmed
//! (crossed out if it was later lost) and a cross where a replica crashed. It shows a window
//! of time ending at the cursor, so it moves in step with the timeline.

use crate::layout::n;
use crate::state::Selection;
use replication_sim::message::MessageKind;
use replication_sim::sim::{MessageRecord, NoteKind, Outcome};
use replication_sim::{Endpoint, Sim};
use std::rc::Rc;
use yew::prelude::*;

/// What the diagram draws: extracted from the engine once per render.
#[derive(Clone, Debug, PartialEq)]
pub struct SpaceTime {
    pub lanes: Vec<String>,
    pub from_ms: u64,
    pub to_ms: u64,
    pub arrows: Vec<Arrow>,
    pub marks: Vec<Mark>,
    /// (lane, from, to): stretches during which a replica was down.
    pub down: Vec<(usize, u64, u64)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Arrow {
    pub id: u64,
    pub kind: &'static str,
    pub from_lane: usize,
    pub to_lane: usize,
    pub sent_at: u64,
    /// Arrival (or loss); for a message still in flight, the cursor.
    pub end_at: u64,
    pub in_flight: bool,
    pub dropped: bool,
    pub summary: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    pub lane: usize,
    pub at: u64,
    /// "confirmed", "lost" or "crash".
    pub kind: &'static str,
    pub label: String,
    pub detail: String,
}

fn lane_of(lanes: &[String], e: Endpoint) -> Option<usize> {
    let name = e.to_string();
    lanes.iter().position(|l| *l == name)
}

/// The diagram's content for `window_ms` ending at the simulation's instant.
pub fn extract(sim: &Sim, window_ms: u64, heartbeats: bool) -> SpaceTime {
    let to_ms = sim.now();
    let from_ms = to_ms.saturating_sub(window_ms);
    let mut lanes: Vec<String> = sim.clients.iter().map(|c| c.id.to_string()).collect();
    lanes.extend(sim.replicas.iter().map(|r| r.id.to_string()));
    let keep = |k: MessageKind| heartbeats || !matches!(k, MessageKind::Heartbeat);
    let mut arrows = Vec::new();
    // The log is in arrival order; walk back from the newest while arrivals are in the window
    // (messages can take long, so allow for the slowest plausible flight).
    let log = &sim.message_log;
    let mut i = log.len();
    while i > 0 {
        i -= 1;
        let m: MessageRecord = log.get(i).expect("in range");
        if m.end_at < from_ms {
            break;
        }
        if !keep(m.kind) || (!heartbeats && m.kind == MessageKind::Ack && m.detail == 0) {
            continue;
        }
        let (Some(a), Some(b)) = (lane_of(&lanes, m.source), lane_of(&lanes, m.target)) else {
            continue;
        };
        arrows.push(Arrow {
            id: m.id,
            kind: m.kind.name(),
            from_lane: a,
            to_lane: b,
            sent_at: m.sent_at,
            end_at: m.end_at,
            in_flight: false,
            dropped: m.dropped,
            summary: m.summary(),
        });
    }
    for m in sim.in_flight.values() {
        let kind = m.payload.kind();
        let heartbeat_ack = matches!(
            m.payload,
            replication_sim::message::Payload::Ack {
                result: replication_sim::message::AckResult::Heartbeat,
                ..
            }
        );
        if !keep(kind) || (!heartbeats && heartbeat_ack) {
            continue;
        }
        let (Some(a), Some(b)) = (lane_of(&lanes, m.source), lane_of(&lanes, m.target)) else {
            continue;
        };
        arrows.push(Arrow {
            id: m.id,
            kind: kind.name(),
            from_lane: a,
            to_lane: b,
            sent_at: m.sent_at,
            end_at: to_ms,
            in_flight: true,
            dropped: false,
            summary: format!(
                "{}, {} → {}, sent {} ms, in flight",
                m.payload.summary(),
                m.source,
                m.target,
                m.sent_at
            ),
        });
    }
    arrows.sort_by_key(|a| (a.sent_at, a.id));
    let mut marks = Vec::new();
    for w in sim.writes.iter() {
        let Outcome::Confirmed { at, by, .. } = w.outcome else {
            continue;
        };
        if at < from_ms || at > to_ms {
            continue;
        }
        let Some(lane) = lane_of(&lanes, Endpoint::Client(w.client)) else {
            continue;
        };
        let lost = w.lost.as_ref().filter(|l| l.at <= to_ms);
        marks.push(Mark {
            lane,
            at,
            kind: if lost.is_some() { "lost" } else { "confirmed" },
            label: w.id.to_string(),
            detail: match lost {
                Some(l) => format!(
                    "{} ({} = {}) confirmed by {by} at {at} ms, lost at {} ms: {}",
                    w.id,
                    w.key(),
                    w.value(),
                    l.at,
                    l.reason.explain()
                ),
                None => format!(
                    "{} ({} = {}) confirmed by {by} at {at} ms",
                    w.id,
                    w.key(),
                    w.value()
                ),
            },
        });
    }
    let mut down = Vec::new();
    let mut down_since: Vec<Option<u64>> = vec![None; lanes.len()];
    for note in sim.notes.iter() {
        let Some(node) = note.node else { continue };
        let Some(lane) = lane_of(&lanes, Endpoint::Replica(node)) else {
            continue;
        };
        match note.kind {
            NoteKind::Crash if note.text.contains("crashed") => {
                down_since[lane] = Some(note.at_ms);
                if note.at_ms >= from_ms && note.at_ms <= to_ms {
                    marks.push(Mark {
                        lane,
                        at: note.at_ms,
                        kind: "crash",
                        label: "✕".into(),
                        detail: note.text.clone(),
                    });
                }
            }
            NoteKind::Restart if note.text.contains("restarted") => {
                if let Some(s) = down_since[lane].take() {
                    down.push((lane, s, note.at_ms));
                }
            }
            _ => {}
        }
    }
    for (lane, s) in down_since.iter().enumerate() {
        if let Some(s) = s {
            down.push((lane, *s, to_ms));
        }
    }
    SpaceTime {
        lanes,
        from_ms,
        to_ms,
        arrows,
        marks,
        down,
    }
}

/// Colours written into the exported file, which has no page stylesheet around it.
pub const EXPORT_STYLE: &str = "text{font:12px sans-serif;fill:#14171c}.lane{stroke:#9aa4b2;stroke-width:1.5}.down{stroke:#c62828;stroke-dasharray:4 4;stroke-width:2}\
.arrow{stroke:#5f7089;stroke-width:1.3;fill:none}.a-append{stroke:#2f6fdd}.a-ack{stroke:#1b7f4b}.a-client_write,.a-write_reply{stroke:#14171c}\
.a-vote_request,.a-vote_reply{stroke:#c2410c}.a-snapshot_chunk{stroke:#7c3aed}.dropped{stroke-dasharray:3 3;opacity:.7}.inflight{stroke-dasharray:6 3}\
.m-confirmed{fill:#1b7f4b}.m-lost{fill:#c62828}.m-crash{fill:#c62828;font-weight:700}.head{font-weight:700}.axis{fill:#5a6473}";

#[derive(Properties, PartialEq)]
pub struct SpaceTimeProps {
    pub data: Rc<SpaceTime>,
    pub on_select: Callback<Selection>,
}

pub const SVG_ID: &str = "spacetime-svg";

#[component]
pub fn SpaceTimeDiagram(props: &SpaceTimeProps) -> Html {
    let d = &props.data;
    let lane_w = 150.0;
    let left = 70.0;
    let top = 34.0;
    let height = 520.0;
    let width = left + lane_w * d.lanes.len().max(1) as f64;
    let span = (d.to_ms - d.from_ms).max(1) as f64;
    let x = |lane: usize| left + lane_w * (lane as f64 + 0.5);
    let y = |t: u64| top + (t.saturating_sub(d.from_ms)) as f64 / span * height;
    let lanes: Html = d
        .lanes
        .iter()
        .enumerate()
        .map(|(i, name)| {
            html! {
                <g>
                    <text class="head" x={n(x(i))} y="18" text-anchor="middle">{ name }</text>
                    <line class="lane" x1={n(x(i))} y1={n(top)} x2={n(x(i))} y2={n(top + height)} />
                </g>
            }
        })
        .collect();
    let down: Html = d
        .down
        .iter()
        .filter(|(_, s, e)| *e >= d.from_ms && *s <= d.to_ms)
        .map(|(lane, s, e)| html! { <line class="down" x1={n(x(*lane) + 4.0)} y1={n(y((*s).max(d.from_ms)))} x2={n(x(*lane) + 4.0)} y2={n(y((*e).min(d.to_ms)))} /> })
        .collect();
    let arrows: Html = d
        .arrows
        .iter()
        .map(|a| {
            let (x1, y1, x2, y2) = (x(a.from_lane), y(a.sent_at.max(d.from_ms)), x(a.to_lane), y(a.end_at));
            // An arrow that began before the window starts at the window's top edge, on its line.
            let (x1, y1) = if a.sent_at < d.from_ms {
                let f = (d.from_ms - a.sent_at) as f64 / (a.end_at - a.sent_at).max(1) as f64;
                (x1 + (x2 - x1) * f, y1)
            } else {
                (x1, y1)
            };
            let (x2, y2) = if a.in_flight {
                // Only the part of the flight that has happened so far.
                (x2, y2)
            } else {
                (x2, y2)
            };
            let on = props.on_select.clone();
            let detail = a.summary.clone();
            let onclick = Callback::from(move |_| on.emit(Selection::Detail(detail.clone())));
            html! {
                <g class="arrow-hit" {onclick}>
                    <title>{ &a.summary }</title>
                    <line class={classes!("arrow", format!("a-{}", a.kind), a.dropped.then_some("dropped"), a.in_flight.then_some("inflight"))}
                          x1={n(x1)} y1={n(y1)} x2={n(x2)} y2={n(y2)} marker-end={if a.dropped { "url(#st-x)" } else { "url(#st-arrow)" }} />
                    <line class="hit" x1={n(x1)} y1={n(y1)} x2={n(x2)} y2={n(y2)} />
                </g>
            }
        })
        .collect();
    // Labels closer than a line apart would overprint: keep the glyph, drop the label.
    let mut last_label_y: Vec<f64> = vec![f64::MIN; d.lanes.len()];
    let marks: Html = d
        .marks
        .iter()
        .map(|m| {
            let room = y(m.at) - last_label_y[m.lane] >= 13.0 || m.kind != "confirmed";
            if room {
                last_label_y[m.lane] = y(m.at);
            }
            let on = props.on_select.clone();
            let detail = m.detail.clone();
            let onclick = Callback::from(move |_| on.emit(Selection::Detail(detail.clone())));
            let (cx, cy) = (x(m.lane), y(m.at));
            let glyph = match m.kind {
                "confirmed" => "✓",
                "lost" => "✗",
                _ => "✕",
            };
            html! {
                <g class="mark-hit" {onclick}>
                    <title>{ &m.detail }</title>
                    <text class={format!("m-{}", m.kind)} x={n(cx - 8.0)} y={n(cy + 4.0)} text-anchor="end">{ if !room { glyph.to_string() } else if m.kind == "crash" { format!("{glyph} crash") } else { format!("{glyph} {}", m.label) } }</text>
                </g>
            }
        })
        .collect();
    let ticks: Html = {
        let step = if span > 4_000.0 {
            1_000
        } else if span > 1_500.0 {
            500
        } else {
            100
        };
        let first = d.from_ms.div_ceil(step) * step;
        (0..)
            .map(|k| first + k * step)
            .take_while(|t| *t <= d.to_ms)
            .map(|t| html! { <text class="axis" x="4" y={n(y(t) + 4.0)}>{ format!("{t} ms") }</text> })
            .collect()
    };
    html! {
        <svg id={SVG_ID} class="spacetime" xmlns="http://www.w3.org/2000/svg" viewBox={format!("0 0 {} {}", n(width), n(top + height + 10.0))}
             role="group" aria-label={format!("Space-time diagram from {} ms to {} ms", d.from_ms, d.to_ms)}>
            <defs>
                <marker id="st-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                    <path d="M0,0 L10,5 L0,10 z" fill="context-stroke" />
                </marker>
                <marker id="st-x" viewBox="0 0 10 10" refX="5" refY="5" markerWidth="9" markerHeight="9">
                    <path d="M1,1 L9,9 M9,1 L1,9" stroke="#c62828" stroke-width="2" />
                </marker>
            </defs>
            { ticks }
            { lanes }
            { down }
            { arrows }
            { marks }
        </svg>
    }
}
