//! The dispd wire protocol, without any I/O.
//!
//! This crate turns protocol values into bytes and bytes back into values. It opens no
//! socket, reads no clock and touches no file: the client library (`gui-client`) and the
//! server (`display-server`) drive it from their own I/O loops, and tests drive it from
//! plain byte slices.
//!
//! # Layout
//! - [`ids`]: typed resource ids and the client-side id allocator.
//! - [`geometry`]: points, sizes, rectangles and colours.
//! - [`request`]: everything a client can ask ([`Request`]).
//! - [`draw`]: the ops of a draw batch ([`DrawOp`]) and the drawing state they share.
//! - [`draw_ops`]: [`DrawOps`], a batch's list of ops (one op held without an allocation).
//! - [`packed`]: runs of segments and rectangles in X's 8-byte layouts, for batches of many.
//! - [`reply`]: answers to the requests that round-trip ([`Reply`]).
//! - [`event`]: what the server tells a client unasked ([`Event`]): input, expose, configure.
//! - [`message`]: the server-to-client envelope ([`ServerMessage`]) and request errors.
//! - [`codec`]: postcard encoding of whole frames; the only module that calls postcard.
//! - [`framing`]: [`FrameDecoder`], bytes in, length-checked frames out.
//! - [`auth`]: the per-display secret and the HMAC proof of it sent in the hello.
//! - [`handshake`]: the fixed-layout hello and its answer, as small state machines.
//! - [`display`]: `DISPLAY` strings (`:0`, `host:0`, `tcp/[::1]:3` ...) to addresses to try.
//! - [`error`]: the error types of all of the above.
//!
//! # The conversation
//! A client connects, sends a [`handshake::ClientHello`] and reads the server's answer. After an
//! acceptance, every client-to-server frame carries one [`Request`]; requests are numbered
//! implicitly, the first one after the handshake being sequence number 1 (as in X11).
//! The server sends [`ServerMessage`] frames: replies and errors name the sequence number of the
//! request they answer, events stand alone. `docs/PROTOCOL.md` in the repository spells out
//! every byte.

pub mod auth;
mod bounded;
pub mod codec;
pub mod display;
pub mod draw;
pub mod draw_ops;
pub mod error;
pub mod event;
pub mod framing;
pub mod geometry;
pub mod handshake;
pub mod ids;
pub mod message;
pub mod packed;
pub mod reply;
pub mod request;

pub use codec::{decode, encode_frame, encode_frame_head};
pub use display::{ConnectAddress, ParsedDisplay};
pub use draw::{BlendMode, DrawOp, FillRule, FontFace, GradientStop, LineCap, LineJoin, Paint, PathSeg};
pub use draw_ops::DrawOps;
pub use error::{DecodeError, DisplayError, FrameError, HandshakeError};
pub use event::{Button, Event, EventMask, Key, KeyEvent, Modifiers, NamedKey, WheelDelta};
pub use framing::FrameDecoder;
pub use geometry::{Color, Point, Rect, Size};
pub use ids::{ClientId, IdAllocator, IdRange, WindowId};
pub use message::{ErrorCode, RequestError, ServerMessage};
pub use packed::{Packed, Segment, SmallPoint, SmallRect};
pub use reply::{ClientSummary, FontMetrics, Image, Pixels, Reply, ServerInfo, WindowInfo};
pub use request::{Compression, CursorShape, Drawable, ImageSource, InputAction, PixelFormat, Request};

/// The newest protocol version this crate speaks. Bumped whenever the bytes of any message change.
pub const PROTOCOL_VERSION: u16 = 8;
/// The oldest protocol version this crate still speaks.
pub const MIN_PROTOCOL_VERSION: u16 = 4;
/// The largest frame body either side may ever announce (64 MiB). Servers announce their own,
/// usually smaller, limit in the handshake.
pub const MAX_FRAME_LEN: u32 = 64 << 20;
/// The frame limit a server announces unless configured otherwise (16 MiB: a 2048x2048 RGBA image).
pub const DEFAULT_MAX_FRAME_LEN: u32 = 16 << 20;
/// The most ops one draw batch may hold. A batch announcing more does not decode: the count is
/// checked before any op is, so a frame of one-byte ops cannot decode into 48 times its size.
/// Servers may refuse smaller batches (dispd's `--max-batch`) with an error.
pub const MAX_BATCH_OPS: usize = 100_000;
/// The most points, path steps, clip rectangles, dash lengths and gradient stops one message
/// may hold in all. A message announcing more does not decode: each list's count is charged
/// before its elements decode, so a frame of one-byte path steps cannot decode into 28 times its
/// size. Servers may refuse smaller batches with an error.
pub const MAX_BATCH_ELEMENTS: usize = 1_000_000;
/// TCP port of display 0; display N listens on `TCP_PORT_BASE + N`.
///
/// X11 uses 6000–6063 and VNC 5900 and up; dispd stays clear of both.
pub const TCP_PORT_BASE: u16 = 7300;
/// The directory holding one Unix socket per display, unless `DISPD_SOCKET_DIR` says otherwise.
pub const DEFAULT_SOCKET_DIR: &str = "/tmp/.dispd-unix";
/// The send buffer (`SO_SNDBUF`) both ends ask for on a Unix connection: the client for the
/// images it sends, the server for its replies. Linux doubles it, within `net.core.wmem_max`;
/// its default is 208 KiB, in which a 500x500 image (1 MB) took five writes, each a sleep and a
/// wake-up of both ends. Over TCP the kernel sizes the buffers itself.
pub const UNIX_SEND_BUFFER: usize = 1 << 20;
