//! Reads the scenario format out of parsed JSON, field by field, naming the field at fault.
//!
//! Why by hand: serde's derived readers for these types (an internally tagged `Action`, a
//! flattened `TimedAction`, field paths from serde_path_to_error) were a tenth of the web
//! app's download. Here one generic JSON parser (`strict_json.rs`, into a
//! `serde_json::Value`) does the syntax, and this module the meaning. `writer.rs` is the
//! other direction.

use crate::ids::{clip, ClientId, Endpoint, NodeId, CONTROLLER};
use crate::scenario::settings::{Default, Kind, SETTINGS};
use crate::scenario::{
    documented_range, Action, Cluster, CopyMethod, Mode, ReadFrom, Scenario, ScenarioError,
    SettingsChange, TimedAction, Workload,
};
use crate::strict_json::RawNumbers;
use serde_json::{Map, Value};
use std::str::FromStr;

type Result<T> = std::result::Result<T, ScenarioError>;

fn err(field: impl Into<String>, message: impl Into<String>) -> ScenarioError {
    ScenarioError {
        field: field.into(),
        message: message.into(),
    }
}

/// No numbers kept as text: for values that did not come from a scenario's text.
static NO_RAW: RawNumbers = RawNumbers::new();

/// How a value reads in a message: its JSON kind, and the value itself when short; a
/// number as the author wrote it, when `Value` could not hold it exactly.
fn describe(raw: &RawNumbers, path: &str, v: &Value) -> String {
    match (v, raw.get(path)) {
        (Value::Number(_), Some(text)) => clip(text),
        _ => kind(v),
    }
}

/// "expected X, found Y", or, for an explicit null, "null is not X" (null is a value the
/// author wrote, not a missing field).
fn wrong(raw: &RawNumbers, field: String, v: &Value, what: &str) -> ScenarioError {
    match v {
        Value::Null => err(field, format!("null is not {what}")),
        _ => {
            let found = describe(raw, &field, v);
            err(field, format!("expected {what}, found {found}"))
        }
    }
}

fn kind(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => clip(&n.to_string()),
        Value::String(s) => format!("the text \"{}\"", clip(s)),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// One JSON object of the scenario, with its path (`cluster`, `events[3]`) for messages.
struct Obj<'a> {
    path: String,
    map: &'a Map<String, Value>,
    raw: &'a RawNumbers,
}

impl<'a> Obj<'a> {
    /// Refuses anything but an object, and any field not in `known`: a misspelt field would
    /// otherwise be silently ignored and the reader left wondering why nothing changed.
    fn new(path: String, v: &'a Value, known: &[&str], raw: &'a RawNumbers) -> Result<Obj<'a>> {
        let Value::Object(map) = v else {
            return Err(wrong(raw, path, v, "an object"));
        };
        let obj = Obj { path, map, raw };
        if let Some(unknown) = map.keys().find(|k| !known.contains(&k.as_str())) {
            let expected: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
            return Err(err(
                obj.field(unknown),
                format!("unknown field, expected one of {}", expected.join(", ")),
            ));
        }
        Ok(obj)
    }

    fn field(&self, name: &str) -> String {
        if self.path.is_empty() {
            clip(name)
        } else {
            format!("{}.{}", self.path, clip(name))
        }
    }

    /// A field's value. An explicit `null` is a value, refused by each reader below
    /// with what was expected: the format has no field that takes null.
    fn get(&self, name: &str) -> Option<&'a Value> {
        self.map.get(name)
    }

    fn required<T>(&self, name: &str, value: Option<T>) -> Result<T> {
        value.ok_or_else(|| err(self.field(name), "missing"))
    }

    /// A whole number from 0 to `max` (the field's type); the documented range, usually
    /// narrower, is checked by `Scenario::validate` with the value in hand.
    fn whole(&self, name: &str, max: u64) -> Result<Option<u64>> {
        let Some(v) = self.get(name) else {
            return Ok(None);
        };
        let field = self.field(name);
        let Value::Number(n) = v else {
            let what = match (v, documented_range(name)) {
                (Value::Null, Some(range)) => format!("a whole number from {range}"),
                _ => "a whole number".into(),
            };
            return Err(wrong(self.raw, field, v, &what));
        };
        if let Some(x) = n.as_u64().filter(|&x| x <= max) {
            return Ok(Some(x));
        }
        let fraction = n.as_f64().is_some_and(|f| f.fract() != 0.0);
        let what = if fraction {
            "is not a whole number"
        } else {
            "is out of range"
        };
        let said = describe(self.raw, &field, v);
        Err(match documented_range(name) {
            Some(range) => err(field, format!("{said} {what}: use {range}")),
            None => err(field, format!("{said} {what}")),
        })
    }

    fn u64(&self, name: &str) -> Result<Option<u64>> {
        self.whole(name, u64::MAX)
    }

    fn u32(&self, name: &str) -> Result<Option<u32>> {
        Ok(self.whole(name, u32::MAX as u64)?.map(|x| x as u32))
    }

    fn u8(&self, name: &str) -> Result<Option<u8>> {
        Ok(self.whole(name, u8::MAX as u64)?.map(|x| x as u8))
    }

    fn number(&self, name: &str) -> Result<Option<f64>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(v) => Err(wrong(self.raw, self.field(name), v, "a number from 0 to 1")),
        }
    }

    fn bool(&self, name: &str) -> Result<Option<bool>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(v) => Err(wrong(self.raw, self.field(name), v, "true or false")),
        }
    }

    fn string(&self, name: &str) -> Result<Option<String>> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => text(self.raw, self.field(name), v).map(|s| Some(s.to_string())),
        }
    }

    /// A replica or client name (`n2`, `c1`), or a word from a fixed list (`async`).
    fn parsed<T: Word>(&self, name: &str) -> Result<Option<T>> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => parse(self.raw, self.field(name), v).map(Some),
        }
    }
}

fn text<'v>(raw: &RawNumbers, field: String, v: &'v Value) -> Result<&'v str> {
    match v {
        Value::String(s) => Ok(s),
        _ => Err(wrong(raw, field, v, "text")),
    }
}

/// What a name or word field takes, for a message about a value of the wrong kind.
trait Word: FromStr<Err = String> {
    const WHAT: &'static str;
}

impl Word for NodeId {
    const WHAT: &'static str = "a replica name (n1 to n9)";
}
impl Word for ClientId {
    const WHAT: &'static str = "a client name (c1 to c9)";
}
impl Word for Endpoint {
    const WHAT: &'static str = "a replica or client name (n1 to n9, c1 to c9)";
}
impl Word for Mode {
    const WHAT: &'static str = "one of async, sync, semi-sync, chain, quorum";
}
impl Word for CopyMethod {
    const WHAT: &'static str = "one of snapshot, locked_copy, file_copy";
}
impl Word for ReadFrom {
    const WHAT: &'static str = "one of followers, leader, sticky";
}

fn parse<T: Word>(raw: &RawNumbers, field: String, v: &Value) -> Result<T> {
    match v {
        Value::String(s) => s.parse().map_err(|why| err(field, why)),
        _ => Err(wrong(raw, field, v, T::WHAT)),
    }
}

/// A word from a fixed list, refused with the list: "`eventual` is not one of async,
/// sync, ...".
fn word<T: Copy>(
    s: &str,
    words: impl Iterator<Item = (&'static str, T)>,
) -> std::result::Result<T, String> {
    let mut names = Vec::new();
    for (name, value) in words {
        if name == s {
            return Ok(value);
        }
        names.push(name);
    }
    Err(format!("`{}` is not one of {}", clip(s), names.join(", ")))
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Mode, String> {
        word(s, Mode::ALL.iter().map(|m| (m.name(), *m)))
    }
}

impl FromStr for CopyMethod {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<CopyMethod, String> {
        word(s, CopyMethod::ALL.iter().map(|m| (m.name(), *m)))
    }
}

impl FromStr for ReadFrom {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<ReadFrom, String> {
        word(s, ReadFrom::ALL.iter().map(|r| (r.name(), *r)))
    }
}

/// The whole scenario, from its top-level JSON object; `raw` holds the text of numbers
/// `v` could not hold exactly.
pub(crate) fn scenario(v: &Value, raw: &RawNumbers) -> Result<Scenario> {
    let o = Obj::new(
        String::new(),
        v,
        &[
            "version",
            "title",
            "description",
            "seed",
            "cluster",
            "workload",
            "events",
            "duration_ms",
        ],
        raw,
    )?;
    let cluster = o.required("cluster", o.get("cluster"))?;
    let events = match o.get("events") {
        None => Vec::new(),
        Some(v) => list(raw, "events", v)?
            .iter()
            .enumerate()
            .map(|(i, e)| timed_action(format!("events[{i}]"), e, raw))
            .collect::<Result<_>>()?,
    };
    Ok(Scenario {
        version: o.required("version", o.u32("version")?)?,
        title: o.string("title")?,
        description: o.string("description")?,
        seed: o.u64("seed")?.unwrap_or(0),
        cluster: read_cluster(cluster, raw)?,
        workload: match o.get("workload") {
            Some(w) => read_workload(w, raw)?,
            None => Workload::default(),
        },
        events,
        duration_ms: o.u64("duration_ms")?,
    })
}

/// The cluster's settings, from the table of settings: each field in the table's order,
/// the absent ones at their defaults.
fn read_cluster(v: &Value, raw: &RawNumbers) -> Result<Cluster> {
    let names: Vec<&str> = SETTINGS.iter().map(|s| s.name).collect();
    let o = Obj::new("cluster".into(), v, &names, raw)?;
    let mut c = Cluster::defaults();
    for s in &SETTINGS {
        let value = match s.kind {
            Kind::Whole { width, .. } => o.whole(s.name, width)?,
            Kind::Bool => o.bool(s.name)?.map(u64::from),
            Kind::Choice(names) => match o.get(s.name) {
                None => None,
                Some(Value::String(w)) => Some(
                    word(w, names.iter().copied().zip(0u64..))
                        .map_err(|why| err(o.field(s.name), why))?,
                ),
                Some(v) => {
                    let what = format!("one of {}", names.join(", "));
                    return Err(wrong(raw, o.field(s.name), v, &what));
                }
            },
            Kind::Mode => {
                c.mode = o.required(s.name, o.parsed(s.name)?)?;
                continue;
            }
        };
        match (value, s.default) {
            (Some(x), _) => (s.set)(&mut c, x),
            (None, Default::Required) => return Err(err(o.field(s.name), "missing")),
            (None, _) => {}
        }
    }
    Ok(c)
}

fn read_workload(v: &Value, raw: &RawNumbers) -> Result<Workload> {
    let o = Obj::new(
        "workload".into(),
        v,
        &[
            "write_every_ms",
            "start_ms",
            "until_ms",
            "keys",
            "read_every_ms",
            "read_from",
        ],
        raw,
    )?;
    let d = Workload::default();
    Ok(Workload {
        write_every_ms: o.u64("write_every_ms")?.unwrap_or(d.write_every_ms),
        start_ms: o.u64("start_ms")?.unwrap_or(d.start_ms),
        until_ms: o.u64("until_ms")?,
        keys: o.u32("keys")?.unwrap_or(d.keys),
        read_every_ms: o.u64("read_every_ms")?.unwrap_or(d.read_every_ms),
        read_from: o.parsed("read_from")?.unwrap_or(d.read_from),
    })
}

/// The fields each action takes besides `at_ms` and `action`.
fn action_fields(action: &str) -> &'static [&'static str] {
    const LINK: &[&str] = &["source", "target", "one_way"];
    match action {
        "crash" | "restart" | "isolate" => &["node"],
        "partition" => &["groups"],
        "cut_link" | "heal_link" => LINK,
        "slow_link" => &["source", "target", "one_way", "factor"],
        "lossy_link" => &["source", "target", "one_way", "drop_probability"],
        "failover" => &["node"],
        "add_follower" => &["method"],
        "write" => &["key", "value", "client"],
        "set" => &[
            "mode",
            "write_quorum",
            "latency_ms",
            "jitter_ms",
            "failover_timeout_ms",
            "fencing",
            "read_from",
        ],
        "workload" => &["write_every_ms"],
        _ => &[],
    }
}

const ACTIONS: [&str; 14] = [
    "crash",
    "restart",
    "partition",
    "isolate",
    "heal",
    "cut_link",
    "slow_link",
    "lossy_link",
    "heal_link",
    "add_follower",
    "failover",
    "write",
    "set",
    "workload",
];

fn timed_action(path: String, v: &Value, raw: &RawNumbers) -> Result<TimedAction> {
    let (at_ms, action) = read_action(path, v, true, raw)?;
    Ok(TimedAction { at_ms, action })
}

/// An action on its own, as `{"action": "crash", "node": "n1"}`.
pub(crate) fn action(v: &Value) -> Result<Action> {
    read_action(String::new(), v, false, &NO_RAW).map(|(_, action)| action)
}

/// An action and, when `timed`, its `at_ms` (required then, refused otherwise).
fn read_action(path: String, v: &Value, timed: bool, raw: &RawNumbers) -> Result<(u64, Action)> {
    // The action's name decides which other fields are allowed, so read it first.
    let name = action_name(&path, v, raw)?;
    let mut known = if timed {
        vec!["at_ms", "action"]
    } else {
        vec!["action"]
    };
    known.extend_from_slice(action_fields(name));
    let o = Obj::new(path, v, &known, raw)?;
    let action = action_body(name, &o)?;
    let at_ms = if timed {
        o.required("at_ms", o.u64("at_ms")?)?
    } else {
        0
    };
    Ok((at_ms, action))
}

/// The name of the action in `v`, one of [`ACTIONS`].
fn action_name(path: &str, v: &Value, raw: &RawNumbers) -> Result<&'static str> {
    let field = |name: &str| {
        if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        }
    };
    Ok(match v {
        Value::Object(map) => match map.get("action") {
            Some(a) => {
                let name = text(raw, field("action"), a)?;
                word(name, ACTIONS.iter().map(|a| (*a, *a)))
                    .map_err(|why| err(field("action"), why))?
            }
            None => {
                return Err(err(
                    field("action"),
                    "missing: say what happens, such as \"crash\" or \"write\"",
                ))
            }
        },
        _ => return Err(wrong(raw, path.to_string(), v, "an object")),
    })
}

/// The action's own fields, once its name is known.
fn action_body(name: &str, o: &Obj) -> Result<Action> {
    let node = || -> Result<NodeId> { o.required("node", o.parsed("node")?) };
    let endpoint = |f: &str| -> Result<Endpoint> { o.required(f, o.parsed(f)?) };
    let one_way = || -> Result<bool> { Ok(o.bool("one_way")?.unwrap_or(false)) };
    let names_controller = |f: &str| o.get(f).and_then(Value::as_str) == Some(CONTROLLER);
    // The controller holds no data: an action only a replica (or a client) can take is
    // refused for it by name, rather than as a misspelt replica.
    let replica_only = |f: &str, who: &str| -> Result<()> {
        if names_controller(f) {
            return Err(err(
                o.field(f),
                format!(
                    "`{name}` needs {who}; {CONTROLLER} is the controller, which holds no data"
                ),
            ));
        }
        Ok(())
    };
    Ok(match name {
        "crash" if names_controller("node") => Action::CrashController,
        "restart" if names_controller("node") => Action::RestartController,
        "isolate" if names_controller("node") => Action::IsolateController,
        "crash" => Action::Crash { node: node()? },
        "restart" => Action::Restart { node: node()? },
        "isolate" => Action::Isolate { node: node()? },
        "partition" => Action::Partition {
            groups: read_groups(o)?,
        },
        "heal" => Action::Heal,
        "cut_link" => Action::CutLink {
            source: endpoint("source")?,
            target: endpoint("target")?,
            one_way: one_way()?,
        },
        "heal_link" => Action::HealLink {
            source: endpoint("source")?,
            target: endpoint("target")?,
            one_way: one_way()?,
        },
        "slow_link" => Action::SlowLink {
            source: endpoint("source")?,
            target: endpoint("target")?,
            factor: o.required("factor", o.u32("factor")?)?,
            one_way: one_way()?,
        },
        "lossy_link" => Action::LossyLink {
            source: endpoint("source")?,
            target: endpoint("target")?,
            drop_probability: o.required("drop_probability", o.number("drop_probability")?)?,
            one_way: one_way()?,
        },
        "add_follower" => Action::AddFollower {
            method: o.parsed("method")?.unwrap_or_default(),
        },
        "failover" => {
            replica_only("node", "a replica to promote")?;
            Action::Failover {
                node: o.parsed("node")?,
            }
        }
        "write" => {
            replica_only("client", "a client (c1 to c9) to send it")?;
            Action::Write {
                key: o.required("key", o.string("key")?)?,
                value: o.required("value", o.string("value")?)?,
                client: o.parsed::<ClientId>("client")?,
            }
        }
        "set" => Action::Set(SettingsChange {
            mode: o.parsed("mode")?,
            write_quorum: o.u8("write_quorum")?,
            latency_ms: o.u64("latency_ms")?,
            jitter_ms: o.u64("jitter_ms")?,
            failover_timeout_ms: o.u64("failover_timeout_ms")?,
            fencing: o.bool("fencing")?,
            read_from: o.parsed("read_from")?,
        }),
        _ => Action::Workload {
            write_every_ms: o.required("write_every_ms", o.u64("write_every_ms")?)?,
        },
    })
}

fn list<'v>(raw: &RawNumbers, field: &str, v: &'v Value) -> Result<&'v [Value]> {
    match v {
        Value::Array(items) => Ok(items),
        _ => Err(wrong(raw, field.to_string(), v, "a list")),
    }
}

fn read_groups(o: &Obj) -> Result<Vec<Vec<Endpoint>>> {
    let field = o.field("groups");
    let groups = list(o.raw, &field, o.required("groups", o.get("groups"))?)?;
    groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let group_field = format!("{field}[{i}]");
            list(o.raw, &group_field, g)?
                .iter()
                .enumerate()
                .map(|(j, e)| parse(o.raw, format!("{group_field}[{j}]"), e))
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests;
