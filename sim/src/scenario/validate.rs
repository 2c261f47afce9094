//! Checks a scenario against the documented ranges, naming the field at fault and the
//! problem (`cluster.nodes: 12 is out of range 2 to 9`). The cluster's ranges come from
//! the table of settings (`settings.rs`); the actions are checked in the order the engine
//! applies them, so a replica added by `add_follower` can be named afterwards, not before.

use super::limits::*;
use super::settings::{Kind, SETTINGS};
use super::{err, Action, Failover, Scenario, ScenarioError, SettingsChange, FORMAT_VERSION};
use crate::ids::{Endpoint, NodeId, CONTROLLER, MAX_REPLICAS};
use std::fmt;

type Result = std::result::Result<(), ScenarioError>;

pub(crate) fn range<T: PartialOrd + fmt::Display + Copy>(
    field: &str,
    v: T,
    lo: T,
    hi: T,
) -> Result {
    if v < lo || v > hi {
        Err(err(field, format!("{v} is out of range {lo} to {hi}")))
    } else {
        Ok(())
    }
}

fn text(field: &str, s: &str, max: usize) -> Result {
    if s.chars().count() > max {
        return Err(err(field, format!("longer than {max} characters")));
    }
    if s.chars().any(|c| c.is_control() && c != '\n') {
        return Err(err(field, "contains control characters"));
    }
    Ok(())
}

/// The documented range of a numeric field, by its name (the last part of its path).
pub(crate) fn documented_range(path: &str) -> Option<String> {
    let field = path.rsplit('.').next().unwrap_or(path);
    if let Some(s) = super::settings::setting(field) {
        return s.range();
    }
    Some(
        match field {
            "duration_ms" | "at_ms" | "start_ms" | "until_ms" => "0 to 3600000",
            "write_every_ms" | "read_every_ms" => "0 to 60000",
            "keys" => "1 to 100000",
            "factor" => "1 to 1000",
            "seed" => "0 to 18446744073709551615",
            "version" => "1",
            _ => return None,
        }
        .to_string(),
    )
}

impl Scenario {
    /// Checks every field against its documented range.
    pub fn validate(&self) -> Result {
        self.validate_header()?;
        self.validate_cluster()?;
        self.validate_workload()?;
        self.validate_events()?;
        crate::bounds::check(self)
    }

    fn validate_header(&self) -> Result {
        if self.version != FORMAT_VERSION {
            return Err(err(
                "version",
                format!(
                    "{} is not supported (expected {FORMAT_VERSION})",
                    self.version
                ),
            ));
        }
        if let Some(t) = &self.title {
            text("title", t, 120)?;
        }
        if let Some(d) = &self.description {
            text("description", d, MAX_DESCRIPTION_CHARS)?;
        }
        Ok(())
    }

    /// Every setting in the table's order, each with its rule beyond the range.
    fn validate_cluster(&self) -> Result {
        let c = &self.cluster;
        for s in &SETTINGS {
            if let (Kind::Whole { .. }, Some(v)) = (s.kind, (s.get)(c)) {
                s.check(&format!("cluster.{}", s.name), v, c.nodes as u64)?;
            }
            (s.also)(c)?;
        }
        Ok(())
    }

    fn validate_workload(&self) -> Result {
        let w = &self.workload;
        range("workload.write_every_ms", w.write_every_ms, 0, 60_000)?;
        range("workload.start_ms", w.start_ms, 0, MAX_TIME_MS)?;
        if let Some(u) = w.until_ms {
            range("workload.until_ms", u, 0, MAX_TIME_MS)?;
        }
        range("workload.keys", w.keys, 1, MAX_KEYS)?;
        range("workload.read_every_ms", w.read_every_ms, 0, 60_000)?;
        if let Some(d) = self.duration_ms {
            range("duration_ms", d, 1, MAX_TIME_MS)?;
        }
        Ok(())
    }

    /// The actions, in the order the engine applies them, with the replicas that exist
    /// by each one's instant: the initial ones, plus one per earlier `add_follower`.
    fn validate_events(&self) -> Result {
        if self.events.len() > MAX_EVENTS {
            return Err(err(
                "events",
                format!("{} actions; at most {MAX_EVENTS}", self.events.len()),
            ));
        }
        let mut nodes = self.cluster.nodes as usize;
        for (i, e) in self.ordered_events() {
            let at = EventCheck {
                index: i,
                at_ms: e.at_ms,
                nodes,
                clients: self.cluster.clients as usize,
                heartbeat_ms: self.cluster.heartbeat_ms,
                controller: self.cluster.failover == Failover::Controller,
            };
            range(&at.field("at_ms"), e.at_ms, 0, MAX_TIME_MS)?;
            at.action(&e.action)?;
            if matches!(e.action, Action::AddFollower { .. }) {
                nodes += 1;
            }
        }
        Ok(())
    }
}

/// One action's check: where it is in the file, and the cluster as it is at its instant.
struct EventCheck {
    index: usize,
    at_ms: u64,
    nodes: usize,
    clients: usize,
    heartbeat_ms: u64,
    /// The cluster has the controller `m1`.
    controller: bool,
}

impl EventCheck {
    fn field(&self, name: &str) -> String {
        format!("events[{}].{name}", self.index)
    }

    fn action(&self, action: &Action) -> Result {
        match action {
            Action::Crash { node } | Action::Restart { node } | Action::Isolate { node } => {
                self.node("node", *node)
            }
            Action::CrashController | Action::RestartController | Action::IsolateController => {
                self.endpoint("node", Endpoint::Controller)
            }
            Action::Failover { node: Some(node) } => self.node("node", *node),
            Action::Failover { node: None } | Action::Heal => Ok(()),
            Action::Partition { groups } => self.partition(groups),
            Action::CutLink { source, target, .. } | Action::HealLink { source, target, .. } => {
                self.link(*source, *target)
            }
            Action::SlowLink {
                source,
                target,
                factor,
                ..
            } => {
                self.link(*source, *target)?;
                range(&self.field("factor"), *factor, 1, MAX_SLOW_FACTOR)
            }
            Action::LossyLink {
                source,
                target,
                drop_probability,
                ..
            } => {
                self.link(*source, *target)?;
                self.drop_probability(*drop_probability)
            }
            Action::AddFollower { .. } => self.add_follower(),
            Action::Write { key, value, client } => {
                if key.is_empty() {
                    return Err(err(self.field("key"), "empty"));
                }
                text(&self.field("key"), key, MAX_TEXT_CHARS)?;
                text(&self.field("value"), value, MAX_TEXT_CHARS)?;
                match client {
                    Some(cl) => self.endpoint("client", Endpoint::Client(*cl)),
                    None => Ok(()),
                }
            }
            Action::Set(change) => self.set(change),
            Action::Workload { write_every_ms } => {
                range(&self.field("write_every_ms"), *write_every_ms, 0, 60_000)
            }
        }
    }

    fn node(&self, name: &str, n: NodeId) -> Result {
        if n.index() >= self.nodes {
            Err(err(
                self.field(name),
                format!(
                    "{n} does not exist at {} ms (the cluster has n1 to n{})",
                    self.at_ms, self.nodes
                ),
            ))
        } else {
            Ok(())
        }
    }

    fn endpoint(&self, name: &str, p: Endpoint) -> Result {
        match p {
            Endpoint::Replica(n) => self.node(name, n),
            Endpoint::Client(cl) if cl.index() >= self.clients => Err(err(
                self.field(name),
                format!(
                    "{cl} does not exist (the scenario has {})",
                    crate::bounds::count(self.clients as u64, "client", "clients")
                ),
            )),
            Endpoint::Client(_) => Ok(()),
            Endpoint::Controller if !self.controller => Err(err(
                self.field(name),
                format!(
                    "{CONTROLLER}, the controller, exists only with cluster.failover `controller`"
                ),
            )),
            Endpoint::Controller => Ok(()),
        }
    }

    fn link(&self, s: Endpoint, t: Endpoint) -> Result {
        self.endpoint("source", s)?;
        self.endpoint("target", t)?;
        if s == t {
            return Err(err(
                self.field("target"),
                "a link joins two different endpoints",
            ));
        }
        if s.replica().is_none() && t.replica().is_none() {
            return Err(err(
                self.field("target"),
                "clients and the controller only talk to replicas; a link needs a replica at one end",
            ));
        }
        Ok(())
    }

    /// Every replica in exactly one group; clients left out reach everyone.
    fn partition(&self, groups: &[Vec<Endpoint>]) -> Result {
        if groups.len() < 2 {
            return Err(err(
                self.field("groups"),
                "a partition needs at least two groups",
            ));
        }
        let mut seen = [false; crate::ids::MAX_ENDPOINTS];
        for (g, group) in groups.iter().enumerate() {
            for (k, p) in group.iter().enumerate() {
                self.endpoint(&format!("groups[{g}][{k}]"), *p)?;
                if std::mem::replace(&mut seen[p.index()], true) {
                    return Err(err(
                        self.field(&format!("groups[{g}][{k}]")),
                        format!("{p} is in two groups"),
                    ));
                }
            }
        }
        if let Some(missing) = (0..self.nodes).find(|&n| !seen[n]) {
            return Err(err(
                self.field("groups"),
                format!(
                    "{} is in no group; list every replica",
                    NodeId(missing as u8)
                ),
            ));
        }
        Ok(())
    }

    fn drop_probability(&self, p: f64) -> Result {
        if (0.0..=1.0).contains(&p) {
            return Ok(());
        }
        Err(err(
            self.field("drop_probability"),
            // serde_json's number formatting, which the web app already carries, rather
            // than core's float formatting, which would cost it 10 KB.
            format!(
                "{} is out of range 0 to 1",
                serde_json::Number::from_f64(p)
                    .map_or_else(|| "not a number".into(), |n| n.to_string())
            ),
        ))
    }

    fn add_follower(&self) -> Result {
        if self.nodes >= MAX_REPLICAS {
            return Err(err(
                self.field("action"),
                format!("add_follower would make more than {MAX_REPLICAS} replicas"),
            ));
        }
        Ok(())
    }

    /// A change of settings mid-run: the same ranges as in `cluster`, against the
    /// replicas there are by then.
    fn set(&self, change: &SettingsChange) -> Result {
        let check = |name: &str, v: Option<u64>| match (v, super::settings::setting(name)) {
            (Some(v), Some(s)) => s.check(&self.field(name), v, self.nodes as u64),
            _ => Ok(()),
        };
        check("write_quorum", change.write_quorum.map(u64::from))?;
        check("latency_ms", change.latency_ms)?;
        check("jitter_ms", change.jitter_ms)?;
        check("failover_timeout_ms", change.failover_timeout_ms)?;
        if let Some(t) = change.failover_timeout_ms {
            if t <= self.heartbeat_ms {
                return Err(err(
                    self.field("failover_timeout_ms"),
                    format!(
                        "{t} must be longer than cluster.heartbeat_ms ({})",
                        self.heartbeat_ms
                    ),
                ));
            }
        }
        Ok(())
    }
}
