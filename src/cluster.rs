//! The cluster drawing: replicas with their logs, clients, links and messages in flight, as
//! SVG. It draws the engine's view and turns clicks and key presses into selections; what a
//! selection can do is offered by the inspector.

use crate::layout::{
    along, along_arc, bow, chain_geometry, controller_at, geometry, n, offset_line, portrait,
    Geometry, Point,
};
use crate::state::Selection;
use replication_sim::message::MessageKind;
use replication_sim::view::{
    ChainStatus, ClientView, ControllerView, LinkState, LinkView, ReplicaView, View,
};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties)]
pub struct ClusterProps {
    pub view: Rc<View>,
    pub selected: Option<Selection>,
    pub reduced_motion: bool,
    /// Narrow screen: the portrait arrangement.
    pub compact: bool,
    pub on_select: Callback<Selection>,
}

/// The view by identity: a new view is built for every frame, and comparing one field by
/// field only to find it changed would cost time (and bundle).
impl PartialEq for ClusterProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.view, &other.view)
            && self.selected == other.selected
            && self.reduced_motion == other.reduced_motion
            && self.compact == other.compact
            && self.on_select == other.on_select
    }
}

/// Words for a link's state, for labels and screen readers.
fn link_state(links: &[LinkView], a: &str, b: &str) -> (String, String) {
    let there = links.iter().find(|l| l.source == a && l.target == b);
    let back = links.iter().find(|l| l.source == b && l.target == a);
    let describe = |l: Option<&LinkView>| match l {
        None => ("up".to_string(), String::new()),
        Some(l) => match l.state {
            LinkState::Slow => ("slow".into(), format!("×{}", l.slow_factor)),
            LinkState::Lossy => (
                "lossy".into(),
                format!("{}% lost", n(l.drop_probability * 100.0)),
            ),
            LinkState::Cut => ("cut".into(), "✂".into()),
        },
    };
    let (s1, l1) = describe(there);
    let (s2, l2) = describe(back);
    if s1 == s2 {
        (s1, l1)
    } else if s1 == "up" {
        (format!("{s2} from {b}"), l2)
    } else if s2 == "up" {
        (format!("{s1} from {a}"), l1)
    } else {
        (format!("{s1} / {s2}"), format!("{l1} {l2}"))
    }
}

fn activate(
    on: Callback<Selection>,
    sel: Selection,
) -> (Callback<MouseEvent>, Callback<KeyboardEvent>) {
    let click = {
        let on = on.clone();
        let sel = sel.clone();
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            on.emit(sel.clone())
        })
    };
    let key = Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" || e.key() == " " {
            e.prevent_default();
            on.emit(sel.clone());
        }
    });
    (click, key)
}

/// Where a message is drawn, for the pointer to find it.
#[derive(Clone, Copy)]
struct Drawn {
    id: u64,
    at: Point,
}

/// A message's glyph at `p`, as path data, so that every message of one look is one path.
/// Whole units only (`p` is rounded, half a unit written out): formatting a float would pull
/// the float printer into the bundle.
fn glyph(kind: MessageKind, p: Point, d: &mut String) {
    use std::fmt::Write;
    let (x, y) = (p.x.round() as i64, p.y.round() as i64);
    // A circle of radius r from its leftmost point: two half arcs.
    let circle = |d: &mut String, left: &str, arcs: &str| {
        let _ = write!(d, "M{left},{y}{arcs}");
    };
    let half = |v: i64| format!("{}{}.5", if v < 0 { "-" } else { "" }, (v.abs() - 1) / 2);
    match kind {
        MessageKind::Append => circle(d, &(x - 7).to_string(), "a7,7 0 1,0 14,0a7,7 0 1,0 -14,0z"),
        MessageKind::Ack | MessageKind::VoteReply => circle(
            d,
            &half(2 * x - 9),
            "a4.5,4.5 0 1,0 9,0a4.5,4.5 0 1,0 -9,0z",
        ),
        MessageKind::Heartbeat => circle(d, &(x - 3).to_string(), "a3,3 0 1,0 6,0a3,3 0 1,0 -6,0z"),
        MessageKind::SnapshotChunk => {
            let _ = write!(d, "M{},{}h14v14h-14z", x - 7, y - 7);
        }
        MessageKind::CatchUpRequest
        | MessageKind::SnapshotRequest
        | MessageKind::SnapshotNeeded => {
            let _ = write!(d, "M{},{}l8,13h-16z", x, y - 8);
        }
        MessageKind::VoteRequest => {
            let _ = write!(d, "M{},{}l7,7l-7,7l-7,-7z", x, y - 7);
        }
        _ => circle(d, &(x - 5).to_string(), "a5,5 0 1,0 10,0a5,5 0 1,0 -10,0z"),
    }
}

/// The messages in flight, one `<path>` per look (kind, lost-to-be, selected) holding every
/// message that looks so. At 1x a write every 20 ms sends hundreds of messages a second, and
/// 9 replicas thousands: as an element each, most of a frame went to creating and removing
/// them. Now a frame changes a few paths' data and creates nothing; the pointer finds a
/// message by its position (see [`nearest`]).
fn message_paths(looks: Vec<(MessageKind, bool, bool, String)>) -> Html {
    looks
        .into_iter()
        .map(|(kind, doomed, selected, d)| {
            let class = classes!(
                "msg",
                format!("msg-{}", kind.name()),
                doomed.then_some("doomed"),
                selected.then_some("selected")
            );
            html! { <path {class} d={d} /> }
        })
        .collect()
}

/// The message drawn nearest the pointer, within a few units of its glyph.
fn nearest(e: &MouseEvent, view_box: (f64, f64, f64, f64), drawn: &[Drawn]) -> Option<u64> {
    use wasm_bindgen::JsCast;
    let svg = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|el| el.closest("svg").ok().flatten())?;
    let rect = svg.get_bounding_client_rect();
    let (vx, vy, vw, vh) = view_box;
    // preserveAspectRatio="xMidYMid meet": one scale, the drawing centred in the box.
    let scale = (rect.width() / vw).min(rect.height() / vh);
    if scale <= 0.0 {
        return None;
    }
    let x =
        vx + (f64::from(e.client_x()) - rect.left() - (rect.width() - vw * scale) / 2.0) / scale;
    let y =
        vy + (f64::from(e.client_y()) - rect.top() - (rect.height() - vh * scale) / 2.0) / scale;
    let mut best = None;
    let mut best_d2 = 11.0 * 11.0;
    for m in drawn {
        let d2 = (m.at.x - x).powi(2) + (m.at.y - y).powi(2);
        if d2 < best_d2 {
            (best, best_d2) = (Some(m.id), d2);
        }
    }
    best
}

#[component]
pub fn Cluster(props: &ClusterProps) -> Html {
    let view = &props.view;
    let chain = chain_slots(view);
    let g = match &chain {
        Some((slots, outside)) => chain_geometry(slots, outside, view.clients.len(), props.compact),
        None if props.compact => portrait(view.replicas.len(), view.clients.len()),
        None => geometry(view.replicas.len(), view.clients.len()),
    };
    // In a chain, a link between replicas that are not neighbours in it carries no entries:
    // it is drawn as a faint arc, and what does travel on it (heartbeats) follows the arc.
    let index = |id: &str| view.replicas.iter().position(|r| r.id == id);
    let arc = |a: &str, b: &str| -> Option<Point> {
        let (slots, _) = chain.as_ref()?;
        let (i, j) = (index(a)?, index(b)?);
        (!neighbours(slots, i, j)).then(|| bow(g.replicas[i], g.replicas[j]))
    };
    let m1 = view
        .controller
        .as_ref()
        .map(|c| (c, controller_at(&g, props.compact)));
    let centre = |id: &str| -> Option<Point> {
        if let Some(i) = view.replicas.iter().position(|r| r.id == id) {
            return g.replicas.get(i).copied();
        }
        if let Some((_, p)) = m1.filter(|(c, _)| c.id == id) {
            return Some(p);
        }
        view.clients
            .iter()
            .position(|c| c.id == id)
            .and_then(|i| g.clients.get(i).copied())
    };

    let links = links_layer(&LinksProps {
        ids: view.replicas.iter().map(|r| r.id.clone()).collect(),
        g: &g,
        chain: chain.as_ref().map(|(slots, _)| slots.as_slice()),
        links: &view.links,
        controller: view.controller.as_ref().map(|c| c.id.clone()),
        clients: &view.clients,
        compact: props.compact,
        selected: props.selected.as_ref(),
        on_select: &props.on_select,
    });

    // Where each message is drawn, and whom to tell of a click, for the pointer: kept in a
    // cell so that the handlers are made once, not on every frame.
    let drawn = use_mut_ref(|| (g.view_box, Vec::<Drawn>::new(), props.on_select.clone()));
    let hovered = use_state_eq(|| None::<u64>);
    let (on_click, on_hover, on_leave) = {
        let (drawn, hovered) = (drawn.clone(), hovered.clone());
        (*use_memo((), move |_| {
            let (d2, h2) = (drawn.clone(), hovered.clone());
            let click = Callback::from(move |e: MouseEvent| {
                // The borrow ends before the selection is told: a render refills the cell.
                let found = {
                    let (vb, drawn, on) = &*drawn.borrow();
                    nearest(&e, *vb, drawn).map(|id| (id, on.clone()))
                };
                if let Some((id, on)) = found {
                    e.stop_propagation();
                    on.emit(Selection::Message(id));
                }
            });
            let hover = Callback::from(move |e: MouseEvent| {
                let (vb, drawn, _) = &*d2.borrow();
                h2.set(nearest(&e, *vb, drawn));
            });
            let leave = Callback::from(move |_: MouseEvent| hovered.set(None));
            (click, hover, leave)
        }))
        .clone()
    };
    let mut looks: Vec<(MessageKind, bool, bool, String)> = Vec::new();
    let mut placed = Vec::with_capacity(view.messages.len());
    let mut tooltip = None;
    for m in &view.messages {
        let (Some(s), Some(t)) = (centre(&m.source), centre(&m.target)) else {
            continue;
        };
        let (s2, t2) = offset_line(s, t, 6.0);
        let p = match arc(&m.source, &m.target) {
            Some(c) => along_arc(
                s2,
                Point {
                    x: c.x + s2.x - s.x,
                    y: c.y + s2.y - s.y,
                },
                t2,
                m.progress,
                props.reduced_motion,
            ),
            None => along(s2, t2, m.progress, props.reduced_motion),
        };
        let selected = props.selected.as_ref() == Some(&Selection::Message(m.id));
        // The paths keep one order (by look), so that a frame changes their data and not
        // which path is which.
        let look = (m.kind.name(), m.doomed, selected);
        let i = match looks.iter().position(|l| (l.0.name(), l.1, l.2) >= look) {
            Some(i) if (looks[i].0.name(), looks[i].1, looks[i].2) == look => i,
            found => {
                let i = found.unwrap_or(looks.len());
                looks.insert(i, (m.kind, m.doomed, selected, String::new()));
                i
            }
        };
        glyph(m.kind, p, &mut looks[i].3);
        placed.push(Drawn { id: m.id, at: p });
        if *hovered == Some(m.id) {
            tooltip = Some(format!(
                "{} {} → {}: {}{}",
                m.kind.label(),
                m.source,
                m.target,
                m.summary,
                if m.doomed { " (will be lost)" } else { "" }
            ));
        }
    }
    *drawn.borrow_mut() = (g.view_box, placed, props.on_select.clone());
    let messages = message_paths(looks);

    let replicas: Html = view
        .replicas
        .iter()
        .enumerate()
        .map(|(i, r)| {
            replica_box(
                r,
                &ReplicaBoxProps {
                    centre: g.replicas[i],
                    box_w: g.box_w,
                    box_h: g.box_h,
                    cell_w: g.cell_w,
                    log_cells: g.log_cells,
                    selected: props.selected.as_ref() == Some(&Selection::Replica(r.id.clone())),
                    on_select: props.on_select.clone(),
                },
            )
        })
        .collect();

    let clients: Html = view
        .clients
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let p = g.clients[i];
            html! {
                <g class="client" transform={format!("translate({},{})", n(p.x), n(p.y))}>
                    <title>{ format!("Client {}: sends writes to {}", c.id, c.believed_leader) }</title>
                    <circle r="22" />
                    <text y="5" text-anchor="middle" class="client-name">{ &c.id }</text>
                    if props.compact {
                        <text x="28" y="5" class="client-note">{ format!("→ {}", c.believed_leader) }</text>
                    } else {
                        <text y="40" text-anchor="middle" class="client-note">{ format!("→ {}", c.believed_leader) }</text>
                    }
                </g>
            }
        })
        .collect();

    html! {
        <svg class="cluster-svg" viewBox={format!("{} {} {} {}", n(g.view_box.0), n(g.view_box.1), n(g.view_box.2), n(g.view_box.3))}
             preserveAspectRatio="xMidYMid meet" role="group" data-chain={chain.is_some().then(|| view.chain.join(" "))}
             aria-label={format!("Cluster of {} replicas; leader {}", view.replicas.len(), view.leader.clone().unwrap_or_else(|| "none".into()))}>
            <defs>
                <pattern id="hatch" patternUnits="userSpaceOnUse" width="5" height="5" patternTransform="rotate(45)">
                    <line x1="0" y1="0" x2="0" y2="5" class="hatch-line" />
                </pattern>
            </defs>
            { links }
            <g class="messages" onclick={on_click} onmousemove={on_hover} onmouseleave={on_leave}>
                // The tooltip of whichever message the pointer is on.
                if let Some(t) = tooltip { <title>{ t }</title> }
                { messages }
            </g>
            <g class="replicas">{ replicas }</g>
            <g class="clients">{ clients }</g>
            { for m1.map(|(c, p)| controller_node(c, p, props)) }
        </svg>
    }
}

/// The controller `m1`: a diamond outside the ring, which holds no log.
fn controller_node(c: &ControllerView, p: Point, props: &ClusterProps) -> Html {
    let sel = Selection::Replica(c.id.clone());
    let selected = props.selected.as_ref() == Some(&sel);
    let (click, key) = activate(props.on_select.clone(), sel);
    let d = format!("M{},{} l22,22 l-22,22 l-22,-22 z", n(p.x), n(p.y - 22.0));
    let (x, anchor) = if props.compact {
        (p.x + 30.0, "end")
    } else {
        (p.x, "middle")
    };
    html! {
        <g class={classes!("controller", (!c.up).then_some("down"), c.probing.then_some("probing"), selected.then_some("selected"))} onclick={click}>
            <title>{ format!("{} — controller: {}", c.id, c.status) }</title>
            <path class="box" d={d} tabindex="0" role="button" onkeydown={key}
                  aria-label={format!("Controller {}: {}. Select for actions.", c.id, c.status)}
                  aria-pressed={if selected { "true" } else { "false" }} />
            <text class="name" x={n(p.x)} y={n(p.y + 5.0)} text-anchor="middle">{ &c.id }</text>
            // Below the diamond, clear of the ring (at the right edge in portrait).
            <text class="role" x={n(x)} y={n(p.y + 38.0)} text-anchor={anchor}>{ "controller" }</text>
            <text class="status" x={n(x)} y={n(p.y + 52.0)} text-anchor={anchor}>{ &c.status }</text>
        </g>
    }
}

/// How far the log row's base moves at a time (see [`replica_box`]): coordinates stay small
/// however long the log grows, and every cell moves only once per this many writes.
const LOG_BASE_STEP: u64 = 256;

fn replica_box(r: &ReplicaView, props: &ReplicaBoxProps) -> Html {
    let c = props.centre;
    let sel = Selection::Replica(r.id.clone());
    let selected = props.selected;
    let (click, key) = activate(props.on_select.clone(), sel);
    let (w, h) = (props.box_w, props.box_h);
    let (x0, y0) = (c.x - w / 2.0, c.y - h / 2.0);
    let role_class = format!("role-{}", r.role.class());
    let mut badges = Vec::new();
    if r.sync_follower {
        badges.push("sync".to_string());
    }
    if let Some(link) = r.chain {
        badges.push(link.badge());
    }
    match r.chain_status {
        Some(ChainStatus::Outside) => badges.push("spliced out".into()),
        Some(ChainStatus::Joining) => badges.push("joining at the tail".into()),
        _ => {}
    }
    // A file copy that missed writes: said in words under the box (where a new follower's
    // progress was), the keys in its tooltip and label.
    let differs = r
        .differs_from_leader
        .as_ref()
        .map(|keys| format!("differs from the leader at {}", keys.join(", ")));
    let role_line = r.role.upper();
    let shown = r.entries.len().min(props.log_cells);
    let entries = &r.entries[r.entries.len() - shown..];
    let cw = props.cell_w;
    // A cell keeps its place in the drawing for as long as its entry is shown: the cells are
    // drawn in the order of their log position modulo the row's length, so a new entry takes
    // the place the oldest one leaves (one cell's text and tooltip change per write), and the
    // row slides left under one transform on its group. Before, every cell took its
    // neighbour's text on every write; keyed cells instead built a new cell's elements each.
    // The places come from log positions only, so an instant is always drawn the same.
    // Positions are counted from a base that moves every `LOG_BASE_STEP` writes, to keep the
    // coordinates small however long the log grows.
    let first = entries.first().map_or(0, |e| e.position);
    let base = first - first % LOG_BASE_STEP;
    let slots = props.log_cells.max(1) as u64;
    // The positions are consecutive, so that order is the row turned at the entry whose
    // position is the first multiple of the row's length.
    let turn = entries
        .windows(2)
        .position(|w| w[1].position % slots < w[0].position % slots)
        .map_or(0, |i| i + 1);
    let (older, newer) = entries.split_at(turn);
    let cells: Html = newer
        .iter()
        .chain(older)
        .map(|e| {
            let x = (e.position - base) as f64 * cw;
            html! {
                <g class={classes!("entry", format!("e-{}", e.status.name()))}>
                    <title>{ &e.tooltip }</title>
                    <rect x={n(x)} y="0" width={n(cw - 2.0)} height="20" rx="2" />
                    <text x={n(x + (cw - 2.0) / 2.0)} y="14.5" text-anchor="middle">{ &e.label }</text>
                </g>
            }
        })
        .collect();
    let log_shift = format!(
        "translate({},{})",
        n(x0 + 8.0 - (first - base) as f64 * cw),
        n(y0 + 48.0)
    );
    let position_line = if r.last_position == 0 {
        format!("epoch {} · log empty", r.epoch)
    } else {
        format!("epoch {} · pos {}", r.epoch, r.last_position)
    };
    let lag_line = if r.up && r.lag_entries > 0 {
        format!("{} behind", r.lag_entries)
    } else {
        String::new()
    };
    let progress = r.setup.as_ref().map(|s| {
        let bw = w - 16.0;
        html! {
            <g class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow={n(s.progress * 100.0)} aria-label={s.detail.clone()}>
                <title>{ &s.detail }</title>
                <rect class="track" x={n(x0 + 8.0)} y={n(y0 + h + 4.0)} width={n(bw)} height="8" rx="4" />
                <rect class="fill" x={n(x0 + 8.0)} y={n(y0 + h + 4.0)} width={n(bw * s.progress)} height="8" rx="4" />
                <text class="progress-label" x={n(c.x)} y={n(y0 + h + 24.0)} text-anchor="middle">
                    { if s.snapshot_position > 0 { format!("{} · position {}", s.phase.name(), s.snapshot_position) } else { s.phase.name().to_string() } }
                </text>
            </g>
        }
    });
    html! {
        <g class={classes!("replica", role_class, selected.then_some("selected"), differs.is_some().then_some("differs"), r.chain_status.map(|c| format!("chain-{}", c.name())))} onclick={click}
           data-chain-index={r.chain.map(|c| c.index.to_string())}>
            <title>{ format!("{} — {}, {}{}", r.id, r.role.name(), position_line, differs.as_ref().map_or(String::new(), |d| format!("; {d}"))) }</title>
            // The box is the accessible button: a name of its own, not the text drawn over it.
            <rect class="box" x={n(x0)} y={n(y0)} width={n(w)} height={n(h)} rx="10" tabindex="0" role="button"
                  aria-label={format!(
                      "Replica {}: {}, {}{}{}{}. Select for actions.",
                      r.id,
                      r.role.name(),
                      position_line,
                      if lag_line.is_empty() { String::new() } else { format!(", {lag_line}") },
                      if badges.is_empty() { String::new() } else { format!(", {}", badges.join(", ")) },
                      differs.as_ref().map_or(String::new(), |d| format!(" ({d})"))
                  )}
                  aria-pressed={if selected { "true" } else { "false" }} onkeydown={key} />
            <text class="name" x={n(x0 + 10.0)} y={n(y0 + 22.0)}>{ &r.id }</text>
            <text class="role" x={n(x0 + w - 8.0)} y={n(y0 + 20.0)} text-anchor="end">{ role_line }</text>
            <text class="position" x={n(x0 + 10.0)} y={n(y0 + 40.0)}>{ position_line }</text>
            if !lag_line.is_empty() {
                <text class="lag" x={n(x0 + 10.0)} y={n(y0 + h - 8.0)}>{ lag_line.clone() }</text>
            }
            if !badges.is_empty() {
                <text class="badge" x={n(x0 + w - 8.0)} y={n(y0 + h - 8.0)} text-anchor="end">{ badges.join(" · ") }</text>
            }
            <g class="log" transform={log_shift}>{ cells }</g>
            if !r.up {
                <path class="down-cross" d={format!("M{},{} l{},{} M{},{} l{},{}", n(x0 + 6.0), n(y0 + 6.0), n(w - 12.0), n(h - 12.0), n(x0 + w - 6.0), n(y0 + 6.0), n(-(w - 12.0)), n(h - 12.0))} />
            }
            { for progress }
            if differs.is_some() {
                <text class="differs-badge" x={n(c.x)} y={n(y0 + h + 16.0)} text-anchor="middle">{ "≠ differs from leader" }</text>
            }
        </g>
    }
}

/// What the links layer draws from.
struct LinksProps<'a> {
    ids: Vec<String>,
    g: &'a Geometry,
    /// Chain replication: the replicas in chain order (see [`chain_slots`]).
    chain: Option<&'a [usize]>,
    links: &'a [LinkView],
    /// The controller's id, when there is one: it has a link to every replica.
    controller: Option<String>,
    clients: &'a [ClientView],
    compact: bool,
    selected: Option<&'a Selection>,
    on_select: &'a Callback<Selection>,
}

/// The links and the clients' lines. (A component of their own, skipping the frames that do
/// not change them, cost 1.3 KB of the bundle and measured no faster at 5 or 9 replicas.)
fn links_layer(props: &LinksProps) -> Html {
    let g = props.g;
    let centre = |id: &str| -> Option<Point> {
        if let Some(i) = props.ids.iter().position(|r| r == id) {
            return g.replicas.get(i).copied();
        }
        props
            .clients
            .iter()
            .position(|c| c.id == id)
            .and_then(|i| g.clients.get(i).copied())
    };
    let mut links = Vec::new();
    for (i, a) in props.ids.iter().enumerate() {
        for (j, b) in props.ids.iter().enumerate().skip(i + 1) {
            let (pa, pb) = (g.replicas[i], g.replicas[j]);
            let (state, label) = link_state(props.links, a, b);
            let sel = Selection::Link(a.clone(), b.clone());
            let selected = props.selected == Some(&sel);
            let (click, key) = activate(props.on_select.clone(), sel);
            let kind = state.split_whitespace().next().unwrap_or("up").to_string();
            // In a chain: the hops between neighbours carry the writes down and the
            // acknowledgements up; the others are drawn faint, as arcs off the chain.
            let (in_chain, unused) = match props.chain {
                Some(slots) if neighbours(slots, i, j) => (true, false),
                Some(_) => (false, true),
                None => (false, false),
            };
            let c = if unused {
                bow(pa, pb)
            } else {
                Point {
                    x: (pa.x + pb.x) / 2.0,
                    y: (pa.y + pb.y) / 2.0,
                }
            };
            let d = format!(
                "M{},{} Q{},{} {},{}",
                n(pa.x),
                n(pa.y),
                n(c.x),
                n(c.y),
                n(pb.x),
                n(pb.y)
            );
            // The label sits on the line (at the arc's middle, halfway to its control point).
            let mid = Point {
                x: (pa.x + pb.x) / 4.0 + c.x / 2.0,
                y: (pa.y + pb.y) / 4.0 + c.y / 2.0,
            };
            links.push(html! {
                <g class={classes!("link", format!("link-{kind}"), selected.then_some("selected"), in_chain.then_some("link-chain"), unused.then_some("link-unused"))} onclick={click}>
                    <title>{ format!("Link {} ↔ {}: {}{}", a, b, state, if unused { " (not a hop of the chain)" } else { "" }) }</title>
                    <path class="hit" d={d.clone()} tabindex="0" role="button"
                          aria-label={format!("Link {} to {}: {}", a, b, state)} onkeydown={key} />
                    <path class="wire" d={d} />
                    if !label.is_empty() {
                        <text class="link-label" x={n(mid.x)} y={n(mid.y - 6.0)} text-anchor="middle">{ label }</text>
                    }
                </g>
            });
        }
    }
    // The controller's links: thin, since only pings and probes travel them.
    if let Some(m1) = &props.controller {
        let pm = controller_at(g, props.compact);
        for (i, r) in props.ids.iter().enumerate() {
            let pr = g.replicas[i];
            let (state, _) = link_state(props.links, m1, r);
            let sel = Selection::Link(m1.clone(), r.clone());
            let selected = props.selected == Some(&sel);
            let (click, key) = activate(props.on_select.clone(), sel);
            let kind = state.split_whitespace().next().unwrap_or("up").to_string();
            links.push(html! {
                <g class={classes!("link", "controller-link", format!("link-{kind}"), selected.then_some("selected"))} onclick={click}>
                    <title>{ format!("Link {m1} ↔ {r}: {state}") }</title>
                    <line class="hit" x1={n(pm.x)} y1={n(pm.y)} x2={n(pr.x)} y2={n(pr.y)} tabindex="0" role="button"
                          aria-label={format!("Link {m1} to {r}: {state}")} onkeydown={key} />
                    <line class="wire" x1={n(pm.x)} y1={n(pm.y)} x2={n(pr.x)} y2={n(pr.y)} />
                </g>
            });
        }
    }
    // Each client's line to the replica it sends writes to.
    let client_links: Html = props
        .clients
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let pc = g.clients[i];
            let pl = centre(&c.believed_leader)?;
            let cut = props.links.iter().any(|l| l.source == c.id && l.target == c.believed_leader && l.state == LinkState::Cut);
            Some(html! {
                <line class={classes!("client-link", cut.then_some("link-cut"))} x1={n(pc.x)} y1={n(pc.y)} x2={n(pl.x)} y2={n(pl.y)} />
            })
        })
        .collect();
    html! { <g class="links">{ for links }{ client_links }</g> }
}

/// What a replica's box needs. (A component of its own, skipping the replicas a frame does
/// not change, cost 1.9 KB of the bundle and measured no faster at 5 replicas, 9% at 9:
/// with a write every 20 ms nearly every frame changes nearly every replica.)
struct ReplicaBoxProps {
    centre: Point,
    box_w: f64,
    box_h: f64,
    cell_w: f64,
    log_cells: usize,
    selected: bool,
    on_select: Callback<Selection>,
}

/// Chain replication: the replicas (by index) in the order the drawing strings them, the
/// engine's chain head first and then any replica joining at the tail; and those spliced
/// out. None in other modes, or while the chain has no head (then the ring is drawn).
fn chain_slots(view: &View) -> Option<(Vec<usize>, Vec<usize>)> {
    if view.chain.is_empty() {
        return None;
    }
    let index = |id: &String| view.replicas.iter().position(|r| &r.id == id);
    let mut slots: Vec<usize> = view.chain.iter().filter_map(index).collect();
    let with = |s: ChainStatus| {
        (0..view.replicas.len()).filter(move |&i| view.replicas[i].chain_status == Some(s))
    };
    slots.extend(with(ChainStatus::Joining));
    let outside = (0..view.replicas.len())
        .filter(|i| !slots.contains(i))
        .collect();
    Some((slots, outside))
}

/// Replicas `i` and `j` are next to each other in the chain: one passes writes to the other.
fn neighbours(slots: &[usize], i: usize, j: usize) -> bool {
    slots
        .windows(2)
        .any(|w| (w[0], w[1]) == (i, j) || (w[0], w[1]) == (j, i))
}
