//! Measurements the browser benchmark (`e2e/bench.mjs`) calls through `window.wasmBindings`:
//! how long seeking takes in WebAssembly, where the reader's time travel really runs. They
//! print figures; nothing here is a test or changes the lab.

use replication_sim::{Scenario, Sim, Timeline, ViewOptions};
use wasm_bindgen::prelude::*;

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// The WebAssembly memory's size: it only grows, so after a run it is the run's peak.
fn memory_bytes() -> u64 {
    #[cfg(target_arch = "wasm32")]
    {
        core::arch::wasm32::memory_size(0) as u64 * 65_536
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Builds the run of `scenario_json` to its end, then seeks to `seeks` pseudo-random
/// instants and times each one (seek plus the view the UI draws). Returns JSON figures.
#[wasm_bindgen]
pub fn bench_seek(scenario_json: &str, seeks: u32) -> Result<String, JsValue> {
    let scenario =
        Scenario::from_json(scenario_json).map_err(|e| JsValue::from_str(&e.to_string()))?;
    let sim = Sim::new(&scenario).map_err(|e| JsValue::from_str(&e.to_string()))?;
    let t0 = now_ms();
    let mut timeline = Timeline::new(sim);
    let end = scenario.end_ms();
    timeline.advance_to(end);
    let build_ms = now_ms() - t0;
    let events = timeline.head().events_processed();
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut times = Vec::with_capacity(seeks as usize);
    for _ in 0..seeks {
        // xorshift: the instants only need to be spread, not secret.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let t = x % end.max(1);
        let s = now_ms();
        let sim = timeline.seek(t);
        let view = sim.view(&ViewOptions::default());
        std::hint::black_box(view.replicas.len());
        times.push(now_ms() - s);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    // Microseconds as integers: keeps float printing out of the bundle.
    let us = |ms: f64| ((ms * 1000.0).round() as i64).to_string();
    Ok(format!(
        "{{\"events\":{events},\"memory_bytes\":{},\"checkpoints\":{},\"build_us\":{},\"events_per_s\":{},\"seeks\":{seeks},\"seek_p50_us\":{},\"seek_p95_us\":{},\"seek_p99_us\":{},\"seek_max_us\":{}}}",
        memory_bytes(),
        timeline.checkpoints(),
        us(build_ms),
        (events as f64 / (build_ms / 1000.0).max(1e-9)).round() as i64,
        us(percentile(&times, 50.0)),
        us(percentile(&times, 95.0)),
        us(percentile(&times, 99.0)),
        us(times.last().copied().unwrap_or(0.0))
    ))
}
