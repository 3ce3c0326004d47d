//! A differential test of the rasterizer: seeded random batches (every op kind, both blend
//! modes, anti-aliasing on and off, translations and scales, clips of one, two and several
//! rectangles, windows and images) drawn several ways that must agree:
//!
//! 1. nothing outside the clip changes;
//! 2. a clip of one rectangle and the same rectangle split in two give the same pixels (the
//!    first takes dispd's fast paths, the second the general ones);
//! 3. a clipped op gives the unclipped op's pixels inside the clip;
//! 4. `Copy` of an opaque colour gives what `SourceOver` gives;
//! 5. every changed pixel lies inside the damage `draw_batch` returns;
//! 6. a window's alpha bytes change nothing;
//! 7. what dispd draws itself comes out the same in a bigger framebuffer.
//!
//! `FUZZ_SEED`, `FUZZ_ITERS` (default 1500), `FUZZ_KIND` (one op kind) and `FUZZ_SKIP` (groups
//! to leave out, comma-separated) steer a run by hand; failures print one example per group.

use dispd_protocol::{
    BlendMode, Color, DrawOp, Drawable, FillRule, FontFace, GradientStop, LineCap, LineJoin, Paint, PathSeg,
    Point, Rect, Segment, Size, SmallPoint, SmallRect,
};

use super::{draw_batch, Fonts, Framebuffer, Sources};
use std::collections::BTreeMap;

/// The framebuffer the batches are drawn into: small, so that most shapes cross its edges.
const W: u32 = 24;
const H: u32 = 20;
/// The drawable being drawn into (2 is an image, 3 a window, for `DrawImage` and `CopyArea`).
const TGT: Drawable = Drawable(1);

/// A xorshift generator: the same seed, the same batches.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn range(&mut self, lo: i32, hi: i32) -> i32 {
        lo + self.below((hi - lo + 1) as u64) as i32
    }
    fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
    fn pick<T: Clone>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize].clone()
    }
    fn rect(&mut self) -> Rect {
        Rect::new(
            self.range(-6, W as i32),
            self.range(-6, H as i32),
            self.range(0, 22) as u32,
            self.range(0, 18) as u32,
        )
    }
    fn color(&mut self, opaque: bool) -> Color {
        let a = if opaque {
            255
        } else {
            self.pick(&[0u32, 1, 60, 128, 200, 254])
        };
        Color((a << 24) | (self.next() as u32 & 0xff_ffff))
    }
    fn pt(&mut self) -> Point {
        if self.chance(8) {
            return Point {
                x: self.range(-400, 400),
                y: self.range(-400, 400),
            };
        }
        Point {
            x: self.range(-6, W as i32 + 6),
            y: self.range(-6, H as i32 + 6),
        }
    }
}

/// The other drawables a batch may read.
struct Srcs {
    image: Framebuffer,
    window: Framebuffer,
}
impl Sources for Srcs {
    fn get(&self, d: Drawable) -> Option<&Framebuffer> {
        match d.0 {
            2 => Some(&self.image),
            3 => Some(&self.window),
            _ => None,
        }
    }
}

/// A framebuffer of random pixels: a window's (`opaque`, its alpha bytes random when
/// `alpha_junk`) or an image's (premultiplied).
fn noise(rng: &mut Rng, opaque: bool, w: u32, h: u32, alpha_junk: bool) -> Framebuffer {
    let mut f = if opaque {
        Framebuffer::new(Size::new(w, h), Color::WHITE)
    } else {
        Framebuffer::new_transparent(Size::new(w, h))
    };
    for p in f.pixels_mut() {
        let v = rng.next() as u32;
        *p = if opaque {
            if alpha_junk {
                v
            } else {
                v | 0xff00_0000
            }
        } else {
            let a = [0u32, 255, 128, v >> 24][(v & 3) as usize];
            let ch = |s: u32| ((v >> s) & 0xff).min(a);
            a << 24 | ch(16) << 16 | ch(8) << 8 | ch(0)
        };
    }
    f
}

/// A random draw state, set by the ops [`St::ops`] makes.
#[derive(Clone, Debug)]
struct St {
    paint: Paint,
    aa: bool,
    copy: bool,
    width: u16,
    cap: LineCap,
    join: LineJoin,
    dash: bool,
    transform: (f32, f32, f32, f32),
    even_odd: bool,
    face: FontFace,
    px: u16,
}

impl St {
    fn random(rng: &mut Rng) -> St {
        let opaque = rng.chance(50);
        let paint = if rng.chance(12) {
            let stops = vec![
                GradientStop {
                    offset: 0.0,
                    color: rng.color(rng.0 & 1 == 0),
                },
                GradientStop {
                    offset: 1.0,
                    color: rng.color(true),
                },
            ];
            if rng.chance(50) {
                Paint::Linear {
                    x0: 0.0,
                    y0: 0.0,
                    x1: W as f32,
                    y1: 5.0,
                    stops,
                }
            } else {
                Paint::Radial {
                    cx: 10.0,
                    cy: 10.0,
                    radius: 12.0,
                    stops,
                }
            }
        } else {
            Paint::Solid(rng.color(opaque))
        };
        let transform = match rng.below(10) {
            0..=3 => (1.0, 1.0, 0.0, 0.0),
            4..=6 => (1.0, 1.0, rng.range(-4, 4) as f32, rng.range(-4, 4) as f32),
            7 => (
                1.0,
                1.0,
                rng.pick(&[0.25, 0.5, -0.5, 1.75]),
                rng.pick(&[0.0, 0.5, 0.3]),
            ),
            _ => (
                rng.pick(&[0.5, 1.5, 2.0, 3.0, -1.0, 6.0]),
                rng.pick(&[0.5, 1.0, 2.0, 3.0, 6.0]),
                rng.range(-3, 8) as f32,
                rng.range(-3, 6) as f32,
            ),
        };
        St {
            paint,
            aa: rng.chance(30),
            copy: rng.chance(40),
            width: if rng.chance(60) { 1 } else { rng.range(2, 7) as u16 },
            cap: rng.pick(&[LineCap::Butt, LineCap::Round, LineCap::Square, LineCap::NotLast]),
            join: rng.pick(&[LineJoin::Miter, LineJoin::Round, LineJoin::Bevel]),
            dash: rng.chance(12),
            transform,
            even_odd: rng.chance(30),
            face: rng.pick(&[FontFace::Sans, FontFace::Mono, FontFace::Fixed]),
            px: rng.pick(&[8, 13, 16, 26]),
        }
    }

    fn ops(&self) -> Vec<DrawOp> {
        let mut v = vec![DrawOp::SetPaint(self.paint.clone())];
        if self.aa {
            v.push(DrawOp::SetAntialias(true));
        }
        if self.copy {
            v.push(DrawOp::SetBlend(BlendMode::Copy));
        }
        if self.width != 1 {
            v.push(DrawOp::SetLineWidth(self.width));
        }
        if self.cap != LineCap::Butt {
            v.push(DrawOp::SetLineCap(self.cap));
        }
        if self.join != LineJoin::Miter {
            v.push(DrawOp::SetLineJoin(self.join));
        }
        if self.dash {
            v.push(DrawOp::SetDash {
                pattern: vec![3, 2],
                offset: 1,
            });
        }
        if self.transform != (1.0, 1.0, 0.0, 0.0) {
            let (sx, sy, tx, ty) = self.transform;
            v.push(DrawOp::SetTransform { sx, sy, tx, ty });
        }
        if self.even_odd {
            v.push(DrawOp::SetFillRule(FillRule::EvenOdd));
        }
        v.push(DrawOp::SetFontFace(self.face));
        v.push(DrawOp::SetFontSize(self.px));
        v
    }
}

/// `r` as a rectangle of a run.
fn small(r: Rect) -> SmallRect {
    SmallRect {
        x: r.x as i16,
        y: r.y as i16,
        width: r.width as u16,
        height: r.height as u16,
    }
}

/// How many kinds of op [`random_op`] makes.
const KINDS: usize = 23;

/// A random op of kind `kind` (0 to [`KINDS`] - 1), mostly near the framebuffer, some far out.
fn random_op(rng: &mut Rng, kind: usize) -> DrawOp {
    match kind {
        0 => DrawOp::FillRect(rng.rect()),
        1 => DrawOp::FillRects((0..rng.range(1, 3)).map(|_| small(rng.rect())).collect()),
        2 => {
            let (a, b) = (rng.pt(), rng.pt());
            DrawOp::Line {
                x1: a.x,
                y1: a.y,
                x2: b.x,
                y2: b.y,
            }
        }
        3 => DrawOp::Segments(
            (0..rng.range(1, 3))
                .map(|_| {
                    let (a, b) = (rng.pt(), rng.pt());
                    Segment {
                        x1: a.x as i16,
                        y1: a.y as i16,
                        x2: b.x as i16,
                        y2: b.y as i16,
                    }
                })
                .collect(),
        ),
        4 => DrawOp::Lines(
            (0..rng.range(2, 5))
                .map(|_| {
                    let p = rng.pt();
                    SmallPoint {
                        x: p.x as i16,
                        y: p.y as i16,
                    }
                })
                .collect(),
        ),
        5 => DrawOp::Polyline {
            points: (0..rng.range(2, 5)).map(|_| rng.pt()).collect(),
            closed: rng.chance(50),
        },
        6 => DrawOp::Points((0..rng.range(1, 5)).map(|_| rng.pt()).collect()),
        7 => DrawOp::StrokeRect(rng.rect()),
        8 => DrawOp::FillEllipse(rng.rect()),
        9 => DrawOp::FillEllipses((0..rng.range(1, 3)).map(|_| small(rng.rect())).collect()),
        10 => DrawOp::StrokeEllipse(rng.rect()),
        11 => DrawOp::StrokeEllipses((0..rng.range(1, 3)).map(|_| small(rng.rect())).collect()),
        12 => DrawOp::Arc {
            rect: rng.rect(),
            start: rng.range(-360, 360) * 64,
            sweep: rng.range(-400, 400) * 64,
        },
        13 => DrawOp::FillPie {
            rect: rng.rect(),
            start: rng.range(-360, 360) * 64,
            sweep: rng.range(-400, 400) * 64,
        },
        14 => DrawOp::FillPolygon((0..rng.range(3, 5)).map(|_| rng.pt()).collect()),
        15 | 16 => {
            let mut segs = vec![];
            let f = |rng: &mut Rng| rng.range(-40, (W as i32 + 6) * 4) as f32 / 4.0;
            segs.push(PathSeg::MoveTo(f(rng), f(rng)));
            for _ in 0..rng.range(1, 4) {
                segs.push(match rng.below(4) {
                    0 | 1 => PathSeg::LineTo(f(rng), f(rng)),
                    2 => PathSeg::QuadTo(f(rng), f(rng), f(rng), f(rng)),
                    _ => PathSeg::CubicTo(f(rng), f(rng), f(rng), f(rng), f(rng), f(rng)),
                });
            }
            if rng.chance(50) {
                segs.push(PathSeg::Close);
            }
            if kind == 15 {
                DrawOp::FillPath(segs)
            } else {
                DrawOp::StrokePath(segs)
            }
        }
        17 => DrawOp::Text {
            x: rng.range(-6, W as i32),
            y: rng.range(0, H as i32 + 6),
            text: rng.pick(&["Wg", "x@M", "ÿé", "你"]).to_string(),
        },
        18 => DrawOp::DrawImage {
            image: rng.pick(&[Drawable(2), Drawable(3), TGT]),
            src: Rect::new(
                rng.range(-2, 8),
                rng.range(-2, 8),
                rng.range(1, 12) as u32,
                rng.range(1, 12) as u32,
            ),
            dst: Rect::new(
                rng.range(-4, 16),
                rng.range(-4, 14),
                rng.range(1, 24) as u32,
                rng.range(1, 20) as u32,
            ),
        },
        19 => DrawOp::CopyArea {
            source: rng.pick(&[Drawable(2), Drawable(3), TGT, TGT]),
            src: Rect::new(
                rng.range(-3, 16),
                rng.range(-3, 12),
                rng.range(1, 20) as u32,
                rng.range(1, 16) as u32,
            ),
            x: rng.range(-3, 16),
            y: rng.range(-3, 12),
        },
        20 => DrawOp::FillRoundRect {
            rect: rng.rect(),
            radius: rng.range(0, 8) as u16,
        },
        21 => DrawOp::StrokeRoundRect {
            rect: rng.rect(),
            radius: rng.range(0, 8) as u16,
        },
        _ => DrawOp::Clear,
    }
}

/// Whether dispd's own code draws `op` in state `st` (spans, X-style lines, glyphs, copies),
/// not tiny-skia: aliased, one solid colour, a whole-pixel translation, 1-pixel lines.
fn drawn_by_dispd(op: &DrawOp, st: &St) -> bool {
    let (sx, sy, tx, ty) = st.transform;
    let crisp = !st.aa && sx == 1.0 && sy == 1.0 && tx.fract() == 0.0 && ty.fract() == 0.0;
    let solid = matches!(st.paint, Paint::Solid(_));
    let thin = st.width == 1 && !st.dash;
    crisp
        && match op {
            DrawOp::FillRect(_)
            | DrawOp::FillRects(_)
            | DrawOp::Points(_)
            | DrawOp::FillEllipse(_)
            | DrawOp::FillEllipses(_)
            | DrawOp::Text { .. }
            | DrawOp::CopyArea { .. } => solid,
            // In a gradient too: dispd's pixels, tiny-skia's colours (`draw::gradient_lines`).
            DrawOp::Line { .. } | DrawOp::Segments(_) | DrawOp::Lines(_) | DrawOp::Polyline { .. } => thin,
            DrawOp::StrokeEllipse(_) | DrawOp::StrokeEllipses(_) => thin && solid,
            _ => false,
        }
}

/// The op's variant name, to group failures by.
fn kind_name(op: &DrawOp) -> String {
    let s = format!("{op:?}");
    s.split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("")
        .to_string()
}

/// Pixels that differ: (x, y, a, b), windows compared on RGB only.
fn diffs(a: &Framebuffer, b: &Framebuffer) -> Vec<(i32, i32, u32, u32)> {
    let m = if a.is_opaque() { 0x00ff_ffff } else { u32::MAX };
    let mut out = vec![];
    for (i, (&p, &q)) in a.pixels().iter().zip(b.pixels()).enumerate() {
        if p & m != q & m {
            out.push(((i % W as usize) as i32, (i / W as usize) as i32, p, q));
        }
    }
    out
}

/// The largest difference between two pixels' channels (alpha left out for windows).
fn chan_diff(p: u32, q: u32, opaque: bool) -> u32 {
    let n = if opaque { 3 } else { 4 };
    (0..n)
        .map(|i| ((p >> (8 * i)) & 0xff).abs_diff((q >> (8 * i)) & 0xff))
        .max()
        .unwrap_or(0)
}

/// Failures grouped by check and kind: how many, the largest difference, one example.
#[derive(Default)]
struct Report {
    groups: BTreeMap<String, (usize, u32, String)>,
}
impl Report {
    fn add(&mut self, key: String, maxdiff: u32, example: impl FnOnce() -> String) {
        let e = self.groups.entry(key).or_insert((0, 0, String::new()));
        e.0 += 1;
        if e.2.is_empty() || (maxdiff > e.1) {
            e.2 = example();
        }
        e.1 = e.1.max(maxdiff);
    }

    /// Adds a failure under `key` if `a` and `b` differ (windows on colour only), with the
    /// largest channel difference, the count and the first pixel after `example`.
    fn compare(&mut self, key: String, a: &Framebuffer, b: &Framebuffer, example: impl FnOnce() -> String) {
        let d = diffs(a, b);
        let Some(&first) = d.first() else { return };
        let md = d
            .iter()
            .map(|&(_, _, p, q)| chan_diff(p, q, a.is_opaque()))
            .max()
            .unwrap_or(0);
        self.add(key, md, || {
            format!("{} maxdiff {md} n {} first {first:?}", example(), d.len())
        });
    }
}

/// Whether `(x, y)` lies in one of the clip's rectangles.
fn union_has(clip: &[Rect], x: i32, y: i32) -> bool {
    clip.iter().any(|r| r.contains(x, y))
}

/// The kind of transform, to group failures by.
fn tkind(t: (f32, f32, f32, f32)) -> &'static str {
    let (sx, sy, tx, ty) = t;
    if sx != 1.0 || sy != 1.0 {
        "scale"
    } else if tx.fract() != 0.0 || ty.fract() != 0.0 {
        "fracT"
    } else if (tx, ty) != (0.0, 0.0) {
        "intT"
    } else {
        "id"
    }
}

#[test]
fn fuzz_draw_batches_keep_the_invariants() {
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x1234_5678_9abc);
    let iters: usize = std::env::var("FUZZ_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1500);
    let only: Option<usize> = std::env::var("FUZZ_KIND").ok().and_then(|s| s.parse().ok());
    let mut rng = Rng(seed | 1);
    let mut fonts = Fonts::load();
    let mut rep = Report::default();
    for it in 0..iters {
        let window = rng.chance(60);
        let base = noise(&mut rng, window, W, H, false);
        let srcs = Srcs {
            image: noise(&mut rng, false, 10, 10, false),
            window: noise(&mut rng, true, 10, 10, false),
        };
        let st = St::random(&mut rng);
        let kind = only.unwrap_or_else(|| rng.below(KINDS as u64) as usize);
        let op = random_op(&mut rng, kind);
        let name = kind_name(&op);
        let tag = format!(
            "{name} {} {} {} {}",
            if window { "win" } else { "img" },
            if st.copy { "Copy" } else { "Over" },
            if st.aa { "aa" } else { "crisp" },
            tkind(st.transform)
        );
        let mut exec = |fb0: &Framebuffer, clip: Option<&[Rect]>, st: &St| {
            let mut f = fb0.clone();
            let mut ops = vec![];
            if let Some(c) = clip {
                ops.push(DrawOp::SetClip(c.to_vec()));
            }
            ops.extend(st.ops());
            ops.push(op.clone());
            let dmg = draw_batch(&mut f, TGT, &mut fonts, &srcs, &ops, 1000).expect("valid batch");
            (f, dmg, ops)
        };
        let ex = |ops: &[DrawOp]| format!("it {it} window {window}: {ops:?}");
        // Unclipped.
        let (free, free_dmg, free_ops) = exec(&base, None, &st);
        let check_damage = |rep: &mut Report, f: &Framebuffer, dmg: Option<Rect>, ops: &[DrawOp]| {
            let outside: Vec<_> = diffs(&base, f)
                .into_iter()
                .filter(|&(x, y, _, _)| !dmg.is_some_and(|d| d.contains(x, y)))
                .collect();
            if !outside.is_empty() {
                rep.add(format!("5-damage {tag}"), outside.len() as u32, || {
                    format!("{} dmg {dmg:?} first {:?}", ex(ops), outside[0])
                });
            }
        };
        check_damage(&mut rep, &free, free_dmg, &free_ops);
        // Clips.
        let r = Rect::new(
            rng.range(-2, 14),
            rng.range(-2, 10),
            rng.range(2, 16) as u32,
            rng.range(2, 14) as u32,
        );
        let split = if rng.chance(50) {
            let k = rng.range(1, r.width as i32 - 1) as u32;
            vec![
                Rect::new(r.x, r.y, k, r.height),
                Rect::new(r.x + k as i32, r.y, r.width - k, r.height),
            ]
        } else {
            let k = rng.range(1, r.height as i32 - 1) as u32;
            vec![
                Rect::new(r.x, r.y, r.width, k),
                Rect::new(r.x, r.y + k as i32, r.width, r.height - k),
            ]
        };
        let several: Vec<Rect> = (0..rng.range(2, 4))
            .map(|_| {
                Rect::new(
                    rng.range(-2, 20),
                    rng.range(-2, 16),
                    rng.range(1, 10) as u32,
                    rng.range(1, 8) as u32,
                )
            })
            .collect();
        let mut results = vec![];
        for (ck, clip) in [
            ("one", vec![r]),
            ("split", split.clone()),
            ("several", several.clone()),
        ] {
            let (f, dmg, ops) = exec(&base, Some(&clip), &st);
            check_damage(&mut rep, &f, dmg, &ops);
            // 1. Outside the clip unchanged.
            let bad: Vec<_> = diffs(&base, &f)
                .into_iter()
                .filter(|&(x, y, _, _)| !union_has(&clip, x, y))
                .collect();
            if !bad.is_empty() {
                rep.add(
                    format!("1-outside-clip {tag} clip={ck}"),
                    bad.len() as u32,
                    || format!("{} first {:?}", ex(&ops), bad[0]),
                );
            }
            // 3. Clipped == unclipped restricted to the clip.
            let mut want = base.clone();
            for y in 0..H as i32 {
                for x in 0..W as i32 {
                    if union_has(&clip, x, y) {
                        want.pixels_mut()[(y as u32 * W + x as u32) as usize] = free.get(x, y).unwrap();
                    }
                }
            }
            rep.compare(format!("3-clip-vs-free {tag} clip={ck}"), &want, &f, || ex(&ops));
            results.push((f, ops));
        }
        // 2. One rectangle vs the same split in two.
        rep.compare(
            format!("2-one-vs-split {tag}"),
            &results[0].0,
            &results[1].0,
            || format!("{} vs split {split:?}:", ex(&results[0].1)),
        );
        // 4. Copy of an opaque solid colour == SourceOver.
        if let Paint::Solid(c) = st.paint {
            if c.a() == 255 && !matches!(op, DrawOp::DrawImage { .. } | DrawOp::CopyArea { .. }) {
                let mut other = st.clone();
                other.copy = !st.copy;
                for clip in [None, Some(&several[..])] {
                    let (a, _, ops) = exec(&base, clip, &st);
                    let (b, _, _) = exec(&base, clip, &other);
                    let key = format!(
                        "4-copy-vs-over {name} {} {} {} clip={}",
                        if window { "win" } else { "img" },
                        if st.aa { "aa" } else { "crisp" },
                        tkind(st.transform),
                        clip.is_some()
                    );
                    rep.compare(key, &a, &b, || format!("{} (blend flipped)", ex(&ops)));
                }
            }
        }
        // 7. The same batch in a bigger framebuffer, cropped, gives the same pixels, for what
        // dispd draws itself (tiny-skia cuts paths at the pixmap's edge, which moves their
        // aliased edges by a pixel there).
        let self_src = matches!(
            op,
            DrawOp::Clear | DrawOp::CopyArea { source: TGT, .. } | DrawOp::DrawImage { image: TGT, .. }
        );
        if !self_src && drawn_by_dispd(&op, &st) {
            let mut big = noise(&mut rng, window, 3 * W, 3 * H, false);
            big.copy_from(&base, base.bounds(), 0, 0);
            for clip in [None, Some(&several[..])] {
                let (a, _, ops) = exec(&base, clip, &st);
                let (b, _, _) = exec(&big, clip, &st);
                let mut crop = base.clone();
                crop.copy_from(&b, base.bounds(), 0, 0);
                rep.compare(format!("7-crop {tag} clip={}", clip.is_some()), &a, &crop, || {
                    ex(&ops)
                });
            }
        }
        // 6. A window's alpha bytes do not matter.
        if window {
            let mut junk = base.clone();
            for (p, q) in junk
                .pixels_mut()
                .iter_mut()
                .zip(noise(&mut rng, true, W, H, true).pixels())
            {
                *p = (*p & 0x00ff_ffff) | (q & 0xff00_0000);
            }
            let (a, _, ops) = exec(&junk, Some(&several), &st);
            let (b, _, _) = exec(&base, Some(&several), &st);
            rep.compare(format!("6-window-alpha {tag}"), &a, &b, || ex(&ops));
        }
    }
    let skip: Vec<String> = std::env::var("FUZZ_SKIP")
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    let mut rounding = vec![];
    rep.groups.retain(|k, (_, md, _)| {
        // Pixels outside the clip or the damage (1, 5) are counted, and any is a failure.
        // The other checks compare colours drawn by two rasterizers (dispd's spans and
        // tiny-skia, or tiny-skia with and without a clip mask), which round differently:
        // by up to 2 per channel, and up to 8 at anti-aliased edges under a mask.
        let counted = k.starts_with("1-") || k.starts_with("5-");
        let tol = if counted {
            0
        } else if k.contains(" aa ") {
            8
        } else {
            2
        };
        if *md <= tol {
            rounding.push(k.clone());
            return false;
        }
        !skip.iter().any(|s| k.contains(s.as_str()))
    });
    let mut out = String::new();
    for (k, (n, md, e)) in &rep.groups {
        out += &format!("\n== {k}: {n} cases, maxdiff {md}\n   {e}\n");
    }
    assert!(
        rep.groups.is_empty(),
        "{} failing groups ({} more differ only by rounding):{out}",
        rep.groups.len(),
        rounding.len()
    );
}
