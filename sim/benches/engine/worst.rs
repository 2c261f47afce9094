//! The worst valid scenario: every limit of the scenario format at its maximum at once, run
//! natively to its end, with its wall time and peak memory. The format's caps exist so that
//! no link can make a reader's tab compute without end; this measures what they allow.

use replication_sim::{Scenario, Sim};
use std::time::Instant;

/// Peak resident memory of this process so far, in KB (Linux's VmHWM).
pub fn peak_rss_kb() -> Option<u64> {
    status_kb("VmHWM:")
}

pub fn rss_kb() -> Option<u64> {
    status_kb("VmRSS:")
}

fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Resets the peak to the current resident size (Linux 4.0 and later), so that the peak
/// read afterwards is this run's, not an earlier piece's.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

pub struct Worst {
    pub name: String,
    pub wall_ms: f64,
    pub peak_rss_mb: Option<f64>,
    pub start_rss_mb: Option<f64>,
    pub events: u64,
    pub writes: usize,
    pub reads: usize,
    pub messages: u64,
    pub message_log: usize,
    pub position_log: usize,
    pub notes: usize,
    pub bulk_entries: u64,
    pub stopped_early: bool,
}

/// Runs `scenario` to its end and measures it.
pub fn measure(name: &str, scenario: &Scenario) -> Worst {
    let reset = reset_peak_rss();
    let start_rss = rss_kb();
    let start = Instant::now();
    let mut sim = Sim::new(scenario).expect("the worst scenario is valid");
    sim.run_to_end();
    let wall = start.elapsed();
    let peak = if reset { peak_rss_kb() } else { None };
    if std::env::var("WORST_KINDS").is_ok() {
        let mut kinds = std::collections::BTreeMap::new();
        for m in sim.message_log.iter() {
            *kinds.entry(m.kind.name()).or_insert(0u64) += 1;
        }
        eprintln!("{kinds:?}");
    }
    let w = Worst {
        name: name.to_string(),
        wall_ms: wall.as_secs_f64() * 1e3,
        peak_rss_mb: peak.map(|kb| kb as f64 / 1024.0),
        start_rss_mb: start_rss.map(|kb| kb as f64 / 1024.0),
        events: sim.events_processed(),
        writes: sim.writes.len(),
        reads: sim.reads.len(),
        messages: sim.messages_sent,
        message_log: sim.message_log.len(),
        position_log: sim.position_log.len(),
        notes: sim.notes.len(),
        bulk_entries: sim.bulk_entries(),
        stopped_early: sim
            .notes
            .iter()
            .any(|n| n.kind == replication_sim::sim::NoteKind::Limit),
    };
    drop(sim);
    w
}

pub fn line(w: &Worst) -> String {
    format!(
        "{}: {:.1} s, peak {} MB (from {} MB), {} events, {} writes, {} reads, {} messages sent, {} logged, {} log-length changes, {} notes, {} entries moved in bulk{}",
        w.name,
        w.wall_ms / 1e3,
        w.peak_rss_mb.map_or("?".into(), |m| format!("{m:.0}")),
        w.start_rss_mb.map_or("?".into(), |m| format!("{m:.0}")),
        w.events,
        w.writes,
        w.reads,
        w.messages,
        w.message_log,
        w.position_log,
        w.notes,
        w.bulk_entries,
        if w.stopped_early { ", STOPPED EARLY at the engine's limit" } else { "" }
    )
}
