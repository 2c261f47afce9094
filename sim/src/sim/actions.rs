//! Actions: what the scenario (or the reader) does to the cluster at an instant. Crash and
//! restart a replica, partition, isolate or heal the network, cut, slow or make a link
//! lossy, set up a new follower, fail over by hand (the chapter's manual failover), write by
//! hand, change a setting or the workload. One function per action.
use super::*;
use crate::scenario::CopyMethod;

/// A replica went down (crashed) or came back up (restarted) at `at_ms`; `note` is the
/// index of the event-log sentence that says so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UpChange {
    pub at_ms: u64,
    pub node: NodeId,
    pub up: bool,
    pub note: usize,
}

impl Sim {
    /// Records a crash or restart; the sentence that says so must be the next note.
    pub(super) fn up_changed(&mut self, node: NodeId, up: bool) {
        self.up_changes.push(UpChange {
            at_ms: self.now,
            node,
            up,
            note: self.notes.len(),
        });
    }

    /// Adds an action one millisecond from now, as a reader's click does, and returns it as
    /// recorded in the scenario, so that replaying the scenario reproduces the run.
    pub fn inject(&mut self, action: Action) -> Result<TimedAction, crate::ScenarioError> {
        let timed = TimedAction {
            at_ms: self.now + 1,
            action,
        };
        let mut candidate = (*self.scenario).clone();
        candidate.events.push(timed.clone());
        candidate.validate()?;
        self.scenario = Arc::new(candidate);
        if timed.at_ms > self.end_ms {
            self.end_ms = timed.at_ms + 2_000;
        }
        self.schedule_action(self.scenario.events.len() - 1);
        Ok(timed)
    }

    pub(super) fn apply(&mut self, action: &Action) {
        match action {
            Action::Crash { node } => self.crash(*node),
            Action::Restart { node } => self.restart(*node),
            Action::Partition { groups } => self.partition(groups),
            Action::Isolate { node } => self.isolate(*node),
            Action::CrashController => self.crash_controller(),
            Action::RestartController => self.restart_controller(),
            Action::IsolateController => self.isolate_endpoint(Endpoint::Controller),
            Action::Heal => self.heal(),
            Action::CutLink {
                source,
                target,
                one_way,
            } => self.cut_link(*source, *target, *one_way),
            Action::SlowLink {
                source,
                target,
                factor,
                one_way,
            } => self.slow_link(*source, *target, *factor, *one_way),
            Action::LossyLink {
                source,
                target,
                drop_probability,
                one_way,
            } => self.lossy_link(*source, *target, *drop_probability, *one_way),
            Action::HealLink {
                source,
                target,
                one_way,
            } => self.heal_link(*source, *target, *one_way),
            Action::AddFollower { method } => self.add_follower(*method),
            Action::Failover { node } => self.manual_failover(*node),
            Action::Write { key, value, client } => self.manual_write(key, value, *client),
            Action::Set(change) => self.set(change),
            Action::Workload { write_every_ms } => self.set_workload(*write_every_ms),
        }
    }

    /// A crashed replica comes back with its durable state (log, epoch, vote) and rejoins
    /// as a follower, catching up from its last log position.
    fn restart(&mut self, n: NodeId) {
        let Some(r) = self.replicas.get(n.index()) else {
            return;
        };
        if r.up {
            self.note(
                NoteKind::Restart,
                Some(n),
                vec![],
                format!("{n} is already running"),
            );
            return;
        }
        let (last, epoch) = (r.log.last_position(), r.epoch);
        self.with_replica(n, |r, ctx| r.restart(ctx));
        self.up_changed(n, true);
        self.note(
            NoteKind::Restart,
            Some(n),
            vec![],
            format!(
                "{n} restarted as a follower with its log up to position {last} (epoch {epoch})"
            ),
        );
    }

    fn partition(&mut self, groups: &[Vec<Endpoint>]) {
        self.network.partition = [0; MAX_ENDPOINTS];
        for (g, group) in groups.iter().enumerate() {
            for p in group {
                self.network.partition[p.index()] = g as u8 + 1;
            }
        }
        let text: Vec<String> = groups
            .iter()
            .map(|g| {
                g.iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .collect();
        self.note(
            NoteKind::Network,
            None,
            vec![],
            format!("Network partition: {{{}}}", text.join("} | {")),
        );
        self.drop_partitioned();
    }

    fn isolate(&mut self, node: NodeId) {
        self.isolate_endpoint(Endpoint::Replica(node));
    }

    /// Cuts one replica (or the controller) off from every other endpoint.
    fn isolate_endpoint(&mut self, e: Endpoint) {
        self.network.partition = [0; MAX_ENDPOINTS];
        for i in 0..MAX_ENDPOINTS {
            self.network.partition[i] = 2;
        }
        self.network.partition[e.index()] = 1;
        let others = if e == Endpoint::Controller {
            "every replica and client"
        } else {
            "every other replica and client"
        };
        self.note(
            NoteKind::Network,
            e.replica(),
            vec![],
            format!("{e} is cut off from {others}"),
        );
        self.drop_partitioned();
    }

    fn heal(&mut self) {
        self.network.partition = [0; MAX_ENDPOINTS];
        for f in self.network.faults.iter_mut() {
            *f = LinkFault::default();
        }
        self.note(
            NoteKind::Network,
            None,
            vec![],
            "The network is healed: every link is up".into(),
        );
    }

    fn cut_link(&mut self, source: Endpoint, target: Endpoint, one_way: bool) {
        for (s, t) in Self::endpoint_link_pairs(source, target, one_way) {
            self.network.faults[Network::link(s, t)].cut = true;
            self.drop_in_flight(|m| m.source == s && m.target == t);
        }
        self.note(
            NoteKind::Network,
            None,
            vec![],
            format!("Link {source} {} {target} is cut", arrow(one_way)),
        );
    }

    fn slow_link(&mut self, source: Endpoint, target: Endpoint, factor: u32, one_way: bool) {
        for (s, t) in Self::endpoint_link_pairs(source, target, one_way) {
            self.network.faults[Network::link(s, t)].slow_factor = factor;
        }
        self.note(
            NoteKind::Network,
            None,
            vec![],
            format!(
                "Link {source} {} {target} is {factor}× slower",
                arrow(one_way)
            ),
        );
    }

    fn lossy_link(
        &mut self,
        source: Endpoint,
        target: Endpoint,
        drop_probability: f64,
        one_way: bool,
    ) {
        for (s, t) in Self::endpoint_link_pairs(source, target, one_way) {
            self.network.faults[Network::link(s, t)].drop_probability = drop_probability;
        }
        self.note(
            NoteKind::Network,
            None,
            vec![],
            format!(
                "Link {source} {} {target} drops {}% of messages",
                arrow(one_way),
                (drop_probability * 100.0).round() as u32
            ),
        );
    }

    fn heal_link(&mut self, source: Endpoint, target: Endpoint, one_way: bool) {
        for (s, t) in Self::endpoint_link_pairs(source, target, one_way) {
            self.network.faults[Network::link(s, t)] = LinkFault::default();
        }
        self.note(
            NoteKind::Network,
            None,
            vec![],
            format!("Link {source} {} {target} is healed", arrow(one_way)),
        );
    }

    /// The chapter's "setting up new followers": the next free replica joins the member
    /// list now, and starts by asking the leader for a snapshot.
    fn add_follower(&mut self, method: CopyMethod) {
        let id = NodeId(self.replicas.len() as u8);
        if self.replicas.len() >= MAX_REPLICAS {
            return;
        }
        self.replicas.push(Replica::new(id));
        self.with_replica(id, |r, ctx| *r = Replica::new_follower(id, method, ctx));
        self.members.all |= id.bit();
        let how = match method {
            CopyMethod::Snapshot => "first a snapshot of the leader, then every change since",
            CopyMethod::LockedCopy => "the leader will lock writes, copy its data, then unlock",
            CopyMethod::FileCopy => {
                "the leader will copy its data files row by row while writes continue, with no log position"
            }
        };
        self.note(
            NoteKind::Snapshot,
            Some(id),
            vec![],
            format!("{id} joins as a new follower: {how}"),
        );
    }

    fn manual_write(&mut self, key: &str, value: &str, client: Option<ClientId>) {
        let c = client.unwrap_or(ClientId(0));
        let w = self.invoke(
            c,
            WriteData::Manual(Arc::new((key.to_string(), value.to_string()))),
        );
        self.note(
            NoteKind::Write,
            None,
            vec![w],
            format!(
                "{c} writes {key} = {value} ({w}) to {}",
                self.writes
                    .get(w.index())
                    .map(|r| r.sent_to)
                    .unwrap_or(NodeId(0))
            ),
        );
    }

    fn set(&mut self, change: &SettingsChange) {
        let SettingsChange {
            mode,
            write_quorum,
            latency_ms,
            jitter_ms,
            failover_timeout_ms,
            fencing,
            read_from,
        } = change;
        let mut changes = Vec::new();
        // Setting what is already set changes nothing: above all, it does not rebuild a
        // chain.
        let mode_changed = mode.is_some_and(|m| m != self.settings.mode);
        let quorum_changed = write_quorum.is_some_and(|w| w != self.settings.write_quorum);
        if let Some(m) = mode {
            self.settings.mode = *m;
            changes.push(format!("mode {m}"));
        }
        if let Some(w) = write_quorum {
            self.settings.write_quorum = *w;
            changes.push(format!("write quorum {w}"));
        }
        if let Some(l) = latency_ms {
            self.network.latency_ms = *l;
            changes.push(format!("latency {l} ms"));
        }
        if let Some(j) = jitter_ms {
            self.network.jitter_ms = *j;
            changes.push(format!("jitter {j} ms"));
        }
        if let Some(t) = failover_timeout_ms {
            self.settings.failover_timeout_ms = *t;
            if self.scenario.cluster.sync_timeout_ms.is_none() {
                self.settings.sync_timeout_ms = (*t / 2).max(1);
            }
            changes.push(format!("failover timeout {t} ms"));
        }
        if let Some(f) = fencing {
            self.settings.fencing = *f;
            changes.push(format!("fencing {}", if *f { "on" } else { "off" }));
        }
        if let Some(r) = read_from {
            self.read_from = *r;
            changes.push(format!("reads from {}", r.name()));
        }
        self.note(
            NoteKind::Setting,
            None,
            vec![],
            format!("Settings changed: {}", changes.join(", ")),
        );
        if mode_changed {
            for i in 0..self.replicas.len() {
                self.with_replica(NodeId(i as u8), |r, ctx| r.on_mode_changed(ctx));
            }
        } else if quorum_changed {
            if let Some(l) = self.current_leader {
                self.with_replica(l, |r, ctx| r.on_write_quorum_changed(ctx));
            }
        }
    }

    fn set_workload(&mut self, write_every_ms: u64) {
        self.workload_every_ms = write_every_ms;
        self.note(
            NoteKind::Setting,
            None,
            vec![],
            if write_every_ms == 0 {
                "The steady workload stops".into()
            } else {
                format!("Each client now writes every {write_every_ms} ms")
            },
        );
        let now = self.now;
        self.start_workload(now);
    }

    pub(super) fn crash(&mut self, n: NodeId) {
        let Some(r) = self.replicas.get(n.index()) else {
            return;
        };
        if !r.up {
            self.note(
                NoteKind::Crash,
                Some(n),
                vec![],
                format!("{n} is already down"),
            );
            return;
        }
        let was_leader = r.is_leader();
        self.replicas[n.index()].crash();
        self.cancel_timers(n);
        // Its connections reset: whatever it had on the wire, either way, is gone.
        let e = Endpoint::Replica(n);
        self.drop_in_flight(|m| m.source == e || m.target == e);
        let only_here = self.fates.only_on(n);
        let waiting = self.fates.waiting_on(n);
        #[cfg(debug_assertions)]
        if self.writes.len() < 2_000 {
            // Against the passes over every write that they replace, while runs are short.
            let ids = |f: &dyn Fn(&WriteRecord) -> bool| -> Vec<WriteId> {
                self.writes.iter().filter(|w| f(w)).map(|w| w.id).collect()
            };
            let only = ids(&|w| w.is_confirmed() && w.holders == n.bit() && w.lost.is_none());
            let pending = ids(&|w| w.outcome == Outcome::Pending && w.sent_to == n);
            debug_assert_eq!((&only_here, &waiting), (&only, &pending));
        }
        // Clients waiting on it see their connection reset: they know the write did not
        // (knowingly) succeed, though it may still survive on another replica.
        let now = self.now;
        for w in waiting {
            let rec = self.writes.get_mut(w.index()).expect("in range");
            rec.outcome = Outcome::Failed {
                at: now,
                reason: format!("connection to {n} reset: it crashed before answering"),
            };
            self.fates.refile(rec);
        }
        let mut text = format!(
            "{n} crashed{}",
            if was_leader {
                " (it was the leader)"
            } else {
                ""
            }
        );
        if !only_here.is_empty() {
            text.push_str(&format!(
                "; {} {} confirmed but exist{} only on {n}",
                names(&only_here),
                if only_here.len() > 1 { "were" } else { "was" },
                if only_here.len() > 1 { "" } else { "s" }
            ));
        }
        self.up_changed(n, false);
        self.note(NoteKind::Crash, Some(n), only_here, text);
        self.refresh_leader();
    }

    pub(super) fn manual_failover(&mut self, node: Option<NodeId>) {
        let target = node.or_else(|| {
            // The most up-to-date follower that is up.
            self.replicas
                .iter()
                .filter(|r| r.up && !r.is_leader() && self.members.is_live(r.id))
                .max_by_key(|r| (r.log.last_epoch(), r.log.last_position(), Reverse(r.id)))
                .map(|r| r.id)
        });
        let Some(t) = target else {
            self.note(
                NoteKind::Election,
                None,
                vec![],
                "Manual failover: no follower is up to promote".into(),
            );
            return;
        };
        let r = &self.replicas[t.index()];
        if !r.up {
            self.note(
                NoteKind::Election,
                Some(t),
                vec![],
                format!("Manual failover: {t} is down and cannot be promoted"),
            );
            return;
        }
        if r.is_leader() {
            self.note(
                NoteKind::Election,
                Some(t),
                vec![],
                format!("Manual failover: {t} is already the leader"),
            );
            return;
        }
        if !self.members.is_live(t) {
            self.note(
                NoteKind::Election,
                Some(t),
                vec![],
                format!("Manual failover: {t} has not caught up yet and cannot be promoted"),
            );
            return;
        }
        self.with_replica(t, |r, ctx| r.start_election(ctx, true));
    }
}

/// How a link change reads: one direction, or both.
fn arrow(one_way: bool) -> &'static str {
    if one_way {
        "→"
    } else {
        "↔"
    }
}
