//! `dispprobe`: a measurement client for dispd, used by `bench/onscreen-numbers`.
//!
//! Three subcommands, each printing plain `key=value` lines on stdout that scripts can parse:
//! - `anim`: redraws a whole window every frame, paced by one `sync` per frame, and reports
//!   frames per second and the latency of those syncs;
//! - `idle`: opens several windows, draws once, then only waits for events (to measure the
//!   server's idle CPU);
//! - `keys`: opens a window titled `dispprobe-keys` and prints a receive timestamp for each key
//!   press (to measure input latency with an external key sender such as `xdotool`).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::{Parser, Subcommand};
use gui_client::{ClientError, Color, ConnectOptions, Display, Event, Key, Rect, Size, WindowId};

/// Measure a dispd display: animation throughput, idle cost, key latency.
///
/// The display comes from --display, else DISPD_DISPLAY, else DISPLAY.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The display, e.g. :0 or host:0.
    #[arg(short, long, global = true)]
    display: Option<String>,
    /// Directory of dispd's Unix sockets [default: $DISPD_SOCKET_DIR or /tmp/.dispd-unix].
    #[arg(long, global = true)]
    socket_dir: Option<PathBuf>,
    /// What to measure.
    #[command(subcommand)]
    probe: Probe,
}

/// The measurements.
#[derive(Debug, Subcommand)]
enum Probe {
    /// Redraw a whole window every frame, one sync per frame; print fps and sync latency.
    Anim {
        /// How long to animate, in seconds.
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        /// Window size, as WIDTHxHEIGHT.
        #[arg(long, default_value = "800x600", value_parser = parse_size)]
        size: Size,
    },
    /// Open windows, draw once, then only wait for events.
    Idle {
        /// How many windows.
        #[arg(long, default_value_t = 10)]
        windows: u32,
        /// How long to wait, in seconds.
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
    },
    /// Open a window titled `dispprobe-keys` and print a timestamp for every key press.
    Keys {
        /// Stop after this many presses.
        #[arg(long, default_value_t = 200)]
        count: u32,
        /// Give up when no key arrives for this many seconds.
        #[arg(long, default_value_t = 30.0)]
        timeout: f64,
    },
}

/// The title of the `keys` window, for `xdotool search --name`.
const KEYS_TITLE: &str = "dispprobe-keys";

fn parse_size(s: &str) -> Result<Size, String> {
    s.parse()
}

fn main() -> ExitCode {
    let args = Args::parse();
    let opts = ConnectOptions {
        display: args.display.clone(),
        socket_dir: args.socket_dir.clone(),
        ..Default::default()
    };
    let result = Display::connect(&opts)
        .map_err(Box::<dyn std::error::Error>::from)
        .and_then(|mut display| match args.probe {
            Probe::Anim { seconds, size } => Ok(anim(&mut display, seconds, size)?),
            Probe::Idle { windows, seconds } => Ok(idle(&mut display, windows, seconds)?),
            Probe::Keys { count, timeout } => keys(&mut display, count, timeout),
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            dispd_tools::report(&format!("dispprobe: {e}"));
            ExitCode::FAILURE
        }
    }
}

/// Writes one line on stdout (line-buffered, so it leaves at once even into a pipe).
fn say(line: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

/// Microseconds since the Unix epoch, from the realtime clock (comparable across processes).
fn now_us() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros())
}

/// This process's CPU time so far (user + system), in clock ticks, from `/proc/self/stat`;
/// `None` where that file cannot be read. Ticks are `getconf CLK_TCK` per second.
fn cpu_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces: state is
    // the first, utime the 12th and stime the 13th.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// Creates, titles and maps a window.
fn open_window(display: &mut Display, rect: Rect, title: &str) -> Result<WindowId, ClientError> {
    let window = display.create_window(rect, Color::WHITE)?;
    display.set_title(window, title);
    display.map_window(window);
    Ok(window)
}

/// Drops every event that has already arrived (the probes that do not read events would
/// otherwise keep them queued forever).
fn drain_events(display: &mut Display) -> Result<(), ClientError> {
    while display.poll_event()?.is_some() {}
    Ok(())
}

/// Draws frame `n` of the animation: a full clear in a colour that changes every frame, a
/// grid of moving rectangles and a line of text, so every pixel of the window changes.
fn draw_frame(display: &mut Display, window: WindowId, size: Size, n: u32) {
    let (w, h) = (size.width as i32, size.height as i32);
    let mut p = display.draw(window);
    let shade = (n % 64) as u8;
    p.color(Color::rgb(32 + shade, 16, 96 - shade)).clear();
    let cell = 40;
    let offset = (n as i32 * 3) % cell;
    let mut row = 0u8;
    let mut y = -cell + offset;
    while y < h {
        let mut x = -cell + offset;
        let mut col = 0u8;
        while x < w {
            let r = (n as u8).wrapping_mul(5).wrapping_add(col.wrapping_mul(20));
            let g = row.wrapping_mul(17).wrapping_add(n as u8);
            p.color(Color::rgb(r, g, 200)).fill_rect(Rect::new(x, y, 24, 24));
            x += cell;
            col = col.wrapping_add(1);
        }
        y += cell;
        row = row.wrapping_add(1);
    }
    p.color(Color::WHITE)
        .fill_rect(Rect::new(0, h - 4, (n % size.width.max(1)) + 1, 4));
    p.color(Color::BLACK)
        .font_size(20)
        .text(12, 28, &format!("dispprobe frame {n}"));
    p.finish();
}

/// The `q`-quantile (0..=1) of sorted `v`, nearest rank.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The `anim` probe.
fn anim(display: &mut Display, seconds: f64, size: Size) -> Result<(), ClientError> {
    let window = open_window(display, Rect::from_size(size), "dispprobe-anim")?;
    draw_frame(display, window, size, 0);
    display.sync()?;
    drain_events(display)?;
    let mut latencies_ms = Vec::new();
    say(&format!("START t_us={}", now_us()));
    let ticks_before = cpu_ticks();
    let start = Instant::now();
    let limit = Duration::from_secs_f64(seconds.max(0.0));
    let mut n = 1;
    while start.elapsed() < limit {
        draw_frame(display, window, size, n);
        let t = Instant::now();
        display.sync()?;
        latencies_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        n += 1;
        if n % 64 == 0 {
            drain_events(display)?;
        }
    }
    let wall = start.elapsed().as_secs_f64();
    let client_ticks = match (ticks_before, cpu_ticks()) {
        (Some(a), Some(b)) => format!(" client_cpu_ticks={}", b.saturating_sub(a)),
        _ => String::new(),
    };
    let frames = latencies_ms.len();
    latencies_ms.sort_by(f64::total_cmp);
    let mean = latencies_ms.iter().sum::<f64>() / frames.max(1) as f64;
    say(&format!(
        "anim size={}x{} frames={frames} seconds={wall:.3} fps={:.1} sync_ms_mean={mean:.3} \
         sync_ms_p50={:.3} sync_ms_p90={:.3} sync_ms_p99={:.3} sync_ms_max={:.3}{client_ticks}",
        size.width,
        size.height,
        frames as f64 / wall,
        quantile(&latencies_ms, 0.5),
        quantile(&latencies_ms, 0.9),
        quantile(&latencies_ms, 0.99),
        quantile(&latencies_ms, 1.0),
    ));
    Ok(())
}

/// The `idle` probe.
fn idle(display: &mut Display, windows: u32, seconds: f64) -> Result<(), ClientError> {
    let mut ids = Vec::new();
    for i in 0..windows {
        let rect = Rect::new((i % 5) as i32 * 210, (i / 5) as i32 * 170, 200, 150);
        let window = open_window(display, rect, &format!("dispprobe-idle-{i}"))?;
        ids.push(window);
    }
    for (i, &window) in ids.iter().enumerate() {
        let mut p = display.draw(window);
        p.color(Color::rgb(230, 230, 240)).clear();
        p.color(Color::rgb(40, 90, 200))
            .fill_rect(Rect::new(10, 40, 180, 60));
        p.color(Color::BLACK)
            .font_size(16)
            .text(10, 24, &format!("idle window {i}"));
        p.finish();
    }
    display.sync()?;
    say(&format!("READY idle windows={windows}"));
    let deadline = Instant::now() + Duration::from_secs_f64(seconds.max(0.0));
    let mut events = 0u64;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        if display.next_event_timeout(left)?.is_some() {
            events += 1;
        }
    }
    say(&format!(
        "idle windows={windows} seconds={seconds} events={events}"
    ));
    Ok(())
}

/// A short, space-free name for a pressed key.
fn key_text(key: &Key, text: Option<&str>) -> String {
    let name = match (text, key) {
        (Some(t), _) if !t.trim().is_empty() => t.to_string(),
        (_, Key::Character(c)) => c.clone(),
        (_, Key::Named(n)) => format!("{n:?}"),
        (_, Key::Unidentified) => "Unidentified".into(),
    };
    name.split_whitespace().collect::<Vec<_>>().join("_")
}

/// The `keys` probe.
fn keys(display: &mut Display, count: u32, timeout: f64) -> Result<(), Box<dyn std::error::Error>> {
    let window = open_window(display, Rect::new(0, 0, 320, 120), KEYS_TITLE)?;
    {
        let mut p = display.draw(window);
        p.color(Color::WHITE).clear();
        p.color(Color::BLACK)
            .font_size(16)
            .text(10, 24, "dispprobe keys: type here");
    }
    display.sync()?;
    say(&format!("READY title={KEYS_TITLE} window={window}"));
    let wait = Duration::from_secs_f64(timeout.max(0.001));
    let mut seen = 0;
    while seen < count {
        let Some(event) = display.next_event_timeout(wait)? else {
            say(&format!("TIMEOUT received={seen} expected={count}"));
            return Err(format!("only {seen} of {count} key presses arrived (none for {timeout} s)").into());
        };
        let t_us = now_us();
        if let Event::Key(k) = event {
            if k.pressed && !k.repeat {
                seen += 1;
                say(&format!(
                    "KEY n={seen} t_us={t_us} key={}",
                    key_text(&k.key, k.text.as_deref())
                ));
            }
        }
    }
    say(&format!("DONE received={seen}"));
    Ok(())
}
