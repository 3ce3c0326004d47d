//! Security and robustness: who gets in (the secret, the host list, replays, trust), what an
//! admitted client can touch (only its own resources), and what hostile, numerous, slow or
//! greedy clients cost the server (only themselves). `docs/SECURITY.md` sums up the threat
//! model and what these tests tried, with the numbers they print.
//!
//! Every test prints its measurements to stderr (`-- --nocapture` shows them). Randomness comes
//! from a seeded xorshift (`DISPD_FUZZ_SEED` overrides the seed), so a failure reproduces.

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpStream};
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Barrier;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use dispd_protocol::auth::{Secret, AUTH_HMAC};
use dispd_protocol::handshake::{ClientHello, ServerAnswer, Setup};
use dispd_protocol::{
    Compression, CursorShape, DrawOp, Drawable, ErrorCode, FontFace, FrameDecoder, HandshakeError,
    ImageSource, InputAction, Key, Modifiers, Paint, PathSeg, PixelFormat, Point, Request, ServerMessage,
    Size, WindowId,
};
use display_server::auth::AuthPolicy;
use display_server::Config;
use gui_client::{Auth, ClientError, Color, Display, Event, Rect, RequestError};

use crate::util::{
    assert_pixels, rgba, wait_event, wait_expose, wait_info, RawStream, TestServer, Transport, WAIT,
};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// One line of measurements on stderr (shown with `--nocapture`).
fn report(line: impl std::fmt::Display) {
    let _ = writeln!(std::io::stderr(), "[security] {line}");
}

/// A small deterministic PRNG (xorshift64), so that failures reproduce.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }

    fn small_i32(&mut self, lo: i32, hi: i32) -> i32 {
        lo + self.below((hi - lo) as u64) as i32
    }
}

/// The fuzz seed: `DISPD_FUZZ_SEED` or a fixed default.
fn seed() -> u64 {
    std::env::var("DISPD_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_d15b_d000_0001)
}

/// A field of `/proc/self/status` in kB (`VmRSS`, `VmHWM`). The server runs in this process, so
/// its memory is counted too.
fn status_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

/// This process's user id, as the server sees it through peer credentials.
fn own_uid() -> u32 {
    std::fs::metadata("/proc/self").expect("stat /proc/self").uid()
}

fn the_secret() -> Secret {
    Secret::from_bytes(core::array::from_fn(|i| (i as u8).wrapping_mul(37) ^ 0xa5))
}

/// A server configuration with the secret on, this process's user as the owner and TCP hosts
/// limited to `allow` (empty: any).
fn secured(allow: &[&str]) -> Config {
    Config {
        auth: AuthPolicy {
            secret: Some(the_secret()),
            owner_uid: Some(own_uid()),
            allow: allow.iter().map(|a| a.parse().expect("a CIDR block")).collect(),
        },
        ..Config::default()
    }
}

fn unix_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A nonce never used before in this process.
fn fresh_nonce() -> [u8; 16] {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut nonce = [0u8; 16];
    nonce[..8].copy_from_slice(&n.to_le_bytes());
    nonce[8..].copy_from_slice(&t.to_le_bytes());
    nonce
}

/// The bytes of a hello proving `secret` now, with a fresh nonce.
fn proof_hello(secret: &Secret) -> Vec<u8> {
    ClientHello::new(AUTH_HMAC, &secret.respond(fresh_nonce(), unix_secs()))
        .encode()
        .expect("encode hello")
}

/// The bytes of a hello without a secret (enough for the owner's Unix clients).
fn plain_hello() -> Vec<u8> {
    ClientHello::new("", b"").encode().expect("encode hello")
}

/// The reason of a refused connection, as the client library reports it.
fn refusal(result: Result<Display, ClientError>) -> String {
    match result {
        Err(ClientError::Handshake(HandshakeError::Refused(reason))) => reason,
        Ok(_) => panic!("the connection was accepted; a refusal was expected"),
        Err(e) => panic!("expected a refusal with a reason, got {e}"),
    }
}

fn frame(request: &Request) -> Vec<u8> {
    let mut out = Vec::new();
    dispd_protocol::encode_frame(request, &mut out);
    out
}

/// How a raw conversation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    /// The server closed the connection cleanly.
    Eof,
    /// The connection was reset (the server closed it with our bytes unread).
    Reset,
    /// Nothing came within the probe's read timeout: the server left the connection hanging.
    TimedOut,
}

/// A raw connection for hostile bytes. Unlike `util::RawClient` it never panics on what the
/// server does: it reports how the conversation ended. It does panic on server bytes that are
/// not valid frames and messages: a server must never send those.
struct Probe {
    stream: RawStream,
    decoder: FrameDecoder,
    seq: u32,
}

impl Probe {
    fn new(stream: RawStream, timeout: Duration) -> Self {
        match &stream {
            RawStream::Unix(s) => s.set_read_timeout(Some(timeout)),
            RawStream::Tcp(s) => s.set_read_timeout(Some(timeout)),
        }
        .expect("set_read_timeout");
        Probe {
            stream,
            decoder: FrameDecoder::new(dispd_protocol::MAX_FRAME_LEN),
            seq: 0,
        }
    }

    fn unix(server: &TestServer, timeout: Duration) -> Self {
        let s = UnixStream::connect(server.socket_path()).expect("unix connect");
        Self::new(RawStream::Unix(s), timeout)
    }

    fn tcp(server: &TestServer, timeout: Duration) -> Self {
        let s = TcpStream::connect(("127.0.0.1", server.tcp_port())).expect("tcp connect");
        let _ = s.set_nodelay(true);
        Self::new(RawStream::Tcp(s), timeout)
    }

    fn open(server: &TestServer, transport: Transport, timeout: Duration) -> Self {
        match transport {
            Transport::Unix => Self::unix(server, timeout),
            Transport::Tcp => Self::tcp(server, timeout),
        }
    }

    /// A TCP connection to the server from the local address `source` (any of 127/8 works on
    /// Linux, whose loopback interface holds the whole block). std cannot bind before
    /// connecting; tokio's `TcpSocket` can.
    fn tcp_from(server: &TestServer, source: Ipv4Addr, timeout: Duration) -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .expect("runtime");
        let to: SocketAddr = (Ipv4Addr::LOCALHOST, server.tcp_port()).into();
        let stream = rt.block_on(async {
            let socket = tokio::net::TcpSocket::new_v4().expect("socket");
            socket
                .bind((source, 0).into())
                .unwrap_or_else(|e| panic!("bind {source}: {e}"));
            let s = socket
                .connect(to)
                .await
                .expect("connect from another loopback address");
            s.into_std().expect("into_std")
        });
        stream.set_nonblocking(false).expect("blocking");
        assert_eq!(
            stream.local_addr().expect("local_addr").ip(),
            source,
            "the connection does not come from {source}"
        );
        Self::new(RawStream::Tcp(stream), timeout)
    }

    /// Sends bytes; false if the server has closed the connection.
    fn send(&mut self, bytes: &[u8]) -> bool {
        self.stream.write_all(bytes).is_ok()
    }

    /// Sends one request, counting its sequence number.
    fn request(&mut self, request: &Request) -> u32 {
        self.seq = self.seq.wrapping_add(1);
        let _ = self.send(&frame(request));
        self.seq
    }

    fn shutdown(&self, how: Shutdown) {
        let _ = match &self.stream {
            RawStream::Unix(s) => s.shutdown(how),
            RawStream::Tcp(s) => s.shutdown(how),
        };
    }

    /// No more bytes from us (the server sees EOF).
    fn close_write(&self) {
        self.shutdown(Shutdown::Write);
    }

    fn read_some(&mut self, buf: &mut [u8]) -> Result<usize, End> {
        loop {
            match self.stream.read(buf) {
                Ok(0) => return Err(End::Eof),
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return Err(End::TimedOut)
                }
                Err(_) => return Err(End::Reset),
            }
        }
    }

    /// The server's handshake answer.
    fn answer(&mut self) -> Result<ServerAnswer, End> {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            if let Some((answer, used)) = ServerAnswer::parse(&buf).expect("the server's answer parses") {
                self.decoder.push(&buf[used..]);
                return Ok(answer);
            }
            let n = self.read_some(&mut chunk)?;
            buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Sends `hello` and expects to be accepted.
    fn handshake(&mut self, hello: &[u8]) -> Setup {
        assert!(self.send(hello), "the server closed before the hello");
        match self.answer() {
            Ok(ServerAnswer::Accepted { setup, .. }) => setup,
            other => panic!("expected acceptance, got {other:?}"),
        }
    }

    /// The next message, or how the stream ended.
    fn next(&mut self) -> Result<ServerMessage, End> {
        loop {
            if let Some(body) = self.decoder.next_frame().expect("the server's frames are valid") {
                return Ok(dispd_protocol::decode(body).expect("the server's messages decode"));
            }
            let mut chunk = vec![0u8; 64 * 1024];
            let n = self.read_some(&mut chunk)?;
            self.decoder.push(&chunk[..n]);
        }
    }

    /// Every message until the stream ends, and how it ended.
    fn drain(&mut self) -> (Vec<ServerMessage>, End) {
        let mut got = Vec::new();
        loop {
            match self.next() {
                Ok(m) => got.push(m),
                Err(end) => return (got, end),
            }
        }
    }

    /// Sends a `Sync` and reads until its reply; the messages before it, or what ended the
    /// conversation (with the messages read).
    fn sync(&mut self) -> Result<Vec<ServerMessage>, (Vec<ServerMessage>, End)> {
        let seq = self.request(&Request::Sync);
        self.until_reply(seq)
    }

    /// Reads until the reply (or error) to `seq`, which is returned last.
    fn until_reply(&mut self, seq: u32) -> Result<Vec<ServerMessage>, (Vec<ServerMessage>, End)> {
        let mut got = Vec::new();
        loop {
            match self.next() {
                Ok(m) => {
                    let done = matches!(&m, ServerMessage::Reply { seq: s, .. } if *s == seq)
                        || matches!(&m, ServerMessage::Error(e) if e.seq == seq);
                    let goodbye = matches!(m, ServerMessage::Goodbye { .. });
                    got.push(m);
                    if done {
                        return Ok(got);
                    }
                    if goodbye {
                        let end = self.drain().1;
                        return Err((got, end));
                    }
                }
                Err(end) => return Err((got, end)),
            }
        }
    }
}

/// The goodbye among `messages`, if any.
fn goodbye_of(messages: &[ServerMessage]) -> Option<&str> {
    messages.iter().find_map(|m| match m {
        ServerMessage::Goodbye { reason } => Some(reason.as_str()),
        _ => None,
    })
}

/// Waits (skipping events) for the error of request `seq`, and checks its code and that its
/// message holds `words`.
fn expect_error(d: &mut Display, seq: u32, code: ErrorCode, words: &str) -> RequestError {
    let deadline = Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match d.next_event_timeout(left) {
            Err(ClientError::Request(e)) => {
                assert_eq!(
                    (e.seq, e.code),
                    (seq, code),
                    "wrong error for request #{seq}: {e}"
                );
                assert!(
                    e.message.contains(words),
                    "error for #{seq} does not mention {words:?}: {e}"
                );
                return e;
            }
            Ok(Some(_)) => {}
            Ok(None) => panic!("no error for request #{seq} within {WAIT:?}"),
            Err(e) => panic!("waiting for the error of #{seq}: {e}"),
        }
    }
}

/// [`expect_error`] for the last request made.
fn expect_last_error(d: &mut Display, code: ErrorCode, words: &str) -> RequestError {
    let seq = d.last_seq();
    expect_error(d, seq, code, words)
}

/// Reads the events already queued and fails on any request error among them.
fn assert_no_errors(d: &mut Display, context: &str) -> Vec<Event> {
    d.sync().unwrap_or_else(|e| panic!("{context}: sync failed: {e}"));
    let mut events = Vec::new();
    loop {
        match d.poll_event() {
            Ok(Some(e)) => events.push(e),
            Ok(None) => return events,
            Err(e) => panic!("{context}: unexpected {e}"),
        }
    }
}

/// A mapped `rect` window of `bg`, its expose read.
fn mapped(d: &mut Display, rect: Rect, bg: Color) -> WindowId {
    let w = d.create_window(rect, bg).expect("create_window");
    d.map_window(w);
    wait_expose(d, w);
    w
}

/// Round-trip latencies of `sync` on `d`, taken every `every` until `stop` is set and at least
/// `min` were taken.
fn sample_latency(d: &mut Display, stop: &AtomicBool, every: Duration, min: usize) -> Vec<Duration> {
    let mut samples = Vec::new();
    while !(stop.load(Ordering::Relaxed) && samples.len() >= min) {
        let t = Instant::now();
        d.sync().expect("the observer's sync");
        samples.push(t.elapsed());
        std::thread::sleep(every);
    }
    samples
}

/// (median, max) of `samples`.
fn median_max(samples: &mut [Duration]) -> (Duration, Duration) {
    samples.sort_unstable();
    (samples[samples.len() / 2], samples[samples.len() - 1])
}

/// On `server`, a heavy client with a window of `size` runs `flood` then syncs, while an
/// observer syncs every `every` (at least 10 times): how long the heavy client's requests took
/// to apply, counted from before `flood`, and the observer's sync times.
fn observe_a_flood(
    server: TestServer,
    size: Rect,
    every: Duration,
    flood: impl FnOnce(&mut Display, WindowId) + Send,
) -> (Duration, Vec<Duration>) {
    // Floods measured at the same time would slow each other's observers down: one at a time.
    static ONE_FLOOD_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_FLOOD_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut observer = server.connect(Transport::Unix);
    let mut heavy = server.connect(Transport::Unix);
    let w = heavy.create_window(size, Color::WHITE).expect("create_window");
    heavy.sync().expect("sync");
    observer.sync().expect("warm-up");
    heavy.set_reply_timeout(Some(Duration::from_secs(300)));
    observer.set_reply_timeout(Some(Duration::from_secs(300)));
    let done = AtomicBool::new(false);
    let t = Instant::now();
    std::thread::scope(|s| {
        let sampler = s.spawn(|| sample_latency(&mut observer, &done, every, 10));
        flood(&mut heavy, w);
        heavy.sync().expect("heavy sync");
        let applied = t.elapsed();
        done.store(true, Ordering::Relaxed);
        (applied, sampler.join().expect("sampler"))
    })
}

// ---------------------------------------------------------------------------------------------
// 1. Authentication and trust
// ---------------------------------------------------------------------------------------------

/// TCP needs the secret, proven freshly: no secret, a wrong one, a stale or malformed proof, an
/// unknown method and a replayed hello are each refused with a reason the client shows; the
/// owner's Unix clients need nothing; loopback TCP with the secret is trusted.
#[test]
fn tcp_needs_a_fresh_proof_of_the_secret() {
    let server = TestServer::start(secured(&[]));
    let secret = the_secret();
    let corner = Rect::new(0, 0, 4, 4);

    // The owner over the Unix socket: no secret, trusted (it may read the screen).
    let mut owner = server.connect_with(Transport::Unix, Auth::None);
    owner
        .get_screen_image(corner)
        .expect("the owner reads the screen");

    let reason = refusal(server.try_connect_with(Transport::Tcp, Auth::None));
    assert!(reason.contains("no secret"), "{reason}");
    assert!(
        reason.contains("DISPD_AUTH"),
        "the reason says what to do: {reason}"
    );

    let wrong = Secret::from_bytes([0x42; 32]);
    let reason = refusal(server.try_connect_with(Transport::Tcp, Auth::Secret(wrong)));
    assert!(reason.contains("wrong secret"), "{reason}");

    let mut tcp = server.connect_with(Transport::Tcp, Auth::Secret(secret.clone()));
    tcp.get_screen_image(corner)
        .expect("loopback TCP with the secret is trusted");

    // A replayed hello: the exact bytes of an accepted one, sent again on a new connection.
    let hello = proof_hello(&secret);
    let mut first = Probe::tcp(&server, WAIT);
    first.handshake(&hello);
    for attempt in ["while the first is connected", "after the first closed"] {
        let mut again = Probe::tcp(&server, WAIT);
        assert!(again.send(&hello));
        match again.answer() {
            Ok(ServerAnswer::Refused { reason, .. }) => {
                assert!(reason.contains("replayed"), "{attempt}: {reason}")
            }
            other => panic!("replayed hello {attempt}: {other:?}"),
        }
        assert_eq!(
            again.drain(),
            (vec![], End::Eof),
            "{attempt}: refused, then closed"
        );
        if attempt.starts_with("while") {
            first.sync().expect("the original connection still works");
            first.close_write();
            assert_eq!(first.drain().1, End::Eof);
        }
    }

    // Proofs that fail for other reasons.
    let now = unix_secs();
    let good = secret.respond(fresh_nonce(), now);
    let cases: Vec<(&str, ClientHello, &str)> = vec![
        (
            "a proof ten minutes old",
            ClientHello::new(AUTH_HMAC, &secret.respond(fresh_nonce(), now - 600)),
            "clock",
        ),
        (
            "a proof ten minutes ahead",
            ClientHello::new(AUTH_HMAC, &secret.respond(fresh_nonce(), now + 600)),
            "clock",
        ),
        (
            "truncated auth data",
            ClientHello::new(AUTH_HMAC, &good[..40]),
            "malformed",
        ),
        (
            "the MAC of another time",
            {
                let mut tampered = good.clone();
                tampered[16] ^= 1;
                ClientHello::new(AUTH_HMAC, &tampered)
            },
            "wrong secret",
        ),
        (
            "an X11 cookie",
            ClientHello::new("MIT-MAGIC-COOKIE-1", &[7; 16]),
            "unknown auth method",
        ),
        (
            "the secret itself instead of a proof",
            ClientHello::new(AUTH_HMAC, &the_secret().to_hex().into_bytes()[..56]),
            "wrong secret",
        ),
    ];
    for (what, hello, want) in cases {
        let mut probe = Probe::tcp(&server, WAIT);
        assert!(probe.send(&hello.encode().expect("encode")));
        match probe.answer() {
            Ok(ServerAnswer::Refused { reason, .. }) => {
                assert!(reason.contains(want), "{what}: {reason}");
                report(format!("refused {what}: {reason}"));
            }
            other => panic!("{what}: {other:?}"),
        }
        assert_eq!(probe.drain().1, End::Eof, "{what}: closed after the refusal");
    }
    let info = owner.server_info().expect("server_info");
    assert_eq!(
        info.clients, 2,
        "only the owner and the TCP client are in: {info:?}"
    );
}

/// `allow` limits TCP by source address, before the secret is even looked at; the Unix socket
/// is not affected. Every 127/8 address is loopback, and loopback with the secret is trusted.
#[test]
fn hosts_outside_the_allow_list_are_refused() {
    let secret = the_secret();
    let server = TestServer::start(secured(&["10.0.0.0/8"]));
    let reason = refusal(server.try_connect_with(Transport::Tcp, Auth::Secret(secret.clone())));
    assert!(reason.contains("not allowed"), "{reason}");
    assert!(
        reason.contains("127.0.0.1"),
        "the reason names the host: {reason}"
    );
    server
        .connect_with(Transport::Unix, Auth::None)
        .sync()
        .expect("the host list is for TCP only");

    // A list holding 127.0.0.2 only: 127.0.0.1 is out, 127.0.0.2 is in (and trusted).
    let server = TestServer::start(secured(&["127.0.0.2/32"]));
    let reason = refusal(server.try_connect_with(Transport::Tcp, Auth::Secret(secret.clone())));
    assert!(reason.contains("not allowed"), "{reason}");
    let mut probe = Probe::tcp_from(&server, Ipv4Addr::new(127, 0, 0, 2), WAIT);
    assert!(probe.send(&plain_hello()));
    match probe.answer() {
        Ok(ServerAnswer::Refused { reason, .. }) => assert!(reason.contains("no secret"), "{reason}"),
        other => panic!("127.0.0.2 without the secret: {other:?}"),
    }
    let mut probe = Probe::tcp_from(&server, Ipv4Addr::new(127, 0, 0, 2), WAIT);
    probe.handshake(&proof_hello(&secret));
    let seq = probe.request(&Request::GetImage {
        source: ImageSource::Screen,
        rect: Rect::new(0, 0, 2, 2),
    });
    let got = probe.until_reply(seq).expect("a reply");
    assert!(
        matches!(got.last(), Some(ServerMessage::Reply { .. })),
        "127.0.0.2 is loopback, so trusted with the secret: {got:?}"
    );
}

/// Clients that proved the client secret (here: on the Unix socket of "another user", made so
/// by naming another uid as the owner) are admitted but untrusted: no screen reads, no input
/// injection, a window list of their own, and no keystrokes of others. The owner secret, from
/// anywhere, makes the owner.
#[test]
fn untrusted_clients_get_no_admin_view() {
    let owner_secret = the_secret();
    let secret = owner_secret.client_secret();
    let mut config = secured(&[]);
    config.auth.owner_uid = Some(own_uid().wrapping_add(1));
    config.allow_injection = true;
    let server = TestServer::start(config);

    let reason = refusal(server.try_connect_with(Transport::Unix, Auth::None));
    assert!(
        reason.contains("no secret"),
        "another user's client needs the secret: {reason}"
    );

    let mut admin = server.connect_with(Transport::Tcp, Auth::Secret(owner_secret));
    let mut student = server.connect_with(Transport::Unix, Auth::Secret(secret.clone()));
    let mut other = server.connect_with(Transport::Unix, Auth::Secret(secret.clone()));
    let ws = mapped(&mut student, Rect::new(0, 0, 40, 40), Color::rgb(200, 0, 0));
    student.set_title(ws, "student's essay");
    let wo = mapped(&mut other, Rect::new(50, 0, 40, 40), Color::rgb(0, 200, 0));
    other.set_title(wo, "other's secrets");
    // `other` mapped last, so it has the keyboard focus.
    wait_event(
        &mut other,
        "focus",
        |e| matches!(e, Event::Focus { window, focused: true } if *window == wo),
    );

    match student.get_screen_image(Rect::new(0, 0, 100, 50)) {
        Err(ClientError::Request(e)) => {
            assert_eq!(e.code, ErrorCode::BadAccess, "{e}");
            assert!(e.message.contains("owner"), "{e}");
        }
        other => panic!("an untrusted client read the screen: {other:?}"),
    }
    match student.get_image(wo, Rect::new(0, 0, 40, 40)) {
        Err(ClientError::Request(e)) => assert_eq!(e.code, ErrorCode::BadDrawable, "{e}"),
        other => panic!("an untrusted client read another's window: {other:?}"),
    }
    student.inject_input(InputAction::Key {
        pressed: true,
        code: 0,
        key: Key::Character("x".into()),
        text: Some("x".into()),
        modifiers: Modifiers::default(),
    });
    let seq = student.last_seq();
    expect_error(&mut student, seq, ErrorCode::BadAccess, "owner");
    let listed = student.list_windows().expect("list_windows");
    assert_eq!(
        listed
            .iter()
            .map(|w| (w.id, w.title.as_str()))
            .collect::<Vec<_>>(),
        vec![(ws, "student's essay")],
        "an untrusted client lists only its own windows"
    );

    // The trusted admin sees everything, and its injected keys reach only the focused window.
    let all = admin.list_windows().expect("list_windows");
    assert_eq!(all.len(), 2, "{all:?}");
    let screen = admin
        .get_screen_image(Rect::new(0, 0, 100, 50))
        .expect("the admin reads the screen");
    assert_eq!(screen.pixel(10, 10), Some([200, 0, 0, 255]));
    assert_eq!(screen.pixel(60, 10), Some([0, 200, 0, 255]));
    admin.inject_input(InputAction::Key {
        pressed: true,
        code: 0,
        key: Key::Character("s".into()),
        text: Some("s".into()),
        modifiers: Modifiers::default(),
    });
    admin.sync().expect("sync");
    wait_event(&mut other, "the injected key", |e| matches!(e, Event::Key(_)));
    let seen = assert_no_errors(&mut student, "student after the key");
    assert!(
        !seen
            .iter()
            .any(|e| matches!(e, Event::Key(_) | Event::TextInput { .. })),
        "the student saw another client's keystroke: {seen:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Isolation
// ---------------------------------------------------------------------------------------------

/// A second client can do nothing to the first one's window or image: every attempt is refused
/// with BadWindow/BadDrawable/BadId (the same code as for an id that names nothing, so it cannot
/// even learn which ids exist), and the first client's pixels, geometry, title and events stay
/// as they were.
#[test]
fn another_clients_window_cannot_be_touched() {
    let server = TestServer::with_defaults();
    let mut a = server.connect(Transport::Unix);
    let mut b = server.connect(Transport::Tcp);
    let place = Rect::new(10, 10, 80, 60);
    let wa = mapped(&mut a, place, Color::WHITE);
    a.set_title(wa, "A's window");
    let mut p = a.draw(wa);
    p.color(Color::rgb(255, 0, 0))
        .fill_rect(Rect::new(0, 0, 40, 30))
        .color(Color::rgb(0, 0, 255))
        .fill_rect(Rect::new(40, 30, 40, 30));
    p.finish();
    let ia = a.create_image(Size::new(16, 16)).expect("create_image");
    a.put_image(ia, Rect::new(0, 0, 16, 16), vec![0x77; 16 * 16 * 4]);
    let full = Rect::new(0, 0, 80, 60);
    let before = a.get_image(wa, full).expect("A reads its window");
    let image_before = a
        .get_image(ia, Rect::new(0, 0, 16, 16))
        .expect("A reads its image");
    let screen_before = a.get_screen_image(place).expect("A reads the screen");
    let listed_before = a.list_windows().expect("list_windows");
    let _ = assert_no_errors(&mut a, "A's setup");

    let wb = mapped(&mut b, Rect::new(200, 150, 30, 30), Color::BLACK);
    // An id in A's range that names nothing.
    let ghost = WindowId(wa.0 + 100);
    let (fa, fi) = (Drawable::from(wa), ia);
    let attempts: Vec<(&str, Request, ErrorCode)> = vec![
        (
            "draw into",
            Request::Draw {
                target: fa,
                ops: vec![DrawOp::SetColor(Color::BLACK), DrawOp::Clear].into(),
            },
            ErrorCode::BadDrawable,
        ),
        (
            "put an image into",
            Request::PutImage {
                target: fa,
                rect: Rect::new(0, 0, 2, 2),
                format: PixelFormat::Rgba8,
                compression: Compression::None,
                data: vec![0; 16],
            },
            ErrorCode::BadDrawable,
        ),
        (
            "put pixels into A's image",
            Request::PutImage {
                target: fi,
                rect: Rect::new(0, 0, 2, 2),
                format: PixelFormat::Rgba8,
                compression: Compression::None,
                data: vec![0; 16],
            },
            ErrorCode::BadDrawable,
        ),
        (
            "move",
            Request::ConfigureWindow {
                window: wa,
                rect: Rect::new(0, 0, 300, 200),
            },
            ErrorCode::BadWindow,
        ),
        (
            "destroy",
            Request::DestroyWindow { window: wa },
            ErrorCode::BadWindow,
        ),
        ("unmap", Request::UnmapWindow { window: wa }, ErrorCode::BadWindow),
        (
            "map (raise)",
            Request::MapWindow { window: wa },
            ErrorCode::BadWindow,
        ),
        (
            "retitle",
            Request::SetTitle {
                window: wa,
                title: "pwned".into(),
            },
            ErrorCode::BadWindow,
        ),
        (
            "set the cursor of",
            Request::SetCursor {
                window: wa,
                cursor: CursorShape::Hidden,
            },
            ErrorCode::BadWindow,
        ),
        (
            "ask frames of",
            Request::RequestFrame { window: wa },
            ErrorCode::BadWindow,
        ),
        (
            "read back",
            Request::GetImage {
                source: ImageSource::Drawable(fa),
                rect: full,
            },
            ErrorCode::BadDrawable,
        ),
        (
            "read back A's image",
            Request::GetImage {
                source: ImageSource::Drawable(fi),
                rect: Rect::new(0, 0, 16, 16),
            },
            ErrorCode::BadDrawable,
        ),
        (
            "DrawImage from",
            Request::Draw {
                target: wb.into(),
                ops: vec![DrawOp::DrawImage {
                    image: fa,
                    src: full,
                    dst: Rect::new(0, 0, 30, 30),
                }]
                .into(),
            },
            ErrorCode::BadDrawable,
        ),
        (
            "DrawImage from A's image",
            Request::Draw {
                target: wb.into(),
                ops: vec![DrawOp::DrawImage {
                    image: fi,
                    src: Rect::new(0, 0, 16, 16),
                    dst: Rect::new(0, 0, 16, 16),
                }]
                .into(),
            },
            ErrorCode::BadDrawable,
        ),
        (
            "CopyArea from",
            Request::Draw {
                target: wb.into(),
                ops: vec![DrawOp::CopyArea {
                    source: fa,
                    src: full,
                    x: 0,
                    y: 0,
                }]
                .into(),
            },
            ErrorCode::BadDrawable,
        ),
        (
            "free A's image",
            Request::FreeImage { image: fi },
            ErrorCode::BadDrawable,
        ),
        (
            "create a window with A's window id",
            Request::CreateWindow {
                window: wa,
                rect: Rect::new(0, 0, 10, 10),
                background: Color::BLACK,
            },
            ErrorCode::BadId,
        ),
        (
            "create an image in A's id range",
            Request::CreateImage {
                image: Drawable(ia.0 + 1),
                size: Size::new(4, 4),
            },
            ErrorCode::BadId,
        ),
    ];
    let mut expected = Vec::new();
    for (what, request, code) in attempts {
        // The same request on an id that names nothing gets the same code.
        let ghostly = match &request {
            Request::ConfigureWindow { rect, .. } => Some(Request::ConfigureWindow {
                window: ghost,
                rect: *rect,
            }),
            Request::DestroyWindow { .. } => Some(Request::DestroyWindow { window: ghost }),
            Request::GetImage { rect, .. } => Some(Request::GetImage {
                source: ImageSource::Drawable(ghost.into()),
                rect: *rect,
            }),
            _ => None,
        };
        expected.push((what.to_string(), b.send(&request), code));
        if let Some(g) = ghostly {
            expected.push((format!("{what} (an id naming nothing)"), b.send(&g), code));
        }
    }
    b.sync().expect("B is still served");
    for (what, seq, code) in &expected {
        let e = expect_error(&mut b, *seq, *code, "");
        assert!(
            !e.message.contains("A's window") && !e.message.contains("owner"),
            "{what}: the error tells B about A's window: {e}"
        );
    }
    report(format!(
        "isolation: {} attempts on another client's window and image, all refused",
        expected.len()
    ));

    assert_eq!(a.get_image(wa, full).expect("read"), before, "A's pixels changed");
    assert_eq!(
        a.get_image(ia, Rect::new(0, 0, 16, 16)).expect("read"),
        image_before,
        "A's image changed"
    );
    assert_eq!(
        a.get_screen_image(place).expect("screen"),
        screen_before,
        "A's window on the screen changed"
    );
    assert_eq!(
        a.list_windows()
            .expect("list_windows")
            .iter()
            .find(|w| w.id == wa),
        listed_before.iter().find(|w| w.id == wa),
        "A's window's geometry, title or mapped state changed"
    );
    let events = assert_no_errors(&mut a, "A after B's attempts");
    assert!(
        events.iter().all(|e| !matches!(
            e,
            Event::Configure { .. } | Event::Expose { .. } | Event::FrameDone { .. }
        )),
        "B's attempts caused events for A: {events:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Hostile input
// ---------------------------------------------------------------------------------------------

/// Fresh connections with hostile bytes in the fuzz run.
const FUZZ_CONNECTIONS: usize = 3000;
/// The well-behaved client checks its pixels every this many connections.
const CHECK_EVERY: usize = 100;
/// Bound on the growth of this process's RSS over the fuzz run.
const FUZZ_RSS_BOUND_KB: u64 = 300 * 1024;

fn wild_i32(rng: &mut Rng) -> i32 {
    match rng.below(12) {
        0 => i32::MAX,
        1 => i32::MIN,
        2 => 16_777_216,
        3 => -16_777_216,
        4 => 16_777_217,
        5 => rng.next() as i32,
        6 => -1,
        _ => rng.small_i32(-40, 360),
    }
}

/// A size worth trying: mostly small, sometimes over a limit. Never a legal size that is large,
/// so that the run's memory stays meaningful.
fn wild_side(rng: &mut Rng) -> u32 {
    match rng.below(12) {
        0 => 0,
        1 => u32::MAX,
        2 => 100_000,
        3 => 8193,
        4 => 16_777_217,
        5 => rng.next() as u32 | 0x1000_0000,
        _ => 1 + rng.below(64) as u32,
    }
}

fn wild_rect(rng: &mut Rng) -> Rect {
    Rect::new(wild_i32(rng), wild_i32(rng), wild_side(rng), wild_side(rng))
}

fn wild_f32(rng: &mut Rng) -> f32 {
    match rng.below(14) {
        0 => f32::NAN,
        1 => f32::INFINITY,
        2 => f32::NEG_INFINITY,
        3 => f32::MAX,
        4 => 16_777_216.0,
        5 => -16_777_216.0,
        6 => 1e4,
        7 => 1e-30,
        8 => f32::from_bits(rng.next() as u32),
        _ => rng.small_i32(-100, 400) as f32 / 3.0,
    }
}

fn wild_point(rng: &mut Rng) -> Point {
    Point {
        x: wild_i32(rng),
        y: wild_i32(rng),
    }
}

fn wild_text(rng: &mut Rng) -> String {
    const CHARS: &[char] = &[
        'a', 'W', ' ', 'é', '你', '\u{0}', '\u{202e}', '\u{301}', '😀', '\u{fffd}', '\n',
    ];
    (0..rng.below(24)).map(|_| rng.pick(CHARS)).collect()
}

fn wild_op(rng: &mut Rng, drawables: &[u32]) -> DrawOp {
    let d = Drawable(rng.pick(drawables));
    match rng.below(24) {
        0 => DrawOp::SetColor(Color(rng.next() as u32)),
        1 => DrawOp::SetLineWidth(rng.pick(&[0, 1, 3, 256, 257, u16::MAX])),
        2 => DrawOp::SetFontSize(rng.pick(&[0, 1, 16, 512, 513, u16::MAX])),
        3 => DrawOp::Clear,
        4 => DrawOp::FillRect(wild_rect(rng)),
        5 => DrawOp::Line {
            x1: wild_i32(rng),
            y1: wild_i32(rng),
            x2: wild_i32(rng),
            y2: wild_i32(rng),
        },
        6 => DrawOp::Text {
            x: wild_i32(rng),
            y: wild_i32(rng),
            text: wild_text(rng),
        },
        7 => DrawOp::SetAntialias(rng.chance(50)),
        8 => DrawOp::SetDash {
            pattern: (0..rng.below(20))
                .map(|_| rng.pick(&[0u16, 1, 3, 100, u16::MAX]))
                .collect(),
            offset: rng.next() as u16,
        },
        9 => DrawOp::SetTransform {
            sx: wild_f32(rng),
            sy: wild_f32(rng),
            tx: wild_f32(rng),
            ty: wild_f32(rng),
        },
        10 => DrawOp::SetClip((0..rng.below(6)).map(|_| wild_rect(rng)).collect()),
        11 => DrawOp::Points((0..rng.below(12)).map(|_| wild_point(rng)).collect()),
        12 => DrawOp::Polyline {
            points: (0..rng.below(12)).map(|_| wild_point(rng)).collect(),
            closed: rng.chance(50),
        },
        13 => DrawOp::StrokeRect(wild_rect(rng)),
        14 => DrawOp::FillRoundRect {
            rect: wild_rect(rng),
            radius: rng.next() as u16,
        },
        15 => DrawOp::FillPolygon((0..rng.below(12)).map(|_| wild_point(rng)).collect()),
        16 => DrawOp::FillPath(
            (0..rng.below(8))
                .map(|_| match rng.below(5) {
                    0 => PathSeg::MoveTo(wild_f32(rng), wild_f32(rng)),
                    1 => PathSeg::LineTo(wild_f32(rng), wild_f32(rng)),
                    2 => PathSeg::QuadTo(wild_f32(rng), wild_f32(rng), wild_f32(rng), wild_f32(rng)),
                    3 => PathSeg::CubicTo(
                        wild_f32(rng),
                        wild_f32(rng),
                        wild_f32(rng),
                        wild_f32(rng),
                        wild_f32(rng),
                        wild_f32(rng),
                    ),
                    _ => PathSeg::Close,
                })
                .collect(),
        ),
        17 => DrawOp::FillEllipse(wild_rect(rng)),
        18 => DrawOp::Arc {
            rect: wild_rect(rng),
            start: wild_i32(rng),
            sweep: wild_i32(rng),
        },
        19 => DrawOp::FillPie {
            rect: wild_rect(rng),
            start: wild_i32(rng),
            sweep: wild_i32(rng),
        },
        20 => DrawOp::DrawImage {
            image: d,
            src: wild_rect(rng),
            dst: wild_rect(rng),
        },
        21 => DrawOp::CopyArea {
            source: d,
            src: wild_rect(rng),
            x: wild_i32(rng),
            y: wild_i32(rng),
        },
        22 => DrawOp::SetPaint(Paint::Linear {
            x0: wild_f32(rng),
            y0: wild_f32(rng),
            x1: wild_f32(rng),
            y1: wild_f32(rng),
            stops: (0..rng.below(18))
                .map(|_| dispd_protocol::GradientStop {
                    offset: wild_f32(rng),
                    color: Color(rng.next() as u32),
                })
                .collect(),
        }),
        _ => DrawOp::SetFontFace(if rng.chance(50) {
            FontFace::Sans
        } else {
            FontFace::Mono
        }),
    }
}

/// A request that decodes, with hostile values: ids of its own, of others and of nothing;
/// sizes over every limit; extreme coordinates.
fn wild_request(rng: &mut Rng, ids: &[u32]) -> Request {
    let id = rng.pick(ids);
    let window = WindowId(id);
    match rng.below(18) {
        0 => Request::CreateWindow {
            window,
            rect: wild_rect(rng),
            background: Color(rng.next() as u32),
        },
        1 => Request::CreateWindowWithEvents {
            window,
            rect: wild_rect(rng),
            background: Color(rng.next() as u32),
            // Any bits, known or not.
            events: dispd_protocol::EventMask(rng.next() as u32),
        },
        2 => Request::DestroyWindow { window },
        3 => Request::MapWindow { window },
        4 => Request::UnmapWindow { window },
        5 => Request::ConfigureWindow {
            window,
            rect: wild_rect(rng),
        },
        6 => Request::SetTitle {
            window,
            title: if rng.chance(20) {
                "t".repeat(1025)
            } else {
                wild_text(rng)
            },
        },
        7..=9 => Request::Draw {
            target: Drawable(id),
            ops: (0..1 + rng.below(8)).map(|_| wild_op(rng, ids)).collect(),
        },
        10 => {
            let rect = wild_rect(rng);
            let n = if rng.chance(50) {
                (rect.size().area() as usize).min(64 * 64) * 4
            } else {
                rng.below(300) as usize
            };
            let compression = if rng.chance(30) {
                Compression::Lz4
            } else {
                Compression::None
            };
            Request::PutImage {
                target: Drawable(id),
                rect,
                format: if rng.chance(50) {
                    PixelFormat::Rgb8
                } else {
                    PixelFormat::Rgba8
                },
                compression,
                data: rng.bytes(n),
            }
        }
        11 => Request::GetImage {
            source: if rng.chance(20) {
                ImageSource::Screen
            } else {
                ImageSource::Drawable(Drawable(id))
            },
            rect: wild_rect(rng),
        },
        12 => Request::SetCursor {
            window,
            cursor: CursorShape::Crosshair,
        },
        13 => Request::InjectInput(InputAction::PointerMove {
            x: wild_i32(rng),
            y: wild_i32(rng),
        }),
        14 => Request::CreateImage {
            image: Drawable(id),
            size: Size::new(wild_side(rng), wild_side(rng)),
        },
        15 => Request::FreeImage { image: Drawable(id) },
        16 => Request::RequestFrame { window },
        _ => match rng.below(3) {
            0 => Request::ListWindows,
            1 => Request::QueryServerInfo,
            _ => Request::QueryFont {
                face: FontFace::Sans,
                chars: wild_text(rng),
            },
        },
    }
}

/// The first one-byte enum tag no request has: the number of `Request` variants, found by
/// decoding (a known tag followed by zeros decodes, or leaves bytes over; an unknown one is
/// malformed), so that the unknown-tag frames stay unknown as variants are appended.
fn first_unknown_request_tag() -> u8 {
    let unknown = |tag: u8| {
        let mut body = vec![tag];
        body.extend([0u8; 64]);
        matches!(
            dispd_protocol::decode::<Request>(&body),
            Err(dispd_protocol::DecodeError::Malformed(_))
        )
    };
    let first = (0..128)
        .find(|&t| unknown(t))
        .expect("some tag under 128 is unknown");
    assert!(
        first >= 18 && (first..128).all(unknown),
        "tags from {first} on must all be unknown"
    );
    first
}

/// Tallies of how hostile connections ended.
#[derive(Debug, Default)]
struct Tally {
    refused: usize,
    goodbyes: usize,
    eof: usize,
    reset: usize,
    requests_answered: usize,
    /// Connections closed for bad data without the goodbye saying why (it is best effort).
    goodbyes_lost: usize,
    /// Refusals and goodbyes by the first words of their reason.
    reasons: std::collections::BTreeMap<String, usize>,
}

impl Tally {
    /// Counts a refusal or goodbye under the start of its reason (numbers left out).
    fn note(&mut self, reason: &str) {
        let key: String = reason
            .split([':', '(', '`'])
            .next()
            .unwrap_or(reason)
            .chars()
            .filter(|c| !c.is_ascii_digit())
            .take(48)
            .collect();
        *self.reasons.entry(key.trim().to_string()).or_default() += 1;
    }

    fn refused(&mut self, reason: &str) {
        self.refused += 1;
        self.note(reason);
    }
}

/// The failures a fuzz run found, each with how to find it again.
type Findings = Vec<String>;

/// Checks the end of one hostile conversation: it ended (the server never leaves a connection
/// hanging), and no goodbye admits an internal error (a panic while handling a request).
fn check_end(what: &str, messages: &[ServerMessage], end: End, tally: &mut Tally, findings: &mut Findings) {
    match end {
        End::Eof => tally.eof += 1,
        End::Reset => tally.reset += 1,
        End::TimedOut => findings.push(format!("{what}: the server left the connection open")),
    }
    if let Some(reason) = goodbye_of(messages) {
        tally.goodbyes += 1;
        tally.note(reason);
        if reason.contains("internal") {
            findings.push(format!("{what}: {reason}"));
        }
    }
    tally.requests_answered += messages
        .iter()
        .filter(|m| matches!(m, ServerMessage::Reply { .. } | ServerMessage::Error(_)))
        .count();
}

/// One fresh connection with hostile bytes, of kind `kind`.
#[allow(clippy::too_many_lines)]
fn hostile_connection(
    server: &TestServer,
    secret: &Secret,
    rng: &mut Rng,
    i: usize,
    tally: &mut Tally,
    findings: &mut Findings,
) {
    let transport = if rng.chance(50) {
        Transport::Unix
    } else {
        Transport::Tcp
    };
    let mut p = Probe::open(server, transport, Duration::from_secs(5));
    let hello = match transport {
        Transport::Unix => plain_hello(),
        Transport::Tcp => proof_hello(secret),
    };
    let kind = i % 10;
    let what = format!("connection #{i} ({transport:?}, kind {kind})");
    // The client's own ids, once accepted: `slot << 21`, so the first few of its range.
    let accept = |p: &mut Probe| -> Option<Setup> {
        p.send(&hello);
        match p.answer() {
            Ok(ServerAnswer::Accepted { setup, .. }) => Some(setup),
            other => panic!("#{i}: a good hello was not accepted: {other:?}"),
        }
    };
    match kind {
        // Random bytes instead of a hello (sometimes starting like one).
        0 => {
            let mut bytes = if rng.chance(30) {
                b"DISPD\0\r\n".to_vec()
            } else {
                Vec::new()
            };
            let n = 1 + rng.below(400) as usize;
            bytes.extend(rng.bytes(n));
            p.send(&bytes);
            p.close_write();
            match p.answer() {
                Ok(ServerAnswer::Refused { reason, .. }) => tally.refused(&reason),
                Ok(ServerAnswer::Accepted { .. }) => {}
                Err(end) => check_end(&what, &[], end, tally, findings),
            }
            let (m, end) = p.drain();
            check_end(&what, &m, end, tally, findings);
        }
        // A good hello, mutated: flipped bytes, wrong lengths, truncated, extended.
        1 => {
            let mut bytes = hello.clone();
            for _ in 0..1 + rng.below(4) {
                match rng.below(4) {
                    0 if !bytes.is_empty() => {
                        let at = rng.below(bytes.len() as u64) as usize;
                        bytes[at] ^= 1 << rng.below(8);
                    }
                    1 => bytes.truncate(rng.below(bytes.len() as u64) as usize),
                    2 => {
                        let n = rng.below(64) as usize;
                        bytes.extend(rng.bytes(n));
                    }
                    _ => {
                        let at = 8 + rng.below(7) as usize;
                        if at < bytes.len() {
                            bytes[at] = rng.next() as u8;
                        }
                    }
                }
            }
            p.send(&bytes);
            p.close_write();
            match p.answer() {
                Ok(ServerAnswer::Refused { reason, .. }) => tally.refused(&reason),
                Ok(ServerAnswer::Accepted { .. }) => {}
                Err(end) => check_end(&what, &[], end, tally, findings),
            }
            let (m, end) = p.drain();
            check_end(&what, &m, end, tally, findings);
        }
        // Protocol versions the server does not speak.
        2 => {
            let (lo, hi) = (
                dispd_protocol::MIN_PROTOCOL_VERSION,
                dispd_protocol::PROTOCOL_VERSION,
            );
            let (min, max) = rng.pick(&[
                (0, lo.saturating_sub(1)),
                (hi + 1, hi + 1),
                (hi + 1, u16::MAX),
                (hi, hi - 1),
                (u16::MAX, u16::MAX),
                (u16::MAX, 0),
            ]);
            let mut h = ClientHello::new("", b"");
            h.min_version = min;
            h.max_version = max;
            p.send(&h.encode().expect("encode"));
            match p.answer() {
                Ok(ServerAnswer::Refused { reason, version }) => {
                    tally.refused(&reason);
                    assert!(reason.contains("version"), "{what}: {reason}");
                    assert_eq!(version, dispd_protocol::PROTOCOL_VERSION, "{what}");
                }
                other => panic!("{what}: versions {min}..={max} were not refused: {other:?}"),
            }
            let (m, end) = p.drain();
            check_end(&what, &m, end, tally, findings);
        }
        // A truncated frame, then the client stops sending.
        3 => {
            let setup = accept(&mut p);
            let ids = setup
                .map(|s| vec![s.ids.base, s.ids.base + 1])
                .unwrap_or_default();
            let f = frame(&wild_request(rng, &ids));
            let cut = rng.below(f.len() as u64) as usize;
            p.send(&f[..cut.max(1)]);
            p.close_write();
            let (m, end) = p.drain();
            check_end(&what, &m, end, tally, findings);
        }
        // A length prefix over max_frame_len (up to u32::MAX), sometimes with bytes after it.
        4 => {
            accept(&mut p);
            let max = u64::from(dispd_protocol::DEFAULT_MAX_FRAME_LEN);
            let len = (max + 1 + rng.below(u64::from(u32::MAX) - max)) as u32;
            let mut bytes = len.to_le_bytes().to_vec();
            let trailing = rng.chance(30);
            if trailing {
                let n = 1 + rng.below(1000) as usize;
                bytes.extend(rng.bytes(n));
            }
            p.send(&bytes);
            let sent = Instant::now();
            let (m, end) = p.drain();
            match goodbye_of(&m) {
                Some(reason) => assert!(reason.contains("exceeds the limit"), "{what}: {reason}"),
                // The goodbye is best effort: the session waits at most a second for the core.
                None if end == End::Eof && !trailing => {
                    tally.goodbyes_lost += 1;
                    report(format!(
                        "{what}: closed without a goodbye after {:.2?}",
                        sent.elapsed()
                    ));
                }
                None => assert!(
                    trailing,
                    "{what}: no goodbye for a {len}-byte frame: {m:?} {end:?}"
                ),
            }
            check_end(&what, &m, end, tally, findings);
        }
        // A frame whose body starts with an enum tag no request has.
        5 => {
            accept(&mut p);
            let first_unknown = first_unknown_request_tag();
            let mut body = if rng.chance(50) {
                vec![first_unknown + rng.below(128 - u64::from(first_unknown)) as u8]
            } else {
                vec![0x80 | rng.next() as u8, 1 + rng.below(127) as u8]
            };
            let n = rng.below(32) as usize;
            body.extend(rng.bytes(n));
            let mut bytes = (body.len() as u32).to_le_bytes().to_vec();
            bytes.extend(&body);
            p.send(&bytes);
            let (m, end) = p.drain();
            match goodbye_of(&m) {
                Some(reason) => assert!(reason.contains("does not decode"), "{what}: {reason}"),
                None if end == End::Eof => tally.goodbyes_lost += 1,
                None => panic!("{what}: no goodbye: {m:?} {end:?}"),
            }
            check_end(&what, &m, end, tally, findings);
        }
        // Valid requests, mutated byte by byte, then a sync.
        6 => {
            let setup = accept(&mut p).expect("setup");
            let ids = [setup.ids.base, setup.ids.base + 1, 0, rng.next() as u32];
            let mut bytes = Vec::new();
            for _ in 0..1 + rng.below(4) {
                bytes.extend(frame(&wild_request(rng, &ids)));
            }
            for _ in 0..1 + rng.below(3) {
                let at = rng.below(bytes.len() as u64) as usize;
                bytes[at] = rng.next() as u8;
            }
            bytes.extend(frame(&Request::Sync));
            p.send(&bytes);
            p.close_write();
            let (m, end) = p.drain();
            check_end(&what, &m, end, tally, findings);
        }
        // Huge dimensions and sizes: each refused by its request's error (or, for a frame
        // announcing a gigabyte, by a goodbye); the connection otherwise stays usable.
        7 => {
            let setup = accept(&mut p).expect("setup");
            let w = WindowId(setup.ids.base);
            p.request(&Request::CreateWindow {
                window: w,
                rect: Rect::new(0, 0, 8, 8),
                background: Color::WHITE,
            });
            let huge: Vec<(Request, ErrorCode)> = vec![
                (
                    Request::CreateWindow {
                        window: WindowId(setup.ids.base + 1),
                        rect: Rect::new(0, 0, 100_000, 100_000),
                        background: Color::WHITE,
                    },
                    ErrorCode::BadValue,
                ),
                (
                    Request::ConfigureWindow {
                        window: w,
                        rect: Rect::new(0, 0, u32::MAX, u32::MAX),
                    },
                    ErrorCode::BadValue,
                ),
                (
                    Request::CreateImage {
                        image: Drawable(setup.ids.base + 2),
                        size: Size::new(8192, 8192),
                    },
                    ErrorCode::BadValue,
                ),
                (
                    Request::PutImage {
                        target: w.into(),
                        rect: Rect::new(0, 0, 40_000, 40_000),
                        format: PixelFormat::Rgba8,
                        compression: Compression::None,
                        data: vec![1; 16],
                    },
                    ErrorCode::BadValue,
                ),
                (
                    Request::PutImage {
                        target: w.into(),
                        rect: Rect::new(0, 0, 4000, 4000),
                        format: PixelFormat::Rgba8,
                        compression: Compression::Lz4,
                        data: vec![0xff; 64],
                    },
                    ErrorCode::BadValue,
                ),
                (
                    Request::GetImage {
                        source: ImageSource::Drawable(w.into()),
                        rect: Rect::new(0, 0, 100_000, 100_000),
                    },
                    ErrorCode::BadValue,
                ),
                (
                    Request::Draw {
                        target: w.into(),
                        ops: vec![DrawOp::FillRect(Rect::new(
                            i32::MIN,
                            i32::MIN,
                            u32::MAX,
                            u32::MAX,
                        ))]
                        .into(),
                    },
                    ErrorCode::BadValue,
                ),
            ];
            let mut seqs = Vec::new();
            for (r, code) in &huge {
                seqs.push((p.request(r), *code, r.name()));
            }
            match p.sync() {
                Ok(m) => {
                    for (seq, code, name) in seqs {
                        assert!(
                            m.iter().any(
                                |x| matches!(x, ServerMessage::Error(e) if e.seq == seq && e.code == code)
                            ),
                            "{what}: no {code:?} for the huge {name}: {m:?}"
                        );
                    }
                    tally.requests_answered += m.len();
                }
                Err((m, end)) => panic!("{what}: huge requests cost the connection: {m:?} {end:?}"),
            }
            // A PutImage announcing a gigabyte of pixels: the prefix alone ends it.
            let mut bytes = 1_000_000_000u32.to_le_bytes().to_vec();
            bytes.extend(
                &frame(&Request::PutImage {
                    target: w.into(),
                    rect: Rect::new(0, 0, 15_811, 15_811),
                    format: PixelFormat::Rgba8,
                    compression: Compression::None,
                    data: vec![],
                })[4..],
            );
            p.send(&bytes);
            let (m, end) = p.drain();
            match goodbye_of(&m) {
                Some(reason) => assert!(reason.contains("exceeds the limit"), "{what}: {reason}"),
                None if end == End::Eof => tally.goodbyes_lost += 1,
                None => panic!("{what}: no goodbye for 1e9 bytes: {m:?} {end:?}"),
            }
            check_end(&what, &m, end, tally, findings);
        }
        // Random bytes after a good hello.
        8 => {
            accept(&mut p);
            let n = 1 + rng.below(300) as usize;
            p.send(&rng.bytes(n));
            p.close_write();
            let (m, end) = p.drain();
            check_end(&what, &m, end, tally, findings);
        }
        // Half a frame, then the process dies (both directions closed, nothing read).
        _ => {
            let setup = accept(&mut p).expect("setup");
            let f = frame(&Request::CreateWindow {
                window: WindowId(setup.ids.base),
                rect: Rect::new(0, 0, 30, 30),
                background: Color::WHITE,
            });
            let mut bytes = f.clone();
            bytes.extend(&frame(&Request::Draw {
                target: Drawable(setup.ids.base),
                ops: vec![DrawOp::Clear; 10].into(),
            }));
            let cut = f.len() + rng.below((bytes.len() - f.len()) as u64) as usize;
            p.send(&bytes[..cut]);
            p.shutdown(Shutdown::Both);
            tally.reset += 1;
        }
    }
}

/// A client that stays connected through the fuzz run, sending decodable but hostile
/// requests, and syncing now and then. It must never be disconnected.
struct LongLived {
    probe: Probe,
    ids: Vec<u32>,
    sent: Vec<(u32, String)>,
    slowest: Duration,
    /// The requests before the slowest sync.
    slowest_batch: Vec<String>,
}

impl LongLived {
    fn new(server: &TestServer, transport: Transport, secret: &Secret, victim: u32) -> Self {
        let mut probe = Probe::open(server, transport, WAIT);
        let hello = match transport {
            Transport::Unix => plain_hello(),
            Transport::Tcp => proof_hello(secret),
        };
        let setup = probe.handshake(&hello);
        let b = setup.ids.base;
        LongLived {
            probe,
            ids: vec![
                b,
                b + 1,
                b + 2,
                b + 3,
                victim,
                victim + 1,
                0,
                u32::MAX,
                b + setup.ids.count,
            ],
            sent: Vec::new(),
            slowest: Duration::ZERO,
            slowest_batch: Vec::new(),
        }
    }

    /// Sends one hostile request; every 30, syncs. Returns a finding if it was disconnected.
    fn step(&mut self, rng: &mut Rng) -> Option<String> {
        let request = wild_request(rng, &self.ids);
        let seq = self.probe.request(&request);
        self.sent.push((seq, format!("{request:?}")));
        if self.sent.len() < 30 {
            return None;
        }
        let t = Instant::now();
        let result = self.probe.sync();
        let sent = std::mem::take(&mut self.sent);
        if t.elapsed() > self.slowest {
            self.slowest = t.elapsed();
            self.slowest_batch = sent.iter().map(|(_, r)| r.chars().take(160).collect()).collect();
        }
        match result {
            Ok(_) => None,
            Err((m, end)) => {
                let reason = goodbye_of(&m).unwrap_or("(no goodbye)").to_string();
                // The goodbye names the request: "... request #N (Name)".
                let culprit = sent
                    .iter()
                    .find(|(s, _)| reason.contains(&format!("#{s} ")))
                    .map_or_else(|| format!("{} requests", sent.len()), |(_, r)| r.clone());
                Some(format!(
                    "a long-lived client was disconnected ({end:?}): {reason}; request: {culprit}"
                ))
            }
        }
    }
}

/// Thousands of connections with hostile bytes (bad hellos, wrong versions, random bytes,
/// truncated, oversized and undecodable frames, huge sizes, hostile requests) and three
/// long-lived clients sending decodable but hostile requests, while a well-behaved client
/// draws and reads back. Nothing may panic, hang a connection, disturb the good client or keep
/// memory.
#[test]
fn hostile_input_costs_only_the_sender() {
    let seed = seed();
    let mut rng = Rng::new(seed);
    let secret = the_secret();
    let server = TestServer::start(secured(&[]));
    let mut good = server.connect_with(Transport::Unix, Auth::None);
    let (gw, gh) = (64u32, 48u32);
    let bg = Color::WHITE;
    let gwin = mapped(&mut good, Rect::new(0, 0, gw, gh), bg);
    let mut model = vec![rgba(bg); (gw * gh) as usize];
    let mut check_good = |good: &mut Display, rng: &mut Rng, round: usize| {
        let c = Color::rgb(rng.next() as u8, rng.next() as u8, rng.next() as u8);
        let r = Rect::new(
            rng.small_i32(-8, 60),
            rng.small_i32(-8, 44),
            1 + rng.below(40) as u32,
            1 + rng.below(30) as u32,
        );
        good.draw(gwin).color(c).fill_rect(r);
        for y in 0..gh {
            for x in 0..gw {
                if r.contains(x as i32, y as i32) {
                    model[(y * gw + x) as usize] = rgba(c);
                }
            }
        }
        let img = good
            .get_image(gwin, Rect::new(0, 0, gw, gh))
            .unwrap_or_else(|e| panic!("round {round}: the good client failed: {e}"));
        assert_pixels(
            &img,
            &format!("the good client's window at round {round}"),
            |x, y| model[(y * gw + x) as usize],
        );
    };
    check_good(&mut good, &mut rng, 0);
    let rss_before = status_kb("VmRSS");
    let hwm_before = status_kb("VmHWM");
    let started = Instant::now();

    let mut long_lived: Vec<LongLived> = [Transport::Unix, Transport::Tcp, Transport::Tcp]
        .into_iter()
        .map(|t| LongLived::new(&server, t, &secret, gwin.0))
        .collect();
    let mut tally = Tally::default();
    let mut findings = Findings::new();
    let mut long_requests = 0usize;
    let mut rss_third = 0;
    let connections = std::env::var("DISPD_FUZZ_CONNECTIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(FUZZ_CONNECTIONS);
    for i in 0..connections {
        hostile_connection(&server, &secret, &mut rng, i, &mut tally, &mut findings);
        let k = i % long_lived.len();
        if let Some(f) = long_lived[k].step(&mut rng) {
            findings.push(format!("#{i}: {f}"));
            let transport = if k == 0 { Transport::Unix } else { Transport::Tcp };
            long_lived[k] = LongLived::new(&server, transport, &secret, gwin.0);
        }
        long_requests += 1;
        if i % CHECK_EVERY == CHECK_EVERY - 1 {
            check_good(&mut good, &mut rng, i + 1);
        }
        if i == connections / 3 {
            rss_third = status_kb("VmRSS");
        }
    }
    let elapsed = started.elapsed();
    let slowest = long_lived.iter().map(|l| l.slowest).max().unwrap_or_default();
    if let Some(l) = long_lived.iter().find(|l| l.slowest == slowest) {
        report(format!(
            "hostile input: the slowest long-lived batch ({slowest:.2?}):\n  {}",
            l.slowest_batch.join("\n  ")
        ));
    }
    drop(long_lived);

    // The good client is the only one left, with its one window; a new client gets in.
    let mut fresh = server.connect_with(Transport::Tcp, Auth::Secret(secret.clone()));
    let info = wait_info(&mut fresh, "only the good client and this one", |i| {
        i.clients == 2 && i.windows == 1
    });
    check_good(&mut good, &mut rng, connections);
    let rss_after = status_kb("VmRSS");
    let hwm_after = status_kb("VmHWM");
    report(format!(
        "hostile input (seed {seed}): {connections} connections + {long_requests} hostile requests \
         from 3 long-lived clients in {elapsed:.2?}; {tally:?}; slowest long-lived sync {slowest:.2?}; \
         good client checked {} times; server info after: {info:?}",
        connections / CHECK_EVERY + 1
    ));
    report(format!(
        "hostile input memory: VmRSS {rss_before} kB -> {rss_third} kB after a third -> {rss_after} kB ({:+} kB), \
         VmHWM {hwm_before} kB -> {hwm_after} kB",
        rss_after as i64 - rss_before as i64
    ));
    assert!(
        findings.is_empty(),
        "{} findings:\n{}",
        findings.len(),
        findings.join("\n")
    );
    assert!(
        rss_after.saturating_sub(rss_before) < FUZZ_RSS_BOUND_KB,
        "RSS grew by {} kB",
        rss_after - rss_before
    );
}

// ---------------------------------------------------------------------------------------------
// 4. Load
// ---------------------------------------------------------------------------------------------

/// Clients connected at once in the load test.
const LOAD_CLIENTS: usize = 200;
/// Threads holding them.
const LOAD_THREADS: usize = 10;
/// How long every client draws.
const LOAD_DRAW_FOR: Duration = Duration::from_secs(2);
/// Side of each load client's window.
const LOAD_SIDE: u32 = 24;

/// One client of the load test: the library, or a raw socket (which can die mid-frame).
enum LoadClient {
    Lib(Box<Display>, WindowId),
    Raw(Probe, WindowId),
}

/// The colour client `n` draws in round `round`.
fn load_color(n: usize, round: usize) -> Color {
    Color::rgb(n as u8, round as u8, 0x80 | (n >> 8) as u8)
}

impl LoadClient {
    fn connect(server: &TestServer, n: usize) -> Self {
        let transport = if n % 4 < 2 {
            Transport::Unix
        } else {
            Transport::Tcp
        };
        let rect = Rect::new(
            (n % 12) as i32 * 25,
            (n / 12 % 9) as i32 * 25,
            LOAD_SIDE,
            LOAD_SIDE,
        );
        if n % 2 == 0 {
            let mut d = server.connect(transport);
            let w = d.create_window(rect, Color::WHITE).expect("create_window");
            d.map_window(w);
            d.sync().expect("sync");
            LoadClient::Lib(Box::new(d), w)
        } else {
            let mut p = Probe::open(server, transport, WAIT);
            let setup = p.handshake(&plain_hello());
            let w = WindowId(setup.ids.base);
            p.request(&Request::CreateWindow {
                window: w,
                rect,
                background: Color::WHITE,
            });
            p.request(&Request::MapWindow { window: w });
            p.sync().expect("raw sync");
            LoadClient::Raw(p, w)
        }
    }

    fn draw(&mut self, color: Color) {
        match self {
            LoadClient::Lib(d, w) => {
                d.draw(*w).color(color).clear();
                d.flush().expect("flush");
            }
            LoadClient::Raw(p, w) => {
                p.request(&Request::Draw {
                    target: (*w).into(),
                    ops: vec![DrawOp::SetColor(color), DrawOp::Clear].into(),
                });
            }
        }
    }

    /// Reads back the window; every pixel must be `color`.
    fn check(&mut self, color: Color, what: &str) {
        let rect = Rect::new(0, 0, LOAD_SIDE, LOAD_SIDE);
        let img = match self {
            LoadClient::Lib(d, w) => d.get_image(*w, rect).unwrap_or_else(|e| panic!("{what}: {e}")),
            LoadClient::Raw(p, w) => {
                let seq = p.request(&Request::GetImage {
                    source: ImageSource::Drawable((*w).into()),
                    rect,
                });
                match p.until_reply(seq).map(|mut m| m.pop()) {
                    Ok(Some(ServerMessage::Reply {
                        reply: dispd_protocol::Reply::Image(i),
                        ..
                    })) => i,
                    other => panic!("{what}: {other:?}"),
                }
            }
        };
        assert_pixels(&img, what, |_, _| rgba(color));
    }

    /// Goes away: abruptly (killed mid-frame, or dropped with replies unread) or normally.
    fn leave(self, abrupt: bool, n: usize) {
        match (self, abrupt) {
            (LoadClient::Lib(mut d, w), true) => {
                for k in 0..5 {
                    d.draw(w).color(load_color(n, k)).fill_rect(Rect::new(0, 0, 5, 5));
                }
                d.send(&Request::GetImage {
                    source: ImageSource::Drawable(w.into()),
                    rect: Rect::new(0, 0, LOAD_SIDE, LOAD_SIDE),
                });
                let _ = d.flush();
                drop(d);
            }
            (LoadClient::Lib(mut d, _), false) => {
                d.sync().expect("sync before closing");
                drop(d);
            }
            (LoadClient::Raw(mut p, w), true) => {
                let f = frame(&Request::Draw {
                    target: w.into(),
                    ops: vec![DrawOp::Clear; 20].into(),
                });
                p.send(&f[..f.len() / 2]);
                p.shutdown(Shutdown::Both);
            }
            (LoadClient::Raw(mut p, _), false) => {
                p.sync().expect("sync before closing");
                p.close_write();
                let (_, end) = p.drain();
                assert_eq!(
                    end,
                    End::Eof,
                    "a client closing normally sees the server close too"
                );
            }
        }
    }
}

/// The soft limit on open files, from /proc/self/limits.
fn open_files_limit() -> String {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|l| {
            l.lines()
                .find(|l| l.starts_with("Max open files"))
                .map(|l| l.to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// 200 clients connect at once, each draws into its own window for two seconds and checks its
/// pixels; half then die abruptly (mid-frame, or with replies unread), half close normally.
/// The server forgets them all and serves the next client.
#[test]
fn two_hundred_clients_draw_then_half_die() {
    report(format!("load: {}", open_files_limit()));
    let server = TestServer::with_defaults();
    let mut watcher = server.connect(Transport::Unix);
    let per_thread = LOAD_CLIENTS / LOAD_THREADS;
    let start = Barrier::new(LOAD_THREADS);
    let connected = Barrier::new(LOAD_THREADS + 1);
    let go = Barrier::new(LOAD_THREADS + 1);
    let t0 = Instant::now();
    let (rounds, peak) = std::thread::scope(|s| {
        let threads: Vec<_> = (0..LOAD_THREADS)
            .map(|t| {
                let (server, start, connected, go) = (&server, &start, &connected, &go);
                s.spawn(move || {
                    start.wait();
                    let base = t * per_thread;
                    let mut clients: Vec<LoadClient> = (base..base + per_thread)
                        .map(|n| LoadClient::connect(server, n))
                        .collect();
                    connected.wait();
                    go.wait();
                    let began = Instant::now();
                    let mut round = 0;
                    while began.elapsed() < LOAD_DRAW_FOR {
                        for (k, c) in clients.iter_mut().enumerate() {
                            c.draw(load_color(base + k, round));
                        }
                        if round % 4 == 3 {
                            for (k, c) in clients.iter_mut().enumerate() {
                                c.check(
                                    load_color(base + k, round),
                                    &format!("client {} round {round}", base + k),
                                );
                            }
                        }
                        round += 1;
                    }
                    for (k, c) in clients.iter_mut().enumerate() {
                        c.check(
                            load_color(base + k, round - 1),
                            &format!("client {} at the end", base + k),
                        );
                    }
                    for (k, c) in clients.into_iter().enumerate() {
                        c.leave((base + k) % 4 == 0 || (base + k) % 4 == 3, base + k);
                    }
                    round
                })
            })
            .collect();
        connected.wait();
        let peak = wait_info(&mut watcher, "all load clients connected", |i| {
            i.clients as usize == LOAD_CLIENTS + 1 && i.windows as usize == LOAD_CLIENTS
        });
        let connect_time = t0.elapsed();
        go.wait();
        let rounds: Vec<usize> = threads
            .into_iter()
            .map(|t| t.join().expect("a load thread failed"))
            .collect();
        (rounds, (peak, connect_time))
    });
    let total = t0.elapsed();
    let info = wait_info(&mut watcher, "every load client forgotten", |i| {
        i.windows == 0 && i.clients == 1
    });
    let forgotten = t0.elapsed();
    let mut after = server.connect(Transport::Tcp);
    let w = mapped(&mut after, Rect::new(5, 5, 40, 30), Color::WHITE);
    after.draw(w).color(Color::rgb(1, 2, 3)).clear();
    assert_pixels(
        &after.get_image(w, Rect::new(0, 0, 40, 30)).expect("read back"),
        "a client after the load",
        |_, _| [1, 2, 3, 255],
    );
    let draws: usize = rounds.iter().sum::<usize>() * per_thread;
    report(format!(
        "load: {LOAD_CLIENTS} clients ({LOAD_THREADS} threads) connected in {:.2?} (peak info {:?}), \
         {draws} draw batches in {LOAD_DRAW_FOR:?} (rounds per thread {rounds:?}), \
         100 died abruptly, 100 closed; all forgotten {:.2?} after the start ({total:.2?} to the end of \
         the threads); after: {info:?}",
        peak.1,
        (peak.0.clients, peak.0.windows),
        forgotten
    ));
}

// ---------------------------------------------------------------------------------------------
// 5. Slow readers
// ---------------------------------------------------------------------------------------------

/// The slow-client timeout of the slow-reader test.
const SLOW_MS: u64 = 1000;

/// A client that stops reading while events (injected keys) or replies (thousands of GetImage)
/// pile up for it is disconnected within the slow-client timeout plus a margin, and meanwhile
/// another client's round trips stay fast.
#[test]
fn clients_that_stop_reading_are_dropped_and_others_stay_fast() {
    let server = TestServer::start(Config {
        allow_injection: true,
        slow_client_timeout_ms: SLOW_MS,
        ..Config::default()
    });
    let mut observer = server.connect(Transport::Unix);
    let mut driver = server.connect(Transport::Unix);
    let mut victim = server.connect(Transport::Tcp);
    let vw = mapped(&mut victim, Rect::new(0, 0, 50, 50), Color::WHITE);
    wait_event(
        &mut victim,
        "focus",
        |e| matches!(e, Event::Focus { window, focused: true } if *window == vw),
    );
    let limit = Duration::from_millis(SLOW_MS);
    let margin = Duration::from_millis(1500);

    // Events: keys (which never merge) injected into the victim's focused window.
    let stop = AtomicBool::new(false);
    let (gone_after, keys, mut latencies) = std::thread::scope(|s| {
        let sampler = s.spawn(|| sample_latency(&mut observer, &stop, Duration::from_millis(20), 50));
        let t = Instant::now();
        let mut keys = 0usize;
        let gone = loop {
            for _ in 0..250 {
                driver.inject_input(InputAction::Key {
                    pressed: keys % 2 == 0,
                    code: 30,
                    key: Key::Character("a".into()),
                    text: Some("a".into()),
                    modifiers: Modifiers::default(),
                });
                keys += 1;
            }
            let info = driver.server_info().expect("the driver's server_info");
            if info.clients == 2 {
                break t.elapsed();
            }
            assert!(
                t.elapsed() < limit * 10,
                "the victim is still connected after {keys} keys"
            );
        };
        stop.store(true, Ordering::Relaxed);
        (gone, keys, sampler.join().expect("sampler"))
    });
    let (median, max) = median_max(&mut latencies);
    report(format!(
        "slow reader (events): dropped {gone_after:.2?} after the flood began, {keys} keys injected; \
         observer sync over {} samples: median {median:.2?}, max {max:.2?}",
        latencies.len()
    ));
    assert!(gone_after < limit + margin, "dropped only after {gone_after:?}");
    assert!(max < Duration::from_secs(1), "the observer waited {max:?}");
    // The victim, reading again, gets what was queued and then the end of the connection.
    let deadline = Instant::now() + WAIT;
    let mut got = 0usize;
    let end = loop {
        match victim.next_event_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(Some(_)) => got += 1,
            Ok(None) => panic!("the victim's connection is still open after {got} events"),
            Err(e) => break e,
        }
    };
    assert!(end.is_fatal(), "{end}");
    report(format!(
        "slow reader (events): the victim read {got} events, then: {end}"
    ));

    // Replies: 2000 GetImage requests (4 KiB each, 8 MiB in all: more than the 2 MiB the
    // socket's send buffer holds, so that output waits in the server) and no reading.
    let mut greedy = server.connect(Transport::Unix);
    let gw = greedy
        .create_window(Rect::new(0, 0, 32, 32), Color::WHITE)
        .expect("create_window");
    greedy.sync().expect("sync");
    let stop = AtomicBool::new(false);
    let (gone_after, mut latencies) = std::thread::scope(|s| {
        let sampler = s.spawn(|| sample_latency(&mut observer, &stop, Duration::from_millis(20), 50));
        for _ in 0..2000 {
            greedy.send(&Request::GetImage {
                source: ImageSource::Drawable(gw.into()),
                rect: Rect::new(0, 0, 32, 32),
            });
        }
        greedy.flush().expect("flush");
        let t = Instant::now();
        let gone = loop {
            if driver.server_info().expect("server_info").clients == 2 {
                break t.elapsed();
            }
            assert!(t.elapsed() < limit * 10, "the greedy client is still connected");
            std::thread::sleep(Duration::from_millis(10));
        };
        stop.store(true, Ordering::Relaxed);
        (gone, sampler.join().expect("sampler"))
    });
    let (median, max) = median_max(&mut latencies);
    report(format!(
        "slow reader (replies): 2000 GetImage of 4 KiB unread; dropped {gone_after:.2?} after sending; \
         observer sync over {} samples: median {median:.2?}, max {max:.2?}",
        latencies.len()
    ));
    assert!(
        gone_after >= limit.mul_f32(0.9),
        "dropped after {gone_after:?}, before the slow-client timeout"
    );
    assert!(gone_after < limit + margin, "dropped only after {gone_after:?}");
    assert!(max < Duration::from_secs(1), "the observer waited {max:?}");
    let mut after = server.connect(Transport::Tcp);
    after.sync().expect("a new client is served");
}

/// A client that maps and unmaps its windows in a tight loop, reading nothing meanwhile, is not
/// dropped: each map brings an expose and two focus changes, more than the session's queue and
/// the backlog hold together, but waiting focus changes of a window merge into the newest, as
/// exposes do. (It used to be dropped with "it stopped reading".)
#[test]
fn a_client_mapping_windows_in_a_loop_is_not_dropped() {
    let server = TestServer::with_defaults();
    let mut d = server.connect(Transport::Unix);
    let windows: Vec<WindowId> = (0..25)
        .map(|i| {
            d.create_window(Rect::new(i * 10, 0, 8, 8), Color::BLACK)
                .expect("create_window")
        })
        .collect();
    d.sync().expect("sync");
    for _ in 0..400 {
        for &w in &windows {
            d.unmap_window(w);
        }
        for &w in &windows {
            d.map_window(w);
        }
    }
    d.sync().expect("still connected after 20 000 maps and unmaps");
    let mut focus_in = None;
    while let Some(e) = d.poll_event().expect("events") {
        if let Event::Focus {
            window,
            focused: true,
        } = e
        {
            focus_in = Some(window);
        }
    }
    assert_eq!(
        focus_in,
        windows.last().copied(),
        "the last focus event names the last window mapped"
    );
}

// ---------------------------------------------------------------------------------------------
// 6. Limits
// ---------------------------------------------------------------------------------------------

fn limited() -> Config {
    Config {
        max_windows_per_client: 3,
        max_images_per_client: 2,
        max_pixels_per_client: 10_000,
        max_title_len: 16,
        max_batch_ops: 10,
        max_get_image_pixels: 20_000,
        max_frame_len: 64 * 1024,
        ..Config::default()
    }
}

/// Each per-client limit refuses the request that would pass it, with an error for that
/// request (Limit or BadValue) that changes nothing; the connection stays usable, and the
/// request at the limit itself succeeds.
#[test]
fn per_client_limits_refuse_one_request_and_keep_the_connection() {
    let server = TestServer::start(limited());
    let mut d = server.connect(Transport::Unix);

    // Pixels: 10 000 in all.
    let big = d
        .create_window(Rect::new(0, 0, 90, 100), Color::WHITE)
        .expect("id");
    d.create_image(Size::new(40, 40)).expect("id");
    expect_last_error(&mut d, ErrorCode::Limit, "10000 pixels");
    d.configure_window(big, Rect::new(0, 0, 100, 100));
    let _ = assert_no_errors(&mut d, "a window of exactly the pixel budget");
    d.configure_window(big, Rect::new(0, 0, 101, 100));
    expect_last_error(&mut d, ErrorCode::Limit, "10000 pixels");
    let listed = d.list_windows().expect("list_windows");
    assert_eq!(
        listed[0].rect,
        Rect::new(0, 0, 100, 100),
        "the refused resize changed the window"
    );
    d.create_window(Rect::new(0, 0, 1, 1), Color::WHITE).expect("id");
    expect_last_error(&mut d, ErrorCode::Limit, "pixels");
    d.destroy_window(big);
    let img = d.create_image(Size::new(100, 100)).expect("id");
    let _ = assert_no_errors(&mut d, "the budget is refunded when a window goes");
    d.free_image(img);

    // Windows: 3.
    let windows: Vec<WindowId> = (0..3)
        .map(|i| {
            d.create_window(Rect::new(i * 6, 0, 5, 5), Color::WHITE)
                .expect("id")
        })
        .collect();
    let _ = assert_no_errors(&mut d, "three windows");
    d.create_window(Rect::new(0, 10, 5, 5), Color::WHITE).expect("id");
    expect_last_error(&mut d, ErrorCode::Limit, "at most 3 windows");
    d.destroy_window(windows[2]);
    let w = d.create_window(Rect::new(0, 10, 5, 5), Color::WHITE).expect("id");
    let _ = assert_no_errors(&mut d, "a window again after one was destroyed");

    // Images: 2.
    let images: Vec<Drawable> = (0..2)
        .map(|_| d.create_image(Size::new(5, 5)).expect("id"))
        .collect();
    let _ = assert_no_errors(&mut d, "two images");
    d.create_image(Size::new(5, 5)).expect("id");
    expect_last_error(&mut d, ErrorCode::Limit, "at most 2 images");
    d.free_image(images[0]);
    d.create_image(Size::new(5, 5)).expect("id");
    let _ = assert_no_errors(&mut d, "an image again after one was freed");

    // Titles: 16 bytes.
    d.set_title(w, "sixteen bytes ok");
    let _ = assert_no_errors(&mut d, "a title at the limit");
    for long in ["seventeen bytes!!", "ééééééééé"] {
        d.set_title(w, long);
        expect_last_error(&mut d, ErrorCode::BadValue, "over 16");
    }
    let title = d
        .list_windows()
        .expect("list_windows")
        .into_iter()
        .find(|i| i.id == w)
        .map(|i| i.title);
    assert_eq!(
        title.as_deref(),
        Some("sixteen bytes ok"),
        "a refused title was set"
    );

    // Batches: 10 ops.
    let mut p = d.draw(w);
    p.color(Color::rgb(0, 0, 200));
    for _ in 0..9 {
        p.clear();
    }
    p.finish();
    let _ = assert_no_errors(&mut d, "a batch of 10 ops");
    let seq = d.send(&Request::Draw {
        target: w.into(),
        ops: vec![
            DrawOp::SetColor(Color::rgb(200, 0, 0)),
            DrawOp::Clear,
            DrawOp::Clear,
        ]
        .into_iter()
        .chain(std::iter::repeat_n(DrawOp::Clear, 8))
        .collect(),
    });
    expect_error(&mut d, seq, ErrorCode::BadValue, "over the limit of 10");
    assert_pixels(
        &d.get_image(w, Rect::new(0, 0, 5, 5)).expect("read"),
        "the window after a refused batch",
        |_, _| [0, 0, 200, 255],
    );

    // Reads: 20 000 pixels at once (of the screen: a read must lie inside its source).
    d.get_screen_image(Rect::new(0, 0, 200, 100))
        .expect("a read at the limit");
    match d.get_screen_image(Rect::new(0, 0, 201, 100)) {
        Err(ClientError::Request(e)) => assert_eq!(e.code, ErrorCode::BadValue, "{e}"),
        other => panic!("a read over the limit: {other:?}"),
    }
    // Sizes: a window of 100000x100000 is refused before anything is allocated.
    d.destroy_window(windows[0]);
    d.create_window(Rect::new(0, 0, 100_000, 100_000), Color::WHITE)
        .expect("id");
    expect_last_error(&mut d, ErrorCode::BadValue, "not allowed");
    let info = d.server_info().expect("the connection is still usable");
    assert_eq!(info.windows, 2, "{info:?}");
}

/// A frame over max_frame_len ends the connection with a goodbye naming the limit; a frame of
/// exactly the limit is read (and its request judged on its own).
#[test]
fn frames_over_max_frame_len_end_the_connection() {
    let max = limited().max_frame_len;
    let server = TestServer::start(limited());
    for transport in [Transport::Unix, Transport::Tcp] {
        let mut p = Probe::open(&server, transport, WAIT);
        let setup = p.handshake(&plain_hello());
        assert_eq!(
            setup.max_frame_len, max,
            "the limit is announced at the handshake"
        );
        // A PutImage whose body is exactly `max` bytes: its data does not fit its rectangle,
        // so it is refused by an error, not by a goodbye.
        let put = |n: usize| Request::PutImage {
            target: Drawable(setup.ids.base),
            rect: Rect::new(0, 0, 1, 1),
            format: PixelFormat::Rgba8,
            compression: Compression::None,
            data: vec![7; n],
        };
        let n = (0..max as usize)
            .rev()
            .find(|n| frame(&put(*n)).len() == max as usize + 4)
            .expect("a data length giving a frame of exactly the limit");
        let seq = p.request(&put(n));
        let got = p.until_reply(seq).expect("a frame at the limit is read");
        assert!(
            matches!(got.last(), Some(ServerMessage::Error(e)) if e.code == ErrorCode::BadDrawable),
            "{got:?}"
        );
        p.sync().expect("still connected");
        assert!(p.send(&(max + 1).to_le_bytes()));
        let (m, end) = p.drain();
        let reason = goodbye_of(&m).unwrap_or_else(|| panic!("{transport:?}: no goodbye: {m:?} {end:?}"));
        assert!(
            reason.contains("exceeds the limit") && reason.contains(&max.to_string()),
            "{transport:?}: {reason}"
        );
        assert_eq!(end, End::Eof, "{transport:?}");
        report(format!("frame of {} bytes over {transport:?}: {reason}", max + 1));
    }
}

/// A batch announcing more ops than the protocol allows is refused while it decodes, before its
/// ops are: a 16 MiB frame of one-byte `Clear` ops would otherwise decode into 800 MB of `DrawOp`s
/// before the core counted them. The sender gets a goodbye naming the limit; others go on.
#[test]
fn a_frame_of_too_many_ops_ends_the_connection_before_it_decodes() {
    let server = TestServer::with_defaults();
    let mut other = server.connect(Transport::Unix);
    other.sync().expect("sync");
    let mut p = Probe::open(&server, Transport::Unix, WAIT);
    let setup = p.handshake(&plain_hello());
    let mut body = dispd_protocol::codec::encode_body(&Request::Draw {
        target: Drawable(setup.ids.base),
        ops: vec![].into(),
    });
    let _ = body.pop(); // the op count, 0
    let ops = setup.max_frame_len as usize - body.len() - 4;
    assert!(ops > dispd_protocol::MAX_BATCH_OPS * 100, "{ops}");
    let mut n = ops as u64;
    while n >= 0x80 {
        body.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    body.push(n as u8);
    let clear = dispd_protocol::codec::encode_body(&DrawOp::Clear);
    body.resize(setup.max_frame_len as usize, clear[0]);
    let mut frame = (body.len() as u32).to_le_bytes().to_vec();
    frame.extend_from_slice(&body);
    assert!(p.send(&frame));
    let (m, end) = p.drain();
    let reason = goodbye_of(&m).unwrap_or_else(|| panic!("no goodbye: {m:?} {end:?}"));
    assert!(
        reason.contains(&format!("{ops} ops")) && reason.contains("100000"),
        "{reason}"
    );
    report(format!("a frame of {ops} Clear ops: {reason}"));
    other.sync().expect("another client is still served");
}

/// A large PutImage is read past the frame decoder, straight into its own buffer, once its
/// head is in. Sent in pieces (the first cutting its head in two) and followed by other
/// requests, it lands whole, pixel for pixel, over both transports; one whose data length does
/// not end its frame is still refused as a whole frame. The second image is another picture in
/// a buffer the first left behind (buffers are reused): none of the first may show through.
#[test]
fn large_put_images_arriving_in_pieces_land_whole() {
    let server = TestServer::with_defaults();
    let (w, h) = (300u32, 200u32);
    for (round, transport) in [Transport::Unix, Transport::Tcp].into_iter().enumerate() {
        let shift = round as u32 * 100;
        let pixel = move |x: u32, y: u32| {
            [
                ((x + shift) % 251) as u8,
                (y % 241) as u8,
                ((x * y + shift) % 239) as u8,
                255,
            ]
        };
        let mut p = Probe::open(&server, transport, WAIT);
        let setup = p.handshake(&plain_hello());
        let win = WindowId(setup.ids.base);
        p.request(&Request::CreateWindow {
            window: win,
            rect: Rect::new(0, 0, w, h),
            background: Color::WHITE,
        });
        // Bgra8: blue, green, red, alpha.
        let data: Vec<u8> = (0..h)
            .flat_map(|y| {
                (0..w).flat_map(move |x| {
                    let [r, g, b, a] = pixel(x, y);
                    [b, g, r, a]
                })
            })
            .collect();
        let put = frame(&Request::PutImage {
            target: win.into(),
            rect: Rect::new(0, 0, w, h),
            format: PixelFormat::Bgra8,
            compression: Compression::None,
            data,
        });
        p.seq += 1;
        let mut pieces = vec![&put[..7]];
        pieces.extend(put[7..].chunks(50_000));
        for piece in pieces {
            assert!(p.send(piece));
            std::thread::sleep(Duration::from_millis(5));
        }
        let seq = p.request(&Request::GetImage {
            source: ImageSource::Drawable(win.into()),
            rect: Rect::new(0, 0, w, h),
        });
        let got = p
            .until_reply(seq)
            .unwrap_or_else(|e| panic!("{transport:?}: {e:?}"));
        let image = match got.last() {
            Some(ServerMessage::Reply {
                reply: dispd_protocol::Reply::Image(image),
                ..
            }) => image.clone(),
            other => panic!("{transport:?}: {other:?} in {got:?}"),
        };
        assert_pixels(&image, "the image read past the decoder", pixel);

        // A data length that stops short of the frame's end: not a PutImage the fast path
        // takes, so the frame is decoded whole, and refused.
        let mut bad = put.clone();
        bad.extend_from_slice(&[0; 10]);
        let len = (bad.len() - 4) as u32;
        bad[..4].copy_from_slice(&len.to_le_bytes());
        assert!(p.send(&bad[..100]));
        std::thread::sleep(Duration::from_millis(5));
        assert!(p.send(&bad[100..]));
        let (m, end) = p.drain();
        let reason = goodbye_of(&m).unwrap_or_else(|| panic!("{transport:?}: no goodbye: {m:?} {end:?}"));
        assert!(reason.contains("does not decode"), "{transport:?}: {reason}");
    }
}

/// A connection that sends no hello (or only part of one) is answered and closed after
/// handshake_timeout_ms.
#[test]
fn silent_connections_are_closed_after_the_handshake_timeout() {
    let timeout = Duration::from_millis(300);
    let server = TestServer::start(Config {
        handshake_timeout_ms: 300,
        ..secured(&[])
    });
    // The server is up (fonts loaded) once a first client is served; time from then on.
    server
        .connect_with(Transport::Unix, Auth::None)
        .sync()
        .expect("warm-up");
    for (transport, first) in [
        (Transport::Unix, &b""[..]),
        (Transport::Tcp, &b""[..]),
        (Transport::Tcp, &b"DISPD\0"[..]),
    ] {
        let t = Instant::now();
        let mut p = Probe::open(&server, transport, WAIT);
        assert!(p.send(first));
        let answer = p.answer();
        let took = t.elapsed();
        match answer {
            Ok(ServerAnswer::Refused { reason, .. }) => assert!(reason.contains("in time"), "{reason}"),
            other => panic!("{transport:?}: {other:?}"),
        }
        assert_eq!(p.drain().1, End::Eof);
        report(format!(
            "handshake timeout {timeout:?}: a silent {transport:?} connection ({} bytes sent) closed after {took:.2?}",
            first.len()
        ));
        assert!(took >= timeout.mul_f32(0.9), "closed early: {took:?}");
        assert!(took < timeout + Duration::from_secs(1), "closed late: {took:?}");
    }
    server
        .connect_with(Transport::Tcp, Auth::Secret(the_secret()))
        .sync()
        .expect("a prompt client is served");
}

/// With idle_timeout_ms, a client that sends nothing is told why and disconnected; one that
/// keeps talking is not.
#[test]
fn idle_clients_are_told_and_disconnected() {
    let idle = Duration::from_millis(300);
    let server = TestServer::start(Config {
        idle_timeout_ms: 300,
        ..Config::default()
    });
    // The server is up (fonts loaded) once a first client is served; time from then on.
    server.connect(Transport::Unix).sync().expect("warm-up");
    let t = Instant::now();
    let mut quiet = server.connect(Transport::Unix);
    let mut busy = server.connect(Transport::Tcp);
    std::thread::scope(|s| {
        let talker = s.spawn(move || {
            let began = Instant::now();
            let mut syncs = 0;
            while began.elapsed() < idle * 4 {
                busy.sync().expect("a client that keeps talking stays connected");
                syncs += 1;
                std::thread::sleep(Duration::from_millis(100));
            }
            syncs
        });
        let err = loop {
            match quiet.next_event_timeout(WAIT) {
                Ok(Some(_)) => {}
                Ok(None) => panic!("the quiet client was not disconnected within {WAIT:?}"),
                Err(e) => break e,
            }
        };
        let took = t.elapsed();
        match &err {
            ClientError::Disconnected { reason: Some(r) } => {
                assert!(r.contains("sent nothing"), "{r}");
                report(format!(
                    "idle timeout {idle:?}: disconnected after {took:.2?}: {r}"
                ));
            }
            other => panic!("expected a goodbye with a reason, got {other}"),
        }
        assert!(took >= idle.mul_f32(0.9), "disconnected early: {took:?}");
        assert!(
            took < idle + Duration::from_millis(1500),
            "disconnected late: {took:?}"
        );
        let syncs = talker.join().expect("the busy client");
        report(format!(
            "idle timeout: the busy client made {syncs} syncs over {:?}",
            idle * 4
        ));
    });
}

/// max_clients: the next client is refused with a reason until one leaves.
#[test]
fn a_full_server_refuses_with_a_reason() {
    let server = TestServer::start(Config {
        max_clients: 3,
        ..Config::default()
    });
    let mut clients: Vec<Display> = (0..3).map(|_| server.connect(Transport::Unix)).collect();
    let reason = refusal(server.try_connect_with(Transport::Tcp, Auth::None));
    assert!(reason.contains("full"), "{reason}");
    drop(clients.pop());
    wait_info(&mut clients[0], "a slot is free again", |i| i.clients == 2);
    server
        .connect(Transport::Tcp)
        .sync()
        .expect("served once a slot is free");
}

// ---------------------------------------------------------------------------------------------
// Regressions: these found real bugs, fixed since (see docs/SECURITY.md, "Bugs these tests found").
// ---------------------------------------------------------------------------------------------

/// The session stops reading a client's requests while more than 64 MiB of its output wait to
/// be written (`MAX_QUEUED_BYTES` in `session.rs`), but it checks only between reads: every
/// request of one read is applied at once. A read of 64 KiB holds about 4000 `GetImage`
/// requests, each of which may ask for `max_get_image_pixels` (4096x3840, 63 MB of RGBA) of a
/// 1x1 window (the rest reads as black), so one small write makes the server allocate
/// gigabytes, and stalls the core while it fills them.
#[test]
fn one_write_of_get_image_requests_stays_within_the_output_budget() {
    const REQUESTS: usize = 16;
    let server = TestServer::with_defaults();
    let mut observer = server.connect(Transport::Unix);
    observer.sync().expect("warm-up");
    let mut p = Probe::unix(&server, WAIT);
    let setup = p.handshake(&plain_hello());
    let w = WindowId(setup.ids.base);
    p.request(&Request::CreateWindow {
        window: w,
        rect: Rect::new(0, 0, 1, 1),
        background: Color::WHITE,
    });
    p.sync().expect("sync");
    let big = Rect::new(0, 0, 4096, 3840);
    assert_eq!(big.size().area(), Config::default().max_get_image_pixels);
    let mut bytes = Vec::new();
    for _ in 0..REQUESTS {
        bytes.extend(frame(&Request::GetImage {
            source: ImageSource::Drawable(w.into()),
            rect: big,
        }));
    }
    let (rss0, hwm0) = (status_kb("VmRSS"), status_kb("VmHWM"));
    assert!(p.send(&bytes), "one write of {} bytes", bytes.len());
    // Another client's round trips, and this process's memory, while the server works.
    let t = Instant::now();
    let done = AtomicBool::new(false);
    let (peak, mut samples) = std::thread::scope(|s| {
        let sampler = s.spawn(|| sample_latency(&mut observer, &done, Duration::from_millis(10), 1));
        let mut peak = rss0;
        while t.elapsed() < Duration::from_secs(3) {
            peak = peak.max(status_kb("VmRSS"));
            std::thread::sleep(Duration::from_millis(5));
        }
        done.store(true, Ordering::Relaxed);
        (peak, sampler.join().expect("sampler"))
    });
    let (median, stalled) = median_max(&mut samples);
    let hwm = status_kb("VmHWM");
    let grew_mb = (peak.max(hwm) - rss0) / 1024;
    report(format!(
        "{REQUESTS} GetImage of {}x{} in one {}-byte write: VmRSS {rss0} kB -> peak {peak} kB, \
         VmHWM {hwm0} -> {hwm} kB (+{grew_mb} MB); another client's syncs meanwhile ({} samples): \
         median {median:.2?}, max {stalled:.2?}",
        big.width,
        big.height,
        bytes.len(),
        samples.len()
    ));
    // The budget (64 MiB) plus the reply being written and some slack.
    assert!(
        grew_mb < 256,
        "the server held {grew_mb} MB for one client's unread replies"
    );
    assert!(
        stalled < Duration::from_secs(1),
        "the core stalled for {stalled:?}"
    );
}

/// `max_batch_ops` (100 000 by default) bounds the ops of one batch, but not their cost: each
/// op may cover the whole target, and a window may have 16 Mi pixels. The core applies a batch
/// in one go, so one request of about 100 KB freezes every client for minutes.
/// Here a 2048x2048 window gets one batch of 2000 `Clear` ops (2% of the limit).
#[test]
fn one_draw_batch_cannot_stall_other_clients() {
    const OPS: usize = 2000;
    let mut seq = 0;
    let (applied, mut samples) = observe_a_flood(
        TestServer::with_defaults(),
        Rect::new(0, 0, 2048, 2048),
        Duration::from_millis(20),
        |heavy, w| {
            seq = heavy.send(&Request::Draw {
                target: w.into(),
                ops: std::iter::once(DrawOp::SetColor(Color::rgb(9, 9, 9)))
                    .chain(std::iter::repeat_n(DrawOp::Clear, OPS - 1))
                    .collect(),
            });
        },
    );
    let (median, stalled) = median_max(&mut samples);
    report(format!(
        "one batch (request #{seq}) of {OPS} Clear ops on 2048x2048: applied in {applied:.2?}; another client's \
         syncs meanwhile ({} samples): median {median:.2?}, max {stalled:.2?} (the default max_batch_ops is 100000: x50)",
        samples.len()
    ));
    assert!(
        stalled < Duration::from_secs(1),
        "the core stalled for {stalled:?}"
    );
}

/// A client that queues far more requests than the core applies at once cannot keep another
/// client waiting until they are all applied: the core gives each client with requests waiting
/// a turn of about a millisecond, the one with fewer waiting first. Once, the observer's sync
/// waited behind everything the flood had queued (up to 32 MiB of requests: 0.77 s behind
/// `dispbench -scroll100`).
#[test]
fn a_flood_of_requests_cannot_hold_up_other_clients() {
    flood_of_copies(TestServer::with_defaults());
}

/// The same with two worker threads (the default on a machine with three CPUs), where the
/// flooding client's session and the core can run beside the observer's.
#[test]
fn a_flood_of_requests_cannot_hold_up_other_clients_on_two_workers() {
    let two = std::num::NonZeroUsize::new(2).expect("2 > 0");
    flood_of_copies(TestServer::start_with_threads(Config::default(), two));
}

/// 60 000 one-copy requests from one client on `server`, while another syncs: each sync waits
/// less than a quarter of the flood's time.
fn flood_of_copies(server: TestServer) {
    const COPIES: usize = 60_000;
    let (applied, mut samples) = observe_a_flood(
        server,
        Rect::new(0, 0, 600, 600),
        Duration::from_millis(5),
        |heavy, w| {
            // One request per 100x100 copy, as x11perf's -scroll100 sends them.
            for i in 0..COPIES {
                let x = (i % 400) as i32;
                heavy.send(&Request::Draw {
                    target: w.into(),
                    ops: vec![DrawOp::CopyArea {
                        source: w.into(),
                        src: Rect::new(x, 13, 100, 100),
                        x,
                        y: 0,
                    }]
                    .into(),
                });
            }
        },
    );
    let (median, stalled) = median_max(&mut samples);
    report(format!(
        "{COPIES} CopyArea requests applied in {applied:.2?}; another client's syncs meanwhile ({} samples): \
         median {median:.2?}, max {stalled:.2?}",
        samples.len()
    ));
    assert!(
        stalled * 4 < applied,
        "a sync waited {stalled:?} while the flood took {applied:?}"
    );
}

/// The session task of every connection holds one of `max_clients + 64` slots, shared by all
/// listeners, from `accept` on: also while it waits (up to `handshake_timeout_ms`, 10 s by
/// default) for a hello, and before the host list is even looked at (that happens after the
/// hello). Connections beyond the slots are closed at once, without an answer. So anyone who
/// can reach the TCP port, even from a host outside `--allow`, can open that many connections,
/// send nothing, and lock the owner's own Unix clients out, for as long as they keep it up.
#[test]
fn silent_tcp_connections_cannot_lock_out_the_owner() {
    const MAX_CLIENTS: usize = 4;
    let server = TestServer::start(Config {
        max_clients: MAX_CLIENTS,
        handshake_timeout_ms: 5000,
        ..secured(&["10.0.0.0/8"])
    });
    server
        .connect_with(Transport::Unix, Auth::None)
        .sync()
        .expect("warm-up");
    let silent: Vec<TcpStream> = (0..MAX_CLIENTS + 64)
        .map(|_| TcpStream::connect(("127.0.0.1", server.tcp_port())).expect("connect"))
        .collect();
    // Let the server accept them all.
    std::thread::sleep(Duration::from_millis(300));
    let t = Instant::now();
    let owner = server.try_connect_with(Transport::Unix, Auth::None);
    report(format!(
        "{} silent TCP connections from a host outside --allow; the owner's Unix client after {:.2?}: {}",
        silent.len(),
        t.elapsed(),
        match &owner {
            Ok(_) => "admitted".to_string(),
            Err(e) => format!("failed: {e}"),
        }
    ));
    assert!(owner.is_ok(), "the owner was locked out: {:?}", owner.err());
}

/// The idle goodbye reports the timeout in whole seconds, rounded down: with
/// `idle_timeout_ms: 300` the client reads "it sent nothing for 0 s".
#[test]
fn the_idle_goodbye_states_the_timeout() {
    let server = TestServer::start(Config {
        idle_timeout_ms: 300,
        ..Config::default()
    });
    let mut quiet = server.connect(Transport::Unix);
    let reason = loop {
        match quiet.next_event_timeout(WAIT) {
            Ok(Some(_)) => {}
            Ok(None) => panic!("not disconnected within {WAIT:?}"),
            Err(ClientError::Disconnected { reason: Some(r) }) => break r,
            Err(e) => panic!("expected a goodbye with a reason, got {e}"),
        }
    };
    assert!(!reason.contains(" 0 s"), "the goodbye says {reason:?}");
}

/// Another local user who was given the client secret (what `dispd auth` prints) is untrusted
/// on the Unix socket (the kernel names its uid) and over 127.0.0.1 alike: the client secret
/// never makes a client the owner. Regression: loopback TCP with the secret used to count as
/// the owner, so any user with a shell on the machine, or an SSH tunnel to it, got the admin
/// view. Here this process plays "another user" by naming another uid as the owner.
#[test]
fn another_local_user_is_not_trusted_over_loopback_tcp() {
    let secret = the_secret();
    let mut config = secured(&[]);
    config.auth.owner_uid = Some(own_uid().wrapping_add(1));
    let server = TestServer::start(config);
    let corner = Rect::new(0, 0, 4, 4);
    let secret = secret.client_secret();
    let mut unix = server.connect_with(Transport::Unix, Auth::Secret(secret.clone()));
    match unix.get_screen_image(corner) {
        Err(ClientError::Request(e)) => assert_eq!(e.code, ErrorCode::BadAccess, "{e}"),
        other => panic!("another user on the Unix socket read the screen: {other:?}"),
    }
    let mut tcp = server.connect_with(Transport::Tcp, Auth::Secret(secret));
    match tcp.get_screen_image(corner) {
        Err(ClientError::Request(e)) => assert_eq!(e.code, ErrorCode::BadAccess, "{e}"),
        Ok(_) => panic!("the same user, over 127.0.0.1 with the same secret, reads the whole screen"),
        Err(e) => panic!("{e}"),
    }
}
