//! `bounce`: balls bouncing under gravity, animated at the display's frame pace, with the frame
//! rate and the bytes this client sends per second shown on screen. `+` adds balls, `-` removes
//! them.
//!
//! Run it with `cargo run --release --example bounce` (DISPLAY or DISPD_DISPLAY picks the server).
//!
//! Each frame is one `Draw` request followed by a `RequestFrame`; the next frame is drawn when
//! the server answers with `FrameDone`, so the animation runs as fast as the display shows it
//! and never floods a slow link (see `examples::frame`).
//!
//! The bytes counter is exact: every request is encoded with `gui_client::protocol::encode_frame`
//! (what the client library itself does) and the frame's length, prefix included, is counted
//! before it is queued. That is also why the ops are built here as a list of `DrawOp`s rather
//! than through a `Painter`: the request must exist to be measured.

use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use examples::app::{self, main_with};
use examples::frame::{human_bytes, ByteMeter, FrameClock};
use gui_client::protocol::{DrawOp, Request};
use gui_client::{radial_gradient, ClientError, Color, Display, Event, Rect, WindowId};

const WIDTH: u32 = 720;
const HEIGHT: u32 = 480;
const START_BALLS: usize = 24;
/// Balls added or removed per key press.
const STEP: usize = 8;
const MAX_BALLS: usize = 2000;
/// Downward acceleration, pixels per second squared.
const GRAVITY: f32 = 900.0;

const BACKGROUND: Color = Color::rgb(0x1c, 0x21, 0x2b);
const HUES: [Color; 6] = [
    Color::rgb(0xe8, 0x4a, 0x4a),
    Color::rgb(0xf2, 0xa0, 0x30),
    Color::rgb(0xf0, 0xd0, 0x40),
    Color::rgb(0x4c, 0xb8, 0x5c),
    Color::rgb(0x3c, 0x8c, 0xe8),
    Color::rgb(0xa0, 0x5c, 0xd8),
];

fn main() -> ExitCode {
    main_with("bounce", run)
}

#[derive(Clone, Copy, Debug)]
struct Ball {
    x: f32,
    y: f32,
    vx: f32,
    vy: f32,
    r: f32,
    color: Color,
}

/// A small xorshift generator: the demo needs variety, not quality.
#[derive(Debug)]
struct Rng(u64);

impl Rng {
    fn seeded() -> Self {
        let t = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64);
        Rng(t | 1)
    }

    /// A number in `[lo, hi)`.
    fn range(&mut self, lo: f32, hi: f32) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        lo + (self.0 >> 40) as f32 / (1u64 << 24) as f32 * (hi - lo)
    }
}

fn new_ball(rng: &mut Rng, (w, h): (u32, u32)) -> Ball {
    let r = rng.range(8.0, 26.0);
    Ball {
        x: rng.range(r, (w as f32 - r).max(r + 1.0)),
        y: rng.range(r, (h as f32 / 2.0).max(r + 1.0)),
        vx: rng.range(-260.0, 260.0),
        vy: rng.range(-200.0, 100.0),
        r,
        color: HUES[rng.range(0.0, HUES.len() as f32) as usize % HUES.len()],
    }
}

fn run() -> Result<(), ClientError> {
    let mut display = Display::open()?;
    let window = app::open_window(&mut display, "bounce", WIDTH, HEIGHT, BACKGROUND)?;
    let mut size = (WIDTH, HEIGHT);
    let mut rng = Rng::seeded();
    let mut balls: Vec<Ball> = (0..START_BALLS).map(|_| new_ball(&mut rng, size)).collect();
    let mut clock = FrameClock::new(window);
    let mut meter = ByteMeter::new();
    let mut running = false;
    loop {
        match display.next_event()? {
            // The first expose starts the animation; later ones are covered by the next frame.
            Event::Expose { .. } if !running => {
                running = true;
                clock.tick();
                draw(&mut display, &mut meter, window, size, &balls, &clock);
                meter.send(&mut display, &Request::RequestFrame { window });
            }
            Event::FrameDone { .. } => {
                let dt = clock.tick();
                step(&mut balls, dt, size);
                draw(&mut display, &mut meter, window, size, &balls, &clock);
                meter.send(&mut display, &Request::RequestFrame { window });
            }
            Event::Configure { rect, .. } => size = (rect.width, rect.height),
            Event::Key(k) if k.pressed => match k.text.as_deref() {
                Some("+" | "=") => {
                    let n = STEP.min(MAX_BALLS - balls.len());
                    balls.extend((0..n).map(|_| new_ball(&mut rng, size)));
                }
                Some("-" | "_") => balls.truncate(balls.len().saturating_sub(STEP)),
                _ => {}
            },
            Event::CloseRequested { .. } => return Ok(()),
            _ => {}
        }
    }
}

/// Moves every ball by `dt` seconds, bouncing off the window's edges without losing energy.
fn step(balls: &mut [Ball], dt: f32, (w, h): (u32, u32)) {
    let (w, h) = (w as f32, h as f32);
    for b in balls {
        b.vy += GRAVITY * dt;
        b.x += b.vx * dt;
        b.y += b.vy * dt;
        if b.x < b.r {
            (b.x, b.vx) = (b.r, b.vx.abs());
        } else if b.x > w - b.r {
            (b.x, b.vx) = ((w - b.r).max(b.r), -b.vx.abs());
        }
        if b.y > h - b.r {
            // Reflect the overshoot so the bounce keeps its height.
            (b.y, b.vy) = ((2.0 * (h - b.r) - b.y).max(b.r), -b.vy.abs());
        } else if b.y < b.r {
            (b.y, b.vy) = (b.r, b.vy.abs());
        }
    }
}

fn draw(
    display: &mut Display,
    meter: &mut ByteMeter,
    window: WindowId,
    (w, _h): (u32, u32),
    balls: &[Ball],
    clock: &FrameClock,
) {
    let mut ops = vec![
        DrawOp::SetColor(BACKGROUND),
        DrawOp::Clear,
        DrawOp::SetAntialias(true),
    ];
    for b in balls {
        // A light from the upper left: a highlight off-centre fading into the ball's colour.
        let light = Color::rgb(
            b.color.r().saturating_add(110),
            b.color.g().saturating_add(110),
            b.color.b().saturating_add(110),
        );
        let dark = Color::rgb(b.color.r() / 2, b.color.g() / 2, b.color.b() / 2);
        ops.push(DrawOp::SetPaint(radial_gradient(
            b.x - b.r * 0.35,
            b.y - b.r * 0.4,
            b.r * 1.6,
            &[light, b.color, dark],
        )));
        let d = (2.0 * b.r).round() as u32;
        ops.push(DrawOp::FillEllipse(Rect::new(
            (b.x - b.r).round() as i32,
            (b.y - b.r).round() as i32,
            d,
            d,
        )));
    }
    let line1 = format!(
        "{:.1} fps   {}/s sent   {} balls",
        clock.fps(),
        human_bytes(meter.per_second()),
        balls.len()
    );
    let line2 = format!(
        "{} sent in all   + / - adds or removes balls",
        human_bytes(meter.total() as f64)
    );
    ops.extend([
        DrawOp::SetColor(Color::rgba(0, 0, 0, 150)),
        DrawOp::FillRoundRect {
            rect: Rect::new(8, 8, w.saturating_sub(16).min(380), 50),
            radius: 8,
        },
        DrawOp::SetColor(Color::WHITE),
        DrawOp::SetFontSize(15),
        DrawOp::Text {
            x: 18,
            y: 29,
            text: line1,
        },
        DrawOp::SetColor(Color::rgb(0xb0, 0xb6, 0xc0)),
        DrawOp::SetFontSize(12),
        DrawOp::Text {
            x: 18,
            y: 48,
            text: line2,
        },
    ]);
    meter.send(
        display,
        &Request::Draw {
            target: window.into(),
            ops: ops.into(),
        },
    );
}
