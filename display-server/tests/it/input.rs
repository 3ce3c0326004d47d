//! Input injection (XTEST-like) on the headless backend, and where input goes: keys to the
//! focused window's owner, pointer input to the owner of the window under the pointer.

use dispd_protocol::Request;
use display_server::Config;
use gui_client::{
    Button, Color, Display, ErrorCode, Event, InputAction, Key, Modifiers, Rect, WheelDelta, WindowId,
};

use crate::util::{
    assert_no_event, next_request_error, quiet_events, wait_event, wait_expose, TestServer, Transport,
};

fn key(text: &str) -> InputAction {
    InputAction::Key {
        pressed: true,
        code: 0,
        key: Key::Character(text.into()),
        text: Some(text.into()),
        modifiers: Modifiers::default(),
    }
}

fn mapped_window(display: &mut Display, rect: Rect) -> WindowId {
    let w = display.create_window(rect, Color::WHITE).expect("window");
    display.map_window(w);
    wait_expose(display, w);
    // Mapping focuses (there is no window manager).
    wait_event(
        display,
        "focus in",
        |e| matches!(e, Event::Focus { window, focused: true } if *window == w),
    );
    w
}

fn is_input(e: &Event) -> bool {
    matches!(
        e,
        Event::Key(_)
            | Event::PointerMotion { .. }
            | Event::PointerButton { .. }
            | Event::PointerWheel { .. }
            | Event::PointerEnter { .. }
    )
}

#[test]
fn injection_is_refused_unless_allowed() {
    let server = TestServer::with_defaults();
    let mut a = server.connect(Transport::Unix);
    let w = mapped_window(&mut a, Rect::new(0, 0, 50, 50));
    a.inject_input(key("x"));
    let seq = a.last_seq();
    let err = next_request_error(&mut a);
    assert_eq!((err.seq, err.code), (seq, ErrorCode::BadAccess));
    assert!(err.message.contains("--allow-injection"), "{}", err.message);
    assert_no_event(
        &mut a,
        "after a refused injection",
        |e| matches!(e, Event::Key(k) if k.window == w),
    );
}

#[test]
fn injected_input_reaches_only_the_owner_of_the_target_window() {
    let server = TestServer::start(Config {
        allow_injection: true,
        ..Config::default()
    });
    let mut a = server.connect(Transport::Unix);
    let mut b = server.connect(Transport::Tcp);
    let mut driver = server.connect(Transport::Unix);
    let wa = mapped_window(&mut a, Rect::new(10, 10, 100, 100));
    let wb = mapped_window(&mut b, Rect::new(150, 10, 100, 100));
    // B was mapped last, so keys go to B.

    driver.inject_input(key("x"));
    driver.sync().expect("sync");
    let (ev, _) = wait_event(&mut b, "key x", |e| matches!(e, Event::Key(_)));
    let Event::Key(k) = ev else { unreachable!() };
    assert_eq!((k.window, k.pressed, k.text.as_deref()), (wb, true, Some("x")));
    assert_no_event(&mut a, "A must not see B's keys", is_input);
    assert_no_event(&mut driver, "the injecting client has no windows", is_input);

    // The pointer over A: enter and motion in A's coordinates, nothing for B.
    driver.inject_input(InputAction::PointerMove { x: 50, y: 60 });
    driver.sync().expect("sync");
    let (ev, _) = wait_event(&mut a, "motion", |e| matches!(e, Event::PointerMotion { .. }));
    assert!(
        matches!(ev, Event::PointerMotion { window, x: 40, y: 50, .. } if window == wa),
        "{ev:?}"
    );
    assert_no_event(&mut b, "B must not see pointer input over A", is_input);

    // A click focuses A: B loses focus, A gets the button at window coordinates.
    driver.inject_input(InputAction::Button {
        button: Button::Left,
        pressed: true,
    });
    driver.inject_input(InputAction::Wheel {
        delta: WheelDelta::Lines { x: 0.0, y: -1.0 },
    });
    driver.inject_input(key("y"));
    driver.sync().expect("sync");
    let (ev, _) = wait_event(&mut a, "button", |e| matches!(e, Event::PointerButton { .. }));
    assert!(
        matches!(ev, Event::PointerButton { window, x: 40, y: 50, button: Button::Left, pressed: true, .. } if window == wa),
        "{ev:?}"
    );
    wait_event(
        &mut a,
        "wheel",
        |e| matches!(e, Event::PointerWheel { window, .. } if *window == wa),
    );
    let (ev, _) = wait_event(&mut a, "key y", |e| matches!(e, Event::Key(_)));
    assert!(
        matches!(&ev, Event::Key(k) if k.window == wa && k.text.as_deref() == Some("y")),
        "{ev:?}"
    );
    wait_event(
        &mut b,
        "focus out",
        |e| matches!(e, Event::Focus { window, focused: false } if *window == wb),
    );
    assert_no_event(&mut b, "B lost focus: no more input", is_input);

    // While the button is held, A keeps the pointer (an implicit grab, as in X11): a drag that
    // leaves A still reaches it, in A's coordinates.
    driver.inject_input(InputAction::PointerMove { x: 200, y: 60 });
    driver.sync().expect("sync");
    let (ev, _) = wait_event(&mut a, "grabbed motion", |e| {
        matches!(e, Event::PointerMotion { .. })
    });
    assert!(
        matches!(ev, Event::PointerMotion { window, x: 190, y: 50, .. } if window == wa),
        "{ev:?}"
    );
    assert_no_event(&mut b, "B is under the pointer but A holds the grab", |e| {
        matches!(e, Event::PointerMotion { .. } | Event::PointerButton { .. })
    });
    driver.inject_input(InputAction::Button {
        button: Button::Left,
        pressed: false,
    });
    driver.sync().expect("sync");
    let (ev, _) = wait_event(&mut a, "release", |e| matches!(e, Event::PointerButton { .. }));
    assert!(
        matches!(ev, Event::PointerButton { window, pressed: false, .. } if window == wa),
        "{ev:?}"
    );

    // Pointer over no window: nobody gets motion.
    driver.inject_input(InputAction::PointerMove { x: 300, y: 200 });
    driver.sync().expect("sync");
    // The grabbed drag moved the pointer over B already; leaving B now, B hears it.
    wait_event(
        &mut b,
        "leave",
        |e| matches!(e, Event::PointerLeave { window } if *window == wb),
    );
    assert_no_event(&mut a, "pointer over the background", is_input);
    assert_no_event(&mut b, "pointer over the background", is_input);
}

/// `SelectEvents` (X's `SelectInput`): a window that selects no events gets none when mapped
/// (no expose, no focus) though it still takes the focus; selecting keys again brings the keys
/// typed into it; the other window's events are untouched; another client's window is refused.
#[test]
fn select_events_chooses_what_a_window_reports() {
    let server = TestServer::start(Config {
        allow_injection: true,
        ..Config::default()
    });
    let mut a = server.connect(Transport::Unix);
    let mut other = server.connect(Transport::Tcp);
    let first = mapped_window(&mut a, Rect::new(10, 10, 100, 100));
    let quiet = a
        .create_window(Rect::new(150, 10, 100, 100), Color::WHITE)
        .expect("window");
    a.select_events(quiet, gui_client::EventMask::NONE);
    a.map_window(quiet);
    a.sync().expect("sync");
    let events = quiet_events(&mut a, "mapping a window that selects nothing");
    assert_eq!(
        events,
        [Event::Focus {
            window: first,
            focused: false
        }],
        "only the first window hears of the focus moving"
    );
    // The quiet window has the focus: a key goes to it, and is not sent.
    a.inject_input(key("q"));
    a.sync().expect("sync");
    assert_eq!(quiet_events(&mut a, "a key into the quiet window"), []);
    a.select_events(quiet, gui_client::EventMask::KEY | gui_client::EventMask::FOCUS);
    a.inject_input(key("k"));
    let (got, _) = wait_event(&mut a, "the key, selected again", |e| matches!(e, Event::Key(_)));
    assert!(
        matches!(&got, Event::Key(k) if k.window == quiet && k.text.as_deref() == Some("k")),
        "{got:?}"
    );
    // Another client cannot choose for a's window.
    other.select_events(quiet, gui_client::EventMask::NONE);
    let seq = other.last_seq();
    let err = next_request_error(&mut other);
    assert_eq!((err.seq, err.code), (seq, ErrorCode::BadWindow), "{err:?}");
    a.inject_input(key("z"));
    let (got, _) = wait_event(&mut a, "keys still selected", |e| matches!(e, Event::Key(_)));
    assert!(matches!(&got, Event::Key(k) if k.window == quiet), "{got:?}");
}

/// `CreateWindowWithEvents` (X's `CreateWindow` with an event mask): a window created selecting
/// only exposures hears its expose when mapped but not the focus it takes, one created selecting
/// nothing hears nothing, and the request is refused as `CreateWindow` is (a taken id, a size
/// over the limit), creating nothing.
#[test]
fn a_window_created_with_events_reports_only_those() {
    let server = TestServer::start(Config {
        allow_injection: true,
        ..Config::default()
    });
    let mut a = server.connect(Transport::Unix);
    let exposed = a
        .create_window_with_events(
            Rect::new(10, 10, 100, 50),
            Color::WHITE,
            gui_client::EventMask::EXPOSE,
        )
        .expect("window");
    a.map_window(exposed);
    a.sync().expect("sync");
    assert_eq!(
        quiet_events(&mut a, "mapping a window that selects exposures"),
        [Event::Expose {
            window: exposed,
            rect: Rect::new(0, 0, 100, 50)
        }],
        "the expose, and not the focus it took"
    );
    let quiet = a
        .create_window_with_events(
            Rect::new(150, 10, 100, 50),
            Color::WHITE,
            gui_client::EventMask::NONE,
        )
        .expect("window");
    a.map_window(quiet);
    a.sync().expect("sync");
    assert_eq!(quiet_events(&mut a, "mapping a window that selects nothing"), []);
    // The quiet window has the focus: a key goes to it, and is not sent.
    a.inject_input(key("q"));
    a.sync().expect("sync");
    assert_eq!(quiet_events(&mut a, "a key into the quiet window"), []);

    // Refused as CreateWindow is: the id of a live window, then a window too wide.
    a.send(&Request::CreateWindowWithEvents {
        window: quiet,
        rect: Rect::new(0, 0, 10, 10),
        background: Color::WHITE,
        events: gui_client::EventMask::ALL,
    });
    let seq = a.last_seq();
    let err = next_request_error(&mut a);
    assert_eq!((err.seq, err.code), (seq, ErrorCode::BadId), "{err:?}");
    let wide = a
        .create_window_with_events(
            Rect::new(0, 0, 100_000, 10),
            Color::WHITE,
            gui_client::EventMask::ALL,
        )
        .expect("id");
    let seq = a.last_seq();
    let err = next_request_error(&mut a);
    assert_eq!((err.seq, err.code), (seq, ErrorCode::BadValue), "{err:?}");
    let windows = a.list_windows().expect("list");
    assert_eq!(
        windows.iter().map(|w| w.id).collect::<Vec<_>>(),
        [exposed, quiet],
        "neither refused request made a window (the wide one {wide:?} is not there)"
    );
}

/// Injected input-method text reaches the focused window as `TextInput`, and an injected close
/// reaches the window's owner as `CloseRequested` (what a user's window manager would send);
/// a close of no window and text over 4096 bytes are refused.
#[test]
fn injected_text_and_close_reach_the_window_s_owner() {
    let server = TestServer::start(Config {
        allow_injection: true,
        ..Config::default()
    });
    let mut a = server.connect(Transport::Unix);
    let mut driver = server.connect(Transport::Unix);
    let w = mapped_window(&mut a, Rect::new(10, 10, 100, 100));
    driver.inject_input(InputAction::Text {
        text: "你好".into()
    });
    driver.flush().expect("flush");
    let (got, _) = wait_event(&mut a, "the text", |e| matches!(e, Event::TextInput { .. }));
    assert_eq!(
        got,
        Event::TextInput {
            window: w,
            text: "你好".into()
        }
    );
    driver.inject_input(InputAction::Close { window: w });
    driver.flush().expect("flush");
    let (got, _) = wait_event(&mut a, "the close request", |e| {
        matches!(e, Event::CloseRequested { .. })
    });
    assert_eq!(got, Event::CloseRequested { window: w });
    driver.inject_input(InputAction::Close {
        window: WindowId(0x7fff_0000),
    });
    let seq = driver.last_seq();
    let err = next_request_error(&mut driver);
    assert_eq!((err.seq, err.code), (seq, ErrorCode::BadWindow), "{err:?}");
    driver.inject_input(InputAction::Text {
        text: "x".repeat(4097),
    });
    let seq = driver.last_seq();
    let err = next_request_error(&mut driver);
    assert_eq!((err.seq, err.code), (seq, ErrorCode::BadValue), "{err:?}");
    assert_no_event(&mut a, "after the refused actions", |e| {
        matches!(e, Event::TextInput { .. } | Event::CloseRequested { .. })
    });
}
