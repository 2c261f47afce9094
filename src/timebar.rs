//! The timeline under the cluster: simulated time with a marker at each notable moment
//! (crash, failover, write lost, snapshot, caught up). Dragging seeks, forwards or back;
//! buttons and arrow keys step one event at a time.

use crate::panels::format_time;
use crate::state::LabAction;
use replication_sim::sim::NoteKind;
use replication_sim::view::EventView;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// A marker's glyph, so kinds differ without colour.
fn marker_glyph(kind: NoteKind) -> &'static str {
    match kind {
        NoteKind::Crash => "✕",
        NoteKind::Restart => "↻",
        NoteKind::Leader => "★",
        NoteKind::Lost => "✗",
        NoteKind::Snapshot => "■",
        NoteKind::CaughtUp => "✓",
        NoteKind::StepDown => "▼",
        NoteKind::Disk => "◆",
        _ => "•",
    }
}

pub struct TimebarProps {
    pub now_ms: u64,
    pub end_ms: u64,
    /// Furthest instant computed; markers exist up to here.
    pub head_ms: u64,
    pub markers: Rc<Vec<EventView>>,
    pub dispatch: Callback<LabAction>,
}

/// A plain function, not a component: the cursor moves on every frame, so it would render
/// every time anyway, and a component costs the bundle its own lifecycle code.
pub fn timebar(props: &TimebarProps) -> Html {
    let end = props.end_ms.max(1);
    let pct = |t: u64| (t as f64 / end as f64 * 100.0).clamp(0.0, 100.0);
    let on_input = {
        let d = props.dispatch.clone();
        Callback::from(move |e: InputEvent| {
            let v = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                .map(|i| i.value_as_number())
                .filter(|v| v.is_finite() && *v >= 0.0);
            if let Some(v) = v {
                d.emit(LabAction::Seek(v as u64));
            }
        })
    };
    let back = {
        let d = props.dispatch.clone();
        Callback::from(move |_| d.emit(LabAction::StepBack))
    };
    let forward = {
        let d = props.dispatch.clone();
        Callback::from(move |_| d.emit(LabAction::Step))
    };
    let markers = html! { <Markers markers={props.markers.clone()} end_ms={end} dispatch={props.dispatch.clone()} /> };
    html! {
        <div class="timebar">
            <button onclick={back} aria-keyshortcuts="ArrowLeft" title="Back one event (←)" aria-label="Back one event">{ "‹" }</button>
            <div class="track">
                <div class="computed" style={format!("width:{}%", crate::layout::d1(pct(props.head_ms)))}></div>
                { markers }
                <input type="range" id="timeline" min="0" max={end.to_string()} step="1" value={props.now_ms.to_string()} oninput={on_input}
                       aria-label="Simulated time" aria-valuetext={format!("{} of {}", format_time(props.now_ms), format_time(end))}
                       aria-keyshortcuts="Home PageUp PageDown" />
            </div>
            <button onclick={forward} aria-keyshortcuts="ArrowRight" title="Forward one event (→)" aria-label="Forward one event">{ "›" }</button>
        </div>
    }
}

#[derive(Properties)]
struct MarkersProps {
    markers: Rc<Vec<EventView>>,
    end_ms: u64,
    dispatch: Callback<LabAction>,
}

/// The markers by identity: the lab hands down the same list until the run gains a moment.
impl PartialEq for MarkersProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.markers, &other.markers)
            && self.end_ms == other.end_ms
            && self.dispatch == other.dispatch
    }
}

/// The markers, a component of their own: their text and places change when the run gains
/// a notable moment, not on every frame, so they are formatted then.
#[component]
fn Markers(props: &MarkersProps) -> Html {
    let end = props.end_ms.max(1);
    let pct = |t: u64| (t as f64 / end as f64 * 100.0).clamp(0.0, 100.0);
    // Markers close together would sit on top of each other: keep one per pixel-ish slot.
    let mut last_slot = -1i64;
    let markers: Html = props
        .markers
        .iter()
        .filter(|m| {
            let slot = (pct(m.at_ms) * 3.0) as i64;
            let keep = slot != last_slot;
            last_slot = slot;
            keep
        })
        .map(|m| {
            let d = props.dispatch.clone();
            let at = m.at_ms;
            html! {
                <button class={classes!("marker", format!("mk-{}", m.kind.name()))} tabindex="-1"
                        style={format!("left:{}%", crate::layout::d1(pct(m.at_ms)))}
                        title={format!("{}: {}", format_time(m.at_ms), m.text)}
                        aria-label={format!("Jump to {}: {}", format_time(m.at_ms), m.text)}
                        onclick={Callback::from(move |_| d.emit(LabAction::Seek(at)))}>
                    { marker_glyph(m.kind) }
                </button>
            }
        })
        .collect();
    html! { <div class="markers">{ markers }</div> }
}
