//! `examples/python/hello.py`, the standard-library-only Python client, against a real server:
//! it connects over the Unix socket and over TCP, draws what it documents (checked pixel by pixel
//! through a trusted `gui-client` connection, while hello.py keeps its window open with
//! `--wait-stdin`), proves the secret when the server wants one, says why when refused, and
//! prints decoded input events.
//!
//! Without `python3` the tests print a skip note, unless `CI` is set: then they fail.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use dispd_protocol::auth::Secret;
use display_server::auth::AuthPolicy;
use display_server::Config;
use gui_client::{Button, Display, Image, InputAction, Key, Modifiers, Rect, WheelDelta};

use crate::util::{TestServer, Transport};

/// A spawned hello.py is killed (and the test fails) after this long.
const CHILD_LIMIT: Duration = Duration::from_secs(20);

/// What hello.py documents: its window on the screen, its colours, its rectangles (window
/// coordinates), where its greeting goes, and its title.
const WINDOW: Rect = Rect::new(20, 20, 280, 180);
const BACKGROUND: [u8; 4] = [0xf4, 0xf1, 0xe8, 255];
const RECTANGLES: [(Rect, [u8; 4]); 3] = [
    (Rect::new(10, 10, 80, 60), [0xe0, 0x40, 0x40, 255]),
    (Rect::new(100, 10, 80, 60), [0x40, 0xb0, 0x50, 255]),
    (Rect::new(190, 10, 80, 60), [0x40, 0x70, 0xe0, 255]),
];
/// Around "Hello from Python", 24 px, baseline at (12, 120): ascenders to descenders.
const GREETING: Rect = Rect::new(12, 96, 250, 32);
/// Around the grey hint below it, 13 px, baseline at (12, 160).
const HINT: Rect = Rect::new(12, 148, 250, 16);
const TITLE: &str = "hello from Python";

fn hello_py() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/python/hello.py")
}

fn note(line: impl std::fmt::Display) {
    let _ = writeln!(std::io::stderr(), "[python] {line}");
}

/// Whether `python3` runs. Without it a test is skipped, except under CI where it fails.
fn have_python(test: &str) -> bool {
    let why = match Command::new("python3").arg("--version").output() {
        Ok(out) if out.status.success() => return true,
        Ok(out) => format!("`python3 --version` exited with {}", out.status),
        Err(e) => format!("cannot run python3: {e}"),
    };
    assert!(
        std::env::var_os("CI").is_none(),
        "{test}: {why} (CI is set, so this fails)"
    );
    note(format!("skipping {test}: {why}"));
    false
}

/// The secret of the secured servers.
fn the_secret() -> Secret {
    Secret::from_bytes(core::array::from_fn(|i| (i as u8).wrapping_mul(59) ^ 0x3c))
}

/// A server that wants the secret from everyone but local clients of this user.
fn secured_server() -> TestServer {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").expect("stat /proc/self").uid();
    TestServer::start(Config {
        auth: AuthPolicy {
            secret: Some(the_secret()),
            owner_uid: Some(uid),
            allow: vec![],
        },
        ..Config::default()
    })
}

/// The display name that reaches `server` over `transport` only.
fn display_name(server: &TestServer, transport: Transport) -> String {
    match transport {
        Transport::Unix => format!("unix:{}", server.display()),
        Transport::Tcp => format!("tcp/127.0.0.1:{}", server.display()),
    }
}

/// How hello.py finds its secret in a test.
enum PySecret {
    /// Neither `DISPD_AUTH` nor a secret file.
    None,
    /// `DISPD_AUTH` holds these 64 hex digits.
    Env(String),
    /// `DISPD_AUTH_DIR/display-N.secret` holds them.
    File(String),
}

/// A running hello.py: its stdout line by line, its stderr at the end.
struct HelloPy {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    seen: Vec<String>,
    stdout: Option<JoinHandle<()>>,
    stderr: Option<JoinHandle<String>>,
    deadline: Instant,
    _auth_dir: tempfile::TempDir,
}

/// How a hello.py run ended.
#[derive(Debug)]
struct Outcome {
    status: ExitStatus,
    stdout: Vec<String>,
    stderr: String,
}

impl HelloPy {
    /// Starts `python3 hello.py args` for `server` over `transport`, with a clean environment:
    /// no `DISPLAY`, and only the secret `secret` says.
    fn spawn(server: &TestServer, transport: Transport, secret: PySecret, args: &[&str]) -> Self {
        let auth_dir = tempfile::TempDir::new().expect("temp dir");
        let mut cmd = Command::new("python3");
        cmd.arg(hello_py())
            .args(args)
            .env_remove("DISPLAY")
            .env_remove("DISPD_AUTH")
            .env("DISPD_DISPLAY", display_name(server, transport))
            .env("DISPD_SOCKET_DIR", server.socket_dir())
            .env("DISPD_AUTH_DIR", auth_dir.path())
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PYTHONIOENCODING", "utf-8")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        match secret {
            PySecret::None => {}
            PySecret::Env(hex) => {
                cmd.env("DISPD_AUTH", hex);
            }
            PySecret::File(hex) => {
                let path = dispd_protocol::auth::secret_path(auth_dir.path(), server.display());
                std::fs::write(path, format!("{hex}\n")).expect("write the secret file");
            }
        }
        let mut child = cmd.spawn().expect("spawn python3");
        let deadline = Instant::now() + CHILD_LIMIT;
        let (tx, lines) = mpsc::channel();
        let out = child.stdout.take().expect("piped stdout");
        let stdout = std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut err = child.stderr.take().expect("piped stderr");
        let stderr = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s);
            s
        });
        Self {
            stdin: child.stdin.take(),
            child,
            lines,
            seen: Vec::new(),
            stdout: Some(stdout),
            stderr: Some(stderr),
            deadline,
            _auth_dir: auth_dir,
        }
    }

    /// Waits for a stdout line that contains `want`; fails with everything printed so far when
    /// hello.py ends or the time runs out first.
    fn wait_line(&mut self, want: &str) -> String {
        loop {
            let left = self.deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(want) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    let _ = self.child.kill();
                    panic!(
                        "hello.py printed no `{want}` within {CHILD_LIMIT:?}; stdout: {:#?}",
                        self.seen
                    );
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let out = self.finish();
                    panic!("hello.py ended before printing `{want}`: {out:#?}");
                }
            }
        }
    }

    /// Closes hello.py's stdin and waits for it to exit (killing it at the deadline).
    fn finish(&mut self) -> Outcome {
        drop(self.stdin.take());
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                break status;
            }
            if Instant::now() > self.deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "hello.py still running after {CHILD_LIMIT:?}; stdout: {:#?}",
                    self.seen
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        if let Some(t) = self.stdout.take() {
            let _ = t.join();
        }
        self.seen.extend(self.lines.try_iter());
        let stderr = self
            .stderr
            .take()
            .map(|t| t.join().unwrap_or_default())
            .unwrap_or_default();
        Outcome {
            status,
            stdout: self.seen.clone(),
            stderr,
        }
    }
}

impl Drop for HelloPy {
    fn drop(&mut self) {
        // Never leave a python3 behind, whatever the test did.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs hello.py to its end.
fn run_to_end(server: &TestServer, transport: Transport, secret: PySecret, args: &[&str]) -> Outcome {
    HelloPy::spawn(server, transport, secret, args).finish()
}

/// Asserts a clean exit 0 that reported drawing.
fn assert_drew(out: &Outcome, context: &str) {
    assert!(out.status.success(), "{context}: {out:#?}");
    assert!(
        out.stdout.iter().any(|l| l.starts_with("drawn")),
        "{context}: {out:#?}"
    );
    assert!(out.stderr.is_empty(), "{context}: {out:#?}");
}

/// Asserts exit 1 with one line on stderr, no traceback, containing `why`.
fn assert_refused(out: &Outcome, why: &str, context: &str) {
    assert_eq!(out.status.code(), Some(1), "{context}: {out:#?}");
    assert!(out.stderr.contains(why), "{context}: {out:#?}");
    assert!(out.stderr.starts_with("hello.py: "), "{context}: {out:#?}");
    assert_eq!(out.stderr.trim_end().lines().count(), 1, "{context}: {out:#?}");
    assert!(!out.stderr.contains("Traceback"), "{context}: {out:#?}");
}

/// The screen pixel at window position `(x, y)` of `img` (an image of the window's rectangle).
fn at(img: &Image, x: i32, y: i32) -> [u8; 4] {
    img.pixel(x as u32, y as u32).expect("inside the window")
}

/// Finds hello.py's window through `viewer` (trusted) and checks what it drew.
fn check_drawing(viewer: &mut Display, context: &str) {
    let windows = viewer.list_windows().expect("list_windows");
    let mine: Vec<_> = windows.iter().filter(|w| w.title == TITLE).collect();
    assert_eq!(
        mine.len(),
        1,
        "{context}: one window titled {TITLE:?} in {windows:?}"
    );
    assert!(mine[0].mapped, "{context}: {:?}", mine[0]);
    assert_eq!(
        mine[0].rect, WINDOW,
        "{context}: where hello.py says its window goes"
    );
    let img = viewer.get_screen_image(WINDOW).expect("get_screen_image");
    for (r, colour) in RECTANGLES {
        // Every corner and the centre of each rectangle, and just outside its left edge.
        let (x0, y0) = (r.x, r.y);
        let (x1, y1) = (r.x + r.width as i32 - 1, r.y + r.height as i32 - 1);
        for (x, y) in [
            (x0, y0),
            (x1, y0),
            (x0, y1),
            (x1, y1),
            ((x0 + x1) / 2, (y0 + y1) / 2),
        ] {
            assert_eq!(at(&img, x, y), colour, "{context}: rectangle {r:?} at ({x},{y})");
        }
        assert_eq!(at(&img, x0 - 1, y0), BACKGROUND, "{context}: left of {r:?}");
        assert_eq!(at(&img, x0, y1 + 1), BACKGROUND, "{context}: below {r:?}");
    }
    for (x, y) in [(0, 0), (279, 179), (5, 90), (275, 160)] {
        assert_eq!(at(&img, x, y), BACKGROUND, "{context}: background at ({x},{y})");
    }
    // The greeting: black ink inside its box, a fair amount of it, and around it only shades
    // between ink and background (glyph edges are smoothed even with anti-aliasing off).
    let mut ink = 0;
    for y in GREETING.y..GREETING.y + GREETING.height as i32 {
        for x in GREETING.x..GREETING.x + GREETING.width as i32 {
            let [r, g, b, a] = at(&img, x, y);
            if r.max(g).max(b) < 64 {
                ink += 1;
            }
            let shade = a == 255
                && r <= BACKGROUND[0]
                && g <= BACKGROUND[1]
                && b <= BACKGROUND[2]
                && r >= g
                && g >= b
                && r - g <= 6
                && g - b <= 12;
            assert!(
                shade,
                "{context}: greeting area ({x},{y}) is {:?}, not a shade of ink",
                [r, g, b, a]
            );
        }
    }
    assert!(ink > 300, "{context}: only {ink} black pixels of greeting");
    let left_of_text =
        (GREETING.y..GREETING.y + GREETING.height as i32).all(|y| at(&img, 5, y) == BACKGROUND);
    assert!(left_of_text, "{context}: the greeting starts at x = 12");
    let hint = (HINT.y..HINT.y + HINT.height as i32)
        .flat_map(|y| (HINT.x..HINT.x + HINT.width as i32).map(move |x| (x, y)))
        .filter(|&(x, y)| at(&img, x, y)[0] < 0xc0)
        .count();
    assert!(hint > 100, "{context}: only {hint} pixels of the hint");
}

/// Runs hello.py over `transport`, checks its pixels while it waits, then lets it exit.
fn draws_over(transport: Transport, test: &str) {
    if !have_python(test) {
        return;
    }
    let server = TestServer::with_defaults();
    let mut viewer = server.connect(Transport::Unix);
    let mut py = HelloPy::spawn(
        &server,
        transport,
        PySecret::None,
        &["--exit-after-draw", "--wait-stdin"],
    );
    let connected = py.wait_line("connected to display");
    let over = match transport {
        Transport::Unix => "over unix socket",
        Transport::Tcp => "over TCP 127.0.0.1",
    };
    assert!(connected.contains(over), "{connected}");
    let drawn = py.wait_line("drawn");
    check_drawing(&mut viewer, test);
    let out = py.finish();
    assert_drew(&out, test);
    assert!(
        out.stdout.iter().any(|l| l.starts_with("Expose window=")),
        "the Expose it drew on is printed: {out:#?}"
    );
    note(format!("{test}: {drawn}"));
    // Its connection is gone, and its window with it.
    let deadline = Instant::now() + CHILD_LIMIT;
    while viewer
        .list_windows()
        .expect("list_windows")
        .iter()
        .any(|w| w.title == TITLE)
    {
        assert!(Instant::now() < deadline, "hello.py's window outlived it");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn hello_py_draws_over_the_unix_socket() {
    draws_over(Transport::Unix, "hello_py_draws_over_the_unix_socket");
}

#[test]
fn hello_py_draws_over_tcp() {
    draws_over(Transport::Tcp, "hello_py_draws_over_tcp");
}

#[test]
fn hello_py_proves_the_secret_when_the_server_wants_it() {
    if !have_python("hello_py_proves_the_secret_when_the_server_wants_it") {
        return;
    }
    let server = secured_server();
    let hex = the_secret().to_hex();
    let out = run_to_end(
        &server,
        Transport::Tcp,
        PySecret::Env(hex.clone()),
        &["--exit-after-draw"],
    );
    assert_drew(&out, "TCP with DISPD_AUTH");
    let out = run_to_end(
        &server,
        Transport::Tcp,
        PySecret::Env(hex.to_uppercase()),
        &["--exit-after-draw"],
    );
    assert_drew(&out, "TCP with DISPD_AUTH in capitals");
    let out = run_to_end(
        &server,
        Transport::Tcp,
        PySecret::File(hex),
        &["--exit-after-draw"],
    );
    assert_drew(&out, "TCP with the secret file in DISPD_AUTH_DIR");
    // The owner's local clients need no secret.
    let out = run_to_end(&server, Transport::Unix, PySecret::None, &["--exit-after-draw"]);
    assert_drew(&out, "Unix socket, same user, no secret");
    // And the pixels are right with auth too.
    let mut viewer = server.connect(Transport::Unix);
    let mut py = HelloPy::spawn(
        &server,
        Transport::Tcp,
        PySecret::Env(the_secret().to_hex()),
        &["--exit-after-draw", "--wait-stdin"],
    );
    py.wait_line("drawn");
    check_drawing(&mut viewer, "TCP with DISPD_AUTH");
    assert_drew(&py.finish(), "TCP with DISPD_AUTH, waiting");
}

#[test]
fn hello_py_says_why_it_was_refused() {
    if !have_python("hello_py_says_why_it_was_refused") {
        return;
    }
    let server = secured_server();
    let out = run_to_end(&server, Transport::Tcp, PySecret::None, &["--exit-after-draw"]);
    assert_refused(&out, "no secret", "TCP without a secret");
    note(format!("refused without a secret: {}", out.stderr.trim_end()));
    let wrong = Secret::from_bytes([0x42; 32]).to_hex();
    let out = run_to_end(
        &server,
        Transport::Tcp,
        PySecret::Env(wrong),
        &["--exit-after-draw"],
    );
    assert_refused(&out, "wrong secret", "TCP with the wrong secret");
    let out = run_to_end(
        &server,
        Transport::Tcp,
        PySecret::Env("12ab".into()),
        &["--exit-after-draw"],
    );
    assert_refused(&out, "64 hex digits", "DISPD_AUTH not a secret");
    // Nothing listens on the display: the hint names the command that would start it.
    let mut stopped = secured_server();
    stopped.stop().expect("stop");
    // (The Unix socket: its directory is this test's own, so no other server can answer.)
    let out = run_to_end(&stopped, Transport::Unix, PySecret::None, &["--exit-after-draw"]);
    let hint = format!("start it with `dispd :{}`", stopped.display());
    assert_refused(&out, &hint, "no server");
    note(format!("no server: {}", out.stderr.trim_end()));
}

#[test]
fn hello_py_prints_input_events_and_the_goodbye() {
    if !have_python("hello_py_prints_input_events_and_the_goodbye") {
        return;
    }
    let mut server = TestServer::start(Config {
        allow_injection: true,
        ..Config::default()
    });
    let mut driver = server.connect(Transport::Unix);
    let mut py = HelloPy::spawn(&server, Transport::Unix, PySecret::None, &[]);
    py.wait_line("Expose window=");
    // Mapping focuses the window (there is no window manager): keys go to it.
    py.wait_line("Focus gained");
    let (cx, cy) = (WINDOW.x + 50, WINDOW.y + 40);
    for action in [
        InputAction::Key {
            pressed: true,
            code: 38,
            key: Key::Character("a".into()),
            text: Some("a".into()),
            modifiers: Modifiers(Modifiers::SHIFT),
        },
        InputAction::PointerMove { x: cx, y: cy },
        InputAction::Button {
            button: Button::Left,
            pressed: true,
        },
        InputAction::Button {
            button: Button::Left,
            pressed: false,
        },
        InputAction::Wheel {
            delta: WheelDelta::Lines { x: 0.0, y: 1.0 },
        },
    ] {
        driver.inject_input(action);
    }
    driver.sync().expect("sync");
    py.wait_line("Key pressed key='a' text='a' code=38 modifiers=Shift");
    py.wait_line("PointerButton Left pressed x=50 y=40");
    py.wait_line("PointerButton Left released x=50 y=40");
    py.wait_line("PointerWheel lines x=0 y=1");
    // Pointer off the window.
    driver.inject_input(InputAction::PointerMove { x: 5, y: 5 });
    driver.sync().expect("sync");
    py.wait_line("PointerLeave");
    // The server goes away: hello.py says why, in one line, and exits 1.
    server.stop().expect("stop");
    let out = py.finish();
    assert_refused(&out, "the server is shutting down", "server shutdown");
    assert!(
        out.stdout.iter().any(|l| l.starts_with("PointerEnter x=")),
        "{out:#?}"
    );
    note(format!("events: {:#?}", out.stdout));
}
