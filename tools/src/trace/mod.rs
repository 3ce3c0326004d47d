//! The tracing proxy behind `disptrace`: listen, forward, decode copies of the bytes, print.
//!
//! Each connection gets two threads, one per direction. Bytes are forwarded as they arrive;
//! a copy goes through the protocol's own decoders (hello or answer first, then frames) to be
//! printed. Nothing is changed or held back, so the traced programs behave as without it.

mod format;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gui_client::protocol::display::{self, ConnectAddress};
use gui_client::protocol::handshake::{ClientHello, ServerAnswer};
use gui_client::protocol::{decode, FrameDecoder, Request, ServerMessage, MAX_FRAME_LEN};

pub use format::{ColorChoice, Output};

/// What `disptrace` was asked to do.
#[derive(Debug)]
pub struct Options {
    /// The display to listen as (`:M`).
    pub listen: String,
    /// The display to forward to.
    pub to: String,
    /// Listen on TCP too.
    pub tcp: bool,
    /// Directory of Unix sockets.
    pub socket_dir: Option<PathBuf>,
    /// Print every op of draw batches.
    pub expand: bool,
    /// Text or JSON.
    pub output: Output,
    /// Seconds between rate lines.
    pub stats_every: u64,
}

/// A connection from a client, before it is split in two.
enum Conn {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Conn {
    fn try_clone(&self) -> std::io::Result<Conn> {
        Ok(match self {
            Conn::Unix(s) => Conn::Unix(s.try_clone()?),
            Conn::Tcp(s) => Conn::Tcp(s.try_clone()?),
        })
    }
    fn shutdown(&self) {
        let _ = match self {
            Conn::Unix(s) => s.shutdown(Shutdown::Both),
            Conn::Tcp(s) => s.shutdown(Shutdown::Both),
        };
    }
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Conn::Unix(s) => s.read(buf),
            Conn::Tcp(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Conn::Unix(s) => s.write(buf),
            Conn::Tcp(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Shared state of the whole trace: the clock and the printer.
struct Tracer {
    start: Instant,
    out: Mutex<std::io::Stdout>,
    options: Options,
    targets: Vec<ConnectAddress>,
    next_conn: AtomicUsize,
}

/// Counters of one traced client.
#[derive(Default)]
struct Stats {
    bytes_up: AtomicU64,
    bytes_down: AtomicU64,
    requests: AtomicU64,
    round_trips: AtomicU64,
    events: AtomicU64,
}

/// Runs the proxy until it is killed.
pub fn run(options: Options) -> Result<(), Box<dyn std::error::Error>> {
    let env = |k: &str| std::env::var(k).ok();
    let listen = display::parse_display(&options.listen)?;
    let target = display::parse_display(&options.to)?;
    let dir = options
        .socket_dir
        .clone()
        .unwrap_or_else(|| display::socket_dir_from_env(env));
    if listen.display == target.display && target.host.is_empty() {
        return Err("the traced display and the target must differ (e.g. disptrace :1 --to :0)".into());
    }
    let targets = target.connect_addresses(&dir);
    let path = display::socket_path(&dir, listen.display);
    std::fs::create_dir_all(&dir)?;
    if UnixStream::connect(&path).is_ok() {
        return Err(format!(
            "display :{} is in use ({}): pick another number",
            listen.display,
            path.display()
        )
        .into());
    }
    let _ = std::fs::remove_file(&path);
    // Before the socket exists: a signal that finds it must find the handler too.
    remove_on_signal(path.clone())?;
    let unix = UnixListener::bind(&path).map_err(|e| format!("cannot listen on {}: {e}", path.display()))?;
    let tracer = Arc::new(Tracer {
        start: Instant::now(),
        out: Mutex::new(std::io::stdout()),
        options,
        targets,
        next_conn: AtomicUsize::new(1),
    });
    tracer.note(&format!(
        "tracing display :{} -> {} (socket {})",
        listen.display,
        tracer.options.to,
        path.display()
    ));
    if tracer.options.tcp {
        let port = display::tcp_port(listen.display);
        let tcp = TcpListener::bind(("0.0.0.0", port))
            .map_err(|e| format!("cannot listen on TCP port {port}: {e}"))?;
        tracer.note(&format!(
            "also on TCP port {port}: remote clients reach the server as you"
        ));
        let t = tracer.clone();
        std::thread::spawn(move || {
            for conn in tcp.incoming().flatten() {
                let _ = conn.set_nodelay(true);
                t.clone().spawn_connection(Conn::Tcp(conn));
            }
        });
    }
    let cleanup = SocketFile(path);
    for conn in unix.incoming() {
        match conn {
            Ok(c) => tracer.clone().spawn_connection(Conn::Unix(c)),
            Err(e) => tracer.note(&format!("accept failed: {e}")),
        }
    }
    drop(cleanup);
    Ok(())
}

/// On Ctrl-C (SIGINT) or SIGTERM, removes the listening socket at `path` and exits with status
/// 130: the accept loop never returns on its own, and a killed process runs no `Drop`.
fn remove_on_signal(path: PathBuf) -> Result<(), Box<dyn std::error::Error>> {
    use tokio::signal::unix::{signal, SignalKind};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    // Registered before this returns, so that no later signal finds the default handler.
    let (mut interrupt, mut terminate) = runtime.block_on(async {
        Ok::<_, std::io::Error>((signal(SignalKind::interrupt())?, signal(SignalKind::terminate())?))
    })?;
    let _ = std::thread::spawn(move || {
        runtime.block_on(async {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        });
        let _ = std::fs::remove_file(&path);
        std::process::exit(130);
    });
    Ok(())
}

/// Removes the listening socket when the proxy ends.
struct SocketFile(PathBuf);

impl Drop for SocketFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl Tracer {
    fn note(&self, line: &str) {
        let t = self.start.elapsed().as_secs_f64();
        let text = format::note(&self.options.output, t, line);
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }

    fn print(&self, line: String) {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }

    fn connect_target(&self) -> Result<Conn, String> {
        let mut tried = Vec::new();
        for a in &self.targets {
            let c = match a {
                ConnectAddress::Unix(p) => UnixStream::connect(p).map(Conn::Unix),
                ConnectAddress::Tcp { host, port } => TcpStream::connect((host.as_str(), *port)).map(|s| {
                    let _ = s.set_nodelay(true);
                    Conn::Tcp(s)
                }),
            };
            match c {
                Ok(c) => return Ok(c),
                Err(e) => tried.push(format!("{a}: {e}")),
            }
        }
        Err(tried.join("; "))
    }

    fn spawn_connection(self: Arc<Self>, client: Conn) {
        let id = self.next_conn.fetch_add(1, Ordering::Relaxed);
        std::thread::spawn(move || {
            let server = match self.connect_target() {
                Ok(s) => s,
                Err(e) => {
                    self.note(&format!("client {id}: cannot reach {}: {e}", self.options.to));
                    client.shutdown();
                    return;
                }
            };
            self.note(&format!("client {id} connected"));
            let stats = Arc::new(Stats::default());
            let (Ok(client2), Ok(server2)) = (client.try_clone(), server.try_clone()) else {
                return;
            };
            let up = {
                let (t, s) = (self.clone(), stats.clone());
                std::thread::spawn(move || t.pump(id, client, server2, Direction::Up, &s))
            };
            let stop_stats = Arc::new(std::sync::atomic::AtomicBool::new(false));
            if self.options.stats_every > 0 {
                let (t, s, stop) = (self.clone(), stats.clone(), stop_stats.clone());
                std::thread::spawn(move || t.report_rates(id, &s, &stop));
            }
            self.pump(id, server, client2, Direction::Down, &stats);
            let _ = up.join();
            stop_stats.store(true, Ordering::Relaxed);
            self.note(&format!(
                "client {id} gone: {} requests ({} round trips), {} events, {} bytes up, {} bytes down",
                stats.requests.load(Ordering::Relaxed),
                stats.round_trips.load(Ordering::Relaxed),
                stats.events.load(Ordering::Relaxed),
                stats.bytes_up.load(Ordering::Relaxed),
                stats.bytes_down.load(Ordering::Relaxed),
            ));
        });
    }

    /// Prints each client's rates every `stats_every` seconds while it talks.
    fn report_rates(&self, id: usize, stats: &Stats, stop: &std::sync::atomic::AtomicBool) {
        let every = Duration::from_secs(self.options.stats_every);
        let (mut up, mut down, mut trips) = (0, 0, 0);
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(every);
            let (u, d, r) = (
                stats.bytes_up.load(Ordering::Relaxed),
                stats.bytes_down.load(Ordering::Relaxed),
                stats.round_trips.load(Ordering::Relaxed),
            );
            if (u, d, r) != (up, down, trips) && !stop.load(Ordering::Relaxed) {
                let s = every.as_secs_f64();
                self.note(&format!(
                    "client {id}: {:.0} B/s up, {:.0} B/s down, {:.1} round trips/s",
                    (u - up) as f64 / s,
                    (d - down) as f64 / s,
                    (r - trips) as f64 / s
                ));
            }
            (up, down, trips) = (u, d, r);
        }
    }

    /// Forwards one direction until either side closes, printing what passes.
    fn pump(&self, id: usize, mut from: Conn, mut to: Conn, dir: Direction, stats: &Stats) {
        let mut buf = vec![0u8; 64 * 1024];
        let mut hello: Vec<u8> = Vec::new();
        let mut handshaking = true;
        let mut decoder = FrameDecoder::new(MAX_FRAME_LEN);
        let mut seq: u32 = 0;
        loop {
            let n = match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            // Print what these bytes complete first, then forward them: a message is always
            // printed before its peer can have answered it.
            let counter = if dir == Direction::Up {
                &stats.bytes_up
            } else {
                &stats.bytes_down
            };
            counter.fetch_add(n as u64, Ordering::Relaxed);
            let mut rest = &buf[..n];
            if handshaking {
                hello.extend_from_slice(rest);
                let parsed = match dir {
                    Direction::Up => {
                        ClientHello::parse(&hello).map(|r| r.map(|(h, used)| (format::hello(&h), used)))
                    }
                    Direction::Down => {
                        ServerAnswer::parse(&hello).map(|r| r.map(|(a, used)| (format::answer(&a), used)))
                    }
                };
                match parsed {
                    Ok(Some((text, used))) => {
                        self.print(self.line(id, dir, used, None, &text, false));
                        handshaking = false;
                        decoder.push(&hello[used..]);
                        rest = &[];
                    }
                    Ok(None) => rest = &[],
                    Err(e) => {
                        self.print(self.line(
                            id,
                            dir,
                            hello.len(),
                            None,
                            &format!("not a dispd handshake: {e}"),
                            true,
                        ));
                        handshaking = false;
                        decoder = FrameDecoder::new(0);
                        rest = &[];
                    }
                }
            }
            decoder.push(rest);
            loop {
                let frame = match decoder.next_frame() {
                    Ok(Some(f)) => f,
                    Ok(None) => break,
                    Err(_) => break,
                };
                let size = frame.len() + 4;
                let line = match dir {
                    Direction::Up => {
                        seq = seq.wrapping_add(1);
                        stats.requests.fetch_add(1, Ordering::Relaxed);
                        match decode::<Request>(frame) {
                            Ok(r) => {
                                if r.expects_reply() {
                                    stats.round_trips.fetch_add(1, Ordering::Relaxed);
                                }
                                let text = format::request(&r, self.options.expand);
                                self.line_json(id, dir, size, Some(seq), &text, false, || {
                                    small(size).then(|| serde_json::to_value(&r).ok()).flatten()
                                })
                            }
                            Err(e) => self.line(
                                id,
                                dir,
                                size,
                                Some(seq),
                                &format!("undecodable request: {e}"),
                                true,
                            ),
                        }
                    }
                    Direction::Down => match decode::<ServerMessage>(frame) {
                        Ok(m) => {
                            if matches!(m, ServerMessage::Event(_)) {
                                stats.events.fetch_add(1, Ordering::Relaxed);
                            }
                            let seq = match &m {
                                ServerMessage::Reply { seq, .. } => Some(*seq),
                                ServerMessage::Error(e) => Some(e.seq),
                                _ => None,
                            };
                            let bad = matches!(m, ServerMessage::Error(_) | ServerMessage::Goodbye { .. });
                            let text = format::server_message(&m);
                            self.line_json(id, dir, size, seq, &text, bad, || {
                                small(size).then(|| serde_json::to_value(&m).ok()).flatten()
                            })
                        }
                        Err(e) => self.line(id, dir, size, None, &format!("undecodable message: {e}"), true),
                    },
                };
                self.print(line);
            }
            if to.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        from.shutdown();
        to.shutdown();
    }

    fn line(
        &self,
        id: usize,
        dir: Direction,
        size: usize,
        seq: Option<u32>,
        text: &str,
        bad: bool,
    ) -> String {
        self.line_json(id, dir, size, seq, text, bad, || None)
    }

    #[allow(clippy::too_many_arguments)]
    fn line_json(
        &self,
        id: usize,
        dir: Direction,
        size: usize,
        seq: Option<u32>,
        text: &str,
        bad: bool,
        value: impl FnOnce() -> Option<serde_json::Value>,
    ) -> String {
        let t = self.start.elapsed().as_secs_f64();
        match &self.options.output {
            Output::Text { color } => {
                format::text_line(*color, t, id, dir == Direction::Up, size, seq, text, bad)
            }
            Output::Json => {
                let obj = serde_json::json!({
                    "t": (t * 1e6).round() / 1e6,
                    "client": id,
                    "dir": if dir == Direction::Up { "client->server" } else { "server->client" },
                    "bytes": size,
                    "seq": seq,
                    "summary": text,
                    "message": value(),
                });
                obj.to_string()
            }
        }
    }
}

/// Whether a message is small enough to print whole in JSON (image data is left out).
fn small(size: usize) -> bool {
    size <= 4096
}

/// Which way bytes go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    /// Client to server.
    Up,
    /// Server to client.
    Down,
}
