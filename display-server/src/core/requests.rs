//! Applying requests. Each request either applies whole or fails with an error that changes
//! nothing.

use dispd_protocol::request::PutImageHead;
use dispd_protocol::{
    ClientId, ClientSummary, Color, CursorShape, ErrorCode, Event, EventMask, Image, PixelFormat, Pixels,
    Rect, Reply, Request, RequestError, ServerInfo, ServerMessage, WindowId, WindowInfo,
};

use super::{Failure, SceneChange, ServerCore, Window};
use crate::raster::Framebuffer;

/// Largest ListWindows reply, in bytes (about); windows past it are left out.
const MAX_LIST_BYTES: usize = 16 << 20;
/// Most characters one QueryFont may ask about.
const MAX_FONT_QUERY: usize = 4096;

impl ServerCore {
    /// Applies request number `seq` from `client`, queueing its reply or error.
    pub fn handle_request(&mut self, client: ClientId, seq: u32, request: Request) {
        if self.count_request(client) {
            let result = self.apply(client, request);
            self.respond(client, seq, result);
        }
    }

    /// Handles a `PutImage` whose pixels are borrowed rather than in a [`Request`]: what
    /// [`ServerCore::handle_request`] does with `head.with_data(data.to_vec())`, without the copy.
    pub fn handle_put_image(&mut self, client: ClientId, seq: u32, head: PutImageHead, data: &[u8]) {
        if self.count_request(client) {
            let PutImageHead {
                target,
                rect,
                format,
                compression,
            } = head;
            let result = self.put_image(client, target, rect, format, compression, data);
            self.respond(client, seq, result.map(|()| None));
        }
    }

    /// Counts a request of `client`; false if there is no such client.
    fn count_request(&mut self, client: ClientId) -> bool {
        let Some(info) = self.clients.get_mut(&client) else {
            return false;
        };
        info.requests += 1;
        true
    }

    /// Queues the reply or the error of request `seq`, if it has one.
    fn respond(&mut self, client: ClientId, seq: u32, result: Result<Option<Reply>, Failure>) {
        match result {
            Ok(Some(reply)) => self.output.push((client, ServerMessage::Reply { seq, reply })),
            Ok(None) => {}
            Err((code, message)) => {
                tracing::debug!(client = %client, seq, ?code, %message, "request failed");
                self.output
                    .push((client, ServerMessage::Error(RequestError { seq, code, message })));
            }
        }
    }

    fn apply(&mut self, client: ClientId, request: Request) -> Result<Option<Reply>, Failure> {
        match request {
            Request::CreateWindow {
                window,
                rect,
                background,
            } => {
                self.create_window(client, window, rect, background, EventMask::ALL)?;
            }
            Request::CreateWindowWithEvents {
                window,
                rect,
                background,
                events,
            } => {
                self.create_window(client, window, rect, background, events)?;
            }
            Request::DestroyWindow { window } => {
                self.own_window(client, window)?;
                self.destroy_window(window);
            }
            Request::MapWindow { window } => {
                let w = self.own_window_mut(client, window)?;
                if !w.mapped {
                    w.mapped = true;
                    let rect = Rect::from_size(w.rect.size());
                    self.scene.raise(window);
                    self.changes.push(SceneChange::Mapped(window));
                    self.send_event(Event::Expose { window, rect });
                    if !self.backend.has_window_manager() {
                        self.set_focus(Some(window));
                    }
                }
            }
            Request::UnmapWindow { window } => {
                let w = self.own_window_mut(client, window)?;
                if w.mapped {
                    w.mapped = false;
                    let rect = w.rect;
                    self.changes.push(SceneChange::Unmapped { window, rect });
                    self.input_forget(window);
                }
            }
            Request::ConfigureWindow { window, rect } => {
                let old = self.own_window(client, window)?.rect.size().area();
                self.check_size(rect)?;
                self.charge_pixels(client, rect.size().area(), old)?;
                self.configure(window, rect);
            }
            Request::SetTitle { window, title } => {
                let max = self.config.max_title_len;
                if title.len() > max {
                    return Err((
                        ErrorCode::BadValue,
                        format!("title of {} bytes is over {max}", title.len()),
                    ));
                }
                self.own_window_mut(client, window)?.title = title;
                self.changes.push(SceneChange::Retitled(window));
            }
            Request::Draw { target, ops } => self.draw(client, target, &ops)?,
            Request::AttachShm { segment } => self.attach_shm(client, segment)?,
            Request::PutShmImage {
                target,
                rect,
                format,
                segment,
                offset,
            } => self.put_shm_image(client, target, rect, format, (segment, offset, None))?,
            Request::PutShmSubImage {
                target,
                rect,
                format,
                segment,
                offset,
                stride,
            } => self.put_shm_image(client, target, rect, format, (segment, offset, Some(stride)))?,
            Request::DetachShm { segment } => self.detach_shm(client, segment)?,
            Request::PutImage {
                target,
                rect,
                format,
                compression,
                data,
            } => {
                let put = self.put_image(client, target, rect, format, compression, &data);
                crate::image_buffers::IMAGE_BUFFERS.give_back(data);
                put?;
            }
            Request::GetImage { source, rect } => {
                let data = self.read_image(client, source, rect, PixelFormat::Rgba8)?;
                return Ok(Some(Reply::Image(Image {
                    width: rect.width,
                    height: rect.height,
                    data,
                })));
            }
            Request::GetImageAs { source, rect, format } => {
                let data = self.read_image(client, source, rect, format)?;
                return Ok(Some(Reply::Pixels(Pixels {
                    width: rect.width,
                    height: rect.height,
                    format,
                    data,
                })));
            }
            Request::Sync => return Ok(Some(Reply::Sync)),
            // Sessions count these without passing them on; one that comes here does nothing too.
            Request::NoOperation => {}
            Request::SelectEvents { window, events } => self.own_window_mut(client, window)?.events = events,
            Request::ListClients => {
                let all = self.trusted(client);
                let mut list: Vec<ClientSummary> = self
                    .clients
                    .values()
                    .filter(|c| all || c.id == client)
                    .map(|c| ClientSummary {
                        id: c.id,
                        peer: c.peer.to_string(),
                        trusted: c.trusted,
                        windows: c.windows.len() as u32,
                        requests: c.requests,
                    })
                    .collect();
                list.sort_by_key(|c| c.id);
                return Ok(Some(Reply::Clients(list)));
            }
            Request::KillClient { client: victim } => {
                if !self.trusted(client) {
                    return Err((
                        ErrorCode::BadAccess,
                        "only the display's owner may disconnect clients".into(),
                    ));
                }
                if !self.clients.contains_key(&victim) {
                    return Err((ErrorCode::BadValue, format!("no client {victim} is connected")));
                }
                tracing::warn!(by = %client, victim = %victim, "the display's owner disconnects a client");
                self.kicked
                    .push((victim, "disconnected by the display's owner".into()));
            }
            Request::SetCursor { window, cursor } => {
                self.own_window_mut(client, window)?.cursor = cursor;
                self.changes.push(SceneChange::Cursor(window));
            }
            Request::CreateImage { image, size } => self.create_image(client, image, size)?,
            Request::FreeImage { image } => self.free_image(client, image)?,
            Request::RequestFrame { window } => {
                self.own_window(client, window)?;
                if !self.frame_requests.contains(&(client, window)) {
                    self.frame_requests.push((client, window));
                }
            }
            Request::QueryFont { face, chars } => {
                let n = chars.chars().count();
                if n > MAX_FONT_QUERY {
                    return Err((
                        ErrorCode::BadValue,
                        format!("ask for at most {MAX_FONT_QUERY} characters at once, not {n}"),
                    ));
                }
                return Ok(Some(Reply::Font(self.fonts.metrics(face, &chars))));
            }
            Request::InjectInput(action) => {
                if !self.trusted(client) {
                    return Err((
                        ErrorCode::BadAccess,
                        "only the display's owner may inject input".into(),
                    ));
                }
                if !self.config.allow_injection {
                    return Err((
                        ErrorCode::BadAccess,
                        "input injection is off: start dispd with --allow-injection to allow it".into(),
                    ));
                }
                self.check_injection(&action)?;
                self.inject(action);
            }
            Request::ListWindows => {
                // The admin view lists every window; other clients see their own.
                let all = self.trusted(client);
                let list = self
                    .scene
                    .bottom_to_top()
                    .filter(|w| all || w.owner == client)
                    .scan(0usize, |bytes, w| {
                        // Keep the reply within a frame any client accepts.
                        *bytes += 48 + w.title.len();
                        (*bytes <= MAX_LIST_BYTES).then_some(w)
                    })
                    .map(|w| WindowInfo {
                        id: w.id,
                        owner: w.owner,
                        title: w.title.clone(),
                        rect: w.rect,
                        mapped: w.mapped,
                    })
                    .collect();
                return Ok(Some(Reply::Windows(list)));
            }
            Request::QueryServerInfo => {
                return Ok(Some(Reply::ServerInfo(ServerInfo {
                    name: self.config.server_name.clone(),
                    version: env!("CARGO_PKG_VERSION").into(),
                    protocol_version: dispd_protocol::PROTOCOL_VERSION,
                    screen: self.scene.screen(),
                    backend: self.backend.name().into(),
                    clients: self.clients.len() as u32,
                    windows: self.scene.len() as u32,
                    listening: self.listening.clone(),
                })));
            }
        }
        Ok(None)
    }

    fn create_window(
        &mut self,
        client: ClientId,
        id: WindowId,
        rect: Rect,
        bg: Color,
        events: EventMask,
    ) -> Result<(), Failure> {
        self.check_new_id(client, id.0)?;
        let max = self.config.max_windows_per_client;
        if self.clients[&client].windows.len() >= max {
            return Err((
                ErrorCode::Limit,
                format!("a client may have at most {max} windows"),
            ));
        }
        self.check_size(rect)?;
        self.charge_pixels(client, rect.size().area(), 0)?;
        let bg = Color(bg.0 | 0xff00_0000);
        let fb = Framebuffer::new(rect.size(), bg);
        let window = Window {
            id,
            owner: client,
            rect,
            title: String::new(),
            mapped: false,
            background: bg,
            cursor: CursorShape::Default,
            label: self
                .config
                .label_windows
                .then(|| self.clients[&client].peer.host()),
            events,
            fb,
        };
        self.scene.insert(window);
        if let Some(c) = self.clients.get_mut(&client) {
            c.windows.insert(id);
        }
        self.changes.push(SceneChange::Created(id));
        Ok(())
    }

    /// Moves and resizes a window, telling its owner (a configure, and an expose if it grew).
    pub(super) fn configure(&mut self, window: WindowId, rect: Rect) {
        let Some(w) = self.scene.get_mut(window) else {
            return;
        };
        if w.rect == rect {
            return;
        }
        let old = w.rect;
        let grew = rect.width > old.width || rect.height > old.height;
        w.rect = rect;
        let bg = w.background;
        w.fb.resize(rect.size(), bg);
        let mapped = w.mapped;
        self.changes.push(SceneChange::Configured { window, old });
        self.send_event(Event::Configure { window, rect });
        if grew && mapped {
            self.send_event(Event::Expose {
                window,
                rect: Rect::from_size(rect.size()),
            });
        }
    }

    /// Checks that `id` is in the client's range and names nothing yet.
    pub(super) fn check_new_id(&self, client: ClientId, id: u32) -> Result<(), Failure> {
        if !self.clients[&client].ids.contains(id) {
            return Err((
                ErrorCode::BadId,
                format!("id {id:#x} is outside this client's id range"),
            ));
        }
        if self.scene.get(WindowId(id)).is_some() || self.images.contains_key(&id) {
            return Err((ErrorCode::BadId, format!("id {id:#x} is already in use")));
        }
        Ok(())
    }

    pub(super) fn check_size(&self, rect: Rect) -> Result<(), Failure> {
        let (side, pixels) = (self.config.max_window_side, self.config.max_window_pixels);
        if rect.is_empty() || rect.width > side || rect.height > side || rect.size().area() > pixels {
            return Err((
                ErrorCode::BadValue,
                format!(
                    "window size {}x{} is not allowed: each side 1..={side} and at most {pixels} pixels",
                    rect.width, rect.height
                ),
            ));
        }
        Ok(())
    }

    fn own_window(&self, client: ClientId, id: WindowId) -> Result<&Window, Failure> {
        match self.scene.get(id) {
            Some(w) if w.owner == client => Ok(w),
            _ => Err((
                ErrorCode::BadWindow,
                format!("no window {id} belongs to this client"),
            )),
        }
    }

    fn own_window_mut(&mut self, client: ClientId, id: WindowId) -> Result<&mut Window, Failure> {
        match self.scene.get_mut(id) {
            Some(w) if w.owner == client => Ok(w),
            _ => Err((
                ErrorCode::BadWindow,
                format!("no window {id} belongs to this client"),
            )),
        }
    }
}
