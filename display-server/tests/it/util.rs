//! The harness: a real dispd (headless backend) on a Unix socket in a per-test `TempDir` and on
//! `127.0.0.1` TCP, in-process on its own thread; `gui-client` connections to it; a raw-socket
//! client for sending bytes no well-behaved client would; pixel checks.
//!
//! Nothing here can hang a test: every reply wait has a timeout, every raw read has a socket
//! timeout, and the server is stopped (and its thread joined) on drop.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use dispd_protocol::handshake::{ClientHello, ServerAnswer, Setup};
use dispd_protocol::{FrameDecoder, Request, ServerMessage, TCP_PORT_BASE};
use display_server::backend::headless::Headless;
use display_server::net::Listener;
use display_server::{Config, ServerError};
use gui_client::{ClientError, Color, ConnectOptions, Display, Event, Image, Rect, Size};
use tempfile::TempDir;
use tokio::sync::oneshot;

/// Screen of every test server: small, so whole-screen reads stay cheap.
pub const SCREEN: Size = Size::new(320, 240);
/// How long any single wait for the server may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(10);
/// How long to watch for something that must *not* happen.
pub const QUIET: Duration = Duration::from_millis(200);

/// Which socket a client uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Unix,
    Tcp,
}

/// A dispd running in-process until [`TestServer::stop`] or drop.
#[derive(Debug)]
pub struct TestServer {
    dir: TempDir,
    display: u16,
    tcp_port: u16,
    config: Config,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<Result<(), ServerError>>>,
}

impl TestServer {
    /// Starts a server with `config`, listening on both transports, on the runtime dispd itself
    /// runs on, with its default number of worker threads.
    pub fn start(config: Config) -> Self {
        Self::start_with_threads(config, display_server::runtime::default_threads())
    }

    /// Starts a server with `config` on `threads` worker threads (what `dispd --threads` sets).
    pub fn start_with_threads(config: Config, threads: std::num::NonZeroUsize) -> Self {
        init_logging();
        let rt = display_server::runtime::build(threads).expect("tokio runtime");
        let dir = TempDir::new().expect("temp dir");
        // The display grammar maps display N to port 7300+N, so the TCP display name can only
        // reach a port of at least 7300; ephemeral ports almost always are.
        let tcp = (0..100)
            .map(|_| {
                let any: SocketAddr = ([127, 0, 0, 1], 0).into();
                rt.block_on(Listener::bind_tcp(any)).expect("bind 127.0.0.1:0")
            })
            .find(|l| l.tcp_port().is_some_and(|p| p >= TCP_PORT_BASE))
            .expect("no ephemeral TCP port >= 7300 in 100 tries");
        let tcp_port = tcp.tcp_port().expect("a TCP listener has a port");
        let display = tcp_port - TCP_PORT_BASE;
        // tokio's UnixListener registers with the reactor, so bind inside the runtime.
        let unix = rt
            .block_on(async { Listener::bind_unix(dir.path(), display) })
            .expect("bind the Unix socket");
        let (tx, rx) = oneshot::channel::<()>();
        let server_config = config.clone();
        let thread = std::thread::Builder::new()
            .name(format!("dispd-test-:{display}"))
            .spawn(move || {
                rt.block_on(display_server::run(
                    vec![unix, tcp],
                    Box::new(Headless::new(SCREEN)),
                    None,
                    server_config,
                    async move {
                        // A dropped sender also means stop.
                        let _ = rx.await;
                    },
                ))
            })
            .expect("spawn the server thread");
        Self {
            dir,
            display,
            tcp_port,
            config,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// Starts a server with the default configuration.
    pub fn with_defaults() -> Self {
        Self::start(Config::default())
    }

    /// The directory holding the Unix socket.
    pub fn socket_dir(&self) -> &Path {
        self.dir.path()
    }

    /// The display number (the same for both transports).
    pub fn display(&self) -> u16 {
        self.display
    }

    /// The Unix socket's path.
    pub fn socket_path(&self) -> PathBuf {
        dispd_protocol::display::socket_path(self.socket_dir(), self.display)
    }

    /// The TCP port.
    pub fn tcp_port(&self) -> u16 {
        self.tcp_port
    }

    /// The screen background as read back: RGBA, opaque.
    pub fn background(&self) -> [u8; 4] {
        rgba(self.config.background)
    }

    /// Options that reach this server over `transport` only.
    pub fn options(&self, transport: Transport) -> ConnectOptions {
        let display = match transport {
            Transport::Unix => format!("unix:{}", self.display),
            Transport::Tcp => format!("tcp/127.0.0.1:{}", self.display),
        };
        ConnectOptions {
            display: Some(display),
            socket_dir: Some(self.socket_dir().to_owned()),
            ..Default::default()
        }
    }

    /// A connected client, with a reply timeout.
    pub fn connect(&self, transport: Transport) -> Display {
        let mut display = Display::connect(&self.options(transport))
            .unwrap_or_else(|e| panic!("connect over {transport:?}: {e}"));
        display.set_reply_timeout(Some(WAIT));
        display
    }

    /// A client over the Unix socket.
    pub fn connect_unix(&self) -> Display {
        self.connect(Transport::Unix)
    }

    /// A client over TCP.
    pub fn connect_tcp(&self) -> Display {
        self.connect(Transport::Tcp)
    }

    /// A raw socket to the server, not yet handshaken.
    pub fn connect_raw(&self, transport: Transport) -> RawClient {
        let stream = match transport {
            Transport::Unix => {
                RawStream::Unix(UnixStream::connect(self.socket_path()).expect("raw unix connect"))
            }
            Transport::Tcp => {
                RawStream::Tcp(TcpStream::connect(("127.0.0.1", self.tcp_port)).expect("raw tcp connect"))
            }
        };
        stream.set_read_timeout(Some(WAIT));
        RawClient {
            stream,
            decoder: FrameDecoder::new(dispd_protocol::MAX_FRAME_LEN),
        }
    }

    /// Stops the server and waits for it; returns what `run` returned.
    pub fn stop(&mut self) -> Result<(), ServerError> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.thread.take() {
            Some(t) => t.join().expect("the server thread panicked"),
            None => Ok(()),
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            // Never panic in drop: the test may already be unwinding.
            let _ = t.join();
        }
    }
}

/// Logs of the server and client, when `DISPD_TEST_LOG` holds a tracing filter.
fn init_logging() {
    if let Ok(filter) = std::env::var("DISPD_TEST_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .try_init();
    }
}

/// A colour as the server reads it back: RGBA with alpha 255.
pub fn rgba(c: Color) -> [u8; 4] {
    [c.r(), c.g(), c.b(), 255]
}

/// Waits for the first event that `want` accepts; other events are returned in order.
pub fn wait_event(display: &mut Display, what: &str, want: impl Fn(&Event) -> bool) -> (Event, Vec<Event>) {
    let deadline = Instant::now() + WAIT;
    let mut others = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match display.next_event_timeout(left) {
            Ok(Some(ev)) if want(&ev) => return (ev, others),
            Ok(Some(ev)) => others.push(ev),
            Ok(None) => panic!("no {what} within {WAIT:?}; other events: {others:?}"),
            Err(e) => panic!("waiting for {what}: {e}"),
        }
    }
}

/// Waits for the Expose that follows mapping `window`.
pub fn wait_expose(display: &mut Display, window: gui_client::WindowId) -> Rect {
    match wait_event(
        display,
        "Expose",
        |e| matches!(e, Event::Expose { window: w, .. } if *w == window),
    )
    .0
    {
        Event::Expose { rect, .. } => rect,
        _ => unreachable!("filtered for Expose"),
    }
}

/// Every event that arrives within [`QUIET`] (none may be a request error).
pub fn quiet_events(display: &mut Display, context: &str) -> Vec<Event> {
    let deadline = Instant::now() + QUIET;
    let mut events = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match display.next_event_timeout(left) {
            Ok(Some(ev)) => events.push(ev),
            Ok(None) => return events,
            Err(e) => panic!("{context}: unexpected error {e}"),
        }
    }
}

/// Asserts that no event `unwanted` accepts arrives within [`QUIET`] (others, such as focus
/// changes, may).
pub fn assert_no_event(display: &mut Display, context: &str, unwanted: impl Fn(&Event) -> bool) {
    let events = quiet_events(display, context);
    assert!(
        !events.iter().any(unwanted),
        "{context}: unexpected event in {events:?}"
    );
}

/// The request error that `next_event_timeout` reports next.
pub fn next_request_error(display: &mut Display) -> gui_client::RequestError {
    match display.next_event_timeout(WAIT) {
        Err(ClientError::Request(e)) => e,
        Ok(Some(ev)) => panic!("expected a request error, got event {ev:?}"),
        Ok(None) => panic!("expected a request error, got nothing within {WAIT:?}"),
        Err(e) => panic!("expected a request error, got {e}"),
    }
}

/// Compares every pixel of `img` with `expected(x, y)`; on failure names the first mismatches.
pub fn assert_pixels(img: &Image, what: &str, expected: impl Fn(u32, u32) -> [u8; 4]) {
    assert_eq!(
        img.data.len(),
        img.width as usize * img.height as usize * 4,
        "{what}: image data length"
    );
    let mut bad = Vec::new();
    let mut count = 0usize;
    for y in 0..img.height {
        for x in 0..img.width {
            let (got, want) = (img.pixel(x, y), expected(x, y));
            if got != Some(want) {
                count += 1;
                if bad.len() < 8 {
                    bad.push(format!("({x},{y}) got {got:?} want {want:?}"));
                }
            }
        }
    }
    assert!(
        count == 0,
        "{what}: {count} of {}x{} pixels differ, first: {}",
        img.width,
        img.height,
        bad.join("; ")
    );
}

/// Polls the screen at `rect` (through `display`) until every pixel is `want`, for up to [`WAIT`].
pub fn wait_screen(display: &mut Display, rect: Rect, what: &str, want: impl Fn(u32, u32) -> [u8; 4]) {
    let deadline = Instant::now() + WAIT;
    loop {
        display.sync().expect("sync");
        let img = display.get_screen_image(rect).expect("get_screen_image");
        let same = (0..img.height).all(|y| (0..img.width).all(|x| img.pixel(x, y) == Some(want(x, y))));
        if same {
            return;
        }
        if Instant::now() > deadline {
            assert_pixels(&img, what, &want);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Polls `server_info` until `ok` holds, for up to [`WAIT`]; returns the last info.
pub fn wait_info(
    display: &mut Display,
    what: &str,
    ok: impl Fn(&gui_client::ServerInfo) -> bool,
) -> gui_client::ServerInfo {
    let deadline = Instant::now() + WAIT;
    loop {
        let info = display.server_info().expect("server_info");
        if ok(&info) {
            return info;
        }
        assert!(Instant::now() < deadline, "{what}: last server info {info:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A socket of either kind.
#[derive(Debug)]
pub enum RawStream {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl RawStream {
    fn set_read_timeout(&self, t: Option<Duration>) {
        match self {
            RawStream::Unix(s) => s.set_read_timeout(t),
            RawStream::Tcp(s) => s.set_read_timeout(t),
        }
        .expect("set_read_timeout");
    }

    fn shutdown(&self, how: Shutdown) {
        let _ = match self {
            RawStream::Unix(s) => s.shutdown(how),
            RawStream::Tcp(s) => s.shutdown(how),
        };
    }
}

impl Read for RawStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            RawStream::Unix(s) => s.read(buf),
            RawStream::Tcp(s) => s.read(buf),
        }
    }
}

impl Write for RawStream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            RawStream::Unix(s) => s.write(buf),
            RawStream::Tcp(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A client that speaks the protocol by hand, byte by byte.
#[derive(Debug)]
pub struct RawClient {
    stream: RawStream,
    decoder: FrameDecoder,
}

impl RawClient {
    /// Sends `bytes` as they are, in one write.
    pub fn send_bytes(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("raw write");
    }

    /// Sends a valid hello and returns the server's answer.
    pub fn hello(&mut self) -> ServerAnswer {
        let hello = ClientHello::new("", b"").encode().expect("encode hello");
        self.send_bytes(&hello);
        self.read_answer()
    }

    /// Sends a valid hello and expects to be accepted.
    pub fn handshake(&mut self) -> Setup {
        match self.hello() {
            ServerAnswer::Accepted { setup, .. } => setup,
            other => panic!("expected acceptance, got {other:?}"),
        }
    }

    /// Reads the server's handshake answer; bytes after it are kept for [`Self::read_message`].
    pub fn read_answer(&mut self) -> ServerAnswer {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            if let Some((answer, used)) = ServerAnswer::parse(&buf).expect("answer parses") {
                self.decoder.push(&buf[used..]);
                return answer;
            }
            let n = self.stream.read(&mut chunk).expect("read the answer");
            assert!(n > 0, "EOF before a whole answer; got {buf:?}");
            buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Sends one request frame.
    pub fn send_request(&mut self, request: &Request) {
        let mut frame = Vec::new();
        dispd_protocol::encode_frame(request, &mut frame);
        self.send_bytes(&frame);
    }

    /// Sends one request frame over the Unix socket with `fd` attached (`SCM_RIGHTS`).
    pub fn send_request_with_fd(&mut self, request: &Request, fd: std::os::fd::BorrowedFd<'_>) {
        let mut frame = Vec::new();
        dispd_protocol::encode_frame(request, &mut frame);
        self.send_bytes_with_fds(&frame, &[fd]);
    }

    /// Sends `bytes` over the Unix socket with up to 4 descriptors attached to the first.
    pub fn send_bytes_with_fds(&mut self, bytes: &[u8], fds: &[std::os::fd::BorrowedFd<'_>]) {
        use rustix::net::{SendAncillaryBuffer, SendAncillaryMessage, SendFlags};
        let RawStream::Unix(stream) = &mut self.stream else {
            panic!("descriptors travel over Unix sockets only");
        };
        let mut space = [std::mem::MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(4))];
        let mut control = SendAncillaryBuffer::new(&mut space);
        assert!(control.push(SendAncillaryMessage::ScmRights(fds)));
        let sent = rustix::net::sendmsg(
            &*stream,
            &[std::io::IoSlice::new(bytes)],
            &mut control,
            SendFlags::empty(),
        )
        .expect("sendmsg");
        stream.write_all(&bytes[sent..]).expect("raw write");
    }

    /// A raw client of the Unix socket at `path` (a server in another process).
    pub fn unix_at(path: &std::path::Path) -> RawClient {
        let stream = RawStream::Unix(UnixStream::connect(path).expect("raw unix connect"));
        stream.set_read_timeout(Some(WAIT));
        RawClient {
            stream,
            decoder: FrameDecoder::new(dispd_protocol::MAX_FRAME_LEN),
        }
    }

    /// The next message, or `None` at a clean EOF. Fails the test on a timeout.
    pub fn read_message(&mut self) -> Option<ServerMessage> {
        loop {
            if let Some(body) = self.decoder.next_frame().expect("server frames are valid") {
                return Some(dispd_protocol::decode(body).expect("server message decodes"));
            }
            match self.stream.read(self.decoder.read_buf()) {
                Ok(0) => {
                    assert_eq!(self.decoder.buffered(), 0, "EOF inside a frame");
                    return None;
                }
                Ok(n) => self.decoder.advance(n),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => panic!("raw read (timeout {WAIT:?}): {e}"),
            }
        }
    }

    /// Sends `Sync` and reads until its reply; returns the messages that came before it.
    pub fn sync(&mut self, seq: u32) -> Vec<ServerMessage> {
        self.send_request(&Request::Sync);
        let mut before = Vec::new();
        loop {
            match self.read_message() {
                Some(ServerMessage::Reply { seq: s, .. }) if s == seq => return before,
                Some(other) => before.push(other),
                None => panic!("EOF while waiting for the reply to sync #{seq}; got {before:?}"),
            }
        }
    }

    /// Closes both directions at once, as a killed process would.
    pub fn kill(self) {
        self.stream.shutdown(Shutdown::Both);
    }
}

impl TestServer {
    /// A client over `transport` proving `auth` (rather than whatever the environment holds),
    /// with a reply timeout; the handshake's error as it is when it fails.
    pub fn try_connect_with(
        &self,
        transport: Transport,
        auth: gui_client::Auth,
    ) -> Result<Display, ClientError> {
        let options = ConnectOptions {
            auth,
            ..self.options(transport)
        };
        let mut display = Display::connect(&options)?;
        display.set_reply_timeout(Some(WAIT));
        Ok(display)
    }

    /// A client over `transport` proving `auth`; fails the test if it is refused.
    pub fn connect_with(&self, transport: Transport, auth: gui_client::Auth) -> Display {
        self.try_connect_with(transport, auth)
            .unwrap_or_else(|e| panic!("connect over {transport:?} with explicit auth: {e}"))
    }
}

/// Starts the built `dispd` binary as a process of its own: headless, display `:n` on a Unix
/// socket in `dir`, no authentication, errors only in its log, with whatever `configure` adds to
/// the command. Returns the process and its socket's path once the socket exists.
pub fn spawn_dispd(
    n: u16,
    dir: &Path,
    configure: impl FnOnce(&mut std::process::Command),
) -> (std::process::Child, PathBuf) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_dispd"));
    command
        .args([
            &format!(":{n}"),
            "--headless",
            "--listen",
            "unix",
            "--no-auth",
            "--socket-dir",
        ])
        .arg(dir)
        .env("DISPD_LOG", "error");
    configure(&mut command);
    let dispd = command.spawn().expect("start dispd");
    let socket = dir.join(format!("D{n}"));
    let deadline = Instant::now() + WAIT;
    while !socket.exists() {
        assert!(Instant::now() < deadline, "dispd :{n} did not start");
        std::thread::sleep(Duration::from_millis(1));
    }
    (dispd, socket)
}
