//! Side by side: one scenario under two to four replication modes at once, or with its new
//! follower copied two or three ways (`compare=method:snapshot,file_copy,locked_copy`),
//! with the same seed, workload and faults, on one shared clock and timeline, and a table
//! of what each cost: latency against durability and availability, and for the copy
//! methods whether the follower is consistent with the leader and how long writes were
//! refused. Every figure comes from the engine.

use crate::cluster::Cluster;
use crate::panels::format_time;
use crate::share::Share;
use crate::state::{LabAction, Notice, Selection, MAX_SPEED, MIN_SPEED};

use replication_sim::scenario::CopyMethod;
use replication_sim::{Action, Mode, Scenario, Sim, Timeline, ViewOptions};
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// What the runs side by side differ in: the replication mode, or how the new follower
/// is copied.
#[derive(Clone, Debug, PartialEq)]
pub enum Compared {
    Modes(Vec<Mode>),
    Methods(Vec<CopyMethod>),
}

impl Compared {
    pub fn names(&self) -> Vec<&'static str> {
        match self {
            Compared::Modes(m) => m.iter().map(|m| m.name()).collect(),
            Compared::Methods(m) => m.iter().map(|m| m.name()).collect(),
        }
    }

    /// The value of `compare=` that names these runs.
    pub fn link_value(&self) -> String {
        match self {
            Compared::Modes(_) => self.names().join(","),
            Compared::Methods(_) => format!("method:{}", self.names().join(",")),
        }
    }

    /// The scenario of each run: the mode set, or every new follower copied that way.
    fn scenarios(&self, base: &Scenario) -> Vec<Scenario> {
        match self {
            Compared::Modes(modes) => modes
                .iter()
                .map(|m| {
                    let mut s = base.clone();
                    s.cluster.mode = *m;
                    s
                })
                .collect(),
            Compared::Methods(methods) => methods
                .iter()
                .map(|m| {
                    let mut s = base.clone();
                    for e in s.events.iter_mut() {
                        if let Action::AddFollower { method } = &mut e.action {
                            *method = *m;
                        }
                    }
                    s
                })
                .collect(),
        }
    }
}

/// `compare=a,b,...` (modes) or `compare=method:a,b,...` (ways to copy a new follower).
pub fn parse_compared(value: &str) -> Result<Compared, String> {
    match value.strip_prefix("method:") {
        Some(methods) => parse_methods(methods).map(Compared::Methods),
        None => parse_modes(value).map(Compared::Modes),
    }
}

/// The ways to copy a new follower named in `compare=method:a,b,...`: two or three.
pub fn parse_methods(value: &str) -> Result<Vec<CopyMethod>, String> {
    let allowed: Vec<&str> = CopyMethod::ALL.iter().map(|m| m.name()).collect();
    let mut methods = Vec::new();
    for name in value.split(',').filter(|s| !s.is_empty()) {
        let m = CopyMethod::ALL
            .iter()
            .find(|m| m.name() == name)
            .ok_or_else(|| {
                format!(
                    "“{}” is not a way to copy a new follower (the ways are {})",
                    replication_sim::ids::clip(name),
                    allowed.join(", ")
                )
            })?;
        if !methods.contains(m) {
            methods.push(*m);
        }
    }
    if methods.len() < 2 {
        return Err(format!(
            "a comparison needs two or three different ways to copy a new follower, from {}",
            allowed.join(", ")
        ));
    }
    Ok(methods)
}

/// The modes named in `compare=a,b,...`: two to four distinct ones.
pub fn parse_modes(value: &str) -> Result<Vec<Mode>, String> {
    let mut modes = Vec::new();
    for name in value.split(',').filter(|s| !s.is_empty()) {
        let m = Mode::ALL.iter().find(|m| m.name() == name).ok_or_else(|| {
            let allowed: Vec<&str> = Mode::ALL.iter().map(|m| m.name()).collect();
            format!(
                "“{}” is not a replication mode (the modes are {}; or compare ways to copy a new follower with method:snapshot,file_copy,locked_copy)",
                replication_sim::ids::clip(name),
                allowed.join(", ")
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
    pub compared: Compared,
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
        compared: Compared,
        notice: Option<Notice>,
    ) -> CompareLab {
        let timelines = compared
            .scenarios(&scenario)
            .iter()
            .filter_map(|s| Sim::new(s).ok().map(Timeline::new))
            .collect();
        CompareLab {
            scenario: Rc::new(scenario),
            preset,
            compared,
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
            compared: self.compared.clone(),
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
    let value = fragment
        .split('&')
        .find_map(|p| p.strip_prefix("compare="))
        .unwrap_or("async,semi-sync,sync");
    let by_method = value.starts_with("method:");
    let (compared, mut notice) = match parse_compared(value) {
        Ok(c) => (c, None),
        Err(e) if by_method => (
            Compared::Methods(vec![
                CopyMethod::Snapshot,
                CopyMethod::FileCopy,
                CopyMethod::LockedCopy,
            ]),
            Some(Notice {
                text: format!("{e}; comparing snapshot, file_copy and locked_copy instead."),
                error: true,
            }),
        ),
        Err(e) => (
            Compared::Modes(vec![Mode::Async, Mode::SemiSync, Mode::Sync]),
            Some(Notice {
                text: format!("{e}; comparing async, semi-sync and sync instead."),
                error: true,
            }),
        ),
    };
    let fallback = if by_method {
        "new-follower-file-copy"
    } else {
        "async-failover"
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
                notice = Some(Notice { text: format!("This link could not be opened: {e}. Showing the {fallback} lesson instead."), error: true });
                let p = replication_sim::presets::Preset::by_id(fallback).expect("preset exists");
                (p.scenario().expect("presets are valid"), Some(p.id), None)
            }
        }
    } else {
        let p = replication_sim::presets::Preset::by_id(fallback).expect("preset exists");
        (p.scenario().expect("presets are valid"), Some(p.id), None)
    };
    let adds_follower = scenario
        .events
        .iter()
        .any(|e| matches!(e.action, Action::AddFollower { .. }));
    if by_method && !adds_follower && notice.is_none() {
        notice = Some(Notice {
            text: "This scenario adds no new follower, so the ways to copy one do not differ here; the new-follower lessons add one.".into(),
            error: true,
        });
    }
    let lab = CompareLab::new(scenario, preset, compared, notice);
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

/// "yes", "no: k10, k13, …" or "–" (no follower has its data yet), as the engine judges.
fn consistent(s: &replication_sim::report::Summary) -> String {
    match s.follower_consistent {
        None => "–".into(),
        Some(true) => "yes".into(),
        Some(false) if s.differing_keys.is_empty() => "no".into(),
        Some(false) => {
            let keys = &s.differing_keys;
            let shown: Vec<&str> = keys.iter().take(3).map(String::as_str).collect();
            let more = if keys.len() > 3 { ", …" } else { "" };
            format!("no: {}{more} differ", shown.join(", "))
        }
    }
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
    let names = lab.compared.names();
    let by_method = matches!(lab.compared, Compared::Methods(_));
    let title = format!(
        "{} — compared {} {}",
        lab.scenario
            .title
            .clone()
            .unwrap_or_else(|| "Scenario".into()),
        if by_method { "by copy method:" } else { "in" },
        names.join(", ")
    );
    let panels: Html = views
        .iter()
        .zip(names.iter())
        .map(|(v, name)| {
            let lost = v.counts.lost;
            let label = if by_method {
                format!("{name} copy")
            } else {
                format!("{name} replication")
            };
            html! {
                <section class="compare-panel" aria-label={label}>
                    <h3>
                        <span class="mode-name">{ *name }</span>
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
        .zip(names.iter())
        .map(|(s, name)| {
            html! {
                <tr>
                    <th scope="row">{ *name }</th>
                    <td>{ ms(s.latency_p50_ms) }</td>
                    <td>{ ms(s.latency_p99_ms) }</td>
                    <td>{ s.confirmed }</td>
                    <td class={classes!((s.lost > 0).then_some("bad"))}>{ s.lost }</td>
                    <td>{ s.blocked }</td>
                    <td>{ s.failed }</td>
                    <td>{ format!("{} ms", s.leaderless_ms) }</td>
                    if by_method {
                        <td class={classes!((s.follower_consistent == Some(false)).then_some("bad"))}>{ consistent(s) }</td>
                        <td>{ format!("{} ms", s.writes_refused_ms) }</td>
                    }
                </tr>
            }
        })
        .collect();
    let prefix = format!("compare={}&", lab.compared.link_value());
    html! {
        <div class={classes!("compare", props.embed.then_some("embed"))}>
            <div class="compare-head">
                <h2>{ title.clone() }</h2>
                if !props.embed {
                    <p class="lesson-text">{ if by_method { "The same seed, workload and faults, with the new follower copied each way, on one clock. The table below is measured on these runs, at the current instant." } else { "The same seed, workload and faults under each mode, on one clock. The table below is measured on these runs, at the current instant." } }</p>
                }
            </div>
            if let Some(n) = &lab.notice {
                <div class={classes!("notice", n.error.then_some("error"))} role="status" id="notice"><span>{ &n.text }</span></div>
            }
            <div class={classes!("compare-grid", format!("n{}", names.len()))}>{ panels }</div>
            { crate::timebar::timebar(&crate::timebar::TimebarProps { now_ms: now, end_ms: lab.end_ms(), head_ms: head, markers, dispatch: dispatch.clone() }) }
            { crate::panels::controls(&crate::panels::ControlsProps { playing: lab.playing, speed: lab.speed, now_ms: now, end_ms: lab.end_ms(), dispatch: dispatch.clone() }) }
            <table class="compare-table" id="compare-table">
                <caption>{ format!("At {}: durability against latency and availability", format_time(now)) }</caption>
                <thead><tr>
                    <th scope="col">{ if by_method { "copy method" } else { "mode" } }</th><th scope="col">{ "latency p50" }</th><th scope="col">{ "latency p99" }</th>
                    <th scope="col">{ "confirmed" }</th><th scope="col">{ "lost" }</th><th scope="col">{ "blocked" }</th>
                    <th scope="col">{ "failed" }</th><th scope="col">{ "without a leader" }</th>
                    if by_method {
                        <th scope="col">{ "follower consistent with the leader" }</th><th scope="col">{ "time writes were refused" }</th>
                    }
                </tr></thead>
                <tbody>{ rows }</tbody>
            </table>
            if !props.embed {
                <Share scenario={lab.scenario.clone()} preset={lab.preset} unchanged={true} now={now_cell.clone()} title={title} prefix={prefix} dispatch={dispatch.clone()} />
            }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_comparison_by_method_or_by_mode_and_refusals_that_name_the_allowed_values() {
        assert_eq!(
            parse_compared("method:snapshot,file_copy,locked_copy"),
            Ok(Compared::Methods(vec![
                CopyMethod::Snapshot,
                CopyMethod::FileCopy,
                CopyMethod::LockedCopy
            ]))
        );
        assert_eq!(
            parse_compared("sync,async"),
            Ok(Compared::Modes(vec![Mode::Sync, Mode::Async]))
        );
        let e = parse_compared("method:snapshot,rsync").unwrap_err();
        assert!(
            e.contains("“rsync” is not a way to copy a new follower"),
            "{e}"
        );
        assert!(e.contains("snapshot, locked_copy, file_copy"), "{e}");
        let e = parse_compared("method:snapshot,snapshot").unwrap_err();
        assert!(e.contains("two or three different ways"), "{e}");
        let e = parse_compared("eventual,sync").unwrap_err();
        assert!(e.contains("async, sync, semi-sync, chain, quorum"), "{e}");
        let link = Compared::Methods(vec![CopyMethod::Snapshot, CopyMethod::FileCopy]);
        assert_eq!(link.link_value(), "method:snapshot,file_copy");
        assert_eq!(parse_compared(&link.link_value()), Ok(link));
    }

    #[test]
    fn each_method_run_copies_every_new_follower_its_way() {
        let base = replication_sim::presets::Preset::by_id("new-follower-file-copy")
            .unwrap()
            .scenario()
            .unwrap();
        let c = Compared::Methods(vec![CopyMethod::LockedCopy, CopyMethod::Snapshot]);
        let runs = c.scenarios(&base);
        assert_eq!(
            runs[0].events[0].action,
            Action::AddFollower {
                method: CopyMethod::LockedCopy
            }
        );
        assert_eq!(
            runs[1].events[0].action,
            Action::AddFollower {
                method: CopyMethod::Snapshot
            }
        );
        assert_eq!(runs[0].seed, base.seed);
    }
}
