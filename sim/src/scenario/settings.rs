//! The table of cluster settings: each one's name, range, default and one line of
//! documentation, in the order a scenario file lists them. The reader (`reader.rs`), the
//! validator and its messages (`validate.rs`), the writer (`writer.rs`) and the README's
//! `cluster` table all come from it, so a range is stated once, next to the check that
//! enforces it.

use super::limits::*;
use super::{Cluster, Failover, LogRetention, ScenarioError};
use crate::ids::{MAX_CLIENTS, MAX_REPLICAS};

/// What a setting holds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    /// A whole number from `min` to `max`, stored in a field of `width` (`u8::MAX` or
    /// `u64::MAX`: a value too wide for it is refused while reading, with the range).
    Whole { min: u64, max: Max, width: u64 },
    /// A replication mode (`async`, `sync`, ...).
    Mode,
    /// `true` or `false`.
    Bool,
    /// One word of a list, stored as its index; the first is the default, which the
    /// writer leaves out.
    Choice(&'static [&'static str]),
}

/// The top of a whole number's range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Max {
    Fixed(u64),
    /// The replicas the cluster has (a write quorum cannot need more).
    Nodes,
}

/// What a scenario that leaves the setting out gets.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Default {
    /// It may not leave it out.
    Required,
    /// The value in [`Cluster::defaults`].
    Value,
    /// The field stays absent, which means this.
    Absent(&'static str),
}

/// One cluster setting.
pub struct Setting {
    pub name: &'static str,
    /// One line, for the README's table.
    pub doc: &'static str,
    pub kind: Kind,
    pub default: Default,
    /// Said after the range, where a rule ties it to another setting.
    pub range_note: &'static str,
    /// The value in a cluster (a bool as 0 or 1); `None` for an absent optional one, and
    /// for the mode, which is no number.
    pub get: fn(&Cluster) -> Option<u64>,
    /// Stores a value read from a scenario (not used for the mode).
    pub set: fn(&mut Cluster, u64),
    /// A rule beyond the range, checked right after it.
    pub also: fn(&Cluster) -> Result<(), ScenarioError>,
}

const U8: u64 = u8::MAX as u64;
const U64: u64 = u64::MAX;

const fn whole(min: u64, max: u64, width: u64) -> Kind {
    Kind::Whole {
        min,
        max: Max::Fixed(max),
        width,
    }
}

fn no_rule(_: &Cluster) -> Result<(), ScenarioError> {
    Ok(())
}

fn heartbeat_below_failover_timeout(c: &Cluster) -> Result<(), ScenarioError> {
    if c.heartbeat_ms >= c.failover_timeout_ms {
        return Err(super::err(
            "cluster.heartbeat_ms",
            format!(
                "{} must be shorter than failover_timeout_ms ({}), or every follower would declare the leader dead between heartbeats",
                c.heartbeat_ms, c.failover_timeout_ms
            ),
        ));
    }
    Ok(())
}

fn retention_entries_only_when_deleting(c: &Cluster) -> Result<(), ScenarioError> {
    if c.log_retention == LogRetention::UntilCaughtUp {
        if let Some(keep) = c.log_retention_entries {
            return Err(super::err(
                "cluster.log_retention_entries",
                format!(
                    "{keep} applies only with log_retention last_entries; with until_caught_up the leader keeps every entry until every follower has it, so leave log_retention_entries out"
                ),
            ));
        }
    }
    Ok(())
}

fn disk_holds_the_initial_rows(c: &Cluster) -> Result<(), ScenarioError> {
    match c.disk_entries {
        Some(disk) if disk <= c.initial_rows => Err(super::err(
            "cluster.disk_entries",
            format!(
                "{disk} leaves no room for a write: the {} initial rows already need {}; give at least {}",
                c.initial_rows,
                c.initial_rows,
                c.initial_rows + 1
            ),
        )),
        _ => Ok(()),
    }
}

/// Every cluster setting, in the order of a scenario file.
pub static SETTINGS: [Setting; 18] = [
    Setting {
        name: "nodes",
        doc: "Replicas `n1`..; `n1` leads epoch 1",
        kind: whole(2, MAX_REPLICAS as u64, U8),
        default: Default::Required,
        range_note: "",
        get: |c| Some(c.nodes as u64),
        set: |c, v| c.nodes = v as u8,
        also: no_rule,
    },
    Setting {
        name: "mode",
        doc: "`async`, `sync`, `semi-sync`, `chain`, `quorum`",
        kind: Kind::Mode,
        default: Default::Required,
        range_note: "",
        get: |_| None,
        set: |_, _| {},
        also: no_rule,
    },
    Setting {
        name: "write_quorum",
        doc: "`quorum` mode: replicas that must hold a write",
        kind: Kind::Whole {
            min: 1,
            max: Max::Nodes,
            width: U8,
        },
        default: Default::Absent("a majority"),
        range_note: "",
        get: |c| c.write_quorum.map(u64::from),
        set: |c, v| c.write_quorum = Some(v as u8),
        also: no_rule,
    },
    Setting {
        name: "latency_ms",
        doc: "One-way delay between replicas",
        kind: whole(0, MAX_LATENCY_MS, U64),
        default: Default::Value,
        range_note: "",
        get: |c| Some(c.latency_ms),
        set: |c, v| c.latency_ms = v,
        also: no_rule,
    },
    Setting {
        name: "client_latency_ms",
        doc: "One-way delay between a client and a replica",
        kind: whole(0, MAX_LATENCY_MS, U64),
        default: Default::Value,
        range_note: "",
        get: |c| Some(c.client_latency_ms),
        set: |c, v| c.client_latency_ms = v,
        also: no_rule,
    },
    Setting {
        name: "jitter_ms",
        doc: "Extra seeded random delay per message, 0 to this",
        kind: whole(0, MAX_LATENCY_MS, U64),
        default: Default::Value,
        range_note: "",
        get: |c| Some(c.jitter_ms),
        set: |c, v| c.jitter_ms = v,
        also: no_rule,
    },
    Setting {
        name: "failover_timeout_ms",
        doc: "Silence after which a follower (or the controller) declares the leader dead",
        kind: whole(MIN_FAILOVER_TIMEOUT_MS, MAX_FAILOVER_TIMEOUT_MS, U64),
        default: Default::Value,
        range_note: "",
        get: |c| Some(c.failover_timeout_ms),
        set: |c, v| c.failover_timeout_ms = v,
        also: no_rule,
    },
    Setting {
        name: "heartbeat_ms",
        doc: "Leader heartbeat interval",
        kind: whole(MIN_HEARTBEAT_MS, MAX_FAILOVER_TIMEOUT_MS, U64),
        default: Default::Value,
        range_note: ", and below failover_timeout_ms",
        get: |c| Some(c.heartbeat_ms),
        set: |c, v| c.heartbeat_ms = v,
        also: heartbeat_below_failover_timeout,
    },
    Setting {
        name: "sync_timeout_ms",
        doc: "`semi-sync`: silence after which the synchronous follower is replaced",
        kind: whole(1, MAX_FAILOVER_TIMEOUT_MS, U64),
        default: Default::Absent("half the failover timeout"),
        range_note: "",
        get: |c| c.sync_timeout_ms,
        set: |c, v| c.sync_timeout_ms = Some(v),
        also: no_rule,
    },
    Setting {
        name: "fencing",
        doc: "Epoch fencing and leader leases (see above)",
        kind: Kind::Bool,
        default: Default::Value,
        range_note: "",
        get: |c| Some(c.fencing as u64),
        set: |c, v| c.fencing = v != 0,
        also: no_rule,
    },
    Setting {
        name: "failover",
        doc: "Who chooses a new leader: `election` among the replicas, or `controller`, a node `m1` that appoints the most up-to-date replica it can reach",
        kind: Kind::Choice(&Failover::NAMES),
        default: Default::Value,
        range_note: "",
        get: |c| Some(c.failover as u64),
        set: |c, v| c.failover = Failover::ALL[v as usize],
        also: no_rule,
    },
    Setting {
        name: "log_retention",
        doc: "The leader's old log: `last_entries` keeps the last `log_retention_entries`, and a follower behind them needs a new snapshot; `until_caught_up` keeps every entry until every follower has it",
        kind: Kind::Choice(&LogRetention::NAMES),
        default: Default::Value,
        range_note: "",
        get: |c| Some(c.log_retention as u64),
        set: |c, v| c.log_retention = LogRetention::ALL[v as usize],
        also: no_rule,
    },
    Setting {
        name: "log_retention_entries",
        doc: "`last_entries`: log entries the leader keeps for catch-up",
        kind: whole(1, MAX_LOG_RETENTION, U64),
        default: Default::Absent("forever"),
        range_note: "",
        get: |c| c.log_retention_entries,
        set: |c, v| c.log_retention_entries = Some(v),
        also: retention_entries_only_when_deleting,
    },
    Setting {
        name: "initial_rows",
        doc: "Rows present before the first write, which a snapshot copies",
        kind: whole(0, MAX_INITIAL_ROWS, U64),
        default: Default::Value,
        range_note: "",
        get: |c| Some(c.initial_rows),
        set: |c, v| c.initial_rows = v,
        also: no_rule,
    },
    Setting {
        name: "disk_entries",
        doc: "The leader's disk, counting each initial row and each log entry it keeps as one; when full, it refuses writes",
        kind: whole(1, MAX_DISK_ENTRIES, U64),
        default: Default::Absent("never full"),
        range_note: ", and more than initial_rows",
        get: |c| c.disk_entries,
        set: |c, v| c.disk_entries = Some(v),
        also: disk_holds_the_initial_rows,
    },
    Setting {
        name: "snapshot_rows_per_s",
        doc: "Snapshot copy speed, in rows per second",
        kind: whole(1, MAX_SNAPSHOT_ROWS_PER_S, U64),
        default: Default::Value,
        range_note: "",
        get: |c| Some(c.snapshot_rows_per_s),
        set: |c, v| c.snapshot_rows_per_s = v,
        also: no_rule,
    },
    Setting {
        name: "clients",
        doc: "Clients `c1`..",
        kind: whole(1, MAX_CLIENTS as u64, U8),
        default: Default::Value,
        range_note: "",
        get: |c| Some(c.clients as u64),
        set: |c, v| c.clients = v as u8,
        also: no_rule,
    },
    Setting {
        name: "client_timeout_ms",
        doc: "A client gives up on an unanswered write (status *failed*)",
        kind: whole(1, MAX_TIME_MS, U64),
        default: Default::Absent("waits forever"),
        range_note: "",
        get: |c| c.client_timeout_ms,
        set: |c, v| c.client_timeout_ms = Some(v),
        also: no_rule,
    },
];

/// The setting of this name, if the cluster has one.
pub fn setting(name: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.name == name)
}

/// The fixed range of a whole-number setting, for a form's `min` and `max`: the app's
/// inputs allow what the validator does.
pub fn whole_range(name: &str) -> Option<(u64, u64)> {
    match setting(name)?.kind {
        Kind::Whole {
            min,
            max: Max::Fixed(max),
            ..
        } => Some((min, max)),
        _ => None,
    }
}

impl Setting {
    /// The range as messages state it: "10 to 60000", "1 to the number of nodes".
    pub fn range(&self) -> Option<String> {
        match self.kind {
            Kind::Whole {
                min,
                max: Max::Fixed(max),
                ..
            } => Some(format!("{min} to {max}{}", self.range_note)),
            Kind::Whole {
                min,
                max: Max::Nodes,
                ..
            } => Some(format!("{min} to the number of nodes{}", self.range_note)),
            Kind::Choice(names) => Some(names_or(names)),
            Kind::Mode | Kind::Bool => None,
        }
    }

    /// Checks a value given for this setting against its range, `nodes` being the replicas
    /// there are at the time; the message names `field`.
    pub fn check(&self, field: &str, v: u64, nodes: u64) -> Result<(), ScenarioError> {
        let Kind::Whole { min, max, .. } = self.kind else {
            return Ok(());
        };
        let max = match max {
            Max::Fixed(m) => m,
            Max::Nodes => nodes,
        };
        super::validate::range(field, v, min, max)
    }

    /// What a scenario that leaves it out gets, as the README says it.
    pub fn default_text(&self) -> String {
        match self.default {
            Default::Required => "required".into(),
            Default::Absent(means) => format!("default {means}"),
            Default::Value => {
                let d = Cluster::defaults();
                match self.kind {
                    Kind::Bool => format!("default `{}`", (self.get)(&d) == Some(1)),
                    Kind::Choice(names) => {
                        format!("default `{}`", names[(self.get)(&d).unwrap_or(0) as usize])
                    }
                    _ => format!("default {}", (self.get)(&d).unwrap_or_default()),
                }
            }
        }
    }
}

/// "`a`, `b` or `c`", as the table and messages list a choice's words.
pub fn names_or(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The README's table of `cluster` fields.
pub fn markdown_table() -> String {
    let mut out = String::from("| Field | Meaning | Range, default |\n|---|---|---|\n");
    for s in &SETTINGS {
        let range_default = match s.range() {
            Some(r) => format!("{r}; {}", s.default_text()),
            None => s.default_text(),
        };
        out.push_str(&format!("| `{}` | {} | {range_default} |\n", s.name, s.doc));
    }
    out
}
