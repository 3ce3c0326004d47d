//! Replies to the requests that round-trip.

use serde::{Deserialize, Serialize};

use crate::geometry::{Rect, Size};
use crate::ids::{ClientId, WindowId};
use crate::PixelFormat;

/// The answer to a request that [expects one](crate::Request::expects_reply).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Reply {
    /// Answers [`crate::Request::Sync`].
    Sync,
    /// Answers [`crate::Request::GetImage`].
    Image(Image),
    /// Answers [`crate::Request::QueryServerInfo`].
    ServerInfo(ServerInfo),
    /// Answers [`crate::Request::ListWindows`], bottom to top.
    Windows(Vec<WindowInfo>),
    /// Answers [`crate::Request::QueryFont`].
    Font(FontMetrics),
    /// Answers [`crate::Request::ListClients`].
    Clients(Vec<ClientSummary>),
    /// Answers [`crate::Request::GetImageAs`].
    Pixels(Pixels),
}

/// One connected client as [`crate::Request::ListClients`] reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientSummary {
    /// The client's number.
    pub id: ClientId,
    /// Where it connects from: `local pid P uid U` for a Unix-socket client, `ip:port` for TCP.
    pub peer: String,
    /// Whether it is trusted with the admin view (the display's owner).
    pub trusted: bool,
    /// How many windows it has.
    pub windows: u32,
    /// How many requests it has sent.
    pub requests: u64,
}

/// A face's metrics, in ems: multiply by the pixel size.
///
/// Text is laid out by adding advances: the pen starts at the text's x and moves right by
/// `advance * size` (in `f32`) after each character; a character's glyph is drawn at the pen
/// position rounded to the nearest pixel. A client that adds the same `f32` values in the same
/// order gets the width the server draws.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FontMetrics {
    /// Height above the baseline.
    pub ascent: f32,
    /// Depth below the baseline (positive).
    pub descent: f32,
    /// Extra space between lines.
    pub line_gap: f32,
    /// The advance of each character asked for, in order.
    pub advances: Vec<f32>,
}

/// One window as [`crate::Request::ListWindows`] reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowInfo {
    /// The window.
    pub id: WindowId,
    /// The client that owns it.
    pub owner: ClientId,
    /// Its title.
    pub title: String,
    /// Position on the screen and size.
    pub rect: Rect,
    /// Whether it is shown.
    pub mapped: bool,
}

/// Pixels read back from the server.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height` pixels, row by row, 4 bytes each: red, green, blue, alpha (not
    /// premultiplied; 255 for windows and the screen, the real alpha for off-screen images).
    #[serde(with = "serde_bytes")]
    pub data: Vec<u8>,
}

impl Image {
    /// The pixel at `(x, y)` as `[r, g, b, a]`, or `None` outside the image.
    pub fn pixel(&self, x: u32, y: u32) -> Option<[u8; 4]> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let i = (y as usize * self.width as usize + x as usize) * 4;
        let p = self.data.get(i..i + 4)?;
        Some([p[0], p[1], p[2], p[3]])
    }
}

impl std::fmt::Debug for Image {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Image")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("data", &format_args!("[{} bytes]", self.data.len()))
            .finish()
    }
}

/// Pixels read back in the layout [`crate::Request::GetImageAs`] asked for.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pixels {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The layout of each pixel: the one asked for.
    pub format: PixelFormat,
    /// `width * height` pixels, row by row without padding, `format.bytes_per_pixel()` bytes
    /// each. Windows and the screen are opaque (alpha 255); off-screen images keep their alpha,
    /// premultiplied in [`PixelFormat::Bgra8`] as the server holds it.
    #[serde(with = "serde_bytes")]
    pub data: Vec<u8>,
}

impl Pixels {
    /// The pixel at `(x, y)` as `[r, g, b, a]` (not premultiplied), or `None` outside.
    pub fn rgba(&self, x: u32, y: u32) -> Option<[u8; 4]> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let bpp = self.format.bytes_per_pixel();
        let i = (y as usize * self.width as usize + x as usize) * bpp;
        let p = self.data.get(i..i + bpp)?;
        Some(match self.format {
            PixelFormat::Rgba8 => [p[0], p[1], p[2], p[3]],
            PixelFormat::Rgb8 => [p[0], p[1], p[2], 255],
            PixelFormat::Bgra8 => {
                let a = p[3];
                let straight = |c: u8| match a {
                    0 => 0,
                    a => ((u32::from(c) * 255 + u32::from(a) / 2) / u32::from(a)).min(255) as u8,
                };
                [straight(p[2]), straight(p[1]), straight(p[0]), a]
            }
        })
    }
}

impl std::fmt::Debug for Pixels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pixels")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("format", &self.format)
            .field("data", &format_args!("[{} bytes]", self.data.len()))
            .finish()
    }
}

/// What the server says about itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerInfo {
    /// Server software name, e.g. `dispd`.
    pub name: String,
    /// Server software version.
    pub version: String,
    /// The newest protocol version the server speaks.
    pub protocol_version: u16,
    /// Size of the screen.
    pub screen: Size,
    /// Name of the backend showing the screen (`headless`, `winit`).
    pub backend: String,
    /// Connected clients, this one included.
    pub clients: u32,
    /// Windows that exist, of all clients.
    pub windows: u32,
    /// Where the server listens: Unix socket paths and TCP addresses.
    pub listening: Vec<String>,
}
