//! How to read the lab: the drawing's legend and the list of keyboard shortcuts. Static
//! text, as plain functions, so they cost no component code.

use yew::prelude::*;

/// Static: a plain function, so it costs no component code.
pub fn legend() -> Html {
    html! {
        <details class="legend">
            <summary>{ "How to read the drawing" }</summary>
            <ul>
                <li><span class="swatch e-confirmed">{ "✓" }</span>{ " confirmed to the client" }</li>
                <li><span class="swatch e-replicated">{ "2" }</span>{ " on that many replicas, not yet confirmed" }</li>
                <li><span class="swatch e-leader_only">{ "1" }</span>{ " only on one replica" }</li>
                <li><span class="swatch e-blocked">{ "‖" }</span>{ " blocked: waiting for a silent replica" }</li>
                <li><span class="swatch e-lost">{ "✗" }</span>{ " confirmed, then lost" }</li>
                <li>{ "● append · ○ acknowledgement · · heartbeat · ■ snapshot part · ▲ catch-up or snapshot request · ◆ vote request" }</li>
                <li>{ "Dashed link with ✂: cut. ×N: slow. N% lost: lossy." }</li>
            </ul>
        </details>
    }
}

pub fn help(on_close: Callback<MouseEvent>) -> Html {
    let keys = [
        ("Space or k", "play / pause"),
        (".", "process the next event"),
        ("← / →", "back / forward one event"),
        ("Home", "back to the start"),
        ("PageUp / PageDown", "previous / next notable moment"),
        ("1 – 9", "select replica n1 – n9"),
        ("c", "crash the selected replica"),
        ("s", "restart the selected replica"),
        ("p", "promote the selected replica (manual failover)"),
        ("i", "isolate the selected replica"),
        ("f", "fail over to the most up-to-date follower"),
        ("a", "add a follower from a snapshot"),
        ("h", "heal the network"),
        ("w", "write by hand (focuses the key field)"),
        ("Escape", "clear the selection, close this list"),
        ("Enter or n", "continue a lesson from a key moment"),
        ("?", "show or hide this list"),
    ];
    html! {
        <div class="help" role="dialog" aria-modal="false" aria-labelledby="help-title">
            <h2 id="help-title">{ "Keyboard shortcuts" }</h2>
            <dl>{ for keys.iter().map(|(k, what)| html! { <div><dt><kbd>{ *k }</kbd></dt><dd>{ *what }</dd></div> }) }</dl>
            <button onclick={on_close}>{ "Close" }</button>
        </div>
    }
}
