//! The checks of the controller lessons (`failover: controller`): the chapter's "a new
//! leader could be appointed by a previously elected controller node", which should
//! appoint "the replica with the most up-to-date data changes from the old leader", and
//! which sees the cluster only through the network it is on.

use super::{check, count, has_note, lost, Check};
use crate::ids::NodeId;
use crate::sim::{NoteKind, Outcome, Sim};

fn appointments(sim: &Sim) -> &[crate::sim::Appointment] {
    sim.controller.as_ref().map_or(&[], |c| &c.appointments)
}

/// The leader crashes; m1 appoints the most up-to-date follower (n3, ahead of a slow n2).
pub(super) fn failover(sim: &Sim) -> Vec<Check> {
    let first = appointments(sim).first();
    let chose = first.map(|a| a.leader);
    let best = first.is_some_and(|a| {
        let mine = a.answers.iter().find(|(n, _)| *n == a.leader).map(|x| x.1);
        a.answers.iter().all(|(_, end)| Some(*end) <= mine)
    });
    let ends: Vec<String> = first.map_or(vec![], |a| {
        a.answers
            .iter()
            .map(|(n, (_, p))| format!("{n} at {p}"))
            .collect()
    });
    let elected = has_note(sim, NoteKind::Election, "asks for votes")
        || has_note(sim, NoteKind::Election, "(pre-vote)")
        || has_note(sim, NoteKind::Leader, "votes from");
    let n_lost = lost(sim).len();
    vec![
        check(
            "The controller appointed the most up-to-date follower, n3, not the lagging n2",
            chose == Some(NodeId(2)) && best,
            format!(
                "appointed {}; answers: {}",
                chose.map_or("nobody".into(), |n| n.to_string()),
                ends.join(", ")
            ),
        ),
        check(
            "No replica elected itself",
            !elected,
            if elected {
                "a replica campaigned".into()
            } else {
                "no campaign".into()
            },
        ),
        check(
            "Only the writes the old leader alone held were lost",
            n_lost > 0 && n_lost <= 5,
            format!("{} lost", count(n_lost as u64, "write", "writes")),
        ),
    ]
}

/// m1 is partitioned away: it appoints nobody; the leader carries on until it crashes,
/// and then nobody takes its place until the network heals.
pub(super) fn cut_off(sim: &Sim) -> Vec<Check> {
    let first = appointments(sim).first().map(|a| a.at_ms);
    let refused = has_note(sim, NoteKind::Election, "appoints nobody");
    let during: usize = sim
        .writes
        .iter()
        .filter(|w| (1_000..3_000).contains(&w.invoked_at))
        .filter(|w| matches!(w.outcome, Outcome::Confirmed { .. }))
        .count();
    vec![
        check(
            "Cut off, the controller appointed nobody",
            refused && first.is_none_or(|t| t > 4_500),
            format!(
                "first appointment at {}",
                first.map_or("never".into(), |t| format!("{t} ms"))
            ),
        ),
        check(
            "Meanwhile the old leader went on taking writes",
            during > 20,
            format!(
                "{} confirmed between 1 and 3 s",
                count(during as u64, "write", "writes")
            ),
        ),
        check(
            "After the leader crashed, a new leader was appointed only once the network healed",
            first.is_some_and(|t| t > 4_500),
            format!("leaderless for {} ms in all", sim.leaderless_ms()),
        ),
    ]
}

/// m1 and the old leader on the minority side: m1 sees nothing wrong at first, the
/// majority side gets no leader, and with fencing nobody takes writes until the heal.
pub(super) fn with_old_leader(sim: &Sim) -> Vec<Check> {
    let before_heal = appointments(sim).iter().filter(|a| a.at_ms < 4_500).count();
    let majority_led = sim.notes.iter().any(|n| {
        n.kind == NoteKind::Leader
            && (1_500..4_500).contains(&n.at_ms)
            && n.node.is_some_and(|l| l != NodeId(0))
    });
    let fenced = has_note(sim, NoteKind::Fencing, "stops taking writes");
    let confirmed_late: usize = sim
        .writes
        .iter()
        .filter(|w| (2_500..4_500).contains(&w.invoked_at))
        .filter(|w| matches!(w.outcome, Outcome::Confirmed { .. }))
        .count();
    vec![
        check(
            "The majority side (n2, n3) got no leader while the partition lasted",
            before_heal == 0 && !majority_led,
            format!("{before_heal} appointments before the heal"),
        ),
        check(
            "With fencing on, the old leader stopped taking writes",
            fenced,
            if fenced {
                "see the event log".into()
            } else {
                "it never stepped down".into()
            },
        ),
        check(
            "Nobody confirmed a write until the network healed",
            confirmed_late == 0,
            format!(
                "{} sent between 2.5 and 4.5 s confirmed",
                count(confirmed_late as u64, "write", "writes")
            ),
        ),
    ]
}
