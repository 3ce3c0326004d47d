//! Building tiny-skia paths from protocol shapes.

use dispd_protocol::{PathSeg, Point, Rect};
use tiny_skia::{Path, PathBuilder};

/// The cubic Bézier constant for a quarter circle.
const KAPPA: f32 = 0.552_284_8;

fn rect_f(r: Rect) -> (f32, f32, f32, f32) {
    (r.x as f32, r.y as f32, r.width as f32, r.height as f32)
}

/// A rectangle's outline, inset by `inset` on every side (half a pixel for crisp odd strokes).
pub(super) fn rect(r: Rect, inset: f32) -> Option<Path> {
    let (x, y, w, h) = rect_f(r);
    let rect = tiny_skia::Rect::from_xywh(
        x + inset,
        y + inset,
        (w - 2.0 * inset).max(0.0),
        (h - 2.0 * inset).max(0.0),
    )?;
    Some(PathBuilder::from_rect(rect))
}

/// A rectangle with rounded corners of `radius` (limited to half the shorter side).
pub(super) fn round_rect(r: Rect, radius: f32, inset: f32) -> Option<Path> {
    let (x, y, w, h) = rect_f(r);
    let (x, y, w, h) = (x + inset, y + inset, w - 2.0 * inset, h - 2.0 * inset);
    if w <= 0.0 || h <= 0.0 {
        return None;
    }
    let rad = radius.min(w / 2.0).min(h / 2.0).max(0.0);
    if rad == 0.0 {
        return rect(r, inset);
    }
    let k = rad * KAPPA;
    let mut pb = PathBuilder::new();
    pb.move_to(x + rad, y);
    pb.line_to(x + w - rad, y);
    pb.cubic_to(x + w - rad + k, y, x + w, y + rad - k, x + w, y + rad);
    pb.line_to(x + w, y + h - rad);
    pb.cubic_to(x + w, y + h - rad + k, x + w - rad + k, y + h, x + w - rad, y + h);
    pb.line_to(x + rad, y + h);
    pb.cubic_to(x + rad - k, y + h, x, y + h - rad + k, x, y + h - rad);
    pb.line_to(x, y + rad);
    pb.cubic_to(x, y + rad - k, x + rad - k, y, x + rad, y);
    pb.close();
    pb.finish()
}

/// The ellipse inscribed in `r`, inset by `inset`.
pub(super) fn ellipse(r: Rect, inset: f32) -> Option<Path> {
    let (x, y, w, h) = rect_f(r);
    let oval = tiny_skia::Rect::from_xywh(x + inset, y + inset, w - 2.0 * inset, h - 2.0 * inset)?;
    PathBuilder::from_oval(oval)
}

/// An arc of the ellipse inscribed in `r` (angles in 1/64 degree, counter-clockwise from three
/// o'clock, y down), optionally closed through the centre as a pie slice.
pub(super) fn arc(r: Rect, start: i32, sweep: i32, pie: bool, inset: f32) -> Option<Path> {
    let (x, y, w, h) = rect_f(r);
    let (rx, ry) = ((w - 2.0 * inset) / 2.0, (h - 2.0 * inset) / 2.0);
    if rx <= 0.0 || ry <= 0.0 || sweep == 0 {
        return None;
    }
    let (cx, cy) = (x + w / 2.0, y + h / 2.0);
    let sweep = sweep.clamp(-360 * 64, 360 * 64);
    let a0 = (start as f32 / 64.0).to_radians();
    let total = (sweep as f32 / 64.0).to_radians();
    let point = |a: f32| (cx + rx * a.cos(), cy - ry * a.sin());
    let mut pb = PathBuilder::new();
    let (sx, sy) = point(a0);
    if pie {
        pb.move_to(cx, cy);
        pb.line_to(sx, sy);
    } else {
        pb.move_to(sx, sy);
    }
    let pieces = (total.abs() / std::f32::consts::FRAC_PI_2).ceil().max(1.0) as u32;
    let step = total / pieces as f32;
    let k = 4.0 / 3.0 * (step / 4.0).tan();
    let mut a = a0;
    for _ in 0..pieces {
        let b = a + step;
        let (p0x, p0y) = point(a);
        let (p3x, p3y) = point(b);
        // Derivatives of (cx + rx cos t, cy - ry sin t): (-rx sin t, -ry cos t).
        let c1 = (p0x - k * rx * a.sin(), p0y - k * ry * a.cos());
        let c2 = (p3x + k * rx * b.sin(), p3y + k * ry * b.cos());
        pb.cubic_to(c1.0, c1.1, c2.0, c2.1, p3x, p3y);
        a = b;
    }
    if pie {
        pb.close();
    }
    pb.finish()
}

/// A path through `points`, closed or not. Points are pixel centres when `center` is set.
pub(super) fn polyline(points: &[Point], closed: bool, center: f32) -> Option<Path> {
    let (first, rest) = points.split_first()?;
    let mut pb = PathBuilder::new();
    pb.move_to(first.x as f32 + center, first.y as f32 + center);
    for p in rest {
        pb.line_to(p.x as f32 + center, p.y as f32 + center);
    }
    if rest.is_empty() {
        // A lone point: a zero-length segment, which round and square caps draw.
        pb.line_to(first.x as f32 + center, first.y as f32 + center);
    }
    if closed {
        pb.close();
    }
    pb.finish()
}

/// A path from protocol segments. A path that does not start with `MoveTo` starts at (0, 0).
pub(super) fn path(segs: &[PathSeg]) -> Option<Path> {
    let mut pb = PathBuilder::new();
    for seg in segs {
        match *seg {
            PathSeg::MoveTo(x, y) => pb.move_to(x, y),
            PathSeg::LineTo(x, y) => pb.line_to(x, y),
            PathSeg::QuadTo(x1, y1, x, y) => pb.quad_to(x1, y1, x, y),
            PathSeg::CubicTo(x1, y1, x2, y2, x, y) => pb.cubic_to(x1, y1, x2, y2, x, y),
            PathSeg::Close => pb.close(),
        }
    }
    pb.finish()
}
