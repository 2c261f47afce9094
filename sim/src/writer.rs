//! Writes a scenario as JSON, compact (for links) or indented (for files): the inverse of
//! `reader.rs`.
//!
//! Why by hand: serde's derived writers for these types (a flattened `TimedAction`, an
//! internally tagged `Action`), once per output style, cost the web app 5 KB gzip. Fields come
//! out in the order a person reads them, `version` first, and absent options are left out.

use crate::ids::Endpoint;
use crate::scenario::settings::{Kind, SETTINGS};
use crate::scenario::{Action, Cluster, CopyMethod, ReadFrom, Scenario, SettingsChange, Workload};
use std::fmt::Display;

/// Builds JSON text; `indent` of `None` writes it compact.
struct Json {
    out: String,
    indent: Option<usize>,
    /// Whether the object or list being written has no entry yet, one flag per open level.
    first: Vec<bool>,
}

impl Json {
    fn new(pretty: bool) -> Json {
        Json {
            out: String::new(),
            indent: pretty.then_some(0),
            first: Vec::new(),
        }
    }

    fn newline(&mut self) {
        if let Some(depth) = self.indent {
            self.out.push('\n');
            for _ in 0..depth {
                self.out.push_str("  ");
            }
        }
    }

    /// Opens `{` or `[`.
    fn open(&mut self, bracket: char) {
        self.out.push(bracket);
        self.first.push(true);
        if let Some(depth) = &mut self.indent {
            *depth += 1;
        }
    }

    /// Closes with `}` or `]`; an empty one stays on its line, as `{}` or `[]`.
    fn close(&mut self, bracket: char) {
        let empty = self.first.pop().unwrap_or(true);
        if let Some(depth) = &mut self.indent {
            *depth -= 1;
        }
        if !empty {
            self.newline();
        }
        self.out.push(bracket);
    }

    /// Starts the next entry of the open object or list.
    fn entry(&mut self) {
        if let Some(first) = self.first.last_mut() {
            if !std::mem::replace(first, false) {
                self.out.push(',');
            }
        }
        self.newline();
    }

    fn key(&mut self, name: &str) {
        self.entry();
        self.string(name);
        self.out.push(':');
        if self.indent.is_some() {
            self.out.push(' ');
        }
    }

    fn string(&mut self, s: &str) {
        self.out.push('"');
        for c in s.chars() {
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                '\n' => self.out.push_str("\\n"),
                '\t' => self.out.push_str("\\t"),
                '\r' => self.out.push_str("\\r"),
                c if (c as u32) < 0x20 => {
                    let code = c as u32;
                    let hex = |d: u32| char::from_digit(d, 16).unwrap_or('0');
                    self.out.push_str("\\u00");
                    self.out.push(hex(code >> 4));
                    self.out.push(hex(code & 0xf));
                }
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }

    /// A number, a name (`n1`, `async`) or `true`/`false`, quoted or not.
    fn field(&mut self, name: &str, value: impl Display, quoted: bool) {
        self.key(name);
        let text = value.to_string();
        if quoted {
            self.string(&text);
        } else {
            self.out.push_str(&text);
        }
    }

    fn number(&mut self, name: &str, value: impl Display) {
        self.field(name, value, false);
    }

    fn name(&mut self, name: &str, value: impl Display) {
        self.field(name, value, true);
    }

    fn number_if(&mut self, name: &str, value: Option<impl Display>) {
        if let Some(v) = value {
            self.number(name, v);
        }
    }

    fn name_if(&mut self, name: &str, value: Option<impl Display>) {
        if let Some(v) = value {
            self.name(name, v);
        }
    }
}

/// The scenario format's JSON text.
pub(crate) fn scenario(s: &Scenario, pretty: bool) -> String {
    let mut j = Json::new(pretty);
    j.open('{');
    j.number("version", s.version);
    j.name_if("title", s.title.as_ref());
    j.name_if("description", s.description.as_ref());
    j.number("seed", s.seed);
    j.key("cluster");
    cluster(&mut j, &s.cluster);
    j.key("workload");
    workload(&mut j, &s.workload);
    j.key("events");
    j.open('[');
    for e in &s.events {
        j.entry();
        j.open('{');
        j.number("at_ms", e.at_ms);
        action(&mut j, &e.action);
        j.close('}');
    }
    j.close(']');
    j.number_if("duration_ms", s.duration_ms);
    j.close('}');
    j.out
}

/// A link action's fields: its ends, its own number if any, and `one_way` when set.
fn link(
    j: &mut Json,
    source: &Endpoint,
    target: &Endpoint,
    number: Option<(&str, String)>,
    one_way: bool,
) {
    j.name("source", source);
    j.name("target", target);
    if let Some((name, value)) = number {
        j.number(name, value);
    }
    j.number_if("one_way", one_way.then_some(true));
}

/// One action on its own, compact: `{"action":"crash","node":"n1"}`.
pub(crate) fn action_alone(a: &Action) -> String {
    let mut j = Json::new(false);
    j.open('{');
    action(&mut j, a);
    j.close('}');
    j.out
}

/// The cluster's settings, from the table of settings, in its order; an absent optional
/// one is left out.
fn cluster(j: &mut Json, c: &Cluster) {
    j.open('{');
    for s in &SETTINGS {
        match s.kind {
            Kind::Mode => j.name(s.name, c.mode),
            Kind::Bool => j.number(s.name, (s.get)(c) == Some(1)),
            // The default is left out, so a scenario that never chose reads as before.
            Kind::Choice(names) => match (s.get)(c) {
                Some(i) if i > 0 => j.name(s.name, names[i as usize]),
                _ => {}
            },
            Kind::Whole { .. } => j.number_if(s.name, (s.get)(c)),
        }
    }
    j.close('}');
}

fn workload(j: &mut Json, w: &Workload) {
    j.open('{');
    j.number("write_every_ms", w.write_every_ms);
    j.number("start_ms", w.start_ms);
    j.number_if("until_ms", w.until_ms);
    j.number("keys", w.keys);
    j.number_if(
        "read_every_ms",
        (w.read_every_ms != 0).then_some(w.read_every_ms),
    );
    j.name_if(
        "read_from",
        (w.read_from != ReadFrom::default()).then_some(w.read_from.name()),
    );
    j.close('}');
}

/// The action's name and its own fields, inside the event's object.
fn action(j: &mut Json, a: &Action) {
    j.name("action", a.name());
    match a {
        Action::Crash { node } | Action::Restart { node } | Action::Isolate { node } => {
            j.name("node", node)
        }
        Action::CrashController | Action::RestartController | Action::IsolateController => {
            j.name("node", crate::ids::CONTROLLER)
        }
        Action::Partition { groups } => {
            j.key("groups");
            j.open('[');
            for group in groups {
                j.entry();
                j.open('[');
                for endpoint in group {
                    j.entry();
                    j.string(&endpoint.to_string());
                }
                j.close(']');
            }
            j.close(']');
        }
        Action::Heal => {}
        // The default is left out, so links made before the choice existed are unchanged.
        Action::AddFollower { method } => {
            if *method != CopyMethod::Snapshot {
                j.name("method", method.name());
            }
        }
        Action::CutLink {
            source,
            target,
            one_way,
        }
        | Action::HealLink {
            source,
            target,
            one_way,
        } => link(j, source, target, None, *one_way),
        Action::SlowLink {
            source,
            target,
            factor,
            one_way,
        } => link(
            j,
            source,
            target,
            Some(("factor", factor.to_string())),
            *one_way,
        ),
        Action::LossyLink {
            source,
            target,
            drop_probability,
            one_way,
        } => {
            // serde_json's number formatting (the app carries it anyway); not a number: null.
            let p = serde_json::Number::from_f64(*drop_probability)
                .map_or_else(|| "null".into(), |n| n.to_string());
            link(j, source, target, Some(("drop_probability", p)), *one_way)
        }
        Action::Failover { node } => j.name_if("node", node.as_ref()),
        Action::Write { key, value, client } => {
            j.name("key", key);
            j.name("value", value);
            j.name_if("client", client.as_ref());
        }
        Action::Set(SettingsChange {
            mode,
            write_quorum,
            latency_ms,
            jitter_ms,
            failover_timeout_ms,
            fencing,
            read_from,
        }) => {
            j.name_if("mode", mode.as_ref());
            j.number_if("write_quorum", *write_quorum);
            j.number_if("latency_ms", *latency_ms);
            j.number_if("jitter_ms", *jitter_ms);
            j.number_if("failover_timeout_ms", *failover_timeout_ms);
            j.number_if("fencing", *fencing);
            j.name_if("read_from", read_from.map(ReadFrom::name));
        }
        Action::Workload { write_every_ms } => j.number("write_every_ms", write_every_ms),
    }
}

#[cfg(test)]
mod tests {
    use crate::presets::PRESETS;
    use crate::{Action, Scenario, TimedAction};

    #[test]
    fn compact_json_puts_version_first_and_leaves_absent_options_out() {
        let mut s = Scenario::default_scenario();
        s.events.push(TimedAction {
            at_ms: 5,
            action: Action::Failover { node: None },
        });
        assert_eq!(
            s.to_json(),
            r#"{"version":1,"title":"Asynchronous replication","seed":1,"cluster":{"nodes":3,"mode":"async","latency_ms":50,"client_latency_ms":10,"jitter_ms":10,"failover_timeout_ms":500,"heartbeat_ms":100,"fencing":true,"initial_rows":0,"snapshot_rows_per_s":2000,"clients":1},"workload":{"write_every_ms":200,"start_ms":0,"keys":10},"events":[{"at_ms":5,"action":"failover"}],"duration_ms":60000}"#
        );
    }

    #[test]
    fn indented_json_is_the_same_document_laid_out_for_people() {
        for preset in PRESETS {
            let s = preset.scenario().unwrap();
            let pretty = s.to_json_pretty();
            assert!(pretty.starts_with("{\n  \"version\": 1,\n"), "{pretty}");
            let a: serde_json::Value = serde_json::from_str(&pretty).unwrap();
            let b: serde_json::Value = serde_json::from_str(&s.to_json()).unwrap();
            assert_eq!(a, b, "{}", preset.id);
            // And the preset file, as its author wrote it, says the same.
            assert_eq!(Scenario::from_json(&pretty).unwrap(), s, "{}", preset.id);
        }
        let mut empty = Scenario::default_scenario();
        empty.title = None;
        assert!(empty.to_json_pretty().contains("\"events\": [],"));
    }

    #[test]
    fn text_with_quotes_newlines_and_control_characters_survives() {
        let mut s = Scenario::default_scenario();
        s.title = Some("a \"quoted\" \\ title\tand é, ✓".into());
        s.description = Some("line one\nline two\r\u{1}".into());
        s.events.push(TimedAction {
            at_ms: 1,
            action: Action::Write {
                key: "k\"1".into(),
                value: "v\n".into(),
                client: None,
            },
        });
        for json in [s.to_json(), s.to_json_pretty()] {
            let back: serde_json::Value = serde_json::from_str(&json).unwrap();
            assert_eq!(back["description"], "line one\nline two\r\u{1}");
            assert_eq!(back["title"], "a \"quoted\" \\ title\tand é, ✓");
        }
        // Control characters other than the newline are refused by validation, so this
        // reads back only without them.
        s.title = Some("a \"quoted\" \\ title and é, ✓".into());
        s.description = Some("line one\nline two".into());
        assert_eq!(Scenario::from_json(&s.to_json()).unwrap(), s);
    }
}
