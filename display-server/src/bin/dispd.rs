//! `dispd`: the display server binary. Parses the command line, sets up logging, picks a
//! backend, binds the listeners and calls `display_server::run`.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::builder::TypedValueParser as _;
use clap::Parser;
use dispd_protocol::auth;
use dispd_protocol::{display, Size};
use display_server::backend::headless::Headless;
use display_server::net::Listener;
use display_server::secret_file::SecretFile;
use display_server::{run, Config};

/// dispd, a network-transparent display server.
///
/// Clients pick it with DISPLAY=:N on this machine (Unix socket) or DISPLAY=host:N from another
/// machine (TCP port 7300+N). DISPD_DISPLAY, when set, wins over DISPLAY.
///
/// Local clients of the same user are let in as the display's owner; others (TCP, other users)
/// must prove a secret: `dispd auth :N` prints the client secret for DISPD_AUTH elsewhere.
#[derive(Debug, Parser)]
#[command(
    version,
    args_conflicts_with_subcommands = true,
    after_help = "Examples:\n  dispd :0                      on-screen on the local desktop\n  dispd --headless :7           a virtual screen, no monitor needed (CI, scripts)\n  dispd --headless --size 800x600 --listen unix :3\n  dispd auth :0                 print display 0's secret, for DISPD_AUTH on another machine\n\nLogging: DISPD_LOG=debug (or any tracing filter) for more detail."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    args: Args,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Print the client secret of a running display as `DISPD_AUTH=...`, for clients on other
    /// machines (they connect as ordinary clients, not as the display's owner).
    Auth {
        /// Print the owner secret instead: whoever proves it gets the admin view.
        #[arg(long)]
        owner: bool,
        /// The display, as `:N` or `N`.
        #[arg(default_value = ":0", value_parser = parse_display_number)]
        display: u16,
        /// Directory of secret files [default: $DISPD_AUTH_DIR or ~/.dispd].
        #[arg(long)]
        auth_dir: Option<PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
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
    /// Transports to listen on: `unix`, `tcp`, or both.
    #[arg(long, value_delimiter = ',', default_value = "unix,tcp")]
    listen: Vec<Transport>,
    /// Address TCP listens on (use 127.0.0.1 to refuse other machines).
    #[arg(long, default_value = "0.0.0.0")]
    tcp_bind: IpAddr,
    /// Directory of the Unix sockets [default: $DISPD_SOCKET_DIR or /tmp/.dispd-unix].
    #[arg(long)]
    socket_dir: Option<PathBuf>,
    /// Admit every client without a secret, and trust them all (a demo on a trusted network).
    #[arg(long)]
    no_auth: bool,
    /// Only these TCP hosts may connect, as CIDR blocks (e.g. 10.0.0.0/8,192.168.1.7/32).
    #[arg(long, value_delimiter = ',')]
    allow: Vec<ipnet::IpNet>,
    /// Directory of secret files [default: $DISPD_AUTH_DIR or ~/.dispd].
    #[arg(long)]
    auth_dir: Option<PathBuf>,
    /// Show in each window's title which host it comes from (for a class: whose window is whose).
    #[arg(long)]
    label_windows: bool,
    /// Let trusted clients inject keyboard and pointer input (like XTEST), for tests and automation.
    #[arg(long)]
    allow_injection: bool,
    /// Most clients connected at once (at most 2047).
    #[arg(long, default_value_t = 256)]
    max_clients: usize,
    /// Most windows per client.
    #[arg(long, default_value_t = 1024)]
    max_windows: usize,
    /// Most off-screen images per client.
    #[arg(long, default_value_t = 1024)]
    max_images: usize,
    /// Most pixels one client's windows, images and shared-memory segments may hold together (4
    /// bytes each).
    #[arg(long, default_value_t = 64 << 20)]
    max_client_pixels: u64,
    /// Largest message a client may send, in bytes.
    #[arg(long, default_value_t = dispd_protocol::DEFAULT_MAX_FRAME_LEN, value_parser = clap::value_parser!(u32).range(1024..=i64::from(dispd_protocol::MAX_FRAME_LEN)))]
    max_frame: u32,
    /// Most ops in one draw batch (at most the protocol's 100000; a longer batch gets an error).
    #[arg(long, default_value_t = dispd_protocol::MAX_BATCH_OPS, value_parser = clap::value_parser!(u64).range(1..=dispd_protocol::MAX_BATCH_OPS as u64).map(|n| usize::try_from(n).unwrap_or(usize::MAX)))]
    max_batch: usize,
    /// Longest window title, in bytes.
    #[arg(long, default_value_t = 1024)]
    max_title: usize,
    /// Seconds a new connection has to send its hello.
    #[arg(long, default_value_t = 10)]
    handshake_timeout: u64,
    /// Disconnect clients that send nothing for this many seconds (0: never).
    #[arg(long, default_value_t = 0)]
    idle_timeout: u64,
    /// Disconnect clients that stop reading their messages for this many seconds.
    #[arg(long, default_value_t = 5)]
    slow_client_timeout: u64,
    /// Microseconds to keep polling a client's socket for its next request after answering a
    /// query, instead of sleeping at once (0: never; at most 1000). Saves each round trip a
    /// wake-up of the server on machines with more than one CPU, for a little CPU time; backs
    /// off for clients that do not ask again quickly.
    #[arg(long, default_value_t = display_server::config::DEFAULT_REPLY_SPIN_US, value_parser = clap::value_parser!(u64).range(0..=1000))]
    reply_spin_us: u64,
    /// Threads that read, decode and apply clients' requests [default: one fewer than the CPUs,
    /// at least 1, leaving a CPU to clients on the same machine].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=256).map(|n| std::num::NonZeroUsize::new(n as usize).unwrap_or(std::num::NonZeroUsize::MIN)))]
    threads: Option<std::num::NonZeroUsize>,
}

impl Args {
    /// `--threads`, or the default for this machine.
    fn worker_threads(&self) -> std::num::NonZeroUsize {
        self.threads
            .unwrap_or_else(display_server::runtime::default_threads)
    }

    fn config(&self) -> Config {
        Config {
            allow_injection: self.allow_injection,
            label_windows: self.label_windows,
            max_clients: self.max_clients.clamp(1, 2047),
            max_windows_per_client: self.max_windows,
            max_images_per_client: self.max_images,
            max_pixels_per_client: self.max_client_pixels,
            max_frame_len: self.max_frame,
            max_batch_ops: self.max_batch,
            max_title_len: self.max_title,
            handshake_timeout_ms: self.handshake_timeout.saturating_mul(1000).max(1),
            idle_timeout_ms: self.idle_timeout.saturating_mul(1000),
            slow_client_timeout_ms: self.slow_client_timeout.saturating_mul(1000).max(100),
            reply_spin_us: self.reply_spin_us,
            ..Config::default()
        }
    }

    fn auth_dir(&self) -> Result<PathBuf, String> {
        self.auth_dir
            .clone()
            .or_else(|| auth::auth_dir_from_env(|k| std::env::var(k).ok()))
            .ok_or_else(|| "no directory for the secret file: set HOME, DISPD_AUTH_DIR or --auth-dir".into())
    }
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
    let size: Size = s.parse()?;
    if size.width > 8192 || size.height > 8192 {
        return Err(format!("`{s}`: each side must be 1 to 8192 pixels"));
    }
    Ok(size)
}

fn main() -> ExitCode {
    settle_malloc();
    let cli = Cli::parse();
    if let Some(Command::Auth {
        display,
        auth_dir,
        owner,
    }) = cli.command
    {
        return print_secret(display, auth_dir, owner);
    }
    let args = cli.args;
    prefer_avx2_copies();
    init_logging();
    match serve(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            report(&format!("dispd: {e}"));
            ExitCode::FAILURE
        }
    }
}

/// `dispd auth :N`: prints the display's secret for copying to another machine.
fn print_secret(display: u16, dir: Option<PathBuf>, owner: bool) -> ExitCode {
    let dir = dir.or_else(|| auth::auth_dir_from_env(|k| std::env::var(k).ok()));
    let Some(dir) = dir else {
        report("dispd auth: no directory for secret files: set HOME, DISPD_AUTH_DIR or --auth-dir");
        return ExitCode::FAILURE;
    };
    match display_server::secret_file::read_secret(&dir, display) {
        Ok(secret) => {
            use std::io::Write;
            let secret = if owner { secret } else { secret.client_secret() };
            let _ = writeln!(std::io::stdout(), "DISPD_AUTH={}", secret.to_hex());
            ExitCode::SUCCESS
        }
        Err(e) => {
            report(&format!("dispd auth: {e}"));
            ExitCode::FAILURE
        }
    }
}

#[allow(clippy::disallowed_macros)] // the one place dispd speaks to the user directly
fn report(line: &str) {
    eprintln!("{line}");
}

/// Puts glibc's `malloc` in the state it otherwise reaches only after some traffic. When it
/// frees a block it had mapped, glibc raises the size from which it maps blocks to that block's
/// size, and the free memory it keeps before giving some back to the system to twice that
/// (mallopt(3), "dynamic mmap threshold"; it only ever rises, up to 32 MiB). Until then it keeps
/// at most 128 KiB: a fresh dispd gave back, and faulted in again, the pages of every run of
/// images it decoded, 10 page faults per 100x100 `PutImage` (570 000 in one second of
/// `dispbench -putimage100`; 25 000 once settled), which halved its rate and made its image
/// rates depend on what it had served before. Freeing one mapped 256 KiB block settles it
/// there: blocks under 256 KiB (images and windows up to about 256x256) come from the heap,
/// larger ones (window buffers) are still mapped and given back when freed, so closing 100
/// windows of 300x300 still returns dispd to its idle RSS. With 1 MiB, 20 of their 35 MB stayed.
/// (Safe code cannot call `mallopt`; with another allocator this is one allocation.)
fn settle_malloc() {
    drop(std::hint::black_box(vec![0u8; 256 << 10]));
}

/// What [`prefer_avx2_copies`] sets.
const PREFER_AVX2: &str = "glibc.cpu.hwcaps=Prefer_No_AVX512";

/// glibc picks its `memmove` when a program starts, and on CPUs with AVX-512 (the AMD EPYC of
/// `BENCHMARKS.md`) it picks its AVX-512 one, which copies the 400-byte rows of 100x100 window
/// copies slower than its 32-byte one (`__memmove_evex_unaligned_erms`, what glibc takes when
/// told not to prefer AVX-512): `copywinwin100` 0.99M -> 1.09M/s, `scroll100` 1.08M ->
/// 1.24M/s, `shmput100` +6%, large images unchanged. Only the environment glibc reads before
/// `main` changes that choice, so dispd starts itself again, once, with `GLIBC_TUNABLES` set to
/// [`PREFER_AVX2`] (what glibc does by itself on many Intel CPUs). A `GLIBC_TUNABLES` already set,
/// even empty, is left as it is, and so is a CPU without AVX-512. If the new start fails, this
/// one carries on with glibc's choice.
fn prefer_avx2_copies() {
    #[cfg(target_arch = "x86_64")]
    {
        use std::os::unix::process::CommandExt;
        if std::env::var_os("GLIBC_TUNABLES").is_some() || !std::arch::is_x86_feature_detected!("avx512f") {
            return;
        }
        let Ok(exe) = std::env::current_exe() else {
            return;
        };
        let mut args = std::env::args_os();
        let mut again = std::process::Command::new(exe);
        if let Some(arg0) = args.next() {
            again.arg0(arg0);
        }
        // Returns only if the new start failed.
        let _ = again.args(args).env("GLIBC_TUNABLES", PREFER_AVX2).exec();
    }
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
    let config = args.config();
    if args.allow_injection {
        tracing::warn!("input injection is allowed: trusted clients may type and click into any window");
    }
    if args.headless {
        return serve_headless(args, config);
    }
    serve_on_screen(args, config)
}

/// Sets the auth policy once the listeners are bound (so a second dispd on the same display
/// fails before touching the first one's secret), and says what is accepted from where.
fn secure(
    args: &Args,
    config: &mut Config,
    listeners: &[Listener],
) -> Result<Option<SecretFile>, Box<dyn std::error::Error>> {
    config.auth.allow = args.allow.clone();
    config.auth.owner_uid = listeners.iter().find_map(Listener::socket_owner).or_else(own_uid);
    let file = if args.no_auth {
        config.auth.secret = None;
        None
    } else {
        let dir = args.auth_dir()?;
        let (secret, file) = SecretFile::create(&dir, args.display).map_err(|e| {
            format!(
                "cannot write the secret file under {}: {e} (set --auth-dir)",
                dir.display()
            )
        })?;
        config.auth.secret = Some(secret);
        Some(file)
    };
    for line in config.auth.describe(file.as_ref().map(SecretFile::path)) {
        if args.no_auth {
            tracing::warn!("{line}");
        } else {
            tracing::info!("{line}");
        }
    }
    let open_tcp = args.listen.contains(&Transport::Tcp) && !args.tcp_bind.is_loopback();
    if args.no_auth && open_tcp && args.allow.is_empty() {
        let port = display::tcp_port(args.display);
        tracing::warn!("TCP is open to every host with no authentication: anyone who reaches port {port} can use this display");
    }
    Ok(file)
}

/// This process's user id, from the owner of /proc/self.
fn own_uid() -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").ok().map(|m| m.uid())
}

fn serve_headless(args: Args, config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let runtime = display_server::runtime::build(args.worker_threads())?;
    let mut config = config;
    runtime.block_on(async {
        let shutdown = shutdown_signal()?;
        let listeners = bind(&args).await?;
        let _secret = secure(&args, &mut config, &listeners)?;
        let size = args.size.unwrap_or(Size::new(1280, 1024));
        let backend = Box::new(Headless::new(size));
        tracing::info!(display = args.display, size = %format!("{}x{}", size.width, size.height), "headless screen ready");
        run(listeners, backend, None, config, shutdown).await?;
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
    let runtime = display_server::runtime::build(args.worker_threads())?;
    let signal = runtime.block_on(async { shutdown_signal() })?;
    let listeners = runtime.block_on(bind(&args))?;
    let mut config = config;
    let secret = secure(&args, &mut config, &listeners)?;
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
                    _ = signal => {}
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
    drop(secret);
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
    }
    Ok(listeners)
}

/// Listens for SIGINT and SIGTERM from now on (before any socket exists, so that a signal that
/// finds one also finds the handler that removes it) and resolves on the first.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let (mut interrupt, mut terminate) = (signal(SignalKind::interrupt())?, signal(SignalKind::terminate())?);
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}
