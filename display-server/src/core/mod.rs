//! The server core: one plain struct that owns all state and applies requests to it.
//!
//! No tokio and no winit here. Sessions hand requests in ([`ServerCore::handle_request`]),
//! backends hand input in ([`ServerCore::handle_backend_event`]); the core queues messages for
//! clients ([`ServerCore::take_output`]) and pushes scene changes to the backend
//! ([`ServerCore::flush`]). Tests drive it without any socket.

mod clients;
mod input;
mod requests;
mod scene;

pub use clients::ClientInfo;
pub use scene::{Scene, SceneChange, Window};

use std::collections::HashMap;

use dispd_protocol::{ClientId, Event, ServerMessage, WindowId};

use crate::backend::{Backend, BackendEvent};
use crate::config::Config;
use crate::raster::Fonts;

/// All state of a running server.
#[derive(Debug)]
pub struct ServerCore {
    config: Config,
    scene: Scene,
    backend: Box<dyn Backend>,
    fonts: Fonts,
    clients: HashMap<ClientId, ClientInfo>,
    slots: clients::Slots,
    next_client: u32,
    input: input::InputState,
    changes: Vec<SceneChange>,
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
            backend,
            fonts: Fonts::load(),
            clients: HashMap::new(),
            slots,
            next_client: 1,
            input: Default::default(),
            changes: vec![],
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
                if self.scene.get(window).is_some() {
                    self.configure(window, rect);
                }
            }
        }
    }

    /// Queues `event` for the owner of its window, if the window exists.
    fn send_event(&mut self, event: Event) {
        if let Some(w) = self.scene.get(event.window()) {
            self.output.push((w.owner, ServerMessage::Event(event)));
        }
    }

    /// Destroys a window: pixels freed, screen repainted.
    fn destroy_window(&mut self, id: WindowId) {
        self.input_forget(id);
        if let Some(w) = self.scene.remove(id) {
            if let Some(c) = self.clients.get_mut(&w.owner) {
                c.windows.remove(&id);
            }
            self.changes.push(SceneChange::Destroyed {
                window: id,
                rect: w.rect,
                was_mapped: w.mapped,
            });
        }
    }
}
