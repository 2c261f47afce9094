//! The space-time diagram, in the manner of the chapter's figures: a lane per client and per
//! replica, time flowing down, an arrow per message, a mark where a write is confirmed
//! (crossed out if it was later lost) and a cross where a replica crashed; a message lost on
//! the wire ends where it was lost, in a hollow ring, and a legend says which mark is which.
//! It shows a window of time ending at the cursor, so it moves in step with the timeline; the
//! reader may follow one write, and then only its messages are drawn. What it shows, and
//! which messages are a write's, comes from the engine (`replication_sim::spacetime`); this
//! only draws it.

use crate::layout::n;
use crate::state::Selection;
use replication_sim::spacetime::{MarkKind, SpaceTime};
use replication_sim::WriteId;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Colours written into the exported file, which has no page stylesheet around it.
pub const EXPORT_STYLE: &str = "text{font:12px sans-serif;fill:#14171c}.lane{stroke:#9aa4b2;stroke-width:1.5}.down{stroke:#c62828;stroke-dasharray:4 4;stroke-width:2}\
.arrow{stroke:#5f7089;stroke-width:1.3;fill:none}.a-append{stroke:#2f6fdd}.a-ack{stroke:#1b7f4b}.a-client_write,.a-write_reply{stroke:#14171c}\
.a-vote_request,.a-vote_reply{stroke:#c2410c}.a-snapshot_chunk{stroke:#7c3aed}.dropped{stroke-dasharray:3 3;opacity:.7}.inflight{stroke-dasharray:6 3}\
.m-confirmed{fill:#1b7f4b}.m-lost{fill:#c62828}.m-crash{fill:#c62828;font-weight:700}.head{font-weight:700}.axis{fill:#5a6473}\
.lost-ring{stroke:#b45309;stroke-width:2;fill:none}.legend-box{fill:none;stroke:#9aa4b2}";

#[derive(Properties, PartialEq)]
pub struct SpaceTimeProps {
    pub data: Rc<SpaceTime>,
    pub on_select: Callback<Selection>,
    /// The reader chose a write to follow (an arrow of it was clicked).
    pub on_focus: Callback<Option<WriteId>>,
}

pub const SVG_ID: &str = "spacetime-svg";

#[component]
pub fn SpaceTimeDiagram(props: &SpaceTimeProps) -> Html {
    let d = &props.data;
    let lane_w = 150.0;
    let left = 70.0;
    let top = 34.0;
    let height = 480.0;
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
            let (x1, y1, xt, y2) = (x(a.from_lane), y(a.sent_at.max(d.from_ms)), x(a.to_lane), y(a.end_at));
            // A message dropped on the way, or still in flight, ends where it had got to.
            let x2 = x1 + (xt - x1) * a.reached;
            // An arrow that began before the window starts at the window's top edge, on its line.
            let (x1, y1) = if a.sent_at < d.from_ms {
                let f = (d.from_ms - a.sent_at) as f64 / (a.end_at - a.sent_at).max(1) as f64;
                (x1 + (x2 - x1) * f, y1)
            } else {
                (x1, y1)
            };
            let on = props.on_select.clone();
            let focus = props.on_focus.clone();
            let (detail, write) = (a.summary.clone(), a.write);
            let onclick = Callback::from(move |_| {
                on.emit(Selection::Detail(detail.clone()));
                if write.is_some() {
                    focus.emit(write);
                }
            });
            let marker = if a.dropped { "url(#st-lost)" } else { "url(#st-arrow)" };
            html! {
                <g class="arrow-hit" {onclick} data-write={a.write.map(|w| w.0.to_string())}>
                    <title>{ &a.summary }</title>
                    <line class={classes!("arrow", format!("a-{}", a.kind.name()), a.dropped.then_some("dropped"), a.in_flight.then_some("inflight"))}
                          x1={n(x1)} y1={n(y1)} x2={n(x2)} y2={n(y2)} marker-end={marker} />
                    <line class="hit" x1={n(x1)} y1={n(y1)} x2={n(x2)} y2={n(y2)} />
                    // Following one write, few arrows remain: each says what it is.
                    if d.focus.is_some() {
                        <text class="arrow-label" x={n((x1 + x2) / 2.0)} y={n((y1 + y2) / 2.0 - 4.0)} text-anchor="middle">{ a.kind.label() }</text>
                    }
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
        <svg id={SVG_ID} class="spacetime" xmlns="http://www.w3.org/2000/svg" viewBox={format!("0 0 {} {}", n(width), n(top + height + 12.0 + legend_height(width)))}
             role="group" aria-label={match d.focus {
                 Some(w) => format!("Space-time diagram from {} ms to {} ms, only the messages of {w}", d.from_ms, d.to_ms),
                 None => format!("Space-time diagram from {} ms to {} ms", d.from_ms, d.to_ms),
             }}>
            <defs>
                <marker id="st-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                    <path d="M0,0 L10,5 L0,10 z" fill="context-stroke" />
                </marker>
                // Lost on the wire: a hollow ring where the message stopped, in amber, unlike
                // the red cross of a replica that crashed.
                <marker id="st-lost" viewBox="0 0 10 10" refX="5" refY="5" markerWidth="10" markerHeight="10" markerUnits="userSpaceOnUse">
                    <circle cx="5" cy="5" r="3.6" class="lost-ring" stroke="#b45309" stroke-width="1.8" fill="none" />
                </marker>
            </defs>
            { ticks }
            { lanes }
            { down }
            { arrows }
            { marks }
            { legend(width, top + height + 12.0) }
        </svg>
    }
}

/// The legend's nine items, each this wide, as many to a row as fit.
const LEGEND_ITEMS: usize = 9;
const LEGEND_W: f64 = 160.0;

fn legend_per_row(width: f64) -> usize {
    ((width - 16.0) / LEGEND_W).floor().max(1.0) as usize
}

fn legend_height(width: f64) -> f64 {
    LEGEND_ITEMS.div_ceil(legend_per_row(width)) as f64 * 18.0 + 8.0
}

/// Which mark means what, inside the drawing so that an exported file keeps it.
fn legend(width: f64, y0: f64) -> Html {
    // (sample, words): a sample is drawn in a 22-unit box before its words.
    let items: [(&str, &str); LEGEND_ITEMS] = [
        ("append", "append (log entries)"),
        ("ack", "acknowledgement"),
        ("client", "request, reply"),
        ("inflight", "in flight"),
        ("lost", "lost on the wire"),
        ("crash", "replica crashed"),
        ("down", "replica down"),
        ("confirmed", "write confirmed"),
        ("lost-write", "confirmed, later lost"),
    ];
    let per_row = legend_per_row(width);
    let cells: Html = items
        .iter()
        .enumerate()
        .map(|(i, (kind, words))| {
            let (cx, cy) = (8.0 + LEGEND_W * (i % per_row) as f64, y0 + 14.0 + 18.0 * (i / per_row) as f64);
            // Paths and tspans, not lines and texts, so that the legend's samples are not
            // counted among the diagram's arrows and marks.
            let line = |class: &str, marker: &str| html! {
                <path class={class.to_string()} d={format!("M{},{} h20", n(cx), n(cy - 4.0))} marker-end={marker.to_string()} />
            };
            let glyph = |class: &str, g: &str| html! {
                <text x={n(cx + 4.0)} y={n(cy)}><tspan class={class.to_string()}>{ g.to_string() }</tspan></text>
            };
            let sample = match *kind {
                "append" => line("arrow a-append", "url(#st-arrow)"),
                "ack" => line("arrow a-ack", "url(#st-arrow)"),
                "client" => line("arrow a-client_write", "url(#st-arrow)"),
                "inflight" => line("arrow a-append inflight", "url(#st-arrow)"),
                "lost" => line("arrow a-append dropped", "url(#st-lost)"),
                "down" => html! { <path class="down" d={format!("M{},{} v15", n(cx + 10.0), n(cy - 12.0))} /> },
                "crash" => glyph("m-crash", MarkKind::Crash.glyph()),
                "confirmed" => glyph("m-confirmed", MarkKind::Confirmed.glyph()),
                _ => glyph("m-lost", MarkKind::Lost.glyph()),
            };
            html! { <g class="legend-item">{ sample }<text x={n(cx + 26.0)} y={n(cy)}>{ *words }</text></g> }
        })
        .collect();
    html! { <g class="st-legend" aria-label="Legend">{ cells }</g> }
}

#[derive(Properties, PartialEq)]
pub struct SpaceTimeViewProps {
    pub data: Rc<SpaceTime>,
    pub window_ms: UseStateHandle<u64>,
    pub heartbeats: UseStateHandle<bool>,
    /// The write being followed, if any.
    pub focus: UseStateHandle<Option<WriteId>>,
    pub on_export: Callback<MouseEvent>,
    pub on_select: Callback<Selection>,
}

/// A default window a reader can follow: a quarter of a second holds a handful of writes
/// even under the presets' busiest workload (one every 20 ms).
pub const DEFAULT_WINDOW_MS: u64 = 250;

fn select_value(e: &Event) -> Option<String> {
    e.target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
        .map(|s| s.value())
}

/// The diagram with its tools: the window, heartbeats, the write to follow, export.
#[component]
pub fn SpaceTimeView(props: &SpaceTimeViewProps) -> Html {
    let d = &props.data;
    let set_window = {
        let window_ms = props.window_ms.clone();
        Callback::from(move |e: Event| {
            if let Some(v) = select_value(&e).and_then(|v| v.parse::<u64>().ok()) {
                window_ms.set(v);
            }
        })
    };
    let toggle_hb = {
        let heartbeats = props.heartbeats.clone();
        Callback::from(move |_| heartbeats.set(!*heartbeats))
    };
    let on_focus = {
        let focus = props.focus.clone();
        Callback::from(move |w: Option<WriteId>| focus.set(w))
    };
    let pick = {
        let on = on_focus.clone();
        Callback::from(move |e: Event| {
            on.emit(
                select_value(&e)
                    .and_then(|v| v.parse::<u32>().ok())
                    .map(WriteId),
            )
        })
    };
    let clear = {
        let on = on_focus.clone();
        Callback::from(move |_| on.emit(None))
    };
    let escape = {
        let on = on_focus.clone();
        let focused = d.focus.is_some();
        Callback::from(move |e: KeyboardEvent| {
            if focused && e.key() == "Escape" {
                on.emit(None);
            }
        })
    };
    let mut choices = d.writes.clone();
    if let Some(w) = d.focus.filter(|w| !choices.contains(w)) {
        choices.push(w);
    }
    html! {
        <div class="spacetime-view" onkeydown={escape}>
            <div class="view-tools">
                <label><span>{ "Window " }</span>
                    <select onchange={set_window} id="st-window">
                        { for [250u64, 500, 1_000, 2_000, 5_000, 20_000, 3_600_000].iter().map(|w| html! {
                            <option value={w.to_string()} selected={*props.window_ms == *w}>{ if *w >= 3_600_000 { "whole run".to_string() } else if *w < 1_000 { format!("{w} ms") } else { format!("{} s", w / 1000) } }</option>
                        }) }
                    </select>
                </label>
                <label class="check"><input type="checkbox" checked={*props.heartbeats} onchange={toggle_hb} /><span>{ " heartbeats" }</span></label>
                <label><span>{ "Follow " }</span>
                    <select onchange={pick} id="st-write" title="Draw only one write's messages: its request, appends, acknowledgements and reply">
                        <option value="" selected={d.focus.is_none()}>{ "every write" }</option>
                        { for choices.iter().map(|w| html! {
                            <option value={w.0.to_string()} selected={d.focus == Some(*w)}>{ w.to_string() }</option>
                        }) }
                    </select>
                </label>
                if d.focus.is_some() {
                    <button onclick={clear} id="st-show-all">{ "Show every write" }</button>
                }
                <button onclick={props.on_export.clone()} id="export-svg">{ "Export SVG" }</button>
            </div>
            <SpaceTimeDiagram data={d.clone()} on_select={props.on_select.clone()} {on_focus} />
        </div>
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
