//! The controller `m1` in the view (`failover: controller`): a node of its own kind, which
//! holds no data, so the UI draws it apart from the replicas, with what it is doing.

use super::*;
use crate::ids::CONTROLLER;

/// What a node in the drawing is: a replica, which holds a log, or the controller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    Replica,
    Controller,
}

/// The controller node, as the reader sees it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ControllerView {
    pub id: String,
    pub kind: NodeKind,
    pub up: bool,
    /// The leader it believes in, if any.
    pub watching: Option<String>,
    /// How long it has not heard that leader say it leads.
    pub silent_ms: u64,
    /// It is asking the replicas how far their logs reach, to appoint a leader.
    pub probing: bool,
    /// Leaders it appointed so far, and the latest.
    pub appointments: u32,
    pub last_appointed: Option<String>,
    /// A few words for the drawing and screen readers: "watching n1", "n1 silent 600 ms".
    pub status: String,
}

impl Sim {
    pub(super) fn controller_view(&self) -> Option<ControllerView> {
        let c = self.controller.as_ref()?;
        let silent_ms = self.now().saturating_sub(c.leader_heard_ms);
        let probing = c.round.is_some();
        let status = if !c.up {
            "down".to_string()
        } else if let Some(r) = &c.round {
            format!("asking the logs, epoch {}", r.epoch)
        } else {
            match c.leader {
                Some(l) if silent_ms < self.settings.failover_timeout_ms => format!("watching {l}"),
                Some(l) => format!("{l} silent {silent_ms} ms"),
                None => "finding the leader".to_string(),
            }
        };
        Some(ControllerView {
            id: CONTROLLER.to_string(),
            kind: NodeKind::Controller,
            up: c.up,
            watching: c.leader.map(|l| l.to_string()),
            silent_ms,
            probing,
            appointments: c.appointments.len() as u32,
            last_appointed: c.appointments.last().map(|a| a.leader.to_string()),
            status,
        })
    }
}
