//! Panic hook: logs the panic and asks `index.html` to show the error panel with Rust's message.
//!
//! The panel itself is plain JavaScript in `index.html`, because after a panic the wasm module
//! is stopped and cannot be called again. Release builds use `panic = "abort"`, which still runs
//! this hook first, so a reader's report carries the message and the scenario link.

use wasm_bindgen::{JsCast, JsValue};

/// Installs the hook. Must go through `yew::set_custom_panic_hook`, because Yew replaces any
/// hook set with `std::panic::set_hook` when the app is rendered.
pub fn install() {
    yew::set_custom_panic_hook(Box::new(|info| {
        // Keep the console trace (with the JS stack) for developers.
        console_error_panic_hook::hook(info);
        let show = web_sys::window()
            .and_then(|w| js_sys::Reflect::get(&w, &JsValue::from_str("rlShowPanic")).ok())
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
        if let Some(show) = show {
            // Ignored: inside a panic hook there is nowhere left to report a failure to.
            let _ = show.call1(&JsValue::NULL, &JsValue::from_str(&info.to_string()));
        }
    }));
}
