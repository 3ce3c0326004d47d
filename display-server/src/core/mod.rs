//! The server core: one plain struct that owns all state and applies requests to it.
//!
//! No tokio and no winit here. Sessions hand requests in ([`ServerCore::handle_request`]),
//! backends hand input in ([`ServerCore::handle_backend_event`]); the core queues messages for
//! clients ([`ServerCore::take_output`]) and pushes scene changes to the backend
//! ([`ServerCore::flush`]). Tests drive it without any socket.

mod clients;
mod drawables;
mod input;
mod requests;
mod scene;
mod shm;

pub use clients::ClientInfo;
pub use drawables::OffscreenImage;
pub use scene::{Scene, SceneChange, Window};
pub use shm::{ShmSegment, MAX_SEGMENTS_PER_CLIENT, MAX_UNCLAIMED_FDS};

// Ids are small integers the server hands out: a fast non-cryptographic hash is enough, and
// lookups happen several times per request.
use rustc_hash::FxHashMap as HashMap;
use std::time::Instant;

use dispd_protocol::{ClientId, ErrorCode, Event, ServerMessage, WindowId};

use crate::backend::{Backend, BackendEvent};
use crate::config::Config;
use crate::raster::Fonts;

/// A failed request: the code and a sentence for the client.
type Failure = (ErrorCode, String);

/// All state of a running server.
#[derive(Debug)]
pub struct ServerCore {
    config: Config,
    scene: Scene,
    images: HashMap<u32, OffscreenImage>,
    /// Attached shared-memory segments, by id.
    segments: HashMap<u32, ShmSegment>,
    /// Descriptors clients sent that no `AttachShm` has claimed yet, in order.
    unclaimed_fds: HashMap<ClientId, std::collections::VecDeque<std::os::fd::OwnedFd>>,
    frame_requests: Vec<(ClientId, WindowId)>,
    started: Instant,
    backend: Box<dyn Backend>,
    fonts: Fonts,
    clients: HashMap<ClientId, ClientInfo>,
    slots: clients::Slots,
    next_client: u32,
    input: input::InputState,
    changes: Vec<SceneChange>,
    /// Clients the owner asked to disconnect, with the reason to give them.
    kicked: Vec<(ClientId, String)>,
    /// Where the server listens, for `QueryServerInfo`.
    listening: Vec<String>,
    /// The backend asked for a flush even without new changes (it can present again).
    changes_ready: bool,
    output: Vec<(ClientId, ServerMessage)>,
}

impl ServerCore {
    /// A core showing its screen on `backend`.
    pub fn new(config: Config, backend: Box<dyn Backend>) -> Self {
        let scene = Scene::new(backend.screen_size(), config.background);
        let slots = clients::Slots::new(config.max_clients);
        Self {
            config,
            scene,
            images: HashMap::default(),
            segments: HashMap::default(),
            unclaimed_fds: HashMap::default(),
            frame_requests: Vec::new(),
            started: Instant::now(),
            backend,
            fonts: Fonts::load(),
            clients: HashMap::default(),
            slots,
            next_client: 1,
            input: Default::default(),
            changes: vec![],
            kicked: vec![],
            listening: vec![],
            changes_ready: false,
            output: vec![],
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The windows.
    pub fn scene(&self) -> &Scene {
        &self.scene
    }

    /// Connected clients.
    pub fn clients(&self) -> impl Iterator<Item = &ClientInfo> {
        self.clients.values()
    }

    /// The backend's name.
    pub fn backend_name(&self) -> &'static str {
        self.backend.name()
    }

    /// Records where the server listens, for `QueryServerInfo`.
    pub fn set_listening(&mut self, addresses: Vec<String>) {
        self.listening = addresses;
    }

    /// Clients to disconnect (asked by the display's owner), with the reason to give them.
    pub fn take_kicked(&mut self) -> Vec<(ClientId, String)> {
        std::mem::take(&mut self.kicked)
    }

    /// Messages queued for clients since the last call.
    pub fn take_output(&mut self) -> Vec<(ClientId, ServerMessage)> {
        std::mem::take(&mut self.output)
    }

    /// Shows every scene change since the last call on the backend.
    pub fn flush(&mut self) {
        if !self.changes.is_empty() || std::mem::take(&mut self.changes_ready) {
            let changes = std::mem::take(&mut self.changes);
            self.backend.apply(&self.scene, &changes);
        }
    }

    /// Whether some window waits for a [`Event::FrameDone`].
    pub fn wants_frames(&self) -> bool {
        !self.frame_requests.is_empty()
    }

    /// How often the display refreshes, for pacing frame callbacks.
    pub fn refresh_interval(&self) -> std::time::Duration {
        self.backend.refresh_interval()
    }

    /// Called once per display refresh: windows whose content is on the display get their
    /// [`Event::FrameDone`]. While the backend is still presenting, they wait for the next tick.
    pub fn handle_refresh(&mut self) {
        if self.frame_requests.is_empty() || self.backend.busy() {
            return;
        }
        let msec = self.started.elapsed().as_millis() as u32;
        for (client, window) in std::mem::take(&mut self.frame_requests) {
            if self.scene.get(window).is_some_and(|w| w.owner == client) {
                self.send_event(Event::FrameDone { window, msec });
            }
        }
    }

    /// The off-screen images.
    pub fn images(&self) -> impl Iterator<Item = (&u32, &OffscreenImage)> {
        self.images.iter()
    }

    /// Applies what the user did on the backend's side.
    pub fn handle_backend_event(&mut self, event: BackendEvent) {
        match event {
            BackendEvent::Event(ev) => {
                if let Event::Focus { window, focused } = ev {
                    self.note_backend_focus(window, focused);
                }
                self.send_event(ev)
            }
            BackendEvent::PresentDone => self.changes_ready = true,
            BackendEvent::UserConfigure { window, rect } => {
                // The user's resizing is not refused, but counts against the owner's budget.
                if let Some(w) = self.scene.get(window) {
                    let (owner, old) = (w.owner, w.rect.size().area());
                    if self.charge_pixels(owner, rect.size().area(), old).is_err() {
                        self.refund_pixels(owner, old);
                        if let Some(c) = self.clients.get_mut(&owner) {
                            c.pixels = c.pixels.saturating_add(rect.size().area());
                        }
                    }
                    self.configure(window, rect);
                }
            }
        }
    }

    /// Queues `event` for the owner of its window, if the window exists and its owner selected
    /// the event's kind.
    fn send_event(&mut self, event: Event) {
        if let Some(w) = self.scene.get(event.window()) {
            if w.events.contains(event.kind()) {
                self.output.push((w.owner, ServerMessage::Event(event)));
            }
        }
    }

    /// Destroys a window: pixels freed, screen repainted.
    fn destroy_window(&mut self, id: WindowId) {
        self.input_forget(id);
        if let Some(w) = self.scene.remove(id) {
            if let Some(c) = self.clients.get_mut(&w.owner) {
                c.windows.remove(&id);
            }
            self.refund_pixels(w.owner, w.rect.size().area());
            self.changes.push(SceneChange::Destroyed {
                window: id,
                rect: w.rect,
                was_mapped: w.mapped,
            });
        }
    }
}
