//! Engine benchmark: prints figures, never passes or fails (DESIGN.md, "Testing layers").
//!
//!     cargo bench -p replication-sim --bench engine
//!
//! 1. Throughput (events per second) on long runs with failures, in async, sync and chain
//!    mode: crashes and restarts of followers and of the leader, a partition and its heal,
//!    a slow link, an added follower.
//! 2. Seek time through a `Timeline`, in a run of at least 100,000 events and in the long
//!    async run: to random instants, and to every timeline marker (notable event-log
//!    sentences: crashes, new leaders, lost writes, snapshots), where the costly events are.
//! 3. Cost of a checkpoint (`Sim::clone`) at the end of the long run, and of `Sim::view`
//!    on a 5-replica cluster mid-run (the UI calls it every animation frame).
//! 4. The worst valid scenarios (`engine/worst.rs`): every limit at its maximum, and the
//!    storms a hostile link can add; wall time, CPU time and peak memory of each, run
//!    first, while the process is small. Target: under 60 s and 1 GB.
//!
//! Figures go to standard output as a table, with the targets beside them, and to
//! `bench-results/engine.json` at the workspace root. Wall-clock time is read here only;
//! the engine never reads a clock.
//!
//! For profiling, `ENGINE_BENCH_ONLY=<piece>` runs one piece once (see `fn only`), e.g.
//! `ENGINE_BENCH_ONLY=async valgrind --tool=callgrind target/release/deps/engine-<hash>`.

use replication_sim::sim::NoteKind;
use replication_sim::{Action, NodeId, Scenario, Sim, Timeline, ViewOptions};
use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

#[path = "engine/worst.rs"]
mod worst;

/// Simulated length of the long throughput runs.
const LONG_MS: u64 = 600_000;
/// Runs of each long scenario; the median and the best are reported.
const RUNS: usize = 5;
/// Seeks in the seek test.
const SEEKS: usize = 1_000;
/// Events the seek test's run must reach at least.
const SEEK_MIN_EVENTS: u64 = 100_000;
const CLONES: usize = 200;
const VIEWS: usize = 2_000;

const TARGET_EVENTS_PER_S: f64 = 2_000_000.0;
const TARGET_SEEK_MS: f64 = 16.0;

// ----- Scenarios ------------------------------------------------------------------------

const CYCLE: u64 = 20_000;

/// Five replicas under a steady workload (two clients, a write every 5 ms each) for
/// `duration_ms`, with a 20-second cycle of faults repeated throughout:
///
/// * +0 s   a follower crashes; +3 s it restarts and catches up;
/// * +4 s   manual failover to a chosen replica;
/// * +6 s   the sitting leader crashes, so the followers' failover timers elect another;
///   +9 s it restarts as a follower (discarding what it confirmed alone) and catches up;
/// * +11 s  a partition cuts two replicas from the rest; +14 s heal;
/// * +15 s  a slow link (×20 both ways) between two replicas; +18 s heal it;
///
/// and one `add_follower` at about 70 % of the run (a snapshot plus log catch-up), after
/// which the partitions list the sixth replica too.
///
/// Which replica leads, or is a follower, at +0 s and +6 s depends on the run, so those
/// crashes are chosen by running the scenario once and injecting them (`Sim::inject`, as
/// a reader's click does); the scenario the engine records then replays exactly.
fn long_scenario(mode: &str, duration_ms: u64) -> Scenario {
    let mut sim = Sim::new(&base_scenario(mode, duration_ms)).expect("valid");
    let inject = |sim: &mut Sim, at: u64, action: Action| {
        sim.run_until(at - 1);
        if sim.now() + 1 == at {
            sim.inject(action).expect("a valid action");
        }
    };
    let mut k = 0u64;
    while 1_000 + (k + 1) * CYCLE <= duration_ms {
        let t = 1_000 + k * CYCLE;
        sim.run_until(t - 1);
        let leader = sim.current_leader();
        let n = sim.replicas.len() as u64;
        let follower = (0..n)
            .map(|i| NodeId(((k + 2 + i) % n) as u8))
            .find(|&f| Some(f) != leader && sim.replicas[f.index()].up);
        if let Some(f) = follower {
            inject(&mut sim, t, Action::Crash { node: f });
            inject(&mut sim, t + 3_000, Action::Restart { node: f });
        }
        sim.run_until(t + 6_000 - 1);
        if let Some(l) = sim.current_leader() {
            inject(&mut sim, t + 6_000, Action::Crash { node: l });
            inject(&mut sim, t + 9_000, Action::Restart { node: l });
        }
        k += 1;
    }
    (*sim.scenario).clone()
}

/// The scheduled part of [`long_scenario`]: everything but the crashes.
fn base_scenario(mode: &str, duration_ms: u64) -> Scenario {
    let add_at = (duration_ms * 7 / 10) / CYCLE * CYCLE + 19_500;
    let mut events: Vec<String> = Vec::new();
    let n = |i: u64| format!("\"n{}\"", i % 5 + 1);
    let mut k = 0u64;
    loop {
        let t = 1_000 + k * CYCLE;
        if t + CYCLE > duration_ms {
            break;
        }
        let nodes = if t + 11_000 > add_at { 6 } else { 5 };
        let lead = k;
        let (pa, pb) = (k + 1, k + 3);
        let minority = [pa % 5, pb % 5];
        let majority: Vec<String> = (0..nodes)
            .filter(|i| !minority.contains(i))
            .map(|i| format!("\"n{}\"", i + 1))
            .collect();
        events.push(format!(
            r#"{{"at_ms":{},"action":"failover","node":{}}}"#,
            t + 4_000,
            n(lead)
        ));
        events.push(format!(
            r#"{{"at_ms":{},"action":"partition","groups":[[{},{}],[{}]]}}"#,
            t + 11_000,
            n(pa),
            n(pb),
            majority.join(",")
        ));
        events.push(format!(r#"{{"at_ms":{},"action":"heal"}}"#, t + 14_000));
        events.push(format!(
            r#"{{"at_ms":{},"action":"slow_link","source":{},"target":{},"factor":20}}"#,
            t + 15_000,
            n(k + 1),
            n(k + 4)
        ));
        events.push(format!(
            r#"{{"at_ms":{},"action":"heal_link","source":{},"target":{}}}"#,
            t + 18_000,
            n(k + 1),
            n(k + 4)
        ));
        k += 1;
    }
    if add_at < duration_ms {
        events.push(format!(r#"{{"at_ms":{add_at},"action":"add_follower"}}"#));
    }
    let json = format!(
        r#"{{ "version": 1, "title": "bench: long {mode} run with failures", "seed": 2024,
             "cluster": {{ "nodes": 5, "mode": "{mode}", "latency_ms": 20, "client_latency_ms": 5,
                          "jitter_ms": 5, "failover_timeout_ms": 500, "heartbeat_ms": 100,
                          "fencing": true, "clients": 2, "initial_rows": 10000,
                          "snapshot_rows_per_s": 200000 }},
             "workload": {{ "write_every_ms": 5, "keys": 1000 }},
             "events": [{}],
             "duration_ms": {duration_ms} }}"#,
        events.join(",\n")
    );
    Scenario::from_json(&json).unwrap_or_else(|e| panic!("the bench scenario is invalid: {e}"))
}

// ----- Statistics -----------------------------------------------------------------------

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Nearest-rank percentile of sorted values.
fn pct(sorted: &[f64], p: f64) -> f64 {
    assert!(!sorted.is_empty());
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v
}

/// xorshift64*: deterministic instants for the seeks, no extra crates.
struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

// ----- 1. Throughput --------------------------------------------------------------------

struct Throughput {
    mode: &'static str,
    sim_ms: u64,
    events: u64,
    wall_ms: Vec<f64>,
    median_eps: f64,
    best_eps: f64,
    /// CPU time this thread got during each run, where Linux tells it: on a shared machine,
    /// events per CPU-second say how fast the engine is, events per wall second how fast
    /// it was here and now.
    cpu_ms: Vec<f64>,
    median_eps_cpu: Option<f64>,
    epochs: u32,
    writes: usize,
    messages: u64,
    trace_hash: u64,
    /// Evidence that failover was exercised: crashes of the sitting leader, lost writes.
    leader_crashes: usize,
    lost_writes: usize,
}

fn throughput(mode: &'static str, scenario: &Scenario) -> (Throughput, Sim) {
    let mut wall = Vec::new();
    let mut cpu = Vec::new();
    let mut last = None;
    let mut hashes = Vec::new();
    for _ in 0..RUNS {
        let mut sim = Sim::new(scenario).expect("valid");
        let cpu_start = thread_cpu_ns();
        let start = Instant::now();
        sim.run_to_end();
        let took = start.elapsed();
        let cpu_end = thread_cpu_ns();
        black_box(sim.trace_hash());
        wall.push(ms(took));
        if let (Some(a), Some(b)) = (cpu_start, cpu_end) {
            cpu.push((b - a) as f64 / 1e6);
        }
        hashes.push((sim.events_processed(), sim.trace_hash()));
        last = Some(sim);
    }
    let sim = last.unwrap();
    if !hashes.windows(2).all(|w| w[0] == w[1]) {
        // Not this bench's business to fail on; the engine's tests check determinism.
        eprintln!("warning: {mode}: runs of one scenario differ (events, trace hash): {hashes:?}");
    }
    let events = sim.events_processed();
    let s = sorted(wall.clone());
    let median = pct(&s, 50.0);
    let best = s[0];
    let t = Throughput {
        mode,
        sim_ms: sim.now(),
        events,
        median_eps: events as f64 / (median / 1e3),
        best_eps: events as f64 / (best / 1e3),
        wall_ms: wall,
        median_eps_cpu: (cpu.len() == RUNS)
            .then(|| events as f64 / (pct(&sorted(cpu.clone()), 50.0) / 1e3)),
        cpu_ms: cpu,
        epochs: sim.max_epoch(),
        writes: sim.writes.len(),
        messages: sim.messages_sent,
        trace_hash: sim.trace_hash(),
        leader_crashes: sim
            .notes
            .iter()
            .filter(|n| n.kind == NoteKind::Crash && n.text.contains("was the leader"))
            .count(),
        lost_writes: sim.writes.iter().filter(|w| w.lost.is_some()).count(),
    };
    (t, sim)
}

// ----- 2. Seek ------------------------------------------------------------------------

struct Seek {
    seeks: usize,
    sim_ms: u64,
    events: u64,
    build_ms: f64,
    checkpoints: usize,
    p50: f64,
    p95: f64,
    p99: f64,
    max: f64,
    mean: f64,
    over_target: usize,
    /// The slowest seek: its instant and the events it replayed from its checkpoint.
    slowest_at_ms: u64,
    slowest_replayed: u64,
}

/// The long async scenario, cut at a length that gives at least SEEK_MIN_EVENTS events
/// (found by running it, so the figure stays honest if the engine's event count changes).
fn seek_scenario() -> Scenario {
    let mut duration = 40_000u64;
    loop {
        let s = long_scenario("async", duration);
        let mut sim = Sim::new(&s).expect("valid");
        sim.run_to_end();
        let events = sim.events_processed();
        if events >= SEEK_MIN_EVENTS || duration >= 3_000_000 {
            return s;
        }
        let grow = (SEEK_MIN_EVENTS as f64 * 1.05 / events.max(1) as f64).max(1.1);
        duration = ((duration as f64 * grow) as u64 / 1_000 + 1) * 1_000;
    }
}

/// Builds a Timeline over the whole run, then seeks (1) to SEEKS random instants and (2) to
/// the instant of every notable event-log sentence (crash, restart, new leader, lost
/// writes, snapshot, ...): the markers a reader clicks on the timeline, which sit right
/// where the expensive events are.
fn seek(scenario: &Scenario) -> (Seek, Seek) {
    let start = Instant::now();
    let mut tl = Timeline::new(Sim::new(scenario).expect("valid"));
    let end = tl.head().end_ms();
    tl.advance_to(end);
    let build = ms(start.elapsed());
    let head = tl.head();
    let (events, sim_ms, checkpoints) = (head.events_processed(), head.now(), tl.checkpoints());

    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let random: Vec<u64> = (0..SEEKS).map(|_| rng.below(sim_ms + 1)).collect();
    let mut markers: Vec<u64> = head
        .notes
        .iter()
        .filter(|n| n.kind.notable())
        .map(|n| n.at_ms)
        .collect();
    markers.dedup();

    let interval = tl.checkpoint_interval();
    let mut run = |instants: &[u64]| -> Seek {
        let mut times = Vec::with_capacity(instants.len());
        let mut slowest = (0.0, 0, 0);
        for &t in instants {
            let start = Instant::now();
            let sim = tl.seek(t);
            let took = ms(start.elapsed());
            // Checkpoints fall every `interval` events, so this is what was replayed.
            let replayed = black_box(sim.events_processed()) % interval;
            drop(sim);
            if took > slowest.0 {
                slowest = (took, t, replayed);
            }
            times.push(took);
        }
        let mean = times.iter().sum::<f64>() / times.len().max(1) as f64;
        let over_target = times.iter().filter(|&&t| t >= TARGET_SEEK_MS).count();
        let s = sorted(times);
        Seek {
            sim_ms,
            events,
            build_ms: build,
            checkpoints,
            seeks: s.len(),
            p50: pct(&s, 50.0),
            p95: pct(&s, 95.0),
            p99: pct(&s, 99.0),
            max: *s.last().unwrap(),
            mean,
            over_target,
            slowest_at_ms: slowest.1,
            slowest_replayed: slowest.2,
        }
    };
    let r = run(&random);
    let m = run(&markers);
    (r, m)
}

// ----- 3. Clone and view ----------------------------------------------------------------

struct Micro {
    p50: f64,
    p95: f64,
    max: f64,
}

fn micro(times: Vec<f64>) -> Micro {
    let s = sorted(times);
    Micro {
        p50: pct(&s, 50.0),
        p95: pct(&s, 95.0),
        max: *s.last().unwrap(),
    }
}

fn clone_cost(end_of_long_run: &Sim) -> Micro {
    let mut times = Vec::with_capacity(CLONES);
    for _ in 0..CLONES {
        let start = Instant::now();
        let c = end_of_long_run.clone();
        let took = start.elapsed();
        black_box(&c);
        drop(c);
        times.push(us(took));
    }
    micro(times)
}

struct ViewCost {
    at_ms: u64,
    replicas: usize,
    /// Writes the view lists (the most recent, plus every lost write), and writes in all.
    listed_writes: usize,
    total_writes: usize,
    messages: usize,
    events: u64,
    cost: Micro,
}

fn view_cost(scenario: &Scenario) -> ViewCost {
    let mut sim = Sim::new(scenario).expect("valid");
    // Mid-run, between the partition's heal and the slow link of a cycle, before the
    // sixth replica joins; messages in flight and a full history behind.
    let at = LONG_MS / 2 + 1_000 + 14_500;
    sim.run_until(at);
    let opts = ViewOptions::default();
    let first = sim.view(&opts);
    let (replicas, listed_writes, messages) = (
        first.replicas.len(),
        first.writes.len(),
        first.messages.len(),
    );
    drop(first);
    let mut times = Vec::with_capacity(VIEWS);
    for _ in 0..VIEWS {
        let start = Instant::now();
        let v = sim.view(black_box(&opts));
        let took = start.elapsed();
        black_box(&v);
        drop(v);
        times.push(us(took));
    }
    ViewCost {
        at_ms: sim.now(),
        replicas,
        listed_writes,
        total_writes: sim.writes.len(),
        messages,
        events: sim.events_processed(),
        cost: micro(times),
    }
}

// ----- Report ---------------------------------------------------------------------------

fn print_seek(out: &mut String, run: &str, to: &str, sk: &Seek) {
    writeln!(
        out,
        "   {} seeks to {to}, in the {run}: {} events, {} s simulated; Timeline built in {:.1} ms, {} checkpoints",
        sk.seeks,
        sk.events,
        sk.sim_ms / 1_000,
        sk.build_ms,
        sk.checkpoints
    )
    .unwrap();
    writeln!(
        out,
        "   {:<28} {:>12}  {:<18} vs target",
        "figure", "value", "target"
    )
    .unwrap();
    for (name, v) in [
        ("seek p50 (ms)", sk.p50),
        ("seek p95 (ms)", sk.p95),
        ("seek p99 (ms)", sk.p99),
        ("seek mean (ms)", sk.mean),
    ] {
        writeln!(
            out,
            "   {:<28} {:>12.3}  {:<18} {}",
            name,
            v,
            "< 16 ms",
            verdict(v < TARGET_SEEK_MS)
        )
        .unwrap();
    }
    writeln!(
        out,
        "   {:<28} {:>12.3}  {:<18} {} ({} of {} seeks at or over 16 ms)",
        "seek max (ms)",
        sk.max,
        "every seek < 16 ms",
        verdict(sk.max < TARGET_SEEK_MS),
        sk.over_target,
        sk.seeks
    )
    .unwrap();
    writeln!(
        out,
        "   slowest seek: to {} ms, replaying {} events from its checkpoint",
        sk.slowest_at_ms, sk.slowest_replayed
    )
    .unwrap();
}

fn seek_json(run: &str, to: &str, sk: &Seek) -> serde_json::Value {
    serde_json::json!({
        "run": run,
        "seeks_to": to,
        "events": sk.events,
        "simulated_ms": sk.sim_ms,
        "timeline_build_ms": sk.build_ms,
        "checkpoints": sk.checkpoints,
        "seeks": sk.seeks,
        "p50_ms": sk.p50,
        "p95_ms": sk.p95,
        "p99_ms": sk.p99,
        "max_ms": sk.max,
        "mean_ms": sk.mean,
        "seeks_at_or_over_target": sk.over_target,
        "slowest_seek_at_ms": sk.slowest_at_ms,
        "slowest_seek_replayed_events": sk.slowest_replayed,
        "target_max_ms": TARGET_SEEK_MS,
    })
}

/// CPU time this thread has run, from /proc/thread-self/schedstat (Linux; updated at
/// scheduler ticks, so good to a few ms: fine for runs of a second, not for one seek).
fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The 1, 5 and 15 minute load averages, where Linux tells them.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "meets"
    } else {
        "MISSES"
    }
}

/// `ENGINE_BENCH_ONLY=async|sync|chain|seek|view|steps|steps-long|sizes|worst|worst-json|worst-file` runs one piece once
/// and prints a line or two, for profiling under perf or callgrind, not for figures. `steps`
/// and `steps-long` list the slowest single events of the seek run and of the long async
/// run. Building a long scenario runs it once (to choose the crashes), so a profile of
/// `async` covers two runs of the same work.
fn only(piece: &str) {
    match piece {
        "async" | "sync" | "chain" => {
            let scenario = long_scenario(piece, LONG_MS);
            let t = Instant::now();
            let mut sim = Sim::new(&scenario).expect("valid");
            sim.run_to_end();
            println!(
                "{piece}: {} events in {:.1} ms",
                sim.events_processed(),
                ms(t.elapsed())
            );
        }
        "seek" => {
            let (r, m) = seek(&seek_scenario());
            for s in [r, m] {
                println!(
                    "seek: {} seeks, p50 {:.3} ms, max {:.3} ms at {} ms",
                    s.seeks, s.p50, s.max, s.slowest_at_ms
                );
            }
        }
        "view" => {
            // How much of view() a bare pass over every write costs (the Counts loop does one).
            let mut sim = Sim::new(&long_scenario("async", LONG_MS)).expect("valid");
            sim.run_until(LONG_MS / 2 + 15_500);
            let mut scan = Vec::new();
            for _ in 0..200 {
                let start = Instant::now();
                let n = black_box(&sim)
                    .writes
                    .iter()
                    .filter(|w| w.lost.is_some() || w.is_confirmed())
                    .count();
                scan.push(us(start.elapsed()));
                black_box(n);
            }
            println!(
                "one pass over {} writes: p50 {:.1} us",
                sim.writes.len(),
                micro(scan).p50
            );
            let v = view_cost(&long_scenario("async", LONG_MS));
            println!(
                "view: p50 {:.1} us, {} writes listed of {}, {} messages",
                v.cost.p50, v.listed_writes, v.total_writes, v.messages
            );
        }
        "sizes" => {
            use replication_sim::sim::InFlight;
            println!(
                "size_of: InFlight {} B, Payload {} B, WriteRecord {} B, Entry {} B",
                std::mem::size_of::<InFlight>(),
                std::mem::size_of::<replication_sim::message::Payload>(),
                std::mem::size_of::<replication_sim::sim::WriteRecord>(),
                std::mem::size_of::<replication_sim::log::Entry>()
            );
        }
        "steps" | "steps-long" => {
            // The slowest single events of the seek run (or the long async run), with what they were.
            let scenario = if piece == "steps" {
                seek_scenario()
            } else {
                long_scenario("async", LONG_MS)
            };
            let mut sim = Sim::new(&scenario).expect("valid");
            sim.record_trace();
            let mut slow: Vec<(f64, u64, String)> = Vec::new();
            loop {
                let start = Instant::now();
                if !sim.step() {
                    break;
                }
                let took = us(start.elapsed());
                if took > 100.0 {
                    let e = sim.trace().and_then(|t| t.last()).map(|e| {
                        format!("{} {:?}->{:?} {}", e.event, e.source, e.target, e.detail)
                    });
                    slow.push((took, sim.now(), e.unwrap_or_default()));
                }
            }
            slow.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap());
            for (took, at, what) in slow.iter().take(15) {
                println!(
                    "{took:>9.1} us at {at} ms: {}",
                    what.chars().take(160).collect::<String>()
                );
            }
        }
        "worst" => {
            println!("{}", worst::header());
            for i in 0..worst::scenarios().len() {
                match worst::measure_in_child(i) {
                    Some(w) => println!("{}", worst::line(&w)),
                    None => println!("   worst scenario {i}: the measuring process failed"),
                }
            }
        }
        "worst-one" => {
            let i: usize = std::env::var("WORST_INDEX")
                .ok()
                .and_then(|i| i.parse().ok())
                .unwrap_or(0);
            let (name, scenario) = worst::scenarios().swap_remove(i);
            let w = worst::measure(name, &scenario, thread_cpu_ns);
            println!("{}", worst::json(&w));
        }
        "worst-timeline" => {
            // The app's way through a run: a Timeline, checkpointing every 1,000 events.
            let (name, scenario) = match std::env::var("WORST_FILE") {
                Ok(path) => {
                    let text = std::fs::read_to_string(&path).expect("a readable scenario file");
                    (
                        "file",
                        Scenario::from_json(&text).unwrap_or_else(|e| panic!("{e}")),
                    )
                }
                Err(_) => worst::scenarios().swap_remove(0),
            };
            let start = Instant::now();
            let mut timeline = Timeline::new(Sim::new(&scenario).expect("valid"));
            timeline.advance_to(scenario.end_ms());
            println!(
                "{name}, as a Timeline: {:.1} s, {} checkpoints {} events apart holding {} MB of their own, peak {} MB",
                start.elapsed().as_secs_f64(),
                timeline.checkpoints(),
                timeline.checkpoint_interval(),
                timeline.checkpoint_bytes() >> 20,
                worst::peak_rss_kb().map_or("?".into(), |kb| (kb / 1024).to_string())
            );
        }
        "worst-json" => {
            // WORST_DIR=folder: writes each worst scenario as a file, for the browser's
            // figures (`e2e/bench-worst.mjs`).
            let dir = std::env::var("WORST_DIR").unwrap_or_else(|_| {
                concat!(env!("CARGO_MANIFEST_DIR"), "/../bench-results").into()
            });
            std::fs::create_dir_all(&dir).expect("a folder for the scenarios");
            for (i, (name, scenario)) in worst::scenarios().into_iter().enumerate() {
                let path = format!("{dir}/worst-{i}.json");
                std::fs::write(&path, scenario.to_json()).expect("a writable file");
                println!("{path}: {name}");
            }
        }
        "worst-file" => {
            // WORST_FILE=scenario.json: one scenario file, measured as the worst ones are.
            let path = std::env::var("WORST_FILE").expect("WORST_FILE names a scenario file");
            let text = std::fs::read_to_string(&path).expect("a readable scenario file");
            let scenario = Scenario::from_json(&text).unwrap_or_else(|e| panic!("{e}"));
            println!("{}", worst::header());
            println!(
                "{}",
                worst::line(&worst::measure(&path, &scenario, thread_cpu_ns))
            );
        }
        other => eprintln!("ENGINE_BENCH_ONLY: unknown piece {other}"),
    }
}

fn main() {
    if let Ok(piece) = std::env::var("ENGINE_BENCH_ONLY") {
        return only(&piece);
    }
    let t0 = Instant::now();
    let load_at_start = loadavg();
    let mut out = String::new();
    let mut json_modes = Vec::new();

    eprintln!("engine bench: the worst valid scenarios ...");
    let worst_runs: Vec<worst::Worst> = worst::scenarios()
        .iter()
        .enumerate()
        .map(|(i, (name, scenario))| {
            eprintln!("  {name}");
            // In a fresh process for its own peak memory; here if that fails.
            worst::measure_in_child(i)
                .unwrap_or_else(|| worst::measure(name, scenario, thread_cpu_ns))
        })
        .collect();

    eprintln!(
        "engine bench: throughput ({RUNS} runs per mode, {} s simulated each) ...",
        LONG_MS / 1_000
    );
    let mut end_of_async = None;
    let mut rows = Vec::new();
    let async_long = long_scenario("async", LONG_MS);
    for mode in ["async", "sync", "chain"] {
        let scenario = if mode == "async" {
            async_long.clone()
        } else {
            long_scenario(mode, LONG_MS)
        };
        let (t, sim) = throughput(mode, &scenario);
        if mode == "async" {
            end_of_async = Some(sim);
        }
        rows.push(t);
    }
    eprintln!("engine bench: seek ...");
    let (short_random, short_markers) = seek(&seek_scenario());
    let (long_random, long_markers) = seek(&async_long);
    let seeks = [
        (
            "run of at least 100,000 events",
            "random instants",
            short_random,
        ),
        (
            "run of at least 100,000 events",
            "every timeline marker",
            short_markers,
        ),
        (
            "long async run of section 1",
            "random instants",
            long_random,
        ),
        (
            "long async run of section 1",
            "every timeline marker",
            long_markers,
        ),
    ];
    eprintln!("engine bench: clone and view ...");
    let end_sim = end_of_async.unwrap();
    let cl = clone_cost(&end_sim);
    let vw = view_cost(&async_long);

    let line = "-".repeat(100);
    writeln!(
        out,
        "\nReplication Lab engine benchmark (profile bench: opt-level 3, thin LTO)"
    )
    .unwrap();
    writeln!(out, "load average at start: {load_at_start} (2 cores; other work on the machine slows the medians)").unwrap();
    writeln!(out, "{line}").unwrap();
    writeln!(out, "1. Throughput: 5 replicas, 2 clients x 1 write / 5 ms, {} s simulated, crashes of followers", LONG_MS / 1_000)
        .unwrap();
    writeln!(out, "   and leaders, manual failovers, partitions, slow links, one add_follower; {RUNS} runs each").unwrap();
    writeln!(out, "   (lost: confirmed writes lost; ldr x: crashes of the sitting leader; ev/s: events / wall time of run_to_end,").unwrap();
    writeln!(out, "   median and best of the runs; ev/CPU-s: events / CPU time the thread got, median; vs target: median ev/s)").unwrap();
    writeln!(
        out,
        "   {:<6} {:>9} {:>6} {:>7} {:>5} {:>5} {:>9} {:>9} {:>11} {:>11} {:>11}  {:<17} vs target",
        "mode",
        "events",
        "epochs",
        "writes",
        "lost",
        "ldr x",
        "messages",
        "median ms",
        "median ev/s",
        "best ev/s",
        "ev/CPU-s",
        "target"
    )
    .unwrap();
    for t in &rows {
        let s = sorted(t.wall_ms.clone());
        writeln!(
            out,
            "   {:<6} {:>9} {:>6} {:>7} {:>5} {:>5} {:>9} {:>9.1} {:>11.0} {:>11.0} {:>11}  {:<17} {}",
            t.mode,
            t.events,
            t.epochs,
            t.writes,
            t.lost_writes,
            t.leader_crashes,
            t.messages,
            pct(&s, 50.0),
            t.median_eps,
            t.best_eps,
            t.median_eps_cpu.map(|e| format!("{e:.0}")).unwrap_or_else(|| "n/a".into()),
            ">= 2,000,000 ev/s",
            verdict(t.median_eps >= TARGET_EVENTS_PER_S)
        )
        .unwrap();
        json_modes.push(serde_json::json!({
            "mode": t.mode,
            "simulated_ms": t.sim_ms,
            "events": t.events,
            "epochs": t.epochs,
            "writes": t.writes,
            "messages_sent": t.messages,
            "lost_writes": t.lost_writes,
            "leader_crashes": t.leader_crashes,
            "trace_hash": format!("{:016x}", t.trace_hash),
            "wall_ms": t.wall_ms,
            "median_events_per_s": t.median_eps.round(),
            "best_events_per_s": t.best_eps.round(),
            "cpu_ms": t.cpu_ms,
            "median_events_per_cpu_s": t.median_eps_cpu.map(|e| e.round()),
            "target_events_per_s": TARGET_EVENTS_PER_S,
        }));
    }
    writeln!(out, "{line}").unwrap();
    writeln!(out, "2. Seek: Timeline::new + advance_to(end), then seeks to {SEEKS} random instants (xorshift, fixed seed)").unwrap();
    writeln!(
        out,
        "   and to every timeline marker (the instant of each notable event-log sentence)"
    )
    .unwrap();
    for (run, to, sk) in &seeks {
        print_seek(&mut out, run, to, sk);
    }
    writeln!(out, "{line}").unwrap();
    writeln!(
        out,
        "3. Checkpoint clone at the end of the long async run ({} events, {} writes), {CLONES} clones:",
        end_sim.events_processed(),
        end_sim.writes.len()
    )
    .unwrap();
    writeln!(out, "   {:<28} {:>12}  {:<18}", "figure", "value", "target").unwrap();
    writeln!(
        out,
        "   {:<28} {:>12.1}  {:<18}",
        "Sim::clone p50 (us)", cl.p50, "(none set)"
    )
    .unwrap();
    writeln!(
        out,
        "   {:<28} {:>12.1}  {:<18}",
        "Sim::clone p95 (us)", cl.p95, "(none set)"
    )
    .unwrap();
    writeln!(
        out,
        "   {:<28} {:>12.1}  {:<18}",
        "Sim::clone max (us)", cl.max, "(none set)"
    )
    .unwrap();
    writeln!(
        out,
        "   Sim::view(default) on {} replicas at {} ms ({} events in, {} writes, of which the view lists {}; {} messages in flight), {VIEWS} calls:",
        vw.replicas, vw.at_ms, vw.events, vw.total_writes, vw.listed_writes, vw.messages
    )
    .unwrap();
    writeln!(
        out,
        "   {:<28} {:>12.1}  {:<18} {}",
        "view p50 (us)",
        vw.cost.p50,
        "well under 16 ms",
        verdict(vw.cost.p50 < 16_000.0)
    )
    .unwrap();
    writeln!(
        out,
        "   {:<28} {:>12.1}  {:<18} {}",
        "view p95 (us)",
        vw.cost.p95,
        "well under 16 ms",
        verdict(vw.cost.p95 < 16_000.0)
    )
    .unwrap();
    writeln!(out, "   {:<28} {:>12.1}", "view max (us)", vw.cost.max).unwrap();
    writeln!(out, "{line}").unwrap();
    writeln!(
        out,
        "4. The worst valid scenarios: 9 replicas, 9 clients, 1 h simulated, writes and reads every {} ms each (the caps),",
        (9 * replication_sim::scenario::limits::MAX_TIME_MS)
            .div_ceil(replication_sim::scenario::limits::MAX_WORKLOAD_OPS)
    )
    .unwrap();
    writeln!(
        out,
        "   100,000 keys, 10,000,000 initial rows; storms stop at the engine's limits ({} events, {} log entries moved in bulk)",
        replication_sim::sim::EVENT_BUDGET,
        replication_sim::sim::BULK_ENTRY_BUDGET
    )
    .unwrap();
    writeln!(out, "{}", worst::header()).unwrap();
    for w in &worst_runs {
        writeln!(out, "{}", worst::line(w)).unwrap();
    }
    writeln!(out, "{line}").unwrap();
    let total = t0.elapsed();
    writeln!(out, "bench wall time: {:.1} s", total.as_secs_f64()).unwrap();
    print!("{out}");

    let json = serde_json::json!({
        "bench": "engine",
        "command": "cargo bench -p replication-sim --bench engine",
        "throughput": {
            "scenario": format!("5 replicas, 2 clients, a write every 5 ms each, {} ms simulated; every 20 s a follower crash and restart, a manual failover, a crash and restart of the sitting leader, a partition and heal, a slow link and heal; one add_follower", LONG_MS),
            "scenario_file": "bench-results/engine-long-async.json",
            "runs": RUNS,
            "target_events_per_s": TARGET_EVENTS_PER_S,
            "modes": json_modes,
        },
        "seek": seeks.iter().map(|(run, to, sk)| seek_json(run, to, sk)).collect::<Vec<_>>(),
        "checkpoint_clone": {
            "at_events": end_sim.events_processed(),
            "writes": end_sim.writes.len(),
            "samples": CLONES,
            "p50_us": cl.p50,
            "p95_us": cl.p95,
            "max_us": cl.max,
        },
        "view": {
            "at_ms": vw.at_ms,
            "replicas": vw.replicas,
            "writes": vw.total_writes,
            "listed_writes": vw.listed_writes,
            "messages_in_flight": vw.messages,
            "events_in": vw.events,
            "samples": VIEWS,
            "options": "ViewOptions::default()",
            "p50_us": vw.cost.p50,
            "p95_us": vw.cost.p95,
            "max_us": vw.cost.max,
        },
        "worst_valid_scenarios": worst_runs.iter().map(worst::json).collect::<Vec<_>>(),
        "bench_wall_s": total.as_secs_f64(),
        "load_average_at_start": load_at_start,
    });
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("bench-results");
    let path = dir.join("engine.json");
    let written = std::fs::create_dir_all(&dir)
        .and_then(|_| {
            std::fs::write(
                dir.join("engine-long-async.json"),
                async_long.to_json_pretty() + "\n",
            )
        })
        .and_then(|_| std::fs::write(&path, serde_json::to_string_pretty(&json).unwrap() + "\n"));
    match written {
        Ok(()) => println!(
            "figures written to {}",
            path.canonicalize().unwrap_or(path).display()
        ),
        Err(e) => eprintln!("could not write {}: {e}", path.display()),
    }
}
