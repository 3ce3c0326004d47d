//! Text: the bundled faces, rasterized by fontdue, with a fallback face and a glyph cache.
//!
//! Layout is deliberately simple and shared with clients through [`Fonts::metrics`]: the pen
//! starts at the text's x; each character is drawn at the pen position rounded to the nearest
//! pixel, and then the pen advances by the character's advance (in ems) times the size, summed
//! in `f32`. No kerning, so a client that sums the same advances measures exactly what is drawn.

use std::collections::HashMap;
use std::sync::OnceLock;

use dispd_protocol::{FontFace, FontMetrics};

/// DejaVu Sans (licence in `fonts/LICENSE-DejaVu.txt`).
static SANS: &[u8] = include_bytes!("../../../fonts/DejaVuSans.ttf");
/// DejaVu Sans Mono (same licence).
static MONO: &[u8] = include_bytes!("../../../fonts/DejaVuSansMono.ttf");
/// Droid Sans Fallback, for what DejaVu lacks: Chinese, Japanese, Korean (Apache-2.0, in `fonts/`).
static FALLBACK: &[u8] = include_bytes!("../../../fonts/DroidSansFallbackFull.ttf");

/// Glyph bitmaps kept before the cache is emptied.
const CACHE_LIMIT: usize = 4096;
/// Largest text size drawn, in pixels; larger sizes are drawn at this size.
pub const MAX_FONT_PX: u16 = 512;

/// Index of a loaded font: 0 sans, 1 mono, 2 fallback.
type FontIndex = usize;

/// A rasterized glyph.
struct Glyph {
    metrics: fontdue::Metrics,
    coverage: Vec<u8>,
}

/// Where one character of a laid-out string goes.
#[derive(Clone, Copy, Debug)]
pub struct Placed {
    /// The character.
    pub c: char,
    /// Its pen position relative to the text's x, in pixels (rounded).
    pub x: i32,
}

/// The server's fonts and their caches.
pub struct Fonts {
    /// Sans and mono, loaded at start.
    faces: [&'static fontdue::Font; 2],
    /// The large CJK fallback (about a second of CPU to parse), parsed on a thread of its own
    /// when the first `Fonts` is made, so no request waits for it unless it comes very early.
    fallback: &'static OnceLock<fontdue::Font>,
    glyphs: HashMap<(FontIndex, char, u16), Glyph>,
    advances: HashMap<(FontFace, char), f32>,
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Fonts({} glyphs cached)", self.glyphs.len())
    }
}

/// Parses a bundled font. They are compiled in and known to parse: a failure is a broken build.
fn parse(bytes: &[u8], name: &str) -> fontdue::Font {
    fontdue::Font::from_bytes(bytes, fontdue::FontSettings::default())
        .unwrap_or_else(|e| panic!("bundled font {name} does not parse: {e}"))
}

/// The parsed fonts, shared by every server in the process (they never change).
static SANS_FONT: OnceLock<fontdue::Font> = OnceLock::new();
static MONO_FONT: OnceLock<fontdue::Font> = OnceLock::new();
static FALLBACK_FONT: OnceLock<fontdue::Font> = OnceLock::new();

impl Fonts {
    /// A loaded font by index: 0 sans, 1 mono, 2 fallback (waiting for its parse if needed).
    fn font(&self, index: FontIndex) -> &fontdue::Font {
        match index {
            0 | 1 => self.faces[index],
            _ => self.fallback.wait(),
        }
    }

    /// Loads the bundled fonts (once per process) and starts parsing the fallback.
    pub fn load() -> Self {
        let sans = SANS_FONT.get_or_init(|| parse(SANS, "DejaVu Sans"));
        let mono = MONO_FONT.get_or_init(|| parse(MONO, "DejaVu Sans Mono"));
        static STARTED: std::sync::Once = std::sync::Once::new();
        STARTED.call_once(|| {
            let spawned = std::thread::Builder::new()
                .name("font-fallback".into())
                .spawn(|| {
                    FALLBACK_FONT.get_or_init(|| parse(FALLBACK, "Droid Sans Fallback"));
                });
            if spawned.is_err() {
                FALLBACK_FONT.get_or_init(|| parse(FALLBACK, "Droid Sans Fallback"));
            }
        });
        Self {
            faces: [sans, mono],
            fallback: &FALLBACK_FONT,
            glyphs: HashMap::new(),
            advances: HashMap::new(),
        }
    }

    /// The font that draws `c` in `face`: the face itself, or the fallback when only it has `c`.
    fn pick(&self, face: FontFace, c: char) -> FontIndex {
        let primary = match face {
            FontFace::Sans => 0,
            FontFace::Mono => 1,
        };
        if self.faces[primary].lookup_glyph_index(c) == 0 && self.font(2).lookup_glyph_index(c) != 0 {
            2
        } else {
            primary
        }
    }

    /// The advance of `c` in `face`, in ems.
    pub fn advance(&mut self, face: FontFace, c: char) -> f32 {
        if let Some(a) = self.advances.get(&(face, c)) {
            return *a;
        }
        let font = self.font(self.pick(face, c));
        let upem = font.units_per_em();
        let a = font.metrics(c, upem).advance_width.round() / upem;
        self.advances.insert((face, c), a);
        a
    }

    /// What a client needs to measure text in `face`: line metrics and the advances of `chars`.
    pub fn metrics(&mut self, face: FontFace, chars: &str) -> FontMetrics {
        let primary = self.font(self.pick(face, 'x'));
        let upem = primary.units_per_em();
        let (ascent, descent, line_gap) = primary
            .horizontal_line_metrics(upem)
            .map_or((0.8, 0.2, 0.0), |m| {
                (m.ascent / upem, -m.descent / upem, m.line_gap / upem)
            });
        let advances = chars.chars().map(|c| self.advance(face, c)).collect();
        FontMetrics {
            ascent,
            descent,
            line_gap,
            advances,
        }
    }

    /// Lays out `text` at `px`: each character's pen offset, and the total advance.
    pub fn layout(&mut self, face: FontFace, px: u16, text: &str) -> (Vec<Placed>, f32) {
        let size = f32::from(px.clamp(1, MAX_FONT_PX));
        let mut pen = 0.0f32;
        let mut placed = Vec::with_capacity(text.len());
        for c in text.chars() {
            placed.push(Placed {
                c,
                x: pen.round() as i32,
            });
            pen += self.advance(face, c) * size;
        }
        (placed, pen)
    }

    /// Calls `plot(x, y, coverage)` for every inked pixel of `text` with its baseline starting
    /// at `(x, y)`, and returns the bounding box of the ink as `(x0, y0, x1, y1)`. Characters
    /// that start right of `max_x` are not rasterized.
    pub fn render(
        &mut self,
        face: FontFace,
        px: u16,
        (x, y): (i32, i32),
        text: &str,
        max_x: i64,
        mut plot: impl FnMut(i64, i64, u8),
    ) -> Option<(i64, i64, i64, i64)> {
        let px = px.clamp(1, MAX_FONT_PX);
        if self.glyphs.len() > CACHE_LIMIT {
            self.glyphs.clear();
        }
        let (placed, _) = self.layout(face, px, text);
        let mut bbox: Option<(i64, i64, i64, i64)> = None;
        for p in placed {
            let pen = i64::from(x) + i64::from(p.x);
            if pen > max_x {
                break;
            }
            let index = self.pick(face, p.c);
            if !self.glyphs.contains_key(&(index, p.c, px)) {
                let (metrics, coverage) = self.font(index).rasterize(p.c, f32::from(px));
                self.glyphs.insert((index, p.c, px), Glyph { metrics, coverage });
            }
            let Some(g) = self.glyphs.get(&(index, p.c, px)) else {
                continue;
            };
            let m = &g.metrics;
            if m.width == 0 || m.height == 0 {
                continue;
            }
            let gx = pen + i64::from(m.xmin);
            let gy = i64::from(y) - i64::from(m.ymin) - m.height as i64;
            for (row, line) in g.coverage.chunks_exact(m.width).enumerate() {
                for (col, &a) in line.iter().enumerate() {
                    if a != 0 {
                        plot(gx + col as i64, gy + row as i64, a);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_falls_back_and_mono_is_monospaced() {
        let mut f = Fonts::load();
        assert_eq!(f.pick(FontFace::Sans, '你'), 2);
        assert_eq!(f.pick(FontFace::Sans, 'a'), 0);
        assert!(f.advance(FontFace::Sans, '你') > 0.5);
        assert_eq!(f.advance(FontFace::Mono, 'i'), f.advance(FontFace::Mono, 'W'));
        assert!(f.advance(FontFace::Sans, 'i') < f.advance(FontFace::Sans, 'W'));
        let (_, w1) = f.layout(FontFace::Sans, 20, "ab");
        let (_, w2) = f.layout(FontFace::Sans, 20, "abc");
        assert!(w2 > w1);
    }
}
