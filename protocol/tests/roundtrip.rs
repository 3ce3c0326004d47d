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
    decode, encode_frame, Button, DrawOp, Drawable, ErrorCode, Event, Key, NamedKey, Rect, Reply, Request,
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

/// The nested samples also reach the wire inside the top-level messages, not only on their own.
#[test]
fn top_level_samples_embed_every_nested_variant() {
    let requests = sample_requests();
    let ops: Vec<DrawOp> = requests
        .iter()
        .filter_map(|r| match r {
            Request::Draw { ops, .. } => Some(ops.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    assert_covers("DrawOp in Request::Draw", &ops, DRAW_OP_VARIANTS, draw_op_index);
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

#[test]
fn expects_reply_matches_the_replies() {
    for r in sample_requests() {
        let expected = matches!(
            r,
            Request::GetImage { .. } | Request::Sync | Request::QueryServerInfo
        );
        assert_eq!(r.expects_reply(), expected, "{}", r.name());
    }
}

#[test]
fn drawables_come_from_windows() {
    assert_eq!(Drawable::from(W), Drawable(W.0));
    round_trip(&Request::Draw {
        target: W.into(),
        ops: vec![DrawOp::FillRect(Rect::new(0, 0, 1, 1))],
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
fn client_hello_new_speaks_this_crate_s_versions() {
    let hello = ClientHello::new("dispd-secret", b"abc");
    assert_eq!(hello.min_version, dispd_protocol::MIN_PROTOCOL_VERSION);
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
