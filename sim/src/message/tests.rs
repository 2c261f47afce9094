//! Message kinds in words, and a chain's neighbours.

use super::*;

#[test]
fn a_kind_in_words_is_its_name_with_spaces() {
    use MessageKind::*;
    for k in [
        ClientWrite,
        WriteReply,
        LeaderNotice,
        Append,
        Ack,
        Heartbeat,
        CatchUpRequest,
        SnapshotRequest,
        SnapshotChunk,
        SnapshotNeeded,
        VoteRequest,
        VoteReply,
        Read,
        ReadReply,
    ] {
        assert_eq!(k.label(), k.name().replace('_', " "));
    }
}

#[test]
fn a_chain_knows_each_members_neighbours() {
    let n = |i| NodeId(i);
    let c = ChainConfig::from_slice(3, &[n(0), n(2), n(1)]);
    assert_eq!(c.nodes(), &[n(0), n(2), n(1)]);
    assert_eq!(
        (c.predecessor(n(0)), c.successor(n(0))),
        (None, Some(n(2))),
        "the head"
    );
    assert_eq!(
        (c.predecessor(n(2)), c.successor(n(2))),
        (Some(n(0)), Some(n(1)))
    );
    assert_eq!(
        (c.predecessor(n(1)), c.successor(n(1))),
        (Some(n(2)), None),
        "the tail"
    );
    assert!(!c.contains(n(3)) && c.successor(n(3)).is_none() && c.predecessor(n(3)).is_none());
    // Entries come from the predecessor; a replica joining at the tail gets them from
    // the tail.
    assert_eq!(c.upstream(n(0)), None, "the head");
    assert_eq!(c.upstream(n(1)), Some(n(2)));
    assert_eq!(c.upstream(n(3)), Some(n(1)), "a newcomer, from the tail");
    assert!(c.before(n(0), n(1)) && !c.before(n(1), n(2)) && !c.before(n(3), n(1)));
    assert!(ChainConfig::empty().nodes().is_empty());
}
