//! The README's table of `cluster` fields is the engine's table of settings, so the
//! documentation cannot drift from the ranges the validator enforces.

use replication_sim::scenario::settings::markdown_table;

#[test]
fn the_readme_lists_the_cluster_settings_as_the_engine_checks_them() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md at the project root");
    let table = markdown_table();
    if std::env::var_os("PRINT_SETTINGS_TABLE").is_some() {
        println!("{table}");
    }
    assert!(
        readme.contains(&table),
        "README.md's `cluster` table differs from the table of settings \
         (sim/src/scenario/settings.rs); replace it with:\n{table}"
    );
}

/// Each range the table states is the one the validator enforces: a value just outside
/// it is refused with that range, and the range's ends are accepted.
#[test]
fn each_setting_refuses_just_outside_its_range_and_accepts_its_ends() {
    use replication_sim::scenario::settings::{Kind, Max, SETTINGS};
    use replication_sim::Scenario;
    for s in &SETTINGS {
        let Kind::Whole { min, max, .. } = s.kind else {
            continue;
        };
        let base = Scenario::default_scenario();
        let max = match max {
            Max::Fixed(m) => m,
            Max::Nodes => base.cluster.nodes as u64,
        };
        let with = |v: u64| {
            let mut sc = base.clone();
            (s.set)(&mut sc.cluster, v);
            // Keep the heartbeat below the failover timeout, whatever is being tried.
            if s.name == "failover_timeout_ms" {
                sc.cluster.heartbeat_ms = sc.cluster.heartbeat_ms.min(v.saturating_sub(1)).max(5);
            }
            if s.name == "heartbeat_ms" {
                sc.cluster.failover_timeout_ms = 60_000;
            }
            if s.name == "nodes" {
                sc.cluster.write_quorum = None;
            }
            sc.validate()
        };
        let range = s.range().expect("whole numbers have a range");
        assert!(
            range.starts_with(&format!("{min} to ")),
            "{}: {range}",
            s.name
        );
        if max < u64::MAX {
            let e = with(max + 1).expect_err(s.name);
            assert_eq!(
                e.to_string(),
                format!(
                    "cluster.{}: {} is out of range {min} to {max}",
                    s.name,
                    max + 1
                ),
            );
        }
        if min > 0 {
            assert!(with(min - 1).is_err(), "{} accepts {}", s.name, min - 1);
        }
        for v in [min, max] {
            if s.name == "heartbeat_ms" && v == max {
                continue; // must stay below the failover timeout, at most 60000 itself
            }
            with(v).unwrap_or_else(|e| panic!("{} refuses {v}: {e}", s.name));
        }
    }
}

#[test]
fn the_apps_number_inputs_allow_what_the_validator_does() {
    use replication_sim::scenario::settings::whole_range;
    use replication_sim::Scenario;
    for name in ["latency_ms", "jitter_ms", "failover_timeout_ms"] {
        let (min, max) = whole_range(name).expect("a whole number with a fixed range");
        // The message of a value outside the setting's own range (other rules may refuse
        // a value inside it, such as heartbeats slower than the failover timeout).
        let out_of_range = |v: u64| {
            let mut json: serde_json::Value =
                serde_json::from_str(&Scenario::default_scenario().to_json()).unwrap();
            json["cluster"][name] = v.into();
            Scenario::from_json(&json.to_string())
                .err()
                .map(|e| e.to_string())
                .filter(|m| m.contains(&format!("cluster.{name}: {v} is out of range")))
        };
        assert_eq!(out_of_range(min), None, "{name}: {min} is in range");
        assert_eq!(out_of_range(max), None, "{name}: {max} is in range");
        assert!(
            out_of_range(max + 1).is_some(),
            "{name}: {} is refused",
            max + 1
        );
        if min > 0 {
            assert!(
                out_of_range(min - 1).is_some(),
                "{name}: {} is refused",
                min - 1
            );
        }
    }
}
