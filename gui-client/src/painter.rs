//! [`Painter`]: one draw batch, built op by op.

use dispd_protocol::packed::{Segment, SmallPoint, SmallRect};
use dispd_protocol::{
    BlendMode, Color, DrawOp, Drawable, FillRule, FontFace, GradientStop, LineCap, LineJoin, Paint, PathSeg,
    Point, Rect, Request,
};

use crate::display::Display;

/// Collects drawing ops for one drawable; queued as a single request (one frame of drawing)
/// by [`Painter::finish`] or when dropped.
///
/// Each batch starts with colour black, line width 1 and font size 16 px.
#[derive(Debug)]
pub struct Painter<'a> {
    display: &'a mut Display,
    target: Drawable,
    ops: Vec<DrawOp>,
}

impl<'a> Painter<'a> {
    pub(crate) fn new(display: &'a mut Display, target: Drawable) -> Self {
        Self {
            display,
            target,
            ops: Vec::new(),
        }
    }

    /// Sets the colour of what follows.
    pub fn color(&mut self, color: Color) -> &mut Self {
        self.ops.push(DrawOp::SetColor(color));
        self
    }

    /// Sets the line width of what follows.
    pub fn line_width(&mut self, width: u16) -> &mut Self {
        self.ops.push(DrawOp::SetLineWidth(width));
        self
    }

    /// Sets the text size, in pixels, of what follows.
    pub fn font_size(&mut self, px: u16) -> &mut Self {
        self.ops.push(DrawOp::SetFontSize(px));
        self
    }

    /// Fills the whole drawable.
    pub fn clear(&mut self) -> &mut Self {
        self.ops.push(DrawOp::Clear);
        self
    }

    /// Fills a rectangle.
    pub fn fill_rect(&mut self, rect: Rect) -> &mut Self {
        self.ops.push(DrawOp::FillRect(rect));
        self
    }

    /// Draws a line, both ends included.
    pub fn line(&mut self, x1: i32, y1: i32, x2: i32, y2: i32) -> &mut Self {
        self.ops.push(DrawOp::Line { x1, y1, x2, y2 });
        self
    }

    /// Fills many rectangles with 16-bit coordinates in one op, 8 bytes each on the wire (X's
    /// `PolyFillRectangle`): cheaper than a `fill_rect` each for hundreds of small ones.
    pub fn fill_rects(&mut self, rects: &[SmallRect]) -> &mut Self {
        self.ops.push(DrawOp::FillRects(rects.iter().copied().collect()));
        self
    }

    /// Draws many lines with 16-bit coordinates in one op, 8 bytes each on the wire (X's
    /// `PolySegment`), each as [`Painter::line`] draws it.
    pub fn segments(&mut self, segments: &[Segment]) -> &mut Self {
        self.ops
            .push(DrawOp::Segments(segments.iter().copied().collect()));
        self
    }

    /// Draws connected lines through points with 16-bit coordinates in one op, 4 bytes a point
    /// on the wire (X's `PolyLine`), as [`Painter::polyline`] draws them (not closed).
    pub fn lines(&mut self, points: &[SmallPoint]) -> &mut Self {
        self.ops.push(DrawOp::Lines(points.iter().copied().collect()));
        self
    }

    /// Strokes the outlines of the ellipses inscribed in many rectangles with 16-bit coordinates
    /// in one op, 8 bytes each on the wire (X's `PolyArc` of whole ellipses), each as
    /// [`Painter::stroke_ellipse`] strokes it.
    pub fn stroke_ellipses(&mut self, rects: &[SmallRect]) -> &mut Self {
        self.ops
            .push(DrawOp::StrokeEllipses(rects.iter().copied().collect()));
        self
    }

    /// Fills the ellipses inscribed in many rectangles with 16-bit coordinates in one op, 8 bytes
    /// each on the wire (X's `PolyFillArc` of whole ellipses), each as
    /// [`Painter::fill_ellipse`] fills it.
    pub fn fill_ellipses(&mut self, rects: &[SmallRect]) -> &mut Self {
        self.ops
            .push(DrawOp::FillEllipses(rects.iter().copied().collect()));
        self
    }

    /// Draws text with its baseline starting at `(x, y)`.
    pub fn text(&mut self, x: i32, y: i32, text: &str) -> &mut Self {
        self.ops.push(DrawOp::Text {
            x,
            y,
            text: text.into(),
        });
        self
    }

    /// Paints what follows with a colour or a gradient (see [`linear_gradient`], [`radial_gradient`]).
    pub fn paint(&mut self, paint: Paint) -> &mut Self {
        self.ops.push(DrawOp::SetPaint(paint));
        self
    }

    /// Anti-aliasing on (smooth edges) or off (crisp pixels, the default).
    pub fn antialias(&mut self, on: bool) -> &mut Self {
        self.ops.push(DrawOp::SetAntialias(on));
        self
    }

    /// How paint combines with what is there (source-over by default).
    pub fn blend(&mut self, mode: BlendMode) -> &mut Self {
        self.ops.push(DrawOp::SetBlend(mode));
        self
    }

    /// How open ends of strokes look.
    pub fn line_cap(&mut self, cap: LineCap) -> &mut Self {
        self.ops.push(DrawOp::SetLineCap(cap));
        self
    }

    /// How corners of strokes look.
    pub fn line_join(&mut self, join: LineJoin) -> &mut Self {
        self.ops.push(DrawOp::SetLineJoin(join));
        self
    }

    /// Dashes for strokes: on and off lengths, alternating (empty for solid lines).
    pub fn dash(&mut self, pattern: &[u16], offset: u16) -> &mut Self {
        self.ops.push(DrawOp::SetDash {
            pattern: pattern.to_vec(),
            offset,
        });
        self
    }

    /// Which parts of self-intersecting shapes are filled.
    pub fn fill_rule(&mut self, rule: FillRule) -> &mut Self {
        self.ops.push(DrawOp::SetFillRule(rule));
        self
    }

    /// Scales then translates what follows: `x' = x * sx + tx`.
    pub fn transform(&mut self, sx: f32, sy: f32, tx: f32, ty: f32) -> &mut Self {
        self.ops.push(DrawOp::SetTransform { sx, sy, tx, ty });
        self
    }

    /// Draws only inside these rectangles from now on (an empty slice removes the clip).
    pub fn clip(&mut self, rects: &[Rect]) -> &mut Self {
        self.ops.push(DrawOp::SetClip(rects.to_vec()));
        self
    }

    /// The face of the text that follows.
    pub fn font_face(&mut self, face: FontFace) -> &mut Self {
        self.ops.push(DrawOp::SetFontFace(face));
        self
    }

    /// Single pixels (squares of the line width).
    pub fn points(&mut self, points: &[Point]) -> &mut Self {
        self.ops.push(DrawOp::Points(points.to_vec()));
        self
    }

    /// Connected line segments through `points`.
    pub fn polyline(&mut self, points: &[Point], closed: bool) -> &mut Self {
        self.ops.push(DrawOp::Polyline {
            points: points.to_vec(),
            closed,
        });
        self
    }

    /// A rectangle's outline, inside the rectangle.
    pub fn stroke_rect(&mut self, rect: Rect) -> &mut Self {
        self.ops.push(DrawOp::StrokeRect(rect));
        self
    }

    /// A filled rectangle with rounded corners.
    pub fn fill_round_rect(&mut self, rect: Rect, radius: u16) -> &mut Self {
        self.ops.push(DrawOp::FillRoundRect { rect, radius });
        self
    }

    /// The outline of a rectangle with rounded corners.
    pub fn stroke_round_rect(&mut self, rect: Rect, radius: u16) -> &mut Self {
        self.ops.push(DrawOp::StrokeRoundRect { rect, radius });
        self
    }

    /// A filled polygon.
    pub fn fill_polygon(&mut self, points: &[Point]) -> &mut Self {
        self.ops.push(DrawOp::FillPolygon(points.to_vec()));
        self
    }

    /// A filled path (see [`Path`]).
    pub fn fill_path(&mut self, path: &Path) -> &mut Self {
        self.ops.push(DrawOp::FillPath(path.segs.clone()));
        self
    }

    /// A stroked path (see [`Path`]).
    pub fn stroke_path(&mut self, path: &Path) -> &mut Self {
        self.ops.push(DrawOp::StrokePath(path.segs.clone()));
        self
    }

    /// The filled ellipse inscribed in `rect` (a circle when it is square).
    pub fn fill_ellipse(&mut self, rect: Rect) -> &mut Self {
        self.ops.push(DrawOp::FillEllipse(rect));
        self
    }

    /// The outline of the ellipse inscribed in `rect`.
    pub fn stroke_ellipse(&mut self, rect: Rect) -> &mut Self {
        self.ops.push(DrawOp::StrokeEllipse(rect));
        self
    }

    /// An arc of the ellipse in `rect`; angles in degrees, counter-clockwise from three o'clock.
    pub fn arc(&mut self, rect: Rect, start_deg: f32, sweep_deg: f32) -> &mut Self {
        let (start, sweep) = (deg64(start_deg), deg64(sweep_deg));
        self.ops.push(DrawOp::Arc { rect, start, sweep });
        self
    }

    /// A filled pie slice of the ellipse in `rect`; angles as for [`Painter::arc`].
    pub fn fill_pie(&mut self, rect: Rect, start_deg: f32, sweep_deg: f32) -> &mut Self {
        let (start, sweep) = (deg64(start_deg), deg64(sweep_deg));
        self.ops.push(DrawOp::FillPie { rect, start, sweep });
        self
    }

    /// Draws `src` of an image (or window) into `dst`, scaled, blended by its alpha (smoothly
    /// scaled when anti-aliasing is on).
    pub fn draw_image(&mut self, image: impl Into<Drawable>, src: Rect, dst: Rect) -> &mut Self {
        self.ops.push(DrawOp::DrawImage {
            image: image.into(),
            src,
            dst,
        });
        self
    }

    /// Copies `src` of a drawable (this one too: scrolling) to `(x, y)`, pixels as they are.
    pub fn copy_area(&mut self, source: impl Into<Drawable>, src: Rect, x: i32, y: i32) -> &mut Self {
        self.ops.push(DrawOp::CopyArea {
            source: source.into(),
            src,
            x,
            y,
        });
        self
    }

    /// Adds any op.
    pub fn op(&mut self, op: DrawOp) -> &mut Self {
        self.ops.push(op);
        self
    }

    /// Queues the batch and returns its sequence number.
    pub fn finish(mut self) -> u32 {
        self.queue()
    }

    fn queue(&mut self) -> u32 {
        let ops = std::mem::take(&mut self.ops);
        if ops.is_empty() {
            return self.display.last_seq();
        }
        self.display.send(&Request::Draw {
            target: self.target,
            ops: ops.into(),
        })
    }
}

impl Drop for Painter<'_> {
    fn drop(&mut self) {
        self.queue();
    }
}

/// Degrees as the protocol's 1/64 degree.
fn deg64(deg: f32) -> i32 {
    (deg * 64.0).round() as i32
}

/// A linear gradient from `(x0, y0)` to `(x1, y1)` through evenly spaced `colors`.
pub fn linear_gradient(x0: f32, y0: f32, x1: f32, y1: f32, colors: &[Color]) -> Paint {
    Paint::Linear {
        x0,
        y0,
        x1,
        y1,
        stops: even_stops(colors),
    }
}

/// A radial gradient around `(cx, cy)` out to `radius` through evenly spaced `colors`.
pub fn radial_gradient(cx: f32, cy: f32, radius: f32, colors: &[Color]) -> Paint {
    Paint::Radial {
        cx,
        cy,
        radius,
        stops: even_stops(colors),
    }
}

fn even_stops(colors: &[Color]) -> Vec<GradientStop> {
    let last = colors.len().saturating_sub(1).max(1) as f32;
    colors
        .iter()
        .enumerate()
        .map(|(i, c)| GradientStop {
            offset: i as f32 / last,
            color: *c,
        })
        .collect()
}

/// A path of lines and curves, for [`Painter::fill_path`] and [`Painter::stroke_path`].
///
/// ```
/// let mut heart = gui_client::Path::new();
/// heart.move_to(50.0, 30.0).cubic_to(50.0, 0.0, 0.0, 0.0, 0.0, 30.0).cubic_to(0.0, 60.0, 50.0, 80.0, 50.0, 90.0).close();
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Path {
    segs: Vec<PathSeg>,
}

impl Path {
    /// An empty path.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts a sub-path.
    pub fn move_to(&mut self, x: f32, y: f32) -> &mut Self {
        self.segs.push(PathSeg::MoveTo(x, y));
        self
    }

    /// A straight line.
    pub fn line_to(&mut self, x: f32, y: f32) -> &mut Self {
        self.segs.push(PathSeg::LineTo(x, y));
        self
    }

    /// A quadratic Bézier curve.
    pub fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) -> &mut Self {
        self.segs.push(PathSeg::QuadTo(x1, y1, x, y));
        self
    }

    /// A cubic Bézier curve.
    pub fn cubic_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) -> &mut Self {
        self.segs.push(PathSeg::CubicTo(x1, y1, x2, y2, x, y));
        self
    }

    /// Closes the sub-path.
    pub fn close(&mut self) -> &mut Self {
        self.segs.push(PathSeg::Close);
        self
    }
}
