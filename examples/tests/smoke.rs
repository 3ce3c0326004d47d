//! Smoke tests of the demos: each test starts the real `dispd` binary headless (with input
//! injection on, in a private socket directory), runs a demo binary against it, drives it with
//! injected input from this process (a local client of the same user, hence trusted: it may
//! inject, list windows and read the composed screen) and checks what the window shows.
//!
//! The binaries come from the target directory this test was built into: `cargo test` builds the
//! crate's examples next to the test (`target/<profile>/examples/`); `dispd` must have been
//! built too (`cargo build -p display-server`), and the tests fail, saying so, when it is not.
//!
//! Nothing here can hang: every wait has a deadline, and every process started is killed when
//! its guard drops, also when a test fails.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use examples::sketch::{Brush, TOOLBAR_HEIGHT};
use gui_client::{
    Auth, Button, Color, ConnectOptions, Display, Image, InputAction, Key, Modifiers, NamedKey, Rect, Size,
    WindowInfo,
};
use tempfile::TempDir;

/// Longest wait for anything: a server starting, a window appearing, a redraw.
const WAIT: Duration = Duration::from_secs(15);
/// Between two looks while waiting.
const POLL: Duration = Duration::from_millis(40);
/// Screen of the test servers.
const SCREEN: Size = Size::new(1024, 768);
/// The calculator's display text size (`BIG_PX` in `examples/calculator.rs`).
const CALCULATOR_PX: u16 = 44;

// ---------------------------------------------------------------------------------------------
// Processes and the server

/// Where the binaries are: `target/<profile>`, from this test's own path
/// (`target/<profile>/deps/smoke-<hash>`).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    exe.parent()
        .and_then(Path::parent)
        .expect("the test runs from target/<profile>/deps")
        .to_owned()
}

fn dispd_binary() -> PathBuf {
    let path = profile_dir().join("dispd");
    assert!(
        path.is_file(),
        "{} is missing: the smoke tests run the real server; run `cargo build -p display-server` \
         (with the same profile as the tests) first",
        path.display()
    );
    path
}

fn demo_binary(name: &str) -> PathBuf {
    let path = profile_dir().join("examples").join(name);
    let built = std::fs::metadata(&path).and_then(|m| m.modified());
    let Ok(built) = built else {
        panic!(
            "{} is missing: `cargo test -p examples` builds the examples (`--test smoke` alone does not)",
            path.display()
        );
    };
    // `cargo test --test smoke` builds only this test: make sure the demo is not older than its code.
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = vec![crate_dir.join(format!("{name}.rs"))];
    if let Ok(dir) = std::fs::read_dir(crate_dir.join("src")) {
        sources.extend(dir.filter_map(Result::ok).map(|e| e.path()));
    }
    for source in sources {
        let changed = std::fs::metadata(&source).and_then(|m| m.modified());
        assert!(
            changed.map_or(true, |t| t <= built),
            "{} is older than {}: rebuild the demos with `cargo test -p examples` \
             or `cargo build -p examples --examples`",
            path.display(),
            source.display()
        );
    }
    path
}

/// A child process, killed when dropped; its standard error goes to a file for failure reports.
#[derive(Debug)]
struct Proc {
    name: String,
    child: Child,
    log: PathBuf,
}

impl Proc {
    fn spawn(name: &str, mut cmd: Command, log: PathBuf) -> Proc {
        let err = std::fs::File::create(&log).expect("log file");
        cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(err);
        let child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        Proc {
            name: name.to_owned(),
            child,
            log,
        }
    }

    /// What the process wrote to standard error, and whether it has exited.
    fn report(&mut self) -> String {
        let status = match self.child.try_wait() {
            Ok(Some(s)) => format!("exited: {s}"),
            _ => "still running".into(),
        };
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        format!("{} ({status}); its stderr:\n{log}", self.name)
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A headless dispd in a private directory (socket, secret file and logs).
#[derive(Debug)]
struct Server {
    // Dropped before the directory (fields drop in order).
    proc: Proc,
    dir: TempDir,
    display: u16,
}

impl Server {
    fn start(display: u16) -> Server {
        let dir = TempDir::new().expect("temp dir");
        let mut cmd = Command::new(dispd_binary());
        cmd.args(["--headless", "--allow-injection", "--listen", "unix"])
            .arg("--size")
            .arg(format!("{}x{}", SCREEN.width, SCREEN.height))
            .arg("--socket-dir")
            .arg(dir.path())
            .arg("--auth-dir")
            .arg(dir.path())
            .arg(format!(":{display}"))
            .env("DISPD_LOG", "warn");
        let proc = Proc::spawn("dispd", cmd, dir.path().join("dispd.log"));
        let mut server = Server { proc, dir, display };
        let socket = gui_client::protocol::display::socket_path(server.dir.path(), display);
        let start = Instant::now();
        while !socket.exists() {
            if start.elapsed() > WAIT {
                panic!(
                    "dispd did not create {} in {WAIT:?}: {}",
                    socket.display(),
                    server.proc.report()
                );
            }
            std::thread::sleep(POLL);
        }
        server
    }

    /// A client of the server: local, same user, so trusted.
    fn client(&self) -> Display {
        let mut d = Display::connect(&ConnectOptions {
            display: Some(format!(":{}", self.display)),
            socket_dir: Some(self.dir.path().to_owned()),
            auth: Auth::None,
            ..ConnectOptions::default()
        })
        .expect("connect to the test dispd");
        d.set_reply_timeout(Some(WAIT));
        d
    }

    /// Starts a demo with `args` on this server.
    fn demo(&self, name: &str, args: &[&str]) -> Proc {
        let mut cmd = Command::new(demo_binary(name));
        cmd.args(args)
            .env_remove("DISPLAY")
            .env("DISPD_DISPLAY", format!(":{}", self.display))
            .env("DISPD_SOCKET_DIR", self.dir.path())
            .env("DISPD_AUTH_DIR", self.dir.path())
            .env("TZ", "UTC");
        static STARTED: AtomicUsize = AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, Ordering::Relaxed);
        let log = self.dir.path().join(format!("{name}-{n}.log"));
        Proc::spawn(name, cmd, log)
    }
}

// ---------------------------------------------------------------------------------------------
// Looking at the screen

/// Waits until `check` returns something, failing with `what` and `procs`' logs at the deadline.
fn wait_for<T>(what: &str, procs: &mut [&mut Proc], mut check: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = check() {
            return v;
        }
        if start.elapsed() > WAIT {
            let reports: Vec<String> = procs.iter_mut().map(|p| p.report()).collect();
            panic!(
                "timed out after {WAIT:?} waiting for {what}\n{}",
                reports.join("\n")
            );
        }
        std::thread::sleep(POLL);
    }
}

/// The `n`th mapped window (bottom to top) whose title starts with `title`, once there are `n + 1`.
fn find_window(d: &mut Display, title: &str, n: usize, proc: &mut Proc) -> WindowInfo {
    wait_for(&format!("window #{n} titled `{title}…`"), &mut [proc], || {
        let windows = d.list_windows().expect("list windows");
        windows
            .into_iter()
            .filter(|w| w.mapped && w.title.starts_with(title))
            .nth(n)
    })
}

/// The window's pixels as on the screen.
fn shot(d: &mut Display, w: &WindowInfo) -> Image {
    d.get_screen_image(w.rect).expect("read the screen")
}

fn rgb(img: &Image, x: i32, y: i32) -> [u8; 3] {
    let p = img.pixel(x as u32, y as u32).expect("pixel inside the image");
    [p[0], p[1], p[2]]
}

fn close(a: [u8; 3], c: Color, tolerance: u8) -> bool {
    let b = [c.r(), c.g(), c.b()];
    a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= tolerance)
}

/// Whether the image shows something: at least a few different colours.
fn distinct_colours(img: &Image) -> usize {
    let mut seen: Vec<&[u8]> = img.data.chunks_exact(4).step_by(7).collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}

/// Waits for the demo's window to be mapped and drawn (not blank), and returns it.
fn drawn_window(d: &mut Display, title: &str, n: usize, proc: &mut Proc) -> WindowInfo {
    let w = find_window(d, title, n, proc);
    wait_for(&format!("`{title}` to draw something"), &mut [proc], || {
        (distinct_colours(&shot(d, &w)) >= 3).then_some(())
    });
    w
}

/// Waits until the window looks different from `before`, and returns how it looks.
fn wait_change(d: &mut Display, w: &WindowInfo, before: &Image, what: &str, proc: &mut Proc) -> Image {
    wait_for(what, &mut [proc], || {
        Some(shot(d, w)).filter(|now| now.data != before.data)
    })
}

// ---------------------------------------------------------------------------------------------
// Input

fn key_action(key: Key, text: Option<&str>, modifiers: u8, pressed: bool) -> InputAction {
    InputAction::Key {
        pressed,
        code: 0,
        key,
        text: text.map(str::to_owned),
        modifiers: Modifiers(modifiers),
    }
}

/// Types `text` one character at a time, each pressed and released.
fn type_text(d: &mut Display, text: &str) {
    for c in text.chars() {
        let s = c.to_string();
        d.inject_input(key_action(Key::Character(s.clone()), Some(&s), 0, true));
        d.inject_input(key_action(Key::Character(s.clone()), Some(&s), 0, false));
    }
    d.sync().expect("sync");
}

/// Presses and releases a named key.
fn press(d: &mut Display, key: NamedKey, modifiers: u8) {
    d.inject_input(key_action(Key::Named(key), None, modifiers, true));
    d.inject_input(key_action(Key::Named(key), None, modifiers, false));
    d.sync().expect("sync");
}

/// Drags with the left button through `points` (screen coordinates).
fn drag(d: &mut Display, points: &[(i32, i32)]) {
    let (x, y) = points[0];
    d.inject_input(InputAction::PointerMove { x, y });
    d.inject_input(InputAction::Button {
        button: Button::Left,
        pressed: true,
    });
    for &(x, y) in &points[1..] {
        d.inject_input(InputAction::PointerMove { x, y });
        // Give the demo a moment per step, as a hand would.
        d.sync().expect("sync");
        std::thread::sleep(Duration::from_millis(10));
    }
    d.inject_input(InputAction::Button {
        button: Button::Left,
        pressed: false,
    });
    d.sync().expect("sync");
}

/// Points from `a` to `b`, `n` steps.
fn line(a: (i32, i32), b: (i32, i32), n: i32) -> Vec<(i32, i32)> {
    (0..=n)
        .map(|i| (a.0 + (b.0 - a.0) * i / n, a.1 + (b.1 - a.1) * i / n))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The demos

#[test]
fn clock_ticks() {
    let server = Server::start(61);
    let mut d = server.client();
    let mut clock = server.demo("clock", &[]);
    let w = drawn_window(&mut d, "clock", 0, &mut clock);
    let before = shot(&mut d, &w);
    // The second hand moves within a second or so.
    wait_change(&mut d, &w, &before, "the clock to tick", &mut clock);
}

#[test]
fn eyes_follow_the_pointer_and_keep_looking_when_it_leaves() {
    let server = Server::start(62);
    let mut d = server.client();
    let mut eyes = server.demo("eyes", &[]);
    let w = drawn_window(&mut d, "eyes", 0, &mut eyes);
    let r = w.rect;
    let ahead = shot(&mut d, &w);
    d.inject_input(InputAction::PointerMove {
        x: r.x + 2,
        y: r.y + r.height as i32 - 2,
    });
    d.sync().expect("sync");
    let left = wait_change(&mut d, &w, &ahead, "the eyes to look down left", &mut eyes);
    d.inject_input(InputAction::PointerMove {
        x: r.x + r.width as i32 - 2,
        y: r.y + 2,
    });
    d.sync().expect("sync");
    let right = wait_change(&mut d, &w, &left, "the eyes to look up right", &mut eyes);
    // Off the window: no more motion, the eyes stay as they were.
    d.inject_input(InputAction::PointerMove {
        x: r.x - 50,
        y: r.y + 10,
    });
    d.sync().expect("sync");
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        shot(&mut d, &w).data == right.data,
        "the eyes moved after the pointer left"
    );
}

#[test]
fn paint_leaves_a_stroke_where_dragged_and_saves_it() {
    let server = Server::start(63);
    let mut d = server.client();
    let out = server.dir.path().join("drawing.png");
    let mut paint = server.demo("paint", &[out.to_str().expect("utf-8 path")]);
    let w = drawn_window(&mut d, "paint", 0, &mut paint);
    let (x0, y0) = (w.rect.x, w.rect.y);
    let top = TOOLBAR_HEIGHT as i32;
    // A drag across the canvas, well below the toolbar.
    let (a, b) = ((60, top + 100), (360, top + 220));
    drag(&mut d, &line((x0 + a.0, y0 + a.1), (x0 + b.0, y0 + b.1), 12));
    let brush = Brush::default();
    let on_path: Vec<(i32, i32)> = line(a, b, 10)[1..10].to_vec();
    wait_for(
        "the stroke to show in the brush colour",
        &mut [&mut paint],
        || {
            let img = shot(&mut d, &w);
            on_path
                .iter()
                .all(|&(x, y)| close(rgb(&img, x, y), brush.color, 8))
                .then_some(())
        },
    );
    // Off the path the canvas is still blank.
    let img = shot(&mut d, &w);
    assert!(close(rgb(&img, 300, top + 40), Color::WHITE, 0));

    // `s` saves the canvas (below the toolbar) as a PNG.
    type_text(&mut d, "s");
    let saved = wait_for("the PNG to be written", &mut [&mut paint], || {
        examples::picture::load_png(&out).ok()
    });
    assert_eq!(
        (saved.width, saved.height),
        (w.rect.width, w.rect.height - TOOLBAR_HEIGHT)
    );
    let (mx, my) = on_path[4];
    let i = (((my - top) as u32 * saved.width + mx as u32) * 4) as usize;
    assert!(close(
        [saved.data[i], saved.data[i + 1], saved.data[i + 2]],
        brush.color,
        8
    ));
}

#[test]
fn bounce_animates() {
    let server = Server::start(64);
    let mut d = server.client();
    let mut bounce = server.demo("bounce", &[]);
    let w = drawn_window(&mut d, "bounce", 0, &mut bounce);
    let mut frame = shot(&mut d, &w);
    for i in 0..3 {
        frame = wait_change(&mut d, &w, &frame, &format!("animation frame {i}"), &mut bounce);
    }
    type_text(&mut d, "+-");
    wait_change(&mut d, &w, &frame, "frames after + and -", &mut bounce);
}

/// Ink pixels (brighter than mid-grey) of an image, as a bitmap cropped to their bounds.
fn ink(img: &Image, area: Rect) -> (Vec<bool>, u32, u32) {
    let is_ink = |x: u32, y: u32| {
        let p = img.pixel(x, y).unwrap_or([0; 4]);
        u32::from(p[0]) * 3 + u32::from(p[1]) * 6 + u32::from(p[2]) > 128 * 10
    };
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    for y in area.y as u32..area.bottom() as u32 {
        for x in area.x as u32..area.right() as u32 {
            if is_ink(x, y) {
                (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
            }
        }
    }
    assert!(x0 <= x1, "no ink at all");
    let (w, h) = (x1 - x0 + 1, y1 - y0 + 1);
    let bits = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .map(|(x, y)| is_ink(x0 + x, y0 + y))
        .collect();
    (bits, w, h)
}

/// Whether `template` (light ink on dark) appears somewhere in `img`'s `area`, allowing a few
/// pixels to differ (anti-aliased edges blend with a different background).
fn contains_text(img: &Image, area: Rect, template: &(Vec<bool>, u32, u32)) -> bool {
    let (bits, tw, th) = template;
    let inked = bits.iter().filter(|b| **b).count();
    let budget = (inked / 25).max(3);
    let seen = ink_bits(img);
    for y in area.y as u32..(area.bottom() as u32).saturating_sub(*th) {
        for x in area.x as u32..(area.right() as u32).saturating_sub(*tw) {
            let mut misses = 0;
            'cmp: for ty in 0..*th {
                for tx in 0..*tw {
                    let want = bits[(ty * tw + tx) as usize];
                    if seen[((y + ty) * img.width + x + tx) as usize] != want {
                        misses += 1;
                        if misses > budget {
                            break 'cmp;
                        }
                    }
                }
            }
            if misses <= budget {
                return true;
            }
        }
    }
    false
}

fn ink_bits(img: &Image) -> Vec<bool> {
    img.data
        .chunks_exact(4)
        .map(|p| u32::from(p[0]) * 3 + u32::from(p[1]) * 6 + u32::from(p[2]) > 128 * 10)
        .collect()
}

/// `text` as the server draws it in the sans face at `px`, white on black, as an ink bitmap:
/// drawn by this test client into an off-screen image of its own and read back.
fn render_template(d: &mut Display, text: &str, px: u16) -> (Vec<bool>, u32, u32) {
    let size = Size::new(
        u32::from(px) * text.chars().count() as u32 + 40,
        u32::from(px) * 2,
    );
    let image = d.create_image(size).expect("image");
    d.draw(image)
        .color(Color::BLACK)
        .clear()
        .antialias(true)
        .color(Color::WHITE)
        .font_size(px)
        .text(20, i32::from(px) * 3 / 2, text);
    let img = d
        .get_image(image, Rect::from_size(size))
        .expect("read the template back");
    d.free_image(image);
    ink(&img, Rect::from_size(size))
}

#[test]
fn calculator_computes_12_times_3_from_keys() {
    let server = Server::start(65);
    let mut d = server.client();
    let mut calc = server.demo("calculator", &[]);
    let w = drawn_window(&mut d, "calculator", 0, &mut calc);
    let before = shot(&mut d, &w);
    let display_area = Rect::new(0, 0, w.rect.width, w.rect.height / 3);
    let result = render_template(&mut d, "36", CALCULATOR_PX);
    assert!(
        !contains_text(&before, display_area, &result),
        "36 shows before anything was typed"
    );
    type_text(&mut d, "12*3");
    press(&mut d, NamedKey::Enter, 0);
    wait_for("the calculator to show 36", &mut [&mut calc], || {
        contains_text(&shot(&mut d, &w), display_area, &result).then_some(())
    });
    // A different result for another calculation: 36 is gone.
    type_text(&mut d, "+1=");
    wait_for("the calculator to move on from 36", &mut [&mut calc], || {
        (!contains_text(&shot(&mut d, &w), display_area, &result)).then_some(())
    });
}

#[test]
fn viewer_shows_the_image_scaled() {
    let server = Server::start(66);
    let mut d = server.client();
    // An 8x8 image of four coloured quadrants.
    let quadrants = [
        Color::rgb(220, 40, 40),
        Color::rgb(40, 180, 60),
        Color::rgb(40, 80, 220),
        Color::rgb(240, 200, 40),
    ];
    let mut rgba = Vec::new();
    for y in 0..8 {
        for x in 0..8 {
            let c = quadrants[(y / 4 * 2 + x / 4) as usize];
            rgba.extend_from_slice(&[c.r(), c.g(), c.b(), 255]);
        }
    }
    let file = server.dir.path().join("quadrants.png");
    examples::picture::save_png(&file, 8, 8, &rgba).expect("write the test PNG");
    let mut viewer = server.demo("viewer", &[file.to_str().expect("utf-8 path")]);
    let w = drawn_window(&mut d, "viewer", 0, &mut viewer);
    // Where the image must be: scaled to fit the window, centred, aspect kept.
    let dst = examples::ui::fit(8, 8, Rect::from_size(w.rect.size()));
    assert!(
        dst.width >= 64,
        "the image should be enlarged: {dst:?} in {:?}",
        w.rect
    );
    let img = shot(&mut d, &w);
    for (i, c) in quadrants.iter().enumerate() {
        let (qx, qy) = ((i % 2) as i32, (i / 2) as i32);
        let x = dst.x + dst.width as i32 * (1 + 2 * qx) / 4;
        let y = dst.y + dst.height as i32 * (1 + 2 * qy) / 4;
        assert!(
            close(rgb(&img, x, y), *c, 2),
            "quadrant {i} at ({x}, {y}) is {:?}, not {c:?}",
            rgb(&img, x, y)
        );
    }
    // Outside the image: the window's background, not the image.
    if dst.x > 2 {
        let outside = rgb(&img, 1, dst.y + 4);
        assert!(quadrants.iter().all(|c| !close(outside, *c, 30)));
    }
}

#[test]
fn editor_types_utf8_and_saves_with_ctrl_s() {
    let server = Server::start(67);
    let mut d = server.client();
    let file = server.dir.path().join("note.txt");
    std::fs::write(&file, "first line\n").expect("write the test file");
    let mut editor = server.demo("editor", &[file.to_str().expect("utf-8 path")]);
    let w = drawn_window(&mut d, "editor", 0, &mut editor);
    let before = shot(&mut d, &w);
    // At the end of the first line: a space and Chinese text (typed as key text: injected input
    // has no input-method commit), a new line, then a word selected back and replaced.
    press(&mut d, NamedKey::End, 0);
    type_text(&mut d, " 你好");
    press(&mut d, NamedKey::Enter, 0);
    type_text(&mut d, "abc");
    press(&mut d, NamedKey::ArrowLeft, Modifiers::SHIFT);
    press(&mut d, NamedKey::ArrowLeft, Modifiers::SHIFT);
    type_text(&mut d, "Z");
    wait_change(&mut d, &w, &before, "typed text to show", &mut editor);
    d.inject_input(key_action(
        Key::Character("s".into()),
        None,
        Modifiers::CONTROL,
        true,
    ));
    d.inject_input(key_action(
        Key::Character("s".into()),
        None,
        Modifiers::CONTROL,
        false,
    ));
    d.sync().expect("sync");
    wait_for("the file to be saved", &mut [&mut editor], || {
        let text = std::fs::read_to_string(&file).ok()?;
        (text == "first line 你好\naZ\n").then_some(())
    });
}

/// Starts a whiteboard hub on a free port and returns it with its address, read from the line
/// it prints.
fn start_hub(server: &Server) -> (Proc, String) {
    let mut cmd = Command::new(demo_binary("whiteboard"));
    cmd.args(["--serve", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("start the whiteboard hub");
    let stderr = child.stderr.take().expect("piped stderr");
    let hub = Proc {
        name: "whiteboard --serve".into(),
        child,
        log: server.dir.path().join("none"),
    };
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let line = rx.recv_timeout(WAIT).expect("the hub says where it listens");
    let addr = line
        .split_whitespace()
        .find(|w| w.starts_with("127.0.0.1:"))
        .map(|w| w.trim_end_matches(';').to_owned())
        .unwrap_or_else(|| panic!("no address in the hub's line `{line}`"));
    (hub, addr)
}

#[test]
fn whiteboard_strokes_appear_in_every_window() {
    let server = Server::start(68);
    let mut d = server.client();
    let (_hub, addr) = start_hub(&server);
    let mut first = server.demo("whiteboard", &["--join", &addr]);
    let a = drawn_window(&mut d, "whiteboard", 0, &mut first);
    let mut second = server.demo("whiteboard", &["--join", &addr]);
    let b = drawn_window(&mut d, "whiteboard", 1, &mut second);
    // The second window cascades over the first: the first window's left strip stays visible.
    let strip = b.rect.x - a.rect.x;
    assert!(
        strip >= 60,
        "the windows should cascade: {:?} then {:?}",
        a.rect,
        b.rect
    );
    let top = TOOLBAR_HEIGHT as i32;
    let brush = Brush::default();
    let wait_line =
        |d: &mut Display, w: &WindowInfo, p: &[(i32, i32)], who: &str, procs: &mut [&mut Proc]| {
            wait_for(&format!("the stroke in the {who} window"), procs, || {
                let img = shot(d, w);
                p.iter()
                    .all(|&(x, y)| close(rgb(&img, x, y + top), brush.color, 8))
                    .then_some(())
            })
        };

    // Drawn in the second window, in canvas coordinates the first window shows uncovered.
    let (p, q) = ((10, 120), (strip - 10, 220));
    drag(
        &mut d,
        &line(
            (b.rect.x + p.0, b.rect.y + top + p.1),
            (b.rect.x + q.0, b.rect.y + top + q.1),
            8,
        ),
    );
    let checks = line(p, q, 8)[1..8].to_vec();
    wait_line(&mut d, &b, &checks, "drawing", &mut [&mut second]);
    wait_line(&mut d, &a, &checks, "other", &mut [&mut first, &mut second]);

    // And back: drawn in the first window, shown in the second.
    let (p, q) = ((strip - 10, 300), (10, 380));
    drag(
        &mut d,
        &line(
            (a.rect.x + p.0, a.rect.y + top + p.1),
            (a.rect.x + q.0, a.rect.y + top + q.1),
            8,
        ),
    );
    let checks = line(p, q, 8)[1..8].to_vec();
    wait_line(&mut d, &b, &checks, "other", &mut [&mut first, &mut second]);
}

#[test]
fn viewer_shows_a_jpeg() {
    let server = Server::start(69);
    let mut d = server.client();
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/gradient.jpg");
    let bytes = std::fs::read(&file).expect("the test JPEG");
    let (iw, ih, rgba) = examples::jpeg::decode(&bytes).expect("decodes");
    let mut viewer = server.demo("viewer", &[file.to_str().expect("utf-8 path")]);
    let w = drawn_window(&mut d, "viewer", 0, &mut viewer);
    let dst = examples::ui::fit(iw, ih, Rect::from_size(w.rect.size()));
    let img = shot(&mut d, &w);
    // Enlarged more than twice, pixels are repeated: the centre of each source pixel shows it.
    for (sx, sy) in [(0, 0), (iw - 1, 0), (iw / 2, ih / 2), (3, ih - 1)] {
        let x = dst.x + ((sx as f32 + 0.5) * dst.width as f32 / iw as f32) as i32;
        let y = dst.y + ((sy as f32 + 0.5) * dst.height as f32 / ih as f32) as i32;
        let i = ((sy * iw + sx) * 4) as usize;
        let want = Color::rgb(rgba[i], rgba[i + 1], rgba[i + 2]);
        assert!(
            close(rgb(&img, x, y), want, 2),
            "source ({sx}, {sy}) at ({x}, {y})"
        );
    }
}

#[test]
fn every_demo_explains_an_unreachable_display_in_one_line() {
    let empty = TempDir::new().expect("temp dir");
    let image = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/gradient.jpg");
    let image = image.to_str().expect("utf-8 path");
    let note = empty.path().join("note.txt");
    let note = note.to_str().expect("utf-8 path");
    let demos: [(&str, &[&str]); 7] = [
        ("clock", &[]),
        ("eyes", &[]),
        ("paint", &[]),
        ("bounce", &[]),
        ("calculator", &[]),
        ("viewer", &[image]),
        ("editor", &[note]),
    ];
    for (name, args) in demos {
        let out = Command::new(demo_binary(name))
            .args(args)
            .current_dir(empty.path())
            .env_remove("DISPLAY")
            .env("DISPD_DISPLAY", "unix:3")
            .env("DISPD_SOCKET_DIR", empty.path())
            .output()
            .expect("run the demo");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
        assert!(
            stderr.starts_with(&format!("{name}: cannot reach display")) && stderr.lines().count() == 1,
            "{name} said: {stderr}"
        );
    }
}
