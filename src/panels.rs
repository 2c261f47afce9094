//! The panels around the cluster drawing: playback controls, settings, the client's writes
//! with the lost-write counter, the inspector with the actions on the selected thing, and
//! the event log. They show the engine's view and send the reader's intent as actions.

use crate::state::{LabAction, Selection, MAX_SPEED, MIN_SPEED};
use replication_sim::scenario::settings::Kind;
use replication_sim::scenario::{Failover, Mode, ReadFrom, SettingsChange};
use replication_sim::view::{ReplicaRole, View, WriteStatus, WriteView};
use replication_sim::{Action, Endpoint};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

fn input_value(e: &Event) -> String {
    e.target()
        .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        .map(|i| i.value())
        .unwrap_or_default()
}

fn select_value(e: &Event) -> String {
    e.target()
        .and_then(|t| t.dyn_into::<HtmlSelectElement>().ok())
        .map(|i| i.value())
        .unwrap_or_default()
}

/// Speed slider position (0..=100) to playback speed, logarithmic from 0.1x to 10x.
pub fn speed_from_slider(v: f64) -> f64 {
    (MIN_SPEED.ln() + (MAX_SPEED.ln() - MIN_SPEED.ln()) * v / 100.0).exp()
}

pub fn slider_from_speed(s: f64) -> f64 {
    (s.ln() - MIN_SPEED.ln()) / (MAX_SPEED.ln() - MIN_SPEED.ln()) * 100.0
}

pub fn format_speed(s: f64) -> String {
    if s < 1.0 {
        format!("{}×", crate::layout::d1(s))
    } else {
        format!("{}×", crate::layout::n(s))
    }
}

pub fn format_time(ms: u64) -> String {
    format!("{}.{:03} s", ms / 1000, ms % 1000)
}

pub struct ControlsProps {
    pub playing: bool,
    pub speed: f64,
    pub now_ms: u64,
    pub end_ms: u64,
    pub dispatch: Callback<LabAction>,
}

/// A plain function, not a component: it renders on every frame anyway (the clock moves),
/// and a component costs the bundle its own lifecycle code.
pub fn controls(props: &ControlsProps) -> Html {
    let d = props.dispatch.clone();
    let toggle = {
        let d = d.clone();
        Callback::from(move |_| d.emit(LabAction::TogglePlay))
    };
    let step = {
        let d = d.clone();
        Callback::from(move |_| d.emit(LabAction::Step))
    };
    let reset = {
        let d = d.clone();
        Callback::from(move |_| d.emit(LabAction::Reset))
    };
    let speed = {
        let d = d.clone();
        Callback::from(move |e: InputEvent| {
            let v = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
                .map_or(50.0, |i| i.value_as_number());
            let v = if v.is_finite() { v } else { 50.0 };
            d.emit(LabAction::SetSpeed(speed_from_slider(v)))
        })
    };
    html! {
        <div class="controls" role="toolbar" aria-label="Playback">
            <button class="primary" onclick={toggle} aria-keyshortcuts="Space" id="play">
                { if props.playing { "❚❚ Pause" } else { "▶ Play" } }
            </button>
            <button onclick={step} aria-keyshortcuts="." title="Process the next event (.)">{ "Step ›" }</button>
            <button onclick={reset} title="Start the scenario again">{ "↺ Reset" }</button>
            <label class="speed">
                <span>{ "Speed " }<output>{ format_speed(props.speed) }</output></span>
                <input type="range" min="0" max="100" step="1" value={crate::layout::n(slider_from_speed(props.speed))} oninput={speed}
                       aria-valuetext={format_speed(props.speed)} />
            </label>
            <span class="clock" aria-live="off">{ format_time(props.now_ms) }<span class="of">{ format!(" / {}", format_time(props.end_ms)) }</span></span>
        </div>
    }
}

#[derive(Properties)]
pub struct SettingsProps {
    pub view: Rc<View>,
    pub preset: Option<&'static str>,
    pub presets: Rc<Vec<(&'static str, String)>>,
    pub dispatch: Callback<LabAction>,
}

/// Only what the panel shows: the view changes on every frame, the settings when the reader
/// (or a `set` action) changes them, so the panel renders then and not on every frame.
impl PartialEq for SettingsProps {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (&self.view, &other.view);
        a.mode == b.mode
            && a.latency_ms == b.latency_ms
            && a.jitter_ms == b.jitter_ms
            && a.failover_timeout_ms == b.failover_timeout_ms
            && a.read_from == b.read_from
            && a.fencing == b.fencing
            && a.controller.is_some() == b.controller.is_some()
            && a.replicas.len() == b.replicas.len()
            && self.preset == other.preset
            && Rc::ptr_eq(&self.presets, &other.presets)
            && self.dispatch == other.dispatch
    }
}

/// The settings panel as a component, so that it skips the frames that do not change it.
#[component]
pub fn Settings(props: &SettingsProps) -> Html {
    settings(props)
}

/// The panel's content (see [`Settings`]).
fn settings(props: &SettingsProps) -> Html {
    let v = &props.view;
    let d = props.dispatch.clone();
    let set = |f: fn(&str) -> Option<Action>| {
        let d = d.clone();
        Callback::from(move |e: Event| {
            let value = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
                .map(|i| i.value())
                .unwrap_or_else(|| select_value(&e));
            if let Some(a) = f(&value) {
                d.emit(LabAction::Do(a));
            }
        })
    };
    let on_mode = {
        let d = d.clone();
        Callback::from(move |e: Event| {
            let value = select_value(&e);
            if let Some(mode) = Mode::ALL.iter().find(|m| m.name() == value) {
                d.emit(LabAction::Do(Action::Set(SettingsChange {
                    mode: Some(*mode),
                    ..Default::default()
                })));
            }
        })
    };
    let on_preset = {
        let d = d.clone();
        let presets = props.presets.clone();
        Callback::from(move |e: Event| {
            let value = select_value(&e);
            if value == "sandbox" {
                d.emit(LabAction::Load {
                    scenario: Box::new(replication_sim::Scenario::default_scenario()),
                    preset: None,
                    notice: None,
                });
            } else if let Some((id, _)) = presets.iter().find(|(id, _)| *id == value) {
                d.emit(LabAction::LoadPreset(id));
            }
        })
    };
    let on_nodes = {
        let d = d.clone();
        Callback::from(move |e: Event| {
            if let Ok(n) = select_value(&e).parse::<u8>() {
                d.emit(LabAction::SetReplicas(n));
            }
        })
    };
    let on_latency = set(|s| {
        s.parse().ok().map(|l| {
            Action::Set(SettingsChange {
                latency_ms: Some(l),
                ..Default::default()
            })
        })
    });
    let on_jitter = set(|s| {
        s.parse().ok().map(|j| {
            Action::Set(SettingsChange {
                jitter_ms: Some(j),
                ..Default::default()
            })
        })
    });
    let on_timeout = set(|s| {
        s.parse().ok().map(|t| {
            Action::Set(SettingsChange {
                failover_timeout_ms: Some(t),
                ..Default::default()
            })
        })
    });
    let on_fencing = {
        let d = d.clone();
        Callback::from(move |e: Event| {
            let on = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
                .map(|i| i.checked())
                .unwrap_or(true);
            d.emit(LabAction::Do(Action::Set(SettingsChange {
                fencing: Some(on),
                ..Default::default()
            })));
        })
    };
    let on_read_from = {
        let d = d.clone();
        Callback::from(move |e: Event| {
            let value = select_value(&e);
            if let Some(r) = ReadFrom::ALL.iter().find(|r| r.name() == value) {
                d.emit(LabAction::Do(Action::Set(SettingsChange {
                    read_from: Some(*r),
                    ..Default::default()
                })));
            }
        })
    };
    let on_failover = {
        let d = d.clone();
        Callback::from(move |e: Event| {
            let value = select_value(&e);
            if let Some(f) = Failover::ALL.iter().find(|f| f.name() == value) {
                d.emit(LabAction::SetFailover(*f));
            }
        })
    };
    // Who chooses a leader, with the words and the line of the engine's table of settings.
    let failover = replication_sim::scenario::settings::setting("failover");
    let failover_doc = failover.map_or(String::new(), |s| s.doc.replace('`', ""));
    let failover_names: &[&str] = match failover.map(|s| s.kind) {
        Some(Kind::Choice(names)) => names,
        _ => &[],
    };
    let failover_now = if v.controller.is_some() {
        Failover::Controller
    } else {
        Failover::Election
    };
    let initial_nodes = v.replicas.len();
    // The inputs allow what the engine's table of settings does.
    let range = |name: &str| {
        let (min, max) = replication_sim::scenario::settings::whole_range(name).unwrap_or((0, 0));
        (min.to_string(), max.to_string())
    };
    html! {
        <form class="settings" aria-label="Scenario and settings" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
            <label class="wide">
                <span>{ "Scenario" }</span>
                <select onchange={on_preset} id="preset">
                    <option value="sandbox" selected={props.preset.is_none()}>{ "Sandbox: 3 replicas, steady writes" }</option>
                    { for props.presets.iter().map(|(id, title)| html! {
                        <option value={*id} selected={props.preset == Some(*id)}>{ title }</option>
                    }) }
                </select>
            </label>
            <label>
                <span>{ "Mode" }</span>
                <select onchange={on_mode} id="mode">
                    { for Mode::ALL.iter().map(|m| html! { <option value={m.name()} selected={v.mode == *m}>{ m.name() }</option> }) }
                </select>
            </label>
            <label>
                <span>{ "Replicas" }</span>
                <select onchange={on_nodes} id="replicas" title="Starts a fresh sandbox with this many replicas">
                    { for (2..=9).map(|n| html! { <option value={n.to_string()} selected={initial_nodes == n}>{ n }</option> }) }
                </select>
            </label>
            <label>
                <span>{ "Failover" }</span>
                <select onchange={on_failover} id="failover" title={format!("{failover_doc}. Starts a fresh sandbox: a run cannot change who chooses mid-way.")}>
                    { for failover_names.iter().map(|f| html! { <option value={*f} selected={failover_now.name() == *f}>{ f }</option> }) }
                </select>
            </label>
            <label>
                <span>{ "Latency, ms" }</span>
                <input type="number" min={range("latency_ms").0} max={range("latency_ms").1} step="10" value={v.latency_ms.to_string()} onchange={on_latency} id="latency" />
            </label>
            <label>
                <span>{ "Jitter, ms" }</span>
                <input type="number" min={range("jitter_ms").0} max={range("jitter_ms").1} step="5" value={v.jitter_ms.to_string()} onchange={on_jitter} id="jitter" />
            </label>
            <label>
                <span>{ "Failover timeout, ms" }</span>
                <input type="number" min={range("failover_timeout_ms").0} max={range("failover_timeout_ms").1} step="50" value={v.failover_timeout_ms.to_string()} onchange={on_timeout} id="timeout" />
            </label>
            if let Some(current) = v.read_from {
                <label>
                    <span>{ "Reads from" }</span>
                    <select onchange={on_read_from} id="read-from">
                        { for ReadFrom::ALL.iter().map(|r| html! { <option value={r.name()} selected={current == *r}>{ r.name() }</option> }) }
                    </select>
                </label>
            }
            <label class="check">
                <input type="checkbox" checked={v.fencing} onchange={on_fencing} id="fencing" />
                <span>{ "Fencing (epochs and leases)" }</span>
            </label>
        </form>
    }
}

fn status_glyph(status: WriteStatus) -> &'static str {
    match status {
        WriteStatus::Confirmed => "✓",
        WriteStatus::Lost => "✗",
        WriteStatus::Failed => "⚠",
        WriteStatus::Blocked => "‖",
        WriteStatus::Pending => "…",
    }
}

fn write_row(w: &WriteView) -> Html {
    let detail = match (w.status, w.latency_ms) {
        (WriteStatus::Confirmed, Some(l)) => format!(
            "confirmed in {l} ms by {}",
            w.confirmed_by.clone().unwrap_or_default()
        ),
        (WriteStatus::Lost, _) => format!(
            "confirmed at {} ms, then lost: {}",
            w.confirmed_at_ms.unwrap_or(0),
            w.reason.clone().unwrap_or_default()
        ),
        (WriteStatus::Failed, _) => {
            format!("failed: {}", w.reason.clone().unwrap_or_default())
        }
        (WriteStatus::Blocked, _) => {
            "blocked: waiting for a replica that does not answer".to_string()
        }
        _ => "waiting for confirmation".to_string(),
    };
    html! {
        // Not keyed: while playing, the list of the 12 newest is redrawn 8 times a second and
        // is new from top to bottom each time at 150 writes a second; each row's element is
        // kept and its text changed, rather than 12 rows built and 12 removed.
        <li class={classes!("write", format!("w-{}", w.status.name()))}>
            <span class="glyph" aria-hidden="true">{ status_glyph(w.status) }</span>
            <span class="wid">{ &w.id }</span>
            <span class="kv">{ format!("{} = {}", w.key, w.value) }</span>
            <span class="status">{ w.status.name() }</span>
            <span class="detail">{ detail }</span>
        </li>
    }
}

#[derive(Properties, PartialEq)]
pub struct WritesProps {
    pub counts: replication_sim::view::Counts,
    pub writes: Rc<Vec<WriteView>>,
    pub workload_on: bool,
    pub dispatch: Callback<LabAction>,
}

#[component]
pub fn Writes(props: &WritesProps) -> Html {
    let show_lost = use_state(|| false);
    let key = use_state(|| "x".to_string());
    let value = use_state(|| "1".to_string());
    let c = &props.counts;
    let lost: Vec<&WriteView> = props
        .writes
        .iter()
        .filter(|w| w.status == WriteStatus::Lost)
        .collect();
    let toggle_lost = {
        let show_lost = show_lost.clone();
        Callback::from(move |_| show_lost.set(!*show_lost))
    };
    let submit = {
        let d = props.dispatch.clone();
        let (key, value) = (key.clone(), value.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            d.emit(LabAction::Do(Action::Write {
                key: (*key).clone(),
                value: (*value).clone(),
                client: None,
            }));
        })
    };
    let on_key = {
        let key = key.clone();
        Callback::from(move |e: InputEvent| key.set(input_value(&e.into())))
    };
    let on_value = {
        let value = value.clone();
        Callback::from(move |e: InputEvent| value.set(input_value(&e.into())))
    };
    let workload = {
        let d = props.dispatch.clone();
        Callback::from(move |e: Event| {
            let every = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
                .map(|i| if i.checked() { 200 } else { 0 })
                .unwrap_or(0);
            d.emit(LabAction::Do(Action::Workload {
                write_every_ms: every,
            }));
        })
    };
    let recent: Vec<&WriteView> = props.writes.iter().rev().take(12).collect();
    html! {
        <section class="writes" aria-labelledby="writes-title">
            <h2 id="writes-title">{ "Client writes" }</h2>
            <div class={classes!("lost-counter", (c.lost > 0).then_some("has-lost"))}>
                <span class="big" id="lost-count">{ c.lost }</span>
                <span class="what">{ if c.lost == 1 { "confirmed write lost" } else { "confirmed writes lost" } }</span>
                if c.lost > 0 {
                    <button onclick={toggle_lost} aria-expanded={if *show_lost { "true" } else { "false" }} aria-controls="lost-list">
                        { if *show_lost { "Hide" } else { "Which, and why?" } }
                    </button>
                }
            </div>
            if *show_lost && !lost.is_empty() {
                <ul class="lost-list" id="lost-list">{ for lost.iter().map(|w| write_row(w)) }</ul>
            }
            <dl class="counts">
                <div><dt>{ "confirmed" }</dt><dd>{ c.confirmed }</dd></div>
                <div><dt>{ "blocked" }</dt><dd id="blocked-count">{ c.blocked }</dd></div>
                <div><dt>{ "failed" }</dt><dd>{ c.failed }</dd></div>
                <div><dt>{ "waiting" }</dt><dd>{ c.pending }</dd></div>
            </dl>
            if c.reads > 0 {
                <dl class="counts reads" id="read-counts">
                    <div><dt>{ "reads" }</dt><dd>{ c.reads }</dd></div>
                    <div><dt>{ "missed own write" }</dt><dd id="ryw-count">{ c.read_your_writes_violations }</dd></div>
                    <div><dt>{ "went back in time" }</dt><dd id="monotonic-count">{ c.monotonic_read_violations }</dd></div>
                </dl>
            }
            <form class="write-form" onsubmit={submit} aria-label="Send a write by hand">
                <label><span>{ "key" }</span><input value={(*key).clone()} oninput={on_key} maxlength="64" size="6" id="write-key" /></label>
                <label><span>{ "value" }</span><input value={(*value).clone()} oninput={on_value} maxlength="64" size="6" id="write-value" /></label>
                <button type="submit" aria-keyshortcuts="w">{ "Write" }</button>
                <label class="check"><input type="checkbox" checked={props.workload_on} onchange={workload} id="workload" /><span>{ "steady writes" }</span></label>
            </form>
            <ol class="write-list" aria-label="Most recent writes">{ for recent.iter().map(|w| write_row(w)) }</ol>
        </section>
    }
}

pub struct InspectorProps {
    pub view: Rc<View>,
    pub selected: Option<Selection>,
    pub dispatch: Callback<LabAction>,
}

fn act(d: &Callback<LabAction>, a: Action) -> Callback<MouseEvent> {
    let d = d.clone();
    Callback::from(move |_| d.emit(LabAction::Do(a.clone())))
}

/// A plain function: its view changes on every frame (see [`controls`]).
pub fn inspector(props: &InspectorProps) -> Html {
    let v = &props.view;
    let d = &props.dispatch;
    let add_follower = act(
        d,
        Action::AddFollower {
            method: Default::default(),
        },
    );
    let failover = act(d, Action::Failover { node: None });
    let heal = act(d, Action::Heal);
    let body = match &props.selected {
        Some(Selection::Replica(id)) if v.controller.as_ref().is_some_and(|c| &c.id == id) => {
            controller_inspector(v.controller.as_ref().expect("checked"), d)
        }
        Some(Selection::Replica(id)) => match (v.replicas.iter().find(|r| &r.id == id), id.parse())
        {
            (Some(r), Ok(node)) => {
                let node: replication_sim::NodeId = node;
                let mut lines = vec![
                    ("role", r.role.name().to_string()),
                    ("epoch", r.epoch.to_string()),
                    ("log position", r.last_position.to_string()),
                    ("confirmed up to", r.confirmed_position.to_string()),
                    ("log starts at", r.log_start.to_string()),
                    (
                        "behind the leader",
                        format!("{} entries, {} ms", r.lag_entries, r.lag_ms),
                    ),
                    (
                        "follows",
                        r.leader_known.clone().unwrap_or_else(|| "nobody".into()),
                    ),
                ];
                if let Some(keys) = &r.differs_from_leader {
                    lines.push(("differs from the leader at", keys.join(", ")));
                }
                html! {
                    <>
                        <h3>{ format!("Replica {}", r.id) }</h3>
                        <dl>{ for lines.into_iter().map(|(k, val)| html! { <div><dt>{ k }</dt><dd>{ val }</dd></div> }) }</dl>
                        if let Some(s) = &r.setup {
                            <p class="setup">{ &s.detail }</p>
                        }
                        <div class="actions" role="group" aria-label={format!("Actions on {}", r.id)}>
                            if r.up {
                                <button onclick={act(d, Action::Crash { node })} aria-keyshortcuts="c">{ "✕ Crash" }</button>
                            } else {
                                <button onclick={act(d, Action::Restart { node })} aria-keyshortcuts="s">{ "↻ Restart" }</button>
                            }
                            if r.role != ReplicaRole::Leader {
                                <button onclick={act(d, Action::Failover { node: Some(node) })} aria-keyshortcuts="p">{ "★ Promote" }</button>
                            }
                            <button onclick={act(d, Action::Isolate { node })} aria-keyshortcuts="i">{ "Isolate" }</button>
                        </div>
                    </>
                }
            }
            _ => html! { <p>{ "That replica is gone." }</p> },
        },
        Some(Selection::Link(a, b)) => {
            let (Ok(source), Ok(target)) = (a.parse::<Endpoint>(), b.parse::<Endpoint>()) else {
                return html! {};
            };
            let state: Vec<String> = v
                .links
                .iter()
                .filter(|l| {
                    (&l.source == a && &l.target == b) || (&l.source == b && &l.target == a)
                })
                .map(|l| format!("{} → {}: {}", l.source, l.target, l.state.name()))
                .collect();
            html! {
                <>
                    <h3>{ format!("Link {a} ↔ {b}") }</h3>
                    <p>{ if state.is_empty() { "Up in both directions.".to_string() } else { state.join("; ") } }</p>
                    <div class="actions" role="group" aria-label={format!("Actions on the link {a}–{b}")}>
                        <button onclick={act(d, Action::CutLink { source, target, one_way: false })}>{ "✂ Cut" }</button>
                        <button onclick={act(d, Action::SlowLink { source, target, factor: 5, one_way: false })}>{ "Slow ×5" }</button>
                        <button onclick={act(d, Action::LossyLink { source, target, drop_probability: 0.3, one_way: false })}>{ "Lose 30%" }</button>
                        <button onclick={act(d, Action::HealLink { source, target, one_way: false })}>{ "✓ Heal" }</button>
                    </div>
                </>
            }
        }
        Some(Selection::Message(id)) => match v.messages.iter().find(|m| m.id == *id) {
            Some(m) => html! {
                <>
                    <h3>{ format!("Message: {}", m.kind.label()) }</h3>
                    <dl>
                        <div><dt>{ "from" }</dt><dd>{ &m.source }</dd></div>
                        <div><dt>{ "to" }</dt><dd>{ &m.target }</dd></div>
                        <div><dt>{ "sent at" }</dt><dd>{ format!("{} ms", m.sent_at_ms) }</dd></div>
                        <div><dt>{ "arrives at" }</dt><dd>{ format!("{} ms", m.deliver_at_ms) }</dd></div>
                        <div><dt>{ "says" }</dt><dd>{ &m.summary }</dd></div>
                    </dl>
                    if m.doomed { <p>{ "It will be lost on the way." }</p> }
                </>
            },
            None => html! { <p>{ "That message has been delivered (or dropped)." }</p> },
        },
        Some(Selection::Detail(text)) => html! { <p class="detail-text">{ text }</p> },
        None => {
            html! { <p class="hint">{ "Select a replica, a link or a message to inspect it and act on it. Keys: 1–9 select a replica." }</p> }
        }
    };
    html! {
        <section class="inspector" aria-labelledby="inspector-title">
            <h2 id="inspector-title">{ "Inspector" }</h2>
            { body }
            <div class="actions" role="group" aria-label="Cluster actions">
                <button onclick={add_follower} aria-keyshortcuts="a">{ "+ Add follower" }</button>
                <button onclick={failover} aria-keyshortcuts="f">{ "★ Fail over" }</button>
                <button onclick={heal} aria-keyshortcuts="h">{ "✓ Heal network" }</button>
            </div>
        </section>
    }
}

/// The controller `m1`: what it is doing, and what can be done to it (it holds no data, so
/// it cannot be promoted).
fn controller_inspector(
    c: &replication_sim::view::ControllerView,
    d: &Callback<LabAction>,
) -> Html {
    let lines = [
        ("doing", c.status.clone()),
        (
            "believes leads",
            c.watching.clone().unwrap_or_else(|| "nobody".into()),
        ),
        ("leaders appointed", c.appointments.to_string()),
    ];
    html! {
        <>
            <h3>{ format!("Controller {}", c.id) }</h3>
            <dl>{ for lines.into_iter().map(|(k, val)| html! { <div><dt>{ k }</dt><dd>{ val }</dd></div> }) }</dl>
            <div class="actions" role="group" aria-label={format!("Actions on {}", c.id)}>
                if c.up {
                    <button onclick={act(d, Action::CrashController)} aria-keyshortcuts="c">{ "✕ Crash" }</button>
                } else {
                    <button onclick={act(d, Action::RestartController)} aria-keyshortcuts="s">{ "↻ Restart" }</button>
                }
                <button onclick={act(d, Action::IsolateController)} aria-keyshortcuts="i">{ "Isolate" }</button>
            </div>
        </>
    }
}

#[derive(Properties, PartialEq)]
pub struct EventLogProps {
    /// Only the sentences: the log re-renders when they change, not on every frame.
    pub events: Rc<Vec<replication_sim::view::EventView>>,
}

#[component]
pub fn EventLog(props: &EventLogProps) -> Html {
    html! {
        <section class="events" aria-labelledby="events-title">
            <h2 id="events-title">{ "What happened" }</h2>
            <ol class="event-list" reversed=true tabindex="0" aria-label="Event log, newest first">
                { for props.events.iter().rev().map(|e| html! {
                    <li class={classes!(format!("ev-{}", e.kind.name()), e.notable.then_some("notable"))}>
                        <time>{ format!("{} ms", e.at_ms) }</time>
                        <span>{ &e.text }</span>
                    </li>
                }) }
            </ol>
        </section>
    }
}
