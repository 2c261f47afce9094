//! Panic hook that shows a visible error panel (never a blank page) with a copyable report.
//!
//! A panic in wasm aborts the whole app, so the panel is built with plain DOM calls rather than
//! Yew, and its buttons run plain JavaScript: neither depends on the wasm instance being usable
//! after the panic.

use std::sync::atomic::{AtomicBool, Ordering};

use wasm_bindgen::JsCast;
use web_sys::{Document, Element};

/// Id of the panel's root element; e2e tests look for it.
pub const PANEL_ID: &str = "rl-panic-panel";
/// Id of the read-only textarea that holds the report.
pub const REPORT_ID: &str = "rl-panic-report";
/// Headline shown to the reader.
pub const HEADLINE: &str = "Replication Lab hit an internal error";

/// Only the first panic is shown: a second one is usually a consequence of the first.
static SHOWN: AtomicBool = AtomicBool::new(false);

/// Installs the hook. Must go through `yew::set_custom_panic_hook`, because Yew replaces any
/// hook set with `std::panic::set_hook` when the app is rendered.
pub fn install() {
    yew::set_custom_panic_hook(Box::new(|info| {
        // Keep the console trace (with the JS stack) for developers.
        console_error_panic_hook::hook(info);
        if !SHOWN.swap(true, Ordering::SeqCst) {
            if let Some(document) = web_sys::window().and_then(|w| w.document()) {
                // The result is ignored: inside a panic hook there is nowhere left to report to.
                let _ = show(&document, &info.to_string());
            }
        }
    }));
}

/// The text a reader copies into a bug report: message, page URL (the scenario link), browser.
pub fn report_text(message: &str, page_url: &str, user_agent: &str, time_iso: &str) -> String {
    format!(
        "{HEADLINE}.\n\nMessage:\n{message}\n\nPage: {page_url}\nBrowser: {user_agent}\nTime: {time_iso}\n"
    )
}

/// Builds the panel and lays it over the page. Returns the panel, or `None` if the DOM refused.
///
/// Every step avoids panicking: this runs inside the panic hook, where a second panic aborts
/// before anything is shown. Text goes in with `set_text_content`, never as HTML, because a
/// panic message can contain markup.
pub fn show(document: &Document, message: &str) -> Option<Element> {
    let window = web_sys::window()?;
    let page_url = window.location().href().unwrap_or_default();
    let user_agent = window.navigator().user_agent().unwrap_or_default();
    let time_iso = String::from(js_sys::Date::new_0().to_iso_string());
    let report = report_text(message, &page_url, &user_agent, &time_iso);

    if let Some(old) = document.get_element_by_id(PANEL_ID) {
        old.remove();
    }
    // The app underneath is dead: keep it out of the keyboard and screen reader order.
    if let Some(app) = document.get_element_by_id(crate::ROOT_ID) {
        let _ = app.set_attribute("inert", "");
        let _ = app.set_attribute("aria-hidden", "true");
    }

    let panel = document.create_element("section").ok()?;
    panel.set_id(PANEL_ID);
    panel.set_class_name("panic-panel");
    let _ = panel.set_attribute("role", "alert");
    let _ = panel.set_attribute("aria-labelledby", "rl-panic-title");
    // Inline fallbacks keep the panel readable even if the stylesheet failed to load.
    let _ = panel.set_attribute(
        "style",
        "position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:1.5rem;\
         background:var(--bg,#fff);color:var(--fg,#111);font:16px/1.5 system-ui,sans-serif",
    );

    let title = child(document, &panel, "h1", HEADLINE)?;
    title.set_id("rl-panic-title");
    let _ = title.set_attribute("tabindex", "-1");
    child(
        document,
        &panel,
        "p",
        "The simulation stopped. Copy the report below and send it to the lab's authors; \
         it contains the link of this page, which replays the scenario. Reloading starts again.",
    )?;
    child(document, &panel, "h2", "Message")?;
    child(document, &panel, "pre", message)?.set_class_name("panic-message");
    child(document, &panel, "h2", "Page")?;
    child(document, &panel, "p", &page_url)?.set_class_name("panic-url");

    let label = child(document, &panel, "label", "Report (select all and copy)")?;
    let _ = label.set_attribute("for", REPORT_ID);
    let textarea = document.create_element("textarea").ok()?;
    textarea.set_id(REPORT_ID);
    let _ = textarea.set_attribute("readonly", "");
    let _ = textarea.set_attribute("rows", "9");
    let _ = textarea.set_attribute("spellcheck", "false");
    if let Some(area) = textarea.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        area.set_value(&report);
    }
    panel.append_child(&textarea).ok()?;

    let actions = child(document, &panel, "p", "")?;
    actions.set_class_name("panic-actions");
    // Plain JS handlers: after a panic, calling back into the aborted wasm module is unsafe.
    button(
        document,
        &actions,
        "Copy report",
        "const t = document.getElementById('rl-panic-report'); t.focus(); t.select();\
         const done = () => { event.target.textContent = 'Copied'; };\
         if (navigator.clipboard) { navigator.clipboard.writeText(t.value).then(done, () => { document.execCommand('copy') && done(); }); }\
         else if (document.execCommand('copy')) { done(); }",
    )?;
    button(document, &actions, "Reload", "location.reload();")?;

    document.body()?.append_child(&panel).ok()?;
    if let Some(title) = title.dyn_ref::<web_sys::HtmlElement>() {
        let _ = title.focus();
    }
    Some(panel)
}

/// Appends a `tag` element with plain `text` to `parent`.
fn child(document: &Document, parent: &Element, tag: &str, text: &str) -> Option<Element> {
    let element = document.create_element(tag).ok()?;
    element.set_text_content(Some(text));
    parent.append_child(&element).ok()?;
    Some(element)
}

/// Appends a button whose click runs `js` (with `event` in scope).
fn button(document: &Document, parent: &Element, text: &str, js: &str) -> Option<Element> {
    let element = child(document, parent, "button", text)?;
    let _ = element.set_attribute("type", "button");
    let handler = js_sys::Function::new_with_args("event", js);
    element
        .add_event_listener_with_callback("click", &handler)
        .ok()?;
    Some(element)
}
