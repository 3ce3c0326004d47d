//! `dispinfo`: what a dispd display is (like `xdpyinfo`): server, protocol, screen, where it
//! listens, and the connected clients.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use gui_client::{ConnectOptions, Display};

/// Describe a dispd display: server, protocol version, screen, listening addresses, clients.
///
/// The display comes from --display, else DISPD_DISPLAY, else DISPLAY. Only the display's owner
/// (a local client of the same user) sees every client; others see themselves.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The display, e.g. :0 or host:0.
    #[arg(short, long)]
    display: Option<String>,
}

fn main() -> ExitCode {
    match info(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            dispd_tools::report(&format!("dispinfo: {e}"));
            ExitCode::FAILURE
        }
    }
}

fn info(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let mut display = Display::connect(&ConnectOptions {
        display: args.display,
        ..Default::default()
    })?;
    let me = display.setup().client_id;
    let info = display.server_info()?;
    let clients = display.list_clients()?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "server:            {} {}", info.name, info.version)?;
    writeln!(out, "protocol version:  {}", info.protocol_version)?;
    writeln!(
        out,
        "screen:            {}x{} ({})",
        info.screen.width, info.screen.height, info.backend
    )?;
    writeln!(out, "listening on:      {}", info.listening.join(", "))?;
    writeln!(out, "windows:           {}", info.windows)?;
    writeln!(out, "clients:           {}", info.clients)?;
    writeln!(
        out,
        "  {:>4}  {:<28} {:>7} {:>9}",
        "id", "peer", "windows", "requests"
    )?;
    for c in &clients {
        let notes = [
            (c.id == me).then_some("this dispinfo"),
            c.trusted.then_some("owner"),
        ];
        let notes: Vec<&str> = notes.into_iter().flatten().collect();
        writeln!(
            out,
            "  {:>4}  {:<28} {:>7} {:>9}  {}",
            c.id.0,
            c.peer,
            c.windows,
            c.requests,
            notes.join(", ")
        )?;
    }
    if clients.len() < info.clients as usize {
        writeln!(
            out,
            "  ({} more, visible to the display's owner only)",
            info.clients as usize - clients.len()
        )?;
    }
    Ok(())
}
