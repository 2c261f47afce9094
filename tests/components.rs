//! Component tests in headless Chromium: the drawing and the panels render what a given
//! engine view says — replica roles, the status of each log entry, the lost-write counter.
//! Each view comes from a real run of a preset, stopped at an instant a lesson cares about.
#![cfg(target_arch = "wasm32")]

use replication_lab::cluster::{Cluster, ClusterProps};
use replication_lab::panels::{Writes, WritesProps};
use replication_sim::presets::Preset;
use replication_sim::view::{EntryStatus, ReplicaRole, WriteStatus};
use replication_sim::{Sim, View, ViewOptions};
use std::rc::Rc;
use wasm_bindgen_test::*;
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

fn mount_point() -> web_sys::Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    root
}

fn view_at(preset: &str, t: u64) -> Rc<View> {
    let scenario = Preset::by_id(preset).unwrap().scenario().unwrap();
    let mut sim = Sim::new(&scenario).unwrap();
    sim.run_until(t);
    Rc::new(sim.view(&ViewOptions::default()))
}

async fn draw(view: Rc<View>) -> web_sys::Element {
    let root = mount_point();
    let props = ClusterProps {
        view,
        selected: None,
        reduced_motion: false,
        compact: false,
        on_select: Callback::noop(),
    };
    yew::Renderer::<Cluster>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    root
}

fn all(root: &web_sys::Element, selector: &str) -> Vec<web_sys::Element> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length())
        .map(|i| wasm_bindgen::JsCast::dyn_into(list.item(i).unwrap()).unwrap())
        .collect()
}

fn has_class(e: &web_sys::Element, class: &str) -> bool {
    e.get_attribute("class")
        .unwrap_or_default()
        .split_whitespace()
        .any(|c| c == class)
}

fn text(e: &web_sys::Element, selector: &str) -> String {
    e.query_selector(selector)
        .unwrap()
        .and_then(|x| x.text_content())
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn replicas_are_drawn_with_the_roles_the_engine_gives() {
    // After the async leader's crash and the failover (n3 leads from 3,038 ms), before n1
    // restarts at 3.5 s: n1 down, a new leader elected.
    let view = view_at("async-failover", 3_300);
    let root = draw(view.clone()).await;
    let boxes = all(&root, ".replica");
    assert_eq!(boxes.len(), view.replicas.len());
    for (g, r) in boxes.iter().zip(&view.replicas) {
        assert_eq!(text(g, ".name"), r.id);
        assert_eq!(
            text(g, ".role"),
            r.role.name().to_uppercase(),
            "{} is drawn with the wrong role",
            r.id
        );
        assert!(has_class(g, &format!("role-{}", r.role.class())));
        let label = g
            .query_selector("[role=button]")
            .unwrap()
            .unwrap()
            .get_attribute("aria-label")
            .unwrap();
        assert!(
            label.contains(r.role.name()),
            "the button's name says the role: {label}"
        );
    }
    assert_eq!(
        view.replicas[0].role,
        ReplicaRole::Down,
        "the scenario crashed n1 at 1.5 s"
    );
    assert!(view.leader.is_some() && view.leader.as_deref() != Some("n1"));
}

#[wasm_bindgen_test]
async fn every_log_entry_shows_its_status_as_a_glyph() {
    let view = view_at("async-failover", 3_300);
    let root = draw(view.clone()).await;
    let mut lost = 0;
    for (g, r) in all(&root, ".replica").iter().zip(&view.replicas) {
        // Left to right, as the reader reads the log: a cell keeps its element while its
        // entry is shown, so the document order is not the log's.
        let mut cells = all(g, ".entry");
        let x = |cell: &web_sys::Element| -> i64 {
            cell.query_selector("rect")
                .ok()
                .flatten()
                .and_then(|rect| rect.get_attribute("x"))
                .and_then(|v| v.parse().ok())
                .expect("a cell's rectangle has a whole x")
        };
        cells.sort_by_key(x);
        let shown = &r.entries[r.entries.len() - cells.len()..];
        for (cell, e) in cells.iter().zip(shown) {
            assert!(
                has_class(cell, &format!("e-{}", e.status.name())),
                "{} position {}: {:?}",
                r.id,
                e.position,
                e.status
            );
            // The cell draws the engine's label (which the engine's own tests check
            // against the README's glyphs), not one of its own.
            assert_eq!(
                text(cell, "text"),
                e.label,
                "{} position {}",
                r.id,
                e.position
            );
            assert!(
                text(cell, "title").contains(&e.write),
                "the tooltip names the write"
            );
            lost += (e.status == EntryStatus::Lost) as usize;
        }
    }
    assert!(
        lost > 0,
        "the crashed leader still holds the writes it confirmed and lost"
    );
}

#[wasm_bindgen_test]
async fn blocked_writes_are_drawn_as_blocked_in_sync_mode() {
    // Synchronous replication with n3 down: the leader's new entries wait.
    let view = view_at("sync-vs-async", 5_200);
    assert!(view.counts.blocked > 0);
    let root = draw(view).await;
    assert!(!all(&root, ".entry.e-blocked").is_empty());
    assert!(all(&root, ".entry.e-blocked text")
        .iter()
        .all(|t| t.text_content().unwrap() == "‖"));
}

#[wasm_bindgen_test]
async fn each_replica_is_badged_with_its_place_in_the_chain_as_the_engine_says() {
    // The chain n1 → n2 → n3 → n4, before n2 crashes at 1.5 s.
    let view = view_at("chain", 1_000);
    let root = draw(view.clone()).await;
    let badges: Vec<String> = all(&root, ".replica")
        .iter()
        .map(|g| text(g, ".badge"))
        .collect();
    let expected: Vec<String> = view
        .replicas
        .iter()
        .map(|r| r.chain.map(|c| c.badge()).unwrap_or_default())
        .collect();
    assert_eq!(badges, expected);
    assert_eq!(badges, ["head", "chain #2", "chain #3", "tail"]);
}

#[wasm_bindgen_test]
async fn the_lost_counter_and_its_list_say_what_the_engine_counted() {
    let view = view_at("async-failover", 4_000);
    let lost: Vec<_> = view
        .writes
        .iter()
        .filter(|w| w.status == WriteStatus::Lost)
        .collect();
    assert!(!lost.is_empty());
    let root = mount_point();
    let props = WritesProps {
        counts: view.counts.clone(),
        writes: Rc::new(view.writes.clone()),
        workload_on: true,
        dispatch: Callback::noop(),
    };
    yew::Renderer::<Writes>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    assert_eq!(text(&root, "#lost-count"), view.counts.lost.to_string());
    let button: web_sys::HtmlElement = wasm_bindgen::JsCast::dyn_into(
        root.query_selector(".lost-counter button")
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    button.click();
    yew::scheduler::flush().await;
    let rows = all(&root, "#lost-list li");
    assert_eq!(rows.len(), lost.len());
    for (row, w) in rows.iter().zip(&lost) {
        let t = row.text_content().unwrap();
        assert!(t.contains(&w.id) && t.contains("then lost"), "{t}");
    }
}
