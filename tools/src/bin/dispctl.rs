//! `dispctl`: the display owner's controls; today `dispctl kill CLIENT` disconnects a client.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use gui_client::{ClientId, ConnectOptions, Display};

/// Control a dispd display as its owner (a local client of the same user).
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The display, e.g. :0.
    #[arg(short, long)]
    display: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Disconnect a client (numbers as `dispinfo` shows them); its windows close.
    Kill {
        /// The client's number.
        client: u32,
    },
}

fn main() -> ExitCode {
    match control(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            dispd_tools::report(&format!("dispctl: {e}"));
            ExitCode::FAILURE
        }
    }
}

fn control(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let mut display = Display::connect(&ConnectOptions {
        display: args.display,
        ..Default::default()
    })?;
    match args.command {
        Command::Kill { client } => {
            display.kill_client(ClientId(client))?;
            writeln!(std::io::stdout(), "client {client} disconnected")?;
        }
    }
    Ok(())
}
