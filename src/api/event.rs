//! Events to the course page, turned into JavaScript objects by serde-wasm-bindgen.

use super::*;

/// A check of a finished lesson.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckOut {
    pub claim: String,
    pub held: bool,
}

/// The runner's report, as much of it as a page needs: its summary in words and its figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StateOut {
    pub title: Option<String>,
    pub mode: String,
    pub seed: u64,
    pub leader: Option<String>,
    pub epoch: u32,
    pub lost_writes: Vec<String>,
    pub metrics: replication_sim::report::Metrics,
    pub trace_hash: String,
    /// What `scenario run` prints.
    pub summary: String,
}

/// What the lab tells its parent. Every event carries the simulated instant, `t_ms`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Ready {
        t_ms: u64,
        title: String,
        duration_ms: u64,
        lesson: Option<&'static str>,
    },
    Time {
        t_ms: u64,
        duration_ms: u64,
    },
    Crash {
        t_ms: u64,
        node: String,
    },
    Restart {
        t_ms: u64,
        node: String,
    },
    Failover {
        t_ms: u64,
        node: String,
        manual: bool,
    },
    NewLeader {
        t_ms: u64,
        node: String,
    },
    /// The controller `m1` appointed `node` leader.
    Appointed {
        t_ms: u64,
        node: String,
    },
    StepDown {
        t_ms: u64,
        node: String,
    },
    WritesLost {
        t_ms: u64,
        writes: Vec<String>,
        reason: Option<&'static str>,
        explanation: Option<&'static str>,
    },
    SnapshotInstalled {
        t_ms: u64,
        node: String,
    },
    CaughtUp {
        t_ms: u64,
        node: String,
    },
    ReadAnomaly {
        t_ms: u64,
        node: String,
        client: Option<String>,
        guarantee: Option<&'static str>,
        write: Option<String>,
    },
    LessonMoment {
        t_ms: u64,
        lesson: &'static str,
        text: String,
    },
    LessonDone {
        t_ms: u64,
        lesson: &'static str,
        passed: bool,
        checks: Vec<CheckOut>,
    },
    /// The run has judged the reader's prediction: `agreed` is null when the run does not
    /// show the lesson's effect.
    PredictionAnswered {
        t_ms: u64,
        lesson: &'static str,
        choice: usize,
        agreed: Option<bool>,
    },
    State {
        t_ms: u64,
        duration_ms: u64,
        playing: bool,
        report: Box<StateOut>,
    },
    Error {
        t_ms: u64,
        field: String,
        message: String,
    },
}

impl Event {
    /// The engine's notable moment as an event.
    pub fn from_notable(t_ms: u64, n: Notable) -> Event {
        let s = |x: &dyn std::fmt::Display| x.to_string();
        match n {
            Notable::Crash { node } => Event::Crash {
                t_ms,
                node: s(&node),
            },
            Notable::Restart { node } => Event::Restart {
                t_ms,
                node: s(&node),
            },
            Notable::Failover { node, manual } => Event::Failover {
                t_ms,
                node: s(&node),
                manual,
            },
            Notable::NewLeader { node } => Event::NewLeader {
                t_ms,
                node: s(&node),
            },
            Notable::Appointed { node } => Event::Appointed {
                t_ms,
                node: s(&node),
            },
            Notable::StepDown { node } => Event::StepDown {
                t_ms,
                node: s(&node),
            },
            Notable::WritesLost { writes, reason } => Event::WritesLost {
                t_ms,
                writes: writes.iter().map(|w| w.to_string()).collect(),
                reason: reason.map(|r| r.code()),
                explanation: reason.map(|r| r.explain()),
            },
            Notable::SnapshotInstalled { node } => Event::SnapshotInstalled {
                t_ms,
                node: s(&node),
            },
            Notable::CaughtUp { node } => Event::CaughtUp {
                t_ms,
                node: s(&node),
            },
            Notable::ReadAnomaly {
                client,
                node,
                guarantee,
                write,
            } => Event::ReadAnomaly {
                t_ms,
                node: s(&node),
                client: client.map(|c| c.to_string()),
                guarantee: guarantee.map(|g| g.name()),
                write: write.map(|w| w.to_string()),
            },
        }
    }

    pub(super) fn error(t_ms: u64, r: Refusal) -> Event {
        Event::Error {
            t_ms,
            field: r.field,
            message: r.message,
        }
    }

    /// The event as the object posted to the parent, marked as the lab's.
    pub fn to_js(&self) -> Option<JsValue> {
        let value = self
            .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .ok()?;
        js_sys::Reflect::set(&value, &JsValue::from_str(MARK), &JsValue::from(VERSION)).ok()?;
        Some(value)
    }
}

pub(super) fn state_of(lab: &Lab) -> Event {
    let report = lab.with_sim(Sim::brief_report);
    Event::State {
        t_ms: lab.now_ms(),
        duration_ms: lab.end_ms(),
        playing: lab.playing,
        report: Box::new(StateOut {
            summary: report.summary(),
            title: report.title,
            mode: report.mode,
            seed: report.seed,
            leader: report.leader,
            epoch: report.epoch,
            lost_writes: report.lost_writes,
            metrics: report.metrics,
            trace_hash: report.trace_hash,
        }),
    }
}
