//! The app shell: the header with its navigation, and the page the URL asks for — the lesson
//! gallery (`#lessons`), or the laboratory with whatever scenario the fragment names. A new
//! fragment (a pasted link, a lesson chosen) mounts a fresh laboratory.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::debug;
use replication_sim::link::{self, LinkError};
use std::rc::Rc;

#[wasm_bindgen(module = "/src/compression.js")]
extern "C" {
    /// Raw inflate by the browser's DecompressionStream, of at most `limit` bytes; the
    /// promise gives a Uint8Array, or null past the limit.
    #[wasm_bindgen(js_name = inflateRaw, catch)]
    fn inflate_raw(bytes: &[u8], limit: u32) -> Result<js_sys::Promise, JsValue>;
}

/// The browser's answer for the scenario in a link's `s=`: its JSON, or why not.
pub type Inflated = Rc<Result<Vec<u8>, LinkError>>;

/// Asks the browser to inflate the scenario in `hash`, if it carries one, and sets `done`.
fn inflate_scenario(hash: &str, done: UseStateHandle<Option<(String, Inflated)>>) {
    let Some(packed) = link::deflated_scenario(hash) else {
        return;
    };
    let settle = {
        let hash = hash.to_string();
        move |result: Result<Vec<u8>, LinkError>| done.set(Some((hash.clone(), Rc::new(result))))
    };
    inflate_link_scenario(&packed, settle);
}

/// Inflates a link's deflated scenario in the browser (bounded by the scenario size limit)
/// and hands `settle` its bytes, or why not: once, when the browser answers.
pub(crate) fn inflate_link_scenario(
    packed: &[u8],
    settle: impl Fn(Result<Vec<u8>, LinkError>) + Clone + 'static,
) {
    match inflate_raw(packed, link::MAX_SCENARIO_BYTES as u32) {
        Ok(promise) => {
            let settle_ok = settle.clone();
            let ok = Closure::once(move |value: JsValue| {
                settle_ok(if value.is_null() {
                    Err(LinkError::TooLarge)
                } else {
                    Ok(js_sys::Uint8Array::new(&value).to_vec())
                })
            });
            let fail = Closure::once(move |_: JsValue| {
                settle(Err(LinkError::Corrupt(
                    "the compressed data does not inflate".into(),
                )))
            });
            let _ = promise.then2(&ok, &fail);
            // Kept alive for the promise: once per link opened.
            ok.forget();
            fail.forget();
        }
        Err(_) => settle(Err(LinkError::Corrupt(
            "this browser cannot inflate it (no DecompressionStream)".into(),
        ))),
    }
}

fn current_hash() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// Root component, mounted by `crate::start` (and by the component tests).
#[component]
pub fn App() -> Html {
    if debug::panic_test_requested() {
        // Deliberate: lets the e2e suite prove that a panic during rendering shows the error panel.
        panic!(
            "deliberate panic requested by the `{}` URL fragment",
            debug::PANIC_TEST_MARKER
        );
    }
    let hash = use_state(current_hash);
    {
        let hash = hash.clone();
        use_effect_with((), move |_| {
            let closure = Closure::<dyn FnMut()>::new(move || hash.set(current_hash()));
            let window = web_sys::window();
            if let Some(w) = &window {
                let _ = w.add_event_listener_with_callback(
                    "hashchange",
                    closure.as_ref().unchecked_ref(),
                );
            }
            move || {
                if let Some(w) = &window {
                    let _ = w.remove_event_listener_with_callback(
                        "hashchange",
                        closure.as_ref().unchecked_ref(),
                    );
                }
                drop(closure);
            }
        });
    }
    // A link's scenario is inflated by the browser, which answers a moment later.
    let inflated = use_state(|| None::<(String, Inflated)>);
    {
        let inflated = inflated.clone();
        use_effect_with((*hash).clone(), move |hash| {
            inflate_scenario(hash, inflated)
        });
    }
    let waiting = link::deflated_scenario(&hash).is_some();
    let inflated = match &*inflated {
        Some((for_hash, answer)) if *for_hash == *hash => Some(answer.clone()),
        _ if waiting => {
            return html! { <main class="stage"><p class="boot">{ "Opening the link…" }</p></main> }
        }
        _ => None,
    };
    let options = crate::lab::PageOptions::from_page();
    let compare = hash
        .trim_start_matches('#')
        .split('&')
        .any(|p| p == "compare" || p.starts_with("compare="));
    if compare && !crate::FULL {
        // The lean embed build has no compare view: offer the full lab's.
        let full = format!("{}{}", crate::share::base_url(), *hash);
        return html! {
            <main class="stage embed-stage">
                <p class="boot">{ "This comparison opens in the full lab: " }<a href={full} target="_blank" rel="noopener">{ "open it (new tab)" }</a></p>
            </main>
        };
    }
    if compare {
        let embed = options.embed;
        return html! {
            <>
                if !embed { { header(Page::Compare) } }
                <main class={classes!("stage", embed.then_some("embed-stage"))}>
                    <crate::compare::CompareApp key={(*hash).clone()} embed={embed} inflated={inflated} />
                </main>
            </>
        };
    }
    if options.embed || !crate::FULL {
        // Inside a course page's iframe: no page chrome.
        return html! {
            <main class="stage embed-stage">
                <crate::lab::LabApp key={(*hash).clone()} options={options} inflated={inflated} />
            </main>
        };
    }
    let gallery = crate::FULL && hash.as_str() == "#lessons";
    html! {
        <>
            { header(if gallery { Page::Lessons } else { Page::Lab }) }
            <main class="stage">
                if gallery {
                    { crate::lessons_ui::gallery() }
                } else {
                    <crate::lab::LabApp key={(*hash).clone()} options={options} inflated={inflated} />
                }
            </main>
        </>
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Lab,
    Lessons,
    Compare,
}

/// Page header: the lab's name, what it is about, and where to go. "Compare" opens the
/// modes compared, and is the current page for every comparison (of modes or of the ways
/// to copy a new follower): the page's own heading says which.
pub fn header(page: Page) -> Html {
    html! {
        <header class="app-header">
            <h1>{ "Replication Lab" }</h1>
            <p class="tagline">{ "Leaders, followers and the writes they lose" }</p>
            <nav class="app-nav" aria-label="Pages">
                <a href="#lessons" aria-current={if page == Page::Lessons { "page" } else { "false" }}>{ "Lessons" }</a>
                <a href="#compare=async,semi-sync,sync&preset=async-failover" aria-current={if page == Page::Compare { "page" } else { "false" }}>{ "Compare" }</a>
                <a href="#" aria-current={if page == Page::Lab { "page" } else { "false" }}>{ "Lab" }</a>
            </nav>
        </header>
    }
}
