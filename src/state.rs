//! The app's state: a Yew reducer that only calls into the engine. It owns the timeline of
//! the run, the time cursor, play/pause and speed, and what the reader selected. Every
//! replication decision stays in `replication_sim`.

use replication_sim::lessons::Lesson;
use replication_sim::presets::{Preset, PRESETS};
use replication_sim::{Action, Scenario, Sim, Timeline, View, ViewOptions};
use std::cell::RefCell;
use std::rc::Rc;
use yew::Reducible;

/// What the inspector shows.
#[derive(Clone, Debug, PartialEq)]
pub enum Selection {
    Replica(String),
    Message(u64),
    Link(String, String),
    /// Something picked in the space-time diagram or a chart: its description.
    Detail(String),
}

/// A non-blocking message for the reader (bad input, refused action).
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
}

/// Slowest and fastest playback, in simulated milliseconds per real millisecond.
pub const MIN_SPEED: f64 = 0.1;
pub const MAX_SPEED: f64 = 10.0;
/// A frame after a long pause (hidden tab) must not jump the run ahead by minutes.
const MAX_FRAME_GAP_MS: f64 = 100.0;

/// Real time since the previous animation frame (none: just started), at most
/// [`MAX_FRAME_GAP_MS`], so a hidden tab does not leap ahead when it returns.
pub fn frame_gap_ms(last_frame_ms: Option<f64>, now_ms: f64) -> f64 {
    last_frame_ms.map_or(0.0, |l| (now_ms - l).clamp(0.0, MAX_FRAME_GAP_MS))
}

/// Most events one seek may compute ahead (about a second of WebAssembly work).
const MAX_EVENTS_PER_SEEK: u64 = 500_000;
/// How far a free-running (sandbox) session extends its end each time it reaches it.
const SANDBOX_EXTENSION_MS: u64 = 60_000;

/// One line of history: a scenario the reader ran, kept when they changed the past.
#[derive(Clone, Debug, PartialEq)]
pub struct Branch {
    pub scenario: Rc<Scenario>,
    pub label: String,
}

pub struct Lab {
    /// The scenario as loaded, before the reader's own actions.
    pub loaded: Rc<Scenario>,
    pub preset: Option<&'static str>,
    /// The run, computed up to the furthest instant reached so far.
    pub timeline: Rc<RefCell<Timeline>>,
    /// The run at the cursor when the reader has gone back in time; None at the head.
    pub past: Rc<RefCell<Option<Sim>>>,
    /// The furthest instant the reader has seen: acting before it forks the run.
    pub watched_ms: u64,
    /// Earlier branches of this session, and which one is shown.
    pub branches: Rc<Vec<Branch>>,
    pub branch: usize,
    pub cursor_ms: f64,
    pub playing: bool,
    pub speed: f64,
    pub last_frame_ms: Option<f64>,
    pub selected: Option<Selection>,
    pub notice: Option<Notice>,
    /// A sandbox keeps running past its planned end; a preset pauses there.
    pub sandbox: bool,
    pub reduced_motion: bool,
    pub help_open: bool,
    /// Guided lesson mode: pauses at key moments and checks what the run showed.
    pub lesson: Option<&'static Lesson>,
    /// Lesson pauses up to here have been seen and continued from.
    pub paused_through_ms: u64,
    /// The lesson is holding at this key moment, waiting for the reader.
    pub lesson_pause: Option<String>,
    /// The answer the reader committed to before the key moment (predict, then see).
    pub prediction: Option<usize>,
    revision: u64,
}

impl PartialEq for Lab {
    fn eq(&self, other: &Self) -> bool {
        self.revision == other.revision
    }
}

pub enum LabAction {
    /// An animation frame at this `performance.now()`.
    Frame(f64),
    TogglePlay,
    Pause,
    SetSpeed(f64),
    /// Process the next event.
    Step,
    /// Go back to just before the last event.
    StepBack,
    /// Show the run at this instant (the timeline).
    Seek(u64),
    /// Return to an earlier branch of the run.
    SwitchBranch(usize),
    /// Go on from a lesson's key moment.
    Continue,
    /// To the next key moment (true) or the previous one (presenter mode).
    Moment(bool),
    /// Commit to this answer of the lesson's prediction.
    Predict(usize),
    Reset,
    Load {
        // Boxed: a scenario is far larger than every other action.
        scenario: Box<Scenario>,
        preset: Option<&'static str>,
        notice: Option<Notice>,
    },
    LoadPreset(&'static str),
    /// A preset opened as its guided lesson (a course page's `lesson` command).
    OpenLesson(&'static str),
    /// A replication action by the reader, recorded into the scenario.
    Do(Action),
    /// Start afresh with another number of replicas.
    SetReplicas(u8),
    /// Start afresh with leaders chosen another way (an election, or the controller).
    SetFailover(replication_sim::scenario::Failover),
    Select(Option<Selection>),
    Notify(Notice),
    DismissNotice,
    SetReducedMotion(bool),
    /// A keyboard shortcut (already filtered: no modifier, not typed into a field).
    Key(String),
    ToggleHelp,
}

impl Lab {
    /// Takes the lab out of the `Rc` a reducer returns (cloning the handles if shared).
    pub fn take(self: Rc<Self>) -> Lab {
        Rc::try_unwrap(self).unwrap_or_else(|rc| rc.next())
    }

    pub fn new(scenario: Scenario, preset: Option<&'static str>) -> Lab {
        // One simulation: the scenario's, or the default one's when it cannot be used.
        let (scenario, sim, notice) = match Sim::new(&scenario) {
            Ok(sim) => (scenario, sim, None),
            Err(e) => {
                let fallback = Scenario::default_scenario();
                let sim = Sim::new(&fallback).expect("the default scenario is valid");
                let notice = Notice {
                    text: format!(
                        "That scenario could not be used ({e}); the default one is loaded instead."
                    ),
                    error: true,
                };
                (fallback, sim, Some(notice))
            }
        };
        let loaded = Rc::new(scenario);
        Lab {
            sandbox: preset.is_none()
                && loaded
                    .duration_ms
                    .is_some_and(|d| d >= replication_sim::sandbox::SANDBOX_MS),
            branches: Rc::new(vec![Branch {
                scenario: loaded.clone(),
                label: "as loaded".into(),
            }]),
            branch: 0,
            loaded,
            preset,
            timeline: Rc::new(RefCell::new(Timeline::new(sim))),
            past: Rc::new(RefCell::new(None)),
            watched_ms: 0,
            cursor_ms: 0.0,
            playing: false,
            speed: 1.0,
            last_frame_ms: None,
            selected: None,
            notice,
            reduced_motion: false,
            help_open: false,
            lesson: None,
            paused_through_ms: 0,
            lesson_pause: None,
            prediction: None,
            revision: 0,
        }
    }

    /// A preset opened as a guided lesson.
    pub fn lesson(id: &str) -> Option<Lab> {
        let lesson = Lesson::by_id(id)?;
        let mut lab = Lab::from_preset(id)?;
        lab.lesson = Some(lesson);
        Some(lab)
    }

    /// The lesson's key moment in `(from, to]`, if one happened there (the engine says
    /// which they are; the head of the run holds every moment up to the cursor too).
    fn lesson_moment(&self, from: u64, to: u64) -> Option<(u64, String)> {
        let lesson = self.lesson?;
        let m = lesson.moment_between(self.timeline.borrow().head(), from, to)?;
        Some((m.at_ms, m.text))
    }

    /// The instants at which the lesson holds, in the run computed so far.
    pub fn lesson_moments(&self) -> Vec<u64> {
        self.lesson
            .map(|l| l.moment_instants(self.timeline.borrow().head()))
            .unwrap_or_default()
    }

    /// The latest engine sentence at the cursor: the lesson's running caption.
    pub fn caption(&self) -> Option<String> {
        let now = self.now_ms();
        self.with_sim(|s| {
            s.notes
                .iter()
                .rev()
                .find(|n| n.at_ms <= now)
                .map(|n| n.text.clone())
        })
    }

    /// A prediction can still be made: the lesson has one, none is made yet, and the run
    /// has not reached its first key moment (after it, the reader has seen the answer).
    pub fn prediction_open(&self) -> bool {
        self.lesson.is_some()
            && self.prediction.is_none()
            && self
                .lesson_moments()
                .first()
                .is_none_or(|&m| (self.now_ms()) < m)
    }

    /// What the run says of the reader's prediction, once the run has ended.
    pub fn prediction_verdict(&self) -> Option<replication_sim::lessons::Judgement> {
        let (lesson, choice) = (self.lesson?, self.prediction?);
        if self.cursor_ms < self.end_ms() as f64 {
            return None;
        }
        Some(self.with_sim(|s| lesson.judge(s, choice)))
    }

    /// The lesson's checks against the run as it ended, once it has.
    pub fn lesson_outcome(&self) -> Option<Vec<replication_sim::lessons::Check>> {
        let lesson = self.lesson?;
        if self.cursor_ms < self.end_ms() as f64 {
            return None;
        }
        Some(self.with_sim(|s| lesson.checks(s)))
    }

    pub fn default_lab() -> Lab {
        Lab::new(Scenario::default_scenario(), None)
    }

    pub fn from_preset(id: &str) -> Option<Lab> {
        let p = Preset::by_id(id)?;
        Some(Lab::new(p.scenario().ok()?, Some(p.id)))
    }

    /// Runs `f` on the simulation as it is at the cursor.
    pub fn with_sim<R>(&self, f: impl FnOnce(&Sim) -> R) -> R {
        if let Some(sim) = self.past.borrow().as_ref() {
            return f(sim);
        }
        f(self.timeline.borrow().head())
    }

    /// The engine's picture of the cluster at the cursor.
    pub fn view(&self, opts: &ViewOptions) -> View {
        self.with_sim(|s| s.view(opts))
    }

    /// Notable moments of the run computed so far, for the timeline's markers.
    pub fn markers(&self) -> Vec<replication_sim::view::EventView> {
        self.timeline.borrow().head().markers()
    }

    pub fn now_ms(&self) -> u64 {
        self.with_sim(|s| s.now())
    }

    pub fn end_ms(&self) -> u64 {
        self.timeline.borrow().head().end_ms()
    }

    /// Furthest instant computed.
    pub fn head_ms(&self) -> u64 {
        self.timeline.borrow().head().now()
    }

    pub fn in_past(&self) -> bool {
        self.past.borrow().is_some()
    }

    /// The scenario including every action the reader took: it replays this run.
    pub fn recorded_scenario(&self) -> Scenario {
        (*self.timeline.borrow().head().scenario).clone()
    }

    /// Shows the run at `t` (a seek), computing ahead if needed.
    fn seek(&self, next: &mut Lab, t: u64) {
        let t = t.min(self.end_ms());
        let mut timeline = self.timeline.borrow_mut();
        let mut t = t;
        if t >= timeline.head().now() {
            // A far seek into a heavy run is computed in bounded portions: the page answers.
            if !timeline.advance_within(t, MAX_EVENTS_PER_SEEK) {
                t = timeline.head().now();
                next.notice = Some(Notice {
                    text: format!(
                        "That instant lies far into a heavy run: the lab stopped at {} to keep the page responsive. Seek again or press Play to go on.",
                        crate::panels::format_time(t)
                    ),
                    error: false,
                });
            }
            *self.past.borrow_mut() = None;
        } else {
            *self.past.borrow_mut() = Some(timeline.seek(t));
        }
        next.cursor_ms = t as f64;
        next.watched_ms = next.watched_ms.max(t);
    }

    /// Shows the run right after its `n`th event.
    fn seek_event(&self, next: &mut Lab, n: u64) {
        let mut timeline = self.timeline.borrow_mut();
        let sim = timeline.seek_event(n);
        next.cursor_ms = sim.now() as f64;
        next.watched_ms = next.watched_ms.max(sim.now());
        let at_head = sim.events_processed() >= timeline.head().events_processed();
        *self.past.borrow_mut() = if at_head { None } else { Some(sim) };
    }

    fn events_at_cursor(&self) -> u64 {
        self.with_sim(|s| s.events_processed())
    }

    /// A reader's action. At the head of the run it is simply recorded; before the furthest
    /// point they have watched, it starts a new branch from the cursor, and the old one is
    /// kept to return to.
    fn act(&self, next: &mut Lab, action: Action) {
        let what = action.name().replace('_', " ");
        let now = self.now_ms();
        let at_head = !self.in_past();
        if at_head {
            let mut timeline = self.timeline.borrow_mut();
            match timeline.head_mut().inject(action) {
                Ok(timed) => {
                    // Show the effect at once, even while paused.
                    timeline.advance_to(timed.at_ms);
                    next.cursor_ms = next.cursor_ms.max(timed.at_ms as f64);
                    next.watched_ms = next.watched_ms.max(timed.at_ms);
                    next.notice = timeline
                        .head()
                        .timing_warning()
                        .map(|text| Notice { text, error: false });
                }
                Err(e) => {
                    next.notice = Some(Notice {
                        text: format!("Could not {what}: {e}"),
                        error: true,
                    })
                }
            }
            return;
        }
        // Changing the past: the reader's own later actions belong to the old branch.
        let old = self.recorded_scenario();
        let base = self.loaded.events.len();
        let mut scenario = old.clone();
        scenario.events = old.events[..base.min(old.events.len())].to_vec();
        scenario.events.extend(
            old.events
                .iter()
                .skip(base)
                .filter(|e| e.at_ms <= now)
                .cloned(),
        );
        scenario.events.push(replication_sim::TimedAction {
            at_ms: now + 1,
            action,
        });
        if let Err(e) = scenario.validate() {
            next.notice = Some(Notice {
                text: format!("Could not {what}: {e}"),
                error: true,
            });
            return;
        }
        let Ok(sim) = Sim::new(&scenario) else { return };
        let mut timeline = Timeline::new(sim);
        timeline.advance_to(now + 1);
        let mut branches = (*self.branches).clone();
        branches[self.branch].scenario = Rc::new(old);
        branches.push(Branch {
            scenario: Rc::new(scenario),
            label: format!("from {}: {what}", crate::panels::format_time(now)),
        });
        next.branch = branches.len() - 1;
        next.branches = Rc::new(branches);
        next.timeline = Rc::new(RefCell::new(timeline));
        next.past = Rc::new(RefCell::new(None));
        next.cursor_ms = (now + 1) as f64;
        next.watched_ms = now + 1;
        next.notice = Some(Notice {
            text: format!("You changed the past: a new branch starts at {}. The previous run is kept under “Branch”.", crate::panels::format_time(now)),
            error: false,
        });
    }

    pub fn title(&self) -> String {
        self.loaded
            .title
            .clone()
            .unwrap_or_else(|| "Untitled scenario".into())
    }

    fn next(&self) -> Lab {
        Lab {
            loaded: self.loaded.clone(),
            preset: self.preset,
            timeline: self.timeline.clone(),
            past: self.past.clone(),
            watched_ms: self.watched_ms,
            branches: self.branches.clone(),
            branch: self.branch,
            cursor_ms: self.cursor_ms,
            playing: self.playing,
            speed: self.speed,
            last_frame_ms: self.last_frame_ms,
            selected: self.selected.clone(),
            notice: self.notice.clone(),
            sandbox: self.sandbox,
            reduced_motion: self.reduced_motion,
            help_open: self.help_open,
            lesson: self.lesson,
            paused_through_ms: self.paused_through_ms,
            lesson_pause: self.lesson_pause.clone(),
            prediction: self.prediction,
            revision: self.revision + 1,
        }
    }

    fn selected_replica(&self) -> Option<replication_sim::NodeId> {
        match &self.selected {
            Some(Selection::Replica(id)) => id.parse().ok(),
            _ => None,
        }
    }

    /// Maps a shortcut to what it does; None if the key means nothing here. It acts on the
    /// cluster as it is at the cursor, as the inspector shows it, even in the past.
    fn key_action(&self, key: &str) -> Option<LabAction> {
        let node = self.selected_replica();
        let up = node.map(|n| self.with_sim(|s| s.replicas.get(n.index()).is_some_and(|r| r.up)));
        // The controller m1, selected: the keys that make sense for it.
        let m1_up = match &self.selected {
            Some(Selection::Replica(id)) if id == replication_sim::ids::CONTROLLER => {
                self.with_sim(|s| s.controller.as_ref().map(|c| c.up))
            }
            _ => None,
        };
        match (key, m1_up) {
            ("c", Some(true)) => return Some(LabAction::Do(Action::CrashController)),
            ("s", Some(false)) => return Some(LabAction::Do(Action::RestartController)),
            ("i", Some(_)) => return Some(LabAction::Do(Action::IsolateController)),
            _ => {}
        }
        Some(match key {
            " " | "k" => LabAction::TogglePlay,
            "." | "ArrowRight" => LabAction::Step,
            "," | "ArrowLeft" => LabAction::StepBack,
            "Home" => LabAction::Seek(0),
            "PageUp" | "PageDown" => {
                let now = self.now_ms();
                let markers = self.markers();
                let t = if key == "PageDown" {
                    markers.iter().map(|m| m.at_ms).find(|&t| t > now)?
                } else {
                    markers
                        .iter()
                        .rev()
                        .map(|m| m.at_ms)
                        .find(|&t| t < now)
                        .unwrap_or(0)
                };
                LabAction::Seek(t)
            }
            "Escape" => {
                if self.help_open {
                    LabAction::ToggleHelp
                } else {
                    LabAction::Select(None)
                }
            }
            "?" => LabAction::ToggleHelp,
            "Enter" | "n" if self.lesson_pause.is_some() => LabAction::Continue,
            "a" => LabAction::Do(Action::AddFollower {
                method: Default::default(),
            }),
            "f" => LabAction::Do(Action::Failover { node: None }),
            "h" => LabAction::Do(Action::Heal),
            "c" if up == Some(true) => LabAction::Do(Action::Crash { node: node? }),
            "s" if up == Some(false) => LabAction::Do(Action::Restart { node: node? }),
            "p" => LabAction::Do(Action::Failover { node: Some(node?) }),
            "i" => LabAction::Do(Action::Isolate { node: node? }),
            "c" | "s" if node.is_none() => LabAction::Notify(Notice {
                text: "Select a replica first: press its number (1–9), or click it.".into(),
                error: false,
            }),
            d if d.len() == 1 && d.as_bytes()[0].is_ascii_digit() && d != "0" => {
                let n: usize = d.parse().ok()?;
                if n > self.with_sim(|s| s.replicas.len()) {
                    return None;
                }
                LabAction::Select(Some(Selection::Replica(format!("n{n}"))))
            }
            _ => return None,
        })
    }

    pub(super) fn replace_with(&self, mut fresh: Lab) -> Lab {
        fresh.speed = self.speed;
        fresh.reduced_motion = self.reduced_motion;
        fresh.revision = self.revision + 1;
        fresh
    }
}

impl Reducible for Lab {
    type Action = LabAction;

    fn reduce(self: Rc<Self>, action: LabAction) -> Rc<Self> {
        let mut next = self.next();
        match action {
            LabAction::Frame(ts) => {
                if !self.playing {
                    return self;
                }
                let gap = frame_gap_ms(self.last_frame_ms, ts);
                next.last_frame_ms = Some(ts);
                // Replaying the past: run the past copy forward until it meets the head.
                let head_ms = self.head_ms();
                let target = self.cursor_ms + gap * self.speed;
                if self.in_past() && (target as u64) < head_ms {
                    let from = (self.cursor_ms as u64).max(self.paused_through_ms);
                    if let Some((at, text)) = self.lesson_moment(from, target as u64) {
                        self.seek(&mut next, at);
                        next.playing = false;
                        next.last_frame_ms = None;
                        next.lesson_pause = Some(text);
                        return Rc::new(next);
                    }
                    if let Some(sim) = self.past.borrow_mut().as_mut() {
                        sim.run_until(target.floor() as u64);
                    }
                    next.cursor_ms = target;
                    next.watched_ms = next.watched_ms.max(target as u64);
                    return Rc::new(next);
                }
                *self.past.borrow_mut() = None;
                let mut timeline = self.timeline.borrow_mut();
                let mut end = timeline.head().end_ms() as f64;
                let target = self.cursor_ms + gap * self.speed;
                if target >= end && self.sandbox {
                    let extended = target as u64 + SANDBOX_EXTENSION_MS;
                    timeline.head_mut().extend_end(extended);
                    end = timeline.head().end_ms() as f64;
                }
                next.cursor_ms = target.min(end);
                next.watched_ms = next.watched_ms.max(next.cursor_ms as u64);
                timeline.advance_to(next.cursor_ms.floor() as u64);
                drop(timeline);
                let from = (self.cursor_ms as u64).max(self.paused_through_ms);
                if let Some((at, text)) = self.lesson_moment(from, next.cursor_ms as u64) {
                    // Hold at the key moment until the reader continues.
                    self.seek(&mut next, at);
                    next.playing = false;
                    next.last_frame_ms = None;
                    next.lesson_pause = Some(text);
                    return Rc::new(next);
                }
                if next.cursor_ms >= end {
                    next.playing = false;
                    next.last_frame_ms = None;
                }
            }
            LabAction::Predict(choice) => {
                let valid = self
                    .lesson
                    .is_some_and(|l| choice < l.prediction.choices.len());
                if valid && self.prediction_open() {
                    next.prediction = Some(choice);
                }
            }
            LabAction::Moment(forward) => self.go_to_moment(&mut next, forward),
            LabAction::Continue => {
                next.paused_through_ms = self.now_ms();
                next.lesson_pause = None;
                next.playing = true;
                next.last_frame_ms = None;
            }
            LabAction::TogglePlay => {
                if self.lesson_pause.is_some() && !self.playing {
                    return self.reduce(LabAction::Continue);
                }
                let at_end = self.cursor_ms >= self.end_ms() as f64;
                if at_end && !self.playing && !self.sandbox {
                    next.notice = Some(Notice { text: "The scenario has ended. Reset to watch it again, or act on the cluster to carry on.".into(), error: false });
                    return Rc::new(next);
                }
                next.playing = !self.playing;
                next.last_frame_ms = None;
            }
            LabAction::Pause => {
                next.playing = false;
                next.last_frame_ms = None;
            }
            LabAction::SetSpeed(s) => next.speed = s.clamp(MIN_SPEED, MAX_SPEED),
            LabAction::Step => {
                next.playing = false;
                let n = self.events_at_cursor();
                let head_events = self.timeline.borrow().head().events_processed();
                if self.in_past() || n < head_events {
                    self.seek_event(&mut next, n + 1);
                } else {
                    let mut timeline = self.timeline.borrow_mut();
                    if !timeline.step() {
                        next.notice = Some(Notice {
                            text: "Nothing more happens in this scenario.".into(),
                            error: false,
                        });
                    }
                    next.cursor_ms = timeline.head().now() as f64;
                    next.watched_ms = next.watched_ms.max(timeline.head().now());
                }
            }
            LabAction::StepBack => {
                next.playing = false;
                let n = self.events_at_cursor();
                if n == 0 {
                    next.notice = Some(Notice {
                        text: "This is the start of the run.".into(),
                        error: false,
                    });
                } else {
                    self.seek_event(&mut next, n - 1);
                }
            }
            LabAction::Seek(t) => {
                next.last_frame_ms = None;
                self.seek(&mut next, t);
            }
            LabAction::SwitchBranch(i) => {
                let Some(b) = self.branches.get(i) else {
                    return self;
                };
                if i == self.branch {
                    return self;
                }
                let Ok(sim) = Sim::new(&b.scenario) else {
                    return self;
                };
                let t = self.now_ms();
                let mut timeline = Timeline::new(sim);
                timeline.advance_to(t);
                next.timeline = Rc::new(RefCell::new(timeline));
                next.past = Rc::new(RefCell::new(None));
                next.branch = i;
                next.cursor_ms = t as f64;
                next.playing = false;
            }
            LabAction::Reset => {
                let fresh = Lab::new((*self.loaded).clone(), self.preset);
                return Rc::new(self.replace_with(fresh));
            }
            LabAction::Load {
                scenario,
                preset,
                notice,
            } => {
                let mut fresh = Lab::new(*scenario, preset);
                if fresh.notice.is_none() {
                    fresh.notice = notice;
                }
                return Rc::new(self.replace_with(fresh));
            }
            LabAction::LoadPreset(id) => {
                let fresh = Lab::from_preset(id).unwrap_or_else(|| {
                    let mut l = Lab::default_lab();
                    l.notice = Some(Notice {
                        text: format!(
                            "There is no lesson called “{id}”; the default scenario is loaded."
                        ),
                        error: true,
                    });
                    l
                });
                return Rc::new(self.replace_with(fresh));
            }
            LabAction::OpenLesson(id) => {
                if let Some(fresh) = Lab::lesson(id) {
                    return Rc::new(self.replace_with(fresh));
                }
            }
            LabAction::Do(action) => self.act(&mut next, action),
            LabAction::SetReplicas(n) => {
                let what = format!("{n} replicas");
                return self.start_sandbox(self.loaded.with_replicas(n), &what, None, next);
            }
            LabAction::SetFailover(f) => {
                let what = format!("{} failover", f.name());
                let told = format!("A fresh sandbox with {what}: a run cannot change who chooses its leader mid-way.");
                return self.start_sandbox(self.loaded.with_failover(f), &what, Some(told), next);
            }
            LabAction::Select(s) => next.selected = s,
            LabAction::Notify(n) => next.notice = Some(n),
            LabAction::DismissNotice => next.notice = None,
            LabAction::SetReducedMotion(r) => next.reduced_motion = r,
            LabAction::ToggleHelp => next.help_open = !self.help_open,
            LabAction::Key(k) => {
                return match self.key_action(&k) {
                    Some(action) => self.reduce(action),
                    None => self,
                };
            }
        }
        Rc::new(next)
    }
}

/// The lessons, for the scenario picker: (id, title).
pub fn preset_titles() -> Vec<(&'static str, String)> {
    PRESETS
        .iter()
        .map(|p| {
            (
                p.id,
                p.scenario()
                    .ok()
                    .and_then(|s| s.title)
                    .unwrap_or_else(|| p.id.to_string()),
            )
        })
        .collect()
}

mod moments;
mod sandbox;
#[cfg(test)]
mod tests;
