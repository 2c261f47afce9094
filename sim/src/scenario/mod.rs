//! The scenario format: seed, cluster settings, workload and timed actions, as JSON that
//! course authors write by hand. Parsing names the field at fault; every number has a
//! documented range, checked by [`Scenario::validate`].

use crate::ids::{clip, ClientId, Endpoint, NodeId};
use serde::Serialize;
use std::fmt;

pub mod settings;
mod validate;

pub(crate) use validate::documented_range;

/// The only scenario format version this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// Limits that keep a hostile or mistyped scenario from freezing a browser tab.
pub mod limits {
    pub const MAX_TIME_MS: u64 = 3_600_000;
    pub const MAX_LATENCY_MS: u64 = 10_000;
    pub const MIN_FAILOVER_TIMEOUT_MS: u64 = 10;
    pub const MAX_FAILOVER_TIMEOUT_MS: u64 = 60_000;
    pub const MIN_HEARTBEAT_MS: u64 = 5;
    pub const MAX_EVENTS: usize = 10_000;
    pub const MAX_KEYS: u32 = 100_000;
    pub const MAX_INITIAL_ROWS: u64 = 10_000_000;
    pub const MAX_SNAPSHOT_ROWS_PER_S: u64 = 1_000_000_000;
    pub const MAX_TEXT_CHARS: usize = 64;
    pub const MAX_DESCRIPTION_CHARS: usize = 2_000;
    pub const MAX_SLOW_FACTOR: u32 = 1_000;
    pub const MAX_LOG_RETENTION: u64 = 10_000_000;
    /// A leader's disk: room for every initial row and the longest retained log.
    pub const MAX_DISK_ENTRIES: u64 = MAX_INITIAL_ROWS + MAX_LOG_RETENTION;
    /// Most writes (workload and by hand), and most reads, a run may make, over every rate
    /// it sets: with the engine's event limit (`sim::EVENT_BUDGET`), this keeps every valid
    /// scenario's run under a minute and 1 GB natively (the engine benchmark's worst case).
    pub const MAX_WORKLOAD_OPS: u64 = 500_000;
}
use limits::*;

#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub version: u32,
    pub title: Option<String>,
    pub description: Option<String>,
    pub seed: u64,
    pub cluster: Cluster,
    pub workload: Workload,
    pub events: Vec<TimedAction>,
    /// When the run ends; by default two seconds after the last action or workload write.
    pub duration_ms: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// The leader confirms after its own local write.
    Async,
    /// The leader confirms after every follower has the write.
    Sync,
    /// One follower is synchronous; if it fails, an asynchronous one takes its place.
    SemiSync,
    /// Writes enter at the head, travel down the chain and are confirmed by the tail.
    Chain,
    /// The leader confirms once `write_quorum` replicas (itself included) have the write.
    Quorum,
}

impl Mode {
    pub const ALL: [Mode; 5] = [
        Mode::Async,
        Mode::Sync,
        Mode::SemiSync,
        Mode::Chain,
        Mode::Quorum,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Mode::Async => "async",
            Mode::Sync => "sync",
            Mode::SemiSync => "semi-sync",
            Mode::Chain => "chain",
            Mode::Quorum => "quorum",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What the leader does with log entries a follower may still need: the chapter's
/// dilemma for a follower that is unavailable for a long time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum LogRetention {
    /// Keep only the last `log_retention_entries` (or everything, when that is absent): a
    /// follower that fell behind them must be re-seeded from a snapshot.
    #[default]
    LastEntries,
    /// Keep every entry until every follower has it: nobody needs a new snapshot, but the
    /// log grows while a follower is down, and a full disk stops writes.
    UntilCaughtUp,
}

impl LogRetention {
    pub const ALL: [LogRetention; 2] = [LogRetention::LastEntries, LogRetention::UntilCaughtUp];
    pub const NAMES: [&'static str; 2] = ["last_entries", "until_caught_up"];

    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// Who chooses a new leader when the leader fails: the chapter's two ways, "an election
/// process (where the leader is chosen by a majority of the remaining replicas), or a new
/// leader could be appointed by a previously elected controller node".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Failover {
    /// The replicas elect one of themselves (`election`).
    #[default]
    Election,
    /// A controller node, `m1`, watches the replicas and appoints the most up-to-date one
    /// it can reach; replicas never elect themselves.
    Controller,
}

impl Failover {
    pub const ALL: [Failover; 2] = [Failover::Election, Failover::Controller];
    pub const NAMES: [&'static str; 2] = ["election", "controller"];

    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// How a new follower gets the leader's data: the chapter weighs the ways.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CopyMethod {
    /// A consistent snapshot at an exact log position, taken without locking, then
    /// catch-up from that position: what the chapter recommends.
    #[default]
    Snapshot,
    /// Lock the database against writes, copy, unlock: consistent, but no write is taken
    /// while the copy runs.
    LockedCopy,
    /// Copy the data files row by row while writes continue: no lock, no log position, and
    /// the result may match no state the leader ever had.
    FileCopy,
}

impl CopyMethod {
    pub const ALL: [CopyMethod; 3] = [
        CopyMethod::Snapshot,
        CopyMethod::LockedCopy,
        CopyMethod::FileCopy,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CopyMethod::Snapshot => "snapshot",
            CopyMethod::LockedCopy => "locked_copy",
            CopyMethod::FileCopy => "file_copy",
        }
    }
}

/// The cluster settings. Their names, ranges, defaults and documentation are in one
/// table, [`settings::SETTINGS`], which the reader, the validator and the writer follow.
#[derive(Clone, Debug, PartialEq)]
pub struct Cluster {
    /// Replicas at the start, `n1` being the leader.
    pub nodes: u8,
    pub mode: Mode,
    /// For `quorum` mode: replicas (leader included) that must hold a write before it is
    /// confirmed. Defaults to a majority.
    pub write_quorum: Option<u8>,
    /// One-way network delay between any two endpoints.
    pub latency_ms: u64,
    /// One-way delay between a client and a replica: clients usually sit near the leader,
    /// so they hear "confirmed" before a distant follower receives the write.
    pub client_latency_ms: u64,
    /// Extra random delay per message, 0..=jitter_ms (seeded).
    pub jitter_ms: u64,
    /// Silence after which a follower declares the leader dead.
    pub failover_timeout_ms: u64,
    /// How often a leader sends heartbeats.
    pub heartbeat_ms: u64,
    /// Semi-sync: silence after which the synchronous follower is replaced. Defaults to
    /// half the failover timeout.
    pub sync_timeout_ms: Option<u64>,
    /// Epochs fence off a deposed leader: it stops taking writes once it cannot reach a
    /// majority, and replicas refuse its stale epoch.
    pub fencing: bool,
    /// Who chooses a new leader: an election among the replicas, or the controller `m1`.
    pub failover: Failover,
    /// How many of the most recent log entries the leader keeps for followers to catch up
    /// from; absent means forever.
    pub log_retention_entries: Option<u64>,
    /// Whether the leader deletes old entries (`log_retention_entries`) or keeps them
    /// until every follower has caught up.
    pub log_retention: LogRetention,
    /// Rows of data present before the first write, which a snapshot must copy.
    pub initial_rows: u64,
    /// The leader's disk, in rows and log entries alike: the initial rows and its retained
    /// log must fit, or it refuses writes. Absent means it never fills.
    pub disk_entries: Option<u64>,
    /// Speed of copying a snapshot to a new follower.
    pub snapshot_rows_per_s: u64,
    /// Number of clients, `c1`..
    pub clients: u8,
    /// A client's write request gets no answer in this long, it gives up (status failed).
    /// Absent means clients wait forever.
    pub client_timeout_ms: Option<u64>,
}

impl Cluster {
    /// Three asynchronous replicas and one client, with every optional field at the value a
    /// scenario file gets when it leaves the field out.
    pub fn defaults() -> Cluster {
        Cluster {
            nodes: 3,
            mode: Mode::Async,
            write_quorum: None,
            latency_ms: 50,
            client_latency_ms: 10,
            jitter_ms: 10,
            failover_timeout_ms: 500,
            heartbeat_ms: 100,
            sync_timeout_ms: None,
            fencing: true,
            failover: Failover::Election,
            log_retention_entries: None,
            log_retention: LogRetention::LastEntries,
            initial_rows: 0,
            disk_entries: None,
            snapshot_rows_per_s: 2_000,
            clients: 1,
            client_timeout_ms: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    /// Each client sends a write this often; 0 means no steady workload: 0..=60000.
    pub write_every_ms: u64,
    pub start_ms: u64,
    /// Last instant a workload write is sent; absent means until the run ends.
    pub until_ms: Option<u64>,
    /// Workload writes cycle through keys `k1`..`k{keys}`: 1..=100000.
    pub keys: u32,
    /// Each client reads back the key of its latest write this often; 0 means no reads:
    /// 0..=60000.
    pub read_every_ms: u64,
    /// Where reads go.
    pub read_from: ReadFrom,
}

/// Which replica serves a client's read (the chapter's "reading your own writes" and
/// "monotonic reads").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReadFrom {
    /// A follower chosen at random for each read: spreads load, shows stale reads.
    #[default]
    Followers,
    /// Always the leader: reads see every confirmed write.
    Leader,
    /// Always the same follower per client: reads never go back in time.
    Sticky,
}

impl ReadFrom {
    pub const ALL: [ReadFrom; 3] = [ReadFrom::Followers, ReadFrom::Leader, ReadFrom::Sticky];

    pub fn name(self) -> &'static str {
        match self {
            ReadFrom::Followers => "followers",
            ReadFrom::Leader => "leader",
            ReadFrom::Sticky => "sticky",
        }
    }
}

impl Default for Workload {
    fn default() -> Self {
        Workload {
            write_every_ms: 0,
            start_ms: 0,
            until_ms: None,
            keys: 10,
            read_every_ms: 0,
            read_from: ReadFrom::Followers,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TimedAction {
    pub at_ms: u64,
    pub action: Action,
}

/// What a reader (or a scenario author) does to the cluster at an instant.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// The replica stops; its log survives, its role, timers and connections do not.
    Crash { node: NodeId },
    /// The replica comes back as a follower and catches up from its last log position.
    Restart { node: NodeId },
    /// Links between endpoints of different groups are cut. Every replica must be in a
    /// group; clients not in any group reach every replica.
    Partition { groups: Vec<Vec<Endpoint>> },
    /// Cut one replica off from every other endpoint.
    Isolate { node: NodeId },
    /// The controller `m1` stops (`failover: controller` only): nobody watches the leader.
    CrashController,
    /// The controller comes back and watches again, knowing nothing of what it missed.
    RestartController,
    /// Cut the controller off from every replica and client.
    IsolateController,
    /// Undo the partition and every link fault.
    Heal,
    CutLink {
        source: Endpoint,
        target: Endpoint,
        one_way: bool,
    },
    /// Multiply the link's latency by `factor` (1..=1000).
    SlowLink {
        source: Endpoint,
        target: Endpoint,
        factor: u32,
        one_way: bool,
    },
    /// Drop each message with `drop_probability` (0..=1).
    LossyLink {
        source: Endpoint,
        target: Endpoint,
        drop_probability: f64,
        one_way: bool,
    },
    HealLink {
        source: Endpoint,
        target: Endpoint,
        one_way: bool,
    },
    /// A new replica joins, copied from the leader by `method`.
    AddFollower { method: CopyMethod },
    /// Manual failover: promote `node`, or the most up-to-date follower if absent.
    Failover { node: Option<NodeId> },
    /// One write by hand, from `client` (default `c1`).
    Write {
        key: String,
        value: String,
        client: Option<ClientId>,
    },
    /// Change settings mid-run; absent fields keep their value.
    Set(SettingsChange),
    /// Start, change or stop (0) the steady workload.
    Workload { write_every_ms: u64 },
}

/// The fields of a `set` action: each absent one keeps its value.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SettingsChange {
    pub mode: Option<Mode>,
    pub write_quorum: Option<u8>,
    pub latency_ms: Option<u64>,
    pub jitter_ms: Option<u64>,
    pub failover_timeout_ms: Option<u64>,
    pub fencing: Option<bool>,
    pub read_from: Option<ReadFrom>,
}

impl Action {
    /// Reads one action, `{"action": "crash", "node": "n1"}`, from parsed JSON.
    pub fn from_value(value: &serde_json::Value) -> Result<Action, ScenarioError> {
        crate::reader::action(value)
    }

    /// Compact JSON of the action alone, as in a scenario's `events` without `at_ms`.
    pub fn to_json(&self) -> String {
        crate::writer::action_alone(self)
    }

    pub fn name(&self) -> &'static str {
        match self {
            Action::Crash { .. } => "crash",
            Action::Restart { .. } => "restart",
            Action::Partition { .. } => "partition",
            Action::Isolate { .. } => "isolate",
            Action::CrashController => "crash",
            Action::RestartController => "restart",
            Action::IsolateController => "isolate",
            Action::Heal => "heal",
            Action::CutLink { .. } => "cut_link",
            Action::SlowLink { .. } => "slow_link",
            Action::LossyLink { .. } => "lossy_link",
            Action::HealLink { .. } => "heal_link",
            Action::AddFollower { .. } => "add_follower",
            Action::Failover { .. } => "failover",
            Action::Write { .. } => "write",
            Action::Set(_) => "set",
            Action::Workload { .. } => "workload",
        }
    }
}

/// What is wrong with a scenario, naming the field (`cluster.nodes`, `events[3].node`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    pub field: String,
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() || self.field == "." {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

impl std::error::Error for ScenarioError {}

fn err(field: impl Into<String>, message: impl Into<String>) -> ScenarioError {
    ScenarioError {
        field: field.into(),
        message: message.into(),
    }
}

impl Scenario {
    /// Parses and validates; the error names the field at fault.
    pub fn from_json(json: &str) -> Result<Scenario, ScenarioError> {
        let (value, raw) = crate::strict_json::parse(json).map_err(|refusal| match refusal {
            crate::strict_json::Refusal::Syntax(why) => err("", format!("not valid JSON: {why}")),
            crate::strict_json::Refusal::Duplicate(path) => err(
                clip(&path),
                "given twice; each field may appear once in its object",
            ),
        })?;
        let scenario = Scenario::read(&value, &raw)?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// Reads a scenario from parsed JSON without checking ranges (see [`Scenario::validate`]);
    /// the error names the field at fault.
    pub fn from_value(value: &serde_json::Value) -> Result<Scenario, ScenarioError> {
        Scenario::read(value, &Default::default())
    }

    /// [`Scenario::from_value`], with the text of numbers the value could not hold exactly.
    fn read(
        value: &serde_json::Value,
        raw: &crate::strict_json::RawNumbers,
    ) -> Result<Scenario, ScenarioError> {
        // Check the version first, so a scenario from a newer Lab gets that message
        // rather than a complaint about a field this build has never heard of.
        if let serde_json::Value::Object(map) = value {
            let said = |v: &serde_json::Value| {
                clip(&raw.get("version").cloned().unwrap_or_else(|| v.to_string()))
            };
            match map.get("version") {
                Some(v) if v.as_u64() == Some(FORMAT_VERSION as u64) => {}
                Some(v) if v.as_u64().is_some_and(|n| n > FORMAT_VERSION as u64) => {
                    return Err(err(
                        "version",
                        format!("{} is from a newer Replication Lab; this one reads version {FORMAT_VERSION}", said(v)),
                    ))
                }
                Some(v) => return Err(err("version", format!("{} is not a known version (expected {FORMAT_VERSION})", said(v)))),
                None => return Err(err("version", format!("missing; add \"version\": {FORMAT_VERSION}"))),
            }
        }
        crate::reader::scenario(value, raw)
    }

    /// Indented JSON, for files a person reads.
    pub fn to_json_pretty(&self) -> String {
        crate::writer::scenario(self, true)
    }

    /// Compact JSON, for links.
    pub fn to_json(&self) -> String {
        crate::writer::scenario(self, false)
    }

    /// The instant the run stops: `duration_ms`, or two seconds after the last thing that
    /// was scheduled to happen.
    pub fn end_ms(&self) -> u64 {
        if let Some(d) = self.duration_ms {
            return d;
        }
        let last_action = self.events.iter().map(|e| e.at_ms).max().unwrap_or(0);
        let workload_end = if self.workload.write_every_ms > 0
            || self
                .events
                .iter()
                .any(|e| matches!(e.action, Action::Workload { .. }))
        {
            self.workload
                .until_ms
                .unwrap_or(last_action.max(self.workload.start_ms) + 3_000)
        } else {
            0
        };
        (last_action.max(workload_end) + 2_000).min(MAX_TIME_MS)
    }

    /// Actions in the order the engine applies them: by time, then by position in the file.
    pub fn ordered_events(&self) -> Vec<(usize, &TimedAction)> {
        let mut v: Vec<(usize, &TimedAction)> = self.events.iter().enumerate().collect();
        v.sort_by_key(|(i, e)| (e.at_ms, *i));
        v
    }

    /// A small three-replica asynchronous cluster under a steady workload: what the app
    /// opens with when no scenario is given, or when the one given is unusable.
    pub fn default_scenario() -> Scenario {
        Scenario {
            version: FORMAT_VERSION,
            title: Some("Asynchronous replication".into()),
            description: None,
            seed: 1,
            cluster: Cluster::defaults(),
            workload: Workload {
                write_every_ms: 200,
                start_ms: 0,
                until_ms: None,
                keys: 10,
                read_every_ms: 0,
                read_from: ReadFrom::Followers,
            },
            events: Vec::new(),
            duration_ms: Some(60_000),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Scenario, ScenarioError> {
        Scenario::from_json(json)
    }

    #[test]
    fn the_issue_example_parses_and_defaults_fill_in() {
        let s = parse(
            r#"{ "version": 1, "seed": 42,
                 "cluster": { "nodes": 3, "mode": "async", "latency_ms": 50, "jitter_ms": 10,
                              "failover_timeout_ms": 500, "fencing": true },
                 "workload": { "write_every_ms": 20, "until_ms": 3000 },
                 "events": [
                   { "at_ms": 400, "action": "crash", "node": "n1" },
                   { "at_ms": 1500, "action": "restart", "node": "n1" },
                   { "at_ms": 700, "action": "partition", "groups": [["n1"], ["n2", "n3"]] },
                   { "at_ms": 900, "action": "heal" },
                   { "at_ms": 1000, "action": "add_follower" },
                   { "at_ms": 50, "action": "write", "key": "x", "value": "1" } ] }"#,
        )
        .unwrap();
        assert_eq!(s.cluster.heartbeat_ms, 100);
        assert_eq!(s.events.len(), 6);
        let order: Vec<u64> = s.ordered_events().iter().map(|(_, e)| e.at_ms).collect();
        assert_eq!(order, vec![50, 400, 700, 900, 1000, 1500]);
        // Round trip through our own serialisation.
        assert_eq!(parse(&s.to_json()).unwrap(), s);
    }

    #[test]
    fn errors_name_the_field_and_the_problem() {
        let e = parse(r#"{"version":1,"cluster":{"nodes":12,"mode":"async"}}"#).unwrap_err();
        assert_eq!(e.to_string(), "cluster.nodes: 12 is out of range 2 to 9");
        let e = parse(r#"{"version":1,"cluster":{"nodes":3,"mode":"eventual"}}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cluster.mode: `eventual` is not one of async, sync, semi-sync, chain, quorum"
        );
        let e = parse(r#"{"version":1,"cluster":{"nodes":3,"mode":"sync","latency_ms":-5}}"#)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "cluster.latency_ms: -5 is out of range: use 0 to 10000"
        );
        let e = parse(r#"{"version":1,"cluster":{"nodes":500,"mode":"sync"}}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cluster.nodes: 500 is out of range: use 2 to 9"
        );
        let e = parse(r#"{"version":1,"cluster":{"nodes":3.5,"mode":"sync"}}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cluster.nodes: 3.5 is not a whole number: use 2 to 9"
        );
        let e = parse(r#"{"version":2,"cluster":{"nodes":3,"mode":"sync"}}"#).unwrap_err();
        assert!(e.to_string().contains("newer Replication Lab"), "{e}");
        let e = parse(r#"{"version":1,"cluster":{"nodes":3,"mode":"sync"},"events":[{"at_ms":5,"action":"crash","node":"n4"}]}"#)
            .unwrap_err();
        assert_eq!(e.field, "events[0].node", "{e}");
        let e = parse(r#"{"version":1,"cluster":{"nodes":3,"mode":"sync"},"events":[{"at_ms":5,"action":"explode"}]}"#)
            .unwrap_err();
        assert!(
            e.field == "events[0].action"
                && e.message
                    .starts_with("`explode` is not one of crash, restart,"),
            "{e}"
        );
        let e = parse(r#"{"version":1,"cluster":{"nodes":3,"mode":"sync"},"events":[{"at_ms":5,"action":"partition","groups":[["n1"],["n2"]]}]}"#)
            .unwrap_err();
        assert!(e.message.contains("n3 is in no group"), "{e}");
        let e = parse(r#"{"version":1,"cluster":{"nodes":3,"mode":"sync","heartbeat_ms":600}}"#)
            .unwrap_err();
        assert_eq!(e.field, "cluster.heartbeat_ms");
    }

    #[test]
    fn a_node_added_by_add_follower_can_be_named_afterwards_but_not_before() {
        let ok = r#"{"version":1,"cluster":{"nodes":3,"mode":"async"},"events":[
            {"at_ms":10,"action":"add_follower"},{"at_ms":20,"action":"crash","node":"n4"}]}"#;
        assert!(parse(ok).is_ok());
        let bad = r#"{"version":1,"cluster":{"nodes":3,"mode":"async"},"events":[
            {"at_ms":30,"action":"add_follower"},{"at_ms":20,"action":"crash","node":"n4"}]}"#;
        assert_eq!(parse(bad).unwrap_err().field, "events[1].node");
    }
}
