//! Times the rasterizer alone, without sockets or threads: the batches of dispbench's drawing
//! tests (x11perf's shapes and places) drawn into a 600x600 framebuffer (dispbench's window),
//! best of several runs, in nanoseconds per object. `copywinwin100` is x11perf's 100x100 copies
//! within the window, 1024 of them in one batch: the copy without the request around it.
//! Steadier than a whole-server benchmark on a noisy machine, so it suits A/B comparisons of
//! one change to the rasterizer.
//!
//! `cargo run --release -p display-server --example raster_bench [TEST...]`

use std::io::Write;
use std::time::{Duration, Instant};

use dispd_protocol::{Color, DrawOp, Drawable, Packed, Rect, Segment, Size, SmallPoint, SmallRect, WindowId};
use dispd_tools::x11perf;
use display_server::raster::{draw_batch, Fonts, Framebuffer, Sources};

struct NoSources;

impl Sources for NoSources {
    fn get(&self, _: Drawable) -> Option<&Framebuffer> {
        None
    }
}

/// A run of segments in X's layout.
fn segments(size: i32) -> Packed<Segment> {
    x11perf::segment_layout(size, 1000)
        .into_iter()
        .map(|(x1, y1, x2, y2)| Segment {
            x1: x1 as i16,
            y1: y1 as i16,
            x2: x2 as i16,
            y2: y2 as i16,
        })
        .collect()
}

/// X's `CapNotLast`, which x11perf's segment tests set.
fn not_last() -> DrawOp {
    DrawOp::SetLineCap(dispd_protocol::LineCap::NotLast)
}

/// A run of rectangles in X's layout.
fn small_rects(rects: Vec<Rect>) -> Packed<SmallRect> {
    rects
        .into_iter()
        .map(|r| SmallRect {
            x: r.x as i16,
            y: r.y as i16,
            width: r.width as u16,
            height: r.height as u16,
        })
        .collect()
}

/// The batch for `test` (dispbench's, placed as x11perf places it) and how many objects it
/// draws.
fn batch(test: &str) -> Option<(Vec<DrawOp>, usize)> {
    let ops = match test {
        // With X's `CapNotLast`, as x11perf (and dispbench) draw segments.
        "seg10" => (vec![not_last(), DrawOp::Segments(segments(10))], 1000),
        "seg100" => (vec![not_last(), DrawOp::Segments(segments(100))], 1000),
        "line10" => {
            let run = x11perf::polyline_layout(10, 1000)
                .into_iter()
                .map(|p| SmallPoint {
                    x: p.x as i16,
                    y: p.y as i16,
                })
                .collect();
            (vec![DrawOp::Lines(run)], 1000)
        }
        "rect10" => (
            vec![DrawOp::FillRects(small_rects(x11perf::rect_layout(10, 1000)))],
            1000,
        ),
        "rect100" => {
            let ops = x11perf::rect_layout(100, 36).into_iter().map(DrawOp::FillRect);
            (ops.collect(), 36)
        }
        "circle10" => (
            vec![DrawOp::StrokeEllipses(small_rects(x11perf::circle_layout(
                10, 1000,
            )))],
            1000,
        ),
        "fcircle10" => (
            vec![DrawOp::FillEllipses(small_rects(x11perf::circle_layout(
                10, 1000,
            )))],
            1000,
        ),
        // x11perf's copies within the window, in its order: what each copy costs, without the
        // request around it.
        "copywinwin100" => {
            let copies: Vec<DrawOp> = x11perf::copy_locations(100, 256)
                .into_iter()
                .flat_map(|(a, b)| x11perf::copies(a, b))
                .map(|((sx, sy), (x, y))| DrawOp::CopyArea {
                    source: WindowId(1).into(),
                    src: Rect::new(sx, sy, 100, 100),
                    x,
                    y,
                })
                .collect();
            let n = copies.len();
            (copies, n)
        }
        _ => return None,
    };
    Some(ops)
}

fn main() -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    let all = [
        "seg10",
        "seg100",
        "line10",
        "rect10",
        "rect100",
        "circle10",
        "fcircle10",
        "copywinwin100",
    ];
    let args: Vec<String> = std::env::args().skip(1).collect();
    let tests: Vec<&str> = if args.is_empty() {
        all.to_vec()
    } else {
        args.iter().map(String::as_str).collect()
    };
    let mut fonts = Fonts::load();
    let mut fb = Framebuffer::new(Size::new(600, 600), Color::BLACK);
    let target = Drawable::from(WindowId(1));
    for test in tests {
        let Some((mut ops, objects)) = batch(test) else {
            writeln!(out, "{test}: no such test (tests: {})", all.join(" "))?;
            continue;
        };
        ops.insert(0, DrawOp::SetColor(Color::rgb(200, 30, 30)));
        let draw = |fb: &mut Framebuffer, fonts: &mut Fonts| {
            draw_batch(fb, target, fonts, &NoSources, &ops, usize::MAX).expect("the batch draws");
        };
        // Batches per timed run: about 20 ms.
        let start = Instant::now();
        let mut per_run = 0;
        while start.elapsed() < Duration::from_millis(20) {
            draw(&mut fb, &mut fonts);
            per_run += 1;
        }
        let best = (0..15)
            .map(|_| {
                let start = Instant::now();
                for _ in 0..per_run {
                    draw(&mut fb, &mut fonts);
                }
                start.elapsed()
            })
            .min()
            .unwrap_or_default();
        let ns = best.as_secs_f64() * 1e9 / (per_run * objects) as f64;
        writeln!(
            out,
            "{test:>10}: {ns:8.2} ns per object ({:.2}M/s), best of 15 runs of {per_run} batches",
            1e3 / ns
        )?;
    }
    Ok(())
}
