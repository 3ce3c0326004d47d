//! `dispd`: the display server binary. Parses the command line, sets up logging, picks a
//! backend, binds the listeners and calls `display_server::run`.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use dispd_protocol::{display, Size};
use display_server::backend::headless::Headless;
use display_server::net::Listener;
use display_server::{run, Config};

/// dispd, a network-transparent display server.
///
/// Clients pick it with DISPLAY=:N on this machine (Unix socket) or DISPLAY=host:N from another
/// machine (TCP port 7300+N). DISPD_DISPLAY, when set, wins over DISPLAY.
#[derive(Debug, Parser)]
#[command(
    version,
    after_help = "Examples:\n  dispd :0                      on-screen on the local desktop\n  dispd --headless :7           a virtual screen, no monitor needed (CI, scripts)\n  dispd --headless --size 800x600 --listen unix :3\n\nLogging: DISPD_LOG=debug (or any tracing filter) for more detail."
)]
struct Args {
    /// Display number to serve, as `:N` or `N`.
    #[arg(default_value = ":0", value_parser = parse_display_number)]
    display: u16,
    /// Keep the screen in memory instead of showing it (like Xvfb).
    #[arg(long)]
    headless: bool,
    /// Screen size, as WIDTHxHEIGHT.
    #[arg(long, default_value = "1280x1024", value_parser = parse_size)]
    size: Size,
    /// Transports to listen on: `unix`, `tcp`, or both.
    #[arg(long, value_delimiter = ',', default_value = "unix,tcp")]
    listen: Vec<Transport>,
    /// Address TCP listens on (use 127.0.0.1 to refuse other machines).
    #[arg(long, default_value = "0.0.0.0")]
    tcp_bind: IpAddr,
    /// Directory of the Unix sockets [default: $DISPD_SOCKET_DIR or /tmp/.dispd-unix].
    #[arg(long)]
    socket_dir: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Transport {
    Unix,
    Tcp,
}

fn parse_display_number(s: &str) -> Result<u16, String> {
    let n = s.strip_prefix(':').unwrap_or(s);
    let n = n.split('.').next().unwrap_or(n);
    n.parse::<u16>()
        .ok()
        .filter(|n| *n <= display::MAX_DISPLAY)
        .ok_or_else(|| {
            format!(
                "`{s}` is not a display number: use :0, :1 ... up to :{}",
                display::MAX_DISPLAY
            )
        })
}

fn parse_size(s: &str) -> Result<Size, String> {
    let bad = || format!("`{s}` is not a size: use WIDTHxHEIGHT, e.g. 1280x1024");
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(bad)?;
    let (w, h) = (
        w.parse::<u32>().map_err(|_| bad())?,
        h.parse::<u32>().map_err(|_| bad())?,
    );
    if w == 0 || h == 0 || w > 8192 || h > 8192 {
        return Err(format!("`{s}`: each side must be 1 to 8192 pixels"));
    }
    Ok(Size::new(w, h))
}

fn main() -> ExitCode {
    let args = Args::parse();
    init_logging();
    match serve(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            report(&format!("dispd: {e}"));
            ExitCode::FAILURE
        }
    }
}

#[allow(clippy::disallowed_macros)] // the one place dispd speaks to the user directly
fn report(line: &str) {
    eprintln!("{line}");
}

fn init_logging() {
    use std::io::IsTerminal;
    let filter = std::env::var("DISPD_LOG")
        .ok()
        .and_then(|f| tracing_subscriber::EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| tracing_subscriber::EnvFilter::new("info,winit=warn,sctk=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

fn serve(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    if !args.headless {
        return Err("the on-screen backend is not available in this build; run `dispd --headless` for a virtual screen".into());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let listeners = bind(&args).await?;
        let backend = Box::new(Headless::new(args.size));
        tracing::info!(display = args.display, size = ?args.size, "headless screen ready");
        run(listeners, backend, None, Config::default(), shutdown_signal()).await?;
        Ok(())
    })
}

async fn bind(args: &Args) -> Result<Vec<Listener>, Box<dyn std::error::Error>> {
    let mut listeners = Vec::new();
    if args.listen.contains(&Transport::Unix) {
        let dir = args
            .socket_dir
            .clone()
            .unwrap_or_else(|| display::socket_dir_from_env(|k| std::env::var(k).ok()));
        listeners.push(Listener::bind_unix(&dir, args.display)?);
    }
    if args.listen.contains(&Transport::Tcp) {
        let addr = SocketAddr::new(args.tcp_bind, display::tcp_port(args.display));
        listeners.push(Listener::bind_tcp(addr).await?);
        if !args.tcp_bind.is_loopback() {
            tracing::warn!(%addr, "TCP is open to other machines and no authentication is required yet");
        }
    }
    Ok(listeners)
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = ctrl_c.await;
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
}
