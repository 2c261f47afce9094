//! Exact-output unit tests of one replica's reactions (openraft style): build a `Replica`
//! and a `Ctx`, feed it one input, and assert the exact list of commands it returns.

use replication_sim::ids::{ClientId, Endpoint, NodeId, WriteId};
use replication_sim::log::{Entry, Log};
use replication_sim::message::*;
use replication_sim::replica::{Ctx, Members, Replica, Role, Settings, SetupPhase};
use replication_sim::scenario::{CopyMethod, LogRetention};
use replication_sim::Mode;

const TIMEOUT: u64 = 500;
const C1: ClientId = ClientId(0);

fn n(i: u8) -> NodeId {
    NodeId(i - 1)
}

fn e(epoch: u32, w: u32) -> Entry {
    Entry {
        epoch,
        write: WriteId(w),
        client: C1,
    }
}

/// The cluster around the replica under test: its settings and membership.
struct World {
    settings: Settings,
    members: Members,
}

impl World {
    fn new(mode: Mode, nodes: u8) -> World {
        let bits = (1u16 << nodes) - 1;
        World {
            settings: Settings {
                mode,
                write_quorum: 2,
                failover_timeout_ms: TIMEOUT,
                heartbeat_ms: 100,
                sync_timeout_ms: 250,
                fencing: true,
                failover: replication_sim::scenario::Failover::Election,
                log_retention_entries: None,
                log_retention: LogRetention::LastEntries,
                disk_entries: None,
                initial_rows: 0,
                snapshot_rows_per_s: 1000,
                clients: 1,
                batch_entries: 50,
            },
            members: Members {
                all: bits,
                live: bits,
            },
        }
    }

    /// Runs one reaction at `now` and returns what the replica asked for.
    fn react(
        &self,
        r: &mut Replica,
        now: u64,
        f: impl FnOnce(&mut Replica, &mut Ctx),
    ) -> Vec<Command> {
        let mut out = Vec::new();
        let rows = |_: &Log, position: u64| 1000 + position;
        let mut ctx = Ctx {
            now,
            settings: &self.settings,
            members: self.members,
            out: &mut out,
            snapshot_rows: &rows,
            key_of: &|_| None,
        };
        f(r, &mut ctx);
        out
    }

    /// `n1` leading epoch 1 from time 0, as at the start of every run.
    fn leader(&self, log: &[Entry]) -> Replica {
        let mut r = Replica::new(n(1));
        for x in log {
            r.log.append(*x);
        }
        self.react(&mut r, 0, |r, ctx| r.start(n(1), ctx));
        r
    }

    /// A follower of `n1` in epoch 1 that last heard from it at time 0.
    fn follower(&self, id: NodeId, log: &[Entry]) -> Replica {
        let mut r = Replica::new(id);
        for x in log {
            r.log.append(*x);
        }
        self.react(&mut r, 0, |r, ctx| r.start(n(1), ctx));
        r
    }

    fn deliver(
        &self,
        r: &mut Replica,
        now: u64,
        from: Endpoint,
        payload: Payload,
        sent_at: u64,
    ) -> Vec<Command> {
        self.react(r, now, |r, ctx| r.on_message(from, payload, sent_at, ctx))
    }

    fn deliver_from(
        &self,
        r: &mut Replica,
        now: u64,
        from: NodeId,
        payload: Payload,
    ) -> Vec<Command> {
        self.deliver(r, now, Endpoint::Replica(from), payload, now - 50)
    }

    fn client_write(&self, r: &mut Replica, now: u64, w: u32) -> Vec<Command> {
        self.deliver(
            r,
            now,
            Endpoint::Client(C1),
            Payload::ClientWrite(ClientWrite { write: WriteId(w) }),
            now - 10,
        )
    }
}

fn send(to: NodeId, payload: Payload) -> Command {
    Command::send_to_replica(to, payload)
}

fn reply(write: u32, outcome: ReplyOutcome) -> Command {
    Command::send_to_client(
        C1,
        Payload::WriteReply(WriteReply {
            write: WriteId(write),
            outcome,
        }),
    )
}

fn confirmed_by(by: NodeId, epoch: u32) -> ReplyOutcome {
    ReplyOutcome::Confirmed { by, epoch }
}

fn append(
    epoch: u32,
    prev_position: u64,
    prev_epoch: u32,
    entries: Vec<Entry>,
    confirmed: u64,
) -> Payload {
    Payload::Append(Append {
        epoch,
        prev_position,
        prev_epoch,
        entries,
        confirmed,
        chain: ChainTag::NONE,
    })
}

/// The same append, sent within the chain `version` adopted in `epoch`.
fn in_chain(mut payload: Payload, epoch: u32, version: u32) -> Payload {
    let Payload::Append(Append { chain, .. }) = &mut payload else {
        unreachable!("only appends carry a chain")
    };
    *chain = ChainTag { epoch, version };
    payload
}

fn appended(epoch: u32, match_position: u64, echo_sent_at: u64) -> Payload {
    Payload::Ack(Ack {
        epoch,
        result: AckResult::Appended { match_position },
        echo_sent_at,
        chain_confirmed: 0,
    })
}

fn election_timer() -> Command {
    Command::SetTimer {
        timer: TimerKind::Election,
        after_ms: TIMEOUT,
        jitter_ms: TIMEOUT,
    }
}

// ----- A client write to a leader, in each mode ------------------------------------

#[test]
fn async_leader_streams_the_write_and_confirms_at_once() {
    let w = World::new(Mode::Async, 3);
    let mut l = w.leader(&[]);
    let out = w.client_write(&mut l, 10, 0);
    assert_eq!(
        out,
        vec![
            send(n(2), append(1, 0, 0, vec![e(1, 0)], 0)),
            send(n(3), append(1, 0, 0, vec![e(1, 0)], 0)),
            reply(0, confirmed_by(n(1), 1)),
        ]
    );
    assert_eq!(l.confirmed, 1);
}

#[test]
fn a_leader_keeping_its_log_for_a_follower_refuses_the_write_its_full_disk_cannot_hold() {
    // Retention until_caught_up: n3 holds nothing, so the leader keeps its whole log; a
    // disk of 10 initial rows and 2 log entries takes two writes and refuses the third,
    // storing nothing and sending nothing.
    let mut w = World::new(Mode::Async, 3);
    w.settings.log_retention = LogRetention::UntilCaughtUp;
    w.settings.initial_rows = 10;
    w.settings.disk_entries = Some(12);
    let mut l = w.leader(&[]);
    w.client_write(&mut l, 10, 0);
    w.client_write(&mut l, 20, 1);
    let out = w.client_write(&mut l, 30, 2);
    assert_eq!(
        out,
        vec![
            Command::Happened(Happening::DiskFull {
                write: WriteId(2),
                used: 12,
                capacity: 12,
                first: true,
                waiting_for: Some(n(2)),
            }),
            reply(
                2,
                ReplyOutcome::Refused {
                    reason: "the leader's disk is full"
                }
            ),
        ]
    );
    assert_eq!(l.log.last_position(), 2);
    // Once both followers hold both entries, the leader deletes them and has room again.
    w.deliver_from(&mut l, 80, n(2), appended(1, 2, 20));
    w.deliver_from(&mut l, 80, n(3), appended(1, 2, 20));
    let out = w.client_write(&mut l, 90, 3);
    assert_eq!(
        out[0],
        Command::Happened(Happening::DiskRoom {
            used: 10,
            capacity: 12,
            log_start: 3,
        })
    );
    assert_eq!(l.log.last_position(), 3);
    assert_eq!(l.log_start(&w.settings), 3);
}

#[test]
fn sync_leader_confirms_only_once_every_follower_has_the_write() {
    let w = World::new(Mode::Sync, 3);
    let mut l = w.leader(&[]);
    let out = w.client_write(&mut l, 10, 0);
    assert_eq!(
        out,
        vec![
            send(n(2), append(1, 0, 0, vec![e(1, 0)], 0)),
            send(n(3), append(1, 0, 0, vec![e(1, 0)], 0))
        ]
    );
    assert_eq!(
        w.deliver_from(&mut l, 70, n(2), appended(1, 1, 10)),
        vec![],
        "n3 has not answered yet"
    );
    assert_eq!(l.confirmed, 0);
    assert_eq!(
        w.deliver_from(&mut l, 80, n(3), appended(1, 1, 10)),
        vec![reply(0, confirmed_by(n(1), 1))]
    );
    assert_eq!(l.confirmed, 1);
}

#[test]
fn semi_sync_leader_waits_for_the_synchronous_follower_only() {
    let w = World::new(Mode::SemiSync, 3);
    let mut l = w.leader(&[]);
    assert_eq!(l.sync_follower, Some(n(2)));
    let out = w.client_write(&mut l, 10, 0);
    assert_eq!(out.len(), 2, "two appends, no answer yet: {out:?}");
    assert_eq!(
        w.deliver_from(&mut l, 70, n(3), appended(1, 1, 10)),
        vec![],
        "n3 is asynchronous"
    );
    assert_eq!(
        w.deliver_from(&mut l, 80, n(2), appended(1, 1, 10)),
        vec![reply(0, confirmed_by(n(1), 1))]
    );
}

#[test]
fn quorum_leader_confirms_once_w_replicas_hold_the_write() {
    let w = World::new(Mode::Quorum, 3);
    let mut l = w.leader(&[]);
    assert_eq!(w.client_write(&mut l, 10, 0).len(), 2);
    assert_eq!(
        w.deliver_from(&mut l, 70, n(3), appended(1, 1, 10)),
        vec![reply(0, confirmed_by(n(1), 1))],
        "leader and n3 make 2 of 3"
    );
}

#[test]
fn chain_head_passes_the_write_to_its_successor_only_and_does_not_confirm() {
    let w = World::new(Mode::Chain, 3);
    let mut l = w.leader(&[]);
    assert_eq!(l.chain.config.nodes(), &[n(1), n(2), n(3)]);
    assert_eq!(
        w.client_write(&mut l, 10, 0),
        vec![send(
            n(2),
            in_chain(append(1, 0, 0, vec![e(1, 0)], 0), 1, l.chain.config.version)
        )]
    );
    assert_eq!(l.confirmed, 0);
}

#[test]
fn chain_tail_confirms_to_the_client_and_acknowledges_once_upstream() {
    let w = World::new(Mode::Chain, 3);
    let l = w.leader(&[]);
    let mut tail = w.follower(n(3), &[]);
    let hb = Payload::Heartbeat(Heartbeat {
        epoch: 1,
        confirmed: 0,
        sent_upto: 0,
        leader_last: 0,
        leader_last_epoch: 0,
        chain: l.chain.config,
    });
    w.deliver(&mut tail, 60, Endpoint::Replica(n(1)), hb, 10);
    assert_eq!(tail.chain.config.predecessor(n(3)), Some(n(2)));
    let out = w.deliver(
        &mut tail,
        120,
        Endpoint::Replica(n(2)),
        in_chain(append(1, 0, 0, vec![e(1, 0)], 0), 1, l.chain.config.version),
        70,
    );
    assert_eq!(
        out,
        vec![
            election_timer(),
            reply(0, confirmed_by(n(3), 1)),
            send(
                n(2),
                Payload::Ack(Ack {
                    epoch: 1,
                    result: AckResult::Appended { match_position: 1 },
                    echo_sent_at: 70,
                    chain_confirmed: 1
                })
            ),
        ]
    );
}

// ----- An append to a follower ---------------------------------------------------

#[test]
fn follower_appends_after_a_matching_previous_entry() {
    let w = World::new(Mode::Async, 3);
    let mut f = w.follower(n(2), &[e(1, 0), e(1, 1)]);
    let out = w.deliver(
        &mut f,
        100,
        Endpoint::Replica(n(1)),
        append(1, 2, 1, vec![e(1, 2)], 2),
        90,
    );
    assert_eq!(out, vec![election_timer(), send(n(1), appended(1, 3, 90))]);
    assert_eq!(f.log.last_position(), 3);
    assert_eq!(f.confirmed, 2, "the leader said 2 is confirmed");
}

#[test]
fn follower_rejects_an_append_that_leaves_a_gap() {
    let w = World::new(Mode::Async, 3);
    let mut f = w.follower(n(2), &[e(1, 0), e(1, 1)]);
    let out = w.deliver(
        &mut f,
        100,
        Endpoint::Replica(n(1)),
        append(1, 5, 1, vec![e(1, 5)], 0),
        90,
    );
    let rejected = Payload::Ack(Ack {
        epoch: 1,
        result: AckResult::Rejected {
            hint: 2,
            conflict_epoch: None,
        },
        echo_sent_at: 90,
        chain_confirmed: 0,
    });
    assert_eq!(out, vec![election_timer(), send(n(1), rejected)]);
    assert_eq!(f.log.last_position(), 2);
}

#[test]
fn follower_rejects_an_append_whose_previous_entry_conflicts_and_names_the_epoch() {
    let w = World::new(Mode::Async, 3);
    let mut f = w.follower(n(2), &[e(1, 0), e(1, 1), e(1, 2)]);
    // n3 leads epoch 2 and holds an entry of epoch 2 at position 3.
    let out = w.deliver(
        &mut f,
        100,
        Endpoint::Replica(n(3)),
        append(2, 3, 2, vec![e(2, 9)], 0),
        90,
    );
    let rejected = Payload::Ack(Ack {
        epoch: 2,
        result: AckResult::Rejected {
            hint: 0,
            conflict_epoch: Some(1),
        },
        echo_sent_at: 90,
        chain_confirmed: 0,
    });
    assert_eq!(out, vec![election_timer(), send(n(3), rejected)]);
    assert_eq!((f.epoch, f.leader), (2, Some(n(3))));
    assert_eq!(
        f.log.last_position(),
        3,
        "nothing is discarded until the leader says what goes there"
    );
}

#[test]
fn follower_discards_its_conflicting_entries_for_the_leaders() {
    let w = World::new(Mode::Async, 3);
    let mut f = w.follower(n(2), &[e(1, 0), e(1, 1), e(1, 2)]);
    let out = w.deliver(
        &mut f,
        100,
        Endpoint::Replica(n(3)),
        append(2, 1, 1, vec![e(2, 9)], 0),
        90,
    );
    assert_eq!(
        out,
        vec![
            election_timer(),
            Command::Happened(Happening::Truncated {
                from_position: 2,
                entries: vec![e(1, 1), e(1, 2)],
                leader: n(3)
            }),
            send(n(3), appended(2, 2, 90)),
        ]
    );
    assert_eq!(
        f.log.iter().copied().collect::<Vec<_>>(),
        vec![e(1, 0), e(2, 9)]
    );
}

// ----- Votes ---------------------------------------------------------------------

fn vote_request(epoch: u32, last_position: u64, last_epoch: u32) -> Payload {
    Payload::VoteRequest(VoteRequest {
        epoch,
        last_position,
        last_epoch,
        forced: false,
        pre_vote: false,
    })
}

fn pre_vote_request(epoch: u32, last_position: u64, last_epoch: u32) -> Payload {
    Payload::VoteRequest(VoteRequest {
        epoch,
        last_position,
        last_epoch,
        forced: false,
        pre_vote: true,
    })
}

fn vote_reply(epoch: u32, answer: VoteAnswer, voter_epoch: u32, granted_at: u64) -> Payload {
    Payload::VoteReply(VoteReply {
        epoch,
        pre_vote: false,
        answer,
        voter_epoch,
        granted_at,
    })
}

fn pre_vote_reply(epoch: u32, answer: VoteAnswer, voter_epoch: u32, granted_at: u64) -> Payload {
    Payload::VoteReply(VoteReply {
        epoch,
        pre_vote: true,
        answer,
        voter_epoch,
        granted_at,
    })
}

/// The two timers of a campaign's round: its window, and asking again whoever is silent.
fn round_timers() -> Vec<Command> {
    vec![
        Command::SetTimer {
            timer: TimerKind::Election,
            after_ms: TIMEOUT,
            jitter_ms: 0,
        },
        Command::SetTimer {
            timer: TimerKind::Heartbeat,
            after_ms: 100,
            jitter_ms: 0,
        },
    ]
}

#[test]
fn vote_is_granted_to_an_up_to_date_candidate_once_the_leader_is_silent() {
    let w = World::new(Mode::Async, 3);
    let mut f = w.follower(n(2), &[e(1, 0)]);
    let out = w.deliver_from(&mut f, 600, n(3), vote_request(2, 1, 1));
    assert_eq!(
        out,
        vec![
            election_timer(),
            send(n(3), vote_reply(2, VoteAnswer::Granted, 2, 600))
        ]
    );
    assert_eq!((f.epoch, f.voted_epoch, f.leader), (2, 2, None));
}

#[test]
fn vote_is_refused_while_the_leader_is_heard_from_stickiness() {
    let w = World::new(Mode::Async, 3);
    let mut f = w.follower(n(2), &[e(1, 0)]);
    let out = w.deliver_from(&mut f, 300, n(3), vote_request(2, 1, 1));
    assert_eq!(
        out,
        vec![send(n(3), vote_reply(2, VoteAnswer::LeaderAlive, 1, 300))]
    );
    assert_eq!((f.epoch, f.voted_epoch, f.leader), (1, 1, Some(n(1))));
}

#[test]
fn vote_is_refused_in_an_epoch_already_voted_in() {
    let w = World::new(Mode::Async, 3);
    let mut f = w.follower(n(2), &[e(1, 0)]);
    assert_eq!(
        w.deliver_from(&mut f, 600, n(3), vote_request(2, 1, 1))
            .len(),
        2
    );
    // A second candidate of the same epoch gets nothing: one vote per epoch.
    let out = w.deliver_from(&mut f, 610, n(1), vote_request(2, 1, 1));
    assert_eq!(
        out,
        vec![send(n(1), vote_reply(2, VoteAnswer::Refused, 2, 610))]
    );
    // And a stale epoch gets nothing either.
    assert_eq!(
        w.deliver_from(&mut f, 620, n(1), vote_request(1, 5, 1)),
        vec![send(n(1), vote_reply(1, VoteAnswer::Refused, 2, 620))]
    );
    // The candidate it voted for, asking again (its answer was lost), gets it again.
    assert_eq!(
        w.deliver_from(&mut f, 630, n(3), vote_request(2, 1, 1)),
        vec![
            election_timer(),
            send(n(3), vote_reply(2, VoteAnswer::Granted, 2, 630))
        ]
    );
}

#[test]
fn a_replica_further_ahead_refuses_its_vote_and_campaigns_itself() {
    let w = World::new(Mode::Async, 3);
    let mut f = w.follower(n(2), &[e(1, 0), e(2, 1)]);
    f.epoch = 2;
    f.voted_epoch = 2;
    // A shorter log: "no, I am ahead", and it asks the others at once (a pre-vote), for
    // an epoch after the one n3 stands in.
    let mut expected = vec![
        send(n(3), vote_reply(3, VoteAnswer::Ahead, 2, 600)),
        Command::Happened(Happening::PreVoteStarted {
            epoch: 4,
            silent_ms: 600,
            last_leader: Some(n(1)),
            ahead_of: Some(n(3)),
        }),
        send(n(1), pre_vote_request(4, 2, 2)),
        send(n(3), pre_vote_request(4, 2, 2)),
    ];
    expected.extend(round_timers());
    assert_eq!(
        w.deliver_from(&mut f, 600, n(3), vote_request(3, 1, 1)),
        expected
    );
    // Longer, but its last entry is of an older epoch: ahead too (already campaigning).
    assert_eq!(
        w.deliver_from(&mut f, 610, n(1), vote_request(4, 5, 1)),
        vec![send(n(1), vote_reply(4, VoteAnswer::Ahead, 2, 610))]
    );
    assert_eq!(
        (f.epoch, f.voted_epoch),
        (2, 2),
        "a pre-vote raises no epoch"
    );
}

#[test]
fn a_silent_leader_starts_a_pre_vote_that_raises_no_epoch() {
    let w = World::new(Mode::Async, 3);
    let mut f = w.follower(n(2), &[e(1, 0)]);
    let out = w.react(&mut f, 600, |r, ctx| r.on_timer(TimerKind::Election, ctx));
    let mut expected = vec![
        Command::Happened(Happening::PreVoteStarted {
            epoch: 2,
            silent_ms: 600,
            last_leader: Some(n(1)),
            ahead_of: None,
        }),
        send(n(1), pre_vote_request(2, 1, 1)),
        send(n(3), pre_vote_request(2, 1, 1)),
    ];
    expected.extend(round_timers());
    assert_eq!(out, expected);
    assert_eq!((f.role, f.epoch, f.voted_epoch), (Role::Follower, 1, 1));

    // A peer that still hears the leader says so; a pre-vote changes nothing for it.
    let mut other = w.follower(n(3), &[e(1, 0)]);
    assert_eq!(
        w.deliver_from(&mut other, 400, n(2), pre_vote_request(2, 1, 1)),
        vec![send(
            n(2),
            pre_vote_reply(2, VoteAnswer::LeaderAlive, 1, 400)
        )]
    );
    assert_eq!((other.epoch, other.voted_epoch), (1, 1));
}

#[test]
fn a_pre_vote_stands_once_the_window_is_over_with_a_majority_and_nobody_ahead() {
    let w = World::new(Mode::Async, 3);
    let mut f = w.follower(n(2), &[e(1, 0)]);
    w.react(&mut f, 600, |r, ctx| r.on_timer(TimerKind::Election, ctx));
    // n3 would vote for it; n1 (the old leader) never answers.
    let out = w.deliver_from(
        &mut f,
        700,
        n(3),
        pre_vote_reply(2, VoteAnswer::Granted, 1, 650),
    );
    assert_eq!(out, vec![], "it waits for every live member, or the window");
    assert_eq!(f.role, Role::Follower);
    let out = w.react(&mut f, 1100, |r, ctx| r.on_timer(TimerKind::Election, ctx));
    let mut expected = vec![
        Command::Happened(Happening::ElectionStarted {
            epoch: 2,
            forced: false,
            heard: n(3).bit(),
            last_leader: Some(n(1)),
        }),
        send(n(1), vote_request(2, 1, 1)),
        send(n(3), vote_request(2, 1, 1)),
    ];
    expected.extend(round_timers());
    assert_eq!(out, expected);
    assert_eq!(
        (f.role, f.epoch, f.voted_epoch),
        (Role::Candidate, 2, 2),
        "its durable epoch is the one it campaigns in"
    );
}

#[test]
fn a_candidate_steps_back_when_a_peer_is_further_ahead() {
    let w = World::new(Mode::Async, 3);
    let mut f = w.follower(n(2), &[e(1, 0)]);
    w.react(&mut f, 600, |r, ctx| r.on_timer(TimerKind::Election, ctx));
    let out = w.deliver_from(
        &mut f,
        700,
        n(3),
        pre_vote_reply(2, VoteAnswer::Ahead, 1, 650),
    );
    assert_eq!(
        out,
        vec![
            Command::Happened(Happening::CampaignAbandoned {
                epoch: 2,
                reason: Abandoned::PeerAhead { peer: n(3) }
            }),
            Command::CancelTimer {
                timer: TimerKind::Heartbeat
            },
            election_timer(),
        ]
    );
    assert_eq!((f.role, f.epoch), (Role::Follower, 1));
}

#[test]
fn a_candidate_refuses_a_stale_epochs_heartbeat_and_keeps_its_log() {
    // Broke: `start_election` raised only the epoch it asked votes for, not its own, so a
    // replica campaigning in epoch 4 took an epoch-3 heartbeat for its leader's and
    // discarded the entries beyond that leader's log.
    let w = World::new(Mode::Async, 3);
    let mut c = w.follower(n(2), &[e(1, 0), e(3, 1), e(3, 2)]);
    c.epoch = 3;
    c.voted_epoch = 3;
    w.react(&mut c, 1000, |r, ctx| r.on_timer(TimerKind::Election, ctx));
    w.deliver_from(
        &mut c,
        1010,
        n(3),
        pre_vote_reply(4, VoteAnswer::Granted, 3, 1005),
    );
    w.react(&mut c, 1500, |r, ctx| r.on_timer(TimerKind::Election, ctx));
    assert_eq!((c.role, c.epoch), (Role::Candidate, 4));
    let before = c.log.clone();
    let out = w.deliver_from(&mut c, 1510, n(1), heartbeat(3, 1, 1, 1, 1));
    assert_eq!(
        out,
        vec![
            Command::Happened(Happening::StaleEpochRefused {
                from: n(1),
                their_epoch: 3,
                our_epoch: 4
            }),
            send(
                n(1),
                Payload::Ack(Ack {
                    epoch: 4,
                    result: AckResult::Stale,
                    echo_sent_at: 0,
                    chain_confirmed: 0
                })
            ),
        ]
    );
    assert_eq!(c.log, before, "nothing discarded");
    assert_eq!((c.role, c.epoch), (Role::Candidate, 4));
}

#[test]
fn a_manual_failover_vote_overrides_stickiness_and_deposes_the_leader() {
    let w = World::new(Mode::Async, 3);
    let mut l = w.leader(&[e(1, 0)]);
    let forced = Payload::VoteRequest(VoteRequest {
        epoch: 2,
        last_position: 1,
        last_epoch: 1,
        forced: true,
        pre_vote: false,
    });
    let out = w.deliver_from(&mut l, 100, n(2), forced);
    assert_eq!(
        out,
        vec![
            Command::Happened(Happening::SteppedDown {
                epoch: 1,
                cause: StepDownCause::ManualFailover { to: n(2) }
            }),
            Command::CancelTimer {
                timer: TimerKind::Heartbeat
            },
            election_timer(),
            election_timer(),
            send(n(2), vote_reply(2, VoteAnswer::Granted, 2, 100)),
        ]
    );
    assert_eq!(l.role, Role::Follower);
}

// ----- Heartbeats, catch-up and snapshots ----------------------------------------

fn heartbeat(
    epoch: u32,
    confirmed: u64,
    sent_upto: u64,
    leader_last: u64,
    leader_last_epoch: u32,
) -> Payload {
    Payload::Heartbeat(Heartbeat {
        epoch,
        confirmed,
        sent_upto,
        leader_last,
        leader_last_epoch,
        chain: ChainConfig::empty(),
    })
}

#[test]
fn a_restarted_follower_asks_for_everything_after_its_last_position() {
    let w = World::new(Mode::Async, 3);
    let mut f = w.follower(n(2), &[e(1, 0), e(1, 1)]);
    f.crash();
    assert_eq!(
        w.react(&mut f, 1000, |r, ctx| r.restart(ctx)),
        vec![election_timer()]
    );
    let out = w.deliver(
        &mut f,
        1050,
        Endpoint::Replica(n(1)),
        heartbeat(1, 5, 2, 5, 1),
        1000,
    );
    assert_eq!(
        out,
        vec![
            election_timer(),
            Command::Happened(Happening::CatchUpStarted {
                from_position: 2,
                upstream: n(1)
            }),
            send(
                n(1),
                Payload::CatchUpRequest(CatchUpRequest {
                    epoch: 1,
                    last_position: 2,
                    last_epoch: 1
                })
            ),
            send(
                n(1),
                Payload::Ack(Ack {
                    epoch: 1,
                    result: AckResult::Heartbeat,
                    echo_sent_at: 1000,
                    chain_confirmed: 0
                })
            ),
        ]
    );
    assert_eq!(
        f.confirmed, 0,
        "it has not verified anything with this leader yet"
    );
}

#[test]
fn the_leader_answers_a_catch_up_request_with_the_backlog() {
    let w = World::new(Mode::Async, 3);
    let mut l = w.leader(&[e(1, 0), e(1, 1), e(1, 2), e(1, 3)]);
    let out = w.deliver_from(
        &mut l,
        100,
        n(2),
        Payload::CatchUpRequest(CatchUpRequest {
            epoch: 1,
            last_position: 2,
            last_epoch: 1,
        }),
    );
    // (A leader started with a log confirms it at once, in async mode: confirmed is 4.)
    assert_eq!(
        out,
        vec![send(n(2), append(1, 2, 1, vec![e(1, 2), e(1, 3)], 4))]
    );
    assert_eq!((l.peers[1].matched, l.peers[1].next), (2, 5));
}

#[test]
fn a_locked_copy_holds_every_write_until_the_last_part_is_sent() {
    let mut w = World::new(Mode::Async, 4);
    w.members.live = 0b0111; // n4 is being set up
    w.settings.snapshot_rows_per_s = 1_000_000; // 1003 rows: two ms, in ten parts
    let mut l = w.leader(&[e(1, 0), e(1, 1), e(1, 2)]);
    let request = Payload::SnapshotRequest(SnapshotRequest {
        epoch: 1,
        method: CopyMethod::LockedCopy,
    });
    w.deliver_from(&mut l, 100, n(4), request);
    // A write during the lock: no append, no answer, nothing sent.
    assert_eq!(w.client_write(&mut l, 101, 3), vec![]);
    assert_eq!(l.log.last_position(), 3);
    for _ in 0..9 {
        w.react(&mut l, 101, |r, ctx| {
            r.on_timer(TimerKind::SnapshotSend(n(4)), ctx)
        });
    }
    assert!(
        l.write_lock.is_some(),
        "nine parts of ten sent: still locked"
    );
    let out = w.react(&mut l, 102, |r, ctx| {
        r.on_timer(TimerKind::SnapshotSend(n(4)), ctx)
    });
    // The last part, then the unlock, then the held write taken as any other.
    assert!(
        matches!(
            &out[0],
            Command::Send {
                payload: Payload::SnapshotChunk(SnapshotChunk {
                    chunk: 9,
                    position: 3,
                    ..
                }),
                ..
            }
        ),
        "{out:?}"
    );
    assert_eq!(
        out[1],
        Command::Happened(Happening::WritesUnlocked {
            follower: n(4),
            held: 1,
            locked_ms: 2
        })
    );
    assert_eq!(out.last(), Some(&reply(3, confirmed_by(n(1), 1))));
    assert_eq!(l.log.last_position(), 4);
    assert!(l.write_lock.is_none());
}

#[test]
fn the_leader_takes_a_snapshot_at_its_last_position_and_sends_it_in_parts() {
    let mut w = World::new(Mode::Async, 4);
    w.members.live = 0b0111; // n4 is being set up
    let mut l = w.leader(&[e(1, 0), e(1, 1), e(1, 2)]);
    let out = w.deliver_from(
        &mut l,
        100,
        n(4),
        Payload::SnapshotRequest(SnapshotRequest {
            epoch: 1,
            method: CopyMethod::Snapshot,
        }),
    );
    // 1003 rows at 1000 rows per second: about a second, in ten parts.
    assert_eq!(
        out,
        vec![
            Command::Happened(Happening::SnapshotTaken {
                follower: n(4),
                method: CopyMethod::Snapshot,
                position: 3,
                rows: 1003,
                copy_ms: 1003
            }),
            Command::SetTimer {
                timer: TimerKind::SnapshotSend(n(4)),
                after_ms: 101,
                jitter_ms: 0
            },
        ]
    );
    // Writes go on meanwhile; they are not part of the snapshot.
    w.client_write(&mut l, 150, 3);
    let out = w.react(&mut l, 201, |r, ctx| {
        r.on_timer(TimerKind::SnapshotSend(n(4)), ctx)
    });
    let part = |chunk, data| {
        Payload::SnapshotChunk(SnapshotChunk {
            epoch: 1,
            position: 3,
            rows: 1003,
            chunk,
            of: 10,
            data,
        })
    };
    assert_eq!(
        out,
        vec![
            Command::SetTimer {
                timer: TimerKind::SnapshotSend(n(4)),
                after_ms: 101,
                jitter_ms: 0
            },
            send(n(4), part(0, None))
        ]
    );
    for _ in 1..9 {
        w.react(&mut l, 300, |r, ctx| {
            r.on_timer(TimerKind::SnapshotSend(n(4)), ctx)
        });
    }
    let out = w.react(&mut l, 1110, |r, ctx| {
        r.on_timer(TimerKind::SnapshotSend(n(4)), ctx)
    });
    let data: std::sync::Arc<[Entry]> = vec![e(1, 0), e(1, 1), e(1, 2)].into();
    assert_eq!(
        out,
        vec![send(n(4), part(9, Some(data)))],
        "the last part carries the data, up to position 3 exactly"
    );
}

#[test]
fn a_new_follower_installs_the_snapshot_and_asks_for_what_followed() {
    let w = World::new(Mode::Async, 4);
    let mut f = Replica::new(n(4));
    w.react(&mut f, 50, |r, ctx| {
        *r = Replica::new_follower(n(4), CopyMethod::Snapshot, ctx)
    });
    assert_eq!(f.setup.map(|s| s.phase), Some(SetupPhase::WaitingForLeader));
    let data: std::sync::Arc<[Entry]> = vec![e(1, 0), e(1, 1), e(1, 2)].into();
    let chunk = Payload::SnapshotChunk(SnapshotChunk {
        epoch: 1,
        position: 3,
        rows: 1003,
        chunk: 9,
        of: 10,
        data: Some(data),
    });
    let out = w.deliver_from(&mut f, 1200, n(1), chunk);
    assert_eq!(
        out,
        vec![
            election_timer(),
            Command::Happened(Happening::SnapshotInstalled { position: 3 }),
            send(
                n(1),
                Payload::CatchUpRequest(CatchUpRequest {
                    epoch: 1,
                    last_position: 3,
                    last_epoch: 1
                })
            ),
        ]
    );
    assert_eq!(f.log.snapshot_position, 3);
    assert_eq!(
        f.setup.map(|s| s.phase),
        Some(SetupPhase::CatchingUp { from: 3 })
    );
}

// ----- Fencing -------------------------------------------------------------------

#[test]
fn a_replica_refuses_an_append_of_a_stale_epoch_and_says_so() {
    let w = World::new(Mode::Async, 3);
    let mut f = w.follower(n(2), &[e(1, 0)]);
    f.epoch = 3;
    f.voted_epoch = 3;
    let out = w.deliver_from(&mut f, 100, n(1), append(1, 1, 1, vec![e(1, 1)], 1));
    assert_eq!(
        out,
        vec![
            Command::Happened(Happening::StaleEpochRefused {
                from: n(1),
                their_epoch: 1,
                our_epoch: 3
            }),
            send(
                n(1),
                Payload::Ack(Ack {
                    epoch: 3,
                    result: AckResult::Stale,
                    echo_sent_at: 0,
                    chain_confirmed: 0
                })
            ),
        ]
    );
    assert_eq!(f.log.last_position(), 1);
}

#[test]
fn a_leader_told_of_a_newer_epoch_steps_down() {
    let w = World::new(Mode::Async, 3);
    let mut l = w.leader(&[e(1, 0)]);
    let stale = Payload::Ack(Ack {
        epoch: 3,
        result: AckResult::Stale,
        echo_sent_at: 0,
        chain_confirmed: 0,
    });
    let out = w.deliver_from(&mut l, 100, n(2), stale);
    assert_eq!(
        out,
        vec![
            Command::Happened(Happening::SteppedDown {
                epoch: 1,
                cause: StepDownCause::NewerEpoch { from: n(2) }
            }),
            Command::CancelTimer {
                timer: TimerKind::Heartbeat
            },
            election_timer(),
        ]
    );
    assert_eq!((l.role, l.epoch), (Role::Follower, 3));
}

#[test]
fn a_fenced_leader_whose_lease_ran_out_refuses_a_write() {
    let w = World::new(Mode::Async, 3);
    let mut l = w.leader(&[]);
    // Nobody has answered since the start: at 600 ms the lease (500 ms) is gone.
    let out = w.client_write(&mut l, 600, 0);
    assert_eq!(
        out,
        vec![
            Command::Happened(Happening::SteppedDown {
                epoch: 1,
                cause: StepDownCause::LostMajority { silent_ms: 600 }
            }),
            Command::CancelTimer {
                timer: TimerKind::Heartbeat
            },
            election_timer(),
            reply(
                0,
                ReplyOutcome::Refused {
                    reason: "the leader cannot reach a majority, so another may have been elected"
                }
            ),
        ]
    );
    assert!(l.log.last_position() == 0 && l.role == Role::Follower);

    // Without fencing the same leader takes the write.
    let mut w = World::new(Mode::Async, 3);
    w.settings.fencing = false;
    let mut l = w.leader(&[]);
    assert_eq!(
        w.client_write(&mut l, 600, 0).last(),
        Some(&reply(0, confirmed_by(n(1), 1)))
    );
}

#[test]
fn a_leader_with_one_fresh_acknowledgement_of_three_keeps_its_lease() {
    let w = World::new(Mode::Async, 3);
    let mut l = w.leader(&[]);
    w.deliver_from(
        &mut l,
        450,
        n(2),
        Payload::Ack(Ack {
            epoch: 1,
            result: AckResult::Heartbeat,
            echo_sent_at: 400,
            chain_confirmed: 0,
        }),
    );
    assert!(l.lease_valid_at(899, &w.settings, w.members));
    assert!(
        !l.lease_valid_at(900, &w.settings, w.members),
        "400 + 500: n2 may vote for another from here on"
    );
    assert_eq!(
        w.client_write(&mut l, 899, 0).last(),
        Some(&reply(0, confirmed_by(n(1), 1)))
    );
}

// ----- Reconfiguration: a new snapshot, a new synchronous follower, a new chain ----

fn heartbeat_tick(w: &World, l: &mut Replica, now: u64) -> Vec<Command> {
    w.react(l, now, |r, ctx| r.on_timer(TimerKind::Heartbeat, ctx))
}

fn heartbeat_ack(echo_sent_at: u64) -> Payload {
    Payload::Ack(Ack {
        epoch: 1,
        result: AckResult::Heartbeat,
        echo_sent_at,
        chain_confirmed: 0,
    })
}

fn chain_heartbeat(chain: ChainConfig) -> Payload {
    Payload::Heartbeat(Heartbeat {
        epoch: 1,
        confirmed: 0,
        sent_upto: 0,
        leader_last: 0,
        leader_last_epoch: 0,
        chain,
    })
}

fn heartbeat_timer() -> Command {
    Command::SetTimer {
        timer: TimerKind::Heartbeat,
        after_ms: 100,
        jitter_ms: 0,
    }
}

/// The chapter's "setting up new followers", when the leader no longer has the log from
/// the snapshot's position: the follower must take a new snapshot.
#[test]
fn a_follower_whose_position_the_leader_discarded_asks_for_a_new_snapshot() {
    let w = World::new(Mode::Async, 3);
    let mut f = w.follower(n(2), &[e(1, 0)]);
    let out = w.deliver_from(
        &mut f,
        100,
        n(1),
        Payload::SnapshotNeeded(SnapshotNeeded {
            epoch: 1,
            log_start: 5,
        }),
    );
    assert_eq!(
        out,
        vec![
            election_timer(),
            Command::Happened(Happening::SnapshotTooOld {
                from: n(1),
                requested: 2,
                log_start: 5,
                attempt: 1,
                giving_up: false,
            }),
            send(
                n(1),
                Payload::SnapshotRequest(SnapshotRequest {
                    epoch: 1,
                    method: CopyMethod::Snapshot
                })
            ),
        ]
    );
    assert_eq!(
        f.setup.map(|s| (s.phase, s.attempts)),
        Some((SetupPhase::SnapshotRequested, 1))
    );
}

/// A new follower whose every copy took longer than the leader keeps its log stops after
/// the last attempt, rather than copying snapshots for ever.
#[test]
fn a_new_follower_gives_up_after_its_last_snapshot_attempt() {
    let mut w = World::new(Mode::Async, 4);
    w.members.live = 0b0111; // n4 has not caught up yet
    let mut f = w.follower(n(4), &[]);
    f.setup = Some(replication_sim::replica::Setup {
        phase: SetupPhase::CatchingUp { from: 3 },
        attempts: replication_sim::replica::MAX_SNAPSHOT_ATTEMPTS - 1,
        leader: Some(n(1)),
        since_ms: 0,
    });
    let out = w.deliver_from(
        &mut f,
        900,
        n(1),
        Payload::SnapshotNeeded(SnapshotNeeded {
            epoch: 1,
            log_start: 7,
        }),
    );
    assert_eq!(
        out,
        vec![
            election_timer(),
            Command::Happened(Happening::SnapshotTooOld {
                from: n(1),
                requested: 1,
                log_start: 7,
                attempt: 3,
                giving_up: true,
            }),
            Command::Happened(Happening::SnapshotGaveUp { attempts: 3 }),
        ],
        "no new snapshot request"
    );
    assert_eq!(f.setup.map(|s| s.phase), Some(SetupPhase::GaveUp));
}

/// Semi-synchronous: "if the synchronous follower becomes unavailable or slow, one of the
/// asynchronous followers is made synchronous".
#[test]
fn semi_sync_leader_replaces_a_silent_synchronous_follower_with_a_responsive_one() {
    let w = World::new(Mode::SemiSync, 3);
    let mut l = w.leader(&[]);
    assert_eq!(l.sync_follower, Some(n(2)));
    // n3 answers at 900; n2 has been silent since the start, past the sync timeout (250).
    assert_eq!(
        w.deliver_from(&mut l, 900, n(3), heartbeat_ack(850)),
        vec![]
    );
    let out = heartbeat_tick(&w, &mut l, 1000);
    assert_eq!(
        out,
        vec![
            Command::Happened(Happening::SyncFollowerChanged {
                from: Some(n(2)),
                to: n(3),
                silent_ms: 1000,
            }),
            send(n(2), heartbeat(1, 0, 0, 0, 0)),
            send(n(3), heartbeat(1, 0, 0, 0, 0)),
            heartbeat_timer(),
        ]
    );
    assert_eq!(l.sync_follower, Some(n(3)));
}

#[test]
fn semi_sync_leader_keeps_a_synchronous_follower_that_answers() {
    let w = World::new(Mode::SemiSync, 3);
    let mut l = w.leader(&[]);
    w.deliver_from(&mut l, 900, n(2), heartbeat_ack(850));
    let out = heartbeat_tick(&w, &mut l, 1000);
    assert_eq!(
        out,
        vec![
            send(n(2), heartbeat(1, 0, 0, 0, 0)),
            send(n(3), heartbeat(1, 0, 0, 0, 0)),
            heartbeat_timer(),
        ]
    );
    assert_eq!(l.sync_follower, Some(n(2)));
}

/// Chain replication: the head splices a silent node out of the chain, and tells every
/// member (the silent one too, which rejoins at the tail once it answers again).
#[test]
fn chain_head_splices_out_a_silent_node() {
    let w = World::new(Mode::Chain, 3);
    let mut l = w.leader(&[]);
    assert_eq!(
        l.chain.config,
        ChainConfig::from_slice(1, &[n(1), n(2), n(3)])
    );
    w.deliver_from(&mut l, 900, n(2), heartbeat_ack(850));
    let out = heartbeat_tick(&w, &mut l, 1000);
    let spliced = ChainConfig::from_slice(2, &[n(1), n(2)]);
    assert_eq!(
        out,
        vec![
            Command::Happened(Happening::ChainChanged {
                order: spliced,
                removed: vec![n(3)],
            }),
            send(n(2), chain_heartbeat(spliced)),
            send(n(3), chain_heartbeat(spliced)),
            heartbeat_timer(),
        ]
    );
    assert_eq!(l.chain.config, spliced);
}

#[test]
fn chain_head_takes_a_returning_node_back_at_the_tail() {
    let w = World::new(Mode::Chain, 3);
    let mut l = w.leader(&[]);
    w.deliver_from(&mut l, 900, n(2), heartbeat_ack(850));
    heartbeat_tick(&w, &mut l, 1000);
    // n3 answers again: it joins after n2, at the tail.
    w.deliver_from(&mut l, 1050, n(3), heartbeat_ack(1000));
    w.deliver_from(&mut l, 1050, n(2), heartbeat_ack(1000));
    let out = heartbeat_tick(&w, &mut l, 1100);
    let rejoined = ChainConfig::from_slice(3, &[n(1), n(2), n(3)]);
    assert_eq!(
        out[0],
        Command::Happened(Happening::ChainChanged {
            order: rejoined,
            removed: vec![],
        })
    );
    assert_eq!(l.chain.config, rejoined);
}

/// A change of mode at the leader: to chain, the head lays out a chain of every live
/// member and probes its successor; to semi-sync, it re-sends to every follower from its
/// last position and keeps a synchronous follower.
#[test]
fn a_leader_switched_to_chain_mode_lays_out_the_chain_and_probes_its_successor() {
    let mut w = World::new(Mode::Async, 3);
    let mut l = w.leader(&[e(1, 0), e(1, 1)]);
    w.settings.mode = Mode::Chain;
    let out = w.react(&mut l, 100, |r, ctx| r.on_mode_changed(ctx));
    let chain = ChainConfig::from_slice(1, &[n(1), n(2), n(3)]);
    assert_eq!(
        out,
        vec![
            Command::Happened(Happening::ChainChanged {
                order: chain,
                removed: vec![],
            }),
            send(n(2), in_chain(append(1, 2, 1, vec![], 2), 1, 1)),
        ]
    );
    assert_eq!(l.chain.config, chain);
}

#[test]
fn a_leader_switched_to_semi_sync_probes_every_follower_from_its_last_position() {
    let mut w = World::new(Mode::Async, 3);
    let mut l = w.leader(&[e(1, 0), e(1, 1)]);
    w.settings.mode = Mode::SemiSync;
    let out = w.react(&mut l, 100, |r, ctx| r.on_mode_changed(ctx));
    assert_eq!(
        out,
        vec![
            send(n(2), append(1, 2, 1, vec![], 2)),
            send(n(3), append(1, 2, 1, vec![], 2)),
        ]
    );
    assert_eq!(l.sync_follower, Some(n(2)));
}

#[test]
fn a_follower_sends_nothing_on_a_change_of_mode_and_forgets_its_chain() {
    let mut w = World::new(Mode::Chain, 3);
    let mut f = w.follower(n(2), &[]);
    f.chain.config = ChainConfig::from_slice(4, &[n(1), n(2), n(3)]);
    w.settings.mode = Mode::Async;
    assert_eq!(
        w.react(&mut f, 100, |r, ctx| r.on_mode_changed(ctx)),
        vec![]
    );
    // What passed down that chain says nothing about the next one.
    assert_eq!(f.chain.config, ChainConfig::empty());
}
