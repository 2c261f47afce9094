//! The laboratory itself: holds the reducer, drives the animation from
//! `requestAnimationFrame`, listens for keyboard shortcuts, announces notable events to
//! screen readers, and lays out the cluster and the panels.

use crate::cluster::Cluster;
use crate::panels::{Controls, EventLog, Inspector, Settings, Writes};
use crate::state::{preset_titles, Lab, LabAction, Notice, Selection};
use replication_sim::ViewOptions;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The lab the page opens with: a lesson named in the fragment (`#preset=ID`), or the sandbox.
pub fn initial_lab() -> Lab {
    let hash = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
    let wanted = hash.trim_start_matches('#').split('&').find_map(|kv| kv.strip_prefix("preset="));
    let mut lab = match wanted {
        Some(id) => Lab::from_preset(id).unwrap_or_else(|| {
            let mut l = Lab::default_lab();
            l.notice = Some(Notice { text: format!("There is no lesson called “{}”; the sandbox is loaded instead.", replication_sim::ids::clip(id)), error: true });
            l
        }),
        None => Lab::default_lab(),
    };
    lab.reduced_motion = prefers_reduced_motion();
    lab
}

fn prefers_reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(prefers-reduced-motion: reduce)").ok().flatten())
        .is_some_and(|m| m.matches())
}

/// Runs `frame` on every animation frame until the returned guard is dropped.
struct AnimationLoop {
    id: Rc<RefCell<Option<i32>>>,
    _closure: Rc<RefCell<Option<Closure<dyn FnMut(f64)>>>>,
}

impl AnimationLoop {
    fn start(mut frame: impl FnMut(f64) + 'static) -> Option<AnimationLoop> {
        let window = web_sys::window()?;
        let id = Rc::new(RefCell::new(None));
        let closure: Rc<RefCell<Option<Closure<dyn FnMut(f64)>>>> = Rc::new(RefCell::new(None));
        let (id2, closure2, window2) = (id.clone(), closure.clone(), window.clone());
        *closure.borrow_mut() = Some(Closure::new(move |ts: f64| {
            frame(ts);
            if let Some(c) = closure2.borrow().as_ref() {
                *id2.borrow_mut() = window2.request_animation_frame(c.as_ref().unchecked_ref()).ok();
            }
        }));
        let first = window.request_animation_frame(closure.borrow().as_ref()?.as_ref().unchecked_ref()).ok();
        *id.borrow_mut() = first;
        Some(AnimationLoop { id, _closure: closure })
    }
}

impl Drop for AnimationLoop {
    fn drop(&mut self) {
        if let (Some(w), Some(id)) = (web_sys::window(), self.id.borrow_mut().take()) {
            let _ = w.cancel_animation_frame(id);
        }
        // Break the closure's reference to itself so it can be freed.
        self._closure.borrow_mut().take();
    }
}

/// Keys typed into a form field belong to the field; Space and Enter on a button press it.
fn key_belongs_to_target(e: &web_sys::KeyboardEvent) -> bool {
    let key = e.key();
    let tag = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).map(|el| el.tag_name().to_ascii_lowercase()).unwrap_or_default();
    match tag.as_str() {
        "input" | "select" | "textarea" => key != "Escape",
        "button" | "summary" | "a" => key == " " || key == "Enter",
        _ => false,
    }
}

/// Below this width (CSS pixels) the cluster is drawn in portrait.
const COMPACT_WIDTH: f64 = 700.0;

fn window_is_narrow() -> bool {
    web_sys::window().and_then(|w| w.inner_width().ok()).and_then(|v| v.as_f64()).is_some_and(|w| w < COMPACT_WIDTH)
}

#[component]
pub fn LabApp() -> Html {
    let lab = use_reducer(initial_lab);
    let compact = use_state(window_is_narrow);
    {
        let compact = compact.clone();
        use_effect_with((), move |_| {
            let closure = Closure::<dyn FnMut()>::new(move || compact.set(window_is_narrow()));
            let window = web_sys::window();
            if let Some(w) = &window {
                let _ = w.add_event_listener_with_callback("resize", closure.as_ref().unchecked_ref());
            }
            move || {
                if let Some(w) = &window {
                    let _ = w.remove_event_listener_with_callback("resize", closure.as_ref().unchecked_ref());
                }
                drop(closure);
            }
        });
    }
    let dispatch: Callback<LabAction> = {
        let d = lab.dispatcher();
        Callback::from(move |a| d.dispatch(a))
    };

    // Animation: one frame callback while playing, cancelled when paused or unmounted.
    {
        let d = lab.dispatcher();
        use_effect_with(lab.playing, move |playing| {
            let guard = if *playing { AnimationLoop::start(move |ts| d.dispatch(LabAction::Frame(ts))) } else { None };
            move || drop(guard)
        });
    }

    // Keyboard shortcuts, anywhere on the page except while typing into a field.
    {
        let d = lab.dispatcher();
        use_effect_with((), move |_| {
            let closure = Closure::<dyn FnMut(web_sys::KeyboardEvent)>::new(move |e: web_sys::KeyboardEvent| {
                if e.ctrl_key() || e.meta_key() || e.alt_key() || e.default_prevented() {
                    return;
                }
                let key = e.key();
                if key_belongs_to_target(&e) {
                    return;
                }
                if key == "w" {
                    if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("write-key")) {
                        if let Some(input) = el.dyn_ref::<web_sys::HtmlElement>() {
                            e.prevent_default();
                            let _ = input.focus();
                        }
                    }
                    return;
                }
                if key == " " {
                    e.prevent_default();
                }
                d.dispatch(LabAction::Key(key));
            });
            let document = web_sys::window().and_then(|w| w.document());
            if let Some(doc) = &document {
                let _ = doc.add_event_listener_with_callback("keydown", closure.as_ref().unchecked_ref());
            }
            move || {
                if let Some(doc) = &document {
                    let _ = doc.remove_event_listener_with_callback("keydown", closure.as_ref().unchecked_ref());
                }
                drop(closure);
            }
        });
    }

    let view = Rc::new(lab.view(&ViewOptions::default()));
    let presets = use_memo((), |_| preset_titles());
    let presets: Rc<Vec<(&'static str, String)>> = Rc::new((*presets).clone());
    let on_select = {
        let d = dispatch.clone();
        Callback::from(move |s: Selection| d.emit(LabAction::Select(Some(s))))
    };
    let announcement = view.events.iter().rev().find(|e| e.notable).map(|e| format!("{} ms: {}", e.at_ms, e.text)).unwrap_or_default();
    let description = lab.loaded.description.clone();
    let dismiss = {
        let d = dispatch.clone();
        Callback::from(move |_| d.emit(LabAction::DismissNotice))
    };
    let toggle_help = {
        let d = dispatch.clone();
        Callback::from(move |_| d.emit(LabAction::ToggleHelp))
    };

    html! {
        <div class="lab">
            <div class="lab-main">
                <section id="cluster" class="cluster" aria-label="Cluster">
                    <div class="cluster-head">
                        <h2>{ lab.title() }</h2>
                        <span class="mode-pill">{ format!("{} · leader {} · epoch {}", view.mode, view.leader.clone().unwrap_or_else(|| "none".into()), view.epoch) }</span>
                    </div>
                    if let Some(d) = description {
                        <p class="lesson-text">{ d }</p>
                    }
                    <Cluster view={view.clone()} selected={lab.selected.clone()} reduced_motion={lab.reduced_motion} compact={*compact} on_select={on_select} />
                    <Legend />
                </section>
                <Controls playing={lab.playing} speed={lab.speed} now_ms={view.now_ms} end_ms={view.end_ms} dispatch={dispatch.clone()} />
                if let Some(n) = &lab.notice {
                    <div class={classes!("notice", n.error.then_some("error"))} role="status">
                        <span>{ &n.text }</span>
                        <button onclick={dismiss} aria-label="Dismiss this message">{ "×" }</button>
                    </div>
                }
                <Settings view={view.clone()} preset={lab.preset} presets={presets} dispatch={dispatch.clone()} />
            </div>
            <aside class="lab-side">
                <Writes view={view.clone()} dispatch={dispatch.clone()} />
                <Inspector view={view.clone()} selected={lab.selected.clone()} dispatch={dispatch.clone()} />
                <EventLog view={view.clone()} />
                <button class="help-button" onclick={toggle_help.clone()} aria-keyshortcuts="?">{ "Keyboard shortcuts (?)" }</button>
            </aside>
            <div class="sr-only" aria-live="polite" aria-atomic="true" id="announcer">{ announcement }</div>
            if lab.help_open {
                <Help on_close={toggle_help} />
            }
        </div>
    }
}

#[component]
fn Legend() -> Html {
    html! {
        <details class="legend">
            <summary>{ "How to read the drawing" }</summary>
            <ul>
                <li><span class="swatch e-confirmed">{ "✓" }</span>{ " confirmed to the client" }</li>
                <li><span class="swatch e-replicated">{ "2" }</span>{ " on that many replicas, not yet confirmed" }</li>
                <li><span class="swatch e-leader_only">{ "1" }</span>{ " only on one replica" }</li>
                <li><span class="swatch e-blocked">{ "‖" }</span>{ " blocked: waiting for a silent replica" }</li>
                <li><span class="swatch e-lost">{ "✗" }</span>{ " confirmed, then lost" }</li>
                <li>{ "● append · ○ acknowledgement · · heartbeat · ■ snapshot part · ▲ catch-up or snapshot request · ◆ vote request" }</li>
                <li>{ "Dashed link with ✂: cut. ×N: slow. N% lost: lossy." }</li>
            </ul>
        </details>
    }
}

#[derive(Properties, PartialEq)]
struct HelpProps {
    on_close: Callback<MouseEvent>,
}

#[component]
fn Help(props: &HelpProps) -> Html {
    let keys = [
        ("Space or k", "play / pause"),
        (".", "process the next event"),
        ("1 – 9", "select replica n1 – n9"),
        ("c", "crash the selected replica"),
        ("s", "restart the selected replica"),
        ("p", "promote the selected replica (manual failover)"),
        ("i", "isolate the selected replica"),
        ("f", "fail over to the most up-to-date follower"),
        ("a", "add a follower from a snapshot"),
        ("h", "heal the network"),
        ("w", "write by hand (focuses the key field)"),
        ("Escape", "clear the selection, close this list"),
        ("?", "show or hide this list"),
    ];
    html! {
        <div class="help" role="dialog" aria-modal="false" aria-labelledby="help-title">
            <h2 id="help-title">{ "Keyboard shortcuts" }</h2>
            <dl>{ for keys.iter().map(|(k, what)| html! { <div><dt><kbd>{ *k }</kbd></dt><dd>{ *what }</dd></div> }) }</dl>
            <button onclick={props.on_close.clone()}>{ "Close" }</button>
        </div>
    }
}
