//! `dispbench`: the x11perf of dispd.
//!
//! Runs x11perf's tests against a dispd display, with x11perf's command line
//! (`dispbench -display :N -repeat 3 -time 2 -rect10 -putimage100`; `--display` and the other
//! double-dash spellings work too) and x11perf's output, so that x11perf's own `x11perfcomp`
//! can put a dispd run next to an X server's run.
//!
//! Each test mirrors its x11perf namesake: the same objects, sizes and positions in a 600x600
//! window, and one dispd request for every X request x11perf makes (a `Draw` batch for each
//! `PolyFillRectangle` of 1000 rectangles, a `PutImage` for each `XPutImage` ...), so ops per
//! request and per write are the same on both sides. Objects are counted as x11perf counts them
//! (rectangles, segments, glyphs, images, windows), not requests. A test calibrates its rep count
//! (which also warms it up), then times `-repeat` repetitions of about `-time` seconds each; a
//! repetition ends with a `Sync` round trip, so every op has been applied when the clock stops,
//! and the time of a bare round trip is subtracted (x11perf's "sync time adjustment").
//!
//! After each test a line starting with `#` (which `x11perfcomp` ignores) gives dispd's bytes on
//! the wire per object, counted by encoding the requests with `dispd_protocol::encode_frame`
//! (the client library's own encoder) and the replies and events the same way.
//!
//! Where dispd has no exact equivalent the nearest request stands in, under x11perf's label:
//! `-noop` sends `NoOperation` (X's no-op), `-pointer` makes a `Sync` round trip, `-create` and `-map`
//! use top-level windows (dispd has no subwindows; each is created with its event mask, as
//! X's are, then mapped and destroyed on its own), `-ftext` draws the `Fixed` face, X's own
//! misc-fixed 6x13 (with `-aa`, DejaVu Sans Mono at 10 px, anti-aliased, a 6x12 cell).
//! `-connect` (connect and handshake) is dispd's own.
//!
//! Besides the tests, three probes print `# key=value` lines for scripts: `-latency N`
//! (round-trip time of N `Sync`s), `-first-frame N` (connect, create, map, draw, sync until a
//! screen read-back shows the window) and `-hold-windows N` (open N windows, draw them, print
//! `READY` and wait, so that a script can read the server's memory).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::Parser;
use dispd_tools::x11perf::{
    circle_layout, copies, copy_locations, get_places, polyline_layout, put_places, rect_layout,
    segment_layout, HEIGHT, WIDTH,
};
use gui_client::protocol::handshake::{ClientHello, ServerAnswer};
use gui_client::protocol::request::ImageSource;
use gui_client::protocol::{DrawOp, FontFace, Reply, Request, ServerMessage};
use gui_client::{
    ClientError, Color, ConnectOptions, Display, Drawable, EventMask, Image, PixelFormat, Rect, Size,
    WindowId,
};

/// Where the test window sits on the screen (as x11perf's).
const WINDOW_AT: (i32, i32) = (2, 2);
/// x11perf's default `-subs` list for `-create` and `-map`.
const DEFAULT_SUBS: [u32; 7] = [4, 16, 25, 50, 75, 100, 200];
/// Side of a child window in `-create` and `-map`, and the gap between them.
const CHILD_SIZE: i32 = 8;
/// Gap between child windows.
const CHILD_SPACE: i32 = 4;

/// The tests, in x11perf's order (the order they run in), with x11perf's labels.
const TESTS: [(&str, &str); 26] = [
    ("rect1", "1x1 rectangle"),
    ("rect10", "10x10 rectangle"),
    ("rect100", "100x100 rectangle"),
    ("rect500", "500x500 rectangle"),
    ("seg10", "10-pixel line segment"),
    ("seg100", "100-pixel line segment"),
    ("line10", "10-pixel line"),
    ("circle10", "10-pixel circle"),
    ("fcircle10", "10-pixel solid circle"),
    ("fcircle100", "100-pixel solid circle"),
    ("ftext", "Char in 80-char line (6x13)"),
    ("scroll100", "Scroll 100x100 pixels"),
    ("copywinwin100", "Copy 100x100 from window to window"),
    ("putimage10", "PutImage 10x10 square"),
    ("putimage100", "PutImage 100x100 square"),
    ("putimage500", "PutImage 500x500 square"),
    ("shmput10", "ShmPutImage 10x10 square"),
    ("shmput100", "ShmPutImage 100x100 square"),
    ("shmput500", "ShmPutImage 500x500 square"),
    ("getimage100", "GetImage 100x100 square"),
    ("getimage500", "GetImage 500x500 square"),
    ("noop", "X protocol NoOperation"),
    ("pointer", "QueryPointer"),
    ("create", "Create and map subwindows"),
    ("map", "Map window via parent"),
    ("connect", "Connect and handshake"),
];

/// dispbench: x11perf's tests against a dispd display, with x11perf's options and output.
///
/// Options may be spelt with one dash, as x11perf's are (-display :1 -repeat 3 -time 2), or two.
/// Tests are named as in x11perf and run in x11perf's order: -rect1 -rect10 -rect100 -rect500
/// -seg10 -seg100 -line10 -circle10 -fcircle10 -fcircle100 -ftext -scroll100 -copywinwin100
/// -putimage10 -putimage100 -putimage500 -shmput10 -shmput100 -shmput500 -getimage100
/// -getimage500 -noop -pointer -create -map, plus dispd's own -connect; -all runs them all. Images
/// go and come back in the server's own layout (Bgra8, as x11perf puts and gets X's 32-bit
/// ZPixmap); -shmput needs the Unix socket.
#[derive(Debug, Parser)]
#[command(
    version,
    override_usage = "dispbench [-display :N] [-repeat N] [-time S] [OPTIONS] -TEST..."
)]
struct Args {
    /// The display, e.g. :1 (Unix socket) or 127.0.0.1:1 (TCP) [default: $DISPD_DISPLAY, $DISPLAY].
    #[arg(long)]
    display: Option<String>,
    /// Directory of dispd's Unix sockets [default: $DISPD_SOCKET_DIR or /tmp/.dispd-unix].
    #[arg(long)]
    socket_dir: Option<PathBuf>,
    /// Timed repetitions of each test.
    #[arg(long, default_value_t = 5)]
    repeat: u32,
    /// Seconds each repetition should take (fractions allowed).
    #[arg(long, default_value_t = 5.0)]
    time: f64,
    /// Use this many reps per repetition instead of calibrating.
    #[arg(long)]
    reps: Option<u64>,
    /// Draw anti-aliased (dispd's smooth mode) instead of aliased X-style pixels.
    #[arg(long)]
    aa: bool,
    /// Window counts for -create and -map.
    #[arg(long, num_args = 1.., default_values_t = DEFAULT_SUBS)]
    subs: Vec<u32>,
    /// Send image pixels as 3-byte RGB instead of the server's own 4-byte BGRA layout.
    #[arg(long, conflicts_with = "rgba")]
    rgb: bool,
    /// Send image pixels as 4-byte RGBA (converted by the server) instead of BGRA.
    #[arg(long)]
    rgba: bool,
    /// Run every test.
    #[arg(long)]
    all: bool,
    /// After each test, save the test window as DIR/TEST.png (to check what was drawn).
    #[arg(long, value_name = "DIR")]
    dump: Option<PathBuf>,
    /// Probe: time N Sync round trips and print their median and 99th percentile.
    #[arg(long, value_name = "N")]
    latency: Option<u32>,
    /// Probe: N times, connect, create, map, draw and sync a window, then read the screen back
    /// until it shows the window; print the times.
    #[arg(long, value_name = "N")]
    first_frame: Option<u32>,
    /// Probe: open N windows (see --hold-size), draw each whole, print `READY`, then wait
    /// --hold-seconds (for measuring the server's memory).
    #[arg(long, value_name = "N")]
    hold_windows: Option<u32>,
    /// Size of the --hold-windows windows, WIDTHxHEIGHT.
    #[arg(long, default_value = "640x480", value_parser = parse_size)]
    hold_size: Size,
    /// How long --hold-windows waits after READY.
    #[arg(long, default_value_t = 5.0)]
    hold_seconds: f64,
}

fn parse_size(s: &str) -> Result<Size, String> {
    s.parse()
}

/// Splits the command line into test names and the rest, which is rewritten for clap:
/// x11perf's one-dash long options (`-display`) become two-dash ones (`--display`).
fn split_args(raw: impl Iterator<Item = String>) -> (Vec<String>, Vec<usize>) {
    let mut rest = Vec::new();
    let mut tests = Vec::new();
    for (i, arg) in raw.enumerate() {
        if i == 0 {
            rest.push(arg);
            continue;
        }
        let bare = arg.trim_start_matches('-');
        if arg.starts_with('-') && bare.len() == arg.len() - 1 || arg.starts_with("--") {
            if let Some(t) = TESTS.iter().position(|(name, _)| *name == bare) {
                if !tests.contains(&t) {
                    tests.push(t);
                }
                continue;
            }
        }
        let long_single_dash = arg.len() > 2
            && arg.starts_with('-')
            && !arg.starts_with("--")
            && !arg[1..].starts_with(|c: char| c.is_ascii_digit() || c == '.');
        rest.push(if long_single_dash { format!("-{arg}") } else { arg });
    }
    (rest, tests)
}

/// Writes one line on stdout, at once (so that progress shows in a pipe too).
fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn main() -> ExitCode {
    let (argv, mut tests) = split_args(std::env::args());
    let args = Args::parse_from(argv);
    if args.all {
        tests = (0..TESTS.len()).collect();
    }
    tests.sort_unstable();
    if tests.is_empty() && args.latency.is_none() && args.first_frame.is_none() && args.hold_windows.is_none()
    {
        dispd_tools::report(
            "dispbench: no test given: name some (e.g. -rect10 -putimage100) or -all; see --help",
        );
        return ExitCode::from(2);
    }
    if !(args.time > 0.0 && args.time.is_finite()) || args.repeat == 0 {
        dispd_tools::report("dispbench: -time must be above 0 and -repeat at least 1");
        return ExitCode::from(2);
    }
    let opts = ConnectOptions {
        display: args.display.clone(),
        socket_dir: args.socket_dir.clone(),
        ..Default::default()
    };
    match run(&args, &opts, &tests) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            dispd_tools::report(&format!("dispbench: {e}"));
            ExitCode::FAILURE
        }
    }
}

type Failure = Box<dyn std::error::Error>;

fn run(args: &Args, opts: &ConnectOptions, tests: &[usize]) -> Result<(), Failure> {
    if !tests.is_empty() {
        let mut s = Session::open(args, opts)?;
        s.header(args)?;
        for &t in tests {
            let subs: Vec<Option<u32>> = match TESTS[t].0 {
                "create" | "map" => args.subs.iter().map(|&n| Some(n)).collect(),
                _ => vec![None],
            };
            if TESTS[t].0.starts_with("shm") && !s.d.can_share_memory() {
                dispd_tools::report(&format!(
                    "dispbench: -{} skipped: shared memory needs the display's Unix socket",
                    TESTS[t].0
                ));
                continue;
            }
            for kids in subs {
                run_test(&mut s, args, t, kids)?;
            }
        }
    }
    if let Some(n) = args.latency {
        latency(opts, n)?;
    }
    if let Some(n) = args.first_frame {
        first_frame(opts, n)?;
    }
    if let Some(n) = args.hold_windows {
        hold_windows(opts, n, args.hold_size, args.hold_seconds)?;
    }
    Ok(())
}

/// The benchmark's connection and its 600x600 test window.
struct Session {
    d: Display,
    win: WindowId,
    opts: ConnectOptions,
    /// Seconds of a bare Sync round trip, subtracted from every timed repetition.
    sync_time: f64,
    /// Bytes of the events drained so far.
    event_bytes: u64,
    /// Shared-memory segments of the -shmput tests.
    segments: Vec<gui_client::ShmSegment>,
}

impl Session {
    fn open(args: &Args, opts: &ConnectOptions) -> Result<Self, Failure> {
        let mut d = Display::connect(opts)?;
        let rect = Rect::new(WINDOW_AT.0, WINDOW_AT.1, WIDTH as u32, HEIGHT as u32);
        // x11perf's window selects no events; neither does this one (nor the windows of
        // -create and -map), so that mapping windows costs no focus or expose events.
        let win = d.create_window_with_events(rect, Color::WHITE, EventMask::NONE)?;
        d.set_title(
            win,
            if args.aa {
                "dispbench (anti-aliased)"
            } else {
                "dispbench"
            },
        );
        d.map_window(win);
        d.sync()?;
        let mut s = Self {
            d,
            win,
            opts: opts.clone(),
            sync_time: 0.0,
            event_bytes: 0,
            segments: Vec::new(),
        };
        s.drain()?;
        // x11perf's "sync time adjustment": what a bare round trip costs.
        for _ in 0..20 {
            s.d.sync()?;
        }
        let mut times: Vec<f64> = (0..100)
            .map(|_| {
                let t = Instant::now();
                s.d.sync().map(|()| t.elapsed().as_secs_f64())
            })
            .collect::<Result<_, _>>()?;
        times.sort_by(f64::total_cmp);
        s.sync_time = times[times.len() / 2];
        Ok(s)
    }

    /// Prints x11perf's header.
    fn header(&mut self, args: &Args) -> Result<(), Failure> {
        let info = self.d.server_info()?;
        let name = args
            .display
            .clone()
            .or_else(|| std::env::var("DISPD_DISPLAY").ok())
            .or_else(|| std::env::var("DISPLAY").ok())
            .unwrap_or_default();
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
        say("dispbench - dispd performance program (x11perf tests and output), version 1.0");
        say(&format!(
            "{} server version {} (protocol {}, {} backend, {}x{} screen) on {name}",
            info.name,
            info.version,
            info.protocol_version,
            info.backend,
            info.screen.width,
            info.screen.height
        ));
        say(&format!("from {}", host.trim()));
        say(&utc_now());
        say("");
        if args.aa {
            say("# Anti-aliased drawing (-aa): every batch starts with SetAntialias(true).");
            say("");
        }
        say(&format!(
            "Sync time adjustment is {:.4} msecs.",
            self.sync_time * 1000.0
        ));
        say("");
        Ok(())
    }

    /// Takes every event that has arrived (counting its bytes); a failed request surfaces here.
    fn drain(&mut self) -> Result<(), ClientError> {
        while let Some(event) = self.d.poll_event()? {
            self.event_bytes += frame_len(&ServerMessage::Event(event));
        }
        Ok(())
    }

    /// Waits until the server has caught up (a Sync round trip), then takes the events: keeps a
    /// window test from running so far ahead that the server's queue for it overflows.
    fn settle(&mut self) -> Result<(), ClientError> {
        self.d.sync()?;
        self.drain()
    }

    /// Paints the test window white again (x11perf clears its window between tests).
    fn clear(&mut self) -> Result<(), ClientError> {
        let mut p = self.d.draw(self.win);
        p.color(Color::WHITE).clear();
        p.finish();
        self.d.sync()?;
        self.drain()
    }
}

/// The date as ctime(3) prints it, in UTC.
fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{} {} {day:2} {:02}:{:02}:{:02} {year} UTC",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize],
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Bytes of `msg` on the wire, frame prefix included.
fn frame_len<T: serde_free::Encode>(msg: &T) -> u64 {
    msg.wire_len()
}

/// A tiny indirection so `frame_len` takes both requests and server messages without naming
/// serde (not a dependency of this crate).
mod serde_free {
    use gui_client::protocol::{encode_frame, Request, ServerMessage};

    pub trait Encode {
        fn wire_len(&self) -> u64;
    }
    impl Encode for Request {
        fn wire_len(&self) -> u64 {
            let mut v = Vec::new();
            encode_frame(self, &mut v);
            v.len() as u64
        }
    }
    impl Encode for ServerMessage {
        fn wire_len(&self) -> u64 {
            let mut v = Vec::new();
            encode_frame(self, &mut v);
            v.len() as u64
        }
    }
}

/// What a test does in one rep.
enum Work {
    /// Queue `per_rep` of these requests, in turn.
    Send {
        reqs: Vec<Request>,
        per_rep: usize,
        next: usize,
    },
    /// Make `per_rep` round trips with these requests, in turn.
    RoundTrip {
        reqs: Vec<Request>,
        per_rep: usize,
        next: usize,
    },
    /// Create, map and destroy a window at each rectangle (screen coordinates).
    Create { rects: Vec<Rect> },
    /// Unmap, then map, each of these windows.
    Map { windows: Vec<WindowId> },
    /// Connect (handshake included) and disconnect.
    Connect,
}

/// One prepared test.
struct Bench {
    label: String,
    /// Objects (x11perf's unit) per rep.
    objects: u64,
    /// Objects per request, for the wire line.
    per_request: f64,
    work: Work,
    /// dispd bytes sent per object.
    sent: f64,
    /// dispd bytes received per object, when known in advance (replies); `None`: counted events.
    received: Option<f64>,
}

/// A pseudo-random sequence (xorshift), fixed seed: the same shapes every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: i32) -> i32 {
        (self.next() % n.max(1) as u64) as i32
    }
}

/// A draw batch on the test window: the anti-aliasing switch when asked for, `white` to paint
/// in the background colour (x11perf alternates its foreground and background GCs), then `ops`.
fn batch(win: WindowId, aa: bool, white: bool, ops: impl IntoIterator<Item = DrawOp>) -> Request {
    let mut all = Vec::new();
    if aa {
        all.push(DrawOp::SetAntialias(true));
    }
    if white {
        all.push(DrawOp::SetColor(Color::WHITE));
    }
    all.extend(ops);
    Request::Draw {
        target: win.into(),
        ops: all.into(),
    }
}

/// A rectangle in a packed run's 16-bit layout (the layouts stay well within it).
fn small_rect(r: Rect) -> gui_client::SmallRect {
    gui_client::SmallRect {
        x: r.x as i16,
        y: r.y as i16,
        width: r.width as u16,
        height: r.height as u16,
    }
}

/// x11perf's scroll walk (DoScroll, v1.3 semantics: 13-pixel steps): one `size` square copied
/// up by `delta`, walking down the columns.
fn scroll_walk(size: i32, n: usize) -> Vec<(i32, i32)> {
    let delta = 13;
    let (mut xorg, mut yorg, mut x, mut y) = (0, 0, 0, 0);
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push((x, y));
        y += size;
        if y + size + delta > HEIGHT {
            yorg += delta;
            if yorg >= size || yorg + size + delta > HEIGHT {
                yorg = 0;
                xorg += 1;
                if xorg >= size || xorg + size > WIDTH {
                    xorg = 0;
                }
            }
            y = yorg;
            x += size;
            if x + size > WIDTH {
                x = xorg;
            }
        }
    }
    out
}

/// The pixels of a test image: a smooth gradient with some detail (the bytes do not matter
/// uncompressed; they are what a photo-like image would be).
fn test_image(size: u32, bpp: usize) -> Vec<u8> {
    let mut data = Vec::with_capacity(size as usize * size as usize * bpp);
    for y in 0..size {
        for x in 0..size {
            let r = (x * 255 / size.max(1)) as u8;
            let g = (y * 255 / size.max(1)) as u8;
            let b = ((x ^ y) & 0xff) as u8;
            // In whichever order: the bytes only have to be as many as the format's.
            data.extend_from_slice(&[r, g, b, 255][..bpp]);
        }
    }
    data
}

/// Average wire size of `reqs`, in bytes.
fn average_len(reqs: &[Request]) -> f64 {
    reqs.iter().map(frame_len).sum::<u64>() as f64 / reqs.len().max(1) as f64
}

/// Builds test `t` (an index into [`TESTS`]) for this session.
fn prepare(s: &mut Session, args: &Args, t: usize, kids: Option<u32>) -> Result<Bench, Failure> {
    let (name, label) = TESTS[t];
    let (win, aa) = (s.win, args.aa);
    let mut label = label.to_string();
    if let Some(k) = kids {
        label = format!("{label} ({k} kids)");
    }
    // A test that queues one kind of draw batch: `alternate` paints every other batch in the
    // background colour, as x11perf swaps GCs.
    let draw_test = |ops: Vec<DrawOp>, per_batch: usize, alternate: bool| {
        let mut reqs = vec![batch(win, aa, false, ops.clone())];
        if alternate {
            reqs.push(batch(win, aa, true, ops));
        }
        (reqs, per_batch)
    };
    let (reqs, objects_per_request) = match name {
        "rect1" | "rect10" | "rect100" | "rect500" => {
            let size: i32 = name[4..].parse()?;
            let n = match size {
                100 => 36,
                500 => 1,
                _ => 1000,
            };
            let rects = rect_layout(size, n);
            // One PolyFillRectangle of n: a run in X's 8-byte layout for a thousand; for a few
            // (36, 1), one FillRect op each, whose varint coordinates take fewer bytes.
            let ops = if n == 1000 {
                vec![DrawOp::FillRects(rects.into_iter().map(small_rect).collect())]
            } else {
                rects.into_iter().map(DrawOp::FillRect).collect()
            };
            draw_test(ops, n, true)
        }
        "seg10" | "seg100" => {
            let size: i32 = name[3..].parse()?;
            // One PolySegment of 1000: one run of 1000 in X's 8-byte layout, with X's
            // `CapNotLast` as x11perf sets it (each segment leaves out its last pixel).
            let run = segment_layout(size, 1000)
                .into_iter()
                .map(|(x1, y1, x2, y2)| gui_client::Segment {
                    x1: x1 as i16,
                    y1: y1 as i16,
                    x2: x2 as i16,
                    y2: y2 as i16,
                });
            let cap = DrawOp::SetLineCap(gui_client::LineCap::NotLast);
            draw_test(vec![cap, DrawOp::Segments(run.collect())], 1000, true)
        }
        "line10" => {
            // One `Lines` run per `PolyLine`: 4 bytes a point, as X's.
            let points = polyline_layout(10, 1000)
                .into_iter()
                .map(|p| gui_client::SmallPoint {
                    x: p.x as i16,
                    y: p.y as i16,
                })
                .collect();
            draw_test(vec![DrawOp::Lines(points)], 1000, true)
        }
        "circle10" => {
            // One `StrokeEllipses` run per `PolyArc` of whole circles.
            let run = circle_layout(10, 1000).into_iter().map(small_rect).collect();
            draw_test(vec![DrawOp::StrokeEllipses(run)], 1000, true)
        }
        "fcircle10" | "fcircle100" => {
            let size: i32 = name[7..].parse()?;
            let n = if size == 100 { 100 } else { 1000 };
            let run = circle_layout(size, n).into_iter().map(small_rect).collect();
            draw_test(vec![DrawOp::FillEllipses(run)], n, true)
        }
        "ftext" => {
            // One request per 80-character line, as x11perf's XDrawString; the lines run down
            // the window, 13 pixels apart, each of different random characters.
            let mut rng = Rng(1);
            let lines = (HEIGHT / 13 - 1) as usize;
            let reqs = (0..lines)
                .map(|i| {
                    let text: String = (0..80).map(|_| char::from(b' ' + rng.below(95) as u8)).collect();
                    // Aliased: misc-fixed 6x13, x11perf's own font. Anti-aliased: DejaVu Sans
                    // Mono at 10 px, a 6x12 cell.
                    let (face, size) = if aa {
                        (FontFace::Mono, 10)
                    } else {
                        (FontFace::Fixed, 13)
                    };
                    let ops = vec![
                        DrawOp::SetFontFace(face),
                        DrawOp::SetFontSize(size),
                        DrawOp::Text {
                            x: 20,
                            y: 13 * (i as i32 + 1),
                            text,
                        },
                    ];
                    batch(win, aa, false, ops)
                })
                .collect();
            (reqs, 80)
        }
        "scroll100" => {
            let reqs = scroll_walk(100, 4096)
                .into_iter()
                .map(|(x, y)| {
                    let op = DrawOp::CopyArea {
                        source: win.into(),
                        src: Rect::new(x, y + 13, 100, 100),
                        x,
                        y,
                    };
                    batch(win, aa, false, [op])
                })
                .collect();
            (reqs, 1)
        }
        "copywinwin100" => {
            let mut reqs = Vec::new();
            for (a, b) in copy_locations(100, 256) {
                for ((sx, sy), (dx, dy)) in copies(a, b) {
                    let op = DrawOp::CopyArea {
                        source: win.into(),
                        src: Rect::new(sx, sy, 100, 100),
                        x: dx,
                        y: dy,
                    };
                    reqs.push(batch(win, aa, false, [op]));
                }
            }
            (reqs, 1)
        }
        "putimage10" | "putimage100" | "putimage500" | "shmput10" | "shmput100" | "shmput500" => {
            let shm = name.starts_with("shm");
            let size: u32 = name[if shm { 6 } else { 8 }..].parse()?;
            let format = if args.rgb {
                PixelFormat::Rgb8
            } else if args.rgba {
                PixelFormat::Rgba8
            } else {
                PixelFormat::Bgra8
            };
            let bpp = format.bytes_per_pixel();
            let data = test_image(size, bpp);
            // One shared-memory segment holds a window-sized image, as x11perf's XShmPutImage
            // test's; each put takes a part of it.
            let segment = if shm {
                let whole = test_image(WIDTH as u32, bpp);
                let segment = s.d.create_shm(whole.len() as u64)?;
                segment.write_at(0, &whole)?;
                let id = segment.id();
                // Attached until the session ends.
                s.segments.push(segment);
                Some(id)
            } else {
                None
            };
            let mut reqs = Vec::new();
            // x11perf's places, a few hundred of them (every request over the socket holds its
            // pixels; fewer for big images).
            let places = (4 << 20) / (size as usize * size as usize * 4 * 4);
            let stride = WIDTH as usize * bpp;
            for (a, b) in copy_locations(size as i32, places.clamp(2, 256)) {
                for ((sx, sy), (x, y)) in put_places(a, b) {
                    let rect = Rect::new(x, y, size, size);
                    reqs.push(match segment {
                        Some(segment) => Request::PutShmSubImage {
                            target: win.into(),
                            rect,
                            format,
                            segment,
                            offset: (sy as usize * stride + sx as usize * bpp) as u64,
                            stride: stride as u32,
                        },
                        None => Request::PutImage {
                            target: win.into(),
                            rect,
                            format,
                            compression: gui_client::Compression::None,
                            data: data.clone(),
                        },
                    });
                }
            }
            (reqs, 1)
        }
        "getimage100" | "getimage500" => {
            let size: u32 = name[8..].parse()?;
            let reqs: Vec<Request> = copy_locations(size as i32, 64)
                .into_iter()
                .flat_map(|(a, b)| get_places(a, b))
                .map(|(x, y)| Request::GetImageAs {
                    source: ImageSource::Drawable(Drawable::from(win)),
                    rect: Rect::new(x, y, size, size),
                    format: PixelFormat::Bgra8,
                })
                .collect();
            let reply = s.d.round_trip(&reqs[0])?;
            let received = frame_len(&ServerMessage::Reply {
                seq: s.d.last_seq(),
                reply,
            }) as f64;
            return Ok(Bench {
                label,
                objects: 4,
                per_request: 1.0,
                sent: average_len(&reqs),
                work: Work::RoundTrip {
                    reqs,
                    per_rep: 4,
                    next: 0,
                },
                received: Some(received),
            });
        }
        "noop" => (vec![Request::NoOperation], 1),
        "pointer" => {
            let received = frame_len(&ServerMessage::Reply {
                seq: s.d.last_seq() + 1,
                reply: Reply::Sync,
            }) as f64;
            return Ok(Bench {
                label,
                objects: 1,
                per_request: 1.0,
                sent: frame_len(&Request::Sync) as f64,
                work: Work::RoundTrip {
                    reqs: vec![Request::Sync],
                    per_rep: 1,
                    next: 0,
                },
                received: Some(received),
            });
        }
        "create" => {
            let n = kids.unwrap_or(25).max(1) as usize;
            let rects = child_rects(n);
            let id = WindowId(s.d.setup().ids.base);
            let sample = [
                Request::CreateWindowWithEvents {
                    window: id,
                    rect: rects[0],
                    background: Color::BLACK,
                    events: EventMask::NONE,
                },
                Request::MapWindow { window: id },
                Request::DestroyWindow { window: id },
            ];
            return Ok(Bench {
                label,
                objects: n as u64,
                per_request: 1.0 / 3.0,
                sent: sample.iter().map(frame_len).sum::<u64>() as f64,
                work: Work::Create { rects },
                received: None,
            });
        }
        "map" => {
            let n = kids.unwrap_or(25).max(1) as usize;
            let mut windows = Vec::with_capacity(n);
            for r in child_rects(n) {
                let w = s.d.create_window_with_events(r, Color::BLACK, EventMask::NONE)?;
                s.d.map_window(w);
                windows.push(w);
            }
            s.d.sync()?;
            s.drain()?;
            let sample = [
                Request::UnmapWindow { window: windows[0] },
                Request::MapWindow { window: windows[0] },
            ];
            return Ok(Bench {
                label,
                objects: n as u64,
                per_request: 0.5,
                sent: sample.iter().map(frame_len).sum::<u64>() as f64,
                work: Work::Map { windows },
                received: None,
            });
        }
        "connect" => {
            let hello = ClientHello::new("", b"").encode()?.len() as f64;
            let answer = ServerAnswer::Accepted {
                version: gui_client::protocol::PROTOCOL_VERSION,
                setup: s.d.setup().clone(),
            }
            .encode()
            .len() as f64;
            return Ok(Bench {
                label,
                objects: 1,
                per_request: 1.0,
                sent: hello,
                work: Work::Connect,
                received: Some(answer),
            });
        }
        other => return Err(format!("unknown test {other}").into()),
    };
    // The image and copy tests make four requests per rep (x11perf's DoPutImage, DoCopyWinWin).
    let per_rep = match name {
        "putimage10" | "putimage100" | "putimage500" | "shmput10" | "shmput100" | "shmput500"
        | "copywinwin100" => 4,
        _ => 1,
    };
    Ok(Bench {
        label,
        objects: (per_rep * objects_per_request) as u64,
        per_request: objects_per_request as f64,
        sent: average_len(&reqs) / objects_per_request as f64,
        work: Work::Send {
            reqs,
            per_rep,
            next: 0,
        },
        received: Some(0.0),
    })
}

/// Screen rectangles of `n` child-sized windows in rows inside the test window.
fn child_rects(n: usize) -> Vec<Rect> {
    let per_row = (WIDTH - CHILD_SPACE) / (CHILD_SIZE + CHILD_SPACE);
    (0..n as i32)
        .map(|i| {
            let (col, row) = (i % per_row, i / per_row);
            Rect::new(
                WINDOW_AT.0 + CHILD_SPACE + col * (CHILD_SIZE + CHILD_SPACE),
                WINDOW_AT.1 + CHILD_SPACE + row * (CHILD_SIZE + CHILD_SPACE),
                CHILD_SIZE as u32,
                CHILD_SIZE as u32,
            )
        })
        .collect()
}

/// Reps of a window test between two [`Session::settle`]s: x11perf's own grain, which syncs
/// once per run of at most 100 reps (one rep a parent window, as many as fit its window), and
/// fewer when each rep has many windows. dispbench's windows select no events, as x11perf's do,
/// so none should come; but a server that sent the three of a map (an expose, focus out, focus
/// in) anyway would drop a client with more than 8192 messages waiting, so at most about 7500
/// may be in flight. (Until the tenth session it settled every 500 windows, five times as often
/// as x11perf, a round trip and an idle pipeline each time: `-create` on dispd 1.86M → 2.05M/s
/// with the change, `-map` unchanged.)
fn events_window(windows: usize) -> u64 {
    (7500 / (3 * windows.max(1))).clamp(1, 100) as u64
}

/// Does `reps` reps of `bench`.
fn work(s: &mut Session, bench: &mut Bench, reps: u64) -> Result<(), Failure> {
    match &mut bench.work {
        Work::Send { reqs, per_rep, next } => {
            for _ in 0..reps {
                for _ in 0..*per_rep {
                    s.d.send(&reqs[*next]);
                    *next = (*next + 1) % reqs.len();
                }
            }
        }
        Work::RoundTrip { reqs, per_rep, next } => {
            for _ in 0..reps {
                for _ in 0..*per_rep {
                    s.d.round_trip(&reqs[*next])?;
                    *next = (*next + 1) % reqs.len();
                }
            }
        }
        Work::Create { rects } => {
            let every = events_window(rects.len());
            let mut ids = Vec::with_capacity(rects.len());
            for i in 0..reps {
                ids.clear();
                for r in rects.iter() {
                    ids.push(s.d.create_window_with_events(*r, Color::BLACK, EventMask::NONE)?);
                }
                for &w in &ids {
                    s.d.map_window(w);
                }
                for &w in &ids {
                    s.d.destroy_window(w);
                }
                if (i + 1) % every == 0 {
                    s.settle()?;
                }
            }
        }
        Work::Map { windows } => {
            let every = events_window(windows.len());
            for i in 0..reps {
                for &w in windows.iter() {
                    s.d.unmap_window(w);
                }
                for &w in windows.iter() {
                    s.d.map_window(w);
                }
                if (i + 1) % every == 0 {
                    s.settle()?;
                }
            }
        }
        Work::Connect => {
            for _ in 0..reps {
                let c = Display::connect(&s.opts)?;
                drop(c);
            }
        }
    }
    Ok(())
}

/// One timed run of `reps` reps: seconds, less the sync time adjustment.
fn timed(s: &mut Session, bench: &mut Bench, reps: u64) -> Result<f64, Failure> {
    s.d.sync()?;
    s.drain()?;
    let start = Instant::now();
    work(s, bench, reps)?;
    s.d.sync()?;
    let t = start.elapsed().as_secs_f64() - s.sync_time;
    s.drain()?;
    Ok(t.max(0.0))
}

/// x11perf's calibration, scaled to `-time`: find how many reps take long enough to measure,
/// then how many fill `seconds`, rounded up to one significant digit. Warms the test up too.
fn calibrate(s: &mut Session, bench: &mut Bench, seconds: f64) -> Result<u64, Failure> {
    let enough = (seconds * 0.25).clamp(0.01, 1.0);
    let goal = enough * 1.25;
    let mut reps: u64 = 1;
    let t = loop {
        let t = timed(s, bench, reps)?;
        if t >= enough {
            break t;
        }
        reps = if t <= 0.001 {
            reps.saturating_mul(10)
        } else {
            (goal * reps as f64 / t) as u64 + 1
        };
    };
    let mut reps = (seconds * reps as f64 / t) as u64 + 1;
    reps -= 1;
    let mut exponent = 1;
    while reps > 9 {
        reps /= 10;
        exponent *= 10;
    }
    Ok((reps + 1) * exponent)
}

/// x11perf's RoundTo3Digits: keep three significant digits.
fn round3(d: f64) -> f64 {
    if d <= 0.0 {
        return d;
    }
    let mut exponent = 1.0;
    if d >= 1000.0 {
        loop {
            exponent *= 10.0;
            if d / exponent < 1000.0 {
                break;
            }
        }
        ((d / exponent + 0.5) as i64) as f64 * exponent
    } else {
        while d * exponent < 100.0 {
            exponent *= 10.0;
        }
        ((d * exponent + 0.5) as i64) as f64 / exponent
    }
}

/// x11perf's ReportTimes.
fn report_times(secs: f64, n: u64, label: &str, average: bool) {
    let kind = if average { "trep" } else { "reps" };
    if secs > 0.0 {
        let msec_per_obj = secs * 1000.0 / n as f64;
        let per_sec = round3(n as f64 / secs);
        say(&format!(
            "{n:>11} {kind} @ {msec_per_obj:>8.4} msec ({per_sec:>8.1}/sec): {label}"
        ));
    } else {
        say(&format!("{n:>10} {kind} @ 0.0 msec (unmeasurably fast): {label}"));
    }
}

fn run_test(s: &mut Session, args: &Args, t: usize, kids: Option<u32>) -> Result<(), Failure> {
    let mut bench = prepare(s, args, t, kids)?;
    let label = bench.label.clone();
    let fail = |e: Failure| -> Failure { format!("test {} failed: {e}", TESTS[t].0).into() };
    s.clear()?;
    let reps = match args.reps {
        Some(r) => {
            // Warm up with one rep even so.
            timed(s, &mut bench, 1).map_err(fail)?;
            r.max(1)
        }
        None => calibrate(s, &mut bench, args.time).map_err(fail)?,
    };
    let events_before = s.event_bytes;
    let mut total = 0.0;
    for _ in 0..args.repeat {
        let secs = timed(s, &mut bench, reps).map_err(fail)?;
        total += secs;
        report_times(secs, reps * bench.objects, &label, false);
    }
    if args.repeat > 1 {
        report_times(total, u64::from(args.repeat) * reps * bench.objects, &label, true);
    }
    let ops = (u64::from(args.repeat) * reps * bench.objects).max(1) as f64;
    let received = bench
        .received
        .unwrap_or((s.event_bytes - events_before) as f64 / ops);
    say(&format!(
        "# bytes/op on the wire: {:.3} sent, {:.3} received; {} objects per request (dispd{})",
        bench.sent,
        received,
        trim_number(bench.per_request),
        if TESTS[t].0 == "pointer" {
            ": Sync round trip"
        } else {
            ""
        }
    ));
    say("");
    if let Some(dir) = &args.dump {
        let image =
            s.d.get_image(s.win, Rect::new(0, 0, WIDTH as u32, HEIGHT as u32))?;
        let suffix = kids.map_or(String::new(), |k| format!("-{k}"));
        dispd_tools::save_png(&image, &dir.join(format!("{}{suffix}.png", TESTS[t].0)))?;
    }
    if let Work::Map { windows } = &bench.work {
        for &w in windows {
            s.d.destroy_window(w);
        }
    }
    s.d.sync()?;
    s.drain()?;
    Ok(())
}

/// `1`, `0.5`, `1000` rather than `1.000`.
fn trim_number(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The `q`-quantile (0..=1) of sorted `v`, nearest rank.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The `-latency` probe.
fn latency(opts: &ConnectOptions, n: u32) -> Result<(), Failure> {
    let mut d = Display::connect(opts)?;
    for _ in 0..100 {
        d.sync()?;
    }
    let mut us = Vec::with_capacity(n as usize);
    for _ in 0..n.max(1) {
        let t = Instant::now();
        d.sync()?;
        us.push(t.elapsed().as_secs_f64() * 1e6);
    }
    us.sort_by(f64::total_cmp);
    let mean = us.iter().sum::<f64>() / us.len() as f64;
    say(&format!(
        "# round_trip n={} median_us={:.1} p99_us={:.1} mean_us={mean:.1} min_us={:.1} max_us={:.1}",
        us.len(),
        quantile(&us, 0.5),
        quantile(&us, 0.99),
        us[0],
        us[us.len() - 1]
    ));
    Ok(())
}

/// The `-first-frame` probe.
fn first_frame(opts: &ConnectOptions, n: u32) -> Result<(), Failure> {
    let mut total = Vec::new();
    let mut connect = Vec::new();
    for i in 0..n.max(1) {
        let color = Color::rgb(0x12, 0x9a, (i % 200) as u8 + 30);
        let start = Instant::now();
        let mut d = Display::connect(opts)?;
        let connected = start.elapsed();
        let screen = d.setup().screen;
        let rect = Rect::new(screen.width as i32 / 2, screen.height as i32 / 2 - 100, 200, 150);
        let w = d.create_window(rect, Color::WHITE)?;
        d.map_window(w);
        let mut p = d.draw(w);
        p.color(color).fill_rect(Rect::new(0, 0, 200, 150));
        p.finish();
        d.sync()?;
        let probe = Rect::new(rect.x + 100, rect.y + 75, 1, 1);
        loop {
            let img: Image = d.get_screen_image(probe)?;
            if img.pixel(0, 0) == Some([color.r(), color.g(), color.b(), 255]) {
                break;
            }
            if start.elapsed() > Duration::from_secs(5) {
                return Err("the window never showed on the screen read-back".into());
            }
        }
        total.push(start.elapsed().as_secs_f64() * 1000.0);
        connect.push(connected.as_secs_f64() * 1000.0);
        d.destroy_window(w);
        d.sync()?;
    }
    total.sort_by(f64::total_cmp);
    connect.sort_by(f64::total_cmp);
    say(&format!(
        "# first_frame n={} median_ms={:.3} min_ms={:.3} max_ms={:.3} connect_median_ms={:.3}",
        total.len(),
        quantile(&total, 0.5),
        total[0],
        total[total.len() - 1],
        quantile(&connect, 0.5)
    ));
    Ok(())
}

/// The `-hold-windows` probe.
fn hold_windows(opts: &ConnectOptions, n: u32, size: Size, seconds: f64) -> Result<(), Failure> {
    let mut d = Display::connect(opts)?;
    let screen = d.setup().screen;
    let mut windows = Vec::new();
    for i in 0..n {
        let span_x = screen.width.saturating_sub(size.width).max(1) as i32;
        let span_y = screen.height.saturating_sub(size.height).max(1) as i32;
        let rect = Rect::new(
            (i as i32 * 23) % span_x,
            (i as i32 * 17) % span_y,
            size.width,
            size.height,
        );
        let w = d.create_window(rect, Color::WHITE)?;
        d.map_window(w);
        let mut p = d.draw(w);
        p.color(Color::rgb((i * 7) as u8, 120, 200)).clear();
        p.color(Color::BLACK)
            .fill_rect(Rect::new(10, 10, size.width / 2, size.height / 2));
        p.finish();
        windows.push(w);
    }
    d.sync()?;
    while d.poll_event()?.is_some() {}
    say(&format!(
        "# hold windows={n} size={}x{} READY",
        size.width, size.height
    ));
    let deadline = Instant::now() + Duration::from_secs_f64(seconds.max(0.0));
    while Instant::now() < deadline {
        let left = deadline.saturating_duration_since(Instant::now());
        let _ = d.next_event_timeout(left.min(Duration::from_millis(200)))?;
    }
    say("# hold DONE");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_matches_x11perf() {
        assert_eq!(round3(6_453_211.0), 6_450_000.0);
        assert_eq!(round3(80_349.0), 80_300.0);
        assert_eq!(round3(12.345), 12.3);
        assert_eq!(round3(0.5), 0.5);
    }

    #[test]
    fn layouts_have_x11perf_counts_and_stay_inside() {
        let rects = rect_layout(100, 36);
        assert!(rects.iter().all(|r| r.right() <= 600 && r.bottom() <= 600));
        let segs = segment_layout(10, 1000);
        assert!(segs
            .iter()
            .all(|s| s.0 >= 0 && s.2 < 600 && s.1 >= 0 && s.3 < 600));
        let pts = polyline_layout(10, 1000);
        assert_eq!(pts.len(), 1001);
        assert!(pts
            .iter()
            .all(|p| (0..600).contains(&p.x) && (0..=600).contains(&p.y)));
        assert!(scroll_walk(100, 4096)
            .iter()
            .all(|&(x, y)| x + 100 <= 600 && y + 113 <= 600));
    }

    #[test]
    fn single_dash_options_become_long_and_tests_are_picked_out() {
        let argv = [
            "dispbench",
            "-display",
            ":3",
            "-repeat",
            "2",
            "-rect10",
            "--noop",
            "-time",
            "0.5",
        ];
        let (rest, tests) = split_args(argv.iter().map(|s| s.to_string()));
        assert_eq!(
            rest,
            ["dispbench", "--display", ":3", "--repeat", "2", "--time", "0.5"]
        );
        assert_eq!(tests, [1, 21]);
    }
}
