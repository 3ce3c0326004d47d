//! The software rasterizer: pixels in memory and the ops that change them.
//!
//! Pixels are `u32` as `0x00RRGGBB`, the layout softbuffer presents, so the on-screen backend
//! copies rows without converting them.

mod draw;
mod font;

pub use draw::{draw_batch, BatchError};
pub use font::Fonts;

use dispd_protocol::{Color, Rect, Size};

/// A rectangle of opaque pixels.
#[derive(Clone, PartialEq, Eq)]
pub struct Framebuffer {
    width: u32,
    height: u32,
    pixels: Vec<u32>,
}

impl std::fmt::Debug for Framebuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Framebuffer({}x{})", self.width, self.height)
    }
}

impl Framebuffer {
    /// A framebuffer of `size` filled with `color` (alpha ignored).
    pub fn new(size: Size, color: Color) -> Self {
        let len = size.width as usize * size.height as usize;
        Self {
            width: size.width,
            height: size.height,
            pixels: vec![color.0 & 0xff_ffff; len],
        }
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The size.
    pub fn size(&self) -> Size {
        Size::new(self.width, self.height)
    }

    /// All pixels, row by row.
    pub fn pixels(&self) -> &[u32] {
        &self.pixels
    }

    /// One row.
    pub fn row(&self, y: u32) -> &[u32] {
        let w = self.width as usize;
        &self.pixels[y as usize * w..(y as usize + 1) * w]
    }

    /// One row, to change.
    pub fn row_mut(&mut self, y: u32) -> &mut [u32] {
        let w = self.width as usize;
        &mut self.pixels[y as usize * w..(y as usize + 1) * w]
    }

    /// The whole area.
    pub fn bounds(&self) -> Rect {
        Rect::from_size(self.size())
    }

    /// The pixel at `(x, y)`, if inside.
    pub fn get(&self, x: i32, y: i32) -> Option<u32> {
        if x < 0 || y < 0 || x as u32 >= self.width || y as u32 >= self.height {
            return None;
        }
        Some(self.pixels[y as usize * self.width as usize + x as usize])
    }

    /// Fills `rect` (clipped) with `color`, blending when it is translucent.
    pub fn fill_rect(&mut self, rect: Rect, color: Color) {
        let Some(r) = rect.intersect(&self.bounds()) else {
            return;
        };
        let (x0, x1) = (r.x as usize, r.x as usize + r.width as usize);
        for y in r.y as u32..r.y as u32 + r.height {
            let row = &mut self.row_mut(y)[x0..x1];
            match color.a() {
                255 => row.fill(color.0 & 0xff_ffff),
                0 => {}
                a => row.iter_mut().for_each(|p| *p = blend(*p, color, a)),
            }
        }
    }

    /// Blends `color` into one pixel with coverage `cov` (0..=255), if inside.
    pub fn blend_pixel(&mut self, x: i32, y: i32, color: Color, cov: u8) {
        if x < 0 || y < 0 || x as u32 >= self.width || y as u32 >= self.height {
            return;
        }
        let i = y as usize * self.width as usize + x as usize;
        let a = (u32::from(color.a()) * u32::from(cov) + 127) / 255;
        self.pixels[i] = blend(self.pixels[i], color, a as u8);
    }

    /// Resizes to `size`, keeping the top-left content; new pixels get `fill`.
    pub fn resize(&mut self, size: Size, fill: Color) {
        if size == self.size() {
            return;
        }
        let mut next = Framebuffer::new(size, fill);
        next.copy_from(self, self.bounds(), 0, 0);
        *self = next;
    }

    /// Copies `src_rect` of `src` to `(dx, dy)` here, clipping both sides.
    pub fn copy_from(&mut self, src: &Framebuffer, src_rect: Rect, dx: i32, dy: i32) {
        let Some(s) = src_rect.intersect(&src.bounds()) else {
            return;
        };
        let moved = s.translate(dx.saturating_sub(src_rect.x), dy.saturating_sub(src_rect.y));
        let Some(d) = moved.intersect(&self.bounds()) else {
            return;
        };
        let sx = (i64::from(s.x) + i64::from(d.x) - i64::from(moved.x)) as usize;
        let sy = (i64::from(s.y) + i64::from(d.y) - i64::from(moved.y)) as u32;
        let w = d.width as usize;
        for row in 0..d.height {
            let from = &src.row(sy + row)[sx..sx + w];
            self.row_mut(d.y as u32 + row)[d.x as usize..d.x as usize + w].copy_from_slice(from);
        }
    }

    /// Writes RGBA bytes (`rect.width * rect.height * 4`, already checked) at `rect`, clipped.
    pub fn put_rgba(&mut self, rect: Rect, data: &[u8]) {
        let Some(d) = rect.intersect(&self.bounds()) else {
            return;
        };
        let stride = rect.width as usize * 4;
        let sx = (d.x - rect.x) as usize;
        for row in 0..d.height {
            let sy = (d.y - rect.y) as usize + row as usize;
            let src = &data[sy * stride + sx * 4..sy * stride + (sx + d.width as usize) * 4];
            let dst = &mut self.row_mut(d.y as u32 + row)[d.x as usize..d.x as usize + d.width as usize];
            for (p, s) in dst.iter_mut().zip(src.chunks_exact(4)) {
                *p = u32::from(s[0]) << 16 | u32::from(s[1]) << 8 | u32::from(s[2]);
            }
        }
    }

    /// Reads `rect` as RGBA bytes; pixels outside read as opaque black.
    pub fn read_rgba(&self, rect: Rect) -> Vec<u8> {
        let mut out = vec![0u8; rect.width as usize * rect.height as usize * 4];
        for px in out.chunks_exact_mut(4) {
            px[3] = 255;
        }
        let Some(s) = rect.intersect(&self.bounds()) else {
            return out;
        };
        let stride = rect.width as usize * 4;
        let dx = (s.x - rect.x) as usize;
        for row in 0..s.height {
            let dy = (s.y - rect.y) as usize + row as usize;
            let src = &self.row(s.y as u32 + row)[s.x as usize..s.x as usize + s.width as usize];
            let dst = &mut out[dy * stride + dx * 4..dy * stride + (dx + s.width as usize) * 4];
            for (d, p) in dst.chunks_exact_mut(4).zip(src) {
                d.copy_from_slice(&[(p >> 16) as u8, (p >> 8) as u8, *p as u8, 255]);
            }
        }
        out
    }
}

/// Source-over of `color` at alpha `a` onto the opaque pixel `dst`.
fn blend(dst: u32, color: Color, a: u8) -> u32 {
    let a = u32::from(a);
    let inv = 255 - a;
    let ch = |shift: u32| {
        let d = (dst >> shift) & 0xff;
        let s = (color.0 >> shift) & 0xff;
        // (s*a + d*(255-a)) / 255, rounded
        let v = s * a + d * inv + 128;
        ((v + (v >> 8)) >> 8) & 0xff
    };
    ch(16) << 16 | ch(8) << 8 | ch(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_is_clipped() {
        let mut fb = Framebuffer::new(Size::new(4, 4), Color::BLACK);
        fb.fill_rect(Rect::new(-2, 2, 4, 100), Color::rgb(255, 0, 0));
        assert_eq!(fb.get(0, 1), Some(0));
        assert_eq!(fb.get(1, 3), Some(0xff0000));
        assert_eq!(fb.get(2, 3), Some(0));
    }

    #[test]
    fn blend_matches_source_over() {
        let p = blend(0x00_00_00_ff, Color::rgba(255, 0, 0, 128), 128);
        // r = 255*128/255 = 128, b = 255*127/255 = 127
        assert_eq!(p, 0x80_00_7f);
    }

    #[test]
    fn rgba_round_trip_and_copy() {
        let mut fb = Framebuffer::new(Size::new(3, 2), Color::WHITE);
        let data: Vec<u8> = (0..2 * 2 * 4).map(|i| i as u8 * 10).collect();
        fb.put_rgba(Rect::new(1, 0, 2, 2), &data);
        let back = fb.read_rgba(Rect::new(1, 0, 2, 2));
        let expect: Vec<u8> = data.chunks(4).flat_map(|c| [c[0], c[1], c[2], 255]).collect();
        assert_eq!(back, expect);
        let mut other = Framebuffer::new(Size::new(3, 2), Color::BLACK);
        other.copy_from(&fb, Rect::new(1, 0, 2, 2), 0, 0);
        assert_eq!(other.read_rgba(Rect::new(0, 0, 2, 2)), expect);
        assert_eq!(fb.read_rgba(Rect::new(-1, 0, 1, 1)), [0, 0, 0, 255]);
    }
}
