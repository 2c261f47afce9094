//! Bounded work: a link is code that runs in a course page's readers' tabs, so every valid
//! scenario must finish. These tests check that validation counts every rate the scenario
//! sets, and that the count is the engine's own.

use replication_sim::bounds;
use replication_sim::{Scenario, Sim};

fn refusal(json: &str) -> String {
    Scenario::from_json(json).unwrap_err().to_string()
}

/// Broke: only the initial workload was checked against the cap, so a `workload` action
/// could raise the rate without limit, past what was then a cap of 1,000,000 writes (a 3-replica, 150 s run made 1.35 M writes and used
/// 2.6 GB; a 9-replica, one-hour run ran out of memory).
#[test]
fn a_workload_change_that_would_pass_the_cap_is_refused_by_name() {
    let e = refusal(
        r#"{"version":1,"cluster":{"nodes":3,"mode":"async","clients":9},
            "workload":{"write_every_ms":60000},
            "events":[{"at_ms":1000,"action":"crash","node":"n2"},
                      {"at_ms":1500,"action":"restart","node":"n2"},
                      {"at_ms":2000,"action":"workload","write_every_ms":1}],
            "duration_ms":150000}"#,
    );
    assert_eq!(
        e,
        "events[2]: this workload change would bring the run to 1,332,010 writes; at most 500,000 are allowed"
    );
    // The same rate, stopped in time, is fine.
    let ok = r#"{"version":1,"cluster":{"nodes":3,"mode":"async","clients":9},
            "workload":{"write_every_ms":60000},
            "events":[{"at_ms":2000,"action":"workload","write_every_ms":1},
                      {"at_ms":50000,"action":"workload","write_every_ms":0}],
            "duration_ms":150000}"#;
    assert!(Scenario::from_json(ok).is_ok());
}

/// Broke: the read cap counted reads only up to `until_ms`, but reads go on to the end of
/// the run.
#[test]
fn reads_count_to_the_end_of_the_run_not_to_the_end_of_the_writes() {
    let e = refusal(
        r#"{"version":1,"cluster":{"nodes":3,"mode":"async","clients":9},
            "workload":{"write_every_ms":1000,"until_ms":1000,"read_every_ms":3},
            "duration_ms":3600000}"#,
    );
    assert_eq!(
        e,
        "workload.read_every_ms: this read rate would bring the run to 10,800,000 reads; at most 500,000 are allowed"
    );
}

#[test]
fn writes_by_hand_count_too() {
    let writes: Vec<String> = (0..10)
        .map(|i| {
            format!(
                r#"{{"at_ms":{},"action":"write","key":"x","value":"{i}"}}"#,
                100 + i
            )
        })
        .collect();
    // 499,999 workload writes leave room for one more.
    let json = format!(
        r#"{{"version":1,"cluster":{{"nodes":2,"mode":"async","clients":1}},
            "workload":{{"write_every_ms":1,"until_ms":499998}},
            "events":[{}],"duration_ms":1000000}}"#,
        writes.join(",")
    );
    assert_eq!(
        refusal(&json),
        "events[1]: this write would bring the run to 500,009 writes; at most 500,000 are allowed"
    );
}

/// The count validation makes is the number of writes (and reads) the engine then makes,
/// across starts, stops, rate changes, `until_ms`, and actions at one instant.
#[test]
fn the_counted_writes_and_reads_are_the_ones_the_engine_makes() {
    let cases = [
        r#""workload":{"write_every_ms":7,"start_ms":30,"until_ms":2001,"read_every_ms":11},
           "events":[{"at_ms":500,"action":"workload","write_every_ms":3},
                     {"at_ms":500,"action":"workload","write_every_ms":13},
                     {"at_ms":900,"action":"workload","write_every_ms":0},
                     {"at_ms":1300,"action":"workload","write_every_ms":5},
                     {"at_ms":1400,"action":"write","key":"a","value":"b"}],
           "duration_ms":2600"#,
        r#""workload":{"write_every_ms":0,"start_ms":800,"read_every_ms":40},
           "events":[{"at_ms":100,"action":"workload","write_every_ms":9},
                     {"at_ms":4000,"action":"write","key":"a","value":"b"}]"#,
        r#""workload":{"write_every_ms":10,"start_ms":700},
           "events":[{"at_ms":200,"action":"workload","write_every_ms":4},
                     {"at_ms":1200,"action":"workload","write_every_ms":0},
                     {"at_ms":1200,"action":"workload","write_every_ms":6}],
           "duration_ms":1950"#,
    ];
    for (k, body) in cases.iter().enumerate() {
        for clients in [1, 3, 9] {
            let json = format!(
                r#"{{"version":1,"cluster":{{"nodes":3,"mode":"async","clients":{clients}}},{body}}}"#
            );
            let s = Scenario::from_json(&json).unwrap_or_else(|e| panic!("case {k}: {e}"));
            let mut sim = Sim::new(&s).unwrap();
            sim.record_trace();
            sim.run_to_end();
            let read_ticks = sim
                .trace()
                .unwrap()
                .iter()
                .filter(|e| e.event == "workload_read")
                .count() as u64;
            assert_eq!(
                bounds::writes(&s),
                sim.writes.len() as u64,
                "case {k}, {clients} clients: writes"
            );
            assert_eq!(
                bounds::reads(&s),
                read_ticks,
                "case {k}, {clients} clients: reads"
            );
        }
    }
}

/// Reads are judged from indexes kept as the run goes (the client's latest confirmed write
/// of a key, its best earlier read, each log's newest entry of each key). In debug builds
/// the engine checks each answer against the full scans they replace; these runs mix what
/// could put the indexes out of step: hand writes to a workload key's name, truncated
/// logs after failovers, a snapshot for a new follower, and every read policy.
#[test]
fn reads_judged_from_the_indexes_match_a_full_scan() {
    for (seed, read_from) in [
        (1, "followers"),
        (2, "sticky"),
        (3, "leader"),
        (4, "followers"),
    ] {
        let json = format!(
            r#"{{"version":1,"seed":{seed},
                "cluster":{{"nodes":3,"mode":"async","clients":2,"latency_ms":30,"failover_timeout_ms":300,
                            "fencing":false,"initial_rows":5}},
                "workload":{{"write_every_ms":15,"keys":3,"read_every_ms":10,"read_from":"{read_from}"}},
                "events":[
                  {{"at_ms":200,"action":"write","key":"k2","value":"by hand"}},
                  {{"at_ms":210,"action":"write","key":"k9","value":"x","client":"c2"}},
                  {{"at_ms":400,"action":"slow_link","source":"n1","target":"n3","factor":10}},
                  {{"at_ms":700,"action":"partition","groups":[["n1","c1"],["n2","n3"]]}},
                  {{"at_ms":1500,"action":"heal"}},
                  {{"at_ms":1800,"action":"crash","node":"n2"}},
                  {{"at_ms":2000,"action":"add_follower"}},
                  {{"at_ms":2300,"action":"restart","node":"n2"}},
                  {{"at_ms":2600,"action":"write","key":"k2","value":"again","client":"c2"}}],
                "duration_ms":4000}}"#
        );
        let s = Scenario::from_json(&json).unwrap();
        let mut sim = Sim::new(&s).unwrap();
        sim.run_to_end();
        let (answered, _, _) = sim.read_counts();
        assert!(answered > 300, "seed {seed}: {answered} reads answered");
    }
}
