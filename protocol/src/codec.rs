//! Encoding and decoding of message bodies, and framing them for the wire.
//!
//! A frame is a 4-byte little-endian body length followed by the body, a postcard encoding of
//! one [`crate::Request`] (client to server) or one [`crate::ServerMessage`] (server to client).
//! This is the only module that calls postcard.

use serde::{de::DeserializeOwned, Serialize};

use crate::error::DecodeError;

/// Appends one frame holding `msg` to `out`: the length prefix, then the postcard body.
///
/// Encoding into a `Vec` cannot fail for this crate's types, which hold no maps or
/// unsized sequences; a failure would be a bug and panics with the reason.
pub fn encode_frame<T: Serialize>(msg: &T, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    let buf = std::mem::take(out);
    #[allow(clippy::expect_used)]
    let mut buf = postcard::to_extend(msg, buf).expect("postcard encoding into a Vec cannot fail");
    let len = u32::try_from(buf.len() - start - 4).unwrap_or(u32::MAX);
    buf[start..start + 4].copy_from_slice(&len.to_le_bytes());
    *out = buf;
}

/// Image replies of at least this many bytes of pixels are split by [`encode_frame_head`].
pub const SPLIT_PAYLOAD: usize = 64 * 1024;

/// Like [`encode_frame`], without copying a large image reply's pixels: appends the frame up to
/// the pixels to `out` and returns the pixels, which the caller writes right after it (the two
/// together are the bytes `encode_frame` makes). Any other message is appended whole and the
/// returned slice is empty.
pub fn encode_frame_head<'a>(msg: &'a crate::ServerMessage, out: &mut Vec<u8>) -> &'a [u8] {
    use crate::{Image, Pixels, Reply, ServerMessage};
    // The same message with no pixels, and the pixels.
    let (empty, data) = match msg {
        ServerMessage::Reply {
            seq,
            reply: Reply::Image(image),
        } if image.data.len() >= SPLIT_PAYLOAD => (
            ServerMessage::Reply {
                seq: *seq,
                reply: Reply::Image(Image {
                    width: image.width,
                    height: image.height,
                    data: Vec::new(),
                }),
            },
            &image.data,
        ),
        ServerMessage::Reply {
            seq,
            reply: Reply::Pixels(pixels),
        } if pixels.data.len() >= SPLIT_PAYLOAD => (
            ServerMessage::Reply {
                seq: *seq,
                reply: Reply::Pixels(Pixels {
                    width: pixels.width,
                    height: pixels.height,
                    format: pixels.format,
                    data: Vec::new(),
                }),
            },
            &pixels.data,
        ),
        _ => {
            encode_frame(msg, out);
            return &[];
        }
    };
    // The pixels are the message's last field: encode it with none, then put their length
    // where the empty one was (a byte string is a varint length, then the bytes).
    let start = out.len();
    encode_frame(&empty, out);
    out.pop(); // the empty length, one byte (0)
    let mut n = data.len();
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
    let body = out.len() - start - 4 + data.len();
    let len = u32::try_from(body).unwrap_or(u32::MAX);
    out[start..start + 4].copy_from_slice(&len.to_le_bytes());
    data
}

/// The body of `msg` alone, without the length prefix.
pub fn encode_body<T: Serialize>(msg: &T) -> Vec<u8> {
    let mut out = Vec::new();
    encode_frame(msg, &mut out);
    out.split_off(4)
}

/// Decodes one frame body. Every byte must belong to the message.
#[inline]
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, DecodeError> {
    crate::bounded::start_message();
    let (msg, rest) = postcard::take_from_bytes(body).map_err(|e| match crate::bounded::broken_bound() {
        Some(over) => DecodeError::OverLimit(over.to_string()),
        None => DecodeError::Malformed(e),
    })?;
    if !rest.is_empty() {
        return Err(DecodeError::TrailingBytes(rest.len()));
    }
    Ok(msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Request, ServerMessage};

    #[test]
    fn frame_has_length_prefix() {
        let mut out = vec![0xaa];
        encode_frame(&Request::Sync, &mut out);
        // one byte already there, 4 length bytes, then the body: variant 9 (Sync)
        assert_eq!(out, [0xaa, 1, 0, 0, 0, 9]);
        assert_eq!(decode::<Request>(&out[5..]).unwrap(), Request::Sync);
    }

    #[test]
    fn a_split_frame_is_the_whole_frame() {
        use crate::{Event, Image, Rect, Reply, WindowId};
        let image = |len: usize| ServerMessage::Reply {
            seq: 70_000,
            reply: Reply::Image(Image {
                width: 3,
                height: 5,
                data: (0..len).map(|i| (i % 251) as u8).collect(),
            }),
        };
        let pixels = |len: usize| ServerMessage::Reply {
            seq: 3,
            reply: Reply::Pixels(crate::Pixels {
                width: 300,
                height: 1,
                format: crate::PixelFormat::Rgb8,
                data: (0..len).map(|i| (i % 253) as u8).collect(),
            }),
        };
        let event = ServerMessage::Event(Event::Expose {
            window: WindowId(9),
            rect: Rect::new(0, 0, 1, 1),
        });
        for (msg, split) in [
            (image(SPLIT_PAYLOAD - 1), false),
            (image(SPLIT_PAYLOAD), true),
            (image(1 << 21), true),
            (pixels(SPLIT_PAYLOAD - 1), false),
            (pixels(SPLIT_PAYLOAD), true),
            (pixels(1 << 20), true),
            (event, false),
        ] {
            let mut whole = vec![7];
            encode_frame(&msg, &mut whole);
            let mut head = vec![7];
            let tail = encode_frame_head(&msg, &mut head);
            assert_eq!(!tail.is_empty(), split);
            head.extend_from_slice(tail);
            assert_eq!(head, whole);
        }
    }

    #[test]
    fn no_operation_is_recognised_undecoded() {
        let body = encode_body(&Request::NoOperation);
        assert!(Request::is_no_operation(&body));
        assert!(!Request::is_no_operation(&encode_body(&Request::Sync)));
        assert!(!Request::is_no_operation(&[23, 0]));
        assert!(!Request::is_no_operation(&[]));
    }

    #[test]
    fn trailing_bytes_are_rejected() {
        assert!(matches!(
            decode::<Request>(&[9, 0]),
            Err(DecodeError::TrailingBytes(1))
        ));
    }

    #[test]
    fn bad_tag_is_an_error() {
        assert!(decode::<Request>(&[200]).is_err());
        assert!(decode::<ServerMessage>(&[]).is_err());
    }
}
