//! What the controller `m1` and the replicas say to each other (`failover: controller`).
//! The chapter: a new leader "could be appointed by a previously elected controller
//! node", which decides the leader is dead by a timeout, and the best candidate is "the
//! replica with the most up-to-date data changes from the old leader".

use super::*;

/// One message between the controller and a replica.
#[derive(Clone, Debug, PartialEq)]
pub enum ControllerMessage {
    /// Controller to every replica, every heartbeat interval: "are you there?".
    Ping,
    /// A replica's answer to a ping: its epoch, and whether it leads it.
    Status { epoch: u32, leads: bool },
    /// Controller to every live replica, once the leader has been silent a failover
    /// timeout: "stop following epochs before `epoch` and tell me how far your log
    /// reaches". A replica that still hears its leader says so instead.
    Probe { epoch: u32 },
    /// A replica's answer to a probe.
    ProbeReply { epoch: u32, answer: ProbeAnswer },
    /// Controller to the old leader, with fencing on, before it appoints another: stop
    /// taking writes ("shoot the other node in the head").
    Fence { epoch: u32 },
    /// Controller to the replica it chose: lead `epoch`. `answered`: the replicas that
    /// answered the probe; each refuses older epochs from its answer on. The controller
    /// appoints nobody else before `decided_at` plus a failover timeout (its next probe
    /// waits that long without hearing this leader, and needs a majority that has not
    /// heard it as long), so the new leader's lease starts at `decided_at`.
    Appoint {
        epoch: u32,
        answered: u16,
        decided_at: u64,
    },
}

/// A replica's answer to the controller's probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeAnswer {
    /// Its log's last entry, as (epoch, position); it now refuses older epochs.
    LogEnd { last_epoch: u32, last_position: u64 },
    /// It still hears a live leader: the controller alone lost it, so nobody is appointed.
    LeaderAlive { leader: NodeId },
    /// It already knows this epoch or a newer one.
    Newer { epoch: u32 },
}

impl ControllerMessage {
    pub fn summary(&self) -> String {
        match self {
            ControllerMessage::Ping => "are you there?".into(),
            ControllerMessage::Status { epoch, leads: true } => {
                format!("here, leading epoch {epoch}")
            }
            ControllerMessage::Status { epoch, .. } => format!("here, in epoch {epoch}"),
            ControllerMessage::Probe { epoch } => {
                format!("the leader is silent: how far does your log reach? (epoch {epoch})")
            }
            ControllerMessage::ProbeReply { answer, .. } => match answer {
                ProbeAnswer::LogEnd { last_position, .. } => {
                    format!("my log reaches position {last_position}")
                }
                ProbeAnswer::LeaderAlive { leader } => format!("I still hear {leader}"),
                ProbeAnswer::Newer { epoch } => format!("I am already in epoch {epoch}"),
            },
            ControllerMessage::Fence { epoch } => {
                format!("stop taking writes: you no longer lead (epoch {epoch})")
            }
            ControllerMessage::Appoint { epoch, .. } => format!("you lead epoch {epoch}"),
        }
    }
}
