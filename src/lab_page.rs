//! The lab page's two layouts, from parts `LabApp` has prepared: the full lab (the text that
//! frames the run beside the cluster, the settings, sharing and the side panels) and the
//! compact embed of a course page (the cluster, the timeline and the controls, in that order,
//! so that they fit a small iframe). Only layout: every fact drawn comes from the engine's view.

use crate::lab::PageOptions;
use crate::panels::{inspector, EventLog, InspectorProps, Settings, Writes};
use crate::share::Share;
use crate::state::{Lab, LabAction};
use replication_sim::view::{EventView, View, WriteView};
use replication_sim::Scenario;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// What the embed draws.
pub struct EmbedPage<'a> {
    pub lab: &'a Lab,
    pub view: Rc<View>,
    pub options: &'a PageOptions,
    pub compact: bool,
    /// The same run in the full lab, at this instant.
    pub full_link: String,
    pub cluster: Html,
    pub timebar: Html,
    pub controls: Html,
    pub notice: Option<Html>,
    pub events: Rc<Vec<EventView>>,
    pub announcer: Html,
    pub toggle_help: Callback<MouseEvent>,
    pub dispatch: Callback<LabAction>,
}

/// Inside a course page's iframe: no page chrome, and the inspector only once something is
/// selected.
pub fn embed_page(p: EmbedPage) -> Html {
    let EmbedPage {
        lab, view, options, ..
    } = &p;
    let c = &view.counts;
    html! {
        <div class={classes!("lab", "embed", p.compact.then_some("narrow"))}>
            <section id="cluster" class="cluster" aria-label={format!("Replication Lab: {}", lab.title())}>
                <div class="cluster-head">
                    <h1 class="embed-title">{ lab.title() }</h1>
                    <span class={classes!("lost-pill", (c.lost > 0).then_some("has-lost"))} id="lost-count" title="confirmed writes lost">{ format!("{} lost", c.lost) }</span>
                    <a href={p.full_link.clone()} target="_blank" rel="noopener" class="open-full" aria-label="Open in the full lab (new tab)">{ "Open in the full lab ↗" }</a>
                </div>
                { p.cluster.clone() }
                { p.timebar.clone() }
            </section>
            if options.controls { { p.controls.clone() } }
            { for p.notice.clone() }
            if lab.selected.is_some() {
                { inspector(&InspectorProps { view: view.clone(), selected: lab.selected.clone(), dispatch: p.dispatch.clone() }) }
            }
            if options.log {
                <EventLog events={p.events.clone()} />
            }
            { p.announcer.clone() }
            if lab.help_open { { crate::guide::help(p.toggle_help.clone()) } }
        </div>
    }
}

/// What the full lab draws.
pub struct FullPage<'a> {
    pub lab: &'a Lab,
    pub view: Rc<View>,
    pub options: &'a PageOptions,
    /// The lesson, or the scenario's description.
    pub brief: Option<Html>,
    pub tabs: Html,
    /// The view the tabs chose: the cluster, the space-time diagram or the metrics.
    pub stage: Html,
    pub on_cluster_tab: bool,
    pub timebar: Html,
    pub controls: Html,
    pub recorder: Html,
    pub notice: Option<Html>,
    pub presets: Rc<Vec<(&'static str, String)>>,
    pub recorded: Rc<Scenario>,
    pub unchanged: bool,
    pub now: Rc<Cell<u64>>,
    pub branch_picker: Option<Html>,
    pub counts: replication_sim::view::Counts,
    pub writes: Rc<Vec<WriteView>>,
    pub events: Rc<Vec<EventView>>,
    pub enter_present: Callback<MouseEvent>,
    pub toggle_help: Callback<MouseEvent>,
    pub announcer: Html,
    pub dispatch: Callback<LabAction>,
}

/// The text that frames the run goes in its own box: beside the cluster on a wide screen, so
/// that the drawing and the controls under it fit in the window without scrolling; above the
/// cluster on a narrow one.
pub fn full_page(p: FullPage) -> Html {
    let FullPage { lab, view, .. } = &p;
    let dispatch = &p.dispatch;
    html! {
        <div class={classes!("lab", p.brief.is_some().then_some("has-brief"))}>
            if let Some(b) = p.brief.clone() {
                <div class="lab-brief">{ b }</div>
            }
            <div class="lab-main">
                <section id="cluster" class="cluster" aria-label="Cluster">
                    <div class="cluster-head">
                        <h2>{ lab.title() }</h2>
                        <span class="mode-pill">{ crate::present::mode_line(view) }</span>
                    </div>
                    { p.tabs.clone() }
                    { p.stage.clone() }
                    { p.timebar.clone() }
                    { p.controls.clone() }
                    if p.on_cluster_tab { { crate::guide::legend() } { p.recorder.clone() } }
                </section>
                { for p.notice.clone() }
                <Settings view={view.clone()} preset={lab.preset} presets={p.presets.clone()} dispatch={dispatch.clone()} />
                <Share scenario={p.recorded.clone()} preset={lab.preset} unchanged={p.unchanged} now={p.now.clone()} title={lab.title()} dispatch={dispatch.clone()} />
                { for p.branch_picker.clone() }
            </div>
            <aside class="lab-side">
                <Writes counts={p.counts.clone()} writes={p.writes.clone()} workload_on={view.workload_every_ms > 0} dispatch={dispatch.clone()} />
                { inspector(&InspectorProps { view: view.clone(), selected: lab.selected.clone(), dispatch: dispatch.clone() }) }
                if p.options.log {
                    <EventLog events={p.events.clone()} />
                }
                <button class="help-button" onclick={p.toggle_help.clone()} aria-keyshortcuts="?">{ "Keyboard shortcuts (?)" }</button>
                <button class="help-button" onclick={p.enter_present.clone()} id="present">{ "Presenter mode" }</button>
            </aside>
            { p.announcer.clone() }
            if lab.help_open {
                { crate::guide::help(p.toggle_help.clone()) }
            }
        </div>
    }
}

/// After the reader has acted in the past, a choice of the run's branches.
pub fn branch_picker(lab: &Lab, dispatch: &Callback<LabAction>) -> Option<Html> {
    (lab.branches.len() > 1).then(|| {
        let d = dispatch.clone();
        let on_change = Callback::from(move |e: Event| {
            let v = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()).and_then(|s| s.value().parse::<usize>().ok());
            if let Some(i) = v {
                d.emit(LabAction::SwitchBranch(i));
            }
        });
        html! {
            <label class="branches">
                <span>{ "Branch" }</span>
                <select onchange={on_change} id="branch">
                    { for lab.branches.iter().enumerate().map(|(i, b)| html! {
                        <option value={i.to_string()} selected={i == lab.branch}>{ format!("{}: {}", i + 1, b.label) }</option>
                    }) }
                </select>
            </label>
        }
    })
}
