//! Every variant of every protocol enum survives `encode_frame` then `decode` unchanged, and so do
//! the handshake messages.
//!
//! The samples and the exhaustive variant `match`es live in `common/mod.rs`; the `*_cover_*` tests
//! below fail when an enum gains a variant that no sample exercises.

mod common;

use std::fmt::Debug;

use common::*;
use dispd_protocol::handshake::{ClientHello, ServerAnswer, Setup};
use dispd_protocol::request::ImageSource;
use dispd_protocol::{
    decode, encode_frame, BlendMode, Button, Compression, DrawOp, Drawable, ErrorCode, Event, FillRule,
    FontFace, Key, LineCap, LineJoin, NamedKey, Paint, PathSeg, PixelFormat, Rect, Reply, Request,
    ServerMessage, WheelDelta,
};
use serde::{de::DeserializeOwned, Serialize};

/// Encodes `value` as a frame, checks the prefix, decodes the body and compares.
fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: &T) {
    let frame = frame(value);
    let back: T = decode(body_of(&frame)).unwrap_or_else(|e| panic!("{value:?} does not decode: {e}"));
    assert_eq!(&back, value);
}

fn round_trip_all<T: Serialize + DeserializeOwned + PartialEq + Debug>(values: &[T]) {
    assert!(!values.is_empty());
    for v in values {
        round_trip(v);
    }
}

// ---------------------------------------------------------------------------------------------
// Completeness: every variant has a sample.
// ---------------------------------------------------------------------------------------------

#[test]
fn samples_cover_every_request() {
    assert_covers("Request", &sample_requests(), REQUEST_VARIANTS, request_index);
}

#[test]
fn samples_cover_every_draw_op() {
    assert_covers("DrawOp", &sample_draw_ops(), DRAW_OP_VARIANTS, draw_op_index);
}

#[test]
fn samples_cover_every_server_message() {
    assert_covers(
        "ServerMessage",
        &sample_server_messages(),
        SERVER_MESSAGE_VARIANTS,
        server_message_index,
    );
}

#[test]
fn samples_cover_every_reply() {
    assert_covers("Reply", &sample_replies(), REPLY_VARIANTS, reply_index);
}

#[test]
fn samples_cover_every_event() {
    assert_covers("Event", &sample_events(), EVENT_VARIANTS, event_index);
}

#[test]
fn samples_cover_every_key() {
    assert_covers("Key", &sample_keys(), KEY_VARIANTS, key_index);
}

#[test]
fn samples_cover_every_named_key() {
    assert_covers("NamedKey", &sample_named_keys(), NAMED_KEY_VARIANTS, |k| {
        named_key_index(*k)
    });
}

#[test]
fn samples_cover_every_button() {
    assert_covers("Button", &sample_buttons(), BUTTON_VARIANTS, |b| button_index(*b));
}

#[test]
fn samples_cover_every_wheel_delta() {
    assert_covers("WheelDelta", &sample_wheel_deltas(), WHEEL_DELTA_VARIANTS, |d| {
        wheel_delta_index(*d)
    });
}

#[test]
fn samples_cover_every_error_code() {
    assert_covers("ErrorCode", &sample_error_codes(), ERROR_CODE_VARIANTS, |c| {
        error_code_index(*c)
    });
}

#[test]
fn samples_cover_every_image_source() {
    assert_covers(
        "ImageSource",
        &sample_image_sources(),
        IMAGE_SOURCE_VARIANTS,
        |s| image_source_index(*s),
    );
}

#[test]
fn samples_cover_every_cursor_shape_and_input_action() {
    assert_covers(
        "CursorShape",
        &sample_cursor_shapes(),
        CURSOR_SHAPE_VARIANTS,
        |c| cursor_shape_index(*c),
    );
    assert_covers(
        "InputAction",
        &sample_input_actions(),
        INPUT_ACTION_VARIANTS,
        input_action_index,
    );
}

#[test]
fn samples_cover_every_paint() {
    assert_covers("Paint", &sample_paints(), PAINT_VARIANTS, paint_index);
}

#[test]
fn samples_cover_every_path_seg() {
    assert_covers("PathSeg", &sample_path_segs(), PATH_SEG_VARIANTS, |s| {
        path_seg_index(*s)
    });
}

#[test]
fn samples_cover_every_drawing_state_enum() {
    assert_covers("BlendMode", &sample_blend_modes(), BLEND_MODE_VARIANTS, |b| {
        blend_mode_index(*b)
    });
    assert_covers("LineCap", &sample_line_caps(), LINE_CAP_VARIANTS, |c| {
        line_cap_index(*c)
    });
    assert_covers("LineJoin", &sample_line_joins(), LINE_JOIN_VARIANTS, |j| {
        line_join_index(*j)
    });
    assert_covers("FillRule", &sample_fill_rules(), FILL_RULE_VARIANTS, |r| {
        fill_rule_index(*r)
    });
    assert_covers("FontFace", &sample_font_faces(), FONT_FACE_VARIANTS, |f| {
        font_face_index(*f)
    });
}

#[test]
fn samples_cover_every_pixel_format_and_compression() {
    assert_covers(
        "PixelFormat",
        &sample_pixel_formats(),
        PIXEL_FORMAT_VARIANTS,
        |f| pixel_format_index(*f),
    );
    assert_covers("Compression", &sample_compressions(), COMPRESSION_VARIANTS, |c| {
        compression_index(*c)
    });
}

/// Every `(format, compression)` pair reaches the wire in a `PutImage`: the two are independent.
#[test]
fn put_image_samples_cover_every_format_and_compression_pair() {
    let pairs: Vec<(PixelFormat, Compression)> = sample_requests()
        .iter()
        .filter_map(|r| match r {
            Request::PutImage {
                format, compression, ..
            } => Some((*format, *compression)),
            _ => None,
        })
        .collect();
    for format in sample_pixel_formats() {
        for compression in sample_compressions() {
            assert!(
                pairs.contains(&(format, compression)),
                "no PutImage sample with {format:?} and {compression:?}"
            );
        }
    }
}

/// The nested samples also reach the wire inside the top-level messages, not only on their own.
#[test]
fn top_level_samples_embed_every_nested_variant() {
    let requests = sample_requests();
    let ops: Vec<DrawOp> = requests
        .iter()
        .filter_map(|r| match r {
            Request::Draw { ops, .. } => Some(ops.to_vec()),
            _ => None,
        })
        .flatten()
        .collect();
    assert_covers("DrawOp in Request::Draw", &ops, DRAW_OP_VARIANTS, draw_op_index);

    // The drawing state, inside the ops that set it.
    let paints: Vec<Paint> = ops
        .iter()
        .filter_map(|op| match op {
            DrawOp::SetPaint(p) => Some(p.clone()),
            _ => None,
        })
        .collect();
    assert_covers("Paint in DrawOp::SetPaint", &paints, PAINT_VARIANTS, paint_index);
    let blends: Vec<BlendMode> = ops
        .iter()
        .filter_map(|op| match op {
            DrawOp::SetBlend(b) => Some(*b),
            _ => None,
        })
        .collect();
    assert_covers(
        "BlendMode in DrawOp::SetBlend",
        &blends,
        BLEND_MODE_VARIANTS,
        |b| blend_mode_index(*b),
    );
    let caps: Vec<LineCap> = ops
        .iter()
        .filter_map(|op| match op {
            DrawOp::SetLineCap(c) => Some(*c),
            _ => None,
        })
        .collect();
    assert_covers("LineCap in DrawOp::SetLineCap", &caps, LINE_CAP_VARIANTS, |c| {
        line_cap_index(*c)
    });
    let joins: Vec<LineJoin> = ops
        .iter()
        .filter_map(|op| match op {
            DrawOp::SetLineJoin(j) => Some(*j),
            _ => None,
        })
        .collect();
    assert_covers(
        "LineJoin in DrawOp::SetLineJoin",
        &joins,
        LINE_JOIN_VARIANTS,
        |j| line_join_index(*j),
    );
    let rules: Vec<FillRule> = ops
        .iter()
        .filter_map(|op| match op {
            DrawOp::SetFillRule(r) => Some(*r),
            _ => None,
        })
        .collect();
    assert_covers(
        "FillRule in DrawOp::SetFillRule",
        &rules,
        FILL_RULE_VARIANTS,
        |r| fill_rule_index(*r),
    );
    let faces: Vec<FontFace> = ops
        .iter()
        .filter_map(|op| match op {
            DrawOp::SetFontFace(f) => Some(*f),
            _ => None,
        })
        .collect();
    assert_covers(
        "FontFace in DrawOp::SetFontFace",
        &faces,
        FONT_FACE_VARIANTS,
        |f| font_face_index(*f),
    );
    // Both path ops carry every segment kind.
    for (what, want_fill) in [("FillPath", true), ("StrokePath", false)] {
        let segs: Vec<PathSeg> = ops
            .iter()
            .filter_map(|op| match op {
                DrawOp::FillPath(s) if want_fill => Some(s.clone()),
                DrawOp::StrokePath(s) if !want_fill => Some(s.clone()),
                _ => None,
            })
            .flatten()
            .collect();
        assert_covers(
            &format!("PathSeg in DrawOp::{what}"),
            &segs,
            PATH_SEG_VARIANTS,
            |s| path_seg_index(*s),
        );
    }

    let query_faces: Vec<FontFace> = requests
        .iter()
        .filter_map(|r| match r {
            Request::QueryFont { face, .. } => Some(*face),
            _ => None,
        })
        .collect();
    assert_covers(
        "FontFace in Request::QueryFont",
        &query_faces,
        FONT_FACE_VARIANTS,
        |f| font_face_index(*f),
    );
    let formats: Vec<PixelFormat> = requests
        .iter()
        .filter_map(|r| match r {
            Request::PutImage { format, .. } => Some(*format),
            _ => None,
        })
        .collect();
    assert_covers(
        "PixelFormat in Request::PutImage",
        &formats,
        PIXEL_FORMAT_VARIANTS,
        |f| pixel_format_index(*f),
    );
    let compressions: Vec<Compression> = requests
        .iter()
        .filter_map(|r| match r {
            Request::PutImage { compression, .. } => Some(*compression),
            _ => None,
        })
        .collect();
    assert_covers(
        "Compression in Request::PutImage",
        &compressions,
        COMPRESSION_VARIANTS,
        |c| compression_index(*c),
    );
    let actions: Vec<dispd_protocol::InputAction> = requests
        .iter()
        .filter_map(|r| match r {
            Request::InjectInput(a) => Some(a.clone()),
            _ => None,
        })
        .collect();
    assert_covers(
        "InputAction in Request::InjectInput",
        &actions,
        INPUT_ACTION_VARIANTS,
        input_action_index,
    );
    let cursors: Vec<dispd_protocol::CursorShape> = requests
        .iter()
        .filter_map(|r| match r {
            Request::SetCursor { cursor, .. } => Some(*cursor),
            _ => None,
        })
        .collect();
    assert_covers(
        "CursorShape in Request::SetCursor",
        &cursors,
        CURSOR_SHAPE_VARIANTS,
        |c| cursor_shape_index(*c),
    );
    let sources: Vec<ImageSource> = requests
        .iter()
        .filter_map(|r| match r {
            Request::GetImage { source, .. } => Some(*source),
            _ => None,
        })
        .collect();
    assert_covers(
        "ImageSource in Request::GetImage",
        &sources,
        IMAGE_SOURCE_VARIANTS,
        |s| image_source_index(*s),
    );

    let messages = sample_server_messages();
    let replies: Vec<Reply> = messages
        .iter()
        .filter_map(|m| match m {
            ServerMessage::Reply { reply, .. } => Some(reply.clone()),
            _ => None,
        })
        .collect();
    assert_covers("Reply in ServerMessage", &replies, REPLY_VARIANTS, reply_index);
    let codes: Vec<ErrorCode> = messages
        .iter()
        .filter_map(|m| match m {
            ServerMessage::Error(e) => Some(e.code),
            _ => None,
        })
        .collect();
    assert_covers("ErrorCode in ServerMessage", &codes, ERROR_CODE_VARIANTS, |c| {
        error_code_index(*c)
    });
    let events: Vec<Event> = messages
        .iter()
        .filter_map(|m| match m {
            ServerMessage::Event(e) => Some(e.clone()),
            _ => None,
        })
        .collect();
    assert_covers("Event in ServerMessage", &events, EVENT_VARIANTS, event_index);
    let keys: Vec<Key> = events
        .iter()
        .filter_map(|e| match e {
            Event::Key(k) => Some(k.key.clone()),
            _ => None,
        })
        .collect();
    assert_covers("Key in Event::Key", &keys, KEY_VARIANTS, key_index);
    let named: Vec<NamedKey> = keys
        .iter()
        .filter_map(|k| match k {
            Key::Named(n) => Some(*n),
            _ => None,
        })
        .collect();
    assert_covers("NamedKey in Event::Key", &named, NAMED_KEY_VARIANTS, |k| {
        named_key_index(*k)
    });
    let buttons: Vec<Button> = events
        .iter()
        .filter_map(|e| match e {
            Event::PointerButton { button, .. } => Some(*button),
            _ => None,
        })
        .collect();
    assert_covers("Button in Event::PointerButton", &buttons, BUTTON_VARIANTS, |b| {
        button_index(*b)
    });
    let deltas: Vec<WheelDelta> = events
        .iter()
        .filter_map(|e| match e {
            Event::PointerWheel { delta, .. } => Some(*delta),
            _ => None,
        })
        .collect();
    assert_covers(
        "WheelDelta in Event::PointerWheel",
        &deltas,
        WHEEL_DELTA_VARIANTS,
        |d| wheel_delta_index(*d),
    );
}

// ---------------------------------------------------------------------------------------------
// Round trips.
// ---------------------------------------------------------------------------------------------

#[test]
fn requests_round_trip() {
    round_trip_all(&sample_requests());
}

#[test]
fn server_messages_round_trip() {
    round_trip_all(&sample_server_messages());
}

#[test]
fn draw_ops_round_trip() {
    round_trip_all(&sample_draw_ops());
}

#[test]
fn paints_round_trip() {
    round_trip_all(&sample_paints());
    round_trip_all(&sample_stops(16));
}

#[test]
fn path_segs_round_trip() {
    round_trip_all(&sample_path_segs());
}

#[test]
fn drawing_state_enums_round_trip() {
    round_trip_all(&sample_blend_modes());
    round_trip_all(&sample_line_caps());
    round_trip_all(&sample_line_joins());
    round_trip_all(&sample_fill_rules());
    round_trip_all(&sample_font_faces());
}

#[test]
fn pixel_formats_and_compressions_round_trip() {
    round_trip_all(&sample_pixel_formats());
    round_trip_all(&sample_compressions());
}

/// Each op also round-trips alone in a batch, so a bad op is not masked by its neighbours.
#[test]
fn each_draw_op_round_trips_in_its_own_batch() {
    for op in sample_draw_ops() {
        round_trip(&Request::Draw {
            target: IMG,
            ops: vec![op].into(),
        });
    }
}

/// `f32` fields carry their exact bits, including the sign of zero and infinities.
#[test]
fn floats_keep_their_bits() {
    for seg in sample_path_segs() {
        let back: PathSeg = decode(body_of(&frame(&seg))).unwrap();
        assert_eq!(
            dispd_protocol::codec::encode_body(&back),
            dispd_protocol::codec::encode_body(&seg),
            "{seg:?}"
        );
    }
    let back: PathSeg = decode(body_of(&frame(&PathSeg::LineTo(-0.0, 0.0)))).unwrap();
    match back {
        PathSeg::LineTo(x, y) => {
            assert!(x == 0.0 && x.is_sign_negative(), "{x}");
            assert!(y == 0.0 && y.is_sign_positive(), "{y}");
        }
        other => panic!("decoded as {other:?}"),
    }
}

#[test]
fn replies_round_trip() {
    round_trip_all(&sample_replies());
}

#[test]
fn events_round_trip() {
    round_trip_all(&sample_events());
}

#[test]
fn keys_round_trip() {
    round_trip_all(&sample_keys());
    round_trip_all(&sample_named_keys());
}

#[test]
fn buttons_round_trip() {
    round_trip_all(&sample_buttons());
}

#[test]
fn wheel_deltas_round_trip() {
    round_trip_all(&sample_wheel_deltas());
}

#[test]
fn error_codes_round_trip() {
    round_trip_all(&sample_error_codes());
}

#[test]
fn image_sources_round_trip() {
    round_trip_all(&sample_image_sources());
}

#[test]
fn client_summaries_round_trip() {
    round_trip_all(&sample_client_summaries());
    round_trip(&sample_server_info());
}

#[test]
fn setup_round_trips() {
    round_trip::<Setup>(&sample_setup());
}

/// `encode_frame` appends: several frames in one buffer come back one after the other.
#[test]
fn frames_append_to_the_buffer() {
    let requests = sample_requests();
    let mut stream = vec![0xee];
    for r in &requests {
        encode_frame(r, &mut stream);
    }
    assert_eq!(
        stream[0], 0xee,
        "encode_frame overwrote what was already in the buffer"
    );
    let mut rest = &stream[1..];
    for r in &requests {
        let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let back: Request = decode(&rest[4..4 + len]).unwrap();
        assert_eq!(&back, r);
        rest = &rest[4 + len..];
    }
    assert!(rest.is_empty());
}

/// A message with a byte too many or too few does not decode.
#[test]
fn bodies_must_be_exact() {
    for r in sample_requests() {
        let frame = frame(&r);
        let body = body_of(&frame);
        let mut longer = body.to_vec();
        longer.push(0);
        assert!(
            decode::<Request>(&longer).is_err(),
            "{r:?} with a trailing byte decoded"
        );
        assert!(
            decode::<Request>(&body[..body.len() - 1]).is_err(),
            "{r:?} without its last byte decoded"
        );
    }
    for m in sample_server_messages() {
        let frame = frame(&m);
        let body = body_of(&frame);
        let mut longer = body.to_vec();
        longer.push(0);
        assert!(
            decode::<ServerMessage>(&longer).is_err(),
            "{m:?} with a trailing byte decoded"
        );
        assert!(
            decode::<ServerMessage>(&body[..body.len() - 1]).is_err(),
            "{m:?} without its last byte decoded"
        );
    }
}

/// Every request the server answers says so (regression: ListWindows and QueryFont did not).
/// KillClient is not answered: the victim's connection closes, the caller sees an error or nothing.
#[test]
fn expects_reply_covers_every_answered_request() {
    for r in sample_requests() {
        let expected = matches!(
            r,
            Request::GetImage { .. }
                | Request::GetImageAs { .. }
                | Request::Sync
                | Request::QueryServerInfo
                | Request::ListWindows
                | Request::QueryFont { .. }
                | Request::ListClients
        );
        assert_eq!(r.expects_reply(), expected, "{}", r.name());
    }
}

#[test]
fn drawables_come_from_windows() {
    assert_eq!(Drawable::from(W), Drawable(W.0));
    round_trip(&Request::Draw {
        target: W.into(),
        ops: vec![DrawOp::FillRect(Rect::new(0, 0, 1, 1))].into(),
    });
}

// ---------------------------------------------------------------------------------------------
// Handshake.
// ---------------------------------------------------------------------------------------------

#[test]
fn client_hellos_round_trip() {
    for hello in sample_hellos() {
        let bytes = hello.encode().unwrap();
        assert_eq!(
            ClientHello::parse(&bytes).unwrap(),
            Some((hello.clone(), bytes.len()))
        );
        // The first request may arrive in the same read: parse stops at the end of the hello.
        let mut more = bytes.clone();
        encode_frame(&Request::Sync, &mut more);
        assert_eq!(
            ClientHello::parse(&more).unwrap(),
            Some((hello.clone(), bytes.len()))
        );
        for cut in 0..bytes.len() {
            assert_eq!(ClientHello::parse(&bytes[..cut]).unwrap(), None, "cut at {cut}");
        }
    }
}

#[test]
fn client_hello_new_speaks_this_crate_s_newest_version_only() {
    // The crate's types encode the newest version's requests: an older server must refuse.
    let hello = ClientHello::new("dispd-secret", b"abc");
    assert_eq!(hello.min_version, dispd_protocol::PROTOCOL_VERSION);
    assert_eq!(hello.max_version, dispd_protocol::PROTOCOL_VERSION);
    assert_eq!(hello.auth_name, "dispd-secret");
    assert_eq!(hello.auth_data, b"abc");
}

#[test]
fn oversized_hello_does_not_encode() {
    let mut hello = ClientHello::new("", b"");
    hello.auth_name = "x".repeat(dispd_protocol::handshake::MAX_AUTH_NAME + 1);
    assert!(hello.encode().is_err());
    let mut hello = ClientHello::new("", b"");
    hello.auth_data = vec![0; dispd_protocol::handshake::MAX_AUTH_DATA + 1];
    assert!(hello.encode().is_err());
}

#[test]
fn server_answers_round_trip() {
    for answer in sample_answers() {
        let bytes = answer.encode();
        assert_eq!(
            ServerAnswer::parse(&bytes).unwrap(),
            Some((answer.clone(), bytes.len()))
        );
        let mut more = bytes.clone();
        encode_frame(&ServerMessage::Goodbye { reason: "bye".into() }, &mut more);
        assert_eq!(
            ServerAnswer::parse(&more).unwrap(),
            Some((answer.clone(), bytes.len()))
        );
        for cut in 0..bytes.len() {
            assert_eq!(ServerAnswer::parse(&bytes[..cut]).unwrap(), None, "cut at {cut}");
        }
    }
}

#[test]
fn accepted_answer_carries_the_setup() {
    let setup = sample_setup();
    let bytes = ServerAnswer::Accepted {
        version: dispd_protocol::PROTOCOL_VERSION,
        setup: setup.clone(),
    }
    .encode();
    match ServerAnswer::parse(&bytes).unwrap() {
        Some((ServerAnswer::Accepted { version, setup: got }, n)) => {
            assert_eq!(version, dispd_protocol::PROTOCOL_VERSION);
            assert_eq!(got, setup);
            assert_eq!(n, bytes.len());
        }
        other => panic!("expected an acceptance, got {other:?}"),
    }
}
