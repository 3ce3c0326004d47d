//! A small blocking client for dispd: open windows, draw into them, get input back.
//!
//! No async runtime is needed: a plain `fn main` opens a [`Display`], creates windows, draws in
//! batches and reads events. Drawing never waits for the server: requests are buffered and sent
//! on [`Display::flush`] (or when a call needs an answer, such as [`Display::sync`]).
//!
//! ```no_run
//! use gui_client::{Color, Display, Event, Rect};
//!
//! let mut display = Display::open()?; // DISPD_DISPLAY or DISPLAY, e.g. ":0" or "host:0"
//! let window = display.create_window(Rect::new(100, 100, 320, 200), Color::WHITE)?;
//! display.set_title(window, "hello");
//! display.map_window(window);
//! loop {
//!     match display.next_event()? {
//!         Event::Expose { .. } => {
//!             let mut p = display.draw(window);
//!             p.color(Color::rgb(200, 30, 30)).fill_rect(Rect::new(10, 10, 100, 50));
//!             p.color(Color::BLACK).font_size(20).text(10, 100, "Hello!");
//!             p.finish();
//!             display.flush()?;
//!         }
//!         Event::CloseRequested { .. } => break,
//!         _ => {}
//!     }
//! }
//! # Ok::<(), gui_client::ClientError>(())
//! ```
//!
//! # Layout
//! - `connect`: `DISPLAY` to addresses to a connected socket and a finished handshake.
//! - `display`: [`Display`], the connection: requests out, replies and events in.
//! - `painter`: [`Painter`], one draw batch built op by op.
//! - `reply_spin`: a short poll for a reply before sleeping.
//! - `shm`: [`ShmSegment`], images put through shared memory by local clients.
//! - `error`: [`ClientError`].

mod connect;
mod display;
mod error;
mod painter;
mod reply_spin;
mod shm;

pub use connect::{Auth, ConnectOptions};
pub use dispd_protocol::auth::Secret;
pub use display::Display;
pub use error::ClientError;
pub use painter::{linear_gradient, radial_gradient, Painter, Path};
pub use reply_spin::DEFAULT_REPLY_SPIN;
pub use shm::ShmSegment;

/// The protocol crate, for everything this crate does not re-export by name.
pub use dispd_protocol as protocol;
pub use dispd_protocol::handshake::Setup;
pub use dispd_protocol::{
    BlendMode, Button, ClientId, ClientSummary, Color, Compression, CursorShape, Drawable, ErrorCode, Event,
    EventMask, FillRule, FontFace, GradientStop, Image, InputAction, Key, KeyEvent, LineCap, LineJoin,
    Modifiers, NamedKey, Paint, PixelFormat, Pixels, Point, Rect, RequestError, Segment, ServerInfo, Size,
    SmallPoint, SmallRect, WheelDelta, WindowId, WindowInfo,
};
