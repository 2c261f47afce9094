//! The reader's messages: each names the field and says what was wrong, in plain words.

use crate::Scenario;

fn refusal(json: &str) -> String {
    Scenario::from_json(json).unwrap_err().to_string()
}

const HEAD: &str = r#""version":1,"cluster":{"nodes":3,"mode":"async"}"#;

#[test]
fn a_misspelt_field_is_refused_by_name_not_ignored() {
    let e = refusal(r#"{"version":1,"cluster":{"nodes":3,"mode":"async","latency":80}}"#);
    assert!(
        e.starts_with("cluster.latency: unknown field, expected one of `nodes`"),
        "{e}"
    );
    let e = refusal(&format!(
        r#"{{{HEAD},"events":[{{"at_ms":1,"action":"crash","nod":"n1"}}]}}"#
    ));
    assert_eq!(
        e,
        "events[0].nod: unknown field, expected one of `at_ms`, `action`, `node`"
    );
}

#[test]
fn wrong_kinds_of_value_say_what_was_expected_and_what_came() {
    let e = refusal(r#"{"version":1,"cluster":{"nodes":"three","mode":"async"}}"#);
    assert_eq!(
        e,
        "cluster.nodes: expected a whole number, found the text \"three\""
    );
    let e = refusal(r#"{"version":1,"cluster":{"nodes":3,"mode":"async","fencing":"yes"}}"#);
    assert_eq!(
        e,
        "cluster.fencing: expected true or false, found the text \"yes\""
    );
    let e = refusal(r#"{"version":1,"cluster":[3]}"#);
    assert_eq!(e, "cluster: expected an object, found a list");
    let e = refusal(r#"{"version":1}"#);
    assert_eq!(e, "cluster: missing");
}

#[test]
fn actions_are_read_by_their_name_and_their_own_fields() {
    let e = refusal(&format!(r#"{{{HEAD},"events":[{{"at_ms":1}}]}}"#));
    assert!(e.starts_with("events[0].action: missing"), "{e}");
    let e = refusal(&format!(
        r#"{{{HEAD},"events":[{{"at_ms":1,"action":"heal","node":"n1"}}]}}"#
    ));
    assert!(e.starts_with("events[0].node: unknown field"), "{e}");
    let e = refusal(&format!(
        r#"{{{HEAD},"events":[{{"at_ms":1,"action":"partition","groups":[["n1"],["n2","x9"]]}}]}}"#
    ));
    assert!(
        e.starts_with("events[0].groups[1][1]: `x9` is neither a replica"),
        "{e}"
    );
    let e = refusal(&format!(
        r#"{{{HEAD},"events":[{{"at_ms":1,"action":"write","key":"k"}}]}}"#
    ));
    assert_eq!(e, "events[0].value: missing");
    let e = refusal(&format!(
        r#"{{{HEAD},"events":[{{"at_ms":1,"action":"set","mode":"eventual"}}]}}"#
    ));
    assert_eq!(
        e,
        "events[0].mode: `eventual` is not one of async, sync, semi-sync, chain, quorum"
    );
}

#[test]
fn what_is_written_reads_back_the_same_for_every_action() {
    let json = format!(
        r#"{{{HEAD},"events":[
          {{"at_ms":1,"action":"crash","node":"n1"}},{{"at_ms":2,"action":"restart","node":"n1"}},
          {{"at_ms":3,"action":"partition","groups":[["n1","c1"],["n2","n3"]]}},
          {{"at_ms":4,"action":"isolate","node":"n2"}},{{"at_ms":5,"action":"heal"}},
          {{"at_ms":6,"action":"cut_link","source":"n1","target":"n2","one_way":true}},
          {{"at_ms":7,"action":"slow_link","source":"n1","target":"c1","factor":4}},
          {{"at_ms":8,"action":"lossy_link","source":"n1","target":"n3","drop_probability":0.25}},
          {{"at_ms":9,"action":"heal_link","source":"n1","target":"n2"}},
          {{"at_ms":10,"action":"add_follower"}},{{"at_ms":11,"action":"failover","node":"n4"}},
          {{"at_ms":12,"action":"failover"}},
          {{"at_ms":13,"action":"write","key":"x","value":"1","client":"c1"}},
          {{"at_ms":14,"action":"set","mode":"quorum","write_quorum":2,"latency_ms":80,
             "jitter_ms":0,"failover_timeout_ms":900,"fencing":false,"read_from":"sticky"}},
          {{"at_ms":15,"action":"workload","write_every_ms":0}}]}}"#
    );
    let s = Scenario::from_json(&json).unwrap();
    assert_eq!(s.events.len(), 15);
    assert_eq!(Scenario::from_json(&s.to_json()).unwrap(), s);
    assert_eq!(Scenario::from_json(&s.to_json_pretty()).unwrap(), s);
}

/// Broke: serde_json's `Value` keeps the last of two equal keys, so this ran 3 replicas
/// without a word about the 40.
#[test]
fn a_key_given_twice_is_refused_by_name() {
    let e = refusal(r#"{"version":1,"cluster":{"nodes":40,"mode":"async","nodes":3}}"#);
    assert_eq!(
        e,
        "cluster.nodes: given twice; each field may appear once in its object"
    );
    let e = refusal(&format!(
        r#"{{{HEAD},"events":[{{"at_ms":1,"action":"crash","node":"n1","at_ms":2}}]}}"#
    ));
    assert!(e.starts_with("events[0].at_ms: given twice"), "{e}");
}

/// Broke: an explicit null read as a missing field ("cluster.nodes: missing"), and an
/// optional null was silently taken as the default.
#[test]
fn an_explicit_null_is_reported_as_null() {
    let e = refusal(r#"{"version":1,"cluster":{"nodes":null,"mode":"async"}}"#);
    assert_eq!(e, "cluster.nodes: null is not a whole number from 2 to 9");
    let e = refusal(r#"{"version":1,"cluster":{"nodes":3,"mode":null}}"#);
    assert_eq!(
        e,
        "cluster.mode: null is not one of async, sync, semi-sync, chain, quorum"
    );
    let e = refusal(r#"{"version":1,"cluster":{"nodes":3,"mode":"async","fencing":null}}"#);
    assert_eq!(e, "cluster.fencing: null is not true or false");
    let e = refusal(r#"{"version":1,"cluster":null}"#);
    assert_eq!(e, "cluster: null is not an object");
    let e = refusal(&format!(r#"{{{HEAD},"title":null}}"#));
    assert_eq!(e, "title: null is not text");
    let e = refusal(&format!(
        r#"{{{HEAD},"events":[{{"at_ms":1,"action":"crash","node":null}}]}}"#
    ));
    assert_eq!(e, "events[0].node: null is not a replica name (n1 to n9)");
}

/// Broke: a number past 64 bits was printed as serde_json's float,
/// `1.8446744073709552e19`.
#[test]
fn numbers_past_64_bits_are_quoted_as_written() {
    let e = refusal(r#"{"version":1,"cluster":{"nodes":18446744073709551617,"mode":"async"}}"#);
    assert_eq!(
        e,
        "cluster.nodes: 18446744073709551617 is out of range: use 2 to 9"
    );
    let e = refusal(
        r#"{"version":1,"seed":123456789012345678901234,"cluster":{"nodes":3,"mode":"async"}}"#,
    );
    assert_eq!(
        e,
        "seed: 123456789012345678901234 is out of range: use 0 to 18446744073709551615"
    );
    let e = refusal(r#"{"version":18446744073709551616,"cluster":{"nodes":3,"mode":"async"}}"#);
    assert_eq!(
        e,
        "version: 18446744073709551616 is not a known version (expected 1)"
    );
}

/// Broke: a word outside its list was refused as an "unknown variant", serde's word.
#[test]
fn messages_use_no_words_from_rust() {
    let cases = [
        r#"{"version":1,"cluster":{"nodes":3,"mode":"paxos"}}"#.to_string(),
        format!(r#"{{{HEAD},"workload":{{"read_from":"anyone"}}}}"#),
        format!(r#"{{{HEAD},"events":[{{"at_ms":1,"action":"explode"}}]}}"#),
        format!(r#"{{{HEAD},"events":[{{"at_ms":-1,"action":"heal"}}]}}"#),
        format!(r#"{{{HEAD},"events":[{{"at_ms":1,"action":"crash","node":7}}]}}"#),
        format!(r#"{{{HEAD},"events":{{}}}}"#),
        r#"{"version":1,"cluster":{"nodes":3,"mode":"async"},"seed":-1}"#.to_string(),
        r#"{"version":1,"cluster":{"nodes":3,"mode":"async""#.to_string(),
        r#"[1,2]"#.to_string(),
        "".to_string(),
    ];
    let rust = [
        "variant",
        "u64",
        "u32",
        "u8",
        "usize",
        "invalid type",
        "struct",
        "Option",
        "None",
        "Some(",
        "EOF",
    ];
    for json in &cases {
        let e = refusal(json);
        for word in rust {
            assert!(!e.contains(word), "{json}: {e}");
        }
    }
    assert_eq!(
        refusal(r#"{"version":1,"cluster":{"nodes":3,"mode":"paxos"}}"#),
        "cluster.mode: `paxos` is not one of async, sync, semi-sync, chain, quorum"
    );
}
