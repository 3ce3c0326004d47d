//! The drawing model, checked pixel by pixel against geometry: aliased rectangles, lines and
//! points; circles (aliased and anti-aliased); clipping; blending and gradients; text measured
//! by the client; image upload and read-back (raw and LZ4); off-screen images drawn and copied;
//! whole-batch failure; limits; frame callbacks; isolation of images between clients.
//!
//! Every expectation comes from the shapes' geometry and the protocol's rules (a pixel is
//! covered when its centre `(x + 0.5, y + 0.5)` is inside), never from what the rasterizer
//! happens to draw today.

use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use dispd_protocol::{Compression, DrawOp, Drawable, ErrorCode, Event, GradientStop, Paint, Request};
use gui_client::{
    linear_gradient, BlendMode, ClientError, Color, Display, FontFace, Image, PixelFormat, Point, Rect,
    RequestError, Size, WindowId,
};

use crate::util::{assert_no_event, assert_pixels, rgba, wait_expose, TestServer, Transport, WAIT};

const WHITE: Color = Color::WHITE;
const BLACK: Color = Color::BLACK;
const RED: Color = Color::rgb(255, 0, 0);
const GREEN: Color = Color::rgb(0, 160, 0);
const BLUE: Color = Color::rgb(0, 0, 255);
const MAGENTA: Color = Color::rgb(200, 0, 200);
const CYAN: Color = Color::rgb(0, 190, 190);
const ORANGE: Color = Color::rgb(255, 140, 0);

/// Most clip rectangles in one `SetClip` (`MAX_CLIP_RECTS` in `raster::draw`).
const MAX_CLIP_RECTS: usize = 256;
/// Longest text of one op, in bytes (`MAX_TEXT_BYTES` in `raster::draw`).
const MAX_TEXT_BYTES: usize = 4096;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// The server of this file's tests, shared by those running at the same time: starting one
/// costs about a second of CPU (loading the fonts), and its clients are isolated from each other
/// anyway (every test reads back its own drawables). The last test to let go stops it.
fn shared_server() -> Arc<TestServer> {
    static SHARED: Mutex<Weak<TestServer>> = Mutex::new(Weak::new());
    let mut slot = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(server) = slot.upgrade() {
        return server;
    }
    let server = Arc::new(TestServer::with_defaults());
    *slot = Arc::downgrade(&server);
    server
}

/// The shared server, a client on `transport`, and a mapped `w` x `h` window of `bg` at the
/// origin.
fn setup_on(transport: Transport, w: u32, h: u32, bg: Color) -> (Arc<TestServer>, Display, WindowId) {
    let server = shared_server();
    let mut d = server.connect(transport);
    let win = d.create_window(Rect::new(0, 0, w, h), bg).expect("create_window");
    d.map_window(win);
    wait_expose(&mut d, win);
    (server, d, win)
}

fn setup(w: u32, h: u32, bg: Color) -> (Arc<TestServer>, Display, WindowId) {
    setup_on(Transport::Unix, w, h, bg)
}

/// All of a drawable of `w` x `h`.
fn read(d: &mut Display, drawable: impl Into<Drawable>, w: u32, h: u32) -> Image {
    let img = d.get_image(drawable, Rect::new(0, 0, w, h)).expect("get_image");
    assert_eq!((img.width, img.height), (w, h), "read-back size");
    img
}

fn px(img: &Image, x: u32, y: u32) -> [u8; 4] {
    img.pixel(x, y)
        .unwrap_or_else(|| panic!("({x},{y}) outside {}x{}", img.width, img.height))
}

/// The expected picture, painted by the test from geometry.
struct Canvas {
    w: u32,
    h: u32,
    px: Vec<[u8; 4]>,
}

impl Canvas {
    fn new(w: u32, h: u32, c: [u8; 4]) -> Self {
        Self {
            w,
            h,
            px: vec![c; w as usize * h as usize],
        }
    }

    fn set(&mut self, x: i32, y: i32, c: [u8; 4]) {
        if x >= 0 && y >= 0 && (x as u32) < self.w && (y as u32) < self.h {
            self.px[y as usize * self.w as usize + x as usize] = c;
        }
    }

    fn fill(&mut self, r: Rect, c: [u8; 4]) {
        for y in r.y..r.y + r.height as i32 {
            for x in r.x..r.x + r.width as i32 {
                self.set(x, y, c);
            }
        }
    }

    fn get(&self, x: u32, y: u32) -> [u8; 4] {
        self.px[y as usize * self.w as usize + x as usize]
    }

    fn assert_matches(&self, img: &Image, what: &str) {
        assert_eq!((img.width, img.height), (self.w, self.h), "{what}: size");
        assert_pixels(img, what, |x, y| self.get(x, y));
    }
}

/// Waits for the error of request `seq` (skipping events such as focus changes); its code must
/// be one of `codes`.
fn expect_error(d: &mut Display, what: &str, seq: u32, codes: &[ErrorCode]) -> RequestError {
    let deadline = Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match d.next_event_timeout(left) {
            Err(ClientError::Request(e)) => {
                assert_eq!(e.seq, seq, "{what}: error for the wrong request: {e}");
                assert!(
                    codes.contains(&e.code),
                    "{what}: code {:?}, want one of {codes:?}: {e}",
                    e.code
                );
                return e;
            }
            Ok(Some(_)) => {}
            Ok(None) => panic!("{what}: no error for request #{seq} within {WAIT:?}"),
            Err(e) => panic!("{what}: waiting for the error of #{seq}: {e}"),
        }
    }
}

/// Syncs, then fails on any request error that has arrived (events are skipped).
fn assert_no_errors(d: &mut Display, what: &str) {
    d.sync().unwrap_or_else(|e| panic!("{what}: sync: {e}"));
    loop {
        match d.poll_event() {
            Ok(Some(_)) => {}
            Ok(None) => return,
            Err(e) => panic!("{what}: unexpected error {e}"),
        }
    }
}

/// A round trip that fails with a request error: returns it.
fn get_image_error(d: &mut Display, source: impl Into<Drawable>, rect: Rect) -> RequestError {
    match d.get_image(source, rect) {
        Err(ClientError::Request(e)) => e,
        other => panic!("get_image should fail, got {other:?}"),
    }
}

/// A tiny deterministic generator (xorshift64*), for test pictures.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn byte(&mut self) -> u8 {
        (self.next() >> 56) as u8
    }
}

/// Opaque RGBA bytes of a `w` x `h` picture where every pixel differs from its neighbours.
fn pattern_rgba(w: u32, h: u32, seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed | 1);
    (0..w * h)
        .flat_map(|_| [rng.byte(), rng.byte(), rng.byte(), 255])
        .collect()
}

/// RGBA bytes as pixels.
fn pixels_of(data: &[u8]) -> Vec<[u8; 4]> {
    data.chunks_exact(4).map(|c| [c[0], c[1], c[2], c[3]]).collect()
}

/// Whether `got` is within `tol` of `want` in red, green and blue, and opaque.
fn near(got: [u8; 4], want: [f32; 3], tol: f32) -> bool {
    got[3] == 255 && (0..3).all(|i| (f32::from(got[i]) - want[i]).abs() <= tol)
}

fn is_white(p: [u8; 4]) -> bool {
    p == rgba(WHITE)
}

// ---------------------------------------------------------------------------------------------
// 1. Aliased rectangles, lines and points
// ---------------------------------------------------------------------------------------------

#[test]
fn aliased_rects_lines_and_points_cover_exactly_their_pixels() {
    let (w, h) = (100u32, 80u32);
    let (_server, mut d, win) = setup(w, h, WHITE);
    let mut p = d.draw(win);
    p.color(RED)
        .fill_rect(Rect::new(5, 5, 10, 6))
        .color(BLUE)
        .stroke_rect(Rect::new(30, 5, 8, 6))
        .color(GREEN)
        .line(5, 20, 25, 20)
        .line(25, 25, 5, 25)
        .line(40, 20, 40, 35)
        .line(45, 35, 45, 22)
        .color(MAGENTA)
        .line(50, 20, 60, 30)
        .line(80, 20, 70, 30)
        .line(-10, 75, 200, 75)
        .color(CYAN)
        .points(&[
            Point { x: 5, y: 40 },
            Point { x: 7, y: 40 },
            Point { x: 90, y: 70 },
            Point { x: 99, y: 79 },
            Point { x: -1, y: 40 },
        ])
        .line_width(3)
        .points(&[Point { x: 20, y: 60 }])
        .line_width(1)
        .color(ORANGE)
        .line(60, 60, 60, 60)
        // A whole-pixel translation keeps the fast path; a scale goes through tiny-skia.
        .transform(1.0, 1.0, 60.0, 40.0)
        .fill_rect(Rect::new(0, 0, 4, 3))
        .transform(2.0, 2.0, 0.0, 0.0)
        .fill_rect(Rect::new(35, 25, 3, 2));
    p.finish();

    let mut want = Canvas::new(w, h, rgba(WHITE));
    want.fill(Rect::new(5, 5, 10, 6), rgba(RED));
    for y in 5..11 {
        for x in 30..38 {
            if x == 30 || x == 37 || y == 5 || y == 10 {
                want.set(x, y, rgba(BLUE));
            }
        }
    }
    for x in 5..=25 {
        want.set(x, 20, rgba(GREEN));
        want.set(x, 25, rgba(GREEN));
    }
    for y in 20..=35 {
        want.set(40, y, rgba(GREEN));
    }
    for y in 22..=35 {
        want.set(45, y, rgba(GREEN));
    }
    for i in 0..=10 {
        want.set(50 + i, 20 + i, rgba(MAGENTA));
        want.set(80 - i, 20 + i, rgba(MAGENTA));
    }
    for x in 0..w as i32 {
        want.set(x, 75, rgba(MAGENTA));
    }
    for (x, y) in [(5, 40), (7, 40), (90, 70), (99, 79)] {
        want.set(x, y, rgba(CYAN));
    }
    want.fill(Rect::new(19, 59, 3, 3), rgba(CYAN));
    want.set(60, 60, rgba(ORANGE));
    want.fill(Rect::new(60, 40, 4, 3), rgba(ORANGE));
    want.fill(Rect::new(70, 50, 6, 4), rgba(ORANGE));

    let img = read(&mut d, win, w, h);
    // A few by name first, so that a failure reads plainly.
    for (x, y, c) in [
        (5, 5, RED),
        (14, 10, RED),
        (30, 5, BLUE),
        (37, 10, BLUE),
        (5, 20, GREEN),
        (25, 20, GREEN),
        (40, 35, GREEN),
        (60, 30, MAGENTA),
        (70, 30, MAGENTA),
        (0, 75, MAGENTA),
        (99, 75, MAGENTA),
    ] {
        assert_eq!(px(&img, x, y), rgba(c), "pixel ({x},{y})");
    }
    for (x, y) in [
        (15, 5),
        (5, 11),
        (31, 6),
        (36, 9),
        (38, 5),
        (26, 20),
        (40, 36),
        (61, 31),
    ] {
        assert_eq!(px(&img, x, y), rgba(WHITE), "pixel ({x},{y}) must stay white");
    }
    want.assert_matches(&img, "aliased rects, lines and points");
    assert_no_errors(&mut d, "aliased shapes");
}

// ---------------------------------------------------------------------------------------------
// 2. Circles
// ---------------------------------------------------------------------------------------------

/// Distance from the centre of pixel `(x, y)` to `(cx, cy)`.
fn dist(x: u32, y: u32, cx: f64, cy: f64) -> f64 {
    (f64::from(x) + 0.5 - cx).hypot(f64::from(y) + 0.5 - cy)
}

#[test]
fn filled_circle_has_the_area_of_a_circle() {
    let (w, h) = (120u32, 120u32);
    let (_server, mut d, win) = setup(w, h, WHITE);
    let r = 40.0f64;
    let (cx, cy) = (60.0, 60.0);
    let disc = Rect::new(20, 20, 80, 80);
    let area = std::f64::consts::PI * r * r;

    for aa in [false, true] {
        let what = if aa {
            "anti-aliased circle"
        } else {
            "aliased circle"
        };
        d.draw(win)
            .color(WHITE)
            .clear()
            .color(BLACK)
            .antialias(aa)
            .fill_ellipse(disc);
        let img = read(&mut d, win, w, h);
        let (mut inked, mut coverage, mut partial) = (0u32, 0.0f64, 0u32);
        for y in 0..h {
            for x in 0..w {
                let p = px(&img, x, y);
                let dd = dist(x, y, cx, cy);
                if dd > r + 1.0 {
                    assert_eq!(p, rgba(WHITE), "{what}: ({x},{y}) is {dd:.2} from the centre");
                }
                if dd < r - 1.0 {
                    assert_eq!(p, rgba(BLACK), "{what}: ({x},{y}) is {dd:.2} from the centre");
                }
                assert!(
                    p[0] == p[1] && p[1] == p[2] && p[3] == 255,
                    "{what}: ({x},{y}) is {p:?}"
                );
                if !is_white(p) {
                    inked += 1;
                }
                if p != rgba(WHITE) && p != rgba(BLACK) {
                    partial += 1;
                }
                coverage += 1.0 - f64::from(p[0]) / 255.0;
            }
        }
        if aa {
            assert!(
                partial > 50,
                "{what}: only {partial} partly covered pixels: not smooth"
            );
            assert!(
                (coverage - area).abs() <= 0.01 * area,
                "{what}: coverage {coverage:.1}, want {area:.1} ± 1%"
            );
        } else {
            assert_eq!(partial, 0, "{what}: aliased edges must be crisp");
            assert!(
                (f64::from(inked) - area).abs() <= 0.01 * area,
                "{what}: {inked} pixels inked, want {area:.1} ± 1%"
            );
        }
    }
    assert_no_errors(&mut d, "circles");
}

// ---------------------------------------------------------------------------------------------
// 3. Clipping
// ---------------------------------------------------------------------------------------------

#[test]
fn clip_rectangles_confine_every_kind_of_op() {
    let (w, h) = (120u32, 100u32);
    let (_server, mut d, win) = setup(w, h, WHITE);
    let a = Rect::new(10, 10, 30, 20);
    let b = Rect::new(60, 50, 25, 30);
    let in_clip = |x: u32, y: u32| a.contains(x as i32, y as i32) || b.contains(x as i32, y as i32);

    // Sources for the image ops: a 1x1 and a full-size image, both opaque red.
    let dot = d.create_image(Size::new(1, 1)).expect("image");
    d.put_image(dot, Rect::new(0, 0, 1, 1), vec![255, 0, 0, 255]);
    let sheet = d.create_image(Size::new(w, h)).expect("image");
    d.draw(sheet).color(RED).clear();

    // Draws `ops` clipped to a and b onto a white window; checks nothing changed outside.
    let clipped = |d: &mut Display, what: &str, clip: &[Rect], ops: Vec<DrawOp>| -> Image {
        let mut p = d.draw(win);
        p.color(WHITE).clear().clip(clip).color(RED);
        for op in ops {
            p.op(op);
        }
        p.finish();
        let img = read(d, win, w, h);
        // An empty clip is no clip.
        let inside = |x: u32, y: u32| clip.is_empty() || clip.iter().any(|r| r.contains(x as i32, y as i32));
        assert_pixels(&img, &format!("{what}: outside the clip"), |x, y| {
            if inside(x, y) {
                px(&img, x, y)
            } else {
                rgba(WHITE)
            }
        });
        img
    };
    let full = |img: &Image, what: &str| {
        assert_pixels(img, &format!("{what}: inside the clip"), |x, y| {
            if in_clip(x, y) {
                rgba(RED)
            } else {
                rgba(WHITE)
            }
        });
    };
    let ink_in = |img: &Image, r: Rect| {
        (r.y as u32..r.y as u32 + r.height)
            .flat_map(|y| (r.x as u32..r.x as u32 + r.width).map(move |x| (x, y)))
            .filter(|&(x, y)| !is_white(px(img, x, y)))
            .count()
    };
    let ab = [a, b];

    let img = clipped(&mut d, "Clear", &ab, vec![DrawOp::Clear]);
    full(&img, "Clear");
    let img = clipped(
        &mut d,
        "FillRect",
        &ab,
        vec![DrawOp::FillRect(Rect::new(-10, -10, 200, 200))],
    );
    full(&img, "FillRect");
    let big_ellipse = Rect::new(-20, -20, 160, 140);
    let img = clipped(&mut d, "FillEllipse", &ab, vec![DrawOp::FillEllipse(big_ellipse)]);
    full(&img, "FillEllipse");
    let img = clipped(
        &mut d,
        "anti-aliased FillEllipse",
        &ab,
        vec![DrawOp::SetAntialias(true), DrawOp::FillEllipse(big_ellipse)],
    );
    full(&img, "anti-aliased FillEllipse");
    let img = clipped(
        &mut d,
        "DrawImage",
        &ab,
        vec![DrawOp::DrawImage {
            image: dot,
            src: Rect::new(0, 0, 1, 1),
            dst: Rect::new(0, 0, w, h),
        }],
    );
    full(&img, "DrawImage");
    let img = clipped(
        &mut d,
        "CopyArea",
        &ab,
        vec![DrawOp::CopyArea {
            source: sheet,
            src: Rect::new(0, 0, w, h),
            x: 0,
            y: 0,
        }],
    );
    full(&img, "CopyArea");

    // Points every 3 pixels: exactly those inside the clip.
    let grid: Vec<Point> = (0..h as i32)
        .step_by(3)
        .flat_map(|y| (0..w as i32).step_by(3).map(move |x| Point { x, y }))
        .collect();
    let img = clipped(&mut d, "Points", &ab, vec![DrawOp::Points(grid)]);
    assert_pixels(&img, "Points: inside the clip", |x, y| {
        if in_clip(x, y) && x % 3 == 0 && y % 3 == 0 {
            rgba(RED)
        } else {
            rgba(WHITE)
        }
    });

    // Lines: a horizontal one exactly, a diagonal one through both rectangles.
    let img = clipped(
        &mut d,
        "Line",
        &ab,
        vec![
            DrawOp::Line {
                x1: 0,
                y1: 20,
                x2: 119,
                y2: 20,
            },
            DrawOp::Line {
                x1: 0,
                y1: 60,
                x2: 119,
                y2: 60,
            },
            DrawOp::Line {
                x1: 0,
                y1: 0,
                x2: 119,
                y2: 99,
            },
        ],
    );
    for x in 0..w {
        let want = |y: u32| if in_clip(x, y) { rgba(RED) } else { rgba(WHITE) };
        assert_eq!(px(&img, x, 20), want(20), "Line: ({x},20)");
        assert_eq!(px(&img, x, 60), want(60), "Line: ({x},60)");
    }
    assert!(
        ink_in(&img, Rect::new(10, 21, 30, 9)) > 5,
        "Line: the diagonal misses a"
    );
    assert!(
        ink_in(&img, Rect::new(60, 61, 25, 19)) > 5,
        "Line: the diagonal misses b"
    );

    // A thick stroke through tiny-skia.
    let img = clipped(
        &mut d,
        "Polyline",
        &ab,
        vec![
            DrawOp::SetLineWidth(9),
            DrawOp::Polyline {
                points: vec![
                    Point { x: -5, y: 20 },
                    Point { x: 125, y: 20 },
                    Point { x: 125, y: 65 },
                    Point { x: -5, y: 65 },
                ],
                closed: false,
            },
        ],
    );
    assert!(ink_in(&img, a) >= 30 * 9, "Polyline: too little ink in a");
    assert!(ink_in(&img, b) >= 25 * 9, "Polyline: too little ink in b");

    // Text, large, over both rectangles.
    let mut ops = vec![DrawOp::SetFontSize(40)];
    ops.extend([30, 55, 80].map(|y| DrawOp::Text {
        x: 0,
        y,
        text: "MMMMMM".into(),
    }));
    let img = clipped(&mut d, "Text", &ab, ops);
    assert!(ink_in(&img, a) > 40, "Text: no ink in a");
    assert!(ink_in(&img, b) > 40, "Text: no ink in b");

    // One rectangle (the fast path), and an empty list, which removes the clip.
    let img = clipped(
        &mut d,
        "one clip rect",
        &[a],
        vec![DrawOp::FillRect(Rect::new(0, 0, w, h))],
    );
    assert_pixels(&img, "one clip rect: inside", |x, y| {
        if a.contains(x as i32, y as i32) {
            rgba(RED)
        } else {
            rgba(WHITE)
        }
    });
    let img = clipped(
        &mut d,
        "clip removed",
        &[],
        vec![
            DrawOp::SetClip(ab.to_vec()),
            DrawOp::SetClip(vec![]),
            DrawOp::Clear,
        ],
    );
    assert_pixels(&img, "clip removed", |_, _| rgba(RED));
    assert_no_errors(&mut d, "clipping");
}

// ---------------------------------------------------------------------------------------------
// 4. Blending and gradients
// ---------------------------------------------------------------------------------------------

#[test]
fn alpha_blending_copy_and_gradients() {
    let (w, h) = (60u32, 40u32);
    let (_server, mut d, win) = setup(w, h, WHITE);
    let dst = [20.0f32, 40.0, 250.0];
    let (sr, sg, sb, sa) = (200.0f32, 100.0, 50.0, 128.0 / 255.0);
    let over = [
        sr * sa + dst[0] * (1.0 - sa),
        sg * sa + dst[1] * (1.0 - sa),
        sb * sa + dst[2] * (1.0 - sa),
    ];
    d.draw(win)
        .color(Color::rgb(20, 40, 250))
        .clear()
        .color(Color::rgba(200, 100, 50, 128))
        // The direct path ...
        .fill_rect(Rect::new(0, 0, 20, 20))
        // ... and tiny-skia's.
        .fill_ellipse(Rect::new(20, 0, 40, 40));
    let img = read(&mut d, win, w, h);
    for y in 0..20 {
        for x in 0..20 {
            let p = px(&img, x, y);
            assert!(
                near(p, over, 1.0),
                "FillRect source-over at ({x},{y}): {p:?}, want {over:?}"
            );
        }
    }
    for y in 15..25 {
        for x in 35..45 {
            let p = px(&img, x, y);
            assert!(
                near(p, over, 1.0),
                "FillEllipse source-over at ({x},{y}): {p:?}, want {over:?}"
            );
        }
    }
    assert_eq!(px(&img, 10, 30), [20, 40, 250, 255], "outside both shapes");

    // Copy replaces, whatever was there.
    let c = Color::rgb(10, 200, 30);
    d.draw(win)
        .blend(BlendMode::Copy)
        .color(c)
        .fill_rect(Rect::new(0, 0, 20, 20))
        .fill_ellipse(Rect::new(20, 0, 40, 40));
    let img = read(&mut d, win, w, h);
    for y in 0..20 {
        for x in 0..20 {
            assert_eq!(px(&img, x, y), rgba(c), "Copy FillRect at ({x},{y})");
        }
    }
    for y in 12..28 {
        for x in 32..48 {
            assert_eq!(px(&img, x, y), rgba(c), "Copy FillEllipse at ({x},{y})");
        }
    }

    // In an off-screen image, Copy replaces the alpha too; source-over onto transparent keeps
    // the colour.
    let im = d.create_image(Size::new(4, 4)).expect("image");
    d.put_image(im, Rect::new(0, 0, 4, 4), pattern_rgba(4, 4, 7));
    d.draw(im)
        .blend(BlendMode::Copy)
        .color(Color::rgba(200, 100, 50, 128))
        .fill_rect(Rect::new(0, 0, 2, 4))
        .color(Color::rgba(9, 9, 9, 0))
        .fill_rect(Rect::new(2, 0, 1, 4))
        .blend(BlendMode::SourceOver)
        .fill_rect(Rect::new(3, 0, 1, 4))
        .blend(BlendMode::Copy)
        .color(Color::rgba(0, 0, 0, 0))
        .fill_rect(Rect::new(3, 0, 1, 4))
        .blend(BlendMode::SourceOver)
        .color(Color::rgba(200, 100, 50, 128))
        .fill_rect(Rect::new(3, 0, 1, 4));
    let back = read(&mut d, im, 4, 4);
    for y in 0..4 {
        for x in [0, 1, 3] {
            let p = px(&back, x, y);
            assert_eq!(p[3], 128, "image alpha at ({x},{y}): {p:?}");
            let ok = [200, 100, 50].iter().zip(p).all(|(w, g)| g.abs_diff(*w) <= 1);
            assert!(ok, "image colour at ({x},{y}): {p:?}, want ≈ [200, 100, 50, 128]");
        }
        assert_eq!(px(&back, 2, y), [0, 0, 0, 0], "Copy of transparent at (2,{y})");
    }

    // A linear gradient from red to blue across 256 pixels.
    let gw = 256u32;
    let g = d.create_window(Rect::new(0, 100, gw, 10), WHITE).expect("window");
    d.draw(g)
        .paint(linear_gradient(0.0, 0.0, gw as f32, 0.0, &[RED, BLUE]))
        .fill_rect(Rect::new(0, 0, gw, 10));
    let img = read(&mut d, g, gw, 10);
    let at = |x: u32| {
        let t = (x as f32 + 0.5) / gw as f32;
        [255.0 * (1.0 - t), 0.0, 255.0 * t]
    };
    for (x, want) in [
        (0, [255.0, 0.0, 0.0]),
        (gw - 1, [0.0, 0.0, 255.0]),
        (gw / 2, [127.5, 0.0, 127.5]),
    ] {
        let p = px(&img, x, 5);
        assert!(near(p, want, 8.0), "gradient at x={x}: {p:?}, want ≈ {want:?}");
    }
    let mut last = px(&img, 0, 0);
    for x in 0..gw {
        let p = px(&img, x, 0);
        assert!(
            near(p, at(x), 8.0),
            "gradient at x={x}: {p:?}, want ≈ {:?}",
            at(x)
        );
        assert!(
            p[0] <= last[0] && p[2] >= last[2],
            "gradient not monotonic at x={x}: {last:?} then {p:?}"
        );
        last = p;
        for y in 1..10 {
            assert_eq!(px(&img, x, y), p, "gradient differs down the column x={x}");
        }
    }
    assert_no_errors(&mut d, "blending");
}

// ---------------------------------------------------------------------------------------------
// 5. Text
// ---------------------------------------------------------------------------------------------

/// Inked (non-white) pixels of `img`.
fn ink(img: &Image) -> Vec<(u32, u32)> {
    (0..img.height)
        .flat_map(|y| (0..img.width).map(move |x| (x, y)))
        .filter(|&(x, y)| !is_white(px(img, x, y)))
        .collect()
}

/// The `Fixed` face over a real socket: measured as drawn (6x13 cells at the multiple of 13
/// nearest the size asked for), crisp black and white, and inside its measured box.
#[test]
fn fixed_text_is_measured_as_drawn_in_whole_cells() {
    let (w, h) = (200u32, 60u32);
    let (_server, mut d, win) = setup(w, h, WHITE);
    for (size, scale) in [(13u16, 1u32), (24, 2)] {
        let width = d
            .text_width(FontFace::Fixed, size, "dispd 42")
            .expect("text_width");
        assert_eq!(width, (8 * 6 * scale) as f32, "size {size}");
        let (ascent, descent) = d.font_extents(FontFace::Fixed, size).expect("font_extents");
        assert_eq!((ascent, descent), ((11 * scale) as f32, (2 * scale) as f32));
        d.draw(win)
            .color(WHITE)
            .clear()
            .color(BLACK)
            .font_face(FontFace::Fixed)
            .font_size(size)
            .text(10, 40, "dispd 42");
        let img = read(&mut d, win, w, h);
        let inked = ink(&img);
        assert!(
            inked.len() > 40 * (scale * scale) as usize,
            "{} pixels",
            inked.len()
        );
        for &(x, y) in &inked {
            assert_eq!(px(&img, x, y), [0, 0, 0, 255], "({x}, {y}): not crisp black");
            assert!(
                (10..10 + 8 * 6 * scale).contains(&x) && (40 - 11 * scale..40 + 2 * scale).contains(&y),
                "ink at ({x}, {y}) outside the measured box"
            );
        }
    }
    assert_no_errors(&mut d, "fixed text");
}

#[test]
fn text_stays_inside_its_measured_box() {
    let (w, h) = (320u32, 60u32);
    let (_server, mut d, win) = setup(w, h, WHITE);
    let size = 24u16;
    let (x0, base) = (10i32, 40i32);
    let (ascent, descent) = d.font_extents(FontFace::Sans, size).expect("font_extents");
    assert!(ascent > 10.0 && descent > 2.0, "extents {ascent} {descent}");
    let (top, bottom) = (base as f32 - ascent - 1.0, base as f32 + descent + 1.0);

    let draw_text = |d: &mut Display, face: FontFace, text: &str| -> Vec<(u32, u32)> {
        d.draw(win)
            .color(WHITE)
            .clear()
            .color(BLACK)
            .font_face(face)
            .font_size(size)
            .text(x0, base, text);
        ink(&read(d, win, w, h))
    };
    let check_box = |what: &str, ink: &[(u32, u32)], width: f32| {
        for &(x, y) in ink {
            let (xf, yf) = (x as f32, y as f32);
            assert!(
                x as i32 >= x0 && xf <= x0 as f32 + width && yf >= top && yf <= bottom,
                "{what}: ink at ({x},{y}) outside x {x0}..={}, y {top}..={bottom}",
                x0 as f32 + width
            );
        }
    };

    let short = "Hello, dispd!";
    let long = "Hello, dispd! And more.";
    let ws = d.text_width(FontFace::Sans, size, short).expect("text_width");
    let wl = d.text_width(FontFace::Sans, size, long).expect("text_width");
    assert!(wl > ws + 20.0, "a longer string measures {wl}, the shorter {ws}");
    let ink_s = draw_text(&mut d, FontFace::Sans, short);
    assert!(
        ink_s.len() > 150,
        "only {} inked pixels for {short:?}",
        ink_s.len()
    );
    check_box(short, &ink_s, ws);
    let ink_l = draw_text(&mut d, FontFace::Sans, long);
    check_box(long, &ink_l, wl);
    let right = |ink: &[(u32, u32)]| ink.iter().map(|p| p.0).max().unwrap_or(0);
    assert!(
        right(&ink_l) > right(&ink_s) + 20,
        "the longer string's ink ends at x={}, the shorter's at x={}",
        right(&ink_l),
        right(&ink_s)
    );
    // The ink fills most of the measured width.
    assert!(
        right(&ink_s) as f32 >= x0 as f32 + ws - 6.0,
        "ink of {short:?} ends early"
    );

    // Chinese comes from the fallback face; each character gets its own ink.
    let cjk = "你好, dispd";
    let wc = d.text_width(FontFace::Sans, size, cjk).expect("text_width");
    let w1 = d.text_width(FontFace::Sans, size, "你").expect("text_width");
    let w2 = d.text_width(FontFace::Sans, size, "你好").expect("text_width");
    assert!(
        w1 >= size as f32 * 0.8 && w2 >= 2.0 * w1 - 1.0,
        "CJK advances {w1} {w2}"
    );
    let ink_c = draw_text(&mut d, FontFace::Sans, cjk);
    check_box(cjk, &ink_c, wc);
    let glyph = |from: f32, to: f32| -> Vec<(u32, u32)> {
        ink_c
            .iter()
            .filter(|p| p.0 as f32 >= x0 as f32 + from && (p.0 as f32) < x0 as f32 + to)
            .map(|&(x, y)| ((x as f32 - x0 as f32 - from).round() as u32, y))
            .collect()
    };
    let (ni, hao) = (glyph(0.0, w1), glyph(w1, w2));
    assert!(ni.len() > 30, "little ink for 你: {}", ni.len());
    assert!(hao.len() > 30, "little ink for 好: {}", hao.len());
    assert_ne!(ni, hao, "你 and 好 look the same: a missing-glyph box?");

    // Mono: every character has the same advance, and the face is what gets drawn.
    let mi = d.text_width(FontFace::Mono, size, "iiii").expect("text_width");
    let mw = d.text_width(FontFace::Mono, size, "WWWW").expect("text_width");
    assert_eq!(mi, mw, "Mono widths of iiii and WWWW");
    assert!(mw > 0.0);
    let si = d.text_width(FontFace::Sans, size, "iiii").expect("text_width");
    let sw = d.text_width(FontFace::Sans, size, "WWWW").expect("text_width");
    assert!(
        si < sw && sw > mw + 8.0,
        "Sans iiii {si}, WWWW {sw}; Mono WWWW {mw}"
    );
    let ink_m = draw_text(&mut d, FontFace::Mono, "WWWW");
    assert!(!ink_m.is_empty(), "no ink for Mono WWWW");
    check_box("Mono WWWW", &ink_m, mw);
    assert_no_errors(&mut d, "text");
}

// ---------------------------------------------------------------------------------------------
// 6. Images: upload and read back
// ---------------------------------------------------------------------------------------------

/// RGBA bytes that premultiplied 8-bit storage keeps exactly: opaque pixels of any colour,
/// translucent ones whose channels are 0 or 255, and transparent black.
fn exact_rgba(w: u32, h: u32, seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed | 1);
    (0..w * h)
        .flat_map(|i| {
            let v = [rng.byte(), rng.byte(), rng.byte(), rng.byte()];
            match i % 4 {
                0 | 3 => [v[0], v[1], v[2], 255],
                1 => {
                    let edge = |b: u8| if b & 1 == 0 { 0 } else { 255 };
                    [edge(v[0]), edge(v[1]), edge(v[2]), v[3].clamp(1, 254)]
                }
                _ => [0, 0, 0, 0],
            }
        })
        .collect()
}

#[test]
fn images_round_trip_and_bad_uploads_are_refused() {
    let (w, h) = (64u32, 48u32);
    let (_server, mut d, win) = setup_on(Transport::Tcp, w, h, WHITE);

    // RGBA into an off-screen image, raw and LZ4, alpha included.
    let (iw, ih) = (16u32, 12u32);
    let im = d.create_image(Size::new(iw, ih)).expect("image");
    assert_eq!(
        read(&mut d, im, iw, ih).data,
        vec![0; (iw * ih * 4) as usize],
        "a new image is transparent black"
    );
    let full = Rect::new(0, 0, iw, ih);
    let data = exact_rgba(iw, ih, 11);
    d.put_image(im, full, data.clone());
    assert_eq!(read(&mut d, im, iw, ih).data, data, "raw RGBA round trip");
    let data2 = exact_rgba(iw, ih, 12);
    d.put_image_as(im, full, PixelFormat::Rgba8, true, data2.clone());
    assert_eq!(read(&mut d, im, iw, ih).data, data2, "LZ4 RGBA round trip");
    // A part, compressed: replaces just that part.
    let part = Rect::new(4, 3, 5, 4);
    let data3 = exact_rgba(part.width, part.height, 13);
    d.put_image_as(im, part, PixelFormat::Rgba8, true, data3.clone());
    let mut want = pixels_of(&data2);
    for (i, p) in pixels_of(&data3).into_iter().enumerate() {
        let (x, y) = (
            part.x as u32 + i as u32 % part.width,
            part.y as u32 + i as u32 / part.width,
        );
        want[(y * iw + x) as usize] = p;
    }
    assert_pixels(&read(&mut d, im, iw, ih), "LZ4 part of an image", |x, y| {
        want[(y * iw + x) as usize]
    });

    // Any colour at any alpha: alpha exact, colour as exact as 8-bit premultiplied allows.
    let mut rng = Rng(99);
    let any: Vec<u8> = (0..iw * ih)
        .flat_map(|_| [rng.byte(), rng.byte(), rng.byte(), rng.byte().max(1)])
        .collect();
    d.put_image(im, full, any.clone());
    let back = read(&mut d, im, iw, ih);
    for (i, (got, put)) in pixels_of(&back.data).iter().zip(pixels_of(&any)).enumerate() {
        let a = f32::from(put[3]);
        let tol = (127.5 / a + 0.5).floor() as u8;
        let ok = got[3] == put[3] && (0..3).all(|c| got[c].abs_diff(put[c]) <= tol);
        assert!(
            ok,
            "pixel {i}: put {put:?}, read {got:?} (colour tolerance {tol})"
        );
    }

    // RGB into a window, raw and LZ4; RGBA into a window drops the alpha; parts outside clip.
    let mut canvas = Canvas::new(w, h, rgba(WHITE));
    let put_rgb = |d: &mut Display, canvas: &mut Canvas, r: Rect, compress: bool, seed: u64| {
        let rgba_bytes = pattern_rgba(r.width, r.height, seed);
        let rgb: Vec<u8> = rgba_bytes
            .chunks_exact(4)
            .flat_map(|c| [c[0], c[1], c[2]])
            .collect();
        d.put_image_as(win, r, PixelFormat::Rgb8, compress, rgb);
        for (i, p) in pixels_of(&rgba_bytes).into_iter().enumerate() {
            let (x, y) = (i as u32 % r.width, i as u32 / r.width);
            canvas.set(r.x + x as i32, r.y + y as i32, p);
        }
    };
    put_rgb(&mut d, &mut canvas, Rect::new(3, 5, 20, 10), false, 21);
    put_rgb(&mut d, &mut canvas, Rect::new(30, 20, 20, 10), true, 22);
    put_rgb(&mut d, &mut canvas, Rect::new(58, 44, 9, 7), false, 23);
    let translucent: Vec<u8> = pattern_rgba(8, 8, 24)
        .chunks_exact(4)
        .flat_map(|c| [c[0], c[1], c[2], 7])
        .collect();
    d.put_image_as(
        win,
        Rect::new(0, 30, 8, 8),
        PixelFormat::Rgba8,
        false,
        translucent.clone(),
    );
    for (i, p) in pixels_of(&translucent).into_iter().enumerate() {
        canvas.set(i as i32 % 8, 30 + i as i32 / 8, [p[0], p[1], p[2], 255]);
    }
    canvas.assert_matches(&read(&mut d, win, w, h), "RGB and RGBA into a window");

    // Bad uploads: each refused with BadValue naming its request, and nothing changes.
    let before_win = read(&mut d, win, w, h);
    let before_im = read(&mut d, im, iw, ih);
    let small = Rect::new(0, 0, 4, 4); // 64 bytes of RGBA, 48 of RGB
    let mut long_lz4 = vec![0xf0, 80 - 15];
    long_lz4.extend((0..80u8).map(|i| i.wrapping_mul(37)));
    let bad: Vec<(&str, Drawable, PixelFormat, Compression, Vec<u8>)> = vec![
        (
            "garbage LZ4",
            win.into(),
            PixelFormat::Rgba8,
            Compression::Lz4,
            b"this is not lz4 at all".to_vec(),
        ),
        (
            "LZ4 of 4 bytes",
            win.into(),
            PixelFormat::Rgba8,
            Compression::Lz4,
            vec![0x40, 1, 2, 3, 4],
        ),
        (
            "LZ4 of 80 bytes",
            win.into(),
            PixelFormat::Rgba8,
            Compression::Lz4,
            long_lz4.clone(),
        ),
        (
            "empty LZ4",
            win.into(),
            PixelFormat::Rgb8,
            Compression::Lz4,
            vec![],
        ),
        (
            "garbage LZ4 into an image",
            im,
            PixelFormat::Rgba8,
            Compression::Lz4,
            vec![0xff; 40],
        ),
        (
            "LZ4 of 80 bytes into an image",
            im,
            PixelFormat::Rgba8,
            Compression::Lz4,
            long_lz4,
        ),
        (
            "63 bytes",
            win.into(),
            PixelFormat::Rgba8,
            Compression::None,
            vec![7; 63],
        ),
        (
            "65 bytes",
            win.into(),
            PixelFormat::Rgba8,
            Compression::None,
            vec![7; 65],
        ),
        (
            "RGBA bytes as RGB",
            win.into(),
            PixelFormat::Rgb8,
            Compression::None,
            vec![7; 64],
        ),
        (
            "RGB bytes as RGBA into an image",
            im,
            PixelFormat::Rgba8,
            Compression::None,
            vec![7; 48],
        ),
        ("no bytes", im, PixelFormat::Rgba8, Compression::None, vec![]),
    ];
    for (what, target, format, compression, data) in bad {
        let seq = d.send(&Request::PutImage {
            target,
            rect: small,
            format,
            compression,
            data,
        });
        expect_error(&mut d, what, seq, &[ErrorCode::BadValue]);
    }
    assert_eq!(
        read(&mut d, win, w, h),
        before_win,
        "a refused upload changed the window"
    );
    assert_eq!(
        read(&mut d, im, iw, ih),
        before_im,
        "a refused upload changed the image"
    );
    assert_no_errors(&mut d, "images");
}

// ---------------------------------------------------------------------------------------------
// 7. Off-screen images drawn into windows
// ---------------------------------------------------------------------------------------------

#[test]
fn draw_image_unscaled_scaled_and_blended() {
    let (w, h) = (100u32, 80u32);
    let (_server, mut d, win) = setup(w, h, WHITE);
    let (iw, ih) = (8u32, 6u32);
    let im = d.create_image(Size::new(iw, ih)).expect("image");
    let data = pattern_rgba(iw, ih, 31);
    d.put_image(im, Rect::new(0, 0, iw, ih), data.clone());
    let src = pixels_of(&data);
    let src_at = |x: u32, y: u32| src[(y * iw + x) as usize];

    // Half-transparent red, with a fully transparent top row.
    let half = d.create_image(Size::new(4, 4)).expect("image");
    let mut hdata = [9u8, 9, 9, 0].repeat(4);
    hdata.extend([255, 0, 0, 128].repeat(12));
    d.put_image(half, Rect::new(0, 0, 4, 4), hdata);

    let all = Rect::new(0, 0, iw, ih);
    d.draw(win)
        .draw_image(im, all, Rect::new(10, 10, iw, ih))
        .draw_image(im, all, Rect::new(30, 10, 2 * iw, 2 * ih))
        .draw_image(im, Rect::new(2, 1, 4, 3), Rect::new(60, 10, 4, 3))
        .draw_image(half, Rect::new(0, 0, 4, 4), Rect::new(70, 40, 4, 4));
    let img = read(&mut d, win, w, h);

    let mut want = Canvas::new(w, h, rgba(WHITE));
    for y in 0..ih {
        for x in 0..iw {
            want.set(10 + x as i32, 10 + y as i32, src_at(x, y));
            want.fill(
                Rect::new(30 + 2 * x as i32, 10 + 2 * y as i32, 2, 2),
                src_at(x, y),
            );
        }
    }
    for y in 0..3 {
        for x in 0..4 {
            want.set(60 + x as i32, 10 + y as i32, src_at(2 + x, 1 + y));
        }
    }
    // Blended pixels are checked with a tolerance below; take them from the image here.
    let blended = Rect::new(70, 41, 4, 3);
    assert_pixels(&img, "DrawImage", |x, y| {
        if blended.contains(x as i32, y as i32) {
            px(&img, x, y)
        } else {
            want.get(x, y)
        }
    });
    let a = 128.0 / 255.0;
    let expect = [255.0, 255.0 * (1.0 - a), 255.0 * (1.0 - a)];
    for y in 41..44 {
        for x in 70..74 {
            let p = px(&img, x, y);
            assert!(
                near(p, expect, 2.0),
                "half-transparent red at ({x},{y}): {p:?}, want ≈ {expect:?}"
            );
        }
    }
    assert_no_errors(&mut d, "DrawImage");
}

// ---------------------------------------------------------------------------------------------
// 8. CopyArea
// ---------------------------------------------------------------------------------------------

#[test]
fn copy_area_between_drawables_and_overlapping() {
    let (w, h) = (60u32, 50u32);
    let (_server, mut d, win) = setup(w, h, WHITE);

    // Between drawables: an image and a second window into the first window.
    let im = d.create_image(Size::new(10, 10)).expect("image");
    let idata = pattern_rgba(10, 10, 41);
    d.put_image(im, Rect::new(0, 0, 10, 10), idata.clone());
    let other = d
        .create_window(Rect::new(100, 100, 20, 20), WHITE)
        .expect("window");
    let odata = pattern_rgba(20, 20, 42);
    d.put_image(other, Rect::new(0, 0, 20, 20), odata.clone());
    d.draw(win)
        .copy_area(im, Rect::new(2, 3, 5, 4), 20, 30)
        .copy_area(other, Rect::new(5, 6, 7, 8), 40, 2)
        // Partly outside the source: only the part inside is copied.
        .copy_area(im, Rect::new(8, 8, 5, 5), 0, 0);
    let (ip, op) = (pixels_of(&idata), pixels_of(&odata));
    let mut want = Canvas::new(w, h, rgba(WHITE));
    for y in 0..4 {
        for x in 0..5 {
            want.set(20 + x, 30 + y, ip[((3 + y) * 10 + 2 + x) as usize]);
        }
    }
    for y in 0..8 {
        for x in 0..7 {
            want.set(40 + x, 2 + y, op[((6 + y) * 20 + 5 + x) as usize]);
        }
    }
    for y in 0..2 {
        for x in 0..2 {
            want.set(x, y, ip[((8 + y) * 10 + 8 + x) as usize]);
        }
    }
    want.assert_matches(&read(&mut d, win, w, h), "CopyArea between drawables");

    // Within one window: a picture where every pixel differs, scrolled.
    let base = pattern_rgba(w, h, 43);
    let old = pixels_of(&base);
    let old_at = |x: u32, y: u32| old[(y * w + x) as usize];
    let reset = |d: &mut Display| d.put_image(win, Rect::new(0, 0, w, h), base.clone());

    reset(&mut d);
    d.draw(win).copy_area(win, Rect::new(0, 10, w, h - 10), 0, 0);
    assert_pixels(&read(&mut d, win, w, h), "scrolled up by 10", |x, y| {
        if y < h - 10 {
            old_at(x, y + 10)
        } else {
            old_at(x, y)
        }
    });
    reset(&mut d);
    d.draw(win).copy_area(win, Rect::new(0, 0, w, h - 10), 0, 10);
    assert_pixels(&read(&mut d, win, w, h), "scrolled down by 10", |x, y| {
        if y >= 10 {
            old_at(x, y - 10)
        } else {
            old_at(x, y)
        }
    });
    reset(&mut d);
    d.draw(win).copy_area(win, Rect::new(7, 5, 40, 30), 0, 5);
    assert_pixels(&read(&mut d, win, w, h), "scrolled left by 7", |x, y| {
        if x < 40 && (5..35).contains(&y) {
            old_at(x + 7, y)
        } else {
            old_at(x, y)
        }
    });
    reset(&mut d);
    d.draw(win).copy_area(win, Rect::new(0, 0, 40, 30), 5, 3);
    assert_pixels(&read(&mut d, win, w, h), "moved right 5, down 3", |x, y| {
        if (5..45).contains(&x) && (3..33).contains(&y) {
            old_at(x - 5, y - 3)
        } else {
            old_at(x, y)
        }
    });
    // Under a clip of two rectangles, one partly outside the copy: only the parts of the
    // destination inside the clip change.
    reset(&mut d);
    d.draw(win)
        .clip(&[Rect::new(0, 0, 10, 10), Rect::new(30, 20, 100, 5)])
        .copy_area(win, Rect::new(0, 10, 50, 30), 2, 0);
    assert_pixels(
        &read(&mut d, win, w, h),
        "copied under two clip rectangles",
        |x, y| {
            let in_copy = (2..52).contains(&x) && y < 30;
            let in_clip = (x < 10 && y < 10) || (x >= 30 && (20..25).contains(&y));
            if in_copy && in_clip {
                old_at(x - 2, y + 10)
            } else {
                old_at(x, y)
            }
        },
    );
    assert_no_errors(&mut d, "CopyArea");
}

// ---------------------------------------------------------------------------------------------
// 9. A failing batch changes nothing
// ---------------------------------------------------------------------------------------------

#[test]
fn batch_failing_halfway_changes_nothing() {
    let (w, h) = (40u32, 30u32);
    let (server, mut d, win) = setup(w, h, WHITE);
    d.put_image(win, Rect::new(0, 0, w, h), pattern_rgba(w, h, 51));
    let before = read(&mut d, win, w, h);
    let im = d.create_image(Size::new(8, 8)).expect("image");
    d.put_image(im, Rect::new(0, 0, 8, 8), pattern_rgba(8, 8, 52));
    let before_im = read(&mut d, im, 8, 8);

    // Another client's image: a real drawable, but not this client's.
    let mut other = server.connect(Transport::Tcp);
    let foreign = other.create_image(Size::new(4, 4)).expect("image");
    other.sync().expect("sync");

    let prefix = || {
        vec![
            DrawOp::SetColor(RED),
            DrawOp::Clear,
            DrawOp::FillRect(Rect::new(2, 2, 10, 10)),
            DrawOp::Line {
                x1: 0,
                y1: 0,
                x2: 39,
                y2: 29,
            },
        ]
    };
    let with = |op: DrawOp| {
        let mut ops = prefix();
        ops.push(op);
        ops.push(DrawOp::FillRect(Rect::new(20, 20, 5, 5)));
        ops
    };
    let too_long = DrawOp::Text {
        x: 0,
        y: 20,
        text: "x".repeat(MAX_TEXT_BYTES + 1),
    };
    let cases: Vec<(&str, Drawable, Vec<DrawOp>, Vec<ErrorCode>)> = vec![
        (
            "text over the limit",
            win.into(),
            with(too_long.clone()),
            vec![ErrorCode::BadValue],
        ),
        (
            "DrawImage of another client's image",
            win.into(),
            with(DrawOp::DrawImage {
                image: foreign,
                src: Rect::new(0, 0, 4, 4),
                dst: Rect::new(0, 0, 4, 4),
            }),
            vec![ErrorCode::BadValue, ErrorCode::BadDrawable],
        ),
        (
            "CopyArea from an id nobody has",
            win.into(),
            with(DrawOp::CopyArea {
                source: Drawable(d.setup().ids.base + 4000),
                src: Rect::new(0, 0, 4, 4),
                x: 0,
                y: 0,
            }),
            vec![ErrorCode::BadValue, ErrorCode::BadDrawable],
        ),
        (
            "text over the limit, into an image",
            im,
            with(too_long),
            vec![ErrorCode::BadValue],
        ),
    ];
    for (what, target, ops, codes) in cases {
        let seq = d.send(&Request::Draw {
            target,
            ops: ops.into(),
        });
        expect_error(&mut d, what, seq, &codes);
        assert_eq!(read(&mut d, win, w, h), before, "{what}: the window changed");
        assert_eq!(read(&mut d, im, 8, 8), before_im, "{what}: the image changed");
    }

    // The same batch without the bad op applies whole.
    let seq = d.send(&Request::Draw {
        target: win.into(),
        ops: prefix().into(),
    });
    assert_no_errors(&mut d, &format!("the good batch #{seq}"));
    let img = read(&mut d, win, w, h);
    assert_eq!(px(&img, 30, 5), rgba(RED), "the good batch did not apply");
}

// ---------------------------------------------------------------------------------------------
// 10. Limits
// ---------------------------------------------------------------------------------------------

#[test]
fn out_of_range_requests_get_errors_and_the_server_keeps_serving() {
    let (w, h) = (20u32, 20u32);
    let (_server, mut d, win) = setup(w, h, WHITE);
    let before = read(&mut d, win, w, h);
    let draw = |d: &mut Display, op: DrawOp| {
        d.send(&Request::Draw {
            target: win.into(),
            ops: vec![
                DrawOp::SetColor(RED),
                DrawOp::Clear,
                op,
                DrawOp::FillRect(Rect::new(0, 0, 5, 5)),
            ]
            .into(),
        })
    };
    let stops = |n: usize| -> Vec<GradientStop> {
        (0..n)
            .map(|i| GradientStop {
                offset: i as f32 / n.max(2) as f32,
                color: RED,
            })
            .collect()
    };

    for size in [Size::new(0, 10), Size::new(10, 0), Size::new(0, 0)] {
        let image = d.create_image(size).expect("id");
        let seq = d.last_seq();
        expect_error(
            &mut d,
            &format!("CreateImage {size:?}"),
            seq,
            &[ErrorCode::BadValue],
        );
        let e = get_image_error(&mut d, image, Rect::new(0, 0, 1, 1));
        assert_eq!(e.code, ErrorCode::BadDrawable, "the refused image exists: {e}");
        d.sync().expect("serving after a zero-size CreateImage");
    }

    let huge = d.create_window(Rect::new(0, 0, 100_000, 10), WHITE).expect("id");
    let seq = d.last_seq();
    expect_error(&mut d, "CreateWindow 100000 wide", seq, &[ErrorCode::BadValue]);
    let windows = d.list_windows().expect("list_windows");
    assert!(
        windows.iter().all(|i| i.id != huge),
        "the refused window exists: {windows:?}"
    );

    let bad_ops: Vec<(&str, DrawOp)> = vec![
        (
            "SetTransform NaN",
            DrawOp::SetTransform {
                sx: f32::NAN,
                sy: 1.0,
                tx: 0.0,
                ty: 0.0,
            },
        ),
        (
            "SetTransform infinite offset",
            DrawOp::SetTransform {
                sx: 1.0,
                sy: 1.0,
                tx: f32::INFINITY,
                ty: 0.0,
            },
        ),
        (
            "linear gradient with 1 stop",
            DrawOp::SetPaint(Paint::Linear {
                x0: 0.0,
                y0: 0.0,
                x1: 10.0,
                y1: 0.0,
                stops: stops(1),
            }),
        ),
        (
            "radial gradient with 17 stops",
            DrawOp::SetPaint(Paint::Radial {
                cx: 5.0,
                cy: 5.0,
                radius: 5.0,
                stops: stops(17),
            }),
        ),
        (
            "too many clip rectangles",
            DrawOp::SetClip(vec![Rect::new(0, 0, 1, 1); MAX_CLIP_RECTS + 1]),
        ),
    ];
    for (what, op) in bad_ops {
        let seq = draw(&mut d, op);
        expect_error(&mut d, what, seq, &[ErrorCode::BadValue]);
        d.sync()
            .unwrap_or_else(|e| panic!("not serving after {what}: {e}"));
        assert_eq!(
            read(&mut d, win, w, h),
            before,
            "{what}: the batch changed the window"
        );
    }

    let e = get_image_error(&mut d, win, Rect::new(0, 0, 0, 0));
    assert_eq!(
        (e.seq, e.code),
        (d.last_seq(), ErrorCode::BadValue),
        "GetImage 0x0: {e}"
    );
    d.sync().expect("serving after GetImage 0x0");

    // At the limits themselves, all is well.
    draw(
        &mut d,
        DrawOp::SetClip(vec![Rect::new(0, 0, 1, 1); MAX_CLIP_RECTS]),
    );
    draw(
        &mut d,
        DrawOp::SetPaint(Paint::Linear {
            x0: 0.0,
            y0: 0.0,
            x1: 10.0,
            y1: 0.0,
            stops: stops(2),
        }),
    );
    assert_no_errors(&mut d, "batches at the limits");
    assert_eq!(px(&read(&mut d, win, w, h), 10, 10), rgba(RED));
}

// ---------------------------------------------------------------------------------------------
// 11. Frame callbacks
// ---------------------------------------------------------------------------------------------

#[test]
fn frame_done_paces_drawing_per_window() {
    let server = shared_server();
    let mut d = server.connect(Transport::Unix);
    let mut windows = Vec::new();
    for i in 0..2 {
        let w = d
            .create_window(Rect::new(10 + 100 * i, 10, 80, 60), WHITE)
            .expect("window");
        d.map_window(w);
        wait_expose(&mut d, w);
        windows.push(w);
    }
    let mut bystander = server.connect(Transport::Tcp);
    let bw = bystander
        .create_window(Rect::new(50, 150, 40, 40), WHITE)
        .expect("window");
    bystander.map_window(bw);
    wait_expose(&mut bystander, bw);

    // Another client may not ask for frames of a window not its own.
    bystander.request_frame(windows[0]);
    let seq = bystander.last_seq();
    expect_error(
        &mut bystander,
        "RequestFrame of another's window",
        seq,
        &[ErrorCode::BadWindow],
    );

    // The deadline is generous: the core is shared with the other tests of this file, which
    // keep it busy on a loaded machine.
    let mut last_msec = 0u32;
    for i in 0..4 {
        let win = windows[i % 2];
        d.request_frame(win);
        d.flush().expect("flush");
        let asked = Instant::now();
        let deadline = asked + Duration::from_secs(5);
        let (window, msec) = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match d.next_event_timeout(left) {
                Ok(Some(Event::FrameDone { window, msec })) => break (window, msec),
                Ok(Some(_)) => {}
                Ok(None) => panic!("frame {i}: no FrameDone within 5 s (a frame callback was lost)"),
                Err(e) => panic!("frame {i}: {e}"),
            }
        };
        assert_eq!(window, win, "frame {i}: FrameDone for the wrong window");
        assert!(
            msec >= last_msec,
            "frame {i}: msec went back from {last_msec} to {msec}"
        );
        last_msec = msec;
        let shade = (40 * i) as u8;
        d.draw(win).color(Color::rgb(shade, shade, 255)).clear();
    }
    // One request, one FrameDone: nothing more comes, to either client.
    assert_no_event(&mut d, "after the last frame", |e| {
        matches!(e, Event::FrameDone { .. })
    });
    assert_no_event(&mut bystander, "the bystander", |e| {
        matches!(e, Event::FrameDone { .. })
    });
    assert_no_errors(&mut d, "frames");
}

// ---------------------------------------------------------------------------------------------
// 12. Isolation of images
// ---------------------------------------------------------------------------------------------

#[test]
fn images_are_private_to_their_client() {
    let server = shared_server();
    let mut a = server.connect(Transport::Unix);
    let mut b = server.connect(Transport::Tcp);
    let secret = a.create_image(Size::new(8, 8)).expect("image");
    let data = pattern_rgba(8, 8, 61);
    a.put_image(secret, Rect::new(0, 0, 8, 8), data.clone());
    a.sync().expect("sync");

    let (w, h) = (20u32, 20u32);
    let bw = b.create_window(Rect::new(0, 0, w, h), WHITE).expect("window");
    let before = read(&mut b, bw, w, h);

    let mut p = b.draw(bw);
    p.draw_image(secret, Rect::new(0, 0, 8, 8), Rect::new(0, 0, 8, 8));
    let seq = p.finish();
    expect_error(
        &mut b,
        "DrawImage of another's image",
        seq,
        &[ErrorCode::BadDrawable, ErrorCode::BadValue],
    );
    let mut p = b.draw(bw);
    p.copy_area(secret, Rect::new(0, 0, 8, 8), 0, 0);
    let seq = p.finish();
    expect_error(
        &mut b,
        "CopyArea from another's image",
        seq,
        &[ErrorCode::BadDrawable, ErrorCode::BadValue],
    );
    assert_eq!(read(&mut b, bw, w, h), before, "B's window got A's pixels");

    let e = get_image_error(&mut b, secret, Rect::new(0, 0, 8, 8));
    assert_eq!(
        (e.seq, e.code),
        (b.last_seq(), ErrorCode::BadDrawable),
        "GetImage: {e}"
    );

    // Nor may B change or free it.
    b.put_image(secret, Rect::new(0, 0, 8, 8), vec![0; 256]);
    let seq = b.last_seq();
    expect_error(
        &mut b,
        "PutImage into another's image",
        seq,
        &[ErrorCode::BadDrawable],
    );
    let mut p = b.draw(secret);
    p.color(RED).clear();
    let seq = p.finish();
    expect_error(
        &mut b,
        "Draw into another's image",
        seq,
        &[ErrorCode::BadDrawable],
    );
    b.send(&Request::FreeImage { image: secret });
    let seq = b.last_seq();
    expect_error(
        &mut b,
        "FreeImage of another's image",
        seq,
        &[ErrorCode::BadDrawable],
    );

    assert_eq!(read(&mut a, secret, 8, 8).data, data, "A's image changed");
    assert_no_errors(&mut a, "A");
    assert_no_errors(&mut b, "B");
}

/// The protocol's code for "not the client's own drawable" is BadDrawable, and the rasterizer
/// knows which ops failed that way (`BatchError::BadDrawable`).
#[test]
fn foreign_drawable_in_a_batch_is_bad_drawable() {
    let server = shared_server();
    let mut a = server.connect(Transport::Unix);
    let mut b = server.connect(Transport::Unix);
    let secret = a.create_image(Size::new(4, 4)).expect("image");
    a.sync().expect("sync");
    let bw = b.create_window(Rect::new(0, 0, 10, 10), WHITE).expect("window");
    let mut p = b.draw(bw);
    p.draw_image(secret, Rect::new(0, 0, 4, 4), Rect::new(0, 0, 4, 4));
    let seq = p.finish();
    expect_error(
        &mut b,
        "DrawImage of another's image",
        seq,
        &[ErrorCode::BadDrawable],
    );
    let mut p = b.draw(bw);
    p.copy_area(secret, Rect::new(0, 0, 4, 4), 0, 0);
    let seq = p.finish();
    expect_error(
        &mut b,
        "CopyArea from another's image",
        seq,
        &[ErrorCode::BadDrawable],
    );
}

/// `GetImageAs` gives the pixels `GetImage` gives, in each layout: `Bgra8` as the server keeps
/// them (opaque in a window, premultiplied in an image), `Rgb8` without alpha. Large enough for
/// the reply's pixels to be written apart from its head (64 KiB and up).
#[test]
fn images_read_back_in_every_format_are_get_image_s_pixels() {
    let server = TestServer::with_defaults();
    let mut d = server.connect(Transport::Unix);
    let (w, h) = (200u32, 100u32);
    let win = d
        .create_window(Rect::new(0, 0, w, h), WHITE)
        .expect("create_window");
    d.map_window(win);
    wait_expose(&mut d, win);
    d.put_image(win, Rect::new(0, 0, w, h), pattern_rgba(w, h, 7));
    // An image with see-through pixels: alpha 0 to 255 along x.
    let img = d.create_image(Size::new(64, 4)).expect("create_image");
    let translucent: Vec<u8> = (0..4u32)
        .flat_map(|y| (0..64u32).map(move |x| [(x * 4) as u8, (y * 60) as u8, 200, (x * 4 + 3) as u8]))
        .flatten()
        .collect();
    d.put_image(img, Rect::new(0, 0, 64, 4), translucent);
    for (source, rect) in [
        (Drawable::from(win), Rect::new(30, 0, 150, 100)),
        (img, Rect::new(1, 1, 60, 3)),
    ] {
        let want = d.get_image(source, rect).expect("get_image");
        for format in [PixelFormat::Rgba8, PixelFormat::Rgb8, PixelFormat::Bgra8] {
            let got = d.get_image_as(source, rect, format).expect("get_image_as");
            assert_eq!(
                (got.width, got.height, got.format),
                (rect.width, rect.height, format)
            );
            let bpp = format.bytes_per_pixel();
            assert_eq!(
                got.data.len(),
                (rect.width * rect.height) as usize * bpp,
                "{format:?}"
            );
            for (i, p) in got.data.chunks_exact(bpp).enumerate() {
                let (x, y) = (i as u32 % rect.width, i as u32 / rect.width);
                let [r, g, b, a] = want.pixel(x, y).expect("pixel");
                let expected = match format {
                    PixelFormat::Rgba8 => vec![r, g, b, a],
                    PixelFormat::Rgb8 => vec![r, g, b],
                    // Premultiplied: within rounding of the straight colour times alpha.
                    PixelFormat::Bgra8 => {
                        let pre = |c: u8| ((u32::from(c) * u32::from(a) + 127) / 255) as u8;
                        vec![pre(b), pre(g), pre(r), a]
                    }
                };
                let close = p.iter().zip(&expected).all(|(g, e)| g.abs_diff(*e) <= 1);
                assert!(
                    close,
                    "{format:?} pixel ({x}, {y}) of {source:?}: {p:?}, want {expected:?}"
                );
                assert_eq!(got.rgba(x, y).map(|c| c[3]), Some(if bpp == 3 { 255 } else { a }));
            }
        }
    }
    // The same checks as GetImage: inside the source, and only one's own drawables.
    match d.get_image_as(win, Rect::new(190, 0, 20, 10), PixelFormat::Bgra8) {
        Err(ClientError::Request(e)) => assert_eq!(e.code, ErrorCode::BadValue, "{e}"),
        other => panic!("a rectangle past the window's edge: {other:?}"),
    }
    let mut other = server.connect(Transport::Unix);
    match other.get_image_as(win, Rect::new(0, 0, 1, 1), PixelFormat::Bgra8) {
        Err(ClientError::Request(e)) => assert_eq!(e.code, ErrorCode::BadDrawable, "{e}"),
        other => panic!("another client's window: {other:?}"),
    }
}

#[test]
fn windows_ignore_the_alpha_they_are_given_and_read_back_opaque() {
    // A window takes its own layout (Bgra8) as sent, alpha bytes and all, with no pass to set
    // them: every way out of the window must still show alpha 255 and the colours sent, and
    // nothing drawn over it may depend on those bytes. Window `junk` gets pixels whose alpha is
    // anything (below its colours too); window `clean` the same colours with alpha 255.
    let (w, h) = (8u32, 4u32);
    let (_server, mut d, junk) = setup(w, h, WHITE);
    let clean = d
        .create_window(Rect::new(20, 0, w, h), WHITE)
        .expect("create_window");
    let colour = |x: u32, y: u32| [(x * 31) as u8, (y * 60 + 7) as u8, (200 - x * 9) as u8];
    let alphas = [0u8, 1, 77, 128, 200, 254, 255, 3];
    let mut bgra_junk = Vec::new();
    let mut rgba_clean = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let [r, g, b] = colour(x, y);
            bgra_junk.extend([b, g, r, alphas[((x + y) % 8) as usize]]);
            rgba_clean.extend([r, g, b, 255]);
        }
    }
    let all = Rect::new(0, 0, w, h);
    d.put_image_as(junk, all, PixelFormat::Bgra8, false, bgra_junk);
    d.put_image(clean, all, rgba_clean);
    let opaque = |x: u32, y: u32| {
        let [r, g, b] = colour(x, y);
        [r, g, b, 255]
    };
    assert_pixels(&read(&mut d, junk, w, h), "read back as RGBA", opaque);
    let bgra = d
        .get_image_as(junk, all, PixelFormat::Bgra8)
        .expect("get_image_as");
    for (i, p) in bgra.data.chunks_exact(4).enumerate() {
        let [r, g, b, a] = opaque(i as u32 % w, i as u32 / w);
        assert_eq!(p, [b, g, r, a], "pixel {i} read back in the server's layout");
    }

    // Copied and drawn into off-screen images, which keep alpha: opaque there too.
    let copied = d.create_image(Size::new(w, h)).expect("create_image");
    let drawn = d.create_image(Size::new(w, h)).expect("create_image");
    d.draw(copied).copy_area(junk, all, 0, 0);
    d.draw(drawn).draw_image(junk, all, all);
    for (image, how) in [(copied, "CopyArea"), (drawn, "DrawImage")] {
        assert_pixels(&read(&mut d, image, w, h), how, opaque);
        let bgra = d
            .get_image_as(image, all, PixelFormat::Bgra8)
            .expect("get_image_as");
        assert!(
            bgra.data.chunks_exact(4).all(|p| p[3] == 255),
            "{how}: alpha in the image {:?}",
            bgra.data
        );
    }

    // Drawing over the window (source-over, copy, anti-aliased, a window drawn into itself)
    // gives what it gives over the same colours with alpha 255.
    for win in [junk, clean] {
        d.draw(win)
            .color(Color::rgba(255, 0, 0, 128))
            .fill_rect(Rect::new(0, 0, 4, 2))
            .antialias(true)
            .color(Color::rgba(0, 0, 255, 200))
            .line(0, 3, 7, 1)
            .antialias(false)
            .blend(BlendMode::Copy)
            .color(Color::rgba(0, 255, 0, 100))
            .fill_rect(Rect::new(6, 0, 2, 1))
            .blend(BlendMode::SourceOver)
            .draw_image(win, Rect::new(0, 0, 3, 3), Rect::new(4, 2, 3, 2))
            .copy_area(win, Rect::new(0, 0, 2, 2), 6, 2);
    }
    let want = read(&mut d, clean, w, h);
    assert_pixels(&read(&mut d, junk, w, h), "drawn over", |x, y| px(&want, x, y));
    assert_no_errors(&mut d, "drawing over pixels put with any alpha");
}
