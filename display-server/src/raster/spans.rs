//! Fast paths for aliased shapes in a solid colour, as X draws them: straight stores and row
//! fills instead of tiny-skia's general path pipeline. Used only when the result is the same
//! pixels tiny-skia would choose (pixel centres inside the shape), with a solid opaque-or-not
//! colour, a whole-pixel transform and at most one clip rectangle.

use dispd_protocol::{Color, Rect};

use super::{pack, pixel, Framebuffer};

/// A solid colour ready to store, and how.
#[derive(Clone, Copy, Debug)]
pub(super) struct Ink {
    src: u32,
    store: bool,
}

impl Ink {
    /// `color` for `fb`, replacing pixels when `copy`.
    pub(super) fn new(fb: &Framebuffer, color: Color, copy: bool) -> Self {
        let mut src = pack(color);
        if copy && fb.is_opaque() {
            src |= 0xff00_0000;
        }
        Self {
            src,
            store: copy || src >> 24 == 255,
        }
    }

    /// Paints one pixel if it lies inside `clip` (already within the framebuffer).
    #[inline]
    pub(super) fn plot(self, fb: &mut Framebuffer, clip: Rect, x: i64, y: i64) {
        if !clip_has(clip, x, y) {
            return;
        }
        let w = fb.width() as usize;
        let p = &mut fb.pixels_mut()[y as usize * w + x as usize];
        *p = if self.store {
            self.src
        } else {
            pixel::over(*p, self.src)
        };
    }

    /// Paints the Bresenham line from `(x1, y1)` to `(x2, y2)`, both ends included, stepping
    /// through the pixels by index: both ends must lie inside `clip` (within the framebuffer),
    /// and then every pixel between them does too.
    pub(super) fn line_inside(
        self,
        fb: &mut Framebuffer,
        clip: Rect,
        (x1, y1): (i64, i64),
        (x2, y2): (i64, i64),
    ) {
        debug_assert!(clip_has(clip, x1, y1) && clip_has(clip, x2, y2));
        let w = i64::from(fb.width());
        let (dx, dy) = ((x2 - x1).abs(), -(y2 - y1).abs());
        let step_x = if x1 < x2 { 1 } else { -1 };
        let step_y = if y1 < y2 { w } else { -w };
        let pixels = fb.pixels_mut();
        let mut i = y1 * w + x1;
        let mut err = dx + dy;
        let mut paint = |i: i64| {
            let p = &mut pixels[i as usize];
            *p = if self.store {
                self.src
            } else {
                pixel::over(*p, self.src)
            };
        };
        // The same steps as the walk in `draw::bresenham` (both tests on the same error
        // term), split by major axis, along which every step moves; the minor step is
        // branch-free.
        if dx >= -dy {
            for _ in 0..=dx {
                paint(i);
                let minor = i64::from(2 * err <= dx);
                err += dy + dx * minor;
                i += step_x + step_y * minor;
            }
        } else {
            for _ in 0..=-dy {
                paint(i);
                let minor = i64::from(2 * err >= dy);
                err += dx + dy * minor;
                i += step_y + step_x * minor;
            }
        }
    }

    /// Paints pixels `x0..x1` of row `y`, clipped.
    pub(super) fn span(self, fb: &mut Framebuffer, clip: Rect, y: i64, x0: i64, x1: i64) {
        if y < i64::from(clip.y) || y >= clip.bottom() {
            return;
        }
        let (a, b) = (x0.max(i64::from(clip.x)), x1.min(clip.right()));
        if a >= b {
            return;
        }
        let row = fb.row_mut(y as u32);
        let row = &mut row[a as usize..b as usize];
        if self.store {
            row.fill(self.src);
        } else {
            row.iter_mut().for_each(|p| *p = pixel::over(*p, self.src));
        }
    }
}

/// Whether pixel `(x, y)` lies inside `r`.
pub(super) fn clip_has(r: Rect, x: i64, y: i64) -> bool {
    x >= i64::from(r.x) && y >= i64::from(r.y) && x < r.right() && y < r.bottom()
}

/// Fills the ellipse inscribed in `r`: every pixel whose centre lies inside. Returns the rows
/// touched as a rectangle.
pub(super) fn fill_ellipse(fb: &mut Framebuffer, ink: Ink, clip: Rect, r: Rect) -> Option<Rect> {
    let (rx, ry) = (f64::from(r.width) / 2.0, f64::from(r.height) / 2.0);
    if rx <= 0.0 || ry <= 0.0 {
        return None;
    }
    let (cx, cy) = (f64::from(r.x) + rx, f64::from(r.y) + ry);
    let top = i64::from(r.y).max(i64::from(clip.y));
    let bottom = r.bottom().min(clip.bottom());
    for y in top..bottom {
        let dy = (y as f64 + 0.5 - cy) / ry;
        let t = 1.0 - dy * dy;
        if t <= 0.0 {
            continue;
        }
        let half = rx * t.sqrt();
        // Pixel x is inside when |x + 0.5 - cx| < half.
        let x0 = (cx - half - 0.5).floor() as i64 + 1;
        let x1 = (cx + half - 0.5).ceil() as i64;
        ink.span(fb, clip, y, x0, x1);
    }
    r.intersect(&clip)
}

/// Strokes the 1-pixel outline of the ellipse inscribed in `r`, through the centres of its edge
/// pixels, without gaps: one pixel per row on each side where the outline is steep, one per
/// column where it is flat.
pub(super) fn stroke_ellipse(fb: &mut Framebuffer, ink: Ink, clip: Rect, r: Rect) -> Option<Rect> {
    if r.width == 0 || r.height == 0 {
        return None;
    }
    let (rx, ry) = (
        (f64::from(r.width) - 1.0) / 2.0,
        (f64::from(r.height) - 1.0) / 2.0,
    );
    let (cx, cy) = (f64::from(r.x) + rx, f64::from(r.y) + ry);
    // Some pixels are reached from both a row and a column: translucent ink must not blend twice.
    let mut seen = std::collections::HashSet::new();
    let mut put = |fb: &mut Framebuffer, x: i64, y: i64| {
        if ink.store || seen.insert((x, y)) {
            ink.plot(fb, clip, x, y);
        }
    };
    if rx <= 0.0 || ry <= 0.0 {
        ink.span(fb, clip, i64::from(r.y), i64::from(r.x), r.right());
        for y in i64::from(r.y).max(i64::from(clip.y))..r.bottom().min(clip.bottom()) {
            put(fb, i64::from(r.x), y);
        }
        return r.intersect(&clip);
    }
    // Where the outline's slope is below 1, step along x; elsewhere along y.
    let x_limit = rx * rx / (rx * rx + ry * ry).sqrt();
    let y_limit = ry * ry / (rx * rx + ry * ry).sqrt();
    // Only columns and rows inside the clip matter: the work (and `seen`) stays bounded by the
    // target's size however large the ellipse.
    let x_first = ((cx - x_limit - 0.5).ceil() as i64).max(i64::from(clip.x));
    let x_last = ((cx + x_limit + 0.5).floor() as i64).min(clip.right() - 1);
    for x in x_first..=x_last {
        let dx = x as f64 - cx;
        let dy = ry * (1.0 - (dx / rx).powi(2)).max(0.0).sqrt();
        put(fb, x, (cy - dy).round() as i64);
        put(fb, x, (cy + dy).round() as i64);
    }
    let y_first = ((cy - y_limit - 0.5).ceil() as i64).max(i64::from(clip.y));
    let y_last = ((cy + y_limit + 0.5).floor() as i64).min(clip.bottom() - 1);
    for y in y_first..=y_last {
        let dy = y as f64 - cy;
        let dx = rx * (1.0 - (dy / ry).powi(2)).max(0.0).sqrt();
        put(fb, (cx - dx).round() as i64, y);
        put(fb, (cx + dx).round() as i64, y);
    }
    r.intersect(&clip)
}

#[cfg(test)]
mod tests {
    use super::*;
    use dispd_protocol::Size;

    #[test]
    fn a_huge_outline_draws_just_its_visible_arc() {
        // A circle of radius 8 000 000 whose leftmost point is at x = 10 on a 64x64 target: the
        // loops run over the target's rows and columns only (not 16 million of them), and the
        // visible arc is still drawn: near x = 10 around the middle row, nowhere left of it.
        let mut fb = Framebuffer::new(Size::new(64, 64), Color::WHITE);
        let ink = Ink::new(&fb, Color::rgba(0, 0, 0, 128), false);
        let clip = fb.bounds();
        let d = 16_000_001;
        stroke_ellipse(&mut fb, ink, clip, Rect::new(10, 32 - 8_000_000, d, d));
        let inked = |x: i32, y: i32| fb.get(x, y) != Some(0xffff_ffff);
        assert!(inked(10, 32), "the leftmost point");
        assert!(
            (0..64).all(|y| (0..10).all(|x| !inked(x, y))),
            "ink left of the circle"
        );
        // Translucent ink blended once per pixel, even where row and column scans meet.
        assert_eq!(
            fb.get(10, 32),
            Some(crate::raster::pack(Color::rgb(127, 127, 127)))
        );
    }

    #[test]
    fn a_small_outline_is_closed_and_symmetric() {
        let mut fb = Framebuffer::new(Size::new(20, 20), Color::WHITE);
        let ink = Ink::new(&fb, Color::BLACK, false);
        let clip = fb.bounds();
        stroke_ellipse(&mut fb, ink, clip, Rect::new(2, 2, 11, 11));
        let ink_at = |x: i32, y: i32| fb.get(x, y) == Some(0xff00_0000);
        // The four extremes of a circle of diameter 11 from (2, 2), and left-right symmetry.
        assert!(ink_at(7, 2) && ink_at(7, 12) && ink_at(2, 7) && ink_at(12, 7));
        for y in 0..20 {
            for x in 0..20 {
                assert_eq!(ink_at(x, y), ink_at(14 - x, y), "({x}, {y})");
            }
        }
        // Inside untouched.
        assert!(!ink_at(7, 7));
    }
}
