//! Metrics of a run so far, sampled at evenly spaced instants: each replica's replication lag
//! (entries and milliseconds behind the furthest log), counts of confirmed, lost and failed
//! writes over time, a histogram of write latency, and the ledger of recent writes with
//! their fate. The web app's metrics view draws these; the engine decides what they are.

use crate::ids::NodeId;
use crate::sim::{Outcome, Sim};
use crate::view::WriteStatus;
use std::collections::BTreeSet;

#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    /// (instant, value)
    pub points: Vec<(u64, u64)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LedgerRow {
    pub id: String,
    pub kv: String,
    pub status: WriteStatus,
    pub confirmed: String,
    pub holders: String,
    pub fate: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Metrics {
    pub now_ms: u64,
    pub lag_entries: Vec<Series>,
    pub lag_ms: Vec<Series>,
    pub counts: Vec<Series>,
    /// (bucket start ms, writes)
    pub histogram: Vec<(u64, u64)>,
    pub bucket_ms: u64,
    pub ledger: Vec<LedgerRow>,
}

const SAMPLES: u64 = 120;

/// Samples the run at evenly spaced instants up to its current one.
pub fn metrics(sim: &Sim) -> Metrics {
    let now = sim.now().max(1);
    let instants: Vec<u64> = (0..=SAMPLES).map(|k| now * k / SAMPLES).collect();
    let (lag_entries, lag_ms) = lag_series(sim, &instants);
    let (histogram, bucket_ms) = latency_histogram(sim);
    Metrics {
        now_ms: now,
        lag_entries,
        lag_ms,
        counts: count_series(sim, &instants),
        histogram,
        bucket_ms,
        ledger: ledger(sim),
    }
}

/// Each replica's lag behind the furthest log at each instant, in entries and in ms (how long
/// ago the furthest log first held the entry this replica lacks), from the engine's log of
/// positions: each log's length is a step function over time.
fn lag_series(sim: &Sim, instants: &[u64]) -> (Vec<Series>, Vec<Series>) {
    let replicas = sim.replicas.len();
    let mut pos = vec![0u64; replicas];
    let mut max_pos_at: Vec<(u64, u64)> = vec![(0, 0)]; // when the furthest log first reached each length
    let mut per_sample: Vec<Vec<u64>> = Vec::with_capacity(instants.len());
    let mut k = 0;
    let plog = &sim.position_log;
    for &t in instants {
        while k < plog.len() {
            let (at, node, p) = *plog.get(k).expect("in range");
            let (at, p) = (at as u64, p as u64);
            if at > t {
                break;
            }
            if node.index() < replicas {
                pos[node.index()] = p;
                let best = pos.iter().copied().max().unwrap_or(0);
                if best > max_pos_at.last().map(|x| x.1).unwrap_or(0) {
                    max_pos_at.push((at, best));
                }
            }
            k += 1;
        }
        per_sample.push(pos.clone());
    }
    // When did the furthest log first hold position p? (for "ms behind")
    let reached = |p: u64| -> Option<u64> {
        let i = max_pos_at.partition_point(|&(_, len)| len < p);
        max_pos_at.get(i).map(|x| x.0)
    };
    let mut lag_entries = Vec::new();
    let mut lag_ms = Vec::new();
    for r in 0..replicas {
        let name = NodeId(r as u8).to_string();
        let mut e = Vec::new();
        let mut m = Vec::new();
        for (s, &t) in instants.iter().enumerate() {
            let best = per_sample[s].iter().copied().max().unwrap_or(0);
            let mine = per_sample[s][r];
            e.push((t, best - mine));
            m.push((
                t,
                if mine < best {
                    reached(mine + 1)
                        .map(|since| t.saturating_sub(since))
                        .unwrap_or(0)
                } else {
                    0
                },
            ));
        }
        lag_entries.push(Series {
            name: name.clone(),
            points: e,
        });
        lag_ms.push(Series { name, points: m });
    }
    (lag_entries, lag_ms)
}

/// How many writes were confirmed, lost and failed by each instant.
fn count_series(sim: &Sim, instants: &[u64]) -> Vec<Series> {
    let mut confirmed_at: Vec<u64> = sim.writes.iter().filter_map(|w| w.confirmed_at()).collect();
    let mut lost_at: Vec<u64> = sim
        .writes
        .iter()
        .filter_map(|w| w.lost.as_ref().map(|l| l.at))
        .collect();
    let mut failed_at: Vec<u64> = sim
        .writes
        .iter()
        .filter_map(|w| {
            if let Outcome::Failed { at, .. } = w.outcome {
                Some(at)
            } else {
                None
            }
        })
        .collect();
    confirmed_at.sort_unstable();
    lost_at.sort_unstable();
    failed_at.sort_unstable();
    [
        ("confirmed", confirmed_at),
        ("lost", lost_at),
        ("failed", failed_at),
    ]
    .into_iter()
    .map(|(name, at)| Series {
        name: name.into(),
        points: instants
            .iter()
            .map(|&t| (t, at.partition_point(|&x| x <= t) as u64))
            .collect(),
    })
    .collect()
}

/// Confirmation latencies in buckets of a round width, at most about 24 of them.
fn latency_histogram(sim: &Sim) -> (Vec<(u64, u64)>, u64) {
    let lat = sim.confirm_latencies();
    let top = lat.last().copied().unwrap_or(0);
    let bucket_ms = [5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000]
        .into_iter()
        .find(|b| top / b < 24)
        .unwrap_or(10_000);
    let mut histogram: Vec<(u64, u64)> =
        (0..=top / bucket_ms).map(|i| (i * bucket_ms, 0)).collect();
    for l in lat {
        histogram[(l / bucket_ms) as usize].1 += 1;
    }
    (histogram, bucket_ms)
}

/// The last 400 writes, newest first: who holds each, when it was confirmed, and its fate.
fn ledger(sim: &Sim) -> Vec<LedgerRow> {
    let replicas = sim.replicas.len();
    sim.writes
        .iter()
        .rev()
        .take(400)
        .map(|w| {
            let holders: Vec<String> = (0..replicas as u8)
                .filter(|i| w.holders & (1 << i) != 0)
                .map(|i| NodeId(i).to_string())
                .collect();
            // The ledger tells waiting writes apart no further: none is listed as blocked.
            let status = crate::view::write_status(w, &BTreeSet::new());
            let confirmed = match &w.outcome {
                Outcome::Confirmed { at, by, .. } => format!("{at} ms by {by}"),
                Outcome::Failed { .. } => "never".into(),
                Outcome::Pending => "not yet".into(),
            };
            let fate = match (&w.lost, &w.outcome) {
                (Some(l), _) => format!("lost at {} ms: {}", l.at, l.reason.explain()),
                (None, Outcome::Confirmed { .. }) => "survives on the leader".into(),
                (None, Outcome::Failed { reason, .. }) => format!("failed: {reason}"),
                (None, Outcome::Pending) => "waiting".into(),
            };
            LedgerRow {
                id: w.id.to_string(),
                kv: format!("{} = {}", w.key(), w.value()),
                status,
                confirmed,
                holders: if holders.is_empty() {
                    "no replica".into()
                } else {
                    holders.join(", ")
                },
                fate,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::presets::Preset;
    use crate::Sim;

    #[test]
    fn the_metrics_end_where_the_runs_summary_does() {
        let scenario = Preset::by_id("async-failover").unwrap().scenario().unwrap();
        let mut sim = Sim::new(&scenario).unwrap();
        sim.run_to_end();
        let m = super::metrics(&sim);
        let summary = sim.summary();
        let last = |name: &str| {
            let series = m.counts.iter().find(|s| s.name == name).unwrap();
            series.points.last().unwrap().1 as usize
        };
        assert_eq!(last("confirmed"), summary.confirmed);
        assert_eq!(last("lost"), summary.lost);
        assert!(summary.lost > 0, "the lesson loses writes");
        assert_eq!(last("failed"), summary.failed);
        let in_histogram: u64 = m.histogram.iter().map(|b| b.1).sum();
        assert_eq!(in_histogram as usize, summary.confirmed);
        // The lost writes are in the ledger, each with why.
        let lost_rows: Vec<_> = m
            .ledger
            .iter()
            .filter(|r| r.status == crate::view::WriteStatus::Lost)
            .collect();
        assert_eq!(lost_rows.len(), summary.lost);
        assert!(lost_rows.iter().all(|r| r.fate.starts_with("lost at ")));
        // Some replica holds the furthest log at every instant, so it lags by nothing.
        for s in 0..m.lag_entries[0].points.len() {
            assert!(
                m.lag_entries.iter().any(|series| series.points[s].1 == 0),
                "sample {s}"
            );
        }
    }
}
