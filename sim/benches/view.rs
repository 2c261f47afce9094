//! What one animation frame's `Sim::view` costs as a run grows: 5 replicas, asynchronous, a
//! write every 7 ms, a leader crash (and failover, losing writes) every minute, measured when
//! the run has made 10,000, 100,000 and 499,000 writes. 500,000 is the most writes a valid
//! scenario can make (`MAX_WORKLOAD_OPS`), so a run of a million writes cannot be built.
//! A figure, never a timed test.
//!
//!   cargo bench -p replication-sim --bench view

use replication_sim::scenario::Scenario;
use replication_sim::{Sim, ViewOptions};
use std::hint::black_box;
use std::time::Instant;

const CALLS: usize = 2_000;

fn scenario() -> Scenario {
    let duration_ms = 3_499_000u64;
    let mut events = Vec::new();
    let mut t = 30_000;
    let mut k = 0;
    while t + 10_000 < duration_ms && events.len() < 9_000 {
        let node = format!("n{}", k % 5 + 1);
        events.push(format!(
            r#"{{"at_ms":{t},"action":"crash","node":"{node}"}}"#
        ));
        events.push(format!(
            r#"{{"at_ms":{},"action":"restart","node":"{node}"}}"#,
            t + 5_000
        ));
        t += 60_000;
        k += 1;
    }
    let json = format!(
        r#"{{"version":1,"title":"view bench","seed":7,"cluster":{{"nodes":5,"mode":"async"}},"workload":{{"write_every_ms":7}},"events":[{}],"duration_ms":{duration_ms}}}"#,
        events.join(",")
    );
    Scenario::from_json(&json).unwrap_or_else(|e| panic!("the bench scenario is invalid: {e}"))
}

fn main() {
    let mut sim = Sim::new(&scenario()).expect("valid");
    let opts = ViewOptions::default();
    println!("Sim::view(default), 5 replicas, {CALLS} calls at each point:");
    println!(
        "  {:>9} {:>9} {:>8} {:>9} {:>9} {:>9}",
        "writes", "lost", "listed", "p50 us", "p95 us", "max us"
    );
    for target in [10_000usize, 100_000, 499_000] {
        while sim.writes.len() < target && sim.now() < sim.end_ms() {
            let next = sim.now() + 1_000;
            sim.run_until(next);
        }
        let mut times: Vec<f64> = (0..CALLS)
            .map(|_| {
                let start = Instant::now();
                let v = sim.view(black_box(&opts));
                let took = start.elapsed().as_secs_f64() * 1e6;
                black_box(&v);
                took
            })
            .collect();
        times.sort_by(|a, b| a.total_cmp(b));
        let v = sim.view(&opts);
        println!(
            "  {:>9} {:>9} {:>8} {:>9.1} {:>9.1} {:>9.1}",
            sim.writes.len(),
            v.counts.lost,
            v.writes.len(),
            times[CALLS / 2],
            times[CALLS * 95 / 100],
            times[CALLS - 1]
        );
    }
}
