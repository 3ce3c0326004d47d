//! `eyes`: two eyes that watch the pointer, after the classic `xeyes`.
//!
//! Run it with `cargo run --release --example eyes` (DISPLAY or DISPD_DISPLAY picks the server).
//!
//! The eyes follow [`Event::PointerMotion`] only: a client hears about the pointer while it is
//! over one of its windows, so when the pointer leaves, the eyes keep looking at the last place
//! they saw it. (`xeyes` polls the pointer's position anywhere on the screen; dispd does not
//! hand other windows' pointer positions to a client.) Motion is coalesced by the server and
//! again here: a burst of motion costs one redraw.

use std::process::ExitCode;

use examples::app::{self, main_with};
use examples::ui;
use gui_client::{radial_gradient, ClientError, Color, Display, Event, Rect, WindowId};

const WIDTH: u32 = 320;
const HEIGHT: u32 = 200;

const OUTLINE: Color = Color::rgb(0x20, 0x24, 0x2c);
const IRIS: [Color; 3] = [
    Color::rgb(0x7c, 0xc4, 0xe8),
    Color::rgb(0x2e, 0x7d, 0xb8),
    Color::rgb(0x1a, 0x4a, 0x78),
];

fn main() -> ExitCode {
    main_with("eyes", run)
}

fn run() -> Result<(), ClientError> {
    let mut display = Display::open()?;
    let window = app::open_window(&mut display, "eyes", WIDTH, HEIGHT, ui::PAPER)?;
    let mut size = (WIDTH, HEIGHT);
    // Where the eyes look, in window coordinates: straight ahead until the pointer shows up.
    let mut target: Option<(i32, i32)> = None;
    let mut exposed = false;
    loop {
        let mut dirty = false;
        for event in app::wait_events(&mut display, None)? {
            match event {
                Event::Expose { .. } => (exposed, dirty) = (true, true),
                Event::Configure { rect, .. } => {
                    size = (rect.width, rect.height);
                    dirty = true;
                }
                Event::PointerMotion { x, y, .. } | Event::PointerEnter { x, y, .. } => {
                    dirty |= target != Some((x, y));
                    target = Some((x, y));
                }
                // PointerLeave: nothing to do, the eyes keep the last position.
                Event::CloseRequested { .. } => return Ok(()),
                _ => {}
            }
        }
        if exposed && dirty {
            draw(&mut display, window, size, target)?;
        }
    }
}

/// Centre and radii of both eyes in a window of `(w, h)`.
fn eyes((w, h): (u32, u32)) -> [(f32, f32, f32, f32); 2] {
    let (w, h) = (w as f32, h as f32);
    let margin = (w.min(h) * 0.08).max(4.0);
    let rx = (w / 4.0 - margin * 0.75).max(4.0);
    let ry = (h / 2.0 - margin).max(4.0);
    [
        (w / 4.0 + margin * 0.25, h / 2.0, rx, ry),
        (w * 3.0 / 4.0 - margin * 0.25, h / 2.0, rx, ry),
    ]
}

fn ellipse(cx: f32, cy: f32, rx: f32, ry: f32) -> Rect {
    Rect::new(
        (cx - rx).round() as i32,
        (cy - ry).round() as i32,
        (2.0 * rx).round().max(1.0) as u32,
        (2.0 * ry).round().max(1.0) as u32,
    )
}

fn draw(
    display: &mut Display,
    window: WindowId,
    size: (u32, u32),
    target: Option<(i32, i32)>,
) -> Result<(), ClientError> {
    let mut p = display.draw(window);
    p.antialias(true).color(ui::PAPER).clear();
    for (cx, cy, rx, ry) in eyes(size) {
        let outline = (rx.min(ry) * 0.09).max(2.0);
        p.color(Color::rgba(0, 0, 0, 30))
            .fill_ellipse(ellipse(cx, cy + outline, rx, ry));
        p.color(OUTLINE).fill_ellipse(ellipse(cx, cy, rx, ry));
        p.paint(radial_gradient(
            cx,
            cy - ry * 0.3,
            rx.max(ry),
            &[
                Color::WHITE,
                Color::rgb(0xf2, 0xf2, 0xf0),
                Color::rgb(0xd8, 0xd8, 0xd4),
            ],
        ))
        .fill_ellipse(ellipse(cx, cy, rx - outline, ry - outline));

        // The iris moves towards the target, staying inside the white of the eye.
        let iris = (rx.min(ry) * 0.42).max(2.0);
        let (ax, ay) = (
            (rx - outline - iris * 1.05).max(0.0),
            (ry - outline - iris * 1.05).max(0.0),
        );
        let (mut dx, mut dy) = match target {
            Some((x, y)) => (x as f32 - cx, y as f32 - cy),
            None => (0.0, 0.0),
        };
        let reach = ((dx / ax.max(0.1)).powi(2) + (dy / ay.max(0.1)).powi(2)).sqrt();
        if reach > 1.0 {
            (dx, dy) = (dx / reach, dy / reach);
        }
        let (ix, iy) = (cx + dx, cy + dy);
        p.paint(radial_gradient(ix, iy, iris, &IRIS))
            .fill_ellipse(ellipse(ix, iy, iris, iris));
        p.color(Color::rgb(0x10, 0x10, 0x14))
            .fill_ellipse(ellipse(ix, iy, iris * 0.5, iris * 0.5));
        p.color(Color::rgba(255, 255, 255, 220)).fill_ellipse(ellipse(
            ix - iris * 0.3,
            iy - iris * 0.32,
            iris * 0.18,
            iris * 0.18,
        ));
    }
    p.finish();
    display.flush()
}
