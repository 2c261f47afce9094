//! Side by side: one scenario under two to four replication modes at once, with the same
//! seed, workload and faults, on one shared clock and timeline, and a table of what each
//! mode cost: latency against durability and availability, measured on the same run.

use crate::cluster::Cluster;
use crate::panels::format_time;
use crate::share::Share;
use crate::state::{LabAction, Notice, Selection, MAX_SPEED, MIN_SPEED};

use replication_sim::{Mode, Scenario, Sim, Timeline, ViewOptions};
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// The modes named in `compare=a,b,...`: two to four distinct ones.
pub fn parse_modes(value: &str) -> Result<Vec<Mode>, String> {
    let mut modes = Vec::new();
    for name in value.split(',').filter(|s| !s.is_empty()) {
        let m = Mode::ALL.iter().find(|m| m.name() == name).ok_or_else(|| {
            format!(
                "“{}” is not a replication mode",
                replication_sim::ids::clip(name)
            )
        })?;
        if !modes.contains(m) {
            modes.push(*m);
        }
    }
    if !(2..=4).contains(&modes.len()) {
        return Err("a comparison needs two to four different modes".into());
    }
    Ok(modes)
}

pub struct CompareLab {
    pub scenario: Rc<Scenario>,
    pub preset: Option<&'static str>,
    pub modes: Vec<Mode>,
    timelines: Rc<RefCell<Vec<Timeline>>>,
    /// The runs at the cursor when it is behind the computed heads.
    past: Rc<RefCell<Option<Vec<Sim>>>>,
    pub cursor_ms: f64,
    pub playing: bool,
    pub speed: f64,
    last_frame_ms: Option<f64>,
    pub notice: Option<Notice>,
    revision: u64,
}

impl PartialEq for CompareLab {
    fn eq(&self, other: &Self) -> bool {
        self.revision == other.revision
    }
}

impl CompareLab {
    pub fn new(
        scenario: Scenario,
        preset: Option<&'static str>,
        modes: Vec<Mode>,
        notice: Option<Notice>,
    ) -> CompareLab {
        let timelines = modes
            .iter()
            .filter_map(|m| {
                let mut s = scenario.clone();
                s.cluster.mode = *m;
                Sim::new(&s).ok().map(Timeline::new)
            })
            .collect();
        CompareLab {
            scenario: Rc::new(scenario),
            preset,
            modes,
            timelines: Rc::new(RefCell::new(timelines)),
            past: Rc::new(RefCell::new(None)),
            cursor_ms: 0.0,
            playing: false,
            speed: 1.0,
            last_frame_ms: None,
            notice,
            revision: 0,
        }
    }

    /// Runs `f` on each mode's simulation at the cursor.
    pub fn each<R>(&self, mut f: impl FnMut(&Sim) -> R) -> Vec<R> {
        if let Some(p) = self.past.borrow().as_ref() {
            return p.iter().map(&mut f).collect();
        }
        self.timelines
            .borrow()
            .iter()
            .map(|t| f(t.head()))
            .collect()
    }

    /// Which runs these are: a new scenario or a reset builds new timelines.
    pub fn scenario_ptr(&self) -> usize {
        self.timelines.as_ptr() as usize
    }

    pub fn end_ms(&self) -> u64 {
        self.timelines
            .borrow()
            .iter()
            .map(|t| t.head().end_ms())
            .max()
            .unwrap_or(0)
    }

    fn head_ms(&self) -> u64 {
        self.timelines
            .borrow()
            .iter()
            .map(|t| t.head().now())
            .min()
            .unwrap_or(0)
    }

    fn next(&self) -> CompareLab {
        CompareLab {
            scenario: self.scenario.clone(),
            preset: self.preset,
            modes: self.modes.clone(),
            timelines: self.timelines.clone(),
            past: self.past.clone(),
            cursor_ms: self.cursor_ms,
            playing: self.playing,
            speed: self.speed,
            last_frame_ms: self.last_frame_ms,
            notice: self.notice.clone(),
            revision: self.revision + 1,
        }
    }

    fn seek(&self, t: u64) {
        let head = self.head_ms();
        let mut timelines = self.timelines.borrow_mut();
        if t >= head {
            for tl in timelines.iter_mut() {
                tl.advance_to(t);
            }
            *self.past.borrow_mut() = None;
        } else {
            *self.past.borrow_mut() = Some(timelines.iter_mut().map(|tl| tl.seek(t)).collect());
        }
    }
}

impl Reducible for CompareLab {
    type Action = LabAction;

    fn reduce(self: Rc<Self>, action: LabAction) -> Rc<Self> {
        let mut next = self.next();
        let end = self.end_ms();
        match action {
            LabAction::Frame(ts) => {
                if !self.playing {
                    return self;
                }
                let gap = crate::state::frame_gap_ms(self.last_frame_ms, ts);
                next.last_frame_ms = Some(ts);
                next.cursor_ms = (self.cursor_ms + gap * self.speed).min(end as f64);
                let t = next.cursor_ms as u64;
                let ahead = self.past.borrow().is_some() && t < self.head_ms();
                if ahead {
                    if let Some(p) = self.past.borrow_mut().as_mut() {
                        for s in p.iter_mut() {
                            s.run_until(t);
                        }
                    }
                } else {
                    self.seek(t);
                }
                if next.cursor_ms >= end as f64 {
                    next.playing = false;
                }
            }
            LabAction::TogglePlay => {
                if !self.playing && self.cursor_ms >= end as f64 {
                    next.cursor_ms = 0.0;
                    self.seek(0);
                }
                next.playing = !self.playing;
                next.last_frame_ms = None;
            }
            LabAction::Pause => next.playing = false,
            LabAction::SetSpeed(s) => next.speed = s.clamp(MIN_SPEED, MAX_SPEED),
            LabAction::Seek(t) => {
                let t = t.min(end);
                self.seek(t);
                next.cursor_ms = t as f64;
                next.last_frame_ms = None;
            }
            LabAction::Step | LabAction::StepBack => {
                // Modes process different events; step by 10 ms of shared time instead.
                let t = if matches!(action, LabAction::Step) {
                    self.cursor_ms as u64 + 10
                } else {
                    (self.cursor_ms as u64).saturating_sub(10)
                };
                let t = t.min(end);
                self.seek(t);
                next.cursor_ms = t as f64;
                next.playing = false;
            }
            LabAction::Reset => {
                self.seek(0);
                next.cursor_ms = 0.0;
                next.playing = false;
            }
            LabAction::Notify(n) => next.notice = Some(n),
            LabAction::DismissNotice => next.notice = None,
            LabAction::Key(k) => {
                let a = match k.as_str() {
                    " " | "k" => LabAction::TogglePlay,
                    "ArrowRight" | "." => LabAction::Step,
                    "ArrowLeft" | "," => LabAction::StepBack,
                    "Home" => LabAction::Seek(0),
                    _ => return self,
                };
                return self.reduce(a);
            }
            _ => return self,
        }
        Rc::new(next)
    }
}

#[derive(Properties, PartialEq)]
pub struct CompareProps {
    pub embed: bool,
    /// The browser's answer for the link's scenario, when the fragment carries one.
    #[prop_or_default]
    pub inflated: Option<crate::app::Inflated>,
}

/// The scenario and modes in the fragment: `compare=async,sync&preset=…` or `&s=1.…`.
fn initial(inflated: Option<crate::app::Inflated>) -> CompareLab {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    let fragment = hash.trim_start_matches('#');
    let modes_value = fragment
        .split('&')
        .find_map(|p| p.strip_prefix("compare="))
        .unwrap_or("async,semi-sync,sync");
    let default_modes = vec![Mode::Async, Mode::SemiSync, Mode::Sync];
    let (modes, mut notice) = match parse_modes(modes_value) {
        Ok(m) => (m, None),
        Err(e) => (
            default_modes,
            Some(Notice {
                text: format!("{e}; comparing async, semi-sync and sync instead."),
                error: true,
            }),
        ),
    };
    let rest: Vec<&str> = fragment
        .split('&')
        .filter(|p| !p.starts_with("compare"))
        .collect();
    let rest = rest.join("&");
    let (scenario, preset, t) = if rest
        .split('&')
        .any(|p| p.starts_with("s=") || p.starts_with("preset="))
    {
        match replication_sim::link::decode_with(&rest, &|_| crate::lab::answer(&inflated)) {
            Ok(d) => (d.scenario, d.preset, d.options.t_ms),
            Err(e) => {
                notice = Some(Notice { text: format!("This link could not be opened: {e}. Showing the asynchronous failover lesson instead."), error: true });
                let p = replication_sim::presets::Preset::by_id("async-failover")
                    .expect("preset exists");
                (p.scenario().expect("presets are valid"), Some(p.id), None)
            }
        }
    } else {
        let p = replication_sim::presets::Preset::by_id("async-failover").expect("preset exists");
        (p.scenario().expect("presets are valid"), Some(p.id), None)
    };
    let lab = CompareLab::new(scenario, preset, modes, notice);
    match t {
        Some(t) => Rc::new(lab).reduce(LabAction::Seek(t)).take(),
        None => lab,
    }
}

impl CompareLab {
    fn take(self: Rc<Self>) -> CompareLab {
        Rc::try_unwrap(self).unwrap_or_else(|rc| rc.next())
    }
}

fn ms(x: Option<u64>) -> String {
    x.map(|v| format!("{v} ms")).unwrap_or_else(|| "–".into())
}

#[component]
pub fn CompareApp(props: &CompareProps) -> Html {
    let lab = {
        let inflated = props.inflated.clone();
        use_reducer(move || initial(inflated))
    };
    let dispatch: Callback<LabAction> = {
        let d = lab.dispatcher();
        Callback::from(move |a| d.dispatch(a))
    };
    crate::lab::use_animation(lab.playing, dispatch.clone());
    crate::lab::use_shortcuts(dispatch.clone(), None);
    let compact = crate::lab::use_compact();
    let now_cell = use_memo((), |_| std::cell::Cell::new(0u64));

    let opts = ViewOptions {
        log_window: 10,
        recent_writes: 0,
        recent_events: 0,
        older_lost: 0,
    };
    let views = lab.each(|s| Rc::new(s.view(&opts)));
    let bucket = (lab.cursor_ms / 200.0) as u64;
    let summaries = {
        let lab2 = lab.clone();
        use_memo(
            (
                bucket,
                lab.playing,
                lab.cursor_ms as u64 / if lab.playing { u64::MAX } else { 1 },
            ),
            move |_| lab2.each(Sim::summary),
        )
    };
    // The markers change only when a run gains a sentence: rebuilt and sorted then, not on
    // every frame (a run at the cursor is a prefix of its head, so equal counts are equal notes).
    let markers = {
        let lab2 = lab.clone();
        use_memo(
            (lab.each(|s| s.notes.len()), lab.scenario_ptr()),
            move |_| {
                let mut markers: Vec<_> =
                    lab2.each(|s| s.markers()).into_iter().flatten().collect();
                markers.sort_by_key(|m| m.at_ms);
                Rc::new(markers)
            },
        )
    };
    let markers: Rc<Vec<_>> = (*markers).clone();
    let now = views.first().map(|v| v.now_ms).unwrap_or(0);
    now_cell.set(now);
    let head = lab.head_ms();
    let noop = Callback::from(|_: Selection| {});
    let modes_value: Vec<&str> = lab.modes.iter().map(|m| m.name()).collect();
    let title = format!(
        "{} — compared in {}",
        lab.scenario
            .title
            .clone()
            .unwrap_or_else(|| "Scenario".into()),
        modes_value.join(", ")
    );
    let panels: Html = views
        .iter()
        .zip(lab.modes.iter())
        .map(|(v, m)| {
            let lost = v.counts.lost;
            html! {
                <section class="compare-panel" aria-label={format!("{} replication", m.name())}>
                    <h3>
                        <span class="mode-name">{ m.name() }</span>
                        <span class={classes!("lost-pill", (lost > 0).then_some("has-lost"))}>{ format!("{lost} lost") }</span>
                        <span class="mode-pill">{ format!("leader {}", v.leader.clone().unwrap_or_else(|| "none".into())) }</span>
                    </h3>
                    <Cluster view={v.clone()} selected={None::<Selection>} reduced_motion={false} compact={*compact} on_select={noop.clone()} />
                </section>
            }
        })
        .collect();
    let rows: Html = summaries
        .iter()
        .map(|s| {
            html! {
                <tr>
                    <th scope="row">{ s.mode.name() }</th>
                    <td>{ ms(s.latency_p50_ms) }</td>
                    <td>{ ms(s.latency_p99_ms) }</td>
                    <td>{ s.confirmed }</td>
                    <td class={classes!((s.lost > 0).then_some("bad"))}>{ s.lost }</td>
                    <td>{ s.blocked }</td>
                    <td>{ s.failed }</td>
                    <td>{ format!("{} ms", s.leaderless_ms) }</td>
                </tr>
            }
        })
        .collect();
    let prefix = format!("compare={}&", modes_value.join(","));
    html! {
        <div class={classes!("compare", props.embed.then_some("embed"))}>
            <div class="compare-head">
                <h2>{ title.clone() }</h2>
                if !props.embed {
                    <p class="lesson-text">{ "The same seed, workload and faults under each mode, on one clock. The table below is measured on these runs, at the current instant." }</p>
                }
            </div>
            if let Some(n) = &lab.notice {
                <div class={classes!("notice", n.error.then_some("error"))} role="status" id="notice"><span>{ &n.text }</span></div>
            }
            <div class={classes!("compare-grid", format!("n{}", lab.modes.len()))}>{ panels }</div>
            { crate::timebar::timebar(&crate::timebar::TimebarProps { now_ms: now, end_ms: lab.end_ms(), head_ms: head, markers, dispatch: dispatch.clone() }) }
            { crate::panels::controls(&crate::panels::ControlsProps { playing: lab.playing, speed: lab.speed, now_ms: now, end_ms: lab.end_ms(), dispatch: dispatch.clone() }) }
            <table class="compare-table" id="compare-table">
                <caption>{ format!("At {}: durability against latency and availability", format_time(now)) }</caption>
                <thead><tr>
                    <th scope="col">{ "mode" }</th><th scope="col">{ "latency p50" }</th><th scope="col">{ "latency p99" }</th>
                    <th scope="col">{ "confirmed" }</th><th scope="col">{ "lost" }</th><th scope="col">{ "blocked" }</th>
                    <th scope="col">{ "failed" }</th><th scope="col">{ "without a leader" }</th>
                </tr></thead>
                <tbody>{ rows }</tbody>
            </table>
            if !props.embed {
                <Share scenario={lab.scenario.clone()} preset={lab.preset} unchanged={true} now={now_cell.clone()} title={title} prefix={prefix} dispatch={dispatch.clone()} />
            }
        </div>
    }
}
