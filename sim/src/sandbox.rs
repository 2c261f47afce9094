//! The lab's sandbox: a free-running scenario the reader reshapes as a whole (another number
//! of replicas, another way of choosing a leader) rather than by timed actions. The rules that keep the reshaped scenario valid
//! live here, beside the scenario format, not in the web app.

use crate::scenario::{Failover, Scenario, ScenarioError};

/// A sandbox runs for at least this long, and the app extends it when it gets there.
pub const SANDBOX_MS: u64 = 60_000;

impl Scenario {
    /// This scenario started afresh as a sandbox with `nodes` replicas: a write quorum
    /// larger than the new cluster shrinks to all of it (it could never be met otherwise),
    /// and the timed actions are dropped, since they may name replicas that no longer exist.
    /// Refused, with the field and the problem, if `nodes` is out of range.
    pub fn with_replicas(&self, nodes: u8) -> Result<Scenario, ScenarioError> {
        let mut s = self.clone();
        s.cluster.nodes = nodes;
        if let Some(w) = s.cluster.write_quorum {
            s.cluster.write_quorum = Some(w.min(nodes));
        }
        s.events.clear();
        s.duration_ms = Some(s.duration_ms.unwrap_or(SANDBOX_MS).max(SANDBOX_MS));
        s.validate()?;
        Ok(s)
    }

    /// This scenario started afresh as a sandbox whose leaders are chosen by `failover`:
    /// an election among the replicas, or the controller node `m1`. A run cannot change
    /// who chooses mid-way (the controller exists from the start or not at all), so this
    /// is a new run, and the timed actions are dropped, since some may name `m1`.
    pub fn with_failover(&self, failover: Failover) -> Result<Scenario, ScenarioError> {
        let mut s = self.with_replicas(self.cluster.nodes)?;
        s.cluster.failover = failover;
        s.validate()?;
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::Preset;
    use crate::Mode;

    #[test]
    fn a_smaller_cluster_keeps_a_quorum_it_can_meet() {
        let mut s = Scenario::default_scenario();
        s.cluster.nodes = 5;
        s.cluster.mode = Mode::Quorum;
        s.cluster.write_quorum = Some(4);
        let smaller = s.with_replicas(3).unwrap();
        assert_eq!(smaller.cluster.write_quorum, Some(3));
        assert_eq!(smaller.cluster.nodes, 3);
        // Growing leaves the quorum as the reader set it.
        assert_eq!(s.with_replicas(7).unwrap().cluster.write_quorum, Some(4));
        // The default quorum (a majority) stays the default.
        let majority = Scenario::default_scenario().with_replicas(5).unwrap();
        assert_eq!(majority.cluster.write_quorum, None);
    }

    #[test]
    fn a_resized_preset_drops_its_actions_and_runs_as_a_sandbox() {
        // async-failover crashes n1 and restarts it: with two replicas those would still
        // be valid, but they belong to the lesson, not to the new cluster.
        let s = Preset::by_id("async-failover").unwrap().scenario().unwrap();
        let resized = s.with_replicas(2).unwrap();
        assert!(resized.events.is_empty());
        assert!(resized.duration_ms.unwrap() >= SANDBOX_MS);
        assert!(crate::Sim::new(&resized).is_ok());
    }

    #[test]
    fn a_sandbox_switched_to_controller_failover_has_m1_and_no_lesson_actions() {
        // controller-failover crashes n1 and lets m1 appoint n3; switched to an election
        // the run has no m1, and none of the lesson's actions.
        let s = Preset::by_id("controller-failover")
            .unwrap()
            .scenario()
            .unwrap();
        let election = s.with_failover(Failover::Election).unwrap();
        assert!(election.events.is_empty());
        assert_eq!(election.cluster.failover, Failover::Election);
        let view = |s: &Scenario| crate::Sim::new(s).unwrap().view(&Default::default());
        assert!(view(&election).controller.is_none());
        // And back: the sandbox draws m1, watching the replicas.
        let controller = election.with_failover(Failover::Controller).unwrap();
        assert_eq!(controller.cluster.failover, Failover::Controller);
        assert_eq!(view(&controller).controller.unwrap().id, "m1");
        assert_eq!(controller.cluster.nodes, s.cluster.nodes);
    }

    #[test]
    fn a_cluster_out_of_range_is_refused_with_the_field() {
        let e = Scenario::default_scenario().with_replicas(12).unwrap_err();
        assert!(e.to_string().contains("cluster.nodes"), "{e}");
    }
}
