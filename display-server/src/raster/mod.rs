//! The software rasterizer: pixels in memory and the ops that change them.
//!
//! Pixels are `u32` as `0xAARRGGBB`, premultiplied by alpha. That is softbuffer's layout (which
//! wants the top byte zero: the on-screen backend masks it while copying), so presenting needs no
//! conversion. In memory (little-endian) the bytes are B, G, R, A: tiny-skia, which draws into
//! premultiplied R, G, B, A bytes, draws here directly with red and blue swapped in every colour
//! it is given ([`skia`]). Off-screen images have real alpha. Windows and the screen are opaque:
//! as in an X window of depth 24, their alpha bytes mean nothing (a put of client pixels copies
//! them as they come, with no pass to set them), and every reader that hands pixels on with
//! alpha (read-backs, copies into images, images drawn from a window) reads them as 255. No
//! operation's colour depends on the alpha already in a pixel it paints over.
//!
//! Module map: [`draw`] applies a batch of ops; `shapes` builds paths; `skia` bridges to
//! tiny-skia; `font` lays out and rasterizes text; `pixel` holds the premultiplied arithmetic.

#[cfg(target_endian = "big")]
compile_error!("the framebuffer layout assumes a little-endian machine");

mod cost;
mod draw;
#[cfg(test)]
mod draw_fuzz;
mod fixed_6x13;
mod font;
mod pixel;
mod shapes;
mod skia;
mod spans;
pub(crate) mod vector;

pub use cost::MAX_BATCH_PIXELS;
pub use draw::{draw_batch, BatchError, Sources};
pub use font::Fonts;
pub use pixel::{pack, premultiply, unpremultiply};

use dispd_protocol::{Color, PixelFormat, Rect, Size};

/// A rectangle of pixels: a window's (opaque) or an off-screen image's (with alpha).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Framebuffer {
    width: u32,
    height: u32,
    pixels: Vec<u32>,
    opaque: bool,
}

impl std::fmt::Debug for Framebuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Framebuffer({}x{})", self.width, self.height)
    }
}

impl Framebuffer {
    /// An opaque framebuffer (a window, the screen) of `size` filled with `color` (alpha ignored).
    pub fn new(size: Size, color: Color) -> Self {
        let len = size.width as usize * size.height as usize;
        Self {
            width: size.width,
            height: size.height,
            pixels: vec![color.0 | 0xff00_0000; len],
            opaque: true,
        }
    }

    /// An off-screen image of `size` with alpha, transparent black.
    pub fn new_transparent(size: Size) -> Self {
        let len = size.width as usize * size.height as usize;
        Self {
            width: size.width,
            height: size.height,
            pixels: vec![0; len],
            opaque: false,
        }
    }

    /// Whether this is opaque (a window, the screen): its alpha bytes mean nothing and read as
    /// 255.
    pub fn is_opaque(&self) -> bool {
        self.opaque
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

    /// All pixels, row by row, premultiplied `0xAARRGGBB` (in an opaque framebuffer, alpha is
    /// whatever was last written there: read it as 255).
    pub fn pixels(&self) -> &[u32] {
        &self.pixels
    }

    /// All pixels, to change.
    pub fn pixels_mut(&mut self) -> &mut [u32] {
        &mut self.pixels
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

    /// Fills `rect` (clipped) with `color`: source-over, or replacing the pixels when `copy`.
    /// The same fill as a drawing op's ([`spans::Ink::fill`]).
    pub fn fill_rect(&mut self, rect: Rect, color: Color, copy: bool) {
        if let Some(r) = rect.intersect(&self.bounds()) {
            spans::Ink::new(self, color, copy).fill(self, r);
        }
    }

    /// Paints `ink` through a coverage mask (0 to 255 per pixel, rows of `width` bytes) whose
    /// top-left pixel goes at `(x, y)`. Only pixels inside `clip` change; `clip` must lie within
    /// the framebuffer.
    pub fn blend_mask(
        &mut self,
        (x, y): (i64, i64),
        width: usize,
        mask: &[u8],
        clip: Rect,
        ink: &CoverageInk,
    ) {
        if width == 0 {
            return;
        }
        let height = (mask.len() / width) as i64;
        let (x0, x1) = (x.max(i64::from(clip.x)), (x + width as i64).min(clip.right()));
        let (y0, y1) = (y.max(i64::from(clip.y)), (y + height).min(clip.bottom()));
        if x0 >= x1 || y0 >= y1 {
            return;
        }
        let (skip, len) = ((x0 - x) as usize, (x1 - x0) as usize);
        for row_y in y0..y1 {
            let start = (row_y - y) as usize * width + skip;
            let coverage = &mask[start..start + len];
            let row = &mut self.row_mut(row_y as u32)[x0 as usize..x1 as usize];
            // Branch-free: `over` keeps the pixel for alpha 0 and stores the ink for alpha 255.
            for (p, &cov) in row.iter_mut().zip(coverage) {
                *p = pixel::over(*p, ink.0[usize::from(cov)]);
            }
        }
    }

    /// Paints `ink` (premultiplied) through a 1-bit mask: `rows` of `width` (at most 8) pixels,
    /// bit 7 leftmost, each bit a `scale` x `scale` square, the mask's top-left pixel at
    /// `(x, y)`. Only pixels inside `clip` change; `clip` must lie within the framebuffer.
    pub fn stipple(
        &mut self,
        (x, y): (i64, i64),
        rows: &[u8],
        width: usize,
        scale: i64,
        clip: Rect,
        ink: u32,
    ) {
        let width = width.min(8);
        let inside = x >= i64::from(clip.x)
            && x + width as i64 * scale <= clip.right()
            && y >= i64::from(clip.y)
            && y + rows.len() as i64 * scale <= clip.bottom();
        if ink >> 24 == 255 && scale == 1 && inside {
            // The common case, a glyph of opaque ink wholly inside: each row's bits select ink
            // or the pixel through a mask per bit, without a branch.
            let stride = self.width as usize;
            let start = y as usize * stride + x as usize;
            if x as usize + 8 <= stride {
                // Room for 8 pixels in the row: all 8 go through the masks at once (two vector
                // stores), the bits past the width cleared so that their pixels stay as they are.
                let kept = (0xff00u16 >> width) as u8;
                for (r, &bits) in rows.iter().enumerate() {
                    let at = start + r * stride;
                    if let Ok(px) = <&mut [u32; 8]>::try_from(&mut self.pixels[at..at + 8]) {
                        let masks = &BIT_MASKS[usize::from(bits & kept)];
                        for (p, &m) in px.iter_mut().zip(masks) {
                            *p = (ink & m) | (*p & !m);
                        }
                    }
                }
                return;
            }
            for (r, &bits) in rows.iter().enumerate() {
                let at = start + r * stride;
                for (p, &m) in self.pixels[at..at + width]
                    .iter_mut()
                    .zip(&BIT_MASKS[usize::from(bits)])
                {
                    *p = (ink & m) | (*p & !m);
                }
            }
        } else if ink >> 24 == 255 {
            self.stipple_with((x, y), rows, width, scale, clip, |_| ink);
        } else {
            self.stipple_with((x, y), rows, width, scale, clip, |p| pixel::over(p, ink));
        }
    }

    /// [`Framebuffer::stipple`], bit by bit, each pixel checked against `clip`; like the fast
    /// path, it ignores the bits past `width`.
    fn stipple_with(
        &mut self,
        (x, y): (i64, i64),
        rows: &[u8],
        width: usize,
        scale: i64,
        clip: Rect,
        paint: impl Fn(u32) -> u32,
    ) {
        let (cx0, cx1) = (i64::from(clip.x), clip.right());
        let kept = (0xff00u16 >> width) as u8;
        for (r, &bits) in rows.iter().enumerate() {
            let bits = bits & kept;
            if bits == 0 {
                continue;
            }
            let top = y + r as i64 * scale;
            for row_y in top.max(i64::from(clip.y))..(top + scale).min(clip.bottom()) {
                let row = self.row_mut(row_y as u32);
                let mut left = bits;
                while left != 0 {
                    let i = i64::from(left.leading_zeros() as u8);
                    left &= !(0x80 >> i);
                    let px = x + i * scale;
                    for px in px.max(cx0)..(px + scale).min(cx1) {
                        let p = &mut row[px as usize];
                        *p = paint(*p);
                    }
                }
            }
        }
    }

    /// Resizes to `size`, keeping the top-left content; new pixels get `fill`.
    pub fn resize(&mut self, size: Size, fill: Color) {
        if size == self.size() {
            return;
        }
        let mut next = if self.opaque {
            Framebuffer::new(size, fill)
        } else {
            Framebuffer::new_transparent(size)
        };
        next.copy_from(self, self.bounds(), 0, 0);
        *self = next;
    }

    /// Copies `src_rect` of this framebuffer to `(dx, dy)`, clipping both sides; overlapping
    /// areas copy as if through a temporary (for scrolling).
    pub fn copy_within(&mut self, src_rect: Rect, dx: i32, dy: i32) {
        let Some(s) = src_rect.intersect(&self.bounds()) else {
            return;
        };
        let moved = s.translate(dx.saturating_sub(src_rect.x), dy.saturating_sub(src_rect.y));
        let Some(d) = moved.intersect(&self.bounds()) else {
            return;
        };
        let sx = (i64::from(s.x) + i64::from(d.x) - i64::from(moved.x)) as usize;
        let sy = (i64::from(s.y) + i64::from(d.y) - i64::from(moved.y)) as usize;
        let (w, h, stride) = (d.width as usize, d.height as usize, self.width as usize);
        let mut copy_row = |row: usize| {
            let from = (sy + row) * stride + sx;
            let to = (d.y as usize + row) * stride + d.x as usize;
            self.pixels.copy_within(from..from + w, to);
        };
        // Moving down: copy the bottom rows first, so no row is overwritten before it is read.
        if d.y as usize > sy {
            (0..h).rev().for_each(&mut copy_row);
        } else {
            (0..h).for_each(&mut copy_row);
        }
    }

    /// Copies `src_rect` of `src` to `(dx, dy)` here, clipping both sides. Pixels from an opaque
    /// framebuffer come into one with alpha as opaque.
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
        let set_alpha = src.opaque && !self.opaque;
        for row in 0..d.height {
            let from = &src.row(sy + row)[sx..sx + w];
            let to = &mut self.row_mut(d.y as u32 + row)[d.x as usize..d.x as usize + w];
            if set_alpha {
                vector::copy_opaque(to, from);
            } else {
                to.copy_from_slice(from);
            }
        }
    }

    /// Writes pixels (`rect.width * rect.height` of `format`, length already checked) at
    /// `rect`, clipped, replacing what was there. Opaque framebuffers ignore the alpha.
    pub fn put_pixels(&mut self, rect: Rect, format: PixelFormat, data: &[u8]) {
        match (format, self.opaque) {
            // The framebuffer's own layout, whose alpha an opaque one ignores: a copy.
            (PixelFormat::Bgra8, true) if cfg!(target_endian = "little") => self.put_copy(rect, data),
            (PixelFormat::Bgra8, true) => self.put_rows(rect, data, u32::from_le_bytes),
            // Premultiplied as promised: no channel above alpha, whatever was sent.
            (PixelFormat::Bgra8, false) => self.put_rows(rect, data, |[b, g, r, a]: [u8; 4]| {
                u32::from_le_bytes([b.min(a), g.min(a), r.min(a), a])
            }),
            // Windows: alpha dropped, nothing to premultiply; a swizzle the compiler
            // vectorizes.
            (PixelFormat::Rgba8, true) => self.put_rows(rect, data, |s: [u8; 4]| {
                swap_red_blue(u32::from_le_bytes(s)) | 0xff00_0000
            }),
            (PixelFormat::Rgb8, true) => self.put_rows(rect, data, |[r, g, b]: [u8; 3]| {
                u32::from_le_bytes([b, g, r, 0xff])
            }),
            (PixelFormat::Rgba8, false) => self.put_rows(rect, data, premultiply),
            (PixelFormat::Rgb8, false) => {
                self.put_rows(rect, data, |[r, g, b]: [u8; 3]| premultiply([r, g, b, 255]))
            }
        }
    }

    /// [`Framebuffer::put_pixels`] for data in the framebuffer's own byte order: a copy a row.
    fn put_copy(&mut self, rect: Rect, data: &[u8]) {
        self.each_image_row(rect, data, 4, |src, dst| {
            bytemuck::cast_slice_mut::<u32, u8>(dst).copy_from_slice(src);
        });
    }

    /// [`Framebuffer::put_pixels`] for one layout of `N` bytes a pixel, each made into a pixel
    /// by `pixel`: one loop per layout, with nothing decided per row.
    #[inline(always)]
    fn put_rows<const N: usize>(&mut self, rect: Rect, data: &[u8], pixel: impl Fn([u8; N]) -> u32) {
        vector::wide(|| {
            self.each_image_row(rect, data, N, |src, dst| {
                for (p, s) in dst.iter_mut().zip(src.chunks_exact(N)) {
                    *p = pixel(s.try_into().unwrap_or([0; N]));
                }
            });
        });
    }

    /// Calls `row` for each row of an image of `rect` (`data`, `bytes_per_pixel` a pixel,
    /// length already checked) that lands in the framebuffer, clipped: the row's bytes and the
    /// pixels they replace.
    #[inline(always)]
    fn each_image_row(
        &mut self,
        rect: Rect,
        data: &[u8],
        bytes_per_pixel: usize,
        mut row: impl FnMut(&[u8], &mut [u32]),
    ) {
        let Some(d) = rect.intersect(&self.bounds()) else {
            return;
        };
        let (sx, sy) = ((d.x - rect.x) as usize, (d.y - rect.y) as usize);
        let (x0, w) = (d.x as usize, d.width as usize);
        let (from, to) = (sx * bytes_per_pixel, (sx + w) * bytes_per_pixel);
        let src_rows = data.chunks_exact(rect.width as usize * bytes_per_pixel).skip(sy);
        let dst_rows = self
            .pixels
            .chunks_exact_mut(self.width as usize)
            .skip(d.y as usize);
        for (src, dst) in src_rows.zip(dst_rows).take(d.height as usize) {
            row(&src[from..to], &mut dst[x0..x0 + w]);
        }
    }

    /// Reads `rect` in `format`; pixels outside read as opaque black.
    pub fn read_as(&self, rect: Rect, format: PixelFormat) -> Vec<u8> {
        match format {
            PixelFormat::Rgba8 => self.read_rgba(rect),
            PixelFormat::Bgra8 => self.read_bgra(rect),
            PixelFormat::Rgb8 => rgba_as(self.read_rgba(rect), format),
        }
    }

    /// Reads `rect` as the pixels are kept (premultiplied BGRA, [`PixelFormat::Bgra8`]): a copy
    /// of the rows, alpha 255 if opaque. Pixels outside read as opaque black.
    pub fn read_bgra(&self, rect: Rect) -> Vec<u8> {
        let black = 0xff00_0000u32;
        let Some(s) = rect.intersect(&self.bounds()) else {
            return black.to_le_bytes().repeat(rect.size().area() as usize);
        };
        let mut out = Vec::with_capacity(rect.size().area() as usize * 4);
        let outside = |out: &mut Vec<u8>, n: i64| {
            out.extend(std::iter::repeat_n(black.to_le_bytes(), n as usize).flatten())
        };
        // An opaque row gets its alpha in a small buffer that stays in cache, then is appended.
        let mut with_alpha = vec![0u32; if self.opaque { s.width as usize } else { 0 }];
        // In i64, as `right` and `bottom` are: no sum below can overflow.
        for y in i64::from(rect.y)..rect.bottom() {
            if y < i64::from(s.y) || y >= s.bottom() {
                outside(&mut out, i64::from(rect.width));
                continue;
            }
            outside(&mut out, i64::from(s.x) - i64::from(rect.x));
            let row = &self.row(y as u32)[s.x as usize..s.x as usize + s.width as usize];
            if self.opaque {
                vector::copy_opaque(&mut with_alpha, row);
                out.extend_from_slice(bytemuck::cast_slice(&with_alpha));
            } else {
                out.extend_from_slice(bytemuck::cast_slice(row));
            }
            outside(&mut out, rect.right() - s.right());
        }
        out
    }

    /// Reads `rect` as RGBA bytes (not premultiplied); pixels outside read as opaque black.
    pub fn read_rgba(&self, rect: Rect) -> Vec<u8> {
        let Some(s) = rect.intersect(&self.bounds()) else {
            return 0xff00_0000u32.to_le_bytes().repeat(rect.size().area() as usize);
        };
        if s == rect {
            // All inside: each row converted in a small buffer that stays in cache, then
            // appended, so the output is written once (no zero fill first).
            let mut out = Vec::with_capacity(rect.size().area() as usize * 4);
            let mut converted = vec![0u32; rect.width as usize];
            for y in rect.y as u32..rect.y as u32 + rect.height {
                let src = &self.row(y)[rect.x as usize..rect.x as usize + rect.width as usize];
                if self.opaque {
                    for (d, p) in converted.iter_mut().zip(src) {
                        *d = swap_red_blue(*p) | 0xff00_0000;
                    }
                } else {
                    for (d, p) in converted.iter_mut().zip(src) {
                        *d = u32::from_le_bytes(unpremultiply(*p));
                    }
                }
                out.extend_from_slice(bytemuck::cast_slice(&converted));
            }
            return out;
        }
        // Partly outside: opaque black first, the inside over it.
        let mut out = 0xff00_0000u32.to_le_bytes().repeat(rect.size().area() as usize);
        let stride = rect.width as usize * 4;
        let dx = (s.x - rect.x) as usize;
        for row in 0..s.height {
            let dy = (s.y - rect.y) as usize + row as usize;
            let src = &self.row(s.y as u32 + row)[s.x as usize..s.x as usize + s.width as usize];
            let dst = &mut out[dy * stride + dx * 4..dy * stride + (dx + s.width as usize) * 4];
            if self.opaque {
                // Opaque: alpha reads as 255, so un-premultiplying is a swizzle.
                for (d, p) in dst.chunks_exact_mut(4).zip(src) {
                    d.copy_from_slice(&(swap_red_blue(*p) | 0xff00_0000).to_le_bytes());
                }
            } else {
                for (d, p) in dst.chunks_exact_mut(4).zip(src) {
                    d.copy_from_slice(&unpremultiply(*p));
                }
            }
        }
        out
    }
}

/// RGBA pixels (not premultiplied) in `format`: premultiplied for [`PixelFormat::Bgra8`], without
/// alpha for [`PixelFormat::Rgb8`].
pub fn rgba_as(rgba: Vec<u8>, format: PixelFormat) -> Vec<u8> {
    match format {
        PixelFormat::Rgba8 => rgba,
        PixelFormat::Rgb8 => rgba.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect(),
        PixelFormat::Bgra8 => rgba
            .chunks_exact(4)
            .flat_map(|p| premultiply([p[0], p[1], p[2], p[3]]).to_le_bytes())
            .collect(),
    }
}

/// Swaps bytes 0 and 2 of a pixel: `0xAARRGGBB` and RGBA bytes read as a little-endian
/// word (`0xAABBGGRR`) into each other.
#[inline]
fn swap_red_blue(p: u32) -> u32 {
    (p & 0xff00_ff00) | (p & 0xff) << 16 | (p >> 16) & 0xff
}

/// For each byte, one mask per bit (bit 7 first): all ones where the bit is set.
static BIT_MASKS: [[u32; 8]; 256] = {
    let mut t = [[0u32; 8]; 256];
    let mut b = 0;
    while b < 256 {
        let mut i = 0;
        while i < 8 {
            if b & (0x80 >> i) != 0 {
                t[b][i] = u32::MAX;
            }
            i += 1;
        }
        b += 1;
    }
    t
};

/// A colour ready to paint through coverage masks (glyphs): for each coverage 0 to 255, the
/// colour with its alpha scaled by it, premultiplied.
#[derive(Clone, Debug)]
pub struct CoverageInk([u32; 256]);

impl CoverageInk {
    /// `color` at every coverage.
    pub fn new(color: Color) -> Self {
        Self(std::array::from_fn(|cov| {
            let a = (u32::from(color.a()) * cov as u32 + 127) / 255;
            pack(Color((color.0 & 0xff_ffff) | a << 24))
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pixels outside read as opaque black, in every layout, whatever the rectangle's corner.
    #[test]
    fn reads_partly_outside_are_black_there_in_every_format() {
        let mut fb = Framebuffer::new(Size::new(3, 2), Color::rgb(10, 20, 30));
        fb.put_pixels(Rect::new(1, 1, 1, 1), PixelFormat::Rgba8, &[200, 100, 50, 255]);
        for rect in [
            Rect::new(-2, -1, 6, 4),
            Rect::new(1, 1, 4, 3),
            Rect::new(i32::MAX - 1, 0, 2, 1),
        ] {
            let bgra = fb.read_as(rect, PixelFormat::Bgra8);
            assert_eq!(bgra.len(), rect.size().area() as usize * 4);
            assert_eq!(rgba_as(fb.read_rgba(rect), PixelFormat::Bgra8), bgra, "{rect:?}");
        }
        let bgra = fb.read_bgra(Rect::new(0, 0, 4, 2));
        let px = |x: usize, y: usize| &bgra[(y * 4 + x) * 4..(y * 4 + x) * 4 + 4];
        assert_eq!(px(0, 0), [30, 20, 10, 255]);
        assert_eq!(px(1, 1), [50, 100, 200, 255]);
        assert_eq!(px(3, 0), [0, 0, 0, 255]);
    }

    #[test]
    fn bgra_into_an_opaque_framebuffer_lands_clipped_on_every_side() {
        // Each pixel of the image different; placed partly outside each edge in turn.
        let (w, h) = (5u32, 4u32);
        let data: Vec<u8> = (0..w * h * 4).map(|i| (i * 7 + 1) as u8).collect();
        let pixel_of = |x: u32, y: u32| {
            let i = ((y * w + x) * 4) as usize;
            u32::from_le_bytes(data[i..i + 4].try_into().unwrap())
        };
        for (x, y) in [(-2, -1), (2, 1), (-3, 2), (1, -2), (0, 0)] {
            let mut fb = Framebuffer::new(Size::new(6, 4), Color::WHITE);
            let rect = Rect::new(x, y, w, h);
            fb.put_pixels(rect, PixelFormat::Bgra8, &data);
            for fy in 0..4 {
                for fx in 0..6 {
                    let want = if rect.contains(fx, fy) {
                        pixel_of((fx - x) as u32, (fy - y) as u32)
                    } else {
                        0xffff_ffff
                    };
                    assert_eq!(fb.get(fx, fy), Some(want), "image at {x},{y}; pixel {fx},{fy}");
                }
            }
        }
    }

    /// The screen is read as RGBA and converted: the same layouts as a framebuffer's `read_as`.
    #[test]
    fn rgba_converts_to_every_format_as_framebuffers_read() {
        let rgba = vec![10, 20, 30, 255, 200, 100, 50, 128, 1, 2, 3, 0];
        let mut fb = Framebuffer::new_transparent(Size::new(3, 1));
        fb.put_pixels(Rect::new(0, 0, 3, 1), PixelFormat::Rgba8, &rgba);
        let rect = Rect::new(0, 0, 3, 1);
        for format in [PixelFormat::Rgba8, PixelFormat::Rgb8, PixelFormat::Bgra8] {
            assert_eq!(
                rgba_as(fb.read_rgba(rect), format),
                fb.read_as(rect, format),
                "{format:?}"
            );
        }
        assert_eq!(
            rgba_as(rgba.clone(), PixelFormat::Rgb8),
            [10, 20, 30, 200, 100, 50, 1, 2, 3]
        );
        assert_eq!(
            rgba_as(rgba, PixelFormat::Bgra8),
            [30, 20, 10, 255, 25, 50, 100, 128, 0, 0, 0, 0]
        );
    }

    #[test]
    fn stipples_ignore_the_bits_past_their_width_on_every_path() {
        // Inside the clip (the masked fast paths: 8 pixels at once with room for them in the
        // row, at x = 0, else only the glyph's, at x = 4) and cut by it (bit by bit): only 6 of
        // 8 bits, and every other pixel as it was.
        for x in [0, 4] {
            for clip in [Rect::new(0, 0, 10, 2), Rect::new(0, 0, 10, 1)] {
                let mut fb = Framebuffer::new(Size::new(10, 2), Color::WHITE);
                fb.pixels_mut()[9] = 0xff12_3456;
                fb.stipple((x, 0), &[0xff, 0xff], 6, 1, clip, 0xff00_0000);
                let black: Vec<i64> = (0..10)
                    .filter(|&i| fb.get(i as i32, 0) == Some(0xff00_0000))
                    .collect();
                assert_eq!(black, (x..x + 6).collect::<Vec<_>>(), "x {x}, clip {clip:?}");
                let mut others = (0..10).filter(|&i| i < x || i >= x + 6);
                let want = |i| if i == 9 { 0xff12_3456 } else { 0xffff_ffff };
                assert!(others.all(|i| fb.get(i as i32, 0) == Some(want(i))), "x {x}");
            }
        }
    }

    #[test]
    fn fill_is_clipped() {
        let mut fb = Framebuffer::new(Size::new(4, 4), Color::BLACK);
        fb.fill_rect(Rect::new(-2, 2, 4, 100), Color::rgb(255, 0, 0), false);
        assert_eq!(fb.get(0, 1), Some(0xff00_0000));
        assert_eq!(fb.get(1, 3), Some(0xffff_0000));
        assert_eq!(fb.get(2, 3), Some(0xff00_0000));
    }

    #[test]
    fn translucent_fill_is_source_over() {
        let mut fb = Framebuffer::new(Size::new(1, 1), Color::rgb(0, 0, 255));
        fb.fill_rect(Rect::new(0, 0, 1, 1), Color::rgba(255, 0, 0, 128), false);
        // r = 255*128/255 = 128, b = 255*127/255 = 127
        assert_eq!(fb.read_rgba(Rect::new(0, 0, 1, 1)), [128, 0, 127, 255]);
    }

    #[test]
    fn copy_within_handles_overlap() {
        let mut fb = Framebuffer::new_transparent(Size::new(1, 4));
        for (i, p) in fb.pixels_mut().iter_mut().enumerate() {
            *p = i as u32 + 1;
        }
        fb.copy_within(Rect::new(0, 0, 1, 3), 0, 1);
        assert_eq!(fb.pixels(), [1, 1, 2, 3]);
        fb.copy_within(Rect::new(0, 1, 1, 3), 0, 0);
        assert_eq!(fb.pixels(), [1, 2, 3, 3]);
    }

    #[test]
    fn rgba_round_trip_and_copy() {
        let mut fb = Framebuffer::new(Size::new(3, 2), Color::WHITE);
        let data: Vec<u8> = (0..2 * 2 * 4).map(|i| i as u8 * 10).collect();
        fb.put_pixels(Rect::new(1, 0, 2, 2), PixelFormat::Rgba8, &data);
        let back = fb.read_rgba(Rect::new(1, 0, 2, 2));
        let expect: Vec<u8> = data.chunks(4).flat_map(|c| [c[0], c[1], c[2], 255]).collect();
        assert_eq!(back, expect);
        let mut other = Framebuffer::new(Size::new(3, 2), Color::BLACK);
        other.copy_from(&fb, Rect::new(1, 0, 2, 2), 0, 0);
        assert_eq!(other.read_rgba(Rect::new(0, 0, 2, 2)), expect);
        assert_eq!(fb.read_rgba(Rect::new(-1, 0, 1, 1)), [0, 0, 0, 255]);
        // Partly outside: the outside reads as opaque black, the inside as it is (white).
        assert_eq!(
            fb.read_rgba(Rect::new(-1, 0, 2, 1)),
            [0, 0, 0, 255, 255, 255, 255, 255]
        );
    }

    #[test]
    fn opaque_framebuffers_read_whatever_alpha_they_hold_as_255() {
        // As a screen composed from windows that were given any alpha holds them.
        let mut fb = Framebuffer::new(Size::new(3, 2), Color::WHITE);
        fb.put_pixels(
            Rect::new(0, 0, 3, 1),
            PixelFormat::Bgra8,
            &[30, 20, 10, 0, 60, 50, 40, 7, 90, 80, 70, 128],
        );
        let top = Rect::new(0, 0, 3, 1);
        assert_eq!(
            fb.read_rgba(top),
            [10, 20, 30, 255, 40, 50, 60, 255, 70, 80, 90, 255]
        );
        assert_eq!(
            fb.read_bgra(top),
            [30, 20, 10, 255, 60, 50, 40, 255, 90, 80, 70, 255]
        );
        assert_eq!(
            fb.read_as(top, PixelFormat::Rgb8),
            [10, 20, 30, 40, 50, 60, 70, 80, 90]
        );
        // Partly outside, both ways of reading.
        let part = Rect::new(-1, 0, 2, 1);
        assert_eq!(fb.read_rgba(part), [0, 0, 0, 255, 10, 20, 30, 255]);
        assert_eq!(fb.read_bgra(part), [0, 0, 0, 255, 30, 20, 10, 255]);
        let mut image = Framebuffer::new_transparent(Size::new(3, 1));
        image.copy_from(&fb, top, 0, 0);
        assert_eq!(image.read_bgra(top), fb.read_bgra(top));
    }

    #[test]
    fn images_keep_alpha() {
        let mut fb = Framebuffer::new_transparent(Size::new(2, 1));
        fb.put_pixels(
            Rect::new(0, 0, 2, 1),
            PixelFormat::Rgba8,
            &[255, 0, 0, 255, 0, 0, 255, 0],
        );
        assert_eq!(fb.read_rgba(fb.bounds()), [255, 0, 0, 255, 0, 0, 0, 0]);
    }
}
