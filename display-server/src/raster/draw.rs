//! Applying a draw batch: check every op, then draw them all, so a batch applies whole or not
//! at all.

use dispd_protocol::{
    BlendMode, Color, DrawOp, Drawable, FillRule, FontFace, LineCap, LineJoin, Paint, PathSeg, Point, Rect,
};
use tiny_skia::{Mask, Path, Shader, Stroke, StrokeDash, Transform};

use super::cost::{Cost, MAX_BATCH_PIXELS};
use super::font::{Glyph, GlyphSink};
use super::{shapes, skia, spans, Fonts, Framebuffer};

/// Longest text in one op, in bytes.
pub const MAX_TEXT_BYTES: usize = 4096;
/// Widest line, in pixels.
pub const MAX_LINE_WIDTH: u16 = 256;
/// Most rectangles in a clip.
pub const MAX_CLIP_RECTS: usize = 256;
/// Most dash lengths.
pub const MAX_DASHES: usize = 16;
/// Most points, path steps and characters in one batch (bounds the work of one request).
pub const MAX_BATCH_POINTS: usize = dispd_protocol::MAX_BATCH_ELEMENTS;
/// Largest coordinate or size anywhere in a batch.
pub const MAX_COORD: f32 = 16_777_216.0;

/// Why a batch was refused. A refused batch changes nothing.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    /// Too many ops in one batch.
    #[error("a draw batch holds {len} ops, over the limit of {max}")]
    TooManyOps {
        /// Ops in the batch.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// An op's value is out of range.
    #[error("op #{index}: {reason}")]
    BadOp {
        /// Position of the op in the batch.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// An op names a drawable that is not the client's.
    #[error("op #{index}: no drawable {drawable:#x} belongs to this client")]
    BadDrawable {
        /// Position of the op in the batch.
        index: usize,
        /// The id.
        drawable: u32,
    },
}

/// The other drawables of the client, for ops that read pixels ([`DrawOp::DrawImage`],
/// [`DrawOp::CopyArea`]).
pub trait Sources {
    /// The client's drawable `d`, if it has one (the target itself is handled separately).
    fn get(&self, d: Drawable) -> Option<&Framebuffer>;
}

/// Drawing state of one batch, reset at the start of each.
struct State {
    paint: Paint,
    line_width: u16,
    cap: LineCap,
    join: LineJoin,
    dash: Option<StrokeDash>,
    fill_rule: FillRule,
    aa: bool,
    blend: BlendMode,
    transform: (f32, f32, f32, f32),
    clip: Option<Clip>,
    face: FontFace,
    font_px: u16,
    /// Not drawing state: ellipse shapes computed by earlier ops of the batch.
    ellipses: spans::EllipseCache,
}

/// A clip: its rectangles (for exact tests) and their mask (for tiny-skia).
struct Clip {
    rects: Vec<Rect>,
    mask: Mask,
}

impl Clip {
    fn contains(&self, x: i64, y: i64) -> bool {
        self.rects
            .iter()
            .any(|r| x >= i64::from(r.x) && y >= i64::from(r.y) && x < r.right() && y < r.bottom())
    }
}

impl State {
    fn new() -> Self {
        Self {
            paint: Paint::Solid(Color::BLACK),
            line_width: 1,
            cap: LineCap::Butt,
            join: LineJoin::Miter,
            dash: None,
            fill_rule: FillRule::NonZero,
            aa: false,
            blend: BlendMode::SourceOver,
            transform: (1.0, 1.0, 0.0, 0.0),
            clip: None,
            face: FontFace::Sans,
            font_px: 16,
            ellipses: spans::EllipseCache::default(),
        }
    }

    fn skia_transform(&self) -> Transform {
        let (sx, sy, tx, ty) = self.transform;
        Transform::from_row(sx, 0.0, 0.0, sy, tx, ty)
    }

    /// The clip as one rectangle within `bounds` (`bounds` itself without a clip; empty when the
    /// clip lies outside), or `None` for a union of several, which needs a test per pixel.
    fn single_clip(&self, bounds: Rect) -> Option<Rect> {
        match &self.clip {
            None => Some(bounds),
            Some(c) if c.rects.len() == 1 => Some(c.rects[0].intersect(&bounds).unwrap_or_default()),
            Some(_) => None,
        }
    }

    /// The integer offset of the transform when it is a whole-pixel translation.
    fn integer_offset(&self) -> Option<(i32, i32)> {
        let (sx, sy, tx, ty) = self.transform;
        // A whole number below 2^24 survives the round trip through i32 (and no libm `trunc`
        // call per shape, as `fract` would make on x86-64's baseline).
        let whole = |v: f32| v.abs() < 16_777_216.0 && (v as i32) as f32 == v;
        (sx == 1.0 && sy == 1.0 && whole(tx) && whole(ty)).then_some((tx as i32, ty as i32))
    }

    fn map(&self, x: f32, y: f32) -> (f32, f32) {
        let (sx, sy, tx, ty) = self.transform;
        (x * sx + tx, y * sy + ty)
    }

    fn solid(&self) -> Option<Color> {
        match &self.paint {
            Paint::Solid(c) => Some(*c),
            _ => None,
        }
    }

    /// The colour text and pixel ops use: the solid colour, or a gradient's first stop.
    fn flat_color(&self) -> Color {
        match &self.paint {
            Paint::Solid(c) => *c,
            Paint::Linear { stops, .. } | Paint::Radial { stops, .. } => {
                stops.first().map_or(Color::BLACK, |s| s.color)
            }
        }
    }

    fn skia_paint(&self) -> tiny_skia::Paint<'static> {
        let swap = |stops: &[dispd_protocol::GradientStop]| {
            stops
                .iter()
                .map(|s| tiny_skia::GradientStop::new(s.offset, skia::color(s.color)))
                .collect::<Vec<_>>()
        };
        let shader = match &self.paint {
            Paint::Solid(c) => Shader::SolidColor(skia::color(*c)),
            Paint::Linear {
                x0,
                y0,
                x1,
                y1,
                stops,
            } => tiny_skia::LinearGradient::new(
                tiny_skia::Point::from_xy(*x0, *y0),
                tiny_skia::Point::from_xy(*x1, *y1),
                swap(stops),
                tiny_skia::SpreadMode::Pad,
                Transform::identity(),
            )
            .unwrap_or(Shader::SolidColor(skia::color(self.flat_color()))),
            Paint::Radial {
                cx,
                cy,
                radius,
                stops,
            } => tiny_skia::RadialGradient::new(
                tiny_skia::Point::from_xy(*cx, *cy),
                tiny_skia::Point::from_xy(*cx, *cy),
                *radius,
                swap(stops),
                tiny_skia::SpreadMode::Pad,
                Transform::identity(),
            )
            .unwrap_or(Shader::SolidColor(skia::color(self.flat_color()))),
        };
        // An opaque colour replaces exactly as it paints over: drawn source-over, it also
        // fades strokes thinner than a pixel by their coverage, which tiny-skia does for no
        // replacing blend, and needs no clip work in `skia_draw`.
        let opaque = matches!(self.paint, Paint::Solid(c) if c.a() == 255);
        tiny_skia::Paint {
            shader,
            blend_mode: if opaque {
                tiny_skia::BlendMode::SourceOver
            } else {
                self.skia_blend()
            },
            anti_alias: self.aa,
            force_hq_pipeline: false,
        }
    }

    fn skia_blend(&self) -> tiny_skia::BlendMode {
        match self.blend {
            BlendMode::SourceOver => tiny_skia::BlendMode::SourceOver,
            BlendMode::Copy => tiny_skia::BlendMode::Source,
        }
    }

    fn stroke(&self) -> Stroke {
        Stroke {
            width: f32::from(self.line_width),
            miter_limit: 4.0,
            line_cap: match self.cap {
                LineCap::Butt => tiny_skia::LineCap::Butt,
                LineCap::Round => tiny_skia::LineCap::Round,
                LineCap::Square => tiny_skia::LineCap::Square,
                // Wider or anti-aliased strokes end flat, as X's wide lines with `CapNotLast`.
                LineCap::NotLast => tiny_skia::LineCap::Butt,
            },
            line_join: match self.join {
                LineJoin::Miter => tiny_skia::LineJoin::Miter,
                LineJoin::Round => tiny_skia::LineJoin::Round,
                LineJoin::Bevel => tiny_skia::LineJoin::Bevel,
            },
            dash: self.dash.clone(),
        }
    }

    fn skia_fill_rule(&self) -> tiny_skia::FillRule {
        match self.fill_rule {
            FillRule::NonZero => tiny_skia::FillRule::Winding,
            FillRule::EvenOdd => tiny_skia::FillRule::EvenOdd,
        }
    }

    fn copy(&self) -> bool {
        self.blend == BlendMode::Copy
    }
}

/// Checks every op of a batch, then draws them all into `fb` (the drawable `target`): either
/// the whole batch applies or none of it. Returns the damaged area, if any.
pub fn draw_batch(
    fb: &mut Framebuffer,
    target: Drawable,
    fonts: &mut Fonts,
    sources: &dyn Sources,
    ops: &[DrawOp],
    max_ops: usize,
) -> Result<Option<Rect>, BatchError> {
    check(fb.bounds(), target, sources, ops, max_ops)?;
    let mut st = State::new();
    let mut damage = Damage::default();
    for op in ops {
        apply(fb, target, fonts, sources, &mut st, &mut damage, op);
    }
    Ok(damage.clip(fb.bounds()))
}

fn check(
    bounds: Rect,
    target: Drawable,
    sources: &dyn Sources,
    ops: &[DrawOp],
    max_ops: usize,
) -> Result<(), BatchError> {
    if ops.len() > max_ops {
        return Err(BatchError::TooManyOps {
            len: ops.len(),
            max: max_ops,
        });
    }
    let mut points = 0usize;
    let mut cost = Cost::quick(bounds);
    for (index, op) in ops.iter().enumerate() {
        let bad = |reason: String| BatchError::BadOp { index, reason };
        let (reason, count) = check_op(op);
        if let Some(reason) = reason {
            return Err(bad(reason));
        }
        points = points.saturating_add(count);
        if points > MAX_BATCH_POINTS {
            return Err(bad(format!(
                "the batch holds over {MAX_BATCH_POINTS} points, path steps and characters"
            )));
        }
        let mut pixels = cost.add(op);
        if pixels > MAX_BATCH_PIXELS && cost.is_quick() {
            // Over by the quick bound: the batch so far, counted again line by line.
            cost = Cost::new(bounds);
            for earlier in &ops[..=index] {
                pixels = cost.add(earlier);
            }
        }
        if pixels > MAX_BATCH_PIXELS {
            return Err(bad(format!(
                "the batch would paint about {pixels} pixels, over the limit of {MAX_BATCH_PIXELS}: split it into several batches"
            )));
        }
        if let DrawOp::DrawImage { image: d, .. } | DrawOp::CopyArea { source: d, .. } = op {
            if *d != target && sources.get(*d).is_none() {
                return Err(BatchError::BadDrawable { index, drawable: d.0 });
            }
        }
    }
    Ok(())
}

fn coord_ok(v: f32) -> bool {
    v.is_finite() && v.abs() <= MAX_COORD
}

fn rect_ok(r: &Rect) -> bool {
    coord_ok(r.x as f32) && coord_ok(r.y as f32) && coord_ok(r.width as f32) && coord_ok(r.height as f32)
}

fn points_ok(points: &[Point]) -> bool {
    points
        .iter()
        .all(|p| coord_ok(p.x as f32) && coord_ok(p.y as f32))
}

/// What is wrong with one op, if anything, and how many points it counts for.
fn check_op(op: &DrawOp) -> (Option<String>, usize) {
    let out_of_range = || Some(format!("a coordinate or size is outside ±{MAX_COORD}"));
    let whole = |run_is_whole: bool, what: &str, size: usize| {
        (!run_is_whole).then(|| format!("a run of {what} must be a whole number of {size}-byte shapes"))
    };
    match op {
        // 16-bit coordinates are always in range.
        DrawOp::Segments(run) => (whole(run.is_whole(), "segments", 8), run.len() * 2),
        DrawOp::FillRects(run) => (whole(run.is_whole(), "rectangles", 8), run.len()),
        DrawOp::Lines(run) => (whole(run.is_whole(), "points", 4), run.len()),
        DrawOp::StrokeEllipses(run) | DrawOp::FillEllipses(run) => {
            (whole(run.is_whole(), "ellipses", 8), run.len())
        }
        DrawOp::Text { x, y, text } => {
            if text.len() > MAX_TEXT_BYTES {
                return (
                    Some(format!(
                        "text of {} bytes is over the limit of {MAX_TEXT_BYTES}",
                        text.len()
                    )),
                    0,
                );
            }
            (
                if coord_ok(*x as f32) && coord_ok(*y as f32) {
                    None
                } else {
                    out_of_range()
                },
                text.len(),
            )
        }
        DrawOp::SetLineWidth(w) if *w > MAX_LINE_WIDTH => (
            Some(format!("line width {w} is over the limit of {MAX_LINE_WIDTH}")),
            0,
        ),
        DrawOp::SetDash { pattern, .. } => {
            if pattern.len() > MAX_DASHES {
                return (
                    Some(format!(
                        "{} dash lengths, over the limit of {MAX_DASHES}",
                        pattern.len()
                    )),
                    0,
                );
            }
            if !pattern.is_empty() && pattern.iter().all(|d| *d == 0) {
                return (Some("a dash pattern needs a length above zero".into()), 0);
            }
            (None, 0)
        }
        DrawOp::SetPaint(Paint::Linear {
            x0,
            y0,
            x1,
            y1,
            stops,
        }) => (check_gradient(&[*x0, *y0, *x1, *y1], stops), 0),
        DrawOp::SetPaint(Paint::Radial {
            cx,
            cy,
            radius,
            stops,
        }) => (check_gradient(&[*cx, *cy, *radius], stops), 0),
        DrawOp::SetTransform { sx, sy, tx, ty } => {
            let scale_ok = |s: f32| s.is_finite() && s.abs() <= 1e4;
            let ok = scale_ok(*sx) && scale_ok(*sy) && coord_ok(*tx) && coord_ok(*ty);
            (
                if ok {
                    None
                } else {
                    Some("transform scales must be within ±10000 and offsets finite".into())
                },
                0,
            )
        }
        DrawOp::SetClip(rects) => {
            if rects.len() > MAX_CLIP_RECTS {
                return (
                    Some(format!(
                        "{} clip rectangles, over the limit of {MAX_CLIP_RECTS}",
                        rects.len()
                    )),
                    0,
                );
            }
            (
                if rects.iter().all(rect_ok) {
                    None
                } else {
                    out_of_range()
                },
                rects.len(),
            )
        }
        DrawOp::FillRect(r) | DrawOp::StrokeRect(r) | DrawOp::FillEllipse(r) | DrawOp::StrokeEllipse(r) => {
            (if rect_ok(r) { None } else { out_of_range() }, 4)
        }
        DrawOp::FillRoundRect { rect, .. } | DrawOp::StrokeRoundRect { rect, .. } => {
            (if rect_ok(rect) { None } else { out_of_range() }, 8)
        }
        DrawOp::Arc { rect, .. } | DrawOp::FillPie { rect, .. } => {
            (if rect_ok(rect) { None } else { out_of_range() }, 8)
        }
        DrawOp::Line { x1, y1, x2, y2 } => {
            let ok = [x1, y1, x2, y2].iter().all(|v| coord_ok(**v as f32));
            (if ok { None } else { out_of_range() }, 2)
        }
        DrawOp::Points(points) | DrawOp::FillPolygon(points) | DrawOp::Polyline { points, .. } => (
            if points_ok(points) { None } else { out_of_range() },
            points.len(),
        ),
        DrawOp::FillPath(segs) | DrawOp::StrokePath(segs) => {
            let ok = segs.iter().all(|s| match *s {
                PathSeg::MoveTo(x, y) | PathSeg::LineTo(x, y) => coord_ok(x) && coord_ok(y),
                PathSeg::QuadTo(a, b, c, d) => [a, b, c, d].into_iter().all(coord_ok),
                PathSeg::CubicTo(a, b, c, d, e, f) => [a, b, c, d, e, f].into_iter().all(coord_ok),
                PathSeg::Close => true,
            });
            (if ok { None } else { out_of_range() }, segs.len())
        }
        DrawOp::DrawImage { src, dst, .. } => {
            if src.is_empty() || dst.is_empty() {
                return (
                    Some("an image's source and destination must not be empty".into()),
                    0,
                );
            }
            (
                if rect_ok(src) && rect_ok(dst) {
                    None
                } else {
                    out_of_range()
                },
                4,
            )
        }
        DrawOp::CopyArea { src, x, y, .. } => {
            let ok = rect_ok(src) && coord_ok(*x as f32) && coord_ok(*y as f32);
            (if ok { None } else { out_of_range() }, 4)
        }
        DrawOp::SetColor(_)
        | DrawOp::SetLineWidth(_)
        | DrawOp::SetFontSize(_)
        | DrawOp::Clear
        | DrawOp::SetPaint(Paint::Solid(_))
        | DrawOp::SetAntialias(_)
        | DrawOp::SetBlend(_)
        | DrawOp::SetLineCap(_)
        | DrawOp::SetLineJoin(_)
        | DrawOp::SetFillRule(_)
        | DrawOp::SetFontFace(_) => (None, 0),
    }
}

fn check_gradient(coords: &[f32], stops: &[dispd_protocol::GradientStop]) -> Option<String> {
    if !(2..=16).contains(&stops.len()) {
        return Some(format!("a gradient needs 2 to 16 stops, not {}", stops.len()));
    }
    if !coords.iter().all(|v| coord_ok(*v)) || !stops.iter().all(|s| (0.0..=1.0).contains(&s.offset)) {
        return Some("gradient points must be finite and stop offsets within 0.0..=1.0".into());
    }
    None
}

fn apply(
    fb: &mut Framebuffer,
    target: Drawable,
    fonts: &mut Fonts,
    sources: &dyn Sources,
    st: &mut State,
    damage: &mut Damage,
    op: &DrawOp,
) {
    if gradient_on_crisp_lines(fb, st, op) {
        return gradient_lines(fb, target, fonts, sources, st, damage, op);
    }
    let before = damage.0;
    let mut touched = Damage::default();
    match op {
        DrawOp::SetColor(c) => st.paint = Paint::Solid(*c),
        DrawOp::SetPaint(p) => st.paint = p.clone(),
        DrawOp::SetLineWidth(w) => st.line_width = (*w).max(1),
        DrawOp::SetFontSize(px) => st.font_px = *px,
        DrawOp::SetFontFace(f) => st.face = *f,
        DrawOp::SetAntialias(on) => st.aa = *on,
        DrawOp::SetBlend(b) => st.blend = *b,
        DrawOp::SetLineCap(c) => st.cap = *c,
        DrawOp::SetLineJoin(j) => st.join = *j,
        DrawOp::SetFillRule(r) => st.fill_rule = *r,
        DrawOp::SetDash { pattern, offset } => {
            let mut lengths: Vec<f32> = pattern.iter().map(|d| f32::from(*d)).collect();
            if lengths.len() % 2 == 1 {
                lengths.extend_from_within(..);
            }
            st.dash = StrokeDash::new(lengths, f32::from(*offset));
        }
        DrawOp::SetTransform { sx, sy, tx, ty } => st.transform = (*sx, *sy, *tx, *ty),
        DrawOp::SetClip(rects) => st.clip = make_clip(fb, rects),
        DrawOp::Clear => {
            let bounds = fb.bounds();
            let saved = std::mem::replace(&mut st.transform, (1.0, 1.0, 0.0, 0.0));
            fill_rect(fb, st, bounds, &mut touched);
            st.transform = saved;
        }
        DrawOp::FillRect(r) => fill_rect(fb, st, *r, &mut touched),
        DrawOp::Line { x1, y1, x2, y2 } => {
            lines(fb, st, [((*x1, *y1), (*x2, *y2))].into_iter(), &mut touched)
        }
        DrawOp::Segments(run) => {
            let pairs = run
                .iter()
                .map(|s| ((s.x1.into(), s.y1.into()), (s.x2.into(), s.y2.into())));
            lines(fb, st, pairs, &mut touched);
        }
        DrawOp::FillRects(run) => fill_rects(fb, st, run.iter().map(Rect::from), &mut touched),
        DrawOp::Points(points) => {
            let w = u32::from(st.line_width);
            let half = (w / 2) as f32;
            let saved = std::mem::replace(&mut st.transform, (1.0, 1.0, 0.0, 0.0));
            for p in points {
                let (x, y) = {
                    let (sx, sy, tx, ty) = saved;
                    (p.x as f32 * sx + tx, p.y as f32 * sy + ty)
                };
                let r = Rect::new((x - half).round() as i32, (y - half).round() as i32, w, w);
                fill_rect(fb, st, r, &mut touched);
            }
            st.transform = saved;
        }
        DrawOp::Polyline { points, closed } => match Pen::crisp(fb, st).filter(|_| points.len() > 1) {
            Some(pen) => {
                let at = points.iter().map(|p| (p.x, p.y));
                crisp_polyline(fb, &pen, st.clip.as_ref(), at, *closed, &mut touched);
            }
            None => {
                if let Some(path) = shapes::polyline(points, *closed, 0.5) {
                    stroke(fb, st, &path, &mut touched);
                }
            }
        },
        DrawOp::Lines(run) => match Pen::crisp(fb, st).filter(|_| run.len() > 1) {
            Some(pen) => {
                let at = run.iter().map(|p| (i32::from(p.x), i32::from(p.y)));
                crisp_polyline(fb, &pen, st.clip.as_ref(), at, false, &mut touched);
            }
            None => {
                let points: Vec<Point> = run
                    .iter()
                    .map(|p| Point {
                        x: p.x.into(),
                        y: p.y.into(),
                    })
                    .collect();
                if let Some(path) = shapes::polyline(&points, false, 0.5) {
                    stroke(fb, st, &path, &mut touched);
                }
            }
        },
        DrawOp::StrokeEllipses(run) => ellipses(fb, st, run.iter().map(Rect::from), false, &mut touched),
        DrawOp::FillEllipses(run) => ellipses(fb, st, run.iter().map(Rect::from), true, &mut touched),
        DrawOp::StrokeRect(r) => {
            if let Some(path) = shapes::rect(*r, f32::from(st.line_width) / 2.0) {
                stroke(fb, st, &path, &mut touched);
            }
        }
        DrawOp::FillRoundRect { rect, radius } => {
            if let Some(path) = shapes::round_rect(*rect, f32::from(*radius), 0.0) {
                fill(fb, st, &path, &mut touched);
            }
        }
        DrawOp::StrokeRoundRect { rect, radius } => {
            if let Some(path) = shapes::round_rect(*rect, f32::from(*radius), f32::from(st.line_width) / 2.0)
            {
                stroke(fb, st, &path, &mut touched);
            }
        }
        DrawOp::FillPolygon(points) => {
            if let Some(path) = shapes::polyline(points, true, 0.0) {
                fill(fb, st, &path, &mut touched);
            }
        }
        DrawOp::FillPath(segs) => {
            if let Some(path) = shapes::path(segs) {
                fill(fb, st, &path, &mut touched);
            }
        }
        DrawOp::StrokePath(segs) => {
            if let Some(path) = shapes::path(segs) {
                stroke(fb, st, &path, &mut touched);
            }
        }
        DrawOp::FillEllipse(r) => ellipses(fb, st, [*r].into_iter(), true, &mut touched),
        DrawOp::StrokeEllipse(r) => ellipses(fb, st, [*r].into_iter(), false, &mut touched),
        DrawOp::Arc { rect, start, sweep } => {
            if let Some(path) = shapes::arc(*rect, *start, *sweep, false, f32::from(st.line_width) / 2.0) {
                stroke(fb, st, &path, &mut touched);
            }
        }
        DrawOp::FillPie { rect, start, sweep } => {
            if let Some(path) = shapes::arc(*rect, *start, *sweep, true, 0.0) {
                fill(fb, st, &path, &mut touched);
            }
        }
        DrawOp::Text { x, y, text } => {
            let (px, py) = st.map(*x as f32, *y as f32);
            let color = st.flat_color();
            let copy = st.copy();
            let max_x = i64::from(fb.width());
            let mut sink = TextSink {
                // One clip rectangle (or none) clips each glyph as a whole; a union of several is
                // tested pixel by pixel, as are replacing (`Copy`) blends.
                single_clip: st.single_clip(fb.bounds()).filter(|_| !copy),
                clip: st.clip.as_ref(),
                copy,
                color,
                ink: super::CoverageInk::new(color),
                fb,
            };
            let ink = fonts.render(
                st.face,
                st.font_px,
                (px.round() as i32, py.round() as i32),
                text,
                max_x,
                &mut sink,
            );
            if let Some((a, b, c, d)) = ink {
                touched.add(a, b, c, d);
            }
        }
        DrawOp::DrawImage { image, src, dst } => {
            draw_image(fb, target, sources, st, *image, *src, *dst, &mut touched)
        }
        DrawOp::CopyArea { source, src, x, y } => {
            copy_area(fb, target, sources, st, *source, *src, (*x, *y), &mut touched)
        }
    }
    if let Some((a, b, c, d)) = touched.0 {
        *damage = Damage(before);
        damage.add(a, b, c, d);
    }
}

/// Whether `op` draws X-style lines ([`Pen::crisp`]) with a gradient.
fn gradient_on_crisp_lines(fb: &Framebuffer, st: &State, op: &DrawOp) -> bool {
    matches!(
        op,
        DrawOp::Line { .. } | DrawOp::Segments(_) | DrawOp::Lines(_) | DrawOp::Polyline { .. }
    ) && st.solid().is_none()
        && Pen::crisp(fb, st).is_some()
}

/// Draws X-style lines with a gradient: their pixels are found by drawing `op` in one colour,
/// unclipped, on a blank framebuffer the size of the box around its points (the same walk and
/// caps as a solid colour's: a clip only filters that walk's pixels), then each of them inside
/// the clip takes the gradient's colour at its centre, as tiny-skia paints the gradient on any
/// other shape, blended as the state says. The work is bounded by that box, which
/// [`super::cost`] counts.
#[inline(never)]
fn gradient_lines(
    fb: &mut Framebuffer,
    target: Drawable,
    fonts: &mut Fonts,
    sources: &dyn Sources,
    st: &mut State,
    damage: &mut Damage,
    op: &DrawOp,
) {
    let Some((dx, dy)) = st.integer_offset() else {
        return;
    };
    let (mut x0, mut y0, mut x1, mut y1) = (i64::MAX, i64::MAX, i64::MIN, i64::MIN);
    for (x, y) in super::cost::line_points(op) {
        let (x, y) = (i64::from(x) + i64::from(dx), i64::from(y) + i64::from(dy));
        (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
    }
    let Some(area) = Damage(Some((x0, y0, x1.saturating_add(1), y1.saturating_add(1)))).clip(fb.bounds())
    else {
        return;
    };
    // The lines' pixels inside `area`, drawn from its corner.
    let mut marks = Framebuffer::new_transparent(dispd_protocol::Size::new(area.width, area.height));
    let mut drawing = State {
        paint: Paint::Solid(Color::WHITE),
        blend: BlendMode::Copy,
        transform: (1.0, 1.0, (dx - area.x) as f32, (dy - area.y) as f32),
        clip: None,
        dash: None,
        ellipses: spans::EllipseCache::default(),
        ..*st
    };
    apply(
        &mut marks,
        target,
        fonts,
        sources,
        &mut drawing,
        &mut Damage::default(),
        op,
    );
    // Which pixels are the lines'; then the same buffer takes the gradient over `area`, in the
    // framebuffer's layout (`skia_paint` swaps the channels).
    let marked: Vec<bool> = marks.pixels().iter().map(|p| *p != 0).collect();
    let mut paint = st.skia_paint();
    paint.blend_mode = tiny_skia::BlendMode::Source;
    paint.anti_alias = false;
    paint.shader.transform(
        st.skia_transform()
            .post_translate(-(area.x as f32), -(area.y as f32)),
    );
    let Some(whole) = tiny_skia::Rect::from_xywh(0.0, 0.0, area.width as f32, area.height as f32) else {
        return;
    };
    if let Some(mut shade) = skia::pixmap_mut(&mut marks) {
        shade.fill_rect(whole, &paint, Transform::identity(), None);
    }
    let single = st.single_clip(fb.bounds());
    let inside = |x: i64, y: i64| match single {
        Some(c) => spans::clip_has(c, x, y),
        None => st.clip.as_ref().is_some_and(|c| c.contains(x, y)),
    };
    let (copy, opaque) = (st.copy(), fb.is_opaque());
    let (left, right) = (area.x as usize, area.right() as usize);
    let mut touched = Damage::default();
    let rows = marked.chunks_exact(area.width as usize);
    let colors = marks.pixels().chunks_exact(area.width as usize);
    for ((y, marked), colors) in (area.y..).zip(rows).zip(colors) {
        let row = &mut fb.row_mut(y as u32)[left..right];
        for (x, ((p, m), &src)) in (area.x..).zip(row.iter_mut().zip(marked).zip(colors)) {
            if !*m || !inside(i64::from(x), i64::from(y)) {
                continue;
            }
            *p = match (copy, src >> 24) {
                (true, _) if opaque => src | 0xff00_0000,
                (true, _) | (false, 255) => src,
                (false, _) => super::pixel::over(*p, src),
            };
            touched.add(x.into(), y.into(), i64::from(x) + 1, i64::from(y) + 1);
        }
    }
    damage.add_damage(touched);
}

fn make_clip(fb: &Framebuffer, rects: &[Rect]) -> Option<Clip> {
    if rects.is_empty() {
        return None;
    }
    let mut mask = Mask::new(fb.width(), fb.height())?;
    let mut pb = tiny_skia::PathBuilder::new();
    for r in rects {
        if let Some(r) = r.intersect(&fb.bounds()) {
            if let Some(rect) =
                tiny_skia::Rect::from_xywh(r.x as f32, r.y as f32, r.width as f32, r.height as f32)
            {
                pb.push_rect(rect);
            }
        }
    }
    if let Some(path) = pb.finish() {
        mask.fill_path(&path, tiny_skia::FillRule::Winding, false, Transform::identity());
    }
    Some(Clip {
        rects: rects.to_vec(),
        mask,
    })
}

/// A rectangle fill: straight into memory when nothing but a solid colour and a whole-pixel
/// offset is involved, through tiny-skia otherwise.
fn fill_rect(fb: &mut Framebuffer, st: &State, r: Rect, touched: &mut Damage) {
    fill_rects(fb, st, std::iter::once(r), touched);
}

/// Fills each rectangle with the paint. A solid colour, a whole-pixel translation and at most
/// one clip rectangle (worked out once for all of them) fill rows straight; anything else goes
/// through tiny-skia.
fn fill_rects(fb: &mut Framebuffer, st: &State, rects: impl Iterator<Item = Rect>, touched: &mut Damage) {
    if let (Some(color), Some((dx, dy))) = (st.solid(), st.integer_offset()) {
        match st.single_clip(fb.bounds()) {
            Some(clip) => {
                let ink = spans::Ink::new(fb, color, st.copy());
                for r in rects {
                    if let Some(r) = r.translate(dx, dy).intersect(&clip) {
                        ink.fill(fb, r);
                        touched.add_rect(r);
                    }
                }
            }
            None => {
                for r in rects {
                    fill_rect_skia(fb, st, r.translate(dx, dy), touched, Transform::identity());
                }
            }
        }
        return;
    }
    for r in rects {
        fill_rect_skia(fb, st, r, touched, st.skia_transform());
    }
}

#[inline(never)]
fn fill_rect_skia(fb: &mut Framebuffer, st: &State, r: Rect, touched: &mut Damage, ts: Transform) {
    // In device space, cut to the framebuffer first: tiny-skia rounds a rectangle's left and
    // top edges half up, so one starting at -3 would fill from -2, a column too wide.
    let r = if ts.is_identity() {
        match r.intersect(&fb.bounds()) {
            Some(r) => r,
            None => return,
        }
    } else {
        r
    };
    let Some(rect) = tiny_skia::Rect::from_xywh(r.x as f32, r.y as f32, r.width as f32, r.height as f32)
    else {
        return;
    };
    let paint = st.skia_paint();
    let mut op = Damage::default();
    op.add_bounds(rect, ts, 1.0);
    skia_draw(fb, st, op, paint.blend_mode, |pm, mask| {
        pm.fill_rect(rect, &paint, ts, mask)
    });
    touched.add_damage(op);
}

#[inline(never)]
fn fill(fb: &mut Framebuffer, st: &State, path: &Path, touched: &mut Damage) {
    let ts = st.skia_transform();
    let paint = st.skia_paint();
    let mut op = Damage::default();
    op.add_bounds(path.bounds(), ts, 1.0);
    skia_draw(fb, st, op, paint.blend_mode, |pm, mask| {
        pm.fill_path(path, &paint, st.skia_fill_rule(), ts, mask)
    });
    touched.add_damage(op);
}

#[inline(never)]
fn stroke(fb: &mut Framebuffer, st: &State, path: &Path, touched: &mut Damage) {
    let ts = st.skia_transform();
    let paint = st.skia_paint();
    let stroke = st.stroke();
    let mut op = Damage::default();
    // Miter joins reach out to miter_limit half-widths, in user space: scaled by the transform.
    let scale = st.transform.0.abs().max(st.transform.1.abs());
    op.add_bounds(
        path.bounds(),
        ts,
        stroke.width * scale * stroke.miter_limit / 2.0 + 2.0,
    );
    skia_draw(fb, st, op, paint.blend_mode, |pm, mask| {
        pm.stroke_path(path, &paint, &stroke, ts, mask)
    });
    touched.add_damage(op);
}

/// Runs a tiny-skia draw whose pixels all lie in `op`, under the state's clip. tiny-skia's
/// `Source` blend (dispd's `Copy`) under a mask stores transparent black where the mask is
/// zero in the runs it blits whole (that pipeline scales the colour by the mask but never
/// reads the pixel back), so a replacing blend under a clip draws without the mask and then
/// puts back every pixel of `op` outside the clip.
#[inline(never)]
fn skia_draw(
    fb: &mut Framebuffer,
    st: &State,
    op: Damage,
    blend: tiny_skia::BlendMode,
    draw: impl FnOnce(&mut tiny_skia::PixmapMut<'_>, Option<&Mask>),
) {
    let replacing = blend == tiny_skia::BlendMode::Source;
    let Some(clip) = st.clip.as_ref().filter(|_| replacing) else {
        if let Some(mut pm) = skia::pixmap_mut(fb) {
            draw(&mut pm, st.clip.as_ref().map(|c| &c.mask));
        }
        return;
    };
    let Some(area) = op.clip(fb.bounds()) else {
        return;
    };
    let (x0, x1) = (area.x as usize, area.right() as usize);
    let rows = area.y as u32..area.bottom() as u32;
    let saved: Vec<u32> = rows.clone().flat_map(|y| fb.row(y)[x0..x1].to_vec()).collect();
    if let Some(mut pm) = skia::pixmap_mut(fb) {
        draw(&mut pm, None);
    }
    let width = fb.width() as usize;
    let inside = clip.mask.data();
    for (y, old) in rows.zip(saved.chunks_exact(x1 - x0)) {
        let start = y as usize * width;
        let kept = &inside[start + x0..start + x1];
        let row = &mut fb.row_mut(y)[x0..x1];
        for ((p, o), m) in row.iter_mut().zip(old).zip(kept) {
            if *m == 0 {
                *p = *o;
            }
        }
    }
}

/// Fills (or strokes, with the line state) the ellipses inscribed in `rects`: spans and cached
/// outlines when the state is crisp, else tiny-skia paths.
fn ellipses(
    fb: &mut Framebuffer,
    st: &mut State,
    rects: impl Iterator<Item = Rect>,
    fill: bool,
    touched: &mut Damage,
) {
    // Aliased ellipses of one colour are the spans' pixels under any clip: one rectangle
    // clips their rows, a union of several is tested pixel by pixel (through tiny-skia the
    // edges would move with the clip's shape).
    let crisp = (!st.aa)
        .then(|| Some((st.solid()?, st.integer_offset()?)))
        .flatten()
        .filter(|_| fill || (st.line_width == 1 && st.dash.is_none()));
    match crisp {
        Some((color, (dx, dy))) => {
            let ink = spans::Ink::new(fb, color, st.copy());
            let (clip, several) = match st.single_clip(fb.bounds()) {
                Some(clip) => (clip, None),
                None => {
                    let union = st.clip.as_ref().map_or(fb.bounds(), |c| {
                        c.rects.iter().fold(Rect::default(), |u, r| u.union(r))
                    });
                    (
                        union.intersect(&fb.bounds()).unwrap_or_default(),
                        st.clip.as_ref(),
                    )
                }
            };
            let test = several.map(|c| move |x: i64, y: i64| c.contains(x, y));
            let keep = test.as_ref().map(|t| t as &dyn Fn(i64, i64) -> bool);
            for r in rects {
                let r = r.translate(dx, dy);
                let done = if fill {
                    spans::fill_ellipse(fb, ink, clip, r, &mut st.ellipses, keep)
                } else {
                    spans::stroke_ellipse(fb, ink, clip, r, &mut st.ellipses, keep)
                };
                if let Some(done) = done {
                    touched.add_rect(done);
                }
            }
        }
        None => {
            let half_width = if fill { 0.0 } else { f32::from(st.line_width) / 2.0 };
            for r in rects {
                if let Some(path) = shapes::ellipse(r, half_width) {
                    if fill {
                        self::fill(fb, st, &path, touched);
                    } else {
                        stroke(fb, st, &path, touched);
                    }
                }
            }
        }
    }
}

/// X-style lines through `points`, offset by the pen's translation (and from the last back to
/// the first when `closed`).
fn crisp_polyline(
    fb: &mut Framebuffer,
    pen: &Pen,
    clip: Option<&Clip>,
    points: impl Iterator<Item = (i32, i32)> + Clone,
    closed: bool,
    touched: &mut Damage,
) {
    if let Some((c, bounds)) = pen.holds(points.clone()) {
        let shift = pen.shift();
        pen.ink
            .polyline_inside(fb, c, points.map(shift), closed, pen.with_end);
        touched.add(bounds.0, bounds.1, bounds.2, bounds.3);
        return;
    }
    let (dx, dy) = pen.offset;
    let at = points.map(move |(x, y)| (x.saturating_add(dx), y.saturating_add(dy)));
    let Some(first) = at.clone().next() else { return };
    let closing = closed.then(|| (at.clone().last().unwrap_or(first), first));
    let pairs = at.clone().zip(at.skip(1)).chain(closing);
    let mut walk = CrispWalk::new(fb, pen, clip, touched);
    for (a, b) in pairs {
        walk.line(a, b);
    }
    walk.finish();
}

/// Draws X-style lines one after another, where they are not all inside the pen's one clip
/// rectangle. A line with both ends inside it is walked by index, and only widens a box that
/// becomes damage once, at the end; any other goes through [`bresenham`].
struct CrispWalk<'a> {
    fb: &'a mut Framebuffer,
    pen: &'a Pen,
    clip: Option<&'a Clip>,
    touched: &'a mut Damage,
    /// The box of the lines walked by index, ends exclusive (empty while `x0 >= x1`).
    inside: (i64, i64, i64, i64),
}

impl<'a> CrispWalk<'a> {
    fn new(fb: &'a mut Framebuffer, pen: &'a Pen, clip: Option<&'a Clip>, touched: &'a mut Damage) -> Self {
        Self {
            fb,
            pen,
            clip,
            touched,
            inside: (i64::MAX, i64::MAX, i64::MIN, i64::MIN),
        }
    }

    /// Adds the box of the lines walked by index to the damage.
    fn finish(self) {
        let (x0, y0, x1, y1) = self.inside;
        if x0 < x1 {
            self.touched.add(x0, y0, x1, y1);
        }
    }

    /// Widens the box of lines walked by index to hold `(x0, y0, x1, y1)`, ends exclusive.
    fn widen(&mut self, (x0, y0, x1, y1): (i64, i64, i64, i64)) {
        let b = &mut self.inside;
        *b = (b.0.min(x0), b.1.min(y0), b.2.max(x1), b.3.max(y1));
    }

    fn line(&mut self, a: (i32, i32), b: (i32, i32)) {
        let (a, b) = ((i64::from(a.0), i64::from(a.1)), (i64::from(b.0), i64::from(b.1)));
        match self.pen.single_clip {
            Some(c) if spans::clip_has(c, a.0, a.1) && spans::clip_has(c, b.0, b.1) => {
                self.pen.ink.line_inside(self.fb, c, a, b, self.pen.with_end);
                self.widen((a.0.min(b.0), a.1.min(b.1), a.0.max(b.0) + 1, a.1.max(b.1) + 1));
            }
            _ => bresenham(
                self.fb,
                self.pen,
                self.clip,
                (a.0 as i32, a.1 as i32),
                (b.0 as i32, b.1 as i32),
                self.touched,
            ),
        }
    }
}

/// What X-style 1-pixel lines need from the state, worked out once per op.
struct Pen {
    ink: spans::Ink,
    /// The one clip rectangle within the framebuffer (the framebuffer when there is no clip);
    /// `None` for a union of several, tested pixel by pixel.
    single_clip: Option<Rect>,
    /// The transform, a whole-pixel translation.
    offset: (i32, i32),
    /// Whether a line paints its last pixel (all caps but X's `CapNotLast`).
    with_end: bool,
}

impl Pen {
    /// The pen's one clip rectangle and the box of `points` after the offset (ends exclusive),
    /// when every point lies inside that rectangle: the usual case, in which a run is walked
    /// by index without a test per line. Worked out in 64 bits, where no coordinate gets near
    /// its type's ends (the per-line path saturates instead).
    fn holds(&self, points: impl Iterator<Item = (i32, i32)>) -> Option<(Rect, (i64, i64, i64, i64))> {
        let c = self.single_clip?;
        let (mut x0, mut y0, mut x1, mut y1) = (i32::MAX, i32::MAX, i32::MIN, i32::MIN);
        for (x, y) in points {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
        let shift = self.shift();
        let ((x0, y0), (x1, y1)) = (shift((x0, y0)), shift((x1, y1)));
        (x0 <= x1 && spans::clip_has(c, x0, y0) && spans::clip_has(c, x1, y1))
            .then_some((c, (x0, y0, x1 + 1, y1 + 1)))
    }

    /// A point moved by the pen's offset, in 64 bits.
    fn shift(&self) -> impl Fn((i32, i32)) -> (i64, i64) + Copy {
        let (dx, dy) = (i64::from(self.offset.0), i64::from(self.offset.1));
        move |(x, y)| (i64::from(x) + dx, i64::from(y) + dy)
    }

    /// The pen for the state, when its lines are X-style (width 1, solid, aliased, a
    /// whole-pixel translation); `None` when they are stroked as paths.
    fn crisp(fb: &Framebuffer, st: &State) -> Option<Pen> {
        if st.line_width != 1 || st.dash.is_some() || st.aa {
            return None;
        }
        Some(Pen {
            ink: spans::Ink::new(fb, st.flat_color(), st.copy()),
            single_clip: st.single_clip(fb.bounds()),
            offset: st.integer_offset()?,
            with_end: st.cap != LineCap::NotLast,
        })
    }
}

/// Lines from `a` to `b` for each pair, with the line state: X-style pixels (Bresenham) when
/// the state is the default one, else each stroked as a two-point polyline.
fn lines(
    fb: &mut Framebuffer,
    st: &State,
    pairs: impl Iterator<Item = ((i32, i32), (i32, i32))> + Clone,
    touched: &mut Damage,
) {
    match Pen::crisp(fb, st) {
        Some(pen) => {
            if let Some((c, bounds)) = pen.holds(pairs.clone().flat_map(|(a, b)| [a, b])) {
                let shift = pen.shift();
                pen.ink
                    .lines_inside(fb, c, pairs.map(|(a, b)| (shift(a), shift(b))), pen.with_end);
                touched.add(bounds.0, bounds.1, bounds.2, bounds.3);
                return;
            }
            let (dx, dy) = pen.offset;
            let at = move |(x, y): (i32, i32)| (x.saturating_add(dx), y.saturating_add(dy));
            let mut walk = CrispWalk::new(fb, &pen, st.clip.as_ref(), touched);
            for (a, b) in pairs {
                walk.line(at(a), at(b));
            }
            walk.finish();
        }
        None => {
            for (a, b) in pairs {
                let pts = [Point { x: a.0, y: a.1 }, Point { x: b.0, y: b.1 }];
                if let Some(path) = shapes::polyline(&pts, false, 0.5) {
                    stroke(fb, st, &path, touched);
                }
            }
        }
    }
}

/// An aliased 1-pixel line, X-style: both ends included, or all but the last pixel for X's
/// `CapNotLast`. The part outside the framebuffer is skipped, not clipped off: the pixels
/// inside are the whole line's, and the cost is bounded by the framebuffer's size whatever the
/// coordinates.
///
/// Kept out of line, as the tiny-skia paths are (`fill`, `stroke`, `fill_rect_skia`,
/// `skia_draw`, `draw_image`): inlined into the batch's loop, these slow paths slowed the fast
/// ones beside them (`raster_bench seg10` 12.5 → 16 ns a segment).
#[inline(never)]
fn bresenham(
    fb: &mut Framebuffer,
    pen: &Pen,
    clip: Option<&Clip>,
    from: (i32, i32),
    to: (i32, i32),
    touched: &mut Damage,
) {
    let (x1, y1) = (i64::from(from.0), i64::from(from.1));
    let (x2, y2) = (i64::from(to.0), i64::from(to.1));
    let (ink, single_clip) = (pen.ink, pen.single_clip);
    if let Some(clip) = single_clip.filter(|&c| spans::clip_has(c, x1, y1) && spans::clip_has(c, x2, y2)) {
        // Both ends inside one rectangle: so is every pixel between them.
        ink.line_inside(fb, clip, (x1, y1), (x2, y2), pen.with_end);
        touched.add(x1.min(x2), y1.min(y2), x1.max(x2) + 1, y1.max(y2) + 1);
        return;
    }
    let bounds = fb.bounds();
    let size = (i64::from(fb.width()), i64::from(fb.height()));
    let mut painted = Damage::default();
    spans::line_pixels_within((x1, y1), (x2, y2), pen.with_end, size, |x, y| {
        match single_clip {
            Some(clip) => ink.plot(fb, clip, x, y),
            None => {
                if clip.is_none_or(|c| c.contains(x, y)) {
                    ink.plot(fb, bounds, x, y);
                }
            }
        }
        painted.add(x, y, x + 1, y + 1);
    });
    touched.add_damage(painted);
}

#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn draw_image(
    fb: &mut Framebuffer,
    target: Drawable,
    sources: &dyn Sources,
    st: &State,
    image: Drawable,
    src: Rect,
    dst: Rect,
    touched: &mut Damage,
) {
    // Drawing a drawable into itself reads a copy of the source area, and so does drawing a
    // window, whose alpha bytes mean nothing to tiny-skia: the copy has them at 255.
    let from_self = image == target;
    let own_copy;
    let (source, src) = if from_self || sources.get(image).is_some_and(Framebuffer::is_opaque) {
        let Some(original) = (if from_self { Some(&*fb) } else { sources.get(image) }) else {
            return;
        };
        let Some(area) = src.intersect(&original.bounds()) else {
            return;
        };
        let mut part = Framebuffer::new_transparent(area.size());
        part.copy_from(original, area, 0, 0);
        own_copy = part;
        (
            &own_copy,
            Rect::new(src.x - area.x, src.y - area.y, src.width, src.height),
        )
    } else {
        let Some(s) = sources.get(image) else {
            return;
        };
        (s, src)
    };
    let Some(pixmap) = skia::pixmap_ref(source) else {
        return;
    };
    let (sx, sy) = (
        dst.width as f32 / src.width as f32,
        dst.height as f32 / src.height as f32,
    );
    let ts = Transform::from_row(
        sx,
        0.0,
        0.0,
        sy,
        dst.x as f32 - src.x as f32 * sx,
        dst.y as f32 - src.y as f32 * sy,
    );
    let quality = if st.aa {
        tiny_skia::FilterQuality::Bilinear
    } else {
        tiny_skia::FilterQuality::Nearest
    };
    let shader = tiny_skia::Pattern::new(pixmap, tiny_skia::SpreadMode::Pad, quality, 1.0, ts);
    let paint = tiny_skia::Paint {
        shader,
        blend_mode: st.skia_blend(),
        anti_alias: false,
        force_hq_pipeline: false,
    };
    // Only the part of dst that src really covers is painted.
    let covered = Rect::new(
        dst.x,
        dst.y,
        ((source.width() as f32 - src.x as f32).max(0.0) * sx).min(dst.width as f32) as u32,
        ((source.height() as f32 - src.y as f32).max(0.0) * sy).min(dst.height as f32) as u32,
    );
    // Cut to the framebuffer, as in `fill_rect_skia`.
    let Some(covered) = covered.intersect(&fb.bounds()) else {
        return;
    };
    let Some(rect) = tiny_skia::Rect::from_xywh(
        covered.x as f32,
        covered.y as f32,
        covered.width as f32,
        covered.height as f32,
    ) else {
        return;
    };
    let mut op = Damage::default();
    op.add_rect(covered);
    skia_draw(fb, st, op, paint.blend_mode, |pm, mask| {
        pm.fill_rect(rect, &paint, Transform::identity(), mask)
    });
    touched.add_damage(op);
}

#[allow(clippy::too_many_arguments)]
fn copy_area(
    fb: &mut Framebuffer,
    target: Drawable,
    sources: &dyn Sources,
    st: &State,
    source: Drawable,
    src: Rect,
    (x, y): (i32, i32),
    touched: &mut Damage,
) {
    let dest = Rect::new(x, y, src.width, src.height);
    // Within one drawable under several clip rectangles, each part reads the source as it was
    // before the copy, not as an earlier part left it: from a snapshot of the source area.
    let several = st.clip.as_ref().is_some_and(|c| c.rects.len() > 1);
    let snapshot = (source == target && several)
        .then(|| src.intersect(&fb.bounds()))
        .flatten()
        .map(|area| {
            let mut copy = if fb.is_opaque() {
                Framebuffer::new(area.size(), Color::BLACK)
            } else {
                Framebuffer::new_transparent(area.size())
            };
            copy.copy_from(fb, area, 0, 0);
            (copy, area)
        });
    let mut copy_part = |part: Rect| {
        let from = part.translate(src.x - x, src.y - y);
        if let Some((copy, area)) = &snapshot {
            fb.copy_from(copy, from.translate(-area.x, -area.y), part.x, part.y);
        } else if source == target {
            fb.copy_within(from, part.x, part.y);
        } else if let Some(s) = sources.get(source) {
            fb.copy_from(s, from, part.x, part.y);
        }
        touched.add_rect(part);
    };
    match &st.clip {
        None => copy_part(dest),
        Some(c) => c
            .rects
            .iter()
            .filter_map(|r| r.intersect(&dest))
            .for_each(copy_part),
    }
}

/// The bounding box of what a batch or an op touched.
#[derive(Clone, Copy, Default)]
struct Damage(Option<(i64, i64, i64, i64)>);

impl Damage {
    fn add_rect(&mut self, r: Rect) {
        self.add(i64::from(r.x), i64::from(r.y), r.right(), r.bottom());
    }

    /// Adds `rect` mapped by `ts`, grown by `grow` pixels on every side.
    fn add_bounds(&mut self, rect: tiny_skia::Rect, ts: Transform, grow: f32) {
        let Some(r) = rect.transform(ts) else { return };
        let g = grow + 1.0;
        let clamp = |v: f32| v.clamp(-MAX_COORD * 1e3, MAX_COORD * 1e3) as i64;
        self.add(
            clamp((r.left() - g).floor()),
            clamp((r.top() - g).floor()),
            clamp((r.right() + g).ceil()),
            clamp((r.bottom() + g).ceil()),
        );
    }

    fn add_damage(&mut self, other: Damage) {
        if let Some((x0, y0, x1, y1)) = other.0 {
            self.add(x0, y0, x1, y1);
        }
    }

    fn add(&mut self, x0: i64, y0: i64, x1: i64, y1: i64) {
        self.0 = Some(match self.0 {
            None => (x0, y0, x1, y1),
            Some((a, b, c, d)) => (a.min(x0), b.min(y0), c.max(x1), d.max(y1)),
        });
    }

    fn clip(&self, bounds: Rect) -> Option<Rect> {
        let (x0, y0, x1, y1) = self.0?;
        let x0 = x0.max(0);
        let y0 = y0.max(0);
        let x1 = x1.min(bounds.right());
        let y1 = y1.min(bounds.bottom());
        if x0 >= x1 || y0 >= y1 {
            return None;
        }
        Some(Rect::new(
            x0 as i32,
            y0 as i32,
            (x1 - x0) as u32,
            (y1 - y0) as u32,
        ))
    }
}

/// Paints the glyphs of one `Text` op.
struct TextSink<'a> {
    fb: &'a mut Framebuffer,
    /// The one rectangle glyphs are clipped to, when the clip is one rectangle (or none) and the
    /// blend is not `Copy`.
    single_clip: Option<Rect>,
    clip: Option<&'a Clip>,
    copy: bool,
    color: Color,
    ink: super::CoverageInk,
}

impl TextSink<'_> {
    /// One pixel at coverage `cov`, checked against the bounds and the clip (the slow path).
    fn plot(&mut self, x: i64, y: i64, cov: u8) {
        let bounds = self.fb.bounds();
        let inside = x >= 0 && y >= 0 && x < bounds.right() && y < bounds.bottom();
        if cov == 0 || !inside || self.clip.is_some_and(|c| !c.contains(x, y)) {
            return;
        }
        let one = Rect::new(x as i32, y as i32, 1, 1);
        if self.copy {
            // Replaced in proportion to the coverage, as tiny-skia replaces at a shape's edge:
            // an opaque colour's edges are blended, not darkened or made see-through.
            let i = y as usize * self.fb.width() as usize + x as usize;
            let p = &mut self.fb.pixels_mut()[i];
            *p = super::pixel::lerp(*p, super::pack(self.color), cov);
        } else {
            self.fb.blend_mask((x, y), 1, &[cov], one, &self.ink);
        }
    }
}

impl GlyphSink for TextSink<'_> {
    fn coverage(&mut self, (gx, gy): (i64, i64), glyph: &Glyph) {
        match self.single_clip {
            Some(c) => self
                .fb
                .blend_mask((gx, gy), glyph.width, &glyph.coverage, c, &self.ink),
            None => {
                for (i, &cov) in glyph.coverage.iter().enumerate() {
                    self.plot(gx + (i % glyph.width) as i64, gy + (i / glyph.width) as i64, cov);
                }
            }
        }
    }

    fn bits(&mut self, (x, y): (i64, i64), rows: &[u8; 13], scale: i64) {
        match self.single_clip {
            Some(c) => self.fb.stipple((x, y), rows, 6, scale, c, self.ink.0[255]),
            None => {
                for (r, &bits) in rows.iter().enumerate() {
                    for bit in (0..8).filter(|b| bits & (0x80 >> b) != 0) {
                        for (dx, dy) in (0..scale).flat_map(|dx| (0..scale).map(move |dy| (dx, dy))) {
                            self.plot(x + bit * scale + dx, y + r as i64 * scale + dy, 255);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dispd_protocol::{GradientStop, Size};

    struct NoSources;
    impl Sources for NoSources {
        fn get(&self, _: Drawable) -> Option<&Framebuffer> {
            None
        }
    }

    const T: Drawable = Drawable(1);
    const WHITE: u32 = 0xffff_ffff;

    fn run(f: &mut Framebuffer, ops: &[DrawOp]) -> Result<Option<Rect>, BatchError> {
        draw_batch(f, T, &mut Fonts::load(), &NoSources, ops, 100)
    }

    /// A seeded xorshift: each call a number below its argument.
    fn xorshift(mut state: u32) -> impl FnMut(u32) -> i32 {
        move |n| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state % n) as i32
        }
    }

    fn fb() -> Framebuffer {
        Framebuffer::new(Size::new(20, 20), Color::WHITE)
    }

    fn inked(f: &Framebuffer) -> Vec<(i32, i32)> {
        (0..f.height() as i32)
            .flat_map(|y| (0..f.width() as i32).map(move |x| (x, y)))
            .filter(|&(x, y)| f.get(x, y) != Some(WHITE))
            .collect()
    }

    #[test]
    fn horizontal_line_covers_exactly_its_pixels() {
        let mut f = fb();
        let dmg = run(
            &mut f,
            &[DrawOp::Line {
                x1: 2,
                y1: 5,
                x2: 8,
                y2: 5,
            }],
        )
        .unwrap();
        assert_eq!(inked(&f), (2..=8).map(|x| (x, 5)).collect::<Vec<_>>());
        assert_eq!(dmg, Some(Rect::new(2, 5, 7, 1)));
    }

    #[test]
    fn far_away_line_terminates_and_draws_nothing() {
        let mut f = fb();
        let ops = [DrawOp::Line {
            x1: -16_000_000,
            y1: -16_000_000,
            x2: 16_000_000,
            y2: -5,
        }];
        assert_eq!(run(&mut f, &ops).unwrap(), None);
        assert!(inked(&f).is_empty());
    }

    #[test]
    fn bad_op_changes_nothing() {
        let mut f = fb();
        let ops = [
            DrawOp::Clear,
            DrawOp::Text {
                x: 0,
                y: 0,
                text: "x".repeat(MAX_TEXT_BYTES + 1),
            },
        ];
        assert!(matches!(
            run(&mut f, &ops),
            Err(BatchError::BadOp { index: 1, .. })
        ));
        let ops = [DrawOp::Clear, DrawOp::FillRect(Rect::new(i32::MIN, 0, 1, 1))];
        assert!(matches!(
            run(&mut f, &ops),
            Err(BatchError::BadOp { index: 1, .. })
        ));
        let ops = [
            DrawOp::Clear,
            DrawOp::CopyArea {
                source: Drawable(9),
                src: Rect::new(0, 0, 1, 1),
                x: 0,
                y: 0,
            },
        ];
        assert!(matches!(
            run(&mut f, &ops),
            Err(BatchError::BadDrawable {
                index: 1,
                drawable: 9
            })
        ));
        assert!(inked(&f).is_empty());
    }

    #[test]
    fn aliased_stroke_rect_is_the_edge_pixels() {
        let mut f = fb();
        run(&mut f, &[DrawOp::StrokeRect(Rect::new(2, 3, 5, 4))]).unwrap();
        let mut want = Vec::new();
        for y in 3..7 {
            for x in 2..7 {
                if x == 2 || x == 6 || y == 3 || y == 6 {
                    want.push((x, y));
                }
            }
        }
        assert_eq!(inked(&f), want);
    }

    #[test]
    fn aliased_fill_rect_through_skia_matches_the_fast_path() {
        let mut a = fb();
        let mut b = fb();
        run(&mut a, &[DrawOp::FillRect(Rect::new(3, 4, 5, 6))]).unwrap();
        // A scale of 1.0 but a fractional offset forces tiny-skia; 0.25 rounds to the same pixels.
        run(
            &mut b,
            &[
                DrawOp::SetTransform {
                    sx: 1.0,
                    sy: 1.0,
                    tx: 0.25,
                    ty: 0.25,
                },
                DrawOp::FillRect(Rect::new(3, 4, 5, 6)),
            ],
        )
        .unwrap();
        assert_eq!(inked(&a), inked(&b));
    }

    #[test]
    fn text_has_ink_inside_its_box() {
        let mut f = Framebuffer::new(Size::new(100, 40), Color::WHITE);
        let dmg = run(
            &mut f,
            &[DrawOp::Text {
                x: 2,
                y: 30,
                text: "Hi 你好".into(),
            }],
        )
        .unwrap()
        .unwrap();
        let ink = inked(&f);
        assert!(ink.len() > 40, "ink {}", ink.len());
        assert!(ink.iter().all(|&(x, y)| dmg.contains(x, y)));
    }

    #[test]
    fn text_clipped_by_one_rectangle_or_by_a_union_gives_the_same_pixels() {
        // One clip rectangle takes the glyph-blitting path; the same area as a union of two
        // rectangles is clipped pixel by pixel: both must paint the same pixels, translucent
        // ink included, and nothing outside the clip.
        let text = |clip: Vec<Rect>| {
            let mut f = Framebuffer::new(Size::new(60, 30), Color::WHITE);
            run(
                &mut f,
                &[
                    DrawOp::SetClip(clip),
                    DrawOp::SetColor(Color::rgba(200, 0, 0, 160)),
                    DrawOp::Text {
                        x: 1,
                        y: 20,
                        text: "Wg@".into(),
                    },
                ],
            )
            .unwrap();
            f
        };
        let one = text(vec![Rect::new(5, 0, 30, 17)]);
        let union = text(vec![Rect::new(5, 0, 10, 17), Rect::new(15, 0, 20, 17)]);
        let _ = same_ink_inside(&one, &union, Rect::new(5, 0, 30, 17), 30);
    }

    /// Asserts that `one` and `union` have the same pixels inked, alike and all inside `clip`,
    /// at least `min` of them; returns them.
    fn same_ink_inside(one: &Framebuffer, union: &Framebuffer, clip: Rect, min: usize) -> Vec<(i32, i32)> {
        let (a, b) = (inked(one), inked(union));
        assert!(a.len() > min, "ink {}", a.len());
        assert_eq!(a, b);
        for &(x, y) in &a {
            assert!(clip.contains(x, y), "ink at ({x}, {y}) outside the clip");
            assert_eq!(one.get(x, y), union.get(x, y), "({x}, {y})");
        }
        a
    }

    /// The pixels misc-fixed's `c` sets, cell top-left at `(x, y)`, each bit `scale` square.
    fn fixed_bits(c: char, (x, y): (i32, i32), scale: i32) -> Vec<(i32, i32)> {
        let rows = super::super::fixed_6x13::GLYPHS[c as usize];
        let mut px: Vec<(i32, i32)> = (0..13 * scale)
            .flat_map(|dy| (0..6 * scale).map(move |dx| (dx, dy)))
            .filter(|&(dx, dy)| rows[(dy / scale) as usize] & (0x80 >> (dx / scale)) != 0)
            .map(|(dx, dy)| (x + dx, y + dy))
            .collect();
        px.sort_by_key(|&(x, y)| (y, x));
        px
    }

    #[test]
    fn fixed_text_sets_exactly_the_bitmap_pixels_at_every_scale() {
        // Size 13 draws the 6x13 cells at scale 1; 20 rounds to 26 (scale 2); 1 rounds up to 13.
        for (size, scale) in [(13u16, 1), (20, 2), (1, 1), (39, 3)] {
            let mut f = Framebuffer::new(Size::new(80, 60), Color::WHITE);
            let dmg = run(
                &mut f,
                &[
                    DrawOp::SetFontFace(FontFace::Fixed),
                    DrawOp::SetFontSize(size),
                    DrawOp::Text {
                        x: 3,
                        y: 40,
                        text: "Aé".into(),
                    },
                ],
            )
            .unwrap()
            .unwrap();
            let mut want = fixed_bits('A', (3, 40 - 11 * scale), scale);
            want.extend(fixed_bits('é', (3 + 6 * scale, 40 - 11 * scale), scale));
            want.sort_by_key(|&(x, y)| (y, x));
            let mut got = inked(&f);
            got.sort_by_key(|&(x, y)| (y, x));
            assert_eq!(got, want, "size {size}");
            assert!(
                got.iter().all(|&(x, y)| f.get(x, y) == Some(0xff00_0000)),
                "crisp black"
            );
            assert_eq!(
                dmg,
                Rect::new(3, 40 - 11 * scale, 12 * scale as u32, 13 * scale as u32)
            );
        }
    }

    #[test]
    fn fixed_text_clipped_by_one_rectangle_or_by_a_union_or_copied_gives_the_same_pixels() {
        // One clip rectangle takes the bit-blitting path; a union of two is tested pixel by
        // pixel, as is the `Copy` blend: all paint the same pixels, translucent ink included.
        let text = |clip: Vec<Rect>, blend: BlendMode, scale: u16| {
            let mut f = Framebuffer::new(Size::new(60, 40), Color::WHITE);
            run(
                &mut f,
                &[
                    DrawOp::SetClip(clip),
                    DrawOp::SetBlend(blend),
                    DrawOp::SetColor(Color::rgba(200, 0, 0, 160)),
                    DrawOp::SetFontFace(FontFace::Fixed),
                    DrawOp::SetFontSize(13 * scale),
                    DrawOp::Text {
                        x: -2,
                        y: 25,
                        text: "Wg@#".into(),
                    },
                ],
            )
            .unwrap();
            f
        };
        for scale in [1, 2] {
            let one = text(vec![Rect::new(5, 12, 30, 10)], BlendMode::SourceOver, scale);
            let union = text(
                vec![Rect::new(5, 12, 10, 10), Rect::new(15, 12, 20, 10)],
                BlendMode::SourceOver,
                scale,
            );
            let a = same_ink_inside(&one, &union, Rect::new(5, 12, 30, 10), 20);
            // `Copy` replaces: the same pixels, each the colour as if composited over black
            // (the window is opaque): 200 * 160 / 255 = 125.
            let copied = text(vec![Rect::new(5, 12, 30, 10)], BlendMode::Copy, scale);
            assert_eq!(inked(&copied), a);
            for &(x, y) in &a {
                assert_eq!(
                    copied.read_rgba(Rect::new(x, y, 1, 1)),
                    [125, 0, 0, 255],
                    "({x}, {y})"
                );
            }
        }
    }

    #[test]
    fn fixed_text_draws_other_characters_with_mono_in_its_cell() {
        let mut f = Framebuffer::new(Size::new(80, 40), Color::WHITE);
        run(
            &mut f,
            &[
                DrawOp::SetFontFace(FontFace::Fixed),
                DrawOp::Text {
                    x: 0,
                    y: 20,
                    text: "AĀB".into(),
                },
            ],
        )
        .unwrap();
        let ink = inked(&f);
        // Ā (U+0100) is not Latin-1: Mono draws it in the second cell, x 6 to 12.
        assert!(ink.iter().any(|&(x, _)| (6..12).contains(&x)), "{ink:?}");
        // B still sits in the third cell, crisp (Mono's wider glyph may touch its edge).
        for (x, y) in fixed_bits('B', (12, 20 - 11), 1) {
            assert_eq!(f.get(x, y), Some(0xff00_0000), "({x}, {y})");
        }
        assert!(ink.iter().all(|&(x, _)| x < 18), "{ink:?}");
    }

    #[test]
    fn lines_inside_the_clip_match_the_pixel_by_pixel_walk() {
        // Segments with both ends inside one clip rectangle step through pixels by index; a
        // union of two rectangles covering the same area walks them with a test per pixel.
        // Every direction and slope must give the same pixels, ends included, translucent too.
        let mut next = xorshift(0x2545_f491);
        let mut ops = vec![DrawOp::SetColor(Color::rgba(0, 0, 200, 100))];
        for _ in 0..98 {
            ops.push(DrawOp::Line {
                x1: next(40),
                y1: next(30),
                x2: next(40),
                y2: next(30),
            });
        }
        let draw = |clip: Vec<Rect>| {
            let mut f = Framebuffer::new(Size::new(40, 30), Color::WHITE);
            let mut all = vec![DrawOp::SetClip(clip)];
            all.extend(ops.iter().cloned());
            run(&mut f, &all).unwrap();
            (0..30)
                .flat_map(|y| (0..40).map(move |x| (x, y)))
                .map(|(x, y)| f.get(x, y))
                .collect::<Vec<_>>()
        };
        let fast = draw(vec![Rect::new(0, 0, 40, 30)]);
        let walked = draw(vec![Rect::new(0, 0, 40, 15), Rect::new(0, 15, 40, 15)]);
        assert!(fast.iter().filter(|p| **p != Some(WHITE)).count() > 200);
        assert_eq!(fast, walked);
    }

    /// One `Line` op from each point to the next.
    fn lines_through(points: &[(i32, i32)]) -> Vec<DrawOp> {
        points
            .windows(2)
            .map(|w| DrawOp::Line {
                x1: w[0].0,
                y1: w[0].1,
                x2: w[1].0,
                y2: w[1].1,
            })
            .collect()
    }

    #[test]
    fn a_run_of_lines_draws_and_damages_what_its_lines_do_one_by_one() {
        // A run whose lines all lie inside the clip is checked once for the whole run; one line
        // crossing the clip's edge sends the run back to a check per line. Both must give the
        // pixels and the damage of the same lines drawn as single `Line`s.
        let clip = Rect::new(5, 5, 50, 30);
        let inside = [(6, 6, 20, 9), (54, 34, 30, 7), (10, 30, 10, 8), (40, 12, 41, 33)];
        let crossing = [(6, 6, 20, 9), (54, 34, 58, 36), (10, 30, 10, 8)];
        for segments in [&inside[..], &crossing[..]] {
            let draw = |ops: Vec<DrawOp>| {
                let mut f = Framebuffer::new(Size::new(60, 40), Color::WHITE);
                let mut all = vec![
                    DrawOp::SetColor(Color::rgb(0, 0, 200)),
                    DrawOp::SetClip(vec![clip]),
                ];
                all.extend(ops);
                let damage = run(&mut f, &all).unwrap();
                (inked(&f), damage)
            };
            let run_of = segments
                .iter()
                .map(|&(x1, y1, x2, y2)| dispd_protocol::Segment { x1, y1, x2, y2 })
                .collect();
            let single = segments
                .iter()
                .map(|&(x1, y1, x2, y2)| DrawOp::Line {
                    x1: x1.into(),
                    y1: y1.into(),
                    x2: x2.into(),
                    y2: y2.into(),
                })
                .collect();
            let (pixels, damage) = draw(vec![DrawOp::Segments(run_of)]);
            assert!(pixels.len() > 30, "{segments:?}");
            assert!(pixels.iter().all(|&(x, y)| clip.contains(x, y)));
            // The damage holds the pixels drawn; inside the clip, it is exactly their box.
            let (x0, y0) = (pixels.iter().map(|p| p.0).min(), pixels.iter().map(|p| p.1).min());
            let (x1, y1) = (pixels.iter().map(|p| p.0).max(), pixels.iter().map(|p| p.1).max());
            let (x0, y0, x1, y1) = (x0.unwrap(), y0.unwrap(), x1.unwrap(), y1.unwrap());
            let bbox = Rect::new(x0, y0, (x1 - x0 + 1) as u32, (y1 - y0 + 1) as u32);
            let d = damage.expect("damage");
            assert!(d.contains(x0, y0) && d.contains(x1, y1), "{d:?} {bbox:?}");
            if segments == inside {
                assert_eq!(d, bbox);
            }
            assert_eq!((pixels, damage), draw(single), "{segments:?}");
        }
        // Joined lines: a polyline inside the clip against its lines one by one.
        let points = [(6, 6), (20, 9), (54, 34), (30, 7), (6, 6)];
        let mut polyline = dispd_protocol::Packed::new();
        points
            .iter()
            .for_each(|&(x, y)| polyline.push(dispd_protocol::SmallPoint { x, y }));
        let mut f = Framebuffer::new(Size::new(60, 40), Color::WHITE);
        let joined = run(&mut f, &[DrawOp::SetColor(Color::BLACK), DrawOp::Lines(polyline)]).unwrap();
        let mut g = Framebuffer::new(Size::new(60, 40), Color::WHITE);
        let wide = points.map(|(x, y)| (i32::from(x), i32::from(y)));
        let lines: Vec<DrawOp> = std::iter::once(DrawOp::SetColor(Color::BLACK))
            .chain(lines_through(&wide))
            .collect();
        let one_by_one = run(&mut g, &lines).unwrap();
        assert_eq!((inked(&f), joined), (inked(&g), one_by_one));
    }

    #[test]
    fn joined_lines_paint_what_their_lines_paint_one_by_one() {
        // A run of joined lines inside the clip paints each join once when its ink is stored,
        // and each line whole when it is blended: the pixels must be those of the same lines
        // drawn one by one, with repeated points, zero-length lines, every direction, a
        // translation, open and closed; and a run of one point repeated (regression: closed and
        // stored, it painted nothing, where its zero-length lines paint the point).
        let zigzag = [
            (6, 6),
            (20, 9),
            (20, 9),
            (54, 34),
            (30, 7),
            (30, 7),
            (31, 30),
            (6, 6),
            (7, 5),
        ];
        let offset = DrawOp::SetTransform {
            sx: 1.0,
            sy: 1.0,
            tx: 2.0,
            ty: 1.0,
        };
        let cases = [Color::rgb(0, 0, 200), Color::rgba(0, 0, 200, 100)]
            .into_iter()
            .flat_map(|c| [(c, LineCap::Butt), (c, LineCap::NotLast)]);
        for ((color, cap), points) in cases.flat_map(|c| [(c, &zigzag[..]), (c, &[(9, 9), (9, 9)][..])]) {
            for closed in [false, true] {
                let draw = |ops: Vec<DrawOp>| {
                    let mut f = Framebuffer::new(Size::new(60, 40), Color::WHITE);
                    let state = [DrawOp::SetColor(color), offset.clone(), DrawOp::SetLineCap(cap)];
                    let all: Vec<DrawOp> = state.into_iter().chain(ops).collect();
                    let damage = run(&mut f, &all).unwrap();
                    (f.pixels().to_vec(), damage)
                };
                let joined = DrawOp::Polyline {
                    points: points.iter().map(|&(x, y)| Point { x, y }).collect(),
                    closed,
                };
                let mut ends = points.to_vec();
                if closed {
                    ends.push(points[0]);
                }
                let (pixels, damage) = draw(vec![joined]);
                assert_eq!(
                    (pixels, damage),
                    draw(lines_through(&ends)),
                    "{color:?} {cap:?} closed {closed} {points:?}"
                );
            }
        }
    }

    #[test]
    fn a_not_last_line_leaves_out_its_last_pixel_and_only_that() {
        // X's CapNotLast: the same pixels as a butt-capped line but the end. Inside the one clip
        // rectangle (walked by index), across its edge (Bresenham, clipped), under a clip of two
        // rectangles (tested pixel by pixel), as a `Line` and in a run of segments.
        let lines = [(3, 4, 40, 17), (50, 30, 5, 2), (10, 35, 10, 5), (20, 20, 20, 20)];
        let clips = [
            vec![],
            vec![Rect::new(0, 0, 45, 40)],
            vec![Rect::new(0, 0, 30, 40), Rect::new(30, 0, 30, 40)],
        ];
        for clip in clips {
            for &(x1, y1, x2, y2) in &lines {
                let draw = |cap: LineCap, segments: bool| {
                    let mut f = Framebuffer::new(Size::new(60, 40), Color::WHITE);
                    let line = if segments {
                        DrawOp::Segments([dispd_protocol::Segment { x1, y1, x2, y2 }].into_iter().collect())
                    } else {
                        DrawOp::Line {
                            x1: x1.into(),
                            y1: y1.into(),
                            x2: x2.into(),
                            y2: y2.into(),
                        }
                    };
                    let ops = [
                        DrawOp::SetColor(Color::BLACK),
                        DrawOp::SetClip(clip.clone()),
                        DrawOp::SetLineCap(cap),
                        line,
                    ];
                    run(&mut f, &ops).unwrap();
                    inked(&f)
                };
                let end = (i32::from(x2), i32::from(y2));
                let butt = draw(LineCap::Butt, false);
                assert!(butt.contains(&end) || !clip.iter().all(|c| c.contains(end.0, end.1)));
                let want: Vec<(i32, i32)> = butt.into_iter().filter(|p| *p != end).collect();
                // A line of one pixel draws nothing; the others all of their pixels but one.
                assert_eq!(want.is_empty(), (x1, y1) == (x2, y2));
                for segments in [false, true] {
                    let got = draw(LineCap::NotLast, segments);
                    assert_eq!(
                        got,
                        want,
                        "{:?} clip {clip:?} segments {segments}",
                        (x1, y1, x2, y2)
                    );
                }
            }
        }
    }

    #[test]
    fn runs_over_the_quick_bound_are_counted_again_exactly() {
        use dispd_protocol::Segment;
        // 28 000 one-pixel segments in a 600x600 target: at the most a line can cost (4 800
        // pixels) they would be over the batch limit, by their estimate (2 each) they are not,
        // so the batch draws. 120 000 segments across the target after them are over by their
        // estimate too, and the batch is refused at that op.
        let dots: dispd_protocol::Packed<Segment> = (0..28_000)
            .map(|i| {
                let (x, y) = ((i % 600) as i16, (i / 600) as i16);
                Segment {
                    x1: x,
                    y1: y,
                    x2: x,
                    y2: y,
                }
            })
            .collect();
        let mut f = Framebuffer::new(Size::new(600, 600), Color::WHITE);
        let ops = vec![DrawOp::SetColor(Color::BLACK), DrawOp::Segments(dots)];
        run(&mut f, &ops).expect("under the limit by its estimate");
        assert_eq!(
            (f.get(0, 0), f.get(399, 46), f.get(400, 46)),
            (Some(0xff00_0000), Some(0xff00_0000), Some(0xffff_ffff))
        );
        let across: dispd_protocol::Packed<Segment> = (0..120_000)
            .map(|i| {
                let y = (i % 600) as i16;
                Segment {
                    x1: 0,
                    y1: y,
                    x2: 599,
                    y2: y,
                }
            })
            .collect();
        let mut over = ops.clone();
        over.push(DrawOp::Segments(across));
        match run(&mut Framebuffer::new(Size::new(600, 600), Color::WHITE), &over) {
            Err(BatchError::BadOp { index: 2, reason }) => assert!(reason.contains("pixels"), "{reason}"),
            other => panic!("expected the third op refused, got {other:?}"),
        }
    }

    #[test]
    fn a_closed_crisp_polyline_draws_its_closing_line() {
        // The closing line from the last point back to the first, inside the clip and crossing
        // its edge, against the same lines drawn one by one.
        for points in [
            vec![(6, 6), (20, 9), (54, 34), (30, 7)],
            vec![(6, 6), (20, 9), (59, 39), (30, 7)],
        ] {
            let draw = |ops: Vec<DrawOp>| {
                let mut f = Framebuffer::new(Size::new(60, 40), Color::WHITE);
                let mut all = vec![
                    DrawOp::SetColor(Color::BLACK),
                    DrawOp::SetClip(vec![Rect::new(2, 2, 55, 35)]),
                ];
                all.extend(ops);
                let damage = run(&mut f, &all).unwrap();
                (inked(&f), damage.is_some())
            };
            let closed = DrawOp::Polyline {
                points: points.iter().map(|&(x, y)| Point { x, y }).collect(),
                closed: true,
            };
            let mut ring = points.clone();
            ring.push(points[0]);
            let lines = lines_through(&ring);
            let open = DrawOp::Polyline {
                points: points.iter().map(|&(x, y)| Point { x, y }).collect(),
                closed: false,
            };
            let (pixels, damaged) = draw(vec![closed]);
            assert!(
                damaged && pixels.len() > draw(vec![open]).0.len() + 10,
                "{points:?}"
            );
            assert_eq!((pixels, damaged), draw(lines), "{points:?}");
        }
    }

    /// A packed run's rectangle from `(x, y, width, height)`.
    fn small_rect(&(x, y, w, h): &(i32, i32, u32, u32)) -> dispd_protocol::SmallRect {
        dispd_protocol::SmallRect {
            x: x as i16,
            y: y as i16,
            width: w as u16,
            height: h as u16,
        }
    }

    #[test]
    fn runs_draw_what_the_single_shape_ops_draw() {
        // Segments and FillRects against Line and FillRect, in the crisp state, translucent and
        // clipped, and stroked wide (the non-Bresenham path).
        use dispd_protocol::Segment;
        // The first segments cross the edges (each walked on its own); the second all lie
        // inside the clip (walked by index, one damage box for the run).
        let crossing = [(1, 1, 18, 5), (18, 18, 2, 9), (5, 0, 5, 19), (-3, 4, 25, 4)];
        let inside = [(4, 3, 14, 5), (14, 15, 4, 9), (5, 3, 5, 14), (13, 13, 13, 13)];
        let rects = [(2, 3, 4, 5), (-2, -2, 5, 5), (15, 12, 10, 10)];
        for (segs, state) in [&crossing, &inside].into_iter().flat_map(|segs| {
            [
                vec![],
                vec![
                    DrawOp::SetColor(Color::rgba(200, 0, 0, 90)),
                    DrawOp::SetClip(vec![Rect::new(3, 2, 12, 14)]),
                ],
                vec![DrawOp::SetLineWidth(3)],
            ]
            .map(move |state| (segs, state))
        }) {
            let draw = |shapes: Vec<DrawOp>| {
                let mut f = fb();
                let ops: Vec<DrawOp> = state.iter().cloned().chain(shapes).collect();
                let dmg = run(&mut f, &ops).unwrap();
                (f.pixels().to_vec(), dmg)
            };
            let singles = segs
                .iter()
                .map(|&(x1, y1, x2, y2)| DrawOp::Line { x1, y1, x2, y2 })
                .chain(
                    rects
                        .iter()
                        .map(|&(x, y, w, h)| DrawOp::FillRect(Rect::new(x, y, w, h))),
                );
            let runs = [
                DrawOp::Segments(
                    segs.iter()
                        .map(|&(x1, y1, x2, y2)| Segment {
                            x1: x1 as i16,
                            y1: y1 as i16,
                            x2: x2 as i16,
                            y2: y2 as i16,
                        })
                        .collect(),
                ),
                DrawOp::FillRects(rects.iter().map(small_rect).collect()),
            ];
            let (want, want_dmg) = draw(singles.collect());
            let (got, got_dmg) = draw(runs.to_vec());
            assert!(want.iter().any(|&p| p != WHITE), "{state:?}: nothing drawn");
            assert_eq!(got, want, "{state:?}");
            assert_eq!(got_dmg, want_dmg, "{state:?}");
        }
    }

    #[test]
    fn lines_and_ellipse_runs_draw_what_polyline_and_the_ellipse_ops_draw() {
        // Lines against Polyline (points all inside the clip: the by-index walk with one damage
        // box; and points outside it: segment by segment), StrokeEllipses and FillEllipses
        // against the single ops, in the crisp state, translucent and clipped, moved by a
        // translation, stroked wide and anti-aliased.
        use dispd_protocol::{SmallPoint, SmallRect};
        let inside = [(4, 3), (14, 5), (6, 14), (13, 13), (4, 3)];
        let crossing = [(1, 1), (18, 5), (2, 9), (5, 19), (25, 4), (-3, 4)];
        let ovals = [
            (2, 3, 10, 10),
            (-2, -2, 7, 5),
            (8, 9, 11, 6),
            (5, 5, 1, 1),
            (3, 3, 0, 4),
        ];
        for state in [
            vec![],
            vec![
                DrawOp::SetColor(Color::rgba(200, 0, 0, 90)),
                DrawOp::SetClip(vec![Rect::new(3, 2, 13, 14)]),
            ],
            vec![DrawOp::SetClip(vec![
                Rect::new(3, 2, 6, 14),
                Rect::new(9, 2, 7, 14),
            ])],
            vec![DrawOp::SetTransform {
                sx: 1.0,
                sy: 1.0,
                tx: 1.0,
                ty: -1.0,
            }],
            vec![DrawOp::SetLineWidth(3)],
            vec![DrawOp::SetAntialias(true)],
        ] {
            let draw = |shapes: Vec<DrawOp>| {
                let mut f = fb();
                let ops: Vec<DrawOp> = state.iter().cloned().chain(shapes).collect();
                let dmg = run(&mut f, &ops).unwrap();
                (f.pixels().to_vec(), dmg)
            };
            // X-style lines are checked against one `Line` op per segment, which never takes the
            // by-index walk for a whole run; stroked ones against `Polyline` (joins differ).
            let crisp = !state
                .iter()
                .any(|op| matches!(op, DrawOp::SetLineWidth(_) | DrawOp::SetAntialias(true)));
            for points in [&inside[..], &crossing[..]] {
                let polyline = if crisp {
                    lines_through(points)
                } else {
                    vec![DrawOp::Polyline {
                        points: points.iter().map(|&(x, y)| Point { x, y }).collect(),
                        closed: false,
                    }]
                };
                let lines = DrawOp::Lines(
                    points
                        .iter()
                        .map(|&(x, y)| SmallPoint {
                            x: x as i16,
                            y: y as i16,
                        })
                        .collect(),
                );
                let (want, want_dmg) = draw(polyline);
                let (got, got_dmg) = draw(vec![lines]);
                assert!(want.iter().any(|&p| p != WHITE), "{state:?}: nothing drawn");
                assert_eq!(got, want, "{state:?} {points:?}");
                assert_eq!(got_dmg, want_dmg, "{state:?} {points:?}");
            }
            let small: Vec<SmallRect> = ovals.iter().map(small_rect).collect();
            let rects = ovals.iter().map(|&(x, y, w, h)| Rect::new(x, y, w, h));
            for (single, packed) in [
                (
                    rects.clone().map(DrawOp::StrokeEllipse).collect::<Vec<_>>(),
                    DrawOp::StrokeEllipses(small.iter().copied().collect()),
                ),
                (
                    rects.clone().map(DrawOp::FillEllipse).collect(),
                    DrawOp::FillEllipses(small.iter().copied().collect()),
                ),
            ] {
                let (want, want_dmg) = draw(single);
                let (got, got_dmg) = draw(vec![packed.clone()]);
                assert!(want.iter().any(|&p| p != WHITE), "{state:?}: nothing drawn");
                assert_eq!(got, want, "{state:?} {packed:?}");
                assert_eq!(got_dmg, want_dmg, "{state:?} {packed:?}");
            }
        }
    }

    #[test]
    fn a_run_that_is_not_whole_shapes_fails_the_batch() {
        let mut f = fb();
        for (run_op, size) in [
            (
                DrawOp::Segments(dispd_protocol::Packed::from_bytes(vec![0; 9])),
                "8-byte",
            ),
            (
                DrawOp::Lines(dispd_protocol::Packed::from_bytes(vec![0; 6])),
                "4-byte",
            ),
        ] {
            match run(&mut f, &[DrawOp::Clear, run_op]) {
                Err(BatchError::BadOp { index: 1, reason }) => assert!(reason.contains(size), "{reason}"),
                other => panic!("{other:?}"),
            }
            assert!(inked(&f).is_empty());
        }
    }

    /// X-style 1-pixel lines in a gradient take, at each of their pixels, the colour a
    /// gradient-filled rectangle has there, on exactly the pixels the same lines have in a solid
    /// colour, blended as the state says, translated (they were once drawn all in the first
    /// stop's colour).
    #[test]
    fn crisp_lines_in_a_gradient_take_its_colour_at_each_pixel() {
        let stop = |offset, color| GradientStop { offset, color };
        let gradients = [
            Paint::Linear {
                x0: 0.0,
                y0: 0.0,
                x1: 20.0,
                y1: 0.0,
                stops: vec![stop(0.0, Color::rgb(255, 0, 0)), stop(1.0, Color::rgb(0, 0, 255))],
            },
            Paint::Radial {
                cx: 10.0,
                cy: 10.0,
                radius: 12.0,
                stops: vec![
                    stop(0.0, Color::rgba(0, 255, 0, 160)),
                    stop(1.0, Color::rgba(0, 0, 0, 40)),
                ],
            },
        ];
        let lines = [
            DrawOp::Line {
                x1: 1,
                y1: 3,
                x2: 18,
                y2: 9,
            },
            DrawOp::Segments(
                [dispd_protocol::Segment {
                    x1: 2,
                    y1: 17,
                    x2: 17,
                    y2: 2,
                }]
                .into_iter()
                .collect(),
            ),
            DrawOp::Lines(
                [(0, 0), (19, 5), (4, 19)]
                    .map(|(x, y)| dispd_protocol::SmallPoint { x, y })
                    .into_iter()
                    .collect(),
            ),
            DrawOp::Polyline {
                points: vec![
                    Point { x: 3, y: 1 },
                    Point { x: 3, y: 18 },
                    Point { x: 15, y: 12 },
                ],
                closed: true,
            },
        ];
        let translate = DrawOp::SetTransform {
            sx: 1.0,
            sy: 1.0,
            tx: 1.0,
            ty: -2.0,
        };
        for (paint, line, blend) in gradients
            .iter()
            .flat_map(|p| lines.iter().map(move |l| (p, l)))
            .flat_map(|(p, l)| [BlendMode::SourceOver, BlendMode::Copy].map(|b| (p, l, b)))
        {
            let state = [DrawOp::SetBlend(blend), translate.clone()];
            let mut solid = fb();
            run(
                &mut solid,
                &[&state[..], &[DrawOp::SetColor(Color::BLACK), line.clone()]].concat(),
            )
            .unwrap();
            let mut shaded = fb();
            let whole = DrawOp::FillRect(Rect::new(-1, 2, 20, 20));
            run(
                &mut shaded,
                &[&state[..], &[DrawOp::SetPaint(paint.clone()), whole]].concat(),
            )
            .unwrap();
            let mut drawn = fb();
            run(
                &mut drawn,
                &[&state[..], &[DrawOp::SetPaint(paint.clone()), line.clone()]].concat(),
            )
            .unwrap();
            let on_line = inked(&solid);
            assert!(on_line.len() > 15, "{line:?}");
            for (x, y) in (0..20).flat_map(|y| (0..20).map(move |x| (x, y))) {
                let want = if on_line.contains(&(x, y)) {
                    &shaded
                } else {
                    &solid
                };
                // A window's alpha bytes mean nothing (tiny-skia's `Copy` keeps them, dispd's
                // own pixels set them to 255).
                let rgb = |f: &Framebuffer| f.get(x, y).map(|p| p & 0x00ff_ffff);
                assert_eq!(
                    rgb(&drawn),
                    rgb(want),
                    "{paint:?} {line:?} {blend:?} at ({x}, {y})"
                );
            }
        }
    }

    #[test]
    fn a_replacing_blend_under_a_clip_leaves_every_pixel_outside_the_clip_alone() {
        // tiny-skia's Source blend under a mask stores zero where the mask is zero in runs it
        // blits whole; every op that goes through tiny-skia must still leave the outside alone.
        struct One(Framebuffer);
        impl Sources for One {
            fn get(&self, d: Drawable) -> Option<&Framebuffer> {
                (d == Drawable(2)).then_some(&self.0)
            }
        }
        let mut picture = Framebuffer::new_transparent(Size::new(8, 8));
        picture.fill_rect(picture.bounds(), Color::rgba(0, 0, 255, 200), true);
        let sources = One(picture);
        let gradient = Paint::Linear {
            x0: 0.0,
            y0: 0.0,
            x1: 40.0,
            y1: 0.0,
            stops: vec![
                GradientStop {
                    offset: 0.0,
                    color: Color::rgba(255, 0, 0, 100),
                },
                GradientStop {
                    offset: 1.0,
                    color: Color::rgb(0, 255, 0),
                },
            ],
        };
        let translucent = DrawOp::SetColor(Color::rgba(255, 0, 0, 128));
        let cases: Vec<(&str, Vec<DrawOp>)> = vec![
            (
                "rectangle",
                vec![translucent.clone(), DrawOp::FillRect(Rect::new(0, 0, 40, 8))],
            ),
            (
                "anti-aliased ellipse",
                vec![
                    translucent.clone(),
                    DrawOp::SetAntialias(true),
                    DrawOp::FillEllipse(Rect::new(-2, -2, 44, 12)),
                ],
            ),
            (
                "wide line",
                vec![
                    translucent,
                    DrawOp::SetLineWidth(6),
                    DrawOp::Line {
                        x1: 0,
                        y1: 4,
                        x2: 40,
                        y2: 4,
                    },
                ],
            ),
            (
                "gradient",
                vec![
                    DrawOp::SetPaint(gradient),
                    DrawOp::FillRect(Rect::new(0, 0, 40, 8)),
                ],
            ),
            (
                "image",
                vec![DrawOp::DrawImage {
                    image: Drawable(2),
                    src: Rect::new(0, 0, 8, 8),
                    dst: Rect::new(0, 0, 40, 8),
                }],
            ),
        ];
        let clips = [
            vec![Rect::new(0, 0, 4, 8), Rect::new(30, 2, 4, 4)],
            vec![Rect::new(5, 1, 20, 5)],
        ];
        for (what, ops) in cases {
            for clip in &clips {
                let mut f = Framebuffer::new(Size::new(40, 8), Color::WHITE);
                let mut batch = vec![DrawOp::SetClip(clip.clone()), DrawOp::SetBlend(BlendMode::Copy)];
                batch.extend(ops.iter().cloned());
                draw_batch(&mut f, T, &mut Fonts::load(), &sources, &batch, 100).expect("draws");
                let inside = |x: i32, y: i32| clip.iter().any(|r| r.contains(x, y));
                for y in 0..8 {
                    for x in 0..40 {
                        if !inside(x, y) {
                            assert_eq!(f.get(x, y), Some(WHITE), "{what}, clip {clip:?}: ({x}, {y})");
                        }
                    }
                }
                let changed = (0..8).any(|y| (0..40).any(|x| inside(x, y) && f.get(x, y) != Some(WHITE)));
                assert!(changed, "{what}, clip {clip:?}: nothing drawn inside the clip");
            }
        }
    }

    /// The pixels of [`fb`] after `ops` under a clip of `clip`.
    fn clipped(clip: Vec<Rect>, ops: &[DrawOp]) -> Vec<u32> {
        let mut f = fb();
        run(&mut f, &[&[DrawOp::SetClip(clip)], ops].concat()).expect("draws");
        f.pixels().to_vec()
    }

    #[test]
    fn a_rectangle_past_the_left_edge_fills_the_same_pixels_on_every_path() {
        // Two clip rectangles send it through tiny-skia, one through the spans code; tiny-skia
        // rounds an edge at -3 to -2, a column too wide, unless cut to the framebuffer first.
        let halves = vec![Rect::new(0, 0, 10, 20), Rect::new(10, 0, 10, 20)];
        let op = [DrawOp::FillRect(Rect::new(-3, 0, 5, 5))];
        assert_eq!(clipped(halves, &op), clipped(vec![Rect::new(0, 0, 20, 20)], &op));
        let mut f = fb();
        run(
            &mut f,
            &[
                DrawOp::SetClip(vec![Rect::new(0, 0, 1, 20), Rect::new(5, 0, 1, 20)]),
                op[0].clone(),
            ],
        )
        .expect("draws");
        assert_eq!(inked(&f), (0..5).map(|y| (0, y)).collect::<Vec<_>>());
    }

    #[test]
    fn a_copy_within_a_drawable_under_several_clip_rectangles_reads_the_source_as_it_was() {
        let draw = |clip| {
            let mut f = fb();
            (0..20).for_each(|x| f.pixels_mut()[x] = 0xff00_0000 | x as u32);
            let copy = DrawOp::CopyArea {
                source: T,
                src: Rect::new(0, 0, 10, 1),
                x: 1,
                y: 0,
            };
            run(&mut f, &[DrawOp::SetClip(clip), copy]).expect("draws");
            f.pixels()[..12].to_vec()
        };
        let whole = draw(vec![Rect::new(0, 0, 20, 1)]);
        assert_eq!(
            whole[1..11],
            (0..10).map(|x| 0xff00_0000 | x).collect::<Vec<u32>>()[..]
        );
        assert_eq!(draw(vec![Rect::new(0, 0, 5, 1), Rect::new(5, 0, 15, 1)]), whole);
    }

    #[test]
    fn copied_text_blends_its_edges_by_coverage() {
        // White anti-aliased text copied onto white leaves white: its edge pixels are the
        // colour at their coverage over what was there, not the colour times the coverage.
        let mut f = fb();
        let text = DrawOp::Text {
            x: 2,
            y: 15,
            text: "W".into(),
        };
        run(
            &mut f,
            &[
                DrawOp::SetColor(Color::WHITE),
                DrawOp::SetBlend(BlendMode::Copy),
                text,
            ],
        )
        .expect("draws");
        assert_eq!(inked(&f), vec![]);
    }

    #[test]
    fn a_scaled_wide_stroke_stays_inside_its_damage_and_the_clip() {
        // Scaled 10x across, a 4-pixel line reaches 20 pixels either side of its path: the
        // damage and, for a replacing blend, the pixels put back outside the clip cover it.
        let mut f = fb();
        run(
            &mut f,
            &[
                DrawOp::SetClip(vec![Rect::new(0, 0, 20, 5)]),
                DrawOp::SetColor(Color::rgba(0, 0, 0, 128)),
                DrawOp::SetBlend(BlendMode::Copy),
                DrawOp::SetTransform {
                    sx: 10.0,
                    sy: 1.0,
                    tx: 0.0,
                    ty: 0.0,
                },
                DrawOp::SetLineWidth(4),
                DrawOp::Line {
                    x1: 1,
                    y1: 10,
                    x2: 1,
                    y2: 15,
                },
            ],
        )
        .expect("draws");
        assert_eq!(inked(&f), vec![], "nothing outside the clip");
        let mut g = fb();
        let damage_unclipped = run(
            &mut g,
            &[
                DrawOp::SetTransform {
                    sx: 10.0,
                    sy: 1.0,
                    tx: 0.0,
                    ty: 0.0,
                },
                DrawOp::SetLineWidth(4),
                DrawOp::Line {
                    x1: 1,
                    y1: 3,
                    x2: 1,
                    y2: 8,
                },
            ],
        )
        .expect("draws")
        .expect("damage");
        assert!(!inked(&g).is_empty());
        assert!(inked(&g).iter().all(|&(x, y)| damage_unclipped.contains(x, y)));
    }

    #[test]
    fn an_opaque_colour_copies_thin_strokes_as_it_paints_them_over() {
        let draw = |blend| {
            clipped(
                vec![Rect::new(0, 0, 20, 20)],
                &[
                    DrawOp::SetAntialias(true),
                    DrawOp::SetBlend(blend),
                    DrawOp::SetTransform {
                        sx: 0.5,
                        sy: 0.5,
                        tx: 0.0,
                        ty: 0.0,
                    },
                    DrawOp::Line {
                        x1: 2,
                        y1: 10,
                        x2: 30,
                        y2: 10,
                    },
                ],
            )
        };
        assert_eq!(draw(BlendMode::Copy), draw(BlendMode::SourceOver));
    }

    #[test]
    fn lines_crossing_the_edge_paint_the_pixels_of_the_whole_line() {
        // Each line drawn into a 20x20 framebuffer paints what the same line paints in the
        // middle of a 60x60 one: the part outside is skipped, not clipped off with rounded ends
        // (which moved pixels). Ends far outside too, both caps, translucent so that no pixel
        // is painted twice.
        let mut next = xorshift(0x9e37_79b9);
        for cap in [LineCap::Butt, LineCap::NotLast] {
            for i in 0..400 {
                let far = |v: i32| if v % 7 == 0 { v * 1500 - 15000 } else { v - 10 };
                let (x1, y1, x2, y2) = (far(next(40)), far(next(40)), far(next(40)), far(next(40)));
                let ops = |d: i32| {
                    vec![
                        DrawOp::SetLineCap(cap),
                        DrawOp::SetColor(Color::rgba(0, 0, 200, 100)),
                        DrawOp::Line {
                            x1: x1 + d,
                            y1: y1 + d,
                            x2: x2 + d,
                            y2: y2 + d,
                        },
                    ]
                };
                let mut small = fb();
                let damage = run(&mut small, &ops(0)).expect("draws");
                let mut big = Framebuffer::new(Size::new(60, 60), Color::WHITE);
                run(&mut big, &ops(20)).expect("draws");
                let line = format!("{cap:?} line {i}: ({x1}, {y1}) to ({x2}, {y2})");
                for y in 0..20 {
                    for x in 0..20 {
                        assert_eq!(small.get(x, y), big.get(x + 20, y + 20), "{line} at ({x}, {y})");
                        if small.get(x, y) != Some(WHITE) {
                            assert!(damage.is_some_and(|d| d.contains(x, y)), "{line}: damage");
                        }
                    }
                }
            }
        }
        // The repro that found it: the last column is (18, 3), not (18, 2).
        let line = [DrawOp::Line {
            x1: 0,
            y1: 0,
            x2: 22,
            y2: 3,
        }];
        let (mut s, mut b) = (fb(), Framebuffer::new(Size::new(40, 20), Color::WHITE));
        run(&mut s, &line).expect("draws");
        run(&mut b, &line).expect("draws");
        let wide: Vec<_> = inked(&b).into_iter().filter(|p| p.0 < 20).collect();
        assert_eq!(inked(&s), wide);
    }

    #[test]
    fn aliased_ellipses_paint_the_same_pixels_under_any_clip_of_the_same_area() {
        // One clip rectangle and two that make the same area (and two that overlap) must give
        // the same pixels: the spans' pixels, not tiny-skia's path under several rectangles.
        let whole = vec![Rect::new(0, 0, 20, 20)];
        let halves = vec![Rect::new(0, 0, 10, 20), Rect::new(10, 0, 10, 20)];
        let overlapping = vec![Rect::new(0, 0, 12, 20), Rect::new(8, 0, 12, 20)];
        let ops = |op: DrawOp| vec![DrawOp::SetColor(Color::rgba(0, 0, 200, 100)), op];
        for op in [
            DrawOp::FillEllipse(Rect::new(3, 5, 7, 14)),
            DrawOp::StrokeEllipse(Rect::new(2, 2, 9, 2)),
            DrawOp::StrokeEllipse(Rect::new(1, 3, 17, 11)),
            DrawOp::FillEllipses(
                [dispd_protocol::SmallRect {
                    x: 4,
                    y: 1,
                    width: 13,
                    height: 9,
                }]
                .into_iter()
                .collect(),
            ),
        ] {
            let want = clipped(whole.clone(), &ops(op.clone()));
            assert!(want.iter().any(|&p| p != WHITE), "{op:?} draws");
            assert_eq!(clipped(halves.clone(), &ops(op.clone())), want, "{op:?}, halves");
            assert_eq!(
                clipped(overlapping.clone(), &ops(op.clone())),
                want,
                "{op:?}, overlapping"
            );
        }
        // Under a clip that leaves a gap, exactly the gap is left alone.
        let gap = vec![Rect::new(0, 0, 9, 20), Rect::new(11, 0, 9, 20)];
        let op = ops(DrawOp::FillEllipse(Rect::new(0, 0, 20, 20)));
        let (all, cut) = (clipped(whole, &op), clipped(gap, &op));
        for (i, (a, c)) in all.iter().zip(&cut).enumerate() {
            let x = i % 20;
            assert_eq!(*c, if x == 9 || x == 10 { WHITE } else { *a }, "pixel {i}");
        }
    }
}
