//! Sharing a run: the scenario link (with the time cursor), the iframe snippet for course
//! pages, and scenario and trace files to export and import. Links and files go through the
//! engine's own codec and parser, so the app, the runner and the tests agree on them.

use crate::state::{LabAction, Notice};
use replication_sim::link;
use replication_sim::Scenario;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The page's address without fragment and query: where links and embeds point.
pub fn base_url() -> String {
    let Some(loc) = web_sys::window().map(|w| w.location()) else {
        return String::new();
    };
    let origin = loc.origin().unwrap_or_default();
    let path = loc.pathname().unwrap_or_default();
    format!("{origin}{path}")
}

/// The fragment that replays this run to this instant: a lesson's readable name when the
/// reader has not changed it, the encoded scenario (see [`use_scenario_value`]) otherwise.
pub fn fragment_for(
    scenario_value: &str,
    preset: Option<&str>,
    unchanged: bool,
    t_ms: u64,
) -> String {
    match preset {
        Some(id) if unchanged => link::encode_preset(id, Some(t_ms)),
        _ => link::fragment(scenario_value, Some(t_ms)),
    }
}

#[wasm_bindgen(module = "/src/compression.js")]
extern "C" {
    /// Raw deflate by the browser's CompressionStream; the promise gives a Uint8Array.
    #[wasm_bindgen(js_name = deflateRaw, catch)]
    fn deflate_raw(bytes: &[u8]) -> Result<js_sys::Promise, JsValue>;
}

/// A scenario as a hook dependency: the same `Rc`, not merely an equal scenario, so that
/// comparing costs nothing on each animation frame.
#[derive(Clone)]
struct Same(Rc<Scenario>);

impl PartialEq for Same {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// The value of a link's `s=` for `scenario` (none: an empty value, for callers that need no
/// link). The browser deflates it in the background whenever the scenario changes. Until it
/// answers, or where it cannot, the value holds the JSON in stored (uncompressed) deflate
/// blocks: a longer link that decodes to the same scenario.
#[hook]
pub fn use_scenario_value(scenario: Option<Rc<Scenario>>) -> Rc<str> {
    let key = scenario.map(Same);
    let compressed = use_state(|| None::<(Same, Rc<str>)>);
    let stored = use_memo(key.clone(), |key| -> Rc<str> {
        match key {
            Some(Same(s)) => Rc::from(link::scenario_value(&link::stored_deflate(
                s.to_json().as_bytes(),
            ))),
            None => Rc::from(""),
        }
    });
    {
        let compressed = compressed.clone();
        use_effect_with(key.clone(), move |key| {
            let Some(Same(scenario)) = key else {
                return;
            };
            let Ok(promise) = deflate_raw(scenario.to_json().as_bytes()) else {
                return;
            };
            let key = Same(scenario.clone());
            // A refused promise leaves the stored value in place.
            let done = Closure::once(move |bytes: JsValue| {
                let bytes = js_sys::Uint8Array::new(&bytes).to_vec();
                compressed.set(Some((key, Rc::from(link::scenario_value(&bytes)))));
            });
            let _ = promise.then(&done);
            // Kept alive for the promise: a few bytes each time the scenario changes.
            done.forget();
        });
    }
    match (&*compressed, &key) {
        (Some((done_for, value)), Some(current)) if done_for == current => value.clone(),
        _ => (*stored).clone(),
    }
}

pub fn embed_snippet(url: &str, title: &str) -> String {
    let safe_title = title
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;");
    format!(
        "<iframe src=\"{url}\" title=\"Replication Lab: {safe_title}\" loading=\"lazy\" width=\"820\" height=\"600\" style=\"border:0;max-width:100%\" allow=\"clipboard-write\"></iframe>"
    )
}

/// Tries the clipboard; the selectable field beside it is the fallback that always works.
fn try_copy(text: &str, done: Callback<bool>) {
    let Some(clipboard) = web_sys::window().map(|w| w.navigator().clipboard()) else {
        done.emit(false);
        return;
    };
    let promise = clipboard.write_text(text);
    let ok = {
        let done = done.clone();
        Closure::once(move |_: JsValue| done.emit(true))
    };
    let fail = Closure::once(move |_: JsValue| done.emit(false));
    let _ = promise.then2(&ok, &fail);
    ok.forget();
    fail.forget();
}

/// Offers `text` as a file download.
pub fn download(name: &str, mime: &str, text: &str) -> Result<(), String> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|_| "the browser refused to build the file")?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)
        .map_err(|_| "the browser refused to offer the file")?;
    let a: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|_| "no link element")?
        .unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.click();
    // Some browsers start the download after the click returns: free the file a bit later.
    gloo_timers::callback::Timeout::new(10_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}

fn file_name(title: &str) -> String {
    let slug: String = title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let slug = slug
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if slug.is_empty() {
        "scenario".into()
    } else {
        slug.chars().take(48).collect()
    }
}

#[derive(Properties)]
pub struct ShareProps {
    /// The scenario that replays this run, the reader's actions included.
    pub scenario: Rc<Scenario>,
    pub preset: Option<&'static str>,
    pub unchanged: bool,
    /// The instant shown, read when the reader asks for a link: shared rather than passed by
    /// value, so that the panel does not render again on every frame.
    pub now: Rc<Cell<u64>>,
    pub title: String,
    /// Put before the scenario in the fragment (the compare view's `compare=…&`).
    #[prop_or_default]
    pub prefix: String,
    pub dispatch: Callback<LabAction>,
}

/// The scenario by identity: the lab hands down the same `Rc` until the reader acts, so
/// comparing it field by field on every frame would be wasted work (and bundle).
impl PartialEq for ShareProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.scenario, &other.scenario)
            && self.preset == other.preset
            && self.unchanged == other.unchanged
            && Rc::ptr_eq(&self.now, &other.now)
            && self.title == other.title
            && self.prefix == other.prefix
            && self.dispatch == other.dispatch
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Open {
    None,
    Link,
    Embed,
}

#[component]
pub fn Share(props: &ShareProps) -> Html {
    let open = use_state(|| Open::None);
    let copied = use_state(|| None::<bool>);
    let scenario_value = use_scenario_value(Some(props.scenario.clone()));
    // The text is made when the reader asks for it, and then stays as it was at that instant
    // while the run plays on.
    let shown_text = use_state(String::new);
    let shown = (*open != Open::None).then(|| (*shown_text).clone());

    let show = |what: Open| {
        let (open, copied, shown_text) = (open.clone(), copied.clone(), shown_text.clone());
        let (value, preset, unchanged, now, prefix, title) = (
            scenario_value.clone(),
            props.preset,
            props.unchanged,
            props.now.clone(),
            props.prefix.clone(),
            props.title.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let fragment = format!(
                "{prefix}{}",
                fragment_for(&value, preset, unchanged, now.get())
            );
            let url = format!("{}#{}", base_url(), fragment);
            let text = if what == Open::Link {
                url.clone()
            } else {
                embed_snippet(&format!("{}?embed#{}", base_url(), fragment), &title)
            };
            if what == Open::Link {
                // The address bar then holds the link too, for bookmarking.
                if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
                    let _ = h.replace_state_with_url(&JsValue::NULL, "", Some(&url));
                }
            }
            open.set(what);
            shown_text.set(text.clone());
            copied.set(None);
            let copied = copied.clone();
            try_copy(&text, Callback::from(move |ok| copied.set(Some(ok))));
        })
    };
    let on_link = show(Open::Link);
    let compare = {
        let (value, preset, unchanged, now) = (
            scenario_value.clone(),
            props.preset,
            props.unchanged,
            props.now.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let hash = format!(
                "#compare=async,semi-sync,sync&{}",
                fragment_for(&value, preset, unchanged, now.get())
            );
            if let Some(loc) = web_sys::window().map(|w| w.location()) {
                let _ = loc.set_hash(&hash);
            }
        })
    };
    let on_embed = show(Open::Embed);
    let close = {
        let open = open.clone();
        Callback::from(move |_| open.set(Open::None))
    };
    let select_all = Callback::from(|e: FocusEvent| {
        if let Some(t) = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
        {
            t.select();
        }
    });
    let export_scenario = {
        let (s, d, title) = (
            props.scenario.clone(),
            props.dispatch.clone(),
            props.title.clone(),
        );
        Callback::from(move |_| {
            if let Err(e) = download(
                &format!("{}.json", file_name(&title)),
                "application/json",
                &s.to_json_pretty(),
            ) {
                d.emit(LabAction::Notify(Notice {
                    text: format!("Could not export: {e}"),
                    error: true,
                }));
            }
        })
    };
    let export_trace = {
        let (s, d, t, title) = (
            props.scenario.clone(),
            props.dispatch.clone(),
            props.now.clone(),
            props.title.clone(),
        );
        Callback::from(move |_| {
            let t = t.get();
            // Determinism makes the trace cheap to keep: replay with recording on.
            let Ok(mut sim) = replication_sim::Sim::new(&s) else {
                return;
            };
            sim.record_trace();
            sim.run_until(t);
            let json = serde_json::to_string_pretty(&serde_json::json!({
                "scenario": serde_json::from_str::<serde_json::Value>(&s.to_json()).unwrap_or_default(),
                "until_ms": t,
                "trace_hash": format!("{:016x}", sim.trace_hash()),
                "events": sim.trace(),
            }))
            .unwrap_or_default();
            if let Err(e) = download(
                &format!("{}-trace.json", file_name(&title)),
                "application/json",
                &json,
            ) {
                d.emit(LabAction::Notify(Notice {
                    text: format!("Could not export the trace: {e}"),
                    error: true,
                }));
            }
        })
    };
    let import = {
        let d = props.dispatch.clone();
        Callback::from(move |e: Event| {
            let Some(input) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            else {
                return;
            };
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            input.set_value("");
            if file.size() > link::MAX_SCENARIO_BYTES as f64 {
                d.emit(LabAction::Notify(Notice {
                    text: format!(
                        "{} is too large to be a scenario (over {} KB).",
                        file.name(),
                        link::MAX_SCENARIO_BYTES / 1024
                    ),
                    error: true,
                }));
                return;
            }
            let Ok(reader) = web_sys::FileReader::new() else {
                return;
            };
            let name = file.name();
            let d2 = d.clone();
            let r2 = reader.clone();
            let onload = Closure::once(move |_: web_sys::ProgressEvent| {
                let text = r2
                    .result()
                    .ok()
                    .and_then(|v| v.as_string())
                    .unwrap_or_default();
                match Scenario::from_json(&text) {
                    Ok(scenario) => d2.emit(LabAction::Load {
                        scenario: Box::new(scenario),
                        preset: None,
                        notice: Some(Notice {
                            text: format!("Loaded {name}."),
                            error: false,
                        }),
                    }),
                    Err(e) => d2.emit(LabAction::Notify(Notice {
                        text: format!("{name} is not a usable scenario: {e}. Nothing was changed."),
                        error: true,
                    })),
                }
            });
            reader.set_onloadend(Some(onload.as_ref().unchecked_ref()));
            onload.forget();
            let _ = reader.read_as_text(&file);
        })
    };

    html! {
        <section class="share" aria-labelledby="share-title">
            <h2 id="share-title">{ "Share and save" }</h2>
            <div class="actions">
                <button onclick={on_link} id="copy-link">{ "Copy link" }</button>
                <button onclick={on_embed} id="embed">{ "Embed" }</button>
                <button onclick={export_scenario}>{ "Export scenario" }</button>
                <button onclick={export_trace}>{ "Export trace" }</button>
                if props.prefix.is_empty() {
                    <button onclick={compare} id="compare-this">{ "Compare modes on this run" }</button>
                }
                <label class="file-button">
                    <span>{ "Import scenario" }</span>
                    <input type="file" accept=".json,application/json" onchange={import} id="import" />
                </label>
            </div>
            if let Some(text) = shown {
                <div class="share-box">
                    <label for="share-text">
                        { match (*open, *copied) {
                            (Open::Link, Some(true)) => "Link copied. It replays this run and stops at this instant:",
                            (Open::Embed, Some(true)) => "Snippet copied. Paste it into your course page:",
                            (Open::Link, _) => "Select the link and copy it (Ctrl+C). It replays this run and stops at this instant:",
                            _ => "Select the snippet and copy it (Ctrl+C) into your course page:",
                        } }
                    </label>
                    <textarea id="share-text" readonly=true rows={if *open == Open::Embed { "4" } else { "3" }} value={text} onfocus={select_all} />
                    <button onclick={close}>{ "Done" }</button>
                </div>
            }
        </section>
    }
}
