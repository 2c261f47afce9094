//! The space-time diagram, in the manner of the chapter's figures: a lane per client and per
//! replica, time flowing down, an arrow per message, a mark where a write is confirmed
//! (crossed out if it was later lost) and a cross where a replica crashed. It shows a window
//! of time ending at the cursor, so it moves in step with the timeline. What it shows comes
//! from the engine (`replication_sim::spacetime`); this only draws it.

use crate::layout::n;
use crate::state::Selection;
use replication_sim::spacetime::{MarkKind, SpaceTime};
use std::rc::Rc;
use yew::prelude::*;

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
        .filter(|s| s.to_ms >= d.from_ms && s.from_ms <= d.to_ms)
        .map(|s| html! { <line class="down" x1={n(x(s.lane) + 4.0)} y1={n(y(s.from_ms.max(d.from_ms)))} x2={n(x(s.lane) + 4.0)} y2={n(y(s.to_ms.min(d.to_ms)))} /> })
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
            let on = props.on_select.clone();
            let detail = a.summary.clone();
            let onclick = Callback::from(move |_| on.emit(Selection::Detail(detail.clone())));
            html! {
                <g class="arrow-hit" {onclick}>
                    <title>{ &a.summary }</title>
                    <line class={classes!("arrow", format!("a-{}", a.kind.name()), a.dropped.then_some("dropped"), a.in_flight.then_some("inflight"))}
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
            let room = y(m.at) - last_label_y[m.lane] >= 13.0 || m.kind != MarkKind::Confirmed;
            if room {
                last_label_y[m.lane] = y(m.at);
            }
            let on = props.on_select.clone();
            let detail = m.detail.clone();
            let onclick = Callback::from(move |_| on.emit(Selection::Detail(detail.clone())));
            let (cx, cy) = (x(m.lane), y(m.at));
            let glyph = m.kind.glyph();
            html! {
                <g class="mark-hit" {onclick}>
                    <title>{ &m.detail }</title>
                    <text class={format!("m-{}", m.kind.name())} x={n(cx - 8.0)} y={n(cy + 4.0)} text-anchor="end">{ if !room { glyph.to_string() } else if m.kind == MarkKind::Crash { format!("{glyph} crash") } else { format!("{glyph} {}", m.label) } }</text>
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

/// Export SVG: the diagram as the page shows it, as a standalone file named after the run.
pub fn export(title: String, d: Callback<crate::state::LabAction>) -> Callback<MouseEvent> {
    use crate::state::{LabAction, Notice};
    Callback::from(move |_| {
        let svg = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|doc| doc.get_element_by_id(SVG_ID))
            .map(|el| el.outer_html());
        let Some(svg) = svg else { return };
        // A standalone file: add the colours the page's stylesheet gave it.
        let styled = match svg.find('>') {
            Some(i) => format!(
                "{}<style>{}</style>{}",
                &svg[..=i],
                EXPORT_STYLE,
                &svg[i + 1..]
            ),
            None => svg,
        };
        let name = format!(
            "{}-space-time.svg",
            title
                .to_ascii_lowercase()
                .replace(|c: char| !c.is_ascii_alphanumeric(), "-")
        );
        if let Err(e) = crate::share::download(
            &name,
            "image/svg+xml",
            &format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{styled}"),
        ) {
            d.emit(LabAction::Notify(Notice {
                text: format!("Could not export the diagram: {e}"),
                error: true,
            }));
        }
    })
}
