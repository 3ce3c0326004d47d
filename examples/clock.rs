//! `clock`: an analog clock with hour, minute and second hands, in local time.
//!
//! Run it with `cargo run --release --example clock` (DISPLAY or DISPD_DISPLAY picks the server).
//!
//! The clock has nothing to do between seconds, so it sleeps in `next_event_timeout` until the
//! next second begins and redraws then, or earlier when the server says the window was exposed
//! or resized. The face scales with the window. The time zone comes from `TZ` or
//! `/etc/localtime` (see `examples::localtime`).

use std::f32::consts::TAU;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use examples::app::{self, main_with};
use examples::localtime::{LocalTime, Zone};
use examples::ui;
use gui_client::{radial_gradient, ClientError, Color, Display, Event, FontFace, Path, Rect, WindowId};

const WIDTH: u32 = 360;
const HEIGHT: u32 = 360;

const RIM: Color = Color::rgb(0x2c, 0x33, 0x40);
const HANDS: Color = Color::rgb(0x20, 0x24, 0x2c);
const SECOND_HAND: Color = Color::rgb(0xd8, 0x3a, 0x2e);

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn main() -> ExitCode {
    main_with("clock", run)
}

fn run() -> Result<(), ClientError> {
    let mut display = Display::open()?;
    let window = app::open_window(&mut display, "clock", WIDTH, HEIGHT, ui::PAPER)?;
    let zone = Zone::local();
    let mut size = (WIDTH, HEIGHT);
    let mut exposed = false;
    let mut shown: Option<(u32, u32, u32)> = None;
    loop {
        let now = zone.at(SystemTime::now());
        // Wake just after the next second starts.
        let until_next = Duration::from_nanos(u64::from(1_000_000_000 - now.nanos.min(999_999_999)))
            + Duration::from_millis(2);
        let mut dirty = false;
        for event in app::wait_events(&mut display, Some(until_next))? {
            match event {
                Event::Expose { .. } => (exposed, dirty) = (true, true),
                Event::Configure { rect, .. } => {
                    size = (rect.width, rect.height);
                    dirty = true;
                }
                Event::CloseRequested { .. } => return Ok(()),
                _ => {}
            }
        }
        let now = zone.at(SystemTime::now());
        let hms = (now.hour, now.minute, now.second);
        if exposed && (dirty || shown != Some(hms)) {
            draw(&mut display, window, size, &now)?;
            shown = Some(hms);
        }
    }
}

/// A point at `radius` from the centre in the direction of `turns` (0 = twelve o'clock,
/// clockwise, 1 = a full turn).
fn polar(cx: f32, cy: f32, turns: f32, radius: f32) -> (f32, f32) {
    let a = turns * TAU;
    (cx + radius * a.sin(), cy - radius * a.cos())
}

/// A tapered hand pointing at `turns`: `length` ahead of the centre, `tail` behind, `width` at
/// the base.
fn hand(cx: f32, cy: f32, turns: f32, length: f32, tail: f32, width: f32) -> Path {
    let a = turns * TAU;
    let (dx, dy) = (a.sin(), -a.cos());
    let (px, py) = (-dy, dx); // perpendicular
    let at = |along: f32, across: f32| (cx + dx * along + px * across, cy + dy * along + py * across);
    let points = [
        at(-tail, width / 2.0),
        at(length * 0.9, width * 0.22),
        at(length, 0.0),
        at(length * 0.9, -width * 0.22),
        at(-tail, -width / 2.0),
    ];
    let mut path = Path::new();
    path.move_to(points[0].0, points[0].1);
    for (x, y) in &points[1..] {
        path.line_to(*x, *y);
    }
    path.close();
    path
}

fn draw(
    display: &mut Display,
    window: WindowId,
    (w, h): (u32, u32),
    t: &LocalTime,
) -> Result<(), ClientError> {
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let r = (w.min(h) as f32 / 2.0 - 12.0).max(20.0);
    let face = |r: f32| {
        let d = (2.0 * r).round() as u32;
        Rect::new((cx - r).round() as i32, (cy - r).round() as i32, d, d)
    };

    // Numerals and the date, measured before painting.
    let numeral_px = (r * 0.17).round().clamp(8.0, 200.0) as u16;
    let mut numerals = Vec::with_capacity(12);
    for n in 1..=12u32 {
        let (x, y) = polar(cx, cy, n as f32 / 12.0, r * 0.74);
        let label = n.to_string();
        let size = (numeral_px as f32 * 1.4).round() as u32;
        let cell = Rect::new(
            (x - size as f32 / 2.0).round() as i32,
            (y - size as f32 / 2.0).round() as i32,
            size,
            size,
        );
        numerals.push((
            ui::place_text(
                display,
                FontFace::Sans,
                numeral_px,
                &label,
                cell,
                ui::Align::Centre,
            )?,
            label,
        ));
    }
    let date = format!(
        "{} {} {}  {}",
        WEEKDAYS[t.weekday as usize % 7],
        t.day,
        MONTHS[(t.month as usize + 11) % 12],
        t.zone
    );
    let date_px = (r * 0.085).round().clamp(8.0, 100.0) as u16;
    let date_box = Rect::new(0, (cy + r * 0.3).round() as i32, w, (r * 0.16) as u32);
    let date_at = ui::place_text(
        display,
        FontFace::Sans,
        date_px,
        &date,
        date_box,
        ui::Align::Centre,
    )?;

    let mut p = display.draw(window);
    p.antialias(true);
    p.color(ui::PAPER).clear();
    // The dial: a soft shadow, the rim, then the face with a faint gradient.
    p.color(Color::rgba(0, 0, 0, 35))
        .fill_ellipse(face(r + 4.0).translate(0, 3));
    p.color(RIM).fill_ellipse(face(r + 4.0));
    p.paint(radial_gradient(
        cx,
        cy - r * 0.3,
        r * 1.3,
        &[Color::WHITE, Color::rgb(0xe8, 0xeb, 0xf0)],
    ))
    .fill_ellipse(face(r - 2.0));

    // Minute and hour marks.
    for i in 0..60 {
        let hour_mark = i % 5 == 0;
        let (inner, width) = if hour_mark {
            (r * 0.86, (r * 0.035).max(2.0))
        } else {
            (r * 0.92, (r * 0.012).max(1.0))
        };
        let (x0, y0) = polar(cx, cy, i as f32 / 60.0, inner);
        let (x1, y1) = polar(cx, cy, i as f32 / 60.0, r * 0.965);
        let mut tick = Path::new();
        tick.move_to(x0, y0).line_to(x1, y1);
        p.color(if hour_mark { HANDS } else { ui::MUTED })
            .line_width(width.round() as u16)
            .stroke_path(&tick);
    }
    p.color(HANDS).font_size(numeral_px);
    for ((x, y), label) in &numerals {
        p.text(*x, *y, label);
    }
    p.color(ui::MUTED)
        .font_size(date_px)
        .text(date_at.0, date_at.1, &date);

    // Hands: hours and minutes move smoothly, the second hand ticks.
    let seconds = t.second as f32;
    let minutes = t.minute as f32 + seconds / 60.0;
    let hours = (t.hour % 12) as f32 + minutes / 60.0;
    let hour_hand = hand(cx, cy, hours / 12.0, r * 0.5, r * 0.1, r * 0.08);
    let minute_hand = hand(cx, cy, minutes / 60.0, r * 0.78, r * 0.1, r * 0.055);
    let second_hand = hand(cx, cy, seconds / 60.0, r * 0.86, r * 0.22, r * 0.025);
    let shadow = (r * 0.02).max(1.0);
    p.transform(1.0, 1.0, shadow, shadow)
        .color(Color::rgba(0, 0, 0, 45))
        .fill_path(&hour_hand)
        .fill_path(&minute_hand)
        .fill_path(&second_hand);
    p.transform(1.0, 1.0, 0.0, 0.0);
    p.color(HANDS).fill_path(&hour_hand).fill_path(&minute_hand);
    p.color(SECOND_HAND).fill_path(&second_hand);
    let (dot, tip) = ((r * 0.05).max(3.0), polar(cx, cy, seconds / 60.0, r * 0.62));
    let disc = |x: f32, y: f32, rad: f32| {
        let d = (2.0 * rad).round() as u32;
        Rect::new((x - rad).round() as i32, (y - rad).round() as i32, d, d)
    };
    p.fill_ellipse(disc(tip.0, tip.1, dot * 0.7));
    p.fill_ellipse(disc(cx, cy, dot));
    p.color(Color::WHITE).fill_ellipse(disc(cx, cy, dot * 0.35));
    p.finish();
    display.flush()
}
