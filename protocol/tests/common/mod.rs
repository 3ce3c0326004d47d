//! Sample values of every protocol enum variant, shared by `roundtrip.rs` and `hostile.rs`.
//!
//! Completeness is enforced by the `*_index` functions: each is a `match` without a `_` arm, so
//! adding a variant to the protocol breaks compilation here until it gets an index (and the
//! matching `*_VARIANTS` count is raised), and `roundtrip.rs` then fails until a sample of the
//! new variant exists.
//!
//! These samples are free to change. The frozen wire bytes live in `golden.rs`, with their own
//! samples.

#![allow(dead_code)] // each test crate uses its own subset

use dispd_protocol::handshake::{ClientHello, ServerAnswer, Setup};
use dispd_protocol::request::ImageSource;
use dispd_protocol::{
    BlendMode, Button, ClientId, ClientSummary, Color, Compression, DrawOp, Drawable, ErrorCode, Event,
    FillRule, FontFace, FontMetrics, GradientStop, IdRange, Image, Key, KeyEvent, LineCap, LineJoin,
    Modifiers, NamedKey, Paint, PathSeg, PixelFormat, Point, Rect, Reply, Request, RequestError, ServerInfo,
    ServerMessage, Size, WheelDelta, WindowId,
};
use dispd_protocol::{CursorShape, InputAction, Packed, Segment, SmallPoint, SmallRect};

// ---------------------------------------------------------------------------------------------
// Variant indices: one `match` per enum, no `_` arm.
// ---------------------------------------------------------------------------------------------

/// Number of [`Request`] variants; keep in step with [`request_index`].
pub const REQUEST_VARIANTS: usize = 28;

pub fn request_index(r: &Request) -> usize {
    match r {
        Request::CreateWindow { .. } => 0,
        Request::DestroyWindow { .. } => 1,
        Request::MapWindow { .. } => 2,
        Request::UnmapWindow { .. } => 3,
        Request::ConfigureWindow { .. } => 4,
        Request::SetTitle { .. } => 5,
        Request::Draw { .. } => 6,
        Request::PutImage { .. } => 7,
        Request::GetImage { .. } => 8,
        Request::Sync => 9,
        Request::QueryServerInfo => 10,
        Request::ListWindows => 11,
        Request::SetCursor { .. } => 12,
        Request::InjectInput(_) => 13,
        Request::CreateImage { .. } => 14,
        Request::FreeImage { .. } => 15,
        Request::RequestFrame { .. } => 16,
        Request::QueryFont { .. } => 17,
        Request::ListClients => 18,
        Request::KillClient { .. } => 19,
        Request::AttachShm { .. } => 20,
        Request::PutShmImage { .. } => 21,
        Request::DetachShm { .. } => 22,
        Request::NoOperation => 23,
        Request::SelectEvents { .. } => 24,
        Request::GetImageAs { .. } => 25,
        Request::PutShmSubImage { .. } => 26,
        Request::CreateWindowWithEvents { .. } => 27,
    }
}

/// Number of [`DrawOp`] variants; keep in step with [`draw_op_index`].
pub const DRAW_OP_VARIANTS: usize = 36;

pub fn draw_op_index(op: &DrawOp) -> usize {
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

/// Number of [`Paint`] variants; keep in step with [`paint_index`].
pub const PAINT_VARIANTS: usize = 3;

pub fn paint_index(p: &Paint) -> usize {
    match p {
        Paint::Solid(_) => 0,
        Paint::Linear { .. } => 1,
        Paint::Radial { .. } => 2,
    }
}

/// Number of [`BlendMode`] variants; keep in step with [`blend_mode_index`].
pub const BLEND_MODE_VARIANTS: usize = 2;

pub fn blend_mode_index(b: BlendMode) -> usize {
    match b {
        BlendMode::SourceOver => 0,
        BlendMode::Copy => 1,
    }
}

/// Number of [`LineCap`] variants; keep in step with [`line_cap_index`].
pub const LINE_CAP_VARIANTS: usize = 4;

pub fn line_cap_index(c: LineCap) -> usize {
    match c {
        LineCap::Butt => 0,
        LineCap::Round => 1,
        LineCap::Square => 2,
        LineCap::NotLast => 3,
    }
}

/// Number of [`LineJoin`] variants; keep in step with [`line_join_index`].
pub const LINE_JOIN_VARIANTS: usize = 3;

pub fn line_join_index(j: LineJoin) -> usize {
    match j {
        LineJoin::Miter => 0,
        LineJoin::Round => 1,
        LineJoin::Bevel => 2,
    }
}

/// Number of [`FillRule`] variants; keep in step with [`fill_rule_index`].
pub const FILL_RULE_VARIANTS: usize = 2;

pub fn fill_rule_index(r: FillRule) -> usize {
    match r {
        FillRule::NonZero => 0,
        FillRule::EvenOdd => 1,
    }
}

/// Number of [`FontFace`] variants; keep in step with [`font_face_index`].
pub const FONT_FACE_VARIANTS: usize = 3;

pub fn font_face_index(f: FontFace) -> usize {
    match f {
        FontFace::Sans => 0,
        FontFace::Mono => 1,
        FontFace::Fixed => 2,
    }
}

/// Number of [`PathSeg`] variants; keep in step with [`path_seg_index`].
pub const PATH_SEG_VARIANTS: usize = 5;

pub fn path_seg_index(s: PathSeg) -> usize {
    match s {
        PathSeg::MoveTo(..) => 0,
        PathSeg::LineTo(..) => 1,
        PathSeg::QuadTo(..) => 2,
        PathSeg::CubicTo(..) => 3,
        PathSeg::Close => 4,
    }
}

/// Number of [`PixelFormat`] variants; keep in step with [`pixel_format_index`].
pub const PIXEL_FORMAT_VARIANTS: usize = 3;

pub fn pixel_format_index(f: PixelFormat) -> usize {
    match f {
        PixelFormat::Rgba8 => 0,
        PixelFormat::Rgb8 => 1,
        PixelFormat::Bgra8 => 2,
    }
}

/// Number of [`Compression`] variants; keep in step with [`compression_index`].
pub const COMPRESSION_VARIANTS: usize = 2;

pub fn compression_index(c: Compression) -> usize {
    match c {
        Compression::None => 0,
        Compression::Lz4 => 1,
    }
}

/// Number of [`ServerMessage`] variants; keep in step with [`server_message_index`].
pub const SERVER_MESSAGE_VARIANTS: usize = 4;

pub fn server_message_index(m: &ServerMessage) -> usize {
    match m {
        ServerMessage::Reply { .. } => 0,
        ServerMessage::Error(_) => 1,
        ServerMessage::Event(_) => 2,
        ServerMessage::Goodbye { .. } => 3,
    }
}

/// Number of [`Reply`] variants; keep in step with [`reply_index`].
pub const REPLY_VARIANTS: usize = 7;

pub fn reply_index(r: &Reply) -> usize {
    match r {
        Reply::Sync => 0,
        Reply::Image(_) => 1,
        Reply::ServerInfo(_) => 2,
        Reply::Windows(_) => 3,
        Reply::Font(_) => 4,
        Reply::Clients(_) => 5,
        Reply::Pixels(_) => 6,
    }
}

/// Number of [`Event`] variants; keep in step with [`event_index`].
pub const EVENT_VARIANTS: usize = 13;

pub fn event_index(e: &Event) -> usize {
    match e {
        Event::Expose { .. } => 0,
        Event::Configure { .. } => 1,
        Event::CloseRequested { .. } => 2,
        Event::Key(_) => 3,
        Event::PointerMotion { .. } => 4,
        Event::PointerButton { .. } => 5,
        Event::PointerWheel { .. } => 6,
        Event::PointerEnter { .. } => 7,
        Event::PointerLeave { .. } => 8,
        Event::Focus { .. } => 9,
        Event::TextInput { .. } => 10,
        Event::ScaleFactor { .. } => 11,
        Event::FrameDone { .. } => 12,
    }
}

/// Number of [`Key`] variants; keep in step with [`key_index`].
pub const KEY_VARIANTS: usize = 3;

pub fn key_index(k: &Key) -> usize {
    match k {
        Key::Named(_) => 0,
        Key::Character(_) => 1,
        Key::Unidentified => 2,
    }
}

/// Number of [`NamedKey`] variants; keep in step with [`named_key_index`].
pub const NAMED_KEY_VARIANTS: usize = 38;

/// The index is the variant's position in the enum, which is also its postcard tag.
pub fn named_key_index(k: NamedKey) -> usize {
    match k {
        NamedKey::Enter => 0,
        NamedKey::Tab => 1,
        NamedKey::Space => 2,
        NamedKey::Backspace => 3,
        NamedKey::Escape => 4,
        NamedKey::Delete => 5,
        NamedKey::Insert => 6,
        NamedKey::Home => 7,
        NamedKey::End => 8,
        NamedKey::PageUp => 9,
        NamedKey::PageDown => 10,
        NamedKey::ArrowLeft => 11,
        NamedKey::ArrowRight => 12,
        NamedKey::ArrowUp => 13,
        NamedKey::ArrowDown => 14,
        NamedKey::Shift => 15,
        NamedKey::Control => 16,
        NamedKey::Alt => 17,
        NamedKey::AltGraph => 18,
        NamedKey::Super => 19,
        NamedKey::CapsLock => 20,
        NamedKey::NumLock => 21,
        NamedKey::F1 => 22,
        NamedKey::F2 => 23,
        NamedKey::F3 => 24,
        NamedKey::F4 => 25,
        NamedKey::F5 => 26,
        NamedKey::F6 => 27,
        NamedKey::F7 => 28,
        NamedKey::F8 => 29,
        NamedKey::F9 => 30,
        NamedKey::F10 => 31,
        NamedKey::F11 => 32,
        NamedKey::F12 => 33,
        NamedKey::PrintScreen => 34,
        NamedKey::Pause => 35,
        NamedKey::ContextMenu => 36,
        NamedKey::Dead => 37,
    }
}

/// Number of [`Button`] variants; keep in step with [`button_index`].
pub const BUTTON_VARIANTS: usize = 6;

pub fn button_index(b: Button) -> usize {
    match b {
        Button::Left => 0,
        Button::Middle => 1,
        Button::Right => 2,
        Button::Back => 3,
        Button::Forward => 4,
        Button::Other(_) => 5,
    }
}

/// Number of [`WheelDelta`] variants; keep in step with [`wheel_delta_index`].
pub const WHEEL_DELTA_VARIANTS: usize = 2;

pub fn wheel_delta_index(d: WheelDelta) -> usize {
    match d {
        WheelDelta::Lines { .. } => 0,
        WheelDelta::Pixels { .. } => 1,
    }
}

/// Number of [`ErrorCode`] variants; keep in step with [`error_code_index`].
pub const ERROR_CODE_VARIANTS: usize = 6;

pub fn error_code_index(c: ErrorCode) -> usize {
    match c {
        ErrorCode::BadWindow => 0,
        ErrorCode::BadId => 1,
        ErrorCode::BadValue => 2,
        ErrorCode::BadAccess => 3,
        ErrorCode::Limit => 4,
        ErrorCode::BadDrawable => 5,
    }
}

/// Number of [`CursorShape`] variants; keep in step with [`cursor_shape_index`].
pub const CURSOR_SHAPE_VARIANTS: usize = 10;

pub fn cursor_shape_index(c: CursorShape) -> usize {
    match c {
        CursorShape::Default => 0,
        CursorShape::Text => 1,
        CursorShape::Pointer => 2,
        CursorShape::Crosshair => 3,
        CursorShape::Move => 4,
        CursorShape::ResizeHorizontal => 5,
        CursorShape::ResizeVertical => 6,
        CursorShape::Wait => 7,
        CursorShape::NotAllowed => 8,
        CursorShape::Hidden => 9,
    }
}

pub fn sample_cursor_shapes() -> Vec<CursorShape> {
    vec![
        CursorShape::Default,
        CursorShape::Text,
        CursorShape::Pointer,
        CursorShape::Crosshair,
        CursorShape::Move,
        CursorShape::ResizeHorizontal,
        CursorShape::ResizeVertical,
        CursorShape::Wait,
        CursorShape::NotAllowed,
        CursorShape::Hidden,
    ]
}

/// Number of [`InputAction`] variants; keep in step with [`input_action_index`].
pub const INPUT_ACTION_VARIANTS: usize = 6;

pub fn input_action_index(a: &InputAction) -> usize {
    match a {
        InputAction::Key { .. } => 0,
        InputAction::PointerMove { .. } => 1,
        InputAction::Button { .. } => 2,
        InputAction::Wheel { .. } => 3,
        InputAction::Text { .. } => 4,
        InputAction::Close { .. } => 5,
    }
}

pub fn sample_input_actions() -> Vec<InputAction> {
    vec![
        InputAction::Key {
            pressed: true,
            code: 38,
            key: Key::Character("a".into()),
            text: Some("a".into()),
            modifiers: Modifiers(Modifiers::SHIFT),
        },
        InputAction::Key {
            pressed: false,
            code: 0,
            key: Key::Named(NamedKey::Enter),
            text: None,
            modifiers: Modifiers::default(),
        },
        InputAction::PointerMove { x: -3, y: 70000 },
        InputAction::Button {
            button: Button::Left,
            pressed: true,
        },
        InputAction::Button {
            button: Button::Other(12),
            pressed: false,
        },
        InputAction::Wheel {
            delta: WheelDelta::Lines { x: 0.0, y: -1.5 },
        },
        InputAction::Text {
            text: "你好 é".into(),
        },
        InputAction::Close { window: W },
    ]
}

/// Number of [`ImageSource`] variants; keep in step with [`image_source_index`].
pub const IMAGE_SOURCE_VARIANTS: usize = 2;

pub fn image_source_index(s: ImageSource) -> usize {
    match s {
        ImageSource::Screen => 0,
        ImageSource::Drawable(_) => 1,
    }
}

// ---------------------------------------------------------------------------------------------
// Variant names, as `docs/PROTOCOL.md` lists them: one `match` per enum, no `_` arm, so that a new
// variant breaks compilation here until it has a name (and `doc_coverage.rs` then asks for its row
// in the document).
// ---------------------------------------------------------------------------------------------

pub fn request_name(r: &Request) -> &'static str {
    match r {
        Request::CreateWindow { .. } => "CreateWindow",
        Request::DestroyWindow { .. } => "DestroyWindow",
        Request::MapWindow { .. } => "MapWindow",
        Request::UnmapWindow { .. } => "UnmapWindow",
        Request::ConfigureWindow { .. } => "ConfigureWindow",
        Request::SetTitle { .. } => "SetTitle",
        Request::Draw { .. } => "Draw",
        Request::PutImage { .. } => "PutImage",
        Request::GetImage { .. } => "GetImage",
        Request::Sync => "Sync",
        Request::QueryServerInfo => "QueryServerInfo",
        Request::ListWindows => "ListWindows",
        Request::SetCursor { .. } => "SetCursor",
        Request::InjectInput(_) => "InjectInput",
        Request::CreateImage { .. } => "CreateImage",
        Request::FreeImage { .. } => "FreeImage",
        Request::RequestFrame { .. } => "RequestFrame",
        Request::QueryFont { .. } => "QueryFont",
        Request::ListClients => "ListClients",
        Request::KillClient { .. } => "KillClient",
        Request::AttachShm { .. } => "AttachShm",
        Request::PutShmImage { .. } => "PutShmImage",
        Request::DetachShm { .. } => "DetachShm",
        Request::NoOperation => "NoOperation",
        Request::SelectEvents { .. } => "SelectEvents",
        Request::GetImageAs { .. } => "GetImageAs",
        Request::PutShmSubImage { .. } => "PutShmSubImage",
        Request::CreateWindowWithEvents { .. } => "CreateWindowWithEvents",
    }
}

pub fn draw_op_name(op: &DrawOp) -> &'static str {
    match op {
        DrawOp::SetColor(_) => "SetColor",
        DrawOp::SetLineWidth(_) => "SetLineWidth",
        DrawOp::SetFontSize(_) => "SetFontSize",
        DrawOp::Clear => "Clear",
        DrawOp::FillRect(_) => "FillRect",
        DrawOp::Line { .. } => "Line",
        DrawOp::Text { .. } => "Text",
        DrawOp::SetPaint(_) => "SetPaint",
        DrawOp::SetAntialias(_) => "SetAntialias",
        DrawOp::SetBlend(_) => "SetBlend",
        DrawOp::SetLineCap(_) => "SetLineCap",
        DrawOp::SetLineJoin(_) => "SetLineJoin",
        DrawOp::SetDash { .. } => "SetDash",
        DrawOp::SetFillRule(_) => "SetFillRule",
        DrawOp::SetTransform { .. } => "SetTransform",
        DrawOp::SetClip(_) => "SetClip",
        DrawOp::SetFontFace(_) => "SetFontFace",
        DrawOp::Points(_) => "Points",
        DrawOp::Polyline { .. } => "Polyline",
        DrawOp::StrokeRect(_) => "StrokeRect",
        DrawOp::FillRoundRect { .. } => "FillRoundRect",
        DrawOp::StrokeRoundRect { .. } => "StrokeRoundRect",
        DrawOp::FillPolygon(_) => "FillPolygon",
        DrawOp::FillPath(_) => "FillPath",
        DrawOp::StrokePath(_) => "StrokePath",
        DrawOp::FillEllipse(_) => "FillEllipse",
        DrawOp::StrokeEllipse(_) => "StrokeEllipse",
        DrawOp::Arc { .. } => "Arc",
        DrawOp::FillPie { .. } => "FillPie",
        DrawOp::DrawImage { .. } => "DrawImage",
        DrawOp::CopyArea { .. } => "CopyArea",
        DrawOp::Segments(_) => "Segments",
        DrawOp::FillRects(_) => "FillRects",
        DrawOp::Lines(_) => "Lines",
        DrawOp::StrokeEllipses(_) => "StrokeEllipses",
        DrawOp::FillEllipses(_) => "FillEllipses",
    }
}

pub fn paint_name(p: &Paint) -> &'static str {
    match p {
        Paint::Solid(_) => "Solid",
        Paint::Linear { .. } => "Linear",
        Paint::Radial { .. } => "Radial",
    }
}

pub fn blend_mode_name(b: BlendMode) -> &'static str {
    match b {
        BlendMode::SourceOver => "SourceOver",
        BlendMode::Copy => "Copy",
    }
}

pub fn line_cap_name(c: LineCap) -> &'static str {
    match c {
        LineCap::Butt => "Butt",
        LineCap::Round => "Round",
        LineCap::Square => "Square",
        LineCap::NotLast => "NotLast",
    }
}

pub fn line_join_name(j: LineJoin) -> &'static str {
    match j {
        LineJoin::Miter => "Miter",
        LineJoin::Round => "Round",
        LineJoin::Bevel => "Bevel",
    }
}

pub fn fill_rule_name(r: FillRule) -> &'static str {
    match r {
        FillRule::NonZero => "NonZero",
        FillRule::EvenOdd => "EvenOdd",
    }
}

pub fn font_face_name(f: FontFace) -> &'static str {
    match f {
        FontFace::Sans => "Sans",
        FontFace::Mono => "Mono",
        FontFace::Fixed => "Fixed",
    }
}

pub fn path_seg_name(s: PathSeg) -> &'static str {
    match s {
        PathSeg::MoveTo(..) => "MoveTo",
        PathSeg::LineTo(..) => "LineTo",
        PathSeg::QuadTo(..) => "QuadTo",
        PathSeg::CubicTo(..) => "CubicTo",
        PathSeg::Close => "Close",
    }
}

pub fn pixel_format_name(f: PixelFormat) -> &'static str {
    match f {
        PixelFormat::Rgba8 => "Rgba8",
        PixelFormat::Rgb8 => "Rgb8",
        PixelFormat::Bgra8 => "Bgra8",
    }
}

pub fn compression_name(c: Compression) -> &'static str {
    match c {
        Compression::None => "None",
        Compression::Lz4 => "Lz4",
    }
}

pub fn cursor_shape_name(c: CursorShape) -> &'static str {
    match c {
        CursorShape::Default => "Default",
        CursorShape::Text => "Text",
        CursorShape::Pointer => "Pointer",
        CursorShape::Crosshair => "Crosshair",
        CursorShape::Move => "Move",
        CursorShape::ResizeHorizontal => "ResizeHorizontal",
        CursorShape::ResizeVertical => "ResizeVertical",
        CursorShape::Wait => "Wait",
        CursorShape::NotAllowed => "NotAllowed",
        CursorShape::Hidden => "Hidden",
    }
}

pub fn input_action_name(a: &InputAction) -> &'static str {
    match a {
        InputAction::Key { .. } => "Key",
        InputAction::PointerMove { .. } => "PointerMove",
        InputAction::Button { .. } => "Button",
        InputAction::Wheel { .. } => "Wheel",
        InputAction::Text { .. } => "Text",
        InputAction::Close { .. } => "Close",
    }
}

pub fn image_source_name(s: ImageSource) -> &'static str {
    match s {
        ImageSource::Screen => "Screen",
        ImageSource::Drawable(_) => "Drawable",
    }
}

pub fn server_message_name(m: &ServerMessage) -> &'static str {
    match m {
        ServerMessage::Reply { .. } => "Reply",
        ServerMessage::Error(_) => "Error",
        ServerMessage::Event(_) => "Event",
        ServerMessage::Goodbye { .. } => "Goodbye",
    }
}

pub fn reply_name(r: &Reply) -> &'static str {
    match r {
        Reply::Sync => "Sync",
        Reply::Image(_) => "Image",
        Reply::ServerInfo(_) => "ServerInfo",
        Reply::Windows(_) => "Windows",
        Reply::Font(_) => "Font",
        Reply::Clients(_) => "Clients",
        Reply::Pixels(_) => "Pixels",
    }
}

pub fn event_name(e: &Event) -> &'static str {
    match e {
        Event::Expose { .. } => "Expose",
        Event::Configure { .. } => "Configure",
        Event::CloseRequested { .. } => "CloseRequested",
        Event::Key(_) => "Key",
        Event::PointerMotion { .. } => "PointerMotion",
        Event::PointerButton { .. } => "PointerButton",
        Event::PointerWheel { .. } => "PointerWheel",
        Event::PointerEnter { .. } => "PointerEnter",
        Event::PointerLeave { .. } => "PointerLeave",
        Event::Focus { .. } => "Focus",
        Event::TextInput { .. } => "TextInput",
        Event::ScaleFactor { .. } => "ScaleFactor",
        Event::FrameDone { .. } => "FrameDone",
    }
}

pub fn key_name(k: &Key) -> &'static str {
    match k {
        Key::Named(_) => "Named",
        Key::Character(_) => "Character",
        Key::Unidentified => "Unidentified",
    }
}

pub fn named_key_name(k: NamedKey) -> &'static str {
    match k {
        NamedKey::Enter => "Enter",
        NamedKey::Tab => "Tab",
        NamedKey::Space => "Space",
        NamedKey::Backspace => "Backspace",
        NamedKey::Escape => "Escape",
        NamedKey::Delete => "Delete",
        NamedKey::Insert => "Insert",
        NamedKey::Home => "Home",
        NamedKey::End => "End",
        NamedKey::PageUp => "PageUp",
        NamedKey::PageDown => "PageDown",
        NamedKey::ArrowLeft => "ArrowLeft",
        NamedKey::ArrowRight => "ArrowRight",
        NamedKey::ArrowUp => "ArrowUp",
        NamedKey::ArrowDown => "ArrowDown",
        NamedKey::Shift => "Shift",
        NamedKey::Control => "Control",
        NamedKey::Alt => "Alt",
        NamedKey::AltGraph => "AltGraph",
        NamedKey::Super => "Super",
        NamedKey::CapsLock => "CapsLock",
        NamedKey::NumLock => "NumLock",
        NamedKey::F1 => "F1",
        NamedKey::F2 => "F2",
        NamedKey::F3 => "F3",
        NamedKey::F4 => "F4",
        NamedKey::F5 => "F5",
        NamedKey::F6 => "F6",
        NamedKey::F7 => "F7",
        NamedKey::F8 => "F8",
        NamedKey::F9 => "F9",
        NamedKey::F10 => "F10",
        NamedKey::F11 => "F11",
        NamedKey::F12 => "F12",
        NamedKey::PrintScreen => "PrintScreen",
        NamedKey::Pause => "Pause",
        NamedKey::ContextMenu => "ContextMenu",
        NamedKey::Dead => "Dead",
    }
}

pub fn button_name(b: Button) -> &'static str {
    match b {
        Button::Left => "Left",
        Button::Middle => "Middle",
        Button::Right => "Right",
        Button::Back => "Back",
        Button::Forward => "Forward",
        Button::Other(_) => "Other",
    }
}

pub fn wheel_delta_name(d: WheelDelta) -> &'static str {
    match d {
        WheelDelta::Lines { .. } => "Lines",
        WheelDelta::Pixels { .. } => "Pixels",
    }
}

pub fn error_code_name(c: ErrorCode) -> &'static str {
    match c {
        ErrorCode::BadWindow => "BadWindow",
        ErrorCode::BadId => "BadId",
        ErrorCode::BadValue => "BadValue",
        ErrorCode::BadAccess => "BadAccess",
        ErrorCode::Limit => "Limit",
        ErrorCode::BadDrawable => "BadDrawable",
    }
}

/// Panics unless `samples` hold at least one value of each of the `count` variants.
pub fn assert_covers<T>(what: &str, samples: &[T], count: usize, index: impl Fn(&T) -> usize) {
    let mut seen = vec![false; count];
    for s in samples {
        let i = index(s);
        assert!(
            i < count,
            "{what}: variant index {i} is not below {count}: raise the *_VARIANTS constant"
        );
        seen[i] = true;
    }
    let missing: Vec<usize> = (0..count).filter(|&i| !seen[i]).collect();
    assert!(
        missing.is_empty(),
        "{what}: no sample of the variants with index {missing:?}: add one to the sample list"
    );
}

// ---------------------------------------------------------------------------------------------
// Samples.
// ---------------------------------------------------------------------------------------------

pub const W: WindowId = WindowId(0x0020_0001);

/// An off-screen image id from the sample client's range.
pub const IMG: Drawable = Drawable(0x0020_0002);

pub fn sample_draw_ops() -> Vec<DrawOp> {
    let mut v = vec![
        DrawOp::SetColor(Color::rgba(0x12, 0x34, 0x56, 0x78)),
        DrawOp::SetColor(Color::WHITE),
        DrawOp::SetLineWidth(0),
        DrawOp::SetLineWidth(u16::MAX),
        DrawOp::SetFontSize(16),
        DrawOp::Clear,
        DrawOp::FillRect(Rect::new(-5, 7, 100, 200)),
        DrawOp::FillRect(Rect::new(i32::MIN, i32::MAX, u32::MAX, 0)),
        DrawOp::Line {
            x1: 0,
            y1: -1,
            x2: i32::MAX,
            y2: i32::MIN,
        },
        DrawOp::Text {
            x: 10,
            y: 20,
            text: "Hello, dispd".into(),
        },
        DrawOp::Text {
            x: -3,
            y: 0,
            text: "héllo 世界 🎉\n\0".into(),
        },
        DrawOp::Text {
            x: 0,
            y: 0,
            text: String::new(),
        },
    ];
    v.extend(sample_paints().into_iter().map(DrawOp::SetPaint));
    v.extend([DrawOp::SetAntialias(true), DrawOp::SetAntialias(false)]);
    v.extend(sample_blend_modes().into_iter().map(DrawOp::SetBlend));
    v.extend(sample_line_caps().into_iter().map(DrawOp::SetLineCap));
    v.extend(sample_line_joins().into_iter().map(DrawOp::SetLineJoin));
    v.extend([
        DrawOp::SetDash {
            pattern: Vec::new(),
            offset: 0,
        },
        DrawOp::SetDash {
            pattern: vec![4, 2],
            offset: 1,
        },
        DrawOp::SetDash {
            pattern: vec![u16::MAX, 0, 3],
            offset: u16::MAX,
        },
    ]);
    v.extend(sample_fill_rules().into_iter().map(DrawOp::SetFillRule));
    v.extend([
        DrawOp::SetTransform {
            sx: 1.0,
            sy: 1.0,
            tx: 0.0,
            ty: 0.0,
        },
        DrawOp::SetTransform {
            sx: 0.5,
            sy: -1.0,
            tx: -1e6,
            ty: 1e6,
        },
        DrawOp::SetTransform {
            sx: f32::MAX,
            sy: f32::MIN_POSITIVE,
            tx: f32::INFINITY,
            ty: f32::NEG_INFINITY,
        },
        DrawOp::SetClip(Vec::new()),
        DrawOp::SetClip(vec![Rect::new(0, 0, 10, 10)]),
        DrawOp::SetClip(vec![
            Rect::new(-5, -5, 0, 0),
            Rect::new(i32::MIN, i32::MIN, u32::MAX, u32::MAX),
            Rect::new(i32::MAX, i32::MAX, 1, 1),
        ]),
    ]);
    v.extend(sample_font_faces().into_iter().map(DrawOp::SetFontFace));
    v.extend([
        DrawOp::Points(Vec::new()),
        DrawOp::Points(vec![
            Point { x: 0, y: 0 },
            Point { x: -1, y: 7 },
            Point {
                x: i32::MIN,
                y: i32::MAX,
            },
        ]),
        DrawOp::Polyline {
            points: Vec::new(),
            closed: false,
        },
        DrawOp::Polyline {
            points: vec![Point { x: 1, y: 2 }, Point { x: -30, y: 40 }],
            closed: false,
        },
        DrawOp::Polyline {
            points: vec![
                Point { x: 0, y: 0 },
                Point { x: 10, y: 0 },
                Point {
                    x: i32::MAX,
                    y: i32::MIN,
                },
            ],
            closed: true,
        },
        DrawOp::StrokeRect(Rect::new(-5, 7, 100, 200)),
        DrawOp::StrokeRect(Rect::new(i32::MIN, i32::MAX, u32::MAX, 0)),
        DrawOp::FillRoundRect {
            rect: Rect::new(1, 2, 30, 40),
            radius: 0,
        },
        DrawOp::FillRoundRect {
            rect: Rect::new(-100, i32::MIN, u32::MAX, 5),
            radius: u16::MAX,
        },
        DrawOp::StrokeRoundRect {
            rect: Rect::new(3, -4, 0, 0),
            radius: 8,
        },
        DrawOp::FillPolygon(Vec::new()),
        DrawOp::FillPolygon(vec![
            Point { x: 0, y: 0 },
            Point { x: 100, y: -50 },
            Point {
                x: i32::MIN,
                y: i32::MAX,
            },
        ]),
        DrawOp::FillPath(Vec::new()),
        DrawOp::FillPath(sample_path_segs()),
        DrawOp::StrokePath(Vec::new()),
        DrawOp::StrokePath(sample_path_segs()),
        DrawOp::FillEllipse(Rect::new(10, 20, 30, 40)),
        DrawOp::FillEllipse(Rect::new(i32::MIN, -1, 0, u32::MAX)),
        DrawOp::StrokeEllipse(Rect::new(-10, -20, 1, 1)),
        DrawOp::Arc {
            rect: Rect::new(0, 0, 64, 64),
            start: 0,
            sweep: 360 * 64,
        },
        DrawOp::Arc {
            rect: Rect::new(-3, 4, 5, 6),
            start: i32::MIN,
            sweep: i32::MAX,
        },
        DrawOp::FillPie {
            rect: Rect::new(5, 5, 50, 20),
            start: 90 * 64,
            sweep: -45 * 64,
        },
        DrawOp::FillPie {
            rect: Rect::new(0, 0, 0, 0),
            start: i32::MAX,
            sweep: i32::MIN,
        },
        DrawOp::DrawImage {
            image: IMG,
            src: Rect::new(0, 0, 64, 64),
            dst: Rect::new(-10, 20, 128, 32),
        },
        DrawOp::DrawImage {
            image: Drawable(u32::MAX),
            src: Rect::new(i32::MIN, i32::MAX, u32::MAX, 0),
            dst: Rect::new(0, 0, 0, 0),
        },
        DrawOp::CopyArea {
            source: W.into(),
            src: Rect::new(0, 10, 640, 470),
            x: 0,
            y: 0,
        },
        DrawOp::CopyArea {
            source: Drawable(0),
            src: Rect::new(-1, -1, 2, 2),
            x: i32::MIN,
            y: i32::MAX,
        },
        DrawOp::Segments(
            [
                Segment {
                    x1: 0,
                    y1: 0,
                    x2: 10,
                    y2: 10,
                },
                Segment {
                    x1: i16::MIN,
                    y1: i16::MAX,
                    x2: -1,
                    y2: 1,
                },
            ]
            .into_iter()
            .collect(),
        ),
        DrawOp::Segments(Packed::new()),
        // Not a whole number of shapes: the wire carries it, the server refuses it.
        DrawOp::Segments(Packed::from_bytes(vec![1, 2, 3])),
        DrawOp::FillRects(
            [SmallRect {
                x: -5,
                y: 7,
                width: u16::MAX,
                height: 0,
            }]
            .into_iter()
            .collect(),
        ),
        DrawOp::Lines(
            [
                SmallPoint { x: 0, y: 0 },
                SmallPoint {
                    x: i16::MIN,
                    y: i16::MAX,
                },
                SmallPoint { x: 10, y: -10 },
            ]
            .into_iter()
            .collect(),
        ),
        // Not a whole number of points.
        DrawOp::Lines(Packed::from_bytes(vec![1, 2, 3, 4, 5])),
        DrawOp::StrokeEllipses(
            [SmallRect {
                x: 1,
                y: 2,
                width: 10,
                height: 20,
            }]
            .into_iter()
            .collect(),
        ),
        DrawOp::FillEllipses(Packed::new()),
    ]);
    v
}

/// Gradient stops from 0.0 to 1.0, `n` of them (`n >= 2`).
pub fn sample_stops(n: u32) -> Vec<GradientStop> {
    (0..n)
        .map(|i| GradientStop {
            // Postcard writes an f32 as its 4 bytes, so any non-NaN value compares equal after a
            // round trip, fraction or not.
            offset: i as f32 / (n - 1) as f32,
            color: Color(0x1000_0000u32.wrapping_mul(i) | 0x00ff_00ff),
        })
        .collect()
}

pub fn sample_paints() -> Vec<Paint> {
    vec![
        Paint::Solid(Color::BLACK),
        Paint::Solid(Color(0)),
        Paint::Solid(Color(u32::MAX)),
        Paint::Linear {
            x0: 0.0,
            y0: 0.0,
            x1: 100.0,
            y1: 0.5,
            stops: sample_stops(2),
        },
        Paint::Linear {
            x0: -1e6,
            y0: 1e6,
            x1: f32::MIN,
            y1: f32::MAX,
            stops: sample_stops(16),
        },
        // The wire does not enforce 2 to 16 stops: the server checks that.
        Paint::Linear {
            x0: 1.0,
            y0: 2.0,
            x1: 3.0,
            y1: 4.0,
            stops: Vec::new(),
        },
        Paint::Radial {
            cx: 32.5,
            cy: -0.5,
            radius: 16.0,
            stops: vec![
                GradientStop {
                    offset: 0.0,
                    color: Color::WHITE,
                },
                GradientStop {
                    offset: 0.25,
                    color: Color::rgba(1, 2, 3, 4),
                },
                GradientStop {
                    offset: 1.0,
                    color: Color(0),
                },
            ],
        },
        Paint::Radial {
            cx: -1e6,
            cy: 1e-6,
            radius: -0.0,
            stops: vec![GradientStop {
                offset: -1.5,
                color: Color::BLACK,
            }],
        },
    ]
}

pub fn sample_blend_modes() -> Vec<BlendMode> {
    vec![BlendMode::SourceOver, BlendMode::Copy]
}

pub fn sample_line_caps() -> Vec<LineCap> {
    vec![LineCap::Butt, LineCap::Round, LineCap::Square, LineCap::NotLast]
}

pub fn sample_line_joins() -> Vec<LineJoin> {
    vec![LineJoin::Miter, LineJoin::Round, LineJoin::Bevel]
}

pub fn sample_fill_rules() -> Vec<FillRule> {
    vec![FillRule::NonZero, FillRule::EvenOdd]
}

pub fn sample_font_faces() -> Vec<FontFace> {
    vec![FontFace::Sans, FontFace::Mono, FontFace::Fixed]
}

pub fn sample_path_segs() -> Vec<PathSeg> {
    vec![
        PathSeg::MoveTo(0.5, -1e6),
        PathSeg::LineTo(100.0, 0.0),
        PathSeg::LineTo(-0.0, f32::MAX),
        PathSeg::QuadTo(1.0, 2.0, 3.5, -4.25),
        PathSeg::CubicTo(0.0, 0.0, 1e6, -1e6, f32::MIN, f32::MIN_POSITIVE),
        PathSeg::Close,
        PathSeg::MoveTo(f32::INFINITY, f32::NEG_INFINITY),
        PathSeg::Close,
    ]
}

pub fn sample_pixel_formats() -> Vec<PixelFormat> {
    vec![PixelFormat::Rgba8, PixelFormat::Rgb8, PixelFormat::Bgra8]
}

pub fn sample_compressions() -> Vec<Compression> {
    vec![Compression::None, Compression::Lz4]
}

pub fn sample_image_sources() -> Vec<ImageSource> {
    vec![
        ImageSource::Screen,
        ImageSource::Drawable(Drawable(7)),
        ImageSource::Drawable(W.into()),
    ]
}

pub fn sample_requests() -> Vec<Request> {
    let mut v = vec![
        Request::CreateWindow {
            window: W,
            rect: Rect::new(10, 20, 640, 480),
            background: Color::rgb(0x20, 0x40, 0x60),
        },
        Request::CreateWindow {
            window: WindowId(u32::MAX),
            rect: Rect::new(i32::MIN, -1, 0, u32::MAX),
            background: Color(0),
        },
        Request::DestroyWindow { window: W },
        Request::MapWindow { window: W },
        Request::UnmapWindow { window: WindowId(0) },
        Request::ConfigureWindow {
            window: W,
            rect: Rect::new(-100, 50, 1, 1),
        },
        Request::SetTitle {
            window: W,
            title: "dispd — démo".into(),
        },
        Request::SetTitle {
            window: W,
            title: String::new(),
        },
        Request::Draw {
            target: W.into(),
            ops: sample_draw_ops().into(),
        },
        Request::Draw {
            target: Drawable(0),
            ops: Vec::new().into(),
        },
        Request::PutImage {
            target: W.into(),
            rect: Rect::new(1, 2, 2, 2),
            format: PixelFormat::Rgba8,
            compression: Compression::None,
            data: (0..16).collect(),
        },
        Request::PutImage {
            target: Drawable(3),
            rect: Rect::new(0, 0, 0, 0),
            format: PixelFormat::Rgb8,
            compression: Compression::None,
            data: Vec::new(),
        },
        Request::PutImage {
            target: Drawable(3),
            rect: Rect::new(0, 0, 64, 64),
            format: PixelFormat::Rgba8,
            compression: Compression::None,
            data: (0..64 * 64 * 4).map(|i| (i % 251) as u8).collect(),
        },
        Request::PutImage {
            target: IMG,
            rect: Rect::new(-7, i32::MIN, 3, 1),
            format: PixelFormat::Rgb8,
            compression: Compression::None,
            data: (0..9).collect(),
        },
        Request::PutImage {
            target: W.into(),
            rect: Rect::new(5, 5, 2, 1),
            format: PixelFormat::Bgra8,
            compression: Compression::None,
            data: vec![0x10, 0x20, 0x30, 0xff, 0, 0, 0, 0],
        },
        Request::PutImage {
            target: IMG,
            rect: Rect::new(0, 0, 8, 8),
            format: PixelFormat::Bgra8,
            compression: Compression::Lz4,
            data: vec![0x1f, 0x00, 0x01, 0x00, 0xff, 0xff, 0xee, 0x50],
        },
        // The bytes need not be valid LZ4 for the wire: the server checks them.
        Request::PutImage {
            target: IMG,
            rect: Rect::new(0, 0, 16, 16),
            format: PixelFormat::Rgba8,
            compression: Compression::Lz4,
            data: vec![
                0x1f, 0x00, 0x01, 0x00, 0xff, 0xff, 0xee, 0x50, 0x00, 0x00, 0x00, 0x00,
            ],
        },
        Request::PutImage {
            target: W.into(),
            rect: Rect::new(0, 0, u32::MAX, u32::MAX),
            format: PixelFormat::Rgb8,
            compression: Compression::Lz4,
            data: Vec::new(),
        },
        Request::Sync,
        Request::QueryServerInfo,
        Request::ListWindows,
        Request::CreateImage {
            image: IMG,
            size: Size::new(64, 64),
        },
        Request::CreateImage {
            image: Drawable(0),
            size: Size::new(0, 0),
        },
        Request::CreateImage {
            image: Drawable(u32::MAX),
            size: Size::new(u32::MAX, u32::MAX),
        },
        Request::FreeImage { image: IMG },
        Request::FreeImage {
            image: Drawable(u32::MAX),
        },
        Request::RequestFrame { window: W },
        Request::RequestFrame { window: WindowId(0) },
        Request::QueryFont {
            face: FontFace::Sans,
            chars: String::new(),
        },
        Request::QueryFont {
            face: FontFace::Mono,
            chars: (' '..='~').collect(),
        },
        Request::QueryFont {
            face: FontFace::Sans,
            chars: "héllo 世界 🎉\n\0".into(),
        },
        Request::QueryFont {
            face: FontFace::Fixed,
            chars: "Fixed".into(),
        },
        // The wire does not enforce the 4096-character limit: the server checks that.
        Request::QueryFont {
            face: FontFace::Mono,
            chars: "é".repeat(4097),
        },
        Request::ListClients,
        Request::KillClient { client: ClientId(3) },
        Request::KillClient { client: ClientId(0) },
        Request::KillClient {
            client: ClientId(u32::MAX),
        },
        Request::AttachShm { segment: 0x20_0005 },
        Request::AttachShm { segment: u32::MAX },
        Request::PutShmImage {
            target: Drawable(W.0),
            rect: Rect::new(-3, 7, 500, 500),
            format: PixelFormat::Bgra8,
            segment: 0x20_0005,
            offset: 0,
        },
        Request::PutShmImage {
            target: Drawable(u32::MAX),
            rect: Rect::new(i32::MIN, i32::MAX, u32::MAX, 0),
            format: PixelFormat::Rgb8,
            segment: 0,
            offset: u64::MAX,
        },
        Request::DetachShm { segment: 0x20_0005 },
        Request::PutShmSubImage {
            target: Drawable(W.0),
            rect: Rect::new(-3, 7, 100, 50),
            format: PixelFormat::Bgra8,
            segment: 0x20_0005,
            offset: 8,
            stride: 2400,
        },
        Request::PutShmSubImage {
            target: Drawable(u32::MAX),
            rect: Rect::new(i32::MIN, i32::MAX, u32::MAX, 0),
            format: PixelFormat::Rgba8,
            segment: 0,
            offset: u64::MAX,
            stride: u32::MAX,
        },
        Request::CreateWindowWithEvents {
            window: W,
            rect: Rect::new(10, 20, 640, 480),
            background: Color::rgb(0x20, 0x40, 0x60),
            events: dispd_protocol::EventMask::EXPOSE | dispd_protocol::EventMask::KEY,
        },
        Request::CreateWindowWithEvents {
            window: WindowId(u32::MAX),
            rect: Rect::new(i32::MIN, -1, 0, u32::MAX),
            background: Color(0),
            events: dispd_protocol::EventMask::ALL,
        },
        Request::NoOperation,
        Request::SelectEvents {
            window: W,
            events: dispd_protocol::EventMask::NONE,
        },
        Request::SelectEvents {
            window: WindowId(u32::MAX),
            events: dispd_protocol::EventMask(u32::MAX),
        },
    ];
    v.extend(
        sample_cursor_shapes()
            .into_iter()
            .map(|cursor| Request::SetCursor { window: W, cursor }),
    );
    v.extend(sample_input_actions().into_iter().map(Request::InjectInput));
    v.extend(
        sample_image_sources()
            .into_iter()
            .map(|source| Request::GetImage {
                source,
                rect: Rect::new(0, 0, 32, 16),
            }),
    );
    v.extend(
        [PixelFormat::Rgba8, PixelFormat::Rgb8, PixelFormat::Bgra8]
            .into_iter()
            .zip(sample_image_sources().into_iter().cycle())
            .map(|(format, source)| Request::GetImageAs {
                source,
                rect: Rect::new(-3, 0, 32, 16),
                format,
            }),
    );
    v
}

pub fn sample_named_keys() -> Vec<NamedKey> {
    use NamedKey::*;
    vec![
        Enter,
        Tab,
        Space,
        Backspace,
        Escape,
        Delete,
        Insert,
        Home,
        End,
        PageUp,
        PageDown,
        ArrowLeft,
        ArrowRight,
        ArrowUp,
        ArrowDown,
        Shift,
        Control,
        Alt,
        AltGraph,
        Super,
        CapsLock,
        NumLock,
        F1,
        F2,
        F3,
        F4,
        F5,
        F6,
        F7,
        F8,
        F9,
        F10,
        F11,
        F12,
        PrintScreen,
        Pause,
        ContextMenu,
        Dead,
    ]
}

pub fn sample_keys() -> Vec<Key> {
    let mut v = vec![
        Key::Character("a".into()),
        Key::Character("é".into()),
        Key::Character(String::new()),
        Key::Unidentified,
    ];
    v.extend(sample_named_keys().into_iter().map(Key::Named));
    v
}

pub fn sample_buttons() -> Vec<Button> {
    vec![
        Button::Left,
        Button::Middle,
        Button::Right,
        Button::Back,
        Button::Forward,
        Button::Other(0),
        Button::Other(u16::MAX),
    ]
}

pub fn sample_wheel_deltas() -> Vec<WheelDelta> {
    vec![
        WheelDelta::Lines { x: 0.0, y: 1.0 },
        WheelDelta::Lines { x: -2.5, y: -0.0 },
        WheelDelta::Pixels { x: 12.25, y: -340.5 },
        WheelDelta::Pixels {
            x: f32::MAX,
            y: f32::MIN_POSITIVE,
        },
        WheelDelta::Pixels {
            x: f32::INFINITY,
            y: f32::NEG_INFINITY,
        },
    ]
}

pub fn sample_error_codes() -> Vec<ErrorCode> {
    vec![
        ErrorCode::BadWindow,
        ErrorCode::BadId,
        ErrorCode::BadValue,
        ErrorCode::BadAccess,
        ErrorCode::Limit,
        ErrorCode::BadDrawable,
    ]
}

pub fn sample_events() -> Vec<Event> {
    let mods = Modifiers(Modifiers::SHIFT | Modifiers::CONTROL);
    let mut v = vec![
        Event::Expose {
            window: W,
            rect: Rect::new(0, 0, 640, 480),
        },
        Event::Configure {
            window: W,
            rect: Rect::new(-10, 30, 800, 600),
        },
        Event::CloseRequested { window: W },
        Event::PointerMotion {
            window: W,
            x: -1,
            y: i32::MAX,
            modifiers: Modifiers::default(),
        },
        Event::PointerEnter {
            window: W,
            x: 3,
            y: 4,
        },
        Event::PointerLeave { window: W },
        Event::Focus {
            window: W,
            focused: true,
        },
        Event::Focus {
            window: W,
            focused: false,
        },
        Event::TextInput {
            window: W,
            text: "中文短语".into(),
        },
        Event::ScaleFactor {
            window: W,
            milli: 1500,
        },
        Event::FrameDone { window: W, msec: 0 },
        Event::FrameDone {
            window: WindowId(u32::MAX),
            msec: u32::MAX,
        },
    ];
    for (i, key) in sample_keys().into_iter().enumerate() {
        let text = match &key {
            Key::Character(c) => Some(c.clone()),
            Key::Named(NamedKey::Enter) => Some("\r".into()),
            _ => None,
        };
        v.push(Event::Key(KeyEvent {
            window: W,
            pressed: i % 2 == 0,
            repeat: i % 3 == 0,
            code: 9 + i as u32,
            key,
            text,
            modifiers: Modifiers(i as u8),
        }));
    }
    for (i, button) in sample_buttons().into_iter().enumerate() {
        v.push(Event::PointerButton {
            window: W,
            x: 100 + i as i32,
            y: -200,
            button,
            pressed: i % 2 == 1,
            modifiers: mods,
        });
    }
    for delta in sample_wheel_deltas() {
        v.push(Event::PointerWheel {
            window: W,
            delta,
            modifiers: Modifiers(Modifiers::ALT | Modifiers::SUPER),
        });
    }
    v
}

pub fn sample_server_info() -> ServerInfo {
    ServerInfo {
        name: "dispd".into(),
        version: "0.1.0".into(),
        protocol_version: dispd_protocol::PROTOCOL_VERSION,
        screen: Size::new(1920, 1080),
        backend: "headless".into(),
        clients: 2,
        windows: 5,
        listening: vec![
            "/tmp/.dispd-unix/D0".into(),
            "0.0.0.0:7300".into(),
            "[::]:7300".into(),
        ],
    }
}

pub fn sample_client_summaries() -> Vec<ClientSummary> {
    vec![
        ClientSummary {
            id: ClientId(1),
            peer: "local pid 4242 uid 1000".into(),
            trusted: true,
            windows: 3,
            requests: 12_345,
        },
        ClientSummary {
            id: ClientId(u32::MAX),
            peer: "[2001:db8::7]:51234".into(),
            trusted: false,
            windows: 0,
            requests: u64::MAX,
        },
        ClientSummary {
            id: ClientId(0),
            peer: String::new(),
            trusted: false,
            windows: u32::MAX,
            requests: 0,
        },
    ]
}

pub fn sample_replies() -> Vec<Reply> {
    vec![
        Reply::Sync,
        Reply::Image(Image {
            width: 2,
            height: 1,
            data: vec![255, 0, 0, 255, 0, 255, 0, 255],
        }),
        Reply::Image(Image {
            width: 0,
            height: 0,
            data: Vec::new(),
        }),
        Reply::ServerInfo(sample_server_info()),
        Reply::ServerInfo(ServerInfo {
            listening: Vec::new(),
            ..sample_server_info()
        }),
        Reply::Windows(vec![]),
        Reply::Windows(vec![dispd_protocol::WindowInfo {
            id: W,
            owner: dispd_protocol::ClientId(3),
            title: "标题 title".into(),
            rect: Rect::new(-5, 7, 640, 480),
            mapped: true,
        }]),
        Reply::Font(FontMetrics {
            ascent: 0.0,
            descent: 0.0,
            line_gap: 0.0,
            advances: Vec::new(),
        }),
        Reply::Font(FontMetrics {
            ascent: 0.928_222_66,
            descent: 0.235_839_84,
            line_gap: 0.5,
            advances: vec![0.5, 0.317_871_1, 0.602_050_8, 1e-6, -1e6, 0.0],
        }),
        Reply::Font(FontMetrics {
            ascent: f32::MAX,
            descent: f32::MIN,
            line_gap: -1.0,
            advances: vec![0.6; 4096],
        }),
        Reply::Clients(Vec::new()),
        Reply::Clients(sample_client_summaries()),
        Reply::Pixels(dispd_protocol::Pixels {
            width: 2,
            height: 1,
            format: PixelFormat::Bgra8,
            data: vec![0, 0, 255, 255, 0, 64, 0, 128],
        }),
        Reply::Pixels(dispd_protocol::Pixels {
            width: 0,
            height: 0,
            format: PixelFormat::Rgb8,
            data: Vec::new(),
        }),
    ]
}

pub fn sample_server_messages() -> Vec<ServerMessage> {
    let mut v: Vec<ServerMessage> = sample_replies()
        .into_iter()
        .enumerate()
        .map(|(i, reply)| ServerMessage::Reply {
            seq: [1, 2, u32::MAX, 0x1234_5678][i % 4],
            reply,
        })
        .collect();
    v.extend(sample_error_codes().into_iter().map(|code| {
        ServerMessage::Error(RequestError {
            seq: 42,
            code,
            message: format!("request failed with {code:?}"),
        })
    }));
    v.extend(sample_events().into_iter().map(ServerMessage::Event));
    v.push(ServerMessage::Goodbye {
        reason: "the server is shutting down".into(),
    });
    v.push(ServerMessage::Goodbye {
        reason: String::new(),
    });
    v
}

// ---------------------------------------------------------------------------------------------
// Handshake samples.
// ---------------------------------------------------------------------------------------------

pub fn sample_setup() -> Setup {
    Setup {
        server_name: "dispd".into(),
        server_version: "0.1.0".into(),
        client_id: ClientId(3),
        screen: Size::new(1920, 1080),
        ids: IdRange {
            base: 0x0020_0000,
            count: 0x0010_0000,
        },
        max_frame_len: dispd_protocol::DEFAULT_MAX_FRAME_LEN,
    }
}

pub fn sample_hellos() -> Vec<ClientHello> {
    vec![
        ClientHello::new("", b""),
        ClientHello::new(
            dispd_protocol::auth::AUTH_HMAC,
            &dispd_protocol::auth::Secret::from_bytes([7; 32]).respond([1; 16], 1_700_000_000),
        ),
        // The layout carries any method name and data; the server judges them.
        ClientHello::new("dispd-secret", b"0123456789abcdef"),
        ClientHello {
            min_version: 0,
            max_version: u16::MAX,
            auth_name: "x".repeat(dispd_protocol::handshake::MAX_AUTH_NAME),
            auth_data: vec![0xa5; dispd_protocol::handshake::MAX_AUTH_DATA],
        },
    ]
}

pub fn sample_answers() -> Vec<ServerAnswer> {
    vec![
        ServerAnswer::Accepted {
            version: dispd_protocol::PROTOCOL_VERSION,
            setup: sample_setup(),
        },
        ServerAnswer::Refused {
            version: dispd_protocol::PROTOCOL_VERSION,
            reason: "wrong secret".into(),
        },
        ServerAnswer::Refused {
            version: 7,
            reason: String::new(),
        },
    ]
}

// ---------------------------------------------------------------------------------------------
// Helpers.
// ---------------------------------------------------------------------------------------------

/// One frame holding `msg`, length prefix included.
pub fn frame<T: serde::Serialize>(msg: &T) -> Vec<u8> {
    let mut out = Vec::new();
    dispd_protocol::encode_frame(msg, &mut out);
    out
}

/// The body of a frame, after checking that its length prefix is right.
pub fn body_of(frame: &[u8]) -> &[u8] {
    assert!(
        frame.len() >= 4,
        "a frame has a 4-byte length prefix, got {} bytes",
        frame.len()
    );
    let len = u32::from_le_bytes([frame[0], frame[1], frame[2], frame[3]]);
    assert_eq!(
        len as usize,
        frame.len() - 4,
        "length prefix does not match the body length"
    );
    &frame[4..]
}
