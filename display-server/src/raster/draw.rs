//! Applying a draw batch to a framebuffer.

use dispd_protocol::{Color, DrawOp, Rect};

use super::{Fonts, Framebuffer};

/// Longest text in one op, in bytes.
pub const MAX_TEXT_BYTES: usize = 4096;
/// Widest line, in pixels.
pub const MAX_LINE_WIDTH: u16 = 256;

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
}

/// Drawing state of one batch, reset at the start of each.
struct State {
    color: Color,
    line_width: u16,
    font_px: u16,
}

/// Checks every op of a batch, then draws them all: either the whole batch applies or none of it.
/// Returns the damaged area, if any.
pub fn draw_batch(
    fb: &mut Framebuffer,
    fonts: &mut Fonts,
    ops: &[DrawOp],
    max_ops: usize,
) -> Result<Option<Rect>, BatchError> {
    if ops.len() > max_ops {
        return Err(BatchError::TooManyOps {
            len: ops.len(),
            max: max_ops,
        });
    }
    for (index, op) in ops.iter().enumerate() {
        let reason = match op {
            DrawOp::Text { text, .. } if text.len() > MAX_TEXT_BYTES => {
                format!(
                    "text of {} bytes is over the limit of {MAX_TEXT_BYTES}",
                    text.len()
                )
            }
            DrawOp::SetLineWidth(w) if *w > MAX_LINE_WIDTH => {
                format!("line width {w} is over the limit of {MAX_LINE_WIDTH}")
            }
            _ => continue,
        };
        return Err(BatchError::BadOp { index, reason });
    }
    let mut st = State {
        color: Color::BLACK,
        line_width: 1,
        font_px: 16,
    };
    let mut damage = Damage::default();
    for op in ops {
        match op {
            DrawOp::SetColor(c) => st.color = *c,
            DrawOp::SetLineWidth(w) => st.line_width = (*w).max(1),
            DrawOp::SetFontSize(px) => st.font_px = *px,
            DrawOp::Clear => {
                fb.fill_rect(fb.bounds(), st.color);
                damage.add_rect(fb.bounds());
            }
            DrawOp::FillRect(r) => {
                fb.fill_rect(*r, st.color);
                damage.add_rect(*r);
            }
            DrawOp::Line { x1, y1, x2, y2 } => {
                line(fb, (*x1, *y1), (*x2, *y2), st.line_width, st.color);
                let half = i64::from(st.line_width / 2);
                let w = i64::from(st.line_width);
                let (a, b) = (i64::from(*x1.min(x2)), i64::from(*y1.min(y2)));
                let (c, d) = (i64::from(*x1.max(x2)), i64::from(*y1.max(y2)));
                damage.add(a - half, b - half, c - half + w, d - half + w);
            }
            DrawOp::Text { x, y, text } => {
                if let Some((a, b, c, d)) = fonts.draw(fb, *x, *y, st.font_px, st.color, text) {
                    damage.add(a, b, c, d);
                }
            }
        }
    }
    Ok(damage.clip(fb.bounds()))
}

/// A line `width` pixels thick: each point of the Bresenham line stamps a `width` square.
/// The line is first clipped to the framebuffer (plus a margin for the width), so its cost is
/// bounded by the framebuffer's size whatever the coordinates.
fn line(fb: &mut Framebuffer, from: (i32, i32), to: (i32, i32), width: u16, color: Color) {
    let margin = f64::from(width) + 1.0;
    let bounds = (
        -margin,
        -margin,
        f64::from(fb.width()) + margin,
        f64::from(fb.height()) + margin,
    );
    let Some(((x1, y1), (x2, y2))) = clip_segment(from, to, bounds) else {
        return;
    };
    let (mut x, mut y) = (x1, y1);
    let dx = (x2 - x).abs();
    let dy = -(y2 - y).abs();
    let (sx, sy) = (if x < x2 { 1 } else { -1 }, if y < y2 { 1 } else { -1 });
    let mut err = dx + dy;
    let half = i64::from(width / 2);
    loop {
        if width == 1 {
            fb.blend_pixel(x as i32, y as i32, color, 255);
        } else {
            fb.fill_rect(
                Rect::new((x - half) as i32, (y - half) as i32, width.into(), width.into()),
                color,
            );
        }
        if x == x2 && y == y2 {
            break;
        }
        let e2 = 2 * err;
        if e2 >= dy {
            err += dy;
            x += sx;
        }
        if e2 <= dx {
            err += dx;
            y += sy;
        }
    }
}

/// Liang–Barsky: the part of the segment inside `(x0, y0, x1, y1)`, with endpoints rounded.
/// Endpoints already inside are kept exactly.
fn clip_segment(
    from: (i32, i32),
    to: (i32, i32),
    (bx0, by0, bx1, by1): (f64, f64, f64, f64),
) -> Option<((i64, i64), (i64, i64))> {
    let (ax, ay) = (f64::from(from.0), f64::from(from.1));
    let (dx, dy) = (f64::from(to.0) - ax, f64::from(to.1) - ay);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [(-dx, ax - bx0), (dx, bx1 - ax), (-dy, ay - by0), (dy, by1 - ay)] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    if t0 > t1 {
        return None;
    }
    let at = |t: f64| ((ax + t * dx).round() as i64, (ay + t * dy).round() as i64);
    Some((at(t0), at(t1)))
}

/// The bounding box of what a batch touched.
#[derive(Default)]
struct Damage(Option<(i64, i64, i64, i64)>);

impl Damage {
    fn add_rect(&mut self, r: Rect) {
        self.add(i64::from(r.x), i64::from(r.y), r.right(), r.bottom());
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

#[cfg(test)]
mod tests {
    use super::*;
    use dispd_protocol::Size;

    fn fb() -> Framebuffer {
        Framebuffer::new(Size::new(20, 20), Color::WHITE)
    }

    #[test]
    fn horizontal_line_covers_exactly_its_pixels() {
        let mut f = fb();
        let mut fonts = Fonts::load();
        let ops = [DrawOp::Line {
            x1: 2,
            y1: 5,
            x2: 8,
            y2: 5,
        }];
        let dmg = draw_batch(&mut f, &mut fonts, &ops, 10).unwrap();
        let black: Vec<_> = (0..20)
            .flat_map(|y| (0..20).map(move |x| (x, y)))
            .filter(|&(x, y)| f.get(x, y) == Some(0))
            .collect();
        assert_eq!(black, (2..=8).map(|x| (x, 5)).collect::<Vec<_>>());
        assert_eq!(dmg, Some(Rect::new(2, 5, 7, 1)));
    }

    #[test]
    fn far_away_line_terminates_and_draws_nothing() {
        let mut f = fb();
        let mut fonts = Fonts::load();
        let ops = [
            DrawOp::SetLineWidth(3),
            DrawOp::Line {
                x1: i32::MIN,
                y1: i32::MIN,
                x2: i32::MAX,
                y2: -5,
            },
        ];
        assert_eq!(draw_batch(&mut f, &mut fonts, &ops, 10).unwrap(), None);
        assert!(f.pixels().iter().all(|&p| p == 0xffffff));
    }

    #[test]
    fn bad_op_changes_nothing() {
        let mut f = fb();
        let mut fonts = Fonts::load();
        let ops = [
            DrawOp::Clear,
            DrawOp::Text {
                x: 0,
                y: 0,
                text: "x".repeat(MAX_TEXT_BYTES + 1),
            },
        ];
        assert!(matches!(
            draw_batch(&mut f, &mut fonts, &ops, 10),
            Err(BatchError::BadOp { index: 1, .. })
        ));
        assert!(f.pixels().iter().all(|&p| p == 0xffffff));
    }

    #[test]
    fn text_has_ink_inside_its_box() {
        let mut f = Framebuffer::new(Size::new(100, 40), Color::WHITE);
        let mut fonts = Fonts::load();
        let dmg = draw_batch(
            &mut f,
            &mut fonts,
            &[DrawOp::Text {
                x: 2,
                y: 30,
                text: "Hi".into(),
            }],
            10,
        )
        .unwrap()
        .unwrap();
        let ink = f.pixels().iter().filter(|&&p| p != 0xffffff).count();
        assert!(ink > 20, "ink {ink}");
        for y in 0..40 {
            for x in 0..100 {
                if f.get(x, y) != Some(0xffffff) {
                    assert!(dmg.contains(x, y), "ink at {x},{y} outside {dmg:?}");
                }
            }
        }
    }
}
