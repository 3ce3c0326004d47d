//! [`Display`]: one connection to a display server.

use std::collections::{HashMap, VecDeque};
use std::io::{ErrorKind, Read, Write};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use dispd_protocol::handshake::Setup;
use dispd_protocol::request::ImageSource;
use dispd_protocol::{
    ClientId, ClientSummary, Color, Compression, CursorShape, Drawable, Event, EventMask, FontFace,
    FrameDecoder, IdAllocator, Image, InputAction, PixelFormat, Pixels, Rect, Reply, Request, ServerInfo,
    ServerMessage, Size, WindowId, WindowInfo,
};

use crate::connect::{self, ConnectOptions, Socket};
use crate::error::ClientError;
use crate::painter::Painter;
use crate::reply_spin::{self, ReplySpin};

/// Buffered request bytes that trigger a write even before [`Display::flush`].
const AUTO_FLUSH: usize = 256 * 1024;

/// Something the server sent that the caller has not taken yet.
#[derive(Debug)]
enum Incoming {
    Event(Event),
    Error(dispd_protocol::RequestError),
}

/// A connection to a display server.
///
/// Requests are numbered from 1 in the order they are made; errors name that number.
#[derive(Debug)]
pub struct Display {
    pub(crate) socket: Socket,
    setup: Setup,
    out: Vec<u8>,
    decoder: FrameDecoder,
    pub(crate) seq: u32,
    pub(crate) ids: IdAllocator,
    incoming: VecDeque<Incoming>,
    closed: Option<Option<String>>,
    reply_timeout: Option<Duration>,
    fonts: FontCache,
    /// Bytes of requests written to the socket since the handshake.
    sent: u64,
    /// Bytes read from the socket since the handshake's answer.
    received: u64,
    /// The socket's read timeout as last set (none after the handshake), so that setting it
    /// again unchanged costs no system call.
    socket_timeout: Option<Duration>,
    /// How long a wait for a reply polls before it blocks, and whether that pays now.
    reply_spin: ReplySpin,
}

/// Font metrics learnt from the server, per face.
#[derive(Debug, Default)]
struct FontCache {
    advances: HashMap<(FontFace, char), f32>,
    lines: HashMap<FontFace, (f32, f32)>,
}

impl Display {
    /// Connects to the display named by `DISPD_DISPLAY`, or else `DISPLAY`.
    pub fn open() -> Result<Self, ClientError> {
        Self::connect(&ConnectOptions::default())
    }

    /// Connects to the display `name` (`:0`, `host:0`, `tcp/[::1]:2` ...).
    pub fn open_name(name: &str) -> Result<Self, ClientError> {
        Self::connect(&ConnectOptions {
            display: Some(name.into()),
            ..Default::default()
        })
    }

    /// Connects as `opts` says.
    pub fn connect(opts: &ConnectOptions) -> Result<Self, ClientError> {
        let spin = match opts.reply_spin {
            Some(limit) => limit,
            None => reply_spin::limit_from_env()?.unwrap_or(reply_spin::DEFAULT_REPLY_SPIN),
        };
        let (socket, setup, leftover) = connect::connect(opts)?;
        let mut decoder = FrameDecoder::new(dispd_protocol::MAX_FRAME_LEN);
        decoder.push(&leftover);
        Ok(Self {
            socket,
            ids: IdAllocator::new(setup.ids),
            setup,
            out: Vec::with_capacity(64 * 1024),
            decoder,
            seq: 0,
            incoming: VecDeque::new(),
            closed: None,
            reply_timeout: None,
            fonts: FontCache::default(),
            sent: 0,
            received: leftover.len() as u64,
            socket_timeout: None,
            reply_spin: ReplySpin::new(spin),
        })
    }

    /// Bytes of requests written to the server since the handshake (what is still queued, not
    /// flushed, is not counted), as [`dispd_protocol::encode_frame`] frames them.
    pub fn bytes_sent(&self) -> u64 {
        self.sent
    }

    /// Bytes of replies, events and errors read from the server since the handshake.
    pub fn bytes_received(&self) -> u64 {
        self.received
    }

    /// Counts `n` bytes written to the socket.
    pub(crate) fn count_sent(&mut self, n: usize) {
        self.sent += n as u64;
    }

    /// What the server said at the handshake: its name, the screen size, the id range.
    pub fn setup(&self) -> &Setup {
        &self.setup
    }

    /// The sequence number of the last request made.
    pub fn last_seq(&self) -> u32 {
        self.seq
    }

    /// Queues a request and returns its sequence number. Nothing is sent before
    /// [`Display::flush`] unless the buffer is large.
    pub fn send(&mut self, request: &Request) -> u32 {
        self.seq = self.seq.wrapping_add(1);
        dispd_protocol::encode_frame(request, &mut self.out);
        if self.out.len() >= AUTO_FLUSH {
            // An error here resurfaces on the next flush or read.
            let _ = self.flush();
        }
        self.seq
    }

    /// Sends every queued request.
    pub fn flush(&mut self) -> Result<(), ClientError> {
        if self.out.is_empty() {
            return Ok(());
        }
        let result = self.socket.write_all(&self.out);
        if result.is_ok() {
            self.count_sent(self.out.len());
        }
        self.out.clear();
        result.map_err(|e| self.io_error(e))
    }

    /// A new window, unmapped. Map it with [`Display::map_window`].
    pub fn create_window(&mut self, rect: Rect, background: Color) -> Result<WindowId, ClientError> {
        let window = WindowId(self.ids.allocate().ok_or(ClientError::OutOfIds)?);
        self.send(&Request::CreateWindow {
            window,
            rect,
            background,
        });
        Ok(window)
    }

    /// A new window, unmapped, that sends only `events` (as [`Display::create_window`] followed
    /// by [`Display::select_events`], in one request, as X's `CreateWindow` with an event mask).
    pub fn create_window_with_events(
        &mut self,
        rect: Rect,
        background: Color,
        events: EventMask,
    ) -> Result<WindowId, ClientError> {
        let window = WindowId(self.ids.allocate().ok_or(ClientError::OutOfIds)?);
        self.send(&Request::CreateWindowWithEvents {
            window,
            rect,
            background,
            events,
        });
        Ok(window)
    }

    /// Destroys a window; its id may be reused.
    pub fn destroy_window(&mut self, window: WindowId) {
        self.send(&Request::DestroyWindow { window });
        self.ids.free(window.0);
    }

    /// Shows a window; an [`Event::Expose`] follows.
    pub fn map_window(&mut self, window: WindowId) {
        self.send(&Request::MapWindow { window });
    }

    /// Hides a window.
    pub fn unmap_window(&mut self, window: WindowId) {
        self.send(&Request::UnmapWindow { window });
    }

    /// Moves and resizes a window.
    pub fn configure_window(&mut self, window: WindowId, rect: Rect) {
        self.send(&Request::ConfigureWindow { window, rect });
    }

    /// Chooses which events the server sends about `window` (every kind until this is called),
    /// as X's `SelectInput`: `EventMask::NONE` for a window whose events nobody reads.
    pub fn select_events(&mut self, window: WindowId, events: EventMask) {
        self.send(&Request::SelectEvents { window, events });
    }

    /// Sets a window's title.
    pub fn set_title(&mut self, window: WindowId, title: &str) {
        self.send(&Request::SetTitle {
            window,
            title: title.into(),
        });
    }

    /// Sets the pointer's shape over a window.
    pub fn set_cursor(&mut self, window: WindowId, cursor: CursorShape) {
        self.send(&Request::SetCursor { window, cursor });
    }

    /// Injects input as if the user had produced it (like XTEST). The server refuses it with
    /// [`crate::ErrorCode::BadAccess`] unless it runs with `--allow-injection`.
    pub fn inject_input(&mut self, action: InputAction) {
        self.send(&Request::InjectInput(action));
    }

    /// Starts a draw batch on `target`; it is queued when the painter is finished or dropped.
    pub fn draw(&mut self, target: impl Into<Drawable>) -> Painter<'_> {
        Painter::new(self, target.into())
    }

    /// Replaces pixels of `target` at `rect` with RGBA bytes (`rect.width * rect.height * 4`).
    pub fn put_image(&mut self, target: impl Into<Drawable>, rect: Rect, rgba: Vec<u8>) {
        self.put_image_as(target, rect, PixelFormat::Rgba8, false, rgba);
    }

    /// Replaces pixels of `target` at `rect` with `data` in `format`, LZ4-compressed on the wire
    /// when `compress` is set (worth it for images with flat areas, such as pictures of GUIs).
    pub fn put_image_as(
        &mut self,
        target: impl Into<Drawable>,
        rect: Rect,
        format: PixelFormat,
        compress: bool,
        data: Vec<u8>,
    ) {
        let (compression, data) = if compress {
            (Compression::Lz4, lz4_flex::block::compress(&data))
        } else {
            (Compression::None, data)
        };
        self.send(&Request::PutImage {
            target: target.into(),
            rect,
            format,
            compression,
            data,
        });
    }

    /// A new off-screen image (like an X pixmap), transparent. Upload into it with
    /// [`Display::put_image`], draw into it with [`Display::draw`], and draw it into windows
    /// with [`Painter::draw_image`].
    pub fn create_image(&mut self, size: Size) -> Result<Drawable, ClientError> {
        let image = Drawable(self.ids.allocate().ok_or(ClientError::OutOfIds)?);
        self.send(&Request::CreateImage { image, size });
        Ok(image)
    }

    /// Frees an off-screen image; its id may be reused.
    pub fn free_image(&mut self, image: Drawable) {
        self.send(&Request::FreeImage { image });
        self.ids.free(image.0);
    }

    /// Asks for one [`Event::FrameDone`] for `window` once what was drawn so far is on the
    /// display: an animation draws its next frame when it arrives.
    pub fn request_frame(&mut self, window: WindowId) {
        self.send(&Request::RequestFrame { window });
    }

    /// How wide `text` is in `face` at `px` pixels, exactly as the server draws it. Asks the
    /// server only about characters not seen before, so measuring is usually free.
    pub fn text_width(&mut self, face: FontFace, px: u16, text: &str) -> Result<f32, ClientError> {
        self.learn_font(face, text)?;
        let size = f32::from(face.drawn_px(px));
        let mut width = 0.0f32;
        for c in text.chars() {
            width += self.fonts.advances.get(&(face, c)).copied().unwrap_or(0.0) * size;
        }
        Ok(width)
    }

    /// The ascent and descent (both positive, in pixels) of `face` at `px` pixels.
    pub fn font_extents(&mut self, face: FontFace, px: u16) -> Result<(f32, f32), ClientError> {
        self.learn_font(face, "")?;
        let (ascent, descent) = self.fonts.lines.get(&face).copied().unwrap_or((0.8, 0.2));
        let size = f32::from(face.drawn_px(px));
        Ok((ascent * size, descent * size))
    }

    /// Fetches the advances of the characters of `text` not cached yet (one round trip).
    fn learn_font(&mut self, face: FontFace, text: &str) -> Result<(), ClientError> {
        let mut missing: Vec<char> = text
            .chars()
            .filter(|c| !self.fonts.advances.contains_key(&(face, *c)))
            .collect();
        missing.sort_unstable();
        missing.dedup();
        if missing.is_empty() && self.fonts.lines.contains_key(&face) {
            return Ok(());
        }
        let mut chunks: Vec<String> = missing.chunks(4096).map(|c| c.iter().collect()).collect();
        if chunks.is_empty() {
            chunks.push(String::new());
        }
        for chars in chunks {
            let metrics = match self.round_trip(&Request::QueryFont {
                face,
                chars: chars.clone(),
            })? {
                Reply::Font(m) => m,
                other => return Err(unexpected(&other)),
            };
            self.fonts.lines.insert(face, (metrics.ascent, metrics.descent));
            for (c, a) in chars.chars().zip(metrics.advances) {
                self.fonts.advances.insert((face, c), a);
            }
        }
        Ok(())
    }

    /// Reads back pixels of one of this client's windows (round trip).
    pub fn get_image(&mut self, source: impl Into<Drawable>, rect: Rect) -> Result<Image, ClientError> {
        self.get_image_of(ImageSource::Drawable(source.into()), rect)
    }

    /// Reads back pixels of the whole screen as composed (round trip).
    pub fn get_screen_image(&mut self, rect: Rect) -> Result<Image, ClientError> {
        self.get_image_of(ImageSource::Screen, rect)
    }

    /// Reads back pixels of one of this client's windows or images in `format` (round trip).
    /// [`PixelFormat::Bgra8`], the server's own layout, comes back without a conversion on
    /// either side: the fastest way to read pixels back.
    pub fn get_image_as(
        &mut self,
        source: impl Into<Drawable>,
        rect: Rect,
        format: PixelFormat,
    ) -> Result<Pixels, ClientError> {
        let request = Request::GetImageAs {
            source: ImageSource::Drawable(source.into()),
            rect,
            format,
        };
        match self.round_trip(&request)? {
            Reply::Pixels(pixels) => Ok(pixels),
            other => Err(unexpected(&other)),
        }
    }

    fn get_image_of(&mut self, source: ImageSource, rect: Rect) -> Result<Image, ClientError> {
        match self.round_trip(&Request::GetImage { source, rect })? {
            Reply::Image(image) => Ok(image),
            other => Err(unexpected(&other)),
        }
    }

    /// Waits until the server has applied every request made so far (round trip).
    pub fn sync(&mut self) -> Result<(), ClientError> {
        match self.round_trip(&Request::Sync)? {
            Reply::Sync => Ok(()),
            other => Err(unexpected(&other)),
        }
    }

    /// Asks the server about itself (round trip).
    pub fn server_info(&mut self) -> Result<ServerInfo, ClientError> {
        match self.round_trip(&Request::QueryServerInfo)? {
            Reply::ServerInfo(info) => Ok(info),
            other => Err(unexpected(&other)),
        }
    }

    /// Lists the connected clients (round trip). The display's owner sees all; others, themselves.
    pub fn list_clients(&mut self) -> Result<Vec<ClientSummary>, ClientError> {
        match self.round_trip(&Request::ListClients)? {
            Reply::Clients(list) => Ok(list),
            other => Err(unexpected(&other)),
        }
    }

    /// Disconnects another client (the display's owner only); waits until the server has done it.
    pub fn kill_client(&mut self, client: ClientId) -> Result<(), ClientError> {
        let seq = self.send(&Request::KillClient { client });
        self.sync()?;
        // An error for the kill arrives before the sync's reply: look for it.
        let mut kept = VecDeque::new();
        let mut failure = None;
        while let Some(item) = self.incoming.pop_front() {
            match item {
                Incoming::Error(e) if e.seq == seq => failure = Some(e),
                other => kept.push_back(other),
            }
        }
        self.incoming = kept;
        failure.map_or(Ok(()), |e| Err(ClientError::Request(e)))
    }

    /// Lists every window on the display, bottom to top (round trip).
    pub fn list_windows(&mut self) -> Result<Vec<WindowInfo>, ClientError> {
        match self.round_trip(&Request::ListWindows)? {
            Reply::Windows(list) => Ok(list),
            other => Err(unexpected(&other)),
        }
    }

    /// Limits how long calls that wait for a reply ([`Display::sync`], [`Display::get_image`] ...)
    /// wait; past it they fail with [`ClientError::Timeout`]. `None` (the default) waits forever.
    pub fn set_reply_timeout(&mut self, timeout: Option<Duration>) {
        self.reply_timeout = timeout;
    }

    /// How long a wait for a reply first polls the socket before the thread sleeps (0: never;
    /// at most 1 ms; the default is [`crate::DEFAULT_REPLY_SPIN`], or `DISPD_REPLY_SPIN_US`). A
    /// reply that comes within it finds the thread awake and saves it a wake-up (with dispd
    /// doing the same on its side, a round trip takes less than half as long); once a reply
    /// takes longer, polling stops until one is quick again. Never done on a machine with one
    /// CPU.
    pub fn set_reply_spin(&mut self, limit: Duration) {
        self.reply_spin = ReplySpin::new(limit);
    }

    /// Sends `request` and waits for its reply; events and errors of other requests that arrive
    /// meanwhile are kept for [`Display::next_event`].
    pub fn round_trip(&mut self, request: &Request) -> Result<Reply, ClientError> {
        let seq = self.send(request);
        self.flush()?;
        let asked = Instant::now();
        let deadline = self.reply_timeout.map(|t| (t, asked + t));
        if self.decoder.buffered() == 0 {
            match self
                .reply_spin
                .read(self.socket.as_fd(), self.decoder.read_buf(), self.reply_timeout)
            {
                Ok(Some(0)) => return Err(self.closed_error()),
                Ok(Some(n)) => {
                    self.received += n as u64;
                    self.decoder.advance(n);
                }
                Ok(None) => {}
                Err(e) => return Err(self.io_error(e)),
            }
        }
        loop {
            let wait = match deadline {
                None => None,
                Some((t, at)) => match at.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => Some(left),
                    _ => return Err(ClientError::Timeout { seq, waited: t }),
                },
            };
            match self.read_message(wait)? {
                Some(ServerMessage::Reply { seq: s, reply }) if s == seq => {
                    self.reply_spin.replied_after(asked.elapsed());
                    return Ok(reply);
                }
                Some(ServerMessage::Error(e)) if e.seq == seq => return Err(ClientError::Request(e)),
                Some(other) => self.keep(other)?,
                None => {}
            }
        }
    }

    /// Flushes, then waits for the next event. A failed earlier request comes back as
    /// `Err(ClientError::Request(..))`, after which the connection is still usable.
    pub fn next_event(&mut self) -> Result<Event, ClientError> {
        self.flush()?;
        loop {
            if let Some(next) = self.take_incoming() {
                return next;
            }
            if let Some(msg) = self.read_message(None)? {
                self.keep(msg)?;
            }
        }
    }

    /// Flushes, then returns the next event if one arrives within `timeout`.
    pub fn next_event_timeout(&mut self, timeout: Duration) -> Result<Option<Event>, ClientError> {
        self.flush()?;
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(next) = self.take_incoming() {
                return next.map(Some);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            if let Some(msg) = self.read_message(Some(left))? {
                self.keep(msg)?;
            }
        }
    }

    /// Flushes, then returns an event that has already arrived, without waiting.
    pub fn poll_event(&mut self) -> Result<Option<Event>, ClientError> {
        self.next_event_timeout(Duration::ZERO).and_then(|e| match e {
            Some(e) => Ok(Some(e)),
            None => {
                self.read_available()?;
                self.take_incoming().transpose()
            }
        })
    }

    fn take_incoming(&mut self) -> Option<Result<Event, ClientError>> {
        match self.incoming.pop_front()? {
            Incoming::Event(e) => Some(Ok(e)),
            Incoming::Error(e) => Some(Err(ClientError::Request(e))),
        }
    }

    fn keep(&mut self, msg: ServerMessage) -> Result<(), ClientError> {
        match msg {
            ServerMessage::Event(e) => self.incoming.push_back(Incoming::Event(e)),
            ServerMessage::Error(e) => self.incoming.push_back(Incoming::Error(e)),
            ServerMessage::Reply { seq, .. } => {
                tracing::debug!(seq, "dropping a reply nobody waits for");
            }
            ServerMessage::Goodbye { reason } => {
                self.closed = Some(Some(reason.clone()));
                return Err(ClientError::Disconnected { reason: Some(reason) });
            }
        }
        Ok(())
    }

    /// Reads everything already in the socket without blocking.
    fn read_available(&mut self) -> Result<(), ClientError> {
        self.socket.set_nonblocking(true)?;
        let result = loop {
            match self.next_decoded() {
                Ok(Some(msg)) => {
                    if let Err(e) = self.keep(msg) {
                        break Err(e);
                    }
                    continue;
                }
                Ok(None) => {}
                Err(e) => break Err(e),
            }
            match self.socket.read(self.decoder.read_buf()) {
                Ok(0) => break Err(self.closed_error()),
                Ok(n) => {
                    self.received += n as u64;
                    self.decoder.advance(n);
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break Ok(()),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => break Err(self.io_error(e)),
            }
        };
        self.socket.set_nonblocking(false)?;
        result
    }

    /// The next message, reading as needed; `Ok(None)` when `timeout` passed first.
    fn read_message(&mut self, timeout: Option<Duration>) -> Result<Option<ServerMessage>, ClientError> {
        if let Some(msg) = self.next_decoded()? {
            return Ok(Some(msg));
        }
        if let Some(reason) = &self.closed {
            return Err(ClientError::Disconnected {
                reason: reason.clone(),
            });
        }
        if timeout == Some(Duration::ZERO) {
            return Ok(None);
        }
        if self.socket_timeout != timeout {
            self.socket.set_read_timeout(timeout)?;
            self.socket_timeout = timeout;
        }
        loop {
            match self.socket.read(self.decoder.read_buf()) {
                Ok(0) => return Err(self.closed_error()),
                Ok(n) => {
                    self.received += n as u64;
                    self.decoder.advance(n);
                    if let Some(msg) = self.next_decoded()? {
                        return Ok(Some(msg));
                    }
                }
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => return Ok(None),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(self.io_error(e)),
            }
        }
    }

    fn next_decoded(&mut self) -> Result<Option<ServerMessage>, ClientError> {
        match self.decoder.next_frame()? {
            Some(body) => Ok(Some(dispd_protocol::decode(body)?)),
            None => Ok(None),
        }
    }

    fn closed_error(&mut self) -> ClientError {
        let reason = self.closed.get_or_insert(None).clone();
        ClientError::Disconnected { reason }
    }

    pub(crate) fn io_error(&mut self, e: std::io::Error) -> ClientError {
        match e.kind() {
            ErrorKind::BrokenPipe | ErrorKind::ConnectionReset => self.closed_error(),
            _ => ClientError::Io(e),
        }
    }
}

fn unexpected(reply: &Reply) -> ClientError {
    ClientError::Disconnected {
        reason: Some(format!("protocol violation: unexpected reply {reply:?}")),
    }
}

/// The connection's socket, to wait on with `poll`/`epoll` beside other sources (X's
/// `ConnectionNumber`). It becomes readable when the server sends something; then call
/// [`Display::poll_event`] until it returns `None`. Messages already read are kept inside, so
/// call it once before waiting too, and flush before waiting for an answer.
impl AsFd for Display {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.socket.as_fd()
    }
}
