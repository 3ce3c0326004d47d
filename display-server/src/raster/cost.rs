//! How much work a draw batch asks for, estimated before any of it is done.
//!
//! The core applies a batch whole before serving anyone else, so one batch must not keep it
//! busy for long: the ops' estimated pixels (each op's area on the target, after the transform
//! and clipped to the target) are capped at [`MAX_BATCH_PIXELS`]. The estimates are upper bounds
//! that stay close for the usual shapes: areas for fills and images, length times width for
//! strokes, size squared per character for text.

use dispd_protocol::{DrawOp, FontFace, Paint, PathSeg, Point, Rect};

/// Most pixels one batch may paint (about 64 full-HD window fills): tens of milliseconds.
pub const MAX_BATCH_PIXELS: u64 = 128 << 20;

/// The running estimate of a batch, with the drawing state that changes it.
#[derive(Debug)]
pub(super) struct Cost {
    /// Whether runs of lines count each line at the most a line can cost, without reading
    /// their points (see [`Cost::quick`]).
    quick: bool,
    width: f64,
    height: f64,
    transform: (f64, f64, f64, f64),
    line_width: f64,
    /// Whether the paint is a gradient.
    gradient: bool,
    aa: bool,
    font_px: u16,
    face: FontFace,
    total: u64,
}

impl Cost {
    /// An estimate for a target of `bounds`.
    pub(super) fn new(bounds: Rect) -> Self {
        Self {
            quick: false,
            width: f64::from(bounds.width),
            height: f64::from(bounds.height),
            transform: (1.0, 1.0, 0.0, 0.0),
            line_width: 1.0,
            gradient: false,
            aa: false,
            font_px: 16,
            face: FontFace::Sans,
            total: 0,
        }
    }

    /// [`Cost::new`], except that an untransformed run of lines (`Segments`, `Lines`) counts
    /// each line at the most one line can cost on the target, without a pass over its points:
    /// a bound above the estimate, which is all a batch needs while it stays under
    /// [`MAX_BATCH_PIXELS`] (the pass was a tenth of drawing 10-pixel lines). A batch over the
    /// limit by this bound is counted again with [`Cost::new`].
    pub(super) fn quick(bounds: Rect) -> Self {
        Self {
            quick: true,
            ..Self::new(bounds)
        }
    }

    /// Whether this is a [`Cost::quick`] bound.
    pub(super) fn is_quick(&self) -> bool {
        self.quick
    }

    /// Adds `op`; the total so far.
    pub(super) fn add(&mut self, op: &DrawOp) -> u64 {
        let area = self.width * self.height;
        let pixels = match op {
            DrawOp::SetTransform { sx, sy, tx, ty } => {
                self.transform = (f64::from(*sx), f64::from(*sy), f64::from(*tx), f64::from(*ty));
                0.0
            }
            DrawOp::SetLineWidth(w) => {
                self.line_width = f64::from((*w).max(1));
                0.0
            }
            DrawOp::SetColor(_) => {
                self.gradient = false;
                0.0
            }
            DrawOp::SetPaint(paint) => {
                self.gradient = !matches!(paint, Paint::Solid(_));
                0.0
            }
            DrawOp::SetAntialias(on) => {
                self.aa = *on;
                0.0
            }
            DrawOp::SetFontSize(px) => {
                self.font_px = *px;
                0.0
            }
            DrawOp::SetFontFace(face) => {
                self.face = *face;
                0.0
            }
            // A clip is a mask the size of the target, built and filled at once.
            DrawOp::Clear | DrawOp::SetClip(_) => area,
            DrawOp::FillRect(r)
            | DrawOp::FillEllipse(r)
            | DrawOp::FillRoundRect { rect: r, .. }
            | DrawOp::FillPie { rect: r, .. } => self.rect_area(r),
            DrawOp::StrokeRect(r)
            | DrawOp::StrokeEllipse(r)
            | DrawOp::StrokeRoundRect { rect: r, .. }
            | DrawOp::Arc { rect: r, .. } => self.outline(r),
            DrawOp::FillEllipses(run) => run.iter().map(|r| self.rect_area(&r.into())).sum(),
            DrawOp::StrokeEllipses(run) => run.iter().map(|r| self.outline(&r.into())).sum(),
            DrawOp::Lines(run) => {
                // Each point read once, the last one kept.
                let mut ends = run.iter().map(|p| (i32::from(p.x), i32::from(p.y)));
                let mut last = ends.next().unwrap_or_default();
                self.strokes(ends.map(|p| {
                    let d = (p.0 - last.0, p.1 - last.1);
                    last = p;
                    d
                }))
            }
            DrawOp::Line { x1, y1, x2, y2 } => {
                let len = self.length(f64::from(*x2 - *x1), f64::from(*y2 - *y1));
                self.stroke(len)
            }
            DrawOp::Segments(run) => self.strokes(run.iter().map(|s| {
                (
                    i32::from(s.x2) - i32::from(s.x1),
                    i32::from(s.y2) - i32::from(s.y1),
                )
            })),
            DrawOp::FillRects(run) => run.iter().map(|r| self.rect_area(&r.into())).sum(),
            DrawOp::Polyline { points, .. } => self.stroke(self.polyline_length(points)),
            DrawOp::StrokePath(segs) => self.stroke(self.path_length(segs)),
            DrawOp::Points(points) => points.len() as f64 * self.line_width * self.line_width,
            DrawOp::FillPolygon(points) => {
                self.box_area(points.iter().map(|p| (f64::from(p.x), f64::from(p.y))), 0.0)
            }
            DrawOp::FillPath(segs) => self.box_area(path_points(segs), 0.0),
            DrawOp::Text { text, .. } => {
                let px = f64::from(self.face.drawn_px(self.font_px));
                (text.chars().count() as f64 * px * px).min(area)
            }
            // Images and copies ignore the transform.
            DrawOp::DrawImage { dst, .. } => clipped(
                f64::from(dst.width),
                f64::from(dst.height),
                self.width,
                self.height,
            ),
            DrawOp::CopyArea { src, .. } => clipped(
                f64::from(src.width),
                f64::from(src.height),
                self.width,
                self.height,
            ),
            _ => 0.0,
        } + self.gradient_box(op);
        self.total = self
            .total
            .saturating_add(pixels.max(0.0).min(u64::MAX as f64) as u64);
        self.total
    }

    /// The sum of [`Cost::stroke`] of [`Cost::length`] of each `(dx, dy)` (the segments of a
    /// run). Without a transform, in integers: the same sum, without four conversions and a
    /// multiply per segment.
    fn strokes(&self, deltas: impl ExactSizeIterator<Item = (i32, i32)>) -> f64 {
        if self.transform != (1.0, 1.0, 0.0, 0.0) {
            return deltas
                .map(|(dx, dy)| self.stroke(self.length(f64::from(dx), f64::from(dy))))
                .sum();
        }
        // Exact: the target's sides and the line width are integers well below 2^31.
        let (w, h, k) = (self.width as i64, self.height as i64, self.line_width as i64 + 1);
        let (cap, area) = (2 * (w + h), w * h);
        if self.quick {
            // Each line at most: the points are not read.
            return deltas.len() as f64 * (cap * k).min(area) as f64;
        }
        let total: i64 = deltas
            .map(|(dx, dy)| ((i64::from(dx).abs() + i64::from(dy).abs()).min(cap) * k).min(area))
            .sum();
        total as f64
    }

    /// A stroke of `length` at the current width, at most the target's area.
    fn stroke(&self, length: f64) -> f64 {
        (length * (self.line_width + 1.0)).min(self.width * self.height)
    }

    /// A segment's length after the transform (bounded above by |dx| + |dy|, which costs no
    /// square root and is at most 1.42 times the true length), at most what can cross the target.
    fn length(&self, dx: f64, dy: f64) -> f64 {
        let (sx, sy, ..) = self.transform;
        ((dx * sx).abs() + (dy * sy).abs()).min(2.0 * (self.width + self.height))
    }

    /// The pixels of the outline of the shape inscribed in `r`, at most its area.
    fn outline(&self, r: &Rect) -> f64 {
        let (sx, sy, ..) = self.transform;
        let perimeter = 2.0 * (f64::from(r.width) * sx.abs() + f64::from(r.height) * sy.abs());
        self.stroke(perimeter).min(self.rect_area(r))
    }

    fn polyline_length(&self, points: &[Point]) -> f64 {
        points
            .windows(2)
            .map(|w| self.length(f64::from(w[1].x - w[0].x), f64::from(w[1].y - w[0].y)))
            .sum()
    }

    fn path_length(&self, segs: &[PathSeg]) -> f64 {
        let pts: Vec<(f64, f64)> = path_points(segs).collect();
        // Control points bound a curve's length from above.
        pts.windows(2)
            .map(|w| self.length(w[1].0 - w[0].0, w[1].1 - w[0].1))
            .sum()
    }

    /// The area of a rectangle after the transform, clipped to the target.
    fn rect_area(&self, r: &Rect) -> f64 {
        let corners = [
            (f64::from(r.x), f64::from(r.y)),
            (
                f64::from(r.x) + f64::from(r.width),
                f64::from(r.y) + f64::from(r.height),
            ),
        ];
        self.box_area(corners.into_iter(), 0.0)
    }

    /// For X-style lines in a gradient, the box around their points that is shaded on top of the
    /// stroke (see `draw::gradient_lines`), pixels at the ends included.
    fn gradient_box(&self, op: &DrawOp) -> f64 {
        if !self.gradient || self.aa || self.line_width != 1.0 {
            return 0.0;
        }
        let points = line_points(op).map(|(x, y)| (f64::from(x), f64::from(y)));
        self.box_area(points, 1.0)
    }

    /// The area of the box around `points` after the transform, within the target, grown by
    /// `edge` to the right and below (1: the pixels on its right and bottom edges included).
    fn box_area(&self, points: impl Iterator<Item = (f64, f64)>, edge: f64) -> f64 {
        let (sx, sy, tx, ty) = self.transform;
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for (x, y) in points {
            let (x, y) = (x * sx + tx, y * sy + ty);
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
        let w = ((x1 + edge).min(self.width) - x0.max(0.0)).max(0.0);
        let h = ((y1 + edge).min(self.height) - y0.max(0.0)).max(0.0);
        w * h
    }
}

/// The points of a line op (`Line`, `Segments`, `Lines`, `Polyline`), before the transform.
pub(super) fn line_points(op: &DrawOp) -> Box<dyn Iterator<Item = (i32, i32)> + '_> {
    match op {
        DrawOp::Line { x1, y1, x2, y2 } => Box::new([(*x1, *y1), (*x2, *y2)].into_iter()),
        DrawOp::Segments(run) => Box::new(
            run.iter()
                .flat_map(|s| [(s.x1.into(), s.y1.into()), (s.x2.into(), s.y2.into())]),
        ),
        DrawOp::Lines(run) => Box::new(run.iter().map(|p| (p.x.into(), p.y.into()))),
        DrawOp::Polyline { points, .. } => Box::new(points.iter().map(|p| (p.x, p.y))),
        _ => Box::new(std::iter::empty()),
    }
}

fn clipped(w: f64, h: f64, tw: f64, th: f64) -> f64 {
    w.min(tw) * h.min(th)
}

/// Every point a path names (end and control points).
fn path_points(segs: &[PathSeg]) -> impl Iterator<Item = (f64, f64)> + '_ {
    segs.iter().flat_map(|s| {
        let v: Vec<(f32, f32)> = match *s {
            PathSeg::MoveTo(x, y) | PathSeg::LineTo(x, y) => vec![(x, y)],
            PathSeg::QuadTo(a, b, x, y) => vec![(a, b), (x, y)],
            PathSeg::CubicTo(a, b, c, d, x, y) => vec![(a, b), (c, d), (x, y)],
            PathSeg::Close => vec![],
        };
        v.into_iter().map(|(x, y)| (f64::from(x), f64::from(y)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_follow_area_length_and_transform() {
        let mut c = Cost::new(Rect::new(0, 0, 100, 100));
        assert_eq!(c.add(&DrawOp::Clear), 10_000);
        assert_eq!(c.add(&DrawOp::FillRect(Rect::new(-50, -50, 100, 100))), 12_500);
        c.add(&DrawOp::SetTransform {
            sx: 2.0,
            sy: 2.0,
            tx: 0.0,
            ty: 0.0,
        });
        assert_eq!(c.add(&DrawOp::FillRect(Rect::new(0, 0, 10, 10))), 12_900);
        // A long diagonal line costs about its length (|dx| + |dy| = 200 after the transform,
        // times width + 1), not its bounding box (10 000).
        let line = DrawOp::Line {
            x1: 0,
            y1: 0,
            x2: 50,
            y2: 50,
        };
        let before = c.total;
        assert_eq!(c.add(&line) - before, 400);
    }

    /// X-style lines in a gradient are shaded over the box around their points: that box counts
    /// too, within the target, and only while the lines are X-style and the paint a gradient.
    #[test]
    fn crisp_lines_in_a_gradient_also_cost_their_box() {
        use dispd_protocol::{GradientStop, SmallPoint};
        let gradient = DrawOp::SetPaint(Paint::Linear {
            x0: 0.0,
            y0: 0.0,
            x1: 1.0,
            y1: 0.0,
            stops: vec![
                GradientStop {
                    offset: 0.0,
                    color: dispd_protocol::Color::BLACK,
                },
                GradientStop {
                    offset: 1.0,
                    color: dispd_protocol::Color::WHITE,
                },
            ],
        });
        let line = DrawOp::Line {
            x1: 0,
            y1: 0,
            x2: 99,
            y2: 49,
        };
        // Off the target's right edge from x = 150: a box of 150 x 31.
        let run = DrawOp::Lines(
            [(120, 10), (400, 40), (130, 20)]
                .map(|(x, y)| SmallPoint { x, y })
                .into_iter()
                .collect(),
        );
        let cost = |ops: &[DrawOp]| {
            let mut c = Cost::new(Rect::new(0, 0, 150, 100));
            ops.iter().map(|op| c.add(op)).last().unwrap_or(0)
        };
        let solid = cost(std::slice::from_ref(&line));
        assert_eq!(solid, 148 * 2);
        assert_eq!(cost(&[gradient.clone(), line.clone()]), solid + 100 * 50);
        assert_eq!(
            cost(&[gradient.clone(), run.clone()]) - cost(std::slice::from_ref(&run)),
            30 * 31
        );
        for not_crisp in [
            DrawOp::SetAntialias(true),
            DrawOp::SetLineWidth(2),
            DrawOp::SetColor(dispd_protocol::Color::BLACK),
        ] {
            let plain = cost(&[not_crisp.clone(), line.clone()]);
            assert_eq!(cost(&[gradient.clone(), not_crisp, line.clone()]), plain);
        }
    }

    #[test]
    fn runs_cost_what_their_shapes_cost_one_by_one() {
        use dispd_protocol::{Segment, SmallPoint};
        let ends = [(0i16, 0i16), (30, -4), (-32000, 32000), (5, 5), (400, 3)];
        let segments: dispd_protocol::Packed<Segment> = ends
            .windows(2)
            .map(|w| Segment {
                x1: w[0].0,
                y1: w[0].1,
                x2: w[1].0,
                y2: w[1].1,
            })
            .collect();
        let points: dispd_protocol::Packed<SmallPoint> =
            ends.iter().map(|&(x, y)| SmallPoint { x, y }).collect();
        let singles: Vec<DrawOp> = ends
            .windows(2)
            .map(|w| DrawOp::Line {
                x1: w[0].0.into(),
                y1: w[0].1.into(),
                x2: w[1].0.into(),
                y2: w[1].1.into(),
            })
            .collect();
        for state in [
            vec![],
            vec![DrawOp::SetLineWidth(7)],
            vec![DrawOp::SetTransform {
                sx: 2.0,
                sy: 0.5,
                tx: 3.0,
                ty: 0.0,
            }],
        ] {
            let cost = |ops: &[DrawOp]| {
                let mut c = Cost::new(Rect::new(0, 0, 300, 200));
                let mut total = 0;
                for op in state.iter().chain(ops) {
                    total = c.add(op);
                }
                total
            };
            let want = cost(&singles);
            assert!(want > 0);
            assert_eq!(cost(&[DrawOp::Segments(segments.clone())]), want, "{state:?}");
            assert_eq!(cost(&[DrawOp::Lines(points.clone())]), want, "{state:?}");
        }
    }

    #[test]
    fn clips_cost_a_mask_of_the_target() {
        let mut c = Cost::new(Rect::new(0, 0, 100, 100));
        assert_eq!(c.add(&DrawOp::SetClip(vec![Rect::new(0, 0, 1, 1)])), 10_000);
    }

    #[test]
    fn many_clears_of_a_big_window_go_over() {
        let mut c = Cost::new(Rect::new(0, 0, 2048, 2048));
        let mut total = 0;
        for _ in 0..2000 {
            total = c.add(&DrawOp::Clear);
        }
        assert!(total > MAX_BATCH_PIXELS);
    }
}
