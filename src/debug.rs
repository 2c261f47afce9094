//! Test-only switches read from the page URL, so end-to-end tests can reach states a reader never should.

/// URL fragment marker that makes the app panic on start, so the e2e tests can check that a
/// panic shows the error panel instead of a blank page. Scenario links never contain it.
pub const PANIC_TEST_MARKER: &str = "__panic_test";

/// True when the current page's fragment asks for a deliberate panic.
pub fn panic_test_requested() -> bool {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .is_some_and(|hash| hash.contains(PANIC_TEST_MARKER))
}
