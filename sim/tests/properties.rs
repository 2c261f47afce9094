//! Property tests over random scenarios: random seed, 3 to 9 replicas, any mode, random
//! latencies and workload, and a random list of faults (crash, restart, partition, heal,
//! cut, slow and lossy links, the links from one replica to several slowed one way, new
//! followers, manual failovers, writes, setting changes),
//! followed by a quiet end (healed, everyone up, no writes). The run is stepped event by
//! event and the named invariants of `support` are checked after every step; at the end
//! every replica must hold exactly the leader's log.
//!
//! A failure prints the invariant, the cluster at that step, and the scenario as JSON,
//! which `cargo run -p replication-sim --bin scenario -- run FILE` replays.
//!
//! `PROPTEST_CASES=2000 cargo test -p replication-sim --release --test properties` runs a
//! longer hunt.

mod support;

use proptest::prelude::*;
use replication_sim::ids::{ClientId, Endpoint, NodeId};
use replication_sim::scenario::CopyMethod;
use replication_sim::{Action, Mode, Scenario, Sim, TimedAction};
use serde_json::json;
use support::*;

#[derive(Clone, Debug)]
enum Fault {
    Crash(u8),
    Restart(u8),
    /// Replicas whose bit is set go in the first group; clients join a random group.
    Partition(u16, u16),
    Isolate(u8),
    Heal,
    CutLink(u8, u8, bool),
    SlowLink(u8, u8, u32, bool),
    /// The links from one replica to those whose bit is set, slowed one way: the
    /// testers' failover case, where the followers behind them lag and the others do not.
    SlowFan(u8, u16, u32),
    LossyLink(u8, u8, u8, bool),
    HealLink(u8, u8),
    /// A new follower; `true`: by a locked copy.
    /// Which of the three ways of copying the new follower: see `CopyMethod::ALL`.
    AddFollower(u8),
    Failover(Option<u8>),
    Write(u8),
    SetMode(Mode, u8),
    SetTimeout(u64),
    SetFencing(bool),
    SetLatency(u64),
    Workload(u64),
}

#[derive(Clone, Debug)]
struct Plan {
    seed: u64,
    nodes: u8,
    mode: Mode,
    write_quorum: u8,
    fencing: bool,
    latency_ms: u64,
    client_latency_ms: u64,
    jitter_ms: u64,
    failover_timeout_ms: u64,
    heartbeat_div: u64,
    clients: u8,
    write_every_ms: u64,
    client_timeout_ms: Option<u64>,
    retention: Option<u64>,
    /// Retention `until_caught_up` (then `retention` is left out).
    until_caught_up: bool,
    /// The leader's disk holds the initial rows and this many log entries.
    disk_room: Option<u64>,
    initial_rows: u64,
    faults: Vec<(u64, Fault)>,
    fault_window_ms: u64,
    /// Clients read back their latest write this often (0: never), from where.
    read_every_ms: u64,
    read_from: &'static str,
    /// `failover: controller`: the controller `m1` appoints leaders, and faults reach it.
    controller: bool,
}

// For a longer hunt: PROP_MODE=quorum pins the mode (and leaves it unchanged all run),
// PROP_NODES=5 the cluster size, PROP_FAULTS=30 the most faults per scenario, and
// PROP_CONTROLLER=1 gives every plan the controller.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn pinned_mode() -> Option<Mode> {
    env("PROP_MODE").map(|m| m.parse::<Mode>().expect("PROP_MODE names a mode"))
}

fn mode() -> BoxedStrategy<Mode> {
    match pinned_mode() {
        Some(m) => Just(m).boxed(),
        None => prop_oneof![
            Just(Mode::Async),
            Just(Mode::Sync),
            Just(Mode::SemiSync),
            Just(Mode::Chain),
            Just(Mode::Quorum)
        ]
        .boxed(),
    }
}

fn nodes() -> std::ops::RangeInclusive<u8> {
    match env("PROP_NODES").and_then(|v| v.parse().ok()) {
        Some(n) => n..=n,
        None => 3..=9,
    }
}

/// A quarter of the plans fail over by the controller; PROP_CONTROLLER=1 makes it all.
fn controller() -> BoxedStrategy<bool> {
    if env("PROP_CONTROLLER").is_some() {
        Just(true).boxed()
    } else {
        prop_oneof![3 => Just(false), 1 => Just(true)].boxed()
    }
}

fn max_faults() -> usize {
    env("PROP_FAULTS")
        .and_then(|v| v.parse().ok())
        .unwrap_or(12)
}

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        4 => any::<u8>().prop_map(Fault::Crash),
        // n1 leads at first: its crash is a failover.
        2 => Just(Fault::Crash(0)),
        2 => (prop_oneof![3 => Just(0u8), 1 => any::<u8>()], any::<u16>(), 2u32..=12).prop_map(|(s, m, f)| Fault::SlowFan(s, m, f)),
        4 => any::<u8>().prop_map(Fault::Restart),
        2 => (any::<u16>(), any::<u16>()).prop_map(|(a, b)| Fault::Partition(a, b)),
        1 => any::<u8>().prop_map(Fault::Isolate),
        2 => Just(Fault::Heal),
        2 => (any::<u8>(), any::<u8>(), any::<bool>()).prop_map(|(a, b, o)| Fault::CutLink(a, b, o)),
        2 => (any::<u8>(), any::<u8>(), 2u32..=12, any::<bool>()).prop_map(|(a, b, f, o)| Fault::SlowLink(a, b, f, o)),
        1 => (any::<u8>(), any::<u8>(), 10u8..=90, any::<bool>()).prop_map(|(a, b, p, o)| Fault::LossyLink(a, b, p, o)),
        1 => (any::<u8>(), any::<u8>()).prop_map(|(a, b)| Fault::HealLink(a, b)),
        1 => (0u8..3).prop_map(Fault::AddFollower),
        1 => proptest::option::of(any::<u8>()).prop_map(Fault::Failover),
        2 => any::<u8>().prop_map(Fault::Write),
        1 => (mode(), any::<u8>()).prop_map(|(m, w)| Fault::SetMode(m, w)),
        1 => (100u64..=1000).prop_map(Fault::SetTimeout),
        1 => any::<bool>().prop_map(Fault::SetFencing),
        1 => (0u64..=120).prop_map(Fault::SetLatency),
        1 => (0u64..=150).prop_map(Fault::Workload),
    ]
}

prop_compose! {
    fn plan()(
        seed in any::<u64>(),
        nodes in nodes(),
        mode in mode(),
        write_quorum in any::<u8>(),
        fencing in any::<bool>(),
        latency_ms in 1u64..=100,
        client_latency_ms in 1u64..=20,
        jitter_ms in 0u64..=30,
        failover_timeout_ms in 150u64..=800,
        heartbeat_div in 3u64..=6,
        clients in 1u8..=3,
        write_every_ms in prop_oneof![Just(0u64), 15u64..=120],
        client_timeout_ms in proptest::option::of(300u64..=3000),
        retention in proptest::option::of(20u64..=200),
        until_caught_up in any::<bool>(),
        disk_room in proptest::option::of(30u64..=400),
        initial_rows in 0u64..=2000,
        fault_window_ms in 1000u64..=4000,
        read_every_ms in prop_oneof![3 => Just(0u64), 1 => 20u64..=200],
        read_from in prop_oneof![Just("followers"), Just("leader"), Just("sticky")],
        controller in controller(),
        raw in proptest::collection::vec((0u64..=1000, fault()), 0..=max_faults()),
    ) -> Plan {
        // Sane settings for the quiet end: a heartbeat and its answer fit well within the
        // failover timeout. (Faults may still make links slower for a while.)
        let heartbeat_ms = (failover_timeout_ms / heartbeat_div).max(5);
        let latency_ms = latency_ms.min((failover_timeout_ms - heartbeat_ms) / 3 - jitter_ms).max(1);
        let mut faults: Vec<(u64, Fault)> = raw.into_iter().map(|(t, f)| (t * fault_window_ms / 1000, f)).collect();
        faults.sort_by_key(|(t, _)| *t);
        Plan {
            seed, nodes, mode, write_quorum: write_quorum % nodes + 1, fencing, latency_ms, client_latency_ms, jitter_ms,
            failover_timeout_ms, heartbeat_div, clients, write_every_ms, client_timeout_ms, retention, until_caught_up,
            disk_room, initial_rows, faults, fault_window_ms, read_every_ms, read_from, controller,
        }
    }
}

/// Longest failover timeout a plan can set: the quiet end is long enough for several
/// elections with it.
const MAX_TIMEOUT_MS: u64 = 1000;

impl Plan {
    fn scenario(&self) -> Scenario {
        let mut nodes = self.nodes;
        let replica = |i: u8, nodes: u8| NodeId(i % nodes);
        let endpoint = |i: u8, nodes: u8, clients: u8| {
            // Mostly replicas; now and then a client, so client links get faults too.
            if i % 5 == 4 {
                Endpoint::Client(ClientId(i / 5 % clients))
            } else {
                Endpoint::Replica(NodeId(i % nodes))
            }
        };
        let mut events = Vec::new();
        // With a controller, one fault in six that names a node names m1 instead.
        let m1 = |i: u8| self.controller && i % 6 == 5;
        for (at, f) in &self.faults {
            let action = match f {
                Fault::Crash(i) if m1(*i) => Action::CrashController,
                Fault::Restart(i) if m1(*i) => Action::RestartController,
                Fault::Isolate(i) if m1(*i) => Action::IsolateController,
                Fault::Crash(i) => Action::Crash {
                    node: replica(*i, nodes),
                },
                Fault::Restart(i) => Action::Restart {
                    node: replica(*i, nodes),
                },
                Fault::Partition(mask, cmask) => {
                    let all = (1u16 << nodes) - 1;
                    let mut mask = mask & all;
                    if mask == 0 || mask == all {
                        mask = 1;
                    }
                    let mut a: Vec<Endpoint> = (0..nodes)
                        .filter(|i| mask & (1 << i) != 0)
                        .map(|i| Endpoint::Replica(NodeId(i)))
                        .collect();
                    let mut b: Vec<Endpoint> = (0..nodes)
                        .filter(|i| mask & (1 << i) == 0)
                        .map(|i| Endpoint::Replica(NodeId(i)))
                        .collect();
                    for c in 0..self.clients {
                        match (cmask >> (2 * c)) & 3 {
                            0 => a.push(Endpoint::Client(ClientId(c))),
                            1 => b.push(Endpoint::Client(ClientId(c))),
                            _ => {}
                        }
                    }
                    if self.controller {
                        // m1 on either side (or, left out, reaching everyone).
                        match (cmask >> 14) & 3 {
                            0 => a.push(Endpoint::Controller),
                            1 => b.push(Endpoint::Controller),
                            _ => {}
                        }
                    }
                    Action::Partition { groups: vec![a, b] }
                }
                Fault::Isolate(i) => Action::Isolate {
                    node: replica(*i, nodes),
                },
                Fault::Heal => Action::Heal,
                Fault::CutLink(s, t, one_way)
                | Fault::SlowLink(s, t, _, one_way)
                | Fault::LossyLink(s, t, _, one_way) => {
                    let source = Endpoint::Replica(replica(*s, nodes));
                    let mut target = endpoint(*t, nodes, self.clients);
                    if target == source {
                        target = Endpoint::Replica(NodeId((source.index() as u8 + 1) % nodes));
                    }
                    if m1(*t) {
                        target = Endpoint::Controller;
                    }
                    match f {
                        Fault::CutLink(..) => Action::CutLink {
                            source,
                            target,
                            one_way: *one_way,
                        },
                        Fault::SlowLink(_, _, factor, _) => Action::SlowLink {
                            source,
                            target,
                            factor: *factor,
                            one_way: *one_way,
                        },
                        Fault::LossyLink(_, _, p, _) => Action::LossyLink {
                            source,
                            target,
                            drop_probability: *p as f64 / 100.0,
                            one_way: *one_way,
                        },
                        _ => unreachable!(),
                    }
                }
                Fault::SlowFan(s, mask, factor) => {
                    let source = replica(*s, nodes);
                    for t in (0..nodes).filter(|&t| t != source.0 && mask & (1 << t) != 0) {
                        events.push(TimedAction {
                            at_ms: *at,
                            action: Action::SlowLink {
                                source: Endpoint::Replica(source),
                                target: Endpoint::Replica(NodeId(t)),
                                factor: *factor,
                                one_way: true,
                            },
                        });
                    }
                    continue;
                }
                Fault::HealLink(s, t) => {
                    let source = Endpoint::Replica(replica(*s, nodes));
                    let mut target = Endpoint::Replica(replica(*t, nodes));
                    if target == source {
                        target = Endpoint::Replica(NodeId((source.index() as u8 + 1) % nodes));
                    }
                    Action::HealLink {
                        source,
                        target,
                        one_way: false,
                    }
                }
                Fault::AddFollower(method) => {
                    if nodes as usize >= replication_sim::ids::MAX_REPLICAS {
                        continue;
                    }
                    nodes += 1;
                    Action::AddFollower {
                        method: CopyMethod::ALL[*method as usize % CopyMethod::ALL.len()],
                    }
                }
                Fault::Failover(i) => Action::Failover {
                    node: i.map(|i| replica(i, nodes)),
                },
                Fault::Write(c) => Action::Write {
                    key: format!("x{}", c % 3),
                    value: format!("{at}"),
                    client: Some(ClientId(c % self.clients)),
                },
                Fault::SetMode(..) if pinned_mode().is_some() => continue,
                Fault::SetMode(m, w) => match m {
                    Mode::Quorum => set(json!({ "mode": m, "write_quorum": w % nodes + 1 })),
                    _ => set(json!({ "mode": m })),
                },
                Fault::SetTimeout(t) => {
                    set(json!({ "failover_timeout_ms": (*t).max(self.heartbeat_ms() + 1) }))
                }
                Fault::SetFencing(f) => set(json!({ "fencing": f })),
                Fault::SetLatency(l) => set(json!({ "latency_ms": l })),
                Fault::Workload(every) => Action::Workload {
                    write_every_ms: if *every < 10 { 0 } else { *every },
                },
            };
            events.push(TimedAction { at_ms: *at, action });
        }
        // The quiet end: heal everything, bring every replica back, stop the writes, and
        // give the cluster time for elections, catch-up and snapshots.
        let quiet_from = self.fault_window_ms + 1;
        events.push(TimedAction {
            at_ms: quiet_from,
            action: Action::Heal,
        });
        events.push(TimedAction {
            at_ms: quiet_from,
            action: set(json!({ "latency_ms": self.latency_ms, "failover_timeout_ms": self.failover_timeout_ms })),
        });
        events.push(TimedAction {
            at_ms: quiet_from,
            action: Action::Workload { write_every_ms: 0 },
        });
        if self.controller {
            events.push(TimedAction {
                at_ms: quiet_from,
                action: Action::RestartController,
            });
        }
        for i in 0..nodes {
            events.push(TimedAction {
                at_ms: quiet_from,
                action: Action::Restart { node: NodeId(i) },
            });
        }
        let copy_ms = (self.initial_rows + 100) * 1000 / 20_000;
        let quiet_ms = 12 * MAX_TIMEOUT_MS + 4 * copy_ms + 4 * 120 * 12;
        // Built as JSON, as a course author would write it, so that fields the format
        // gains later take their defaults.
        let mut cluster = json!({
            "nodes": self.nodes,
            "mode": self.mode,
            "latency_ms": self.latency_ms,
            "client_latency_ms": self.client_latency_ms,
            "jitter_ms": self.jitter_ms,
            "failover_timeout_ms": self.failover_timeout_ms,
            "heartbeat_ms": self.heartbeat_ms(),
            "fencing": self.fencing,
            "initial_rows": self.initial_rows,
            "snapshot_rows_per_s": 20_000,
            "clients": self.clients,
        });
        if self.mode == Mode::Quorum {
            cluster["write_quorum"] = json!(self.write_quorum);
        }
        if self.controller {
            cluster["failover"] = json!("controller");
        }
        if self.until_caught_up {
            cluster["log_retention"] = json!("until_caught_up");
        } else if let Some(r) = self.retention {
            cluster["log_retention_entries"] = json!(r);
        }
        if let Some(room) = self.disk_room {
            cluster["disk_entries"] = json!(self.initial_rows + room);
        }
        if let Some(t) = self.client_timeout_ms {
            cluster["client_timeout_ms"] = json!(t);
        }
        let events: Vec<serde_json::Value> = events
            .iter()
            .map(|e| {
                let mut v: serde_json::Value = serde_json::from_str(&e.action.to_json()).unwrap();
                v["at_ms"] = json!(e.at_ms);
                v
            })
            .collect();
        let scenario = json!({
            "version": 1,
            "title": "random",
            "seed": self.seed,
            "cluster": cluster,
            "workload": {
                "write_every_ms": self.write_every_ms,
                "until_ms": self.fault_window_ms,
                "keys": 7,
                "read_every_ms": self.read_every_ms,
                "read_from": self.read_from,
            },
            "events": events,
            "duration_ms": quiet_from + quiet_ms,
        });
        Scenario::from_value(&scenario).expect("the generator writes the scenario format")
    }

    fn heartbeat_ms(&self) -> u64 {
        (self.failover_timeout_ms / self.heartbeat_div).max(5)
    }
}

/// A `set` action with only the given fields.
fn set(fields: serde_json::Value) -> Action {
    let mut v = fields;
    v["action"] = json!("set");
    Action::from_value(&v).expect("a set action")
}

/// Runs a scenario with every invariant checked after every step, then the quiet-end one.
fn check_scenario(s: &Scenario) -> Result<(), String> {
    let sim = run_checked(s)?;
    quiet_end_converges(&sim).map_err(|e| format!("{e}\n{}", describe(&sim)))
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(96)
}

/// A run the tampering below starts from holds the invariant untampered.
fn inv_ok(sim: &Sim) {
    file_copy_judgements_agree(sim).unwrap();
}

/// The invariants are worth something only if they can fail: each one, shown a run that
/// breaks it (a real one, or a real one tampered with), says so.
#[test]
fn every_invariant_catches_what_it_names() {
    use replication_sim::ids::{ClientId, WriteId};
    use replication_sim::log::Entry;
    use replication_sim::replica::Role;
    let expect = |r: Result<(), String>, name: &str| match r {
        Err(e) => assert!(e.starts_with(name), "{name}: {e}"),
        Ok(()) => panic!("{name} did not notice"),
    };
    // Asynchronous failover loses writes: not allowed of synchronous replication.
    let lossy = run(&preset("async-failover"));
    expect(
        sync_loses_no_confirmed_write(&lossy),
        "sync_loses_no_confirmed_write",
    );
    expect(
        majority_quorum_leader_has_every_confirmed_write(&lossy),
        "majority_quorum_leader_has_every_confirmed_write",
    );
    // Nor is split brain, with fencing.
    expect(
        fencing_loses_nothing_to_split_brain(&run(&preset("split-brain"))),
        "fencing_loses_nothing_to_split_brain",
    );
    // The engine's bookkeeping, tampered with.
    let mut sim = lossy.clone();
    let w = sim.writes.iter().find(|w| w.lost.is_some()).unwrap().id;
    sim.writes.get_mut(w.index()).unwrap().lost = None;
    expect(
        checker_agrees_with_engine(&sim),
        "checker_agrees_with_engine",
    );
    let mut sim = lossy.clone();
    sim.writes.get_mut(0).unwrap().holders = 1;
    expect(
        holders_are_the_replicas_whose_log_has_the_write(&sim),
        "holders_are_the_replicas_whose_log_has_the_write",
    );
    // A write refused for a full disk, found in a log after all; and a leader whose full
    // disk took one more entry.
    let mut sim = run(&preset("retention-keep-log"));
    let refused = sim
        .writes
        .iter()
        .find(|w| matches!(&w.outcome, replication_sim::sim::Outcome::Failed { .. }))
        .unwrap()
        .id;
    sim.replicas[1].log.append(Entry {
        epoch: 1,
        write: refused,
        client: ClientId(0),
    });
    expect(
        write_refused_for_a_full_disk_is_in_no_log(&sim),
        "write_refused_for_a_full_disk_is_in_no_log",
    );
    let mut sim = Sim::new(&preset("retention-keep-log")).unwrap();
    sim.run_until(5_500);
    let mut inv = Invariants::for_scenario(&preset("retention-keep-log"));
    inv.check(&sim).unwrap();
    sim.replicas[0].log.append(Entry {
        epoch: 1,
        write: refused,
        client: ClientId(0),
    });
    expect(inv.check(&sim), "a_full_disk_takes_no_write");
    // A write held by a locked copy, found in the leader's log during the lock.
    let mut sim = Sim::new(&preset("new-follower-locked-copy")).unwrap();
    sim.run_until(1_400);
    let (c, w) = sim.replicas[0].write_lock.as_ref().unwrap().held[0];
    sim.replicas[0].log.append(Entry {
        epoch: 1,
        write: w,
        client: c,
    });
    expect(
        a_locked_copy_confirms_no_write_during_the_lock(&sim),
        "a_locked_copy_confirms_no_write_during_the_lock",
    );
    // A file copy that the engine calls consistent, and a difference it does not report.
    let mut sim = run(&preset("new-follower-file-copy"));
    inv_ok(&sim);
    sim.file_copies[0].read.later_present = None;
    expect(
        file_copy_judgements_agree(&sim),
        "file_copy_judgements_agree",
    );
    let mut sim = run(&preset("new-follower-file-copy"));
    for c in sim.file_copies.iter_mut() {
        c.installed = false;
    }
    expect(
        file_copy_judgements_agree(&sim),
        "file_copy_judgements_agree",
    );
    // A follower whose log changed behind its leader's back.
    let mut sim = run(&preset("follower-catch-up"));
    let last = sim.replicas[1].log.last_position();
    sim.replicas[1].log.truncate_after(last - 1);
    sim.replicas[1].log.append(Entry {
        epoch: 1,
        write: WriteId(0),
        client: ClientId(0),
    });
    expect(
        leader_knows_what_followers_hold(&sim),
        "leader_knows_what_followers_hold",
    );
    expect(
        caught_up_follower_is_prefix_of_leader(&sim),
        "caught_up_follower_is_prefix_of_leader",
    );
    // A run stopped while a follower is down has not converged.
    let mut sim = Sim::new(&preset("follower-catch-up")).unwrap();
    sim.run_until(2000);
    expect(quiet_end_converges(&sim), "quiet_end_converges");
    // Two leaders of one epoch, both with fresh acknowledgements.
    let mut sim = Sim::new(&preset("follower-catch-up")).unwrap();
    sim.run_until(500);
    let mut inv = Invariants::for_scenario(&preset("follower-catch-up"));
    inv.check(&sim).unwrap();
    sim.replicas[1].role = Role::Leader;
    sim.replicas[1].peers[2].acked_sent_at = 490;
    expect(
        fenced_leases_never_overlap(&sim),
        "fenced_leases_never_overlap",
    );
    expect(inv.check(&sim), "one_leader_per_epoch");
    // A leader that loses entries, a replica whose epoch goes back.
    let mut sim = Sim::new(&preset("follower-catch-up")).unwrap();
    sim.run_until(500);
    let mut inv = Invariants::for_scenario(&preset("follower-catch-up"));
    inv.check(&sim).unwrap();
    let last = sim.replicas[0].log.last_position();
    sim.replicas[0].log.truncate_after(last - 1);
    expect(inv.check(&sim), "a_leader_only_appends");
    let mut sim = Sim::new(&preset("follower-catch-up")).unwrap();
    sim.run_until(500);
    let mut inv = Invariants::for_scenario(&preset("follower-catch-up"));
    inv.check(&sim).unwrap();
    sim.replicas[2].voted_epoch = 0;
    expect(inv.check(&sim), "epochs_only_move_forward");
    // A chain tail confirming a write that a member before it lacks (n3's copy removed
    // at the instant the tail n4 sends its confirmation).
    let mut sim = Sim::new(&preset("chain")).unwrap();
    let mut checked = 0;
    loop {
        let before = checked;
        assert!(sim.step(), "the chain's tail confirms something");
        chain_confirmed_write_is_on_every_member(&sim, &mut checked).unwrap();
        let confirmation = sim.in_flight.values().find_map(|m| match &m.payload {
            replication_sim::message::Payload::WriteReply(
                replication_sim::message::WriteReply {
                    write,
                    outcome: replication_sim::message::ReplyOutcome::Confirmed { .. },
                },
            ) if m.id >= before => Some(*write),
            _ => None,
        });
        if let Some(w) = confirmation {
            let log = &sim.replicas[3].log;
            let p = (1..=log.last_position())
                .find(|&p| log.get(p).unwrap().write == w)
                .unwrap();
            sim.replicas[2].log.truncate_after(p - 1);
            let mut again = before;
            expect(
                chain_confirmed_write_is_on_every_member(&sim, &mut again),
                "chain_confirmed_write_is_on_every_member",
            );
            break;
        }
    }
    // A semi-synchronous write confirmed with a single copy.
    let mut sim = Sim::new(&preset("semi-sync")).unwrap();
    sim.run_until(1000);
    semi_sync_keeps_two_copies(&sim).unwrap();
    let confirmed = sim.replicas[0].confirmed;
    let w = sim.replicas[0].log.get(confirmed).unwrap().write;
    sim.writes.get_mut(w.index()).unwrap().holders = 1;
    expect(
        semi_sync_keeps_two_copies(&sim),
        "semi_sync_keeps_two_copies",
    );
    // A failover that leaves a more up-to-date replica behind: at the step where n3 wins
    // the election after n1's crash, n2 (up, and reachable all along) is given an entry
    // beyond the winner's log.
    let s = preset("async-failover");
    let mut sim = Sim::new(&s).unwrap();
    let mut inv = Invariants::for_scenario(&s);
    inv.check(&sim).unwrap();
    loop {
        assert!(sim.step(), "the preset fails over");
        if let Some(l) = sim.current_leader().filter(|_| sim.max_epoch() > 1) {
            let other = sim.replicas.iter().find(|r| r.up && r.id != l).unwrap().id;
            let (epoch, at) = {
                let log = &sim.replicas[l.index()].log;
                (log.last_epoch(), log.last_position())
            };
            let log = &mut sim.replicas[other.index()].log;
            while log.last_position() <= at {
                log.append(Entry {
                    epoch,
                    write: WriteId(0),
                    client: ClientId(0),
                });
            }
            expect(
                inv.check(&sim),
                "failover_elects_the_most_up_to_date_reachable_replica",
            );
            break;
        }
        inv.check(&sim).unwrap();
    }
}

/// The controller's invariant can fail too: at the instant m1 appoints n3, a follower that
/// answered its probe is made (by tampering) more up-to-date than n3.
#[test]
fn the_controller_invariant_catches_a_leader_behind_a_replica_that_answered() {
    use replication_sim::ids::{ClientId, WriteId};
    use replication_sim::log::Entry;
    let s = preset("controller-failover");
    let mut sim = Sim::new(&s).unwrap();
    let mut inv = Invariants::for_scenario(&s);
    while sim.controller.as_ref().unwrap().appointments.is_empty() {
        assert!(sim.step(), "the preset fails over");
        inv.check(&sim).unwrap();
    }
    let a = sim.controller.as_ref().unwrap().appointments[0].clone();
    let (other, _) = *a.answers.iter().find(|(n, _)| *n != a.leader).unwrap();
    let (epoch, at) = {
        let log = &sim.replicas[a.leader.index()].log;
        (log.last_epoch(), log.last_position())
    };
    let log = &mut sim.replicas[other.index()].log;
    while log.last_position() <= at {
        log.append(Entry {
            epoch,
            write: WriteId(0),
            client: ClientId(0),
        });
    }
    let e = inv.check(&sim).unwrap_err();
    assert!(
        e.starts_with("controller_appoints_the_most_up_to_date_reachable_replica"),
        "{e}"
    );
}

/// Every preset under other seeds (other jitter, other timer draws): the invariants hold
/// after every step. A failure names the preset and the seed, and prints the scenario.
#[test]
fn seed_sweep_of_every_preset_holds_the_invariants() {
    let seeds: u64 = std::env::var("SWEEP_SEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6);
    for name in presets() {
        for seed in 0..seeds {
            let mut s = preset(name);
            s.seed = seed;
            if let Err(e) = run_checked(&s) {
                panic!(
                    "preset {name}, seed {seed}: {e}\nscenario:\n{}",
                    s.to_json()
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(cases()) })]

    #[test]
    fn invariants_hold_after_every_step_of_random_scenarios(plan in plan()) {
        let s = plan.scenario();
        s.validate().map_err(|e| TestCaseError::fail(format!("generator made an invalid scenario: {e}\n{}", s.to_json())))?;
        if let Err(e) = check_scenario(&s) {
            return Err(TestCaseError::fail(format!("{e}\nscenario:\n{}", s.to_json())));
        }
    }
}
