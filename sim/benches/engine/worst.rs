//! The worst valid scenarios: every limit of the scenario format at its maximum at once
//! (9 replicas, 9 clients, an hour, writes and reads at the caps, 100,000 keys,
//! 10,000,000 rows of initial data), run natively to their end with their wall time,
//! CPU time and peak memory. The format's caps and the engine's limits exist so that no
//! link can make a reader's tab compute, or remember, without end; this measures what
//! they allow. Target: under 60 s and 1 GB each.
//!
//! Besides the steady run at the caps, the storms a hostile link can add on top: 10,000
//! crashes and restarts, an election storm (heartbeats every 5 ms, a failover timeout of
//! 10 ms, 50 ms links), heartbeats every 5 ms that do hold (0 ms links), and a snapshot
//! storm (a log retention of one entry, so every follower copies the whole log after
//! every failover). The storms run into the engine's event or bulk-copy limit and stop
//! there, with a note saying so; that they stop in time is the point.

use replication_sim::scenario::limits::{MAX_TIME_MS, MAX_WORKLOAD_OPS};
use replication_sim::sim::NoteKind;
use replication_sim::{Scenario, Sim};
use std::time::Instant;

/// Peak resident memory of this process so far, in KB (Linux's VmHWM).
pub fn peak_rss_kb() -> Option<u64> {
    status_kb("VmHWM:")
}

fn rss_kb() -> Option<u64> {
    status_kb("VmRSS:")
}

fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Resets the peak to the current resident size (Linux 4.0 and later), so that the peak
/// read afterwards is this run's, not an earlier piece's.
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The interval at which 9 clients make at most the capped number of operations in an hour.
fn cap_interval_ms() -> u64 {
    (9 * MAX_TIME_MS).div_ceil(MAX_WORKLOAD_OPS)
}

/// 10,000 actions (the most a scenario may have), evenly over the hour: `pattern` gives the
/// action of the `i`th.
fn actions(pattern: impl Fn(u64, u64) -> String) -> String {
    let n = 10_000u64;
    let step = MAX_TIME_MS / (n + 1);
    (0..n)
        .map(|i| pattern(i, (i + 1) * step))
        .collect::<Vec<_>>()
        .join(",")
}

/// A follower or the leader crashes, and restarts at the next action: n2..n9 in turn, and
/// n1 (the first leader, later any replica) every fifth time.
fn crashes(i: u64, at: u64) -> String {
    let node = if (i / 2).is_multiple_of(5) {
        1
    } else {
        (i / 2) % 8 + 2
    };
    let action = if i.is_multiple_of(2) {
        "crash"
    } else {
        "restart"
    };
    format!(r#"{{"at_ms":{at},"action":"{action}","node":"n{node}"}}"#)
}

fn scenario(mode: &str, cluster_extra: &str, events: &str) -> Scenario {
    let every = cap_interval_ms();
    let json = format!(
        r#"{{"version":1,"title":"bench: worst valid scenario","seed":1,
            "cluster":{{"nodes":9,"mode":"{mode}","clients":9,"initial_rows":10000000,
                        "snapshot_rows_per_s":1000000000{cluster_extra}}},
            "workload":{{"write_every_ms":{every},"read_every_ms":{every},"keys":100000}},
            "events":[{events}],"duration_ms":{MAX_TIME_MS}}}"#
    );
    Scenario::from_json(&json).unwrap_or_else(|e| panic!("the worst scenario is invalid: {e}"))
}

/// The worst valid scenarios, by name.
pub fn scenarios() -> Vec<(&'static str, Scenario)> {
    vec![
        ("chain, at the caps", scenario("chain", "", "")),
        ("sync, at the caps", scenario("sync", "", "")),
        (
            "sync, + 10,000 crashes and restarts",
            scenario("sync", "", &actions(crashes)),
        ),
        (
            "sync, election storm (heartbeat 5 ms, timeout 10 ms)",
            scenario("sync", r#","heartbeat_ms":5,"failover_timeout_ms":10"#, ""),
        ),
        (
            "sync, heartbeat 5 ms on 0 ms links",
            scenario(
                "sync",
                r#","heartbeat_ms":5,"failover_timeout_ms":10,"latency_ms":0,"client_latency_ms":0,"jitter_ms":0"#,
                "",
            ),
        ),
        (
            "async, snapshot storm (retention 1, crashes)",
            scenario("async", r#","log_retention_entries":1"#, &actions(crashes)),
        ),
    ]
}

pub struct Worst {
    pub name: String,
    pub wall_ms: f64,
    pub cpu_ms: Option<f64>,
    pub peak_rss_mb: Option<f64>,
    pub start_rss_mb: Option<f64>,
    pub events: u64,
    pub simulated_ms: u64,
    pub writes: usize,
    pub reads: usize,
    pub messages: u64,
    pub notes: usize,
    pub bulk_entries: u64,
    /// The engine's event or bulk-copy limit stopped the run (the note that says so).
    pub stopped_at_ms: Option<u64>,
}

/// Runs `scenario` to its end and measures it.
pub fn measure(name: &str, scenario: &Scenario, cpu_ns: fn() -> Option<u64>) -> Worst {
    let reset = reset_peak_rss();
    let start_rss = rss_kb();
    let cpu_start = cpu_ns();
    let start = Instant::now();
    let mut sim = Sim::new(scenario).expect("the worst scenario is valid");
    sim.run_to_end();
    let wall = start.elapsed();
    let cpu = cpu_start.zip(cpu_ns()).map(|(a, b)| (b - a) as f64 / 1e6);
    let peak = if reset { peak_rss_kb() } else { None };
    let stopped_at_ms = sim
        .notes
        .iter()
        .find(|n| n.kind == NoteKind::Limit)
        .map(|n| n.at_ms);
    Worst {
        name: name.to_string(),
        wall_ms: wall.as_secs_f64() * 1e3,
        cpu_ms: cpu,
        peak_rss_mb: peak.map(|kb| kb as f64 / 1024.0),
        start_rss_mb: start_rss.map(|kb| kb as f64 / 1024.0),
        events: sim.events_processed(),
        simulated_ms: stopped_at_ms.unwrap_or(sim.now()),
        writes: sim.writes.len(),
        reads: sim.reads.len(),
        messages: sim.messages_sent,
        notes: sim.notes.len(),
        bulk_entries: sim.bulk_entries(),
        stopped_at_ms,
    }
}

/// Measures the `index`th worst scenario in a fresh process (this bench, run again with
/// `ENGINE_BENCH_ONLY=worst-one`), so that its peak memory is its own: memory freed by an
/// earlier run stays with the process and would count again.
pub fn measure_in_child(index: usize) -> Option<Worst> {
    let exe = std::env::current_exe().ok()?;
    let out = std::process::Command::new(exe)
        .env("ENGINE_BENCH_ONLY", "worst-one")
        .env("WORST_INDEX", index.to_string())
        .output()
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    let f = |k: &str| v[k].as_f64();
    let u = |k: &str| v[k].as_u64();
    Some(Worst {
        name: v["scenario"].as_str()?.to_string(),
        wall_ms: f("wall_ms")?,
        cpu_ms: f("cpu_ms"),
        peak_rss_mb: f("peak_rss_mb"),
        start_rss_mb: f("rss_before_mb"),
        events: u("events")?,
        simulated_ms: u("simulated_ms")?,
        writes: u("writes")? as usize,
        reads: u("reads")? as usize,
        messages: u("messages_sent")?,
        notes: u("notes")? as usize,
        bulk_entries: u("log_entries_moved_in_bulk")?,
        stopped_at_ms: u("stopped_by_engine_limit_at_ms"),
    })
}

pub fn meets(w: &Worst) -> bool {
    w.wall_ms < 60_000.0 && w.peak_rss_mb.is_some_and(|m| m < 1024.0)
}

pub fn line(w: &Worst) -> String {
    format!(
        "   {:<52} {:>6.1} {:>6} {:>7} {:>10} {:>8} {:>8} {:>12}  {}",
        w.name,
        w.wall_ms / 1e3,
        w.cpu_ms.map_or("?".into(), |c| format!("{:.1}", c / 1e3)),
        w.peak_rss_mb.map_or("?".into(), |m| format!("{m:.0}")),
        w.events,
        w.writes,
        w.reads,
        match w.stopped_at_ms {
            Some(t) => format!("limit {} s", t / 1000),
            None => "end (1 h)".into(),
        },
        if meets(w) { "meets" } else { "MISSES" }
    )
}

pub fn header() -> String {
    format!(
        "   {:<52} {:>6} {:>6} {:>7} {:>10} {:>8} {:>8} {:>12}  vs target",
        "scenario", "wall s", "CPU s", "peak MB", "events", "writes", "reads", "ran to"
    )
}

pub fn json(w: &Worst) -> serde_json::Value {
    serde_json::json!({
        "scenario": w.name,
        "wall_ms": w.wall_ms,
        "cpu_ms": w.cpu_ms,
        "peak_rss_mb": w.peak_rss_mb,
        "rss_before_mb": w.start_rss_mb,
        "events": w.events,
        "simulated_ms": w.simulated_ms,
        "stopped_by_engine_limit_at_ms": w.stopped_at_ms,
        "writes": w.writes,
        "reads": w.reads,
        "messages_sent": w.messages,
        "notes": w.notes,
        "log_entries_moved_in_bulk": w.bulk_entries,
        "target": "under 60 s and 1 GB",
        "meets_target": meets(w),
    })
}
