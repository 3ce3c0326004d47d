//! The on-screen backend in a real X server: Xvfb on a free display, the real `dispd` binary
//! showing client windows as native windows, pixels read back with an X screenshot
//! (`import`), input typed and clicked by `xdotool`.
//!
//! Needs `Xvfb`, `xdotool` and ImageMagick's `import` (`.ci/run` installs them). Where they
//! are missing the test says so and passes, unless `CI` is set, where it fails.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use gui_client::{Color, ConnectOptions, Display, Event, PixelFormat, Rect};

const WAIT: Duration = Duration::from_secs(15);
const TITLE: &str = "dispd-onscreen-test";

/// Kills a child process when dropped.
struct Reaper(Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Starts Xvfb on a free display number; returns it and the process.
fn start_xvfb() -> (String, Reaper) {
    let mut child = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "800x600x24",
            "-nolisten",
            "tcp",
            "-noreset",
            "-br",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start Xvfb");
    let stdout = child.stdout.take().expect("Xvfb stdout");
    let reaper = Reaper(child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("Xvfb prints its display number");
    let number = line.trim().to_owned();
    assert!(
        !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()),
        "Xvfb said {line:?}"
    );
    (format!(":{number}"), reaper)
}

/// The X screen as RGBA, through ImageMagick's `import`.
fn x_screenshot(x_display: &str) -> (u32, u32, Vec<u8>) {
    let out = Command::new("import")
        .args(["-display", x_display, "-window", "root", "png:-"])
        .output()
        .expect("run import");
    assert!(
        out.status.success(),
        "import failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut decoder = png::Decoder::new(std::io::Cursor::new(out.stdout));
    // import writes palette or grey PNGs when the screen has few colours: expand to 8 bits.
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("png data");
    let channels = info.color_type.samples();
    let rgba = buf[..info.buffer_size()]
        .chunks(channels)
        .flat_map(|p| {
            if p.len() >= 3 {
                [p[0], p[1], p[2], 255]
            } else {
                [p[0], p[0], p[0], 255]
            }
        })
        .collect();
    (info.width, info.height, rgba)
}

fn pixel((w, _, data): &(u32, u32, Vec<u8>), x: u32, y: u32) -> [u8; 3] {
    let i = ((y * w + x) * 4) as usize;
    [data[i], data[i + 1], data[i + 2]]
}

fn xdotool(x_display: &str, args: &[&str]) -> String {
    let out = Command::new("xdotool")
        .args(args)
        .env("DISPLAY", x_display)
        .output()
        .expect("run xdotool");
    assert!(
        out.status.success(),
        "xdotool {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Waits up to `limit` for an event `want` accepts; `None` if none came.
fn wait_within(
    display: &mut Display,
    limit: Duration,
    mut want: impl FnMut(&Event) -> bool,
) -> Option<Vec<Event>> {
    let deadline = Instant::now() + limit;
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        if let Some(e) = display
            .next_event_timeout(Duration::from_millis(100))
            .expect("event")
        {
            let done = want(&e);
            seen.push(e);
            if done {
                return Some(seen);
            }
        }
    }
    None
}

/// Runs `act` and waits for `want`, up to three times: under load, X may still be settling the
/// focus or the pointer when xdotool acts. Each attempt waits 5 s.
fn act_until(display: &mut Display, what: &str, mut act: impl FnMut(), mut want: impl FnMut(&Event) -> bool) {
    for _ in 0..3 {
        act();
        if wait_within(display, Duration::from_secs(5), &mut want).is_some() {
            return;
        }
    }
    panic!("no {what} after 3 attempts");
}

/// Waits for events until `want` accepts one, collecting what came before.
fn wait_for(display: &mut Display, what: &str, want: impl FnMut(&Event) -> bool) -> Vec<Event> {
    wait_within(display, WAIT, want).unwrap_or_else(|| panic!("no {what} within {WAIT:?}"))
}

fn wait_for_file(path: &Path) {
    let deadline = Instant::now() + WAIT;
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "dispd did not create {}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn native_window_shows_pixels_and_delivers_input() {
    let tools = ["Xvfb", "xdotool", "import"];
    if let Some(missing) = tools.iter().find(|t| !have(t)) {
        assert!(
            std::env::var_os("CI").is_none(),
            "{missing} is missing; .ci/run must install it"
        );
        let _ = writeln!(
            std::io::stderr(),
            "skipping: {missing} not installed (apt-get install xvfb xdotool imagemagick)"
        );
        return;
    }
    let (x_display, _xvfb) = start_xvfb();
    let dir = tempfile::TempDir::new().expect("temp dir");
    let dispd = Command::new(env!("CARGO_BIN_EXE_dispd"))
        .args([":5", "--listen", "unix", "--socket-dir"])
        .arg(dir.path())
        // The secret file goes to the temp dir too: nothing in HOME, which CI may not have.
        .arg("--auth-dir")
        .arg(dir.path())
        .env("DISPLAY", &x_display)
        .env_remove("WAYLAND_DISPLAY")
        .env("DISPD_LOG", "warn,winit=error")
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start dispd");
    let _dispd = Reaper(dispd);
    wait_for_file(&dir.path().join("D5"));

    let mut display = Display::connect(&ConnectOptions {
        display: Some(":5".into()),
        socket_dir: Some(dir.path().into()),
        ..Default::default()
    })
    .expect("connect to the on-screen dispd");
    display.set_reply_timeout(Some(WAIT));
    assert_eq!(display.server_info().expect("info").backend, "winit");
    let (wx, wy) = (40, 50);
    let window = display
        .create_window(Rect::new(wx, wy, 200, 120), Color::WHITE)
        .expect("window");
    display.set_title(window, TITLE);
    display.map_window(window);
    wait_for(&mut display, "expose", |e| matches!(e, Event::Expose { .. }));
    let mut p = display.draw(window);
    p.color(Color::rgb(255, 0, 0)).fill_rect(Rect::new(0, 0, 100, 60));
    p.color(Color::rgb(0, 0, 255))
        .fill_rect(Rect::new(100, 60, 100, 60));
    p.finish();
    // Pixels in the server's own layout with alpha 0, which a window ignores: shown as sent.
    let green = [0u8, 200, 0, 0].repeat(20 * 20);
    display.put_image_as(
        window,
        Rect::new(160, 10, 20, 20),
        PixelFormat::Bgra8,
        false,
        green,
    );
    display.sync().expect("sync");

    // The native window shows the drawing at the position the client asked for.
    let (x0, y0) = (wx as u32, wy as u32);
    let deadline = Instant::now() + WAIT;
    loop {
        let shot = x_screenshot(&x_display);
        let got = [
            pixel(&shot, x0 + 10, y0 + 10),
            pixel(&shot, x0 + 99, y0 + 59),
            pixel(&shot, x0 + 150, y0 + 90),
            pixel(&shot, x0 + 150, y0 + 10),
            pixel(&shot, x0 + 170, y0 + 20),
            pixel(&shot, x0 - 5, y0 - 5),
        ];
        let want = [
            [255, 0, 0],
            [255, 0, 0],
            [0, 0, 255],
            [255, 255, 255],
            [0, 200, 0],
            [0, 0, 0],
        ];
        if got == want {
            break;
        }
        assert!(Instant::now() < deadline, "X screen shows {got:?}, want {want:?}");
        std::thread::sleep(Duration::from_millis(100));
    }

    // Typing reaches the client as key events with text.
    let wid = xdotool(&x_display, &["search", "--name", TITLE]);
    let wid = wid.lines().next().expect("xdotool finds the window").to_owned();
    let mut typed = String::new();
    act_until(
        &mut display,
        "typed text \"ab\"",
        || {
            xdotool(&x_display, &["windowfocus", "--sync", &wid]);
            xdotool(&x_display, &["type", "--delay", "20", "ab"]);
        },
        |e| {
            if let Event::Key(k) = e {
                assert_eq!(k.window, window);
                if k.pressed {
                    typed.push_str(k.text.as_deref().unwrap_or(""));
                }
            }
            typed.ends_with("ab")
        },
    );

    // A click arrives with the button and window coordinates.
    act_until(
        &mut display,
        "left button press at (30, 40)",
        || {
            xdotool(
                &x_display,
                &["mousemove", "--window", &wid, "30", "40", "click", "1"],
            );
        },
        |e| matches!(e, Event::PointerButton { window: w, x: 30, y: 40, button: gui_client::Button::Left, pressed: true, .. } if *w == window),
    );

    // Resizing the native window reaches the client as a configure event.
    xdotool(&x_display, &["windowsize", &wid, "300", "200"]);
    wait_for(
        &mut display,
        "configure to 300x200",
        |e| matches!(e, Event::Configure { window: w, rect } if *w == window && rect.width == 300 && rect.height == 200),
    );
}
