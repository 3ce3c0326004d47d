//! `dispshot`: saves the screen of a dispd display, or the part of it one window covers, as PNG.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use gui_client::{ConnectOptions, Display, Rect};

/// Save a screenshot of a dispd display as PNG, over the protocol like any client.
///
/// The display comes from --display, else DISPD_DISPLAY, else DISPLAY.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Where to write the PNG.
    #[arg(short, long, default_value = "dispshot.png")]
    output: PathBuf,
    /// Only the screen area of this window (an id as `displs` prints it, e.g. 0x200001).
    #[arg(long, value_parser = parse_id)]
    window: Option<u32>,
    /// The display, e.g. :0 or host:0.
    #[arg(short, long)]
    display: Option<String>,
}

fn parse_id(s: &str) -> Result<u32, String> {
    let parsed = match s.strip_prefix("0x") {
        Some(hex) => u32::from_str_radix(hex, 16),
        None => s.parse(),
    };
    parsed.map_err(|_| format!("`{s}` is not a window id: use a number such as 0x200001"))
}

fn main() -> ExitCode {
    match shoot(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            dispd_tools::report(&format!("dispshot: {e}"));
            ExitCode::FAILURE
        }
    }
}

fn shoot(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let mut display = Display::connect(&ConnectOptions {
        display: args.display,
        ..Default::default()
    })?;
    let screen = display.setup().screen;
    let rect = match args.window {
        None => Rect::from_size(screen),
        Some(id) => {
            let windows = display.list_windows()?;
            let w = windows
                .iter()
                .find(|w| w.id.0 == id)
                .ok_or_else(|| format!("no window {id:#x} is visible to you (list them with displs; only the display's owner sees other clients' windows)"))?;
            if !w.mapped {
                return Err(format!("window {id:#x} is not mapped, so it is not on the screen").into());
            }
            w.rect
                .intersect(&Rect::from_size(screen))
                .ok_or_else(|| format!("window {id:#x} lies entirely off the screen"))?
        }
    };
    let image = display.get_screen_image(rect)?;
    dispd_tools::save_png(&image, &args.output)?;
    Ok(())
}
