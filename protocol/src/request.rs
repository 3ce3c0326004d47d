//! Requests: everything a client can ask of the server.
//!
//! Requests are asynchronous. Only those for which [`Request::expects_reply`] is true
//! produce a [`crate::Reply`]; any request may produce a [`crate::RequestError`]. Both name the
//! request by its sequence number: the first request after the handshake is number 1, the next 2,
//! and so on (wrapping at `u32::MAX`).
//!
//! New variants are only ever added at the end of an enum: postcard encodes the variant's
//! position.

use serde::{Deserialize, Serialize};

pub use crate::draw::{DrawOp, FontFace};
pub use crate::draw_ops::DrawOps;
use crate::event::EventMask;
use crate::geometry::{Color, Rect};
use crate::ids::WindowId;

/// A request from a client.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Request {
    /// Create an unmapped top-level window. The id comes from the client's range.
    CreateWindow {
        /// The new window's id.
        window: WindowId,
        /// Position on the screen and size.
        rect: Rect,
        /// Colour of new or exposed areas.
        background: Color,
    },
    /// Destroy a window and free its pixels.
    DestroyWindow {
        /// The window.
        window: WindowId,
    },
    /// Show a window, above all others. The client receives an expose event for all of it.
    MapWindow {
        /// The window.
        window: WindowId,
    },
    /// Hide a window; its content is kept.
    UnmapWindow {
        /// The window.
        window: WindowId,
    },
    /// Move and resize a window. Content is kept at the top-left; new areas get the background.
    ConfigureWindow {
        /// The window.
        window: WindowId,
        /// New position and size.
        rect: Rect,
    },
    /// Set the title shown by a window manager.
    SetTitle {
        /// The window.
        window: WindowId,
        /// The title, UTF-8.
        title: String,
    },
    /// A batch of drawing ops on one drawable, applied as a whole: one frame of drawing.
    Draw {
        /// Where to draw.
        target: Drawable,
        /// The ops, in order. See [`DrawOp`] for the drawing state they share. At most
        /// [`crate::MAX_BATCH_OPS`]: a longer batch does not decode.
        #[serde(deserialize_with = "crate::bounded::ops")]
        ops: DrawOps,
    },
    /// Replace a rectangle of pixels.
    PutImage {
        /// Where to put the pixels.
        target: Drawable,
        /// Where the image goes, and its size.
        rect: Rect,
        /// How `data` lays out each pixel.
        format: PixelFormat,
        /// How `data` is compressed.
        compression: Compression,
        /// `rect.width * rect.height` pixels, row by row, in `format`, then compressed. Pixels
        /// replace what was there (no blending); windows are opaque, so their alpha is dropped.
        #[serde(with = "serde_bytes")]
        data: Vec<u8>,
    },
    /// Read back pixels. Answered by [`crate::Reply::Image`].
    GetImage {
        /// What to read.
        source: ImageSource,
        /// The area, in the source's coordinates; it must lie inside the source (BadValue otherwise).
        rect: Rect,
    },
    /// Do nothing but answer with [`crate::Reply::Sync`]: once it arrives, every earlier request
    /// has been applied.
    Sync,
    /// Ask for [`crate::Reply::ServerInfo`].
    QueryServerInfo,
    /// List windows: id, owner, title, geometry, mapped. Answered by [`crate::Reply::Windows`].
    /// The display's owner gets every window of every client (the deliberate admin view, for
    /// `displs` and `dispshot --window`); other clients get their own windows only.
    ListWindows,
    /// Set the pointer's shape over a window.
    SetCursor {
        /// The window.
        window: WindowId,
        /// The shape.
        cursor: CursorShape,
    },
    /// Inject input as if the user had produced it (like X's XTEST), for tests and automation.
    /// Refused with [`crate::ErrorCode::BadAccess`] unless the server was started with
    /// `--allow-injection`. Keys go to the focused window; pointer positions are screen
    /// coordinates and go to the window under the pointer.
    InjectInput(InputAction),
    /// Create an off-screen image (like an X pixmap), transparent black, from the client's id range.
    CreateImage {
        /// The new image's id.
        image: Drawable,
        /// Its size.
        size: crate::geometry::Size,
    },
    /// Free an off-screen image.
    FreeImage {
        /// The image.
        image: Drawable,
    },
    /// Ask for one [`crate::Event::FrameDone`] for this window, sent once the window's content so
    /// far is on the display (at the display's pace): an animation draws its next frame then.
    RequestFrame {
        /// The window.
        window: WindowId,
    },
    /// Ask for the metrics of a font face: answered by [`crate::Reply::Font`]. Clients cache the
    /// answer and measure text themselves, with no round trip per string.
    QueryFont {
        /// The face.
        face: FontFace,
        /// The characters whose advances are wanted (at most 4096).
        chars: String,
    },
    /// List the connected clients: answered by [`crate::Reply::Clients`]. The display's owner
    /// sees every client; others see only themselves.
    ListClients,
    /// Disconnect a client (the display's owner only), e.g. a misbehaving one in a class.
    KillClient {
        /// The client, as [`crate::Reply::Clients`] numbers it.
        client: crate::ids::ClientId,
    },
    /// Attach a shared-memory segment (like X's MIT-SHM): a memfd the client created, sent with
    /// this request as a file descriptor (`SCM_RIGHTS`) over the Unix socket, so that
    /// [`Request::PutShmImage`] can name pixels in it instead of carrying them. As with X's
    /// descriptor-passing requests, each `AttachShm` takes the oldest descriptor received from
    /// the client that no earlier `AttachShm` took (so send each with its own request). Refused
    /// with BadValue when there is none (always over TCP), when it is not a memfd of plain
    /// shared memory (no huge pages) sealed against shrinking, or when it is empty, and with
    /// Limit when it does not fit the client's pixel budget (a segment counts as its windows
    /// and images do, 4 bytes a pixel). The server maps it read-only.
    AttachShm {
        /// The segment's id, from the client's range (shared with windows and images).
        segment: u32,
    },
    /// Like [`Request::PutImage`], with the pixels read from an attached segment:
    /// `rect.width * rect.height` pixels in `format`, row by row without padding, starting
    /// `offset` bytes into the segment. The server reads them while applying the request; the
    /// client must not change them until a later round trip (a `Sync`) has come back.
    PutShmImage {
        /// Where to put the pixels.
        target: Drawable,
        /// Where the image goes, and its size.
        rect: Rect,
        /// How the segment lays out each pixel.
        format: PixelFormat,
        /// The segment.
        segment: u32,
        /// Where in the segment the first pixel is, in bytes.
        offset: u64,
    },
    /// Detach a segment: the server closes its descriptor.
    DetachShm {
        /// The segment.
        segment: u32,
    },
    /// Nothing: X's `NoOperation`. It takes a sequence number and is never answered and never
    /// fails; it shows the server the client is alive (see the idle timeout) and can pad.
    NoOperation,
    /// Choose which events the server sends about a window, as X's `SelectInput`. A new window
    /// gets every event ([`EventMask::ALL`]); a client that does not want, say, the focus
    /// events of a window it maps saves the server and the wire their cost. What the events
    /// would report still happens (the window still takes the focus).
    SelectEvents {
        /// The window.
        window: WindowId,
        /// The events to send from now on.
        events: EventMask,
    },
    /// Read back pixels in a format of the client's choosing, as X's `GetImage` answers in the
    /// server's own layout. [`PixelFormat::Bgra8`] is how the server keeps pixels, so from a
    /// window or an image its reply is a plain copy of the rows, the fastest (the screen is
    /// composed as RGBA and converted); [`Request::GetImage`] is this request with
    /// [`PixelFormat::Rgba8`], answered in another reply. Answered by [`crate::Reply::Pixels`].
    GetImageAs {
        /// What to read.
        source: ImageSource,
        /// The area, in the source's coordinates; it must lie inside the source (BadValue otherwise).
        rect: Rect,
        /// The layout of the pixels in the reply.
        format: PixelFormat,
    },
    /// [`Request::PutShmImage`] of a part of a bigger image in the segment, as X's
    /// `ShmPutImage` takes one with its total width: `rect.height` rows of `rect.width` pixels,
    /// the first at byte `offset`, each row `stride` bytes after the last (at least a row's
    /// bytes). A client that keeps a whole window's pixels in a segment puts just the part
    /// that changed (since protocol 7).
    PutShmSubImage {
        /// Where to put the pixels.
        target: Drawable,
        /// Where the image goes, and its size.
        rect: Rect,
        /// How the segment lays out each pixel.
        format: PixelFormat,
        /// The segment.
        segment: u32,
        /// Where in the segment the first pixel is, in bytes.
        offset: u64,
        /// Bytes from the start of one row to the start of the next.
        stride: u32,
    },
    /// Create an unmapped top-level window, as [`Request::CreateWindow`], that sends only the
    /// events in `events` from the start, as X's `CreateWindow` takes an event mask: what
    /// `CreateWindow` and then [`Request::SelectEvents`] do, in one request (since protocol 8).
    CreateWindowWithEvents {
        /// The new window's id.
        window: WindowId,
        /// Position on the screen and size.
        rect: Rect,
        /// Colour of new or exposed areas.
        background: Color,
        /// The events to send about it.
        events: EventMask,
    },
}

/// How the bytes of [`Request::PutImage`] describe a pixel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PixelFormat {
    /// 4 bytes: red, green, blue, alpha (not premultiplied).
    Rgba8,
    /// 3 bytes: red, green, blue; opaque.
    Rgb8,
    /// 4 bytes: blue, green, red, alpha, premultiplied by alpha: the server's own layout (a
    /// little-endian `0xAARRGGBB` word, X's 32-bit ZPixmap), copied without conversion, the
    /// fastest to put. Into a window the alpha byte is ignored.
    Bgra8,
}

impl PixelFormat {
    /// Bytes per pixel.
    pub fn bytes_per_pixel(self) -> usize {
        match self {
            PixelFormat::Rgba8 | PixelFormat::Bgra8 => 4,
            PixelFormat::Rgb8 => 3,
        }
    }
}

/// How the bytes of [`Request::PutImage`] are compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Compression {
    /// Raw bytes.
    None,
    /// LZ4 block format (as `lz4_flex::block` writes it), without a size prefix: the size is
    /// known from the rectangle and format. Data that does not decompress to exactly that size
    /// is refused.
    Lz4,
}

/// Pointer shapes from the standard set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CursorShape {
    /// The usual arrow.
    Default,
    /// A text caret (I-beam).
    Text,
    /// A pointing hand, for links and buttons.
    Pointer,
    /// A crosshair.
    Crosshair,
    /// Four arrows: something can be moved.
    Move,
    /// A resize arrow (both directions, horizontal).
    ResizeHorizontal,
    /// A resize arrow (both directions, vertical).
    ResizeVertical,
    /// Busy.
    Wait,
    /// The action is not allowed.
    NotAllowed,
    /// No pointer shown.
    Hidden,
}

/// One injected input action (see [`Request::InjectInput`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum InputAction {
    /// A key press or release, delivered to the focused window.
    Key {
        /// Pressed (true) or released (false).
        pressed: bool,
        /// Physical key code (0 if unknown).
        code: u32,
        /// The logical key.
        key: crate::event::Key,
        /// Text the key produces.
        text: Option<String>,
        /// Modifiers held.
        modifiers: crate::event::Modifiers,
    },
    /// Move the pointer to a screen position.
    PointerMove {
        /// Screen x.
        x: i32,
        /// Screen y.
        y: i32,
    },
    /// Press or release a pointer button where the pointer is. A press focuses the window.
    Button {
        /// Which button.
        button: crate::event::Button,
        /// Pressed (true) or released (false).
        pressed: bool,
    },
    /// Turn the wheel where the pointer is.
    Wheel {
        /// How far.
        delta: crate::event::WheelDelta,
    },
    /// Text committed by an input method (a composed phrase), delivered to the focused window
    /// as [`crate::Event::TextInput`]. At most 4096 bytes.
    Text {
        /// The text.
        text: String,
    },
    /// The user asks to close a window, as with a window manager's close button: its owner
    /// gets [`crate::Event::CloseRequested`] and decides what to do.
    Close {
        /// The window.
        window: WindowId,
    },
}

/// The whole encoded body of [`Request::NoOperation`]: its variant index.
const NO_OPERATION_BODY: [u8; 1] = [23];
/// The variant index of [`Request::PutImage`].
const PUT_IMAGE_TAG: u8 = 7;

/// A [`Request::PutImage`] without its data: what [`Request::put_image_head`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub struct PutImageHead {
    /// Where the pixels go.
    pub target: Drawable,
    /// Where the image goes, and its size.
    pub rect: Rect,
    /// How the data lays out each pixel.
    pub format: PixelFormat,
    /// How the data is compressed.
    pub compression: Compression,
}

impl PutImageHead {
    /// The request, with its data.
    pub fn with_data(self, data: Vec<u8>) -> Request {
        Request::PutImage {
            target: self.target,
            rect: self.rect,
            format: self.format,
            compression: self.compression,
            data,
        }
    }
}

/// Reads one postcard varint of at most 5 bytes (a `u32`'s, though the fifth byte is not
/// checked for bits past 32) from the front of `bytes`.
fn take_varint(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let mut value = 0u64;
    for (i, b) in bytes.iter().take(5).enumerate() {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, &bytes[i + 1..]));
        }
    }
    None
}

impl Request {
    /// Whether a frame body is [`Request::NoOperation`], without decoding it (a server can count
    /// no-ops at the cost of a comparison).
    pub fn is_no_operation(body: &[u8]) -> bool {
        body == NO_OPERATION_BODY
    }

    /// When the first bytes of a frame body are a [`Request::PutImage`], everything but its
    /// data: the head, how many bytes of the body it takes (the data follows them), and the
    /// length of the data, which is the rest of the body. A server can read a large image's
    /// pixels from the stream straight into their own buffer, without a copy through its frame
    /// buffer. `None` for anything else, or when the head is not all there yet.
    pub fn put_image_head(body: &[u8]) -> Option<(PutImageHead, usize, usize)> {
        let rest = body.strip_prefix(&[PUT_IMAGE_TAG])?;
        let (head, rest) = postcard::take_from_bytes::<PutImageHead>(rest).ok()?;
        let (len, rest) = take_varint(rest)?;
        Some((head, body.len() - rest.len(), usize::try_from(len).ok()?))
    }

    /// Whether the server answers this request with a reply.
    pub fn expects_reply(&self) -> bool {
        matches!(
            self,
            Request::GetImage { .. }
                | Request::GetImageAs { .. }
                | Request::Sync
                | Request::QueryServerInfo
                | Request::ListWindows
                | Request::QueryFont { .. }
                | Request::ListClients
        )
    }

    /// A short name for logs and traces.
    pub fn name(&self) -> &'static str {
        match self {
            Request::CreateWindow { .. } => "CreateWindow",
            Request::DestroyWindow { .. } => "DestroyWindow",
            Request::MapWindow { .. } => "MapWindow",
            Request::UnmapWindow { .. } => "UnmapWindow",
            Request::ConfigureWindow { .. } => "ConfigureWindow",
            Request::SetTitle { .. } => "SetTitle",
            Request::Draw { .. } => "Draw",
            Request::PutImage { .. } => "PutImage",
            Request::GetImage { .. } => "GetImage",
            Request::Sync => "Sync",
            Request::QueryServerInfo => "QueryServerInfo",
            Request::ListWindows => "ListWindows",
            Request::SetCursor { .. } => "SetCursor",
            Request::InjectInput(_) => "InjectInput",
            Request::CreateImage { .. } => "CreateImage",
            Request::FreeImage { .. } => "FreeImage",
            Request::RequestFrame { .. } => "RequestFrame",
            Request::QueryFont { .. } => "QueryFont",
            Request::ListClients => "ListClients",
            Request::KillClient { .. } => "KillClient",
            Request::AttachShm { .. } => "AttachShm",
            Request::PutShmImage { .. } => "PutShmImage",
            Request::DetachShm { .. } => "DetachShm",
            Request::NoOperation => "NoOperation",
            Request::SelectEvents { .. } => "SelectEvents",
            Request::GetImageAs { .. } => "GetImageAs",
            Request::PutShmSubImage { .. } => "PutShmSubImage",
            Request::CreateWindowWithEvents { .. } => "CreateWindowWithEvents",
        }
    }
}

/// Something that can be drawn into: a window or an off-screen image, which share the client's id space.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Drawable(pub u32);

impl std::fmt::Debug for Drawable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Drawable({:#x})", self.0)
    }
}

impl From<WindowId> for Drawable {
    fn from(w: WindowId) -> Self {
        Drawable(w.0)
    }
}

/// What [`Request::GetImage`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImageSource {
    /// The whole screen as composed: mapped windows over the background.
    Screen,
    /// One of the client's own drawables, whether mapped or not.
    Drawable(Drawable),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::encode_body;

    #[test]
    fn the_head_of_a_put_image_is_read_without_its_data() {
        let put = Request::PutImage {
            target: Drawable(0x20_0001),
            rect: Rect::new(-3, 4, 500, 2),
            format: PixelFormat::Bgra8,
            compression: Compression::None,
            data: vec![9; 4000],
        };
        let body = encode_body(&put);
        let (head, head_len, data_len) = Request::put_image_head(&body).expect("a head");
        assert_eq!((head_len + data_len, data_len), (body.len(), 4000));
        assert_eq!(head.with_data(body[head_len..].to_vec()), put);
        // Enough bytes for the head alone will do; fewer will not.
        assert_eq!(
            Request::put_image_head(&body[..head_len]),
            Some((head, head_len, data_len))
        );
        assert_eq!(Request::put_image_head(&body[..head_len - 1]), None);
        assert_eq!(Request::put_image_head(&encode_body(&Request::Sync)), None);
        assert_eq!(Request::put_image_head(&[]), None);
    }
}
