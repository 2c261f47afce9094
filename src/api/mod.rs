//! The embed's message API: a course page that frames the lab (`?embed`) and opts in with
//! `api` (or `api=ORIGIN`) in the query or the fragment drives it with `postMessage` and
//! hears what happens in the run. Messages cross the frame as plain JavaScript objects;
//! `serde-wasm-bindgen` turns their fields into [`Command`] and [`Event`] into objects.
//!
//! The lab takes commands only from its parent window (and, with `api=ORIGIN`, only from
//! that origin). A message that names the lab (`replicationLab: 1`) but is malformed is
//! answered by an `error` event naming the field, and changes nothing. The engine says
//! what was notable ([`replication_sim::notable`]); this file only forwards it.

use crate::state::{Lab, LabAction};
use replication_sim::lessons::Lesson;
use replication_sim::link::{self, Decoded, LinkError};
use replication_sim::notable::Notable;
use replication_sim::{Action, Scenario, ScenarioError, Sim};
use serde::Serialize;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

mod command;
mod event;
pub use command::*;
use event::state_of;
pub use event::{CheckOut, Event, StateOut};

/// The field that marks a message as the lab's, and its version.
pub const MARK: &str = "replicationLab";
pub const VERSION: u32 = 1;
/// At most 4 `time` events a second of the reader's clock.
const TIME_EVERY_MS: f64 = 250.0;

/// Which parents the page answers: any (`api`), or one origin (`api=https://…`).
#[derive(Clone, Debug, PartialEq)]
pub enum OptIn {
    AnyParent,
    Origin(String),
}

impl OptIn {
    /// The opt-in in the page's query or fragment (the last `api` wins), if any.
    pub fn from_parts<'a>(parts: impl Iterator<Item = &'a str>) -> Option<OptIn> {
        parts
            .map(|p| p.split_once('=').unwrap_or((p, "")))
            .fold(None, |found, (k, v)| match (k, v) {
                ("api", "" | "1") => Some(OptIn::AnyParent),
                ("api", "0") => None,
                ("api", origin) => Some(OptIn::Origin(decode(origin))),
                _ => found,
            })
    }

    fn from_page() -> Option<OptIn> {
        let location = web_sys::window()?.location();
        let search = location.search().unwrap_or_default();
        let hash = location.hash().unwrap_or_default();
        let parts = search
            .trim_start_matches('?')
            .split('&')
            .chain(hash.trim_start_matches('#').split('&'));
        OptIn::from_parts(parts)
    }

    fn target_origin(&self) -> &str {
        match self {
            OptIn::AnyParent => "*",
            OptIn::Origin(o) => o,
        }
    }
}

/// `%3A` and the like in an origin given in a URL (an origin is ASCII).
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = text
            .get(i + 1..i + 3)
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) if b.is_ascii() => {
                out.push(b as char);
                i += 3;
            }
            (b, _) => {
                out.push(b as char);
                i += 1;
            }
        }
    }
    out
}

/// Posts events to the parent window, to the opted-in origin.
#[derive(Clone)]
struct Parent {
    window: web_sys::Window,
    origin: String,
}

impl Parent {
    fn of_page(opt: &OptIn) -> Option<Parent> {
        let me = web_sys::window()?;
        let window = me.parent().ok()??;
        // Not framed: the lab is its own parent, and no page drives it.
        if js_sys::Object::is(&window, &me) {
            return None;
        }
        Some(Parent {
            window,
            origin: opt.target_origin().to_string(),
        })
    }

    fn post(&self, event: &Event) {
        if let Some(value) = event.to_js() {
            let _ = self.window.post_message(&value, &self.origin);
        }
    }
}

/// What has been told to the parent so far, to tell only what is new.
#[derive(Default)]
struct Told {
    /// The scenario and branches the lab held (a new one means a new run).
    loaded: Option<Rc<Scenario>>,
    branches: Option<Rc<Vec<crate::state::Branch>>>,
    branch: usize,
    /// Notes of the run at the cursor already looked at, and the cursor then.
    notes: usize,
    now_ms: u64,
    last_time: Option<(u64, f64)>,
    paused_at_moment: bool,
    done: bool,
}

impl Told {
    /// Tells the parent what happened since the last render.
    fn update(&mut self, lab: &Lab, parent: &Parent) {
        let fresh = !self
            .loaded
            .as_ref()
            .is_some_and(|l| Rc::ptr_eq(l, &lab.loaded));
        if fresh {
            *self = Told {
                loaded: Some(lab.loaded.clone()),
                ..Told::default()
            };
            parent.post(&Event::Ready {
                t_ms: lab.now_ms(),
                title: lab.title(),
                duration_ms: lab.end_ms(),
                lesson: lab.lesson.map(|l| l.id),
            });
        }
        let other_branch = !self
            .branches
            .as_ref()
            .is_some_and(|b| Rc::ptr_eq(b, &lab.branches))
            || self.branch != lab.branch;
        self.branches = Some(lab.branches.clone());
        self.branch = lab.branch;
        lab.with_sim(|sim| {
            let now = sim.now();
            let count = sim.notes.len();
            if other_branch && !fresh {
                // A new branch replays the old one up to where it parts: tell only what is new.
                let upto = self.now_ms.min(now);
                self.notes = (0..count)
                    .take_while(|&i| sim.notes.get(i).is_some_and(|n| n.at_ms <= upto))
                    .count();
            } else if now < self.now_ms || count < self.notes {
                // Back in time: what lies before was told already.
                self.notes = count;
            }
            for i in self.notes..count {
                if let Some((at, n)) = sim.notable(i) {
                    parent.post(&Event::from_notable(at, n));
                }
            }
            self.notes = count;
            self.now_ms = now;
        });
        self.tell_time(lab, parent);
        self.tell_lesson(lab, parent);
    }

    fn tell_time(&mut self, lab: &Lab, parent: &Parent) {
        if !lab.playing {
            return;
        }
        let wall = web_sys::window()
            .and_then(|w| w.performance())
            .map(|p| p.now())
            .unwrap_or(0.0);
        let due = match self.last_time {
            Some((t, at)) => t != self.now_ms && wall - at >= TIME_EVERY_MS,
            None => true,
        };
        if due {
            self.last_time = Some((self.now_ms, wall));
            parent.post(&Event::Time {
                t_ms: self.now_ms,
                duration_ms: lab.end_ms(),
            });
        }
    }

    fn tell_lesson(&mut self, lab: &Lab, parent: &Parent) {
        let Some(lesson) = lab.lesson else { return };
        let paused = lab.lesson_pause.is_some();
        if paused && !self.paused_at_moment {
            parent.post(&Event::LessonMoment {
                t_ms: self.now_ms,
                lesson: lesson.id,
                text: lab.lesson_pause.clone().unwrap_or_default(),
            });
        }
        self.paused_at_moment = paused;
        if !self.done {
            if let Some(checks) = lab.lesson_outcome() {
                self.done = true;
                parent.post(&Event::LessonDone {
                    t_ms: self.now_ms,
                    lesson: lesson.id,
                    passed: checks.iter().all(|c| c.held),
                    checks: checks
                        .into_iter()
                        .map(|c| CheckOut {
                            claim: c.claim,
                            held: c.held,
                        })
                        .collect(),
                });
                if let (Some(choice), Some(v)) = (lab.prediction, lab.prediction_verdict()) {
                    use replication_sim::lessons::Judgement;
                    parent.post(&Event::PredictionAnswered {
                        t_ms: self.now_ms,
                        lesson: lesson.id,
                        choice,
                        agreed: match v {
                            Judgement::Agreed => Some(true),
                            Judgement::Disagreed { .. } => Some(false),
                            Judgement::NotShown => None,
                        },
                    });
                }
            }
        }
    }
}

/// Runs one command against the lab as it is now.
fn run(command: Command, lab: &Lab, dispatch: &Callback<LabAction>, parent: &Parent) {
    match command {
        Command::Play if !lab.playing => dispatch.emit(LabAction::TogglePlay),
        Command::Play => {}
        Command::Pause => dispatch.emit(LabAction::Pause),
        Command::Seek { t_ms } => dispatch.emit(LabAction::Seek(t_ms)),
        Command::Step { forward: true } => dispatch.emit(LabAction::Step),
        Command::Step { forward: false } => dispatch.emit(LabAction::StepBack),
        Command::Get => parent.post(&state_of(lab)),
        Command::Lesson(id) => dispatch.emit(LabAction::OpenLesson(id)),
        Command::Load(scenario) => dispatch.emit(LabAction::Load {
            scenario,
            preset: None,
            notice: None,
        }),
        Command::LoadLink(text) => load_link(text, lab.now_ms(), dispatch.clone(), parent.clone()),
        Command::Act(action) => match read_action(&action, lab) {
            Ok(action) => dispatch.emit(LabAction::Do(action)),
            Err(refusal) => parent.post(&Event::error(lab.now_ms(), refusal)),
        },
    }
}

/// Reads an action as the lab would record it: appended to the scenario so far, at the
/// cursor, and read and checked by the scenario reader, so that a refused one changes nothing.
fn read_action(action: &JsValue, lab: &Lab) -> Result<Action, Refusal> {
    let recorded = js_sys::JSON::parse(&lab.recorded_scenario().to_json())
        .map_err(|_| refuse("action", "cannot be read"))?;
    let event = js_sys::Object::assign(&js_sys::Object::new(), action.unchecked_ref());
    let at = JsValue::from_f64((lab.now_ms() + 1) as f64);
    let _ = js_sys::Reflect::set(&event, &JsValue::from_str("at_ms"), &at);
    let events = get(&recorded, "events");
    let events: js_sys::Array = if js_sys::Array::is_array(&events) {
        events.unchecked_into()
    } else {
        let fresh = js_sys::Array::new();
        let _ = js_sys::Reflect::set(&recorded, &JsValue::from_str("events"), &fresh);
        fresh
    };
    events.push(&event);
    let mut scenario = Scenario::from_json(&json_of(&recorded, "action")?)
        .map_err(|e| refuse_inside("action", e))?;
    scenario
        .events
        .pop()
        .map(|e| e.action)
        .ok_or_else(|| refuse("action", "cannot be read"))
}

/// Opens a share link: a lesson's, a preset's, or a scenario the browser inflates first.
fn load_link(text: String, now: u64, dispatch: Callback<LabAction>, parent: Parent) {
    let fragment = text
        .split_once('#')
        .map_or(text.as_str(), |(_, f)| f)
        .to_string();
    if let Some(id) = fragment.split('&').find_map(|p| p.strip_prefix("lesson=")) {
        match Lesson::by_id(id) {
            Some(l) => dispatch.emit(LabAction::OpenLesson(l.id)),
            None => parent.post(&Event::error(now, refuse("link", "names no lesson"))),
        }
        return;
    }
    let open = move |decoded: Result<Decoded, LinkError>| match decoded {
        Ok(d) => {
            dispatch.emit(LabAction::Load {
                scenario: Box::new(d.scenario),
                preset: d.preset,
                notice: None,
            });
            if let Some(t) = d.options.t_ms {
                dispatch.emit(LabAction::Seek(t));
            }
        }
        Err(e) => parent.post(&Event::error(
            now,
            refuse("link", format!("cannot be opened: {e}")),
        )),
    };
    let Some(packed) = link::deflated_scenario(&fragment) else {
        return open(link::decode_with(&fragment, &|_| {
            Err(LinkError::NoScenario)
        }));
    };
    let open = Rc::new(RefCell::new(Some(open)));
    crate::app::inflate_link_scenario(&packed, move |bytes: Result<Vec<u8>, LinkError>| {
        if let Some(open) = open.borrow_mut().take() {
            open(link::decode_with(&fragment, &|_| bytes.clone()));
        }
    });
}

/// The API's hook in the lab: listens for commands and tells the parent what happens.
/// Does nothing unless the page is an embed that opted in.
#[hook]
pub fn use_api(lab: &UseReducerHandle<Lab>, embed: bool) {
    let parent = use_memo(embed, |embed| {
        let opt = embed.then(OptIn::from_page).flatten()?;
        Some((opt.clone(), Parent::of_page(&opt)?))
    });
    let latest = use_mut_ref(|| None::<UseReducerHandle<Lab>>);
    *latest.borrow_mut() = Some(lab.clone());
    let told = use_mut_ref(Told::default);
    {
        let parent = parent.clone();
        let latest = latest.clone();
        let d = lab.dispatcher();
        let dispatch = Callback::from(move |a| d.dispatch(a));
        use_effect_with((), move |_| {
            let listener = (*parent)
                .clone()
                .map(|(opt, parent)| listen(opt, parent, latest, dispatch));
            move || drop(listener)
        });
    }
    let lab = lab.clone();
    use_effect(move || {
        if let Some((_, parent)) = &*parent {
            told.borrow_mut().update(&lab, parent);
        }
    });
}

/// The window's `message` listener, removed when dropped.
struct Listener {
    window: web_sys::Window,
    closure: Closure<dyn FnMut(web_sys::MessageEvent)>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self
            .window
            .remove_event_listener_with_callback("message", self.closure.as_ref().unchecked_ref());
    }
}

fn listen(
    opt: OptIn,
    parent: Parent,
    latest: Rc<RefCell<Option<UseReducerHandle<Lab>>>>,
    dispatch: Callback<LabAction>,
) -> Option<Listener> {
    let window = web_sys::window()?;
    let closure =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            // Only the page that frames the lab may drive it; any other window is ignored.
            let from_parent = e
                .source()
                .is_some_and(|s| js_sys::Object::is(&s, &parent.window));
            if !from_parent {
                return;
            }
            if let OptIn::Origin(o) = &opt {
                if e.origin() != *o {
                    return;
                }
            }
            let Some(lab) = latest.borrow().clone() else {
                return;
            };
            match Command::from_message(&e.data()) {
                Ok(Some(command)) => run(command, &lab, &dispatch, &parent),
                Ok(None) => {}
                Err(refusal) => parent.post(&Event::error(lab.now_ms(), refusal)),
            }
        });
    window
        .add_event_listener_with_callback("message", closure.as_ref().unchecked_ref())
        .ok()?;
    Some(Listener { window, closure })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_opt_in_is_api_in_the_query_or_fragment() {
        let parts = |s: &'static str| OptIn::from_parts(s.split('&'));
        assert_eq!(parts("embed"), None);
        assert_eq!(parts("embed&api"), Some(OptIn::AnyParent));
        assert_eq!(
            parts("api=https://course.example&embed"),
            Some(OptIn::Origin("https://course.example".into()))
        );
        assert_eq!(parts("api&api=0"), None);
        assert_eq!(
            parts("api=http%3A%2F%2F127.0.0.1%3A8080"),
            Some(OptIn::Origin("http://127.0.0.1:8080".into()))
        );
    }

    #[test]
    fn an_action_error_names_the_field_inside_the_action() {
        let e = ScenarioError {
            field: "events[2].node".into(),
            message: "no such replica".into(),
        };
        assert_eq!(refuse_inside("action", e).field, "action.node");
        let e = ScenarioError {
            field: "cluster.nodes".into(),
            message: "too many".into(),
        };
        assert_eq!(refuse_inside("scenario", e).field, "scenario.cluster.nodes");
    }
}
