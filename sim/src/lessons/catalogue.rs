//! The lessons themselves, in the order of the chapter: each preset's introduction, question,
//! prediction, the moments it holds at, and the checks that say whether the run bore out what
//! the chapter claims. The helpers they use live in `lessons.rs`.

use super::*;

/// One lesson per preset, in the order of the chapter.
pub const LESSONS: &[Lesson] = &[
    Lesson {
        id: "sync-vs-async",
        intro: "A leader can confirm a write as soon as it is in its own log (asynchronous), or only once every follower has it too (synchronous). Watch the latency of each write, then what a single dead follower does to a synchronous leader.",
        question: "Synchronous replication never loses a confirmed write while any replica of it survives. What does it cost, and who pays?",
        prediction: Prediction {
            prompt: "While n3 is down, what happens to the writes a synchronous leader receives?",
            choices: &["They are confirmed by the leader and n2, as before", "They wait: none is confirmed until n3 is back", "They are confirmed, then lost when n3 returns"],
            answer: 1,
        },
        pause_on: &[NoteKind::Setting, NoteKind::Crash, NoteKind::Restart],
        checks: |sim| {
            let a = median(latencies(sim, 0, 2_000));
            let s = median(latencies(sim, 2_200, 4_000));
            let blocked_confirmed = sim
                .writes
                .iter()
                .filter(|w| (4_600..6_000).contains(&w.invoked_at))
                .filter(|w| w.confirmed_at().is_some_and(|c| c < 6_000))
                .count();
            let waited = sim.writes.iter().filter(|w| (4_600..6_000).contains(&w.invoked_at)).count();
            let n_lost = lost(sim).len();
            vec![
                check(
                    "Writes took longer to confirm once replication was synchronous",
                    matches!((a, s), (Some(a), Some(s)) if s > a),
                    format!("median latency {} ms asynchronous, {} ms synchronous", fmt_opt(a), fmt_opt(s)),
                ),
                check(
                    "While n3 was down, no new write was confirmed: all of them waited",
                    waited > 0 && blocked_confirmed == 0,
                    format!("{} sent while n3 was down; {blocked_confirmed} confirmed before it came back", count(waited as u64, "write", "writes")),
                ),
                check("No confirmed write was lost", n_lost == 0, format!("{n_lost} lost")),
            ]
        },
    },
    Lesson {
        id: "semi-sync",
        intro: "In semi-synchronous replication one follower is synchronous and the others asynchronous. If the synchronous one stops answering, an asynchronous follower takes its place, so that two replicas always hold every confirmed write.",
        question: "Why is it enough for one follower to be synchronous, and what would happen if the leader had simply gone on alone?",
        prediction: Prediction {
            prompt: "The synchronous follower n2 stops answering. What does the leader do?",
            choices: &["It goes on alone, confirming writes no follower holds", "It stops confirming writes until n2 returns", "It makes n3 the synchronous follower and goes on"],
            answer: 2,
        },
        pause_on: &[NoteKind::Crash, NoteKind::Sync, NoteKind::Leader],
        checks: |sim| {
            let switched = has_note(sim, NoteKind::Sync, "n3 is now the synchronous follower");
            let during = sim.writes.iter().filter(|w| (1_900..3_000).contains(&w.invoked_at) && w.is_confirmed()).count();
            let n_lost = lost(sim).len();
            vec![
                check("After n2 failed, n3 became the synchronous follower", switched, if switched { "the leader switched to n3".into() } else { "no switch happened".into() }),
                check("Writes kept being confirmed while n2 was down", during > 0, format!("{} confirmed between 1.9 s and 3 s", count(during as u64, "write", "writes"))),
                check("When the leader crashed, no confirmed write was lost", n_lost == 0 && crashed_any(sim), format!("{n_lost} lost")),
            ]
        },
    },
    Lesson {
        id: "async-failover",
        intro: "The leader confirms writes asynchronously, and its followers are 100 ms away. It crashes. The followers wait for the failover timeout, elect the most up-to-date of them, and clients move to the new leader.",
        question: "The client was told these writes were saved. Which replica had them, and could any failover procedure have kept them?",
        prediction: Prediction {
            prompt: "The leader crashes holding writes it confirmed that no follower has received yet. After the failover, those writes are…",
            choices: &["Lost: no surviving replica had them", "Kept: the new leader fetches them from the old one", "Kept: clients send them again"],
            answer: 0,
        },
        pause_on: &[NoteKind::Crash, NoteKind::Leader, NoteKind::Lost, NoteKind::Discarded],
        checks: |sim| {
            let l = lost(sim);
            let crashed = l.iter().filter(|(_, r)| *r == LostReason::LeaderCrashedBeforeReplicating).count();
            let failover = sim.max_epoch() > 1;
            let discarded = notes_of(sim, NoteKind::Discarded).any(|n| n.text.contains("had been confirmed to clients"));
            vec![
                check("A new leader was elected after the crash", failover, format!("highest epoch {}", sim.max_epoch())),
                check(
                    "Writes confirmed by the old leader were lost, because it crashed before replicating them",
                    crashed > 0,
                    format!("{} lost, {crashed} of them for that reason", l.len()),
                ),
                check(
                    "The old leader discarded them when it rejoined as a follower",
                    discarded,
                    if discarded { "see the event log".into() } else { "no confirmed write was discarded".into() },
                ),
            ]
        },
    },
    Lesson {
        id: "follower-catch-up",
        intro: "A follower crashes while writes keep coming. Its log is on disk, so when it restarts it knows the last log position it processed. It asks the leader for every change since, and catches up.",
        question: "What does the follower need to remember across a crash, and what can it forget?",
        prediction: Prediction {
            prompt: "n2 crashes while writes go on. When it restarts, it…",
            choices: &["Needs a fresh snapshot of the whole database", "Asks the leader for every change after its last log position", "Starts empty and follows only new writes"],
            answer: 1,
        },
        pause_on: &[NoteKind::Crash, NoteKind::Restart, NoteKind::CatchUp],
        checks: |sim| {
            let asked = notes_of(sim, NoteKind::CatchUp).any(|n| n.node == Some(NodeId(1)));
            let (same, evidence) = leader_log_matches(sim, NodeId(1));
            let n_lost = lost(sim).len();
            vec![
                check("n2 asked the leader for every change after its last log position", asked, if asked { "see the event log".into() } else { "no catch-up request".into() }),
                check("n2 ended with exactly the leader's log", same, evidence),
                check("Nothing was lost", n_lost == 0, format!("{n_lost} lost")),
            ]
        },
    },
    Lesson {
        id: "new-follower-snapshot",
        intro: "A new follower cannot just copy the leader's files while writes go on. The leader takes a consistent snapshot at an exact log position, the snapshot is copied, and then the follower asks for every change since that position.",
        question: "Why does the snapshot need an exact log position, and what would go wrong without one?",
        prediction: Prediction {
            prompt: "While n4 is being set up from a snapshot, what happens to the clients' writes?",
            choices: &["They go on, and n4 ends with exactly the leader's log", "They pause until the copy is done", "They go on, but n4 ends with a different log"],
            answer: 0,
        },
        pause_on: &[NoteKind::Snapshot, NoteKind::CatchUp, NoteKind::CaughtUp],
        checks: |sim| {
            let took = has_note(sim, NoteKind::Snapshot, "took a consistent snapshot at log position");
            let caught = notes_of(sim, NoteKind::CaughtUp).any(|n| n.node == Some(NodeId(3)));
            let (same, evidence) = leader_log_matches(sim, NodeId(3));
            let failed = sim.writes.iter().filter(|w| matches!(w.outcome, Outcome::Failed { .. })).count();
            vec![
                check("The leader took a snapshot at an exact log position, without stopping writes", took, if took { "see the event log".into() } else { "no snapshot was taken".into() }),
                check("n4 caught up and now follows live", caught, if caught { "caught up".into() } else { "it never caught up".into() }),
                check("n4 ended with exactly the leader's log", same, evidence),
                check("No client write failed while n4 was being set up", failed == 0, format!("{failed} failed")),
            ]
        },
    },
    Lesson {
        id: "new-follower-locked-copy",
        intro: "The simplest consistent copy: lock the database so that nothing changes, copy its files to the new follower, unlock. The copy matches one exact log position, so n4 can follow from there. Watch the clients while the copy runs.",
        question: "n4 ends up exactly like the leader, as with a snapshot. Why does the chapter still reject this way for a database that must stay available?",
        prediction: Prediction {
            prompt: "While the database is locked for the copy, what happens to the clients' writes?",
            choices: &["They wait until the copy is done, then are confirmed", "They are confirmed as usual", "They are lost"],
            answer: 0,
        },
        pause_on: &[NoteKind::Snapshot, NoteKind::CatchUp, NoteKind::CaughtUp],
        checks: |sim| {
            let (waited, locked_ms) = sim.write_lock_figures();
            let (same, evidence) = leader_log_matches(sim, NodeId(3));
            let slowest = sim.confirm_latencies().last().copied().unwrap_or(0);
            vec![
                check("Every write that arrived during the copy waited for the lock", waited > 0, format!("{} waited; writes were locked for {locked_ms} ms", count(waited, "write", "writes"))),
                check("The slowest write waited about as long as the copy took", slowest * 2 >= locked_ms && locked_ms > 0, format!("slowest confirmation {slowest} ms, lock {locked_ms} ms")),
                check("n4 ended with exactly the leader's log", same, evidence),
            ]
        },
    },
    Lesson {
        id: "new-follower-file-copy",
        intro: "The naive way: copy the leader's data files to the new follower while writes go on, row by row, with no lock and no log position. Rows copied early miss the writes that come after them; rows copied late have them. Watch what n4 ends up with, then compare the three ways side by side.",
        question: "The copy holds only writes the leader confirmed. Why is it still wrong, and why does a log position fix it?",
        prediction: Prediction {
            prompt: "The leader copies its files to n4 while writes continue. What does n4 end up with?",
            choices: &["Exactly the leader's data, a little later", "Data that matches no state the leader ever had, and differs for good", "Nothing: the copy is refused"],
            answer: 1,
        },
        pause_on: &[NoteKind::Snapshot, NoteKind::CatchUp, NoteKind::CaughtUp],
        checks: |sim| {
            let copy = sim.file_copies.iter().find(|c| c.follower == NodeId(3));
            let inconsistent = copy.is_some_and(|c| c.installed && !c.read.matches_a_leader_state());
            let missed = copy.map_or(0, |c| c.read.missed.len() as u64);
            let differs = sim.differs_for_good().into_iter().find(|d| d.replica == NodeId(3));
            let keys = differs.as_ref().map_or(0, |d| d.keys.len());
            let failed = sim.writes.iter().filter(|w| matches!(w.outcome, Outcome::Failed { .. })).count();
            vec![
                check("n4's copy matches no state the leader ever had", inconsistent, copy.map_or("no file copy was made".into(), |c| c.finding.clone())),
                check("n4's data differs from the leader's for good", keys > 0, format!("{} missing; {} differ at the end", count(missed, "write", "writes"), count(keys as u64, "key", "keys"))),
                check("No client write waited or failed during the copy", failed == 0 && sim.write_lock_figures() == (0, 0), format!("{failed} failed")),
            ]
        },
    },
    Lesson {
        id: "snapshot-too-old",
        intro: "The leader keeps only its most recent log entries. If copying the snapshot takes longer than that, the position the new follower needs is gone by the time it asks for it.",
        question: "Which setting would you change to let n4 catch up, and what does that cost the leader?",
        prediction: Prediction {
            prompt: "Copying the snapshot takes longer than the leader keeps its log. Does n4 catch up?",
            choices: &["Yes: it asks for every change since the snapshot", "No: the position it needs is gone from the leader's log"],
            answer: 1,
        },
        pause_on: &[NoteKind::Snapshot],
        checks: |sim| {
            let too_old = notes_of(sim, NoteKind::Snapshot).filter(|n| n.text.contains("log now starts at")).count();
            let live = sim.replicas.len() > 3 && sim.members.is_live(NodeId(3));
            vec![
                check("The leader no longer had the position n4 needed", too_old > 0, count(too_old as u64, "time", "times")),
                check("n4 never caught up", !live && sim.replicas.len() > 3, if live { "n4 caught up".into() } else { "n4 is still not a live follower".into() }),
            ]
        },
    },
    Lesson {
        id: "retention-keep-log",
        intro: "A follower is down for a long time. This leader keeps its log until every follower has caught up, so n3 will be able to catch up from its last log position. But the log waits on the leader's disk, and the disk also holds the table's 5,000 rows.",
        question: "n3 will need no snapshot. What did that cost the clients, and what would it cost if n3 never came back?",
        prediction: Prediction {
            prompt: "The leader keeps its log until n3 is back, on a disk of limited size. What happens while n3 is away?",
            choices: &["Nothing: the leader takes every write", "The disk fills, and the leader refuses writes", "The leader deletes the log anyway"],
            answer: 1,
        },
        pause_on: &[NoteKind::Crash, NoteKind::Disk, NoteKind::Restart],
        checks: |sim| {
            let full = has_note(sim, NoteKind::Disk, "disk is full");
            let refused = sim.refused_disk_full();
            let snapshots = notes_of(sim, NoteKind::Snapshot).count();
            let (same, evidence) = leader_log_matches(sim, NodeId(2));
            vec![
                check("The leader's disk filled while n3 was down", full, if full { "see the event log".into() } else { "it never filled".into() }),
                check("The leader refused writes because its disk was full", refused > 0, format!("{} refused", count(refused, "write", "writes"))),
                check("n3 caught up from its own log position, with no new snapshot", snapshots == 0 && same, if snapshots == 0 { evidence } else { count(snapshots as u64, "snapshot note", "snapshot notes") }),
            ]
        },
    },
    Lesson {
        id: "retention-delete-log",
        intro: "The same follower down for the same time, but this leader deletes its log beyond the last 150 entries. Its disk never fills, so it takes every write, but by the time n3 returns the log no longer reaches back to n3's position.",
        question: "The clients never noticed n3's absence here. What did n3 have to do instead, and how long would that take with a billion rows?",
        prediction: Prediction {
            prompt: "The leader deletes its log beyond the last 150 entries. When n3 comes back, it…",
            choices: &["Catches up from its last log position", "Needs a new snapshot, since its position is gone", "Stays behind for good"],
            answer: 1,
        },
        pause_on: &[NoteKind::Crash, NoteKind::Restart, NoteKind::Snapshot, NoteKind::CatchUp, NoteKind::CaughtUp],
        checks: |sim| {
            let too_old = notes_of(sim, NoteKind::Snapshot).any(|n| n.text.contains("log now starts at"));
            let installed = notes_of(sim, NoteKind::CatchUp).any(|n| n.node == Some(NodeId(2)) && n.text.contains("installed the snapshot"));
            let refused = sim.refused_disk_full();
            let (same, evidence) = leader_log_matches(sim, NodeId(2));
            vec![
                check("The leader had deleted the log position n3 needed", too_old, if too_old { "see the event log".into() } else { "the log still reached back".into() }),
                check("n3 was re-seeded from a new snapshot", installed, if installed { "installed".into() } else { "no snapshot was installed".into() }),
                check("The leader refused no write: its disk never filled", refused == 0, format!("{} refused", count(refused, "write", "writes"))),
                check("n3 ended with exactly the leader's log", same, evidence),
            ]
        },
    },
    Lesson {
        id: "split-brain",
        intro: "A partition cuts the leader and one client off from the other replicas. Without fencing, the old leader never learns that it was replaced, and two leaders accept writes at once.",
        question: "Both leaders told their clients the writes were saved. Which writes survive the healing of the partition, and why those?",
        prediction: Prediction {
            prompt: "The partition heals. What becomes of the writes the old leader confirmed while it was cut off?",
            choices: &["They are merged with the new leader's", "They survive, and the new leader's are lost", "They are lost"],
            answer: 2,
        },
        pause_on: &[NoteKind::Network, NoteKind::Leader, NoteKind::Lost, NoteKind::StepDown],
        checks: |sim| {
            let split = lost(sim).iter().filter(|(_, r)| *r == LostReason::SplitBrain).count();
            vec![
                check("Two leaders accepted writes at the same time", split > 0, format!("{} confirmed by the deposed leader after the new one was elected", count(split as u64, "write", "writes"))),
                check("The deposed leader's writes were lost when the partition healed", split > 0, format!("{split} lost to split brain")),
            ]
        },
    },
    Lesson {
        id: "split-brain-fenced",
        intro: "The same partition, with fencing: every message carries an epoch, replicas refuse stale ones, and a leader that has not heard from a majority stops taking writes before anyone else can be elected.",
        question: "The old leader now refuses writes. Is that better or worse for the client beside it, and why?",
        prediction: Prediction {
            prompt: "With fencing, what does the cut-off leader do with its client's writes?",
            choices: &["It refuses them once it loses touch with the majority", "It confirms them, and they are lost when the partition heals", "It confirms them, and they survive"],
            answer: 0,
        },
        pause_on: &[NoteKind::Network, NoteKind::Fencing, NoteKind::Leader],
        checks: |sim| {
            let fenced = has_note(sim, NoteKind::Fencing, "stops taking writes");
            let split = lost(sim).iter().filter(|(_, r)| *r == LostReason::SplitBrain).count();
            let refused = sim.writes.iter().filter(|w| matches!(&w.outcome, Outcome::Failed { reason, .. } if reason.contains("refused") || reason.contains("not the leader"))).count();
            vec![
                check("The old leader stopped taking writes once it lost touch with the majority", fenced, if fenced { "see the event log".into() } else { "it never stepped down".into() }),
                check("No write was lost to split brain", split == 0, format!("{split} lost to split brain")),
                check("The old leader's clients had their writes refused instead", refused > 0, format!("{} refused", count(refused as u64, "write", "writes"))),
            ]
        },
    },
    Lesson {
        id: "controller-failover",
        intro: "Here the replicas do not elect a leader: a controller node, m1, watches them. It pings every replica each heartbeat interval, and when the leader stops answering for a failover timeout it asks the others how far their logs reach and appoints one.",
        question: "The controller could appoint any follower. Why does the chapter say the best candidate is the most up-to-date one?",
        prediction: Prediction {
            prompt: "n2's link from the leader is slow, so n2 lags behind n3. Whom does m1 appoint when n1 crashes?",
            choices: &["n2, the lowest id", "n3, the most up-to-date", "Nobody: the followers elect one themselves"],
            answer: 1,
        },
        pause_on: &[NoteKind::Crash, NoteKind::Election, NoteKind::Leader],
        checks: controller::failover,
    },
    Lesson {
        id: "controller-cut-off",
        intro: "The controller m1 is on the network like any node. Here a partition cuts it off from every replica, and later the leader crashes.",
        question: "The controller cannot tell a dead leader from a broken link. What should it do when it hears nobody?",
        prediction: Prediction {
            prompt: "Cut off from every replica, what does m1 do?",
            choices: &["It appoints a new leader at once", "It appoints nobody; the leader carries on, and its crash goes unanswered until the heal", "The replicas elect a leader instead"],
            answer: 1,
        },
        pause_on: &[NoteKind::Network, NoteKind::Crash, NoteKind::Election, NoteKind::Leader],
        checks: controller::cut_off,
    },
    Lesson {
        id: "controller-with-old-leader",
        intro: "Now the partition puts m1 on the same side as the leader n1, and the two followers on the other side. Clients reach every replica.",
        question: "m1 hears the leader fine. What does the majority side see, and who can take writes?",
        prediction: Prediction {
            prompt: "While the partition lasts, who takes writes?",
            choices: &["n2 or n3: the majority side elects a leader", "n1, for good: the controller sees it alive", "n1 only until its lease runs out; then nobody does"],
            answer: 2,
        },
        pause_on: &[NoteKind::Network, NoteKind::Fencing, NoteKind::Election, NoteKind::Leader],
        checks: controller::with_old_leader,
    },
    Lesson {
        id: "chain",
        intro: "In chain replication, writes enter at the head and travel down the chain; the tail confirms them. A failed node is spliced out, and a returning one joins at the tail.",
        question: "Which node would you read from to be sure of seeing every confirmed write, and why?",
        prediction: Prediction {
            prompt: "Which node tells the client that its write is confirmed?",
            choices: &["The head, n1, which received it", "Any node that holds it", "The tail, n4, once every node in the chain has it"],
            answer: 2,
        },
        pause_on: &[NoteKind::Crash, NoteKind::Chain],
        checks: |sim| {
            let before: Vec<_> = sim.writes.iter().filter(|w| w.invoked_at < 1_400).filter_map(|w| match w.outcome {
                Outcome::Confirmed { by, .. } => Some(by),
                _ => None,
            }).collect();
            let tail = before.iter().all(|&b| b == NodeId(3)) && !before.is_empty();
            let spliced = has_note(sim, NoteKind::Chain, "spliced out");
            let n_lost = lost(sim).len();
            let chain = sim.settings.mode == Mode::Chain;
            vec![
                check("The tail (n4), not the head, confirmed the writes", tail && chain, format!("{} confirmed before the crash, all by n4: {}", count(before.len() as u64, "write", "writes"), if tail { "yes" } else { "no" })),
                check("The crashed node was spliced out of the chain", spliced, if spliced { "see the event log".into() } else { "no splice".into() }),
                check("Nothing was lost", n_lost == 0, format!("{n_lost} lost")),
            ]
        },
    },
    Lesson {
        id: "short-timeout",
        intro: "Failure detection is a timeout. Here it is 200 ms, and a load spike slows the leader's links so that heartbeats take longer than that to arrive.",
        question: "Which timeout would you choose, and what do you lose by making it longer?",
        prediction: Prediction {
            prompt: "The leader's links slow down, but nothing crashes. What happens?",
            choices: &["Nothing: a slow leader is still the leader", "A follower times out and a needless failover follows"],
            answer: 1,
        },
        pause_on: &[NoteKind::Network, NoteKind::Election, NoteKind::Leader],
        checks: |sim| {
            let failover = sim.max_epoch() > 1;
            let crashed = crashed_any(sim);
            vec![check(
                "A new leader was elected although no replica had crashed: a needless failover",
                failover && !crashed,
                format!("highest epoch {}, crashes: {}", sim.max_epoch(), if crashed { "yes" } else { "none" }),
            )]
        },
    },
    Lesson {
        id: "reads-and-lag",
        intro: "Reading from followers spreads the load, but an asynchronous follower lags behind the leader. A client that reads its own write back from a lagging follower may not find it, and two reads in a row from different followers can go back in time.",
        question: "Which guarantee does each policy give: reading from the leader, from a random follower, or always from the same follower?",
        prediction: Prediction {
            prompt: "A client writes, then reads from random followers. Does it always see its own write?",
            choices: &["No: a lagging follower may not have it yet", "Yes: the write was confirmed before the read"],
            answer: 0,
        },
        pause_on: &[NoteKind::Setting],
        checks: |sim| {
            let before = |r: &&crate::sim::ReadRecord| r.invoked_at < 4_000;
            let after = |r: &&crate::sim::ReadRecord| r.invoked_at > 4_100;
            let ryw = sim.reads.iter().filter(before).filter(|r| r.stale_own_write).count();
            let mono = sim.reads.iter().filter(before).filter(|r| r.went_back).count();
            let later = sim.reads.iter().filter(after).filter(|r| r.answered_at.is_some()).count();
            let later_bad = sim.reads.iter().filter(after).filter(|r| r.stale_own_write || r.went_back).count();
            vec![
                check("Reading from followers, the client sometimes missed its own confirmed write", ryw > 0, count(ryw as u64, "read", "reads")),
                check("Reading from followers, a read sometimes returned an older value than the read before it", mono > 0, count(mono as u64, "read", "reads")),
                check(
                    "Reading from the leader, neither happened again",
                    later > 0 && later_bad == 0,
                    format!("{} from the leader, {}", count(later as u64, "read", "reads"), count(later_bad as u64, "anomaly", "anomalies")),
                ),
            ]
        },
    },
];
