//! The on-screen backend: each mapped client window is one native top-level window on the
//! local desktop (rootless, like Xpra's seamless mode), drawn with softbuffer.
//!
//! winit owns the main thread; the server core runs on tokio threads. The two halves talk
//! through channels:
//! - [`WinitBackend`] (core side, `Send`) turns scene changes into [`Command`]s and wakes the
//!   event loop through an `EventLoopProxy` that carries no data (as winit 0.31 will require);
//! - [`app::App`] (main thread) applies the commands to native windows and sends input back as
//!   [`BackendEvent`]s.
//!
//! Pixels travel as copies of damaged rectangles. At most one batch of pixel updates is in
//! flight: the core holds back further damage, merged per window, until the main thread has
//! presented the last batch (or a window that cannot present has had 100 ms) and says so with
//! [`BackendEvent::PresentDone`]. A client that draws faster than the desktop can show therefore
//! costs memory for one frame, not a backlog, and presents are paced by the display.

mod app;
mod keys;

pub use app::App;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};

use dispd_protocol::{CursorShape, Rect, Size, WindowId};
use tokio::sync::mpsc::UnboundedSender;
use winit::event_loop::{EventLoop, EventLoopProxy};

use super::headless::Headless;
use super::{Backend, BackendEvent};
use crate::core::{Scene, SceneChange};

/// What the main thread is asked to do.
#[derive(Debug)]
pub enum Command {
    /// Show a window (creating the native window on first use) with all of its pixels.
    Show {
        /// The window.
        id: WindowId,
        /// Where and how large.
        rect: Rect,
        /// Its title.
        title: String,
        /// Its pointer shape.
        cursor: CursorShape,
        /// All its pixels, `rect.width * rect.height`.
        pixels: Vec<u32>,
    },
    /// Hide a window.
    Hide(WindowId),
    /// Close a window for good.
    Destroy(WindowId),
    /// Move or resize a window; `pixels` is all of its content at the new size.
    Configure {
        /// The window.
        id: WindowId,
        /// New position and size.
        rect: Rect,
        /// All its pixels at the new size.
        pixels: Vec<u32>,
    },
    /// Set a window's title.
    Title(WindowId, String),
    /// Set a window's pointer shape.
    Cursor(WindowId, CursorShape),
    /// New pixels for `area` (window coordinates) of a window, row by row.
    Pixels {
        /// The window.
        id: WindowId,
        /// The area they cover.
        area: Rect,
        /// `area.width * area.height` pixels.
        pixels: Vec<u32>,
    },
    /// The server has stopped: close everything and leave the event loop.
    Exit,
}

/// Creates the event loop, or says in one line why the desktop cannot be reached.
pub fn create_event_loop() -> Result<EventLoop<()>, String> {
    EventLoop::new().map_err(|e| {
        // winit's message starts with the source location of the failure: keep the sentence.
        let full = e.to_string();
        let reason = full
            .split_once(".rs:")
            .and_then(|(_, rest)| rest.split_once(": "))
            .map_or(full.as_str(), |(_, sentence)| sentence)
            .trim_end_matches(['.', ')']);
        format!("cannot open a window on this desktop ({reason}); to run without a desktop, use `dispd --headless`")
    })
}

/// The core's side of the on-screen backend.
#[derive(Debug)]
pub struct WinitBackend {
    commands: mpsc::Sender<Command>,
    wake: EventLoopProxy<()>,
    in_flight: Arc<AtomicBool>,
    /// Damage held back while a batch is in flight, per window (window coordinates).
    held: HashMap<WindowId, Rect>,
    /// Composes the virtual screen for screenshots.
    screen: Headless,
}

/// The pieces of a backend made before the screen size is known (winit reports monitors only
/// once its loop runs): turn them into the backend with [`Parts::into_backend`].
#[derive(Debug)]
pub struct Parts {
    commands: mpsc::Sender<Command>,
    wake: EventLoopProxy<()>,
    in_flight: Arc<AtomicBool>,
    events: tokio::sync::mpsc::UnboundedReceiver<BackendEvent>,
}

/// Connects a new backend to `event_loop`: the main-thread side ([`App`]), and the parts of
/// the core side.
pub fn new(event_loop: &EventLoop<()>) -> (App, Parts) {
    let (commands, command_rx) = mpsc::channel();
    let (events_tx, events) = tokio::sync::mpsc::unbounded_channel();
    let in_flight = Arc::new(AtomicBool::new(false));
    let parts = Parts {
        commands,
        wake: event_loop.create_proxy(),
        in_flight: in_flight.clone(),
        events,
    };
    (App::new(command_rx, events_tx, in_flight), parts)
}

impl Parts {
    /// The core side of the backend for a screen of `screen`, and the receiver of input for
    /// `display_server::run`.
    pub fn into_backend(
        self,
        screen: Size,
    ) -> (WinitBackend, tokio::sync::mpsc::UnboundedReceiver<BackendEvent>) {
        let backend = WinitBackend {
            commands: self.commands,
            wake: self.wake,
            in_flight: self.in_flight,
            held: HashMap::new(),
            screen: Headless::new(screen),
        };
        (backend, self.events)
    }
}

impl WinitBackend {
    fn send(&self, command: Command) {
        // Fails only once the event loop has gone, when nothing is left to show.
        let _ = self.commands.send(command);
    }

    fn all_pixels(scene: &Scene, id: WindowId) -> Option<(Rect, Vec<u32>)> {
        let w = scene.get(id)?;
        Some((w.rect, w.fb.pixels().to_vec()))
    }

    /// Sends held damage if no batch is in flight.
    fn send_held(&mut self, scene: &Scene) -> bool {
        if self.held.is_empty() || self.in_flight.load(Ordering::Acquire) {
            return false;
        }
        let mut sent = false;
        for (id, area) in self.held.drain() {
            let Some(w) = scene.get(id).filter(|w| w.mapped) else {
                continue;
            };
            let Some(area) = area.intersect(&w.fb.bounds()) else {
                continue;
            };
            let mut pixels = Vec::with_capacity(area.width as usize * area.height as usize);
            for y in area.y as u32..area.y as u32 + area.height {
                pixels
                    .extend_from_slice(&w.fb.row(y)[area.x as usize..area.x as usize + area.width as usize]);
            }
            let _ = self.commands.send(Command::Pixels { id, area, pixels });
            sent = true;
        }
        if sent {
            self.in_flight.store(true, Ordering::Release);
        }
        sent
    }
}

impl Backend for WinitBackend {
    fn name(&self) -> &'static str {
        "winit"
    }

    fn screen_size(&self) -> Size {
        self.screen.screen_size()
    }

    fn has_window_manager(&self) -> bool {
        true
    }

    fn busy(&self) -> bool {
        self.in_flight.load(Ordering::Acquire) || !self.held.is_empty()
    }

    fn apply(&mut self, scene: &Scene, changes: &[SceneChange]) {
        self.screen.apply(scene, changes);
        let mut woke = false;
        for change in changes {
            woke = true;
            match change {
                SceneChange::Created(_) => woke = false,
                SceneChange::Mapped(id) => {
                    self.held.remove(id);
                    if let Some(w) = scene.get(*id) {
                        let pixels = w.fb.pixels().to_vec();
                        let (rect, title, cursor) = (w.rect, w.shown_title(), w.cursor);
                        self.send(Command::Show {
                            id: *id,
                            rect,
                            title,
                            cursor,
                            pixels,
                        });
                    }
                }
                SceneChange::Unmapped { window, .. } => self.send(Command::Hide(*window)),
                SceneChange::Destroyed { window, .. } => {
                    self.held.remove(window);
                    self.send(Command::Destroy(*window));
                }
                SceneChange::Configured { window, .. } => {
                    self.held.remove(window);
                    if let Some((rect, pixels)) = Self::all_pixels(scene, *window) {
                        self.send(Command::Configure {
                            id: *window,
                            rect,
                            pixels,
                        });
                    }
                }
                SceneChange::Retitled(id) => {
                    if let Some(w) = scene.get(*id) {
                        self.send(Command::Title(*id, w.shown_title()));
                    }
                }
                SceneChange::Cursor(id) => {
                    if let Some(w) = scene.get(*id) {
                        self.send(Command::Cursor(*id, w.cursor));
                    }
                }
                SceneChange::Drawn { window, area } => {
                    woke = false;
                    if scene.get(*window).is_some_and(|w| w.mapped) {
                        let merged = self.held.get(window).map_or(*area, |held| held.union(area));
                        self.held.insert(*window, merged);
                    }
                }
            }
        }
        if self.send_held(scene) || woke {
            let _ = self.wake.send_event(());
        }
    }

    fn read_screen(&mut self, scene: &Scene, rect: Rect) -> Vec<u8> {
        self.screen.read_screen(scene, rect)
    }
}

impl Drop for WinitBackend {
    fn drop(&mut self) {
        self.send(Command::Exit);
        let _ = self.wake.send_event(());
    }
}

/// The sender half the main thread uses for input, re-exported for `App`.
pub(crate) type EventSender = UnboundedSender<BackendEvent>;
