//! Clients: writes and reads. "Clients send write requests to the leader"; a client that
//! reaches a follower is redirected, and one that reaches a replica that is down gets its
//! connection refused. Reads may go to followers, which serve them from their own log and may
//! be behind: the chapter's read-your-writes and monotonic reads are judged here, on every
//! answer.
use super::*;

#[derive(Clone, Debug, PartialEq)]
pub struct Client {
    pub id: ClientId,
    pub believed_leader: NodeId,
    pub known_epoch: u32,
}

/// A client's read: the chapter's "reading your own writes" and "monotonic reads" are
/// judged on these.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadRecord {
    pub client: ClientId,
    /// The client's write whose key is read back.
    pub key_of: WriteId,
    pub key: String,
    pub invoked_at: u64,
    pub target: NodeId,
    /// The client's own latest write to the key that was confirmed when the read began.
    pub own_confirmed: Option<WriteId>,
    pub answered_at: Option<u64>,
    pub value: Option<WriteId>,
    /// The answering replica was this many entries behind the leader.
    pub behind: u64,
    pub stale_own_write: bool,
    pub went_back: bool,
}

impl Sim {
    /// Whether a workload tick of this generation at `at` makes a write: the workload has
    /// not been changed or stopped since it was queued, and is not over.
    pub(super) fn workload_tick_counts(&self, generation: u32, at: u64) -> bool {
        generation == self.workload_generation
            && self.workload_every_ms != 0
            && at <= self.scenario.workload.until_ms.unwrap_or(u64::MAX)
    }

    /// Whether a read tick of this generation still reads.
    pub(super) fn read_tick_counts(&self, generation: u32) -> bool {
        generation == self.read_generation && self.scenario.workload.read_every_ms != 0
    }

    /// A client's steady workload: its next write, and the tick after it.
    pub(super) fn workload_tick(&mut self, client: u8, generation: u32) -> bool {
        if !self.workload_tick_counts(generation, self.now) {
            return false;
        }
        self.hash(2, client as u64);
        let key = self.workload_count % self.scenario.workload.keys;
        self.workload_count += 1;
        let w = self.invoke(ClientId(client), WriteData::Workload { key });
        self.trace_event(
            "workload",
            Some(Endpoint::Client(ClientId(client))),
            None,
            || format!("{w}: k{} = v{}", key + 1, w.0 + 1),
        );
        let next = self.now + self.workload_every_ms;
        self.push(next, Event::ClientTick { client, generation });
        true
    }

    /// A client's steady reads: it reads back the key of its latest write.
    pub(super) fn read_tick(&mut self, client: u8, generation: u32) -> bool {
        if !self.read_tick_counts(generation) {
            return false;
        }
        let next = self.now + self.scenario.workload.read_every_ms;
        self.push(next, Event::ClientRead { client, generation });
        self.hash(6, client as u64);
        let before = self.reads.len();
        self.read(ClientId(client));
        let issued = self.reads.len() > before;
        self.trace_event(
            "workload_read",
            Some(Endpoint::Client(ClientId(client))),
            None,
            || {
                if issued {
                    format!("r{}: reads back the key of its latest write", before + 1)
                } else {
                    "nothing written yet to read back".into()
                }
            },
        );
        true
    }

    /// A client gives up on a write still unanswered after `client_timeout_ms`.
    pub(super) fn client_timeout(&mut self, w: u32) -> bool {
        let now = self.now;
        let Some(rec) = self.writes.get_mut(w as usize) else {
            return false;
        };
        if rec.outcome != Outcome::Pending {
            return false;
        }
        rec.outcome = Outcome::Failed {
            at: now,
            reason: "timed out: no answer from the cluster".into(),
        };
        let client = rec.client;
        self.refile(WriteId(w));
        self.hash(3, w as u64);
        self.trace_event(
            "client_timeout",
            Some(Endpoint::Client(client)),
            None,
            || format!("{} gave up: no answer", WriteId(w)),
        );
        true
    }

    pub(super) fn start_workload(&mut self, from_ms: u64) {
        self.workload_generation += 1;
        let (every, generation) = (self.workload_every_ms, self.workload_generation);
        self.schedule_clients(from_ms, every, 0, |client| Event::ClientTick {
            client,
            generation,
        });
    }

    pub(super) fn start_reads(&mut self, from_ms: u64) {
        self.read_generation += 1;
        let (every, generation) = (self.scenario.workload.read_every_ms, self.read_generation);
        // Half an interval after the writes, so a read follows each write.
        self.schedule_clients(from_ms, every, every / 2, |client| Event::ClientRead {
            client,
            generation,
        });
    }

    /// Each client's first tick of a steady activity every `every` ms (none if 0), spread
    /// evenly over the interval so the clients do not act in lockstep.
    pub(super) fn schedule_clients(
        &mut self,
        from_ms: u64,
        every: u64,
        first_offset: u64,
        event: impl Fn(u8) -> Event,
    ) {
        if every == 0 {
            return;
        }
        let n = self.clients.len() as u64;
        for c in 0..n {
            let at = from_ms.max(self.now) + first_offset + every * c / n;
            self.push(at, event(c as u8));
        }
    }

    /// A client reads back the key of its latest write, from the replica its policy picks.
    pub(super) fn read(&mut self, c: ClientId) {
        let Some(index) = &self.read_index else {
            return;
        };
        let Some(w) = index.latest_write(c.index()).map(WriteId) else {
            return;
        };
        let own_confirmed = index.own_confirmed(c.index(), w.0).map(WriteId);
        #[cfg(debug_assertions)]
        if self.writes.len() < 2_000 {
            // The index against the scan it replaces, while runs are short enough to scan.
            let latest = self
                .writes
                .iter()
                .rev()
                .find(|x| x.client == c)
                .map(|x| x.id);
            let slot = self.write(w).map(|r| r.key_slot());
            let scanned = self
                .writes
                .iter()
                .rev()
                .find(|x| x.client == c && x.is_confirmed() && Some(x.key_slot()) == slot)
                .map(|x| x.id);
            debug_assert_eq!((latest, scanned), (Some(w), own_confirmed));
        }
        let leader = self.clients[c.index()].believed_leader;
        let followers: Vec<NodeId> = self
            .members
            .iter_live()
            .filter(|&f| f != leader && self.replicas[f.index()].up)
            .collect();
        let target = match self.read_from {
            crate::scenario::ReadFrom::Leader => leader,
            _ if followers.is_empty() => leader,
            crate::scenario::ReadFrom::Sticky => followers[c.index() % followers.len()],
            crate::scenario::ReadFrom::Followers => {
                followers[self.read_rng.up_to(followers.len() as u64 - 1) as usize]
            }
        };
        let key = self.write(w).map(|r| r.key()).unwrap_or_default();
        let id = self.reads.len() as u32;
        self.reads.push(ReadRecord {
            client: c,
            key_of: w,
            key,
            invoked_at: self.now,
            target,
            own_confirmed,
            answered_at: None,
            value: None,
            behind: 0,
            stale_own_write: false,
            went_back: false,
        });
        if self.replicas[target.index()].up {
            self.send(
                Endpoint::Client(c),
                Endpoint::Replica(target),
                Payload::Read(Read {
                    read: id,
                    key_of: w,
                }),
            );
        }
    }

    /// The replica's storage answers: the newest write of the key in its log.
    pub(super) fn serve_read(&mut self, n: NodeId, c: ClientId, read: u32, key_of: WriteId) {
        let Some(index) = &self.read_index else {
            return;
        };
        let log = &self.replicas[n.index()].log;
        debug_assert_eq!(index.indexed(n.index()), log.last_position());
        let found = match index.newest_position(n.index(), key_of.0) {
            Some(p) => (log.get(p).map(|e| e.write), p),
            None => (None, 0),
        };
        #[cfg(debug_assertions)]
        if log.last_position() < 2_000 {
            // The index against the scan it replaces, while logs are short enough to scan.
            let slot = self.write(key_of).map(|w| w.key_slot());
            let scanned = (1..=log.last_position())
                .rev()
                .map(|p| (log.get(p).map(|e| e.write), p))
                .find(|(w, _)| w.and_then(|w| self.write(w)).map(|w| w.key_slot()) == slot)
                .unwrap_or((None, 0));
            debug_assert_eq!(found, scanned);
        }
        let replica_last = log.last_position();
        self.send(
            Endpoint::Replica(n),
            Endpoint::Client(c),
            Payload::ReadReply(ReadReply {
                read,
                value: found.0,
                position: found.1,
                replica_last,
            }),
        );
    }

    /// Judges a read against the client's own writes and its earlier reads.
    pub(super) fn read_answered(
        &mut self,
        read: u32,
        n: NodeId,
        value: Option<WriteId>,
        _position: u64,
        replica_last: u64,
    ) {
        let now = self.now;
        let leader_last = self
            .current_leader
            .map(|l| self.replicas[l.index()].log.last_position())
            .unwrap_or(replica_last);
        let Some(r) = self.reads.get(read as usize).cloned() else {
            return;
        };
        if r.answered_at.is_some() {
            return;
        }
        // Versions of one key are ordered by write id: each client's writes reach the
        // leader in order, and the lesson's clients write their own keys.
        let stale_own_write = r
            .own_confirmed
            .is_some_and(|own| value.is_none_or(|v| v < own));
        // The client's earlier read of the key that saw the newest value (of equal values,
        // the later read).
        let best = self
            .read_index
            .as_ref()
            .and_then(|index| index.best_read(r.client.index(), r.key_of.0));
        let previous = best
            .and_then(|b| self.reads.get(b as usize))
            .and_then(|x| x.value.map(|v| (v, x.target, x.answered_at.unwrap_or(0))));
        #[cfg(debug_assertions)]
        if self.reads.len() < 2_000 {
            let scanned = self
                .reads
                .iter()
                .filter(|x| x.client == r.client && x.key == r.key && x.answered_at.is_some())
                .filter_map(|x| x.value.map(|v| (v, x.target, x.answered_at.unwrap_or(0))))
                .max_by_key(|x| x.0);
            debug_assert_eq!(previous, scanned);
        }
        let went_back = previous.is_some_and(|(v, _, _)| value.is_none_or(|now_v| now_v < v));
        let newer = match (value, previous, best) {
            (None, _, _) => false,
            (Some(_), None, _) => true,
            (Some(v), Some((p, _, _)), b) => v > p || (v == p && b.is_some_and(|b| read > b)),
        };
        if newer {
            if let Some(index) = &mut self.read_index {
                index.set_best_read(r.client.index(), r.key_of.0, read);
            }
        }
        if let Some(rec) = self.reads.get_mut(read as usize) {
            rec.answered_at = Some(now);
            rec.value = value;
            rec.behind = leader_last.saturating_sub(replica_last);
            rec.stale_own_write = stale_own_write;
            rec.went_back = went_back;
        }
        if let Some(index) = &mut self.read_index {
            index.count_answer(stale_own_write, went_back);
        }
        self.narrate_read(read, n, previous);
    }

    /// Reads so far, and how many broke each guarantee.
    pub fn read_counts(&self) -> (u64, u64, u64) {
        let answered = self
            .reads
            .iter()
            .filter(|r| r.answered_at.is_some())
            .count() as u64;
        let ryw = self.reads.iter().filter(|r| r.stale_own_write).count() as u64;
        let mono = self.reads.iter().filter(|r| r.went_back).count() as u64;
        (answered, ryw, mono)
    }

    pub(super) fn invoke(&mut self, client: ClientId, data: WriteData) -> WriteId {
        let id = WriteId(self.writes.len() as u32);
        let target = self.clients[client.index()].believed_leader;
        // The message carries only the id; the key and value count once, here.
        self.events_hash = crate::fingerprint::write_data(self.events_hash, &data);
        if let Some(index) = &mut self.read_index {
            index.invoked(id.0, client.index(), &data);
        }
        self.writes.push(WriteRecord {
            id,
            client,
            data,
            invoked_at: self.now,
            sent_to: target,
            redirects: 0,
            outcome: Outcome::Pending,
            holders: 0,
            appended_at: None,
            position: None,
            lost: None,
        });
        self.refile(id);
        if let Some(t) = self.scenario.cluster.client_timeout_ms {
            let at = self.now + t;
            self.push(at, Event::ClientTimeout(id.0));
        }
        self.send_write(client, target, id);
        id
    }

    /// A client's request; a replica that is down refuses the connection at once.
    pub(super) fn send_write(&mut self, client: ClientId, target: NodeId, write: WriteId) {
        if !self.replicas[target.index()].up
            && !self
                .network
                .blocked(Endpoint::Client(client), Endpoint::Replica(target))
        {
            let now = self.now;
            if let Some(rec) = self.writes.get_mut(write.index()) {
                rec.outcome = Outcome::Failed {
                    at: now,
                    reason: format!("{target} is down: connection refused"),
                };
                self.fates.refile(rec);
            }
            return;
        }
        self.send(
            Endpoint::Client(client),
            Endpoint::Replica(target),
            Payload::ClientWrite(ClientWrite { write }),
        );
    }

    pub(super) fn client_receive(
        &mut self,
        c: ClientId,
        from: Endpoint,
        payload: Payload,
        sent_at: u64,
    ) {
        match payload {
            Payload::ReadReply(ReadReply {
                read,
                value,
                position,
                replica_last,
            }) => {
                if let Some(n) = from.replica() {
                    self.read_answered(read, n, value, position, replica_last);
                }
            }
            Payload::LeaderNotice(LeaderNotice { epoch, leader }) => {
                let client = &mut self.clients[c.index()];
                if epoch >= client.known_epoch {
                    client.known_epoch = epoch;
                    client.believed_leader = leader;
                }
            }
            Payload::WriteReply(WriteReply { write, outcome }) => {
                self.write_answered(c, from, write, outcome, sent_at)
            }
            _ => {}
        }
    }

    /// The answer to a client's write: confirmed (the write may turn out lost later), a
    /// redirect to the leader (followed up to three times), or a refusal.
    fn write_answered(
        &mut self,
        c: ClientId,
        from: Endpoint,
        write: WriteId,
        outcome: ReplyOutcome,
        sent_at: u64,
    ) {
        let now = self.now;
        let newer_than = |epoch: u32| {
            let by_then = self.elections.partition_point(|e| e.0 <= sent_at);
            by_then > 0 && self.elections[by_then - 1].2 > epoch
        };
        let newer_leader_existed = match outcome {
            ReplyOutcome::Confirmed { epoch, .. } => newer_than(epoch),
            _ => false,
        };
        let Some(rec) = self.writes.get_mut(write.index()) else {
            return;
        };
        if rec.outcome != Outcome::Pending {
            return;
        }
        match outcome {
            ReplyOutcome::Confirmed { by, epoch } => {
                rec.outcome = Outcome::Confirmed {
                    at: now,
                    by,
                    epoch,
                    newer_leader_existed,
                };
                let client = rec.client.index();
                if let Some(index) = &mut self.read_index {
                    index.confirmed(write.0, client);
                }
                self.check_lost(write);
            }
            ReplyOutcome::Redirect { leader: Some(l) } if rec.redirects < 3 => {
                rec.redirects += 1;
                rec.sent_to = l;
                self.clients[c.index()].believed_leader = l;
                self.send_write(c, l, write);
            }
            ReplyOutcome::Redirect { leader } => {
                let from = from.to_string();
                rec.outcome = Outcome::Failed {
                    at: now,
                    reason: match leader {
                        Some(_) => "redirected three times without finding the leader".into(),
                        None => format!(
                            "{from} is not the leader and knows of none (an election is under way)"
                        ),
                    },
                };
            }
            ReplyOutcome::Refused { reason } => {
                rec.outcome = Outcome::Failed {
                    at: now,
                    reason: format!("refused by {from}: {reason}"),
                };
            }
        }
        self.refile(write);
    }
}
