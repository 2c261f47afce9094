//! The view says what the drawing shows, so the app draws it as it is: each log cell's glyph
//! (README: ✓ confirmed to the client, a number for how many replicas hold it, ‖ blocked,
//! ✗ confirmed then lost) and each replica's place in a chain.

use replication_sim::presets::Preset;
use replication_sim::view::{ChainPlace, ChainStatus, EntryStatus, ReplicaRole, View};
use replication_sim::{Sim, ViewOptions};

fn view_at(preset: &str, t: u64) -> View {
    let scenario = Preset::by_id(preset).unwrap().scenario().unwrap();
    let mut sim = Sim::new(&scenario).unwrap();
    sim.run_until(t);
    sim.view(&ViewOptions::default())
}

fn glyph_for(status: EntryStatus, held_by: u8) -> String {
    match status {
        EntryStatus::Confirmed => "✓".into(),
        EntryStatus::Lost => "✗".into(),
        EntryStatus::Blocked => "‖".into(),
        EntryStatus::LeaderOnly | EntryStatus::Replicated => held_by.to_string(),
    }
}

/// Broke before: a blocked entry was labelled "2/3" (holders of live replicas) instead of ‖,
/// and an unconfirmed one "2/3" instead of the README's number, so the app drew its own.
#[test]
fn a_blocked_entry_is_labelled_as_blocked() {
    // Synchronous replication with n3 down: the leader's new entries wait.
    let view = view_at("sync-vs-async", 5_200);
    let blocked: Vec<_> = view
        .replicas
        .iter()
        .flat_map(|r| &r.entries)
        .filter(|e| e.status == EntryStatus::Blocked)
        .collect();
    assert!(!blocked.is_empty(), "n3 is down: writes wait for it");
    for e in blocked {
        assert_eq!(e.label, "‖", "position {}", e.position);
    }
}

#[test]
fn every_log_cell_is_labelled_with_the_readmes_glyph() {
    for (preset, t) in [
        ("async-failover", 3_300),
        ("sync-vs-async", 5_200),
        ("chain", 1_000),
    ] {
        let view = view_at(preset, t);
        for r in &view.replicas {
            for e in &r.entries {
                assert_eq!(
                    e.label,
                    glyph_for(e.status, e.held_by),
                    "{preset} at {t} ms, {} position {}: {:?}",
                    r.id,
                    e.position,
                    e.status
                );
            }
        }
    }
    // The crashed leader still holds the writes it confirmed and lost once n3 leads (3,038 ms).
    let view = view_at("async-failover", 3_300);
    assert_eq!(view.replicas[0].role, ReplicaRole::Down);
    assert!(view.replicas[0].entries.iter().any(|e| e.label == "✗"));
}

#[test]
fn the_view_says_where_each_replica_is_in_the_chain() {
    // n1 → n2 → n3 → n4 before n2 crashes at 1.5 s.
    let view = view_at("chain", 1_000);
    let places: Vec<_> = view
        .replicas
        .iter()
        .map(|r| r.chain.map(|c| (c.place, c.index)))
        .collect();
    assert_eq!(
        places,
        [
            Some((ChainPlace::Head, 0)),
            Some((ChainPlace::Middle, 1)),
            Some((ChainPlace::Middle, 2)),
            Some((ChainPlace::Tail, 3)),
        ]
    );
    // n2 spliced out: n1 → n3 → n4, and n2 is in no chain.
    let view = view_at("chain", 2_500);
    let places: Vec<_> = view
        .replicas
        .iter()
        .map(|r| r.chain.map(|c| c.badge()))
        .collect();
    assert_eq!(
        places,
        [
            Some("head".to_string()),
            None,
            Some("chain #2".to_string()),
            Some("tail".to_string())
        ]
    );
    // Outside chain replication nobody is in a chain.
    let view = view_at("async-failover", 1_000);
    assert!(view.replicas.iter().all(|r| r.chain.is_none()));
}

/// The drawing lays the chain out from the view: the order head first, and for each
/// replica whether it is in the chain, spliced out, or catching up to join at the tail.
/// Broke before: the view had only each member's badge, so the app could not tell a
/// spliced-out replica from one about to join, nor draw the chain in order.
#[test]
fn the_view_gives_the_chain_in_order_and_who_is_outside_or_joining() {
    use ChainStatus::*;
    let at = |t| {
        let v = view_at("chain", t);
        let status: Vec<_> = v.replicas.iter().map(|r| r.chain_status).collect();
        (v.chain, status)
    };
    let ids = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(
        at(1_000),
        (ids(&["n1", "n2", "n3", "n4"]), vec![Some(Member); 4])
    );
    // n2 crashed at 1.5 s; the head has spliced it out by 1.9 s.
    assert_eq!(
        at(2_500),
        (
            ids(&["n1", "n3", "n4"]),
            vec![Some(Member), Some(Outside), Some(Member), Some(Member)]
        )
    );
    // Restarted at 3 s, it catches up from the tail, n4, before it joins after it.
    assert_eq!(
        at(3_050),
        (
            ids(&["n1", "n3", "n4"]),
            vec![Some(Member), Some(Joining), Some(Member), Some(Member)]
        )
    );
    assert_eq!(
        at(3_500),
        (ids(&["n1", "n3", "n4", "n2"]), vec![Some(Member); 4])
    );
    // Outside chain replication there is no chain.
    let view = view_at("async-failover", 1_000);
    assert!(view.chain.is_empty());
    assert!(view.replicas.iter().all(|r| r.chain_status.is_none()));
}

/// The counts and the lost-write list come from running tallies kept as the run goes (so a
/// frame costs the same at any length of run); they must say what a pass over every write
/// says, at every instant of every preset, through failovers that lose writes and leaders
/// that come back with them.
#[test]
fn the_running_tallies_agree_with_a_pass_over_every_write() {
    for p in replication_sim::presets::PRESETS {
        let scenario = p.scenario().unwrap();
        let mut sim = Sim::new(&scenario).unwrap();
        let opts = ViewOptions {
            recent_writes: 4,
            older_lost: 3,
            ..ViewOptions::default()
        };
        let mut t = 0;
        while t <= sim.end_ms() {
            sim.run_until(t);
            let view = sim.view(&opts);
            let blocked = sim.blocked_writes().into_iter().collect();
            assert_eq!(
                view.counts,
                sim.counts_by_scan(&blocked),
                "{} at {t} ms",
                p.id
            );
            let total = sim.writes.len();
            let recent_from = total.saturating_sub(opts.recent_writes);
            let lost: Vec<String> = sim
                .writes
                .iter()
                .take(recent_from)
                .filter(|w| w.lost.is_some())
                .map(|w| w.id.to_string())
                .collect();
            let mut expected: Vec<String> =
                lost[lost.len().saturating_sub(opts.older_lost)..].to_vec();
            expected.extend(
                sim.writes
                    .range(recent_from, total)
                    .map(|w| w.id.to_string()),
            );
            let listed: Vec<String> = view.writes.iter().map(|w| w.id.clone()).collect();
            assert_eq!(listed, expected, "{} at {t} ms", p.id);
            t += 250;
        }
    }
}
