//! The work a scenario asks for, counted before it runs. A link is code that runs in a
//! course page's readers' tabs: every rate a scenario sets, at the start or by a later
//! action, counts against the caps, so that no valid scenario can make a tab compute (or
//! remember) without end. The counts follow the engine's own schedule (`Sim::start_workload`,
//! `Sim::start_reads`) tick for tick.

use crate::scenario::{limits::MAX_WORKLOAD_OPS, Action, Scenario, ScenarioError};

/// `1,350,000`: counts in messages read better with thousands separated.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// `1 client`, `3 clients`.
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Ticks of a steady activity every `every` ms for `clients` clients, started at `from`,
/// each client's first tick offset as `Sim::schedule_clients` does, counting ticks at or
/// before `last` (inclusive) and before `stop` (exclusive: an action at that instant runs
/// first and replaces the schedule).
fn ticks(clients: u64, every: u64, offset: u64, from: u64, last: u64, stop: u64) -> u64 {
    if every == 0 {
        return 0;
    }
    let limit = last.min(stop.saturating_sub(1));
    (0..clients)
        .map(|c| {
            let first = from + offset + every * c / clients;
            if first > limit || stop == 0 {
                0
            } else {
                (limit - first) / every + 1
            }
        })
        .sum()
}

/// Workload reads over the whole run: every client, every `read_every_ms`, from
/// `start_ms` (half an interval after the writes) to the run's end.
pub fn reads(s: &Scenario) -> u64 {
    let every = s.workload.read_every_ms;
    let clients = s.cluster.clients as u64;
    ticks(
        clients,
        every,
        every / 2,
        s.workload.start_ms,
        s.end_ms(),
        u64::MAX,
    )
}

/// What makes the run's writes, in time order: (instant, the field that sets it, writes).
/// The initial workload, each `workload` action (until the next change, `until_ms` or the
/// run's end), and each write by hand.
fn write_sources(s: &Scenario) -> Vec<(u64, String, u64)> {
    let end = s.end_ms();
    let last = s.workload.until_ms.unwrap_or(u64::MAX).min(end);
    let clients = s.cluster.clients as u64;
    let mut rates = vec![(
        s.workload.start_ms,
        "workload.write_every_ms".to_string(),
        s.workload.write_every_ms,
    )];
    let mut made = Vec::new();
    for (i, e) in s.ordered_events() {
        match e.action {
            Action::Workload { write_every_ms } => {
                rates.push((e.at_ms, format!("events[{i}]"), write_every_ms))
            }
            Action::Write { .. } if e.at_ms <= end => {
                made.push((e.at_ms, format!("events[{i}]"), 1))
            }
            _ => {}
        }
    }
    for k in 0..rates.len() {
        let stop = rates.get(k + 1).map_or(u64::MAX, |next| next.0);
        let (from, field, every) = &rates[k];
        made.push((
            *from,
            field.clone(),
            ticks(clients, *every, 0, *from, last, stop),
        ));
    }
    // Stable: at one instant, actions in file order, the initial workload first.
    made.sort_by_key(|m| m.0);
    made
}

/// Writes over the whole run, workload and by hand.
pub fn writes(s: &Scenario) -> u64 {
    write_sources(s).iter().map(|m| m.2).sum()
}

/// Refuses a scenario whose writes (workload and by hand) or reads would exceed
/// [`MAX_WORKLOAD_OPS`], naming what would take the run past it: the initial workload, or
/// the `workload` action or hand write at which the total first goes over.
pub fn check(s: &Scenario) -> Result<(), ScenarioError> {
    let made = write_sources(s);
    let total: u64 = made.iter().map(|m| m.2).sum();
    if total > MAX_WORKLOAD_OPS {
        let mut so_far = 0;
        let (_, field, _) = made
            .iter()
            .find(|m| {
                so_far += m.2;
                so_far > MAX_WORKLOAD_OPS
            })
            .expect("the total is over, so some running total is");
        let what = match s.events.get(index_of(field)).map(|e| &e.action) {
            _ if field.starts_with("workload") => "this workload",
            Some(Action::Write { .. }) => "this write",
            _ => "this workload change",
        };
        return Err(over(field, what, total, "writes"));
    }
    let reads = reads(s);
    if reads > MAX_WORKLOAD_OPS {
        return Err(over(
            "workload.read_every_ms",
            "this read rate",
            reads,
            "reads",
        ));
    }
    Ok(())
}

/// `events[4]` is 4.
fn index_of(field: &str) -> usize {
    field
        .strip_prefix("events[")
        .and_then(|f| f.strip_suffix(']'))
        .and_then(|i| i.parse().ok())
        .unwrap_or(usize::MAX)
}

fn over(field: &str, what: &str, total: u64, ops: &str) -> ScenarioError {
    ScenarioError {
        field: field.into(),
        message: format!(
            "{what} would bring the run to {} {ops}; at most {} are allowed",
            thousands(total),
            thousands(MAX_WORKLOAD_OPS)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_with_separators_and_singulars() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_350_000), "1,350,000");
        assert_eq!(count(1, "client", "clients"), "1 client");
        assert_eq!(count(2, "client", "clients"), "2 clients");
    }
}
