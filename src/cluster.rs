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

/// A message's glyph at `p`.
fn message_shape(kind: MessageKind, p: Point) -> Html {
    let (x, y) = (n(p.x), n(p.y));
    match kind {
        MessageKind::Append => html! { <circle cx={x} cy={y} r="7" /> },
        MessageKind::Ack | MessageKind::VoteReply => {
            html! { <circle cx={x} cy={y} r="4.5" class="hollow" /> }
        }
        MessageKind::Heartbeat => html! { <circle cx={x} cy={y} r="3" /> },
        MessageKind::SnapshotChunk => {
            html! { <rect x={n(p.x - 7.0)} y={n(p.y - 7.0)} width="14" height="14" rx="2" /> }
        }
        MessageKind::CatchUpRequest
        | MessageKind::SnapshotRequest
        | MessageKind::SnapshotNeeded => {
            html! { <path d={format!("M{},{} l8,13 h-16 z", n(p.x), n(p.y - 8.0))} /> }
        }
        MessageKind::VoteRequest => {
            html! { <path d={format!("M{},{} l7,7 l-7,7 l-7,-7 z", n(p.x), n(p.y - 7.0))} /> }
        }
        _ => html! { <circle cx={x} cy={y} r="5" /> },
    }
}

/// One click handler for every message (a closure per message per frame would be rebuilt
/// and re-registered on every frame): the message is found from the clicked element.
fn message_click(on: Callback<Selection>) -> Callback<MouseEvent> {
    use wasm_bindgen::JsCast;
    Callback::from(move |e: MouseEvent| {
        let id = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.closest("[data-msg]").ok().flatten())
            .and_then(|el| el.get_attribute("data-msg"))
            .and_then(|v| v.parse::<u64>().ok());
        if let Some(id) = id {
            e.stop_propagation();
            on.emit(Selection::Message(id));
        }
    })
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

    let messages: Html = view
        .messages
        .iter()
        .filter_map(|m| {
            let (s, t) = (centre(&m.source)?, centre(&m.target)?);
            let (s2, t2) = offset_line(s, t, 6.0);
            let p = match arc(&m.source, &m.target) {
                Some(c) => along_arc(s2, Point { x: c.x + s2.x - s.x, y: c.y + s2.y - s.y }, t2, m.progress, props.reduced_motion),
                None => along(s2, t2, m.progress, props.reduced_motion),
            };
            let selected = props.selected.as_ref() == Some(&Selection::Message(m.id));
            Some(html! {
                <g key={m.id} data-msg={m.id.to_string()}
                   class={classes!("msg", format!("msg-{}", m.kind.name()), m.doomed.then_some("doomed"), selected.then_some("selected"))}>
                    <title>{ format!("{} {} → {}: {}{}", m.kind.label(), m.source, m.target, m.summary, if m.doomed { " (will be lost)" } else { "" }) }</title>
                    { message_shape(m.kind, p) }
                </g>
            })
        })
        .collect();

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
            <g class="messages" onclick={message_click(props.on_select.clone())}>{ messages }</g>
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
    let cells: Html = entries
        .iter()
        .enumerate()
        .map(|(k, e)| {
            let x = x0 + 8.0 + k as f64 * cw;
            let y = y0 + 48.0;
            html! {
                <g class={classes!("entry", format!("e-{}", e.status.name()))}>
                    <title>{ &e.tooltip }</title>
                    <rect x={n(x)} y={n(y)} width={n(cw - 2.0)} height="20" rx="2" />
                    <text x={n(x + (cw - 2.0) / 2.0)} y={n(y + 14.5)} text-anchor="middle">{ &e.label }</text>
                </g>
            }
        })
        .collect();
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
            { cells }
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

/// What a replica's box needs.
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
