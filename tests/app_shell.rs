//! Component tests in headless Chromium: the app shell renders what the page promises.
//!
//! Run with `e2e/component-tests.sh` (wasm-bindgen-test-runner drives Chromium via chromedriver).
// Browser-only: on the host, web-sys calls would panic, so the file compiles to nothing there.
#![cfg(target_arch = "wasm32")]

use replication_lab::app::App;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A fresh element in the test page to mount into, so tests do not see each other's DOM.
fn mount_point() -> web_sys::Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    root
}

#[wasm_bindgen_test]
async fn app_shell_shows_header_and_cluster_stage() {
    let root = mount_point();
    yew::Renderer::<App>::with_root(root.clone()).render();
    yew::scheduler::flush().await;

    let header = root
        .query_selector("header h1")
        .unwrap()
        .expect("the shell has a header");
    assert_eq!(header.text_content().unwrap(), "Replication Lab");
    assert!(
        root.query_selector("main #cluster").unwrap().is_some(),
        "the cluster stage (#cluster) is where the SVG will go"
    );
}
