//! Wire cost: how many bytes representative draw ops take on the wire, frozen as constants so
//! that a change to the encoding (or to the samples) cannot change them silently.
//!
//! `docs/WIRE-COSTS.md` sets these numbers next to X11's. To see them:
//! `cargo test -p dispd-protocol --test wire_cost -- --nocapture`.
//!
//! postcard writes integers as varints (7 bits a byte) and signed ones zigzagged first, so the
//! cost of a coordinate depends on its size: 0..=63 takes 1 byte, 64..=8191 takes 2. The samples
//! therefore use coordinates spread over a 600x600 window, as a real client would, and the test
//! reports the smallest and largest op as well as the average.

use dispd_protocol::codec::encode_body;
use dispd_protocol::{encode_frame, Color, DrawOp, Drawable, Rect, Request};
use serde::Serialize;

/// The first id the server hands its first client (slot 1 of 21-bit id slots): a 4-byte varint.
const WINDOW: Drawable = Drawable(0x20_0000);

/// Ops per batch in the batch samples.
const N: usize = 1000;

/// What one sample costs.
#[derive(Debug, PartialEq, Eq)]
struct Cost {
    /// Ops in the request.
    ops: usize,
    /// The whole frame: 4-byte length prefix, request tag, target, op count, ops.
    frame: usize,
    /// The bytes of the ops alone.
    op_bytes: usize,
    /// The smallest op.
    min: usize,
    /// The largest op.
    max: usize,
}

impl Cost {
    /// Frame bytes that are not ops: prefix, request tag, target id, op count.
    fn overhead(&self) -> usize {
        self.frame - self.op_bytes
    }

    fn per_op(&self) -> f64 {
        self.op_bytes as f64 / self.ops as f64
    }
}

/// Measures one `Request::Draw` on [`WINDOW`] holding `ops`.
fn measure(ops: Vec<DrawOp>) -> Cost {
    let sizes: Vec<usize> = ops.iter().map(|op| encode_body(op).len()).collect();
    let count = ops.len();
    let mut frame = Vec::new();
    encode_frame(
        &Request::Draw {
            target: WINDOW,
            ops: ops.into(),
        },
        &mut frame,
    );
    Cost {
        ops: count,
        frame: frame.len(),
        op_bytes: sizes.iter().sum(),
        min: sizes.iter().copied().min().unwrap_or(0),
        max: sizes.iter().copied().max().unwrap_or(0),
    }
}

/// Where the i-th of [`N`] shapes goes: a 40 x 25 grid over a 600x600 window, 15 px apart
/// horizontally (x = 0..=585) and 24 px vertically (y = 0..=576).
fn grid(i: usize) -> (i32, i32) {
    ((i % 40) as i32 * 15, (i / 40) as i32 * 24)
}

fn fill_rects() -> Vec<DrawOp> {
    (0..N)
        .map(|i| {
            let (x, y) = grid(i);
            DrawOp::FillRect(Rect::new(x, y, 10, 10))
        })
        .collect()
}

/// Segments 10 px long, alternately horizontal and vertical.
fn lines() -> Vec<DrawOp> {
    (0..N)
        .map(|i| {
            let (x1, y1) = grid(i);
            let (x2, y2) = if i % 2 == 0 { (x1 + 10, y1) } else { (x1, y1 + 10) };
            DrawOp::Line { x1, y1, x2, y2 }
        })
        .collect()
}

fn fill_ellipses() -> Vec<DrawOp> {
    (0..N)
        .map(|i| {
            let (x, y) = grid(i);
            DrawOp::FillEllipse(Rect::new(x, y, 10, 10))
        })
        .collect()
}

/// 80 ASCII characters, one byte each in UTF-8.
const TEXT_80: &str = "The quick brown fox jumps over the lazy dog while dispd counts every byte it sen";

/// (name, measured, expected). Expected values are frozen: update them only together with
/// `docs/WIRE-COSTS.md`.
fn samples() -> Vec<(&'static str, Cost, Cost)> {
    let c = |ops, frame, op_bytes, min, max| Cost {
        ops,
        frame,
        op_bytes,
        min,
        max,
    };
    vec![
        (
            "1000 x FillRect 10x10, x 0..=585, y 0..=576",
            measure(fill_rects()),
            c(1000, 6766, 6755, 5, 7),
        ),
        (
            "1000 x Line, 10 px long, in 0..=595",
            measure(lines()),
            c(1000, 8546, 8535, 5, 9),
        ),
        (
            "1000 x FillEllipse 10x10 (10 px circles)",
            measure(fill_ellipses()),
            c(1000, 6766, 6755, 5, 7),
        ),
        (
            "lone FillRect (300, 200, 10, 10), whole frame",
            measure(vec![DrawOp::FillRect(Rect::new(300, 200, 10, 10))]),
            c(1, 17, 7, 7, 7),
        ),
        (
            "Text at (100, 300), 80 ASCII chars, whole frame",
            measure(vec![DrawOp::Text {
                x: 100,
                y: 300,
                text: TEXT_80.into(),
            }]),
            c(1, 96, 86, 86, 86),
        ),
        (
            "SetColor, opaque",
            measure(vec![DrawOp::SetColor(Color::rgb(0x20, 0x60, 0xc0))]),
            c(1, 16, 6, 6, 6),
        ),
    ]
}

/// Forms the protocol does NOT have, measured to show what a compact batch form could save.
/// Encoded by the same postcard rules as the real ops.
#[derive(Serialize)]
enum CompactOp {
    /// One tag and one count for a run of rectangles, absolute coordinates.
    FillRects(Vec<Rect>),
    /// The same, with each rectangle's `x`, `y` relative to the previous rectangle's.
    FillRectsDelta(Vec<Rect>),
    /// A run of segments: each start relative to the previous segment's end, each end relative
    /// to its start.
    SegmentsDelta(Vec<[i32; 4]>),
}

fn rects_of(ops: &[DrawOp]) -> Vec<Rect> {
    ops.iter()
        .filter_map(|op| match op {
            DrawOp::FillRect(r) => Some(*r),
            _ => None,
        })
        .collect()
}

fn delta_rects(rects: &[Rect]) -> Vec<Rect> {
    let mut prev = (0, 0);
    rects
        .iter()
        .map(|r| {
            let d = Rect::new(r.x - prev.0, r.y - prev.1, r.width, r.height);
            prev = (r.x, r.y);
            d
        })
        .collect()
}

fn delta_segments(ops: &[DrawOp]) -> Vec<[i32; 4]> {
    let mut prev = (0, 0);
    ops.iter()
        .filter_map(|op| match *op {
            DrawOp::Line { x1, y1, x2, y2 } => {
                let d = [x1 - prev.0, y1 - prev.1, x2 - x1, y2 - y1];
                prev = (x2, y2);
                Some(d)
            }
            _ => None,
        })
        .collect()
}

/// (name, measured bytes for the whole op, expected), for [`N`] shapes each.
fn compact_samples() -> Vec<(&'static str, usize, usize)> {
    let rects = rects_of(&fill_rects());
    assert_eq!(rects.len(), N);
    let len = |op: &CompactOp| encode_body(op).len();
    vec![
        (
            "FillRects(Vec<Rect>): one tag for the run",
            len(&CompactOp::FillRects(rects.clone())),
            5758,
        ),
        (
            "FillRectsDelta: x, y relative to the previous",
            len(&CompactOp::FillRectsDelta(delta_rects(&rects))),
            4027,
        ),
        (
            "SegmentsDelta: start from previous end, end from start",
            len(&CompactOp::SegmentsDelta(delta_segments(&lines()))),
            4027,
        ),
    ]
}

#[test]
fn compact_forms_would_save() {
    let samples = compact_samples();
    report_compact(&samples);
    for (name, measured, expected) in &samples {
        assert_eq!(
            measured, expected,
            "{name}: update the constant here and docs/WIRE-COSTS.md"
        );
    }
}

#[test]
fn wire_costs_match_the_frozen_numbers() {
    assert_eq!(TEXT_80.len(), 80);
    assert_eq!(TEXT_80.chars().count(), 80);
    let samples = samples();
    report(&samples);
    for (name, measured, expected) in &samples {
        assert_eq!(
            measured, expected,
            "{name}: the wire cost changed; update the constant here and docs/WIRE-COSTS.md"
        );
    }
}

#[test]
fn coordinate_varint_thresholds() {
    let rect_op = |x: i32| encode_body(&DrawOp::FillRect(Rect::new(x, x, 10, 10))).len();
    // tag + x + y + width + height
    assert_eq!(rect_op(0), 5);
    assert_eq!(rect_op(63), 5);
    assert_eq!(rect_op(64), 7);
    assert_eq!(rect_op(-64), 5);
    assert_eq!(rect_op(-65), 7);
    assert_eq!(rect_op(8191), 7);
    assert_eq!(rect_op(8192), 9);
}

#[allow(clippy::disallowed_macros)] // test output, shown with --nocapture
fn report_compact(samples: &[(&str, usize, usize)]) {
    println!(
        "{:<56} {:>6} {:>8}",
        "hypothetical compact op (not in the protocol)", "bytes", "per shape"
    );
    for (name, bytes, _) in samples {
        println!("{:<56} {:>6} {:>8.3}", name, bytes, *bytes as f64 / N as f64);
    }
}

#[allow(clippy::disallowed_macros)] // test output, shown with --nocapture
fn report(samples: &[(&str, Cost, Cost)]) {
    println!(
        "{:<50} {:>5} {:>6} {:>8} {:>8} {:>4} {:>4} {:>8}",
        "sample", "ops", "frame", "op bytes", "per op", "min", "max", "overhead"
    );
    for (name, m, _) in samples {
        println!(
            "{:<50} {:>5} {:>6} {:>8} {:>8.3} {:>4} {:>4} {:>8}",
            name,
            m.ops,
            m.frame,
            m.op_bytes,
            m.per_op(),
            m.min,
            m.max,
            m.overhead()
        );
    }
}
