//! `displs`: lists the windows of a dispd display: id, owner, title, geometry, mapped.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use gui_client::{ConnectOptions, Display};

/// List the windows of a dispd display, bottom to top.
///
/// The display comes from --display, else DISPD_DISPLAY, else DISPLAY. Only the display's owner
/// (a local client of the same user) sees every client's windows; others see none of theirs.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The display, e.g. :0 or host:0.
    #[arg(short, long)]
    display: Option<String>,
}

fn main() -> ExitCode {
    match list(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            dispd_tools::report(&format!("displs: {e}"));
            ExitCode::FAILURE
        }
    }
}

fn list(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let mut display = Display::connect(&ConnectOptions {
        display: args.display,
        ..Default::default()
    })?;
    let windows = display.list_windows()?;
    let peers: std::collections::HashMap<_, _> = display
        .list_clients()?
        .into_iter()
        .map(|c| (c.id, c.peer))
        .collect();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<10} {:>6}  {:<24} {:<20} {:<6}  title",
        "window", "client", "peer", "geometry", "mapped"
    )?;
    for w in windows {
        let geometry = format!("{}x{}+{}+{}", w.rect.width, w.rect.height, w.rect.x, w.rect.y);
        let peer = peers.get(&w.owner).map_or("?", String::as_str);
        let mapped = if w.mapped { "yes" } else { "no" };
        writeln!(
            out,
            "{:<10} {:>6}  {:<24} {:<20} {:<6}  {}",
            w.id, w.owner.0, peer, geometry, mapped, w.title
        )?;
    }
    Ok(())
}
