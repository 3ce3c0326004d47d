//! Times the rasterizer alone, without sockets or threads: the batches of dispbench's drawing
//! tests drawn into a 1280x1024 framebuffer, best of several runs, in nanoseconds per object.
//! Steadier than a whole-server benchmark on a noisy machine, so it suits A/B comparisons of
//! one change to the rasterizer.
//!
//! `cargo run --release -p display-server --example raster_bench [TEST...]`

use std::io::Write;
use std::time::{Duration, Instant};

use dispd_protocol::{Color, DrawOp, Drawable, Packed, Rect, Segment, Size, SmallPoint, SmallRect, WindowId};
use display_server::raster::{draw_batch, Fonts, Framebuffer, Sources};

struct NoSources;

impl Sources for NoSources {
    fn get(&self, _: Drawable) -> Option<&Framebuffer> {
        None
    }
}

/// A spot in the 600x600 window for object `i`, `margin` pixels from its edges.
fn spot(i: i32, margin: i32) -> (i32, i32) {
    let span = 600 - 2 * margin;
    (margin + (i * 37) % span, margin + (i * 53) % span)
}

/// An end `len` pixels from the origin in one of 16 directions.
fn direction(i: i32, len: i32) -> (i32, i32) {
    let a = f64::from(i % 16) * std::f64::consts::TAU / 16.0;
    (
        (f64::from(len) * a.cos()).round() as i32,
        (f64::from(len) * a.sin()).round() as i32,
    )
}

/// A run of 1000 squares of 10x10 spread over the window.
fn ten_pixel_squares() -> Packed<SmallRect> {
    let mut run = Packed::new();
    for i in 0..1000 {
        let (x, y) = spot(i, 10);
        run.push(SmallRect {
            x: x as i16,
            y: y as i16,
            width: 10,
            height: 10,
        });
    }
    run
}

/// The batch for `test` and how many objects it draws.
fn batch(test: &str) -> Option<(Vec<DrawOp>, usize)> {
    let ops = match test {
        "seg10" | "seg100" => {
            let len: i32 = test[3..].parse().ok()?;
            let mut run = Packed::new();
            for i in 0..1000 {
                let (x, y) = spot(i, len);
                let (dx, dy) = direction(i, len);
                run.push(Segment {
                    x1: x as i16,
                    y1: y as i16,
                    x2: (x + dx) as i16,
                    y2: (y + dy) as i16,
                });
            }
            (vec![DrawOp::Segments(run)], 1000)
        }
        "line10" => {
            let mut run = Packed::new();
            let (mut x, mut y) = (300, 300);
            for i in 0..1001 {
                run.push(SmallPoint {
                    x: x as i16,
                    y: y as i16,
                });
                let (dx, dy) = direction(i * 7, 10);
                (x, y) = ((x + dx).clamp(10, 590), (y + dy).clamp(10, 590));
            }
            (vec![DrawOp::Lines(run)], 1000)
        }
        "rect10" => {
            let run = ten_pixel_squares();
            (vec![DrawOp::FillRects(run)], 1000)
        }
        "rect100" => {
            let ops = (0..36).map(|i| DrawOp::FillRect(Rect::new(100 * (i % 6), 100 * (i / 6), 100, 100)));
            (ops.collect(), 36)
        }
        "circle10" | "fcircle10" => {
            let run = ten_pixel_squares();
            let op = if test == "circle10" {
                DrawOp::StrokeEllipses(run)
            } else {
                DrawOp::FillEllipses(run)
            };
            (vec![op], 1000)
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
    ];
    let args: Vec<String> = std::env::args().skip(1).collect();
    let tests: Vec<&str> = if args.is_empty() {
        all.to_vec()
    } else {
        args.iter().map(String::as_str).collect()
    };
    let mut fonts = Fonts::load();
    let mut fb = Framebuffer::new(Size::new(1280, 1024), Color::BLACK);
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
