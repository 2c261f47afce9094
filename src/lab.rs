//! The laboratory itself: holds the reducer, drives the animation from
//! `requestAnimationFrame`, listens for keyboard shortcuts, announces notable events to
//! screen readers, and lays out the cluster and the panels.

use crate::cluster::Cluster;
use crate::lessons_ui::{lesson_panel, LessonPanelProps};
use crate::panels::{controls, ControlsProps};
use crate::state::{preset_titles, Lab, LabAction, Notice, Selection};
use crate::timebar::{timebar, TimebarProps};
use replication_sim::ViewOptions;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;
use yew::Reducible;

/// How the page was opened: full lab, or the compact embed of a course page, and its options.
#[derive(Clone, Debug, PartialEq)]
pub struct PageOptions {
    pub embed: bool,
    pub autoplay: bool,
    pub controls: bool,
    pub log: bool,
    /// Presenter mode (`?present`), for a projector: see `crate::present`.
    pub present: bool,
}

impl PageOptions {
    /// `?embed` (or `embed` in the fragment) makes the compact mode; in the fragment,
    /// `autoplay`, `controls=0` and `log=0` tune it, and `t=MS` sets the start time.
    pub fn from_page() -> PageOptions {
        let location = web_sys::window().map(|w| w.location());
        let search = location
            .as_ref()
            .and_then(|l| l.search().ok())
            .unwrap_or_default();
        let hash = location
            .as_ref()
            .and_then(|l| l.hash().ok())
            .unwrap_or_default();
        let parts: Vec<(String, Option<String>)> = search
            .trim_start_matches('?')
            .split('&')
            .chain(hash.trim_start_matches('#').split('&'))
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (k.to_string(), Some(v.to_string())),
                None => (p.to_string(), None),
            })
            .collect();
        let flag = |name: &str, default: bool| -> bool {
            parts
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| !matches!(v.as_deref(), Some("0" | "false" | "no")))
                .unwrap_or(default)
        };
        PageOptions {
            // The lean build is only ever loaded for the embed.
            embed: flag("embed", false),
            autoplay: flag("autoplay", false),
            controls: flag("controls", true),
            log: flag("log", true),
            present: flag("present", false),
        }
    }
}

/// The lab the page opens with: the scenario in the fragment (`#s=1.…`, `#preset=ID`), at
/// its `t=`, or the sandbox. A bad link loads the sandbox and says what was wrong.
pub fn initial_lab(options: &PageOptions, inflated: Option<crate::app::Inflated>) -> Lab {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    let fragment = hash.trim_start_matches('#');
    let names_scenario = fragment
        .split('&')
        .any(|p| p.starts_with("s=") || p.starts_with("preset=") || p == "s" || p == "preset");
    let lesson = fragment.split('&').find_map(|p| p.strip_prefix("lesson="));
    let mut lab = if let Some(id) = lesson {
        Lab::lesson(id).unwrap_or_else(|| {
            let mut l = Lab::default_lab();
            l.notice = Some(Notice {
                text: format!(
                    "There is no lesson called “{}”; the sandbox is loaded instead.",
                    replication_sim::ids::clip(id)
                ),
                error: true,
            });
            l
        })
    } else if !names_scenario {
        Lab::default_lab()
    } else {
        match replication_sim::link::decode_with(fragment, &|_| answer(&inflated)) {
            Ok(d) => {
                let mut lab = Lab::new(d.scenario, d.preset);
                if let Some(t) = d.options.t_ms {
                    lab = Rc::new(lab).reduce(LabAction::Seek(t)).take();
                }
                lab
            }
            Err(e) => {
                let mut l = Lab::default_lab();
                l.notice = Some(Notice {
                    text: format!(
                        "This link could not be opened: {e}. The sandbox is loaded instead."
                    ),
                    error: true,
                });
                l
            }
        }
    };
    lab.reduced_motion = prefers_reduced_motion();
    if options.present {
        // A presenter steps between key moments: know them all from the start.
        lab = lab.compute_ahead();
    }
    if options.autoplay && lab.notice.is_none() {
        lab = Rc::new(lab).reduce(LabAction::TogglePlay).take();
    }
    lab
}

/// What the browser answered for a link's scenario (see `crate::app`), as the link decoder
/// wants it.
pub fn answer(
    inflated: &Option<crate::app::Inflated>,
) -> Result<Vec<u8>, replication_sim::link::LinkError> {
    match inflated {
        Some(answer) => (**answer).clone(),
        // Only reached for a link that carries no readable scenario, refused before inflating.
        None => Err(replication_sim::link::LinkError::NoScenario),
    }
}

fn prefers_reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| {
            w.match_media("(prefers-reduced-motion: reduce)")
                .ok()
                .flatten()
        })
        .is_some_and(|m| m.matches())
}

/// The frame callback, shared with itself so that it can ask for the next frame.
type FrameClosure = Rc<RefCell<Option<Closure<dyn FnMut(f64)>>>>;

/// Runs `frame` on every animation frame until the returned guard is dropped.
struct AnimationLoop {
    id: Rc<RefCell<Option<i32>>>,
    _closure: FrameClosure,
}

impl AnimationLoop {
    fn start(mut frame: impl FnMut(f64) + 'static) -> Option<AnimationLoop> {
        let window = web_sys::window()?;
        let id = Rc::new(RefCell::new(None));
        let closure: FrameClosure = Rc::new(RefCell::new(None));
        let (id2, closure2, window2) = (id.clone(), closure.clone(), window.clone());
        *closure.borrow_mut() = Some(Closure::new(move |ts: f64| {
            frame(ts);
            if let Some(c) = closure2.borrow().as_ref() {
                *id2.borrow_mut() = window2
                    .request_animation_frame(c.as_ref().unchecked_ref())
                    .ok();
            }
        }));
        let first = window
            .request_animation_frame(closure.borrow().as_ref()?.as_ref().unchecked_ref())
            .ok();
        *id.borrow_mut() = first;
        Some(AnimationLoop {
            id,
            _closure: closure,
        })
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

/// While the run plays, the writes panel is redrawn at most once per this many milliseconds
/// of the reader's time: at 1x a write every 20 ms would otherwise re-lay out the side panel
/// on nearly every frame, for a list no one reads at 60 frames a second. Paused, stepped or
/// seeked, it shows the instant on screen at once.
const PANEL_REFRESH_MS: f64 = 125.0;

/// The writes panel as last drawn: the `PANEL_REFRESH_MS` slice it was drawn in, its counts
/// and its list.
type PanelShown = (
    u64,
    replication_sim::view::Counts,
    Rc<Vec<replication_sim::view::WriteView>>,
);

/// The writes panel's counts and list to reuse in this frame: those of the first frame of the
/// current `PANEL_REFRESH_MS` slice while playing, none while paused. Asked before the view is
/// built, so that a frame reusing them does not build the list (up to 200 lost writes) only
/// to throw it away. Returns the slice too, to keep what this frame draws.
fn reused_panel(
    cache: &RefCell<Option<PanelShown>>,
    lab: &Lab,
) -> (Option<u64>, Option<PanelShown>) {
    let slice = lab
        .last_frame_ms
        .filter(|_| lab.playing)
        .map(|ts| (ts / PANEL_REFRESH_MS) as u64);
    let reused = cache
        .borrow()
        .as_ref()
        .filter(|(at, ..)| Some(*at) == slice)
        .cloned();
    (slice, reused)
}

/// Keys typed into a form field belong to the field; Space and Enter on a button press it.
fn key_belongs_to_target(e: &web_sys::KeyboardEvent) -> bool {
    let key = e.key();
    let tag = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .map(|el| el.tag_name().to_ascii_lowercase())
        .unwrap_or_default();
    match tag.as_str() {
        "input" | "select" | "textarea" => key != "Escape",
        "button" | "summary" | "a" => key == " " || key == "Enter",
        _ => false,
    }
}

/// Below this width (CSS pixels) the cluster is drawn in portrait.
const COMPACT_WIDTH: f64 = 700.0;

fn window_is_narrow() -> bool {
    web_sys::window()
        .and_then(|w| w.inner_width().ok())
        .and_then(|v| v.as_f64())
        .is_some_and(|w| w < COMPACT_WIDTH)
}

/// Dispatches a frame action on every animation frame while `playing`; stops when paused
/// or unmounted.
#[hook]
pub fn use_animation(playing: bool, dispatch: Callback<LabAction>) {
    use_effect_with(playing, move |playing| {
        let guard = if *playing {
            AnimationLoop::start(move |ts| dispatch.emit(LabAction::Frame(ts)))
        } else {
            None
        };
        move || drop(guard)
    });
}

/// Whether the window is narrow enough for the portrait drawing, kept up to date on resize.
#[hook]
pub fn use_compact() -> UseStateHandle<bool> {
    let compact = use_state(window_is_narrow);
    {
        let compact = compact.clone();
        use_effect_with((), move |_| {
            let closure = Closure::<dyn FnMut()>::new(move || compact.set(window_is_narrow()));
            let window = web_sys::window();
            if let Some(w) = &window {
                let _ =
                    w.add_event_listener_with_callback("resize", closure.as_ref().unchecked_ref());
            }
            move || {
                if let Some(w) = &window {
                    let _ = w.remove_event_listener_with_callback(
                        "resize",
                        closure.as_ref().unchecked_ref(),
                    );
                }
                drop(closure);
            }
        });
    }
    compact
}

/// Keyboard shortcuts, anywhere on the page except while typing into a field. In presenter
/// mode (`leave` given), a remote's keys go between key moments, and Escape leaves.
#[hook]
pub fn use_shortcuts(dispatch: Callback<LabAction>, leave: Option<Callback<()>>) {
    {
        let d = dispatch;
        use_effect_with(leave, move |leave| {
            let leave = leave.clone();
            let closure = Closure::<dyn FnMut(web_sys::KeyboardEvent)>::new(
                move |e: web_sys::KeyboardEvent| {
                    if e.ctrl_key() || e.meta_key() || e.alt_key() || e.default_prevented() {
                        return;
                    }
                    let key = e.key();
                    if key_belongs_to_target(&e) {
                        return;
                    }
                    use crate::present::{presenter_key, PresenterKey};
                    if let (Some(leave), Some(k)) = (&leave, presenter_key(&key)) {
                        e.prevent_default();
                        match k {
                            PresenterKey::Next => d.emit(LabAction::Moment(true)),
                            PresenterKey::Previous => d.emit(LabAction::Moment(false)),
                            PresenterKey::Leave => leave.emit(()),
                        }
                        return;
                    }
                    if key == "w" {
                        if let Some(el) = web_sys::window()
                            .and_then(|w| w.document())
                            .and_then(|d| d.get_element_by_id("write-key"))
                        {
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
                    d.emit(LabAction::Key(key));
                },
            );
            let document = web_sys::window().and_then(|w| w.document());
            if let Some(doc) = &document {
                let _ = doc
                    .add_event_listener_with_callback("keydown", closure.as_ref().unchecked_ref());
            }
            move || {
                if let Some(doc) = &document {
                    let _ = doc.remove_event_listener_with_callback(
                        "keydown",
                        closure.as_ref().unchecked_ref(),
                    );
                }
                drop(closure);
            }
        });
    }
}

/// Which view of the run the main area shows.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Tab {
    Cluster,
    SpaceTime,
    Metrics,
}

impl Tab {
    fn id(self) -> &'static str {
        match self {
            Tab::Cluster => "cluster",
            Tab::SpaceTime => "spacetime",
            Tab::Metrics => "metrics",
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct LabAppProps {
    pub options: PageOptions,
    /// The browser's answer for the link's scenario, when the fragment carries one.
    #[prop_or_default]
    pub inflated: Option<crate::app::Inflated>,
}

#[component]
pub fn LabApp(props: &LabAppProps) -> Html {
    let options = props.options.clone();
    let lab = {
        let options = options.clone();
        let inflated = props.inflated.clone();
        use_reducer(move || initial_lab(&options, inflated))
    };
    let compact = use_compact();
    let tab = use_state(|| Tab::Cluster);
    let window_ms = use_state(|| crate::spacetime::DEFAULT_WINDOW_MS);
    let heartbeats = use_state(|| false);
    let focus = use_state(|| None);
    // One callback for the lab's life: a new one each frame would make every panel that
    // takes it render again, changed or not.
    let dispatch: Callback<LabAction> = {
        let d = lab.dispatcher();
        (*use_memo((), move |_| Callback::from(move |a| d.dispatch(a)))).clone()
    };

    use_animation(lab.playing, dispatch.clone());

    // A course page around the embed may drive it (only when it opted in).
    crate::api::use_api(&lab, options.embed);

    let presenting = use_state(|| options.present && !options.embed);
    let leave = {
        let handle = presenting.clone();
        (*use_memo(*presenting, move |on| {
            on.then(|| {
                Callback::from(move |()| {
                    crate::present::set_present_in_url(false);
                    handle.set(false);
                })
            })
        }))
        .clone()
    };
    use_shortcuts(dispatch.clone(), leave.clone());

    // Which run this is (a reset or another scenario builds a new timeline).
    let generation = (
        lab.timeline.as_ptr() as usize,
        lab.branch,
        lab.loaded.seed,
        lab.loaded.title.clone(),
    );
    // The writes go to their own panel: moved out of the view, not copied, on every frame.
    // The log's sentences change only when the run at the cursor gains one (it is a prefix
    // of the head, so equal counts are equal sentences): built then, not on every frame.
    let panel = use_mut_ref(|| None::<PanelShown>);
    let (slice, reused) = reused_panel(&panel, &lab);
    // Only the full page has the writes panel (the embed and presenter mode draw counts at
    // most, which the view always has).
    let lists_writes = crate::FULL && !options.embed && !*presenting && reused.is_none();
    let defaults = ViewOptions::default();
    let opts = ViewOptions {
        recent_events: 0,
        recent_writes: if lists_writes {
            defaults.recent_writes
        } else {
            0
        },
        older_lost: if lists_writes { defaults.older_lost } else { 0 },
        ..defaults
    };
    let mut view = lab.view(&opts);
    let events = {
        let lab = lab.clone();
        let at_cursor = lab.with_sim(|s| s.notes.len());
        use_memo((at_cursor, generation.clone()), move |_| {
            Rc::new(lab.with_sim(|s| s.recent_events(ViewOptions::default().recent_events)))
        })
    };
    let events: Rc<Vec<_>> = (*events).clone();
    let (counts, writes) = match reused {
        Some((_, counts, writes)) => (counts, writes),
        None => {
            let writes = Rc::new(std::mem::take(&mut view.writes));
            // Kept only when the list was built: a frame of the embed or of presenter mode
            // lists no writes, and its empty list must not stand in for the panel's.
            *panel.borrow_mut() = slice
                .filter(|_| lists_writes)
                .map(|at| (at, view.counts.clone(), writes.clone()));
            (view.counts.clone(), writes)
        }
    };
    let view = Rc::new(view);
    let presets = use_memo((), |_| preset_titles());
    let on_select = {
        let d = dispatch.clone();
        (*use_memo((), move |_| {
            Callback::from(move |s: Selection| d.emit(LabAction::Select(Some(s))))
        }))
        .clone()
    };
    // The instant the Share panel puts in a link, read when the reader asks for one.
    let now_cell = use_memo((), |_| std::cell::Cell::new(0u64));
    now_cell.set(view.now_ms);
    let announcement = events
        .iter()
        .rev()
        .find(|e| e.notable)
        .map(|e| format!("{} ms: {}", e.at_ms, e.text))
        .unwrap_or_default();
    let description = lab.loaded.description.clone();
    let dismiss = {
        let d = dispatch.clone();
        Callback::from(move |_| d.emit(LabAction::DismissNotice))
    };
    let enter_present = {
        let presenting = presenting.clone();
        Callback::from(move |_| {
            crate::present::set_present_in_url(true);
            presenting.set(true);
        })
    };
    let toggle_help = {
        let d = dispatch.clone();
        Callback::from(move |_| d.emit(LabAction::ToggleHelp))
    };

    // Both change only when the run gains a sentence or the reader an action: not per frame.
    let (notes, actions) = {
        let timeline = lab.timeline.borrow();
        (
            timeline.head().notes.len(),
            timeline.head().scenario.events.len(),
        )
    };
    let markers = {
        let lab = lab.clone();
        use_memo((notes, generation.clone()), move |_| Rc::new(lab.markers()))
    };
    let markers: Rc<Vec<_>> = (*markers).clone();
    // The instants a lesson holds at, as the engine finds them, for the page to expose.
    let key_moments = {
        let lab = lab.clone();
        use_memo((notes, generation.clone()), move |_| {
            let instants: Vec<String> =
                lab.lesson_moments().iter().map(|t| t.to_string()).collect();
            AttrValue::from(instants.join(" "))
        })
    };
    // Tabs and bookmarks say which scenario they hold.
    use_effect_with(lab.title(), |title| {
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            doc.set_title(&format!("{title} · Replication Lab"));
        }
    });
    let recorded = {
        let lab = lab.clone();
        use_memo((actions, generation.clone()), move |_| {
            Rc::new(lab.recorded_scenario())
        })
    };
    let recorded: Rc<_> = (*recorded).clone();
    let unchanged = recorded.events.len() == lab.loaded.events.len() && lab.branch == 0;
    // The embed's "open in the full lab" link; the full lab's links come from its Share panel.
    let embed_link_value =
        crate::share::use_scenario_value(options.embed.then(|| recorded.clone()));
    let timebar = html! {
        { timebar(&TimebarProps { now_ms: view.now_ms, end_ms: view.end_ms, head_ms: lab.head_ms(), markers, dispatch: dispatch.clone() }) }
    };
    let branch_picker = crate::lab_page::branch_picker(&lab, &dispatch);
    let notice = lab.notice.as_ref().map(|n| {
        html! {
            <div class={classes!("notice", n.error.then_some("error"))} role="status" id="notice">
                <span>{ &n.text }</span>
                <button onclick={dismiss.clone()} aria-label="Dismiss this message">{ "×" }</button>
            </div>
        }
    });
    let cluster = html! {
        <Cluster view={view.clone()} selected={lab.selected.clone()} reduced_motion={lab.reduced_motion} compact={*compact} on_select={on_select.clone()} />
    };
    // Sampling the whole run is not free: once per 100 ms of simulated time is plenty.
    let metrics = {
        let lab = lab.clone();
        let on = crate::FULL && *tab == Tab::Metrics;
        use_memo(
            (
                on,
                view.now_ms / 100,
                lab.branch,
                lab.timeline.as_ptr() as usize,
            ),
            move |(on, ..)| on.then(|| Rc::new(lab.with_sim(replication_sim::history::metrics))),
        )
    };
    // The second and third views of the same run: space-time diagram and metrics.
    // The embed draws only the cluster (the lean build has no other views).
    let stage = match if crate::FULL { *tab } else { Tab::Cluster } {
        Tab::Cluster => cluster.clone(),
        Tab::SpaceTime => {
            let data = Rc::new(lab.with_sim(|s| {
                replication_sim::spacetime::extract_write(s, *window_ms, *heartbeats, *focus)
            }));
            let export = crate::spacetime::export(lab.title(), dispatch.clone());
            html! {
                <crate::spacetime::SpaceTimeView {data} window_ms={window_ms.clone()} heartbeats={heartbeats.clone()}
                    focus={focus.clone()} on_export={export} on_select={on_select.clone()} />
            }
        }
        Tab::Metrics => match &*metrics {
            Some(m) => html! { <crate::metrics::MetricsPanel metrics={m.clone()} /> },
            None => html! {},
        },
    };
    let tabs = tabs_view(&tab);
    let controls = html! {
        { controls(&ControlsProps { playing: lab.playing, speed: lab.speed, now_ms: view.now_ms, end_ms: view.end_ms, dispatch: dispatch.clone() }) }
    };
    let announcer = html! { <div class="sr-only" aria-live="polite" aria-atomic="true" id="announcer">{ announcement }</div> };
    let moments = {
        let lab = lab.clone();
        let on = crate::FULL && *presenting;
        use_memo((on, notes, generation.clone()), move |_| {
            Rc::new(if on { lab.key_moments() } else { Vec::new() })
        })
    };
    let about = crate::present::about(&lab);
    let caption = match *presenting {
        true => crate::present::caption(&moments, view.now_ms, &about),
        false => lab.caption().unwrap_or_default(),
    };
    // Recording and presenter mode belong to the full lab: `FULL` keeps them out of the lean
    // embed build.
    let recorder = if crate::FULL {
        html! {
            <crate::record::Recorder now_ms={view.now_ms} end_ms={view.end_ms} playing={lab.playing} caption={caption} title={lab.title()} dispatch={dispatch.clone()} />
        }
    } else {
        Html::default()
    };
    if let Some(on_leave) = leave.filter(|_| crate::FULL) {
        let (moments, dispatch) = ((*moments).clone(), dispatch.clone());
        let parts = (cluster, timebar, recorder, notice, announcer);
        return crate::present::presenter(&crate::present::PresenterProps {
            lab: &lab,
            view: &view,
            moments,
            parts,
            dispatch,
            on_leave,
        });
    }

    // The lean build is only ever loaded for an embed; `!FULL` lets the optimiser drop the
    // full page below from it.
    if options.embed || !crate::FULL {
        let full_link = format!(
            "{}#{}",
            crate::share::base_url(),
            crate::share::fragment_for(&embed_link_value, lab.preset, unchanged, view.now_ms)
        );
        return crate::lab_page::embed_page(crate::lab_page::EmbedPage {
            lab: &lab,
            view,
            options: &options,
            compact: *compact,
            full_link,
            cluster,
            timebar,
            controls,
            notice,
            events,
            announcer,
            toggle_help,
            dispatch,
        });
    }

    // The text that frames the run (a lesson, or the scenario's description) goes in its own
    // box: beside the cluster on a wide screen, so that the drawing and the controls under it
    // fit in the window without scrolling; above the cluster on a narrow one.
    let outcome = lab.lesson.and_then(|_| lab.lesson_outcome());
    use_scroll_to_current(lab.lesson_pause.is_some(), outcome.is_some());
    let brief = if let Some(l) = lab.lesson {
        Some(lesson_panel(&LessonPanelProps {
            intro: l.intro,
            question: l.question,
            compare_link: l.compare_link(),
            key_moments: (*key_moments).clone(),
            caption: lab.caption(),
            pause: lab.lesson_pause.clone(),
            outcome,
            prediction: &l.prediction,
            chosen: lab.prediction,
            open: lab.prediction_open(),
            verdict: lab.prediction_verdict(),
            playing: lab.playing,
            at_start: view.now_ms == 0,
            dispatch: dispatch.clone(),
        }))
    } else {
        description.map(|d| html! {
            <section class="about" aria-label="About this scenario"><p class="lesson-text">{ d }</p></section>
        })
    };

    crate::lab_page::full_page(crate::lab_page::FullPage {
        lab: &lab,
        view,
        options: &options,
        brief,
        tabs,
        stage,
        on_cluster_tab: *tab == Tab::Cluster,
        timebar,
        controls,
        recorder,
        notice,
        presets,
        recorded,
        unchanged,
        now: now_cell,
        branch_picker,
        counts,
        writes,
        events,
        enter_present,
        toggle_help,
        announcer,
        dispatch,
    })
}

/// The tabs that choose the view of the run: the cluster, the space-time diagram, the metrics.
fn tabs_view(tab: &UseStateHandle<Tab>) -> Html {
    let make = |t: Tab, label: &'static str| {
        let tab = tab.clone();
        let selected = *tab == t;
        html! {
            <button role="tab" aria-selected={if selected { "true" } else { "false" }} class={classes!("tab", selected.then_some("selected"))}
                    id={format!("tab-{}", t.id())} onclick={Callback::from(move |_| tab.set(t))}>{ label }</button>
        }
    };
    html! {
        <div class="tabs" role="tablist" aria-label="Views of the run">
            { make(Tab::Cluster, "Cluster") }
            { make(Tab::SpaceTime, "Space-time") }
            { make(Tab::Metrics, "Metrics") }
        </div>
    }
}

/// When a lesson holds at a key moment or reaches its end, scrolls the lesson's box (which has
/// a height limit on a wide screen) so that the hold or the outcome is in view. Only the box
/// scrolls, never the page: the cluster and the controls stay where the reader has them.
#[hook]
fn use_scroll_to_current(holding: bool, ended: bool) {
    use_effect_with((holding, ended), |(holding, ended)| {
        let id = if *ended {
            "lesson-outcome"
        } else if *holding {
            "lesson-pause"
        } else {
            return;
        };
        let doc = web_sys::window().and_then(|w| w.document());
        let Some(doc) = doc else { return };
        let (Some(el), Some(boxed)) = (
            doc.get_element_by_id(id)
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()),
            doc.query_selector(".lab-brief .lesson")
                .ok()
                .flatten()
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()),
        ) else {
            return;
        };
        // The box is the element's offset parent (it is positioned), so offsets are in it.
        let (top, height) = (el.offset_top(), el.offset_height());
        let (scroll, view) = (boxed.scroll_top(), boxed.client_height());
        if top < scroll || height > view {
            boxed.set_scroll_top(top);
        } else if top + height > scroll + view {
            boxed.set_scroll_top(top + height - view);
        }
    });
}
