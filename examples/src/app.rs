//! Running a demo: errors become one line on standard error and exit code 1; opening the demo's
//! window; waiting for events in bursts.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use gui_client::{ClientError, Color, Display, Event, Rect, WindowId};

/// Runs `run`; on failure prints `name: error` (which says what to do, e.g. that no display
/// server answers and how to start one) and returns exit code 1.
pub fn main_with<E: std::fmt::Display>(name: &str, run: impl FnOnce() -> Result<(), E>) -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "{name}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The error of demos that also read files or parse their command line: anything that prints.
pub type Error = Box<dyn std::error::Error>;

/// Creates a `width` x `height` window centred on the screen (clamped to it), titles it and
/// maps it. Its first [`Event::Expose`] follows.
pub fn open_window(
    display: &mut Display,
    title: &str,
    width: u32,
    height: u32,
    background: Color,
) -> Result<WindowId, ClientError> {
    open_window_offset(display, title, width, height, background, (0, 0))
}

/// As [`open_window`], moved by `offset` from the centre (kept on the screen): for cascading
/// several windows of one program.
pub fn open_window_offset(
    display: &mut Display,
    title: &str,
    width: u32,
    height: u32,
    background: Color,
    (dx, dy): (i32, i32),
) -> Result<WindowId, ClientError> {
    let screen = display.setup().screen;
    let (width, height) = (width.min(screen.width), height.min(screen.height));
    let x = (((screen.width - width) / 2) as i32 + dx).clamp(0, (screen.width - width) as i32);
    let y = (((screen.height - height) / 2) as i32 + dy).clamp(0, (screen.height - height) as i32);
    let window = display.create_window(Rect::new(x, y, width, height), background)?;
    display.set_title(window, title);
    display.map_window(window);
    Ok(window)
}

/// Waits for the next event (at most `timeout`, when given), then also takes every event that
/// has already arrived behind it, so that a burst of input (a fast pointer, an expose after a
/// configure) costs one redraw rather than one each. Empty when the timeout passed first.
pub fn wait_events(display: &mut Display, timeout: Option<Duration>) -> Result<Vec<Event>, ClientError> {
    let first = match timeout {
        None => Some(display.next_event()?),
        Some(t) => display.next_event_timeout(t)?,
    };
    let mut events: Vec<Event> = first.into_iter().collect();
    if !events.is_empty() {
        while let Some(e) = display.poll_event()? {
            events.push(e);
        }
    }
    Ok(events)
}
