//! The report of a run, as the command-line runner prints it (JSON or a readable summary)
//! and as tests inspect it: every write's fate, every replica's log and state, metrics and
//! a hash of the whole event trace.

use crate::bounds::count;
use crate::sim::Sim;
use crate::view::{role_of, EventView, WriteStatus};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub title: Option<String>,
    pub seed: u64,
    pub mode: String,
    pub end_ms: u64,
    pub leader: Option<String>,
    pub epoch: u32,
    pub writes: Vec<WriteReport>,
    pub lost_writes: Vec<String>,
    pub replicas: Vec<ReplicaReport>,
    pub metrics: Metrics,
    /// Every file copy a leader read for a new follower, and what it amounted to; left
    /// out when there was none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub file_copies: Vec<FileCopyReport>,
    /// Replicas whose data differs from the leader's for good; left out when none does.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub differs_from_leader: Vec<DifferenceReport>,
    pub events: Vec<EventView>,
    pub events_processed: u64,
    /// A hash of every processed event (payloads included) and every write's fate: equal
    /// hashes mean equal runs (see `fingerprint`).
    pub trace_hash: String,
}

/// A file copy: where the follower follows from, and whether the copy matches any state
/// the leader ever had (`finding` says why not, naming the writes).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FileCopyReport {
    pub follower: String,
    pub leader: String,
    pub at_ms: u64,
    pub position: u64,
    pub matches_a_leader_state: bool,
    pub missing_writes: Vec<String>,
    pub finding: String,
}

/// A replica whose log holds other writes than the leader's at `positions` log positions,
/// and the keys whose values differ.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DifferenceReport {
    pub replica: String,
    pub positions: u64,
    pub keys: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WriteReport {
    pub id: String,
    pub client: String,
    pub key: String,
    pub value: String,
    /// "confirmed", "lost", "failed", "blocked" or "pending".
    pub status: String,
    pub invoked_at_ms: u64,
    pub confirmed_at_ms: Option<u64>,
    pub latency_ms: Option<u64>,
    pub confirmed_by: Option<String>,
    pub replicas: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lost_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReplicaReport {
    pub id: String,
    pub role: String,
    pub up: bool,
    pub epoch: u32,
    pub last_position: u64,
    pub snapshot_position: u64,
    /// Write ids in log order, including those that arrived in a snapshot.
    pub log: Vec<String>,
    pub state: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Metrics {
    pub invoked: u64,
    pub confirmed: u64,
    pub lost: u64,
    pub failed: u64,
    pub blocked: u64,
    pub pending: u64,
    pub latency_p50_ms: Option<u64>,
    pub latency_p99_ms: Option<u64>,
    pub latency_max_ms: Option<u64>,
    pub lag: Vec<Lag>,
    pub leaderless_ms: u64,
    pub reads: u64,
    pub read_your_writes_violations: u64,
    pub monotonic_read_violations: u64,
    pub messages_sent: u64,
    pub messages_dropped: u64,
    /// Writes the leader refused because its disk was full (among `failed`); left out of
    /// the report when there are none.
    #[serde(skip_serializing_if = "is_zero")]
    pub refused_disk_full: u64,
    /// Writes that waited for a locked copy, and how long writes were locked in all;
    /// left out when there was no locked copy.
    #[serde(skip_serializing_if = "is_zero")]
    pub blocked_by_lock: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub writes_locked_ms: u64,
}

fn is_zero(x: &u64) -> bool {
    *x == 0
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Lag {
    pub follower: String,
    pub entries: u64,
    pub ms: u64,
}

/// Nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// The trade-off figures of a run: durability against latency and availability. The
/// compare view's table, one per mode.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub mode: crate::Mode,
    pub latency_p50_ms: Option<u64>,
    pub latency_p99_ms: Option<u64>,
    /// Confirmed to the client, lost ones included (the client was told they were durable).
    pub confirmed: usize,
    pub lost: usize,
    pub blocked: usize,
    pub failed: usize,
    pub leaderless_ms: u64,
    /// Whether every new follower's data agrees with the leader's: `None` while none has
    /// its data yet (or none joined); `differing_keys` names the keys that do not.
    pub follower_consistent: Option<bool>,
    pub differing_keys: Vec<String>,
    /// How long writes were held back by a locked copy ("time writes were refused").
    pub writes_refused_ms: u64,
}

impl Sim {
    /// Latency of every confirmed write, sorted.
    pub fn confirm_latencies(&self) -> Vec<u64> {
        let mut latencies: Vec<u64> = self
            .writes
            .iter()
            .filter_map(|w| w.confirmed_at().map(|c| c - w.invoked_at))
            .collect();
        latencies.sort_unstable();
        latencies
    }

    /// Writes that waited for a locked copy, and for how many ms writes were locked, a
    /// lock still running included.
    pub fn write_lock_figures(&self) -> (u64, u64) {
        let (mut writes, mut ms) = (self.lock_blocked_writes, self.lock_ms);
        for lock in self.replicas.iter().filter_map(|r| r.write_lock.as_ref()) {
            writes += lock.held.len() as u64;
            ms += self.now() - lock.since_ms;
        }
        (writes, ms)
    }

    /// Writes the leader refused because its disk was full.
    pub fn refused_disk_full(&self) -> u64 {
        let disk_full = crate::replica::DISK_FULL;
        self.writes
            .iter()
            .filter(|w| {
                matches!(&w.outcome, crate::sim::Outcome::Failed { reason, .. } if reason.ends_with(disk_full))
            })
            .count() as u64
    }

    /// The figures of the compare view, without building a whole view.
    pub fn summary(&self) -> Summary {
        let latencies = self.confirm_latencies();
        Summary {
            mode: self.settings.mode,
            latency_p50_ms: percentile(&latencies, 50.0),
            latency_p99_ms: percentile(&latencies, 99.0),
            confirmed: self.writes.iter().filter(|w| w.is_confirmed()).count(),
            lost: self.writes.iter().filter(|w| w.lost.is_some()).count(),
            blocked: self.blocked_writes().len(),
            failed: self
                .writes
                .iter()
                .filter(|w| matches!(w.outcome, crate::sim::Outcome::Failed { .. }))
                .count(),
            leaderless_ms: self.leaderless_ms(),
            follower_consistent: self.new_followers_consistent(),
            differing_keys: self
                .differs_for_good()
                .into_iter()
                .flat_map(|d| d.keys)
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect(),
            writes_refused_ms: self.write_lock_figures().1,
        }
    }

    /// Settings that leave no room for a leader to keep its majority: a heartbeat's round
    /// trip plus the heartbeat interval at least as long as the failover timeout means
    /// followers keep deciding the leader is dead.
    pub fn timing_warning(&self) -> Option<String> {
        let needed =
            2 * (self.network.latency_ms + self.network.jitter_ms) + self.settings.heartbeat_ms;
        let timeout = self.settings.failover_timeout_ms;
        (needed >= timeout).then(|| {
            format!(
                "A heartbeat and its answer can take {needed} ms, longer than the failover timeout of {timeout} ms: followers will keep deciding the leader is dead. Raise the timeout above {needed} ms to see a stable leader."
            )
        })
    }

    pub fn report(&self) -> Report {
        self.report_of(true)
    }

    /// What [`Report::summary`] reads, without every write and every log spelled out:
    /// the lost writes only, and the replicas without their logs and states. A run of
    /// 500,000 writes on 9 replicas spells out millions of strings in the full report.
    pub fn brief_report(&self) -> Report {
        self.report_of(false)
    }

    fn report_of(&self, full: bool) -> Report {
        let view = self.view(&crate::ViewOptions {
            log_window: 0,
            recent_writes: if full { usize::MAX } else { 0 },
            recent_events: usize::MAX,
            older_lost: usize::MAX,
        });
        // One judgement of each write's status, shared with what the app draws.
        let writes = write_reports(&view);
        let lost_writes = view
            .writes
            .iter()
            .filter(|w| w.status == WriteStatus::Lost)
            .map(|w| w.id.clone())
            .collect();
        let replicas = self.replica_reports(full);
        let metrics = self.metrics_of(&view);
        Report {
            title: self.scenario.title.clone(),
            seed: self.scenario.seed,
            mode: view.mode.name().into(),
            end_ms: self.now(),
            leader: view.leader.clone(),
            epoch: view.epoch,
            writes,
            lost_writes,
            replicas,
            metrics,
            file_copies: self.file_copy_reports(),
            differs_from_leader: self
                .differs_for_good()
                .into_iter()
                .map(|d| DifferenceReport {
                    replica: d.replica.to_string(),
                    positions: d.positions.len() as u64,
                    keys: d.keys,
                })
                .collect(),
            events: view.events,
            events_processed: self.events_processed(),
            trace_hash: format!("{:016x}", self.trace_hash()),
        }
    }

    /// Each replica's standing at the end; its log and state only in the full report.
    fn replica_reports(&self, full: bool) -> Vec<ReplicaReport> {
        self.replicas
            .iter()
            .map(|r| ReplicaReport {
                id: r.id.to_string(),
                role: role_of(self, r.id).name().into(),
                up: r.up,
                epoch: r.epoch,
                last_position: r.log.last_position(),
                snapshot_position: r.log.snapshot_position,
                log: if full {
                    r.log.iter().map(|e| e.write.to_string()).collect()
                } else {
                    Vec::new()
                },
                state: if full {
                    self.state_of(r.id)
                } else {
                    BTreeMap::new()
                },
            })
            .collect()
    }

    /// The run's figures, from the view's counts and the engine's own tallies.
    fn metrics_of(&self, view: &crate::view::View) -> Metrics {
        let latencies = self.confirm_latencies();
        let c = &view.counts;
        Metrics {
            invoked: c.invoked,
            confirmed: c.confirmed,
            lost: c.lost,
            failed: c.failed,
            blocked: c.blocked,
            pending: c.pending,
            latency_p50_ms: percentile(&latencies, 50.0),
            latency_p99_ms: percentile(&latencies, 99.0),
            latency_max_ms: latencies.last().copied(),
            lag: view
                .replicas
                .iter()
                .filter(|r| Some(&r.id) != view.leader.as_ref())
                .map(|r| Lag {
                    follower: r.id.clone(),
                    entries: r.lag_entries,
                    ms: r.lag_ms,
                })
                .collect(),
            leaderless_ms: self.leaderless_ms(),
            reads: c.reads,
            read_your_writes_violations: c.read_your_writes_violations,
            monotonic_read_violations: c.monotonic_read_violations,
            messages_sent: self.messages_sent,
            messages_dropped: self.messages_dropped,
            refused_disk_full: self.refused_disk_full(),
            blocked_by_lock: self.write_lock_figures().0,
            writes_locked_ms: self.write_lock_figures().1,
        }
    }
}

/// Every write the view lists, as the report gives it.
fn write_reports(view: &crate::view::View) -> Vec<WriteReport> {
    view.writes
        .iter()
        .map(|w| WriteReport {
            id: w.id.clone(),
            client: w.client.clone(),
            key: w.key.clone(),
            value: w.value.clone(),
            status: w.status.name().into(),
            invoked_at_ms: w.invoked_at_ms,
            confirmed_at_ms: w.confirmed_at_ms,
            latency_ms: w.latency_ms,
            confirmed_by: w.confirmed_by.clone(),
            replicas: w.replicas.clone(),
            lost_reason: w.lost_reason.map(|r| r.code().into()),
            reason: w.reason.clone(),
        })
        .collect()
}

impl Report {
    /// The readable summary the runner prints by default.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "{}", self.title.as_deref().unwrap_or("Scenario"));
        let _ = writeln!(
            s,
            "mode {}, seed {}, ran to {} ms, {} events, trace {}",
            self.mode, self.seed, self.end_ms, self.events_processed, self.trace_hash
        );
        let _ = writeln!(
            s,
            "leader: {} (epoch {})",
            self.leader.as_deref().unwrap_or("none"),
            self.epoch
        );
        self.write_figures(&mut s);
        self.write_findings(&mut s);
        let _ = writeln!(s, "\nreplicas:");
        for r in &self.replicas {
            let _ = writeln!(
                s,
                "  {:<3} {:<12} epoch {:<3} log up to position {}{}",
                r.id,
                r.role,
                r.epoch,
                r.last_position,
                if r.snapshot_position > 0 {
                    format!(" (snapshot at {})", r.snapshot_position)
                } else {
                    String::new()
                }
            );
        }
        let _ = writeln!(s, "\nevents:");
        for e in &self.events {
            let _ = writeln!(s, "  {:>7} ms  {}", e.at_ms, e.text);
        }
        s
    }

    /// The run's figures: writes, latency, time without a leader, locks, refusals, reads, lag.
    fn write_figures(&self, s: &mut String) {
        let m = &self.metrics;
        let _ = writeln!(
            s,
            "writes: {} invoked, {} confirmed, {} lost, {} failed, {} blocked, {} pending",
            m.invoked, m.confirmed, m.lost, m.failed, m.blocked, m.pending
        );
        let fmt = |x: Option<u64>| x.map(|v| format!("{v} ms")).unwrap_or_else(|| "n/a".into());
        let _ = writeln!(
            s,
            "latency: p50 {}, p99 {}, max {}",
            fmt(m.latency_p50_ms),
            fmt(m.latency_p99_ms),
            fmt(m.latency_max_ms)
        );
        let _ = writeln!(s, "time without a leader: {} ms", m.leaderless_ms);
        if m.writes_locked_ms > 0 {
            let _ = writeln!(
                s,
                "writes locked for a copy: {} ms, {} writes waited",
                m.writes_locked_ms, m.blocked_by_lock
            );
        }
        if m.refused_disk_full > 0 {
            let _ = writeln!(
                s,
                "refused because the leader's disk was full: {}",
                m.refused_disk_full
            );
        }
        if m.reads > 0 {
            let _ = writeln!(
                s,
                "reads: {}, read-your-writes violated {}, monotonic reads violated {}",
                m.reads,
                count(m.read_your_writes_violations, "time", "times"),
                count(m.monotonic_read_violations, "time", "times")
            );
        }
        for l in &m.lag {
            let _ = writeln!(
                s,
                "lag {}: {}, {} ms",
                l.follower,
                count(l.entries, "entry", "entries"),
                l.ms
            );
        }
    }

    /// What was lost or went wrong: the lost confirmed writes, file copies, divergent data.
    fn write_findings(&self, s: &mut String) {
        if !self.lost_writes.is_empty() {
            let _ = writeln!(s, "\nconfirmed writes lost:");
            for w in self.writes.iter().filter(|w| w.status == "lost") {
                let _ = writeln!(
                    s,
                    "  {} ({} = {}), confirmed at {} ms by {}: {}",
                    w.id,
                    w.key,
                    w.value,
                    w.confirmed_at_ms.unwrap_or(0),
                    w.confirmed_by.as_deref().unwrap_or("?"),
                    w.reason.as_deref().unwrap_or("")
                );
            }
        }
        for c in &self.file_copies {
            let _ = writeln!(s, "file copy to {}: {}", c.follower, c.finding);
        }
        for d in &self.differs_from_leader {
            let _ = writeln!(
                s,
                "{}'s data differs from the leader's for good at {}; keys differing now: {}",
                d.replica,
                count(d.positions, "log position", "log positions"),
                if d.keys.is_empty() {
                    "none (later writes overwrote them)".to_string()
                } else {
                    d.keys.join(", ")
                }
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::percentile;

    /// The runner prints the summary from the brief report; it must read the same.
    #[test]
    fn the_brief_report_summarises_as_the_full_one() {
        for p in crate::presets::PRESETS {
            let mut sim = crate::Sim::new(&p.scenario().unwrap()).unwrap();
            sim.run_to_end();
            assert_eq!(
                sim.brief_report().summary(),
                sim.report().summary(),
                "{}",
                p.id
            );
        }
    }

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), Some(50));
        assert_eq!(percentile(&v, 99.0), Some(99));
        assert_eq!(percentile(&[7], 99.0), Some(7));
        assert_eq!(percentile(&[], 50.0), None);
    }
}
