//! The foundation: pixels drawn over either transport read back exactly, clients are isolated,
//! bad or dying clients cost only themselves, sockets are claimed and released properly, errors
//! name their request, and the window basics (map, unmap, configure, text) show on the screen.

use std::time::Duration;

use dispd_protocol::handshake::ServerAnswer;
use dispd_protocol::{ErrorCode, Request, ServerMessage, WindowId};
use display_server::net::Listener;
use display_server::ServerError;
use gui_client::{ClientError, Color, ConnectOptions, Display, Event, Rect};

use crate::util::{
    assert_no_event, assert_pixels, next_request_error, quiet_events, rgba, wait_event, wait_expose,
    wait_info, wait_screen, TestServer, Transport, WAIT,
};

const WHITE: [u8; 4] = [255, 255, 255, 255];
const RED: Color = Color::rgb(255, 0, 0);
const BLUE: Color = Color::rgb(0, 0, 255);

/// Fills the whole of `window` with `color`, then checks every pixel reads back as it.
fn fill_and_check(d: &mut Display, window: WindowId, size: (u32, u32), color: Color, what: &str) {
    d.draw(window).color(color).clear();
    let img = d
        .get_image(window, Rect::new(0, 0, size.0, size.1))
        .expect("get_image");
    assert_pixels(&img, what, |_, _| rgba(color));
}

fn draw_and_read_back(transport: Transport) {
    let server = TestServer::with_defaults();
    let bg = server.background();
    let mut d = server.connect(transport);
    let frame = Rect::new(10, 20, 200, 100);
    let w = d.create_window(frame, Color::WHITE).expect("create_window");
    d.map_window(w);
    assert_eq!(wait_expose(&mut d, w), Rect::new(0, 0, 200, 100));

    let red_rect = Rect::new(0, 0, 50, 50);
    let blue_rect = Rect::new(60, 10, 20, 30);
    let mut p = d.draw(w);
    p.color(RED).fill_rect(red_rect).color(BLUE).fill_rect(blue_rect);
    p.finish();
    d.sync().expect("sync");

    let expected = |x: u32, y: u32| {
        let (x, y) = (x as i32, y as i32);
        if red_rect.contains(x, y) {
            rgba(RED)
        } else if blue_rect.contains(x, y) {
            rgba(BLUE)
        } else {
            WHITE
        }
    };
    let img = d.get_image(w, Rect::new(0, 0, 200, 100)).expect("get_image");
    assert_eq!((img.width, img.height), (200, 100));
    // The edges by name, so a failure reads plainly; then every pixel.
    for (x, y, want) in [
        (0, 0, rgba(RED)),
        (49, 49, rgba(RED)),
        (49, 0, rgba(RED)),
        (0, 49, rgba(RED)),
        (50, 0, WHITE),
        (0, 50, WHITE),
        (50, 50, WHITE),
        (60, 10, rgba(BLUE)),
        (79, 39, rgba(BLUE)),
        (59, 10, WHITE),
        (80, 10, WHITE),
        (60, 9, WHITE),
        (60, 40, WHITE),
        (199, 99, WHITE),
    ] {
        assert_eq!(img.pixel(x, y), Some(want), "window pixel ({x},{y})");
    }
    assert_pixels(&img, "window read back", expected);

    // A sub-rectangle reads the same pixels at an offset.
    let part = d.get_image(w, Rect::new(45, 5, 40, 50)).expect("get_image part");
    assert_pixels(&part, "window part", |x, y| expected(x + 45, y + 5));

    // The composed screen: the window at (10,20) over the server background.
    let screen = d
        .get_screen_image(Rect::new(
            0,
            0,
            crate::util::SCREEN.width,
            crate::util::SCREEN.height,
        ))
        .expect("get_screen_image");
    assert_eq!(screen.pixel(10, 20), Some(rgba(RED)));
    assert_eq!(screen.pixel(9, 20), Some(bg));
    assert_eq!(screen.pixel(10, 19), Some(bg));
    assert_eq!(screen.pixel(70, 30), Some(rgba(BLUE)));
    assert_eq!(screen.pixel(209, 119), Some(WHITE));
    assert_eq!(screen.pixel(210, 119), Some(bg));
    assert_pixels(&screen, "screen", |x, y| {
        if frame.contains(x as i32, y as i32) {
            expected(x - 10, y - 20)
        } else {
            bg
        }
    });
}

#[test]
fn draw_and_read_back_pixels_unix() {
    draw_and_read_back(Transport::Unix);
}

#[test]
fn draw_and_read_back_pixels_tcp() {
    draw_and_read_back(Transport::Tcp);
}

#[test]
fn two_clients_isolated() {
    let server = TestServer::with_defaults();
    let mut a = server.connect_unix();
    let mut b = server.connect_tcp();
    let grey = Color::rgb(90, 90, 90);
    let wa = a
        .create_window(Rect::new(0, 0, 100, 80), Color::WHITE)
        .expect("create a");
    let wb = b
        .create_window(Rect::new(50, 40, 100, 80), grey)
        .expect("create b");
    assert_ne!(wa, wb, "clients must get disjoint ids");
    a.map_window(wa);
    b.map_window(wb);
    for (d, own, name) in [(&mut a, wa, "A"), (&mut b, wb, "B")] {
        let (ev, mut others) = wait_event(d, "own Expose", |e| matches!(e, Event::Expose { .. }));
        assert_eq!(ev.window(), own, "{name} got an Expose for another window");
        others.extend(quiet_events(d, name));
        // Other events (focus moving from A to B, say) are fine, as long as they are its own.
        assert!(
            others.iter().all(|e| e.window() == own),
            "{name} got events for a window not its own: {others:?}"
        );
    }

    let full = Rect::new(0, 0, 100, 80);
    let before_b = b.get_image(wb, full).expect("read B");
    assert_pixels(&before_b, "B before", |_, _| rgba(grey));
    a.draw(wa).color(RED).clear();
    a.sync().expect("sync A");
    assert_pixels(
        &a.get_image(wa, full).expect("read A"),
        "A after drawing",
        |_, _| rgba(RED),
    );
    assert_eq!(
        b.get_image(wb, full).expect("read B again"),
        before_b,
        "A's drawing changed B's window"
    );

    // Neither may draw into or read the other's window; the victim stays as it was.
    let mut p = b.draw(wa);
    p.color(BLUE).clear();
    let seq = p.finish();
    let err = next_request_error(&mut b);
    assert_eq!((err.seq, err.code), (seq, ErrorCode::BadDrawable), "{err}");
    match b.get_image(wa, full) {
        Err(ClientError::Request(e)) => assert_eq!(e.code, ErrorCode::BadDrawable, "{e}"),
        other => panic!("B read A's window: {other:?}"),
    }
    assert_pixels(
        &a.get_image(wa, full).expect("read A"),
        "A after B's attempts",
        |_, _| rgba(RED),
    );
    let events = quiet_events(&mut a, "A after B's attempts");
    assert!(events.iter().all(|e| e.window() == wa), "{events:?}");
}

#[test]
fn garbage_client_is_dropped_others_continue() {
    let server = TestServer::with_defaults();
    let mut good = server.connect_unix();
    let size = (64, 48);
    let w = good
        .create_window(Rect::new(5, 5, size.0, size.1), Color::WHITE)
        .expect("create_window");
    good.map_window(w);
    wait_expose(&mut good, w);
    fill_and_check(&mut good, w, size, RED, "good client before any garbage");

    for transport in [Transport::Unix, Transport::Tcp] {
        // Accepted, then a frame whose body is no request: enum tag 200.
        let mut bad = server.connect_raw(transport);
        bad.handshake();
        bad.send_bytes(&[1, 0, 0, 0, 200]);
        match bad.read_message() {
            Some(ServerMessage::Goodbye { reason }) => {
                assert!(
                    reason.contains("does not decode"),
                    "{transport:?}: goodbye says {reason:?}"
                );
                assert!(
                    reason.contains("#1"),
                    "{transport:?}: goodbye names no request: {reason:?}"
                );
            }
            other => panic!("{transport:?}: expected a goodbye, got {other:?}"),
        }
        assert_eq!(
            bad.read_message(),
            None,
            "{transport:?}: the connection stays open after goodbye"
        );
        fill_and_check(&mut good, w, size, BLUE, "good client between garbage clients");

        // Not dispd at all: an HTTP request instead of a hello.
        let mut http = server.connect_raw(transport);
        http.send_bytes(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        match http.read_answer() {
            ServerAnswer::Refused { reason, .. } => assert!(
                reason.contains("does not speak the dispd protocol"),
                "{transport:?}: refusal says {reason:?}"
            ),
            other => panic!("{transport:?}: HTTP client was not refused: {other:?}"),
        }
        assert_eq!(
            http.read_message(),
            None,
            "{transport:?}: refused connection stays open"
        );
        let green = Color::rgb(0, 200, 0);
        fill_and_check(&mut good, w, size, green, "good client after garbage clients");
    }
    let info = good.server_info().expect("server_info");
    assert_eq!((info.clients, info.windows), (1, 1), "{info:?}");
}

/// A request applied before a bad frame keeps its reply: the goodbye comes after it.
///
/// Regression: the session hands the core the good requests and then the disconnect, the core
/// often takes both in one batch, and `ServerCore::disconnect` used to discard the client's
/// queued output before it was dispatched, so the client got only the goodbye.
#[test]
fn replies_before_a_bad_frame_are_delivered() {
    let server = TestServer::with_defaults();
    // The loss depends on both messages reaching the core in one batch; a few tries make it certain.
    for attempt in 0..10 {
        let mut raw = server.connect_raw(Transport::Unix);
        raw.handshake();
        let mut bytes = Vec::new();
        dispd_protocol::encode_frame(&Request::Sync, &mut bytes);
        bytes.extend_from_slice(&[1, 0, 0, 0, 200]);
        raw.send_bytes(&bytes); // one write: request #1 is good, #2 is not
        let got: Vec<_> = std::iter::from_fn(|| raw.read_message()).collect();
        assert!(
            matches!(
                got.as_slice(),
                [ServerMessage::Reply { seq: 1, .. }, ServerMessage::Goodbye { reason }] if reason.contains("#2")
            ),
            "attempt {attempt}: expected the reply to #1, then a goodbye naming #2; got {got:?}"
        );
    }
}

#[test]
fn killed_client_windows_vanish() {
    let server = TestServer::with_defaults();
    let bg = server.background();
    let mut watcher = server.connect_tcp();
    let place = Rect::new(30, 40, 80, 60);
    let mut victim = server.connect_unix();
    let w = victim.create_window(place, Color::WHITE).expect("create_window");
    victim.map_window(w);
    wait_expose(&mut victim, w);
    victim.draw(w).color(RED).clear();
    victim.sync().expect("sync");
    wait_screen(
        &mut watcher,
        place,
        "victim's window seen by the watcher",
        |_, _| rgba(RED),
    );
    let info = watcher.server_info().expect("server_info");
    assert_eq!((info.clients, info.windows), (2, 1), "{info:?}");

    drop(victim);
    wait_screen(&mut watcher, place, "screen after the victim died", |_, _| bg);
    wait_info(&mut watcher, "the victim is forgotten", |i| {
        i.windows == 0 && i.clients == 1
    });
}

#[test]
fn killed_raw_client_mid_frame_windows_vanish() {
    let server = TestServer::with_defaults();
    let bg = server.background();
    let mut watcher = server.connect_unix();
    let place = Rect::new(100, 100, 50, 50);
    let mut raw = server.connect_raw(Transport::Tcp);
    let setup = raw.handshake();
    let w = WindowId(setup.ids.base);
    raw.send_request(&Request::CreateWindow {
        window: w,
        rect: place,
        background: Color::WHITE,
    });
    raw.send_request(&Request::MapWindow { window: w });
    let draw = Request::Draw {
        target: w.into(),
        ops: vec![
            dispd_protocol::DrawOp::SetColor(RED),
            dispd_protocol::DrawOp::Clear,
        ]
        .into(),
    };
    raw.send_request(&draw);
    let before = raw.sync(4);
    let expose = ServerMessage::Event(Event::Expose {
        window: w,
        rect: Rect::new(0, 0, 50, 50),
    });
    assert!(
        before.contains(&expose),
        "no expose before the sync reply: {before:?}"
    );
    assert!(
        before
            .iter()
            .all(|m| matches!(m, ServerMessage::Event(e) if e.window() == w)),
        "only events for its window may come first: {before:?}"
    );
    wait_screen(&mut watcher, place, "raw client's window", |_, _| rgba(RED));

    // Half a frame (length prefix and part of the body), then the process "dies".
    let mut frame = Vec::new();
    dispd_protocol::encode_frame(&draw, &mut frame);
    raw.send_bytes(&frame[..frame.len() / 2 + 2]);
    raw.kill();
    wait_screen(&mut watcher, place, "screen after the raw client died", |_, _| bg);
    wait_info(&mut watcher, "the raw client is forgotten", |i| {
        i.windows == 0 && i.clients == 1
    });
}

#[test]
fn stale_socket_replaced_live_socket_refused() {
    // tokio's UnixListener needs a reactor even to bind.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let bind = |dir: &std::path::Path, n: u16| rt.block_on(async { Listener::bind_unix(dir, n) });

    let dir = tempfile::TempDir::new().expect("temp dir");
    let n = 3;
    let path = dispd_protocol::display::socket_path(dir.path(), n);
    // A server that died without cleaning up: the socket file stays, nobody listens.
    drop(std::os::unix::net::UnixListener::bind(&path).expect("std bind"));
    assert!(path.exists(), "std leaves the socket file behind");
    let listener = bind(dir.path(), n).expect("a stale socket is replaced");
    assert_eq!(listener.address(), path.display().to_string());
    std::os::unix::net::UnixStream::connect(&path).expect("the new socket accepts");
    drop(listener);
    assert!(!path.exists(), "dropping the listener removes its socket file");

    // Something that is not a socket is left alone.
    std::fs::write(&path, b"precious").expect("write a plain file");
    match bind(dir.path(), n) {
        Err(e @ ServerError::Bind { .. }) => assert!(e.to_string().contains("not a socket"), "{e}"),
        other => panic!("bound over a plain file: {other:?}"),
    }
    assert_eq!(std::fs::read(&path).expect("file kept"), b"precious");

    // A live server's socket is refused, and stays in place and working.
    let server = TestServer::with_defaults();
    match bind(server.socket_dir(), server.display()) {
        Err(e @ ServerError::DisplayInUse { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains("already in use"), "{msg}");
            assert!(msg.contains(&server.socket_path().display().to_string()), "{msg}");
            let ServerError::DisplayInUse { display, path } = e else {
                unreachable!()
            };
            assert_eq!((display, path), (server.display(), server.socket_path()));
        }
        other => panic!("bound over a live server's socket: {other:?}"),
    }
    assert!(server.socket_path().exists(), "the live socket was removed");
    server
        .connect_unix()
        .sync()
        .expect("the live server still serves");
}

#[test]
fn shutdown_removes_socket_and_says_goodbye() {
    let mut server = TestServer::with_defaults();
    let mut clients = [server.connect_unix(), server.connect_tcp()];
    for d in &mut clients {
        d.sync().expect("sync");
    }
    let path = server.socket_path();
    assert!(path.exists());
    let started = std::time::Instant::now();
    server.stop().expect("run returns Ok after shutdown");
    // `run` gives up on connections after 3 s; healthy ones close well before.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "shutdown took {:?}",
        started.elapsed()
    );
    assert!(!path.exists(), "socket file left behind after shutdown");
    for (i, d) in clients.iter_mut().enumerate() {
        match d.next_event_timeout(WAIT) {
            Err(ClientError::Disconnected { reason: Some(r) }) => {
                assert!(r.contains("shutting down"), "client {i}: goodbye says {r:?}")
            }
            other => panic!("client {i}: expected a goodbye, got {other:?}"),
        }
    }
    for t in [Transport::Unix, Transport::Tcp] {
        assert!(
            Display::connect(&server.options(t)).is_err(),
            "{t:?} still accepts after shutdown"
        );
    }
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", server.tcp_port())).is_err(),
        "the TCP port is still open after shutdown"
    );
}

#[test]
fn errors_carry_sequence_numbers() {
    let server = TestServer::with_defaults();
    let mut d = server.connect_unix();
    let ghost = WindowId(d.setup().ids.base + 4242); // in range, never created

    let mut p = d.draw(ghost);
    p.color(RED).clear();
    let seq = p.finish();
    let e = next_request_error(&mut d);
    assert_eq!((e.seq, e.code), (seq, ErrorCode::BadDrawable), "{e}");
    d.sync().expect("usable after BadDrawable");

    d.map_window(ghost);
    let seq = d.last_seq();
    let e = next_request_error(&mut d);
    assert_eq!((e.seq, e.code), (seq, ErrorCode::BadWindow), "{e}");
    d.sync().expect("usable after BadWindow");

    d.create_window(Rect::new(0, 0, 0, 10), Color::WHITE)
        .expect("id allocated");
    let seq = d.last_seq();
    let e = next_request_error(&mut d);
    assert_eq!((e.seq, e.code), (seq, ErrorCode::BadValue), "{e}");
    d.sync().expect("usable after BadValue");

    let seq = d.send(&Request::CreateWindow {
        window: WindowId(1),
        rect: Rect::new(0, 0, 10, 10),
        background: Color::WHITE,
    });
    let e = next_request_error(&mut d);
    assert_eq!((e.seq, e.code), (seq, ErrorCode::BadId), "{e}");
    d.sync().expect("usable after BadId");

    // Several in one flush: each error names its own request; the good ones apply.
    let mut p = d.draw(ghost);
    p.clear();
    let s1 = p.finish();
    let w = d
        .create_window(Rect::new(0, 0, 10, 10), Color::WHITE)
        .expect("create");
    let s3 = d.send(&Request::CreateWindow {
        window: w,
        rect: Rect::new(0, 0, 10, 10),
        background: Color::WHITE,
    });
    d.configure_window(w, Rect::new(0, 0, 10, 0));
    let s4 = d.last_seq();
    d.sync().expect("sync after the batch");
    let got: Vec<_> = (0..3)
        .map(|_| {
            let e = next_request_error(&mut d);
            (e.seq, e.code)
        })
        .collect();
    assert_eq!(
        got,
        [
            (s1, ErrorCode::BadDrawable),
            (s3, ErrorCode::BadId),
            (s4, ErrorCode::BadValue)
        ]
    );
    // Nothing more: `quiet_events` fails on any further request error.
    quiet_events(&mut d, "after the batch's errors");
    let windows = d.list_windows().expect("list_windows");
    assert_eq!(windows.len(), 1, "{windows:?}");
    assert_eq!((windows[0].id, windows[0].rect), (w, Rect::new(0, 0, 10, 10)));
}

#[test]
fn no_operations_take_sequence_numbers_and_nothing_else() {
    // Over a raw socket, so that the numbers are the server's alone: no-ops before, between
    // and after failing requests; the errors name requests 2 and 5, Sync's reply 7, and
    // nothing answers a no-op.
    let server = TestServer::with_defaults();
    let mut raw = server.connect_raw(Transport::Unix);
    let ghost = WindowId(raw.handshake().ids.base + 99);
    let bad = Request::MapWindow { window: ghost };
    for r in [
        Request::NoOperation,
        bad.clone(),
        Request::NoOperation,
        Request::NoOperation,
        bad,
        Request::NoOperation,
    ] {
        raw.send_request(&r);
    }
    let before = raw.sync(7);
    let errors: Vec<(u32, ErrorCode)> = before
        .iter()
        .map(|m| match m {
            ServerMessage::Error(e) => (e.seq, e.code),
            other => panic!("only errors before the sync's reply, got {other:?}"),
        })
        .collect();
    assert_eq!(errors, [(2, ErrorCode::BadWindow), (5, ErrorCode::BadWindow)]);
}

/// Checks the whole screen: `content` at `frame` (window coordinates), background elsewhere.
fn assert_screen(
    d: &mut Display,
    bg: [u8; 4],
    frame: Option<Rect>,
    what: &str,
    content: impl Fn(u32, u32) -> [u8; 4],
) {
    let s = crate::util::SCREEN;
    let img = d
        .get_screen_image(Rect::new(0, 0, s.width, s.height))
        .expect("get_screen_image");
    assert_pixels(&img, what, |x, y| match frame {
        Some(f) if f.contains(x as i32, y as i32) => content(x - f.x as u32, y - f.y as u32),
        _ => bg,
    });
}

#[test]
fn unmap_and_configure() {
    let server = TestServer::with_defaults();
    let bg = server.background();
    let mut d = server.connect_unix();
    let at = Rect::new(20, 30, 60, 40);
    let w = d.create_window(at, Color::WHITE).expect("create_window");
    d.map_window(w);
    wait_expose(&mut d, w);
    let mut p = d.draw(w);
    p.color(RED)
        .clear()
        .color(BLUE)
        .fill_rect(Rect::new(0, 0, 10, 10));
    p.finish();
    let content = |x: u32, y: u32| if x < 10 && y < 10 { rgba(BLUE) } else { rgba(RED) };
    assert_screen(&mut d, bg, Some(at), "mapped", content);

    d.unmap_window(w);
    assert_screen(&mut d, bg, None, "unmapped", content);
    // Drawing while unmapped changes the window, not the screen.
    let green = Color::rgb(0, 200, 0);
    d.draw(w).color(green).fill_rect(Rect::new(50, 30, 10, 10));
    assert_screen(&mut d, bg, None, "drawn while unmapped", content);
    let content = |x: u32, y: u32| {
        if x >= 50 && y >= 30 {
            rgba(green)
        } else {
            content(x, y)
        }
    };
    assert_no_event(&mut d, "after unmap", |e| {
        matches!(e, Event::Expose { .. } | Event::Configure { .. })
    });

    d.map_window(w);
    assert_eq!(wait_expose(&mut d, w), Rect::new(0, 0, 60, 40));
    assert_screen(&mut d, bg, Some(at), "mapped again: content kept", content);

    let moved = Rect::new(200, 150, 60, 40);
    d.configure_window(w, moved);
    let (ev, others) = wait_event(&mut d, "Configure", |e| matches!(e, Event::Configure { .. }));
    assert_eq!(
        ev,
        Event::Configure {
            window: w,
            rect: moved
        }
    );
    assert!(
        !others.iter().any(|e| matches!(e, Event::Expose { .. })),
        "{others:?}"
    );
    assert_no_event(&mut d, "a move exposes nothing", |e| {
        matches!(e, Event::Expose { .. })
    });
    assert_screen(&mut d, bg, Some(moved), "moved", content);

    let grown = Rect::new(200, 150, 90, 70);
    d.configure_window(w, grown);
    let (ev, _) = wait_event(&mut d, "Configure", |e| matches!(e, Event::Configure { .. }));
    assert_eq!(
        ev,
        Event::Configure {
            window: w,
            rect: grown
        }
    );
    assert_eq!(wait_expose(&mut d, w), Rect::new(0, 0, 90, 70));
    let grown_content = |x: u32, y: u32| if x < 60 && y < 40 { content(x, y) } else { WHITE };
    assert_screen(
        &mut d,
        bg,
        Some(grown),
        "grown: old content top-left, background around",
        grown_content,
    );
    let img = d.get_image(w, Rect::new(0, 0, 90, 70)).expect("get_image");
    assert_pixels(&img, "grown window", grown_content);
    let info = d.list_windows().expect("list_windows");
    assert_eq!((info[0].rect, info[0].mapped), (grown, true));
}

/// A display number whose TCP port the kernel just handed out as free (and we released), so
/// nothing answers there; safer than a fixed `:7`, which some real service might hold.
fn unused_display_number() -> u16 {
    (0..100)
        .find_map(|_| {
            let l = std::net::TcpListener::bind("127.0.0.1:0").ok()?;
            let port = l.local_addr().ok()?.port();
            port.checked_sub(dispd_protocol::TCP_PORT_BASE)
        })
        .expect("a free port >= 7300")
}

#[test]
fn display_env_errors_are_clear() {
    let dir = tempfile::TempDir::new().expect("temp dir");
    let n = unused_display_number();
    let opts = |name: &str| ConnectOptions {
        display: Some(name.into()),
        socket_dir: Some(dir.path().to_owned()),
        ..Default::default()
    };
    let path = dispd_protocol::display::socket_path(dir.path(), n);
    match Display::connect(&opts(&format!(":{n}"))) {
        Err(e @ ClientError::Unreachable { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains("is dispd running"), "{msg}");
            assert!(msg.contains(&path.display().to_string()), "{msg}");
            assert!(msg.contains(&format!("dispd :{n}")), "{msg}");
        }
        other => panic!("expected Unreachable, got {other:?}"),
    }
    match Display::connect(&opts("nonsense")) {
        Err(e @ ClientError::Display(_)) => assert!(e.to_string().contains(":0"), "{e}"),
        other => panic!("expected a display name error, got {other:?}"),
    }
}

#[test]
fn text_renders() {
    let server = TestServer::with_defaults();
    let mut d = server.connect_unix();
    let size = (300, 80);
    let w = d
        .create_window(Rect::new(0, 0, size.0, size.1), Color::WHITE)
        .expect("create");
    d.map_window(w);
    wait_expose(&mut d, w);
    let (x0, base, px) = (10i64, 50i64, 24i64);
    let mut p = d.draw(w);
    p.color(Color::BLACK)
        .font_size(px as u16)
        .text(x0 as i32, base as i32, "Hello");
    p.finish();
    let img = d
        .get_image(w, Rect::new(0, 0, size.0, size.1))
        .expect("get_image");
    let (mut dark, mut min_x, mut max_x) = (0, i64::MAX, i64::MIN);
    for y in 0..img.height {
        for x in 0..img.width {
            let Some(px_rgba) = img.pixel(x, y) else { continue };
            if px_rgba == WHITE {
                continue;
            }
            let (x, y) = (i64::from(x), i64::from(y));
            assert!(
                (x0..=x0 + 5 * px).contains(&x) && (base - px..=base + 6).contains(&y),
                "ink at ({x},{y}) {px_rgba:?} outside the text's box"
            );
            if px_rgba[0] < 100 {
                dark += 1;
            }
            (min_x, max_x) = (min_x.min(x), max_x.max(x));
        }
    }
    assert!(dark >= 40, "only {dark} dark pixels: no text drawn?");
    assert!(
        max_x - min_x >= 40,
        "ink spans {min_x}..={max_x}: not five letters"
    );
}

/// A `Display`'s socket can be waited on with `poll` beside other sources (X's
/// `ConnectionNumber`): readable once the server has sent something, quiet before; and the
/// display counts the bytes of its requests and of what it read, frame for frame.
#[test]
fn the_connection_can_be_polled_and_counts_its_bytes() {
    use rustix::event::{poll, PollFd, PollFlags, Timespec};
    let readable = |d: &Display, ms: i64| {
        let mut fds = [PollFd::new(d, PollFlags::IN)];
        let timeout = Timespec {
            tv_sec: ms / 1000,
            tv_nsec: (ms % 1000) * 1_000_000,
        };
        poll(&mut fds, Some(&timeout)).expect("poll") == 1
    };
    let frame_len = |msg: &ServerMessage| {
        let mut out = Vec::new();
        dispd_protocol::encode_frame(msg, &mut out);
        out.len() as u64
    };
    let server = TestServer::with_defaults();
    for transport in [Transport::Unix, Transport::Tcp] {
        let mut d = server.connect(transport);
        let (sent, received) = (d.bytes_sent(), d.bytes_received());
        d.sync().expect("sync");
        let seq = d.last_seq();
        assert_eq!(d.bytes_sent() - sent, 5, "{transport:?}: a Sync is 5 bytes");
        assert_eq!(
            d.bytes_received() - received,
            frame_len(&ServerMessage::Reply {
                seq,
                reply: dispd_protocol::Reply::Sync
            }),
            "{transport:?}"
        );
        assert!(!readable(&d, 50), "{transport:?}: readable with nothing sent");
        let w = d
            .create_window(Rect::new(0, 0, 20, 20), Color::WHITE)
            .expect("window");
        d.map_window(w);
        d.flush().expect("flush");
        assert!(
            readable(&d, 5000),
            "{transport:?}: no wake-up for the map's events"
        );
        let first = d.poll_event().expect("poll_event");
        assert!(
            matches!(first, Some(Event::Expose { window, .. }) if window == w),
            "{transport:?}: {first:?}"
        );
    }
}

#[test]
fn a_reply_spin_out_of_range_is_refused_by_name() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dispd"))
        .args(["--headless", "--listen", "unix", "--reply-spin-us", "5000", ":99"])
        .output()
        .expect("run dispd");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--reply-spin-us") && stderr.contains("0..=1000"),
        "{stderr}"
    );
}

/// Ctrl-C (SIGINT) and SIGTERM stop dispd cleanly, its socket file removed, even when they come
/// as soon as the socket exists: the handlers are installed before the socket is made (once,
/// they were installed after, and a signal in between killed dispd and left the file).
#[test]
fn ctrl_c_and_sigterm_stop_dispd_and_remove_its_socket() {
    for (n, sig) in [(61, "-INT"), (62, "-TERM")] {
        let dir = tempfile::TempDir::new().expect("temp dir");
        let (mut dispd, socket) = crate::util::spawn_dispd(n, dir.path(), |_| {});
        let deadline = std::time::Instant::now() + crate::util::WAIT;
        let killed = std::process::Command::new("kill")
            .args([sig, &dispd.id().to_string()])
            .status()
            .expect("run kill");
        assert!(killed.success());
        let exit = loop {
            if let Some(exit) = dispd.try_wait().expect("wait") {
                break exit;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "dispd did not stop on {sig}"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(exit.success(), "{sig}: {exit:?}");
        assert!(!socket.exists(), "{sig}: {} is left behind", socket.display());
    }
}

/// On a CPU with AVX-512, dispd starts itself again with glibc told to prefer its 32-byte
/// (AVX2-width) copies, faster for the rows of window copies here; a `GLIBC_TUNABLES` the user
/// set, even empty, is left as it is. Read from the running server's environment.
#[cfg(target_arch = "x86_64")]
#[test]
fn dispd_prefers_avx2_copies_unless_glibc_tunables_is_set() {
    let avx512 = std::arch::is_x86_feature_detected!("avx512f");
    for (n, given, expected) in [
        (63, None, avx512.then_some("glibc.cpu.hwcaps=Prefer_No_AVX512")),
        (64, Some(""), Some("")),
        (65, Some("glibc.malloc.check=0"), Some("glibc.malloc.check=0")),
    ] {
        let dir = tempfile::TempDir::new().expect("temp dir");
        let (mut dispd, _) = crate::util::spawn_dispd(n, dir.path(), |command| {
            command.env_remove("GLIBC_TUNABLES");
            if let Some(value) = given {
                command.env("GLIBC_TUNABLES", value);
            }
        });
        let environ = std::fs::read(format!("/proc/{}/environ", dispd.id())).expect("environ");
        let _ = dispd.kill();
        let _ = dispd.wait();
        let tunables: Option<String> = environ
            .split(|b| *b == 0)
            .filter_map(|var| var.strip_prefix(b"GLIBC_TUNABLES="))
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .next();
        assert_eq!(tunables.as_deref(), expected, "GLIBC_TUNABLES given {given:?}");
    }
}
