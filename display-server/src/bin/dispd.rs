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
    /// Screen size, as WIDTHxHEIGHT [default: 1280x1024 headless, the monitor's size on-screen].
    #[arg(long, value_parser = parse_size)]
    size: Option<Size>,
    /// Let clients inject keyboard and pointer input (like XTEST), for tests and automation.
    #[arg(long)]
    allow_injection: bool,
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
    let config = Config {
        allow_injection: args.allow_injection,
        ..Config::default()
    };
    if args.allow_injection {
        tracing::warn!("input injection is allowed: any client may type and click into any window");
    }
    if args.headless {
        return serve_headless(args, config);
    }
    serve_on_screen(args, config)
}

fn serve_headless(args: Args, config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let listeners = bind(&args).await?;
        let size = args.size.unwrap_or(Size::new(1280, 1024));
        let backend = Box::new(Headless::new(size));
        tracing::info!(display = args.display, size = %format!("{}x{}", size.width, size.height), "headless screen ready");
        run(listeners, backend, None, config, shutdown_signal()).await?;
        Ok(())
    })
}

#[cfg(not(feature = "winit"))]
fn serve_on_screen(_args: Args, _config: Config) -> Result<(), Box<dyn std::error::Error>> {
    Err("this dispd was built without the on-screen backend (feature `winit`); use `dispd --headless`".into())
}

/// The thread running the server while winit owns the main thread.
#[cfg(feature = "winit")]
type ServerThread = std::thread::JoinHandle<Result<(), String>>;

/// winit owns the main thread; the server runs on a thread of its own, started once the event
/// loop is up and the monitor's size is known.
#[cfg(feature = "winit")]
fn serve_on_screen(args: Args, config: Config) -> Result<(), Box<dyn std::error::Error>> {
    use display_server::backend::winit as backend;

    let event_loop = backend::create_event_loop()?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let listeners = runtime.block_on(bind(&args))?;
    let (mut app, parts) = backend::new(&event_loop);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server: std::rc::Rc<std::cell::RefCell<Option<ServerThread>>> = Default::default();
    let server_slot = server.clone();
    let (display_number, fixed_size) = (args.display, args.size);
    app.on_start(move |el| {
        let size = fixed_size
            .or_else(|| {
                let m = el.primary_monitor().or_else(|| el.available_monitors().next())?;
                let s = m.size();
                (s.width > 0 && s.height > 0).then(|| Size::new(s.width, s.height))
            })
            .unwrap_or(Size::new(1920, 1080));
        tracing::info!(display = display_number, size = %format!("{}x{}", size.width, size.height), "on-screen display ready");
        let (backend, events) = parts.into_backend(size);
        let handle = std::thread::spawn(move || {
            let shutdown = async {
                tokio::select! {
                    _ = shutdown_signal() => {}
                    _ = stop_rx => {}
                }
            };
            runtime
                .block_on(run(listeners, Box::new(backend), Some(events), config, shutdown))
                .map_err(|e| e.to_string())
        });
        *server_slot.borrow_mut() = Some(handle);
    });
    let looped = event_loop.run_app(&mut app);
    let _ = stop_tx.send(());
    let handle = server.borrow_mut().take();
    if let Some(handle) = handle {
        match handle.join() {
            Ok(result) => result?,
            Err(_) => return Err("the server thread panicked".into()),
        }
    }
    looped.map_err(|e| format!("the desktop's event loop failed: {e}"))?;
    Ok(())
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
