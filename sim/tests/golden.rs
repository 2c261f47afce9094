//! Golden outputs: what the `scenario` runner prints for every preset (`run FILE --json`
//! and `trace FILE`) and for a seed sweep over a few randomised scenarios (`run --json`),
//! compared byte for byte with the files under `sim/tests/golden/`. Any change of
//! behaviour, however small, shows here as a diff a reviewer can read.
//!
//! When a change of behaviour is intended (or after a merge, including a conflict in these
//! files), regenerate them all and review the diff:
//!
//!     scripts/golden.sh
//!     # which runs: UPDATE_GOLDEN=1 cargo test -p replication-sim --test golden
//!
//! The outputs come from `replication_sim::cli`, the code the binary runs, and hold
//! nothing machine-specific: no paths, no clock, no hash-map order. Each file ends with the
//! newline the binary prints, so `scenario run FILE --json > golden` gives the same bytes.
//! Traces are stored whole: the largest preset's is about half a megabyte.

use replication_sim::cli::{self, Output};
use replication_sim::Scenario;
use std::path::{Path, PathBuf};

const REGENERATE: &str =
    "scripts/golden.sh   (or: UPDATE_GOLDEN=1 cargo test -p replication-sim --test golden)";

fn updating() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| !v.is_empty() && v != "0")
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn golden_dir() -> PathBuf {
    manifest_dir().join("tests/golden")
}

/// Every preset in `scenarios/`, by file stem, sorted: a new preset gets goldens too.
fn presets() -> Vec<String> {
    let dir = manifest_dir().join("../scenarios");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|e| {
            let path = e.ok()?.path();
            (path.extension()? == "json").then(|| path.file_stem()?.to_str().map(String::from))?
        })
        .collect();
    names.sort();
    names
}

/// Small scenarios whose runs the seed decides: network jitter, which messages a lossy
/// link drops, when election timers fire, which follower a read goes to. Each runs with
/// seeds 1 to `SEEDS`.
const SWEEP: [(&str, &str); 4] = [
    (
        "lossy-async-failover",
        r#"{ "version": 1, "seed": 0, "duration_ms": 4000,
             "cluster": { "nodes": 3, "mode": "async", "latency_ms": 80, "client_latency_ms": 5,
                          "jitter_ms": 25, "failover_timeout_ms": 600, "heartbeat_ms": 100, "fencing": true },
             "workload": { "write_every_ms": 100, "until_ms": 3000 },
             "events": [
               { "at_ms": 0, "action": "lossy_link", "source": "n1", "target": "n3", "drop_probability": 0.3, "one_way": false },
               { "at_ms": 1240, "action": "crash", "node": "n1" },
               { "at_ms": 2500, "action": "restart", "node": "n1" } ] }"#,
    ),
    (
        "semi-sync-slow-follower",
        r#"{ "version": 1, "seed": 0, "duration_ms": 4000,
             "cluster": { "nodes": 4, "mode": "semi-sync", "latency_ms": 25, "client_latency_ms": 10,
                          "jitter_ms": 30, "failover_timeout_ms": 500, "fencing": true },
             "workload": { "write_every_ms": 120, "until_ms": 3000, "keys": 3,
                           "read_every_ms": 150, "read_from": "followers" },
             "events": [
               { "at_ms": 800, "action": "slow_link", "source": "n1", "target": "n2", "factor": 6, "one_way": false },
               { "at_ms": 1500, "action": "crash", "node": "n2" },
               { "at_ms": 2600, "action": "restart", "node": "n2" } ] }"#,
    ),
    (
        "quorum-partition",
        r#"{ "version": 1, "seed": 0, "duration_ms": 4500,
             "cluster": { "nodes": 5, "mode": "quorum", "latency_ms": 20, "client_latency_ms": 10,
                          "jitter_ms": 20, "failover_timeout_ms": 400, "fencing": true, "clients": 2,
                          "client_timeout_ms": 1000, "initial_rows": 200, "snapshot_rows_per_s": 2000 },
             "workload": { "write_every_ms": 150, "until_ms": 3500 },
             "events": [
               { "at_ms": 1000, "action": "partition", "groups": [["n1", "n2", "c1"], ["n3", "n4", "n5", "c2"]] },
               { "at_ms": 2200, "action": "heal" },
               { "at_ms": 2600, "action": "add_follower" } ] }"#,
    ),
    (
        "lossy-chain",
        r#"{ "version": 1, "seed": 0, "duration_ms": 4000,
             "cluster": { "nodes": 4, "mode": "chain", "latency_ms": 20, "client_latency_ms": 10,
                          "jitter_ms": 15, "failover_timeout_ms": 400, "fencing": true },
             "workload": { "write_every_ms": 100, "until_ms": 3000 },
             "events": [
               { "at_ms": 0, "action": "lossy_link", "source": "n2", "target": "n3", "drop_probability": 0.2, "one_way": true },
               { "at_ms": 1300, "action": "crash", "node": "n3" },
               { "at_ms": 2500, "action": "restart", "node": "n3" } ] }"#,
    ),
];
const SEEDS: u64 = 3;

fn sweep_file(template: &str, seed: u64) -> String {
    format!("sweep/{template}-seed{seed}.run.json")
}

/// Every file the goldens consist of, relative to `sim/tests/golden/`.
fn expected_files() -> Vec<String> {
    let mut files: Vec<String> = presets()
        .iter()
        .flat_map(|p| {
            [
                format!("presets/{p}.run.json"),
                format!("presets/{p}.trace.json"),
            ]
        })
        .collect();
    for (template, _) in SWEEP {
        files.extend((1..=SEEDS).map(|seed| sweep_file(template, seed)));
    }
    files.sort();
    files
}

/// `scenario ARGS...` as the binary prints it, final newline included.
fn scenario_command(args: &[&str]) -> String {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let out = cli::execute(&args).unwrap_or_else(|e| panic!("scenario {args:?}: {e}"));
    out + "\n"
}

/// Where `actual` first departs from `expected`, in a few lines.
fn first_difference(expected: &str, actual: &str) -> String {
    let clip = |s: &str| {
        let s: String = s.chars().take(160).collect();
        format!("{s:?}")
    };
    let (mut e, mut a) = (expected.lines(), actual.lines());
    let mut line = 1;
    loop {
        match (e.next(), a.next()) {
            (Some(x), Some(y)) if x == y => line += 1,
            (None, None) => return "they differ only in line endings".into(),
            (x, y) => {
                return format!(
                    "first difference at line {line}:\n      stored: {}\n      now:    {}",
                    x.map_or("(end of file)".into(), clip),
                    y.map_or("(end of file)".into(), clip)
                )
            }
        }
    }
}

/// Compares each output with its stored file, or stores it when regenerating; panics with
/// every mismatch at once, and the command that regenerates them.
fn check(outputs: Vec<(String, String)>) {
    let dir = golden_dir();
    let mut problems = Vec::new();
    for (file, actual) in outputs {
        let path = dir.join(&file);
        let stored = std::fs::read_to_string(&path).ok();
        if stored.as_deref() == Some(actual.as_str()) {
            continue;
        }
        if updating() {
            std::fs::create_dir_all(path.parent().expect("in the golden directory")).unwrap();
            std::fs::write(&path, &actual)
                .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
            eprintln!("golden: wrote {file}");
            continue;
        }
        problems.push(match stored {
            None => format!("  {file}: not stored yet"),
            Some(stored) => format!("  {file}: {}", first_difference(&stored, &actual)),
        });
    }
    assert!(
        problems.is_empty(),
        "{} golden output(s) differ from what the runner prints now:\n{}\n\nIf the change is \
         intended, regenerate them and review the diff:\n  {REGENERATE}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn every_presets_report_is_as_stored() {
    let outputs = presets()
        .into_iter()
        .map(|p| {
            let path = manifest_dir().join(format!("../scenarios/{p}.json"));
            let out = scenario_command(&["run", path.to_str().unwrap(), "--json"]);
            (format!("presets/{p}.run.json"), out)
        })
        .collect();
    check(outputs);
}

#[test]
fn every_presets_trace_is_as_stored() {
    let outputs = presets()
        .into_iter()
        .map(|p| {
            let path = manifest_dir().join(format!("../scenarios/{p}.json"));
            let out = scenario_command(&["trace", path.to_str().unwrap()]);
            (format!("presets/{p}.trace.json"), out)
        })
        .collect();
    check(outputs);
}

#[test]
fn a_seed_sweep_runs_as_stored() {
    let mut outputs = Vec::new();
    for (template, json) in SWEEP {
        let mut scenario = Scenario::from_json(json).unwrap_or_else(|e| panic!("{template}: {e}"));
        for seed in 1..=SEEDS {
            scenario.seed = seed;
            scenario.title = Some(format!("{template}, seed {seed}"));
            // What `scenario run FILE --json` prints once it has read the file.
            let out = cli::render(&scenario, None, Output::Json)
                .unwrap_or_else(|e| panic!("{template}: {e}"));
            outputs.push((sweep_file(template, seed), out + "\n"));
        }
    }
    check(outputs);
}

#[test]
fn the_sweep_differs_from_seed_to_seed() {
    // A sweep whose seeds all gave the same run would guard one run, not several.
    for (template, json) in SWEEP {
        let mut scenario = Scenario::from_json(json).unwrap();
        let hashes: std::collections::BTreeSet<u64> = (1..=SEEDS)
            .map(|seed| {
                scenario.seed = seed;
                let mut sim = replication_sim::Sim::new(&scenario).unwrap();
                sim.run_to_end();
                sim.trace_hash()
            })
            .collect();
        assert_eq!(hashes.len() as u64, SEEDS, "{template}");
    }
}

#[test]
fn every_stored_file_belongs_to_a_case() {
    // A preset renamed or removed leaves its goldens behind; regenerating removes them.
    let expected = expected_files();
    let mut stored = Vec::new();
    list(&golden_dir(), &golden_dir(), &mut stored);
    stored.sort();
    let stale: Vec<&String> = stored.iter().filter(|f| !expected.contains(f)).collect();
    if updating() {
        for f in &stale {
            std::fs::remove_file(golden_dir().join(f)).unwrap();
            eprintln!("golden: removed {f}");
        }
        return;
    }
    assert!(
        stale.is_empty(),
        "golden files no test produces: {stale:?}\nRegenerate: {REGENERATE}"
    );
}

fn list(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            list(root, &path, out);
        } else if let Ok(rel) = path.strip_prefix(root) {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}
