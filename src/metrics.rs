//! Metrics of the run so far, drawn as small SVG charts: replication lag of each follower
//! over time (entries and milliseconds behind), a histogram of write latency, counts over
//! time, and the lost-write ledger — one row per write, with who had it, when it was
//! confirmed, and whether it survived.

use crate::layout::n;
use replication_sim::sim::Outcome;
use replication_sim::{NodeId, Sim};
use std::rc::Rc;
use yew::prelude::*;

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
    pub status: &'static str,
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
pub fn extract(sim: &Sim) -> Metrics {
    let now = sim.now().max(1);
    let replicas = sim.replicas.len();
    let instants: Vec<u64> = (0..=SAMPLES).map(|k| now * k / SAMPLES).collect();
    // Each replica's log length as a step function over time, from the engine's position log.
    let mut pos = vec![0u64; replicas];
    let mut max_pos_at: Vec<(u64, u64)> = vec![(0, 0)]; // when the furthest log first reached each length
    let mut per_sample: Vec<Vec<u64>> = Vec::with_capacity(instants.len());
    let mut k = 0;
    let plog = &sim.position_log;
    for &t in &instants {
        while k < plog.len() {
            let (at, node, p) = *plog.get(k).expect("in range");
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
    let mut counts = vec![
        Series {
            name: "confirmed".into(),
            points: Vec::new(),
        },
        Series {
            name: "lost".into(),
            points: Vec::new(),
        },
        Series {
            name: "failed".into(),
            points: Vec::new(),
        },
    ];
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
    for &t in &instants {
        counts[0]
            .points
            .push((t, confirmed_at.partition_point(|&x| x <= t) as u64));
        counts[1]
            .points
            .push((t, lost_at.partition_point(|&x| x <= t) as u64));
        counts[2]
            .points
            .push((t, failed_at.partition_point(|&x| x <= t) as u64));
    }
    let mut lat: Vec<u64> = sim
        .writes
        .iter()
        .filter_map(|w| w.confirmed_at().map(|c| c - w.invoked_at))
        .collect();
    lat.sort_unstable();
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
    let ledger = sim
        .writes
        .iter()
        .rev()
        .take(400)
        .map(|w| {
            let holders: Vec<String> = (0..replicas as u8)
                .filter(|i| w.holders & (1 << i) != 0)
                .map(|i| NodeId(i).to_string())
                .collect();
            let (status, confirmed) = match (&w.lost, &w.outcome) {
                (Some(_), Outcome::Confirmed { at, by, .. }) => {
                    ("lost", format!("{at} ms by {by}"))
                }
                (_, Outcome::Confirmed { at, by, .. }) => ("confirmed", format!("{at} ms by {by}")),
                (_, Outcome::Failed { .. }) => ("failed", "never".into()),
                (_, Outcome::Pending) => ("pending", "not yet".into()),
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
        .collect();
    Metrics {
        now_ms: now,
        lag_entries,
        lag_ms,
        counts,
        histogram,
        bucket_ms,
        ledger,
    }
}

const W: f64 = 420.0;
const H: f64 = 140.0;
const PAD: f64 = 30.0;

fn chart(title: &str, unit: &str, series: &[Series], now: u64) -> Html {
    let max = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .max()
        .unwrap_or(0)
        .max(1);
    let x = |t: u64| PAD + (t as f64 / now.max(1) as f64) * (W - PAD - 8.0);
    let y = |v: u64| 8.0 + (1.0 - v as f64 / max as f64) * (H - 28.0);
    let dashes = ["", "6 3", "2 3", "8 3 2 3", "1 2", "10 4", "4 4", "2 6"];
    let lines: Html = series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let pts: Vec<String> = s.points.iter().map(|&(t, v)| format!("{},{}", n(x(t)), n(y(v)))).collect();
            html! {
                <polyline class={format!("series s{}", i % 8)} points={pts.join(" ")} stroke-dasharray={dashes[i % 8]}>
                    <title>{ format!("{}: latest {} {unit}", s.name, s.points.last().map(|p| p.1).unwrap_or(0)) }</title>
                </polyline>
            }
        })
        .collect();
    let legend: Html = series
        .iter()
        .enumerate()
        .map(|(i, s)| html! { <li><svg width="26" height="8" aria-hidden="true"><line class={format!("series s{}", i % 8)} x1="0" y1="4" x2="26" y2="4" stroke-dasharray={dashes[i % 8]} /></svg>{ format!(" {} ({})", s.name, s.points.last().map(|p| p.1).unwrap_or(0)) }</li> })
        .collect();
    html! {
        <figure class="chart">
            <figcaption>{ title }</figcaption>
            <svg viewBox={format!("0 0 {} {}", n(W), n(H))} role="img" aria-label={format!("{title}; maximum {max} {unit}")}>
                <line class="axis-line" x1={n(PAD)} y1={n(H - 20.0)} x2={n(W - 8.0)} y2={n(H - 20.0)} />
                <text class="axis" x="2" y="14">{ format!("{max}") }</text>
                <text class="axis" x="2" y={n(H - 22.0)}>{ "0" }</text>
                <text class="axis" x={n(W - 8.0)} y={n(H - 4.0)} text-anchor="end">{ format!("{now} ms") }</text>
                { lines }
            </svg>
            <ul class="chart-legend">{ legend }</ul>
        </figure>
    }
}

fn histogram(m: &Metrics) -> Html {
    let max = m.histogram.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let bars = m.histogram.len().max(1) as f64;
    let bw = (W - PAD - 8.0) / bars;
    let rects: Html = m
        .histogram
        .iter()
        .enumerate()
        .map(|(i, &(from, count))| {
            let h = count as f64 / max as f64 * (H - 28.0);
            html! {
                <rect class="bar" x={n(PAD + i as f64 * bw + 1.0)} y={n(H - 20.0 - h)} width={n((bw - 2.0).max(1.0))} height={n(h)}>
                    <title>{ format!("{count} writes confirmed in {from}–{} ms", from + m.bucket_ms) }</title>
                </rect>
            }
        })
        .collect();
    let last = m.histogram.last().map(|b| b.0 + m.bucket_ms).unwrap_or(0);
    html! {
        <figure class="chart">
            <figcaption>{ format!("Write latency ({} ms buckets)", m.bucket_ms) }</figcaption>
            <svg viewBox={format!("0 0 {} {}", n(W), n(H))} role="img" aria-label={format!("Histogram of write latency, up to {last} ms")}>
                <line class="axis-line" x1={n(PAD)} y1={n(H - 20.0)} x2={n(W - 8.0)} y2={n(H - 20.0)} />
                <text class="axis" x="2" y="14">{ max }</text>
                <text class="axis" x={n(PAD)} y={n(H - 4.0)}>{ "0 ms" }</text>
                <text class="axis" x={n(W - 8.0)} y={n(H - 4.0)} text-anchor="end">{ format!("{last} ms") }</text>
                { rects }
            </svg>
        </figure>
    }
}

#[derive(Properties, PartialEq)]
pub struct MetricsProps {
    pub metrics: Rc<Metrics>,
}

#[component]
pub fn MetricsPanel(props: &MetricsProps) -> Html {
    let m = &props.metrics;
    let only_lost = use_state(|| false);
    let toggle = {
        let only_lost = only_lost.clone();
        Callback::from(move |_| only_lost.set(!*only_lost))
    };
    let rows: Html = m
        .ledger
        .iter()
        .filter(|r| !*only_lost || r.status == "lost")
        .map(|r| html! {
            <tr class={format!("w-{}", r.status)}>
                <th scope="row">{ &r.id }</th><td>{ &r.kv }</td><td>{ r.status }</td><td>{ &r.confirmed }</td><td>{ &r.holders }</td><td>{ &r.fate }</td>
            </tr>
        })
        .collect();
    html! {
        <div class="metrics" id="metrics">
            <div class="charts">
                { chart("Replication lag: entries behind the furthest log", "entries", &m.lag_entries, m.now_ms) }
                { chart("Replication lag: ms behind", "ms", &m.lag_ms, m.now_ms) }
                { histogram(m) }
                { chart("Writes over time", "writes", &m.counts, m.now_ms) }
            </div>
            <section class="ledger" aria-labelledby="ledger-title">
                <h3 id="ledger-title">{ "Ledger of writes" }</h3>
                <label class="check"><input type="checkbox" checked={*only_lost} onchange={toggle} id="ledger-lost-only" /><span>{ " only lost writes" }</span></label>
                <div class="ledger-scroll" tabindex="0">
                    <table id="ledger">
                        <thead><tr><th scope="col">{ "write" }</th><th scope="col">{ "key = value" }</th><th scope="col">{ "status" }</th><th scope="col">{ "confirmed" }</th><th scope="col">{ "held by" }</th><th scope="col">{ "survived?" }</th></tr></thead>
                        <tbody>{ rows }</tbody>
                    </table>
                </div>
            </section>
        </div>
    }
}
