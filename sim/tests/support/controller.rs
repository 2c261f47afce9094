//! The controller's invariant (`failover: controller`), checked after every step.

use replication_sim::Sim;

/// A controller-appointed leader is the most up-to-date replica the controller could
/// reach at the instant of promotion: it is one of the replicas that answered the
/// controller's probe, and no replica that answered holds, in fact, a more up-to-date log
/// (by last epoch, then last position). Those that answered entered the probe's epoch, so
/// the old leader can no longer lengthen their logs behind the controller's back. Looks at
/// the appointments made at this instant (checked after every step, so at the step that
/// made them; later steps of the same instant can only lengthen the new leader's log).
pub fn controller_appoints_the_most_up_to_date_reachable_replica(sim: &Sim) -> Result<(), String> {
    let Some(c) = sim.controller.as_ref() else {
        return Ok(());
    };
    let end = |n: replication_sim::NodeId| {
        let log = &sim.replicas[n.index()].log;
        (log.last_epoch(), log.last_position())
    };
    for a in c
        .appointments
        .iter()
        .rev()
        .take_while(|a| a.at_ms == sim.now())
    {
        if !a.answers.iter().any(|(n, _)| *n == a.leader) {
            return Err(format!(
                "controller_appoints_the_most_up_to_date_reachable_replica: m1 appointed {} at {} ms, which never answered its probe",
                a.leader, a.at_ms
            ));
        }
        if let Some((n, _)) = a.answers.iter().find(|(n, _)| end(*n) > end(a.leader)) {
            return Err(format!(
                "controller_appoints_the_most_up_to_date_reachable_replica: m1 appointed {} (log at {:?}) at {} ms, but {n}, which answered, holds {:?}",
                a.leader,
                end(a.leader),
                a.at_ms,
                end(*n)
            ));
        }
    }
    Ok(())
}
