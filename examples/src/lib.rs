//! Shared pieces of the demo programs in `examples/`: what every demo repeats lives here once.
//!
//! - [`app`]: running a demo's main function with a clear one-line error and exit code, opening
//!   its window, waiting for events in bursts.
//! - [`ui`]: colours, layout arithmetic, text placed in boxes, buttons with hover and press.
//! - [`text`]: keyboard and input-method events as editing commands.
//! - [`frame`]: animation at the display's pace, frame rate and bytes-on-the-wire counters.
//! - [`sketch`]: drawing with the mouse on a server-side canvas, with a toolbar (`paint`,
//!   `whiteboard`).
//! - [`calc`]: the calculator's arithmetic (`calculator`).
//! - [`picture`]: PNG files in and out, JPEG in ([`jpeg`]: a small baseline decoder).
//! - [`localtime`]: the local time zone, read from the tz database (`clock`).

pub mod app;
pub mod calc;
pub mod frame;
pub mod jpeg;
pub mod localtime;
pub mod picture;
pub mod sketch;
pub mod text;
pub mod ui;
