//! Replication Lab web app: the Yew front end that draws what the engine in `sim/` says.
//!
//! The app lives in a library (not only in `main.rs`) so that the component tests in
//! `tests/` can mount the same components the real page mounts.

pub mod api;
pub mod app;
// The benchmark exports serve `e2e/bench-worst.mjs`, which loads the full build.
#[cfg(feature = "full")]
pub mod bench;
pub mod cluster;
pub mod compare;
pub mod debug;
pub mod guide;
pub mod lab;
pub mod lab_page;
pub mod layout;
pub mod lessons_ui;
pub mod metrics;
pub mod panels;
pub mod panic_panel;
pub mod present;
pub mod record;
pub mod share;
pub mod spacetime;
pub mod state;
pub mod timebar;

/// Whether this is the full lab (`true`) or the lean build for the course-page embed.
/// Written with `cfg!`, not `#[cfg]`, so that both builds type-check the same code and the
/// optimiser drops the full lab's pages from the lean one.
pub const FULL: bool = cfg!(feature = "full");

/// Id of the element the app mounts into (see `index.html`).
pub const ROOT_ID: &str = "app";

/// Starts the app: panic panel first, so that even a panic while mounting is shown on the page.
pub fn start() {
    panic_panel::install();
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        panic!("Replication Lab needs a browser window with a document");
    };
    let root = match document.get_element_by_id(ROOT_ID) {
        Some(root) => {
            // Drop the static "loading" note from index.html; Yew appends, it does not replace.
            root.set_inner_html("");
            root
        }
        None => panic!("index.html has no element with id `{ROOT_ID}` to mount the app into"),
    };
    // Tells index.html's start-up watchdog that the wasm module loaded and ran.
    let _ = root.set_attribute("data-mounted", "");
    yew::Renderer::<app::App>::with_root(root).render();
}
