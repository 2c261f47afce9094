//! The app shell: header and the cluster stage. A placeholder until the engine UI is built.
//!
//! Extend here: UI state will be a `Reducible` that calls into `replication_sim`; children take
//! `Callback` props; timers and animation frames live in effects that clean up after themselves.

use yew::prelude::*;

use crate::debug;

/// Root component, mounted by `crate::start` (and by the component tests).
#[component]
pub fn App() -> Html {
    if debug::panic_test_requested() {
        // Deliberate: lets the e2e suite prove that a panic during rendering shows the error panel.
        panic!("deliberate panic requested by the `{}` URL fragment", debug::PANIC_TEST_MARKER);
    }
    let options = crate::lab::PageOptions::from_page();
    if options.embed {
        // Inside a course page's iframe: no page chrome.
        return html! {
            <main class="stage embed-stage">
                <crate::lab::LabApp options={options} />
            </main>
        };
    }
    html! {
        <>
            <Header />
            <main class="stage">
                <crate::lab::LabApp options={options} />
            </main>
        </>
    }
}

/// Page header: the lab's name and what it is about.
#[component]
pub fn Header() -> Html {
    html! {
        <header class="app-header">
            <h1>{ "Replication Lab" }</h1>
            <p class="tagline">{ "Leaders, followers and the writes they lose" }</p>
        </header>
    }
}

/// Where the cluster will be drawn as SVG (nodes, links, log entries in flight).
///
/// The id `cluster` is a contract with the e2e tests and the benchmark (`#cluster svg`).
#[component]
pub fn ClusterStage() -> Html {
    html! {
        <section id="cluster" class="cluster" aria-label="Cluster">
            <p class="placeholder">{ "The replication engine is not wired in yet." }</p>
        </section>
    }
}
