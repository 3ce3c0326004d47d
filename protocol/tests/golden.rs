//! Golden wire bytes: the exact bytes of the handshake and of one frame of every message kind,
//! frozen in `tests/golden/*.hex`.
//!
//! **A change to any fixture is a change to the wire protocol.** Peers built from the old code
//! would misread the new bytes, so a golden change requires bumping `PROTOCOL_VERSION` in
//! `protocol/src/lib.rs` (and deciding what `MIN_PROTOCOL_VERSION` becomes) in the same change.
//! Adding a variant at the end of an enum adds a fixture without changing the others; that is the
//! only kind of change that may leave the existing fixtures alone.
//!
//! Each sample is checked both ways: encoding it must give the fixture's bytes, and decoding the
//! fixture must give the sample back.
//!
//! To (re)write the fixtures after a deliberate wire change, run
//! `DISPD_BLESS=1 cargo test -p dispd-protocol --test golden`, then read the diff.
//!
//! Fixture format: lowercase hex digits; whitespace and newlines are ignored, and so are lines
//! starting with `#`. Frames are written with the 4-byte little-endian length prefix on its own
//! line, handshake messages with the 8-byte magic on its own line.

use std::fmt::Debug;
use std::path::{Path, PathBuf};

use dispd_protocol::auth::{Secret, AUTH_HMAC};
use dispd_protocol::codec::encode_body;
use dispd_protocol::handshake::{ClientHello, ServerAnswer, Setup};
use dispd_protocol::request::ImageSource;
use dispd_protocol::{
    decode, encode_frame, BlendMode, Button, ClientId, ClientSummary, Color, Compression, CursorShape,
    DrawOp, Drawable, ErrorCode, Event, FillRule, FontFace, FontMetrics, GradientStop, IdRange, Image, Key,
    KeyEvent, LineCap, LineJoin, Modifiers, NamedKey, Paint, PathSeg, PixelFormat, Point, Rect, Reply,
    Request, RequestError, ServerInfo, ServerMessage, Size, WheelDelta, WindowId, PROTOCOL_VERSION,
};
use serde::{de::DeserializeOwned, Serialize};

/// Decodes fixture bytes and compares them with the sample; `Err` says how they differ.
type DecodeCheck = Box<dyn Fn(&[u8]) -> Result<(), String>>;

/// One frozen sample: its name (the fixture's file stem), its bytes, and a check that decodes
/// bytes back and compares them with the sample.
struct Golden {
    name: String,
    description: String,
    bytes: Vec<u8>,
    /// Where to break the first line of the fixture (after the length prefix or the magic).
    head: usize,
    decodes_back: DecodeCheck,
}

fn frame_sample<T>(name: impl Into<String>, value: T) -> Golden
where
    T: Serialize + DeserializeOwned + PartialEq + Debug + 'static,
{
    let mut bytes = Vec::new();
    encode_frame(&value, &mut bytes);
    Golden {
        name: name.into(),
        description: format!("{value:?}"),
        bytes,
        head: 4,
        decodes_back: Box::new(move |b: &[u8]| {
            let Some((prefix, body)) = b.split_first_chunk::<4>() else {
                return Err(format!("{} bytes are too few for a frame", b.len()));
            };
            let len = u32::from_le_bytes(*prefix) as usize;
            if len != body.len() {
                return Err(format!(
                    "length prefix says {len}, the body has {} bytes",
                    body.len()
                ));
            }
            match decode::<T>(body) {
                Ok(v) if v == value => Ok(()),
                Ok(v) => Err(format!("decodes to {v:?}")),
                Err(e) => Err(format!("does not decode: {e}")),
            }
        }),
    }
}

fn hello_sample(name: &str, hello: ClientHello) -> Golden {
    let bytes = hello.encode().expect("sample hello within limits");
    Golden {
        name: name.into(),
        description: format!("{hello:?}"),
        bytes,
        head: 8,
        decodes_back: Box::new(move |b: &[u8]| match ClientHello::parse(b) {
            Ok(Some((h, n))) if h == hello && n == b.len() => Ok(()),
            other => Err(format!("parses as {other:?}")),
        }),
    }
}

fn answer_sample(name: &str, answer: ServerAnswer) -> Golden {
    let bytes = answer.encode();
    Golden {
        name: name.into(),
        description: format!("{answer:?}"),
        bytes,
        head: 8,
        decodes_back: Box::new(move |b: &[u8]| match ServerAnswer::parse(b) {
            Ok(Some((a, n))) if a == answer && n == b.len() => Ok(()),
            other => Err(format!("parses as {other:?}")),
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// The samples. Never edit one in place without reblessing and bumping PROTOCOL_VERSION.
// ---------------------------------------------------------------------------------------------

const W: WindowId = WindowId(0x0020_0001);
/// An off-screen image, the next id of the same client.
const IMG: Drawable = Drawable(0x0020_0002);

/// File stem of a request's fixture. No `_` arm: a new variant needs a name, and then
/// `every_request_variant_is_frozen` asks for a sample.
fn request_fixture(r: &Request) -> &'static str {
    match r {
        Request::CreateWindow { .. } => "request_create_window",
        Request::DestroyWindow { .. } => "request_destroy_window",
        Request::MapWindow { .. } => "request_map_window",
        Request::UnmapWindow { .. } => "request_unmap_window",
        Request::ConfigureWindow { .. } => "request_configure_window",
        Request::SetTitle { .. } => "request_set_title",
        Request::Draw { .. } => "request_draw",
        Request::PutImage { .. } => "request_put_image",
        Request::GetImage {
            source: ImageSource::Screen,
            ..
        } => "request_get_image_screen",
        Request::GetImage {
            source: ImageSource::Drawable(_),
            ..
        } => "request_get_image_drawable",
        Request::Sync => "request_sync",
        Request::QueryServerInfo => "request_query_server_info",
        Request::ListWindows => "request_list_windows",
        Request::SetCursor { .. } => "request_set_cursor",
        Request::InjectInput(_) => "request_inject_input",
        Request::CreateImage { .. } => "request_create_image",
        Request::FreeImage { .. } => "request_free_image",
        Request::RequestFrame { .. } => "request_request_frame",
        Request::QueryFont { .. } => "request_query_font",
        Request::ListClients => "request_list_clients",
        Request::KillClient { .. } => "request_kill_client",
        Request::AttachShm { .. } => "request_attach_shm",
        Request::PutShmImage { .. } => "request_put_shm_image",
        Request::DetachShm { .. } => "request_detach_shm",
        Request::NoOperation => "request_no_operation",
        Request::SelectEvents { .. } => "request_select_events",
        Request::GetImageAs { .. } => "request_get_image_as",
        Request::PutShmSubImage { .. } => "request_put_shm_sub_image",
        Request::CreateWindowWithEvents { .. } => "request_create_window_with_events",
    }
}

fn golden_requests() -> Vec<Request> {
    vec![
        Request::CreateWindow {
            window: W,
            rect: Rect::new(10, -20, 640, 480),
            background: Color::rgb(0x20, 0x40, 0x60),
        },
        Request::DestroyWindow { window: W },
        Request::MapWindow { window: W },
        Request::UnmapWindow { window: W },
        Request::ConfigureWindow {
            window: W,
            rect: Rect::new(-1, 300, 800, 600),
        },
        Request::SetTitle {
            window: W,
            title: "dispd démo".into(),
        },
        Request::Draw {
            target: W.into(),
            ops: golden_draw_ops().into(),
        },
        // Two RGB pixels (ff0000, 0080ff) as one LZ4 block of 6 literals: token 0x60, then the bytes.
        Request::PutImage {
            target: W.into(),
            rect: Rect::new(4, 5, 2, 1),
            format: PixelFormat::Rgb8,
            compression: Compression::Lz4,
            data: vec![0x60, 0xff, 0x00, 0x00, 0x00, 0x80, 0xff],
        },
        Request::GetImage {
            source: ImageSource::Screen,
            rect: Rect::new(0, 0, 1920, 1080),
        },
        Request::GetImage {
            source: ImageSource::Drawable(Drawable(W.0)),
            rect: Rect::new(0, 0, 64, 32),
        },
        Request::Sync,
        Request::QueryServerInfo,
        Request::ListWindows,
        Request::SetCursor {
            window: W,
            cursor: dispd_protocol::CursorShape::Text,
        },
        Request::InjectInput(dispd_protocol::InputAction::Key {
            pressed: true,
            code: 38,
            key: Key::Character("a".into()),
            text: Some("a".into()),
            modifiers: Modifiers(Modifiers::SHIFT),
        }),
        Request::CreateImage {
            image: IMG,
            size: Size::new(64, 32),
        },
        Request::FreeImage { image: IMG },
        Request::RequestFrame { window: W },
        Request::QueryFont {
            face: FontFace::Mono,
            chars: "Hé".into(),
        },
        Request::ListClients,
        Request::KillClient {
            client: ClientId(300),
        },
        Request::AttachShm { segment: IMG.0 },
        Request::PutShmImage {
            target: W.into(),
            rect: Rect::new(2, 3, 500, 500),
            format: PixelFormat::Bgra8,
            segment: IMG.0,
            offset: 4096,
        },
        Request::DetachShm { segment: IMG.0 },
        Request::NoOperation,
        Request::SelectEvents {
            window: W,
            events: dispd_protocol::EventMask::KEY | dispd_protocol::EventMask::EXPOSE,
        },
        Request::GetImageAs {
            source: ImageSource::Drawable(Drawable(W.0)),
            rect: Rect::new(0, 0, 64, 32),
            format: PixelFormat::Bgra8,
        },
        Request::PutShmSubImage {
            target: W.into(),
            rect: Rect::new(2, 3, 100, 50),
            format: PixelFormat::Bgra8,
            segment: IMG.0,
            offset: 4096,
            stride: 2400,
        },
        Request::CreateWindowWithEvents {
            window: W,
            rect: Rect::new(100, 100, 320, 200),
            background: Color::rgb(0x20, 0x20, 0x20),
            events: dispd_protocol::EventMask::NONE,
        },
    ]
}

/// Every [`DrawOp`] variant, in one batch.
fn golden_draw_ops() -> Vec<DrawOp> {
    vec![
        DrawOp::SetColor(Color::rgba(0x11, 0x22, 0x33, 0x44)),
        DrawOp::SetLineWidth(3),
        DrawOp::SetFontSize(200),
        DrawOp::Clear,
        DrawOp::FillRect(Rect::new(1, 2, 3, 4)),
        DrawOp::Line {
            x1: -1,
            y1: 64,
            x2: 100,
            y2: -100,
        },
        DrawOp::Text {
            x: 8,
            y: 16,
            text: "Hi é".into(),
        },
        DrawOp::SetPaint(Paint::Solid(Color::rgb(0xff, 0x80, 0x00))),
        DrawOp::SetPaint(Paint::Linear {
            x0: 0.0,
            y0: 0.5,
            x1: 100.0,
            y1: -1.0,
            stops: vec![
                GradientStop {
                    offset: 0.0,
                    color: Color::BLACK,
                },
                GradientStop {
                    offset: 1.0,
                    color: Color::WHITE,
                },
            ],
        }),
        DrawOp::SetPaint(Paint::Radial {
            cx: 32.0,
            cy: 32.0,
            radius: 16.5,
            stops: vec![
                GradientStop {
                    offset: 0.0,
                    color: Color::rgba(0xff, 0, 0, 0xff),
                },
                GradientStop {
                    offset: 0.25,
                    color: Color::rgba(0, 0xff, 0, 0x80),
                },
                GradientStop {
                    offset: 1.0,
                    color: Color(0),
                },
            ],
        }),
        DrawOp::SetAntialias(true),
        DrawOp::SetAntialias(false),
        DrawOp::SetBlend(BlendMode::Copy),
        DrawOp::SetBlend(BlendMode::SourceOver),
        DrawOp::SetLineCap(LineCap::Butt),
        DrawOp::SetLineCap(LineCap::Round),
        DrawOp::SetLineCap(LineCap::Square),
        DrawOp::SetLineCap(LineCap::NotLast),
        DrawOp::SetLineJoin(LineJoin::Miter),
        DrawOp::SetLineJoin(LineJoin::Round),
        DrawOp::SetLineJoin(LineJoin::Bevel),
        DrawOp::SetDash {
            pattern: vec![4, 2, 300],
            offset: 1,
        },
        DrawOp::SetDash {
            pattern: Vec::new(),
            offset: 0,
        },
        DrawOp::SetFillRule(FillRule::NonZero),
        DrawOp::SetFillRule(FillRule::EvenOdd),
        DrawOp::SetTransform {
            sx: 2.0,
            sy: -1.0,
            tx: 0.5,
            ty: -1e6,
        },
        DrawOp::SetClip(vec![Rect::new(0, 0, 10, 10), Rect::new(-5, 20, 1, 2)]),
        DrawOp::SetClip(Vec::new()),
        DrawOp::SetFontFace(FontFace::Sans),
        DrawOp::SetFontFace(FontFace::Mono),
        DrawOp::Points(vec![Point { x: 1, y: 2 }, Point { x: -3, y: 64 }]),
        DrawOp::Polyline {
            points: vec![
                Point { x: 0, y: 0 },
                Point { x: 10, y: 0 },
                Point { x: 10, y: -10 },
            ],
            closed: true,
        },
        DrawOp::StrokeRect(Rect::new(-1, -2, 30, 40)),
        DrawOp::FillRoundRect {
            rect: Rect::new(5, 6, 70, 80),
            radius: 8,
        },
        DrawOp::StrokeRoundRect {
            rect: Rect::new(5, 6, 70, 80),
            radius: 200,
        },
        DrawOp::FillPolygon(vec![
            Point { x: 0, y: 0 },
            Point { x: 20, y: 0 },
            Point { x: 10, y: 17 },
        ]),
        DrawOp::FillPath(golden_path()),
        DrawOp::StrokePath(golden_path()),
        DrawOp::FillEllipse(Rect::new(0, 0, 64, 32)),
        DrawOp::StrokeEllipse(Rect::new(-8, -8, 16, 16)),
        DrawOp::Arc {
            rect: Rect::new(0, 0, 64, 64),
            start: 0,
            sweep: 90 * 64,
        },
        DrawOp::FillPie {
            rect: Rect::new(0, 0, 64, 64),
            start: 45 * 64,
            sweep: -180 * 64,
        },
        DrawOp::DrawImage {
            image: IMG,
            src: Rect::new(0, 0, 64, 32),
            dst: Rect::new(10, -10, 128, 64),
        },
        DrawOp::CopyArea {
            source: W.into(),
            src: Rect::new(0, 16, 640, 464),
            x: 0,
            y: 0,
        },
        DrawOp::Segments(
            [dispd_protocol::Segment {
                x1: 1,
                y1: -2,
                x2: 300,
                y2: 4,
            }]
            .into_iter()
            .collect(),
        ),
        DrawOp::FillRects(
            [dispd_protocol::SmallRect {
                x: 10,
                y: 20,
                width: 30,
                height: 40,
            }]
            .into_iter()
            .collect(),
        ),
        DrawOp::Lines(
            [
                dispd_protocol::SmallPoint { x: 1, y: 2 },
                dispd_protocol::SmallPoint { x: -3, y: 400 },
            ]
            .into_iter()
            .collect(),
        ),
        DrawOp::StrokeEllipses(
            [dispd_protocol::SmallRect {
                x: 5,
                y: 6,
                width: 10,
                height: 10,
            }]
            .into_iter()
            .collect(),
        ),
        DrawOp::FillEllipses(
            [dispd_protocol::SmallRect {
                x: -1,
                y: 0,
                width: 100,
                height: 50,
            }]
            .into_iter()
            .collect(),
        ),
    ]
}

/// Every [`PathSeg`] variant, in one path.
fn golden_path() -> Vec<PathSeg> {
    vec![
        PathSeg::MoveTo(0.5, -1e6),
        PathSeg::LineTo(10.0, 0.0),
        PathSeg::QuadTo(20.0, 0.0, 20.0, 10.25),
        PathSeg::CubicTo(20.0, 20.0, 0.0, 20.0, -0.5, 10.0),
        PathSeg::Close,
    ]
}

fn draw_op_tag(op: &DrawOp) -> u8 {
    match op {
        DrawOp::SetColor(_) => 0,
        DrawOp::SetLineWidth(_) => 1,
        DrawOp::SetFontSize(_) => 2,
        DrawOp::Clear => 3,
        DrawOp::FillRect(_) => 4,
        DrawOp::Line { .. } => 5,
        DrawOp::Text { .. } => 6,
        DrawOp::SetPaint(_) => 7,
        DrawOp::SetAntialias(_) => 8,
        DrawOp::SetBlend(_) => 9,
        DrawOp::SetLineCap(_) => 10,
        DrawOp::SetLineJoin(_) => 11,
        DrawOp::SetDash { .. } => 12,
        DrawOp::SetFillRule(_) => 13,
        DrawOp::SetTransform { .. } => 14,
        DrawOp::SetClip(_) => 15,
        DrawOp::SetFontFace(_) => 16,
        DrawOp::Points(_) => 17,
        DrawOp::Polyline { .. } => 18,
        DrawOp::StrokeRect(_) => 19,
        DrawOp::FillRoundRect { .. } => 20,
        DrawOp::StrokeRoundRect { .. } => 21,
        DrawOp::FillPolygon(_) => 22,
        DrawOp::FillPath(_) => 23,
        DrawOp::StrokePath(_) => 24,
        DrawOp::FillEllipse(_) => 25,
        DrawOp::StrokeEllipse(_) => 26,
        DrawOp::Arc { .. } => 27,
        DrawOp::FillPie { .. } => 28,
        DrawOp::DrawImage { .. } => 29,
        DrawOp::CopyArea { .. } => 30,
        DrawOp::Segments(_) => 31,
        DrawOp::FillRects(_) => 32,
        DrawOp::Lines(_) => 33,
        DrawOp::StrokeEllipses(_) => 34,
        DrawOp::FillEllipses(_) => 35,
    }
}
const DRAW_OP_VARIANTS: u8 = 36;

fn paint_tag(p: &Paint) -> u8 {
    match p {
        Paint::Solid(_) => 0,
        Paint::Linear { .. } => 1,
        Paint::Radial { .. } => 2,
    }
}
const PAINT_VARIANTS: u8 = 3;

fn path_seg_tag(s: &PathSeg) -> u8 {
    match s {
        PathSeg::MoveTo(..) => 0,
        PathSeg::LineTo(..) => 1,
        PathSeg::QuadTo(..) => 2,
        PathSeg::CubicTo(..) => 3,
        PathSeg::Close => 4,
    }
}
const PATH_SEG_VARIANTS: u8 = 5;

/// File stem of a server message's fixture; no `_` arm (see [`request_fixture`]).
fn server_message_fixture(m: &ServerMessage) -> String {
    match m {
        ServerMessage::Reply { reply, .. } => match reply {
            Reply::Sync => "server_reply_sync".into(),
            Reply::Image(_) => "server_reply_image".into(),
            Reply::ServerInfo(_) => "server_reply_server_info".into(),
            Reply::Windows(_) => "server_reply_windows".into(),
            Reply::Font(_) => "server_reply_font".into(),
            Reply::Clients(_) => "server_reply_clients".into(),
            Reply::Pixels(_) => "server_reply_pixels".into(),
        },
        ServerMessage::Error(e) => format!("server_error_{}", error_code_name(e.code)),
        ServerMessage::Event(e) => format!("server_event_{}", event_name(e)),
        ServerMessage::Goodbye { .. } => "server_goodbye".into(),
    }
}

fn error_code_name(c: ErrorCode) -> &'static str {
    match c {
        ErrorCode::BadWindow => "bad_window",
        ErrorCode::BadId => "bad_id",
        ErrorCode::BadValue => "bad_value",
        ErrorCode::BadAccess => "bad_access",
        ErrorCode::Limit => "limit",
        ErrorCode::BadDrawable => "bad_drawable",
    }
}

fn event_name(e: &Event) -> String {
    match e {
        Event::Expose { .. } => "expose".into(),
        Event::Configure { .. } => "configure".into(),
        Event::CloseRequested { .. } => "close_requested".into(),
        Event::Key(k) => match &k.key {
            Key::Named(_) => "key_named".into(),
            Key::Character(_) => "key_character".into(),
            Key::Unidentified => "key_unidentified".into(),
        },
        Event::PointerMotion { .. } => "pointer_motion".into(),
        Event::PointerButton { button, .. } => format!(
            "pointer_button_{}",
            match button {
                Button::Left => "left",
                Button::Middle => "middle",
                Button::Right => "right",
                Button::Back => "back",
                Button::Forward => "forward",
                Button::Other(_) => "other",
            }
        ),
        Event::PointerWheel { delta, .. } => match delta {
            WheelDelta::Lines { .. } => "pointer_wheel_lines".into(),
            WheelDelta::Pixels { .. } => "pointer_wheel_pixels".into(),
        },
        Event::PointerEnter { .. } => "pointer_enter".into(),
        Event::PointerLeave { .. } => "pointer_leave".into(),
        Event::Focus { .. } => "focus".into(),
        Event::TextInput { .. } => "text_input".into(),
        Event::ScaleFactor { .. } => "scale_factor".into(),
        Event::FrameDone { .. } => "frame_done".into(),
    }
}

fn golden_server_messages() -> Vec<ServerMessage> {
    let mut v = vec![
        ServerMessage::Reply {
            seq: 7,
            reply: Reply::Sync,
        },
        ServerMessage::Reply {
            seq: 300,
            reply: Reply::Image(Image {
                width: 2,
                height: 1,
                data: vec![0x10, 0x20, 0x30, 0xff, 0x40, 0x50, 0x60, 0xff],
            }),
        },
        ServerMessage::Reply {
            seq: 301,
            reply: Reply::Pixels(dispd_protocol::Pixels {
                width: 2,
                height: 1,
                format: PixelFormat::Bgra8,
                data: vec![0x30, 0x20, 0x10, 0xff, 0x30, 0x28, 0x20, 0x80],
            }),
        },
        ServerMessage::Reply {
            seq: 1,
            reply: Reply::ServerInfo(ServerInfo {
                name: "dispd".into(),
                version: "0.1.0".into(),
                protocol_version: 4,
                screen: Size::new(1920, 1080),
                backend: "headless".into(),
                clients: 2,
                windows: 5,
                listening: vec!["/tmp/.dispd-unix/D0".into(), "0.0.0.0:7300".into()],
            }),
        },
        ServerMessage::Reply {
            seq: 2,
            reply: Reply::Windows(vec![dispd_protocol::WindowInfo {
                id: W,
                owner: dispd_protocol::ClientId(1),
                title: "hello".into(),
                rect: Rect::new(100, 100, 480, 240),
                mapped: true,
            }]),
        },
        // Advances of "Hé" in the mono face; dyadic fractions, so the bytes are easy to read.
        ServerMessage::Reply {
            seq: 3,
            reply: Reply::Font(FontMetrics {
                ascent: 0.75,
                descent: 0.25,
                line_gap: 0.0,
                advances: vec![0.5, 0.625],
            }),
        },
        ServerMessage::Reply {
            seq: 4,
            reply: Reply::Clients(vec![
                ClientSummary {
                    id: ClientId(1),
                    peer: "local pid 42 uid 1000".into(),
                    trusted: true,
                    windows: 2,
                    requests: 300,
                },
                ClientSummary {
                    id: ClientId(2),
                    peer: "10.0.0.7:40000".into(),
                    trusted: false,
                    windows: 0,
                    requests: 1,
                },
            ]),
        },
    ];
    let codes = [
        ErrorCode::BadWindow,
        ErrorCode::BadId,
        ErrorCode::BadValue,
        ErrorCode::BadAccess,
        ErrorCode::Limit,
        ErrorCode::BadDrawable,
    ];
    v.extend(codes.into_iter().map(|code| {
        ServerMessage::Error(RequestError {
            seq: 42,
            code,
            message: "no such window 0x200001".into(),
        })
    }));
    let shift_ctrl = Modifiers(Modifiers::SHIFT | Modifiers::CONTROL);
    let events = vec![
        Event::Expose {
            window: W,
            rect: Rect::new(0, 0, 640, 480),
        },
        Event::Configure {
            window: W,
            rect: Rect::new(-10, 30, 800, 600),
        },
        Event::CloseRequested { window: W },
        Event::Key(KeyEvent {
            window: W,
            pressed: true,
            repeat: false,
            code: 36,
            key: Key::Named(NamedKey::Enter),
            text: Some("\r".into()),
            modifiers: Modifiers::default(),
        }),
        Event::Key(KeyEvent {
            window: W,
            pressed: false,
            repeat: true,
            code: 38,
            key: Key::Character("é".into()),
            text: Some("é".into()),
            modifiers: Modifiers(Modifiers::ALT),
        }),
        Event::Key(KeyEvent {
            window: W,
            pressed: true,
            repeat: false,
            code: 0,
            key: Key::Unidentified,
            text: None,
            modifiers: shift_ctrl,
        }),
        Event::PointerMotion {
            window: W,
            x: 100,
            y: -3,
            modifiers: shift_ctrl,
        },
        Event::PointerButton {
            window: W,
            x: 1,
            y: 2,
            button: Button::Left,
            pressed: true,
            modifiers: Modifiers::default(),
        },
        Event::PointerButton {
            window: W,
            x: 1,
            y: 2,
            button: Button::Middle,
            pressed: false,
            modifiers: Modifiers::default(),
        },
        Event::PointerButton {
            window: W,
            x: 1,
            y: 2,
            button: Button::Right,
            pressed: true,
            modifiers: Modifiers::default(),
        },
        Event::PointerButton {
            window: W,
            x: 1,
            y: 2,
            button: Button::Back,
            pressed: true,
            modifiers: Modifiers::default(),
        },
        Event::PointerButton {
            window: W,
            x: 1,
            y: 2,
            button: Button::Forward,
            pressed: true,
            modifiers: Modifiers::default(),
        },
        Event::PointerButton {
            window: W,
            x: 1,
            y: 2,
            button: Button::Other(300),
            pressed: true,
            modifiers: Modifiers(Modifiers::SUPER),
        },
        Event::PointerWheel {
            window: W,
            delta: WheelDelta::Lines { x: 0.0, y: 1.0 },
            modifiers: Modifiers::default(),
        },
        Event::PointerWheel {
            window: W,
            delta: WheelDelta::Pixels { x: -2.5, y: 40.25 },
            modifiers: Modifiers(Modifiers::CONTROL),
        },
        Event::PointerEnter {
            window: W,
            x: 5,
            y: 6,
        },
        Event::PointerLeave { window: W },
        Event::Focus {
            window: W,
            focused: true,
        },
        Event::TextInput {
            window: W,
            text: "中文".into(),
        },
        Event::ScaleFactor {
            window: W,
            milli: 1500,
        },
        Event::FrameDone { window: W, msec: 16 },
    ];
    v.extend(events.into_iter().map(ServerMessage::Event));
    v.push(ServerMessage::Goodbye {
        reason: "the server is shutting down".into(),
    });
    v
}

fn golden_setup() -> Setup {
    Setup {
        server_name: "dispd".into(),
        server_version: "0.1.0".into(),
        client_id: ClientId(3),
        screen: Size::new(1920, 1080),
        ids: IdRange {
            base: 0x0020_0000,
            count: 0x0010_0000,
        },
        max_frame_len: 16 << 20,
    }
}

/// The secret, nonce and time of the golden hello: fixed, so that the proof is frozen too and a
/// client in another language can check its HMAC against `hello.hex` (docs/PROTOCOL.md does).
const GOLDEN_SECRET: [u8; 32] = [7; 32];
const GOLDEN_NONCE: [u8; 16] = [1; 16];
const GOLDEN_TIME: u64 = 1_700_000_000;

/// A hello proving [`GOLDEN_SECRET`] with the `dispd-hmac-sha256` method.
fn golden_hmac_hello() -> ClientHello {
    let data = Secret::from_bytes(GOLDEN_SECRET).respond(GOLDEN_NONCE, GOLDEN_TIME);
    ClientHello::new(AUTH_HMAC, &data)
}

fn golden_samples() -> Vec<Golden> {
    let mut v = vec![
        hello_sample("hello", golden_hmac_hello()),
        hello_sample("hello_no_auth", ClientHello::new("", b"")),
        answer_sample(
            "answer_accepted",
            ServerAnswer::Accepted {
                version: 4,
                setup: golden_setup(),
            },
        ),
        answer_sample(
            "answer_refused",
            ServerAnswer::Refused {
                version: 4,
                reason: "wrong secret".into(),
            },
        ),
    ];
    v.extend(
        golden_requests()
            .into_iter()
            .map(|r| frame_sample(request_fixture(&r), r)),
    );
    v.extend(
        golden_server_messages()
            .into_iter()
            .map(|m| frame_sample(server_message_fixture(&m), m)),
    );
    v
}

// ---------------------------------------------------------------------------------------------
// Fixture files.
// ---------------------------------------------------------------------------------------------

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("golden")
}

fn blessing() -> bool {
    std::env::var_os("DISPD_BLESS").is_some_and(|v| v == "1")
}

/// Reads hex digits, skipping whitespace and `#` comment lines.
fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = text
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .flat_map(|line| line.bytes())
        .filter(|b| !b.is_ascii_whitespace())
        .map(|b| match b {
            b'0'..=b'9' => Ok(b - b'0'),
            b'a'..=b'f' => Ok(b - b'a' + 10),
            _ => Err(format!("`{}` is not a lowercase hex digit", b as char)),
        })
        .collect::<Result<_, _>>()?;
    if digits.len() % 2 != 0 {
        return Err(format!("odd number of hex digits ({})", digits.len()));
    }
    Ok(digits.chunks(2).map(|p| p[0] << 4 | p[1]).collect())
}

fn hex_line(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The fixture text for a sample: comments, the head on its own line, then 16 bytes a line.
fn render(g: &Golden) -> String {
    let mut out = format!(
        "# {}\n# {} bytes. Frozen wire bytes: a change here is a protocol change (bump PROTOCOL_VERSION).\n\
         # Written by `DISPD_BLESS=1 cargo test -p dispd-protocol --test golden`.\n",
        g.description,
        g.bytes.len()
    );
    let head = g.head.min(g.bytes.len());
    out.push_str(&hex_line(&g.bytes[..head]));
    out.push('\n');
    for line in g.bytes[head..].chunks(16) {
        let groups: Vec<String> = line.chunks(4).map(hex_line).collect();
        out.push_str(&groups.join(" "));
        out.push('\n');
    }
    out
}

#[test]
fn wire_bytes_match_the_fixtures() {
    let dir = golden_dir();
    let samples = golden_samples();
    let bless = blessing();
    if bless {
        std::fs::create_dir_all(&dir).expect("create tests/golden");
    }

    let mut failures = Vec::new();
    for g in &samples {
        let path = dir.join(format!("{}.hex", g.name));
        if bless {
            if let Err(e) = (g.decodes_back)(&g.bytes) {
                failures.push(format!("{}: the sample does not decode back: {e}", g.name));
            }
            std::fs::write(&path, render(g)).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
            continue;
        }
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                failures.push(format!(
                    "{}: cannot read {} ({e}); a new sample needs `DISPD_BLESS=1`",
                    g.name,
                    path.display()
                ));
                continue;
            }
        };
        let fixture = match parse_hex(&text) {
            Ok(b) => b,
            Err(e) => {
                failures.push(format!("{}: bad fixture: {e}", g.name));
                continue;
            }
        };
        if fixture != g.bytes {
            failures.push(format!(
                "{}: the encoding changed\n    fixture: {}\n    now:     {}",
                g.name,
                hex_line(&fixture),
                hex_line(&g.bytes)
            ));
        }
        if let Err(e) = (g.decodes_back)(&fixture) {
            failures.push(format!(
                "{}: the fixture no longer decodes to the sample: {e}",
                g.name
            ));
        }
    }

    // Fixtures without a sample: a sample was renamed or dropped.
    let names: Vec<&str> = samples.iter().map(|g| g.name.as_str()).collect();
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.extension().is_none_or(|e| e != "hex") {
            continue;
        }
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        if !names.contains(&stem) {
            if bless {
                std::fs::remove_file(&path).unwrap_or_else(|e| panic!("remove {}: {e}", path.display()));
            } else {
                failures.push(format!("{}: fixture without a sample", path.display()));
            }
        }
    }

    assert!(
        failures.is_empty(),
        "{} golden mismatch(es). If the wire change is deliberate, bump PROTOCOL_VERSION and rebless \
         with DISPD_BLESS=1.\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn protocol_version_is_the_blessed_one() {
    assert_eq!(
        PROTOCOL_VERSION, 8,
        "PROTOCOL_VERSION changed: the golden fixtures were blessed at version 8. Bump the version and \
         rebless (DISPD_BLESS=1 cargo test -p dispd-protocol --test golden) together, then update this \
         number"
    );
}

#[test]
fn sample_names_are_unique() {
    let samples = golden_samples();
    let mut names: Vec<&str> = samples.iter().map(|g| g.name.as_str()).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "two golden samples share a fixture name");
}

#[test]
fn every_request_variant_is_frozen() {
    let frozen: Vec<&str> = golden_requests().iter().map(request_fixture).collect();
    // One value per fixture name; the names come from an exhaustive match.
    let all = [
        "request_create_window",
        "request_destroy_window",
        "request_map_window",
        "request_unmap_window",
        "request_configure_window",
        "request_set_title",
        "request_draw",
        "request_put_image",
        "request_get_image_screen",
        "request_get_image_drawable",
        "request_sync",
        "request_query_server_info",
        "request_list_windows",
        "request_set_cursor",
        "request_inject_input",
        "request_create_image",
        "request_free_image",
        "request_request_frame",
        "request_query_font",
        "request_list_clients",
        "request_kill_client",
        "request_attach_shm",
        "request_put_shm_image",
        "request_detach_shm",
        "request_no_operation",
        "request_select_events",
        "request_get_image_as",
        "request_put_shm_sub_image",
        "request_create_window_with_events",
    ];
    for name in all {
        assert!(frozen.contains(&name), "no golden sample for {name}");
    }
    assert_eq!(
        frozen.len(),
        all.len(),
        "request fixture names are missing from the list above"
    );

    // The draw batch holds every op, and each op's first byte is its tag.
    let ops = golden_draw_ops();
    let tags: Vec<u8> = ops.iter().map(draw_op_tag).collect();
    for t in 0..DRAW_OP_VARIANTS {
        assert!(
            tags.contains(&t),
            "the golden draw batch lacks the op with tag {t}"
        );
    }
    for op in &ops {
        assert_eq!(encode_body(op)[0], draw_op_tag(op), "{op:?}");
    }

    // ... every paint, inside SetPaint ...
    let paints: Vec<&Paint> = ops
        .iter()
        .filter_map(|op| match op {
            DrawOp::SetPaint(p) => Some(p),
            _ => None,
        })
        .collect();
    for t in 0..PAINT_VARIANTS {
        assert!(
            paints.iter().any(|p| paint_tag(p) == t),
            "the golden draw batch lacks the paint with tag {t}"
        );
    }
    for p in paints {
        assert_eq!(encode_body(p)[0], paint_tag(p), "{p:?}");
    }

    // ... and every path segment, inside both FillPath and StrokePath.
    for fill in [true, false] {
        let segs: Vec<&PathSeg> = ops
            .iter()
            .filter_map(|op| match op {
                DrawOp::FillPath(s) if fill => Some(s),
                DrawOp::StrokePath(s) if !fill => Some(s),
                _ => None,
            })
            .flatten()
            .collect();
        for t in 0..PATH_SEG_VARIANTS {
            assert!(
                segs.iter().any(|s| path_seg_tag(s) == t),
                "the golden {} lacks the segment with tag {t}",
                if fill { "FillPath" } else { "StrokePath" }
            );
        }
        for s in segs {
            assert_eq!(encode_body(s)[0], path_seg_tag(s), "{s:?}");
        }
    }
}

#[test]
fn every_server_message_kind_is_frozen() {
    let frozen: Vec<String> = golden_server_messages()
        .iter()
        .map(server_message_fixture)
        .collect();
    let mut expected: Vec<String> = vec![
        "server_reply_sync".into(),
        "server_reply_image".into(),
        "server_reply_server_info".into(),
        "server_reply_windows".into(),
        "server_reply_font".into(),
        "server_reply_clients".into(),
        "server_reply_pixels".into(),
        "server_goodbye".into(),
    ];
    for c in [
        "bad_window",
        "bad_id",
        "bad_value",
        "bad_access",
        "limit",
        "bad_drawable",
    ] {
        expected.push(format!("server_error_{c}"));
    }
    for e in [
        "expose",
        "configure",
        "close_requested",
        "key_named",
        "key_character",
        "key_unidentified",
        "pointer_motion",
        "pointer_button_left",
        "pointer_button_middle",
        "pointer_button_right",
        "pointer_button_back",
        "pointer_button_forward",
        "pointer_button_other",
        "pointer_wheel_lines",
        "pointer_wheel_pixels",
        "pointer_enter",
        "pointer_leave",
        "focus",
        "text_input",
        "scale_factor",
        "frame_done",
    ] {
        expected.push(format!("server_event_{e}"));
    }
    for name in &expected {
        assert!(frozen.contains(name), "no golden sample for {name}");
    }
    assert_eq!(
        frozen.len(),
        expected.len(),
        "server fixture names are missing from the list above"
    );
}

/// Named keys are one byte each on the wire: their position in the enum. Reordering them would be a
/// silent wire change that the `server_event_key_named` fixture alone would not catch.
#[test]
fn named_key_tags_are_frozen() {
    use NamedKey::*;
    let tags = [
        (Enter, 0u8),
        (Tab, 1),
        (Space, 2),
        (Backspace, 3),
        (Escape, 4),
        (Delete, 5),
        (Insert, 6),
        (Home, 7),
        (End, 8),
        (PageUp, 9),
        (PageDown, 10),
        (ArrowLeft, 11),
        (ArrowRight, 12),
        (ArrowUp, 13),
        (ArrowDown, 14),
        (Shift, 15),
        (Control, 16),
        (Alt, 17),
        (AltGraph, 18),
        (Super, 19),
        (CapsLock, 20),
        (NumLock, 21),
        (F1, 22),
        (F2, 23),
        (F3, 24),
        (F4, 25),
        (F5, 26),
        (F6, 27),
        (F7, 28),
        (F8, 29),
        (F9, 30),
        (F10, 31),
        (F11, 32),
        (F12, 33),
        (PrintScreen, 34),
        (Pause, 35),
        (ContextMenu, 36),
        (Dead, 37),
    ];
    for (key, tag) in tags {
        assert_eq!(dispd_protocol::codec::encode_body(&key), [tag], "{key:?}");
        assert_eq!(decode::<NamedKey>(&[tag]).unwrap(), key);
    }
    assert!(
        decode::<NamedKey>(&[tags.len() as u8]).is_err(),
        "a NamedKey was added: freeze its tag"
    );
}

/// The enums without data are one byte each on the wire, their position in the enum; most appear in
/// one fixture with one value only, so their tags are frozen here (as the named keys' are above).
#[test]
fn small_enum_tags_are_frozen() {
    fn check<T: Serialize + DeserializeOwned + PartialEq + Debug>(what: &str, tags: &[(T, u8)]) {
        for (value, tag) in tags {
            assert_eq!(encode_body(value), [*tag], "{what}: {value:?}");
            assert_eq!(&decode::<T>(&[*tag]).unwrap(), value, "{what}: tag {tag}");
        }
        assert!(
            decode::<T>(&[tags.len() as u8]).is_err(),
            "a {what} variant was added: freeze its tag"
        );
    }
    check("BlendMode", &[(BlendMode::SourceOver, 0), (BlendMode::Copy, 1)]);
    check(
        "LineCap",
        &[
            (LineCap::Butt, 0),
            (LineCap::Round, 1),
            (LineCap::Square, 2),
            (LineCap::NotLast, 3),
        ],
    );
    check(
        "LineJoin",
        &[(LineJoin::Miter, 0), (LineJoin::Round, 1), (LineJoin::Bevel, 2)],
    );
    check("FillRule", &[(FillRule::NonZero, 0), (FillRule::EvenOdd, 1)]);
    check(
        "FontFace",
        &[(FontFace::Sans, 0), (FontFace::Mono, 1), (FontFace::Fixed, 2)],
    );
    check(
        "PixelFormat",
        &[
            (PixelFormat::Rgba8, 0),
            (PixelFormat::Rgb8, 1),
            (PixelFormat::Bgra8, 2),
        ],
    );
    check("Compression", &[(Compression::None, 0), (Compression::Lz4, 1)]);
    check(
        "CursorShape",
        &[
            (CursorShape::Default, 0),
            (CursorShape::Text, 1),
            (CursorShape::Pointer, 2),
            (CursorShape::Crosshair, 3),
            (CursorShape::Move, 4),
            (CursorShape::ResizeHorizontal, 5),
            (CursorShape::ResizeVertical, 6),
            (CursorShape::Wait, 7),
            (CursorShape::NotAllowed, 8),
            (CursorShape::Hidden, 9),
        ],
    );
}

/// The bytes of the golden sample `name`.
fn fixture_bytes(name: &str) -> Vec<u8> {
    golden_samples()
        .into_iter()
        .find(|g| g.name == name)
        .unwrap_or_else(|| panic!("no sample {name}"))
        .bytes
}

/// Sanity checks of the bytes themselves, worked out by hand from the postcard format.
#[test]
fn hand_checked_bytes() {
    let sync = golden_samples()
        .into_iter()
        .find(|g| g.name == "request_sync")
        .expect("sync sample");
    assert_eq!(sync.bytes, [0x01, 0x00, 0x00, 0x00, 0x09]);

    let hello = ClientHello::new("dispd-secret", b"abc").encode().expect("hello");
    let mut expected = b"DISPD\0\r\n".to_vec();
    // min and max version 8, little-endian u16s, then the name's length.
    expected.extend_from_slice(&[8, 0, 8, 0, 12]);
    expected.extend_from_slice(b"dispd-secret");
    expected.extend_from_slice(&[3, 0]);
    expected.extend_from_slice(b"abc");
    assert_eq!(hello, expected);

    // The HMAC proof, checked against an independent implementation (Python's `hmac`):
    // HMAC-SHA256(key = 32 x 0x07, "dispd-auth-v1" | 16 x 0x01 | 1700000000 as u64 LE).
    let hmac_hello = fixture_bytes("hello");
    let mut expected = b"DISPD\0\r\n".to_vec();
    expected.extend_from_slice(&[8, 0, 8, 0, 17]);
    expected.extend_from_slice(b"dispd-hmac-sha256");
    expected.extend_from_slice(&[56, 0]);
    expected.extend_from_slice(&[1; 16]);
    expected.extend_from_slice(&[0x00, 0xf1, 0x53, 0x65, 0, 0, 0, 0]);
    expected.extend_from_slice(&[
        0x10, 0x98, 0x19, 0xa9, 0xaa, 0xca, 0x0b, 0xf4, 0x47, 0xeb, 0xf9, 0xad, 0x80, 0xbf, 0x4f, 0x5a, 0x24,
        0x21, 0x20, 0x58, 0x1f, 0x99, 0x1c, 0xe1, 0x2f, 0x64, 0x02, 0x73, 0x40, 0x00, 0xc3, 0xf0,
    ]);
    assert_eq!(hmac_hello, expected);

    let refused = ServerAnswer::Refused {
        version: 4,
        reason: "wrong secret".into(),
    }
    .encode();
    let mut expected = b"DISPD\0\r\n".to_vec();
    expected.extend_from_slice(&[1, 4, 0, 12, 0, 0, 0]);
    expected.extend_from_slice(b"wrong secret");
    assert_eq!(refused, expected);

    // MapWindow (tag 2) of window 0x200001: varint 81 80 80 01.
    let mut map = Vec::new();
    encode_frame(&Request::MapWindow { window: W }, &mut map);
    assert_eq!(map, [5, 0, 0, 0, 2, 0x81, 0x80, 0x80, 0x01]);

    let fixture = fixture_bytes;

    // RequestFrame is the 17th Request variant (tag 16 = 0x10), then the window as a varint.
    assert_eq!(
        fixture("request_request_frame"),
        [5, 0, 0, 0, 0x10, 0x81, 0x80, 0x80, 0x01]
    );

    // FreeImage (tag 15) of image 0x200002.
    assert_eq!(
        fixture("request_free_image"),
        [5, 0, 0, 0, 0x0f, 0x82, 0x80, 0x80, 0x01]
    );

    // QueryFont (tag 17), face Mono (1), then "Hé": 3 UTF-8 bytes.
    assert_eq!(
        fixture("request_query_font"),
        [6, 0, 0, 0, 0x11, 1, 3, b'H', 0xc3, 0xa9]
    );

    // PutImage (tag 7) on 0x200001, rect (4, 5, 2, 1) with zigzag i32s (8, 10), format Rgb8 (1),
    // compression Lz4 (1), then 7 bytes of data behind their length: a 19-byte body.
    assert_eq!(
        fixture("request_put_image"),
        [
            19, 0, 0, 0, 7, 0x81, 0x80, 0x80, 0x01, 8, 10, 2, 1, 1, 1, 7, 0x60, 0xff, 0x00, 0x00, 0x00, 0x80,
            0xff
        ]
    );

    // Reply (tag 0), seq 3, Font (tag 4): three f32s as their little-endian bits (0.75 is
    // 0x3f400000, 0.25 is 0x3e800000), then 2 advances, 0.5 (0x3f000000) and 0.625 (0x3f200000).
    assert_eq!(
        fixture("server_reply_font"),
        [
            24, 0, 0, 0, 0, 3, 4, 0, 0, 0x40, 0x3f, 0, 0, 0x80, 0x3e, 0, 0, 0, 0, 2, 0, 0, 0, 0x3f, 0, 0,
            0x20, 0x3f
        ]
    );

    // Event (tag 2), FrameDone (tag 12), window 0x200001, msec 16.
    assert_eq!(
        fixture("server_event_frame_done"),
        [7, 0, 0, 0, 2, 12, 0x81, 0x80, 0x80, 0x01, 16]
    );

    // ListClients is the 19th Request variant (tag 18 = 0x12) and has no fields.
    assert_eq!(fixture("request_list_clients"), [1, 0, 0, 0, 0x12]);

    // KillClient (tag 19 = 0x13) of client 300: varint ac 02 (300 = 0b10_0101100).
    assert_eq!(fixture("request_kill_client"), [3, 0, 0, 0, 0x13, 0xac, 0x02]);

    // NoOperation (tag 23 = 0x17): 5 bytes in all, X's is 4.
    assert_eq!(fixture("request_no_operation"), [1, 0, 0, 0, 0x17]);

    // DetachShm (tag 22 = 0x16) of segment 0x200002: varint 82 80 80 01.
    assert_eq!(
        fixture("request_detach_shm"),
        [5, 0, 0, 0, 0x16, 0x82, 0x80, 0x80, 0x01]
    );

    // Reply (tag 0), seq 4, Clients (tag 5), 2 summaries. The first: id 1, peer (21 bytes),
    // trusted true, 2 windows, 300 requests (a u64 varint, ac 02).
    let clients = fixture("server_reply_clients");
    let mut expected = vec![0u8, 4, 5, 2, 1, 21];
    expected.extend_from_slice(b"local pid 42 uid 1000");
    expected.extend_from_slice(&[1, 2, 0xac, 0x02]);
    // The second: id 2, peer (14 bytes), trusted false, 0 windows, 1 request.
    expected.extend_from_slice(&[2, 14]);
    expected.extend_from_slice(b"10.0.0.7:40000");
    expected.extend_from_slice(&[0, 0, 1]);
    assert_eq!(clients[..4], (expected.len() as u32).to_le_bytes());
    assert_eq!(clients[4..], expected[..]);

    // ServerInfo ends with the listening addresses: a count, then each string.
    let info = fixture("server_reply_server_info");
    let mut tail = vec![2u8, 19];
    tail.extend_from_slice(b"/tmp/.dispd-unix/D0");
    tail.push(12);
    tail.extend_from_slice(b"0.0.0.0:7300");
    assert!(info.ends_with(&tail), "{info:02x?}");

    // A path segment: MoveTo (tag 0), 0.5 (0x3f000000), -1e6 (0xc9742400).
    assert_eq!(
        encode_body(&PathSeg::MoveTo(0.5, -1e6)),
        [0, 0, 0, 0, 0x3f, 0x00, 0x24, 0x74, 0xc9]
    );
}

#[test]
fn hex_loader_ignores_comments_and_whitespace() {
    assert_eq!(
        parse_hex("# comment 12\n  01 0a\n\tff\n#ab\n").unwrap(),
        [0x01, 0x0a, 0xff]
    );
    assert!(parse_hex("0").is_err());
    assert!(parse_hex("zz").is_err());
    assert!(parse_hex("AB").is_err());
}
