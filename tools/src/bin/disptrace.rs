//! `disptrace`: shows the conversation between dispd clients and a server, message by message
//! (like xtrace or xscope, but readable by a student).
//!
//! It listens as display M and forwards every connection to display N unchanged, printing each
//! message in both directions with a timestamp, direction, size, sequence number and what it
//! says. The traced client and server behave exactly as without it.

use std::process::ExitCode;

use clap::Parser;
use dispd_tools::trace::{self, Options, Output};

/// Trace the dispd protocol: listen as display M, forward to display N, print every message.
///
/// Example: `disptrace :1 --to :0`, then run a client with DISPD_DISPLAY=:1.
///
/// Every client traced reaches the server as disptrace itself: over the Unix socket, that is as
/// the display's owner. So disptrace listens on its Unix socket only, unless given `--tcp`.
///
/// Stop it with Ctrl-C (or SIGTERM): it removes its socket and exits with status 130.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The display number to listen as, `:M`.
    listen: String,
    /// The display to forward to, e.g. `:0` or `host:0`.
    #[arg(long)]
    to: String,
    /// Also listen on TCP (port 7300+M, all interfaces). Remote clients then act as you.
    #[arg(long)]
    tcp: bool,
    /// Directory of the Unix sockets [default: $DISPD_SOCKET_DIR or /tmp/.dispd-unix].
    #[arg(long)]
    socket_dir: Option<std::path::PathBuf>,
    /// Print every op of draw batches, not just their count.
    #[arg(long)]
    expand: bool,
    /// One JSON object per message instead of text.
    #[arg(long)]
    json: bool,
    /// Colour the directions: auto (on a terminal), always, never.
    #[arg(long, default_value = "auto")]
    color: trace::ColorChoice,
    /// Seconds between per-client rate lines (0: only when a client leaves).
    #[arg(long, default_value_t = 5)]
    stats_every: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let output = if args.json {
        Output::Json
    } else {
        Output::Text {
            color: args.color.enabled(),
        }
    };
    let options = Options {
        listen: args.listen,
        to: args.to,
        tcp: args.tcp,
        socket_dir: args.socket_dir,
        expand: args.expand,
        output,
        stats_every: args.stats_every,
    };
    match trace::run(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            dispd_tools::report(&format!("disptrace: {e}"));
            ExitCode::FAILURE
        }
    }
}
