//! Small geometry and colour types shared by requests, replies and events.

use serde::{Deserialize, Serialize};

/// A position in pixels. Window coordinates have their origin at the window's top-left corner.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Point {
    /// Pixels to the right.
    pub x: i32,
    /// Pixels down.
    pub y: i32,
}

/// A size in pixels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Size {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// An axis-aligned rectangle: `x .. x + width` by `y .. y + height`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Rect {
    /// Left edge.
    pub x: i32,
    /// Top edge.
    pub y: i32,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl Size {
    /// A size of `width` by `height`.
    pub const fn new(width: u32, height: u32) -> Self {
        Self { width, height }
    }

    /// Number of pixels, without overflow.
    #[inline]
    pub fn area(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }
}

/// Parses `WIDTHxHEIGHT` (e.g. `800x600`), each side at least 1, as command lines take sizes.
impl std::str::FromStr for Size {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{s}` is not a size: use WIDTHxHEIGHT, e.g. 800x600");
        let (w, h) = s.split_once(['x', 'X']).ok_or_else(bad)?;
        let (w, h) = (
            w.parse::<u32>().map_err(|_| bad())?,
            h.parse::<u32>().map_err(|_| bad())?,
        );
        if w == 0 || h == 0 {
            return Err(format!("`{s}`: each side must be at least 1 pixel"));
        }
        Ok(Size::new(w, h))
    }
}

impl Rect {
    /// A rectangle at `(x, y)` of `width` by `height`.
    pub const fn new(x: i32, y: i32, width: u32, height: u32) -> Self {
        Self { x, y, width, height }
    }

    /// The rectangle at the origin with the given size.
    pub const fn from_size(size: Size) -> Self {
        Self {
            x: 0,
            y: 0,
            width: size.width,
            height: size.height,
        }
    }

    /// The size of the rectangle.
    pub const fn size(&self) -> Size {
        Size {
            width: self.width,
            height: self.height,
        }
    }

    /// Whether the rectangle covers no pixel.
    pub const fn is_empty(&self) -> bool {
        self.width == 0 || self.height == 0
    }

    /// One past the right edge, widened so that it cannot overflow.
    #[inline]
    pub fn right(&self) -> i64 {
        i64::from(self.x) + i64::from(self.width)
    }

    /// One past the bottom edge, widened so that it cannot overflow.
    #[inline]
    pub fn bottom(&self) -> i64 {
        i64::from(self.y) + i64::from(self.height)
    }

    /// Whether the pixel at `(x, y)` lies inside.
    #[inline]
    pub fn contains(&self, x: i32, y: i32) -> bool {
        x >= self.x && y >= self.y && i64::from(x) < self.right() && i64::from(y) < self.bottom()
    }

    /// Whether `other` lies wholly inside.
    #[inline]
    pub fn contains_rect(&self, other: &Rect) -> bool {
        other.x >= self.x
            && other.y >= self.y
            && other.right() <= self.right()
            && other.bottom() <= self.bottom()
    }

    /// The overlap of two rectangles, or `None` when they do not overlap.
    #[inline]
    pub fn intersect(&self, other: &Rect) -> Option<Rect> {
        let x0 = self.x.max(other.x);
        let y0 = self.y.max(other.y);
        let x1 = self.right().min(other.right());
        let y1 = self.bottom().min(other.bottom());
        if i64::from(x0) >= x1 || i64::from(y0) >= y1 {
            return None;
        }
        // The differences are at most u32::MAX because both inputs had u32 extents.
        Some(Rect::new(
            x0,
            y0,
            (x1 - i64::from(x0)) as u32,
            (y1 - i64::from(y0)) as u32,
        ))
    }

    /// The smallest rectangle holding both.
    #[inline]
    pub fn union(&self, other: &Rect) -> Rect {
        if self.is_empty() {
            return *other;
        }
        if other.is_empty() {
            return *self;
        }
        let x0 = self.x.min(other.x);
        let y0 = self.y.min(other.y);
        let x1 = self.right().max(other.right());
        let y1 = self.bottom().max(other.bottom());
        let w = (x1 - i64::from(x0)).min(i64::from(u32::MAX)) as u32;
        let h = (y1 - i64::from(y0)).min(i64::from(u32::MAX)) as u32;
        Rect::new(x0, y0, w, h)
    }

    /// The rectangle moved by `(dx, dy)`, saturating at the edges of `i32`.
    #[inline]
    pub fn translate(&self, dx: i32, dy: i32) -> Rect {
        Rect::new(
            self.x.saturating_add(dx),
            self.y.saturating_add(dy),
            self.width,
            self.height,
        )
    }
}

/// A colour as `0xAARRGGBB`. Alpha 255 is opaque. Printed in hex.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Color(pub u32);

impl std::fmt::Debug for Color {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Color({:#010x})", self.0)
    }
}

impl Color {
    /// Opaque black.
    pub const BLACK: Color = Color::rgb(0, 0, 0);
    /// Opaque white.
    pub const WHITE: Color = Color::rgb(255, 255, 255);

    /// An opaque colour.
    pub const fn rgb(r: u8, g: u8, b: u8) -> Self {
        Self::rgba(r, g, b, 255)
    }

    /// A colour with alpha (not premultiplied).
    pub const fn rgba(r: u8, g: u8, b: u8, a: u8) -> Self {
        Color((a as u32) << 24 | (r as u32) << 16 | (g as u32) << 8 | b as u32)
    }

    /// Red channel.
    pub const fn r(self) -> u8 {
        (self.0 >> 16) as u8
    }
    /// Green channel.
    pub const fn g(self) -> u8 {
        (self.0 >> 8) as u8
    }
    /// Blue channel.
    pub const fn b(self) -> u8 {
        self.0 as u8
    }
    /// Alpha channel.
    pub const fn a(self) -> u8 {
        (self.0 >> 24) as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contains_rect_is_intersect_giving_the_whole_rectangle_back() {
        let outer = Rect::new(-5, 10, 20, 8);
        let mut n = 0;
        for x in -8..18 {
            for y in 7..21 {
                for (w, h) in [(1, 1), (3, 2), (20, 8), (21, 1), (1, 9)] {
                    let r = Rect::new(x, y, w, h);
                    assert_eq!(outer.contains_rect(&r), outer.intersect(&r) == Some(r), "{r:?}");
                    n += usize::from(outer.contains_rect(&r));
                }
            }
        }
        assert!(n > 100, "only {n} inside: the loop tests too little");
    }

    #[test]
    fn intersect_and_union() {
        let a = Rect::new(0, 0, 10, 10);
        let b = Rect::new(5, -5, 10, 10);
        assert_eq!(a.intersect(&b), Some(Rect::new(5, 0, 5, 5)));
        assert_eq!(a.intersect(&Rect::new(10, 0, 1, 1)), None);
        assert_eq!(a.union(&b), Rect::new(0, -5, 15, 15));
        let huge = Rect::new(i32::MAX, i32::MAX, u32::MAX, u32::MAX);
        assert_eq!(huge.intersect(&a), None);
        assert!(huge.contains(i32::MAX, i32::MAX));
    }

    #[test]
    fn sizes_parse_from_command_lines() {
        assert_eq!("800x600".parse::<Size>(), Ok(Size::new(800, 600)));
        assert_eq!("2X3".parse::<Size>(), Ok(Size::new(2, 3)));
        assert!("0x5".parse::<Size>().unwrap_err().contains("at least 1"));
        assert!("big".parse::<Size>().unwrap_err().contains("WIDTHxHEIGHT"));
    }

    #[test]
    fn color_channels() {
        let c = Color::rgba(1, 2, 3, 4);
        assert_eq!((c.r(), c.g(), c.b(), c.a()), (1, 2, 3, 4));
        assert_eq!(Color::rgb(255, 0, 0).0, 0xffff0000);
    }
}
