//! A replica under a controller (`failover: controller`). The chapter's second way of
//! choosing a new leader: "a new leader could be appointed by a previously elected
//! controller node". The replicas never elect themselves; they answer the controller's
//! pings and probes, step down when it fences them ("shoot the other node in the head"),
//! and lead when it appoints them.

use super::{Campaign, CampaignPhase, Ctx, Replica, Role};
use crate::message::*;
use crate::scenario::Failover;

impl Replica {
    /// Whether replicas are appointed by the controller rather than elected.
    pub(super) fn controlled(ctx: &Ctx) -> bool {
        ctx.settings.failover == Failover::Controller
    }

    pub(super) fn on_controller_message(&mut self, m: ControllerMessage, ctx: &mut Ctx) {
        match m {
            ControllerMessage::Ping => {
                let status = ControllerMessage::Status {
                    epoch: self.epoch,
                    leads: self.role == Role::Leader,
                };
                tell_controller(ctx, status);
            }
            ControllerMessage::Probe { epoch } => self.on_probe(epoch, ctx),
            ControllerMessage::Fence { epoch } => {
                self.step_down(StepDownCause::FencedByController, None, ctx);
                self.enter_epoch(epoch);
            }
            ControllerMessage::Appoint {
                epoch,
                answered,
                decided_at,
            } => self.on_appoint(epoch, answered, decided_at, ctx),
            ControllerMessage::Status { .. } | ControllerMessage::ProbeReply { .. } => {}
        }
    }

    /// "How far does your log reach?" A replica that still hears its leader says so: the
    /// controller alone lost it. Otherwise it enters the probe's epoch, so it refuses the
    /// old leader from now on and its log stays where it says until a new leader leads.
    fn on_probe(&mut self, epoch: u32, ctx: &mut Ctx) {
        let hears = self.leader.filter(|_| {
            self.role == Role::Leader
                || ctx.now.saturating_sub(self.last_leader_contact_ms)
                    < ctx.settings.failover_timeout_ms
        });
        let answer = if epoch <= self.epoch.max(self.voted_epoch) {
            ProbeAnswer::Newer {
                epoch: self.epoch.max(self.voted_epoch),
            }
        } else if let Some(leader) = hears {
            ProbeAnswer::LeaderAlive { leader }
        } else {
            // A campaign of its own (a manual failover) was for an older epoch: votes won
            // in it must not make it leader of this one.
            self.end_campaign(ctx);
            self.enter_epoch(epoch);
            self.role = Role::Follower;
            self.leader = None;
            ProbeAnswer::LogEnd {
                last_epoch: self.log.last_epoch(),
                last_position: self.log.last_position(),
            }
        };
        tell_controller(ctx, ControllerMessage::ProbeReply { epoch, answer });
    }

    /// The controller chose this replica: it leads `epoch`, with a lease from the instant
    /// of the decision, as if each replica that answered had voted for it then.
    fn on_appoint(&mut self, epoch: u32, answered: u16, decided_at: u64, ctx: &mut Ctx) {
        if epoch < self.epoch || !ctx.members.is_live(self.id) || self.role == Role::Leader {
            return;
        }
        self.enter_epoch(epoch);
        self.end_campaign(ctx);
        self.election.campaign = Campaign {
            phase: CampaignPhase::Vote,
            epoch,
            started_ms: decided_at,
            phase_started_ms: decided_at,
            window_ms: ctx.settings.failover_timeout_ms,
            granted: answered | self.id.bit(),
            appointed: true,
            ..Campaign::default()
        };
        for f in ctx.members.iter_live() {
            if answered & f.bit() != 0 {
                self.peers[f.index()].acked_sent_at = decided_at;
            }
        }
        self.become_leader(ctx, true);
    }
}

fn tell_controller(ctx: &mut Ctx, m: ControllerMessage) {
    ctx.out
        .push(Command::send_to_controller(Payload::Controller(m)));
}
