//! Record: a clip for slides. The reader picks two instants and a speed; the lab plays the run
//! between them as it always does, and every frame it shows is drawn, with the clock and the
//! caption, into a WebM file by the browser (`record.js`: a canvas and a MediaRecorder). A
//! progress bar follows the recording, which can be cancelled; the file is offered as a
//! download.

use crate::panels::format_time;
use crate::state::LabAction;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

#[wasm_bindgen(module = "/src/record.js")]
extern "C" {
    /// Empty when the clip started, else why not.
    #[wasm_bindgen(js_name = clipStart)]
    fn clip_start(title: &str) -> String;
    #[wasm_bindgen(js_name = clipFrame)]
    fn clip_frame(clock: &str, caption: &str);
    /// Calls `done` once, with the Blob URL of the finished clip, or "" if there is none.
    #[wasm_bindgen(js_name = clipStop)]
    fn clip_stop(done: &Closure<dyn FnMut(String)>);
    #[wasm_bindgen(js_name = clipCancel)]
    fn clip_cancel();
}

/// Speeds offered, in hundredths (simulated time per real time): read as integers, so that no
/// float parsing enters the bundle.
const SPEEDS: [(u32, &str); 6] = [
    (25, "0.25×"),
    (50, "0.5×"),
    (100, "1×"),
    (200, "2×"),
    (400, "4×"),
    (1000, "10×"),
];

#[derive(Clone, PartialEq)]
enum Phase {
    Idle,
    Recording { from_ms: u64, to_ms: u64 },
    Finishing,
    Done { url: String, seconds: String },
    Failed(String),
}

#[derive(Properties, PartialEq)]
pub struct RecorderProps {
    pub now_ms: u64,
    pub end_ms: u64,
    pub playing: bool,
    /// What the page shows as the caption at this instant (drawn under the cluster).
    pub caption: AttrValue,
    pub title: AttrValue,
    pub dispatch: Callback<LabAction>,
}

/// Seconds with one decimal, by integer arithmetic (no float formatting in the bundle).
fn seconds(ms: u64) -> String {
    format!("{}.{}", ms / 1000, ms % 1000 / 100)
}

fn read_ms(input: &NodeRef) -> Option<u64> {
    let v = input.cast::<web_sys::HtmlInputElement>()?.value_as_number();
    (v.is_finite() && v >= 0.0).then(|| (v * 1000.0).round() as u64)
}

fn file_name(title: &str) -> String {
    let slug: String = title
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("{}-clip.webm", slug.trim_matches('-'))
}

#[component]
pub fn Recorder(props: &RecorderProps) -> Html {
    let phase = use_state(|| Phase::Idle);
    // The same value on every frame, so Yew leaves the reader's edits alone.
    let default_to = seconds(props.end_ms.min(30_000));
    let (from, to, speed) = (use_node_ref(), use_node_ref(), use_node_ref());
    // While recording: draw each frame the lab shows, keep it playing through a lesson's
    // holds, and finish at the chosen end.
    {
        let (phase, d) = (phase.clone(), props.dispatch.clone());
        let (clock, caption) = (
            format!(
                "{} / {}",
                format_time(props.now_ms),
                format_time(props.end_ms)
            ),
            props.caption.clone(),
        );
        use_effect_with((props.now_ms, props.playing), move |&(now, playing)| {
            if let Phase::Recording { from_ms, to_ms } = *phase {
                clip_frame(&clock, &caption);
                if now >= to_ms {
                    d.emit(LabAction::Pause);
                    phase.set(Phase::Finishing);
                    let done = phase.clone();
                    let seconds = seconds(to_ms - from_ms);
                    let answer = Closure::once(move |url: String| {
                        done.set(if url.is_empty() {
                            Phase::Failed("the clip could not be finished".into())
                        } else {
                            Phase::Done { url, seconds }
                        })
                    });
                    clip_stop(&answer);
                    // Called once by the browser, when the file is written.
                    answer.forget();
                } else if !playing {
                    // A lesson's hold (or a pause by the reader): the clip goes on.
                    d.emit(LabAction::Continue);
                }
            }
        });
    }
    // Leaving the page (or the view) drops a clip half recorded.
    use_effect_with((), |_| clip_cancel);

    let start = {
        let (phase, d) = (phase.clone(), props.dispatch.clone());
        let (from, to, speed) = (from.clone(), to.clone(), speed.clone());
        let (end_ms, title) = (props.end_ms, props.title.clone());
        Callback::from(move |_| {
            let (Some(from_ms), Some(to_ms)) = (read_ms(&from), read_ms(&to)) else {
                phase.set(Phase::Failed(
                    "give the start and the end in seconds".into(),
                ));
                return;
            };
            let to_ms = to_ms.min(end_ms);
            if from_ms >= to_ms {
                phase.set(Phase::Failed(format!(
                    "the end must come after the start, and the run ends at {}",
                    format_time(end_ms)
                )));
                return;
            }
            let hundredths = speed
                .cast::<web_sys::HtmlSelectElement>()
                .and_then(|s| s.value().parse::<u32>().ok())
                .unwrap_or(100);
            let refused = clip_start(&title);
            if !refused.is_empty() {
                phase.set(Phase::Failed(refused));
                return;
            }
            d.emit(LabAction::Pause);
            d.emit(LabAction::Seek(from_ms));
            d.emit(LabAction::SetSpeed(hundredths as f64 / 100.0));
            d.emit(LabAction::Continue);
            phase.set(Phase::Recording { from_ms, to_ms });
        })
    };
    let cancel = {
        let (phase, d) = (phase.clone(), props.dispatch.clone());
        Callback::from(move |_| {
            clip_cancel();
            d.emit(LabAction::Pause);
            phase.set(Phase::Idle);
        })
    };
    let busy = matches!(*phase, Phase::Recording { .. } | Phase::Finishing);
    let status = match &*phase {
        Phase::Idle => html! {},
        Phase::Recording { from_ms, to_ms } => {
            let done = props.now_ms.clamp(*from_ms, *to_ms) - from_ms;
            let total = to_ms - from_ms;
            html! {
                <div class="record-progress" role="status">
                    <progress id="record-progress" max={total.to_string()} value={done.to_string()} aria-label="Recording the clip"></progress>
                    <span>{ format!("Recording: {} s of {} s", seconds(done), seconds(total)) }</span>
                    <button onclick={cancel} id="record-cancel">{ "Cancel" }</button>
                </div>
            }
        }
        Phase::Finishing => {
            html! { <p class="record-progress" role="status">{ "Finishing the clip…" }</p> }
        }
        Phase::Done { url, seconds } => html! {
            <p class="record-done" role="status">
                <a href={url.clone()} download={file_name(&props.title)} id="record-download">{ format!("Download the clip (WebM, {seconds} s of the run)") }</a>
            </p>
        },
        Phase::Failed(why) => {
            html! { <p class="record-failed" role="status">{ format!("Could not record: {why}.") }</p> }
        }
    };
    html! {
        <details class="recorder">
            <summary>{ "Record a clip" }</summary>
            <div class="record-form">
                <label><span>{ "From (s)" }</span><input ref={from} id="record-from" type="number" min="0" step="0.1" value="0" disabled={busy} /></label>
                <label><span>{ "To (s)" }</span><input ref={to} id="record-to" type="number" min="0" step="0.1" value={default_to} disabled={busy} /></label>
                <label><span>{ "Speed" }</span>
                    <select ref={speed} id="record-speed" disabled={busy}>
                        { for SPEEDS.iter().map(|(v, label)| html! { <option value={v.to_string()} selected={*v == 100}>{ *label }</option> }) }
                    </select>
                </label>
                <button class="primary" onclick={start} id="record" disabled={busy}>{ "● Record" }</button>
            </div>
            { status }
        </details>
    }
}
