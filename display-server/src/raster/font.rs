//! Text: the bundled faces and a glyph cache. DejaVu Sans and Mono are rasterized by fontdue;
//! `Fixed` is X's misc-fixed 6x13 bitmap font, drawn bit by bit (see [`Fonts::render`]);
//! the 50,000-glyph CJK fallback is read in place with ttf-parser and its glyphs rasterized by
//! tiny-skia only when first drawn, so it costs neither start-up time nor memory (fontdue would
//! parse every glyph up front: about 0.6 s and 128 MB).
//!
//! Layout is deliberately simple and shared with clients through [`Fonts::metrics`]: the pen
//! starts at the text's x; each character is drawn at the pen position rounded to the nearest
//! pixel, and then the pen advances by the character's advance (in ems) times the size, summed
//! in `f32`. No kerning, so a client that sums the same advances measures exactly what is drawn.

use std::sync::OnceLock;

// Keys are characters and small integers: a fast non-cryptographic hash is enough, and every
// drawn character looks up its glyph and advance.
use rustc_hash::FxHashMap as HashMap;

use tiny_skia::{FillRule, Mask, PathBuilder, Transform};

use dispd_protocol::{FontFace, FontMetrics};

/// DejaVu Sans (licence in `fonts/LICENSE-DejaVu.txt`).
static SANS: &[u8] = include_bytes!("../../../fonts/DejaVuSans.ttf");
/// DejaVu Sans Mono (same licence).
static MONO: &[u8] = include_bytes!("../../../fonts/DejaVuSansMono.ttf");
/// Droid Sans Fallback, for what DejaVu lacks: Chinese, Japanese, Korean (Apache-2.0, in `fonts/`).
static FALLBACK: &[u8] = include_bytes!("../../../fonts/DroidSansFallbackFull.ttf");

/// Bytes of glyph bitmaps kept before the cache is emptied (a 512 px glyph alone is 256 KiB,
/// so a count of glyphs would not bound the memory a client can make the server hold).
const CACHE_BYTES: usize = 32 << 20;
/// Advances kept before that cache is emptied (clients can ask about every code point).
const ADVANCES_LIMIT: usize = 65_536;
/// Largest text size drawn, in pixels; larger sizes are drawn at this size.
pub const MAX_FONT_PX: u16 = 512;

/// Index of a loaded font: 0 sans, 1 mono, 2 fallback.
type FontIndex = usize;

/// Where [`Fonts::render`] sends each glyph.
pub trait GlyphSink {
    /// An anti-aliased glyph whose bitmap's top-left pixel goes at `at`.
    fn coverage(&mut self, at: (i64, i64), glyph: &Glyph);
    /// A bitmap glyph of the `Fixed` face: 13 rows of 6 bits (bit 7 leftmost), each bit a
    /// `scale` x `scale` square, the cell's top-left pixel at `at`.
    fn bits(&mut self, at: (i64, i64), rows: &[u8; 13], scale: i64);
}

/// The `Fixed` face's cell: 6 pixels wide, 11 above the baseline and 2 below, at scale 1.
const FIXED_CELL: (i64, i64, i64) = (6, 11, 2);

/// A rasterized glyph: a coverage bitmap and where it sits relative to the pen on the baseline.
#[derive(Debug)]
pub struct Glyph {
    /// Pixels from the pen to the bitmap's left edge.
    left: i32,
    /// Pixels from the baseline to the bitmap's top edge (negative: above).
    top: i32,
    /// Columns of the bitmap.
    pub width: usize,
    /// Rows of the bitmap.
    height: usize,
    /// Coverage, 0 to 255, row by row.
    pub coverage: Vec<u8>,
}

impl Glyph {
    fn from_fontdue((m, coverage): (fontdue::Metrics, Vec<u8>)) -> Self {
        Glyph {
            left: m.xmin,
            top: -(m.ymin + m.height as i32),
            width: m.width,
            height: m.height,
            coverage,
        }
    }
}

/// The server's fonts and their caches.
pub struct Fonts {
    /// Sans and mono, loaded at start.
    faces: [&'static fontdue::Font; 2],
    /// The CJK fallback, read in place.
    fallback: ttf_parser::Face<'static>,
    /// Glyphs by face, character and size (a fallback glyph may be cached once per face).
    glyphs: HashMap<(FontFace, char, u16), Glyph>,
    /// Bytes of coverage held by `glyphs`.
    glyph_bytes: usize,
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

/// The parsed DejaVu faces, shared by every server in the process (they never change).
static SANS_FONT: OnceLock<fontdue::Font> = OnceLock::new();
static MONO_FONT: OnceLock<fontdue::Font> = OnceLock::new();

/// Index of the fallback among the fonts.
const FALLBACK_INDEX: FontIndex = 2;

impl Fonts {
    /// Loads the bundled fonts (DejaVu once per process; the fallback is only indexed).
    pub fn load() -> Self {
        let sans = SANS_FONT.get_or_init(|| parse(SANS, "DejaVu Sans"));
        let mono = MONO_FONT.get_or_init(|| parse(MONO, "DejaVu Sans Mono"));
        let fallback = ttf_parser::Face::parse(FALLBACK, 0)
            .unwrap_or_else(|e| panic!("bundled font Droid Sans Fallback does not parse: {e}"));
        Self {
            faces: [sans, mono],
            fallback,
            glyphs: HashMap::default(),
            glyph_bytes: 0,
            advances: HashMap::default(),
        }
    }

    /// A glyph of font `index` at `px`, rasterized.
    fn rasterize(&self, index: FontIndex, c: char, px: u16) -> Glyph {
        if index < FALLBACK_INDEX {
            return Glyph::from_fontdue(self.faces[index].rasterize(c, f32::from(px)));
        }
        rasterize_outline(&self.fallback, c, f32::from(px))
    }

    /// The font that draws `c` in `face`: the face itself, or the fallback when only it has `c`.
    fn pick(&self, face: FontFace, c: char) -> FontIndex {
        let primary = match face {
            FontFace::Sans => 0,
            // Fixed draws what misc-fixed lacks with Mono.
            FontFace::Mono | FontFace::Fixed => 1,
        };
        if self.faces[primary].lookup_glyph_index(c) == 0 && self.fallback.glyph_index(c).is_some() {
            FALLBACK_INDEX
        } else {
            primary
        }
    }

    /// The advance of `c` in `face`, in ems.
    pub fn advance(&mut self, face: FontFace, c: char) -> f32 {
        if face == FontFace::Fixed {
            // Every character, misc-fixed's or Mono's, takes one 6x13 cell.
            return FIXED_CELL.0 as f32 / 13.0;
        }
        if let Some(a) = self.advances.get(&(face, c)) {
            return *a;
        }
        let a = match self.pick(face, c) {
            FALLBACK_INDEX => {
                let upem = f32::from(self.fallback.units_per_em().max(1));
                let id = self.fallback.glyph_index(c).unwrap_or_default();
                f32::from(self.fallback.glyph_hor_advance(id).unwrap_or(0)) / upem
            }
            index => {
                let font = self.faces[index];
                let upem = font.units_per_em();
                font.metrics(c, upem).advance_width.round() / upem
            }
        };
        if self.advances.len() >= ADVANCES_LIMIT {
            self.advances.clear();
        }
        self.advances.insert((face, c), a);
        a
    }

    /// What a client needs to measure text in `face`: line metrics and the advances of `chars`.
    pub fn metrics(&mut self, face: FontFace, chars: &str) -> FontMetrics {
        let primary = self.faces[self.pick(face, 'x').min(1)];
        let upem = primary.units_per_em();
        let (ascent, descent, line_gap) = if face == FontFace::Fixed {
            (FIXED_CELL.1 as f32 / 13.0, FIXED_CELL.2 as f32 / 13.0, 0.0)
        } else {
            primary
                .horizontal_line_metrics(upem)
                .map_or((0.8, 0.2, 0.0), |m| {
                    (m.ascent / upem, -m.descent / upem, m.line_gap / upem)
                })
        };
        let advances = chars.chars().map(|c| self.advance(face, c)).collect();
        FontMetrics {
            ascent,
            descent,
            line_gap,
            advances,
        }
    }

    /// Sends every glyph of `text`, its baseline starting at `(x, y)`, to `sink`, and returns the
    /// bounding box of the ink as `(x0, y0, x1, y1)`. Characters that start right of `max_x` are
    /// not rasterized. Text is drawn at [`FontFace::drawn_px`] of `px`.
    pub fn render(
        &mut self,
        face: FontFace,
        px: u16,
        (x, y): (i32, i32),
        text: &str,
        max_x: i64,
        sink: &mut impl GlyphSink,
    ) -> Option<(i64, i64, i64, i64)> {
        let px = face.drawn_px(px).min(MAX_FONT_PX);
        if face == FontFace::Fixed {
            return self.render_fixed(px, (x, y), text, max_x, sink);
        }
        if self.glyph_bytes > CACHE_BYTES {
            self.glyphs.clear();
            self.glyph_bytes = 0;
        }
        let size = f32::from(px);
        let mut pen_f = 0.0f32;
        let mut bbox: Option<(i64, i64, i64, i64)> = None;
        for c in text.chars() {
            // Pen positions are rounded, advances summed unrounded (see the module's doc).
            // `pen_f` is never negative (advances are not): adding 0.5 and truncating rounds as
            // `round` does, without a libm call per character.
            let pen = i64::from(x) + i64::from((pen_f + 0.5) as i32);
            pen_f += self.advance(face, c) * size;
            if pen > max_x {
                break;
            }
            let key = (face, c, px);
            if !self.glyphs.contains_key(&key) {
                let glyph = self.rasterize(self.pick(face, c), c, px);
                self.glyph_bytes += glyph.coverage.len();
                self.glyphs.insert(key, glyph);
            }
            let Some(g) = self.glyphs.get(&key) else {
                continue;
            };
            if g.width == 0 || g.height == 0 {
                continue;
            }
            let gx = pen + i64::from(g.left);
            let gy = i64::from(y) + i64::from(g.top);
            sink.coverage((gx, gy), g);
            let (x0, y0, x1, y1) = (gx, gy, gx + g.width as i64, gy + g.height as i64);
            bbox = Some(match bbox {
                None => (x0, y0, x1, y1),
                Some((a, b, c, d)) => (a.min(x0), b.min(y0), c.max(x1), d.max(y1)),
            });
        }
        bbox
    }

    /// [`Fonts::render`] for the `Fixed` face at `px`, a multiple of 13: Latin-1 from the bitmap,
    /// anything else from Mono, each character in one cell.
    fn render_fixed(
        &mut self,
        px: u16,
        (x, y): (i32, i32),
        text: &str,
        max_x: i64,
        sink: &mut impl GlyphSink,
    ) -> Option<(i64, i64, i64, i64)> {
        let scale = i64::from(px / 13);
        let (cell_w, ascent, descent) = (FIXED_CELL.0 * scale, FIXED_CELL.1 * scale, FIXED_CELL.2 * scale);
        let (x, y) = (i64::from(x), i64::from(y));
        let mut pen = x;
        // The cells drawn, and any ink of a wider fallback glyph.
        let mut bbox: Option<(i64, i64, i64, i64)> = None;
        let mut others = String::new();
        for c in text.chars() {
            if pen > max_x {
                break;
            }
            match super::fixed_6x13::GLYPHS.get(c as usize) {
                Some(rows) => sink.bits((pen, y - ascent), rows, scale),
                None => {
                    others.clear();
                    others.push(c);
                    let ink = self.render(FontFace::Mono, px, (pen as i32, y as i32), &others, max_x, sink);
                    bbox = union(bbox, ink);
                }
            }
            pen += cell_w;
            bbox = union(bbox, Some((x, y - ascent, pen, y + descent)));
        }
        bbox
    }
}

/// The smallest box holding both (either may be missing).
fn union(a: Option<(i64, i64, i64, i64)>, b: Option<(i64, i64, i64, i64)>) -> Option<(i64, i64, i64, i64)> {
    match (a, b) {
        (Some(a), Some(b)) => Some((a.0.min(b.0), a.1.min(b.1), a.2.max(b.2), a.3.max(b.3))),
        (a, None) => a,
        (None, b) => b,
    }
}

/// Collects a glyph outline from ttf-parser into a tiny-skia path, scaled to pixels with y down.
struct Outline {
    path: PathBuilder,
    scale: f32,
}

impl ttf_parser::OutlineBuilder for Outline {
    fn move_to(&mut self, x: f32, y: f32) {
        self.path.move_to(x * self.scale, -y * self.scale);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.path.line_to(x * self.scale, -y * self.scale);
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let s = self.scale;
        self.path.quad_to(x1 * s, -y1 * s, x * s, -y * s);
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let s = self.scale;
        self.path
            .cubic_to(x1 * s, -y1 * s, x2 * s, -y2 * s, x * s, -y * s);
    }
    fn close(&mut self) {
        self.path.close();
    }
}

/// Rasterizes `c` of `face` at `px` pixels per em: its outline, filled anti-aliased by tiny-skia.
fn rasterize_outline(face: &ttf_parser::Face<'_>, c: char, px: f32) -> Glyph {
    let empty = Glyph {
        left: 0,
        top: 0,
        width: 0,
        height: 0,
        coverage: Vec::new(),
    };
    let Some(id) = face.glyph_index(c) else {
        return empty;
    };
    let scale = px / f32::from(face.units_per_em().max(1));
    let mut outline = Outline {
        path: PathBuilder::new(),
        scale,
    };
    if face.outline_glyph(id, &mut outline).is_none() {
        return empty;
    }
    let Some(path) = outline.path.finish() else {
        return empty;
    };
    let b = path.bounds();
    let (left, top) = (b.left().floor(), b.top().floor());
    let (width, height) = ((b.right().ceil() - left) as u32, (b.bottom().ceil() - top) as u32);
    let Some(mut mask) = Mask::new(width.max(1), height.max(1)) else {
        return empty;
    };
    mask.fill_path(
        &path,
        FillRule::Winding,
        true,
        Transform::from_translate(-left, -top),
    );
    Glyph {
        left: left as i32,
        top: top as i32,
        width: mask.width() as usize,
        height: mask.height() as usize,
        coverage: mask.data().to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Draws nothing.
    struct NoInk;
    impl GlyphSink for NoInk {
        fn coverage(&mut self, _: (i64, i64), _: &Glyph) {}
        fn bits(&mut self, _: (i64, i64), _: &[u8; 13], _: i64) {}
    }

    #[test]
    fn chinese_falls_back_and_mono_is_monospaced() {
        let mut f = Fonts::load();
        assert_eq!(f.pick(FontFace::Sans, '你'), FALLBACK_INDEX);
        assert_eq!(f.pick(FontFace::Sans, 'a'), 0);
        assert!(f.advance(FontFace::Sans, '你') > 0.5);
        assert_eq!(f.advance(FontFace::Mono, 'i'), f.advance(FontFace::Mono, 'W'));
        assert!(f.advance(FontFace::Sans, 'i') < f.advance(FontFace::Sans, 'W'));
        let right = |f: &mut Fonts, s: &str| {
            f.render(FontFace::Sans, 20, (0, 20), s, i64::MAX, &mut NoInk)
                .unwrap()
                .2
        };
        assert!(right(&mut f, "abc") > right(&mut f, "ab"));
    }

    #[test]
    fn the_glyph_cache_stays_within_its_bytes() {
        let mut f = Fonts::load();
        let text: String = ('A'..='z').chain('\u{4e00}'..='\u{4f00}').collect();
        let mut biggest = 0;
        for chunk in text.chars().collect::<Vec<_>>().chunks(16) {
            let s: String = chunk.iter().collect();
            f.render(FontFace::Sans, MAX_FONT_PX, (0, 400), &s, i64::MAX, &mut NoInk);
            biggest = biggest.max(f.glyph_bytes);
        }
        // At most the limit plus the glyphs of one string drawn after reaching it.
        assert!(biggest <= CACHE_BYTES + 16 * 512 * 512, "{biggest}");
        assert!(
            f.glyphs.len() < text.chars().count(),
            "the cache was never emptied"
        );
    }
}
