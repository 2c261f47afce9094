//! Pure geometry of the cluster drawing: where replicas, clients and messages go in the
//! SVG's coordinate space. Components only turn these numbers into elements.

/// The SVG's coordinate space; the element scales it to the available width.
pub const WIDTH: f64 = 960.0;
pub const HEIGHT: f64 = 600.0;

/// A coordinate as SVG text: whole units are plenty at this scale, and integer formatting
/// keeps float-printing code out of the WebAssembly bundle.
pub fn n(x: f64) -> String {
    (x.round() as i64).to_string()
}

/// `x` with one decimal, by integer arithmetic (for CSS percentages).
pub fn d1(x: f64) -> String {
    let t = (x * 10.0).round() as i64;
    format!(
        "{}{}.{}",
        if t < 0 { "-" } else { "" },
        (t / 10).abs(),
        (t % 10).abs()
    )
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Geometry {
    /// The part of the coordinate space that holds the drawing: x, y, width, height.
    pub view_box: (f64, f64, f64, f64),
    /// Centres of the replica boxes, `n1` first.
    pub replicas: Vec<Point>,
    pub clients: Vec<Point>,
    pub box_w: f64,
    pub box_h: f64,
    /// Log entries drawn inside a replica box.
    pub log_cells: usize,
    pub cell_w: f64,
}

/// Portrait arrangement for narrow screens (phones, small iframes): clients in a row at the
/// top, `n1` below them, the other replicas in two columns. Text stays legible because the
/// drawing is about as wide as the screen.
pub fn portrait(replicas: usize, clients: usize) -> Geometry {
    let (box_w, box_h, cell_w) = (176.0, 92.0, 16.0);
    let log_cells = ((box_w - 16.0) / cell_w) as usize;
    let (col_left, col_right, mid) = (100.0, 308.0, 204.0);
    let row_h = box_h + 44.0;
    let client_y = 36.0;
    let first_row = client_y + 60.0 + box_h / 2.0;
    let positions: Vec<Point> = (0..replicas)
        .map(|i| {
            if i == 0 {
                Point {
                    x: mid,
                    y: first_row,
                }
            } else {
                let k = i - 1;
                let row = 1 + k / 2;
                // An odd one out at the end goes in the middle.
                let x = if k % 2 == 0 && i == replicas - 1 {
                    mid
                } else if k % 2 == 0 {
                    col_left
                } else {
                    col_right
                };
                Point {
                    x,
                    y: first_row + row as f64 * row_h,
                }
            }
        })
        .collect();
    let gap = 408.0 / (clients as f64 + 1.0);
    let clients = (0..clients)
        .map(|i| Point {
            x: gap * (i as f64 + 1.0),
            y: client_y,
        })
        .collect();
    let bottom = positions.iter().map(|p| p.y).fold(0.0, f64::max) + box_h / 2.0 + 34.0;
    Geometry {
        view_box: (0.0, 0.0, 408.0, bottom),
        replicas: positions,
        clients,
        box_w,
        box_h,
        log_cells,
        cell_w,
    }
}

/// cos and sin of 2π/n for n = 1..=9 replicas.
const STEP: [(f64, f64); 9] = [
    (1.0, 0.0),
    (-1.0, 0.0),
    (-0.5, 0.866_025_403_784_438_6),
    (0.0, 1.0),
    (0.309_016_994_374_947_4, 0.951_056_516_295_153_5),
    (0.5, 0.866_025_403_784_438_6),
    (0.623_489_801_858_733_5, 0.781_831_482_468_029_8),
    (0.707_106_781_186_547_5, 0.707_106_781_186_547_5),
    (0.766_044_443_118_978, 0.642_787_609_686_539_3),
];

/// Replicas sit on a circle, `n1` at the top and the rest clockwise, in a fixed place
/// whatever their role, so that a failover does not reshuffle the picture. Clients stand
/// in a column on the left.
pub fn geometry(replicas: usize, clients: usize) -> Geometry {
    let (box_w, radius): (f64, f64) = match replicas {
        0..=3 => (184.0, 190.0),
        4..=5 => (176.0, 215.0),
        6..=7 => (150.0, 238.0),
        _ => (136.0, 248.0),
    };
    let box_h = 92.0;
    let cell_w: f64 = 16.0;
    let log_cells = ((box_w - 16.0) / cell_w).floor() as usize;
    let centre = Point {
        x: 575.0,
        y: HEIGHT / 2.0,
    };
    // Walk round the circle by rotating a unit vector through one step, whose cosine and
    // sine are tabled per cluster size: libm's sin and cos would cost the bundle 8 KB.
    let (step_cos, step_sin) = STEP[replicas.clamp(1, STEP.len()) - 1];
    let (mut cos, mut sin) = (0.0, -1.0); // n1 at the top
    let positions: Vec<Point> = (0..replicas)
        .map(|_| {
            let p = Point {
                x: centre.x + radius * 1.15 * cos,
                y: centre.y + radius.min(236.0) * sin,
            };
            (cos, sin) = (
                cos * step_cos - sin * step_sin,
                sin * step_cos + cos * step_sin,
            );
            p
        })
        .collect();
    // Fit the view box to what is drawn, so no space is wasted at any cluster size.
    let pad = 16.0;
    let top = positions.iter().map(|p| p.y).fold(f64::MAX, f64::min) - box_h / 2.0 - pad;
    let bottom = positions.iter().map(|p| p.y).fold(f64::MIN, f64::max) + box_h / 2.0 + 34.0;
    let left = positions.iter().map(|p| p.x).fold(f64::MAX, f64::min) - box_w / 2.0;
    let right = positions.iter().map(|p| p.x).fold(f64::MIN, f64::max) + box_w / 2.0 + pad;
    let client_x = left - 80.0;
    let gap = (bottom - top) / (clients as f64 + 1.0);
    let clients = (0..clients)
        .map(|i| Point {
            x: client_x,
            y: top + gap * (i as f64 + 1.0),
        })
        .collect();
    let x0 = client_x - 40.0;
    Geometry {
        view_box: (x0, top, right - x0, bottom - top),
        replicas: positions,
        clients,
        box_w,
        box_h,
        log_cells,
        cell_w,
    }
}

/// Chain replication drawn as a chain: `slots` are replica indices in chain order, head
/// first, then any replica catching up to join after the tail; `outside` are the ones
/// spliced out, drawn in a row of their own below. The chain runs from the clients' side
/// left to right, and on to the next row right to left (four to a row, two on a narrow
/// screen), so each hop is to a neighbour. The rows are sized for every replica, so a splice
/// or a rejoin moves boxes but never resizes the drawing.
pub fn chain_geometry(
    slots: &[usize],
    outside: &[usize],
    clients: usize,
    compact: bool,
) -> Geometry {
    let replicas = slots.len() + outside.len();
    let (box_w, box_h, cell_w) = (176.0, 92.0, 16.0);
    let log_cells = ((box_w - 16.0) / cell_w) as usize;
    let (per_row, pitch_x, pitch_y, x0, y0) = if compact {
        (2, 208.0, box_h + 44.0, 100.0, 96.0 + box_h / 2.0)
    } else {
        (4, box_w + 44.0, box_h + 64.0, 190.0, 16.0 + box_h / 2.0)
    };
    let rows = replicas.max(1).div_ceil(per_row);
    let mut positions = vec![Point { x: x0, y: y0 }; replicas];
    for (s, &i) in slots.iter().enumerate() {
        let (row, col) = (s / per_row, s % per_row);
        let col = if row % 2 == 1 { per_row - 1 - col } else { col };
        positions[i] = Point {
            x: x0 + pitch_x * col as f64,
            y: y0 + pitch_y * row as f64,
        };
    }
    let outside_y = y0 + pitch_y * rows as f64 + 12.0;
    for (k, &i) in outside.iter().enumerate() {
        positions[i] = Point {
            x: x0 + pitch_x * (k % per_row) as f64,
            y: outside_y + pitch_y * (k / per_row) as f64,
        };
    }
    let outside_rows = outside.len().max(1).div_ceil(per_row).max(1);
    let bottom = outside_y + pitch_y * (outside_rows - 1) as f64 + box_h / 2.0 + 34.0;
    let right = x0 + pitch_x * (per_row.min(replicas.max(1)) - 1) as f64 + box_w / 2.0 + 16.0;
    let clients: Vec<Point> = (0..clients)
        .map(|i| {
            if compact {
                let gap = right / (clients as f64 + 1.0);
                Point {
                    x: gap * (i as f64 + 1.0),
                    y: 36.0,
                }
            } else {
                Point {
                    x: 40.0,
                    y: y0 + 56.0 * (i as f64 - (clients as f64 - 1.0) / 2.0),
                }
            }
        })
        .collect();
    let top = clients.iter().map(|p| p.y - 30.0).fold(0.0, f64::min);
    Geometry {
        view_box: (0.0, top, right.max(408.0), bottom - top),
        replicas: positions,
        clients,
        box_w,
        box_h,
        log_cells,
        cell_w,
    }
}

/// The control point of the arc drawn for a link that chain replication does not use: it
/// bows away from the straight line, so it does not run along the chain's own links.
pub fn bow(a: Point, b: Point) -> Point {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    // Always to the same side whichever end is `a`, so both directions share one arc.
    let (dx, dy) = if (dx, dy) < (0.0, 0.0) {
        (-dx, -dy)
    } else {
        (dx, dy)
    };
    Point {
        x: (a.x + b.x) / 2.0 + dy * 0.3,
        y: (a.y + b.y) / 2.0 - dx * 0.3,
    }
}

/// Where a message is along the arc from `source` through control point `c` to `target`
/// (a quadratic Bézier curve), as [`along`] for a straight line.
pub fn along_arc(
    source: Point,
    c: Point,
    target: Point,
    progress: f64,
    reduced_motion: bool,
) -> Point {
    let t = along(
        Point { x: 0.0, y: 0.0 },
        Point { x: 1.0, y: 0.0 },
        progress,
        reduced_motion,
    )
    .x;
    let (u, v, w) = ((1.0 - t) * (1.0 - t), 2.0 * (1.0 - t) * t, t * t);
    Point {
        x: u * source.x + v * c.x + w * target.x,
        y: u * source.y + v * c.y + w * target.y,
    }
}

/// Where the controller `m1` stands: outside the ring, in the corner nearest `n1` that no
/// replica uses (top left of the ring; in portrait, the top right beside the clients).
pub fn controller_at(g: &Geometry, compact: bool) -> Point {
    let (x0, y0, w, _) = g.view_box;
    if compact {
        Point {
            x: x0 + w - 40.0,
            y: y0 + 36.0,
        }
    } else {
        Point {
            x: x0 + 170.0,
            y: y0 + 28.0,
        }
    }
}

/// Where a message is along the straight line from `source` to `target`, with `progress`
/// from 0 (just sent) to 1 (arriving). With reduced motion it moves in three discrete steps.
pub fn along(source: Point, target: Point, progress: f64, reduced_motion: bool) -> Point {
    let p = if reduced_motion {
        (progress * 2.0).round() / 2.0
    } else {
        progress.clamp(0.0, 1.0)
    };
    Point {
        x: source.x + (target.x - source.x) * p,
        y: source.y + (target.y - source.y) * p,
    }
}

/// Parallel offset for the two directions of a link, so a request and its reply do not
/// overlap: each direction is drawn a few units to its own right.
pub fn offset_line(a: Point, b: Point, by: f64) -> (Point, Point) {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len = (dx * dx + dy * dy).sqrt().max(1e-9);
    let (ox, oy) = (-dy / len * by, dx / len * by);
    (
        Point {
            x: a.x + ox,
            y: a.y + oy,
        },
        Point {
            x: b.x + ox,
            y: b.y + oy,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_step_table_holds_the_cosine_and_sine_of_each_clusters_angle() {
        for (i, (c, s)) in STEP.iter().enumerate() {
            let angle = std::f64::consts::TAU / (i + 1) as f64;
            assert!(
                (c - angle.cos()).abs() < 1e-12 && (s - angle.sin()).abs() < 1e-12,
                "n={}",
                i + 1
            );
        }
        // Nine rotations of n9's step come back to the top.
        let g = geometry(9, 1);
        assert!((g.replicas[0].x - 575.0).abs() < 1e-9);
    }

    #[test]
    fn replica_boxes_never_overlap_and_stay_inside() {
        for n in 2..=9 {
            let g = geometry(n, 3);
            for (i, a) in g.replicas.iter().enumerate() {
                assert!(
                    a.x - g.box_w / 2.0 >= 0.0 && a.x + g.box_w / 2.0 <= WIDTH,
                    "n={n} box {i} leaves the width"
                );
                assert!(
                    a.y - g.box_h / 2.0 >= 0.0 && a.y + g.box_h / 2.0 + 14.0 <= HEIGHT,
                    "n={n} box {i} leaves the height"
                );
                for b in &g.replicas[i + 1..] {
                    let apart =
                        (a.x - b.x).abs() >= g.box_w + 4.0 || (a.y - b.y).abs() >= g.box_h + 16.0;
                    assert!(apart, "n={n}: boxes at {a:?} and {b:?} overlap");
                }
            }
            assert!(g.log_cells >= 7);
        }
    }

    #[test]
    fn portrait_boxes_never_overlap_and_fit_the_width() {
        for n in 2..=9 {
            let g = portrait(n, 3);
            for (i, a) in g.replicas.iter().enumerate() {
                assert!(
                    a.x - g.box_w / 2.0 >= 0.0 && a.x + g.box_w / 2.0 <= g.view_box.2,
                    "n={n} box {i} leaves the width"
                );
                for b in &g.replicas[i + 1..] {
                    let apart =
                        (a.x - b.x).abs() >= g.box_w + 4.0 || (a.y - b.y).abs() >= g.box_h + 16.0;
                    assert!(apart, "n={n}: boxes at {a:?} and {b:?} overlap");
                }
            }
        }
    }

    #[test]
    fn a_chain_is_drawn_head_first_from_the_clients_side_with_the_spliced_out_below() {
        // n1 → n3 → n4 with n2 spliced out.
        let g = chain_geometry(&[0, 2, 3], &[1], 1, false);
        let (n1, n2, n3, n4) = (g.replicas[0], g.replicas[1], g.replicas[2], g.replicas[3]);
        assert!(g.clients[0].x < n1.x && n1.x < n3.x && n3.x < n4.x);
        assert!(n1.y == n3.y && n3.y == n4.y, "the chain is one row");
        assert!(
            n2.y > n1.y + g.box_h,
            "the spliced-out replica sits below the chain"
        );
        // Rejoined at the tail: the drawing keeps its size.
        let h = chain_geometry(&[0, 2, 3, 1], &[], 1, false);
        assert!(h.replicas[1].x > h.replicas[3].x && h.replicas[1].y == n1.y);
        assert_eq!(g.view_box, h.view_box);
    }

    #[test]
    fn chain_boxes_never_overlap() {
        for compact in [false, true] {
            for n in 2..=9 {
                let slots: Vec<usize> = (0..n - 1).collect();
                let g = chain_geometry(&slots, &[n - 1], 3, compact);
                for (i, a) in g.replicas.iter().enumerate() {
                    assert!(
                        a.x - g.box_w / 2.0 >= g.view_box.0,
                        "n={n} box {i} leaves the left"
                    );
                    for b in &g.replicas[i + 1..] {
                        let apart = (a.x - b.x).abs() >= g.box_w + 4.0
                            || (a.y - b.y).abs() >= g.box_h + 16.0;
                        assert!(apart, "n={n}: boxes at {a:?} and {b:?} overlap");
                    }
                }
            }
        }
    }

    #[test]
    fn messages_move_from_source_to_target() {
        let (a, b) = (Point { x: 0.0, y: 0.0 }, Point { x: 100.0, y: 50.0 });
        assert_eq!(along(a, b, 0.0, false), a);
        assert_eq!(along(a, b, 1.0, false), b);
        assert_eq!(along(a, b, 0.3, false), Point { x: 30.0, y: 15.0 });
        assert_eq!(along(a, b, 0.3, true), Point { x: 50.0, y: 25.0 });
    }
}
