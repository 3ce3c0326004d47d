//! Fast paths for aliased shapes in a solid colour, as X draws them: straight stores and row
//! fills instead of tiny-skia's general path pipeline. Used only when the result is the same
//! pixels tiny-skia would choose (pixel centres inside the shape), with a solid opaque-or-not
//! colour, a whole-pixel transform and at most one clip rectangle.

use dispd_protocol::{Color, Rect};

use super::{pack, pixel, vector, Framebuffer};

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

    /// Paints the Bresenham line from `(x1, y1)` to `(x2, y2)`, the end included when
    /// `with_end` (X's caps other than `CapNotLast`), stepping through the pixels by index: both
    /// ends must lie inside `clip` (within the framebuffer), and then every pixel between them
    /// does too.
    #[inline]
    pub(super) fn line_inside(
        self,
        fb: &mut Framebuffer,
        clip: Rect,
        a: (i64, i64),
        b: (i64, i64),
        with_end: bool,
    ) {
        self.lines_inside(fb, clip, std::iter::once((a, b)), with_end);
    }

    /// [`Ink::line_inside`] for each pair of ends, with the framebuffer's width, its pixels
    /// and the choice between storing and blending worked out once for the run: every end
    /// must lie inside `clip`.
    #[inline]
    pub(super) fn lines_inside(
        self,
        fb: &mut Framebuffer,
        clip: Rect,
        pairs: impl Iterator<Item = ((i64, i64), (i64, i64))>,
        with_end: bool,
    ) {
        let w = i64::from(fb.width());
        let pixels = fb.pixels_mut();
        let src = self.src;
        if self.store {
            for (a, b) in pairs {
                let (start, d, step) = line_steps(w, clip, a, b);
                line_indices(start, d, step, with_end, |i| pixels[i] = src);
            }
        } else {
            for (a, b) in pairs {
                let (start, d, step) = line_steps(w, clip, a, b);
                line_indices(start, d, step, with_end, |i| {
                    pixels[i] = pixel::over(pixels[i], src)
                });
            }
        }
    }

    /// Paints the Bresenham lines joining `points` one after the other (and the last back to
    /// the first when `closed`), as [`Ink::line_inside`] would line by line: every point must
    /// lie inside `clip`. The framebuffer's width, its pixels and the choice between storing
    /// and blending are worked out once for the run. A stored ink paints each join once (the
    /// end of one line is the start of the next, as X draws a `PolyLine`); the pixels are the
    /// same. A blended one paints each line whole, joins twice, as line by line. Without
    /// `with_end` (X's `CapNotLast`), no line paints its end: each join is painted once, and
    /// the last point not at all.
    #[inline]
    pub(super) fn polyline_inside(
        self,
        fb: &mut Framebuffer,
        clip: Rect,
        mut points: impl Iterator<Item = (i64, i64)>,
        closed: bool,
        with_end: bool,
    ) {
        let w = i64::from(fb.width());
        let pixels = fb.pixels_mut();
        let src = self.src;
        let Some(first) = points.next() else { return };
        let line = |a, b| line_steps(w, clip, a, b);
        let mut last = first;
        if self.store {
            for p in points.chain(closed.then_some(first)) {
                let (start, d, step) = line(last, p);
                line_indices(start, d, step, false, |i| pixels[i] = src);
                last = p;
            }
            // The last point (for a closed run, the first again: stored twice, the same pixel,
            // and the only one when every line has no length).
            if with_end {
                pixels[(last.1 * w + last.0) as usize] = src;
            }
        } else {
            for p in points.chain(closed.then_some(first)) {
                let (start, d, step) = line(last, p);
                line_indices(start, d, step, with_end, |i| {
                    pixels[i] = pixel::over(pixels[i], src)
                });
                last = p;
            }
        }
    }

    /// Paints the rectangle `r`, which lies within the framebuffer.
    pub(super) fn fill(self, fb: &mut Framebuffer, r: Rect) {
        if self.store {
            return vector::fill_rect(fb, r, self.src);
        }
        let (x0, x1) = (r.x as usize, r.x as usize + r.width as usize);
        for y in r.y as u32..r.y as u32 + r.height {
            let row = &mut fb.row_mut(y)[x0..x1];
            row.iter_mut().for_each(|p| *p = pixel::over(*p, self.src));
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

/// For the line from `(x1, y1)` to `(x2, y2)`, both inside `clip`, in a framebuffer `w` pixels
/// wide: the index of its start, its columns and rows, and the index steps along x and y, as
/// [`line_indices`] takes them.
#[inline]
fn line_steps(
    w: i64,
    clip: Rect,
    (x1, y1): (i64, i64),
    (x2, y2): (i64, i64),
) -> (i64, (i64, i64), (i64, i64)) {
    debug_assert!(clip_has(clip, x1, y1) && clip_has(clip, x2, y2));
    let step_x = if x1 < x2 { 1 } else { -1 };
    let step_y = if y1 < y2 { w } else { -w };
    (y1 * w + x1, ((x2 - x1).abs(), (y2 - y1).abs()), (step_x, step_y))
}

/// Whether pixel `(x, y)` lies inside `r`.
pub(super) fn clip_has(r: Rect, x: i64, y: i64) -> bool {
    x >= i64::from(r.x) && y >= i64::from(r.y) && x < r.right() && y < r.bottom()
}

/// Calls `visit` with the index of each pixel of the Bresenham line that starts at index
/// `start` and runs `adx` columns and `ady` rows (both at least 0) in the directions of the index
/// steps `step_x` and `step_y`, the start included and the end when `with_end`: the pixels
/// `draw::bresenham` walks.
///
/// Pixel `k` of the `len + 1` along the major axis is `m_k = floor((2k·minor + len) / (2·len))`
/// steps along the minor one (the walk's error term, solved). Worked out in 32.32 fixed point
/// with the slope rounded up, each pixel's index depends on the step count alone, not on the
/// last pixel's error term, so the pixels do not wait for one another. The rounding stays exact
/// while `2·len² < 2^32`; longer lines (beyond any window) take the step-by-step walk.
#[inline]
pub(super) fn line_indices(
    start: i64,
    (adx, ady): (i64, i64),
    (step_x, step_y): (i64, i64),
    with_end: bool,
    mut visit: impl FnMut(usize),
) {
    let (len, minor, step_major, step_minor) = if adx >= ady {
        (adx, ady, step_x, step_y)
    } else {
        (ady, adx, step_y, step_x)
    };
    if len >= 1 << 15 {
        return line_indices_stepped(start, len, minor, step_major, step_minor, with_end, visit);
    }
    let slope = match SHORT_SLOPES.get(len as usize) {
        // Short lines: no division (`minor <= len`).
        Some(row) => row[minor as usize],
        None => ((minor as u64) << 32).div_ceil(len as u64),
    };
    let mut acc: u64 = 1 << 31;
    let mut major = start;
    // `0..len + 1`, not `0..=len`: an inclusive range keeps a flag that costs a third of
    // this loop's instructions. (Visiting the end after the loop instead measured 30% slower
    // for 10-pixel segments.)
    for _ in 0..len + i64::from(with_end) {
        visit((major + (acc >> 32) as i64 * step_minor) as usize);
        major += step_major;
        acc += slope;
    }
}

/// `ceil(minor · 2^32 / len)` for lines shorter than 32 pixels, so that they pay no division
/// for their slope (a division per 10-pixel line cost more than the walk saved).
static SHORT_SLOPES: [[u64; 32]; 32] = {
    let mut t = [[0u64; 32]; 32];
    let mut len = 1;
    while len < 32 {
        let mut minor = 0;
        while minor <= len {
            t[len][minor] = ((minor as u64) << 32).div_ceil(len as u64);
            minor += 1;
        }
        len += 1;
    }
    t
};

/// Calls `visit(x, y)` for each pixel of the Bresenham line from `from` to `to` (the end
/// included when `with_end`) that lies inside a framebuffer of `width` x `height`: the pixels
/// [`line_indices`] walks for the whole line, in the same order, whatever part of the line is
/// outside. Only the steps inside are taken: the first is found from the closed form, so the
/// cost is bounded by the framebuffer's size whatever the coordinates.
pub(super) fn line_pixels_within(
    (x1, y1): (i64, i64),
    (x2, y2): (i64, i64),
    with_end: bool,
    (width, height): (i64, i64),
    mut visit: impl FnMut(i64, i64),
) {
    let (adx, ady) = ((x2 - x1).abs(), (y2 - y1).abs());
    // Major axis `a`, minor `b`: start, direction and the framebuffer's extent along each.
    let ((a0, sa, ext_a), (b0, sb, ext_b), len, minor) = if adx >= ady {
        (
            (x1, (x2 - x1).signum(), width),
            (y1, (y2 - y1).signum(), height),
            adx,
            ady,
        )
    } else {
        (
            (y1, (y2 - y1).signum(), height),
            (x1, (x2 - x1).signum(), width),
            ady,
            adx,
        )
    };
    let last = if with_end { len } else { len - 1 };
    // The steps `k` whose coordinate `c0 + s * k` lies in `0..ext` (any `k` when `s` is 0 and
    // `c0` is inside, none when it is outside).
    let steps_inside = |c0: i64, s: i64, ext: i64| -> (i128, i128) {
        let (c0, ext) = (i128::from(c0), i128::from(ext));
        match s {
            0 if (0..ext).contains(&c0) => (i128::MIN, i128::MAX),
            0 => (1, 0),
            1 => (-c0, ext - 1 - c0),
            _ => (c0 - (ext - 1), c0),
        }
    };
    let (mut lo, mut hi) = (0i128, i128::from(last));
    let (alo, ahi) = steps_inside(a0, sa, ext_a);
    (lo, hi) = (lo.max(alo), hi.min(ahi));
    // Along the minor axis the walk has moved `m_k = floor((2k·minor + len) / (2·len))` steps
    // at step `k`: the range of `m` inside, turned into a range of `k`.
    let (mlo, mhi) = steps_inside(b0, sb, ext_b);
    let (len2, minor2) = (2 * i128::from(len), 2 * i128::from(minor));
    if minor == 0 {
        if !(mlo..=mhi).contains(&0) {
            return;
        }
    } else {
        // m_k >= mlo  <=>  2k·minor >= 2·len·mlo - len;  m_k <= mhi  <=>  2k·minor <= 2·len·(mhi + 1) - len - 1.
        let from_m = |m: i128| {
            (len2 * m - i128::from(len)).div_euclid(minor2)
                + i128::from((len2 * m - i128::from(len)).rem_euclid(minor2) != 0)
        };
        if mlo > i128::MIN {
            lo = lo.max(from_m(mlo));
        }
        if mhi < i128::MAX {
            hi = hi.min((len2 * (mhi + 1) - i128::from(len) - 1).div_euclid(minor2));
        }
    }
    if lo > hi {
        return;
    }
    // Bounded by the framebuffer's extent along the major axis, so these fit 64 bits.
    let numerator = minor2 * lo + i128::from(len);
    let (mut k, mut m) = (lo as i64, numerator.div_euclid(len2.max(1)) as i64);
    let mut rest = numerator.rem_euclid(len2.max(1)) as i64;
    let (len2, minor2) = (len2 as i64, minor2 as i64);
    while k <= hi as i64 {
        let (a, b) = (a0 + sa * k, b0 + sb * m);
        if adx >= ady {
            visit(a, b);
        } else {
            visit(b, a);
        }
        k += 1;
        rest += minor2;
        if rest >= len2 && len2 > 0 {
            rest -= len2;
            m += 1;
        }
    }
}

/// [`line_indices`] by the error term, one step after the other.
fn line_indices_stepped(
    start: i64,
    len: i64,
    minor: i64,
    step_major: i64,
    step_minor: i64,
    with_end: bool,
    mut visit: impl FnMut(usize),
) {
    let (mut i, mut err) = (start, len - minor);
    for _ in 0..len + i64::from(with_end) {
        visit(i as usize);
        let moves = i64::from(2 * err <= len);
        err += len * moves - minor;
        i += step_major + step_minor * moves;
    }
}

/// Ellipses up to this width and height have their pixels computed once per size and batch.
const CACHED_ELLIPSE: u32 = 1024;

/// An ellipse's size, and something computed for that size.
type BySize<T> = Option<((u32, u32), Vec<T>)>;

/// The pixels of the last ellipse sizes drawn in a batch, relative to the top-left of their
/// rectangle: a batch of same-size circles (the usual case) computes its shape once.
#[derive(Debug, Default)]
pub(super) struct EllipseCache {
    /// Size and rows `(y, x0, x1)` of the last filled ellipse.
    fill: BySize<(i64, i64, i64)>,
    /// Size and pixels, each once, of the last outline.
    outline: BySize<(i64, i64)>,
    /// For the last outline and framebuffer width `w`, its pixels as index offsets
    /// `y * w + x` from its rectangle's top-left corner.
    outline_offsets: Option<((u32, u32), i64, Vec<i64>)>,
}

/// Fills the ellipse inscribed in `r`: every pixel whose centre lies inside, within `clip` and,
/// when `keep` is given (a clip of several rectangles), only where it holds. Returns the rows
/// touched as a rectangle.
pub(super) fn fill_ellipse(
    fb: &mut Framebuffer,
    ink: Ink,
    clip: Rect,
    r: Rect,
    cache: &mut EllipseCache,
    keep: Option<&dyn Fn(i64, i64) -> bool>,
) -> Option<Rect> {
    let size = (r.width, r.height);
    let (ox, oy) = (i64::from(r.x), i64::from(r.y));
    if let Some(keep) = keep {
        // Pixel by pixel, the rows inside the clip computed afresh (no cache: the slow path).
        let rows = (i64::from(clip.y) - oy).max(0)..(clip.bottom() - oy).min(i64::from(r.height));
        ellipse_rows(size, rows, |y, x0, x1| {
            let (y, x0, x1) = (
                oy + y,
                (ox + x0).max(i64::from(clip.x)),
                (ox + x1).min(clip.right()),
            );
            (x0..x1)
                .filter(|&x| keep(x, y))
                .for_each(|x| ink.plot(fb, clip, x, y));
        });
    } else if size.0 > CACHED_ELLIPSE || size.1 > CACHED_ELLIPSE {
        // Only rows inside the clip are computed: the work stays bounded by the target's size.
        let rows = (i64::from(clip.y) - oy).max(0)..(clip.bottom() - oy).min(i64::from(r.height));
        ellipse_rows(size, rows, |y, x0, x1| {
            ink.span(fb, clip, oy + y, ox + x0, ox + x1)
        });
    } else {
        let rows = match &mut cache.fill {
            Some((cached, rows)) if *cached == size => rows,
            slot => {
                let mut rows = Vec::new();
                ellipse_rows(size, 0..i64::from(r.height), |y, x0, x1| rows.push((y, x0, x1)));
                &slot.insert((size, rows)).1
            }
        };
        for &(y, x0, x1) in rows.iter() {
            ink.span(fb, clip, oy + y, ox + x0, ox + x1);
        }
    }
    r.intersect(&clip)
}

/// Calls `span(y, x0, x1)` for the pixels `x0..x1` of each row `y` in `rows` inside the
/// ellipse inscribed in a `w` x `h` rectangle at the origin.
fn ellipse_rows((w, h): (u32, u32), rows: std::ops::Range<i64>, mut span: impl FnMut(i64, i64, i64)) {
    let (rx, ry) = (f64::from(w) / 2.0, f64::from(h) / 2.0);
    if rx <= 0.0 || ry <= 0.0 {
        return;
    }
    for y in rows {
        let dy = (y as f64 + 0.5 - ry) / ry;
        let t = 1.0 - dy * dy;
        if t <= 0.0 {
            continue;
        }
        let half = rx * t.sqrt();
        // Pixel x is inside when |x + 0.5 - rx| < half.
        let x0 = (rx - half - 0.5).floor() as i64 + 1;
        let x1 = (rx + half - 0.5).ceil() as i64;
        if x0 < x1 {
            span(y, x0, x1);
        }
    }
}

/// Strokes the 1-pixel outline of the ellipse inscribed in `r`, through the centres of its edge
/// pixels, without gaps: one pixel per row on each side where the outline is steep, one per
/// column where it is flat. Every pixel is painted once (translucent ink blends once), within
/// `clip` and, when `keep` is given (a clip of several rectangles), only where it holds.
pub(super) fn stroke_ellipse(
    fb: &mut Framebuffer,
    ink: Ink,
    clip: Rect,
    r: Rect,
    cache: &mut EllipseCache,
    keep: Option<&dyn Fn(i64, i64) -> bool>,
) -> Option<Rect> {
    if r.width == 0 || r.height == 0 {
        return None;
    }
    let size = (r.width, r.height);
    let (ox, oy) = (i64::from(r.x), i64::from(r.y));
    if keep.is_some() || size.0 > CACHED_ELLIPSE || size.1 > CACHED_ELLIPSE {
        // Only columns and rows inside the clip are walked, so the work (and `seen`) stays
        // bounded by the target's size however large the ellipse.
        let local = Rect::new(
            clip.x.saturating_sub(r.x),
            clip.y.saturating_sub(r.y),
            clip.width,
            clip.height,
        );
        // Some pixels are reached from both a row and a column.
        let mut seen = std::collections::HashSet::new();
        let keep = keep.unwrap_or(&|_, _| true);
        ellipse_outline(size, local, |x, y| {
            let (x, y) = (ox + x, oy + y);
            if keep(x, y) && (ink.store || seen.insert((x, y))) {
                ink.plot(fb, clip, x, y);
            }
        });
    } else {
        let pixels = match &mut cache.outline {
            Some((cached, pixels)) if *cached == size => pixels,
            slot => {
                let mut pixels = Vec::new();
                let whole = Rect::new(0, 0, r.width, r.height);
                ellipse_outline(size, whole, |x, y| pixels.push((x, y)));
                pixels.sort_unstable();
                pixels.dedup();
                &slot.insert((size, pixels)).1
            }
        };
        if r.intersect(&clip) == Some(r) {
            // Wholly inside the clip: stores by index, no test per pixel, each pixel an offset
            // from the corner worked out once per size and framebuffer width.
            let w = i64::from(fb.width());
            let offsets = match &mut cache.outline_offsets {
                Some((cached, width, offsets)) if *cached == size && *width == w => offsets,
                slot => {
                    let offsets = pixels.iter().map(|&(x, y)| y * w + x).collect();
                    &slot.insert((size, w, offsets)).2
                }
            };
            let (corner, src) = (oy * w + ox, ink.src);
            let pixels_out = fb.pixels_mut();
            if ink.store {
                offsets
                    .iter()
                    .for_each(|&o| pixels_out[(corner + o) as usize] = src);
            } else {
                offsets.iter().for_each(|&o| {
                    let p = &mut pixels_out[(corner + o) as usize];
                    *p = pixel::over(*p, src);
                });
            }
        } else {
            for &(x, y) in pixels.iter() {
                ink.plot(fb, clip, ox + x, oy + y);
            }
        }
    }
    r.intersect(&clip)
}

/// Calls `put(x, y)` for the outline pixels of the ellipse inscribed in a `w` x `h` rectangle
/// at the origin, in the columns and rows of `within`; a pixel may come twice.
fn ellipse_outline((w, h): (u32, u32), within: Rect, mut put: impl FnMut(i64, i64)) {
    let (rx, ry) = ((f64::from(w) - 1.0) / 2.0, (f64::from(h) - 1.0) / 2.0);
    let (cols, rows) = (
        i64::from(within.x).max(0)..within.right().min(i64::from(w)),
        i64::from(within.y).max(0)..within.bottom().min(i64::from(h)),
    );
    if rx <= 0.0 || ry <= 0.0 {
        // One pixel wide or high: a line.
        if ry <= 0.0 {
            cols.for_each(|x| put(x, 0));
        } else {
            rows.for_each(|y| put(0, y));
        }
        return;
    }
    // Where the outline's slope is below 1, step along x; elsewhere along y.
    let x_limit = rx * rx / (rx * rx + ry * ry).sqrt();
    let y_limit = ry * ry / (rx * rx + ry * ry).sqrt();
    let x_first = ((rx - x_limit - 0.5).ceil() as i64).max(cols.start);
    let x_last = ((rx + x_limit + 0.5).floor() as i64).min(cols.end - 1);
    for x in x_first..=x_last {
        let dx = x as f64 - rx;
        let dy = ry * (1.0 - (dx / rx).powi(2)).max(0.0).sqrt();
        put(x, (ry - dy).round() as i64);
        put(x, (ry + dy).round() as i64);
    }
    let y_first = ((ry - y_limit - 0.5).ceil() as i64).max(rows.start);
    let y_last = ((ry + y_limit + 0.5).floor() as i64).min(rows.end - 1);
    for y in y_first..=y_last {
        let dy = y as f64 - ry;
        let dx = rx * (1.0 - (dy / ry).powi(2)).max(0.0).sqrt();
        put((rx - dx).round() as i64, y);
        put((rx + dx).round() as i64, y);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pixel indices both walks give for a line of `adx` columns and `ady` rows.
    fn both(adx: i64, ady: i64, steps: (i64, i64)) -> (Vec<usize>, Vec<usize>) {
        let (mut solved, mut stepped) = (Vec::new(), Vec::new());
        line_indices(1 << 40, (adx, ady), steps, true, |i| solved.push(i));
        let (len, minor, major, minor_step) = if adx >= ady {
            (adx, ady, steps.0, steps.1)
        } else {
            (ady, adx, steps.1, steps.0)
        };
        line_indices_stepped(1 << 40, len, minor, major, minor_step, true, |i| stepped.push(i));
        (solved, stepped)
    }

    #[test]
    fn the_solved_line_walk_gives_the_stepped_walk_s_pixels() {
        // Every slope of lines up to 100 pixels, in all four directions.
        for adx in 0..=100 {
            for ady in 0..=100 {
                for steps in [(1, 10_000), (-1, 10_000), (1, -10_000), (-1, -10_000)] {
                    let (solved, stepped) = both(adx, ady, steps);
                    assert_eq!(solved, stepped, "{adx} x {ady}, steps {steps:?}");
                }
            }
        }
        // Long lines, up to where the fixed point must give way, with slopes near the ties.
        let mut rng = 0x9e37_79b9_u32;
        for _ in 0..300 {
            rng ^= rng << 13;
            rng ^= rng >> 17;
            rng ^= rng << 5;
            let len = [8191, 20_000, 32_767][rng as usize % 3];
            let minor = i64::from(rng >> 8) % (len + 1);
            for (adx, ady) in [(len, minor), (minor, len), (len, len / 2), (len, len / 2 + 1)] {
                let (solved, stepped) = both(adx, ady, (1, 1 << 20));
                assert_eq!(solved, stepped, "{adx} x {ady}");
            }
        }
    }
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
        stroke_ellipse(
            &mut fb,
            ink,
            clip,
            Rect::new(10, 32 - 8_000_000, d, d),
            &mut EllipseCache::default(),
            None,
        );
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
        stroke_ellipse(
            &mut fb,
            ink,
            clip,
            Rect::new(2, 2, 11, 11),
            &mut EllipseCache::default(),
            None,
        );
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

    #[test]
    fn a_cached_outline_lands_right_in_framebuffers_of_other_widths() {
        // The outline's pixels are kept as offsets for one framebuffer width: the same size
        // drawn into a wider and then a narrower framebuffer, with one cache, must still give
        // the directly walked pixels.
        let mut cache = EllipseCache::default();
        for width in [40, 57, 40, 23] {
            let size = Size::new(width, 20);
            let ink = Ink::new(&Framebuffer::new(size, Color::WHITE), Color::BLACK, true);
            let (mut cached, mut direct) = (
                Framebuffer::new(size, Color::WHITE),
                Framebuffer::new(size, Color::WHITE),
            );
            let clip = cached.bounds();
            stroke_ellipse(&mut cached, ink, clip, Rect::new(6, 4, 10, 10), &mut cache, None);
            ellipse_outline((10, 10), Rect::new(0, 0, 10, 10), |x, y| {
                ink.plot(&mut direct, clip, 6 + x, 4 + y)
            });
            assert_eq!(cached.pixels(), direct.pixels(), "{width} wide");
        }
    }

    #[test]
    fn cached_shapes_match_the_direct_walk_wherever_they_are_drawn() {
        // One cache across many ellipses of a few sizes, partly outside a clip rectangle,
        // against the same shapes walked directly for each ellipse: the same pixels. Translucent
        // ink shows a pixel painted twice, so every outline pixel must hold the same value.
        let clip = Rect::new(3, 2, 30, 25);
        let ink = Ink::new(
            &Framebuffer::new(Size::new(1, 1), Color::WHITE),
            Color::rgba(0, 0, 0, 100),
            false,
        );
        let mut cache = EllipseCache::default();
        for (i, (w, h)) in [(10, 10), (7, 12), (10, 10), (1, 5), (6, 1), (16, 9)]
            .into_iter()
            .enumerate()
        {
            for (x, y) in [(0, 0), (5, 6), (25, 20), (-4, 9), (28, -3)] {
                let r = Rect::new(x, y, w, h);
                let mut cached = Framebuffer::new(Size::new(40, 32), Color::WHITE);
                let mut direct = Framebuffer::new(Size::new(40, 32), Color::WHITE);
                if i % 2 == 0 {
                    stroke_ellipse(&mut cached, ink, clip, r, &mut cache, None);
                    let mut seen = std::collections::HashSet::new();
                    ellipse_outline((w, h), Rect::new(0, 0, w, h), |px, py| {
                        if seen.insert((px, py)) {
                            ink.plot(&mut direct, clip, i64::from(x) + px, i64::from(y) + py);
                        }
                    });
                    let inked: Vec<u32> = cached
                        .pixels()
                        .iter()
                        .copied()
                        .filter(|&p| p != 0xffff_ffff)
                        .collect();
                    assert!(
                        inked.windows(2).all(|p| p[0] == p[1]),
                        "a pixel blended twice in {r:?}"
                    );
                } else {
                    fill_ellipse(&mut cached, ink, clip, r, &mut cache, None);
                    ellipse_rows((w, h), 0..i64::from(h), |py, x0, x1| {
                        ink.span(
                            &mut direct,
                            clip,
                            i64::from(y) + py,
                            i64::from(x) + x0,
                            i64::from(x) + x1,
                        )
                    });
                }
                assert_eq!(cached.pixels(), direct.pixels(), "{w}x{h} at ({x}, {y})");
                for (n, &p) in cached.pixels().iter().enumerate() {
                    let (px, py) = ((n % 40) as i64, (n / 40) as i64);
                    assert!(p == 0xffff_ffff || clip_has(clip, px, py), "ink outside the clip");
                }
            }
        }
    }
}
