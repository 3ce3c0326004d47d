//! Where the screen is shown. The core talks to a [`Backend`] and knows nothing of winit.
//!
//! - [`headless::Headless`]: an in-memory screen, always compiled (CI, scripts, tests).
//! - `winit` (feature `winit`): each mapped window a native window on the local desktop.

pub mod headless;
#[cfg(feature = "winit")]
pub mod winit;

use dispd_protocol::{Event, Rect, Size, WindowId};

use crate::core::{Scene, SceneChange};

/// Shows the scene somewhere.
///
/// The core calls [`Backend::apply`] after each run of requests with every change since the
/// last call, so a backend can present once per run rather than once per request.
pub trait Backend: Send + std::fmt::Debug {
    /// A short name for logs and `QueryServerInfo` (`headless`, `winit`).
    fn name(&self) -> &'static str;

    /// The size of the screen clients see.
    fn screen_size(&self) -> Size;

    /// Shows `changes`, already applied to `scene`.
    fn apply(&mut self, scene: &Scene, changes: &[SceneChange]);

    /// Whether a window manager decides focus (then the core does not focus windows on map).
    fn has_window_manager(&self) -> bool {
        false
    }

    /// Whether pixels are still on their way to the display (frame callbacks then wait).
    fn busy(&self) -> bool {
        false
    }

    /// How often the display refreshes; frame callbacks fire at most this often.
    fn refresh_interval(&self) -> std::time::Duration {
        std::time::Duration::from_micros(16_667)
    }

    /// Reads `rect` of the screen as composed (windows over the background), RGBA bytes.
    fn read_screen(&mut self, scene: &Scene, rect: Rect) -> Vec<u8>;
}

/// What a backend reports from the user's side: input and window-manager actions.
#[derive(Clone, Debug, PartialEq)]
pub enum BackendEvent {
    /// Input or a notice for the owner of the event's window.
    Event(Event),
    /// The user (through a window manager) moved or resized a window to `rect`.
    UserConfigure {
        /// The window.
        window: WindowId,
        /// New position and size.
        rect: Rect,
    },
    /// The backend presented what it was last given and can take more: the core calls
    /// [`Backend::apply`] again even if nothing changed, so held-back damage goes out.
    PresentDone,
}
