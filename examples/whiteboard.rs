//! `whiteboard`: a drawing shared by everyone who joins: each person's strokes appear in every
//! window, as they are drawn.
//!
//! ```text
//! cargo run --release --example whiteboard -- --serve 0.0.0.0:7400     # the hub, no window
//! cargo run --release --example whiteboard -- --join hubhost:7400      # a window; run several
//! ```
//!
//! Each `--join` opens a window on its display (DISPLAY or DISPD_DISPLAY, as usual) with the
//! toolbar of `paint`: colours, brush sizes, and Clear, which clears the board for everyone. A
//! late joiner gets the drawing so far.
//!
//! # Client/server inside client/server
//!
//! A whiteboard window is a client twice over. It is a client of **dispd**, which owns a screen
//! and draws what it is asked to; and a client of the **hub** (`--serve`), which owns the shared
//! drawing. The hub is a server with no window at all, and dispd is a server that has never
//! heard of whiteboards. Being a client or a server is a property of a connection, not of a
//! program: this one program is a client on both of its sockets, and in `--serve` mode a
//! server on one. (X made the same point confusingly: the X *server* is the machine on your
//! desk, the *clients* are programs that may run far away.) So the pieces can be anywhere: the
//! hub on one machine, the programs on others, each drawing on whichever display it was given.
//!
//! Why a hub at all, when dispd already sits between programs and screens? Because a display
//! server keeps clients apart: a client sees and draws only its own windows, never another
//! client's pixels. Sharing is the application's business, and it shares *state*, not pixels:
//! each stroke segment travels as one short line of text (`seg 3068d8 5 120 80 131 84`, about
//! 30 bytes), and every window draws it itself, into its own canvas, with its own requests to
//! its own display. That is the same bet dispd makes with drawing ops rather than pixels, one
//! level up, and what networked games do.
//!
//! The hub is small on purpose: `std::net`, one thread per peer, a mutex around the list of
//! peers and the history; every line a peer sends is checked, kept, and written to every other
//! peer. Messages, one per line:
//!
//! - `seg RRGGBB WIDTH X1 Y1 X2 Y2`: a segment of a stroke (a dot when both ends are equal),
//!   in canvas coordinates;
//! - `clear`: blank the board;
//! - `peers N`: how many windows are connected (hub to peers only).
//!
//! One more lesson is in the event loop: the window now has two sources of input, dispd's events
//! and the hub's messages. The client library blocks on one socket, so a thread reads the hub
//! and hands messages over a channel, and the main loop waits for display events with a short
//! timeout and then takes whatever the hub sent.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use examples::app::{self, main_with};
use examples::sketch::{Brush, Canvas, Pen, Tool, Toolbar, TOOLBAR_HEIGHT};
use examples::ui;
use gui_client::{Color, CursorShape, Display, Event, Point, Size};

const WIDTH: u32 = 800;
const HEIGHT: u32 = 560;
/// How often the window looks for messages from the hub while no display event comes.
const POLL: Duration = Duration::from_millis(15);
/// A peer that cannot take a message for this long is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(2);
/// Segments the hub remembers for late joiners.
const MAX_HISTORY: usize = 200_000;
/// The longest line accepted.
const MAX_LINE: usize = 256;

const USAGE: &str =
    "usage: whiteboard --serve ADDR (e.g. 0.0.0.0:7400) | whiteboard --join ADDR (e.g. localhost:7400)";

fn main() -> ExitCode {
    main_with("whiteboard", run)
}

fn run() -> Result<(), app::Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["--serve", addr] => serve(addr),
        ["--join", addr] => join(addr),
        _ => Err(USAGE.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Messages

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Message {
    Segment { brush: Brush, a: Point, b: Point },
    Clear,
    Peers(usize),
}

impl Message {
    fn parse(line: &str) -> Option<Message> {
        let mut words = line.split_ascii_whitespace();
        let msg = match words.next()? {
            "seg" => {
                let color = u32::from_str_radix(words.next()?, 16)
                    .ok()
                    .filter(|c| *c <= 0xff_ffff)?;
                let width: u16 = words.next()?.parse().ok().filter(|w| (1..=200).contains(w))?;
                let mut n = || words.next()?.parse::<i32>().ok().filter(|v| v.abs() <= 100_000);
                let (x1, y1, x2, y2) = (n()?, n()?, n()?, n()?);
                Message::Segment {
                    brush: Brush {
                        color: Color(0xff00_0000 | color),
                        width,
                    },
                    a: Point { x: x1, y: y1 },
                    b: Point { x: x2, y: y2 },
                }
            }
            "clear" => Message::Clear,
            "peers" => Message::Peers(words.next()?.parse().ok()?),
            _ => return None,
        };
        words.next().is_none().then_some(msg)
    }

    fn line(&self) -> String {
        match self {
            Message::Segment { brush, a, b } => format!(
                "seg {:06x} {} {} {} {} {}\n",
                brush.color.0 & 0xff_ffff,
                brush.width,
                a.x,
                a.y,
                b.x,
                b.y
            ),
            Message::Clear => "clear\n".into(),
            Message::Peers(n) => format!("peers {n}\n"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The hub

/// What the peer threads share.
#[derive(Debug, Default)]
struct Hub {
    /// Each peer's socket, for writing to it.
    peers: HashMap<u64, TcpStream>,
    /// The board so far, as the lines that drew it.
    history: Vec<String>,
    next_id: u64,
}

impl Hub {
    /// Writes `line` to every peer but `except`, dropping peers that fail.
    fn broadcast(&mut self, line: &str, except: Option<u64>) {
        self.peers
            .retain(|id, stream| Some(*id) == except || stream.write_all(line.as_bytes()).is_ok());
    }

    fn announce_count(&mut self) {
        let line = Message::Peers(self.peers.len()).line();
        self.broadcast(&line, None);
    }
}

fn lock(hub: &Mutex<Hub>) -> std::sync::MutexGuard<'_, Hub> {
    // A peer thread that panicked leaves the data as consistent as any write it finished.
    hub.lock().unwrap_or_else(PoisonError::into_inner)
}

fn serve(addr: &str) -> Result<(), app::Error> {
    let listener = TcpListener::bind(addr).map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr()?;
    let _ = writeln!(
        std::io::stderr(),
        "whiteboard: hub listening on {local}; join with `whiteboard --join {local}`"
    );
    let hub = Arc::new(Mutex::new(Hub::default()));
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let hub = hub.clone();
        std::thread::spawn(move || peer(&hub, stream));
    }
    Ok(())
}

/// Serves one peer: sends it the board so far, then relays what it draws to the others.
fn peer(hub: &Mutex<Hub>, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let id = {
        let mut h = lock(hub);
        let id = h.next_id;
        h.next_id += 1;
        if writer.write_all(h.history.concat().as_bytes()).is_err() {
            return;
        }
        h.peers.insert(id, writer);
        h.announce_count();
        id
    };
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    loop {
        line.clear();
        match (&mut reader).take(MAX_LINE as u64).read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        // Only well-formed drawing messages are kept and passed on.
        let msg = match Message::parse(line.trim_end()) {
            Some(m @ (Message::Segment { .. } | Message::Clear)) => m,
            _ => continue,
        };
        let text = msg.line();
        let mut h = lock(hub);
        if msg == Message::Clear {
            h.history.clear();
        } else if h.history.len() < MAX_HISTORY {
            h.history.push(text.clone());
        }
        h.broadcast(&text, Some(id));
    }
    let mut h = lock(hub);
    h.peers.remove(&id);
    h.announce_count();
}

// ---------------------------------------------------------------------------------------------
// A window on the board

/// Connects to the hub and starts a thread that passes its messages on; `None` on the channel
/// means the hub went away.
fn connect(addr: &str) -> Result<(TcpStream, Receiver<Option<Message>>), app::Error> {
    let unreachable = |e: &dyn std::fmt::Display| {
        format!("cannot reach the whiteboard hub at {addr}: {e}; start one with `whiteboard --serve {addr}`")
    };
    let addrs: Vec<_> = addr.to_socket_addrs().map_err(|e| unreachable(&e))?.collect();
    let stream = TcpStream::connect(&addrs[..]).map_err(|e| unreachable(&e))?;
    stream.set_nodelay(true)?;
    let reader = BufReader::new(stream.try_clone()?);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in reader.lines() {
            let Ok(line) = line else { break };
            if let Some(msg) = Message::parse(&line) {
                if tx.send(Some(msg)).is_err() {
                    return;
                }
            }
        }
        let _ = tx.send(None);
    });
    Ok((stream, rx))
}

fn join(addr: &str) -> Result<(), app::Error> {
    let (mut hub, from_hub) = connect(addr)?;
    // The hub sends the board so far, then how many windows there are: the window is placed by
    // that count, so that windows on one screen cascade rather than hide each other.
    let mut early = VecDeque::new();
    let mut peers = 1;
    while let Ok(Some(msg)) = from_hub.recv_timeout(Duration::from_millis(500)) {
        early.push_back(msg);
        if let Message::Peers(n) = msg {
            peers = n;
            break;
        }
    }
    let mut display = Display::open()?;
    let k = (peers as i32 - 1) % 4;
    let title = format!("whiteboard: {addr}");
    let offset = (160 * k - 80, 80 * k - 40);
    let window = app::open_window_offset(&mut display, &title, WIDTH, HEIGHT, ui::PANEL, offset)?;
    display.set_cursor(window, CursorShape::Crosshair);
    let screen = display.setup().screen;
    let mut size = Size::new(WIDTH.min(screen.width), HEIGHT.min(screen.height));
    let mut canvas = Canvas::new(&mut display, window, TOOLBAR_HEIGHT as i32)?;
    let mut toolbar = Toolbar::new(size.width, false);
    let mut pen = Pen::default();
    let mut connected = true;
    let status = |connected: bool, peers: usize| {
        if connected {
            format!(
                "{addr}: {peers} {}",
                if peers == 1 { "window" } else { "windows" }
            )
        } else {
            format!("{addr}: the hub went away; drawing alone")
        }
    };
    let mut sent_ok = true;
    loop {
        let (mut redraw_all, mut redraw_toolbar) = (false, false);
        let mut outgoing = String::new();
        for event in app::wait_events(&mut display, Some(POLL))? {
            match &event {
                Event::Expose { .. } => redraw_all = true,
                Event::Configure { rect, .. } => {
                    size = rect.size();
                    toolbar.layout(size.width);
                    redraw_all = true;
                }
                Event::CloseRequested { .. } => return Ok(()),
                _ => {}
            }
            let on_toolbar = matches!(event, Event::PointerButton { y, .. } if toolbar.contains(y));
            let (tool, changed) = toolbar.handle(&event);
            redraw_toolbar |= changed;
            if tool == Some(Tool::Clear) {
                canvas.clear(&mut display, size);
                outgoing.push_str(&Message::Clear.line());
            }
            if !on_toolbar || pen.drawing() {
                if let Some((a, b)) = pen.handle(&event, &canvas) {
                    let brush = toolbar.brush();
                    canvas.segment(&mut display, brush, a, b);
                    outgoing.push_str(&Message::Segment { brush, a, b }.line());
                }
            }
        }
        if connected && sent_ok && !outgoing.is_empty() {
            sent_ok = hub.write_all(outgoing.as_bytes()).is_ok();
        }
        // What the others drew meanwhile (first what came before the window existed).
        loop {
            let next = match early.pop_front() {
                Some(msg) => Ok(Some(msg)),
                None => from_hub.try_recv(),
            };
            match next {
                Ok(Some(Message::Segment { brush, a, b })) => canvas.segment(&mut display, brush, a, b),
                Ok(Some(Message::Clear)) => canvas.clear(&mut display, size),
                Ok(Some(Message::Peers(n))) => {
                    peers = n;
                    redraw_toolbar = true;
                }
                Ok(None) | Err(TryRecvError::Disconnected) => {
                    if connected {
                        (connected, redraw_toolbar) = (false, true);
                    }
                    break;
                }
                Err(TryRecvError::Empty) => break,
            }
        }
        if redraw_all {
            canvas.show(&mut display, size);
        }
        if redraw_all || redraw_toolbar {
            toolbar.draw(&mut display, window, &status(connected && sent_ok, peers))?;
        }
        display.flush()?;
    }
}
