//! `hello`: opens a window titled "hello", draws coloured rectangles and a greeting with the
//! machine's name, and stays until the window is closed or the program is killed.
//!
//! Run it with `cargo run --release --example hello` (DISPLAY or DISPD_DISPLAY picks the server).

use std::process::ExitCode;

use gui_client::{ClientError, Color, Display, Event, Rect, WindowId};

const WIDTH: u32 = 480;
const HEIGHT: u32 = 240;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = std::io::Write::write_all(&mut std::io::stderr(), format!("hello: {e}\n").as_bytes());
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), ClientError> {
    let mut display = Display::open()?;
    let window = display.create_window(Rect::new(100, 100, WIDTH, HEIGHT), Color::WHITE)?;
    display.set_title(window, "hello");
    display.map_window(window);
    let greeting = format!("Hello from {}", hostname());
    let mut size = (WIDTH, HEIGHT);
    loop {
        match display.next_event()? {
            Event::Expose { .. } => draw(&mut display, window, size, &greeting)?,
            Event::Configure { rect, .. } => size = (rect.width, rect.height),
            Event::CloseRequested { .. } => return Ok(()),
            _ => {}
        }
    }
}

fn draw(
    display: &mut Display,
    window: WindowId,
    (w, h): (u32, u32),
    greeting: &str,
) -> Result<(), ClientError> {
    let colours = [
        Color::rgb(0xe0, 0x40, 0x40),
        Color::rgb(0x40, 0xb0, 0x50),
        Color::rgb(0x40, 0x70, 0xe0),
        Color::rgb(0xf0, 0xc0, 0x30),
    ];
    let band = (w / colours.len() as u32).max(1);
    let mut p = display.draw(window);
    p.color(Color::WHITE).clear();
    for (i, c) in colours.iter().enumerate() {
        p.color(*c)
            .fill_rect(Rect::new(i as i32 * band as i32, 0, band, h / 2));
    }
    p.color(Color::BLACK)
        .font_size(28)
        .text(20, h as i32 / 2 + 50, greeting);
    p.color(Color::rgb(0x80, 0x80, 0x80))
        .line(20, h as i32 / 2 + 62, w as i32 - 20, h as i32 / 2 + 62);
    p.finish();
    display.flush()
}

/// This machine's name, from the kernel (no extra crate needed on Linux).
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_owned())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "somewhere".into())
}
