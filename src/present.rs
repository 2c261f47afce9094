//! Presenter mode (`?present`): the lab on a lecture hall's projector, read from the back of
//! the room. Large type, the cluster as large as the screen allows, the caption of the current
//! key moment under it, and no side panels. PageDown and PageUp (what a presenter's remote
//! sends, as do → and ←) go to the next and the previous key moment, as the engine finds
//! them; Escape leaves.

use crate::panels::format_time;
use crate::state::{Lab, LabAction};
use replication_sim::lessons::KeyMoment;
use replication_sim::View;
use std::rc::Rc;
use yew::prelude::*;

/// What a key means in presenter mode; None leaves it to the lab's own shortcuts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PresenterKey {
    Next,
    Previous,
    Leave,
}

pub fn presenter_key(key: &str) -> Option<PresenterKey> {
    Some(match key {
        "PageDown" | "ArrowRight" => PresenterKey::Next,
        "PageUp" | "ArrowLeft" => PresenterKey::Previous,
        "Escape" => PresenterKey::Leave,
        _ => return None,
    })
}

/// Puts `present` into the page's query, or takes it out, without reloading: a reload then
/// opens the same mode, and the fragment (the scenario, the lesson) stays as it is.
pub fn set_present_in_url(on: bool) {
    let Some(w) = web_sys::window() else { return };
    let location = w.location();
    let search = location.search().unwrap_or_default();
    let mut parts: Vec<&str> = search
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty() && *p != "present" && !p.starts_with("present="))
        .collect();
    if on {
        parts.push("present");
    }
    let query = if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    };
    let url = format!(
        "{}{}{}",
        location.pathname().unwrap_or_default(),
        query,
        location.hash().unwrap_or_default()
    );
    if let Ok(history) = w.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

/// The key moment shown at `now_ms`: the latest at or before it, with its number (from 1).
pub fn current_moment(moments: &[KeyMoment], now_ms: u64) -> Option<(usize, &KeyMoment)> {
    let i = moments.iter().rposition(|m| m.at_ms <= now_ms)?;
    Some((i + 1, &moments[i]))
}

/// The caption at `now_ms`: the current key moment's sentences, or, before the first, what
/// the run is about.
pub fn caption(moments: &[KeyMoment], now_ms: u64, about: &str) -> String {
    match current_moment(moments, now_ms) {
        Some((_, m)) => m.text.clone(),
        None => about.to_string(),
    }
}

/// The lab's header line: mode, leader and epoch.
pub fn mode_line(view: &View) -> String {
    let leader = view.leader.as_deref().unwrap_or("none");
    format!("{} · leader {leader} · epoch {}", view.mode, view.epoch)
}

/// What the run is about, for the caption before its first key moment: the lesson's
/// question, or the scenario's description.
pub fn about(lab: &Lab) -> String {
    match lab.lesson {
        Some(l) => format!("Think about: {}", l.question),
        None => lab.loaded.description.clone().unwrap_or_default(),
    }
}

pub struct PresenterProps<'a> {
    pub lab: &'a Lab,
    pub view: &'a View,
    pub moments: Rc<Vec<KeyMoment>>,
    /// Drawn by the lab: the cluster, the timeline, the Record control, the notice (if
    /// any) and the screen readers' announcer.
    pub parts: (Html, Html, Html, Option<Html>, Html),
    pub dispatch: Callback<LabAction>,
    pub on_leave: Callback<()>,
}

/// A plain function (like the panels): it follows the run on every frame.
pub fn presenter(p: &PresenterProps) -> Html {
    let emit = |a: fn() -> LabAction| {
        let d = p.dispatch.clone();
        Callback::from(move |_: MouseEvent| d.emit(a()))
    };
    let leave = p.on_leave.reform(|_: MouseEvent| ());
    let (cluster, timebar, recorder, notice, announcer) = p.parts.clone();
    let (view, now_ms) = (p.view, p.view.now_ms);
    let current = current_moment(&p.moments, now_ms);
    let counter = match current {
        Some((i, _)) => format!("Key moment {i} of {}", p.moments.len()),
        None if p.moments.is_empty() => "No key moment yet".to_string(),
        None => format!("Before the first of {} key moments", p.moments.len()),
    };
    let instants: Vec<String> = p.moments.iter().map(|m| m.at_ms.to_string()).collect();
    let text = caption(&p.moments, now_ms, &about(p.lab));
    let lost = view.counts.lost;
    html! {
        <div class="lab present">
            <section id="cluster" class="cluster" aria-label="Cluster">
                <div class="cluster-head">
                    <h1>{ p.lab.title() }</h1>
                    <span class="mode-pill">{ mode_line(view) }</span>
                    <span class={classes!("lost-pill", (lost > 0).then_some("has-lost"))} id="lost-count">{ format!("{lost} lost") }</span>
                </div>
                { cluster }
                <div class="present-caption" id="present-caption" aria-live="polite" data-key-moments={instants.join(" ")}>
                    <p class="counter">{ counter }</p>
                    <p class="text" id="caption">{ text }</p>
                </div>
                { timebar }
                <div class="controls" role="toolbar" aria-label="Playback">
                    <button onclick={emit(|| LabAction::Moment(false))} aria-keyshortcuts="PageUp" id="previous-moment">{ "◀ Previous" }</button>
                    <button class="primary" onclick={emit(|| LabAction::TogglePlay)} aria-keyshortcuts="Space" id="play">
                        { if p.lab.playing { "❚❚ Pause" } else { "▶ Play" } }
                    </button>
                    <button onclick={emit(|| LabAction::Moment(true))} aria-keyshortcuts="PageDown" id="next-moment">{ "Next ▶" }</button>
                    { recorder }
                    <button class="leave" onclick={leave} aria-keyshortcuts="Escape">{ "Leave presenter mode (Esc)" }</button>
                    <span class="clock" aria-live="off">{ format_time(now_ms) }<span class="of">{ format!(" / {}", format_time(view.end_ms)) }</span></span>
                </div>
            </section>
            { for notice }
            { announcer }
        </div>
    }
}
