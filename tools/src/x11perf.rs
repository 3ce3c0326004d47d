//! The shapes of x11perf's drawing tests, placed as x11perf places them (do_rects.c, do_segs.c,
//! do_lines.c, do_arcs.c), for dispbench and for the rasterizer's own benchmark, so that both
//! draw what x11perf draws.

use gui_client::{Point, Rect};

/// Width of x11perf's test window.
pub const WIDTH: i32 = 600;
/// Height of x11perf's test window.
pub const HEIGHT: i32 = 600;
/// Shapes per column before x11perf's layouts start a new column.
pub const MAXROWS: i32 = 40;

/// x11perf's rectangle layout (do_rects.c, InitRectangles): columns of squares one pixel apart,
/// or two for an odd size (x11perf's "any odd step", to exercise every alignment).
pub fn rect_layout(size: i32, n: usize) -> Vec<Rect> {
    let step = size + 1 + size % 2;
    let (mut x, mut y, mut rows) = (0, 0, 0);
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(Rect::new(x, y, size as u32, size as u32));
        y += step;
        rows += 1;
        if y + size > HEIGHT || rows == MAXROWS {
            rows = 0;
            y = 0;
            x += step;
            if x + size > WIDTH {
                x = 0;
            }
        }
    }
    out
}

/// x11perf's segment layout (do_segs.c, GenerateSegments): one segment per `size` square down
/// the columns, its ends turning clockwise around the square's corners and sides from one
/// segment to the next (one step of `8·size` per segment for a thousand segments of 10).
pub fn segment_layout(size: i32, n: usize) -> Vec<(i32, i32, i32, i32)> {
    let half = (size + 19) / 20;
    let size8 = 8 * size;
    let phase_inc = (size8 / n.max(1) as i32).max(1);
    let (mut x, mut y, mut phase, mut rows) = (half, half, 0, 0);
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let m = phase % size;
        let (x1, y1, x2, y2) = match phase / size {
            0 => (0, 0, size, phase),
            1 => (m, 0, size, size),
            2 => (size, 0, size - m, size),
            3 => (size, m, 0, size),
            4 => (size, size, 0, size - m),
            5 => (size - m, size, 0, 0),
            6 => (0, size, m, 0),
            _ => (0, size - m, size, 0),
        };
        out.push((x + x1, y + y1, x + x2, y + y2));
        rows += 1;
        y += size;
        if y >= HEIGHT - size - half || rows == MAXROWS {
            rows = 0;
            y = half;
            x += size;
            if x >= WIDTH - size - half {
                x = half;
            }
        }
        phase += phase_inc;
        if phase >= size8 {
            phase -= size8;
        }
    }
    out
}

/// x11perf's polyline (do_lines.c, GenerateLines): `n` joined lines of `size` pixels along
/// their major axis, zig-zagging left and right while they run down (or up) a column, bouncing
/// off the window's top and bottom (or after `MAXROWS` lines) into the next column; their
/// direction turns through every slope, one step of `4·(size + 1)` per line.
pub fn polyline_layout(size: i32, n: usize) -> Vec<Point> {
    let half = (size + 19) / 20;
    let size4 = 4 * (size + 1);
    let (mut x, mut y) = (half, half);
    let (mut xdir, mut ydir, mut bigxdir) = (1, 1, 1);
    // x11perf works the phase out in floating point, and so does this (the same truncations).
    let phase_inc = (size4 as f32 / n.max(1) as f32).max(1.0);
    let (mut phase_f, mut rows) = (0.0f32, 0);
    let mut points = Vec::with_capacity(n + 1);
    points.push(Point { x, y });
    for _ in 0..n {
        let phase = phase_f as i32;
        let m = phase % (size + 1);
        let (x1, y1) = match phase / (size + 1) {
            0 => (size, phase),
            1 => (size - m, size),
            2 => (m, size),
            _ => (size, size - m),
        };
        y += ydir * y1;
        rows += 1;
        if y < half || y >= HEIGHT - half || rows > MAXROWS {
            rows = 0;
            if bigxdir > 0 {
                if x + size < WIDTH - half {
                    xdir = 1;
                } else {
                    bigxdir = -1;
                }
            } else if x - size > half {
                xdir = -1;
            } else {
                bigxdir = 1;
            }
            ydir = -ydir;
            y += 2 * ydir * y1;
            if y < half {
                y = (HEIGHT - y1) / 2;
                ydir = 1;
            } else if y > HEIGHT - half {
                y = (HEIGHT + y1) / 2;
                ydir = -1;
            }
        }
        x += xdir * x1;
        xdir = -xdir;
        if x < half {
            x = (WIDTH - x1) / 2;
            xdir = 1;
        } else if x > WIDTH - half {
            x = (WIDTH + x1) / 2;
            xdir = -1;
        }
        points.push(Point { x, y });
        phase_f += phase_inc;
        if phase_f >= size4 as f32 {
            phase_f -= size4 as f32;
        }
    }
    points
}

/// x11perf's circle layout (do_arcs.c, GenerateCircles): bounding squares one pixel apart down
/// the columns; when the columns reach the right edge, they start again one pixel lower (then
/// one pixel further right).
pub fn circle_layout(size: i32, n: usize) -> Vec<Rect> {
    let half = (size + 19) / 20;
    let (mut x, mut y, mut x_org, mut y_org, mut rows) = (half, half, half, half, 0);
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(Rect::new(x, y, size as u32, size as u32));
        y += size + 1;
        rows += 1;
        if y >= HEIGHT - size - half || rows == MAXROWS {
            rows = 0;
            x += size + 1;
            if x >= WIDTH - size {
                y_org += 1;
                if y_org >= size + half || y_org >= HEIGHT - size - half {
                    y_org = half;
                    x_org += 1;
                    if x_org >= size + half || x_org >= WIDTH - size - half {
                        x_org = half;
                    }
                }
                x = x_org;
            }
            y = y_org;
        }
    }
    out
}

/// Two corners, `(x1, y1, x2, y2)`, as x11perf keeps them in an `XSegment`.
pub type Corners = (i32, i32, i32, i32);

/// x11perf's places for the copy and image tests (do_copy.c, InitCopyLocations): for each of
/// `reps` repetitions, two pairs of corners for `size` squares, `a` and `b`. One corner walks
/// forward and the other backward over the window by steps a little more than `size`, so that
/// every alignment and every copy direction comes up (and, with x11perf's `NegMod`, which
/// takes its remainder by 7, the same wrap-arounds).
pub fn copy_locations(size: i32, reps: usize) -> Vec<(Corners, Corners)> {
    let x_inc = (size & !3) + 1;
    let y_inc = x_inc + 3;
    let (width, height) = ((WIDTH - size) & !31, (HEIGHT - size) & !31);
    let neg_mod = |x: i32, y: i32| y - ((-x - 1) % 7) - 1;
    let (mut x1, mut y1, mut x2, mut y2) = (0, 0, width, height);
    let mut out = Vec::with_capacity(reps);
    for _ in 0..reps {
        let a = (x1, y1, x2, y2);
        x2 -= x_inc;
        if x2 < 0 {
            x2 = neg_mod(x2, width);
            y2 -= y_inc;
            if y2 < 0 {
                y2 = neg_mod(y2, height);
            }
        }
        out.push((a, (x1, y1, x2, y2)));
        x1 += x_inc;
        if x1 > width {
            x1 %= 32;
            y1 += y_inc;
            if y1 > height {
                y1 %= 32;
            }
        }
    }
    out
}

/// The four copies of one repetition of x11perf's copy tests (DoCopyWinWin): `(from, to)`.
pub fn copies(a: Corners, b: Corners) -> [((i32, i32), (i32, i32)); 4] {
    [
        ((a.0, a.1), (a.2, a.3)),
        ((a.2, a.3), (a.0, a.1)),
        ((b.2, b.3), (b.0, b.1)),
        ((b.0, b.1), (b.2, b.3)),
    ]
}

/// The four puts of one repetition of x11perf's put tests (DoPutImage, DoShmPutImage): the part
/// of the window-sized image at `from` put at `to`.
pub fn put_places(a: Corners, b: Corners) -> [((i32, i32), (i32, i32)); 4] {
    [
        ((a.0, a.1), (a.2, a.3)),
        ((a.2, a.3), (a.0, a.1)),
        ((b.2, b.3), (b.2, b.3)),
        ((b.0, b.1), (b.2, b.3)),
    ]
}

/// Where the four images of one repetition of x11perf's get tests come from (DoGetImage).
pub fn get_places(a: Corners, b: Corners) -> [(i32, i32); 4] {
    [(a.0, a.1), (a.2, a.3), (b.2, b.3), (b.0, b.1)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_start_as_x11perfs_and_all_run_their_size() {
        // The first points x11perf's GenerateLines makes for -line10 (checked against it): a
        // zig-zag whose lines turn from flat towards steep.
        let points = polyline_layout(10, 1000);
        let first: Vec<(i32, i32)> = points[..6].iter().map(|p| (p.x, p.y)).collect();
        assert_eq!(first, [(1, 1), (11, 1), (1, 2), (11, 4), (1, 7), (11, 11)]);
        assert_eq!(points.len(), 1001);
        let mut x_major = 0;
        for w in points.windows(2) {
            let (dx, dy) = ((w[1].x - w[0].x).abs(), (w[1].y - w[0].y).abs());
            assert_eq!(dx.max(dy), 10, "{w:?}");
            x_major += usize::from(dx > dy);
            assert!((0..WIDTH).contains(&w[1].x) && (0..HEIGHT).contains(&w[1].y));
        }
        // As many flat as steep lines, give or take the 45-degree ones.
        assert_eq!(x_major, 450);
    }

    #[test]
    fn segments_start_as_x11perfs_and_turn_around_their_squares() {
        let segments = segment_layout(10, 1000);
        assert_eq!(&segments[..3], [(1, 1, 11, 1), (1, 11, 11, 12), (1, 21, 11, 23)]);
        for &(x1, y1, x2, y2) in &segments {
            assert_eq!((x2 - x1).abs().max((y2 - y1).abs()), 10);
            assert!([x1, x2].iter().all(|x| (0..WIDTH).contains(x)));
            assert!([y1, y2].iter().all(|y| (0..HEIGHT).contains(y)));
        }
    }

    #[test]
    fn copy_places_start_as_x11perfs_and_keep_squares_inside() {
        let places = copy_locations(100, 1000);
        // The first of x11perf's: one corner at the top left, the other at the far end of the
        // walk, which then steps back by 101.
        assert_eq!(places[0], ((0, 0, 480, 480), (0, 0, 379, 480)));
        for size in [10, 100, 500] {
            for (a, b) in copy_locations(size, 1000) {
                let all = copies(a, b).into_iter().flat_map(|(f, t)| [f, t]);
                let puts = put_places(a, b).into_iter().flat_map(|(f, t)| [f, t]);
                let all = all.chain(puts).chain(get_places(a, b));
                for (x, y) in all {
                    assert!(
                        x >= 0 && y >= 0 && x + size <= WIDTH && y + size <= HEIGHT,
                        "{size}: {x}, {y}"
                    );
                }
            }
        }
    }
}
