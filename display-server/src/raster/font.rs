//! Text: the bundled fonts, rasterized by fontdue, with a glyph cache.

use std::collections::HashMap;

use dispd_protocol::Color;

use super::Framebuffer;

/// The bundled proportional face (DejaVu Sans; licence in `fonts/LICENSE-DejaVu.txt`).
static SANS: &[u8] = include_bytes!("../../../fonts/DejaVuSans.ttf");

/// Glyphs kept before the cache is emptied.
const CACHE_LIMIT: usize = 4096;
/// Largest text size drawn, in pixels; larger requests are drawn at this size.
pub const MAX_FONT_PX: u16 = 512;

/// The server's fonts and their glyph cache.
pub struct Fonts {
    sans: fontdue::Font,
    cache: HashMap<(char, u16), (fontdue::Metrics, Vec<u8>)>,
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Fonts({} glyphs cached)", self.cache.len())
    }
}

impl Fonts {
    /// Loads the bundled fonts.
    pub fn load() -> Self {
        // The font is compiled in and known to parse; a failure is a broken build.
        #[allow(clippy::expect_used)]
        let sans = fontdue::Font::from_bytes(SANS, fontdue::FontSettings::default())
            .expect("bundled DejaVu Sans parses");
        Self {
            sans,
            cache: HashMap::new(),
        }
    }

    /// Draws `text` with its baseline starting at `(x, y)`, and returns the bounding box of the
    /// pixels it may have touched as `(x0, y0, x1, y1)`, or `None` if it touched nothing.
    pub fn draw(
        &mut self,
        fb: &mut Framebuffer,
        x: i32,
        y: i32,
        px: u16,
        color: Color,
        text: &str,
    ) -> Option<(i64, i64, i64, i64)> {
        let px = px.clamp(1, MAX_FONT_PX);
        if self.cache.len() > CACHE_LIMIT {
            self.cache.clear();
        }
        let mut pen = x as f32;
        let mut prev = None;
        let mut bbox: Option<(i64, i64, i64, i64)> = None;
        let limit = fb.width() as f32 + 1.0;
        for c in text.chars() {
            if pen > limit {
                break;
            }
            if let Some(p) = prev {
                pen += self.sans.horizontal_kern(p, c, f32::from(px)).unwrap_or(0.0);
            }
            prev = Some(c);
            let sans = &self.sans;
            let (m, cov) = self
                .cache
                .entry((c, px))
                .or_insert_with(|| sans.rasterize(c, f32::from(px)));
            let gx = pen.round() as i64 + i64::from(m.xmin);
            let gy = i64::from(y) - i64::from(m.ymin) - m.height as i64;
            pen += m.advance_width;
            if m.width == 0 || m.height == 0 {
                continue;
            }
            for (row, line) in cov.chunks_exact(m.width).enumerate() {
                let py = gy + row as i64;
                if py < 0 || py >= i64::from(fb.height()) {
                    continue;
                }
                for (col, &a) in line.iter().enumerate() {
                    if a != 0 {
                        let pxx = gx + col as i64;
                        if pxx >= 0 && pxx < i64::from(fb.width()) {
                            fb.blend_pixel(pxx as i32, py as i32, color, a);
                        }
                    }
                }
            }
            let (x0, y0, x1, y1) = (gx, gy, gx + m.width as i64, gy + m.height as i64);
            bbox = Some(match bbox {
                None => (x0, y0, x1, y1),
                Some((a, b, c, d)) => (a.min(x0), b.min(y0), c.max(x1), d.max(y1)),
            });
        }
        bbox
    }
}
