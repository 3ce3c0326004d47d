//! `dispev`: opens a window and prints every event it receives, one line each (like `xev`).

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use gui_client::{ClientError, Color, ConnectOptions, Display, Event, Rect};

/// Open a window on a dispd display and print every event it receives, one line each.
///
/// The display comes from --display, else DISPD_DISPLAY, else DISPLAY. Close the window to quit.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The display, e.g. :0 or host:0.
    #[arg(short, long)]
    display: Option<String>,
    /// Window geometry, as WIDTHxHEIGHT+X+Y.
    #[arg(short, long, default_value = "400x300+50+50")]
    geometry: String,
    /// Window title.
    #[arg(short, long, default_value = "dispev")]
    title: String,
}

fn parse_geometry(s: &str) -> Option<Rect> {
    let (size, pos) = s.split_once('+').map_or((s, "0+0"), |(a, b)| (a, b));
    let (w, h) = size.split_once('x')?;
    let (x, y) = pos.split_once('+')?;
    Some(Rect::new(
        x.parse().ok()?,
        y.parse().ok()?,
        w.parse().ok()?,
        h.parse().ok()?,
    ))
}

fn main() -> ExitCode {
    let args = Args::parse();
    let Some(rect) = parse_geometry(&args.geometry).filter(|r| !r.is_empty()) else {
        dispd_tools::report(&format!(
            "dispev: `{}` is not a geometry: use WIDTHxHEIGHT+X+Y, e.g. 400x300+50+50",
            args.geometry
        ));
        return ExitCode::FAILURE;
    };
    match watch(&args, rect) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            dispd_tools::report(&format!("dispev: {e}"));
            ExitCode::FAILURE
        }
    }
}

fn watch(args: &Args, rect: Rect) -> Result<(), ClientError> {
    let mut display = Display::connect(&ConnectOptions {
        display: args.display.clone(),
        ..Default::default()
    })?;
    let window = display.create_window(rect, Color::WHITE)?;
    display.set_title(window, &args.title);
    display.map_window(window);
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "dispev: window {window} on {}; close it to quit",
        display.setup().server_name
    );
    let mut size = rect.size();
    loop {
        let event = display.next_event()?;
        let _ = writeln!(out, "{}", dispd_tools::describe(&event));
        let _ = out.flush();
        match event {
            Event::Expose { .. } => {
                let mut p = display.draw(window);
                p.color(Color::WHITE).clear();
                p.color(Color::rgb(0x30, 0x30, 0x30)).font_size(16);
                p.text(12, 24, "dispev: type, click, scroll here;");
                p.text(12, 46, "events print in the terminal.");
                p.color(Color::rgb(0x40, 0x70, 0xe0)).fill_rect(Rect::new(
                    0,
                    size.height as i32 - 4,
                    size.width,
                    4,
                ));
            }
            Event::Configure { rect, .. } => size = rect.size(),
            Event::CloseRequested { .. } => return Ok(()),
            _ => {}
        }
    }
}
