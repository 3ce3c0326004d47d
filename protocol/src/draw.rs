//! The ops of a draw batch ([`crate::Request::Draw`]) and the drawing state they share.
//!
//! A batch carries drawing state, as an X graphics context does, so that each op stays small.
//! Every batch starts from the same state:
//!
//! | state | initial value | set by |
//! |---|---|---|
//! | paint | opaque black | [`DrawOp::SetColor`], [`DrawOp::SetPaint`] |
//! | line width | 1 | [`DrawOp::SetLineWidth`] |
//! | line cap, join | butt, miter | [`DrawOp::SetLineCap`], [`DrawOp::SetLineJoin`] |
//! | dashes | none (solid) | [`DrawOp::SetDash`] |
//! | fill rule | non-zero | [`DrawOp::SetFillRule`] |
//! | anti-aliasing | off (crisp X-style pixels) | [`DrawOp::SetAntialias`] |
//! | blend mode | source-over | [`DrawOp::SetBlend`] |
//! | transform | identity | [`DrawOp::SetTransform`] |
//! | clip | none | [`DrawOp::SetClip`] |
//! | font | sans, 16 px | [`DrawOp::SetFontFace`], [`DrawOp::SetFontSize`] |
//!
//! Coordinates are pixels of the target drawable, before the transform. A pixel's centre is at
//! `(x + 0.5, y + 0.5)`; aliased fills cover the pixels whose centres lie inside the shape, so
//! `FillRect(0, 0, 2, 2)` covers exactly four pixels. Angles are in 1/64 degree, counter-clockwise
//! from three o'clock, as in X11.
//!
//! A batch applies as a whole: every op is checked before any is drawn, and a batch with a bad op
//! changes nothing.

use serde::{Deserialize, Serialize};

use crate::geometry::{Color, Point, Rect};
use crate::packed::{Packed, Segment, SmallPoint, SmallRect};
use crate::request::Drawable;

/// One op in a draw batch. New variants are only added at the end.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum DrawOp {
    /// Paint the following ops with a solid colour (same as `SetPaint(Paint::Solid(..))`).
    SetColor(Color),
    /// Set the width in pixels of the following strokes (0 is treated as 1).
    SetLineWidth(u16),
    /// Set the pixel size of the following text.
    SetFontSize(u16),
    /// Fill the whole drawable (clip and blend mode apply; the transform does not).
    Clear,
    /// Fill a rectangle.
    FillRect(Rect),
    /// A straight line from `(x1, y1)` to `(x2, y2)`. With the default state (width 1, no
    /// dashes, anti-aliasing off) it is drawn X-style, both end pixels included (Bresenham);
    /// otherwise it is stroked like a two-point [`DrawOp::Polyline`] with the line state.
    Line {
        /// Start, x.
        x1: i32,
        /// Start, y.
        y1: i32,
        /// End, x.
        x2: i32,
        /// End, y.
        y2: i32,
    },
    /// Text whose baseline starts at `(x, y)`, in the current face and size.
    Text {
        /// Left end of the baseline.
        x: i32,
        /// The baseline.
        y: i32,
        /// The text, UTF-8.
        text: String,
    },
    /// Paint with a colour or a gradient.
    SetPaint(Paint),
    /// Anti-aliasing on (smooth edges) or off (crisp pixels, the default).
    SetAntialias(bool),
    /// How paint combines with what is there.
    SetBlend(BlendMode),
    /// How open ends of strokes look.
    SetLineCap(LineCap),
    /// How corners of strokes look.
    SetLineJoin(LineJoin),
    /// Dashes for strokes: lengths of on and off runs in pixels, alternating (empty: solid).
    SetDash {
        /// On, off, on, off ... (an odd count repeats the list).
        #[serde(deserialize_with = "crate::bounded::elements")]
        pattern: Vec<u16>,
        /// How far into the pattern strokes start.
        offset: u16,
    },
    /// Which parts of a self-intersecting shape are inside.
    SetFillRule(FillRule),
    /// Scale then translate every following coordinate: `x' = x * sx + tx`. Gradient points
    /// are in the same space as shapes and move with them. Text is positioned by it but keeps its
    /// size; images, copies and `Clear` ignore it.
    SetTransform {
        /// Horizontal scale.
        sx: f32,
        /// Vertical scale.
        sy: f32,
        /// Horizontal offset.
        tx: f32,
        /// Vertical offset.
        ty: f32,
    },
    /// Draw only inside these rectangles (their union; target coordinates, no transform). An
    /// empty list removes the clip.
    SetClip(#[serde(deserialize_with = "crate::bounded::elements")] Vec<Rect>),
    /// The face of the following text.
    SetFontFace(FontFace),
    /// Single pixels (or squares of the line width).
    Points(#[serde(deserialize_with = "crate::bounded::elements")] Vec<Point>),
    /// Connected line segments through the points, stroked with the line state.
    Polyline {
        /// The points.
        #[serde(deserialize_with = "crate::bounded::elements")]
        points: Vec<Point>,
        /// Whether the last point joins the first.
        closed: bool,
    },
    /// The outline of a rectangle, stroked with the line state.
    StrokeRect(Rect),
    /// Fill a rectangle with rounded corners.
    FillRoundRect {
        /// The rectangle.
        rect: Rect,
        /// Corner radius in pixels.
        radius: u16,
    },
    /// Stroke the outline of a rectangle with rounded corners.
    StrokeRoundRect {
        /// The rectangle.
        rect: Rect,
        /// Corner radius in pixels.
        radius: u16,
    },
    /// Fill a polygon with the fill rule.
    FillPolygon(#[serde(deserialize_with = "crate::bounded::elements")] Vec<Point>),
    /// Fill a path with the fill rule.
    FillPath(#[serde(deserialize_with = "crate::bounded::elements")] Vec<PathSeg>),
    /// Stroke a path with the line state.
    StrokePath(#[serde(deserialize_with = "crate::bounded::elements")] Vec<PathSeg>),
    /// Fill the ellipse inscribed in a rectangle.
    FillEllipse(Rect),
    /// Stroke the ellipse inscribed in a rectangle.
    StrokeEllipse(Rect),
    /// Stroke an arc of the ellipse inscribed in `rect`.
    Arc {
        /// The ellipse's bounding rectangle.
        rect: Rect,
        /// Start angle, 1/64 degree.
        start: i32,
        /// Sweep, 1/64 degree (negative: clockwise).
        sweep: i32,
    },
    /// Fill a pie slice of the ellipse inscribed in `rect`.
    FillPie {
        /// The ellipse's bounding rectangle.
        rect: Rect,
        /// Start angle, 1/64 degree.
        start: i32,
        /// Sweep, 1/64 degree (negative: clockwise).
        sweep: i32,
    },
    /// Draw `src` of an image (or window) of this client's into `dst`, scaled to fit, blended by
    /// the image's alpha (smoothly scaled when anti-aliasing is on).
    DrawImage {
        /// The image.
        image: Drawable,
        /// The part of the image to draw.
        src: Rect,
        /// Where it goes.
        dst: Rect,
    },
    /// Copy `src` of a drawable of this client's to `(x, y)` here, pixels as they are (no
    /// blending, no transform; overlapping copies within one drawable work, for scrolling).
    CopyArea {
        /// Where the pixels come from (may be the target itself).
        source: Drawable,
        /// The area to copy.
        src: Rect,
        /// Destination, x.
        x: i32,
        /// Destination, y.
        y: i32,
    },
    /// Line segments, each drawn as [`DrawOp::Line`] would draw it: X's `PolySegment`, 8 bytes
    /// a segment with 16-bit coordinates.
    Segments(Packed<Segment>),
    /// Rectangles, each filled as [`DrawOp::FillRect`] would fill it: X's
    /// `PolyFillRectangle`, 8 bytes a rectangle with 16-bit coordinates.
    FillRects(Packed<SmallRect>),
    /// Connected line segments through the points, drawn as [`DrawOp::Polyline`] (not closed)
    /// would draw them: X's `PolyLine`, 4 bytes a point with 16-bit coordinates.
    Lines(Packed<SmallPoint>),
    /// The outlines of the ellipses inscribed in the rectangles, each stroked as
    /// [`DrawOp::StrokeEllipse`] would stroke it: X's `PolyArc` of whole ellipses, 8 bytes an
    /// ellipse.
    StrokeEllipses(Packed<SmallRect>),
    /// The ellipses inscribed in the rectangles, each filled as [`DrawOp::FillEllipse`] would
    /// fill it: X's `PolyFillArc` of whole ellipses, 8 bytes an ellipse.
    FillEllipses(Packed<SmallRect>),
}

/// What shapes are painted with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Paint {
    /// One colour.
    Solid(Color),
    /// A linear gradient from `(x0, y0)` to `(x1, y1)`.
    Linear {
        /// Start, x.
        x0: f32,
        /// Start, y.
        y0: f32,
        /// End, x.
        x1: f32,
        /// End, y.
        y1: f32,
        /// Colour stops, 2 to 16.
        #[serde(deserialize_with = "crate::bounded::elements")]
        stops: Vec<GradientStop>,
    },
    /// A radial gradient around `(cx, cy)` out to `radius`.
    Radial {
        /// Centre, x.
        cx: f32,
        /// Centre, y.
        cy: f32,
        /// Radius.
        radius: f32,
        /// Colour stops, 2 to 16.
        #[serde(deserialize_with = "crate::bounded::elements")]
        stops: Vec<GradientStop>,
    },
}

/// One colour of a gradient.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct GradientStop {
    /// Where, from 0.0 (start) to 1.0 (end).
    pub offset: f32,
    /// The colour there.
    pub color: Color,
}

/// How paint combines with the pixels already there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BlendMode {
    /// Paint over, weighted by its alpha (the default).
    SourceOver,
    /// Replace, alpha included. Windows have no alpha: there a translucent colour replaces the
    /// pixel as if composited over black (an off-screen image keeps the alpha).
    Copy,
}

/// How open ends of strokes look.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LineCap {
    /// Flat, at the end point.
    Butt,
    /// Rounded past the end point.
    Round,
    /// Squared past the end point.
    Square,
    /// X's `CapNotLast`: as [`LineCap::Butt`], except that a 1-pixel aliased line leaves out
    /// its last pixel, so that lines drawn end to end touch each pixel once (since protocol 7).
    NotLast,
}

/// How corners of strokes look.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LineJoin {
    /// Sharp.
    Miter,
    /// Rounded.
    Round,
    /// Cut off.
    Bevel,
}

/// Which parts of a self-intersecting shape are inside.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FillRule {
    /// Inside where the winding number is not zero (the default).
    NonZero,
    /// Inside where the winding number is odd.
    EvenOdd,
}

/// The bundled font faces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FontFace {
    /// Proportional sans-serif (DejaVu Sans).
    Sans,
    /// Monospace (DejaVu Sans Mono).
    Mono,
    /// X's bitmap font misc-fixed 6x13: crisp, never anti-aliased, Latin-1 (other characters
    /// are drawn with `Mono` in the same 6x13 cell). Its em is the 13-pixel cell, and it is drawn
    /// only at whole multiples of it: see [`FontFace::drawn_px`].
    Fixed,
}

impl FontFace {
    /// The size in pixels text of this face is drawn at when `px` is asked for: `px` itself
    /// (at least 1, at most 512) for outline faces; for [`FontFace::Fixed`] the nearest multiple
    /// of 13 (at least 13, at most 507), each bit of the font then covering a square.
    pub fn drawn_px(self, px: u16) -> u16 {
        let px = px.clamp(1, 512);
        match self {
            FontFace::Sans | FontFace::Mono => px,
            FontFace::Fixed => ((px + 6) / 13).clamp(1, 39) * 13,
        }
    }
}

/// One step of a path. Coordinates are pixels (fractions allowed).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum PathSeg {
    /// Start a new sub-path at a point.
    MoveTo(f32, f32),
    /// A straight line to a point.
    LineTo(f32, f32),
    /// A quadratic Bézier: control point, end point.
    QuadTo(f32, f32, f32, f32),
    /// A cubic Bézier: two control points, end point.
    CubicTo(f32, f32, f32, f32, f32, f32),
    /// Close the sub-path with a line to its start.
    Close,
}
