//! Reads the scenario format out of parsed JSON, field by field, naming the field at fault.
//!
//! Why by hand: serde's derived readers for these types (an internally tagged `Action`, a
//! flattened `TimedAction`, field paths from serde_path_to_error) were a tenth of the web
//! app's download. Here one generic JSON parser (`strict_json.rs`, into a
//! `serde_json::Value`) does the syntax, and this module the meaning. `writer.rs` is the
//! other direction.

use crate::ids::{clip, ClientId, Endpoint, NodeId};
use crate::scenario::settings::{Default, Kind, SETTINGS};
use crate::scenario::{
    documented_range, Action, Cluster, Mode, ReadFrom, Scenario, ScenarioError, SettingsChange,
    TimedAction, Workload,
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
    let field = |name: &str| {
        if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        }
    };
    // The action's name decides which other fields are allowed, so read it first.
    let name = match v {
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
        _ => return Err(wrong(raw, path, v, "an object")),
    };
    let mut known = if timed {
        vec!["at_ms", "action"]
    } else {
        vec!["action"]
    };
    known.extend_from_slice(action_fields(name));
    let o = Obj::new(path, v, &known, raw)?;
    let node = || -> Result<NodeId> { o.required("node", o.parsed("node")?) };
    let endpoint = |f: &str| -> Result<Endpoint> { o.required(f, o.parsed(f)?) };
    let one_way = || -> Result<bool> { Ok(o.bool("one_way")?.unwrap_or(false)) };
    let action = match name {
        "crash" => Action::Crash { node: node()? },
        "restart" => Action::Restart { node: node()? },
        "isolate" => Action::Isolate { node: node()? },
        "partition" => Action::Partition {
            groups: read_groups(&o)?,
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
        "add_follower" => Action::AddFollower {},
        "failover" => Action::Failover {
            node: o.parsed("node")?,
        },
        "write" => Action::Write {
            key: o.required("key", o.string("key")?)?,
            value: o.required("value", o.string("value")?)?,
            client: o.parsed::<ClientId>("client")?,
        },
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
    };
    let at_ms = if timed {
        o.required("at_ms", o.u64("at_ms")?)?
    } else {
        0
    };
    Ok((at_ms, action))
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
mod tests {
    use crate::Scenario;

    fn refusal(json: &str) -> String {
        Scenario::from_json(json).unwrap_err().to_string()
    }

    const HEAD: &str = r#""version":1,"cluster":{"nodes":3,"mode":"async"}"#;

    #[test]
    fn a_misspelt_field_is_refused_by_name_not_ignored() {
        let e = refusal(r#"{"version":1,"cluster":{"nodes":3,"mode":"async","latency":80}}"#);
        assert!(
            e.starts_with("cluster.latency: unknown field, expected one of `nodes`"),
            "{e}"
        );
        let e = refusal(&format!(
            r#"{{{HEAD},"events":[{{"at_ms":1,"action":"crash","nod":"n1"}}]}}"#
        ));
        assert_eq!(
            e,
            "events[0].nod: unknown field, expected one of `at_ms`, `action`, `node`"
        );
    }

    #[test]
    fn wrong_kinds_of_value_say_what_was_expected_and_what_came() {
        let e = refusal(r#"{"version":1,"cluster":{"nodes":"three","mode":"async"}}"#);
        assert_eq!(
            e,
            "cluster.nodes: expected a whole number, found the text \"three\""
        );
        let e = refusal(r#"{"version":1,"cluster":{"nodes":3,"mode":"async","fencing":"yes"}}"#);
        assert_eq!(
            e,
            "cluster.fencing: expected true or false, found the text \"yes\""
        );
        let e = refusal(r#"{"version":1,"cluster":[3]}"#);
        assert_eq!(e, "cluster: expected an object, found a list");
        let e = refusal(r#"{"version":1}"#);
        assert_eq!(e, "cluster: missing");
    }

    #[test]
    fn actions_are_read_by_their_name_and_their_own_fields() {
        let e = refusal(&format!(r#"{{{HEAD},"events":[{{"at_ms":1}}]}}"#));
        assert!(e.starts_with("events[0].action: missing"), "{e}");
        let e = refusal(&format!(
            r#"{{{HEAD},"events":[{{"at_ms":1,"action":"heal","node":"n1"}}]}}"#
        ));
        assert!(e.starts_with("events[0].node: unknown field"), "{e}");
        let e = refusal(&format!(
            r#"{{{HEAD},"events":[{{"at_ms":1,"action":"partition","groups":[["n1"],["n2","x9"]]}}]}}"#
        ));
        assert!(
            e.starts_with("events[0].groups[1][1]: `x9` is neither a replica"),
            "{e}"
        );
        let e = refusal(&format!(
            r#"{{{HEAD},"events":[{{"at_ms":1,"action":"write","key":"k"}}]}}"#
        ));
        assert_eq!(e, "events[0].value: missing");
        let e = refusal(&format!(
            r#"{{{HEAD},"events":[{{"at_ms":1,"action":"set","mode":"eventual"}}]}}"#
        ));
        assert_eq!(
            e,
            "events[0].mode: `eventual` is not one of async, sync, semi-sync, chain, quorum"
        );
    }

    #[test]
    fn what_is_written_reads_back_the_same_for_every_action() {
        let json = format!(
            r#"{{{HEAD},"events":[
              {{"at_ms":1,"action":"crash","node":"n1"}},{{"at_ms":2,"action":"restart","node":"n1"}},
              {{"at_ms":3,"action":"partition","groups":[["n1","c1"],["n2","n3"]]}},
              {{"at_ms":4,"action":"isolate","node":"n2"}},{{"at_ms":5,"action":"heal"}},
              {{"at_ms":6,"action":"cut_link","source":"n1","target":"n2","one_way":true}},
              {{"at_ms":7,"action":"slow_link","source":"n1","target":"c1","factor":4}},
              {{"at_ms":8,"action":"lossy_link","source":"n1","target":"n3","drop_probability":0.25}},
              {{"at_ms":9,"action":"heal_link","source":"n1","target":"n2"}},
              {{"at_ms":10,"action":"add_follower"}},{{"at_ms":11,"action":"failover","node":"n4"}},
              {{"at_ms":12,"action":"failover"}},
              {{"at_ms":13,"action":"write","key":"x","value":"1","client":"c1"}},
              {{"at_ms":14,"action":"set","mode":"quorum","write_quorum":2,"latency_ms":80,
                 "jitter_ms":0,"failover_timeout_ms":900,"fencing":false,"read_from":"sticky"}},
              {{"at_ms":15,"action":"workload","write_every_ms":0}}]}}"#
        );
        let s = Scenario::from_json(&json).unwrap();
        assert_eq!(s.events.len(), 15);
        assert_eq!(Scenario::from_json(&s.to_json()).unwrap(), s);
        assert_eq!(Scenario::from_json(&s.to_json_pretty()).unwrap(), s);
    }

    /// Broke: serde_json's `Value` keeps the last of two equal keys, so this ran 3 replicas
    /// without a word about the 40.
    #[test]
    fn a_key_given_twice_is_refused_by_name() {
        let e = refusal(r#"{"version":1,"cluster":{"nodes":40,"mode":"async","nodes":3}}"#);
        assert_eq!(
            e,
            "cluster.nodes: given twice; each field may appear once in its object"
        );
        let e = refusal(&format!(
            r#"{{{HEAD},"events":[{{"at_ms":1,"action":"crash","node":"n1","at_ms":2}}]}}"#
        ));
        assert!(e.starts_with("events[0].at_ms: given twice"), "{e}");
    }

    /// Broke: an explicit null read as a missing field ("cluster.nodes: missing"), and an
    /// optional null was silently taken as the default.
    #[test]
    fn an_explicit_null_is_reported_as_null() {
        let e = refusal(r#"{"version":1,"cluster":{"nodes":null,"mode":"async"}}"#);
        assert_eq!(e, "cluster.nodes: null is not a whole number from 2 to 9");
        let e = refusal(r#"{"version":1,"cluster":{"nodes":3,"mode":null}}"#);
        assert_eq!(
            e,
            "cluster.mode: null is not one of async, sync, semi-sync, chain, quorum"
        );
        let e = refusal(r#"{"version":1,"cluster":{"nodes":3,"mode":"async","fencing":null}}"#);
        assert_eq!(e, "cluster.fencing: null is not true or false");
        let e = refusal(r#"{"version":1,"cluster":null}"#);
        assert_eq!(e, "cluster: null is not an object");
        let e = refusal(&format!(r#"{{{HEAD},"title":null}}"#));
        assert_eq!(e, "title: null is not text");
        let e = refusal(&format!(
            r#"{{{HEAD},"events":[{{"at_ms":1,"action":"crash","node":null}}]}}"#
        ));
        assert_eq!(e, "events[0].node: null is not a replica name (n1 to n9)");
    }

    /// Broke: a number past 64 bits was printed as serde_json's float,
    /// `1.8446744073709552e19`.
    #[test]
    fn numbers_past_64_bits_are_quoted_as_written() {
        let e = refusal(r#"{"version":1,"cluster":{"nodes":18446744073709551617,"mode":"async"}}"#);
        assert_eq!(
            e,
            "cluster.nodes: 18446744073709551617 is out of range: use 2 to 9"
        );
        let e = refusal(
            r#"{"version":1,"seed":123456789012345678901234,"cluster":{"nodes":3,"mode":"async"}}"#,
        );
        assert_eq!(
            e,
            "seed: 123456789012345678901234 is out of range: use 0 to 18446744073709551615"
        );
        let e = refusal(r#"{"version":18446744073709551616,"cluster":{"nodes":3,"mode":"async"}}"#);
        assert_eq!(
            e,
            "version: 18446744073709551616 is not a known version (expected 1)"
        );
    }

    /// Broke: a word outside its list was refused as an "unknown variant", serde's word.
    #[test]
    fn messages_use_no_words_from_rust() {
        let cases = [
            r#"{"version":1,"cluster":{"nodes":3,"mode":"paxos"}}"#.to_string(),
            format!(r#"{{{HEAD},"workload":{{"read_from":"anyone"}}}}"#),
            format!(r#"{{{HEAD},"events":[{{"at_ms":1,"action":"explode"}}]}}"#),
            format!(r#"{{{HEAD},"events":[{{"at_ms":-1,"action":"heal"}}]}}"#),
            format!(r#"{{{HEAD},"events":[{{"at_ms":1,"action":"crash","node":7}}]}}"#),
            format!(r#"{{{HEAD},"events":{{}}}}"#),
            r#"{"version":1,"cluster":{"nodes":3,"mode":"async"},"seed":-1}"#.to_string(),
            r#"{"version":1,"cluster":{"nodes":3,"mode":"async""#.to_string(),
            r#"[1,2]"#.to_string(),
            "".to_string(),
        ];
        let rust = [
            "variant",
            "u64",
            "u32",
            "u8",
            "usize",
            "invalid type",
            "struct",
            "Option",
            "None",
            "Some(",
            "EOF",
        ];
        for json in &cases {
            let e = refusal(json);
            for word in rust {
                assert!(!e.contains(word), "{json}: {e}");
            }
        }
        assert_eq!(
            refusal(r#"{"version":1,"cluster":{"nodes":3,"mode":"paxos"}}"#),
            "cluster.mode: `paxos` is not one of async, sync, semi-sync, chain, quorum"
        );
    }
}
