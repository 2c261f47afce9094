//! The command-line runner, as a course author uses it: what it prints, where, and how it
//! refuses bad input.

use replication_sim::Scenario;
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn runner(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_scenario"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the runner starts");
    // A runner that refuses its arguments exits before reading: a closed pipe is fine.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const SMALL: &str = r#"{"version":1,"seed":3,"cluster":{"nodes":3,"mode":"async"},
    "workload":{"write_every_ms":100,"until_ms":1000},
    "events":[{"at_ms":300,"action":"crash","node":"n2"}]}"#;

/// Broke: `decode` printed "(time cursor: 2500 ms)" after the JSON on standard output, so
/// its output, saved to a file, was not a scenario.
#[test]
fn decode_prints_only_the_scenario_on_standard_output() {
    let link = runner(&["link", "-", "--at", "2500"], SMALL);
    assert!(link.status.success(), "{}", text(&link.stderr));
    let fragment = text(&link.stdout);
    let decoded = runner(&["decode", fragment.trim()], "");
    assert!(decoded.status.success(), "{}", text(&decoded.stderr));
    let saved = text(&decoded.stdout);
    let scenario = Scenario::from_json(&saved).expect("standard output is a scenario");
    assert_eq!(scenario, Scenario::from_json(SMALL).unwrap());
    assert!(
        text(&decoded.stderr).contains("2500 ms"),
        "the cursor goes to standard error: {}",
        text(&decoded.stderr)
    );
    // And it runs as it is.
    let run = runner(&["check", "-"], &saved);
    assert!(run.status.success(), "{}", text(&run.stderr));
}

/// Broke: `link --at 99999999999` made a link whose instant the app and `decode` refuse,
/// and a longer number was "not a whole number".
#[test]
fn an_instant_too_large_for_a_link_says_so() {
    for at in ["3600001", "99999999999", "99999999999999999999999"] {
        let out = runner(&["link", "-", "--at", at], SMALL);
        assert_eq!(out.status.code(), Some(2));
        let e = text(&out.stderr);
        assert!(
            e.contains("too large") && e.contains("3600000"),
            "--at {at}: {e}"
        );
    }
    let out = runner(&["link", "-", "--at", "soon"], SMALL);
    assert!(text(&out.stderr).contains("not a whole number"));
}

/// Broke: a message that reached a crashed replica appeared in the trace like any
/// delivered message (the space-time diagram already drew it as lost).
#[test]
fn trace_marks_a_message_to_a_crashed_replica_as_dropped() {
    let out = runner(&["trace", "-"], SMALL);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let trace: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let events = trace.as_array().unwrap();
    let to_n2_after_crash: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["at_ms"].as_u64().unwrap() > 300 && e["target"] == "n2")
        .collect();
    assert!(!to_n2_after_crash.is_empty());
    for e in to_n2_after_crash {
        assert_eq!(e["dropped"], true, "{e}");
        assert!(
            e["detail"]
                .as_str()
                .unwrap()
                .ends_with("dropped: n2 is down"),
            "{e}"
        );
    }
    // Messages that arrive carry no mark.
    assert!(events
        .iter()
        .any(|e| e["target"] == "n3" && e.get("dropped").is_none()));
}

#[test]
fn check_counts_in_words_with_singulars() {
    let out = runner(&["check", "-"], SMALL);
    assert_eq!(
        text(&out.stdout).trim(),
        "-: ok (3 replicas, async mode, 1 client, 1 action)"
    );
}
