//! Server settings: the screen and the limits on what clients may ask.

use dispd_protocol::{Color, Size};

use crate::auth::AuthPolicy;

/// How long a session polls for a client's next request after a reply, by default
/// (microseconds): a tight loop of queries sends its next one within a few.
pub const DEFAULT_REPLY_SPIN_US: u64 = 50;

/// Everything `run` needs to know besides its listeners and backend.
#[derive(Clone, Debug)]
pub struct Config {
    /// Name reported to clients.
    pub server_name: String,
    /// Colour of the screen where no window is.
    pub background: Color,
    /// Largest frame body accepted from a client, in bytes.
    pub max_frame_len: u32,
    /// Most clients connected at once (at most 2047: each gets a slot of the id space).
    pub max_clients: usize,
    /// Longest side of a window, in pixels.
    pub max_window_side: u32,
    /// Most pixels in one window.
    pub max_window_pixels: u64,
    /// Most windows one client may have.
    pub max_windows_per_client: usize,
    /// Most off-screen images one client may have.
    pub max_images_per_client: usize,
    /// Most ops in one draw batch; a longer one gets an error. Batches over the protocol's
    /// [`dispd_protocol::MAX_BATCH_OPS`] do not decode and end the connection.
    pub max_batch_ops: usize,
    /// Longest window title, in bytes.
    pub max_title_len: usize,
    /// Most pixels one GetImage may read.
    pub max_get_image_pixels: u64,
    /// How long a new connection may take to send its hello, in milliseconds.
    pub handshake_timeout_ms: u64,
    /// Most messages waiting to be sent to one client; a client that lets more pile up is
    /// disconnected.
    pub max_queued_messages: usize,
    /// Whether window titles show which host each window comes from (`--label-windows`).
    pub label_windows: bool,
    /// Whether trusted clients may inject input (`InjectInput`, like XTEST). Off by default.
    pub allow_injection: bool,
    /// Who may connect. The default admits and trusts everyone (as `--no-auth`), which suits
    /// tests and embedding; `dispd` itself starts with a secret.
    pub auth: AuthPolicy,
    /// Most pixels one client's windows, images and shared-memory segments (4 bytes a pixel)
    /// may hold together.
    pub max_pixels_per_client: u64,
    /// A client that sends nothing for this long is disconnected (milliseconds; 0: never).
    pub idle_timeout_ms: u64,
    /// A client whose messages pile up unread for this long is disconnected (milliseconds).
    pub slow_client_timeout_ms: u64,
    /// How long a session keeps its thread awake, polling a client's socket for its next
    /// request, after writing it a reply (microseconds; 0: never; at most 1000). This saves
    /// the client's next request a wake-up of the server; only on machines with more than one
    /// CPU, and backing off for clients that do not ask again in time.
    pub reply_spin_us: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            server_name: "dispd".into(),
            background: Color::rgb(0x2e, 0x34, 0x40),
            max_frame_len: dispd_protocol::DEFAULT_MAX_FRAME_LEN,
            max_clients: 256,
            max_window_side: 8192,
            max_window_pixels: 4096 * 4096,
            max_windows_per_client: 1024,
            max_images_per_client: 1024,
            max_batch_ops: dispd_protocol::MAX_BATCH_OPS,
            max_title_len: 1024,
            max_get_image_pixels: 4096 * 3840,
            handshake_timeout_ms: 10_000,
            max_queued_messages: 8192,
            allow_injection: false,
            label_windows: false,
            auth: AuthPolicy::default(),
            max_pixels_per_client: 64 << 20,
            idle_timeout_ms: 0,
            slow_client_timeout_ms: 5_000,
            reply_spin_us: DEFAULT_REPLY_SPIN_US,
        }
    }
}

impl Config {
    /// The largest screen a backend may have, as limited by the window limits.
    pub fn max_screen(&self) -> Size {
        Size::new(self.max_window_side, self.max_window_side)
    }
}
