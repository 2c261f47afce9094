//! Metrics of the run so far, drawn as small SVG charts: replication lag of each follower
//! over time (entries and milliseconds behind), a histogram of write latency, counts over
//! time, and the lost-write ledger — one row per write, with who had it, when it was
//! confirmed, and whether it survived.

use crate::layout::n;
use replication_sim::history::{Metrics, Series};
use replication_sim::view::WriteStatus;
use std::rc::Rc;
use yew::prelude::*;

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
        .filter(|r| !*only_lost || r.status == WriteStatus::Lost)
        .map(|r| html! {
            <tr class={format!("w-{}", r.status.name())}>
                <th scope="row">{ &r.id }</th><td>{ &r.kv }</td><td>{ r.status.name() }</td><td>{ &r.confirmed }</td><td>{ &r.holders }</td><td>{ &r.fate }</td>
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
